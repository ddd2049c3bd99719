import { onAlertDelivery } from '../alerts/delivery-events.js';
import { describeValue } from '../classify.js';
import { onExhausted, onRetry, onSuccess } from '../events.js';
import type { ExhaustedReason } from '../types.js';
import { BoundedLabel, LabelledCounter, type CounterSample } from './counters.js';
import { PROMETHEUS_CONTENT_TYPE, renderCounters } from './prometheus.js';

/** Options of {@link retryMetrics}. */
export interface RetryMetricsOptions {
  /** Distinct `operation` label values kept; later operations are counted as `other`. Default 1000. */
  maxOperations?: number;
  /** Prepended to every metric name in `prometheus()` output, e.g. `tenacious_`. Default none. */
  prefix?: string;
}

/** `attempts_total` outcomes: which event an attempt was seen through. */
export type AttemptOutcome = 'success' | 'retry' | 'exhausted';

/** The counters as plain data (metric names without the prefix). */
export interface RetryMetricsSnapshot {
  retries_total: CounterSample<'operation'>[];
  exhausted_total: CounterSample<'operation' | 'reason'>[];
  attempts_total: CounterSample<'operation' | 'outcome'>[];
  alerts_sent_total: CounterSample<'channel'>[];
  alerts_failed_total: CounterSample<'channel'>[];
}

/** What {@link retryMetrics} returns. */
export interface RetryMetrics {
  /** Every counter as plain data (a copy). */
  snapshot: () => RetryMetricsSnapshot;
  /** The counters in the Prometheus text exposition format. */
  prometheus: () => string;
  /** The `Content-Type` to serve `prometheus()` with. */
  readonly contentType: string;
  /** Unsubscribes from every event; the counters keep their values. Idempotent. */
  stop: () => void;
}

const REASONS: ReadonlySet<ExhaustedReason> = new Set([
  'attempts',
  'elapsed',
  'retry-after-too-long',
  'budget',
]);
const METRIC_PREFIX = /^(?:[a-zA-Z_:][a-zA-Z0-9_:]*)?$/;
/** Alert channels are a fixed set in this package; the cap only guards against foreign publishers. */
const MAX_CHANNELS = 32;

const HELP: Readonly<Record<keyof RetryMetricsSnapshot, string>> = {
  retries_total: 'Failed attempts that were retried (one per retry event), by operation.',
  exhausted_total: 'Runs that gave up on retryable failures, by operation and reason.',
  attempts_total:
    'Attempts by operation and outcome: retry (failed, retried), exhausted (failed, run gave up), success (succeeded, run resolved).',
  alerts_sent_total: 'Exhaustion alerts delivered, by channel.',
  alerts_failed_total:
    'Exhaustion alerts that could not be delivered after their own retries, by channel.',
};

/**
 * Counts retries, exhaustions, attempts and alert deliveries from the process-wide events (every
 * copy of the package in the process), for dashboards and alerting rules.
 *
 * - `retries_total{operation}`: one per retry event (a failed attempt that will be retried).
 * - `exhausted_total{operation,reason}`: one per exhaustion; `reason` is `attempts`, `elapsed`,
 *   `retry-after-too-long` or `budget`.
 * - `attempts_total{operation,outcome}`: a retry event is one attempt with outcome `retry`, an
 *   exhaustion ends with one attempt with outcome `exhausted`, a success event is one attempt with
 *   outcome `success`. Runs that end on a `fail` verdict, an unknown outcome, a cancellation or an
 *   open circuit publish no event, so their last attempt is not counted.
 * - `alerts_sent_total{channel}`, `alerts_failed_total{channel}`: alert deliveries by channel
 *   (`telegram`, `webhook:slack`, `webhook:discord`, `webhook:json`).
 *
 * Labels stay bounded: operation names, never error messages; after `maxOperations` distinct
 * operations, new ones are counted under `operation="other"`. Operation names are cut at 200
 * characters.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * const metrics = retryMetrics();
 * createServer((req, res) => {
 *   res.writeHead(200, { 'content-type': metrics.contentType }).end(metrics.prometheus());
 * }).listen(9464);
 * ```
 */
export function retryMetrics(options: RetryMetricsOptions = {}): RetryMetrics {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`retryMetrics: expected an options object, got ${describeValue(options)}`);
  }
  const maxOperations = options.maxOperations ?? 1000;
  if (typeof maxOperations !== 'number' || !Number.isInteger(maxOperations) || maxOperations < 1) {
    const error = typeof maxOperations === 'number' ? RangeError : TypeError;
    throw new error(
      `\`maxOperations\`: expected an integer >= 1, got ${describeValue(maxOperations)}`,
    );
  }
  const prefix = options.prefix ?? '';
  if (typeof prefix !== 'string' || !METRIC_PREFIX.test(prefix)) {
    throw new TypeError(
      `\`prefix\`: expected a Prometheus metric name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*), got ${describeValue(prefix)}`,
    );
  }

  const operations = new BoundedLabel(maxOperations);
  const channels = new BoundedLabel(MAX_CHANNELS);
  const counters = {
    retries_total: new LabelledCounter(['operation'] as const),
    exhausted_total: new LabelledCounter(['operation', 'reason'] as const),
    attempts_total: new LabelledCounter(['operation', 'outcome'] as const),
    alerts_sent_total: new LabelledCounter(['channel'] as const),
    alerts_failed_total: new LabelledCounter(['channel'] as const),
  };
  const attempt = (operation: string, outcome: AttemptOutcome) =>
    counters.attempts_total.inc({ operation, outcome });

  const unsubscribers = [
    onRetry((event) => {
      const operation = operations.value(event.operation);
      counters.retries_total.inc({ operation });
      attempt(operation, 'retry');
    }),
    onExhausted((event) => {
      const operation = operations.value(event.operation);
      const reason = REASONS.has(event.reason) ? event.reason : 'other';
      counters.exhausted_total.inc({ operation, reason });
      attempt(operation, 'exhausted');
    }),
    onSuccess((event) => {
      attempt(operations.value(event.operation), 'success');
    }),
    onAlertDelivery((event) => {
      const channel = channels.value(event.channel);
      (event.ok ? counters.alerts_sent_total : counters.alerts_failed_total).inc({ channel });
    }),
  ];

  const snapshot = (): RetryMetricsSnapshot => ({
    retries_total: counters.retries_total.samples(),
    exhausted_total: counters.exhausted_total.samples(),
    attempts_total: counters.attempts_total.samples(),
    alerts_sent_total: counters.alerts_sent_total.samples(),
    alerts_failed_total: counters.alerts_failed_total.samples(),
  });

  return {
    snapshot,
    prometheus: () =>
      renderCounters(
        Object.entries(snapshot()).map(([name, samples]) => ({
          name: `${prefix}${name}`,
          help: HELP[name as keyof RetryMetricsSnapshot],
          samples,
        })),
      ),
    contentType: PROMETHEUS_CONTENT_TYPE,
    stop: () => {
      for (const unsubscribe of unsubscribers) unsubscribe();
    },
  };
}
