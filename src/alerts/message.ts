import { describeError, redactText, serializeError } from '../core/redaction/redact.js';
import type { ExhaustedReason, UnknownOutcomeResolution } from '../core/types.js';
import {
  isStreamEvent,
  isUnknownOutcomeEvent,
  type AlertEvent,
  type ExhaustedAlertEvent,
  type StreamAlertEvent,
  type UnknownOutcomeAlertEvent,
} from './types.js';
import { lookupTable } from '../core/table.js';

/**
 * The words of an alert: one readable text for chat channels and one data payload for JSON
 * webhooks. Every string that comes from the event (operation, error, verdict reason) is
 * redacted, with the adapter's own secrets (bot token, webhook URL, header values) removed as
 * literals.
 */

/** What a message needs besides the event. */
export interface MessageContext {
  host: string;
  nowMs: number;
  /** Literal secret values to redact wherever they appear. */
  secrets: readonly string[];
}

/** Why the run gave up, in words. */
// No prototype (lookupTable): a hand-built event's reason such as `constructor` reads 'unknown'.
const REASON_TEXT: Readonly<Record<string, string>> = lookupTable({
  attempts: 'no attempts left',
  elapsed: 'time budget (maxElapsedMs) spent',
  'retry-after-too-long': 'server asked to wait longer than maxRetryAfterMs',
  budget: 'retry budget denied a retry',
} satisfies Record<ExhaustedReason, string>);

/** How an unknown outcome was resolved, in words: what the reader must do comes first. */
const RESOLUTION_TEXT: Readonly<Record<string, string>> = lookupTable({
  executed: 'reconcile found it executed; the run returned that result',
  'not-executed': 'reconcile found it not executed; it was sent again',
  unreconciled: 'no reconcile; it may or may not have executed: check the venue',
  'reconcile-failed': 'reconcile failed; it may or may not have executed: check the venue',
} satisfies Record<UnknownOutcomeResolution, string>);

/**
 * `850 ms`, `7.2 s`, `3 min 5 s`.
 *
 * @example
 * ```ts
 * formatDuration(7200); // '7.2 s'
 * ```
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return `${ms} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  return `${Math.floor(totalSeconds / 60)} min ${totalSeconds % 60} s`;
}

/**
 * `2024-05-01T10:02:03.000Z`, or the raw number when it is not a valid time.
 *
 * @example
 * ```ts
 * isoTime(0); // '1970-01-01T00:00:00.000Z'
 * ```
 */
export function isoTime(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}

/** `10:02:03 UTC`. */
function clockTime(ms: number): string {
  const iso = isoTime(ms);
  return iso.length >= 19 ? `${iso.slice(11, 19)} UTC` : iso;
}

function errorLine(
  event: ExhaustedAlertEvent | UnknownOutcomeAlertEvent,
  secrets: readonly string[],
): string {
  if (event.error !== undefined) return describeError(event.error, secrets);
  return isUnknownOutcomeEvent(event)
    ? 'none (the outcome was a returned value)'
    : 'none (gave up on a returned value)';
}

/**
 * The alert as readable plain text, one fact per line. An unknown outcome says so first:
 * `OUTCOME UNKNOWN: place_order …`.
 *
 * @example
 * ```ts
 * alertText(event, { host: 'trader-1', nowMs: Date.now(), secrets: [token] });
 * // ⚠️ place_order gave up
 * // Error: BinanceError [-1003]: Too many requests
 * // Attempts: 4 in 7.2 s …
 * ```
 */
export function alertText(event: AlertEvent | StreamAlertEvent, ctx: MessageContext): string {
  const lines = isStreamEvent(event)
    ? streamLines(event, ctx)
    : isUnknownOutcomeEvent(event)
      ? unknownOutcomeLines(event, ctx)
      : exhaustedLines(event, ctx);
  lines.push(`Host: ${ctx.host}`, `Time: ${isoTime(ctx.nowMs)}`);
  const suppressed = isStreamEvent(event) ? undefined : event.suppressed;
  if (suppressed !== undefined && suppressed.count > 0) {
    lines.push(
      `Held back: ${suppressed.count} similar alert${suppressed.count === 1 ? '' : 's'} since ${clockTime(suppressed.sinceMs)} (this message shows the latest)`,
    );
  }
  return redactText(lines.join('\n'), ctx.secrets);
}

function exhaustedLines(event: ExhaustedAlertEvent, ctx: MessageContext): string[] {
  const reasonText = REASON_TEXT[event.reason] ?? 'unknown';
  return [
    `⚠️ ${event.operation} gave up`,
    `Error: ${errorLine(event, ctx.secrets)}`,
    `Attempts: ${event.attempts} in ${formatDuration(event.elapsedMs)}`,
    `Verdict: ${event.verdict?.action} (${event.verdict?.reason})`,
    `Gave up: ${event.reason} (${reasonText})`,
  ];
}

/** `STREAM DOWN: binance-trades for 45 s, 6 reconnects` (and `STREAM UP: … back after …`). */
function streamLines(event: StreamAlertEvent, ctx: MessageContext): string[] {
  const seconds = Math.round(event.downForMs / 1000);
  const reconnects = `${event.reconnects} reconnect${event.reconnects === 1 ? '' : 's'}`;
  const lines = [
    event.state === 'down'
      ? `STREAM DOWN: ${event.operation} for ${seconds} s, ${reconnects}`
      : `STREAM UP: ${event.operation} back after ${seconds} s, ${reconnects}`,
    `Down since: ${isoTime(event.downSinceMs)}`,
  ];
  if (event.lastError !== undefined) {
    lines.push(`Last error: ${describeError(event.lastError, ctx.secrets)}`);
  }
  return lines;
}

function unknownOutcomeLines(event: UnknownOutcomeAlertEvent, ctx: MessageContext): string[] {
  const resolutionText = RESOLUTION_TEXT[event.resolution] ?? 'unknown';
  const lines = [
    `OUTCOME UNKNOWN: ${event.operation} (${event.resolution})`,
    `Resolution: ${event.resolution} (${resolutionText})`,
    `Error: ${errorLine(event, ctx.secrets)}`,
    `Attempt: ${event.attempt} after ${formatDuration(event.elapsedMs)}`,
    `Verdict: ${event.verdict?.action} (${event.verdict?.reason})`,
  ];
  if (event.reconcileError !== undefined) {
    lines.push(`Reconcile error: ${describeError(event.reconcileError, ctx.secrets)}`);
  }
  return lines;
}

/** The `json` webhook payload: the event as data. */
export interface AlertPayload {
  /** `exhausted` (a run gave up) or `unknown-outcome` (an order or transaction may have executed). */
  kind: 'exhausted' | 'unknown-outcome' | 'stream-down' | 'stream-up';
  operation: string;
  /** Attempts made (for an unknown outcome: the attempt whose outcome is unknown). */
  attempts: number;
  elapsedMs: number;
  /** Why the run gave up (`ExhaustedEvent.reason`), or `unknown-outcome`. */
  reason: string;
  /** How an unknown outcome was resolved (`executed`, `not-executed`, `unreconciled`, `reconcile-failed`). */
  resolution?: UnknownOutcomeResolution;
  verdict: { action: string; reason: string; retryAfterMs?: number };
  /** `serializeError` output (redacted), or `null` when the outcome was a returned value. */
  error: unknown;
  /** What `reconcile` threw (redacted), for `reconcile-failed`. */
  reconcileError?: unknown;
  host: string;
  /** ISO time at which the alert was composed. */
  time: string;
  /** Repeats held back by throttling and summarised by this alert (0 for a first alert). */
  suppressed: number;
  /** ISO time of the first held-back repeat, when `suppressed > 0`. */
  suppressedSince?: string;
}

/**
 * The alert as a JSON-safe object.
 *
 * @example
 * ```ts
 * JSON.stringify(alertPayload(event, { host: 'trader-1', nowMs: Date.now(), secrets: [] }));
 * ```
 */
export function alertPayload(
  event: AlertEvent | StreamAlertEvent,
  ctx: MessageContext,
): AlertPayload {
  const redact = (text: unknown) => redactText(String(text), ctx.secrets);
  if (isStreamEvent(event)) {
    // A stream's outage: attempts are its reconnects, elapsed its time down.
    return {
      kind: event.state === 'down' ? 'stream-down' : 'stream-up',
      operation: redact(event.operation),
      attempts: event.reconnects,
      elapsedMs: event.downForMs,
      reason: `stream-${event.state}`,
      verdict: { action: 'retry', reason: `stream-${event.state}` },
      error: event.lastError === undefined ? null : serializeError(event.lastError, ctx.secrets),
      host: ctx.host,
      time: isoTime(ctx.nowMs),
      suppressed: 0,
    };
  }
  const verdict: AlertPayload['verdict'] = {
    action: redact(event.verdict?.action),
    reason: redact(event.verdict?.reason),
  };
  const retryAfterMs = event.verdict?.retryAfterMs;
  if (typeof retryAfterMs === 'number') verdict.retryAfterMs = retryAfterMs;
  const unknownOutcome = isUnknownOutcomeEvent(event);
  const payload: AlertPayload = {
    kind: unknownOutcome ? 'unknown-outcome' : 'exhausted',
    operation: redact(event.operation),
    attempts: unknownOutcome ? event.attempt : event.attempts,
    elapsedMs: event.elapsedMs,
    reason: unknownOutcome ? 'unknown-outcome' : redact(event.reason),
    verdict,
    error: event.error === undefined ? null : serializeError(event.error, ctx.secrets),
    host: ctx.host,
    time: isoTime(ctx.nowMs),
    suppressed: event.suppressed?.count ?? 0,
  };
  if (unknownOutcome) {
    payload.resolution = event.resolution;
    if (event.reconcileError !== undefined) {
      payload.reconcileError = serializeError(event.reconcileError, ctx.secrets);
    }
  }
  if (event.suppressed !== undefined && event.suppressed.count > 0) {
    payload.suppressedSince = isoTime(event.suppressed.sinceMs);
  }
  return payload;
}

/**
 * Cuts `text` to at most `max` characters, marking the cut.
 *
 * @example
 * ```ts
 * truncate('abcdef', 4); // 'abc…'
 * ```
 */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
