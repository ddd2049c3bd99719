import { orderBackoff, queryBackoff } from '../core/preset-backoffs.js';
import type { RetryOptions } from '../core/options.js';
import { dexClassifier } from './classifier.js';
import { jsonRpcClassifier } from './jsonrpc.js';

/**
 * Option sets for DEX adapters and EVM clients. Plain partial options: spread one and add your
 * own (`{ ...dexPresets.dexOrder, reconcile }`).
 *
 * - `dexOrder`: order placement and other venue writes. 4 attempts, 1 s doubling to 8 s with
 *   ±20 % jitter, `idempotent: false`: a `DexTimeoutError` (or any unknown outcome) is reconciled,
 *   never resent blindly.
 * - `dexQuery`: venue reads (positions, balances, open orders). 5 attempts, 250 ms doubling to
 *   5 s with equal jitter; unknown outcomes retry.
 * - `evmSend`: `sendTransaction` / `eth_sendRawTransaction`. 4 attempts, 1 s doubling to 8 s with
 *   ±20 % jitter, `idempotent: false`: a timeout or "nonce too low" after a send may mean the
 *   transaction is in; reconcile by hash or nonce instead of signing again.
 * - `evmRead`: `eth_call`, balances, blocks, logs. 5 attempts, 250 ms doubling to 5 s with equal
 *   jitter; honours `-32005` and 429 waits up to 60 s (Infura asks for 30 s).
 *
 * @example
 * ```ts
 * import { retry } from 'tenacious';
 * import { dexPresets } from 'tenacious/dex';
 *
 * const balance = await retry(() => provider.getBalance(address), dexPresets.evmRead);
 * const tx = await retry(() => wallet.sendTransaction(request), { ...dexPresets.evmSend, reconcile: findByNonce });
 * ```
 */
export const dexPresets = /* @__PURE__ */ Object.freeze({
  dexOrder: Object.freeze({
    maxAttempts: 4,
    backoff: orderBackoff(),
    classify: dexClassifier(),
    idempotent: false,
  }) satisfies RetryOptions,
  dexQuery: Object.freeze({
    maxAttempts: 5,
    backoff: queryBackoff(),
    classify: dexClassifier(),
    idempotent: true,
  }) satisfies RetryOptions,
  evmSend: Object.freeze({
    maxAttempts: 4,
    backoff: orderBackoff(),
    classify: jsonRpcClassifier(),
    idempotent: false,
  }) satisfies RetryOptions,
  evmRead: Object.freeze({
    maxAttempts: 5,
    backoff: queryBackoff(),
    classify: jsonRpcClassifier(),
    idempotent: true,
    maxRetryAfterMs: 60_000,
  }) satisfies RetryOptions,
});
