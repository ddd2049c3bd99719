import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connectionLimiter, supervise, websocket } from '../../src/stream/index.js';
import { instantClock } from '../../src/testing/index.js';
import { captureLogger } from '../helpers/log-capture.js';
import { redisAvailable, redisServerControllable } from '../helpers/redis-server.js';
import { startStreamServer } from '../helpers/stream-server.js';
import { CLIENT_KINDS, twoProcesses } from '../redis/clients.js';

describe('connectionLimiter: the local window', () => {
  it('takes up to limit slots in a window', async () => {
    const limiter = connectionLimiter({ limit: 3, windowMs: 1000 });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await limiter.tryAcquire(5000 + i));
    expect(answers).toEqual([0, 0, 0, 997]);
  });

  it('frees a slot once the oldest attempt leaves the window', async () => {
    const limiter = connectionLimiter({ limit: 2, windowMs: 1000 });
    await limiter.tryAcquire(0);
    await limiter.tryAcquire(500);
    expect([await limiter.tryAcquire(999), await limiter.tryAcquire(1000)]).toEqual([1, 0]);
  });

  it('holds every supervisor given it: the attempts wait for the window', async () => {
    const server = await startStreamServer();
    const clock = instantClock(0);
    const limiter = connectionLimiter({ limit: 2, windowMs: 60_000 });
    const connectAt: number[] = [];
    const supervisors = [1, 2, 3].map(() =>
      supervise(
        ({ signal, alive }) => {
          connectAt.push(clock.now());
          return websocket(new WebSocket(server.url), { signal, alive });
        },
        { clock, limiter, stableAfterMs: Infinity, downAfterMs: Infinity },
      ),
    );
    await Promise.all(supervisors.map((s) => s.ready()));
    await Promise.all(supervisors.map((s) => s.stop()));
    await server.close();
    // Two take a slot at once; the third waits until the first slot leaves the window.
    expect({ waits: clock.sleeps, connects: connectAt.length }).toEqual({
      waits: [60_000],
      connects: 3,
    });
  });

  it.each([
    [
      { limit: 0, windowMs: 1 },
      'connectionLimiter: limit: expected an integer >= 1 and <= 1000000, got 0',
    ],
    [{ limit: 1, windowMs: 0 }, 'connectionLimiter: windowMs: expected a number > 0, got 0'],
    [{ limit: 1 }, 'connectionLimiter: windowMs: expected a number, got undefined'],
  ])('refuses %j', (options, message) => {
    expect(() => connectionLimiter(options as never)).toThrow(message);
  });
});

describe.skipIf(!redisAvailable).each(CLIENT_KINDS)(
  'connectionLimiter on redisStore with %s',
  (kind) => {
    const logs = captureLogger();
    const processes = twoProcesses([kind, kind], logs.logger);

    it('shares one window between two processes', async () => {
      const key = randomUUID();
      const one = connectionLimiter({ limit: 3, windowMs: 60_000, store: processes.storeA, key });
      const two = connectionLimiter({ limit: 3, windowMs: 60_000, store: processes.storeB, key });
      const answers = [
        await one.tryAcquire(),
        await two.tryAcquire(),
        await one.tryAcquire(),
        await two.tryAcquire(),
      ];
      expect(answers.slice(0, 3)).toEqual([0, 0, 0]);
      expect(answers[3]).toBeGreaterThan(59_000);
    });

    it('keeps no raw key in Redis key names', async () => {
      const key = `secret-${randomUUID()}`;
      await connectionLimiter({
        limit: 1,
        windowMs: 60_000,
        store: processes.storeA,
        key,
      }).tryAcquire();
      const keys = (await processes.a.command(['KEYS', '*connect*'])) as string[];
      expect(keys.some((k) => k.includes(key))).toBe(false);
    });

    it.skipIf(!redisServerControllable)(
      'falls back to the local window when Redis is down, and never throws',
      async () => {
        const key = randomUUID();
        const limiter = connectionLimiter({
          limit: 2,
          windowMs: 60_000,
          store: processes.storeA,
          key,
        });
        await processes.server!.stop();
        try {
          const answers = [
            await limiter.tryAcquire(0),
            await limiter.tryAcquire(1),
            await limiter.tryAcquire(2),
          ];
          expect(answers).toEqual([0, 0, 59_998]);
        } finally {
          await processes.server!.start();
        }
      },
    );
  },
);
