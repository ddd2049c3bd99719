import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  AttemptTimeoutError,
  HoldTooLongError,
  PermanentFailureError,
  RetryExhaustedError,
  UnknownOutcomeError,
} from '../../src/index.js';

const cause = new Error('boom');

/** Each error as the engine makes it, and the own keys it must carry, in order. */
const CASES = [
  {
    error: new RetryExhaustedError({
      operation: 'op',
      attempts: 2,
      elapsedMs: 10.4,
      reason: 'attempts',
      cause,
    }),
    keys: [
      'stack',
      'message',
      'name',
      'operation',
      'attempts',
      'elapsedMs',
      'reason',
      'value',
      'cause',
    ],
    enumerable: ['name', 'operation', 'attempts', 'elapsedMs', 'reason'],
  },
  {
    error: new PermanentFailureError({
      operation: 'op',
      attempt: 1,
      elapsedMs: 3,
      reason: 'binance:-2010',
      cause,
    }),
    keys: ['stack', 'message', 'name', 'operation', 'attempt', 'elapsedMs', 'reason', 'cause'],
    enumerable: ['name', 'operation', 'attempt', 'elapsedMs', 'reason'],
  },
  {
    error: new UnknownOutcomeError({ operation: 'op', attempt: 1, cause, reason: 'unclassified' }),
    keys: ['stack', 'message', 'name', 'operation', 'attempt', 'cause'],
    enumerable: ['name', 'operation', 'attempt'],
  },
  {
    error: new AttemptTimeoutError({ operation: 'op', attempt: 2, timeoutMs: 50 }),
    keys: ['stack', 'message', 'name', 'operation', 'attempt', 'timeoutMs'],
    enumerable: ['name', 'operation', 'attempt', 'timeoutMs'],
  },
  {
    error: new HoldTooLongError({ reason: 'ban', waitMs: 9000, maxWaitMs: 5000 }),
    keys: ['stack', 'message', 'name', 'reason', 'waitMs', 'maxWaitMs'],
    enumerable: ['name', 'reason', 'waitMs', 'maxWaitMs'],
  },
] as const;

describe('the errors tenacious throws', () => {
  for (const { error, keys, enumerable } of CASES) {
    it(`${error.name} has its own fields in the documented order`, () => {
      expect(Reflect.ownKeys(error)).toEqual(keys);
      expect(Object.keys(error)).toEqual(enumerable);
    });

    it(`${error.name}'s fields are ordinary writable data properties`, () => {
      for (const key of enumerable) {
        expect(Object.getOwnPropertyDescriptor(error, key)).toEqual({
          value: (error as unknown as Record<string, unknown>)[key],
          writable: true,
          enumerable: true,
          configurable: true,
        });
      }
    });
  }

  it('RetryExhaustedError says how many attempts, how long and why', () => {
    expect(CASES[0].error.message).toBe('op: gave up after 2 attempts in 10 ms (attempts)');
  });

  it('RetryExhaustedError says "attempt" for a single one', () => {
    const error = new RetryExhaustedError({
      operation: 'op',
      attempts: 1,
      elapsedMs: 0,
      reason: 'elapsed',
      cause,
    });
    expect(error.message).toBe('op: gave up after 1 attempt in 0 ms (elapsed)');
  });

  it('PermanentFailureError names the attempt and the verdict reason', () => {
    expect(CASES[1].error.message).toBe('op: failed permanently on attempt 1 (binance:-2010)');
  });

  it('UnknownOutcomeError on a non-idempotent call says it is not idempotent', () => {
    expect(CASES[2].error.message).toBe(
      'op: outcome unknown after attempt 1 (unclassified); not retried because the operation is not idempotent',
    );
  });

  it('UnknownOutcomeError on an idempotent call names the duplicate client order id', () => {
    const error = new UnknownOutcomeError({
      operation: 'op',
      attempt: 3,
      cause,
      reason: 'duplicate-client-order-id',
      idempotent: true,
    });
    expect(error.message).toBe(
      'op: outcome unknown after attempt 3 (duplicate-client-order-id); not retried because the venue already has an order with this client order id',
    );
  });

  it('AttemptTimeoutError names the attempt and the timeout', () => {
    expect(CASES[3].error.message).toBe('op: attempt 2 timed out after 50 ms');
  });

  it('HoldTooLongError names a generic tracker when none is given', () => {
    expect(CASES[4].error.message).toBe(
      'rate-limit tracker: a ban hold would wait 9000 ms, more than maxWaitMs (5000 ms)',
    );
  });

  it('HoldTooLongError names the tracker it is given', () => {
    const error = new HoldTooLongError({
      reason: 'window',
      waitMs: 100,
      maxWaitMs: 10,
      tracker: 'binance weight tracker',
    });
    expect(error.message).toBe(
      'binance weight tracker: a window hold would wait 100 ms, more than maxWaitMs (10 ms)',
    );
  });

  it('prints its fields and its cause through util.inspect', () => {
    const printed = inspect(CASES[3].error);
    expect(printed).toContain("operation: 'op'");
    expect(printed).toContain('attempt: 2');
    expect(printed).toContain('timeoutMs: 50');
  });

  it('serialises its fields to JSON', () => {
    expect(JSON.parse(JSON.stringify(CASES[3].error))).toEqual({
      type: 'AttemptTimeoutError',
      message: 'op: attempt 2 timed out after 50 ms',
      operation: 'op',
      attempt: 2,
      timeoutMs: 50,
    });
  });
});
