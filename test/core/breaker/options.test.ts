import { describe, expect, it } from 'vitest';
import { breakerSettings } from '../../../src/core/breaker/options.js';
import type { FleetStore } from '../../../src/index.js';

/** A store-shaped object: options only check its shape, the breaker is never built here. */
const store: FleetStore = {
  sharedWindow: () => {
    throw new Error('not used');
  },
  sharedBreaker: () => {
    throw new Error('not used');
  },
  sharedRateLimit: () => {
    throw new Error('not used');
  },
};

describe('breakerSettings: the mode', () => {
  it('is consecutive mode with a threshold of 5 by default', () => {
    expect(breakerSettings({}).counting).toEqual({ mode: 'consecutive', failureThreshold: 5 });
  });

  it('keeps the failureThreshold given', () => {
    expect(breakerSettings({ failureThreshold: 2 }).counting).toEqual({
      mode: 'consecutive',
      failureThreshold: 2,
    });
  });

  it('is rolling mode with its defaults when mode is rolling', () => {
    expect(breakerSettings({ mode: 'rolling' }).counting).toEqual({
      mode: 'rolling',
      failureRate: 0.5,
      windowMs: 10_000,
      minimumCalls: 10,
    });
  });

  it.each([{ failureRate: 0.25 }, { windowMs: 5000 }, { minimumCalls: 3 }])(
    'is rolling mode without a mode when given %o',
    (options) => {
      expect(breakerSettings(options).counting).toEqual({
        mode: 'rolling',
        failureRate: 0.5,
        windowMs: 10_000,
        minimumCalls: 10,
        ...options,
      });
    },
  );

  it('is consecutive mode when mode says so', () => {
    expect(breakerSettings({ mode: 'consecutive' }).counting.mode).toBe('consecutive');
  });
});

describe('breakerSettings: the common settings', () => {
  it('applies the defaults', () => {
    expect(breakerSettings({})).toEqual({
      counting: { mode: 'consecutive', failureThreshold: 5 },
      resetAfterMs: 30_000,
      halfOpenMaxAttempts: 1,
      probeTimeoutMs: 30_000,
      clock: undefined,
      fleet: undefined,
      label: 'circuit',
      logger: undefined,
    });
  });

  it('names the breaker in its label', () => {
    expect(breakerSettings({ name: 'binance' }).label).toBe('circuit "binance"');
  });

  it('keys the fleet by key first', () => {
    expect(breakerSettings({ store, key: 'okx', name: 'binance' }).fleet).toEqual({
      store,
      key: 'okx',
    });
  });

  it('keys the fleet by name when no key is given', () => {
    expect(breakerSettings({ store, name: 'binance' }).fleet?.key).toBe('binance');
  });

  it("keys the fleet 'circuit-breaker' with neither key nor name", () => {
    expect(breakerSettings({ store }).fleet?.key).toBe('circuit-breaker');
  });

  it('has no fleet without a store, even with a key', () => {
    expect(breakerSettings({ key: 'binance' }).fleet).toBeUndefined();
  });

  it("passes a listener failure to the logger's error method", () => {
    const logged: unknown[][] = [];
    const settings = breakerSettings({ logger: { error: (...args) => logged.push(args) } });
    settings.logger?.error({ err: 'broke' }, 'listener failed');
    expect(logged).toEqual([[{ err: 'broke' }, 'listener failed']]);
  });
});

describe('breakerSettings: validation in consecutive mode', () => {
  it.each([
    [
      { failureThreshold: Infinity },
      RangeError,
      'circuitBreaker: failureThreshold: expected an integer >= 1, got Infinity',
    ],
    [
      { mode: 'consecutive', minimumCalls: 5 },
      TypeError,
      'circuitBreaker: minimumCalls: only valid in rolling mode',
    ],
    [
      { mode: 'consecutive', failureRate: 0.5 },
      TypeError,
      'circuitBreaker: failureRate: only valid in rolling mode',
    ],
    [{ key: '' }, RangeError, 'circuitBreaker: key: expected a non-empty string, got ""'],
    [
      { halfOpenMaxAttempts: 1.5 },
      RangeError,
      'circuitBreaker: halfOpenMaxAttempts: expected an integer >= 1, got 1.5',
    ],
  ])('rejects %o', (options, ErrorClass, message) => {
    expect(() => breakerSettings(options as never)).toThrow(new ErrorClass(message));
  });
});

describe('breakerSettings: validation in rolling mode', () => {
  it.each([
    [
      { failureRate: '0.5' },
      TypeError,
      'circuitBreaker: failureRate: expected a number in (0, 1], got "0.5"',
    ],
    [
      { windowMs: Infinity },
      RangeError,
      'circuitBreaker: windowMs: expected a number > 0, got Infinity',
    ],
    [
      { minimumCalls: 2.5 },
      RangeError,
      'circuitBreaker: minimumCalls: expected an integer >= 1, got 2.5',
    ],
    [
      { mode: 'rolling', failureThreshold: 3 },
      TypeError,
      'circuitBreaker: failureThreshold: only valid in consecutive mode',
    ],
    [
      { minimumCalls: 5, failureThreshold: 3 },
      TypeError,
      'circuitBreaker: failureThreshold: only valid in consecutive mode',
    ],
    [
      { failureRate: 0.5, resetAfterMs: -1 },
      RangeError,
      'circuitBreaker: resetAfterMs: expected a number >= 0, got -1',
    ],
    [
      { mode: 'rolling', probeTimeoutMs: '1s' },
      TypeError,
      'circuitBreaker: probeTimeoutMs: expected a number > 0, got "1s"',
    ],
    [
      { mode: 'rolling', windowMS: 1000 },
      TypeError,
      'circuitBreaker: unknown option "windowMS" (did you mean "windowMs"?); expected one of mode, resetAfterMs, halfOpenMaxAttempts, probeTimeoutMs, clock, store, key, name, logger, failureRate, windowMs, minimumCalls',
    ],
  ])('rejects %o', (options, ErrorClass, message) => {
    expect(() => breakerSettings(options as never)).toThrow(new ErrorClass(message));
  });
});

describe('breakerSettings: options that are not an object', () => {
  it.each([
    [null, 'circuitBreaker: options: expected an object, got null'],
    [[], 'circuitBreaker: options: expected an object, got an array of 0'],
    ['rolling', 'circuitBreaker: options: expected an object, got "rolling"'],
  ])('rejects %o', (options, message) => {
    expect(() => breakerSettings(options as never)).toThrow(new TypeError(message));
  });
});
