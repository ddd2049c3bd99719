import { setMaxListeners } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { constant, retry } from '../../src/index.js';
import { track, turn } from './support.js';

/**
 * Cancellation latency: with 10,000 runs parked in 60 s delays (real timers), aborting their
 * signals rejects every one of them within one event-loop turn, with `signal.reason`, and clears
 * every delay timer. The time bound is generous for a loaded 2-core machine; the measured times
 * are printed after the file.
 */

const RUNS = 10_000;
/** From the first abort() to the end of the next event-loop turn, for all 10,000 runs. */
const BOUND_MS = 1_000;

const measured: string[] = [];

afterAll(() => {
  console.log(
    `cancellation of ${RUNS} parked runs (bound ${BOUND_MS} ms):\n  ${measured.join('\n  ')}`,
  );
});

class Outage extends Error {}

function activeTimeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

/** Starts `RUNS` runs that fail at once and park in a 60 s delay; resolves once all are parked. */
async function parkRuns(signals: AbortSignal[], unref: boolean) {
  let parked = 0;
  let allParked!: () => void;
  const parkedPromise = new Promise<void>((resolve) => (allParked = resolve));
  const rejectedAt = new Float64Array(RUNS);
  const runs = signals.map((signal, i) => {
    const tracked = track(
      retry(
        () => {
          throw new Outage('503');
        },
        {
          signal,
          unref,
          backoff: constant(60_000),
          onRetry: () => {
            if (++parked === RUNS) allParked();
          },
        },
      ),
    );
    void tracked.done.then(() => (rejectedAt[i] = performance.now()));
    return tracked;
  });
  await parkedPromise;
  // The delay starts right after onRetry: one more turn and every run sleeps on its timer.
  await turn();
  return { runs, rejectedAt };
}

describe(`${RUNS.toLocaleString('en')} runs parked in delays`, () => {
  it.each([
    { signals: 'one signal per run', shared: false, unref: false },
    { signals: 'one shared signal', shared: true, unref: false },
    { signals: 'one signal per run, unref', shared: false, unref: true },
  ])(
    `all reject with signal.reason within one event-loop turn of the abort ($signals)`,
    async ({ shared, unref }) => {
      const baseline = activeTimeouts();
      const sharedController = new AbortController();
      // One listener per parked run: silence Node's "possible EventTarget memory leak" warning,
      // as an application sharing one shutdown signal between many runs would.
      setMaxListeners(RUNS + 10, sharedController.signal);
      const controllers = Array.from({ length: RUNS }, () =>
        shared ? sharedController : new AbortController(),
      );
      const { runs, rejectedAt } = await parkRuns(
        controllers.map((c) => c.signal),
        unref,
      );
      expect(runs.every((r) => r.state.status === 'pending')).toBe(true);
      // (The count also holds the test runner's own few timers, hence the tolerance.)
      if (!unref) expect(activeTimeouts() - baseline).toBeGreaterThanOrEqual(RUNS - 5);

      const reason = new Outage('shutting down');
      const abortedAt = performance.now();
      if (shared) sharedController.abort(reason);
      else for (const controller of controllers) controller.abort(reason);
      const abortLoopMs = performance.now() - abortedAt;
      await turn();
      const turnMs = performance.now() - abortedAt;

      const rejected = runs.filter(
        (r) => r.state.status === 'rejected' && r.state.reason === reason,
      ).length;
      const lastRejectionMs = Math.max(...rejectedAt) - abortedAt;
      measured.push(
        `${shared ? 'shared signal' : 'signal per run'}${unref ? ', unref' : ''}: abort() calls ${abortLoopMs.toFixed(1)} ms, last rejection ${lastRejectionMs.toFixed(1)} ms, end of next turn ${turnMs.toFixed(1)} ms`,
      );
      expect(rejected).toBe(RUNS);
      expect(turnMs).toBeLessThan(BOUND_MS);
      // Every delay timer was cleared, not left to fire in 60 s.
      expect(activeTimeouts() - baseline).toBeLessThanOrEqual(5);
    },
    60_000,
  );
});
