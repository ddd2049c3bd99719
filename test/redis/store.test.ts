import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { binanceWeightTracker } from '../../src/binance/index.js';
import {
  circuitBreaker,
  HoldTooLongError,
  onHold,
  retryBudget,
  type Clock,
  type HoldEvent,
} from '../../src/index.js';
import { redisStore, StoreClosedError } from '../../src/redis/index.js';
import { captureLogger } from '../helpers/log-capture.js';
import { redisAvailable } from '../helpers/redis-server.js';
import { CLIENT_KINDS, gatedPubSub, twoProcesses } from './clients.js';

/**
 * redisStore against a real redis-server, through both clients. Two clients and two stores stand
 * for two processes of a fleet; every test uses keys of its own.
 */

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

const unique = () => randomUUID();

describe.skipIf(!redisAvailable).each(CLIENT_KINDS)('redisStore with %s', (kind) => {
  const processes = twoProcesses([kind, kind]);

  describe('keys', () => {
    it('hashes the key and wraps kind and hash in one hash tag', () => {
      const apiKey = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
      const name = processes.storeA.keyOf('rate', apiKey);
      expect(name).toMatch(/^tenacious:\{rate:[0-9a-f]{20}\}$/);
      expect(name).not.toContain(apiKey);
    });

    it('puts an expiry on every key it writes, and no raw key in any name', async () => {
      const apiKey = `secret-api-key-${unique()}`;
      const store = redisStore({
        client: processes.a.client,
        prefix: `ttl-${unique()}`,
        commandTimeoutMs: 2000,
      });
      const tracker = binanceWeightTracker({
        limit: 100,
        orderLimits: { '10s': 5 },
        store,
        key: apiKey,
      });
      await tracker.acquireOrder();
      tracker.update({ 'x-mbx-used-weight-1m': '7', 'x-mbx-order-count-1d': '3' });
      tracker.pause(5000);
      tracker.update({ 'retry-after': '5' }, 418);
      const budget = retryBudget({ store, key: apiKey });
      budget.recordAttempt();
      budget.tryRetry();
      await budget.sync();
      const breaker = circuitBreaker({ store, key: apiKey, failureThreshold: 1 });
      breaker.record(breaker.acquire(), 'retry');
      breaker.isolate();
      await breaker.sync();
      const rolling = circuitBreaker({ store, key: `${apiKey}-r`, failureRate: 0.5 });
      rolling.record(rolling.acquire(), 'retry');
      await rolling.sync();
      await vi.waitFor(async () => {
        const keys = (await processes.a.command([
          'KEYS',
          `${store.keyOf('x', 'y').split(':')[0]}:*`,
        ])) as string[];
        expect(keys.length).toBeGreaterThanOrEqual(8);
      });
      const prefix = store.keyOf('x', 'y').split(':')[0]!;
      const keys = (await processes.a.command(['KEYS', `${prefix}:*`])) as string[];
      for (const key of keys) {
        expect(key).not.toContain(apiKey);
        expect(Number(await processes.a.command(['PTTL', key]))).toBeGreaterThan(0);
      }
      breaker.release();
      await breaker.sync();
      await store.close();
    });
  });

  describe('binanceWeightTracker with a store', () => {
    it('reserves weight atomically across processes: never more than pauseAt × limit in a window', async () => {
      const key = unique();
      const one = binanceWeightTracker({
        limit: 10,
        pauseAt: 1,
        warnAt: 1,
        interval: '1h',
        store: processes.storeA,
        key,
      });
      const two = binanceWeightTracker({
        limit: 10,
        pauseAt: 1,
        warnAt: 1,
        interval: '1h',
        store: processes.storeB,
        key,
      });
      const controller = new AbortController();
      const calls = Array.from({ length: 14 }, (_, i) =>
        (i % 2 === 0 ? one : two).acquire(1, { signal: controller.signal }),
      );
      let granted = 0;
      for (const call of calls)
        call.then(
          () => granted++,
          () => {},
        );
      await vi.waitFor(() => expect(granted).toBe(10), { timeout: 10_000 });
      // The other four wait for the next hour's window: stop them.
      controller.abort(new Error('enough'));
      const results = await Promise.allSettled(calls);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
      expect(results.filter((r) => r.status === 'rejected')).toHaveLength(4);
    });

    it('holds every process after a 429 one of them saw, for as long as Redis says', async () => {
      const key = unique();
      const seen = binanceWeightTracker({ limit: 6000, store: processes.storeA, key });
      const clock = refusingClock();
      const other = binanceWeightTracker({ limit: 6000, store: processes.storeB, key, clock });
      await processes.storeB.ready();
      seen.update({ 'retry-after': '30' }, 429);
      // The other process hears of it by pub/sub (no request of its own needed)...
      await vi.waitFor(() => expect(other.snapshot().pausedUntil).toBeDefined());
      // ...and when it asks Redis anyway, Redis answers with the rest of the 30 s.
      const fresh = binanceWeightTracker({
        limit: 6000,
        store: processes.storeB,
        key,
        clock: refusingClock(),
      });
      await expect(fresh.acquire()).rejects.toThrow('would wait');
      await expect(other.acquire()).rejects.toThrow('would wait');
      expect(clock.sleeps[0]).toBeGreaterThan(25_000);
      expect(clock.sleeps[0]).toBeLessThanOrEqual(30_000);
    });

    it('holds until the next minute window after a 429 without Retry-After', async () => {
      const key = unique();
      const seen = binanceWeightTracker({ limit: 6000, store: processes.storeA, key });
      seen.update({}, 429);
      const clock = refusingClock();
      const other = binanceWeightTracker({ limit: 6000, store: processes.storeB, key, clock });
      await vi.waitFor(async () => {
        await expect(other.acquire()).rejects.toThrow('would wait');
        expect(clock.sleeps.at(-1)).toBeGreaterThan(0);
      });
      const redisNow = Number(((await processes.a.command(['TIME'])) as string[])[0]) * 1000;
      expect(clock.sleeps.at(-1)).toBeLessThanOrEqual(60_000 - (redisNow % 60_000) + 1000);
    });

    it('hears a cooldown that began before its subscription was active', async () => {
      const key = unique();
      const seen = binanceWeightTracker({ limit: 6000, store: processes.storeA, key });
      seen.update({ 'retry-after': '30' }, 429);
      await vi.waitFor(async () => {
        const ttl = Number(
          await processes.a.command(['PTTL', `${processes.storeA.keyOf('rate', key)}:cooldown`]),
        );
        expect(ttl).toBeGreaterThan(0);
      });
      const store = redisStore({ client: processes.b.client, commandTimeoutMs: 2000 });
      const late = binanceWeightTracker({ limit: 6000, store, key });
      await store.ready();
      expect(late.snapshot().pausedUntil).toBeGreaterThan(Date.now() + 25_000);
      await store.close();
    });

    it('wakes waiters when the cooldown ends', async () => {
      const key = unique();
      const seen = binanceWeightTracker({ limit: 6000, store: processes.storeA, key });
      const other = binanceWeightTracker({ limit: 6000, store: processes.storeB, key });
      await processes.storeB.ready();
      seen.pause(300);
      await vi.waitFor(() => expect(other.snapshot().pausedUntil).toBeDefined());
      await other.acquire();
      const time = (await processes.a.command([
        'PTTL',
        `${processes.storeA.keyOf('rate', key)}:cooldown`,
      ])) as number;
      // The cooldown key is gone (-2), or expiring within the current millisecond (0, Redis's
      // resolution): the waiter woke when the cooldown ended, not before.
      expect(time).toBeLessThanOrEqual(0);
      expect(time).not.toBe(-1);
    });

    it('ends pending holds when the store is closed, with a StoreClosedError naming the store', async () => {
      const prefix = `close-${unique()}`;
      const store = redisStore({ client: processes.a.client, prefix, commandTimeoutMs: 2000 });
      const tracker = binanceWeightTracker({ limit: 6000, store, key: unique() });
      tracker.update({ 'retry-after': '60' }, 429);
      const held = new Promise<void>((resolve) => {
        const stop = onHold(() => {
          stop();
          resolve();
        });
      });
      const pending = tracker.acquire().catch((err: unknown) => err);
      await held;
      await store.close();
      const error = await pending;
      expect(error).toBeInstanceOf(StoreClosedError);
      expect(error).toMatchObject({
        store: prefix,
        message: `redis store "${prefix}" was closed; pending holds ended`,
      });
    });

    it("reports the hold another process's 429 causes as a cooldown", async () => {
      const key = unique();
      const seen = binanceWeightTracker({ limit: 6000, store: processes.storeA, key });
      const other = binanceWeightTracker({
        limit: 6000,
        store: processes.storeB,
        key,
        clock: refusingClock(),
      });
      seen.update({ 'retry-after': '30' }, 429);
      await vi.waitFor(() => expect(other.snapshot().pausedUntil).toBeDefined());
      const events: unknown[] = [];
      const stop = onHold((event) => events.push(event));
      await expect(other.acquire()).rejects.toThrow('would wait');
      stop();
      expect(events).toEqual([
        {
          source: 'binance-weight',
          key: expect.stringMatching(/^[0-9a-f]{20}$/),
          reason: 'cooldown',
          waitMs: expect.any(Number),
        },
      ]);
    });

    /** The reasons of the holds `tracker.acquire()` reports (its clock refuses to wait). */
    async function holdReasons(tracker: ReturnType<typeof binanceWeightTracker>) {
      const events: HoldEvent[] = [];
      const stop = onHold((event) => events.push(event));
      try {
        await expect(tracker.acquire()).rejects.toThrow('would wait');
      } finally {
        stop();
      }
      return events.map((e) => e.reason);
    }

    /** A tracker of process B whose pub/sub never opens: it only learns what Redis answers. */
    function askingOnly(key: string) {
      const gated = gatedPubSub(processes.b.client);
      const store = redisStore({ client: gated.client, commandTimeoutMs: 2000 });
      const tracker = binanceWeightTracker({ limit: 6000, store, key, clock: refusingClock() });
      return { store, tracker };
    }

    it("reports the hold another process's 418 causes as a ban, heard by pub/sub", async () => {
      const key = unique();
      const seen = binanceWeightTracker({ limit: 6000, store: processes.storeA, key });
      const other = binanceWeightTracker({
        limit: 6000,
        store: processes.storeB,
        key,
        clock: refusingClock(),
      });
      await processes.storeB.ready();
      seen.update({ 'retry-after': '300' }, 418);
      await vi.waitFor(() => expect(other.snapshot().pausedUntil).toBeDefined());
      expect(await holdReasons(other)).toEqual(['ban']);
    });

    it("reports another process's 418 as a ban when it learns of it from Redis's answer", async () => {
      const key = unique();
      const seen = binanceWeightTracker({ limit: 6000, store: processes.storeA, key });
      seen.update({ 'retry-after': '300' }, 418);
      const { store, tracker } = askingOnly(key);
      await vi.waitFor(async () => expect(await holdReasons(tracker)).toEqual(['ban']));
      await store.close();
    });

    it("rejects with a HoldTooLongError whose reason is ban for another process's 418", async () => {
      const key = unique();
      const seen = binanceWeightTracker({ limit: 6000, store: processes.storeA, key });
      seen.update({ 'retry-after': '300' }, 418);
      const { store, tracker } = askingOnly(key);
      await vi.waitFor(async () => {
        const error = await tracker.acquire(1, { maxWaitMs: 1000 }).catch((err: unknown) => err);
        expect(error).toBeInstanceOf(HoldTooLongError);
        expect(error).toMatchObject({ reason: 'ban', maxWaitMs: 1000 });
      });
      await store.close();
    });

    it('keeps reporting a ban while a shorter 429 follows it', async () => {
      const key = unique();
      const seen = binanceWeightTracker({ limit: 6000, store: processes.storeA, key });
      seen.update({ 'retry-after': '300' }, 418);
      seen.update({ 'retry-after': '10' }, 429);
      const { store, tracker } = askingOnly(key);
      await vi.waitFor(async () => expect(await holdReasons(tracker)).toEqual(['ban']));
      await store.close();
    });

    it('reads a cooldown written before kinds were kept (the bare end time) as a cooldown', async () => {
      const key = unique();
      const redisNow = Number(((await processes.a.command(['TIME'])) as string[])[0]) * 1000;
      await processes.a.command([
        'SET',
        `${processes.storeA.keyOf('rate', key)}:cooldown`,
        String(redisNow + 30_000),
        'PX',
        '30000',
      ]);
      const { store, tracker } = askingOnly(key);
      expect(await holdReasons(tracker)).toEqual(['cooldown']);
      await store.close();
    });

    it('reads a cooldown message published before kinds were kept (a bare number)', async () => {
      const key = unique();
      const other = binanceWeightTracker({
        limit: 6000,
        store: processes.storeB,
        key,
        clock: refusingClock(),
      });
      await processes.storeB.ready();
      await processes.a.command([
        'PUBLISH',
        `${processes.storeA.keyOf('rate', key)}:events`,
        '30000',
      ]);
      await vi.waitFor(() =>
        expect(other.snapshot().pausedUntil).toBeGreaterThan(Date.now() + 25_000),
      );
      expect(await holdReasons(other)).toEqual(['cooldown']);
    });

    it('merges usage headers from any process', async () => {
      const key = unique();
      const one = binanceWeightTracker({ limit: 6000, store: processes.storeA, key });
      const two = binanceWeightTracker({ limit: 6000, store: processes.storeB, key });
      one.update({ 'x-mbx-used-weight-1m': '5000' });
      await vi.waitFor(async () => {
        await two.acquire(1);
        expect(two.snapshot().usedWeight['1m']).toBeGreaterThanOrEqual(5001);
      });
    });

    it('enforces order-count limits across processes with acquireOrder()', async () => {
      const key = unique();
      const options = { limit: 6000, orderLimits: { '1h': 3 }, key };
      const one = binanceWeightTracker({ ...options, store: processes.storeA });
      const clock = refusingClock();
      const two = binanceWeightTracker({ ...options, store: processes.storeB, clock });
      await one.acquireOrder();
      await two.acquireOrder();
      await one.acquireOrder();
      await expect(two.acquireOrder()).rejects.toThrow('would wait');
      // Plain requests are not orders: they still go.
      await two.acquire();
      expect(clock.sleeps).toHaveLength(1);
    });
  });

  describe('retryBudget with a store', () => {
    it('counts first attempts and retries of every process in one budget', async () => {
      const key = unique();
      const one = retryBudget({ ratio: 0.5, minRetriesPerSecond: 0, store: processes.storeA, key });
      const two = retryBudget({ ratio: 0.5, minRetriesPerSecond: 0, store: processes.storeB, key });
      for (let i = 0; i < 4; i++) one.recordAttempt();
      await one.sync();
      await two.sync();
      // Two can retry on one's traffic: 0.5 × 4 = 2 retries for the fleet.
      expect(two.tryRetry()).toBe(true);
      expect(two.tryRetry()).toBe(true);
      expect(two.tryRetry()).toBe(false);
      await two.sync();
      await one.sync();
      expect(one.snapshot()).toMatchObject({ attempts: 4, retries: 2, denied: 1 });
      expect(one.tryRetry()).toBe(false);
    });
  });

  describe('circuitBreaker with a store', () => {
    it('opens every process when one opens it', async () => {
      const key = unique();
      const one = circuitBreaker({ failureThreshold: 2, store: processes.storeA, key });
      const two = circuitBreaker({ failureThreshold: 2, store: processes.storeB, key });
      await two.sync();
      const changes: string[] = [];
      two.onStateChange(({ from, to }) => changes.push(`${from}->${to}`));
      one.record(one.acquire(), 'retry');
      one.record(one.acquire(), 'retry');
      expect(one.state).toBe('open');
      await vi.waitFor(() => expect(two.state).toBe('open'));
      expect(changes).toEqual(['closed->open']);
      expect(() => two.acquire()).toThrow(/circuit open/);
    });

    it('counts consecutive failures across the fleet', async () => {
      const key = unique();
      const one = circuitBreaker({ failureThreshold: 3, store: processes.storeA, key });
      const two = circuitBreaker({ failureThreshold: 3, store: processes.storeB, key });
      one.record(one.acquire(), 'retry');
      two.record(two.acquire(), 'retry');
      await one.sync();
      await two.sync();
      one.record(one.acquire(), 'unknown');
      await vi.waitFor(() => expect(two.state).toBe('open'));
    });

    it('isolate() holds every process open until release()', async () => {
      const key = unique();
      const one = circuitBreaker({ store: processes.storeA, key, name: 'binance' });
      const two = circuitBreaker({ store: processes.storeB, key, name: 'binance' });
      await two.sync();
      one.isolate();
      await vi.waitFor(() => expect(two.isolated).toBe(true));
      expect(() => two.acquire()).toThrow('circuit "binance" isolated; no attempt until release()');
      // A process that starts during the isolation learns of it too.
      const late = circuitBreaker({ store: processes.storeB, key });
      await late.sync();
      expect(late.state).toBe('open');
      two.release();
      await vi.waitFor(() => expect(one.state).toBe('closed'));
      expect(one.isolated).toBe(false);
      expect(() => one.acquire()).not.toThrow();
    });

    it('hears isolate() from another store of the process, whatever other stores it holds', async () => {
      const key = unique();
      const options = { client: processes.a.client, commandTimeoutMs: 2000 };
      // Two tracker stores first, as in a service that creates its trackers before its breakers.
      const trackerStores = [redisStore(options), redisStore(options)];
      trackerStores.forEach((store, i) =>
        binanceWeightTracker({ limit: 6000, store, key: `${key}-${i}` }),
      );
      const first = redisStore(options);
      const second = redisStore(options);
      const one = circuitBreaker({ store: first, key });
      const two = circuitBreaker({ store: second, key });
      // Sent before the second store's pub/sub connection is up: its message cannot reach it.
      one.isolate();
      await one.sync();
      await second.ready();
      expect(two.isolated).toBe(true);
      one.release();
      await one.sync();
      for (const store of [...trackerStores, first, second]) await store.close();
    });

    it('hears an isolate() sent before its subscription was active', async () => {
      const key = unique();
      const slow = gatedPubSub(processes.b.client);
      const store = redisStore({ client: slow.client, commandTimeoutMs: 2000 });
      const one = circuitBreaker({ store: processes.storeA, key });
      const two = circuitBreaker({ store, key });
      await two.sync();
      one.isolate();
      await one.sync();
      slow.open();
      await store.ready();
      expect(two.isolated).toBe(true);
      one.release();
      await one.sync();
      await store.close();
    });

    it('isolate() and release() work without a store, in this process', () => {
      const breaker = circuitBreaker();
      breaker.isolate();
      expect(breaker.state).toBe('open');
      expect(() => breaker.acquire()).toThrow(expect.objectContaining({ retryAfterMs: Infinity }));
      breaker.release();
      expect(breaker.state).toBe('closed');
    });

    it('shares the rolling window across the fleet', async () => {
      const key = unique();
      const options = { failureRate: 0.5, minimumCalls: 4, key };
      const one = circuitBreaker({ ...options, store: processes.storeA });
      const two = circuitBreaker({ ...options, store: processes.storeB });
      one.record(one.acquire(), 'retry');
      one.record(one.acquire(), 'success');
      two.record(two.acquire(), 'success');
      await one.sync();
      await two.sync();
      two.record(two.acquire(), 'retry'); // 2 of 4 in the fleet's window
      await vi.waitFor(() => expect(one.state).toBe('open'));
    });
  });

  describe('scripts', () => {
    it('loads its scripts again after SCRIPT FLUSH (NOSCRIPT)', async () => {
      const key = unique();
      const tracker = binanceWeightTracker({ limit: 6000, store: processes.storeA, key });
      await tracker.acquire();
      // The subscription's first read loads a script of its own.
      await processes.storeA.ready();
      const before = processes.storeA.stats().scriptReloads;
      await processes.a.command(['SCRIPT', 'FLUSH']);
      await tracker.acquire();
      await tracker.acquire();
      expect(processes.storeA.stats().scriptReloads).toBe(before + 1);
      expect(processes.storeA.stats().available).toBe(true);
    });
  });

  describe('options', () => {
    it.each([
      [
        {},
        TypeError,
        'redisStore: client: expected a connected node-redis or ioredis client, got undefined',
      ],
      [
        { client: {} },
        TypeError,
        'redisStore: client: expected a connected node-redis or ioredis client, got {}',
      ],
      [
        { client: 'redis://localhost' },
        TypeError,
        'redisStore: client: expected a connected node-redis or ioredis client, got "redis://localhost"',
      ],
      [
        { commandTimeoutMs: 0 },
        RangeError,
        'redisStore: commandTimeoutMs: expected a number > 0, got 0',
      ],
      [{ prefix: '' }, RangeError, 'redisStore: prefix: expected a non-empty string, got ""'],
      [{ timeout: 5 }, TypeError, /^redisStore: unknown option "timeout"/],
    ])('rejects %o', (options, ErrorClass, message) => {
      const o = { client: 'client' in options ? options.client : processes.a.client, ...options };
      if (!('client' in options) && Object.keys(options).length === 0)
        delete (o as { client?: unknown }).client;
      expect(() => redisStore(o as never)).toThrow(ErrorClass);
      expect(() => redisStore(o as never)).toThrow(message);
    });
  });

  it('logs nothing while Redis answers', async () => {
    const log = captureLogger();
    const store = redisStore({
      client: processes.a.client,
      logger: log.logger,
      commandTimeoutMs: 2000,
    });
    await binanceWeightTracker({ limit: 10, store, key: unique() }).acquire();
    expect(log.lines).toEqual([]);
    expect(store.stats()).toMatchObject({ errors: 0, outages: 0, available: true });
  });
});
