import type { Clock } from './types.js';

/** Node fires a timer longer than 2^31-1 ms at once, so every delay is clamped below that. */
export const MAX_DELAY_MS = 2 ** 31 - 1;

/** Clamps a delay to [0, 2^31-1] ms; NaN becomes 0. */
export function clampDelay(ms: number): number {
  return ms > 0 ? (ms < MAX_DELAY_MS ? ms : MAX_DELAY_MS) : 0;
}

function createRealClock(unref: boolean): Clock {
  return {
    now: Date.now,
    sleep(ms, signal) {
      return new Promise<void>((resolve, reject) => {
        if (signal === undefined) {
          const timer = setTimeout(resolve, clampDelay(ms));
          if (unref) timer.unref();
          return;
        }
        if (signal.aborted) {
          reject(signal.reason);
          return;
        }
        const onAbort = () => {
          clearTimeout(timer);
          reject(signal.reason);
        };
        const timer = setTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        }, clampDelay(ms));
        if (unref) timer.unref();
        signal.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}

/**
 * Wall-clock time and `setTimeout` sleeps. `Date.now` rather than `performance.now` because the
 * same clock serves absolute times (HTTP-date Retry-After, exchange rate-limit windows).
 */
export const realClock: Clock = createRealClock(false);

/** Like {@link realClock}, but its timers do not keep the process alive (`unref: true`). */
export const unrefRealClock: Clock = createRealClock(true);
