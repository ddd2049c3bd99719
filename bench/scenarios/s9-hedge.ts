/**
 * S9: hedged reads. A local node:http server whose latency is 10 ms for 95 % of requests and
 * 100 ms (10× the median) for 5 %. `REQUESTS` reads, `CONCURRENCY` at a time, with no hedge, a
 * hedge after a fixed `afterMs`, and a hedge at the observed p95 (`quantile: 0.95`): p50, p99,
 * p99.9 of each read and the extra requests sent, through `retry(…, { hedge })` as users run it.
 */
import http from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import { realClock } from '../../src/core/clock.js';
import type { HedgeOptions } from '../../src/core/hedge.js';
import { retry } from '../../src/index.js';
import { emitResult, parseChildArgs } from '../lib/protocol.js';
import { get } from '../lib/venue.js';
import { quantileSorted } from '../lib/stats.js';

const quick = parseChildArgs().quick;
const REQUESTS = quick ? 1000 : 3000;
const CONCURRENCY = 10;
const MEDIAN_MS = 10;
const TAIL_MS = 100;
const TAIL = 0.05;

const server = http.createServer((req, res) => {
  const delay = Math.random() < TAIL ? TAIL_MS : MEDIAN_MS;
  const timer = setTimeout(() => res.end('ok'), delay);
  res.on('close', () => clearTimeout(timer));
  req.resume();
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY * 3 });

const ROWS: { id: string; hedge: HedgeOptions | undefined }[] = [
  { id: 'no hedge', hedge: undefined },
  { id: 'afterMs: 15', hedge: { afterMs: 15 } },
  { id: 'quantile: 0.95', hedge: { quantile: 0.95, maxMs: 50 } },
];

async function row(hedge: HedgeOptions | undefined) {
  const latencies: number[] = [];
  let sent = 0;
  let next = 0;
  const options = { maxAttempts: 1, hedge, clock: realClock };
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        next++;
        const started = performance.now();
        const read = ({ signal }: { signal: AbortSignal }) => {
          sent++;
          return get(url, agent, signal);
        };
        await retry(read, options);
        latencies.push(performance.now() - started);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    p50: quantileSorted(latencies, 0.5),
    p99: quantileSorted(latencies, 0.99),
    p999: quantileSorted(latencies, 0.999),
    extra: sent / REQUESTS - 1,
  };
}

const load = os
  .loadavg()
  .map((l) => l.toFixed(2))
  .join(' ');
const results = [];
for (const r of ROWS) results.push({ ...r, ...(await row(r.hedge)) });
agent.destroy();
server.close();
const lines = [
  `S9 hedged reads: ${REQUESTS} reads, ${CONCURRENCY} at a time, ${MEDIAN_MS} ms (95 %) / ${TAIL_MS} ms (5 %); load ${load}`,
  '',
  '| row | p50 | p99 | p99.9 | p99 / p50 | extra requests |',
  '| --- | ---: | ---: | ---: | ---: | ---: |',
  ...results.map(
    (r) =>
      `| ${r.id} | ${r.p50.toFixed(1)} ms | ${r.p99.toFixed(1)} ms | ${r.p999.toFixed(1)} ms | ${(r.p99 / r.p50).toFixed(2)}× | ${(r.extra * 100).toFixed(1)} % |`,
  ),
];
process.stderr.write(`${lines.join('\n')}\n`);
emitResult({
  scenario: 's9',
  rows: results.map((r) => ({
    id: r.id,
    config: JSON.stringify(r.hedge ?? {}),
    metrics: { p50: r.p50, p99: r.p99, p999: r.p999, extra: r.extra },
  })),
  text: lines.join('\n'),
});
