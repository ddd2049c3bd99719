import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { binanceWeightTracker } from '../../src/binance/index.js';
import { circuitBreaker, retry, retryBudget } from '../../src/index.js';
import { redisStore, type RedisStore } from '../../src/redis/index.js';
import { captureLogger } from '../helpers/log-capture.js';
import {
  redisAvailable,
  redisServerControllable,
  startRedisServer,
  type RedisServer,
} from '../helpers/redis-server.js';
import { CLIENT_KINDS, connect, type ClientKind, type TestClient } from './clients.js';

/**
 * The store's faults against a real redis-server that the test stops (SIGKILL, SIGTERM), freezes
 * (SIGSTOP: slower than commandTimeoutMs) and restarts (scripts gone) during a run. Every call
 * must still resolve, on local state; the store logs once per outage, counts its errors and
 * rejoins by itself.
 */

interface Fleet {
  store: RedisStore;
  log: ReturnType<typeof captureLogger>;
  tracker: ReturnType<typeof binanceWeightTracker>;
  breaker: ReturnType<typeof circuitBreaker>;
  budget: ReturnType<typeof retryBudget>;
}

function fleetOn(client: TestClient, key: string): Fleet {
  const log = captureLogger();
  // probeIntervalMs 0: every call during an outage is a probe, so the test sees the rejoin at once.
  const store = redisStore({
    client: client.client,
    commandTimeoutMs: 500,
    probeIntervalMs: 0,
    logger: log.logger,
  });
  return {
    store,
    log,
    tracker: binanceWeightTracker({ limit: 1_000_000, store, key }),
    breaker: circuitBreaker({ failureThreshold: 1000, store, key }),
    budget: retryBudget({ store, key }),
  };
}

/** One call as a service makes it: weight first, then a retried request under breaker and budget. */
async function call(fleet: Fleet, i: number): Promise<number> {
  await fleet.tracker.acquire(1);
  return retry(async () => i, { breaker: fleet.breaker, budget: fleet.budget, maxAttempts: 2 });
}

const warnings = (fleet: Fleet) => fleet.log.records().filter((r) => r.level === 40);

async function rejoined(fleet: Fleet): Promise<void> {
  await vi.waitFor(
    async () => {
      await fleet.tracker.acquire(1);
      expect(fleet.store.stats().available).toBe(true);
    },
    { timeout: 15_000, interval: 50 },
  );
}

describe.skipIf(!redisAvailable || !redisServerControllable).each(CLIENT_KINDS)(
  'redisStore faults with %s',
  (kind: ClientKind) => {
    let server: RedisServer;
    let client: TestClient;
    let other: TestClient;

    beforeAll(async () => {
      server = await startRedisServer();
      client = await connect(kind, server.url);
      other = await connect(kind, server.url);
    });

    afterAll(async () => {
      await client?.close();
      await other?.close();
      await server?.stop();
    });

    it.each(['SIGKILL', 'SIGTERM'] as const)(
      'keeps every call of a run going when the server is stopped (%s) and restarted in the middle',
      async (signal) => {
        const fleet = fleetOn(client, randomUUID());
        const results: number[] = [];
        for (let i = 0; i < 30; i++) {
          if (i === 10) await server.stop(signal);
          if (i === 20) await server.start();
          results.push(await call(fleet, i));
        }
        expect(results).toEqual(Array.from({ length: 30 }, (_, i) => i));
        await rejoined(fleet);
        const stats = fleet.store.stats();
        expect(stats.errors).toBeGreaterThanOrEqual(1);
        expect(stats.outages).toBe(1);
        // A restarted server has no scripts: they were loaded again.
        expect(stats.scriptReloads).toBeGreaterThanOrEqual(1);
        expect(warnings(fleet)).toHaveLength(1);
        expect(warnings(fleet)[0]).toMatchObject({
          msg: 'tenacious: redis store unreachable, falling back to local state',
        });
        await fleet.store.close();
      },
    );

    it('falls back when the server is slower than commandTimeoutMs, and rejoins', async () => {
      const fleet = fleetOn(client, randomUUID());
      await call(fleet, 0);
      process.kill(server.pid!, 'SIGSTOP');
      try {
        for (let i = 1; i <= 5; i++) expect(await call(fleet, i)).toBe(i);
        expect(fleet.store.stats()).toMatchObject({ available: false, outages: 1 });
        expect(fleet.store.stats().errors).toBeGreaterThanOrEqual(1);
      } finally {
        process.kill(server.pid!, 'SIGCONT');
      }
      await rejoined(fleet);
      expect(warnings(fleet)).toHaveLength(1);
      await fleet.store.close();
    });

    it('logs once per outage, and again for the next one', async () => {
      const fleet = fleetOn(client, randomUUID());
      for (let outage = 0; outage < 2; outage++) {
        await server.stop();
        for (let i = 0; i < 5; i++) await call(fleet, i);
        await server.start();
        await rejoined(fleet);
      }
      expect(fleet.store.stats().outages).toBe(2);
      expect(warnings(fleet)).toHaveLength(2);
      await fleet.store.close();
    });

    it('shares the kill switch again after a restart', async () => {
      const key = randomUUID();
      const one = fleetOn(client, key);
      const two = fleetOn(other, key);
      await server.stop();
      await server.start();
      await rejoined(one);
      await rejoined(two);
      one.breaker.isolate();
      await vi.waitFor(
        () => {
          // acquire() also refreshes the shared view when pub/sub has not told it yet.
          expect(() => two.breaker.acquire()).toThrow(/isolated/);
        },
        { timeout: 10_000, interval: 100 },
      );
      one.breaker.release();
      await one.store.close();
      await two.store.close();
    });

    it('tells the fleet of an isolate() made while Redis was down, once it is back', async () => {
      const key = randomUUID();
      const one = fleetOn(client, key);
      const two = fleetOn(other, key);
      await server.stop();
      // The store command fails; the caller is never told, and this process is isolated at once.
      expect(() => one.breaker.isolate()).not.toThrow();
      expect(() => one.breaker.acquire()).toThrow(/isolated/);
      await server.start();
      await vi.waitFor(() => expect(() => two.breaker.acquire()).toThrow(/isolated/), {
        timeout: 15_000,
        interval: 100,
      });
      expect(one.breaker.isolated).toBe(true);
      one.breaker.release();
      await one.store.close();
      await two.store.close();
    });

    it('never rejects a call because of the store: a tracker waits on its own window when Redis is gone', async () => {
      const fleet = fleetOn(client, randomUUID());
      await server.stop();
      try {
        // A day's window, so that the run cannot straddle a window boundary.
        const tracker = binanceWeightTracker({
          limit: 10,
          interval: '1d',
          store: fleet.store,
          key: randomUUID(),
        });
        for (let i = 0; i < 5; i++) await tracker.acquire();
        expect(tracker.snapshot().usedWeight['1d']).toBe(5);
        tracker.update({ 'retry-after': '1' }, 429);
        expect(tracker.snapshot().pausedUntil).toBeDefined();
      } finally {
        await server.start();
      }
      await fleet.store.close();
    });
  },
);
