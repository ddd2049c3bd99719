import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRetry, retry } from '../../src/index.js';

/**
 * A logger whose methods count their lookups. Validation looks each one up (`warn`, `error`,
 * `debug`); a run that logs nothing never does, so the count tells whether options were
 * validated.
 */
function countingLogger() {
  const lookups = { count: 0 };
  const ignore = () => {};
  const method = () => {
    lookups.count++;
    return ignore;
  };
  const logger = {
    get warn() {
      return method();
    },
    get error() {
      return method();
    },
    get debug() {
      return method();
    },
  };
  return { logger, lookups };
}

/**
 * Guards the success path without timing it: a first-attempt success with options seen before
 * creates no timer and runs no validation.
 */
describe('the first-attempt success path', () => {
  afterEach(() => vi.restoreAllMocks());

  it('validates options once: later calls with the same unchanged object look up nothing', async () => {
    const { logger, lookups } = countingLogger();
    const options = { operation: 'get_ticker', maxAttempts: 5, logger };
    await retry(async () => 1, options);
    expect(lookups.count).toBe(3);
    for (let i = 0; i < 100; i++) await retry(async () => i, options);
    expect(lookups.count).toBe(3);
  });

  it('validates a literal written in the call once while each call passes the same values', async () => {
    const { logger, lookups } = countingLogger();
    for (let i = 0; i < 100; i++) {
      await retry(async () => i, { operation: 'get_ticker', maxAttempts: 5, logger });
    }
    expect(lookups.count).toBe(3);
  });

  it('validates the literals of call sites that take turns once each', async () => {
    const { logger, lookups } = countingLogger();
    const operations = ['get_order', 'place_order', 'cancel_order'];
    for (let i = 0; i < 30; i++) {
      await retry(async () => i, { operation: operations[i % 3], logger });
    }
    expect(lookups.count).toBe(9);
  });

  it('validates a per-call literal over createRetry defaults once while its values repeat', async () => {
    const { logger, lookups } = countingLogger();
    const configured = createRetry({ maxAttempts: 3 });
    for (let i = 0; i < 100; i++) {
      await configured(async () => i, { operation: 'get_ticker', logger });
    }
    expect(lookups.count).toBe(3);
  });

  it('creates no timer', async () => {
    const options = { operation: 'get_ticker', maxAttempts: 5 };
    await retry(async () => 1, options);
    const timers = vi.spyOn(globalThis, 'setTimeout');
    for (let i = 0; i < 100; i++) await retry(async () => i, options);
    await retry(async () => 0);
    expect(timers).not.toHaveBeenCalled();
  });

  it('validates nothing and creates no timer through createRetry', async () => {
    const { logger, lookups } = countingLogger();
    const configured = createRetry({ maxAttempts: 3, logger });
    const perCall = { operation: 'get_ticker' };
    await configured(async () => 1, perCall);
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const before = lookups.count;
    await configured(async () => 1);
    await configured(async () => 1, perCall);
    expect(lookups.count).toBe(before);
    expect(timers).not.toHaveBeenCalled();
  });

  it('validates an edited options object again on its next call', async () => {
    const { logger, lookups } = countingLogger();
    const options: { maxAttempts: number; logger: typeof logger } = { maxAttempts: 2, logger };
    await retry(async () => 1, options);
    options.maxAttempts = 3;
    await retry(async () => 1, options);
    await retry(async () => 1, options);
    expect(lookups.count).toBe(6);
  });
});
