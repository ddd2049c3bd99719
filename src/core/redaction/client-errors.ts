import { prototypeNames, safeGet, safeString, tagOf } from './safe-read.js';
import { cut, redactText } from './text.js';
import { lazy } from '../lazy.js';

/**
 * Where each HTTP, exchange and RPC client puts the facts of a failure: one table row per client,
 * naming the fields that give the method, URL, status, code, message, response headers and the
 * API's error body. Clients are recognised by shape, never imported. An error of a listed client
 * is fully described by these fields (its request config, sockets and timings are dropped); any
 * other error is read through the generic row.
 *
 * Sources, cited by key in the rows:
 * - [ERRORS] `shared/reference/errors.md` §3-4, and each client's own error class named in its row
 * - [OKXAPI] `shared/reference/venues.md` §4: okx-api `RestClient` rejects with the raw body
 *   `{ code, msg, data }`, or with the axios error when no response came
 * - [BYAPI] `shared/reference/venues.md` §5: bybit-api `RestClientV5` rejects a non-2xx response
 *   with `{ code: <HTTP status>, message, body, headers, requestOptions }` (`requestOptions` holds
 *   the key and secret) and resolves, or with `throwExceptions` rejects, `{ retCode, retMsg, … }`
 */

/**
 * Where a field is read: dotted paths tried in turn (`'response.status|response.statusCode'`;
 * the empty path is the value itself), or a reader for a field built from several.
 */
type Read = string | ((e: object) => unknown);

/** One client's failure shape. */
export interface ClientErrorShape {
  /** The client, as its users know it. */
  readonly client: string;
  /** True when a thrown (or returned) value has this client's shape. */
  readonly is: (e: object) => boolean;
  readonly method?: Read;
  readonly url?: Read;
  readonly status?: Read;
  readonly code?: Read;
  readonly message?: Read;
  /** The response headers (the request's hold the credentials and are never read). */
  readonly headers?: Read;
  /** The API's error payload (`{ code, msg }`, `{ retCode, retMsg }`, JSON-RPC `{ code, message }`). */
  readonly body?: Read;
  /** The JSON-RPC method of a failed RPC call. */
  readonly rpcMethod?: Read;
}

/** viem and ethers keep a one-line `shortMessage` (and viem its `details`) next to a long one. */
function shortMessage(e: object): string | undefined {
  const short = safeGet(e, 'shortMessage');
  if (typeof short !== 'string' || short === '') return undefined;
  const details = safeGet(e, 'details');
  return typeof details === 'string' && details !== '' && !short.includes(details)
    ? `${short} ${details}`
    : short;
}

/** The method of an ethers `FetchRequest` or a fetch `Request`, on the error or as the error. */
function fetchRequestMethod(e: object): unknown {
  const request = tagOf(e) === 'Request' ? e : safeGet(e, 'request');
  const tag = tagOf(request);
  return tag === 'FetchRequest' || tag === 'Request' ? safeGet(request, 'method') : undefined;
}

/** axios keeps a relative `url` and its `baseURL` apart. */
function axiosUrl(e: object): unknown {
  const url = read(e, 'config.url');
  const base = read(e, 'config.baseURL');
  return typeof url === 'string' && typeof base === 'string' && !/^[a-z]+:\/\//i.test(url)
    ? `${base.replace(/\/+$/, '')}/${url.replace(/^\/+/, '')}`
    : url;
}

const has = (e: object, key: string) => key in e;
const isCcxt = (e: object) => {
  const names = prototypeNames(e);
  return (
    names.includes('BaseError') &&
    (names.includes('ExchangeError') ||
      names.includes('NetworkError') ||
      names.includes('OperationFailed'))
  );
};

/**
 * Any other error, and the clients whose errors carry no fields of their own: the places
 * hand-built and lesser-known errors put these facts (axios-like
 * `response`, AWS SDK v3 `$metadata.httpStatusCode`, Kraken's `error`).
 */
const GENERIC: Omit<ClientErrorShape, 'client' | 'is'> = {
  method: (e) => read(e, 'config.method|options.method') ?? fetchRequestMethod(e),
  url: (e) =>
    axiosUrl(e) ?? read(e, 'options.url|requestUrl|info.requestUrl|url|request.url|response.url'),
  status:
    'status|statusCode|response.status|response.statusCode|info.responseStatus|$metadata.httpStatusCode',
  headers: 'response.headers|headers',
  body: 'response.data|response.body|body|info.responseBody|error',
  rpcMethod: 'body.method|payload.method',
};

/**
 * The known clients, most specific first: okx-api and binance reject axios errors too. Built
 * when the first error is printed, not at import.
 */
const clientErrors = /* @__PURE__ */ lazy((): readonly ClientErrorShape[] => [
  // [ERRORS] axios: AxiosError.isAxiosError (lib/core/AxiosError.js)
  {
    client: 'axios',
    is: (e) => safeGet(e, 'isAxiosError') === true,
    method: 'config.method',
    url: axiosUrl,
    status: 'status|response.status',
    headers: 'response.headers',
    body: 'response.data',
  },
  // [ERRORS] got: RequestError and subclasses carry `options` and `timings` (source/core/errors.ts)
  {
    client: 'got',
    is: (e) => safeGet(e, 'options') !== undefined && has(e, 'timings'),
    method: 'options.method',
    url: 'options.url',
    status: 'response.statusCode',
    headers: 'response.headers',
    body: 'response.body',
  },
  // [ERRORS] undici: every error has a UND_ERR_* code (lib/core/errors.js); ResponseError keeps
  // `statusCode`, `headers` and `body`
  {
    client: 'undici',
    is: (e) => /^UND_ERR/.test(safeString(safeGet(e, 'code'))),
    status: 'statusCode',
    headers: 'headers',
    body: 'body',
  },
  {
    client: 'fetch',
    is: (e) =>
      // [ERRORS] fetch: TypeError('fetch failed') with the reason as cause (undici lib/web/fetch)
      (safeGet(e, 'name') === 'TypeError' && safeGet(e, 'message') === 'fetch failed') ||
      // [ERRORS] AbortSignal.timeout() and abort(): DOMException TimeoutError / AbortError
      tagOf(e) === 'DOMException',
    ...GENERIC,
  },
  // A fetch `Response` (or `Request`) returned or thrown as the failure
  {
    client: 'fetch',
    is: (e) => tagOf(e) === 'Response' || tagOf(e) === 'Request',
    method: 'method',
    url: 'url',
    status: 'status',
    headers: 'headers',
  },
  // [ERRORS] ethers v6: makeError sets `shortMessage` and a string `code` (utils/errors.ts)
  {
    client: 'ethers',
    is: (e) =>
      typeof safeGet(e, 'shortMessage') === 'string' &&
      /version=6/.test(safeString(safeGet(e, 'message'))),
    method: fetchRequestMethod,
    url: 'info.requestUrl|request.url',
    status: 'info.responseStatus|response.statusCode',
    body: 'info.responseBody|error',
    rpcMethod: 'payload.method',
  },
  // [ERRORS] viem: BaseError sets `version` and `shortMessage` (errors/base.ts); HttpRequestError
  // keeps `url`, `status` and the request `body`
  {
    client: 'viem',
    is: (e) =>
      typeof safeGet(e, 'shortMessage') === 'string' && safeGet(e, 'version') !== undefined,
    url: 'url',
    status: 'status',
    headers: 'headers',
    body: 'body',
    rpcMethod: 'body.method',
  },
  // [ERRORS] ccxt: every error extends BaseError (js/src/base/errors.js); the URL is in the message
  { client: 'ccxt', is: isCcxt, ...GENERIC },
  // [ERRORS] binance (npm): a plain object { code, message, body, headers, requestUrl, requestOptions }
  {
    client: 'binance',
    is: (e) => has(e, 'requestUrl') && has(e, 'requestOptions'),
    url: 'requestUrl',
    headers: 'headers',
    body: 'body',
  },
  // [BYAPI] bybit-api, a non-2xx response: `code` is the HTTP status
  {
    client: 'bybit-api',
    is: (e) => has(e, 'requestOptions') && has(e, 'body') && typeof safeGet(e, 'code') === 'number',
    status: 'code',
    code: () => undefined,
    headers: 'headers',
    body: 'body',
  },
  // [BYAPI] bybit-api, an answer with a non-zero retCode (resolved, or thrown with throwExceptions)
  {
    client: 'bybit-api',
    is: (e) =>
      typeof safeGet(e, 'retCode') === 'number' && typeof safeGet(e, 'retMsg') === 'string',
    code: 'retCode',
    message: 'retMsg',
    body: '',
  },
  // [OKXAPI] okx-api: the raw body of a rejected answer
  {
    client: 'okx-api',
    is: (e) =>
      typeof safeGet(e, 'code') === 'string' &&
      typeof safeGet(e, 'msg') === 'string' &&
      has(e, 'data'),
    body: '',
  },
  // [ERRORS] Node system errors: `syscall` and an E* code (ECONNRESET, ECONNREFUSED, …)
  {
    client: 'node',
    is: (e) =>
      typeof safeGet(e, 'syscall') === 'string' ||
      /^(?:E[A-Z]+|ERR_[A-Z_]+)$/.test(safeString(safeGet(e, 'code'))),
    ...GENERIC,
  },
]);

/** What every row reads unless it says otherwise. */
const DEFAULTS: Omit<ClientErrorShape, 'client' | 'is'> = {
  code: 'code',
  message: (e) => shortMessage(e) ?? read(e, 'message|msg'),
};

function readPath(e: unknown, path: string): unknown {
  if (path === '') return e;
  let v = e;
  for (const key of path.split('.')) v = safeGet(v, key);
  return v;
}

/** The first value along a {@link Read} that `accept` takes (converted by it). */
function pick<T>(e: object, how: Read | undefined, accept: (v: unknown) => T | undefined) {
  if (how === undefined) return undefined;
  try {
    if (typeof how === 'function') return accept(how(e));
    for (const path of how.split('|')) {
      const v = accept(readPath(e, path));
      if (v !== undefined) return v;
    }
  } catch {
    // A reader that met a hostile value found nothing.
  }
  return undefined;
}

const present = (v: unknown) => (v === undefined || v === null || v === '' ? undefined : v);

/** The first present value along a {@link Read}. */
const read = (e: object, how: Read) => pick(e, how, present);

/**
 * The known client whose failure shape `e` has, or undefined. Never throws.
 *
 * @example
 * ```ts
 * clientOf(axiosError)?.client; // 'axios'
 * ```
 */
export function clientOf(e: object): ClientErrorShape | undefined {
  for (const shape of clientErrors()) {
    try {
      if (shape.is(e)) return shape;
    } catch {
      // A hostile value is simply not a known client's error.
    }
  }
  return undefined;
}

/** The compact fields of one error (one link of a `cause` chain). */
export interface ErrorFields {
  /** The error's `name` (its class when the name is just `Error`); `typeof` for a non-object. */
  type: string;
  /** The error's message, at most 300 characters. */
  message: string;
  /** The error's own `code` (`ERR_BAD_RESPONSE`, `ECONNRESET`, the binance client's `-2015`). */
  code?: string | number;
  /** The HTTP status, from the error or anywhere down its `cause` chain. */
  status?: number;
  /** The HTTP method of the failed request. */
  method?: string;
  /** The request URL, redacted, at most 256 characters. */
  url?: string;
  /** The JSON-RPC method of a failed RPC call (viem `body.method`, ethers `payload.method`). */
  rpcMethod?: string;
  /** The API's error payload: Binance `{ code, msg }`, Bybit `{ retCode, retMsg }`, JSON-RPC `{ code, message }`. */
  body?: Record<string, unknown>;
  /** The server's `Retry-After` header, as sent. */
  retryAfter?: string;
}

/** Longest message printed. */
export const MAX_MESSAGE = 300;
const MAX_URL = 256;
const MAX_FIELD = 160;

function asStatus(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  // ethers info.responseStatus: "503 Service Unavailable"
  if (typeof v === 'string' && /^\d{3}\b/.test(v)) return Number(v.slice(0, 3));
  return undefined;
}

function asCode(v: unknown): string | number | undefined {
  if (typeof v === 'string') return cut(v, 64);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function asText(v: unknown): string | undefined {
  if (typeof v === 'string' && v !== '') return v;
  if (v instanceof URL) return v.href;
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
    if (Array.isArray(v)) {
      v = v
        .slice(0, 3)
        .map((x) => safeString(x))
        .join('; ');
    }
    if (typeof v === 'string') out[key] = cut(redactText(v, extra), MAX_FIELD);
    else if (typeof v === 'number') out[key] = v;
    else if (key === 'error') {
      // An error object nested in the body (JSON-RPC over HTTP), read the same way.
      const inner = payloadOf(v, extra);
      if (inner !== undefined) out.error = inner;
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** `Retry-After` from a `Headers`, an `AxiosHeaders` or a plain object. */
function retryAfterOf(headers: unknown): string | undefined {
  const get = safeGet(headers, 'get');
  let v: unknown;
  if (typeof get === 'function') {
    try {
      v = (get as (name: string) => unknown).call(headers, 'retry-after');
    } catch {
      // A throwing get() reads nothing; the plain keys are tried next.
    }
  }
  v ??= safeGet(headers, 'retry-after') ?? safeGet(headers, 'Retry-After');
  if (typeof v === 'number') v = String(v);
  return typeof v === 'string' && /^[\w ,:+-]{1,40}$/.test(v) ? v : undefined;
}

/**
 * Sets a field that has a value: an absent field is left out, not set to undefined.
 *
 * @example
 * ```ts
 * setDefined(out, 'status', pick(e, shape.status, asStatus));
 * ```
 */
export function setDefined<T extends object, K extends keyof T>(
  out: T,
  key: K,
  value: T[K] | undefined,
): void {
  if (value !== undefined) out[key] = value;
}

/** The error's class: axios' AxiosError.from() copies the wrapped error's own `name: 'Error'`. */
function typeOf(e: object): string {
  const name = safeGet(e, 'name');
  const ctor = prototypeNames(e)[0];
  // A plain object's constructor names no class.
  const cls = ctor === 'Object' ? undefined : ctor;
  if (name === 'Error' && cls !== undefined) return cls;
  if (typeof name === 'string' && name !== '') return cut(name, 80);
  return cls ?? 'Error';
}

/**
 * The compact fields of one error, without its `cause` chain, read through its client's row of
 * {@link clientErrors} (or the generic one). Never throws.
 *
 * @example
 * ```ts
 * errorFields(axiosError); // { type: 'AxiosError', message: '…', code: 'ERR_BAD_RESPONSE', status: 503, method: 'GET', url: '…' }
 * ```
 */
export function errorFields(e: object, extra?: readonly string[]): ErrorFields {
  const shape = { ...DEFAULTS, ...(clientOf(e) ?? GENERIC) };
  const out: ErrorFields = {
    type: typeOf(e),
    message: cut(redactText(pick(e, shape.message, asText) ?? '', extra), MAX_MESSAGE),
  };
  setDefined(out, 'code', pick(e, shape.code, asCode));
  setDefined(out, 'status', pick(e, shape.status, asStatus));
  const method = pick(e, shape.method, asText);
  if (method !== undefined) out.method = cut(method.toUpperCase(), 16);
  const url = pick(e, shape.url, asText);
  if (url !== undefined) out.url = cut(redactText(url, extra), MAX_URL);
  setDefined(
    out,
    'rpcMethod',
    pick(e, shape.rpcMethod, (v) =>
      typeof v === 'string' && /^[\w.]{1,64}$/.test(v) ? v : undefined,
    ),
  );
  setDefined(
    out,
    'body',
    pick(e, shape.body, (v) => payloadOf(v, extra)),
  );
  setDefined(out, 'retryAfter', pick(e, shape.headers, retryAfterOf));
  return out;
}
