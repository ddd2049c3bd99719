import type { AlertChannel } from '../telemetry/alert-delivery-events.js';
import { alertAdapter, sharedAlertOptions } from './adapter.js';
import { alertPayload, alertText, truncate, type MessageContext } from './message.js';
import type { AlertAdapterOptions, AlertEvent, AlertListener, StreamAlertEvent } from './types.js';
import { checkHttpUrl, describeShape, WEBHOOK_RULES } from './validate.js';

/** Payload shapes understood by {@link webhookAlert}. */
export type WebhookFormat = 'slack' | 'discord' | 'json';

/** Options of {@link webhookAlert}: the endpoint, plus the options every adapter takes. */
export interface WebhookAlertOptions extends AlertAdapterOptions {
  /** The webhook URL. Slack and Discord URLs are secrets: only their origin is ever logged. */
  url: string;
  /** `slack` posts `{ text }`, `discord` posts `{ content }`, `json` posts the event as data. */
  format: WebhookFormat;
  /** Extra request headers (e.g. `Authorization`). Their values are secrets: never logged. */
  headers?: Record<string, string>;
}

/** Slack mrkdwn treats &, < and > as control characters (api.slack.com "Formatting text": escaping). */
const SLACK_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
// Slack: messages are truncated beyond 40,000 characters; 4,000 is the recommended maximum for `text`.
const SLACK_MAX_TEXT = 4000;
// Discord: webhook `content` is limited to 2000 characters (developers/docs/resources/webhook#execute-webhook).
const DISCORD_MAX_CONTENT = 2000;

/** Builds the request body of each format. */
const FORMATS: Readonly<
  Record<WebhookFormat, (event: AlertEvent | StreamAlertEvent, ctx: MessageContext) => unknown>
> = {
  slack: (event, ctx) => ({
    text: truncate(
      alertText(event, ctx).replace(/[&<>]/g, (c) => SLACK_ESCAPES[c] ?? c),
      SLACK_MAX_TEXT,
    ),
  }),
  discord: (event, ctx) => ({
    content: truncate(alertText(event, ctx), DISCORD_MAX_CONTENT),
    // Discord: an empty `parse` list stops "@everyone" or a role mention inside an error message
    // from pinging anyone (Allowed Mentions Object).
    allowed_mentions: { parse: [] },
  }),
  json: (event, ctx) => alertPayload(event, ctx),
};

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Header names are shown in errors; header values are secrets and never are. */
function checkHeaders(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(
      `webhookAlert: headers: expected an object of header names to string values, got ${describeShape(value)}`,
    );
  }
  const out: Record<string, string> = {};
  for (const [name, headerValue] of Object.entries(value)) {
    if (!HEADER_NAME.test(name)) {
      throw new TypeError(
        `webhookAlert: headers: expected valid header names, got ${JSON.stringify(name)}`,
      );
    }
    if (typeof headerValue !== 'string' || /[\r\n\0]/.test(headerValue)) {
      throw new TypeError(
        `webhookAlert: headers: expected the value of ${JSON.stringify(name)} to be a string without line breaks, got ${typeof headerValue === 'string' ? 'a string with a line break' : describeShape(headerValue)}`,
      );
    }
    out[name.toLowerCase()] = headerValue;
  }
  return out;
}

/**
 * A listener for exhaustions and unknown outcomes that posts to a webhook: Slack incoming webhooks (`{ text }`), Discord
 * webhooks (`{ content }`, mentions disabled) or any endpoint taking JSON (`json`: operation,
 * attempts, elapsedMs, reason, verdict, error as redacted `serializeError` output, host, time,
 * suppressed count; for an unknown outcome `kind: 'unknown-outcome'` and its `resolution`).
 * Throttling (never for an unresolved unknown outcome), background delivery, retries, logging
 * and `flush()` work as for {@link telegramAlert}; the metrics channel is `webhook:<format>`.
 *
 * @example
 * ```ts
 * const alert = webhookAlert({ url: process.env.SLACK_WEBHOOK_URL!, format: 'slack' });
 * const stops = [onExhausted(alert), onUnknownOutcome(alert)];
 * ```
 */
export function webhookAlert(options: WebhookAlertOptions): AlertListener {
  const shared = sharedAlertOptions('webhookAlert', options, WEBHOOK_RULES, ['url', 'format']);
  const url = checkHttpUrl('webhookAlert', 'url', options.url);
  const format = options.format;
  const headers = checkHeaders(options.headers);

  // The URL's path and query often are the credential (Slack /services/T…/B…/secret, Discord
  // /api/webhooks/id/token), and header values may be tokens: all are redacted as literals.
  const secrets = [
    url.href,
    `${url.pathname}${url.search}`,
    url.username,
    url.password,
    ...Object.values(headers),
  ].filter((s) => s.length >= 4 && s !== '/');
  return alertAdapter(
    shared,
    {
      channel: `webhook:${format}` as AlertChannel,
      url: url.href,
      endpoint: url.origin,
      headers: { 'content-type': 'application/json', ...headers },
      secrets,
    },
    FORMATS[format],
  );
}
