/** `tenacious/aws`: classification of AWS SDK for JavaScript v3 errors, and S3 presets. */
export { awsClassifier, type AwsClassifierOptions } from './classifier.js';
export { awsPresets } from './presets.js';
export {
  AWS_ERROR_CODES,
  AWS_FAIL_PREFIXES,
  AWS_THROTTLING_CODES,
  type AwsErrorAction,
} from './codes.js';
