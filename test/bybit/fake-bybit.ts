import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { listenOnLoopback } from '../helpers/listen.js';

/**
 * A local node:http server on 127.0.0.1 speaking Bybit v5 REST (BYDOCS `order/create-order.mdx`,
 * `order/open-order.mdx`, `order/batch-place.mdx`): it places orders, counts executions per
 * `orderLinkId` server-side, answers an already used `orderLinkId` with 110072 (Bybit: "always
 * unique"), and meets each order request with the next step of a script.
 */

/** What one order request meets. */
export type Step =
  | { kind: 'ok' }
  /** An HTTP 200 `{ retCode, retMsg }` answer, after executing the order when `executes`. */
  | { kind: 'code'; retCode: number; retMsg: string; executes?: boolean; headers?: Headers }
  /** A non-2xx answer with a body (text or JSON). */
  | { kind: 'status'; status: number; body: unknown; headers?: Headers }
  /** The connection is dropped after the order executed. */
  | { kind: 'reset-after-execute' };

type Headers = Record<string, string>;

/** One request the server received. */
export interface Received {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface FakeBybitOptions {
  /** The steps order requests meet, in order; `ok` once it runs out. */
  script?: Step[];
  /** Batch answers: each item's code (0 executes the item), for every batch request. */
  batchCodes?: number[];
  /**
   * Batch answers, one per batch request, before `batchCodes` applies: each item's code and the
   * answer's headers (the `X-Bapi-Limit*` trio of a rate-limited batch, for example).
   */
  batchScript?: { codes: number[]; headers?: Headers }[];
  /** Lookups by `orderLinkId` that do not see an order yet (replication lag). Default 0. */
  lookupLag?: number;
  /** Headers on every answer (the `X-Bapi-Limit*` trio, for example). */
  headers?: () => Headers;
}

export interface FakeBybit {
  readonly url: string;
  readonly requests: Received[];
  /** Order requests received on `/v5/order/create`. */
  orderRequests(): number;
  /** Batch requests received on `/v5/order/create-batch`. */
  batchRequests(): number;
  /** Times the order with this `orderLinkId` was executed. */
  executions(orderLinkId: string): number;
  close(): Promise<void>;
}

const ok = (result: unknown) => ({
  retCode: 0,
  retMsg: 'OK',
  result,
  retExtInfo: {},
  time: Date.now(),
});

const DUPLICATE = { retCode: 110072, retMsg: 'OrderLinkedID is duplicate' };

export async function startFakeBybit(options: FakeBybitOptions = {}): Promise<FakeBybit> {
  // The caller's array itself: a test may push steps while the server runs.
  const script = options.script ?? [];
  const batchScript = [...(options.batchScript ?? [])];
  const requests: Received[] = [];
  const executed = new Map<string, number>();
  let lookups = 0;
  let nextOrderId = 1000;

  const send = (res: ServerResponse, status: number, body: unknown, headers: Headers = {}) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': typeof body === 'string' ? 'text/html' : 'application/json; charset=utf-8',
      ...options.headers?.(),
      ...headers,
    });
    res.end(text);
  };

  const execute = (linkId: string) => executed.set(linkId, (executed.get(linkId) ?? 0) + 1);

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const received: Received = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(received);
      const json = (() => {
        try {
          return JSON.parse(received.body || '{}') as Record<string, unknown>;
        } catch {
          return {};
        }
      })();
      if (received.method === 'POST' && url.pathname === '/v5/order/create') {
        const linkId = typeof json.orderLinkId === 'string' ? json.orderLinkId : '';
        const step = script.shift() ?? { kind: 'ok' };
        if (step.kind !== 'ok' && step.kind !== 'status' && step.kind !== 'code') {
          execute(linkId);
          res.socket?.destroy();
          return;
        }
        if (step.kind === 'status') {
          send(res, step.status, step.body, step.headers);
          return;
        }
        // BYDOCS: orderLinkId is "always unique": a second order with it is 110072.
        if (executed.has(linkId)) {
          send(res, 200, { ...DUPLICATE, result: {}, retExtInfo: {}, time: Date.now() });
          return;
        }
        if (step.kind === 'code') {
          if (step.executes === true) execute(linkId);
          send(
            res,
            200,
            {
              retCode: step.retCode,
              retMsg: step.retMsg,
              result: {},
              retExtInfo: {},
              time: Date.now(),
            },
            step.headers,
          );
          return;
        }
        execute(linkId);
        send(res, 200, ok({ orderId: String(nextOrderId++), orderLinkId: linkId }));
        return;
      }
      if (received.method === 'GET' && url.pathname === '/v5/order/realtime') {
        const linkId = url.searchParams.get('orderLinkId') ?? '';
        const visible = lookups++ >= (options.lookupLag ?? 0) && executed.has(linkId);
        send(
          res,
          200,
          ok({
            list: visible
              ? [
                  {
                    orderId: 'found-1',
                    orderLinkId: linkId,
                    orderStatus: 'Filled',
                    symbol: 'BTCUSDT',
                  },
                ]
              : [],
            category: 'linear',
          }),
        );
        return;
      }
      if (received.method === 'POST' && url.pathname === '/v5/order/create-batch') {
        const request = (json.request as { orderLinkId?: string }[] | undefined) ?? [];
        const step = batchScript.shift();
        const scripted = step?.codes ?? options.batchCodes ?? request.map(() => 0);
        // BYDOCS: orderLinkId is "always unique": an item reusing a placed one is 110072.
        const codes = request.map((item, i) =>
          executed.has(String(item.orderLinkId)) ? DUPLICATE.retCode : (scripted[i] ?? 0),
        );
        const list = request.map((item, i) => {
          if (codes[i] === 0) execute(String(item.orderLinkId));
          return {
            orderId: codes[i] === 0 ? String(nextOrderId++) : '',
            orderLinkId: item.orderLinkId,
          };
        });
        send(
          res,
          200,
          {
            retCode: 0,
            retMsg: 'OK',
            result: { list },
            retExtInfo: {
              list: codes.map((code) => ({ code, msg: code === 0 ? 'OK' : `error ${code}` })),
            },
            time: Date.now(),
          },
          step?.headers,
        );
        return;
      }
      send(res, 404, { retCode: 10001, retMsg: `no route ${url.pathname}` });
    });
  });
  const { url, close } = await listenOnLoopback(server);
  return {
    url,
    requests,
    orderRequests: () =>
      requests.filter((r) => r.method === 'POST' && r.path === '/v5/order/create').length,
    batchRequests: () =>
      requests.filter((r) => r.method === 'POST' && r.path === '/v5/order/create-batch').length,
    executions: (linkId) => executed.get(linkId) ?? 0,
    close,
  };
}
