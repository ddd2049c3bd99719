import type { FleetStore, SharedHoldKind, SharedRateLimit } from '../core/fleet-store.js';
import { HoldTooLongError } from '../core/errors.js';
import { holdLimitMs } from '../core/hold-limit.js';
import { publishHold } from '../core/hub.js';
import type { AcquireOptions, Clock, HoldReason, Logger } from '../core/types.js';

/**
 * Endpoint windows, holds and their fleet mirror, written once for the venue trackers
 * (`bybitRateLimitTracker`, `okxRateLimitTracker`). A hold is a time before which `acquire`
 * does not let a request go: one for the whole host (an IP ban), one per endpoint (a spent
 * window, a rate-limit answer). With a store, every hold is also a cooldown of a
 * `store.sharedRateLimit()` (one for the host, one per endpoint), so the fleet holds together;
 * the store's answer is advisory and a store failure leaves the local state in charge.
 */

/** What one endpoint's state looks like in a snapshot. */
export interface EndpointSnapshot {
  /** Requests left in the current window, as the venue last reported (minus acquisitions since). */
  remaining: number | undefined;
  /** The window's limit, as the venue last reported it. */
  limit: number | undefined;
  /** Epoch ms at which the venue said the window resets. */
  resetAtMs: number | undefined;
  /** Epoch ms until which `acquire(endpoint)` waits, or `undefined`. */
  heldUntil: number | undefined;
}

/**
 * Plain data describing a venue tracker's state.
 *
 * @example
 * ```ts
 * const { hostHeldUntil, endpoints } = tracker.snapshot();
 * ```
 */
export interface VenueLimitsSnapshot {
  /** Epoch ms until which every `acquire` waits (an IP ban), or `undefined`. */
  hostHeldUntil: number | undefined;
  /** Per endpoint, the last usage reading and any hold. */
  endpoints: Record<string, EndpointSnapshot>;
}

/** A usage reading for one endpoint (Bybit's `X-Bapi-Limit*` headers). */
export interface UsageReading {
  remaining?: number;
  limit?: number;
  resetAtMs?: number;
}

interface EndpointState {
  remaining: number | undefined;
  limit: number | undefined;
  resetAtMs: number | undefined;
  heldUntil: number;
  shared: SharedRateLimit | undefined;
}

/** What the mirror asks of the store for each hold: only its cooldown is used. */
const SHARED_SPEC = {
  windowMs: 1000,
  pauseWeight: Number.MAX_SAFE_INTEGER,
  orderLimits: {},
} as const;

/** At most this many endpoints are tracked, so a caller naming endpoints by full URL cannot grow memory without bound. */
const MAX_ENDPOINTS = 1024;

/** How the machinery is set up by a venue's tracker. */
export interface VenueLimitsConfig {
  /** Names the venue in log lines (`bybit`, `okx`). */
  venue: string;
  clock: Clock;
  logger: Pick<Logger, 'warn'> | undefined;
  store: FleetStore | undefined;
  /** The fleet key: hashed by the store before it reaches a key name. */
  key: string;
}

/**
 * The shared machinery of the venue trackers; see the file comment.
 *
 * @example
 * ```ts
 * const limits = new VenueLimits({ venue: 'okx', clock: realClock, logger: undefined, store: undefined, key: 'okx' });
 * limits.holdEndpoint('/api/v5/trade/order', 2000, 'okx:50011');
 * await limits.acquire('/api/v5/trade/order'); // waits 2 s
 * ```
 */
export class VenueLimits {
  private hostHeldUntil = 0;
  private readonly endpoints = new Map<string, EndpointState>();
  private readonly host: SharedRateLimit | undefined;

  constructor(private readonly config: VenueLimitsConfig) {
    const store = config.store;
    if (store === undefined) return;
    this.host = this.mirror(store, config.key, (until) => this.raiseHost(until));
  }

  /** Records a usage reading; a spent window with a reset ahead holds the endpoint until then. */
  observe(endpoint: string, reading: UsageReading): void {
    const now = this.config.clock.now();
    const state = this.stateOf(endpoint);
    if (reading.remaining !== undefined) state.remaining = reading.remaining;
    if (reading.limit !== undefined) state.limit = reading.limit;
    if (reading.resetAtMs !== undefined) state.resetAtMs = reading.resetAtMs;
    if (
      reading.remaining !== undefined &&
      reading.remaining <= 0 &&
      reading.resetAtMs !== undefined &&
      reading.resetAtMs > now
    ) {
      this.holdEndpoint(endpoint, reading.resetAtMs - now, 'window spent');
    }
  }

  /** Holds the callers of one endpoint for `ms` (here and, with a store, in the fleet). */
  holdEndpoint(endpoint: string, ms: number, reason: string): void {
    if (!(ms > 0)) return;
    const state = this.stateOf(endpoint);
    const until = this.config.clock.now() + ms;
    if (until <= state.heldUntil) return;
    state.heldUntil = until;
    this.warn({ endpoint, holdMs: Math.ceil(ms), reason }, 'rate limit: holding the endpoint');
    this.tell(state.shared, ms, 'cooldown', (after) => this.raiseEndpoint(state, after));
  }

  /** Holds every caller sharing the tracker for `ms` (an IP ban). */
  holdHost(ms: number, reason: string): void {
    if (!(ms > 0)) return;
    const until = this.config.clock.now() + ms;
    if (until <= this.hostHeldUntil) return;
    this.hostHeldUntil = until;
    this.warn({ holdMs: Math.ceil(ms), reason }, 'rate limit: holding every caller');
    this.tell(this.host, ms, 'ban', (after) => this.raiseHost(after));
  }

  /**
   * Resolves once neither the host nor `endpoint` is held and the endpoint has a request left
   * (or its reset time has passed), then counts one request. Rejects with `signal.reason` when
   * the signal aborts, also while waiting, and at once with `HoldTooLongError` when the holds
   * would add up to more than `maxWaitMs` or the run's `remainingMs` (options already checked).
   */
  async acquire(endpoint: string, options: AcquireOptions | undefined): Promise<void> {
    const clock = this.config.clock;
    const state = this.stateOf(endpoint);
    const signal = options?.signal;
    const limitMs = holdLimitMs(options);
    let startedAt: number | undefined;
    let reported: HoldReason | undefined;
    const hold = async (waitMs: number, reason: HoldReason) => {
      startedAt ??= clock.now();
      const totalMs = Math.ceil(clock.now() - startedAt + waitMs);
      if (totalMs > limitMs) {
        throw new HoldTooLongError({
          reason,
          waitMs: totalMs,
          maxWaitMs: limitMs,
          tracker: `${this.config.venue} rate-limit tracker`,
        });
      }
      // One HoldEvent per hold (again only when its reason changes), as the Binance tracker does.
      if (reason !== reported) {
        reported = reason;
        publishHold({ source: `${this.config.venue}-limits`, reason, waitMs: Math.ceil(waitMs) });
      }
      await clock.sleep(waitMs, signal);
    };
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      const now = clock.now();
      const waitMs = this.localWait(state, now);
      if (waitMs > 0) {
        await hold(waitMs, this.holdReason(state, now));
        continue;
      }
      if (this.host !== undefined) {
        // A hold another process set before this one subscribed (or while its pub/sub lagged).
        const shared = await this.askFleet(state);
        if (shared.waitMs > 0) {
          await hold(shared.waitMs, shared.reason);
          continue;
        }
      }
      if (state.remaining !== undefined && state.remaining > 0) state.remaining -= 1;
      return;
    }
  }

  snapshot(): VenueLimitsSnapshot {
    const now = this.config.clock.now();
    const endpoints: Record<string, EndpointSnapshot> = {};
    for (const [name, s] of this.endpoints) {
      endpoints[name] = {
        remaining: s.remaining,
        limit: s.limit,
        resetAtMs: s.resetAtMs,
        heldUntil: s.heldUntil > now ? s.heldUntil : undefined,
      };
    }
    return { hostHeldUntil: this.hostHeldUntil > now ? this.hostHeldUntil : undefined, endpoints };
  }

  /** Why {@link localWait} holds: a host hold is an IP ban, an endpoint hold a rate limit. */
  private holdReason(state: EndpointState, now: number): HoldReason {
    if (this.hostHeldUntil > now && this.hostHeldUntil >= state.heldUntil) return 'ban';
    return state.heldUntil > now ? 'cooldown' : 'window';
  }

  /** Ms this process knows to wait before a request to the endpoint (0: go). */
  private localWait(state: EndpointState, now: number): number {
    const held = Math.max(this.hostHeldUntil, state.heldUntil);
    if (held > now) return held - now;
    // A window spent by this process's own acquisitions: wait for the reset the venue announced.
    if (state.remaining !== undefined && state.remaining <= 0) {
      if (state.resetAtMs !== undefined && state.resetAtMs > now) return state.resetAtMs - now;
      // The reset passed (or was never announced): the next answer tells the new count.
      state.remaining = undefined;
    }
    return 0;
  }

  /**
   * The fleet's remaining hold for the host and the endpoint, in ms (0 when the store fails),
   * and what the longer one is: a host hold is a ban unless the store says otherwise.
   */
  private async askFleet(state: EndpointState): Promise<{ waitMs: number; reason: HoldReason }> {
    try {
      const reads = [this.host!.update({})];
      if (state.shared !== undefined) reads.push(state.shared.update({}));
      const views = await Promise.all(reads);
      const now = this.config.clock.now();
      const [hostView, endpointView] = views;
      if (hostView !== undefined && hostView.cooldownMs > 0)
        this.raiseHost(now + hostView.cooldownMs);
      if (endpointView !== undefined && endpointView.cooldownMs > 0)
        this.raiseEndpoint(state, now + endpointView.cooldownMs);
      const hostMs = hostView?.cooldownMs ?? 0;
      const endpointMs = endpointView?.cooldownMs ?? 0;
      return hostMs >= endpointMs
        ? { waitMs: hostMs, reason: hostView?.hold ?? 'ban' }
        : { waitMs: endpointMs, reason: endpointView?.hold ?? 'cooldown' };
    } catch {
      // The store is down or slow: this process's own state decides (the store logs and counts).
      return { waitMs: 0, reason: 'cooldown' };
    }
  }

  private stateOf(endpoint: string): EndpointState {
    let state = this.endpoints.get(endpoint);
    if (state !== undefined) return state;
    if (this.endpoints.size >= MAX_ENDPOINTS) {
      // Forget the oldest endpoint that holds nothing.
      const now = this.config.clock.now();
      for (const [name, s] of this.endpoints) {
        if (s.heldUntil <= now) {
          this.endpoints.delete(name);
          break;
        }
      }
    }
    state = {
      remaining: undefined,
      limit: undefined,
      resetAtMs: undefined,
      heldUntil: 0,
      shared: undefined,
    };
    const created = state;
    const store = this.config.store;
    if (store !== undefined) {
      created.shared = this.mirror(store, `${this.config.key}:${endpoint}`, (until) =>
        this.raiseEndpoint(created, until),
      );
    }
    this.endpoints.set(endpoint, created);
    return created;
  }

  /** One shared cooldown in the store, whose changes by any process reach `raise` by pub/sub. */
  private mirror(
    store: FleetStore,
    key: string,
    raise: (until: number) => void,
  ): SharedRateLimit | undefined {
    try {
      const shared = store.sharedRateLimit(key, SHARED_SPEC);
      shared.watchCooldown((ms) => raise(this.config.clock.now() + ms));
      return shared;
    } catch {
      return undefined;
    }
  }

  /** Starts the hold in the fleet too; the store's answer (a longer hold) is taken in. */
  private tell(
    shared: SharedRateLimit | undefined,
    ms: number,
    hold: SharedHoldKind,
    raise: (until: number) => void,
  ): void {
    if (shared === undefined) return;
    let pending: Promise<{ cooldownMs: number }>;
    try {
      pending = shared.update({ cooldownMs: ms, hold });
    } catch {
      return;
    }
    pending.then(
      (view) => {
        if (view.cooldownMs > 0) raise(this.config.clock.now() + view.cooldownMs);
      },
      () => {
        // The store is down: the local hold already stands.
      },
    );
  }

  private raiseHost(until: number): void {
    if (until > this.hostHeldUntil) this.hostHeldUntil = until;
  }

  private raiseEndpoint(state: EndpointState, until: number): void {
    if (until > state.heldUntil) state.heldUntil = until;
  }

  private warn(fields: Record<string, unknown>, message: string): void {
    try {
      this.config.logger?.warn(
        { venue: this.config.venue, ...fields },
        `${this.config.venue} ${message}`,
      );
    } catch {
      // A broken logger never breaks the caller's request.
    }
  }
}
