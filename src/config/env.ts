import * as z from 'zod';
import { exponential, jitter } from '../core/backoff.js';
import { ConfigError, type ConfigIssue } from '../core/errors.js';
import type { RetryOptions } from '../core/options.js';

const JITTER_MODES = ['none', 'full', 'equal', 'proportional'] as const;

const number = (rule: string, check: (n: number) => boolean, allowInfinity = false) =>
  z.optional(
    z.pipe(
      z.string(),
      z.transform((text, ctx) => {
        const trimmed = text.trim();
        const n =
          allowInfinity && /^infinity$/i.test(trimmed)
            ? Infinity
            : trimmed === ''
              ? NaN
              : Number(trimmed);
        if (!Number.isNaN(n) && check(n)) return n;
        ctx.issues.push({ code: 'custom', message: `expected ${rule}`, input: text });
        return z.NEVER;
      }),
    ),
  );

/**
 * The settings read and their rules, by key. Built on first use: a process that imports
 * `tenacious/config` for the data schema alone never builds it.
 */
const buildEnvSchema = () =>
  z.object({
    MAX_ATTEMPTS: number(
      'an integer >= 1 or Infinity',
      (n) => n === Infinity || (Number.isInteger(n) && n >= 1),
      true,
    ),
    MAX_RETRIES: number(
      'an integer >= 0 or Infinity',
      (n) => n === Infinity || (Number.isInteger(n) && n >= 0),
      true,
    ),
    INITIAL_DELAY_MS: number('a number >= 0', (n) => Number.isFinite(n) && n >= 0),
    DELAY_SECONDS: number('a number of seconds >= 0', (n) => Number.isFinite(n * 1000) && n >= 0),
    MAX_DELAY_MS: number('a number >= 0 or Infinity', (n) => n >= 0, true),
    FACTOR: number('a number >= 1', (n) => Number.isFinite(n) && n >= 1),
    JITTER: z.optional(
      z.pipe(
        z.string(),
        z.transform((text, ctx) => {
          const mode = text.trim().toLowerCase();
          if ((JITTER_MODES as readonly string[]).includes(mode))
            return mode as (typeof JITTER_MODES)[number];
          ctx.issues.push({
            code: 'custom',
            message: `expected one of ${JITTER_MODES.join('|')}`,
            input: text,
          });
          return z.NEVER;
        }),
      ),
    ),
    MAX_ELAPSED_MS: number('a number >= 0 or Infinity', (n) => n >= 0, true),
    ATTEMPT_TIMEOUT_MS: number('a number > 0 and <= 2147483647', (n) => n > 0 && n <= 2 ** 31 - 1),
  });
let envSchema: ReturnType<typeof buildEnvSchema> | undefined;
type EnvKey = keyof ReturnType<typeof buildEnvSchema>['shape'];

/**
 * `MAX_RETRIES` is the one name services use without a prefix; every other key is read under
 * it (so `DELAY_SECONDS` is `RETRY_DELAY_SECONDS`).
 */
const UNPREFIXED: ReadonlySet<EnvKey> = new Set(['MAX_RETRIES']);

/** Two spellings of one setting: the canonical key, then the name services already use. */
const SPELLINGS: readonly (readonly [EnvKey, EnvKey])[] = [
  ['MAX_ATTEMPTS', 'MAX_RETRIES'],
  ['INITIAL_DELAY_MS', 'DELAY_SECONDS'],
];

/**
 * Reads retry settings from environment variables and returns the options they set:
 * `RETRY_MAX_ATTEMPTS` (or `MAX_RETRIES`, retries after the first attempt, without the prefix),
 * `RETRY_INITIAL_DELAY_MS` (or `RETRY_DELAY_SECONDS`), `RETRY_MAX_DELAY_MS`, `RETRY_FACTOR`,
 * `RETRY_JITTER` = none|full|equal|proportional, `RETRY_MAX_ELAPSED_MS`,
 * `RETRY_ATTEMPT_TIMEOUT_MS`. When any delay variable is set, `backoff` is `exponential` from
 * them (defaults 1000 ms, factor 2, max 30000 ms) with proportional jitter (ratio 0.2) unless
 * `JITTER` says otherwise. Empty variables count as unset. Invalid values, and both spellings of
 * one setting at once, throw one {@link ConfigError} listing every bad variable.
 *
 * @example
 * ```ts
 * // MAX_RETRIES=5 RETRY_DELAY_SECONDS=5 node service.js: 6 attempts, 5 s initial delay
 * import { createRetry } from 'tenacious';
 * import { optionsFromEnv } from 'tenacious/config';
 *
 * const retryWithEnv = createRetry({ operation: 'sync', ...optionsFromEnv() });
 * ```
 */
export function optionsFromEnv(
  env: Record<string, string | undefined> = process.env,
  { prefix = 'RETRY_' }: { prefix?: string } = {},
): Partial<RetryOptions> {
  envSchema ??= buildEnvSchema();
  const variable = (key: EnvKey) => (UNPREFIXED.has(key) ? key : `${prefix}${key}`);
  const raw: Partial<Record<EnvKey, string>> = {};
  for (const key of Object.keys(envSchema.shape) as EnvKey[]) {
    const value = env[variable(key)];
    if (value !== undefined && value.trim() !== '') raw[key] = value;
  }
  const issues: ConfigIssue[] = [];
  for (const [canonical, alias] of SPELLINGS) {
    if (raw[canonical] === undefined || raw[alias] === undefined) continue;
    issues.push({
      path: variable(alias),
      variable: variable(alias),
      value: raw[alias],
      message: `conflicts with ${variable(canonical)}=${JSON.stringify(raw[canonical])} (two spellings of one setting): set only one`,
    });
  }
  const result = envSchema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = issue.path[0] as EnvKey;
      issues.push({
        path: variable(key),
        variable: variable(key),
        value: raw[key],
        message: issue.message,
      });
    }
  }
  if (!result.success || issues.length > 0) throw new ConfigError(issues);
  const v = result.data;
  const options: Partial<RetryOptions> = {};
  const maxAttempts =
    v.MAX_ATTEMPTS ?? (v.MAX_RETRIES === undefined ? undefined : v.MAX_RETRIES + 1);
  if (maxAttempts !== undefined) options.maxAttempts = maxAttempts;
  if (v.MAX_ELAPSED_MS !== undefined) options.maxElapsedMs = v.MAX_ELAPSED_MS;
  if (v.ATTEMPT_TIMEOUT_MS !== undefined) options.attemptTimeoutMs = v.ATTEMPT_TIMEOUT_MS;
  const initial =
    v.INITIAL_DELAY_MS ?? (v.DELAY_SECONDS === undefined ? undefined : v.DELAY_SECONDS * 1000);
  const delaysSet = [initial, v.MAX_DELAY_MS, v.FACTOR, v.JITTER].some((x) => x !== undefined);
  if (delaysSet) {
    const base = exponential({
      initial: initial ?? 1000,
      factor: v.FACTOR ?? 2,
      max: v.MAX_DELAY_MS ?? 30000,
    });
    const mode = v.JITTER ?? 'proportional';
    options.backoff = mode === 'none' ? base : jitter(base, { mode, ratio: 0.2 });
  }
  return options;
}
