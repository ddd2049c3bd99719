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
  /** Called with every state change any process makes (pub/sub); returns an unsubscribe function. */
  watch(listener: (view: SharedBreakerView) => void): () => void;
}

/** The answer to a reservation on a {@link SharedRateLimit}. */
export interface SharedReservation {
  /** `reserved`: go ahead; `cooldown`: a 429/418 hold; `weight`/`orders`: wait for the window. */
  outcome: 'reserved' | 'cooldown' | 'weight' | 'orders';
  /** Ms to wait before asking again (0 when reserved). */
  waitMs: number;
  /** The fleet's weight used in the current window, this reservation included. */
  used: number;
}

/** The state after an update of a {@link SharedRateLimit}. */
export interface SharedRateView {
  used: number;
  /** Ms until the fleet's cooldown ends (0 when none). */
  cooldownMs: number;
}

/** A request-weight window, order-count windows and a cooldown shared by the fleet. */
export interface SharedRateLimit {
  /** Reserves `weight` (and `orders` orders in every order window) atomically. */
  reserve(weight: number, orders: number): Promise<SharedReservation>;
  /**
   * Merges usage read from response headers (`usedWeight`, `orderCounts` per interval; the
   * larger count wins) and starts a cooldown of `cooldownMs` (rounded up to the next multiple of
   * `alignMs` when given) that holds every process.
   */
  update(report: {
    usedWeight?: number;
    orderCounts?: Readonly<Record<string, number>>;
    cooldownMs?: number;
    alignMs?: number;
  }): Promise<SharedRateView>;
  /** Called with the remaining ms whenever any process starts or extends a cooldown. */
  watchCooldown(listener: (cooldownMs: number) => void): () => void;
}

/**
 * A sliding log of connection attempts shared by the fleet (`connectionLimiter`): at most
 * `limit` attempts in any `windowMs`, by the store's clock.
 */
export interface SharedAttemptWindow {
  /** Takes a slot: resolves with 0 when taken, else with the ms until one frees up. */
  take(): Promise<number>;
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
