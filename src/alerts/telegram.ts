import { describeValue } from '../classify.js';
import type { Clock, Logger } from '../types.js';
import { adapterListener, createSender } from './delivery.js';
import { defaultHostname } from './host.js';
import { alertText, truncate } from './message.js';
import type { AlertEvent, AlertListener, FetchLike } from './types.js';
import {
  checkAttemptTimeoutMs,
  checkClock,
  checkFetch,
  checkHostname,
  checkHttpUrl,
  checkLogger,
  checkThrottleMs,
} from './validate.js';

/** Options of {@link telegramAlert}. */
export interface TelegramAlertOptions {
  /** The bot's token from @BotFather (`123456:ABC-DEF…`). A secret: never logged. */
  botToken: string;
  /** Target chat: a numeric id (negative for groups) or `@channelusername`. */
  chatId: string | number;
  /** Default `https://api.telegram.org`; point it at a local Bot API server or a test server. */
  apiBaseUrl?: string;
  /** Default: the global `fetch`. */
  fetch?: FetchLike;
  /** Repeats of the same operation and error within this window are summarised. Default 60000; 0 disables. */
  throttleMs?: number;
  /** Receives `error` on a failed delivery and `debug` on a delivered one. */
  logger?: Logger;
  /** For the throttling windows, the delivery retry's delays and the message time. Default: real time. */
  clock?: Clock;
  /** Shown as `Host:`; default `os.hostname()`. */
  hostname?: string;
  /** Each delivery request is abandoned after this long (then retried). Default 10000. */
  attemptTimeoutMs?: number;
}

// Telegram Bot API: "The token is a string along the lines of 110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
// (core.telegram.org/bots/api#authorizing-your-bot).
const BOT_TOKEN = /^\d+:[A-Za-z0-9_-]+$/;
// Telegram Bot API sendMessage: "Text of the message to be sent, 1-4096 characters after entities parsing".
const MAX_TEXT = 4096;

/**
 * An exhaustion listener that posts a readable message to a Telegram chat through the Bot API
 * `sendMessage` method: operation, error (redacted, the bot token included), attempts, elapsed
 * time, verdict, why the run gave up, host and time. Repeats of the same operation and error
 * within `throttleMs` are held back and summarised (see {@link throttleAlerts}).
 *
 * Calling the listener returns at once. Delivery runs in the background with up to 3 requests
 * (0.5 s, 1 s backoff; Telegram's 429 `retry_after` honoured up to 60 s; each request abandoned
 * after `attemptTimeoutMs`). A delivery that still fails is logged and counted in
 * `alerts_failed_total{channel="telegram"}`; it never reaches the code that failed. Call
 * `flush()` before exiting.
 *
 * @example
 * ```ts
 * const alert = telegramAlert({ botToken: process.env.TG_TOKEN!, chatId: -1001234567890, logger });
 * const unsubscribe = onExhausted(alert);
 * // on shutdown:
 * unsubscribe();
 * await alert.flush();
 * ```
 */
export function telegramAlert(options: TelegramAlertOptions): AlertListener {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`telegramAlert: expected an options object, got ${describeValue(options)}`);
  }
  const botToken: unknown = options.botToken;
  if (typeof botToken !== 'string' || botToken === '') {
    throw new TypeError(
      `\`botToken\`: expected a non-empty string, got ${typeof botToken === 'string' ? 'an empty string' : typeof botToken}`,
    );
  }
  if (!BOT_TOKEN.test(botToken)) {
    // The value is a secret even when malformed: describe its shape only.
    throw new TypeError(
      `\`botToken\`: expected a Telegram bot token such as 123456:ABC-DEF1234 (digits, a colon, then letters, digits, _ or -), got a string of ${botToken.length} characters that does not match`,
    );
  }
  const chatId: unknown = options.chatId;
  const chatIdOk =
    (typeof chatId === 'string' && chatId.trim() !== '') ||
    (typeof chatId === 'number' && Number.isSafeInteger(chatId));
  if (!chatIdOk) {
    throw new TypeError(
      `\`chatId\`: expected a chat id (an integer or a non-empty string such as "@channel"), got ${describeValue(chatId)}`,
    );
  }
  const apiBase = checkHttpUrl('apiBaseUrl', options.apiBaseUrl ?? 'https://api.telegram.org');
  const throttleMs = checkThrottleMs(options.throttleMs);
  const fetchImpl = checkFetch(options.fetch);
  const logger = checkLogger(options.logger);
  const clock = checkClock(options.clock);
  const host = checkHostname(options.hostname) ?? defaultHostname();
  const attemptTimeoutMs = checkAttemptTimeoutMs(options.attemptTimeoutMs);

  const base = apiBase.href.replace(/\/+$/, '');
  const secrets = [botToken];
  const send = createSender({
    channel: 'telegram',
    url: `${base}/bot${botToken}/sendMessage`,
    endpoint: apiBase.origin,
    headers: { 'content-type': 'application/json' },
    secrets,
    fetch: fetchImpl,
    clock,
    logger,
    attemptTimeoutMs,
  });

  const deliver = (event: AlertEvent): Promise<void> => {
    const nowMs = (clock ?? Date).now();
    const text = truncate(alertText(event, { host, nowMs, secrets }), MAX_TEXT);
    return send(event, { chat_id: chatId, text });
  };

  return adapterListener(deliver, { throttleMs, clock, logger });
}
