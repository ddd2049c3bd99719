import { LatencyTracker } from './latency.js';
import type { Clock, Outcome } from './types.js';
import { describeValue, findOptionsError, numberRule, type Rules } from './validate.js';

/**
 * Hedged requests ("The Tail at Scale", Dean and Barroso, CACM 2013, "Hedged requests"; Polly's
 * Hedging strategy): when an attempt has not settled after a delay, another is sent beside it,
 * the first success wins and the others are aborted. For idempotent reads only: a hedge sends
 * the request again while the first may still execute.
 */

/**
 * The `hedge` option: when to send another attempt beside a slow one.
 *
 * @example
 * ```ts
 * const fixed: HedgeOptions = { afterMs: 50 };
 * const adaptive: HedgeOptions = { quantile: 0.95, minMs: 5, maxMs: 500 };
 * ```
 */
export interface HedgeOptions {
  /** Send a hedge when an attempt has not settled after this many ms. */
  afterMs?: number;
  /**
   * Instead of `afterMs`: wait for this quantile of the latencies observed so far (e.g. `0.95`),
   * clamped to [`minMs`, `maxMs`]. Until 20 latencies are known, `maxMs` (no hedge without it).
   */
  quantile?: number;
  /** With `quantile`: the shortest wait, ms. Default `0`. */
  minMs?: number;
  /** With `quantile`: the longest wait, ms. Default: none. */
  maxMs?: number;
  /** Hedges per attempt at most. Default `1`. */
  max?: number;
}

const RULES: Rules = {
  afterMs: numberRule(0),
  quantile: {
    type: (v) => typeof v === 'number',
    range: (v: number) => v > 0 && v < 1,
    rule: 'a number > 0 and < 1',
  },
  minMs: numberRule(0),
  maxMs: numberRule(0),
  max: numberRule(1, { integer: true }),
};

/**
 * Checks the `hedge` option together with `idempotent` (the options code calls it at
 * definition): returns the `TypeError`/`RangeError` to throw, or undefined. Exactly one of
 * `afterMs` and `quantile`; `minMs`/`maxMs` only with `quantile`, `minMs <= maxMs`; and never
 * with `idempotent: false`, since a hedge sends the request again while the first may execute.
 *
 * @example
 * ```ts
 * hedgeOptionsError({ afterMs: 50 }, true); // undefined
 * hedgeOptionsError({ afterMs: 50 }, false)?.message;
 * // 'hedge: not allowed with idempotent: false (a hedge sends the request again while the first may still execute)'
 * ```
 */
export function hedgeOptionsError(
  hedge: unknown,
  idempotent: boolean | undefined,
): TypeError | RangeError | undefined {
  const error = findOptionsError('hedge', hedge, RULES);
  if (error !== undefined) return error;
  const h = hedge as HedgeOptions;
  if (idempotent === false) {
    return new TypeError(
      'hedge: not allowed with idempotent: false (a hedge sends the request again while the first may still execute)',
    );
  }
  if ((h.afterMs === undefined) === (h.quantile === undefined)) {
    return new TypeError(
      `hedge: expected exactly one of afterMs and quantile, got ${describeValue(hedge)}`,
    );
  }
  if (h.afterMs !== undefined && (h.minMs !== undefined || h.maxMs !== undefined)) {
    return new TypeError(
      `hedge: minMs and maxMs clamp a quantile; with afterMs they mean nothing, got ${describeValue(hedge)}`,
    );
  }
  if (h.minMs !== undefined && h.maxMs !== undefined && h.minMs > h.maxMs) {
    return new RangeError(`hedge.maxMs: expected a number >= minMs (${h.minMs}), got ${h.maxMs}`);
  }
  return undefined;
}

const trackers = new WeakMap<HedgeOptions, LatencyTracker>();

/**
 * The latencies behind a `quantile` hedge: one tracker per hedge options object, so every call
 * sharing the options (hoisted, or `createRetry` defaults) learns from the others.
 *
 * @example
 * ```ts
 * const options = { quantile: 0.95 };
 * latencyTrackerFor(options) === latencyTrackerFor(options); // true
 * ```
 */
export function latencyTrackerFor(options: HedgeOptions): LatencyTracker {
  let tracker = trackers.get(options);
  if (tracker === undefined) {
    tracker = new LatencyTracker();
    trackers.set(options, tracker);
  }
  return tracker;
}

/** How the hedge waits before sending another attempt, ms; undefined: no hedge. */
function delayOf(options: HedgeOptions, latency: LatencyTracker | undefined): number | undefined {
  if (options.afterMs !== undefined) return options.afterMs;
  const observed = latency?.quantile(options.quantile!);
  if (observed === undefined) return options.maxMs;
  return Math.min(Math.max(observed, options.minMs ?? 0), options.maxMs ?? Infinity);
}

/** What {@link hedged} needs. */
export interface HedgeRace<T> {
  /** Runs one attempt (`index` 0 is the first, then the hedges); `signal` aborts when it loses. */
  attempt: (signal: AbortSignal, index: number) => PromiseLike<Outcome<T>>;
  options: HedgeOptions;
  clock: Clock;
  /**
   * Asked before each hedge is sent (not before attempt 0, which the caller charged): take the
   * limiter's token, the tracker's weight, the budget's retry, the breaker's slot. `false` (or a
   * rejection): the hedge is not sent, and no further one either.
   */
  charge?: (index: number) => boolean | PromiseLike<boolean>;
  /**
   * Called when `charge` allowed hedge `index` but the race ended before it could be sent: give
   * back what `charge` took that must be returned (a breaker's probe slot).
   */
  refund?: (index: number) => void;
  /** The latencies a `quantile` waits for. Default: {@link latencyTrackerFor} the options. */
  latency?: LatencyTracker;
  /** Aborts every attempt and rejects the race with its reason. */
  signal?: AbortSignal;
  /** Whether an outcome wins the race. Default: it did not throw. */
  wins?: (outcome: Outcome<T>) => boolean;
}

/** How a race ended. */
export interface HedgeResult<T> {
  /** The winner's outcome; when every attempt lost, the first failure's. */
  outcome: Outcome<T>;
  /** Which attempt `outcome` is (0: the first). */
  index: number;
  /** Attempts sent, the first included. */
  sent: number;
  /** Hedges that `charge` refused (0 or 1). */
  denied: number;
}

/** The reason a losing attempt's signal aborts with. */
export class HedgeLostError extends Error {
  override readonly name = 'HedgeLostError';
}

/**
 * Races an attempt against its hedges: attempt 0 starts at once; while nothing has settled, a
 * hedge is sent after the hedge delay (`afterMs`, or the observed `quantile` clamped to
 * [`minMs`, `maxMs`]), up to `max` of them, each charged first. The first winning outcome ends
 * the race and the other attempts' signals abort (`HedgeLostError`). A failed attempt sends no
 * hedge and stops further ones (the retry loop's backoff handles failures); the race then waits
 * for the attempts still running, and ends with the first failure when none wins.
 *
 * The winner's latency is recorded for `quantile`, and so is each loser's time so far (a lower
 * bound of its latency): the slow tail the hedges cut short still counts.
 *
 * @example
 * ```ts
 * const { outcome, sent } = await hedged({
 *   attempt: (signal) => fetch(url, { signal }).then((value) => ({ ok: true as const, value })),
 *   options: { afterMs: 50 },
 *   clock: realClock,
 *   charge: () => budget.tryRetry(),
 * });
 * ```
 */
export function hedged<T>(race: HedgeRace<T>): Promise<HedgeResult<T>> {
  const outer = race.signal;
  if (outer?.aborted) return Promise.reject(outer.reason);
  const { options } = race;
  const latency =
    race.latency ?? (options.quantile === undefined ? undefined : latencyTrackerFor(options));
  const wins = race.wins ?? succeeded;
  return new Promise<HedgeResult<T>>((resolve, reject) => {
    const state: RaceState<T> = {
      race,
      latency,
      wins,
      resolve,
      reject,
      timer: new AbortController(),
      running: new Map(),
      sent: 0,
      denied: 0,
      done: false,
      firstFailure: undefined,
      onOuterAbort: undefined,
    };
    if (outer !== undefined) {
      state.onOuterAbort = () => abortRace(state, outer.reason);
      outer.addEventListener('abort', state.onOuterAbort, { once: true });
    }
    sendAttempt(state, 0);
    void sendHedges(state);
  });
}

/** The default `wins`: the attempt did not throw. */
function succeeded(outcome: Outcome<unknown>): boolean {
  return outcome.ok;
}

/** An attempt still running: how to abort it, and when it started (for its latency). */
interface RunningAttempt {
  controller: AbortController;
  startedAt: number;
}

/** One race in progress: what it was given, the attempts running, and how it ends. */
interface RaceState<T> {
  readonly race: HedgeRace<T>;
  readonly latency: LatencyTracker | undefined;
  readonly wins: (outcome: Outcome<T>) => boolean;
  readonly resolve: (result: HedgeResult<T>) => void;
  readonly reject: (reason: unknown) => void;
  /** Aborts the hedge delay when the race ends. */
  readonly timer: AbortController;
  readonly running: Map<number, RunningAttempt>;
  sent: number;
  denied: number;
  done: boolean;
  firstFailure: { outcome: Outcome<T>; index: number } | undefined;
  /** The listener on `race.signal`, removed when the race ends. */
  onOuterAbort: (() => void) | undefined;
}

/** Marks the race over: no hedge is sent after this, and no outcome is taken. */
function endRace<T>(state: RaceState<T>): void {
  state.done = true;
  state.timer.abort();
  if (state.onOuterAbort !== undefined) {
    state.race.signal!.removeEventListener('abort', state.onOuterAbort);
  }
}

/** Aborts every attempt still running, recording each one's time so far as its latency. */
function abortLosers<T>(state: RaceState<T>, reason: unknown): void {
  const now = state.race.clock.now();
  for (const { controller, startedAt } of state.running.values()) {
    state.latency?.record(now - startedAt);
    controller.abort(reason);
  }
  state.running.clear();
}

/** The caller aborted `race.signal`: every attempt aborts, and the race rejects with its reason. */
function abortRace<T>(state: RaceState<T>, reason: unknown): void {
  if (state.done) return;
  endRace(state);
  abortLosers(state, reason);
  state.reject(reason);
}

/** Starts attempt `index` now; its outcome (or its throw, as a failure) settles it. */
function sendAttempt<T>(state: RaceState<T>, index: number): void {
  const controller = new AbortController();
  state.running.set(index, { controller, startedAt: state.race.clock.now() });
  state.sent++;
  // A runner that throws synchronously or rejects is a failed attempt, not a broken race.
  new Promise<Outcome<T>>((r) => r(state.race.attempt(controller.signal, index))).then(
    (outcome) => settleAttempt(state, index, outcome),
    (error: unknown) => settleAttempt(state, index, { ok: false, error }),
  );
}

/** Takes one attempt's outcome: a win ends the race; the last failure ends it with the first. */
function settleAttempt<T>(state: RaceState<T>, index: number, outcome: Outcome<T>): void {
  const entry = state.running.get(index);
  if (state.done || entry === undefined) return;
  state.running.delete(index);
  const { wins, sent, denied } = state;
  if (wins(outcome)) {
    state.latency?.record(state.race.clock.now() - entry.startedAt);
    endRace(state);
    abortLosers(state, new HedgeLostError(`attempt ${index} won the hedged race`));
    state.resolve({ outcome, index, sent, denied });
    return;
  }
  const firstFailure = (state.firstFailure ??= { outcome, index });
  if (state.running.size === 0) {
    endRace(state);
    state.resolve({ outcome: firstFailure.outcome, index: firstFailure.index, sent, denied });
  }
}

/** Sends up to `max` hedges, each after the hedge delay and once charged, while nothing settled. */
async function sendHedges<T>(state: RaceState<T>): Promise<void> {
  const { race } = state;
  const { options, clock } = race;
  const max = options.max ?? 1;
  for (let index = 1; index <= max; index++) {
    const delayMs = delayOf(options, state.latency);
    if (delayMs === undefined) return;
    try {
      await clock.sleep(delayMs, state.timer.signal);
    } catch {
      return; // the race ended
    }
    if (state.done || state.firstFailure !== undefined) return;
    let allowed: boolean;
    try {
      allowed = race.charge === undefined ? true : (await race.charge(index)) === true;
    } catch {
      allowed = false;
    }
    if (state.done || state.firstFailure !== undefined) {
      if (allowed) race.refund?.(index);
      return;
    }
    if (!allowed) {
      state.denied++;
      return;
    }
    sendAttempt(state, index);
  }
}
