import { cap, exponential, jitter } from './backoff.js';
import type { Backoff } from './types.js';

/**
 * The two schedules every preset family shares, so that "order" and "query" mean the same
 * waits for generic, Binance and DEX presets alike.
 */

/** Orders and other writes: 1 s doubling to 8 s with ±20 % jitter, never above 8 s. */
export function orderBackoff(): Backoff {
  return cap(
    jitter(exponential({ initial: 1000, factor: 2, max: 8000 }), {
      mode: 'proportional',
      ratio: 0.2,
    }),
    8000,
  );
}

/** Idempotent reads: 250 ms doubling to 5 s with equal jitter. */
export function queryBackoff(): Backoff {
  return jitter(exponential({ initial: 250, factor: 2, max: 5000 }), { mode: 'equal' });
}
