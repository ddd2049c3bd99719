import { markClassifierFactory } from '../core/classifier-factory.js';
import { holdTooLongVerdict } from '../core/classify.js';
import { readsResponseBody } from '../core/response-body.js';
import type { Classifier, Clock, Outcome, Verdict } from '../core/types.js';
import {
  checkOptions,
  booleanRule,
  methodsRule,
  nonEmptyStringRule,
  type Rules,
} from '../core/validate.js';
import { isReadMethod } from '../transport/method.js';
import { headerValue } from '../transport/headers.js';
import { parseRetryAfter } from '../transport/retry-after.js';
import { findNetworkFailure, networkVerdict } from '../transport/network.js';
import { BYBIT_CODES, bybitBanMs, bybitStatusRule, type BybitCodeRule } from './codes.js';
import { readBybit, type BybitBatchItem, type ParsedBybit } from './parse.js';
import type { BybitRateLimitTracker } from './rate-limit-tracker.js';
import { ACTION_SEVERITY, verdict } from '../transport/verdict.js';

/**
 * Options of {@link bybitClassifier}.
 *
 * @example
 * ```ts
 * const options: BybitClassifierOptions = { write: true, tracker };
 * ```
 */
export interface BybitClassifierOptions {
  /**
   * Whether the calls classified are writes (orders, amends, cancels). 10016, 170001 and 170234
   * (server error, restarting, internal) retry on a read and are `unknown` on a write. Default:
   * a write unless the carrier says the request was a `GET` (the safe side).
   */
  write?: boolean;
  /** Fed every failure and value classified (headers, `rateLimitApi`, a 403), for `acquire`. */
  tracker?: Pick<BybitRateLimitTracker, 'update'>;
  /** The endpoint given to the tracker when the carrier names no URL (bybit-api's answers). */
  endpoint?: string;
  /** Time for `X-Bapi-Limit-Reset-Timestamp` and an HTTP-date Retry-After. Default: real time. */
  clock?: Pick<Clock, 'now'>;
}

const RULES: Rules = {
  write: booleanRule,
  tracker: methodsRule('a tracker from bybitRateLimitTracker()', 'update'),
  endpoint: nonEmptyStringRule,
  clock: methodsRule('an object with now()', 'now'),
};

/** What one classifier holds, checked once when it is made. */
interface BybitJudge {
  readonly write: boolean | undefined;
  readonly tracker: Pick<BybitRateLimitTracker, 'update'> | undefined;
  readonly endpoint: string | undefined;
  readonly clock: Pick<Clock, 'now'>;
}

/**
 * Classifies Bybit v5 answers, whatever client carries them (see `parseBybitError`), by the
 * rules of reference/venues.md §5 and §6, with the reason named after the code (`bybit:10006`):
 *
 * - HTTP 403 (IP ban) retries after at least 10 minutes, so by default (`maxRetryAfterMs` 60 s)
 *   the run ends with `retry-after-too-long`; HTTP 429 and retCode 429 retry (Retry-After
 *   honoured);
 * - 10006 retries at `X-Bapi-Limit-Reset-Timestamp` (`retryAfterMs` = reset − now);
 * - 10000 and 170007 are `unknown` (the backend timed out: the order may exist); 10016, 170001
 *   and 170234 retry on a read and are `unknown` on a write;
 * - 10002 (outside the signing window) and 110079 (order processing) retry;
 * - parameter, key, signature, permission, IP and balance rejections fail;
 * - 110072 and 170141 are `unknown` with reason `duplicate-client-order-id`: reconcile finds the
 *   order an earlier attempt placed;
 * - a batch answer gets the most dangerous verdict among its items (`unknown` over `retry` over
 *   `fail`; code 0 is a success). When some items were placed, a `retry` (a 10006 item) is
 *   `unknown` instead: resending the batch would place them again. A retCode not in the table
 *   is `unknown`;
 * - an HTTP error without a retCode from bybit-api (or at a `/v5/` URL): other 4xx fail, 5xx are
 *   `unknown`. Network failures of bybit-api (it rethrows axios errors): refused before sending
 *   retry, after sending `unknown`.
 *
 * Returned values are classified too: bybit-api resolves `{ retCode ≠ 0 }` bodies by default,
 * and axios, got and fetch resolve Bybit's HTTP-200 errors. Never throws.
 *
 * @example
 * ```ts
 * const tracker = bybitRateLimitTracker({ store, key: 'bybit-ip-1' });
 * const order = await retry(() => client.submitOrder(params), {
 *   classify: [bybitClassifier({ write: true, tracker }), httpClassifier()],
 *   idempotent: false,
 *   reconcile: async () => lookUp(params.orderLinkId),
 * });
 * ```
 */
export function bybitClassifier(options: BybitClassifierOptions = {}): Classifier {
  const o = checkOptions('bybitClassifier', options, RULES);
  const judge: BybitJudge = {
    write: o.write,
    tracker: o.tracker,
    endpoint: o.endpoint,
    clock: o.clock ?? { now: Date.now },
  };
  return readsResponseBody((outcome: Outcome) => classifyOutcome(judge, outcome));
}

/** The verdict of one outcome, or `undefined` when it carries no Bybit answer or failure. */
function classifyOutcome(judge: BybitJudge, outcome: Outcome): Verdict | undefined {
  // A tracker's refusal before sending: the core's verdict, not a venue answer to read.
  const held = outcome.ok ? undefined : holdTooLongVerdict(outcome.error);
  if (held !== undefined) return held;
  const value = outcome.ok ? outcome.value : outcome.error;
  if (value === null || typeof value !== 'object') return undefined;
  try {
    const nowMs = judge.clock.now();
    const info = readBybit(value);
    if (info !== undefined) {
      feed(judge, value, info);
      const result = decide(judge.write, info, nowMs);
      if (result !== undefined) return result;
    }
    if (outcome.ok) return undefined;
    // bybit-api rethrows the axios error when no response came (BYAPI `parseException`).
    const network = findNetworkFailure(value);
    if (network !== undefined) return networkVerdict(network);
    return undefined;
  } catch {
    return undefined;
  }
}

/** Hands the answer to the tracker, which never changes the verdict. */
function feed(judge: BybitJudge, value: unknown, info: ParsedBybit): void {
  if (judge.tracker === undefined) return;
  try {
    judge.tracker.update(value, info.httpStatus, info.endpoint ?? judge.endpoint);
  } catch {
    // The tracker is advisory: a failure in it never changes the verdict.
  }
}

/** The verdict of a parsed answer: the 403 ban, its retCode, its batch items, or its status. */
function decide(write: boolean | undefined, info: ParsedBybit, nowMs: number): Verdict | undefined {
  const code = info.retCode;
  // BYDOCS rate-limit.mdx: an HTTP 403 is the IP ban whatever its body says (a JSON
  // `{ retCode: 403, retMsg: 'access too frequent' }` included): every caller waits >= 10 min.
  if (info.httpStatus === 403) {
    const ban = bybitStatusRule(403);
    if (ban !== undefined) return ruleVerdict(write, ban, 'bybit:http-403', info, nowMs);
  }
  if (code !== undefined && code !== 0) return codeVerdict(write, code, info, nowMs);
  if (code === 0 && info.items !== undefined) return batchVerdict(write, info.items, info, nowMs);
  if (code === undefined && info.httpStatus !== undefined) {
    const rule = bybitStatusRule(info.httpStatus);
    if (rule !== undefined)
      return ruleVerdict(write, rule, `bybit:http-${info.httpStatus}`, info, nowMs);
  }
  return undefined;
}

/** The most dangerous verdict among a successful batch answer's items, or `undefined`. */
function batchVerdict(
  write: boolean | undefined,
  items: readonly BybitBatchItem[],
  info: ParsedBybit,
  nowMs: number,
): Verdict | undefined {
  // BYDOCS batch-place.mdx: the request succeeded, each item has its own code. The most
  // dangerous item decides: one possibly placed order outweighs any number of rejections.
  let worst: Verdict | undefined;
  let placedSome = false;
  for (const item of items) {
    if (item.code === 0) placedSome = true;
    const v = codeVerdict(write, item.code, info, nowMs);
    if (
      v !== undefined &&
      (worst === undefined || ACTION_SEVERITY[v.action] > ACTION_SEVERITY[worst.action])
    )
      worst = v;
  }
  // BYDOCS batch-place.mdx: items with code 0 were placed, so resending the batch for a
  // rate-limited item would place them again: unknown, for reconcile (as an OKX "2" batch).
  return placedSome && worst?.action === 'retry' ? { ...worst, action: 'unknown' } : worst;
}

/** The verdict of one retCode (a batch item's, or the answer's). */
function codeVerdict(
  write: boolean | undefined,
  code: number,
  info: ParsedBybit,
  nowMs: number,
): Verdict | undefined {
  if (code === 0) return undefined;
  const rule = BYBIT_CODES.get(code);
  if (rule === undefined) return verdict('unknown', `bybit:${code}`);
  return ruleVerdict(write, rule, `bybit:${code}`, info, nowMs);
}

/** A table rule as a verdict: `read-retry` decided by `write` (else the method), waits added. */
function ruleVerdict(
  write: boolean | undefined,
  rule: BybitCodeRule,
  reason: string,
  info: ParsedBybit,
  nowMs: number,
): Verdict {
  let action: Verdict['action'];
  if (rule.action === 'read-retry') {
    const isWrite = write ?? !isReadMethod(info.method);
    action = isWrite ? 'unknown' : 'retry';
  } else {
    action = rule.action;
  }
  return verdict(
    action,
    rule.reason ?? reason,
    rule.rateLimit === true ? rateLimitWait(info, nowMs) : undefined,
  );
}

/** The wait a rate limit asks for: the reset timestamp, Retry-After, or 10 min for a 403. */
function rateLimitWait(info: ParsedBybit, nowMs: number): number | undefined {
  if (info.httpStatus === 403) return bybitBanMs(info.usage?.resetAtMs, nowMs);
  const resetAtMs = info.usage?.resetAtMs;
  if (resetAtMs !== undefined && resetAtMs > nowMs) return resetAtMs - nowMs;
  return parseRetryAfter(headerValue(info.headers, 'retry-after'), nowMs);
}

// Passing `bybitClassifier` uncalled as `classify` is refused with a message saying to call it.
markClassifierFactory(bybitClassifier);
