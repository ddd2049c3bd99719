import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AttemptTimeoutError,
  RetryExhaustedError,
  UnknownOutcomeError,
  constant,
  exponential,
  failOn,
  none,
  onExhausted,
  onRetry,
  retry,
  retryIfResult,
  retryOn,
  sequence,
  type AttemptContext,
  type ReconcileContext,
  type ExhaustedEvent,
  type RetryEvent,
  type Verdict,
} from '../../src/index.js';
import { instantClock } from '../../src/testing/index.js';
import { captureLogger } from '../helpers/log-capture.js';
import { captureWarnings } from '../helpers/warnings.js';

/** A function failing `failures` times with `error`, then returning `value`. */
function flaky<T>(failures: number, value: T, error: unknown = new Error('transient')) {
  const calls: AttemptContext[] = [];
  const fn = async (ctx: AttemptContext) => {
    calls.push({ ...ctx });
    if (calls.length <= failures) throw error;
    return value;
  };
  return { fn, calls };
}

const retryAfter =
  (ms: number) =>
  (o: { ok: boolean }): Verdict | undefined =>
    o.ok ? undefined : { action: 'retry', reason: 'test:retry-after', retryAfterMs: ms };

describe('retry: success and attempts', () => {
  it('resolves with the first attempt value without sleeping', async () => {
    const clock = instantClock();
    const { fn, calls } = flaky(0, 'ok');
    await expect(retry(fn, { clock })).resolves.toBe('ok');
    expect(calls).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('retries transient errors and resolves with the later value', async () => {
    const clock = instantClock();
    const { fn, calls } = flaky(2, 'ok');
    await expect(retry(fn, { clock, backoff: constant(10) })).resolves.toBe('ok');
    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(clock.sleeps).toEqual([10, 10]);
  });

  it('makes 4 attempts by default, then rejects with RetryExhaustedError', async () => {
    const clock = instantClock(0);
    const error = new Error('down');
    const { fn, calls } = flaky(Infinity, 'never', error);
    const rejection = await retry(fn, { clock, operation: 'get_ticker' }).catch((e: unknown) => e);
    expect(calls).toHaveLength(4);
    expect(rejection).toBeInstanceOf(RetryExhaustedError);
    const ex = rejection as RetryExhaustedError;
    expect(ex.name).toBe('RetryExhaustedError');
    expect(ex.operation).toBe('get_ticker');
    expect(ex.attempts).toBe(4);
    expect(ex.reason).toBe('attempts');
    expect(ex.cause).toBe(error);
    expect(ex.value).toBeUndefined();
    expect(ex.elapsedMs).toBeCloseTo(
      clock.sleeps.reduce((a, b) => a + b, 0),
      6,
    );
  });

  it('uses the default backoff: 1 s doubling with ±20 % jitter', async () => {
    const clock = instantClock();
    const { fn } = flaky(Infinity, 0);
    await retry(fn, { clock, random: () => 0.5 }).catch(() => {});
    expect(clock.sleeps).toEqual([1000, 2000, 4000]);
    const low = instantClock();
    await retry(fn, { clock: low, random: () => 0 }).catch(() => {});
    expect(low.sleeps).toEqual([800, 1600, 3200]);
  });

  it('passes attempt, elapsedMs and lastError to every attempt', async () => {
    const clock = instantClock();
    const errors = [new Error('a'), new Error('b')];
    const calls: AttemptContext[] = [];
    await retry(
      async (ctx) => {
        calls.push({ ...ctx });
        if (ctx.attempt <= 2) throw errors[ctx.attempt - 1];
        return 'ok';
      },
      { clock, backoff: sequence([100, 250]) },
    );
    expect(calls.map((c) => [c.attempt, c.elapsedMs, c.lastError])).toEqual([
      [1, 0, undefined],
      [2, 100, errors[0]],
      [3, 350, errors[1]],
    ]);
    expect(calls.every((c) => c.signal instanceof AbortSignal && !c.signal.aborted)).toBe(true);
  });

  it('tells every attempt what is left of maxElapsedMs as remainingMs', async () => {
    const clock = instantClock();
    const remaining: number[] = [];
    await retry(
      async (ctx) => {
        remaining.push(ctx.remainingMs);
        if (ctx.attempt <= 2) throw new Error('again');
        return 'ok';
      },
      { clock, backoff: sequence([100, 250]), maxElapsedMs: 1000 },
    );
    expect(remaining).toEqual([1000, 900, 650]);
  });

  it('gives remainingMs Infinity without maxElapsedMs', async () => {
    let remainingMs = 0;
    await retry((ctx) => {
      remainingMs = ctx.remainingMs;
    });
    expect(remainingMs).toBe(Infinity);
  });

  it('accepts maxAttempts: Infinity', async () => {
    const clock = instantClock();
    const { fn, calls } = flaky(50, 'ok');
    await expect(retry(fn, { clock, maxAttempts: Infinity, backoff: none })).resolves.toBe('ok');
    expect(calls).toHaveLength(51);
  });

  it('makes exactly one attempt with maxAttempts: 1', async () => {
    const clock = instantClock();
    const { fn, calls } = flaky(Infinity, 'x');
    await expect(retry(fn, { clock, maxAttempts: 1 })).rejects.toMatchObject({
      attempts: 1,
      reason: 'attempts',
    });
    expect(calls).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('names the operation after fn when no operation is given', async () => {
    const clock = instantClock();
    async function fetchBalance(): Promise<never> {
      throw new Error('x');
    }
    await expect(retry(fetchBalance, { clock, maxAttempts: 1 })).rejects.toMatchObject({
      operation: 'fetchBalance',
    });
    await expect(
      retry(async () => Promise.reject(new Error('x')), { clock, maxAttempts: 1 }),
    ).rejects.toMatchObject({
      operation: 'anonymous',
    });
  });
});

describe('retry: classification', () => {
  it('rejects at once with the original error on a fail verdict, without exhaustion', async () => {
    const clock = instantClock();
    class Rejected extends Error {}
    const error = new Rejected('insufficient funds');
    const exhausted = vi.fn();
    const { fn, calls } = flaky(Infinity, 'x', error);
    await expect(
      retry(fn, { clock, classify: failOn(Rejected), onExhausted: exhausted }),
    ).rejects.toBe(error);
    expect(calls).toHaveLength(1);
    expect(exhausted).not.toHaveBeenCalled();
  });

  it('fails a non-network TypeError by default, like p-retry', async () => {
    const clock = instantClock();
    const error = new TypeError('x is not a function');
    const { fn, calls } = flaky(Infinity, 'x', error);
    await expect(retry(fn, { clock })).rejects.toBe(error);
    expect(calls).toHaveLength(1);
  });

  it("retries a network TypeError ('fetch failed') by default", async () => {
    const clock = instantClock();
    const { fn, calls } = flaky(1, 'ok', new TypeError('fetch failed'));
    await expect(retry(fn, { clock })).resolves.toBe('ok');
    expect(calls).toHaveLength(2);
  });

  it('takes the first verdict of a classifier list', async () => {
    const clock = instantClock();
    const error = new RangeError('boom');
    const { fn, calls } = flaky(Infinity, 'x', error);
    await expect(
      retry(fn, { clock, classify: [() => undefined, failOn(RangeError), retryOn(Error)] }),
    ).rejects.toBe(error);
    expect(calls).toHaveLength(1);
  });

  it('retries a returned value with a retry verdict and resolves with a later one', async () => {
    const clock = instantClock();
    let n = 0;
    const result = await retry(async () => ({ status: ++n < 3 ? 'PENDING' : 'FILLED' }), {
      clock,
      backoff: constant(5),
      classify: retryIfResult((order: { status: string }) => order.status === 'PENDING'),
    });
    expect(result).toEqual({ status: 'FILLED' });
    expect(clock.sleeps).toEqual([5, 5]);
  });

  it('rejects with RetryExhaustedError carrying the last value when retries run out on a value', async () => {
    const clock = instantClock();
    const rejection = await retry(async () => 'PENDING', {
      clock,
      maxAttempts: 2,
      classify: retryIfResult(() => true),
    }).catch((e: unknown) => e);
    expect(rejection).toBeInstanceOf(RetryExhaustedError);
    expect(rejection).toMatchObject({ attempts: 2, value: 'PENDING', cause: undefined });
  });

  it('resolves with the last value when retries run out on a value with reraise', async () => {
    const clock = instantClock();
    await expect(
      retry(async () => 'PENDING', {
        clock,
        maxAttempts: 2,
        reraise: true,
        classify: retryIfResult(() => true),
      }),
    ).resolves.toBe('PENDING');
  });

  it('resolves a value that has a fail verdict', async () => {
    const clock = instantClock();
    await expect(
      retry(async () => 'REJECTED', { clock, classify: () => ({ action: 'fail', reason: 'x' }) }),
    ).resolves.toBe('REJECTED');
  });

  it('classifies a thrown string as it was thrown and rejects with it unchanged', async () => {
    const clock = instantClock();
    const seen: unknown[] = [];
    const rejection = await retry(
      async () => {
        throw 'request could not be built';
      },
      {
        clock,
        classify: (o) => {
          if (!o.ok) seen.push(o.error);
          return { action: 'fail', reason: 'string' };
        },
      },
    ).catch((e: unknown) => e);
    expect(seen).toEqual(['request could not be built']);
    expect(rejection).toBe('request could not be built');
  });

  it('retries a thrown plain object and reraises it as it was thrown', async () => {
    const clock = instantClock();
    const thrown = { code: -1003, message: 'Too many requests' };
    const { fn, calls } = flaky(Infinity, 'x', thrown);
    await expect(retry(fn, { clock, reraise: true })).rejects.toBe(thrown);
    expect(calls).toHaveLength(4);
  });

  it('rejects with a TypeError naming the problem when a classifier throws', async () => {
    const clock = instantClock();
    const rejection = await retry(
      async () => {
        throw new Error('x');
      },
      {
        clock,
        classify: () => {
          throw new Error('bug in classifier');
        },
      },
    ).catch((e: unknown) => e);
    expect(rejection).toBeInstanceOf(TypeError);
    expect((rejection as Error).message).toMatch(/^classify: a classifier threw/);
  });
});

describe('retry: delays and Retry-After', () => {
  it('waits the larger of the backoff and the verdict retryAfterMs', async () => {
    const clock = instantClock();
    const { fn } = flaky(2, 'ok');
    let n = 0;
    await retry(fn, {
      clock,
      backoff: constant(500),
      classify: (o) =>
        o.ok ? undefined : { action: 'retry', reason: 'x', retryAfterMs: n++ === 0 ? 2000 : 100 },
    });
    expect(clock.sleeps).toEqual([2000, 500]);
  });

  it('ends the run without sleeping when retryAfterMs exceeds maxRetryAfterMs', async () => {
    const clock = instantClock();
    const events: ExhaustedEvent[] = [];
    const { fn, calls } = flaky(Infinity, 'x');
    const rejection = await retry(fn, {
      clock,
      classify: retryAfter(120_000),
      maxRetryAfterMs: 60_000,
      onExhausted: (e) => events.push(e),
    }).catch((e: unknown) => e);
    expect(rejection).toMatchObject({
      name: 'RetryExhaustedError',
      reason: 'retry-after-too-long',
      attempts: 1,
    });
    expect(calls).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
    expect(events).toHaveLength(1);
    expect(events[0]!.reason).toBe('retry-after-too-long');
  });

  it('sleeps a retryAfterMs equal to maxRetryAfterMs', async () => {
    const clock = instantClock();
    const { fn } = flaky(1, 'ok');
    await retry(fn, { clock, backoff: none, classify: retryAfter(60_000) });
    expect(clock.sleeps).toEqual([60_000]);
  });

  it('clamps delays to 2^31-1 ms', async () => {
    const clock = instantClock();
    const { fn } = flaky(1, 'ok');
    await retry(fn, { clock, backoff: constant(1e12) });
    expect(clock.sleeps).toEqual([2 ** 31 - 1]);
  });

  it('hands the backoff the retry number and the previous delay slept', async () => {
    const clock = instantClock();
    const seen: [number, number][] = [];
    const { fn } = flaky(3, 'ok');
    await retry(fn, {
      clock,
      backoff: ({ retry: r, previousDelayMs }) => {
        seen.push([r, previousDelayMs]);
        return r * 10;
      },
    });
    expect(seen).toEqual([
      [1, 0],
      [2, 10],
      [3, 20],
    ]);
  });
});

describe('retry: maxElapsedMs', () => {
  it('never sleeps a delay that would end after the budget', async () => {
    const clock = instantClock();
    const { fn, calls } = flaky(Infinity, 'x');
    const rejection = await retry(fn, {
      clock,
      maxAttempts: 10,
      backoff: exponential({ initial: 100 }),
      maxElapsedMs: 1000,
    }).catch((e: unknown) => e);
    // 100 + 200 + 400 = 700; the next 800 would end at 1500 > 1000.
    expect(clock.sleeps).toEqual([100, 200, 400]);
    expect(calls).toHaveLength(4);
    expect(rejection).toMatchObject({ reason: 'elapsed', attempts: 4 });
  });

  it('starts no attempt after the budget when attempts themselves take time', async () => {
    const clock = instantClock();
    const starts: number[] = [];
    const rejection = await retry(
      async (ctx) => {
        starts.push(ctx.elapsedMs);
        clock.advance(400);
        throw new Error('slow failure');
      },
      { clock, maxAttempts: 10, backoff: constant(100), maxElapsedMs: 1000 },
    ).catch((e: unknown) => e);
    // Attempts start at 0, 500 and 1000 (exactly at the budget, not after it); the next would start at 1500.
    expect(starts).toEqual([0, 500, 1000]);
    expect(rejection).toMatchObject({ reason: 'elapsed', attempts: 3 });
  });
});

describe('retry: cancellation', () => {
  it('rejects at once with signal.reason when aborted during a delay, and starts no further attempt', async () => {
    const controller = new AbortController();
    const reason = new Error('shutting down');
    const clock = {
      now: () => 0,
      sleep: (_ms: number, signal?: AbortSignal) =>
        new Promise<void>((_, reject) => {
          signal!.addEventListener('abort', () => reject(signal!.reason));
          controller.abort(reason);
        }),
    };
    const { fn, calls } = flaky(Infinity, 'x');
    await expect(retry(fn, { clock, signal: controller.signal })).rejects.toBe(reason);
    expect(calls).toHaveLength(1);
  });

  it('aborts a real-time delay at once', async () => {
    // The delay is a minute, longer than the test timeout: only an abort that ends it passes.
    const controller = new AbortController();
    const { fn, calls } = flaky(Infinity, 'x');
    const run = retry(fn, {
      signal: controller.signal,
      backoff: constant(60_000),
      onRetry: () => void setImmediate(() => controller.abort(new Error('stop'))),
    });
    await expect(run).rejects.toThrow('stop');
    expect(calls).toHaveLength(1);
  });

  it('rejects with signal.reason without calling fn when already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('already'));
    const fn = vi.fn(async () => 'x');
    await expect(retry(fn, { signal: controller.signal })).rejects.toThrow('already');
    expect(fn).not.toHaveBeenCalled();
  });

  it('hands the caller signal to attempts', async () => {
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    await retry(
      async ({ signal }) => {
        seen = signal;
      },
      { signal: controller.signal },
    );
    expect(seen).toBe(controller.signal);
  });

  it('lets many concurrent attempts listen on ctx.signal without a caller signal, and no MaxListenersExceededWarning', async () => {
    // Clients (axios, got, fetch) add an 'abort' listener to the signal they are given for each
    // request in flight. Without a caller signal every run shares one never-aborting signal, so
    // a service with more than ten requests in flight must not be warned of a leak.
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => void warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const inFlight = Array.from({ length: 25 }, () =>
        retry(
          ({ signal }) =>
            new Promise<string>((resolve) => {
              const onAbort = () => {};
              signal.addEventListener('abort', onAbort);
              setImmediate(() => {
                signal.removeEventListener('abort', onAbort);
                resolve('ok');
              });
            }),
        ),
      );
      await expect(Promise.all(inFlight)).resolves.toHaveLength(25);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
  });

  it('hands attempts a signal that getMaxListeners can read, as undici fetch does', async () => {
    const limits: number[] = [];
    await retry(({ signal }) => {
      limits.push(EventEmitter.getMaxListeners(signal));
    });
    // Above Node's default of 10 (undici may since have raised it to its own 1500).
    expect(limits).toHaveLength(1);
    expect(limits[0]).toBeGreaterThan(10);
  });
});

describe('retry: attemptTimeoutMs', () => {
  it('fails an attempt that ignores its signal with AttemptTimeoutError and aborts ctx.signal', async () => {
    const clock = instantClock();
    const signals: AbortSignal[] = [];
    const rejection = await retry(
      (ctx) => {
        signals.push(ctx.signal);
        return new Promise<never>(() => {});
      },
      { clock, attemptTimeoutMs: 10, maxAttempts: 2, operation: 'slow' },
    ).catch((e: unknown) => e);
    expect(rejection).toBeInstanceOf(RetryExhaustedError);
    const cause = (rejection as RetryExhaustedError).cause;
    expect(cause).toBeInstanceOf(AttemptTimeoutError);
    expect(cause).toMatchObject({
      name: 'AttemptTimeoutError',
      operation: 'slow',
      attempt: 2,
      timeoutMs: 10,
    });
    expect(signals).toHaveLength(2);
    expect(signals.every((s) => s.aborted && s.reason instanceof AttemptTimeoutError)).toBe(true);
  });

  it('gives a timed-out attempt an unknown verdict, so a non-idempotent run does not resend', async () => {
    const clock = instantClock();
    let calls = 0;
    const rejection = await retry(
      () => {
        calls++;
        return new Promise<never>(() => {});
      },
      { clock, attemptTimeoutMs: 5, idempotent: false },
    ).catch((e: unknown) => e);
    expect(rejection).toBeInstanceOf(UnknownOutcomeError);
    expect((rejection as UnknownOutcomeError).cause).toBeInstanceOf(AttemptTimeoutError);
    expect(calls).toBe(1);
  });

  it('absorbs the late rejection of an abandoned attempt', async () => {
    const clock = instantClock();
    let late: Promise<void> | undefined;
    await retry(
      (ctx) => {
        if (ctx.attempt === 1) {
          late = new Promise<void>((_, reject) => setTimeout(() => reject(new Error('late')), 30));
          return late;
        }
        return Promise.resolve();
      },
      { clock, attemptTimeoutMs: 10 },
    );
    await expect(late).rejects.toThrow('late');
  });

  it('resolves an attempt that finishes in time', async () => {
    await expect(retry(async () => 'fast', { attemptTimeoutMs: 1000 })).resolves.toBe('fast');
  });
});

describe('retry: unknown outcomes', () => {
  const unknown = (o: { ok: boolean }): Verdict | undefined =>
    o.ok ? undefined : { action: 'unknown', reason: 'http:503' };

  it('retries an unknown verdict when idempotent (the default)', async () => {
    const clock = instantClock();
    const { fn, calls } = flaky(1, 'ok');
    await expect(retry(fn, { clock, classify: unknown })).resolves.toBe('ok');
    expect(calls).toHaveLength(2);
  });

  it('rejects with UnknownOutcomeError when not idempotent and no reconcile is given', async () => {
    const clock = instantClock();
    const error = new Error('503 Unknown error');
    const { fn, calls } = flaky(Infinity, 'x', error);
    const rejection = await retry(fn, {
      clock,
      classify: unknown,
      idempotent: false,
      operation: 'place_order',
    }).catch((e: unknown) => e);
    expect(rejection).toBeInstanceOf(UnknownOutcomeError);
    expect(rejection).toMatchObject({
      name: 'UnknownOutcomeError',
      operation: 'place_order',
      attempt: 1,
      cause: error,
    });
    expect(calls).toHaveLength(1);
  });

  it('resolves with the reconciled value when reconcile finds the order executed', async () => {
    const clock = instantClock();
    const { fn, calls } = flaky(Infinity, 'x');
    const reconcile = vi.fn(async (_ctx: ReconcileContext) => ({
      executed: true as const,
      value: 'order-42',
    }));
    await expect(
      retry(fn, { clock, classify: unknown, idempotent: false, reconcile }),
    ).resolves.toBe('order-42');
    expect(calls).toHaveLength(1);
    expect(reconcile).toHaveBeenCalledTimes(1);
    expect(reconcile.mock.calls[0]![0]).toMatchObject({
      attempt: 1,
      verdict: { action: 'unknown' },
    });
  });

  it('retries when reconcile finds the order was not executed', async () => {
    const clock = instantClock();
    const { fn, calls } = flaky(1, 'placed');
    const reconcile = vi.fn(async () => ({ executed: false as const }));
    await expect(
      retry(fn, { clock, classify: unknown, idempotent: false, reconcile }),
    ).resolves.toBe('placed');
    expect(calls).toHaveLength(2);
    expect(reconcile).toHaveBeenCalledTimes(1);
  });

  it('rejects with the error reconcile throws', async () => {
    const clock = instantClock();
    const lookupFailed = new Error('lookup failed');
    const { fn } = flaky(Infinity, 'x');
    await expect(
      retry(fn, {
        clock,
        classify: unknown,
        idempotent: false,
        reconcile: async () => {
          throw lookupFailed;
        },
      }),
    ).rejects.toBe(lookupFailed);
  });
});

describe('retry: hooks, events and faults', () => {
  afterEach(() => vi.restoreAllMocks());

  it('fires onRetry before each delay with the event fields', async () => {
    const clock = instantClock();
    const error = new Error('x');
    const events: RetryEvent[] = [];
    const { fn } = flaky(2, 'ok', error);
    await retry(fn, {
      clock,
      operation: 'op',
      backoff: constant(7),
      onRetry: (e) => events.push({ ...e }),
    });
    expect(events).toEqual([
      {
        operation: 'op',
        attempt: 1,
        maxAttempts: 4,
        delayMs: 7,
        verdict: { action: 'unknown', reason: 'unclassified' },
        error,
        elapsedMs: 0,
      },
      {
        operation: 'op',
        attempt: 2,
        maxAttempts: 4,
        delayMs: 7,
        verdict: { action: 'unknown', reason: 'unclassified' },
        error,
        elapsedMs: 7,
      },
    ]);
  });

  it('notifies process-wide subscribers and stops after unsubscribe', async () => {
    const clock = instantClock();
    const retries: RetryEvent[] = [];
    const exhausted: ExhaustedEvent[] = [];
    const stopRetry = onRetry((e) => retries.push(e));
    const stopExhausted = onExhausted((e) => exhausted.push(e));
    const { fn } = flaky(Infinity, 'x');
    await retry(fn, { clock, maxAttempts: 2, operation: 'a' }).catch(() => {});
    stopRetry();
    stopExhausted();
    await retry(fn, { clock, maxAttempts: 2, operation: 'b' }).catch(() => {});
    expect(retries.map((e) => e.operation)).toEqual(['a']);
    expect(exhausted.map((e) => [e.operation, e.attempts, e.reason])).toEqual([
      ['a', 2, 'attempts'],
    ]);
  });

  it('runs exhaustion listeners before the promise rejects', async () => {
    const clock = instantClock();
    const order: string[] = [];
    const { fn } = flaky(Infinity, 'x');
    await retry(fn, { clock, maxAttempts: 1, onExhausted: () => order.push('listener') }).catch(
      () => order.push('rejected'),
    );
    expect(order).toEqual(['listener', 'rejected']);
  });

  it('fires onSuccess with the attempts made', async () => {
    const clock = instantClock();
    const onSuccess = vi.fn();
    const { fn } = flaky(1, 'ok');
    await retry(fn, { clock, operation: 'op', backoff: constant(3), onSuccess });
    expect(onSuccess).toHaveBeenCalledWith({
      operation: 'op',
      attempts: 2,
      elapsedMs: 3,
      value: 'ok',
    });
  });

  it('keeps the result when hooks, listeners and the logger throw or reject', async () => {
    const warnings = captureWarnings();
    const clock = instantClock();
    const broken = () => {
      throw new Error('listener bug');
    };
    const rejecting = () => Promise.reject(new Error('async listener bug'));
    const stop = [onRetry(broken), onExhausted(rejecting)];
    const logger = { warn: broken, error: broken, debug: broken };
    const { fn } = flaky(1, 'ok');
    await expect(retry(fn, { clock, logger, onRetry: rejecting, onSuccess: broken })).resolves.toBe(
      'ok',
    );
    const failing = flaky(Infinity, 'x');
    const rejection = await retry(failing.fn, {
      clock,
      maxAttempts: 2,
      logger,
      onExhausted: broken,
    }).catch((e: unknown) => e);
    expect(rejection).toBeInstanceOf(RetryExhaustedError);
    stop.forEach((s) => s());
    // Where a failure has no logger to go to (the logger itself failing), it is a process warning.
    await vi.waitFor(() => expect(warnings.length).toBeGreaterThan(0));
    for (const w of warnings) expect(w.message).toMatch(/^tenacious: .+ failed: .*listener bug/);
  });

  it('logs a listener fault to the run logger', async () => {
    const clock = instantClock();
    const { logger, records } = captureLogger();
    const { fn } = flaky(1, 'ok');
    await retry(fn, {
      clock,
      logger,
      onRetry: () => {
        throw new Error('hook bug');
      },
    });
    const fault = records().find((r) => r.listener === 'onRetry hook');
    expect(fault).toMatchObject({ level: 50, err: { type: 'Error', message: 'hook bug' } });
  });
});

describe('retry: invalid options', () => {
  it.each([
    [{ maxAttempts: -1 }, RangeError, 'maxAttempts: expected an integer >= 1 or Infinity, got -1'],
    [{ maxAttempts: 0 }, RangeError, 'maxAttempts: expected an integer >= 1 or Infinity, got 0'],
    [
      { maxAttempts: 1.5 },
      RangeError,
      'maxAttempts: expected an integer >= 1 or Infinity, got 1.5',
    ],
    [{ maxAttempts: '3' }, TypeError, 'maxAttempts: expected an integer >= 1 or Infinity, got "3"'],
    [
      { maxAttempts: NaN },
      RangeError,
      'maxAttempts: expected an integer >= 1 or Infinity, got NaN',
    ],
    [{ backoff: 100 }, TypeError, 'backoff: expected a Backoff function, got 100'],
    [{ maxElapsedMs: -5 }, RangeError, 'maxElapsedMs: expected a number >= 0 or Infinity, got -5'],
    [
      { attemptTimeoutMs: 0 },
      RangeError,
      'attemptTimeoutMs: expected a number > 0 and <= 2147483647, got 0',
    ],
    [{ idempotent: 'no' }, TypeError, 'idempotent: expected a boolean, got "no"'],
    [
      { classify: [() => undefined, 3] },
      TypeError,
      'classify[1]: expected a Classifier function, got 3',
    ],
    [
      { classify: 42 },
      TypeError,
      'classify: expected a Classifier function or an array of them, got 42',
    ],
    [
      { logger: {} },
      TypeError,
      'logger: expected a logger with warn, error and debug methods, got {}',
    ],
    [{ signal: {} }, TypeError, 'signal: expected an AbortSignal, got {}'],
    [{ maxAttempt: 3 }, TypeError, 'unknown option "maxAttempt" (did you mean "maxAttempts"?)'],
  ])('rejects %j with a named error', async (options, ErrorClass, message) => {
    const fn = vi.fn(async () => 'x');
    const rejection = await retry(fn, options as never).catch((e: unknown) => e);
    expect(rejection).toBeInstanceOf(ErrorClass);
    expect((rejection as Error).message).toContain(message);
    expect(fn).not.toHaveBeenCalled();
  });

  it('rejects a non-function fn', async () => {
    await expect(retry(42 as never)).rejects.toThrow('fn: expected a function, got 42');
  });
});
