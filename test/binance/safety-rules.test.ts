import { describe, expect, it } from 'vitest';
import { binanceClassifier, binanceWeightTracker } from '../../src/binance/index.js';
import { instantClock } from '../../src/testing/index.js';

/** 12:00:30 UTC: half a minute before the next request-weight window. */
const NOW = Date.UTC(2026, 0, 5, 12, 0, 30);
const clock = { now: () => NOW };
const spot = binanceClassifier({ clock });
const futures = binanceClassifier({ product: 'futures', clock });
const thrown = (classify: ReturnType<typeof binanceClassifier>, error: unknown) =>
  classify({ ok: false, error });

/** The axios shape: `response` with status, headers and body. */
const httpError = (
  status: number,
  data: unknown,
  headers: Record<string, string> = {},
  url = '/api/v3/order',
) =>
  Object.assign(new Error(`Request failed with status code ${status}`), {
    status,
    response: { status, headers, data, config: { url } },
  });

/** What the `binance` package throws for an HTTP error: no status, the body as it came [TS]. */
const binanceClientError = (body: unknown, url = 'https://api.binance.com/api/v3/order') => ({
  code: typeof body === 'object' && body !== null ? (body as { code?: number }).code : undefined,
  message: typeof body === 'object' && body !== null ? (body as { msg?: string }).msg : undefined,
  body,
  headers: { 'content-type': 'text/html' },
  requestUrl: url,
});

/** An AxiosError as the `binance` package rethrows it when no response came [TS]. */
const axiosNetworkError = (code: string, message: string) =>
  Object.assign(new Error(message), { name: 'AxiosError', code, isAxiosError: true, config: {} });

describe('binanceClassifier: bans and rate limits without Retry-After', () => {
  it('takes a 418 without Retry-After as a ban of at least 2 minutes', () => {
    expect(
      thrown(spot, httpError(418, { code: -1003, msg: 'Way too much request weight used.' })),
    ).toEqual({
      action: 'retry',
      reason: 'binance:-1003',
      retryAfterMs: 120_000,
    });
  });

  it('waits until the timestamp of an "IP banned until" message', () => {
    const until = NOW + 600_000;
    const error = binanceClientError({
      code: -1003,
      msg: `Way too much request weight used; IP banned until ${until}. Please use WebSocket Streams for live updates to avoid bans.`,
    });
    expect(thrown(spot, error)).toEqual({
      action: 'retry',
      reason: 'binance:-1003',
      retryAfterMs: 600_000,
    });
  });

  it('recognises a ban page from the `binance` client, which drops the 418 status', () => {
    const error = binanceClientError("<html><head><title>418 I'm a teapot</title></head></html>");
    expect(thrown(spot, error)).toEqual({
      action: 'retry',
      reason: 'binance:http-418',
      retryAfterMs: 120_000,
    });
  });

  it('honours a Retry-After on a 418', () => {
    expect(
      thrown(spot, httpError(418, { code: -1003, msg: 'banned' }, { 'retry-after': '300' })),
    ).toEqual({
      action: 'retry',
      reason: 'binance:-1003',
      retryAfterMs: 300_000,
    });
  });

  it('waits for the next minute window on a -1003 without Retry-After', () => {
    const error = binanceClientError({
      code: -1003,
      msg: 'Too much request weight used; current limit is 6000 request weight per 1 MINUTE.',
    });
    expect(thrown(spot, error)).toEqual({
      action: 'retry',
      reason: 'binance:-1003',
      retryAfterMs: 30_000,
    });
  });

  it('tells the tracker of a ban the `binance` client reported without a status', () => {
    const trackerClock = instantClock(NOW);
    const tracker = binanceWeightTracker({ limit: 6000, clock: trackerClock });
    const classify = binanceClassifier({ tracker, clock: trackerClock });
    classify({
      ok: false,
      error: binanceClientError("<html><title>418 I'm a teapot</title></html>"),
    });
    expect(tracker.snapshot().pausedUntil).toBe(NOW + 120_000);
  });

  it('tells the tracker to hold until the next minute window after a -1003', () => {
    const trackerClock = instantClock(NOW);
    const tracker = binanceWeightTracker({ limit: 6000, clock: trackerClock });
    const classify = binanceClassifier({ tracker, clock: trackerClock });
    classify({
      ok: false,
      error: binanceClientError({ code: -1003, msg: 'Too many requests queued.' }),
    });
    expect(tracker.snapshot().pausedUntil).toBe(NOW + 30_000);
  });
});

describe('binanceClassifier: only what is known not to have executed retries', () => {
  it('judges a spot 503 with -1001 unknown (spot: 5XX is execution status unknown)', () => {
    const error = httpError(503, {
      code: -1001,
      msg: 'Internal error; unable to process your request. Please try again.',
    });
    expect(thrown(spot, error)).toEqual({ action: 'unknown', reason: 'binance:-1001' });
  });

  it('retries a futures 503 with -1001 (futures: a failure, "you can resend")', () => {
    const error = httpError(
      503,
      { code: -1001, msg: 'Internal error; unable to process your request. Please try again.' },
      {},
      '/fapi/v1/order',
    );
    expect(thrown(spot, error)).toEqual({ action: 'retry', reason: 'binance:internal-error' });
  });

  it('judges spot -1008 SERVER_BUSY unknown and futures -1008 (throttled, 100% failure) retry', () => {
    expect(
      thrown(spot, { code: -1008, msg: 'Server is currently overloaded with other requests.' }),
    ).toEqual({
      action: 'unknown',
      reason: 'binance:-1008',
    });
    expect(
      thrown(futures, { code: -1008, msg: 'Request throttled by system-level protection.' }),
    ).toEqual({
      action: 'retry',
      reason: 'binance:request-throttled',
    });
  });

  it('judges futures -4078 OPTIONS_COMMON_ERROR unknown and -5041 BBO_ORDER_REJECT fail', () => {
    expect(thrown(futures, { code: -4078, msg: 'options internal error' })).toEqual({
      action: 'unknown',
      reason: 'binance:-4078',
    });
    expect(thrown(futures, { code: -5041, msg: 'No depth matches this BBO order' })).toEqual({
      action: 'fail',
      reason: 'binance:-5041',
    });
  });

  it('judges -1007 unknown at 400 and at 500', () => {
    const msg =
      'Timeout waiting for response from backend server. Send status unknown; execution status unknown.';
    expect(thrown(spot, httpError(400, { code: -1007, msg }))).toEqual({
      action: 'unknown',
      reason: 'binance:-1007',
    });
    expect(thrown(spot, httpError(500, { code: -1007, msg }))).toEqual({
      action: 'unknown',
      reason: 'binance:-1007',
    });
  });
});

describe("binanceClassifier: the clients' own network failures", () => {
  it.each([
    ['ECONNRESET', 'socket hang up', 'unknown'],
    ['ECONNABORTED', 'timeout of 5000ms exceeded', 'unknown'],
    ['ETIMEDOUT', 'timeout of 5000ms exceeded', 'unknown'],
    ['ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:443', 'retry'],
  ])('judges an axios %s from the `binance` client %s', (code, message, action) => {
    expect(thrown(spot, axiosNetworkError(code, message))).toEqual({
      action,
      reason: `network:${code}`,
    });
  });

  it('judges a bare "socket hang up" with no code unknown', () => {
    expect(thrown(spot, new Error('socket hang up'))).toEqual({
      action: 'unknown',
      reason: 'network:socket-hang-up',
    });
  });
});
