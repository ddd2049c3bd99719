import { isErrorLike, safeGet, safeKeys, safeString, tagOf } from './safe-read.js';
import { cut, isSecretName, MAX_TEXT, REDACTED, redactText } from './text.js';

/**
 * Copying hostile values safely: any value becomes a plain, JSON-safe copy with every secret
 * replaced, within bounds on depth, keys and string length. Getters and proxy traps that throw,
 * cycles, typed arrays, `Headers`, `Map`s and header arrays are all handled; nothing here throws.
 * Errors met along the way are handed to the caller's `error` (the compact serializer), so this
 * file knows nothing of client error shapes.
 */

/** How far a copy goes. */
export interface CopyLimits {
  depth: number;
  keys: number;
  string: number;
}
/** A value copied for its own sake (`redactValue`, a run's last value). */
export const FULL: CopyLimits = { depth: 5, keys: 64, string: MAX_TEXT };
/** The own fields of an unrecognised error: enough to explain it, small in a log line. */
export const SMALL: CopyLimits = { depth: 2, keys: 12, string: 200 };

export interface CopyContext {
  limits: CopyLimits;
  /** Literal secret values to remove as well. */
  extra: readonly string[] | undefined;
  /** Copies an error, a `Response` or a `Request` met inside the value. */
  error(value: object, seen: Set<object>, depth: number): unknown;
}

export const isPresent = (v: unknown): boolean => v !== undefined && v !== null && v !== '';

/** Entries of a `Headers` (global or undici's) or a `Map`, or undefined. */
function entriesOf(value: object, tag: string): [unknown, unknown][] | undefined {
  if (tag !== 'Headers' && tag !== 'Map') return undefined;
  const entries: [unknown, unknown][] = [];
  try {
    (value as Map<unknown, unknown>).forEach((v, k) => {
      if (entries.length <= FULL.keys) entries.push([k, v]);
    });
  } catch {
    // A broken collection yields what was read before it broke.
  }
  return entries;
}

/** `['X-MBX-APIKEY', key, …]` (Node raw headers, undici arrays) and `[['authorization', …]]`. */
function copyArray(items: readonly unknown[], depth: number, seen: Set<object>, ctx: CopyContext) {
  const out: unknown[] = [];
  const n = Math.min(items.length, ctx.limits.keys);
  for (let i = 0; i < n; i++) {
    const item = safeGet(items, i);
    const previous = i > 0 ? safeGet(items, i - 1) : undefined;
    if (typeof previous === 'string' && isSecretName(previous) && isPresent(item)) {
      out.push(REDACTED);
    } else if (Array.isArray(item) && item.length === 2 && typeof item[0] === 'string') {
      out.push(
        isSecretName(item[0]) && isPresent(item[1])
          ? [item[0], REDACTED]
          : copyRedacted(item, depth + 1, seen, ctx),
      );
    } else {
      out.push(copyRedacted(item, depth + 1, seen, ctx));
    }
  }
  if (items.length > n) out.push(`… ${items.length - n} more`);
  return out;
}

function copyEntries(
  entries: readonly (readonly [unknown, unknown])[],
  depth: number,
  seen: Set<object>,
  ctx: CopyContext,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let count = 0;
  for (const [rawKey, item] of entries) {
    if (count++ >= ctx.limits.keys) {
      out['…'] = `${entries.length - ctx.limits.keys} more keys`;
      break;
    }
    const key = typeof rawKey === 'string' ? rawKey : safeString(rawKey);
    out[key] =
      isSecretName(key) && isPresent(item) ? REDACTED : copyRedacted(item, depth + 1, seen, ctx);
  }
  return out;
}

/**
 * A redacted, bounded copy of `value`, `depth` levels below the top. `seen` holds the objects on
 * the current path: meeting one again prints `[Circular]`.
 */
export function copyRedacted(
  value: unknown,
  depth: number,
  seen: Set<object>,
  ctx: CopyContext,
): unknown {
  switch (typeof value) {
    case 'string':
      return cut(redactText(value, ctx.extra), ctx.limits.string);
    case 'number':
    case 'boolean':
    case 'undefined':
      return value;
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return value.toString();
    case 'function':
      return `[Function ${safeString(safeGet(value, 'name')) || 'anonymous'}]`;
  }
  if (value === null) return null;
  const obj = value as object;
  if (seen.has(obj)) return '[Circular]';
  if (depth >= ctx.limits.depth) return `[${tagOf(obj) || 'Object'}]`;
  seen.add(obj);
  try {
    const tag = tagOf(obj);
    if (isErrorLike(obj) || tag === 'Response' || tag === 'Request') {
      return ctx.error(obj, seen, depth);
    }
    if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer) {
      return `[${tag} ${safeGet(obj, 'byteLength') as number} bytes]`;
    }
    if (obj instanceof Date) {
      return Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString();
    }
    if (obj instanceof URL) return redactText(obj.href, ctx.extra);
    if (tag === 'URLSearchParams') return redactText(safeString(obj), ctx.extra);
    const entries = entriesOf(obj, tag);
    if (entries !== undefined) return copyEntries(entries, depth, seen, ctx);
    if (tag === 'Set') {
      const items = [...(obj as Set<unknown>)].slice(0, ctx.limits.keys + 1);
      return copyArray(items, depth, seen, ctx);
    }
    if (Array.isArray(obj)) return copyArray(obj, depth, seen, ctx);
    return copyEntries(
      safeKeys(obj).map((key) => [key, safeGet(obj, key)] as const),
      depth,
      seen,
      ctx,
    );
  } catch {
    return '[unreadable]';
  } finally {
    seen.delete(obj);
  }
}
