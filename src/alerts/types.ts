import type {
  Clock,
  ExhaustedEvent,
  Logger,
  StreamDownEvent,
  StreamUpEvent,
  UnknownOutcomeEvent,
} from '../core/types.js';

/** Repeats held back by {@link throttleAlerts} and summarised in one message. */
export interface SuppressedSummary {
  /** How many events with the same key were held back in the window (this one included). */
  count: number;
  /** When the first of them was held back (clock milliseconds, epoch-based with the real clock). */
  sinceMs: number;
}

/** What the alert adapters take: an exhaustion (`onExhausted`) or an unknown outcome (`onUnknownOutcome`). */
export type AlertInput = ExhaustedEvent | UnknownOutcomeEvent;

/** An exhaustion as an alert listener receives it, plus `suppressed` on a throttling summary. */
export interface ExhaustedAlertEvent extends ExhaustedEvent {
  suppressed?: SuppressedSummary;
}

/** An unknown outcome as an alert listener receives it, plus `suppressed` on a throttling summary. */
export interface UnknownOutcomeAlertEvent extends UnknownOutcomeEvent {
  suppressed?: SuppressedSummary;
}

/**
 * What an alert listener receives: the event, plus `suppressed` when the message is a throttling
 * summary. A summary carries the fields of the most recent held-back event. Tell the two kinds
 * apart with {@link isUnknownOutcomeEvent}.
 */
export type AlertEvent = ExhaustedAlertEvent | UnknownOutcomeAlertEvent;

/** `onStreamDown`/`onStreamUp` events, which `telegramAlert` and `webhookAlert` take too. */
export type StreamAlertEvent = StreamDownEvent | StreamUpEvent;

/**
 * True for `onStreamDown`/`onStreamUp` events (`tenacious/stream`): sent as they come, since a
 * supervisor reports each outage once and its end once.
 *
 * @example
 * ```ts
 * if (isStreamEvent(event)) pager.page(`${event.operation} ${event.state}`);
 * ```
 */
export function isStreamEvent(event: unknown): event is StreamDownEvent | StreamUpEvent {
  const state = (event as { state?: unknown } | null)?.state;
  return (
    typeof event === 'object' &&
    event !== null &&
    (state === 'down' || state === 'up') &&
    typeof (event as { downForMs?: unknown }).downForMs === 'number'
  );
}

/**
 * True for an unknown outcome (it has a `resolution`), false for an exhaustion.
 *
 * @example
 * ```ts
 * const alert = throttleAlerts((event) => {
 *   if (isUnknownOutcomeEvent(event)) pager.page(`${event.operation}: ${event.resolution}`);
 * });
 * ```
 */
export function isUnknownOutcomeEvent(event: unknown): event is UnknownOutcomeEvent {
  return (
    typeof event === 'object' &&
    event !== null &&
    typeof (event as { resolution?: unknown }).resolution === 'string'
  );
}

/**
 * True for an unknown outcome nobody resolved (`unreconciled`, `reconcile-failed`): the order may
 * be live and nothing will find out by itself. Throttling never holds these back.
 *
 * @example
 * ```ts
 * isUnresolvedOutcome({ ...event, resolution: 'reconcile-failed' }); // true
 * ```
 */
export function isUnresolvedOutcome(event: unknown): boolean {
  if (!isUnknownOutcomeEvent(event)) return false;
  return event.resolution === 'unreconciled' || event.resolution === 'reconcile-failed';
}

/**
 * A listener returned by the alert adapters and {@link throttleAlerts}: subscribe it with
 * `onExhausted(...)` and `onUnknownOutcome(...)`. Calling it returns at once; delivery happens in
 * the background.
 */
export interface AlertListener {
  /** Stream events are sent by `telegramAlert`/`webhookAlert` and ignored by `throttleAlerts`. */
  (event: AlertInput | StreamAlertEvent): void;
  /**
   * Sends every pending throttling summary now, ends every open window (clearing its timer) and
   * resolves when all deliveries in flight have finished. Never rejects. Call it before the
   * process exits.
   */
  flush: () => Promise<void>;
  /** Cancels timers and discards held-back repeats; later events are ignored. Idempotent. */
  stop: () => void;
  /** Alias of {@link AlertListener.stop}. */
  close: () => void;
}

/** The part of a fetch `Response` the adapters read. */
export interface FetchResponseLike {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** The subset of `fetch` the adapters use (the global `fetch`, undici's, or a wrapper). */
export type FetchLike = (
  input: string,
  init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<FetchResponseLike>;

/** Options every alert adapter (`telegramAlert`, `webhookAlert`) takes. */
export interface AlertAdapterOptions {
  /** Default: the global `fetch`. */
  fetch?: FetchLike;
  /** Repeats of the same operation and error within this window are summarised. Default 60000; 0 disables. */
  throttleMs?: number;
  /** Receives `error` on a failed delivery and `debug` on a delivered one. */
  logger?: Logger;
  /** For the throttling windows, the delivery retry's delays and the message time. Default: real time. */
  clock?: Clock;
  /** Shown as the host (`Host:` in text messages); default `os.hostname()`. */
  hostname?: string;
  /** Each delivery request is abandoned after this long (then retried). Default 10000. */
  attemptTimeoutMs?: number;
}
