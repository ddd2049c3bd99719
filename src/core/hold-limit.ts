import type { AcquireOptions } from './types.js';
import { checkValue, limitMsRule, mismatch } from './validate.js';

/**
 * The limits of one tracker call, shared by every rate-limit tracker (Binance, OKX, Bybit): what
 * it may wait in all is the smaller of its `maxWaitMs` and the run's `remainingMs`, so a hold
 * inside an attempt never outlives the run's `maxElapsedMs`.
 */

/**
 * The error for bad `options` of a tracker call (`acquire: maxWaitMs: expected …`), or undefined.
 *
 * @example
 * ```ts
 * const error = checkAcquireOptions('acquire', { maxWaitMs: -5 }); // RangeError naming maxWaitMs
 * ```
 */
export function checkAcquireOptions(
  method: string,
  options: AcquireOptions | undefined,
): TypeError | RangeError | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) {
    return mismatch(
      TypeError,
      `${method}: options`,
      'an options object or the attempt context',
      options,
    );
  }
  const { maxWaitMs, remainingMs } = options;
  return (
    (maxWaitMs === undefined
      ? undefined
      : checkValue(`${method}: maxWaitMs`, maxWaitMs, limitMsRule)) ??
    (remainingMs === undefined
      ? undefined
      : checkValue(`${method}: remainingMs`, remainingMs, limitMsRule))
  );
}

/**
 * The most a call may wait in all, in ms: `min(maxWaitMs, remainingMs)`, `Infinity` without either.
 *
 * @example
 * ```ts
 * holdLimitMs({ maxWaitMs: 5000, remainingMs: 3000 }); // 3000
 * ```
 */
export function holdLimitMs(options: AcquireOptions | undefined): number {
  return Math.min(options?.maxWaitMs ?? Infinity, options?.remainingMs ?? Infinity);
}
