import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { keccak256 } from 'ethers';
import { listenOnLoopback } from '../helpers/listen.js';
import { OKX_FAILURES, isOkxOrder, okxPlaced, type OkxFailure } from './okx.js';

/**
 * A local venue for the safety matrix: one node:http server on 127.0.0.1 that is both a Binance-
 * like REST API (`POST …/order`) and an EVM JSON-RPC node (`POST /rpc/<cell>`), and that counts,
 * per matrix cell, the orders and raw transactions it *executed*. Each cell's first order (or
 * `eth_sendRawTransaction`) meets the cell's failure; later ones succeed, so a blind resend shows
 * up as a second execution.
 *
 * REST cells are told apart by the order's `newClientOrderId` (every client sends one, and a
 * reconcile looks the order up by it); RPC cells by their URL path.
 */

/** What happens to a cell's first order or raw transaction. */
export type Failure =
  | 'reset-after-read'
  | 'reset-mid-body'
  | 'http-500'
  | 'http-502'
  | 'http-503-html'
  | 'http-503-spot-json'
  | 'futures-503-unknown-error'
  | 'futures-503-service-unavailable'
  | 'futures-503-internal-error'
  | 'futures-503-throttled'
  | 'http-504'
  | 'binance-1007-at-400'
  | 'binance-1007-at-500'
  | 'hang-past-client-timeout'
  | 'hang-past-attempt-timeout'
  | 'connection-refused'
  | 'nonce-too-low'
  | 'already-known'
  | 'replacement-underpriced'
  | OkxFailure
  | BybitFailure;

/** A Bybit v5 order's failures (`POST /v5/order/create`), answered in Bybit's shapes (BYDOCS). */
export type BybitFailure =
  | 'bybit-10000-after-execute'
  | 'bybit-170007-after-execute'
  | 'bybit-10016-write'
  | 'bybit-10006'
  | 'bybit-403'
  | 'bybit-110072-after-execute'
  | 'bybit-batch-placed-and-10006'
  | 'bybit-batch-all-10006';

export interface FailureSpec {
  /** Whether the venue executed the order before failing (Binance documents some 503s as certain failures). */
  readonly executes: boolean;
  /** How the venue answers (or does not). */
  readonly answer:
    | { kind: 'destroy' }
    | { kind: 'cut' }
    | { kind: 'hang' }
    | { kind: 'refused' }
    | { kind: 'http'; status: number; body: unknown; headers?: () => Record<string, string> }
    | { kind: 'rpc-error'; message: string }
    /** A Bybit batch answer (`retCode: 0`) with each item's code; code 0 places the item. */
    | { kind: 'bybit-batch'; codes: readonly number[]; headers?: () => Record<string, string> };
}

const html = (title: string) =>
  `<html><head><title>${title}</title></head><body><center><h1>${title}</h1></center><hr><center>nginx</center></body></html>`;

/** Binance's documented texts [BSD][BFG]; the HTML pages are a load balancer's. */
export const FAILURES: Readonly<Record<Failure, FailureSpec>> = {
  'reset-after-read': { executes: true, answer: { kind: 'destroy' } },
  'reset-mid-body': { executes: true, answer: { kind: 'cut' } },
  'http-500': {
    executes: true,
    answer: { kind: 'http', status: 500, body: html('500 Internal Server Error') },
  },
  'http-502': {
    executes: true,
    answer: { kind: 'http', status: 502, body: html('502 Bad Gateway') },
  },
  'http-503-html': {
    executes: true,
    answer: { kind: 'http', status: 503, body: html('503 Service Unavailable') },
  },
  'http-503-spot-json': {
    executes: true,
    answer: {
      kind: 'http',
      status: 503,
      body: {
        code: -1001,
        msg: 'Internal error; unable to process your request. Please try again.',
      },
    },
  },
  'futures-503-unknown-error': {
    executes: true,
    answer: {
      kind: 'http',
      status: 503,
      body: { code: -1000, msg: 'Unknown error, please check your request or try again later.' },
    },
  },
  'futures-503-service-unavailable': {
    executes: false,
    answer: { kind: 'http', status: 503, body: { code: -1000, msg: 'Service Unavailable.' } },
  },
  'futures-503-internal-error': {
    executes: false,
    answer: {
      kind: 'http',
      status: 503,
      body: {
        code: -1001,
        msg: 'Internal error; unable to process your request. Please try again.',
      },
    },
  },
  'futures-503-throttled': {
    executes: false,
    answer: {
      kind: 'http',
      status: 503,
      body: {
        code: -1008,
        msg: 'Request throttled by system-level protection. Reduce-only/close-position orders are exempt. Please try again.',
      },
    },
  },
  'http-504': {
    executes: true,
    answer: { kind: 'http', status: 504, body: html('504 Gateway Time-out') },
  },
  'binance-1007-at-400': {
    executes: true,
    answer: {
      kind: 'http',
      status: 400,
      body: {
        code: -1007,
        msg: 'Timeout waiting for response from backend server. Send status unknown; execution status unknown.',
      },
    },
  },
  'binance-1007-at-500': {
    executes: true,
    answer: {
      kind: 'http',
      status: 500,
      body: {
        code: -1007,
        msg: 'Timeout waiting for response from backend server. Send status unknown; execution status unknown.',
      },
    },
  },
  'hang-past-client-timeout': { executes: true, answer: { kind: 'hang' } },
  'hang-past-attempt-timeout': { executes: true, answer: { kind: 'hang' } },
  'connection-refused': { executes: false, answer: { kind: 'refused' } },
  // The node has the transaction (or one with its nonce) already: an earlier broadcast landed.
  'nonce-too-low': { executes: true, answer: { kind: 'rpc-error', message: 'nonce too low' } },
  'already-known': { executes: true, answer: { kind: 'rpc-error', message: 'already known' } },
  'replacement-underpriced': {
    executes: true,
    answer: { kind: 'rpc-error', message: 'replacement transaction underpriced' },
  },
  ...OKX_FAILURES,
  ...bybitFailures(),
};

/** Bybit's answers: HTTP 200 with a retCode, or a 403 page (BYDOCS error.mdx, rate-limit.mdx). */
function bybitFailures(): Record<BybitFailure, FailureSpec> {
  const code = (retCode: number, retMsg: string) => ({
    retCode,
    retMsg,
    result: {},
    retExtInfo: {},
    time: Date.now(),
  });
  const limitHeaders = () => ({
    'X-Bapi-Limit-Status': '0',
    'X-Bapi-Limit': '10',
    'X-Bapi-Limit-Reset-Timestamp': String(Date.now() + 1000),
  });
  return {
    'bybit-10000-after-execute': {
      executes: true,
      answer: { kind: 'http', status: 200, body: code(10000, 'Server Timeout') },
    },
    'bybit-170007-after-execute': {
      executes: true,
      answer: {
        kind: 'http',
        status: 200,
        body: code(170007, 'Timeout waiting for response from backend server.'),
      },
    },
    // A server error on a write may come after the order was taken: the venue executes it.
    'bybit-10016-write': {
      executes: true,
      answer: { kind: 'http', status: 200, body: code(10016, 'Server error') },
    },
    'bybit-10006': {
      executes: false,
      answer: {
        kind: 'http',
        status: 200,
        body: code(10006, 'Too many visits. Exceeded the API Rate Limit.'),
        headers: limitHeaders,
      },
    },
    'bybit-403': {
      executes: false,
      answer: { kind: 'http', status: 403, body: html('403 Forbidden') },
    },
    // The order was placed (by an earlier attempt, as far as the caller knows): Bybit says so.
    'bybit-110072-after-execute': {
      executes: true,
      answer: { kind: 'http', status: 200, body: code(110072, 'OrderLinkedID is duplicate') },
    },
    // BYDOCS batch-place.mdx: the first item placed, the second refused by the rate limiter.
    'bybit-batch-placed-and-10006': {
      executes: true,
      answer: { kind: 'bybit-batch', codes: [0, 10006], headers: limitHeaders },
    },
    // Nothing placed: every item was refused by the rate limiter.
    'bybit-batch-all-10006': {
      executes: false,
      answer: { kind: 'bybit-batch', codes: [10006, 10006], headers: limitHeaders },
    },
  };
}

/** One cell's state on the venue. */
export interface CellState {
  failure: Failure;
  /** Orders (or raw transactions) executed. */
  executed: number;
  /** Order (or raw transaction) requests received. */
  received: number;
}

export interface Venue {
  readonly url: string;
  /** A URL whose port refuses connections. */
  readonly refusedUrl: string;
  /** Registers a cell; its id goes in `newClientOrderId` (REST) or the RPC path. */
  open(id: string, failure: Failure): CellState;
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

/** The node's answers to everything a wallet asks before sending; the nonce follows executions. */
const RPC_DEFAULTS: Readonly<Record<string, (cell: CellState, params: unknown[]) => unknown>> = {
  eth_chainId: () => '0x1',
  net_version: () => '1',
  eth_blockNumber: () => '0x10',
  eth_getBalance: () => '0xde0b6b3a7640000',
  eth_getTransactionCount: (cell) => `0x${cell.executed.toString(16)}`,
  eth_estimateGas: () => '0x5208',
  eth_gasPrice: () => '0x1',
  eth_maxPriorityFeePerGas: () => '0x1',
  eth_feeHistory: () => ({
    oldestBlock: '0x10',
    baseFeePerGas: ['0x1', '0x1'],
    gasUsedRatio: [0],
    reward: [['0x1']],
  }),
  eth_getBlockByNumber: () => BLOCK,
  eth_sendRawTransaction: (_cell, params) => keccak256(String(params[0])),
};

interface RpcCall {
  id?: unknown;
  method: string;
  params?: unknown[];
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(''));
  });
}

/** The cell id inside an order's `newClientOrderId` (clients may prefix it: `x-15PC4ZJy…`). */
function cellOf(url: URL, body: string): string | undefined {
  return /cell\d+/.exec(clientOrderId(url, body) ?? '')?.[0];
}

/** `newClientOrderId` from the query string, a form body or a JSON body. */
function clientOrderId(url: URL, body: string): string | undefined {
  const fromQuery = url.searchParams.get('newClientOrderId');
  if (fromQuery !== null) return fromQuery;
  const fromForm = new URLSearchParams(body).get('newClientOrderId');
  if (fromForm !== null) return fromForm;
  try {
    const parsed = JSON.parse(body) as { newClientOrderId?: unknown; clOrdId?: unknown };
    if (typeof parsed.clOrdId === 'string') return parsed.clOrdId; // OKX
    return typeof parsed.newClientOrderId === 'string' ? parsed.newClientOrderId : undefined;
  } catch {
    return undefined;
  }
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res
    .writeHead(status, {
      'content-type': typeof body === 'string' ? 'text/html' : 'application/json;charset=UTF-8',
      ...headers,
    })
    .end(text);
}

/** A Bybit order's `orderLinkId` (JSON body): the cell id. */
function bybitCellOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { orderLinkId?: unknown };
    return typeof parsed.orderLinkId === 'string'
      ? /cell\d+/.exec(parsed.orderLinkId)?.[0]
      : undefined;
  } catch {
    return undefined;
  }
}

/** Answers with the cell's failure. */
function fail(res: ServerResponse, spec: FailureSpec): void {
  const answer = spec.answer;
  switch (answer.kind) {
    case 'destroy':
      res.socket?.destroy();
      return;
    case 'cut':
      // Headers and half a body, then the connection drops.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '400' });
      res.write('{"symbol":"BTCUSDT","orderId":28,"status":"FIL');
      setImmediate(() => res.socket?.destroy());
      return;
    case 'hang':
    case 'refused':
      return;
    case 'http':
      send(res, answer.status, answer.body, answer.headers?.());
      return;
    case 'rpc-error':
      // Only JSON-RPC sends meet these; a REST order never does.
      send(res, 500, { code: -1000, msg: answer.message });
      return;
    case 'bybit-batch':
      // Only batch requests meet these (handleBybitBatch); a single order never does.
      send(res, 200, { retCode: 10001, retMsg: 'not a batch', result: {}, time: Date.now() });
      return;
  }
}

/** A Bybit batch's items (`{ category, request: [{ orderLinkId }, …] }`). */
function bybitBatchItems(body: string): string[] {
  try {
    const parsed = JSON.parse(body) as { request?: { orderLinkId?: unknown }[] };
    return (parsed.request ?? []).map((item) => String(item.orderLinkId));
  } catch {
    return [];
  }
}

/**
 * Starts the venue. Cells must be opened before their first request.
 *
 * @example
 * ```ts
 * const venue = await startVenue();
 * const cell = venue.open('c1', 'http-503-html');
 * // … run a client against venue.url with newClientOrderId 'c1' …
 * expect(cell.executed).toBeLessThanOrEqual(1);
 * ```
 */
export async function startVenue(): Promise<Venue> {
  const cells = new Map<string, CellState>();

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const body = await readBody(req);
      const rpc = /^\/rpc\/([^/]+)$/.exec(url.pathname);
      if (rpc !== null) {
        handleRpc(rpc[1]!, body, res);
        return;
      }
      if (req.method === 'POST' && url.pathname === '/v5/order/create') {
        handleBybitOrder(body, res);
        return;
      }
      if (req.method === 'POST' && url.pathname === '/v5/order/create-batch') {
        handleBybitBatch(body, res);
        return;
      }
      if (req.method === 'POST' && /\/order$/.test(url.pathname)) {
        const cell = cells.get(cellOf(url, body) ?? '');
        if (cell === undefined) {
          send(res, 400, {
            code: -1102,
            msg: 'Mandatory parameter newClientOrderId was not sent.',
          });
          return;
        }
        cell.received += 1;
        const spec = FAILURES[cell.failure];
        if (cell.received === 1) {
          if (spec.executes) cell.executed += 1;
          fail(res, spec);
          return;
        }
        cell.executed += 1;
        if (isOkxOrder(url.pathname)) {
          send(res, 200, okxPlaced(clientOrderId(url, body), cell.executed));
          return;
        }
        send(res, 200, {
          symbol: 'BTCUSDT',
          orderId: 1000 + cell.executed,
          clientOrderId: clientOrderId(url, body),
          status: 'FILLED',
          executedQty: '0.001',
        });
        return;
      }
      send(res, 404, { code: -1099, msg: 'Not found, unauthenticated, or unauthorized.' });
    })();
  });

  /** Bybit's parameter error (10001, BYDOCS error codes) for a request that names no cell. */
  function sendMissingLinkId(res: ServerResponse): void {
    send(res, 200, { retCode: 10001, retMsg: 'orderLinkId missing', result: {}, time: Date.now() });
  }

  /** Bybit v5 `POST /v5/order/create` (BYDOCS create-order.mdx), answered in Bybit's shapes. */
  function handleBybitOrder(body: string, res: ServerResponse): void {
    const id = bybitCellOf(body);
    const cell = cells.get(id ?? '');
    if (cell === undefined) {
      sendMissingLinkId(res);
      return;
    }
    cell.received += 1;
    const spec = FAILURES[cell.failure];
    if (cell.received === 1) {
      if (spec.executes) cell.executed += 1;
      fail(res, spec);
      return;
    }
    cell.executed += 1;
    send(res, 200, {
      retCode: 0,
      retMsg: 'OK',
      result: { orderId: String(1000 + cell.executed), orderLinkId: id },
      retExtInfo: {},
      time: Date.now(),
    });
  }

  /** Executions per item of a batch cell (`cellN-a`, `cellN-b`). */
  const itemExecutions = new Map<string, number>();

  /**
   * Bybit v5 `POST /v5/order/create-batch` (BYDOCS batch-place.mdx): `retCode: 0` with a code per
   * item in `retExtInfo.list`. The cell's first batch meets its item codes; later ones place every
   * item. A cell's `executed` is its most executed item's count, so a resend of a placed item
   * shows up as 2.
   */
  function handleBybitBatch(body: string, res: ServerResponse): void {
    const items = bybitBatchItems(body);
    const cell = cells.get(/cell\d+/.exec(items[0] ?? '')?.[0] ?? '');
    if (cell === undefined) {
      sendMissingLinkId(res);
      return;
    }
    cell.received += 1;
    const answer = FAILURES[cell.failure].answer;
    const first = cell.received === 1 && answer.kind === 'bybit-batch';
    const codes = items.map((_, i) => (first ? (answer.codes[i] ?? 0) : 0));
    const list = items.map((orderLinkId, i) => {
      if (codes[i] !== 0) return { orderId: '', orderLinkId };
      const count = (itemExecutions.get(orderLinkId) ?? 0) + 1;
      itemExecutions.set(orderLinkId, count);
      cell.executed = Math.max(cell.executed, count);
      return { orderId: String(1000 + count), orderLinkId };
    });
    send(
      res,
      200,
      {
        retCode: 0,
        retMsg: 'OK',
        result: { list },
        retExtInfo: {
          list: codes.map((code) => ({
            code,
            msg: code === 0 ? 'OK' : 'Too many visits. Exceeded the API Rate Limit.',
          })),
        },
        time: Date.now(),
      },
      first ? answer.headers?.() : {},
    );
  }

  function handleRpc(id: string, body: string, res: ServerResponse): void {
    const cell = cells.get(id);
    let parsed: RpcCall | RpcCall[];
    try {
      parsed = JSON.parse(body) as RpcCall | RpcCall[];
    } catch {
      send(res, 400, 'bad json');
      return;
    }
    if (cell === undefined) {
      send(res, 404, 'no such cell');
      return;
    }
    const calls = Array.isArray(parsed) ? parsed : [parsed];
    const sends = calls.filter((c) => c.method === 'eth_sendRawTransaction');
    if (sends.length > 0) {
      cell.received += sends.length;
      const spec = FAILURES[cell.failure];
      const first = cell.received === sends.length;
      if (first && spec.executes) cell.executed += 1;
      if (first && spec.answer.kind !== 'rpc-error') {
        // The cell's first broadcast meets the failure (for the whole HTTP request).
        fail(res, spec);
        return;
      }
      if (!first) cell.executed += sends.length;
    }
    const nodeError = (call: RpcCall) => {
      const spec = FAILURES[cell.failure];
      return call.method === 'eth_sendRawTransaction' &&
        cell.received === sends.length &&
        spec.answer.kind === 'rpc-error'
        ? { code: -32000, message: spec.answer.message }
        : undefined;
    };
    const answers = calls.map((call) => {
      const error = nodeError(call);
      if (error !== undefined) return { jsonrpc: '2.0', id: call.id, error };
      const answer = RPC_DEFAULTS[call.method];
      return answer === undefined
        ? {
            jsonrpc: '2.0',
            id: call.id,
            error: { code: -32601, message: `the method ${call.method} does not exist` },
          }
        : { jsonrpc: '2.0', id: call.id, result: answer(cell, call.params ?? []) };
    });
    send(res, 200, Array.isArray(parsed) ? answers : answers[0]);
  }

  const { url, close } = await listenOnLoopback(server);
  const refusedUrl = await closedPortUrl();
  return {
    url,
    refusedUrl,
    open(id, failure) {
      const cell: CellState = { failure, executed: 0, received: 0 };
      cells.set(id, cell);
      return cell;
    },
    close,
  };
}

/** A port on 127.0.0.1 that refuses connections (bound, then released). */
async function closedPortUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
