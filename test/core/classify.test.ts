import { fc, test } from '../helpers/property.js';
import { describe, expect, it } from 'vitest';
import {
  AttemptTimeoutError,
  defaultClassifier,
  failOn,
  HoldTooLongError,
  retry,
  retryIfResult,
  retryOn,
  unknownOn,
} from '../../src/index.js';
import { instantClock } from '../../src/testing/index.js';

class NetworkError extends Error {}
class InsufficientFunds extends Error {}

describe('retryOn, failOn, unknownOn', () => {
  it('matches error classes by instanceof and names the class in the reason', () => {
    expect(retryOn(NetworkError)({ ok: false, error: new NetworkError('x') })).toEqual({
      action: 'retry',
      reason: 'retry-on:NetworkError',
    });
    expect(failOn(InsufficientFunds)({ ok: false, error: new InsufficientFunds('x') })).toEqual({
      action: 'fail',
      reason: 'fail-on:InsufficientFunds',
    });
  });

  it('matches predicates', () => {
    const classify = unknownOn((e) => (e as { code?: string }).code === 'ETIMEDOUT');
    expect(classify({ ok: false, error: { code: 'ETIMEDOUT' } })).toEqual({
      action: 'unknown',
      reason: 'unknown-on',
    });
    expect(classify({ ok: false, error: { code: 'ECONNREFUSED' } })).toBeUndefined();
  });

  it('gives no verdict on returned values', () => {
    expect(retryOn(Error)({ ok: true, value: new Error('returned, not thrown') })).toBeUndefined();
  });

  it('throws a named TypeError for a non-function matcher or none', () => {
    expect(() => retryOn('NetworkError' as never)).toThrow(
      'retryOn: argument 1: expected an error class or a predicate function, got "NetworkError"',
    );
    expect(() => failOn()).toThrow(
      'failOn: expected at least one error class or predicate, got none',
    );
  });
});

describe('retryIfResult', () => {
  it('retries values matching the predicate', () => {
    const classify = retryIfResult((v: number) => v < 0);
    expect(classify({ ok: true, value: -1 })).toEqual({ action: 'retry', reason: 'result' });
    expect(classify({ ok: true, value: 1 })).toBeUndefined();
    expect(classify({ ok: false, error: new Error('x') })).toBeUndefined();
  });

  it('throws a named TypeError for a non-function predicate', () => {
    expect(() => retryIfResult(5 as never)).toThrow(
      'retryIfResult: expected a predicate function, got 5',
    );
  });
});

describe('defaultClassifier', () => {
  const refused = (code: string, syscall = 'connect') =>
    new TypeError('fetch failed', {
      cause: Object.assign(new Error(`${syscall} ${code} 127.0.0.1:1`), { code, syscall }),
    });

  it.each([
    ['an Error', new Error('x'), { action: 'unknown', reason: 'unclassified' }],
    ['a thrown string', 'boom', { action: 'unknown', reason: 'unclassified' }],
    ['a plain object', { code: -1001 }, { action: 'unknown', reason: 'unclassified' }],
    [
      "a tracker's HoldTooLongError (nothing was sent)",
      new HoldTooLongError({ reason: 'cooldown', waitMs: 10_000, maxWaitMs: 3000 }),
      { action: 'fail', reason: 'hold-too-long' },
    ],
    [
      'a non-network TypeError',
      new TypeError('undefined is not a function'),
      { action: 'fail', reason: 'type-error' },
    ],
    [
      "undici's TypeError('fetch failed') with no cause",
      new TypeError('fetch failed'),
      { action: 'unknown', reason: 'unclassified' },
    ],
    [
      'a refused connection (ECONNREFUSED on the cause)',
      refused('ECONNREFUSED'),
      { action: 'retry', reason: 'network:ECONNREFUSED' },
    ],
    [
      'a DNS failure (ENOTFOUND)',
      refused('ENOTFOUND', 'getaddrinfo'),
      { action: 'retry', reason: 'network:ENOTFOUND' },
    ],
    [
      'a temporary DNS failure (EAI_AGAIN)',
      refused('EAI_AGAIN', 'getaddrinfo'),
      { action: 'retry', reason: 'network:EAI_AGAIN' },
    ],
    [
      'an undici connect timeout',
      Object.assign(new Error('Connect Timeout Error'), { code: 'UND_ERR_CONNECT_TIMEOUT' }),
      { action: 'retry', reason: 'network:UND_ERR_CONNECT_TIMEOUT' },
    ],
    [
      'a connect timeout reported as ETIMEDOUT by connect()',
      Object.assign(new Error('connect ETIMEDOUT 10.0.0.1:443'), {
        code: 'ETIMEDOUT',
        syscall: 'connect',
      }),
      { action: 'retry', reason: 'network:ETIMEDOUT' },
    ],
    [
      "got's TimeoutError in the connect phase",
      Object.assign(new Error("Timeout awaiting 'connect' for 100ms"), {
        name: 'TimeoutError',
        code: 'ETIMEDOUT',
        event: 'connect',
      }),
      { action: 'retry', reason: 'network:timeout-connect' },
    ],
    [
      "got's TimeoutError waiting for the response",
      Object.assign(new Error("Timeout awaiting 'request' for 100ms"), {
        name: 'TimeoutError',
        code: 'ETIMEDOUT',
        event: 'request',
      }),
      { action: 'unknown', reason: 'unclassified' },
    ],
    [
      'a chain holding a reset and a refused connection (the cautious answer)',
      Object.assign(new Error('read ECONNRESET'), {
        code: 'ECONNRESET',
        cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      }),
      { action: 'unknown', reason: 'unclassified' },
    ],
    [
      'a connection reset after sending',
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      { action: 'unknown', reason: 'unclassified' },
    ],
    [
      "undici's TypeError('terminated') (body cut mid-stream)",
      new TypeError('terminated'),
      { action: 'unknown', reason: 'unclassified' },
    ],
    [
      'an AttemptTimeoutError',
      new AttemptTimeoutError({ operation: 'x', attempt: 1, timeoutMs: 5 }),
      { action: 'unknown', reason: 'attempt-timeout' },
    ],
  ])('judges %s', (_name, error, verdict) => {
    expect(defaultClassifier({ ok: false, error })).toEqual(verdict);
  });

  it('gives returned values no verdict', () => {
    expect(defaultClassifier({ ok: true, value: { status: 503 } })).toBeUndefined();
  });

  test.prop([fc.anything()])('never throws on any thrown value', (error) => {
    expect(['retry', 'fail', 'unknown']).toContain(defaultClassifier({ ok: false, error })!.action);
  });
});

describe('classifier lists in retry', () => {
  it('falls back to the default rule when no classifier gives a verdict', async () => {
    const clock = instantClock();
    let calls = 0;
    await retry(
      async () => {
        if (++calls < 3) throw new Error('x');
        return 'ok';
      },
      { clock, classify: [retryIfResult(() => false)] },
    );
    expect(calls).toBe(3);
  });
});

describe("the default rule's verdicts", () => {
  it('are frozen, so a hook cannot change the verdict of later runs', () => {
    const timeout = defaultClassifier({
      ok: false,
      error: new AttemptTimeoutError({ operation: 'op', attempt: 1, timeoutMs: 5 }),
    });
    const refused = defaultClassifier({
      ok: false,
      error: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    expect([timeout, refused].map((v) => Object.isFrozen(v))).toEqual([true, true]);
  });

  it('gives one verdict object per connect-phase code', () => {
    const refused = () =>
      defaultClassifier({
        ok: false,
        error: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      });
    expect(refused()).toBe(refused());
    expect(refused()).toEqual({ action: 'retry', reason: 'network:ECONNREFUSED' });
  });
});
