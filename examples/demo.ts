/**
 * `npm run demo`: a tour of tenacious against `tenacious/simulator`'s local Binance spot venue
 * (`startVenue`), failing on a script.
 *
 * Everything runs on 127.0.0.1 (the simulated venue and a Telegram-like alert endpoint), needs no
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
import { startVenue, type Venue } from '../src/simulator/index.js';
import { startLocalServer } from './support/local-server.js';
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
    operation: 'get_order',
    classify: binanceClassifier(),
    attemptTimeoutMs: 250,
    backoff: jitter(exponential({ initial: 500 }), { mode: 'proportional', ratio: 0.2 }),
    logger,
    clock,
  })
  async getOrder(clientOrderId: string) {
    return this.request<Order>('GET', '/api/v3/order', {
      symbol: 'BTCUSDT',
      origClientOrderId: clientOrderId,
    });
  }

  // A short backoff, so the 429's Retry-After decides the wait.
  @retryable({
    operation: 'get_open_orders',
    classify: binanceClassifier(),
    backoff: exponential({ initial: 250 }),
    logger,
    clock,
  })
  async getOpenOrders(symbol: string) {
    return this.request<Order[]>('GET', '/api/v3/openOrders', { symbol });
  }

  @retryable({
    operation: 'list_open_orders',
    classify: binanceClassifier(),
    maxAttempts: 4,
    backoff: exponential({ initial: 250 }),
    logger,
    clock,
  })
  async listOpenOrders(symbol: string) {
    return this.request<Order[]>('GET', '/api/v3/openOrders', { symbol });
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
  venue: Venue,
  route: string,
  [label, title]: [string, string],
  run: () => Promise<unknown>,
): Promise<void> {
  console.log(`\n▶ ${title}`);
  const before = venue.requests(route);
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
  const attempts = venue.requests(route) - before;
  console.log(`  → ${result}  [${attempts} request${attempts === 1 ? '' : 's'} to ${route}]`);
  rows.push({
    scenario: label,
    attempts: String(attempts),
    result: result.length > 60 ? `${result.slice(0, 57)}...` : result,
  });
}

async function main() {
  const started = Date.now();
  // The venue: a simulated Binance spot exchange that executes and counts orders.
  const venue = await startVenue({ venue: 'binance-spot' });
  // The alert endpoint: a Telegram-like `sendMessage` on another local port.
  const alerts: { chatId: unknown; text: string }[] = [];
  const telegram = await startLocalServer(({ body }) => {
    const message = JSON.parse(body) as { chat_id: unknown; text: string };
    alerts.push({ chatId: message.chat_id, text: message.text });
    return { status: 200, body: { ok: true, result: { message_id: alerts.length } } };
  });
  const exchange = new DemoExchange(venue.url, 'demo-api-key-0123456789abcdef', 'demo-api-secret');
  const alert = telegramAlert({
    botToken: '123456789:DEMOtokenDEMOtokenDEMOtokenDEMO12',
    chatId: -100123,
    apiBaseUrl: telegram.url,
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
    `tenacious demo: a simulated Binance spot venue (tenacious/simulator) on ${venue.url}; delays are scaled down ${SCALE}x (log lines show the delays asked for).`,
  );

  const placed = await exchange.placeOrder('BTCUSDT', 'BUY', '0.01', `demo-${Date.now()}`);
  // A query that hangs past attemptTimeoutMs, then meets a 503, then answers.
  venue.script('GET /api/v3/order', ['latency:1000', '503-after-execute']);
  await scene(
    rows,
    venue,
    'GET /api/v3/order',
    ['query, backoff', 'A query retried with backoff: a hung request, a 503, then the order'],
    () => exchange.getOrder(placed.clientOrderId),
  );

  venue.script('POST /api/v3/order', ['reject:-2010']);
  await scene(
    rows,
    venue,
    'POST /api/v3/order',
    [
      'order rejected',
      'An order rejected (-2010 insufficient balance): classified as fail, not retried',
    ],
    () => exchange.placeOrder('BTCUSDT', 'BUY', '50', `demo-${Date.now()}`),
  );

  venue.script('GET /api/v3/openOrders', ['429']);
  await scene(
    rows,
    venue,
    'GET /api/v3/openOrders',
    ['rate limit', 'A rate limit (429 -1003, Retry-After: 1): waits what the exchange asked'],
    () => exchange.getOpenOrders('BTCUSDT'),
  );

  const clientOrderId = `unknown-${Date.now()}`;
  venue.script('POST /api/v3/order', ['-1007-after-execute']);
  await scene(
    rows,
    venue,
    'POST /api/v3/order',
    [
      'unknown outcome',
      'An order whose outcome is unknown (-1007 after the venue executed it): reconciled by client order id, not sent twice, reported',
    ],
    () => exchange.placeOrder('BTCUSDT', 'BUY', '0.01', clientOrderId),
  );
  console.log(
    `  → the venue executed client id ${clientOrderId} ${venue.executions(clientOrderId)} time(s)`,
  );

  venue.script('GET /api/v3/openOrders', [
    '503-after-execute',
    '503-after-execute',
    '503-after-execute',
    '503-after-execute',
  ]);
  await scene(
    rows,
    venue,
    'GET /api/v3/openOrders',
    ['exhaustion alert', 'A dependency that stays down: retries run out and an alert goes out'],
    () => exchange.listOpenOrders('BTCUSDT'),
  );
  await alert.flush();
  for (const stop of [...stopAlerts, stopReport]) stop();
  for (const sent of alerts) {
    console.log(
      `  → alert delivered to chat ${String(sent.chatId)}:\n${sent.text.replace(/^/gm, '      ')}`,
    );
  }

  // A market stream kept alive (tenacious/stream's `supervise` on `startVenue({ stream: true })`)
  // goes here: the streams engineer adds this scene.

  await venue.close();
  await telegram.close();
  console.log('\nSummary');
  console.table(rows);
  console.log(`finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

await main();
