import type { Classifier } from './types.js';

/**
 * Classifier factories (`httpClassifier`, `binanceClassifier`, ...) register here, so that
 * `classify: httpClassifier` (the factory, not called) is refused when the options are checked
 * instead of misbehaving at the first failure.
 */
const FACTORY = Symbol.for('tenacious.classifierFactory');

/**
 * True for a function marked with {@link markClassifierFactory}. The mark is a property under a
 * `Symbol.for` key rather than a module's WeakSet, so that it holds across the ESM and CommonJS
 * copies of the package (a CommonJS subpath bundles its own copy of the core).
 */
export function isClassifierFactory(value: object): boolean {
  return (value as { [FACTORY]?: boolean })[FACTORY] === true;
}

/**
 * Marks a function as a classifier factory: passing it uncalled as `classify` is then an error
 * that says to call it.
 *
 * @example
 * ```ts
 * export const myClassifier = markClassifierFactory(function myClassifier(options = {}) {
 *   return (outcome) => (outcome.ok ? undefined : { action: 'fail', reason: 'mine' });
 * });
 * ```
 */
export function markClassifierFactory<F extends (...args: any[]) => Classifier<any>>(
  factory: F,
): F {
  Object.defineProperty(factory, FACTORY, { value: true });
  return factory;
}
