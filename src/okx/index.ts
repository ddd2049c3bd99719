/**
 * `tenacious/okx`: under construction on a branch (issue 26); this placeholder never lands.
 */
export {};

// The venue rate-limit tracker (written on the bybit branch; the classifier, parser and presets
// come from the OKX branch).
export {
  okxRateLimitTracker,
  type OkxRateLimitSnapshot,
  type OkxRateLimitTracker,
  type OkxRateLimitTrackerOptions,
} from './rate-limit-tracker.js';
