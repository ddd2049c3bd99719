import { afterEach, describe, expect, it } from 'vitest';
import { createPublicClient, http, keccak256 as viemKeccak, parseEther, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { dexPresets } from '../../src/dex/index.js';
import { retry } from '../../src/index.js';
import { startVenue, type Venue, type VenueScript } from '../../src/simulator/index.js';
import { keccak256 } from '../../src/simulator/keccak.js';
import { instantClock } from '../../src/testing/index.js';

/** The simulator's `evm` venue: JSON-RPC with fetch and with viem, its chain, faults, batches. */

// A well-known development key (anvil's and hardhat's first account): it holds nothing real.
const account = privateKeyToAccount(
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
);

let venues: Venue[] = [];
afterEach(async () => {
  await Promise.all(venues.map((v) => v.close()));
  venues = [];
});
async function start(script?: VenueScript): Promise<Venue> {
  const venue = await startVenue({ venue: 'evm', script });
  venues.push(venue);
  return venue;
}

/** A signed EIP-1559 transfer with this nonce, as a wallet would broadcast it. */
function signed(nonce = 0): Promise<Hex> {
  return account.signTransaction({
    chainId: 31337,
    nonce,
    to: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    value: parseEther('0.01'),
    gas: 21_000n,
    maxFeePerGas: 2_000_000_000n,
    maxPriorityFeePerGas: 1_000_000_000n,
  });
}

async function rpc(venue: Venue, body: unknown) {
  const res = await fetch(venue.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}
const call = (method: string, params: unknown[] = [], id = 1) => ({
  jsonrpc: '2.0',
  id,
  method,
  params,
});
const viem = (venue: Venue) =>
  createPublicClient({ transport: http(venue.url, { retryCount: 0 }) });

describe('keccak256', () => {
  it('hashes as viem does, across the 136-byte block boundary', () => {
    const lengths = [0, 1, 55, 135, 136, 137, 271, 272, 1000];
    const bytes = lengths.map((n) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 255));
    expect(bytes.map((b) => keccak256(b))).toEqual(bytes.map((b) => viemKeccak(b)));
  });
});

describe("startVenue({ venue: 'evm' })", () => {
  it('answers chain id, block number and balance in EIP-1474 envelopes', async () => {
    const venue = await start();
    const client = viem(venue);
    expect([
      await client.getChainId(),
      await client.getBlockNumber(),
      await client.getBalance({ address: account.address }),
    ]).toEqual([31337, 0n, parseEther('1')]);
  });

  it('mines a broadcast transaction under the hash viem computes, with a receipt', async () => {
    const venue = await start();
    const client = viem(venue);
    const raw = await signed();
    const hash = await client.sendRawTransaction({ serializedTransaction: raw });
    const receipt = await client.getTransactionReceipt({ hash });
    expect([hash, receipt.status, receipt.blockNumber, venue.executions(hash)]).toEqual([
      viemKeccak(raw),
      'success',
      1n,
      1,
    ]);
  });

  it('answers a resend of a mined transaction with -32000 "nonce too low"', async () => {
    const venue = await start();
    const raw = await signed();
    await rpc(venue, call('eth_sendRawTransaction', [raw]));
    const resend = await rpc(venue, call('eth_sendRawTransaction', [raw]));
    expect([JSON.parse(resend.text), venue.executions(viemKeccak(raw))]).toEqual([
      { jsonrpc: '2.0', id: 1, error: { code: -32000, message: 'nonce too low' } },
      1,
    ]);
  });

  it('answers null for the receipt of an unknown hash', async () => {
    const venue = await start();
    const { text } = await rpc(venue, call('eth_getTransactionReceipt', [`0x${'ab'.repeat(32)}`]));
    expect(JSON.parse(text)).toEqual({ jsonrpc: '2.0', id: 1, result: null });
  });

  it('answers an unknown method with -32601 and an unparsable body with -32700', async () => {
    const venue = await start();
    const unknown = await rpc(venue, call('eth_mining'));
    const garbled = await fetch(venue.url, { method: 'POST', body: '{"jsonrpc":' });
    expect([
      (JSON.parse(unknown.text) as { error: { code: number } }).error.code,
      ((await garbled.json()) as { error: { code: number } }).error.code,
    ]).toEqual([-32601, -32700]);
  });

  it('answers a batch call by call, in order', async () => {
    const venue = await start();
    const { text } = await rpc(venue, [call('eth_chainId', [], 1), call('net_version', [], 2)]);
    expect(JSON.parse(text)).toEqual([
      { jsonrpc: '2.0', id: 1, result: '0x7a69' },
      { jsonrpc: '2.0', id: 2, result: '31337' },
    ]);
  });

  it('counts requests per RPC method', async () => {
    const venue = await start();
    await rpc(venue, [call('eth_chainId'), call('eth_chainId'), call('eth_blockNumber')]);
    expect([venue.requests('eth_chainId'), venue.requests()]).toEqual([2, 3]);
  });
});

describe('the evm fault script', () => {
  it('reset-after-execute mines the transaction and answers nothing', async () => {
    const venue = await start({ eth_sendRawTransaction: ['reset-after-execute'] });
    const raw = await signed();
    const error = await rpc(venue, call('eth_sendRawTransaction', [raw])).catch((e: unknown) => e);
    expect([error instanceof TypeError, venue.executions(viemKeccak(raw))]).toEqual([true, 1]);
  });

  it('503-after-execute mines the transaction and answers HTTP 503', async () => {
    const venue = await start({ eth_sendRawTransaction: ['503-after-execute'] });
    const raw = await signed();
    const { status } = await rpc(venue, call('eth_sendRawTransaction', [raw]));
    expect([status, venue.executions(viemKeccak(raw))]).toEqual([503, 1]);
  });

  it('-1007-after-execute mines the transaction and answers -32603 Internal error', async () => {
    const venue = await start({ eth_sendRawTransaction: ['-1007-after-execute'] });
    const raw = await signed();
    const { text } = await rpc(venue, call('eth_sendRawTransaction', [raw]));
    expect([JSON.parse(text), venue.executions(viemKeccak(raw))]).toEqual([
      { jsonrpc: '2.0', id: 1, error: { code: -32603, message: 'Internal error' } },
      1,
    ]);
  });

  it('429 answers HTTP 429 with Retry-After: 1 and -32005, without mining', async () => {
    const venue = await start({ eth_sendRawTransaction: ['429'] });
    const raw = await signed();
    const { status, headers, text } = await rpc(venue, call('eth_sendRawTransaction', [raw]));
    expect([status, headers.get('retry-after'), JSON.parse(text).error.code]).toEqual([
      429,
      '1',
      -32005,
    ]);
    expect(venue.executions(viemKeccak(raw))).toBe(0);
  });

  it('reject:-32000 answers "insufficient funds for gas * price + value" without mining', async () => {
    const venue = await start({ eth_sendRawTransaction: ['reject:-32000'] });
    const raw = await signed();
    const { text } = await rpc(venue, call('eth_sendRawTransaction', [raw]));
    expect([JSON.parse(text).error, venue.executions(viemKeccak(raw))]).toEqual([
      { code: -32000, message: 'insufficient funds for gas * price + value' },
      0,
    ]);
  });

  it('latency:<ms> gives the normal answer after the delay', async () => {
    const venue = await start({ eth_blockNumber: ['latency:1'] });
    const { text } = await rpc(venue, call('eth_blockNumber'));
    expect(JSON.parse(text)).toEqual({ jsonrpc: '2.0', id: 1, result: '0x0' });
  });

  it("answers a whole batch with one call's HTTP fault", async () => {
    const venue = await start({ eth_blockNumber: ['429'] });
    const { status } = await rpc(venue, [
      call('eth_chainId', [], 1),
      call('eth_blockNumber', [], 2),
    ]);
    expect(status).toBe(429);
  });

  it('refuses a script for a method the node does not serve, naming it', async () => {
    await expect(startVenue({ venue: 'evm', script: { eth_mining: ['429'] } })).rejects.toThrow(
      'startVenue: script: route "eth_mining": expected one of "eth_chainId"',
    );
  });

  it('refuses a market stream', async () => {
    await expect(startVenue({ venue: 'evm', stream: true })).rejects.toThrow(
      new RangeError('startVenue: stream: the evm venue serves no market stream, got true'),
    );
  });
});

describe('a broadcast through a reset after execution, with viem and dexPresets.evmSend', () => {
  it('mines the transaction once and resolves through the receipt lookup', async () => {
    const venue = await start({ eth_sendRawTransaction: ['reset-after-execute'] });
    const client = viem(venue);
    const raw = await signed();
    const hash = viemKeccak(raw); // known before sending, like a client order id
    let reconciled = 0;
    const sent = await retry(() => client.sendRawTransaction({ serializedTransaction: raw }), {
      ...dexPresets.evmSend,
      clock: instantClock(),
      reconcile: async () => {
        reconciled++;
        const receipt = await client.getTransactionReceipt({ hash }).catch(() => undefined);
        return receipt ? { executed: true, value: receipt.transactionHash } : { executed: false };
      },
    });
    expect([
      sent,
      venue.executions(hash),
      venue.requests('eth_sendRawTransaction'),
      reconciled,
    ]).toEqual([hash, 1, 1, 1]);
  });
});
