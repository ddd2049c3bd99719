import { lookupTable } from '../core/table.js';

/**
 * AWS error codes (the `name` of an AWS SDK v3 `ServiceException`) and what a retry should do
 * with them.
 */

/** What an AWS error code means for a retry. */
export type AwsErrorAction = 'retry' | 'unknown' | 'fail';

/**
 * Throttling codes: the service refused the request because of its rate, so it did nothing and
 * the same request succeeds later. Source: `THROTTLING_ERROR_CODES` of
 * `@smithy/service-error-classification` (smithy-lang/smithy-typescript
 * `packages/service-error-classification/src/constants.ts`), which the SDK's standard retry
 * strategy retries with a 500 ms base delay. `PriorRequestNotComplete` (Route 53) and
 * `TransactionInProgressException` (DynamoDB) are on that list too.
 */
export const AWS_THROTTLING_CODES: ReadonlySet<string> = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);

/**
 * Other codes with a fixed meaning. Throttling codes are in {@link AWS_THROTTLING_CODES}; codes
 * in neither table are judged by HTTP status, then by `$fault`.
 */
export const AWS_ERROR_CODES: Readonly<Record<string, AwsErrorAction>> =
  /* @__PURE__ */ lookupTable({
    // No prototype (lookupTable): a name such as `constructor` must not find Object's methods.
    // Transient codes (smithy `TRANSIENT_ERROR_CODES`).
    // S3 RequestTimeout (HTTP 400): "Your socket connection to the server was not read from or
    // written to within the timeout period": the server never got the whole request.
    RequestTimeout: 'retry',
    // A service-side timeout of a request the service had received (judgement: it may have acted).
    RequestTimeoutException: 'unknown',
    // The SDK's own request or socket timeout (`@smithy/node-http-handler` names it TimeoutError):
    // the request was sent. Its connection timeout, which means nothing was sent, is told apart
    // by its message (see the classifier).
    TimeoutError: 'unknown',

    // Server errors by code (S3 "Error responses"; "Common errors" of the AWS API references).
    // 500: the service failed while handling the request, possibly after acting on it.
    InternalError: 'unknown',
    InternalFailure: 'unknown',
    InternalServerError: 'unknown',
    InternalServerException: 'unknown',
    InternalServiceError: 'unknown',
    InternalServiceException: 'unknown',
    // 503: the service could not take the request (RFC 9110 §15.6.4); S3 asks to "reduce your
    // request rate".
    ServiceUnavailable: 'retry',
    ServiceUnavailableException: 'retry',

    // Clock skew (smithy `CLOCK_SKEW_ERROR_CODES`). The SDK corrects its clock offset from the
    // response's `Date` and marks the error `$metadata.clockSkewCorrected`; only then does sending
    // again help (the classifier retries those). Otherwise: wrong credentials, or a clock the SDK
    // did not correct.
    AuthFailure: 'fail',
    InvalidSignatureException: 'fail',
    RequestExpired: 'fail',
    RequestInTheFuture: 'fail',
    RequestTimeTooSkewed: 'fail',
    SignatureDoesNotMatch: 'fail',

    // Permanent: the same request gets the same answer ("Common errors"; S3 "Error responses").
    AccessDenied: 'fail',
    AccessDeniedException: 'fail',
    ConditionalCheckFailedException: 'fail',
    ExpiredToken: 'fail',
    ExpiredTokenException: 'fail',
    IncompleteSignature: 'fail',
    InvalidAccessKeyId: 'fail',
    InvalidAction: 'fail',
    InvalidClientTokenId: 'fail',
    MalformedQueryString: 'fail',
    MissingAction: 'fail',
    MissingAuthenticationToken: 'fail',
    MissingParameter: 'fail',
    NoSuchBucket: 'fail',
    NoSuchKey: 'fail',
    NoSuchUpload: 'fail',
    NoSuchVersion: 'fail',
    NotAuthorized: 'fail',
    OptInRequired: 'fail',
    ResourceNotFoundException: 'fail',
    UnauthorizedOperation: 'fail',
    UnrecognizedClientException: 'fail',
    ValidationError: 'fail',
    ValidationException: 'fail',
  });

/**
 * Code prefixes that are permanent: `InvalidParameterValue`, `InvalidParameterCombination`,
 * `InvalidParameterException` and the like ("Common errors": HTTP 400).
 */
export const AWS_FAIL_PREFIXES: readonly string[] = /* @__PURE__ */ Object.freeze([
  'InvalidParameter',
]);
