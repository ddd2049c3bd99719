/** `tenacious/metrics`: counters of retries, exhaustions, attempts and alert deliveries. */
export {
  retryMetrics,
  type AttemptOutcome,
  type RetryMetrics,
  type RetryMetricsOptions,
  type RetryMetricsSnapshot,
} from './retry-metrics.js';
export type { CounterSample } from './counters.js';
export { PROMETHEUS_CONTENT_TYPE } from './prometheus.js';
