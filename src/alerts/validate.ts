import {
  checkOptions,
  clockRule,
  functionRule,
  loggerRule,
  nonEmptyStringRule,
  numberRule,
  type Rule,
  type Rules,
} from '../core/validate.js';
import type { FetchLike } from './types.js';

/**
 * The option tables of the alert adapters, on the shared rule table (`src/core/validate.ts`): one
 * message format (`telegramAlert: throttleMs: expected a number >= 0, got -1`) and unknown keys
 * rejected (`chatID` is reported, with a suggestion). Options whose value may be a secret (a bot
 * token, a webhook URL, header values) are known to the table but checked by their own functions
 * below, which describe a bad value by its shape only.
 */

/** A key the table knows whose value is checked (secret-safely) by its own function. */
const checkedSeparately = (rule: string): Rule => ({ type: () => true, rule });
const URL_RULE = 'an absolute http:// or https:// URL';

const chatIdRule: Rule = {
  type: (v) => typeof v === 'string' || typeof v === 'number',
  range: (v: string | number) =>
    typeof v === 'string' ? v.trim() !== '' : Number.isSafeInteger(v),
  rule: 'a chat id (an integer or a non-empty string such as "@channel")',
};

const formatRule: Rule = {
  type: (v) => typeof v === 'string',
  range: (v: string) => v === 'slack' || v === 'discord' || v === 'json',
  rule: "'slack', 'discord' or 'json'",
};

/** The throttling options, shared by `throttleAlerts` and every adapter. */
const THROTTLING_RULES: Rules = {
  throttleMs: numberRule(0),
  clock: clockRule,
  logger: loggerRule,
};

/** Options every adapter shares (`AlertAdapterOptions`). */
const ADAPTER_RULES: Rules = {
  ...THROTTLING_RULES,
  fetch: functionRule,
  hostname: nonEmptyStringRule,
  // Node fires a timer longer than 2^31-1 ms at once, so the engine refuses longer timeouts.
  attemptTimeoutMs: numberRule(0, { above: true, max: 2 ** 31 - 1 }),
};

/** `telegramAlert` options. */
export const TELEGRAM_RULES: Rules = {
  botToken: checkedSeparately('a non-empty string'),
  chatId: chatIdRule,
  apiBaseUrl: checkedSeparately(URL_RULE),
  ...ADAPTER_RULES,
};

/** `webhookAlert` options. */
export const WEBHOOK_RULES: Rules = {
  url: checkedSeparately(URL_RULE),
  format: formatRule,
  headers: checkedSeparately('an object of header names to string values'),
  ...ADAPTER_RULES,
};

/** `throttleAlerts` options. */
export const THROTTLE_RULES: Rules = {
  ...THROTTLING_RULES,
  key: functionRule,
};

/**
 * Checks `options` against `rules` (throwing the shared TypeError/RangeError) and that every
 * `required` key is present.
 *
 * @example
 * ```ts
 * checkAlertOptions('telegramAlert', options, TELEGRAM_RULES, ['botToken', 'chatId']);
 * // TypeError: telegramAlert: unknown option "chatID" (did you mean "chatId"?); expected one of …
 * ```
 */
export function checkAlertOptions<O extends object>(
  where: string,
  options: O | undefined,
  rules: Rules,
  required: readonly string[] = [],
): O {
  const checked = checkOptions(where, options, rules);
  for (const key of required) {
    const value = (checked as Record<string, unknown>)[key];
    if (value === undefined) {
      throw new TypeError(`${where}: ${key}: expected ${rules[key]!.rule}, got undefined`);
    }
  }
  return checked;
}

/**
 * The `fetch` option, defaulting to the global `fetch`.
 *
 * @example
 * ```ts
 * const fetchImpl = fetchOrGlobal('webhookAlert', options.fetch);
 * ```
 */
export function fetchOrGlobal(where: string, value: FetchLike | undefined): FetchLike {
  if (value !== undefined) return value;
  if (typeof globalThis.fetch !== 'function') {
    throw new TypeError(`${where}: fetch: no global fetch in this runtime, pass one`);
  }
  return globalThis.fetch;
}

/**
 * An absolute http(s) URL. The value may embed a secret (a Slack or Discord webhook URL is one),
 * so a bad value is shown only by its first characters.
 *
 * @example
 * ```ts
 * checkHttpUrl('webhookAlert', 'url', 'https://hooks.slack.com/services/T/B/x').origin; // 'https://hooks.slack.com'
 * ```
 */
export function checkHttpUrl(where: string, option: string, value: unknown): URL {
  const rule = URL_RULE;
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(
      `${where}: ${option}: expected ${rule}, got ${typeof value === 'string' ? 'an empty string' : describeShape(value)}`,
    );
  }
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new TypeError(
      `${where}: ${option}: expected ${rule}, got ${JSON.stringify(preview(value))}`,
    );
  }
  return url;
}

/**
 * The type of a value that may be a secret, never the value itself.
 *
 * @example
 * ```ts
 * describeShape(12345); // 'a number'
 * ```
 */
export function describeShape(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** The first characters of a possibly secret string. */
function preview(value: string): string {
  return value.length > 16 ? `${value.slice(0, 16)}…` : value;
}
