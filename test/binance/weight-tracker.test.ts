import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { binanceWeightTracker, HoldTooLongError } from '../../src/binance/index.js';
import {
  onHold,
  PermanentFailureError,
  retry,
  type Clock,
  type HoldEvent,
} from '../../src/index.js';
import { instantClock } from '../../src/testing/index.js';
import { captureLogger } from '../helpers/log-capture.js';
import { captureWarnings } from '../helpers/warnings.js';

/** 12:00:30 UTC: 30 s into a 1m window. */
const T0 = Date.UTC(2026, 0, 5, 12, 0, 30);

/** A clock whose sleeps resolve only when the test advances time past them. */
function manualClock(start: number) {
  let now = start;
  const sleepers: { until: number; resolve: () => void }[] = [];
  const requested: number[] = [];
  const clock: Clock & {
    advance(ms: number): Promise<void>;
    requested: number[];
    pending(): number;
  } = {
    requested,
    now: () => now,
    sleep(ms) {
      requested.push(ms);
      return new Promise<void>((resolve) => sleepers.push({ until: now + ms, resolve }));
    },
    async advance(ms) {
      now += ms;
      for (const s of sleepers.splice(0)) {
        if (s.until <= now) s.resolve();
        else sleepers.push(s);
      }
      for (let i = 0; i < 5; i++) await Promise.resolve();
    },
    pending: () => sleepers.length,
  };
  return clock;
}

function settled(promise: Promise<unknown>) {
  const state = { done: false };
  void promise.then(() => (state.done = true));
  return state;
}

describe('binanceWeightTracker: options', () => {
  it.each([
    [{ limit: 0 }, RangeError, 'binanceWeightTracker: limit: expected an integer >= 1, got 0'],
    [{ limit: 1.5 }, RangeError, 'binanceWeightTracker: limit: expected an integer >= 1, got 1.5'],
    [
      { limit: '6000' },
      TypeError,
      'binanceWeightTracker: limit: expected an integer >= 1, got "6000"',
    ],
    [
      { limit: 6000, warnAt: 0 },
      RangeError,
      'binanceWeightTracker: warnAt: expected a number in (0, 1], got 0',
    ],
    [
      { limit: 6000, pauseAt: 1.5 },
      RangeError,
      'binanceWeightTracker: pauseAt: expected a number in (0, 1], got 1.5',
    ],
    [
      { limit: 6000, warnAt: 0.95, pauseAt: 0.9 },
      RangeError,
      'binanceWeightTracker: warnAt: expected a number <= pauseAt (0.9), got 0.95',
    ],
    [
      { limit: 6000, interval: '1x' },
      RangeError,
      'binanceWeightTracker: interval: expected an interval such as "1m", got "1x"',
    ],
    [
      { limit: 6000, warnAfterMs: -1 },
      RangeError,
      'binanceWeightTracker: warnAfterMs: expected a number >= 0 or Infinity, got -1',
    ],
    [
      { limit: 6000, clock: {} },
      TypeError,
      'binanceWeightTracker: clock: expected a clock with now() and sleep(ms, signal), got {}',
    ],
  ])('rejects %j with a %s naming the option', (options, type, message) => {
    expect(() => binanceWeightTracker(options as never)).toThrow(new type(message));
  });

  it('accepts warnAt equal to pauseAt and pauseAt 1', () => {
    expect(() => binanceWeightTracker({ limit: 1, warnAt: 1, pauseAt: 1 })).not.toThrow();
  });
});

describe('binanceWeightTracker: headers', () => {
  it('reads X-MBX-USED-WEIGHT-* and X-MBX-ORDER-COUNT-* from a plain object in any case', () => {
    const tracker = binanceWeightTracker({ limit: 6000, clock: instantClock(T0) });
    tracker.update({
      'X-MBX-USED-WEIGHT-1M': '1200',
      'x-mbx-order-count-10s': '3',
      'X-Mbx-Order-Count-1d': '250',
      'content-type': 'application/json',
    });
    expect(tracker.snapshot()).toMatchObject({
      usedWeight: { '1m': 1200 },
      orderCounts: { '10s': 3, '1d': 250 },
    });
  });

  it('reads a fetch Headers object', () => {
    const tracker = binanceWeightTracker({ limit: 6000, clock: instantClock(T0) });
    tracker.update(new Headers({ 'x-mbx-used-weight-1m': '42' }));
    expect(tracker.snapshot().usedWeight['1m']).toBe(42);
  });

  it('ignores values that are not counts and headers that are not rate headers', () => {
    const tracker = binanceWeightTracker({ limit: 6000, clock: instantClock(T0) });
    tracker.update({
      'x-mbx-used-weight-1m': 'abc',
      'x-mbx-used-weight': '99',
      'retry-after': '5',
    });
    expect(tracker.snapshot()).toMatchObject({
      usedWeight: { '1m': 0 },
      orderCounts: {},
      pausedUntil: undefined,
    });
    expect(() => tracker.update(undefined)).not.toThrow();
    expect(() => tracker.update('nonsense')).not.toThrow();
  });

  it('returns plain data from snapshot()', () => {
    const tracker = binanceWeightTracker({ limit: 6000, clock: instantClock(T0) });
    tracker.update({ 'x-mbx-used-weight-1m': '600' });
    const snapshot = tracker.snapshot();
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual({
      limit: 6000,
      warnAt: 0.8,
      pauseAt: 0.9,
      interval: '1m',
      usedWeight: { '1m': 600 },
      orderCounts: {},
      ratio: 0.1,
      windowStartMs: Date.UTC(2026, 0, 5, 12, 0, 0),
      windowEndMs: Date.UTC(2026, 0, 5, 12, 1, 0),
    });
    expect(snapshot.pausedUntil).toBeUndefined();
  });

  it('forgets the used weight when the window rolls over', () => {
    const clock = instantClock(T0);
    const tracker = binanceWeightTracker({ limit: 6000, clock });
    tracker.update({ 'x-mbx-used-weight-1m': '5000', 'x-mbx-order-count-10s': '7' });
    clock.advance(30_000);
    expect(tracker.snapshot()).toMatchObject({
      usedWeight: { '1m': 0 },
      orderCounts: { '10s': 0 },
    });
  });
});

describe('binanceWeightTracker: acquire', () => {
  it('resolves at once below pauseAt', async () => {
    const clock = instantClock(T0);
    const tracker = binanceWeightTracker({ limit: 6000, clock });
    tracker.update({ 'x-mbx-used-weight-1m': '5399' });
    await tracker.acquire(10);
    expect(clock.sleeps).toEqual([]);
    expect(tracker.snapshot().usedWeight['1m']).toBe(5409);
  });

  it('waits for the next wall-clock minute above pauseAt', async () => {
    const clock = instantClock(T0);
    const tracker = binanceWeightTracker({ limit: 6000, clock });
    tracker.update({ 'x-mbx-used-weight-1m': '5400' });
    await tracker.acquire();
    expect(clock.sleeps).toEqual([30_000]);
    expect(tracker.snapshot().usedWeight['1m']).toBe(1);
  });

  it('counts locally acquired weight on top of the last header value', async () => {
    const clock = instantClock(T0);
    const tracker = binanceWeightTracker({ limit: 100, clock });
    tracker.update({ 'x-mbx-used-weight-1m': '85' });
    await tracker.acquire(3);
    await tracker.acquire(2);
    expect(clock.sleeps).toEqual([]);
    await tracker.acquire(1); // 85 + 3 + 2 = 90 = pauseAt * limit
    expect(clock.sleeps).toEqual([30_000]);
  });

  it('never lowers its estimate on an older, smaller header value in the same window', async () => {
    const tracker = binanceWeightTracker({ limit: 100, clock: instantClock(T0) });
    tracker.update({ 'x-mbx-used-weight-1m': '50' });
    await tracker.acquire(20);
    tracker.update({ 'x-mbx-used-weight-1m': '55' });
    expect(tracker.snapshot().usedWeight['1m']).toBe(70);
  });

  it('holds every caller after a 429 until Retry-After passes', async () => {
    const clock = manualClock(T0);
    const tracker = binanceWeightTracker({ limit: 6000, clock });
    tracker.update({ 'Retry-After': '12', 'x-mbx-used-weight-1m': '100' }, 429);
    const a = settled(tracker.acquire());
    const b = settled(tracker.acquire());
    await clock.advance(11_999);
    expect([a.done, b.done]).toEqual([false, false]);
    await clock.advance(1);
    expect([a.done, b.done]).toEqual([true, true]);
    expect(clock.requested).toEqual([12_000, 12_000]);
  });

  it('holds callers after a 418 until its Retry-After passes', async () => {
    const clock = instantClock(T0);
    const tracker = binanceWeightTracker({ limit: 6000, clock });
    tracker.update({ 'retry-after': '300' }, 418);
    expect(tracker.snapshot().pausedUntil).toBe(T0 + 300_000);
    await tracker.acquire();
    expect(clock.sleeps).toEqual([300_000]);
  });

  it('waits the shortest ban (2 min) after a 418 without Retry-After', () => {
    const tracker = binanceWeightTracker({ limit: 6000, clock: instantClock(T0) });
    tracker.update({}, 418);
    expect(tracker.snapshot().pausedUntil).toBe(T0 + 120_000);
  });

  it('waits for the window to roll over after a 429 without Retry-After', () => {
    const tracker = binanceWeightTracker({ limit: 6000, clock: instantClock(T0) });
    tracker.update({}, 429);
    expect(tracker.snapshot().pausedUntil).toBe(Date.UTC(2026, 0, 5, 12, 1, 0));
  });

  it('ignores Retry-After on statuses other than 429 and 418', () => {
    const tracker = binanceWeightTracker({ limit: 6000, clock: instantClock(T0) });
    tracker.update({ 'retry-after': '30' }, 503);
    expect(tracker.snapshot().pausedUntil).toBeUndefined();
  });

  it('stops waiting when the signal aborts', async () => {
    const clock = manualClock(T0);
    const tracker = binanceWeightTracker({ limit: 6000, clock });
    tracker.update({ 'retry-after': '60' }, 429);
    const controller = new AbortController();
    controller.abort(new Error('shutdown'));
    await expect(tracker.acquire(1, { signal: controller.signal })).rejects.toThrow('shutdown');
  });

  it('rejects a negative weight with a RangeError naming it', async () => {
    const tracker = binanceWeightTracker({ limit: 6000, clock: instantClock(T0) });
    await expect(tracker.acquire(-1)).rejects.toThrow(
      new RangeError('acquire: weight: expected a number >= 0, got -1'),
    );
  });

  it('applies the limit to another interval when told to', async () => {
    const clock = instantClock(Date.UTC(2026, 0, 5, 12, 0, 4));
    const tracker = binanceWeightTracker({ limit: 10, interval: '10s', clock });
    tracker.update({ 'x-mbx-used-weight-10s': '9' });
    await tracker.acquire();
    expect(clock.sleeps).toEqual([6000]);
  });
});

describe('binanceWeightTracker: warnings', () => {
  it('logs one warn when usage crosses warnAt', async () => {
    const warnings: { obj: object; msg?: string }[] = [];
    const logger = { warn: (obj: object, msg?: string) => warnings.push({ obj, msg }) };
    const tracker = binanceWeightTracker({ limit: 100, clock: instantClock(T0), logger });
    tracker.update({ 'x-mbx-used-weight-1m': '79' });
    expect(warnings).toEqual([]);
    await tracker.acquire(1);
    await tracker.acquire(1);
    expect(warnings).toEqual([
      {
        obj: { usedWeight: 80, limit: 100, interval: '1m', warnAt: 0.8, ratio: 0.8 },
        msg: 'binance request weight above warnAt',
      },
    ]);
  });

  it('warns again in a later window', async () => {
    const warnings: unknown[] = [];
    const clock = instantClock(T0);
    const tracker = binanceWeightTracker({
      limit: 100,
      clock,
      logger: { warn: (obj) => warnings.push(obj) },
    });
    tracker.update({ 'x-mbx-used-weight-1m': '85' });
    clock.advance(60_000);
    tracker.update({ 'x-mbx-used-weight-1m': '81' });
    expect(warnings).toHaveLength(2);
  });
});

/** Every hold published while `run` runs. */
async function holdsDuring(run: () => Promise<unknown>): Promise<HoldEvent[]> {
  const events: HoldEvent[] = [];
  const stop = onHold((event) => events.push(event));
  try {
    await run();
  } finally {
    stop();
  }
  return events;
}

const hashOf = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 20);
const API_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';

describe('binanceWeightTracker: holds', () => {
  it('logs a hold up to warnAfterMs once at debug, with venue, hashed key, reason and waitMs', async () => {
    const log = captureLogger();
    const tracker = binanceWeightTracker({
      limit: 6000,
      clock: instantClock(T0),
      logger: log.logger,
      key: 'ip-1',
    });
    tracker.update({ 'retry-after': '1' }, 429);
    await tracker.acquire();
    expect(
      log.records().map(({ level, venue, source, key, reason, waitMs, msg }) => ({
        level,
        venue,
        source,
        key,
        reason,
        waitMs,
        msg,
      })),
    ).toEqual([
      {
        level: 20,
        venue: 'binance',
        source: 'binance-weight',
        key: hashOf('ip-1'),
        reason: 'cooldown',
        waitMs: 1000,
        msg: 'tenacious: binance cooldown hold, waiting 1000 ms',
      },
    ]);
  });

  it('logs a hold longer than warnAfterMs at warn: a 418 is a ban', async () => {
    const log = captureLogger();
    const tracker = binanceWeightTracker({
      limit: 6000,
      clock: instantClock(T0),
      logger: log.logger,
    });
    tracker.update({}, 418);
    await tracker.acquire();
    expect(log.records().map(({ level, reason, waitMs }) => ({ level, reason, waitMs }))).toEqual([
      { level: 40, reason: 'ban', waitMs: 120_000 },
    ]);
  });

  it('takes warnAfterMs as the threshold between debug and warn', async () => {
    const log = captureLogger();
    const tracker = binanceWeightTracker({
      limit: 6000,
      clock: instantClock(T0),
      logger: log.logger,
      warnAfterMs: 500,
    });
    tracker.update({ 'retry-after': '1' }, 429);
    await tracker.acquire();
    expect(log.records().map((r) => r.level)).toEqual([40]);
  });

  it('never writes the key itself to a log line or a hold event', async () => {
    const log = captureLogger();
    const tracker = binanceWeightTracker({
      limit: 6000,
      clock: instantClock(T0),
      logger: log.logger,
      key: API_KEY,
    });
    tracker.update({ 'retry-after': '5' }, 429);
    const events = await holdsDuring(() => tracker.acquire());
    expect(log.text()).not.toContain(API_KEY);
    expect(JSON.stringify(events)).not.toContain(API_KEY);
    expect(events[0]!.key).toBe(hashOf(API_KEY));
  });

  it('publishes each hold to onHold listeners, without a key when none was given', async () => {
    const tracker = binanceWeightTracker({ limit: 6000, clock: instantClock(T0) });
    tracker.update({ 'retry-after': '12' }, 429);
    const events = await holdsDuring(() => tracker.acquire());
    expect(events).toEqual([{ source: 'binance-weight', reason: 'cooldown', waitMs: 12_000 }]);
  });

  it('reports a hold once however many waits of the same reason it takes', async () => {
    const base = instantClock(T0);
    let extended = false;
    const clock: Clock = {
      now: () => base.now(),
      async sleep(ms, signal) {
        await base.sleep(ms, signal);
        // Another 429 while the first hold waits: the caller waits again, in the same hold.
        if (!extended) tracker.update({ 'retry-after': '5' }, 429);
        extended = true;
      },
    };
    const tracker = binanceWeightTracker({ limit: 6000, clock });
    tracker.update({ 'retry-after': '2' }, 429);
    const events = await holdsDuring(() => tracker.acquire());
    expect(base.sleeps).toEqual([2000, 5000]);
    expect(events).toEqual([{ source: 'binance-weight', reason: 'cooldown', waitMs: 2000 }]);
  });

  it('reports again when the hold changes reason: a cooldown, then a full window', async () => {
    const clock = instantClock(T0);
    const tracker = binanceWeightTracker({ limit: 100, clock });
    tracker.update({ 'retry-after': '10', 'x-mbx-used-weight-1m': '95' }, 429);
    const events = await holdsDuring(() => tracker.acquire());
    expect(clock.sleeps).toEqual([10_000, 20_000]);
    expect(events.map((e) => [e.reason, e.waitMs])).toEqual([
      ['cooldown', 10_000],
      ['window', 20_000],
    ]);
  });

  it('reports an order-limit hold as reason orders', async () => {
    const clock = instantClock(Date.UTC(2026, 0, 5, 12, 0, 4));
    const tracker = binanceWeightTracker({ limit: 6000, orderLimits: { '10s': 1 }, clock });
    await tracker.acquireOrder();
    const events = await holdsDuring(() => tracker.acquireOrder());
    expect(events).toEqual([{ source: 'binance-weight', reason: 'orders', waitMs: 6000 }]);
  });

  it('publishes nothing and logs nothing when acquire goes at once', async () => {
    const log = captureLogger();
    const tracker = binanceWeightTracker({
      limit: 6000,
      clock: instantClock(T0),
      logger: log.logger,
    });
    const events = await holdsDuring(() => tracker.acquire());
    expect([events, log.lines]).toEqual([[], []]);
  });

  it("keeps the caller's result when an onHold listener throws", async () => {
    const warnings = captureWarnings();
    const stop = onHold(() => {
      throw new Error('listener bug');
    });
    try {
      const tracker = binanceWeightTracker({ limit: 6000, clock: instantClock(T0) });
      tracker.update({ 'retry-after': '1' }, 429);
      await expect(tracker.acquire()).resolves.toBeUndefined();
    } finally {
      stop();
    }
    expect(warnings.map((w) => w.message)).toEqual([
      'tenacious: onHold listener failed: Error: listener bug',
    ]);
  });

  it("keeps the caller's result when the logger throws", async () => {
    const logger = {
      warn: () => {
        throw new Error('logger bug');
      },
    };
    const tracker = binanceWeightTracker({ limit: 6000, clock: instantClock(T0), logger });
    tracker.update({}, 418);
    await expect(tracker.acquire()).resolves.toBeUndefined();
  });
});

describe('binanceWeightTracker: bounded holds', () => {
  it('rejects at once with HoldTooLongError when the hold would end after maxWaitMs', async () => {
    const clock = instantClock(T0);
    const tracker = binanceWeightTracker({ limit: 6000, clock });
    tracker.update({}, 418);
    const error = await tracker.acquire(1, { maxWaitMs: 5000 }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(HoldTooLongError);
    expect(error).toMatchObject({
      name: 'HoldTooLongError',
      reason: 'ban',
      waitMs: 120_000,
      maxWaitMs: 5000,
      message:
        'binance weight tracker: a ban hold would wait 120000 ms, more than maxWaitMs (5000 ms)',
    });
    expect(clock.sleeps).toEqual([]);
  });

  it('waits a hold that ends within maxWaitMs', async () => {
    const clock = instantClock(T0);
    const tracker = binanceWeightTracker({ limit: 6000, clock });
    tracker.update({ 'retry-after': '5' }, 429);
    await tracker.acquire(1, { maxWaitMs: 5000 });
    expect(clock.sleeps).toEqual([5000]);
  });

  it('counts the waits already made against maxWaitMs', async () => {
    const clock = instantClock(T0);
    const tracker = binanceWeightTracker({ limit: 100, clock });
    tracker.update({ 'retry-after': '10', 'x-mbx-used-weight-1m': '95' }, 429);
    await expect(tracker.acquire(1, { maxWaitMs: 25_000 })).rejects.toMatchObject({
      name: 'HoldTooLongError',
      reason: 'window',
      waitMs: 30_000,
    });
    expect(clock.sleeps).toEqual([10_000]);
  });

  it('rejects a maxWaitMs that is not a number >= 0 with a RangeError naming it', async () => {
    const tracker = binanceWeightTracker({ limit: 6000, clock: instantClock(T0) });
    await expect(tracker.acquireOrder(1, { maxWaitMs: -5 })).rejects.toThrow(
      new RangeError('acquireOrder: maxWaitMs: expected a number >= 0 or Infinity, got -5'),
    );
  });

  it("ends a pending hold when the signal aborts during it, with the signal's reason", async () => {
    const tracker = binanceWeightTracker({ limit: 6000 });
    tracker.update({ 'retry-after': '60' }, 429);
    const controller = new AbortController();
    const stop = onHold(() => controller.abort(new Error('shutdown')));
    try {
      await expect(tracker.acquire(1, { signal: controller.signal })).rejects.toThrow('shutdown');
    } finally {
      stop();
    }
  });
});

describe('binanceWeightTracker: holds inside a run (acquire(weight, ctx))', () => {
  /** A run whose attempt takes weight with its own context, after a 429 with Retry-After: 10. */
  async function runAfter429(maxElapsedMs: number, options: { wrapFailures?: boolean } = {}) {
    const clock = instantClock(T0);
    const tracker = binanceWeightTracker({ limit: 6000, clock });
    tracker.update({ 'retry-after': '10' }, 429);
    let attempts = 0;
    const result = await retry(
      async (ctx) => {
        attempts++;
        await tracker.acquire(1, ctx);
        return 'sent';
      },
      { clock, maxElapsedMs, ...options },
    ).catch((err: unknown) => err);
    return { result, attempts, sleeps: clock.sleeps };
  }

  it('rejects at once with HoldTooLongError when a 10 s cooldown outlasts maxElapsedMs: 3000', async () => {
    const { result, attempts, sleeps } = await runAfter429(3000);
    expect(result).toBeInstanceOf(HoldTooLongError);
    expect(result).toMatchObject({ reason: 'cooldown', waitMs: 10_000, maxWaitMs: 3000 });
    expect([attempts, sleeps]).toEqual([1, []]);
  });

  it('ends the run with a fail verdict, reason hold-too-long', async () => {
    const { result } = await runAfter429(3000, { wrapFailures: true });
    expect(result).toBeInstanceOf(PermanentFailureError);
    expect(result).toMatchObject({ reason: 'hold-too-long', attempt: 1 });
    expect((result as Error).cause).toBeInstanceOf(HoldTooLongError);
  });

  it('waits the 10 s cooldown when maxElapsedMs: 20000 leaves room for it', async () => {
    const { result, attempts, sleeps } = await runAfter429(20_000);
    expect([result, attempts, sleeps]).toEqual(['sent', 1, [10_000]]);
  });

  it('bounds acquireOrder by the run too', async () => {
    const clock = instantClock(T0);
    const tracker = binanceWeightTracker({ limit: 6000, clock });
    tracker.update({}, 418);
    await expect(
      retry((ctx) => tracker.acquireOrder(1, ctx), { clock, maxElapsedMs: 60_000 }),
    ).rejects.toMatchObject({ name: 'HoldTooLongError', reason: 'ban', maxWaitMs: 60_000 });
  });

  it('takes the smaller of maxWaitMs and remainingMs', async () => {
    const clock = instantClock(T0);
    const tracker = binanceWeightTracker({ limit: 6000, clock });
    tracker.update({ 'retry-after': '10' }, 429);
    await expect(
      tracker.acquire(1, { maxWaitMs: 2000, remainingMs: 20_000 }),
    ).rejects.toMatchObject({ name: 'HoldTooLongError', maxWaitMs: 2000 });
    await expect(
      tracker.acquire(1, { maxWaitMs: 20_000, remainingMs: 2000 }),
    ).rejects.toMatchObject({ name: 'HoldTooLongError', maxWaitMs: 2000 });
  });

  it('refuses a remainingMs that is not a number >= 0 with a RangeError naming it', async () => {
    const tracker = binanceWeightTracker({ limit: 6000, clock: instantClock(T0) });
    await expect(tracker.acquire(1, { remainingMs: -1 })).rejects.toThrow(
      new RangeError('acquire: remainingMs: expected a number >= 0 or Infinity, got -1'),
    );
  });

  it('refuses options that are not an object with a TypeError naming them', async () => {
    const tracker = binanceWeightTracker({ limit: 6000, clock: instantClock(T0) });
    await expect(tracker.acquire(1, 5000 as never)).rejects.toThrow(
      new TypeError(
        'acquire: options: expected an options object or the attempt context, got 5000',
      ),
    );
  });
});
