/**
 * `tenacious/stream`: long-lived connections (WebSocket streams) kept alive with backoff, a
 * staleness watchdog, make-before-break replacement and connection-attempt limits. `ws` is an
 * optional peer: any connection with `{ closed, close }` can be supervised.
 */
export {
  supervise,
  type Supervisor,
  type SupervisorState,
  type SupervisorStateChange,
  type SupervisorStats,
} from './supervisor.js';
export type {
  ConnectContext,
  StreamConnectInfo,
  StreamConnection,
  StreamDisconnectInfo,
  SuperviseOptions,
} from './options.js';
export {
  websocket,
  type WebSocketClose,
  type WebSocketLike,
  type WebSocketOptions,
} from './websocket.js';
export {
  connectionLimiter,
  type ConnectionLimiter,
  type ConnectionLimiterOptions,
} from './limiter.js';
export { onStreamDown, onStreamUp } from './events.js';
export { streamClassifier } from './classify.js';
export { ConnectTimeoutError, HandshakeError, SocketClosedError } from './errors.js';
export type { StreamDisconnectReason, StreamDownEvent, StreamUpEvent } from '../core/types.js';
export {
  parseJson,
  venueStream,
  type VenueControl,
  type VenueStream,
  type VenueStreamOptions,
  type VenueStreamSpec,
} from './venue.js';
