/**
 * Where circuit breakers and retry budgets keep their numbers.
 *
 * Both keep every piece of state as a named counter in a {@link StateStore}, so that a store
 * shared between processes (Redis, say) can later replace the in-memory default without any
 * change to the breaker, the budget or their callers. The interface is synchronous on purpose:
 * `breaker.acquire()` and `budget.tryRetry()` run before every attempt and must not add a
 * promise (and a microtask) to the hot path.
 *
 * A remote store therefore cannot answer these calls itself. It has two ways in:
 * 1. Mirror (eventually consistent, recommended): `counter(key)` returns a handle that reads a
 *    local copy, updates it at once on `increment`/`set`, queues the same operation for the remote
 *    side (`INCRBY`/`SET`, batched) and refreshes the copy in the background (a poll or a
 *    pub/sub message). Breakers and budgets stay synchronous; processes see each other's
 *    counts a refresh interval late, which is what a budget or a breaker needs.
 * 2. Strict (linearizable): an `AsyncStateStore` with the same methods returning promises, and
 *    `acquire`/`tryRetry` returning `Promise<…>` that `retry` awaits. That costs a round trip per
 *    attempt and would change `AttemptGate`/`RetryAdmission` (src/types.ts), so it is left out.
 *
 * This file also holds {@link BucketedWindow}, the sliding-window counter both use on top of a
 * store.
 */

/**
 * One named number in a {@link StateStore}. Counters start at 0.
 *
 * @example
 * ```ts
 * const retries = store.counter('binance:1:total');
 * retries.increment(); // 1
 * retries.get(); // 1
 * ```
 */
export interface StateCounter {
  /** The current value. */
  get(): number;
  /** Adds `delta` (default 1; may be negative) and returns the new value. */
  increment(delta?: number): number;
  /** Replaces the value. */
  set(value: number): void;
  /** Back to 0. */
  reset(): void;
}

/**
 * A synchronous key → number store. `counter(key)` is called once per key when a breaker or a
 * budget is created, and the handle is kept: the hot path never builds a key or looks one up.
 * The same key must return a handle on the same number.
 *
 * @example
 * ```ts
 * // A store that mirrors a remote one (see the notes at the top of this file).
 * const mirrored: StateStore = {
 *   counter(key) {
 *     const local = memoryStore().counter(key);
 *     return {
 *       get: () => local.get(),
 *       increment: (delta = 1) => (queue.push(['INCRBY', key, delta]), local.increment(delta)),
 *       set: (value) => (queue.push(['SET', key, value]), local.set(value)),
 *       reset: () => (queue.push(['SET', key, 0]), local.reset()),
 *     };
 *   },
 * };
 * ```
 */
export interface StateStore {
  counter(key: string): StateCounter;
}

class MemoryCounter implements StateCounter {
  private value = 0;
  get(): number {
    return this.value;
  }
  increment(delta = 1): number {
    return (this.value += delta);
  }
  set(value: number): void {
    this.value = value;
  }
  reset(): void {
    this.value = 0;
  }
}

/**
 * The default store: plain numbers in this process's memory. Every breaker and budget created
 * without a `store` gets its own; pass one explicitly (with distinct `name`s) only to inspect it.
 *
 * @example
 * ```ts
 * const store = memoryStore();
 * const budget = retryBudget({ store, name: 'binance' });
 * store.counter('binance:retries:total').get(); // retries in the current window
 * ```
 */
export function memoryStore(): StateStore & { keys(): string[] } {
  const counters = new Map<string, MemoryCounter>();
  return {
    counter(key: string): StateCounter {
      let counter = counters.get(key);
      if (counter === undefined) {
        counter = new MemoryCounter();
        counters.set(key, counter);
      }
      return counter;
    },
    keys: () => [...counters.keys()],
  };
}

/**
 * Counts events over a sliding window of `windowMs` split into `buckets` buckets of
 * `windowMs / buckets` each. Every counted event lands in the bucket of its time; a total covers
 * the current bucket and the `buckets - 1` before it, so the window slides in steps of one
 * bucket and the oldest bucket is dropped whole (the window covers between
 * `windowMs * (buckets - 1) / buckets` and `windowMs` of history).
 *
 * Cost: O(1) per call. Totals are kept as running sums; moving to a new bucket clears the
 * buckets passed over (at most `buckets` of them, however long the pause) and subtracts them
 * from the sums. Memory: `(buckets + 1) * fields + 2` counters, whatever the traffic.
 *
 * A clock that goes backwards puts events in the newest bucket seen so far: counts never go
 * negative and nothing is dropped early.
 *
 * @example
 * ```ts
 * const window = new BucketedWindow(memoryStore(), 'demo', 2, 10_000, 10);
 * window.add(clock.now(), 0); // a first attempt
 * window.add(clock.now(), 1); // a retry
 * window.total(clock.now(), 1); // 1, until 10 s later
 * ```
 */
export class BucketedWindow {
  readonly bucketMs: number;
  private readonly started: StateCounter;
  /** The epoch (`floor(time / bucketMs)`) of the newest bucket. */
  private readonly head: StateCounter;
  /** `counts[f][b]`: field `f` in bucket `b`. */
  private readonly counts: StateCounter[][];
  private readonly totals: StateCounter[];

  constructor(
    store: StateStore,
    prefix: string,
    fields: number,
    readonly windowMs: number,
    readonly buckets: number,
  ) {
    this.bucketMs = windowMs / buckets;
    this.started = store.counter(`${prefix}:window:started`);
    this.head = store.counter(`${prefix}:window:head`);
    this.counts = [];
    this.totals = [];
    for (let f = 0; f < fields; f++) {
      const row: StateCounter[] = [];
      for (let b = 0; b < buckets; b++) row.push(store.counter(`${prefix}:${f}:${b}`));
      this.counts.push(row);
      this.totals.push(store.counter(`${prefix}:${f}:total`));
    }
  }

  /** Adds `delta` (default 1) to `field` at time `nowMs`. */
  add(nowMs: number, field: number, delta = 1): void {
    const epoch = this.rotate(nowMs);
    const slot = this.slotOf(epoch);
    this.counts[field]![slot]!.increment(delta);
    this.totals[field]!.increment(delta);
  }

  /** The sum of `field` over the window ending at `nowMs`. */
  total(nowMs: number, field: number): number {
    this.rotate(nowMs);
    return this.totals[field]!.get();
  }

  /** Forgets everything. */
  clear(): void {
    this.started.reset();
    this.head.reset();
    for (const row of this.counts) for (const count of row) count.reset();
    for (const total of this.totals) total.reset();
  }

  private slotOf(epoch: number): number {
    const slot = epoch % this.buckets;
    return slot < 0 ? slot + this.buckets : slot;
  }

  /** Moves the head to `nowMs`'s bucket, clearing the buckets that fell out; returns its epoch. */
  private rotate(nowMs: number): number {
    const epoch = Math.floor(nowMs / this.bucketMs);
    if (this.started.get() === 0) {
      this.started.set(1);
      // A clock that answers NaN or Infinity starts the window at epoch 0 rather than poisoning it.
      this.head.set(Number.isFinite(epoch) ? epoch : 0);
      return this.head.get();
    }
    const head = this.head.get();
    // Same bucket, or the clock went back (or answered NaN/Infinity): count into the newest bucket.
    if (!(epoch > head) || epoch === Infinity) return head;
    const steps = epoch - head < this.buckets ? epoch - head : this.buckets;
    for (let k = 1; k <= steps; k++) {
      const slot = this.slotOf(head + k);
      for (let f = 0; f < this.counts.length; f++) {
        const count = this.counts[f]![slot]!;
        const value = count.get();
        if (value !== 0) {
          this.totals[f]!.increment(-value);
          count.reset();
        }
      }
    }
    this.head.set(epoch);
    return epoch;
  }
}
