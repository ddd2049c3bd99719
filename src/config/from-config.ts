import * as z from 'zod';
import {
  cap,
  constant,
  decorrelatedJitter,
  exponential,
  jitter,
  linear,
  sequence,
} from '../core/backoff.js';
import { ConfigError, type ConfigIssue } from '../core/errors.js';
import type { RetryOptions } from '../core/options.js';
import type { Backoff } from '../core/types.js';
import { describeValue } from '../core/validate.js';
import { retryConfigSchema, type BackoffConfig, type RetryConfig } from './schema.js';

/** `"Infinity"` is how JSON spells an unbounded number (see the schema). */
const toNumber = <N extends number | 'Infinity' | undefined>(n: N) =>
  (n === 'Infinity' ? Infinity : n) as Exclude<N, 'Infinity'>;

/** Each backoff kind's constructor from src/core/backoff.ts, fed the data's arguments. */
const BUILDERS: {
  readonly [K in BackoffConfig['kind']]: (data: Extract<BackoffConfig, { kind: K }>) => Backoff;
} = {
  exponential: (b) => exponential({ initial: b.initial, factor: b.factor, max: toNumber(b.max) }),
  constant: (b) => constant(b.ms),
  linear: (b) => linear({ initial: b.initial, step: b.step, max: toNumber(b.max) }),
  sequence: (b) => sequence(b.delaysMs),
  decorrelated: (b) => decorrelatedJitter({ initial: b.initial, max: toNumber(b.max) }),
};

/** The base strategy, then `jitter(…)`, then `cap(…)`: `cap(jitter(exponential()), 8000)`. */
function buildBackoff(data: BackoffConfig): Backoff {
  let backoff = (BUILDERS[data.kind] as (b: BackoffConfig) => Backoff)(data);
  if (data.jitter !== undefined && data.jitter.mode !== 'none')
    backoff = jitter(backoff, data.jitter);
  if (data.cap !== undefined) backoff = cap(backoff, toNumber(data.cap));
  return backoff;
}

/** Options from one policy that has passed the schema. */
function buildOptions(data: z.output<typeof retryConfigSchema>): RetryOptions {
  const options: RetryOptions = {};
  if (data.operation !== undefined) options.operation = data.operation;
  if (data.maxAttempts !== undefined) options.maxAttempts = toNumber(data.maxAttempts);
  if (data.backoff !== undefined) options.backoff = buildBackoff(data.backoff);
  if (data.maxElapsedMs !== undefined) options.maxElapsedMs = toNumber(data.maxElapsedMs);
  if (data.attemptTimeoutMs !== undefined) options.attemptTimeoutMs = data.attemptTimeoutMs;
  if (data.maxRetryAfterMs !== undefined) options.maxRetryAfterMs = toNumber(data.maxRetryAfterMs);
  if (data.idempotent !== undefined) options.idempotent = data.idempotent;
  return options;
}

/** `venues.binance.backoff.delaysMs[2]`; a key that is not a plain name is quoted: `ops["a.b"]`. */
function renderPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$-]*$/.test(key))
      out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/** The value at `path` in `data`, or `undefined` when the path leads nowhere. */
function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** zod's issues as ours: one per bad path (one per unknown key), each showing the bad value. */
function toIssues(error: z.ZodError, data: unknown, prefix: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        issues.push({
          path: renderPath(prefix, path),
          value: valueAt(data, path),
          message: issue.message,
        });
      }
    } else {
      const value = valueAt(data, issue.path);
      issues.push({
        path: renderPath(prefix, issue.path),
        value,
        message: `${issue.message}, got ${describeValue(value)}`,
      });
    }
  }
  return issues;
}

function parse<S extends z.ZodType>(
  schema: S,
  data: unknown,
  path: string | undefined,
): z.output<S> {
  const result = schema.safeParse(data);
  if (!result.success) throw new ConfigError(toIssues(result.error, data, path ?? ''));
  return result.data;
}

/**
 * Validates one retry policy kept as data (a JSON or YAML file, a config service) with
 * {@link retryConfigSchema} and returns the options it sets, with real backoff functions. Keys
 * absent from the data are absent from the result, so it spreads over defaults. Invalid data
 * throws one {@link ConfigError} listing every bad path; `path` prefixes them, for a policy
 * taken out of a larger file.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { parse } from 'yaml';
 * import { createRetry } from 'tenacious';
 * import { optionsFromConfig } from 'tenacious/config';
 *
 * const config = parse(readFileSync('retry.yaml', 'utf8'));
 * const placeOrderRetry = createRetry(
 *   optionsFromConfig(config.orders.placeOrder, { path: 'orders.placeOrder' }),
 * );
 * ```
 */
export function optionsFromConfig(data: unknown, { path }: { path?: string } = {}): RetryOptions {
  return buildOptions(parse(retryConfigSchema, data, path));
}

let mapSchema: z.ZodType<Record<string, z.output<typeof retryConfigSchema>>> | undefined;

/**
 * Validates a whole map of policies by name (per venue, per operation: `{ binance: {…}, okx:
 * {…} }`) as `z.record(z.string(), retryConfigSchema)` and returns the options of each. One
 * {@link ConfigError} lists every bad path of every policy, prefixed with `path`
 * (`venues.binance.backoff.initial: expected a number >= 0, got -5`), so a config service can
 * reject a whole bad document at once.
 *
 * @example
 * ```ts
 * import { createRetry } from 'tenacious';
 * import { optionsFromConfigMap } from 'tenacious/config';
 *
 * const config = await configService.get('trading'); // { venues: { binance: {…}, okx: {…} } }
 * const venues = optionsFromConfigMap(config.venues, { path: 'venues' });
 * const binanceRetry = createRetry({ operation: 'binance', ...venues.binance });
 * ```
 */
export function optionsFromConfigMap(
  data: unknown,
  { path }: { path?: string } = {},
): Record<string, RetryOptions> {
  mapSchema ??= z.record(z.string(), retryConfigSchema, {
    error: 'expected an object of retry policies by name',
  });
  const policies = parse(mapSchema, data, path);
  return Object.fromEntries(
    Object.entries(policies).map(([name, policy]) => [name, buildOptions(policy)]),
  );
}

export type { RetryConfig };
