/**
 * S5's counterfactual only, never shipped: what `src/core/redaction/redact.ts` and `src/core/redaction/error-printing.ts`
 * export, with no redaction behind it (values pass through, errors print as Node prints them).
 * Bundling tenacious with these in place of the real modules measures what redaction costs in
 * the core bundle; a missing export fails the bundle, so the stub cannot drift unnoticed.
 */
export const REDACTED = '[REDACTED]';
export const redactText = (text: string): string => text;
export const redactValue = (value: unknown): unknown => value;
export const serializeError = (value: unknown): unknown => value;
export const describeError = (value: unknown): string => String(value);
export const safeGet = (target: unknown, key: PropertyKey): unknown =>
  (target as Record<PropertyKey, unknown> | null | undefined)?.[key];
export function printRedacted(): void {}
export function keepCause(error: Error, cause: unknown): void {
  Object.defineProperty(error, 'cause', { value: cause, configurable: true, writable: true });
}
export function keepRedactedForPino(): void {}
