/**
 * `npm run demo`: a tour of tenacious against a local, scripted, Binance-like exchange.
 *
 * Everything runs on 127.0.0.1 (the exchange and a Telegram-like alert endpoint), needs no
 * network and no configuration, and finishes in a few seconds: delays are scaled down ten times
 * (the log lines show the delays tenacious asked for).
 */
import { createHmac } from 'node:crypto';
import pino from 'pino';
import pretty from 'pino-pretty';
import {
  exponential,
  jitter,
  onExhausted,
  onUnknownOutcome,
  RetryExhaustedError,
  retryable,
  type RetryOptions,
} from '../src/index.js';
import { telegramAlert } from '../src/alerts/index.js';
import { binanceClassifier, binancePresets } from '../src/binance/index.js';
import { startExchangeServer, type ExchangeServer } from './support/exchange-server.js';
import { scaledClock } from './support/scaled-clock.js';

const SCALE = 10;

const logger = pino(
  { level: 'warn' },
  pretty({
    colorize: process.stdout.isTTY,
    sync: true,
    translateTime: 'HH:MM:ss.l',
    ignore:
      'pid,hostname,err,verdict,maxAttempts,attempt,attempts,operation,delayMs,elapsedMs,reason',
  }),
);
const clock = scaledClock(SCALE);

/** An error shaped like an axios error: what most Binance clients throw. */
class ExchangeHttpError extends Error {
  constructor(
    readonly response: { status: number; headers: Record<string, string>; data: unknown },
  ) {
    const data = response.data as { code?: number; msg?: string };
    super(
      `HTTP ${response.status}${data.code === undefined ? '' : ` ${data.code}`}: ${data.msg ?? ''}`,
    );
    this.name = 'ExchangeHttpError';
  }
}

interface Order {
  orderId: number;
  clientOrderId: string;
  status: string;
}

/** A decorated exchange adapter, as a trading service would write it. */
class DemoExchange {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
    private readonly apiSecret: string,
  ) {}

  /** Signs with a fresh timestamp on every call: a retried attempt is signed anew. */
  private async request<T>(
    method: 'GET' | 'POST',
    path: string,
    params: Record<string, string>,
    signal?: AbortSignal,
  ) {
    const query = new URLSearchParams({
      ...params,
      timestamp: String(Date.now()),
      recvWindow: '5000',
    });
    query.set(
      'signature',
      createHmac('sha256', this.apiSecret).update(query.toString()).digest('hex'),
    );
    const url = method === 'GET' ? `${this.baseUrl}${path}?${query}` : `${this.baseUrl}${path}`;
    const response = await fetch(url, {
      method,
      headers: { 'X-MBX-APIKEY': this.apiKey, 'content-type': 'application/x-www-form-urlencoded' },
      body: method === 'POST' ? query.toString() : undefined,
      signal,
    });
    const data = (await response.json()) as unknown;
    if (!response.ok) {
      throw new ExchangeHttpError({
        status: response.status,
        headers: Object.fromEntries(response.headers),
        data,
      });
    }
    return data as T;
  }

  @retryable({
    operation: 'get_price',
    classify: binanceClassifier(),
    attemptTimeoutMs: 250,
    backoff: jitter(exponential({ initial: 500 }), { mode: 'proportional', ratio: 0.2 }),
    logger,
    clock,
  })
  async getPrice(symbol: string) {
    return this.request<{ price: string }>('GET', '/api/v3/ticker/price', { symbol });
  }

  @retryable({ operation: 'get_account', classify: binanceClassifier(), logger, clock })
  async getAccount() {
    return this.request<{ balances: unknown[] }>('GET', '/api/v3/account', {});
  }

  @retryable({
    operation: 'get_depth',
    classify: binanceClassifier(),
    maxAttempts: 4,
    backoff: exponential({ initial: 250 }),
    logger,
    clock,
  })
  async getDepth(symbol: string) {
    return this.request<unknown>('GET', '/api/v3/depth', { symbol });
  }

  /** Not idempotent: an unknown outcome is looked up by client order id, never sent twice. */
  @retryable(
    (
      self: DemoExchange,
      [, , , clientOrderId]: [string, string, string, string],
    ): RetryOptions => ({
      ...binancePresets.binanceOrder,
      operation: 'place_order',
      logger,
      clock,
      reconcile: async ({ verdict }) => {
        const found = await self.findOrder(clientOrderId);
        console.log(
          `  reconcile after ${verdict.reason}: order ${clientOrderId} ${found === undefined ? 'not found: safe to send again' : `found (orderId ${found.orderId}): not sent again`}`,
        );
        return found === undefined ? { executed: false } : { executed: true, value: found };
      },
    }),
  )
  async placeOrder(symbol: string, side: string, quantity: string, clientOrderId: string) {
    return this.request<Order>('POST', '/api/v3/order', {
      symbol,
      side,
      type: 'MARKET',
      quantity,
      newClientOrderId: clientOrderId,
    });
  }

  async findOrder(clientOrderId: string): Promise<Order | undefined> {
    try {
      return await this.request<Order>('GET', '/api/v3/order', {
        symbol: 'BTCUSDT',
        origClientOrderId: clientOrderId,
      });
    } catch (err) {
      if (
        err instanceof ExchangeHttpError &&
        (err.response.data as { code?: number }).code === -2013
      )
        return undefined;
      throw err;
    }
  }
}

interface Row {
  scenario: string;
  attempts: string;
  result: string;
}

async function scene(
  rows: Row[],
  server: ExchangeServer,
  route: string,
  [label, title]: [string, string],
  run: () => Promise<unknown>,
): Promise<void> {
  console.log(`\n▶ ${title}`);
  const before = server.hits.get(route) ?? 0;
  let result: string;
  try {
    result = `ok: ${JSON.stringify(await run())}`;
  } catch (err) {
    const e = err as Error & { reason?: string };
    result =
      err instanceof RetryExhaustedError
        ? `gave up (${e.reason}): ${String((e.cause as Error)?.message)}`
        : `rejected: ${e.message}`;
  }
  const attempts = (server.hits.get(route) ?? 0) - before;
  console.log(`  → ${result}  [${attempts} request${attempts === 1 ? '' : 's'} to ${route}]`);
  rows.push({
    scenario: label,
    attempts: String(attempts),
    result: result.length > 60 ? `${result.slice(0, 57)}...` : result,
  });
}

async function main() {
  const started = Date.now();
  const server = await startExchangeServer();
  const exchange = new DemoExchange(server.url, 'demo-api-key-0123456789abcdef', 'demo-api-secret');
  const alert = telegramAlert({
    botToken: '123456789:DEMOtokenDEMOtokenDEMOtokenDEMO12',
    chatId: -100123,
    apiBaseUrl: server.url,
    throttleMs: 60_000,
  });
  // One alert channel for both: runs that gave up, and orders whose outcome was unknown (an
  // OUTCOME UNKNOWN message, never held back while nobody has accounted for the order).
  const stopAlerts = [onExhausted(alert), onUnknownOutcome(alert)];
  const stopReport = onUnknownOutcome((event) =>
    console.log(
      `  → onUnknownOutcome: ${event.operation}, attempt ${event.attempt} (${event.verdict.reason}): ${event.resolution}`,
    ),
  );
  const rows: Row[] = [];
  console.log(
    `tenacious demo: a scripted exchange on ${server.url}; delays are scaled down ${SCALE}x (log lines show the delays asked for).`,
  );

  server.script('GET /api/v3/ticker/price', [
    { status: 'hang' },
    {
      status: 503,
      body: {
        code: -1001,
        msg: 'Internal error; unable to process your request. Please try again.',
      },
    },
    { status: 200, body: { symbol: 'BTCUSDT', price: '97012.55000000' } },
  ]);
  await scene(
    rows,
    server,
    'GET /api/v3/ticker/price',
    ['query, backoff', 'A query retried with backoff: a hung request, a 503, then the price'],
    () => exchange.getPrice('BTCUSDT'),
  );

  await scene(
    rows,
    server,
    'POST /api/v3/order',
    [
      'order rejected',
      'An order rejected (-2010 insufficient balance): classified as fail, not retried',
    ],
    () => exchange.placeOrder('BTCUSDT', 'BUY', '50', `demo-${Date.now()}`),
  );

  server.script('GET /api/v3/account', [
    {
      status: 429,
      headers: { 'retry-after': '3' },
      body: {
        code: -1003,
        msg: 'Too much request weight used; current limit is 6000 request weight per 1 MINUTE.',
      },
    },
    { status: 200, body: { balances: [{ asset: 'USDT', free: '1000.00' }] } },
  ]);
  await scene(
    rows,
    server,
    'GET /api/v3/account',
    ['rate limit', 'A rate limit (429, Retry-After: 3): waits exactly what the exchange asked'],
    () => exchange.getAccount(),
  );

  const clientOrderId = `unknown-${Date.now()}`;
  await scene(
    rows,
    server,
    'POST /api/v3/order',
    [
      'unknown outcome',
      'An order whose outcome is unknown (503 -1007): reconciled by client order id, not sent twice, reported',
    ],
    () => exchange.placeOrder('BTCUSDT', 'BUY', '0.01', clientOrderId),
  );
  console.log(
    `  → the exchange holds ${server.orders.filter((o) => o.clientOrderId === clientOrderId).length} order with client id ${clientOrderId}`,
  );

  server.script('GET /api/v3/depth', [
    {
      status: 503,
      body: {
        code: -1008,
        msg: 'Server is currently overloaded with other requests. Please try again in a few minutes.',
      },
    },
  ]);
  await scene(
    rows,
    server,
    'GET /api/v3/depth',
    ['exhaustion alert', 'A dependency that stays down: retries run out and an alert goes out'],
    () => exchange.getDepth('BTCUSDT'),
  );
  await alert.flush();
  for (const stop of [...stopAlerts, stopReport]) stop();
  for (const sent of server.alerts) {
    console.log(
      `  → alert delivered to chat ${String(sent.chatId)}:\n${sent.text.replace(/^/gm, '      ')}`,
    );
  }

  await server.close();
  console.log('\nSummary');
  console.table(rows);
  console.log(`finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

await main();
