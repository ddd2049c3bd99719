import type { ExhaustedEvent } from '../types.js';

/** Repeats held back by {@link throttleAlerts} and summarised in one message. */
export interface SuppressedSummary {
  /** How many exhaustions with the same key were held back in the window (this one included). */
  count: number;
  /** When the first of them was held back (clock milliseconds, epoch-based with the real clock). */
  sinceMs: number;
}

/**
 * What an alert listener receives: the exhaustion event, plus `suppressed` when the message is a
 * throttling summary. A summary carries the fields of the most recent held-back exhaustion.
 */
export interface AlertEvent extends ExhaustedEvent {
  suppressed?: SuppressedSummary;
}

/**
 * An exhaustion listener returned by the alert adapters and {@link throttleAlerts}: subscribe it
 * with `onExhausted(...)`. Calling it returns at once; delivery happens in the background.
 */
export interface AlertListener {
  (event: ExhaustedEvent): void;
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
