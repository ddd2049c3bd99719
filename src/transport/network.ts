import {
  CONNECT_FAILURE_CODES,
  CONNECT_SYSCALLS,
  GOT_CONNECT_EVENTS,
  isFetchNetworkError,
} from '../core/connect-failure.js';
import { causeChain, stringField } from '../core/redaction/safe-read.js';
import type { Verdict } from '../core/types.js';
import { safeGet } from '../core/redaction/redact.js';
import { asHttpStatus } from './status.js';
import { lookupTable } from '../core/table.js';

/**
 * Network failures, sorted by whether the request may have reached the server.
 *
 * RFC 9110 §9.2.2: a client "SHOULD NOT automatically retry a request with a non-idempotent
 * method unless it has some means to know that the request semantics are actually idempotent
 * [...] or some means to detect that the original request was never applied". A failure before
 * the request was sent is such a means: nothing was applied, so even a POST is safe to send again.
 * A failure after (or while) sending leaves the outcome unknown.
 */

/** `before-send`: the request never left (safe to retry). `after-send`: it may have been processed. */
export type NetworkErrorKind = 'before-send' | 'after-send';

/** A recognised network failure: its kind and the code or name that decided it. */
export interface NetworkFailure {
  readonly kind: NetworkErrorKind;
  /** The deciding code or name (`ECONNREFUSED`, `terminated`, `TimeoutError`, ...). */
  readonly token: string;
}

/**
 * Error codes of Node (system errors), undici and axios, by phase. Sources: Node.js docs "Common
 * system errors" and libuv errno names; undici `lib/core/errors.js`; axios `lib/core/AxiosError.js`;
 * the loopback experiments in errors.md §4.3.
 */
export const NETWORK_ERROR_CODES: Readonly<Record<string, NetworkErrorKind>> =
  /* @__PURE__ */ lookupTable({
    // No prototype (lookupTable): a code such as `valueOf` must not find Object's methods.
    // No connection was made, so no request byte was sent (the core's table, with its sources).
    ...Object.fromEntries([...CONNECT_FAILURE_CODES].map((code) => [code, 'before-send'])),
    // The connection existed: the request may have been received and processed.
    ECONNRESET: 'after-send', // "forcibly closed by a peer"; Node's "socket hang up"
    EPIPE: 'after-send', // wrote to a socket the peer had closed
    ETIMEDOUT: 'after-send', // response timeout (got, axios clarifyTimeoutError) unless syscall is connect
    ECONNABORTED: 'after-send', // axios' own `timeout`
    UND_ERR_SOCKET: 'after-send', // undici "other side closed"
    UND_ERR_HEADERS_TIMEOUT: 'after-send', // request fully sent, no response headers in time
    UND_ERR_BODY_TIMEOUT: 'after-send', // response body stalled
    UND_ERR_CLOSED: 'after-send', // undici client closed while the request was in flight
    UND_ERR_DESTROYED: 'after-send', // undici client destroyed while the request was in flight
    UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'after-send', // response body shorter than announced
    ERR_STREAM_PREMATURE_CLOSE: 'after-send', // response stream closed early
    ERR_NETWORK: 'after-send', // axios browser/fetch adapters: any network failure, phase unknown
  });

/** Codes and names of a deliberate cancellation (no phase: the caller gave up). */
const ABORT_CODES: ReadonlySet<string> = new Set([
  'ABORT_ERR', // Node's AbortError
  'ERR_CANCELED', // axios CanceledError, got CancelError
  'UND_ERR_ABORTED', // undici RequestAbortedError
  'UND_ERR_ABORT', // undici AbortError
]);
const ABORT_NAMES: ReadonlySet<string> = new Set(['AbortError', 'CanceledError', 'CancelError']);

const MAX_AGGREGATED = 8;

/**
 * Whether a failure happened before the request was sent (`before-send`: safe to retry, even a
 * POST), after it may have been sent (`after-send`: the outcome is unknown), or is no network
 * failure at all (`undefined`). Looks at the whole `cause` chain, so `TypeError('fetch failed')`
 * is judged by its cause. Never throws.
 *
 * @example
 * ```ts
 * try {
 *   await fetch('http://127.0.0.1:1/');
 * } catch (err) {
 *   networkErrorKind(err); // 'before-send' (cause.code is ECONNREFUSED)
 * }
 * networkErrorKind(new TypeError('terminated')); // 'after-send' (body cut mid-stream)
 * networkErrorKind(new Error('boom'));           // undefined
 * ```
 */
export function networkErrorKind(error: unknown): NetworkErrorKind | undefined {
  return findNetworkFailure(error)?.kind;
}

/**
 * Like {@link networkErrorKind}, with the deciding code. When the chain holds both kinds,
 * `after-send` wins: the cautious answer.
 *
 * @example
 * ```ts
 * findNetworkFailure(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
 * // { kind: 'after-send', token: 'ECONNRESET' }
 * ```
 */
export function findNetworkFailure(error: unknown): NetworkFailure | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  let before: NetworkFailure | undefined;
  let weak: NetworkFailure | undefined;
  for (const item of causeChain(error)) {
    const found = itemFailure(item);
    if (found !== undefined) {
      if (found.kind === 'after-send') return found;
      before ??= found;
    } else if (weak === undefined && before === undefined && isFetchNetworkError(item)) {
      // `TypeError('fetch failed')` and the browsers' equivalents say nothing of the phase; a
      // coded cause deeper in the chain, if any, decides instead.
      weak = FETCH_FAILED;
    }
  }
  return before ?? weak;
}

/**
 * True when the chain holds a deliberate cancellation (a fetch `AbortError`, axios or got
 * `ERR_CANCELED`, undici `UND_ERR_ABORTED`) and no network failure.
 *
 * @example
 * ```ts
 * isAbortFailure(new DOMException('This operation was aborted', 'AbortError')); // true
 * ```
 */
export function isAbortFailure(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  for (const item of causeChain(error)) {
    const name = stringField(item, 'name');
    const code = stringField(item, 'code');
    if (
      (name !== undefined && ABORT_NAMES.has(name)) ||
      (code !== undefined && ABORT_CODES.has(code))
    ) {
      return true;
    }
  }
  return false;
}

const FETCH_FAILED: NetworkFailure = /* @__PURE__ */ Object.freeze({
  kind: 'after-send',
  token: 'fetch-failed',
});
const TERMINATED: NetworkFailure = /* @__PURE__ */ Object.freeze({
  kind: 'after-send',
  token: 'terminated',
});
const TIMEOUT: NetworkFailure = /* @__PURE__ */ Object.freeze({
  kind: 'after-send',
  token: 'TimeoutError',
});
const HANG_UP: NetworkFailure = /* @__PURE__ */ Object.freeze({
  kind: 'after-send',
  token: 'socket-hang-up',
});
const BODY_CUT: NetworkFailure = /* @__PURE__ */ Object.freeze({
  kind: 'after-send',
  token: 'ERR_BAD_RESPONSE',
});

/** One frozen result per code and kind, made on first use (the set of codes is fixed). */
const failures = new Map<string, NetworkFailure>();
function failure(kind: NetworkErrorKind, token: string): NetworkFailure {
  const key = `${kind}:${token}`;
  let found = failures.get(key);
  if (found === undefined) {
    found = Object.freeze({ kind, token });
    failures.set(key, found);
  }
  return found;
}

function itemFailure(item: unknown, nested = false): NetworkFailure | undefined {
  const name = stringField(item, 'name');
  const code = stringField(item, 'code');
  // got's TimeoutError (code ETIMEDOUT) names the phase that timed out.
  if (name === 'TimeoutError') {
    const event = stringField(item, 'event');
    if (event !== undefined && GOT_CONNECT_EVENTS.has(event)) {
      return failure('before-send', `timeout-${event}`);
    }
  }
  if (name === 'AggregateError' && !nested) {
    const aggregated = aggregateFailure(item);
    if (aggregated !== undefined) return aggregated;
  }
  if (code !== undefined) {
    const kind = NETWORK_ERROR_CODES[code];
    if (kind !== undefined) {
      // A system error from connect() or a DNS lookup (ETIMEDOUT while connecting, say) means
      // no connection was ever made, whatever its code.
      const syscall = stringField(item, 'syscall');
      const phase = syscall !== undefined && CONNECT_SYSCALLS.has(syscall) ? 'before-send' : kind;
      return failure(phase, code);
    }
    // axios: a 2xx response whose body was cut off mid-stream is ERR_BAD_RESPONSE with status 200
    // (errors.md §4.3); with a 4xx/5xx status it is an ordinary HTTP error.
    if (code === 'ERR_BAD_RESPONSE') {
      const status =
        asHttpStatus(safeGet(safeGet(item, 'response'), 'status')) ??
        asHttpStatus(safeGet(item, 'status'));
      if (status !== undefined && status < 300) return BODY_CUT;
    }
    // axios turns every abort into CanceledError, `AbortSignal.timeout()` included (errors.md §0
    // item 7); the request's own signal still tells a timeout from a caller's cancel.
    if (
      code === 'ERR_CANCELED' &&
      isTimeoutReason(safeGet(safeGet(safeGet(item, 'config'), 'signal'), 'reason'))
    ) {
      return TIMEOUT;
    }
  }
  // `AbortSignal.timeout()` rejects fetch with a DOMException named TimeoutError; got and the AWS
  // SDK name their response timeouts the same way. The request was sent.
  if (name === 'TimeoutError') return TIMEOUT;
  const message = stringField(item, 'message');
  // undici: a response body cut mid-stream is `TypeError('terminated')` (errors.md §4.3).
  if (name === 'TypeError' && message === 'terminated') return TERMINATED;
  // Node's http client: the socket closed before a response; normally code ECONNRESET, but some
  // wrappers copy only the message.
  if (message === 'socket hang up') return HANG_UP;
  return undefined;
}

/**
 * Node's happy-eyeballs connect (`autoSelectFamily`) reports an AggregateError holding one error
 * per address tried: before-send when every one of them is.
 */
function aggregateFailure(item: unknown): NetworkFailure | undefined {
  const errors = safeGet(item, 'errors');
  const length = safeGet(errors, 'length');
  if (!isArray(errors) || typeof length !== 'number' || length === 0) return undefined;
  let first: NetworkFailure | undefined;
  const count = Math.min(length, MAX_AGGREGATED);
  for (let i = 0; i < count; i++) {
    // One level only: an AggregateError inside (or containing) itself ends here.
    const found = itemFailure(safeGet(errors, i), true);
    if (found === undefined || found.kind === 'after-send') return undefined;
    first ??= found;
  }
  return first;
}

/** `Array.isArray` throws on a revoked proxy. */
function isArray(value: unknown): boolean {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}

function isTimeoutReason(reason: unknown): boolean {
  return stringField(reason, 'name') === 'TimeoutError';
}

/** One frozen verdict per network failure (the set of failures is fixed). */
const networkVerdicts = /* @__PURE__ */ new WeakMap<NetworkFailure, Verdict>();

/**
 * The verdict of a network failure: `retry` before sending (nothing was applied, so even a POST
 * may be sent again, RFC 9110 §9.2.2), `unknown` after. Reason `network:<code>`.
 *
 * @example
 * ```ts
 * networkVerdict(findNetworkFailure(err)!); // { action: 'retry', reason: 'network:ECONNREFUSED' }
 * ```
 */
export function networkVerdict(found: NetworkFailure): Verdict {
  let verdict = networkVerdicts.get(found);
  if (verdict === undefined) {
    verdict = Object.freeze({
      action: found.kind === 'before-send' ? 'retry' : 'unknown',
      reason: `network:${found.token}`,
    });
    networkVerdicts.set(found, verdict);
  }
  return verdict;
}
