import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectedOutcomes, scenarios } from '../fixtures/reliability/scenarios.js';
import { ROOT, startAlertEndpoint, turns, type LocalServer } from './support.js';

/**
 * No dangling timers, in process: every timer the library (or p-retry, which runs its loop)
 * creates during a scenario is fired or cleared by the time the run has ended, or, with
 * `unref: true`, does not keep the process alive. The child-process test
 * (timers.heavy.test.ts) checks the consequence, the process exiting on its own; this one names
 * the timer that would stop it.
 */

interface TrackedTimer {
  timer: NodeJS.Timeout;
  ms: number;
  stack: string;
}

const OURS = [`${ROOT}src/`, 'node_modules/p-retry/'];
let created: TrackedTimer[] = [];
const originalSetTimeout = globalThis.setTimeout;
const originalSetInterval = globalThis.setInterval;

/** Wraps setTimeout/setInterval to remember the timers created from src/ or p-retry. */
function spy<F extends typeof setTimeout | typeof setInterval>(original: F): F {
  return ((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const timer = original(callback, ms, ...args);
    const stack = new Error('timer created').stack ?? '';
    if (OURS.some((path) => stack.includes(path))) created.push({ timer, ms: ms ?? 0, stack });
    return timer;
  }) as F;
}

/** A timer that has neither fired nor been cleared (Node marks both as `_destroyed`). */
function isActive(timer: NodeJS.Timeout): boolean {
  return (timer as NodeJS.Timeout & { _destroyed?: boolean })._destroyed !== true;
}

function describeTimers(timers: TrackedTimer[]): string[] {
  return timers.map(
    ({ ms, stack }) =>
      `${ms} ms timer from ${stack
        .split('\n')
        .find((l) => OURS.some((p) => l.includes(p)))
        ?.trim()}`,
  );
}

beforeEach(() => {
  created = [];
  globalThis.setTimeout = spy(originalSetTimeout);
  globalThis.setInterval = spy(originalSetInterval);
});

let endpoint: LocalServer;

beforeAll(async () => {
  endpoint = await startAlertEndpoint();
});

afterAll(async () => {
  await endpoint.close();
});

afterEach(() => {
  globalThis.setTimeout = originalSetTimeout;
  globalThis.setInterval = originalSetInterval;
  for (const { timer } of created) clearTimeout(timer);
});

describe('the timer spy', () => {
  it('tells an active timer from a fired or cleared one', async () => {
    const pending = originalSetTimeout(() => {}, 60_000);
    const cleared = originalSetTimeout(() => {}, 60_000);
    clearTimeout(cleared);
    const fired = originalSetTimeout(() => {}, 0);
    await new Promise((resolve) => originalSetTimeout(resolve, 5));
    expect([isActive(pending), isActive(cleared), isActive(fired)]).toEqual([true, false, false]);
    clearTimeout(pending);
  });
});

describe('when a run has ended (or is parked, with unref: true)', () => {
  it.each(Object.keys(scenarios).filter((name) => scenarios[name]!.slow !== true))(
    'leaves no ref’d timer of ours active: %s',
    async (name) => {
      const scenario = scenarios[name]!;
      const requestsBefore = endpoint.requests.length;
      const outcome = await scenario.run({ alertUrl: endpoint.url });
      await turns();
      expect(outcome).toBe(expectedOutcomes[name]);
      expect(endpoint.requests.length - requestsBefore).toBe(scenario.requests ?? 0);
      const active = created.filter(({ timer }) => isActive(timer));
      expect(describeTimers(active.filter(({ timer }) => timer.hasRef()))).toEqual([]);
      // Only the timers the scenario documents remain (all unref'd, per the line above).
      expect(active.map(({ ms }) => ms)).toEqual(scenario.unrefTimersMs ?? []);
    },
  );
});
