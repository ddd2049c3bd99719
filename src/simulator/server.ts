import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { checkOptions, describeValue, numberRule, oneOfRule, type Rule } from '../core/validate.js';
import { binanceDialect } from './binance.js';
import { bybitDialect } from './bybit.js';
import { EVM_METHODS, EvmNode } from './evm.js';
import type { Dialect, Finder, Params, Reply, RouteKind } from './dialect.js';
import { FaultScript, type Step, type VenueFault, type VenueScript } from './fault-script.js';
import { okxDialect } from './okx.js';
import { OrderBook, type SimulatedOrder } from './order-book.js';
import { startStream, type MarketStream, type StreamOptions } from './stream.js';

/** The venues the simulator speaks: four exchanges' REST, and an EVM node's JSON-RPC for DEX code. */
export const VENUES = ['binance-spot', 'binance-futures', 'okx', 'bybit', 'evm'] as const;
export type VenueName = (typeof VENUES)[number];
/** The venues with REST order routes and a market stream. */
type ExchangeName = Exclude<VenueName, 'evm'>;

export interface StartVenueOptions {
  venue: VenueName;
  /** Port on 127.0.0.1 (default 0: a free one). */
  port?: number;
  /**
   * Faults per route and call: `{ 'POST /api/v3/order': ['503-after-execute', 'ok'] }`; on `evm`,
   * per RPC method: `{ eth_sendRawTransaction: ['reset-after-execute'] }`.
   */
  script?: VenueScript;
  /** Also serve a WebSocket market stream (needs the `ws` package; not on `evm`). */
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
  /** The routes this venue serves, `METHOD /path` (on `evm`, its RPC methods). */
  readonly routes: readonly string[];
  /**
   * Times the venue executed an order with this client order id (on `evm`, mined a transaction
   * with this hash): 0, or 1, since resends are duplicates.
   */
  executions(clientOrderId: string): number;
  /** Every order the venue holds, in the order placed (copies; none on `evm`). */
  orders(): SimulatedOrder[];
  /** Requests received, for one route (`'POST /api/v3/order'`, `'eth_sendRawTransaction'`) or in all. */
  requests(route?: string): number;
  /** Replaces a route's remaining script. */
  script(route: string, steps: readonly VenueFault[]): void;
  /** Ends every socket (HTTP and WebSocket) and stops listening. Idempotent. */
  close(): Promise<void>;
}

const DIALECTS: Readonly<Record<ExchangeName, () => Dialect>> = {
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

/** What one running venue holds: its dialect, fault script, order book and request counts. */
interface VenueState {
  readonly dialect: Dialect;
  readonly faults: FaultScript;
  readonly book: OrderBook;
  readonly finder: Finder;
  /** Requests received per route. */
  readonly counts: Map<string, number>;
  /** Pending `latency:<ms>` answers, cleared on close. */
  readonly timers: Set<NodeJS.Timeout>;
}

/** The options, checked, with the venue required. */
function checkStartOptions(options: StartVenueOptions) {
  if (options === undefined || options === null)
    throw new TypeError(`startVenue: options: expected an object, got ${describeValue(options)}`);
  const checked = checkOptions('startVenue', options, RULES);
  if (checked.venue === undefined)
    throw new TypeError(`startVenue: venue: expected ${RULES.venue.rule}, got undefined`);
  if (checked.venue === 'evm' && checked.stream !== undefined && checked.stream !== false)
    throw new RangeError(
      `startVenue: stream: the evm venue serves no market stream, got ${describeValue(checked.stream)}`,
    );
  return { ...checked, venue: checked.venue };
}

/** The route's action: what the venue does with the request, whatever the client hears. */
function execute({ dialect, book, finder }: VenueState, route: string, params: Params): Reply {
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
}

/** Counts the request, then answers the time route, an unknown route, or an order route. */
function handleRequest(
  state: VenueState,
  req: IncomingMessage,
  res: ServerResponse,
  body: string,
): void {
  const { dialect, counts } = state;
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
  playStep(state, res, { route, kind, params, usage }, state.faults.next(route));
}

/** Hands a JSON-RPC request to the EVM node, counting each call under its method. */
function handleRpc(
  node: EvmNode,
  { faults, counts, timers }: Pick<VenueState, 'faults' | 'counts' | 'timers'>,
  req: IncomingMessage,
  res: ServerResponse,
  body: string,
): void {
  const next = (method: string) => {
    counts.set(method, (counts.get(method) ?? 0) + 1);
    return faults.next(method);
  };
  node.handle(res, req, body, next, (ms, answer) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      answer();
    }, ms);
    timers.add(timer);
  });
}

/** An order route's request, parsed, with the usage headers its answer carries. */
interface OrderCall {
  readonly route: string;
  readonly kind: RouteKind;
  readonly params: Params;
  readonly usage: Record<string, string>;
}

/** Answers `call` as the fault script's `step` says: executing it or not, answering or not. */
function playStep(state: VenueState, res: ServerResponse, call: OrderCall, step: Step): void {
  const { dialect, timers } = state;
  const { route, kind, params, usage } = call;
  switch (step.kind) {
    case 'ok':
      return send(res, execute(state, route, params), usage);
    case 'latency': {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.destroyed) send(res, execute(state, route, params), usage);
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
      execute(state, route, params);
      // The request was executed; the client hears only that the outcome is unknown.
      if (step.fault === 'reset') {
        res.socket?.destroy();
        return;
      }
      return send(res, dialect.fault(step.fault, kind, Date.now()), usage);
  }
}

/** An HTTP server that hands each request, body read, to `handle`, and keeps its open sockets. */
function createVenueServer(
  handle: (req: IncomingMessage, res: ServerResponse, body: string) => void,
) {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return { server, sockets };
}

/** Listens on 127.0.0.1 and resolves with the port, or rejects with the listen error. */
async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** The running market stream: its URL, controls and close. */
type Market = Awaited<ReturnType<typeof startStream>>;

/** Starts the market stream when asked for; a failure closes the server before it is rethrown. */
async function startMarket(
  server: Server,
  venue: ExchangeName,
  port: number,
  stream: boolean | StreamOptions | undefined,
): Promise<Market | undefined> {
  if (stream === undefined || stream === false) return undefined;
  try {
    return await startStream(server, venue, port, stream === true ? {} : stream);
  } catch (err) {
    server.closeAllConnections();
    server.close();
    throw err;
  }
}

/** Clears pending answers, closes the stream, then ends every socket and stops listening. */
async function closeVenue(
  state: Pick<VenueState, 'timers'>,
  server: Server,
  sockets: ReadonlySet<Socket>,
  market: Market | undefined,
): Promise<void> {
  for (const timer of state.timers) clearTimeout(timer);
  state.timers.clear();
  await market?.close();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  for (const socket of sockets) socket.destroy();
  await closed;
}

/**
 * Starts a local exchange on 127.0.0.1 that real clients can be pointed at: the `binance`
 * package (`baseUrl`), okx-api and bybit-api (`baseUrl`), ccxt (its `urls.api` overridden),
 * fetch and axios. It serves new order, query by client order id, cancel and open orders in
 * the venue's routes and shapes, executes and counts orders, answers a resend of a known client
 * order id with the venue's duplicate error, and fails on `script`.
 *
 * `venue: 'evm'` is an EVM node instead (JSON-RPC, for DEX code, ethers and viem): it mines each
 * broadcast transaction at once, answers a resend of one with "nonce too low", serves receipts
 * by hash, and fails on a script per RPC method (evm.ts).
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
  const { venue, port = 0, script, stream } = checkStartOptions(options);
  if (venue === 'evm') return startEvmNode(port, script);
  const dialect = DIALECTS[venue]();
  const routes = Object.keys(dialect.routes);
  const book = new OrderBook();
  const state: VenueState = {
    dialect,
    faults: new FaultScript(routes, script),
    book,
    finder: { byClientId: (id) => book.find(id), byOrderId: (id) => book.findById(id) },
    counts: new Map(),
    timers: new Set(),
  };
  const { server, sockets } = createVenueServer((req, res, body) =>
    handleRequest(state, req, res, body),
  );
  const boundPort = await listen(server, port);
  const market = await startMarket(server, venue, boundPort, stream);
  let closing: Promise<void> | undefined;
  return {
    venue,
    url: `http://127.0.0.1:${boundPort}`,
    wsUrl: market?.url,
    stream: market?.controls,
    routes,
    executions: (id) => book.executions(id),
    orders: () => book.all().map((o) => ({ ...o })),
    requests: (route) => countOf(state.counts, route),
    script: (route, steps) => state.faults.set(route, steps),
    close: () => (closing ??= closeVenue(state, server, sockets, market)),
  };
}

/** Requests for one route, or in all. */
function countOf(counts: ReadonlyMap<string, number>, route: string | undefined): number {
  return route === undefined
    ? [...counts.values()].reduce((a, b) => a + b, 0)
    : (counts.get(route) ?? 0);
}

/** The `evm` venue: a JSON-RPC node (evm.ts) on the same server plumbing, scripted per method. */
async function startEvmNode(port: number, script: VenueScript | undefined): Promise<Venue> {
  const node = new EvmNode();
  const state = {
    faults: new FaultScript(EVM_METHODS, script),
    counts: new Map<string, number>(),
    timers: new Set<NodeJS.Timeout>(),
  };
  const { server, sockets } = createVenueServer((req, res, body) =>
    handleRpc(node, state, req, res, body),
  );
  const boundPort = await listen(server, port);
  let closing: Promise<void> | undefined;
  return {
    venue: 'evm',
    url: `http://127.0.0.1:${boundPort}`,
    wsUrl: undefined,
    stream: undefined,
    routes: EVM_METHODS,
    executions: (hash) => node.executions(hash),
    orders: () => [],
    requests: (route) => countOf(state.counts, route),
    script: (route, steps) => state.faults.set(route, steps),
    close: () => (closing ??= closeVenue(state, server, sockets, undefined)),
  };
}
