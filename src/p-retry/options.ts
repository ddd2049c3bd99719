import { realClock, unrefRealClock } from '../core/clock.js';
import { isFetchNetworkError } from '../core/connect-failure.js';
import { PermanentFailureError, UnknownOutcomeError } from '../core/errors.js';
import { hub } from '../core/hub.js';
import { planFor, type Plan, type RetryOptions } from '../core/options.js';
import { EXHAUSTED, publish, RETRY, UNKNOWN_OUTCOME } from '../core/publish.js';
import { judge, nextDelay } from '../core/retry.js';
import type { Clock } from '../core/types.js';
import { describeValue } from '../core/validate.js';

/**
 * What p-retry hands its callbacks: its `RetryContext` (7.x; 8 and later add `retryDelay`). One
 * frozen object per failed attempt.
 */
export interface PRetryContext {
  readonly error: Error;
  readonly attemptNumber: number;
  readonly retriesLeft: number;
  readonly retriesConsumed?: number;
}

/**
 * The options {@link pRetryOptions} builds for `pRetry(fn, options)`: a subset of p-retry's own
 * `Options`, assignable to it. p-retry's own delay is zero; `onFailedAttempt` classifies, reports
 * and sleeps tenacious's delay, or throws to stop.
 */
export interface PRetryOptions {
  readonly retries: number;
  readonly factor: number;
  readonly minTimeout: number;
  readonly maxTimeout: number;
  readonly maxRetryTime: number;
  readonly randomize: boolean;
  readonly signal?: AbortSignal;
  readonly unref?: boolean;
  readonly onFailedAttempt: (context: PRetryContext) => Promise<void>;
  readonly shouldConsumeRetry: (context: PRetryContext) => boolean;
  readonly shouldRetry: (context: PRetryContext) => boolean;
}

/** The options {@link pRetryOptions} accepts: those of `retry` that p-retry's callbacks can honour. */
export type PRetryRetryOptions = Omit<RetryOptions, keyof typeof UNSUPPORTED>;

/**
 * Options of `retry` that cannot work through p-retry's options, and why. Rejected rather than
 * ignored: a `reconcile` that silently never runs would resend an order.
 */
const UNSUPPORTED = {
  reconcile: 'p-retry cannot resolve a run from its options: use retry() for reconciliation',
  attemptTimeoutMs: 'the options never see an attempt run: give your fn an AbortSignal.timeout()',
  reraise: 'p-retry always rejects with the last error, as reraise: true does',
  onSuccess: "p-retry's options only hear of failures",
  breaker: 'p-retry has no hook before an attempt',
  budget: 'p-retry has no hook before a first attempt',
} as const;

/**
 * Options for an existing `pRetry(fn, …)` call that apply tenacious's rules to it: its
 * classifiers (a `fail` verdict stops at once with the original error; an `unknown` one on a
 * non-idempotent call stops with {@link UnknownOutcomeError}), its backoff and Retry-After (the
 * larger of the two; a Retry-After above `maxRetryAfterMs` gives up), `maxAttempts` and
 * `maxElapsedMs`, its logging with secrets redacted, and its per-call hooks and process-wide
 * events (`onRetry`, `onExhausted`, `onUnknownOutcome`). When the run gives up it rejects, as
 * p-retry does, with the last error itself.
 *
 * p-retry copies its options at the start of every call, and each copy gets its own run state
 * (start time, previous delay): one result can serve many calls, concurrent ones too, and
 * `makeRetriable`. To add p-retry options, spread it inside the call
 * (`pRetry(fn, { ...pRetryOptions(o), unref: true })`): a spread copy kept and shared by
 * concurrent calls would share one run state. Do not override `onFailedAttempt`,
 * `shouldRetry`, `shouldConsumeRetry` or the delay options: they carry tenacious's rules.
 * Nothing from p-retry is imported.
 *
 * @example
 * ```ts
 * import pRetry from 'p-retry';
 * import { httpClassifier } from 'tenacious/http';
 * import { pRetryOptions } from 'tenacious/p-retry';
 *
 * const ticker = await pRetry(
 *   () => getJson('https://api.example.com/ticker'),
 *   pRetryOptions({ operation: 'get_ticker', maxAttempts: 5, classify: httpClassifier(), logger }),
 * );
 * ```
 */
export function pRetryOptions(options: PRetryRetryOptions = {}): PRetryOptions {
  for (const key of Object.keys(options)) {
    const why = UNSUPPORTED[key as keyof typeof UNSUPPORTED];
    const value = (options as Record<string, unknown>)[key];
    if (why !== undefined && value !== undefined) {
      throw new TypeError(
        `pRetryOptions: ${key}: expected nothing with p-retry (${why}), got ${describeValue(value)}`,
      );
    }
  }
  const plan = planFor(options);
  const result: Omit<PRetryOptions, 'onFailedAttempt'> = {
    retries: plan.maxAttempts - 1,
    // p-retry's own delay is zero (no timer at all): tenacious's is slept in onFailedAttempt.
    factor: 1,
    minTimeout: 0,
    maxTimeout: 0,
    randomize: false,
    // maxElapsedMs is checked before each delay, so that giving up fires onExhausted.
    maxRetryTime: Infinity,
    ...(plan.signal === undefined ? {} : { signal: plan.signal }),
    ...(plan.unref ? { unref: true } : {}),
    shouldConsumeRetry,
    shouldRetry,
  };
  // p-retry spreads its options into a copy at the start of every call, reading this getter
  // once per call: each call gets a fresh handler with its own start time and previous delay.
  return Object.defineProperty(result, 'onFailedAttempt', {
    enumerable: true,
    get: () => failedAttemptHandler(plan),
  }) as PRetryOptions;
}

/** What a run carries from one failed attempt to the next. */
interface RunState {
  start: number;
  previousDelayMs: number;
  lastAttempt: number;
}

/**
 * One run's `onFailedAttempt`: classifies, then stops by throwing (p-retry rejects with what
 * `onFailedAttempt` throws), or reports the retry and sleeps its delay before returning.
 */
function failedAttemptHandler(plan: Plan) {
  const clock: Clock = plan.clock ?? hub.defaultClock ?? (plan.unref ? unrefRealClock : realClock);
  const run: RunState = { start: clock.now(), previousDelayMs: 0, lastAttempt: 0 };
  return async function onFailedAttempt(
    this: { signal?: AbortSignal } | undefined,
    context: PRetryContext,
  ): Promise<void> {
    const { error, attemptNumber: attempt } = context;
    // The same handler seen starting over: a copy spread once by the caller and reused.
    if (attempt <= run.lastAttempt) {
      run.start = clock.now();
      run.previousDelayMs = 0;
    }
    run.lastAttempt = attempt;
    const operation = plan.operation ?? 'anonymous';
    const verdict = judge(plan, { ok: false, error })!;
    const elapsedMs = clock.now() - run.start;
    if (verdict.action === 'fail') {
      if (!plan.wrapFailures) throw error;
      const reason = verdict.reason;
      throw new PermanentFailureError({
        operation,
        attempt,
        elapsedMs,
        reason,
        cause: error,
      });
    }
    if (verdict.action === 'unknown' && !plan.idempotent) {
      publish(UNKNOWN_OUTCOME, plan, undefined, {
        operation,
        attempt,
        elapsedMs,
        verdict,
        error,
        resolution: 'unreconciled',
      });
      throw new UnknownOutcomeError({ operation, attempt, cause: error, reason: verdict.reason });
    }
    // p-retry 8 and later (their context has `retryDelay`) never retry such an error, whatever
    // the options say: stop here rather than report a retry that will not happen.
    if ('retryDelay' in context && isProgrammingError(error)) throw error;
    // The engine's own decision: the delay, or why to give up (attempts, Retry-After, time).
    const next = nextDelay(plan, attempt, run.previousDelayMs, verdict, elapsedMs);
    if (next.kind === 'give-up') {
      const { reason } = next;
      publish(EXHAUSTED, plan, undefined, {
        operation,
        attempts: attempt,
        elapsedMs,
        error,
        verdict,
        reason,
      });
      throw error;
    }
    const { delayMs } = next;
    publish(RETRY, plan, undefined, {
      operation,
      attempt,
      maxAttempts: plan.maxAttempts,
      delayMs,
      verdict,
      error,
      elapsedMs,
    });
    run.previousDelayMs = delayMs;
    if (delayMs > 0) await clock.sleep(delayMs, this?.signal ?? plan.signal);
  };
}

/**
 * p-retry never retries a `TypeError` that is not a network error once it consumes a retry, so a
 * failure tenacious decided to retry does not consume one (p-retry 7 then retries it). The
 * attempt count that stops the run is tenacious's own (`attemptNumber` against `maxAttempts`).
 */
function shouldConsumeRetry(context: PRetryContext): boolean {
  return !isProgrammingError(context.error);
}

/** Reached only when `onFailedAttempt` returned: tenacious has already decided to retry. */
function shouldRetry(): boolean {
  return true;
}

/** A `TypeError` that is not a network error. */
function isProgrammingError(error: unknown): boolean {
  return error instanceof TypeError && !isFetchNetworkError(error);
}
