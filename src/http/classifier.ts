import { markClassifierFactory } from '../core/classifier-factory.js';
import { describeValue, holdTooLongVerdict } from '../core/classify.js';
import { withClientRetries } from '../transport/client-retries.js';
import { causeChain } from '../core/redaction/safe-read.js';
import { safeGet } from '../core/redaction/redact.js';
import type { Classifier, Outcome, Verdict } from '../core/types.js';
import { headerValue } from '../transport/headers.js';
import { findNetworkFailure, isAbortFailure, networkVerdict } from '../transport/network.js';
import { parseRetryAfter } from '../transport/retry-after.js';
import {
  asHttpStatus,
  compileStatusActions,
  type HttpStatusOverrides,
} from '../transport/status.js';

/** Options of {@link httpClassifier}. */
export interface HttpClassifierOptions {
  /**
   * Per-status overrides of {@link DEFAULT_HTTP_STATUSES}, as a record or a `Map`: a status
   * (100-599) or a class (`'4xx'`, `'5xx'`) to `'retry'`, `'unknown'`, `'fail'` or `'none'` (no
   * verdict). Example: `{ 500: 'retry', 404: 'none' }`.
   */
  statuses?: HttpStatusOverrides;
  /**
   * The current time in epoch ms, used to turn an HTTP-date `Retry-After` into a delay. Defaults
   * to `Date.now`; pass the run's clock (`() => clock.now()`) when it is not real time.
   */
  now?: () => number;
}

/** A caller's cancellation: retrying cannot help, and the caller asked to stop. */
const ABORTED: Verdict = /* @__PURE__ */ Object.freeze({ action: 'fail', reason: 'http:aborted' });

/**
 * Classifies HTTP outcomes: statuses of returned responses and thrown HTTP errors, and network
 * failures found anywhere on the `cause` chain.
 *
 * - Statuses (see {@link DEFAULT_HTTP_STATUSES}): 408, 425, 429 `retry`; 500, 502, 503, 504
 *   and other 5xx `unknown` (the server got the request and cannot say whether it acted); 501,
 *   505 and other 4xx `fail`; 1xx-3xx no verdict (a success). A `Retry-After` (seconds or an
 *   HTTP-date) becomes `retryAfterMs` on `retry` and `unknown` verdicts alike.
 * - Returned values: a fetch `Response`, an `undici.request` result, or any object with a
 *   numeric `status`/`statusCode` and `headers`. (A returned value with a `fail` verdict still
 *   resolves the run: check `res.ok` yourself.)
 * - Thrown errors: `status`/`statusCode` on the error or `response.status`/`response.statusCode`
 *   (axios, got, ky), with headers from a `Headers`, `AxiosHeaders` or plain object.
 * - Network failures: before the request was sent (`ECONNREFUSED`, `ENOTFOUND`, connect
 *   timeouts...) `retry`, even for a POST; after (`ECONNRESET`, `terminated`, header/body
 *   timeouts, `TimeoutError`...) `unknown`. See {@link networkErrorKind}.
 * - A caller's cancellation (`AbortError`, axios `ERR_CANCELED` not caused by a timeout) `fail`
 *   with reason `http:aborted`. Anything else: no verdict.
 *
 * Reasons are `http:<status>`, `network:<code>` and `http:aborted`. Never throws.
 *
 * @example
 * ```ts
 * import { retry } from 'tenacious';
 * import { httpClassifier } from 'tenacious/http';
 *
 * const res = await retry(({ signal }) => fetch('https://api.example.com/orders', { signal }), {
 *   classify: httpClassifier(),
 *   maxAttempts: 3,
 * });
 * ```
 */
export function httpClassifier(options?: HttpClassifierOptions): Classifier {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError(
      `httpClassifier: expected an options object, got ${describeValue(options)}`,
    );
  }
  const now = options?.now ?? Date.now;
  if (typeof now !== 'function') {
    throw new TypeError(
      `\`now\`: expected a function returning epoch ms, got ${describeValue(now)}`,
    );
  }
  const actions = compileStatusActions(options?.statuses, 'statuses');
  // Built once here so that classifying a status allocates nothing unless Retry-After is present.
  const verdicts: (Verdict | undefined)[] = actions.map((action, status) =>
    action === undefined ? undefined : Object.freeze({ action, reason: `http:${status}` }),
  );

  const withRetryAfter = (verdict: Verdict, headers: unknown): Verdict => {
    if (verdict.action === 'fail' || headers === undefined) return verdict;
    const header = headerValue(headers, 'retry-after');
    if (header === undefined) return verdict;
    let nowMs: number;
    try {
      nowMs = now();
    } catch {
      nowMs = Date.now();
    }
    const retryAfterMs = parseRetryAfter(header, nowMs);
    return retryAfterMs === undefined
      ? verdict
      : { action: verdict.action, reason: verdict.reason, retryAfterMs };
  };

  const judge = (outcome: Outcome): Verdict | undefined => {
    if (outcome.ok) {
      const value = outcome.value;
      if (value === null || typeof value !== 'object') return undefined;
      const status =
        asHttpStatus(safeGet(value, 'status')) ?? asHttpStatus(safeGet(value, 'statusCode'));
      if (status === undefined) return undefined;
      const verdict = verdicts[status];
      if (verdict === undefined) return undefined;
      // Only response-like values: a domain object that merely has a `status` field is not one.
      const headers = safeGet(value, 'headers');
      if (headers === null || typeof headers !== 'object') return undefined;
      return withRetryAfter(verdict, headers);
    }
    const error = outcome.error;
    if (error === null || typeof error !== 'object') return undefined;
    // A tracker's refusal before sending: the core's verdict, whatever the error looks like.
    const held = holdTooLongVerdict(error);
    if (held !== undefined) return held;
    let status: number | undefined;
    let answered: unknown;
    for (const item of causeChain(error)) {
      status = statusOf(item);
      if (status !== undefined) {
        answered = item;
        break;
      }
    }
    // An error status is the server's own word. A 2xx/3xx status on an error (a body cut after
    // the headers arrived) is not: the network failure, if any, decides.
    const statusVerdict = status === undefined ? undefined : verdicts[status];
    if (statusVerdict !== undefined && status! >= 400)
      return withRetryAfter(statusVerdict, headersOf(answered));
    const network = findNetworkFailure(error);
    if (network !== undefined) return networkVerdict(network);
    if (isAbortFailure(error)) return ABORTED;
    return statusVerdict === undefined
      ? undefined
      : withRetryAfter(statusVerdict, headersOf(answered));
  };
  // got and axios-retry show on their errors that they already retried (client-retries.ts).
  return (outcome: Outcome) =>
    outcome.ok ? judge(outcome) : withClientRetries(judge(outcome), outcome.error);
}

/** The HTTP status an error carries: its own, or its `response`'s (axios, got, ky). */
function statusOf(item: unknown): number | undefined {
  const own = asHttpStatus(safeGet(item, 'status')) ?? asHttpStatus(safeGet(item, 'statusCode'));
  if (own !== undefined) return own;
  const response = safeGet(item, 'response');
  return asHttpStatus(safeGet(response, 'status')) ?? asHttpStatus(safeGet(response, 'statusCode'));
}

function headersOf(item: unknown): unknown {
  const own = safeGet(item, 'headers');
  if (own !== null && typeof own === 'object') return own;
  const fromResponse = safeGet(safeGet(item, 'response'), 'headers');
  return fromResponse !== null && typeof fromResponse === 'object' ? fromResponse : undefined;
}

// Passing `httpClassifier` uncalled as `classify` is refused with a message saying to call it.
markClassifierFactory(httpClassifier);
