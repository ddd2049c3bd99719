import { CUBIC_DEFAULTS, smoothRate } from './cubic.js';

/**
 * The sending rate as the AWS SDK's adaptive mode measures it (`DefaultRateLimiter`'s
 * `updateMeasuredRate`, `@smithy/core` 3.41): responses are counted in half-second buckets, and
 * when a later bucket starts, the count over the time since the last one is blended into the
 * measured rate (`0.8 × current + 0.2 × measured`). O(1) per response, three numbers of state.
 * A clock going backwards only delays the next update (no bucket is "later").
 *
 * @example
 * ```ts
 * const meter = new RateMeter(0);
 * for (let i = 0; i < 50; i++) meter.count(0.1 + i / 100);
 * meter.count(0.6); // the 0.5 s bucket started: 50 responses in 0.5 s
 * meter.rate; // 0.8 × 100 = 80 requests/s
 * ```
 */
export class RateMeter {
  /** The measured rate, requests/s (0 until the first bucket closes). */
  rate = 0;
  private count_ = 0;
  private bucketS: number;

  /** `startS`: when measuring starts, in seconds (AWS: the limiter's creation, floored). */
  constructor(startS: number) {
    this.bucketS = Math.floor(startS);
  }

  /** Counts one response at `nowS` seconds. */
  count(nowS: number): void {
    const bucket = Math.floor(nowS * 2) / 2;
    this.count_++;
    if (bucket > this.bucketS) {
      this.rate = smoothRate(
        this.count_ / (bucket - this.bucketS),
        this.rate,
        CUBIC_DEFAULTS.smooth,
      );
      this.count_ = 0;
      this.bucketS = bucket;
    }
  }
}
