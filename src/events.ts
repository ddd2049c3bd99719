import { describeError, serializeError } from './redact.js';
import type { Clock, ExhaustedEvent, Logger, RetryEvent, SuccessEvent } from './types.js';

/**
 * The process-wide event hub. It lives on `globalThis` under a `Symbol.for` key so that every copy
 * of the package loaded in the process (the ESM and the CommonJS build, or two versions installed
 * side by side) shares one set of subscribers: an alert subscribed from ESM code still hears the
 * exhaustion of a run started from CommonJS code.
 *
 * Listener lists are copy-on-write arrays: emitting iterates a snapshot, so a listener that
 * unsubscribes (itself or another) during an emit never skips or repeats anyone, and the hot path
 * only reads `length`.
 */
interface Hub {
  readonly version: 1;
  retry: readonly ((event: RetryEvent) => unknown)[];
  exhausted: readonly ((event: ExhaustedEvent) => unknown)[];
  success: readonly ((event: SuccessEvent) => unknown)[];
  /** Set by `useInstantRetries()`; read by runs that were given no clock. */
  defaultClock: Clock | undefined;
}

const HUB_KEY = Symbol.for('tenacious.hub.v1');

function createHub(): Hub {
  return {
    version: 1,
    retry: [],
    exhausted: [],
    success: [],
    defaultClock: undefined,
  };
}

/** The shared hub, created by whichever copy of the package asks first. */
export const hub: Hub = ((globalThis as Record<symbol, Hub | undefined>)[HUB_KEY] ??= createHub());

type ListKey = 'retry' | 'exhausted' | 'success';

function subscribe<K extends ListKey>(key: K, listener: Hub[K][number]): () => void {
  if (typeof listener !== 'function') {
    throw new TypeError(`listener: expected a function, got ${typeof listener}`);
  }
  (hub[key] as unknown[]) = [...hub[key], listener];
  let active = true;
  return () => {
    if (!active) return;
    active = false;
    const index = hub[key].indexOf(listener as never);
    if (index !== -1) (hub[key] as unknown[]) = hub[key].filter((_, i) => i !== index);
  };
}

/**
 * Subscribes to every exhaustion in the process (all copies of the package). Alerting adapters
 * subscribe here. Returns an unsubscribe function.
 *
 * @example
 * ```ts
 * const stop = onExhausted((event) => logger.error(event, `${event.operation} gave up: ${event.reason}`));
 * // later
 * stop();
 * ```
 */
export function onExhausted(listener: (event: ExhaustedEvent) => unknown): () => void {
  return subscribe('exhausted', listener);
}

/**
 * Subscribes to every retry in the process, fired after a failed attempt that will be retried,
 * before the delay. Returns an unsubscribe function.
 *
 * @example
 * ```ts
 * const stop = onRetry((event) => metrics.inc(event.operation));
 * ```
 */
export function onRetry(listener: (event: RetryEvent) => unknown): () => void {
  return subscribe('retry', listener);
}

/**
 * Subscribes to every run that resolves with a value. Used by `retryMetrics()` to count
 * successful attempts; costs the success path one array-length check while nobody listens.
 *
 * @example
 * ```ts
 * const stop = onSuccess((event) => histogram.observe(event.elapsedMs));
 * ```
 */
export function onSuccess(listener: (event: SuccessEvent) => unknown): () => void {
  return subscribe('success', listener);
}

/**
 * Calls each listener with `event`, isolating failures: a throw or a rejection is logged (to
 * `logger`, else to the hub's fallback logger) and never reaches the caller. Return values are not
 * awaited.
 */
export function emitAll<E>(
  listeners: readonly ((event: E) => unknown)[],
  event: E,
  logger: Logger | undefined,
  what: string,
): void {
  for (const listener of listeners) {
    try {
      const result = listener(event);
      if (isThenable(result)) {
        result.then(undefined, (err: unknown) => reportListenerError(err, logger, what));
      }
    } catch (err) {
      reportListenerError(err, logger, what);
    }
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
 * Logs a listener's failure to the run's logger, or, without one, as a process warning (Node's
 * standard channel, silenced by `--no-warnings`). Nothing here may throw: a failing logger is
 * ignored too.
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
