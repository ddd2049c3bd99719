import { defaultClassifier } from '../core/classify.js';
import type { Classifier, Outcome, Verdict } from '../core/types.js';
import { HandshakeError } from './errors.js';

/**
 * What a refused WebSocket handshake means for the supervisor, by HTTP status. A connect never
 * executes anything, so every status that is not a refusal of the client itself is retried.
 */
const HANDSHAKE_STATUSES: Readonly<Record<number, Verdict['action']>> = Object.freeze({
  401: 'fail', // bad or missing credentials: reconnecting only repeats the refusal
  403: 'fail', // forbidden (Binance: WAF or a banned key): likewise
  418: 'retry', // Binance: IP banned for connecting too often; waits its Retry-After (BSPOT)
  429: 'retry', // too many connection attempts; waits its Retry-After (BSPOT)
});

/**
 * The rule after the user's classifiers: a handshake status by {@link HANDSHAKE_STATUSES}
 * (other statuses retry), then the default rule. A connect attempt is idempotent, so an
 * `unknown` verdict is retried like `retry`. `supervise` applies it after your `classify`.
 *
 * @example
 * ```ts
 * streamClassifier({ ok: false, error: new HandshakeError({ status: 401 }) }); // { action: 'fail', reason: 'handshake:401' }
 * ```
 */
export const streamClassifier: Classifier = (outcome: Outcome): Verdict | undefined => {
  if (outcome.ok) return undefined;
  const error = outcome.error;
  if (error instanceof HandshakeError) {
    const action = HANDSHAKE_STATUSES[error.status] ?? 'retry';
    const verdict: Verdict = { action, reason: `handshake:${error.status}` };
    if (error.retryAfterMs !== undefined) verdict.retryAfterMs = error.retryAfterMs;
    return verdict;
  }
  return defaultClassifier(outcome);
};

const UNCLASSIFIABLE: Verdict = Object.freeze({ action: 'unknown', reason: 'classifier-threw' });

/** Runs the user's classifiers, then the stream rule; a throwing classifier gives `unknown`. */
export function classifyFailure(classifiers: readonly Classifier[], error: unknown): Verdict {
  const outcome: Outcome = { ok: false, error };
  try {
    for (const classify of classifiers) {
      const verdict = classify(outcome);
      if (verdict !== undefined) return verdict;
    }
    return streamClassifier(outcome) ?? UNCLASSIFIABLE;
  } catch {
    return UNCLASSIFIABLE;
  }
}
