import { markClassifierFactory } from '../core/classifier-factory.js';
import { DUPLICATE_CLIENT_ORDER_ID, describeValue, holdTooLongVerdict } from '../core/classify.js';
import { readsResponseBody } from '../core/response-body.js';
import { stringField } from '../core/redaction/safe-read.js';
import { venueAnswer } from '../transport/answer.js';
import { findNetworkFailure, networkVerdict } from '../transport/network.js';
import type { Classifier, Clock, Outcome, Verdict } from '../core/types.js';
import { binanceCodeRule, type BinanceCodeRule, type BinanceProduct } from './codes.js';
import { readBinanceError, type ParsedBinanceError } from './parse.js';
import { binanceStatusRule, futures503Rule } from './statuses.js';
import type { BinanceWeightTracker } from './weight-tracker.js';
import { verdict } from '../transport/verdict.js';

/** Options of {@link binanceClassifier}. */
export interface BinanceClassifierOptions {
  /**
   * The product assumed when an error does not say where it came from (WebSocket frames, bare
   * `{ code, msg }` payloads). A request URL (`/api/`, `/sapi/`, `/fapi/`) or WS connection key
   * on the error wins over it. Default `'spot'`.
   */
  product?: BinanceProduct;
  /**
   * Fed the headers and status of every failure seen, so rate-limit state is shared; a ban or a
   * rate-limit wait no header carries (a dropped 418, "banned until", the next minute window)
   * is passed on with `pause(ms)`.
   */
  tracker?: Pick<BinanceWeightTracker, 'update'> & Partial<Pick<BinanceWeightTracker, 'pause'>>;
  /**
   * How long to wait after an HTTP 403 (WAF block), which comes with no Retry-After. Default
   * 60000 ms. Set it above the run's `maxRetryAfterMs` to stop at once (and alert) instead.
   */
  wafDelayMs?: number;
  /** Time for the WS `retryAfter` timestamp and "banned until" messages. Default: real time. */
  clock?: Pick<Clock, 'now'>;
}

const PRODUCTS: readonly BinanceProduct[] = ['spot', 'futures', 'sapi'];

/** Throws the option error: a `TypeError` for a wrong type, a `RangeError` for a value out of range. */
function invalid(name: string, rule: string, value: unknown, asType: boolean): never {
  const message = `binanceClassifier: \`${name}\`: expected ${rule}, got ${describeValue(value)}`;
  throw asType ? new TypeError(message) : new RangeError(message);
}

/**
 * [BSD][BFG] "IP bans are tracked and scale in duration for repeat offenders, from 2 minutes to 3
 * days": a ban whose end nobody told us lasts at least this long.
 */
const MIN_BAN_MS = 120_000;

/** Binance's REQUEST_WEIGHT limit counts per minute [BSD]: a -1003 without a delay waits for the next one. */
const WEIGHT_WINDOW_MS = 60_000;

/**
 * An IP ban (HTTP 418), however the client carries it: the status, a -1003 "IP banned until …"
 * message, or a ban page (the `binance` client drops the status [TS]).
 */
function isBan(info: ParsedBinanceError): boolean {
  if (info.status === 418) return true;
  const message = info.msg ?? info.text;
  return message !== undefined && /\bbanned\b/i.test(message);
}

/** The status the tracker should see when the client dropped it (the `binance` plain object). */
function trackerStatus(info: ParsedBinanceError): number | undefined {
  if (info.status !== undefined) return info.status;
  if (isBan(info)) return 418;
  if (info.code === -1003 || info.code === -1015) return 429;
  return undefined;
}

/** A 429/418, or a rate-limit code (-1003, -1015, -1034), or a bare Retry-After. */
function isRateLimit(info: ParsedBinanceError): boolean {
  if (info.status === 429 || info.status === 418 || isBan(info)) return true;
  if (info.code !== undefined)
    return binanceCodeRule(info.code, info.product ?? 'spot')?.rateLimit === true;
  return info.status === undefined && info.retryAfterMs !== undefined;
}

/**
 * The wait of a rate limit that came without Retry-After (or WS `retryAfter`, or a "banned until"
 * timestamp): a ban lasts at least Binance's minimum of 2 minutes, so by default (`maxRetryAfterMs`
 * 60 s) the run ends at once; a -1003 (or a bare 429) waits for the next minute window.
 */
function defaultRateLimitWait(info: ParsedBinanceError, nowMs: number): number | undefined {
  if (isBan(info)) return MIN_BAN_MS;
  if (info.code === -1003 || (info.status === 429 && info.code === undefined)) {
    return WEIGHT_WINDOW_MS - (((nowMs % WEIGHT_WINDOW_MS) + WEIGHT_WINDOW_MS) % WEIGHT_WINDOW_MS);
  }
  return undefined;
}

/** The options of a {@link binanceClassifier}, checked once at creation and given their defaults. */
interface BinanceSettings {
  readonly fallbackProduct: BinanceProduct;
  readonly tracker: BinanceClassifierOptions['tracker'];
  readonly wafDelayMs: number;
  readonly clock: Pick<Clock, 'now'>;
}

/** Checks `options` (throwing a `TypeError` or `RangeError` naming the option) and fills in defaults. */
function readOptions(options: BinanceClassifierOptions): BinanceSettings {
  if (typeof options !== 'object' || options === null) {
    invalid('options', 'an options object', options, true);
  }
  const fallbackProduct = options.product ?? 'spot';
  if (!PRODUCTS.includes(fallbackProduct)) {
    invalid(
      'product',
      "'spot', 'futures' or 'sapi'",
      fallbackProduct,
      typeof fallbackProduct !== 'string',
    );
  }
  const tracker = options.tracker;
  if (tracker !== undefined && typeof tracker?.update !== 'function') {
    invalid('tracker', 'a tracker from binanceWeightTracker()', tracker, true);
  }
  const wafDelayMs = options.wafDelayMs ?? 60_000;
  if (typeof wafDelayMs !== 'number') invalid('wafDelayMs', 'a number >= 0', wafDelayMs, true);
  if (!(wafDelayMs >= 0 && Number.isFinite(wafDelayMs))) {
    invalid('wafDelayMs', 'a number >= 0', wafDelayMs, false);
  }
  const clock = options.clock ?? { now: Date.now };
  if (typeof clock?.now !== 'function') invalid('clock', 'an object with now()', clock, true);
  return { fallbackProduct, tracker, wafDelayMs, clock };
}

/**
 * Tells the tracker what this failure says about the shared limits: its headers (with the status
 * the client may have dropped), and a rate-limit wait no header carries (a WS `retryAfter`, a
 * "banned until" timestamp, the 2-minute minimum ban, the next minute window).
 */
function feedTracker(
  tracker: BinanceSettings['tracker'],
  info: ParsedBinanceError,
  result: Verdict | undefined,
): void {
  if (tracker === undefined) return;
  try {
    if (info.headers !== null && typeof info.headers === 'object') {
      tracker.update(info.headers, trackerStatus(info));
    }
    if (
      result !== undefined &&
      result.action === 'retry' &&
      result.retryAfterMs !== undefined &&
      isRateLimit(info)
    ) {
      tracker.pause?.(result.retryAfterMs);
    }
  } catch {
    // The tracker is advisory: a failure in it never changes the verdict.
  }
}

/**
 * [BFG] futures 503 variants are told apart by message (the body may lack a code), but only
 * Binance's own JSON `msg` counts: a load balancer's HTML page saying "Service Unavailable"
 * is not Binance's "100% failure" and stays unknown (the status or no-code rule, later).
 */
function futures503Verdict(
  info: ParsedBinanceError,
  product: BinanceProduct,
  retryAfterMs: number | undefined,
): Verdict | undefined {
  const { code, status } = info;
  if (
    product !== 'futures' ||
    !(status === undefined || status >= 500) ||
    !(code === undefined || code > -1100)
  ) {
    return undefined;
  }
  const rule = futures503Rule(info.msg);
  return rule === undefined ? undefined : verdict(rule.action, rule.reason, retryAfterMs);
}

/** A ban page without a code (the `binance` client drops the 418 status [TS]) retries as a 418. */
function banPageVerdict(
  info: ParsedBinanceError,
  retryAfterMs: number | undefined,
): Verdict | undefined {
  if (info.code !== undefined || info.status !== undefined || !isBan(info)) return undefined;
  return verdict('retry', 'binance:http-418', retryAfterMs);
}

/** BSPOT, BFUT (venues.md §6): a duplicate proves an earlier attempt was accepted: reconcile. */
const DUPLICATE: Verdict = /* @__PURE__ */ Object.freeze({
  action: 'unknown',
  reason: DUPLICATE_CLIENT_ORDER_ID,
});

/**
 * BSPOT errors.md: -2010 with this message means the client order id is in use by an open order,
 * which an earlier attempt placed; every other -2010 (insufficient balance…) stays a rejection.
 */
const DUPLICATE_ORDER = /duplicate order sent/i;

/** Whether a coded answer is a duplicate client order id: by the table (-4116), or -2010 by message. */
function isDuplicateOrder(info: ParsedBinanceError, rule: BinanceCodeRule): boolean {
  if (rule.duplicateOrder === true) return true;
  const message = info.msg ?? info.text;
  return info.code === -2010 && message !== undefined && DUPLICATE_ORDER.test(message);
}

/** The verdict of a code the table names; `undefined` for no code or one it does not name. */
function codeVerdict(
  info: ParsedBinanceError,
  product: BinanceProduct,
  retryAfterMs: number | undefined,
): Verdict | undefined {
  const { code, status } = info;
  if (code === undefined) return undefined;
  const rule = binanceCodeRule(code, product);
  if (rule === undefined) return undefined;
  if (isDuplicateOrder(info, rule)) return DUPLICATE;
  // [BSD] spot and sapi: a 5XX means "execution status is UNKNOWN", whatever the code says.
  const action =
    rule.action === 'retry' && product !== 'futures' && status !== undefined && status >= 500
      ? 'unknown'
      : rule.action;
  return verdict(action, `binance:${code}`, action === 'fail' ? undefined : retryAfterMs);
}

/** The verdict of an HTTP status the table names (a 403 waits at least `wafDelayMs`). */
function statusVerdict(
  info: ParsedBinanceError,
  product: BinanceProduct,
  retryAfterMs: number | undefined,
  wafDelayMs: number,
): Verdict | undefined {
  const { status } = info;
  if (status === undefined) return undefined;
  const rule = binanceStatusRule(status, product);
  if (rule === undefined) return undefined;
  const wait = rule.waf === true ? Math.max(retryAfterMs ?? 0, wafDelayMs) : retryAfterMs;
  return verdict(rule.action, `binance:http-${status}`, rule.action === 'fail' ? undefined : wait);
}

/** The verdict of an answer no table names: an unnamed code fails, a bare Retry-After retries. */
function unmatchedVerdict(
  info: ParsedBinanceError,
  retryAfterMs: number | undefined,
): Verdict | undefined {
  // A Binance code the table does not name: Binance sends codes with 4XX ("the issue is on
  // your side" [BSD]); the server-side ones (-1000…-1008) are all in the table.
  if (info.code !== undefined) return verdict('fail', `binance:${info.code}`);

  // A status below 400 (the status table names every other one) and no code: no failure.
  if (info.status !== undefined) return undefined;

  // Retry-After is sent only with 418 and 429 [BSD].
  if (retryAfterMs !== undefined) return verdict('retry', 'binance:rate-limit', retryAfterMs);

  // An HTTP error response with no code (an HTML or empty 5xx body from the `binance`
  // client, which drops the status): possibly executed [TS] (judgement).
  if (info.httpError) return verdict('unknown', 'binance:no-code');
  return undefined;
}

/**
 * The verdict of a Binance answer: the first rule that names it, in the order futures 503
 * message, ban page, code, HTTP status, then what is left.
 */
function decide(
  info: ParsedBinanceError,
  nowMs: number,
  settings: BinanceSettings,
): Verdict | undefined {
  const product = info.product ?? settings.fallbackProduct;
  const retryAfterMs =
    info.retryAfterMs ?? (isRateLimit(info) ? defaultRateLimitWait(info, nowMs) : undefined);
  return (
    futures503Verdict(info, product, retryAfterMs) ??
    banPageVerdict(info, retryAfterMs) ??
    codeVerdict(info, product, retryAfterMs) ??
    statusVerdict(info, product, retryAfterMs, settings.wafDelayMs) ??
    unmatchedVerdict(info, retryAfterMs)
  );
}

/** A returned value is a failure only with a Binance code or an error status. */
function isReturnedFailure(info: ParsedBinanceError): boolean {
  return info.code !== undefined || (info.status !== undefined && info.status >= 400);
}

/** `@binance/common` NetworkError: no response, or its own timeout; the request may have been sent [BC]. */
const COMMON_NETWORK_ERROR = 'Network error or request timeout.';

/**
 * The clients' own network failures: the `binance` client rethrows the AxiosError when no
 * response came (`ECONNRESET`, `ECONNABORTED` on its timeout, `ETIMEDOUT`, "socket hang up")
 * [TS]. Refused before sending: retry; after: unknown.
 */
function clientNetworkVerdict(error: object | string): Verdict | undefined {
  const network = findNetworkFailure(error);
  if (network !== undefined) return networkVerdict(network);
  if (
    stringField(error, 'name') === 'NetworkError' &&
    stringField(error, 'message') === COMMON_NETWORK_ERROR
  ) {
    return verdict('unknown', 'binance:network-error');
  }
  return undefined;
}

/**
 * Classifies Binance failures, whatever client carries them (see `parseBinanceError`), by the
 * rules Binance documents:
 *
 * - rate limits (429, -1003, -1015) and IP bans (418) retry after Retry-After (or the WS
 *   `retryAfter` timestamp, or "banned until"); a wait longer than `maxRetryAfterMs` ends the run.
 *   Without any of these, a ban (a 418, an "IP banned until" message, a ban page from a client
 *   that dropped the status) lasts at least 2 minutes, and a -1003 waits for the next minute;
 * - 5xx, -1000, -1001 (spot), -1006, -1007, -1008 (spot), -4078 and futures 408 are `unknown`:
 *   the order may have been placed. On spot a 5xx is unknown whatever its code;
 * - futures 503 "Service Unavailable.", "Internal error; unable to process…" and -1008
 *   "Request throttled…" retry (Binance: certain failures), but only in a Binance JSON body; an
 *   HTML page is `unknown`. "Unknown error…" is `unknown`;
 * - network failures of the clients themselves: refused before sending retry, a reset or a
 *   client timeout after sending is `unknown`;
 * - -1021 (timestamp outside recvWindow) retries: the next attempt signs a fresh timestamp;
 * - 403 (WAF) waits `wafDelayMs`;
 * - auth, signature, parameter and order rejections fail;
 * - a duplicate client order id (spot -2010 "Duplicate order sent.", futures -4116) is `unknown`
 *   with reason `duplicate-client-order-id`: an earlier attempt placed the order, so it goes to
 *   `reconcile`, never to `fail`.
 *
 * Returned values are classified too: a `{ code, msg }` item or an error `Response`, whose body
 * is read for classification (the classifier is marked with `readsResponseBody`), so a -1007 on
 * HTTP 400 is `unknown` on plain fetch as everywhere else. Never throws.
 *
 * @example
 * ```ts
 * const tracker = binanceWeightTracker({ limit: 6000 });
 * const order = await retry(() => client.submitNewOrder(params), {
 *   classify: [binanceClassifier({ tracker }), httpClassifier()],
 *   idempotent: false,
 *   reconcile: async () => lookUp(params.newClientOrderId),
 * });
 * ```
 */
export function binanceClassifier(options: BinanceClassifierOptions = {}): Classifier {
  const settings = readOptions(options);
  const { tracker, clock } = settings;

  return readsResponseBody((outcome: Outcome): Verdict | undefined => {
    // A tracker's refusal before sending: the core's verdict, not a venue answer to read.
    const held = outcome.ok ? undefined : holdTooLongVerdict(outcome.error);
    if (held !== undefined) return held;
    const value = venueAnswer(outcome);
    if (value === undefined) return undefined;
    try {
      const nowMs = clock.now();
      const info = readBinanceError(value, nowMs);
      if (info !== undefined) {
        if (outcome.ok && !isReturnedFailure(info)) return undefined;
        const result = decide(info, nowMs, settings);
        feedTracker(tracker, info, result);
        if (result !== undefined) return result;
      }
      return outcome.ok ? undefined : clientNetworkVerdict(value);
    } catch {
      return undefined;
    }
  });
}

// Passing `binanceClassifier` uncalled as `classify` is refused with a message saying to call it.
markClassifierFactory(binanceClassifier);
