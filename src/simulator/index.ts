/**
 * `tenacious/simulator`: a local exchange (Binance spot and futures, OKX, Bybit REST, and a
 * WebSocket market stream) that executes and counts orders and fails on a script, for testing
 * your own adapters with the real clients.
 */
export {
  startVenue,
  VENUES,
  type StartVenueOptions,
  type Venue,
  type VenueName,
} from './server.js';
export type { VenueFault, VenueScript } from './fault-script.js';
export type { SimulatedOrder } from './order-book.js';
export type { MarketStream, StreamOptions } from './stream.js';
