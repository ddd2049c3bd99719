/**
 * An on-chain DEX adapter whose methods are retried with `@retryable`, on viem. `dexPresets`
 * bring `jsonRpcClassifier`, which reads viem's errors as they are thrown:
 *
 * - a read (`eth_getBalance`) answered "-32603 Internal error": retried (`dexPresets.evmRead`);
 * - a transaction the node rejects ("insufficient funds"): not retried;
 * - a broadcast whose answer is lost (`idempotent: false`, `dexPresets.evmSend`): the transaction
 *   is signed once, outside the retry, so its hash is known before sending, like a client order
 *   id; the unknown outcome is reconciled by looking the receipt up by that hash, never resent.
 *
 * Offline: the chain is `startVenue({ venue: 'evm' })` (`tenacious/simulator`), a local EVM node
 * scripted to fail each of those calls once. Run with `npx tsx examples/dex-adapter-decorator.ts`.
 */
import {
  createPublicClient,
  formatEther,
  http,
  keccak256,
  parseEther,
  type Hash,
  type Hex,
  type PublicClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { onRetry, retryable } from '../src/index.js';
import { dexPresets } from '../src/dex/index.js';
import { startVenue } from '../src/simulator/index.js';

// A well-known development key (anvil's and hardhat's first account): it holds nothing real.
const account = privateKeyToAccount(
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
);
const RECIPIENT = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

// --- The adapter -----------------------------------------------------------------------------

class ChainAdapter {
  constructor(private readonly client: PublicClient) {}

  /** An idempotent read: retried. Operation name: `ChainAdapter.getBalance`. */
  @retryable(dexPresets.evmRead)
  async getBalance(address: Hex): Promise<bigint> {
    return this.client.getBalance({ address });
  }

  /** Not idempotent: after a lost answer the transaction may be mined, so look it up first. */
  @retryable((self: ChainAdapter, [signed]: [Hex]) => ({
    ...dexPresets.evmSend,
    reconcile: async ({ verdict }) => {
      const hash = keccak256(signed); // what the node names it, computed before sending
      const receipt = await self.client.getTransactionReceipt({ hash }).catch(() => undefined);
      if (receipt === undefined) return { executed: false }; // never mined: safe to resend
      console.log(
        `  reconcile after ${verdict.reason}: ${hash.slice(0, 10)}… mined in block ${receipt.blockNumber}`,
      );
      return { executed: true, value: hash };
    },
  }))
  async broadcast(signed: Hex): Promise<Hash> {
    return this.client.sendRawTransaction({ serializedTransaction: signed });
  }
}

/** A signed EIP-1559 transfer, as a wallet would broadcast it. */
function transfer(nonce: number, ether: string): Promise<Hex> {
  return account.signTransaction({
    chainId: 31337,
    nonce,
    to: RECIPIENT,
    value: parseEther(ether),
    gas: 21_000n,
    maxFeePerGas: 2_000_000_000n,
    maxPriorityFeePerGas: 1_000_000_000n,
  });
}

// --- A node that fails each kind of call once ------------------------------------------------
const venue = await startVenue({
  venue: 'evm',
  script: {
    eth_getBalance: ['-1007-after-execute'], // answered -32603 "Internal error"
    eth_sendRawTransaction: ['reject:-32000', 'reset-after-execute'],
  },
});
// viem retries reads 3 times by itself: leave the retrying to tenacious.
const client = createPublicClient({ transport: http(venue.url, { retryCount: 0 }) });

// --- Using it --------------------------------------------------------------------------------
const stopPrinting = onRetry((e) =>
  console.log(`  ${e.operation}: attempt ${e.attempt} failed (${e.verdict.reason}), retrying`),
);
const adapter = new ChainAdapter(client);

console.log('1. An idempotent read that fails once');
const balance = await adapter.getBalance(account.address);
console.log(`  balance: ${formatEther(balance)} ETH`);

console.log('2. A transaction the node rejects');
try {
  await adapter.broadcast(await transfer(0, '5'));
} catch (err) {
  const { name, details } = err as { name: string; details?: string };
  const sent = venue.requests('eth_sendRawTransaction');
  console.log(`  not retried: ${name} (${details}), ${sent} request`);
}

console.log('3. A broadcast whose answer is lost (idempotent: false + reconcile)');
const signed = await transfer(0, '0.01');
const hash = await adapter.broadcast(signed);
console.log(
  `  ${hash.slice(0, 10)}… mined ${venue.executions(hash)} time(s); eth_sendRawTransaction sent once for it (${venue.requests('eth_sendRawTransaction')} in all)`,
);

stopPrinting();
await venue.close();
