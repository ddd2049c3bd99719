/**
 * Hand-built stand-ins for AWS SDK for JavaScript v3 errors, kept as extra unit cases for what the
 * local S3 cannot make the real SDK raise (other services' modelled errors, `$retryable` traits,
 * clock-skew corrections, handler timeouts). The real SDK's exceptions are in s3-sdk.test.ts.
 * These follow the published source:
 *
 * - `ServiceException` mirrors `@smithy/smithy-client` `src/exceptions.ts`: it extends `Error`,
 *   resets its prototype, and sets `name`, `$fault`, `$metadata`, `$retryable` and `$response`
 *   from its options.
 * - Each service has a base class (`S3ServiceException`, `DynamoDBServiceException`); each
 *   modelled error extends it with a fixed `name` and `$fault`, as smithy-typescript generates.
 *   An error the model marks `@retryable` gets `$retryable = { throttling }`.
 * - Unmodelled errors are instances of the service base class named after the error code
 *   (smithy `throwDefaultError`), `$fault` `server` for 5xx and `client` otherwise.
 * - The deserializer middleware hides the raw response on the error with
 *   `Object.defineProperty(error, '$response', { value: response })`
 *   (`@smithy/middleware-serde` `deserializerMiddleware.ts`).
 * - `@smithy/node-http-handler` raises its timeouts as plain `Error`s renamed `TimeoutError`
 *   (`set-connection-timeout.ts`, `set-socket-timeout.ts`, `set-request-timeout.ts`), and the
 *   retry middleware adds `$metadata` (attempts, totalRetryDelay) to whatever it rethrows.
 */

export interface ResponseMetadata {
  httpStatusCode?: number;
  requestId?: string;
  extendedRequestId?: string;
  cfId?: string;
  attempts?: number;
  totalRetryDelay?: number;
  clockSkewCorrected?: boolean;
}

export interface HttpResponse {
  statusCode: number;
  reason?: string;
  headers: Record<string, string>;
  body?: unknown;
}

interface ServiceExceptionOptions {
  name: string;
  $fault: 'client' | 'server';
  $metadata: ResponseMetadata;
  $retryable?: { throttling?: boolean };
  $response?: HttpResponse;
  message?: string;
}

export class ServiceException extends Error {
  readonly $fault: 'client' | 'server';
  $response?: HttpResponse;
  $retryable?: { throttling?: boolean };
  $metadata: ResponseMetadata;

  constructor(options: ServiceExceptionOptions) {
    super(options.message);
    Object.setPrototypeOf(this, Object.getPrototypeOf(this).constructor.prototype);
    this.name = options.name;
    this.$fault = options.$fault;
    this.$metadata = options.$metadata;
    this.$retryable = options.$retryable;
    this.$response = options.$response;
  }
}

export class S3ServiceException extends ServiceException {
  constructor(options: ServiceExceptionOptions) {
    super(options);
    Object.setPrototypeOf(this, S3ServiceException.prototype);
  }
}

export class DynamoDBServiceException extends ServiceException {
  constructor(options: ServiceExceptionOptions) {
    super(options);
    Object.setPrototypeOf(this, DynamoDBServiceException.prototype);
  }
}

type ModelledOptions = { $metadata: ResponseMetadata; message?: string };

/** S3 `NoSuchKey` (modelled, HTTP 404). */
export class NoSuchKey extends S3ServiceException {
  override readonly name = 'NoSuchKey';
  override readonly $fault = 'client';
  constructor(opts: ModelledOptions) {
    super({ name: 'NoSuchKey', $fault: 'client', ...opts });
    Object.setPrototypeOf(this, NoSuchKey.prototype);
  }
}

/** DynamoDB `ProvisionedThroughputExceededException` (modelled, HTTP 400). */
export class ProvisionedThroughputExceededException extends DynamoDBServiceException {
  override readonly name = 'ProvisionedThroughputExceededException';
  override readonly $fault = 'client';
  constructor(opts: ModelledOptions) {
    super({ name: 'ProvisionedThroughputExceededException', $fault: 'client', ...opts });
    Object.setPrototypeOf(this, ProvisionedThroughputExceededException.prototype);
  }
}

/** A modelled error with the `@retryable(throttling: true)` trait (smithy-typescript codegen). */
export class CodedThrottlingError extends DynamoDBServiceException {
  override readonly name = 'CodedThrottlingError';
  override readonly $fault = 'client';
  override $retryable = { throttling: true };
  constructor(opts: ModelledOptions) {
    super({ name: 'CodedThrottlingError', $fault: 'client', ...opts });
    Object.setPrototypeOf(this, CodedThrottlingError.prototype);
  }
}

/** A modelled error with a plain `@retryable` trait. */
export class RetryableError extends DynamoDBServiceException {
  override readonly name = 'RetryableError';
  override readonly $fault = 'server';
  override $retryable = {};
  constructor(opts: ModelledOptions) {
    super({ name: 'RetryableError', $fault: 'server', ...opts });
    Object.setPrototypeOf(this, RetryableError.prototype);
  }
}

/** The metadata the SDK records for a response (one attempt, no retry delay). */
export function metadata(
  httpStatusCode: number,
  extra: Partial<ResponseMetadata> = {},
): ResponseMetadata {
  return {
    httpStatusCode,
    requestId: 'KQ3ZR8XQK0P4E1HT',
    extendedRequestId: 'x7Lh3m5ZlN0t5Yc9d6O1y2vJ1y2T0ZcX6b0pQ7hV=',
    cfId: undefined,
    attempts: 1,
    totalRetryDelay: 0,
    ...extra,
  };
}

/**
 * An unmodelled error as `throwDefaultError` builds it: the service base class, named after the
 * error code, `$fault` from the status.
 */
export function unmodelled(
  Base: typeof S3ServiceException | typeof DynamoDBServiceException,
  code: string,
  status: number,
  extra: Partial<ResponseMetadata> = {},
): ServiceException {
  return new Base({
    name: code,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: metadata(status, extra),
    message: code,
  });
}

/** Hides the raw response on the error, as the deserializer middleware does. */
export function withResponse<E extends Error>(
  error: E,
  statusCode: number,
  headers: Record<string, string>,
): E {
  Object.defineProperty(error, '$response', { value: { statusCode, headers, body: undefined } });
  return error;
}

/** A `@smithy/node-http-handler` timeout, with the `$metadata` the retry middleware adds. */
export function handlerTimeout(message: string, code?: string): Error {
  const error = Object.assign(
    new Error(message),
    { name: 'TimeoutError' },
    code === undefined ? {} : { code },
  );
  return Object.assign(error, { $metadata: { attempts: 1, totalRetryDelay: 0 } });
}
