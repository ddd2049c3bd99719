/**
 * Node's `fetch` with `presets.httpApi` (3 attempts, 0.5 s doubling, `httpClassifier`): the
 * returned `Response` is classified by its status, so there is no `if (!res.ok) throw` inside the
 * retried function. A 429's `Retry-After` (in seconds) is obeyed: the wait is the larger of it
 * and the backoff.
 *
 * Offline: the API is `startVenue` (`tenacious/simulator`), a local Binance spot venue whose
 * open-orders route is scripted to answer 429 (Retry-After: 1), then 503, then 200. The clock is
 * scaled down 10x so the run takes a fraction of a second; the lines show the delays requested.
 * Run with `npx tsx examples/fetch-with-retry-after.ts`.
 */
import { presets, retry } from '../src/index.js';
import { startVenue } from '../src/simulator/index.js';
import { scaledClock } from './support/scaled-clock.js';

const route = 'GET /api/v3/openOrders';
const venue = await startVenue({
  venue: 'binance-spot',
  script: { [route]: ['429', '503-after-execute'] },
});
// One resting order for the reads to find (signatures are not checked by the simulator).
const order = new URLSearchParams({
  symbol: 'ETHUSDT',
  side: 'BUY',
  type: 'LIMIT',
  quantity: '0.5',
  price: '3120.10',
});
await (await fetch(`${venue.url}/api/v3/order?${order}`, { method: 'POST' })).arrayBuffer();

const started = Date.now();
const delays: number[] = [];
const response = await retry(
  ({ signal }) => fetch(`${venue.url}/api/v3/openOrders?symbol=ETHUSDT`, { signal }),
  {
    ...presets.httpApi,
    operation: 'get_open_orders',
    clock: scaledClock(10),
    random: () => 0.5, // jitter at its midpoint: the same delays on every run
    onRetry: ({ attempt, verdict, delayMs, value }) => {
      delays.push(delayMs);
      const response = value as Response;
      const retryAfter = response.headers.get('retry-after');
      console.log(
        `server: ${response.status}${retryAfter === null ? '' : ` (Retry-After: ${retryAfter})`}`,
      );
      const fromServer = verdict.retryAfterMs !== undefined && verdict.retryAfterMs >= delayMs;
      console.log(
        `client: attempt ${attempt} got ${verdict.reason}, waiting ${delayMs} ms (${fromServer ? 'Retry-After' : 'backoff'})`,
      );
      // The retried response's body is never read: release its connection.
      void response.body?.cancel();
    },
  },
);
const open = (await response.json()) as {
  symbol: string;
  side: string;
  origQty: string;
  price: string;
}[];
const listed = open.map((o) => `${o.symbol} ${o.side} ${o.origQty} @ ${o.price}`).join(', ');
console.log(`client: ${response.status}, ${open.length} open order(s): ${listed}`);
console.log(
  `${venue.requests(route)} requests, delays requested: ${delays.join(' ms, ')} ms (${Date.now() - started} ms of real time)`,
);
await venue.close();
