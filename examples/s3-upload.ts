/**
 * S3 uploads with the AWS SDK for JavaScript v3 and `awsPresets.s3Upload` (5 attempts, 1 s
 * doubling to 30 s plus up to 1 s of jitter, `awsClassifier()`). The client is made with
 * `maxAttempts: 1`: the SDK sends each request once and tenacious does the retrying, so a call
 * never costs more requests than the preset's 5.
 *
 * 1. `PutObject` answered `SlowDown` (503) twice, then stored.
 * 2. A multipart upload (`@aws-sdk/lib-storage`) whose connection is reset in the middle of a
 *    part: the outcome is unknown, but writing the same bytes to the same key again is safe, so
 *    the whole upload starts over.
 * 3. `AccessDenied` is not retried: one request, the SDK's own exception.
 * 4. A client left with the SDK's default of 3 attempts: each tenacious attempt costs up to 3
 *    requests, and the run logs one warning naming the setting to change.
 *
 * Offline: S3 is a local server on 127.0.0.1 that speaks S3's REST and XML error protocol
 * (examples/support/s3-server.ts), reached with path-style addressing and test credentials. The
 * clock is scaled down 20x; the lines show the delays requested. Run with
 * `npx tsx examples/s3-upload.ts`.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { retry, type RetryEvent } from '../src/index.js';
import { awsPresets } from '../src/aws/index.js';
import { startLocalS3 } from './support/s3-server.js';
import { scaledClock } from './support/scaled-clock.js';

// On Node 20 the SDK prints once that its releases from 2027 need Node 22: not this example's point.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const s3 = await startLocalS3();
const client = new S3Client({
  endpoint: s3.url,
  forcePathStyle: true,
  region: 'us-east-1',
  credentials: { accessKeyId: 'example-access-key', secretAccessKey: 'example-secret-key' },
  maxAttempts: 1, // tenacious retries; the SDK must not retry underneath
});

const options = {
  ...awsPresets.s3Upload,
  clock: scaledClock(20),
  random: () => 0.5, // jitter at its midpoint: the same delays on every run
  onRetry: ({ operation, attempt, verdict, delayMs }: RetryEvent) =>
    console.log(
      `${operation}: attempt ${attempt} got ${verdict.reason} (${verdict.action}), waiting ${delayMs} ms`,
    ),
};

// 1. SlowDown twice, then the object is stored.
s3.inject('PutObject', 'SlowDown', 2);
const put = await retry(
  ({ signal }) =>
    client.send(
      new PutObjectCommand({ Bucket: 'pipeline', Key: 'reports/daily.csv', Body: 'id,qty\n1,5\n' }),
      { abortSignal: signal },
    ),
  { ...options, operation: 's3_put_report' },
);
console.log(
  `s3_put_report: stored reports/daily.csv, ETag ${put.ETag}, ${s3.count('PutObject')} PutObject requests`,
);

// 2. A 6 MiB file in two parts; the first part's connection is reset mid-body.
s3.inject('UploadPart', 'reset');
const body = Buffer.alloc(6 * 1024 * 1024, 'x');
const upload = await retry(
  () =>
    new Upload({
      client,
      params: { Bucket: 'pipeline', Key: 'exports/trades.bin', Body: body },
    }).done(),
  { ...options, operation: 's3_upload_export' },
);
console.log(
  `s3_upload_export: stored ${upload.Key} (${s3.objects.get('pipeline/exports/trades.bin')?.length} bytes); ` +
    `upload started ${s3.count('CreateMultipartUpload')} times, aborted ${s3.count('AbortMultipartUpload')}, completed ${s3.count('CompleteMultipartUpload')}`,
);

// 3. AccessDenied: permanent, so the run rejects at once with the SDK's exception.
s3.inject('PutObject', 'AccessDenied');
const before = s3.count('PutObject');
try {
  await retry(
    () => client.send(new PutObjectCommand({ Bucket: 'pipeline', Key: 'locked.csv', Body: 'x' })),
    { ...options, operation: 's3_put_locked' },
  );
} catch (error) {
  const { name, $metadata } = error as { name: string; $metadata: { httpStatusCode?: number } };
  console.log(
    `s3_put_locked: not retried: ${name} (HTTP ${$metadata.httpStatusCode}), ${s3.count('PutObject') - before} request`,
  );
}

// 4. The SDK's defaults (3 attempts each): the run warns once per operation.
const stacked = new S3Client({
  endpoint: s3.url,
  forcePathStyle: true,
  region: 'us-east-1',
  credentials: { accessKeyId: 'example-access-key', secretAccessKey: 'example-secret-key' },
});
const logger = {
  warn: (_fields: object, message?: string) => console.log(`warn: ${message}`),
  error: (_fields: object, message?: string) => console.log(`error: ${message}`),
  debug: () => {},
};
s3.inject('PutObject', 'InternalError', 3);
const putsBefore = s3.count('PutObject');
await retry(
  () =>
    stacked.send(
      new PutObjectCommand({ Bucket: 'pipeline', Key: 'reports/stacked.csv', Body: 'x' }),
    ),
  { ...options, onRetry: undefined, operation: 's3_put_stacked', logger },
);
console.log(
  `s3_put_stacked: stored after ${s3.count('PutObject') - putsBefore} PutObject requests for 2 tenacious attempts`,
);

stacked.destroy();
client.destroy();
await s3.close();
