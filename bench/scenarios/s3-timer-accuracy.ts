/**
 * S3: timer accuracy under load. 2,000 concurrent calls each fail once and are retried after a
 * 50 ms delay, on the real clock. The delay actually observed by a call runs from the moment
 * its first attempt throws to the moment its second attempt starts; the overshoot is that
 * minus 50 ms (it includes each library's work between the two attempts and the time spent
 * queued behind the other 1,999 timers). Each row runs unmeasured rounds first (three, or two
 * with --quick: a library's failure path reaches its optimised code only after a few thousand
 * failures), then a measured round on a freshly collected heap. The orchestrator runs one row
 * per process (`--row=<id>`), so no row inherits another's heap or timer lists.
 */
import { contenders, type Contender } from '../lib/contenders.js';
import { emitResult, parseChildArgs, rotate } from '../lib/protocol.js';
import { quantileSorted } from '../lib/stats.js';
import { TRANSIENT } from '../lib/workloads.js';

const CALLS = 2000;
const DELAY_MS = 50;
const gc = (globalThis as { gc?: () => void }).gc;

/** Runs `CALLS` concurrent calls through `row`; returns each call's overshoot, sorted, in ms. */
async function round(row: Contender): Promise<number[]> {
  const failedAt = new Float64Array(CALLS);
  const retriedAt = new Float64Array(CALLS);
  const attempts = new Uint8Array(CALLS);
  const calls: Promise<unknown>[] = [];
  for (let i = 0; i < CALLS; i++) {
    calls.push(
      row.call(async () => {
        const attempt = ++attempts[i]!;
        if (attempt === 1) {
          failedAt[i] = performance.now();
          throw TRANSIENT;
        }
        retriedAt[i] = performance.now();
        return i;
      }),
    );
  }
  const values = await Promise.all(calls);
  const overshoot: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    if (values[i] !== i || attempts[i] !== 2) {
      throw new Error(
        `${row.id}: call ${i} made ${attempts[i]} attempts and resolved ${String(values[i])}`,
      );
    }
    overshoot.push(retriedAt[i]! - failedAt[i]! - DELAY_MS);
  }
  return overshoot.sort((a, b) => a - b);
}

const args = parseChildArgs();
const rows = contenders({ attempts: 2, delayMs: DELAY_MS }).filter(
  (r) => args.row === undefined || r.id === args.row,
);
if (rows.length === 0) throw new Error(`unknown row ${args.row}`);
const results = [];
const warmupRounds = args.quick ? 2 : 3;
for (const row of rotate(rows, args.rotate)) {
  for (let i = 0; i < warmupRounds; i++) await round(row);
  gc?.();
  const cpuBefore = process.cpuUsage();
  const sorted = await round(row);
  const cpu = process.cpuUsage(cpuBefore);
  results.push({
    id: row.id,
    config: row.config,
    metrics: {
      p50Ms: quantileSorted(sorted, 0.5),
      p99Ms: quantileSorted(sorted, 0.99),
      maxMs: sorted[sorted.length - 1]!,
      minMs: sorted[0]!,
      // CPU time of the whole round per call: the work that the overshoot queues behind.
      cpuUsPerCall: (cpu.user + cpu.system) / CALLS,
    },
  });
}
emitResult({ scenario: 's3', rows: results });
