/**
 * Secret redaction for everything tenacious writes: log lines, error summaries and alerts.
 *
 * Errors from exchange clients carry secrets in many places: axios keeps request headers in
 * `config.headers` (`X-MBX-APIKEY`, `Authorization`), the `binance` client throws a plain object
 * whose `requestUrl` holds `signature=…`, and a Telegram URL holds the bot token in its path. So
 * nothing reaches a logger as the raw error: it is first turned into a plain, depth-limited,
 * redacted copy by {@link serializeError}. Hostile values (throwing getters, proxies, cycles,
 * huge strings) never make it throw.
 */

/** Replaces a secret. */
export const REDACTED = '[REDACTED]';

/** Object keys whose values are secrets wherever they appear (headers, bodies, configs). */
const SECRET_KEY =
  // Exchange credential headers: OKX (OK-ACCESS-KEY/-SIGN/-PASSPHRASE), Bybit (X-BAPI-API-KEY,
  // X-BAPI-SIGN), Kraken (API-Key, API-Sign), Coinbase (CB-ACCESS-KEY/-SIGN/-PASSPHRASE).
  /^(?:ok-access-(?:key|sign|passphrase)|x-bapi-(?:api-key|sign)|api-sign|cb-access-(?:key|sign|passphrase)|authorization|proxy-authorization|cookie|set-cookie|x-mbx-apikey|x-api-key|x-apikey|api[-_]?key|apikey|api[-_]?secret|secret|secret[-_]?key|client[-_]?secret|signature|sig|token|access[-_]?token|refresh[-_]?token|id[-_]?token|bot[-_]?token|bottoken|password|passwd|passphrase|private[-_]?key|privatekey|mnemonic|seed)$/i;

/** `name=value` or `"name": "value"` pairs in free text (query strings, JSON, header dumps). */
const SECRET_PAIR =
  /\b(authorization|x-mbx-apikey|x-api-key|api[-_]?key|apikey|api[-_]?secret|secret[-_]?key|client[-_]?secret|secret|signature|access[-_]?token|refresh[-_]?token|bot[-_]?token|token|password|passphrase|private[-_]?key)(["']?\s*[:=]\s*["']?)(?:(?:Bearer|Basic|Token)\s+)?([^\s"'&,;}#]+)/gi;
/** Telegram bot tokens (`123456:ABC…`), in `/bot<token>/` paths or on their own. */
const TELEGRAM_PATH = /\/bot\d+:[\w-]+/g;
const TELEGRAM_TOKEN = /\b\d{5,}:[\w-]{30,}\b/g;
/** Bearer and Basic credentials wherever they appear. */
const AUTH_SCHEME = /\b(Bearer|Basic)\s+[\w.~+/=-]{8,}/g;
/** `scheme://user:password@host`. */
const URL_CREDENTIALS = /(\/\/)[^/\s:@]+:[^/\s@]+@/g;

const MAX_STRING = 4096;
const MAX_DEPTH = 5;
const MAX_KEYS = 64;

/**
 * Removes secrets from free text: `signature=`, API keys, tokens and passwords in query strings,
 * JSON and header dumps, `Bearer …`, URL credentials and Telegram bot tokens. `extra` lists literal
 * secret values to remove as well (for example the bot token an alert was configured with).
 *
 * @example
 * ```ts
 * redactText('GET /api/v3/order?symbol=BTCUSDT&signature=abc123'); // '…&signature=[REDACTED]'
 * ```
 */
export function redactText(text: string, extra?: readonly string[]): string {
  let out = text.length > MAX_STRING ? `${text.slice(0, MAX_STRING)}…[truncated]` : text;
  if (extra !== undefined) {
    for (const secret of extra) {
      if (secret.length >= 4) out = out.split(secret).join(REDACTED);
    }
  }
  return out
    .replace(TELEGRAM_PATH, `/bot${REDACTED}`)
    .replace(TELEGRAM_TOKEN, REDACTED)
    .replace(AUTH_SCHEME, `$1 ${REDACTED}`)
    .replace(URL_CREDENTIALS, `$1${REDACTED}@`)
    .replace(SECRET_PAIR, `$1$2${REDACTED}`);
}

/** Reads a property without letting a throwing getter or proxy trap escape. */
export function safeGet(target: unknown, key: PropertyKey): unknown {
  if (target === null || (typeof target !== 'object' && typeof target !== 'function')) {
    return undefined;
  }
  try {
    return (target as Record<PropertyKey, unknown>)[key];
  } catch {
    return undefined;
  }
}

function safeKeys(target: object): string[] {
  try {
    return Object.keys(target);
  } catch {
    return [];
  }
}

function isErrorLike(value: unknown): value is Error {
  try {
    return value instanceof Error || Object.prototype.toString.call(value) === '[object Error]';
  } catch {
    return false;
  }
}

function sanitize(
  value: unknown,
  depth: number,
  seen: Set<object>,
  extra?: readonly string[],
): unknown {
  switch (typeof value) {
    case 'string':
      return redactText(value, extra);
    case 'number':
    case 'boolean':
    case 'undefined':
      return value;
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return value.toString();
    case 'function':
      return `[Function ${safeString(safeGet(value, 'name')) || 'anonymous'}]`;
  }
  if (value === null) return null;
  const obj = value as object;
  if (seen.has(obj)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Object]';
  seen.add(obj);
  try {
    if (isErrorLike(obj)) return serializeErrorObject(obj, depth, seen, extra);
    if (isHeaders(obj)) return sanitizeEntries(headerEntries(obj), depth, seen, extra);
    if (Array.isArray(obj)) {
      return obj.slice(0, MAX_KEYS).map((item) => sanitize(item, depth + 1, seen, extra));
    }
    return sanitizeEntries(
      safeKeys(obj).map((key) => [key, safeGet(obj, key)] as const),
      depth,
      seen,
      extra,
    );
  } finally {
    seen.delete(obj);
  }
}

function sanitizeEntries(
  entries: readonly (readonly [string, unknown])[],
  depth: number,
  seen: Set<object>,
  extra?: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let count = 0;
  for (const [key, item] of entries) {
    if (count++ >= MAX_KEYS) {
      out['…'] = `${entries.length - MAX_KEYS} more keys`;
      break;
    }
    out[key] =
      SECRET_KEY.test(key) && item !== undefined && item !== null && item !== ''
        ? REDACTED
        : sanitize(item, depth + 1, seen, extra);
  }
  return out;
}

function isHeaders(value: object): value is Headers {
  return typeof Headers !== 'undefined' && value instanceof Headers;
}

function headerEntries(headers: Headers): [string, string][] {
  const entries: [string, string][] = [];
  try {
    headers.forEach((v, k) => entries.push([k, v]));
  } catch {
    // A broken Headers object yields nothing rather than an exception.
  }
  return entries;
}

function safeString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  try {
    // Deliberately String(): numbers, symbols and objects with their own toString all print.
    // eslint-disable-next-line @typescript-eslint/no-base-to-string
    return String(value);
  } catch {
    return '[unprintable]';
  }
}

/** Fields of an error that are copied, in this order, before its other own properties. */
const ERROR_FIELDS = ['code', 'status', 'statusCode', 'errno', 'syscall'] as const;

function serializeErrorObject(
  err: object,
  depth: number,
  seen: Set<object>,
  extra?: readonly string[],
): Record<string, unknown> {
  // A null prototype: pino's error serializer then keeps our `type` instead of naming the
  // copy after its constructor (`Object`).
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  out.type = safeString(safeGet(err, 'name')) || 'Error';
  out.message = redactText(safeString(safeGet(err, 'message')), extra);
  for (const field of ERROR_FIELDS) {
    const v = safeGet(err, field);
    if (v !== undefined) out[field] = sanitize(v, depth + 1, seen, extra);
  }
  const stack = safeGet(err, 'stack');
  if (typeof stack === 'string') out.stack = redactText(stack, extra);
  for (const key of safeKeys(err)) {
    if (key in out || key === 'cause' || key === 'stack') continue;
    const item = safeGet(err, key);
    out[key] = SECRET_KEY.test(key) ? REDACTED : sanitize(item, depth + 1, seen, extra);
  }
  const cause = safeGet(err, 'cause');
  if (cause !== undefined) out.cause = sanitize(cause, depth + 1, seen, extra);
  return out;
}

/**
 * Turns any thrown value into a plain, JSON-safe, redacted object for a log line: `type`,
 * `message`, `code`/`status`, `stack`, the error's own fields and its `cause` chain, with every
 * secret replaced by `[REDACTED]`. Never throws, whatever it is given.
 *
 * @example
 * ```ts
 * logger.warn({ err: serializeError(err) }, 'request failed');
 * ```
 */
export function serializeError(value: unknown, extra?: readonly string[]): unknown {
  try {
    return sanitize(value, 0, new Set(), extra);
  } catch {
    return '[unserializable]';
  }
}

/**
 * A one-line, redacted description of a thrown value (`Name: message`), for alerts and
 * messages. Never throws.
 *
 * @example
 * ```ts
 * describeError(new TypeError('fetch failed')); // 'TypeError: fetch failed'
 * ```
 */
export function describeError(value: unknown, extra?: readonly string[]): string {
  try {
    if (isErrorLike(value) || (typeof value === 'object' && value !== null)) {
      const name = safeString(safeGet(value, 'name'));
      let message = safeString(safeGet(value, 'message') ?? safeGet(value, 'msg'));
      if (!message && !name) message = safeString(JSON.stringify(serializeError(value, extra)));
      const code = safeGet(value, 'code');
      const codePart = typeof code === 'string' || typeof code === 'number' ? ` [${code}]` : '';
      return redactText(`${name || 'Error'}${codePart}: ${message}`, extra);
    }
    return redactText(safeString(value), extra);
  } catch {
    return '[unprintable error]';
  }
}
