import { errorFields } from './client-errors.js';
import { causeChain, safeGet } from './safe-read.js';
import { redactValue, serializeError, type SerializedError } from './serialize.js';
import { cut, redactText } from './text.js';

/**
 * How the errors tenacious throws print, by what they expose and nothing else: a redacted
 * `toJSON` (so `JSON.stringify`), an `util.inspect.custom` (so `console.error`), enumerable fields
 * that tenacious wrote itself (`operation`, `attempts`, …), and the caller's data (`cause`,
 * `value`) as plain non-enumerable properties holding the very objects given. Every reader gets
 * the same `cause`; a serializer that copies enumerable fields (pino's) never sees `value`, but
 * reads `cause.message` and `cause.stack` as the client wrote them: {@link errSerializer} prints
 * the whole chain redacted.
 */

/** `util.inspect.custom`, without importing `node:util` (the core also runs outside Node). */
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

const MAX_STACK_LINES = 12;
const MAX_STACK = 2000;

function redactedStack(link: object): string | undefined {
  const stack = safeGet(link, 'stack');
  if (typeof stack !== 'string') return undefined;
  const lines = stack.split('\n', MAX_STACK_LINES + 1);
  const kept =
    lines.length > MAX_STACK_LINES ? [...lines.slice(0, MAX_STACK_LINES), '    …'] : lines;
  return cut(redactText(kept.join('\n')), MAX_STACK);
}

/** Error-shaped stand-ins, named like the original class, that `util.inspect` prints plainly. */
const twinPrototypes = new Map<string, object>();

function twinPrototype(name: string): object {
  let proto = twinPrototypes.get(name);
  if (proto === undefined) {
    const ctor = function () {};
    Object.defineProperty(ctor, 'name', { value: name });
    proto = Object.create(Error.prototype) as object;
    keepHidden(proto, 'constructor', ctor);
    keepHidden(proto, 'name', name);
    ctor.prototype = proto;
    if (twinPrototypes.size < 64) twinPrototypes.set(name, proto);
  }
  return proto;
}

function twin(
  name: string,
  message: string,
  stack: string | undefined,
  fields: Record<string, unknown>,
  cause: unknown,
): Error {
  const out = Object.create(twinPrototype(name)) as Error;
  // Non-enumerable, as on a real Error, so `util.inspect` prints them as an error's.
  keepHidden(out, 'message', message);
  keepHidden(out, 'stack', stack ?? `${name}: ${message}`);
  Object.assign(out, fields);
  if (cause !== undefined) keepCause(out, cause);
  return out;
}

/** A printable, redacted copy of a `cause` chain for `util.inspect`. */
function causeTwin(cause: unknown): unknown {
  const links = causeChain(cause).reverse();
  let printed: unknown;
  for (const link of links) {
    if (link === null || typeof link !== 'object') {
      printed = redactValue(link);
      continue;
    }
    if (typeof safeGet(link, 'stack') !== 'string') {
      // A thrown plain object (the binance client's): its compact fields.
      printed = { ...serializeError(link) };
      continue;
    }
    // The compact fields other than `type` and `message` become the twin's own properties.
    const { type, message, ...fields } = errorFields(link);
    printed = twin(type, message, redactedStack(link), fields, printed);
  }
  return printed;
}

type Printable = Error & Record<string, unknown>;
type PrintedJSON = (this: Printable) => SerializedError;

/** Adds the error's printed `fields` that are set, each redacted, to `out`. */
function redactedFields(
  error: Printable,
  fields: readonly string[],
  out: Record<string, unknown> = {},
): Record<string, unknown> {
  for (const field of fields) {
    const v = safeGet(error, field);
    if (v !== undefined) out[field] = redactValue(v);
  }
  return out;
}

/** The `toJSON` of every class given redacted printing, so that {@link errSerializer} knows them. */
const printedJSONs = new WeakSet<PrintedJSON>();

/**
 * Gives an error class of tenacious redacted printing: `toJSON` (compact fields, `cause` as
 * {@link serializeError} output) and `util.inspect` (the usual error output with the cause chain
 * redacted and compact). `fields` are the class's own fields, printed in that order.
 *
 * @example
 * ```ts
 * printRedacted(RetryExhaustedError, ['operation', 'attempts', 'elapsedMs', 'reason', 'value']);
 * ```
 */
export function printRedacted(target: { prototype: Error }, fields: readonly string[]): void {
  /** `toJSON`: the fields redacted, `cause` as `serializeError` output. */
  const toJSON: PrintedJSON = function () {
    const out: SerializedError = { type: this.name, message: this.message };
    redactedFields(this, fields, out);
    const cause = safeGet(this, 'cause');
    if (cause !== undefined) out.cause = serializeError(cause);
    return out;
  };
  printedJSONs.add(toJSON);
  keepHidden(target.prototype, 'toJSON', toJSON);
  keepHidden(
    target.prototype,
    INSPECT,
    function inspect(
      this: Printable,
      depth: number,
      options: Record<string, unknown>,
      inspectValue: (value: unknown, options: Record<string, unknown>) => string,
    ) {
      if (depth < 0) return `[${this.name}]`;
      const printed = twin(
        this.name,
        this.message,
        typeof this.stack === 'string' ? redactText(this.stack) : undefined,
        redactedFields(this, fields),
        causeTwin(safeGet(this, 'cause')),
      );
      return inspectValue(printed, { ...options, depth });
    },
  );
}

/**
 * Defines `cause` on a tenacious error: the client's own object, unchanged, for every reader (a
 * plain, non-enumerable property, as `new Error(message, { cause })` makes it).
 *
 * @example
 * ```ts
 * keepCause(this, fields.cause);
 * ```
 */
export function keepCause(error: Error, cause: unknown): void {
  keepHidden(error, 'cause', cause);
}

/**
 * Defines a field holding a caller's value (a run's last returned value) as given, non-enumerable:
 * a serializer that copies enumerable fields never sees it, and the printing hooks above print it
 * redacted.
 *
 * @example
 * ```ts
 * keepHidden(this, 'value', fields.value);
 * ```
 */
export function keepHidden(error: object, key: PropertyKey, value: unknown): void {
  Object.defineProperty(error, key, {
    configurable: true,
    enumerable: false,
    writable: true,
    value,
  });
}

/**
 * A pino `err` serializer that prints any error compact and redacted, a client's included:
 * `pino({ serializers: { err: errSerializer } })`. The errors tenacious throws print as their
 * `toJSON` (their fields, and `cause` as {@link serializeError} output); anything else prints as
 * {@link serializeError} output. Never throws.
 *
 * @example
 * ```ts
 * import pino from 'pino';
 * import { errSerializer } from 'tenacious';
 *
 * const logger = pino({ serializers: { err: errSerializer } });
 * logger.error({ err }, 'order failed'); // err: { type: 'AxiosError', status: 401, url: '…signature=[REDACTED]', … }
 * ```
 */
export function errSerializer(err: unknown): SerializedError {
  try {
    const toJSON = safeGet(err, 'toJSON') as PrintedJSON;
    if (printedJSONs.has(toJSON)) return toJSON.call(err as Printable);
  } catch {
    // A hostile error falls through to the generic serializer.
  }
  return serializeError(err);
}
