import { markClassifierFactory } from '../core/classifier-factory.js';
import { DUPLICATE_CLIENT_ORDER_ID, holdTooLongVerdict } from '../core/classify.js';
import { readsResponseBody } from '../core/response-body.js';
import type { Classifier, Clock, Outcome, Verdict } from '../core/types.js';
import {
  booleanRule,
  checkOptions,
  methodsRule,
  nonEmptyStringRule,
  type Rules,
} from '../core/validate.js';
import { isReadMethod } from '../transport/method.js';
import { headerValue } from '../transport/headers.js';
import { venueAnswer } from '../transport/answer.js';
import { findNetworkFailure, networkVerdict } from '../transport/network.js';
import { parseRetryAfter } from '../transport/retry-after.js';
import { okxAction, okxCodeRule, worstItem } from './codes.js';
import { readOkxError, type ParsedOkxError } from './parse.js';
import type { OkxRateLimitTracker } from './rate-limit-tracker.js';
import { verdict } from '../transport/verdict.js';

/** Options of {@link okxClassifier}. */
export interface OkxClassifierOptions {
  /**
   * Whether the calls classified are writes (orders, cancels, transfers). It decides 50001
   * "Service temporarily unavailable" (HTTP 503): `retry` on a read, `unknown` on a write.
   * Unset: the HTTP method decides where the carrier shows it (axios, got, ccxt; GET and HEAD
   * are reads), else the call counts as a write (the safe side: okx-api's thrown body shows no
   * method). `okxPresets.okxOrder` sets `true`, `okxPresets.okxRead` sets `false`.
   */
  write?: boolean;
  /**
   * A tracker from `okxRateLimitTracker()`, fed every OKX answer the classifier reads (errors and
   * successes, as `update(answerOrError, endpoint)`), so a 50011 holds the callers of that
   * endpoint. Advisory: a throw in it never changes the verdict.
   */
  tracker?: Pick<OkxRateLimitTracker, 'update'>;
  /**
   * The endpoint given to the tracker when the carrier names no URL (okx-api's rejections are the
   * bare body); else the URL's path, else the tracker's `'default'`.
   */
  endpoint?: string;
  /** Time for an HTTP-date Retry-After. Default: real time. */
  clock?: Pick<Clock, 'now'>;
}

const RULES: Rules = {
  write: booleanRule,
  tracker: methodsRule('a tracker from okxRateLimitTracker()', 'update'),
  endpoint: nonEmptyStringRule,
  clock: methodsRule('an object with now()', 'now'),
};

/** okx-api's thrown non-JSON body (an HTML or empty page): status dropped, may have executed. */
const NO_CODE: Verdict = /* @__PURE__ */ Object.freeze({
  action: 'unknown',
  reason: 'okx:no-code',
});
const DUPLICATE: Verdict = /* @__PURE__ */ Object.freeze({
  action: 'unknown',
  reason: DUPLICATE_CLIENT_ORDER_ID,
});

/**
 * Classifies OKX v5 REST answers, however the client carries them (see `parseOkxError`): the
 * okx-api `RestClient`'s thrown bodies, ccxt's `okx` errors (the OKX code in the message wins over
 * ccxt's class), axios and got errors and responses, and fetch `Response`s (their bodies are read
 * for classification: OKX answers errors with HTTP 200). Reasons are `okx:<code>`.
 *
 * - 50011, 50061, 50013 (rate limits) retry with the backoff, or an HTTP 429's Retry-After;
 * - 50001 retries on a read and is `unknown` on a write (see the `write` option);
 * - 50004, 51149, 51054, 50026 are `unknown`: the request may have executed;
 * - 50102 (timestamp expired) retries with a fresh signature;
 * - 50105, 50110–50114, 51000, 51008, 51131 and every other 51xxx fail;
 * - 51016 and 50071 (client order id already exists) are `unknown` with reason
 *   `duplicate-client-order-id`: an earlier attempt placed the order, so it goes to `reconcile`;
 * - order answers (`code` "1"/"2" with per-item `sCode`) get the most dangerous verdict among the
 *   failing items (`unknown` over `retry` over `fail`). When some items succeeded, a `retry` is
 *   `unknown` instead: resending the batch would place the successful items again;
 * - a code the reference does not name is `unknown`; network failures follow the shared rules.
 *
 * Given a `tracker` (`okxRateLimitTracker()`), it feeds it every OKX answer it reads, so a rate
 * limit met by one run holds the other callers of that endpoint. Never throws.
 *
 * @example
 * ```ts
 * const tracker = okxRateLimitTracker({ key: 'okx-account-1' });
 * const order = await retry(() => client.submitOrder(params), {
 *   classify: [
 *     okxClassifier({ write: true, tracker, endpoint: '/api/v5/trade/order' }),
 *     httpClassifier(),
 *   ],
 *   idempotent: false,
 *   reconcile: async () => lookUp(params.clOrdId),
 * });
 * ```
 */
export function okxClassifier(options: OkxClassifierOptions = {}): Classifier {
  const o = checkOptions('okxClassifier', options, RULES);
  const { write, tracker, endpoint } = o;
  const clock = o.clock ?? { now: Date.now };

  const isWrite = (info: ParsedOkxError): boolean => write ?? !isReadMethod(info.method);

  function codeVerdict(code: string, info: ParsedOkxError, writes: boolean): Verdict {
    const rule = okxCodeRule(code);
    if (rule?.duplicateOrder === true) return DUPLICATE;
    const action = okxAction(code, writes);
    const reason = `okx:${code}`;
    if (action === 'fail') return { action, reason };
    // OKX documents no Retry-After, but a 429 (or a proxy in front) may carry one.
    const header = headerValue(info.headers, 'retry-after');
    const retryAfterMs = header === undefined ? undefined : parseRetryAfter(header, clock.now());
    return verdict(action, reason, retryAfterMs);
  }

  function decide(info: ParsedOkxError): Verdict | undefined {
    const writes = isWrite(info);
    const item = worstItem(info.items, writes);
    if (item !== undefined) {
      const verdict = codeVerdict(item.sCode, info, writes);
      // OKXDOC: "2" is a partly successful batch; a resend would place the executed items again.
      const executedSome = info.items.some((i) => i.sCode === '0');
      return executedSome && verdict.action === 'retry'
        ? { ...verdict, action: 'unknown' }
        : verdict;
    }
    if (info.code === '0' || info.code === '2') return undefined; // every item succeeded
    // "1" without items says only that the operation failed: not known to be before processing.
    return codeVerdict(info.code, info, writes);
  }

  /** Hands the answer to the tracker as it came, named by its URL's path or the option. */
  function feed(value: unknown, info: ParsedOkxError): void {
    if (tracker === undefined) return;
    try {
      tracker.update(value, info.endpoint ?? endpoint);
    } catch {
      // The tracker is advisory: a failure in it never changes the verdict.
    }
  }

  return readsResponseBody((outcome: Outcome): Verdict | undefined => {
    // A tracker's refusal before sending: the core's verdict, not a venue answer to read.
    const held = outcome.ok ? undefined : holdTooLongVerdict(outcome.error);
    if (held !== undefined) return held;
    const value = venueAnswer(outcome);
    if (value === undefined) return undefined;
    try {
      const info = readOkxError(value);
      if (info !== undefined) {
        if ('bodyless' in info) return outcome.ok ? undefined : NO_CODE;
        feed(value, info);
        return decide(info);
      }
      if (outcome.ok) return undefined;
      // okx-api rethrows the axios error when no response came: refused before sending retries,
      // a reset or a timeout after sending is unknown (the shared rules).
      const network = findNetworkFailure(value);
      return network === undefined ? undefined : networkVerdict(network);
    } catch {
      return undefined;
    }
  });
}

// Passing `okxClassifier` uncalled as `classify` is refused with a message saying to call it.
markClassifierFactory(okxClassifier);
