import { describeValue } from './classify.js';
import { realClock } from './clock.js';
import { hub } from './events.js';
import { BucketedWindow, memoryStore, type StateStore } from './state-store.js';
import type { Clock, RetryAdmission } from './types.js';

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
  /** Where the counters live. Default: a fresh in-memory store. */
  store?: StateStore;
  /** Key prefix in `store` (distinct budgets sharing a store need distinct names). Default `'retry-budget'`. */
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
  /** Forgets every count (for tests and after a deploy). */
  reset(): void;
}

const OPTION_NAMES: ReadonlySet<string> = new Set([
  'ratio',
  'minRetriesPerSecond',
  'windowMs',
  'clock',
  'store',
  'name',
]);

function fail(message: string, value: unknown): never {
  throw typeof value === 'number' ? new RangeError(message) : new TypeError(message);
}

function checkNumber(name: string, value: unknown, rule: 'non-negative' | 'positive'): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (rule === 'positive' ? value > 0 : value >= 0);
  if (!ok) {
    fail(
      `retryBudget: ${name}: expected a finite number ${rule === 'positive' ? '> 0' : '>= 0'}, got ${describeValue(value)}`,
      value,
    );
  }
  return value;
}

class Budget implements RetryBudget {
  private readonly window: BucketedWindow;
  private readonly floor: number;

  constructor(
    private readonly ratio: number,
    minRetriesPerSecond: number,
    private readonly windowMs: number,
    private readonly clock: Pick<Clock, 'now'> | undefined,
    store: StateStore,
    name: string,
  ) {
    this.floor = (minRetriesPerSecond * windowMs) / 1000;
    this.window = new BucketedWindow(store, name, 3, windowMs, BUCKETS);
  }

  /** The explicit clock, else the process default installed by `useInstantRetries()`, else real time. */
  private now(): number {
    return (this.clock ?? hub.defaultClock ?? realClock).now();
  }

  recordAttempt(): void {
    this.window.add(this.now(), ATTEMPTS);
  }

  tryRetry(): boolean {
    const now = this.now();
    const window = this.window;
    const allowed = this.ratio * window.total(now, ATTEMPTS) + this.floor;
    if (window.total(now, RETRIES) + 1 <= allowed) {
      window.add(now, RETRIES);
      return true;
    }
    window.add(now, DENIED);
    return false;
  }

  snapshot(): RetryBudgetSnapshot {
    const now = this.now();
    const attempts = this.window.total(now, ATTEMPTS);
    const retries = this.window.total(now, RETRIES);
    const allowed = this.ratio * attempts + this.floor;
    return {
      attempts,
      retries,
      denied: this.window.total(now, DENIED),
      allowed,
      remaining: Math.max(0, Math.floor(allowed - retries)),
      windowMs: this.windowMs,
    };
  }

  reset(): void {
    this.window.clear();
  }
}

/**
 * Creates a retry budget: retries in a sliding window of `windowMs` may not exceed
 * `ratio × first attempts in the window + minRetriesPerSecond × windowMs / 1000`. A refused retry
 * ends the run with `RetryExhaustedError` (`reason: 'budget'`). Share one budget across every
 * call to the same dependency (one per venue or per client, not one per call); the state is a
 * bucketed sliding window (10 buckets), O(1) per call and bounded in memory.
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
 * ```
 */
export function retryBudget(options: RetryBudgetOptions = {}): RetryBudget {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`retryBudget: expected an options object, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.has(key) && (options as Record<string, unknown>)[key] !== undefined) {
      throw new TypeError(`retryBudget: unknown option ${JSON.stringify(key)}`);
    }
  }
  const ratio = checkNumber('ratio', options.ratio ?? 0.1, 'non-negative');
  const minRetriesPerSecond = checkNumber(
    'minRetriesPerSecond',
    options.minRetriesPerSecond ?? 10,
    'non-negative',
  );
  const windowMs = checkNumber('windowMs', options.windowMs ?? 10_000, 'positive');
  const clock = options.clock;
  if (
    clock !== undefined &&
    (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function')
  ) {
    throw new TypeError(
      `retryBudget: clock: expected an object with a now() method, got ${describeValue(clock)}`,
    );
  }
  const store = options.store ?? memoryStore();
  if (typeof store !== 'object' || store === null || typeof store.counter !== 'function') {
    throw new TypeError(
      `retryBudget: store: expected a StateStore (an object with a counter(key) method), got ${describeValue(store)}`,
    );
  }
  const name = options.name ?? 'retry-budget';
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(
      `retryBudget: name: expected a non-empty string, got ${describeValue(name)}`,
    );
  }
  return new Budget(ratio, minRetriesPerSecond, windowMs, clock, store, name);
}
