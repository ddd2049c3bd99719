import {
  parseJson,
  venueStream,
  type VenueControl,
  type VenueStream,
  type VenueStreamOptions,
} from '../stream/index.js';

/**
 * Bybit v5 control messages: an order-entry answer with retCode 10019 "ws trade service is
 * restarting … you can build new connection" calls `ctx.replace()` (BYDOCS trade guideline).
 * The answers to our ping are passed on: their shape is not in the sources (unconfirmed), and
 * every message counts as `alive()` anyway.
 */
function bybitControl(data: string | Buffer): VenueControl {
  if (!data.includes('10019') || !data.includes('retCode')) return undefined; // the hot path: no parse
  const message = parseJson(data) as { retCode?: unknown } | undefined;
  return Number(message?.retCode) === 10019 ? { replace: 'bybit:10019' } : undefined;
}

/**
 * Bybit's stream settings for `supervise` (`tenacious/stream`):
 * - a connection limiter of 500 attempts per 5 minutes (BYDOCS: "no more than 500 connections
 *   in 5 minutes per WebSocket domain": make one per domain);
 * - the heartbeat `{"op":"ping"}` every 20 s (BYDOCS);
 * - `staleAfterMs` 60 s: three missed answers to the 20 s ping;
 * - retCode 10019 (trade service restarting) calls `ctx.replace()` (BYDOCS). No lifetime limit
 *   is documented.
 *
 * @example
 * ```ts
 * import WebSocket from 'ws';
 * import { bybitStream } from 'tenacious/bybit';
 * import { supervise } from 'tenacious/stream';
 *
 * const bybit = bybitStream({ store, key: 'stream.bybit.com' });
 * const trades = supervise(
 *   (ctx) => bybit.websocket(new WebSocket('wss://stream.bybit.com/v5/public/linear'), ctx, { onMessage }),
 *   { ...bybit.options, operation: 'bybit-trades', onConnect: subscribe },
 * );
 * ```
 */
export function bybitStream(options?: VenueStreamOptions): VenueStream {
  return venueStream(
    'bybitStream',
    {
      limit: 500, // BYDOCS: 500 connections in 5 minutes per WebSocket domain
      windowMs: 5 * 60_000,
      staleAfterMs: 60_000,
      heartbeat: { text: '{"op":"ping"}', idleMs: 20_000 }, // BYDOCS: ping every 20 s
      control: bybitControl,
    },
    options,
  );
}
