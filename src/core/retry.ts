import { DUPLICATE_CLIENT_ORDER_ID } from './classify.js';
import { clampDelay, realClock, unrefRealClock } from './clock.js';
import { nameOf, startAttempt, type Attempt } from './attempt.js';
import { PermanentFailureError, RetryExhaustedError } from './errors.js';
import { hub, isThenable } from './hub.js';
import { DEFAULT_PLAN, planFor, type Plan, type RetryOptions } from './options.js';
import {
  CLIENT_RETRIED,
  EXHAUSTED,
  FAIL,
  listens,
  publish,
  RETRY,
  SUCCESS,
  type FailEvent,
} from './publish.js';
import { raceAttempt } from './hedged-attempt.js';
import { settled, verdictOf } from './judge.js';
import { readOutcomeBody } from './response-body.js';
import { isTraced, withTrace, type Trace } from './trace.js';
import type { Clock, ExhaustedReason, Outcome, Verdict } from './types.js';
import { resolveUnknown } from './unknown-outcome.js';
import { describeValue } from './validate.js';

export type { Attempt } from './attempt.js';
export { judge } from './judge.js';

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
 * `retry` for tenacious's own calls (an alert delivery): the run's hooks and logger work as
 * usual, but the process-wide events, metrics and traces do not see it, so it is neither counted
 * as one of the service's attempts nor parented to the service's trace.
 */
export function retryInternally<T>(fn: Attempt<T>, options: RetryOptions<T>): Promise<T> {
  let plan: Plan;
  try {
    plan = { ...planFor(options), internal: true };
  } catch (error) {
    return Promise.reject(error);
  }
  return run(fn, plan);
}

/**
 * Runs `fn` under an already validated plan (used by `retry`, `createRetry` and `retryable`).
 * Instrumentation wraps the loop only while someone listens.
 */
export function run<T>(fn: Attempt<T>, plan: Plan, defaultOperation?: string): Promise<T> {
  if (typeof fn !== 'function') {
    // `retry(promise)` by mistake: that promise's rejection must not go unhandled.
    if (isThenable(fn)) (fn as PromiseLike<unknown>).then(undefined, () => {});
    return Promise.reject(new TypeError(`fn: expected a function, got ${describeValue(fn)}`));
  }
  const traced = isTraced(plan);
  // Named once per run. `fn.name` costs a success about a tenth of its time, so a run that
  // needs no name before its first verdict reads it only once it has to (see the loop).
  const given = plan.operation ?? defaultOperation;
  const operation = given ?? (traced || plan.attemptTimeoutMs !== 0 ? nameOf(fn) : undefined);
  if (!traced) return loop(fn, plan, operation, undefined);
  return withTrace(plan, operation!, (trace) => loop(fn, plan, operation, trace));
}

/**
 * What the loop does after an attempt's verdict. A success shares one `return` object, so the
 * success path allocates no decision.
 */
type Decision =
  Return | { readonly kind: 'reconcile'; readonly verdict: Verdict } | Fail | Wait | GiveUp;

/** Resolve with the attempt's value. */
interface Return {
  readonly kind: 'return';
}

/** A `fail` verdict on a thrown error: the run rejects with it. */
interface Fail {
  readonly kind: 'fail';
  readonly verdict: Verdict;
  readonly elapsedMs: number;
}

/** Sleep `delayMs`, then attempt again. */
export interface Wait {
  readonly kind: 'wait';
  readonly verdict: Verdict;
  readonly delayMs: number;
  readonly elapsedMs: number;
}

/** Stop retrying: the run is exhausted for `reason`. */
export interface GiveUp {
  readonly kind: 'give-up';
  readonly verdict: Verdict;
  readonly reason: ExhaustedReason;
  readonly elapsedMs: number;
}

const RETURN: Return = { kind: 'return' };

/**
 * The attempt loop: attempt, verdict, decision, publish, sleep. A run waiting in its delay keeps
 * this frame and every local in it alive (bench S4), so the steps are sync helpers, which cost a
 * waiting run nothing, and the locals are few.
 */
async function loop<T>(
  fn: Attempt<T>,
  plan: Plan,
  operation: string | undefined,
  trace: Trace | undefined,
): Promise<T> {
  if (plan.signal?.aborted === true) throw plan.signal.reason;
  const clock = plan.clock ?? hub.defaultClock ?? (plan.unref ? unrefRealClock : realClock);
  const start = clock.now();
  let delayMs = 0;
  let elapsedMs = 0;
  let outcome: Outcome<unknown> | undefined;
  for (let attempt = 1; ; attempt++) {
    if (plan.limiter !== undefined) await plan.limiter.acquire(plan.signal);
    const token = admit(plan, attempt);
    let verdict: Verdict | undefined;
    if (plan.hedge === undefined) {
      try {
        const value = await startAttempt(fn, plan, attempt, elapsedMs, outcome, operation, trace);
        // The common case ends here: a value, and nothing to judge, record or tell.
        if (plan.plainSuccess && !listens(SUCCESS, plan, trace)) return value;
        outcome = { ok: true, value };
      } catch (error) {
        outcome = { ok: false, error };
      }
      // A caller's abort wins over a failed attempt; a value that was obtained is still returned.
      if (!outcome.ok && aborted(plan)) throw abandon(plan, token, plan.signal!);
      if (plan.readsBodies) await readOutcomeBody(!outcome.ok, settled(outcome));
      verdict = verdictOf(plan, token, outcome);
    } else {
      const previous = outcome;
      ({ outcome, verdict } = await raceAttempt(
        fn,
        plan,
        clock,
        attempt,
        elapsedMs,
        previous,
        operation,
        trace,
        token,
      ));
    }
    let next: Decision | undefined = decide(plan, attempt, delayMs, outcome, verdict, clock, start);
    if (next === RETURN && !listens(SUCCESS, plan, trace)) return settled(outcome) as T;
    operation ??= nameOf(fn);
    if (verdict?.clientRetried !== undefined) warnClientRetried(plan, operation, verdict);
    if (next.kind === 'reconcile') {
      const unknown = { operation, attempt, elapsedMs: clock.now() - start, verdict: next.verdict };
      ({ outcome, verdict } = await resolveUnknown(plan, trace, unknown, outcome));
      // Resolved: it executed (its value is the result), or it is safe to send again.
      next =
        verdict === undefined
          ? RETURN
          : nextDelay(plan, attempt, delayMs, verdict, clock.now() - start);
    }
    if (next.kind !== 'wait')
      return finish(plan, trace, operation, attempt, next, outcome, clock.now() - start);
    retrying(plan, trace, operation, attempt, next, outcome);
    ({ delayMs, verdict } = next);
    next = undefined; // the delay and the verdict are all a waiting run keeps
    if (delayMs > 0) await clock.sleep(delayMs, plan.signal);
    if (aborted(plan)) throw plan.signal!.reason;
    elapsedMs = clock.now() - start;
    // Checked again: a slow hook or a late timer must not start an attempt past the budget.
    if (elapsedMs > plan.maxElapsedMs) {
      const giveUp: GiveUp = { kind: 'give-up', verdict, reason: 'elapsed', elapsedMs };
      return exhaust(plan, trace, operation, attempt, giveUp, outcome);
    }
  }
}

/** Whether the caller's signal has aborted (read afresh: it aborts while the run awaits). */
function aborted(plan: Plan): boolean {
  return plan.signal !== undefined && plan.signal.aborted;
}

/** Before each attempt: the breaker's permission, and the budget's count of first attempts. */
function admit(plan: Plan, attempt: number): unknown {
  // The breaker first: a call it refuses never ran, so it must not earn the budget any retries.
  const token = plan.breaker === undefined ? undefined : plan.breaker.acquire();
  if (attempt === 1) plan.budget?.recordAttempt();
  return token;
}

/** The caller aborted during an attempt: the breaker counts it, the run rejects with the reason. */
function abandon(plan: Plan, token: unknown, signal: AbortSignal): unknown {
  plan.breaker?.record(token, 'fail');
  return signal.reason;
}

/** Ends the run on any decision but a wait: resolve, fail, or give up. */
function finish<T>(
  plan: Plan,
  trace: Trace | undefined,
  operation: string,
  attempt: number,
  next: Return | Fail | GiveUp,
  outcome: Outcome<unknown>,
  elapsedMs: number,
): T {
  switch (next.kind) {
    case 'return':
      return succeed(plan, trace, operation, attempt, settled(outcome), elapsedMs);
    case 'fail':
      throw failure(plan, trace, operation, attempt, next, settled(outcome));
    case 'give-up':
      return exhaust(plan, trace, operation, attempt, next, outcome);
  }
}

/**
 * Return (a value, or a value whose verdict is `fail`), fail, reconcile an unknown outcome, wait
 * for the next attempt, or give up. An unknown outcome is reconciled on a non-idempotent call,
 * and on any call when the venue reports a duplicate client order id: sending it again cannot
 * succeed, because the order already exists.
 */
function decide(
  plan: Plan,
  attempt: number,
  previousDelayMs: number,
  outcome: Outcome<unknown>,
  verdict: Verdict | undefined,
  clock: Clock,
  start: number,
): Decision {
  if (verdict === undefined || (outcome.ok && verdict.action === 'fail')) return RETURN;
  if (verdict.action === 'unknown' && (!plan.idempotent || isDuplicateOrder(verdict))) {
    return { kind: 'reconcile', verdict };
  }
  const elapsedMs = clock.now() - start;
  if (verdict.action === 'fail') return { kind: 'fail', verdict, elapsedMs };
  return nextDelay(plan, attempt, previousDelayMs, verdict, elapsedMs);
}

/** The venue already has this client order id: an earlier attempt placed the order. */
function isDuplicateOrder(verdict: Verdict): boolean {
  return verdict.reason === DUPLICATE_CLIENT_ORDER_ID;
}

/**
 * The delay before the next attempt (the larger of the backoff and the server's Retry-After), or
 * the reason to give up instead. Shared with `tenacious/p-retry`.
 */
export function nextDelay(
  plan: Plan,
  attempt: number,
  previousDelayMs: number,
  verdict: Verdict,
  elapsedMs: number,
): Wait | GiveUp {
  const giveUp = (reason: ExhaustedReason): GiveUp => ({
    kind: 'give-up',
    verdict,
    reason,
    elapsedMs,
  });
  if (attempt >= plan.maxAttempts) return giveUp('attempts');
  const retryAfterMs = verdict.retryAfterMs;
  if (retryAfterMs !== undefined && retryAfterMs > plan.maxRetryAfterMs) {
    return giveUp('retry-after-too-long');
  }
  const computed = plan.backoff({ retry: attempt, previousDelayMs, random: plan.random });
  if (typeof computed !== 'number' || !(computed >= 0)) {
    throw new TypeError(`backoff: expected a number >= 0, got ${describeValue(computed)}`);
  }
  const delayMs = clampDelay(
    retryAfterMs !== undefined && retryAfterMs > computed ? retryAfterMs : computed,
  );
  // tenacity's stop_before_delay: never sleep past the budget, so never start an attempt after it.
  if (elapsedMs + delayMs > plan.maxElapsedMs) return giveUp('elapsed');
  if (plan.budget !== undefined && !plan.budget.tryRetry()) return giveUp('budget');
  return { kind: 'wait', verdict, delayMs, elapsedMs };
}

/** The run resolves. */
function succeed<T>(
  plan: Plan,
  trace: Trace | undefined,
  operation: string,
  attempts: number,
  value: unknown,
  elapsedMs: number,
): T {
  if (listens(SUCCESS, plan, trace)) {
    publish(SUCCESS, plan, trace, { operation, attempts, elapsedMs, value });
  }
  return value as T;
}

/** The error a `fail` verdict rejects with: the client's own, or wrapped (`wrapFailures`). */
function failure(
  plan: Plan,
  trace: Trace | undefined,
  operation: string,
  attempts: number,
  { verdict, elapsedMs }: { verdict: Verdict; elapsedMs: number },
  error: unknown,
): unknown {
  if (!plan.wrapFailures && !listens(FAIL, plan, trace)) return error;
  const event: FailEvent = { operation, attempts, elapsedMs, verdict, error };
  publish(FAIL, plan, trace, event);
  if (!plan.wrapFailures) return error;
  return new PermanentFailureError({
    operation,
    attempt: attempts,
    elapsedMs,
    reason: verdict.reason,
    cause: error,
  });
}

/** Tells everyone who listens about a retry, before its delay. */
function retrying(
  plan: Plan,
  trace: Trace | undefined,
  operation: string,
  attempt: number,
  { verdict, delayMs, elapsedMs }: Wait,
  outcome: Outcome<unknown>,
): void {
  if (!listens(RETRY, plan, trace)) return;
  const { maxAttempts } = plan;
  const fields = { operation, attempt, maxAttempts, delayMs, verdict, elapsedMs };
  publish(
    RETRY,
    plan,
    trace,
    outcome.ok ? { ...fields, value: outcome.value } : { ...fields, error: outcome.error },
  );
}

/**
 * Gives up: publishes the exhaustion, then rejects (or, with `reraise`, rethrows the last error
 * or resolves with the last value).
 */
function exhaust<T>(
  plan: Plan,
  trace: Trace | undefined,
  operation: string,
  attempts: number,
  { verdict, reason, elapsedMs }: GiveUp,
  outcome: Outcome<unknown>,
): T {
  const error = outcome.ok ? undefined : outcome.error;
  if (listens(EXHAUSTED, plan, trace)) {
    publish(EXHAUSTED, plan, trace, { operation, attempts, elapsedMs, error, verdict, reason });
  }
  if (plan.reraise) {
    if (!outcome.ok) throw outcome.error;
    return outcome.value as T;
  }
  const value = outcome.ok ? { value: outcome.value } : {};
  throw new RetryExhaustedError({ operation, attempts, elapsedMs, reason, cause: error, ...value });
}

/**
 * Operations already warned about a client that retries by itself: one warning per operation
 * per process is enough to find the setting, and a bound keeps a flood of names from growing it.
 */
const warnedClientRetries = new Set<string>();
const MAX_WARNED_OPERATIONS = 1000;

function warnClientRetried(plan: Plan, operation: string, verdict: Verdict): void {
  const { attempts, setting } = verdict.clientRetried!;
  if (verdict.action === 'fail' || !listens(CLIENT_RETRIED, plan, undefined)) return;
  if (warnedClientRetries.has(operation)) return;
  if (warnedClientRetries.size < MAX_WARNED_OPERATIONS) warnedClientRetries.add(operation);
  publish(CLIENT_RETRIED, plan, undefined, { operation, clientAttempts: attempts, setting });
}
