/**
 * `tenacious/dex`: the error hierarchy DEX adapters throw, and classifiers for perp-DEX venue
 * payloads and EVM JSON-RPC failures (EIP-1474, ethers v6, viem).
 */
export {
  DexConnectionError,
  DexError,
  DexInsufficientFundsError,
  DexOrderNotFoundError,
  DexRejectionError,
  DexTimeoutError,
  type DexErrorOptions,
} from './errors.js';
export { dexClassifier } from './classifier.js';
export { jsonRpcClassifier } from './jsonrpc.js';
export { dexPresets } from './presets.js';
