/**
 * `tenacious/okx`: under construction on a branch (issue 26); this placeholder never lands.
 */
export {};
export { okxStream } from './stream.js';
