import { realClock } from './clock.js';
import { CircuitOpenError } from './errors.js';
import { Event } from './event.js';
import { hub } from './hub.js';
import { SharedCounts } from './shared-counts.js';
import {
  isFleetStore,
  type FleetStore,
  type SharedBreaker,
  type SharedBreakerOp,
  type SharedBreakerView,
} from './fleet-store.js';
import type { AttemptGate, Clock, Logger, Verdict } from './types.js';
import {
  checkOptions,
  describeValue,
  findOptionsError,
  methodsRule,
  nonEmptyStringRule,
  numberRule,
  oneOfRule,
  type Rules,
} from './validate.js';
import { BucketedWindow } from './window.js';

/**
 * A circuit breaker: after enough failures it stops every attempt for `resetAfterMs`, then lets
 * `halfOpenMaxAttempts` probes through; a successful probe closes it, a failed one opens it again.
 *
 * ```
 *            failureThreshold consecutive failures
 *            (or failureRate over windowMs, rolling mode)
 *   closed ──────────────────────────────────────────────▶ open
 *     ▲                                                   │  ▲
 *     │ a probe succeeds            resetAfterMs elapsed  │  │ a probe fails
 *     │                          (checked on acquire or   ▼  │ (retry / unknown)
 *     └──────────────────────────────────────────────── half-open
 *                          at most halfOpenMaxAttempts probes in flight;
 *                          a `fail` verdict frees its slot, changes nothing
 * ```
 *
 * Results: `success` closes (or, when closed, resets the consecutive count); `retry` and `unknown`
 * verdicts are failures; `fail` verdicts (business errors: a rejected order, a 404) are neutral:
 * the dependency answered, but that says nothing about the failing path, so they neither count nor
 * reset anything, and in half-open they only free the probe slot.
 *
 * `isolate()` holds the breaker open, whatever happens, until `release()` closes it: a kill switch.
 *
 * There are no timers: open → half-open is computed from `clock.now()` when `acquire()` or
 * `state` is called. Results of attempts that started before the latest state change are ignored
 * (each state period has a generation number, which is the token `acquire()` returns), so a slow
 * attempt from the closed period cannot close a breaker that opened since.
 */

/**
 * `closed`: attempts pass. `open`: attempts are refused. `half-open`: a few probes pass.
 *
 * @example
 * ```ts
 * if (breaker.state !== 'closed') metrics.gauge('venue_degraded', 1);
 * ```
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

/**
 * What {@link CircuitBreaker.onStateChange} listeners receive.
 *
 * @example
 * ```ts
 * breaker.onStateChange(({ from, to, at }) => logger.warn({ from, to, at }, 'breaker changed state'));
 * ```
 */
export interface CircuitStateChange {
  from: CircuitState;
  to: CircuitState;
  /** `clock.now()` when the change was made (for open → half-open: when it was first noticed). */
  at: number;
}

interface CommonOptions {
  /** Time the breaker stays open before letting probes through, in ms. Default `30000`. */
  resetAfterMs?: number;
  /** Probes allowed in flight at once while half-open. Default `1`. */
  halfOpenMaxAttempts?: number;
  /**
   * When every probe slot is taken and even the newest probe has not reported within this many
   * ms, the probes are presumed lost (their callers hung or never called `record`): the slots go
   * to the next callers and the late results are ignored. Without this a single hung probe would
   * keep the breaker refusing everything forever. Default `30000`.
   */
  probeTimeoutMs?: number;
  /**
   * Time source. Default: resolved on every call, `useInstantRetries()`'s clock when one is
   * installed, else the real clock.
   */
  clock?: Pick<Clock, 'now'>;
  /**
   * A store shared by a fleet of processes (`redisStore()` from `tenacious/redis`): breakers with
   * the same store and `key` open, close and `isolate()` together, and count consecutive
   * failures (or the rolling window) across the fleet. Default: none, the breaker is this
   * process's alone.
   */
  store?: FleetStore;
  /** Which shared breaker this is, with a `store` (one per venue). Default: `name`, else `'circuit-breaker'`. */
  key?: string;
  /** Used in error messages (and as `key` when none is given). */
  name?: string;
  /** Receives `error` logs when a state-change listener throws. Default: a process warning. */
  logger?: Pick<Logger, 'error'>;
}

/**
 * Options of {@link circuitBreaker} in the default, consecutive-failures mode.
 *
 * @example
 * ```ts
 * const options: ConsecutiveBreakerOptions = { failureThreshold: 5, resetAfterMs: 30_000 };
 * ```
 */
export interface ConsecutiveBreakerOptions extends CommonOptions {
  mode?: 'consecutive';
  /** Consecutive failures that open the breaker. Default `5`. */
  failureThreshold?: number;
}

/**
 * Options of {@link circuitBreaker} in rolling-window mode (chosen by `mode` or by `failureRate`).
 *
 * @example
 * ```ts
 * const options: RollingBreakerOptions = { failureRate: 0.5, windowMs: 10_000, minimumCalls: 20 };
 * ```
 */
export interface RollingBreakerOptions extends CommonOptions {
  mode?: 'rolling';
  /** Failed share of the calls in the window, in (0, 1], that opens the breaker. Default `0.5`. */
  failureRate?: number;
  /** Length of the sliding window in ms, split into 10 buckets. Default `10000`. */
  windowMs?: number;
  /** Calls the window must hold before the rate is judged. Default `10`. */
  minimumCalls?: number;
}

/**
 * Options of {@link circuitBreaker}: consecutive mode or rolling mode.
 *
 * @example
 * ```ts
 * const options: CircuitBreakerOptions = { mode: 'rolling', failureRate: 0.25 };
 * ```
 */
export type CircuitBreakerOptions = ConsecutiveBreakerOptions | RollingBreakerOptions;

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

const CLOSED = 0;
const OPEN = 1;
const HALF_OPEN = 2;
const STATE_NAMES: readonly CircuitState[] = ['closed', 'open', 'half-open'];

/** How each recorded action affects the breaker. */
const EFFECT: ReadonlyMap<string, 'success' | 'failure' | 'neutral'> = new Map([
  ['success', 'success'],
  ['retry', 'failure'],
  ['unknown', 'failure'],
  ['fail', 'neutral'],
]);

/** Buckets per rolling window: it slides in tenths (1 s steps with the default 10 s window). */
const BUCKETS = 10;
const CALLS = 0;
const FAILURES = 1;

/** With a store: the shared state is read again when the last read is older than this (ms). */
const REFRESH_MS = 1000;
/** With a store: rolling-window counts are written through at most this often (ms). */
const FLUSH_MS = 100;

const COMMON_RULES: Rules = {
  mode: oneOfRule(['consecutive', 'rolling']),
  resetAfterMs: numberRule(0),
  halfOpenMaxAttempts: numberRule(1, { integer: true }),
  probeTimeoutMs: numberRule(0, { above: true }),
  clock: methodsRule('an object with a now() method', 'now'),
  store: { type: isFleetStore, rule: 'a fleet store such as redisStore()' },
  key: nonEmptyStringRule,
  name: nonEmptyStringRule,
  logger: methodsRule('an object with an error() method', 'error'),
};
const CONSECUTIVE_RULES: Rules = {
  ...COMMON_RULES,
  failureThreshold: numberRule(1, { integer: true }),
};
const ROLLING_RULES: Rules = {
  ...COMMON_RULES,
  failureRate: {
    type: (v) => typeof v === 'number',
    range: (v: number) => v > 0 && v <= 1,
    rule: 'a number in (0, 1]',
  },
  windowMs: numberRule(0, { above: true }),
  minimumCalls: numberRule(1, { integer: true }),
};

interface Settings {
  rolling: boolean;
  failureThreshold: number;
  failureRate: number;
  minimumCalls: number;
  windowMs: number;
  resetAfterMs: number;
  halfOpenMaxAttempts: number;
  probeTimeoutMs: number;
  clock: Pick<Clock, 'now'> | undefined;
  store: FleetStore | undefined;
  key: string;
  name: string | undefined;
  logger: Logger | undefined;
}

/** The fleet side of a breaker with a store: a mirror of the shared state, kept fresh by pub/sub. */
interface Fleet {
  shared: SharedBreaker;
  counts: SharedCounts | undefined;
  /** The newest shared generation applied. */
  generation: number;
  /** Consecutive failures the fleet counted, as of the last view. */
  failures: number;
  pendingFailures: number;
  pendingSuccess: boolean;
  flushQueued: boolean;
  readAt: number;
}

class Breaker implements CircuitBreaker {
  private code = CLOSED;
  /** Bumped on every state change; the token `acquire()` returns. */
  private generation = 0;
  private openedAt = 0;
  /** When the newest probe was let through (or the breaker turned half-open). */
  private lastProbeAt = 0;
  private inFlight = 0;
  private consecutive = 0;
  private isolation = false;
  /** isolate()/release() calls whose answer from the store has not come back yet. */
  private isolationOps = 0;
  private readonly window: BucketedWindow | undefined;
  private readonly changes = new Event<CircuitStateChange>('circuitBreaker onStateChange listener');
  private readonly fleet: Fleet | undefined;

  constructor(private readonly s: Settings) {
    this.window = s.rolling ? new BucketedWindow(2, s.windowMs, BUCKETS) : undefined;
    const store = s.store;
    if (store === undefined) return;
    const shared = store.sharedBreaker(s.key, {
      failureThreshold: s.rolling ? 0 : s.failureThreshold,
      resetAfterMs: s.resetAfterMs,
    });
    this.fleet = {
      shared,
      counts: s.rolling
        ? new SharedCounts(
            store.sharedWindow('breaker', s.key, {
              windowMs: s.windowMs,
              buckets: BUCKETS,
              fields: 2,
            }),
            2,
            FLUSH_MS,
            Math.max((2 * s.windowMs) / BUCKETS, 4 * FLUSH_MS),
            (totals) => this.judgeRate(totals[CALLS]!, totals[FAILURES]!),
          )
        : undefined,
      generation: -1,
      failures: 0,
      pendingFailures: 0,
      pendingSuccess: false,
      flushQueued: false,
      readAt: performance.now(),
    };
    shared.watch((view) => this.apply(view));
    void this.send({ op: 'read' });
  }

  /** The explicit clock, else the process default installed by `useInstantRetries()`, else real time. */
  private now(): number {
    return (this.s.clock ?? hub.defaultClock ?? realClock).now();
  }

  get state(): CircuitState {
    if (this.code === OPEN && !this.isolation) {
      const now = this.now();
      if (now >= this.openedAt + this.s.resetAfterMs) this.transition(HALF_OPEN, now);
    }
    return STATE_NAMES[this.code] ?? 'closed';
  }

  get isolated(): boolean {
    return this.isolation;
  }

  acquire(): unknown {
    const fleet = this.fleet;
    if (fleet !== undefined && performance.now() - fleet.readAt > REFRESH_MS) {
      // A cheap background read, in case a pub/sub message was lost (a reconnect, say).
      fleet.readAt = performance.now();
      void this.send({ op: 'read' });
    }
    const code = this.code;
    if (code === CLOSED) return this.generation;
    if (this.isolation) throw this.isolatedError();
    const now = this.now();
    if (code === OPEN) {
      const waitMs = this.openedAt + this.s.resetAfterMs - now;
      if (waitMs > 0) throw this.openError(waitMs);
      this.transition(HALF_OPEN, now);
      // A listener may have acquired (or changed the state) meanwhile: decide afresh.
      return this.acquire();
    }
    if (this.inFlight >= this.s.halfOpenMaxAttempts) {
      if (now - this.lastProbeAt < this.s.probeTimeoutMs) throw this.busyError();
      // Even the newest probe has been out longer than probeTimeoutMs: presume them all lost and
      // start a new round (their late results carry the old generation and are ignored).
      this.generation++;
      this.inFlight = 0;
    }
    this.inFlight++;
    this.lastProbeAt = now;
    return this.generation;
  }

  record(token: unknown, action: 'success' | Verdict['action']): void {
    if (token !== this.generation) return; // from an earlier state period (or not ours)
    const effect = EFFECT.get(action);
    if (effect === undefined) return;
    const code = this.code;
    if (code === HALF_OPEN) {
      if (effect === 'neutral') {
        if (this.inFlight > 0) this.inFlight--;
      } else {
        this.transition(effect === 'success' ? CLOSED : OPEN, this.now());
      }
      return;
    }
    if (code !== CLOSED || effect === 'neutral') return;
    const window = this.window;
    const fleet = this.fleet;
    if (window === undefined) {
      if (effect === 'success') {
        this.consecutive = 0;
        if (fleet !== undefined && (fleet.failures > 0 || fleet.pendingFailures > 0)) {
          fleet.pendingFailures = 0;
          fleet.pendingSuccess = true;
          this.queueFlush(fleet);
        }
      } else {
        if (fleet !== undefined) {
          fleet.pendingFailures++;
          this.queueFlush(fleet);
        }
        if (++this.consecutive >= this.s.failureThreshold) this.transition(OPEN, this.now());
      }
      return;
    }
    const now = this.now();
    const counts = fleet?.counts;
    window.add(now, CALLS);
    counts?.add(CALLS);
    if (effect === 'success') return;
    window.add(now, FAILURES);
    counts?.add(FAILURES);
    this.judgeRate(
      counts?.total(CALLS) ?? window.total(now, CALLS),
      counts?.total(FAILURES) ?? window.total(now, FAILURES),
    );
  }

  isolate(): void {
    this.isolateLocally(true, this.now());
    this.sendIsolation({ op: 'isolate' });
  }

  release(): void {
    this.isolateLocally(false, this.now());
    this.sendIsolation({ op: 'release' });
  }

  private sendIsolation(op: SharedBreakerOp): void {
    if (this.fleet === undefined) return;
    this.isolationOps++;
    void this.send(op).then(() => this.isolationOps--);
  }

  async sync(): Promise<void> {
    const fleet = this.fleet;
    if (fleet === undefined) return;
    await fleet.counts?.sync();
    await this.flush(fleet);
    await this.send({ op: 'read' });
  }

  onStateChange(listener: (change: CircuitStateChange) => unknown): () => void {
    if (typeof listener !== 'function') {
      throw new TypeError(
        `onStateChange: expected a listener function, got ${describeValue(listener)}`,
      );
    }
    return this.changes.subscribe(listener);
  }

  /** Rolling mode: opens when the window holds enough calls and enough of them failed. */
  private judgeRate(calls: number, failures: number): void {
    // Division, not `failures >= rate * calls`: 0.3 * 10 is 3.0000000000000004 in binary floating point.
    if (
      this.code === CLOSED &&
      calls >= this.s.minimumCalls &&
      failures / calls >= this.s.failureRate
    ) {
      this.transition(OPEN, this.now());
    }
  }

  private isolateLocally(isolated: boolean, now: number): void {
    if (this.isolation === isolated) return;
    this.isolation = isolated;
    this.transition(isolated ? OPEN : CLOSED, now, true);
  }

  /** Applies the fleet's state (from a reply or a pub/sub message) to this process's breaker. */
  private apply(view: SharedBreakerView): void {
    const fleet = this.fleet!;
    fleet.readAt = performance.now();
    if (view.generation < fleet.generation) return;
    const changed = view.generation > fleet.generation;
    fleet.generation = view.generation;
    fleet.failures = view.failures;
    const now = this.now();
    // While this process's own isolate()/release() is on its way, an older view must not undo it.
    if (this.isolationOps === 0 && view.isolated !== this.isolation) {
      this.isolateLocally(view.isolated, now);
      return;
    }
    if (this.isolation || view.isolated) return;
    if (view.open) {
      // A fleet open reaches a closed breaker, or a half-open one when it is news (another
      // process's probe failed); the open period then ends when the fleet's does.
      if (this.code === CLOSED || (changed && this.code === HALF_OPEN)) {
        this.transition(OPEN, now, true);
      }
      if (this.code === OPEN) this.openedAt = now - (this.s.resetAfterMs - view.openForMs);
    } else if (changed && view.failures === 0 && this.code !== CLOSED && !this.wasOpenedHere) {
      // Another process's probe succeeded.
      this.transition(CLOSED, now, true);
    }
  }

  /** Set while a local open has not yet been written to the store (so a stale view cannot undo it). */
  private wasOpenedHere = false;

  private transition(to: number, now: number, fromFleet = false): void {
    const from = this.code;
    this.code = to;
    this.generation++;
    this.consecutive = 0;
    this.inFlight = 0;
    if (to === OPEN) this.openedAt = now;
    if (to === HALF_OPEN) this.lastProbeAt = now;
    // Every closed period starts from an empty window.
    if (to === CLOSED) {
      this.window?.clear();
      this.fleet?.counts?.forget();
    }
    const fleet = this.fleet;
    if (fleet !== undefined && !fromFleet && !this.isolation) {
      if (to === OPEN) {
        this.wasOpenedHere = true;
        void this.send({ op: 'open' }).then(() => (this.wasOpenedHere = false));
      } else if (to === CLOSED && from === HALF_OPEN) {
        void this.send({ op: 'close' });
        this.clearSharedWindow();
      }
    }
    if (from === to || this.changes.listeners.length === 0) return;
    this.changes.emit(
      { from: STATE_NAMES[from] ?? 'closed', to: STATE_NAMES[to]!, at: now },
      this.s.logger,
    );
  }

  private clearSharedWindow(): void {
    this.fleet?.counts?.clear();
  }

  private queueFlush(fleet: Fleet): void {
    if (fleet.flushQueued) return;
    fleet.flushQueued = true;
    queueMicrotask(() => void this.flush(fleet));
  }

  private async flush(fleet: Fleet): Promise<void> {
    fleet.flushQueued = false;
    const success = fleet.pendingSuccess;
    const failures = fleet.pendingFailures;
    fleet.pendingSuccess = false;
    fleet.pendingFailures = 0;
    if (success) await this.send({ op: 'success' });
    if (failures > 0) await this.send({ op: 'failure', count: failures });
  }

  /** Sends `op` to the store and applies the answer; a store failure leaves the local state as is. */
  private send(op: SharedBreakerOp): Promise<void> {
    const fleet = this.fleet;
    if (fleet === undefined) return Promise.resolve();
    return fleet.shared.send(op).then(
      (view) => this.apply(view),
      () => {},
    );
  }

  private who(): string {
    return this.s.name === undefined ? 'circuit' : `circuit ${JSON.stringify(this.s.name)}`;
  }

  private openError(waitMs: number): CircuitOpenError {
    return new CircuitOpenError({
      retryAfterMs: waitMs,
      message: `${this.who()} open; next probe in ${Math.ceil(waitMs)} ms`,
    });
  }

  private isolatedError(): CircuitOpenError {
    return new CircuitOpenError({
      retryAfterMs: Number.POSITIVE_INFINITY,
      message: `${this.who()} isolated; no attempt until release()`,
    });
  }

  private busyError(): CircuitOpenError {
    const n = this.s.halfOpenMaxAttempts;
    return new CircuitOpenError({
      retryAfterMs: 0,
      message: `${this.who()} half-open; ${n === 1 ? 'its probe is' : `all ${n} probes are`} in flight`,
    });
  }
}

/**
 * Creates a circuit breaker. Consecutive mode (default): `failureThreshold` failures in a row
 * open it. Rolling mode (`mode: 'rolling'`, or any of `failureRate`/`windowMs`/`minimumCalls`
 * given; like cockatiel's SamplingBreaker and resilience4j's time-based window): it opens when the
 * window of `windowMs` (10 buckets) holds at least `minimumCalls` calls and at least
 * `failureRate` of them failed. Either way it stays open `resetAfterMs`, then lets
 * `halfOpenMaxAttempts` concurrent probes through.
 *
 * With `retry(fn, { breaker })`, an open breaker rejects the run at once with `CircuitOpenError`
 * without calling `fn`; `retry` and `unknown` verdicts count as failures, `fail` verdicts do not.
 * Share one breaker per dependency (per venue), across every method that calls it.
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
  const o = (options ?? {}) as Record<string, unknown>;
  const mode = typeof o === 'object' ? o.mode : undefined;
  const rolling =
    mode === 'rolling' ||
    (mode === undefined &&
      typeof o === 'object' &&
      o !== null &&
      (o.failureRate !== undefined || o.windowMs !== undefined || o.minimumCalls !== undefined));
  const rules = rolling ? ROLLING_RULES : CONSECUTIVE_RULES;
  const error = findOptionsError('circuitBreaker', options, rules);
  if (error !== undefined) {
    // A key of the other mode gets a plainer message than "unknown option".
    const other = rolling ? CONSECUTIVE_RULES : ROLLING_RULES;
    const misplaced = Object.keys(o).find(
      (k) => !Object.hasOwn(rules, k) && Object.hasOwn(other, k) && o[k] !== undefined,
    );
    if (misplaced !== undefined) {
      throw new TypeError(
        `circuitBreaker: ${misplaced}: only valid in ${rolling ? 'consecutive' : 'rolling'} mode`,
      );
    }
    throw error;
  }
  const c = checkOptions('circuitBreaker', o, rules);
  const name = c.name as string | undefined;
  return new Breaker({
    rolling,
    failureThreshold: rolling ? 0 : ((c.failureThreshold as number | undefined) ?? 5),
    failureRate: rolling ? ((c.failureRate as number | undefined) ?? 0.5) : 0,
    minimumCalls: rolling ? ((c.minimumCalls as number | undefined) ?? 10) : 0,
    windowMs: rolling ? ((c.windowMs as number | undefined) ?? 10_000) : 0,
    resetAfterMs: (c.resetAfterMs as number | undefined) ?? 30_000,
    halfOpenMaxAttempts: (c.halfOpenMaxAttempts as number | undefined) ?? 1,
    probeTimeoutMs: (c.probeTimeoutMs as number | undefined) ?? 30_000,
    clock: c.clock as Pick<Clock, 'now'> | undefined,
    store: c.store as FleetStore | undefined,
    key: (c.key as string | undefined) ?? name ?? 'circuit-breaker',
    name,
    logger: c.logger as Logger | undefined,
  });
}
