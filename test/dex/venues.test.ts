import { describe, expect, it } from 'vitest';
import { RetryExhaustedError } from '../../src/index.js';
import { dexClassifier, dexPresets } from '../../src/dex/index.js';
import { record, rejection, verdictOf } from './run.js';

const classify = dexClassifier();
const onValue = (value: unknown) => classify({ ok: true, value });

/** Hyperliquid exchange responses [HLE], shape per @nktkas/hyperliquid [HLJ]. */
const hlOrder = (...statuses: unknown[]) => ({
  status: 'ok',
  response: { type: 'order', data: { statuses } },
});

describe('Hyperliquid payloads', () => {
  it.each([
    ['Price must be divisible by tick size.', 'hyperliquid:Tick'],
    ['Order must have minimum value of $10.', 'hyperliquid:MinTradeNtl'],
    ['Order must have minimum value of 10 USDC.', 'hyperliquid:MinTradeSpotNtl'],
    ['Insufficient margin to place order.', 'hyperliquid:PerpMargin'],
    ['Reduce only order would increase position.', 'hyperliquid:ReduceOnly'],
    [
      'Post only order would have immediately matched, bbo was 100.1@100.2.',
      'hyperliquid:BadAloPx',
    ],
    ['Order could not immediately match against any resting orders.', 'hyperliquid:IocCancel'],
    ['Invalid TP/SL price.', 'hyperliquid:BadTriggerPx'],
    ['No liquidity available for market order.', 'hyperliquid:MarketOrderNoLiquidity'],
    [
      'Order would increase open interest while open interest is capped',
      'hyperliquid:OpenInterestCap',
    ],
    ['Order was never placed, already canceled, or filled.', 'hyperliquid:MissingOrder'],
    ['Something new the docs do not list.', 'hyperliquid:order-error'],
  ])('fails a returned order status error %j as %s', (message, reason) => {
    expect(onValue(hlOrder({ error: message }))).toEqual({ action: 'fail', reason });
  });

  it('fails a batch in which one leg failed (the other legs executed)', () => {
    const body = hlOrder({ resting: { oid: 1 } }, { error: 'Insufficient margin to place order.' });
    expect(onValue(body)).toEqual({ action: 'fail', reason: 'hyperliquid:PerpMargin' });
  });

  it('gives no verdict on a successful order response', () => {
    expect(
      onValue(
        hlOrder({ resting: { oid: 1 } }, { filled: { totalSz: '0.1', avgPx: '100', oid: 2 } }),
      ),
    ).toBeUndefined();
  });

  it('fails a returned { status: "err" } pre-validation error', () => {
    expect(
      onValue({ status: 'err', response: 'User or API Wallet 0xabc does not exist.' }),
    ).toEqual({
      action: 'fail',
      reason: 'hyperliquid:err',
    });
  });

  it('fails a thrown ApiRequestError carrying the body in `response`', () => {
    class ApiRequestError extends Error {
      constructor(readonly response: unknown) {
        super('Cannot process API request');
      }
    }
    const thrown = new ApiRequestError({
      status: 'err',
      response: 'Invalid nonce: duplicate nonce',
    });
    expect(verdictOf(classify, thrown)).toEqual({ action: 'fail', reason: 'hyperliquid:err' });
  });

  it('resolves the run with a returned { status: "err" } instead of retrying it', async () => {
    let calls = 0;
    const body = { status: 'err', response: 'Order has invalid size.' };
    const run = await record(
      async () => {
        calls++;
        return body;
      },
      { ...dexPresets.dexOrder },
    );
    expect(run.result).toEqual({ ok: true, value: body });
    expect(calls).toBe(1);
  });
});

describe('dYdX v4 codes', () => {
  /** cosmjs BroadcastTxError: `{ code, codespace, log }`. */
  class BroadcastTxError extends Error {
    constructor(
      readonly code: number,
      readonly codespace: string,
      readonly log: string,
    ) {
      super(
        `Broadcasting transaction failed with code ${code} (codespace: ${codespace}). Log: ${log}`,
      );
    }
  }

  it.each([
    [20, 'clob', { action: 'fail', reason: 'dydx:duplicate-order' }],
    [30, 'clob', { action: 'fail', reason: 'dydx:duplicate-order' }],
    [3005, 'clob', { action: 'fail', reason: 'dydx:duplicate-order' }],
    [2, 'clob', { action: 'fail', reason: 'dydx:clob-2' }],
    [10, 'clob', { action: 'fail', reason: 'dydx:clob-10' }],
    [2003, 'clob', { action: 'fail', reason: 'dydx:clob-2003' }],
    [5001, 'clob', { action: 'retry', reason: 'dydx:clob-5001' }],
    [19, 'sdk', { action: 'fail', reason: 'dydx:already-in-mempool' }],
    [20, 'sdk', { action: 'retry', reason: 'dydx:sdk-20' }],
    [32, 'sdk', { action: 'unknown', reason: 'dydx:sdk-32' }],
    [5, 'sdk', { action: 'fail', reason: 'dydx:sdk-5' }],
  ])('classifies code %i in codespace %s', (code, codespace, verdict) => {
    expect(verdictOf(classify, new BroadcastTxError(code, codespace, 'log'))).toEqual(verdict);
  });

  it('does not resend an order whose OrderId already exists (clob 20)', async () => {
    let calls = 0;
    const run = await record(
      async () => {
        calls++;
        throw new BroadcastTxError(20, 'clob', 'An order with the same OrderId already exists');
      },
      { ...dexPresets.dexOrder },
    );
    expect(rejection(run)).toBeInstanceOf(BroadcastTxError);
    expect(calls).toBe(1);
  });

  it('classifies a returned broadcast result with a non-zero code', () => {
    expect(onValue({ code: 30, codespace: 'clob', hash: 'ABC', log: 'already processed' })).toEqual(
      {
        action: 'fail',
        reason: 'dydx:duplicate-order',
      },
    );
    expect(onValue({ code: 0, codespace: '', hash: 'ABC' })).toBeUndefined();
  });

  it('retries a block rate limit and gives up after maxAttempts', async () => {
    const run = await record(
      async () => {
        throw new BroadcastTxError(5001, 'clob', 'Block rate limit exceeded');
      },
      { classify, maxAttempts: 3 },
    );
    expect(rejection(run)).toBeInstanceOf(RetryExhaustedError);
    expect(run.verdicts).toHaveLength(2);
  });
});

describe('Extended envelopes', () => {
  it('fails a returned { status: "ERROR", error: { code, message } }', () => {
    expect(
      onValue({ status: 'ERROR', error: { code: 1140, message: 'Order price is out of range' } }),
    ).toEqual({
      action: 'fail',
      reason: 'extended:1140',
    });
  });

  it('fails the envelope found in an axios-like error response', () => {
    const thrown = Object.assign(new Error('Request failed with status code 400'), {
      response: {
        status: 400,
        data: { status: 'ERROR', error: { code: 1101, message: 'Invalid quantity' } },
      },
    });
    expect(verdictOf(classify, thrown)).toEqual({ action: 'fail', reason: 'extended:1101' });
  });

  it('gives no verdict on { status: "OK" }', () => {
    expect(onValue({ status: 'OK', data: { id: 1, externalId: 'abc' } })).toBeUndefined();
  });

  it('retries an HTTP 429 from Extended (the SDK raises ApiRateLimitError)', () => {
    const thrown = Object.assign(new Error('rate limited'), {
      response: { status: 429, headers: { 'retry-after': '1' } },
    });
    expect(verdictOf(classify, thrown)).toEqual({
      action: 'retry',
      reason: 'http:429',
      retryAfterMs: 1000,
    });
  });
});
