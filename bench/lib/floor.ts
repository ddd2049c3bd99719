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
