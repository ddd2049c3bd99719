import { noSignal } from './attempt.js';
import { UnknownOutcomeError } from './errors.js';
import type { Plan } from './options.js';
import { publish, UNKNOWN_OUTCOME } from './publish.js';
import type { Trace } from './trace.js';
import type { Outcome, ReconcileResult, UnknownOutcomeEvent, Verdict } from './types.js';
import { describeValue } from './validate.js';

/** Where the run stands when an attempt's outcome is unknown. */
export interface UnknownAt {
  readonly operation: string;
  readonly attempt: number;
  readonly elapsedMs: number;
  readonly verdict: Verdict;
}

/** What an unknown outcome became: the run's outcome and verdict from here on. */
export interface Resolved {
  readonly outcome: Outcome<unknown>;
  /** `undefined` when reconcile found the call executed: the run resolves with its value. */
  readonly verdict: Verdict | undefined;
}

/**
 * An `unknown` verdict on a non-idempotent call, or a duplicate client order id on any call:
 * reconcile it, or reject with `UnknownOutcomeError`. Every resolution is published, whatever
 * happens next: an unknown outcome nobody hears of is the dangerous case. `reconcile` runs in
 * the run's trace, so the spans of its lookup nest under the run.
 */
export async function resolveUnknown(
  plan: Plan,
  trace: Trace | undefined,
  { operation, attempt, elapsedMs, verdict }: UnknownAt,
  outcome: Outcome<unknown>,
): Promise<Resolved> {
  const fields = { operation, attempt, elapsedMs, verdict };
  const event: UnknownOutcomeEvent = outcome.ok
    ? { ...fields, value: outcome.value, resolution: 'unreconciled' }
    : { ...fields, error: outcome.error, resolution: 'unreconciled' };
  if (plan.reconcile === undefined) {
    publish(UNKNOWN_OUTCOME, plan, trace, event);
    const cause = outcome.ok ? outcome.value : outcome.error;
    const { reason } = verdict;
    throw new UnknownOutcomeError({
      operation,
      attempt,
      cause,
      reason,
      idempotent: plan.idempotent,
    });
  }
  let answer: ReconcileResult<unknown>;
  try {
    const reconcile = plan.reconcile;
    const ctx = {
      operation,
      attempt,
      error: event.error,
      value: event.value,
      verdict,
      signal: plan.signal ?? noSignal(),
      elapsedMs: event.elapsedMs,
    };
    answer = await (trace === undefined ? reconcile(ctx) : trace.reconcile(() => reconcile(ctx)));
    if (answer?.executed !== true && answer?.executed !== false) {
      throw new TypeError(
        `reconcile: expected { executed: true, value } or { executed: false }, got ${describeValue(answer)}`,
      );
    }
  } catch (reconcileError) {
    publish(UNKNOWN_OUTCOME, plan, trace, {
      ...event,
      resolution: 'reconcile-failed',
      reconcileError,
    });
    throw reconcileError;
  }
  if (answer.executed) {
    publish(UNKNOWN_OUTCOME, plan, trace, { ...event, resolution: 'executed' });
    return { outcome: { ok: true, value: answer.value }, verdict: undefined };
  }
  publish(UNKNOWN_OUTCOME, plan, trace, { ...event, resolution: 'not-executed' });
  // Reconciled as not executed: safe to send again.
  const reason = `${verdict.reason} (reconciled: not executed)`;
  const retryAfterMs = verdict.retryAfterMs;
  return {
    outcome,
    verdict: { action: 'retry', reason, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
  };
}
