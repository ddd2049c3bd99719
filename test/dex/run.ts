import {
  constant,
  retry,
  type Classifier,
  type RetryEvent,
  type RetryOptions,
  type Verdict,
} from '../../src/index.js';
import { instantClock, type InstantClock } from '../../src/testing/index.js';

/** What a run did: its result, every retry's verdict and every delay slept. */
export interface RunRecord<T> {
  result: { ok: true; value: T } | { ok: false; error: unknown };
  verdicts: Verdict[];
  clock: InstantClock;
}

/**
 * Runs `fn` under `retry` with an instant clock and a constant 10 ms backoff (so that a delay
 * above 10 ms is a server-requested one), recording the verdict of every retried attempt.
 */
export async function record<T>(
  fn: () => Promise<T>,
  options: RetryOptions<T>,
): Promise<RunRecord<T>> {
  const clock = instantClock();
  const verdicts: Verdict[] = [];
  const settings: RetryOptions<T> = {
    backoff: constant(10),
    clock,
    ...options,
    onRetry: (event: RetryEvent) => {
      verdicts.push(event.verdict);
    },
  };
  const result: RunRecord<T>['result'] = await retry<T>(fn, settings).then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  return { result, verdicts, clock };
}

/** The rejection of a finished run (fails the test if it resolved). */
export function rejection(run: RunRecord<unknown>): unknown {
  if (run.result.ok)
    throw new Error(`expected the run to reject, it resolved with ${String(run.result.value)}`);
  return run.result.error;
}

/** The verdict a classifier gives a thrown value. */
export function verdictOf(classify: Classifier, error: unknown): Verdict | undefined {
  return classify({ ok: false, error });
}
