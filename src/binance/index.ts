/**
 * `tenacious/binance`: Binance's documented error semantics as a classifier, a normaliser for
 * every shape JS clients carry Binance errors in, a shared request-weight tracker, and presets.
 */
export { binanceClassifier, type BinanceClassifierOptions } from './classifier.js';
export {
  BINANCE_CODES,
  binanceCodeRule,
  isBinanceCode,
  type BinanceCodeKey,
  type BinanceCodeRule,
  type BinanceProduct,
} from './codes.js';
export { parseBinanceError, type BinanceErrorInfo } from './parse.js';
export { binancePresets } from './presets.js';
export {
  BINANCE_STATUSES,
  FUTURES_503_MESSAGES,
  binanceStatusRule,
  futures503Rule,
  type BinanceMessageRule,
  type BinanceStatusKey,
  type BinanceStatusRule,
} from './statuses.js';
export {
  binanceWeightTracker,
  type BinanceWeightSnapshot,
  type BinanceWeightTracker,
  type BinanceWeightTrackerOptions,
} from './weight-tracker.js';
export type { AcquireOptions } from '../core/types.js';
// The core's class (the root exports it too): every tracker throws this one.
export { HoldTooLongError } from '../core/errors.js';
export { binanceStream, type BinanceStreamOptions } from './stream.js';
