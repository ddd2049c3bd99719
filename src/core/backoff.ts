import {
  backoffRule,
  checkOptions,
  checkValue,
  limitMsRule,
  numberRule,
  oneOfRule,
  type Rule,
} from './validate.js';
import type { Backoff, BackoffContext } from './types.js';

/**
 * Backoff strategies: small pure functions of `{ retry, previousDelayMs, random }`. Jitter and
 * caps wrap another backoff instead of being flags inside it, so they compose:
 * `cap(jitter(exponential()), 8000)`. Every constructor checks its arguments at once.
 */

const DELAY = numberRule(0);

/** Returns `value` when it satisfies `rule`, else throws the rule table's error naming it. */
function arg<V>(where: string, name: string, value: V, rule: Rule): V {
  const error = checkValue(`${where}: ${name}`, value, rule);
  if (error !== undefined) throw error;
  return value;
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
  const o = checkOptions('exponential', options, {
    initial: DELAY,
    factor: numberRule(1),
    max: limitMsRule,
  });
  const initial = o.initial ?? 1000;
  const factor = o.factor ?? 2;
  const max = o.max ?? Infinity;
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
  const delay = arg('constant', 'ms', ms, DELAY);
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
  const o = checkOptions('linear', options, { initial: DELAY, step: DELAY, max: limitMsRule });
  const initial = o.initial ?? 1000;
  const step = o.step ?? 1000;
  const max = o.max ?? Infinity;
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
  const delays = arg('sequence', 'delaysMs', delaysMs, {
    type: Array.isArray,
    range: (v: readonly unknown[]) => v.length > 0,
    rule: 'a non-empty array of delays in ms',
    each: DELAY,
  }).slice();
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
  const o = checkOptions('decorrelatedJitter', options, { initial: DELAY, max: limitMsRule });
  const initial = o.initial ?? 1000;
  const max = o.max ?? Infinity;
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
  const inner = arg('jitter', 'backoff', backoff, backoffRule);
  const o = checkOptions('jitter', options, JITTER_RULES);
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
      const ratio = o.ratio ?? 0.2;
      return (ctx) => inner(ctx) * (1 + ratio * (2 * ctx.random() - 1));
    }
    case 'additive': {
      const amount = arg('jitter', 'amount', o.amount, {
        ...DELAY,
        rule: `${DELAY.rule} (required with mode "additive")`,
      }) as number;
      return (ctx) => inner(ctx) + amount * ctx.random();
    }
  }
}

const JITTER_MODES: readonly JitterMode[] = ['full', 'equal', 'proportional', 'additive'];
const JITTER_RULES = {
  mode: oneOfRule(JITTER_MODES),
  ratio: numberRule(0, { max: 1 }),
  amount: DELAY,
};

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
  const inner = arg('cap', 'backoff', backoff, backoffRule);
  const limit = arg('cap', 'max', max, limitMsRule);
  return (ctx) => Math.min(limit, inner(ctx));
}
