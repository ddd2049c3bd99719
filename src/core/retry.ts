import { DUPLICATE_CLIENT_ORDER_ID } from './classify.js';
import { clampDelay } from './clock.js';
import { attemptContext, startAttempt, type Attempt } from './attempt.js';
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
import { raceAttempt, type RaceEnd } from './hedged-attempt.js';
import { verdictOf } from './judge.js';
import { readOutcomeBody } from './response-body.js';
import {
  clockOf,
  nameOf,
  operationOf,
  outcomeOf,
  runState,
  settle,
  sinceStart,
  sleepDelay,
  type RunState,
} from './run-state.js';
import { isTraced, withTrace, type Trace } from './trace.js';
import type { ExhaustedReason, Verdict } from './types.js';
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
  // `fn.name` costs a success about a tenth of its time: an untraced run reads it only when an
  // event or an error needs the name (operationOf).
  const operation = plan.operation ?? defaultOperation;
  try {
    if (isTraced(plan)) {
      const named = operation ?? nameOf(fn);
      return withTrace(plan, named, (trace) => loop(started(fn, plan, named, trace)));
    }
    if (plan.direct && hub.success.listeners.length === 0) return direct(fn, plan, operation);
    return loop(started(fn, plan, operation, undefined));
  } catch (error) {
    return Promise.reject(error); // a `clock` whose `now()` throws: the run rejects, never throws
  }
}

/** A run's state, its clock read now. */
function started<T>(
  fn: Attempt<T>,
  plan: Plan,
  operation: string | undefined,
  trace: Trace | undefined,
): RunState<T> {
  const clock = clockOf(plan);
  return runState(fn, plan, operation, trace, clock, clock.now());
}

/**
 * The first attempt of a run whose success needs none of the loop's work (no signal, breaker,
 * limiter, budget, hedge, timeout, body reader, value classifier, trace or success listener):
 * the attempt's own promise is returned, with a failure handler. A success then costs no async
 * frame and no run state (bench S1); a failure goes on with the loop's steps.
 */
function direct<T>(fn: Attempt<T>, plan: Plan, operation: string | undefined): Promise<T> {
  const clock = clockOf(plan);
  const start = clock.now();
  let attempt: T | PromiseLike<T>;
  try {
    attempt = fn(attemptContext(plan, 1, undefined, 0, undefined));
  } catch (error) {
    attempt = Promise.reject(error); // a synchronous throw is a failed attempt like any other
  }
  return Promise.resolve(attempt).then(undefined, (error: unknown) => {
    const run = runState(fn, plan, operation, undefined, clock, start);
    run.attempt = 1;
    return directFailure(run, error);
  });
}

/**
 * The first attempt failed outside the loop: its verdict and decision, and the first delay
 * slept before the loop starts (a run waiting in its first delay then keeps no async frame).
 */
function directFailure<T>(run: RunState<T>, error: unknown): Promise<T> {
  run.last = error;
  run.failed = true;
  judged(run, undefined);
  const next = decide(run);
  if (run.verdict?.clientRetried !== undefined) warnClientRetried(run, run.verdict);
  if (next.kind !== 'wait') return loop(run, next);
  retrying(run, next);
  return run.delayMs > 0 ? sleepDelay(run).then(() => loop(run)) : loop(run);
}

/**
 * What the loop does after an attempt's verdict. A success shares one `return` object, so the
 * success path allocates no decision.
 */
type Decision = Return | Reconcile | Fail | Wait | GiveUp;

/** Resolve with the attempt's value. */
interface Return {
  readonly kind: 'return';
}

/** The outcome is unknown on a call that must not be sent blindly again: reconcile it. */
interface Reconcile {
  readonly kind: 'reconcile';
  readonly verdict: Verdict;
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
 * this frame alive (bench S4), so the steps are sync helpers of the run's state, which cost a
 * waiting run nothing, and the frame holds little besides that state.
 */
async function loop<T>(run: RunState<T>, next?: Decision): Promise<T> {
  for (;;) {
    if (next === undefined) {
      if (aborted(run.plan)) throw run.plan.signal!.reason;
      if (run.attempt > 0 && late(run)) return exhaust(run, outOfTime(run));
      run.attempt++;
      if (run.plan.limiter !== undefined) await run.plan.limiter.acquire(run.plan.signal);
      const token = admit(run);
      if (run.plan.hedge !== undefined) race(run, await raceAttempt(run, token));
      else {
        try {
          run.last = await startAttempt(run);
          // The common case ends here: a value, and nothing to judge, record or tell.
          if (run.plan.plainSuccess && hub.success.listeners.length === 0) return run.last as T;
          run.failed = false;
        } catch (error) {
          run.last = error;
          run.failed = true;
          // A caller's abort wins over a failed attempt; a value that was obtained is returned.
          if (aborted(run.plan)) throw abandon(run, token);
        }
        if (run.plan.readsBodies) await readOutcomeBody(run.failed, run.last);
        judged(run, token);
      }
      next = decide(run);
      if (run.verdict?.clientRetried !== undefined) warnClientRetried(run, run.verdict);
    }
    if (next.kind === 'reconcile') next = await reconcile(run, next.verdict);
    if (next.kind !== 'wait') return finish(run, next);
    retrying(run, next);
    next = undefined; // the state is all a waiting run keeps
    if (run.delayMs > 0) await sleepDelay(run);
  }
}

/** Whether the caller's signal has aborted (read afresh: it aborts while the run awaits). */
function aborted(plan: Plan): boolean {
  return plan.signal !== undefined && plan.signal.aborted;
}

/** Before each attempt: the breaker's permission, and the budget's count of first attempts. */
function admit({ plan, attempt }: RunState): unknown {
  // The breaker first: a call it refuses never ran, so it must not earn the budget any retries.
  const token = plan.breaker === undefined ? undefined : plan.breaker.acquire();
  if (attempt === 1) plan.budget?.recordAttempt();
  return token;
}

/** The caller aborted during an attempt: the breaker counts it, the run rejects with the reason. */
function abandon({ plan }: RunState, token: unknown): unknown {
  plan.breaker?.record(token, 'fail');
  return plan.signal!.reason;
}

/** Classifies the attempt, and records it on the breaker and the limiter. */
function judged(run: RunState, token: unknown): void {
  run.verdict = verdictOf(run.plan, token, outcomeOf(run));
}

/** Takes the deciding outcome of a hedged attempt. */
function race(run: RunState, { outcome, verdict }: RaceEnd): void {
  settle(run, outcome);
  run.verdict = verdict;
}

/**
 * Whether the budget ran out since the decision to retry: a late timer or a slow listener must
 * not start an attempt past it. With no delay and nobody told, nothing ran since the decision's
 * clock read, so it is not read again.
 */
function late(run: RunState): boolean {
  if (run.delayMs === 0 && !listens(RETRY, run.plan, run.trace)) return false;
  run.elapsedMs = sinceStart(run);
  return run.elapsedMs > run.plan.maxElapsedMs;
}

/** The budget ran out during the delay. */
function outOfTime(run: RunState): GiveUp {
  return { kind: 'give-up', verdict: run.verdict!, reason: 'elapsed', elapsedMs: run.elapsedMs };
}

/**
 * Return (a value, or a value whose verdict is `fail`), fail, reconcile an unknown outcome, wait
 * for the next attempt, or give up. An unknown outcome is reconciled on a non-idempotent call,
 * and on any call when the venue reports a duplicate client order id: sending it again cannot
 * succeed, because the order already exists.
 */
function decide(run: RunState): Decision {
  const { plan, verdict } = run;
  if (verdict === undefined || (!run.failed && verdict.action === 'fail')) return RETURN;
  if (verdict.action === 'unknown' && (!plan.idempotent || isDuplicateOrder(verdict))) {
    return { kind: 'reconcile', verdict };
  }
  const elapsedMs = sinceStart(run);
  if (verdict.action === 'fail') return { kind: 'fail', verdict, elapsedMs };
  return nextDelay(plan, run.attempt, run.delayMs, verdict, elapsedMs);
}

/** The venue already has this client order id: an earlier attempt placed the order. */
function isDuplicateOrder(verdict: Verdict): boolean {
  return verdict.reason === DUPLICATE_CLIENT_ORDER_ID;
}

/**
 * Resolves an unknown outcome: the call executed (its value is the result), or it is safe to
 * send again and the run goes on as after a `retry` verdict.
 */
async function reconcile(run: RunState, verdict: Verdict): Promise<Return | Wait | GiveUp> {
  const { attempt } = run;
  const operation = operationOf(run);
  const at = { operation, attempt, elapsedMs: sinceStart(run), verdict };
  const resolved = await resolveUnknown(run.plan, run.trace, at, outcomeOf(run));
  settle(run, resolved.outcome);
  run.verdict = resolved.verdict;
  if (resolved.verdict === undefined) return RETURN;
  return nextDelay(run.plan, attempt, run.delayMs, resolved.verdict, sinceStart(run));
}

/** Ends the run on any decision but a wait: resolve, fail, or give up. */
function finish<T>(run: RunState<T>, next: Return | Fail | GiveUp): T {
  switch (next.kind) {
    case 'return':
      return succeed(run);
    case 'fail':
      throw failure(run, next);
    case 'give-up':
      return exhaust(run, next);
  }
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
function succeed<T>(run: RunState<T>): T {
  const value = run.last;
  if (listens(SUCCESS, run.plan, run.trace)) {
    const { attempt } = run;
    const operation = operationOf(run);
    const elapsedMs = sinceStart(run);
    publish(SUCCESS, run.plan, run.trace, { operation, attempts: attempt, elapsedMs, value });
  }
  return value as T;
}

/** The error a `fail` verdict rejects with: the client's own, or wrapped (`wrapFailures`). */
function failure(run: RunState, { verdict, elapsedMs }: Fail): unknown {
  const { plan, trace, last: error } = run;
  if (!plan.wrapFailures && !listens(FAIL, plan, trace)) return error;
  const { attempt } = run;
  const operation = operationOf(run);
  const event: FailEvent = { operation, attempts: attempt, elapsedMs, verdict, error };
  publish(FAIL, plan, trace, event);
  if (!plan.wrapFailures) return error;
  return new PermanentFailureError({
    operation,
    attempt,
    elapsedMs,
    reason: verdict.reason,
    cause: error,
  });
}

/** Tells everyone who listens about a retry, before its delay, and takes the delay. */
function retrying(run: RunState, { verdict, delayMs, elapsedMs }: Wait): void {
  run.delayMs = delayMs;
  run.verdict = verdict;
  run.elapsedMs = elapsedMs;
  const { plan, trace } = run;
  if (!listens(RETRY, plan, trace)) return;
  const { attempt, last } = run;
  const operation = operationOf(run);
  const fields = { operation, attempt, maxAttempts: plan.maxAttempts, delayMs, verdict, elapsedMs };
  publish(RETRY, plan, trace, run.failed ? { ...fields, error: last } : { ...fields, value: last });
}
/**
 * Gives up: publishes the exhaustion, then rejects (or, with `reraise`, rethrows the last error
 * or resolves with the last value).
 */
function exhaust<T>(run: RunState<T>, { verdict, reason, elapsedMs }: GiveUp): T {
  const { plan, trace, attempt: attempts, failed, last } = run;
  const error = failed ? last : undefined;
  if (listens(EXHAUSTED, plan, trace)) {
    const operation = operationOf(run);
    publish(EXHAUSTED, plan, trace, { operation, attempts, elapsedMs, error, verdict, reason });
  }
  if (plan.reraise) {
    if (failed) throw last;
    return last as T;
  }
  const operation = operationOf(run);
  const value = failed ? {} : { value: last };
  throw new RetryExhaustedError({ operation, attempts, elapsedMs, reason, cause: error, ...value });
}

/**
 * Operations already warned about a client that retries by itself: one warning per operation
 * per process is enough to find the setting, and a bound keeps a flood of names from growing it.
 */
const warnedClientRetries = new Set<string>();
const MAX_WARNED_OPERATIONS = 1000;

function warnClientRetried(run: RunState, verdict: Verdict): void {
  const { attempts, setting } = verdict.clientRetried!;
  if (verdict.action === 'fail' || !listens(CLIENT_RETRIED, run.plan, undefined)) return;
  const operation = operationOf(run);
  if (warnedClientRetries.has(operation)) return;
  if (warnedClientRetries.size < MAX_WARNED_OPERATIONS) warnedClientRetries.add(operation);
  publish(CLIENT_RETRIED, run.plan, undefined, {
    operation,
    clientAttempts: attempts,
    setting,
  });
}
