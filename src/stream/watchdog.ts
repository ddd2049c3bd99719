import type { StreamPlan } from './options.js';
import type { LiveConnection } from './connection.js';

/**
 * The timers of an open connection: stable after `stableAfterMs`, stale after `staleAfterMs`
 * without `alive()`, replaced after `maxLifetimeMs`. One sleep at a time, to the nearest
 * deadline: an idle supervisor holds a single timer, a message costs no timer work (the watchdog
 * reads `lastAliveAt` when it wakes and sleeps again for the rest), and on the instant clock the
 * deadlines fire in the order of their times. A stale connection is noticed within
 * `staleAfterMs` plus the timer's own lateness.
 */
export async function watchConnection(
  live: LiveConnection,
  plan: StreamPlan,
  onStable: () => void,
): Promise<void> {
  const { clock, stableAfterMs, staleAfterMs, maxLifetimeMs } = plan;
  const signal = live.watch.signal;
  const lifetimeAt = live.openedAt + maxLifetimeMs;
  const stableAt = live.openedAt + stableAfterMs;
  while (!signal.aborted) {
    const now = clock.now();
    if (!live.stable && now >= stableAt) {
      live.stable = true;
      onStable();
    }
    // Deadlines compared as sums, as they are computed below: `now - last >= stale` can be
    // false by a rounding error while `last + stale` equals `now`, and the loop would spin.
    const staleAt = live.lastAliveAt + staleAfterMs;
    if (now >= staleAt) return live.end({ reason: 'stale' });
    if (now >= lifetimeAt) return live.end({ reason: 'lifetime' });
    const next = Math.min(live.stable ? Infinity : stableAt, staleAt, lifetimeAt);
    if (next === Infinity) return;
    try {
      await clock.sleep(next - now, signal);
    } catch {
      return; // the connection ended
    }
  }
}
