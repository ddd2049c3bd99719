import { brand } from './brand.js';
import { printRedacted } from './redaction/error-printing.js';
import { redactText } from './redaction/redact.js';

/**
 * A circuit breaker is open (or its half-open probes are all taken): `fn` was not called.
 *
 * @example
 * ```ts
 * catch (err) { if (err instanceof CircuitOpenError) setTimeout(resume, err.retryAfterMs); }
 * ```
 */
export class CircuitOpenError extends Error {
  static {
    brand(this, 'CircuitOpenError');
  }
  override readonly name = 'CircuitOpenError';
  /** Milliseconds until the breaker lets a probe through (0 when half-open and busy). */
  readonly retryAfterMs: number;

  constructor(fields: { retryAfterMs: number; message?: string }) {
    super(
      redactText(
        fields.message ?? `circuit open; next probe in ${Math.round(fields.retryAfterMs)} ms`,
      ),
    );
    this.retryAfterMs = fields.retryAfterMs;
  }
}

printRedacted(CircuitOpenError, ['retryAfterMs']);
