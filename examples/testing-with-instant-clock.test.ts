/**
 * Testing your own retrying code without waiting: `instantClock()` resolves every sleep at once
 * and records the delay in `clock.sleeps`, so a test asserts the exact waits. Pass it as `clock`,
 * or install it for code you cannot pass options to (decorated methods, libraries) with
 * `useInstantRetries()`.
 *
 * Run with `npx vitest run examples/testing-with-instant-clock.test.ts`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exponential, failOn, retry, retryable, RetryExhaustedError } from '../src/index.js';
import { instantClock, useInstantRetries, type InstantClock } from '../src/testing/index.js';

// --- The code under test: a service of yours ------------------------------------------------

class OutOfStockError extends Error {}

class PriceService {
  constructor(private readonly fetchPrice: (symbol: string) => Promise<number>) {}

  @retryable({
    maxAttempts: 4,
    backoff: exponential({ initial: 1000 }),
    classify: failOn(OutOfStockError),
  })
  async price(symbol: string): Promise<number> {
    return this.fetchPrice(symbol);
  }
}

/** A dependency that throws `errors` in turn, then answers `value`; counts its calls. */
function scripted<T>(errors: Error[], value: T) {
  const calls: string[] = [];
  const fn = async (symbol: string): Promise<T> => {
    calls.push(symbol);
    const error = errors.shift();
    if (error !== undefined) throw error;
    return value;
  };
  return Object.assign(fn, { calls });
}

// --- Passing the clock ------------------------------------------------------------------------

describe('retry with an instant clock', () => {
  it('waits 1 s and then 2 s before succeeding on the third attempt', async () => {
    const clock = instantClock();
    const fetchPrice = scripted([new Error('socket hang up'), new Error('socket hang up')], 97_000);

    const price = await retry(() => fetchPrice('BTCUSDT'), {
      clock,
      backoff: exponential({ initial: 1000 }),
    });

    expect(price).toBe(97_000);
    expect(fetchPrice.calls).toHaveLength(3);
    expect(clock.sleeps).toEqual([1000, 2000]);
  });

  it('gives up after maxAttempts with RetryExhaustedError', async () => {
    const clock = instantClock();
    const down = () => Promise.reject(new Error('503 Service Unavailable'));

    const error = await retry(down, {
      clock,
      maxAttempts: 3,
      backoff: exponential({ initial: 500 }),
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RetryExhaustedError);
    expect(error).toMatchObject({ attempts: 3, reason: 'attempts' });
    expect(clock.sleeps).toEqual([500, 1000]);
  });
});

// --- Installing the clock for code that does not take one --------------------------------------

describe('a @retryable method under useInstantRetries()', () => {
  let clock: InstantClock;
  let restore: () => void;
  beforeEach(() => {
    clock = instantClock();
    restore = useInstantRetries(clock);
  });
  afterEach(() => restore());

  it('retries without waiting and records the delays it asked for', async () => {
    const fetchPrice = scripted([new Error('ECONNRESET'), new Error('ECONNRESET')], 97_000);
    const service = new PriceService(fetchPrice);

    await expect(service.price('BTCUSDT')).resolves.toBe(97_000);

    expect(fetchPrice.calls).toEqual(['BTCUSDT', 'BTCUSDT', 'BTCUSDT']);
    expect(clock.sleeps).toEqual([1000, 2000]);
  });

  it('does not retry an error the classifier calls permanent', async () => {
    const outOfStock = new OutOfStockError('no liquidity');
    const service = new PriceService(scripted([outOfStock], 0));

    await expect(service.price('BTCUSDT')).rejects.toBe(outOfStock);

    expect(clock.sleeps).toEqual([]);
  });
});
