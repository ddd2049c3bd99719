import type { FleetStore } from '../core/fleet-store.js';
import { checkOptions, methodsRule, nonEmptyStringRule, type Rules } from '../core/validate.js';
import { isFleetStore } from '../core/fleet-store.js';
import { connectionLimiter, type ConnectionLimiter } from './limiter.js';
import type { ConnectContext, StreamConnection } from './options.js';
import { Beacon, heartbeat } from './heartbeat.js';
import { websocket, type WebSocketLike, type WebSocketOptions } from './websocket.js';

/** What a venue's control message asks for. */
export type VenueControl = { replace: string } | { consume: true } | undefined;

/** A venue's stream rules, as `binanceStream`, `okxStream` and `bybitStream` define them. */
export interface VenueStreamSpec {
  /** Connection attempts allowed per `windowMs` (per IP or per domain, as the venue counts). */
  limit: number;
  windowMs: number;
  staleAfterMs: number;
  maxLifetimeMs?: number;
  /**
   * Reads one message: `{ replace }` for a shutdown notice, `{ consume }` for a message that is
   * the venue's and not the application's (a `pong`), `undefined` for the application's. Called
   * on every message: check a cheap marker before parsing.
   */
  control?: (data: string | Buffer) => VenueControl;
  /**
   * Sends `text` once nothing was received for `idleMs` (on the connect context's clock), then
   * waits for an answer (any message) before counting again.
   */
  heartbeat?: { text: string; idleMs: number };
}

/** Options of a venue's stream settings (`binanceStream()` and the like). */
export interface VenueStreamOptions {
  /** A limiter shared with other streams on the same IP; default: one made from the venue's limit. */
  limiter?: ConnectionLimiter;
  /** With `key`: the default limiter is shared by the fleet (`tenacious/redis`). */
  store?: FleetStore;
  key?: string;
}

/**
 * A venue's settings for {@link supervise}: spread `options` into its options, open sockets
 * with `websocket` (the venue's control messages handled, its heartbeat sent). Make one per IP
 * and reuse it for every stream on that IP, so they share its connection limiter.
 */
export interface VenueStream {
  readonly options: {
    readonly limiter: ConnectionLimiter;
    readonly staleAfterMs: number;
    readonly maxLifetimeMs?: number;
  };
  websocket(
    socket: WebSocketLike,
    ctx: ConnectContext,
    options?: Pick<WebSocketOptions, 'onMessage' | 'pingIntervalMs'>,
  ): Promise<StreamConnection>;
  /** For your own client: handles a control message (true) or leaves it to you (false). */
  control(data: unknown, ctx: Pick<ConnectContext, 'replace'>): boolean;
}

/**
 * Added to a venue's window in its default limiter: the venue counts handshakes when they reach
 * it, later than their slots were granted and by a varying delay (connect, TLS, a busy event
 * loop), so a limiter on exactly the venue's window lets two windows' batches land in one of
 * the venue's (measured by the restart-storm test: up to twice the limit).
 */
export const VENUE_WINDOW_MARGIN_MS = 1000;

const RULES: Rules = {
  limiter: methodsRule('a ConnectionLimiter (from connectionLimiter())', 'tryAcquire'),
  store: { type: isFleetStore, rule: 'a fleet store (from redisStore())' },
  key: nonEmptyStringRule,
};

/**
 * Builds a venue's stream settings from its rules; the venue folders call it.
 *
 * @example
 * ```ts
 * const venue = venueStream('myVenue', { limit: 10, windowMs: 60_000, staleAfterMs: 30_000 });
 * const stream = supervise((ctx) => venue.websocket(new WebSocket(url), ctx, { onMessage }), venue.options);
 * ```
 */
export function venueStream(
  where: string,
  spec: VenueStreamSpec,
  options?: VenueStreamOptions,
): VenueStream {
  const o = checkOptions(where, options, RULES);
  const limiter =
    o.limiter ??
    connectionLimiter({
      limit: spec.limit,
      windowMs: spec.windowMs + VENUE_WINDOW_MARGIN_MS,
      ...(o.store === undefined ? {} : { store: o.store, key: o.key ?? where }),
    });
  const control = (data: unknown, ctx: Pick<ConnectContext, 'replace'>): boolean => {
    if (spec.control === undefined) return false;
    const raw = typeof data === 'string' || Buffer.isBuffer(data) ? data : String(data);
    const verdict = spec.control(raw);
    if (verdict === undefined) return false;
    if ('replace' in verdict) ctx.replace(verdict.replace);
    return true;
  };
  return {
    options: {
      limiter,
      staleAfterMs: spec.staleAfterMs,
      ...(spec.maxLifetimeMs === undefined ? {} : { maxLifetimeMs: spec.maxLifetimeMs }),
    },
    control,
    async websocket(socket, ctx, wsOptions = {}) {
      const { onMessage } = wsOptions;
      const { clock } = ctx;
      const received = new Beacon();
      let lastReceived = clock.now();
      const connection = await websocket(socket, {
        signal: ctx.signal,
        clock,
        alive: () => {
          lastReceived = clock.now();
          received.fire();
          ctx.alive();
        },
        onMessage: (data: unknown, isBinary?: boolean) => {
          if (!control(data, ctx)) return onMessage?.(data, isBinary);
        },
        ...(wsOptions.pingIntervalMs === undefined
          ? {}
          : { pingIntervalMs: wsOptions.pingIntervalMs }),
      });
      const beat = spec.heartbeat;
      if (beat !== undefined) {
        lastReceived = clock.now(); // silence counts from the open
        const stop = new AbortController();
        const end = () => stop.abort();
        Promise.resolve(connection.closed).then(end, end);
        void heartbeat({
          clock,
          everyMs: beat.idleMs,
          since: () => lastReceived,
          send: () => socket.send(beat.text),
          answer: received,
          signal: stop.signal,
        });
      }
      return connection;
    },
  };
}

/**
 * `JSON.parse` of a message (text or Buffer), or `undefined` when it is not JSON: for a venue's
 * `control` reader.
 *
 * @example
 * ```ts
 * const message = parseJson(data) as { e?: string } | undefined;
 * ```
 */
export function parseJson(data: string | Buffer): unknown {
  try {
    return JSON.parse(String(data));
  } catch {
    return undefined;
  }
}
