/**
 * `tenacious/okx`: OKX v5 REST error semantics as a classifier, a normaliser for every shape JS
 * clients carry OKX errors in (okx-api, ccxt, axios, got, fetch), presets, and the rate-limit
 * tracker.
 */
export { okxClassifier, type OkxClassifierOptions } from './classifier.js';
export { OKX_CODES, okxCodeRule, type OkxCodeRule } from './codes.js';
export { parseOkxError, type OkxErrorInfo, type OkxItem } from './parse.js';
export { okxPresets } from './presets.js';
export {
  okxRateLimitTracker,
  type OkxRateLimitSnapshot,
  type OkxRateLimitTracker,
  type OkxRateLimitTrackerOptions,
} from './rate-limit-tracker.js';
export { okxStream } from './stream.js';
export type { AcquireOptions } from '../core/types.js';
export { HoldTooLongError } from '../core/errors.js';
