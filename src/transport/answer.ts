import type { Outcome } from '../core/types.js';

/**
 * What a venue classifier reads in an outcome: a thrown object or message, or a returned object
 * (an answer body or a `Response`). A returned string or primitive is data, not an answer, and
 * gets no verdict.
 */
export function venueAnswer(outcome: Outcome): object | string | undefined {
  const value = outcome.ok ? outcome.value : outcome.error;
  if (value === null) return undefined;
  if (typeof value === 'object') return value;
  return typeof value === 'string' && !outcome.ok ? value : undefined;
}
