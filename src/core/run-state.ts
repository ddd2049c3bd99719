import { nameOf, type Attempt } from './attempt.js';
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
export class RunState<T = unknown> {
  /** The number of the current attempt (1 for the first). */
  attempt = 0;
  /** Elapsed at the start of the current attempt. */
  elapsedMs = 0;
  /** The delay slept before the current attempt (the backoff's `previousDelayMs`). */
  delayMs = 0;
  /** The last attempt's value, or what it threw when `failed`. */
  last: unknown = undefined;
  failed = false;
  /** The last attempt's verdict (`undefined`: a value with no verdict). */
  verdict: Verdict | undefined = undefined;
  #operation: string | undefined;

  constructor(
    readonly fn: Attempt<T>,
    readonly plan: Plan,
    operation: string | undefined,
    readonly trace: Trace | undefined,
    readonly clock: Clock,
    /** The clock reading at the start of the run (set here: a field that began as a small
     * integer would change the object's layout when a `Date.now()` reading replaced it). */
    readonly start: number,
  ) {
    this.#operation = operation;
  }

  /** The operation's name, read from `fn` the first time a run needs it and not before. */
  get operation(): string {
    return (this.#operation ??= nameOf(this.fn));
  }

  /** Records what the attempt returned or threw. */
  settle(outcome: Outcome<unknown>): void {
    this.failed = !outcome.ok;
    this.last = outcome.ok ? outcome.value : outcome.error;
  }

  /** The last attempt's result as the `Outcome` classifiers and events take. */
  get outcome(): Outcome<unknown> {
    return this.failed ? { ok: false, error: this.last } : { ok: true, value: this.last };
  }

  /** What the last attempt threw, for `ctx.lastError`. */
  get lastError(): unknown {
    return this.failed ? this.last : undefined;
  }

  /** Sleeps the delay before the next attempt; the caller's signal cuts it short. */
  sleep(): Promise<void> {
    return this.clock.sleep(this.delayMs, this.plan.signal);
  }

  /** Milliseconds since the run started, read now. */
  sinceStart(): number {
    return this.clock.now() - this.start;
  }
}
