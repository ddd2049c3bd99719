export { retry, type Attempt } from './retry.js';
export { retryable, type RetryableDecorator, type RetryableOptions } from './retryable.js';
export { createRetry, type ConfiguredRetry } from './create-retry.js';
export type { RetryOptions } from './options.js';
export {
  cap,
  constant,
  decorrelatedJitter,
  exponential,
  jitter,
  linear,
  none,
  sequence,
  type JitterMode,
} from './backoff.js';
export {
  defaultClassifier,
  failOn,
  retryIfResult,
  retryOn,
  unknownOn,
  type ErrorMatcher,
} from './classify.js';
export {
  AttemptTimeoutError,
  CircuitOpenError,
  ConfigError,
  type ConfigIssue,
  RetryExhaustedError,
  UnknownOutcomeError,
} from './errors.js';
export { onExhausted, onRetry, onSuccess, onUnknownOutcome } from './events.js';
export {
  circuitBreaker,
  type CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
  type CircuitStateChange,
  type ConsecutiveBreakerOptions,
  type RollingBreakerOptions,
} from './circuit-breaker.js';
export {
  retryBudget,
  type RetryBudget,
  type RetryBudgetOptions,
  type RetryBudgetSnapshot,
} from './retry-budget.js';
export type {
  FleetStore,
  SharedBreaker,
  SharedBreakerOp,
  SharedBreakerView,
  SharedRateLimit,
  SharedRateView,
  SharedReservation,
  SharedWindow,
} from './state-store.js';
export { presets } from './presets.js';
export { redactText, serializeError, describeError } from './redact.js';
export type {
  AttemptContext,
  AttemptGate,
  Backoff,
  BackoffContext,
  Classifier,
  Clock,
  ExhaustedEvent,
  ExhaustedReason,
  Logger,
  Outcome,
  ReconcileContext,
  ReconcileResult,
  RetryAdmission,
  RetryEvent,
  RunEnd,
  RunInstrumentation,
  RunScope,
  SuccessEvent,
  UnknownOutcomeEvent,
  UnknownOutcomeResolution,
  Verdict,
} from './types.js';
