import { brand } from '../core/brand.js';
import { describeValue } from '../core/classify.js';

/**
 * The errors a DEX adapter throws, so that callers and {@link dexClassifier} can tell a dropped
 * connection (retry), a request that may have landed (unknown) and a venue's answer (fail) apart
 * without knowing the venue.
 *
 * Each class has a stable `name` (kept when the code is minified) and is recognised by that name
 * along the prototype chain, so two copies of tenacious in one process (ESM and CommonJS) and
 * subclasses written by adapter authors classify the same.
 */

/** The second argument of every {@link DexError} constructor. */
export interface DexErrorOptions {
  /** The underlying error (the HTTP client's, the SDK's, the node's). */
  cause?: unknown;
  /** The venue's own error code (`'-32005'`, `20`, `'MinTradeNtl'`). */
  code?: string | number;
  /** Which venue answered (`'hyperliquid'`, `'dydx'`, `'extended'`, `'ethereum'`). */
  venue?: string;
  /** The HTTP status of the response, when there was one. */
  status?: number;
}

function checkOptions(className: string, message: unknown, options: unknown): DexErrorOptions {
  if (typeof message !== 'string') {
    throw new TypeError(
      `${className}: \`message\`: expected a string, got ${describeValue(message)}`,
    );
  }
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(
      `${className}: expected an options object { cause?, code?, venue?, status? }, got ${describeValue(options)}`,
    );
  }
  const o = options as DexErrorOptions;
  if (
    o.code !== undefined &&
    typeof o.code !== 'string' &&
    !(typeof o.code === 'number' && Number.isFinite(o.code))
  ) {
    throw new TypeError(
      `${className}: \`code\`: expected a string or a finite number, got ${describeValue(o.code)}`,
    );
  }
  if (o.venue !== undefined && typeof o.venue !== 'string') {
    throw new TypeError(
      `${className}: \`venue\`: expected a string, got ${describeValue(o.venue)}`,
    );
  }
  if (
    o.status !== undefined &&
    !(Number.isInteger(o.status) && o.status >= 100 && o.status <= 599)
  ) {
    throw new RangeError(
      `${className}: \`status\`: expected an HTTP status (100-599), got ${describeValue(o.status)}`,
    );
  }
  return o;
}

/**
 * Base class of the adapter errors. Thrown as is it carries no verdict of its own: the classifier
 * looks at its `status`, `code` and `cause` instead. Throw one of the subclasses to say what
 * happened.
 *
 * @example
 * ```ts
 * throw new DexError('unexpected venue reply', { venue: 'extended', status: 500, cause: err });
 * ```
 */
export class DexError extends Error {
  static {
    brand(this, 'DexError');
  }
  override readonly name: string = 'DexError';
  /** The venue's own error code, if any. */
  readonly code: string | number | undefined;
  /** The venue that answered, if known. */
  readonly venue: string | undefined;
  /** The HTTP status, if there was a response. */
  readonly status: number | undefined;

  constructor(message: string, options?: DexErrorOptions) {
    const o = checkOptions(new.target.name || 'DexError', message, options);
    super(message, o.cause === undefined ? undefined : { cause: o.cause });
    this.code = o.code;
    this.venue = o.venue;
    this.status = o.status;
  }
}

/**
 * The venue could not be reached: the request was not sent (DNS, refused connection, connect
 * timeout, WebSocket down before sending). Verdict `retry`, also for orders.
 *
 * @example
 * ```ts
 * throw new DexConnectionError('Hyperliquid unreachable', { venue: 'hyperliquid', cause: err });
 * ```
 */
export class DexConnectionError extends DexError {
  static {
    brand(this, 'DexConnectionError');
  }
  override readonly name: string = 'DexConnectionError';
}

/**
 * The request was sent but no answer came in time: it may have executed (the order may be on the
 * book). Verdict `unknown`: retried for idempotent reads, reconciled (or `UnknownOutcomeError`) for
 * orders.
 *
 * @example
 * ```ts
 * throw new DexTimeoutError('no reply to POST /user/order within 10 s', { venue: 'extended', cause: err });
 * ```
 */
export class DexTimeoutError extends DexError {
  static {
    brand(this, 'DexTimeoutError');
  }
  override readonly name: string = 'DexTimeoutError';
}

/**
 * The venue refused the request (validation, tick size, post-only would cross, reduce-only,
 * signature, nonce window). Retrying the same request gets the same answer. Verdict `fail`.
 *
 * @example
 * ```ts
 * throw new DexRejectionError('Price must be divisible by tick size.', { venue: 'hyperliquid', code: 'Tick' });
 * ```
 */
export class DexRejectionError extends DexError {
  static {
    brand(this, 'DexRejectionError');
  }
  override readonly name: string = 'DexRejectionError';
}

/**
 * Not enough margin, collateral or balance for the request. Verdict `fail`.
 *
 * @example
 * ```ts
 * throw new DexInsufficientFundsError('Insufficient margin to place order.', { venue: 'hyperliquid', code: 'PerpMargin' });
 * ```
 */
export class DexInsufficientFundsError extends DexError {
  static {
    brand(this, 'DexInsufficientFundsError');
  }
  override readonly name: string = 'DexInsufficientFundsError';
}

/**
 * The order does not exist (never placed, already cancelled or filled). Verdict `fail`; for a
 * cancel this usually means there is nothing left to do, so reconcile rather than retry.
 *
 * @example
 * ```ts
 * throw new DexOrderNotFoundError('Order was never placed, already canceled, or filled.', { venue: 'hyperliquid' });
 * ```
 */
export class DexOrderNotFoundError extends DexError {
  static {
    brand(this, 'DexOrderNotFoundError');
  }
  override readonly name: string = 'DexOrderNotFoundError';
}
