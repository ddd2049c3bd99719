import { MainClient, USDMClient } from 'binance';
import { afterEach, describe, expect, it } from 'vitest';
import { binancePresets } from '../../src/binance/index.js';
import {
  DUPLICATE_CLIENT_ORDER_ID,
  retry,
  type ReconcileResult,
  type UnknownOutcomeEvent,
} from '../../src/index.js';
import { instantClock } from '../../src/testing/index.js';
import { startFakeBinance, type Answer, type Received } from './fake-binance.js';

const API_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
const API_SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';

let servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

const TIMEOUT_1007 = {
  code: -1007,
  msg: 'Timeout waiting for response from backend server. Send status unknown; execution status unknown.',
};
const filled = (clientOrderId: string) => ({
  symbol: 'BTCUSDT',
  orderId: 28,
  clientOrderId,
  executedQty: '0.001',
  status: 'FILLED',
});

/**
 * A venue that executes the first order and loses its answer (-1007), does not show the order to
 * the first lookup (lag), and answers the resend with its duplicate rejection. Orders are counted
 * here, server-side.
 */
async function laggingVenue(path: string, duplicate: Answer) {
  const executed: string[] = [];
  let lookups = 0;
  const server = await startFakeBinance((request: Received): Answer => {
    if (request.path !== path) return { status: 404, body: '<html>not found</html>' };
    if (request.method === 'POST') {
      const id = request.query.get('newClientOrderId')!;
      if (executed.includes(id)) return duplicate;
      executed.push(id);
      return { status: 400, body: TIMEOUT_1007 };
    }
    lookups += 1;
    const id = request.query.get('origClientOrderId')!;
    return lookups === 1 || !executed.includes(id)
      ? { status: 400, body: { code: -2013, msg: 'Order does not exist.' } }
      : { status: 200, body: filled(id) };
  });
  servers.push(server);
  return { server, executed };
}

type Client = MainClient | USDMClient;
const lookUp = (client: Client, id: string) => async (): Promise<ReconcileResult<unknown>> => {
  const order = await client
    .getOrder({ symbol: 'BTCUSDT', origClientOrderId: id })
    .catch(() => undefined);
  return order === undefined ? { executed: false } : { executed: true, value: order };
};

describe('duplicate client order ids through the binance package', () => {
  it.each([
    [
      'spot -2010 "Duplicate order sent."',
      '/api/v3/order',
      (baseUrl: string) => new MainClient({ api_key: API_KEY, api_secret: API_SECRET, baseUrl }),
      { status: 400, body: { code: -2010, msg: 'Duplicate order sent.' } },
    ],
    [
      'futures -4116 "clientOrderId is duplicated"',
      '/fapi/v1/order',
      (baseUrl: string) => new USDMClient({ api_key: API_KEY, api_secret: API_SECRET, baseUrl }),
      { status: 400, body: { code: -4116, msg: 'clientOrderId is duplicated.' } },
    ],
  ] as const)(
    'sends a %s on a resend to reconcile again, resolves with the order and never places it twice',
    async (_name, path, makeClient, duplicate) => {
      const { server, executed } = await laggingVenue(path, duplicate);
      const client = makeClient(server.baseUrl);
      const id = client.generateNewOrderId();
      const events: UnknownOutcomeEvent[] = [];

      const order = await retry(
        () =>
          client.submitNewOrder({
            symbol: 'BTCUSDT',
            side: 'BUY',
            type: 'MARKET',
            quantity: 0.001,
            newClientOrderId: id,
          }),
        {
          ...binancePresets.binanceOrder,
          clock: instantClock(),
          reconcile: lookUp(client, id),
          onUnknownOutcome: (event) => void events.push(event),
        },
      );

      expect(order).toMatchObject({ clientOrderId: id, status: 'FILLED' });
      expect(executed).toEqual([id]);
      expect(events.map((e) => [e.verdict.reason, e.resolution])).toEqual([
        ['binance:-1007', 'not-executed'],
        [DUPLICATE_CLIENT_ORDER_ID, 'executed'],
      ]);
    },
  );

  it('fails a -2010 insufficient balance at once, without reconcile', async () => {
    const server = await startFakeBinance(() => ({
      status: 400,
      body: { code: -2010, msg: 'Account has insufficient balance for requested action.' },
    }));
    servers.push(server);
    const client = new MainClient({
      api_key: API_KEY,
      api_secret: API_SECRET,
      baseUrl: server.baseUrl,
    });
    let reconciled = 0;

    const error = await retry(
      () =>
        client.submitNewOrder({
          symbol: 'BTCUSDT',
          side: 'BUY',
          type: 'MARKET',
          quantity: 0.001,
          newClientOrderId: client.generateNewOrderId(),
        }),
      {
        ...binancePresets.binanceOrder,
        clock: instantClock(),
        reconcile: async () => {
          reconciled += 1;
          return { executed: false };
        },
      },
    ).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: -2010 });
    expect(reconciled).toBe(0);
    expect(server.requests).toHaveLength(1);
  });
});

describe('binanceClassifier reads fetch Response bodies', () => {
  it('treats a -1007 on HTTP 400 as unknown on plain fetch and resolves through reconcile', async () => {
    const executed: string[] = [];
    const server = await startFakeBinance((request) => {
      executed.push(request.query.get('newClientOrderId')!);
      return { status: 400, body: TIMEOUT_1007 };
    });
    servers.push(server);
    const events: UnknownOutcomeEvent[] = [];

    const result = await retry(
      () => fetch(`${server.baseUrl}/api/v3/order?newClientOrderId=f1`, { method: 'POST' }),
      {
        ...binancePresets.binanceOrder,
        clock: instantClock(),
        reconcile: async () => ({ executed: true, value: filled('f1') as never }),
        onUnknownOutcome: (event) => void events.push(event),
      },
    );

    expect(result).toEqual(filled('f1'));
    expect(executed).toEqual(['f1']);
    expect(events.map((e) => [e.verdict, e.resolution])).toEqual([
      [{ action: 'unknown', reason: 'binance:-1007' }, 'executed'],
    ]);
  });
});
