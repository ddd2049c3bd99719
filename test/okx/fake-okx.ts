import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { listenOnLoopback } from '../helpers/listen.js';

/** OKX's documented answer texts (OKXDOC error codes). */
export const OKX_MESSAGES = {
  '50001': 'Service temporarily unavailable. Please try again later.',
  '50004':
    'API endpoint request timeout. (does not mean that the request was successful or failed, please check the request result).',
  '50011': 'Too Many Requests',
  '51008': 'Order failed. Insufficient USDT balance in account.',
  '51016': 'Client order ID already exists.',
  '51149':
    'Order timed out. Please try again. (does not mean that the request was successful or failed, please check the request result)',
} as const;

/** How the venue answers one order request. */
export type Fault =
  /** Execute and answer success. */
  | 'ok'
  /** Execute, then drop the connection before answering. */
  | 'reset-after-execute'
  /** Answer `{ code, msg, data: [] }` with this status, executing first when `execute`. */
  | {
      status: number;
      code: keyof typeof OKX_MESSAGES;
      execute: boolean;
      headers?: Record<string, string>;
    };

export interface ReceivedOkx {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
}

const ok = (data: unknown[]) => ({ code: '0', msg: '', data });
const placed = (clOrdId: string, n: number) => ({
  clOrdId,
  ordId: String(700 + n),
  tag: '',
  ts: '1700000000000',
  sCode: '0',
  sMsg: 'Order placed',
});

/**
 * A local node:http server on 127.0.0.1 speaking OKX v5 REST: `POST /api/v5/trade/order` places
 * an order (its answer follows `script`, one fault per order request, then `ok`), `GET
 * /api/v5/trade/order?clOrdId=` looks it up (hidden from the first `hiddenLookups` lookups, as a
 * lagging read replica would), `POST /api/v5/trade/batch-orders` answers with `batch`. A resend
 * of a client order id that executed answers 51016. Orders are counted here, server-side.
 */
export async function startFakeOkx(
  options: {
    script?: Fault[];
    hiddenLookups?: number;
    batch?: (orders: { clOrdId?: string }[]) => { status: number; body: unknown };
  } = {},
) {
  const script = [...(options.script ?? [])];
  let hidden = options.hiddenLookups ?? 0;
  const requests: ReceivedOkx[] = [];
  /** Client order ids in the order they executed (one entry per execution). */
  const executions: string[] = [];

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        body = text;
      }
      const received = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
      };
      requests.push(received);
      const send = (status: number, answer: unknown, headers: Record<string, string> = {}) =>
        res
          .writeHead(status, { 'content-type': 'application/json', ...headers })
          .end(JSON.stringify(answer));

      if (received.method === 'POST' && url.pathname === '/api/v5/trade/order') {
        const given = (body as { clOrdId?: unknown } | undefined)?.clOrdId;
        const clOrdId = typeof given === 'string' ? given : '';
        if (executions.includes(clOrdId)) {
          send(200, {
            code: '1',
            msg: 'All operations failed',
            data: [{ clOrdId, ordId: '', tag: '', sCode: '51016', sMsg: OKX_MESSAGES['51016'] }],
          });
          return;
        }
        const fault = script.shift() ?? 'ok';
        if (fault === 'ok') {
          executions.push(clOrdId);
          send(200, ok([placed(clOrdId, executions.length)]));
          return;
        }
        if (fault === 'reset-after-execute') {
          executions.push(clOrdId);
          res.socket?.destroy();
          return;
        }
        if (fault.execute) executions.push(clOrdId);
        send(
          fault.status,
          { code: fault.code, msg: OKX_MESSAGES[fault.code], data: [] },
          fault.headers,
        );
        return;
      }
      if (received.method === 'GET' && url.pathname === '/api/v5/trade/order') {
        const clOrdId = url.searchParams.get('clOrdId') ?? '';
        if (hidden > 0 || !executions.includes(clOrdId)) {
          hidden -= 1;
          send(200, { code: '51603', msg: 'Order does not exist', data: [] });
          return;
        }
        send(
          200,
          ok([
            {
              instId: url.searchParams.get('instId'),
              clOrdId,
              ordId: String(700 + executions.indexOf(clOrdId) + 1),
              state: 'filled',
              accFillSz: '0.001',
            },
          ]),
        );
        return;
      }
      if (received.method === 'POST' && url.pathname === '/api/v5/trade/batch-orders') {
        const answer = options.batch?.(body as { clOrdId?: string }[]) ?? {
          status: 200,
          body: ok([]),
        };
        send(answer.status, answer.body);
        return;
      }
      send(404, { code: '50030', msg: 'Not found', data: [] });
    });
  });
  const { url, close } = await listenOnLoopback(server);
  return {
    baseUrl: url,
    requests,
    executions,
    /** Order requests received. */
    orderRequests: () =>
      requests.filter((r) => r.method === 'POST' && r.path === '/api/v5/trade/order').length,
    close,
  };
}
