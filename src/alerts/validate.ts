import { describeValue } from '../classify.js';
import type { Clock, Logger } from '../types.js';
import type { FetchLike } from './types.js';

/**
 * Option checks shared by the alert adapters. Each throws at once, naming the option and the bad
 * value, except where the value may be a secret (tokens, webhook URLs, header values): then only
 * its type or shape is described.
 */

/**
 * `throttleMs`: a finite number >= 0 (0 disables throttling).
 *
 * @example
 * ```ts
 * checkThrottleMs(undefined); // 60000
 * checkThrottleMs(-1); // RangeError: `throttleMs`: expected a number >= 0, got -1
 * ```
 */
export function checkThrottleMs(value: unknown): number {
  if (value === undefined) return 60_000;
  if (typeof value !== 'number') {
    throw new TypeError(`\`throttleMs\`: expected a number >= 0, got ${describeValue(value)}`);
  }
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new RangeError(`\`throttleMs\`: expected a number >= 0, got ${value}`);
  }
  return value;
}

/**
 * `attemptTimeoutMs`: a number in (0, 2^31-1].
 *
 * @example
 * ```ts
 * checkAttemptTimeoutMs(undefined); // 10000
 * ```
 */
export function checkAttemptTimeoutMs(value: unknown): number {
  if (value === undefined) return 10_000;
  if (typeof value !== 'number') {
    throw new TypeError(
      `\`attemptTimeoutMs\`: expected a number > 0 and <= 2147483647, got ${describeValue(value)}`,
    );
  }
  // Node fires a timer longer than 2^31-1 ms at once, so the engine refuses longer timeouts.
  if (!(value > 0) || !(value <= 2 ** 31 - 1)) {
    throw new RangeError(
      `\`attemptTimeoutMs\`: expected a number > 0 and <= 2147483647, got ${value}`,
    );
  }
  return value;
}

/**
 * `logger`: undefined or an object with `warn`, `error` and `debug` methods.
 *
 * @example
 * ```ts
 * const logger = checkLogger(options.logger); // Logger | undefined
 * ```
 */
export function checkLogger(value: unknown): Logger | undefined {
  if (value === undefined) return undefined;
  const ok =
    typeof value === 'object' &&
    value !== null &&
    ['warn', 'error', 'debug'].every(
      (m) => typeof (value as Record<string, unknown>)[m] === 'function',
    );
  if (!ok) {
    throw new TypeError(
      `\`logger\`: expected a pino-compatible logger with warn, error and debug methods, got ${describeValue(value)}`,
    );
  }
  return value as Logger;
}

/**
 * `clock`: undefined or `{ now(), sleep(ms, signal?) }`.
 *
 * @example
 * ```ts
 * const clock = checkClock(options.clock); // Clock | undefined
 * ```
 */
export function checkClock(value: unknown): Clock | undefined {
  if (value === undefined) return undefined;
  const ok =
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>).now === 'function' &&
    typeof (value as Record<string, unknown>).sleep === 'function';
  if (!ok) {
    throw new TypeError(
      `\`clock\`: expected { now(), sleep(ms, signal?) }, got ${describeValue(value)}`,
    );
  }
  return value as Clock;
}

/**
 * `fetch`: a function, defaulting to the global `fetch`.
 *
 * @example
 * ```ts
 * const fetchImpl = checkFetch(options.fetch); // the global fetch when undefined
 * ```
 */
export function checkFetch(value: unknown): FetchLike {
  if (value === undefined) {
    if (typeof globalThis.fetch !== 'function') {
      throw new TypeError('`fetch`: no global fetch in this runtime, pass one');
    }
    return globalThis.fetch;
  }
  if (typeof value !== 'function') {
    throw new TypeError(`\`fetch\`: expected a function, got ${describeValue(value)}`);
  }
  return value as FetchLike;
}

/**
 * `hostname`: undefined or a non-empty string.
 *
 * @example
 * ```ts
 * checkHostname('trader-1'); // 'trader-1'
 * ```
 */
export function checkHostname(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`\`hostname\`: expected a non-empty string, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * An absolute http(s) URL. The value may embed a secret (a Slack or Discord webhook URL is one),
 * so a bad value is shown only by its first characters.
 *
 * @example
 * ```ts
 * checkHttpUrl('url', 'https://hooks.slack.com/services/T/B/x').origin; // 'https://hooks.slack.com'
 * ```
 */
export function checkHttpUrl(option: string, value: unknown): URL {
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(
      `\`${option}\`: expected an absolute http:// or https:// URL string, got ${typeof value === 'string' ? 'an empty string' : describeValue(value)}`,
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
      `\`${option}\`: expected an absolute http:// or https:// URL, got ${JSON.stringify(preview(value))}`,
    );
  }
  return url;
}

/** The first characters of a possibly secret string. */
function preview(value: string): string {
  return value.length > 16 ? `${value.slice(0, 16)}…` : value;
}
