import { brand } from '../core/brand.js';
import { redactText } from '../core/redaction/redact.js';

/**
 * The server answered a WebSocket handshake with an HTTP status instead of upgrading (`ws`'s
 * `unexpected-response`): 401/403 (bad key, banned), 429/418 (too many connections), 5xx.
 * `retryAfterMs` is the server's `Retry-After`, when it sent one.
 *
 * @example
 * ```ts
 * supervisor.ready().catch((err) => {
 *   if (err instanceof HandshakeError && err.status === 401) logger.fatal('stream key rejected');
 * });
 * ```
 */
export class HandshakeError extends Error {
  static {
    brand(this, 'HandshakeError');
  }
  override readonly name = 'HandshakeError';
  readonly status: number;
  readonly retryAfterMs: number | undefined;

  constructor(fields: { status: number; retryAfterMs?: number }) {
    super(redactText(`WebSocket handshake refused with HTTP ${fields.status}`));
    this.status = fields.status;
    this.retryAfterMs = fields.retryAfterMs;
  }
}

/**
 * A connect (with its `onConnect`) took longer than `connectTimeoutMs`: retried like a refused
 * connection.
 *
 * @example
 * ```ts
 * supervise(connect, { onDisconnect: (e) => { if (e.error instanceof ConnectTimeoutError) metrics.slowConnect(); } });
 * ```
 */
export class ConnectTimeoutError extends Error {
  static {
    brand(this, 'ConnectTimeoutError');
  }
  override readonly name = 'ConnectTimeoutError';
  readonly timeoutMs: number;

  constructor(operation: string, timeoutMs: number) {
    super(redactText(`${operation}: connect timed out after ${timeoutMs} ms`));
    this.timeoutMs = timeoutMs;
  }
}

/**
 * A WebSocket closed before it was open (no handshake status known: a WHATWG socket, or a close
 * without an HTTP answer).
 *
 * @example
 * ```ts
 * websocket(socket).catch((err) => { if (err instanceof SocketClosedError) logger.warn({ code: err.code }, 'closed early'); });
 * ```
 */
export class SocketClosedError extends Error {
  static {
    brand(this, 'SocketClosedError');
  }
  override readonly name = 'SocketClosedError';
  readonly code: number;

  constructor(code: number, reason: string) {
    super(
      redactText(
        `WebSocket closed before it was open (code ${code}${reason ? `: ${reason}` : ''})`,
      ),
    );
    this.code = code;
  }
}
