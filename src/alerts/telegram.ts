import { ConfigError, type ConfigIssue } from '../core/errors.js';
import { alertAdapter, sharedAlertOptions } from './adapter.js';
import { alertText, truncate } from './message.js';
import type { AlertAdapterOptions, AlertListener } from './types.js';
import { checkHttpUrl, describeShape, TELEGRAM_RULES } from './validate.js';

/** Options of {@link telegramAlert}: the chat, plus the options every adapter takes. */
export interface TelegramAlertOptions extends AlertAdapterOptions {
  /** The bot's token from @BotFather (`123456:ABC-DEF…`). A secret: never logged. */
  botToken: string;
  /** Target chat: a numeric id (negative for groups) or `@channelusername`. */
  chatId: string | number;
  /** Default `https://api.telegram.org`; point it at a local Bot API server or a test server. */
  apiBaseUrl?: string;
}

// Telegram Bot API: "The token is a string along the lines of 110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
// (core.telegram.org/bots/api#authorizing-your-bot).
const BOT_TOKEN = /^\d+:[A-Za-z0-9_-]+$/;
const BOT_TOKEN_RULE =
  'a Telegram bot token such as 123456:ABC-DEF1234 (digits, a colon, then letters, digits, _ or -)';
// Telegram Bot API sendMessage: "Text of the message to be sent, 1-4096 characters after entities parsing".
const MAX_TEXT = 4096;

/**
 * A listener that posts a readable message to a Telegram chat through the Bot API `sendMessage`
 * method, for exhaustions (`onExhausted`) and unknown outcomes (`onUnknownOutcome`): operation,
 * error (redacted, the bot token included), attempts, elapsed time, verdict, why the run gave up
 * or how the unknown outcome was resolved, host and time. An unknown outcome's message starts
 * with `OUTCOME UNKNOWN: <operation>`. Repeats of the same operation and error within
 * `throttleMs` are held back and summarised (see {@link throttleAlerts}), except unknown outcomes
 * left `unreconciled` or `reconcile-failed`, which are always sent at once.
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
 * const stops = [onExhausted(alert), onUnknownOutcome(alert)];
 * // on shutdown:
 * for (const stop of stops) stop();
 * await alert.flush();
 * ```
 */
export function telegramAlert(options: TelegramAlertOptions): AlertListener {
  const shared = sharedAlertOptions('telegramAlert', options, TELEGRAM_RULES, [
    'botToken',
    'chatId',
  ]);
  const botToken: unknown = options.botToken;
  if (typeof botToken !== 'string' || botToken === '') {
    throw new TypeError(
      `telegramAlert: botToken: expected a non-empty string, got ${typeof botToken === 'string' ? 'an empty string' : describeShape(botToken)}`,
    );
  }
  if (!BOT_TOKEN.test(botToken)) {
    // The value is a secret even when malformed: describe its shape only.
    throw new TypeError(
      `telegramAlert: botToken: expected ${BOT_TOKEN_RULE}, got a string of ${botToken.length} characters that does not match`,
    );
  }
  const chatId = options.chatId;
  const apiBase = checkHttpUrl(
    'telegramAlert',
    'apiBaseUrl',
    options.apiBaseUrl ?? 'https://api.telegram.org',
  );
  const base = apiBase.href.replace(/\/+$/, '');
  return alertAdapter(
    shared,
    {
      channel: 'telegram',
      url: `${base}/bot${botToken}/sendMessage`,
      endpoint: apiBase.origin,
      headers: { 'content-type': 'application/json' },
      secrets: [botToken],
    },
    (event, ctx) => ({ chat_id: chatId, text: truncate(alertText(event, ctx), MAX_TEXT) }),
  );
}

/** Options of `telegramAlert.fromEnv`: every option of {@link telegramAlert} but the chat, and the prefix. */
export interface TelegramAlertEnvOptions extends Omit<TelegramAlertOptions, 'botToken' | 'chatId'> {
  /** Put before `BOT_TOKEN` and `CHAT_ID`. Default `OPS_TELEGRAM_`. */
  prefix?: string;
}

/**
 * {@link telegramAlert} with the bot token and the chat read from `OPS_TELEGRAM_BOT_TOKEN` and
 * `OPS_TELEGRAM_CHAT_ID` (or under another `prefix`); every other option is passed through. An
 * unset, empty or malformed variable throws one {@link ConfigError} naming each such variable;
 * the token's value never appears in it.
 *
 * @example
 * ```ts
 * // OPS_TELEGRAM_BOT_TOKEN=123456:ABC-DEF… OPS_TELEGRAM_CHAT_ID=-1001234567890 node service.js
 * const alert = telegramAlert.fromEnv(process.env, { logger });
 * const stops = [onExhausted(alert), onUnknownOutcome(alert)];
 * ```
 */
telegramAlert.fromEnv = function fromEnv(
  env: Record<string, string | undefined> = process.env,
  { prefix = 'OPS_TELEGRAM_', ...options }: TelegramAlertEnvOptions = {},
): AlertListener {
  const read = (name: string): string | undefined => {
    const value = env[`${prefix}${name}`]?.trim();
    return value === '' ? undefined : value;
  };
  const botToken = read('BOT_TOKEN');
  const chatId = read('CHAT_ID');
  const issues: Omit<ConfigIssue, 'path'>[] = [];
  const missing = (name: string, what: string) =>
    issues.push({
      variable: `${prefix}${name}`,
      value: undefined,
      message: `not set: ${what} is required`,
    });
  if (botToken === undefined) missing('BOT_TOKEN', "the bot's token from @BotFather");
  else if (!BOT_TOKEN.test(botToken)) {
    // A malformed token may still be most of a real one: its length is all the error shows.
    issues.push({
      variable: `${prefix}BOT_TOKEN`,
      value: '[redacted]',
      message: `expected ${BOT_TOKEN_RULE}, got ${botToken.length} characters that do not match`,
    });
  }
  if (chatId === undefined) missing('CHAT_ID', 'a numeric chat id or @channel');
  if (botToken === undefined || chatId === undefined || issues.length > 0) {
    throw new ConfigError(issues);
  }
  // A numeric id is sent as a number, as `chatId: -1001234567890` in code would be.
  const numeric = /^-?\d+$/.test(chatId) && Number.isSafeInteger(Number(chatId));
  return telegramAlert({ ...options, botToken, chatId: numeric ? Number(chatId) : chatId });
};
