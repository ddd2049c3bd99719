import { describe, expect, it } from 'vitest';
import { binanceClassifier, binanceWeightTracker } from '../../src/binance/index.js';
import { bybitClassifier } from '../../src/bybit/index.js';
import { httpClassifier } from '../../src/http/index.js';
import { okxClassifier } from '../../src/okx/index.js';
import {
  HoldTooLongError,
  onUnknownOutcome,
  retry,
  type Classifier,
  type UnknownOutcomeEvent,
} from '../../src/index.js';
import { instantClock } from '../../src/testing/index.js';

/**
 * A tracker that refuses a hold (HoldTooLongError) refuses before anything is sent: an order run
 * must reject with that error at once, never reconcile it and never report an unknown outcome,
 * whichever classifier sees it first.
 */

const CLASSIFIERS: [string, Classifier | undefined][] = [
  ['binanceClassifier', binanceClassifier()],
  ['httpClassifier', httpClassifier()],
  ['okxClassifier', okxClassifier({ write: true })],
  ['bybitClassifier', bybitClassifier()],
  ['the default rule', undefined],
];

/** An order run whose every attempt acquires weight from a tracker banned for 2 minutes. */
async function bannedOrderRun(classify: Classifier | undefined) {
  const clock = instantClock();
  const tracker = binanceWeightTracker({ limit: 6000, clock });
  tracker.update({}, 418);
  const reconciled: unknown[] = [];
  const unknown: UnknownOutcomeEvent[] = [];
  let sent = 0;
  const stop = onUnknownOutcome((event) => unknown.push(event));
  try {
    const error = await retry(
      async () => {
        await tracker.acquireOrder(1, { maxWaitMs: 5000 });
        sent++;
        return 'placed';
      },
      {
        operation: 'place_order',
        idempotent: false,
        clock,
        ...(classify === undefined ? {} : { classify }),
        reconcile: async (ctx) => {
          reconciled.push(ctx);
          return { executed: false };
        },
      },
    ).catch((err: unknown) => err);
    return { error, reconciled, unknown, sent, sleeps: clock.sleeps };
  } finally {
    stop();
  }
}

describe.each(CLASSIFIERS)('a hold refused inside an order run, with %s', (_name, classify) => {
  it('rejects with the HoldTooLongError at once, sends nothing and sleeps nothing', async () => {
    const { error, sent, sleeps } = await bannedOrderRun(classify);
    expect(error).toBeInstanceOf(HoldTooLongError);
    expect(error).toMatchObject({ reason: 'ban', waitMs: 120_000, maxWaitMs: 5000 });
    expect([sent, sleeps]).toEqual([0, []]);
  });

  it('never calls reconcile and reports no unknown outcome', async () => {
    const { reconciled, unknown } = await bannedOrderRun(classify);
    expect([reconciled, unknown]).toEqual([[], []]);
  });

  it("judges it fail with reason hold-too-long (the classifier's own verdict)", () => {
    const error = new HoldTooLongError({ reason: 'cooldown', waitMs: 10_000, maxWaitMs: 3000 });
    expect(classify?.({ ok: false, error }) ?? 'no verdict: the default rule decides').toEqual(
      classify === undefined
        ? 'no verdict: the default rule decides'
        : { action: 'fail', reason: 'hold-too-long' },
    );
  });
});
