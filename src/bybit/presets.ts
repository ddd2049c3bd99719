import { orderBackoff, queryBackoff } from '../core/preset-backoffs.js';
import { httpClassifier } from '../http/index.js';
import type { RetryOptions } from '../core/options.js';
import type { Classifier } from '../core/types.js';
import { bybitClassifier } from './classifier.js';

/**
 * Bybit's rules first (they know a write from a read for 10016/170001/170234), then HTTP and
 * network rules (refused before sending retries, a reset after sending is `unknown`).
 */
const orderClassify: readonly Classifier[] = /* @__PURE__ */ Object.freeze([
  bybitClassifier({ write: true }),
  httpClassifier(),
]);
const readClassify: readonly Classifier[] = /* @__PURE__ */ Object.freeze([
  bybitClassifier({ write: false }),
  httpClassifier(),
]);

/**
 * Ready-made options for Bybit v5 calls. Each is a plain, frozen partial-options object: spread
 * it and add your own (`reconcile`, `operation`, `logger`, or a `classify` with a shared tracker).
 *
 * - `bybitOrder`: order placement, amends, cancels and other writes. 4 attempts, 1 s doubling to
 *   8 s with ±20 % jitter, `idempotent: false` (an `unknown` outcome, a duplicate
 *   `orderLinkId` included, goes to `reconcile` or rejects with `UnknownOutcomeError`).
 * - `bybitRead`: idempotent reads. 5 attempts, 250 ms doubling to 5 s with equal jitter.
 *
 * @example
 * ```ts
 * const order = await retry(() => client.submitOrder(params), {
 *   ...bybitPresets.bybitOrder,
 *   operation: 'submit_order',
 *   reconcile: async () => findOrder(params.orderLinkId),
 * });
 * const positions = await retry(() => client.getPositionInfo(query), bybitPresets.bybitRead);
 * ```
 */
export const bybitPresets = /* @__PURE__ */ Object.freeze({
  bybitOrder: Object.freeze({
    maxAttempts: 4,
    backoff: orderBackoff(),
    classify: orderClassify,
    idempotent: false,
  }) satisfies RetryOptions,
  bybitRead: Object.freeze({
    maxAttempts: 5,
    backoff: queryBackoff(),
    classify: readClassify,
    idempotent: true,
  }) satisfies RetryOptions,
});
