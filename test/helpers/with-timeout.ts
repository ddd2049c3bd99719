/**
 * Runs `request` with a signal that aborts with the attempt's `signal` or after `ms`, and holds
 * the timer itself until the request settles. `AbortSignal.any([signal, AbortSignal.timeout(ms)])`
 * does not: Node's timeout timer and the composite hold the timeout signal weakly, so a garbage
 * collection during the wait can drop it and the request then hangs for ever (seen in this matrix
 * under load: the fetch hang-past-client-timeout cells never ended; whatwg/dom#1032, jasnell on
 * Node's weak timer reference).
 */
export async function withTimeout<T>(
  signal: AbortSignal,
  ms: number,
  request: (timed: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('The operation timed out.', 'TimeoutError')),
    ms,
  );
  const onAbort = () => controller.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await request(controller.signal);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}
