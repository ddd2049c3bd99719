import { isFleetStore, type FleetStore, type SharedAttemptWindow } from '../core/fleet-store.js';
import { checkOptions, nonEmptyStringRule, numberRule, type Rules } from '../core/validate.js';

/** Options of {@link connectionLimiter}. */
export interface ConnectionLimiterOptions {
  /** Attempts allowed in any `windowMs` (Binance: 300 per 5 minutes per IP). */
  limit: number;
  windowMs: number;
  /** A fleet store (`tenacious/redis`): the window is shared by every process using `key`. */
  store?: FleetStore;
  /** Names the shared window (an IP, a venue domain); required with `store`. Hashed in key names. */
  key?: string;
}

/**
 * A sliding window of connection attempts shared by every supervisor given it.
 *
 * @example
 * ```ts
 * const waitMs = await limiter.tryAcquire(); // 0: go ahead; else ask again after waitMs
 * ```
 */
export interface ConnectionLimiter {
  readonly limit: number;
  readonly windowMs: number;
  /**
   * Takes a slot for one attempt at `nowMs` (default `Date.now()`): resolves with 0 when taken,
   * else with the ms until one frees up. Never rejects: a store that fails falls back to the
   * local window.
   */
  tryAcquire(nowMs?: number): Promise<number>;
}

const RULES: Rules = {
  // The log holds `limit` times: a bound keeps a typo from allocating gigabytes.
  limit: numberRule(1, { integer: true, max: 1_000_000 }),
  windowMs: numberRule(0, { above: true }),
  store: { type: isFleetStore, rule: 'a fleet store (from redisStore())' },
  key: nonEmptyStringRule,
};

/**
 * The last `limit` attempt times in a ring: a slot is free when the oldest of them has left the
 * window. Exact (no buckets), O(1) per attempt, `limit` numbers of memory. A clock that goes
 * backwards only makes it stricter.
 */
class AttemptLog {
  private readonly times: number[];
  private next = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {
    this.times = new Array<number>(limit).fill(-Infinity);
  }

  /** 0 and the attempt recorded, or the ms until a slot frees up. */
  take(nowMs: number): number {
    const oldest = this.times[this.next]!;
    const freeAt = oldest + this.windowMs;
    if (freeAt > nowMs) return Math.max(1, Math.ceil(freeAt - nowMs));
    this.record(nowMs);
    return 0;
  }

  record(nowMs: number): void {
    this.times[this.next] = nowMs;
    this.next = (this.next + 1) % this.limit;
  }
}

class Limiter implements ConnectionLimiter {
  private readonly local: AttemptLog;
  private readonly fleet: SharedAttemptWindow | undefined;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    store: FleetStore | undefined,
    key: string | undefined,
  ) {
    this.local = new AttemptLog(limit, windowMs);
    this.fleet = store?.sharedAttemptWindow?.(key!, { limit, windowMs });
  }

  async tryAcquire(nowMs: number = Date.now()): Promise<number> {
    if (this.fleet !== undefined) {
      try {
        const waitMs = await this.fleet.take();
        if (Number.isFinite(waitMs) && waitMs >= 0) {
          // Mirrored locally, so a fallback during an outage starts from the fleet's recent past.
          if (waitMs === 0) this.local.record(nowMs);
          return waitMs;
        }
      } catch {
        // The store is down or slow: the local window decides (fail open to local limits).
      }
    }
    return this.local.take(nowMs);
  }
}

/**
 * A sliding window of connection attempts: at most `limit` in any `windowMs`, counted for every
 * supervisor given the limiter and, with a `store` (`tenacious/redis`), for the whole fleet by
 * Redis's clock. When the store is unreachable, each process falls back to its local window and
 * never throws. Bad options throw a `TypeError`/`RangeError` naming the option.
 *
 * @example
 * ```ts
 * import { connectionLimiter, supervise } from 'tenacious/stream';
 * import { redisStore } from 'tenacious/redis';
 *
 * // Binance: 300 connection attempts per 5 minutes per IP (shared by every process on the IP).
 * const limiter = connectionLimiter({ limit: 300, windowMs: 5 * 60_000, store: redisStore({ client }), key: 'ip-1' });
 * const trades = supervise(connect, { operation: 'binance-trades', limiter });
 * ```
 */
export function connectionLimiter(options: ConnectionLimiterOptions): ConnectionLimiter {
  const o = checkOptions('connectionLimiter', options, RULES);
  for (const name of ['limit', 'windowMs'] as const) {
    if (o[name] === undefined) {
      throw new TypeError(`connectionLimiter: ${name}: expected a number, got undefined`);
    }
  }
  if (o.store !== undefined && o.key === undefined) {
    throw new TypeError(
      'connectionLimiter: key: expected a non-empty string with store, got undefined',
    );
  }
  return new Limiter(o.limit, o.windowMs, o.store, o.key);
}
