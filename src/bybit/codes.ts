import { DUPLICATE_CLIENT_ORDER_ID } from '../core/classify.js';
import type { Verdict } from '../core/types.js';

/**
 * Bybit v5 REST retCodes and HTTP statuses, and what a retry loop does with each.
 *
 * Sources (reference/venues.md §5, §6):
 * - BYDOCS: github bybit-exchange/docs `docs/v5/error.mdx`, `rate-limit/rate-limit.mdx`,
 *   `guide.mdx`, `order/create-order.mdx`, `order/batch-place.mdx` (072c197d);
 * - BYAPI: github tiagosiebler/bybit-api `src/util/BaseRestClient.ts` (how the client carries them).
 */

/** What the table says about one retCode or status. */
export interface BybitCodeRule {
  /** Bybit's message for it, as documented (BYDOCS), or what it stands for. */
  readonly meaning: string;
  /** The verdict's action; `read-retry` is `retry` on a read and `unknown` on a write. */
  readonly action: Verdict['action'] | 'read-retry';
  /** A rate limit: the wait comes from `X-Bapi-Limit-Reset-Timestamp` (or Retry-After). */
  readonly rateLimit?: true;
  /** The verdict's reason when it is not `bybit:<code>`. */
  readonly reason?: string;
}

const rule = (
  meaning: string,
  action: BybitCodeRule['action'],
  extra: Partial<BybitCodeRule> = {},
): BybitCodeRule => Object.freeze({ meaning, action, ...extra });

/**
 * Every retCode of reference/venues.md §5, with its verdict. A code not here gets `unknown`
 * (`bybit:<code>`): Bybit answers order rejections and server trouble alike with HTTP 200, so an
 * unrecognised code cannot be told not to have executed.
 *
 * @example
 * ```ts
 * BYBIT_CODES.get(10006)?.action; // 'retry' (rate limit, at X-Bapi-Limit-Reset-Timestamp)
 * BYBIT_CODES.get(110072)?.reason; // 'duplicate-client-order-id'
 * ```
 */
export const BYBIT_CODES: ReadonlyMap<number, BybitCodeRule> = new Map<number, BybitCodeRule>([
  // BYDOCS error.mdx: system frequency protection / high server load, "please retry".
  [429, rule('system frequency protection', 'retry', { rateLimit: true })],
  // BYDOCS error.mdx + rate-limit.mdx: the per-endpoint limit; retry at the reset timestamp.
  [10006, rule('Too many visits. Exceeded the API Rate Limit.', 'retry', { rateLimit: true })],
  // BYDOCS error.mdx: the backend did not answer in time; the order may have been placed.
  [10000, rule('Server Timeout', 'unknown')],
  [170007, rule('Timeout waiting for response from backend server.', 'unknown')],
  // BYDOCS error.mdx: server error / service restarting / internal error. A read is safe to
  // resend; a write may have been taken before the error, so it is unknown (the safe side).
  [10016, rule('Server error / service restarting', 'read-retry')],
  [170001, rule('Internal error.', 'read-retry')],
  [170234, rule('System Error', 'read-retry')],
  // BYDOCS guide.mdx: rejected at the signing window check, before processing; the next attempt
  // signs a fresh timestamp (resync the clock if it keeps happening).
  [10002, rule('The request time exceeds the time window range.', 'retry')],
  // BYDOCS error.mdx: parameter, key, signature, permission and IP-whitelist rejections.
  [10001, rule('Request parameter error.', 'fail')],
  [10003, rule('API key is invalid.', 'fail')],
  [10004, rule('Error sign, please check your signature generation algorithm.', 'fail')],
  [10005, rule('Permission denied, please check your API key permissions.', 'fail')],
  [10010, rule('Unmatched IP, please check your API key bound IP addresses.', 'fail')],
  // BYDOCS error.mdx: insufficient balance (derivatives and spot).
  [110004, rule('Wallet balance is insufficient.', 'fail')],
  [110007, rule('Available balance is insufficient.', 'fail')],
  [110012, rule('Insufficient available balance.', 'fail')],
  [170131, rule('Balance insufficient', 'fail')],
  // BYDOCS error.mdx, create-order.mdx ("orderLinkId … always unique"): an order with this id was
  // accepted earlier, so reconcile finds it; never a plain failure (reference §6).
  [110072, rule('OrderLinkedID is duplicate', 'unknown', { reason: DUPLICATE_CLIENT_ORDER_ID })],
  [170141, rule('Duplicate clientOrderId', 'unknown', { reason: DUPLICATE_CLIENT_ORDER_ID })],
  // BYDOCS error.mdx: "The order is processing and can not be operated, please try again later".
  [110079, rule('The order is processing and can not be operated', 'retry')],
]);

/**
 * [BYDOCS rate-limit.mdx] IP limit breached ("access too frequent"): "terminate all HTTP
 * sessions and wait for at least 10 minutes".
 */
export const BYBIT_IP_BAN_MS = 10 * 60_000;

/**
 * How long a 403 holds: the 10 minutes [BYDOCS rate-limit.mdx], or until the answer's reset
 * timestamp when that is later. The classifier and the tracker both wait this long.
 */
export function bybitBanMs(resetAtMs: number | undefined, nowMs: number): number {
  return Math.max(BYBIT_IP_BAN_MS, resetAtMs === undefined ? 0 : resetAtMs - nowMs);
}

/**
 * HTTP statuses with a Bybit meaning, for answers without a retCode (bybit-api's non-2xx
 * rejection, a gateway page). Other 4xx fail; other 5xx are `unknown` (the order may have been
 * taken before the gateway gave up).
 *
 * @example
 * ```ts
 * BYBIT_STATUSES.get(403)?.meaning; // 'IP rate limit breached (access too frequent)'
 * ```
 */
export const BYBIT_STATUSES: ReadonlyMap<number, BybitCodeRule> = new Map<number, BybitCodeRule>([
  // BYDOCS rate-limit.mdx: IP ban, every caller on the host waits >= 10 min (also sent for an
  // empty GET body or a U.S. IP: either way, resending soon cannot help).
  [403, rule('IP rate limit breached (access too frequent)', 'retry', { rateLimit: true })],
  // BYDOCS error.mdx: system frequency protection, "please retry".
  [429, rule('Too many requests', 'retry', { rateLimit: true })],
]);

/**
 * The rule for an HTTP status without a retCode, or `undefined` below 400.
 *
 * @example
 * ```ts
 * bybitStatusRule(502)?.action; // 'unknown'
 * bybitStatusRule(401)?.action; // 'fail'
 * ```
 */
export function bybitStatusRule(status: number): BybitCodeRule | undefined {
  const known = BYBIT_STATUSES.get(status);
  if (known !== undefined) return known;
  if (status >= 500 && status <= 599) return SERVER_ERROR;
  if (status >= 400 && status <= 499) return CLIENT_ERROR;
  return undefined;
}

const SERVER_ERROR = rule('server or gateway error, possibly after the order was taken', 'unknown');
const CLIENT_ERROR = rule('request rejected', 'fail');
