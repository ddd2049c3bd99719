/**
 * S4: heap bytes per pending retry. 20,000 calls of one row (one row per process, run with
 * --expose-gc) all fail once and wait in a 1 s delay on the real clock. The heap is measured
 * after full collections, once before the calls start (the row's options, policy and code
 * already warmed up) and once while every call is pending; the difference divided by 20,000 is
 * what one waiting retry keeps alive: the library's promises, closures, state and its timer.
 * Every call shares the same workload function and error object, so none of that is counted.
 */
import { contenders } from '../lib/contenders.js';
import { emitResult, parseChildArgs } from '../lib/protocol.js';
import { TRANSIENT } from '../lib/workloads.js';

const CALLS = 20_000;
const DELAY_MS = 1000;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('S4 needs node --expose-gc');

function collect(): number {
  for (let i = 0; i < 4; i++) gc!();
  return process.memoryUsage().heapUsed;
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

const args = parseChildArgs();
const id = args.row ?? 'floor';

let failing = true;
let failures = 0;
let retried = 0;
async function work(): Promise<number> {
  if (failing) {
    failures++;
    throw TRANSIENT;
  }
  retried++;
  return 1;
}

// Warm-up on the same code path with a 1 ms delay (its own options object, kept alive below).
const warm = contenders({ attempts: 2, delayMs: 1 }).find((r) => r.id === id);
const row = contenders({ attempts: 2, delayMs: DELAY_MS }).find((r) => r.id === id);
if (warm === undefined || row === undefined) throw new Error(`unknown row ${id}`);
for (let round = 0; round < 3; round++) {
  const batch: Promise<unknown>[] = [];
  for (let i = 0; i < 500; i++) {
    let first = true;
    batch.push(
      warm.call(async () => {
        if (first) {
          first = false;
          throw TRANSIENT;
        }
        return 1;
      }),
    );
  }
  await Promise.all(batch);
}

const pending: Promise<unknown>[] = new Array<Promise<unknown>>(CALLS).fill(Promise.resolve());
const before = collect();
const start = performance.now();
for (let i = 0; i < CALLS; i++) pending[i] = row.call(work);
// Every first attempt has failed and every library has reached its timer once the failures are
// counted and the microtask queues have drained for a few event-loop turns.
while (failures < CALLS) await tick();
for (let i = 0; i < 5; i++) await tick();
// From here to the end of `collect()` no JavaScript other than ours runs (collection is
// synchronous), so no timer can fire in between: every call is still pending when measured.
const readyMs = performance.now() - start;
const timers = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
const after = collect();
if (retried !== 0) throw new Error(`${id}: measured too late (${retried} retries already ran)`);
if (timers < CALLS) throw new Error(`${id}: only ${timers} timers pending for ${CALLS} calls`);

emitResult({
  scenario: 's4',
  rows: [
    {
      id,
      config: row.config,
      metrics: { bytesPerPending: (after - before) / CALLS, readyMs, timers },
    },
  ],
});
// The pending calls would resolve in a second; nothing more is measured.
failing = false;
process.exit(0);
