import { describe, expect, it } from 'vitest';
import { HedgeLostError, hedged, hedgeOptionsError } from '../../src/core/hedge.js';
import { LatencyTracker } from '../../src/core/latency.js';
import type { Clock, Outcome } from '../../src/index.js';
import { instantClock } from '../../src/testing/index.js';

/** An attempt that settles when the test says so, and shows how its signal ended. */
function controlled<T>() {
  const signals: AbortSignal[] = [];
  const settlers: ((outcome: Outcome<T>) => void)[] = [];
  const attempt = (signal: AbortSignal) => {
    signals.push(signal);
    return new Promise<Outcome<T>>((resolve) => settlers.push(resolve));
  };
  return { attempt, signals, settle: (i: number, o: Outcome<T>) => settlers[i]!(o) };
}

/** A clock whose sleeps end only by their signal: "the delay has not passed yet". */
function heldClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => 0,
    sleep: (ms, signal) => {
      sleeps.push(ms);
      return new Promise((_resolve, reject) =>
        signal?.addEventListener('abort', () => reject(signal.reason)),
      );
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('hedged', () => {
  it('sends a hedge after afterMs when the first attempt has not settled', async () => {
    const clock = instantClock();
    const a = controlled<string>();
    const race = hedged({ attempt: a.attempt, options: { afterMs: 50 }, clock });
    await tick();
    a.settle(1, { ok: true, value: 'hedge' });
    await expect(race).resolves.toEqual({
      outcome: { ok: true, value: 'hedge' },
      index: 1,
      sent: 2,
      denied: 0,
    });
    expect(clock.sleeps).toEqual([50]);
  });

  it('aborts the losing first attempt through its signal', async () => {
    const a = controlled<string>();
    const race = hedged({ attempt: a.attempt, options: { afterMs: 50 }, clock: instantClock() });
    await tick();
    a.settle(1, { ok: true, value: 'hedge' });
    await race;
    expect(a.signals[0]!.reason).toBeInstanceOf(HedgeLostError);
  });

  it('lets the first attempt win when it succeeds first, aborting the hedge', async () => {
    const a = controlled<string>();
    const race = hedged({ attempt: a.attempt, options: { afterMs: 50 }, clock: instantClock() });
    await tick();
    a.settle(0, { ok: true, value: 'first' });
    expect((await race).index).toBe(0);
    expect(a.signals[1]!.aborted).toBe(true);
  });

  it('sends no hedge when the first attempt settles within afterMs', async () => {
    const clock = heldClock();
    const a = controlled<string>();
    const race = hedged({ attempt: a.attempt, options: { afterMs: 50 }, clock });
    a.settle(0, { ok: true, value: 'first' });
    expect((await race).sent).toBe(1);
    expect(a.signals).toHaveLength(1);
  });

  it('does not send a hedge that the charge denies', async () => {
    const a = controlled<string>();
    const race = hedged({
      attempt: a.attempt,
      options: { afterMs: 50 },
      clock: instantClock(),
      charge: () => false,
    });
    await tick();
    a.settle(0, { ok: true, value: 'first' });
    expect(await race).toEqual({
      outcome: { ok: true, value: 'first' },
      index: 0,
      sent: 1,
      denied: 1,
    });
    expect(a.signals).toHaveLength(1);
  });

  it('charges every hedge before sending it, up to max', async () => {
    const charged: number[] = [];
    const a = controlled<string>();
    const race = hedged({
      attempt: a.attempt,
      options: { afterMs: 50, max: 2 },
      clock: instantClock(),
      charge: (index) => (charged.push(index), true),
    });
    await tick();
    a.settle(2, { ok: true, value: 'second hedge' });
    expect((await race).sent).toBe(3);
    expect(charged).toEqual([1, 2]);
  });

  it('sends no hedge after a failed attempt and ends with that failure', async () => {
    const clock = heldClock();
    const a = controlled<string>();
    const race = hedged({ attempt: a.attempt, options: { afterMs: 50 }, clock });
    const error = new Error('429');
    a.settle(0, { ok: false, error });
    expect(await race).toEqual({ outcome: { ok: false, error }, index: 0, sent: 1, denied: 0 });
  });

  it('waits for the observed quantile, clamped to maxMs', async () => {
    const latency = new LatencyTracker(100, 20);
    for (let i = 0; i < 100; i++) latency.record(i < 95 ? 10 : 1000);
    const clock = heldClock();
    const a = controlled<string>();
    const race = hedged({
      attempt: a.attempt,
      options: { quantile: 0.99, maxMs: 200 },
      clock,
      latency,
    });
    a.settle(0, { ok: true, value: 'first' });
    await race;
    expect(clock.sleeps).toEqual([200]);
  });

  it('sends no quantile hedge before it has seen enough latencies and has no maxMs', async () => {
    const clock = heldClock();
    const a = controlled<string>();
    const race = hedged({ attempt: a.attempt, options: { quantile: 0.95 }, clock });
    a.settle(0, { ok: true, value: 'first' });
    await race;
    expect(clock.sleeps).toEqual([]);
  });

  it('records a loser’s time so far as a lower bound of its latency', async () => {
    const latency = new LatencyTracker(10, 1);
    const clock = instantClock(0);
    const a = controlled<string>();
    const race = hedged({
      attempt: a.attempt,
      options: { quantile: 0.5, maxMs: 30 },
      clock,
      latency,
    });
    await tick();
    a.settle(1, { ok: true, value: 'hedge' });
    await race;
    // The hedge won at once (0 ms); the first attempt had run 30 ms when it lost.
    expect([latency.quantile(0.5), latency.quantile(1)]).toEqual([0, 30]);
  });

  it('rejects with the caller’s abort reason and aborts every attempt', async () => {
    const controller = new AbortController();
    const a = controlled<string>();
    const race = hedged({
      attempt: a.attempt,
      options: { afterMs: 50 },
      clock: instantClock(),
      signal: controller.signal,
    });
    await tick();
    const reason = new Error('shutdown');
    controller.abort(reason);
    await expect(race).rejects.toBe(reason);
    expect(a.signals.map((s) => s.reason)).toEqual([reason, reason]);
  });
});

describe('hedgeOptionsError', () => {
  it('refuses a hedge on a non-idempotent call', () => {
    expect(hedgeOptionsError({ afterMs: 50 }, false)).toEqual(
      new TypeError(
        'hedge: not allowed with idempotent: false (a hedge sends the request again while the first may still execute)',
      ),
    );
  });

  it('accepts a fixed hedge on an idempotent call', () => {
    expect(hedgeOptionsError({ afterMs: 50 }, undefined)).toBeUndefined();
  });

  it('refuses both afterMs and quantile', () => {
    expect(hedgeOptionsError({ afterMs: 50, quantile: 0.95 }, true)).toEqual(
      new TypeError(
        'hedge: expected exactly one of afterMs and quantile, got {"afterMs":50,"quantile":0.95}',
      ),
    );
  });

  it('refuses a quantile of 1', () => {
    expect(hedgeOptionsError({ quantile: 1 }, true)).toEqual(
      new RangeError('hedge: quantile: expected a number > 0 and < 1, got 1'),
    );
  });

  it('refuses minMs above maxMs', () => {
    expect(hedgeOptionsError({ quantile: 0.9, minMs: 100, maxMs: 10 }, true)).toEqual(
      new RangeError('hedge.maxMs: expected a number >= minMs (100), got 10'),
    );
  });

  it('refuses max 0', () => {
    expect(hedgeOptionsError({ afterMs: 5, max: 0 }, true)).toEqual(
      new RangeError('hedge: max: expected an integer >= 1, got 0'),
    );
  });
});

describe('LatencyTracker', () => {
  it('reads a quantile by nearest rank', () => {
    const latency = new LatencyTracker(100, 10);
    for (let ms = 1; ms <= 100; ms++) latency.record(ms);
    expect(latency.quantile(0.95)).toBe(95);
  });

  it('forgets the oldest sample once full', () => {
    const latency = new LatencyTracker(2, 1);
    [100, 1, 2].forEach((ms) => latency.record(ms));
    expect(latency.quantile(1)).toBe(2);
  });
});
