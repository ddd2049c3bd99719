import { describe, expect, it } from 'vitest';
import { binancePresets } from '../../src/binance/index.js';

const delays = (
  backoff: (ctx: { retry: number; previousDelayMs: number; random: () => number }) => number,
  random: number,
) => [1, 2, 3, 4, 5].map((retry) => backoff({ retry, previousDelayMs: 0, random: () => random }));

describe('binancePresets', () => {
  it('binanceOrder: 4 attempts, not idempotent, binance then http classifiers', () => {
    const { binanceOrder } = binancePresets;
    expect(binanceOrder).toMatchObject({ maxAttempts: 4, idempotent: false });
    expect(binanceOrder.classify).toHaveLength(2);
    expect(Object.isFrozen(binanceOrder)).toBe(true);
  });

  it('binanceOrder: 1 s doubling to 8 s, with ±20 % jitter, never above 8 s', () => {
    expect(delays(binancePresets.binanceOrder.backoff, 0.5)).toEqual([
      1000, 2000, 4000, 8000, 8000,
    ]);
    expect(delays(binancePresets.binanceOrder.backoff, 0)).toEqual([800, 1600, 3200, 6400, 6400]);
    expect(delays(binancePresets.binanceOrder.backoff, 1)).toEqual([1200, 2400, 4800, 8000, 8000]);
  });

  it('binanceQuery: idempotent reads, 5 attempts, 250 ms doubling to 5 s with equal jitter', () => {
    expect(binancePresets.binanceQuery).toMatchObject({ maxAttempts: 5, idempotent: true });
    expect(delays(binancePresets.binanceQuery.backoff, 0)).toEqual([125, 250, 500, 1000, 2000]);
    expect(delays(binancePresets.binanceQuery.backoff, 1)).toEqual([250, 500, 1000, 2000, 4000]);
  });

  it('classifies a Binance rejection and a refused connection with the preset classifiers', () => {
    const [binance, http] = binancePresets.binanceOrder.classify;
    expect(binance!({ ok: false, error: { code: -2010, msg: 'Market is closed.' } })).toEqual({
      action: 'fail',
      reason: 'binance:-2010',
    });
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    // The Binance classifier knows the clients' network failures on its own.
    expect(binance!({ ok: false, error: refused })).toEqual({
      action: 'retry',
      reason: 'network:ECONNREFUSED',
    });
    expect(http!({ ok: false, error: refused })).toEqual({
      action: 'retry',
      reason: 'network:ECONNREFUSED',
    });
  });
});
