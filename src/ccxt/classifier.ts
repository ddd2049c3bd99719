import { markClassifierFactory } from '../core/classifier-factory.js';
import { describeValue, markErrorOnly } from '../core/classify.js';
import { ccxtConfiguredRetries } from '../transport/client-retries.js';
import { parseRetryAfter } from '../transport/retry-after.js';
import { causeChain, prototypeNames, stringField } from '../core/redaction/safe-read.js';
import { CONNECT_FAILURE_CODES } from '../core/connect-failure.js';
import { safeGet } from '../core/redaction/redact.js';
import type { Classifier, Outcome, Verdict } from '../core/types.js';
import { CCXT_ERRORS, CCXT_RATE_LIMIT_ERRORS } from './errors.js';

/** Options of {@link ccxtClassifier}. */
export interface CcxtClassifierOptions {
  /**
   * The ccxt exchange instance the call used. ccxt errors carry only a message; with this, a
   * `RateLimitExceeded` or `DDoSProtection` waits for the `Retry-After` of
   * `exchange.last_response_headers` (kept by default, `enableLastResponseHeaders`). With
   * concurrent calls on one instance the headers may be another call's. When its
   * `options.maxRetriesOnFailure` is above 0, retried verdicts carry `clientRetried` (ccxt already
   * sent the request that many more times), and the run warns once per operation.
   */
  exchange?: { last_response_headers?: unknown };
  /** Epoch ms for an HTTP-date Retry-After. Default `Date.now`. */
  now?: () => number;
}

/** Cached verdicts: the set of (action, class) pairs is fixed. */
const verdicts = new Map<string, Verdict>();
function verdictFor(name: string, action: Verdict['action']): Verdict {
  let verdict = verdicts.get(name);
  if (verdict === undefined) {
    verdict = Object.freeze({ action, reason: `ccxt:${name}` });
    verdicts.set(name, verdict);
  }
  return verdict;
}

/**
 * ccxt turns every transport failure into a bare `NetworkError` whose message carries the cause:
 * `binance POST https://… fetch failed: connect ECONNREFUSED 127.0.0.1:443` [CX] `Exchange.fetch`.
 * A code from before the request was sent (connection refused, DNS failure, connect timeout)
 * means the exchange never saw it: safe to retry, even an order.
 */
const BEFORE_SEND_IN_MESSAGE = new RegExp(`\\b(${[...CONNECT_FAILURE_CODES].join('|')})\\b`);

function beforeSendCode(value: unknown): string | undefined {
  const message = stringField(value, 'message');
  return message === undefined ? undefined : BEFORE_SEND_IN_MESSAGE.exec(message)?.[1];
}

/** The first ccxt class name of a value: along its prototype chain, else its `name`. */
function ccxtClassOf(value: unknown): string | undefined {
  const names = prototypeNames(value);
  if (names.includes('BaseError')) {
    for (const name of names) if (CCXT_ERRORS.has(name)) return name;
  }
  // A minified bundle mangles constructor names but ccxt sets `name` on every instance.
  const name = names.includes('Error') ? stringField(value, 'name') : undefined;
  return name !== undefined && CCXT_ERRORS.has(name) ? name : undefined;
}

function retryAfterOf(
  exchange: CcxtClassifierOptions['exchange'],
  now: () => number,
): number | undefined {
  const headers = safeGet(exchange, 'last_response_headers');
  if (headers === null || typeof headers !== 'object') return undefined;
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() !== 'retry-after') continue;
    const value = safeGet(headers, key);
    return typeof value === 'string' || typeof value === 'number'
      ? parseRetryAfter(value, now())
      : undefined;
  }
  return undefined;
}

/**
 * Classifies ccxt errors by class name along the prototype chain, so it works with any ccxt
 * version without importing ccxt:
 *
 * - `RateLimitExceeded`, `DDoSProtection`, `OnMaintenance`, `InvalidNonce` (and `ChecksumError`)
 *   retry;
 * - a `NetworkError` whose message names a failure before sending (`connect ECONNREFUSED`,
 *   `ENOTFOUND`, `EAI_AGAIN`, a connect timeout) retries (`ccxt:NetworkError:ECONNREFUSED`);
 * - `RequestTimeout`, `ExchangeNotAvailable`, other `NetworkError`s, `BadResponse`,
 *   `CancelPending` and other `OperationFailed`s are `unknown`: ccxt uses one class for "never
 *   sent" and "maybe executed", and maps Binance's unknown-outcome 5xx to `ExchangeNotAvailable`;
 * - the `ExchangeError` family (`AuthenticationError`, `PermissionDenied`, `AccountSuspended`,
 *   `InsufficientFunds`, `InvalidOrder`, `OrderNotFound`, `BadSymbol`, `BadRequest`, …) fails.
 *
 * Reasons are `ccxt:<ClassName>` (the nearest class ccxt defines). Errors wrapped in a `cause`
 * are found. Never throws.
 *
 * @example
 * ```ts
 * const exchange = new ccxt.binance({ apiKey, secret });
 * const order = await retry(() => exchange.createOrder('BTC/USDT', 'limit', 'buy', 0.001, 50000), {
 *   classify: ccxtClassifier({ exchange }),
 *   idempotent: false,
 *   reconcile: async () => findByClientOrderId(exchange, clientOrderId),
 * });
 * ```
 */
export function ccxtClassifier(options: CcxtClassifierOptions = {}): Classifier {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      `ccxtClassifier: expected an options object, got ${describeValue(options)}`,
    );
  }
  const { exchange } = options;
  if (exchange !== undefined && (typeof exchange !== 'object' || exchange === null)) {
    throw new TypeError(
      `ccxtClassifier: \`exchange\`: expected a ccxt exchange instance, got ${describeValue(exchange)}`,
    );
  }
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') {
    throw new TypeError(
      `ccxtClassifier: \`now\`: expected a function returning epoch ms, got ${describeValue(now)}`,
    );
  }

  const judge = (outcome: Outcome): Verdict | undefined => {
    if (outcome.ok) return undefined;
    try {
      for (const candidate of causeChain(outcome.error)) {
        const name = ccxtClassOf(candidate);
        if (name === undefined) continue;
        if (name === 'NetworkError') {
          const code = beforeSendCode(candidate);
          if (code !== undefined) return verdictFor(`NetworkError:${code}`, 'retry');
        }
        const action = CCXT_ERRORS.get(name)!;
        if (exchange !== undefined && CCXT_RATE_LIMIT_ERRORS.has(name)) {
          const retryAfterMs = retryAfterOf(exchange, now);
          if (retryAfterMs !== undefined) return { action, reason: `ccxt:${name}`, retryAfterMs };
        }
        return verdictFor(name, action);
      }
    } catch {
      // Never throw from a classifier.
    }
    return undefined;
  };
  return markErrorOnly((outcome: Outcome): Verdict | undefined => {
    const verdict = judge(outcome);
    // Every non-fail verdict here is an OperationFailed, which ccxt retries when configured to.
    if (verdict === undefined || verdict.action === 'fail') return verdict;
    const clientRetried = ccxtConfiguredRetries(exchange);
    return clientRetried === undefined ? verdict : { ...verdict, clientRetried };
  });
}

// Passing `ccxtClassifier` uncalled as `classify` is refused with a message saying to call it.
markClassifierFactory(ccxtClassifier);
