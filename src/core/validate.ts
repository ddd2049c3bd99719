/**
 * One rule table format and one helper for every options object the package checks (retry
 * options, backoffs, breakers, budgets, trackers, alerts, stores). One message format:
 * `where: name: expected <rule>, got <value>`. A value of the wrong type is a `TypeError`; a
 * value of the right type outside the allowed range is a `RangeError`.
 */

/** How one option is checked. */
export interface Rule {
  /** The type the value must have; a value failing this is a `TypeError`. */
  readonly type: (value: unknown) => boolean;
  /** The allowed range for a value of the right type; a value failing this is a `RangeError`. */
  readonly range?: (value: any) => boolean;
  /** The rule in words, after "expected": `an integer >= 1 or Infinity`. */
  readonly rule: string;
  /** For arrays: the rule of each element (the message then names `name[i]`). */
  readonly each?: Rule;
  /**
   * A more precise complaint about a value that passes `type` and `range` (for example a
   * classifier factory passed uncalled); returns the text after "expected", or undefined.
   */
  readonly refine?: (value: any) => string | undefined;
}

/** A table of rules, one per option name. */
export type Rules = Readonly<Record<string, Rule>>;

/** True for what an options object may be: an object, not `null` and not an array. */
export const isOptionsObject = (value: unknown): value is object =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A readable description of a bad argument for error messages. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    const json = JSON.stringify(value);
    return json.length > 60 ? `${json.slice(0, 57)}..."` : json;
  }
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (typeof value === 'bigint') return `${value}n`;
  // String() also spells a symbol (`Symbol(x)`), which a template literal would throw on.
  if (value === null || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  try {
    const json = JSON.stringify(value);
    return json === undefined ? 'an object' : json.length > 60 ? `${json.slice(0, 57)}...` : json;
  } catch {
    return 'an object';
  }
}

/**
 * The one message of every rule: `name: expected <expected>, got <value>`, as a `TypeError` (a
 * wrong type) or a `RangeError` (a wrong value of the right type).
 *
 * @example
 * ```ts
 * mismatch(RangeError, 'maxAttempts', 'an integer >= 1 or Infinity', -1);
 * // RangeError: maxAttempts: expected an integer >= 1 or Infinity, got -1
 * ```
 */
export function mismatch(
  type: TypeErrorConstructor | RangeErrorConstructor,
  name: string,
  expected: string,
  value: unknown,
): TypeError | RangeError {
  return new type(`${name}: expected ${expected}, got ${describeValue(value)}`);
}

/**
 * Returns the error for `value` under `rule`, or undefined when it is valid. `name` is the path
 * used in the message (`maxAttempts`, `classify[1]`).
 */
export function checkValue(
  name: string,
  value: unknown,
  rule: Rule,
): TypeError | RangeError | undefined {
  if (!rule.type(value)) return mismatch(TypeError, name, rule.rule, value);
  // NaN is a number but never a valid value of any option.
  if (Number.isNaN(value) || (rule.range !== undefined && !rule.range(value))) {
    return mismatch(RangeError, name, rule.rule, value);
  }
  if (rule.each !== undefined && Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const error = checkValue(`${name}[${i}]`, value[i], rule.each);
      if (error !== undefined) return error;
    }
  }
  const refined = rule.refine?.(value);
  return refined === undefined ? undefined : mismatch(TypeError, name, refined, value);
}

/**
 * Checks an options object against `rules` and returns the first error (unknown key or bad
 * value), or undefined. `undefined` values count as absent. `where` prefixes the message
 * (`circuitBreaker`); pass `''` for none.
 */
export function findOptionsError(
  where: string,
  options: unknown,
  rules: Rules,
): TypeError | RangeError | undefined {
  const prefix = where === '' ? '' : `${where}: `;
  if (!isOptionsObject(options))
    return mismatch(TypeError, `${prefix}options`, 'an object', options);
  const keys = Object.keys(options);
  const unknown = keys.filter((k) => !Object.hasOwn(rules, k));
  if (unknown.length > 0) {
    return new TypeError(
      `${prefix}unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')}${suggestion(unknown[0]!, rules)}; expected one of ${Object.keys(rules).join(', ')}`,
    );
  }
  for (const key of keys) {
    const value = (options as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const error = checkValue(`${prefix}${key}`, value, rules[key]!);
    if (error !== undefined) return error;
  }
  return undefined;
}

/**
 * {@link findOptionsError} for an options object that comes in variants (a breaker's
 * `consecutive` and `rolling` modes): checks `options` against `variants[variant]`, and names a
 * key that only another variant knows plainly (`where: windowMs: only valid in rolling mode`)
 * rather than as an unknown option.
 */
export function findVariantOptionsError<V extends string>(
  where: string,
  options: unknown,
  variant: V,
  variants: Readonly<Record<V, Rules>>,
): TypeError | RangeError | undefined {
  const rules = variants[variant];
  const error = findOptionsError(where, options, rules);
  if (error === undefined || typeof options !== 'object' || options === null) return error;
  const prefix = where === '' ? '' : `${where}: `;
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || Object.hasOwn(rules, key)) continue;
    const owner = Object.entries<Rules>(variants).find(([, other]) => Object.hasOwn(other, key));
    if (owner !== undefined)
      return new TypeError(`${prefix}${key}: only valid in ${owner[0]} mode`);
  }
  return error;
}

/**
 * Like {@link findOptionsError}, but throws. Returns the options (or `{}` for `undefined`), typed
 * as a record of unknowns for the caller to read.
 */
export function checkOptions<O extends object>(
  where: string,
  options: O | undefined,
  rules: Rules,
): O {
  if (options === undefined) return {} as O;
  const error = findOptionsError(where, options, rules);
  if (error !== undefined) throw error;
  return options;
}

/** " (did you mean `chatId`?)" for a key that differs from a known one only in case or by one letter. */
function suggestion(key: string, rules: Rules): string {
  const lower = key.toLowerCase();
  const match = Object.keys(rules).find(
    (known) => known.toLowerCase() === lower || editDistanceIsOne(known, key),
  );
  return match === undefined ? '' : ` (did you mean "${match}"?)`;
}

function editDistanceIsOne(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1 || a === b) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return (
    a.slice(i + 1) === b.slice(i + 1) ||
    a.slice(i) === b.slice(i + 1) ||
    a.slice(i + 1) === b.slice(i)
  );
}

// The rules most tables are made of.

const isNumber = (v: unknown): v is number => typeof v === 'number';
/** The type of every rule whose value is a function (a hook, a backoff, a classifier). */
export const isFunction = (v: unknown): v is (...args: never[]) => unknown =>
  typeof v === 'function';

/** A number >= `min` (Infinity allowed only when `infinity` is true). */
export function numberRule(
  min: number,
  options: { infinity?: boolean; max?: number; integer?: boolean; above?: boolean } = {},
): Rule {
  const { infinity = false, max, integer = false, above = false } = options;
  const kind = integer ? 'an integer' : 'a number';
  const lower = above ? `> ${min}` : `>= ${min}`;
  const upper = max === undefined ? '' : ` and <= ${max}`;
  return {
    type: isNumber,
    range: (v: number) =>
      (above ? v > min : v >= min) &&
      (max === undefined || v <= max) &&
      (v === Infinity ? infinity : Number.isFinite(v) && (!integer || Number.isInteger(v))),
    rule: `${kind} ${lower}${upper}${infinity ? ' or Infinity' : ''}`,
  };
}

export const booleanRule: Rule = { type: (v) => typeof v === 'boolean', rule: 'a boolean' };
export const functionRule: Rule = { type: isFunction, rule: 'a function' };
/** A limit in ms that may be left off: `maxElapsedMs`, `maxRetryAfterMs`, a backoff's `max`. */
export const limitMsRule: Rule = /* @__PURE__ */ numberRule(0, { infinity: true });
/** What `backoff` options take: a function from the retry's context to a delay in ms. */
export const backoffRule: Rule = { type: isFunction, rule: 'a Backoff function' };
export const nonEmptyStringRule: Rule = {
  type: (v) => typeof v === 'string',
  range: (v: string) => v.length > 0,
  rule: 'a non-empty string',
};

/** An object with the named methods. */
export function methodsRule(rule: string, ...names: string[]): Rule {
  return {
    type: (v) =>
      typeof v === 'object' &&
      v !== null &&
      names.every((n) => typeof (v as Record<string, unknown>)[n] === 'function'),
    rule,
  };
}

/** One of the given strings. */
export function oneOfRule(values: readonly string[]): Rule {
  return {
    type: (v) => typeof v === 'string',
    range: (v: string) => values.includes(v),
    rule: `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`,
  };
}

/** A pino-compatible logger. */
export const loggerRule: Rule = methodsRule(
  'a logger with warn, error and debug methods',
  'warn',
  'error',
  'debug',
);

/** A clock with `now()` and `sleep(ms, signal)`. */
export const clockRule: Rule = methodsRule(
  'a clock with now() and sleep(ms, signal)',
  'now',
  'sleep',
);
