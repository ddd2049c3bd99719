import { randomUUID } from 'node:crypto';
import { RestClientV5 } from 'bybit-api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bybitClassifier, bybitRateLimitTracker } from '../../src/bybit/index.js';
import { HoldTooLongError, onHold, retry, type Clock, type HoldEvent } from '../../src/index.js';
import { redisStore } from '../../src/redis/index.js';
import { instantClock } from '../../src/testing/index.js';
import { captureLogger } from '../helpers/log-capture.js';
import { redisAvailable } from '../helpers/redis-server.js';
import { gatedPubSub, twoProcesses } from '../redis/clients.js';
import { startFakeBybit, type FakeBybit } from './fake-bybit.js';

const API_KEY = 'bybitKeyQ7n2Vx9LmP4tRw8Z';
const API_SECRET = 'bybitSecretJ3kH6sD1fG5aQ0wE8rT2yU4iO7pL9';

let servers: FakeBybit[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

const limitHeaders = (remaining: number, resetAtMs: number) => ({
  'X-Bapi-Limit-Status': String(remaining),
  'X-Bapi-Limit': '10',
  'X-Bapi-Limit-Reset-Timestamp': String(resetAtMs),
});

describe('bybitRateLimitTracker', () => {
  it('resolves at once while the endpoint has requests left', async () => {
    const clock = instantClock();
    const tracker = bybitRateLimitTracker({ clock });
    tracker.update(limitHeaders(2, clock.now()), 200, '/v5/order/create');
    await tracker.acquire('/v5/order/create');
    await tracker.acquire('/v5/order/create');
    expect(clock.sleeps).toEqual([]);
  });

  it('waits until the reset time once the endpoint’s requests are spent', async () => {
    const clock = instantClock();
    const tracker = bybitRateLimitTracker({ clock });
    tracker.update(limitHeaders(1, clock.now() + 800), 200, '/v5/order/create');
    await tracker.acquire('/v5/order/create');
    await tracker.acquire('/v5/order/create');
    expect(clock.sleeps).toEqual([800]);
  });

  it('keeps endpoints apart: a spent endpoint does not hold another', async () => {
    const clock = instantClock();
    const tracker = bybitRateLimitTracker({ clock });
    tracker.update(limitHeaders(0, clock.now() + 800), 200, '/v5/order/create');
    await tracker.acquire('/v5/market/tickers');
    expect(clock.sleeps).toEqual([]);
  });

  it("reads bybit-api's rateLimitApi through bybitClassifier({ tracker }) on every answer", async () => {
    const clock = instantClock();
    const tracker = bybitRateLimitTracker({ clock });
    const server = await startFakeBybit({ headers: () => limitHeaders(7, clock.now()) });
    servers.push(server);
    const client = new RestClientV5({
      key: API_KEY,
      secret: API_SECRET,
      baseUrl: server.url,
      parseAPIRateLimits: true,
    });
    await retry(
      () =>
        client.submitOrder({
          category: 'linear',
          symbol: 'BTCUSDT',
          side: 'Buy',
          orderType: 'Market',
          qty: '0.001',
          orderLinkId: 't-1',
        }),
      {
        classify: bybitClassifier({ tracker, endpoint: '/v5/order/create', clock }),
        idempotent: false,
        clock,
      },
    );
    expect(tracker.snapshot().endpoints['/v5/order/create']).toEqual({
      remaining: 7,
      limit: 10,
      resetAtMs: clock.now(),
      heldUntil: undefined,
    });
  });

  it('holds every endpoint for 10 minutes after a 403', async () => {
    const clock = instantClock();
    const tracker = bybitRateLimitTracker({ clock });
    tracker.update({}, 403);
    expect(tracker.snapshot().hostHeldUntil).toBe(clock.now() + 600_000);
    await tracker.acquire('/v5/position/list');
    expect(clock.sleeps).toEqual([600_000]);
  });

  it('holds past the 10 minutes when the 403 carries a later reset timestamp, as the classifier waits', async () => {
    const clock = instantClock();
    const tracker = bybitRateLimitTracker({ clock });
    const resetAtMs = clock.now() + 900_000;
    const answer = {
      status: 403,
      headers: { 'x-bapi-limit-reset-timestamp': String(resetAtMs) },
      data: '<html>403 Forbidden</html>',
    };
    tracker.update(answer, 403);
    expect(tracker.snapshot().hostHeldUntil).toBe(resetAtMs);
    expect(bybitClassifier({ clock })({ ok: false, error: { response: answer } })).toMatchObject({
      retryAfterMs: 900_000,
    });
  });

  it('publishes the hold after a 403 as a ban of bybit-limits', async () => {
    const clock = instantClock();
    const tracker = bybitRateLimitTracker({ clock });
    tracker.update({}, 403);
    const events: HoldEvent[] = [];
    const stop = onHold((event) => events.push(event));
    await tracker.acquire('/v5/position/list');
    stop();
    expect(events).toEqual([{ source: 'bybit-limits', reason: 'ban', waitMs: 600_000 }]);
  });

  it("rejects at once with HoldTooLongError when the 403 ban outlasts the run's maxElapsedMs", async () => {
    const clock = instantClock();
    const tracker = bybitRateLimitTracker({ clock });
    tracker.update({}, 403);
    const error = await retry((ctx) => tracker.acquire('/v5/order/create', ctx), {
      clock,
      maxElapsedMs: 60_000,
    }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(HoldTooLongError);
    expect(error).toMatchObject({ reason: 'ban', waitMs: 600_000, maxWaitMs: 60_000 });
    expect(clock.sleeps).toEqual([]);
  });

  it("waits the 403 ban when the run's maxElapsedMs leaves room for it", async () => {
    const clock = instantClock();
    const tracker = bybitRateLimitTracker({ clock });
    tracker.update({}, 403);
    await retry((ctx) => tracker.acquire('/v5/order/create', ctx), {
      clock,
      maxElapsedMs: 900_000,
    });
    expect(clock.sleeps).toEqual([600_000]);
  });

  it("rejects a held acquire with the caller's signal reason", async () => {
    const tracker = bybitRateLimitTracker();
    tracker.update({}, 403);
    const controller = new AbortController();
    const waiting = tracker.acquire('/v5/order/create', { signal: controller.signal });
    controller.abort(new Error('shutting down'));
    await expect(waiting).rejects.toThrow('shutting down');
  });

  it('logs the hold with the endpoint and the wait, and no header', async () => {
    const clock = instantClock();
    const { logger, lines, records } = captureLogger();
    const tracker = bybitRateLimitTracker({ clock, logger });
    tracker.update(
      { ...limitHeaders(0, clock.now() + 500), 'X-BAPI-API-KEY': API_KEY },
      200,
      '/v5/order/create',
    );
    expect(lines).toHaveLength(1);
    expect(records()[0]).toMatchObject({
      level: 40,
      venue: 'bybit',
      endpoint: '/v5/order/create',
      holdMs: 500,
    });
    expect(JSON.stringify(lines)).not.toContain(API_KEY);
  });

  it('refuses a bad option with a TypeError naming it and the value', () => {
    expect(() => bybitRateLimitTracker({ key: 42 as unknown as string })).toThrow(
      new TypeError('bybitRateLimitTracker: key: expected a non-empty string, got 42'),
    );
  });
});

/** Real time whose sleeps are recorded and then refused: shows the wait the store asked for. */
function refusingClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => Date.now(),
    sleep(ms) {
      sleeps.push(ms);
      return Promise.reject(new Error('would wait'));
    },
  };
}

describe.skipIf(!redisAvailable)(
  'bybitRateLimitTracker on a redisStore (real redis-server)',
  () => {
    const processes = twoProcesses(['node-redis', 'ioredis']);

    it('holds a second process for the 10 minutes after a 403 the first one saw', async () => {
      const key = randomUUID();
      const seen = bybitRateLimitTracker({ store: processes.storeA, key });
      seen.update({}, 403);
      const clock = refusingClock();
      // A process that starts after the ban: it asks Redis before its first request.
      const other = bybitRateLimitTracker({ store: processes.storeB, key, clock });
      await vi.waitFor(async () => {
        await expect(other.acquire('/v5/order/create')).rejects.toThrow('would wait');
        expect(clock.sleeps.at(-1)).toBeGreaterThan(590_000);
      });
      expect(clock.sleeps.at(-1)).toBeLessThanOrEqual(600_000);
    });

    it('reports the hold a 403 of the first process causes in a second one as a ban', async () => {
      const key = randomUUID();
      const seen = bybitRateLimitTracker({ store: processes.storeA, key });
      seen.update({}, 403);
      const cooldownKey = `${processes.storeA.keyOf('rate', key)}:cooldown`;
      await vi.waitFor(async () =>
        expect(Number(await processes.a.command(['PTTL', cooldownKey]))).toBeGreaterThan(0),
      );
      // Its pub/sub never opens: it learns of the ban from Redis's answer only.
      const gated = gatedPubSub(processes.b.client);
      const store = redisStore({ client: gated.client, commandTimeoutMs: 2000 });
      const other = bybitRateLimitTracker({ store, key, clock: refusingClock() });
      const events: HoldEvent[] = [];
      const stop = onHold((event) => events.push(event));
      try {
        await expect(other.acquire('/v5/order/create')).rejects.toThrow('would wait');
      } finally {
        stop();
        await store.close();
      }
      expect(events.map((e) => [e.source, e.reason])).toEqual([['bybit-limits', 'ban']]);
    });

    it('holds the endpoint in a second process when the first one spent its window', async () => {
      const key = randomUUID();
      const seen = bybitRateLimitTracker({ store: processes.storeA, key });
      seen.update(limitHeaders(0, Date.now() + 30_000), 200, '/v5/order/create');
      const clock = refusingClock();
      const other = bybitRateLimitTracker({ store: processes.storeB, key, clock });
      await vi.waitFor(async () => {
        await expect(other.acquire('/v5/order/create')).rejects.toThrow('would wait');
      });
      expect(clock.sleeps.at(-1)).toBeGreaterThan(20_000);
      await expect(other.acquire('/v5/market/tickers')).resolves.toBeUndefined();
    });

    it('never puts the key in a Redis key name', async () => {
      const key = `api-key-${API_KEY}`;
      const tracker = bybitRateLimitTracker({ store: processes.storeA, key });
      tracker.update({}, 403);
      tracker.update(limitHeaders(0, Date.now() + 5000), 200, '/v5/order/create');
      await vi.waitFor(async () => {
        const names = (await processes.a.command(['KEYS', '*'])) as string[];
        expect(names.length).toBeGreaterThan(0);
      });
      const names = (await processes.a.command(['KEYS', '*'])) as string[];
      expect(names.join(' ')).not.toContain(API_KEY);
    });

    it('falls back to its local state when Redis does not answer, never throwing', async () => {
      const dead = redisStore({
        client: processes.a.client,
        commandTimeoutMs: 2000,
        logger: captureLogger().logger,
      });
      const failing = {
        ...dead,
        sharedWindow: dead.sharedWindow.bind(dead),
        sharedBreaker: dead.sharedBreaker.bind(dead),
        sharedRateLimit: () => ({
          reserve: () => Promise.reject(new Error('redis down')),
          update: () => Promise.reject(new Error('redis down')),
          watchCooldown: () => () => {},
        }),
      };
      const clock = instantClock();
      const tracker = bybitRateLimitTracker({ store: failing, key: randomUUID(), clock });
      tracker.update({}, 403);
      await tracker.acquire('/v5/order/create');
      expect(clock.sleeps).toEqual([600_000]);
      await dead.close();
    });
  },
);
