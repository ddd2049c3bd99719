import { describeValue } from './classify.js';
import type { Backoff, BackoffContext } from './types.js';

/**
 * Backoff strategies: small pure functions of `{ retry, previousDelayMs, random }`. Jitter and
 * caps wrap another backoff instead of being flags inside it, so they compose:
 * `cap(jitter(exponential()), 8000)`. Every constructor checks its arguments at once.
 */

function checkNumber(
  where: string,
  name: string,
  value: unknown,
  rule: { min: number; allowInfinity?: boolean; integer?: boolean; max?: number },
): number {
  const ok =
    typeof value === 'number' &&
    !Number.isNaN(value) &&
    value >= rule.min &&
    (rule.max === undefined || value <= rule.max) &&
    (rule.allowInfinity === true || Number.isFinite(value)) &&
    (rule.integer !== true || Number.isInteger(value) || value === Infinity);
  if (!ok) {
    const kind = rule.integer === true ? 'an integer' : 'a number';
    const range = rule.max === undefined ? `>= ${rule.min}` : `in [${rule.min}, ${rule.max}]`;
    const message = `${where}: \`${name}\` expected ${kind} ${range}${rule.allowInfinity === true ? ' or Infinity' : ''}, got ${describeValue(value)}`;
    throw typeof value === 'number' ? new RangeError(message) : new TypeError(message);
  }
  return value;
}

function checkBackoff(where: string, value: unknown): Backoff {
  if (typeof value !== 'function') {
    throw new TypeError(
      `${where}: \`backoff\` expected a Backoff function, got ${describeValue(value)}`,
    );
  }
  return value as Backoff;
}

function checkObject(where: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(`${where}: expected an options object, got ${describeValue(value)}`);
  }
  return value as Record<string, unknown>;
}

/**
 * `min(max, initial * factor^(retry-1))`.
 *
 * @example
 * ```ts
 * const b = exponential({ initial: 100, factor: 2, max: 1000 });
 * // waits 100, 200, 400, 800, 1000, 1000, …
 * ```
 */
export function exponential(options?: {
  initial?: number;
  factor?: number;
  max?: number;
}): Backoff {
  const o = checkObject('exponential', options);
  const initial = checkNumber('exponential', 'initial', o.initial ?? 1000, { min: 0 });
  const factor = checkNumber('exponential', 'factor', o.factor ?? 2, { min: 1 });
  const max = checkNumber('exponential', 'max', o.max ?? Infinity, { min: 0, allowInfinity: true });
  // initial 0 would give 0 * Infinity = NaN once factor^n overflows.
  if (initial === 0) return () => 0;
  return ({ retry }) => Math.min(max, initial * factor ** (retry - 1));
}

/**
 * The same delay before every retry.
 *
 * @example
 * ```ts
 * await retry(fn, { backoff: constant(250) });
 * ```
 */
export function constant(ms: number): Backoff {
  const delay = checkNumber('constant', 'ms', ms, { min: 0 });
  return () => delay;
}

/**
 * `min(max, initial + step * (retry-1))`.
 *
 * @example
 * ```ts
 * const b = linear({ initial: 100, step: 100, max: 500 }); // 100, 200, 300, 400, 500, 500, …
 * ```
 */
export function linear(options?: { initial?: number; step?: number; max?: number }): Backoff {
  const o = checkObject('linear', options);
  const initial = checkNumber('linear', 'initial', o.initial ?? 1000, { min: 0 });
  const step = checkNumber('linear', 'step', o.step ?? 1000, { min: 0 });
  const max = checkNumber('linear', 'max', o.max ?? Infinity, { min: 0, allowInfinity: true });
  return ({ retry }) => Math.min(max, initial + step * (retry - 1));
}

/**
 * Delays taken from a list in order; the last one repeats.
 *
 * @example
 * ```ts
 * const b = sequence([100, 500, 2000]); // 100, 500, 2000, 2000, …
 * ```
 */
export function sequence(delaysMs: readonly number[]): Backoff {
  if (!Array.isArray(delaysMs) || delaysMs.length === 0) {
    throw new TypeError(
      `sequence: \`delaysMs\` expected a non-empty array of numbers, got ${describeValue(delaysMs)}`,
    );
  }
  const delays = delaysMs.map((d, i) => checkNumber('sequence', `delaysMs[${i}]`, d, { min: 0 }));
  const last = delays.length - 1;
  return ({ retry }) => delays[retry - 1 < last ? retry - 1 : last]!;
}

/**
 * No delay at all: retries follow each other at once.
 *
 * @example
 * ```ts
 * await retry(fn, { backoff: none, maxAttempts: 3 });
 * ```
 */
export const none: Backoff = () => 0;

/**
 * AWS's "decorrelated jitter": `min(max, uniform(initial, 3 * previous))`, with `previous`
 * starting at `initial` and then the delay actually slept before the previous attempt.
 *
 * @example
 * ```ts
 * await retry(fn, { backoff: decorrelatedJitter({ initial: 100, max: 10_000 }) });
 * ```
 */
export function decorrelatedJitter(options?: { initial?: number; max?: number }): Backoff {
  const o = checkObject('decorrelatedJitter', options);
  const initial = checkNumber('decorrelatedJitter', 'initial', o.initial ?? 1000, { min: 0 });
  const max = checkNumber('decorrelatedJitter', 'max', o.max ?? Infinity, {
    min: 0,
    allowInfinity: true,
  });
  return ({ retry, previousDelayMs, random }: BackoffContext) => {
    const previous = retry <= 1 ? initial : previousDelayMs;
    const high = Math.max(initial, 3 * previous);
    return Math.min(max, initial + random() * (high - initial));
  };
}

/** How {@link jitter} spreads a delay `d`. */
export type JitterMode = 'full' | 'equal' | 'proportional' | 'additive';

/**
 * Randomises another backoff's delay `d`:
 * - `full`: uniform(0, d) (the default; AWS's recommendation),
 * - `equal`: d/2 + uniform(0, d/2),
 * - `proportional`: d * (1 + ratio * uniform(-1, 1)), `ratio` default 0.2,
 * - `additive`: d + uniform(0, amount) (tenacity's `wait_random` added to a wait).
 *
 * @example
 * ```ts
 * const b = jitter(exponential({ initial: 500 }), { mode: 'proportional', ratio: 0.2 });
 * ```
 */
export function jitter(
  backoff: Backoff,
  options?: { mode?: JitterMode; ratio?: number; amount?: number },
): Backoff {
  const inner = checkBackoff('jitter', backoff);
  const o = checkObject('jitter', options);
  const mode = o.mode ?? 'full';
  switch (mode) {
    case 'full':
      return (ctx) => inner(ctx) * ctx.random();
    case 'equal':
      return (ctx) => {
        const d = inner(ctx);
        return d / 2 + (d / 2) * ctx.random();
      };
    case 'proportional': {
      const ratio = checkNumber('jitter', 'ratio', o.ratio ?? 0.2, { min: 0, max: 1 });
      return (ctx) => inner(ctx) * (1 + ratio * (2 * ctx.random() - 1));
    }
    case 'additive': {
      if (o.amount === undefined) {
        throw new TypeError("jitter: `amount` is required with mode 'additive', got undefined");
      }
      const amount = checkNumber('jitter', 'amount', o.amount, { min: 0 });
      return (ctx) => inner(ctx) + amount * ctx.random();
    }
    default:
      throw new RangeError(
        `jitter: \`mode\` expected 'full', 'equal', 'proportional' or 'additive', got ${describeValue(mode)}`,
      );
  }
}

/**
 * Never lets another backoff's delay exceed `max`.
 *
 * @example
 * ```ts
 * // tenacity's wait_exponential_jitter(initial=1, max=8, jitter=2):
 * const b = cap(jitter(exponential({ initial: 1000 }), { mode: 'additive', amount: 2000 }), 8000);
 * ```
 */
export function cap(backoff: Backoff, max: number): Backoff {
  const inner = checkBackoff('cap', backoff);
  const limit = checkNumber('cap', 'max', max, { min: 0, allowInfinity: true });
  return (ctx) => Math.min(limit, inner(ctx));
}
