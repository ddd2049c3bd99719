import { describeValue } from './classify.js';
import { realClock } from './clock.js';
import { CircuitOpenError } from './errors.js';
import { hub, reportListenerError } from './events.js';
import { BucketedWindow, memoryStore, type StateCounter, type StateStore } from './state-store.js';
import type { AttemptGate, Clock, Logger, Verdict } from './types.js';

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
  /** Where the state lives. Default: a fresh in-memory store. */
  store?: StateStore;
  /** Used in error messages and as the key prefix in `store`. Default `'circuit-breaker'`. */
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

const COMMON_OPTIONS = [
  'resetAfterMs',
  'halfOpenMaxAttempts',
  'probeTimeoutMs',
  'clock',
  'store',
  'name',
  'logger',
];
const CONSECUTIVE_OPTIONS: ReadonlySet<string> = new Set([
  'mode',
  'failureThreshold',
  ...COMMON_OPTIONS,
]);
const ROLLING_OPTIONS: ReadonlySet<string> = new Set([
  'mode',
  'failureRate',
  'windowMs',
  'minimumCalls',
  ...COMMON_OPTIONS,
]);

function fail(message: string, value: unknown): never {
  throw typeof value === 'number' ? new RangeError(message) : new TypeError(message);
}

function checkInteger(name: string, value: unknown, min: number): number {
  if (!(typeof value === 'number' && Number.isInteger(value) && value >= min)) {
    fail(
      `circuitBreaker: ${name}: expected an integer >= ${min}, got ${describeValue(value)}`,
      value,
    );
  }
  return value;
}

function checkNumber(name: string, value: unknown, rule: '>= 0' | '> 0'): number {
  if (!(
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (rule === '> 0' ? value > 0 : value >= 0)
  )) {
    fail(
      `circuitBreaker: ${name}: expected a finite number ${rule}, got ${describeValue(value)}`,
      value,
    );
  }
  return value;
}

function checkRate(value: unknown): number {
  if (!(typeof value === 'number' && value > 0 && value <= 1)) {
    fail(
      `circuitBreaker: failureRate: expected a number in (0, 1], got ${describeValue(value)}`,
      value,
    );
  }
  return value;
}

type Listener = (change: CircuitStateChange) => unknown;

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
  store: StateStore;
  name: string;
  named: boolean;
  logger: Pick<Logger, 'error'> | undefined;
}

class Breaker implements CircuitBreaker {
  private readonly stateCode: StateCounter;
  /** Bumped on every state change; the token `acquire()` returns. */
  private readonly generation: StateCounter;
  private readonly openedAt: StateCounter;
  /** When the newest probe was let through (or the breaker turned half-open). */
  private readonly lastProbeAt: StateCounter;
  private readonly inFlight: StateCounter;
  private readonly consecutive: StateCounter;
  private readonly window: BucketedWindow | undefined;
  private listeners: readonly Listener[] = [];

  constructor(private readonly s: Settings) {
    const p = s.name;
    this.stateCode = s.store.counter(`${p}:state`);
    this.generation = s.store.counter(`${p}:generation`);
    this.openedAt = s.store.counter(`${p}:opened-at`);
    this.lastProbeAt = s.store.counter(`${p}:last-probe-at`);
    this.inFlight = s.store.counter(`${p}:probes-in-flight`);
    this.consecutive = s.store.counter(`${p}:consecutive-failures`);
    this.window = s.rolling
      ? new BucketedWindow(s.store, `${p}:calls`, 2, s.windowMs, BUCKETS)
      : undefined;
  }

  /** The explicit clock, else the process default installed by `useInstantRetries()`, else real time. */
  private now(): number {
    return (this.s.clock ?? hub.defaultClock ?? realClock).now();
  }

  get state(): CircuitState {
    if (this.stateCode.get() === OPEN) {
      const now = this.now();
      if (now >= this.openedAt.get() + this.s.resetAfterMs) this.transition(HALF_OPEN, now);
    }
    return STATE_NAMES[this.stateCode.get()] ?? 'closed';
  }

  acquire(): unknown {
    const code = this.stateCode.get();
    if (code === CLOSED) return this.generation.get();
    const now = this.now();
    if (code === OPEN) {
      const waitMs = this.openedAt.get() + this.s.resetAfterMs - now;
      if (waitMs > 0) throw this.openError(waitMs);
      this.transition(HALF_OPEN, now);
      // A listener may have acquired (or changed the state) meanwhile: decide afresh.
      return this.acquire();
    }
    if (this.inFlight.get() >= this.s.halfOpenMaxAttempts) {
      if (now - this.lastProbeAt.get() < this.s.probeTimeoutMs) throw this.busyError();
      // Even the newest probe has been out longer than probeTimeoutMs: presume them all lost and
      // start a new round (their late results carry the old generation and are ignored).
      this.generation.increment();
      this.inFlight.reset();
    }
    this.inFlight.increment();
    this.lastProbeAt.set(now);
    return this.generation.get();
  }

  record(token: unknown, action: 'success' | Verdict['action']): void {
    if (token !== this.generation.get()) return; // from an earlier state period (or not ours)
    const effect = EFFECT.get(action);
    if (effect === undefined) return;
    const code = this.stateCode.get();
    if (code === HALF_OPEN) {
      if (effect === 'neutral') {
        if (this.inFlight.get() > 0) this.inFlight.increment(-1);
      } else {
        this.transition(effect === 'success' ? CLOSED : OPEN, this.now());
      }
      return;
    }
    if (code !== CLOSED || effect === 'neutral') return;
    const window = this.window;
    if (window === undefined) {
      if (effect === 'success') {
        if (this.consecutive.get() !== 0) this.consecutive.reset();
      } else if (this.consecutive.increment() >= this.s.failureThreshold) {
        this.transition(OPEN, this.now());
      }
      return;
    }
    const now = this.now();
    window.add(now, CALLS);
    if (effect === 'success') return;
    window.add(now, FAILURES);
    const calls = window.total(now, CALLS);
    // Division, not `failures >= rate * calls`: 0.3 * 10 is 3.0000000000000004 in binary floating point.
    if (calls >= this.s.minimumCalls && window.total(now, FAILURES) / calls >= this.s.failureRate) {
      this.transition(OPEN, now);
    }
  }

  onStateChange(listener: Listener): () => void {
    if (typeof listener !== 'function') {
      throw new TypeError(
        `onStateChange: expected a listener function, got ${describeValue(listener)}`,
      );
    }
    this.listeners = [...this.listeners, listener];
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      const index = this.listeners.indexOf(listener);
      if (index !== -1) this.listeners = this.listeners.filter((_, i) => i !== index);
    };
  }

  private transition(to: number, now: number): void {
    const from = this.stateCode.get();
    this.stateCode.set(to);
    this.generation.increment();
    this.consecutive.reset();
    this.inFlight.reset();
    if (to === OPEN) this.openedAt.set(now);
    if (to === HALF_OPEN) this.lastProbeAt.set(now);
    // Every closed period starts from an empty window.
    if (to === CLOSED) this.window?.clear();
    const listeners = this.listeners;
    if (listeners.length === 0) return;
    const change: CircuitStateChange = {
      from: STATE_NAMES[from] ?? 'closed',
      to: STATE_NAMES[to]!,
      at: now,
    };
    for (const listener of listeners) {
      try {
        const result = listener(change);
        if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
          (result as PromiseLike<unknown>).then(undefined, (err: unknown) =>
            this.listenerFailed(err),
          );
        }
      } catch (err) {
        this.listenerFailed(err);
      }
    }
  }

  private listenerFailed(err: unknown): void {
    reportListenerError(
      err,
      this.s.logger as Logger | undefined,
      'circuitBreaker onStateChange listener',
    );
  }

  private openError(waitMs: number): CircuitOpenError {
    const who = this.s.named ? `circuit ${JSON.stringify(this.s.name)}` : 'circuit';
    return new CircuitOpenError({
      retryAfterMs: waitMs,
      message: `${who} open; next probe in ${Math.ceil(waitMs)} ms`,
    });
  }

  private busyError(): CircuitOpenError {
    const who = this.s.named ? `circuit ${JSON.stringify(this.s.name)}` : 'circuit';
    const n = this.s.halfOpenMaxAttempts;
    return new CircuitOpenError({
      retryAfterMs: 0,
      message: `${who} half-open; ${n === 1 ? 'its probe is' : `all ${n} probes are`} in flight`,
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
 * ```
 */
export function circuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      `circuitBreaker: expected an options object, got ${describeValue(options)}`,
    );
  }
  const o = options as Record<string, unknown>;
  const mode = o.mode;
  if (mode !== undefined && mode !== 'consecutive' && mode !== 'rolling') {
    throw new TypeError(
      `circuitBreaker: mode: expected 'consecutive' or 'rolling', got ${describeValue(mode)}`,
    );
  }
  const rolling =
    mode === 'rolling' ||
    (mode === undefined &&
      (o.failureRate !== undefined || o.windowMs !== undefined || o.minimumCalls !== undefined));
  const allowed = rolling ? ROLLING_OPTIONS : CONSECUTIVE_OPTIONS;
  for (const key of Object.keys(o)) {
    if (allowed.has(key) || o[key] === undefined) continue;
    const other = rolling ? CONSECUTIVE_OPTIONS : ROLLING_OPTIONS;
    throw new TypeError(
      other.has(key)
        ? `circuitBreaker: ${key}: only valid in ${rolling ? 'consecutive' : 'rolling'} mode`
        : `circuitBreaker: unknown option ${JSON.stringify(key)}`,
    );
  }
  const clock = o.clock as Pick<Clock, 'now'> | undefined;
  if (
    clock !== undefined &&
    (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function')
  ) {
    throw new TypeError(
      `circuitBreaker: clock: expected an object with a now() method, got ${describeValue(clock)}`,
    );
  }
  const store = (o.store ?? memoryStore()) as StateStore;
  if (typeof store !== 'object' || store === null || typeof store.counter !== 'function') {
    throw new TypeError(
      `circuitBreaker: store: expected a StateStore (an object with a counter(key) method), got ${describeValue(store)}`,
    );
  }
  const name = o.name ?? 'circuit-breaker';
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(
      `circuitBreaker: name: expected a non-empty string, got ${describeValue(name)}`,
    );
  }
  const logger = o.logger as Pick<Logger, 'error'> | undefined;
  if (
    logger !== undefined &&
    (typeof logger !== 'object' || logger === null || typeof logger.error !== 'function')
  ) {
    throw new TypeError(
      `circuitBreaker: logger: expected an object with an error() method, got ${describeValue(logger)}`,
    );
  }
  const failureRate = rolling ? checkRate(o.failureRate ?? 0.5) : 0;
  return new Breaker({
    rolling,
    failureThreshold: rolling ? 0 : checkInteger('failureThreshold', o.failureThreshold ?? 5, 1),
    failureRate,
    minimumCalls: rolling ? checkInteger('minimumCalls', o.minimumCalls ?? 10, 1) : 0,
    windowMs: rolling ? checkNumber('windowMs', o.windowMs ?? 10_000, '> 0') : 0,
    resetAfterMs: checkNumber('resetAfterMs', o.resetAfterMs ?? 30_000, '>= 0'),
    halfOpenMaxAttempts: checkInteger('halfOpenMaxAttempts', o.halfOpenMaxAttempts ?? 1, 1),
    probeTimeoutMs: checkNumber('probeTimeoutMs', o.probeTimeoutMs ?? 30_000, '> 0'),
    clock,
    store,
    name,
    named: o.name !== undefined,
    logger,
  });
}
