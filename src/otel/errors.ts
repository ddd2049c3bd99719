import type { Exception } from '@opentelemetry/api';
import { describeError, redactText, safeGet } from '../core/redaction/redact.js';

/**
 * How errors reach a span: as `error.type` (the class, low cardinality), as a status message and
 * a `tenacious.error` attribute (one redacted line), and as an exception event whose message and
 * stack are redacted too. Nothing here reads more than a few properties, and nothing throws:
 * errors from exchange clients carry API keys and signatures (see src/core/redaction/redact.ts), and hostile
 * values (throwing getters, proxies) must not break a run.
 */

/** The semantic conventions' fallback `error.type` when no class name can be found. */
export const OTHER_ERROR_TYPE = '_OTHER';
const MAX_TYPE_LENGTH = 100;

/**
 * The `error.type` of a thrown value: its `name` (`TypeError`, `RetryExhaustedError`,
 * `DexTimeoutError`), else its constructor's name, else `_OTHER` ("Recording errors": a
 * low-cardinality class name, `_OTHER` when none applies).
 *
 * @example
 * ```ts
 * errorType(new TypeError('fetch failed')); // 'TypeError'
 * errorType('boom'); // '_OTHER'
 * ```
 */
export function errorType(error: unknown): string {
  const name = safeGet(error, 'name');
  if (typeof name === 'string' && name !== '') return name.slice(0, MAX_TYPE_LENGTH);
  const constructorName = safeGet(safeGet(error, 'constructor'), 'name');
  if (
    typeof constructorName === 'string' &&
    constructorName !== '' &&
    constructorName !== 'Object'
  ) {
    return constructorName.slice(0, MAX_TYPE_LENGTH);
  }
  return OTHER_ERROR_TYPE;
}

/**
 * The exception to record on a span, with its message and stack redacted: the SDK would
 * otherwise copy `message` and `stack` verbatim into `exception.message` and
 * `exception.stacktrace`.
 *
 * @example
 * ```ts
 * span.recordException(redactedException(err));
 * ```
 */
export function redactedException(error: unknown): Exception {
  const message = safeGet(error, 'message');
  const stack = safeGet(error, 'stack');
  return {
    name: errorType(error),
    message: typeof message === 'string' ? redactText(message) : describeError(error),
    ...(typeof stack === 'string' ? { stack: redactText(stack) } : {}),
  };
}
