import axios, { CanceledError } from 'axios';
import got from 'got';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { httpClassifier } from '../../src/http/index.js';
import {
  AttemptTimeoutError,
  RetryExhaustedError,
  UnknownOutcomeError,
  constant,
  none,
  retry,
} from '../../src/index.js';
import { instantClock } from '../../src/testing/index.js';
import { CLIENT_TIMEOUT_MS } from './clients.js';
import { ok, recording, scriptedServer, type ScriptedServer } from './support.js';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('responses returned as values (Node fetch)', () => {
  it('rejects with UnknownOutcomeError when a non-idempotent request gets a 500 response', async () => {
    server = await scriptedServer([{ status: 500 }, ok]);
    const url = server.url;
    const classify = recording(httpClassifier());
    const run = retry(({ signal }) => fetch(url, { method: 'POST', body: '{}', signal }), {
      classify,
      clock: instantClock(),
      idempotent: false,
    });
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownOutcomeError);
    expect((error as UnknownOutcomeError).cause).toBeInstanceOf(Response);
    expect(classify.verdicts).toEqual([{ action: 'unknown', reason: 'http:500' }]);
    expect(server.requests).toHaveLength(1);
  });

  it('retries a 502 response of an idempotent request', async () => {
    server = await scriptedServer([{ status: 502 }, ok]);
    const url = server.url;
    const classify = recording(httpClassifier());
    const res = await retry(({ signal }) => fetch(url, { signal }), {
      classify,
      clock: instantClock(),
    });
    expect(res.status).toBe(200);
    expect(classify.verdicts[0]).toEqual({ action: 'unknown', reason: 'http:502' });
    expect(server.requests).toHaveLength(2);
  });

  it('gives up when Retry-After asks for longer than maxRetryAfterMs', async () => {
    server = await scriptedServer([{ status: 503, headers: { 'retry-after': '120' } }, ok]);
    const url = server.url;
    const clock = instantClock();
    const run = retry(({ signal }) => fetch(url, { signal }), {
      classify: httpClassifier(),
      clock,
      maxRetryAfterMs: 60_000,
    });
    await expect(run).rejects.toMatchObject({
      name: 'RetryExhaustedError',
      reason: 'retry-after-too-long',
      attempts: 1,
    });
    expect(clock.sleeps).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('rejects with RetryExhaustedError holding the last response when 503s never stop', async () => {
    server = await scriptedServer([{ status: 503 }]);
    const url = server.url;
    const run = retry(({ signal }) => fetch(url, { signal }), {
      classify: httpClassifier(),
      clock: instantClock(),
      maxAttempts: 3,
      backoff: none,
    });
    const error = (await run.catch((e: unknown) => e)) as RetryExhaustedError<Response>;
    expect(error).toBeInstanceOf(RetryExhaustedError);
    expect(error.attempts).toBe(3);
    expect(error.value?.status).toBe(503);
    expect(server.requests).toHaveLength(3);
  });
});

describe('bodies cut off mid-stream', () => {
  it('judges a fetch body cut mid-stream (TypeError terminated) as unknown', async () => {
    server = await scriptedServer(['cut']);
    const url = server.url;
    const classify = recording(httpClassifier());
    const run = retry(async ({ signal }) => (await fetch(url, { signal })).text(), {
      classify,
      clock: instantClock(),
      idempotent: false,
    });
    await expect(run).rejects.toBeInstanceOf(UnknownOutcomeError);
    expect(classify.verdicts).toEqual([{ action: 'unknown', reason: 'network:terminated' }]);
  });

  it('judges an axios 200 whose body was cut (ERR_BAD_RESPONSE) as unknown', async () => {
    server = await scriptedServer(['cut']);
    const url = server.url;
    const classify = recording(httpClassifier());
    const run = retry(({ signal }) => axios.get(url, { signal }), {
      classify,
      clock: instantClock(),
      idempotent: false,
    });
    await expect(run).rejects.toBeInstanceOf(UnknownOutcomeError);
    expect(classify.verdicts).toEqual([{ action: 'unknown', reason: 'network:ERR_BAD_RESPONSE' }]);
  });

  it('judges a got body cut (ReadError on a 200) as unknown', async () => {
    server = await scriptedServer(['cut']);
    const url = server.url;
    const classify = recording(httpClassifier());
    const run = retry(({ signal }) => got(url, { signal, retry: { limit: 0 } }).text(), {
      classify,
      clock: instantClock(),
      idempotent: false,
    });
    await expect(run).rejects.toBeInstanceOf(UnknownOutcomeError);
    expect(classify.verdicts).toEqual([{ action: 'unknown', reason: 'network:ECONNRESET' }]);
  });
});

describe('timeouts and cancellation', () => {
  it('judges an axios request aborted by AbortSignal.timeout as unknown, not as a cancel', async () => {
    server = await scriptedServer(['hang']);
    const url = server.url;
    const classify = recording(httpClassifier());
    const run = retry(() => axios.get(url, { signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS) }), {
      classify,
      clock: instantClock(),
      idempotent: false,
    });
    await expect(run).rejects.toBeInstanceOf(UnknownOutcomeError);
    expect(classify.verdicts).toEqual([{ action: 'unknown', reason: 'network:TimeoutError' }]);
  });

  it('does not retry an axios request the caller cancelled', async () => {
    server = await scriptedServer(['hang']);
    const url = server.url;
    const classify = recording(httpClassifier());
    const controller = new AbortController();
    const run = retry(() => axios.get(url, { signal: controller.signal }), {
      classify,
      clock: instantClock(),
    });
    // Abort once the request is on the server, however long that takes on a busy machine.
    await vi.waitFor(() => expect(server!.requests).toHaveLength(1), { timeout: 10_000 });
    controller.abort();
    await expect(run).rejects.toBeInstanceOf(CanceledError);
    expect(classify.verdicts).toEqual([{ action: 'fail', reason: 'http:aborted' }]);
    expect(server.requests).toHaveLength(1);
  });

  it('does not retry a fetch the caller aborted', async () => {
    server = await scriptedServer(['hang']);
    const url = server.url;
    const classify = recording(httpClassifier());
    const controller = new AbortController();
    const run = retry(() => fetch(url, { signal: controller.signal }), {
      classify,
      clock: instantClock(),
    });
    // Abort once the request is on the server, however long that takes on a busy machine.
    await vi.waitFor(() => expect(server!.requests).toHaveLength(1), { timeout: 10_000 });
    controller.abort();
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(classify.verdicts).toEqual([{ action: 'fail', reason: 'http:aborted' }]);
  });

  it("leaves the engine's attempt timeout to the default rule (unknown: attempt-timeout)", async () => {
    server = await scriptedServer(['hang']);
    const url = server.url;
    const classify = recording(httpClassifier());
    const seen: string[] = [];
    const run = retry(({ signal }) => fetch(url, { signal }), {
      classify,
      clock: instantClock(),
      attemptTimeoutMs: 100,
      maxAttempts: 2,
      backoff: constant(10),
      onRetry: (event) => seen.push(event.verdict.reason),
    });
    const error = (await run.catch((e: unknown) => e)) as RetryExhaustedError;
    expect(error).toBeInstanceOf(RetryExhaustedError);
    expect(error.cause).toBeInstanceOf(AttemptTimeoutError);
    expect(classify.verdicts).toEqual([undefined, undefined]);
    expect(seen).toEqual(['attempt-timeout']);
  });
});
