import type { SharedWindow } from './fleet-store.js';

/**
 * A local mirror of a {@link SharedWindow}, for callers that must decide synchronously (a
 * budget's `tryRetry()`, a breaker's `record()` run on the engine's hot path and never await the
 * store). Counts are added locally at once and written through in batches, at most one command
 * per `flushMs`; each reply brings the fleet's totals back. `total()` answers from the last
 * totals plus what this process counted since, or `undefined` once the last reply is older than
 * `freshMs` (the caller then decides on its own local window), which also asks for a refresh.
 *
 * @example
 * ```ts
 * const counts = new SharedCounts(store.sharedWindow('budget', 'binance', spec), 3, 100, 2000);
 * counts.add(0);
 * counts.total(0); // the fleet's first attempts, or undefined while the store is unreachable
 * ```
 */
export class SharedCounts {
  private pending: number[];
  private inflight: number[];
  private totals: number[] | undefined;
  private receivedAt = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private sending: Promise<void> | undefined;

  constructor(
    private readonly window: SharedWindow,
    private readonly fields: number,
    private readonly flushMs: number,
    private readonly freshMs: number,
    private readonly onTotals?: (totals: readonly number[]) => void,
  ) {
    this.pending = new Array<number>(fields).fill(0);
    this.inflight = new Array<number>(fields).fill(0);
  }

  /** Counts `delta` of `field` for the fleet (sent with the next batch). */
  add(field: number, delta = 1): void {
    this.pending[field]! += delta;
    this.schedule();
  }

  /** The fleet's total of `field`, or `undefined` when the last reply is too old to trust. */
  total(field: number): number | undefined {
    const totals = this.totals;
    if (totals === undefined || performance.now() - this.receivedAt > this.freshMs) {
      this.schedule();
      return undefined;
    }
    return totals[field]! + this.inflight[field]! + this.pending[field]!;
  }

  /** Sends what is pending now and waits for the fleet's totals (or the store's failure). */
  async sync(): Promise<void> {
    if (this.sending !== undefined) await this.sending;
    await this.send();
  }

  /** Forgets the fleet's counts, in the store too (best effort). */
  clear(): void {
    this.forget();
    this.window.clear().catch(() => {});
  }

  /** Forgets the fleet's totals and anything not yet sent. */
  forget(): void {
    this.pending.fill(0);
    this.totals = undefined;
    this.receivedAt = Number.NEGATIVE_INFINITY;
  }

  private schedule(): void {
    if (this.timer !== undefined || this.sending !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.send();
    }, this.flushMs);
    // A pending batch never keeps the process alive.
    this.timer.unref?.();
  }

  private send(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const deltas = this.pending;
    this.inflight = deltas;
    this.pending = new Array<number>(this.fields).fill(0);
    const sending = this.window.add(deltas).then(
      (totals) => {
        this.totals = totals;
        this.receivedAt = performance.now();
        this.onTotals?.(totals);
      },
      () => {
        // The store said nothing: these counts stay local (the caller counted them already).
      },
    );
    this.sending = sending.then(() => {
      this.inflight = new Array<number>(this.fields).fill(0);
      this.sending = undefined;
      if (this.pending.some((d) => d !== 0)) this.schedule();
    });
    return this.sending;
  }
}
