import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './listen.js';

/**
 * A small Binance-like exchange on 127.0.0.1 that misbehaves on a script, for the demo and the
 * examples. Every endpoint answers with payloads shaped as Binance documents them (spot REST
 * `errors.md`: `{ code, msg }` bodies, `Retry-After` in seconds on 429). Nothing leaves the
 * machine.
 */

export interface ScriptStep {
  /** HTTP status to answer with; `'hang'` never answers (the client must time out). */
  status: number | 'hang';
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RecordedOrder {
  symbol: string;
  side: string;
  quantity: string;
  clientOrderId: string;
  orderId: number;
}

export interface ExchangeServer {
  url: string;
  /** Scripted answers per `METHOD path`, consumed in order; the last one repeats. */
  script(route: string, steps: ScriptStep[]): void;
  /** How many requests each `METHOD path` received. */
  hits: Map<string, number>;
  /** Orders the matching engine accepted, whatever the client was told. */
  orders: RecordedOrder[];
  /** Messages posted to the Telegram-like alert endpoint. */
  alerts: { chatId: unknown; text: string }[];
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  return body;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-mbx-used-weight-1m': '12',
    ...headers,
  });
  res.end(JSON.stringify(body));
}

/**
 * Starts the exchange. Unscripted routes behave normally: `GET /api/v3/ticker/price`,
 * `POST /api/v3/order` (accepts the order; a `newClientOrderId` starting with `unknown-` is
 * accepted and then answered with Binance's "execution status unknown" 503), `GET
 * /api/v3/order?origClientOrderId=` (`-2013` when absent), and `POST /bot<token>/sendMessage`.
 */
export async function startExchangeServer(): Promise<ExchangeServer> {
  const scripts = new Map<string, ScriptStep[]>();
  const hits = new Map<string, number>();
  const orders: RecordedOrder[] = [];
  const alerts: { chatId: unknown; text: string }[] = [];
  let nextOrderId = 1000;

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const route = `${req.method} ${url.pathname.replace(/^\/bot[^/]+\//, '/bot<token>/')}`;
      const count = (hits.get(route) ?? 0) + 1;
      hits.set(route, count);
      const body = await readBody(req);
      const params = new URLSearchParams(req.method === 'GET' ? url.search : body);

      const steps = scripts.get(route);
      if (steps !== undefined && steps.length > 0) {
        const step = steps.length > 1 ? steps.shift()! : steps[0]!;
        if (step.status === 'hang') return; // never answers; closed with the server
        send(res, step.status, step.body ?? {}, step.headers);
        return;
      }

      if (route === 'GET /api/v3/ticker/price') {
        send(res, 200, { symbol: params.get('symbol'), price: '97012.55000000' });
      } else if (route === 'POST /api/v3/order') {
        const order: RecordedOrder = {
          symbol: params.get('symbol') ?? '',
          side: params.get('side') ?? '',
          quantity: params.get('quantity') ?? '',
          clientOrderId: params.get('newClientOrderId') ?? `auto-${nextOrderId}`,
          orderId: nextOrderId++,
        };
        if (Number(order.quantity) > 10) {
          // Binance spot errors.md: -2010 NEW_ORDER_REJECTED, "Account has insufficient balance…".
          send(res, 400, {
            code: -2010,
            msg: 'Account has insufficient balance for requested action.',
          });
          return;
        }
        orders.push(order);
        if (order.clientOrderId.startsWith('unknown-')) {
          // The order reached the matching engine, but the client is told only that the
          // outcome is unknown (Binance: "5XX … the execution status is UNKNOWN").
          send(res, 503, {
            code: -1007,
            msg: 'Timeout waiting for response from backend server. Send status unknown; execution status unknown.',
          });
          return;
        }
        send(res, 200, {
          symbol: order.symbol,
          orderId: order.orderId,
          clientOrderId: order.clientOrderId,
          status: 'FILLED',
        });
      } else if (route === 'GET /api/v3/order') {
        const found = orders.find((o) => o.clientOrderId === params.get('origClientOrderId'));
        if (found === undefined) send(res, 400, { code: -2013, msg: 'Order does not exist.' });
        else
          send(res, 200, {
            symbol: found.symbol,
            orderId: found.orderId,
            clientOrderId: found.clientOrderId,
            status: 'FILLED',
          });
      } else if (route === 'POST /bot<token>/sendMessage') {
        const message = JSON.parse(body) as { chat_id: unknown; text: string };
        alerts.push({ chatId: message.chat_id, text: message.text });
        send(res, 200, { ok: true, result: { message_id: alerts.length } });
      } else {
        send(res, 404, { code: -1000, msg: `no route ${route}` });
      }
    })();
  });

  const { url, close } = await listenOnLoopback(server);
  return {
    url,
    script: (route, steps) => scripts.set(route, [...steps]),
    hits,
    orders,
    alerts,
    close,
  };
}
