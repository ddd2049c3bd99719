import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adaptiveLimiter, type Clock } from '../../src/index.js';
import { redisStore, type RedisStore } from '../../src/redis/index.js';
import { instantClock } from '../../src/testing/index.js';
import { captureLogger } from '../helpers/log-capture.js';
import {
  redisAvailable,
  redisServerControllable,
  startRedisServer,
  type RedisServer,
} from '../helpers/redis-server.js';
import { connect, twoProcesses, type TestClient } from './clients.js';

/**
 * adaptiveLimiter({ store }) against a real redis-server: two stores on two connections stand
 * for two processes sharing one rate. The waits come from Redis's clock; the instant clocks
 * only record them.
 */
const THROTTLE = { action: 'retry', reason: 'http:429' } as const;

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

describe.skipIf(!redisAvailable)('adaptiveLimiter with a redis store', () => {
  const processes = twoProcesses(['node-redis', 'ioredis']);

  it('paces a process after a throttle another process saw', async () => {
    const key = randomUUID();
    const first = adaptiveLimiter({ store: processes.storeA, key, clock: instantClock() });
    const clock = refusingClock();
    const second = adaptiveLimiter({ store: processes.storeB, key, clock });
    first.record(THROTTLE);
    await first.sync();
    const { enabled, rate } = first.snapshot().fleet!;
    await expect(second.acquire()).rejects.toThrow('would wait');
    // The fleet's bucket starts empty: one token takes 1/rate s, less the ms Redis's clock moved
    // between the two commands.
    expect(enabled).toBe(true);
    expect(clock.sleeps).toHaveLength(1);
    expect(clock.sleeps[0]).toBeLessThanOrEqual(Math.ceil(1000 / rate));
    expect(clock.sleeps[0]).toBeGreaterThan(1000 / rate - 100);
  });

  it('counts every process’s responses into the fleet’s measured rate', async () => {
    const key = randomUUID();
    const first = adaptiveLimiter({ store: processes.storeA, key, clock: instantClock() });
    const second = adaptiveLimiter({ store: processes.storeB, key, clock: instantClock() });
    for (let i = 0; i < 10; i++) {
      first.record(undefined);
      second.record(undefined);
      await Promise.all([first.sync(), second.sync()]);
    }
    const kept = (await processes.a.command([
      'HGET',
      `${processes.storeA.keyOf('adaptive', key)}:rate`,
      'rc',
    ])) as string;
    const fleet = first.snapshot().fleet!;
    // 20 responses, either still counted in the open half-second or already in the measured rate.
    expect(Number(kept) === 20 || fleet.measuredRate > 0).toBe(true);
  });

  it('hands out tokens at once while no process has been throttled', async () => {
    const clock = instantClock();
    const limiter = adaptiveLimiter({ store: processes.storeA, key: randomUUID(), clock });
    await limiter.acquire();
    await limiter.acquire();
    expect([clock.sleeps, limiter.snapshot().fleet?.enabled]).toEqual([[], false]);
  });

  it('keeps one shared key per limiter key, hashed', () => {
    expect(processes.storeA.keyOf('adaptive', 'okx-ip-1')).toMatch(
      /^tenacious:\{adaptive:[0-9a-f]{20}\}$/,
    );
  });
});

describe.skipIf(!redisServerControllable)('adaptiveLimiter when Redis is down', () => {
  let server: RedisServer;
  let client: TestClient;
  let store: RedisStore;

  beforeAll(async () => {
    server = await startRedisServer();
    client = await connect('node-redis', server.url);
    store = redisStore({
      client: client.client,
      commandTimeoutMs: 200,
      logger: captureLogger().logger,
    });
    await server.stop();
  });

  afterAll(async () => {
    await store?.close();
    await client?.close();
  });

  it('falls back to the local limiter without throwing', async () => {
    // A whole second: no half-second bucket closes, so the local rate is minRate (0.5/s).
    const clock = instantClock(1_000_000);
    const limiter = adaptiveLimiter({ store, key: randomUUID(), clock });
    await limiter.acquire();
    limiter.record(THROTTLE);
    await limiter.sync();
    await limiter.acquire();
    expect(clock.sleeps).toEqual([2000]);
  });
});
