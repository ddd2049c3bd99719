import axios from 'axios';
import { MainClient, USDMClient } from 'binance';
import { afterEach, describe, expect, it } from 'vitest';
import { binanceClassifier, binancePresets, parseBinanceError } from '../../src/binance/index.js';
import {
  DUPLICATE_CLIENT_ORDER_ID,
  RetryExhaustedError,
  UnknownOutcomeError,
  retry,
} from '../../src/index.js';
import { instantClock } from '../../src/testing/index.js';
import { captureLogger } from '../helpers/log-capture.js';
import { startFakeBinance, type Answer, type Received } from './fake-binance.js';

const API_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
const API_SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';

let servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function fake(handler: (request: Received, index: number) => Answer) {
  const server = await startFakeBinance(handler);
  servers.push(server);
  return server;
}

const spotClient = (baseUrl: string) =>
  new MainClient({ api_key: API_KEY, api_secret: API_SECRET, baseUrl });
const futuresClient = (baseUrl: string) =>
  new USDMClient({ api_key: API_KEY, api_secret: API_SECRET, baseUrl });

/** Calls `fn`, remembering what it threw, so a test can assert the run rejected with that very value. */
function remembering<T>(fn: () => Promise<T>) {
  const seen: { thrown: unknown[] } = { thrown: [] };
  const call = async () => {
    try {
      return await fn();
    } catch (error) {
      seen.thrown.push(error);
      throw error;
    }
  };
  return Object.assign(call, seen);
}

const FILLED_ORDER = (clientOrderId: string) => ({
  symbol: 'BTCUSDT',
  orderId: 28,
  clientOrderId,
  price: '0',
  origQty: '0.001',
  executedQty: '0.001',
  status: 'FILLED',
  type: 'MARKET',
  side: 'BUY',
});

describe('binance (npm) MainClient against a local server', () => {
  it('does not retry a -2010 order rejection and rejects with the original error', async () => {
    const server = await fake(() => ({
      status: 400,
      body: { code: -2010, msg: 'Account has insufficient balance for requested action.' },
    }));
    const client = spotClient(server.baseUrl);
    const submit = remembering(() =>
      client.submitNewOrder({
        symbol: 'BTCUSDT',
        side: 'BUY',
        type: 'MARKET',
        quantity: 0.001,
        newClientOrderId: client.generateNewOrderId(),
      }),
    );
    const clock = instantClock();

    const error = await retry(submit, { ...binancePresets.binanceOrder, clock }).catch(
      (e: unknown) => e,
    );

    expect(error).toBe(submit.thrown[0]);
    expect(submit.thrown).toHaveLength(1);
    expect(submit.thrown[0]).not.toBeInstanceOf(Error);
    expect(submit.thrown[0]).toMatchObject({
      code: -2010,
      message: 'Account has insufficient balance for requested action.',
    });
    expect(server.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('retries a 429 after exactly its Retry-After', async () => {
    const server = await fake((_request, index) =>
      index === 0
        ? {
            status: 429,
            headers: { 'Retry-After': '7', 'x-mbx-used-weight-1m': '6001' },
            body: {
              code: -1003,
              msg: 'Too much request weight used; current limit is 6000 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.',
            },
          }
        : { status: 200, body: FILLED_ORDER('abc') },
    );
    const client = spotClient(server.baseUrl);
    const clock = instantClock();

    const order = await retry(
      () => client.getOrder({ symbol: 'BTCUSDT', origClientOrderId: 'abc' }),
      {
        ...binancePresets.binanceQuery,
        clock,
      },
    );

    expect(order).toMatchObject({ clientOrderId: 'abc', status: 'FILLED' });
    expect(server.requests).toHaveLength(2);
    expect(clock.sleeps).toEqual([7000]);
  });

  it('ends the run without sleeping on a 418 whose Retry-After exceeds maxRetryAfterMs', async () => {
    const bannedUntil = Date.now() + 7_200_000;
    const server = await fake(() => ({
      status: 418,
      headers: { 'Retry-After': '7200' },
      body: {
        code: -1003,
        msg: `Way too much request weight used; IP banned until ${bannedUntil}. Please use WebSocket Streams for live updates to avoid bans.`,
      },
    }));
    const client = spotClient(server.baseUrl);
    const clock = instantClock();

    const error = await retry(
      () => client.getOrder({ symbol: 'BTCUSDT', origClientOrderId: 'abc' }),
      {
        ...binancePresets.binanceQuery,
        clock,
      },
    ).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RetryExhaustedError);
    expect(error).toMatchObject({
      reason: 'retry-after-too-long',
      attempts: 1,
      cause: { code: -1003 },
    });
    expect(server.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('hands the plain object it throws to parseBinanceError with the product from requestUrl', async () => {
    const server = await fake(() => ({
      status: 400,
      body: { code: -1121, msg: 'Invalid symbol.' },
    }));
    const thrown = await spotClient(server.baseUrl)
      .getOrder({ symbol: 'NOPE', origClientOrderId: 'abc' })
      .catch((e: unknown) => e);
    expect(parseBinanceError(thrown)).toEqual({
      code: -1121,
      msg: 'Invalid symbol.',
      status: undefined,
      retryAfterMs: undefined,
      product: 'spot',
    });
  });
});

describe('binance (npm) USDMClient against a local server', () => {
  /** A futures venue that places the order, then answers 503 "Unknown error…" for it. */
  function placingButTimingOut(orders: Map<string, object>, placed: string[]) {
    return (request: Received): Answer => {
      if (request.method === 'POST' && request.path === '/fapi/v1/order') {
        const id = request.query.get('newClientOrderId')!;
        placed.push(id);
        orders.set(id, FILLED_ORDER(id));
        return {
          status: 503,
          body: {
            code: -1000,
            msg: 'Unknown error, please check your request or try again later.',
          },
        };
      }
      if (request.method === 'GET' && request.path === '/fapi/v1/order') {
        const order = orders.get(request.query.get('origClientOrderId') ?? '');
        return order === undefined
          ? { status: 400, body: { code: -2013, msg: 'Order does not exist.' } }
          : { status: 200, body: order };
      }
      return { status: 404, body: '<html>not found</html>' };
    };
  }

  it('reconciles a 503 "Unknown error…" on submitNewOrder by querying the client order id', async () => {
    const orders = new Map<string, object>();
    const placed: string[] = [];
    const server = await fake(placingButTimingOut(orders, placed));
    const client = futuresClient(server.baseUrl);
    const newClientOrderId = client.generateNewOrderId();
    const clock = instantClock();

    const result = await retry(
      () =>
        client.submitNewOrder({
          symbol: 'BTCUSDT',
          side: 'BUY',
          type: 'MARKET',
          quantity: 0.001,
          newClientOrderId,
        }),
      {
        ...binancePresets.binanceOrder,
        clock,
        reconcile: async () => {
          const order = await client
            .getOrder({ symbol: 'BTCUSDT', origClientOrderId: newClientOrderId })
            .catch(() => undefined);
          return order === undefined
            ? { executed: false }
            : { executed: true, value: order as never };
        },
      },
    );

    expect(result).toMatchObject({ clientOrderId: newClientOrderId, status: 'FILLED' });
    expect(placed).toEqual([newClientOrderId]);
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /fapi/v1/order',
      'GET /fapi/v1/order',
    ]);
    expect(clock.sleeps).toEqual([]);
  });

  it('rejects with UnknownOutcomeError on a 503 "Unknown error…" without reconcile', async () => {
    const placed: string[] = [];
    const server = await fake(placingButTimingOut(new Map(), placed));
    const client = futuresClient(server.baseUrl);

    const run = retry(
      () =>
        client.submitNewOrder({
          symbol: 'BTCUSDT',
          side: 'BUY',
          type: 'MARKET',
          quantity: 0.001,
          newClientOrderId: client.generateNewOrderId(),
        }),
      { ...binancePresets.binanceOrder, clock: instantClock() },
    );

    await expect(run).rejects.toBeInstanceOf(UnknownOutcomeError);
    expect(placed).toHaveLength(1);
  });

  it('retries a futures 503 "Service Unavailable." (a certain failure) and places the order once', async () => {
    const placed: string[] = [];
    const server = await fake((request, index) => {
      if (index === 0) return { status: 503, body: { msg: 'Service Unavailable.' } };
      placed.push(request.query.get('newClientOrderId')!);
      return { status: 200, body: FILLED_ORDER(request.query.get('newClientOrderId')!) };
    });
    const client = futuresClient(server.baseUrl);
    const clock = instantClock();

    const order = await retry(
      () =>
        client.submitNewOrder({
          symbol: 'BTCUSDT',
          side: 'BUY',
          type: 'MARKET',
          quantity: 0.001,
          newClientOrderId: client.generateNewOrderId(),
        }),
      { ...binancePresets.binanceOrder, clock, random: () => 0.5 },
    );

    expect(order).toMatchObject({ status: 'FILLED' });
    expect(placed).toHaveLength(1);
    expect(clock.sleeps).toEqual([1000]);
  });

  it('treats a futures -4116 duplicate client order id as unknown (duplicate-client-order-id)', async () => {
    const server = await fake(() => ({
      status: 400,
      body: { code: -4116, msg: 'ClientOrderId is duplicated.' },
    }));
    const client = futuresClient(server.baseUrl);
    const thrown = await client
      .submitNewOrder({
        symbol: 'BTCUSDT',
        side: 'BUY',
        type: 'MARKET',
        quantity: 0.001,
        newClientOrderId: client.generateNewOrderId(),
      })
      .catch((e: unknown) => e);
    expect(binanceClassifier()({ ok: false, error: thrown })).toEqual({
      action: 'unknown',
      reason: DUPLICATE_CLIENT_ORDER_ID,
    });
  });
});

describe('secrets in logs', () => {
  it('never logs the API key, the secret or the signature (real pino, real client)', async () => {
    const server = await fake(() => ({
      status: 502,
      body: '<html><body><h1>502 Bad Gateway</h1></body></html>',
    }));
    const client = spotClient(server.baseUrl);
    const capture = captureLogger();

    const error = await retry(
      () => client.getOrder({ symbol: 'BTCUSDT', origClientOrderId: 'abc' }),
      {
        ...binancePresets.binanceQuery,
        maxAttempts: 2,
        clock: instantClock(),
        logger: capture.logger,
        operation: 'get_order',
      },
    ).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RetryExhaustedError);
    const signatures = server.requests.map((r) => r.query.get('signature')!);
    expect(signatures.every((s) => s.length >= 32)).toBe(true);
    expect((error as RetryExhaustedError).cause).toMatchObject({
      requestUrl: expect.stringContaining(`signature=${signatures[1]}`),
    });
    const text = capture.text();
    expect(capture.records().map((r) => [r.level, r.reason])).toEqual([
      [40, 'binance:no-code'],
      [50, 'attempts'],
    ]);
    for (const secret of [API_KEY, API_SECRET, ...signatures]) expect(text).not.toContain(secret);
    expect(text).toContain('signature=[REDACTED]');
  });

  it('never logs them when the request never got a response (the raw AxiosError with its config)', async () => {
    const server = await fake(() => ({ status: 200, body: {} }));
    const baseUrl = server.baseUrl;
    await server.close();
    servers = [];
    const client = spotClient(baseUrl);
    const capture = captureLogger();

    const error = await retry(
      () => client.getOrder({ symbol: 'BTCUSDT', origClientOrderId: 'abc' }),
      {
        ...binancePresets.binanceQuery,
        maxAttempts: 2,
        clock: instantClock(),
        logger: capture.logger,
      },
    ).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RetryExhaustedError);
    expect((error as RetryExhaustedError).cause).toMatchObject({
      code: 'ECONNREFUSED',
      config: { headers: { 'X-MBX-APIKEY': API_KEY } },
    });
    const text = capture.text();
    expect(capture.records().map((r) => r.reason)).toEqual(['network:ECONNREFUSED', 'attempts']);
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(API_SECRET);
    expect(text).not.toMatch(/signature=(?!\[REDACTED\])/);
  });
});

describe('axios errors against a local server', () => {
  it('classifies a real AxiosError carrying response.data.{code,msg}', async () => {
    const server = await fake(() => ({
      status: 400,
      body: { code: -1022, msg: 'Signature for this request is not valid.' },
    }));
    const thrown = await axios
      .get(`${server.baseUrl}/api/v3/account?signature=x`)
      .catch((e: unknown) => e);
    expect(parseBinanceError(thrown)).toEqual({
      code: -1022,
      msg: 'Signature for this request is not valid.',
      status: 400,
      retryAfterMs: undefined,
      product: 'spot',
    });
    expect(binanceClassifier()({ ok: false, error: thrown })).toEqual({
      action: 'fail',
      reason: 'binance:-1022',
    });
  });

  it('retries a returned fetch Response with status 429 and Retry-After', async () => {
    const server = await fake((_r, index) =>
      index === 0
        ? {
            status: 429,
            headers: { 'Retry-After': '3' },
            body: { code: -1003, msg: 'Too many requests.' },
          }
        : { status: 200, body: { serverTime: 1 } },
    );
    const clock = instantClock();
    const response = await retry(() => fetch(`${server.baseUrl}/api/v3/time`), {
      ...binancePresets.binanceQuery,
      clock,
    });
    expect(response.status).toBe(200);
    expect(clock.sleeps).toEqual([3000]);
  });
});
