/**
 * Network failures by phase (before or after the request was sent). The tables live in the core
 * (`src/network-errors.ts`) because the default rule uses them; `tenacious/http` re-exports them.
 */
export {
  findNetworkFailure,
  isAbortFailure,
  networkErrorKind,
  NETWORK_ERROR_CODES,
  type NetworkErrorKind,
  type NetworkFailure,
} from '../network-errors.js';
