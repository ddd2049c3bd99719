import { lookupTable } from '../core/table.js';
import type { Verdict } from '../core/types.js';
import { ACTION_SEVERITY } from '../transport/verdict.js';

/**
 * OKX v5 REST error codes and what a retry loop should do with each.
 *
 * Sources (tags of `reference/venues.md`):
 * - OKXDOC: www.okx.com/docs-v5/en, "Error Code" (REST), "Rate Limits", "Place order"
 * - CCXT: ccxt 4.5.x `js/src/okx.js` `exceptions` map (how ccxt's classes relate to the codes)
 *
 * Codes are strings (`"50011"`), as OKX sends them. A code the table does not name falls back
 * to its family (see {@link okxCodeRule}).
 */

/** What the table says about one code. */
export interface OkxCodeRule {
  /**
   * The verdict. `'read-retry'` (50001) is `retry` on a read and `unknown` on a write: a 503 on
   * a write is treated as unknown throughout tenacious.
   */
  readonly action: Verdict['action'] | 'read-retry';
  /** A rate limit: rejected by the limiter, so it retries with the backoff (or a Retry-After). */
  readonly rateLimit?: true;
  /** A duplicate client order id: proof that an earlier attempt was accepted (§6). */
  readonly duplicateOrder?: true;
  /** OKX's message, shortened. */
  readonly message: string;
}

const rule = (action: OkxCodeRule['action'], message: string): OkxCodeRule =>
  Object.freeze({ action, message });
const rateLimit = (message: string): OkxCodeRule =>
  Object.freeze({ action: 'retry', rateLimit: true, message });
const duplicate = (message: string): OkxCodeRule =>
  Object.freeze({ action: 'unknown', duplicateOrder: true, message });

/**
 * Every code of the reference's OKX table, with its verdict.
 *
 * @example
 * ```ts
 * OKX_CODES['50004']; // { action: 'unknown', message: 'API endpoint request timeout…' }
 * OKX_CODES['51016']; // { action: 'unknown', duplicateOrder: true, message: 'Client order ID already exists.' }
 * ```
 */
export const OKX_CODES: Readonly<Record<string, OkxCodeRule>> = /* @__PURE__ */ lookupTable({
  // Rate limits: the limiter rejected the request before it was processed.
  // OKXDOC rate limits: exceeding an endpoint's limit gives 50011 (HTTP 200 or 429).
  '50011': rateLimit('Rate limit reached. / Too Many Requests'),
  // OKXDOC rate limits: sub-account order limit, 1000 orders per 2 s.
  '50061': rateLimit("You've reached the maximum order rate limit for this account."),
  // OKXDOC error codes: HTTP 429 "Systems are busy. Please try again later." CCXT: ExchangeNotAvailable.
  '50013': rateLimit('Systems are busy. Please try again later.'),

  // OKXDOC error codes: HTTP 503. CCXT maps it to OnMaintenance (retry), but a 503 on a write
  // may have been processed, so writes are unknown (tenacious's rule for a 503 on a write).
  '50001': rule('read-retry', 'Service temporarily unavailable. Please try again later.'),

  // OKXDOC: the venue says the outcome is unknown ("does not mean that the request was
  // successful or failed, please check the request result").
  '50004': rule('unknown', 'API endpoint request timeout.'), // HTTP 400; CCXT: RequestTimeout
  '51149': rule('unknown', 'Order timed out. Please try again.'), // HTTP 500
  // OKXDOC: server side, after the request was received (HTTP 500).
  '51054': rule('unknown', 'Request timed out. Please try again later.'),
  '50026': rule('unknown', 'System error. Try again later.'), // CCXT: ExchangeNotAvailable

  // OKXDOC: HTTP 401, rejected at authentication before processing; the next attempt signs a
  // fresh timestamp (resync the clock if it keeps coming). CCXT: InvalidNonce.
  '50102': rule('retry', 'Timestamp request expired.'),

  // OKXDOC: HTTP 401, credentials and permissions: the same request gets the same answer.
  '50105': rule('fail', 'Wrong passphrase.'),
  '50110': rule('fail', 'Your IP is not in the IP whitelist.'),
  '50111': rule('fail', 'Invalid OK-ACCESS-KEY.'),
  '50112': rule('fail', 'Invalid OK-ACCESS-TIMESTAMP.'),
  '50113': rule('fail', 'Invalid signature.'),
  '50114': rule('fail', 'Invalid authorization.'),

  // OKXDOC: parameter errors, insufficient balance, order rejections.
  '51000': rule('fail', 'Parameter {param0} error.'),
  '51008': rule('fail', 'Order failed. Insufficient balance.'), // every 51008 variant
  '51131': rule('fail', 'Insufficient balance.'),

  // OKXDOC §6: the id belongs to a pending order an earlier attempt placed.
  '51016': duplicate('Client order ID already exists.'),
  '50071': duplicate('clOrdId already exists.'),
});

/** The rule for the rest of the 51xxx family (order rejections), OKXDOC. */
const ORDER_REJECTION: OkxCodeRule = /* @__PURE__ */ rule('fail', 'Order rejected.');

/**
 * The rule for an OKX code: its own entry, else `fail` for any other 51xxx (order rejections,
 * OKXDOC), else `undefined` (not in the reference: the classifier calls it unknown, the safe
 * side for a code nobody documented to us).
 *
 * @example
 * ```ts
 * okxCodeRule('50011')?.action; // 'retry'
 * okxCodeRule('51400')?.action; // 'fail' (a 51xxx order rejection)
 * okxCodeRule('58350');         // undefined
 * ```
 */
export function okxCodeRule(code: string): OkxCodeRule | undefined {
  const own = OKX_CODES[code];
  if (own !== undefined) return own;
  return /^51\d{3}$/.test(code) ? ORDER_REJECTION : undefined;
}

/**
 * The action a code gets: its rule's, with 50001 resolved by `write`; `unknown` for a code the
 * reference does not name (the safe side).
 *
 * @example
 * ```ts
 * okxAction('50001', true);  // 'unknown'
 * okxAction('50001', false); // 'retry'
 * ```
 */
export function okxAction(code: string, write: boolean): Verdict['action'] {
  const found = okxCodeRule(code);
  if (found === undefined) return 'unknown';
  if (found.action === 'read-retry') return write ? 'unknown' : 'retry';
  return found.action;
}

/**
 * The most dangerous of the failing items of an order answer (`unknown` over `retry` over
 * `fail`; the first among equals), or `undefined` when every item succeeded (`sCode` "0").
 *
 * @example
 * ```ts
 * worstItem([{ sCode: '51008' }, { sCode: '51149' }], true); // { sCode: '51149' }
 * ```
 */
export function worstItem<I extends { readonly sCode: string }>(
  items: readonly I[],
  write: boolean,
): I | undefined {
  let worst: I | undefined;
  let worstSeverity = -1;
  for (const item of items) {
    if (item.sCode === '0') continue;
    const severity = ACTION_SEVERITY[okxAction(item.sCode, write)];
    if (severity > worstSeverity) {
      worst = item;
      worstSeverity = severity;
    }
  }
  return worst;
}
