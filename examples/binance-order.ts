/**
 * Placing a Binance order with the `binance` npm client, safely:
 *
 * - the client order id is chosen once, before the first attempt, so every attempt and the
 *   lookup use the same id;
 * - `binancePresets.binanceOrder` is not idempotent: when Binance answers "execution status
 *   unknown" (a 5xx), the order is looked up by its client id (`reconcile`) instead of being sent
 *   a second time;
 * - a `binanceWeightTracker` shared by every client on the IP is fed the rate-limit headers of
 *   every failure by the classifier, and of successes by you.
 *
 * Offline: the "exchange" is a local server. Run with `npx tsx examples/binance-order.ts`.
 */
import { MainClient, type SpotOrder } from 'binance';
import { retry } from '../src/index.js';
import {
  binanceClassifier,
  binancePresets,
  binanceWeightTracker,
  parseBinanceError,
} from '../src/binance/index.js';
import { httpClassifier } from '../src/http/index.js';
import { countRequests, startLocalServer, type LocalReply } from './support/local-server.js';

// Example credentials: the client signs with them; they must never appear in any output.
const API_KEY = 'exampleApiKey0123456789abcdefEXAMPLEapiKEY0123456789abcdef';
const API_SECRET = 'exampleApiSecret0123456789abcdefEXAMPLEsecret0123456789';

// --- A Binance-like exchange -----------------------------------------------------------------
// The first order reaches the matching engine, but the client is told only that the outcome is
// unknown. Binance spot REST docs, "HTTP Return Codes": "HTTP 5XX return codes are used for
// internal errors; the issue is on Binance's side. It is important to NOT treat this as a failure
// operation; the execution status is UNKNOWN and could have been a success."
const orders = new Map<string, { orderId: number; status: string }>();
let usedWeight = 120; // what other processes on this IP have used this minute
const reply = (status: number, body: unknown, weight: number): LocalReply => {
  usedWeight += weight; // Binance: POST /api/v3/order weight 1, GET /api/v3/order weight 4
  return { status, body, headers: { 'x-mbx-used-weight-1m': String(usedWeight) } };
};
const server = await startLocalServer(({ method, path, params }) => {
  const clientOrderId = params.get('newClientOrderId') ?? params.get('origClientOrderId') ?? '';
  if (method === 'POST' && path === '/api/v3/order') {
    orders.set(clientOrderId, { orderId: 4242 + orders.size, status: 'FILLED' });
    return reply(
      503,
      {
        code: -1007,
        msg: 'Timeout waiting for response from backend server. Send status unknown; execution status unknown.',
      },
      1,
    );
  }
  if (method === 'GET' && path === '/api/v3/order') {
    const order = orders.get(clientOrderId);
    return order === undefined
      ? reply(400, { code: -2013, msg: 'Order does not exist.' }, 4)
      : reply(200, { symbol: params.get('symbol'), clientOrderId, ...order }, 4);
  }
  return reply(404, { code: -1000, msg: 'not found' }, 1);
});

// --- The trading code ------------------------------------------------------------------------
const client = new MainClient({ api_key: API_KEY, api_secret: API_SECRET, baseUrl: server.url });
const tracker = binanceWeightTracker({ limit: 6000 }); // spot: 6000 request weight per minute

const symbol = 'BTCUSDT';
const clientOrderId = client.generateNewOrderId(); // once, outside the retried function
console.log(`placing a market order, client order id ${clientOrderId}`);

// The order as both the order response and the lookup describe it.
type PlacedOrder = Pick<SpotOrder, 'orderId' | 'clientOrderId' | 'status'>;
const order = await retry<PlacedOrder>(
  async () => {
    await tracker.acquire(1); // waits while the IP is near its limit or banned (weight 1)
    return client.submitNewOrder({
      symbol,
      side: 'BUY',
      type: 'MARKET',
      quantity: 0.001,
      newClientOrderId: clientOrderId,
      newOrderRespType: 'RESULT',
    });
  },
  {
    ...binancePresets.binanceOrder,
    operation: 'submit_order',
    // The preset's rules, with a classifier that feeds the shared tracker.
    classify: [binanceClassifier({ tracker }), httpClassifier()],
    reconcile: async ({ verdict }) => {
      console.log(`unknown outcome (${verdict.reason}): looking the order up by client order id`);
      console.log(`tracker: weight ${tracker.snapshot().usedWeight['1m']} (fed by the classifier)`);
      try {
        const found = await client.getOrder({ symbol, origClientOrderId: clientOrderId });
        console.log(`reconcile: found order ${found.orderId} (${found.status}), not sending again`);
        return { executed: true, value: found };
      } catch (err) {
        // -2013 "Order does not exist.": it never reached the engine, so sending again is safe.
        if (parseBinanceError(err)?.code === -2013) return { executed: false };
        throw err;
      }
    },
  },
);
tracker.update(client.getRateLimitStates()); // after a success: the headers the client kept
const { usedWeight: weights, ratio } = tracker.snapshot();
console.log(`tracker: weight ${weights['1m']}/6000 used (${(ratio * 100).toFixed(2)} %)`);

console.log(`order ${order.orderId}: ${order.status}`);
console.log(
  `POST /api/v3/order sent ${countRequests(server, 'POST /api/v3/order')} time(s); the exchange holds ${orders.size} order(s)`,
);

await server.close();
