/**
 * `tenacious/config`: retry options from the environment and from data (JSON/YAML files, a
 * config service). The one entry that loads zod: the root entry stays light.
 */
export { optionsFromEnv } from './env.js';
export { optionsFromConfig, optionsFromConfigMap } from './from-config.js';
export { retryConfigSchema, type BackoffConfig, type RetryConfig } from './schema.js';
export { ConfigError, type ConfigIssue } from '../core/errors.js';
