import { describe, expect, it } from 'vitest';
import { UnknownOutcomeError, retry } from '../../src/index.js';
import {
  DexConnectionError,
  DexError,
  DexInsufficientFundsError,
  DexOrderNotFoundError,
  DexRejectionError,
  DexTimeoutError,
  dexClassifier,
  dexPresets,
} from '../../src/dex/index.js';
import { instantClock } from '../../src/testing/index.js';
import { record, rejection, verdictOf } from './run.js';

const classify = dexClassifier();

describe('the adapter error hierarchy', () => {
  const table = [
    [
      DexConnectionError,
      'DexConnectionError',
      { action: 'retry', reason: 'dex:DexConnectionError' },
    ],
    [DexTimeoutError, 'DexTimeoutError', { action: 'unknown', reason: 'dex:DexTimeoutError' }],
    [DexRejectionError, 'DexRejectionError', { action: 'fail', reason: 'dex:DexRejectionError' }],
    [
      DexInsufficientFundsError,
      'DexInsufficientFundsError',
      { action: 'fail', reason: 'dex:DexInsufficientFundsError' },
    ],
    [
      DexOrderNotFoundError,
      'DexOrderNotFoundError',
      { action: 'fail', reason: 'dex:DexOrderNotFoundError' },
    ],
  ] as const;

  it.each(table)('classifies %o by its stable name %s', (Class, name, verdict) => {
    const error = new Class('boom', { venue: 'hyperliquid' });
    expect(error.name).toBe(name);
    expect(error).toBeInstanceOf(DexError);
    expect(error).toBeInstanceOf(Error);
    expect(verdictOf(classify, error)).toEqual(verdict);
  });

  it('keeps message, cause, code, venue and status', () => {
    const cause = new Error('socket hang up');
    const error = new DexTimeoutError('no reply', {
      cause,
      code: 'E_TIMEOUT',
      venue: 'extended',
      status: 504,
    });
    expect(error).toMatchObject({
      message: 'no reply',
      cause,
      code: 'E_TIMEOUT',
      venue: 'extended',
      status: 504,
    });
    expect(new DexRejectionError('x')).toMatchObject({
      code: undefined,
      venue: undefined,
      status: undefined,
    });
    expect('cause' in new DexRejectionError('x')).toBe(false);
  });

  it('recognises a subclass written by an adapter author', () => {
    class ExtendedTimeout extends DexTimeoutError {}
    expect(verdictOf(classify, new ExtendedTimeout('slow'))).toEqual({
      action: 'unknown',
      reason: 'dex:DexTimeoutError',
    });
  });

  it('recognises an adapter error by name from another copy of the package', () => {
    const foreign = Object.assign(new Error('refused'), { name: 'DexConnectionError' });
    expect(verdictOf(classify, foreign)).toEqual({
      action: 'retry',
      reason: 'dex:DexConnectionError',
    });
  });

  it('finds an adapter error on the cause chain', () => {
    const wrapped = new Error('getPosition failed', { cause: new DexOrderNotFoundError('gone') });
    expect(verdictOf(classify, wrapped)).toEqual({
      action: 'fail',
      reason: 'dex:DexOrderNotFoundError',
    });
  });

  it('lets the class decide over its cause', () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(verdictOf(classify, new DexRejectionError('rejected', { cause: reset }))).toEqual({
      action: 'fail',
      reason: 'dex:DexRejectionError',
    });
  });

  it('judges a bare DexError by its status', () => {
    expect(verdictOf(classify, new DexError('busy', { status: 503 }))).toEqual({
      action: 'unknown',
      reason: 'http:503',
    });
    expect(verdictOf(classify, new DexError('unauthorised', { status: 401 }))).toEqual({
      action: 'fail',
      reason: 'http:401',
    });
  });

  it('judges a bare DexError by its cause', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), {
      code: 'ECONNREFUSED',
      syscall: 'connect',
    });
    expect(verdictOf(classify, new DexError('down', { cause: refused }))).toEqual({
      action: 'retry',
      reason: 'network:ECONNREFUSED',
    });
  });

  it.each([
    [
      () => new DexError(42 as unknown as string),
      TypeError,
      '`message`: expected a string, got 42',
    ],
    [
      () => new DexTimeoutError('x', 'slow' as never),
      TypeError,
      'DexTimeoutError: expected an options object',
    ],
    [
      () => new DexError('x', { code: {} as never }),
      TypeError,
      '`code`: expected a string or a finite number, got {}',
    ],
    [
      () => new DexError('x', { venue: 1 as never }),
      TypeError,
      '`venue`: expected a string, got 1',
    ],
    [
      () => new DexRejectionError('x', { status: 42 }),
      RangeError,
      'DexRejectionError: `status`: expected an HTTP status (100-599), got 42',
    ],
  ])('rejects bad constructor arguments at once (%#)', (make, ErrorClass, message) => {
    expect(make).toThrow(ErrorClass);
    expect(make).toThrow(message);
  });
});

describe('retrying a DexTimeoutError', () => {
  it('retries an idempotent read 3 times, then rejects with the original error (reraise)', async () => {
    const timeout = new DexTimeoutError('no reply within 10 s', { venue: 'hyperliquid' });
    let calls = 0;
    const clock = instantClock();
    const outcome = await retry(
      async () => {
        calls++;
        throw timeout;
      },
      { classify, maxAttempts: 4, reraise: true, clock },
    ).catch((error: unknown) => error);
    expect(outcome).toBe(timeout);
    expect(calls).toBe(4);
    expect(clock.sleeps).toHaveLength(3);
  });

  it('succeeds when a later attempt answers', async () => {
    let calls = 0;
    const run = await record(
      async () => {
        if (++calls < 3) throw new DexTimeoutError('slow');
        return { position: '0.1' };
      },
      { classify, maxAttempts: 4 },
    );
    expect(run.result).toEqual({ ok: true, value: { position: '0.1' } });
    expect(run.verdicts).toEqual([
      { action: 'unknown', reason: 'dex:DexTimeoutError' },
      { action: 'unknown', reason: 'dex:DexTimeoutError' },
    ]);
  });

  it('does not resend an order: dexOrder rejects with UnknownOutcomeError', async () => {
    let calls = 0;
    const run = await record(
      async () => {
        calls++;
        throw new DexTimeoutError('POST /user/order timed out', { venue: 'extended' });
      },
      { ...dexPresets.dexOrder },
    );
    const error = rejection(run);
    expect(error).toBeInstanceOf(UnknownOutcomeError);
    expect(error).toMatchObject({ attempt: 1, cause: { name: 'DexTimeoutError' } });
    expect(calls).toBe(1);
  });

  it('resends an order after a DexConnectionError (nothing was sent)', async () => {
    let calls = 0;
    const run = await record(
      async () => {
        if (++calls === 1) throw new DexConnectionError('connect ECONNREFUSED');
        return 'order-1';
      },
      { ...dexPresets.dexOrder },
    );
    expect(run.result).toEqual({ ok: true, value: 'order-1' });
    expect(run.verdicts).toEqual([{ action: 'retry', reason: 'dex:DexConnectionError' }]);
  });
});
