import util from 'node:util';
import axios from 'axios';
import * as ccxt from 'ccxt';
import { RestClient, type OrderRequest } from 'okx-api';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DUPLICATE_CLIENT_ORDER_ID,
  RetryExhaustedError,
  UnknownOutcomeError,
  constant,
  describeError,
  retry,
  serializeError,
  type ReconcileResult,
  type UnknownOutcomeEvent,
} from '../../src/index.js';
import {
  okxClassifier,
  okxPresets,
  okxRateLimitTracker,
  parseOkxError,
} from '../../src/okx/index.js';
import { instantClock } from '../../src/testing/index.js';
import { captureLogger } from '../helpers/log-capture.js';
import { OKX_MESSAGES, startFakeOkx, type Fault } from './fake-okx.js';

const API_KEY = '5f0c8a5e-7b7e-4c1e-9d1a-4f2b6c9e8a11';
const API_SECRET = 'C1F5D9A8B7E6F5A4B3C2D1E0F9A8B7C6';
const API_PASS = 'Tr4d1ng-Passphrase!';

let servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function venue(options: Parameters<typeof startFakeOkx>[0]) {
  const server = await startFakeOkx(options);
  servers.push(server);
  return server;
}

const okxClient = (baseUrl: string) =>
  new RestClient({ apiKey: API_KEY, apiSecret: API_SECRET, apiPass: API_PASS, baseUrl });

const order = (clOrdId: string): OrderRequest => ({
  instId: 'BTC-USDT',
  tdMode: 'cash',
  side: 'buy',
  ordType: 'market',
  sz: '0.001',
  clOrdId,
});

/** A reconcile that looks the order up by its clOrdId, as an application's does. */
const lookUp =
  (client: RestClient, clOrdId: string) => async (): Promise<ReconcileResult<unknown>> => {
    const found = await client
      .getOrderDetails({ instId: 'BTC-USDT', clOrdId })
      .catch(() => undefined);
    return found === undefined ? { executed: false } : { executed: true, value: found };
  };

const fault = (status: number, code: keyof typeof OKX_MESSAGES, execute: boolean): Fault => ({
  status,
  code,
  execute,
});

describe('okx-api RestClient against a local OKX server', () => {
  it('retries a 50011 answered with HTTP 429 after the backoff and places the order once', async () => {
    const server = await venue({ script: [fault(429, '50011', false)] });
    const client = okxClient(server.baseUrl);
    const clock = instantClock();

    const result = await retry(() => client.submitOrder(order('rl429')), {
      ...okxPresets.okxOrder,
      clock,
      random: () => 0.5,
    });

    expect(result).toMatchObject([{ clOrdId: 'rl429', sCode: '0' }]);
    expect(server.executions).toEqual(['rl429']);
    expect(server.orderRequests()).toBe(2);
    expect(clock.sleeps).toEqual([1000]);
  });

  it('retries a 50011 answered with HTTP 200 and places the order once', async () => {
    const server = await venue({ script: [fault(200, '50011', false)] });
    const client = okxClient(server.baseUrl);
    const clock = instantClock();

    const result = await retry(() => client.submitOrder(order('rl200')), {
      ...okxPresets.okxOrder,
      clock,
      random: () => 0.5,
    });

    expect(result).toMatchObject([{ clOrdId: 'rl200', sCode: '0' }]);
    expect(server.executions).toEqual(['rl200']);
    expect(clock.sleeps).toEqual([1000]);
  });

  it.each([
    ['50004', 400],
    ['51149', 500],
  ] as const)(
    'treats %s after the order executed as unknown and resolves with the looked-up order',
    async (code, status) => {
      const server = await venue({ script: [fault(status, code, true)] });
      const client = okxClient(server.baseUrl);
      const id = `u${code}`;
      const events: UnknownOutcomeEvent[] = [];

      const result = await retry(() => client.submitOrder(order(id)), {
        ...okxPresets.okxOrder,
        clock: instantClock(),
        reconcile: lookUp(client, id),
        onUnknownOutcome: (event) => void events.push(event),
      });

      expect(result).toMatchObject([{ clOrdId: id, state: 'filled' }]);
      expect(server.executions).toEqual([id]);
      expect(server.orderRequests()).toBe(1);
      expect(events.map((e) => [e.verdict.reason, e.resolution])).toEqual([
        [`okx:${code}`, 'executed'],
      ]);
    },
  );

  it('treats 51149 after the order executed as unknown and never sends it twice without reconcile', async () => {
    const server = await venue({ script: [fault(500, '51149', true)] });
    const client = okxClient(server.baseUrl);

    const error = await retry(() => client.submitOrder(order('nr1')), {
      ...okxPresets.okxOrder,
      clock: instantClock(),
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UnknownOutcomeError);
    expect((error as UnknownOutcomeError).cause).toEqual({
      code: '51149',
      msg: OKX_MESSAGES['51149'],
      data: [],
    });
    expect(server.executions).toEqual(['nr1']);
    expect(server.orderRequests()).toBe(1);
  });

  it('treats 50001 on an order as unknown and on a read as a retry', async () => {
    const server = await venue({ script: [fault(503, '50001', true)] });
    const client = okxClient(server.baseUrl);
    const thrown = await client.submitOrder(order('m1')).catch((e: unknown) => e);

    expect(okxPresets.okxOrder.classify[0]!({ ok: false, error: thrown })).toEqual({
      action: 'unknown',
      reason: 'okx:50001',
    });
    expect(okxPresets.okxRead.classify[0]!({ ok: false, error: thrown })).toEqual({
      action: 'retry',
      reason: 'okx:50001',
    });
  });

  it('sends a duplicate 51016 on a resend after reconcile said "not executed" to reconcile again, and resolves', async () => {
    // The first attempt executed but its answer was lost; the first lookup lags behind.
    const server = await venue({ script: ['reset-after-execute'], hiddenLookups: 1 });
    const client = okxClient(server.baseUrl);
    const events: UnknownOutcomeEvent[] = [];

    const result = await retry(() => client.submitOrder(order('dup1')), {
      ...okxPresets.okxOrder,
      clock: instantClock(),
      reconcile: lookUp(client, 'dup1'),
      onUnknownOutcome: (event) => void events.push(event),
    });

    expect(result).toMatchObject([{ clOrdId: 'dup1', state: 'filled' }]);
    expect(server.executions).toEqual(['dup1']);
    expect(server.orderRequests()).toBe(2);
    expect(events.map((e) => [e.verdict.reason, e.resolution])).toEqual([
      ['network:ECONNRESET', 'not-executed'],
      [DUPLICATE_CLIENT_ORDER_ID, 'executed'],
    ]);
  });

  it('retries a refused connection (nothing was sent) and places the order once', async () => {
    const closed = await startFakeOkx();
    const refusedUrl = closed.baseUrl;
    await closed.close();
    const client = okxClient(refusedUrl);

    const error = await retry(() => client.submitOrder(order('ref1')), {
      ...okxPresets.okxOrder,
      maxAttempts: 2,
      clock: instantClock(),
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RetryExhaustedError);
    expect(error).toMatchObject({ attempts: 2, cause: { code: 'ECONNREFUSED' } });
  });
});

const TRADE_ORDER = '/api/v5/trade/order';

describe('okxClassifier({ tracker: okxRateLimitTracker() }) with okx-api', () => {
  it('holds the next acquire of the endpoint for the backoff after a 50011', async () => {
    const server = await venue({ script: [fault(200, '50011', false)] });
    const client = okxClient(server.baseUrl);
    const clock = instantClock();
    const tracker = okxRateLimitTracker({ clock });

    await retry(() => client.submitOrder(order('trk1')), {
      classify: okxClassifier({ write: true, tracker, endpoint: TRADE_ORDER }),
      maxAttempts: 1,
      clock,
    }).catch(() => {});
    await tracker.acquire(TRADE_ORDER);

    expect(clock.sleeps).toEqual([2000]);
  });

  it('does not hold the other endpoints after a 50011', async () => {
    const server = await venue({ script: [fault(429, '50011', false)] });
    const client = okxClient(server.baseUrl);
    const clock = instantClock();
    const tracker = okxRateLimitTracker({ clock });

    await retry(() => client.submitOrder(order('trk2')), {
      classify: okxClassifier({ write: true, tracker, endpoint: TRADE_ORDER }),
      maxAttempts: 1,
      clock,
    }).catch(() => {});
    await tracker.acquire('/api/v5/account/balance');

    expect([clock.sleeps, tracker.snapshot().endpoints[TRADE_ORDER]?.heldUntil]).toEqual([
      [],
      clock.now() + 2000,
    ]);
  });

  it('makes the retry that acquires in its attempt wait out the hold, and places the order once', async () => {
    const server = await venue({ script: [fault(200, '50011', false)] });
    const client = okxClient(server.baseUrl);
    const clock = instantClock();
    const tracker = okxRateLimitTracker({ clock, backoff: constant(5000) });

    const result = await retry(
      async ({ signal }) => {
        await tracker.acquire(TRADE_ORDER, { signal });
        return client.submitOrder(order('trk3'));
      },
      {
        ...okxPresets.okxOrder,
        classify: okxClassifier({ write: true, tracker, endpoint: TRADE_ORDER }),
        backoff: constant(1000),
        clock,
      },
    );

    expect(result).toMatchObject([{ clOrdId: 'trk3', sCode: '0' }]);
    expect(server.executions).toEqual(['trk3']);
    // The run's backoff, then the rest of the tracker's 5 s hold.
    expect(clock.sleeps).toEqual([1000, 4000]);
  });

  it('gives the same verdict with a tracker whose update throws', async () => {
    const server = await venue({ script: [fault(429, '50011', false), fault(400, '50004', true)] });
    const client = okxClient(server.baseUrl);
    const failing = {
      update: () => {
        throw new Error('tracker down');
      },
    };
    const errors = [
      await client.submitOrder(order('trk4')).catch((e: unknown) => e),
      await client.submitOrder(order('trk5')).catch((e: unknown) => e),
    ];

    const withTracker = okxClassifier({ write: true, tracker: failing });
    const without = okxClassifier({ write: true });
    expect(errors.map((error) => withTracker({ ok: false, error }))).toEqual([
      { action: 'retry', reason: 'okx:50011' },
      { action: 'unknown', reason: 'okx:50004' },
    ]);
    expect(errors.map((error) => without({ ok: false, error }))).toEqual([
      { action: 'retry', reason: 'okx:50011' },
      { action: 'unknown', reason: 'okx:50004' },
    ]);
  });

  it('names the endpoint by the URL of an axios error, with no endpoint option', async () => {
    const server = await venue({ script: [fault(429, '50011', false)] });
    const clock = instantClock();
    const tracker = okxRateLimitTracker({ clock });

    await retry(() => axios.post(`${server.baseUrl}${TRADE_ORDER}`, order('trk6')), {
      classify: okxClassifier({ tracker }),
      maxAttempts: 1,
      clock,
    }).catch(() => {});

    expect(Object.keys(tracker.snapshot().endpoints)).toEqual([TRADE_ORDER]);
  });
});

describe('OKX batch answers with mixed sCodes', () => {
  const batch = (sCodes: string[]) => (orders: { clOrdId?: string }[]) => ({
    status: 200,
    body: {
      code: sCodes.includes('0') ? '2' : '1',
      msg: sCodes.includes('0') ? 'Bulk operation partially succeeded.' : 'All operations failed',
      data: orders.map((o, i) => ({
        clOrdId: o.clOrdId,
        ordId: sCodes[i] === '0' ? '9' : '',
        tag: '',
        sCode: sCodes[i],
        sMsg: sCodes[i] === '0' ? 'Order placed' : 'rejected',
      })),
    },
  });

  it('fails a partly successful batch whose failing item is a rejection, without resending', async () => {
    const server = await venue({ batch: batch(['0', '51008']) });
    const client = okxClient(server.baseUrl);

    const error = await retry(() => client.submitMultipleOrders([order('b1'), order('b2')]), {
      ...okxPresets.okxOrder,
      clock: instantClock(),
    }).catch((e: unknown) => e);

    expect(parseOkxError(error)).toEqual({
      code: '2',
      msg: 'Bulk operation partially succeeded.',
      sCode: '51008',
      sMsg: 'rejected',
    });
    expect(server.requests).toHaveLength(1);
  });

  it('reconciles a batch whose worst item is 51149', async () => {
    const server = await venue({ batch: batch(['51008', '51149']) });
    const client = okxClient(server.baseUrl);
    const events: UnknownOutcomeEvent[] = [];

    const result = await retry(() => client.submitMultipleOrders([order('b3'), order('b4')]), {
      ...okxPresets.okxOrder,
      clock: instantClock(),
      reconcile: async () => ({ executed: true, value: 'looked up' as never }),
      onUnknownOutcome: (event) => void events.push(event),
    });

    expect(result).toBe('looked up');
    expect(events.map((e) => e.verdict)).toEqual([{ action: 'unknown', reason: 'okx:51149' }]);
    expect(server.requests).toHaveLength(1);
  });

  it('does not resend a batch with an executed item and a rate-limited one: unknown', async () => {
    const server = await venue({ batch: batch(['0', '50011']) });
    const client = okxClient(server.baseUrl);

    const error = await retry(() => client.submitMultipleOrders([order('b5'), order('b6')]), {
      ...okxPresets.okxOrder,
      clock: instantClock(),
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UnknownOutcomeError);
    expect(server.requests).toHaveLength(1);
  });
});

describe('other OKX carriers against the local server', () => {
  it('ccxt okx: treats 51149 as unknown although ccxt throws a plain ExchangeError (a fail), and reconciles', async () => {
    const server = await venue({ script: [fault(500, '51149', true)] });
    const exchange = new ccxt.okx({
      apiKey: API_KEY,
      secret: API_SECRET,
      password: API_PASS,
      enableRateLimit: false,
    });
    exchange.urls.api = { ...(exchange.urls.api as Record<string, string>), rest: server.baseUrl };
    const events: UnknownOutcomeEvent[] = [];

    const result = await retry(
      () => (exchange as any).privatePostTradeOrder(order('cx1')) as Promise<unknown>,
      {
        ...okxPresets.okxOrder,
        clock: instantClock(),
        reconcile: async () => ({ executed: true, value: 'found' }),
        onUnknownOutcome: (event) => void events.push(event),
      },
    );
    await exchange.close();

    expect(result).toBe('found');
    expect(events[0]?.error).toBeInstanceOf(ccxt.ExchangeError);
    expect((events[0]?.error as Error).constructor).toBe(ccxt.ExchangeError);
    expect(events.map((e) => e.verdict)).toEqual([{ action: 'unknown', reason: 'okx:51149' }]);
    expect(server.executions).toEqual(['cx1']);
  });

  it('axios: treats a resolved HTTP 200 answer carrying 50004 as unknown and reconciles', async () => {
    const server = await venue({ script: [fault(200, '50004', true)] });
    const events: UnknownOutcomeEvent[] = [];

    const result = await retry(
      () => axios.post(`${server.baseUrl}/api/v5/trade/order`, order('ax1')),
      {
        ...okxPresets.okxOrder,
        clock: instantClock(),
        reconcile: async () => ({ executed: true, value: 'found' as never }),
        onUnknownOutcome: (event) => void events.push(event),
      },
    );

    expect(result).toBe('found');
    expect(events.map((e) => e.verdict)).toEqual([{ action: 'unknown', reason: 'okx:50004' }]);
    expect(server.executions).toEqual(['ax1']);
  });

  it('fetch: treats an HTTP 200 Response carrying 51149 as unknown (not a success) and reconciles', async () => {
    const server = await venue({ script: [fault(200, '51149', true)] });
    const events: UnknownOutcomeEvent[] = [];

    const result = await retry(
      () =>
        fetch(`${server.baseUrl}/api/v5/trade/order`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(order('fe1')),
        }),
      {
        ...okxPresets.okxOrder,
        clock: instantClock(),
        reconcile: async () => ({ executed: true, value: 'found' as never }),
        onUnknownOutcome: (event) => void events.push(event),
      },
    );

    expect(result).toBe('found');
    expect(events.map((e) => e.verdict)).toEqual([{ action: 'unknown', reason: 'okx:51149' }]);
    expect(server.executions).toEqual(['fe1']);
  });

  it('fetch: retries an HTTP 429 Response carrying 50011 after its Retry-After', async () => {
    const server = await venue({
      script: [{ status: 429, code: '50011', execute: false, headers: { 'Retry-After': '2' } }],
    });
    const clock = instantClock();

    const response = await retry(
      () =>
        fetch(`${server.baseUrl}/api/v5/trade/order`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(order('fe2')),
        }),
      { ...okxPresets.okxOrder, clock, random: () => 0.5 },
    );

    expect(response.status).toBe(200);
    expect(server.executions).toEqual(['fe2']);
    expect(clock.sleeps).toEqual([2000]);
  });
});

describe('secrets with the okx-api client', () => {
  const SECRETS = [API_KEY, API_SECRET, API_PASS];

  it('never prints the key, secret, passphrase or signature of a failed order', async () => {
    const server = await venue({ script: [fault(500, '51149', true)] });
    const client = okxClient(server.baseUrl);
    const capture = captureLogger();

    const error = await retry(() => client.submitOrder(order('s1')), {
      ...okxPresets.okxOrder,
      clock: instantClock(),
      logger: capture.logger,
      operation: 'okx_place_order',
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UnknownOutcomeError);
    const signature = String(server.requests[0]!.headers['ok-access-sign']);
    expect(signature.length).toBeGreaterThan(20);
    const printed = [
      capture.text(),
      describeError(error),
      JSON.stringify(serializeError(error)),
      util.inspect(error, { depth: 10 }),
      String(error),
    ].join('\n');
    expect(capture.records().map((r) => r.resolution)).toEqual(['unreconciled']);
    for (const secret of [...SECRETS, signature]) expect(printed).not.toContain(secret);
  });

  it('never prints them from the axios error okx-api throws when no response came', async () => {
    const closed = await startFakeOkx();
    const url = closed.baseUrl;
    await closed.close();
    const client = okxClient(url);
    const capture = captureLogger();

    const error = await retry(() => client.submitOrder(order('s2')), {
      ...okxPresets.okxOrder,
      maxAttempts: 2,
      clock: instantClock(),
      logger: capture.logger,
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RetryExhaustedError);
    const cause = (error as RetryExhaustedError).cause;
    // The client's own error carries the signed headers; tenacious's output must not.
    expect(cause).toMatchObject({
      code: 'ECONNREFUSED',
      config: { headers: { 'OK-ACCESS-KEY': API_KEY, 'OK-ACCESS-PASSPHRASE': API_PASS } },
    });
    const signature = String(
      (cause as { config: { headers: Record<string, string> } }).config.headers['OK-ACCESS-SIGN'],
    );
    const printed = [
      capture.text(),
      describeError(error),
      describeError(cause),
      JSON.stringify(serializeError(error)),
      JSON.stringify(serializeError(cause)),
      util.inspect(error, { depth: 10 }),
    ].join('\n');
    expect(capture.records().map((r) => r.reason)).toEqual(['network:ECONNREFUSED', 'attempts']);
    for (const secret of [...SECRETS, signature]) expect(printed).not.toContain(secret);
  });

  it('okxClassifier is marked as a body reader', () => {
    const marked = Object.getOwnPropertySymbols(okxClassifier()).map((s) => s.description);
    expect(marked).toContain('tenacious.readsResponseBody');
  });
});
