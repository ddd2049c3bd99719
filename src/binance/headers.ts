import { safeGet } from '../core/redaction/redact.js';

/**
 * Header access for every shape a Binance response's headers arrive in: a fetch `Headers`, an
 * axios `AxiosHeaders` (both have `get`), or a plain object whose keys may be in any case (Node
 * lower-cases them, hand-built objects and `client.getRateLimitStates()` may not). Never throws.
 */

function asString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

/**
 * Every `[lower-cased name, value]` pair of a headers value; empty for anything else.
 *
 * @example
 * ```ts
 * headerEntries({ 'X-MBX-USED-WEIGHT-1M': '12' }); // [['x-mbx-used-weight-1m', '12']]
 * ```
 */
export function headerEntries(headers: unknown): [string, string][] {
  const entries: [string, string][] = [];
  if (headers === null || typeof headers !== 'object') return entries;
  try {
    const forEach = safeGet(headers, 'forEach');
    if (typeof Headers !== 'undefined' && headers instanceof Headers) {
      headers.forEach((value, name) => entries.push([name.toLowerCase(), value]));
      return entries;
    }
    if (typeof forEach === 'function' && typeof safeGet(headers, 'get') === 'function') {
      // A Headers-like object from another realm or library (e.g. undici's own Headers class).
      (forEach as (cb: (value: unknown, name: unknown) => void) => void).call(
        headers,
        (value, name) => {
          const text = asString(value);
          if (typeof name === 'string' && text !== undefined)
            entries.push([name.toLowerCase(), text]);
        },
      );
      return entries;
    }
    for (const name of Object.keys(headers)) {
      const text = asString(safeGet(headers, name));
      if (text !== undefined) entries.push([name.toLowerCase(), text]);
    }
  } catch {
    // A proxy whose ownKeys trap throws, or a broken Headers object, yields what was read so far.
  }
  return entries;
}

/**
 * One header's value, looked up case-insensitively; `undefined` when absent. Never throws.
 *
 * @example
 * ```ts
 * headerValue(new Headers({ 'Retry-After': '7' }), 'retry-after'); // '7'
 * ```
 */
export function headerValue(headers: unknown, name: string): string | undefined {
  if (headers === null || typeof headers !== 'object') return undefined;
  const wanted = name.toLowerCase();
  const get = safeGet(headers, 'get');
  if (typeof get === 'function') {
    try {
      const value = asString((get as (n: string) => unknown).call(headers, wanted));
      if (value !== undefined) return value;
    } catch {
      // Fall through to the key scan below.
    }
  }
  for (const [key, value] of headerEntries(headers)) {
    if (key === wanted) return value;
  }
  return undefined;
}
