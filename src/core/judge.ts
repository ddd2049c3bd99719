import { defaultClassifier } from './classify.js';
import { isThenable } from './hub.js';
import type { AttemptLimiter } from './limiter/adaptive-limiter.js';
import type { Plan } from './options.js';
import type { Outcome, Verdict } from './types.js';
import { describeValue } from './validate.js';

/**
 * The first verdict of the user's classifiers, else the default rule (which judges every error).
 * A classifier that throws or returns a malformed verdict is a bug in the caller's code: the run
 * rejects with a `TypeError` rather than guess.
 */
export function judge(plan: Plan, outcome: Outcome<unknown>): Verdict | undefined {
  for (const classifier of plan.classifiers) {
    let verdict: Verdict | undefined;
    try {
      verdict = classifier(outcome);
    } catch (error) {
      throw new TypeError(`classify: a classifier threw: ${describeValue(error)}`, {
        cause: error,
      });
    }
    if (verdict !== undefined) {
      if (verdict.action !== 'retry' && verdict.action !== 'fail' && verdict.action !== 'unknown') {
        // An async classifier by mistake: its promise must not add an unhandled rejection.
        if (isThenable(verdict)) verdict.then(undefined, () => {});
        throw new TypeError(
          `classify: expected a verdict with action retry, fail or unknown, got ${describeValue(verdict)}`,
        );
      }
      return verdict;
    }
  }
  return outcome.ok ? undefined : defaultClassifier(outcome);
}

/**
 * Classifies a settled attempt and records it on the breaker and the limiter; a classifier that throws still
 * counts as a failure for the breaker.
 */
export function verdictOf(
  plan: Plan,
  token: unknown,
  outcome: Outcome<unknown>,
): Verdict | undefined {
  const breaker = plan.breaker;
  let verdict: Verdict | undefined;
  if (!outcome.ok || plan.classifiesValues) {
    try {
      verdict = judge(plan, outcome);
    } catch (classifierFault) {
      breaker?.record(token, 'fail');
      throw classifierFault;
    }
  }
  breaker?.record(token, verdict === undefined ? 'success' : verdict.action);
  if (plan.limiter !== undefined) tellLimiter(plan.limiter, verdict);
  return verdict;
}

/** What the attempt returned, or what it threw. */
export function settled(outcome: Outcome<unknown>): unknown {
  return outcome.ok ? outcome.value : outcome.error;
}

/** The limiter learns from every verdict; it is advisory, so its failure changes nothing. */
function tellLimiter(limiter: AttemptLimiter, verdict: Verdict | undefined): void {
  try {
    limiter.record(verdict);
  } catch {
    // A broken limiter paces nothing; the run's result stays the attempt's.
  }
}
