import { lazyChannel } from '../core/channels.js';
import { Event } from '../core/event.js';
import { publish, type EventKind, type Publisher } from '../core/publish.js';

/**
 * The process-wide channel on which alert adapters publish the outcome of every delivery, so
 * that `retryMetrics()` can count `alerts_sent_total` and `alerts_failed_total` without the
 * adapters knowing about metrics. Like the core event hub, the listeners (one `Event`) live on
 * `globalThis` under a `Symbol.for` key, shared by every copy of the package in the process.
 * Each outcome is also published on `node:diagnostics_channel` as `tenacious:alert` for
 * tracing tools.
 */

/** Which adapter delivered: a small, fixed set, so it is safe as a metric label. */
export type AlertChannel = 'telegram' | 'webhook:slack' | 'webhook:discord' | 'webhook:json';

/** The outcome of one alert delivery (after its own retries). */
export interface AlertDeliveryEvent {
  channel: AlertChannel;
  /** `true` when the endpoint accepted the message. */
  ok: boolean;
  /** The operation the alert was about. */
  operation: string;
  /** HTTP requests made for this delivery. */
  attempts: number;
  elapsedMs: number;
  /** On failure: the last verdict reason (`http:500`, `network:ECONNREFUSED`, `attempt-timeout`). */
  reason?: string;
}

type DeliveryListener = (event: AlertDeliveryEvent) => unknown;

const HUB_KEY = Symbol.for('tenacious.alerts.v2');

const deliveries: Event<AlertDeliveryEvent> = ((
  globalThis as Record<symbol, Event<AlertDeliveryEvent> | undefined>
)[HUB_KEY] ??= new Event<AlertDeliveryEvent>('onAlertDelivery listener'));

/** Heard by the process-wide subscribers and the `tenacious:alert` channel; nothing logs it. */
const ALERT_DELIVERY: EventKind<AlertDeliveryEvent, Publisher> = {
  hub: deliveries,
  channel: lazyChannel('tenacious:alert'),
};
/** A delivery's outcome is the adapter's own report: no logger takes it, and faults warn. */
const ADAPTERS: Publisher = { logger: undefined };

/**
 * Subscribes to the outcome of every alert delivery in the process. Returns an unsubscribe
 * function. `retryMetrics()` uses this; it is public for custom dashboards.
 *
 * @example
 * ```ts
 * const stop = onAlertDelivery((e) => { if (!e.ok) failedAlerts.inc({ channel: e.channel }); });
 * ```
 */
export function onAlertDelivery(listener: DeliveryListener): () => void {
  return deliveries.subscribe(listener);
}

/**
 * Tells every subscriber about a delivery outcome. A subscriber that throws or rejects is
 * reported like any other listener fault (src/core/event.ts) and never disturbs delivery.
 *
 * @example
 * ```ts
 * publishAlertDelivery({ channel: 'telegram', ok: true, operation: 'place_order', attempts: 1, elapsedMs: 120 });
 * ```
 */
export function publishAlertDelivery(event: AlertDeliveryEvent): void {
  publish(ALERT_DELIVERY, ADAPTERS, undefined, event);
}
