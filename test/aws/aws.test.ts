import { fc, test } from '../helpers/property.js';
import { describe, expect, it } from 'vitest';
import { AWS_THROTTLING_CODES, awsClassifier } from '../../src/aws/index.js';
import { UnknownOutcomeError, constant, none, retry, type Outcome } from '../../src/index.js';
import { instantClock } from '../../src/testing/index.js';
import {
  CodedThrottlingError,
  DynamoDBServiceException,
  NoSuchKey,
  ProvisionedThroughputExceededException,
  RetryableError,
  S3ServiceException,
  handlerTimeout,
  metadata,
  unmodelled,
  withResponse,
} from './sdk-shapes.js';

const classify = awsClassifier();
const thrown = (error: unknown): Outcome => ({ ok: false, error });

describe('awsClassifier: throttling', () => {
  it.each([...AWS_THROTTLING_CODES])('retries %s', (code) => {
    expect(classify(thrown(unmodelled(S3ServiceException, code, 400)))).toEqual({
      action: 'retry',
      reason: `aws:${code}`,
    });
  });

  it('retries a modelled ProvisionedThroughputExceededException', () => {
    const error = new ProvisionedThroughputExceededException({
      $metadata: metadata(400),
      message: 'Rate exceeded',
    });
    expect(classify(thrown(error))).toEqual({
      action: 'retry',
      reason: 'aws:ProvisionedThroughputExceededException',
    });
  });

  it('retries S3 SlowDown (503) after its Retry-After', () => {
    const error = withResponse(unmodelled(S3ServiceException, 'SlowDown', 503), 503, {
      'retry-after': '2',
    });
    expect(classify(thrown(error))).toEqual({
      action: 'retry',
      reason: 'aws:SlowDown',
      retryAfterMs: 2000,
    });
  });

  it('prefers x-amz-retry-after (milliseconds) over retry-after', () => {
    const error = withResponse(unmodelled(S3ServiceException, 'ThrottlingException', 400), 400, {
      'x-amz-retry-after': '1500',
      'retry-after': '9',
    });
    expect(classify(thrown(error))).toEqual({
      action: 'retry',
      reason: 'aws:ThrottlingException',
      retryAfterMs: 1500,
    });
  });

  it('retries an error with $retryable.throttling, saying throttling', () => {
    const error = new CodedThrottlingError({ $metadata: metadata(400) });
    expect(classify(thrown(error))).toEqual({
      action: 'retry',
      reason: 'aws:throttling:CodedThrottlingError',
    });
  });

  it('retries any HTTP 429 as throttling', () => {
    expect(classify(thrown(unmodelled(DynamoDBServiceException, 'Whatever', 429)))).toEqual({
      action: 'retry',
      reason: 'aws:throttling:Whatever',
    });
  });
});

describe('awsClassifier: transient and server errors', () => {
  it('retries an error with a plain $retryable trait', () => {
    expect(classify(thrown(new RetryableError({ $metadata: metadata(500) })))).toEqual({
      action: 'retry',
      reason: 'aws:retryable:RetryableError',
    });
  });

  it('retries an error after the SDK corrected its clock skew', () => {
    const error = unmodelled(S3ServiceException, 'RequestTimeTooSkewed', 403, {
      clockSkewCorrected: true,
    });
    expect(classify(thrown(error))).toEqual({
      action: 'retry',
      reason: 'aws:clock-skew:RequestTimeTooSkewed',
    });
  });

  it('fails on RequestTimeTooSkewed when the SDK did not correct its clock', () => {
    expect(classify(thrown(unmodelled(S3ServiceException, 'RequestTimeTooSkewed', 403)))).toEqual({
      action: 'fail',
      reason: 'aws:RequestTimeTooSkewed',
    });
  });

  it.each([
    ['RequestTimeout', 400, 'retry'],
    ['ServiceUnavailable', 503, 'retry'],
    ['ServiceUnavailableException', 503, 'retry'],
    ['InternalError', 500, 'unknown'],
    ['InternalFailure', 500, 'unknown'],
    ['InternalServerError', 500, 'unknown'],
    ['RequestTimeoutException', 408, 'unknown'],
  ])('gives %s (HTTP %d) the verdict %s', (code, status, action) => {
    expect(classify(thrown(unmodelled(S3ServiceException, code, status)))).toEqual({
      action,
      reason: `aws:${code}`,
    });
  });

  it.each([
    [500, 'unknown'],
    [502, 'unknown'],
    [503, 'unknown'], // a 503 may follow execution (tenacious/http); SlowDown and throttling codes retry
    [504, 'unknown'],
    [507, 'unknown'],
    [501, 'fail'],
  ])('judges an unknown code by its HTTP %d: %s', (status, action) => {
    expect(classify(thrown(unmodelled(DynamoDBServiceException, 'SomethingOdd', status)))).toEqual({
      action,
      reason: 'aws:SomethingOdd',
    });
  });

  it('judges a server fault without a status unknown', () => {
    const error = new DynamoDBServiceException({
      name: 'Mystery',
      $fault: 'server',
      $metadata: {},
    });
    expect(classify(thrown(error))).toEqual({ action: 'unknown', reason: 'aws:Mystery' });
  });
});

describe('awsClassifier: permanent errors', () => {
  it.each(['constructor', 'valueOf', 'toString', 'hasOwnProperty'])(
    'judges an error named %s by its status, not by a method of Object',
    (name) => {
      expect(classify(thrown(unmodelled(S3ServiceException, name, 403)))).toEqual({
        action: 'fail',
        reason: `aws:${name}`,
      });
    },
  );

  it('fails on a modelled NoSuchKey', () => {
    expect(
      classify(
        thrown(
          new NoSuchKey({ $metadata: metadata(404), message: 'The specified key does not exist.' }),
        ),
      ),
    ).toEqual({
      action: 'fail',
      reason: 'aws:NoSuchKey',
    });
  });

  it.each([
    ['AccessDenied', 403],
    ['AccessDeniedException', 400],
    ['NoSuchBucket', 404],
    ['ValidationException', 400],
    ['InvalidParameterValue', 400],
    ['InvalidParameterCombination', 400],
    ['UnrecognizedClientException', 400],
    ['ExpiredToken', 400],
    ['ExpiredTokenException', 400],
    ['SignatureDoesNotMatch', 403],
  ])('fails on %s', (code, status) => {
    expect(classify(thrown(unmodelled(S3ServiceException, code, status)))).toEqual({
      action: 'fail',
      reason: `aws:${code}`,
    });
  });

  it('fails on an unknown client fault', () => {
    expect(
      classify(thrown(unmodelled(S3ServiceException, 'BucketAlreadyOwnedByYou', 409))),
    ).toEqual({
      action: 'fail',
      reason: 'aws:BucketAlreadyOwnedByYou',
    });
  });

  it('ignores Retry-After on a fail verdict', () => {
    const error = withResponse(unmodelled(S3ServiceException, 'AccessDenied', 403), 403, {
      'retry-after': '5',
    });
    expect(classify(thrown(error))).toEqual({ action: 'fail', reason: 'aws:AccessDenied' });
  });
});

describe('awsClassifier: failures before a response', () => {
  it('retries a connection the SDK never established (connection timeout)', () => {
    const error = handlerTimeout(
      'Socket timed out without establishing a connection within 1000 ms',
    );
    expect(classify(thrown(error))).toEqual({ action: 'retry', reason: 'aws:connection-timeout' });
  });

  it('judges the SDK request timeout unknown', () => {
    const error = handlerTimeout(
      '@smithy/node-http-handler - [ERROR] a request has exceeded the configured 1000 ms requestTimeout.',
      'ETIMEDOUT',
    );
    expect(classify(thrown(error))).toEqual({ action: 'unknown', reason: 'network:ETIMEDOUT' });
  });

  it('judges the SDK socket timeout unknown', () => {
    expect(classify(thrown(handlerTimeout('Connection timed out after 1000 ms')))).toEqual({
      action: 'unknown',
      reason: 'network:TimeoutError',
    });
  });

  it('retries ECONNREFUSED', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), {
      code: 'ECONNREFUSED',
      syscall: 'connect',
      $metadata: { attempts: 1, totalRetryDelay: 0 },
    });
    expect(classify(thrown(error))).toEqual({ action: 'retry', reason: 'network:ECONNREFUSED' });
  });

  it('judges ECONNRESET unknown', () => {
    const error = Object.assign(new Error('socket hang up'), {
      code: 'ECONNRESET',
      $metadata: { attempts: 1 },
    });
    expect(classify(thrown(error))).toEqual({ action: 'unknown', reason: 'network:ECONNRESET' });
  });

  it('says the SDK retried a network failure by itself ($metadata.attempts 3)', () => {
    const error = Object.assign(new Error('socket hang up'), {
      code: 'ECONNRESET',
      $metadata: { attempts: 3, totalRetryDelay: 350 },
    });
    expect(classify(thrown(error))).toEqual({
      action: 'unknown',
      reason: 'network:ECONNRESET',
      clientRetried: { attempts: 3, setting: 'AWS SDK client option `maxAttempts: 1`' },
    });
  });

  it('fails on a caller abort', () => {
    const error = Object.assign(new Error('Request aborted'), { name: 'AbortError' });
    expect(classify(thrown(error))).toEqual({ action: 'fail', reason: 'aws:aborted' });
  });

  it.each([
    ['a plain Error', new Error('boom')],
    ['a string', 'boom'],
    ['null', null],
  ])('gives no verdict on %s', (_what, error) => {
    expect(classify(thrown(error))).toBeUndefined();
  });

  it('never judges returned values', () => {
    expect(
      classify({ ok: true, value: unmodelled(S3ServiceException, 'SlowDown', 503) }),
    ).toBeUndefined();
  });
});

describe('awsClassifier: options', () => {
  it('lets `codes` override any built-in rule', () => {
    const custom = awsClassifier({ codes: { InternalError: 'retry', SlowDown: 'none' } });
    expect(custom(thrown(unmodelled(S3ServiceException, 'InternalError', 500)))).toEqual({
      action: 'retry',
      reason: 'aws:InternalError',
    });
    expect(custom(thrown(unmodelled(S3ServiceException, 'SlowDown', 503)))).toBeUndefined();
  });

  it('lets `statuses` change the verdict for unknown codes', () => {
    const custom = awsClassifier({ statuses: { 500: 'retry' } });
    expect(custom(thrown(unmodelled(S3ServiceException, 'SomethingOdd', 500)))).toEqual({
      action: 'retry',
      reason: 'aws:SomethingOdd',
    });
  });

  it('reads an HTTP-date Retry-After against `now`', () => {
    const now = Date.UTC(2026, 0, 1);
    const custom = awsClassifier({ now: () => now });
    const error = withResponse(unmodelled(S3ServiceException, 'SlowDown', 503), 503, {
      'retry-after': 'Thu, 01 Jan 2026 00:00:04 GMT',
    });
    expect(custom(thrown(error))).toEqual({
      action: 'retry',
      reason: 'aws:SlowDown',
      retryAfterMs: 4000,
    });
  });

  it('throws a TypeError naming the code for an unknown action', () => {
    expect(() => awsClassifier({ codes: { SlowDown: 'wait' as never } })).toThrow(
      new TypeError(
        "`codes.SlowDown`: expected 'retry', 'unknown', 'fail' or 'none', got \"wait\"",
      ),
    );
  });

  it('throws a TypeError for codes that are not an object', () => {
    expect(() => awsClassifier({ codes: ['SlowDown'] as never })).toThrow(
      new TypeError('`codes`: expected an object from error code to action, got an array of 1'),
    );
  });

  it('throws a TypeError for options that are not an object', () => {
    expect(() => awsClassifier(1 as never)).toThrow(
      new TypeError('awsClassifier: expected an options object, got 1'),
    );
  });
});

describe('awsClassifier in a retry run', () => {
  it('retries S3 SlowDown after its Retry-After and resolves', async () => {
    const clock = instantClock();
    let calls = 0;
    const result = await retry(
      async () => {
        calls++;
        if (calls === 1)
          throw withResponse(unmodelled(S3ServiceException, 'SlowDown', 503), 503, {
            'retry-after': '3',
          });
        return { ETag: '"abc"' };
      },
      { classify: awsClassifier(), clock, backoff: constant(100) },
    );
    expect(result).toEqual({ ETag: '"abc"' });
    expect(calls).toBe(2);
    expect(clock.sleeps).toEqual([3000]);
  });

  it('rejects with NoSuchKey itself after one attempt', async () => {
    const error = new NoSuchKey({ $metadata: metadata(404) });
    let calls = 0;
    const run = retry(
      async () => {
        calls++;
        throw error;
      },
      { classify: awsClassifier(), clock: instantClock() },
    );
    await expect(run).rejects.toBe(error);
    expect(calls).toBe(1);
  });

  it('rejects with UnknownOutcomeError on an InternalError of a non-idempotent call', async () => {
    const run = retry(
      async () => {
        throw unmodelled(DynamoDBServiceException, 'InternalServerError', 500);
      },
      { classify: awsClassifier(), clock: instantClock(), idempotent: false, backoff: none },
    );
    await expect(run).rejects.toBeInstanceOf(UnknownOutcomeError);
  });
});

describe('awsClassifier never throws', () => {
  test.prop([fc.anything()])('on any thrown value', (error) => {
    expect(() => classify({ ok: false, error })).not.toThrow();
  });

  test.prop([
    fc.record(
      {
        name: fc.oneof(fc.constantFrom('SlowDown', 'NoSuchKey', 'TimeoutError'), fc.anything()),
        $fault: fc.oneof(fc.constantFrom('client', 'server'), fc.anything()),
        $metadata: fc.oneof(
          fc.record({ httpStatusCode: fc.anything(), clockSkewCorrected: fc.anything() }),
          fc.anything(),
        ),
        $retryable: fc.anything(),
        $response: fc.oneof(
          fc.record({ headers: fc.dictionary(fc.string(), fc.anything()) }),
          fc.anything(),
        ),
        message: fc.anything(),
        cause: fc.anything(),
      },
      { requiredKeys: [] },
    ),
  ])('on ServiceException-like shapes with arbitrary fields', (error) => {
    expect(() => classify({ ok: false, error })).not.toThrow();
  });
});
