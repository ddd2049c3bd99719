import { metrics, trace, type MeterProvider, type TracerProvider } from '@opentelemetry/api';
import { onAlertDelivery } from '../telemetry/alert-delivery-events.js';
import { hub } from '../core/hub.js';
import { BreakerWatch, type WatchedBreaker } from '../telemetry/breaker-gauges.js';
import type {
  RunInstrumentation,
  RunScope,
  StreamConnectionStart,
  StreamScope,
} from '../core/types.js';
import { checkOptions, checkValue, methodsRule, type Rule } from '../core/validate.js';
import { SCOPE_NAME } from './names.js';
import { RunMetrics } from './run-metrics.js';
import { RunSpan } from './run-span.js';
import { StreamSpan } from './stream-span.js';

/** Options of {@link instrument}. */
export interface InstrumentOptions {
  /** Where run spans go. Default: the global provider (`trace.getTracerProvider()`). */
  tracerProvider?: TracerProvider;
  /**
   * Where metrics go. Default: the global provider (`metrics.getMeterProvider()`), read when
   * `instrument()` is called, so call it after the SDK has registered its provider.
   */
  meterProvider?: MeterProvider;
  /**
   * Circuit breakers to report as `tenacious.breaker.state` and `tenacious.breaker.transitions`,
   * by name: `{ binance: binanceBreaker }`.
   */
  breakers?: Readonly<Record<string, WatchedBreaker>>;
}

const breakerRule = methodsRule(
  'a circuit breaker (with state and onStateChange)',
  'onStateChange',
);

const RULES: Readonly<Record<keyof InstrumentOptions, Rule>> = {
  tracerProvider: methodsRule('an OpenTelemetry TracerProvider', 'getTracer'),
  meterProvider: methodsRule('an OpenTelemetry MeterProvider', 'getMeter'),
  breakers: {
    type: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
    rule: 'an object of circuit breakers by name',
    refine: (v: Record<string, unknown>) => {
      const bad = Object.entries(v).find(
        ([name, breaker]) => checkValue(name, breaker, breakerRule) !== undefined,
      );
      return bad === undefined ? undefined : `${breakerRule.rule} as breakers.${bad[0]}`;
    },
  },
};

/** The span event a hold adds to the span active where the caller waits, and its attributes. */
const HOLD_EVENT = 'tenacious.hold';
const HOLD_ATTR = {
  source: 'tenacious.hold.source',
  reason: 'tenacious.reason',
  waitMs: 'tenacious.hold.wait_ms',
} as const;

/** The scope of a run whose span could not be started: attempts run as they would untraced. */
const UNTRACED: RunScope = {
  attempt: (_attempt, fn) => fn(),
  reconcile: (fn) => fn(),
  retry: () => {},
  unknownOutcome: () => {},
  end: () => {},
};

/** The scope of a connection whose span could not be started: it connects as it would untraced. */
const UNTRACED_CONNECTION: StreamScope = {
  connect: (fn) => fn(),
  opened: () => {},
  end: () => {},
};

/**
 * Turns every `retry` run and every supervised stream connection in the process (every copy of
 * the package) into OpenTelemetry spans and metrics, until the returned function is called.
 *
 * - A span `retry <operation>` per run, started in the active context and made active during
 *   each attempt, so the spans of the client inside `fn` (an instrumented fetch, undici, axios)
 *   are its children. Attributes `tenacious.operation`, and at the end `tenacious.attempts` and
 *   `tenacious.outcome` (`success`, `exhausted`, `fail`, `unknown-outcome`, `aborted`, `error`).
 * - A span event `retry` per retry: `tenacious.attempt`, `tenacious.delay_ms`,
 *   `tenacious.reason`, `tenacious.verdict`, and for a thrown error `error.type` and
 *   `tenacious.error` (redacted).
 * - A span event `tenacious.hold` on the active span (the run's, inside an attempt) each time a
 *   rate-limit tracker holds the caller: `tenacious.hold.source`, `tenacious.reason`,
 *   `tenacious.hold.wait_ms`.
 * - A run that does not succeed gets status `ERROR` with a redacted message, `error.type`, and
 *   an exception event whose message and stack are redacted.
 * - A span `stream <operation>` per connection of a `supervise()`d stream, from its connect
 *   attempt to its close, each the root of its own trace: `tenacious.operation`,
 *   `tenacious.attempt`, `tenacious.stream.reconnects`, at the end
 *   `tenacious.stream.close_reason`; an `open` event once its `onConnect` is done; a
 *   `reconnect` event (`tenacious.reason`, `tenacious.delay_ms`) when the supervisor connects
 *   again; status `ERROR` when the connect or the socket failed or it went stale.
 * - Metrics: `tenacious.retries`, `tenacious.exhausted`, `tenacious.attempts`,
 *   `tenacious.unknown_outcomes`, `tenacious.budget.denials`, `tenacious.alerts.sent`,
 *   `tenacious.alerts.failed` (the counters of `tenacious/metrics`), the
 *   `tenacious.attempt.duration` histogram in ms, and breaker state and transitions.
 *
 * One instrumentation is active at a time: a second `instrument()` replaces the first, whose
 * stop function then does nothing. Stopping ends nothing in flight: runs already started keep
 * their span until they end.
 *
 * @example
 * ```ts
 * import { instrument } from 'tenacious/otel';
 *
 * const stop = instrument({ tracerProvider, meterProvider });
 * await retry(() => fetch('https://api.binance.com/api/v3/time'), { operation: 'server_time' });
 * stop();
 * ```
 */
export function instrument(options: InstrumentOptions = {}): () => void {
  const o = checkOptions('instrument', options, RULES);
  const tracer = (o.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE_NAME);
  const meter = (o.meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE_NAME);
  const breakers = new BreakerWatch();
  const recorder = new RunMetrics(meter, breakers);
  for (const [name, breaker] of Object.entries(o.breakers ?? {})) breakers.add(name, breaker);

  const instrumentation: RunInstrumentation = {
    start: (operation: string): RunScope => {
      try {
        return new RunSpan(tracer, recorder, operation);
      } catch {
        return UNTRACED; // a tracer that throws must not fail the run
      }
    },
    connection: (start: StreamConnectionStart): StreamScope => {
      try {
        return new StreamSpan(tracer, start);
      } catch {
        return UNTRACED_CONNECTION; // nor the stream
      }
    },
  };
  const active = () => hub.instrumentation === instrumentation;
  const unsubscribers = [
    hub.exhausted.subscribe((event) => {
      if (active()) recorder.exhausted(event);
    }),
    hub.unknownOutcome.subscribe((event) => {
      if (active()) recorder.unknownOutcome(event);
    }),
    onAlertDelivery((event) => {
      if (active()) recorder.alertDelivery(event);
    }),
    // A hold is published where the caller waits, so the active span is the caller's own.
    hub.hold.subscribe((event) => {
      if (!active()) return;
      trace.getActiveSpan()?.addEvent(HOLD_EVENT, {
        [HOLD_ATTR.source]: event.source,
        [HOLD_ATTR.reason]: event.reason,
        [HOLD_ATTR.waitMs]: event.waitMs,
      });
    }),
  ];
  hub.instrumentation = instrumentation;

  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    if (active()) hub.instrumentation = undefined;
    for (const unsubscribe of unsubscribers) unsubscribe();
    breakers.clear();
    recorder.stop();
  };
}
