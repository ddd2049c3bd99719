import { describe, expect, it } from 'vitest';
import { binanceWeightTracker } from '../../src/binance/index.js';
import { retry, type AttemptContext } from '../../src/index.js';
import { instantClock } from '../../src/testing/index.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('a hedged read on Binance', () => {
  it('charges each hedge its request weight on the tracker', async () => {
    const clock = instantClock(0);
    const tracker = binanceWeightTracker({ limit: 6000, clock });
    const settlers: ((value: string) => void)[] = [];
    const depth = async (ctx: AttemptContext) => {
      await tracker.acquire(5, { signal: ctx.signal }); // a read that weighs 5
      return new Promise<string>((resolve) => settlers.push(resolve));
    };
    const run = retry(depth, { hedge: { afterMs: 50 }, clock });
    await tick();
    await tick();
    expect(settlers).toHaveLength(2);
    settlers[1]!('book');
    await expect(run).resolves.toBe('book');
    expect(tracker.snapshot().usedWeight['1m']).toBe(10);
  });
});
