import { describe, expect, it } from 'vitest';
import { binanceClassifier } from '../../../src/binance/index.js';
import { bybitClassifier } from '../../../src/bybit/index.js';
import { isThrottle, isThrottleReason } from '../../../src/core/limiter/throttle.js';
import { httpClassifier } from '../../../src/http/index.js';
import { okxClassifier } from '../../../src/okx/index.js';
import type { Classifier, Verdict } from '../../../src/index.js';

/**
 * Each venue's rate-limit answer, through its real classifier: the reason it produces must be a
 * throttle, so a limiter hears it (the table in src/core/limiter/throttle.ts lists reasons only).
 */
const error = (fields: object) => Object.assign(new Error('rate limited'), fields);
const judge = (classify: Classifier, thrown: unknown): Verdict | undefined =>
  classify({ ok: false, error: thrown });

const CASES: [string, Classifier, unknown, string][] = [
  ['HTTP 429', httpClassifier(), error({ status: 429 }), 'http:429'],
  [
    'Binance -1003',
    binanceClassifier(),
    error({ code: -1003, msg: 'Too many requests.' }),
    'binance:-1003',
  ],
  [
    'Binance -1015',
    binanceClassifier(),
    error({ code: -1015, msg: 'Too many new orders.' }),
    'binance:-1015',
  ],
  ['Binance HTTP 429', binanceClassifier(), error({ status: 429 }), 'binance:http-429'],
  ['OKX 50011', okxClassifier(), error({ code: '50011', msg: 'Rate limit reached.' }), 'okx:50011'],
  ['OKX 50061', okxClassifier(), error({ code: '50061', msg: 'Order rate limit.' }), 'okx:50061'],
  ['OKX 50013', okxClassifier(), error({ code: '50013', msg: 'Systems are busy.' }), 'okx:50013'],
  [
    'Bybit 10006',
    bybitClassifier(),
    error({ retCode: 10006, retMsg: 'Too many visits!' }),
    'bybit:10006',
  ],
  [
    'Bybit HTTP 403',
    bybitClassifier(),
    error({
      isAxiosError: true,
      response: { status: 403, data: '<html>403 Forbidden</html>', headers: {} },
      config: { url: 'https://api.bybit.com/v5/order/create' },
    }),
    'bybit:http-403',
  ],
];

describe('throttle reasons', () => {
  it.each(CASES)('takes %s as a throttle', (_name, classify, thrown, reason) => {
    const verdict = judge(classify, thrown);
    expect(verdict).toMatchObject({ action: 'retry', reason });
    expect(isThrottle(verdict)).toBe(true);
  });

  it('does not take a 503 as a throttle', () => {
    expect(isThrottleReason('http:503')).toBe(false);
  });

  it('does not take a success as a throttle', () => {
    expect(isThrottle(undefined)).toBe(false);
  });

  it('does not take a fail verdict with a rate-limit reason as a throttle', () => {
    expect(isThrottle({ action: 'fail', reason: 'http:429' })).toBe(false);
  });
});
