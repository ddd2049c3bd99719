import type { Verdict } from '../core/types.js';

/**
 * What an EVM JSON-RPC failure means for a retry loop, as tables.
 *
 * `unknown` marks failures after which the request may have executed. Reads run with
 * `idempotent: true` (the default, and `dexPresets.evmRead`), so they simply retry them; sends
 * run with `idempotent: false` (`dexPresets.evmSend`), so they reconcile (look the transaction up
 * by hash or nonce) instead of signing a second transaction.
 *
 * Sources (see errors.md §3b/§3c and the README):
 * - [EIP] ethereum/EIPs `EIPS/eip-1474.md`, "Error codes"; [1193] EIP-1193 provider errors
 * - [GETH] go-ethereum `core/error.go`, `core/txpool/errors.go`, `eth/api_backend.go`
 * - [ETH] ethers 6.17.0 `providers/provider-jsonrpc.js`, `utils/fetch.js`, `utils/errors.d.ts`
 * - [VIEM] viem 2.57.20 `errors/rpc.ts`, `errors/node.ts`, `errors/request.ts`, `utils/buildRequest.ts`
 * - [INF] Infura "Avoid rate limiting"; [ALC] Alchemy throughput docs (third-party copy)
 */

/** A verdict, plus `byMessage` for codes whose meaning depends on the node's message. */
export interface JsonRpcRule extends Verdict {
  /** The node's message (when recognised) decides first; this verdict is the fallback. */
  readonly byMessage?: true;
}

const rule = (action: Verdict['action'], reason: string, byMessage?: true): JsonRpcRule =>
  Object.freeze(byMessage ? { action, reason, byMessage } : { action, reason });

/** Numeric JSON-RPC error codes. */
export const JSON_RPC_CODES: ReadonlyMap<number, JsonRpcRule> = new Map([
  [-32700, rule('fail', 'jsonrpc:-32700')], // [EIP] Parse error: invalid JSON
  [-32600, rule('fail', 'jsonrpc:-32600')], // [EIP] Invalid request
  [-32601, rule('fail', 'jsonrpc:-32601')], // [EIP] Method not found; [VIEM] never retried
  [-32602, rule('fail', 'jsonrpc:-32602')], // [EIP] Invalid params
  // [EIP] Internal error. [VIEM] retries it; for a send it may have been accepted (judgement).
  [-32603, rule('unknown', 'jsonrpc:-32603', true)],
  // [EIP] Invalid input; geth uses -32000 for tx-pool errors and "header not found" [GETH], so
  // the message decides; an unrecognised one is an invalid request.
  [-32000, rule('fail', 'jsonrpc:-32000', true)],
  [-32001, rule('retry', 'jsonrpc:-32001')], // [EIP] Resource not found ("block not found": lagging node)
  [-32002, rule('retry', 'jsonrpc:-32002')], // [EIP] Resource unavailable
  [-32003, rule('fail', 'jsonrpc:-32003', true)], // [EIP] Transaction rejected: creation failed
  [-32004, rule('fail', 'jsonrpc:-32004')], // [EIP] Method not supported; [VIEM] never retried
  [-32005, rule('retry', 'jsonrpc:-32005')], // [EIP] Limit exceeded; [INF] rate limit, data.backoff_seconds
  [-32006, rule('fail', 'jsonrpc:-32006')], // [EIP] JSON-RPC version not supported
  [-32007, rule('retry', 'jsonrpc:-32007')], // [VIEM] QuickNode "N/second request limit reached"
  [429, rule('retry', 'jsonrpc:429')], // [VIEM] Alchemy batches: HTTP 200 with JSON-RPC `{ code: 429 }`
  [402, rule('fail', 'jsonrpc:402')], // [INF] daily credits used up: halted until 00:00 UTC
  [-33000, rule('fail', 'jsonrpc:-33000')], // [INF] "Payment Required" event
  [3, rule('fail', 'jsonrpc:execution-reverted')], // geth/[VIEM] `ExecutionRevertedError.code = 3`, revert data attached
  [4001, rule('fail', 'jsonrpc:user-rejected')], // [1193][VIEM] UserRejectedRequestError
  [5000, rule('fail', 'jsonrpc:user-rejected')], // [VIEM] CAIP-25 user rejected (WalletConnect)
  [4100, rule('fail', 'jsonrpc:4100')], // [1193] Unauthorized
  [4200, rule('fail', 'jsonrpc:4200')], // [1193] Unsupported method
  [4900, rule('retry', 'jsonrpc:4900')], // [1193] Provider disconnected from all chains
  [4901, rule('retry', 'jsonrpc:4901')], // [1193] Provider not connected to the requested chain
  [4902, rule('fail', 'jsonrpc:4902')], // [VIEM] SwitchChainError: chain not added to the wallet
  // [VIEM] UnknownRpcError wraps an unrecognised failure (viem retries it): may have executed.
  [-1, rule('unknown', 'jsonrpc:-1', true)],
]);

/**
 * Node messages, in order: the first match wins. Revert text comes first because a contract's
 * revert reason is free text ("execution reverted: nonce too low" is a revert, not a nonce
 * problem); ethers makes the same point ("Only estimateGas and call can return arbitrary
 * contract-defined text") [ETH `getRpcError`].
 */
export const NODE_MESSAGES: readonly (readonly [RegExp, JsonRpcRule])[] = [
  [
    /execution reverted|gas required exceeds allowance/i,
    rule('fail', 'jsonrpc:execution-reverted'),
  ], // [GETH][VIEM] ExecutionRevertedError.nodeMessage
  // [GETH] txpool ErrAlreadyKnown: the same signed tx is already in the pool, i.e. the earlier
  // broadcast worked. Never re-sign: fail with this reason and wait for the receipt by hash.
  // [VIEM] NonceTooLowError.nodeMessage also matches "transaction already imported" (Parity).
  [/already known|transaction already imported/i, rule('fail', 'jsonrpc:already-known')],
  // [GETH] ErrNonceTooLow. Re-broadcasting the same signed tx: it or another tx with that nonce is
  // mined; re-signing with a fresh nonce may send a second transaction. Unknown: reconcile.
  [/nonce too low/i, rule('unknown', 'jsonrpc:nonce-too-low')],
  [/nonce too high/i, rule('fail', 'jsonrpc:nonce-too-high')], // [GETH] ErrNonceTooHigh: nonce gap
  [/nonce has max value/i, rule('fail', 'jsonrpc:nonce-max-value')], // [GETH][VIEM] NonceMaxValueError
  // [GETH] ErrReplaceUnderpriced: another tx with this nonce is pending (maybe an earlier attempt).
  [/replacement transaction underpriced/i, rule('fail', 'jsonrpc:replacement-underpriced')],
  [/transaction underpriced/i, rule('fail', 'jsonrpc:underpriced')], // [GETH] ErrUnderpriced
  // [GETH] ErrInsufficientFunds; [VIEM] InsufficientFundsError.nodeMessage variants.
  [
    /insufficient funds|exceeds transaction sender account balance/i,
    rule('fail', 'jsonrpc:insufficient-funds'),
  ],
  [/intrinsic gas too low/i, rule('fail', 'jsonrpc:intrinsic-gas-too-low')], // [GETH] ErrIntrinsicGas
  [/exceeds block gas limit/i, rule('fail', 'jsonrpc:exceeds-block-gas-limit')], // [GETH] ErrGasLimit
  [/max fee per gas less than block base fee/i, rule('fail', 'jsonrpc:fee-below-base-fee')], // [GETH] ErrFeeCapTooLow
  [/txpool is full/i, rule('retry', 'jsonrpc:txpool-full')], // [GETH] ErrTxPoolOverflow (older txpool)
  // [GETH] api_backend.go: the node does not have the requested header yet (behind the head).
  // Confirmed in geth-derived code only (errors.md §6).
  [/header not found/i, rule('retry', 'jsonrpc:header-not-found')],
  [/user denied|user rejected/i, rule('fail', 'jsonrpc:user-rejected')], // [ETH] ACTION_REJECTED test
];

/**
 * Rate limits reported in a body rather than by an HTTP 429 (consulted after statuses and codes,
 * so a real 429 keeps its `http:429` reason).
 */
export const RATE_LIMIT_MESSAGES: readonly (readonly [RegExp, JsonRpcRule])[] = [
  // [VIEM] QuickNode "N/second request limit reached"; [INF] "daily request count exceeded,
  // request rate limited", "project ID request rate exceeded"; [ALC] "exceeded your concurrent
  // requests capacity or Compute Units per second".
  [
    /request limit reached|rate limited|request rate exceeded|rate limit exceeded|too many requests|compute units per second/i,
    rule('retry', 'jsonrpc:rate-limited'),
  ],
];

/**
 * ethers v6 codes [ETH]. `defer` entries give their verdict only when nothing deeper (the node's
 * code or message, the HTTP status, a socket error) decided first.
 */
export const ETHERS_RULES: ReadonlyMap<string, JsonRpcRule | 'defer'> = new Map<
  string,
  JsonRpcRule | 'defer'
>([
  // "network changed" / "network is not available yet": the provider re-detects the network.
  ['NETWORK_ERROR', rule('retry', 'ethers:NETWORK_ERROR')],
  // FetchRequest timeout (300 s default) or a waiter timeout: the request was sent.
  ['TIMEOUT', rule('unknown', 'ethers:TIMEOUT')],
  // Non-2xx response: decided by its status (`response.statusCode`), else unknown.
  ['SERVER_ERROR', 'defer'],
  // "could not coalesce error": the node's error is in `error` (e.g. -32005, "already known").
  ['UNKNOWN_ERROR', 'defer'],
  // A revert in eth_call/estimateGas, or a receipt with status 0. ethers builds CALL_EXCEPTION for
  // *every* eth_call/estimateGas error, rate limits and "header not found" included, so the
  // node's error in `info.error` decides first.
  ['CALL_EXCEPTION', 'defer'],
  // Malformed node response ("missing response for request"): a send may have been accepted.
  ['BAD_DATA', rule('unknown', 'ethers:BAD_DATA')],
  ['INSUFFICIENT_FUNDS', rule('fail', 'jsonrpc:insufficient-funds')], // /insufficient funds|base fee exceeds gas limit/
  ['NONCE_EXPIRED', rule('unknown', 'jsonrpc:nonce-too-low')], // /nonce/ and /too low/ (see NODE_MESSAGES)
  ['REPLACEMENT_UNDERPRICED', rule('fail', 'jsonrpc:replacement-underpriced')],
  // From tx.wait(): the outcome is known (`reason`: repriced, cancelled or replaced).
  ['TRANSACTION_REPLACED', rule('fail', 'ethers:TRANSACTION_REPLACED')],
  ['ACTION_REJECTED', rule('fail', 'jsonrpc:user-rejected')], // wallet "user denied"
  ['CANCELLED', rule('fail', 'ethers:CANCELLED')], // the caller cancelled
  // Programming and configuration errors: the same call fails the same way.
  ['UNSUPPORTED_OPERATION', rule('fail', 'ethers:UNSUPPORTED_OPERATION')],
  ['NOT_IMPLEMENTED', rule('fail', 'ethers:NOT_IMPLEMENTED')],
  ['INVALID_ARGUMENT', rule('fail', 'ethers:INVALID_ARGUMENT')],
  ['MISSING_ARGUMENT', rule('fail', 'ethers:MISSING_ARGUMENT')],
  ['UNEXPECTED_ARGUMENT', rule('fail', 'ethers:UNEXPECTED_ARGUMENT')],
  ['VALUE_MISMATCH', rule('fail', 'ethers:VALUE_MISMATCH')],
  ['BUFFER_OVERRUN', rule('fail', 'ethers:BUFFER_OVERRUN')],
  ['NUMERIC_FAULT', rule('fail', 'ethers:NUMERIC_FAULT')],
  ['UNCONFIGURED_NAME', rule('fail', 'ethers:UNCONFIGURED_NAME')],
  // CCIP-read gateway failure (judgement: the gateway may recover).
  ['OFFCHAIN_FAULT', rule('retry', 'ethers:OFFCHAIN_FAULT')],
]);

/** Fallbacks of the deferred ethers codes. */
export const ETHERS_FALLBACKS: ReadonlyMap<string, JsonRpcRule> = new Map([
  ['SERVER_ERROR', rule('unknown', 'ethers:SERVER_ERROR')],
  ['UNKNOWN_ERROR', rule('unknown', 'ethers:UNKNOWN_ERROR')],
  ['CALL_EXCEPTION', rule('fail', 'ethers:CALL_EXCEPTION')],
]);

/**
 * viem error classes by name [VIEM], recognised on any node whose prototype chain holds viem's
 * `BaseError`. Classes carrying a JSON-RPC `code` (LimitExceededRpcError…) are decided by
 * {@link JSON_RPC_CODES} first; these names cover the rest. `defer` as in {@link ETHERS_RULES}.
 */
export const VIEM_RULES: ReadonlyMap<string, JsonRpcRule | 'defer'> = new Map<
  string,
  JsonRpcRule | 'defer'
>([
  // Non-2xx (by `status`) or fetch failure (`cause`, judged as a network error).
  ['HttpRequestError', 'defer'],
  ['TimeoutError', rule('unknown', 'viem:TimeoutError')], // http transport timeout (10 s default): request sent
  ['WebSocketRequestError', 'defer'],
  ['SocketClosedError', rule('unknown', 'viem:SocketClosedError')], // closed with the request in flight
  [
    'WaitForTransactionReceiptTimeoutError',
    rule('unknown', 'viem:WaitForTransactionReceiptTimeoutError'),
  ],
  ['TransactionNotFoundError', rule('retry', 'viem:TransactionNotFoundError')], // lagging node (reads)
  ['TransactionReceiptNotFoundError', rule('retry', 'viem:TransactionReceiptNotFoundError')],
  ['BlockNotFoundError', rule('retry', 'viem:BlockNotFoundError')],
  ['ResourceUnavailableRpcError', rule('retry', 'jsonrpc:-32002')],
  ['LimitExceededRpcError', rule('retry', 'jsonrpc:-32005')],
  ['InternalRpcError', rule('unknown', 'jsonrpc:-32603')],
  ['ProviderDisconnectedError', rule('retry', 'jsonrpc:4900')],
  ['ChainDisconnectedError', rule('retry', 'jsonrpc:4901')],
  ['UserRejectedRequestError', rule('fail', 'jsonrpc:user-rejected')],
  ['ContractFunctionRevertedError', rule('fail', 'jsonrpc:execution-reverted')],
  ['ExecutionRevertedError', rule('fail', 'jsonrpc:execution-reverted')],
  ['RawContractError', rule('fail', 'jsonrpc:execution-reverted')],
  ['ContractFunctionZeroDataError', rule('fail', 'viem:ContractFunctionZeroDataError')], // no contract there
  // NonceTooLowError also stands for geth's "already known" [VIEM], which NODE_MESSAGES has
  // already recognised from `details` by the time this table is consulted.
  ['NonceTooLowError', rule('unknown', 'jsonrpc:nonce-too-low')],
  ['NonceTooHighError', rule('fail', 'jsonrpc:nonce-too-high')],
  ['NonceMaxValueError', rule('fail', 'jsonrpc:nonce-max-value')],
  ['InsufficientFundsError', rule('fail', 'jsonrpc:insufficient-funds')],
  ['FeeCapTooLowError', rule('fail', 'viem:FeeCapTooLowError')],
  ['FeeCapTooHighError', rule('fail', 'viem:FeeCapTooHighError')],
  ['TipAboveFeeCapError', rule('fail', 'viem:TipAboveFeeCapError')],
  ['IntrinsicGasTooLowError', rule('fail', 'jsonrpc:intrinsic-gas-too-low')],
  ['IntrinsicGasTooHighError', rule('fail', 'viem:IntrinsicGasTooHighError')],
  ['TransactionTypeNotSupportedError', rule('fail', 'viem:TransactionTypeNotSupportedError')],
  ['ChainMismatchError', rule('fail', 'viem:ChainMismatchError')],
  ['ResponseBodyTooLargeError', rule('fail', 'viem:ResponseBodyTooLargeError')],
  ['UnknownRpcError', 'defer'],
]);

/** Fallbacks of the deferred viem names. */
export const VIEM_FALLBACKS: ReadonlyMap<string, JsonRpcRule> = new Map([
  ['HttpRequestError', rule('unknown', 'viem:HttpRequestError')],
  ['WebSocketRequestError', rule('unknown', 'viem:WebSocketRequestError')],
  ['UnknownRpcError', rule('unknown', 'jsonrpc:-1')],
]);

/**
 * HTTP statuses of JSON-RPC endpoints: the same reading as `tenacious/http` (RFC 9110), with the
 * provider statuses of errors.md §3b noted.
 */
export const HTTP_STATUSES: ReadonlyMap<number, JsonRpcRule> = new Map([
  [408, rule('retry', 'http:408')], // RFC 9110: request not received in time, not acted on
  [425, rule('retry', 'http:425')], // RFC 8470
  [429, rule('retry', 'http:429')], // [INF][ALC] rate limit; Retry-After honoured
  [402, rule('fail', 'http:402')], // [INF] daily credit limit reached until 00:00 UTC
  [403, rule('fail', 'http:403')], // [ALC] capacity limit or allow-list rejection (judgement: fail)
  [413, rule('fail', 'http:413')], // request too large: the same batch gets the same answer
  [500, rule('unknown', 'http:500')], // RFC 9110: may have struck after the request took effect
  [501, rule('fail', 'http:501')],
  [502, rule('unknown', 'http:502')], // upstream node may have acted
  // RFC 9110: overload or maintenance, often said by a proxy in front of a node that may already
  // have taken an `eth_sendRawTransaction`: unknown, so a send is reconciled and never re-signed
  // with the next nonce (a second transaction); reads retry it as before, Retry-After honoured.
  [503, rule('unknown', 'http:503')],
  [504, rule('unknown', 'http:504')], // upstream node may still be acting
  [505, rule('fail', 'http:505')],
]);

/**
 * The rule of an HTTP status: listed ones from {@link HTTP_STATUSES}, other 4xx fail, other 5xx
 * are unknown, below 400 none.
 *
 * @example
 * ```ts
 * httpStatusRule(503); // { action: 'unknown', reason: 'http:503' }
 * httpStatusRule(418); // { action: 'fail', reason: 'http:418' }
 * ```
 */
export function httpStatusRule(status: number): JsonRpcRule | undefined {
  const listed = HTTP_STATUSES.get(status);
  if (listed !== undefined) return listed;
  if (status >= 500) return rule('unknown', `http:${status}`);
  if (status >= 400) return rule('fail', `http:${status}`);
  return undefined;
}
