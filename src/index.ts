export { retry, type Attempt } from './core/retry.js';
export { retryable, type RetryableDecorator, type RetryableOptions } from './core/retryable.js';
export { createRetry, type ConfiguredRetry } from './core/create-retry.js';
export { markClassifierFactory } from './core/classifier-factory.js';
export { readsResponseBody, responseBodyText } from './core/response-body.js';
export type { RetryOptions } from './core/options.js';
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
} from './core/backoff.js';
export {
  DUPLICATE_CLIENT_ORDER_ID,
  defaultClassifier,
  failOn,
  holdTooLongVerdict,
  retryIfResult,
  retryOn,
  unknownOn,
  type ErrorMatcher,
} from './core/classify.js';
export {
  AttemptTimeoutError,
  CircuitOpenError,
  ConfigError,
  type ConfigIssue,
  HoldTooLongError,
  PermanentFailureError,
  RetryExhaustedError,
  UnknownOutcomeError,
} from './core/errors.js';
export {
  onExhausted,
  onHold,
  onRetry,
  onSuccess,
  onUnknownOutcome,
  publishHold,
} from './core/hub.js';
export {
  circuitBreaker,
  type CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
  type CircuitStateChange,
  type ConsecutiveBreakerOptions,
  type RollingBreakerOptions,
} from './core/breaker/index.js';
export {
  retryBudget,
  type RetryBudget,
  type RetryBudgetOptions,
  type RetryBudgetSnapshot,
} from './core/retry-budget.js';
export {
  adaptiveLimiter,
  type AdaptiveLimiter,
  type AdaptiveLimiterOptions,
  type AdaptiveLimiterSnapshot,
  type AttemptLimiter,
} from './core/limiter/adaptive-limiter.js';
export { isThrottle, isThrottleReason, THROTTLE_REASONS } from './core/limiter/throttle.js';
export type {
  FleetStore,
  SharedAdaptiveRate,
  SharedAdaptiveRateView,
  SharedBreaker,
  SharedBreakerOp,
  SharedBreakerView,
  SharedHoldKind,
  SharedRateLimit,
  SharedRateView,
  SharedReservation,
  SharedWindow,
} from './core/fleet-store.js';
export { presets } from './presets/index.js';
export {
  redactText,
  serializeError,
  describeError,
  type SerializedError,
} from './core/redaction/redact.js';
export { errSerializer } from './core/redaction/error-printing.js';
export type {
  AcquireOptions,
  AttemptContext,
  AttemptGate,
  Backoff,
  BackoffContext,
  Classifier,
  Clock,
  ExhaustedEvent,
  ExhaustedReason,
  HoldEvent,
  HoldReason,
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
} from './core/types.js';
