import { causeChain, safeGet } from './safe-read.js';
import { errorFields, redactText, redactValue, serializeError } from './redact.js';

/**
 * How the errors tenacious throws print: redacted and compact through `util.inspect` (and so
 * `console.error`), `JSON.stringify` and pino's `err` serializer, with their `cause` chain, while
 * `err.cause` itself stays the very object the client threw (classifiers and callers read it).
 */

/** `util.inspect.custom`, without importing `node:util` (the core also runs outside Node). */
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * True while pino's standard error serializer is reading `err`: pino-std-serializers tags the
 * error it serializes with an own symbol described `circular-ref-tag` for the duration
 * (`lib/err.js`, `lib/err-with-cause.js`, `lib/err-proto.js`) and reads `err.cause.message` and
 * `err.cause.stack` directly, so only then does `cause` answer with a redacted view.
 */
function inPinoSerializer(err: object): boolean {
  try {
    for (const symbol of Object.getOwnPropertySymbols(err)) {
      if (symbol.description === 'circular-ref-tag') return true;
    }
  } catch {
    // A sealed or exotic receiver is not being serialized by pino.
  }
  return false;
}

const MAX_STACK_LINES = 12;
const MAX_STACK = 2000;

function redactedStack(link: object): string | undefined {
  const stack = safeGet(link, 'stack');
  if (typeof stack !== 'string') return undefined;
  const lines = stack.split('\n', MAX_STACK_LINES + 1);
  const kept =
    lines.length > MAX_STACK_LINES ? [...lines.slice(0, MAX_STACK_LINES), '    …'] : lines;
  const text = redactText(kept.join('\n'));
  return text.length > MAX_STACK ? `${text.slice(0, MAX_STACK)}…` : text;
}

/** The compact fields of a link without `type`/`message`, as own enumerable properties. */
function extraFields(link: object): Record<string, unknown> {
  const { type: _type, message: _message, ...rest } = errorFields(link);
  return rest;
}

/**
 * What pino sees as `err.cause`: one plain error-like object per link of the chain (redacted
 * message and stack, compact fields), each link's message once.
 */
function pinoView(cause: unknown): unknown {
  if (cause === undefined || cause === null) return cause;
  // Top to bottom, dropping a link that only repeats the message above it (axios' "socket hang
  // up" wrapping Node's "socket hang up").
  const kept: { link: unknown; message: string }[] = [];
  for (const link of causeChain(cause)) {
    const message =
      link !== null && typeof link === 'object'
        ? errorFields(link).message
        : redactText(String(link));
    if (kept[kept.length - 1]?.message !== message) kept.push({ link, message });
  }
  let view: unknown;
  for (const { link, message } of kept.reverse()) {
    const current: Record<string, unknown> =
      link !== null && typeof link === 'object'
        ? {
            message,
            stack: redactedStack(link) ?? message,
            ...extraFields(link),
          }
        : { message };
    if (view !== undefined) {
      Object.defineProperty(current, 'cause', { value: view, enumerable: false });
    }
    view = current;
  }
  return view;
}

/** Error-shaped stand-ins, named like the original class, that `util.inspect` prints plainly. */
const twinPrototypes = new Map<string, object>();

function twinPrototype(name: string): object {
  let proto = twinPrototypes.get(name);
  if (proto === undefined) {
    const ctor = function () {};
    Object.defineProperty(ctor, 'name', { value: name });
    proto = Object.create(Error.prototype, {
      constructor: { value: ctor, writable: true, configurable: true },
      name: { value: name, writable: true, configurable: true },
    }) as object;
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
  Object.defineProperty(out, 'message', { value: message, writable: true, configurable: true });
  Object.defineProperty(out, 'stack', {
    value: stack ?? `${name}: ${message}`,
    writable: true,
    configurable: true,
  });
  Object.assign(out, fields);
  if (cause !== undefined) {
    Object.defineProperty(out, 'cause', { value: cause, writable: true, configurable: true });
  }
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
    const fields = errorFields(link);
    if (typeof safeGet(link, 'stack') !== 'string') {
      // A thrown plain object (the binance client's): its compact fields.
      printed = { ...(serializeError(link) as object) };
      continue;
    }
    printed = twin(fields.type, fields.message, redactedStack(link), extraFields(link), printed);
  }
  return printed;
}

type Printable = Error & Record<string, unknown>;

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
  Object.defineProperty(target.prototype, 'toJSON', {
    configurable: true,
    writable: true,
    value: function toJSON(this: Printable) {
      const out: Record<string, unknown> = { type: this.name, message: this.message };
      for (const field of fields) {
        const v = safeGet(this, field);
        if (v !== undefined) out[field] = redactValue(v);
      }
      const cause = safeGet(this, 'cause');
      if (cause !== undefined) out.cause = serializeError(cause);
      return out;
    },
  });
  Object.defineProperty(target.prototype, INSPECT, {
    configurable: true,
    writable: true,
    value: function inspect(
      this: Printable,
      depth: number,
      options: Record<string, unknown>,
      inspectValue: (value: unknown, options: Record<string, unknown>) => string,
    ) {
      if (depth < 0) return `[${this.name}]`;
      const own: Record<string, unknown> = {};
      for (const field of fields) {
        const v = safeGet(this, field);
        if (v !== undefined) own[field] = redactValue(v);
      }
      const printed = twin(
        this.name,
        this.message,
        typeof this.stack === 'string' ? redactText(this.stack) : undefined,
        own,
        causeTwin(safeGet(this, 'cause')),
      );
      return inspectValue(printed, { ...options, depth });
    },
  });
}

/**
 * Defines `cause` on a tenacious error: the client's own object, except while pino's `err`
 * serializer reads it (it then gets a redacted view of the chain, see {@link inPinoSerializer}).
 *
 * @example
 * ```ts
 * keepCause(this, fields.cause);
 * ```
 */
export function keepCause(error: Error, cause: unknown): void {
  let current = cause;
  Object.defineProperty(error, 'cause', {
    configurable: true,
    enumerable: false,
    get(this: object) {
      return inPinoSerializer(this) ? pinoView(current) : current;
    },
    set(value: unknown) {
      current = value;
    },
  });
}

/**
 * Defines an enumerable field holding a caller's value (a run's last returned value) that pino's
 * serializer, which copies enumerable fields as they are, reads redacted.
 *
 * @example
 * ```ts
 * keepRedactedForPino(this, 'value', fields.value);
 * ```
 */
export function keepRedactedForPino(error: Error, key: string, value: unknown): void {
  let current = value;
  Object.defineProperty(error, key, {
    configurable: true,
    enumerable: true,
    get(this: object) {
      return inPinoSerializer(this) ? redactValue(current) : current;
    },
    set(next: unknown) {
      current = next;
    },
  });
}
