import { exponential, jitter } from './backoff.js';
import { defaultClassifier, isErrorOnly } from './classify.js';
import { isClassifierFactory } from './classifier-factory.js';
import { MAX_DELAY_MS } from './clock.js';
import { hedgeOptionsError, type HedgeOptions } from './hedge.js';
import type { AttemptLimiter } from './limiter/adaptive-limiter.js';
import { lazy } from './lazy.js';
import { isBodyReader } from './response-body.js';
import {
  backoffRule,
  booleanRule,
  clockRule,
  findOptionsError,
  functionRule,
  isFunction,
  isOptionsObject,
  limitMsRule,
  loggerRule,
  methodsRule,
  nonEmptyStringRule,
  numberRule,
  type Rule,
} from './validate.js';
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
  UnknownOutcomeEvent,
} from './types.js';

/**
 * `RetryOptions` written without a type argument (a config field, defaults shared by calls of
 * different result types) is `RetryOptions<any>`: options that do not know the run's value type.
 */
type IsAny<T> = 0 extends 1 & T ? true : false;
/** What classifiers and `onSuccess` see: `unknown` when the options do not know the value type. */
type KnownValue<T> = IsAny<T> extends true ? unknown : T;
/**
 * What `reconcile` returns: unchecked (`any`) when the options do not know the value type, so
 * such options spread into `retry<T>()` whatever its `T` and add no inference to it. A
 * conditional on the return type only: on the whole property it would cost an inline
 * `reconcile: () => ({ executed: false })` its literal type.
 */
type ReconcileReturn<T> =
  IsAny<T> extends true ? any : Promise<ReconcileResult<T>> | ReconcileResult<T>;

/**
 * Options of {@link retry}; all optional. See the README for each one's default and meaning.
 * `T` is the run's result type; `RetryOptions` without one spreads into `retry<T>()`,
 * `createRetry` and `@retryable` whatever their `T`.
 */
export interface RetryOptions<T = any> {
  /** Name used in logs, events, errors, metrics and alerts. Default: `fn.name` or `'anonymous'`. */
  operation?: string;
  /** Total attempts including the first; an integer >= 1 or `Infinity`. Default 4. */
  maxAttempts?: number;
  /** Default: `jitter(exponential({ initial: 1000, factor: 2, max: 30000 }), { mode: 'proportional', ratio: 0.2 })`. */
  backoff?: Backoff;
  /** A classifier or a list of them: the first that returns a verdict wins. */
  classify?: Classifier<NoInfer<KnownValue<T>>> | readonly Classifier<NoInfer<KnownValue<T>>>[];
  /** When `false`, an `unknown` verdict is reconciled or rejected instead of retried. Default `true`. */
  idempotent?: boolean;
  /** Looks an unknown outcome up (e.g. the order by its client order id). */
  reconcile?: (ctx: ReconcileContext) => ReconcileReturn<T>;
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
  /**
   * On a `fail` verdict, reject with a `PermanentFailureError` (the client's error as its
   * `cause`, printed redacted) instead of the client's error itself. Default `false`.
   */
  wrapFailures?: boolean;
  /** A pino-compatible logger. */
  logger?: Logger;
  /** Called after a failed attempt that will be retried, before the delay. */
  onRetry?: (event: RetryEvent) => unknown;
  /** Called when the run resolves with a value. */
  onSuccess?: (event: SuccessEvent<NoInfer<KnownValue<T>>>) => unknown;
  /** Called when the run gives up on retryable failures. */
  onExhausted?: (event: ExhaustedEvent) => unknown;
  /** Called for every `unknown` verdict on a non-idempotent call, with how it was resolved. */
  onUnknownOutcome?: (event: UnknownOutcomeEvent) => unknown;
  /** A circuit breaker consulted before every attempt. */
  breaker?: AttemptGate;
  /** A retry budget consulted before every retry. */
  budget?: RetryAdmission;
  /**
   * A client-side rate limit (`adaptiveLimiter()`): a token is taken before every attempt, the
   * first included, and every verdict is recorded on it.
   */
  limiter?: AttemptLimiter;
  /**
   * Sends another attempt beside one that has not settled after `afterMs` (or the observed
   * `quantile`): the first success wins, the others are aborted through `ctx.signal`. Idempotent
   * calls only.
   */
  hedge?: HedgeOptions;
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
  /** True when a classifier reads fetch `Response` bodies (src/core/response-body.ts). */
  readonly readsBodies: boolean;
  /**
   * A returned value is the run's result with nothing to judge or record: no classifier of
   * values, no breaker, no limiter, no hedge, no `onSuccess` hook (all known when the plan is
   * built). The loop then returns it at once when no process-wide listener hears successes.
   */
  readonly plainSuccess: boolean;
  /**
   * Besides `plainSuccess`: no signal, budget, attempt timeout or body reader. The first attempt
   * then runs outside the loop (src/core/retry.ts `direct`).
   */
  readonly direct: boolean;
  readonly idempotent: boolean;
  readonly reconcile: RetryOptions<any>['reconcile'];
  readonly maxElapsedMs: number;
  /** 0 when there is none. */
  readonly attemptTimeoutMs: number;
  readonly maxRetryAfterMs: number;
  readonly signal: AbortSignal | undefined;
  readonly reraise: boolean;
  readonly wrapFailures: boolean;
  readonly logger: Logger | undefined;
  readonly onRetry: readonly ((event: RetryEvent) => unknown)[];
  readonly onSuccess: readonly ((event: SuccessEvent<any>) => unknown)[];
  readonly onExhausted: readonly ((event: ExhaustedEvent) => unknown)[];
  readonly onUnknownOutcome: readonly ((event: UnknownOutcomeEvent) => unknown)[];
  readonly breaker: AttemptGate | undefined;
  readonly budget: RetryAdmission | undefined;
  readonly limiter: AttemptLimiter | undefined;
  readonly hedge: HedgeOptions | undefined;
  readonly clock: Clock | undefined;
  readonly random: () => number;
  readonly unref: boolean;
  /**
   * A run of tenacious's own (an alert delivery): no process-wide events, metrics or traces, so
   * it is not counted or traced as one of the service's calls. Never an option.
   */
  readonly internal: boolean;
}

/**
 * The default backoff of API.md, built on the first retry that needs it (building checks its
 * options, which an import that never retries need not pay for).
 */
const defaultBackoff = /* @__PURE__ */ lazy(() =>
  jitter(exponential({ initial: 1000, factor: 2, max: 30000 }), {
    mode: 'proportional',
    ratio: 0.2,
  }),
);
export const DEFAULT_BACKOFF: Backoff = (ctx) => defaultBackoff()(ctx);

const classifierRule: Rule = {
  type: isFunction,
  rule: 'a Classifier function',
  refine: (v: object) =>
    isClassifierFactory(v)
      ? `a Classifier (call ${(v as { name?: string }).name || 'the factory'}() to make one)`
      : undefined,
};

/** Each option's rule (src/validate.ts): a wrong type is a `TypeError`, a wrong range a `RangeError`. */
const RULES: Record<keyof RetryOptions, Rule> = {
  operation: nonEmptyStringRule,
  maxAttempts: numberRule(1, { integer: true, infinity: true }),
  backoff: backoffRule,
  classify: {
    type: (v) => isFunction(v) || Array.isArray(v),
    rule: 'a Classifier function or an array of them',
    each: classifierRule,
    refine: (v: unknown) => (Array.isArray(v) ? undefined : classifierRule.refine!(v)),
  },
  idempotent: booleanRule,
  reconcile: functionRule,
  maxElapsedMs: limitMsRule,
  attemptTimeoutMs: numberRule(0, { above: true, max: MAX_DELAY_MS }),
  maxRetryAfterMs: limitMsRule,
  signal: {
    type: (v) => typeof AbortSignal !== 'undefined' && v instanceof AbortSignal,
    rule: 'an AbortSignal',
  },
  reraise: booleanRule,
  wrapFailures: booleanRule,
  logger: loggerRule,
  onRetry: functionRule,
  onSuccess: functionRule,
  onExhausted: functionRule,
  onUnknownOutcome: functionRule,
  breaker: methodsRule('a CircuitBreaker (from circuitBreaker())', 'acquire', 'record'),
  budget: methodsRule('a RetryBudget (from retryBudget())', 'recordAttempt', 'tryRetry'),
  limiter: methodsRule('an AttemptLimiter (from adaptiveLimiter())', 'acquire', 'record'),
  // Its fields and its pairing with `idempotent` are checked once the plan is built.
  hedge: {
    type: isOptionsObject,
    rule: 'hedge options ({ afterMs } or { quantile })',
  },
  clock: clockRule,
  random: { type: isFunction, rule: 'a function returning a number in [0, 1)' },
  unref: booleanRule,
};

/**
 * Checks an options object and returns the error to reject with, or `undefined` when it is
 * valid. The message names the option and the value: `maxAttempts: expected an integer >= 1 or
 * Infinity, got -1`; unknown keys (a typo) are errors too.
 */
export function validateOptions(options: unknown, where = ''): TypeError | RangeError | undefined {
  return findOptionsError(where, options, RULES);
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
  const classifiesValues = classifiers.some((c) => !isErrorOnly(c));
  const breaker = options.breaker ?? base.breaker;
  const limiter = options.limiter ?? base.limiter;
  const hedge = options.hedge ?? base.hedge;
  const onSuccess = hooks(base.onSuccess, options.onSuccess);
  const plainSuccess =
    !classifiesValues &&
    breaker === undefined &&
    limiter === undefined &&
    hedge === undefined &&
    onSuccess.length === 0;
  const signal = options.signal ?? base.signal;
  const budget = options.budget ?? base.budget;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? base.attemptTimeoutMs;
  const readsBodies = classifiers.some(isBodyReader);
  return {
    operation: options.operation ?? base.operation,
    maxAttempts: options.maxAttempts ?? base.maxAttempts,
    backoff: options.backoff ?? base.backoff,
    classifiers,
    classifiesValues,
    readsBodies,
    plainSuccess,
    direct:
      plainSuccess &&
      signal === undefined &&
      budget === undefined &&
      attemptTimeoutMs === 0 &&
      !readsBodies,
    idempotent: options.idempotent ?? base.idempotent,
    reconcile: options.reconcile ?? base.reconcile,
    maxElapsedMs: options.maxElapsedMs ?? base.maxElapsedMs,
    attemptTimeoutMs,
    maxRetryAfterMs: options.maxRetryAfterMs ?? base.maxRetryAfterMs,
    signal,
    reraise: options.reraise ?? base.reraise,
    wrapFailures: options.wrapFailures ?? base.wrapFailures,
    logger: options.logger ?? base.logger,
    onRetry: hooks(base.onRetry, options.onRetry),
    onSuccess,
    onExhausted: hooks(base.onExhausted, options.onExhausted),
    onUnknownOutcome: hooks(base.onUnknownOutcome, options.onUnknownOutcome),
    breaker,
    budget,
    limiter,
    hedge,
    clock: options.clock ?? base.clock,
    random: options.random ?? base.random,
    unref: options.unref ?? base.unref,
    internal: base.internal,
  };
}

/**
 * The plan of a run given no options at all: API.md's defaults planned over nothing, so that it
 * is built by the same code, in the same shape, as every other plan.
 */
export const DEFAULT_PLAN: Plan = /* @__PURE__ */ Object.freeze(
  /* @__PURE__ */ buildPlan(
    {
      maxAttempts: 4,
      backoff: DEFAULT_BACKOFF,
      classify: defaultClassifier,
      idempotent: true,
      maxElapsedMs: Infinity,
      attemptTimeoutMs: 0,
      maxRetryAfterMs: 60000,
      reraise: false,
      wrapFailures: false,
      random: Math.random,
      unref: false,
    },
    // Every other field of the base is absent: no operation, no hooks, not internal.
    { internal: false } as Plan,
  ),
);

/**
 * Plans by options object, so that `retry(fn, sameOptions)` validates nothing on its success
 * path. The caller's object is never frozen, mutated or trusted blindly: a plan is reused only
 * while the object's enumerable values (getters included) are the ones it was built from, so an
 * edited object (a config reload) is validated and planned again on its next call. Options
 * layered over the library defaults (plain `retry`, the common case) have a flat cache; over a
 * `createRetry` base, one level more.
 */
const defaultPlans = new WeakMap<object, Cached>();
const layeredPlans = new WeakMap<object, WeakMap<Plan, Cached>>();

/**
 * The plans built last, whichever objects they came from: an options literal written in the call
 * is a new object each time, with the values of one planned before (one per call site). Keeps
 * the values of up to {@link RECENT} plans alive until newer plans replace them.
 */
const RECENT = 8;
const recent: Cached[] = [];

/**
 * A plan and the values it was built from: `keys[i]` held `values[i]`, in enumeration order, and
 * an array value (a list of classifiers) held `items[i]`, since an edit may be made in place.
 */
interface Cached extends Snapshot {
  readonly plan: Plan;
  readonly base: Plan;
}

interface Snapshot {
  readonly keys: readonly string[];
  readonly values: readonly unknown[];
  readonly items: readonly (readonly unknown[] | undefined)[];
}

/** Returns the plan for `options` over `base`: the cached one while they are unchanged. */
export function planFor(options: RetryOptions<any>, base: Plan = DEFAULT_PLAN): Plan {
  const byBase = base === DEFAULT_PLAN ? undefined : layeredPlans.get(options);
  const cached = base === DEFAULT_PLAN ? defaultPlans.get(options) : byBase?.get(base);
  if (cached !== undefined && unchanged(options, cached)) return cached.plan;
  for (const entry of recent) {
    if (entry.base === base && unchanged(options, entry)) return entry.plan;
  }
  const seen = snapshot(options);
  // Validated and built from the snapshot, so that a getter is read once per planning.
  const given =
    seen === undefined
      ? options
      : (Object.fromEntries(seen.keys.map((key, i) => [key, seen.values[i]])) as RetryOptions);
  const error = validateOptions(given);
  if (error !== undefined) throw error;
  const plan = buildPlan(given, base);
  // At definition (`createRetry`, `@retryable`, the first call): a hedge on a call that must
  // not be sent twice is refused, whichever level set `hedge` or `idempotent`.
  if (plan.hedge !== undefined) {
    const hedgeError = hedgeOptionsError(plan.hedge, plan.idempotent);
    if (hedgeError !== undefined) throw hedgeError;
  }
  if (seen === undefined) return plan;
  const entry: Cached = { plan, base, ...seen };
  // Newest first: a call site that repeats finds its plan at once.
  if (recent.unshift(entry) > RECENT) recent.pop();
  if (base === DEFAULT_PLAN) defaultPlans.set(options, entry);
  else if (byBase === undefined) layeredPlans.set(options, new WeakMap([[base, entry]]));
  else byBase.set(base, entry);
  return plan;
}

/** True while `options` enumerates the same keys with the same values as when it was planned. */
function unchanged(options: object, { keys, values, items }: Cached): boolean {
  try {
    let i = 0;
    for (const key in options) {
      const value: unknown = (options as Record<string, unknown>)[key];
      if (key !== keys[i] || value !== values[i]) return false;
      const held = items[i];
      if (held !== undefined && !sameItems(value as readonly unknown[], held)) return false;
      i++;
    }
    return i === keys.length;
  } catch {
    return false; // a getter or a Proxy trap that throws: plan again, and let validation report
  }
}

function sameItems(array: readonly unknown[], held: readonly unknown[]): boolean {
  if (array.length !== held.length) return false;
  for (let i = 0; i < held.length; i++) if (array[i] !== held[i]) return false;
  return true;
}

/** The enumerable keys and values of an options object; undefined when it cannot be read so. */
function snapshot(options: unknown): Snapshot | undefined {
  if (!isOptionsObject(options)) return undefined;
  try {
    const keys: string[] = [];
    const values: unknown[] = [];
    const items: (readonly unknown[] | undefined)[] = [];
    for (const key in options) {
      const value: unknown = (options as Record<string, unknown>)[key];
      keys.push(key);
      values.push(value);
      items.push(Array.isArray(value) ? [...(value as unknown[])] : undefined);
    }
    return { keys, values, items };
  } catch {
    return undefined;
  }
}
