import { describe, expect, it } from 'vitest';
import { defaultClassifier } from '../../src/core/classify.js';
import { DEFAULT_BACKOFF, DEFAULT_PLAN, buildPlan } from '../../src/core/options.js';

const NO_HOOKS: readonly never[] = [];

/** API.md's defaults, field by field, in the order every plan has them. */
const EXPECTED_DEFAULT_PLAN = {
  operation: undefined,
  maxAttempts: 4,
  backoff: DEFAULT_BACKOFF,
  classifiers: [defaultClassifier],
  classifiesValues: false,
  readsBodies: false,
  plainSuccess: true,
  direct: true,
  idempotent: true,
  reconcile: undefined,
  maxElapsedMs: Infinity,
  attemptTimeoutMs: 0,
  maxRetryAfterMs: 60000,
  signal: undefined,
  reraise: false,
  wrapFailures: false,
  logger: undefined,
  onRetry: NO_HOOKS,
  onSuccess: NO_HOOKS,
  onExhausted: NO_HOOKS,
  onUnknownOutcome: NO_HOOKS,
  breaker: undefined,
  budget: undefined,
  limiter: undefined,
  hedge: undefined,
  clock: undefined,
  random: Math.random,
  unref: false,
  internal: false,
};

describe('the default plan', () => {
  it('holds the documented defaults', () => {
    expect(DEFAULT_PLAN).toStrictEqual(EXPECTED_DEFAULT_PLAN);
  });

  it('has its fields in the order of every built plan', () => {
    expect(Object.keys(DEFAULT_PLAN)).toEqual(Object.keys(EXPECTED_DEFAULT_PLAN));
    expect(Object.keys(buildPlan({ maxAttempts: 2 }))).toEqual(Object.keys(DEFAULT_PLAN));
  });

  it('is frozen', () => {
    expect(Object.isFrozen(DEFAULT_PLAN)).toBe(true);
  });

  it('shares one empty, frozen list for every hook', () => {
    expect(Object.isFrozen(DEFAULT_PLAN.onRetry)).toBe(true);
    expect(DEFAULT_PLAN.onSuccess).toBe(DEFAULT_PLAN.onRetry);
    expect(DEFAULT_PLAN.onExhausted).toBe(DEFAULT_PLAN.onRetry);
    expect(DEFAULT_PLAN.onUnknownOutcome).toBe(DEFAULT_PLAN.onRetry);
  });
});
