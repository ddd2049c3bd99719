import { MainClient } from 'binance';
import { afterEach, describe, expect, it } from 'vitest';
import {
  binanceClassifier,
  binancePresets,
  binanceWeightTracker,
} from '../../src/binance/index.js';
import { httpClassifier } from '../../src/http/index.js';
import { retry, RetryExhaustedError } from '../../src/index.js';
import { instantClock } from '../../src/testing/index.js';
import { startFakeBinance } from '../binance/fake-binance.js';

const API_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
const API_SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
/** Binance's shortest ban [BSD]: what a 418 without Retry-After must be taken to mean. */
const MIN_BAN_MS = 120_000;
const CALLERS = 20;

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe('a 418 without Retry-After, 20 concurrent callers sharing a tracker', () => {
  it('sends no request inside the ban once a caller has seen it, and retries none', async () => {
    const clock = instantClock();
    let banUntil: number | undefined;
    const insideBan: number[] = [];
    const afterBan: number[] = [];
    // The venue bans the IP at the first request, for Binance's minimum of 2 minutes, and says so
    // with an HTML page and no Retry-After; the `binance` client drops the status [TS].
    const server = await startFakeBinance(() => {
      const now = clock.now();
      banUntil ??= now + MIN_BAN_MS;
      if (now < banUntil) {
        insideBan.push(now);
        return {
          status: 418,
          body: "<html><head><title>418 I'm a teapot</title></head><body><h1>418 I'm a teapot</h1></body></html>",
        };
      }
      afterBan.push(now);
      return { status: 200, body: { symbol: 'BTCUSDT', orderId: 1, status: 'FILLED' } };
    });
    close = server.close;
    const client = new MainClient({
      api_key: API_KEY,
      api_secret: API_SECRET,
      baseUrl: server.baseUrl,
    });
    const tracker = binanceWeightTracker({ limit: 6000, clock });
    const options = {
      ...binancePresets.binanceOrder,
      classify: [binanceClassifier({ tracker, clock }), httpClassifier()],
      clock,
      operation: 'place_order',
    };
    const placeOrder = (n: number) =>
      retry(async () => {
        await tracker.acquire();
        return client.submitNewOrder({
          symbol: 'BTCUSDT',
          side: 'BUY',
          type: 'MARKET',
          quantity: 0.001,
          newClientOrderId: `${client.getOrderIdPrefix()}ban${n}`,
        });
      }, options);

    // Wave 1: twenty callers at once. All of them are on the wire before any answer comes back.
    const first = await Promise.allSettled(
      Array.from({ length: CALLERS }, (_, n) => placeOrder(n)),
    );
    expect(insideBan).toHaveLength(CALLERS);
    for (const settled of first) {
      expect(settled.status).toBe('rejected');
      const error = (settled as PromiseRejectedResult).reason as RetryExhaustedError;
      expect(error).toBeInstanceOf(RetryExhaustedError);
      // A ban of at least 2 minutes is longer than maxRetryAfterMs (60 s): the run ends at once.
      expect(error).toMatchObject({ reason: 'retry-after-too-long', attempts: 1 });
    }
    // The tracker learned of the ban from a client that drops the status.
    expect(tracker.snapshot().pausedUntil).toBeGreaterThanOrEqual(banUntil!);

    // Wave 2: twenty more callers while the ban lasts. Each waits on the tracker until it ends.
    const second = await Promise.allSettled(
      Array.from({ length: CALLERS }, (_, n) => placeOrder(CALLERS + n)),
    );
    expect(second.every((s) => s.status === 'fulfilled')).toBe(true);
    expect(insideBan).toHaveLength(CALLERS);
    expect(afterBan).toHaveLength(CALLERS);
    expect(Math.min(...afterBan)).toBeGreaterThanOrEqual(banUntil!);
  });
});
