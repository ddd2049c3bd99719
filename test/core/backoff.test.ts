import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  cap,
  constant,
  decorrelatedJitter,
  exponential,
  jitter,
  linear,
  none,
  sequence,
  type Backoff,
  type JitterMode,
} from '../../src/index.js';

/** Delays for retries 1..n, feeding back the previous delay as the engine does. */
function schedule(backoff: Backoff, n: number, random: () => number): number[] {
  const out: number[] = [];
  let previousDelayMs = 0;
  for (let retry = 1; retry <= n; retry++) {
    previousDelayMs = backoff({ retry, previousDelayMs, random });
    out.push(previousDelayMs);
  }
  return out;
}

/** A deterministic random source in [0, 1) from a seed (mulberry32). */
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

const ms = fc.double({ min: 0, max: 1e7, noNaN: true });
const factor = fc.double({ min: 1, max: 10, noNaN: true });
const retries = fc.integer({ min: 1, max: 60 });
const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const mode = fc.constantFrom<JitterMode>('full', 'equal', 'proportional', 'additive');

/** Any backoff the library can build, as data so fast-check can shrink it. */
const anyBackoff = fc.oneof(
  fc
    .record({ initial: ms, factor, max: fc.oneof(ms, fc.constant(Infinity)) })
    .map((o) => exponential(o)),
  ms.map((d) => constant(d)),
  fc
    .record({ initial: ms, step: ms, max: fc.oneof(ms, fc.constant(Infinity)) })
    .map((o) => linear(o)),
  fc.array(ms, { minLength: 1, maxLength: 8 }).map((list) => sequence(list)),
  fc
    .record({ initial: ms, max: fc.oneof(ms, fc.constant(Infinity)) })
    .map((o) => decorrelatedJitter(o)),
  fc.constant(none),
);

const valid = (d: number) => typeof d === 'number' && !Number.isNaN(d) && d >= 0;

describe('exponential', () => {
  it('doubles from initial and stops at max', () => {
    expect(schedule(exponential({ initial: 100, factor: 2, max: 1000 }), 6, Math.random)).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it('defaults to 1 s doubling without a cap', () => {
    expect(schedule(exponential(), 4, Math.random)).toEqual([1000, 2000, 4000, 8000]);
  });

  test.prop([fc.record({ initial: ms, factor, max: ms }), retries])(
    'never exceeds max',
    (o, retry) => {
      expect(
        exponential(o)({ retry, previousDelayMs: 0, random: Math.random }),
      ).toBeLessThanOrEqual(o.max);
    },
  );

  test.prop([fc.record({ initial: ms, factor, max: fc.oneof(ms, fc.constant(Infinity)) })])(
    'is monotonic non-decreasing',
    (o) => {
      const s = schedule(exponential(o), 40, Math.random);
      s.slice(1).forEach((d, i) => expect(d).toBeGreaterThanOrEqual(s[i]!));
    },
  );
});

describe('constant, linear, sequence, none', () => {
  it('repeats a constant delay', () => {
    expect(schedule(constant(250), 3, Math.random)).toEqual([250, 250, 250]);
  });

  it('adds step per retry up to max', () => {
    expect(schedule(linear({ initial: 100, step: 50, max: 220 }), 4, Math.random)).toEqual([
      100, 150, 200, 220,
    ]);
  });

  it('takes delays from the list and repeats the last', () => {
    expect(schedule(sequence([5, 10, 20]), 5, Math.random)).toEqual([5, 10, 20, 20, 20]);
  });

  it('waits nothing with none', () => {
    expect(schedule(none, 3, Math.random)).toEqual([0, 0, 0]);
  });

  test.prop([fc.record({ initial: ms, step: ms, max: fc.oneof(ms, fc.constant(Infinity)) })])(
    'linear is monotonic and bounded by max',
    (o) => {
      const s = schedule(linear(o), 30, Math.random);
      s.forEach((d, i) => {
        expect(d).toBeLessThanOrEqual(o.max);
        if (i > 0) expect(d).toBeGreaterThanOrEqual(s[i - 1]!);
      });
    },
  );

  test.prop([fc.array(ms, { minLength: 1, maxLength: 10 }), retries])(
    'sequence only returns listed delays',
    (list, retry) => {
      expect(list).toContain(sequence(list)({ retry, previousDelayMs: 0, random: Math.random }));
    },
  );
});

describe('decorrelatedJitter', () => {
  it('draws the first delay from [initial, 3 * initial]', () => {
    const b = decorrelatedJitter({ initial: 100 });
    expect(b({ retry: 1, previousDelayMs: 0, random: () => 0 })).toBe(100);
    expect(b({ retry: 1, previousDelayMs: 0, random: () => 0.5 })).toBe(200);
  });

  it('draws later delays from [initial, 3 * previous]', () => {
    const b = decorrelatedJitter({ initial: 100, max: 10_000 });
    expect(b({ retry: 2, previousDelayMs: 1000, random: () => 0.5 })).toBe(1550);
  });

  test.prop([fc.record({ initial: ms, max: ms }), fc.integer({ min: 0 })])(
    'stays within [min(initial, max), max]',
    (o, seed) => {
      schedule(decorrelatedJitter(o), 30, seeded(seed)).forEach((d) => {
        expect(d).toBeLessThanOrEqual(o.max);
        expect(d).toBeGreaterThanOrEqual(Math.min(o.initial, o.max));
      });
    },
  );
});

describe('jitter', () => {
  const base = constant(1000);
  it.each([
    ['full', 0, 0],
    ['full', 0.5, 500],
    ['equal', 0, 500],
    ['equal', 0.5, 750],
    ['proportional', 0, 800],
    ['proportional', 0.5, 1000],
    ['additive', 0.5, 1100],
  ] as const)('%s jitter with random %d gives %d', (m, r, expected) => {
    const b = jitter(base, { mode: m, ratio: 0.2, amount: 200 });
    expect(b({ retry: 1, previousDelayMs: 0, random: () => r })).toBeCloseTo(expected, 9);
  });

  test.prop([ms, mode, unit, fc.double({ min: 0, max: 1, noNaN: true }), ms])(
    'stays within the bounds of its mode',
    (d, m, r, ratio, amount) => {
      const out = jitter(constant(d), { mode: m, ratio, amount })({
        retry: 1,
        previousDelayMs: 0,
        random: () => r,
      });
      const [low, high] = {
        full: [0, d],
        equal: [d / 2, d],
        proportional: [d * (1 - ratio), d * (1 + ratio)],
        additive: [d, d + amount],
      }[m];
      expect(out).toBeGreaterThanOrEqual(low! - 1e-6);
      expect(out).toBeLessThanOrEqual(high! + 1e-6);
    },
  );
});

describe('cap', () => {
  it('implements tenacity wait_exponential_jitter(initial=1, max=8, jitter=2)', () => {
    const b = cap(jitter(exponential({ initial: 1000 }), { mode: 'additive', amount: 2000 }), 8000);
    expect(schedule(b, 5, () => 0.5)).toEqual([2000, 3000, 5000, 8000, 8000]);
  });

  test.prop([anyBackoff, ms, mode, fc.integer({ min: 0 })])(
    'a capped backoff never exceeds its cap',
    (b, max, m, seed) => {
      schedule(cap(jitter(b, { mode: m, amount: 500 }), max), 20, seeded(seed)).forEach((d) =>
        expect(d).toBeLessThanOrEqual(max),
      );
    },
  );
});

describe('every strategy and combinator', () => {
  test.prop([anyBackoff, mode, fc.integer({ min: 0 })])(
    'gives no NaN or negative delay',
    (b, m, seed) => {
      const random = seeded(seed);
      [b, jitter(b, { mode: m, amount: 100 }), cap(b, 5000)].forEach((strategy) =>
        schedule(strategy, 50, random).forEach((d) => expect(valid(d)).toBe(true)),
      );
    },
  );

  test.prop([anyBackoff, mode, fc.integer({ min: 0 })])(
    'gives identical output for an identical random source',
    (b, m, seed) => {
      const strategy = cap(jitter(b, { mode: m, amount: 100 }), 60_000);
      expect(schedule(strategy, 20, seeded(seed))).toEqual(schedule(strategy, 20, seeded(seed)));
    },
  );
});

describe('argument validation', () => {
  it.each([
    [
      () => exponential({ initial: -1 }),
      RangeError,
      'exponential: initial: expected a number >= 0, got -1',
    ],
    [
      () => exponential({ factor: 0.5 }),
      RangeError,
      'exponential: factor: expected a number >= 1, got 0.5',
    ],
    [
      () => exponential({ max: NaN }),
      RangeError,
      'exponential: max: expected a number >= 0 or Infinity, got NaN',
    ],
    [
      () => exponential({ intial: 5 } as never),
      TypeError,
      'exponential: unknown option "intial" (did you mean "initial"?)',
    ],
    [() => constant(-5), RangeError, 'constant: ms: expected a number >= 0, got -5'],
    [() => constant('5' as never), TypeError, 'constant: ms: expected a number >= 0, got "5"'],
    [() => linear({ step: -1 }), RangeError, 'linear: step: expected a number >= 0, got -1'],
    [
      () => sequence([]),
      RangeError,
      'sequence: delaysMs: expected a non-empty array of delays in ms, got an array of 0',
    ],
    [
      () => sequence(5 as never),
      TypeError,
      'sequence: delaysMs: expected a non-empty array of delays in ms, got 5',
    ],
    [() => sequence([1, -2]), RangeError, 'sequence: delaysMs[1]: expected a number >= 0, got -2'],
    [
      () => decorrelatedJitter({ initial: Infinity }),
      RangeError,
      'decorrelatedJitter: initial: expected a number >= 0',
    ],
    [() => jitter(42 as never), TypeError, 'jitter: backoff: expected a Backoff function, got 42'],
    [
      () => jitter(none, { mode: 'wild' as never }),
      RangeError,
      'jitter: mode: expected one of "full", "equal", "proportional", "additive", got "wild"',
    ],
    [
      () => jitter(none, { mode: 'proportional', ratio: 2 }),
      RangeError,
      'jitter: ratio: expected a number >= 0 and <= 1, got 2',
    ],
    [
      () => jitter(none, { mode: 'additive' }),
      TypeError,
      'jitter: amount: expected a number >= 0 (required with mode "additive"), got undefined',
    ],
    [() => cap(none, -1), RangeError, 'cap: max: expected a number >= 0 or Infinity, got -1'],
  ])('%# throws a named error at once', (build, ErrorClass, message) => {
    expect(build).toThrow(ErrorClass);
    expect(build).toThrow(message);
  });
});
