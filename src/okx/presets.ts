import { orderBackoff, queryBackoff } from '../core/preset-backoffs.js';
import { httpClassifier } from '../http/index.js';
import type { RetryOptions } from '../core/options.js';
import type { Classifier } from '../core/types.js';
import { okxClassifier } from './classifier.js';

/**
 * OKX's rules first, then HTTP and network rules (an HTML 5xx from a proxy is `unknown`, a
 * connection refused before sending retries). Orders are writes: 50001 (HTTP 503) is `unknown`
 * on them and retries on reads.
 */
const orderClassify: readonly Classifier[] = /* @__PURE__ */ Object.freeze([
  okxClassifier({ write: true }),
  httpClassifier(),
]);
const readClassify: readonly Classifier[] = /* @__PURE__ */ Object.freeze([
  okxClassifier({ write: false }),
  httpClassifier(),
]);

/**
 * Ready-made options for OKX calls. Each is a plain, frozen partial-options object: spread it
 * and add your own (`reconcile`, `operation`, `logger`).
 *
 * - `okxOrder`: order placement and other writes. 4 attempts, 1 s doubling to 8 s with ±20 %
 *   jitter, `idempotent: false`: an `unknown` outcome (50004, 51149, a 503, a reset, a duplicate
 *   51016) goes to `reconcile`, or rejects with `UnknownOutcomeError`.
 * - `okxRead`: idempotent reads (order details, balances, positions). 5 attempts, 250 ms doubling
 *   to 5 s with equal jitter; `unknown` outcomes are retried.
 *
 * @example
 * ```ts
 * const [placed] = await retry(() => client.submitOrder(order), {
 *   ...okxPresets.okxOrder,
 *   operation: 'okx_place_order',
 *   reconcile: async () => lookUp(order.clOrdId),
 * });
 * const balances = await retry(() => client.getBalance(), okxPresets.okxRead);
 * ```
 */
export const okxPresets = /* @__PURE__ */ Object.freeze({
  okxOrder: Object.freeze({
    maxAttempts: 4,
    backoff: orderBackoff(),
    classify: orderClassify,
    idempotent: false,
  }) satisfies RetryOptions,
  okxRead: Object.freeze({
    maxAttempts: 5,
    backoff: queryBackoff(),
    classify: readClassify,
    idempotent: true,
  }) satisfies RetryOptions,
});
