import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { checkOptions, describeValue, numberRule, oneOfRule, type Rule } from '../core/validate.js';
import { binanceDialect } from './binance.js';
import { bybitDialect } from './bybit.js';
import type { Dialect, Params, Reply } from './dialect.js';
import { FaultScript, type VenueFault, type VenueScript } from './fault-script.js';
import { okxDialect } from './okx.js';
import { OrderBook, type SimulatedOrder } from './order-book.js';
import { startStream, type MarketStream, type StreamOptions } from './stream.js';

/** The venues the simulator speaks. */
export const VENUES = ['binance-spot', 'binance-futures', 'okx', 'bybit'] as const;
export type VenueName = (typeof VENUES)[number];

export interface StartVenueOptions {
  venue: VenueName;
  /** Port on 127.0.0.1 (default 0: a free one). */
  port?: number;
  /** Faults per route and call: `{ 'POST /api/v3/order': ['503-after-execute', 'ok'] }`. */
  script?: VenueScript;
  /** Also serve a WebSocket market stream (needs the `ws` package). */
  stream?: boolean | StreamOptions;
}

/** A running simulated venue. */
export interface Venue {
  readonly venue: VenueName;
  /** `http://127.0.0.1:<port>`: the REST base URL to give a client. */
  readonly url: string;
  /** The market stream's URL (`ws://127.0.0.1:<port>/…`); undefined without `stream`. */
  readonly wsUrl: string | undefined;
  /** The stream's controls; undefined without `stream`. */
  readonly stream: MarketStream | undefined;
  /** The routes this venue serves, `METHOD /path`. */
  readonly routes: readonly string[];
  /** Times the venue executed an order with this client order id (0, or 1: resends are duplicates). */
  executions(clientOrderId: string): number;
  /** Every order the venue holds, in the order placed (copies). */
  orders(): SimulatedOrder[];
  /** Requests received, for one route (`'POST /api/v3/order'`) or in all. */
  requests(route?: string): number;
  /** Replaces a route's remaining script. */
  script(route: string, steps: readonly VenueFault[]): void;
  /** Ends every socket (HTTP and WebSocket) and stops listening. Idempotent. */
  close(): Promise<void>;
}

const DIALECTS: Readonly<Record<VenueName, () => Dialect>> = {
  'binance-spot': () => binanceDialect('spot'),
  'binance-futures': () => binanceDialect('futures'),
  okx: okxDialect,
  bybit: bybitDialect,
};

const streamRule: Rule = {
  type: (v) => typeof v === 'boolean' || (typeof v === 'object' && v !== null && !Array.isArray(v)),
  rule: 'a boolean or stream options',
};
const RULES = {
  venue: oneOfRule(VENUES),
  port: numberRule(0, { max: 65535, integer: true }),
  script: {
    type: (v: unknown) => typeof v === 'object' && v !== null,
    rule: 'an object of routes',
  },
  stream: streamRule,
};

/** Query string, form body and JSON body parameters, later ones winning. */
function paramsOf(url: URL, body: string): Params {
  const params = new Map<string, string>(url.searchParams);
  const text = body.trim();
  if (text.startsWith('{')) {
    try {
      for (const [k, v] of Object.entries(JSON.parse(text) as Record<string, unknown>))
        params.set(k, typeof v === 'string' ? v : JSON.stringify(v));
    } catch {
      // Not JSON after all: the venue sees no parameters from it, as a real one would reject it.
    }
  } else if (text !== '') {
    for (const [k, v] of new URLSearchParams(text)) params.set(k, v);
  }
  return params;
}

function send(res: ServerResponse, reply: Reply, usage: Record<string, string>): void {
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json;charset=UTF-8',
    ...usage,
    ...reply.headers,
  });
  res.end(text);
}

/**
 * Starts a local exchange on 127.0.0.1 that real clients can be pointed at: the `binance`
 * package (`baseUrl`), okx-api and bybit-api (`baseUrl`), ccxt (its `urls.api` overridden),
 * fetch and axios. It serves new order, query by client order id, cancel and open orders in
 * the venue's routes and shapes, executes and counts orders, answers a resend of a known client
 * order id with the venue's duplicate error, and fails on `script`.
 *
 * Signatures and API keys are not checked: any key and signature are accepted, and no answer
 * ever repeats one.
 *
 * @example
 * ```ts
 * const venue = await startVenue({
 *   venue: 'binance-spot',
 *   script: { 'POST /api/v3/order': ['reset-after-execute'] },
 * });
 * const client = new MainClient({ api_key: 'k', api_secret: 's', baseUrl: venue.url });
 * // … place an order with retry + reconcile …
 * expect(venue.executions('my-id')).toBe(1);
 * await venue.close();
 * ```
 */
export async function startVenue(options: StartVenueOptions): Promise<Venue> {
  if (options === undefined || options === null)
    throw new TypeError(`startVenue: options: expected an object, got ${describeValue(options)}`);
  const { venue, port = 0, script, stream } = checkOptions('startVenue', options, RULES);
  if (venue === undefined)
    throw new TypeError(`startVenue: venue: expected ${RULES.venue.rule}, got undefined`);
  const dialect = DIALECTS[venue]();
  const routes = Object.keys(dialect.routes);
  const faults = new FaultScript(routes, script);
  const book = new OrderBook();
  const counts = new Map<string, number>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const finder = {
    byClientId: (id: string) => book.find(id),
    byOrderId: (id: number) => book.findById(id),
  };

  /** The route's action: what the venue does with the request, whatever the client hears. */
  const act = (route: string, params: Params): Reply => {
    const kind = dialect.routes[route]!;
    const now = Date.now();
    switch (kind) {
      case 'new': {
        const result = book.place(dialect.order(params), now);
        return 'placed' in result
          ? dialect.placed(result.placed)
          : dialect.duplicate(result.duplicate, kind);
      }
      case 'query': {
        if (dialect.listsOpen?.(params) === true)
          return dialect.openOrders(book.open(params.get('symbol')));
        const order = dialect.target(params, finder);
        return order === undefined ? dialect.missing('query', params) : dialect.found(order);
      }
      case 'cancel': {
        const order = book.cancel(dialect.target(params, finder), now);
        return order === undefined ? dialect.missing('cancel', params) : dialect.canceled(order);
      }
      case 'open':
        return dialect.openOrders(book.open(params.get('symbol') ?? params.get('instId')));
    }
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = `${req.method ?? 'GET'} ${url.pathname}`;
    counts.set(route, (counts.get(route) ?? 0) + 1);
    if (route === dialect.timeRoute) return send(res, dialect.time(Date.now()), {});
    const kind = dialect.routes[route];
    if (kind === undefined) {
      send(res, { status: 404, body: { code: -1, msg: `simulator: no route ${route}` } }, {});
      return;
    }
    const params = paramsOf(url, body);
    const usage = dialect.usageHeaders(kind, Date.now());
    const step = faults.next(route);
    switch (step.kind) {
      case 'ok':
        return send(res, act(route, params), usage);
      case 'latency': {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) send(res, act(route, params), usage);
        }, step.ms);
        timers.add(timer);
        return;
      }
      case 'rate-limit':
      case 'ban':
        return send(res, dialect.fault(step.kind, kind, Date.now()), usage);
      case 'reject':
        return send(res, dialect.reject(step.code, kind, params), usage);
      case 'after-execute':
        act(route, params);
        // The request was executed; the client hears only that the outcome is unknown.
        if (step.fault === 'reset') {
          res.socket?.destroy();
          return;
        }
        return send(res, dialect.fault(step.fault, kind, Date.now()), usage);
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${address.port}`;
  let market: Awaited<ReturnType<typeof startStream>> | undefined;
  if (stream !== undefined && stream !== false) {
    try {
      market = await startStream(server, venue, address.port, stream === true ? {} : stream);
    } catch (err) {
      server.closeAllConnections();
      server.close();
      throw err;
    }
  }

  let closing: Promise<void> | undefined;
  return {
    venue,
    url,
    wsUrl: market?.url,
    stream: market?.controls,
    routes,
    executions: (id) => book.executions(id),
    orders: () => book.all().map((o) => ({ ...o })),
    requests: (route) =>
      route === undefined
        ? [...counts.values()].reduce((a, b) => a + b, 0)
        : (counts.get(route) ?? 0),
    script: (route, steps) => faults.set(route, steps),
    close: () =>
      (closing ??= (async () => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        await market?.close();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
        await closed;
      })()),
  };
}
