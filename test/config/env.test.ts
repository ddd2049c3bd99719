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
