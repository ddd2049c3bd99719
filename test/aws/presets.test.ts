import { fc, test } from '../helpers/property.js';
import { describe, expect, it } from 'vitest';
import { awsClassifier, awsPresets } from '../../src/aws/index.js';

describe('awsPresets', () => {
  it.each(['s3Upload', 's3Download'] as const)('%s: 5 attempts, idempotent, frozen', (name) => {
    const preset = awsPresets[name];
    expect(preset).toMatchObject({ maxAttempts: 5, idempotent: true });
    expect(Object.isFrozen(preset)).toBe(true);
  });

  it.each(['s3Upload', 's3Download'] as const)('%s: classifies as awsClassifier() does', (name) => {
    const error = Object.assign(new Error('Please reduce your request rate.'), {
      name: 'SlowDown',
      $fault: 'server',
      $metadata: { httpStatusCode: 503, attempts: 1 },
    });
    const classify = awsPresets[name].classify;
    expect(classify({ ok: false, error })).toEqual(awsClassifier()({ ok: false, error }));
  });

  it('waits 1 s doubling to 30 s before jitter', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map((retry) =>
      awsPresets.s3Upload.backoff({ retry, previousDelayMs: 0, random: () => 0 }),
    );
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });

  test.prop([
    fc.integer({ min: 1, max: 60 }),
    fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  ])('adds 0 to 1 s of jitter to the doubling delay', (retry, r) => {
    for (const preset of [awsPresets.s3Upload, awsPresets.s3Download]) {
      const base = Math.min(30000, 1000 * 2 ** (retry - 1));
      const delay = preset.backoff({ retry, previousDelayMs: 0, random: () => r });
      expect(delay).toBeGreaterThanOrEqual(base);
      expect(delay).toBeLessThanOrEqual(base + 1000);
    }
  });
});
