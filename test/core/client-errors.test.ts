import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import axios from 'axios';
import { RestClientV5 } from 'bybit-api';
import { RestClient } from 'okx-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientOf } from '../../src/core/redaction/client-errors.js';
import { serializeError } from '../../src/index.js';
import { listenOnLoopback } from '../helpers/listen.js';
import { buildCorpus, type Corpus } from '../reliability/client-errors.js';

const OKX_KEY = '8f2b6c1e-7d4a-4e3b-9c5f-1a2b3c4d5e6f';
const OKX_SECRET = 'B7C4E2A9D1F6083C5E7A9B2D4F6A8C0E';
const OKX_PASSPHRASE = 'Pa55phrase-for-okx-tests';
const BYBIT_KEY = 'XyZ7kQ2pLm9nRt4vWb';
const BYBIT_SECRET = 'Qw8eRt5yUi2oPa7sDf4gHj1kLz6xCv3bNm0q';

let server: { url: string; close: () => Promise<void> };
const routes = new Map<string, (res: ServerResponse) => void>();

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  (res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

beforeAll(async () => {
  server = await listenOnLoopback(
    createServer((req: IncomingMessage, res: ServerResponse) => {
      const route = routes.get((req.url ?? '').split('?')[0]!);
      if (route === undefined) json(404, { error: 'no route' })(res);
      else route(res);
    }),
  );
  // OKX v5 REST answers a rejected order with HTTP 200 and a non-zero `code` (venues.md §4).
  routes.set(
    '/api/v5/trade/order',
    json(200, {
      code: '1',
      msg: 'All operations failed',
      data: [{ sCode: '51008', sMsg: 'Order failed. Insufficient balance.' }],
    }),
  );
  // Bybit v5: an HTTP 403 "access too frequent"; a 200 with a non-zero retCode (venues.md §5).
  routes.set(
    '/v5/account/wallet-balance',
    json(403, { retCode: 403, retMsg: 'access too frequent' }),
  );
  routes.set(
    '/v5/order/create',
    json(200, { retCode: 10006, retMsg: 'Too many visits!', result: {}, retExtInfo: {}, time: 1 }),
  );
  routes.set(
    '/api/v3/ticker/price',
    json(429, { code: -1003, msg: 'Too many requests' }, { 'Retry-After': '7' }),
  );
});

afterAll(async () => {
  await server.close();
});

const okx = () =>
  new RestClient({
    apiKey: OKX_KEY,
    apiSecret: OKX_SECRET,
    apiPass: OKX_PASSPHRASE,
    baseUrl: server.url,
  });
const bybit = (throwExceptions = false) =>
  new RestClientV5({ key: BYBIT_KEY, secret: BYBIT_SECRET, baseUrl: server.url, throwExceptions });

async function rejectionOf(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('the call resolved');
}

const placeOkxOrder = () =>
  okx().submitOrder({
    instId: 'BTC-USDT',
    tdMode: 'cash',
    side: 'buy',
    ordType: 'market',
    sz: '1',
  });
const placeBybitOrder = (client: RestClientV5) =>
  client.submitOrder({
    category: 'spot',
    symbol: 'BTCUSDT',
    side: 'Buy',
    orderType: 'Market',
    qty: '1',
  });

describe('the okx-api row', () => {
  it('reduces a rejected answer to its code and message', async () => {
    const rejection = await rejectionOf(placeOkxOrder);
    expect({ ...serializeError(rejection) }).toEqual({
      type: 'Error',
      message: 'All operations failed',
      code: '1',
      body: { code: '1', msg: 'All operations failed' },
    });
  });

  it('names the client of a rejected answer', async () => {
    expect(clientOf((await rejectionOf(placeOkxOrder)) as object)?.client).toBe('okx-api');
  });

  it('reads an unanswered request through the axios row, without its signing headers', async () => {
    const client = new RestClient({
      apiKey: OKX_KEY,
      apiSecret: OKX_SECRET,
      apiPass: OKX_PASSPHRASE,
      baseUrl: 'http://127.0.0.1:1',
    });
    const rejection = await rejectionOf(() => client.getBalance());
    expect(clientOf(rejection as object)?.client).toBe('axios');
    const printed = JSON.stringify(serializeError(rejection));
    for (const secret of [OKX_KEY, OKX_PASSPHRASE]) expect(printed).not.toContain(secret);
    expect(serializeError(rejection)).toMatchObject({
      code: 'ECONNREFUSED',
      method: 'GET',
      url: 'http://127.0.0.1:1/api/v5/account/balance',
    });
  });
});

describe('the bybit-api rows', () => {
  it('reduces a non-2xx rejection to its status and body, leaving out requestOptions', async () => {
    const rejection = await rejectionOf(() => bybit().getWalletBalance({ accountType: 'UNIFIED' }));
    expect({ ...serializeError(rejection) }).toEqual({
      type: 'Error',
      message: 'Forbidden',
      status: 403,
      body: { retCode: 403, retMsg: 'access too frequent' },
    });
  });

  it('never prints the key or secret a non-2xx rejection carries in requestOptions', async () => {
    const rejection = await rejectionOf(() => bybit().getWalletBalance({ accountType: 'UNIFIED' }));
    expect(JSON.stringify((rejection as { requestOptions: unknown }).requestOptions)).toContain(
      BYBIT_SECRET,
    );
    const printed = JSON.stringify(serializeError(rejection));
    for (const secret of [BYBIT_KEY, BYBIT_SECRET]) expect(printed).not.toContain(secret);
  });

  it('reduces a resolved answer with a non-zero retCode to its code and message', async () => {
    const answer = await placeBybitOrder(bybit());
    expect(clientOf(answer)?.client).toBe('bybit-api');
    expect({ ...serializeError(answer) }).toEqual({
      type: 'Error',
      message: 'Too many visits!',
      code: 10006,
      body: { retCode: 10006, retMsg: 'Too many visits!' },
    });
  });

  it('reduces the same answer thrown with throwExceptions', async () => {
    const rejection = await rejectionOf(() => placeBybitOrder(bybit(true)));
    expect(serializeError(rejection)).toMatchObject({ code: 10006, message: 'Too many visits!' });
  });
});

describe('the axios row', () => {
  it("keeps the server's Retry-After", async () => {
    const rejection = await rejectionOf(() => axios.get(`${server.url}/api/v3/ticker/price`));
    expect(serializeError(rejection)).toMatchObject({ status: 429, retryAfter: '7' });
  });
});

describe('the rows, on real clients', () => {
  let corpus: Corpus;
  beforeAll(async () => {
    corpus = await buildCorpus();
  }, 60_000);
  afterAll(async () => {
    await corpus?.close();
  });

  it.each([
    ['axios', 'signed GET, 503', 'axios'],
    ['got', 'signed GET, 503', 'got'],
    ['undici.request', 'socket reset', 'undici'],
    ['undici.request', 'connection refused', 'node'],
    ['undici fetch', 'connection refused', 'fetch'],
    ['fetch', 'AbortSignal.timeout', 'fetch'],
    ['fetch', 'signed GET, 503 response', 'fetch'],
    ['ethers', 'RPC 503', 'ethers'],
    ['viem', 'RPC 503', 'viem'],
    ['ccxt', 'signed GET, 401 -2015', 'ccxt'],
    ['binance', 'signed GET, 401 -2015', 'binance'],
    ['binance', 'socket reset', 'axios'],
  ])('reads %s (%s) through the %s row', (client, scenario, row) => {
    const failure = corpus.failures.find((f) => f.client === client && f.scenario === scenario)!;
    expect(clientOf(failure.thrown as object)?.client).toBe(row);
  });
});
