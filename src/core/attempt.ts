import { onAbort } from './clock.js';
import { lazy } from './lazy.js';
import { AttemptTimeoutError } from './errors.js';
import type { Plan } from './options.js';
import { operationOf, type RunState } from './run-state.js';
import type { Trace } from './trace.js';
import type { AttemptContext } from './types.js';

/** The function retried: called once per attempt with a fresh {@link AttemptContext}. */
export type Attempt<T> = (ctx: AttemptContext) => T | PromiseLike<T>;

/**
 * A signal that never aborts, handed to attempts when the caller gave none (allocated once, on
 * the first run: an import that never retries does not load Node's AbortController, nor look up
 * `node:events`). Clients add
 * an 'abort' listener to it for every request in flight, so every run shares its listener list:
 * more than ten at once is normal here, not the leak Node warns about.
 */
export const noSignal = /* @__PURE__ */ lazy((): AbortSignal => {
  const signal = new AbortController().signal;
  // Infinity, not 0: Node 20's `getMaxListeners` throws on an EventTarget whose limit is 0, and
  // undici's `Request` calls it on the signal it is given.
  process.getBuiltinModule('node:events').setMaxListeners(Infinity, signal);
  return signal;
});

/** The context of attempt number `attempt`, `elapsedMs` into a run of `plan`. */
export function attemptContext(
  plan: Plan,
  attempt: number,
  signal: AbortSignal | undefined,
  elapsedMs: number,
  lastError: unknown,
): AttemptContext {
  return {
    attempt,
    signal: signal ?? noSignal(),
    elapsedMs,
    lastError,
    remainingMs: plan.maxElapsedMs - elapsedMs,
  };
}

/**
 * Starts the run's current attempt: `fn(ctx)`, inside the run's trace when it has one, under the
 * `attemptTimeoutMs` timer when there is one. `ctx.signal` follows `signal`: the caller's, or a
 * hedge's own (which also aborts when the hedge loses). A synchronous throw of `fn` is thrown
 * here.
 */
export function startAttempt<T>(
  run: RunState<T>,
  signal: AbortSignal | undefined = run.plan.signal,
): T | PromiseLike<T> {
  const { plan, fn, trace, attempt, elapsedMs } = run;
  const lastError = run.failed ? run.last : undefined;
  const ctx = attemptContext(plan, attempt, signal, elapsedMs, lastError);
  if (plan.attemptTimeoutMs !== 0)
    return withTimeout(fn, plan, ctx, operationOf(run), trace, signal);
  return trace === undefined ? fn(ctx) : trace.attempt(attempt, () => fn(ctx));
}

/**
 * `ctx.signal` aborts on the caller's abort or the timeout, and the attempt fails with
 * `AttemptTimeoutError` even when `fn` ignores the signal. The timer is a real one (an attempt's
 * work takes real time, whatever clock paces the delays), cleared as soon as the attempt settles.
 */
function withTimeout<T>(
  fn: Attempt<T>,
  plan: Plan,
  ctx: AttemptContext,
  operation: string,
  trace: Trace | undefined,
  outer: AbortSignal | undefined,
): Promise<T> {
  const controller = new AbortController();
  let cancelOuter: (() => void) | undefined;
  if (outer !== undefined) {
    if (outer.aborted) controller.abort(outer.reason);
    else cancelOuter = onAbort(outer, () => controller.abort(outer.reason));
  }
  ctx.signal = controller.signal;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const error = new AttemptTimeoutError({
        operation,
        attempt: ctx.attempt,
        timeoutMs: plan.attemptTimeoutMs,
      });
      controller.abort(error);
      reject(error);
    }, plan.attemptTimeoutMs);
    if (plan.unref) timer.unref();
    const settle = () => {
      clearTimeout(timer);
      cancelOuter?.();
    };
    const call = () => (trace === undefined ? fn(ctx) : trace.attempt(ctx.attempt, () => fn(ctx)));
    // An abandoned attempt that settles later is absorbed by these handlers: no unhandled rejection.
    new Promise<T>((r) => r(call())).then(
      (value) => {
        settle();
        resolve(value);
      },
      (error: unknown) => {
        settle();
        reject(error);
      },
    );
  });
}
