import { channel, type Channel } from 'node:diagnostics_channel';
import { emitAll, isThenable, reportListenerError, type Event } from './event.js';
import { hub } from './hub.js';
import type { Plan } from './options.js';
import { serializeError } from './redaction/redact.js';
import type { Trace } from './trace.js';
import type {
  ExhaustedEvent,
  Logger,
  RetryEvent,
  SuccessEvent,
  UnknownOutcomeEvent,
  UnknownOutcomeResolution,
  Verdict,
} from './types.js';

/** A log line: its level, its fields and its message. */
export interface LogLine {
  readonly level: 'warn' | 'error';
  readonly fields: object;
  readonly message: string;
}

/**
 * One kind of event, described once: who hears it. {@link publish} delivers it to the sinks in
 * this order: per-call hooks, the process-wide hub, the diagnostics channel, the run's trace
 * (`tenacious/otel`), the logger. A kind leaves out the sinks it has none of.
 */
export interface EventKind<E> {
  /** The per-call hooks, and their name in fault reports (`onRetry hook`). */
  readonly hooks?: (plan: Plan) => readonly ((event: E) => unknown)[];
  readonly hookName?: string;
  /** The process-wide subscription (all copies of the package). */
  readonly hub?: Event<E>;
  /** The `node:diagnostics_channel` channel tracing tools subscribe to. */
  readonly channel?: Channel;
  /** What an instrumented run's trace does with it. */
  readonly trace?: (trace: Trace, event: E) => void;
  /** The line logged, when the run has a logger. */
  readonly log?: (event: E) => LogLine;
}

/** Whether anyone hears `kind` in this run: an event nobody hears is never built. */
export function listens<E>(kind: EventKind<E>, plan: Plan, trace: Trace | undefined): boolean {
  return (
    (kind.hooks !== undefined && kind.hooks(plan).length !== 0) ||
    (plan.logger !== undefined && kind.log !== undefined) ||
    (trace !== undefined && kind.trace !== undefined) ||
    (!plan.internal &&
      ((kind.hub !== undefined && kind.hub.listeners.length !== 0) ||
        (kind.channel !== undefined && kind.channel.hasSubscribers)))
  );
}

/**
 * Delivers `event` to every sink of `kind`, in the fixed order of {@link EventKind}. A sink that
 * throws or rejects is reported (to the logger, else as a process warning) and never changes the
 * run. tenacious's own runs (`plan.internal`: alert deliveries) stay off the process-wide sinks,
 * so they are not counted or traced as the service's calls.
 */
export function publish<E>(
  kind: EventKind<E>,
  plan: Plan,
  trace: Trace | undefined,
  event: NoInfer<E>,
): void {
  const logger = plan.logger;
  if (kind.hooks !== undefined) emitAll(kind.hooks(plan), event, logger, kind.hookName!);
  if (!plan.internal) {
    kind.hub?.emit(event, logger);
    if (kind.channel !== undefined && kind.channel.hasSubscribers) kind.channel.publish(event);
  }
  if (trace !== undefined && kind.trace !== undefined) {
    try {
      kind.trace(trace, event);
    } catch (error) {
      reportListenerError(error, undefined, 'instrumentation');
    }
  }
  if (logger !== undefined && kind.log !== undefined) log(logger, kind.log(event));
}

/** A logger that throws or rejects is reported, never passed on: logging never changes a result. */
function log(logger: Logger, { level, fields, message }: LogLine): void {
  try {
    const result: unknown = logger[level](fields, message);
    if (isThenable(result)) {
      result.then(undefined, (error: unknown) =>
        reportListenerError(error, undefined, `logger.${level}`),
      );
    }
  } catch (error) {
    reportListenerError(error, undefined, `logger.${level}`);
  }
}

const errField = (error: unknown) => (error === undefined ? undefined : serializeError(error));

/** A failed attempt that will be retried, before its delay. */
export const RETRY: EventKind<RetryEvent> = {
  hooks: (plan) => plan.onRetry,
  hookName: 'onRetry hook',
  hub: hub.retry,
  channel: channel('tenacious:retry'),
  trace: (trace, event) => trace.retry(event),
  log: (event) => {
    const delayMs = Math.round(event.delayMs);
    return {
      level: 'warn',
      fields: {
        operation: event.operation,
        attempt: event.attempt,
        maxAttempts: event.maxAttempts,
        delayMs,
        reason: event.verdict.reason,
        err: errField(event.error),
      },
      message: `${event.operation} attempt ${event.attempt}/${event.maxAttempts} failed (${event.verdict.reason}); retrying in ${delayMs} ms`,
    };
  },
};

/** The run resolved with a value. Nothing is logged on success. */
export const SUCCESS: EventKind<SuccessEvent> = {
  hooks: (plan) => plan.onSuccess,
  hookName: 'onSuccess hook',
  hub: hub.success,
};

/** The run gave up on retryable failures. */
export const EXHAUSTED: EventKind<ExhaustedEvent> = {
  hooks: (plan) => plan.onExhausted,
  hookName: 'onExhausted hook',
  hub: hub.exhausted,
  channel: channel('tenacious:exhausted'),
  trace: (trace, event) => trace.end('exhausted', event.reason),
  log: ({ operation, attempts, elapsedMs, reason, verdict, error }) => ({
    level: 'error',
    fields: {
      operation,
      attempts,
      elapsedMs: Math.round(elapsedMs),
      reason,
      verdict: verdict.reason,
      err: errField(error),
    },
    message: `${operation} gave up after ${attempts} attempt${attempts === 1 ? '' : 's'} (${reason})`,
  }),
};

const UNKNOWN_LOG_LEVEL: Readonly<Record<UnknownOutcomeResolution, 'warn' | 'error'>> = {
  executed: 'warn',
  'not-executed': 'warn',
  unreconciled: 'error',
  'reconcile-failed': 'error',
};

/** An unknown outcome of a non-idempotent call, and how it was resolved. */
export const UNKNOWN_OUTCOME: EventKind<UnknownOutcomeEvent> = {
  hooks: (plan) => plan.onUnknownOutcome,
  hookName: 'onUnknownOutcome hook',
  hub: hub.unknownOutcome,
  channel: channel('tenacious:unknown-outcome'),
  trace: (trace, event) => trace.unknownOutcome(event),
  log: (event) => ({
    level: UNKNOWN_LOG_LEVEL[event.resolution],
    fields: {
      operation: event.operation,
      attempt: event.attempt,
      reason: event.verdict.reason,
      resolution: event.resolution,
      err: errField(event.reconcileError ?? event.error),
    },
    message: `${event.operation}: outcome unknown after attempt ${event.attempt} (${event.verdict.reason}); ${event.resolution}`,
  }),
};

/** A `fail` verdict ended the run (the caller receives the error; only the trace records it). */
export interface FailEvent {
  operation: string;
  attempts: number;
  elapsedMs: number;
  verdict: Verdict;
  error: unknown;
}

export const FAIL: EventKind<FailEvent> = {
  trace: (trace, event) => trace.end('fail', event.verdict.reason),
};

/** The wrapped client retried by itself before it threw (see `Verdict.clientRetried`). */
export interface ClientRetriedEvent {
  operation: string;
  clientAttempts: number;
  setting: string;
}

export const CLIENT_RETRIED: EventKind<ClientRetriedEvent> = {
  log: ({ operation, clientAttempts, setting }) => ({
    level: 'warn',
    fields: { operation, clientAttempts, setting },
    message: `${operation}: the client already made ${clientAttempts} attempts by itself; turn its retries off (${setting}) so that attempts are not multiplied`,
  }),
};
