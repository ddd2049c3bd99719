/**
 * `tenacious/metrics`: counters of retries, exhaustions, attempts, unknown outcomes, budget
 * denials and alert deliveries, and circuit breaker states; as plain data, as Prometheus text, or
 * registered on a prom-client registry.
 */
export {
  retryMetrics,
  type AttemptOutcome,
  type RetryMetrics,
  type RetryMetricsOptions,
  type RetryMetricsSnapshot,
} from './retry-metrics.js';
export type { CounterSample } from '../telemetry/counters.js';
export type { PromRegistry } from './prom-registry.js';
export type { WatchedBreaker } from '../telemetry/breaker-gauges.js';
export { PROMETHEUS_CONTENT_TYPE } from './prometheus.js';
