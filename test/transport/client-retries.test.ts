import axios from 'axios';
import * as ccxt from 'ccxt';
import { FetchRequest } from 'ethers';
import got from 'got';
import { createPublicClient, http } from 'viem';
import { mainnet } from 'viem/chains';
import { afterEach, describe, expect, it } from 'vitest';
import { clientRetriesOf } from '../../src/transport/client-retries.js';
import { httpClassifier } from '../../src/http/index.js';
import { ccxtClassifier } from '../../src/ccxt/index.js';
import { jsonRpcClassifier } from '../../src/dex/index.js';
import { RetryExhaustedError, retry } from '../../src/index.js';
import { instantClock } from '../../src/testing/index.js';
import { captureLogger } from '../helpers/log-capture.js';
import { scriptedServer, type ScriptedServer, type Step } from '../http/support.js';

/**
 * Clients that retry by themselves, against a real local server: how many requests each makes
 * with its defaults and with the setting docs/aws.md ("No stacked retries") gives to turn that
 * off, and what its error shows of it (requests counted server-side).
 */

const unavailable = {
  status: 503,
  headers: { 'content-type': 'application/json' },
  body: '{"error":"busy"}',
};

const servers: ScriptedServer[] = [];
async function server(steps: Step[] = [unavailable]) {
  const started = await scriptedServer(steps);
  servers.push(started);
  return started;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const classify = httpClassifier();
const thrownBy = async (call: () => Promise<unknown>) => {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('the call did not fail');
};

describe('got', () => {
  it('retries a GET twice by itself, and the verdict says so with the setting', async () => {
    const s = await server();
    // got's own schedule, shortened to 1 ms so that the test does not sleep.
    const error = await thrownBy(() =>
      got(s.url, { retry: { limit: 2, backoffLimit: 1, noise: 0 } }),
    );
    expect(s.requests).toHaveLength(3);
    expect(classify({ ok: false, error })).toEqual({
      action: 'unknown',
      reason: 'http:503',
      clientRetried: { attempts: 3, setting: 'got option `retry: { limit: 0 }`' },
    });
  });

  it("in a retry run, logs one warning naming got's setting", async () => {
    const s = await server();
    const capture = captureLogger('warn');
    const run = retry(() => got(s.url, { retry: { limit: 1, backoffLimit: 1, noise: 0 } }), {
      classify,
      maxAttempts: 3,
      operation: 'got_stacked',
      logger: capture.logger,
      clock: instantClock(),
    });
    await expect(run).rejects.toBeInstanceOf(RetryExhaustedError);
    expect(s.requests).toHaveLength(6);
    expect(capture.records().filter((r) => r.setting !== undefined)).toEqual([
      expect.objectContaining({
        operation: 'got_stacked',
        clientAttempts: 2,
        setting: 'got option `retry: { limit: 0 }`',
      }),
    ]);
  });

  it('makes one request with retry: { limit: 0 }, and the verdict carries no clientRetried', async () => {
    const s = await server();
    const error = await thrownBy(() => got(s.url, { retry: { limit: 0 } }));
    expect(s.requests).toHaveLength(1);
    expect(classify({ ok: false, error })).toEqual({ action: 'unknown', reason: 'http:503' });
  });
});

describe('axios with axios-retry', () => {
  it('reads the retries axios-retry made from config["axios-retry"].retryCount', async () => {
    // axios-retry is not installed here: its interceptor keeps this state on the request config
    // (softonic/axios-retry src/index.ts, setCurrentState), which the real AxiosError carries.
    const s = await server();
    const error = await thrownBy(() =>
      axios.get(s.url, { 'axios-retry': { retries: 3, retryCount: 3 } } as object),
    );
    expect(classify({ ok: false, error })).toEqual({
      action: 'unknown',
      reason: 'http:503',
      clientRetried: { attempts: 4, setting: 'axios-retry option `retries: 0`' },
    });
  });

  it('sees nothing on a plain axios error: axios itself does not retry', async () => {
    const s = await server();
    const error = await thrownBy(() => axios.get(s.url));
    expect(s.requests).toHaveLength(1);
    expect(clientRetriesOf(error)).toBeUndefined();
  });
});

describe('viem http transport', () => {
  const blockNumber = (url: string, retryCount?: number) =>
    createPublicClient({
      chain: mainnet,
      transport: http(url, { retryDelay: 1, ...(retryCount === undefined ? {} : { retryCount }) }),
    }).getBlockNumber();

  it('makes 4 requests by default and shows none of it on its error', async () => {
    const s = await server();
    const error = await thrownBy(() => blockNumber(s.url));
    expect(s.requests).toHaveLength(4);
    expect(clientRetriesOf(error)).toBeUndefined();
    expect(jsonRpcClassifier()({ ok: false, error })).not.toHaveProperty('clientRetried');
  });

  it('makes one request with retryCount: 0', async () => {
    const s = await server();
    await thrownBy(() => blockNumber(s.url, 0));
    expect(s.requests).toHaveLength(1);
  });
});

describe('ethers FetchRequest', () => {
  it('makes one request for a 429 with retryFunc returning false, keeping the 429', async () => {
    const s = await server([{ status: 429, headers: {}, body: 'slow down' }]);
    const request = new FetchRequest(s.url);
    request.retryFunc = async () => false;
    const response = await request.send();
    expect(response.statusCode).toBe(429);
    expect(s.requests).toHaveLength(1);
  });
});

describe('ccxt', () => {
  /** A Binance exchange whose public REST API is the local server. */
  function binance(url: string, options: Record<string, unknown> = {}) {
    const exchange = new ccxt.binance({ enableRateLimit: false, options });
    (exchange.urls as { api: Record<string, string> }).api.public = `${url}/api/v3`;
    return exchange;
  }

  it('makes one request by default, and the verdict carries no clientRetried', async () => {
    const s = await server([{ status: 503, body: 'Service Unavailable' }]);
    const exchange = binance(s.url);
    const error = await thrownBy(() => exchange.publicGetTime());
    expect(s.requests).toHaveLength(1);
    expect(ccxtClassifier({ exchange })({ ok: false, error })).toEqual({
      action: 'unknown',
      reason: 'ccxt:ExchangeNotAvailable',
    });
  });

  it('with maxRetriesOnFailure: 2, makes 3 requests and the verdict says so', async () => {
    const s = await server([{ status: 503, body: 'Service Unavailable' }]);
    const exchange = binance(s.url, { maxRetriesOnFailure: 2 });
    const error = await thrownBy(() => exchange.publicGetTime());
    expect(s.requests).toHaveLength(3);
    expect(ccxtClassifier({ exchange })({ ok: false, error })).toEqual({
      action: 'unknown',
      reason: 'ccxt:ExchangeNotAvailable',
      clientRetried: { attempts: 3, setting: 'ccxt option `maxRetriesOnFailure: 0`' },
    });
  });

  it('sets no clientRetried on a fail verdict: ccxt does not retry an ExchangeError', () => {
    const exchange = binance('http://127.0.0.1:1', { maxRetriesOnFailure: 2 });
    const error = new ccxt.InvalidOrder('binance {"code":-2010}');
    expect(ccxtClassifier({ exchange })({ ok: false, error })).toEqual({
      action: 'fail',
      reason: 'ccxt:InvalidOrder',
    });
  });
});
