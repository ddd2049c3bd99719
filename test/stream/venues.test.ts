import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { binanceStream } from '../../src/binance/index.js';
import { bybitStream } from '../../src/bybit/index.js';
import { okxStream } from '../../src/okx/index.js';
import {
  supervise,
  type StreamDisconnectInfo,
  type Supervisor,
  type VenueStream,
} from '../../src/stream/index.js';
import { instantClock } from '../../src/testing/index.js';
import { startStreamServer, type StreamServer } from '../helpers/stream-server.js';
import { until } from '../helpers/until.js';

let server: StreamServer;
let supervisor: Supervisor | undefined;

beforeEach(async () => {
  server = await startStreamServer();
});

afterEach(async () => {
  await supervisor?.stop();
  supervisor = undefined;
  await server.close();
});

/**
 * Supervises the local stream with `venue`'s settings, sends `notice` once the first connection
 * has delivered a few messages, and returns the disconnect reasons, the messages the
 * application saw and whether the numbered stream has a gap.
 */
async function replacedBy(venue: VenueStream, notice: string) {
  const received: number[][] = [];
  const texts: string[] = [];
  const drops: StreamDisconnectInfo[] = [];
  server.flow(1);
  supervisor = supervise(
    (ctx) => {
      const mine: number[] = [];
      received.push(mine);
      return venue.websocket(new WebSocket(server.url), ctx, {
        onMessage: (data) => {
          const text = String(data);
          const n = (JSON.parse(text) as { n?: number }).n;
          if (n === undefined) texts.push(text);
          else mine.push(n);
        },
      });
    },
    {
      ...venue.options,
      clock: instantClock(0),
      // On the instant clock the watchdog would fire at once: this test is about notices.
      staleAfterMs: Infinity,
      maxLifetimeMs: Infinity,
      onConnect: () => until(() => (received.at(-1)?.length ?? 0) > 0),
      onDisconnect: (e) => void drops.push(e),
    },
  );
  await supervisor.ready();
  await until(() => received[0]!.length > 3);
  server.broadcast(notice);
  await until(() => drops.length === 1);
  await supervisor.stop();
  const unique = [...new Set(received.flat())].sort((a, b) => a - b);
  return {
    reason: drops[0]!.reason,
    connections: received.length,
    gaps: unique.filter((n, i) => i > 0 && n !== unique[i - 1]! + 1),
    passedOn: texts,
  };
}

const replaced = { reason: 'replaced', connections: 2, gaps: [], passedOn: [] };

describe('binanceStream', () => {
  it.each([
    ['raw', '{"e":"serverShutdown","E":1780000000000}'],
    ['combined', '{"stream":"!serverShutdown","data":{"e":"serverShutdown","E":1780000000000}}'],
    ['WS API', '{"event":{"e":"serverShutdown","E":1780000000000}}'],
  ])('replaces the connection on a %s serverShutdown with no message lost', async (_, notice) => {
    expect(await replacedBy(binanceStream(), notice)).toEqual(replaced);
  });

  it('passes other messages naming serverShutdown on to the application', () => {
    const replaces: string[] = [];
    const handled = binanceStream().control('{"e":"trade","note":"serverShutdown"}', {
      replace: (r) => void replaces.push(r),
    });
    expect({ handled, replaces }).toEqual({ handled: false, replaces: [] });
  });

  it('has the venue limits: 300 attempts per 5 min, stale after 60 s, replaced at 23.5 h', () => {
    const { limiter, ...rest } = binanceStream().options;
    expect({ limit: limiter.limit, windowMs: limiter.windowMs, ...rest }).toEqual({
      limit: 300,
      windowMs: 301_000, // the venue's window plus the margin for late handshakes
      staleAfterMs: 60_000,
      maxLifetimeMs: 84_600_000,
    });
  });

  it('fits the futures pings every 3 minutes', () => {
    expect(binanceStream({ product: 'futures' }).options.staleAfterMs).toBe(420_000);
  });
});

describe('okxStream', () => {
  it('replaces the connection on notice 64008 with no message lost', async () => {
    const notice =
      '{"event":"notice","code":"64008","msg":"The connection will soon be closed for a service upgrade. Please reconnect."}';
    expect(await replacedBy(okxStream(), notice)).toEqual(replaced);
  });

  it('keeps the text pong from the application', () => {
    expect(okxStream().control('pong', { replace: () => {} })).toBe(true);
  });

  it('has the venue limits: 3 attempts per second, stale after 30 s', () => {
    const { limiter, ...rest } = okxStream().options;
    expect({ limit: limiter.limit, windowMs: limiter.windowMs, ...rest }).toEqual({
      limit: 3,
      windowMs: 2000, // the venue's window plus the margin for late handshakes
      staleAfterMs: 30_000,
    });
  });
});

describe('bybitStream', () => {
  it('replaces the connection on retCode 10019 with no message lost', async () => {
    const notice =
      '{"retCode":10019,"retMsg":"ws trade service is restarting, you can build new connection"}';
    expect(await replacedBy(bybitStream(), notice)).toEqual(replaced);
  });

  it('has the venue limits: 500 attempts per 5 min, stale after 60 s', () => {
    const { limiter, ...rest } = bybitStream().options;
    expect({ limit: limiter.limit, windowMs: limiter.windowMs, ...rest }).toEqual({
      limit: 500,
      windowMs: 301_000, // the venue's window plus the margin for late handshakes
      staleAfterMs: 60_000,
    });
  });
});
