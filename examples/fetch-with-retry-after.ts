/**
 * Node's `fetch` with `presets.httpApi` (3 attempts, 0.5 s doubling, `httpClassifier`): the
 * returned `Response` is classified by its status, so there is no `if (!res.ok) throw` inside the
 * retried function. A 429's `Retry-After` (in seconds) is obeyed: the wait is the larger of it
 * and the backoff.
 *
 * Offline: the API is a local server that answers 429 (Retry-After: 2), then 503, then 200. The
 * clock is scaled down 10x so the run takes a fraction of a second; the lines show the delays
 * requested. Run with `npx tsx examples/fetch-with-retry-after.ts`.
 */
import { presets, retry } from '../src/index.js';
import { startLocalServer, type LocalReply } from './support/local-server.js';
import { scaledClock } from './support/scaled-clock.js';

const answers: LocalReply[] = [
  { status: 429, headers: { 'retry-after': '2' }, body: { error: 'rate limited' } },
  { status: 503, body: { error: 'maintenance' } },
  { status: 200, body: { symbol: 'ETH-USD', bid: '3120.10', ask: '3120.40' } },
];
const server = await startLocalServer(() => {
  const answer = answers.shift() ?? { status: 500 };
  const retryAfter = answer.headers?.['retry-after'];
  console.log(`server: ${answer.status}${retryAfter ? ` (Retry-After: ${retryAfter})` : ''}`);
  return answer;
});

const started = Date.now();
const delays: number[] = [];
const response = await retry(({ signal }) => fetch(`${server.url}/quotes/ETH-USD`, { signal }), {
  ...presets.httpApi,
  operation: 'get_quote',
  clock: scaledClock(10),
  random: () => 0.5, // jitter at its midpoint: the same delays on every run
  onRetry: ({ attempt, verdict, delayMs, value }) => {
    delays.push(delayMs);
    const fromServer = verdict.retryAfterMs !== undefined && verdict.retryAfterMs >= delayMs;
    console.log(
      `client: attempt ${attempt} got ${verdict.reason}, waiting ${delayMs} ms (${fromServer ? 'Retry-After' : 'backoff'})`,
    );
    // The retried response's body is never read: release its connection.
    void (value as Response).body?.cancel();
  },
});
console.log(`client: ${response.status} ${JSON.stringify(await response.json())}`);
console.log(
  `${server.requests.length} requests, delays requested: ${delays.join(' ms, ')} ms (${Date.now() - started} ms of real time)`,
);
await server.close();
