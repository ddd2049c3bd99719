import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { binanceClassifier, parseBinanceError } from '../../src/binance/index.js';

const NOW = Date.UTC(2026, 0, 5, 12, 0, 0);

describe('parseBinanceError', () => {
  it('reads the plain object the `binance` package throws (no Error, no status)', () => {
    const thrown = {
      code: -2010,
      message: 'Account has insufficient balance for requested action.',
      body: { code: -2010, msg: 'Account has insufficient balance for requested action.' },
      headers: { 'content-type': 'application/json;charset=UTF-8', 'x-mbx-used-weight-1m': '3' },
      requestUrl: 'http://127.0.0.1:1/api/v3/order?symbol=BTCUSDT&timestamp=1&signature=abc',
      requestBody: undefined,
      requestOptions: { recvWindow: 5000, api_key: undefined, api_secret: undefined },
    };
    expect(parseBinanceError(thrown, NOW)).toEqual({
      code: -2010,
      msg: 'Account has insufficient balance for requested action.',
      status: undefined,
      retryAfterMs: undefined,
      product: 'spot',
    });
  });

  it('reads the `binance` plain object of an HTML 5xx page (no code)', () => {
    const thrown = {
      code: undefined,
      message: undefined,
      body: '<html><body>502 Bad Gateway</body></html>',
      headers: {},
      requestUrl: 'https://fapi.binance.com/fapi/v1/order?x=1',
    };
    expect(parseBinanceError(thrown, NOW)).toEqual({
      code: undefined,
      msg: undefined,
      status: undefined,
      retryAfterMs: undefined,
      product: 'futures',
    });
    expect(binanceClassifier()({ ok: false, error: thrown })).toEqual({
      action: 'unknown',
      reason: 'binance:no-code',
    });
  });

  it('reads a WAF 403 page from the `binance` plain object as status 403', () => {
    const thrown = {
      body: '<HTML><HEAD><TITLE>ERROR: The request could not be satisfied</TITLE></HEAD><BODY><H1>403 ERROR</H1>Request blocked.</BODY></HTML>',
      headers: {},
      requestUrl: 'https://api.binance.com/api/v3/order',
    };
    expect(parseBinanceError(thrown, NOW)?.status).toBe(403);
    expect(binanceClassifier()({ ok: false, error: thrown })).toEqual({
      action: 'retry',
      reason: 'binance:http-403',
      retryAfterMs: 60_000,
    });
  });

  it('reads Retry-After from the `binance` plain object headers (AxiosHeaders or plain, any case)', () => {
    const thrown = {
      code: -1003,
      message: 'Too many requests.',
      body: {},
      headers: { 'Retry-After': '9' },
      requestUrl: 'https://api.binance.com/api/v3/account',
    };
    expect(parseBinanceError(thrown, NOW)?.retryAfterMs).toBe(9000);
  });

  it('reads an axios-style error: response.{status, headers, data: { code, msg }}', () => {
    const error = Object.assign(new Error('Request failed with status code 400'), {
      name: 'AxiosError',
      code: 'ERR_BAD_REQUEST',
      config: {
        url: 'https://api.binance.com/sapi/v1/margin/order',
        headers: { 'X-MBX-APIKEY': 'k' },
      },
      response: {
        status: 400,
        headers: { 'x-mbx-used-weight-1m': '10' },
        data: { code: -3041, msg: 'Balance is not enough' },
      },
    });
    expect(parseBinanceError(error, NOW)).toEqual({
      code: -3041,
      msg: 'Balance is not enough',
      status: 400,
      retryAfterMs: undefined,
      product: 'sapi',
    });
  });

  it('reads a thrown { code, msg } payload', () => {
    expect(parseBinanceError({ code: -1121, msg: 'Invalid symbol.' }, NOW)).toEqual({
      code: -1121,
      msg: 'Invalid symbol.',
      status: undefined,
      retryAfterMs: undefined,
      product: undefined,
    });
  });

  it('reads a { code, msg } payload as a JSON string', () => {
    expect(parseBinanceError('{"code":-1121,"msg":"Invalid symbol."}', NOW)?.code).toBe(-1121);
  });

  it('reads a WebSocket API error frame, whose retryAfter is an epoch-ms timestamp', () => {
    const frame = {
      wsKey: 'usdmWSAPI',
      id: 7,
      status: 418,
      error: {
        code: -1003,
        msg: 'Way too much request weight used; IP banned until 1659146400000. Please use WebSocket Streams for live updates to avoid bans.',
        data: { serverTime: 1659142907531, retryAfter: 1659146400000 },
      },
      rateLimits: [
        {
          rateLimitType: 'REQUEST_WEIGHT',
          interval: 'MINUTE',
          intervalNum: 1,
          limit: 6000,
          count: 12000,
        },
      ],
      isWSAPIResponse: true,
    };
    expect(parseBinanceError(frame, 1659142907531)).toEqual({
      code: -1003,
      msg: frame.error.msg,
      status: 418,
      retryAfterMs: 1659146400000 - 1659142907531,
      product: 'futures',
    });
  });

  it('reads a spot WebSocket frame (mainWSAPI) as spot', () => {
    const frame = {
      wsKey: 'mainWSAPI',
      id: 1,
      status: 400,
      error: {
        code: -1021,
        msg: "Timestamp for this request was 1000ms ahead of the server's time.",
      },
    };
    expect(parseBinanceError(frame, NOW)?.product).toBe('spot');
  });

  it('reads a @binance/common WebSocket rejection { code, msg, data: { retryAfter } }', () => {
    const rejection = {
      code: -1003,
      msg: 'Too much request weight used.',
      data: { serverTime: NOW, retryAfter: NOW + 5000 },
    };
    expect(parseBinanceError(rejection, NOW)?.retryAfterMs).toBe(5000);
  });

  it('reads @binance/common error classes, which name their status', () => {
    class TooManyRequestsError extends Error {
      override name = 'TooManyRequestsError';
      code = -1003;
    }
    class ServerError extends Error {
      override name = 'ServerError';
      statusCode = 503;
    }
    expect(parseBinanceError(new TooManyRequestsError('Too many requests.'), NOW)).toMatchObject({
      code: -1003,
      msg: 'Too many requests.',
      status: 429,
    });
    expect(parseBinanceError(new ServerError('Server error: 503'), NOW)).toMatchObject({
      code: undefined,
      msg: undefined,
      status: 503,
    });
  });

  it('reads a fetch-based client error: an Error with code and url', () => {
    const error = Object.assign(new Error('Order would immediately trigger.'), {
      code: -2021,
      url: 'https://fapi.binance.com/fapi/v1/order?signature=x',
    });
    expect(parseBinanceError(error, NOW)).toEqual({
      code: -2021,
      msg: 'Order would immediately trigger.',
      status: undefined,
      retryAfterMs: undefined,
      product: 'futures',
    });
  });

  it('reads a fetch-based client error carrying the Response and its text', () => {
    const response = new Response(null, { status: 503, headers: { 'Retry-After': '1' } });
    const error = Object.assign(new Error('503 Service Unavailable'), {
      response,
      responseText: 'Service Unavailable.',
    });
    expect(parseBinanceError(error, NOW)).toMatchObject({ status: 503, retryAfterMs: 1000 });
  });

  it('reads a fetch Response', () => {
    const response = new Response('', { status: 418, headers: { 'Retry-After': '120' } });
    expect(parseBinanceError(response, NOW)).toMatchObject({ status: 418, retryAfterMs: 120_000 });
  });

  it('reads a got-style error: response.{statusCode, headers, body as text}', () => {
    const error = Object.assign(new Error('Response code 429 (Too Many Requests)'), {
      name: 'HTTPError',
      response: {
        statusCode: 429,
        headers: { 'retry-after': '4' },
        body: '{"code":-1003,"msg":"Too many requests."}',
        url: 'https://api.binance.com/api/v3/ticker',
      },
    });
    expect(parseBinanceError(error, NOW)).toEqual({
      code: -1003,
      msg: 'Too many requests.',
      status: 429,
      retryAfterMs: 4000,
      product: 'spot',
    });
  });

  it('finds a Binance error wrapped in a cause chain', () => {
    const wrapped = new Error('place order failed', {
      cause: { code: -2010, msg: 'Market is closed.' },
    });
    expect(parseBinanceError(wrapped, NOW)?.code).toBe(-2010);
  });

  it('returns undefined for values that are not Binance errors', () => {
    for (const value of [
      undefined,
      null,
      42,
      'boom',
      new Error('boom'),
      { code: 'ECONNRESET' },
      { code: -32005, message: 'limit' },
      { symbol: 'BTCUSDT', status: 'NEW' },
    ]) {
      expect(parseBinanceError(value, NOW)).toBeUndefined();
    }
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withNullPrototype: true,
          withBigInt: true,
          withMap: true,
          withSet: true,
          withTypedArray: true,
        }),
        (value) => {
          expect(() => parseBinanceError(value)).not.toThrow();
          expect(() => parseBinanceError(value, NaN)).not.toThrow();
        },
      ),
    );
  });

  it('binanceClassifier never throws, whatever it is given', () => {
    fc.assert(
      fc.property(
        fc.anything({ withNullPrototype: true, withBigInt: true, withMap: true, withSet: true }),
        (value) => {
          const classify = binanceClassifier();
          expect(() => classify({ ok: false, error: value })).not.toThrow();
          expect(() => classify({ ok: true, value })).not.toThrow();
        },
      ),
    );
  });

  it('binanceClassifier never throws on Binance-like shapes', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            code: fc.oneof(
              fc.integer({ min: -40000, max: 0 }),
              fc.string(),
              fc.constant(undefined),
            ),
            msg: fc.oneof(
              fc.string(),
              fc.constant('IP banned until 99999999999999'),
              fc.constant(undefined),
            ),
            status: fc.oneof(fc.integer({ min: 0, max: 700 }), fc.constant(undefined)),
            headers: fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.constant(undefined)),
            requestUrl: fc.constantFrom(
              undefined,
              'https://fapi.binance.com/fapi/v1/order',
              '/api/v3/order',
            ),
            error: fc.oneof(
              fc.constant(undefined),
              fc.record({ code: fc.integer(), msg: fc.string(), data: fc.anything() }),
            ),
          },
          { requiredKeys: [] },
        ),
        (value) => {
          expect(() =>
            binanceClassifier({ product: 'futures' })({ ok: false, error: value }),
          ).not.toThrow();
        },
      ),
    );
  });

  it('never throws on proxies with throwing traps or cyclic causes', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('trap');
        },
        ownKeys() {
          throw new Error('trap');
        },
        getPrototypeOf() {
          throw new Error('trap');
        },
      },
    );
    const cyclic: Record<string, unknown> = { code: 'x' };
    cyclic.cause = cyclic;
    const classify = binanceClassifier();
    for (const value of [
      hostile,
      cyclic,
      { response: hostile },
      { error: hostile },
      { headers: hostile, requestUrl: '/api/' },
    ]) {
      expect(() => classify({ ok: false, error: value })).not.toThrow();
      expect(() => parseBinanceError(value)).not.toThrow();
    }
  });
});
