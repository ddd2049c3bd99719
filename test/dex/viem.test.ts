import { createPublicClient, createWalletClient, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { mainnet } from 'viem/chains';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RetryExhaustedError, UnknownOutcomeError } from '../../src/index.js';
import { dexPresets, jsonRpcClassifier } from '../../src/dex/index.js';
import { closedPortUrl, startRpcServer, type RpcServer } from './rpc-server.js';
import { record, rejection, verdictOf } from './run.js';

/**
 * viem against a local JSON-RPC node, with viem's own retrying off (`retryCount: 0`) so that every
 * attempt is one of ours, and `cacheTime: 0` so that no result is replayed from cache.
 */

const classify = jsonRpcClassifier();
const account = privateKeyToAccount(`0x${'01'.repeat(32)}`);
const TO = `0x${'22'.repeat(20)}` as const;
const TX = {
  to: TO,
  value: 1n,
  nonce: 0,
  gas: 21000n,
  maxFeePerGas: 2n,
  maxPriorityFeePerGas: 1n,
} as const;

let server: RpcServer;

function publicClient(url = server.url, timeout?: number) {
  return createPublicClient({
    chain: mainnet,
    cacheTime: 0,
    transport: http(url, { retryCount: 0, timeout }),
  });
}
function walletClient(url = server.url) {
  return createWalletClient({
    account,
    chain: mainnet,
    cacheTime: 0,
    transport: http(url, { retryCount: 0 }),
  });
}

beforeAll(async () => {
  server = await startRpcServer();
});
afterEach(() => server.reset());
afterAll(async () => {
  await server.close();
});

describe('viem reads', () => {
  it('retries an HttpRequestError with status 503 (unknown: a read retries it)', async () => {
    server.reply('eth_getBalance', { http: { status: 503, body: 'unavailable' } });
    const client = publicClient();
    const run = await record(() => client.getBalance({ address: TO }), { classify });
    expect(run.result).toEqual({ ok: true, value: 100n });
    expect(run.verdicts).toEqual([{ action: 'unknown', reason: 'http:503' }]);
    expect(server.count('eth_getBalance')).toBe(2);
  });

  it('waits the Retry-After of a plain-text HTTP 429', async () => {
    server.reply('eth_getBalance', {
      http: { status: 429, headers: { 'Retry-After': '3' }, body: 'Too Many Requests' },
    });
    const client = publicClient();
    const run = await record(() => client.getBalance({ address: TO }), { classify });
    expect(run.verdicts).toEqual([{ action: 'retry', reason: 'http:429', retryAfterMs: 3000 }]);
    expect(run.clock.sleeps).toEqual([3000]);
  });

  it('retries LimitExceededRpcError (-32005) from an HTTP 429, waiting the longer delay', async () => {
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
    const client = publicClient();
    const run = await record(() => client.getBalance({ address: TO }), { classify });
    expect(run.result).toEqual({ ok: true, value: 100n });
    expect(run.verdicts).toEqual([
      { action: 'retry', reason: 'jsonrpc:-32005', retryAfterMs: 30000 },
    ]);
    expect(run.clock.sleeps).toEqual([30000]);
  });

  it('retries "header not found" wrapped in CallExecutionError', async () => {
    server.reply('eth_call', { error: { code: -32000, message: 'header not found' } });
    const client = publicClient();
    const run = await record(() => client.call({ to: TO, data: '0x' }), { classify });
    expect(run.result.ok).toBe(true);
    expect(run.verdicts).toEqual([{ action: 'retry', reason: 'jsonrpc:header-not-found' }]);
  });

  it('does not retry an execution reverted call', async () => {
    server.reply('eth_call', {
      error: { code: 3, message: 'execution reverted: nope', data: '0x' },
    });
    const client = publicClient();
    const run = await record(() => client.call({ to: TO, data: '0x' }), { classify });
    const error = rejection(run);
    expect(error).toMatchObject({ name: 'CallExecutionError' });
    expect(verdictOf(classify, error)).toEqual({
      action: 'fail',
      reason: 'jsonrpc:execution-reverted',
    });
    expect(server.count('eth_call')).toBe(1);
  });

  it('retries InternalRpcError (-32603) on a read', async () => {
    server.reply('eth_blockNumber', { error: { code: -32603, message: 'internal error' } });
    const client = publicClient();
    const run = await record(() => client.getBlockNumber(), { classify });
    expect(run.result).toEqual({ ok: true, value: 16n });
    expect(run.verdicts).toEqual([{ action: 'unknown', reason: 'jsonrpc:-32603' }]);
  });

  it('retries a QuickNode -32007 request limit', async () => {
    server.reply('eth_blockNumber', {
      error: { code: -32007, message: '15/second request limit reached - reduce calls per second' },
    });
    const client = publicClient();
    const run = await record(() => client.getBlockNumber(), { classify });
    expect(run.verdicts).toEqual([{ action: 'retry', reason: 'jsonrpc:-32007' }]);
  });

  it('treats the transport TimeoutError as unknown and retries the read', async () => {
    server.reply('eth_getBalance', { hang: true });
    // The client's timeout is real time: long enough that only the hanging call reaches it at
    // rest; on a busy machine a later call may time out too, and is judged the same way.
    const client = publicClient(server.url, 1000);
    const run = await record(() => client.getBalance({ address: TO }), { classify });
    expect(run.result).toEqual({ ok: true, value: 100n });
    expect(run.verdicts.length).toBeGreaterThanOrEqual(1);
    for (const verdict of run.verdicts) {
      expect(verdict).toEqual({ action: 'unknown', reason: 'viem:TimeoutError' });
    }
  });

  it('retries a refused connection (HttpRequestError caused by fetch failed)', async () => {
    const client = publicClient(await closedPortUrl());
    const run = await record(() => client.getBlockNumber(), { classify, maxAttempts: 2 });
    const error = rejection(run);
    expect(error).toBeInstanceOf(RetryExhaustedError);
    expect(error).toMatchObject({ attempts: 2, cause: { name: 'HttpRequestError' } });
    expect(run.verdicts).toEqual([{ action: 'retry', reason: 'network:ECONNREFUSED' }]);
  });

  it('fails UserRejectedRequestError (4001) at once', async () => {
    server.reply('eth_blockNumber', {
      error: { code: 4001, message: 'User rejected the request.' },
    });
    const client = publicClient();
    const run = await record(() => client.getBlockNumber(), { classify });
    const error = rejection(run);
    expect(error).toMatchObject({ name: 'UserRejectedRequestError' });
    expect(verdictOf(classify, error)).toEqual({ action: 'fail', reason: 'jsonrpc:user-rejected' });
  });

  it('fails MethodNotFoundRpcError (-32601) at once', async () => {
    server.reply('eth_blockNumber', {
      error: { code: -32601, message: 'the method eth_blockNumber does not exist' },
    });
    const client = publicClient();
    const run = await record(() => client.getBlockNumber(), { classify });
    expect(verdictOf(classify, rejection(run))).toEqual({
      action: 'fail',
      reason: 'jsonrpc:-32601',
    });
    expect(server.count('eth_blockNumber')).toBe(1);
  });
});

describe('viem sends', () => {
  it('fails "already known" at once although viem calls it NonceTooLowError', async () => {
    server.reply('eth_sendRawTransaction', { error: { code: -32000, message: 'already known' } });
    const client = walletClient();
    const run = await record(() => client.sendTransaction(TX), { ...dexPresets.evmSend });
    const error = rejection(run);
    expect(error).toMatchObject({
      name: 'TransactionExecutionError',
      cause: { name: 'NonceTooLowError' },
    });
    expect(verdictOf(classify, error)).toEqual({ action: 'fail', reason: 'jsonrpc:already-known' });
    expect(server.count('eth_sendRawTransaction')).toBe(1);
  });

  it('rejects with UnknownOutcomeError after "nonce too low" with evmSend', async () => {
    server.reply('eth_sendRawTransaction', {
      error: { code: -32000, message: 'nonce too low: next nonce 3, tx nonce 0' },
    });
    const client = walletClient();
    const run = await record(() => client.sendTransaction(TX), { ...dexPresets.evmSend });
    const error = rejection(run);
    expect(error).toBeInstanceOf(UnknownOutcomeError);
    expect(error).toMatchObject({ cause: { name: 'TransactionExecutionError' } });
    expect(verdictOf(classify, (error as Error).cause)).toEqual({
      action: 'unknown',
      reason: 'jsonrpc:nonce-too-low',
    });
    expect(server.count('eth_sendRawTransaction')).toBe(1);
  });

  it('fails InsufficientFundsError at once', async () => {
    server.reply('eth_sendRawTransaction', {
      error: { code: -32000, message: 'insufficient funds for gas * price + value' },
    });
    const client = walletClient();
    const run = await record(() => client.sendTransaction(TX), { ...dexPresets.evmSend });
    expect(verdictOf(classify, rejection(run))).toEqual({
      action: 'fail',
      reason: 'jsonrpc:insufficient-funds',
    });
  });

  it('retries sendRawTransaction of the same signed bytes after -32005', async () => {
    const serializedTransaction = await account.signTransaction({
      ...TX,
      chainId: 1,
      type: 'eip1559',
    });
    server.reply('eth_sendRawTransaction', {
      error: { code: -32005, message: 'limit exceeded', data: { backoff_seconds: 1 } },
    });
    const client = walletClient();
    const run = await record(() => client.sendRawTransaction({ serializedTransaction }), {
      ...dexPresets.evmSend,
    });
    expect(run.result.ok).toBe(true);
    expect(run.verdicts).toEqual([
      { action: 'retry', reason: 'jsonrpc:-32005', retryAfterMs: 1000 },
    ]);
    expect(server.count('eth_sendRawTransaction')).toBe(2);
  });

  it('does not resend after an HTTP 502 (the node may have accepted it)', async () => {
    server.reply('eth_sendRawTransaction', { http: { status: 502, body: 'Bad Gateway' } });
    const client = walletClient();
    const run = await record(() => client.sendTransaction(TX), { ...dexPresets.evmSend });
    const error = rejection(run);
    expect(error).toBeInstanceOf(UnknownOutcomeError);
    expect(verdictOf(classify, (error as Error).cause)).toEqual({
      action: 'unknown',
      reason: 'http:502',
    });
    expect(server.count('eth_sendRawTransaction')).toBe(1);
  });
});
