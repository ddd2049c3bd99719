import { describe, expect, it } from 'vitest';
import {
  RetryExhaustedError,
  constant,
  createRetry,
  sequence,
  type AttemptContext,
  type RetryableDecorator,
} from '../../src/index.js';
import { instantClock } from '../../src/testing/index.js';

/** A function failing `failures` times, then returning `value`; counts its attempts. */
function flaky<T>(failures: number, value: T) {
  const attempts: number[] = [];
  const fn = async ({ attempt }: AttemptContext) => {
    attempts.push(attempt);
    if (attempts.length <= failures) throw new Error('ECONNRESET');
    return value;
  };
  return { fn, attempts };
}

/** Hooks that write `<label> <event>` into one shared list, to check who ran and in which order. */
function recorder() {
  const log: string[] = [];
  const hooks = (label: string) => ({
    onRetry: (event: { attempt: number }) => log.push(`${label} retry #${event.attempt}`),
    onSuccess: (event: { attempts: number }) =>
      log.push(`${label} success after ${event.attempts}`),
    onExhausted: (event: { attempts: number }) =>
      log.push(`${label} exhausted after ${event.attempts}`),
  });
  return { log, hooks };
}

/**
 * Applies a method decorator the way TypeScript's `experimentalDecorators` output does
 * (`__decorate`): vitest does not compile decorator syntax in test files. test/retryable/ covers
 * both decorator systems with the real compiler.
 */
function decorateMethod(decorator: RetryableDecorator, target: object, key: string): void {
  const descriptor = Object.getOwnPropertyDescriptor(target, key)!;
  Object.defineProperty(target, key, decorator(target, key, descriptor as any));
}

describe('createRetry: defaults and per-call options', () => {
  it('applies its defaults to every call', async () => {
    const clock = instantClock();
    const configured = createRetry({ maxAttempts: 2, backoff: constant(50), clock });
    const { fn, attempts } = flaky(Infinity, 'never');
    const error = await configured(fn).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryExhaustedError);
    expect(error).toMatchObject({ attempts: 2 });
    expect(attempts).toEqual([1, 2]);
    expect(clock.sleeps).toEqual([50]);
  });

  it('lets per-call options override the defaults and keeps the others', async () => {
    const clock = instantClock();
    const configured = createRetry({ maxAttempts: 2, backoff: constant(50), clock });
    const { fn, attempts } = flaky(Infinity, 'never');
    await expect(configured(fn, { maxAttempts: 3 })).rejects.toMatchObject({ attempts: 3 });
    expect(attempts).toEqual([1, 2, 3]);
    expect(clock.sleeps).toEqual([50, 50]);
  });

  it('keeps the library defaults for options neither level sets', async () => {
    const clock = instantClock();
    const configured = createRetry({ backoff: constant(5), clock });
    const { fn } = flaky(Infinity, 'never');
    await expect(configured(fn)).rejects.toMatchObject({ attempts: 4, operation: 'fn' });
  });

  it("names the operation from the call's options over the defaults'", async () => {
    const configured = createRetry({ operation: 'exchange', clock: instantClock() });
    const { fn } = flaky(Infinity, 'never');
    await expect(configured(fn, { maxAttempts: 1 })).rejects.toMatchObject({
      operation: 'exchange',
    });
    await expect(configured(fn, { maxAttempts: 1, operation: 'get_ticker' })).rejects.toMatchObject(
      { operation: 'get_ticker' },
    );
  });

  it('resolves with the value of a later attempt', async () => {
    const configured = createRetry({ backoff: constant(1), clock: instantClock() });
    const { fn, attempts } = flaky(2, 'filled');
    await expect(configured(fn)).resolves.toBe('filled');
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('rejects a call with invalid options, naming the option', async () => {
    const configured = createRetry({ clock: instantClock() });
    const { fn, attempts } = flaky(0, 'ok');
    await expect(configured(fn, { maxAttempts: -1 })).rejects.toThrow(
      new RangeError('maxAttempts: expected an integer >= 1 or Infinity, got -1'),
    );
    expect(attempts).toEqual([]);
  });

  it('rejects a call whose fn is not a function', async () => {
    const configured = createRetry();
    await expect(configured('fetch' as never)).rejects.toThrow(
      new TypeError('fn: expected a function, got "fetch"'),
    );
  });
});

describe('createRetry: hooks of every level', () => {
  it('runs the onRetry hooks of the defaults and of the call, defaults first', async () => {
    const { log, hooks } = recorder();
    const configured = createRetry({
      ...hooks('defaults'),
      backoff: constant(1),
      clock: instantClock(),
    });
    await configured(flaky(2, 'ok').fn, { onRetry: hooks('call').onRetry });
    expect(log).toEqual([
      'defaults retry #1',
      'call retry #1',
      'defaults retry #2',
      'call retry #2',
      'defaults success after 3',
    ]);
  });

  it('runs the onSuccess hooks of both levels, defaults first', async () => {
    const { log, hooks } = recorder();
    const configured = createRetry({ onSuccess: hooks('defaults').onSuccess });
    await configured(flaky(0, 'ok').fn, { onSuccess: hooks('call').onSuccess });
    expect(log).toEqual(['defaults success after 1', 'call success after 1']);
  });

  it('runs the onExhausted hooks of both levels, defaults first', async () => {
    const { log, hooks } = recorder();
    const configured = createRetry({
      onExhausted: hooks('defaults').onExhausted,
      maxAttempts: 2,
      clock: instantClock(),
    });
    await configured(flaky(Infinity, 'never').fn, {
      onExhausted: hooks('call').onExhausted,
    }).catch(() => {});
    expect(log).toEqual(['defaults exhausted after 2', 'call exhausted after 2']);
  });
});

describe('createRetry: extend', () => {
  it('layers more defaults over the defaults', async () => {
    const clock = instantClock();
    const base = createRetry({ maxAttempts: 2, backoff: constant(50), clock });
    const patient = base.extend({ maxAttempts: 4 });
    const { fn, attempts } = flaky(Infinity, 'never');
    await expect(patient(fn)).rejects.toMatchObject({ attempts: 4 });
    expect(attempts).toEqual([1, 2, 3, 4]);
    expect(clock.sleeps).toEqual([50, 50, 50]);
  });

  it('leaves the configured retry it extends unchanged', async () => {
    const base = createRetry({ maxAttempts: 2, backoff: constant(1), clock: instantClock() });
    base.extend({ maxAttempts: 5, onRetry: () => {} });
    await expect(base(flaky(Infinity, 'never').fn)).rejects.toMatchObject({ attempts: 2 });
  });

  it('runs the hooks of every level, outermost first', async () => {
    const { log, hooks } = recorder();
    const base = createRetry({ onRetry: hooks('base').onRetry, clock: instantClock() });
    const orders = base.extend({ onRetry: hooks('orders').onRetry, backoff: sequence([10, 20]) });
    await orders(flaky(1, 'ok').fn, { onRetry: hooks('call').onRetry });
    expect(log).toEqual(['base retry #1', 'orders retry #1', 'call retry #1']);
  });

  it('can be extended again', async () => {
    const clock = instantClock();
    const third = createRetry({ clock })
      .extend({ backoff: constant(7) })
      .extend({ maxAttempts: 3 });
    await expect(third(flaky(Infinity, 'never').fn)).rejects.toMatchObject({ attempts: 3 });
    expect(clock.sleeps).toEqual([7, 7]);
  });
});

describe('createRetry: invalid defaults throw at definition', () => {
  it('throws a RangeError naming an out-of-range default', () => {
    expect(() => createRetry({ maxAttempts: 0 })).toThrow(
      new RangeError('maxAttempts: expected an integer >= 1 or Infinity, got 0'),
    );
  });

  it('throws a TypeError naming a default of the wrong type', () => {
    expect(() => createRetry({ backoff: 500 as never })).toThrow(
      new TypeError('backoff: expected a Backoff function, got 500'),
    );
  });

  it('throws a TypeError naming an unknown default', () => {
    expect(() => createRetry({ retries: 3 } as never)).toThrow(/^unknown option "retries"/);
  });

  it('throws when extend is given invalid defaults', () => {
    const base = createRetry();
    expect(() => base.extend({ maxRetryAfterMs: -5 })).toThrow(
      new RangeError('maxRetryAfterMs: expected a number >= 0 or Infinity, got -5'),
    );
  });

  it('throws when .retryable is given invalid options', () => {
    const base = createRetry();
    expect(() => base.retryable({ attemptTimeoutMs: 0 })).toThrow(
      new RangeError('attemptTimeoutMs: expected a number > 0 and <= 2147483647, got 0'),
    );
  });
});

describe('createRetry: .retryable', () => {
  it('decorates a method with the defaults, method options and hooks of both levels', async () => {
    const { log, hooks } = recorder();
    const clock = instantClock();
    const configured = createRetry({ onRetry: hooks('defaults').onRetry, clock });
    class Quotes {
      failures = 1;
      async quote(symbol: string): Promise<string> {
        if (this.failures-- > 0) throw new Error('ECONNRESET');
        return `${symbol}: 101.5`;
      }
    }
    const decorator = configured.retryable({
      backoff: constant(30),
      onRetry: hooks('method').onRetry,
    });
    decorateMethod(decorator, Quotes.prototype, 'quote');
    await expect(new Quotes().quote('BTCUSDT')).resolves.toBe('BTCUSDT: 101.5');
    expect(log).toEqual(['defaults retry #1', 'method retry #1']);
    expect(clock.sleeps).toEqual([30]);
  });

  it("uses an extended retry's defaults", async () => {
    const clock = instantClock();
    const orders = createRetry({ clock }).extend({ maxAttempts: 2, backoff: constant(9) });
    class Orders {
      async place(): Promise<string> {
        throw new Error('ECONNRESET');
      }
    }
    decorateMethod(orders.retryable(), Orders.prototype, 'place');
    await expect(new Orders().place()).rejects.toMatchObject({
      operation: 'Orders.place',
      attempts: 2,
    });
    expect(clock.sleeps).toEqual([9]);
  });

  it('throws a TypeError when used without parentheses', () => {
    const configured = createRetry();
    class Forgot {
      async run(): Promise<void> {}
    }
    const descriptor = Object.getOwnPropertyDescriptor(Forgot.prototype, 'run')!;
    // What `@configured.retryable` (no call) does under experimentalDecorators.
    const untyped = configured as unknown as { retryable(...args: unknown[]): unknown };
    expect(() => untyped.retryable(Forgot.prototype, 'run', descriptor)).toThrow(
      new TypeError(
        '@retryable: call it: write @retryable() or @retryable(options), not @retryable',
      ),
    );
  });
});
