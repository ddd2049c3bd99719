import { safeGet } from '../core/redaction/redact.js';

/**
 * Header lookup across the shapes HTTP clients hand back: a fetch `Headers` (Node fetch, undici
 * fetch, ky), axios' `AxiosHeaders` (a `get` method plus own properties), Node's
 * `IncomingHttpHeaders` (got, `undici.request`: a plain object with lowercase names, values
 * possibly arrays) and hand-built plain objects in any case.
 */

const MAX_SCANNED_KEYS = 128;

/**
 * The value of header `name` (lowercase) as a string, or `undefined`. Never throws: a broken
 * `get` or a throwing getter counts as absent.
 *
 * @example
 * ```ts
 * headerValue(new Headers({ 'Retry-After': '5' }), 'retry-after'); // '5'
 * headerValue({ 'Retry-After': ['5'] }, 'retry-after');            // '5'
 * ```
 */
export function headerValue(headers: unknown, name: string): string | undefined {
  if (headers === null || typeof headers !== 'object') return undefined;
  const get = safeGet(headers, 'get');
  if (typeof get === 'function') {
    let found: unknown;
    try {
      found = (get as (this: unknown, key: string) => unknown).call(headers, name);
    } catch {
      found = undefined;
    }
    const text = asText(found);
    if (text !== undefined) return text;
  }
  const direct = asText(safeGet(headers, name));
  if (direct !== undefined) return direct;
  let keys: string[];
  try {
    keys = Object.keys(headers);
  } catch {
    return undefined;
  }
  const limit = Math.min(keys.length, MAX_SCANNED_KEYS);
  for (let i = 0; i < limit; i++) {
    const key = keys[i]!;
    if (key.length === name.length && key.toLowerCase() === name) {
      return asText(safeGet(headers, key));
    }
  }
  return undefined;
}

function asText(value: unknown): string | undefined {
  const text = scalarText(value);
  if (text !== undefined) return text;
  // Node joins most repeated headers, but a hand-built object may hold an array: take the first.
  return isArray(value) ? scalarText(safeGet(value, 0)) : undefined;
}

/** `Array.isArray` throws on a revoked proxy. */
function isArray(value: unknown): boolean {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}
