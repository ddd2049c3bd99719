import { onAbort } from '../core/clock.js';
import type { Clock } from '../core/types.js';

/** Wakes whoever waits for a connection's next sign of life (a pong, a message). */
export class Beacon {
  #waiters: (() => void)[] = [];

  /** A sign of life: wakes every waiter. Costs one length check while nobody waits. */
  fire(): void {
    if (this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves `true` at the next {@link fire}, `false` once `signal` aborts. */
  next(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const cancel = onAbort(signal, () => resolve(false));
      this.#waiters.push(() => {
        cancel();
        resolve(true);
      });
    });
  }
}

/** What {@link heartbeat} sends, when, and what it waits for. */
export interface Heartbeat {
  readonly clock: Clock;
  /** How long after `since()` the next beat is due. */
  readonly everyMs: number;
  /** The time the next beat counts from: the last beat sent, or the last message received. */
  readonly since: () => number;
  readonly send: () => void;
  /** Fired by the answer (any sign of life): the next beat is not counted before it. */
  readonly answer: Beacon;
  /** Ends the heartbeat: the connection closed. */
  readonly signal: AbortSignal;
}

/**
 * Sends a beat once `everyMs` have passed since `since()`, then waits for an answer before
 * counting again. One beat in flight at a time: a peer that stops answering gets no more of them
 * and the supervisor's `staleAfterMs` decides, and on the instant clock the beats follow the
 * answers instead of spinning. Never rejects; a send that throws ends it (the socket is closing).
 */
export async function heartbeat(h: Heartbeat): Promise<void> {
  const { clock, everyMs, signal } = h;
  while (!signal.aborted) {
    const waitMs = h.since() + everyMs - clock.now();
    if (waitMs > 0) {
      try {
        await clock.sleep(waitMs, signal);
      } catch {
        return; // closed
      }
      continue; // `since()` may have moved during the sleep
    }
    try {
      h.send();
    } catch {
      return;
    }
    if (!(await h.answer.next(signal))) return;
  }
}
