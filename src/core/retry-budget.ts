import { realClock } from './clock.js';
import { hub } from './hub.js';
import { SharedCounts } from './shared-counts.js';
import { isFleetStore, type FleetStore } from './fleet-store.js';
import type { Clock, RetryAdmission } from './types.js';
import {
  checkOptions,
  methodsRule,
  nonEmptyStringRule,
  numberRule,
  type Rules,
} from './validate.js';
import { BucketedWindow } from './window.js';

/**
 * A per-client retry budget (Google SRE book, "Handling Overload": "implement a per-client retry
 * budget … retries ≤ 10 % of requests"; compare the AWS SDK's standard-mode retry quota, a
 * 500-token bucket shared by every call on one client). Retries in a sliding window may not exceed
 * `ratio` × first attempts in the window, plus a floor of `minRetriesPerSecond` × window seconds so
 * that a quiet client can still retry. During an outage, when every call fails, the extra load a
 * client adds is therefore bounded by `ratio` instead of `maxAttempts - 1`.
 */

/** Buckets per window: the window slides in tenths (1 s steps with the default 10 s window). */
const BUCKETS = 10;
const ATTEMPTS = 0;
const RETRIES = 1;
const DENIED = 2;

/**
 * Options of {@link retryBudget}.
 *
 * @example
 * ```ts
 * const options: RetryBudgetOptions = { ratio: 0.2, minRetriesPerSecond: 2, windowMs: 30_000 };
 * ```
 */
export interface RetryBudgetOptions {
  /** Retries allowed per first attempt in the window. Default `0.1` (10 % extra load). */
  ratio?: number;
  /** Retries always allowed per second of window, whatever the traffic. Default `10`. */
  minRetriesPerSecond?: number;
  /** Length of the sliding window in ms, split into 10 buckets. Default `10000`. */
  windowMs?: number;
  /**
   * Time source. Default: resolved on every call, `useInstantRetries()`'s clock when one is
   * installed, else the real clock.
   */
  clock?: Pick<Clock, 'now'>;
  /**
   * A store shared by a fleet of processes (`redisStore()` from `tenacious/redis`): every budget
   * with the same store and `key` is one budget. Default: none, the budget is this process's.
   */
  store?: FleetStore;
  /** Which shared budget this is, with a `store` (one per venue or client). Default: `name`, else `'retry-budget'`. */
  key?: string;
  /** The budget's name (and its `key` when none is given). */
  name?: string;
}

/**
 * What {@link RetryBudget.snapshot} reports about the current window.
 *
 * @example
 * ```ts
 * const { retries, allowed, denied } = budget.snapshot();
 * metrics.gauge('retry_budget_used', retries / allowed);
 * ```
 */
export interface RetryBudgetSnapshot {
  /** First attempts counted in the window. */
  attempts: number;
  /** Retries admitted in the window. */
  retries: number;
  /** Retries refused in the window. */
  denied: number;
  /** The window's retry allowance: `ratio * attempts + minRetriesPerSecond * windowMs / 1000`. */
  allowed: number;
  /** Retries that would still be admitted now: `max(0, floor(allowed - retries))`. */
  remaining: number;
  windowMs: number;
}

/**
 * A retry budget: pass it as `retry(fn, { budget })`; share one across every call to a
 * dependency. Used directly: `recordAttempt()` once per call, `tryRetry()` before each retry.
 *
 * @example
 * ```ts
 * budget.recordAttempt();
 * let result = await send();
 * while (!result.ok && budget.tryRetry()) result = await send();
 * ```
 */
export interface RetryBudget extends RetryAdmission {
  /** Counts a first attempt (called by `retry` once per run). */
  recordAttempt(): void;
  /** Returns `true` and counts a retry when the window allows one more; `false` counts a denial. */
  tryRetry(): boolean;
  /** The current window's counts. */
  snapshot(): RetryBudgetSnapshot;
  /**
   * Sends the counts not yet written to the store and reads the fleet's totals; resolves at once
   * without a store. Never rejects.
   */
  sync(): Promise<void>;
  /** Forgets every count this process holds (for tests and after a deploy). */
  reset(): void;
}

/** Sends counts to a shared store at most this often (ms). */
const FLUSH_MS = 100;

const RULES: Rules = {
  ratio: numberRule(0),
  minRetriesPerSecond: numberRule(0),
  windowMs: numberRule(0, { above: true }),
  clock: methodsRule('an object with a now() method', 'now'),
  store: { type: isFleetStore, rule: 'a fleet store such as redisStore()' },
  key: nonEmptyStringRule,
  name: nonEmptyStringRule,
};

class Budget implements RetryBudget {
  private readonly window: BucketedWindow;
  private readonly floor: number;
  private readonly shared: SharedCounts | undefined;

  constructor(
    private readonly ratio: number,
    minRetriesPerSecond: number,
    private readonly windowMs: number,
    private readonly clock: Pick<Clock, 'now'> | undefined,
    store: FleetStore | undefined,
    key: string,
  ) {
    this.floor = (minRetriesPerSecond * windowMs) / 1000;
    this.window = new BucketedWindow(3, windowMs, BUCKETS);
    this.shared =
      store === undefined
        ? undefined
        : new SharedCounts(
            store.sharedWindow('budget', key, { windowMs, buckets: BUCKETS, fields: 3 }),
            3,
            FLUSH_MS,
            // Older totals than two buckets (2 s by default) are not trusted: decide locally.
            Math.max((2 * windowMs) / BUCKETS, 4 * FLUSH_MS),
          );
  }

  /** The explicit clock, else the process default installed by `useInstantRetries()`, else real time. */
  private now(): number {
    return (this.clock ?? hub.defaultClock ?? realClock).now();
  }

  recordAttempt(): void {
    this.window.add(this.now(), ATTEMPTS);
    this.shared?.add(ATTEMPTS);
  }

  tryRetry(): boolean {
    const now = this.now();
    const window = this.window;
    const shared = this.shared;
    // With a store, the fleet's counts decide while they are fresh; the local window always
    // counts too, and decides whenever the store is silent.
    const attempts = shared?.total(ATTEMPTS) ?? window.total(now, ATTEMPTS);
    const retries = shared?.total(RETRIES) ?? window.total(now, RETRIES);
    const allowed = this.ratio * attempts + this.floor;
    const field = retries + 1 <= allowed ? RETRIES : DENIED;
    window.add(now, field);
    shared?.add(field);
    return field === RETRIES;
  }

  snapshot(): RetryBudgetSnapshot {
    const now = this.now();
    const shared = this.shared;
    const attempts = shared?.total(ATTEMPTS) ?? this.window.total(now, ATTEMPTS);
    const retries = shared?.total(RETRIES) ?? this.window.total(now, RETRIES);
    const denied = shared?.total(DENIED) ?? this.window.total(now, DENIED);
    const allowed = this.ratio * attempts + this.floor;
    return {
      attempts,
      retries,
      denied,
      allowed,
      remaining: Math.max(0, Math.floor(allowed - retries)),
      windowMs: this.windowMs,
    };
  }

  sync(): Promise<void> {
    return this.shared?.sync() ?? Promise.resolve();
  }

  reset(): void {
    this.window.clear();
    this.shared?.forget();
  }
}

/**
 * Creates a retry budget: retries in a sliding window of `windowMs` may not exceed
 * `ratio × first attempts in the window + minRetriesPerSecond × windowMs / 1000`. A refused retry
 * ends the run with `RetryExhaustedError` (`reason: 'budget'`). Share one budget across every
 * call to the same dependency (one per venue or per client, not one per call); the state is a
 * bucketed sliding window (10 buckets), O(1) per call and bounded in memory.
 *
 * With a `store` (`tenacious/redis`), every process sharing the store and `key` shares one
 * budget: counts are written through in batches (at most every 100 ms) and each reply brings the
 * fleet's totals back, so a process sees the others' counts about 100 ms late. `tryRetry()`
 * stays synchronous; while the store does not answer, each process decides on its own counts.
 *
 * Bad options throw at once (`RangeError`/`TypeError` naming the option and the value).
 *
 * @example
 * ```ts
 * import { retry, retryBudget } from 'tenacious';
 *
 * const binanceBudget = retryBudget({ ratio: 0.1, minRetriesPerSecond: 5 });
 * await retry(() => client.getTicker('BTCUSDT'), { budget: binanceBudget });
 * await retry(() => client.getBalances(), { budget: binanceBudget });
 * binanceBudget.snapshot(); // { attempts: 2, retries: 0, denied: 0, allowed: 50.2, remaining: 50, windowMs: 10000 }
 *
 * // One budget for the whole fleet:
 * const fleetBudget = retryBudget({ ratio: 0.1, store: redisStore({ client }), key: 'binance' });
 * ```
 */
export function retryBudget(options: RetryBudgetOptions = {}): RetryBudget {
  const o = checkOptions('retryBudget', options, RULES);
  return new Budget(
    o.ratio ?? 0.1,
    o.minRetriesPerSecond ?? 10,
    o.windowMs ?? 10_000,
    o.clock,
    o.store,
    o.key ?? o.name ?? 'retry-budget',
  );
}
