import { describe, expect, it } from 'vitest';
import {
  BINANCE_CODES,
  binanceClassifier,
  binanceCodeRule,
  binanceWeightTracker,
  type BinanceProduct,
} from '../../src/binance/index.js';
import { instantClock } from '../../src/testing/index.js';
import { DUPLICATE_CLIENT_ORDER_ID } from '../../src/index.js';

const NOW = Date.UTC(2026, 0, 5, 12, 0, 30);
const clock = { now: () => NOW };
const spot = binanceClassifier({ clock });
const futures = binanceClassifier({ product: 'futures', clock });
const sapi = binanceClassifier({ product: 'sapi', clock });
const byProduct: Record<BinanceProduct, ReturnType<typeof binanceClassifier>> = {
  spot,
  futures,
  sapi,
};

const thrown = (classify: ReturnType<typeof binanceClassifier>, error: unknown) =>
  classify({ ok: false, error });
/** The axios shape: an error whose `response` carries status, headers and the `{ code, msg }` body. */
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

/** Every code of the reference's Binance table (errors.md §1.3), ranges expanded. */
const range = (from: number, to: number) =>
  Array.from({ length: from - to + 1 }, (_, i) => from - i);
const REFERENCE_CODES: number[] = [
  -1000,
  -1001,
  -1002,
  -1003,
  -1004,
  -1005,
  -1006,
  -1007,
  -1008,
  -1010,
  -1011,
  -1013,
  -1014,
  -1015,
  -1016,
  -1020,
  -1021,
  -1022,
  -1033,
  -1034,
  -1099,
  ...range(-1100, -1199),
  -2010,
  -2011,
  -2012,
  -2013,
  -2014,
  -2015,
  -2016,
  -2017,
  -2018,
  -2019,
  -2020,
  -2021,
  -2022,
  -2023,
  ...range(-2024, -2028),
  -2035,
  -2036,
  -2039,
  -2042,
  -2043,
  ...range(-4000, -4033),
  -4015,
  -4116,
  -4117,
  -4118,
  -4131,
  -4164,
  -4400,
  -4401,
  -5021,
  -5022,
  -5028,
];

describe('the code table', () => {
  it('has every code of the reference table', () => {
    const missing = REFERENCE_CODES.filter((code) => !BINANCE_CODES.has(code));
    expect(missing).toEqual([]);
  });

  it('keys the codes whose meaning differs by product (-1004, -1008, -2021, -2022, -2026)', () => {
    for (const code of [-1004, -1008, -2021, -2022, -2026]) {
      expect(BINANCE_CODES.has(`futures:${code}`)).toBe(true);
    }
    expect(binanceCodeRule(-1004, 'sapi')).toEqual({ name: 'SERVER_BUSY', action: 'retry' });
    expect(binanceCodeRule(-1004, 'futures')).toEqual({ name: 'DUPLICATE_IP', action: 'fail' });
    expect(binanceCodeRule(-2021, 'spot')?.name).toBe('ORDER_CANCEL_REPLACE_PARTIALLY_FAILED');
    expect(binanceCodeRule(-2021, 'futures')?.name).toBe('ORDER_WOULD_IMMEDIATELY_TRIGGER');
    expect(binanceCodeRule(-2022, 'futures')?.name).toBe('REDUCE_ONLY_REJECT');
    expect(binanceCodeRule(-2026, 'spot')?.name).toBe('ORDER_ARCHIVED');
    expect(binanceCodeRule(-2026, 'futures')?.name).toBe('REDUCE_ONLY_ORDER_TYPE_NOT_SUPPORTED');
  });

  it.each([...BINANCE_CODES.entries()])('classifies %s as its table entry says', (key, rule) => {
    const [product, code] =
      typeof key === 'number'
        ? (['spot', key] as const)
        : (key.split(':') as [BinanceProduct, string]);
    const verdict = thrown(byProduct[product], { code: Number(code), msg: 'documented message' });
    if (rule.duplicateOrder === true) {
      expect(verdict).toEqual({ action: 'unknown', reason: DUPLICATE_CLIENT_ORDER_ID });
    } else if (Number(code) === -1003) {
      // Without Retry-After, a -1003 waits for the next minute window.
      expect(verdict).toMatchObject({ action: rule.action, reason: `binance:${code}` });
      expect(verdict?.retryAfterMs).toBeGreaterThan(0);
      expect(verdict?.retryAfterMs).toBeLessThanOrEqual(60_000);
    } else {
      expect(verdict).toEqual({ action: rule.action, reason: `binance:${code}` });
    }
  });
});

describe('binanceClassifier: codes', () => {
  it('does not retry a -2010 order rejection', () => {
    const error = { code: -2010, msg: 'Account has insufficient balance for requested action.' };
    expect(thrown(spot, error)).toEqual({ action: 'fail', reason: 'binance:-2010' });
  });

  it('treats a spot -2010 "Duplicate order sent." as unknown with reason duplicate-client-order-id', () => {
    expect(thrown(spot, { code: -2010, msg: 'Duplicate order sent.' })).toEqual({
      action: 'unknown',
      reason: DUPLICATE_CLIENT_ORDER_ID,
    });
  });

  it('treats a futures -4116 "clientOrderId is duplicated" as unknown with reason duplicate-client-order-id', () => {
    expect(thrown(futures, { code: -4116, msg: 'clientOrderId is duplicated.' })).toEqual({
      action: 'unknown',
      reason: DUPLICATE_CLIENT_ORDER_ID,
    });
  });

  it.each([
    [-1006, 'An unexpected response was received from the message bus. Execution status unknown.'],
    [
      -1007,
      'Timeout waiting for response from backend server. Send status unknown; execution status unknown.',
    ],
  ])('treats %s as an unknown outcome', (code, msg) => {
    expect(thrown(spot, { code, msg })).toEqual({ action: 'unknown', reason: `binance:${code}` });
  });

  it('retries -1021 (timestamp outside recvWindow)', () => {
    const error = { code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' };
    expect(thrown(spot, error)).toEqual({ action: 'retry', reason: 'binance:-1021' });
  });

  it.each([
    [-1002, 'You are not authorized to execute this request.'],
    [-1022, 'Signature for this request is not valid.'],
    [-2014, 'API-key format invalid.'],
    [-2015, 'Invalid API-key, IP, or permissions for action.'],
    [-1102, "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed."],
    [-1121, 'Invalid symbol.'],
    [-2011, 'Unknown order sent.'],
    [-2013, 'Order does not exist.'],
  ])('fails auth, signature and parameter rejection %s', (code, msg) => {
    expect(thrown(spot, { code, msg })).toEqual({ action: 'fail', reason: `binance:${code}` });
  });

  it.each([
    [-2019, 'Margin is insufficient.'],
    [-4003, 'Quantity less than or equal to zero.'],
    [-4164, "Order's notional must be no smaller than 5"],
    [
      -5022,
      'Due to the order could not be executed as maker, the Post Only order will be rejected.',
    ],
  ])('fails futures order rejection %s', (code, msg) => {
    expect(thrown(futures, { code, msg })).toEqual({ action: 'fail', reason: `binance:${code}` });
  });

  it('retries -1003 after the Retry-After header', () => {
    const error = httpError(
      429,
      {
        code: -1003,
        msg: 'Too much request weight used; current limit is 6000 request weight per 1 MINUTE.',
      },
      { 'retry-after': '12' },
    );
    expect(thrown(spot, error)).toEqual({
      action: 'retry',
      reason: 'binance:-1003',
      retryAfterMs: 12_000,
    });
  });

  it('retries -1015 (order-count limit) after the Retry-After header', () => {
    const error = httpError(
      429,
      { code: -1015, msg: 'Too many new orders; current limit is 50 orders per 10 SECOND.' },
      { 'Retry-After': '3' },
    );
    expect(thrown(spot, error)).toEqual({
      action: 'retry',
      reason: 'binance:-1015',
      retryAfterMs: 3000,
    });
  });

  it('takes the wait of -1003 "IP banned until <ms>" from the timestamp', () => {
    const until = NOW + 90_000;
    const error = {
      code: -1003,
      msg: `Way too much request weight used; IP banned until ${until}. Please use WebSocket Streams for live updates to avoid bans.`,
    };
    expect(thrown(spot, error)).toEqual({
      action: 'retry',
      reason: 'binance:-1003',
      retryAfterMs: 90_000,
    });
  });

  it('reads the product from the request URL: -1004 retries on /sapi/ and fails on /fapi/', () => {
    const busy = httpError(
      400,
      { code: -1004, msg: 'Server is busy, please wait and try again' },
      {},
      'https://api.binance.com/sapi/v1/margin/order',
    );
    const dupIp = httpError(
      400,
      { code: -1004, msg: 'This IP is already on the white list' },
      {},
      'https://fapi.binance.com/fapi/v1/order',
    );
    expect(thrown(spot, busy)).toEqual({ action: 'retry', reason: 'binance:-1004' });
    expect(thrown(spot, dupIp)).toEqual({ action: 'fail', reason: 'binance:-1004' });
  });

  it('lets the request URL win over the product option', () => {
    const error = httpError(
      400,
      { code: -1004, msg: 'Server is busy' },
      {},
      'https://api.binance.com/sapi/v1/asset/transfer',
    );
    expect(thrown(futures, error)).toEqual({ action: 'retry', reason: 'binance:-1004' });
  });

  it('fails a Binance code the table does not name', () => {
    expect(thrown(sapi, { code: -3041, msg: 'Balance is not enough' })).toEqual({
      action: 'fail',
      reason: 'binance:-3041',
    });
  });

  it('treats an unnamed code on a 5xx as unknown', () => {
    expect(thrown(spot, httpError(500, { code: -9000, msg: 'x' }))).toEqual({
      action: 'unknown',
      reason: 'binance:http-500',
    });
  });

  it('gives no verdict on JSON-RPC codes, which are not Binance codes', () => {
    expect(thrown(spot, { code: -32005, message: 'limit exceeded' })).toBeUndefined();
    expect(thrown(spot, { code: -32000, msg: 'nonce too low' })).toBeUndefined();
  });
});

describe('binanceClassifier: HTTP statuses', () => {
  it('retries a 429 after Retry-After', () => {
    expect(thrown(spot, httpError(429, '', { 'retry-after': '5' }))).toEqual({
      action: 'retry',
      reason: 'binance:http-429',
      retryAfterMs: 5000,
    });
  });

  it('retries a 418 after Retry-After (the engine ends the run when it is too long)', () => {
    expect(thrown(spot, httpError(418, '', { 'retry-after': '7200' }))).toEqual({
      action: 'retry',
      reason: 'binance:http-418',
      retryAfterMs: 7_200_000,
    });
  });

  it('waits wafDelayMs after a 403 WAF block (default 60 s)', () => {
    const blocked = httpError(403, '<html><title>403 Forbidden</title></html>');
    expect(thrown(spot, blocked)).toEqual({
      action: 'retry',
      reason: 'binance:http-403',
      retryAfterMs: 60_000,
    });
    expect(thrown(binanceClassifier({ wafDelayMs: 5000 }), blocked)).toEqual({
      action: 'retry',
      reason: 'binance:http-403',
      retryAfterMs: 5000,
    });
  });

  it.each([500, 502, 503, 504])('treats a spot %s as an unknown outcome', (status) => {
    expect(thrown(spot, httpError(status, '<html>error</html>'))).toEqual({
      action: 'unknown',
      reason: `binance:http-${status}`,
    });
  });

  it('treats a spot 503 "Service Unavailable." as unknown (only futures documents it as a failure)', () => {
    expect(thrown(spot, httpError(503, { code: -1000, msg: 'Service Unavailable.' }))).toEqual({
      action: 'unknown',
      reason: 'binance:-1000',
    });
  });

  it('retries a futures 503 "Service Unavailable."', () => {
    const error = httpError(503, { msg: 'Service Unavailable.' }, {}, '/fapi/v1/order');
    expect(thrown(spot, error)).toEqual({ action: 'retry', reason: 'binance:service-unavailable' });
  });

  it('retries a futures 503 -1008 "Request throttled by system-level protection"', () => {
    const error = httpError(
      503,
      {
        code: -1008,
        msg: 'Request throttled by system-level protection. Reduce-only/close-position orders are exempt. Please try again.',
      },
      {},
      '/fapi/v1/order',
    );
    expect(thrown(spot, error)).toEqual({ action: 'retry', reason: 'binance:request-throttled' });
  });

  it('retries a futures 503 "Internal error; unable to process your request." with no code', () => {
    const error = httpError(
      503,
      { msg: 'Internal error; unable to process your request. Please try again.' },
      {},
      '/fapi/v1/order',
    );
    expect(thrown(spot, error)).toEqual({ action: 'retry', reason: 'binance:internal-error' });
  });

  it('treats the same futures 503 words in a plain-text body as unknown (not a Binance body)', () => {
    const error = httpError(
      503,
      'Internal error; unable to process your request. Please try again.',
      {},
      '/fapi/v1/order',
    );
    expect(thrown(spot, error)).toEqual({ action: 'unknown', reason: 'binance:http-503' });
  });

  it('treats a load balancer HTML page saying "Service Unavailable" on futures as unknown', () => {
    const error = httpError(
      503,
      '<html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1></body></html>',
      {},
      '/fapi/v1/order',
    );
    expect(thrown(spot, error)).toEqual({ action: 'unknown', reason: 'binance:http-503' });
  });

  it('treats a futures 503 "Unknown error…" without a code as unknown', () => {
    const body = {
      timestamp: NOW,
      status: 503,
      path: '/fapi/v1/order',
      msg: 'Unknown error, please check your request or try again later.',
    };
    expect(thrown(futures, httpError(503, body, {}, '/fapi/v1/order'))).toEqual({
      action: 'unknown',
      reason: 'binance:unknown-error',
    });
  });

  it('treats a futures 503 "Unknown error…" with code -1000 as unknown', () => {
    const body = {
      code: -1000,
      msg: 'Unknown error, please check your request or try again later.',
    };
    expect(thrown(futures, httpError(503, body, {}, '/fapi/v1/order'))).toEqual({
      action: 'unknown',
      reason: 'binance:unknown-error',
    });
  });

  it('treats a futures 408 as unknown', () => {
    expect(thrown(futures, httpError(408, '', {}, '/fapi/v1/order'))).toEqual({
      action: 'unknown',
      reason: 'binance:http-408',
    });
  });

  it('retries a spot 408 (RFC 9110: the request was not processed)', () => {
    expect(thrown(spot, httpError(408, ''))).toEqual({
      action: 'retry',
      reason: 'binance:http-408',
    });
  });

  it('fails other 4xx', () => {
    expect(thrown(spot, httpError(404, '<html>Not Found</html>'))).toEqual({
      action: 'fail',
      reason: 'binance:http-404',
    });
  });
});

describe('binanceClassifier: returned values', () => {
  it('fails a returned { code, msg } item', () => {
    const item = { code: -2010, msg: 'Account has insufficient balance for requested action.' };
    expect(spot({ ok: true, value: item })).toEqual({ action: 'fail', reason: 'binance:-2010' });
  });

  it('gives no verdict on a returned order', () => {
    const order = {
      symbol: 'BTCUSDT',
      orderId: 28,
      clientOrderId: 'abc',
      status: 'NEW',
      code: undefined,
    };
    expect(spot({ ok: true, value: order })).toBeUndefined();
  });

  it('gives no verdict on a returned sapi success { code: 200, msg: "success" }', () => {
    expect(spot({ ok: true, value: { code: 200, msg: 'success' } })).toBeUndefined();
    expect(spot({ ok: true, value: { code: '000000', message: 'success' } })).toBeUndefined();
  });

  it('retries a returned fetch Response with status 429 after its Retry-After', () => {
    const response = new Response('{"code":-1003,"msg":"Too many requests."}', {
      status: 429,
      headers: { 'Retry-After': '2' },
    });
    expect(spot({ ok: true, value: response })).toEqual({
      action: 'retry',
      reason: 'binance:http-429',
      retryAfterMs: 2000,
    });
  });

  it('gives no verdict on a returned 200 Response', () => {
    expect(spot({ ok: true, value: new Response('{}', { status: 200 }) })).toBeUndefined();
  });
});

describe('binanceClassifier: options', () => {
  it('rejects an unknown product with a RangeError naming it', () => {
    expect(() => binanceClassifier({ product: 'options' as never })).toThrow(
      new RangeError(
        "binanceClassifier: `product`: expected 'spot', 'futures' or 'sapi', got \"options\"",
      ),
    );
  });

  it('rejects a negative wafDelayMs with a RangeError naming it', () => {
    expect(() => binanceClassifier({ wafDelayMs: -1 })).toThrow(
      new RangeError('binanceClassifier: `wafDelayMs`: expected a number >= 0, got -1'),
    );
  });

  it('rejects a tracker without update() with a TypeError naming it', () => {
    expect(() => binanceClassifier({ tracker: {} as never })).toThrow(TypeError);
    expect(() => binanceClassifier({ tracker: {} as never })).toThrow(/`tracker`/);
  });

  it('feeds the tracker the headers and status of every failure', () => {
    const trackerClock = instantClock(NOW);
    const tracker = binanceWeightTracker({ limit: 6000, clock: trackerClock });
    const classify = binanceClassifier({ tracker, clock: trackerClock });
    classify({
      ok: false,
      error: httpError(
        400,
        { code: -1121, msg: 'Invalid symbol.' },
        { 'x-mbx-used-weight-1m': '1234' },
      ),
    });
    expect(tracker.snapshot().usedWeight['1m']).toBe(1234);
    classify({
      ok: false,
      error: httpError(429, { code: -1003, msg: 'Too many requests.' }, { 'Retry-After': '30' }),
    });
    expect(tracker.snapshot().pausedUntil).toBe(NOW + 30_000);
  });

  it('pauses the tracker on a WebSocket ban frame, which has no headers', () => {
    const trackerClock = instantClock(NOW);
    const tracker = binanceWeightTracker({ limit: 6000, clock: trackerClock });
    const classify = binanceClassifier({ tracker, clock: trackerClock });
    const frame = {
      id: 1,
      status: 418,
      error: {
        code: -1003,
        msg: 'Way too much request weight used; IP banned until ' + (NOW + 45_000) + '.',
        data: { serverTime: NOW, retryAfter: NOW + 45_000 },
      },
    };
    expect(classify({ ok: false, error: frame })).toEqual({
      action: 'retry',
      reason: 'binance:-1003',
      retryAfterMs: 45_000,
    });
    expect(tracker.snapshot().pausedUntil).toBe(NOW + 45_000);
  });
});

describe('binanceClassifier: tracker feeding', () => {
  it('pauses the tracker until "banned until" when the `binance` plain object has no Retry-After', () => {
    const trackerClock = instantClock(NOW);
    const tracker = binanceWeightTracker({ limit: 6000, clock: trackerClock });
    const classify = binanceClassifier({ tracker, clock: trackerClock });
    const thrown = {
      code: -1003,
      message: `Way too much request weight used; IP banned until ${NOW + 600_000}.`,
      body: {},
      headers: { 'x-mbx-used-weight-1m': '6500' },
      requestUrl: 'https://api.binance.com/api/v3/account',
    };
    classify({ ok: false, error: thrown });
    expect(tracker.snapshot().pausedUntil).toBe(NOW + 600_000);
  });

  it('does not pause the tracker on a retried 503 that is not a rate limit', () => {
    const trackerClock = instantClock(NOW);
    const tracker = binanceWeightTracker({ limit: 6000, clock: trackerClock });
    const classify = binanceClassifier({ tracker, clock: trackerClock, product: 'futures' });
    classify({
      ok: false,
      error: httpError(
        503,
        { msg: 'Service Unavailable.' },
        { 'retry-after': '5' },
        '/fapi/v1/order',
      ),
    });
    expect(tracker.snapshot().pausedUntil).toBeUndefined();
  });
});
