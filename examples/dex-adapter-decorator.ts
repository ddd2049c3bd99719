/**
 * A perp-DEX adapter whose methods are retried with `@retryable`. The adapter turns every
 * failure into the `tenacious/dex` error hierarchy, and `dexClassifier` (inside `dexPresets`)
 * decides from the class alone:
 *
 * - `DexTimeoutError` (sent, no answer) on an idempotent read: retried;
 * - `DexRejectionError` (the venue said no): not retried;
 * - `DexTimeoutError` on an order (`idempotent: false`): reconciled by client id, never resent.
 *
 * Offline: the venue is a local REST server. Run with `npx tsx examples/dex-adapter-decorator.ts`.
 */
import { onRetry, retryable } from '../src/index.js';
import {
  DexConnectionError,
  DexError,
  DexInsufficientFundsError,
  DexOrderNotFoundError,
  DexRejectionError,
  DexTimeoutError,
  dexPresets,
} from '../src/dex/index.js';
import { networkErrorKind } from '../src/http/index.js';
import { countRequests, startLocalServer } from './support/local-server.js';

interface OrderRequest {
  clientId: string;
  market: string;
  side: 'buy' | 'sell';
  size: string;
  price: string;
}
interface Order extends OrderRequest {
  id: number;
  status: 'open' | 'filled';
}
interface Position {
  market: string;
  size: string;
}

// --- The adapter -----------------------------------------------------------------------------

/** The venue's error codes, as the adapter's error classes (default: DexRejectionError). */
const VENUE_ERRORS: Readonly<Record<string, typeof DexError>> = {
  INSUFFICIENT_MARGIN: DexInsufficientFundsError,
  ORDER_NOT_FOUND: DexOrderNotFoundError,
};

class PerpDexAdapter {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs = 1000,
  ) {}

  /** An idempotent read: a timeout is retried. Operation name: `PerpDexAdapter.getPosition`. */
  @retryable(dexPresets.dexQuery)
  async getPosition(market: string): Promise<Position> {
    return this.request('GET', `/positions/${market}`);
  }

  @retryable(dexPresets.dexQuery)
  async getOrderByClientId(clientId: string): Promise<Order> {
    return this.request('GET', `/orders/by-client-id/${clientId}`);
  }

  /** Not idempotent: after a timeout the order may be on the book, so look it up first. */
  @retryable((self: PerpDexAdapter, [order]: [OrderRequest]) => ({
    ...dexPresets.dexOrder,
    reconcile: async ({ verdict }) => {
      try {
        const found = await self.getOrderByClientId(order.clientId);
        console.log(`  reconcile after ${verdict.reason}: order ${found.id} is on the book`);
        return { executed: true, value: found };
      } catch (err) {
        if (err instanceof DexOrderNotFoundError) return { executed: false }; // safe to resend
        throw err;
      }
    },
  }))
  async placeOrder(order: OrderRequest): Promise<Order> {
    return this.request('POST', '/orders', order);
  }

  /** One REST call; every failure becomes a DexError subclass that says what happened. */
  private async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const what = `${method} ${path}`;
    const venue = 'example';
    let response: Response;
    let data: T & { error?: { code: string; message: string } };
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      data = (await response.json()) as typeof data;
    } catch (err) {
      if (networkErrorKind(err) === 'before-send') {
        throw new DexConnectionError(`${what}: venue unreachable`, { venue, cause: err });
      }
      throw new DexTimeoutError(`${what}: no answer within ${this.timeoutMs} ms`, {
        venue,
        cause: err,
      });
    }
    if (response.ok) return data;
    const { code = 'UNKNOWN', message = response.statusText } = data.error ?? {};
    // A 5xx says nothing about the request: a plain DexError is judged by its status.
    if (response.status >= 500)
      throw new DexError(message, { venue, code, status: response.status });
    const ErrorClass = VENUE_ERRORS[code] ?? DexRejectionError;
    throw new ErrorClass(message, { venue, code, status: response.status });
  }
}

// --- A venue that times out once on each route -----------------------------------------------
const book = new Map<string, Order>();
let positionReads = 0;
const server = await startLocalServer(({ method, path, body }) => {
  if (method === 'GET' && path.startsWith('/positions/')) {
    if (positionReads++ === 0) return 'hang';
    return { status: 200, body: { market: path.slice('/positions/'.length), size: '0.50' } };
  }
  if (method === 'POST' && path === '/orders') {
    const request = JSON.parse(body) as OrderRequest;
    if (Number(request.price) % 0.5 !== 0) {
      return {
        status: 400,
        body: { error: { code: 'TICK', message: 'Price must be divisible by tick size 0.5' } },
      };
    }
    book.set(request.clientId, { ...request, id: 7000 + book.size, status: 'open' });
    return 'hang'; // accepted by the matching engine, but the answer never comes
  }
  if (method === 'GET' && path.startsWith('/orders/by-client-id/')) {
    const order = book.get(path.slice('/orders/by-client-id/'.length));
    return order === undefined
      ? { status: 404, body: { error: { code: 'ORDER_NOT_FOUND', message: 'Order not found' } } }
      : { status: 200, body: order };
  }
  return { status: 404, body: { error: { code: 'NOT_FOUND', message: 'no such route' } } };
});

// --- Using it --------------------------------------------------------------------------------
const stopPrinting = onRetry((e) =>
  console.log(`  ${e.operation}: attempt ${e.attempt} failed (${e.verdict.reason}), retrying`),
);
const adapter = new PerpDexAdapter(server.url);

console.log('1. An idempotent read that times out once');
const position = await adapter.getPosition('BTC-USD');
console.log(`  position ${position.market}: ${position.size}`);

console.log('2. An order the venue rejects');
try {
  await adapter.placeOrder({
    clientId: 'c-1',
    market: 'BTC-USD',
    side: 'buy',
    size: '0.1',
    price: '97000.3',
  });
} catch (err) {
  const e = err as DexError;
  console.log(
    `  not retried: ${e.name} [${String(e.code)}] ${e.message} (${countRequests(server, 'POST /orders')} request)`,
  );
}

console.log('3. An order whose answer is lost (idempotent: false + reconcile)');
const order = await adapter.placeOrder({
  clientId: 'c-2',
  market: 'BTC-USD',
  side: 'buy',
  size: '0.1',
  price: '97000.5',
});
console.log(
  `  order ${order.clientId}: ${order.status} (id ${order.id}); POST /orders sent once for it (${countRequests(server, 'POST /orders')} in all)`,
);

stopPrinting();
await server.close();
