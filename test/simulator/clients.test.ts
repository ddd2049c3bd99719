import axios from 'axios';
import { MainClient, USDMClient } from 'binance';
import { RestClientV5 } from 'bybit-api';
import * as ccxt from 'ccxt';
import { RestClient } from 'okx-api';
import { afterEach, describe, expect, it } from 'vitest';
import { binanceClassifier, binancePresets, parseBinanceError } from '../../src/binance/index.js';
import { bybitPresets } from '../../src/bybit/index.js';
import { ccxtClassifier } from '../../src/ccxt/index.js';
import { httpClassifier } from '../../src/http/index.js';
import { retry, type ReconcileResult, type RetryOptions } from '../../src/index.js';
import { okxPresets } from '../../src/okx/index.js';
import { startVenue, type Venue, type VenueName } from '../../src/simulator/index.js';
import { instantClock } from '../../src/testing/index.js';

/**
 * The real clients, unpatched, against the simulator: each places an order, and places one
 * through a scripted reset-after-execute with `retry`, the venue's preset and a reconcile by
 * client order id. The venue must hold the order once, and the reconcile must have run.
 */

const KEY = 'simKey0123456789abcdefSIMKEY';
const SECRET = 'simSecret0123456789abcdefSIMSECRET';

interface Adapter {
  /** The id the venue sees for `id` (the binance client wants its broker prefix). */
  idFor(id: string): string;
  place(id: string): Promise<unknown>;
  /** Looks the order up by client order id: found, or not. */
  find(id: string): Promise<unknown>;
  options: RetryOptions;
  close?(): Promise<void>;
}

interface Case {
  name: string;
  venue: VenueName;
  route: string;
  adapter(url: string): Adapter;
}

const notFound = (code: number) => (err: unknown) => {
  if (parseBinanceError(err)?.code === code) return undefined;
  throw err;
};

const binanceCase = (futures: boolean): Case => ({
  name: futures ? 'binance USDMClient' : 'binance MainClient',
  venue: futures ? 'binance-futures' : 'binance-spot',
  route: futures ? 'POST /fapi/v1/order' : 'POST /api/v3/order',
  adapter: (baseUrl) => {
    const client = futures
      ? new USDMClient({ api_key: KEY, api_secret: SECRET, baseUrl })
      : new MainClient({ api_key: KEY, api_secret: SECRET, baseUrl });
    const idFor = (id: string) => `${client.getOrderIdPrefix()}${id}`;
    return {
      idFor,
      place: (id) =>
        client.submitNewOrder({
          symbol: 'BTCUSDT',
          side: 'BUY',
          type: 'MARKET',
          quantity: 0.001,
          newClientOrderId: idFor(id),
        }),
      find: (id) =>
        client.getOrder({ symbol: 'BTCUSDT', origClientOrderId: idFor(id) }).catch(notFound(-2013)),
      options: binancePresets.binanceOrder,
    };
  },
});

const CASES: Case[] = [
  binanceCase(false),
  binanceCase(true),
  {
    name: 'okx-api RestClient',
    venue: 'okx',
    route: 'POST /api/v5/trade/order',
    adapter: (baseUrl) => {
      const client = new RestClient({ apiKey: KEY, apiSecret: SECRET, apiPass: 'pass', baseUrl });
      return {
        idFor: (id) => id,
        place: (id) =>
          client.submitOrder({
            instId: 'BTC-USDT',
            tdMode: 'cash',
            side: 'buy',
            ordType: 'market',
            sz: '1',
            clOrdId: id,
          }),
        // okx-api rejects code ≠ "0" (51603: no such order) with the body.
        find: (id) =>
          client.getOrderDetails({ instId: 'BTC-USDT', clOrdId: id }).then(
            (found) => found[0],
            (err: { code?: string }) => {
              if (err.code === '51603') return undefined;
              throw err;
            },
          ),
        options: okxPresets.okxOrder,
      };
    },
  },
  {
    name: 'bybit-api RestClientV5',
    venue: 'bybit',
    route: 'POST /v5/order/create',
    adapter: (baseUrl) => {
      const client = new RestClientV5({ key: KEY, secret: SECRET, baseUrl });
      return {
        idFor: (id) => id,
        place: (id) =>
          client.submitOrder({
            category: 'linear',
            symbol: 'BTCUSDT',
            side: 'Buy',
            orderType: 'Market',
            qty: '1',
            orderLinkId: id,
          }),
        find: async (id) =>
          (await client.getActiveOrders({ category: 'linear', orderLinkId: id })).result.list[0],
        options: bybitPresets.bybitOrder,
      };
    },
  },
  {
    name: 'ccxt binance (urls overridden)',
    venue: 'binance-spot',
    route: 'POST /api/v3/order',
    adapter: (baseUrl) => {
      const exchange = new ccxt.binance({ apiKey: KEY, secret: SECRET, enableRateLimit: false });
      exchange.urls.api = {
        ...(exchange.urls.api as Record<string, string>),
        private: `${baseUrl}/api/v3`,
      };
      const implicit = exchange as unknown as Record<string, (params: object) => Promise<unknown>>;
      return {
        idFor: (id) => id,
        place: (id) =>
          implicit.privatePostOrder!({
            symbol: 'BTCUSDT',
            side: 'BUY',
            type: 'MARKET',
            quantity: '0.001',
            newClientOrderId: id,
          }),
        find: (id) =>
          implicit.privateGetOrder!({ symbol: 'BTCUSDT', origClientOrderId: id }).catch(
            (err: Error) => {
              // ccxt maps -2013 to OrderNotFound.
              if (err.name === 'OrderNotFound') return undefined;
              throw err;
            },
          ),
        options: {
          ...binancePresets.binanceOrder,
          classify: [ccxtClassifier(), binanceClassifier()],
        },
        close: () => exchange.close(),
      };
    },
  },
  {
    name: 'fetch (Binance spot)',
    venue: 'binance-spot',
    route: 'POST /api/v3/order',
    adapter: (baseUrl) => ({
      idFor: (id) => id,
      place: async (id) => {
        const query = new URLSearchParams({
          symbol: 'BTCUSDT',
          side: 'BUY',
          type: 'MARKET',
          quantity: '0.001',
          newClientOrderId: id,
        });
        const res = await fetch(`${baseUrl}/api/v3/order?${query}`, {
          method: 'POST',
          headers: { 'X-MBX-APIKEY': KEY },
        });
        await res.clone().arrayBuffer();
        return res;
      },
      find: async (id) => {
        const res = await fetch(`${baseUrl}/api/v3/order?symbol=BTCUSDT&origClientOrderId=${id}`);
        return res.ok ? res.json() : undefined;
      },
      options: {
        ...binancePresets.binanceOrder,
        classify: [binanceClassifier(), httpClassifier()],
      },
    }),
  },
  {
    name: 'axios (OKX)',
    venue: 'okx',
    route: 'POST /api/v5/trade/order',
    adapter: (baseUrl) => ({
      idFor: (id) => id,
      place: (id) =>
        axios.post(`${baseUrl}/api/v5/trade/order`, {
          instId: 'BTC-USDT',
          tdMode: 'cash',
          side: 'buy',
          ordType: 'market',
          sz: '1',
          clOrdId: id,
        }),
      find: async (id) => {
        const { data } = await axios.get<{ data: unknown[] }>(`${baseUrl}/api/v5/trade/order`, {
          params: { instId: 'BTC-USDT', clOrdId: id },
        });
        return data.data[0];
      },
      options: okxPresets.okxOrder,
    }),
  },
];

let open: { venue: Venue; adapter: Adapter }[] = [];
afterEach(async () => {
  for (const { venue, adapter } of open) {
    await adapter.close?.();
    await venue.close();
  }
  open = [];
});

async function setUp(c: Case, script?: Record<string, ['reset-after-execute']>) {
  const venue = await startVenue({ venue: c.venue, script });
  const adapter = c.adapter(venue.url);
  open.push({ venue, adapter });
  return { venue, adapter };
}

describe.each(CASES)('$name against the simulator', (c) => {
  it('places an order the venue executes once', async () => {
    const { venue, adapter } = await setUp(c);
    await adapter.place('order-1');
    expect([venue.executions(adapter.idFor('order-1')), venue.requests(c.route)]).toEqual([1, 1]);
  });

  it('after a reset-after-execute, reconciles by client order id and holds the order once', async () => {
    const { venue, adapter } = await setUp(c, { [c.route]: ['reset-after-execute'] });
    const reconciled: boolean[] = [];
    await retry(() => adapter.place('order-2'), {
      ...adapter.options,
      clock: instantClock(),
      reconcile: async (): Promise<ReconcileResult<unknown>> => {
        const found = await adapter.find('order-2');
        reconciled.push(found !== undefined);
        return found === undefined ? { executed: false } : { executed: true, value: found };
      },
    });
    expect({
      executions: venue.executions(adapter.idFor('order-2')),
      orderRequests: venue.requests(c.route),
      reconciled,
    }).toEqual({ executions: 1, orderRequests: 1, reconciled: [true] });
  });
});
