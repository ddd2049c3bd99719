/** `tenacious/aws`: classification of AWS SDK for JavaScript v3 errors. */
export { awsClassifier, type AwsClassifierOptions } from './classifier.js';
export {
  AWS_ERROR_CODES,
  AWS_FAIL_PREFIXES,
  AWS_THROTTLING_CODES,
  type AwsErrorAction,
} from './codes.js';
