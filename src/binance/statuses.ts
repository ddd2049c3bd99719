import type { Verdict } from '../core/types.js';
import type { BinanceProduct } from './codes.js';

/**
 * Binance's HTTP statuses and the USDⓈ-M futures 503 message variants, as tables.
 *
 * Sources: [BSD] spot `rest-api.md` "HTTP Return Codes" and `web-socket-api.md` "Status codes";
 * [BFG] USDⓈ-M futures "General Info" (HTTP 503 variants, 408).
 */

/** What the table says about one HTTP status. */
export interface BinanceStatusRule {
  readonly action: Verdict['action'];
  /** Wait for Retry-After (429, 418). */
  readonly rateLimit?: true;
  /** A WAF block: wait `wafDelayMs` (403). */
  readonly waf?: true;
}

/** A status key: a bare status (every product) or `product:status` where only one documents it. */
export type BinanceStatusKey = number | `${BinanceProduct}:${number}`;

/**
 * Statuses with a Binance-specific meaning. Other 4xx fail (the request was malformed, "the issue
 * is on the sender's side" [BSD]) and other 5xx are `unknown` (see {@link binanceStatusRule}).
 *
 * @example
 * ```ts
 * BINANCE_STATUSES.get(418); // { action: 'retry', rateLimit: true }
 * ```
 */
export const BINANCE_STATUSES: ReadonlyMap<BinanceStatusKey, BinanceStatusRule> = new Map<
  BinanceStatusKey,
  BinanceStatusRule
>([
  // [BSD][BFG] WAF rule violated: "can indicate a rate limit violation or a security block".
  // No delay is given, so the classifier waits `wafDelayMs` rather than hammering (judgement).
  [403, { action: 'retry', waf: true }],
  // RFC 9110 §15.5.9: the server timed out waiting for the request, so it was not processed.
  // Binance documents 408 only for futures, where it means something else (next line).
  [408, { action: 'retry' }],
  // [BFG] futures: "timeout … while waiting for a response from the backend server": may have executed.
  ['futures:408', { action: 'unknown' }],
  // [BSD] cancelReplace: one leg succeeded and one failed; retrying cannot fix it, reconcile from `data`.
  [409, { action: 'fail' }],
  // [BSD][BFG] IP auto-banned after continuing past 429s; Retry-After says until when (2 min to 3 days).
  [418, { action: 'retry', rateLimit: true }],
  // [BSD][BFG] request-rate or order-count limit broken; Retry-After says how long to back off.
  [429, { action: 'retry', rateLimit: true }],
]);

const FAIL_4XX: BinanceStatusRule = /* @__PURE__ */ Object.freeze({ action: 'fail' });
// [BSD] 5XX: "do NOT treat this as a failure operation; the execution status is UNKNOWN and could
// have been a success". The WS API says the same: "use query methods to confirm".
const UNKNOWN_5XX: BinanceStatusRule = /* @__PURE__ */ Object.freeze({ action: 'unknown' });

/**
 * The rule for an HTTP status on a product, or `undefined` below 400.
 *
 * @example
 * ```ts
 * binanceStatusRule(502, 'spot');    // { action: 'unknown' }
 * binanceStatusRule(408, 'futures'); // { action: 'unknown' }
 * ```
 */
export function binanceStatusRule(
  status: number,
  product: BinanceProduct,
): BinanceStatusRule | undefined {
  const rule = BINANCE_STATUSES.get(`${product}:${status}`) ?? BINANCE_STATUSES.get(status);
  if (rule !== undefined) return rule;
  if (status >= 500 && status <= 599) return UNKNOWN_5XX;
  if (status >= 400 && status <= 499) return FAIL_4XX;
  return undefined;
}

/** A futures 503 body variant: its message text and meaning. */
export interface BinanceMessageRule {
  readonly action: Verdict['action'];
  /** The `detail` of the verdict reason `binance:<detail>`. */
  readonly reason: string;
}

/**
 * USDⓈ-M futures HTTP 503 variants, told apart by message because the body may lack a code
 * [BFG] (the reference saw both `{code:-1000,msg}` and `{timestamp,path,msg}` shapes). Keys are
 * lower-cased fragments matched inside the message.
 */
export const FUTURES_503_MESSAGES: ReadonlyMap<string, BinanceMessageRule> = new Map([
  // [BFG] variant A: sent but no response in time, "execution may have succeeded": verify first.
  [
    'unknown error, please check your request or try again later',
    { action: 'unknown', reason: 'binance:unknown-error' },
  ],
  // [BFG] variant B: "100% failure", retry with exponential backoff, not counted toward limits.
  ['service unavailable', { action: 'retry', reason: 'binance:service-unavailable' }],
  // [BFG] "failure API operation and you can resend".
  [
    'internal error; unable to process your request',
    { action: 'retry', reason: 'binance:internal-error' },
  ],
  // [BFG] variant C, -1008: "100% failure"; retry with backoff and less concurrency.
  [
    'request throttled by system-level protection',
    { action: 'retry', reason: 'binance:request-throttled' },
  ],
] as const);

/**
 * The futures 503 variant a message names, or `undefined`.
 *
 * @example
 * ```ts
 * futures503Rule('Service Unavailable.'); // { action: 'retry', reason: 'binance:service-unavailable' }
 * ```
 */
export function futures503Rule(message: string | undefined): BinanceMessageRule | undefined {
  if (message === undefined || message === '') return undefined;
  const text = message.toLowerCase();
  for (const [fragment, rule] of FUTURES_503_MESSAGES) {
    if (text.includes(fragment)) return rule;
  }
  return undefined;
}
