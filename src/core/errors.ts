import { brand } from './brand.js';
import { keepCause, keepHidden, printRedacted } from './redaction/error-printing.js';
import { redactText } from './redaction/redact.js';
import type { ExhaustedReason, HoldReason } from './types.js';

// In modules of their own so that a bundle which never meets them (a retry without a breaker or
// configuration) leaves them out: a class with a static block is never dropped from a module.
export { CircuitOpenError } from './circuit-open-error.js';
export { ConfigError, type ConfigIssue } from './config-error.js';

/*
 * The errors tenacious throws print redacted (`util.inspect`, `console.error`, `JSON.stringify`,
 * `errSerializer`), their `cause` chain included: see `error-printing.ts`. Their `message` is
 * redacted when made (the stack, formatted when first read, repeats it); `cause` and `value` are
 * the caller's own objects, the same for every reader.
 */

/**
 * The run gave up: attempts, time, budget or a too-long Retry-After ran out.
 *
 * @example
 * ```ts
 * try {
 *   await retry(fetchTicker);
 * } catch (err) {
 *   if (err instanceof RetryExhaustedError) logger.error({ attempts: err.attempts, reason: err.reason, err: err.cause });
 * }
 * ```
 */
export class RetryExhaustedError<T = unknown> extends Error {
  static {
    brand(this, 'RetryExhaustedError');
  }
  override readonly name = 'RetryExhaustedError';
  declare readonly operation: string;
  declare readonly attempts: number;
  declare readonly elapsedMs: number;
  declare readonly reason: ExhaustedReason;
  /** The last value when the run gave up on a returned value; `cause` is then undefined. */
  declare readonly value: T | undefined;

  constructor({
    operation,
    attempts,
    elapsedMs,
    reason,
    cause,
    value,
  }: {
    operation: string;
    attempts: number;
    elapsedMs: number;
    reason: ExhaustedReason;
    cause: unknown;
    value?: T;
  }) {
    super(
      redactText(
        `${operation}: gave up after ${attempts} attempt${attempts === 1 ? '' : 's'} in ${Math.round(elapsedMs)} ms (${reason})`,
      ),
    );
    this.operation = operation;
    this.attempts = attempts;
    this.elapsedMs = elapsedMs;
    this.reason = reason;
    keepHidden(this, 'value', value);
    keepCause(this, cause);
  }
}

/**
 * A `fail` verdict ended the run and `wrapFailures` is on: the client's error is kept, unchanged,
 * as `cause`, and this error prints redacted (the client's own error, an `AxiosError` with its
 * request headers, prints whatever the client put on it).
 *
 * @example
 * ```ts
 * try {
 *   await retry(placeOrder, { wrapFailures: true, classify: binanceClassifier() });
 * } catch (err) {
 *   if (err instanceof PermanentFailureError) logger.error({ err }, `rejected: ${err.reason}`);
 * }
 * ```
 */
export class PermanentFailureError extends Error {
  static {
    brand(this, 'PermanentFailureError');
  }
  override readonly name = 'PermanentFailureError';
  declare readonly operation: string;
  /** The attempt whose verdict was `fail`. */
  declare readonly attempt: number;
  declare readonly elapsedMs: number;
  /** The `fail` verdict's reason, e.g. `binance:-2010`. */
  declare readonly reason: string;

  constructor({
    operation,
    attempt,
    elapsedMs,
    reason,
    cause,
  }: {
    operation: string;
    attempt: number;
    elapsedMs: number;
    reason: string;
    cause: unknown;
  }) {
    super(redactText(`${operation}: failed permanently on attempt ${attempt} (${reason})`));
    this.operation = operation;
    this.attempt = attempt;
    this.elapsedMs = elapsedMs;
    this.reason = reason;
    keepCause(this, cause);
  }
}

/**
 * A non-idempotent operation ended with an `unknown` verdict and no `reconcile` was given: it may
 * have executed, so it is not retried blindly. An idempotent call ends so on a duplicate client
 * order id (`reason` `duplicate-client-order-id`): the order exists, so sending it again cannot
 * succeed.
 *
 * @example
 * ```ts
 * try {
 *   await retry(placeOrder, { idempotent: false });
 * } catch (err) {
 *   if (err instanceof UnknownOutcomeError) await lookUpOrder(clientOrderId);
 * }
 * ```
 */
export class UnknownOutcomeError extends Error {
  static {
    brand(this, 'UnknownOutcomeError');
  }
  override readonly name = 'UnknownOutcomeError';
  declare readonly operation: string;
  declare readonly attempt: number;

  constructor({
    operation,
    attempt,
    cause,
    reason,
    idempotent,
  }: {
    operation: string;
    attempt: number;
    cause: unknown;
    reason: string;
    /** An idempotent call stops here only on a duplicate client order id. */
    idempotent?: boolean;
  }) {
    const why = idempotent
      ? 'the venue already has an order with this client order id'
      : 'the operation is not idempotent';
    super(
      redactText(
        `${operation}: outcome unknown after attempt ${attempt} (${reason}); not retried because ${why}`,
      ),
    );
    this.operation = operation;
    this.attempt = attempt;
    keepCause(this, cause);
  }
}

/**
 * An attempt ran longer than `attemptTimeoutMs`. Its verdict is `unknown`: the work may have
 * happened.
 *
 * @example
 * ```ts
 * await retry(({ signal }) => fetch(url, { signal }), { attemptTimeoutMs: 2000 });
 * ```
 */
export class AttemptTimeoutError extends Error {
  static {
    brand(this, 'AttemptTimeoutError');
  }
  override readonly name = 'AttemptTimeoutError';
  declare readonly operation: string;
  declare readonly attempt: number;
  declare readonly timeoutMs: number;

  constructor({
    operation,
    attempt,
    timeoutMs,
  }: {
    operation: string;
    attempt: number;
    timeoutMs: number;
  }) {
    super(redactText(`${operation}: attempt ${attempt} timed out after ${timeoutMs} ms`));
    this.operation = operation;
    this.attempt = attempt;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * A rate-limit tracker's hold would end after the caller's `maxWaitMs` (or after what is left of
 * the run's `maxElapsedMs`, `tracker.acquire(weight, ctx)`): nothing was sent and the call did
 * not wait. The default rule judges it `fail` (reason `hold-too-long`), so a non-idempotent run
 * rejects with it at once instead of reconciling a request that never left.
 *
 * @example
 * ```ts
 * try {
 *   await tracker.acquire(1, { maxWaitMs: 2000 });
 * } catch (err) {
 *   if (err instanceof HoldTooLongError) logger.warn({ reason: err.reason, waitMs: err.waitMs }, err.message);
 * }
 * ```
 */
export class HoldTooLongError extends Error {
  static {
    brand(this, 'HoldTooLongError');
  }
  override readonly name = 'HoldTooLongError';
  /** Why the caller would be held. */
  declare readonly reason: HoldReason;
  /** How long the whole call would have waited, in ms. */
  declare readonly waitMs: number;
  declare readonly maxWaitMs: number;

  /** `tracker` names the tracker in the message (`binance weight tracker`, `bybit rate-limit tracker`). */
  constructor({
    reason,
    waitMs,
    maxWaitMs,
    tracker,
  }: {
    reason: HoldReason;
    waitMs: number;
    maxWaitMs: number;
    tracker?: string;
  }) {
    super(
      redactText(
        `${tracker ?? 'rate-limit tracker'}: a ${reason} hold would wait ${waitMs} ms, more than maxWaitMs (${maxWaitMs} ms)`,
      ),
    );
    this.reason = reason;
    this.waitMs = waitMs;
    this.maxWaitMs = maxWaitMs;
  }
}

printRedacted(RetryExhaustedError, ['operation', 'attempts', 'elapsedMs', 'reason', 'value']);
printRedacted(PermanentFailureError, ['operation', 'attempt', 'elapsedMs', 'reason']);
printRedacted(UnknownOutcomeError, ['operation', 'attempt']);
printRedacted(AttemptTimeoutError, ['operation', 'attempt', 'timeoutMs']);
printRedacted(HoldTooLongError, ['reason', 'waitMs', 'maxWaitMs']);
