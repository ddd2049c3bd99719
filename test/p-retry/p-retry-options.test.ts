import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { readFileSync, readdirSync } from 'node:fs';
import pRetry, { AbortError, makeRetriable, type Options } from 'p-retry';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  constant,
  exponential,
  failOn,
  none,
  onExhausted,
  onRetry,
  retryOn,
  sequence,
  UnknownOutcomeError,
  unknownOn,
  type Backoff,
  type ExhaustedEvent,
  type Outcome,
  type RetryEvent,
} from '../../src/index.js';
import { onUnknownOutcome } from '../../src/core/hub.js';
import { pRetryOptions } from '../../src/p-retry/index.js';
import type { UnknownOutcomeEvent } from '../../src/core/types.js';
import { instantClock, useInstantRetries, type InstantClock } from '../../src/testing/index.js';
import { captureLogger } from '../helpers/log-capture.js';
import { captureWarnings } from '../helpers/warnings.js';

class Transient extends Error {}
class Rejected extends Error {}
class Timeout extends Error {}
class RateLimited extends Error {
  constructor(readonly retryAfterMs: number) {
    super('429 Too Many Requests');
  }
}
const rateLimited = (outcome: Outcome) =>
  !outcome.ok && outcome.error instanceof RateLimited
    ? { action: 'retry' as const, reason: 'http:429', retryAfterMs: outcome.error.retryAfterMs }
    : undefined;

/** An attempt function failing with `errors` in turn (the last repeats), counting calls. */
function failing(...errors: Error[]) {
  const fn = async () => {
    fn.calls++;
    throw errors[Math.min(fn.calls, errors.length) - 1];
  };
  fn.calls = 0;
  return fn;
}

let clock: InstantClock;
const stops: (() => void)[] = [];
beforeEach(() => {
  clock = instantClock();
});
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

describe('pRetryOptions', () => {
  it('retries a retryable failure on its backoff, slept on the clock', async () => {
    const fn = failing(new Transient('down'));
    const error = await pRetry(
      fn,
      pRetryOptions({ maxAttempts: 4, backoff: exponential({ initial: 100 }), clock }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Transient);
    expect(fn.calls).toBe(4);
    expect(clock.sleeps).toEqual([100, 200, 400]);
  });

  it('sleeps on the clock useInstantRetries() installs when given none', async () => {
    const restore = useInstantRetries();
    try {
      await pRetry(
        failing(new Transient('down')),
        pRetryOptions({ maxAttempts: 3, backoff: constant(60_000) }),
      ).catch(() => {});
      expect((restore.clock as InstantClock).sleeps).toEqual([60_000, 60_000]);
    } finally {
      restore();
    }
  });

  it('resolves with the value once an attempt succeeds', async () => {
    let calls = 0;
    const value = await pRetry(
      async () => {
        if (++calls < 3) throw new Transient('down');
        return 'ok';
      },
      pRetryOptions({ backoff: constant(10), clock }),
    );
    expect(value).toBe('ok');
    expect(clock.sleeps).toEqual([10, 10]);
  });

  it('stops at once on a fail verdict, rejecting with the original error', async () => {
    const fn = failing(new Rejected('insufficient balance'));
    const retries: RetryEvent[] = [];
    stops.push(onRetry((event) => retries.push(event)));
    const error = await pRetry(fn, pRetryOptions({ classify: failOn(Rejected), clock })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Rejected);
    expect(fn.calls).toBe(1);
    expect(clock.sleeps).toEqual([]);
    expect(retries).toEqual([]);
  });

  it("still stops on p-retry's AbortError, before any classifier or event", async () => {
    const original = new Transient('stop');
    const retries: RetryEvent[] = [];
    stops.push(onRetry((event) => retries.push(event)));
    let calls = 0;
    const error = await pRetry(async () => {
      calls++;
      throw new AbortError(original);
    }, pRetryOptions({ clock })).catch((e: unknown) => e);
    expect(error).toBe(original);
    expect(calls).toBe(1);
    expect(retries).toEqual([]);
  });

  it('fails a non-network TypeError at once, as the default rule says', async () => {
    const fn = failing(new TypeError('undefined is not a function'));
    await expect(pRetry(fn, pRetryOptions({ clock }))).rejects.toThrow(TypeError);
    expect(fn.calls).toBe(1);
  });

  it('retries a non-network TypeError that a classifier calls retryable', async () => {
    const fn = failing(new TypeError('flaky'));
    await expect(
      pRetry(
        fn,
        pRetryOptions({
          classify: retryOn(TypeError),
          maxAttempts: 3,
          backoff: constant(5),
          clock,
        }),
      ),
    ).rejects.toThrow('flaky');
    expect(fn.calls).toBe(3);
    expect(clock.sleeps).toEqual([5, 5]);
  });

  it('stops on a non-network TypeError under p-retry 8 and later, which would not retry it', async () => {
    const retries: RetryEvent[] = [];
    stops.push(onRetry((event) => retries.push(event)));
    const error = new TypeError('flaky');
    const { onFailedAttempt } = pRetryOptions({ classify: retryOn(TypeError), clock });
    // p-retry 8+ contexts carry `retryDelay`.
    const context = { error, attemptNumber: 1, retriesLeft: 3, retriesConsumed: 0, retryDelay: 0 };
    await expect(onFailedAttempt(context)).rejects.toBe(error);
    expect(retries).toEqual([]);
  });

  it('rejects an unknown outcome of a non-idempotent call with UnknownOutcomeError', async () => {
    const fn = failing(new Timeout('socket hang up after sending'));
    const events: UnknownOutcomeEvent[] = [];
    stops.push(onUnknownOutcome((event) => events.push(event)));
    const error = await pRetry(
      fn,
      pRetryOptions({
        operation: 'place_order',
        classify: unknownOn(Timeout),
        idempotent: false,
        clock,
      }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownOutcomeError);
    expect(error).toMatchObject({ operation: 'place_order', attempt: 1 });
    expect((error as Error).cause).toBeInstanceOf(Timeout);
    expect(fn.calls).toBe(1);
    expect(events).toMatchObject([
      {
        operation: 'place_order',
        attempt: 1,
        resolution: 'unreconciled',
        verdict: { action: 'unknown' },
      },
    ]);
  });

  it('calls the per-call onUnknownOutcome hook', async () => {
    const events: UnknownOutcomeEvent[] = [];
    await pRetry(
      failing(new Timeout('timeout')),
      pRetryOptions({
        classify: unknownOn(Timeout),
        idempotent: false,
        clock,
        onUnknownOutcome: (event) => void events.push(event),
      }),
    ).catch(() => {});
    expect(events).toMatchObject([{ attempt: 1, resolution: 'unreconciled' }]);
  });

  it('publishes retries on the tenacious:retry diagnostics channel', async () => {
    const published: unknown[] = [];
    const listener = (message: unknown) => void published.push(message);
    subscribe('tenacious:retry', listener);
    try {
      await pRetry(
        failing(new Transient('down')),
        pRetryOptions({ operation: 'traced', maxAttempts: 2, backoff: none, clock }),
      ).catch(() => {});
    } finally {
      unsubscribe('tenacious:retry', listener);
    }
    expect(published).toMatchObject([{ operation: 'traced', attempt: 1 }]);
  });

  it('retries an unknown outcome of an idempotent call', async () => {
    const fn = failing(new Timeout('read timed out'));
    await expect(
      pRetry(
        fn,
        pRetryOptions({ classify: unknownOn(Timeout), maxAttempts: 3, backoff: none, clock }),
      ),
    ).rejects.toThrow(Timeout);
    expect(fn.calls).toBe(3);
  });

  it('waits the Retry-After when it is longer than the backoff', async () => {
    const fn = failing(new RateLimited(5000), new Transient('down'));
    await pRetry(
      fn,
      pRetryOptions({ classify: rateLimited, maxAttempts: 3, backoff: constant(100), clock }),
    ).catch(() => {});
    expect(clock.sleeps).toEqual([5000, 100]);
  });

  it('waits the backoff when it is longer than the Retry-After', async () => {
    const fn = failing(new RateLimited(50));
    await pRetry(
      fn,
      pRetryOptions({ classify: rateLimited, maxAttempts: 2, backoff: constant(100), clock }),
    ).catch(() => {});
    expect(clock.sleeps).toEqual([100]);
  });

  it('gives up on a Retry-After above maxRetryAfterMs without sleeping', async () => {
    const fn = failing(new RateLimited(120_000));
    const exhausted: ExhaustedEvent[] = [];
    stops.push(onExhausted((event) => exhausted.push(event)));
    const error = await pRetry(
      fn,
      pRetryOptions({ classify: rateLimited, maxRetryAfterMs: 60_000, clock }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimited);
    expect(fn.calls).toBe(1);
    expect(clock.sleeps).toEqual([]);
    expect(exhausted).toMatchObject([{ reason: 'retry-after-too-long', attempts: 1 }]);
  });

  it('gives up before a delay that would pass maxElapsedMs', async () => {
    const fn = failing(new Transient('down'));
    const exhausted: ExhaustedEvent[] = [];
    stops.push(onExhausted((event) => exhausted.push(event)));
    await pRetry(
      fn,
      pRetryOptions({ maxAttempts: 10, maxElapsedMs: 1000, backoff: constant(400), clock }),
    ).catch(() => {});
    expect(clock.sleeps).toEqual([400, 400]);
    expect(fn.calls).toBe(3);
    expect(exhausted).toMatchObject([{ reason: 'elapsed', attempts: 3, elapsedMs: 800 }]);
  });

  it('fires process-wide onRetry listeners before each delay and onExhausted when giving up', async () => {
    const error = new Transient('down');
    const retries: RetryEvent[] = [];
    const exhausted: ExhaustedEvent[] = [];
    stops.push(onRetry((event) => retries.push(event)));
    stops.push(onExhausted((event) => exhausted.push(event)));
    await pRetry(
      failing(error),
      pRetryOptions({
        operation: 'get_ticker',
        maxAttempts: 3,
        backoff: sequence([10, 20]),
        clock,
      }),
    ).catch(() => {});
    expect(retries).toEqual([
      expect.objectContaining({
        operation: 'get_ticker',
        attempt: 1,
        maxAttempts: 3,
        delayMs: 10,
        error,
        elapsedMs: 0,
      }),
      expect.objectContaining({
        operation: 'get_ticker',
        attempt: 2,
        maxAttempts: 3,
        delayMs: 20,
        error,
        elapsedMs: 10,
      }),
    ]);
    // An unclassified error is unknown; a read (idempotent) retries it all the same.
    expect(retries[0]!.verdict).toMatchObject({ action: 'unknown' });
    expect(exhausted).toEqual([
      expect.objectContaining({
        operation: 'get_ticker',
        attempts: 3,
        elapsedMs: 30,
        error,
        reason: 'attempts',
      }),
    ]);
  });

  it('calls the per-call onRetry and onExhausted hooks', async () => {
    const seen: string[] = [];
    await pRetry(
      failing(new Transient('down')),
      pRetryOptions({
        maxAttempts: 2,
        backoff: none,
        clock,
        onRetry: (e) => void seen.push(`retry ${e.attempt}`),
        onExhausted: (e) => void seen.push(`exhausted ${e.attempts}`),
      }),
    ).catch(() => {});
    expect(seen).toEqual(['retry 1', 'exhausted 2']);
  });

  it('logs retries and exhaustion with secrets redacted', async () => {
    const apiKey = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
    const error = Object.assign(
      new Transient(
        `GET /api/v3/order?symbol=BTCUSDT&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71`,
      ),
      {
        config: { headers: { 'X-MBX-APIKEY': apiKey } },
      },
    );
    const capture = captureLogger();
    await pRetry(
      failing(error),
      pRetryOptions({
        operation: 'get_order',
        maxAttempts: 2,
        backoff: constant(7.4),
        logger: capture.logger,
        clock,
      }),
    ).catch(() => {});
    const [warn, gaveUp] = capture.records();
    expect(warn).toMatchObject({
      level: 40,
      operation: 'get_order',
      attempt: 1,
      maxAttempts: 2,
      delayMs: 7,
      reason: 'unclassified',
    });
    expect(gaveUp).toMatchObject({
      level: 50,
      operation: 'get_order',
      attempts: 2,
      reason: 'attempts',
    });
    expect(capture.text()).toContain('[REDACTED]');
    expect(capture.text()).not.toContain(apiKey);
    expect(capture.text()).not.toContain('c8db56825ae71d6d');
  });

  it('logs an unreconciled unknown outcome as an error', async () => {
    const capture = captureLogger();
    await pRetry(
      failing(new Timeout('timeout')),
      pRetryOptions({
        operation: 'place_order',
        classify: unknownOn(Timeout),
        idempotent: false,
        logger: capture.logger,
        clock,
      }),
    ).catch(() => {});
    expect(capture.records()).toMatchObject([
      { level: 50, operation: 'place_order', attempt: 1, resolution: 'unreconciled' },
    ]);
  });

  it('keeps the result when a listener or the logger throws', async () => {
    stops.push(
      onRetry(() => {
        throw new Error('listener bug');
      }),
    );
    const logger = {
      warn: () => {
        throw new Error('logger bug');
      },
      error: () => {},
      debug: () => {},
    };
    let calls = 0;
    const warnings = captureWarnings();
    const value = await pRetry(
      async () => {
        if (++calls === 1) throw new Transient('down');
        return 42;
      },
      pRetryOptions({ backoff: none, logger, clock }),
    );
    expect(value).toBe(42);
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.map((w) => w.message)).toEqual([
      'tenacious: logger.warn failed: Error: logger bug',
    ]);
  });

  it('stops during a delay when the signal aborts, rejecting with its reason', async () => {
    const controller = new AbortController();
    const fn = failing(new Transient('down'));
    const reason = new Error('shutting down');
    const error = await pRetry(
      fn,
      pRetryOptions({
        signal: controller.signal,
        backoff: constant(1000),
        clock,
        onRetry: () => controller.abort(reason),
      }),
    ).catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect(fn.calls).toBe(1);
  });

  it('feeds the backoff each run its own previous delay, across concurrent calls', async () => {
    const seen: [number, number][] = [];
    const backoff: Backoff = ({ retry, previousDelayMs }) => {
      seen.push([retry, previousDelayMs]);
      return retry * 10;
    };
    const options = pRetryOptions({ maxAttempts: 3, backoff, clock });
    await Promise.all([
      pRetry(failing(new Transient('a')), options).catch(() => {}),
      pRetry(failing(new Transient('b')), options).catch(() => {}),
    ]);
    expect(seen.sort()).toEqual([
      [1, 0],
      [1, 0],
      [2, 10],
      [2, 10],
    ]);
  });

  it('works with makeRetriable, one run per call', async () => {
    let calls = 0;
    const getPrice = makeRetriable(
      async (symbol: string) => {
        if (++calls % 2 === 1) throw new Transient('down');
        return `${symbol}:42`;
      },
      pRetryOptions({ backoff: constant(3), clock }),
    );
    expect(await getPrice('BTCUSDT')).toBe('BTCUSDT:42');
    expect(await getPrice('ETHUSDT')).toBe('ETHUSDT:42');
    expect(clock.sleeps).toEqual([3, 3]);
  });

  it('rejects a backoff that returns no valid delay with a TypeError naming the value', async () => {
    const error = await pRetry(
      failing(new Transient('down')),
      pRetryOptions({ backoff: () => Number.NaN, clock }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('backoff: expected a number >= 0, got NaN');
  });

  it('rejects a classifier that throws with a TypeError', async () => {
    const error = await pRetry(
      failing(new Transient('down')),
      pRetryOptions({
        classify: () => {
          throw new Error('bug');
        },
        clock,
      }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^classify: a classifier threw/);
  });

  it.each([
    ['reconcile', { reconcile: async () => ({ executed: false as const }) }],
    ['attemptTimeoutMs', { attemptTimeoutMs: 1000 }],
    ['reraise', { reraise: true }],
  ])('rejects %s, which p-retry cannot honour, naming it', (key, options) => {
    expect(() => pRetryOptions(options as never)).toThrow(
      new RegExp(`^pRetryOptions: ${key}: expected nothing with p-retry \\(`),
    );
  });

  it('rejects invalid options as retry() does', () => {
    expect(() => pRetryOptions({ maxAttempts: -1 })).toThrow(
      'maxAttempts: expected an integer >= 1 or Infinity, got -1',
    );
  });

  it("maps maxAttempts onto p-retry's retries and turns p-retry's own delay off", () => {
    const options = pRetryOptions({ maxAttempts: 5 });
    expect(options).toMatchObject({
      retries: 4,
      minTimeout: 0,
      maxTimeout: 0,
      factor: 1,
      randomize: false,
    });
    expect(pRetryOptions({ maxAttempts: Infinity }).retries).toBe(Infinity);
  });

  it("is assignable to p-retry's Options", () => {
    const options: Options = pRetryOptions();
    expect(typeof options.onFailedAttempt).toBe('function');
  });

  it('imports nothing from p-retry at run time', () => {
    const dir = new URL('../../src/p-retry/', import.meta.url);
    for (const file of readdirSync(dir)) {
      const source = readFileSync(new URL(file, dir), 'utf8');
      const runtime = [
        ...source.matchAll(/^(?:import|export) (?!type )[^;]*?from '(p-retry)'/gm),
        ...source.matchAll(/(?:import|require)\('(p-retry)'\)/g),
      ].map((m) => m[0]);
      expect(runtime, file).toEqual([]);
    }
  });
});
