import { describeValue } from '../core/classify.js';

/**
 * What an HTTP status means for a retry. `none` gives no verdict: later classifiers (or, for a
 * thrown error, the default rule) decide, and a returned value is a success.
 */
export type HttpStatusAction = 'retry' | 'unknown' | 'fail' | 'none';

/** A status (`503`), or a class default for statuses not listed: `'4xx'` or `'5xx'`. */
export type HttpStatusKey = number | '4xx' | '5xx';

/**
 * Overrides of {@link DEFAULT_HTTP_STATUSES}: a record or a map from status (or `'4xx'`/`'5xx'`)
 * to action. Listed entries replace the defaults; the rest stay.
 */
export type HttpStatusOverrides =
  | Readonly<Partial<Record<HttpStatusKey | `${number}`, HttpStatusAction>>>
  | ReadonlyMap<HttpStatusKey, HttpStatusAction>;

/**
 * The default verdict of each status. Statuses below 400 (1xx, 2xx, 3xx) give no verdict, so a
 * returned response with them is a success.
 */
export const DEFAULT_HTTP_STATUSES: Readonly<Record<string, HttpStatusAction>> =
  /* @__PURE__ */ Object.freeze({
    // RFC 9110 §15.5.9: the server "did not receive a complete request message within the time
    // that it was prepared to wait", so it did not act on it.
    408: 'retry',
    // RFC 8470 §5.2: the server is "unwilling to risk processing a request that might be
    // replayed"; the client may retry (after the TLS handshake completes).
    425: 'retry',
    // RFC 6585 §4: "too many requests in a given amount of time"; Retry-After MAY say how long to wait.
    429: 'retry',
    // Other client errors: the same request gets the same answer.
    '4xx': 'fail',
    // RFC 9110 §15.6.1: "an unexpected condition that prevented it from fulfilling the request",
    // which may have struck after the request took effect.
    500: 'unknown',
    // RFC 9110 §15.6.2: the server "does not support the functionality required": permanent, and
    // nothing was done.
    501: 'fail',
    // RFC 9110 §15.6.3: a gateway got "an invalid response" from upstream, which may have acted.
    502: 'unknown',
    // RFC 9110 §15.6.4: temporary overload or maintenance, often said by a proxy in front of a
    // server that may already have acted (Binance: "5XX … execution status is UNKNOWN" [BSD]).
    503: 'unknown',
    // RFC 9110 §15.6.5: a gateway "did not receive a timely response" from upstream, which may
    // still be acting on the request.
    504: 'unknown',
    // RFC 9110 §15.6.6: the HTTP version is refused: permanent.
    505: 'fail',
    // Other server errors (including Cloudflare's 520-524) are judged unknown: the server received
    // the request and cannot say whether it acted on it.
    '5xx': 'unknown',
  });

const ACTIONS: ReadonlySet<string> = new Set(['retry', 'unknown', 'fail', 'none']);

/**
 * A valid HTTP status (an integer 100-599) or undefined.
 *
 * @example
 * ```ts
 * asHttpStatus(503); // 503
 * asHttpStatus('503'); // undefined
 * ```
 */
export function asHttpStatus(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599
    ? value
    : undefined;
}

/**
 * Builds the per-status action table (index = status, 0-599) from the defaults and the user's
 * overrides, validating the overrides. `option` names the option in error messages.
 *
 * @example
 * ```ts
 * compileStatusActions({ 500: 'retry' }, 'statuses')[500]; // 'retry'
 * ```
 */
export function compileStatusActions(
  overrides: unknown,
  option: string,
): readonly (Exclude<HttpStatusAction, 'none'> | undefined)[] {
  const merged = new Map<string, HttpStatusAction>(Object.entries(DEFAULT_HTTP_STATUSES));
  for (const [key, action] of overrideEntries(overrides, option)) {
    const normalised = normaliseKey(key);
    if (normalised === undefined) {
      throw new RangeError(
        `\`${option}\`: expected keys that are HTTP statuses (100-599), '4xx' or '5xx', got ${describeValue(key)}`,
      );
    }
    if (typeof action !== 'string' || !ACTIONS.has(action)) {
      throw new TypeError(
        `\`${option}[${normalised}]\`: expected 'retry', 'unknown', 'fail' or 'none', got ${describeValue(action)}`,
      );
    }
    merged.set(normalised, action as HttpStatusAction);
  }
  const table: (Exclude<HttpStatusAction, 'none'> | undefined)[] = new Array(600).fill(undefined);
  for (let status = 100; status <= 599; status++) {
    const classKey = status >= 500 ? '5xx' : status >= 400 ? '4xx' : undefined;
    const action =
      merged.get(String(status)) ?? (classKey === undefined ? undefined : merged.get(classKey));
    table[status] = action === 'none' ? undefined : action;
  }
  return table;
}

function overrideEntries(overrides: unknown, option: string): [unknown, unknown][] {
  if (overrides === undefined) return [];
  if (overrides instanceof Map) return [...(overrides as Map<unknown, unknown>).entries()];
  if (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides)) {
    throw new TypeError(
      `\`${option}\`: expected an object or a Map from status to action, got ${describeValue(overrides)}`,
    );
  }
  return Object.entries(overrides);
}

function normaliseKey(key: unknown): string | undefined {
  if (key === '4xx' || key === '5xx') return key;
  const status =
    typeof key === 'number'
      ? key
      : typeof key === 'string' && /^\d{3}$/.test(key)
        ? Number(key)
        : NaN;
  return asHttpStatus(status) === undefined ? undefined : String(status);
}
