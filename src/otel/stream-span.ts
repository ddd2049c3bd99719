import {
  context,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { describeError } from '../core/redaction/redact.js';
import type {
  StreamConnectEvent,
  StreamConnectionEnd,
  StreamConnectionStart,
  StreamScope,
} from '../core/types.js';
import { errorType, redactedException } from './errors.js';
import { ATTR, RECONNECT_EVENT, STREAM_OPEN_EVENT, STREAM_SPAN_NAME_PREFIX } from './names.js';

/** A connection failed when its connect or its socket did, or when it fell silent. */
const FAILED: ReadonlySet<StreamConnectionEnd['reason']> = new Set(['error', 'stale']);

/**
 * One connection of a supervised stream as a span, from its connect attempt to its close: its
 * `connect(ctx)` runs with the span active (so the client's handshake spans nest under it), an
 * `open` event marks its `onConnect` done, a `reconnect` event says why and after what wait the
 * supervisor connects again, and a failed connection ends with an error status.
 *
 * Each connection is the root of its own trace: it outlives, by hours, the code that started the
 * supervisor. Nothing here may change the stream: a tracer that throws is ignored.
 */
export class StreamSpan implements StreamScope {
  readonly #span: Span;
  readonly #context: Context;
  #ended = false;

  constructor(tracer: Tracer, { operation, attempt, reconnects }: StreamConnectionStart) {
    this.#span = tracer.startSpan(`${STREAM_SPAN_NAME_PREFIX}${operation}`, {
      kind: SpanKind.INTERNAL,
      root: true,
      attributes: {
        [ATTR.operation]: operation,
        [ATTR.attempt]: attempt,
        [ATTR.reconnects]: reconnects,
      },
    });
    this.#context = trace.setSpan(context.active(), this.#span);
  }

  connect<R>(fn: () => R): R {
    let called = false;
    try {
      return context.with(this.#context, () => {
        called = true;
        return fn();
      });
    } catch (err) {
      if (!called) return fn(); // the context manager failed, not the connect
      throw err;
    }
  }

  opened(_event: StreamConnectEvent): void {
    safely(() => this.#span.addEvent(STREAM_OPEN_EVENT));
  }

  end(end: StreamConnectionEnd): void {
    if (this.#ended) return;
    this.#ended = true;
    const span = this.#span;
    try {
      span.setAttribute(ATTR.closeReason, end.reason);
      if (end.willReconnect) {
        span.addEvent(RECONNECT_EVENT, {
          [ATTR.reason]: end.retryReason ?? end.reason,
          [ATTR.delayMs]: Math.round(end.delayMs ?? 0),
        });
      }
      if (FAILED.has(end.reason)) {
        const { error } = end;
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: error === undefined ? end.reason : describeError(error),
        });
        if (error !== undefined) {
          span.setAttribute(ATTR.errorType, errorType(error));
          span.recordException(redactedException(error));
        }
      }
    } catch {
      // Instrumentation never changes the stream.
    } finally {
      safely(() => span.end());
    }
  }
}

function safely(f: () => void): void {
  try {
    f();
  } catch {
    // Instrumentation never changes the stream.
  }
}
