/** `tenacious/ccxt`: ccxt's error classes, recognised by name, as retry verdicts. */
export { ccxtClassifier, type CcxtClassifierOptions } from './classifier.js';
export { CCXT_ERRORS, CCXT_RATE_LIMIT_ERRORS } from './errors.js';
