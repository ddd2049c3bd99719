import { RestClientV5 } from 'bybit-api';
import { afterEach, describe, expect, it } from 'vitest';
import {
  bybitClassifier,
  bybitPresets,
  bybitRateLimitTracker,
  parseBybitError,
} from '../../src/bybit/index.js';
import { httpClassifier } from '../../src/http/index.js';
import {
  DUPLICATE_CLIENT_ORDER_ID,
  RetryExhaustedError,
  UnknownOutcomeError,
  constant,
  retry,
  type UnknownOutcomeEvent,
  type Verdict,
} from '../../src/index.js';
import { instantClock } from '../../src/testing/index.js';
import { startFakeBybit, type FakeBybit, type FakeBybitOptions } from './fake-bybit.js';

/** The real bybit-api RestClientV5 against a local server speaking Bybit v5 REST. */

const API_KEY = 'bybitKeyQ7n2Vx9LmP4tRw8Z';
const API_SECRET = 'bybitSecretJ3kH6sD1fG5aQ0wE8rT2yU4iO7pL9';

let servers: FakeBybit[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function fake(options: FakeBybitOptions = {}) {
  const server = await startFakeBybit(options);
  servers.push(server);
  return server;
}

const clientFor = (baseUrl: string, extra: Record<string, unknown> = {}) =>
  new RestClientV5({ key: API_KEY, secret: API_SECRET, baseUrl, ...extra });

const ORDER = {
  category: 'linear' as const,
  symbol: 'BTCUSDT',
  side: 'Buy' as const,
  orderType: 'Market' as const,
  qty: '0.001',
};

/** The verdicts a run's classification gave, in order. */
function recordingClassify(classify: readonly ((o: any) => Verdict | undefined)[]) {
  const verdicts: (Verdict | undefined)[] = [];
  const wrapped = (outcome: any) => {
    for (const c of classify) {
      const v = c(outcome);
      if (v !== undefined) {
        verdicts.push(v);
        return v;
      }
    }
    verdicts.push(undefined);
    return undefined;
  };
  return { verdicts, classify: wrapped };
}

/** A reconcile that looks the order up by its orderLinkId, as an application's does. */
function lookUp(client: RestClientV5, orderLinkId: string, answers: boolean[]) {
  return async () => {
    const found = await client.getActiveOrders({ category: 'linear', orderLinkId });
    const order = found.result.list[0];
    answers.push(order !== undefined);
    return order === undefined
      ? { executed: false as const }
      : { executed: true as const, value: order };
  };
}

describe('bybit-api RestClientV5: resolved { retCode ≠ 0 } answers (throwExceptions: false)', () => {
  it('does not resend an order the venue rejected for balance: resolves with the answer, one request', async () => {
    const server = await fake({
      script: [{ kind: 'code', retCode: 110007, retMsg: 'ab not enough for new order' }],
    });
    const client = clientFor(server.url);
    const answer = await retry(() => client.submitOrder({ ...ORDER, orderLinkId: 'bal-1' }), {
      ...bybitPresets.bybitOrder,
      clock: instantClock(),
    });
    expect(answer).toMatchObject({ retCode: 110007 });
    expect(server.orderRequests()).toBe(1);
  });

  it('retries a 10016 on a read and resolves with the next answer', async () => {
    let calls = 0;
    const server = await fake();
    const client = clientFor(server.url);
    const answer = await retry(
      async () => {
        calls += 1;
        const found = await client.getActiveOrders({ category: 'linear', orderLinkId: 'x' });
        return calls === 1 ? { ...found, retCode: 10016, retMsg: 'Server error' } : found;
      },
      { ...bybitPresets.bybitRead, clock: instantClock() },
    );
    expect(answer.retCode).toBe(0);
    expect(calls).toBe(2);
  });

  it('gives no verdict to a successful answer', async () => {
    const server = await fake();
    const client = clientFor(server.url);
    const answer = await client.submitOrder({ ...ORDER, orderLinkId: 'ok-1' });
    expect(bybitClassifier()({ ok: true, value: answer })).toBeUndefined();
  });
});

describe('bybit-api RestClientV5: thrown answers (throwExceptions: true)', () => {
  it('rejects at once with the body bybit-api threw on a 10001 parameter error', async () => {
    const server = await fake({
      script: [{ kind: 'code', retCode: 10001, retMsg: 'params error: qty invalid' }],
    });
    const client = clientFor(server.url, { throwExceptions: true });
    const error = await retry(() => client.submitOrder({ ...ORDER, orderLinkId: 'p-1' }), {
      ...bybitPresets.bybitOrder,
      clock: instantClock(),
    }).catch((e: unknown) => e);
    expect(parseBybitError(error)).toEqual({
      retCode: 10001,
      retMsg: 'params error: qty invalid',
    });
    expect(server.orderRequests()).toBe(1);
  });
});

describe('bybit-api RestClientV5: rate limits', () => {
  it('waits exactly until X-Bapi-Limit-Reset-Timestamp after a 10006 (parseAPIRateLimits)', async () => {
    const clock = instantClock();
    const resetAtMs = clock.now() + 1500;
    const server = await fake({
      script: [
        {
          kind: 'code',
          retCode: 10006,
          retMsg: 'Too many visits. Exceeded the API Rate Limit.',
          headers: {
            'X-Bapi-Limit-Status': '0',
            'X-Bapi-Limit': '10',
            'X-Bapi-Limit-Reset-Timestamp': String(resetAtMs),
          },
        },
      ],
    });
    const client = clientFor(server.url, { parseAPIRateLimits: true });
    const answer = await retry(() => client.submitOrder({ ...ORDER, orderLinkId: 'rl-1' }), {
      ...bybitPresets.bybitOrder,
      classify: [bybitClassifier({ write: true, clock }), httpClassifier()],
      backoff: constant(100),
      clock,
    });
    expect(answer.retCode).toBe(0);
    expect(clock.sleeps).toEqual([1500]);
    expect(server.executions('rl-1')).toBe(1);
  });

  it('retries a 10006 without rate-limit headers after the backoff', async () => {
    const clock = instantClock();
    const server = await fake({
      script: [{ kind: 'code', retCode: 10006, retMsg: 'Too many visits!' }],
    });
    const client = clientFor(server.url);
    await retry(() => client.submitOrder({ ...ORDER, orderLinkId: 'rl-2' }), {
      ...bybitPresets.bybitOrder,
      backoff: constant(700),
      clock,
    });
    expect(clock.sleeps).toEqual([700]);
    expect(server.orderRequests()).toBe(2);
  });

  it('ends the run at once on an HTTP 403 IP ban (retry-after-too-long), one request', async () => {
    const server = await fake({
      script: [{ kind: 'status', status: 403, body: '<html>403 Forbidden</html>' }],
    });
    const client = clientFor(server.url);
    const error = await retry(() => client.submitOrder({ ...ORDER, orderLinkId: 'ban-1' }), {
      ...bybitPresets.bybitOrder,
      clock: instantClock(),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryExhaustedError);
    expect((error as RetryExhaustedError).reason).toBe('retry-after-too-long');
    expect(server.orderRequests()).toBe(1);
  });

  it('holds every caller sharing the tracker for 10 minutes after a 403', async () => {
    const clock = instantClock();
    const tracker = bybitRateLimitTracker({ clock });
    const server = await fake({
      script: [{ kind: 'status', status: 403, body: '<html>403 Forbidden</html>' }],
    });
    const client = clientFor(server.url);
    await retry(() => client.submitOrder({ ...ORDER, orderLinkId: 'ban-2' }), {
      ...bybitPresets.bybitOrder,
      classify: [bybitClassifier({ write: true, tracker, clock }), httpClassifier()],
      clock,
    }).catch(() => {});
    await tracker.acquire('/v5/market/tickers');
    await tracker.acquire('/v5/order/create');
    expect(clock.sleeps).toEqual([600_000]);
  });
});

describe('bybit-api RestClientV5: unknown outcomes', () => {
  it('rejects with UnknownOutcomeError after a 10000 the venue executed, never sending it again', async () => {
    const server = await fake({
      script: [{ kind: 'code', retCode: 10000, retMsg: 'Server Timeout', executes: true }],
    });
    const client = clientFor(server.url);
    const error = await retry(() => client.submitOrder({ ...ORDER, orderLinkId: 'u-1' }), {
      ...bybitPresets.bybitOrder,
      clock: instantClock(),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownOutcomeError);
    expect(server.orderRequests()).toBe(1);
    expect(server.executions('u-1')).toBe(1);
  });

  it('resolves with the looked-up order after a 10000 the venue executed (reconcile)', async () => {
    const server = await fake({
      script: [{ kind: 'code', retCode: 10000, retMsg: 'Server Timeout', executes: true }],
    });
    const client = clientFor(server.url);
    const answers: boolean[] = [];
    const value = await retry<unknown>(() => client.submitOrder({ ...ORDER, orderLinkId: 'u-2' }), {
      ...bybitPresets.bybitOrder,
      clock: instantClock(),
      reconcile: lookUp(client, 'u-2', answers),
    });
    expect(value).toMatchObject({ orderId: 'found-1', orderLinkId: 'u-2' });
    expect(answers).toEqual([true]);
    expect(server.executions('u-2')).toBe(1);
  });

  it('reconciles again on a 110072 duplicate after reconcile said "not executed", and resolves', async () => {
    // The first lookup misses the order the first attempt placed (replication lag).
    const server = await fake({
      script: [{ kind: 'code', retCode: 10000, retMsg: 'Server Timeout', executes: true }],
      lookupLag: 1,
    });
    const client = clientFor(server.url);
    const answers: boolean[] = [];
    const { verdicts, classify } = recordingClassify(bybitPresets.bybitOrder.classify);
    const events: UnknownOutcomeEvent[] = [];
    const value = await retry<unknown>(
      () => client.submitOrder({ ...ORDER, orderLinkId: 'dup-1' }),
      {
        ...bybitPresets.bybitOrder,
        classify,
        clock: instantClock(),
        reconcile: lookUp(client, 'dup-1', answers),
        onUnknownOutcome: (event) => void events.push(event),
      },
    );
    expect(value).toMatchObject({ orderLinkId: 'dup-1' });
    expect(verdicts.map((v) => v?.reason)).toEqual(['bybit:10000', DUPLICATE_CLIENT_ORDER_ID]);
    expect(answers).toEqual([false, true]);
    expect(events.map((e) => e.resolution)).toEqual(['not-executed', 'executed']);
    expect(server.executions('dup-1')).toBe(1);
  });

  it('treats a 10016 on an order as unknown: no resend without reconcile', async () => {
    const server = await fake({
      script: [{ kind: 'code', retCode: 10016, retMsg: 'Server error', executes: true }],
    });
    const client = clientFor(server.url);
    const error = await retry(() => client.submitOrder({ ...ORDER, orderLinkId: 'w-1' }), {
      ...bybitPresets.bybitOrder,
      clock: instantClock(),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownOutcomeError);
    expect(server.orderRequests()).toBe(1);
  });

  it('treats a connection reset after the order executed as unknown', async () => {
    const server = await fake({ script: [{ kind: 'reset-after-execute' }] });
    const client = clientFor(server.url);
    const error = await retry(() => client.submitOrder({ ...ORDER, orderLinkId: 'r-1' }), {
      ...bybitPresets.bybitOrder,
      clock: instantClock(),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownOutcomeError);
    expect(server.executions('r-1')).toBe(1);
  });

  it('retries an order refused before sending (ECONNREFUSED) and places it once', async () => {
    const server = await fake();
    const refused = clientFor('http://127.0.0.1:1');
    const good = clientFor(server.url);
    let attempt = 0;
    const answer = await retry(
      () => (++attempt === 1 ? refused : good).submitOrder({ ...ORDER, orderLinkId: 'c-1' }),
      { ...bybitPresets.bybitOrder, clock: instantClock() },
    );
    expect(answer.retCode).toBe(0);
    expect(server.executions('c-1')).toBe(1);
  });
});

describe('bybit-api RestClientV5: batch answers', () => {
  const batch = (linkIds: string[]) => linkIds.map((orderLinkId) => ({ ...ORDER, orderLinkId }));

  it('sends a batch with a timed-out item (10000) to reconcile', async () => {
    const server = await fake({ batchCodes: [0, 110007, 10000] });
    const client = clientFor(server.url);
    const reconciled: string[] = [];
    const value = await retry<unknown>(
      () => client.batchSubmitOrders('linear', batch(['b1', 'b2', 'b3'])),
      {
        ...bybitPresets.bybitOrder,
        clock: instantClock(),
        reconcile: async () => {
          reconciled.push('asked');
          return { executed: true as const, value: 'looked up' };
        },
      },
    );
    expect(value).toBe('looked up');
    expect(reconciled).toEqual(['asked']);
  });

  it('does not resend a batch whose items were placed or rejected: resolves with the answer', async () => {
    const server = await fake({ batchCodes: [0, 110007] });
    const client = clientFor(server.url);
    const answer = await retry(() => client.batchSubmitOrders('linear', batch(['b4', 'b5'])), {
      ...bybitPresets.bybitOrder,
      clock: instantClock(),
    });
    expect(parseBybitError(answer)?.items).toEqual([
      { code: 0, msg: 'OK' },
      { code: 110007, msg: 'error 110007' },
    ]);
    expect(server.requests.filter((r) => r.path === '/v5/order/create-batch')).toHaveLength(1);
  });

  const rateLimited = (codes: readonly number[]) => ({
    retCode: 0,
    retMsg: 'OK',
    result: { list: codes.map((code, i) => ({ orderId: code === 0 ? String(i + 1) : '' })) },
    retExtInfo: {
      list: codes.map((code) => ({ code, msg: code === 0 ? 'OK' : 'Too many visits!' })),
    },
  });

  it('treats a 10006 item beside a placed one as unknown: a resend would place it again', () => {
    expect(bybitClassifier()({ ok: true, value: rateLimited([0, 10006]) })).toEqual({
      action: 'unknown',
      reason: 'bybit:10006',
    });
  });

  it('retries a batch whose items were all rate-limited (10006)', () => {
    expect(bybitClassifier()({ ok: true, value: rateLimited([10006, 10006]) })).toEqual({
      action: 'retry',
      reason: 'bybit:10006',
    });
  });

  it('reconciles a batch with a placed item and a 10006 one, never placing an item twice', async () => {
    const server = await fake({ batchScript: [{ codes: [0, 10006] }] });
    const client = clientFor(server.url);
    const events: UnknownOutcomeEvent[] = [];
    let reconciles = 0;
    const value = await retry<unknown>(
      () => client.batchSubmitOrders('linear', batch(['p1', 'p2'])),
      {
        classify: [bybitClassifier({ write: true }), httpClassifier()],
        idempotent: false,
        clock: instantClock(),
        reconcile: async () => {
          reconciles += 1;
          return { executed: true as const, value: 'looked up' };
        },
        onUnknownOutcome: (event) => void events.push(event),
      },
    );
    expect(value).toBe('looked up');
    expect(reconciles).toBe(1);
    expect(events.map((e) => [e.verdict.reason, e.resolution])).toEqual([
      ['bybit:10006', 'executed'],
    ]);
    expect(server.batchRequests()).toBe(1);
    expect([server.executions('p1'), server.executions('p2')]).toEqual([1, 0]);
  });

  it('rejects with UnknownOutcomeError, without resending, a batch with a placed item and a 10006 one and no reconcile', async () => {
    const server = await fake({ batchScript: [{ codes: [0, 10006] }] });
    const client = clientFor(server.url);
    const error = await retry(() => client.batchSubmitOrders('linear', batch(['p3', 'p4'])), {
      ...bybitPresets.bybitOrder,
      clock: instantClock(),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownOutcomeError);
    expect(server.batchRequests()).toBe(1);
    expect(server.executions('p3')).toBe(1);
  });

  it('waits until X-Bapi-Limit-Reset-Timestamp and resends a batch whose items were all rate-limited', async () => {
    const clock = instantClock();
    const server = await fake({
      batchScript: [
        {
          codes: [10006, 10006],
          headers: {
            'X-Bapi-Limit-Status': '0',
            'X-Bapi-Limit': '10',
            'X-Bapi-Limit-Reset-Timestamp': String(clock.now() + 1500),
          },
        },
      ],
    });
    const client = clientFor(server.url, { parseAPIRateLimits: true });
    let reconciles = 0;
    const answer = await retry(() => client.batchSubmitOrders('linear', batch(['a1', 'a2'])), {
      classify: [bybitClassifier({ write: true, clock }), httpClassifier()],
      idempotent: false,
      backoff: constant(100),
      clock,
      reconcile: async () => {
        reconciles += 1;
        return { executed: false as const };
      },
    });
    expect(parseBybitError(answer)?.items).toEqual([
      { code: 0, msg: 'OK' },
      { code: 0, msg: 'OK' },
    ]);
    expect(clock.sleeps).toEqual([1500]);
    expect(reconciles).toBe(0);
    expect(server.batchRequests()).toBe(2);
    expect([server.executions('a1'), server.executions('a2')]).toEqual([1, 1]);
  });
});
