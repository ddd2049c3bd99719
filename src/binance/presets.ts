import { orderBackoff, queryBackoff } from '../core/preset-backoffs.js';
import { httpClassifier } from '../http/index.js';
import type { RetryOptions } from '../core/options.js';
import type { Classifier } from '../core/types.js';
import { binanceClassifier } from './classifier.js';

/**
 * Binance's rules first, then HTTP and network rules (connection refused before sending retries,
 * a reset after sending is `unknown`). Shared by both presets: neither classifier keeps state.
 */
const classify: readonly Classifier[] = /* @__PURE__ */ Object.freeze([
  binanceClassifier(),
  httpClassifier(),
]);

/**
 * Ready-made options for Binance calls. Each is a plain, frozen partial-options object: spread it
 * and add your own (`reconcile`, `operation`, `logger`, or a `classify` with a shared tracker).
 *
 * - `binanceOrder`: order placement and other writes. 4 attempts, 1 s doubling to 8 s with ±20 %
 *   jitter, `idempotent: false` (an `unknown` outcome goes to `reconcile`, or rejects with
 *   `UnknownOutcomeError`).
 * - `binanceQuery`: idempotent reads (and cancels by id). 5 attempts, 250 ms doubling to 5 s with
 *   equal jitter; `unknown` outcomes are retried.
 *
 * @example
 * ```ts
 * const order = await retry(() => client.submitNewOrder(params), {
 *   ...binancePresets.binanceOrder,
 *   operation: 'submit_order',
 *   reconcile: async () => findOrder(params.newClientOrderId),
 * });
 * const balances = await retry(() => client.getBalances(), binancePresets.binanceQuery);
 * ```
 */
export const binancePresets = /* @__PURE__ */ Object.freeze({
  binanceOrder: Object.freeze({
    maxAttempts: 4,
    backoff: orderBackoff(),
    classify,
    idempotent: false,
  }) satisfies RetryOptions,
  binanceQuery: Object.freeze({
    maxAttempts: 5,
    backoff: queryBackoff(),
    classify,
    idempotent: true,
  }) satisfies RetryOptions,
});
