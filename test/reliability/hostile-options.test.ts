import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { telegramAlert, webhookAlert } from '../../src/alerts/index.js';
import { binanceWeightTracker } from '../../src/binance/index.js';
import {
  cap,
  circuitBreaker,
  constant,
  createRetry,
  decorrelatedJitter,
  defaultClassifier,
  exponential,
  jitter,
  linear,
  none,
  retry,
  retryBudget,
  sequence,
} from '../../src/index.js';
import { instantClock } from '../../src/testing/index.js';
import {
  isTrapError,
  revokedProxy,
  throwingGetters,
  throwingProxy,
  type Hostile,
} from './arbitraries.js';
import { captureWarnings } from '../helpers/warnings.js';

/**
 * Arbitrary option objects either validate or are refused with a TypeError or RangeError that
 * names the option, never with a crash deep inside. `retry` rejects (it never throws); every
 * factory throws at once.
 */

const fresh = <T>(make: () => T): fc.Arbitrary<T> => fc.constant(null).map(make);
const noop = () => undefined;
const stubLogger = { warn: noop, error: noop, debug: noop };

/** Plain data of any shape: what a config file or an environment parser could produce. */
const anyData = fc.anything({
  maxDepth: 2,
  withBigInt: true,
  withNullPrototype: true,
  withMap: true,
  withSet: true,
  withDate: true,
  withTypedArray: true,
  withSparseArray: true,
  withBoxedValues: true,
});

const oddNumbers = fc.constantFrom(NaN, Infinity, -Infinity, -0, -1, 0, 0.5, 2 ** 31, 1e308);

interface Target {
  /** The parameter the argument is, named in errors about a value that is not an object. */
  param: string;
  /** Calls the function under test; `retry` returns its promise. */
  call(arg: unknown): unknown;
  /** Valid values of each option, so that generated objects reach the later checks. */
  valid: Record<string, fc.Arbitrary<unknown>>;
  /** The argument is a value, not an options object (constant, cap, sequence). */
  positional?: fc.Arbitrary<unknown>;
  /** Options without a default: an error may name them although they are absent. */
  required?: string[];
}

const numberAtLeast = (min: number) => fc.double({ min, max: 1e6, noNaN: true });

const RETRY_OPTIONS: Record<string, fc.Arbitrary<unknown>> = {
  operation: fc.string({ minLength: 1 }),
  maxAttempts: fc.oneof(fc.integer({ min: 1, max: 10 }), fc.constant(Infinity)),
  backoff: fc.constant(none),
  classify: fc.constantFrom<unknown>(defaultClassifier, [defaultClassifier], [], () => undefined),
  idempotent: fc.boolean(),
  reconcile: fc.constant(async () => ({ executed: false as const })),
  maxElapsedMs: fc.oneof(numberAtLeast(0), fc.constant(Infinity)),
  attemptTimeoutMs: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  maxRetryAfterMs: fc.oneof(numberAtLeast(0), fc.constant(Infinity)),
  signal: fresh(() => new AbortController().signal),
  reraise: fc.boolean(),
  logger: fc.constant(stubLogger),
  onRetry: fc.constant(noop),
  onSuccess: fc.constant(noop),
  onExhausted: fc.constant(noop),
  breaker: fresh(() => circuitBreaker()),
  budget: fresh(() => retryBudget()),
  clock: fresh(() => instantClock()),
  random: fc.constant(() => 0.5),
  unref: fc.boolean(),
};

const ALERT_COMMON: Record<string, fc.Arbitrary<unknown>> = {
  fetch: fc.constant(async () => ({
    status: 200,
    headers: { get: () => null },
    text: async () => '',
  })),
  throttleMs: numberAtLeast(0),
  logger: fc.constant(stubLogger),
  clock: fresh(() => instantClock()),
  hostname: fc.string({ minLength: 1 }),
  attemptTimeoutMs: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
};

const BREAKER_COMMON: Record<string, fc.Arbitrary<unknown>> = {
  resetAfterMs: numberAtLeast(0),
  halfOpenMaxAttempts: fc.integer({ min: 1, max: 10 }),
  probeTimeoutMs: numberAtLeast(1),
  clock: fresh(() => instantClock()),
  name: fc.string({ minLength: 1 }),
  logger: fc.constant(stubLogger),
};

/** Listeners and trackers made here are stopped so that nothing outlives the property. */
function stopIfListener(value: unknown): void {
  if (typeof value === 'function' && typeof (value as { stop?: unknown }).stop === 'function') {
    (value as unknown as { stop(): void }).stop();
  }
}

const TARGETS: Record<string, Target> = {
  retry: {
    param: 'options',
    call: (arg) => retry(() => 'ok', arg as never),
    valid: RETRY_OPTIONS,
  },
  createRetry: { param: 'options', call: (arg) => createRetry(arg as never), valid: RETRY_OPTIONS },
  exponential: {
    param: 'options',
    call: (arg) => exponential(arg as never),
    valid: { initial: numberAtLeast(0), factor: numberAtLeast(1), max: numberAtLeast(0) },
  },
  linear: {
    param: 'options',
    call: (arg) => linear(arg as never),
    valid: { initial: numberAtLeast(0), step: numberAtLeast(0), max: numberAtLeast(0) },
  },
  decorrelatedJitter: {
    param: 'options',
    call: (arg) => decorrelatedJitter(arg as never),
    valid: { initial: numberAtLeast(0), max: numberAtLeast(0) },
  },
  'jitter(backoff, options)': {
    param: 'options',
    call: (arg) => jitter(none, arg as never),
    valid: {
      mode: fc.constantFrom('full', 'equal', 'proportional', 'additive'),
      ratio: fc.double({ min: 0, max: 1, noNaN: true }),
      amount: numberAtLeast(0),
    },
  },
  'jitter(backoff)': {
    param: 'backoff',
    call: (arg) => jitter(arg as never),
    valid: {},
    positional: fc.oneof(anyData, fc.constant(none)),
  },
  constant: {
    param: 'ms',
    call: (arg) => constant(arg as never),
    valid: {},
    positional: fc.oneof(anyData, oddNumbers, numberAtLeast(0)),
  },
  'cap(backoff, max)': {
    param: 'max',
    call: (arg) => cap(none, arg as never),
    valid: {},
    positional: fc.oneof(anyData, oddNumbers, numberAtLeast(0)),
  },
  'cap(backoff)': {
    param: 'backoff',
    call: (arg) => cap(arg as never, 1000),
    valid: {},
    positional: fc.oneof(anyData, fc.constant(none)),
  },
  sequence: {
    param: 'delaysMs',
    call: (arg) => sequence(arg as never),
    valid: {},
    positional: fc.oneof(anyData, fc.array(fc.oneof(numberAtLeast(0), oddNumbers, anyData))),
  },
  // One target per mode: mixing the modes' options is refused before any value is looked at.
  'circuitBreaker (consecutive mode)': {
    param: 'options',
    call: (arg) => circuitBreaker(arg as never),
    valid: {
      mode: fc.constant('consecutive'),
      failureThreshold: fc.integer({ min: 1, max: 100 }),
      ...BREAKER_COMMON,
    },
  },
  'circuitBreaker (rolling mode)': {
    param: 'options',
    call: (arg) => circuitBreaker(arg as never),
    valid: {
      mode: fc.constant('rolling'),
      failureRate: fc.double({ min: 0.01, max: 1, noNaN: true }),
      windowMs: numberAtLeast(1),
      minimumCalls: fc.integer({ min: 1, max: 100 }),
      ...BREAKER_COMMON,
    },
  },
  retryBudget: {
    param: 'options',
    call: (arg) => retryBudget(arg as never),
    valid: {
      ratio: numberAtLeast(0),
      minRetriesPerSecond: numberAtLeast(0),
      windowMs: numberAtLeast(1),
      clock: fresh(() => instantClock()),
      name: fc.string({ minLength: 1 }),
    },
  },
  telegramAlert: {
    param: 'options',
    call: (arg) => telegramAlert(arg as never),
    required: ['botToken', 'chatId'],
    valid: {
      botToken: fc.constant('123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw'),
      chatId: fc.oneof(fc.integer(), fc.constant('@channel')),
      apiBaseUrl: fc.constant('http://127.0.0.1:9'),
      ...ALERT_COMMON,
    },
  },
  webhookAlert: {
    param: 'options',
    call: (arg) => webhookAlert(arg as never),
    required: ['url', 'format'],
    valid: {
      url: fc.constant('https://hooks.example.com/services/T0/B0/secret'),
      format: fc.constantFrom('slack', 'discord', 'json'),
      headers: fc.constant({ authorization: 'Bearer abcdefgh12345678' }),
      ...ALERT_COMMON,
    },
  },
  binanceWeightTracker: {
    param: 'options',
    call: (arg) => binanceWeightTracker(arg as never),
    required: ['limit'],
    valid: {
      limit: fc.integer({ min: 1, max: 10_000 }),
      warnAt: fc.double({ min: 0.01, max: 1, noNaN: true }),
      pauseAt: fc.double({ min: 0.01, max: 1, noNaN: true }),
      interval: fc.constantFrom('1m', '10s', '1h', '1d'),
      clock: fresh(() => instantClock()),
      logger: fc.constant(stubLogger),
    },
  },
};

/** An options object: some known keys, each valid or not, and sometimes an unknown key. */
function optionObjects(target: Target): fc.Arbitrary<unknown> {
  const keys = Object.keys(target.valid);
  const entries = keys.map((key) => [
    key,
    fc.oneof({ weight: 3, arbitrary: target.valid[key]! }, oddNumbers, anyData),
  ]);
  return fc
    .tuple(
      fc.record(Object.fromEntries(entries) as Record<string, fc.Arbitrary<unknown>>, {
        requiredKeys: [],
      }),
      fc.option(fc.tuple(fc.string(), anyData), { freq: 4 }),
    )
    .map(([known, extra]) => (extra === null ? known : { ...known, [extra[0]]: extra[1] }));
}

/** Calls the target; resolves with its outcome, and fails if `retry` throws instead of rejecting. */
async function outcomeOf(
  name: string,
  arg: unknown,
): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> {
  let returned: unknown;
  try {
    returned = TARGETS[name]!.call(arg);
  } catch (error) {
    expect(name, 'retry must reject, not throw').not.toBe('retry');
    return { ok: false, error };
  }
  if (name === 'retry') {
    expect(returned).toBeInstanceOf(Promise);
    return (returned as Promise<unknown>).then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
  }
  stopIfListener(returned);
  return { ok: true, value: returned };
}

/** The words an error about `arg` may name: its own keys, or the parameter itself. */
function namesOf(target: Target, arg: unknown): string[] {
  const names = [target.param, ...(target.required ?? [])];
  if (typeof arg === 'object' && arg !== null) {
    // A key is named as is, or quoted (`unknown option ""`).
    for (const key of Object.keys(arg)) names.push(key, JSON.stringify(key));
  }
  return names;
}

function expectNamedError(target: Target, arg: unknown, error: unknown): void {
  const isNamedClass = error instanceof TypeError || error instanceof RangeError;
  expect(isNamedClass, `expected a TypeError or RangeError, got ${String(error)}`).toBe(true);
  const message = (error as Error).message;
  const names = namesOf(target, arg).filter((n) => n !== '');
  expect(
    names.some((name) => message.includes(name)),
    `the message ${JSON.stringify(message)} names none of ${JSON.stringify(names)}`,
  ).toBe(true);
}

describe('arbitrary options', () => {
  it.each(Object.keys(TARGETS))(
    'either validate or are refused with a named error: %s',
    async (name) => {
      const target = TARGETS[name]!;
      const args = target.positional ?? fc.oneof(anyData, optionObjects(target));
      await fc.assert(
        fc.asyncProperty(args, async (arg) => {
          const outcome = await outcomeOf(name, arg);
          if (outcome.ok) {
            if (name === 'retry') expect(outcome.value).toBe('ok');
            else expect(['function', 'object']).toContain(typeof outcome.value);
          } else {
            expectNamedError(target, arg, outcome.error);
          }
        }),
        { numRuns: 200 },
      );
    },
  );

  it.each(Object.keys(TARGETS).filter((name) => TARGETS[name]!.positional === undefined))(
    'accept every combination of valid options: %s',
    async (name) => {
      const target = TARGETS[name]!;
      const valid = fc.record(target.valid, { requiredKeys: target.required ?? [] }).filter(
        // Documented cross-field rules: warnAt <= pauseAt; mode 'additive' needs an amount.
        (o: Record<string, unknown>) =>
          !(
            name === 'binanceWeightTracker' && Number(o.warnAt ?? 0.8) > Number(o.pauseAt ?? 0.9)
          ) &&
          !(name === 'jitter(backoff, options)' && o.mode === 'additive' && o.amount === undefined),
      );
      await fc.assert(
        fc.asyncProperty(valid, async (arg) => {
          const outcome = await outcomeOf(name, arg);
          expect(outcome).toMatchObject({ ok: true });
        }),
        { numRuns: 100 },
      );
    },
  );
});

/**
 * Exotic option objects: proxies whose traps throw, revoked proxies, getters that throw, and
 * valid-looking values (a clock, a logger, a signal) that are such objects. The caller's own
 * exception may surface unchanged (it is theirs), or a named TypeError/RangeError; nothing else.
 */
function exoticOptions(target: Target): fc.Arbitrary<Hostile> {
  const keys = Object.keys(target.valid);
  const exoticValue = fc.constantFrom<Hostile>(
    { label: 'a Proxy whose traps throw', make: () => throwingProxy() },
    { label: 'a revoked Proxy', make: () => revokedProxy() },
    { label: 'a function Proxy whose traps throw', make: () => throwingProxy(() => {}) },
    {
      label: 'an object whose methods are throwing getters',
      make: () =>
        throwingGetters({}, [
          'now',
          'sleep',
          'warn',
          'error',
          'debug',
          'acquire',
          'record',
          'counter',
          'aborted',
          'addEventListener',
        ]),
    },
  );
  const whole = fc.constantFrom<Hostile>(
    { label: 'options: a Proxy whose traps throw', make: () => throwingProxy() },
    { label: 'options: a revoked Proxy', make: () => revokedProxy() },
  );
  if (keys.length === 0) return fc.oneof(whole, exoticValue);
  const getters = fc.subarray(keys, { minLength: 1 }).map((ks): Hostile => ({
    label: `getters for ${ks.join(', ')} throw`,
    make: () => throwingGetters({}, ks),
  }));
  const oneValue = fc.tuple(fc.constantFrom(...keys), exoticValue).map(([key, value]): Hostile => ({
    label: `${key}: ${value.label}`,
    make: () => ({ [key]: value.make() }),
  }));
  return fc.oneof(whole, getters, oneValue);
}

describe('exotic options', () => {
  it.each(Object.keys(TARGETS))(
    'are refused with a named error or the caller’s own exception, never a crash inside: %s',
    async (name) => {
      const target = TARGETS[name]!;
      // A hook that is a throwing Proxy is accepted, and its failure reported as a warning.
      const warnings = captureWarnings();
      await fc.assert(
        fc.asyncProperty(exoticOptions(target), async (recipe) => {
          const arg = recipe.make();
          const outcome = await outcomeOf(name, arg);
          if (outcome.ok) return;
          const { error } = outcome;
          if (isTrapError(error)) return;
          if (error instanceof TypeError && /revoked/.test(error.message)) return;
          // Any option of the target may be the one named.
          expectNamedError(target, target.valid, error);
        }),
        { numRuns: 80 },
      );
      for (const warning of warnings) {
        expect(warning.message).toMatch(/^tenacious: \w+ (hook|listener) failed: .*trap: /);
      }
    },
  );
});
