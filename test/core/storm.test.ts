import { describe, expect, it } from 'vitest';
import { circuitBreaker } from '../../src/core/breaker/index.js';
import { CircuitOpenError, none, retry, RetryExhaustedError, retryOn } from '../../src/index.js';
import type { RetryOptions } from '../../src/index.js';
import { retryBudget } from '../../src/core/retry-budget.js';
import { instantClock, type InstantClock } from '../../src/testing/index.js';

/**
 * A dependency in a full outage: every call fails with a retryable error. Each scenario sends
 * 1,000 calls with `maxAttempts: 4` and no backoff on the instant clock, so the whole storm
 * happens inside one budget window, and counts how many attempts reach the dependency.
 */

class Outage extends Error {}

const CALLS = 1000;

interface Storm {
  attempts: number;
  errors: unknown[];
}

async function storm(
  clock: InstantClock,
  options: Pick<RetryOptions<never>, 'budget' | 'breaker'>,
  arrival: 'concurrent' | 'sequential',
  calls = CALLS,
): Promise<Storm> {
  const result: Storm = { attempts: 0, errors: [] };
  // Fails after a tick, so that concurrent calls really overlap: all of them are in flight
  // before the first failure is reported.
  const fn = async (): Promise<never> => {
    result.attempts++;
    await Promise.resolve();
    throw new Outage('503 from upstream');
  };
  const run = () =>
    retry(fn, {
      ...options,
      clock,
      backoff: none,
      maxAttempts: 4,
      classify: retryOn(Outage),
    }).catch((err: unknown) => {
      result.errors.push(err);
    });
  if (arrival === 'concurrent') {
    await Promise.all(Array.from({ length: calls }, run));
  } else {
    for (let i = 0; i < calls; i++) await run();
  }
  return result;
}

const count = (errors: unknown[], type: abstract new (...args: never[]) => unknown) =>
  errors.filter((e) => e instanceof type).length;

describe('a 100 % failure storm of 1,000 calls with maxAttempts 4', () => {
  it('reaches the dependency 4 times per call with no protection', async () => {
    const { attempts } = await storm(instantClock(0), {}, 'concurrent');
    expect(attempts).toBe(4000);
  });

  it.each([
    { ratio: 0.1, minRetriesPerSecond: 10, windowMs: 10_000, arrival: 'concurrent' as const },
    { ratio: 0.1, minRetriesPerSecond: 10, windowMs: 10_000, arrival: 'sequential' as const },
    { ratio: 0.2, minRetriesPerSecond: 5, windowMs: 10_000, arrival: 'concurrent' as const },
    { ratio: 0, minRetriesPerSecond: 1, windowMs: 30_000, arrival: 'sequential' as const },
    { ratio: 0.5, minRetriesPerSecond: 0, windowMs: 10_000, arrival: 'concurrent' as const },
  ])(
    'stays within (1 + ratio) × calls + floor with a budget ($ratio, $minRetriesPerSecond/s, $arrival)',
    async ({ ratio, minRetriesPerSecond, windowMs, arrival }) => {
      const clock = instantClock(0);
      const budget = retryBudget({ ratio, minRetriesPerSecond, windowMs, clock });
      const { attempts, errors } = await storm(clock, { budget }, arrival);
      const floor = (minRetriesPerSecond * windowMs) / 1000;
      expect(attempts).toBeLessThanOrEqual((1 + ratio) * CALLS + floor);
      // The budget is used up, not left idle: every allowed retry happened.
      expect(attempts).toBe(CALLS + Math.floor(ratio * CALLS + floor));
      expect(count(errors, RetryExhaustedError)).toBe(CALLS);
    },
  );

  it('ends every run with reason budget when 1,000 first attempts fail together', async () => {
    const clock = instantClock(0);
    const budget = retryBudget({ clock });
    const { errors } = await storm(clock, { budget }, 'concurrent');
    const exhausted = errors as RetryExhaustedError[];
    expect(exhausted.every((e) => e.reason === 'budget')).toBe(true);
    // 200 retries allowed (0.1 × 1000 + 10/s × 10 s): the first 200 runs to ask get one each.
    expect(exhausted.filter((e) => e.attempts === 2)).toHaveLength(200);
    expect(exhausted.filter((e) => e.attempts === 1)).toHaveLength(800);
  });

  it('stops at failureThreshold attempts with a breaker when calls arrive one after another', async () => {
    const clock = instantClock(0);
    const breaker = circuitBreaker({ failureThreshold: 5, clock });
    const { attempts, errors } = await storm(clock, { breaker }, 'sequential');
    expect(attempts).toBe(5);
    expect(count(errors, CircuitOpenError)).toBe(999);
    expect(breaker.state).toBe('open');
  });

  it('lets no retry through a breaker once it opened while 1,000 first attempts were in flight', async () => {
    const clock = instantClock(0);
    const breaker = circuitBreaker({ failureThreshold: 5, clock });
    const { attempts, errors } = await storm(clock, { breaker }, 'concurrent');
    // With no backoff a retry starts as soon as its failure is recorded: the calls whose failures
    // came before the fifth (the threshold) retry once; after it, nothing reaches the dependency.
    expect(attempts).toBe(1000 + 4);
    expect(count(errors, CircuitOpenError)).toBe(1000);
  });

  it('sends nothing at all while the breaker is open', async () => {
    const clock = instantClock(0);
    const breaker = circuitBreaker({ failureThreshold: 5, resetAfterMs: 30_000, clock });
    await storm(clock, { breaker }, 'sequential');
    clock.advance(29_999);
    const { attempts, errors } = await storm(clock, { breaker }, 'concurrent');
    expect(attempts).toBe(0);
    expect(count(errors, CircuitOpenError)).toBe(1000);
  });

  it('lets exactly one probe through when 1,000 calls arrive after resetAfterMs', async () => {
    const clock = instantClock(0);
    const breaker = circuitBreaker({ failureThreshold: 5, resetAfterMs: 30_000, clock });
    await storm(clock, { breaker }, 'sequential');
    clock.advance(30_000);
    const { attempts } = await storm(clock, { breaker }, 'concurrent');
    expect(attempts).toBe(1);
    expect(breaker.state).toBe('open');
  });

  it('stays within the budget bound and stops once open with both', async () => {
    const clock = instantClock(0);
    const budget = retryBudget({ clock });
    const breaker = circuitBreaker({ failureThreshold: 5, clock });
    const first = await storm(clock, { budget, breaker }, 'sequential');
    expect(first.attempts).toBe(5);
    const second = await storm(clock, { budget, breaker }, 'concurrent');
    expect(second.attempts).toBe(0);
  });
});
