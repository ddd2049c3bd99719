/**
 * Safe introspection of thrown values, shared by the classifiers. Thrown values can be anything
 * (strings, plain objects, proxies, errors whose `cause` chain loops), so every read here is
 * guarded and every walk is bounded.
 */

const MAX_CHAIN = 8;

/**
 * Reads a property without letting a throwing getter or proxy trap escape.
 *
 * @example
 * ```ts
 * safeGet(err, 'code'); // undefined when `err` is null, a primitive or a throwing getter
 * ```
 */
export function safeGet(target: unknown, key: PropertyKey): unknown {
  if (target === null || (typeof target !== 'object' && typeof target !== 'function')) {
    return undefined;
  }
  try {
    return (target as Record<PropertyKey, unknown>)[key];
  } catch {
    return undefined;
  }
}

/**
 * The value itself followed by its `cause` chain, at most eight deep and without repeats, so a
 * cyclic chain ends.
 *
 * @example
 * ```ts
 * causeChain(new TypeError('fetch failed', { cause: econnrefused })); // [typeError, econnrefused]
 * ```
 */
export function causeChain(value: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = value;
  while (current !== undefined && current !== null && chain.length < MAX_CHAIN) {
    if (chain.includes(current)) break;
    chain.push(current);
    current = safeGet(current, 'cause');
  }
  return chain;
}

/**
 * The constructor names along a value's prototype chain (`['HttpRequestError', 'BaseError',
 * 'Error']`), so that error classes can be recognised without importing the library that defines
 * them. Empty for primitives.
 *
 * @example
 * ```ts
 * prototypeNames(new RangeError('x')); // ['RangeError', 'Error', 'Object']
 * ```
 */
export function prototypeNames(value: unknown): string[] {
  const names: string[] = [];
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return names;
  try {
    let proto: unknown = Object.getPrototypeOf(value);
    while (proto !== null && proto !== undefined && names.length < 16) {
      const ctor = safeGet(proto, 'constructor');
      const name = safeGet(ctor, 'name');
      if (typeof name === 'string' && name !== '') names.push(name);
      proto = Object.getPrototypeOf(proto);
    }
  } catch {
    // A proxy whose getPrototypeOf trap throws has no recognisable names.
  }
  return names;
}

/** A string property of a value, or undefined; never throws. */
export function stringField(value: unknown, key: string): string | undefined {
  const v = safeGet(value, key);
  return typeof v === 'string' ? v : undefined;
}

/** A finite number property of a value (numeric strings accepted), or undefined; never throws. */
export function numberField(value: unknown, key: string): number | undefined {
  const v = safeGet(value, key);
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** The own enumerable keys of a value, or none when a proxy trap throws; never throws. */
export function safeKeys(target: object): string[] {
  try {
    return Object.keys(target);
  } catch {
    return [];
  }
}

/** The built-in tag of a value (`Error`, `Headers`, `Map`, `Response`), or `''`; never throws. */
export function tagOf(value: unknown): string {
  try {
    return Object.prototype.toString.call(value).slice(8, -1);
  } catch {
    return '';
  }
}

/** True for an `Error` of any realm; never throws. */
export function isErrorLike(value: unknown): value is Error {
  try {
    return value instanceof Error || tagOf(value) === 'Error';
  } catch {
    return false;
  }
}

/** A value as text (`''` for null and undefined, `[unprintable]` when `toString` throws). */
export function safeString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  try {
    // Deliberately String(): numbers, symbols and objects with their own toString all print.
    // eslint-disable-next-line @typescript-eslint/no-base-to-string
    return String(value);
  } catch {
    return '[unprintable]';
  }
}
