import { causeChain, prototypeNames, safeGet } from './safe-read.js';
import { SECRET_NAMES, SECRET_NAME_ENDINGS, URL_RULES, VERSIONED_PATH_KEY } from './rules.js';

/**
 * Secret redaction for everything tenacious writes: log lines, error summaries and alerts.
 *
 * Errors from exchange and RPC clients carry secrets in many places: axios keeps request headers
 * in `config.headers` (`X-MBX-APIKEY`, `Authorization`), the `binance` client throws a plain
 * object whose `requestUrl` holds `signature=…`, ccxt and got put the signed URL in the message,
 * ethers and viem the RPC URL with the provider key in its path. So nothing reaches a logger as
 * the raw error: {@link serializeError} reduces it to a few redacted fields, {@link redactValue}
 * copies any other value with secrets replaced, and {@link redactText} cleans free text. The
 * names and URL shapes come from the cited tables in `redact-rules.ts`. Hostile values (throwing
 * getters, proxies, cycles, huge strings) never make any of them throw.
 */

export { safeGet };

/** Replaces a secret. */
export const REDACTED = '[REDACTED]';

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

const normalise = (name: string) => name.toLowerCase().replace(/[-_\s]/g, '');
const EXACT_NAMES = new Set(SECRET_NAMES.map(normalise));
const NAME_ENDINGS = [...new Set(SECRET_NAME_ENDINGS.map(normalise))];

/**
 * True when a property, header, query or body field of this name holds a secret
 * (`X-MBX-APIKEY`, `OK-ACCESS-SIGN`, `api_secret`, `privateKey`, `mnemonic`, …). Case and
 * `-`/`_` separators are ignored.
 *
 * @example
 * ```ts
 * isSecretName('x-bapi-sign'); // true
 * isSecretName('txHash'); // false
 * ```
 */
export function isSecretName(name: string): boolean {
  if (name.length > 80) return false;
  const key = normalise(name);
  if (EXACT_NAMES.has(key)) return true;
  for (const ending of NAME_ENDINGS) if (key.endsWith(ending)) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Free text
// ---------------------------------------------------------------------------------------------

/**
 * A label and its separator: `label: `, `label=`, `"label":"`, `'label' => '` (a printed Map),
 * `"label","` (a header array printed as JSON). A label is one word (`X-MBX-APIKEY`,
 * `DEPLOYER_PRIVATE_KEY`) or two (`private key`); whether it names a secret is decided by
 * {@link isSecretName}, so text is scanned once whatever the size of the name tables.
 */
const LABEL_AND_SEPARATOR =
  /(?<![\w-])([\w-]{1,60}(?: [\w-]{1,60})?)((?:\\?["'])?\s*(?:=>|[:=])\s*|\\?["']\s*,\s*(?=\\?["']))/g;
/** The value after a secret label, read from where the separator ends. */
const LABELLED_VALUE =
  // An opening quote, then: already redacted; a BIP-39 mnemonic written without quotes (12 to 24
  // lower-case words); inside quotes, up to the closing quote; unquoted, an optional auth scheme
  // and a token.
  /(\\?["'])?(?:\[REDACTED\]|[a-z]{3,8}(?: [a-z]{3,8}){11,23}\b|(?<=["'])[^"'\r\n\\]*|(?:(?:Bearer|Basic|Token|Digest|Bot|HMAC-SHA256|AWS4-HMAC-SHA256)\s+)?(?:\[REDACTED\]|[^\s"'&,;}\])#\\<>]+))/iy;
/** Cookie headers hold several `name=value` pairs: everything to the end of the line goes. */
const COOKIE_VALUE = /(["']?)[^"'\r\n]+/y;

function isSecretLabel(label: string): boolean {
  if (isSecretName(label)) return true;
  const space = label.indexOf(' ');
  return space !== -1 && isSecretName(label.slice(space + 1));
}

/** Replaces the value after every secret label. */
function redactLabelled(text: string): string {
  let out = '';
  let copied = 0;
  LABEL_AND_SEPARATOR.lastIndex = 0;
  for (let m = LABEL_AND_SEPARATOR.exec(text); m !== null; m = LABEL_AND_SEPARATOR.exec(text)) {
    const label = m[1]!;
    if (!isSecretLabel(label)) {
      // Keep scanning inside what followed: `https://…?signature=…` holds a label.
      LABEL_AND_SEPARATOR.lastIndex = m.index + label.length;
      continue;
    }
    const valueAt = m.index + m[0].length;
    const isCookie = /^(?:set-?)?cookie$/i.test(label);
    const value = isCookie ? COOKIE_VALUE : LABELLED_VALUE;
    value.lastIndex = valueAt;
    const v = value.exec(text);
    if (v === null || v[0] === '') {
      LABEL_AND_SEPARATOR.lastIndex = valueAt;
      continue;
    }
    out += `${text.slice(copied, valueAt)}${v[1] ?? ''}${REDACTED}`;
    copied = valueAt + v[0].length;
    LABEL_AND_SEPARATOR.lastIndex = copied;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** Bearer and Basic credentials wherever they appear. */
const AUTH_SCHEME = /\b(Bearer|Basic)\s+(?!\[REDACTED\])[\w.~+/=-]{6,}/g;
/** Telegram bot tokens (`123456:ABC…`) on any host (`/bot<token>/`) or on their own. */
const TELEGRAM_PATH = /\/bot\d+:[\w-]+/g;
const TELEGRAM_TOKEN = /\b\d{5,}:[\w-]{30,}/g;
/** URLs: scheme, authority, path, rest. */
const URL_IN_TEXT = /\b[a-z][a-z\d+.-]{1,15}:\/\/[^\s"'<>`\\]+/gi;
const URL_PARTS = /^([^:]+:\/\/)([^/?#]*)([^?#]*)([\s\S]*)$/;

/** Longest text looked at; the rest is cut before redaction. */
const MAX_TEXT = 4096;

function redactUrl(url: string): string {
  const parts = URL_PARTS.exec(url);
  if (parts === null) return url;
  const [, scheme = '', authority = '', rest = ''] = [parts[0], parts[1], parts[2], parts[4]];
  let path = parts[3] ?? '';
  // `user:password@host`: RFC 3986 §3.2.1 userinfo.
  const at = authority.lastIndexOf('@');
  const hostPort = at === -1 ? authority : authority.slice(at + 1);
  const host = hostPort.replace(/:\d+$/, '').toLowerCase();
  for (const rule of URL_RULES) {
    if (rule.host.test(host)) {
      path = path.replace(rule.path, `$1${REDACTED}`);
      break;
    }
  }
  return `${scheme}${at === -1 ? '' : `${REDACTED}@`}${hostPort}${path}${rest}`;
}

/**
 * Removes secrets from free text: URLs (userinfo, RPC provider keys in paths, Telegram bot tokens,
 * Slack and Discord webhook secrets), `Bearer …`/`Basic …`, and the value after any secret label
 * (`signature=`, `X-MBX-APIKEY: `, `"OK-ACCESS-SIGN":"…"`, `privateKey=0x…`, `mnemonic: "…"`) in
 * query strings, JSON, header dumps and printed header arrays or maps. `extra` lists literal
 * secret values to remove as well (for example the bot token an alert was configured with).
 * Text longer than 4096 characters is cut first.
 *
 * @example
 * ```ts
 * redactText('GET /api/v3/order?symbol=BTCUSDT&signature=abc123'); // '…&signature=[REDACTED]'
 * redactText('https://eth-mainnet.g.alchemy.com/v2/k3y'); // '…/v2/[REDACTED]'
 * ```
 */
export function redactText(text: string, extra?: readonly string[]): string {
  let out = text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…[truncated]` : text;
  if (extra !== undefined) {
    for (const secret of extra) {
      if (typeof secret === 'string' && secret.length >= 4) out = out.split(secret).join(REDACTED);
    }
  }
  return redactLabelled(
    out
      .replace(URL_IN_TEXT, redactUrl)
      .replace(VERSIONED_PATH_KEY, `$1${REDACTED}`)
      .replace(TELEGRAM_PATH, `/bot${REDACTED}`)
      .replace(TELEGRAM_TOKEN, REDACTED)
      .replace(AUTH_SCHEME, `$1 ${REDACTED}`),
  );
}

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

/** How far {@link redactValue} copies. */
interface Limits {
  depth: number;
  keys: number;
  string: number;
}
const FULL: Limits = { depth: 5, keys: 64, string: MAX_TEXT };
const SMALL: Limits = { depth: 2, keys: 12, string: 200 };

function safeKeys(target: object): string[] {
  try {
    return Object.keys(target);
  } catch {
    return [];
  }
}

function tagOf(value: unknown): string {
  try {
    return Object.prototype.toString.call(value).slice(8, -1);
  } catch {
    return '';
  }
}

function isErrorLike(value: unknown): value is Error {
  try {
    return value instanceof Error || tagOf(value) === 'Error';
  } catch {
    return false;
  }
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

const cap = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text);

/** Entries of a `Headers` (global or undici's), a `Map`, or an `URLSearchParams`, or undefined. */
function entriesOf(value: object): [unknown, unknown][] | undefined {
  const tag = tagOf(value);
  if (tag !== 'Headers' && tag !== 'Map' && tag !== 'URLSearchParams') return undefined;
  const entries: [unknown, unknown][] = [];
  try {
    (value as Map<unknown, unknown>).forEach((v, k) => {
      if (entries.length <= FULL.keys) entries.push([k, v]);
    });
  } catch {
    // A broken collection yields what was read before it broke.
  }
  return entries;
}

/** `['X-MBX-APIKEY', key, …]` (Node raw headers, undici arrays) and `[['authorization', …]]`. */
function copyArray(items: readonly unknown[], depth: number, seen: Set<object>, ctx: Ctx) {
  const out: unknown[] = [];
  const n = Math.min(items.length, ctx.limits.keys);
  for (let i = 0; i < n; i++) {
    const item = safeIndex(items, i);
    const previous = i > 0 ? safeIndex(items, i - 1) : undefined;
    if (typeof previous === 'string' && isSecretName(previous) && isPresent(item)) {
      out.push(REDACTED);
    } else if (Array.isArray(item) && item.length === 2 && typeof item[0] === 'string') {
      out.push(
        isSecretName(item[0]) && isPresent(item[1])
          ? [item[0], REDACTED]
          : copy(item, depth + 1, seen, ctx),
      );
    } else {
      out.push(copy(item, depth + 1, seen, ctx));
    }
  }
  if (items.length > n) out.push(`… ${items.length - n} more`);
  return out;
}

function safeIndex(items: readonly unknown[], i: number): unknown {
  try {
    return items[i];
  } catch {
    return undefined;
  }
}

const isPresent = (v: unknown) => v !== undefined && v !== null && v !== '';

interface Ctx {
  limits: Limits;
  extra: readonly string[] | undefined;
}

function copyEntries(
  entries: readonly (readonly [unknown, unknown])[],
  depth: number,
  seen: Set<object>,
  ctx: Ctx,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let count = 0;
  for (const [rawKey, item] of entries) {
    if (count++ >= ctx.limits.keys) {
      out['…'] = `${entries.length - ctx.limits.keys} more keys`;
      break;
    }
    const key = typeof rawKey === 'string' ? rawKey : safeString(rawKey);
    out[key] = isSecretName(key) && isPresent(item) ? REDACTED : copy(item, depth + 1, seen, ctx);
  }
  return out;
}

function copy(value: unknown, depth: number, seen: Set<object>, ctx: Ctx): unknown {
  switch (typeof value) {
    case 'string':
      return cap(redactText(value, ctx.extra), ctx.limits.string);
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
  if (depth >= ctx.limits.depth) return `[${tagOf(obj) || 'Object'}]`;
  seen.add(obj);
  try {
    if (isErrorLike(obj)) return serializeChain(causeChain(obj), ctx.extra, seen, depth);
    if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer) {
      return `[${tagOf(obj)} ${safeGet(obj, 'byteLength') as number} bytes]`;
    }
    if (obj instanceof Date)
      return Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString();
    if (obj instanceof URL) return redactText(obj.href, ctx.extra);
    const tag = tagOf(obj);
    if (tag === 'Response' || tag === 'Request')
      return serializeChain([obj], ctx.extra, seen, depth);
    const entries = entriesOf(obj);
    if (entries !== undefined) {
      if (tag === 'URLSearchParams') return redactText(safeString(obj), ctx.extra);
      return copyEntries(entries, depth, seen, ctx);
    }
    if (tag === 'Set') {
      return copyArray([...(obj as Set<unknown>)].slice(0, ctx.limits.keys + 1), depth, seen, ctx);
    }
    if (Array.isArray(obj)) return copyArray(obj, depth, seen, ctx);
    return copyEntries(
      safeKeys(obj).map((key) => [key, safeGet(obj, key)] as const),
      depth,
      seen,
      ctx,
    );
  } catch {
    return '[unreadable]';
  } finally {
    seen.delete(obj);
  }
}

/**
 * A plain, JSON-safe copy of any value with every secret replaced by `[REDACTED]`: values under
 * secret names (see `redact-rules.ts`), secrets in strings, `Headers`, `Map`s and header arrays.
 * Depth, keys and string lengths are bounded; cycles print as `[Circular]`. Never throws.
 *
 * @example
 * ```ts
 * redactValue({ headers: { 'X-MBX-APIKEY': key, accept: 'json' } });
 * // { headers: { 'X-MBX-APIKEY': '[REDACTED]', accept: 'json' } }
 * ```
 */
export function redactValue(value: unknown, extra?: readonly string[]): unknown {
  try {
    return copy(value, 0, new Set(), { limits: FULL, extra });
  } catch {
    return '[unserializable]';
  }
}

// ---------------------------------------------------------------------------------------------
// Errors, compactly
// ---------------------------------------------------------------------------------------------

/** The compact fields of one error (one link of a `cause` chain). */
export interface ErrorFields {
  type: string;
  message: string;
  code?: string | number;
  status?: number;
  method?: string;
  url?: string;
  /** The JSON-RPC method of a failed RPC call (viem `body.method`, ethers `payload.method`). */
  rpcMethod?: string;
  /** The API's error payload: Binance `{ code, msg }`, Bybit `{ retCode, retMsg }`, JSON-RPC `{ code, message }`. */
  body?: Record<string, unknown>;
}

/**
 * Clients whose errors are fully described by the compact fields: their request configs, sockets
 * and timings are dropped. Recognised by shape, never by importing them. Sources:
 * `shared/reference/errors.md` §3-4 and the clients' own error classes.
 */
const KNOWN_CLIENTS: readonly { client: string; test: (e: object) => boolean }[] = [
  // axios: AxiosError.isAxiosError (lib/core/AxiosError.js)
  { client: 'axios', test: (e) => safeGet(e, 'isAxiosError') === true },
  // got: RequestError and subclasses carry `options` and `timings` (source/core/errors.ts)
  { client: 'got', test: (e) => safeGet(e, 'options') !== undefined && 'timings' in e },
  // undici: every error has a UND_ERR_* code (lib/core/errors.js)
  { client: 'undici', test: (e) => /^UND_ERR/.test(safeString(safeGet(e, 'code'))) },
  // fetch: TypeError('fetch failed') with the reason as cause (undici lib/web/fetch/index.js)
  {
    client: 'fetch',
    test: (e) => safeGet(e, 'name') === 'TypeError' && safeGet(e, 'message') === 'fetch failed',
  },
  // AbortSignal.timeout(): DOMException TimeoutError / AbortError
  { client: 'fetch', test: (e) => tagOf(e) === 'DOMException' },
  // ethers v6: makeError sets `shortMessage` and a string `code` (utils/errors.ts)
  {
    client: 'ethers',
    test: (e) =>
      typeof safeGet(e, 'shortMessage') === 'string' &&
      /version=6/.test(safeString(safeGet(e, 'message'))),
  },
  // viem: BaseError sets `version` and `shortMessage` (errors/base.ts)
  {
    client: 'viem',
    test: (e) =>
      typeof safeGet(e, 'shortMessage') === 'string' && safeGet(e, 'version') !== undefined,
  },
  // ccxt: every error extends BaseError (js/src/base/errors.js)
  {
    client: 'ccxt',
    test: (e) => {
      const names = prototypeNames(e);
      return (
        names.includes('BaseError') &&
        (names.includes('ExchangeError') ||
          names.includes('NetworkError') ||
          names.includes('OperationFailed'))
      );
    },
  },
  // binance (npm): a plain object { code, message, body, headers, requestUrl, requestOptions }
  { client: 'binance', test: (e) => 'requestUrl' in e && 'requestOptions' in e },
  // Node system errors: `syscall` and an E* code (ECONNRESET, ECONNREFUSED, …)
  { client: 'node', test: (e) => typeof safeGet(e, 'syscall') === 'string' },
  { client: 'node', test: (e) => /^(?:E[A-Z]+|ERR_[A-Z_]+)$/.test(safeString(safeGet(e, 'code'))) },
];

function knownClient(e: object): string | undefined {
  for (const { client, test } of KNOWN_CLIENTS) {
    try {
      if (test(e)) return client;
    } catch {
      // A hostile value is simply not a known client error.
    }
  }
  return undefined;
}

const MAX_MESSAGE = 300;
const MAX_URL = 256;
const MAX_FIELD = 160;

const path = (value: unknown, ...keys: string[]) =>
  keys.reduce<unknown>((v, key) => safeGet(v, key), value);

function firstNumber(...values: unknown[]): number | undefined {
  for (const v of values) {
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
    // ethers info.responseStatus: "503 Service Unavailable"
    if (typeof v === 'string' && /^\d{3}\b/.test(v)) return Number(v.slice(0, 3));
  }
  return undefined;
}

function firstString(...values: unknown[]): string | undefined {
  for (const v of values) {
    if (typeof v === 'string' && v !== '') return v;
    if (v instanceof URL) return v.href;
  }
  return undefined;
}

/** `{ code, msg }` and its peers out of an API error body (object or JSON text). */
function payloadOf(value: unknown, extra: readonly string[] | undefined) {
  let body = value;
  if (typeof body === 'string') {
    if (body.length > 4096 || !/^\s*\{/.test(body)) return undefined;
    try {
      body = JSON.parse(body) as unknown;
    } catch {
      return undefined;
    }
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const out: Record<string, unknown> = {};
  // Binance/OKX/MEXC { code, msg }, Bybit { retCode, retMsg }, JSON-RPC { code, message },
  // Kraken { error: [...] }.
  for (const key of ['code', 'msg', 'message', 'retCode', 'retMsg', 'error'] as const) {
    let v = safeGet(body, key);
    if (key === 'error' && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const inner = payloadOf(v, extra);
      if (inner !== undefined) out.error = inner;
      continue;
    }
    if (Array.isArray(v))
      v = v
        .slice(0, 3)
        .map((x) => safeString(x))
        .join('; ');
    if (typeof v === 'string') out[key] = cap(redactText(v, extra), MAX_FIELD);
    else if (typeof v === 'number') out[key] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function typeOf(e: object): string {
  const name = safeGet(e, 'name');
  const ctor = prototypeNames(e)[0];
  // axios' AxiosError.from() copies the wrapped error's own `name: 'Error'`.
  if (name === 'Error' && ctor !== undefined && ctor !== 'Object') return ctor;
  if (typeof name === 'string' && name !== '') return cap(name, 80);
  return ctor === undefined || ctor === 'Object' ? 'Error' : ctor;
}

/** The message of one link: viem and ethers keep a one-line `shortMessage` next to a long one. */
function messageOf(e: object): string {
  const short = safeGet(e, 'shortMessage');
  if (typeof short === 'string' && short !== '') {
    const details = safeGet(e, 'details');
    return typeof details === 'string' && details !== '' && !short.includes(details)
      ? `${short} ${details}`
      : short;
  }
  const message = safeGet(e, 'message');
  if (typeof message === 'string') return message;
  return safeString(safeGet(e, 'msg'));
}

/**
 * The compact fields of one error, without its `cause` chain. Never throws.
 *
 * @example
 * ```ts
 * errorFields(axiosError); // { type: 'AxiosError', message: '…', code: 'ERR_BAD_RESPONSE', status: 503, method: 'GET', url: '…' }
 * ```
 */
export function errorFields(e: object, extra?: readonly string[]): ErrorFields {
  const out: ErrorFields = {
    type: typeOf(e),
    message: cap(redactText(messageOf(e), extra), MAX_MESSAGE),
  };
  const code = safeGet(e, 'code');
  if (typeof code === 'string') out.code = cap(code, 64);
  else if (typeof code === 'number' && Number.isFinite(code)) out.code = code;
  const config = safeGet(e, 'config'); // axios
  const options = safeGet(e, 'options'); // got
  const response = safeGet(e, 'response');
  const request = safeGet(e, 'request'); // ethers FetchRequest, Fetch Request
  const status = firstNumber(
    safeGet(e, 'status'),
    safeGet(e, 'statusCode'),
    safeGet(response, 'status'),
    safeGet(response, 'statusCode'),
    path(e, 'info', 'responseStatus'), // ethers
    path(e, '$metadata', 'httpStatusCode'), // AWS SDK v3
  );
  if (status !== undefined) out.status = status;
  const method = firstString(
    safeGet(config, 'method'),
    safeGet(options, 'method'),
    tagOf(request) === 'FetchRequest' || tagOf(request) === 'Request'
      ? safeGet(request, 'method')
      : undefined,
    tagOf(e) === 'Request' ? safeGet(e, 'method') : undefined,
  );
  if (method !== undefined) out.method = cap(method.toUpperCase(), 16);
  const axiosUrl = safeGet(config, 'url');
  const base = safeGet(config, 'baseURL');
  const url = firstString(
    typeof axiosUrl === 'string' && typeof base === 'string' && !/^[a-z]+:\/\//i.test(axiosUrl)
      ? `${base.replace(/\/+$/, '')}/${axiosUrl.replace(/^\/+/, '')}`
      : axiosUrl,
    safeGet(options, 'url'),
    safeGet(e, 'requestUrl'), // binance (npm)
    path(e, 'info', 'requestUrl'), // ethers
    safeGet(e, 'url'), // viem, fetch Response
    safeGet(request, 'url'),
    safeGet(response, 'url'),
  );
  if (url !== undefined) out.url = cap(redactText(url, extra), MAX_URL);
  const rpcMethod = firstString(path(e, 'body', 'method'), path(e, 'payload', 'method'));
  if (rpcMethod !== undefined && /^[\w.]{1,64}$/.test(rpcMethod)) out.rpcMethod = rpcMethod;
  const body =
    payloadOf(safeGet(response, 'data'), extra) ?? // axios
    payloadOf(safeGet(response, 'body'), extra) ?? // got
    payloadOf(safeGet(e, 'body'), extra) ?? // binance (npm), viem
    payloadOf(path(e, 'info', 'responseBody'), extra) ?? // ethers
    payloadOf(safeGet(e, 'error'), extra); // ethers JSON-RPC errors
  if (body !== undefined) out.body = body;
  return out;
}

/** Fields of a link that are not known client fields: copied small for unknown error types. */
const SKIPPED = new Set(['name', 'message', 'stack', 'cause', 'errors', 'shortMessage']);

/** Frames kept from the stack of an unrecognised error. */
const STACK_FRAMES = 5;

function shortStack(e: object, extra: readonly string[] | undefined): string | undefined {
  const stack = safeGet(e, 'stack');
  if (typeof stack !== 'string') return undefined;
  const lines = stack.split('\n');
  const firstFrame = lines.findIndex((line) => /^\s+at /.test(line));
  const head = firstFrame === -1 ? lines : lines.slice(firstFrame, firstFrame + STACK_FRAMES);
  return cap(redactText(head.map((l) => l.trim()).join('\n'), extra), 1024);
}

function serializeChain(
  chain: readonly unknown[],
  extra: readonly string[] | undefined,
  seen: Set<object> = new Set(),
  depth = 0,
) {
  // A null prototype: pino's error serializer then keeps our `type` instead of naming the copy
  // after its constructor (`Object`).
  const out = Object.create(null) as Record<string, unknown>;
  const links = chain.filter((c): c is object => c !== null && typeof c === 'object');
  const top = links[0];
  if (top === undefined) return out;
  const fields = links.map((link) => errorFields(link, extra));
  const first = fields[0]!;
  out.type = first.type;
  // Messages along the chain, each once: axios' "socket hang up" wraps Node's "socket hang up".
  const messages: string[] = [];
  for (const { message } of fields) {
    if (message !== '' && !messages.some((m) => m.includes(message))) messages.push(message);
  }
  if (messages.length > 0 || isErrorLike(top)) out.message = cap(messages.join(': '), MAX_MESSAGE);
  if (first.code !== undefined) out.code = first.code;
  for (const key of ['status', 'method', 'url', 'rpcMethod', 'body'] as const) {
    const found = fields.find((f) => f[key] !== undefined)?.[key];
    if (found !== undefined) out[key] = found;
  }
  const causeCodes: (string | number)[] = [];
  for (const f of fields.slice(1)) {
    const code = f.code ?? (f.type === 'Error' || f.type === 'Object' ? undefined : f.type);
    if (code !== undefined && code !== causeCodes[causeCodes.length - 1]) causeCodes.push(code);
  }
  if (causeCodes.length > 0) out.causeCodes = causeCodes;
  if (knownClient(top) === undefined) {
    if (isErrorLike(top)) {
      const stack = shortStack(top, extra);
      if (stack !== undefined) out.stack = stack;
    }
    const ctx: Ctx = { limits: SMALL, extra };
    const added = links.filter((link) => !seen.has(link));
    for (const link of added) seen.add(link);
    try {
      for (const key of safeKeys(top)) {
        if (key in out || SKIPPED.has(key) || key === 'msg') continue;
        const item = safeGet(top, key);
        if (item === undefined) continue;
        out[key] =
          isSecretName(key) && isPresent(item) ? REDACTED : copy(item, depth + 1, seen, ctx);
      }
    } finally {
      for (const link of added) seen.delete(link);
    }
    const errors = safeGet(top, 'errors');
    if (Array.isArray(errors) && depth < SMALL.depth) {
      out.errors = errors
        .slice(0, 5)
        .map((inner) =>
          inner !== null && typeof inner === 'object' && !seen.has(inner)
            ? serializeChain(causeChain(inner), extra, seen, depth + 1)
            : copy(inner, depth + 1, seen, { limits: SMALL, extra }),
        );
    }
  }
  return out;
}

/**
 * Turns any thrown value into a compact, JSON-safe, redacted object for a log line: `type`,
 * `message` (the messages along the `cause` chain, each once), `code`, `status`, `method`, `url`
 * (redacted), `rpcMethod`, the API's error `body` (`{ code, msg }`) and the codes along the cause
 * chain (`causeCodes`). A known client's error (axios, got, undici, fetch, ethers, viem, ccxt,
 * the binance client, Node's system errors) is reduced to these; any other error also keeps a
 * short stack and its own fields, small and redacted. Never throws, whatever it is given.
 *
 * @example
 * ```ts
 * logger.warn({ err: serializeError(err) }, 'request failed');
 * // err: { type: 'AxiosError', message: 'Request failed with status code 503', code: 'ERR_BAD_RESPONSE',
 * //        status: 503, method: 'GET', url: 'https://api.binance.com/api/v3/order?…&signature=[REDACTED]' }
 * ```
 */
export function serializeError(value: unknown, extra?: readonly string[]): unknown {
  try {
    if (
      value === null ||
      typeof value !== 'object' ||
      (!isErrorLike(value) && !looksLikeError(value))
    ) {
      return copy(value, 0, new Set(), { limits: FULL, extra });
    }
    return serializeChain(causeChain(value), extra);
  } catch {
    return '[unserializable]';
  }
}

/** A thrown plain object that is an error in all but class (the binance client's `{ code, message }`). */
function looksLikeError(value: object): boolean {
  return (
    typeof safeGet(value, 'message') === 'string' &&
    (safeGet(value, 'code') !== undefined || 'requestUrl' in value || 'stack' in value)
  );
}

/**
 * A one-line, redacted description of a thrown value (`Name [code]: message`), for alerts and
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
