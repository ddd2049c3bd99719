import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedOutcomes, scenarios } from '../fixtures/reliability/scenarios.js';
import { bundleFixture } from '../helpers/bundle-fixture.js';
import { FIXTURES, runChild, startAlertEndpoint, type ChildResult } from './support.js';

/**
 * No dangling timers, observed from outside: each scenario runs alone in a fresh `node`
 * process, which prints the moment the scenario ended; the process must then exit on its own
 * within 100 ms (measured from that timestamp to the parent's `exit` event), with exit code 0
 * and no unhandled rejection. `unref: true` scenarios end while their run is still parked in a
 * 60 s delay or attempt: they must exit just as fast.
 *
 * The scenarios (test/fixtures/reliability/scenarios.ts) are bundled with the library source by
 * esbuild once, so each child starts in about 0.1 s (`node --import tsx` takes about 1 s).
 */

const EXIT_BOUND_MS = 100;

let cleanup: () => Promise<void>;
let script: string;
const measured: { scenario: string; exitMs: number }[] = [];

beforeAll(async () => {
  ({ script, cleanup } = await bundleFixture('child', FIXTURES));
}, 60_000);

afterAll(async () => {
  await cleanup();
  console.log(
    `exit delays after the scenario's end (bound ${EXIT_BOUND_MS} ms):\n${measured
      .map(({ scenario, exitMs }) => `  ${exitMs.toFixed(1).padStart(6)} ms  ${scenario}`)
      .join('\n')}`,
  );
});

/** Runs one scenario in a child; returns its result line, exit and the delay from end to exit. */
async function runScenario(
  name: string,
): Promise<{ child: ChildResult; exitMs: number; requests: number }> {
  // The alert endpoint lives here, in the parent: nothing of it can keep the child alive.
  const endpoint = await startAlertEndpoint();
  let child: ChildResult;
  try {
    child = await runChild(script, [name], {
      timeoutMs: 20_000,
      env: { RELIABILITY_ALERT_URL: endpoint.url },
    });
  } finally {
    await endpoint.close();
  }
  const line = child.records.find((r) => r.scenario === name);
  if (line === undefined) {
    throw new Error(
      `the child printed no result (exit code ${child.code}, signal ${child.signal}): ${child.stderr.slice(0, 500)}`,
    );
  }
  const exitMs = child.exitAt - (line.endAt as number);
  measured.push({ scenario: name, exitMs });
  return { child, exitMs, requests: endpoint.requests.length };
}

describe('a process whose retries have ended', () => {
  it.each(Object.keys(scenarios))(
    `exits on its own within ${EXIT_BOUND_MS} ms: %s`,
    async (name) => {
      const { child, exitMs, requests } = await runScenario(name);
      const line = child.records.find((r) => r.scenario === name)!;
      expect(line.outcome).toBe(expectedOutcomes[name]);
      expect(requests).toBe(scenarios[name]!.requests ?? 0);
      expect(child.records.flatMap((r) => (r.faults as string[] | undefined) ?? [])).toEqual([]);
      expect(line.timers).toBe(0);
      expect(child.code).toBe(0);
      expect(exitMs).toBeLessThan(EXIT_BOUND_MS);
    },
    30_000,
  );
});
