import { hostname as osHostname } from 'node:os';

/**
 * This machine's name for alert messages; never throws.
 *
 * @example
 * ```ts
 * defaultHostname(); // 'trader-1'
 * ```
 */
export function defaultHostname(): string {
  try {
    return osHostname() || 'unknown-host';
  } catch {
    return 'unknown-host';
  }
}
