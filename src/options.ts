import * as z from 'zod/mini';
import { exponential, jitter } from './backoff.js';
import { defaultClassifier, describeValue, isErrorOnly } from './classify.js';
import type {
  AttemptGate,
  Backoff,
  Classifier,
  Clock,
  ExhaustedEvent,
  Logger,
  ReconcileContext,
  ReconcileResult,
  RetryAdmission,
  RetryEvent,
  SuccessEvent,
} from './types.js';

/** Options of {@link retry}; all optional. See the README for each one's default and meaning. */
export interface RetryOptions<T = unknown> {
  /** Name used in logs, events, errors, metrics and alerts. Default: `fn.name` or `'anonymous'`. */
  operation?: string;
  /** Total attempts including the first; an integer >= 1 or `Infinity`. Default 4. */
  maxAttempts?: number;
  /** Default: `jitter(exponential({ initial: 1000, factor: 2, max: 30000 }), { mode: 'proportional', ratio: 0.2 })`. */
  backoff?: Backoff;
  /** A classifier or a list of them: the first that returns a verdict wins. */
  classify?: Classifier<NoInfer<T>> | readonly Classifier<NoInfer<T>>[];
  /** When `false`, an `unknown` verdict is reconciled or rejected instead of retried. Default `true`. */
  idempotent?: boolean;
  /** Looks an unknown outcome up (e.g. the order by its client order id). */
  reconcile?: (ctx: ReconcileContext) => Promise<ReconcileResult<T>> | ReconcileResult<T>;
  /** Time budget from the first attempt's start, in ms. Default `Infinity`. */
  maxElapsedMs?: number;
  /** Each attempt's `ctx.signal` aborts after this many ms and the attempt fails. */
  attemptTimeoutMs?: number;
  /** A server-requested delay longer than this ends the run. Default 60000. */
  maxRetryAfterMs?: number;
  /** Cancels the run at once, also during a delay; the run rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** On exhaustion, reject with the last error itself (or resolve with the last value). */
  reraise?: boolean;
  /** A pino-compatible logger. */
  logger?: Logger;
  /** Called after a failed attempt that will be retried, before the delay. */
  onRetry?: (event: RetryEvent) => unknown;
  /** Called when the run resolves with a value. */
  onSuccess?: (event: SuccessEvent<NoInfer<T>>) => unknown;
  /** Called when the run gives up on retryable failures. */
  onExhausted?: (event: ExhaustedEvent) => unknown;
  /** A circuit breaker consulted before every attempt. */
  breaker?: AttemptGate;
  /** A retry budget consulted before every retry. */
  budget?: RetryAdmission;
  /** Default: real time, or the clock installed by `useInstantRetries()`. */
  clock?: Clock;
  /** Random source in [0, 1) for jitter. Default `Math.random`. */
  random?: () => number;
  /** Delay timers do not keep the process alive. Default `false`. */
  unref?: boolean;
}

/**
 * A validated, normalised set of options: built once per options object and reused, so a run
 * whose options were seen before does no validation at all.
 */
export interface Plan {
  readonly operation: string | undefined;
  readonly maxAttempts: number;
  readonly backoff: Backoff;
  /** The user's classifiers, in order (the default rule applies after them). */
  readonly classifiers: readonly Classifier<any>[];
  /** False when no classifier can give a verdict on a returned value. */
  readonly classifiesValues: boolean;
  readonly idempotent: boolean;
  readonly reconcile: RetryOptions<any>['reconcile'];
  readonly maxElapsedMs: number;
  /** 0 when there is none. */
  readonly attemptTimeoutMs: number;
  readonly maxRetryAfterMs: number;
  readonly signal: AbortSignal | undefined;
  readonly reraise: boolean;
  readonly logger: Logger | undefined;
  readonly onRetry: readonly ((event: RetryEvent) => unknown)[];
  readonly onSuccess: readonly ((event: SuccessEvent<any>) => unknown)[];
  readonly onExhausted: readonly ((event: ExhaustedEvent) => unknown)[];
  readonly breaker: AttemptGate | undefined;
  readonly budget: RetryAdmission | undefined;
  readonly clock: Clock | undefined;
  readonly random: () => number;
  readonly unref: boolean;
  /** The engine's p-retry options for this plan, built on its first retry. */
  pRetryOptions?: object;
}

/** The default backoff of API.md, built once. */
export const DEFAULT_BACKOFF: Backoff = jitter(
  exponential({ initial: 1000, factor: 2, max: 30000 }),
  {
    mode: 'proportional',
    ratio: 0.2,
  },
);

const isFunction = (v: unknown) => typeof v === 'function';
const hasMethods =
  (...names: string[]) =>
  (v: unknown) =>
    typeof v === 'object' &&
    v !== null &&
    names.every((n) => typeof (v as Record<string, unknown>)[n] === 'function');

/**
 * Each option's rule: the type it must have (a wrong type is a `TypeError`), a range check (a
 * value of the right type outside it is a `RangeError`), and the wording of both.
 */
const RULES: Record<
  keyof RetryOptions,
  { type: (v: unknown) => boolean; range?: (v: any) => boolean; rule: string }
> = {
  operation: {
    type: (v) => typeof v === 'string',
    range: (v: string) => v.length > 0,
    rule: 'a non-empty string',
  },
  maxAttempts: {
    type: (v) => typeof v === 'number',
    range: (v: number) => v === Infinity || (Number.isInteger(v) && v >= 1),
    rule: 'an integer >= 1 or Infinity',
  },
  backoff: { type: isFunction, rule: 'a Backoff function' },
  classify: {
    type: (v) => isFunction(v) || (Array.isArray(v) && v.every(isFunction)),
    rule: 'a Classifier function or an array of them',
  },
  idempotent: { type: (v) => typeof v === 'boolean', rule: 'a boolean' },
  reconcile: { type: isFunction, rule: 'a function' },
  maxElapsedMs: {
    type: (v) => typeof v === 'number',
    range: (v: number) => v >= 0,
    rule: 'a number >= 0 or Infinity',
  },
  attemptTimeoutMs: {
    type: (v) => typeof v === 'number',
    range: (v: number) => v > 0 && v <= 2 ** 31 - 1,
    rule: 'a number > 0 and <= 2147483647',
  },
  maxRetryAfterMs: {
    type: (v) => typeof v === 'number',
    range: (v: number) => v >= 0,
    rule: 'a number >= 0 or Infinity',
  },
  signal: {
    type: (v) => typeof AbortSignal !== 'undefined' && v instanceof AbortSignal,
    rule: 'an AbortSignal',
  },
  reraise: { type: (v) => typeof v === 'boolean', rule: 'a boolean' },
  logger: {
    type: hasMethods('warn', 'error', 'debug'),
    rule: 'a logger with warn, error and debug methods',
  },
  onRetry: { type: isFunction, rule: 'a function' },
  onSuccess: { type: isFunction, rule: 'a function' },
  onExhausted: { type: isFunction, rule: 'a function' },
  breaker: {
    type: hasMethods('acquire', 'record'),
    rule: 'a CircuitBreaker (from circuitBreaker())',
  },
  budget: {
    type: hasMethods('recordAttempt', 'tryRetry'),
    rule: 'a RetryBudget (from retryBudget())',
  },
  clock: { type: hasMethods('now', 'sleep'), rule: 'a clock with now() and sleep(ms, signal)' },
  random: { type: isFunction, rule: 'a function returning a number in [0, 1)' },
  unref: { type: (v) => typeof v === 'boolean', rule: 'a boolean' },
};

const isValid = (key: keyof RetryOptions) => (v: unknown) => {
  const r = RULES[key];
  // NaN is a number but never a valid value of any option.
  return r.type(v) && !Number.isNaN(v) && (r.range === undefined || r.range(v));
};

/**
 * One zod schema per option. The object itself is walked by hand rather than with
 * `z.strictObject`: the result is the same (unknown keys rejected, so a typo is an error), and
 * the object machinery would add about 1.6 KB gzip to every bundle that imports `retry`.
 */
const optionSchemas: ReadonlyMap<string, z.ZodMiniCustom> = new Map(
  (Object.keys(RULES) as (keyof RetryOptions)[]).map((key) => [key, z.custom(isValid(key))]),
);

/**
 * Checks an options object and returns the error to reject with, or `undefined` when it is
 * valid. The message names the option and the value: `maxAttempts: expected an integer >= 1 or
 * Infinity, got -1`.
 */
export function validateOptions(
  options: unknown,
  where?: string,
): TypeError | RangeError | undefined {
  const prefix = where === undefined ? '' : `${where}: `;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    return new TypeError(`${prefix}options: expected an object, got ${describeValue(options)}`);
  }
  const keys = Object.keys(options);
  const unknown = keys.filter((k) => !optionSchemas.has(k));
  if (unknown.length > 0) {
    return new TypeError(
      `${prefix}unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')}; expected one of ${[...optionSchemas.keys()].join(', ')}`,
    );
  }
  const invalid = keys.find((k) => {
    const v = (options as Record<string, unknown>)[k];
    return v !== undefined && !optionSchemas.get(k)!.safeParse(v).success;
  });
  if (invalid === undefined) return undefined;
  const key = invalid as keyof RetryOptions;
  const value = (options as Record<string, unknown>)[key];
  const message = `${prefix}${key}: expected ${RULES[key].rule}, got ${describeValue(value)}`;
  return RULES[key].type(value) ? new RangeError(message) : new TypeError(message);
}

const NO_HOOKS: readonly never[] = /* @__PURE__ */ Object.freeze([]);

function hooks<F>(a: readonly F[] | undefined, b: F | undefined): readonly F[] {
  if (b === undefined) return a ?? NO_HOOKS;
  return a === undefined || a.length === 0 ? [b] : [...a, b];
}

/**
 * Builds a plan from validated options layered over a base plan (the library defaults, or the
 * defaults given to `createRetry`). Hooks of both levels are kept; every other option given at
 * the call level replaces the base's.
 */
export function buildPlan(options: RetryOptions<any>, base: Plan = DEFAULT_PLAN): Plan {
  const classify = options.classify;
  const classifiers =
    classify === undefined
      ? base.classifiers
      : Array.isArray(classify)
        ? [...classify]
        : [classify as Classifier];
  return {
    operation: options.operation ?? base.operation,
    maxAttempts: options.maxAttempts ?? base.maxAttempts,
    backoff: options.backoff ?? base.backoff,
    classifiers,
    classifiesValues: classifiers.some((c) => !isErrorOnly(c)),
    idempotent: options.idempotent ?? base.idempotent,
    reconcile: options.reconcile ?? base.reconcile,
    maxElapsedMs: options.maxElapsedMs ?? base.maxElapsedMs,
    attemptTimeoutMs: options.attemptTimeoutMs ?? base.attemptTimeoutMs,
    maxRetryAfterMs: options.maxRetryAfterMs ?? base.maxRetryAfterMs,
    signal: options.signal ?? base.signal,
    reraise: options.reraise ?? base.reraise,
    logger: options.logger ?? base.logger,
    onRetry: hooks(base.onRetry, options.onRetry),
    onSuccess: hooks(base.onSuccess, options.onSuccess),
    onExhausted: hooks(base.onExhausted, options.onExhausted),
    breaker: options.breaker ?? base.breaker,
    budget: options.budget ?? base.budget,
    clock: options.clock ?? base.clock,
    random: options.random ?? base.random,
    unref: options.unref ?? base.unref,
  };
}

/** The plan of a run given no options at all. */
export const DEFAULT_PLAN: Plan = /* @__PURE__ */ Object.freeze({
  operation: undefined,
  maxAttempts: 4,
  backoff: DEFAULT_BACKOFF,
  classifiers: [defaultClassifier],
  classifiesValues: false,
  idempotent: true,
  reconcile: undefined,
  maxElapsedMs: Infinity,
  attemptTimeoutMs: 0,
  maxRetryAfterMs: 60000,
  signal: undefined,
  reraise: false,
  logger: undefined,
  onRetry: NO_HOOKS,
  onSuccess: NO_HOOKS,
  onExhausted: NO_HOOKS,
  breaker: undefined,
  budget: undefined,
  clock: undefined,
  random: Math.random,
  unref: false,
});

/** Counts validations, so a test can prove that the success path of a known options object does none. */
export const validationStats = { count: 0 };

/**
 * Plans by options object. An options object is read once: later mutations of the same object
 * are not seen (pass a new object instead), which is what makes the success path of
 * `retry(fn, sameOptions)` free of validation. Options layered over the library defaults (plain
 * `retry`, the common case) have a flat cache; over a `createRetry` base, one level more.
 */
const defaultPlans = new WeakMap<object, Plan>();
const layeredPlans = new WeakMap<object, WeakMap<Plan, Plan>>();

/** Returns the cached plan for `options` over `base`, validating and building it on first sight. */
export function planFor(options: RetryOptions<any>, base: Plan = DEFAULT_PLAN): Plan {
  const byBase = base === DEFAULT_PLAN ? undefined : layeredPlans.get(options);
  const cached = base === DEFAULT_PLAN ? defaultPlans.get(options) : byBase?.get(base);
  if (cached !== undefined) return cached;
  validationStats.count++;
  const error = validateOptions(options);
  if (error !== undefined) throw error;
  const plan = buildPlan(options, base);
  if (base === DEFAULT_PLAN) defaultPlans.set(options, plan);
  else if (byBase === undefined) layeredPlans.set(options, new WeakMap([[base, plan]]));
  else byBase.set(base, plan);
  return plan;
}
