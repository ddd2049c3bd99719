/**
 * A frozen lookup table without a prototype, for tables read with keys that come from outside
 * (an error's `code` or `name`, an event's field): `table['constructor']` and `table['valueOf']`
 * are `undefined`, not Object's methods.
 *
 * @example
 * ```ts
 * const KINDS = lookupTable({ ECONNRESET: 'after-send' });
 * KINDS['valueOf']; // undefined
 * ```
 */
export function lookupTable<T>(entries: Readonly<Record<string, T>>): Readonly<Record<string, T>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));
}
