/**
 * Secret redaction for everything tenacious writes: log lines, error summaries and alerts. One
 * concept per file, gathered here for the rest of the package:
 * - `text.ts`: secret names and free text (URLs, labels, `Bearer …`), applying `rules.ts`;
 * - `safe-copy.ts`: bounded, redacted copies of hostile values;
 * - `client-errors.ts`: where each client puts method, URL, status, code, message and headers;
 * - `serialize.ts`: the compact error (`serializeError`), `describeError`, `redactValue`;
 * - `error-printing.ts`: how tenacious's own errors print, and `errSerializer` for pino.
 */
export { safeGet, causeChain } from './safe-read.js';
export { REDACTED, isSecretName, redactText } from './text.js';
export { errorFields, type ErrorFields } from './client-errors.js';
export { describeError, redactValue, serializeError, type SerializedError } from './serialize.js';
