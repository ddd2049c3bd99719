import { diagnosticsChannel } from './channels.js';
import { lazy } from './lazy.js';
import { realClock } from './clock.js';
import { hub, reportListenerError } from './hub.js';
import type { Plan } from './options.js';
import type { RetryEvent, RunEnd, RunScope, UnknownOutcomeEvent } from './types.js';

/**
 * `tracing:tenacious:run:{start,end,asyncStart,asyncEnd,error}` around every run, for APM agents.
 * Made on the first run, not at import: an agent that subscribed before gets the same channels
 * by name, and an import that never retries pays nothing for them.
 */
const tracing = /* @__PURE__ */ lazy(() =>
  diagnosticsChannel().tracingChannel<object, RunTraceContext>('tenacious:run'),
);

/** What the `tenacious:run` tracing channel publishes. */
interface RunTraceContext {
  operation: string;
  error?: unknown;
  result?: unknown;
}

/** Whether a run must go through {@link withTrace}: an instrumentation or an APM agent listens. */
export function isTraced(plan: Plan): boolean {
  return (hub.instrumentation !== undefined || tracing().hasSubscribers) && !plan.internal;
}

type Ending = Exclude<RunEnd['kind'], 'ok' | 'aborted' | 'error'>;

/**
 * An instrumented run as the engine sees it: it passes the run's attempts and events to the
 * instrumentation's scope, and keeps what the scope's `end` needs (attempts made, and the event
 * that ended the run: a `fail` verdict, exhaustion, an unresolved unknown outcome).
 */
export class Trace {
  attempts = 0;
  #ending: { kind: Ending; reason: string } | undefined;

  constructor(readonly scope: RunScope) {}

  /** Runs one attempt inside the run's context. */
  attempt<R>(attempt: number, fn: () => R): R {
    this.attempts = attempt;
    return this.scope.attempt(attempt, fn);
  }

  /** Runs `reconcile` inside the run's context, so the spans of its lookup nest under the run. */
  reconcile<R>(fn: () => R): R {
    return this.scope.reconcile === undefined ? fn() : this.scope.reconcile(fn);
  }

  retry(event: RetryEvent): void {
    this.scope.retry(event);
  }

  unknownOutcome(event: UnknownOutcomeEvent): void {
    this.scope.unknownOutcome?.(event);
    if (event.resolution === 'unreconciled' || event.resolution === 'reconcile-failed') {
      this.end('unknown-outcome', event.verdict.reason);
    }
  }

  /** The run is ending on `kind` (published just before the rejection). */
  end(kind: Ending, reason: string): void {
    this.#ending = { kind, reason };
  }

  /** How a run that rejected with `error` ended. */
  rejected(plan: Plan, error: unknown, elapsedMs: number): RunEnd {
    const attempts = this.attempts;
    if (this.#ending !== undefined) return { ...this.#ending, attempts, elapsedMs, error };
    const aborted =
      plan.signal !== undefined && plan.signal.aborted && error === plan.signal.reason;
    return { kind: aborted ? 'aborted' : 'error', attempts, elapsedMs, error };
  }
}

/**
 * Runs `body` as an instrumented run: a scope from `tenacious/otel` (when installed) that sees
 * every attempt and event and is ended once, and the `tenacious:run` tracing channel (when
 * subscribed). The loop itself knows nothing of either.
 */
export function withTrace<T>(
  plan: Plan,
  operation: string,
  body: (trace: Trace | undefined) => Promise<T>,
): Promise<T> {
  let trace: Trace | undefined;
  const instrumentation = hub.instrumentation;
  if (instrumentation !== undefined) {
    try {
      trace = new Trace(instrumentation.start(operation));
    } catch (error) {
      reportListenerError(error, plan.logger, 'instrumentation');
    }
  }
  const clock = plan.clock ?? hub.defaultClock ?? realClock;
  const start = clock.now();
  const execute = (): Promise<T> => {
    const promise = body(trace);
    if (trace === undefined) return promise;
    const t = trace;
    return promise.then(
      (value) => {
        endScope(t.scope, { kind: 'ok', attempts: t.attempts, elapsedMs: clock.now() - start });
        return value;
      },
      (error: unknown) => {
        endScope(t.scope, t.rejected(plan, error, clock.now() - start));
        throw error;
      },
    );
  };
  const channel = tracing();
  return channel.hasSubscribers ? channel.tracePromise(execute, { operation }) : execute();
}

/** Instrumentation faults are reported, never passed to the caller. */
function endScope(scope: RunScope, end: RunEnd): void {
  try {
    scope.end(end);
  } catch (error) {
    reportListenerError(error, undefined, 'instrumentation');
  }
}
