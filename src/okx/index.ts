/**
 * `tenacious/okx`: OKX v5 REST error semantics as a classifier, a normaliser for every shape JS
 * clients carry OKX errors in (okx-api, ccxt, axios, got, fetch), and presets.
 */
export { okxClassifier, type OkxClassifierOptions } from './classifier.js';
export { OKX_CODES, okxCodeRule, type OkxCodeRule } from './codes.js';
export { parseOkxError, type OkxErrorInfo, type OkxItem } from './parse.js';
export { okxPresets } from './presets.js';
