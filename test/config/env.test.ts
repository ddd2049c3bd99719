import { describe, expect, it } from 'vitest';
import { ConfigError, optionsFromEnv } from '../../src/config/index.js';

describe('optionsFromEnv', () => {
  it('returns nothing when no variable is set', () => {
    expect(optionsFromEnv({})).toEqual({});
  });

  it('reads attempts, time limits and the backoff under the prefix', () => {
    const options = optionsFromEnv({
      RETRY_MAX_ATTEMPTS: '6',
      RETRY_INITIAL_DELAY_MS: '250',
      RETRY_MAX_DELAY_MS: '1000',
      RETRY_FACTOR: '3',
      RETRY_JITTER: 'none',
      RETRY_MAX_ELAPSED_MS: '5000',
      RETRY_ATTEMPT_TIMEOUT_MS: '800',
    });
    expect(options).toMatchObject({ maxAttempts: 6, maxElapsedMs: 5000, attemptTimeoutMs: 800 });
    const delays = [1, 2, 3].map((retry) =>
      options.backoff!({ retry, previousDelayMs: 0, random: () => 0 }),
    );
    expect(delays).toEqual([250, 750, 1000]);
  });

  it('applies the jitter mode it is given', () => {
    const options = optionsFromEnv({ RETRY_INITIAL_DELAY_MS: '1000', RETRY_JITTER: 'full' });
    expect(options.backoff!({ retry: 1, previousDelayMs: 0, random: () => 0.25 })).toBe(250);
  });

  it('accepts Infinity attempts and a custom prefix', () => {
    expect(optionsFromEnv({ BINANCE_MAX_ATTEMPTS: 'Infinity' }, { prefix: 'BINANCE_' })).toEqual({
      maxAttempts: Infinity,
    });
  });

  it('treats empty variables as unset', () => {
    expect(optionsFromEnv({ RETRY_MAX_ATTEMPTS: '' })).toEqual({});
  });

  it('throws one ConfigError listing every bad variable', () => {
    let error: unknown;
    try {
      optionsFromEnv({
        RETRY_MAX_ATTEMPTS: '0',
        RETRY_JITTER: 'wild',
        RETRY_FACTOR: 'two',
        RETRY_MAX_ELAPSED_MS: '100',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const config = error as ConfigError;
    expect(config.name).toBe('ConfigError');
    expect(config.issues.map((i) => i.variable).sort()).toEqual([
      'RETRY_FACTOR',
      'RETRY_JITTER',
      'RETRY_MAX_ATTEMPTS',
    ]);
    expect(config.message).toContain(
      'RETRY_MAX_ATTEMPTS="0": expected an integer >= 1 or Infinity',
    );
    expect(config.message).toContain(
      'RETRY_JITTER="wild": expected one of none|full|equal|proportional',
    );
  });

  it('gives each issue a path equal to its variable, as data issues have', () => {
    let error: unknown;
    try {
      optionsFromEnv({ RETRY_FACTOR: 'two' });
    } catch (e) {
      error = e;
    }
    expect((error as ConfigError).issues).toEqual([
      {
        path: 'RETRY_FACTOR',
        variable: 'RETRY_FACTOR',
        value: 'two',
        message: 'expected a number >= 1',
      },
    ]);
  });
});

/** The error `optionsFromEnv(env)` throws. */
function configErrorOf(env: Record<string, string>): ConfigError {
  try {
    optionsFromEnv(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('optionsFromEnv was expected to throw');
}

/** The first three delays of `options.backoff`, with jitter at its midpoint (no change). */
const delaysOf = (options: ReturnType<typeof optionsFromEnv>) =>
  [1, 2, 3].map((retry) => options.backoff!({ retry, previousDelayMs: 0, random: () => 0.5 }));

describe('optionsFromEnv: the names services already use', () => {
  it('reads MAX_RETRIES=5 and RETRY_DELAY_SECONDS=5 as 6 attempts starting at 5 s', () => {
    const options = optionsFromEnv({ MAX_RETRIES: '5', RETRY_DELAY_SECONDS: '5' });

    expect(options.maxAttempts).toBe(6);
    expect(delaysOf(options)).toEqual([5000, 10000, 20000]);
  });

  it('reads MAX_RETRIES as the retries after the first attempt', () => {
    expect(optionsFromEnv({ MAX_RETRIES: '0' })).toEqual({ maxAttempts: 1 });
  });

  it('reads MAX_RETRIES=Infinity as unlimited attempts', () => {
    expect(optionsFromEnv({ MAX_RETRIES: 'Infinity' })).toEqual({ maxAttempts: Infinity });
  });

  it('reads MAX_RETRIES without the prefix, whatever the prefix', () => {
    expect(optionsFromEnv({ MAX_RETRIES: '2' }, { prefix: 'BINANCE_' })).toEqual({
      maxAttempts: 3,
    });
  });

  it('does not read MAX_RETRIES under the prefix', () => {
    expect(optionsFromEnv({ RETRY_MAX_RETRIES: '2' })).toEqual({});
  });

  it('reads DELAY_SECONDS under the prefix, fractions included', () => {
    const options = optionsFromEnv({ BINANCE_DELAY_SECONDS: '0.25' }, { prefix: 'BINANCE_' });

    expect(delaysOf(options)).toEqual([250, 500, 1000]);
  });

  it('does not read DELAY_SECONDS without the prefix', () => {
    expect(optionsFromEnv({ DELAY_SECONDS: '5' })).toEqual({});
  });

  it('combines RETRY_DELAY_SECONDS with the other delay variables', () => {
    const options = optionsFromEnv({
      RETRY_DELAY_SECONDS: '1',
      RETRY_FACTOR: '3',
      RETRY_MAX_DELAY_MS: '5000',
      RETRY_JITTER: 'none',
    });

    expect(delaysOf(options)).toEqual([1000, 3000, 5000]);
  });

  it('rejects RETRY_MAX_ATTEMPTS and MAX_RETRIES together, naming both', () => {
    const error = configErrorOf({ RETRY_MAX_ATTEMPTS: '6', MAX_RETRIES: '5' });

    expect(error.issues).toEqual([
      {
        path: 'MAX_RETRIES',
        variable: 'MAX_RETRIES',
        value: '5',
        message:
          'conflicts with RETRY_MAX_ATTEMPTS="6" (two spellings of one setting): set only one',
      },
    ]);
  });

  it('rejects RETRY_INITIAL_DELAY_MS and RETRY_DELAY_SECONDS together, naming both', () => {
    const error = configErrorOf({ RETRY_INITIAL_DELAY_MS: '250', RETRY_DELAY_SECONDS: '5' });

    expect(error.message).toBe(
      'invalid retry configuration: RETRY_DELAY_SECONDS="5": conflicts with RETRY_INITIAL_DELAY_MS="250" (two spellings of one setting): set only one',
    );
  });

  it('rejects MAX_RETRIES=-1, naming the variable and the value', () => {
    const error = configErrorOf({ MAX_RETRIES: '-1' });

    expect(error.message).toBe(
      'invalid retry configuration: MAX_RETRIES="-1": expected an integer >= 0 or Infinity',
    );
  });

  it('rejects a fractional MAX_RETRIES', () => {
    expect(configErrorOf({ MAX_RETRIES: '2.5' }).issues.map((i) => i.variable)).toEqual([
      'MAX_RETRIES',
    ]);
  });

  it('rejects RETRY_DELAY_SECONDS=abc, naming the variable and the value', () => {
    const error = configErrorOf({ RETRY_DELAY_SECONDS: 'abc' });

    expect(error.message).toBe(
      'invalid retry configuration: RETRY_DELAY_SECONDS="abc": expected a number of seconds >= 0',
    );
  });

  it('lists a conflict and a bad value in one ConfigError', () => {
    const error = configErrorOf({
      RETRY_MAX_ATTEMPTS: '3',
      MAX_RETRIES: '2',
      RETRY_DELAY_SECONDS: '-1',
    });

    expect(error.issues.map((i) => i.variable)).toEqual(['MAX_RETRIES', 'RETRY_DELAY_SECONDS']);
  });

  it('ignores an empty MAX_RETRIES next to RETRY_MAX_ATTEMPTS', () => {
    expect(optionsFromEnv({ RETRY_MAX_ATTEMPTS: '3', MAX_RETRIES: '' })).toEqual({
      maxAttempts: 3,
    });
  });
});
