import { realClock } from '../clock.js';
import { hub } from '../hub.js';
import type { AttemptGate, Verdict } from '../types.js';
import { describeValue } from '../validate.js';
import { ConsecutiveFailures, RollingWindow, type FailureCounting } from './counting.js';
import { FleetMirror } from './fleet-mirror.js';
import { breakerSettings, type BreakerSettings, type CircuitBreakerOptions } from './options.js';
import {
  StateMachine,
  type BreakerState,
  type ChangeOrigin,
  type CircuitState,
  type CircuitStateChange,
} from './state-machine.js';

/**
 * A circuit breaker: pass it as `retry(fn, { breaker })`; share one per dependency. Used
 * directly, every `acquire()` that returns must be followed by exactly one `record()`.
 *
 * @example
 * ```ts
 * const token = breaker.acquire(); // throws CircuitOpenError while open
 * try {
 *   const value = await callVenue();
 *   breaker.record(token, 'success');
 *   return value;
 * } catch (err) {
 *   breaker.record(token, isBusinessError(err) ? 'fail' : 'retry');
 *   throw err;
 * }
 * ```
 */
export interface CircuitBreaker extends AttemptGate {
  /** The current state; reading it may move an expired open breaker to half-open. */
  readonly state: CircuitState;
  /** Subscribes to state changes; returns an unsubscribe function. Listener throws are logged. */
  onStateChange(listener: (change: CircuitStateChange) => unknown): () => void;
  /**
   * Lets an attempt start: returns a token for {@link record}, or throws `CircuitOpenError`
   * (`retryAfterMs` = ms until half-open, 0 when half-open with every probe in flight).
   */
  acquire(): unknown;
  /** Reports the result of the attempt `token` was acquired for. Stale tokens are ignored. */
  record(token: unknown, action: 'success' | Verdict['action']): void;
  /**
   * Holds the breaker open until {@link release}, whatever the results: a kill switch for a venue.
   * With a `store`, every process sharing it is held (`acquire()` throws `CircuitOpenError` with
   * `retryAfterMs: Infinity`).
   */
  isolate(): void;
  /** Ends an {@link isolate}: the breaker closes (in every process, with a `store`). */
  release(): void;
  /** `true` between {@link isolate} and {@link release} (by this process or, with a store, any). */
  readonly isolated: boolean;
  /**
   * With a `store`: sends pending counts and reads the fleet's state; resolves at once without
   * one. Never rejects.
   */
  sync(): Promise<void>;
}

/**
 * How each recorded action affects the breaker: `retry` and `unknown` verdicts are failures;
 * `fail` verdicts (business errors: a rejected order, a 404) are neutral: the dependency
 * answered, but that says nothing about the failing path, so they neither count nor reset
 * anything, and in half-open they only free the probe slot.
 */
const EFFECT: ReadonlyMap<string, 'success' | 'failure' | 'neutral'> = new Map([
  ['success', 'success'],
  ['retry', 'failure'],
  ['unknown', 'failure'],
  ['fail', 'neutral'],
]);

/**
 * A shared breaker opens the fleet on its own count of failures in a row only for a threshold
 * above 0: a rolling breaker, which opens on its window, asks for none.
 */
const NO_SHARED_THRESHOLD = 0;

/** A state machine, a counting strategy, and with a `store` a fleet mirror, composed. */
class Breaker implements CircuitBreaker {
  private readonly machine: StateMachine;
  private readonly counting: FailureCounting;
  private readonly fleet: FleetMirror | undefined;

  constructor(private readonly settings: BreakerSettings) {
    this.machine = new StateMachine(
      settings,
      () => this.now(),
      (from, to, origin) => this.entered(from, to, origin),
    );
    const { counting, fleet } = settings;
    this.fleet =
      fleet === undefined
        ? undefined
        : new FleetMirror(
            fleet.store.sharedBreaker(fleet.key, {
              failureThreshold:
                counting.mode === 'consecutive' ? counting.failureThreshold : NO_SHARED_THRESHOLD,
              resetAfterMs: settings.resetAfterMs,
            }),
            this.machine,
          );
    this.counting = this.countingStrategy();
    this.fleet?.start();
  }

  /** The mode's counting strategy, counting for the fleet too with a `store`. */
  private countingStrategy(): FailureCounting {
    const { counting, fleet } = this.settings;
    if (counting.mode === 'consecutive') {
      return new ConsecutiveFailures(counting.failureThreshold, this.fleet);
    }
    const shared =
      fleet === undefined
        ? undefined
        : {
            window: fleet.store.sharedWindow(
              'breaker',
              fleet.key,
              RollingWindow.sharedSpec(counting),
            ),
            // The fleet's totals arrive after a flush: they open a breaker that is still closed.
            tripped: () => {
              if (this.machine.state.kind === 'closed') this.machine.open(this.now(), 'local');
            },
          };
    return new RollingWindow(counting, () => this.now(), shared);
  }

  /** The explicit clock, else the process default installed by `useInstantRetries()`, else real time. */
  private now(): number {
    return (this.settings.clock ?? hub.defaultClock ?? realClock).now();
  }

  get state(): CircuitState {
    return this.machine.publicState();
  }

  get isolated(): boolean {
    return this.machine.state.kind === 'isolated';
  }

  acquire(): unknown {
    this.fleet?.refreshIfStale();
    return this.machine.acquire();
  }

  record(token: unknown, action: 'success' | Verdict['action']): void {
    const machine = this.machine;
    if (token !== machine.generation) return; // from an earlier state period (or not ours)
    const effect = EFFECT.get(action);
    if (effect === undefined) return;
    const kind = machine.state.kind;
    if (kind === 'half-open') {
      machine.probeReported(effect);
    } else if (kind === 'closed') {
      if (effect === 'success') this.counting.success();
      else if (effect === 'failure' && this.counting.failure()) machine.open(this.now(), 'local');
    }
  }

  isolate(): void {
    this.machine.isolate(this.now(), 'local');
    this.fleet?.isolate();
  }

  release(): void {
    this.machine.release(this.now(), 'local');
    this.fleet?.release();
  }

  async sync(): Promise<void> {
    const fleet = this.fleet;
    if (fleet === undefined) return;
    await this.counting.sync();
    await fleet.sync();
  }

  onStateChange(listener: (change: CircuitStateChange) => unknown): () => void {
    if (typeof listener !== 'function') {
      throw new TypeError(
        `onStateChange: expected a listener function, got ${describeValue(listener)}`,
      );
    }
    return this.machine.changes.subscribe(listener);
  }

  /** Every change: a closed period starts from zero counts, and the fleet hears of local decisions. */
  private entered(from: BreakerState, to: BreakerState, origin: ChangeOrigin): void {
    const closedByProbe = origin === 'local' && from.kind === 'half-open' && to.kind === 'closed';
    if (to.kind === 'closed') this.counting.reset(closedByProbe);
    const fleet = this.fleet;
    if (fleet === undefined || origin !== 'local') return;
    if (to.kind === 'open') fleet.announceOpen();
    else if (closedByProbe) fleet.announceClose();
  }
}

/**
 * Creates a circuit breaker. Consecutive mode (default): `failureThreshold` failures in a row
 * open it. Rolling mode (`mode: 'rolling'`, or any of `failureRate`/`windowMs`/`minimumCalls`
 * given; like cockatiel's SamplingBreaker and resilience4j's time-based window): it opens when the
 * window of `windowMs` (10 buckets) holds at least `minimumCalls` calls and at least
 * `failureRate` of them failed. Either way it stays open `resetAfterMs`, then lets
 * `halfOpenMaxAttempts` concurrent probes through; a successful probe closes it, a failed one
 * opens it again. `isolate()` holds it open, whatever happens, until `release()` closes it.
 *
 * With `retry(fn, { breaker })`, an open breaker rejects the run at once with `CircuitOpenError`
 * without calling `fn`; `retry` and `unknown` verdicts count as failures, `fail` verdicts do not.
 * Share one breaker per dependency (per venue), across every method that calls it. There are no
 * timers: open → half-open is worked out from `clock.now()` when `acquire()` or `state` is
 * called, and results of attempts that started before the latest state change are ignored.
 *
 * With a `store` (`tenacious/redis`), the processes sharing it and `key` share one breaker: a
 * process that opens it (or `isolate()`s it) tells the others by pub/sub, and failures are
 * counted across the fleet. `acquire()` and `record()` stay synchronous: they decide on a local
 * mirror of the shared state (docs/fleets.md says how fresh it is).
 *
 * Bad options throw at once (`RangeError`/`TypeError` naming the option and the value).
 *
 * @example
 * ```ts
 * import { circuitBreaker, retry, CircuitOpenError } from 'tenacious';
 *
 * const binance = circuitBreaker({ name: 'binance', failureThreshold: 5, resetAfterMs: 30_000 });
 * binance.onStateChange(({ from, to }) => logger.warn({ from, to }, 'binance breaker'));
 *
 * try {
 *   await retry(() => client.getAccount(), { breaker: binance });
 * } catch (err) {
 *   if (err instanceof CircuitOpenError) logger.warn({ retryAfterMs: err.retryAfterMs }, 'binance is down');
 * }
 *
 * // Rolling mode: open when half the calls of the last 10 s failed (once there were 20).
 * const venue = circuitBreaker({ failureRate: 0.5, windowMs: 10_000, minimumCalls: 20 });
 *
 * // A kill switch for the whole fleet (with a shared store):
 * const shared = circuitBreaker({ store: redisStore({ client }), key: 'binance' });
 * shared.isolate(); // every process refuses attempts until shared.release()
 * ```
 */
export function circuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  return new Breaker(breakerSettings(options));
}
