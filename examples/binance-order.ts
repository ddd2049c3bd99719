/**
 * Placing a Binance order with the `binance` npm client, safely:
 *
 * - the client order id is chosen once, before the first attempt, so every attempt and the
 *   lookup use the same id;
 * - `binancePresets.binanceOrder` is not idempotent: when Binance answers "execution status
 *   unknown" (-1007 with a 5xx), the order is looked up by its client id (`reconcile`) instead of
 *   being sent a second time;
 * - a `binanceWeightTracker` shared by every client on the IP is fed the rate-limit headers of
 *   every failure by the classifier, and of successes by you.
 *
 * Offline: the exchange is `startVenue` (`tenacious/simulator`), a local Binance spot venue that
 * executes the first order and then answers -1007. Run with `npx tsx examples/binance-order.ts`.
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
import { startVenue } from '../src/simulator/index.js';

// Example credentials: the client signs with them; they must never appear in any output.
const API_KEY = 'exampleApiKey0123456789abcdefEXAMPLEapiKEY0123456789abcdef';
const API_SECRET = 'exampleApiSecret0123456789abcdefEXAMPLEsecret0123456789';

// --- The exchange: the first order reaches the matching engine, the answer says -1007 ---------
// Binance spot REST docs, "HTTP Return Codes": "HTTP 5XX return codes are used for internal
// errors; the issue is on Binance's side. It is important to NOT treat this as a failure
// operation; the execution status is UNKNOWN and could have been a success."
const venue = await startVenue({
  venue: 'binance-spot',
  script: { 'POST /api/v3/order': ['-1007-after-execute'] },
});

// --- The trading code ------------------------------------------------------------------------
const client = new MainClient({ api_key: API_KEY, api_secret: API_SECRET, baseUrl: venue.url });
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
  `POST /api/v3/order sent ${venue.requests('POST /api/v3/order')} time(s); the venue executed it ${venue.executions(clientOrderId)} time(s)`,
);

await venue.close();
