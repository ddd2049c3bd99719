/**
 * `tenacious/bybit`: Bybit v5's documented error semantics as a classifier, a normaliser for
 * every shape JS clients carry Bybit answers in, a shared rate-limit tracker, and presets.
 */
export { bybitClassifier, type BybitClassifierOptions } from './classifier.js';
export {
  BYBIT_CODES,
  BYBIT_IP_BAN_MS,
  BYBIT_STATUSES,
  bybitStatusRule,
  type BybitCodeRule,
} from './codes.js';
export { parseBybitError, type BybitBatchItem, type BybitErrorInfo } from './parse.js';
export { bybitPresets } from './presets.js';
export {
  bybitRateLimitTracker,
  type BybitRateLimitSnapshot,
  type BybitRateLimitTracker,
  type BybitRateLimitTrackerOptions,
  type EndpointSnapshot,
} from './rate-limit-tracker.js';
export { bybitStream } from './stream.js';
export type { AcquireOptions } from '../core/types.js';
export { HoldTooLongError } from '../core/errors.js';
