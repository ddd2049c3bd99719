/**
 * `tenacious/p-retry`: tenacious's classifiers, backoffs, logging and events inside existing
 * `pRetry()` calls. p-retry is an optional peer (>= 7); nothing is imported from it.
 */
export {
  pRetryOptions,
  type PRetryContext,
  type PRetryOptions,
  type PRetryRetryOptions,
} from './options.js';
