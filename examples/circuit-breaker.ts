/**
 * One `circuitBreaker` and one `retryBudget` per venue, shared by every operation on it through
 * `createRetry`. While the venue is down, the budget caps how many retries all callers together
 * may add, and once the breaker opens, calls fail at once with `CircuitOpenError` without a
 * request. After `resetAfterMs` one probe goes through; its success closes the breaker.
 *
 * Offline: the venue is `startVenue` (`tenacious/simulator`), a local Binance spot venue whose read
 * routes are scripted to answer 503 while it is down, and then nothing special. Time is an
 * `instantClock()`: sleeps return at once and `clock.advance()` skips the 30 s the breaker stays
 * open. Run with `npx tsx examples/circuit-breaker.ts`.
 */
import {
  CircuitOpenError,
  RetryExhaustedError,
  circuitBreaker,
  createRetry,
  exponential,
  retryBudget,
} from '../src/index.js';
import { httpClassifier } from '../src/http/index.js';
import { instantClock } from '../src/testing/index.js';
import { startVenue, type VenueFault } from '../src/simulator/index.js';

const venue = await startVenue({ venue: 'binance-spot' });
const READS = ['GET /api/v3/openOrders', 'GET /api/v3/order'];
/** Every read answers 503 (its next 50 calls), or, with `up`, answers normally again. */
function setVenue(up: boolean): void {
  const steps: VenueFault[] = up ? [] : Array<VenueFault>(50).fill('503-after-execute');
  for (const route of READS) venue.script(route, steps);
}
// A resting order for `get_order` to read (signatures are not checked by the simulator).
const order = new URLSearchParams({
  symbol: 'BTCUSDT',
  side: 'BUY',
  type: 'LIMIT',
  quantity: '0.01',
  price: '90000',
  newClientOrderId: 'breaker-demo-1',
});
await (await fetch(`${venue.url}/api/v3/order?${order}`, { method: 'POST' })).arrayBuffer();
const PATHS = {
  get_open_orders: '/api/v3/openOrders?symbol=BTCUSDT',
  get_order: '/api/v3/order?symbol=BTCUSDT&origClientOrderId=breaker-demo-1',
};

// --- One breaker and one budget for the venue, shared by all its operations ------------------
const clock = instantClock();
const breaker = circuitBreaker({ failureThreshold: 3, resetAfterMs: 30_000, clock });
const budget = retryBudget({ ratio: 0.1, minRetriesPerSecond: 0.1, windowMs: 10_000, clock });
breaker.onStateChange(({ from, to }) => console.log(`  breaker: ${from} -> ${to}`));

const venueRetry = createRetry({
  breaker,
  budget,
  clock,
  classify: httpClassifier(),
  maxAttempts: 4,
  backoff: exponential({ initial: 200 }),
});

async function call(operation: keyof typeof PATHS): Promise<void> {
  const before = venue.requests();
  let outcome: string;
  try {
    const response = await venueRetry(
      ({ signal }) => fetch(`${venue.url}${PATHS[operation]}`, { signal }),
      {
        operation,
      },
    );
    await response.body?.cancel();
    outcome = String(response.status);
  } catch (err) {
    if (err instanceof CircuitOpenError) outcome = `${err.name}: ${err.message}`;
    else if (err instanceof RetryExhaustedError) outcome = `gave up (${err.reason})`;
    else throw err;
  }
  const sent = venue.requests() - before;
  console.log(`  ${operation}: ${outcome} [${sent} request${sent === 1 ? '' : 's'}]`);
}

console.log('venue up');
await call('get_open_orders');
await call('get_order');

console.log('venue down');
setVenue(false);
await call('get_open_orders');
await call('get_order');
await call('get_open_orders');
const { retries, denied } = budget.snapshot();
console.log(`  budget: ${retries} retry admitted, ${denied} denied; breaker is ${breaker.state}`);

console.log('venue back, 30 s later');
setVenue(true);
clock.advance(30_000);
await call('get_order');
await call('get_open_orders');

await venue.close();
