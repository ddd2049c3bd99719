import { describe, expect, it } from 'vitest';
import {
  createRetry,
  retry,
  RetryExhaustedError,
  type Classifier,
  type RetryOptions,
} from '../../src/index.js';
import { instantClock } from '../../src/testing/index.js';

/** An attempt that always fails with a retryable error. */
const failing = () => Promise.reject(new Error('503'));
const retryable = () => ({ action: 'retry' as const, reason: 'http:503' });

/** The attempts a run of `failing` made before it gave up. */
async function attemptsUnder(options: RetryOptions): Promise<number> {
  const error = await retry(failing, options).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RetryExhaustedError);
  return (error as RetryExhaustedError).attempts;
}

describe("the caller's options object", () => {
  it('is not frozen by a call', async () => {
    const options = { maxAttempts: 2 };
    await retry(async () => 1, options);
    expect(Object.isFrozen(options)).toBe(false);
  });

  it('can be assigned to in strict code after a call (a config reload)', async () => {
    const config = { retry: { maxAttempts: 2 } };
    await retry(async () => 1, config.retry);
    config.retry.maxAttempts = 5;
    expect(config.retry.maxAttempts).toBe(5);
  });

  it('is left with exactly its own properties and values', async () => {
    const clock = instantClock();
    const options = { maxAttempts: 2, classify: [retryable], clock };
    const before = Object.getOwnPropertyDescriptors(options);
    await retry(failing, options).catch(() => undefined);
    expect(Object.getOwnPropertyDescriptors(options)).toEqual(before);
    expect(Object.isExtensible(options)).toBe(true);
  });

  it('honours a value edited between calls', async () => {
    const options = { maxAttempts: 2, classify: retryable, clock: instantClock() };
    expect(await attemptsUnder(options)).toBe(2);
    options.maxAttempts = 3;
    expect(await attemptsUnder(options)).toBe(3);
  });

  it('honours a field added between calls', async () => {
    const options: RetryOptions = { classify: retryable, clock: instantClock() };
    expect(await attemptsUnder(options)).toBe(4);
    options.maxAttempts = 1;
    expect(await attemptsUnder(options)).toBe(1);
  });

  it('honours a field deleted between calls', async () => {
    const options: RetryOptions = { maxAttempts: 2, classify: retryable, clock: instantClock() };
    expect(await attemptsUnder(options)).toBe(2);
    delete options.maxAttempts;
    expect(await attemptsUnder(options)).toBe(4);
  });

  it('honours a getter whose value changes between calls', async () => {
    let maxAttempts = 1;
    const options = {
      get maxAttempts() {
        return maxAttempts;
      },
      classify: retryable,
      clock: instantClock(),
    };
    expect(await attemptsUnder(options)).toBe(1);
    maxAttempts = 3;
    expect(await attemptsUnder(options)).toBe(3);
  });

  it('honours a classifier pushed onto its classify array between calls', async () => {
    const classify: Classifier[] = [];
    const options = { maxAttempts: 3, classify, clock: instantClock() };
    expect(await attemptsUnder(options)).toBe(3);
    classify.push(() => ({ action: 'fail', reason: 'http:400' }));
    let attempts = 0;
    const rejection = new Error('400');
    const error = await retry(() => {
      attempts++;
      return Promise.reject(rejection);
    }, options).catch((e: unknown) => e);
    expect({ error, attempts }).toEqual({ error: rejection, attempts: 1 });
  });

  it('works with an object the caller froze, and keeps it frozen', async () => {
    const options = Object.freeze({ maxAttempts: 2, classify: retryable, clock: instantClock() });
    expect(await attemptsUnder(options)).toBe(2);
    expect(await attemptsUnder(options)).toBe(2);
    expect(Object.isFrozen(options)).toBe(true);
  });

  it('rejects an edit that makes it invalid, naming the option and the value', async () => {
    const options = { maxAttempts: 2 };
    await retry(async () => 1, options);
    options.maxAttempts = -1;
    await expect(retry(async () => 1, options)).rejects.toThrow(
      new RangeError('maxAttempts: expected an integer >= 1 or Infinity, got -1'),
    );
  });

  it('rejects an unknown key added between calls, with a hint', async () => {
    const options: Record<string, unknown> = { maxAttempts: 2 };
    await retry(async () => 1, options);
    options.maxAttempt = 3;
    await expect(retry(async () => 1, options)).rejects.toThrow(
      new TypeError(
        'unknown option "maxAttempt" (did you mean "maxAttempts"?); expected one of operation, maxAttempts, backoff, classify, idempotent, reconcile, maxElapsedMs, attemptTimeoutMs, maxRetryAfterMs, signal, reraise, wrapFailures, logger, onRetry, onSuccess, onExhausted, onUnknownOutcome, breaker, budget, limiter, hedge, clock, random, unref',
      ),
    );
  });

  it('honours an edit of per-call options over createRetry defaults', async () => {
    const configured = createRetry({ classify: retryable, clock: instantClock() });
    const options = { maxAttempts: 2 };
    const attempts = async () =>
      ((await configured(failing, options).catch((e: unknown) => e)) as RetryExhaustedError)
        .attempts;
    expect(await attempts()).toBe(2);
    options.maxAttempts = 3;
    expect(await attempts()).toBe(3);
  });
});

describe('an options literal written in the call (a new object each time)', () => {
  it('runs with its own values when they differ from the last literal planned', async () => {
    const clock = instantClock();
    const counts: number[] = [];
    for (const maxAttempts of [2, 3, 2, 1]) {
      counts.push(await attemptsUnder({ maxAttempts, classify: retryable, clock }));
    }
    expect(counts).toEqual([2, 3, 2, 1]);
  });

  it('runs with its own values when more call sites take turns than plans are kept', async () => {
    const clock = instantClock();
    const sites = Array.from({ length: 12 }, (_, i) => i + 1);
    const counts: number[] = [];
    for (const maxAttempts of [...sites, ...sites]) {
      counts.push(await attemptsUnder({ maxAttempts, classify: retryable, clock }));
    }
    expect(counts).toEqual([...sites, ...sites]);
  });

  it('honours a classifier pushed onto the array it shares with the last literal', async () => {
    const classify: Classifier[] = [];
    const clock = instantClock();
    expect(await attemptsUnder({ maxAttempts: 3, classify, clock })).toBe(3);
    classify.push(() => ({ action: 'fail', reason: 'http:400' }));
    const rejection = new Error('400');
    const error = await retry(() => Promise.reject(rejection), {
      maxAttempts: 3,
      classify,
      clock,
    }).catch((e: unknown) => e);
    expect(error).toBe(rejection);
  });

  it('keeps the defaults of the createRetry it is passed to, not of the last one used', async () => {
    const clock = instantClock();
    const twice = createRetry({ maxAttempts: 2, classify: retryable, clock });
    const fiveTimes = createRetry({ maxAttempts: 5, classify: retryable, clock });
    const attempts: number[] = [];
    for (const configured of [twice, fiveTimes, twice]) {
      const error = await configured(failing, { operation: 'get_order' }).catch((e: unknown) => e);
      attempts.push((error as RetryExhaustedError).attempts);
    }
    expect(attempts).toEqual([2, 5, 2]);
  });

  it('is checked like any other: an invalid value after a valid literal is rejected', async () => {
    await retry(async () => 1, { maxAttempts: 2 });
    await expect(retry(async () => 1, { maxAttempts: -1 })).rejects.toThrow(
      new RangeError('maxAttempts: expected an integer >= 1 or Infinity, got -1'),
    );
  });
});
