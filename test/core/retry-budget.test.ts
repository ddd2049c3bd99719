import { fc, test } from '../helpers/property.js';
import { describe, expect, it } from 'vitest';
import { circuitBreaker } from '../../src/core/breaker/index.js';
import { none, retry, RetryExhaustedError, retryOn } from '../../src/index.js';
import { retryBudget, type RetryBudget } from '../../src/core/retry-budget.js';
import { BucketedWindow } from '../../src/core/window.js';
import { instantClock, useInstantRetries } from '../../src/testing/index.js';

class Outage extends Error {}

/** Calls `tryRetry()` `n` times and returns how many were admitted. */
function admitted(budget: RetryBudget, n: number): number {
  let count = 0;
  for (let i = 0; i < n; i++) if (budget.tryRetry()) count++;
  return count;
}

function firstAttempts(budget: RetryBudget, n: number): void {
  for (let i = 0; i < n; i++) budget.recordAttempt();
}

describe('retryBudget', () => {
  it('allows minRetriesPerSecond × window seconds retries with no traffic (100 by default)', () => {
    const budget = retryBudget({ clock: instantClock(0) });
    expect(admitted(budget, 150)).toBe(100);
  });

  it('refuses the retry after the floor is used up', () => {
    const budget = retryBudget({
      minRetriesPerSecond: 1,
      windowMs: 10_000,
      clock: instantClock(0),
    });
    expect(admitted(budget, 10)).toBe(10);
    expect(budget.tryRetry()).toBe(false);
  });

  it('allows ratio × first attempts on top of the floor', () => {
    const budget = retryBudget({ ratio: 0.1, minRetriesPerSecond: 0, clock: instantClock(0) });
    firstAttempts(budget, 100);
    expect(admitted(budget, 20)).toBe(10);
  });

  it('rounds a fractional allowance down (15 attempts at 0.1 allow 1 retry)', () => {
    const budget = retryBudget({ ratio: 0.1, minRetriesPerSecond: 0, clock: instantClock(0) });
    firstAttempts(budget, 15);
    expect(admitted(budget, 5)).toBe(1);
  });

  it('allows no retry at all with ratio 0 and minRetriesPerSecond 0', () => {
    const budget = retryBudget({ ratio: 0, minRetriesPerSecond: 0, clock: instantClock(0) });
    firstAttempts(budget, 1000);
    expect(budget.tryRetry()).toBe(false);
  });

  it('reports attempts, retries, denials and the allowance in snapshot()', () => {
    const budget = retryBudget({
      ratio: 0.5,
      minRetriesPerSecond: 1,
      windowMs: 2000,
      clock: instantClock(0),
    });
    firstAttempts(budget, 4);
    admitted(budget, 6);
    expect(budget.snapshot()).toEqual({
      attempts: 4,
      retries: 4,
      denied: 2,
      allowed: 4,
      remaining: 0,
      windowMs: 2000,
    });
  });

  it('frees retries once they leave the window', () => {
    const clock = instantClock(0);
    const budget = retryBudget({ minRetriesPerSecond: 1, windowMs: 10_000, clock });
    admitted(budget, 10);
    clock.advance(10_000);
    expect(admitted(budget, 20)).toBe(10);
  });

  it('still counts retries 9 tenths of the window later (buckets of windowMs / 10)', () => {
    const clock = instantClock(0);
    const budget = retryBudget({ minRetriesPerSecond: 1, windowMs: 10_000, clock });
    admitted(budget, 10);
    clock.advance(9_999);
    expect(budget.tryRetry()).toBe(false);
  });

  it('forgets first attempts that left the window', () => {
    const clock = instantClock(0);
    const budget = retryBudget({ ratio: 0.1, minRetriesPerSecond: 0, windowMs: 1000, clock });
    firstAttempts(budget, 100);
    clock.advance(1000);
    expect(budget.snapshot().attempts).toBe(0);
    expect(budget.tryRetry()).toBe(false);
  });

  it('slides bucket by bucket', () => {
    const clock = instantClock(0);
    const budget = retryBudget({ windowMs: 1000, clock });
    firstAttempts(budget, 1); // bucket [0, 100)
    clock.advance(500);
    firstAttempts(budget, 2); // bucket [500, 600)
    clock.advance(500);
    expect(budget.snapshot().attempts).toBe(2);
    clock.advance(500);
    expect(budget.snapshot().attempts).toBe(0);
  });

  it('is shared by every holder (one budget per dependency)', () => {
    const budget = retryBudget({
      minRetriesPerSecond: 0.5,
      windowMs: 10_000,
      clock: instantClock(0),
    });
    const callerA = budget;
    const callerB = budget;
    expect(admitted(callerA, 3)).toBe(3);
    expect(admitted(callerB, 3)).toBe(2);
  });

  it('forgets everything on reset()', () => {
    const budget = retryBudget({ minRetriesPerSecond: 1, windowMs: 1000, clock: instantClock(0) });
    firstAttempts(budget, 5);
    admitted(budget, 5);
    budget.reset();
    expect(budget.snapshot()).toEqual({
      attempts: 0,
      retries: 0,
      denied: 0,
      allowed: 1,
      remaining: 1,
      windowMs: 1000,
    });
  });

  it('reads the useInstantRetries clock at call time when given no clock', () => {
    const restore = useInstantRetries(instantClock(0));
    try {
      const budget = retryBudget({ minRetriesPerSecond: 1, windowMs: 1000 });
      admitted(budget, 1);
      (restore.clock as ReturnType<typeof instantClock>).advance(1000);
      expect(budget.tryRetry()).toBe(true);
    } finally {
      restore();
    }
  });

  it.each([
    [{ ratio: -0.1 }, RangeError, 'retryBudget: ratio: expected a number >= 0, got -0.1'],
    [{ ratio: Infinity }, RangeError, 'retryBudget: ratio: expected a number >= 0, got Infinity'],
    [{ ratio: '0.1' }, TypeError, 'retryBudget: ratio: expected a number >= 0, got "0.1"'],
    [
      { minRetriesPerSecond: -1 },
      RangeError,
      'retryBudget: minRetriesPerSecond: expected a number >= 0, got -1',
    ],
    [{ windowMs: 0 }, RangeError, 'retryBudget: windowMs: expected a number > 0, got 0'],
    [
      { clock: {} },
      TypeError,
      'retryBudget: clock: expected an object with a now() method, got {}',
    ],
    [
      { store: {} },
      TypeError,
      'retryBudget: store: expected a fleet store such as redisStore(), got {}',
    ],
    [{ name: 3 }, TypeError, 'retryBudget: name: expected a non-empty string, got 3'],
    [
      { minRetries: 3 },
      TypeError,
      'retryBudget: unknown option "minRetries"; expected one of ratio, minRetriesPerSecond, windowMs, clock, store, key, name',
    ],
  ])('rejects %o', (options, ErrorClass, message) => {
    expect(() => retryBudget(options as never)).toThrow(new ErrorClass(message));
  });

  it('rejects options that are not an object', () => {
    expect(() => retryBudget(null as never)).toThrow(
      new TypeError('retryBudget: options: expected an object, got null'),
    );
  });
});

describe('retryBudget with retry', () => {
  const failing = () => {
    throw new Outage('down');
  };

  it('counts one first attempt per run and one retry per retry', async () => {
    const clock = instantClock(0);
    const budget = retryBudget({ clock });
    await retry(failing, {
      budget,
      clock,
      backoff: none,
      maxAttempts: 4,
      classify: retryOn(Outage),
    }).catch(() => {});
    expect(budget.snapshot()).toMatchObject({ attempts: 1, retries: 3, denied: 0 });
  });

  it('ends the run with RetryExhaustedError, reason budget, when a retry is refused', async () => {
    const clock = instantClock(0);
    const budget = retryBudget({ ratio: 0, minRetriesPerSecond: 0.1, windowMs: 10_000, clock });
    const err = await retry(failing, {
      budget,
      clock,
      backoff: none,
      maxAttempts: 4,
      classify: retryOn(Outage),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryExhaustedError);
    expect((err as RetryExhaustedError).reason).toBe('budget');
    expect((err as RetryExhaustedError).attempts).toBe(2);
    expect((err as RetryExhaustedError).cause).toBeInstanceOf(Outage);
  });

  // Known core issue: run() in src/core/retry.ts calls budget.recordAttempt() before
  // breaker.acquire(), so a run refused by an open breaker still earns the budget `ratio`
  // retries. Remove `.fails` once the breaker is asked first.
  it('does not count a run refused by an open breaker as a first attempt', async () => {
    const clock = instantClock(0);
    const budget = retryBudget({ clock });
    const breaker = circuitBreaker({ failureThreshold: 1, clock });
    breaker.record(breaker.acquire(), 'retry');
    await retry(() => 'ok', { budget, breaker, clock }).catch(() => {});
    expect(budget.snapshot().attempts).toBe(0);
  });

  it('does not touch the budget on a first-attempt success beyond counting it', async () => {
    const clock = instantClock(0);
    const budget = retryBudget({ clock });
    await retry(() => 'ok', { budget, clock });
    expect(budget.snapshot()).toMatchObject({ attempts: 1, retries: 0, denied: 0 });
  });
});

describe('window arithmetic (properties)', () => {
  const op = fc.record({
    advanceMs: fc.nat({ max: 30_000 }),
    field: fc.nat({ max: 2 }),
    delta: fc.integer({ min: 1, max: 5 }),
  });

  test.prop({
    windowMs: fc.integer({ min: 1, max: 20_000 }),
    buckets: fc.integer({ min: 1, max: 12 }),
    start: fc.integer({ min: -1e9, max: 1e12 }),
    ops: fc.array(op, { maxLength: 80 }),
  })(
    'totals equal the events of the last `buckets` buckets',
    ({ windowMs, buckets, start, ops }) => {
      const window = new BucketedWindow(3, windowMs, buckets);
      const bucketMs = windowMs / buckets;
      const events: { epoch: number; field: number; delta: number }[] = [];
      let now = start;
      for (const { advanceMs, field, delta } of ops) {
        now += advanceMs;
        window.add(now, field, delta);
        events.push({ epoch: Math.floor(now / bucketMs), field, delta });
        const current = Math.floor(now / bucketMs);
        for (let f = 0; f < 3; f++) {
          const expected = events
            .filter((e) => e.field === f && e.epoch > current - buckets)
            .reduce((sum, e) => sum + e.delta, 0);
          expect(window.total(now, f)).toBe(expected);
        }
      }
    },
  );

  test.prop({
    windowMs: fc.integer({ min: 1, max: 20_000 }),
    buckets: fc.integer({ min: 1, max: 12 }),
    times: fc.array(fc.tuple(fc.integer({ min: -50_000, max: 50_000 }), fc.nat({ max: 2 })), {
      maxLength: 80,
    }),
  })(
    'counts never go negative nor above what was added, whatever the clock does',
    ({ windowMs, buckets, times }) => {
      const window = new BucketedWindow(3, windowMs, buckets);
      const added = [0, 0, 0];
      for (const [now, field] of times) {
        window.add(now, field);
        added[field]!++;
        for (let f = 0; f < 3; f++) {
          const total = window.total(now, f);
          expect(total).toBeGreaterThanOrEqual(0);
          expect(total).toBeLessThanOrEqual(added[f]!);
        }
      }
    },
  );

  test.prop({
    ratio: fc.double({ min: 0, max: 2, noNaN: true }),
    minRetriesPerSecond: fc.double({ min: 0, max: 50, noNaN: true }),
    windowMs: fc.integer({ min: 1, max: 60_000 }),
    attempts: fc.nat({ max: 500 }),
    tries: fc.nat({ max: 500 }),
  })(
    'admits exactly floor(ratio × attempts + minRetriesPerSecond × windowMs / 1000) retries',
    (p) => {
      const { ratio, minRetriesPerSecond, windowMs } = p;
      const budget = retryBudget({ ratio, minRetriesPerSecond, windowMs, clock: instantClock(0) });
      firstAttempts(budget, p.attempts);
      const allowed = p.ratio * p.attempts + (p.minRetriesPerSecond * p.windowMs) / 1000;
      const count = admitted(budget, p.tries);
      expect(count).toBe(Math.min(p.tries, Math.floor(allowed)));
      expect(budget.snapshot()).toEqual({
        attempts: p.attempts,
        retries: count,
        denied: p.tries - count,
        allowed,
        remaining: Math.max(0, Math.floor(allowed - count)),
        windowMs: p.windowMs,
      });
    },
  );

  test.prop({
    steps: fc.array(
      fc.oneof(
        fc.record({ kind: fc.constant('attempt' as const) }),
        fc.record({ kind: fc.constant('retry' as const) }),
        fc.record({ kind: fc.constant('advance' as const), ms: fc.nat({ max: 3000 }) }),
      ),
      { maxLength: 200 },
    ),
  })('never lets the retries in the window exceed the allowance', ({ steps }) => {
    const clock = instantClock(0);
    const budget = retryBudget({ ratio: 0.2, minRetriesPerSecond: 0.5, windowMs: 4000, clock });
    for (const step of steps) {
      if (step.kind === 'attempt') budget.recordAttempt();
      else if (step.kind === 'advance') clock.advance(step.ms);
      else {
        const before = budget.snapshot();
        const ok = budget.tryRetry();
        const after = budget.snapshot();
        expect(ok).toBe(before.retries + 1 <= before.allowed);
        expect(after.retries).toBeLessThanOrEqual(after.allowed);
      }
    }
  });
});
