import { exponential, jitter } from '../core/backoff.js';
import type { RetryOptions } from '../core/options.js';
import type { Backoff, Classifier } from '../core/types.js';
import { awsClassifier } from './classifier.js';

/**
 * 1 s doubling to 30 s, plus up to 1 s of additive jitter: 1-2 s, 2-3 s, 4-5 s, 8-9 s before
 * attempts 2 to 5. Additive jitter keeps the doubling visible while spreading a fleet of
 * uploaders that all hit the same `SlowDown` (S3 "Error best practices": "Reducing your request
 * rate will decrease or eliminate errors of this type").
 */
function s3Backoff(): Backoff {
  return jitter(exponential({ initial: 1000, factor: 2, max: 30000 }), {
    mode: 'additive',
    amount: 1000,
  });
}

/** One classifier for both presets: it keeps no state. */
const classify: Classifier = /* @__PURE__ */ awsClassifier();

/**
 * Ready-made options for Amazon S3 transfers with the AWS SDK for JavaScript v3. Each is a plain,
 * frozen partial-options object: spread it and add your own (`operation`, `logger`, `signal`).
 * Give the `S3Client` `maxAttempts: 1` so that the SDK does not retry underneath (3 x 5 = 15
 * requests per call otherwise; the run logs a warning when it sees that happen).
 *
 * - `s3Upload`: `PutObject`, or a whole `@aws-sdk/lib-storage` `Upload` (each attempt a new
 *   upload). 5 attempts, 1 s doubling to 30 s with 1 s additive jitter, `awsClassifier()`,
 *   `idempotent: true`: writing the same bytes to the same key again leaves the same object, so
 *   an `unknown` outcome (an `InternalError`, a connection reset after sending) is retried.
 * - `s3Download`: `GetObject`, `HeadObject`, `ListObjectsV2`. The same schedule and classifier,
 *   `idempotent: true`.
 *
 * Not for calls whose repetition differs from one call: conditional writes (`IfNoneMatch: '*'`),
 * `CompleteMultipartUpload` on its own, `DeleteObject` on a versioned bucket. docs/aws.md lists
 * them and what to do instead.
 *
 * @example
 * ```ts
 * import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
 * import { retry } from 'tenacious';
 * import { awsPresets } from 'tenacious/aws';
 *
 * const s3 = new S3Client({ maxAttempts: 1 });
 * await retry(
 *   ({ signal }) => s3.send(new PutObjectCommand({ Bucket, Key, Body }), { abortSignal: signal }),
 *   { ...awsPresets.s3Upload, operation: 's3_put_report' },
 * );
 * ```
 */
export const awsPresets = /* @__PURE__ */ Object.freeze({
  s3Upload: Object.freeze({
    maxAttempts: 5,
    backoff: s3Backoff(),
    classify,
    idempotent: true,
  }) satisfies RetryOptions,
  s3Download: Object.freeze({
    maxAttempts: 5,
    backoff: s3Backoff(),
    classify,
    idempotent: true,
  }) satisfies RetryOptions,
});
