import { DefaultRateLimiter } from '@smithy/util-retry';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CUBIC_DEFAULTS,
  cubicRate,
  cubicThrottle,
  cubicWindow,
  smoothRate,
} from '../../../src/core/limiter/cubic.js';
import { test } from '../../helpers/property.js';

/** The AWS SDK's own limiter, its internals set by hand: the reference the formulas must match. */
function aws(lastMaxRate: number, lastThrottleS: number) {
  const limiter = new DefaultRateLimiter() as unknown as {
    lastMaxRate: number;
    lastThrottleTime: number;
    timeWindow: number;
    calculateTimeWindow(): void;
    cubicSuccess(t: number): number;
    cubicThrottle(rate: number): number;
  };
  limiter.lastMaxRate = lastMaxRate;
  limiter.lastThrottleTime = lastThrottleS;
  limiter.calculateTimeWindow();
  return limiter;
}

const { beta, scale } = CUBIC_DEFAULTS;
const rate = fc.double({ min: 0.5, max: 10_000, noNaN: true });
const seconds = fc.double({ min: 0, max: 60, noNaN: true });

describe('the CUBIC curve', () => {
  it('cuts a throttled rate to beta times it', () => {
    expect(cubicThrottle(100, 0.7)).toBe(70);
  });

  it('takes cbrt(lastMaxRate (1 - beta) / scale) seconds to climb back', () => {
    expect(cubicWindow(100, 0.7, 0.4)).toBeCloseTo(Math.cbrt(75), 12);
  });

  it('blends a closed bucket into the measured rate 0.8 : 0.2', () => {
    expect(smoothRate(50, 100, 0.8)).toBeCloseTo(60, 12);
  });

  test.prop([rate, seconds])('matches DefaultRateLimiter.cubicSuccess', (max, t) => {
    // AWS rounds K and the rate to 8 decimals (getPrecise); the curve is otherwise the same.
    const difference = cubicRate(t, max, beta, scale) - aws(max, 1000).cubicSuccess(1000 + t);
    expect(Math.abs(difference)).toBeLessThan(1e-4);
  });

  test.prop([rate])('matches DefaultRateLimiter.cubicThrottle', (r) => {
    expect(cubicThrottle(r, beta)).toBeCloseTo(aws(0, 0).cubicThrottle(r), 6);
  });

  test.prop([rate])('starts at beta times lastMaxRate right after the throttle', (max) => {
    expect(cubicRate(0, max, beta, scale)).toBeCloseTo(beta * max, 9);
  });

  test.prop([rate, seconds])(
    'stays within [beta x lastMaxRate, lastMaxRate] until the window ends',
    (max, t) => {
      const k = cubicWindow(max, beta, scale);
      const r = cubicRate(Math.min(t, k), max, beta, scale);
      expect(r).toBeGreaterThanOrEqual(beta * max - 1e-9);
      expect(r).toBeLessThanOrEqual(max + 1e-9);
    },
  );

  test.prop([rate, seconds, seconds])('never falls while recovering', (max, a, b) => {
    const [early, late] = a <= b ? [a, b] : [b, a];
    expect(cubicRate(late, max, beta, scale)).toBeGreaterThanOrEqual(
      cubicRate(early, max, beta, scale) - 1e-9,
    );
  });

  test.prop([rate, seconds])('is deterministic', (max, t) => {
    expect(cubicRate(t, max, beta, scale)).toBe(cubicRate(t, max, beta, scale));
  });
});
