/**
 * The circuit breaker, by concept: `state-machine.ts` (the states and their transitions),
 * `counting.ts` (consecutive failures, the rolling window), `fleet-mirror.ts` (the state shared
 * with a fleet through a store), `options.ts` (one validation), `breaker.ts` (the composition).
 */
export { circuitBreaker, type CircuitBreaker } from './breaker.js';
export type {
  CircuitBreakerOptions,
  ConsecutiveBreakerOptions,
  RollingBreakerOptions,
} from './options.js';
export type { CircuitState, CircuitStateChange } from './state-machine.js';
