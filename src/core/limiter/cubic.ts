/**
 * The CUBIC rate curve of the AWS SDK's adaptive retry mode, as pure functions of rates in
 * requests per second and times in seconds. Source: `DefaultRateLimiter` in `@smithy/core`
 * 3.41 (`dist-cjs/submodules/retry/index.js`, re-exported by `@smithy/util-retry` 4.6.2):
 * `cubicThrottle`, `calculateTimeWindow`, `cubicSuccess`; the curve itself is TCP CUBIC's
 * (RFC 9438 §4.2, W_cubic(t) = C·(t − K)³ + W_max with K = ∛(W_max·(1 − β)/C)).
 */

/** AWS's constants (`DefaultRateLimiter`'s constructor defaults). */
export const CUBIC_DEFAULTS = Object.freeze({
  /** Multiplicative decrease on a throttle. */
  beta: 0.7,
  /** C, in requests/s per s³: how fast the rate grows back. */
  scale: 0.4,
  /** The lowest fill rate, requests/s (`minFillRate`). */
  minRate: 0.5,
  /** Weight of the newest half-second bucket in the measured rate (`smooth`). */
  smooth: 0.8,
});

/**
 * The rate right after a throttle: `beta × rateToUse` (AWS `cubicThrottle`).
 *
 * @example
 * ```ts
 * cubicThrottle(100, 0.7); // 70
 * ```
 */
export function cubicThrottle(rateToUse: number, beta: number): number {
  return rateToUse * beta;
}

/**
 * K, the seconds the curve takes to climb back to `lastMaxRate` after a throttle:
 * `∛(lastMaxRate × (1 − beta) / scale)` (AWS `calculateTimeWindow`).
 *
 * @example
 * ```ts
 * cubicWindow(100, 0.7, 0.4); // ∛75 ≈ 4.217 s
 * ```
 */
export function cubicWindow(lastMaxRate: number, beta: number, scale: number): number {
  return Math.cbrt((lastMaxRate * (1 - beta)) / scale);
}

/**
 * The rate `sinceThrottleS` seconds after the last throttle:
 * `scale × (sinceThrottleS − K)³ + lastMaxRate` (AWS `cubicSuccess`). It starts at
 * `beta × lastMaxRate`, flattens out at `lastMaxRate` after K seconds, then grows ever faster.
 *
 * @example
 * ```ts
 * cubicRate(0, 100, 0.7, 0.4); // 70: where the throttle left it
 * cubicRate(cubicWindow(100, 0.7, 0.4), 100, 0.7, 0.4); // 100: back at the old maximum
 * ```
 */
export function cubicRate(
  sinceThrottleS: number,
  lastMaxRate: number,
  beta: number,
  scale: number,
): number {
  const k = cubicWindow(lastMaxRate, beta, scale);
  return scale * (sinceThrottleS - k) ** 3 + lastMaxRate;
}

/**
 * The smoothed sending rate after a half-second bucket closes with `currentRate`:
 * `smooth × currentRate + (1 − smooth) × measured` (AWS `updateMeasuredRate`).
 *
 * @example
 * ```ts
 * smoothRate(50, 100, 0.8); // 60
 * ```
 */
export function smoothRate(currentRate: number, measured: number, smooth: number): number {
  return currentRate * smooth + measured * (1 - smooth);
}
