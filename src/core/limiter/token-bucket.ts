/**
 * The AWS SDK's token bucket (`acquireTokenBucket`, `refillTokenBucket`, `updateTokenBucketRate`
 * in `@smithy/core` 3.41): `take()` takes a token when one is there, else answers how long until
 * one is, and the caller sleeps and asks again. No token is reserved ahead: a rate that grows
 * while callers wait shortens their waits (reservations made at 0.5/s would hold a queue of
 * callers for tens of seconds after the rate recovered). At most `capacity = max(rate, 1)`
 * tokens accumulate, the bucket starts empty, and a rate change keeps what has been earned so
 * far. O(1) per call; a clock going backwards earns nothing.
 *
 * @example
 * ```ts
 * const bucket = new TokenBucket(0);
 * bucket.setRate(0, 2); // 2 tokens/s from now
 * bucket.take(0); // 500: no token yet, one in 0.5 s
 * bucket.take(500); // 0: taken
 * ```
 */
export class TokenBucket {
  /** Tokens now. */
  tokens = 0;
  /** Tokens per second. */
  rate = 0;
  /** The most tokens that accumulate. */
  capacity = 1;
  private lastMs: number;

  constructor(nowMs: number) {
    this.lastMs = nowMs;
  }

  /** Takes one token and returns 0, or returns the ms until one will be there (nothing taken). */
  take(nowMs: number): number {
    this.refill(nowMs);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return ((1 - this.tokens) / this.rate) * 1000;
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
