/**
 * A NestJS-style exchange adapter with `@retryable` methods, against a local exchange-like
 * server that fails a few times. Offline; runs in about a second:
 *
 *   npx tsx examples/nestjs-style-service.ts
 *
 * In a NestJS app the adapter would be an `@Injectable()` whose config is injected; here the
 * config is passed to the constructor by hand, which is all that injection does. The decorators
 * are the same under NestJS's `experimentalDecorators` and under TypeScript 5's standard
 * decorators (which tsx compiles this file with).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exponential, retryable, type RetryEvent, type RetryOptions } from '../src/index.js';
import { httpClassifier } from '../src/http/index.js';

// ---------------------------------------------------------------------------------------------
// A tiny exchange: positions fail with 503 twice; the first order is executed but its response
// is lost (504), the second order's first request never reaches the matching engine (504).

interface Order {
  symbol: string;
  side: 'BUY' | 'SELL';
  quantity: string;
  clientOrderId: string;
}

interface Exchange {
  baseUrl: string;
  close(): Promise<void>;
}

async function startExchange(): Promise<Exchange> {
  let positionFailures = 2;
  const orderScript = ['execute, then lose the response', 'lose the request'];
  const orders = new Map<string, Order & { orderId: number; status: 'FILLED' }>();

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const readJson = async (req: IncomingMessage): Promise<Order> => {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    return JSON.parse(text) as Order;
  };
  // Binance's -1007: "Timeout waiting for response from backend server. Send status unknown;
  // execution status unknown." (spot REST docs, "Error codes")
  const unknownStatus = { code: -1007, msg: 'Timeout waiting for response from backend server.' };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://exchange');
    void (async () => {
      if (req.method === 'GET' && url.pathname === '/api/position') {
        if (positionFailures-- > 0) return send(res, 503, { code: -1, msg: 'Service unavailable' });
        return send(res, 200, { symbol: url.searchParams.get('symbol'), size: '0.250' });
      }
      if (req.method === 'POST' && url.pathname === '/api/order') {
        const order = await readJson(req);
        const step = orderScript.shift();
        if (step === 'lose the request') return send(res, 504, unknownStatus);
        const filled = { ...order, orderId: 1000 + orders.size, status: 'FILLED' as const };
        orders.set(order.clientOrderId, filled);
        if (step === 'execute, then lose the response') return send(res, 504, unknownStatus);
        return send(res, 200, filled);
      }
      if (req.method === 'GET' && url.pathname === '/api/order') {
        const found = orders.get(url.searchParams.get('clientOrderId') ?? '');
        if (found === undefined)
          return send(res, 404, { code: -2013, msg: 'Order does not exist.' });
        return send(res, 200, found);
      }
      send(res, 404, { msg: 'not found' });
    })().catch(() => send(res, 400, { code: -1102, msg: 'Malformed request.' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// The adapter: what an app would write.

/** What NestJS would inject (for example from a ConfigService). */
interface ExchangeConfig {
  baseUrl: string;
  /** Retry options of this adapter instance: reads and, with more care, orders. */
  retry: RetryOptions;
}

/** An HTTP failure with its status, which `httpClassifier` reads. */
class ExchangeHttpError extends Error {
  override readonly name = 'ExchangeHttpError';
  constructor(
    readonly status: number,
    readonly body: { code?: number; msg?: string },
  ) {
    super(`HTTP ${status}: ${body.msg ?? 'no message'}`);
  }
}

class ExchangeAdapter {
  constructor(readonly config: ExchangeConfig) {}

  /** Options from the instance: the injected config is read on every call. */
  @retryable((self: ExchangeAdapter) => self.config.retry)
  async getPosition(symbol: string): Promise<{ symbol: string; size: string }> {
    return this.request('GET', `/api/position?symbol=${symbol}`);
  }

  /**
   * Options from the instance and from the call: never resend an order blindly after an unknown
   * outcome (`idempotent: false`); look it up by its client order id instead.
   */
  @retryable((self: ExchangeAdapter, [order]: [Order]) => ({
    ...self.config.retry,
    idempotent: false,
    reconcile: async ({ operation, attempt, verdict }) => {
      console.log(`  ${operation}: attempt ${attempt} outcome unknown (${verdict.reason})`);
      const found = await self.findOrder(order.clientOrderId);
      console.log(
        `  reconcile ${order.clientOrderId}: ${found === undefined ? 'not on the exchange, safe to resend' : `found order ${found.orderId}, not resending`}`,
      );
      return found === undefined ? { executed: false } : { executed: true, value: found };
    },
  }))
  async placeOrder(order: Order): Promise<Order & { orderId: number; status: string }> {
    // The body runs again on every attempt: a signed request would get a fresh timestamp here.
    return this.request('POST', '/api/order', order);
  }

  private async findOrder(clientOrderId: string) {
    try {
      return await this.request<Order & { orderId: number; status: string }>(
        'GET',
        `/api/order?clientOrderId=${clientOrderId}`,
      );
    } catch (error) {
      if (error instanceof ExchangeHttpError && error.status === 404) return undefined;
      throw error;
    }
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.config.baseUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const payload = (await res.json()) as T & { code?: number; msg?: string };
    if (!res.ok) throw new ExchangeHttpError(res.status, payload);
    return payload;
  }
}

// ---------------------------------------------------------------------------------------------

const printRetry = (event: RetryEvent) =>
  console.log(
    `  ${event.operation}: attempt ${event.attempt}/${event.maxAttempts} failed (${event.verdict.reason}), retrying in ${Math.round(event.delayMs)} ms`,
  );

async function main(): Promise<void> {
  const exchange = await startExchange();
  try {
    const adapter = new ExchangeAdapter({
      baseUrl: exchange.baseUrl,
      retry: {
        maxAttempts: 4,
        backoff: exponential({ initial: 50, max: 200 }),
        classify: httpClassifier(),
        onRetry: printRetry,
      },
    });

    console.log('getPosition(BTCUSDT)');
    const position = await adapter.getPosition('BTCUSDT');
    console.log(`  position: ${position.symbol} ${position.size}`);

    for (const clientOrderId of ['demo-1', 'demo-2']) {
      console.log(`placeOrder(${clientOrderId})`);
      const order = await adapter.placeOrder({
        symbol: 'BTCUSDT',
        side: 'BUY',
        quantity: '0.010',
        clientOrderId,
      });
      console.log(`  order ${order.clientOrderId}: ${order.status} as order ${order.orderId}`);
    }
    console.log('done');
  } finally {
    await exchange.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
