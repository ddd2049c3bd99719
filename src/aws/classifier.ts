import { markClassifierFactory } from '../core/classifier-factory.js';
import { describeValue, markErrorOnly } from '../core/classify.js';
import { withClientRetries } from '../transport/client-retries.js';
import { headerValue } from '../transport/headers.js';
import { findNetworkFailure, isAbortFailure } from '../transport/network.js';
import { parseRetryAfter } from '../transport/retry-after.js';
import { verdict as verdictOf } from '../transport/verdict.js';
import {
  asHttpStatus,
  compileStatusActions,
  type HttpStatusOverrides,
} from '../transport/status.js';
import { causeChain, stringField } from '../core/redaction/safe-read.js';
import { safeGet } from '../core/redaction/redact.js';
import type { Classifier, Outcome, Verdict } from '../core/types.js';
import {
  AWS_ERROR_CODES,
  AWS_FAIL_PREFIXES,
  AWS_THROTTLING_CODES,
  type AwsErrorAction,
} from './codes.js';

/** Options of {@link awsClassifier}. */
export interface AwsClassifierOptions {
  /**
   * Per-code overrides (the exception's `name`): `'retry'`, `'unknown'`, `'fail'` or `'none'`
   * (no verdict). They win over every built-in rule. Example: `{ InternalError: 'retry' }`.
   */
  codes?: Readonly<Record<string, AwsErrorAction | 'none'>>;
  /**
   * Overrides of the status table used for codes the classifier does not know
   * (`$metadata.httpStatusCode`), as for `httpClassifier`'s `statuses`.
   */
  statuses?: HttpStatusOverrides;
  /** The current time in epoch ms, for an HTTP-date `Retry-After`. Defaults to `Date.now`. */
  now?: () => number;
}

const CODE_ACTIONS: ReadonlySet<string> = new Set(['retry', 'unknown', 'fail', 'none']);
const MAX_NAME = 64;

/**
 * `@smithy/node-http-handler` rejects a connection that was never established with a
 * `TimeoutError` whose message starts like this (`set-connection-timeout.ts`): nothing was sent.
 */
const CONNECTION_TIMEOUT_MESSAGE = 'Socket timed out without establishing a connection';
const CONNECTION_TIMEOUT: Verdict = /* @__PURE__ */ Object.freeze({
  action: 'retry',
  reason: 'aws:connection-timeout',
});
const ABORTED: Verdict = /* @__PURE__ */ Object.freeze({ action: 'fail', reason: 'aws:aborted' });

/**
 * Classifies AWS SDK for JavaScript v3 errors (`ServiceException` and its subclasses, such as
 * `S3ServiceException` and `NoSuchKey`), in this order:
 *
 * 1. `codes` overrides;
 * 2. `$metadata.clockSkewCorrected` (the SDK fixed its clock): `retry`;
 * 3. throttling: a throttling code (`ThrottlingException`, `SlowDown`, `RequestLimitExceeded`...),
 *    `$retryable.throttling`, or HTTP 429: `retry`, honouring `x-amz-retry-after` (ms) or
 *    `retry-after` from the hidden `$response`;
 * 4. any other `$retryable` (the service modelled the error as retryable): `retry`;
 * 5. known codes: `RequestTimeout`, `ServiceUnavailable` `retry`; `InternalError`,
 *    `TimeoutError`, `RequestTimeoutException` `unknown`; `AccessDenied`, `NoSuchKey`,
 *    `ValidationException`, `InvalidParameter*`, `ExpiredToken`... `fail`;
 * 6. `$metadata.httpStatusCode` as in `httpClassifier` (500, 502, 503, 504 and other 5xx
 *    `unknown`, 408/425/429 `retry`, other 4xx `fail`), then `$fault` (`client` fail, `server`
 *    unknown).
 *
 * Errors raised before a response (no `$metadata.httpStatusCode`) are judged as network failures:
 * a connection never established `retry`, a reset or timeout after sending `unknown`, a caller's
 * abort `fail`. Reasons are `aws:<code>`, `aws:throttling:<code>`, `aws:retryable:<code>`,
 * `aws:clock-skew:<code>`, `aws:connection-timeout`, `network:<code>` and `aws:aborted`. It never
 * judges returned values. Never throws.
 *
 * The SDK retries on its own first (3 attempts by default): give the client `maxAttempts: 1` to
 * leave retrying to tenacious. When the error shows that the SDK made more than one attempt
 * (`$metadata.attempts`), the verdict carries `clientRetried` and the run logs one warning per
 * operation naming that setting.
 *
 * @example
 * ```ts
 * import { S3Client, GetObjectCommand } from '@aws-sdk/client-s3';
 * import { retry } from 'tenacious';
 * import { awsClassifier } from 'tenacious/aws';
 *
 * const s3 = new S3Client({ maxAttempts: 1 }); // tenacious does the retrying
 * const object = await retry(({ signal }) => s3.send(new GetObjectCommand(input), { abortSignal: signal }), {
 *   classify: awsClassifier(),
 * });
 * ```
 */
export function awsClassifier(options?: AwsClassifierOptions): Classifier {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError(`awsClassifier: expected an options object, got ${describeValue(options)}`);
  }
  const now = options?.now ?? Date.now;
  if (typeof now !== 'function') {
    throw new TypeError(
      `\`now\`: expected a function returning epoch ms, got ${describeValue(now)}`,
    );
  }
  const overrides = compileCodes(options?.codes);
  const statusActions = compileStatusActions(options?.statuses, 'statuses');

  const verdict = (action: AwsErrorAction, reason: string, item: unknown): Verdict => {
    if (action === 'fail') return { action, reason };
    const retryAfterMs = retryAfterOf(item, now);
    return verdictOf(action, reason, retryAfterMs);
  };

  const judgeServiceError = (item: unknown): Verdict | undefined => {
    const name = (stringField(item, 'name') ?? 'UnknownError').slice(0, MAX_NAME);
    const override = overrides.get(name);
    if (override !== undefined)
      return override === 'none' ? undefined : verdict(override, `aws:${name}`, item);
    const metadata = safeGet(item, '$metadata');
    if (safeGet(metadata, 'clockSkewCorrected') === true)
      return verdict('retry', `aws:clock-skew:${name}`, item);
    if (AWS_THROTTLING_CODES.has(name)) return verdict('retry', `aws:${name}`, item);
    // Smithy's @retryable trait: the service says a retry is safe (isRetryableByTrait).
    const retryable = safeGet(item, '$retryable');
    if (retryable !== undefined) {
      const throttling = safeGet(retryable, 'throttling') === true;
      return verdict('retry', `aws:${throttling ? 'throttling' : 'retryable'}:${name}`, item);
    }
    const status = asHttpStatus(safeGet(metadata, 'httpStatusCode'));
    // HTTP 429 is throttling whatever the code (smithy isThrottlingError).
    if (status === 429) return verdict('retry', `aws:throttling:${name}`, item);
    const known = AWS_ERROR_CODES[name];
    if (known !== undefined) return verdict(known, `aws:${name}`, item);
    if (AWS_FAIL_PREFIXES.some((prefix) => name.startsWith(prefix)))
      return { action: 'fail', reason: `aws:${name}` };
    const byStatus = status === undefined ? undefined : statusActions[status];
    if (byStatus !== undefined) return verdict(byStatus, `aws:${name}`, item);
    const fault = safeGet(item, '$fault');
    if (fault === 'client') return { action: 'fail', reason: `aws:${name}` };
    if (fault === 'server') return verdict('unknown', `aws:${name}`, item);
    return undefined;
  };

  const judge = (error: object): Verdict | undefined => {
    const chain = causeChain(error);
    for (const item of chain) {
      if (isServiceError(item)) return judgeServiceError(item);
    }
    for (const item of chain) {
      if (
        stringField(item, 'name') === 'TimeoutError' &&
        stringField(item, 'message')?.startsWith(CONNECTION_TIMEOUT_MESSAGE) === true
      ) {
        return CONNECTION_TIMEOUT;
      }
    }
    const network = findNetworkFailure(error);
    if (network !== undefined) {
      return {
        action: network.kind === 'before-send' ? 'retry' : 'unknown',
        reason: `network:${network.token}`,
      };
    }
    return isAbortFailure(error) ? ABORTED : undefined;
  };

  return markErrorOnly((outcome: Outcome): Verdict | undefined => {
    if (outcome.ok) return undefined;
    const error = outcome.error;
    if (error === null || typeof error !== 'object') return undefined;
    // The SDK retried by itself first (`$metadata.attempts` > 1): say so on the verdict.
    return withClientRetries(judge(error), error);
  });
}

/**
 * A service's answer: smithy's `ServiceException.isInstance` (a `$fault` of `client` or `server`
 * and a `$metadata`), or any error whose `$metadata` carries an HTTP status. The retry middleware
 * also adds `$metadata` (attempts, delays) to network errors, without a status or `$fault`.
 */
function isServiceError(item: unknown): boolean {
  const metadata = safeGet(item, '$metadata');
  if (metadata === null || typeof metadata !== 'object') return false;
  const fault = safeGet(item, '$fault');
  return (
    fault === 'client' ||
    fault === 'server' ||
    asHttpStatus(safeGet(metadata, 'httpStatusCode')) !== undefined
  );
}

/**
 * The server-requested delay: `x-amz-retry-after` (milliseconds) or `retry-after` (seconds or an
 * HTTP-date), read from the raw response the SDK hides on the error as `$response`
 * (`@smithy/middleware-serde` deserializerMiddleware). Sources: peers.md, AWS SDK v3 section.
 */
function retryAfterOf(item: unknown, now: () => number): number | undefined {
  const headers = safeGet(safeGet(item, '$response'), 'headers');
  if (headers === null || typeof headers !== 'object') return undefined;
  const amz = headerValue(headers, 'x-amz-retry-after');
  if (amz !== undefined && /^\d+$/.test(amz.trim())) return Number(amz.trim());
  const standard = headerValue(headers, 'retry-after');
  if (standard === undefined) return undefined;
  let nowMs: number;
  try {
    nowMs = now();
  } catch {
    nowMs = Date.now();
  }
  return parseRetryAfter(standard, nowMs);
}

function compileCodes(codes: unknown): ReadonlyMap<string, AwsErrorAction | 'none'> {
  const map = new Map<string, AwsErrorAction | 'none'>();
  if (codes === undefined) return map;
  if (codes === null || typeof codes !== 'object' || Array.isArray(codes)) {
    throw new TypeError(
      `\`codes\`: expected an object from error code to action, got ${describeValue(codes)}`,
    );
  }
  for (const [code, action] of Object.entries(codes)) {
    if (typeof action !== 'string' || !CODE_ACTIONS.has(action)) {
      throw new TypeError(
        `\`codes.${code}\`: expected 'retry', 'unknown', 'fail' or 'none', got ${describeValue(action)}`,
      );
    }
    map.set(code, action as AwsErrorAction | 'none');
  }
  return map;
}

// Passing `awsClassifier` uncalled as `classify` is refused with a message saying to call it.
markClassifierFactory(awsClassifier);
