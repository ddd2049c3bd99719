import type { Clock } from '../core/types.js';
import { realClock } from '../core/clock.js';
import { hub } from '../core/hub.js';
import {
  checkOptions,
  clockRule,
  describeValue,
  functionRule,
  numberRule,
  oneOfRule,
} from '../core/validate.js';
import {
  HttpStatusError,
  dnsError,
  refusedError,
  resetError,
  timeoutError,
} from './fault-errors.js';

/** Faults before the request is sent: `fn` is not called. */
export const FAULTS_BEFORE_SEND = ['refused', 'dns', '429', '418'] as const;
/** Faults after the request is sent: `fn` runs (the work happens), then the answer is lost. */
export const FAULTS_AFTER_SEND = [
  'reset-after-send',
  'timeout-after-send',
  '503-after-send',
] as const;

/** A fault `injectFaults` can inject. */
export type InjectedFault =
  (typeof FAULTS_BEFORE_SEND)[number] | (typeof FAULTS_AFTER_SEND)[number];

/** One call of a sequence plan: a fault, `'ok'`, or either with a Retry-After or latency. */
export type FaultStep =
  | InjectedFault
  | 'ok'
  | {
      readonly fault: InjectedFault | 'ok';
      /** The 429's or 418's Retry-After (default 1000; sent in whole seconds, rounded up). */
      readonly retryAfterMs?: number;
      /** Waited on the clock before this call. */
      readonly latencyMs?: number;
    };

/** A rates plan: each call meets each fault with its probability (their sum at most 1). */
export type FaultRates = { readonly [F in InjectedFault]?: number } & {
  /** Waited on the clock before every call. */
  readonly latencyMs?: number;
  /** The Retry-After of every 429 and 418 (default 1000). */
  readonly retryAfterMs?: number;
};

/** A sequence (one step per call, then `'ok'`) or rates. */
export type FaultPlan = readonly FaultStep[] | FaultRates;

export interface InjectFaultsOptions {
  /** Random source for a rates plan, in [0, 1) (default `Math.random`): seed it for reproducible runs. */
  random?: () => number;
  /** Where latency is waited (default: the process-wide default clock, real time unless `useInstantRetries`). */
  clock?: Clock;
}

/** What an injected function has met so far. */
export interface FaultCounters {
  /** Calls of the injected function. */
  readonly calls: number;
  /** Calls that met a fault (before or after sending). */
  readonly faults: number;
  /** Calls that reached `fn` (every call but those meeting a fault before sending). */
  readonly sent: number;
  /** What each call met, in order: a fault's name or `'ok'`. */
  readonly history: readonly (InjectedFault | 'ok')[];
}

/** `fn` with faults injected, and its counters. */
export type Injected<F extends (...args: any[]) => unknown> = ((
  this: ThisParameterType<F>,
  ...args: Parameters<F>
) => Promise<Awaited<ReturnType<F>>>) &
  FaultCounters;

const FAULT_NAMES: readonly string[] = [...FAULTS_BEFORE_SEND, ...FAULTS_AFTER_SEND];
const STEP_NAMES: readonly string[] = [...FAULT_NAMES, 'ok'];
const AFTER_SEND: ReadonlySet<string> = new Set(FAULTS_AFTER_SEND);
const msRule = numberRule(0);
const rateRule = numberRule(0, { max: 1 });
const stepRule = oneOfRule(STEP_NAMES);
const OPTION_RULES = {
  random: functionRule,
  clock: clockRule,
} as const;
const RATE_RULES = {
  ...Object.fromEntries(FAULT_NAMES.map((name) => [name, rateRule])),
  latencyMs: msRule,
  retryAfterMs: msRule,
};
const STEP_OBJECT_RULES = { fault: stepRule, retryAfterMs: msRule, latencyMs: msRule };

interface Step {
  readonly fault: InjectedFault | 'ok';
  readonly retryAfterMs: number;
  readonly latencyMs: number;
}

const DEFAULT_RETRY_AFTER_MS = 1000;

/** The plan as a function from call number to step; throws a TypeError/RangeError naming the bad part. */
function compilePlan(plan: unknown, random: () => number): (call: number) => Step {
  if (Array.isArray(plan)) {
    const steps: Step[] = plan.map((item: unknown, i) => {
      const name = `injectFaults: plan[${i}]`;
      if (typeof item === 'object' && item !== null) {
        const given = checkOptions(name, item, STEP_OBJECT_RULES) as Partial<Step>;
        if (given.fault === undefined)
          throw new TypeError(`${name}.fault: expected ${stepRule.rule}, got undefined`);
        return {
          fault: given.fault,
          retryAfterMs: given.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS,
          latencyMs: given.latencyMs ?? 0,
        };
      }
      checkOrThrow(name, item);
      return { fault: item as Step['fault'], retryAfterMs: DEFAULT_RETRY_AFTER_MS, latencyMs: 0 };
    });
    const ok: Step = { fault: 'ok', retryAfterMs: DEFAULT_RETRY_AFTER_MS, latencyMs: 0 };
    return (call) => steps[call] ?? ok;
  }
  if (typeof plan !== 'object' || plan === null) {
    throw new TypeError(
      `injectFaults: plan: expected an array of faults or an object of rates, got ${describeValue(plan)}`,
    );
  }
  const rates = checkOptions('injectFaults: plan', plan as FaultRates, RATE_RULES);
  const thresholds: [InjectedFault, number][] = [];
  let total = 0;
  for (const name of FAULT_NAMES as InjectedFault[]) {
    const rate = rates[name];
    if (rate === undefined || rate === 0) continue;
    total += rate;
    thresholds.push([name, total]);
  }
  // A small tolerance: 0.1 + 0.2 + 0.7 is 1.0000000000000002 in floating point.
  if (total > 1 + 1e-9)
    throw new RangeError(`injectFaults: plan: expected rates summing to at most 1, got ${total}`);
  const retryAfterMs = rates.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS;
  const latencyMs = rates.latencyMs ?? 0;
  return () => {
    const r = random();
    const hit = thresholds.find(([, upTo]) => r < upTo);
    return { fault: hit === undefined ? 'ok' : hit[0], retryAfterMs, latencyMs };
  };
}

function checkOrThrow(name: string, value: unknown): void {
  if (typeof value !== 'string')
    throw new TypeError(`${name}: expected ${stepRule.rule}, got ${describeValue(value)}`);
  if (!STEP_NAMES.includes(value))
    throw new RangeError(`${name}: expected ${stepRule.rule}, got ${describeValue(value)}`);
}

/** The error a fault throws. */
function faultError(step: Step): unknown {
  switch (step.fault) {
    case 'refused':
      return refusedError();
    case 'dns':
      return dnsError();
    case '429':
      return new HttpStatusError(429, step.retryAfterMs);
    case '418':
      return new HttpStatusError(418, step.retryAfterMs);
    case 'reset-after-send':
      return resetError();
    case 'timeout-after-send':
      return timeoutError();
    default:
      return new HttpStatusError(503, undefined);
  }
}

/**
 * Wraps `fn` so that its calls fail on a plan, with the errors real failures throw (shapes in
 * `fault-errors.ts`: Node's fetch for network faults, axios for error statuses), so classifiers,
 * `retry` and `reconcile` meet them as in production.
 *
 * - A sequence (`['reset-after-send', 'ok']`): call n meets step n, then every call is `'ok'`.
 *   A step may be an object: `{ fault: '429', retryAfterMs: 2000 }`, `{ fault: 'ok', latencyMs: 50 }`.
 * - Rates (`{ refused: 0.05, '503-after-send': 0.02, latencyMs: 200 }`): each call draws one
 *   `random()` and meets at most one fault; `latencyMs` is waited on `clock` before every call.
 * - Faults before sending (`refused`, `dns`, `429`, `418`) never call `fn`. Faults after sending
 *   (`reset-after-send`, `timeout-after-send`, `503-after-send`) call `fn`, wait for it, drop its
 *   result (or its error) and throw: the work happened and the answer was lost.
 * - `injected.calls`, `.faults`, `.sent` and `.history` count what happened.
 *
 * A bad plan throws a `TypeError` or `RangeError` naming the step or rate and the value.
 *
 * @example
 * ```ts
 * const clock = instantClock();
 * const place = injectFaults(placeOrder, ['reset-after-send', 'ok'], { clock });
 * await retry(() => place(order), { idempotent: false, reconcile: lookUp });
 * expect(place.sent).toBe(1); // the order went out once; reconcile found it
 * ```
 */
export function injectFaults<F extends (...args: any[]) => unknown>(
  fn: F,
  plan: FaultPlan,
  options?: InjectFaultsOptions,
): Injected<F> {
  if (typeof fn !== 'function')
    throw new TypeError(`injectFaults: fn: expected a function, got ${describeValue(fn)}`);
  const { random = Math.random, clock } = checkOptions('injectFaults', options, OPTION_RULES);
  const stepFor = compilePlan(plan, random);
  const history: (InjectedFault | 'ok')[] = [];
  let faults = 0;
  let sent = 0;

  async function injected(this: unknown, ...args: unknown[]): Promise<unknown> {
    const step = stepFor(history.length);
    history.push(step.fault);
    if (step.latencyMs > 0) await (clock ?? hub.defaultClock ?? realClock).sleep(step.latencyMs);
    if (step.fault === 'ok') {
      sent += 1;
      return await fn.apply(this, args);
    }
    faults += 1;
    if (AFTER_SEND.has(step.fault)) {
      sent += 1;
      // The work ran; its answer (or its own failure) never reaches the caller.
      await Promise.resolve(fn.apply(this, args)).catch(() => undefined);
    }
    throw faultError(step);
  }

  return Object.defineProperties(injected, {
    calls: { get: () => history.length, enumerable: true },
    faults: { get: () => faults, enumerable: true },
    sent: { get: () => sent, enumerable: true },
    history: { get: () => history.slice(), enumerable: true },
  }) as unknown as Injected<F>;
}

/**
 * A seeded random source in [0, 1) (mulberry32): the same seed gives the same sequence, for
 * reproducible fault rates and jitter.
 *
 * @example
 * ```ts
 * const place = injectFaults(placeOrder, { refused: 0.1 }, { random: seededRandom(42) });
 * ```
 */
export function seededRandom(seed: number): () => number {
  if (typeof seed !== 'number' || !Number.isInteger(seed))
    throw new TypeError(`seededRandom: seed: expected an integer, got ${describeValue(seed)}`);
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
