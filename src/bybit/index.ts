/**
 * `tenacious/bybit`: under construction on a branch (issue 26); this placeholder never lands.
 */
export {};
export { bybitStream } from './stream.js';
