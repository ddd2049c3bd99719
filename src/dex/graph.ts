import { headerValue, parseRetryAfter } from '../http/index.js';
import { numberField, prototypeNames, stringField } from '../core/redaction/safe-read.js';
import { safeGet } from '../core/redaction/redact.js';

/**
 * Safe traversal of what EVM client libraries throw. The facts a classifier needs sit at
 * different depths per library:
 * - viem nests `cause`s: `TransactionExecutionError` → `NonceTooLowError` → `InvalidInputRpcError`
 *   → `RpcRequestError` → the node's plain `{ code, message, data }` [VIEM `errors/*.ts`];
 * - ethers v6 keeps the node's error object in `error` (`UNKNOWN_ERROR`) or `info.error`
 *   (`NONCE_EXPIRED`, `INSUFFICIENT_FUNDS`, `CALL_EXCEPTION`), and the raw body of a non-2xx
 *   response as text in `info.responseBody` [ETH `providers/provider-jsonrpc.js` `getRpcError`,
 *   `utils/fetch.js` `assertOk`].
 * Every read is guarded (`safeGet`), every walk bounded, every repeat skipped.
 */

const MAX_NODES = 16;
/** Larger bodies are not parsed: a JSON-RPC error body is a few hundred bytes. */
const MAX_BODY_CHARS = 65_536;

/**
 * The value, then (breadth first) its `cause`, `error`, `info.error` and parsed
 * `info.responseBody`, at most 16 nodes, without repeats. Strings are kept as nodes (a thrown
 * string, or an `error: '…'` field); other primitives are dropped.
 *
 * @example
 * ```ts
 * errorGraph(ethersUnknownError); // [ethersError, { code: -32000, message: 'already known' }]
 * ```
 */
export function errorGraph(value: unknown): unknown[] {
  const nodes: unknown[] = [];
  const queue: unknown[] = [value];
  for (let i = 0; i < queue.length && nodes.length < MAX_NODES; i++) {
    const node = queue[i];
    if (typeof node === 'string') {
      if (node !== '' && !nodes.includes(node)) nodes.push(node);
      continue;
    }
    if (node === null || (typeof node !== 'object' && typeof node !== 'function')) continue;
    if (nodes.includes(node)) continue;
    nodes.push(node);
    queue.push(safeGet(node, 'cause'), safeGet(node, 'error'));
    const info = safeGet(node, 'info');
    if (info !== undefined) {
      queue.push(safeGet(info, 'error'), parseBody(safeGet(info, 'responseBody')));
    }
  }
  return nodes;
}

/** A JSON body (object, or the first element of a batch array), or undefined. */
function parseBody(body: unknown): unknown {
  if (typeof body !== 'string' || body.length > MAX_BODY_CHARS) return undefined;
  const first = body.trimStart()[0];
  if (first !== '{' && first !== '[') return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    return Array.isArray(parsed) ? parsed[0] : parsed;
  } catch {
    return undefined;
  }
}

/** ethers v6 error codes [ETH `utils/errors.d.ts` `ErrorCode`]. */
export const ETHERS_CODES: ReadonlySet<string> = new Set([
  'UNKNOWN_ERROR',
  'NOT_IMPLEMENTED',
  'UNSUPPORTED_OPERATION',
  'NETWORK_ERROR',
  'SERVER_ERROR',
  'TIMEOUT',
  'BAD_DATA',
  'CANCELLED',
  'BUFFER_OVERRUN',
  'NUMERIC_FAULT',
  'INVALID_ARGUMENT',
  'MISSING_ARGUMENT',
  'UNEXPECTED_ARGUMENT',
  'VALUE_MISMATCH',
  'CALL_EXCEPTION',
  'INSUFFICIENT_FUNDS',
  'NONCE_EXPIRED',
  'REPLACEMENT_UNDERPRICED',
  'TRANSACTION_REPLACED',
  'UNCONFIGURED_NAME',
  'OFFCHAIN_FAULT',
  'ACTION_REJECTED',
]);

/**
 * The ethers code of an ethers error (a string `code` from the list and a `shortMessage`).
 *
 * @example
 * ```ts
 * ethersCode(makeError('could not coalesce error', 'UNKNOWN_ERROR')); // 'UNKNOWN_ERROR'
 * ethersCode(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })); // undefined
 * ```
 */
export function ethersCode(node: unknown): string | undefined {
  const code = stringField(node, 'code');
  return code !== undefined &&
    ETHERS_CODES.has(code) &&
    stringField(node, 'shortMessage') !== undefined
    ? code
    : undefined;
}

/**
 * The text a node reports about the failure itself:
 * - a string node is its own text;
 * - a viem `BaseError` has `details`, the node's message, while its `message` and `shortMessage`
 *   are viem's own explanation ("Nonce provided for the transaction is lower than…", also for
 *   "already known") and must not be matched;
 * - an ethers error's `message` embeds its whole `info` (request payload included) and its
 *   `shortMessage` is ethers' wording: the node's own text is in the nested `error` instead;
 * - anything else: its `message`.
 *
 * @example
 * ```ts
 * nodeText(viemNonceTooLowError); // 'already known' (its `details`)
 * nodeText({ code: -32000, message: 'header not found' }); // 'header not found'
 * ```
 */
export function nodeText(node: unknown): string | undefined {
  if (typeof node === 'string') return node;
  const details = stringField(node, 'details');
  if (details !== undefined) return details;
  if (ethersCode(node) !== undefined) return undefined;
  return stringField(node, 'message');
}

/**
 * A numeric JSON-RPC / EIP-1193 `code` of a node, or undefined.
 *
 * @example
 * ```ts
 * numericCode({ code: -32005, message: 'limit exceeded' }); // -32005
 * ```
 */
export function numericCode(node: unknown): number | undefined {
  const code = safeGet(node, 'code');
  return typeof code === 'number' && Number.isInteger(code) ? code : undefined;
}

function asStatus(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599
    ? value
    : undefined;
}

/**
 * ethers escalates a response it gave up on to a synthetic 599 whose status message keeps the
 * real status: `CLIENT ESCALATED SERVER ERROR (429 Too Many Requests; exceeded maximum retry
 * limit)` [ETH `utils/fetch.js` `makeServerError`].
 */
const ESCALATED = /\((\d{3})\b[^;)]*;/;

/**
 * The HTTP status a node carries: `status` (viem `HttpRequestError`/`RpcRequestError`,
 * `DexError`), `statusCode`, or its `response`'s `status`/`statusCode` (fetch `Response`, axios,
 * ethers `FetchResponse`, with ethers' 599 unwrapped).
 *
 * @example
 * ```ts
 * httpStatus(viemHttpRequestError); // 503
 * httpStatus(ethersServerError);    // 429 (from "599 … (429 Too Many Requests; exceeded maximum retry limit)")
 * ```
 */
export function httpStatus(node: unknown): number | undefined {
  const own = asStatus(safeGet(node, 'status')) ?? asStatus(safeGet(node, 'statusCode'));
  if (own !== undefined) return own;
  const response = safeGet(node, 'response');
  if (response === undefined || response === null) return undefined;
  const status = asStatus(safeGet(response, 'status')) ?? asStatus(safeGet(response, 'statusCode'));
  if (status === 599) {
    const match = ESCALATED.exec(stringField(response, 'statusMessage') ?? '');
    const original = match === null ? undefined : asStatus(Number(match[1]));
    if (original !== undefined) return original;
  }
  return status;
}

/**
 * The longest server-requested wait found in the graph, in ms: an HTTP `Retry-After` header
 * (viem keeps the response `headers`; ethers keeps them on `response.headers`) and Infura's
 * `data.backoff_seconds` on a -32005 error ("We recommend pausing JSON-RPC activity for the time
 * value in backoff_seconds", Infura "Avoid rate limiting" [INF]; also seen nested as
 * `data.rate.backoff_seconds` in Infura community reports: unconfirmed in the docs).
 *
 * @example
 * ```ts
 * requestedDelayMs([{ code: -32005, data: { backoff_seconds: 30 } }], Date.now()); // 30000
 * ```
 */
export function requestedDelayMs(nodes: readonly unknown[], nowMs: number): number | undefined {
  let header: number | undefined;
  let backoff: number | undefined;
  for (const node of nodes) {
    if (typeof node === 'string') continue;
    if (header === undefined) {
      const text =
        headerValue(safeGet(node, 'headers'), 'retry-after') ??
        headerValue(safeGet(safeGet(node, 'response'), 'headers'), 'retry-after');
      if (text !== undefined) header = parseRetryAfter(text, nowMs);
    }
    if (backoff === undefined) {
      const data = safeGet(node, 'data');
      const seconds =
        numberField(data, 'backoff_seconds') ??
        numberField(safeGet(data, 'rate'), 'backoff_seconds');
      if (seconds !== undefined && seconds >= 0) backoff = seconds * 1000;
    }
  }
  if (header === undefined) return backoff;
  if (backoff === undefined) return header;
  return Math.max(header, backoff);
}

/**
 * The constructor names along a node's prototype chain and its own `name` first (viem sets
 * `name` explicitly, which survives minification).
 *
 * @example
 * ```ts
 * errorNames(new DexTimeoutError('slow')); // ['DexTimeoutError', 'DexError', 'Error', 'Object']
 * ```
 */
export function errorNames(node: unknown): string[] {
  const names = prototypeNames(node);
  const own = stringField(node, 'name');
  if (own !== undefined && own !== names[0]) names.unshift(own);
  return names;
}
