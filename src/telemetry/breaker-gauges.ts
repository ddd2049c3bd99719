import type { CircuitBreaker, CircuitState } from '../core/breaker/index.js';
import { LabelledCounter, type CounterSample } from './counters.js';

/** Every state of a breaker, in the order its `breaker_state` series are written. */
const STATES: readonly CircuitState[] = ['closed', 'open', 'half-open'];

/** The part of a circuit breaker that metrics read. */
export type WatchedBreaker = Pick<CircuitBreaker, 'state' | 'onStateChange'>;

/**
 * The breakers a metrics instance reports, by name: their current state as a state set (one
 * series per state, `1` for the current one, as OpenMetrics' StateSet) and their transitions as a
 * counter, so that a breaker that opened and closed again between two scrapes still shows.
 *
 * @example
 * ```ts
 * const watch = new BreakerWatch();
 * const unwatch = watch.add('binance', circuitBreaker());
 * watch.states(); // [{ labels: { breaker: 'binance', state: 'closed' }, value: 1 }, …open 0, …half-open 0]
 * unwatch();
 * ```
 */
export class BreakerWatch {
  readonly #breakers = new Map<string, { breaker: WatchedBreaker; unsubscribe: () => void }>();
  readonly transitions = new LabelledCounter(['breaker', 'to'] as const);

  /**
   * Starts reporting `breaker` under `name`; the returned function stops it (its transitions
   * stay counted). Adding the same breaker under the same name again returns a no-op; another
   * breaker under a name already in use throws, because two breakers in one series would read
   * as one breaker flapping.
   */
  add(name: string, breaker: WatchedBreaker): () => void {
    const existing = this.#breakers.get(name);
    if (existing !== undefined) {
      if (existing.breaker === breaker) return () => {};
      throw new Error(
        `watchBreaker: name: ${JSON.stringify(name)} already reports another breaker; give each breaker its own name`,
      );
    }
    const unsubscribe = breaker.onStateChange(({ to }) => {
      this.transitions.inc({ breaker: name, to });
    });
    const entry = { breaker, unsubscribe };
    this.#breakers.set(name, entry);
    return () => {
      if (this.#breakers.get(name) !== entry) return;
      this.#breakers.delete(name);
      unsubscribe();
    };
  }

  /**
   * The current state of every breaker, read now (reading a breaker's state may move an expired
   * open breaker to half-open, exactly as the next `retry` would). A breaker whose state cannot
   * be read (a getter that throws) is left out rather than failing the scrape.
   */
  states(): CounterSample<'breaker' | 'state'>[] {
    const samples: CounterSample<'breaker' | 'state'>[] = [];
    for (const [name, { breaker }] of this.#breakers) {
      let current: CircuitState;
      try {
        current = breaker.state;
      } catch {
        continue;
      }
      for (const state of STATES) {
        samples.push({ labels: { breaker: name, state }, value: state === current ? 1 : 0 });
      }
    }
    return samples;
  }

  /** Stops listening to every breaker. */
  clear(): void {
    for (const { unsubscribe } of this.#breakers.values()) unsubscribe();
    this.#breakers.clear();
  }
}
