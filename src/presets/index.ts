import { cap, exponential, jitter } from '../core/backoff.js';
import { orderBackoff, queryBackoff } from '../core/preset-backoffs.js';
import { httpClassifier } from '../http/index.js';
import type { RetryOptions } from '../core/options.js';

/** The option sets of {@link presets}. */
export interface Presets {
  /**
   * Order placement: 4 attempts, 1 s doubling to 8 s with ±20 % jitter, not idempotent, HTTP and
   * network failures classified (`httpClassifier`): anything that may have executed is reconciled
   * or rejected with `UnknownOutcomeError`, never sent again blindly.
   */
  readonly orderExecution: Readonly<RetryOptions<any>>;
  /** Idempotent reads: 5 attempts, 250 ms doubling to 5 s with equal jitter. */
  readonly query: Readonly<RetryOptions<any>>;
  /** HTTP APIs: 3 attempts, 0.5 s doubling to a 10 s cap with ±20 % jitter, statuses and Retry-After understood. */
  readonly httpApi: Readonly<RetryOptions<any>>;
}

const built: Partial<Record<keyof Presets, Readonly<RetryOptions<any>>>> = {};

/** Each preset is built on first use and then always the same frozen object. */
function once(name: keyof Presets, build: () => RetryOptions): Readonly<RetryOptions<any>> {
  return (built[name] ??= Object.freeze(build()));
}

/**
 * Ready-made option sets. Spread one and add your own: `{ ...presets.orderExecution, reconcile }`.
 *
 * This is the one module of the root entry point that composes a domain classifier
 * (`orderExecution` and `httpApi` use `tenacious/http`'s): the retry engine itself never imports a
 * domain folder. Presets are
 * built on first access, so an application that never reads them does not build them (and a
 * bundler drops them). Exchange presets live with their classifiers (`binancePresets` in
 * `tenacious/binance`, `dexPresets` in `tenacious/dex`).
 *
 * @example
 * ```ts
 * await retry(() => client.placeOrder(order), { ...presets.orderExecution, reconcile: findByClientId });
 * await retry(() => fetch(url), presets.httpApi);
 * ```
 */
export const presets: Presets = /* @__PURE__ */ Object.freeze({
  get orderExecution() {
    // Safe by itself: HTTP statuses and network phases are understood (a returned 5xx Response is
    // an unknown outcome, not a success), and what no rule recognises is unknown (the default rule).
    return once('orderExecution', () => ({
      maxAttempts: 4,
      backoff: orderBackoff(),
      classify: httpClassifier(),
      idempotent: false,
    }));
  },
  get query() {
    return once('query', () => ({
      maxAttempts: 5,
      backoff: queryBackoff(),
      idempotent: true,
    }));
  },
  get httpApi() {
    return once('httpApi', () => ({
      maxAttempts: 3,
      backoff: cap(
        jitter(exponential({ initial: 500, factor: 2 }), { mode: 'proportional', ratio: 0.2 }),
        10000,
      ),
      classify: httpClassifier(),
      maxRetryAfterMs: 60000,
    }));
  },
});
