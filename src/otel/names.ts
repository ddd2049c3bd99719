/**
 * Every name tenacious writes to OpenTelemetry, in one table: span and event names, attribute
 * keys and metric instruments. Attribute keys follow OpenTelemetry's naming rules (lower case,
 * dot-separated namespaces, `snake_case` within a component; "Attribute Naming" in the
 * specification) under the `tenacious.` namespace, except `error.type`, which is the semantic
 * conventions' own attribute for the class of an error ("Recording errors", semconv 1.26+).
 */

/** The instrumentation scope: the name tracers and meters are obtained under. */
export const SCOPE_NAME = 'tenacious';

/** The run span is named `retry <operation>` ("Span name": low cardinality, verb first). */
export const SPAN_NAME_PREFIX = 'retry ';

/** The span event added for each failed attempt that will be retried, before its delay. */
export const RETRY_EVENT = 'retry';

/** The span event added for each unknown outcome that was reconciled or refused, with its resolution. */
export const UNKNOWN_OUTCOME_EVENT = 'unknown_outcome';

/** A supervised stream's connection span is named `stream <operation>`. */
export const STREAM_SPAN_NAME_PREFIX = 'stream ';

/** The span event added to a connection's span when it is open (its `onConnect` done). */
export const STREAM_OPEN_EVENT = 'open';

/** The span event added to a connection's span when the supervisor will connect again. */
export const RECONNECT_EVENT = 'reconnect';

/** Span, event and metric attribute keys. */
export const ATTR = {
  /** The run's `operation` option. */
  operation: 'tenacious.operation',
  /**
   * On a retry or unknown-outcome event: the attempt that failed (1 for the first); on a
   * connection span: the supervisor's connect attempt that opened it.
   */
  attempt: 'tenacious.attempt',
  /** On the span at its end: how many attempts the run made. */
  attempts: 'tenacious.attempts',
  /** On a retry or reconnect event: the delay before the next attempt, in ms. */
  delayMs: 'tenacious.delay_ms',
  /** On a connection span: the connections the supervisor opened before this one. */
  reconnects: 'tenacious.stream.reconnects',
  /** On a connection span at its end: `closed`, `error`, `stale`, `lifetime`, `replaced`, `stopped`. */
  closeReason: 'tenacious.stream.close_reason',
  /**
   * The classifier's reason (`http:503`) on a retry or unknown-outcome event; on the span, why
   * the run ended: the exhaustion reason, the `fail` verdict's or the unknown outcome's reason.
   * On a reconnect event: why the connection ended (`stale`), or a failed connect's verdict reason.
   */
  reason: 'tenacious.reason',
  /** On a retry event: the verdict's action, `retry` or `unknown`. */
  verdict: 'tenacious.verdict',
  /** On a retry event: the failed attempt's error, one line, secrets redacted. */
  error: 'tenacious.error',
  /** How a run (span, `tenacious.attempts`) or an attempt (histogram) ended. */
  outcome: 'tenacious.outcome',
  /**
   * How an unknown outcome was resolved (`executed`, `not-executed`, `unreconciled`,
   * `reconcile-failed`): on `tenacious.unknown_outcomes`, the unknown-outcome event and the span.
   */
  resolution: 'tenacious.resolution',
  /** On the span: `true` when an attempt's outcome was unknown, whatever the run became. */
  outcomeUnknown: 'tenacious.outcome_unknown',
  /** Alert counters: `telegram`, `webhook:slack`, `webhook:discord`, `webhook:json`. */
  alertChannel: 'tenacious.alert.channel',
  /** Breaker metrics: the name the breaker was passed under. */
  breaker: 'tenacious.breaker',
  /** `tenacious.breaker.state`: `closed`, `open`, `half-open`. */
  breakerState: 'tenacious.breaker.state',
  /** The class of the error (semantic conventions); absent on success. */
  errorType: 'error.type',
} as const;

/**
 * The metric instruments, with the `tenacious/metrics` counter each one mirrors. OpenTelemetry
 * names carry no unit or `_total` suffix; the unit is the instrument's `unit` ("Metric
 * Instrument Naming Rule", "Instrument units" in the semantic conventions). A Prometheus exporter
 * writes `tenacious.retries` as `tenacious_retries_total`.
 */
export const METRIC = {
  retries: { name: 'tenacious.retries', unit: '{retry}', mirrors: 'retries_total' },
  exhausted: { name: 'tenacious.exhausted', unit: '{run}', mirrors: 'exhausted_total' },
  attempts: { name: 'tenacious.attempts', unit: '{attempt}', mirrors: 'attempts_total' },
  unknownOutcomes: {
    name: 'tenacious.unknown_outcomes',
    unit: '{outcome}',
    mirrors: 'unknown_outcomes_total',
  },
  budgetDenials: {
    name: 'tenacious.budget.denials',
    unit: '{retry}',
    mirrors: 'budget_denials_total',
  },
  alertsSent: { name: 'tenacious.alerts.sent', unit: '{alert}', mirrors: 'alerts_sent_total' },
  alertsFailed: {
    name: 'tenacious.alerts.failed',
    unit: '{alert}',
    mirrors: 'alerts_failed_total',
  },
  breakerState: { name: 'tenacious.breaker.state', unit: '1', mirrors: 'breaker_state' },
  breakerTransitions: {
    name: 'tenacious.breaker.transitions',
    unit: '{transition}',
    mirrors: 'breaker_transitions_total',
  },
  attemptDuration: { name: 'tenacious.attempt.duration', unit: 'ms', mirrors: undefined },
} as const;
