import {
  parseJson,
  venueStream,
  type VenueControl,
  type VenueStream,
  type VenueStreamOptions,
} from '../stream/index.js';

/**
 * OKX v5 control messages (OKXDOC): the text `pong` answering our `ping` (consumed: it is not
 * JSON), and the notice 64008 "The connection will soon be closed for a service upgrade",
 * sent 60 s before the upgrade, which calls `ctx.replace()`.
 */
function okxControl(data: string | Buffer): VenueControl {
  if (data.length === 4 && String(data) === 'pong') return { consume: true };
  if (!data.includes('"notice"')) return undefined; // the hot path: no parse
  const message = parseJson(data) as { event?: unknown; code?: unknown } | undefined;
  if (message?.event === 'notice' && String(message.code) === '64008')
    return { replace: 'okx:64008' };
  return undefined;
}

/**
 * OKX's stream settings for `supervise` (`tenacious/stream`):
 * - a connection limiter of 3 attempts per second per IP (OKXDOC connect);
 * - the heartbeat: the text `ping` after 10 s without data (well under the 30 s after which OKX
 *   closes a silent connection with 4004, OKXDOC), its
 *   `pong` counted as `alive()` and kept from `onMessage`;
 * - `staleAfterMs` 30 s, the server's own cut (OKXDOC);
 * - notice 64008 calls `ctx.replace()` (OKXDOC notification). No lifetime limit is documented.
 *
 * @example
 * ```ts
 * import WebSocket from 'ws';
 * import { okxStream } from 'tenacious/okx';
 * import { supervise } from 'tenacious/stream';
 *
 * const okx = okxStream();
 * const tickers = supervise(
 *   (ctx) => okx.websocket(new WebSocket('wss://ws.okx.com:8443/ws/v5/public'), ctx, { onMessage }),
 *   { ...okx.options, operation: 'okx-tickers', onConnect: subscribe },
 * );
 * ```
 */
export function okxStream(options?: VenueStreamOptions): VenueStream {
  return venueStream(
    'okxStream',
    {
      limit: 3, // OKXDOC: connection limit 3 requests per second per IP
      windowMs: 1000,
      staleAfterMs: 30_000, // OKXDOC: closed after 30 s without data
      heartbeat: { text: 'ping', idleMs: 10_000 }, // OKXDOC: `ping` after N < 30 s of silence
      control: okxControl,
    },
    options,
  );
}
