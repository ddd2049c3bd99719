import { hub } from '../core/hub.js';
import type { Clock } from '../core/types.js';

/** A clock whose sleeps return at once; see {@link instantClock}. */
export interface InstantClock extends Clock {
  /** Every delay requested, in order, in ms. */
  readonly sleeps: number[];
  /** Moves virtual time forward without a sleep (for breakers, windows and trackers). */
  advance(ms: number): void;
}

/**
 * A clock whose `sleep` resolves at once and advances its own `now`, recording every requested
 * delay in `sleeps`. `now` starts at the real `Date.now()` (or `startMs`), so absolute dates such
 * as an HTTP-date `Retry-After` still make sense.
 *
 * @example
 * ```ts
 * const clock = instantClock();
 * await retry(flaky, { clock, backoff: exponential({ initial: 100 }) }).catch(() => {});
 * expect(clock.sleeps).toEqual([100, 200, 400]);
 * ```
 */
export function instantClock(startMs: number = Date.now()): InstantClock {
  let now = startMs;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    advance(ms: number) {
      if (!(ms >= 0)) throw new RangeError(`advance: expected ms >= 0, got ${ms}`);
      now += ms;
    },
    sleep(ms: number, signal?: AbortSignal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

/**
 * Makes an {@link instantClock} the process-wide default for every run that was given no `clock`
 * (including decorated methods and alert deliveries), so a whole test suite retries without
 * waiting. Returns a restore function; `restore.clock` is the clock in use.
 *
 * @example
 * ```ts
 * let restore: () => void;
 * beforeEach(() => { restore = useInstantRetries(); });
 * afterEach(() => restore());
 * ```
 */
export function useInstantRetries(clock: Clock = instantClock()): (() => void) & { clock: Clock } {
  const previous = hub.defaultClock;
  hub.defaultClock = clock;
  const restore = () => {
    if (hub.defaultClock === clock) hub.defaultClock = previous;
  };
  return Object.assign(restore, { clock });
}
