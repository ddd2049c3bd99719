import { lazyChannel, type EventChannel } from './channels.js';
import { callIsolated, emitAll, type Event } from './event.js';
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
  readonly level: 'warn' | 'error' | 'debug';
  readonly fields: object;
  readonly message: string;
}

/**
 * Who publishes an event: a run's plan, or another part of the package with settings of its own
 * (a stream supervisor). Sink faults are reported to its `logger`, which also takes the line.
 */
export interface Publisher {
  readonly logger: Logger | undefined;
  /** tenacious's own work (an alert delivery): kept off the process-wide sinks. */
  readonly internal?: boolean;
}

/** The per-call hooks of a kind: where the publisher keeps them, and their name in fault reports. */
export interface Hooks<E, P extends Publisher> {
  readonly of: (publisher: P) => readonly ((event: E) => unknown)[];
  /** `onRetry hook` */
  readonly name: string;
}

/**
 * One kind of event, described once: who hears it. {@link publish} delivers it to the sinks in
 * this order: per-call hooks, the process-wide hub, the diagnostics channel, the instrumentation
 * scope (`tenacious/otel`: a run's {@link Trace}, a stream connection's `StreamScope`), the
 * logger. A kind leaves out the sinks it has none of.
 *
 * @example
 * ```ts
 * const STREAM_DOWN: EventKind<StreamDownEvent, SupervisorSettings> = {
 *   hooks: { of: (settings) => settings.onStreamDown, name: 'onStreamDown hook' },
 *   hub: streamDown,
 *   channel: lazyChannel('tenacious:stream-down'),
 *   log: (event) => ({ level: 'error', fields: { operation: event.operation }, message: 'down' }),
 * };
 * publish(STREAM_DOWN, settings, undefined, event);
 * ```
 */
export interface EventKind<E, P extends Publisher = Plan, S = Trace> {
  readonly hooks?: Hooks<E, P>;
  /** The process-wide subscription (all copies of the package). */
  readonly hub?: Event<E>;
  /** The `node:diagnostics_channel` channel tracing tools subscribe to. */
  readonly channel?: EventChannel;
  /** What an instrumented scope does with it. */
  readonly trace?: (scope: S, event: E) => void;
  /** The line logged, when the publisher has a logger. */
  readonly log?: (event: E) => LogLine;
}

/**
 * Whether anyone hears `kind` from `publisher`: an event nobody hears is never built.
 *
 * @example
 * ```ts
 * if (listens(RETRY, plan, trace)) publish(RETRY, plan, trace, buildRetryEvent());
 * ```
 */
export function listens<E, P extends Publisher, S>(
  kind: EventKind<E, P, S>,
  publisher: P,
  scope: S | undefined,
): boolean {
  return (
    (kind.hooks !== undefined && kind.hooks.of(publisher).length !== 0) ||
    (publisher.logger !== undefined && kind.log !== undefined) ||
    (scope !== undefined && kind.trace !== undefined) ||
    (publisher.internal !== true &&
      ((kind.hub !== undefined && kind.hub.listeners.length !== 0) ||
        (kind.channel !== undefined && kind.channel.hasSubscribers)))
  );
}

/**
 * Delivers `event` to every sink of `kind`, in the fixed order of {@link EventKind}. Every sink
 * is called isolated: one that throws or rejects is reported (to the publisher's logger, else
 * as a process warning; a failing logger always as a warning) and never changes the caller's
 * result. tenacious's own work stays off the process-wide sinks, so it is not counted or traced
 * as the service's.
 *
 * @example
 * ```ts
 * publish(UNKNOWN_OUTCOME, plan, trace, { ...fields, resolution: 'unreconciled' });
 * ```
 */
export function publish<E, P extends Publisher, S>(
  kind: EventKind<E, P, S>,
  publisher: P,
  scope: S | undefined,
  event: NoInfer<E>,
): void {
  const { logger } = publisher;
  const { hooks, hub, channel, trace, log } = kind;
  if (hooks !== undefined) emitAll(hooks.of(publisher), event, logger, hooks.name);
  if (publisher.internal !== true) {
    hub?.emit(event, logger);
    // diagnostics_channel isolates its subscribers itself (a throw is rethrown on next tick).
    if (channel !== undefined && channel.hasSubscribers) channel.publish(event);
  }
  if (scope !== undefined && trace !== undefined) {
    callIsolated((e: E) => trace(scope, e), event, logger, 'instrumentation');
  }
  if (logger !== undefined && log !== undefined) {
    const line = log(event);
    callIsolated(write, { logger, line }, undefined, `logger.${line.level}`);
  }
}

/** Writes one line; what an async logger returns is handed back so its rejection is caught. */
function write({ logger, line }: { logger: Logger; line: LogLine }): unknown {
  return logger[line.level](line.fields, line.message);
}

const errField = (error: unknown) => (error === undefined ? undefined : serializeError(error));

/** A failed attempt that will be retried, before its delay. */
export const RETRY: EventKind<RetryEvent> = {
  hooks: { of: (plan) => plan.onRetry, name: 'onRetry hook' },
  hub: hub.retry,
  channel: lazyChannel('tenacious:retry'),
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
  hooks: { of: (plan) => plan.onSuccess, name: 'onSuccess hook' },
  hub: hub.success,
};

/** The run gave up on retryable failures. */
export const EXHAUSTED: EventKind<ExhaustedEvent> = {
  hooks: { of: (plan) => plan.onExhausted, name: 'onExhausted hook' },
  hub: hub.exhausted,
  channel: lazyChannel('tenacious:exhausted'),
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
  hooks: { of: (plan) => plan.onUnknownOutcome, name: 'onUnknownOutcome hook' },
  hub: hub.unknownOutcome,
  channel: lazyChannel('tenacious:unknown-outcome'),
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
