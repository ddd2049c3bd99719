import { describe, expect, it } from 'vitest';
import { defaultClassifier } from '../../src/core/classify.js';
import { connectFailure, isFetchNetworkError } from '../../src/core/connect-failure.js';

/** A `TypeError` with `message`, and `stack` removed when `stack` is `undefined`. */
function typeError(message: string, stack?: string): TypeError {
  const error = new TypeError(message);
  if (stack === undefined) Object.defineProperty(error, 'stack', { value: undefined });
  return error;
}

describe('isFetchNetworkError: the network failures of fetch, by runtime [INE]', () => {
  it.each([
    ['fetch failed'],
    ['terminated'],
    ['network error'],
    ['Failed to fetch'],
    ['Failed to fetch (api.binance.com)'],
    ['NetworkError when attempting to fetch resource.'],
    ['The Internet connection appears to be offline.'],
    ['Network request failed'],
    [' A network error occurred.'],
    ['Network connection lost'],
    ['error sending request for url (https://api.binance.com/api/v3/time)'],
  ])('is true for TypeError(%j)', (message) => {
    expect(isFetchNetworkError(new TypeError(message))).toBe(true);
  });

  it.each([
    ['x is not a function'],
    ['Failed to fetch api.binance.com'],
    ['A network error occurred.'],
    ['fetch failed!'],
  ])('is false for TypeError(%j)', (message) => {
    expect(isFetchNetworkError(new TypeError(message))).toBe(false);
  });

  it('is false for the right words on an Error that is not a TypeError', () => {
    expect(isFetchNetworkError(new Error('fetch failed'))).toBe(false);
    expect(isFetchNetworkError(new DOMException('fetch failed', 'TimeoutError'))).toBe(false);
  });

  it('is false for a plain object that looks like one', () => {
    expect(isFetchNetworkError({ name: 'TypeError', message: 'fetch failed' })).toBe(false);
  });

  it("is true for Safari's 'Load failed' with no stack, false with one", () => {
    expect(isFetchNetworkError(typeError('Load failed'))).toBe(true);
    expect(isFetchNetworkError(typeError('Load failed (api.binance.com)'))).toBe(true);
    expect(isFetchNetworkError(new TypeError('Load failed'))).toBe(false);
  });

  it("is true for 'Load failed' with the stack Sentry adds to an error it captured", () => {
    const error = Object.assign(new TypeError('Load failed'), { __sentry_captured__: true });
    expect(isFetchNetworkError(error)).toBe(true);
  });

  it('is false, not a throw, for an error whose message getter throws', () => {
    const error = new TypeError('fetch failed');
    Object.defineProperty(error, 'message', {
      get() {
        throw new Error('hostile');
      },
    });
    expect(isFetchNetworkError(error)).toBe(false);
  });

  it('is false for values that are not errors', () => {
    for (const value of [undefined, null, 'fetch failed', 42, Symbol('x')]) {
      expect(isFetchNetworkError(value)).toBe(false);
    }
  });
});

describe('connectFailure on hostile errors', () => {
  const hostile = () => {
    throw new Error('hostile');
  };

  it('is undefined, not a throw, for a revoked proxy', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(connectFailure(proxy)).toBeUndefined();
  });

  it('is undefined, not a throw, for a proxy whose every trap throws', () => {
    const proxy = new Proxy({}, { get: hostile, getPrototypeOf: hostile, has: hostile });
    expect(connectFailure(proxy)).toBeUndefined();
  });

  it('reads past a cause getter that throws', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    Object.defineProperty(error, 'cause', { get: hostile });
    expect(connectFailure(error)).toBe('ECONNREFUSED');
  });

  it('is undefined, not a throw, when the code getter throws', () => {
    const error = new Error('x');
    Object.defineProperty(error, 'code', { get: hostile });
    expect(connectFailure(error)).toBeUndefined();
  });
});

describe('the default classifier on hostile errors', () => {
  it('judges a revoked proxy unclassified', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(defaultClassifier({ ok: false, error: proxy })).toEqual({
      action: 'unknown',
      reason: 'unclassified',
    });
  });
});
