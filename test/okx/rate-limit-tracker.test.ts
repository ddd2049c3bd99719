import { createServer } from 'node:http';
import axios from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { constant, HoldTooLongError, onHold, retry, type HoldEvent } from '../../src/index.js';
import { okxRateLimitTracker } from '../../src/okx/index.js';
import { instantClock } from '../../src/testing/index.js';
import { listenOnLoopback } from '../helpers/listen.js';

/**
 * okxRateLimitTracker against a local server speaking OKX v5 REST (OKXDOC): it answers the first
 * `limited` order requests with 50011 (HTTP 429) and the rest with `code: "0"`.
 */

let url: string;
let close: () => Promise<void>;
let limited = 0;

beforeAll(async () => {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const body =
        limited > 0
          ? { code: '50011', msg: 'Too Many Requests', data: [] }
          : { code: '0', msg: '', data: [{ ordId: '1', clOrdId: 'c1', sCode: '0', sMsg: '' }] };
      const status = limited > 0 ? 429 : 200;
      if (limited > 0) limited -= 1;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  ({ url, close } = await listenOnLoopback(server));
});
afterAll(async () => {
  await close();
});

const ORDER_PATH = '/api/v5/trade/order';
const order = () => axios.post(`${url}${ORDER_PATH}`, { instId: 'BTC-USDT', clOrdId: 'c1' });

describe('okxRateLimitTracker', () => {
  it('holds the callers of the endpoint for the backoff after a 50011 (axios error)', async () => {
    const clock = instantClock();
    const tracker = okxRateLimitTracker({ clock });
    limited = 1;
    tracker.update(await order().catch((e: unknown) => e));
    await tracker.acquire(ORDER_PATH);
    expect(clock.sleeps).toEqual([2000]);
  });

  it('publishes the hold after a 50011 as a cooldown of okx-limits', async () => {
    const clock = instantClock();
    const tracker = okxRateLimitTracker({ clock });
    limited = 1;
    tracker.update(await order().catch((e: unknown) => e));
    const events: HoldEvent[] = [];
    const stop = onHold((event) => events.push(event));
    await tracker.acquire(ORDER_PATH);
    stop();
    expect(events).toEqual([{ source: 'okx-limits', reason: 'cooldown', waitMs: 2000 }]);
  });

  it('doubles the hold while 50011s keep coming, and a success ends the streak', async () => {
    const clock = instantClock();
    const tracker = okxRateLimitTracker({ clock });
    limited = 2;
    for (let i = 0; i < 3; i++) {
      await tracker.acquire(ORDER_PATH);
      tracker.update(await order().catch((e: unknown) => e));
    }
    limited = 1;
    await tracker.acquire(ORDER_PATH);
    tracker.update(await order().catch((e: unknown) => e));
    await tracker.acquire(ORDER_PATH);
    expect(clock.sleeps).toEqual([2000, 4000, 2000]);
  });

  it('does not hold other endpoints', async () => {
    const clock = instantClock();
    const tracker = okxRateLimitTracker({ clock });
    limited = 1;
    tracker.update(await order().catch((e: unknown) => e));
    await tracker.acquire('/api/v5/account/balance');
    expect(clock.sleeps).toEqual([]);
  });

  it('reads the raw body okx-api rejects with, for the endpoint it is told', async () => {
    const clock = instantClock();
    const tracker = okxRateLimitTracker({ clock, backoff: constant(1500) });
    tracker.update({ code: '50061', msg: 'order rate limit', data: [] }, ORDER_PATH);
    await tracker.acquire(ORDER_PATH);
    expect(clock.sleeps).toEqual([1500]);
  });

  it('takes a code from report(code, endpoint), with no parser involved', async () => {
    const clock = instantClock();
    const tracker = okxRateLimitTracker({ clock });
    tracker.report('50013', ORDER_PATH);
    expect(tracker.snapshot().endpoints[ORDER_PATH]?.heldUntil).toBe(clock.now() + 2000);
  });

  it('ignores codes that are not rate limits', () => {
    const tracker = okxRateLimitTracker({ clock: instantClock() });
    tracker.report('51000', ORDER_PATH);
    expect(tracker.snapshot().endpoints).toEqual({});
  });

  it("rejects a held acquire with the caller's signal reason", async () => {
    const tracker = okxRateLimitTracker();
    tracker.report(50011, ORDER_PATH);
    const controller = new AbortController();
    const waiting = tracker.acquire(ORDER_PATH, { signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });

  it("rejects at once with HoldTooLongError when the hold outlasts the run's maxElapsedMs", async () => {
    const clock = instantClock();
    const tracker = okxRateLimitTracker({ clock });
    tracker.report('50011', ORDER_PATH);
    const error = await retry((ctx) => tracker.acquire(ORDER_PATH, ctx), {
      clock,
      maxElapsedMs: 1000,
    }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(HoldTooLongError);
    expect(error).toMatchObject({
      reason: 'cooldown',
      waitMs: 2000,
      maxWaitMs: 1000,
      message:
        'okx rate-limit tracker: a cooldown hold would wait 2000 ms, more than maxWaitMs (1000 ms)',
    });
    expect(clock.sleeps).toEqual([]);
  });

  it("waits a hold that fits in the run's maxElapsedMs", async () => {
    const clock = instantClock();
    const tracker = okxRateLimitTracker({ clock });
    tracker.report('50011', ORDER_PATH);
    await retry((ctx) => tracker.acquire(ORDER_PATH, ctx), { clock, maxElapsedMs: 5000 });
    expect(clock.sleeps).toEqual([2000]);
  });

  it('refuses a maxWaitMs that is not a number >= 0 with a RangeError naming it', async () => {
    const tracker = okxRateLimitTracker({ clock: instantClock() });
    await expect(tracker.acquire(ORDER_PATH, { maxWaitMs: -1 })).rejects.toThrow(
      new RangeError('acquire: maxWaitMs: expected a number >= 0 or Infinity, got -1'),
    );
  });

  it('refuses a bad backoff with a TypeError naming it and the value', () => {
    expect(() => okxRateLimitTracker({ backoff: 5 as never })).toThrow(
      new TypeError('okxRateLimitTracker: backoff: expected a function, got 5'),
    );
  });
});
