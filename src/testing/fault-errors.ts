/**
 * The errors `injectFaults` throws, shaped as the real ones are, so every classifier treats them
 * as it treats a real failure. Shapes from errors.md §4.3 (loopback experiment [EXP]: Node 20's
 * fetch, undici 7, axios 1.21) and undici `lib/core/errors.js` [UND]; `test/testing/
 * inject-faults.test.ts` checks each verdict against the real failure on a real socket.
 *
 * - Network faults are what Node's `fetch` (undici) throws: `TypeError('fetch failed')` whose
 *   `cause` is the system error (`ECONNREFUSED`, `ENOTFOUND`) or undici's own (`UND_ERR_SOCKET`,
 *   `UND_ERR_HEADERS_TIMEOUT`).
 * - HTTP faults (429, 418, 503) are what axios throws for an error status (fetch throws nothing
 *   for a status, it returns a `Response`): an `AxiosError`-shaped error with `isAxiosError`,
 *   `code` `ERR_BAD_REQUEST` (4xx) or `ERR_BAD_RESPONSE` (5xx), `status` and `response: { status,
 *   statusText, headers, data }`, headers lower-cased as axios gives them.
 */

/** Where the network faults say they failed: a placeholder, no real host is contacted. */
const HOST = 'api.example.invalid';
const ADDRESS = '127.0.0.1';
const PORT = 443;

/** A Node system error (`errno`, `code`, `syscall`), as libuv reports it [NODE]. */
function systemError(message: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(message), fields);
}

/** undici's errors: each class sets `name` and `code` (undici `lib/core/errors.js`). */
class UndiciLikeError extends Error {
  constructor(
    message: string,
    override readonly name: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** undici wraps every network failure of `fetch` this way [EXP]. */
const fetchFailed = (cause: unknown) => new TypeError('fetch failed', { cause });

/** `connect ECONNREFUSED`: nothing listens on the port. */
export function refusedError(): TypeError {
  return fetchFailed(
    systemError(`connect ECONNREFUSED ${ADDRESS}:${PORT}`, {
      errno: -111,
      code: 'ECONNREFUSED',
      syscall: 'connect',
      address: ADDRESS,
      port: PORT,
    }),
  );
}

/** `getaddrinfo ENOTFOUND`: the name does not resolve. */
export function dnsError(): TypeError {
  return fetchFailed(
    systemError(`getaddrinfo ENOTFOUND ${HOST}`, {
      errno: -3008,
      code: 'ENOTFOUND',
      syscall: 'getaddrinfo',
      hostname: HOST,
    }),
  );
}

/** The server closed the socket after the request was written, before answering. */
export function resetError(): TypeError {
  const cause = Object.assign(
    new UndiciLikeError('other side closed', 'SocketError', 'UND_ERR_SOCKET'),
    {
      socket: {
        localAddress: ADDRESS,
        localPort: 50000,
        remoteAddress: ADDRESS,
        remotePort: PORT,
        remoteFamily: 'IPv4',
        bytesWritten: 1,
        bytesRead: 0,
      },
    },
  );
  return fetchFailed(cause);
}

/** No response headers within undici's `headersTimeout`: the request was sent. */
export function timeoutError(): TypeError {
  return fetchFailed(
    new UndiciLikeError('Headers Timeout Error', 'HeadersTimeoutError', 'UND_ERR_HEADERS_TIMEOUT'),
  );
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  418: "I'm a Teapot",
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

/** An error status as axios reports it (axios `lib/core/settle.js` [AX]). */
export class HttpStatusError extends Error {
  override readonly name = 'AxiosError';
  readonly isAxiosError = true;
  readonly code: 'ERR_BAD_REQUEST' | 'ERR_BAD_RESPONSE';
  readonly status: number;
  readonly response: {
    readonly status: number;
    readonly statusText: string;
    readonly headers: Readonly<Record<string, string>>;
    readonly data: string;
  };

  constructor(status: number, retryAfterMs: number | undefined) {
    super(`Request failed with status code ${status}`);
    this.code = status < 500 ? 'ERR_BAD_REQUEST' : 'ERR_BAD_RESPONSE';
    this.status = status;
    const headers: Record<string, string> = { 'content-type': 'text/plain' };
    // Retry-After carries whole seconds (RFC 9110 §10.2.3): a partial second is rounded up.
    if (retryAfterMs !== undefined) headers['retry-after'] = String(Math.ceil(retryAfterMs / 1000));
    const statusText = STATUS_TEXT[status] ?? '';
    this.response = { status, statusText, headers, data: statusText };
  }
}
