/**
 * A value built on its first use and then always the same one: for tables and matchers that
 * take work to build and that importing the package never needs (the redaction tables are read
 * the first time an error is printed, not when the module loads).
 *
 * @example
 * ```ts
 * const exactNames = lazy(() => new Set(SECRET_NAMES.map(normalise)));
 * exactNames().has('signature'); // built here, once
 * ```
 */
export function lazy<T>(build: () => T): () => T {
  let built = false;
  let value: T;
  return () => {
    if (!built) {
      value = build();
      built = true;
    }
    return value;
  };
}
