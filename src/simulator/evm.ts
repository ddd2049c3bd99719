import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Step } from './fault-script.js';
import { keccak256 } from './keccak.js';

/**
 * The simulator's EVM node: Ethereum JSON-RPC over HTTP POST (EIP-1474 envelopes), enough for a
 * DEX adapter or an ethers/viem client to read a balance, broadcast a signed transaction and
 * look it up by hash. Each accepted transaction is mined at once in a block of its own, so a
 * receipt exists as soon as the broadcast executed. The script is per RPC method
 * (`{ eth_sendRawTransaction: ['reset-after-execute'] }`), and an HTTP-level fault of any call in
 * a batch answers the whole request, as a provider's gateway would.
 *
 * Transactions are neither decoded nor checked: any hex payload is accepted and named by its
 * Keccak-256 hash (what clients compute), and receipts carry no `from` or `to`.
 */

/** The RPC methods the node answers, which are also its script's routes. */
export const EVM_METHODS = [
  'eth_chainId',
  'net_version',
  'eth_blockNumber',
  'eth_gasPrice',
  'eth_getBalance',
  'eth_sendRawTransaction',
  'eth_getTransactionReceipt',
] as const;

/** 31337 (0x7a69): the chain id local development nodes use. */
const CHAIN_ID = 31337;
const ONE_ETHER = '0xde0b6b3a7640000';
const ONE_GWEI = '0x3b9aca00';

// [EIP] EIP-1474 "Error codes" messages; [GETH] go-ethereum's tx-pool and state errors.
const MESSAGES: Readonly<Record<string, string>> = {
  '-32700': 'Parse error',
  '-32600': 'Invalid request',
  '-32601': 'Method not found',
  '-32602': 'Invalid params',
  '-32603': 'Internal error',
  '-32000': 'insufficient funds for gas * price + value', // [GETH] ErrInsufficientFunds
  '-32005': 'Limit exceeded',
  '3': 'execution reverted',
};

interface RpcCall {
  readonly id?: unknown;
  readonly method?: unknown;
  readonly params?: unknown;
}

type RpcError = { readonly code: number; readonly message: string };
type RpcAnswer = { readonly result: unknown } | { readonly error: RpcError };

/** A whole-request answer: an HTTP status with its headers and body. */
interface HttpFault {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** A step's effect on the whole request, worst first: no answer, an HTTP fault, a delay. */
type RequestFault =
  | { readonly kind: 'reset' }
  | { readonly kind: 'http'; readonly http: HttpFault }
  | { readonly kind: 'latency'; readonly ms: number };

const OK: Step = { kind: 'ok' };

const rpcError = (code: number, message = MESSAGES[String(code)] ?? 'Rejected'): RpcAnswer => ({
  error: { code, message },
});

/** The HTTP answer of a fault that answers the whole request. */
function httpFault(step: Step): HttpFault | undefined {
  const body = (code: number) =>
    JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message: MESSAGES[String(code)] } });
  switch (step.kind) {
    case 'after-execute':
      // A gateway's 503 in front of a node that may already have taken the transaction.
      return step.fault === 'unavailable'
        ? { status: 503, headers: { 'content-type': 'text/plain' }, body: 'Service Unavailable' }
        : undefined;
    // [INF][ALC] providers answer a rate limit with HTTP 429; [EIP] -32005 "Limit exceeded".
    case 'rate-limit':
      return {
        status: 429,
        headers: { 'content-type': 'application/json', 'retry-after': '1' },
        body: body(-32005),
      };
    // No ban status is documented for JSON-RPC providers: a long rate limit stands for it.
    case 'ban':
      return {
        status: 429,
        headers: { 'content-type': 'application/json', 'retry-after': '120' },
        body: body(-32005),
      };
    default:
      return undefined;
  }
}

/**
 * A simulated EVM node's chain and answers; the server (server.ts) gives it each request with
 * the step every call meets.
 *
 * @example
 * ```ts
 * const node = new EvmNode();
 * // In an HTTP handler, once the body is read:
 * node.handle(res, req, body, (method) => faults.next(method), (ms, answer) => setTimeout(answer, ms));
 * node.executions(hash); // 1 once a transaction with that hash is mined
 * ```
 */
export class EvmNode {
  /** Block number of each mined transaction, by hash; blocks count from 1. */
  readonly #mined = new Map<string, number>();

  /**
   * Answers one HTTP request: a JSON-RPC call or a batch. `next(method)` gives the step each call
   * meets; `defer` runs a delayed answer (the server clears its timers on close).
   */
  handle(
    res: ServerResponse,
    req: IncomingMessage,
    body: string,
    next: (method: string) => Step,
    defer: (ms: number, answer: () => void) => void,
  ): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return this.#send(res, { jsonrpc: '2.0', id: null, ...rpcError(-32700) });
    }
    const calls: RpcCall[] = Array.isArray(parsed) ? (parsed as RpcCall[]) : [parsed as RpcCall];
    const methods = calls.map((call) => (typeof call?.method === 'string' ? call.method : ''));
    const steps = methods.map((m): Step => (EVM_METHODS.includes(m as never) ? next(m) : OK));
    const fault = steps.map(requestFault).reduce(worse, undefined);
    // Executes every call; the answer goes out unless the request's fault replaces it.
    const answer = () => {
      const answers = calls.map((call, i) => ({
        jsonrpc: '2.0',
        id: call?.id ?? null,
        ...this.#answer(methods[i]!, call?.params, steps[i]!),
      }));
      return Array.isArray(parsed) ? answers : answers[0];
    };
    if (fault === undefined) return this.#send(res, answer());
    switch (fault.kind) {
      case 'latency':
        // Executed when the delay ends, and only if the client is still waiting for it.
        return defer(fault.ms, () => {
          if (!res.destroyed) this.#send(res, answer());
        });
      case 'reset':
        // The node took the request; the client hears nothing.
        answer();
        req.socket.destroy();
        return;
      case 'http':
        answer();
        res.writeHead(fault.http.status, fault.http.headers).end(fault.http.body);
        return;
    }
  }

  /** 1 once a transaction with this hash is mined, else 0. */
  executions(hash: string): number {
    return this.#mined.has(hash.toLowerCase()) ? 1 : 0;
  }

  /** What the node does with one call, given its step (a fault after executing still executes). */
  #answer(method: string, params: unknown, step: Step): RpcAnswer {
    if (step.kind === 'rate-limit' || step.kind === 'ban') return rpcError(-32005);
    if (step.kind === 'reject') return rpcError(Number(step.code));
    const answer = this.#execute(method, Array.isArray(params) ? params : []);
    // -1007's counterpart: the node executed the call and reports an internal error [EIP].
    if (step.kind === 'after-execute' && step.fault === 'timeout') return rpcError(-32603);
    return answer;
  }

  #execute(method: string, params: readonly unknown[]): RpcAnswer {
    switch (method) {
      case 'eth_chainId':
        return { result: `0x${CHAIN_ID.toString(16)}` };
      case 'net_version':
        return { result: String(CHAIN_ID) };
      case 'eth_blockNumber':
        return { result: `0x${this.#mined.size.toString(16)}` };
      case 'eth_gasPrice':
        return { result: ONE_GWEI };
      case 'eth_getBalance':
        return { result: ONE_ETHER };
      case 'eth_sendRawTransaction':
        return this.#broadcast(params[0]);
      case 'eth_getTransactionReceipt':
        return { result: this.#receipt(params[0]) };
      default:
        return rpcError(-32601, `the method ${method} does not exist/is not available`);
    }
  }

  #broadcast(raw: unknown): RpcAnswer {
    if (typeof raw !== 'string' || !/^0x([0-9a-f]{2})+$/i.test(raw)) return rpcError(-32602);
    const hash = keccak256(Buffer.from(raw.slice(2), 'hex'));
    // [GETH] ErrNonceTooLow: a resend of a mined transaction meets its own, used nonce.
    if (this.#mined.has(hash)) return rpcError(-32000, 'nonce too low');
    this.#mined.set(hash, this.#mined.size + 1);
    return { result: hash };
  }

  /** The receipt of a mined transaction (status 1), or null as a node answers for an unknown hash. */
  #receipt(hash: unknown) {
    const block = typeof hash === 'string' ? this.#mined.get(hash.toLowerCase()) : undefined;
    if (block === undefined) return null;
    const blockHex = `0x${block.toString(16)}`;
    return {
      transactionHash: (hash as string).toLowerCase(),
      transactionIndex: '0x0',
      blockHash: keccak256(Buffer.from(`block ${block}`)),
      blockNumber: blockHex,
      cumulativeGasUsed: '0x5208',
      gasUsed: '0x5208',
      effectiveGasPrice: ONE_GWEI,
      contractAddress: null,
      logs: [],
      logsBloom: `0x${'00'.repeat(256)}`,
      status: '0x1',
      type: '0x2',
    };
  }

  #send(res: ServerResponse, payload: unknown): void {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
  }
}

/** The whole-request effect of one call's step, if it has one. */
function requestFault(step: Step): RequestFault | undefined {
  if (step.kind === 'after-execute' && step.fault === 'reset') return { kind: 'reset' };
  if (step.kind === 'latency') return { kind: 'latency', ms: step.ms };
  const http = httpFault(step);
  return http === undefined ? undefined : { kind: 'http', http };
}

const SEVERITY = { reset: 3, http: 2, latency: 1 } as const;

/** The worse of two request faults (the longer delay between two latencies). */
function worse(a: RequestFault | undefined, b: RequestFault | undefined) {
  if (a === undefined || b === undefined) return a ?? b;
  if (a.kind === 'latency' && b.kind === 'latency') return a.ms >= b.ms ? a : b;
  return SEVERITY[a.kind] >= SEVERITY[b.kind] ? a : b;
}
