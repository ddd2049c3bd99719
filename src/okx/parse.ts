import { causeChain, stringField } from '../core/redaction/safe-read.js';
import { safeGet } from '../core/redaction/redact.js';
import { isFetchResponse, responseBodyText } from '../core/response-body.js';
import { asHttpStatus } from '../transport/status.js';
import { worstItem } from './codes.js';

/**
 * OKX errors in one shape, whatever carries them. OKX answers `{ code, msg, data }` with `code` a
 * string; order results carry per-item `sCode`/`sMsg` ("0" = success), and a failed or partly
 * failed batch comes as top-level `"1"`/`"2"` with HTTP 200 (OKXDOC). The carriers:
 *
 * - okx-api `RestClient` (OKXAPI): rejects with the raw body `{ code, msg, data }` (HTTP status
 *   and headers dropped) for any answer other than HTTP 200 with `code: "0"`; a non-JSON body is
 *   thrown as its text; with no response, the axios error; before sending, `e.message`.
 * - ccxt `okx` (CCXT): its error message is `okx <body>` (`handleErrors`), whatever class ccxt
 *   chose for the code.
 * - axios and got errors (`response.data`, `response.body`) and resolved responses; fetch
 *   `Response`s (the body read for classification, see `responseBodyText`) returned or on a
 *   thrown error's `response`.
 */

/** One item of an order answer: its `sCode` ("0" = success) and `sMsg`. */
export interface OkxItem {
  readonly sCode: string;
  readonly sMsg: string | undefined;
}

/** An OKX error in one shape, as {@link parseOkxError} returns it. */
export interface OkxErrorInfo {
  /** The top-level `code` (`"50011"`, or `"1"`/`"2"` for a failed or partly failed order answer). */
  code: string;
  msg: string | undefined;
  /** The deciding item's `sCode` in an order answer (the most dangerous failing item). */
  sCode: string | undefined;
  sMsg: string | undefined;
  /** The HTTP status, when the carrier kept it (okx-api's thrown body does not). */
  httpStatus?: number;
}

/** What the classifier needs beyond the public view. */
export interface ParsedOkxError {
  code: string;
  msg: string | undefined;
  /** Every item that carries an `sCode`, successes included. */
  items: readonly OkxItem[];
  httpStatus: number | undefined;
  headers: unknown;
  /** The request's HTTP method, when the carrier shows it (axios, got). Upper case. */
  method: string | undefined;
  /** The request's path (`/api/v5/trade/order`), when the carrier names its URL (axios, got, fetch). */
  endpoint: string | undefined;
}

/** An answer that carries no OKX body: an HTML or empty page thrown by okx-api as text. */
export interface OkxBodylessAnswer {
  readonly bodyless: true;
}

const MAX_BODY_CHARS = 64 * 1024;
const MAX_ITEMS = 100;
/** OKX codes are decimal strings: "0", "1", "2" and five-digit codes (OKXDOC). */
const CODE = /^\d{1,6}$/;

const isObject = (value: unknown): value is object =>
  value !== null && (typeof value === 'object' || typeof value === 'function');

function isArray(value: unknown): value is unknown[] {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}

function parseJson(text: string): unknown {
  if (text.length > MAX_BODY_CHARS) return undefined;
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    return JSON.parse(trimmed);
  } catch {
    return undefined;
  }
}

/** `{ code, msg, data }` with a string code: an OKX body. A number code is someone else's (Binance). */
function okxBody(
  value: unknown,
): { code: string; msg: string | undefined; items: OkxItem[] } | undefined {
  const body = typeof value === 'string' ? parseJson(value) : value;
  if (!isObject(body)) return undefined;
  const code = stringField(body, 'code');
  if (code === undefined || !CODE.test(code)) return undefined;
  const msg = stringField(body, 'msg');
  const data = safeGet(body, 'data');
  if (msg === undefined && !isArray(data)) return undefined;
  const items: OkxItem[] = [];
  if (isArray(data)) {
    const length = Math.min(data.length, MAX_ITEMS);
    for (let i = 0; i < length; i++) {
      const sCode = stringField(data[i], 'sCode');
      if (sCode !== undefined && CODE.test(sCode)) {
        items.push({ sCode, sMsg: stringField(data[i], 'sMsg') });
      }
    }
  }
  return { code, msg, items };
}

function upper(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value.toUpperCase() : undefined;
}

/** The body of a fetch `Response`, when the engine read it for classification. */
function fetchBody(response: unknown): string | undefined {
  return isFetchResponse(response) ? responseBodyText(response) : undefined;
}

/** The path of a URL (a string, relative ones included, or a `URL`), or `undefined`. */
function pathOf(url: unknown): string | undefined {
  const text = url instanceof URL ? url.href : url;
  if (typeof text !== 'string' || text === '') return undefined;
  try {
    return new URL(text, 'http://localhost').pathname;
  } catch {
    return undefined;
  }
}

/** ccxt's message for an exchange error is `okx <body>` (its `handleErrors`). */
const CCXT_PREFIX = /^okx\s/;

/** What a bare body (okx-api's rejection, a JSON string, ccxt's message) does not say. */
const NO_CARRIER = {
  httpStatus: undefined,
  headers: undefined,
  method: undefined,
  endpoint: undefined,
} as const;

function fromCandidate(value: unknown): ParsedOkxError | OkxBodylessAnswer | undefined {
  if (typeof value === 'string') {
    const body = okxBody(value);
    if (body !== undefined) return { ...body, ...NO_CARRIER };
    // okx-api throws a non-JSON body as its text: an HTML or empty page (OKXAPI parseException).
    const trimmed = value.trimStart();
    return trimmed === '' || trimmed.startsWith('<') ? { bodyless: true } : undefined;
  }
  if (!isObject(value)) return undefined;

  // A fetch Response (returned by the attempt).
  if (isFetchResponse(value)) {
    const text = fetchBody(value);
    const body = text === undefined ? undefined : okxBody(text);
    if (body === undefined) return undefined;
    return {
      ...body,
      httpStatus: asHttpStatus(value.status),
      headers: value.headers,
      method: undefined,
      endpoint: pathOf(safeGet(value, 'url')),
    };
  }

  // okx-api's thrown raw body, or any `{ code, msg, data }` payload.
  const own = okxBody(value);
  if (own !== undefined) {
    return { ...own, ...NO_CARRIER };
  }

  // An error carrying a response (axios, got, ky) or a resolved response (axios `data`, got `body`).
  const response = safeGet(value, 'response');
  const carrier = isObject(response) ? response : value;
  const raw = isObject(response)
    ? (fetchBody(response) ?? safeGet(response, 'data') ?? safeGet(response, 'body'))
    : (safeGet(value, 'data') ?? safeGet(value, 'body'));
  const body = okxBody(raw);
  if (body !== undefined) {
    const config = safeGet(value, 'config') ?? safeGet(carrier, 'config');
    const options = safeGet(value, 'options') ?? safeGet(safeGet(carrier, 'request'), 'options');
    return {
      ...body,
      httpStatus:
        asHttpStatus(safeGet(carrier, 'status')) ?? asHttpStatus(safeGet(carrier, 'statusCode')),
      headers: safeGet(carrier, 'headers'),
      method: upper(safeGet(config, 'method')) ?? upper(safeGet(options, 'method')),
      endpoint: pathOf(
        safeGet(config, 'url') ?? safeGet(options, 'url') ?? safeGet(carrier, 'url'),
      ),
    };
  }

  // ccxt's okx errors: the OKX body is in the message.
  const message = stringField(value, 'message');
  if (message !== undefined && CCXT_PREFIX.test(message)) {
    const start = message.indexOf('{');
    const end = message.lastIndexOf('}');
    const fromMessage =
      start < 0 || end < start ? undefined : okxBody(message.slice(start, end + 1));
    if (fromMessage !== undefined) {
      const verb = /^okx\s+(GET|POST|PUT|DELETE)\s/.exec(message)?.[1];
      return { ...fromMessage, ...NO_CARRIER, method: verb };
    }
  }
  return undefined;
}

/**
 * Like {@link parseOkxError}, with every item, the headers and the method, for the classifier;
 * or a marker for okx-api's thrown non-JSON body. Walks the `cause` chain.
 *
 * @example
 * ```ts
 * readOkxError({ code: '1', msg: '', data: [{ sCode: '51008', sMsg: 'Insufficient balance' }] });
 * // { code: '1', msg: '', items: [{ sCode: '51008', … }], httpStatus: undefined, … }
 * ```
 */
export function readOkxError(value: unknown): ParsedOkxError | OkxBodylessAnswer | undefined {
  for (const candidate of causeChain(value)) {
    const found = fromCandidate(candidate);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Normalises an OKX error, in whatever shape a client carries it, to
 * `{ code, msg, sCode, sMsg, httpStatus? }`, or returns `undefined` when the value is not one.
 * In an order answer (`code` "1" or "2" with per-item `sCode`), `sCode`/`sMsg` are those of the
 * most dangerous failing item. A fetch `Response` is read only inside a run whose classifiers
 * read bodies (`okxClassifier` does). A success (`code` "0") is not an error. Never throws.
 *
 * @example
 * ```ts
 * try {
 *   await client.submitOrder(order);
 * } catch (err) {
 *   parseOkxError(err);
 *   // { code: '1', msg: 'All operations failed', sCode: '51008',
 *   //   sMsg: 'Order failed. Insufficient USDT balance in account.' }
 * }
 * ```
 */
export function parseOkxError(value: unknown): OkxErrorInfo | undefined {
  try {
    const parsed = readOkxError(value);
    if (parsed === undefined || 'bodyless' in parsed) return undefined;
    const item = worstItem(parsed.items, true);
    if (parsed.code === '0' && item === undefined) return undefined;
    return errorInfo(parsed, item);
  } catch {
    return undefined;
  }
}

/** The public view of a parsed answer, its deciding item named by `sCode`/`sMsg`. */
export function errorInfo(parsed: ParsedOkxError, item: OkxItem | undefined): OkxErrorInfo {
  const info: OkxErrorInfo = {
    code: parsed.code,
    msg: parsed.msg,
    sCode: item?.sCode,
    sMsg: item?.sMsg,
  };
  if (parsed.httpStatus !== undefined) info.httpStatus = parsed.httpStatus;
  return info;
}
