import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { checkOptions, numberRule } from '../core/validate.js';

/**
 * The simulator's WebSocket market stream: numbered trade messages in the venue's shape on the
 * venue's server, with the venue's heartbeat, and controls to fail it. `ws` is loaded only when
 * a venue is started with `stream`, so the rest of `tenacious/simulator` runs without it.
 *
 * Heartbeats: Binance sends ping frames (spot every 20 s; the pong must come within 1 min,
 * BSPOT); OKX answers the text `ping` with `pong` (OKXDOC connect); Bybit answers
 * `{"op":"ping"}` with a `pong` op message (BYDOCS). Messages are numbered across the stream
 * (`seq`, from 1), so a client sees the gap a drop leaves.
 */

export interface StreamOptions {
  /** Real time between two numbered messages (default 50). */
  intervalMs?: number;
  /** Binance: real time between two server pings (default 20000, BSPOT). */
  pingIntervalMs?: number;
}

/** The stream's controls (`venue.stream`). */
export interface MarketStream {
  /** Ends every open connection abruptly (no close frame: the client sees 1006). */
  drop(): void;
  /** The open connections stop sending anything (messages, pings, pongs) but stay open. */
  silence(): void;
  /**
   * Sends the venue's shutdown notice to every open connection and keeps it open: Binance
   * `{"e":"serverShutdown","E":<ms>}` (BSPOT CHANGELOG 2026-05-06); OKX the 64008 notice
   * (OKXDOC notification); Bybit documents no notice on market streams, so its order-entry
   * 10019 "ws trade service is restarting … you can build new connection" (BYDOCS).
   */
  shutdownNotice(): void;
  /** New connections are refused with this HTTP status until `accept()` (429 and 418 carry Retry-After: 1). */
  refuse(status: number): void;
  /** New connections are accepted again. */
  accept(): void;
  /** Open connections. */
  readonly connections: number;
  /** Numbered messages sent so far (the last `seq`). */
  readonly sent: number;
}

type VenueName = 'binance-spot' | 'binance-futures' | 'okx' | 'bybit';

const PATHS: Readonly<Record<VenueName, string>> = {
  'binance-spot': '/ws/btcusdt@trade',
  'binance-futures': '/ws/btcusdt@aggTrade',
  okx: '/ws/v5/public',
  bybit: '/v5/public/linear',
};

/** Message `seq` in the venue's shape; `seq` also in the venue's own trade id field. */
function message(venue: VenueName, seq: number, now: number): string {
  const price = (97000 + (seq % 100)).toFixed(2);
  switch (venue) {
    case 'binance-spot':
    case 'binance-futures':
      return JSON.stringify({
        e: 'trade',
        E: now,
        s: 'BTCUSDT',
        t: seq,
        p: price,
        q: '0.001',
        T: now,
        m: false,
        seq,
      });
    case 'okx':
      return JSON.stringify({
        arg: { channel: 'trades', instId: 'BTC-USDT' },
        data: [
          {
            instId: 'BTC-USDT',
            tradeId: String(seq),
            px: price,
            sz: '0.001',
            side: 'buy',
            ts: String(now),
          },
        ],
        seq,
      });
    case 'bybit':
      return JSON.stringify({
        topic: 'publicTrade.BTCUSDT',
        type: 'snapshot',
        ts: now,
        data: [{ T: now, s: 'BTCUSDT', S: 'Buy', v: '0.001', p: price, i: String(seq), BT: false }],
        seq,
      });
  }
}

function notice(venue: VenueName, now: number): string {
  switch (venue) {
    case 'binance-spot':
    case 'binance-futures':
      return JSON.stringify({ e: 'serverShutdown', E: now });
    case 'okx':
      return JSON.stringify({
        event: 'notice',
        code: '64008',
        msg: 'The connection will soon be closed for a service upgrade. Please reconnect.',
      });
    case 'bybit':
      return JSON.stringify({
        retCode: 10019,
        retMsg:
          'ws trade service is restarting, do not send new request, you can build new connection',
      });
  }
}

/** The venue's answer to a client's own message (heartbeat or subscription), or undefined. */
function reply(venue: VenueName, text: string, connId: string): string | undefined {
  if (venue === 'okx') {
    if (text === 'ping') return 'pong';
    const sub = parse(text);
    return sub?.op === 'subscribe'
      ? JSON.stringify({
          event: 'subscribe',
          arg: (sub.args as unknown[] | undefined)?.[0],
          connId,
        })
      : undefined;
  }
  if (venue === 'bybit') {
    const op = parse(text);
    if (op?.op === 'ping')
      return JSON.stringify({
        success: true,
        ret_msg: 'pong',
        conn_id: connId,
        req_id: op.req_id ?? '',
        op: 'ping',
      });
    if (op?.op === 'subscribe')
      return JSON.stringify({
        success: true,
        ret_msg: '',
        conn_id: connId,
        req_id: op.req_id ?? '',
        op: 'subscribe',
      });
    return undefined;
  }
  // Binance: `{"method":"SUBSCRIBE","id":1}` → `{"result":null,"id":1}`.
  const call = parse(text);
  return call?.method === undefined
    ? undefined
    : JSON.stringify({ result: null, id: call.id ?? null });
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  403: 'Forbidden',
  418: "I'm a teapot",
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

const RULES = {
  intervalMs: numberRule(1),
  pingIntervalMs: numberRule(1),
};
const statusRule = numberRule(400, { max: 599, integer: true });

/** The stream's live state, shared by the upgrade handler, the timers and the controls. */
interface StreamState {
  readonly venue: VenueName;
  /** Open connections. */
  readonly live: Set<WebSocket>;
  /** Connections that `silence()` made mute. */
  readonly silenced: WeakSet<WebSocket>;
  /** The HTTP status new connections are refused with, while `refuse(status)` holds. */
  refusing: number | undefined;
  /** The last numbered message's `seq`. */
  seq: number;
  /** The next connection's number, for its `connId`. */
  nextConn: number;
}

/** Loads `ws` lazily: it is an optional peer, needed only when a venue has a stream. */
async function loadWebSocketServer(): Promise<typeof WebSocketServer> {
  const { WebSocketServer: Wss } = (await import('ws')) as {
    WebSocketServer: typeof WebSocketServer;
  };
  return Wss;
}

/** Runs `f` on every open connection that is not silenced. */
function eachListening(state: StreamState, f: (ws: WebSocket) => void): void {
  for (const ws of state.live) if (!state.silenced.has(ws) && ws.readyState === ws.OPEN) f(ws);
}

/** Ends an upgrade request with `status` and no body; 429 and 418 carry `Retry-After: 1`. */
function refuseUpgrade(socket: Duplex, status: number): void {
  const retryAfter = status === 429 || status === 418 ? 'Retry-After: 1\r\n' : '';
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Refused'}\r\n${retryAfter}Content-Length: 0\r\nConnection: close\r\n\r\n`,
  );
}

/** Tracks a new connection and answers its heartbeats and subscriptions, unless silenced. */
function serveConnection(state: StreamState, ws: WebSocket): void {
  const connId = `sim-${state.nextConn++}`;
  state.live.add(ws);
  ws.on('close', () => state.live.delete(ws));
  ws.on('error', () => state.live.delete(ws));
  ws.on('message', (data) => {
    if (state.silenced.has(ws)) return;
    // `ws` gives a Buffer (or Buffer[] for fragmented frames).
    const text = Array.isArray(data)
      ? Buffer.concat(data).toString()
      : Buffer.from(data as ArrayBuffer).toString();
    const answer = reply(state.venue, text, connId);
    if (answer !== undefined) ws.send(answer);
  });
}

/** Sends a numbered message every `intervalMs` and, on Binance, a ping; returns the stopper. */
function startTimers(state: StreamState, intervalMs: number, pingIntervalMs: number): () => void {
  const ticker = setInterval(() => {
    // The market starts with the first subscriber and then goes on, so a drop leaves a gap.
    if (state.seq === 0 && state.live.size === 0) return;
    state.seq += 1;
    const text = message(state.venue, state.seq, Date.now());
    eachListening(state, (ws) => ws.send(text));
  }, intervalMs);
  // Binance pings (BSPOT: every 20 s); OKX and Bybit wait for the client's ping.
  const pinger = state.venue.startsWith('binance')
    ? setInterval(() => eachListening(state, (ws) => ws.ping(String(Date.now()))), pingIntervalMs)
    : undefined;
  ticker.unref();
  pinger?.unref();
  return () => {
    clearInterval(ticker);
    if (pinger !== undefined) clearInterval(pinger);
  };
}

/** `venue.stream`: the controls that fail the stream, over its live state. */
function streamControls(state: StreamState): MarketStream {
  return {
    drop: () => {
      for (const ws of state.live) ws.terminate();
      state.live.clear();
    },
    silence: () => {
      for (const ws of state.live) state.silenced.add(ws);
    },
    shutdownNotice: () => {
      const text = notice(state.venue, Date.now());
      eachListening(state, (ws) => ws.send(text));
    },
    refuse: (status) => {
      const error = statusRule.type(status) && statusRule.range!(status) ? undefined : status;
      if (error !== undefined)
        throw new RangeError(
          `venue.stream.refuse: status: expected ${statusRule.rule}, got ${String(status)}`,
        );
      state.refusing = status;
    },
    accept: () => {
      state.refusing = undefined;
    },
    get connections() {
      return state.live.size;
    },
    get sent() {
      return state.seq;
    },
  };
}

/**
 * Serves the stream on `server`'s upgrade requests, at the venue's path; `close()` stops the
 * timers and ends every connection.
 *
 * @example
 * ```ts
 * const market = await startStream(server, 'okx', port, { intervalMs: 10 });
 * market.url; // 'ws://127.0.0.1:<port>/ws/v5/public'
 * market.controls.drop();
 * await market.close();
 * ```
 */
export async function startStream(
  server: Server,
  venue: VenueName,
  port: number,
  options: StreamOptions,
): Promise<{ url: string; controls: MarketStream; close(): Promise<void> }> {
  const { intervalMs = 50, pingIntervalMs = 20_000 } = checkOptions(
    'startVenue: stream',
    options,
    RULES,
  );
  const Wss = await loadWebSocketServer();
  const wss = new Wss({ noServer: true });
  const state: StreamState = {
    venue,
    live: new Set(),
    silenced: new WeakSet(),
    refusing: undefined,
    seq: 0,
    nextConn: 1,
  };
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (state.refusing !== undefined) return refuseUpgrade(socket, state.refusing);
    wss.handleUpgrade(req, socket, head, (ws) => serveConnection(state, ws));
  };
  server.on('upgrade', onUpgrade);
  const stopTimers = startTimers(state, intervalMs, pingIntervalMs);
  return {
    url: `ws://127.0.0.1:${port}${PATHS[venue]}`,
    controls: streamControls(state),
    close: async () => {
      stopTimers();
      server.off('upgrade', onUpgrade);
      for (const ws of state.live) ws.terminate();
      state.live.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
