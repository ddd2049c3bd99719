import {
  clientOf,
  errorFields,
  MAX_MESSAGE,
  setDefined,
  type ErrorFields,
} from './client-errors.js';
import { copyRedacted, FULL, isPresent, SMALL, type CopyContext } from './safe-copy.js';
import { causeChain, isErrorLike, safeGet, safeKeys, safeString } from './safe-read.js';
import { cut, isSecretName, REDACTED, redactText } from './text.js';

/**
 * Any thrown value as a compact, redacted, JSON-safe object for a log line or an alert: the facts
 * of the failure along its `cause` chain (client fields from `client-errors.ts`), and for an error
 * no client table knows, a short stack and its own fields copied small (`safe-copy.ts`).
 */

/**
 * What {@link serializeError} makes of a thrown value (docs/logging.md, "The compact error").
 * Fields other than these are an unrecognised error's own fields, copied small and redacted.
 */
export interface SerializedError extends Omit<ErrorFields, 'message'> {
  /** The messages along the `cause` chain, each once; at most 300 characters. */
  message?: string;
  /** The `code` (or class name) of each error further down the `cause` chain. */
  causeCodes?: (string | number)[];
  /** The first five frames of an unrecognised error's stack, redacted. */
  stack?: string;
  /** The inner errors of an `AggregateError`, each serialized. */
  errors?: unknown[];
  [field: string]: unknown;
}

/** Fields of a link that are not copied as its own: they are printed compactly or not at all. */
const SKIPPED = new Set(['name', 'message', 'stack', 'cause', 'errors', 'shortMessage', 'msg']);

/** Frames kept from the stack of an unrecognised error. */
const STACK_FRAMES = 5;

function shortStack(e: object, extra: readonly string[] | undefined): string | undefined {
  const stack = safeGet(e, 'stack');
  if (typeof stack !== 'string') return undefined;
  const lines = stack.split('\n');
  const firstFrame = lines.findIndex((line) => /^\s+at /.test(line));
  const head = firstFrame === -1 ? lines : lines.slice(firstFrame, firstFrame + STACK_FRAMES);
  return cut(redactText(head.map((l) => l.trim()).join('\n'), extra), 1024);
}

function context(limits: CopyContext['limits'], extra: readonly string[] | undefined): CopyContext {
  return {
    limits,
    extra,
    error: (obj, seen, depth) => serializeChain(causeChain(obj), extra, seen, depth),
  };
}

function serializeChain(
  chain: readonly unknown[],
  extra: readonly string[] | undefined,
  seen: Set<object> = new Set(),
  depth = 0,
): SerializedError {
  // A null prototype: pino's error serializer then keeps our `type` instead of naming the copy
  // after its constructor (`Object`).
  const out = Object.create(null) as SerializedError;
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
  if (messages.length > 0 || isErrorLike(top)) out.message = cut(messages.join(': '), MAX_MESSAGE);
  setDefined(out, 'code', first.code);
  for (const key of ['status', 'method', 'url', 'rpcMethod', 'body', 'retryAfter'] as const) {
    setDefined(
      out as Record<string, unknown>,
      key,
      fields.find((f) => f[key] !== undefined)?.[key],
    );
  }
  const causeCodes: (string | number)[] = [];
  for (const f of fields.slice(1)) {
    const code = f.code ?? (f.type === 'Error' || f.type === 'Object' ? undefined : f.type);
    if (code !== undefined && code !== causeCodes[causeCodes.length - 1]) causeCodes.push(code);
  }
  if (causeCodes.length > 0) out.causeCodes = causeCodes;
  if (clientOf(top) === undefined) {
    if (isErrorLike(top)) setDefined(out, 'stack', shortStack(top, extra));
    // An error's own fields are extras, copied small; a thrown plain object is all fields.
    const ctx = context(isErrorLike(top) || looksLikeError(top) ? SMALL : FULL, extra);
    const added = links.filter((link) => !seen.has(link));
    for (const link of added) seen.add(link);
    try {
      for (const key of safeKeys(top)) {
        if (key in out || SKIPPED.has(key)) continue;
        const item = safeGet(top, key);
        if (item === undefined) continue;
        out[key] =
          isSecretName(key) && isPresent(item)
            ? REDACTED
            : copyRedacted(item, depth + 1, seen, ctx);
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
            : copyRedacted(inner, depth + 1, seen, ctx),
        );
    }
  }
  return out;
}

/** A thrown plain object that is an error in all but class (the binance client's `{ code, message }`). */
function looksLikeError(value: object): boolean {
  return (
    typeof safeGet(value, 'message') === 'string' &&
    (safeGet(value, 'code') !== undefined || 'requestUrl' in value || 'stack' in value)
  );
}

/**
 * A plain, JSON-safe copy of any value with every secret replaced by `[REDACTED]`: values under
 * secret names (see `rules.ts`), secrets in strings, `Headers`, `Map`s and header arrays; errors
 * inside it are serialized compactly. Depth, keys and string lengths are bounded; cycles print as
 * `[Circular]`. Never throws.
 *
 * @example
 * ```ts
 * redactValue({ headers: { 'X-MBX-APIKEY': key, accept: 'json' } });
 * // { headers: { 'X-MBX-APIKEY': '[REDACTED]', accept: 'json' } }
 * ```
 */
export function redactValue(value: unknown, extra?: readonly string[]): unknown {
  try {
    return copyRedacted(value, 0, new Set(), context(FULL, extra));
  } catch {
    return '[unserializable]';
  }
}

/**
 * Turns any thrown value into a compact, JSON-safe, redacted object for a log line: `type`,
 * `message` (the messages along the `cause` chain, each once), `code`, `status`, `method`, `url`
 * (redacted), `rpcMethod`, the API's error `body` (`{ code, msg }`), `retryAfter` and the codes
 * along the cause chain (`causeCodes`). A known client's error (axios, got, undici, fetch, ethers,
 * viem, ccxt, the binance, okx-api and bybit-api clients, Node's system errors) is reduced to
 * these; any other error also keeps a short stack and its own fields, small and redacted. A
 * thrown non-object becomes `{ type, message }`. Never throws, whatever it is given.
 *
 * @example
 * ```ts
 * logger.warn({ err: serializeError(err) }, 'request failed');
 * // err: { type: 'AxiosError', message: 'Request failed with status code 503', code: 'ERR_BAD_RESPONSE',
 * //        status: 503, method: 'GET', url: 'https://api.binance.com/api/v3/order?…&signature=[REDACTED]' }
 * ```
 */
export function serializeError(value: unknown, extra?: readonly string[]): SerializedError {
  try {
    if (value !== null && typeof value === 'object')
      return serializeChain(causeChain(value), extra);
    const out = Object.create(null) as SerializedError;
    out.type = value === null ? 'null' : typeof value;
    out.message = cut(redactText(safeString(value), extra), MAX_MESSAGE);
    return out;
  } catch {
    return { type: 'unserializable' };
  }
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
    if (typeof value === 'object' && value !== null) {
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
