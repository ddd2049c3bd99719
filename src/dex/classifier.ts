import { markClassifierFactory } from '../core/classifier-factory.js';
import { causeChain } from '../core/redaction/safe-read.js';
import type { Classifier, Outcome, Verdict } from '../core/types.js';
import { errorNames } from './graph.js';
import { classifyJsonRpcError, classifyJsonRpcValue } from './jsonrpc.js';
import { classifyVenueError, classifyVenueValue } from './venues.js';

const verdict = (action: Verdict['action'], reason: string): Verdict =>
  Object.freeze({ action, reason });

/**
 * The adapter error hierarchy, by class name along the prototype chain (so that subclasses and a
 * second copy of tenacious in the process are recognised). `DexError` itself has no entry: its
 * `status`, `code` and `cause` decide.
 */
export const DEX_ERROR_VERDICTS: ReadonlyMap<string, Verdict> = new Map([
  ['DexConnectionError', verdict('retry', 'dex:DexConnectionError')], // not sent: safe to resend
  ['DexTimeoutError', verdict('unknown', 'dex:DexTimeoutError')], // sent, no answer: may have landed
  ['DexRejectionError', verdict('fail', 'dex:DexRejectionError')],
  ['DexInsufficientFundsError', verdict('fail', 'dex:DexInsufficientFundsError')],
  ['DexOrderNotFoundError', verdict('fail', 'dex:DexOrderNotFoundError')],
]);

/**
 * The verdict of the first adapter error (outermost first) on the `cause` chain.
 *
 * @example
 * ```ts
 * classifyDexError(new Error('failed', { cause: new DexTimeoutError('slow') }));
 * // { action: 'unknown', reason: 'dex:DexTimeoutError' }
 * ```
 */
export function classifyDexError(error: unknown): Verdict | undefined {
  for (const node of causeChain(error)) {
    for (const name of errorNames(node)) {
      const found = DEX_ERROR_VERDICTS.get(name);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/**
 * Classifies what DEX adapters throw and return, in this order:
 * 1. the adapter errors: `DexConnectionError` retry, `DexTimeoutError` unknown,
 *    `DexRejectionError`, `DexInsufficientFundsError`, `DexOrderNotFoundError` fail;
 * 2. venue payloads, thrown or returned: Hyperliquid `{ status: 'err', response }` and per-order
 *    `statuses[i].error`, dYdX v4 `{ codespace, code }` (duplicate orders `dydx:duplicate-order`),
 *    Extended `{ status: 'ERROR', error: { code, message } }`;
 * 3. everything {@link jsonRpcClassifier} knows (EVM JSON-RPC codes and messages, ethers, viem,
 *    HTTP statuses, socket errors).
 * Returned values are classified too: a returned `{ status: 'err' }` is a `fail` verdict, so the
 * run resolves with it instead of retrying. Never throws.
 *
 * @example
 * ```ts
 * import { retry } from 'tenacious';
 * import { dexClassifier, DexTimeoutError } from 'tenacious/dex';
 *
 * await retry(() => adapter.getPosition('BTC-USD'), { classify: dexClassifier() });
 * await retry(() => adapter.placeOrder(order), { classify: dexClassifier(), idempotent: false, reconcile });
 * ```
 */
export function dexClassifier(): Classifier {
  return (outcome: Outcome) => {
    try {
      if (outcome.ok) {
        const value = outcome.value;
        return classifyVenueValue(value) ?? classifyJsonRpcValue(value);
      }
      const error = outcome.error;
      return classifyDexError(error) ?? classifyVenueError(error) ?? classifyJsonRpcError(error);
    } catch {
      // Defence in depth: every read is guarded, but a classifier must never throw.
      return undefined;
    }
  };
}

// Passing `dexClassifier` uncalled as `classify` is refused with a message saying to call it.
markClassifierFactory(dexClassifier);
