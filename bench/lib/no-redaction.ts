/**
 * S5's counterfactual only, never shipped: what the redaction modules under
 * `src/core/redaction/` (`redact.ts`, `text.ts`, `safe-copy.ts`, `client-errors.ts`,
 * `serialize.ts`, `error-printing.ts`) export, with no redaction behind it (values pass through,
 * errors print as Node prints them). Bundling tenacious with this in place of each of them
 * measures what redaction costs in the core bundle; a missing export fails the bundle, so the
 * stub cannot drift unnoticed.
 */
export const REDACTED = '[REDACTED]';
export const MAX_TEXT = 4096;
export const isSecretName = (): boolean => false;
export const redactText = (text: string): string => text;
export const cut = (text: string): string => text;
export const redactValue = (value: unknown): unknown => value;
export const serializeError = (value: unknown): unknown => value;
export const describeError = (value: unknown): string => String(value);
export const errorFields = (): object => ({});
export const clientOf = (): undefined => undefined;
export const FULL = { depth: 0, keys: 0, string: 0 };
export const SMALL = FULL;
export const isPresent = (v: unknown): boolean => v !== undefined;
export const copyRedacted = (value: unknown): unknown => value;
export const safeGet = (target: unknown, key: PropertyKey): unknown =>
  (target as Record<PropertyKey, unknown> | null | undefined)?.[key];
export const causeChain = (value: unknown): unknown[] => [value];
export function printRedacted(): void {}
export function keepCause(error: Error, cause: unknown): void {
  Object.defineProperty(error, 'cause', { value: cause, configurable: true, writable: true });
}
export function keepHidden(error: Error, key: string, value: unknown): void {
  Object.defineProperty(error, key, { value, configurable: true, writable: true });
}
export const errSerializer = (value: unknown): unknown => value;
