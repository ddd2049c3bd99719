import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import {
  RetryExhaustedError,
  UnknownOutcomeError,
  constant,
  none,
  onRetry,
  createRetry,
  onUnknownOutcome,
  retry,
  type RunEnd,
  type RunScope,
  type UnknownOutcomeEvent,
  type Verdict,
} from '../../src/index.js';
import { binanceClassifier } from '../../src/binance/index.js';
import { dexClassifier } from '../../src/dex/index.js';
import { hub } from '../../src/core/hub.js';
import { httpClassifier } from '../../src/http/index.js';
import { instantClock } from '../../src/testing/index.js';
import { captureLogger } from '../helpers/log-capture.js';

const unknown: Verdict = { action: 'unknown', reason: 'http:502' };
const alwaysUnknown = () => unknown;
/** Retries every thrown error; returned values are successes. */
const retryErrors = (o: { ok: boolean }): Verdict | undefined =>
  o.ok ? undefined : { action: 'retry', reason: 't' };
const failing = () => Promise.reject(new Error('502 Bad Gateway'));

describe('the loop: cancellation during a later attempt', () => {
  it('returns the value obtained when the caller aborts while attempt 2 runs', async () => {
    const controller = new AbortController();
    const result = await retry(
      async ({ attempt }) => {
        if (attempt === 1) throw new Error('transient');
        controller.abort(new Error('shutting down'));
        return 'filled';
      },
      {
        signal: controller.signal,
        clock: instantClock(),
        classify: retryErrors,
      },
    );
    expect(result).toBe('filled');
  });

  it('rejects with a string abort reason as it was given', async () => {
    const controller = new AbortController();
    const rejection = await retry(
      async ({ attempt }) => {
        if (attempt === 2) controller.abort('SIGINT');
        throw new Error('transient');
      },
      {
        signal: controller.signal,
        clock: instantClock(),
        classify: retryErrors,
      },
    ).catch((e: unknown) => e);
    expect(rejection).toBe('SIGINT');
  });
});

describe('the loop: maxElapsedMs before every attempt', () => {
  it('starts no attempt when a slow onRetry hook used up the budget', async () => {
    const clock = instantClock(0);
    let calls = 0;
    const rejection = await retry(
      async () => {
        calls++;
        throw new Error('transient');
      },
      {
        clock,
        backoff: constant(100),
        maxElapsedMs: 1000,
        classify: retryErrors,
        onRetry: () => clock.advance(950),
      },
    ).catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect(rejection).toBeInstanceOf(RetryExhaustedError);
    expect(rejection).toMatchObject({ reason: 'elapsed', attempts: 1 });
  });

  it.each([
    ['a per-call onRetry hook', false],
    ['a process-wide onRetry listener', true],
  ])('starts no attempt with no delay when %s used up the budget', async (_, processWide) => {
    const clock = instantClock(0);
    const slow = () => clock.advance(1500);
    const stop = processWide ? onRetry(slow) : () => {};
    let calls = 0;
    try {
      const rejection = await retry(
        async () => {
          calls++;
          throw new Error('transient');
        },
        { clock, backoff: none, maxElapsedMs: 1000, ...(processWide ? {} : { onRetry: slow }) },
      ).catch((e: unknown) => e);
      expect(calls).toBe(1);
      expect(rejection).toMatchObject({ reason: 'elapsed', attempts: 1, elapsedMs: 1500 });
    } finally {
      stop();
    }
  });
});

describe('the loop: a backoff that returns nonsense', () => {
  it.each([
    [NaN, 'backoff: expected a number >= 0, got NaN'],
    [-5, 'backoff: expected a number >= 0, got -5'],
    ['100', 'backoff: expected a number >= 0, got "100"'],
    [undefined, 'backoff: expected a number >= 0, got undefined'],
  ])('rejects with a TypeError naming %j', async (delay, message) => {
    const rejection = await retry(failing, {
      clock: instantClock(),
      backoff: () => delay as number,
      classify: retryErrors,
    }).catch((e: unknown) => e);
    expect(rejection).toBeInstanceOf(TypeError);
    expect((rejection as Error).message).toBe(message);
  });
});

describe('the loop: retry(aPromise) by mistake', () => {
  it('rejects with a TypeError and leaves no unhandled rejection behind', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const promise = Promise.reject(new Error('already failed'));
      await expect(retry(promise as never)).rejects.toThrow('fn: expected a function, got {}');
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('unknown outcomes are reported, whatever happens next', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  function heard(): UnknownOutcomeEvent[] {
    const events: UnknownOutcomeEvent[] = [];
    stop = onUnknownOutcome((event) => events.push(event));
    return events;
  }

  it('reports an unreconciled outcome process-wide and to the hook, then rejects', async () => {
    const global = heard();
    const hook: UnknownOutcomeEvent[] = [];
    const error = new Error('502 Bad Gateway');
    const rejection = await retry(() => Promise.reject(error), {
      operation: 'place_order',
      idempotent: false,
      classify: alwaysUnknown,
      clock: instantClock(),
      onUnknownOutcome: (event) => hook.push(event),
    }).catch((e: unknown) => e);
    expect(rejection).toBeInstanceOf(UnknownOutcomeError);
    expect(global).toHaveLength(1);
    expect(global[0]).toMatchObject({
      operation: 'place_order',
      attempt: 1,
      verdict: unknown,
      error,
      resolution: 'unreconciled',
    });
    expect(hook).toEqual(global);
  });

  it('reports an executed outcome and resolves with the reconciled value', async () => {
    const global = heard();
    const result = await retry(failing, {
      idempotent: false,
      classify: alwaysUnknown,
      clock: instantClock(),
      reconcile: () => ({ executed: true, value: 'order-1' }),
    });
    expect(result).toBe('order-1');
    expect(global.map((e) => e.resolution)).toEqual(['executed']);
  });

  it('reports each not-executed outcome and retries', async () => {
    const global = heard();
    const result = await retry(
      async ({ attempt }) => {
        if (attempt < 3) throw new Error('502');
        return 'filled';
      },
      {
        idempotent: false,
        classify: (o) => (o.ok ? undefined : unknown),
        clock: instantClock(),
        reconcile: () => ({ executed: false }),
      },
    );
    expect(result).toBe('filled');
    expect(global.map((e) => [e.attempt, e.resolution])).toEqual([
      [1, 'not-executed'],
      [2, 'not-executed'],
    ]);
  });

  it('reports a reconcile that throws with its error, and rejects with it', async () => {
    const global = heard();
    const lookupFailed = new Error('order lookup failed');
    const rejection = await retry(failing, {
      idempotent: false,
      classify: alwaysUnknown,
      clock: instantClock(),
      reconcile: () => Promise.reject(lookupFailed),
    }).catch((e: unknown) => e);
    expect(rejection).toBe(lookupFailed);
    expect(global).toHaveLength(1);
    expect(global[0]).toMatchObject({
      resolution: 'reconcile-failed',
      reconcileError: lookupFailed,
    });
  });

  it('reports a reconcile answer that is neither executed nor not-executed as reconcile-failed', async () => {
    const global = heard();
    const rejection = await retry(failing, {
      idempotent: false,
      classify: alwaysUnknown,
      clock: instantClock(),
      reconcile: () => ({ found: true }) as never,
    }).catch((e: unknown) => e);
    expect(rejection).toBeInstanceOf(TypeError);
    expect(global[0]?.resolution).toBe('reconcile-failed');
    expect(global[0]?.reconcileError).toBe(rejection);
  });

  it('logs executed and not-executed at warn, unreconciled and reconcile-failed at error', async () => {
    const capture = captureLogger();
    const base = {
      idempotent: false,
      classify: alwaysUnknown,
      clock: instantClock(),
      logger: capture.logger,
    };
    await retry(failing, {
      ...base,
      operation: 'a',
      reconcile: () => ({ executed: true, value: 1 }),
    });
    await retry(failing, { ...base, operation: 'b' }).catch(() => {});
    await retry(failing, {
      ...base,
      operation: 'c',
      reconcile: () => Promise.reject(new Error('x')),
    }).catch(() => {});
    const lines = capture.records().filter((r) => r.resolution !== undefined);
    expect(lines.map((r) => [r.operation, r.level, r.resolution, r.reason, r.attempt])).toEqual([
      ['a', 40, 'executed', 'http:502', 1],
      ['b', 50, 'unreconciled', 'http:502', 1],
      ['c', 50, 'reconcile-failed', 'http:502', 1],
    ]);
  });

  it('reports nothing for an idempotent call, which retries an unknown outcome', async () => {
    const global = heard();
    await retry(failing, { classify: alwaysUnknown, clock: instantClock(), maxAttempts: 2 }).catch(
      () => {},
    );
    expect(global).toEqual([]);
  });

  it('keeps the result when an unknown-outcome listener throws', async () => {
    stop = onUnknownOutcome(() => {
      throw new Error('pager down');
    });
    const capture = captureLogger();
    const result = await retry(failing, {
      idempotent: false,
      classify: alwaysUnknown,
      clock: instantClock(),
      logger: capture.logger,
      reconcile: () => ({ executed: true, value: 'ok' }),
    });
    expect(result).toBe('ok');
    expect(capture.records().some((r) => r.listener === 'onUnknownOutcome listener')).toBe(true);
  });
});

describe('a client that already retried by itself', () => {
  it('logs one warning per operation naming the setting that turns its retries off', async () => {
    const capture = captureLogger();
    const verdict: Verdict = {
      action: 'retry',
      reason: 'aws:SlowDown',
      clientRetried: { attempts: 3, setting: 'maxAttempts: 1' },
    };
    const options = {
      operation: 's3_put_once',
      classify: () => verdict,
      clock: instantClock(),
      logger: capture.logger,
      maxAttempts: 3,
    };
    await retry(failing, options).catch(() => {});
    await retry(failing, options).catch(() => {});
    const warnings = capture.records().filter((r) => r.clientAttempts !== undefined);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      operation: 's3_put_once',
      clientAttempts: 3,
      setting: 'maxAttempts: 1',
    });
    expect(warnings[0]!.msg).toContain('turn its retries off (maxAttempts: 1)');
  });
});

describe('instrumentation', () => {
  afterEach(() => {
    hub.instrumentation = undefined;
  });

  function install() {
    const calls: string[] = [];
    const ends: RunEnd[] = [];
    hub.instrumentation = {
      start(operation): RunScope {
        calls.push(`start ${operation}`);
        return {
          attempt(n, fn) {
            calls.push(`attempt ${n}`);
            return fn();
          },
          retry(event) {
            calls.push(`retry ${event.attempt} ${event.delayMs}`);
          },
          end(end) {
            calls.push(`end ${end.kind}`);
            ends.push(end);
          },
        };
      },
    };
    return { calls, ends };
  }

  it('runs every attempt in the run scope and ends it once', async () => {
    const { calls, ends } = install();
    await retry(
      async ({ attempt }) => {
        if (attempt === 1) throw new Error('transient');
        return 'ok';
      },
      {
        operation: 'get_ticker',
        clock: instantClock(),
        backoff: constant(10),
        classify: retryErrors,
      },
    );
    expect(calls).toEqual(['start get_ticker', 'attempt 1', 'retry 1 10', 'attempt 2', 'end ok']);
    expect(ends[0]).toMatchObject({ kind: 'ok', attempts: 2 });
  });

  it.each([
    ['exhausted', { maxAttempts: 2, classify: retryErrors }],
    ['unknown-outcome', { idempotent: false, classify: alwaysUnknown }],
    ['fail', { classify: () => ({ action: 'fail', reason: 'rejected' }) }],
  ] as const)('ends a run that %s with that kind', async (kind, options) => {
    const { ends } = install();
    await retry(failing, {
      ...options,
      clock: instantClock(),
      backoff: constant(0),
    } as never).catch(() => {});
    expect(ends.map((e) => e.kind)).toEqual([kind]);
  });

  it('keeps the result when the instrumentation throws', async () => {
    hub.instrumentation = {
      start() {
        throw new Error('exporter down');
      },
    };
    await expect(retry(async () => 7, { logger: captureLogger().logger })).resolves.toBe(7);
  });

  it('publishes start, end, asyncStart, asyncEnd and error on the tenacious:run tracing channel', async () => {
    const seen: string[] = [];
    const handlers = Object.fromEntries(
      ['start', 'end', 'asyncStart', 'asyncEnd', 'error'].map((name) => [
        name,
        (message: unknown) => seen.push(`${name} ${(message as { operation: string }).operation}`),
      ]),
    );
    for (const [name, handler] of Object.entries(handlers))
      subscribe(`tracing:tenacious:run:${name}`, handler);
    try {
      await retry(async () => 1, { operation: 'ok_run' });
      await retry(failing, { operation: 'failed_run', maxAttempts: 1 }).catch(() => {});
    } finally {
      for (const [name, handler] of Object.entries(handlers))
        unsubscribe(`tracing:tenacious:run:${name}`, handler);
    }
    expect(seen).toEqual([
      'start ok_run',
      'end ok_run',
      'asyncStart ok_run',
      'asyncEnd ok_run',
      'start failed_run',
      'end failed_run',
      'error failed_run',
      'asyncStart failed_run',
      'asyncEnd failed_run',
    ]);
  });
});

describe('an uncalled classifier factory', () => {
  it.each([
    [
      { classify: httpClassifier },
      'classify: expected a Classifier (call httpClassifier() to make one), got function httpClassifier',
    ],
    [
      { classify: [httpClassifier(), binanceClassifier] },
      'classify[1]: expected a Classifier (call binanceClassifier() to make one), got function binanceClassifier',
    ],
  ])('is refused before the first attempt, saying to call it', async (options, message) => {
    let calls = 0;
    const rejection = await retry(async () => calls++, options as never).catch((e: unknown) => e);
    expect(rejection).toBeInstanceOf(TypeError);
    expect((rejection as Error).message).toBe(message);
    expect(calls).toBe(0);
  });

  it('is refused by createRetry at definition time', () => {
    expect(() => createRetry({ classify: dexClassifier as never })).toThrow(
      'classify: expected a Classifier (call dexClassifier() to make one), got function dexClassifier',
    );
  });
});
