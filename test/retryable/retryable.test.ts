// @retryable, compiled by TypeScript under both decorator systems: standard (TC39) decorators,
// called as `(value, context)`, and `experimentalDecorators` (NestJS, older code), called as
// `(target, key, descriptor)`. The fixtures are in fixtures/classes/, the specification in
// suite.ts.
import { describeRetryable } from './suite.js';

describeRetryable('standard');
describeRetryable('experimental');
