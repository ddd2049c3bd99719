import { describeValue } from '../classify.js';
import { stringField } from '../inspect.js';
import type { Classifier, Clock, Outcome, Verdict } from '../types.js';
import { binanceCodeRule, type BinanceProduct } from './codes.js';
import { readBinanceError, type ParsedBinanceError } from './parse.js';
import { binanceStatusRule, futures503Rule } from './statuses.js';
import type { BinanceWeightTracker } from './weight-tracker.js';

/** Options of {@link binanceClassifier}. */
export interface BinanceClassifierOptions {
  /**
   * The product assumed when an error does not say where it came from (WebSocket frames, bare
   * `{ code, msg }` payloads). A request URL (`/api/`, `/sapi/`, `/fapi/`) or WS connection key
   * on the error wins over it. Default `'spot'`.
   */
  product?: BinanceProduct;
  /** Fed the headers and status of every failure seen, so rate-limit state is shared. */
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

/** [BSD] errors.md: -2010 with this message means the client order id is already in use. */
const DUPLICATE_ORDER = /duplicate order sent/i;

/** `@binance/common` NetworkError: no response, or its own timeout; the request may have been sent [BC]. */
const COMMON_NETWORK_ERROR = 'Network error or request timeout.';

function invalid(name: string, rule: string, value: unknown, asType: boolean): never {
  const message = `binanceClassifier: \`${name}\`: expected ${rule}, got ${describeValue(value)}`;
  throw asType ? new TypeError(message) : new RangeError(message);
}

function verdict(action: Verdict['action'], reason: string, retryAfterMs?: number): Verdict {
  return retryAfterMs === undefined ? { action, reason } : { action, reason, retryAfterMs };
}

/** The status the tracker should see when the client dropped it (the `binance` plain object). */
function trackerStatus(info: ParsedBinanceError): number | undefined {
  if (info.status !== undefined) return info.status;
  if (info.code === -1003 || info.code === -1015) {
    return info.msg !== undefined && /banned/i.test(info.msg) ? 418 : 429;
  }
  return undefined;
}

/** A 429/418, or a rate-limit code (-1003, -1015, -1034), or a bare Retry-After. */
function isRateLimit(info: ParsedBinanceError): boolean {
  if (info.status === 429 || info.status === 418) return true;
  if (info.code !== undefined)
    return binanceCodeRule(info.code, info.product ?? 'spot')?.rateLimit === true;
  return info.status === undefined && info.retryAfterMs !== undefined;
}

/**
 * Classifies Binance failures, whatever client carries them (see `parseBinanceError`), by the
 * rules Binance documents:
 *
 * - rate limits (429, -1003, -1015) and IP bans (418) retry after Retry-After (or the WS
 *   `retryAfter` timestamp, or "banned until"); a wait longer than `maxRetryAfterMs` ends the run;
 * - 5xx, -1000, -1006, -1007 and futures 408 are `unknown`: the order may have been placed;
 * - futures 503 "Service Unavailable.", "Internal error; unable to process…" and -1008
 *   "Request throttled…" retry (Binance: certain failures); "Unknown error…" is `unknown`;
 * - -1021 (timestamp outside recvWindow) retries: the next attempt signs a fresh timestamp;
 * - 403 (WAF) waits `wafDelayMs`;
 * - auth, signature, parameter and order rejections fail, and a duplicate client order id
 *   (spot -2010 "Duplicate order sent.", futures -4116) fails with reason `binance:duplicate-order`:
 *   the earlier attempt probably landed.
 *
 * Returned values are classified too: a `{ code, msg }` item or an error `Response`. Never throws.
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

  function feed(info: ParsedBinanceError, rateLimited: boolean): void {
    if (tracker === undefined) return;
    try {
      if (info.headers !== null && typeof info.headers === 'object') {
        tracker.update(info.headers, trackerStatus(info));
      }
      // A ban end known from the WS `retryAfter` or "banned until" (no header carries it).
      if (rateLimited && info.retryAfterMs !== undefined) tracker.pause?.(info.retryAfterMs);
    } catch {
      // The tracker is advisory: a failure in it never changes the verdict.
    }
  }

  function decide(info: ParsedBinanceError): Verdict | undefined {
    const product = info.product ?? fallbackProduct;
    const { code, status, retryAfterMs } = info;
    const message = info.msg ?? info.text;

    // [BFG] futures 503 variants are told apart by message (the body may lack a code).
    if (
      product === 'futures' &&
      (status === undefined || status >= 500) &&
      (code === undefined || code > -1100)
    ) {
      const rule = futures503Rule(message);
      if (rule !== undefined) return verdict(rule.action, rule.reason, retryAfterMs);
    }

    if (code !== undefined) {
      const rule = binanceCodeRule(code, product);
      if (rule !== undefined) {
        if (
          rule.duplicateOrder === true ||
          (code === -2010 && message !== undefined && DUPLICATE_ORDER.test(message))
        ) {
          return verdict('fail', 'binance:duplicate-order');
        }
        return verdict(
          rule.action,
          `binance:${code}`,
          rule.action === 'fail' ? undefined : retryAfterMs,
        );
      }
    }

    if (status !== undefined) {
      const rule = binanceStatusRule(status, product);
      if (rule !== undefined) {
        const wait = rule.waf === true ? Math.max(retryAfterMs ?? 0, wafDelayMs) : retryAfterMs;
        return verdict(
          rule.action,
          `binance:http-${status}`,
          rule.action === 'fail' ? undefined : wait,
        );
      }
      if (code === undefined) return undefined;
    }

    // A Binance code the table does not name: Binance sends codes with 4XX ("the issue is on
    // your side" [BSD]); the server-side ones (-1000…-1008) are all in the table.
    if (code !== undefined) return verdict('fail', `binance:${code}`);

    // Retry-After is sent only with 418 and 429 [BSD].
    if (retryAfterMs !== undefined) return verdict('retry', 'binance:rate-limit', retryAfterMs);

    // An HTTP error response with no code (an HTML or empty 5xx body from the `binance`
    // client, which drops the status): possibly executed [TS] (judgement).
    if (info.httpError) return verdict('unknown', 'binance:no-code');
    return undefined;
  }

  return (outcome: Outcome): Verdict | undefined => {
    const value = outcome.ok ? outcome.value : outcome.error;
    if (value === null || (typeof value !== 'object' && typeof value !== 'string'))
      return undefined;
    if (outcome.ok && typeof value === 'string') return undefined;
    try {
      const info = readBinanceError(value, clock.now());
      if (info === undefined) {
        if (
          !outcome.ok &&
          stringField(value, 'name') === 'NetworkError' &&
          stringField(value, 'message') === COMMON_NETWORK_ERROR
        ) {
          return verdict('unknown', 'binance:network-error');
        }
        return undefined;
      }
      // A returned value is a failure only with a Binance code or an error status.
      if (
        outcome.ok &&
        info.code === undefined &&
        !(info.status !== undefined && info.status >= 400)
      ) {
        return undefined;
      }
      const result = decide(info);
      feed(info, result !== undefined && result.action === 'retry' && isRateLimit(info));
      return result;
    } catch {
      return undefined;
    }
  };
}
