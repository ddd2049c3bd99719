import { describeError, serializeError } from './redaction/redact.js';
import { describeValue } from './validate.js';
import type { Logger } from './types.js';

/**
 * One typed event: `subscribe` returns a disposer, `emit` calls every listener with failures
 * isolated (a throw or a rejection is reported, never reaches the emitter). Used by the
 * process-wide hub, the breaker's `onStateChange` and alert delivery.
 *
 * The listener list is a copy-on-write array: emitting iterates a snapshot, so a listener that
 * unsubscribes (itself or another) during an emit never skips or repeats anyone, and a hot path
 * asks `listeners.length` before building an event at all.
 */
export class Event<E> {
  listeners: readonly ((event: E) => unknown)[] = [];

  /** `what` names the listeners in error reports: `onRetry listener`. */
  constructor(readonly what: string) {}

  /** Adds a listener; the returned function removes it (calling it again does nothing). */
  subscribe(listener: (event: E) => unknown): () => void {
    if (typeof listener !== 'function') {
      throw new TypeError(`${this.what}: expected a function, got ${describeValue(listener)}`);
    }
    this.listeners = [...this.listeners, listener];
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      const index = this.listeners.indexOf(listener);
      if (index !== -1) this.listeners = this.listeners.filter((_, i) => i !== index);
    };
  }

  /** Calls every listener with `event`; failures go to `logger` (else a process warning). */
  emit(event: E, logger?: Logger): void {
    emitAll(this.listeners, event, logger, this.what);
  }
}

/**
 * Calls each listener with `event`, isolating failures: a throw or a rejection is logged (to
 * `logger`, else as a process warning) and never reaches the caller. Return values are not
 * awaited.
 */
export function emitAll<E>(
  listeners: readonly ((event: E) => unknown)[],
  event: E,
  logger: Logger | undefined,
  what: string,
): void {
  for (const listener of listeners) callIsolated(listener, event, logger, what);
}

/** Calls one listener with failures isolated (see {@link emitAll}). */
export function callIsolated<E>(
  listener: (event: E) => unknown,
  event: E,
  logger: Logger | undefined,
  what: string,
): void {
  try {
    const result = listener(event);
    if (isThenable(result)) {
      result.then(undefined, (err: unknown) => reportListenerError(err, logger, what));
    }
  } catch (err) {
    reportListenerError(err, logger, what);
  }
}

/** True for promises and other thenables (what an async listener, logger or classifier returns). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Logs a listener's failure to `logger`, or, without one, as a process warning (Node's standard
 * channel, silenced by `--no-warnings`). Nothing here may throw: a failing logger is ignored too.
 */
export function reportListenerError(err: unknown, logger: Logger | undefined, what: string): void {
  try {
    if (logger !== undefined) {
      const result: unknown = logger.error(
        { err: serializeError(err), listener: what },
        `tenacious: ${what} failed`,
      );
      // An async logger that rejects must not become an unhandled rejection either.
      if (isThenable(result)) result.then(undefined, () => {});
    } else {
      process.emitWarning(`tenacious: ${what} failed: ${describeError(err)}`, 'TenaciousWarning');
    }
  } catch {
    // A logger that throws must not turn a listener fault into a caller fault.
  }
}
