import type { SharedWindow } from '../fleet-store.js';
import { SharedCounts } from '../shared-counts.js';
import { BucketedWindow } from '../window.js';
import type { RollingCounting } from './options.js';

/**
 * How a closed breaker counts results and decides to open. Only closed periods are counted:
 * half-open probes are judged one by one by the state machine. `fail` verdicts never reach a
 * strategy (a business error says nothing about the failing path).
 */
export interface FailureCounting {
  /** Counts a success. */
  success(): void;
  /** Counts a failure; returns `true` when the breaker should open. */
  failure(): boolean;
  /**
   * Starts a closed period from zero. `everywhere`: this process closed the breaker after a
   * probe, so the fleet's counts start from zero too.
   */
  reset(everywhere: boolean): void;
  /** Sends the counts not yet written to the fleet's store and waits for its answer. */
  sync(): Promise<void>;
}

/** Where a consecutive count goes with a store: the fleet counts failures in a row too. */
export interface FleetFailureCount {
  failure(): void;
  success(): void;
}

/**
 * Consecutive mode: `failureThreshold` failures in a row open the breaker, a success starts the
 * count again. With a fleet, every result is also counted by the fleet's shared breaker, which
 * opens every process once the fleet's count reaches the threshold.
 *
 * @example
 * ```ts
 * const counting = new ConsecutiveFailures(3);
 * counting.failure(); // false
 * counting.failure(); // false
 * counting.failure(); // true: open
 * ```
 */
export class ConsecutiveFailures implements FailureCounting {
  private failures = 0;

  constructor(
    private readonly failureThreshold: number,
    private readonly fleet?: FleetFailureCount,
  ) {}

  success(): void {
    this.failures = 0;
    this.fleet?.success();
  }

  failure(): boolean {
    this.fleet?.failure();
    return ++this.failures >= this.failureThreshold;
  }

  reset(): void {
    // The fleet's count starts afresh with the shared breaker's own close.
    this.failures = 0;
  }

  sync(): Promise<void> {
    return Promise.resolve();
  }
}

/** Buckets per rolling window: it slides in tenths (1 s steps with the default 10 s window). */
const BUCKETS = 10;
const CALLS = 0;
const FAILURES = 1;
/** With a store: rolling-window counts are written through at most this often (ms). */
const FLUSH_MS = 100;

/** The fleet's side of a rolling window: the shared window, and what to do when it trips. */
export interface FleetWindow {
  readonly window: SharedWindow;
  /** The fleet's totals (arriving after a flush) reached the failure rate. */
  readonly tripped: () => void;
}

/**
 * Rolling mode (as cockatiel's SamplingBreaker and resilience4j's time-based window): the
 * breaker opens when a sliding window of `windowMs` (10 buckets, O(1) per call) holds at least
 * `minimumCalls` calls and at least `failureRate` of them failed. With a fleet, the counts are
 * also written through to the fleet's shared window, whose totals decide while they are fresh
 * (the local window decides whenever the store is silent), as a retry budget does.
 *
 * @example
 * ```ts
 * const counting = new RollingWindow(
 *   { mode: 'rolling', failureRate: 0.5, windowMs: 10_000, minimumCalls: 2 },
 *   () => clock.now(),
 * );
 * counting.success();
 * counting.failure(); // true: 1 of 2 calls failed
 * ```
 */
export class RollingWindow implements FailureCounting {
  private readonly window: BucketedWindow;
  private readonly shared: SharedCounts | undefined;

  constructor(
    private readonly settings: RollingCounting,
    private readonly now: () => number,
    fleet?: FleetWindow,
  ) {
    this.window = new BucketedWindow(2, settings.windowMs, BUCKETS);
    this.shared =
      fleet === undefined
        ? undefined
        : new SharedCounts(
            fleet.window,
            2,
            FLUSH_MS,
            // Older totals than two buckets (2 s by default) are not trusted: decide locally.
            Math.max((2 * settings.windowMs) / BUCKETS, 4 * FLUSH_MS),
            (totals) => {
              if (this.trips(totals[CALLS]!, totals[FAILURES]!)) fleet.tripped();
            },
          );
  }

  /** What {@link RollingWindow} asks of the fleet's store for its shared window. */
  static sharedSpec(settings: RollingCounting): {
    windowMs: number;
    buckets: number;
    fields: number;
  } {
    return { windowMs: settings.windowMs, buckets: BUCKETS, fields: 2 };
  }

  success(): void {
    this.window.add(this.now(), CALLS);
    this.shared?.add(CALLS);
  }

  failure(): boolean {
    const now = this.now();
    const window = this.window;
    const shared = this.shared;
    window.add(now, CALLS);
    window.add(now, FAILURES);
    shared?.add(CALLS);
    shared?.add(FAILURES);
    return this.trips(
      shared?.total(CALLS) ?? window.total(now, CALLS),
      shared?.total(FAILURES) ?? window.total(now, FAILURES),
    );
  }

  reset(everywhere: boolean): void {
    this.window.clear();
    if (everywhere) this.shared?.clear();
    else this.shared?.forget();
  }

  sync(): Promise<void> {
    return this.shared?.sync() ?? Promise.resolve();
  }

  private trips(calls: number, failures: number): boolean {
    // Division, not `failures >= rate * calls`: 0.3 * 10 is 3.0000000000000004 in binary floating point.
    return calls >= this.settings.minimumCalls && failures / calls >= this.settings.failureRate;
  }
}
