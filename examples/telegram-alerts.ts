/**
 * Alerts when retries give up: `telegramAlert` posts to a chat through the Bot API, and
 * `throttleAlerts` gives any listener of yours the same throttling. Five exhaustions of one
 * operation within a minute make one message at once, then one summary ("and 4 more"), sent by
 * `flush()` on shutdown. Error texts are redacted (the request's `signature=` here) and the bot
 * token never appears anywhere.
 *
 * Offline: the failing exchange is `startVenue` (`tenacious/simulator`), a local Binance spot venue
 * scripted to answer 503; the Telegram Bot API is a small local server (`apiBaseUrl`), since it is
 * not a venue. Run with `npx tsx examples/telegram-alerts.ts`.
 */
import { createHmac } from 'node:crypto';
import { constant, onExhausted, retry } from '../src/index.js';
import { telegramAlert, throttleAlerts, type AlertEvent } from '../src/alerts/index.js';
import { httpClassifier } from '../src/http/index.js';
import { startVenue, type VenueFault } from '../src/simulator/index.js';
import { startLocalServer } from './support/local-server.js';

// Example secrets: they must never appear in any output.
const BOT_TOKEN = '7012345678:AAExampleBotTokenExampleBotToken0';
const API_SECRET = 'exampleApiSecret0123456789abcdefEXAMPLE';

// --- The exchange (down: every open-orders read answers 503) and the Telegram Bot API ---------
const venue = await startVenue({
  venue: 'binance-spot',
  script: { 'GET /api/v3/openOrders': Array<VenueFault>(10).fill('503-after-execute') },
});
const chat: string[] = [];
const botApi = await startLocalServer(({ method, path, body }) => {
  if (method === 'POST' && path === `/bot${BOT_TOKEN}/sendMessage`) {
    chat.push((JSON.parse(body) as { text: string }).text);
    return { status: 200, body: { ok: true, result: { message_id: chat.length } } };
  }
  return { status: 404, body: { ok: false, description: 'Not Found' } };
});

// --- Alerts ----------------------------------------------------------------------------------
const telegram = telegramAlert({
  botToken: BOT_TOKEN,
  chatId: -1001234567890,
  apiBaseUrl: botApi.url, // default https://api.telegram.org
  throttleMs: 60_000, // repeats of one operation + error within a minute make one summary
  hostname: 'trader-1',
});
// The same throttling for any listener of yours (a pager, a log line, a metric).
const pager = throttleAlerts(
  (event: AlertEvent) =>
    console.log(
      `pager: ${event.operation} gave up (${event.verdict.reason})${event.suppressed ? `, and ${event.suppressed.count} more` : ''}`,
    ),
  { throttleMs: 60_000 },
);
const unsubscribe = [onExhausted(telegram), onExhausted(pager)];

// --- The trading code: a signed request that keeps failing -----------------------------------
class HttpError extends Error {
  constructor(
    readonly status: number,
    url: string,
  ) {
    super(`GET ${url} answered ${status}`); // the URL holds the signature
    this.name = 'HttpError';
  }
}

async function fetchOpenOrders() {
  const query = new URLSearchParams({ symbol: 'BTCUSDT', timestamp: String(Date.now()) });
  query.set('signature', createHmac('sha256', API_SECRET).update(query.toString()).digest('hex'));
  const url = `${venue.url}/api/v3/openOrders?${query}`;
  const response = await fetch(url);
  if (!response.ok) throw new HttpError(response.status, url);
  return response.json();
}

for (let run = 1; run <= 5; run++) {
  await retry(fetchOpenOrders, {
    operation: 'fetch_open_orders',
    maxAttempts: 2,
    backoff: constant(20),
    classify: httpClassifier(),
  }).catch((err: Error) => console.log(`run ${run}: ${err.message}`));
}

// --- Shutdown: stop listening, then send what is held back -----------------------------------
for (const stop of unsubscribe) stop();
await Promise.all([telegram.flush(), pager.flush()]);
console.log(`\nTelegram received ${chat.length} messages:`);
for (const text of chat) console.log(`${text.replace(/^/gm, '  | ')}\n`);
await Promise.all([venue.close(), botApi.close()]);
