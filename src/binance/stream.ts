import {
  parseJson,
  venueStream,
  type VenueControl,
  type VenueStream,
  type VenueStreamOptions,
} from '../stream/index.js';

/** Options of {@link binanceStream}. */
export interface BinanceStreamOptions extends VenueStreamOptions {
  /** `spot` (market streams and the WebSocket API, the default) or `futures` (USD-M). */
  product?: 'spot' | 'futures';
}

const HOUR_MS = 3_600_000;

/**
 * `serverShutdown` in its three shapes (BSPOT `CHANGELOG.md` 2026-05-06, 2026-06-09): raw
 * `{"e":"serverShutdown","E":…}`, combined `{"stream":"!serverShutdown","data":{…}}`, WS API
 * `{"event":{"e":"serverShutdown","E":…}}`. Sent "when the server is about to be shut down",
 * with no fixed lead time: replace at once.
 */
function binanceControl(data: string | Buffer): VenueControl {
  if (!data.includes('serverShutdown')) return undefined; // the hot path: no parse
  const message = parseJson(data) as
    { e?: unknown; stream?: unknown; event?: { e?: unknown } } | undefined;
  if (
    message?.e === 'serverShutdown' ||
    message?.stream === '!serverShutdown' ||
    message?.event?.e === 'serverShutdown'
  ) {
    return { replace: 'serverShutdown' };
  }
  return undefined;
}

/**
 * Binance's stream settings for `supervise` (`tenacious/stream`):
 * - a connection limiter of 300 attempts per 5 minutes per IP (BSPOT: "300 connections per
 *   attempt every 5 minutes per IP"; futures unconfirmed, so the same limit);
 * - `staleAfterMs` 60 s on spot, where the server pings every 20 s and cuts a connection
 *   without a pong within a minute (BSPOT); 7 minutes on USD-M futures, which ping every 3 minutes
 *   (BFUT). Server pings count as `alive()`;
 * - `maxLifetimeMs` 23.5 h, before the 24-hour disconnect (BSPOT, BFUT);
 * - a `serverShutdown` message (raw, combined or WS API shape) calls `ctx.replace()`.
 *
 * Make one per IP (pass `store` and `key` to share the limit with the fleet) and reuse it for
 * every stream on that IP.
 *
 * @example
 * ```ts
 * import WebSocket from 'ws';
 * import { binanceStream } from 'tenacious/binance';
 * import { supervise } from 'tenacious/stream';
 *
 * const binance = binanceStream({ store, key: 'ip-1' });
 * const trades = supervise(
 *   (ctx) => binance.websocket(new WebSocket('wss://stream.binance.com:9443/ws/btcusdt@trade'), ctx, { onMessage }),
 *   { ...binance.options, operation: 'binance-trades' },
 * );
 * ```
 */
export function binanceStream(options?: BinanceStreamOptions): VenueStream {
  const { product = 'spot', ...rest } = options ?? {};
  if (product !== 'spot' && product !== 'futures') {
    throw new RangeError(
      `binanceStream: product: expected one of "spot", "futures", got ${JSON.stringify(product)}`,
    );
  }
  return venueStream(
    'binanceStream',
    {
      limit: 300, // BSPOT: 300 connection attempts per 5 minutes per IP
      windowMs: 5 * 60_000,
      // BSPOT: pings every 20 s, cut after 1 min without a pong; BFUT: every 3 min, cut after 10.
      staleAfterMs: product === 'spot' ? 60_000 : 7 * 60_000,
      maxLifetimeMs: 23.5 * HOUR_MS, // BSPOT, BFUT: disconnected at the 24-hour mark
      control: binanceControl,
    },
    rest,
  );
}
