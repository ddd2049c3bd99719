/**
 * A Binance trade stream kept alive by `supervise()` with `binanceStream()`'s settings, against
 * `tenacious/simulator`'s local venue (`startVenue({ stream: true })`): the stream is dropped and
 * comes back after its backoff (the service is told the gap to fill), then the venue sends its
 * `serverShutdown` notice and the connection is replaced make-before-break, with no message lost.
 *
 * Offline, a few seconds. Run with `npx tsx examples/stream.ts`.
 */
import WebSocket from 'ws';
import { exponential } from '../src/index.js';
import { binanceStream } from '../src/binance/index.js';
import { startVenue } from '../src/simulator/index.js';
import { supervise } from '../src/stream/index.js';

const venue = await startVenue({ venue: 'binance-spot', stream: { intervalMs: 20 } });
const market = venue.stream!;
// One per IP: every stream on it shares its connection limiter (300 attempts per 5 minutes).
const binance = binanceStream();

/** The last trade's `seq`: the simulator numbers its messages, as a venue's trade ids do. */
let lastSeq = 0;
let duplicates = 0;
let gaps = 0;
const waiters: { seq: number; resolve: () => void }[] = [];

function onTrade(data: unknown): void {
  const trade = JSON.parse(String(data)) as { seq: number; p: string };
  // During a replacement both connections deliver: keep each trade once.
  if (trade.seq <= lastSeq) {
    duplicates++;
    return;
  }
  if (lastSeq !== 0 && trade.seq !== lastSeq + 1) gaps++;
  lastSeq = trade.seq;
  for (const w of waiters.filter((w) => lastSeq >= w.seq)) {
    waiters.splice(waiters.indexOf(w), 1);
    w.resolve();
  }
}

/** Resolves once `count` more trades have arrived. */
const trades = (count: number) =>
  new Promise<void>((resolve) => waiters.push({ seq: lastSeq + count, resolve }));

let replaced: (() => void) | undefined;

const stream = supervise(
  (ctx) => binance.websocket(new WebSocket(venue.wsUrl!), ctx, { onMessage: onTrade }),
  {
    ...binance.options,
    operation: 'btcusdt-trades',
    backoff: exponential({ initial: 500 }),
    onConnect: ({ reconnects }) => {
      if (reconnects === 0) return console.log('stream: open');
      // A real service fills the gap here (REST `aggTrades` from the last id) before it counts as open.
      // (The simulator pauses its numbering while nobody is connected; a venue does not.)
      const missed = market.sent - lastSeq;
      console.log(
        `stream: open again (reconnect ${reconnects}); resync from seq ${lastSeq} (${missed} missed)`,
      );
    },
    onDisconnect: ({ reason, willReconnect, delayMs }) => {
      console.log(
        `stream: disconnected (${reason})${willReconnect ? `; ${delayMs === 0 ? 'its replacement is already open' : `reconnecting in ${delayMs} ms`}` : ''}`,
      );
      if (reason === 'replaced') replaced?.();
    },
  },
);

await stream.ready();
await trades(10);
console.log(`received up to seq ${lastSeq}`);

console.log('\n▶ the venue drops every connection');
market.drop();
await trades(10);
console.log(`received up to seq ${lastSeq}; gaps seen: ${gaps}`);

console.log('\n▶ the venue announces a shutdown (serverShutdown)');
const gapsBefore = gaps;
const done = new Promise<void>((resolve) => (replaced = resolve));
market.shutdownNotice();
await done;
await trades(10);
console.log(
  `replaced make-before-break: ${gaps === gapsBefore ? 'no message lost' : `${gaps - gapsBefore} gap(s)`} (up to seq ${lastSeq}, ${duplicates} duplicate(s) from the overlap dropped)`,
);

await stream.stop();
const stats = stream.stats();
console.log(
  `\nstopped: ${stats.connects} connections, ${stats.reconnects} reconnects, state ${stream.state}`,
);
await venue.close();
