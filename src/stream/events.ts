import { lazyChannel } from '../core/channels.js';
import type { Event } from '../core/event.js';
import { hub } from '../core/hub.js';
import type { EventKind, Publisher } from '../core/publish.js';
import { serializeError } from '../core/redaction/redact.js';
import type {
  ExhaustedEvent,
  StreamConnectEvent,
  StreamConnectionEnd,
  StreamDisconnectEvent,
  StreamDownEvent,
  StreamScope,
  StreamUpEvent,
} from '../core/types.js';
import type { StreamPlan } from './options.js';
import type { SupervisorStateChange } from './supervisor.js';

/**
 * A supervisor's events, each described once as the core's `EventKind` and delivered by the
 * core's `publish`, like a retry run's: hooks, the process-wide hub, the diagnostics channel,
 * the connection's instrumentation scope (`tenacious/otel`), the logger, every sink isolated.
 */

/** What a supervisor publishes through: its logger, its hooks and its own state listeners. */
export interface StreamPublisher extends Publisher {
  readonly onDisconnect: readonly ((event: StreamDisconnectEvent) => unknown)[];
  readonly onGiveUp: readonly ((event: ExhaustedEvent) => unknown)[];
  readonly changes: Event<SupervisorStateChange>;
}

/** The publisher of one supervisor, made once: the hook lists are not rebuilt per event. */
export function streamPublisher(
  plan: StreamPlan,
  changes: Event<SupervisorStateChange>,
): StreamPublisher {
  const { onDisconnect, onGiveUp } = plan;
  return {
    logger: plan.logger,
    // The hook receives the event without the hub-only `connectionId`.
    onDisconnect:
      onDisconnect === undefined
        ? none
        : [({ connectionId: _, ...info }: StreamDisconnectEvent) => onDisconnect(info)],
    onGiveUp: onGiveUp === undefined ? none : [onGiveUp],
    changes,
  };
}

/** A stream kind: published by a supervisor, traced on a connection's scope. */
type StreamKind<E> = EventKind<E, StreamPublisher, StreamScope>;

const errField = (error: unknown) => (error === undefined ? undefined : serializeError(error));
const none: readonly never[] = [];
const seconds = (ms: number) => Math.round(ms / 1000);

/** A connection is open (its `onConnect` done). `onConnect` itself is awaited, not a sink. */
export const STREAM_CONNECT: StreamKind<StreamConnectEvent> = {
  hub: hub.streamConnect,
  channel: lazyChannel('tenacious:stream-connect'),
  trace: (scope, event) => scope.opened(event),
  log: ({ operation, attempt, reconnects }) => ({
    level: 'debug',
    fields: { operation, attempt, reconnects },
    message: `${operation}: connected`,
  }),
};

/** A connection ended. Replacements and stops are routine (`debug`); drops are `warn`. */
export const STREAM_DISCONNECT: StreamKind<StreamDisconnectEvent> = {
  hooks: { of: (publisher) => publisher.onDisconnect, name: 'onDisconnect hook' },
  hub: hub.streamDisconnect,
  channel: lazyChannel('tenacious:stream-disconnect'),
  trace: (scope, { reason, error, willReconnect, delayMs }) =>
    scope.end({
      reason,
      opened: true,
      retryReason: reason,
      willReconnect,
      ...(error === undefined ? {} : { error }),
      ...(delayMs === undefined ? {} : { delayMs }),
    }),
  log: ({ operation, reason, uptimeMs, error, willReconnect, delayMs }) => ({
    level:
      reason === 'stopped' || reason === 'replaced' || reason === 'lifetime' ? 'debug' : 'warn',
    fields: { operation, reason, uptimeMs: Math.round(uptimeMs), delayMs, err: errField(error) },
    message: willReconnect
      ? `${operation}: connection ${reason}; reconnecting in ${Math.round(delayMs ?? 0)} ms`
      : `${operation}: connection ${reason}`,
  }),
};

/**
 * A connect attempt failed (or the supervisor stopped during it): only its scope hears it. The
 * outage it belongs to is reported by {@link STREAM_DOWN}, and a give-up by {@link STREAM_GIVE_UP}.
 */
export const STREAM_CONNECT_FAILED: StreamKind<StreamConnectionEnd> = {
  trace: (scope, end) => scope.end(end),
};

/** Down longer than `downAfterMs`: once per outage. */
export const STREAM_DOWN: StreamKind<StreamDownEvent> = {
  hub: hub.streamDown,
  channel: lazyChannel('tenacious:stream-down'),
  log: ({ operation, downForMs, reconnects, lastError }) => ({
    level: 'error',
    fields: { operation, downForMs: Math.round(downForMs), reconnects, err: errField(lastError) },
    message: `${operation}: stream down for ${seconds(downForMs)} s, ${reconnects} reconnects`,
  }),
};

/** Back after a reported outage. */
export const STREAM_UP: StreamKind<StreamUpEvent> = {
  hub: hub.streamUp,
  channel: lazyChannel('tenacious:stream-up'),
  log: ({ operation, downForMs, reconnects }) => ({
    level: 'warn',
    fields: { operation, downForMs: Math.round(downForMs), reconnects },
    message: `${operation}: stream back after ${seconds(downForMs)} s, ${reconnects} reconnects`,
  }),
};

/** The supervisor gave up: the process-wide exhaustion event, so alerts and metrics hear it. */
export const STREAM_GIVE_UP: StreamKind<ExhaustedEvent> = {
  hooks: { of: (publisher) => publisher.onGiveUp, name: 'onGiveUp hook' },
  hub: hub.exhausted,
  channel: lazyChannel('tenacious:exhausted'),
  log: ({ operation, attempts, elapsedMs, verdict, error }) => ({
    level: 'error',
    fields: {
      operation,
      attempts,
      elapsedMs: Math.round(elapsedMs),
      reason: verdict.reason,
      err: errField(error),
    },
    message: `${operation}: stream gave up after ${attempts} connect attempt${attempts === 1 ? '' : 's'} (${verdict.reason})`,
  }),
};

/** The supervisor's state changed: its own `onStateChange` listeners hear it. */
export const STATE_CHANGE: StreamKind<SupervisorStateChange> = {
  hooks: {
    of: (publisher) => publisher.changes.listeners,
    name: 'supervisor onStateChange listener',
  },
};

/**
 * Subscribes to every supervised stream in the process that stays down longer than its
 * `downAfterMs`: called once per outage. Returns an unsubscribe function.
 *
 * @example
 * ```ts
 * const stop = onStreamDown((e) => pager.page(`${e.operation} down for ${Math.round(e.downForMs / 1000)} s`));
 * ```
 */
export function onStreamDown(listener: (event: StreamDownEvent) => unknown): () => void {
  return hub.streamDown.subscribe(listener);
}

/**
 * Subscribes to every reported outage's end: the stream is open again. Returns an unsubscribe
 * function.
 *
 * @example
 * ```ts
 * const stop = onStreamUp((e) => pager.resolve(`${e.operation} back after ${e.reconnects} reconnects`));
 * ```
 */
export function onStreamUp(listener: (event: StreamUpEvent) => unknown): () => void {
  return hub.streamUp.subscribe(listener);
}
