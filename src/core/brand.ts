/**
 * The package's major version. Copies of tenacious of the same major (its ESM and CommonJS
 * builds, or two installed versions) recognise each other's errors; another major's may differ.
 */
const MAJOR = 0;

const ordinaryHasInstance = Function.prototype[Symbol.hasInstance];

/**
 * Makes `instanceof cls` true for instances made by any copy of tenacious of the same major: a
 * `Symbol.for` key, shared by every copy in the process, marks the class's prototype, and
 * `cls[Symbol.hasInstance]` looks for it. Called from the class's `static` block with a fixed
 * `name` (class names do not survive minification). Subclasses, the user's included, inherit
 * the static method but keep the ordinary `instanceof`: an instance of the base class is not an
 * instance of a subclass.
 *
 * @example
 * ```ts
 * export class RetryExhaustedError extends Error {
 *   static {
 *     brand(this, 'RetryExhaustedError');
 *   }
 * }
 * ```
 */
export function brand(cls: abstract new (...args: never[]) => object, name: string): void {
  const key = Symbol.for(`tenacious@${MAJOR}.${name}`);
  Object.defineProperty(cls.prototype, key, { value: true });
  Object.defineProperty(cls, Symbol.hasInstance, {
    value(this: unknown, value: unknown): boolean {
      if (this !== cls) return ordinaryHasInstance.call(this, value);
      try {
        // From the value's prototype up, as `instanceof` walks: `cls.prototype` itself is not one.
        // A primitive's (`String.prototype`…) is never marked.
        return (Object.getPrototypeOf(value) as Record<symbol, unknown>)[key] === true;
      } catch {
        // null and undefined have no prototype, an object may have a null one, and a proxy's
        // traps may throw: none is one of ours.
        return false;
      }
    },
  });
}
