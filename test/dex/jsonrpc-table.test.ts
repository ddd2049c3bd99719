import { describe, expect, it } from 'vitest';
import { jsonRpcClassifier } from '../../src/dex/index.js';
import { verdictOf } from './run.js';

/**
 * The tables on bare JSON-RPC error objects, as a raw-fetch client or a WebSocket provider
 * would throw them (ethers and viem shapes are covered against a real node in their own files).
 */

const classify = jsonRpcClassifier();
const rpc = (code: number, message: string, data?: unknown) => ({ code, message, data });

describe('EIP-1474 codes', () => {
  it.each([
    [-32700, 'Parse error', 'fail'],
    [-32600, 'Invalid request', 'fail'],
    [-32601, 'Method not found', 'fail'],
    [-32602, 'Invalid params', 'fail'],
    [-32603, 'Internal error', 'unknown'],
    [-32000, 'Invalid input', 'fail'],
    [-32001, 'Resource not found', 'retry'],
    [-32002, 'Resource unavailable', 'retry'],
    [-32003, 'Transaction rejected', 'fail'],
    [-32004, 'Method not supported', 'fail'],
    [-32005, 'Limit exceeded', 'retry'],
    [-32006, 'JSON-RPC version not supported', 'fail'],
  ] as const)('classifies %i (%s) as %s', (code, message, action) => {
    expect(verdictOf(classify, rpc(code, message))).toEqual({ action, reason: `jsonrpc:${code}` });
  });

  it('reads backoff_seconds nested under data.rate (Infura community reports)', () => {
    const error = rpc(-32005, 'project ID request rate exceeded', {
      rate: { allowed_rps: 50, backoff_seconds: 30 },
    });
    expect(verdictOf(classify, error)).toEqual({
      action: 'retry',
      reason: 'jsonrpc:-32005',
      retryAfterMs: 30000,
    });
  });

  it('ignores a negative backoff_seconds', () => {
    expect(verdictOf(classify, rpc(-32005, 'limit', { backoff_seconds: -1 }))).toEqual({
      action: 'retry',
      reason: 'jsonrpc:-32005',
    });
  });
});

describe('node messages', () => {
  it.each([
    ['nonce too low', 'unknown', 'jsonrpc:nonce-too-low'],
    ['nonce too high', 'fail', 'jsonrpc:nonce-too-high'],
    ['already known', 'fail', 'jsonrpc:already-known'],
    ['replacement transaction underpriced', 'fail', 'jsonrpc:replacement-underpriced'],
    ['transaction underpriced', 'fail', 'jsonrpc:underpriced'],
    ['insufficient funds for gas * price + value', 'fail', 'jsonrpc:insufficient-funds'],
    ['intrinsic gas too low', 'fail', 'jsonrpc:intrinsic-gas-too-low'],
    ['exceeds block gas limit', 'fail', 'jsonrpc:exceeds-block-gas-limit'],
    [
      'max fee per gas less than block base fee: address 0x1, maxFeePerGas: 1, baseFee: 2',
      'fail',
      'jsonrpc:fee-below-base-fee',
    ],
    ['execution reverted', 'fail', 'jsonrpc:execution-reverted'],
    ['header not found', 'retry', 'jsonrpc:header-not-found'],
    ['txpool is full', 'retry', 'jsonrpc:txpool-full'],
    ['some other invalid input', 'fail', 'jsonrpc:-32000'],
  ] as const)('classifies -32000 %j', (message, action, reason) => {
    expect(verdictOf(classify, rpc(-32000, message))).toEqual({ action, reason });
  });

  it('reads a revert reason as a revert, whatever it says', () => {
    expect(verdictOf(classify, rpc(3, 'execution reverted: nonce too low'))).toEqual({
      action: 'fail',
      reason: 'jsonrpc:execution-reverted',
    });
    expect(verdictOf(classify, rpc(-32000, 'execution reverted: header not found'))).toEqual({
      action: 'fail',
      reason: 'jsonrpc:execution-reverted',
    });
  });

  it('classifies a thrown string', () => {
    expect(verdictOf(classify, 'replacement transaction underpriced')).toEqual({
      action: 'fail',
      reason: 'jsonrpc:replacement-underpriced',
    });
  });
});

describe('rate limits in the body', () => {
  it.each([
    [rpc(429, 'Too many requests'), 'jsonrpc:429'],
    [rpc(-32007, '100/second request limit reached - reduce calls per second'), 'jsonrpc:-32007'],
    [rpc(-32000, 'daily request count exceeded, request rate limited'), 'jsonrpc:rate-limited'],
    [
      new Error('Your app has exceeded its compute units per second capacity'),
      'jsonrpc:rate-limited',
    ],
  ])('retries %j', (error, reason) => {
    expect(verdictOf(classify, error)).toEqual({ action: 'retry', reason });
  });

  it('fails Infura payment required (402, -33000)', () => {
    expect(verdictOf(classify, rpc(402, 'Payment Required'))).toEqual({
      action: 'fail',
      reason: 'jsonrpc:402',
    });
    expect(verdictOf(classify, rpc(-33000, 'Payment Required'))).toEqual({
      action: 'fail',
      reason: 'jsonrpc:-33000',
    });
  });
});

describe('returned values', () => {
  it('classifies a returned JSON-RPC error envelope', () => {
    const value = {
      jsonrpc: '2.0',
      id: 1,
      error: rpc(-32005, 'limit exceeded', { backoff_seconds: 2 }),
    };
    expect(classify({ ok: true, value })).toEqual({
      action: 'retry',
      reason: 'jsonrpc:-32005',
      retryAfterMs: 2000,
    });
  });

  it('gives no verdict on a result', () => {
    expect(
      classify({ ok: true, value: { jsonrpc: '2.0', id: 1, result: '0x10' } }),
    ).toBeUndefined();
    expect(classify({ ok: true, value: 16n })).toBeUndefined();
  });
});

describe('errors that are not JSON-RPC failures', () => {
  it('gives no verdict on an unrelated error', () => {
    expect(verdictOf(classify, new Error('boom'))).toBeUndefined();
    expect(verdictOf(classify, undefined)).toBeUndefined();
  });

  it('unwraps a socket error from the cause chain', () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(verdictOf(classify, new Error('request failed', { cause: reset }))).toEqual({
      action: 'unknown',
      reason: 'network:ECONNRESET',
    });
  });
});
