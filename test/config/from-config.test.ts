import { fc, test as prop } from '../helpers/property.js';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { retry } from '../../src/index.js';
import {
  ConfigError,
  optionsFromConfig,
  optionsFromConfigMap,
  retryConfigSchema,
  type RetryConfig,
} from '../../src/config/index.js';
import { instantClock } from '../../src/testing/index.js';

/** The ConfigError thrown by `fn`, or a failed test. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const delays = (config: RetryConfig, retries: number, random = () => 0.5) => {
  const backoff = optionsFromConfig(config).backoff!;
  let previousDelayMs = 0;
  return Array.from(
    { length: retries },
    (_, i) => (previousDelayMs = backoff({ retry: i + 1, previousDelayMs, random })),
  );
};

describe('optionsFromConfig', () => {
  it('returns nothing for an empty policy', () => {
    expect(optionsFromConfig({})).toEqual({});
  });

  it('reads every serialisable option', () => {
    const options = optionsFromConfig({
      operation: 'place_order',
      maxAttempts: 3,
      maxElapsedMs: 10_000,
      attemptTimeoutMs: 2000,
      maxRetryAfterMs: 5000,
      idempotent: false,
    });
    expect(options).toEqual({
      operation: 'place_order',
      maxAttempts: 3,
      maxElapsedMs: 10_000,
      attemptTimeoutMs: 2000,
      maxRetryAfterMs: 5000,
      idempotent: false,
    });
  });

  it('reads "Infinity" (JSON) and Infinity (YAML .inf) as unbounded', () => {
    expect(optionsFromConfig({ maxAttempts: 'Infinity', maxElapsedMs: Infinity })).toEqual({
      maxAttempts: Infinity,
      maxElapsedMs: Infinity,
    });
  });

  it('builds an exponential backoff with its defaults', () => {
    expect(delays({ backoff: { kind: 'exponential' } }, 4)).toEqual([1000, 2000, 4000, 8000]);
  });

  it('builds an exponential backoff from its arguments', () => {
    expect(
      delays({ backoff: { kind: 'exponential', initial: 100, factor: 3, max: 1000 } }, 4),
    ).toEqual([100, 300, 900, 1000]);
  });

  it('builds constant, linear and sequence backoffs', () => {
    expect(delays({ backoff: { kind: 'constant', ms: 250 } }, 3)).toEqual([250, 250, 250]);
    expect(delays({ backoff: { kind: 'linear', initial: 100, step: 50, max: 180 } }, 3)).toEqual([
      100, 150, 180,
    ]);
    expect(delays({ backoff: { kind: 'sequence', delaysMs: [10, 20] } }, 3)).toEqual([10, 20, 20]);
  });

  it('builds a decorrelated jitter backoff fed the previous delay', () => {
    // uniform(initial, 3 * previous) at random 0.5: 100 → 200 → 350
    expect(delays({ backoff: { kind: 'decorrelated', initial: 100, max: 10_000 } }, 3)).toEqual([
      200, 350, 575,
    ]);
  });

  it('wraps the base in jitter, then in the cap', () => {
    const config: RetryConfig = {
      backoff: {
        kind: 'exponential',
        initial: 1000,
        jitter: { mode: 'additive', amount: 2000 },
        cap: 8000,
      },
    };
    // tenacity's wait_exponential_jitter(initial=1, max=8, jitter=2) at random 0.5
    expect(delays(config, 4)).toEqual([2000, 3000, 5000, 8000]);
  });

  it('applies each jitter mode', () => {
    const at = (jitter: NonNullable<RetryConfig['backoff']>['jitter']) =>
      delays({ backoff: { kind: 'constant', ms: 1000, jitter } }, 1, () => 0.25)[0];
    expect(at({ mode: 'none' })).toBe(1000);
    expect(at({ mode: 'full' })).toBe(250);
    expect(at({ mode: 'equal' })).toBe(625);
    expect(at({ mode: 'proportional' })).toBe(900);
    expect(at({ mode: 'proportional', ratio: 0.5 })).toBe(750);
  });

  it('gives options that retry() runs with', async () => {
    const clock = instantClock();
    let calls = 0;
    const options = optionsFromConfig({
      maxAttempts: 3,
      backoff: { kind: 'sequence', delaysMs: [5, 7] },
    });
    await expect(
      retry(
        () => {
          calls++;
          throw new Error('down');
        },
        { ...options, clock },
      ),
    ).rejects.toThrow('gave up after 3 attempts');
    expect(calls).toBe(3);
    expect(clock.sleeps).toEqual([5, 7]);
  });

  it('names the path, the rule and the value of a bad setting', () => {
    const error = configError(() =>
      optionsFromConfig(
        { backoff: { kind: 'exponential', initial: -5 } },
        { path: 'venues.binance' },
      ),
    );
    expect(error.issues).toEqual([
      {
        path: 'venues.binance.backoff.initial',
        value: -5,
        message: 'expected a number >= 0, got -5',
      },
    ]);
    expect(error.message).toBe(
      'invalid retry configuration: venues.binance.backoff.initial: expected a number >= 0, got -5',
    );
  });

  it('lists every bad path at once', () => {
    const error = configError(() =>
      optionsFromConfig({
        maxAttempts: 0,
        idempotent: 'no',
        attemptTimeoutMs: 0,
        backoff: { kind: 'sequence', delaysMs: [10, -1] },
      }),
    );
    expect(error.issues.map((i) => i.message)).toEqual([
      'expected an integer >= 1 or Infinity, got 0',
      'expected a number >= 0, got -1',
      'expected a number > 0 and <= 2147483647, got 0',
      'expected a boolean, got "no"',
    ]);
    expect(error.issues.map((i) => i.path)).toEqual([
      'maxAttempts',
      'backoff.delaysMs[1]',
      'attemptTimeoutMs',
      'idempotent',
    ]);
  });

  it('rejects a misspelt key by its path, listing the known ones', () => {
    const error = configError(() => optionsFromConfig({ maxAttemps: 3 }));
    expect(error.issues).toEqual([
      {
        path: 'maxAttemps',
        value: 3,
        message:
          'unknown key; expected one of operation, maxAttempts, backoff, maxElapsedMs, attemptTimeoutMs, maxRetryAfterMs, idempotent',
      },
    ]);
  });

  it('rejects an unknown backoff kind and names the kinds', () => {
    const error = configError(() => optionsFromConfig({ backoff: { kind: 'fibonacci' } }));
    expect(error.issues).toEqual([
      {
        path: 'backoff.kind',
        value: 'fibonacci',
        message:
          'expected one of exponential, constant, linear, sequence, decorrelated, got "fibonacci"',
      },
    ]);
  });

  it('reports a missing required argument as undefined', () => {
    const error = configError(() =>
      optionsFromConfig({ backoff: { kind: 'constant', ms: 5, jitter: { mode: 'additive' } } }),
    );
    expect(error.issues).toEqual([
      {
        path: 'backoff.jitter.amount',
        value: undefined,
        message: 'expected a number >= 0, got undefined',
      },
    ]);
  });

  it('rejects what is not an object', () => {
    expect(configError(() => optionsFromConfig('fast')).message).toBe(
      'invalid retry configuration: (root): expected an object, got "fast"',
    );
  });
});

describe('optionsFromConfigMap', () => {
  const venues = {
    binance: { maxAttempts: 5, backoff: { kind: 'constant', ms: 100 } },
    okx: { idempotent: false },
  };

  it('returns the options of every policy by name', () => {
    const options = optionsFromConfigMap(venues);
    expect(Object.keys(options)).toEqual(['binance', 'okx']);
    expect(options.binance!.maxAttempts).toBe(5);
    expect(options.binance!.backoff!({ retry: 1, previousDelayMs: 0, random: Math.random })).toBe(
      100,
    );
    expect(options.okx).toEqual({ idempotent: false });
  });

  it('lists the bad paths of every policy in one error', () => {
    const error = configError(() =>
      optionsFromConfigMap(
        {
          binance: { backoff: { kind: 'exponential', initial: -5 } },
          okx: { maxAttempts: 1.5 },
          'bybit.v5': 'fast',
        },
        { path: 'venues' },
      ),
    );
    expect(error.message).toBe(
      'invalid retry configuration: ' +
        'venues.binance.backoff.initial: expected a number >= 0, got -5; ' +
        'venues.okx.maxAttempts: expected an integer >= 1 or Infinity, got 1.5; ' +
        'venues["bybit.v5"]: expected an object, got "fast"',
    );
  });

  it('composes into a larger schema', () => {
    const fileSchema = z.strictObject({ venues: z.record(z.string(), retryConfigSchema) });
    expect(fileSchema.safeParse({ venues }).success).toBe(true);
  });
});

describe('retryConfigSchema', () => {
  it('turns into a JSON Schema for config editors', () => {
    const schema = z.toJSONSchema(retryConfigSchema, { io: 'input' }) as {
      properties: Record<string, unknown>;
      additionalProperties: boolean;
    };
    expect(Object.keys(schema.properties)).toEqual([
      'operation',
      'maxAttempts',
      'backoff',
      'maxElapsedMs',
      'attemptTimeoutMs',
      'maxRetryAfterMs',
      'idempotent',
    ]);
    expect(schema.additionalProperties).toBe(false);
  });

  prop.prop([
    fc.record(
      {
        initial: fc.double({ min: 0, max: 1e6, noNaN: true }),
        factor: fc.double({ min: 1, max: 10, noNaN: true }),
        max: fc.double({ min: 0, max: 1e7, noNaN: true }),
        cap: fc.double({ min: 0, max: 1e7, noNaN: true }),
      },
      { requiredKeys: [] },
    ),
    fc.integer({ min: 1, max: 60 }),
    fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  ])('any valid exponential policy gives delays >= 0 and within its cap', (args, retryN, r) => {
    const backoff = optionsFromConfig({
      backoff: { kind: 'exponential', ...args, jitter: { mode: 'full' } },
    }).backoff!;
    const delay = backoff({ retry: retryN, previousDelayMs: 0, random: () => r });
    expect(delay).toBeGreaterThanOrEqual(0);
    if (args.cap !== undefined) expect(delay).toBeLessThanOrEqual(args.cap);
  });
});
