/**
 * `Retry-After` parsing (RFC 9110 §10.2.3): `Retry-After = HTTP-date / delay-seconds`.
 *
 * HTTP-date has three forms that a recipient must accept (RFC 9110 §5.6.7):
 * - IMF-fixdate, the preferred one: `Sun, 06 Nov 1994 08:49:37 GMT`;
 * - the obsolete RFC 850 form with a two-digit year: `Sunday, 06-Nov-94 08:49:37 GMT`;
 * - the obsolete asctime form, which carries no zone and means GMT: `Sun Nov  6 08:49:37 1994`.
 *
 * Dates are parsed field by field rather than with `Date.parse`, which silently rolls impossible
 * dates over (`31 Feb` becomes `3 Mar`) and accepts any word as a day name.
 */

import { lazy } from '../core/lazy.js';

/** delay-seconds is `1*DIGIT`; decimal seconds (`1.5`), which some servers send, are accepted. */
const DELAY_SECONDS = /^\d+(?:\.\d+)?$/;

const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';

// Day and month names are matched case-insensitively: RFC 9110 §5.6.7 asks recipients to be
// robust when parsing timestamps. Built when the first date is parsed: most values are seconds.
const dateForms = /* @__PURE__ */ lazy(() => ({
  imfFixdate: new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`, 'i'),
  rfc850: new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`, 'i'),
  asctime: new RegExp(`^${DAY} ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`, 'i'),
}));

const MONTHS: Readonly<Record<string, number>> = /* @__PURE__ */ Object.freeze({
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  oct: 9,
  nov: 10,
  dec: 11,
});

/**
 * Parses a `Retry-After` value into milliseconds to wait from `nowMs`, or `undefined` when the
 * value is missing or invalid (an invalid value is treated as absent, as got and ky do). A date
 * in the past gives 0. A number is taken as seconds. Decimal seconds (`1.5`), which some servers
 * send although RFC 9110 allows only integers, are accepted.
 *
 * @example
 * ```ts
 * parseRetryAfter('120');                                  // 120000
 * parseRetryAfter('Wed, 21 Oct 2026 07:28:00 GMT', nowMs); // ms from nowMs until then, or 0
 * parseRetryAfter('soon');                                 // undefined
 * ```
 */
export function parseRetryAfter(
  value: string | number | null | undefined,
  nowMs: number = Date.now(),
): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  }
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (DELAY_SECONDS.test(text)) return Number(text) * 1000;
  const dateMs = parseHttpDate(text, nowMs);
  if (dateMs === undefined) return undefined;
  const delay = dateMs - nowMs;
  return delay > 0 ? delay : 0;
}

/**
 * An HTTP-date in any of its three forms as epoch milliseconds, or `undefined`. `nowMs` resolves
 * the two-digit year of the RFC 850 form.
 *
 * @example
 * ```ts
 * parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT'); // 784111777000
 * parseHttpDate('Sun Nov  6 08:49:37 1994');      // 784111777000
 * parseHttpDate('Sun, 31 Feb 1994 08:49:37 GMT'); // undefined
 * ```
 */
export function parseHttpDate(text: string, nowMs: number = Date.now()): number | undefined {
  const { imfFixdate, rfc850, asctime } = dateForms();
  let m = imfFixdate.exec(text);
  if (m !== null) return utc(m[3]!, m[2]!, m[1]!, m[4]!, m[5]!, m[6]!);
  m = rfc850.exec(text);
  if (m !== null)
    return utc(String(fullYear(Number(m[3]), nowMs)), m[2]!, m[1]!, m[4]!, m[5]!, m[6]!);
  m = asctime.exec(text);
  if (m !== null) return utc(m[6]!, m[1]!, m[2]!.trim(), m[3]!, m[4]!, m[5]!);
  return undefined;
}

/**
 * RFC 9110 §5.6.7: a two-digit year that "appears to be more than 50 years in the future" is the
 * most recent past year with the same last two digits.
 */
function fullYear(twoDigits: number, nowMs: number): number {
  const nowYear = Number.isFinite(nowMs)
    ? new Date(nowMs).getUTCFullYear()
    : new Date().getUTCFullYear();
  let year = Math.floor(nowYear / 100) * 100 + twoDigits;
  if (year > nowYear + 50) year -= 100;
  return year;
}

function utc(
  yearText: string,
  monthText: string,
  dayText: string,
  hourText: string,
  minuteText: string,
  secondText: string,
): number | undefined {
  const month = MONTHS[monthText.toLowerCase()];
  const year = Number(yearText);
  const day = Number(dayText);
  const hour = Number(hourText);
  const minute = Number(minuteText);
  const second = Number(secondText);
  // time-of-day allows second 60 (a leap second); Date.UTC carries it into the next minute.
  if (month === undefined || hour > 23 || minute > 59 || second > 60 || day < 1) return undefined;
  const date = new Date(0);
  // setUTCFullYear rather than Date.UTC, which maps years 0-99 to 1900-1999.
  date.setUTCFullYear(year, month, day);
  // An impossible day (31 Feb) rolls into the next month: reject it instead.
  if (date.getUTCMonth() !== month) return undefined;
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}
