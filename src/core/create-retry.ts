import { describeValue } from './classify.js';
import { planFor, type Plan, type RetryOptions } from './options.js';
import { run, type Attempt } from './retry.js';
import {
  assertCalledAsFactory,
  decorate,
  type RetryableDecorator,
  type RetryableOptions,
} from './retryable.js';

/** A `retry` with its own defaults; see {@link createRetry}. */
export interface ConfiguredRetry {
  <T>(fn: Attempt<T>, options?: RetryOptions<T>): Promise<T>;
  /** A decorator whose options are layered over these defaults. */
  retryable<S = any, A extends any[] = any[]>(
    options?: RetryableOptions<S, A>,
  ): RetryableDecorator<S, A>;
  /** A configured retry whose defaults are these defaults plus `moreDefaults`. */
  extend(moreDefaults: RetryOptions): ConfiguredRetry;
}

/**
 * Returns a function with the signature of `retry` whose defaults are `defaults`, plus
 * `.retryable(options)` and `.extend(moreDefaults)`. Per-call options override the defaults;
 * hooks (`onRetry`, `onSuccess`, `onExhausted`) from every level all run. Invalid defaults throw
 * here, at definition time.
 *
 * @example
 * ```ts
 * const binanceRetry = createRetry({ maxAttempts: 5, logger, classify: binanceClassifier() });
 * const orderRetry = binanceRetry.extend({ idempotent: false, reconcile: findOrder });
 * await orderRetry(() => client.submitNewOrder(order), { operation: 'place_order' });
 * ```
 */
export function createRetry(defaults: RetryOptions = {}): ConfiguredRetry {
  return fromPlan(planFor(defaults));
}

function fromPlan(base: Plan): ConfiguredRetry {
  const configured = <T>(fn: Attempt<T>, options?: RetryOptions<T>): Promise<T> => {
    if (typeof fn !== 'function') {
      return Promise.reject(new TypeError(`fn: expected a function, got ${describeValue(fn)}`));
    }
    let plan: Plan;
    try {
      plan = options === undefined ? base : planFor(options, base);
    } catch (error) {
      return Promise.reject(error);
    }
    return run(fn, plan);
  };
  configured.retryable = function (options?: RetryableOptions<any, any[]>) {
    assertCalledAsFactory(arguments.length, 'retryable');
    return decorate(options, base);
  };
  configured.extend = (moreDefaults: RetryOptions) => fromPlan(planFor(moreDefaults, base));
  return configured;
}
