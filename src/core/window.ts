/**
 * Counts events over a sliding window of `windowMs` split into `buckets` buckets of
 * `windowMs / buckets` each. Every counted event lands in the bucket of its time; a total covers
 * the current bucket and the `buckets - 1` before it, so the window slides in steps of one
 * bucket and the oldest bucket is dropped whole (the window covers between
 * `windowMs * (buckets - 1) / buckets` and `windowMs` of history).
 *
 * Cost: O(1) per call. Totals are kept as running sums; moving to a new bucket clears the
 * buckets passed over (at most `buckets` of them, however long the pause) and subtracts them
 * from the sums. Memory: `buckets * fields` numbers, whatever the traffic.
 *
 * A clock that goes backwards puts events in the newest bucket seen so far: counts never go
 * negative and nothing is dropped early.
 *
 * @example
 * ```ts
 * const window = new BucketedWindow(2, 10_000, 10);
 * window.add(clock.now(), 0); // a first attempt
 * window.add(clock.now(), 1); // a retry
 * window.total(clock.now(), 1); // 1, until 10 s later
 * ```
 */
export class BucketedWindow {
  readonly bucketMs: number;
  private started = false;
  /** The epoch (`floor(time / bucketMs)`) of the newest bucket. */
  private head = 0;
  /** `counts[f][b]`: field `f` in bucket `b`. */
  private readonly counts: number[][];
  private readonly totals: number[];

  constructor(
    fields: number,
    readonly windowMs: number,
    readonly buckets: number,
  ) {
    this.bucketMs = windowMs / buckets;
    this.counts = Array.from({ length: fields }, () => new Array<number>(buckets).fill(0));
    this.totals = new Array<number>(fields).fill(0);
  }

  /** Adds `delta` (default 1) to `field` at time `nowMs`. */
  add(nowMs: number, field: number, delta = 1): void {
    const slot = this.slotOf(this.rotate(nowMs));
    this.counts[field]![slot]! += delta;
    this.totals[field]! += delta;
  }

  /** The sum of `field` over the window ending at `nowMs`. */
  total(nowMs: number, field: number): number {
    this.rotate(nowMs);
    return this.totals[field]!;
  }

  /** Forgets everything. */
  clear(): void {
    this.started = false;
    this.head = 0;
    for (const row of this.counts) row.fill(0);
    this.totals.fill(0);
  }

  private slotOf(epoch: number): number {
    const slot = epoch % this.buckets;
    return slot < 0 ? slot + this.buckets : slot;
  }

  /** Moves the head to `nowMs`'s bucket, clearing the buckets that fell out; returns its epoch. */
  private rotate(nowMs: number): number {
    const epoch = Math.floor(nowMs / this.bucketMs);
    if (!this.started) {
      this.started = true;
      // A clock that answers NaN or Infinity starts the window at epoch 0 rather than poisoning it.
      this.head = Number.isFinite(epoch) ? epoch : 0;
      return this.head;
    }
    const head = this.head;
    // Same bucket, or the clock went back (or answered NaN/Infinity): count into the newest bucket.
    if (!(epoch > head) || epoch === Infinity) return head;
    const steps = epoch - head < this.buckets ? epoch - head : this.buckets;
    for (let k = 1; k <= steps; k++) {
      const slot = this.slotOf(head + k);
      for (let f = 0; f < this.counts.length; f++) {
        const value = this.counts[f]![slot]!;
        if (value !== 0) {
          this.totals[f]! -= value;
          this.counts[f]![slot] = 0;
        }
      }
    }
    this.head = epoch;
    return epoch;
  }
}
