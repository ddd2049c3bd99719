import { describe, expect, it } from 'vitest';
import { aggregate, difference, ratio } from '../../bench/lib/aggregate.js';
import { parseResult, rotate, RESULT_MARKER } from '../../bench/lib/protocol.js';
import { median, quantile, spread } from '../../bench/lib/stats.js';

describe('bench statistics', () => {
  it('interpolates quantiles between samples', () => {
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.99)).toBeCloseTo(4.96);
    expect(median([3])).toBe(3);
  });

  it('reports median, min and max of the finite values', () => {
    expect(spread([5, NaN, 1, 3])).toEqual({ median: 3, min: 1, max: 5, n: 3 });
  });

  it('rotates the row order by the run index', () => {
    expect(rotate(['a', 'b', 'c'], 1)).toEqual(['b', 'c', 'a']);
    expect(rotate(['a', 'b', 'c'], 4)).toEqual(['b', 'c', 'a']);
  });

  it('finds the result line among other output', () => {
    const out = `warning: something\n${RESULT_MARKER}{"scenario":"s1","rows":[]}\n`;
    expect(parseResult(out)).toEqual({ scenario: 's1', rows: [] });
    expect(parseResult('no result')).toBeUndefined();
  });

  it('takes ratios and differences inside each run, then the median', () => {
    const run = (t: number, f: number) => [
      {
        scenario: 's1',
        rows: [
          { id: 'tenacious', config: '', metrics: { ns: t } },
          { id: 'floor', config: '', metrics: { ns: f } },
        ],
      },
    ];
    // Run medians alone would give 300 / 200 = 1.5; the paired ratios are 1, 1.5 and 3.
    const agg = aggregate([run(100, 100), run(300, 200), run(900, 300)]);
    expect(ratio(agg, 'tenacious', 'floor', 'ns')).toBe(1.5);
    expect(difference(agg, 'tenacious', 'floor', 'ns')).toBe(100);
  });
});
