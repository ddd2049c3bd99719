import {
  AccessDenied,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NoSuchUpload,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  startLocalS3,
  type LocalS3,
  type S3Fault,
  type S3Operation,
} from '../../examples/support/s3-server.js';
import { awsClassifier, awsPresets } from '../../src/aws/index.js';
import {
  RetryExhaustedError,
  UnknownOutcomeError,
  retry,
  type RetryEvent,
  type Verdict,
} from '../../src/index.js';
import { instantClock } from '../../src/testing/index.js';
import { captureLogger } from '../helpers/log-capture.js';

/**
 * The real `@aws-sdk/client-s3` (and `@aws-sdk/lib-storage`) against a local S3 on 127.0.0.1
 * (examples/support/s3-server.ts): every verdict here is about an exception the SDK itself
 * raised from S3's REST and XML error protocol, and requests are counted server-side.
 */

// The SDK warns once per process on Node 20 that its 2027 releases need Node 22.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3();
});
afterAll(async () => {
  await s3.close();
});

/** The configuration the docs recommend: the SDK makes one attempt and tenacious retries. */
function client(config: S3ClientConfig = {}): S3Client {
  return new S3Client({
    endpoint: s3.url,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test-access-key', secretAccessKey: 'test-secret-key' },
    maxAttempts: 1,
    ...config,
  });
}

const classify = awsClassifier();
const BUCKET = 'pipeline';
/** Two parts for lib-storage (its minimum part size is 5 MiB). */
const MULTIPART_BODY = Buffer.alloc(6 * 1024 * 1024, 7);

/** Sends one request with `fault` injected and returns what the SDK threw. */
async function thrownBy(
  operation: S3Operation,
  fault: S3Fault | undefined,
  send: (s3Client: S3Client) => Promise<unknown>,
): Promise<unknown> {
  if (fault !== undefined) s3.inject(operation, fault);
  try {
    await send(client());
  } catch (error) {
    return error;
  }
  throw new Error(`${operation} did not fail`);
}

const put =
  (key: string, body: string | Buffer = 'row,1\n') =>
  (c: S3Client) =>
    c.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));

describe('awsClassifier on the real S3 client exceptions', () => {
  let before: number;
  beforeEach(() => {
    before = s3.requests.length;
  });
  /** Each case made exactly one request: the client's own retries are off. */
  const requestsMade = () => s3.requests.length - before;

  it.each<[string, S3Fault, Verdict]>([
    ['SlowDown', 'SlowDown', { action: 'retry', reason: 'aws:SlowDown' }],
    [
      'SlowDown with Retry-After: 3',
      { code: 'SlowDown', retryAfterSeconds: 3 },
      { action: 'retry', reason: 'aws:SlowDown', retryAfterMs: 3000 },
    ],
    ['InternalError', 'InternalError', { action: 'unknown', reason: 'aws:InternalError' }],
    ['RequestTimeout', 'RequestTimeout', { action: 'retry', reason: 'aws:RequestTimeout' }],
    [
      'ServiceUnavailable',
      'ServiceUnavailable',
      { action: 'retry', reason: 'aws:ServiceUnavailable' },
    ],
    ['AccessDenied', 'AccessDenied', { action: 'fail', reason: 'aws:AccessDenied' }],
    ['ExpiredToken', 'ExpiredToken', { action: 'fail', reason: 'aws:ExpiredToken' }],
  ])('PutObject answered %s', async (_name, fault, expected) => {
    const error = await thrownBy('PutObject', fault, put('daily.csv'));
    expect(error).toBeInstanceOf(S3ServiceException);
    expect(classify({ ok: false, error })).toEqual(expected);
    expect(requestsMade()).toBe(1);
  });

  it('raises the modelled AccessDenied class for a 403 AccessDenied', async () => {
    const error = await thrownBy('PutObject', 'AccessDenied', put('daily.csv'));
    expect(error).toBeInstanceOf(AccessDenied);
    expect((error as AccessDenied).$metadata.httpStatusCode).toBe(403);
  });

  it('fails on the modelled NoSuchKey of a GetObject for a missing key', async () => {
    const error = await thrownBy('GetObject', undefined, (c) =>
      c.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'missing.csv' })),
    );
    expect(error).toBeInstanceOf(NoSuchKey);
    expect(classify({ ok: false, error })).toEqual({ action: 'fail', reason: 'aws:NoSuchKey' });
  });

  it('fails on the 404 of a HeadObject, which has no body and so no code (NotFound)', async () => {
    const error = await thrownBy('HeadObject', undefined, (c) =>
      c.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'missing.csv' })),
    );
    expect(classify({ ok: false, error })).toEqual({ action: 'fail', reason: 'aws:NotFound' });
  });

  it('judges a connection reset mid-upload unknown (the bytes may have landed)', async () => {
    const error = await thrownBy('PutObject', 'reset', put('big.bin', Buffer.alloc(1 << 20)));
    const verdict = classify({ ok: false, error });
    expect(verdict?.action).toBe('unknown');
    expect(verdict?.reason).toMatch(/^network:(ECONNRESET|EPIPE)$/);
    expect(requestsMade()).toBe(1);
  });

  it('judges a 200 CompleteMultipartUpload carrying an InternalError unknown', async () => {
    // The SDK reads the <Error> inside the 200 and raises it with status 503
    // (@aws-sdk/middleware-sdk-s3 throw200ExceptionsMiddleware).
    const error = await thrownBy('CompleteMultipartUpload', { errorIn200: 'InternalError' }, (c) =>
      new Upload({
        client: c,
        params: { Bucket: BUCKET, Key: 'mp.bin', Body: MULTIPART_BODY },
      }).done(),
    );
    expect(error).toBeInstanceOf(S3ServiceException);
    expect((error as S3ServiceException).$metadata.httpStatusCode).toBe(503);
    expect(classify({ ok: false, error })).toEqual({
      action: 'unknown',
      reason: 'aws:InternalError',
    });
  });

  it('sets no clientRetried when the SDK made one attempt', async () => {
    const error = await thrownBy('PutObject', 'SlowDown', put('daily.csv'));
    expect((error as S3ServiceException).$metadata.attempts).toBe(1);
    expect(classify({ ok: false, error })).not.toHaveProperty('clientRetried');
  });
});

describe('awsPresets.s3Upload with the real SDK', () => {
  it('retries SlowDown with 1 s doubling plus additive jitter, then stores the object', async () => {
    const key = 'upload/slowdown.csv';
    s3.inject('PutObject', 'SlowDown', 2);
    const before = s3.count('PutObject');
    const clock = instantClock();
    const s3Client = client();
    const result = await retry(
      ({ signal }) =>
        s3Client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'a,b\n1,2\n' }), {
          abortSignal: signal,
        }),
      { ...awsPresets.s3Upload, clock, random: () => 0.5 },
    );
    expect(result.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(s3.count('PutObject') - before).toBe(3);
    expect(clock.sleeps).toEqual([1500, 2500]);
    expect(s3.objects.get(`${BUCKET}/${key}`)?.toString()).toBe('a,b\n1,2\n');
  });

  it('rejects with the SDK AccessDenied itself after one request', async () => {
    s3.inject('PutObject', 'AccessDenied');
    const before = s3.count('PutObject');
    const s3Client = client();
    const run = retry(
      () => s3Client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'x', Body: 'x' })),
      {
        ...awsPresets.s3Upload,
        clock: instantClock(),
      },
    );
    await expect(run).rejects.toBeInstanceOf(AccessDenied);
    expect(s3.count('PutObject') - before).toBe(1);
  });

  it('gives up after 5 attempts of ServiceUnavailable, waiting 1-2, 2-3, 4-5, 8-9 s', async () => {
    s3.inject('PutObject', 'ServiceUnavailable', 5);
    const before = s3.count('PutObject');
    const clock = instantClock();
    const s3Client = client();
    const run = retry(
      () => s3Client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'x', Body: 'x' })),
      {
        ...awsPresets.s3Upload,
        clock,
        random: () => 0,
      },
    );
    await expect(run).rejects.toBeInstanceOf(RetryExhaustedError);
    expect(s3.count('PutObject') - before).toBe(5);
    expect(clock.sleeps).toEqual([1000, 2000, 4000, 8000]);
  });

  it('starts a multipart Upload over after a connection reset mid-part', async () => {
    const key = 'upload/multipart-reset.bin';
    s3.inject('UploadPart', 'reset');
    const counts = () =>
      (
        [
          'CreateMultipartUpload',
          'UploadPart',
          'AbortMultipartUpload',
          'CompleteMultipartUpload',
        ] as const
      ).map((op) => s3.count(op));
    const before = counts();
    const verdicts: string[] = [];
    const s3Client = client();
    await retry(
      () =>
        new Upload({
          client: s3Client,
          params: { Bucket: BUCKET, Key: key, Body: MULTIPART_BODY },
        }).done(),
      {
        ...awsPresets.s3Upload,
        clock: instantClock(),
        onRetry: ({ verdict }) => void verdicts.push(verdict.action),
      },
    );
    expect(verdicts).toEqual(['unknown']);
    const after = counts().map((n, i) => n - before[i]!);
    // Attempt 1: create, two parts (one reset), abort. Attempt 2: create, two parts, complete.
    expect(after).toEqual([2, 4, 1, 1]);
    expect(s3.objects.get(`${BUCKET}/${key}`)?.equals(MULTIPART_BODY)).toBe(true);
  });

  it('retries a whole Upload whose CompleteMultipartUpload came back 200 with an error', async () => {
    const key = 'upload/multipart-200-error.bin';
    s3.inject('CompleteMultipartUpload', { errorIn200: 'InternalError' });
    const before = s3.count('CompleteMultipartUpload');
    const reasons: string[] = [];
    const s3Client = client();
    await retry(
      () =>
        new Upload({
          client: s3Client,
          params: { Bucket: BUCKET, Key: key, Body: MULTIPART_BODY },
        }).done(),
      {
        ...awsPresets.s3Upload,
        clock: instantClock(),
        onRetry: ({ verdict }) => void reasons.push(verdict.reason),
      },
    );
    expect(reasons).toEqual(['aws:InternalError']);
    expect(s3.count('CompleteMultipartUpload') - before).toBe(2);
    expect(s3.objects.get(`${BUCKET}/${key}`)?.equals(MULTIPART_BODY)).toBe(true);
  });
});

describe('awsPresets.s3Download with the real SDK', () => {
  it('retries an InternalError of a GetObject and reads the body inside the attempt', async () => {
    const key = 'download/report.csv';
    s3.objects.set(`${BUCKET}/${key}`, Buffer.from('id,qty\n1,5\n'));
    s3.inject('GetObject', 'InternalError');
    const before = s3.count('GetObject');
    const s3Client = client();
    const text = await retry(
      async ({ signal }) => {
        const object = await s3Client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }), {
          abortSignal: signal,
        });
        return object.Body!.transformToString();
      },
      { ...awsPresets.s3Download, clock: instantClock() },
    );
    expect(text).toBe('id,qty\n1,5\n');
    expect(s3.count('GetObject') - before).toBe(2);
  });

  it('does not retry NoSuchKey', async () => {
    const before = s3.count('GetObject');
    const s3Client = client();
    const run = retry(() => s3Client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'nope' })), {
      ...awsPresets.s3Download,
      clock: instantClock(),
    });
    await expect(run).rejects.toBeInstanceOf(NoSuchKey);
    expect(s3.count('GetObject') - before).toBe(1);
  });
});

describe('CompleteMultipartUpload on its own is not idempotent', () => {
  /** Creates an upload with one uploaded part; returns what CompleteMultipartUpload needs. */
  async function preparedUpload(s3Client: S3Client, key: string) {
    const { UploadId } = await s3Client.send(
      new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }),
    );
    const { ETag } = await s3Client.send(
      new UploadPartCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId,
        PartNumber: 1,
        Body: 'only part',
      }),
    );
    return new CompleteMultipartUploadCommand({
      Bucket: BUCKET,
      Key: key,
      UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] },
    });
  }

  it('after a lost response, a blind retry fails with NoSuchUpload although the object exists', async () => {
    const key = 'complete/blind.bin';
    const s3Client = client();
    const complete = await preparedUpload(s3Client, key);
    s3.inject('CompleteMultipartUpload', { lostResponse: true });
    const run = retry(() => s3Client.send(complete), {
      ...awsPresets.s3Upload,
      clock: instantClock(),
    });
    await expect(run).rejects.toBeInstanceOf(NoSuchUpload);
    expect(s3.objects.get(`${BUCKET}/${key}`)?.toString()).toBe('only part');
  });

  it('with idempotent: false, reconcile finds the object instead', async () => {
    const key = 'complete/reconciled.bin';
    const s3Client = client();
    const complete = await preparedUpload(s3Client, key);
    s3.inject('CompleteMultipartUpload', { lostResponse: true });
    const before = s3.count('CompleteMultipartUpload');
    const result = await retry(() => s3Client.send(complete), {
      ...awsPresets.s3Upload,
      idempotent: false,
      clock: instantClock(),
      reconcile: async () => {
        const head = await s3Client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
        // What Complete would have answered, rebuilt from the object S3 holds.
        return {
          executed: true,
          value: { Bucket: BUCKET, Key: key, ETag: head.ETag, $metadata: head.$metadata },
        };
      },
    });
    expect(result).toMatchObject({ Key: key, ETag: expect.stringMatching(/^"[0-9a-f]{32}"$/) });
    expect(s3.count('CompleteMultipartUpload') - before).toBe(1);
  });

  it('with idempotent: false and no reconcile, rejects with UnknownOutcomeError', async () => {
    const s3Client = client();
    const complete = await preparedUpload(s3Client, 'complete/unreconciled.bin');
    s3.inject('CompleteMultipartUpload', { lostResponse: true });
    const run = retry(() => s3Client.send(complete), {
      ...awsPresets.s3Upload,
      idempotent: false,
      clock: instantClock(),
    });
    await expect(run).rejects.toBeInstanceOf(UnknownOutcomeError);
  });
});

describe('no stacked retries: the SDK and tenacious', () => {
  it('with the recommended maxAttempts: 1 client, maxAttempts: 3 makes exactly 3 requests', async () => {
    s3.inject('PutObject', 'SlowDown', 3);
    const before = s3.count('PutObject');
    const events: RetryEvent[] = [];
    const s3Client = client();
    const run = retry(
      () => s3Client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'x', Body: 'x' })),
      {
        classify: awsClassifier(),
        maxAttempts: 3,
        clock: instantClock(),
        onRetry: (event) => void events.push(event),
      },
    );
    await expect(run).rejects.toMatchObject({ name: 'RetryExhaustedError', attempts: 3 });
    expect(s3.count('PutObject') - before).toBe(3);
    expect(events.map((e) => e.verdict.clientRetried)).toEqual([undefined, undefined]);
  });

  it("with the SDK's own retries on, each attempt costs 3 requests and the verdict says so", async () => {
    // The SDK's standard strategy with its delays set to 0, so that the test does not sleep.
    const { ConfiguredRetryStrategy } = await import('@smithy/core/retry');
    const s3Client = client({
      maxAttempts: undefined,
      retryStrategy: new ConfiguredRetryStrategy(3, () => 0),
    });
    s3.inject('PutObject', 'SlowDown', 6);
    const before = s3.count('PutObject');
    const events: RetryEvent[] = [];
    const run = retry(
      () => s3Client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'x', Body: 'x' })),
      {
        classify: awsClassifier(),
        maxAttempts: 2,
        clock: instantClock(),
        onRetry: (event) => void events.push(event),
      },
    );
    await expect(run).rejects.toBeInstanceOf(RetryExhaustedError);
    expect(s3.count('PutObject') - before).toBe(6);
    expect(events[0]?.verdict).toEqual({
      action: 'retry',
      reason: 'aws:SlowDown',
      clientRetried: { attempts: 3, setting: 'AWS SDK client option `maxAttempts: 1`' },
    });
  });

  it('logs one warning per operation naming the setting, however many runs see it', async () => {
    const { ConfiguredRetryStrategy } = await import('@smithy/core/retry');
    const s3Client = client({
      maxAttempts: undefined,
      retryStrategy: new ConfiguredRetryStrategy(3, () => 0),
    });
    const capture = captureLogger('warn');
    // Two runs of 2 attempts each, every request answered SlowDown: 4 verdicts with clientRetried.
    s3.inject('PutObject', 'SlowDown', 12);
    for (const _run of [1, 2]) {
      await expect(
        retry(() => s3Client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'x', Body: 'x' })), {
          classify: awsClassifier(),
          maxAttempts: 2,
          operation: 's3_put_stacked',
          logger: capture.logger,
          clock: instantClock(),
        }),
      ).rejects.toBeInstanceOf(RetryExhaustedError);
    }
    const warnings = capture.records().filter((r) => r.clientAttempts !== undefined);
    expect(warnings).toEqual([
      expect.objectContaining({
        level: 40,
        operation: 's3_put_stacked',
        clientAttempts: 3,
        setting: 'AWS SDK client option `maxAttempts: 1`',
        msg: 's3_put_stacked: the client already made 3 attempts by itself; turn its retries off (AWS SDK client option `maxAttempts: 1`) so that attempts are not multiplied',
      }),
    ]);
  });

  it('logs no such warning with the recommended maxAttempts: 1 client', async () => {
    const capture = captureLogger('warn');
    s3.inject('PutObject', 'SlowDown', 2);
    const s3Client = client();
    await retry(
      () => s3Client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'x', Body: 'x' })),
      {
        classify: awsClassifier(),
        operation: 's3_put_single',
        logger: capture.logger,
        clock: instantClock(),
      },
    );
    expect(capture.records().filter((r) => r.clientAttempts !== undefined)).toEqual([]);
    expect(capture.records().map((r) => r.reason)).toEqual(['aws:SlowDown', 'aws:SlowDown']);
  });
});
