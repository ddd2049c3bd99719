import type { Verdict } from '../core/types.js';

/**
 * ccxt's error classes and what a retry loop should do with each, by class name, so that any
 * ccxt version works without importing ccxt. The hierarchy is ccxt 4.5.84's shipped
 * `js/src/base/errorHierarchy.js` [CX]; its Manual says "NetworkError means you can retry later"
 * and "you should always get the same ExchangeError with that same input" [CXM].
 *
 * ```
 * BaseError
 * ├─ ExchangeError (fail): AuthenticationError(PermissionDenied(AccountNotEnabled), AccountSuspended),
 * │    ArgumentsRequired, BadRequest(BadSymbol), OperationRejected(NoChange(MarginModeAlreadySet),
 * │    MarketClosed, ManualInteractionNeeded, RestrictedLocation), InsufficientFunds,
 * │    InvalidAddress(AddressPending), InvalidOrder(OrderNotFound, OrderNotCached,
 * │    OrderImmediatelyFillable, OrderNotFillable, DuplicateOrderId, ContractUnavailable),
 * │    NotSupported, InvalidProxySettings, ExchangeClosedByUser
 * ├─ OperationFailed
 * │    ├─ NetworkError: DDoSProtection, RateLimitExceeded, ExchangeNotAvailable(OnMaintenance),
 * │    │    InvalidNonce(ChecksumError), RequestTimeout
 * │    ├─ BadResponse(NullResponse)
 * │    └─ CancelPending
 * └─ UnsubscribeError
 * ```
 *
 * Every class is listed (not just the family roots) so that a minified bundle, whose
 * constructor names are mangled, is still recognised by the `name` ccxt sets on each instance.
 */
export const CCXT_ERRORS: ReadonlyMap<string, Verdict['action']> = new Map<
  string,
  Verdict['action']
>([
  // NetworkError subclasses the exchange asked us to wait out: retry (with backoff).
  ['RateLimitExceeded', 'retry'], // 429 and exchange rate-limit codes (Binance -1003, -1015)
  ['DDoSProtection', 'retry'], // 418/429 and Cloudflare-style blocks; Binance -2015 after a good auth
  ['OnMaintenance', 'retry'], // "System is under maintenance."
  ['InvalidNonce', 'retry'], // Binance -1021: the next attempt signs a fresh nonce/timestamp
  ['ChecksumError', 'retry'], // order book checksum mismatch (a subclass of InvalidNonce): resubscribe
  // The request may have reached the exchange: unknown (retried only when idempotent).
  ['RequestTimeout', 'unknown'], // "the user doesn't know the outcome of a request" [CXM]; 408, 504, -1007
  ['ExchangeNotAvailable', 'unknown'], // 5xx with no JSON code, and Binance 403 (WAF) [CX]
  ['NetworkError', 'unknown'], // undici `fetch failed`, ECONNRESET…: ccxt merges never-sent and maybe-executed
  ['BadResponse', 'unknown'], // unparseable body: the request was processed somehow
  ['NullResponse', 'unknown'],
  ['CancelPending', 'unknown'], // cancel accepted but not confirmed
  ['OperationFailed', 'unknown'], // Binance -1000, -1001, -1006 map here [CX]
  // ExchangeError: the same input gets the same answer: fail.
  ['ExchangeError', 'fail'],
  ['AuthenticationError', 'fail'],
  ['PermissionDenied', 'fail'],
  ['AccountNotEnabled', 'fail'],
  ['AccountSuspended', 'fail'],
  ['ArgumentsRequired', 'fail'],
  ['BadRequest', 'fail'],
  ['BadSymbol', 'fail'],
  ['OperationRejected', 'fail'],
  ['NoChange', 'fail'],
  ['MarginModeAlreadySet', 'fail'],
  ['MarketClosed', 'fail'],
  ['ManualInteractionNeeded', 'fail'],
  ['RestrictedLocation', 'fail'],
  ['InsufficientFunds', 'fail'],
  ['InvalidAddress', 'fail'],
  ['AddressPending', 'fail'],
  ['InvalidOrder', 'fail'],
  ['OrderNotFound', 'fail'],
  ['OrderNotCached', 'fail'],
  ['OrderImmediatelyFillable', 'fail'],
  ['OrderNotFillable', 'fail'],
  ['DuplicateOrderId', 'fail'], // the client order id is taken: an earlier attempt may have landed
  ['ContractUnavailable', 'fail'],
  ['NotSupported', 'fail'],
  ['InvalidProxySettings', 'fail'],
  ['ExchangeClosedByUser', 'fail'],
  ['UnsubscribeError', 'fail'],
]);

/** The classes whose verdict honours a Retry-After from `exchange.last_response_headers`. */
export const CCXT_RATE_LIMIT_ERRORS: ReadonlySet<string> = new Set([
  'RateLimitExceeded',
  'DDoSProtection',
]);
