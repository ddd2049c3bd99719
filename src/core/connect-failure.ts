import { causeChain, stringField } from './redaction/safe-read.js';

/**
 * Failures before any byte of the request was sent: the connection was never made, so nothing
 * can have executed and even an order is safe to send again (RFC 9110 §9.2.2: a client may
 * retry a non-idempotent request when it can "detect that the original request was never
 * applied"). The default rule retries these and nothing else; `tenacious/http` builds its full
 * table of network failures (both phases) on this set.
 *
 * Sources: Node.js docs "Common system errors" and libuv errno names; undici `lib/core/errors.js`;
 * got `dist/source/core/timed-out.js`; the loopback experiments in errors.md §4.3.
 */
export const CONNECT_FAILURE_CODES: ReadonlySet<string> = /* @__PURE__ */ new Set([
  'ECONNREFUSED', // "actively refused" the connection
  'ENOTFOUND', // DNS name not found
  'EAI_AGAIN', // temporary DNS failure
  'EHOSTUNREACH', // no route to host
  'ENETUNREACH', // network unreachable
  'ENETDOWN', // network is down
  'EHOSTDOWN', // host is down
  'EADDRINUSE', // local bind failed
  'EADDRNOTAVAIL', // local address unavailable
  'UND_ERR_CONNECT_TIMEOUT', // undici connect timeout (default 10 s)
]);

/** System calls whose failure means no connection was made (ETIMEDOUT while connecting, say). */
export const CONNECT_SYSCALLS: ReadonlySet<string> = /* @__PURE__ */ new Set([
  'connect',
  'getaddrinfo',
  'getaddrinfo_a',
]);

/**
 * got's `TimeoutError.event` phases that end before the request is written (got
 * `dist/source/core/timed-out.js`).
 */
export const GOT_CONNECT_EVENTS: ReadonlySet<string> = /* @__PURE__ */ new Set([
  'lookup',
  'connect',
  'secureConnect',
  'socket',
]);

/** Node, undici and libuv network codes (`ECONNRESET`, `UND_ERR_SOCKET`…): any other phase. */
const NETWORK_CODE = /^(?:E[A-Z]+|UND_ERR_[A-Z_]+)$/;

/**
 * The code of a failure before the request was sent (`ECONNREFUSED`, `timeout-connect`…) found
 * anywhere on the `cause` chain, or `undefined`: also when the chain holds a failure after
 * sending (a reset, a response timeout, a body cut mid-stream), the cautious answer. Never throws.
 *
 * @example
 * ```ts
 * connectFailure(new TypeError('fetch failed', { cause: econnrefused })); // 'ECONNREFUSED'
 * connectFailure(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })); // undefined
 * ```
 */
export function connectFailure(error: unknown): string | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  let found: string | undefined;
  for (const item of causeChain(error)) {
    const phase = itemPhase(item);
    if (phase === 'after') return undefined;
    if (phase !== undefined) found ??= phase;
  }
  return found;
}

/**
 * `'after'`, a connect-phase code, or `undefined` when the item says nothing of the phase. Node's
 * happy-eyeballs connect reports an AggregateError carrying its first error's code.
 */
function itemPhase(item: unknown): string | undefined {
  const name = stringField(item, 'name');
  if (name === 'TimeoutError') {
    const event = stringField(item, 'event');
    return event !== undefined && GOT_CONNECT_EVENTS.has(event) ? `timeout-${event}` : 'after';
  }
  // undici: a response body cut mid-stream.
  if (name === 'TypeError' && stringField(item, 'message') === 'terminated') return 'after';
  const code = stringField(item, 'code');
  if (code === undefined) return undefined;
  if (CONNECT_FAILURE_CODES.has(code)) return code;
  if (!NETWORK_CODE.test(code)) return undefined;
  const syscall = stringField(item, 'syscall');
  return syscall !== undefined && CONNECT_SYSCALLS.has(syscall) ? code : 'after';
}

/**
 * The messages of a fetch network failure, by runtime, as is-network-error 1.3.2 (the rule
 * p-retry applies) lists them [INE]. `Failed to fetch` and `Load failed` may carry the host in
 * parentheses; Deno's start with `error sending request for url`.
 */
const FETCH_NETWORK_MESSAGES: ReadonlySet<string> = new Set([
  'fetch failed', // undici (Node) [INE]
  'terminated', // undici (Node): the body was cut mid-stream [INE]
  'network error', // Chrome [INE]
  'Failed to fetch', // Chrome [INE]
  'NetworkError when attempting to fetch resource.', // Firefox [INE]
  'The Internet connection appears to be offline.', // Safari 16 [INE]
  'Network request failed', // cross-fetch [INE]
  ' A network error occurred.', // Bun, with its leading space [INE]
  'Network connection lost', // Cloudflare Workers [INE]
]);

/** `Failed to fetch (example.com)`: the message, with the host after it. */
function withHost(message: string, words: string): boolean {
  return message.startsWith(`${words} (`) && message.endsWith(')');
}

/**
 * True for a fetch network failure: a `TypeError` (an `Error` by `Object.prototype.toString`)
 * with one of the runtimes' wordings [INE]. False for anything else, and when reading the
 * error throws (a getter or a proxy).
 *
 * @example
 * ```ts
 * isFetchNetworkError(new TypeError('fetch failed')); // true
 * isFetchNetworkError(new TypeError('x is not a function')); // false
 * ```
 */
export function isFetchNetworkError(error: unknown): boolean {
  try {
    if (Object.prototype.toString.call(error) !== '[object Error]') return false;
    const { name, message } = error as { name?: unknown; message?: unknown };
    if (name !== 'TypeError' || typeof message !== 'string') return false;
    if (message === 'Load failed' || withHost(message, 'Load failed')) {
      // Safari 17+ words other failures the same way; its network failure has no stack, unless
      // Sentry captured it and added one [INE].
      return (
        (error as { stack?: unknown }).stack === undefined ||
        '__sentry_captured__' in (error as object)
      );
    }
    return (
      FETCH_NETWORK_MESSAGES.has(message) ||
      withHost(message, 'Failed to fetch') ||
      message.startsWith('error sending request for url') // Deno [INE]
    );
  } catch {
    return false;
  }
}
