import { Event } from './event.js';
import type {
  Clock,
  ExhaustedEvent,
  HoldEvent,
  Logger,
  RetryEvent,
  RunInstrumentation,
  StreamConnectEvent,
  StreamDisconnectEvent,
  StreamDownEvent,
  StreamUpEvent,
  SuccessEvent,
  UnknownOutcomeEvent,
} from './types.js';

export { emitAll, isThenable, reportListenerError } from './event.js';

/**
 * The process-wide event hub. It lives on `globalThis` under a `Symbol.for` key so that every copy
 * of the package loaded in the process (the ESM and the CommonJS build, or two versions installed
 * side by side) shares one set of subscribers: an alert subscribed from ESM code still hears the
 * exhaustion of a run started from CommonJS code. The key carries the hub's shape version.
 */
interface Hub {
  readonly retry: Event<RetryEvent>;
  readonly exhausted: Event<ExhaustedEvent>;
  readonly success: Event<SuccessEvent>;
  readonly unknownOutcome: Event<UnknownOutcomeEvent>;
  /** Supervised streams (`tenacious/stream`): outages, recoveries and each connection's life. */
  readonly streamDown: Event<StreamDownEvent>;
  readonly streamUp: Event<StreamUpEvent>;
  readonly streamConnect: Event<StreamConnectEvent>;
  readonly streamDisconnect: Event<StreamDisconnectEvent>;
  readonly hold: Event<HoldEvent>;
  /** Set by `useInstantRetries()`; read by runs that were given no clock. */
  defaultClock: Clock | undefined;
  /** Installed by `tenacious/otel`'s `instrument()`; every run asks it for a scope. */
  instrumentation: RunInstrumentation | undefined;
}

const HUB_KEY = Symbol.for('tenacious.hub.v2');

function createHub(): Hub {
  return {
    retry: new Event('onRetry listener'),
    exhausted: new Event('onExhausted listener'),
    success: new Event('onSuccess listener'),
    unknownOutcome: new Event('onUnknownOutcome listener'),
    ...laterEvents(),
    defaultClock: undefined,
    instrumentation: undefined,
  };
}

/** Events added after the hub's first shape: a hub made by an older copy lacks them. */
function laterEvents() {
  return {
    streamDown: new Event<StreamDownEvent>('onStreamDown listener'),
    streamUp: new Event<StreamUpEvent>('onStreamUp listener'),
    streamConnect: new Event<StreamConnectEvent>('stream connect listener'),
    streamDisconnect: new Event<StreamDisconnectEvent>('stream disconnect listener'),
    hold: new Event<HoldEvent>('onHold listener'),
  };
}

/** The hub a copy loaded earlier made, if any. */
const existing = (globalThis as Record<symbol, Hub | undefined>)[HUB_KEY];

/** The shared hub, created by whichever copy of the package asks first. */
export const hub: Hub = existing ?? ((globalThis as Record<symbol, Hub>)[HUB_KEY] = createHub());
// The first copy that knows an event a hub made by an older copy lacks adds it (a hub this copy
// made has them all).
if (existing !== undefined) {
  for (const [name, event] of Object.entries(laterEvents())) {
    (hub as unknown as Record<string, unknown>)[name] ??= event;
  }
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
  return hub.exhausted.subscribe(listener);
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
  return hub.retry.subscribe(listener);
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
  return hub.success.subscribe(listener);
}

/**
 * Subscribes to every unknown outcome of a non-idempotent call in the process, however it was
 * resolved (`executed`, `not-executed`, `unreconciled`, `reconcile-failed`). Alerting adapters
 * subscribe here. Returns an unsubscribe function.
 *
 * @example
 * ```ts
 * const stop = onUnknownOutcome((event) => {
 *   if (event.resolution === 'unreconciled') pager.page(`${event.operation}: order state unknown`);
 * });
 * ```
 */
export function onUnknownOutcome(listener: (event: UnknownOutcomeEvent) => unknown): () => void {
  return hub.unknownOutcome.subscribe(listener);
}

/**
 * Subscribes to every hold in the process: a rate-limit tracker making a caller wait (after a
 * 429 or 418, for a full window or an order limit), once per hold. Returns an unsubscribe function.
 *
 * @example
 * ```ts
 * const stop = onHold((event) => {
 *   if (event.waitMs > 5000) logger.warn(event, `held by ${event.source}: ${event.reason}`);
 * });
 * ```
 */
export function onHold(listener: (event: HoldEvent) => unknown): () => void {
  return hub.hold.subscribe(listener);
}

/**
 * Publishes a hold to `onHold()` listeners, metrics and tracing: for rate-limit trackers (the
 * Binance tracker and the venue trackers call it once per hold, before waiting). A listener's
 * failure goes to `logger` (else a process warning) and never reaches the caller.
 *
 * @example
 * ```ts
 * publishHold({ source: 'okx-limits', reason: 'window', waitMs: 2000 }, logger);
 * await clock.sleep(2000, signal);
 * ```
 */
export function publishHold(event: HoldEvent, logger?: Logger): void {
  const hold = hub.hold;
  if (hold.listeners.length > 0) hold.emit(event, logger);
}
