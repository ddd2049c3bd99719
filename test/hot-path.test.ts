import pRetry from 'p-retry';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRetry, retry } from '../src/index.js';
import { validationStats } from '../src/options.js';
import { instantClock } from '../src/testing/index.js';

vi.mock('p-retry', async (importOriginal) => {
  const original = await importOriginal<typeof import('p-retry')>();
  return { ...original, default: vi.fn(original.default) };
});

/**
 * Guards the success path without timing it: a first-attempt success with options seen before
 * creates no timer, runs no validation and never enters p-retry.
 */
describe('the first-attempt success path', () => {
  afterEach(() => vi.restoreAllMocks());

  it('creates no timer, validates nothing and does not enter p-retry', async () => {
    const options = { operation: 'get_ticker', maxAttempts: 5 };
    await retry(async () => 1, options); // first sight: validated once
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const before = validationStats.count;
    vi.mocked(pRetry).mockClear();
    for (let i = 0; i < 100; i++) await retry(async () => i, options);
    await retry(async () => 0);
    expect(validationStats.count).toBe(before);
    expect(timers).not.toHaveBeenCalled();
    expect(pRetry).not.toHaveBeenCalled();
  });

  it('does the same through createRetry', async () => {
    const configured = createRetry({ maxAttempts: 3 });
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const before = validationStats.count;
    await configured(async () => 1);
    expect(validationStats.count).toBe(before);
    expect(timers).not.toHaveBeenCalled();
  });

  it('enters p-retry only after a failure', async () => {
    vi.mocked(pRetry).mockClear();
    let n = 0;
    await retry(
      async () => {
        if (n++ === 0) throw new Error('x');
        return 'ok';
      },
      { clock: instantClock() },
    );
    expect(pRetry).toHaveBeenCalledTimes(1);
  });

  it('validates an options object only once', async () => {
    const options = { maxAttempts: 2 };
    const before = validationStats.count;
    await retry(async () => 1, options);
    await retry(async () => 1, options);
    expect(validationStats.count).toBe(before + 1);
  });
});
