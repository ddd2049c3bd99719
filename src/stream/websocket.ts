import type { IncomingMessage } from 'node:http';
import { onAbort, unrefRealClock } from '../core/clock.js';
import { callIsolated } from '../core/event.js';
import { hub } from '../core/hub.js';
import type { Clock } from '../core/types.js';
import { checkOptions, clockRule, functionRule, numberRule, type Rules } from '../core/validate.js';
import { headerValue } from '../transport/headers.js';
import { parseRetryAfter } from '../transport/retry-after.js';
import { HandshakeError, SocketClosedError } from './errors.js';
import { Beacon, heartbeat } from './heartbeat.js';
import type { StreamConnection } from './options.js';

/** The part of a `ws` WebSocket used here (an EventEmitter with ping/terminate). */
interface WsSocket {
  readonly readyState: number;
  on(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener: (...args: any[]) => void): unknown;
  ping(): void;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
}

/** The part of a WHATWG WebSocket used here (Node 22's global, browsers). */
interface WhatwgSocket {
  readonly readyState: number;
  addEventListener(event: string, listener: (event: any) => void): void;
  removeEventListener(event: string, listener: (event: any) => void): void;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** A `ws` WebSocket or a WHATWG `WebSocket`. */
export type WebSocketLike = WsSocket | WhatwgSocket;

/** How a WebSocket closed: `closed` fulfils with it. */
export interface WebSocketClose {
  code: number;
  reason: string;
}

/** Options of {@link websocket}. */
export interface WebSocketOptions {
  /** The connect context's signal: aborting it closes the socket (before open: rejects). */
  signal?: AbortSignal;
  /** The connect context's `alive`: called on every message, ping and pong. */
  alive?: () => void;
  /** Called with each message (`ws`: the data and `isBinary`; WHATWG: `event.data`). */
  onMessage?: (data: any, isBinary?: boolean) => unknown;
  /**
   * Sends a ping this often (`ws` only; WHATWG sockets cannot ping), one at a time: the next is
   * sent `pingIntervalMs` after the previous one, once that one was answered.
   */
  pingIntervalMs?: number;
  /** Times the pings: the connect context's `clock`. Default: the real clock (timers unref'd). */
  clock?: Clock;
}

const RULES: Rules = {
  signal: {
    type: (v) => typeof AbortSignal !== 'undefined' && v instanceof AbortSignal,
    rule: 'an AbortSignal',
  },
  alive: functionRule,
  onMessage: functionRule,
  pingIntervalMs: numberRule(0, { above: true, max: 2 ** 31 - 1 }),
  clock: clockRule,
};

/** `readyState` values, the same in `ws` and WHATWG. */
const OPEN = 1;
const CLOSED = 3;
/** The code of a connection that ended without a close frame (RFC 6455 §7.4.1). */
const ABNORMAL_CLOSURE = 1006;
/** A close frame's reason is at most 123 bytes (RFC 6455 §5.5). */
const reasonText = (reason: string | undefined) =>
  Buffer.from(reason ?? '')
    .subarray(0, 123)
    .toString();
/** `stop()` is prompt: a peer that does not answer the close frame is cut after this. */
const CLOSE_GRACE_MS = 1000;

/** A `ws` socket: an EventEmitter that can `terminate` (a WHATWG socket is neither). */
const isWs = (socket: WebSocketLike): socket is WsSocket =>
  typeof (socket as WsSocket).on === 'function' &&
  typeof (socket as WsSocket).terminate === 'function';

/** A connection's `closed` with its settlers, and the `close()` callers awaiting the close event. */
interface Outcome {
  readonly closed: Promise<WebSocketClose>;
  readonly resolve: (close: WebSocketClose) => void;
  readonly reject: (error: unknown) => void;
  waiters: (() => void)[];
}

/** A pending outcome whose `closed` never crashes a caller that does not read it. */
function createOutcome(): Outcome {
  let resolve!: (close: WebSocketClose) => void;
  let reject!: (error: unknown) => void;
  const closed = new Promise<WebSocketClose>((resolveClosed, rejectClosed) => {
    resolve = resolveClosed;
    reject = rejectClosed;
  });
  closed.catch(() => {}); // the supervisor reads it; a bare caller must not crash on it
  return { closed, resolve, reject, waiters: [] };
}

/** Lets every `close()` caller return: the socket's close event has arrived. */
function wakeCloseWaiters(outcome: Outcome): void {
  for (const waiter of outcome.waiters) waiter();
  outcome.waiters = [];
}

/** Closes with reason `aborted` once `signal` aborts; returns the cancel (none without a signal). */
function closeWhenAborted(
  signal: AbortSignal | undefined,
  close: (reason?: string) => Promise<void>,
): (() => void) | undefined {
  return signal === undefined ? undefined : onAbort(signal, () => void close('aborted'));
}

/**
 * Adapts a `ws` WebSocket (the optional peer) or a WHATWG `WebSocket` (Node 22+) to a
 * `StreamConnection`: resolves once it is open, rejects on an error or a close before open (a
 * refused handshake as a {@link HandshakeError} with its status and `Retry-After`, `ws` only).
 * Then calls `alive()` on every message, ping and pong, `onMessage` with each message (a throw
 * in it is reported, never closes the stream), and pings every `pingIntervalMs` on `clock`
 * (`ws`), each ping once the previous one was answered. `closed` fulfils with `{ code, reason }`
 * or rejects with the socket's error.
 *
 * @example
 * ```ts
 * import WebSocket from 'ws';
 * const trades = supervise(({ signal, alive, clock }) =>
 *   websocket(new WebSocket(url), { signal, alive, clock, onMessage: (data) => book.apply(JSON.parse(String(data))), pingIntervalMs: 15_000 }),
 * );
 * ```
 */
export function websocket(
  socket: WebSocketLike,
  options: WebSocketOptions = {},
): Promise<StreamConnection> {
  const o = checkOptions('websocket', options, RULES);
  if (typeof socket !== 'object' || socket === null || typeof socket.close !== 'function') {
    throw new TypeError('websocket: socket: expected a ws or WHATWG WebSocket');
  }
  return isWs(socket) ? adaptWs(socket, o) : adaptWhatwg(socket, o);
}

/** The listener of each `ws` event an adapter follows, added and removed as one table. */
type WsListeners = Readonly<Record<string, (...args: any[]) => void>>;

/** Adds each listener of the table to the socket. */
function listenWs(socket: WsSocket, listeners: WsListeners): void {
  for (const event in listeners) socket.on(event, listeners[event]!);
}

/** Removes each listener of the table from the socket. */
function unlistenWs(socket: WsSocket, listeners: WsListeners): void {
  for (const event in listeners) socket.off(event, listeners[event]!);
}

/** Adapts a `ws` socket: its refused handshake, pings, messages and close (see {@link websocket}). */
function adaptWs(socket: WsSocket, o: WebSocketOptions): Promise<StreamConnection> {
  const { signal, alive, pingIntervalMs } = o;
  let opened = false;
  let error: unknown;
  let handshake: HandshakeError | undefined;
  let pinger: AbortController | undefined;
  const pong = new Beacon();
  let cancelAbort: (() => void) | undefined;
  const outcome = createOutcome();
  const close = wsCloser(socket, outcome, () => opened);
  const connection: StreamConnection = { closed: outcome.closed, close };

  return new Promise<StreamConnection>((resolve, reject) => {
    const onBeat = () => alive?.();
    const listeners = {
      message: wsMessageListener(alive, o.onMessage),
      ping: onBeat,
      pong: () => {
        alive?.();
        pong.fire();
      },
      'unexpected-response': (_req: unknown, res: IncomingMessage) => {
        handshake = handshakeError(res);
        res.resume();
        socket.terminate();
      },
      open: () => {
        opened = true;
        cancelAbort?.();
        cancelAbort = closeWhenAborted(signal, close);
        if (pingIntervalMs !== undefined) {
          pinger = startPinger(
            socket,
            pingIntervalMs,
            o.clock ?? hub.defaultClock ?? unrefRealClock,
            pong,
          );
        }
        resolve(connection);
      },
      error: (err: unknown) => {
        error ??= err;
      },
      close: (code: number, reason: Buffer) => {
        pinger?.abort();
        cancelAbort?.();
        unlistenWs(socket, listeners);
        const text = String(reason ?? '');
        if (!opened) {
          reject(
            handshake ??
              error ??
              (signal?.aborted ? signal.reason : new SocketClosedError(code, text)),
          );
          outcome.reject(handshake ?? error ?? new SocketClosedError(code, text));
        } else if (error !== undefined) {
          outcome.reject(error);
        } else {
          outcome.resolve({ code, reason: text });
        }
        wakeCloseWaiters(outcome);
      },
    } satisfies WsListeners;
    listenWs(socket, listeners);
    cancelAbort = closeWhenAborted(signal, close);
    if (signal?.aborted) void close('aborted');
    if (socket.readyState === OPEN) listeners.open();
  });
}

/**
 * The `ws` 'message' listener: `alive()`, then `onMessage` with its failures isolated. The one
 * `deliver` closure is made per socket and reads `isBinary` set just before the call, so a
 * message allocates no closure.
 */
function wsMessageListener(
  alive: (() => void) | undefined,
  onMessage: WebSocketOptions['onMessage'],
): (data: unknown, isBinary: boolean) => void {
  if (onMessage === undefined) return () => alive?.();
  let isBinary = false;
  const deliver = (data: unknown) => onMessage(data, isBinary);
  return (data, binary) => {
    alive?.();
    isBinary = binary;
    callIsolated(deliver, data, undefined, 'websocket onMessage');
  };
}

/** The refused handshake a `ws` 'unexpected-response' carries: its status and `Retry-After`. */
function handshakeError(res: IncomingMessage): HandshakeError {
  const retryAfterMs = parseRetryAfter(headerValue(res.headers, 'retry-after'));
  return new HandshakeError({
    status: res.statusCode ?? 0,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

/** Pings every `intervalMs` on `clock`, each after the previous one's pong; abort to stop. */
function startPinger(
  socket: WsSocket,
  intervalMs: number,
  clock: Clock,
  pong: Beacon,
): AbortController {
  const stop = new AbortController();
  let sentAt = clock.now();
  void heartbeat({
    clock,
    everyMs: intervalMs,
    since: () => sentAt,
    send: () => {
      socket.ping();
      sentAt = clock.now();
    },
    answer: pong,
    signal: stop.signal,
  });
  return stop;
}

/**
 * `close()` of a `ws` connection, acting once however often it is called: a close frame once
 * open, else a cut; either way the socket is cut if no close event comes within the grace.
 */
function wsCloser(
  socket: WsSocket,
  outcome: Outcome,
  isOpen: () => boolean,
): (reason?: string) => Promise<void> {
  let done = false;
  let closedOnce: Promise<void> = Promise.resolve();
  return (reason) => {
    if (done) return closedOnce;
    done = true;
    closedOnce = new Promise<void>((resolveClose) => {
      if (socket.readyState === CLOSED) return resolveClose();
      const timer = setTimeout(() => socket.terminate(), CLOSE_GRACE_MS);
      timer.unref();
      outcome.waiters.push(() => {
        clearTimeout(timer);
        resolveClose();
      });
      if (isOpen()) socket.close(1000, reasonText(reason));
      else socket.terminate();
    });
    return closedOnce;
  };
}

/** Adapts a WHATWG socket, which cannot ping nor report a handshake status (see {@link websocket}). */
function adaptWhatwg(socket: WhatwgSocket, o: WebSocketOptions): Promise<StreamConnection> {
  const { signal } = o;
  let opened = false;
  let failed = false;
  const outcome = createOutcome();
  const close = whatwgCloser(socket, outcome);
  const connection: StreamConnection = { closed: outcome.closed, close };

  return new Promise<StreamConnection>((resolve, reject) => {
    const listeners = {
      message: whatwgMessageListener(o.alive, o.onMessage),
      open: () => {
        opened = true;
        resolve(connection);
      },
      error: () => {
        failed = true;
        // Node 22's WebSocket fires no close event after a refused handshake: end it here.
        if (!opened) listeners.close({ code: ABNORMAL_CLOSURE, reason: '' });
      },
      close: (event: { code: number; reason: string }) => {
        cancelAbort?.();
        unlistenWhatwg(socket, listeners);
        const error = new SocketClosedError(event.code, event.reason);
        if (!opened) {
          reject(signal?.aborted ? signal.reason : error);
          outcome.reject(error);
        } else if (failed) {
          outcome.reject(
            Object.assign(new Error(`WebSocket failed (code ${event.code})`), { code: event.code }),
          );
        } else {
          outcome.resolve({ code: event.code, reason: event.reason });
        }
        wakeCloseWaiters(outcome);
      },
    } satisfies WhatwgListeners;
    const cancelAbort = closeWhenAborted(signal, close);
    listenWhatwg(socket, listeners);
    if (signal?.aborted) void close('aborted');
    if (socket.readyState === OPEN) listeners.open();
  });
}

/** The listener of each WHATWG event an adapter follows, added and removed as one table. */
type WhatwgListeners = Readonly<Record<string, (event: any) => void>>;

/** Adds each listener of the table to the socket. */
function listenWhatwg(socket: WhatwgSocket, listeners: WhatwgListeners): void {
  for (const event in listeners) socket.addEventListener(event, listeners[event]!);
}

/** Removes each listener of the table from the socket. */
function unlistenWhatwg(socket: WhatwgSocket, listeners: WhatwgListeners): void {
  for (const event in listeners) socket.removeEventListener(event, listeners[event]!);
}

/** The WHATWG 'message' listener: `alive()`, then `onMessage(event.data)` with failures isolated. */
function whatwgMessageListener(
  alive: (() => void) | undefined,
  onMessage: WebSocketOptions['onMessage'],
): (event: { data: unknown }) => void {
  return (event) => {
    alive?.();
    // onMessage itself, no wrapper: callIsolated passes it `event.data` alone, with no closure.
    if (onMessage !== undefined)
      callIsolated(onMessage, event.data, undefined, 'websocket onMessage');
  };
}

/** `close()` of a WHATWG connection, acting once however often it is called: a close frame. */
function whatwgCloser(socket: WhatwgSocket, outcome: Outcome): (reason?: string) => Promise<void> {
  let closing: Promise<void> | undefined;
  return (reason) =>
    (closing ??= new Promise<void>((resolveClose) => {
      if (socket.readyState === CLOSED) return resolveClose();
      outcome.waiters.push(resolveClose);
      socket.close(1000, reasonText(reason));
    }));
}
