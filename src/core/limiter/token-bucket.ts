/**
 * A token bucket that hands out reservations: `reserve()` takes a token at once and answers how
 * long the caller must wait for it to exist, so concurrent callers leave one `1/rate` apart in
 * the order they asked, each with one sleep (the AWS SDK's `acquireTokenBucket` has every waiter
 * sleep and re-check, all waking together). Capacity and refill follow AWS's
 * `refillTokenBucket`/`updateTokenBucketRate` (`@smithy/core` 3.41): at most
 * `capacity = max(rate, 1)` tokens accumulate, the bucket starts empty, and a rate change keeps
 * what has been earned so far. O(1) per call; a clock going backwards earns nothing.
 *
 * @example
 * ```ts
 * const bucket = new TokenBucket(0);
 * bucket.setRate(0, 2); // 2 tokens/s from now
 * bucket.reserve(0); // 500: the first token exists in 0.5 s
 * bucket.reserve(0); // 1000: the next one 0.5 s after it
 * ```
 */
export class TokenBucket {
  /** Tokens now (negative: reserved ahead of time). */
  tokens = 0;
  /** Tokens per second. */
  rate = 0;
  /** The most tokens that accumulate. */
  capacity = 1;
  private lastMs: number;

  constructor(nowMs: number) {
    this.lastMs = nowMs;
  }

  /** Takes one token; returns the ms until it exists (0: go now). */
  reserve(nowMs: number): number {
    this.refill(nowMs);
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.rate) * 1000;
  }

  /** Gives back a reserved token that was not used (its caller gave up waiting). */
  refund(): void {
    this.tokens = Math.min(this.capacity, this.tokens + 1);
  }

  /** Changes the refill rate from `nowMs` on (tokens earned at the old rate are kept, up to the new capacity). */
  setRate(nowMs: number, rate: number, capacity = Math.max(rate, 1)): void {
    this.refill(nowMs);
    this.rate = rate;
    this.capacity = capacity;
    this.tokens = Math.min(this.tokens, capacity);
  }

  private refill(nowMs: number): void {
    const elapsedMs = nowMs - this.lastMs;
    if (elapsedMs <= 0) return;
    this.tokens = Math.min(this.capacity, this.tokens + (elapsedMs / 1000) * this.rate);
    this.lastMs = nowMs;
  }
}
