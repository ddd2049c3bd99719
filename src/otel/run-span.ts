import {
  context,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { isThenable } from '../core/event.js';
import { describeError, safeGet } from '../core/redaction/redact.js';
import type { RetryEvent, RunEnd, RunScope, UnknownOutcomeEvent } from '../core/types.js';
import { errorType, OTHER_ERROR_TYPE, redactedException } from './errors.js';
import { ATTR, RETRY_EVENT, SPAN_NAME_PREFIX, UNKNOWN_OUTCOME_EVENT } from './names.js';
import { OUTCOME, type RunMetrics } from './run-metrics.js';

/**
 * One run as a span: started in the caller's active context, made the active span of every
 * attempt (so the HTTP client's spans nest under it), given a `retry` event per retry and, when
 * the run does not succeed, an error status, `error.type` and a redacted exception event. It
 * also times each attempt for the `tenacious.attempt.duration` histogram.
 *
 * Nothing here may change the run: a tracer or meter that throws is ignored, and `fn` is called
 * exactly once per attempt whatever the context manager does.
 */
export class RunSpan implements RunScope {
  readonly #span: Span;
  readonly #context: Context;
  readonly #operation: string;
  readonly #metrics: RunMetrics;
  /** The attempt being timed: its start, its end once settled, and what it threw. */
  #attemptStart = -1;
  #attemptEnd = -1;
  #attemptError: string | undefined;
  #ended = false;

  constructor(tracer: Tracer, metrics: RunMetrics, operation: string) {
    const parent = context.active();
    this.#span = tracer.startSpan(
      `${SPAN_NAME_PREFIX}${operation}`,
      { kind: SpanKind.INTERNAL, attributes: { [ATTR.operation]: operation } },
      parent,
    );
    this.#context = trace.setSpan(parent, this.#span);
    this.#operation = metrics.operation(operation);
    this.#metrics = metrics;
  }

  attempt<R>(_attempt: number, fn: () => R): R {
    this.#attemptStart = performance.now();
    this.#attemptEnd = -1;
    this.#attemptError = undefined;
    const start = this.#attemptStart;
    let called = false;
    let result: R;
    try {
      result = context.with(this.#context, () => {
        called = true;
        return fn();
      });
    } catch (err) {
      if (!called) return fn(); // the context manager failed, not the attempt
      this.#settled(start, err, true);
      throw err;
    }
    if (result instanceof Promise) {
      // A second reaction to the attempt's promise: it only timestamps, and handles the
      // rejection so that it cannot become an unhandled one (the engine handles the original).
      result.then(
        () => this.#settled(start, undefined, false),
        (err: unknown) => this.#settled(start, err, true),
      );
    } else if (!isThenable(result)) {
      this.#settled(start, undefined, false);
    }
    // Any other thenable is left alone: calling `then` twice runs some of them twice (a
    // mongoose Query executes on each `then`). Its attempt is timed until the run moves on.
    return result;
  }

  /** The attempt started at `start` settled (an attempt that timed out may settle after the next began). */
  #settled(start: number, error: unknown, threw: boolean): void {
    if (start !== this.#attemptStart || this.#attemptEnd !== -1) return;
    this.#attemptEnd = performance.now();
    if (threw) this.#attemptError = safely(() => errorType(error));
  }

  /** Ends the timed attempt with `outcome`; its duration runs until it settled (or now). */
  #recordAttempt(outcome: string, error: string | undefined): void {
    if (this.#attemptStart === -1) return; // no attempt ran (an open breaker refused the run)
    const end = this.#attemptEnd === -1 ? performance.now() : this.#attemptEnd;
    const duration = end - this.#attemptStart;
    this.#attemptStart = -1;
    this.#metrics.attempt(this.#operation, outcome, duration, error ?? this.#attemptError);
  }

  reconcile<R>(fn: () => R): R {
    let called = false;
    try {
      return context.with(this.#context, () => {
        called = true;
        return fn();
      });
    } catch (err) {
      if (!called) return fn(); // the context manager failed, not reconcile
      throw err;
    }
  }

  unknownOutcome(event: UnknownOutcomeEvent): void {
    try {
      const span = this.#span;
      span.setAttribute(ATTR.outcomeUnknown, true);
      span.setAttribute(ATTR.resolution, event.resolution);
      if (!span.isRecording()) return;
      span.addEvent(UNKNOWN_OUTCOME_EVENT, {
        [ATTR.attempt]: event.attempt,
        [ATTR.resolution]: event.resolution,
        [ATTR.reason]: event.verdict.reason,
      });
    } catch {
      // Instrumentation never changes the run.
    }
  }

  retry(event: RetryEvent): void {
    try {
      const type = event.error === undefined ? undefined : errorType(event.error);
      this.#recordAttempt('retry', type);
      this.#metrics.retry(this.#operation);
      if (!this.#span.isRecording()) return;
      this.#span.addEvent(RETRY_EVENT, {
        [ATTR.attempt]: event.attempt,
        [ATTR.delayMs]: Math.round(event.delayMs),
        [ATTR.reason]: event.verdict.reason,
        [ATTR.verdict]: event.verdict.action,
        ...(type === undefined
          ? {}
          : { [ATTR.errorType]: type, [ATTR.error]: describeError(event.error) }),
      });
    } catch {
      // Instrumentation never changes the run.
    }
  }

  end(end: RunEnd): void {
    if (this.#ended) return;
    this.#ended = true;
    try {
      const outcome = OUTCOME[end.kind] ?? end.kind;
      this.#recordAttempt(outcome, this.#attemptEnd === -1 ? lastAttemptError(end) : undefined);
      const reason = end.kind === 'ok' ? undefined : reasonOf(end);
      const span = this.#span;
      span.setAttribute(ATTR.attempts, end.attempts);
      span.setAttribute(ATTR.outcome, outcome);
      if (end.kind !== 'ok') {
        if (reason !== undefined) span.setAttribute(ATTR.reason, reason);
        span.setAttribute(
          ATTR.errorType,
          end.error === undefined ? OTHER_ERROR_TYPE : errorType(end.error),
        );
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: end.error === undefined ? outcome : describeError(end.error),
        });
        if (end.error !== undefined) span.recordException(redactedException(end.error));
      }
    } catch {
      // Instrumentation never changes the run.
    } finally {
      safely(() => this.#span.end());
    }
  }
}

/** tenacious's own errors around the last attempt's error: the attempt failed with their `cause`. */
const WRAPPERS: ReadonlySet<string> = new Set([
  'RetryExhaustedError',
  'UnknownOutcomeError',
  'PermanentFailureError',
]);

/**
 * The error type of a last attempt that had not settled when the run ended (abandoned by
 * `attemptTimeoutMs` or the caller's signal): what the run ended with, unwrapped.
 */
function lastAttemptError(end: RunEnd): string | undefined {
  if (end.kind === 'ok') return undefined;
  const error = WRAPPERS.has(errorType(end.error)) ? safeGet(end.error, 'cause') : end.error;
  return error === undefined ? undefined : errorType(error);
}

/**
 * Why a run ended: the engine's `reason` when it passes one, else the `reason` tenacious's own
 * error carries (`RetryExhaustedError`: `attempts`, `elapsed`, `retry-after-too-long`,
 * `budget`). Undefined otherwise (`reraise: true` rethrows the last error itself).
 */
function reasonOf(end: Extract<RunEnd, { error: unknown }>): string | undefined {
  if (end.reason !== undefined) return end.reason;
  // By name, not instanceof: the run may come from the other copy (ESM/CommonJS) of the package.
  const reason = WRAPPERS.has(errorType(end.error)) ? safeGet(end.error, 'reason') : undefined;
  return typeof reason === 'string' ? reason : undefined;
}

function safely<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
