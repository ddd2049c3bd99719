import { parseRetryAfter } from '../transport/retry-after.js';
import { causeChain, stringField } from '../core/redaction/safe-read.js';
import { safeGet } from '../core/redaction/redact.js';
import { isFetchResponse, responseBodyText } from '../core/response-body.js';
import { isBinanceCode, type BinanceProduct } from './codes.js';
import { headerValue } from './headers.js';

/**
 * Normalises every shape in which JS clients carry a Binance error:
 *
 * - `binance` (npm, sieblyio): a plain object, not an `Error`, with `code`, `message` (Binance's
 *   `msg`), `body`, `headers`, `requestUrl` and no HTTP status [TS] `BaseRestClient.parseException`;
 * - its WebSocket API client: the raw frame `{ wsKey, id, status, error: { code, msg }, rateLimits }`;
 * - axios errors (`@binance/connector`, hand-written clients): `response.{status, headers, data: { code, msg }}`;
 * - `{ code, msg }` payloads, thrown or returned (batch endpoints return them per item);
 * - `@binance/common` errors (`BadRequestError`, `TooManyRequestsError`, `RateLimitBanError`,
 *   `ServerError` with `statusCode`, …) and its WebSocket rejections `{ code, msg, data }` [BC];
 * - fetch-based clients: an `Error` with `code` and `url`, or with `response` (a fetch `Response`)
 *   and the body text; a `Response` itself; got's `response.{statusCode, body}`.
 *
 * WebSocket `error.data.retryAfter` is an epoch-ms timestamp, not seconds [BSD web-socket-api.md].
 */

/** A Binance error in one shape, whatever client produced it. */
export interface BinanceErrorInfo {
  /** Binance's numeric error code (`-2010`), when the body carried one. */
  code: number | undefined;
  /** Binance's `msg`, when the body carried one. */
  msg: string | undefined;
  /** The HTTP (or WS API) status, when the error carries it or its class or body names it. */
  status: number | undefined;
  /** Milliseconds to wait, from Retry-After, the WS `retryAfter` timestamp or "banned until". */
  retryAfterMs: number | undefined;
  /** Which API the request went to, when the URL or WS connection says so. */
  product: BinanceProduct | undefined;
}

/** What the classifier needs beyond the public fields. */
export interface ParsedBinanceError extends BinanceErrorInfo {
  /** Response headers, for the weight tracker. */
  headers: unknown;
  /** A non-JSON body's text (an HTML or plain-text 5xx page), for message matching. */
  text: string | undefined;
  /** Whether the value is a failure shape (an HTTP error response, a WS error frame). */
  httpError: boolean;
}

/** `@binance/common` error classes that stand for one status [BC]. */
const STATUS_BY_CLASS: ReadonlyMap<string, number> = new Map([
  ['BadRequestError', 400],
  ['UnauthorizedError', 401],
  ['ForbiddenError', 403],
  ['NotFoundError', 404],
  ['RateLimitBanError', 418],
  ['TooManyRequestsError', 429],
]);

/** `-1003` "… IP banned until 1659146400000 …" [BSD errors.md]. */
const BANNED_UNTIL = /banned until (\d{10,16})/i;
const MAX_TEXT = 2000;

const isObject = (value: unknown): value is object =>
  value !== null && (typeof value === 'object' || typeof value === 'function');

/** An integer code: a number, or a string such as `"-2010"`. */
function codeOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  if (typeof value === 'string' && /^-?\d{1,9}$/.test(value)) return Number(value);
  return undefined;
}

/** An HTTP status: an integer number in [100, 599]. */
function statusOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599
    ? value
    : undefined;
}

function urlText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof URL !== 'undefined' && value instanceof URL) return value.href;
  return undefined;
}

/** `/fapi/` (and COIN-M `/dapi/`) is futures, `/sapi/` is sapi, `/api/` is spot. */
function productFromUrl(url: string | undefined): BinanceProduct | undefined {
  if (url === undefined) return undefined;
  if (/\/[fd]api\//.test(url)) return 'futures';
  if (/\/sapi\//.test(url)) return 'sapi';
  if (/\/api\//.test(url)) return 'spot';
  return undefined;
}

/** The `binance` WS client's connection keys: `usdmWSAPI`, `coinmWSAPI`, `mainWSAPI`… [TS]. */
function productFromWsKey(key: unknown): BinanceProduct | undefined {
  if (typeof key !== 'string') return undefined;
  if (/^(?:usdm|coinm)/i.test(key)) return 'futures';
  if (/^main/i.test(key)) return 'spot';
  return undefined;
}

/** A JSON body: the object itself, or a string holding one. */
function jsonBody(body: unknown): object | undefined {
  if (isObject(body)) return body;
  if (typeof body === 'string' && body.length <= 64 * 1024) {
    const trimmed = body.trimStart();
    if (trimmed.startsWith('{')) {
      try {
        const parsed: unknown = JSON.parse(trimmed);
        if (isObject(parsed)) return parsed;
      } catch {
        // Not JSON after all: treated as text below.
      }
    }
  }
  return undefined;
}

/** A short, tag-free version of a text body, for message matching. */
function bodyText(body: unknown): string | undefined {
  if (typeof body !== 'string' || body.trim() === '') return undefined;
  const text = body
    .slice(0, MAX_TEXT)
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text === '' ? undefined : text;
}

/**
 * Status pages that carry no JSON name the status in their text (judgement): CloudFront/WAF block
 * pages (403), and ban pages (418). The `binance` client drops the HTTP status [TS], so this is
 * the only way to learn of a ban it reports.
 */
function statusFromText(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (/\b418\b/.test(text) && /teapot|banned|ban\b/i.test(text)) return 418;
  return /\b403\b/.test(text) && /forbidden|error|blocked/i.test(text) ? 403 : undefined;
}

interface Fields {
  code: number | undefined;
  msg: string | undefined;
  status: number | undefined;
  headers: unknown;
  url: string | undefined;
  product: BinanceProduct | undefined;
  /** epoch ms from a WS `data.retryAfter`. */
  retryAt: number | undefined;
  text: string | undefined;
  httpError: boolean;
}

function retryAtOf(data: unknown): number | undefined {
  const at = safeGet(data, 'retryAfter');
  return typeof at === 'number' && Number.isFinite(at) && at > 0 ? at : undefined;
}

/** `{ status, error: { code, msg, data } }`: a WebSocket API error frame. */
function fromWsFrame(value: object): Fields | undefined {
  const error = safeGet(value, 'error');
  if (!isObject(error)) return undefined;
  const code = codeOf(safeGet(error, 'code'));
  const msg = stringField(error, 'msg');
  if (code === undefined || !isBinanceCode(code) || msg === undefined) return undefined;
  return {
    code,
    msg,
    status: statusOf(safeGet(value, 'status')),
    headers: undefined,
    url: undefined,
    product: productFromWsKey(safeGet(value, 'wsKey')),
    retryAt: retryAtOf(safeGet(error, 'data')),
    text: undefined,
    httpError: true,
  };
}

/** An error carrying an HTTP response: axios, got, ky, fetch-based clients. */
function fromResponse(value: object): Fields | undefined {
  const response = safeGet(value, 'response');
  if (!isObject(response)) return undefined;
  const status = statusOf(safeGet(response, 'status')) ?? statusOf(safeGet(response, 'statusCode'));
  const rawBody =
    safeGet(response, 'data') ??
    safeGet(value, 'data') ??
    safeGet(value, 'responseText') ??
    safeGet(value, 'responseBody') ??
    (isFetchResponse(response) ? responseBodyText(response) : safeGet(response, 'body'));
  const body = jsonBody(rawBody);
  const code = body === undefined ? undefined : codeOf(safeGet(body, 'code'));
  const msg = body === undefined ? undefined : stringField(body, 'msg');
  if (status === undefined && (code === undefined || !isBinanceCode(code))) return undefined;
  const config = safeGet(value, 'config') ?? safeGet(response, 'config');
  const url =
    urlText(safeGet(config, 'url')) ??
    urlText(safeGet(response, 'url')) ??
    urlText(safeGet(response, 'requestUrl')) ??
    urlText(safeGet(value, 'url'));
  return {
    code: code !== undefined && isBinanceCode(code) ? code : undefined,
    msg,
    status,
    headers: safeGet(response, 'headers'),
    url,
    product: undefined,
    retryAt: body === undefined ? undefined : retryAtOf(safeGet(body, 'data')),
    text: body === undefined ? bodyText(rawBody) : undefined,
    httpError: status !== undefined && status >= 400,
  };
}

/**
 * The value itself: a `{ code, msg }` payload, the `binance` client's plain object, a
 * `@binance/common` error, a fetch `Response`, or any error with a Binance code or a status.
 */
function fromValue(value: object): Fields | undefined {
  if (isFetchResponse(value)) return fromFetchResponse(value);
  const rawCode = codeOf(safeGet(value, 'code'));
  const code = rawCode !== undefined && isBinanceCode(rawCode) ? rawCode : undefined;
  const name = stringField(value, 'name');
  const headers = safeGet(value, 'headers');
  const requestUrl = urlText(safeGet(value, 'requestUrl'));
  const rawBody = safeGet(value, 'body');
  // The `binance` client's thrown object: an HTTP error response with no status field [TS].
  const binanceClientShape = requestUrl !== undefined && isObject(headers);
  const body = binanceClientShape ? jsonBody(rawBody) : undefined;
  const status =
    statusOf(safeGet(value, 'status')) ??
    statusOf(safeGet(value, 'statusCode')) ??
    (name === undefined ? undefined : STATUS_BY_CLASS.get(name));
  if (code === undefined && status === undefined && !binanceClientShape) return undefined;
  const msg =
    stringField(value, 'msg') ??
    (body === undefined ? undefined : stringField(body, 'msg')) ??
    (code === undefined ? undefined : stringField(value, 'message'));
  const text = code === undefined && body === undefined ? bodyText(rawBody) : undefined;
  return {
    code,
    msg,
    status: status ?? (binanceClientShape && code === undefined ? statusFromText(text) : undefined),
    headers,
    url:
      requestUrl ??
      urlText(safeGet(value, 'url')) ??
      urlText(safeGet(safeGet(value, 'config'), 'url')),
    product: undefined,
    retryAt:
      retryAtOf(safeGet(value, 'data')) ??
      (body === undefined ? undefined : retryAtOf(safeGet(body, 'data'))),
    text,
    httpError: binanceClientShape || (status !== undefined && status >= 400),
  };
}

/**
 * A fetch `Response`: its status, and for an error status the body the engine read for
 * classification, so its code decides (a -1007 on HTTP 400 is unknown, not a 4xx rejection).
 */
function fromFetchResponse(response: Response): Fields | undefined {
  const status = statusOf(response.status);
  if (status === undefined) return undefined;
  const rawBody = status >= 400 ? responseBodyText(response) : undefined;
  const body = jsonBody(rawBody);
  const rawCode = body === undefined ? undefined : codeOf(safeGet(body, 'code'));
  const code = rawCode !== undefined && isBinanceCode(rawCode) ? rawCode : undefined;
  return {
    code,
    msg: body === undefined ? undefined : stringField(body, 'msg'),
    status,
    headers: response.headers,
    url: urlText(response.url),
    product: undefined,
    retryAt: body === undefined ? undefined : retryAtOf(safeGet(body, 'data')),
    text: body === undefined ? bodyText(rawBody) : undefined,
    httpError: status >= 400,
  };
}

/** A JSON string thrown or returned as is: `'{"code":-1121,"msg":"Invalid symbol."}'`. */
function fromString(value: string): Fields | undefined {
  const body = jsonBody(value);
  return body === undefined ? undefined : fromValue(body);
}

function fieldsOf(candidate: unknown): Fields | undefined {
  if (typeof candidate === 'string') return fromString(candidate);
  if (!isObject(candidate)) return undefined;
  return fromWsFrame(candidate) ?? fromResponse(candidate) ?? fromValue(candidate);
}

function retryAfterOf(fields: Fields, nowMs: number): number | undefined {
  let ms: number | undefined;
  const header = headerValue(fields.headers, 'retry-after');
  if (header !== undefined) ms = parseRetryAfter(header, nowMs);
  if (fields.retryAt !== undefined) ms = Math.max(ms ?? 0, fields.retryAt - nowMs, 0);
  const banned = fields.msg === undefined ? null : BANNED_UNTIL.exec(fields.msg);
  if (banned !== null) ms = Math.max(ms ?? 0, Number(banned[1]) - nowMs, 0);
  return ms;
}

/**
 * Like {@link parseBinanceError}, plus the headers and text body the classifier uses. Walks the
 * `cause` chain, so a Binance error wrapped in an application error is still found.
 *
 * @example
 * ```ts
 * readBinanceError(err, clock.now())?.headers; // the response headers, for the weight tracker
 * ```
 */
export function readBinanceError(value: unknown, nowMs: number): ParsedBinanceError | undefined {
  for (const candidate of causeChain(value)) {
    const fields = fieldsOf(candidate);
    if (fields === undefined) continue;
    return {
      code: fields.code,
      msg: fields.msg,
      status: fields.status,
      retryAfterMs: retryAfterOf(fields, nowMs),
      product: fields.product ?? productFromUrl(fields.url),
      headers: fields.headers,
      text: fields.text,
      httpError: fields.httpError,
    };
  }
  return undefined;
}

/**
 * Normalises a Binance error, in whatever shape a client carries it, to
 * `{ code, msg, status, retryAfterMs, product }`, or returns `undefined` when the value is not
 * one. `nowMs` (default `Date.now()`) turns the WebSocket `retryAfter` timestamp, the
 * "IP banned until <ms>" message and an HTTP-date Retry-After into a wait. Never throws.
 *
 * @example
 * ```ts
 * try {
 *   await client.submitNewOrder(order);
 * } catch (err) {
 *   const info = parseBinanceError(err);
 *   // { code: -2010, msg: 'Account has insufficient balance…', status: undefined,
 *   //   retryAfterMs: undefined, product: 'spot' }
 * }
 * ```
 */
export function parseBinanceError(
  value: unknown,
  nowMs: number = Date.now(),
): BinanceErrorInfo | undefined {
  try {
    const parsed = readBinanceError(value, Number.isFinite(nowMs) ? nowMs : Date.now());
    if (parsed === undefined) return undefined;
    const { code, msg, status, retryAfterMs, product } = parsed;
    return { code, msg, status, retryAfterMs, product };
  } catch {
    return undefined;
  }
}
