/**
 * Retry storm: what a 100 % failure spike does to the load on a dependency, with no protection,
 * with a retry budget, with a circuit breaker, and with both.
 *
 *   npx tsx bench/storm.ts
 *
 * Offline and deterministic: callers, the dependency and every delay run on virtual time (the
 * instant clock, moved forward by a small event scheduler from one pending sleep to the next),
 * and jitter uses a seeded random source. The whole run takes a second or two of real time.
 *
 * Scenario: open-loop traffic, as from users or a market-data loop that does not wait for the
 * previous call: CALLS_PER_SECOND calls arrive for DURATION_MS, each one its own concurrent
 * caller. The dependency answers in LATENCY_MS and fails every attempt that starts between
 * SPIKE_FROM_MS and SPIKE_TO_MS. Every call is `retry(fn, { maxAttempts: 4, backoff: jittered
 * exponential from 100 ms })`, with the protection under test shared by all callers.
 */
import { circuitBreaker } from '../src/core/breaker/index.js';
import {
  CircuitOpenError,
  exponential,
  jitter,
  retry,
  retryOn,
  type RetryOptions,
} from '../src/index.js';
import { retryBudget } from '../src/core/retry-budget.js';
import { instantClock } from '../src/testing/index.js';
import type { Clock } from '../src/core/types.js';

const CALLS_PER_SECOND = 200;
const DURATION_MS = 30_000;
const SPIKE_FROM_MS = 5_000;
const SPIKE_TO_MS = 25_000;
const LATENCY_MS = 20;

class Outage extends Error {}

/** Virtual time: `sleep` parks the caller until the scheduler moves the instant clock past it. */
class Scheduler {
  readonly base = instantClock(0);
  private readonly heap: { at: number; seq: number; wake: () => void }[] = [];
  private seq = 0;
  readonly clock: Clock = {
    now: () => this.base.now(),
    sleep: (ms: number) =>
      new Promise<void>((wake) =>
        this.push({ at: this.base.now() + Math.max(0, ms), seq: this.seq++, wake }),
      ),
  };

  /** Runs until nothing is pending: let every ready callback run, then jump to the next wake-up. */
  async run(): Promise<void> {
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      const next = this.heap[0];
      if (next === undefined) return;
      this.base.advance(next.at - this.base.now());
      while (this.heap.length > 0 && this.heap[0]!.at === next.at) this.pop().wake();
    }
  }

  private push(item: { at: number; seq: number; wake: () => void }): void {
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop() {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }

  private less(a: { at: number; seq: number }, b: { at: number; seq: number }): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
}

/** A seeded random source (mulberry32), so every run prints the same numbers. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Counts {
  calls: number;
  attempts: number;
  failedFast: number;
}

type Protection = (clock: Clock) => Pick<RetryOptions<string>, 'budget' | 'breaker'>;

async function simulate(protection: Protection) {
  const scheduler = new Scheduler();
  const clock = scheduler.clock;
  const spike: Counts = { calls: 0, attempts: 0, failedFast: 0 };
  const total: Counts = { calls: 0, attempts: 0, failedFast: 0 };
  const attemptsPerSecond: number[] = [];
  const inSpike = (t: number) => t >= SPIKE_FROM_MS && t < SPIKE_TO_MS;

  const dependency = async (): Promise<string> => {
    const now = clock.now();
    const failing = inSpike(now);
    total.attempts++;
    if (failing) spike.attempts++;
    const second = Math.floor(now / 1000);
    attemptsPerSecond[second] = (attemptsPerSecond[second] ?? 0) + 1;
    await clock.sleep(LATENCY_MS);
    if (failing) throw new Outage('503 Service Unavailable');
    return 'ok';
  };

  const options: RetryOptions<string> = {
    ...protection(clock),
    clock,
    maxAttempts: 4,
    backoff: jitter(exponential({ initial: 100, factor: 2, max: 2000 }), {
      mode: 'proportional',
      ratio: 0.2,
    }),
    random: seeded(42),
    classify: retryOn(Outage),
  };

  const call = async () => {
    const during = inSpike(clock.now());
    total.calls++;
    if (during) spike.calls++;
    try {
      await retry(dependency, options);
    } catch (err) {
      if (err instanceof CircuitOpenError) {
        total.failedFast++;
        if (during) spike.failedFast++;
      }
    }
  };

  const calls: Promise<void>[] = [];
  const arrivals = async () => {
    while (clock.now() < DURATION_MS) {
      calls.push(call());
      await clock.sleep(1000 / CALLS_PER_SECOND);
    }
  };

  const done = arrivals();
  await scheduler.run();
  await done;
  await Promise.all(calls);
  const spikeSeconds = attemptsPerSecond.slice(SPIKE_FROM_MS / 1000, SPIKE_TO_MS / 1000);
  return { spike, total, peak: Math.max(...Array.from(spikeSeconds, (n) => n ?? 0)) };
}

const scenarios: [string, Protection][] = [
  ['no protection', () => ({})],
  ['retryBudget()', (clock) => ({ budget: retryBudget({ clock }) })],
  [
    'circuitBreaker({ resetAfterMs: 5000 })',
    (clock) => ({ breaker: circuitBreaker({ resetAfterMs: 5000, clock }) }),
  ],
  [
    'both',
    (clock) => ({
      budget: retryBudget({ clock }),
      breaker: circuitBreaker({ resetAfterMs: 5000, clock }),
    }),
  ],
];

const started = performance.now();
const rows: Record<string, Record<string, string | number>> = {};
for (const [name, protection] of scenarios) {
  const { spike, total, peak } = await simulate(protection);
  const perCall = spike.attempts / spike.calls;
  const extra = (perCall - 1) * 100;
  rows[name] = {
    'spike calls': spike.calls,
    'spike attempts': spike.attempts,
    'attempts/call': +perCall.toFixed(3),
    'load vs calls': `${extra >= 0 ? '+' : ''}${extra.toFixed(1)} %`,
    'peak attempts/s': peak,
    'failed fast': spike.failedFast,
    'all attempts': total.attempts,
  };
}

console.log(
  `Retry storm: ${CALLS_PER_SECOND} calls/s for ${DURATION_MS / 1000} s (virtual time), every attempt ` +
    `fails from ${SPIKE_FROM_MS / 1000} s to ${SPIKE_TO_MS / 1000} s; maxAttempts 4, backoff 100 ms ×2 ±20 %.`,
);
console.log(
  '"spike" counts calls and attempts started during the failure spike; "load vs calls" is the ' +
    'load the dependency sees compared with one attempt per call.',
);
console.table(rows);
console.log(`(${Math.round(performance.now() - started)} ms real time)`);
