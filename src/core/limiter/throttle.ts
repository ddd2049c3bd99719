import type { Verdict } from '../types.js';

/**
 * The verdict reasons that mean "slow down": the venue refused the request because of its rate,
 * not because of the request. A table over reason strings, so the core knows the domain
 * classifiers' reasons without importing them (test/core/limiter/throttle.test.ts runs each
 * classifier and checks its reason is here).
 */
export const THROTTLE_REASONS: ReadonlySet<string> = new Set([
  // RFC 6585 §4: 429 Too Many Requests.
  'http:429',
  // Binance spot REST docs, "Error Codes": -1003 TOO_MANY_REQUESTS, -1015 TOO_MANY_ORDERS; HTTP
  // 429, and 418 for an IP banned after continuing past 429s ("LIMITS").
  'binance:-1003',
  'binance:-1015',
  'binance:http-429',
  'binance:http-418',
  // Binance sends Retry-After only with 418 and 429 ("LIMITS"): a bare Retry-After is one of them.
  'binance:rate-limit',
  // Binance USDⓈ-M futures -1008 / 503 "Request throttled by system-level protection".
  'binance:-1008',
  'binance:request-throttled',
  // OKX API docs, "Error Code": 50011 rate limit reached, 50061 order rate limit, 50013 systems busy.
  'okx:50011',
  'okx:50061',
  'okx:50013',
  // Bybit V5 docs, "Rate Limit": 10006 too many visits, retCode 429 system frequency protection,
  // HTTP 403 access too frequent (IP limit), HTTP 429.
  'bybit:10006',
  'bybit:429',
  'bybit:http-403',
  'bybit:http-429',
]);

/**
 * Whether `reason` names a rate limit ({@link THROTTLE_REASONS}).
 *
 * @example
 * ```ts
 * isThrottleReason('binance:-1003'); // true
 * isThrottleReason('http:503'); // false: unavailable, not rate-limited
 * ```
 */
export function isThrottleReason(reason: string): boolean {
  return THROTTLE_REASONS.has(reason);
}

/**
 * Whether a verdict is a throttle: a `retry` whose reason is a rate limit. `undefined` (a
 * success) and `fail`/`unknown` verdicts are not.
 *
 * @example
 * ```ts
 * isThrottle({ action: 'retry', reason: 'http:429' }); // true
 * isThrottle({ action: 'fail', reason: 'bybit:http-403' }); // false: not retried, nothing to pace
 * ```
 */
export function isThrottle(verdict: Verdict | undefined): boolean {
  return (
    verdict !== undefined && verdict.action === 'retry' && THROTTLE_REASONS.has(verdict.reason)
  );
}
