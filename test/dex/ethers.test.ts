import { FetchRequest, JsonRpcProvider, Network, Wallet } from 'ethers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RetryExhaustedError, UnknownOutcomeError } from '../../src/index.js';
import { dexPresets, jsonRpcClassifier } from '../../src/dex/index.js';
import { closedPortUrl, startRpcServer, type RpcServer } from './rpc-server.js';
import { record, rejection, verdictOf } from './run.js';

/**
 * ethers v6 against a local JSON-RPC node: the classifier sees the errors ethers really builds.
 * Providers are made with `staticNetwork` (no eth_chainId probe) and `cacheTimeout: -1` (ethers
 * otherwise replays an identical call's result, a rejection included, for 250 ms, so a retry
 * within 250 ms would get the cached failure). FetchRequest's own 429 retrying (up to 12 tries)
 * is turned off with `retryFunc`, except in the test that measures it.
 */

const classify = jsonRpcClassifier();
const KEY = `0x${'01'.repeat(32)}`;
const TO = `0x${'22'.repeat(20)}`;
const TX = {
  to: TO,
  value: 1n,
  nonce: 0,
  gasLimit: 21000n,
  maxFeePerGas: 2n,
  maxPriorityFeePerGas: 1n,
  chainId: 1n,
};

let server: RpcServer;
const providers: JsonRpcProvider[] = [];

function provider(
  url = server.url,
  options: { ethersRetries429?: boolean; timeoutMs?: number } = {},
) {
  const request = new FetchRequest(url);
  if (options.ethersRetries429 !== true) request.retryFunc = async () => false;
  if (options.timeoutMs !== undefined) request.timeout = options.timeoutMs;
  const p = new JsonRpcProvider(request, 1, { staticNetwork: Network.from(1), cacheTimeout: -1 });
  providers.push(p);
  return p;
}

beforeAll(async () => {
  server = await startRpcServer();
});
afterEach(() => {
  for (const p of providers.splice(0)) p.destroy();
  server.reset();
});
afterAll(async () => {
  await server.close();
});

describe('ethers v6 reads', () => {
  it('retries an HTTP 503 (unknown: a read retries it) and succeeds on the third attempt', async () => {
    server.reply(
      'eth_blockNumber',
      { http: { status: 503, body: 'unavailable' } },
      { http: { status: 503, body: 'unavailable' } },
    );
    const p = provider();
    const run = await record(() => p.getBlockNumber(), { classify });
    expect(run.result).toEqual({ ok: true, value: 16 });
    expect(run.verdicts).toEqual([
      { action: 'unknown', reason: 'http:503' },
      { action: 'unknown', reason: 'http:503' },
    ]);
    expect(server.count('eth_blockNumber')).toBe(3);
    expect(run.clock.sleeps).toEqual([10, 10]);
  });

  it('waits the Retry-After of an HTTP 429 in seconds', async () => {
    server.reply('eth_blockNumber', {
      http: { status: 429, headers: { 'Retry-After': '2' }, body: 'Too Many Requests' },
    });
    const p = provider();
    const run = await record(() => p.getBlockNumber(), { classify });
    expect(run.result.ok).toBe(true);
    expect(run.verdicts).toEqual([{ action: 'retry', reason: 'http:429', retryAfterMs: 2000 }]);
    expect(run.clock.sleeps).toEqual([2000]);
  });

  it("classifies the 429 that ethers' own retrying gave up on, honouring Retry-After as seconds", async () => {
    // ethers retries a 429 up to 12 times and reads Retry-After as milliseconds: answering
    // "Retry-After: 1" makes its 12 tries take a few ms instead of minutes.
    server.reply(
      'eth_blockNumber',
      ...Array.from({ length: 12 }, () => ({
        http: { status: 429, headers: { 'Retry-After': '1' }, body: 'Too Many Requests' },
      })),
    );
    const p = provider(server.url, { ethersRetries429: true });
    const run = await record(() => p.getBlockNumber(), { classify });
    expect(server.count('eth_blockNumber')).toBe(13);
    expect(run.verdicts).toEqual([{ action: 'retry', reason: 'http:429', retryAfterMs: 1000 }]);
    expect(run.result.ok).toBe(true);
  });

  it('waits backoff_seconds of a -32005 limit exceeded answered with HTTP 200', async () => {
    server.reply('eth_blockNumber', {
      error: {
        code: -32005,
        message: 'project ID request rate exceeded',
        data: { backoff_seconds: 30 },
      },
    });
    const p = provider();
    const run = await record(() => p.getBlockNumber(), { classify });
    expect(run.result).toEqual({ ok: true, value: 16 });
    expect(run.verdicts).toEqual([
      { action: 'retry', reason: 'jsonrpc:-32005', retryAfterMs: 30000 },
    ]);
    expect(run.clock.sleeps).toEqual([30000]);
  });

  it("reads Infura's -32005 body of an HTTP 429 and takes the longer of it and Retry-After", async () => {
    server.reply('eth_getBalance', {
      http: {
        status: 429,
        headers: { 'Retry-After': '2' },
        body: {
          jsonrpc: '2.0',
          id: 1,
          error: {
            code: -32005,
            message: 'project ID request rate exceeded',
            data: { backoff_seconds: 30 },
          },
        },
      },
    });
    const p = provider();
    const run = await record(() => p.getBalance(TO), { classify });
    expect(run.result).toEqual({ ok: true, value: 100n });
    expect(run.verdicts).toEqual([
      { action: 'retry', reason: 'jsonrpc:-32005', retryAfterMs: 30000 },
    ]);
  });

  it('retries a -32005 on eth_call, which ethers reports as CALL_EXCEPTION', async () => {
    server.reply('eth_call', {
      error: { code: -32005, message: 'daily request count exceeded, request rate limited' },
    });
    const p = provider();
    const run = await record(() => p.call({ to: TO, data: '0x' }), { classify });
    expect(run.result).toEqual({ ok: true, value: '0x' });
    expect(run.verdicts).toEqual([{ action: 'retry', reason: 'jsonrpc:-32005' }]);
  });

  it('retries "header not found" from a node behind the head', async () => {
    server.reply('eth_getBalance', { error: { code: -32000, message: 'header not found' } });
    const p = provider();
    const run = await record(() => p.getBalance(TO), { classify });
    expect(run.result).toEqual({ ok: true, value: 100n });
    expect(run.verdicts).toEqual([{ action: 'retry', reason: 'jsonrpc:header-not-found' }]);
  });

  it('does not retry an execution reverted eth_call', async () => {
    const revertData = `0x08c379a0${'0'.repeat(62)}20${'0'.repeat(63)}4${'6e6f7065'.padEnd(64, '0')}`;
    server.reply('eth_call', {
      error: { code: 3, message: 'execution reverted: nope', data: revertData },
    });
    const p = provider();
    const run = await record(() => p.call({ to: TO, data: '0x' }), { classify });
    const error = rejection(run);
    expect(error).toMatchObject({ code: 'CALL_EXCEPTION', reason: 'nope' });
    expect(verdictOf(classify, error)).toEqual({
      action: 'fail',
      reason: 'jsonrpc:execution-reverted',
    });
    expect(server.count('eth_call')).toBe(1);
  });

  it('treats -32603 internal error as unknown, so an idempotent read retries it', async () => {
    server.reply('eth_blockNumber', { error: { code: -32603, message: 'internal error' } });
    const p = provider();
    const run = await record(() => p.getBlockNumber(), { classify });
    expect(run.result.ok).toBe(true);
    expect(run.verdicts).toEqual([{ action: 'unknown', reason: 'jsonrpc:-32603' }]);
  });

  it('retries an Alchemy-style { code: 429 } inside an HTTP 200 body', async () => {
    server.reply('eth_blockNumber', {
      error: { code: 429, message: 'Your app has exceeded its compute units per second capacity' },
    });
    const p = provider();
    const run = await record(() => p.getBlockNumber(), { classify });
    expect(run.verdicts).toEqual([{ action: 'retry', reason: 'jsonrpc:429' }]);
  });

  it('retries a refused connection and gives up after maxAttempts', async () => {
    const p = provider(await closedPortUrl());
    const run = await record(() => p.getBlockNumber(), { classify, maxAttempts: 3 });
    const error = rejection(run);
    expect(error).toBeInstanceOf(RetryExhaustedError);
    expect(error).toMatchObject({
      attempts: 3,
      reason: 'attempts',
      cause: { code: 'ECONNREFUSED' },
    });
    expect(run.verdicts.map((v) => v.reason)).toEqual([
      'network:ECONNREFUSED',
      'network:ECONNREFUSED',
    ]);
  });

  it('fails a 402 Payment Required at once', async () => {
    server.reply('eth_blockNumber', { http: { status: 402, body: 'Payment Required' } });
    const p = provider();
    const run = await record(() => p.getBlockNumber(), { classify });
    expect(verdictOf(classify, rejection(run))).toEqual({ action: 'fail', reason: 'http:402' });
    expect(server.count('eth_blockNumber')).toBe(1);
  });

  it('treats an ethers request TIMEOUT as unknown and retries the read', async () => {
    server.reply('eth_blockNumber', { hang: true });
    // The client's timeout is real time: long enough that only the hanging call reaches it at
    // rest; on a busy machine a later call may time out too, and is judged the same way.
    const p = provider(server.url, { timeoutMs: 1000 });
    const run = await record(() => p.getBlockNumber(), { classify });
    expect(run.result).toEqual({ ok: true, value: 16 });
    expect(run.verdicts.length).toBeGreaterThanOrEqual(1);
    for (const verdict of run.verdicts) {
      expect(verdict).toEqual({ action: 'unknown', reason: 'ethers:TIMEOUT' });
    }
  });
});

describe('ethers v6 sends', () => {
  it('fails "already known" at once: the earlier broadcast is in the pool', async () => {
    server.reply('eth_sendRawTransaction', { error: { code: -32000, message: 'already known' } });
    const wallet = new Wallet(KEY, provider());
    const run = await record(() => wallet.sendTransaction(TX), { ...dexPresets.evmSend, classify });
    const error = rejection(run);
    expect(error).toMatchObject({ code: 'UNKNOWN_ERROR', error: { message: 'already known' } });
    expect(verdictOf(classify, error)).toEqual({ action: 'fail', reason: 'jsonrpc:already-known' });
    expect(server.count('eth_sendRawTransaction')).toBe(1);
  });

  it('does not re-sign after "nonce too low": UnknownOutcomeError with evmSend', async () => {
    server.reply('eth_sendRawTransaction', {
      error: { code: -32000, message: 'nonce too low: next nonce 1, tx nonce 0' },
    });
    const wallet = new Wallet(KEY, provider());
    const run = await record(() => wallet.sendTransaction(TX), { ...dexPresets.evmSend });
    const error = rejection(run);
    expect(error).toBeInstanceOf(UnknownOutcomeError);
    expect(error).toMatchObject({ attempt: 1, cause: { code: 'NONCE_EXPIRED' } });
    expect(server.count('eth_sendRawTransaction')).toBe(1);
  });

  it('resolves with what reconcile found after "nonce too low"', async () => {
    server.reply('eth_sendRawTransaction', { error: { code: -32000, message: 'nonce too low' } });
    const wallet = new Wallet(KEY, provider());
    const seen: string[] = [];
    const run = await record(() => wallet.sendTransaction(TX).then((tx) => tx.hash), {
      ...dexPresets.evmSend,
      reconcile: (ctx) => {
        seen.push(ctx.verdict.reason);
        return { executed: true, value: '0xmined' };
      },
    });
    expect(run.result).toEqual({ ok: true, value: '0xmined' });
    expect(seen).toEqual(['jsonrpc:nonce-too-low']);
  });

  it('fails "replacement transaction underpriced" at once', async () => {
    server.reply('eth_sendRawTransaction', {
      error: { code: -32000, message: 'replacement transaction underpriced' },
    });
    const wallet = new Wallet(KEY, provider());
    const run = await record(() => wallet.sendTransaction(TX), { ...dexPresets.evmSend });
    const error = rejection(run);
    expect(error).toMatchObject({ code: 'REPLACEMENT_UNDERPRICED' });
    expect(verdictOf(classify, error)).toEqual({
      action: 'fail',
      reason: 'jsonrpc:replacement-underpriced',
    });
  });

  it('fails "insufficient funds for gas * price + value" at once', async () => {
    server.reply('eth_sendRawTransaction', {
      error: {
        code: -32000,
        message: 'insufficient funds for gas * price + value: balance 0, tx cost 42001',
      },
    });
    const wallet = new Wallet(KEY, provider());
    const run = await record(() => wallet.sendTransaction(TX), { ...dexPresets.evmSend });
    const error = rejection(run);
    expect(error).toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
    expect(verdictOf(classify, error)).toEqual({
      action: 'fail',
      reason: 'jsonrpc:insufficient-funds',
    });
    expect(server.count('eth_sendRawTransaction')).toBe(1);
  });

  it('does not re-broadcast after a 503 on a send unless reconcile says it is not in', async () => {
    const wallet = new Wallet(KEY);
    const signed = await wallet.signTransaction(TX);
    server.reply('eth_sendRawTransaction', { http: { status: 503, body: 'unavailable' } });
    const p = provider();
    let reconciled = 0;
    const run = await record(() => p.broadcastTransaction(signed).then((tx) => tx.hash), {
      ...dexPresets.evmSend,
      reconcile: async () => {
        reconciled += 1;
        return { executed: false };
      },
    });
    expect(run.result.ok).toBe(true);
    expect(run.verdicts).toHaveLength(1);
    expect(run.verdicts[0]!.reason).toMatch(/^http:503/);
    expect(reconciled).toBe(1);
    expect(server.count('eth_sendRawTransaction')).toBe(2);
  });

  it('rejects with UnknownOutcomeError after a 503 on a send without reconcile', async () => {
    const wallet = new Wallet(KEY);
    const signed = await wallet.signTransaction(TX);
    server.reply('eth_sendRawTransaction', { http: { status: 503, body: 'unavailable' } });
    const p = provider();
    const run = await record(() => p.broadcastTransaction(signed).then((tx) => tx.hash), {
      ...dexPresets.evmSend,
    });
    expect(rejection(run)).toBeInstanceOf(UnknownOutcomeError);
    expect(server.count('eth_sendRawTransaction')).toBe(1);
  });

  it('does not resend after the connection dropped mid-request (ECONNRESET is unknown)', async () => {
    server.reply('eth_sendRawTransaction', { destroy: true });
    const wallet = new Wallet(KEY, provider());
    const run = await record(() => wallet.sendTransaction(TX), { ...dexPresets.evmSend });
    const error = rejection(run);
    expect(error).toBeInstanceOf(UnknownOutcomeError);
    expect(error).toMatchObject({ cause: { code: 'ECONNRESET' } });
    expect(verdictOf(classify, (error as Error).cause)).toEqual({
      action: 'unknown',
      reason: 'network:ECONNRESET',
    });
    expect(server.count('eth_sendRawTransaction')).toBe(1);
  });
});
