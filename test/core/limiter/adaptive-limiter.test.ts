import { describe, expect, it } from 'vitest';
import { cubicRate } from '../../../src/core/limiter/cubic.js';
import { adaptiveLimiter } from '../../../src/index.js';
import { instantClock } from '../../../src/testing/index.js';

const THROTTLE = { action: 'retry', reason: 'http:429' } as const;
/** A whole second, so that the half-second buckets of the measured rate fall on round times. */
const T0 = 1_000_000;

/** 100 successes 10 ms apart: 1 s at 100 requests/s, measured rate 0.8 × 100 + 0.2 × 80 = 96. */
function sendAt100PerSecond(
  limiter: ReturnType<typeof adaptiveLimiter>,
  clock: ReturnType<typeof instantClock>,
  ms = 1000,
): void {
  for (let i = 0; i < ms / 10; i++) {
    clock.advance(10);
    limiter.record(undefined);
  }
}

describe('adaptiveLimiter', () => {
  it('hands out every token at once until the first throttle', async () => {
    const clock = instantClock(T0);
    const limiter = adaptiveLimiter({ clock });
    for (let i = 0; i < 100; i++) {
      await limiter.acquire();
      limiter.record(undefined);
    }
    expect(clock.sleeps).toEqual([]);
  });

  it('cuts the rate to beta times the measured rate on a throttle', () => {
    const clock = instantClock(T0);
    const limiter = adaptiveLimiter({ clock });
    sendAt100PerSecond(limiter, clock);
    clock.advance(10);
    limiter.record(THROTTLE);
    expect(limiter.snapshot()).toEqual({
      enabled: true,
      rate: 0.7 * 96,
      measuredRate: 96,
      lastMaxRate: 96,
    });
  });

  it('grows back along the cubic curve while the load holds', () => {
    const clock = instantClock(T0);
    const limiter = adaptiveLimiter({ clock });
    sendAt100PerSecond(limiter, clock);
    clock.advance(10);
    limiter.record(THROTTLE);
    const rates: number[] = [];
    for (let s = 1; s <= 6; s++) {
      sendAt100PerSecond(limiter, clock);
      rates.push(limiter.snapshot().rate);
    }
    const expected = [1, 2, 3, 4, 5, 6].map((s) => cubicRate(s, 96, 0.7, 0.4));
    rates.forEach((rate, i) => expect(rate).toBeCloseTo(expected[i]!, 9));
  });

  it('caps the rate at twice the measured rate', () => {
    const clock = instantClock(T0);
    const limiter = adaptiveLimiter({ clock });
    sendAt100PerSecond(limiter, clock);
    clock.advance(10);
    limiter.record(THROTTLE);
    // One response 20 s later: the curve is far above, the measured rate fell to 0.8 × 2/19 + 0.2 × 96.
    clock.advance(19_000);
    limiter.record(undefined);
    expect(limiter.snapshot().rate).toBeCloseTo(2 * (0.8 * (2 / 19) + 0.2 * 96), 9);
  });

  it('paces at minRate after a throttle before any rate was measured', async () => {
    const clock = instantClock(T0);
    const limiter = adaptiveLimiter({ clock });
    limiter.record(THROTTLE);
    await limiter.acquire();
    await limiter.acquire();
    expect(clock.sleeps).toEqual([2000, 2000]);
  });

  it('honours a minRate of its own', async () => {
    const clock = instantClock(T0);
    const limiter = adaptiveLimiter({ clock, minRate: 4 });
    limiter.record(THROTTLE);
    await limiter.acquire();
    expect(clock.sleeps).toEqual([250]);
  });

  it('rejects with the reason of an aborted signal and takes no token', async () => {
    const clock = instantClock(T0);
    const limiter = adaptiveLimiter({ clock });
    limiter.record(THROTTLE);
    const reason = new Error('shutting down');
    await expect(limiter.acquire(AbortSignal.abort(reason))).rejects.toBe(reason);
    await limiter.acquire();
    expect(clock.sleeps).toEqual([2000]);
  });

  it('takes no token when the signal aborts during the wait', async () => {
    // Time stands still and a sleep ends only by its signal: the second wait shows the token count.
    const sleeps: number[] = [];
    const limiter = adaptiveLimiter({
      clock: {
        now: () => T0,
        sleep: (ms, signal) => {
          sleeps.push(ms);
          return new Promise((_resolve, reject) =>
            signal?.addEventListener('abort', () => reject(signal.reason)),
          );
        },
      },
    });
    limiter.record(THROTTLE);
    const first = new AbortController();
    const waiting = limiter.acquire(first.signal);
    const reason = new Error('gone');
    first.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    const second = new AbortController();
    const next = limiter.acquire(second.signal);
    second.abort(reason);
    await expect(next).rejects.toBe(reason);
    expect(sleeps).toEqual([2000, 2000]);
  });

  it('does not count a 503 as a throttle', () => {
    const clock = instantClock(T0);
    const limiter = adaptiveLimiter({ clock });
    limiter.record({ action: 'retry', reason: 'http:503' });
    expect(limiter.snapshot().enabled).toBe(false);
  });

  it('refuses a beta of 1', () => {
    expect(() => adaptiveLimiter({ beta: 1 })).toThrow(
      new RangeError('adaptiveLimiter: beta: expected a number > 0 and < 1, got 1'),
    );
  });

  it('refuses a minRate of 0', () => {
    expect(() => adaptiveLimiter({ minRate: 0 })).toThrow(
      new RangeError('adaptiveLimiter: minRate: expected a number > 0, got 0'),
    );
  });

  it('refuses a scale that is not a number', () => {
    expect(() => adaptiveLimiter({ scale: '0.4' as unknown as number })).toThrow(
      new TypeError('adaptiveLimiter: scale: expected a number > 0, got "0.4"'),
    );
  });

  it('refuses a store without a shared adaptive rate', () => {
    const store = { sharedWindow() {}, sharedBreaker() {}, sharedRateLimit() {} };
    expect(() => adaptiveLimiter({ store: store as never })).toThrow(RangeError);
  });
});
