import { onAlertDelivery } from '../telemetry/alert-delivery-events.js';
import { hub, onExhausted, onHold, onRetry, onSuccess, onUnknownOutcome } from '../core/hub.js';
import type { ExhaustedReason, HoldReason, UnknownOutcomeResolution } from '../core/types.js';
import {
  checkOptions,
  checkValue,
  methodsRule,
  nonEmptyStringRule,
  numberRule,
  type Rule,
} from '../core/validate.js';
import { BreakerWatch, type WatchedBreaker } from '../telemetry/breaker-gauges.js';
import { BoundedLabel, LabelledCounter, type CounterSample } from '../telemetry/counters.js';
import { registerFamilies, type PromRegistry, type RegisteredFamily } from './prom-registry.js';
import { PROMETHEUS_CONTENT_TYPE, renderFamilies } from './prometheus.js';

/** Options of {@link retryMetrics}. */
export interface RetryMetricsOptions {
  /** Distinct `operation` label values kept; later operations are counted as `other`. Default 1000. */
  maxOperations?: number;
  /** Prepended to every metric name in `prometheus()` output and in `registry`. Default none. */
  prefix?: string;
  /**
   * A prom-client `Registry` (prom-client is an optional peer, loaded only when this is given):
   * the metrics are registered there too, so they appear on the service's own `/metrics`.
   */
  registry?: PromRegistry;
}

/** `attempts_total` outcomes: which event an attempt was seen through. */
export type AttemptOutcome = 'success' | 'retry' | 'exhausted';

/** The metrics as plain data (metric names without the prefix). */
export interface RetryMetricsSnapshot {
  retries_total: CounterSample<'operation'>[];
  exhausted_total: CounterSample<'operation' | 'reason'>[];
  attempts_total: CounterSample<'operation' | 'outcome'>[];
  unknown_outcomes_total: CounterSample<'operation' | 'resolution'>[];
  budget_denials_total: CounterSample<'operation'>[];
  alerts_sent_total: CounterSample<'channel'>[];
  alerts_failed_total: CounterSample<'channel'>[];
  /** A gauge: one sample per watched breaker and state, `1` for its current state, else `0`. */
  breaker_state: CounterSample<'breaker' | 'state'>[];
  breaker_transitions_total: CounterSample<'breaker' | 'to'>[];
  /** Supervised streams (`tenacious/stream`): reconnects by the reason the connection ended. */
  stream_reconnects_total: CounterSample<'operation' | 'reason'>[];
  /** A gauge: 1 while the operation's stream has a connection open, else 0. */
  stream_up: CounterSample<'operation'>[];
  holds_total: CounterSample<'source' | 'reason'>[];
}

/** What {@link retryMetrics} returns. */
export interface RetryMetrics {
  /** Every metric as plain data (a copy; breaker states are read now). */
  snapshot: () => RetryMetricsSnapshot;
  /** The metrics in the Prometheus text exposition format. */
  prometheus: () => string;
  /** The `Content-Type` to serve `prometheus()` with. */
  readonly contentType: string;
  /**
   * Reports a circuit breaker's state (`breaker_state{breaker,state}`) and its transitions
   * (`breaker_transitions_total{breaker,to}`) under `name`. Returns a function that stops
   * reporting it.
   */
  watchBreaker: (name: string, breaker: WatchedBreaker) => () => void;
  /**
   * Unsubscribes from every event; the counters keep their values. Idempotent. With a
   * `registry`, the metrics are removed from it once every `retryMetrics()` sharing it stopped.
   */
  stop: () => void;
}

type Family = keyof RetryMetricsSnapshot;

const REASONS: ReadonlySet<ExhaustedReason> = new Set([
  'attempts',
  'elapsed',
  'retry-after-too-long',
  'budget',
]);
const RESOLUTIONS: ReadonlySet<UnknownOutcomeResolution> = new Set([
  'executed',
  'not-executed',
  'unreconciled',
  'reconcile-failed',
]);
const HOLD_REASONS: ReadonlySet<HoldReason> = new Set(['cooldown', 'ban', 'window', 'orders']);
/** Alert channels are a fixed set in this package; the cap only guards against foreign publishers. */
const MAX_CHANNELS = 32;
/** Hold sources are the trackers' names (one per venue); the cap guards against foreign publishers. */
const MAX_SOURCES = 32;

/** Every metric: its type, labels and help text, in the order they are written. */
const FAMILIES: Readonly<
  Record<Family, { type: 'counter' | 'gauge'; labelNames: readonly string[]; help: string }>
> = {
  retries_total: {
    type: 'counter',
    labelNames: ['operation'],
    help: 'Retries scheduled, by operation: one per retry event (an attempt that failed or returned a value to retry, followed by a delay before the next attempt, which a cancellation or the time limit may still prevent).',
  },
  exhausted_total: {
    type: 'counter',
    labelNames: ['operation', 'reason'],
    help: 'Runs that gave up while a retry was still wanted, by operation and reason: attempts, elapsed (maxElapsedMs), retry-after-too-long (maxRetryAfterMs) or budget.',
  },
  attempts_total: {
    type: 'counter',
    labelNames: ['operation', 'outcome'],
    help: 'Attempts seen through the retry, exhaustion and success events, by operation and outcome: retry (a retry was scheduled after it), exhausted (the run gave up after it), success (it resolved the run). The last attempt of a run that ends on a fail verdict, an unknown outcome, a cancellation or an open circuit is not counted.',
  },
  unknown_outcomes_total: {
    type: 'counter',
    labelNames: ['operation', 'resolution'],
    help: 'Unknown outcomes of non-idempotent calls, by operation and resolution (executed, not-executed, unreconciled, reconcile-failed).',
  },
  budget_denials_total: {
    type: 'counter',
    labelNames: ['operation'],
    help: 'Retries refused by a retry budget, by operation: each ends its run, counted in exhausted_total with reason budget too.',
  },
  alerts_sent_total: {
    type: 'counter',
    labelNames: ['channel'],
    help: 'Alert messages the endpoint accepted, by channel: exhaustions, unknown outcomes and throttling summaries alike, one per message whatever its delivery retries.',
  },
  alerts_failed_total: {
    type: 'counter',
    labelNames: ['channel'],
    help: 'Alert messages not delivered after their own retries, by channel: exhaustions, unknown outcomes and throttling summaries alike.',
  },
  breaker_state: {
    type: 'gauge',
    labelNames: ['breaker', 'state'],
    help: 'Circuit breaker state: 1 for the current state (closed, open, half-open) of each watched breaker, 0 for the others.',
  },
  breaker_transitions_total: {
    type: 'counter',
    labelNames: ['breaker', 'to'],
    help: 'State changes of each watched circuit breaker since watchBreaker() was called, by breaker and the state entered.',
  },
  stream_reconnects_total: {
    type: 'counter',
    labelNames: ['operation', 'reason'],
    help: 'Supervised stream connections that ended and were replaced or reconnected, by operation and reason (closed, error, stale, lifetime, replaced).',
  },
  stream_up: {
    type: 'gauge',
    labelNames: ['operation'],
    help: 'Supervised stream state: 1 while a connection is open, 0 while it is down or stopped.',
  },
  holds_total: {
    type: 'counter',
    labelNames: ['source', 'reason'],
    help: 'Callers held by a rate-limit tracker (one per hold), by tracker and reason (cooldown, ban, window, orders).',
  },
};

const RULES: Readonly<Record<keyof RetryMetricsOptions, Rule>> = {
  maxOperations: numberRule(1, { integer: true }),
  prefix: {
    type: (v) => typeof v === 'string',
    range: (v: string) => /^(?:[a-zA-Z_:][a-zA-Z0-9_:]*)?$/.test(v),
    rule: 'a Prometheus metric name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*)',
  },
  registry: methodsRule(
    'a prom-client Registry',
    'registerMetric',
    'getSingleMetric',
    'removeSingleMetric',
  ),
};

/** The counting part of a metrics instance: subscriptions, counters and breakers. */
interface Counts {
  snapshot: () => RetryMetricsSnapshot;
  samples: (family: Family) => CounterSample[];
  watch: BreakerWatch;
  stop: () => void;
}

/** Starts counting from the process-wide events; `stop` unsubscribes and forgets the breakers. */
function startCounting(maxOperations: number): Counts {
  const tally: Tally = {
    operations: new BoundedLabel(maxOperations),
    channels: new BoundedLabel(MAX_CHANNELS),
    sources: new BoundedLabel(MAX_SOURCES),
    counters: createCounters(),
    streamUp: new Map(),
  };
  const watch = new BreakerWatch();
  const unsubscribers = [
    ...countRuns(tally),
    countAlertDeliveries(tally),
    ...countStreams(tally),
    countHolds(tally),
  ];
  const samples = (family: Family): CounterSample[] => samplesOf(tally, watch, family);
  return {
    samples,
    snapshot: () =>
      Object.fromEntries(
        Object.keys(FAMILIES).map((family) => [family, samples(family as Family)]),
      ) as unknown as RetryMetricsSnapshot,
    watch,
    stop: () => {
      for (const unsubscribe of unsubscribers) unsubscribe();
      watch.clear();
    },
  };
}

/** One counter per `_total` family fed by events (breaker transitions are the watch's own). */
function createCounters() {
  return {
    retries_total: new LabelledCounter(['operation'] as const),
    exhausted_total: new LabelledCounter(['operation', 'reason'] as const),
    attempts_total: new LabelledCounter(['operation', 'outcome'] as const),
    unknown_outcomes_total: new LabelledCounter(['operation', 'resolution'] as const),
    budget_denials_total: new LabelledCounter(['operation'] as const),
    alerts_sent_total: new LabelledCounter(['channel'] as const),
    alerts_failed_total: new LabelledCounter(['channel'] as const),
    stream_reconnects_total: new LabelledCounter(['operation', 'reason'] as const),
    holds_total: new LabelledCounter(['source', 'reason'] as const),
  };
}

/** What the event listeners write to: the counters, the stream gauge and the bounded labels. */
interface Tally {
  readonly operations: BoundedLabel;
  readonly channels: BoundedLabel;
  readonly sources: BoundedLabel;
  readonly counters: ReturnType<typeof createCounters>;
  /** `stream_up`: 1 while the operation's stream is open, else 0. */
  readonly streamUp: Map<string, number>;
}

/** Counts retries, exhaustions, attempts and unknown outcomes of runs; returns the unsubscribers. */
function countRuns({ operations, counters }: Tally): (() => void)[] {
  const attempt = (operation: string, outcome: AttemptOutcome) =>
    counters.attempts_total.inc({ operation, outcome });
  return [
    onRetry((event) => {
      const operation = operations.value(event.operation);
      counters.retries_total.inc({ operation });
      attempt(operation, 'retry');
    }),
    onExhausted((event) => {
      const operation = operations.value(event.operation);
      const reason = REASONS.has(event.reason) ? event.reason : 'other';
      counters.exhausted_total.inc({ operation, reason });
      // A denied retry always ends its run: retryBudget's refusals are exactly these.
      if (reason === 'budget') counters.budget_denials_total.inc({ operation });
      attempt(operation, 'exhausted');
    }),
    onSuccess((event) => {
      attempt(operations.value(event.operation), 'success');
    }),
    onUnknownOutcome((event) => {
      const operation = operations.value(event.operation);
      const resolution = RESOLUTIONS.has(event.resolution) ? event.resolution : 'other';
      counters.unknown_outcomes_total.inc({ operation, resolution });
    }),
  ];
}

/** Counts alert messages sent and failed, by channel; returns the unsubscriber. */
function countAlertDeliveries({ channels, counters }: Tally): () => void {
  return onAlertDelivery((event) => {
    const channel = channels.value(event.channel);
    (event.ok ? counters.alerts_sent_total : counters.alerts_failed_total).inc({ channel });
  });
}

/** Tracks supervised streams (up or down) and counts their reconnects; returns the unsubscribers. */
function countStreams({ operations, counters, streamUp }: Tally): (() => void)[] {
  return [
    hub.streamConnect.subscribe((event) => {
      streamUp.set(operations.value(event.operation), 1);
    }),
    hub.streamDisconnect.subscribe((event) => {
      const operation = operations.value(event.operation);
      if (event.willReconnect) {
        counters.stream_reconnects_total.inc({ operation, reason: event.reason });
      }
      // A replaced connection ends after its successor opened: the stream stayed up.
      if (event.reason !== 'replaced' && event.reason !== 'lifetime') streamUp.set(operation, 0);
    }),
  ];
}

/** Counts rate-limit holds, by tracker and reason; returns the unsubscriber. */
function countHolds({ sources, counters }: Tally): () => void {
  return onHold((event) => {
    const reason = HOLD_REASONS.has(event.reason) ? event.reason : 'other';
    counters.holds_total.inc({ source: sources.value(event.source), reason });
  });
}

/** One family's samples now: from the breaker watch, the stream gauge or its counter. */
function samplesOf(tally: Tally, watch: BreakerWatch, family: Family): CounterSample[] {
  if (family === 'breaker_state') return watch.states();
  if (family === 'breaker_transitions_total') return watch.transitions.samples();
  if (family === 'stream_up') {
    return [...tally.streamUp].map(([operation, value]) => ({ labels: { operation }, value }));
  }
  return tally.counters[family].samples();
}

/**
 * A registry's metrics instance, shared by every `retryMetrics({ registry })` call with that
 * registry (and the same options) while any of them is running. Kept on `globalThis` so that the
 * ESM and the CommonJS copy of the package share it too.
 */
interface Shared {
  key: string;
  holders: number;
  counts: Counts;
  prefix: string;
  stop: () => void;
}

const REGISTRIES_KEY = Symbol.for('tenacious.metrics.registries.v1');
const registries: WeakMap<object, Shared> = ((globalThis as Record<symbol, unknown>)[
  REGISTRIES_KEY
] ??= new WeakMap()) as WeakMap<object, Shared>;

/**
 * Counts retries, exhaustions, attempts, unknown outcomes, budget denials, alert deliveries and
 * circuit breaker states from the process-wide events (every copy of the package in the
 * process), for dashboards and alerting rules.
 *
 * - `retries_total{operation}`: one per retry event (a failed attempt that will be retried).
 * - `exhausted_total{operation,reason}`: one per exhaustion; `reason` is `attempts`, `elapsed`,
 *   `retry-after-too-long` or `budget`.
 * - `attempts_total{operation,outcome}`: a retry event is one attempt with outcome `retry`, an
 *   exhaustion ends with one attempt with outcome `exhausted`, a success event is one attempt with
 *   outcome `success`. Runs that end on a `fail` verdict, an unknown outcome, a cancellation or an
 *   open circuit publish no such event, so their last attempt is not counted.
 * - `unknown_outcomes_total{operation,resolution}`: one per unknown outcome of a non-idempotent
 *   call; `resolution` is `executed`, `not-executed`, `unreconciled` or `reconcile-failed`.
 * - `budget_denials_total{operation}`: retries a `retryBudget` refused.
 * - `alerts_sent_total{channel}`, `alerts_failed_total{channel}`: alert deliveries by channel
 *   (`telegram`, `webhook:slack`, `webhook:discord`, `webhook:json`).
 * - `breaker_state{breaker,state}` (gauge) and `breaker_transitions_total{breaker,to}` for every
 *   breaker passed to `watchBreaker(name, breaker)`.
 * - `holds_total{source,reason}`: one per hold of a rate-limit tracker (`onHold`); `source` is
 *   the tracker (`binance-weight`), `reason` `cooldown`, `ban`, `window` or `orders`.
 *
 * Labels stay bounded: operation names, never error messages; after `maxOperations` distinct
 * operations, new ones are counted under `operation="other"`. Operation names are cut at 200
 * characters.
 *
 * With a prom-client `registry`, the same metrics are registered there. One registry holds one
 * set: a second `retryMetrics({ registry })` with the same registry and options returns a handle
 * on the running set (nothing is counted twice); with other options it throws, as does a name
 * already taken by another metric. Both happen at the call, never at scrape time.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { Registry, collectDefaultMetrics } from 'prom-client';
 * const registry = new Registry();
 * collectDefaultMetrics({ register: registry });
 * const metrics = retryMetrics({ registry });
 * metrics.watchBreaker('binance', binanceBreaker);
 * createServer(async (req, res) => {
 *   res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
 * }).listen(9464);
 * ```
 */
export function retryMetrics(options: RetryMetricsOptions = {}): RetryMetrics {
  const o = checkOptions('retryMetrics', options, RULES);
  const maxOperations = o.maxOperations ?? 1000;
  const prefix = o.prefix ?? '';
  const key = JSON.stringify({ maxOperations, prefix });

  let shared = o.registry === undefined ? undefined : registries.get(o.registry);
  if (shared !== undefined && shared.key !== key) {
    throw new Error(
      `retryMetrics: registry: already holds tenacious's metrics with other options (${shared.key}); pass the same options, or stop() the first retryMetrics() before`,
    );
  }
  if (shared === undefined) {
    const counts = startCounting(maxOperations);
    let unregister = () => {};
    if (o.registry !== undefined) {
      try {
        unregister = registerFamilies(o.registry, registeredFamilies(counts, prefix));
      } catch (err) {
        counts.stop();
        throw err;
      }
    }
    const registry = o.registry;
    shared = {
      key,
      holders: 0,
      counts,
      prefix,
      stop: () => {
        counts.stop();
        unregister();
        if (registry !== undefined) registries.delete(registry);
      },
    };
    if (registry !== undefined) registries.set(registry, shared);
  }
  return handle(shared);
}

function registeredFamilies(counts: Counts, prefix: string): RegisteredFamily[] {
  return Object.entries(FAMILIES).map(([family, { type, labelNames, help }]) => ({
    name: `${prefix}${family}`,
    type,
    help,
    labelNames,
    samples: () => counts.samples(family as Family),
  }));
}

/** One caller's view of a shared instance: its own `stop()`, counted once. */
function handle(shared: Shared): RetryMetrics {
  shared.holders += 1;
  const { counts, prefix } = shared;
  let stopped = false;
  return {
    snapshot: counts.snapshot,
    prometheus: () =>
      renderFamilies(
        Object.entries(FAMILIES).map(([family, { type, help }]) => ({
          name: `${prefix}${family}`,
          type,
          help,
          samples: counts.samples(family as Family),
        })),
      ),
    contentType: PROMETHEUS_CONTENT_TYPE,
    watchBreaker: (name, breaker) => {
      const error = checkWatch(name, breaker);
      if (error !== undefined) throw error;
      return counts.watch.add(name, breaker);
    },
    stop: () => {
      if (stopped) return;
      stopped = true;
      shared.holders -= 1;
      if (shared.holders === 0) shared.stop();
    },
  };
}

const WATCH_RULES = {
  name: nonEmptyStringRule,
  breaker: methodsRule('a circuit breaker (with state and onStateChange)', 'onStateChange'),
};

function checkWatch(name: unknown, breaker: unknown): TypeError | RangeError | undefined {
  return (
    checkValue('watchBreaker: name', name, WATCH_RULES.name) ??
    checkValue('watchBreaker: breaker', breaker, WATCH_RULES.breaker)
  );
}
