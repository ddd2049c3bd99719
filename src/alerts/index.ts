/**
 * `tenacious/alerts`: exhaustion and unknown-outcome alerts to Telegram and webhooks (Slack, Discord, JSON), with
 * throttling and background delivery that never hurts the caller.
 */
export {
  telegramAlert,
  type TelegramAlertEnvOptions,
  type TelegramAlertOptions,
} from './telegram.js';
export { webhookAlert, type WebhookAlertOptions, type WebhookFormat } from './webhook.js';
export { throttleAlerts, type ThrottleAlertsOptions } from './throttle.js';
export {
  onAlertDelivery,
  type AlertChannel,
  type AlertDeliveryEvent,
} from '../telemetry/alert-delivery-events.js';
export { AlertDeliveryError, ALERT_OPERATION_PREFIX } from './delivery.js';
export {
  isStreamEvent,
  isUnknownOutcomeEvent,
  isUnresolvedOutcome,
  type AlertAdapterOptions,
  type AlertEvent,
  type StreamAlertEvent,
  type AlertInput,
  type AlertListener,
  type ExhaustedAlertEvent,
  type FetchLike,
  type FetchResponseLike,
  type SuppressedSummary,
  type UnknownOutcomeAlertEvent,
} from './types.js';
