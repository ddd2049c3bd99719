/**
 * `tenacious/http`: classification of HTTP statuses, `Retry-After` and network failures for
 * fetch, undici, axios, got and ky.
 */
export { httpClassifier, type HttpClassifierOptions } from './classifier.js';
export { headerValue } from '../transport/headers.js';
export {
  findNetworkFailure,
  isAbortFailure,
  networkErrorKind,
  NETWORK_ERROR_CODES,
  type NetworkErrorKind,
  type NetworkFailure,
} from '../transport/network.js';
export { parseHttpDate, parseRetryAfter } from '../transport/retry-after.js';
export {
  DEFAULT_HTTP_STATUSES,
  type HttpStatusAction,
  type HttpStatusKey,
  type HttpStatusOverrides,
} from '../transport/status.js';
