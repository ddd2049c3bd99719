import { channel, tracingChannel } from 'node:diagnostics_channel';
import { setMaxListeners } from 'node:events';
import { defaultClassifier } from './classify.js';
import { clampDelay, onAbort, realClock, unrefRealClock } from './clock.js';
import { AttemptTimeoutError, RetryExhaustedError, UnknownOutcomeError } from './errors.js';
import { emitAll, hub, isThenable, reportListenerError } from './hub.js';
import { DEFAULT_PLAN, planFor, type Plan, type RetryOptions } from './options.js';
import { serializeError } from './redaction/redact.js';
import { readOutcomeBody } from './response-body.js';
import type {
  AttemptContext,
  ExhaustedEvent,
  ExhaustedReason,
  Outcome,
  SuccessEvent,
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

/**
 * A signal that never aborts, handed to attempts when the caller gave none (allocated once).
 * Clients add an 'abort' listener to it for every request in flight, so every run shares its
 * listener list: more than ten at once is normal here, not the leak Node warns about.
 */
const NEVER_ABORTED: AbortSignal = new AbortController().signal;
// Infinity, not 0: Node 20's `getMaxListeners` throws on an EventTarget whose limit is 0, and
// undici's `Request` calls it on the signal it is given.
setMaxListeners(Infinity, NEVER_ABORTED);

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
 *
 * A run waiting in its delay keeps this function's frame alive, and V8 keeps every local and
 * temporary of an async function in that frame: the cold steps therefore live in small helpers
 * and events are built as object literals rather than passed as wide argument lists (bench S4
 * measures the bytes one waiting retry keeps; test/bench/memory.heavy.test.ts holds it within
 * 1.1x of a minimal hand-written loop).
 */
async function loop<T>(
  fn: Attempt<T>,
  plan: Plan,
  defaultOperation: string | undefined,
  trace: Trace | undefined,
): Promise<T> {
  if (plan.signal !== undefined && plan.signal.aborted) throw plan.signal.reason;
  const clock = plan.clock ?? hub.defaultClock ?? (plan.unref ? unrefRealClock : realClock);
  const start = clock.now();
  let attempt = 1;
  let elapsedMs = 0;
  /** The delay slept before this attempt, then the next one (or the reason to give up). */
  let delayMs: number | ExhaustedReason = 0;
  /** What the last attempt returned or, when `failed`, threw: the next attempt's `lastError`. */
  let result: unknown = undefined;
  let failed = false;
  for (;;) {
    if (trace !== undefined) trace.attempts = attempt;
    // The breaker first: a call it refuses never ran, so it must not earn the budget any retries.
    const token = plan.breaker === undefined ? undefined : plan.breaker.acquire();
    if (attempt === 1) plan.budget?.recordAttempt();

    try {
      result = await (plan.attemptTimeoutMs === 0 && trace === undefined
        ? fn({
            attempt,
            signal: plan.signal ?? NEVER_ABORTED,
            elapsedMs,
            lastError: failed ? result : undefined,
          })
        : attemptOnce(
            fn,
            plan,
            { attempt, signal: NEVER_ABORTED, elapsedMs, lastError: failed ? result : undefined },
            defaultOperation,
            trace,
          ));
      failed = false;
    } catch (thrown) {
      result = thrown;
      failed = true;
    }

    // A caller's abort wins over a failed attempt; a value that was obtained is still returned.
    if (failed && plan.signal !== undefined && plan.signal.aborted) {
      plan.breaker?.record(token, 'fail');
      mark(trace, 'aborted');
      throw plan.signal.reason;
    }
    if (plan.readsBodies) await readOutcomeBody(failed, result);
    let verdict = verdictOf(plan, token, failed, result);
    if (verdict !== undefined && verdict.action !== 'fail') {
      // The attempt failed (or its value asked for a retry): a cold path from here.
      if (verdict.clientRetried !== undefined) {
        warnClientRetried(
          plan,
          operationName(fn, plan.operation ?? defaultOperation),
          verdict.clientRetried,
        );
      }
      if (verdict.action === 'unknown' && !plan.idempotent) {
        mark(trace, 'unknown-outcome', verdict.reason);
        const resolved = await resolveUnknown(
          plan,
          {
            operation: operationName(fn, plan.operation ?? defaultOperation),
            attempt,
            elapsedMs: clock.now() - start,
            verdict,
            ...outcomeFields(failed, result),
            resolution: 'unreconciled',
          },
          failed,
        );
        if (resolved.executed) {
          result = resolved.value;
          failed = false;
          verdict = undefined;
        } else {
          verdict = resolved.verdict;
          mark(trace, 'error');
        }
      }
    }

    if (verdict === undefined || (!failed && verdict.action === 'fail')) {
      // The clock is read only for listeners: a read costs as much as the rest of a success.
      if (plan.onSuccess.length !== 0 || hub.success.listeners.length !== 0) {
        reportSuccess(plan, {
          operation: operationName(fn, plan.operation ?? defaultOperation),
          attempts: attempt,
          elapsedMs: clock.now() - start,
          value: result,
        });
      }
      return result as T;
    }
    if (verdict.action === 'fail') {
      mark(trace, 'fail');
      throw result;
    }

    // The next delay, or the reason to give up.
    elapsedMs = clock.now() - start;
    delayMs = nextDelay(plan, attempt, delayMs, verdict, elapsedMs);
    if (typeof delayMs === 'number') {
      if (
        plan.onRetry.length !== 0 ||
        hub.retry.listeners.length !== 0 ||
        plan.logger !== undefined ||
        retryChannel.hasSubscribers ||
        trace !== undefined
      ) {
        emitRetry(plan, trace === undefined ? undefined : trace.scope, {
          operation: operationName(fn, plan.operation ?? defaultOperation),
          attempt,
          maxAttempts: plan.maxAttempts,
          delayMs,
          verdict,
          ...outcomeFields(failed, result),
          elapsedMs,
        });
      }
      mark(trace, 'aborted');
      if (delayMs > 0) await clock.sleep(delayMs, plan.signal);
      if (plan.signal !== undefined && plan.signal.aborted) throw plan.signal.reason;
      mark(trace, 'error');
      elapsedMs = clock.now() - start;
      // Checked again: a slow hook or a late timer must not start an attempt past the budget.
      if (elapsedMs <= plan.maxElapsedMs) {
        attempt++;
        continue;
      }
      delayMs = 'elapsed';
    }
    mark(trace, 'exhausted', delayMs);
    return exhaust(
      plan,
      {
        operation: operationName(fn, plan.operation ?? defaultOperation),
        attempts: attempt,
        elapsedMs: clock.now() - start,
        error: failed ? result : undefined,
        verdict,
        reason: delayMs,
      },
      failed,
      result,
    );
  }
}

/**
 * Classifies a settled attempt and records it on the breaker; a classifier that throws still
 * counts as a failure for the breaker.
 */
function verdictOf(
  plan: Plan,
  token: unknown,
  failed: boolean,
  result: unknown,
): Verdict | undefined {
  const breaker = plan.breaker;
  let verdict: Verdict | undefined;
  if (failed || plan.classifiesValues) {
    try {
      verdict = judge(plan, failed ? { ok: false, error: result } : { ok: true, value: result });
    } catch (classifierFault) {
      breaker?.record(token, 'fail');
      throw classifierFault;
    }
  }
  breaker?.record(token, verdict === undefined ? 'success' : verdict.action);
  return verdict;
}

/** An event's `error` (the attempt threw) or `value` (it returned). */
function outcomeFields(failed: boolean, result: unknown): { error: unknown } | { value: unknown } {
  return failed ? { error: result } : { value: result };
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
 * `event` is the `unreconciled` report; `failed` tells whether it carries an error or a value.
 */
async function resolveUnknown(
  plan: Plan,
  event: UnknownOutcomeEvent,
  failed: boolean,
): Promise<Resolved> {
  const { operation, attempt, verdict } = event;
  if (plan.reconcile === undefined) {
    reportUnknown(plan, event);
    throw new UnknownOutcomeError({
      operation,
      attempt,
      cause: failed ? event.error : event.value,
      reason: verdict.reason,
    });
  }
  let answer;
  try {
    answer = await plan.reconcile({
      operation,
      attempt,
      error: event.error,
      value: event.value,
      verdict,
      signal: plan.signal ?? NEVER_ABORTED,
      elapsedMs: event.elapsedMs,
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

/** Tells the success hooks and the process-wide listeners that a run resolved. */
function reportSuccess(plan: Plan, event: SuccessEvent): void {
  emitAll(plan.onSuccess, event, plan.logger, 'onSuccess hook');
  hub.success.emit(event, plan.logger);
}

/**
 * Gives up: fires the exhaustion hooks and logs, then rejects (or, with `reraise`, rethrows the
 * last error or resolves with the last value).
 */
function exhaust<T>(plan: Plan, event: ExhaustedEvent, failed: boolean, result: unknown): T {
  reportExhausted(plan, event, failed);
  if (plan.reraise) {
    if (failed) throw result;
    return result as T;
  }
  throw new RetryExhaustedError({
    operation: event.operation,
    attempts: event.attempts,
    elapsedMs: event.elapsedMs,
    reason: event.reason,
    cause: event.error,
    ...(failed ? {} : { value: result }),
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

/** The `operation` option (or the decorated method's name), else the function's own name. */
function operationName(fn: Attempt<unknown>, given: string | undefined): string {
  if (given !== undefined) return given;
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
  ctx: AttemptContext,
  defaultOperation: string | undefined,
  trace: Trace | undefined,
): T | PromiseLike<T> {
  const scope = trace?.scope;
  const call = (signal: AbortSignal) => {
    ctx.signal = signal;
    return scope === undefined ? fn(ctx) : scope.attempt(ctx.attempt, () => fn(ctx));
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
        operation: operationName(fn, plan.operation ?? defaultOperation),
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
  const operation = operationName(fn, plan.operation ?? defaultOperation);
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
