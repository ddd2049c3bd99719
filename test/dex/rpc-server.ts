import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { keccak256 } from 'ethers';

/**
 * A local JSON-RPC node on 127.0.0.1 for tests: answers every method ethers and viem need with
 * plausible defaults, and lets a test queue replies per method (a JSON-RPC error, an HTTP status
 * with a body and headers, a hang, or a destroyed socket). Handles batches (ethers batches by
 * default): an HTTP-level reply queued for any method in a batch answers the whole request.
 */

export interface RpcReply {
  /** A JSON-RPC error object for this call (HTTP 200). */
  error?: { code: number; message: string; data?: unknown };
  /** A JSON-RPC result for this call (HTTP 200). */
  result?: unknown;
  /** An HTTP-level reply for the whole request: status, headers and a raw or JSON body. */
  http?: { status: number; headers?: Record<string, string>; body?: unknown };
  /** Never answer (the client's timeout decides). */
  hang?: true;
  /** Destroy the socket after reading the request (the request reached the node). */
  destroy?: true;
}

export interface RpcServer {
  readonly url: string;
  /** Queue replies for `method`; once used up, the defaults answer. */
  reply(method: string, ...replies: RpcReply[]): void;
  /** How many times `method` was requested. */
  count(method: string): number;
  /** Forget queued replies and counts. */
  reset(): void;
  close(): Promise<void>;
}

const BLOCK = {
  number: '0x10',
  hash: `0x${'11'.repeat(32)}`,
  parentHash: `0x${'22'.repeat(32)}`,
  timestamp: '0x6553f100',
  nonce: '0x0000000000000000',
  difficulty: '0x0',
  gasLimit: '0x1c9c380',
  gasUsed: '0x0',
  miner: `0x${'00'.repeat(20)}`,
  extraData: '0x',
  baseFeePerGas: '0x1',
  logsBloom: `0x${'00'.repeat(256)}`,
  sha3Uncles: `0x${'33'.repeat(32)}`,
  stateRoot: `0x${'44'.repeat(32)}`,
  transactionsRoot: `0x${'55'.repeat(32)}`,
  receiptsRoot: `0x${'66'.repeat(32)}`,
  mixHash: `0x${'77'.repeat(32)}`,
  size: '0x200',
  totalDifficulty: '0x0',
  uncles: [],
  transactions: [],
};

const DEFAULTS: Record<string, (params: unknown[]) => unknown> = {
  eth_chainId: () => '0x1',
  net_version: () => '1',
  eth_blockNumber: () => '0x10',
  eth_getBalance: () => '0x64',
  eth_call: () => '0x',
  eth_getTransactionCount: () => '0x0',
  eth_estimateGas: () => '0x5208',
  eth_gasPrice: () => '0x1',
  eth_maxPriorityFeePerGas: () => '0x1',
  eth_getBlockByNumber: () => BLOCK,
  // A node answers a broadcast with the transaction's hash, which ethers checks.
  eth_sendRawTransaction: (params) => keccak256(String(params[0])),
};

interface Call {
  jsonrpc?: string;
  id?: unknown;
  method: string;
  params?: unknown[];
}

export async function startRpcServer(): Promise<RpcServer> {
  const queues = new Map<string, RpcReply[]>();
  const counts = new Map<string, number>();

  const take = (method: string): RpcReply | undefined => queues.get(method)?.shift();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let parsed: Call | Call[];
      try {
        parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Call | Call[];
      } catch {
        res.writeHead(400).end();
        return;
      }
      const calls = Array.isArray(parsed) ? parsed : [parsed];
      const replies = calls.map((call) => {
        counts.set(call.method, (counts.get(call.method) ?? 0) + 1);
        return take(call.method);
      });
      if (replies.some((r) => r?.hang)) return;
      if (replies.some((r) => r?.destroy)) {
        req.socket.destroy();
        return;
      }
      const httpReply = replies.find((r) => r?.http !== undefined)?.http;
      if (httpReply !== undefined) {
        const body = httpReply.body;
        const text =
          typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body);
        const contentType = typeof body === 'string' ? 'text/plain' : 'application/json';
        res
          .writeHead(httpReply.status, { 'content-type': contentType, ...httpReply.headers })
          .end(text);
        return;
      }
      const answers = calls.map((call, i) => {
        const reply = replies[i];
        if (reply?.error !== undefined) return { jsonrpc: '2.0', id: call.id, error: reply.error };
        if (reply !== undefined && 'result' in reply)
          return { jsonrpc: '2.0', id: call.id, result: reply.result };
        const fallback = DEFAULTS[call.method];
        return fallback === undefined
          ? {
              jsonrpc: '2.0',
              id: call.id,
              error: { code: -32601, message: `the method ${call.method} does not exist` },
            }
          : { jsonrpc: '2.0', id: call.id, result: fallback(call.params ?? []) };
      });
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(Array.isArray(parsed) ? answers : answers[0]));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    reply(method, ...replies) {
      queues.set(method, [...(queues.get(method) ?? []), ...replies]);
    },
    count: (method) => counts.get(method) ?? 0,
    reset() {
      queues.clear();
      counts.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 that refuses connections (bound, then released). */
export async function closedPortUrl(): Promise<string> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
