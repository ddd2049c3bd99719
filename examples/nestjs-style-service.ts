/**
 * A NestJS-style exchange adapter with `@retryable` methods, against `startVenue`
 * (`tenacious/simulator`): a local Binance spot venue scripted to fail a few times. Offline; runs
 * in about a second:
 *
 *   npx tsx examples/nestjs-style-service.ts
 *
 * In a NestJS app the adapter would be an `@Injectable()` whose config is injected; here the
 * config is passed to the constructor by hand, which is all that injection does. The decorators
 * are the same under NestJS's `experimentalDecorators` and under TypeScript 5's standard
 * decorators (which tsx compiles this file with).
 */
import { exponential, retryable, type RetryEvent, type RetryOptions } from '../src/index.js';
import { httpClassifier } from '../src/http/index.js';
import { startVenue } from '../src/simulator/index.js';

// ---------------------------------------------------------------------------------------------
// The venue's script: open orders fail with 503 twice; the first order is executed but the
// answer says -1007 "execution status unknown"; the second order's first request never reaches
// the matching engine (the venue holds it longer than the client waits, and drops it when the
// client hangs up).

const SCRIPT = {
  'GET /api/v3/openOrders': ['503-after-execute', '503-after-execute'],
  'POST /api/v3/order': ['-1007-after-execute', 'latency:30000'],
} as const;

interface Order {
  symbol: string;
  side: 'BUY' | 'SELL';
  quantity: string;
  clientOrderId: string;
}

/** An order as Binance spot answers it (the fields this adapter reads). */
interface PlacedOrder {
  symbol: string;
  orderId: number;
  clientOrderId: string;
  status: string;
}

// ---------------------------------------------------------------------------------------------
// The adapter: what an app would write.

/** What NestJS would inject (for example from a ConfigService). */
interface ExchangeConfig {
  baseUrl: string;
  /** How long one request may take before it counts as lost. */
  requestTimeoutMs: number;
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
  async getOpenOrders(symbol: string): Promise<PlacedOrder[]> {
    return this.request('GET', '/api/v3/openOrders', { symbol });
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
      const found = await self.findOrder(order.symbol, order.clientOrderId);
      console.log(
        `  reconcile ${order.clientOrderId}: ${found === undefined ? 'not on the exchange, safe to resend' : `found order ${found.orderId}, not resending`}`,
      );
      return found === undefined ? { executed: false } : { executed: true, value: found };
    },
  }))
  async placeOrder(order: Order): Promise<PlacedOrder> {
    // The body runs again on every attempt: a signed request would get a fresh timestamp here.
    const { symbol, side, quantity, clientOrderId } = order;
    return this.request('POST', '/api/v3/order', {
      symbol,
      side,
      type: 'MARKET',
      quantity,
      newClientOrderId: clientOrderId,
    });
  }

  private async findOrder(symbol: string, clientOrderId: string) {
    try {
      return await this.request<PlacedOrder>('GET', '/api/v3/order', {
        symbol,
        origClientOrderId: clientOrderId,
      });
    } catch (error) {
      // Binance -2013 "Order does not exist." (BSPOT errors.md): it never reached the engine.
      if (error instanceof ExchangeHttpError && error.body.code === -2013) return undefined;
      throw error;
    }
  }

  private async request<T>(method: string, path: string, params: Record<string, string>) {
    const query = new URLSearchParams(params);
    const res = await fetch(`${this.config.baseUrl}${path}?${query}`, {
      method,
      signal: AbortSignal.timeout(this.config.requestTimeoutMs),
    });
    const payload = (await res.json()) as { code?: number; msg?: string };
    if (!res.ok) throw new ExchangeHttpError(res.status, payload);
    return payload as T;
  }
}

// ---------------------------------------------------------------------------------------------

const printRetry = (event: RetryEvent) =>
  console.log(
    `  ${event.operation}: attempt ${event.attempt}/${event.maxAttempts} failed (${event.verdict.reason}), retrying in ${Math.round(event.delayMs)} ms`,
  );

async function main(): Promise<void> {
  const venue = await startVenue({ venue: 'binance-spot', script: SCRIPT });
  try {
    const adapter = new ExchangeAdapter({
      baseUrl: venue.url,
      requestTimeoutMs: 1000,
      retry: {
        maxAttempts: 4,
        backoff: exponential({ initial: 50, max: 200 }),
        classify: httpClassifier(),
        onRetry: printRetry,
      },
    });

    console.log('getOpenOrders(BTCUSDT)');
    const open = await adapter.getOpenOrders('BTCUSDT');
    console.log(`  open orders on BTCUSDT: ${open.length}`);

    for (const clientOrderId of ['demo-1', 'demo-2']) {
      console.log(`placeOrder(${clientOrderId})`);
      const order = await adapter.placeOrder({
        symbol: 'BTCUSDT',
        side: 'BUY',
        quantity: '0.010',
        clientOrderId,
      });
      console.log(`  order ${order.clientOrderId}: ${order.status} as order ${order.orderId}`);
      console.log(
        `  the venue executed ${clientOrderId} ${venue.executions(clientOrderId)} time(s)`,
      );
    }
    console.log('done');
  } finally {
    await venue.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
