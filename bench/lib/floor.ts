/**
 * The floor: the smallest correct retry loop one would write by hand. It has no classification,
 * no events, no jitter and no cancellation, so every library row is compared with the cost of
 * the loop itself.
 */
export async function minimalRetry<T>(
  fn: () => Promise<T>,
  attempts: number,
  delayMs: number,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= attempts) throw error;
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/**
 * The floor with a time budget: the same loop plus the one clock read at its start that any loop
 * needs to honour a budget measured from the first attempt's start (tenacious's `maxElapsedMs`,
 * p-retry's `maxRetryTime`), checked before each retry. S1 shows what that read costs alone.
 */
export async function minimalTimedRetry<T>(
  fn: () => Promise<T>,
  attempts: number,
  delayMs: number,
  maxElapsedMs: number,
): Promise<T> {
  const start = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= attempts || Date.now() - start + delayMs > maxElapsedMs) throw error;
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
