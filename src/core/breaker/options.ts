import { isFleetStore, type FleetStore } from '../fleet-store.js';
import { lazy } from '../lazy.js';
import type { Clock, Logger } from '../types.js';
import {
  findVariantOptionsError,
  methodsRule,
  nonEmptyStringRule,
  numberRule,
  oneOfRule,
  type Rules,
} from '../validate.js';

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

/** Consecutive mode, validated: this many failures in a row open the breaker. */
export interface ConsecutiveCounting {
  readonly mode: 'consecutive';
  readonly failureThreshold: number;
}

/** Rolling mode, validated: the failed share of the calls in a sliding window opens it. */
export interface RollingCounting {
  readonly mode: 'rolling';
  readonly failureRate: number;
  readonly windowMs: number;
  readonly minimumCalls: number;
}

/** With a `store`: the fleet's breaker this one mirrors. */
export interface FleetSettings {
  readonly store: FleetStore;
  readonly key: string;
}

/** Validated options, with every default applied; `counting` says which mode it is. */
export interface BreakerSettings {
  readonly counting: ConsecutiveCounting | RollingCounting;
  readonly resetAfterMs: number;
  readonly halfOpenMaxAttempts: number;
  readonly probeTimeoutMs: number;
  readonly clock: Pick<Clock, 'now'> | undefined;
  readonly fleet: FleetSettings | undefined;
  /** `circuit` or `circuit "binance"`: how error messages name the breaker. */
  readonly label: string;
  readonly logger: Logger | undefined;
}

/**
 * The rules of each mode; a key of the other mode is refused as `only valid in <mode> mode`.
 * Built by the first `circuitBreaker()` call, not at import.
 */
const modeRules = /* @__PURE__ */ lazy((): Readonly<Record<'consecutive' | 'rolling', Rules>> => {
  const common: Rules = {
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
  return {
    consecutive: { ...common, failureThreshold: numberRule(1, { integer: true }) },
    rolling: {
      ...common,
      failureRate: {
        type: (v) => typeof v === 'number',
        range: (v: number) => v > 0 && v <= 1,
        rule: 'a number in (0, 1]',
      },
      windowMs: numberRule(0, { above: true }),
      minimumCalls: numberRule(1, { integer: true }),
    },
  };
});

/**
 * The rolling options, when `options` asks for rolling mode: by `mode`, or with no `mode` by any
 * rolling option given.
 */
function rollingOptions(options: CircuitBreakerOptions): RollingBreakerOptions | undefined {
  if (typeof options !== 'object' || options === null) return undefined;
  if (options.mode === 'rolling') return options;
  if (options.mode !== undefined) return undefined;
  if ('failureRate' in options && options.failureRate !== undefined) return options;
  if ('windowMs' in options && options.windowMs !== undefined) return options;
  if ('minimumCalls' in options && options.minimumCalls !== undefined) return options;
  return undefined;
}

/**
 * Validates {@link circuitBreaker}'s options once, against the rules of the mode they ask for,
 * and applies the defaults. Throws the `TypeError`/`RangeError` naming the option and the value.
 *
 * @example
 * ```ts
 * breakerSettings({ failureRate: 0.5 }).counting;
 * // { mode: 'rolling', failureRate: 0.5, windowMs: 10000, minimumCalls: 10 }
 * ```
 */
export function breakerSettings(options: CircuitBreakerOptions): BreakerSettings {
  const rolling = rollingOptions(options);
  const error = findVariantOptionsError(
    'circuitBreaker',
    options,
    rolling === undefined ? 'consecutive' : 'rolling',
    modeRules(),
  );
  if (error !== undefined) throw error;
  const counting = rolling === undefined ? consecutiveCounting(options) : rollingCounting(rolling);
  const { name, store } = options;
  return {
    counting,
    resetAfterMs: options.resetAfterMs ?? 30_000,
    halfOpenMaxAttempts: options.halfOpenMaxAttempts ?? 1,
    probeTimeoutMs: options.probeTimeoutMs ?? 30_000,
    clock: options.clock,
    fleet:
      store === undefined ? undefined : { store, key: options.key ?? name ?? 'circuit-breaker' },
    label: name === undefined ? 'circuit' : `circuit ${JSON.stringify(name)}`,
    logger: options.logger === undefined ? undefined : errorsOnly(options.logger),
  };
}

/** The breaker only logs listener failures, at `error`: a logger with that method is enough. */
function errorsOnly(logger: Pick<Logger, 'error'>): Logger {
  return { error: (obj, msg) => logger.error(obj, msg), warn: () => {}, debug: () => {} };
}

/** Consecutive mode's settings, from options that passed its rules. */
function consecutiveCounting(options: CircuitBreakerOptions): ConsecutiveCounting {
  const failureThreshold = 'failureThreshold' in options ? options.failureThreshold : undefined;
  return { mode: 'consecutive', failureThreshold: failureThreshold ?? 5 };
}

/** Rolling mode's settings, from options that passed its rules. */
function rollingCounting(options: RollingBreakerOptions): RollingCounting {
  return {
    mode: 'rolling',
    failureRate: options.failureRate ?? 0.5,
    windowMs: options.windowMs ?? 10_000,
    minimumCalls: options.minimumCalls ?? 10,
  };
}
