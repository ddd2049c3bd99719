import { causeChain, numberField, stringField } from '../core/redaction/safe-read.js';
import { safeGet } from '../core/redaction/redact.js';
import type { Verdict } from '../core/types.js';

/**
 * Perp-DEX venue payloads (errors.md §3a). They arrive thrown (inside an SDK error, an axios
 * error's `response.data`, or as the parsed body itself) or returned as a value, so each rule
 * looks at the value and, along its `cause` chain, at `response`, `response.data`, `body` and
 * `data`.
 *
 * Sources:
 * - [HLE] hyperliquid.gitbook.io …/api/error-responses; [HLN] …/nonces-and-api-wallets;
 *   [HLJ] npm `@nktkas/hyperliquid` 0.32.2 `ApiRequestError` (`response` = the raw body)
 * - [DYX] dydxprotocol/v4-chain `protocol/x/clob/types/errors.go`; [COS] cosmos-sdk
 *   `types/errors/errors.go` (codespace `sdk`); cosmjs `BroadcastTxError { code, codespace, log }`
 * - [EXT] x10xchange/python_sdk `x10/models/http.py`, `x10/utils/http.py` (Extended's own SDK)
 */

const verdict = (action: Verdict['action'], reason: string): Verdict =>
  Object.freeze({ action, reason });

/** Where a venue body may sit on a thrown or returned value. */
function candidates(value: unknown): unknown[] {
  const found: unknown[] = [];
  for (const node of causeChain(value)) {
    const response = safeGet(node, 'response');
    found.push(
      node,
      response,
      safeGet(response, 'data'),
      safeGet(node, 'body'),
      safeGet(node, 'data'),
    );
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Hyperliquid

/**
 * Per-order error strings [HLE] "Error responses" → error type. Matched by prefix because some
 * carry details ("…, bbo was {bbo}."). Every one is a deterministic answer to the payload: fail.
 * The open-interest-cap errors may clear later (judgement), but not within a retry loop's delays.
 */
const HYPERLIQUID_ORDER_ERRORS: readonly (readonly [string, Verdict])[] = [
  ['Price must be divisible by tick size', verdict('fail', 'hyperliquid:Tick')],
  ['Order must have minimum value of $10', verdict('fail', 'hyperliquid:MinTradeNtl')],
  ['Order must have minimum value of', verdict('fail', 'hyperliquid:MinTradeSpotNtl')],
  ['Insufficient margin to place order', verdict('fail', 'hyperliquid:PerpMargin')],
  ['Reduce only order would increase position', verdict('fail', 'hyperliquid:ReduceOnly')],
  ['Post only order would have immediately matched', verdict('fail', 'hyperliquid:BadAloPx')],
  [
    'Order could not immediately match against any resting orders',
    verdict('fail', 'hyperliquid:IocCancel'),
  ],
  ['Invalid TP/SL price', verdict('fail', 'hyperliquid:BadTriggerPx')],
  [
    'No liquidity available for market order',
    verdict('fail', 'hyperliquid:MarketOrderNoLiquidity'),
  ],
  // PositionIncreaseAtOpenInterestCap and PositionFlipAtOpenInterestCap share this string.
  [
    'Order would increase open interest while open interest is capped',
    verdict('fail', 'hyperliquid:OpenInterestCap'),
  ],
  // Cancel: "Order was never placed, already canceled, or filled." → reconcile, do not retry.
  [
    'Order was never placed, already canceled, or filled',
    verdict('fail', 'hyperliquid:MissingOrder'),
  ],
];
/** Other per-order errors ([HLE] lists more types whose strings were not retrievable). */
const HYPERLIQUID_ORDER_ERROR = verdict('fail', 'hyperliquid:order-error');
/**
 * `{ status: 'err', response: '<msg>' }`: errors that are "a deterministic function of the
 * payload itself" come back from pre-validation as one error for the whole payload [HLE]: fail.
 * Unconfirmed: the HTTP status and body of a rate-limited request (429 assumed, errors.md §6);
 * a 429 is judged by the JSON-RPC/HTTP rules instead.
 */
const HYPERLIQUID_ERR = verdict('fail', 'hyperliquid:err');
const MAX_STATUSES = 64;

function hyperliquidOrderError(message: string): Verdict {
  for (const [prefix, found] of HYPERLIQUID_ORDER_ERRORS) {
    if (message.startsWith(prefix)) return found;
  }
  return HYPERLIQUID_ORDER_ERROR;
}

/** `{ status: 'err', response }` or `{ status: 'ok', response: { data: { statuses: [{ error }] } } }`. */
function hyperliquidVerdict(body: unknown): Verdict | undefined {
  const status = safeGet(body, 'status');
  if (status === 'err')
    return typeof safeGet(body, 'response') === 'string' ? HYPERLIQUID_ERR : undefined;
  if (status !== 'ok') return undefined;
  // "Order and cancel errors are usually returned as a vector with same length as the batched
  // request" [HLE]: one failed leg fails the batch (the other legs did execute: do not resend).
  const statuses = safeGet(safeGet(safeGet(body, 'response'), 'data'), 'statuses');
  if (!isArray(statuses)) return undefined;
  const length = safeGet(statuses, 'length');
  const count = typeof length === 'number' ? Math.min(length, MAX_STATUSES) : 0;
  for (let i = 0; i < count; i++) {
    const message = stringField(safeGet(statuses, i), 'error');
    if (message !== undefined) return hyperliquidOrderError(message);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// dYdX v4 (Cosmos SDK chain): `{ codespace, code }` on cosmjs' BroadcastTxError or a returned
// broadcast result (code 0 = success).

const DYDX_CODES: ReadonlyMap<string, Verdict> = new Map([
  ['clob:2', verdict('fail', 'dydx:clob-2')], // [DYX] order does not exist in memclob → reconcile
  // [DYX] "A cancel already exists … with a greater than or equal GoodTilBlock": the cancel is
  // already in place; fail (do not resend) and treat as done.
  ['clob:9', verdict('fail', 'dydx:clob-9')],
  ['clob:10', verdict('fail', 'dydx:clob-10')], // [DYX] GoodTilBlock passed: re-sign with a new GTB
  ['clob:11', verdict('fail', 'dydx:clob-11')], // [DYX] GoodTilBlock too far ahead
  ['clob:17', verdict('fail', 'dydx:clob-17')], // [DYX] max open orders per CLOB and side
  ['clob:10001', verdict('fail', 'dydx:clob-10001')], // [DYX] equity-tier open-order limit
  // [DYX] "An order with the same OrderId already exists … with a greater-than-or-equal
  // GoodTilBlock or Order Hash" / "… has already been processed": an earlier attempt landed.
  ['clob:20', verdict('fail', 'dydx:duplicate-order')],
  ['clob:30', verdict('fail', 'dydx:duplicate-order')],
  ['clob:2000', verdict('fail', 'dydx:clob-2000')], // [DYX] "FillOrKill order could not be fully filled"
  ['clob:2001', verdict('fail', 'dydx:clob-2001')], // [DYX] reduce-only order would increase the position
  ['clob:2002', verdict('fail', 'dydx:clob-2002')], // [DYX] reduce-only order would change the position side
  ['clob:2003', verdict('fail', 'dydx:clob-2003')], // [DYX] post-only would cross
  ['clob:2004', verdict('fail', 'dydx:clob-2004')], // [DYX] IOC order already filled, remaining size cancelled
  // [DYX] "Existing stateful order has higher-or-equal priority than the new one": landed.
  ['clob:3005', verdict('fail', 'dydx:duplicate-order')],
  ['clob:3006', verdict('fail', 'dydx:clob-3006')], // [DYX] stateful order does not exist
  ['clob:3007', verdict('fail', 'dydx:clob-3007')], // [DYX] collateralization check failed
  ['clob:5001', verdict('retry', 'dydx:clob-5001')], // [DYX] block rate limit exceeded
  ['sdk:5', verdict('fail', 'dydx:sdk-5')], // [COS] insufficient funds
  ['sdk:11', verdict('fail', 'dydx:sdk-11')], // [COS] out of gas
  ['sdk:13', verdict('fail', 'dydx:sdk-13')], // [COS] insufficient fee
  // [COS] "tx already in mempool": the earlier broadcast was accepted. Do not re-sign.
  ['sdk:19', verdict('fail', 'dydx:already-in-mempool')],
  ['sdk:20', verdict('retry', 'dydx:sdk-20')], // [COS] mempool is full
  ['sdk:30', verdict('fail', 'dydx:sdk-30')], // [COS] tx timeout height: expired
  // [COS] incorrect account sequence: a tx with that sequence was accepted, maybe an earlier
  // attempt of this one. Unknown: reconcile before re-signing with a fresh sequence.
  ['sdk:32', verdict('unknown', 'dydx:sdk-32')],
]);

function dydxVerdict(body: unknown): Verdict | undefined {
  const codespace = stringField(body, 'codespace');
  if (codespace === undefined) return undefined;
  const code = safeGet(body, 'code');
  if (typeof code !== 'number' || code === 0) return undefined;
  return DYDX_CODES.get(`${codespace}:${code}`);
}

// ---------------------------------------------------------------------------------------------
// Extended (Starknet perps): `{ status: 'OK' | 'ERROR', data?, error?: { code, message } }` [EXT].

/**
 * A POST whose envelope says `status != OK` is an `ApiError` in Extended's SDK [EXT]: the venue
 * answered and refused. Extended's numeric error-code list is unconfirmed (errors.md §6), so every
 * code fails under its own reason (`extended:<code>`); statuses (401 fail, 429 retry) are judged
 * by the HTTP rules.
 */
function extendedVerdict(body: unknown): Verdict | undefined {
  if (safeGet(body, 'status') !== 'ERROR') return undefined;
  const error = safeGet(body, 'error');
  if (error === null || typeof error !== 'object') return undefined;
  const code = numberField(error, 'code');
  return { action: 'fail', reason: code === undefined ? 'extended:error' : `extended:${code}` };
}

/** `Array.isArray` throws on a revoked proxy. */
function isArray(value: unknown): boolean {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}

const VENUE_RULES: readonly ((body: unknown) => Verdict | undefined)[] = [
  hyperliquidVerdict,
  dydxVerdict,
  extendedVerdict,
];

function venueVerdict(body: unknown): Verdict | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  for (const venueRule of VENUE_RULES) {
    const found = venueRule(body);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The verdict of the first venue payload found on a thrown value, or undefined.
 *
 * @example
 * ```ts
 * classifyVenueError(new BroadcastTxError(20, 'clob', '…')); // { action: 'fail', reason: 'dydx:duplicate-order' }
 * ```
 */
export function classifyVenueError(error: unknown): Verdict | undefined {
  if (error === null || (typeof error !== 'object' && typeof error !== 'function'))
    return undefined;
  for (const body of candidates(error)) {
    const found = venueVerdict(body);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The verdict of a returned venue body: the value itself or its `data` (an axios response).
 * Allocation-free, as it runs on every successful attempt.
 *
 * @example
 * ```ts
 * classifyVenueValue({ status: 'err', response: 'Order has invalid size.' }); // { action: 'fail', reason: 'hyperliquid:err' }
 * ```
 */
export function classifyVenueValue(value: unknown): Verdict | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  return venueVerdict(value) ?? venueVerdict(safeGet(value, 'data'));
}
