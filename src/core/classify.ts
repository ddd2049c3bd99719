import { AttemptTimeoutError, HoldTooLongError } from './errors.js';
import { connectFailure, isFetchNetworkError } from './connect-failure.js';
import type { Classifier, Outcome, Verdict } from './types.js';
import { describeValue, mismatch } from './validate.js';

/**
 * Marks classifiers that never give a verdict on a returned value. When every classifier of a run
 * is one of these, a returned value is a success without calling anything: the success path of a
 * run with only error classifiers costs no classification at all. A property under a `Symbol.for`
 * key, not a module's WeakSet: each entry point bundles its own copy of this module, and a
 * classifier marked by `tenacious/http`'s copy must be recognised by the root's `retry`.
 */
const ERROR_ONLY = Symbol.for('tenacious.classifier.errorOnly');

/** Marks a classifier as one that only looks at thrown errors (an optimisation hint). */
export function markErrorOnly<C extends Classifier<any>>(classifier: C): C {
  Object.defineProperty(classifier, ERROR_ONLY, { value: true });
  return classifier;
}

/** True when the classifier is known to return `undefined` for every returned value. */
export function isErrorOnly(classifier: Classifier<any>): boolean {
  return (classifier as { [ERROR_ONLY]?: unknown })[ERROR_ONLY] === true;
}

/** An error class or a predicate over the thrown value. */
export type ErrorMatcher =
  (abstract new (...args: any[]) => unknown) | ((error: unknown) => boolean);

function isClass(fn: unknown): fn is abstract new (...args: any[]) => unknown {
  if (typeof fn !== 'function') return false;
  const proto = (fn as { prototype?: unknown }).prototype;
  return fn === Error || (typeof proto === 'object' && proto !== null && proto instanceof Error);
}

function compileMatchers(helper: string, matchers: readonly ErrorMatcher[]) {
  if (matchers.length === 0) {
    throw new TypeError(`${helper}: expected at least one error class or predicate, got none`);
  }
  return matchers.map((m, i) => {
    if (typeof m !== 'function') {
      throw mismatch(
        TypeError,
        `${helper}: argument ${i + 1}`,
        'an error class or a predicate function',
        m,
      );
    }
    if (isClass(m)) {
      const name = m.name || 'Error';
      return { name, test: (e: unknown) => isInstance(e, m) };
    }
    const predicate = m;
    return { name: '', test: (e: unknown) => predicate(e) === true };
  });
}

function errorMatcherClassifier(
  helper: string,
  action: Verdict['action'],
  matchers: readonly ErrorMatcher[],
): Classifier {
  const compiled = compileMatchers(helper, matchers);
  const prefix = `${helper.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  return markErrorOnly((outcome: Outcome) => {
    if (outcome.ok) return undefined;
    for (const m of compiled) {
      if (m.test(outcome.error)) return { action, reason: m.name ? `${prefix}:${m.name}` : prefix };
    }
    return undefined;
  });
}

/**
 * Retries errors that are instances of the given classes or match the given predicates.
 *
 * @example
 * ```ts
 * await retry(fetchBalance, { classify: [retryOn(NetworkError, (e) => isTimeout(e)), failOn(Error)] });
 * ```
 */
export function retryOn(...matchers: ErrorMatcher[]): Classifier {
  return errorMatcherClassifier('retryOn', 'retry', matchers);
}

/**
 * Fails at once (no retry) on errors that are instances of the given classes or match the
 * given predicates.
 *
 * @example
 * ```ts
 * await retry(placeOrder, { classify: failOn(InsufficientFundsError) });
 * ```
 */
export function failOn(...matchers: ErrorMatcher[]): Classifier {
  return errorMatcherClassifier('failOn', 'fail', matchers);
}

/**
 * Marks errors as `unknown` outcomes: the request may have executed, so a non-idempotent run
 * reconciles instead of retrying blindly.
 *
 * @example
 * ```ts
 * await retry(placeOrder, { idempotent: false, classify: unknownOn(GatewayTimeoutError), reconcile });
 * ```
 */
export function unknownOn(...matchers: ErrorMatcher[]): Classifier {
  return errorMatcherClassifier('unknownOn', 'unknown', matchers);
}

/**
 * Retries when a returned value matches `predicate` (tenacity's `retry_if_result`).
 *
 * @example
 * ```ts
 * await retry(() => getOrder(id), { classify: retryIfResult((order) => order.status === 'PENDING') });
 * ```
 */
export function retryIfResult<T>(predicate: (value: T) => boolean): Classifier<T> {
  if (typeof predicate !== 'function') {
    throw mismatch(TypeError, 'retryIfResult', 'a predicate function', predicate);
  }
  return (outcome: Outcome<T>) =>
    outcome.ok && predicate(outcome.value) ? { action: 'retry', reason: 'result' } : undefined;
}

/**
 * The rule applied when no classifier gives a verdict. Only what is known not to have executed
 * is retried, so `retry(placeOrder, { idempotent: false })` never sends an order twice blindly:
 *
 * - a network failure before the request was sent (`ECONNREFUSED`, `ENOTFOUND`, `EAI_AGAIN`,
 *   connect timeouts, found anywhere on the `cause` chain) is `retry` (`network:<code>`);
 * - a `TypeError` that is not a network error (a programming mistake, as in p-retry) is `fail`;
 * - a {@link HoldTooLongError} is `fail` (`hold-too-long`): see {@link holdTooLongVerdict};
 * - anything else is `unknown`: an {@link AttemptTimeoutError} (`attempt-timeout`), any other
 *   thrown value, a failure after sending included (`unclassified`). An idempotent run retries
 *   `unknown` exactly like `retry`; a non-idempotent one reconciles.
 *
 * Returned values have no verdict, so they are successes.
 *
 * @example
 * ```ts
 * await retry(fn, { classify: [failOn(ValidationError), defaultClassifier] });
 * ```
 */
export const defaultClassifier: Classifier = markErrorOnly(
  (outcome: Outcome): Verdict | undefined => {
    if (outcome.ok) return undefined;
    const error = outcome.error;
    if (isInstance(error, AttemptTimeoutError)) return ATTEMPT_TIMEOUT;
    if (isInstance(error, HoldTooLongError)) return HOLD_TOO_LONG;
    // Only a failure before sending is singled out; after sending it is `unclassified` like any
    // other error (domain classifiers give it a `network:<code>` reason).
    const code = connectFailure(error); // never throws, even on a hostile error
    if (code !== undefined) return connectFailureVerdict(code);
    if (isInstance(error, TypeError) && !isFetchNetworkError(error)) return NON_NETWORK_TYPE_ERROR;
    return UNCLASSIFIED;
  },
);

/** The default rule's verdicts are made once and frozen: a run may hand them to user code. */
const verdict = (action: Verdict['action'], reason: string): Verdict =>
  Object.freeze({ action, reason });

const ATTEMPT_TIMEOUT = /* @__PURE__ */ verdict('unknown', 'attempt-timeout');
const HOLD_TOO_LONG = /* @__PURE__ */ verdict('fail', 'hold-too-long');

/**
 * The verdict of a {@link HoldTooLongError}, `undefined` for anything else: `fail` with reason
 * `hold-too-long`. The tracker refused before anything was sent, so there is nothing to
 * reconcile, and waiting longer is what the caller refused. Venue classifiers return it before
 * their own rules, so the verdict is the same whichever classifier sees the error first.
 *
 * @example
 * ```ts
 * const verdict = holdTooLongVerdict(new HoldTooLongError({ reason: 'ban', waitMs: 120_000, maxWaitMs: 5000 }));
 * // { action: 'fail', reason: 'hold-too-long' }
 * ```
 */
export function holdTooLongVerdict(error: unknown): Verdict | undefined {
  return isInstance(error, HoldTooLongError) ? HOLD_TOO_LONG : undefined;
}

const NON_NETWORK_TYPE_ERROR = /* @__PURE__ */ verdict('fail', 'type-error');
const UNCLASSIFIED = /* @__PURE__ */ verdict('unknown', 'unclassified');

/** One frozen verdict per connect-phase code (the set of codes is small and fixed). */
const connectVerdicts = new Map<string, Verdict>();
function connectFailureVerdict(code: string): Verdict {
  let known = connectVerdicts.get(code);
  if (known === undefined) {
    known = verdict('retry', `network:${code}`);
    connectVerdicts.set(code, known);
  }
  return known;
}

/**
 * `value instanceof type`, or false when the check itself throws: `instanceof` runs a Proxy's
 * getPrototypeOf trap, and a revoked Proxy throws on it.
 */
function isInstance(value: unknown, type: abstract new (...args: any[]) => unknown): boolean {
  try {
    return value instanceof type;
  } catch {
    return false;
  }
}

/** Kept here for the modules that import it from the classifiers; one definition, in validate.ts. */
export { describeValue };

/**
 * The reason of the verdict every venue classifier gives a duplicate client order id (Binance
 * -2010 "Duplicate order sent." and futures -4116, OKX 51016 and 50071, Bybit 110072 and 170141):
 * `unknown`, because the duplicate proves an earlier attempt was accepted. It goes to `reconcile`,
 * never to `fail`.
 *
 * @example
 * ```ts
 * const verdict = { action: 'unknown', reason: DUPLICATE_CLIENT_ORDER_ID } as const;
 * ```
 */
export const DUPLICATE_CLIENT_ORDER_ID = 'duplicate-client-order-id';
