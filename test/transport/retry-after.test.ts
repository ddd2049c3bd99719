import { describe, expect, it } from 'vitest';
import { parseHttpDate, parseRetryAfter } from '../../src/http/index.js';

const NOW = Date.UTC(2026, 0, 1, 0, 0, 0); // Thu, 01 Jan 2026 00:00:00 GMT

describe('parseRetryAfter: delay-seconds', () => {
  it.each([
    ['0', 0],
    ['3', 3000],
    ['120', 120_000],
    [' 5 ', 5000],
    ['1.5', 1500],
  ])('reads %j as %d ms', (value, ms) => {
    expect(parseRetryAfter(value, NOW)).toBe(ms);
  });

  it('keeps a huge delay, so that maxRetryAfterMs can refuse it', () => {
    expect(parseRetryAfter('99999999999', NOW)).toBe(99_999_999_999_000);
  });

  it('reads a number as seconds', () => {
    expect(parseRetryAfter(2, NOW)).toBe(2000);
  });
});

describe('parseRetryAfter: HTTP-date (RFC 9110 §5.6.7)', () => {
  it.each([
    ['IMF-fixdate', 'Thu, 01 Jan 2026 00:00:10 GMT', 10_000],
    ['RFC 850 date', 'Thursday, 01-Jan-26 00:00:10 GMT', 10_000],
    ['asctime date (one-digit day)', 'Thu Jan  1 00:00:10 2026', 10_000],
    ['asctime date (two-digit day)', 'Sat Jan 10 00:00:00 2026', 9 * 86_400_000],
    ['IMF-fixdate in lower case', 'thu, 01 jan 2026 00:01:00 GMT', 60_000],
  ])('reads an %s', (_form, value, ms) => {
    expect(parseRetryAfter(value, NOW)).toBe(ms);
  });

  it.each([
    ['IMF-fixdate', 'Wed, 31 Dec 2025 23:59:00 GMT'],
    ['RFC 850 date', 'Wednesday, 31-Dec-25 23:59:00 GMT'],
    ['asctime date', 'Wed Dec 31 23:59:00 2025'],
    ['date long past', 'Sun, 06 Nov 1994 08:49:37 GMT'],
  ])('gives 0 for an %s in the past', (_form, value) => {
    expect(parseRetryAfter(value, NOW)).toBe(0);
  });

  it('reads a two-digit RFC 850 year more than 50 years ahead as the past century', () => {
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', NOW)).toBe(
      Date.UTC(1994, 10, 6, 8, 49, 37),
    );
    expect(parseHttpDate('Friday, 01-Jan-76 00:00:00 GMT', NOW)).toBe(Date.UTC(2076, 0, 1));
    expect(parseHttpDate('Friday, 01-Jan-77 00:00:00 GMT', NOW)).toBe(Date.UTC(1977, 0, 1));
  });
});

describe('parseRetryAfter: invalid values', () => {
  it.each([
    ['an empty string', ''],
    ['words', 'soon'],
    ['a negative number of seconds', '-1'],
    ['an exponent', '1e3'],
    ['a date with a zone other than GMT', 'Thu, 01 Jan 2026 00:00:10 UTC'],
    ['an unknown day name', 'Foo, 01 Jan 2026 00:00:10 GMT'],
    ['an impossible day', 'Sat, 31 Feb 2026 00:00:10 GMT'],
    ['an impossible hour', 'Thu, 01 Jan 2026 25:00:10 GMT'],
    ['an ISO date', '2026-01-01T00:00:10Z'],
  ])('gives undefined for %s', (_what, value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['NaN', NaN],
    ['a negative number', -5],
    ['Infinity', Infinity],
  ])('gives undefined for %s', (_what, value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });
});
