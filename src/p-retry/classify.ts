import { defaultClassifier } from '../classify.js';
import type { Classifier, Verdict } from '../types.js';
import { describeValue } from '../validate.js';

const ACTIONS: ReadonlySet<unknown> = new Set(['retry', 'fail', 'unknown']);

/**
 * The verdict on a failed attempt: the user's classifiers in order, the first verdict wins, else
 * the default rule (which judges every error). A classifier that throws or answers something
 * that is not a verdict is a bug in the caller's code: a `TypeError` says so rather than a guess.
 */
export function classifyError(classifiers: readonly Classifier<any>[], error: unknown): Verdict {
  const outcome = { ok: false as const, error };
  for (const classifier of classifiers) {
    let verdict: Verdict | undefined;
    try {
      verdict = classifier(outcome);
    } catch (thrown) {
      throw new TypeError(`classify: a classifier threw: ${describeValue(thrown)}`, {
        cause: thrown,
      });
    }
    if (verdict === undefined) continue;
    if (!ACTIONS.has((verdict as Partial<Verdict> | null)?.action)) {
      throw new TypeError(
        `classify: expected a verdict with action retry, fail or unknown, got ${describeValue(verdict)}`,
      );
    }
    return verdict;
  }
  return defaultClassifier(outcome)!;
}
