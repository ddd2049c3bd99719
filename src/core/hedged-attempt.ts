import { startAttempt } from './attempt.js';
import { hedged, HedgeLostError } from './hedge.js';
import { settled, verdictOf } from './judge.js';
import { readOutcomeBody } from './response-body.js';
import type { RunState } from './run-state.js';
import type { Outcome, Verdict } from './types.js';

/** One attempt of the race, judged: its verdict, or the classifier's own failure. */
interface Judged {
  readonly verdict: Verdict | undefined;
  readonly fault?: { readonly error: unknown };
}

/** What the loop takes from a hedged attempt: the deciding outcome and its verdict. */
export interface RaceEnd {
  readonly outcome: Outcome<unknown>;
  readonly verdict: Verdict | undefined;
}

/**
 * One attempt of a run with the `hedge` option: the attempt, plus a hedge beside it each time
 * it is slower than the hedge delay. Every attempt sent is charged as an attempt is: the budget's
 * retry, the breaker's slot and the limiter's token before it is sent (a hedge any of them
 * refuses is not sent), and its verdict on the breaker and the limiter once it settles. Hedges
 * share the attempt's number; each gets its own `ctx.signal`, which aborts when it loses.
 *
 * The winner is the first outcome the loop would return (a value, or a `fail` verdict on a
 * value); otherwise the race ends with the first failure, and the loop's backoff takes over. A
 * loser aborted by the race tells the breaker `success`: the race it was part of succeeded.
 */
export async function raceAttempt(run: RunState, token: unknown): Promise<RaceEnd> {
  const { plan, clock } = run;
  const tokens = new Map<number, unknown>([[0, token]]);
  const judged = new Map<Outcome<unknown>, Judged>();
  const { breaker, budget, limiter } = plan;
  const send = async (signal: AbortSignal, index: number): Promise<Outcome<unknown>> => {
    let outcome: Outcome<unknown>;
    try {
      const value = await startAttempt(run, signal);
      outcome = { ok: true, value };
    } catch (error) {
      outcome = { ok: false, error };
    }
    const held = tokens.get(index);
    if (signal.aborted) {
      // Lost the race (or the caller aborted): no verdict to learn from.
      breaker?.record(held, signal.reason instanceof HedgeLostError ? 'success' : 'fail');
      return outcome;
    }
    if (plan.readsBodies) await readOutcomeBody(!outcome.ok, settled(outcome));
    try {
      judged.set(outcome, { verdict: verdictOf(plan, held, outcome) });
    } catch (error) {
      judged.set(outcome, { verdict: undefined, fault: { error } });
    }
    return outcome;
  };
  const result = await hedged<unknown>({
    attempt: send,
    options: plan.hedge!,
    clock,
    signal: plan.signal,
    wins: (outcome) => {
      const j = judged.get(outcome);
      if (j === undefined || j.fault !== undefined) return false;
      return j.verdict === undefined || (outcome.ok && j.verdict.action === 'fail');
    },
    charge: async (index) => {
      if (limiter !== undefined) await limiter.acquire(plan.signal);
      if (budget !== undefined && !budget.tryRetry()) return false;
      // Last: a slot taken for a race that ends before the send is given back by `refund`.
      if (breaker !== undefined) tokens.set(index, breaker.acquire());
      return true;
    },
    refund: (index) => breaker?.record(tokens.get(index), 'success'),
  });
  const j = judged.get(result.outcome);
  if (j?.fault !== undefined) throw j.fault.error;
  return { outcome: result.outcome, verdict: j?.verdict };
}
