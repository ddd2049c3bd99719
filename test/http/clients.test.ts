import { afterEach, describe, expect, it } from 'vitest';
import { httpClassifier } from '../../src/http/index.js';
import {
  RetryExhaustedError,
  UnknownOutcomeError,
  constant,
  none,
  retry,
} from '../../src/index.js';
import { instantClock } from '../../src/testing/index.js';
import { clients, type HttpClient } from './clients.js';
import {
  closedPortUrl,
  httpDate,
  ok,
  recording,
  scriptedServer,
  wholeSecond,
  type ScriptedServer,
} from './support.js';

/**
 * The same scenarios against real clients and a real local server: what each client produces
 * (a returned response, or its own error class, with the status or the socket error somewhere
 * on the cause chain) must reach the same verdict.
 */
describe.each(clients)('%s', (_name, make) => {
  let client: HttpClient;
  let server: ScriptedServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
    await client?.close();
  });

  const start = async (...steps: Parameters<typeof scriptedServer>[0]) => {
    client = make();
    server = await scriptedServer(steps);
    return server.url;
  };

  it('retries a 503 (unknown: a read retries it) once and resolves with the 200 that follows', async () => {
    const url = await start({ status: 503 }, ok);
    const clock = instantClock();
    const classify = recording(httpClassifier());
    const result = await retry(({ signal }) => client.get(url, signal), {
      classify,
      clock,
      backoff: constant(100),
    });
    expect(client.statusOf(result)).toBe(200);
    expect(server!.requests).toHaveLength(2);
    expect(classify.verdicts[0]).toEqual({ action: 'unknown', reason: 'http:503' });
    expect(clock.sleeps).toEqual([100]);
  });

  it('waits the Retry-After seconds of a 429 when they exceed the backoff', async () => {
    const url = await start({ status: 429, headers: { 'Retry-After': '3' } }, ok);
    const clock = instantClock();
    const classify = recording(httpClassifier());
    await retry(({ signal }) => client.get(url, signal), {
      classify,
      clock,
      backoff: constant(100),
    });
    expect(classify.verdicts[0]).toEqual({
      action: 'retry',
      reason: 'http:429',
      retryAfterMs: 3000,
    });
    expect(clock.sleeps).toEqual([3000]);
    expect(server!.requests).toHaveLength(2);
  });

  it('waits until the Retry-After HTTP-date of a 429', async () => {
    const clock = instantClock(wholeSecond());
    const url = await start(
      { status: 429, headers: { 'Retry-After': httpDate(clock.now() + 7000) } },
      ok,
    );
    const classify = recording(httpClassifier({ now: () => clock.now() }));
    await retry(({ signal }) => client.get(url, signal), { classify, clock, backoff: none });
    expect(classify.verdicts[0]).toEqual({
      action: 'retry',
      reason: 'http:429',
      retryAfterMs: 7000,
    });
    expect(clock.sleeps).toEqual([7000]);
    expect(server!.requests).toHaveLength(2);
  });

  it('does not retry a 400', async () => {
    const url = await start({ status: 400, body: '{"error":"bad symbol"}' }, ok);
    const clock = instantClock();
    const classify = recording(httpClassifier());
    const run = retry(({ signal }) => client.get(url, signal), { classify, clock });
    // A fail verdict on a returned response resolves with it; a thrown HTTP error rejects as is.
    if (client.returnsErrorStatuses) expect(client.statusOf(await run)).toBe(400);
    else await expect(run).rejects.toSatisfy((error) => !(error instanceof RetryExhaustedError));
    expect(classify.verdicts).toEqual([{ action: 'fail', reason: 'http:400' }]);
    expect(server!.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('rejects with UnknownOutcomeError when a non-idempotent POST loses its connection mid-request', async () => {
    const url = await start('destroy', ok);
    const classify = recording(httpClassifier());
    const run = retry(({ signal }) => client.post(url, signal), {
      classify,
      clock: instantClock(),
      idempotent: false,
    });
    await expect(run).rejects.toBeInstanceOf(UnknownOutcomeError);
    expect(classify.verdicts).toEqual([{ action: 'unknown', reason: client.resetReason }]);
    expect(server!.requests).toHaveLength(1);
  });

  it('retries an idempotent request that lost its connection mid-request', async () => {
    const url = await start('destroy', ok);
    const classify = recording(httpClassifier());
    const result = await retry(({ signal }) => client.get(url, signal), {
      classify,
      clock: instantClock(),
      idempotent: true,
    });
    expect(client.statusOf(result)).toBe(200);
    expect(classify.verdicts[0]).toEqual({ action: 'unknown', reason: client.resetReason });
    expect(server!.requests).toHaveLength(2);
  });

  it('retries a non-idempotent POST to a closed port: it was never sent', async () => {
    client = make();
    const url = await closedPortUrl();
    const clock = instantClock();
    const classify = recording(httpClassifier());
    const run = retry(({ signal }) => client.post(url, signal), {
      classify,
      clock,
      idempotent: false,
      maxAttempts: 3,
      backoff: constant(100),
    });
    await expect(run).rejects.toMatchObject({
      name: 'RetryExhaustedError',
      attempts: 3,
      reason: 'attempts',
    });
    expect(classify.verdicts).toEqual(
      Array(3).fill({ action: 'retry', reason: 'network:ECONNREFUSED' }),
    );
    expect(clock.sleeps).toEqual([100, 100]);
  });

  it('judges a client timeout against a server that never answers as unknown', async () => {
    const url = await start('hang');
    const classify = recording(httpClassifier());
    const run = retry(() => client.getWithTimeout(url), {
      classify,
      clock: instantClock(),
      idempotent: false,
    });
    await expect(run).rejects.toBeInstanceOf(UnknownOutcomeError);
    expect(classify.verdicts).toEqual([{ action: 'unknown', reason: client.timeoutReason }]);
    // Sent at most once. (On a busy machine the client's timer can fire before the request
    // reaches the server, so the server may have seen none.)
    expect(server!.requests.length).toBeLessThanOrEqual(1);
  });
});
