import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFixture } from '../helpers/bundle-fixture.js';
import { FIXTURES, runChild } from './support.js';

/**
 * Load and memory, in a child process run with `--expose-gc`
 * (test/fixtures/reliability/load.ts, bundled with the library source): 100,000 concurrent runs
 * on the real clock that fail twice, retry and succeed (every tenth gives up after 4 attempts),
 * with process-wide listeners subscribed. The heap after a forced GC must return within 5 % of
 * the baseline taken after a warm-up, and nothing of a finished run may stay reachable (sampled
 * with WeakRefs: the run's function, options, promise, errors and value).
 */

interface LoadReport {
  runs: number;
  elapsedMs: number;
  tally: { ok: number; exhausted: number; wrong: number };
  heard: { retries: number; exhaustions: number; successes: number };
  baselineHeap: number;
  peakHeap: number;
  afterHeap: number;
  deltaPct: number;
  sampled: number;
  alive: number;
  hub: { retry: number; exhausted: number; success: number };
  signalListeners: number;
}

const HEAP_BOUND_PCT = 5;
let cleanup: () => Promise<void>;
let script: string;
const measured: string[] = [];

async function load(runs: number, signal: 'none' | 'shared'): Promise<LoadReport> {
  const child = await runChild(script, [String(runs), signal], {
    nodeArgs: ['--expose-gc'],
    timeoutMs: 170_000,
  });
  const report = child.records[0] as LoadReport | undefined;
  if (child.code !== 0 || report === undefined) {
    throw new Error(`load child failed (exit ${child.code}): ${child.stderr.slice(0, 800)}`);
  }
  measured.push(
    `${runs} runs, signal ${signal}: ${(report.elapsedMs / 1000).toFixed(1)} s, heap ${(report.baselineHeap / 1e6).toFixed(2)} MB -> peak ${(report.peakHeap / 1e6).toFixed(0)} MB -> ${(report.afterHeap / 1e6).toFixed(2)} MB after GC (${report.deltaPct.toFixed(2)} %), ${report.alive}/${report.sampled} sampled objects alive`,
  );
  return report;
}

beforeAll(async () => {
  ({ script, cleanup } = await bundleFixture('load', FIXTURES));
}, 60_000);

afterAll(async () => {
  await cleanup();
  console.log(`load and memory:\n  ${measured.join('\n  ')}`);
});

describe('100,000 concurrent runs that fail, retry and succeed', () => {
  let report: LoadReport;

  beforeAll(async () => {
    report = await load(100_000, 'none');
  }, 180_000);

  it('all complete with the right value and attempt count', () => {
    expect(report.tally).toEqual({ ok: 90_000, exhausted: 10_000, wrong: 0 });
    // 2 retries per success, 3 per exhaustion, each heard once by the process-wide listener.
    expect(report.heard).toEqual({ retries: 210_000, exhaustions: 10_000, successes: 90_000 });
  });

  // Half the runs bring their own options object: nothing cached per options object may keep
  // its capacity after GC.
  it(`leave the heap within ${HEAP_BOUND_PCT} % of the baseline after a forced GC`, () => {
    expect(Math.abs(report.deltaPct)).toBeLessThan(HEAP_BOUND_PCT);
  });

  it('leave nothing of a finished run reachable, from the event hub or anywhere', () => {
    expect(report.sampled).toBe(7_000);
    expect(report.alive).toBe(0);
    // The hub holds the three subscribed listeners and nothing else.
    expect(report.hub).toEqual({ retry: 1, exhausted: 1, success: 1 });
  });
});

describe('runs sharing one long-lived AbortSignal', () => {
  it('leave no listener on the signal once 10,000 of them have finished', async () => {
    const report = await load(10_000, 'shared');
    expect(report.tally.wrong).toBe(0);
    expect(report.signalListeners).toBe(0);
  }, 180_000);

  // Node's EventTarget scans its whole listener list on each add: if every delay and every timed
  // attempt added its own 'abort' listener to the caller's signal, n runs parked on one signal
  // would cost O(n) each to park, O(n²) in all.
  it('take at most twice as long as runs without a signal (30,000 runs)', async () => {
    const alone = await load(30_000, 'none');
    const shared = await load(30_000, 'shared');
    expect(shared.tally).toEqual(alone.tally);
    expect(shared.elapsedMs / alone.elapsedMs).toBeLessThan(2);
  }, 180_000);
});
