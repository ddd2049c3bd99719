import { describe, expect, it } from 'vitest';
import { HedgeLostError } from '../../src/core/hedge.js';
import {
  adaptiveLimiter,
  circuitBreaker,
  createRetry,
  retry,
  retryBudget,
  type AttemptContext,
  type AttemptLimiter,
  type Clock,
  type Verdict,
} from '../../src/index.js';
import { instantClock } from '../../src/testing/index.js';

const tick = () => new Promise((r) => setImmediate(r));
const THROTTLE: Verdict = { action: 'retry', reason: 'http:429' };
const throttled = Object.assign(new Error('429'), { status: 429 });
const classify = (o: { ok: boolean; error?: unknown }) =>
  !o.ok && o.error === throttled ? THROTTLE : undefined;

/** A limiter that records what the run asked of it. */
function recordingLimiter(): AttemptLimiter & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    acquire: () => {
      calls.push('acquire');
      return Promise.resolve();
    },
    record: (verdict) => {
      calls.push(verdict === undefined ? 'record:success' : `record:${verdict.reason}`);
    },
  };
}

/**
 * A clock on which no delay ever passes (a sleep ends only by its signal): the attempt always
 * settles before the hedge delay. On `instantClock` the delay passes at once, before even a
 * synchronous attempt's result has gone through the race.
 */
function stoppedClock(): Clock {
  return {
    now: () => 0,
    sleep: (_ms, signal) =>
      new Promise((_resolve, reject) =>
        signal?.addEventListener('abort', () => reject(signal.reason)),
      ),
  };
}

/** An attempt per call: the test settles each one and sees how its signal ended. */
function slowAttempts() {
  const contexts: AttemptContext[] = [];
  const settlers: ((value: string) => void)[] = [];
  const fn = (ctx: AttemptContext) => {
    contexts.push(ctx);
    return new Promise<string>((resolve) => settlers.push(resolve));
  };
  return { fn, contexts, settle: (i: number, value: string) => settlers[i]!(value) };
}

describe('retry({ limiter })', () => {
  it('takes a token before every attempt, the first included, and records every verdict', async () => {
    const limiter = recordingLimiter();
    let calls = 0;
    const value = await retry(
      () => {
        calls++;
        if (calls === 1) throw throttled;
        return 'ok';
      },
      { limiter, classify, clock: instantClock(), backoff: () => 10 },
    );
    expect(value).toBe('ok');
    expect(limiter.calls).toEqual(['acquire', 'record:http:429', 'acquire', 'record:success']);
  });

  it('waits for the adaptive limiter after a throttle cut its rate', async () => {
    const clock = instantClock(0);
    const limiter = adaptiveLimiter({ clock });
    let calls = 0;
    await retry(
      () => {
        calls++;
        if (calls === 1) throw throttled;
        return 'ok';
      },
      { limiter, classify, clock, backoff: () => 0 },
    );
    const { enabled, rate } = limiter.snapshot() as { enabled: boolean; rate: number };
    expect(enabled).toBe(true);
    // Off until the first throttle; then the bucket starts empty at minRate, one token per 2 s.
    expect(rate).toBeGreaterThanOrEqual(0.5);
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it('rejects with the caller’s reason when aborted while waiting for a token', async () => {
    const controller = new AbortController();
    const limiter: AttemptLimiter = {
      acquire: (signal) =>
        new Promise((_resolve, reject) =>
          signal?.addEventListener('abort', () => reject(signal.reason)),
        ),
      record: () => {},
    };
    let called = false;
    const run = retry(
      () => {
        called = true;
      },
      { limiter, signal: controller.signal },
    );
    controller.abort(new Error('shutdown'));
    await expect(run).rejects.toThrow('shutdown');
    expect(called).toBe(false);
  });

  it('keeps the result when the limiter’s record throws', async () => {
    const limiter: AttemptLimiter = {
      acquire: () => Promise.resolve(),
      record: () => {
        throw new Error('broken limiter');
      },
    };
    await expect(retry(() => 'ok', { limiter })).resolves.toBe('ok');
  });

  it('refuses a limiter without acquire and record, naming the option', async () => {
    await expect(retry(() => 1, { limiter: {} as AttemptLimiter })).rejects.toThrow(
      'limiter: expected an AttemptLimiter (from adaptiveLimiter()), got {}',
    );
  });
});

describe('retry({ hedge })', () => {
  it('sends a hedge beside a slow attempt after afterMs; the first success wins', async () => {
    const clock = instantClock(0);
    const a = slowAttempts();
    const run = retry(a.fn, { hedge: { afterMs: 50 }, clock });
    await tick();
    expect(a.contexts).toHaveLength(2);
    a.settle(1, 'hedge');
    await expect(run).resolves.toBe('hedge');
    expect(clock.sleeps).toEqual([50]);
  });

  it('aborts the loser through its ctx.signal, and gives hedges the attempt’s number', async () => {
    const a = slowAttempts();
    const run = retry(a.fn, { hedge: { afterMs: 50 }, clock: instantClock() });
    await tick();
    a.settle(1, 'hedge');
    await run;
    expect(a.contexts[0]!.signal.reason).toBeInstanceOf(HedgeLostError);
    expect(a.contexts[1]!.signal.aborted).toBe(false);
    expect(a.contexts.map((c) => c.attempt)).toEqual([1, 1]);
  });

  it('sends no hedge when the attempt settles first', async () => {
    let calls = 0;
    const value = await retry(
      () => {
        calls++;
        return 'fast';
      },
      { hedge: { afterMs: 50 }, clock: stoppedClock() },
    );
    expect(value).toBe('fast');
    expect(calls).toBe(1);
  });

  it('sends up to max hedges, one per delay', async () => {
    const clock = instantClock(0);
    const a = slowAttempts();
    const run = retry(a.fn, { hedge: { afterMs: 20, max: 2 }, clock });
    await tick();
    await tick();
    expect(a.contexts).toHaveLength(3);
    a.settle(2, 'second hedge');
    await expect(run).resolves.toBe('second hedge');
    expect(clock.sleeps).toEqual([20, 20]);
  });

  it('does not send a hedge that the budget denies', async () => {
    const budget = retryBudget({ ratio: 0, minRetriesPerSecond: 0 });
    const a = slowAttempts();
    const run = retry(a.fn, { hedge: { afterMs: 50 }, budget, clock: instantClock() });
    await tick();
    expect(a.contexts).toHaveLength(1);
    a.settle(0, 'first');
    await expect(run).resolves.toBe('first');
  });

  it('charges every hedge to the limiter', async () => {
    const limiter = recordingLimiter();
    const a = slowAttempts();
    const run = retry(a.fn, { hedge: { afterMs: 50 }, limiter, clock: instantClock() });
    await tick();
    a.settle(1, 'hedge');
    await run;
    await tick();
    // The attempt's token, the hedge's token, and the winner's verdict (the loser teaches nothing).
    expect(limiter.calls).toEqual(['acquire', 'acquire', 'record:success']);
  });

  it('takes a breaker slot for each hedge and gives every one back', async () => {
    const clock = instantClock(0);
    const breaker = circuitBreaker({ failureThreshold: 1, resetAfterMs: 1000, clock });
    const a = slowAttempts();
    const run = retry(a.fn, { hedge: { afterMs: 50 }, breaker, clock });
    await tick();
    a.settle(1, 'hedge');
    await run;
    await tick();
    expect(breaker.state).toBe('closed');
    // Still closed and usable: neither slot leaked as a failure.
    await expect(retry(() => 'next', { breaker, clock })).resolves.toBe('next');
  });

  it('sends no hedge after a failure: the backoff retries instead', async () => {
    let calls = 0;
    const value = await retry(
      () => {
        calls++;
        if (calls === 1) throw Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
        return 'ok';
      },
      { hedge: { afterMs: 50 }, clock: stoppedClock(), backoff: () => 0 },
    );
    expect(value).toBe('ok');
    expect(calls).toBe(2);
  });

  it('waits maxMs for a quantile hedge until enough latencies are known', async () => {
    const clock = instantClock(0);
    const a = slowAttempts();
    const run = retry(a.fn, { hedge: { quantile: 0.95, maxMs: 400 }, clock });
    await tick();
    a.settle(1, 'hedge');
    await run;
    expect(clock.sleeps).toEqual([400]);
  });

  it('refuses hedge with idempotent: false at the call', async () => {
    await expect(retry(() => 1, { hedge: { afterMs: 50 }, idempotent: false })).rejects.toThrow(
      'hedge: not allowed with idempotent: false (a hedge sends the request again while the first may still execute)',
    );
  });

  it('refuses hedge with idempotent: false at definition, across createRetry levels', () => {
    const reads = createRetry({ hedge: { afterMs: 50 } });
    expect(() => reads.extend({ idempotent: false })).toThrow('hedge: not allowed with idempotent');
    expect(() => createRetry({ hedge: { afterMs: 50 }, idempotent: false })).toThrow(
      'hedge: not allowed with idempotent',
    );
  });

  it('names the option and the value for a malformed hedge', async () => {
    await expect(retry(() => 1, { hedge: { afterMs: -1 } })).rejects.toThrow(
      'hedge: afterMs: expected a number >= 0, got -1',
    );
    await expect(retry(() => 1, { hedge: 50 as never })).rejects.toThrow(
      'hedge: expected hedge options ({ afterMs } or { quantile }), got 50',
    );
    await expect(retry(() => 1, { hedge: {} })).rejects.toThrow(
      'hedge: expected exactly one of afterMs and quantile, got {}',
    );
  });

  it('rejects with the caller’s reason and aborts every attempt when the caller aborts', async () => {
    const controller = new AbortController();
    const a = slowAttempts();
    const run = retry(a.fn, {
      hedge: { afterMs: 50 },
      signal: controller.signal,
      clock: instantClock(),
    });
    await tick();
    controller.abort(new Error('shutdown'));
    await expect(run).rejects.toThrow('shutdown');
    expect(a.contexts.every((c) => c.signal.aborted)).toBe(true);
  });
});
