import { brand } from './brand.js';

/**
 * One bad setting in a {@link ConfigError}. Issues found by `optionsFromEnv` carry the variable's
 * name in `variable` (and in `path`) and its text in `value`; issues found in data by
 * `optionsFromConfig` carry the dotted path (`venues.binance.backoff.initial`) and the value as
 * found (`undefined` when missing), and no `variable`.
 */
export interface ConfigIssue {
  /** Where the bad value is: the dotted path in the data, or the environment variable's name. */
  readonly path: string;
  /** The environment variable's name (`RETRY_MAX_ATTEMPTS`); set for environment issues only. */
  readonly variable?: string;
  /** The bad value: the variable's text, or the value in the data. */
  readonly value: unknown;
  /** The rule it breaks: `expected a number >= 0` (data issues add `, got -5`). */
  readonly message: string;
}

/**
 * Retry configuration read from the environment or from data (a JSON/YAML file, a config
 * service) is invalid. `issues` lists every bad variable or path, and so does the message:
 * `RETRY_MAX_ATTEMPTS="0": expected an integer >= 1 or Infinity` for a variable,
 * `venues.binance.backoff.initial: expected a number >= 0, got -5` for data.
 *
 * @example
 * ```ts
 * try {
 *   optionsFromConfig(policy);
 * } catch (err) {
 *   if (err instanceof ConfigError) logger.fatal({ issues: err.issues }, err.message);
 * }
 * ```
 */
export class ConfigError extends Error {
  static {
    brand(this, 'ConfigError');
  }
  override readonly name = 'ConfigError';
  readonly issues: readonly ConfigIssue[];

  /** Each issue needs a `path` or a `variable` (0.1's `{ variable, value, message }` still works). */
  constructor(
    issues: readonly (Omit<ConfigIssue, 'path'> & { readonly path?: string })[],
    options?: { cause?: unknown },
  ) {
    const complete = issues.map((i) => ({ ...i, path: i.path ?? i.variable ?? '' }));
    super(
      `invalid retry configuration: ${complete.map((i) => (i.variable === undefined ? `${i.path || '(root)'}: ${i.message}` : `${i.variable}=${JSON.stringify(i.value)}: ${i.message}`)).join('; ')}`,
      options,
    );
    this.issues = complete;
  }
}
