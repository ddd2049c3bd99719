import { createConnection } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startVenue, type Venue, type StartVenueOptions } from '../../src/simulator/index.js';

/** The simulator's REST side with plain fetch: routes, shapes, duplicates, faults, close. */

let venues: Venue[] = [];
afterEach(async () => {
  await Promise.all(venues.map((v) => v.close()));
  venues = [];
});
async function start(options: StartVenueOptions): Promise<Venue> {
  const venue = await startVenue(options);
  venues.push(venue);
  return venue;
}

async function call(
  venue: Venue,
  method: string,
  path: string,
  params: Record<string, string> = {},
  json = false,
) {
  const query = new URLSearchParams(params).toString();
  const res = await fetch(
    method === 'GET' || !json ? `${venue.url}${path}?${query}` : `${venue.url}${path}`,
    {
      method,
      headers: json ? { 'content-type': 'application/json' } : undefined,
      body: json && method !== 'GET' ? JSON.stringify(params) : undefined,
    },
  );
  return { status: res.status, headers: res.headers, body: await res.json() };
}

const SPOT_ORDER = {
  symbol: 'BTCUSDT',
  side: 'BUY',
  type: 'MARKET',
  quantity: '0.001',
  newClientOrderId: 'c1',
};

describe('binance-spot', () => {
  it('executes a market order and answers with the order, FILLED', async () => {
    const venue = await start({ venue: 'binance-spot' });
    const { status, body } = await call(venue, 'POST', '/api/v3/order', SPOT_ORDER);
    expect([status, body.clientOrderId, body.status, body.orderId]).toEqual([
      200,
      'c1',
      'FILLED',
      1,
    ]);
    expect(venue.executions('c1')).toBe(1);
  });

  it('answers a resend of an executed client order id with -2010 "Duplicate order sent."', async () => {
    const venue = await start({ venue: 'binance-spot' });
    await call(venue, 'POST', '/api/v3/order', SPOT_ORDER);
    const { status, body } = await call(venue, 'POST', '/api/v3/order', SPOT_ORDER);
    expect({ status, body }).toEqual({
      status: 400,
      body: { code: -2010, msg: 'Duplicate order sent.' },
    });
    expect(venue.executions('c1')).toBe(1);
  });

  it('finds an order by origClientOrderId, and answers -2013 for an unknown one', async () => {
    const venue = await start({ venue: 'binance-spot' });
    await call(venue, 'POST', '/api/v3/order', SPOT_ORDER);
    const found = await call(venue, 'GET', '/api/v3/order', {
      symbol: 'BTCUSDT',
      origClientOrderId: 'c1',
    });
    const missing = await call(venue, 'GET', '/api/v3/order', {
      symbol: 'BTCUSDT',
      origClientOrderId: 'nope',
    });
    expect([found.body.clientOrderId, missing.status, missing.body]).toEqual([
      'c1',
      400,
      { code: -2013, msg: 'Order does not exist.' },
    ]);
  });

  it('lists open limit orders and cancels one', async () => {
    const venue = await start({ venue: 'binance-spot' });
    await call(venue, 'POST', '/api/v3/order', {
      ...SPOT_ORDER,
      type: 'LIMIT',
      price: '1',
      newClientOrderId: 'l1',
    });
    const open = await call(venue, 'GET', '/api/v3/openOrders', { symbol: 'BTCUSDT' });
    const canceled = await call(venue, 'DELETE', '/api/v3/order', {
      symbol: 'BTCUSDT',
      origClientOrderId: 'l1',
    });
    const again = await call(venue, 'DELETE', '/api/v3/order', {
      symbol: 'BTCUSDT',
      origClientOrderId: 'l1',
    });
    expect([
      open.body.map((o: any) => o.clientOrderId),
      canceled.body.status,
      again.body.code,
    ]).toEqual([['l1'], 'CANCELED', -2011]);
  });

  it('sends the weight and order-count headers', async () => {
    const venue = await start({ venue: 'binance-spot' });
    const { headers } = await call(venue, 'POST', '/api/v3/order', SPOT_ORDER);
    expect([headers.get('x-mbx-used-weight-1m'), headers.get('x-mbx-order-count-10s')]).toEqual([
      '1',
      '1',
    ]);
  });

  it('executes, then answers 503 on 503-after-execute', async () => {
    const venue = await start({
      venue: 'binance-spot',
      script: { 'POST /api/v3/order': ['503-after-execute'] },
    });
    const { status, body } = await call(venue, 'POST', '/api/v3/order', SPOT_ORDER);
    expect([status, body.code, venue.executions('c1')]).toEqual([503, -1001, 1]);
  });

  it('executes, then answers -1007 on -1007-after-execute', async () => {
    const venue = await start({
      venue: 'binance-spot',
      script: { 'POST /api/v3/order': ['-1007-after-execute'] },
    });
    const { status, body } = await call(venue, 'POST', '/api/v3/order', SPOT_ORDER);
    expect([status, body.code, venue.executions('c1')]).toEqual([500, -1007, 1]);
  });

  it('executes, then drops the connection on reset-after-execute', async () => {
    const venue = await start({
      venue: 'binance-spot',
      script: { 'POST /api/v3/order': ['reset-after-execute'] },
    });
    const error = await call(venue, 'POST', '/api/v3/order', SPOT_ORDER).catch((e: Error) => e);
    expect([(error as Error).message, venue.executions('c1')]).toEqual(['fetch failed', 1]);
  });

  it('answers 429 with Retry-After and executes nothing', async () => {
    const venue = await start({ venue: 'binance-spot', script: { 'POST /api/v3/order': ['429'] } });
    const { status, headers, body } = await call(venue, 'POST', '/api/v3/order', SPOT_ORDER);
    expect([status, headers.get('retry-after'), body.code, venue.executions('c1')]).toEqual([
      429,
      '1',
      -1003,
      0,
    ]);
  });

  it('answers 418 with a ban message and Retry-After', async () => {
    const venue = await start({ venue: 'binance-spot', script: { 'POST /api/v3/order': ['418'] } });
    const { status, headers, body } = await call(venue, 'POST', '/api/v3/order', SPOT_ORDER);
    expect([status, headers.get('retry-after'), /IP banned until \d+/.test(body.msg)]).toEqual([
      418,
      '120',
      true,
    ]);
  });

  it('rejects with the scripted code, then executes the next call', async () => {
    const venue = await start({
      venue: 'binance-spot',
      script: { 'POST /api/v3/order': ['reject:-2010', 'ok'] },
    });
    const first = await call(venue, 'POST', '/api/v3/order', SPOT_ORDER);
    const second = await call(venue, 'POST', '/api/v3/order', SPOT_ORDER);
    expect([first.body, second.status, venue.executions('c1')]).toEqual([
      { code: -2010, msg: 'Account has insufficient balance for requested action.' },
      200,
      1,
    ]);
  });

  it('delays the answer on latency:<ms>', async () => {
    const venue = await start({
      venue: 'binance-spot',
      script: { 'POST /api/v3/order': ['latency:5'] },
    });
    const { status } = await call(venue, 'POST', '/api/v3/order', SPOT_ORDER);
    expect([status, venue.requests('POST /api/v3/order')]).toEqual([200, 1]);
  });

  it('never repeats a key or signature in an answer', async () => {
    const venue = await start({
      venue: 'binance-spot',
      script: { 'POST /api/v3/order': ['reject:-1022'] },
    });
    const res = await fetch(
      `${venue.url}/api/v3/order?${new URLSearchParams({ ...SPOT_ORDER, signature: 'deadbeef'.repeat(8) })}`,
      {
        method: 'POST',
        headers: { 'X-MBX-APIKEY': 'my-secret-api-key' },
      },
    );
    const text = JSON.stringify([...res.headers]) + (await res.text());
    expect([text.includes('deadbeef'), text.includes('my-secret-api-key')]).toEqual([false, false]);
  });
});

describe('binance-futures', () => {
  it('answers a duplicate with -4116', async () => {
    const venue = await start({ venue: 'binance-futures' });
    await call(venue, 'POST', '/fapi/v1/order', SPOT_ORDER);
    const { status, body } = await call(venue, 'POST', '/fapi/v1/order', SPOT_ORDER);
    expect({ status, body }).toEqual({
      status: 400,
      body: { code: -4116, msg: 'clientOrderId is duplicated' },
    });
  });

  it('answers 503-after-execute with the futures "Unknown error" 503', async () => {
    const venue = await start({
      venue: 'binance-futures',
      script: { 'POST /fapi/v1/order': ['503-after-execute'] },
    });
    const { status, body } = await call(venue, 'POST', '/fapi/v1/order', SPOT_ORDER);
    expect([status, body.msg, venue.executions('c1')]).toEqual([
      503,
      'Unknown error, please check your request or try again later.',
      1,
    ]);
  });
});

const OKX_ORDER = {
  instId: 'BTC-USDT',
  tdMode: 'cash',
  side: 'buy',
  ordType: 'market',
  sz: '1',
  clOrdId: 'o1',
};

describe('okx', () => {
  it('places an order: code "0" with sCode "0"', async () => {
    const venue = await start({ venue: 'okx' });
    const { body } = await call(venue, 'POST', '/api/v5/trade/order', OKX_ORDER, true);
    expect([body.code, body.data[0].sCode, body.data[0].clOrdId]).toEqual(['0', '0', 'o1']);
  });

  it('answers a duplicate with 51016 on the item, HTTP 200', async () => {
    const venue = await start({ venue: 'okx' });
    await call(venue, 'POST', '/api/v5/trade/order', OKX_ORDER, true);
    const { status, body } = await call(venue, 'POST', '/api/v5/trade/order', OKX_ORDER, true);
    expect([status, body.code, body.data[0].sCode, venue.executions('o1')]).toEqual([
      200,
      '1',
      '51016',
      1,
    ]);
  });

  it('maps the faults to OKX codes and statuses', async () => {
    const venue = await start({
      venue: 'okx',
      script: {
        'POST /api/v5/trade/order': [
          '503-after-execute',
          '-1007-after-execute',
          '429',
          'reject:51008',
        ],
      },
    });
    const answers = [];
    for (const id of ['a', 'b', 'c', 'd']) {
      const { status, body } = await call(
        venue,
        'POST',
        '/api/v5/trade/order',
        { ...OKX_ORDER, clOrdId: id },
        true,
      );
      answers.push([status, body.code, body.data[0]?.sCode]);
    }
    expect(answers).toEqual([
      [503, '50001', undefined],
      [400, '50004', undefined],
      [429, '50011', undefined],
      [200, '1', '51008'],
    ]);
    expect(['a', 'b', 'c', 'd'].map((id) => venue.executions(id))).toEqual([1, 1, 0, 0]);
  });

  it('looks an order up by clOrdId, cancels and lists pending orders', async () => {
    const venue = await start({ venue: 'okx' });
    await call(
      venue,
      'POST',
      '/api/v5/trade/order',
      { ...OKX_ORDER, ordType: 'limit', px: '1' },
      true,
    );
    const found = await call(venue, 'GET', '/api/v5/trade/order', {
      instId: 'BTC-USDT',
      clOrdId: 'o1',
    });
    const pending = await call(venue, 'GET', '/api/v5/trade/orders-pending', {});
    const canceled = await call(
      venue,
      'POST',
      '/api/v5/trade/cancel-order',
      { instId: 'BTC-USDT', clOrdId: 'o1' },
      true,
    );
    const missing = await call(venue, 'GET', '/api/v5/trade/order', {
      instId: 'BTC-USDT',
      clOrdId: 'zz',
    });
    expect([
      found.body.data[0].state,
      pending.body.data.length,
      canceled.body.data[0].sCode,
      missing.body.code,
    ]).toEqual(['live', 1, '0', '51603']);
  });
});

const BYBIT_ORDER = {
  category: 'linear',
  symbol: 'BTCUSDT',
  side: 'Buy',
  orderType: 'Market',
  qty: '1',
  orderLinkId: 'b1',
};

describe('bybit', () => {
  it('answers a duplicate with retCode 110072', async () => {
    const venue = await start({ venue: 'bybit' });
    await call(venue, 'POST', '/v5/order/create', BYBIT_ORDER, true);
    const { status, body } = await call(venue, 'POST', '/v5/order/create', BYBIT_ORDER, true);
    expect([status, body.retCode, body.retMsg]).toEqual([
      200,
      110072,
      'OrderLinkedID is duplicate',
    ]);
  });

  it('sends the X-Bapi-Limit headers', async () => {
    const venue = await start({ venue: 'bybit' });
    const { headers } = await call(venue, 'POST', '/v5/order/create', BYBIT_ORDER, true);
    expect([headers.get('x-bapi-limit'), headers.get('x-bapi-limit-status')]).toEqual(['10', '9']);
  });

  it('maps the faults to Bybit codes', async () => {
    const venue = await start({
      venue: 'bybit',
      script: {
        'POST /v5/order/create': ['503-after-execute', '-1007-after-execute', '429', '418'],
      },
    });
    const answers = [];
    for (const id of ['a', 'b', 'c', 'd']) {
      const res = await fetch(`${venue.url}/v5/order/create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...BYBIT_ORDER, orderLinkId: id }),
      });
      const text = await res.text();
      answers.push([
        res.status,
        res.status === 200 ? (JSON.parse(text) as { retCode: number }).retCode : text,
      ]);
    }
    expect(answers).toEqual([
      [200, 10016],
      [200, 10000],
      [200, 10006],
      [403, 'access too frequent'],
    ]);
  });

  it('lists open orders on realtime without an id, and finds one by orderLinkId', async () => {
    const venue = await start({ venue: 'bybit' });
    await call(
      venue,
      'POST',
      '/v5/order/create',
      { ...BYBIT_ORDER, orderType: 'Limit', price: '1' },
      true,
    );
    const open = await call(venue, 'GET', '/v5/order/realtime', { category: 'linear' });
    const one = await call(venue, 'GET', '/v5/order/realtime', {
      category: 'linear',
      orderLinkId: 'b1',
    });
    const canceled = await call(
      venue,
      'POST',
      '/v5/order/cancel',
      { category: 'linear', orderLinkId: 'b1' },
      true,
    );
    expect([
      open.body.result.list.length,
      one.body.result.list[0].orderStatus,
      canceled.body.retCode,
    ]).toEqual([1, 'New', 0]);
  });
});

describe('startVenue', () => {
  it('leaves no port listening after close, kept-alive sockets included', async () => {
    const venue = await startVenue({ venue: 'binance-spot' });
    await call(venue, 'GET', '/api/v3/openOrders');
    await venue.close();
    const port = Number(new URL(venue.url).port);
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
      const socket = createConnection(port, '127.0.0.1');
      socket.on('error', resolve);
      socket.on('connect', () => {
        socket.destroy();
        resolve(new Error('connected'));
      });
    });
    expect(error.code).toBe('ECONNREFUSED');
  });

  it('names a bad venue', async () => {
    await expect(startVenue({ venue: 'kraken' as never })).rejects.toThrow(
      new RangeError(
        'startVenue: venue: expected one of "binance-spot", "binance-futures", "okx", "bybit", "evm", got "kraken"',
      ),
    );
  });

  it('names a bad fault in a script', async () => {
    await expect(
      startVenue({ venue: 'okx', script: { 'POST /api/v5/trade/order': ['reset'] as never } }),
    ).rejects.toThrow(
      /startVenue: script\["POST \/api\/v5\/trade\/order"\]\[0\]: expected one of .*got "reset"/,
    );
  });

  it('names a route the venue does not have', async () => {
    await expect(
      startVenue({ venue: 'okx', script: { 'POST /api/v3/order': ['429'] } }),
    ).rejects.toThrow(
      /startVenue: script: route "POST \/api\/v3\/order": expected one of "POST \/api\/v5\/trade\/order"/,
    );
  });

  it('names a bad port', async () => {
    await expect(startVenue({ venue: 'okx', port: 70000 })).rejects.toThrow(
      new RangeError('startVenue: port: expected an integer >= 0 and <= 65535, got 70000'),
    );
  });
});
