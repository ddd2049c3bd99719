import { channel } from 'node:diagnostics_channel';
import pRetry, { AbortError } from 'p-retry';
import { defaultClassifier, describeValue } from './classify.js';
import { clampDelay, onAbort, realClock, unrefRealClock } from './clock.js';
import { AttemptTimeoutError, RetryExhaustedError, UnknownOutcomeError } from './errors.js';
import { emitAll, hub, isThenable, reportListenerError } from './events.js';
import { DEFAULT_PLAN, planFor, type Plan, type RetryOptions } from './options.js';
import { serializeError } from './redact.js';
import type {
  AttemptContext,
  Clock,
  ExhaustedEvent,
  ExhaustedReason,
  Outcome,
  RetryEvent,
  Verdict,
} from './types.js';

/** The function retried: called once per attempt with a fresh {@link AttemptContext}. */
export type Attempt<T> = (ctx: AttemptContext) => T | PromiseLike<T>;

/** A signal that never aborts, handed to attempts when the caller gave none (allocated once). */
const NEVER_ABORTED: AbortSignal = new AbortController().signal;

/** Tracing tools subscribe to these without any configuration. */
const retryChannel = channel('tenacious:retry');
const exhaustedChannel = channel('tenacious:exhausted');

/**
 * Runs `fn` until it succeeds, a failure is classified as permanent, or retries run out.
 *
 * @example
 * ```ts
 * import { retry } from 'tenacious';
 *
 * const ticker = await retry(
 *   async ({ signal }) => (await fetch('https://api.example.com/ticker', { signal })).json(),
 *   { operation: 'get_ticker', maxAttempts: 5 },
 * );
 * ```
 */
export function retry<T>(fn: Attempt<T>, options?: RetryOptions<T>): Promise<T> {
  if (typeof fn !== 'function') {
    return Promise.reject(new TypeError(`fn: expected a function, got ${describeValue(fn)}`));
  }
  let plan: Plan;
  try {
    plan = options === undefined ? DEFAULT_PLAN : planFor(options);
  } catch (error) {
    return Promise.reject(error);
  }
  return run(fn, plan);
}

/** Runs `fn` under an already validated plan (used by `retry`, `createRetry` and `retryable`). */
export async function run<T>(fn: Attempt<T>, plan: Plan, defaultOperation?: string): Promise<T> {
  const signal = plan.signal;
  if (signal !== undefined && signal.aborted) throw signal.reason;
  const clock = plan.clock ?? hub.defaultClock ?? (plan.unref ? unrefRealClock : realClock);
  const start = clock.now();
  const breaker = plan.breaker;
  // The breaker first: a call it refuses never ran, so it must not earn the budget any retries.
  const token = breaker === undefined ? undefined : breaker.acquire();
  plan.budget?.recordAttempt();

  // The first attempt runs here, outside p-retry: a first-attempt success costs one call, one
  // small context object and no timer, validation or p-retry setup.
  let value: T;
  try {
    value = await (plan.attemptTimeoutMs === 0
      ? fn({ attempt: 1, signal: signal ?? NEVER_ABORTED, elapsedMs: 0, lastError: undefined })
      : attemptWithTimeout(fn, plan, 1, 0, undefined, defaultOperation));
  } catch (error) {
    return retryAfterFailure(
      fn,
      plan,
      clock,
      start,
      { ok: false, error },
      undefined,
      token,
      defaultOperation,
    );
  }
  if (plan.classifiesValues) {
    let verdict: Verdict | undefined;
    try {
      verdict = classify(plan, { ok: true, value });
    } catch (error) {
      breaker?.record(token, 'fail');
      throw (error as Settled).payload;
    }
    if (verdict !== undefined && verdict.action !== 'fail') {
      return retryAfterFailure(
        fn,
        plan,
        clock,
        start,
        { ok: true, value },
        verdict,
        token,
        defaultOperation,
      );
    }
  }
  if (breaker !== undefined) breaker.record(token, 'success');
  if (plan.onSuccess.length !== 0 || hub.success.listeners.length !== 0) {
    emitSuccess(
      plan.operation ?? defaultOperation ?? operationName(fn),
      plan,
      value,
      1,
      clock.now() - start,
    );
  }
  return value;
}

/**
 * First verdict of the user's classifiers, else the default rule (which always judges errors).
 * Throws {@link Settled} with a `TypeError` when a classifier throws or returns a malformed verdict.
 */
function classify(plan: Plan, outcome: Outcome<unknown>): Verdict | undefined {
  for (const classifier of plan.classifiers) {
    let verdict: Verdict | undefined;
    try {
      verdict = classifier(outcome);
    } catch (error) {
      // A broken classifier is a bug in the caller's code: fail loudly rather than guess.
      throw settled(
        new TypeError(`classify: a classifier threw: ${describeValue(error)}`, { cause: error }),
      );
    }
    if (verdict !== undefined) {
      if (verdict.action !== 'retry' && verdict.action !== 'fail' && verdict.action !== 'unknown') {
        // An async classifier by mistake: the TypeError below reports it; its promise must not
        // add an unhandled rejection.
        if (isThenable(verdict)) verdict.then(undefined, () => {});
        throw settled(
          new TypeError(
            `classify: expected a verdict with action retry, fail or unknown, got ${describeValue(verdict)}`,
          ),
        );
      }
      return verdict;
    }
  }
  return outcome.ok ? undefined : defaultClassifier(outcome);
}

/**
 * Ends a run without retrying: p-retry rejects with it (wrapped in its `AbortError`), and the
 * run rejects with `payload`. Carrying the payload inside an error of ours lets non-`Error`
 * payloads (a plain object a client threw) pass through p-retry unchanged.
 */
class Settled extends Error {
  declare payload: unknown;
}

/**
 * A retryable failure handed to p-retry. It is an `Error` (and not a `TypeError`), so p-retry's
 * own rules about non-errors and `TypeError`s never decide: `shouldRetry` does.
 */
class Retryable extends Error {
  declare outcome: Outcome<unknown>;
  declare verdict: Verdict;
  declare run: Run<any>;
}

// Carriers are made without running Error's constructor: capturing a stack trace cost more than
// the whole rest of a retry (measured: about 60 % of the CPU of three zero-delay retries), and
// these objects never leave the engine.
function settled(payload: unknown): Settled {
  const carrier = Object.create(Settled.prototype) as Settled;
  carrier.payload = payload;
  return carrier;
}

function retryableCarrier(outcome: Outcome<unknown>, verdict: Verdict, run: Run<any>): Retryable {
  const carrier = Object.create(Retryable.prototype) as Retryable;
  carrier.outcome = outcome;
  carrier.verdict = verdict;
  carrier.run = run;
  return carrier;
}

/**
 * One run after its first failure: the state that p-retry's callbacks share. One object per run
 * (plus the `input` closure p-retry needs), so a run parked in a delay holds little.
 */
class Run<T> {
  attempt = 1;
  previousDelayMs = 0;
  exhausted: ExhaustedReason | undefined = undefined;
  last: Retryable | undefined = undefined;

  constructor(
    readonly fn: Attempt<T>,
    readonly plan: Plan,
    readonly clock: Clock,
    readonly start: number,
    readonly operation: string,
    readonly first: Outcome<T>,
    readonly firstVerdict: Verdict | undefined,
    readonly firstToken: unknown,
  ) {}
}

/**
 * Everything after a failed first attempt, on p-retry. p-retry's attempt n is our attempt n: its
 * first call replays the first attempt's outcome so that one code path classifies every attempt.
 * p-retry's own delay is zero; `shouldRetry` decides, computes the delay and sleeps on our clock.
 */
function retryAfterFailure<T>(
  fn: Attempt<T>,
  plan: Plan,
  clock: Clock,
  start: number,
  first: Outcome<T>,
  firstVerdict: Verdict | undefined,
  firstToken: unknown,
  defaultOperation: string | undefined,
): Promise<T> {
  const operation = plan.operation ?? defaultOperation ?? operationName(fn);
  const run = new Run(fn, plan, clock, start, operation, first, firstVerdict, firstToken);
  // A promise chain rather than `await`: a pending run then holds no suspended frame of ours.
  return pRetry((attemptNumber: number) => attempt(run, attemptNumber), pRetryOptions(plan)).then(
    undefined,
    (error: unknown): T => {
      if (error instanceof Settled) throw error.payload;
      if (error instanceof Retryable) {
        return exhaust(plan, operation, run, error, clock.now() - start);
      }
      throw error;
    },
  );
}

/** One attempt of a run, called by p-retry: runs `fn`, classifies, settles or throws to retry. */
async function attempt<T>(run: Run<T>, attemptNumber: number): Promise<T> {
  const { fn, plan, clock, start, operation } = run;
  const signal = plan.signal;
  run.attempt = attemptNumber;
  let outcome: Outcome<T>;
  let verdict: Verdict | undefined;
  let token = run.firstToken;
  if (attemptNumber === 1) {
    outcome = run.first;
    verdict = run.firstVerdict;
  } else {
    try {
      token = plan.breaker?.acquire();
    } catch (error) {
      throw new AbortError(settled(error));
    }
    const last = run.last?.outcome;
    const lastError = last !== undefined && !last.ok ? last.error : undefined;
    const elapsedMs = clock.now() - start;
    try {
      const value = await (plan.attemptTimeoutMs === 0
        ? fn({ attempt: attemptNumber, signal: signal ?? NEVER_ABORTED, elapsedMs, lastError })
        : attemptWithTimeout(fn, plan, attemptNumber, elapsedMs, lastError, operation));
      outcome = { ok: true, value };
    } catch (error) {
      outcome = { ok: false, error };
    }
  }
  // A caller's abort wins over a failed attempt; a value that was obtained is still returned.
  if (!outcome.ok && signal?.aborted === true) {
    plan.breaker?.record(token, 'fail');
    throw new AbortError(settled(signal.reason));
  }
  try {
    verdict ??= classify(plan, outcome);
  } catch (error) {
    plan.breaker?.record(token, 'fail');
    throw new AbortError(error as Settled);
  }
  if (plan.breaker !== undefined) {
    plan.breaker.record(token, verdict === undefined ? 'success' : verdict.action);
  }
  if (verdict === undefined || (outcome.ok && verdict.action === 'fail')) {
    return succeed(run, (outcome as { ok: true; value: T }).value, attemptNumber);
  }
  if (verdict.action === 'fail') {
    throw new AbortError(settled((outcome as { error: unknown }).error));
  }
  if (verdict.action === 'unknown' && !plan.idempotent) {
    const cause = outcome.ok ? outcome.value : outcome.error;
    if (plan.reconcile === undefined) {
      throw new AbortError(
        settled(
          new UnknownOutcomeError({
            operation,
            attempt: attemptNumber,
            cause,
            reason: verdict.reason,
          }),
        ),
      );
    }
    let answer;
    try {
      answer = await plan.reconcile({
        operation,
        attempt: attemptNumber,
        error: outcome.ok ? undefined : outcome.error,
        value: outcome.ok ? outcome.value : undefined,
        verdict,
        signal: signal ?? NEVER_ABORTED,
        elapsedMs: clock.now() - start,
      });
    } catch (error) {
      throw new AbortError(settled(error));
    }
    if (answer?.executed === true) return succeed(run, answer.value as T, attemptNumber);
    if (answer?.executed !== false) {
      throw new AbortError(
        settled(
          new TypeError(
            `reconcile: expected { executed: true, value } or { executed: false }, got ${describeValue(answer)}`,
          ),
        ),
      );
    }
    // Reconciled as not executed: safe to send again.
    verdict = {
      action: 'retry',
      reason: `${verdict.reason} (reconciled: not executed)`,
      retryAfterMs: verdict.retryAfterMs,
    };
  }
  throw (run.last = retryableCarrier(outcome, verdict, run));
}

function succeed<T>(run: Run<T>, value: T, attempts: number): T {
  const { plan } = run;
  if (plan.onSuccess.length !== 0 || hub.success.listeners.length !== 0) {
    emitSuccess(run.operation, plan, value, attempts, run.clock.now() - run.start);
  }
  return value;
}

/**
 * p-retry's `shouldRetry`, shared by every run: the run is found through the carrier p-retry
 * hands back. Not an async function: a run parked in a delay holds a promise chain, not a
 * suspended frame.
 */
function shouldRetry(ctx: { readonly error: Error }): boolean | Promise<boolean> {
  const last = ctx.error as Retryable;
  const run = last.run;
  const { plan, clock } = run;
  const { verdict } = last;
  const retryAfterMs = verdict.retryAfterMs;
  if (retryAfterMs !== undefined && retryAfterMs > plan.maxRetryAfterMs) {
    run.exhausted = 'retry-after-too-long';
    return false;
  }
  const computed = plan.backoff({
    retry: run.attempt,
    previousDelayMs: run.previousDelayMs,
    random: plan.random,
  });
  const delayMs = clampDelay(
    retryAfterMs !== undefined && retryAfterMs > computed ? retryAfterMs : computed,
  );
  const elapsedMs = clock.now() - run.start;
  // tenacity's stop_before_delay: never sleep past the budget, so never start an attempt after it.
  if (elapsedMs + delayMs > plan.maxElapsedMs) {
    run.exhausted = 'elapsed';
    return false;
  }
  if (plan.budget !== undefined && !plan.budget.tryRetry()) {
    run.exhausted = 'budget';
    return false;
  }
  if (
    plan.onRetry.length !== 0 ||
    hub.retry.listeners.length !== 0 ||
    plan.logger !== undefined ||
    retryChannel.hasSubscribers
  ) {
    const event: RetryEvent = {
      operation: run.operation,
      attempt: run.attempt,
      maxAttempts: plan.maxAttempts,
      delayMs,
      verdict,
      elapsedMs,
    };
    if (last.outcome.ok) event.value = last.outcome.value;
    else event.error = last.outcome.error;
    emitRetry(plan, event);
  }
  run.previousDelayMs = delayMs;
  return delayMs > 0 ? clock.sleep(delayMs, plan.signal).then(alwaysTrue) : true;
}

type PRetryOptions = NonNullable<Parameters<typeof pRetry>[1]>;
/** The default plan is frozen, so its p-retry options are kept here. */
let defaultPlanPRetryOptions: PRetryOptions | undefined;

/**
 * p-retry's options for a plan, built once and kept on the plan (a WeakMap keyed by plans kept
 * its peak size after the plans were collected: +32 % heap after 100,000 runs with their own
 * options objects). Every option is given: p-retry fills missing ones into a spread copy (about
 * 7 µs per call on Node 20 with sparse options), and its own delay is zero because
 * `shouldRetry` sleeps on our clock.
 */
function pRetryOptions(plan: Plan): PRetryOptions {
  const cached = plan === DEFAULT_PLAN ? defaultPlanPRetryOptions : plan.pRetryOptions;
  if (cached !== undefined) return cached;
  const options: PRetryOptions = {
    retries: plan.maxAttempts - 1,
    factor: 1,
    minTimeout: 0,
    maxTimeout: 0,
    maxRetryTime: Infinity,
    randomize: false,
    onFailedAttempt: noop,
    shouldConsumeRetry: alwaysTrue,
    shouldRetry,
    signal: plan.signal,
    unref: plan.unref,
  };
  if (plan === DEFAULT_PLAN) defaultPlanPRetryOptions = options;
  else plan.pRetryOptions = options;
  return options;
}

function noop(): void {}
function alwaysTrue(): boolean {
  return true;
}

/** Gives up: fires the exhaustion hooks and logs, then rejects (or, with `reraise`, rethrows/resolves). */
function exhaust<T>(
  plan: Plan,
  operation: string,
  state: Run<T>,
  last: Retryable,
  elapsedMs: number,
): T {
  const reason = state.exhausted ?? 'attempts';
  const { outcome, verdict } = last;
  const error = outcome.ok ? undefined : outcome.error;
  const event: ExhaustedEvent = {
    operation,
    attempts: state.attempt,
    elapsedMs,
    error,
    verdict,
    reason,
  };
  emitAll(plan.onExhausted, event, plan.logger, 'onExhausted hook');
  emitAll(hub.exhausted.listeners, event, plan.logger, 'onExhausted listener');
  if (exhaustedChannel.hasSubscribers) exhaustedChannel.publish(event);
  if (plan.logger !== undefined) {
    log(
      plan,
      'error',
      {
        operation,
        attempts: state.attempt,
        elapsedMs,
        reason,
        verdict: verdict.reason,
        err: outcome.ok ? undefined : serializeError(error),
      },
      `${operation} gave up after ${state.attempt} attempts (${reason})`,
    );
  }
  if (plan.reraise) {
    if (outcome.ok) return outcome.value as T;
    throw error;
  }
  throw new RetryExhaustedError({
    operation,
    attempts: state.attempt,
    elapsedMs,
    reason,
    cause: error,
    ...(outcome.ok ? { value: outcome.value } : {}),
  });
}

function emitRetry(plan: Plan, event: RetryEvent): void {
  emitAll(plan.onRetry, event, plan.logger, 'onRetry hook');
  emitAll(hub.retry.listeners, event, plan.logger, 'onRetry listener');
  if (retryChannel.hasSubscribers) retryChannel.publish(event);
  if (plan.logger !== undefined) {
    log(
      plan,
      'warn',
      {
        operation: event.operation,
        attempt: event.attempt,
        maxAttempts: event.maxAttempts,
        delayMs: event.delayMs,
        reason: event.verdict.reason,
        err: event.error === undefined ? undefined : serializeError(event.error),
      },
      `${event.operation} attempt ${event.attempt}/${event.maxAttempts} failed (${event.verdict.reason}); retrying in ${Math.round(event.delayMs)} ms`,
    );
  }
}

function emitSuccess(
  operation: string,
  plan: Plan,
  value: unknown,
  attempts: number,
  elapsedMs: number,
) {
  const event = { operation, attempts, elapsedMs, value };
  emitAll(plan.onSuccess, event, plan.logger, 'onSuccess hook');
  emitAll(hub.success.listeners, event, plan.logger, 'onSuccess listener');
}

/** A logger that throws is ignored: logging never changes the caller's result. */
function log(plan: Plan, level: 'warn' | 'error', fields: object, message: string): void {
  try {
    const result: unknown = plan.logger![level](fields, message);
    if (isThenable(result)) {
      result.then(undefined, (error: unknown) =>
        reportListenerError(error, undefined, `logger.${level}`),
      );
    }
  } catch (error) {
    reportListenerError(error, undefined, `logger.${level}`);
  }
}

function operationName(fn: Attempt<unknown>): string {
  return typeof fn.name === 'string' && fn.name !== '' ? fn.name : 'anonymous';
}

/**
 * One attempt under `attemptTimeoutMs`: `ctx.signal` aborts on the caller's abort or the
 * timeout, and the attempt fails with `AttemptTimeoutError` even when `fn` ignores the signal.
 * The timer is a real one (an attempt's work takes real time, whatever clock paces the delays),
 * cleared as soon as the attempt settles.
 */
function attemptWithTimeout<T>(
  fn: Attempt<T>,
  plan: Plan,
  attempt: number,
  elapsedMs: number,
  lastError: unknown,
  operation?: string,
): Promise<T> {
  const outer = plan.signal;
  const controller = new AbortController();
  let cancelOuter: (() => void) | undefined;
  if (outer !== undefined) {
    if (outer.aborted) controller.abort(outer.reason);
    else cancelOuter = onAbort(outer, () => controller.abort(outer.reason));
  }
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const error = new AttemptTimeoutError({
        operation: operation ?? plan.operation ?? operationName(fn),
        attempt,
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
    // An abandoned attempt that settles later is absorbed by these handlers: no unhandled rejection.
    new Promise<T>((r) => r(fn({ attempt, signal: controller.signal, elapsedMs, lastError }))).then(
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
