import { channel, tracingChannel } from 'node:diagnostics_channel';
import { defaultClassifier } from './classify.js';
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
  RunEnd,
  RunScope,
  UnknownOutcomeEvent,
  UnknownOutcomeResolution,
  Verdict,
} from './types.js';
import { describeValue } from './validate.js';

/** The function retried: called once per attempt with a fresh {@link AttemptContext}. */
export type Attempt<T> = (ctx: AttemptContext) => T | PromiseLike<T>;

/** A signal that never aborts, handed to attempts when the caller gave none (allocated once). */
const NEVER_ABORTED: AbortSignal = new AbortController().signal;

/** Tracing tools subscribe to these without any configuration. */
const retryChannel = channel('tenacious:retry');
const exhaustedChannel = channel('tenacious:exhausted');
const unknownOutcomeChannel = channel('tenacious:unknown-outcome');
/** `tracing:tenacious:run:{start,end,asyncStart,asyncEnd,error}` around every run, for APM agents. */
const runChannel = tracingChannel<object, RunTraceContext>('tenacious:run');

/** What the `tenacious:run` tracing channel publishes. */
interface RunTraceContext {
  operation: string;
  error?: unknown;
  result?: unknown;
}

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
  let plan: Plan;
  try {
    plan = options === undefined ? DEFAULT_PLAN : planFor(options);
  } catch (error) {
    return Promise.reject(error);
  }
  return run(fn, plan);
}

/**
 * Runs `fn` under an already validated plan (used by `retry`, `createRetry` and `retryable`).
 * Instrumentation (the `tenacious:run` tracing channel, `tenacious/otel`) wraps the loop only
 * while someone listens: otherwise a run costs two property reads more than the loop itself.
 */
export function run<T>(fn: Attempt<T>, plan: Plan, defaultOperation?: string): Promise<T> {
  if (typeof fn !== 'function') {
    // `retry(promise)` by mistake: that promise's rejection must not go unhandled.
    if (isThenable(fn)) (fn as PromiseLike<unknown>).then(undefined, () => {});
    return Promise.reject(new TypeError(`fn: expected a function, got ${describeValue(fn)}`));
  }
  if (hub.instrumentation === undefined && !runChannel.hasSubscribers) {
    return loop(fn, plan, defaultOperation, undefined);
  }
  return instrumented(fn, plan, defaultOperation);
}

/**
 * The attempt loop. Every attempt, the first included, goes through the same steps: breaker →
 * attempt (with its timeout) → classify → record → success, fail, unknown-outcome handling, or
 * the next delay (or the reason to give up) → events → sleep.
 */
async function loop<T>(
  fn: Attempt<T>,
  plan: Plan,
  defaultOperation: string | undefined,
  trace: Trace | undefined,
): Promise<T> {
  const signal = plan.signal;
  if (signal !== undefined && signal.aborted) throw signal.reason;
  const clock = plan.clock ?? hub.defaultClock ?? (plan.unref ? unrefRealClock : realClock);
  const start = clock.now();
  const breaker = plan.breaker;
  let attempt = 1;
  let elapsedMs = 0;
  let previousDelayMs = 0;
  let lastError: unknown = undefined;
  for (;;) {
    if (trace !== undefined) trace.attempts = attempt;
    // The breaker first: a call it refuses never ran, so it must not earn the budget any retries.
    const token = breaker === undefined ? undefined : breaker.acquire();
    if (attempt === 1) plan.budget?.recordAttempt();

    let value: T | undefined;
    let error: unknown;
    let failed = false;
    try {
      value = await (plan.attemptTimeoutMs === 0 && trace === undefined
        ? fn({ attempt, signal: signal ?? NEVER_ABORTED, elapsedMs, lastError })
        : attemptOnce(fn, plan, attempt, elapsedMs, lastError, defaultOperation, trace?.scope));
    } catch (thrown) {
      error = thrown;
      failed = true;
    }
    // A caller's abort wins over a failed attempt; a value that was obtained is still returned.
    if (failed && signal !== undefined && signal.aborted) {
      breaker?.record(token, 'fail');
      mark(trace, 'aborted');
      throw signal.reason;
    }

    let verdict: Verdict | undefined;
    if (failed || plan.classifiesValues) {
      try {
        verdict = judge(plan, failed ? { ok: false, error } : { ok: true, value });
      } catch (classifierFault) {
        breaker?.record(token, 'fail');
        throw classifierFault;
      }
    }
    if (breaker !== undefined)
      breaker.record(token, verdict === undefined ? 'success' : verdict.action);
    if (verdict === undefined || (!failed && verdict.action === 'fail')) {
      return succeed(plan, fn, defaultOperation, value as T, attempt, clock, start);
    }
    if (verdict.action === 'fail') {
      mark(trace, 'fail');
      throw error;
    }

    // From here on the attempt failed (or its value asked for a retry): a cold path.
    const operation = plan.operation ?? defaultOperation ?? operationName(fn);
    const outcome: Outcome<T> = failed ? { ok: false, error } : { ok: true, value: value as T };
    if (verdict.clientRetried !== undefined)
      warnClientRetried(plan, operation, verdict.clientRetried);
    if (verdict.action === 'unknown' && !plan.idempotent) {
      mark(trace, 'unknown-outcome', verdict.reason);
      const resolved = await resolveUnknown(
        plan,
        operation,
        attempt,
        clock.now() - start,
        outcome,
        verdict,
      );
      if (resolved.executed) {
        return succeed(plan, fn, defaultOperation, resolved.value as T, attempt, clock, start);
      }
      verdict = resolved.verdict;
      mark(trace, 'error');
    }

    // The next delay, or the reason to give up.
    elapsedMs = clock.now() - start;
    const next = nextDelay(plan, attempt, previousDelayMs, verdict, elapsedMs);
    if (typeof next === 'string') {
      mark(trace, 'exhausted', next);
      return exhaust(plan, operation, attempt, clock.now() - start, outcome, verdict, next);
    }
    const delayMs = next;
    if (
      plan.onRetry.length !== 0 ||
      hub.retry.listeners.length !== 0 ||
      plan.logger !== undefined ||
      retryChannel.hasSubscribers ||
      trace !== undefined
    ) {
      emitRetry(
        plan,
        trace?.scope,
        retryEvent(operation, attempt, plan, delayMs, verdict, outcome, elapsedMs),
      );
    }
    mark(trace, 'aborted');
    if (delayMs > 0) await clock.sleep(delayMs, signal);
    if (signal !== undefined && signal.aborted) throw signal.reason;
    mark(trace, 'error');
    elapsedMs = clock.now() - start;
    // Checked again: a slow hook or a late timer must not start an attempt past the budget.
    if (elapsedMs > plan.maxElapsedMs) {
      mark(trace, 'exhausted', 'elapsed');
      return exhaust(plan, operation, attempt, elapsedMs, outcome, verdict, 'elapsed');
    }
    previousDelayMs = delayMs;
    lastError = error;
    attempt++;
  }
}

/**
 * The delay before the next attempt (the larger of the backoff and the server's Retry-After), or
 * the reason to give up instead.
 */
export function nextDelay(
  plan: Plan,
  attempt: number,
  previousDelayMs: number,
  verdict: Verdict,
  elapsedMs: number,
): number | ExhaustedReason {
  if (attempt >= plan.maxAttempts) return 'attempts';
  const retryAfterMs = verdict.retryAfterMs;
  if (retryAfterMs !== undefined && retryAfterMs > plan.maxRetryAfterMs) {
    return 'retry-after-too-long';
  }
  const computed = plan.backoff({ retry: attempt, previousDelayMs, random: plan.random });
  if (typeof computed !== 'number' || !(computed >= 0)) {
    throw new TypeError(`backoff: expected a number >= 0, got ${describeValue(computed)}`);
  }
  const delayMs = clampDelay(
    retryAfterMs !== undefined && retryAfterMs > computed ? retryAfterMs : computed,
  );
  // tenacity's stop_before_delay: never sleep past the budget, so never start an attempt after it.
  if (elapsedMs + delayMs > plan.maxElapsedMs) return 'elapsed';
  if (plan.budget !== undefined && !plan.budget.tryRetry()) return 'budget';
  return delayMs;
}

function retryEvent(
  operation: string,
  attempt: number,
  plan: Plan,
  delayMs: number,
  verdict: Verdict,
  outcome: Outcome<unknown>,
  elapsedMs: number,
): RetryEvent {
  const event: RetryEvent = {
    operation,
    attempt,
    maxAttempts: plan.maxAttempts,
    delayMs,
    verdict,
    elapsedMs,
  };
  if (outcome.ok) event.value = outcome.value;
  else event.error = outcome.error;
  return event;
}

/**
 * The first verdict of the user's classifiers, else the default rule (which judges every error).
 * A classifier that throws or returns a malformed verdict is a bug in the caller's code: the run
 * rejects with a `TypeError` rather than guess.
 */
export function judge(plan: Plan, outcome: Outcome<unknown>): Verdict | undefined {
  for (const classifier of plan.classifiers) {
    let verdict: Verdict | undefined;
    try {
      verdict = classifier(outcome);
    } catch (error) {
      throw new TypeError(`classify: a classifier threw: ${describeValue(error)}`, {
        cause: error,
      });
    }
    if (verdict !== undefined) {
      if (verdict.action !== 'retry' && verdict.action !== 'fail' && verdict.action !== 'unknown') {
        // An async classifier by mistake: its promise must not add an unhandled rejection.
        if (isThenable(verdict)) verdict.then(undefined, () => {});
        throw new TypeError(
          `classify: expected a verdict with action retry, fail or unknown, got ${describeValue(verdict)}`,
        );
      }
      return verdict;
    }
  }
  return outcome.ok ? undefined : defaultClassifier(outcome);
}

type Resolved = { executed: true; value: unknown } | { executed: false; verdict: Verdict };

/**
 * An `unknown` verdict on a non-idempotent call: reconcile it, or reject with
 * `UnknownOutcomeError`. Every resolution is reported (event, hook, log), whatever happens next.
 */
async function resolveUnknown(
  plan: Plan,
  operation: string,
  attempt: number,
  elapsedMs: number,
  outcome: Outcome<unknown>,
  verdict: Verdict,
): Promise<Resolved> {
  const event: UnknownOutcomeEvent = {
    operation,
    attempt,
    elapsedMs,
    verdict,
    ...(outcome.ok ? { value: outcome.value } : { error: outcome.error }),
    resolution: 'unreconciled',
  };
  if (plan.reconcile === undefined) {
    reportUnknown(plan, event);
    throw new UnknownOutcomeError({
      operation,
      attempt,
      cause: outcome.ok ? outcome.value : outcome.error,
      reason: verdict.reason,
    });
  }
  let answer;
  try {
    answer = await plan.reconcile({
      operation,
      attempt,
      error: outcome.ok ? undefined : outcome.error,
      value: outcome.ok ? outcome.value : undefined,
      verdict,
      signal: plan.signal ?? NEVER_ABORTED,
      elapsedMs,
    });
    if (answer?.executed !== true && answer?.executed !== false) {
      throw new TypeError(
        `reconcile: expected { executed: true, value } or { executed: false }, got ${describeValue(answer)}`,
      );
    }
  } catch (reconcileError) {
    reportUnknown(plan, { ...event, resolution: 'reconcile-failed', reconcileError });
    throw reconcileError;
  }
  if (answer.executed) {
    reportUnknown(plan, { ...event, resolution: 'executed' });
    return { executed: true, value: answer.value };
  }
  reportUnknown(plan, { ...event, resolution: 'not-executed' });
  // Reconciled as not executed: safe to send again.
  return {
    executed: false,
    verdict: {
      action: 'retry',
      reason: `${verdict.reason} (reconciled: not executed)`,
      ...(verdict.retryAfterMs === undefined ? {} : { retryAfterMs: verdict.retryAfterMs }),
    },
  };
}

const UNKNOWN_LOG_LEVEL: Readonly<Record<UnknownOutcomeResolution, 'warn' | 'error'>> = {
  executed: 'warn',
  'not-executed': 'warn',
  unreconciled: 'error',
  'reconcile-failed': 'error',
};

/** Reports an unknown outcome and its resolution. Shared with `tenacious/p-retry`. */
export function reportUnknown(plan: Plan, event: UnknownOutcomeEvent): void {
  emitAll(plan.onUnknownOutcome, event, plan.logger, 'onUnknownOutcome hook');
  hub.unknownOutcome.emit(event, plan.logger);
  if (unknownOutcomeChannel.hasSubscribers) unknownOutcomeChannel.publish(event);
  if (plan.logger !== undefined) {
    const err = event.reconcileError ?? event.error;
    log(
      plan,
      UNKNOWN_LOG_LEVEL[event.resolution],
      {
        operation: event.operation,
        attempt: event.attempt,
        reason: event.verdict.reason,
        resolution: event.resolution,
        err: err === undefined ? undefined : serializeError(err),
      },
      `${event.operation}: outcome unknown after attempt ${event.attempt} (${event.verdict.reason}); ${event.resolution}`,
    );
  }
}

function succeed<T>(
  plan: Plan,
  fn: Attempt<T>,
  defaultOperation: string | undefined,
  value: T,
  attempts: number,
  clock: Clock,
  start: number,
): T {
  // The clock is read only for listeners: a read costs as much as the rest of a success.
  if (plan.onSuccess.length !== 0 || hub.success.listeners.length !== 0) {
    const event = {
      operation: plan.operation ?? defaultOperation ?? operationName(fn),
      attempts,
      elapsedMs: clock.now() - start,
      value,
    };
    emitAll(plan.onSuccess, event, plan.logger, 'onSuccess hook');
    hub.success.emit(event, plan.logger);
  }
  return value;
}

/** Gives up: fires the exhaustion hooks and logs, then rejects (or, with `reraise`, rethrows/resolves). */
function exhaust<T>(
  plan: Plan,
  operation: string,
  attempts: number,
  elapsedMs: number,
  outcome: Outcome<T>,
  verdict: Verdict,
  reason: ExhaustedReason,
): T {
  const error = outcome.ok ? undefined : outcome.error;
  reportExhausted(plan, { operation, attempts, elapsedMs, error, verdict, reason }, !outcome.ok);
  if (plan.reraise) {
    if (outcome.ok) return outcome.value;
    throw error;
  }
  throw new RetryExhaustedError({
    operation,
    attempts,
    elapsedMs,
    reason,
    cause: error,
    ...(outcome.ok ? { value: outcome.value } : {}),
  });
}

/**
 * Tells the hooks, the process-wide listeners, the diagnostics channel and the logger that a run
 * gave up (`failed`: on a thrown error rather than a returned value). Shared with
 * `tenacious/p-retry`.
 */
export function reportExhausted(plan: Plan, event: ExhaustedEvent, failed: boolean): void {
  emitAll(plan.onExhausted, event, plan.logger, 'onExhausted hook');
  hub.exhausted.emit(event, plan.logger);
  if (exhaustedChannel.hasSubscribers) exhaustedChannel.publish(event);
  if (plan.logger !== undefined) {
    const { operation, attempts, reason } = event;
    log(
      plan,
      'error',
      {
        operation,
        attempts,
        elapsedMs: Math.round(event.elapsedMs),
        reason,
        verdict: event.verdict.reason,
        err: failed ? serializeError(event.error) : undefined,
      },
      `${operation} gave up after ${attempts} attempt${attempts === 1 ? '' : 's'} (${reason})`,
    );
  }
}

/** Tells everyone who listens about a retry, before its delay. Shared with `tenacious/p-retry`. */
export function emitRetry(plan: Plan, scope: RunScope | undefined, event: RetryEvent): void {
  emitAll(plan.onRetry, event, plan.logger, 'onRetry hook');
  hub.retry.emit(event, plan.logger);
  if (retryChannel.hasSubscribers) retryChannel.publish(event);
  if (scope !== undefined) callScope(() => scope.retry(event));
  if (plan.logger !== undefined) {
    const delayMs = Math.round(event.delayMs);
    log(
      plan,
      'warn',
      {
        operation: event.operation,
        attempt: event.attempt,
        maxAttempts: event.maxAttempts,
        delayMs,
        reason: event.verdict.reason,
        err: event.error === undefined ? undefined : serializeError(event.error),
      },
      `${event.operation} attempt ${event.attempt}/${event.maxAttempts} failed (${event.verdict.reason}); retrying in ${delayMs} ms`,
    );
  }
}

/**
 * Operations already warned about a client that retries by itself: one warning per operation
 * per process is enough to find the setting, and a bound keeps a flood of names from growing it.
 */
const warnedClientRetries = new Set<string>();
const MAX_WARNED_OPERATIONS = 1000;

function warnClientRetried(
  plan: Plan,
  operation: string,
  { attempts, setting }: NonNullable<Verdict['clientRetried']>,
): void {
  if (plan.logger === undefined || warnedClientRetries.has(operation)) return;
  if (warnedClientRetries.size < MAX_WARNED_OPERATIONS) warnedClientRetries.add(operation);
  log(
    plan,
    'warn',
    { operation, clientAttempts: attempts, setting },
    `${operation}: the client already made ${attempts} attempts by itself; turn its retries off (${setting}) so that attempts are not multiplied`,
  );
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
 * One attempt with what the plain call leaves out: the `attemptTimeoutMs` timer and the
 * instrumentation scope. Under a timeout, `ctx.signal` aborts on the caller's abort or the
 * timeout, and the attempt fails with `AttemptTimeoutError` even when `fn` ignores the signal.
 * The timer is a real one (an attempt's work takes real time, whatever clock paces the delays),
 * cleared as soon as the attempt settles.
 */
function attemptOnce<T>(
  fn: Attempt<T>,
  plan: Plan,
  attempt: number,
  elapsedMs: number,
  lastError: unknown,
  defaultOperation: string | undefined,
  scope: RunScope | undefined,
): T | PromiseLike<T> {
  const call = (signal: AbortSignal) => {
    const ctx = { attempt, signal, elapsedMs, lastError };
    return scope === undefined ? fn(ctx) : scope.attempt(attempt, () => fn(ctx));
  };
  if (plan.attemptTimeoutMs === 0) return call(plan.signal ?? NEVER_ABORTED);
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
        operation: plan.operation ?? defaultOperation ?? operationName(fn),
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
    new Promise<T>((r) => r(call(controller.signal))).then(
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

// Instrumentation: only runs while `tenacious/otel` or a tracing-channel subscriber listens.

/** What the loop tells an instrumented run's scope: attempts made and how the run ended. */
interface Trace {
  readonly scope: RunScope;
  attempts: number;
  /** How the run ends if it rejects now. */
  kind: Exclude<RunEnd['kind'], 'ok'>;
  /** The exhaustion reason, or the unknown verdict's reason. */
  reason?: string;
}

function instrumented<T>(
  fn: Attempt<T>,
  plan: Plan,
  defaultOperation: string | undefined,
): Promise<T> {
  const operation = plan.operation ?? defaultOperation ?? operationName(fn);
  let trace: Trace | undefined;
  const instrumentation = hub.instrumentation;
  if (instrumentation !== undefined) {
    try {
      trace = { scope: instrumentation.start(operation), attempts: 0, kind: 'error' };
    } catch (error) {
      reportListenerError(error, plan.logger, 'instrumentation');
    }
  }
  const clock = plan.clock ?? hub.defaultClock ?? realClock;
  const start = clock.now();
  const execute = (): Promise<T> => {
    const promise = loop(fn, plan, defaultOperation, trace);
    if (trace === undefined) return promise;
    const t = trace;
    return promise.then(
      (value) => {
        endScope(t.scope, { kind: 'ok', attempts: t.attempts, elapsedMs: clock.now() - start });
        return value;
      },
      (error: unknown) => {
        const kind = t.kind;
        const end = { kind, attempts: t.attempts, elapsedMs: clock.now() - start, error };
        endScope(t.scope, t.reason === undefined ? end : { ...end, reason: t.reason });
        throw error;
      },
    );
  };
  return runChannel.hasSubscribers ? runChannel.tracePromise(execute, { operation }) : execute();
}

/** Records, for an instrumented run, how it ends if it rejects now. */
function mark(trace: Trace | undefined, kind: Trace['kind'], reason?: string): void {
  if (trace === undefined) return;
  trace.kind = kind;
  trace.reason = reason;
}

function endScope(scope: RunScope, end: RunEnd): void {
  callScope(() => scope.end(end));
}

/** Instrumentation faults are reported, never passed to the caller. */
function callScope(call: () => void): void {
  try {
    call();
  } catch (error) {
    reportListenerError(error, undefined, 'instrumentation');
  }
}
