/**
 * What breakers, budgets and rate-limit trackers need from a store shared by a fleet of
 * processes. `tenacious/redis`'s `redisStore()` implements it; the core only knows this shape, so
 * it never imports a client library.
 *
 * Every operation is asynchronous and may reject (store down, slower than its command timeout):
 * callers keep their own local state, decide on it when the store does not answer, and never let
 * a store failure reach their caller. Windows follow the store's clock, not the hosts'.
 */

/** A sliding window of counters shared by the fleet (one per budget, one per rolling breaker). */
export interface SharedWindow {
  /**
   * Adds `deltas[f]` to field `f` in the current bucket and resolves with the fleet's totals per
   * field over the window, as the store's clock sees it.
   */
  add(deltas: readonly number[]): Promise<number[]>;
  /** Forgets every count (a breaker that closes starts the fleet's window afresh). */
  clear(): Promise<void>;
}

/** A breaker's shared state as the store reports it. */
export interface SharedBreakerView {
  /** Bumped on every shared state change: a view with an older `generation` is stale. */
  generation: number;
  /** `true` while the fleet's breaker is open (until `openForMs` passes). */
  open: boolean;
  /** Ms until the shared open period ends (0 when not open). */
  openForMs: number;
  /** `isolate()` holds every process's breaker open until `release()`. */
  isolated: boolean;
  /** Consecutive failures counted by the fleet. */
  failures: number;
}

/** What a breaker tells the fleet. */
export type SharedBreakerOp =
  | { op: 'failure'; count: number }
  | { op: 'success' }
  | { op: 'open' }
  | { op: 'close' }
  | { op: 'isolate' }
  | { op: 'release' }
  | { op: 'read' };

/** A circuit breaker's shared state. */
export interface SharedBreaker {
  /** Applies `op` and resolves with the state after it. */
  send(op: SharedBreakerOp): Promise<SharedBreakerView>;
  /**
   * Called with every state change any process makes (pub/sub), and once with the current state
   * when the subscription becomes active; returns an unsubscribe function.
   */
  watch(listener: (view: SharedBreakerView) => void): () => void;
}

/**
 * What a shared cooldown is: a rate limit broken (`cooldown`, a 429) or an IP ban (`ban`, a 418
 * or a 403 ban), so a process held by another's cooldown reports the same reason.
 */
export type SharedHoldKind = 'cooldown' | 'ban';

/** The answer to a reservation on a {@link SharedRateLimit}. */
export interface SharedReservation {
  /** `reserved`: go ahead; `cooldown`: a 429/418 hold; `weight`/`orders`: wait for the window. */
  outcome: 'reserved' | 'cooldown' | 'weight' | 'orders';
  /** Ms to wait before asking again (0 when reserved). */
  waitMs: number;
  /** The fleet's weight used in the current window, this reservation included. */
  used: number;
  /**
   * With `cooldown`: what it is. A store written before kinds were kept leaves it out: read it
   * as `cooldown`.
   */
  hold?: SharedHoldKind;
}

/** The state after an update of a {@link SharedRateLimit}. */
export interface SharedRateView {
  used: number;
  /** Ms until the fleet's cooldown ends (0 when none). */
  cooldownMs: number;
  /** What the running cooldown is; absent when none runs or the store does not keep kinds. */
  hold?: SharedHoldKind;
}

/** A request-weight window, order-count windows and a cooldown shared by the fleet. */
export interface SharedRateLimit {
  /** Reserves `weight` (and `orders` orders in every order window) atomically. */
  reserve(weight: number, orders: number): Promise<SharedReservation>;
  /**
   * Merges usage read from response headers (`usedWeight`, `orderCounts` per interval; the
   * larger count wins) and starts a cooldown of `cooldownMs` (rounded up to the next multiple of
   * `alignMs` when given) that holds every process; `hold` says what it is (default
   * `cooldown`): while a ban runs, the fleet's cooldown is a ban.
   */
  update(report: {
    usedWeight?: number;
    orderCounts?: Readonly<Record<string, number>>;
    cooldownMs?: number;
    alignMs?: number;
    hold?: SharedHoldKind;
  }): Promise<SharedRateView>;
  /**
   * Called with the remaining ms and what the hold is whenever any process starts or extends a
   * cooldown or a ban (and once, when the subscription becomes active, with one already
   * running). `hold` is absent in a message from a store that does not keep kinds.
   */
  watchCooldown(listener: (cooldownMs: number, hold?: SharedHoldKind) => void): () => void;
  /** Aborts when the store is closed; its reason names the store. A tracker's holds end with it. */
  readonly closed?: AbortSignal;
}

/**
 * A sliding log of connection attempts shared by the fleet (`connectionLimiter`): at most
 * `limit` attempts in any `windowMs`, by the store's clock.
 */
export interface SharedAttemptWindow {
  /** Takes a slot: resolves with 0 when taken, else with the ms until one frees up. */
  take(): Promise<number>;
}

/** The fleet's adaptive rate as the store reports it (see {@link SharedAdaptiveRate}). */
export interface SharedAdaptiveRateView {
  /** 0: a token was taken, go now; else the ms until one is there (ask again then). Always 0 on `record`. */
  waitMs: number;
  /** `false` until some process of the fleet has seen a throttle. */
  enabled: boolean;
  /** The fleet's fill rate, requests/s. */
  rate: number;
  /** The fleet's measured sending rate, requests/s. */
  measuredRate: number;
}

/**
 * One CUBIC rate and one token bucket for a whole fleet (`adaptiveLimiter({ store })`): every
 * process takes its tokens from the same bucket and reports its responses into the same
 * measured rate, so the fleet together converges to the venue's capacity.
 */
export interface SharedAdaptiveRate {
  /** Takes one token from the fleet's bucket when there is one (free while `enabled` is false). */
  acquire(): Promise<SharedAdaptiveRateView>;
  /** Reports responses: `successes` non-throttled ones, then `throttles` throttled ones. */
  record(successes: number, throttles: number): Promise<SharedAdaptiveRateView>;
}

/**
 * A store shared by a fleet of processes. Every object is addressed by a `kind` and a `key` the
 * user chooses (a venue, an account); the store derives the real key names (hashed: a key may
 * be an API key) and gives each an expiry.
 *
 * @example
 * ```ts
 * import { redisStore } from 'tenacious/redis';
 * const store: FleetStore = redisStore({ client });
 * const budget = retryBudget({ store, key: 'binance' });
 * ```
 */
export interface FleetStore {
  sharedWindow(
    kind: string,
    key: string,
    spec: { windowMs: number; buckets: number; fields: number },
  ): SharedWindow;
  sharedBreaker(
    key: string,
    spec: { failureThreshold: number; resetAfterMs: number },
  ): SharedBreaker;
  sharedRateLimit(
    key: string,
    spec: {
      windowMs: number;
      pauseWeight: number;
      orderLimits: Readonly<Record<string, { windowMs: number; limit: number }>>;
    },
  ): SharedRateLimit;
  /** Optional: a store without it leaves `connectionLimiter` on its local window. */
  sharedAttemptWindow?(key: string, spec: { limit: number; windowMs: number }): SharedAttemptWindow;
  /** The adaptive limiter's shared rate; optional, so stores written before it stay valid. */
  sharedAdaptiveRate?(
    key: string,
    spec: { beta: number; scale: number; minRate: number },
  ): SharedAdaptiveRate;
}

/** The options rule for `store`: an object with the three factories. */
export function isFleetStore(value: unknown): value is FleetStore {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as FleetStore).sharedWindow === 'function' &&
    typeof (value as FleetStore).sharedBreaker === 'function' &&
    typeof (value as FleetStore).sharedRateLimit === 'function'
  );
}
