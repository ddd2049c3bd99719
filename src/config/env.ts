import * as z from 'zod';
import { exponential, jitter } from '../core/backoff.js';
import { ConfigError } from '../core/errors.js';
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
 * The variables read, after the prefix, and their rules. Built on first use: a process that
 * imports `tenacious/config` for the data schema alone never builds it.
 */
const buildEnvSchema = () =>
  z.object({
    MAX_ATTEMPTS: number(
      'an integer >= 1 or Infinity',
      (n) => n === Infinity || (Number.isInteger(n) && n >= 1),
      true,
    ),
    INITIAL_DELAY_MS: number('a number >= 0', (n) => Number.isFinite(n) && n >= 0),
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

/**
 * Reads retry settings from environment variables (`RETRY_MAX_ATTEMPTS`, `RETRY_INITIAL_DELAY_MS`,
 * `RETRY_MAX_DELAY_MS`, `RETRY_FACTOR`, `RETRY_JITTER` = none|full|equal|proportional,
 * `RETRY_MAX_ELAPSED_MS`, `RETRY_ATTEMPT_TIMEOUT_MS`) and returns the options they set. When any
 * delay variable is set, `backoff` is `exponential` from them (defaults 1000 ms, factor 2, max
 * 30000 ms) with proportional jitter (ratio 0.2) unless `JITTER` says otherwise. Empty variables
 * count as unset. Invalid values throw one {@link ConfigError} listing every bad variable.
 *
 * @example
 * ```ts
 * // RETRY_MAX_ATTEMPTS=6 RETRY_INITIAL_DELAY_MS=250 node service.js
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
  const raw: Record<string, string> = {};
  for (const key of Object.keys(envSchema.def.shape)) {
    const value = env[`${prefix}${key}`];
    if (value !== undefined && value.trim() !== '') raw[key] = value;
  }
  const result = envSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const key = String(issue.path[0]);
        const variable = `${prefix}${key}`;
        return { path: variable, variable, value: raw[key], message: issue.message };
      }),
    );
  }
  const v = result.data;
  const options: Partial<RetryOptions> = {};
  if (v.MAX_ATTEMPTS !== undefined) options.maxAttempts = v.MAX_ATTEMPTS;
  if (v.MAX_ELAPSED_MS !== undefined) options.maxElapsedMs = v.MAX_ELAPSED_MS;
  if (v.ATTEMPT_TIMEOUT_MS !== undefined) options.attemptTimeoutMs = v.ATTEMPT_TIMEOUT_MS;
  const delaysSet = [v.INITIAL_DELAY_MS, v.MAX_DELAY_MS, v.FACTOR, v.JITTER].some(
    (x) => x !== undefined,
  );
  if (delaysSet) {
    const base = exponential({
      initial: v.INITIAL_DELAY_MS ?? 1000,
      factor: v.FACTOR ?? 2,
      max: v.MAX_DELAY_MS ?? 30000,
    });
    const mode = v.JITTER ?? 'proportional';
    options.backoff = mode === 'none' ? base : jitter(base, { mode, ratio: 0.2 });
  }
  return options;
}
