import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { binanceWeightTracker } from '../../src/binance/index.js';
import { publishHold } from '../../src/index.js';
import { retryMetrics, type RetryMetrics } from '../../src/metrics/index.js';
import { instantClock } from '../../src/testing/index.js';
import { parsePrometheus } from './prometheus-parser.js';

let metrics: RetryMetrics | undefined;

afterEach(() => {
  metrics?.stop();
  metrics = undefined;
});

/** A Binance tracker that holds its next caller for `status` (429 for 5 s, or a 418 ban). */
async function holdOnce(status: 429 | 418): Promise<void> {
  const tracker = binanceWeightTracker({ limit: 6000, clock: instantClock() });
  tracker.update(status === 429 ? { 'retry-after': '5' } : {}, status);
  await tracker.acquire();
}

describe('retryMetrics: holds_total', () => {
  it('counts each hold by source and reason', async () => {
    metrics = retryMetrics();
    await holdOnce(429);
    await holdOnce(429);
    await holdOnce(418);
    expect(metrics.snapshot().holds_total).toEqual([
      { labels: { source: 'binance-weight', reason: 'cooldown' }, value: 2 },
      { labels: { source: 'binance-weight', reason: 'ban' }, value: 1 },
    ]);
  });

  it("counts another tracker's holds published with publishHold()", () => {
    metrics = retryMetrics();
    publishHold({ source: 'okx-limits', reason: 'window', waitMs: 2000 });
    expect(metrics.snapshot().holds_total).toEqual([
      { labels: { source: 'okx-limits', reason: 'window' }, value: 1 },
    ]);
  });

  it('serves holds_total from a prom-client registry', async () => {
    const registry = new Registry();
    metrics = retryMetrics({ registry });
    await holdOnce(418);
    const parsed = parsePrometheus(await registry.metrics());
    expect(parsed.type.get('holds_total')).toBe('counter');
    expect(parsed.samples.filter((s) => s.name === 'holds_total')).toEqual([
      { name: 'holds_total', labels: { source: 'binance-weight', reason: 'ban' }, value: 1 },
    ]);
  });
});
