import { describe, expect, it } from 'vitest';
import {
  circuitBreaker,
  createRetry,
  exponential,
  retry,
  retryBudget,
  retryOn,
  type CircuitBreaker,
  type RetryBudget,
} from '../../src/index.js';
import { VirtualClock } from './support.js';

/**
 * Storm safety over time. test/storm.test.ts covers a dependency that fails every call of one
 * burst (1,000 calls inside one budget window, no delays). This file adds what it leaves out:
 * steady traffic (100 calls/s on a virtual clock) to a dependency that is healthy, then fails
 * 100 % of requests for a minute, then recovers; real backoff delays between attempts; a sliding
 * budget window moving across the outage; a breaker cycling open → half-open → open; and
 * several operations sharing one budget and breaker. The dependency counts every request it
 * receives, so the assertions are about the load it sees.
 */

class Outage extends Error {}

const TICK_MS = 100;
const CALLS_PER_TICK = 10; // 100 calls/s
const HEALTHY_UNTIL = 20_000;
const FAILING_UNTIL = 80_000;
const END = 100_000;
const WINDOW_MS = 10_000;

interface Request {
  at: number;
  attempt: number;
}

interface Storm {
  requests: Request[];
  /** Calls started (first attempts asked for, whether the breaker let them through or not). */
  calls: { at: number }[];
  outcomes: Map<string, number>;
}

const isDown = (at: number) => at >= HEALTHY_UNTIL && at < FAILING_UNTIL;

/**
 * Drives steady traffic through `call` from 0 to END on a virtual clock. The dependency fails
 * every request while it is down (after a tick, so concurrent attempts overlap).
 */
async function storm(
  clock: VirtualClock,
  call: (dependency: () => Promise<string>, index: number) => Promise<string>,
): Promise<Storm> {
  const result: Storm = { requests: [], calls: [], outcomes: new Map() };
  const count = (key: string) => result.outcomes.set(key, (result.outcomes.get(key) ?? 0) + 1);
  const pending: Promise<void>[] = [];
  let index = 0;
  for (let t = 0; t < END; t += TICK_MS) {
    await clock.runUntil(t);
    for (let i = 0; i < CALLS_PER_TICK; i++) {
      let attempt = 0;
      const dependency = async (): Promise<string> => {
        attempt++;
        result.requests.push({ at: clock.now(), attempt });
        await Promise.resolve();
        if (isDown(clock.now())) throw new Outage('503 Service Unavailable');
        return 'ok';
      };
      result.calls.push({ at: t });
      pending.push(
        call(dependency, index++).then(
          () => void count('ok'),
          (error: unknown) => void count((error as Error).name || 'Error'),
        ),
      );
    }
  }
  await clock.runUntil(END + 120_000);
  await Promise.all(pending);
  return result;
}

const within = (from: number, to: number) => (r: { at: number }) => r.at >= from && r.at < to;

/** First attempts and retries the dependency received in [from, to). */
function load(s: Storm, from: number, to: number) {
  const inSpan = s.requests.filter(within(from, to));
  const first = inSpan.filter((r) => r.attempt === 1).length;
  return { first, retries: inSpan.length - first, total: inSpan.length };
}

/** The consecutive 10 s windows of the outage. */
const outageWindows = Array.from(
  { length: (FAILING_UNTIL - HEALTHY_UNTIL) / WINDOW_MS },
  (_, i) => [HEALTHY_UNTIL + i * WINDOW_MS, HEALTHY_UNTIL + (i + 1) * WINDOW_MS] as const,
);

const BASE = {
  maxAttempts: 4,
  backoff: exponential({ initial: 200, factor: 2 }),
  classify: retryOn(Outage),
};

describe('a dependency that fails 100 % of requests for a minute, under 100 calls/s', () => {
  it('receives 4 requests per call during the outage with no protection', async () => {
    const clock = new VirtualClock();
    const s = await storm(clock, (dependency) => retry(dependency, { ...BASE, clock }));
    // Steady state inside the outage: every call sends maxAttempts requests.
    const { first, total } = load(s, HEALTHY_UNTIL + WINDOW_MS, FAILING_UNTIL - WINDOW_MS);
    expect(total / first).toBe(4);
    expect(s.outcomes.get('ok')).toBe(s.calls.length - s.outcomes.get('RetryExhaustedError')!);
  });

  it.each([
    { ratio: 0.1, minRetriesPerSecond: 1 },
    { ratio: 0.2, minRetriesPerSecond: 0 },
    { ratio: 0, minRetriesPerSecond: 5 },
  ])(
    'receives at most ratio × first attempts + floor retries in every 10 s window of the outage with a budget ($ratio, $minRetriesPerSecond/s)',
    async ({ ratio, minRetriesPerSecond }) => {
      const clock = new VirtualClock();
      const budget = retryBudget({ ratio, minRetriesPerSecond, windowMs: WINDOW_MS, clock });
      const s = await storm(clock, (dependency) => retry(dependency, { ...BASE, clock, budget }));
      const floor = (minRetriesPerSecond * WINDOW_MS) / 1000;
      for (const [from, to] of outageWindows) {
        const { first, retries } = load(s, from, to);
        expect(first).toBe((WINDOW_MS / TICK_MS) * CALLS_PER_TICK);
        expect(retries).toBeLessThanOrEqual(ratio * first + floor);
      }
      // Over the whole outage, the extra load is the configured one, not maxAttempts - 1.
      const outage = load(s, HEALTHY_UNTIL, FAILING_UNTIL);
      const extra = outage.retries / outage.first;
      const bound = ratio + (floor * outageWindows.length) / outage.first;
      expect(extra).toBeLessThanOrEqual(bound);
      // The budget is spent, not left idle: retries happen up to (nearly) the allowance.
      expect(extra).toBeGreaterThan(bound * 0.8);
    },
  );

  it('does not starve retries while the dependency is healthy (a budget only bites in an outage)', async () => {
    const clock = new VirtualClock();
    const budget = retryBudget({ ratio: 0.1, minRetriesPerSecond: 1, windowMs: WINDOW_MS, clock });
    // A healthy dependency whose every tenth request fails once.
    let n = 0;
    const s = await storm(clock, (dependency) =>
      retry(
        async ({ attempt }) => {
          const value = await dependency();
          if (attempt === 1 && ++n % 10 === 0) throw new Outage('one-off');
          return value;
        },
        { ...BASE, clock, budget },
      ),
    );
    // Each retry follows its first attempt by 200 ms: the first attempts of [0, 18 s) and the
    // retries of [0, 18.2 s) are the same calls. Every one of their failures was retried.
    const { first } = load(s, 0, 18_000);
    const { retries } = load(s, 0, 18_200);
    expect(retries).toBe(first / 10);
  });

  it('sends only one probe per resetAfterMs once the breaker has opened, and recovers after', async () => {
    const clock = new VirtualClock();
    const resetAfterMs = 5_000;
    const breaker = circuitBreaker({ failureThreshold: 5, resetAfterMs, clock });
    const budget = retryBudget({ ratio: 0.1, minRetriesPerSecond: 1, windowMs: WINDOW_MS, clock });
    const s = await storm(clock, (dependency) =>
      retry(dependency, { ...BASE, clock, budget, breaker }),
    );
    // The breaker opens within the first tick of the outage: the calls in flight then, their
    // retries, and nothing else.
    const onset = load(s, HEALTHY_UNTIL, HEALTHY_UNTIL + 1_000);
    expect(onset.first).toBeLessThanOrEqual(CALLS_PER_TICK);
    // After that, one probe per resetAfterMs (a failed probe reopens it at once).
    const open = load(s, HEALTHY_UNTIL + 1_000, FAILING_UNTIL);
    expect(open.total).toBeLessThanOrEqual(
      Math.ceil((FAILING_UNTIL - HEALTHY_UNTIL) / resetAfterMs),
    );
    expect(open.retries).toBe(0);
    // Once the dependency is back, a probe closes the breaker and traffic flows at 1×.
    const recovered = load(s, FAILING_UNTIL + resetAfterMs, END);
    expect(recovered.first).toBe(((END - FAILING_UNTIL - resetAfterMs) / TICK_MS) * CALLS_PER_TICK);
    expect(recovered.retries).toBe(0);
    expect(breaker.state).toBe('closed');
  });

  it('keeps the bound when several operations share one budget and breaker through createRetry', async () => {
    const clock = new VirtualClock();
    const budget: RetryBudget = retryBudget({
      ratio: 0.1,
      minRetriesPerSecond: 1,
      windowMs: WINDOW_MS,
      clock,
    });
    // A breaker that opens only on a high failure rate over many calls: the budget does the work.
    const breaker: CircuitBreaker = circuitBreaker({
      failureRate: 1,
      minimumCalls: 1_000_000,
      windowMs: WINDOW_MS,
      clock,
    });
    const venue = createRetry({ ...BASE, clock, budget, breaker });
    const operations = ['get_ticker', 'get_balance', 'get_open_orders'];
    const s = await storm(clock, (dependency, i) =>
      venue(dependency, { operation: operations[i % operations.length]! }),
    );
    for (const [from, to] of outageWindows) {
      const { first, retries } = load(s, from, to);
      expect(retries).toBeLessThanOrEqual(0.1 * first + 10);
    }
  });
});
