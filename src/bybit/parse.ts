import { isFetchResponse, responseBodyText } from '../core/response-body.js';
import { causeChain, numberField, stringField } from '../core/redaction/safe-read.js';
import { safeGet } from '../core/redaction/redact.js';
import { headerValue } from '../transport/headers.js';
import { asHttpStatus } from '../transport/status.js';
import type { UsageReading } from '../venue-limits/limits.js';

/**
 * Normalises every shape in which JS clients carry a Bybit v5 answer (reference/venues.md §5):
 *
 * - bybit-api `RestClientV5` (BYAPI `BaseRestClient`): with HTTP 200 it resolves the body
 *   `{ retCode, retMsg, result, retExtInfo, time }` even when `retCode ≠ 0` (default
 *   `throwExceptions: false`), or rejects with that body (`throwExceptions: true`); either may
 *   carry `rateLimitApi: { remainingRequests, maxRequests, resetAtTimestamp }`
 *   (`parseAPIRateLimits: true`). A non-2xx rejects with
 *   `{ code: <HTTP status>, message, body, headers, requestOptions }`;
 * - ccxt's `bybit`: an error whose message is `bybit <body>` (CCXT `handleErrors`) or
 *   `bybit <METHOD> <url> <status> <reason> <body>` (CCXT `handleHttpStatusCode`);
 * - axios and got: errors with `response`, and resolved responses (a Bybit error comes with 200);
 * - fetch: a `Response` (its body read by the engine, see `readsResponseBody`), or a thrown
 *   error carrying one as `response`.
 */

/** One item of a batch answer: `retExtInfo.list[i]`. */
export interface BybitBatchItem {
  code: number;
  msg: string | undefined;
}

/**
 * A Bybit answer in one shape, whatever client produced it.
 *
 * @example
 * ```ts
 * const info: BybitErrorInfo = { retCode: 10006, retMsg: 'Too many visits!', httpStatus: 200 };
 * ```
 */
export interface BybitErrorInfo {
  /** Bybit's `retCode` (0 is a success), when the body carried one. */
  retCode: number | undefined;
  /** Bybit's `retMsg`, when the body carried one. */
  retMsg: string | undefined;
  /** The HTTP status, when the carrier kept it. */
  httpStatus?: number;
  /** A batch answer's per-item codes (`retExtInfo.list`), in request order. */
  items?: BybitBatchItem[];
}

/** What the classifier and the tracker need beyond the public fields. */
export interface ParsedBybit extends BybitErrorInfo {
  headers: unknown;
  /** `X-Bapi-Limit*` headers or bybit-api's `rateLimitApi`, when present. */
  usage: UsageReading | undefined;
  /** The request path (`/v5/order/create`), when the carrier names the URL. */
  endpoint: string | undefined;
  /** The request method, when the carrier names it. */
  method: string | undefined;
}

const MAX_BODY_CHARS = 64 * 1024;

/** An object or function: something whose properties can be read. */
const isObject = (value: unknown): value is object =>
  value !== null && (typeof value === 'object' || typeof value === 'function');

/** A safe integer, as a number or a decimal string of up to 15 digits. */
function intOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === 'string' && /^-?\d{1,15}$/.test(value)) return Number(value);
  return undefined;
}

/** An HTTP status as a number or a numeric string (ccxt's message, bybit-api's `code`). */
function statusOf(value: unknown): number | undefined {
  return asHttpStatus(intOf(value));
}

/** A body: an object as it is, a JSON string parsed; anything else is undefined. */
function bodyOf(value: unknown): object | undefined {
  if (typeof value === 'string') {
    if (value.length > MAX_BODY_CHARS || !value.trimStart().startsWith('{')) return undefined;
    try {
      const parsed: unknown = JSON.parse(value);
      return isObject(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
  if (isObject(value) && !ArrayBuffer.isView(value)) return value;
  return undefined;
}

/** The path of a URL (string or `URL`), relative URLs included. */
function pathOf(url: unknown): string | undefined {
  let text: string | undefined;
  if (typeof url === 'string') text = url;
  else if (typeof URL !== 'undefined' && url instanceof URL) text = url.href;
  if (text === undefined || text === '') return undefined;
  try {
    return new URL(text, 'http://localhost').pathname;
  } catch {
    return undefined;
  }
}

/** A header's value as a finite number, or `undefined`. */
function headerNumber(headers: unknown, name: string): number | undefined {
  const text = headerValue(headers, name);
  const n = text === undefined || text.trim() === '' ? NaN : Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** BYDOCS rate-limit.mdx: `X-Bapi-Limit-Status` (remaining), `X-Bapi-Limit`, `X-Bapi-Limit-Reset-Timestamp`. */
function usageOf(headers: unknown, rateLimitApi: unknown): UsageReading | undefined {
  const reading: UsageReading = {};
  const remaining = headerNumber(headers, 'x-bapi-limit-status');
  const limit = headerNumber(headers, 'x-bapi-limit');
  const resetAtMs = headerNumber(headers, 'x-bapi-limit-reset-timestamp');
  if (remaining !== undefined) reading.remaining = remaining;
  if (limit !== undefined) reading.limit = limit;
  if (resetAtMs !== undefined) reading.resetAtMs = resetAtMs;
  // BYAPI `parseRateLimitHeaders`: the same three headers, as numbers.
  if (isObject(rateLimitApi)) {
    reading.remaining ??= numberField(rateLimitApi, 'remainingRequests');
    reading.limit ??= numberField(rateLimitApi, 'maxRequests');
    reading.resetAtMs ??= numberField(rateLimitApi, 'resetAtTimestamp');
  }
  for (const key of Object.keys(reading) as (keyof UsageReading)[]) {
    if (reading[key] === undefined) delete reading[key];
  }
  return Object.keys(reading).length > 0 ? reading : undefined;
}

/** BYDOCS batch-place.mdx: `retExtInfo.list[i] = { code, msg }`, parallel to `result.list`. */
function itemsOf(body: object): BybitBatchItem[] | undefined {
  const list = safeGet(safeGet(body, 'retExtInfo'), 'list');
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const items: BybitBatchItem[] = [];
  for (const entry of list.slice(0, 100)) {
    const code = intOf(safeGet(entry, 'code'));
    if (code === undefined) continue;
    const msg = safeGet(entry, 'msg');
    items.push({ code, msg: typeof msg === 'string' ? msg : undefined });
  }
  return items.length > 0 ? items : undefined;
}

/** A carrier's parts before they are read. */
interface Parts {
  body: unknown;
  status: number | undefined;
  headers: unknown;
  url: unknown;
  method: unknown;
  /** The carrier is Bybit's whatever its body (bybit-api's rejection, a ccxt bybit error). */
  bybit: boolean;
}

/** Reads one kind of carrier into parts, or `undefined` when the object is not that carrier. */
type CarrierReader = (candidate: object) => Parts | undefined;

/** A fetch `Response`: the body the engine read for classification, its status and headers. */
function fetchParts(response: Response): Parts {
  return {
    body: responseBodyText(response),
    status: response.status,
    headers: response.headers,
    url: safeGet(response, 'url'),
    method: undefined,
    bybit: false,
  };
}

/** A fetch `Response` returned by the attempt. */
function fromFetchResponse(candidate: object): Parts | undefined {
  return isFetchResponse(candidate) ? fetchParts(candidate) : undefined;
}

/** A plain Bybit body: bybit-api's resolved value or its `throwExceptions: true` rejection. */
function fromBybitBody(candidate: object): Parts | undefined {
  if (intOf(safeGet(candidate, 'retCode')) === undefined) return undefined;
  return {
    body: candidate,
    status: undefined,
    headers: undefined,
    url: undefined,
    method: undefined,
    bybit: true,
  };
}

/** An error carrying a response: fetch's `Response`, or axios' and got's response object. */
function fromErrorResponse(candidate: object): Parts | undefined {
  const response = safeGet(candidate, 'response');
  if (isFetchResponse(response)) return fetchParts(response);
  if (!isObject(response)) return undefined;
  // axios: response.{status, headers, data}, config.{url, method}; got: response.{statusCode,
  // headers, body}, options.{url, method}.
  const config = safeGet(candidate, 'config') ?? safeGet(response, 'config');
  const options = safeGet(candidate, 'options');
  return {
    body: safeGet(response, 'data') ?? safeGet(response, 'body'),
    status: statusOf(safeGet(response, 'status')) ?? statusOf(safeGet(response, 'statusCode')),
    headers: safeGet(response, 'headers'),
    url: safeGet(config, 'url') ?? safeGet(options, 'url') ?? safeGet(response, 'url'),
    method: safeGet(config, 'method') ?? safeGet(options, 'method'),
    bybit: false,
  };
}

/** BYAPI `parseException`: `{ code: <HTTP status>, message, body, headers, requestOptions }`. */
function fromBybitApiRejection(candidate: object): Parts | undefined {
  const status = statusOf(safeGet(candidate, 'code'));
  if (status === undefined || !('requestOptions' in candidate) || !('body' in candidate)) {
    return undefined;
  }
  return {
    body: safeGet(candidate, 'body'),
    status,
    headers: safeGet(candidate, 'headers'),
    url: undefined,
    method: undefined,
    bybit: true,
  };
}

/**
 * A resolved axios response (`{ status, headers, data, config }`) or got response
 * (`{ statusCode, headers, body }`): Bybit errors come with HTTP 200.
 */
function fromResolvedResponse(candidate: object): Parts | undefined {
  const data = safeGet(candidate, 'data');
  const status =
    statusOf(safeGet(candidate, 'status')) ?? statusOf(safeGet(candidate, 'statusCode'));
  if (status === undefined || !isObject(safeGet(candidate, 'headers'))) return undefined;
  const config = safeGet(candidate, 'config');
  const request = safeGet(candidate, 'request');
  return {
    body: data ?? safeGet(candidate, 'body'),
    status,
    headers: safeGet(candidate, 'headers'),
    url: safeGet(config, 'url') ?? safeGet(candidate, 'url') ?? safeGet(request, 'requestUrl'),
    method: safeGet(config, 'method') ?? safeGet(safeGet(request, 'options'), 'method'),
    bybit: false,
  };
}

/** CCXT `handleHttpStatusCode`: `bybit POST https://… 403 Forbidden <body>`. */
const CCXT_HTTP = /^bybit (GET|POST|PUT|DELETE|PATCH) (\S+) (\d{3}) /;

/** CCXT `handleErrors`: `bybit {"retCode":…}`; `handleHttpStatusCode`: `bybit POST url 403 …`. */
function fromCcxtMessage(candidate: object): Parts | undefined {
  const message = stringField(candidate, 'message');
  if (message === undefined || !message.startsWith('bybit ')) return undefined;
  const http = CCXT_HTTP.exec(message);
  const json = message.indexOf('{');
  return {
    body: json === -1 ? undefined : message.slice(json),
    status: http === null ? undefined : statusOf(http[3]),
    headers: undefined,
    url: http?.[2],
    method: http?.[1],
    bybit: true,
  };
}

/**
 * The carriers, in the order they are tried: the first that recognises the object reads it. A
 * fetch `Response` goes first (it has `status` and `headers` too, and only its reader takes the
 * body text), ccxt's message last (any error has a message).
 */
const CARRIERS: readonly CarrierReader[] = [
  fromFetchResponse,
  fromBybitBody,
  fromErrorResponse,
  fromBybitApiRejection,
  fromResolvedResponse,
  fromCcxtMessage,
];

/** The parts of the first carrier that recognises `candidate`, or `undefined`. */
function partsOf(candidate: unknown): Parts | undefined {
  if (!isObject(candidate)) return undefined;
  for (const read of CARRIERS) {
    const parts = read(candidate);
    if (parts !== undefined) return parts;
  }
  return undefined;
}

/**
 * The Bybit answer in a value or thrown error (its `cause` chain included), or `undefined` when
 * none is there. Never throws.
 *
 * @example
 * ```ts
 * readBybit(await client.submitOrder(order))?.retCode; // 10006 on a rate-limited order
 * ```
 */
export function readBybit(value: unknown): ParsedBybit | undefined {
  for (const candidate of causeChain(value)) {
    const parts = partsOf(candidate);
    if (parts === undefined) continue;
    const body = bodyOf(parts.body);
    const retCode = body === undefined ? undefined : intOf(safeGet(body, 'retCode'));
    const endpoint = pathOf(parts.url);
    const rateLimitApi = body === undefined ? undefined : safeGet(body, 'rateLimitApi');
    const usage = usageOf(parts.headers, rateLimitApi);
    const bybit =
      parts.bybit ||
      retCode !== undefined ||
      usage !== undefined ||
      (endpoint !== undefined && endpoint.startsWith('/v5/'));
    if (!bybit) continue;
    const retMsg = body === undefined ? undefined : safeGet(body, 'retMsg');
    const parsed: ParsedBybit = {
      retCode,
      retMsg: typeof retMsg === 'string' ? retMsg : undefined,
      headers: parts.headers,
      usage,
      endpoint,
      method: typeof parts.method === 'string' ? parts.method.toUpperCase() : undefined,
    };
    if (parts.status !== undefined) parsed.httpStatus = parts.status;
    const items = body === undefined ? undefined : itemsOf(body);
    if (items !== undefined) parsed.items = items;
    return parsed;
  }
  return undefined;
}

/**
 * The `{ retCode, retMsg, httpStatus?, items? }` view of anything the Bybit clients produce
 * (see the file comment for the shapes), or `undefined` when the value carries no Bybit answer.
 * A success body is a view too (`retCode: 0`; a batch's failed items are in `items`). Never
 * throws.
 *
 * @example
 * ```ts
 * const answer = await client.submitOrder(order); // bybit-api resolves Bybit's errors
 * parseBybitError(answer);
 * // { retCode: 110007, retMsg: 'ab not enough for new order' }
 * ```
 */
export function parseBybitError(value: unknown): BybitErrorInfo | undefined {
  try {
    const parsed = readBybit(value);
    if (parsed === undefined) return undefined;
    const info: BybitErrorInfo = { retCode: parsed.retCode, retMsg: parsed.retMsg };
    if (parsed.httpStatus !== undefined) info.httpStatus = parsed.httpStatus;
    if (parsed.items !== undefined) info.items = parsed.items;
    return info;
  } catch {
    return undefined;
  }
}
