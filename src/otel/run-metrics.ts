import type {
  Attributes,
  BatchObservableCallback,
  Counter,
  Histogram,
  Meter,
  Observable,
} from '@opentelemetry/api';
import type { AlertDeliveryEvent } from '../telemetry/alert-delivery-events.js';
import { BreakerWatch } from '../telemetry/breaker-gauges.js';
import { BoundedLabel } from '../telemetry/counters.js';
import type { ExhaustedEvent, RunEnd, UnknownOutcomeEvent } from '../core/types.js';
import { OTHER_ERROR_TYPE } from './errors.js';
import { ATTR, METRIC } from './names.js';

/** How a run ended, as the `tenacious.outcome` attribute says it. */
export const OUTCOME: Readonly<Record<RunEnd['kind'], string>> = {
  ok: 'success',
  exhausted: 'exhausted',
  fail: 'fail',
  'unknown-outcome': 'unknown-outcome',
  aborted: 'aborted',
  error: 'error',
};

/**
 * Histogram buckets for attempt durations in ms: from a fast local call to a minute-long
 * attempt. OpenTelemetry's default boundaries stop at 10 s, below common attempt timeouts.
 */
const DURATION_BUCKETS_MS = [
  5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000,
];

/** Distinct operations and error types kept as attribute values; later ones become `other`/`_OTHER`. */
const MAX_OPERATIONS = 1000;
const MAX_ERROR_TYPES = 100;

/**
 * tenacious's metrics on an OpenTelemetry `Meter`: the counters of `tenacious/metrics` (see
 * `METRIC` in names.ts for the mapping) and the `tenacious.attempt.duration` histogram. Fed by
 * the run scopes (attempts, retries), the exhaustion and unknown-outcome events and the alert
 * deliveries; the breaker instruments are observed at collection time.
 *
 * @example
 * ```ts
 * const recorder = new RunMetrics(meterProvider.getMeter('tenacious'), new BreakerWatch());
 * recorder.attempt('get_ticker', 'success', 12.5);
 * ```
 */
export class RunMetrics {
  readonly #operations = new BoundedLabel(MAX_OPERATIONS);
  readonly #errorTypes = new BoundedLabel(MAX_ERROR_TYPES, 100, OTHER_ERROR_TYPE);
  readonly #retries: Counter;
  readonly #exhausted: Counter;
  readonly #attempts: Counter;
  readonly #unknownOutcomes: Counter;
  readonly #budgetDenials: Counter;
  readonly #alertsSent: Counter;
  readonly #alertsFailed: Counter;
  readonly #duration: Histogram;
  readonly #observables: Observable[];
  readonly #observe: BatchObservableCallback;

  constructor(
    readonly meter: Meter,
    readonly breakers: BreakerWatch,
  ) {
    const counter = (metric: { name: string; unit: string }, description: string) =>
      meter.createCounter(metric.name, { unit: metric.unit, description });
    this.#retries = counter(
      METRIC.retries,
      'Retries scheduled: attempts that failed or returned a value to retry, followed by a delay before the next attempt.',
    );
    this.#exhausted = counter(
      METRIC.exhausted,
      'Runs that gave up while a retry was still wanted, by reason: attempts, elapsed, retry-after-too-long or budget.',
    );
    this.#attempts = counter(
      METRIC.attempts,
      'Attempts of instrumented runs, by outcome: how the run went on after each (retry, exhausted, success, fail, unknown-outcome, aborted, error).',
    );
    this.#unknownOutcomes = counter(
      METRIC.unknownOutcomes,
      'Unknown outcomes of non-idempotent calls, by resolution.',
    );
    this.#budgetDenials = counter(
      METRIC.budgetDenials,
      'Retries refused by a retry budget; each ends its run (tenacious.exhausted, reason budget).',
    );
    this.#alertsSent = counter(
      METRIC.alertsSent,
      'Alert messages the endpoint accepted: exhaustions, unknown outcomes and throttling summaries alike.',
    );
    this.#alertsFailed = counter(
      METRIC.alertsFailed,
      'Alert messages not delivered after their own retries: exhaustions, unknown outcomes and throttling summaries alike.',
    );
    this.#duration = meter.createHistogram(METRIC.attemptDuration.name, {
      unit: METRIC.attemptDuration.unit,
      description:
        'Duration of each attempt, from its start until it settled, or until the run moved on without it (attemptTimeoutMs).',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS_MS },
    });
    const state = meter.createObservableGauge(METRIC.breakerState.name, {
      unit: METRIC.breakerState.unit,
      description:
        'Circuit breaker state: 1 for the current state of each breaker, 0 for the others.',
    });
    const transitions = meter.createObservableCounter(METRIC.breakerTransitions.name, {
      unit: METRIC.breakerTransitions.unit,
      description: 'State changes of each breaker given to instrument(), by the state entered.',
    });
    this.#observables = [state, transitions];
    this.#observe = (result) => {
      for (const { labels, value } of breakers.states()) {
        result.observe(state, value, {
          [ATTR.breaker]: labels.breaker,
          [ATTR.breakerState]: labels.state,
        });
      }
      for (const { labels, value } of breakers.transitions.samples()) {
        result.observe(transitions, value, {
          [ATTR.breaker]: labels.breaker,
          [ATTR.breakerState]: labels.to,
        });
      }
    };
    meter.addBatchObservableCallback(this.#observe, this.#observables);
  }

  /** The bounded `tenacious.operation` value for a run's operation. */
  operation(raw: string): string {
    return this.#operations.value(raw);
  }

  /** One attempt ended: the attempts counter and the duration histogram. */
  attempt(operation: string, outcome: string, durationMs: number, error?: string): void {
    const attributes: Attributes = { [ATTR.operation]: operation, [ATTR.outcome]: outcome };
    this.#attempts.add(1, attributes);
    this.#duration.record(
      durationMs,
      error === undefined
        ? attributes
        : { ...attributes, [ATTR.errorType]: this.#errorTypes.value(error) },
    );
  }

  /** A failed attempt will be retried. */
  retry(operation: string): void {
    this.#retries.add(1, { [ATTR.operation]: operation });
  }

  /** A run gave up (from the exhaustion event, which carries the reason even with `reraise`). */
  exhausted(event: ExhaustedEvent): void {
    const operation = this.operation(event.operation);
    this.#exhausted.add(1, { [ATTR.operation]: operation, [ATTR.reason]: event.reason });
    // A denied retry always ends its run: retryBudget's refusals are exactly these.
    if (event.reason === 'budget') this.#budgetDenials.add(1, { [ATTR.operation]: operation });
  }

  unknownOutcome(event: UnknownOutcomeEvent): void {
    this.#unknownOutcomes.add(1, {
      [ATTR.operation]: this.operation(event.operation),
      [ATTR.resolution]: event.resolution,
    });
  }

  alertDelivery(event: AlertDeliveryEvent): void {
    (event.ok ? this.#alertsSent : this.#alertsFailed).add(1, {
      [ATTR.alertChannel]: event.channel,
    });
  }

  /** Stops observing the breakers (the meter keeps its instruments). */
  stop(): void {
    this.meter.removeBatchObservableCallback(this.#observe, this.#observables);
  }
}
