import type { Clock } from '../../src/index.js';

/**
 * Real time, but every sleep lasts `1/scale` of what was asked, and `now()` moves on by the full
 * amount: the examples show the delays tenacious asks for, without making you wait for them.
 * (In tests, use `instantClock()` from `tenacious/testing` instead.)
 */
export function scaledClock(scale: number): Clock {
  let skew = 0;
  return {
    now: () => Date.now() + skew,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const timer = setTimeout(() => {
          skew += ms - ms / scale;
          resolve();
        }, ms / scale);
        signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(signal.reason);
        });
      }),
  };
}
