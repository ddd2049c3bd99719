/**
 * Resolves once `condition()` holds, checking after each turn of the event loop (a real socket's
 * events arrive between turns; no wall-clock timeout, so a busy machine only makes it slower).
 */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setImmediate(r));
}
