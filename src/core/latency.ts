/**
 * The recent latencies of one kind of call, for a hedge that waits for "the p95": the last
 * `size` samples in a ring, sorted on demand (at most once per new sample) and read by nearest
 * rank. O(1) to record, O(size log size) for the first quantile after a record; `size` numbers of
 * memory. Fewer than `minSamples` samples give no quantile (too few to say what is slow).
 *
 * @example
 * ```ts
 * const latency = new LatencyTracker(100, 10);
 * for (let ms = 1; ms <= 100; ms++) latency.record(ms);
 * latency.quantile(0.95); // 95
 * ```
 */
export class LatencyTracker {
  private readonly samples: Float64Array;
  private filled = 0;
  private next = 0;
  private sorted: Float64Array | undefined;

  constructor(
    size = 256,
    private readonly minSamples = 20,
  ) {
    this.samples = new Float64Array(size);
  }

  /** Adds one latency in ms (the oldest is forgotten once `size` are kept). */
  record(ms: number): void {
    if (!(ms >= 0)) return;
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.samples.length;
    if (this.filled < this.samples.length) this.filled++;
    this.sorted = undefined;
  }

  /** The `q` quantile (0 < q <= 1) of the kept samples by nearest rank, or undefined with too few. */
  quantile(q: number): number | undefined {
    if (this.filled < this.minSamples || this.filled === 0) return undefined;
    this.sorted ??= this.samples.slice(0, this.filled).sort();
    const rank = Math.min(this.filled, Math.max(1, Math.ceil(q * this.filled)));
    return this.sorted[rank - 1];
  }

  /** How many samples are kept. */
  get count(): number {
    return this.filled;
  }
}
