/**
 * A fleet of processes behind one IP and one API key, sharing Binance's limits, a retry budget
 * and a circuit breaker through Redis (`tenacious/redis`). Two "processes" here are two Redis
 * clients with a store each, exactly as two services would hold them.
 *
 * - process A gets a 429: process B hears of it by pub/sub and holds until Retry-After passes;
 * - weight is reserved atomically in Redis, so the two together stay under the limit;
 * - `breaker.isolate()` in A stops B too (a kill switch for the venue), until `release()`.
 *
 * Offline: the venue is `startVenue` (`tenacious/simulator`), a local Binance spot venue, and the
 * example starts its own redis-server on a free
 * port when one is installed (`apt-get install redis-server`); without it, it says so and exits.
 * Run with `npx tsx examples/fleet.ts`.
 */
import { createClient } from 'redis';
import { binanceWeightTracker } from '../src/binance/index.js';
import { CircuitOpenError, circuitBreaker, retryBudget } from '../src/index.js';
import { redisStore } from '../src/redis/index.js';
import { startVenue } from '../src/simulator/index.js';
import { redisServerInstalled, startRedisServer } from './support/redis-server.js';

if (!redisServerInstalled() && process.env.REDIS_URL === undefined) {
  console.log(
    'fleet example skipped: it needs redis-server on PATH (apt-get install redis-server, brew install redis) or REDIS_URL=redis://host:port',
  );
  process.exit(0);
}
const server = process.env.REDIS_URL === undefined ? await startRedisServer() : undefined;
const url = server?.url ?? process.env.REDIS_URL!;

// The venue answers 429 with Retry-After: 1 to its third request, as Binance does past the limit.
const venue = await startVenue({
  venue: 'binance-spot',
  script: { 'GET /api/v3/openOrders': ['ok', 'ok', '429'] },
});

// --- The fleet, set up in ten lines (each process runs the same code) ---------------------------
async function startProcess(name: string) {
  const client = await createClient({ url }).connect();
  client.on('error', (err) => console.log(`${name}: redis error ${err.message}`));
  const store = redisStore({ client, commandTimeoutMs: 50 });
  const key = 'binance-ip-1'; // one shared tracker per IP (an API key is fine here: it is hashed)
  const tracker = binanceWeightTracker({ limit: 6000, orderLimits: { '10s': 50 }, store, key });
  const budget = retryBudget({ ratio: 0.1, store, key: 'binance' });
  const breaker = circuitBreaker({ failureThreshold: 5, store, key: 'binance', name: 'binance' });
  await store.ready(); // subscriptions active: this process hears the others from now on
  return { name, client, store, tracker, budget, breaker };
}
// ------------------------------------------------------------------------------------------------

const a = await startProcess('A');
const b = await startProcess('B');

/** Polls `read` every 10 ms for up to a second (only to keep this example's output in order). */
async function until<T>(read: () => T | undefined): Promise<T | undefined> {
  for (let i = 0; i < 100; i++) {
    const value = read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return undefined;
}

async function send(p: typeof a): Promise<number> {
  await p.tracker.acquire(6); // BSPOT: open orders of one symbol weigh 6
  const response = await fetch(`${venue.url}/api/v3/openOrders?symbol=BTCUSDT`);
  await response.arrayBuffer();
  p.tracker.update(response.headers, response.status);
  return response.status;
}

console.log(`A: ${await send(a)}, B: ${await send(b)}`);
console.log(`A: ${await send(a)} (Retry-After: 1)`);
// The pub/sub message takes a round trip: give it up to a second on a busy machine.
const held = await until(() => b.tracker.snapshot().pausedUntil);
console.log(`B: holds too, without a request of its own: ${held !== undefined ? 'yes' : 'no'}`);
const started = performance.now();
console.log(
  `B: ${await send(b)} after waiting ${Math.round((performance.now() - started) / 100) / 10} s for the cooldown to end`,
);
console.log(`shared weight used this minute: ${b.tracker.snapshot().usedWeight['1m']}`);

// The kill switch: A isolates the venue, and B refuses attempts as well.
a.breaker.isolate();
await until(() => b.breaker.isolated || undefined);
try {
  b.breaker.acquire();
} catch (err) {
  if (err instanceof CircuitOpenError) console.log(`B: ${err.message}`);
}
b.breaker.release();
await until(() => !a.breaker.isolated || undefined);
console.log(`A: breaker ${a.breaker.state} after B released it`);
console.log(`store errors: A ${a.store.stats().errors}, B ${b.store.stats().errors}`);

for (const p of [a, b]) {
  await p.store.close();
  await p.client.quit();
}
await venue.close();
await server?.stop();
