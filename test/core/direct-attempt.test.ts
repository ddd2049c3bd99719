import { describe, expect, it } from 'vitest';
import { none, onRetry, onSuccess, retry } from '../../src/index.js';
import type { RetryEvent, SuccessEvent } from '../../src/index.js';
import { instantClock } from '../../src/testing/index.js';

/**
 * A run with nothing to judge on success (the default options, or a backoff and attempts only)
 * makes its first attempt outside the async loop. These pin down that it behaves exactly as the
 * loop does.
 */
describe('the first attempt of a run with nothing to judge on success', () => {
  it('retries a synchronous throw like a rejection, handing it to the next attempt', async () => {
    const thrown = new Error('connect ECONNREFUSED');
    const seen: unknown[] = [];
    const value = await retry(
      (ctx) => {
        seen.push(ctx.lastError);
        if (ctx.attempt === 1) throw thrown;
        return ctx.attempt;
      },
      { maxAttempts: 2, backoff: none },
    );
    expect(value).toBe(2);
    expect(seen).toEqual([undefined, thrown]);
  });

  it('retries the rejection of a thenable that is not a native promise', async () => {
    let calls = 0;
    const value = await retry(
      () => {
        calls++;
        if (calls === 1) {
          const rejecting = {
            then: (_: unknown, reject: (e: unknown) => void) => reject(new Error('x')),
          };
          return rejecting as unknown as PromiseLike<string>;
        }
        return 'ok';
      },
      { maxAttempts: 2, backoff: none },
    );
    expect(value).toBe('ok');
    expect(calls).toBe(2);
  });

  it('resolves with a value that is not a promise', async () => {
    await expect(retry(() => 7, { maxAttempts: 2 })).resolves.toBe(7);
  });

  it('hands the attempt its context: number 1, no elapsed time, the whole budget', async () => {
    const contexts: unknown[] = [];
    await retry(
      (ctx) => {
        contexts.push({ ...ctx, signal: ctx.signal.aborted });
        return 1;
      },
      { maxElapsedMs: 5000 },
    );
    expect(contexts).toEqual([
      { attempt: 1, signal: false, elapsedMs: 0, lastError: undefined, remainingMs: 5000 },
    ]);
  });

  it('publishes the first retry with the time the first attempt took', async () => {
    const clock = instantClock(1_000);
    const events: RetryEvent[] = [];
    const value = await retry(
      ({ attempt }) => {
        if (attempt === 1) {
          clock.advance(250);
          throw new Error('x');
        }
        return attempt;
      },
      { maxAttempts: 2, backoff: () => 100, clock, onRetry: (e) => events.push(e) },
    );
    expect(value).toBe(2);
    expect(events.map((e) => [e.attempt, e.elapsedMs, e.delayMs])).toEqual([[1, 250, 100]]);
    expect(clock.sleeps).toEqual([100]);
  });

  it('gives up on the budget measured from before the first attempt', async () => {
    const clock = instantClock(0);
    const run = retry(
      () => {
        clock.advance(900);
        throw new Error('x');
      },
      { maxAttempts: 5, backoff: () => 200, maxElapsedMs: 1000, clock },
    );
    await expect(run).rejects.toMatchObject({ attempts: 1, reason: 'elapsed', elapsedMs: 900 });
  });

  it('is heard by a process-wide success listener subscribed before the run', async () => {
    const heard: SuccessEvent[] = [];
    const stop = onSuccess((e) => heard.push(e));
    try {
      await retry(async () => 'filled', { operation: 'place_order' });
    } finally {
      stop();
    }
    expect(heard.map((e) => [e.operation, e.attempts, e.value])).toEqual([
      ['place_order', 1, 'filled'],
    ]);
  });

  it('is heard by a process-wide retry listener on its first failure', async () => {
    const heard: number[] = [];
    const stop = onRetry((e) => heard.push(e.attempt));
    try {
      let calls = 0;
      await retry(
        async () => {
          if (++calls < 3) throw new Error('x');
          return calls;
        },
        { maxAttempts: 3, backoff: none },
      );
    } finally {
      stop();
    }
    expect(heard).toEqual([1, 2]);
  });

  it('reconciles an unknown first outcome of a call that must not be sent twice', async () => {
    let sends = 0;
    const value = await retry(
      async () => {
        sends++;
        throw new Error('socket hang up after the order was written');
      },
      {
        idempotent: false,
        reconcile: async () => ({ executed: true, value: 'order-1' }),
      },
    );
    expect(value).toBe('order-1');
    expect(sends).toBe(1);
  });
});

describe('a clock that throws', () => {
  it.each([
    ['a run with nothing to judge', {}],
    ['a run with a signal', { signal: new AbortController().signal }],
  ])('makes %s reject with its error, not throw', async (_, extra) => {
    const broken = new Error('clock broken');
    const clock = {
      now(): number {
        throw broken;
      },
      sleep: () => Promise.resolve(),
    };
    let returned: Promise<unknown> | undefined;
    expect(() => {
      returned = retry(() => 1, { clock, ...extra });
    }).not.toThrow();
    await expect(returned).rejects.toBe(broken);
  });
});
