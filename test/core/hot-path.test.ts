import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRetry, retry } from '../../src/index.js';
import { validationStats } from '../../src/core/options.js';
import { instantClock } from '../../src/testing/index.js';

/**
 * Guards the success path without timing it: a first-attempt success with options seen before
 * creates no timer and runs no validation; an options object edited after a call is refused.
 */
describe('the first-attempt success path', () => {
  afterEach(() => vi.restoreAllMocks());

  it('creates no timer and validates nothing', async () => {
    const options = { operation: 'get_ticker', maxAttempts: 5 };
    await retry(async () => 1, options); // first sight: validated once
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const before = validationStats.count;
    for (let i = 0; i < 100; i++) await retry(async () => i, options);
    await retry(async () => 0);
    expect(validationStats.count).toBe(before);
    expect(timers).not.toHaveBeenCalled();
  });

  it('does the same through createRetry', async () => {
    const configured = createRetry({ maxAttempts: 3 });
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const before = validationStats.count;
    await configured(async () => 1);
    expect(validationStats.count).toBe(before);
    expect(timers).not.toHaveBeenCalled();
  });

  it('refuses an edit of an options object after a call, instead of ignoring it', async () => {
    const options: { maxAttempts: number } = { maxAttempts: 2 };
    await retry(async () => 1, options);
    expect(() => {
      options.maxAttempts = 5;
    }).toThrow(TypeError);
    expect(options.maxAttempts).toBe(2);
  });

  it('honours edits of an options object with getters by validating it on every call', async () => {
    let attempts = 1;
    const options = {
      get maxAttempts() {
        return attempts;
      },
      clock: instantClock(),
    };
    const failing = () => Promise.reject(new Error('down'));
    await expect(retry(failing, options)).rejects.toMatchObject({ attempts: 1 });
    attempts = 3;
    await expect(retry(failing, options)).rejects.toMatchObject({ attempts: 3 });
  });

  it('validates an options object only once', async () => {
    const options = { maxAttempts: 2 };
    const before = validationStats.count;
    await retry(async () => 1, options);
    await retry(async () => 1, options);
    expect(validationStats.count).toBe(before + 1);
  });
});
