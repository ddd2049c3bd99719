import { MAX_DELAY_MS, unrefRealClock } from '../core/clock.js';
import { callIsolated, isThenable, reportListenerError } from '../core/event.js';
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

/** The default dedupe key: operation + error name, unknown outcomes in groups of their own. */
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

/** The dedupe key function: `customKey` when it returns a string, else {@link defaultKey}. */
function keyFunction(
  customKey: ((event: AlertInput) => string) | undefined,
  logger: Logger | undefined,
): (event: AlertInput) => string {
  if (customKey === undefined) return defaultKey;
  return (event) => {
    try {
      const key = customKey(event);
      return typeof key === 'string' ? key : defaultKey(event);
    } catch (err) {
      reportListenerError(err, logger, 'alert throttle key');
      return defaultKey(event);
    }
  };
}

/** The event a window's held-back repeats are summed up in: the latest one, with their count. */
function summaryOf(window: Window): AlertEvent {
  return {
    ...(window.last as AlertInput),
    suppressed: { count: window.count, sinceMs: window.sinceMs },
  };
}

/** Calls the wrapped listener without ever throwing, and tracks its deliveries till they settle. */
class Deliveries {
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly listener: (event: AlertEvent) => unknown,
    private readonly logger: Logger | undefined,
  ) {}

  /** Hands `event` to the listener; a throw or rejection is reported, never rethrown. */
  deliver(event: AlertEvent): void {
    try {
      const result: unknown = this.listener(event);
      if (isThenable(result)) {
        const tracked = Promise.resolve(result).then(
          () => undefined,
          (err: unknown) => reportListenerError(err, this.logger, 'alert listener'),
        );
        this.#inFlight.add(tracked);
        void tracked.finally(() => this.#inFlight.delete(tracked));
      }
    } catch (err) {
      reportListenerError(err, this.logger, 'alert listener');
    }
  }

  /** Resolves once every tracked delivery has settled. */
  async settle(): Promise<void> {
    // Deliveries may finish by starting others (none of ours do, but a custom listener might).
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }
}

/**
 * The open windows, one per key. Each sleeps `throttleMs` on the clock, then leaves the map and
 * is handed to `onElapsed` with the repeats it held back.
 */
class ThrottleWindows {
  readonly #open = new Map<string, Window>();

  constructor(
    private readonly throttleMs: number,
    private readonly clock: Clock,
    private readonly onElapsed: (key: string, window: Window) => void,
  ) {}

  /** How many windows are open. */
  get size(): number {
    return this.#open.size;
  }

  /** The open window of `key`, if any. */
  get(key: string): Window | undefined {
    return this.#open.get(key);
  }

  /** Opens a window for `key`, with nothing held back yet. */
  open(key: string): void {
    const window: Window = {
      controller: new AbortController(),
      count: 0,
      sinceMs: 0,
      last: undefined,
    };
    this.#open.set(key, window);
    let slept: Promise<void>;
    try {
      slept = this.clock.sleep(this.throttleMs, window.controller.signal);
    } catch (err) {
      slept = Promise.reject(err);
    }
    slept.then(
      () => this.#elapse(key, window),
      // Aborted by flush/stop (nothing to do), or a broken clock: end the window now.
      () => this.#elapse(key, window),
    );
  }

  /** Counts `event` as a repeat held back by `window`. */
  holdBack(window: Window, event: AlertInput): void {
    if (window.count === 0) window.sinceMs = safeNow(this.clock);
    window.count += 1;
    window.last = event;
  }

  /** Ends every open window now (their sleeps aborted) and returns them. */
  endAll(): Window[] {
    const ended = [...this.#open.values()];
    this.#open.clear();
    for (const window of ended) window.controller.abort();
    return ended;
  }

  /** A window's sleep is over. */
  #elapse(key: string, window: Window): void {
    // A window already ended by flush/stop (or replaced since) is no longer ours to close.
    if (this.#open.get(key) !== window) return;
    this.#open.delete(key);
    this.onElapsed(key, window);
  }
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
  const clock = options.clock ?? unrefRealClock;
  const logger = options.logger;
  const keyOf = keyFunction(options.key, logger);
  const deliveries = new Deliveries(listener, logger);
  let stopped = false;

  /** Delivers the summary of what `window` held back, if anything; true when it did. */
  const sendSummary = (window: Window): boolean => {
    if (window.count === 0 || stopped) return false;
    deliveries.deliver(summaryOf(window));
    return true;
  };
  // A window that held something back is followed by the next one; an empty one simply ends.
  const windows = new ThrottleWindows(throttleMs, clock, (key, window) => {
    if (sendSummary(window)) windows.open(key);
  });

  const throttled = (event: AlertInput | StreamAlertEvent): void => {
    // Stream outages are the adapters' (each is reported once already); a listener typed for
    // exhaustions never receives one.
    if (stopped || isStreamEvent(event)) return;
    if (throttleMs === 0 || isUnresolvedOutcome(event)) {
      deliveries.deliver(event);
      return;
    }
    const key = keyOf(event);
    const window = windows.get(key);
    if (window === undefined) {
      deliveries.deliver(event);
      if (windows.size < MAX_OPEN_WINDOWS && !stopped) windows.open(key);
      return;
    }
    windows.holdBack(window, event);
  };

  const innerFlush = safeGet(listener, 'flush');
  const flush = (): Promise<void> =>
    whileHoldingProcessOpen(async () => {
      for (const window of windows.endAll()) sendSummary(window);
      await deliveries.settle();
      await flushInner(listener, innerFlush, logger);
    });

  const stop = (): void => {
    stopped = true;
    windows.endAll();
    stopInner(listener, logger);
  };

  return Object.assign(throttled, { flush, stop, close: stop });
}

/** Runs `work` with the process held open until it is done. */
async function whileHoldingProcessOpen(work: () => Promise<void>): Promise<void> {
  // Deliveries sleep on unref'd timers between requests, and an awaited promise keeps nothing
  // alive: hold the process open until flush() is done.
  const keepAlive = setInterval(() => {}, MAX_DELAY_MS);
  try {
    await work();
  } finally {
    clearInterval(keepAlive);
  }
}

/** Awaits the wrapped listener's own `flush()`, if it has one; a failure is reported. */
async function flushInner(
  listener: object,
  innerFlush: unknown,
  logger: Logger | undefined,
): Promise<void> {
  if (typeof innerFlush !== 'function') return;
  try {
    await (innerFlush as () => unknown).call(listener);
  } catch (err) {
    reportListenerError(err, logger, 'alert listener flush');
  }
}

/** Calls the wrapped listener's own `stop()`, if it has one; a throw is reported. */
function stopInner(listener: object, logger: Logger | undefined): void {
  const innerStop = safeGet(listener, 'stop');
  if (typeof innerStop !== 'function') return;
  callIsolated(
    () => (innerStop as () => unknown).call(listener),
    undefined,
    logger,
    'alert listener stop',
  );
}

/** `clock.now()`, or the wall clock when that throws. */
function safeNow(clock: Clock): number {
  try {
    return clock.now();
  } catch {
    return Date.now();
  }
}
