import { unrefRealClock } from '../core/clock.js';
import { isThenable, reportListenerError } from '../core/hub.js';
import { safeGet } from '../core/redaction/redact.js';
import type { Clock, Logger } from '../core/types.js';
import { describeValue } from '../core/validate.js';
import {
  isUnknownOutcomeEvent,
  isStreamEvent,
  isUnresolvedOutcome,
  type StreamAlertEvent,
  type AlertEvent,
  type AlertInput,
  type AlertListener,
} from './types.js';
import { checkAlertOptions, THROTTLE_RULES } from './validate.js';

/** Options of {@link throttleAlerts}. */
export interface ThrottleAlertsOptions {
  /** Window in ms during which repeats of the same key are held back; 0 disables. Default 60000. */
  throttleMs?: number;
  /**
   * Groups events; default: operation + error name (`place_order\u0000BinanceError`), in separate
   * groups for exhaustions and unknown outcomes.
   */
  key?: (event: AlertInput) => string;
  /** Windows are slept on `clock.sleep`; default: real, unref'd timers. */
  clock?: Clock;
  /** Where a throwing or rejecting listener is reported; default: a process warning. */
  logger?: Logger;
}

/** Open windows beyond this many keys are not tracked: such events pass straight through. */
const MAX_OPEN_WINDOWS = 1000;

interface Window {
  readonly controller: AbortController;
  /** Held-back repeats since the window opened. */
  count: number;
  sinceMs: number;
  last: AlertInput | undefined;
}

function defaultKey(event: AlertInput): string {
  const name = safeGet(event.error, 'name');
  const errorName =
    typeof name === 'string' && name !== ''
      ? name
      : event.error === undefined
        ? '(value)'
        : typeof event.error;
  const key = `${String(event.operation)}\u0000${errorName}`;
  return isUnknownOutcomeEvent(event) ? `unknown-outcome\u0000${key}` : key;
}

/**
 * Wraps an alert listener (exhaustions and unknown outcomes) so that repeats are not sent one by
 * one. An unknown outcome left `unreconciled` or `reconcile-failed` is never held back: an order
 * nobody can account for is reported every time. The first event for a
 * key (default: operation + error name) goes through at once and opens a window of `throttleMs`;
 * repeats of that key inside the window are held back and counted. When the window closes and
 * something was held back, the listener receives the most recent held event with
 * `suppressed: { count, sinceMs }` (a summary: "and 14 more since 10:02"), which opens the next
 * window; a window that closes with nothing held back simply ends.
 *
 * The wrapper returns at once. Whatever the listener returns (a promise of a delivery) is
 * tracked; a throw or rejection is reported to `logger` (or as a process warning), never to the
 * caller. `flush()` sends the pending summaries now, clears every window timer and awaits the
 * listener's deliveries (and the listener's own `flush()`, if it has one); `stop()` cancels the
 * timers, discards held repeats and ignores later events.
 *
 * Windows use `clock.sleep(throttleMs, signal)` when a clock is given (tests pass a clock whose
 * sleeps they control), otherwise an unref'd timer that never keeps the process alive.
 *
 * @example
 * ```ts
 * const alert = throttleAlerts((event) => pager.send(event), { throttleMs: 5 * 60_000 });
 * const stops = [onExhausted(alert), onUnknownOutcome(alert)];
 * process.on('SIGTERM', async () => { unsubscribe(); await alert.flush(); process.exit(0); });
 * ```
 */
export function throttleAlerts(
  listener: (event: AlertEvent) => unknown,
  options: ThrottleAlertsOptions = {},
): AlertListener {
  if (typeof listener !== 'function') {
    throw new TypeError(
      `throttleAlerts: listener: expected a function, got ${describeValue(listener)}`,
    );
  }
  checkAlertOptions('throttleAlerts', options, THROTTLE_RULES);
  const throttleMs = options.throttleMs ?? 60_000;
  const customKey = options.key;
  const clock = options.clock ?? unrefRealClock;
  const logger = options.logger;

  const windows = new Map<string, Window>();
  const inFlight = new Set<Promise<unknown>>();
  let stopped = false;

  const keyOf = (event: AlertInput): string => {
    if (customKey === undefined) return defaultKey(event);
    try {
      const key = customKey(event);
      return typeof key === 'string' ? key : defaultKey(event);
    } catch (err) {
      reportListenerError(err, logger, 'alert throttle key');
      return defaultKey(event);
    }
  };

  const deliver = (event: AlertEvent): void => {
    try {
      const result: unknown = listener(event);
      if (isThenable(result)) {
        const tracked = Promise.resolve(result).then(
          () => undefined,
          (err: unknown) => reportListenerError(err, logger, 'alert listener'),
        );
        inFlight.add(tracked);
        void tracked.finally(() => inFlight.delete(tracked));
      }
    } catch (err) {
      reportListenerError(err, logger, 'alert listener');
    }
  };

  const summaryOf = (window: Window): AlertEvent => ({
    ...(window.last as AlertInput),
    suppressed: { count: window.count, sinceMs: window.sinceMs },
  });

  const openWindow = (key: string): void => {
    const window: Window = {
      controller: new AbortController(),
      count: 0,
      sinceMs: 0,
      last: undefined,
    };
    windows.set(key, window);
    let slept: Promise<void>;
    try {
      slept = clock.sleep(throttleMs, window.controller.signal);
    } catch (err) {
      slept = Promise.reject(err);
    }
    slept.then(
      () => closeWindow(key, window),
      // Aborted by flush/stop (nothing to do), or a broken clock: end the window now.
      () => closeWindow(key, window),
    );
  };

  const closeWindow = (key: string, window: Window): void => {
    // A window already ended by flush/stop (or replaced since) is no longer ours to close.
    if (windows.get(key) !== window) return;
    windows.delete(key);
    if (window.count > 0 && !stopped) {
      deliver(summaryOf(window));
      openWindow(key);
    }
  };

  const endAllWindows = (): Window[] => {
    const ended = [...windows.values()];
    windows.clear();
    for (const window of ended) window.controller.abort();
    return ended;
  };

  const throttled = (event: AlertInput | StreamAlertEvent): void => {
    // Stream outages are the adapters' (each is reported once already); a listener typed for
    // exhaustions never receives one.
    if (stopped || isStreamEvent(event)) return;
    if (throttleMs === 0 || isUnresolvedOutcome(event)) {
      deliver(event);
      return;
    }
    const key = keyOf(event);
    const window = windows.get(key);
    if (window === undefined) {
      deliver(event);
      if (windows.size < MAX_OPEN_WINDOWS && !stopped) openWindow(key);
      return;
    }
    if (window.count === 0) window.sinceMs = safeNow(clock);
    window.count += 1;
    window.last = event;
  };

  const innerFlush = safeGet(listener, 'flush');

  const flush = async (): Promise<void> => {
    // Deliveries sleep on unref'd timers between requests, and an awaited promise keeps nothing
    // alive: hold the process open until flush() is done.
    const keepAlive = setInterval(() => {}, 2 ** 31 - 1);
    try {
      await flushAll();
    } finally {
      clearInterval(keepAlive);
    }
  };

  const flushAll = async (): Promise<void> => {
    for (const window of endAllWindows()) {
      if (window.count > 0 && !stopped) deliver(summaryOf(window));
    }
    // Deliveries may finish by starting others (none of ours do, but a custom listener might).
    while (inFlight.size > 0) await Promise.all([...inFlight]);
    if (typeof innerFlush === 'function') {
      try {
        await (innerFlush as () => unknown).call(listener);
      } catch (err) {
        reportListenerError(err, logger, 'alert listener flush');
      }
    }
  };

  const stop = (): void => {
    stopped = true;
    endAllWindows();
    const innerStop = safeGet(listener, 'stop');
    if (typeof innerStop === 'function') {
      try {
        (innerStop as () => unknown).call(listener);
      } catch (err) {
        reportListenerError(err, logger, 'alert listener stop');
      }
    }
  };

  return Object.assign(throttled, { flush, stop, close: stop });
}

function safeNow(clock: Clock): number {
  try {
    return clock.now();
  } catch {
    return Date.now();
  }
}
