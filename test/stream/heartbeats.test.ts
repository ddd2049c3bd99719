import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { binanceStream } from '../../src/binance/index.js';
import { bybitStream } from '../../src/bybit/index.js';
import { constant } from '../../src/index.js';
import { okxStream } from '../../src/okx/index.js';
import {
  supervise,
  type StreamDisconnectInfo,
  type SuperviseOptions,
  type Supervisor,
  type VenueStream,
} from '../../src/stream/index.js';
import { instantClock, type InstantClock } from '../../src/testing/index.js';
import { until } from '../helpers/until.js';

/**
 * The venues' heartbeats against a real `ws` server on 127.0.0.1, timed on the instant clock:
 * the server records each text message and protocol ping it receives with `clock.now()`.
 */

interface Seen {
  /** Text messages received, with the clock's time. */
  texts: [string, number][];
  /** Protocol pings received, at the clock's time. */
  pings: number[];
}

interface HeartbeatServer {
  url: string;
  /** What each connection received, in connect order. */
  connections: Seen[];
  close(): Promise<void>;
}

async function startHeartbeatServer(
  clock: InstantClock,
  {
    answer = () => undefined,
    autoPong = true,
  }: {
    answer?: (text: string) => string | undefined;
    autoPong?: boolean;
  } = {},
): Promise<HeartbeatServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong });
  await once(wss, 'listening');
  const connections: Seen[] = [];
  wss.on('connection', (ws) => {
    const seen: Seen = { texts: [], pings: [] };
    connections.push(seen);
    ws.on('error', () => {});
    ws.on('ping', () => seen.pings.push(clock.now()));
    ws.on('message', (data: Buffer) => {
      const text = String(data);
      seen.texts.push([text, clock.now()]);
      const reply = answer(text);
      if (reply !== undefined) ws.send(reply);
    });
  });
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => resolve());
      }),
  };
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Supervises `server` with `venue`'s settings; records what the application saw and each drop. */
function superviseVenue(
  venue: VenueStream,
  server: HeartbeatServer,
  clock: InstantClock,
  options: SuperviseOptions & { pingIntervalMs?: number } = {},
) {
  const { pingIntervalMs, ...rest } = options;
  const messages: string[] = [];
  const drops: StreamDisconnectInfo[] = [];
  const supervisor: Supervisor = supervise(
    (ctx) =>
      venue.websocket(new WebSocket(server.url), ctx, {
        onMessage: (data) => void messages.push(String(data)),
        ...(pingIntervalMs === undefined ? {} : { pingIntervalMs }),
      }),
    {
      ...venue.options,
      operation: 'heartbeat',
      clock,
      backoff: constant(1000),
      onDisconnect: (e) => void drops.push(e),
      ...rest,
    },
  );
  cleanups.push(() => supervisor.stop());
  return { supervisor, messages, drops };
}

/** No watchdog sleeps on the clock: the heartbeat is the only thing moving it. */
const heartbeatOnly = { staleAfterMs: Infinity, stableAfterMs: Infinity, maxLifetimeMs: Infinity };

/** Starts a heartbeat server on a fresh instant clock. */
async function serve(options: Parameters<typeof startHeartbeatServer>[1] = {}) {
  const clock = instantClock(0);
  const server = await startHeartbeatServer(clock, options);
  cleanups.push(() => server.close());
  return { clock, server };
}

describe('okxStream heartbeat', () => {
  it('sends the text ping after 10 s of silence, then 10 s after each pong', async () => {
    const { clock, server } = await serve({ answer: (t) => (t === 'ping' ? 'pong' : undefined) });
    const { supervisor, messages } = superviseVenue(okxStream(), server, clock, heartbeatOnly);
    await until(() => (server.connections[0]?.texts.length ?? 0) >= 3);
    await supervisor.stop();
    expect({ texts: server.connections[0]!.texts.slice(0, 3), passedOn: messages }).toEqual({
      texts: [
        ['ping', 10_000],
        ['ping', 20_000],
        ['ping', 30_000],
      ],
      passedOn: [],
    });
  });

  it('replaces a connection whose ping gets no pong once it is stale after 30 s', async () => {
    const { clock, server } = await serve();
    const { drops } = superviseVenue(okxStream(), server, clock);
    await until(() => drops.length === 1 && server.connections.length === 2);
    expect({ drop: drops[0], texts: server.connections[0]!.texts.map(([t]) => t) }).toEqual({
      drop: {
        operation: 'heartbeat',
        reason: 'stale',
        uptimeMs: 30_000,
        willReconnect: true,
        delayMs: 1000,
      },
      texts: ['ping'],
    });
  });
});

describe('bybitStream heartbeat', () => {
  const pong = '{"success":true,"ret_msg":"pong","conn_id":"c1","op":"ping"}';

  it('sends {"op":"ping"} after 20 s of silence, then 20 s after each answer', async () => {
    const { clock, server } = await serve({
      answer: (t) => (t === '{"op":"ping"}' ? pong : undefined),
    });
    const { supervisor } = superviseVenue(bybitStream(), server, clock, heartbeatOnly);
    await until(() => (server.connections[0]?.texts.length ?? 0) >= 3);
    await supervisor.stop();
    expect(server.connections[0]!.texts.slice(0, 3)).toEqual([
      ['{"op":"ping"}', 20_000],
      ['{"op":"ping"}', 40_000],
      ['{"op":"ping"}', 60_000],
    ]);
  });

  it('replaces a connection whose ping gets no answer once it is stale after 60 s', async () => {
    const { clock, server } = await serve();
    const { drops } = superviseVenue(bybitStream(), server, clock);
    await until(() => drops.length === 1 && server.connections.length === 2);
    expect({
      drop: [drops[0]!.reason, drops[0]!.uptimeMs],
      texts: server.connections[0]!.texts.map(([t]) => t),
    }).toEqual({ drop: ['stale', 60_000], texts: ['{"op":"ping"}'] });
  });
});

describe('binanceStream with ws protocol pings', () => {
  // Binance's server pings every 20 s (reference/venues.md §1); a client pinging at the same
  // interval notices a dead peer without waiting for the server's pings.
  it('sends a protocol ping every pingIntervalMs, each after the previous pong', async () => {
    const { clock, server } = await serve();
    const { supervisor } = superviseVenue(binanceStream(), server, clock, {
      ...heartbeatOnly,
      pingIntervalMs: 20_000,
    });
    await until(() => (server.connections[0]?.pings.length ?? 0) >= 3);
    await supervisor.stop();
    expect(server.connections[0]!.pings.slice(0, 3)).toEqual([20_000, 40_000, 60_000]);
  });

  it('replaces a connection whose ping gets no pong once it is stale after 60 s', async () => {
    const { clock, server } = await serve({ autoPong: false });
    const { drops } = superviseVenue(binanceStream(), server, clock, { pingIntervalMs: 20_000 });
    await until(() => drops.length === 1 && server.connections.length === 2);
    expect({
      drop: [drops[0]!.reason, drops[0]!.uptimeMs],
      pings: server.connections[0]!.pings.length,
    }).toEqual({ drop: ['stale', 60_000], pings: 1 });
  });
});
