import type { Verdict } from '../core/types.js';

/**
 * A verdict, with `retryAfterMs` only when there is a wait (an absent field, not `undefined`,
 * so verdicts compare and print the same whichever venue made them).
 */
export function verdict(action: Verdict['action'], reason: string, retryAfterMs?: number): Verdict {
  return retryAfterMs === undefined ? { action, reason } : { action, reason, retryAfterMs };
}

/**
 * How dangerous an action is to act on for a batch's items: `unknown` (an order may be placed)
 * over `retry` over `fail`. The most dangerous item decides a batch answer.
 */
export const ACTION_SEVERITY: Readonly<Record<Verdict['action'], number>> = {
  fail: 0,
  retry: 1,
  unknown: 2,
};
