import type { Clock } from './types.js';

/** Node fires a timer longer than 2^31-1 ms at once, so every delay is clamped below that. */
export const MAX_DELAY_MS = 2 ** 31 - 1;

/** Clamps a delay to [0, 2^31-1] ms; NaN becomes 0. */
export function clampDelay(ms: number): number {
  return ms > 0 ? (ms < MAX_DELAY_MS ? ms : MAX_DELAY_MS) : 0;
}

interface AbortWaiters {
  readonly callbacks: Set<() => void>;
  readonly listener: () => void;
}

const waiters = new WeakMap<AbortSignal, AbortWaiters>();

/**
 * Calls `callback` when `signal` aborts; returns a function that cancels that. However many
 * callers wait on one signal, it carries a single 'abort' listener: EventTarget scans its list
 * on every add, so one listener per waiter makes n concurrent waiters cost O(n^2).
 */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  let entry = waiters.get(signal);
  if (entry === undefined) {
    const callbacks = new Set<() => void>();
    const listener = () => {
      waiters.delete(signal);
      for (const cb of callbacks) cb();
    };
    entry = { callbacks, listener };
    waiters.set(signal, entry);
    signal.addEventListener('abort', listener, { once: true });
  }
  const current = entry;
  current.callbacks.add(callback);
  return () => {
    if (!current.callbacks.delete(callback) || current.callbacks.size > 0) return;
    if (waiters.get(signal) === current) {
      waiters.delete(signal);
      signal.removeEventListener('abort', current.listener);
    }
  };
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
        const timer = setTimeout(() => {
          cancel();
          resolve();
        }, clampDelay(ms));
        if (unref) timer.unref();
        const cancel = onAbort(signal, () => {
          clearTimeout(timer);
          reject(signal.reason);
        });
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
