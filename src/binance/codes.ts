import type { Verdict } from '../core/types.js';

/**
 * Binance error codes and what a retry loop should do with each.
 *
 * Sources (see the README for links):
 * - [BSD] binance/binance-spot-api-docs `errors.md`, `rest-api.md`, `web-socket-api.md`
 * - [BFE] USDⓈ-M futures "Error Codes" page; [BFG] USDⓈ-M futures "General Info" page
 * - [BMG] margin (sapi) "Error Codes" page; [CX] ccxt 4.5.84 `binance.js` exception maps
 *
 * A code means the same thing on every product unless a `futures:` (or `spot:`/`sapi:`) entry
 * says otherwise: the same number is sometimes a different error per product (-1004, -1008,
 * -2021, -2022, -2026), so lookups try `${product}:${code}` first, then the bare code.
 */

/** Which Binance API a call went to: spot `/api`, USDⓈ-M futures `/fapi`, or `/sapi`. */
export type BinanceProduct = 'spot' | 'futures' | 'sapi';

/** What the table says about one code. */
export interface BinanceCodeRule {
  /** Binance's name for the code (`NEW_ORDER_REJECTED`). */
  readonly name: string;
  readonly action: Verdict['action'];
  /** A rate limit: the delay comes from Retry-After, the WS `retryAfter` or "banned until". */
  readonly rateLimit?: true;
  /**
   * A duplicate client order id: proof that an earlier attempt was placed, so the verdict is
   * `unknown` with reason `duplicate-client-order-id` (reconcile, never fail).
   */
  readonly duplicateOrder?: true;
}

/** A table key: a bare code (every product) or `product:code` where the meaning differs. */
export type BinanceCodeKey = number | `${BinanceProduct}:${number}`;

const retry = (name: string): BinanceCodeRule => ({ name, action: 'retry' });
const wait = (name: string): BinanceCodeRule => ({ name, action: 'retry', rateLimit: true });
const unknown = (name: string): BinanceCodeRule => ({ name, action: 'unknown' });
const fail = (name: string): BinanceCodeRule => ({ name, action: 'fail' });

const entries: [BinanceCodeKey, BinanceCodeRule][] = [
  // 10xx: general server or network issues.
  [-1000, unknown('UNKNOWN')], // [BSD][BFE] no execution semantics documented; may have executed (judgement)
  // Spot documents no execution semantics for -1001 and says any 5XX is "execution status
  // UNKNOWN" [BSD]: unknown (an idempotent call retries it all the same).
  [-1001, unknown('DISCONNECTED')],
  ['futures:-1001', retry('DISCONNECTED')], // [BFG] 503 "Internal error; unable to process…" = failure, "you can resend"
  [-1002, fail('UNAUTHORIZED')], // [BSD][BFE] auth
  [-1003, wait('TOO_MANY_REQUESTS')], // [BSD][BFE] request weight / "IP banned until %s"; honour Retry-After
  [-1004, retry('SERVER_BUSY')], // [BMG] sapi "Server is busy, please wait and try again"; [CX] spot: OperationFailed
  ['futures:-1004', fail('DUPLICATE_IP')], // [BFE] "This IP is already on the white list"
  [-1005, fail('NO_SUCH_IP')], // [BFE] config
  [-1006, unknown('UNEXPECTED_RESP')], // [BSD][BFE] "Execution status unknown."
  [-1007, unknown('TIMEOUT')], // [BSD][BFE] "Send status unknown; execution status unknown."
  // [BSD] "Server is currently overloaded … try again in a few minutes": not said to be a failure
  // before processing, so unknown on spot (judgement: only what is known not to have executed retries).
  [-1008, unknown('SERVER_BUSY')],
  ['futures:-1008', retry('REQUEST_THROTTLED')], // [BFG] 503 "Request throttled by system-level protection": 100% failure
  [-1010, fail('ERROR_MSG_RECEIVED')], // [BSD][BFE] matching-engine rejection
  [-1011, fail('NON_WHITE_LIST')], // [BFE] "This IP cannot access this route."
  [-1013, fail('INVALID_MESSAGE')], // [BSD] "didn't reach the Matching Engine"; filter failures
  [-1014, fail('UNKNOWN_ORDER_COMPOSITION')], // [BSD][BFE]
  [-1015, wait('TOO_MANY_ORDERS')], // [BSD] order-count limit, 429 with Retry-After
  [-1016, fail('SERVICE_SHUTTING_DOWN')], // [BSD][BFE] "This service is no longer available."
  [-1020, fail('UNSUPPORTED_OPERATION')], // [BSD][BFE]
  [-1021, retry('INVALID_TIMESTAMP')], // [BSD][BFG] timing check rejects before processing; re-sign with a fresh timestamp
  [-1022, fail('INVALID_SIGNATURE')], // [BSD][BFE]
  [-1023, fail('START_TIME_GREATER_THAN_END_TIME')], // [BFE]
  [-1033, fail('COMP_ID_IN_USE')], // [BSD] FIX SenderCompId in use (config)
  [-1034, wait('TOO_MANY_CONNECTIONS')], // [BSD] too many concurrent connections / connection attempts
  [-1099, fail('NOT_FOUND')], // [BFE] "Not found, unauthenticated, or unauthorized."

  // 11xx: request issues, all the caller's fault [BSD][BFE].
  [-1100, fail('ILLEGAL_CHARS')],
  [-1101, fail('TOO_MANY_PARAMETERS')],
  [-1102, fail('MANDATORY_PARAM_EMPTY_OR_MALFORMED')],
  [-1103, fail('UNKNOWN_PARAM')],
  [-1104, fail('UNREAD_PARAMETERS')],
  [-1105, fail('PARAM_EMPTY')],
  [-1106, fail('PARAM_NOT_REQUIRED')],
  [-1108, fail('PARAM_OVERFLOW')], // [BSD]
  ['futures:-1108', fail('BAD_ASSET')], // [BFE]
  [-1109, fail('BAD_ACCOUNT')], // [BFE]
  [-1110, fail('BAD_INSTRUMENT_TYPE')], // [BFE]
  [-1111, fail('BAD_PRECISION')],
  [-1112, fail('NO_DEPTH')],
  [-1114, fail('TIF_NOT_REQUIRED')],
  [-1115, fail('INVALID_TIF')],
  [-1116, fail('INVALID_ORDER_TYPE')],
  [-1117, fail('INVALID_SIDE')],
  [-1118, fail('EMPTY_NEW_CL_ORD_ID')],
  [-1119, fail('EMPTY_ORG_CL_ORD_ID')],
  [-1120, fail('BAD_INTERVAL')],
  [-1121, fail('BAD_SYMBOL')],
  [-1122, fail('INVALID_SYMBOLSTATUS')],
  [-1125, fail('INVALID_LISTEN_KEY')], // [BSD][BFE] needs a new listenKey, not a retry
  [-1127, fail('MORE_THAN_XX_HOURS')],
  [-1128, fail('OPTIONAL_PARAMS_BAD_COMBO')],
  [-1130, fail('INVALID_PARAMETER')],
  [-1131, fail('BAD_RECV_WINDOW')], // [CX] -1100…-1131 BadRequest
  [-1134, fail('BAD_STRATEGY_TYPE')],
  [-1135, fail('INVALID_JSON')],
  [-1139, fail('INVALID_TICKER_TYPE')],
  [-1145, fail('INVALID_CANCEL_RESTRICTIONS')],
  [-1151, fail('DUPLICATE_SYMBOLS')],

  // 20xx: order and key rejections [BSD][BFE].
  // Every -2010 fails (insufficient balance, filters…) except msg "Duplicate order sent.": the
  // client order id is taken by an open order (BSPOT errors.md, rest-api.md), see classifier.ts.
  [-2010, fail('NEW_ORDER_REJECTED')],
  [-2011, fail('CANCEL_REJECTED')], // "Unknown order sent.": not open (filled, cancelled, never placed)
  [-2012, unknown('CANCEL_ALL_FAIL')], // [BFE] batch cancel failure; semantics unconfirmed, may be partial (judgement)
  [-2013, fail('NO_SUCH_ORDER')], // right after placement this can be lag (third-party report only)
  [-2014, fail('BAD_API_KEY_FMT')],
  [-2015, fail('REJECTED_MBX_KEY')], // "Invalid API-key, IP, or permissions for action."
  [-2016, fail('NO_TRADING_WINDOW')],
  [-2017, fail('API_KEYS_LOCKED')], // [BFE]
  [-2018, fail('BALANCE_NOT_SUFFICIENT')], // [BFE]
  [-2019, fail('MARGIN_NOT_SUFFICIEN')], // [BFE] (sic)
  [-2020, fail('UNABLE_TO_FILL')], // [BFE]
  [-2021, fail('ORDER_CANCEL_REPLACE_PARTIALLY_FAILED')], // [BSD] HTTP 409, one leg succeeded: reconcile from `data`
  ['futures:-2021', fail('ORDER_WOULD_IMMEDIATELY_TRIGGER')], // [BFE]
  [-2022, fail('ORDER_CANCEL_REPLACE_FAILED')], // [BSD] both legs failed: nothing happened
  ['futures:-2022', fail('REDUCE_ONLY_REJECT')], // [BFE] conflicts with existing open orders
  [-2023, fail('USER_IN_LIQUIDATION')], // [BFE]
  [-2024, fail('POSITION_NOT_SUFFICIENT')], // [BFE]
  [-2025, fail('MAX_OPEN_ORDER_EXCEEDED')], // [BFE]
  [-2026, fail('ORDER_ARCHIVED')], // [BSD] cancelled/expired with no fill over 90 days ago
  ['futures:-2026', fail('REDUCE_ONLY_ORDER_TYPE_NOT_SUPPORTED')], // [BFE]
  [-2027, fail('MAX_LEVERAGE_RATIO')], // [BFE]
  [-2028, fail('MIN_LEVERAGE_RATIO')], // [BFE]
  [-2035, fail('SUBSCRIPTION_ACTIVE')], // [BSD] user data stream subscription already active
  [-2036, fail('SUBSCRIPTION_INACTIVE')], // [BSD]
  [-2038, fail('ORDER_AMEND_REJECTED')], // [BSD] amend keep-priority rejected by the matching engine
  [-2039, fail('CLIENT_ORDER_ID_INVALID')], // [BSD] client order id does not match the order id
  [-2042, fail('MAXIMUM_SUBSCRIPTION_IDS')], // [BSD]
  [-2043, fail('NO_REFERENCE_PRICE')], // [BSD] symbol has no reference price

  // 4xxx/5xxx: USDⓈ-M futures filters and order rules [BFE].
  [-4015, fail('INVALID_CL_ORD_ID_LEN')], // client order id longer than 36 chars
  // BFUT: "clientOrderId is duplicated" among open orders: an earlier attempt was placed.
  [-4116, { name: 'DUPLICATED_CLIENT_ORDER_ID', action: 'unknown', duplicateOrder: true }],
  [-4117, retry('STOP_ORDER_TRIGGERING')], // "stop order is triggering": retry shortly (judgement)
  [-4118, fail('REDUCE_ONLY_MARGIN_CHECK_FAILED')],
  [-4131, fail('MARKET_ORDER_REJECT')], // best price outside PERCENT_PRICE: re-evaluate, do not resend
  [-4164, fail('MIN_NOTIONAL')],
  [-4400, fail('TRADING_QUANTITATIVE_RULE')], // only reduceOnly allowed
  [-4401, fail('LARGE_POSITION_SYM_RULE')],
  [-5021, fail('FOK_ORDER_REJECT')], // FOK could not be filled: a business outcome
  [-5022, fail('GTX_ORDER_REJECT')], // post-only would take: a business outcome
  [-5028, retry('ME_RECVWINDOW_REJECT')], // outside the ME recvWindow: re-sign and resend (judgement)
  // [BFE] -4078 OPTIONS_COMMON_ERROR "options internal error": no execution semantics given (ccxt
  // maps it to OperationFailed, i.e. transient): it may have executed, unknown.
  [-4078, unknown('OPTIONS_COMMON_ERROR')],
  // [BFE] -5041 BBO_ORDER_REJECT "No depth matches this BBO order": rejected, nothing was placed;
  // the same order gets the same answer until the book changes (ccxt: OperationFailed) — fail.
  [-5041, fail('BBO_ORDER_REJECT')],
];

/** Fills a documented range with a rule for every code the entries above do not name. */
function fillRange(from: number, to: number, rule: BinanceCodeRule): void {
  for (let code = from; code >= to; code--) {
    if (!entries.some(([key]) => key === code)) entries.push([code, rule]);
  }
}

fillRange(-1100, -1199, fail('REQUEST_ISSUE')); // [BSD][BFE] 11xx request issues
fillRange(-4000, -4033, fail('FUTURES_FILTER')); // [BFE] 40xx filters (PRICE_*, QTY_*, TICK_SIZE, …)

/**
 * The code table: a bare code applies to every product, a `futures:`-prefixed key overrides it
 * for USDⓈ-M futures. Every code in the reference's Binance table is here.
 *
 * @example
 * ```ts
 * BINANCE_CODES.get(-2010);           // { name: 'NEW_ORDER_REJECTED', action: 'fail' }
 * BINANCE_CODES.get('futures:-1004'); // { name: 'DUPLICATE_IP', action: 'fail' }
 * ```
 */
export const BINANCE_CODES: ReadonlyMap<BinanceCodeKey, BinanceCodeRule> = new Map(
  entries.map(([key, rule]) => [key, Object.freeze(rule)]),
);

/**
 * The rule for a code on a product: the product's own entry, else the shared one.
 *
 * @example
 * ```ts
 * binanceCodeRule(-1004, 'sapi')?.action;    // 'retry' (SERVER_BUSY)
 * binanceCodeRule(-1004, 'futures')?.action; // 'fail' (DUPLICATE_IP)
 * ```
 */
export function binanceCodeRule(
  code: number,
  product: BinanceProduct,
): BinanceCodeRule | undefined {
  return BINANCE_CODES.get(`${product}:${code}`) ?? BINANCE_CODES.get(code);
}

/**
 * Codes Binance uses (all negative, four or five digits). Codes outside this range, such as
 * JSON-RPC's -32768…-32000, are someone else's and get no verdict here.
 *
 * @example
 * ```ts
 * isBinanceCode(-2010);  // true
 * isBinanceCode(-32005); // false (JSON-RPC)
 * ```
 */
export function isBinanceCode(code: number): boolean {
  return Number.isInteger(code) && code <= -1000 && code > -32000;
}
