import { channel, type Channel } from 'node:diagnostics_channel';
import { emitAll, isThenable, reportListenerError, type Event } from '../core/event.js';
import { hub } from '../core/hub.js';
import { serializeError } from '../core/redaction/redact.js';
import type {
  ExhaustedEvent,
  Logger,
  StreamConnectEvent,
  StreamDisconnectEvent,
  StreamDownEvent,
  StreamUpEvent,
} from '../core/types.js';
import type { StreamPlan } from './options.js';

/**
 * The supervisor's events, described as data in the shape of the engine's `EventKind`
 * (hooks, hub, channel, log) and delivered by the one function {@link deliver}, so that a single
 * publisher can take them over. A sink that throws or rejects is reported and never changes the
 * supervisor.
 */
export interface LogLine {
  readonly level: 'warn' | 'error' | 'debug';
  readonly fields: object;
  readonly message: string;
}

export interface StreamEventKind<E> {
  readonly hooks?: (plan: StreamPlan) => readonly ((event: E) => unknown)[];
  readonly hookName?: string;
  readonly hub?: Event<E>;
  readonly channel?: Channel;
  readonly log?: (event: E) => LogLine;
}

/** Delivers `event` to the per-supervisor hooks, the hub, the diagnostics channel, the logger. */
export function deliver<E>(kind: StreamEventKind<E>, plan: StreamPlan, event: NoInfer<E>): void {
  const logger = plan.logger;
  if (kind.hooks !== undefined) emitAll(kind.hooks(plan), event, logger, kind.hookName!);
  kind.hub?.emit(event, logger);
  if (kind.channel !== undefined && kind.channel.hasSubscribers) kind.channel.publish(event);
  if (logger !== undefined && kind.log !== undefined) log(logger, kind.log(event));
}

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
const none: readonly never[] = [];
const seconds = (ms: number) => Math.round(ms / 1000);

/** A connection is open (its `onConnect` done). `onConnect` itself is awaited, not a sink. */
export const STREAM_CONNECT: StreamEventKind<StreamConnectEvent> = {
  hub: hub.streamConnect,
  channel: channel('tenacious:stream-connect'),
  log: ({ operation, attempt, reconnects }) => ({
    level: 'debug',
    fields: { operation, attempt, reconnects },
    message: `${operation}: connected`,
  }),
};

/** A connection ended; the hook receives it without the hub-only `connectionId`. */
export const STREAM_DISCONNECT: StreamEventKind<StreamDisconnectEvent> = {
  hooks: (plan) =>
    plan.onDisconnect === undefined
      ? none
      : [
          ({ connectionId: _, ...info }: StreamDisconnectEvent) =>
            (plan.onDisconnect as (event: object) => unknown)(info),
        ],
  hookName: 'onDisconnect hook',
  hub: hub.streamDisconnect,
  channel: channel('tenacious:stream-disconnect'),
  log: ({ operation, reason, uptimeMs, error, willReconnect, delayMs }) => ({
    level:
      reason === 'stopped' || reason === 'replaced' || reason === 'lifetime' ? 'debug' : 'warn',
    fields: { operation, reason, uptimeMs: Math.round(uptimeMs), delayMs, err: errField(error) },
    message: willReconnect
      ? `${operation}: connection ${reason}; reconnecting in ${Math.round(delayMs ?? 0)} ms`
      : `${operation}: connection ${reason}`,
  }),
};

/** Down longer than `downAfterMs`: once per outage. */
export const STREAM_DOWN: StreamEventKind<StreamDownEvent> = {
  hub: hub.streamDown,
  channel: channel('tenacious:stream-down'),
  log: ({ operation, downForMs, reconnects, lastError }) => ({
    level: 'error',
    fields: { operation, downForMs: Math.round(downForMs), reconnects, err: errField(lastError) },
    message: `${operation}: stream down for ${seconds(downForMs)} s, ${reconnects} reconnects`,
  }),
};

/** Back after a reported outage. */
export const STREAM_UP: StreamEventKind<StreamUpEvent> = {
  hub: hub.streamUp,
  channel: channel('tenacious:stream-up'),
  log: ({ operation, downForMs, reconnects }) => ({
    level: 'warn',
    fields: { operation, downForMs: Math.round(downForMs), reconnects },
    message: `${operation}: stream back after ${seconds(downForMs)} s, ${reconnects} reconnects`,
  }),
};

/** The supervisor gave up: the process-wide exhaustion event, so alerts and metrics hear it. */
export const STREAM_GIVE_UP: StreamEventKind<ExhaustedEvent> = {
  hooks: (plan) => (plan.onGiveUp === undefined ? none : [plan.onGiveUp]),
  hookName: 'onGiveUp hook',
  hub: hub.exhausted,
  channel: channel('tenacious:exhausted'),
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
