import type { Clock, Logger } from '../core/types.js';
import { adapterListener, createSender, type DeliveryTarget } from './delivery.js';
import { defaultHostname } from './host.js';
import type { MessageContext } from './message.js';
import type {
  AlertAdapterOptions,
  AlertEvent,
  AlertListener,
  FetchLike,
  StreamAlertEvent,
} from './types.js';
import { checkAlertOptions, fetchOrGlobal } from './validate.js';
import type { Rules } from '../core/validate.js';

/** The options every adapter shares, checked and with their defaults applied. */
interface SharedOptions {
  fetch: FetchLike;
  throttleMs: number;
  logger: Logger | undefined;
  clock: Clock | undefined;
  host: string;
  attemptTimeoutMs: number;
}

/**
 * Checks an adapter's options against its rule table (the shared rules included) and resolves
 * the shared ones: the global `fetch`, a 60 s throttle, `os.hostname()`, a 10 s request timeout.
 *
 * @example
 * ```ts
 * const shared = sharedAlertOptions('webhookAlert', options, WEBHOOK_RULES, ['url', 'format']);
 * shared.throttleMs; // 60000 unless given
 * ```
 */
export function sharedAlertOptions(
  where: string,
  options: AlertAdapterOptions,
  rules: Rules,
  required: readonly string[],
): SharedOptions {
  checkAlertOptions(where, options, rules, required);
  return {
    fetch: fetchOrGlobal(where, options.fetch),
    throttleMs: options.throttleMs ?? 60_000,
    logger: options.logger,
    clock: options.clock,
    host: options.hostname ?? defaultHostname(),
    attemptTimeoutMs: options.attemptTimeoutMs ?? 10_000,
  };
}

/**
 * The listener an adapter returns: each event rendered by `render` and posted to `target` in
 * the background, behind the shared throttling.
 *
 * @example
 * ```ts
 * const alert = alertAdapter(shared, { channel: 'webhook:json', url, endpoint, headers: {}, secrets: [] },
 *   (event, ctx) => alertPayload(event, ctx));
 * ```
 */
export function alertAdapter(
  shared: SharedOptions,
  target: Pick<DeliveryTarget, 'channel' | 'url' | 'endpoint' | 'headers' | 'secrets'>,
  render: (event: AlertEvent | StreamAlertEvent, ctx: MessageContext) => unknown,
): AlertListener {
  const { clock, logger, host } = shared;
  const send = createSender({
    ...target,
    fetch: shared.fetch,
    clock,
    logger,
    attemptTimeoutMs: shared.attemptTimeoutMs,
  });
  const deliver = (event: AlertEvent | StreamAlertEvent): Promise<void> => {
    const nowMs = (clock ?? Date).now();
    return send(event, render(event, { host, nowMs, secrets: target.secrets }));
  };
  return adapterListener(deliver, { throttleMs: shared.throttleMs, clock, logger });
}
