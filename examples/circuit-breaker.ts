/**
 * One `circuitBreaker` and one `retryBudget` per venue, shared by every operation on it through
 * `createRetry`. While the venue is down, the budget caps how many retries all callers together
 * may add, and once the breaker opens, calls fail at once with `CircuitOpenError` without a
 * request. After `resetAfterMs` one probe goes through; its success closes the breaker.
 *
 * Offline: the venue is a local server that goes down and comes back. Time is an
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
import { startLocalServer } from './support/local-server.js';

let venueUp = true;
const server = await startLocalServer(({ path }) =>
  venueUp ? { status: 200, body: { path } } : { status: 503, body: { error: 'down' } },
);

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

async function call(operation: string, path: string): Promise<void> {
  const before = server.requests.length;
  let outcome: string;
  try {
    const response = await venueRetry(({ signal }) => fetch(`${server.url}${path}`, { signal }), {
      operation,
    });
    await response.body?.cancel();
    outcome = String(response.status);
  } catch (err) {
    if (err instanceof CircuitOpenError) outcome = `${err.name}: ${err.message}`;
    else if (err instanceof RetryExhaustedError) outcome = `gave up (${err.reason})`;
    else throw err;
  }
  const sent = server.requests.length - before;
  console.log(`  ${operation}: ${outcome} [${sent} request${sent === 1 ? '' : 's'}]`);
}

console.log('venue up');
await call('get_ticker', '/ticker');
await call('get_balance', '/balance');

console.log('venue down');
venueUp = false;
await call('get_ticker', '/ticker');
await call('get_balance', '/balance');
await call('get_ticker', '/ticker');
const { retries, denied } = budget.snapshot();
console.log(`  budget: ${retries} retry admitted, ${denied} denied; breaker is ${breaker.state}`);

console.log('venue back, 30 s later');
venueUp = true;
clock.advance(30_000);
await call('get_balance', '/balance');
await call('get_ticker', '/ticker');

await server.close();
