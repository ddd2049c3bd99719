import type { SharedAdaptiveRate, SharedAdaptiveRateView } from '../fleet-store.js';

/**
 * The fleet's side of an adaptive limiter: tokens come from the store's shared bucket, and
 * responses are reported to it, coalesced so that at most one report per process is in flight
 * (a throttle reaches the fleet within one round trip; a busy process sends one report for many
 * responses). A store that does not answer makes `take()` answer `undefined` (the limiter
 * then paces locally) and drops the reports: nothing here rejects.
 *
 * @example
 * ```ts
 * const fleet = new FleetRate(store.sharedAdaptiveRate!('binance', { beta: 0.7, scale: 0.4, minRate: 0.5 }));
 * const waitMs = await fleet.take(); // 0: taken; undefined while Redis is down
 * fleet.record(false);
 * ```
 */
export class FleetRate {
  /** The store's last answer (undefined before the first one). */
  last: SharedAdaptiveRateView | undefined;
  private successes = 0;
  private throttles = 0;
  private sending: Promise<void> | undefined;

  constructor(private readonly shared: SharedAdaptiveRate) {}

  /** Takes a token from the fleet's bucket (0), or the ms until one is there, or `undefined` when the store failed. */
  async take(): Promise<number | undefined> {
    try {
      const view = await this.shared.acquire();
      this.last = view;
      return view.waitMs;
    } catch {
      return undefined;
    }
  }

  /** Reports one response (sent with the next report). */
  record(throttled: boolean): void {
    if (throttled) this.throttles++;
    else this.successes++;
    if (this.sending === undefined) this.sending = this.send();
  }

  /** Waits until every response recorded so far has been reported (or the store failed). */
  async sync(): Promise<void> {
    while (this.sending !== undefined) await this.sending;
  }

  private async send(): Promise<void> {
    while (this.successes + this.throttles > 0) {
      const successes = this.successes;
      const throttles = this.throttles;
      this.successes = 0;
      this.throttles = 0;
      try {
        this.last = await this.shared.record(successes, throttles);
      } catch {
        // The store said nothing: the local limiter has counted these responses already.
      }
    }
    this.sending = undefined;
  }
}
