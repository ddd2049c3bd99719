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
import WebSocket from 'ws';
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
import { binanceClassifier, binancePresets, binanceStream } from '../src/binance/index.js';
import { startVenue, type Venue } from '../src/simulator/index.js';
import { onStreamDown, supervise } from '../src/stream/index.js';
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
      'pid,hostname,err,verdict,maxAttempts,attempt,attempts,operation,delayMs,elapsedMs,reason,uptimeMs,downForMs,reconnects',
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

/**
 * A market stream kept alive: `supervise()` with `binanceStream()`'s settings on a venue with a
 * stream. Dropped, it comes back after its backoff; refused for a while, it is reported down and
 * back; on the venue's `serverShutdown` notice it is replaced make-before-break.
 */
async function streamScene(rows: Row[]): Promise<void> {
  console.log(
    "\n▶ A market stream kept alive: dropped, refused for a while, then replaced on the venue's shutdown notice",
  );
  const market = await startVenue({ venue: 'binance-spot', stream: { intervalMs: 20 } });
  const controls = market.stream!;
  const binance = binanceStream();
  let lastSeq = 0;
  let gaps = 0;
  let waiter: { seq: number; resolve: () => void } | undefined;
  const trades = (count: number) =>
    new Promise<void>((resolve) => (waiter = { seq: lastSeq + count, resolve }));
  const onTrade = (data: unknown) => {
    const { seq } = JSON.parse(String(data)) as { seq: number };
    if (seq <= lastSeq) return; // the overlap of a replacement delivers some trades twice
    if (lastSeq !== 0 && seq !== lastSeq + 1) gaps++;
    lastSeq = seq;
    if (waiter !== undefined && seq >= waiter.seq) waiter.resolve();
  };
  let replaced: () => void = () => {};
  const stream = supervise(
    (ctx) => binance.websocket(new WebSocket(market.wsUrl!), ctx, { onMessage: onTrade }),
    {
      ...binance.options,
      operation: 'market_stream',
      backoff: exponential({ initial: 500 }),
      downAfterMs: 5000,
      logger,
      clock,
      onConnect: ({ reconnects }) =>
        console.log(
          `  → market_stream open${reconnects === 0 ? '' : ` again (reconnect ${reconnects}): resync from seq ${lastSeq}`}`,
        ),
      onDisconnect: ({ reason }) => reason === 'replaced' && replaced(),
    },
  );
  await stream.ready();
  await trades(10);

  controls.drop();
  await trades(10);

  const down = new Promise<void>((resolve) => {
    const off = onStreamDown(() => {
      off();
      resolve();
    });
  });
  controls.refuse(503);
  controls.drop();
  await down;
  controls.accept();
  await trades(10);

  const gapsBefore = gaps;
  const replacedOnce = new Promise<void>((resolve) => (replaced = resolve));
  controls.shutdownNotice();
  await replacedOnce;
  await trades(10);
  console.log(
    `  → serverShutdown: replaced make-before-break, ${gaps === gapsBefore ? 'no message lost' : `${gaps - gapsBefore} gap(s)`} (up to seq ${lastSeq})`,
  );

  await stream.stop();
  const stats = stream.stats();
  console.log(
    `  → stopped: ${stats.connects} connections, ${stats.failures} failed connects, state ${stream.state}`,
  );
  rows.push({
    scenario: 'market stream',
    attempts: `${stats.connects + stats.failures}`,
    result: `${stats.reconnects} reconnects, ${stats.failures} refused, ${gaps === 0 ? 'no message lost' : `${gaps} gap(s)`}`,
  });
  await market.close();
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

  await streamScene(rows);

  await venue.close();
  await telegram.close();
  console.log('\nSummary');
  console.table(rows);
  console.log(`finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

await main();
