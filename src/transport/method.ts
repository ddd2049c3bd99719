/** HTTP methods that read and change nothing on the venue (RFC 9110 §9.2.1, safe methods). */
const READ_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether `method` only reads. An unknown method (undefined) counts as a write: a rule that
 * retries reads must not resend an order whose method it could not see.
 */
export function isReadMethod(method: string | undefined): boolean {
  return method !== undefined && READ_METHODS.has(method.toUpperCase());
}
