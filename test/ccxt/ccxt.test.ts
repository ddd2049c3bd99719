import fc from 'fast-check';
import * as ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { ccxtClassifier } from '../../src/ccxt/index.js';
import { RetryExhaustedError, retry } from '../../src/index.js';
import { instantClock } from '../../src/testing/index.js';

const classify = ccxtClassifier();
const verdictOf = (error: unknown) => classify({ ok: false, error });

describe('ccxtClassifier', () => {
  it.each([
    ['RateLimitExceeded', new ccxt.RateLimitExceeded('binance {"code":-1003}')],
    ['DDoSProtection', new ccxt.DDoSProtection('418 IP banned')],
    ['OnMaintenance', new ccxt.OnMaintenance('System is under maintenance.')],
    ['InvalidNonce', new ccxt.InvalidNonce('binance {"code":-1021}')],
    ['ChecksumError', new ccxt.ChecksumError('order book checksum')],
  ])('retries a %s', (name, error) => {
    expect(verdictOf(error)).toEqual({ action: 'retry', reason: `ccxt:${name}` });
  });

  it.each([
    [
      'RequestTimeout',
      new ccxt.RequestTimeout(
        'binance POST https://api.binance.com/api/v3/order request timed out',
      ),
    ],
    ['ExchangeNotAvailable', new ccxt.ExchangeNotAvailable('binance 503 Service Unavailable')],
    ['NetworkError', new ccxt.NetworkError('fetch failed ECONNRESET')],
    ['BadResponse', new ccxt.BadResponse('binance unparseable body')],
    ['NullResponse', new ccxt.NullResponse('empty body')],
    ['CancelPending', new ccxt.CancelPending('cancel pending')],
    ['OperationFailed', new ccxt.OperationFailed('binance {"code":-1000}')],
  ])('treats a %s as an unknown outcome', (name, error) => {
    expect(verdictOf(error)).toEqual({ action: 'unknown', reason: `ccxt:${name}` });
  });

  it('retries a NetworkError whose message names a failure before sending (never reached the exchange)', () => {
    const error = new ccxt.NetworkError(
      'binance POST https://api.binance.com/api/v3/order fetch failed: connect ECONNREFUSED 127.0.0.1:443',
    );
    expect(verdictOf(error)).toEqual({ action: 'retry', reason: 'ccxt:NetworkError:ECONNREFUSED' });
  });

  it('keeps a RequestTimeout that mentions a connect code unknown (only a bare NetworkError is read)', () => {
    const error = new ccxt.RequestTimeout(
      'binance POST … request timed out (ECONNREFUSED earlier)',
    );
    expect(verdictOf(error)).toEqual({ action: 'unknown', reason: 'ccxt:RequestTimeout' });
  });

  it.each([
    ['ExchangeError', new ccxt.ExchangeError('x')],
    ['AuthenticationError', new ccxt.AuthenticationError('binance {"code":-2015}')],
    ['PermissionDenied', new ccxt.PermissionDenied('x')],
    ['AccountNotEnabled', new ccxt.AccountNotEnabled('x')],
    ['AccountSuspended', new ccxt.AccountSuspended('x')],
    ['ArgumentsRequired', new ccxt.ArgumentsRequired('x')],
    ['BadRequest', new ccxt.BadRequest('x')],
    ['BadSymbol', new ccxt.BadSymbol('x')],
    ['OperationRejected', new ccxt.OperationRejected('x')],
    ['MarginModeAlreadySet', new ccxt.MarginModeAlreadySet('x')],
    ['MarketClosed', new ccxt.MarketClosed('Market is closed.')],
    ['InsufficientFunds', new ccxt.InsufficientFunds('Account has insufficient balance')],
    ['InvalidAddress', new ccxt.InvalidAddress('x')],
    ['InvalidOrder', new ccxt.InvalidOrder('binance {"code":-2010}')],
    ['OrderNotFound', new ccxt.OrderNotFound('x')],
    ['OrderImmediatelyFillable', new ccxt.OrderImmediatelyFillable('x')],
    ['OrderNotFillable', new ccxt.OrderNotFillable('x')],
    ['DuplicateOrderId', new ccxt.DuplicateOrderId('x')],
    ['NotSupported', new ccxt.NotSupported('x')],
    ['UnsubscribeError', new ccxt.UnsubscribeError('x')],
  ])('fails a %s at once', (name, error) => {
    expect(verdictOf(error)).toEqual({ action: 'fail', reason: `ccxt:${name}` });
  });

  it('recognises a ccxt error wrapped in a cause chain', () => {
    const wrapped = new Error('order failed', { cause: new ccxt.InsufficientFunds('no money') });
    expect(verdictOf(wrapped)).toEqual({ action: 'fail', reason: 'ccxt:InsufficientFunds' });
  });

  it('uses the nearest known class for a subclass it does not know', () => {
    class VenueSpecificError extends ccxt.RateLimitExceeded {}
    expect(verdictOf(new VenueSpecificError('x'))).toEqual({
      action: 'retry',
      reason: 'ccxt:RateLimitExceeded',
    });
  });

  it('recognises a minified ccxt error by its name property', () => {
    class a extends Error {}
    const error = Object.assign(new a('binance 429'), { name: 'RateLimitExceeded' });
    expect(verdictOf(error)).toEqual({ action: 'retry', reason: 'ccxt:RateLimitExceeded' });
  });

  it('gives no verdict on errors that are not ccxt errors', () => {
    expect(verdictOf(new Error('boom'))).toBeUndefined();
    expect(verdictOf(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBeUndefined();
    expect(verdictOf({ name: 'RateLimitExceeded' })).toBeUndefined();
    expect(verdictOf('RateLimitExceeded')).toBeUndefined();
  });

  it('gives no verdict on returned values', () => {
    expect(classify({ ok: true, value: new ccxt.RateLimitExceeded('x') })).toBeUndefined();
  });

  it('waits for the Retry-After of exchange.last_response_headers on a rate limit', () => {
    const exchange = {
      last_response_headers: { 'Retry-After': '7', 'Content-Type': 'application/json' },
    };
    const verdict = ccxtClassifier({ exchange })({
      ok: false,
      error: new ccxt.DDoSProtection('418'),
    });
    expect(verdict).toEqual({ action: 'retry', reason: 'ccxt:DDoSProtection', retryAfterMs: 7000 });
  });

  it('ignores last_response_headers for errors that are not rate limits', () => {
    const exchange = { last_response_headers: { 'Retry-After': '7' } };
    const verdict = ccxtClassifier({ exchange })({
      ok: false,
      error: new ccxt.RequestTimeout('x'),
    });
    expect(verdict).toEqual({ action: 'unknown', reason: 'ccxt:RequestTimeout' });
  });

  it('rejects a bad exchange option with a TypeError naming it', () => {
    expect(() => ccxtClassifier({ exchange: 'binance' as never })).toThrow(
      new TypeError('ccxtClassifier: `exchange`: expected a ccxt exchange instance, got "binance"'),
    );
  });

  it('does not retry an InsufficientFunds in a run (1 attempt, original error)', async () => {
    const error = new ccxt.InsufficientFunds('binance Account has insufficient balance');
    let attempts = 0;
    const run = retry(
      () => {
        attempts++;
        throw error;
      },
      { classify: ccxtClassifier(), clock: instantClock() },
    );
    await expect(run).rejects.toBe(error);
    expect(attempts).toBe(1);
  });

  it('retries a RateLimitExceeded until attempts run out', async () => {
    const clock = instantClock();
    const run = retry(
      () => {
        throw new ccxt.RateLimitExceeded('429');
      },
      { classify: ccxtClassifier(), clock, maxAttempts: 3, backoff: () => 100 },
    );
    await expect(run).rejects.toBeInstanceOf(RetryExhaustedError);
    expect(clock.sleeps).toEqual([100, 100]);
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(
        fc.anything({ withNullPrototype: true, withBigInt: true, withMap: true, withSet: true }),
        (value) => {
          expect(() => classify({ ok: false, error: value })).not.toThrow();
          expect(() => classify({ ok: true, value })).not.toThrow();
        },
      ),
    );
  });

  it('never throws on a proxy whose traps throw', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('trap');
        },
        getPrototypeOf() {
          throw new Error('trap');
        },
      },
    );
    expect(verdictOf(hostile)).toBeUndefined();
  });
});
