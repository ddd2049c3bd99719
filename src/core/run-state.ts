import type { Attempt } from './attempt.js';
import { settled } from './judge.js';
import { realClock, unrefRealClock } from './clock.js';
import { hub } from './hub.js';
import type { Plan } from './options.js';
import type { Trace } from './trace.js';
import type { Clock, Outcome, Verdict } from './types.js';

/** The clock a run of `plan` uses: its own, else the process default, else real time. */
export function clockOf(plan: Plan): Clock {
  return plan.clock ?? hub.defaultClock ?? (plan.unref ? unrefRealClock : realClock);
}

/**
 * What one run keeps between its attempts. A run waiting in its delay holds this and the loop's
 * frame (bench S4), so the last attempt's result is two fields rather than an `Outcome` object,
 * and the loop's steps take this one argument instead of a wide list of locals.
 */
export interface RunState<T = unknown> {
  readonly fn: Attempt<T>;
  readonly plan: Plan;
  readonly trace: Trace | undefined;
  readonly clock: Clock;
  /** The clock reading at the start of the run. */
  readonly start: number;
  /** The operation's name; read from `fn` by {@link operationOf} the first time it is needed. */
  name: string | undefined;
  /** The number of the current attempt (1 for the first). */
  attempt: number;
  /** Elapsed at the start of the current attempt. */
  elapsedMs: number;
  /** The delay slept before the current attempt (the backoff's `previousDelayMs`). */
  delayMs: number;
  /** The last attempt's value, or what it threw when `failed`. */
  last: unknown;
  failed: boolean;
  /** The last attempt's verdict (`undefined`: a value with no verdict). */
  verdict: Verdict | undefined;
}

/**
 * A run's state at its start. An object literal rather than a class instance: V8 keeps a
 * literal's layout alive with the code that creates it, while a class instance's layout is
 * dropped by a full collection that finds no run in flight, and with it the optimised code of
 * every step that handles run states (each such collection then cost a re-optimisation).
 */
export function runState<T>(
  fn: Attempt<T>,
  plan: Plan,
  name: string | undefined,
  trace: Trace | undefined,
  clock: Clock,
  start: number,
): RunState<T> {
  return {
    fn,
    plan,
    trace,
    clock,
    start,
    name,
    attempt: 0,
    elapsedMs: 0,
    delayMs: 0,
    last: undefined,
    failed: false,
    verdict: undefined,
  };
}

/** The function's own name, else `anonymous` (for a run given no `operation`). */
export function nameOf(fn: Attempt<unknown>): string {
  const name: unknown = fn.name;
  return typeof name === 'string' && name !== '' ? name : 'anonymous';
}

/** The operation's name, read from `fn` the first time a run needs it and not before. */
export function operationOf(run: RunState): string {
  return (run.name ??= nameOf(run.fn));
}

/** Takes an outcome the run did not settle itself (a hedged race's, a reconciliation's). */
export function settle(run: RunState, outcome: Outcome<unknown>): void {
  run.failed = !outcome.ok;
  run.last = settled(outcome);
}

/** The last attempt's result as the `Outcome` classifiers and events take. */
export function outcomeOf(run: RunState): Outcome<unknown> {
  return run.failed ? { ok: false, error: run.last } : { ok: true, value: run.last };
}

/** Milliseconds since the run started, read now. */
export function sinceStart(run: RunState): number {
  return run.clock.now() - run.start;
}

/** Sleeps the delay before the next attempt; the caller's signal cuts it short. */
export function sleepDelay(run: RunState): Promise<void> {
  return run.clock.sleep(run.delayMs, run.plan.signal);
}
