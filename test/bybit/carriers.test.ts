import { createServer } from 'node:http';
import axios from 'axios';
import * as ccxt from 'ccxt';
import got from 'got';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bybitClassifier, bybitPresets, parseBybitError } from '../../src/bybit/index.js';
import { DUPLICATE_CLIENT_ORDER_ID, readsResponseBody, retry } from '../../src/index.js';
import { instantClock } from '../../src/testing/index.js';
import { listenOnLoopback } from '../helpers/listen.js';
import { startFakeBybit, type FakeBybit, type Step } from './fake-bybit.js';

/**
 * Every carrier of a Bybit answer besides bybit-api: ccxt's bybit (its URLs pointed at the local
 * server), axios, got and fetch, against one local server speaking Bybit v5 REST.
 */

const API_KEY = 'bybitKeyQ7n2Vx9LmP4tRw8Z';
const API_SECRET = 'bybitSecretJ3kH6sD1fG5aQ0wE8rT2yU4iO7pL9';

let server: FakeBybit;
const script: Step[] = [];

beforeAll(async () => {
  server = await startFakeBybit({ script });
});
afterAll(async () => {
  await server.close();
});

/** The next order request meets `step` (the server's script is shared by the file's tests). */
const next = (step: Step) => void script.push(step);

const body = (orderLinkId: string) =>
  JSON.stringify({
    category: 'linear',
    symbol: 'BTCUSDT',
    side: 'Buy',
    orderType: 'Market',
    qty: '0.001',
    orderLinkId,
  });

const classify = bybitClassifier({ write: true });

describe('fetch', () => {
  it('retries an HTTP 200 Response carrying 10006 at its reset timestamp', async () => {
    const clock = instantClock();
    next({
      kind: 'code',
      retCode: 10006,
      retMsg: 'Too many visits!',
      headers: {
        'X-Bapi-Limit-Status': '0',
        'X-Bapi-Limit': '10',
        'X-Bapi-Limit-Reset-Timestamp': String(clock.now() + 2500),
      },
    });
    const res = await retry(
      () => fetch(`${server.url}/v5/order/create`, { method: 'POST', body: body('f-1') }),
      { ...bybitPresets.bybitOrder, classify: bybitClassifier({ write: true, clock }), clock },
    );
    expect(await res.json()).toMatchObject({ retCode: 0 });
    expect(clock.sleeps).toEqual([2500]);
  });

  it('gives a Response carrying 110072 the duplicate-client-order-id verdict', async () => {
    const verdicts: unknown[] = [];
    await fetch(`${server.url}/v5/order/create`, { method: 'POST', body: body('f-2') });
    await retry(
      () => fetch(`${server.url}/v5/order/create`, { method: 'POST', body: body('f-2') }),
      {
        ...bybitPresets.bybitOrder,
        // Recorded, and marked as a body reader as the classifier it wraps is.
        classify: readsResponseBody((outcome) => {
          const v = classify(outcome);
          verdicts.push(v);
          return v;
        }),
        clock: instantClock(),
        reconcile: async () => ({ executed: true, value: 'found' as unknown as Response }),
      },
    );
    expect(verdicts).toEqual([{ action: 'unknown', reason: DUPLICATE_CLIENT_ORDER_ID }]);
  });
});

describe('axios', () => {
  it('classifies a resolved HTTP 200 answer carrying 10000 as unknown', async () => {
    next({ kind: 'code', retCode: 10000, retMsg: 'Server Timeout', executes: true });
    const res = await axios.post(`${server.url}/v5/order/create`, body('a-1'));
    expect(classify({ ok: true, value: res })).toEqual({
      action: 'unknown',
      reason: 'bybit:10000',
    });
  });

  it('classifies an HTTP 403 error as a ban of at least 10 minutes', async () => {
    next({ kind: 'status', status: 403, body: '<html>403 Forbidden</html>' });
    const error = await axios
      .post(`${server.url}/v5/order/create`, body('a-2'))
      .catch((e: unknown) => e);
    expect(classify({ ok: false, error })).toEqual({
      action: 'retry',
      reason: 'bybit:http-403',
      retryAfterMs: 600_000,
    });
  });

  it('classifies an HTTP 403 with a JSON retCode body as the same ban', async () => {
    next({
      kind: 'status',
      status: 403,
      body: JSON.stringify({ retCode: 403, retMsg: 'access too frequent' }),
    });
    const error = await axios
      .post(`${server.url}/v5/order/create`, body('a-3'))
      .catch((e: unknown) => e);
    expect(classify({ ok: false, error })).toEqual({
      action: 'retry',
      reason: 'bybit:http-403',
      retryAfterMs: 600_000,
    });
  });
});

describe('got', () => {
  it('classifies a resolved answer carrying 170007 as unknown', async () => {
    next({
      kind: 'code',
      retCode: 170007,
      retMsg: 'Timeout waiting for response from backend server.',
    });
    const res = await got.post(`${server.url}/v5/order/create`, {
      body: body('g-1'),
      retry: { limit: 0 },
    });
    expect(classify({ ok: true, value: res })).toEqual({
      action: 'unknown',
      reason: 'bybit:170007',
    });
  });

  it('classifies an HTTP 429 error as a rate-limit retry, with its Retry-After', async () => {
    next({
      kind: 'status',
      status: 429,
      body: 'Too Many Requests',
      headers: { 'Retry-After': '3' },
    });
    const error = await got
      .post(`${server.url}/v5/order/create`, { body: body('g-2'), retry: { limit: 0 } })
      .catch((e: unknown) => e);
    expect(classify({ ok: false, error })).toEqual({
      action: 'retry',
      reason: 'bybit:http-429',
      retryAfterMs: 3000,
    });
  });
});

describe('ccxt bybit', () => {
  let exchange: ccxt.bybit;
  beforeAll(() => {
    exchange = new ccxt.bybit({ apiKey: API_KEY, secret: API_SECRET, enableRateLimit: false });
    exchange.urls.api = { ...(exchange.urls.api as Record<string, string>), private: server.url };
  });
  afterAll(async () => {
    await exchange.close();
  });

  const place = (orderLinkId: string) =>
    (exchange as any).privatePostV5OrderCreate({
      category: 'linear',
      symbol: 'BTCUSDT',
      side: 'Buy',
      orderType: 'Market',
      qty: '0.001',
      orderLinkId,
    }) as Promise<unknown>;

  it("prefers Bybit's table to ccxt's class: a 10000 (ccxt: a plain ExchangeError) is unknown", async () => {
    next({ kind: 'code', retCode: 10000, retMsg: 'Server Timeout', executes: true });
    const error = await place('x-1').catch((e: unknown) => e);
    expect(parseBybitError(error)).toMatchObject({ retCode: 10000, retMsg: 'Server Timeout' });
    expect(classify({ ok: false, error })).toEqual({ action: 'unknown', reason: 'bybit:10000' });
  });

  it('classifies a 110072 (ccxt: InvalidOrder) as a duplicate client order id, not a failure', async () => {
    await place('x-2');
    const error = await place('x-2').catch((e: unknown) => e);
    expect(classify({ ok: false, error })).toEqual({
      action: 'unknown',
      reason: DUPLICATE_CLIENT_ORDER_ID,
    });
  });

  it('classifies an HTTP 403 (ccxt: RateLimitExceeded) as the 10-minute IP ban', async () => {
    next({ kind: 'status', status: 403, body: '<html>403 Forbidden</html>' });
    const error = await place('x-3').catch((e: unknown) => e);
    expect(classify({ ok: false, error })).toEqual({
      action: 'retry',
      reason: 'bybit:http-403',
      retryAfterMs: 600_000,
    });
  });
});

describe('the request method decides a read-retry code without `write`', () => {
  // 10016 "Server error / service restarting" is a retry on a read and unknown on a write
  // (BYDOCS error.mdx). Reads are GET, HEAD and OPTIONS, as for OKX (RFC 9110 §9.2.1).
  it('retries an OPTIONS answered with 10016, keeps a POST unknown', async () => {
    const local = await listenOnLoopback(
      createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ retCode: 10016, retMsg: 'Server error', result: {} }));
      }),
    );
    try {
      const byMethod = bybitClassifier();
      const read = await axios.request({ method: 'options', url: `${local.url}/v5/market/time` });
      const write = await axios.post(`${local.url}/v5/order/create`, body('m-1'));
      expect(byMethod({ ok: true, value: read })).toEqual({
        action: 'retry',
        reason: 'bybit:10016',
      });
      expect(byMethod({ ok: true, value: write })).toEqual({
        action: 'unknown',
        reason: 'bybit:10016',
      });
    } finally {
      await local.close();
    }
  });
});
