import { createHash } from 'node:crypto';
import { realClock } from '../core/clock.js';
import { HoldTooLongError } from '../core/errors.js';
import { publishHold } from '../core/hub.js';
import { parseRetryAfter } from '../transport/retry-after.js';
import {
  isFleetStore,
  type FleetStore,
  type SharedHoldKind,
  type SharedRateLimit,
} from '../core/fleet-store.js';
import { checkAcquireOptions, holdLimitMs } from '../core/hold-limit.js';
import type { AcquireOptions, Clock, HoldEvent, HoldReason, Logger } from '../core/types.js';
import {
  checkOptions,
  checkValue,
  clockRule,
  describeValue,
  methodsRule,
  nonEmptyStringRule,
  numberRule,
  type Rule,
  type Rules,
} from '../core/validate.js';
import { headerEntries, headerValue } from './headers.js';

/**
 * A shared view of Binance's rate limits, so that every caller on one IP slows down together
 * instead of each finding out with a 429, and all of them stop after a 429 or 418 ban. With a
 * `store` (`tenacious/redis`) the view is shared by every process of a fleet.
 *
 * Binance reports the weight used by the IP in the current window on every response as
 * `X-MBX-USED-WEIGHT-(intervalNum)(intervalLetter)` and the account's order count as
 * `X-MBX-ORDER-COUNT-…`; limits are per IP for weight and per account for orders [BSD][BFG];
 * Retry-After on a 429 or 418 is in seconds [BSD] (reference/errors.md §1.2).
 */

/** `X-MBX-USED-WEIGHT-1M`, `x-mbx-order-count-10s`… (the pattern `@binance/common` uses [BC]). */
const RATE_HEADER = /x-mbx-(used-weight|order-count)-(\d+)([smhd])/i;

const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Binance's shortest IP ban, used after a 418 without Retry-After [BSD]: "from 2 minutes to 3 days". */
const MIN_BAN_MS = 120_000;

/**
 * A 429 (or -1003) without Retry-After holds until the next minute window: REQUEST_WEIGHT is
 * counted per minute (`X-MBX-USED-WEIGHT-1M`) [BSD] (reference/errors.md §1.2), and the contract
 * (API.md, binanceClassifier) says "a -1003 without Retry-After waits for the next minute window".
 */
const WEIGHT_WINDOW_MS = 60_000;

/**
 * Options of {@link binanceWeightTracker}.
 *
 * @example
 * ```ts
 * const options: BinanceWeightTrackerOptions = { limit: 6000, orderLimits: { '10s': 50 } };
 * ```
 */
export interface BinanceWeightTrackerOptions {
  /** The request-weight limit of the window, e.g. 6000 (spot, 1m) or 2400 (USDⓈ-M futures, 1m). */
  limit: number;
  /** Fraction of `limit` at which a warning is logged once per window. Default 0.8. */
  warnAt?: number;
  /** Fraction of `limit` from which `acquire` waits for the next window. Default 0.9. */
  pauseAt?: number;
  /** The window `limit` applies to, as in the header name (`1m`, `10s`, `1h`, `1d`). Default `1m`. */
  interval?: string;
  /**
   * Order-count limits per interval, as in `X-MBX-ORDER-COUNT-*` (spot: `{ '10s': 50, '1d': 160000 }`):
   * `acquireOrder()` waits while one is reached. Default: none.
   */
  orderLimits?: Readonly<Record<string, number>>;
  /** Time source and sleeper. Default: real time. */
  clock?: Clock;
  /**
   * Receives a `warn` when usage crosses `warnAt`, and one line per hold (a wait inside
   * `acquire`/`acquireOrder`): `debug` (when the logger has it) up to `warnAfterMs`, `warn` above,
   * with `{ venue, key, reason, waitMs }`.
   */
  logger?: Pick<Logger, 'warn'> & Partial<Pick<Logger, 'debug'>>;
  /** A hold longer than this many ms logs `warn` instead of `debug`. Default `1000`. */
  warnAfterMs?: number;
  /**
   * A store shared by a fleet (`redisStore()` from `tenacious/redis`): weight is reserved there
   * atomically, a 429/418 seen by any process holds every process, and usage headers from any
   * process are merged. Default: none, the tracker is this process's.
   */
  store?: FleetStore;
  /**
   * Which shared limit this is, with a `store`: one per IP (weight) and account (orders). It is
   * hashed before it reaches a key name, a log line or a {@link HoldEvent}, so an API key is fine.
   * Default `'binance'`.
   */
  key?: string;
}

/**
 * Plain data describing a tracker's state.
 *
 * @example
 * ```ts
 * const { ratio, pausedUntil } = tracker.snapshot();
 * ```
 */
export interface BinanceWeightSnapshot {
  limit: number;
  warnAt: number;
  pauseAt: number;
  interval: string;
  /** Estimated weight used per interval in the current window (header value plus acquisitions). */
  usedWeight: Record<string, number>;
  /** Order counts per interval in the current window (headers plus `acquireOrder()`s). */
  orderCounts: Record<string, number>;
  /** `usedWeight[interval] / limit`. */
  ratio: number;
  /** Start and end (epoch ms) of the current window of `interval`. */
  windowStartMs: number;
  windowEndMs: number;
  /** Epoch ms until which every `acquire` waits after a 429/418, or `undefined`. */
  pausedUntil: number | undefined;
}

/**
 * A shared Binance rate-limit tracker; see {@link binanceWeightTracker}.
 *
 * @example
 * ```ts
 * await tracker.acquire(4);
 * const response = await fetch(url);
 * tracker.update(response.headers, response.status);
 * ```
 */
export interface BinanceWeightTracker {
  /** Reads `X-MBX-USED-WEIGHT-*`, `X-MBX-ORDER-COUNT-*` and, on a 429 or 418, Retry-After. */
  update(headers: unknown, status?: number): void;
  /** Holds every caller for `ms` (used for bans reported without headers, e.g. WebSocket frames). */
  pause(ms: number): void;
  /**
   * Resolves at once below `pauseAt`; otherwise waits (a hold) for the window to roll over or a
   * cooldown or ban to end. The wait ends when `signal` aborts (rejecting with its reason), when
   * the `store` is closed (`StoreClosedError`), and never runs past `maxWaitMs` nor the run's
   * `remainingMs`: a hold that would end later rejects at once with `HoldTooLongError`. Pass the
   * attempt's context as `options` (`tracker.acquire(4, ctx)`) to get both from the run.
   */
  acquire(weight?: number, options?: AcquireOptions): Promise<void>;
  /**
   * Like {@link acquire} for an order request: also waits while an `orderLimits` count is reached,
   * then counts one order in each.
   */
  acquireOrder(weight?: number, options?: AcquireOptions): Promise<void>;
  snapshot(): BinanceWeightSnapshot;
}

const fractionRule: Rule = {
  type: (v) => typeof v === 'number',
  range: (v: number) => v > 0 && v <= 1,
  rule: 'a number in (0, 1]',
};

const INTERVAL = /^[1-9]\d*[smhd]$/;

const intervalRule: Rule = {
  type: (v) => typeof v === 'string',
  range: (v: string) => INTERVAL.test(v),
  rule: 'an interval such as "1m"',
};

const orderLimitsRule: Rule = {
  type: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  range: (v: Record<string, unknown>) =>
    Object.entries(v).every(
      ([k, n]) => INTERVAL.test(k) && typeof n === 'number' && Number.isInteger(n) && n >= 1,
    ),
  rule: 'an object of interval → integer >= 1, such as { "10s": 50 }',
};

const RULES: Rules = {
  limit: numberRule(1, { integer: true }),
  warnAt: fractionRule,
  pauseAt: fractionRule,
  interval: intervalRule,
  orderLimits: orderLimitsRule,
  clock: clockRule,
  logger: methodsRule('a logger with a warn method', 'warn'),
  warnAfterMs: numberRule(0, { infinity: true }),
  store: { type: isFleetStore, rule: 'a fleet store such as redisStore()' },
  key: nonEmptyStringRule,
};

const weightRule = numberRule(0);

/** One step of an acquire: go now, or wait `waitMs` for `reason`. */
type Step = { go: true } | { go: false; waitMs: number; reason: HoldReason };

const GO: Step = { go: true };

/** The wait state of one acquire call, made on its first hold. */
interface Hold {
  readonly startedAt: number;
  readonly maxWaitMs: number;
  /** The caller's signal, joined with the store's `closed` signal. */
  readonly signal: AbortSignal | undefined;
  /** The reason last reported: a hold is logged and published once, again when its reason changes. */
  reason: HoldReason | undefined;
}

function intervalMs(key: string): number {
  const match = /^(\d+)([smhd])$/.exec(key);
  return match === null ? 60_000 : Number(match[1]) * UNIT_MS[match[2]!]!;
}

/** A count that belongs to one window of `ms` (aligned to multiples of `ms`), zero in any other. */
class Windowed {
  value = 0;
  start = Number.NEGATIVE_INFINITY;
  constructor(readonly ms: number) {}

  /** Moves to `now`'s window (forgetting the old count); true when it moved. */
  roll(now: number): boolean {
    const start = Math.floor(now / this.ms) * this.ms;
    if (start === this.start) return false;
    this.start = start;
    this.value = 0;
    return true;
  }

  current(now: number): number {
    this.roll(now);
    return this.value;
  }

  /** The count never goes down within a window: a smaller reading is an older one. */
  raise(now: number, value: number): void {
    this.roll(now);
    if (value > this.value) this.value = value;
  }
}

/** What the headers of one response said. */
interface Report {
  usedWeight?: number;
  orderCounts?: Record<string, number>;
  cooldownMs?: number;
  alignMs?: number;
  /** A 418 is a ban: the fleet's processes held by it report `ban`, not `cooldown`. */
  hold?: SharedHoldKind;
}

class Tracker implements BinanceWeightTracker {
  private readonly weight: Windowed;
  private readonly otherWeights = new Map<string, Windowed>();
  private readonly orders = new Map<string, Windowed>();
  private readonly pauseWeight: number;
  private readonly warnWeight: number;
  private warnedStart = Number.NaN;
  private pausedUntil = 0;
  /** What the running pause is: a 418 (`ban`) or a 429, a `pause()` or another process's (`cooldown`). */
  private pauseReason: HoldReason = 'cooldown';
  private readonly shared: SharedRateLimit | undefined;
  /** The user's `key`, hashed: what logs and hold events show. */
  private readonly keyId: string | undefined;

  constructor(
    private readonly limit: number,
    private readonly warnAt: number,
    private readonly pauseAt: number,
    private readonly interval: string,
    private readonly orderLimits: Readonly<Record<string, number>>,
    private readonly clock: Clock,
    private readonly logger: BinanceWeightTrackerOptions['logger'],
    private readonly warnAfterMs: number,
    store: FleetStore | undefined,
    key: string | undefined,
  ) {
    this.weight = new Windowed(intervalMs(interval));
    this.pauseWeight = pauseAt * limit;
    this.warnWeight = warnAt * limit;
    // A key may be an API key: only its hash (as in the store's key names) reaches logs and events.
    this.keyId =
      key === undefined ? undefined : createHash('sha256').update(key).digest('hex').slice(0, 20);
    for (const name of Object.keys(orderLimits))
      this.orders.set(name, new Windowed(intervalMs(name)));
    if (store === undefined) return;
    this.shared = store.sharedRateLimit(key ?? 'binance', {
      windowMs: this.weight.ms,
      pauseWeight: this.pauseWeight,
      orderLimits: Object.fromEntries(
        Object.entries(orderLimits).map(([name, n]) => [
          name,
          { windowMs: intervalMs(name), limit: n },
        ]),
      ),
    });
    // Another process's 429/418 reaches this one by pub/sub, within a round trip, with its kind.
    this.shared.watchCooldown((ms, hold) => this.holdUntil(this.clock.now() + ms, hold));
  }

  update(headers: unknown, status?: number): void {
    const now = this.clock.now();
    const report: Report = {};
    for (const [name, raw] of headerEntries(headers)) {
      const match = RATE_HEADER.exec(name);
      if (match === null) continue;
      const value = Number.parseInt(raw, 10);
      if (!Number.isFinite(value) || value < 0) continue;
      const key = `${match[2]}${match[3]!.toLowerCase()}`;
      if (match[1]!.toLowerCase() === 'used-weight') {
        // The header counts every request the server saw; acquisitions still in flight may not
        // be in it yet, so the estimate never goes down within a window.
        if (key === this.interval) {
          this.weight.raise(now, value);
          report.usedWeight = value;
        } else {
          this.windowedOf(this.otherWeights, key).raise(now, value);
        }
      } else {
        this.windowedOf(this.orders, key).raise(now, value);
        (report.orderCounts ??= {})[key] = value;
      }
    }
    if (status === 429 || status === 418) {
      const retryAfterMs = parseRetryAfter(headerValue(headers, 'retry-after'), now);
      if (retryAfterMs !== undefined) report.cooldownMs = retryAfterMs;
      else if (status === 418) report.cooldownMs = MIN_BAN_MS;
      else {
        report.cooldownMs = 0;
        report.alignMs = WEIGHT_WINDOW_MS;
      }
      const alignMs = report.alignMs ?? 0;
      const boundary = alignMs > 0 ? Math.floor(now / alignMs) * alignMs + alignMs : 0;
      // Binance: 418 is an IP ban, 429 a rate limit broken [BSD] (reference/errors.md §1.1).
      report.hold = status === 418 ? 'ban' : 'cooldown';
      this.holdUntil(Math.max(now + report.cooldownMs, boundary), report.hold);
    }
    this.checkWarn(now);
    if (this.shared !== undefined && Object.keys(report).length > 0) this.tell(report);
  }

  pause(ms: number): void {
    if (typeof ms !== 'number' || !(ms >= 0)) return;
    this.holdUntil(this.clock.now() + ms, 'cooldown');
    if (this.shared !== undefined) this.tell({ cooldownMs: ms });
  }

  acquire(weight: number = 1, options?: AcquireOptions): Promise<void> {
    const error = this.checkAcquire('acquire', weight, options);
    return error === undefined ? this.take(weight, 0, options) : Promise.reject(error);
  }

  acquireOrder(weight: number = 1, options?: AcquireOptions): Promise<void> {
    const error = this.checkAcquire('acquireOrder', weight, options);
    return error === undefined ? this.take(weight, 1, options) : Promise.reject(error);
  }

  snapshot(): BinanceWeightSnapshot {
    const now = this.clock.now();
    const usedWeight: Record<string, number> = {};
    for (const [key, w] of this.otherWeights) usedWeight[key] = w.current(now);
    const used = this.weight.current(now);
    usedWeight[this.interval] = used;
    const orderCounts: Record<string, number> = {};
    for (const [key, w] of this.orders) orderCounts[key] = w.current(now);
    return {
      limit: this.limit,
      warnAt: this.warnAt,
      pauseAt: this.pauseAt,
      interval: this.interval,
      usedWeight,
      orderCounts,
      ratio: used / this.limit,
      windowStartMs: this.weight.start,
      windowEndMs: this.weight.start + this.weight.ms,
      pausedUntil: this.pausedUntil > now ? this.pausedUntil : undefined,
    };
  }

  private checkAcquire(
    method: string,
    weight: unknown,
    options: AcquireOptions | undefined,
  ): TypeError | RangeError | undefined {
    return (
      checkValue(`${method}: weight`, weight, weightRule) ?? checkAcquireOptions(method, options)
    );
  }

  /**
   * The one acquire loop: decide (in the store, else on this process's estimate), and either go
   * or hold and decide again. When the store does not answer, this process's own limits decide
   * for the rest of the call (the store logs and counts the failure).
   */
  private async take(weight: number, orders: number, options?: AcquireOptions): Promise<void> {
    let shared = this.shared;
    let hold: Hold | undefined;
    for (;;) {
      if (options?.signal?.aborted) throw options.signal.reason;
      let step = shared === undefined ? undefined : await this.sharedStep(shared, weight, orders);
      if (step === undefined) {
        shared = undefined;
        step = this.localStep(weight, orders);
      }
      if (step.go) return;
      hold ??= this.startHold(options);
      await this.wait(hold, step.waitMs, step.reason);
    }
  }

  /** This process's own decision: the local estimate against the limits (counted when it goes). */
  private localStep(weight: number, orders: number): Step {
    const now = this.clock.now();
    if (this.pausedUntil > now) {
      return { go: false, waitMs: this.pausedUntil - now, reason: this.pauseReason };
    }
    const window = this.weight;
    if (window.current(now) >= this.pauseWeight) {
      return { go: false, waitMs: window.start + window.ms - now, reason: 'window' };
    }
    if (orders > 0) {
      for (const [name, limit] of Object.entries(this.orderLimits)) {
        const w = this.orders.get(name)!;
        if (w.current(now) + orders > limit) {
          return { go: false, waitMs: w.start + w.ms - now, reason: 'orders' };
        }
      }
    }
    window.value += weight;
    if (orders > 0) for (const w of this.orders.values()) w.value += orders;
    this.checkWarn(now);
    return GO;
  }

  /**
   * The fleet's decision: one atomic reservation in the store; `undefined` when the store does
   * not answer. The store says how long to wait, in its own clock: no polling, no dependence on
   * this host's time.
   */
  private async sharedStep(
    shared: SharedRateLimit,
    weight: number,
    orders: number,
  ): Promise<Step | undefined> {
    const now = this.clock.now();
    if (this.pausedUntil > now) {
      // A cooldown this process already knows of (its own 429, or another's by pub/sub).
      return { go: false, waitMs: this.pausedUntil - now, reason: this.pauseReason };
    }
    let answer;
    try {
      answer = await shared.reserve(weight, orders);
    } catch {
      return undefined;
    }
    const after = this.clock.now();
    this.weight.raise(after, answer.used);
    switch (answer.outcome) {
      case 'reserved':
        if (orders > 0)
          for (const w of this.orders.values()) w.raise(after, w.current(after) + orders);
        this.checkWarn(after);
        return GO;
      case 'cooldown':
        // The store says what the fleet's cooldown is (a store without kinds: the running one's).
        this.holdUntil(after + answer.waitMs, answer.hold);
        return { go: false, waitMs: answer.waitMs, reason: answer.hold ?? this.pauseReason };
      case 'orders':
        return { go: false, waitMs: answer.waitMs, reason: 'orders' };
      default:
        return { go: false, waitMs: answer.waitMs, reason: 'window' };
    }
  }

  private startHold(options: AcquireOptions | undefined): Hold {
    const closed = this.shared?.closed;
    const caller = options?.signal;
    return {
      startedAt: this.clock.now(),
      // The run's time budget bounds the hold too: it never outlives maxElapsedMs.
      maxWaitMs: holdLimitMs(options),
      // Made on a hold only: a call that goes at once allocates nothing for it.
      signal:
        closed === undefined || caller === undefined
          ? (caller ?? closed)
          : AbortSignal.any([caller, closed]),
      reason: undefined,
    };
  }

  /** One wait of a hold: refused at once past `maxWaitMs`, reported once per reason. */
  private async wait(hold: Hold, waitMs: number, reason: HoldReason): Promise<void> {
    const totalMs = Math.ceil(this.clock.now() - hold.startedAt + waitMs);
    if (totalMs > hold.maxWaitMs) {
      throw new HoldTooLongError({
        reason,
        waitMs: totalMs,
        maxWaitMs: hold.maxWaitMs,
        tracker: 'binance weight tracker',
      });
    }
    if (hold.reason !== reason) {
      hold.reason = reason;
      this.reportHold(reason, Math.ceil(waitMs));
    }
    await this.clock.sleep(waitMs, hold.signal);
  }

  /** The hold's one log line and its process-wide event. */
  private reportHold(reason: HoldReason, waitMs: number): void {
    const event: HoldEvent = { source: 'binance-weight', reason, waitMs };
    if (this.keyId !== undefined) event.key = this.keyId;
    const logger = this.logger;
    try {
      const fields = { venue: 'binance', ...event };
      const message = `tenacious: binance ${reason} hold, waiting ${waitMs} ms`;
      if (waitMs > this.warnAfterMs) logger?.warn(fields, message);
      else logger?.debug?.(fields, message);
    } catch {
      // A broken logger never breaks the caller's request.
    }
    // A failing onHold listener is reported to the logger when it can take an error line.
    publishHold(
      event,
      typeof (logger as Partial<Logger> | undefined)?.error === 'function'
        ? (logger as Logger)
        : undefined,
    );
  }

  private tell(report: Report): void {
    this.shared!.update(report).then(
      (view) => {
        const now = this.clock.now();
        this.weight.raise(now, view.used);
        if (view.cooldownMs > 0) this.holdUntil(now + view.cooldownMs, view.hold);
      },
      () => {
        // The store is down: the local state already has this report.
      },
    );
  }

  private windowedOf(map: Map<string, Windowed>, key: string): Windowed {
    let w = map.get(key);
    if (w === undefined) {
      w = new Windowed(intervalMs(key));
      map.set(key, w);
    }
    return w;
  }

  /**
   * Extends the pause to `until`. Without a `reason` (a store that keeps no kinds) a running
   * pause keeps its own: the echo of this process's 418 is still a ban.
   */
  private holdUntil(until: number, reason?: HoldReason): void {
    if (until <= this.pausedUntil) return;
    if (reason !== undefined) this.pauseReason = reason;
    else if (this.pausedUntil <= this.clock.now()) this.pauseReason = 'cooldown';
    this.pausedUntil = until;
  }

  private checkWarn(now: number): void {
    const used = this.weight.current(now);
    if (used < this.warnWeight || this.warnedStart === this.weight.start) return;
    this.warnedStart = this.weight.start;
    try {
      this.logger?.warn(
        {
          usedWeight: used,
          limit: this.limit,
          interval: this.interval,
          warnAt: this.warnAt,
          ratio: used / this.limit,
        },
        'binance request weight above warnAt',
      );
    } catch {
      // A broken logger never breaks the caller's request.
    }
  }
}

/**
 * Creates a tracker to share between every client on one IP (or one account, for order counts).
 * Feed it response headers with `update(headers, status)` (or let
 * `binanceClassifier({ tracker })` feed it every failure), and call `await tracker.acquire(weight)`
 * before each request (`acquireOrder(weight)` before each order). Windows are aligned to
 * wall-clock boundaries of the interval (`1m` windows start on the minute), as Binance counts them.
 *
 * A 429 holds every caller until its Retry-After passes, or, without one, until the next minute
 * window; a 418 without Retry-After holds for Binance's shortest ban (2 minutes).
 *
 * With a `store` (`tenacious/redis`) every process sharing it and `key` shares the tracker:
 * `acquire` reserves weight atomically in the store (one round trip), windows follow the store's
 * clock, a 429/418 any process sees holds them all (waiters sleep exactly until it ends), and
 * headers from any process are merged. When the store does not answer, each process falls back
 * to its own estimate.
 *
 * @example
 * ```ts
 * const tracker = binanceWeightTracker({ limit: 6000, logger });
 * const client = new MainClient({ api_key, api_secret });
 *
 * await tracker.acquire(4);                       // weight of GET /api/v3/openOrders (one symbol: 6)
 * const orders = await client.getOpenOrders();
 * tracker.update(client.getRateLimitStates());    // `x-mbx-used-weight-1m` etc. from the last response
 *
 * // A fleet behind one IP:
 * const shared = binanceWeightTracker({ limit: 6000, orderLimits: { '10s': 50 }, store, key: 'ip-1' });
 * ```
 */
export function binanceWeightTracker(options: BinanceWeightTrackerOptions): BinanceWeightTracker {
  const o = checkOptions('binanceWeightTracker', options, RULES);
  if (o.limit === undefined) {
    throw new TypeError('binanceWeightTracker: limit: expected an integer >= 1, got undefined');
  }
  const warnAt = o.warnAt ?? 0.8;
  const pauseAt = o.pauseAt ?? 0.9;
  if (warnAt > pauseAt) {
    throw new RangeError(
      `binanceWeightTracker: warnAt: expected a number <= pauseAt (${pauseAt}), got ${describeValue(warnAt)}`,
    );
  }
  return new Tracker(
    o.limit,
    warnAt,
    pauseAt,
    o.interval ?? '1m',
    o.orderLimits ?? {},
    o.clock ?? realClock,
    o.logger,
    o.warnAfterMs ?? 1000,
    o.store,
    o.key,
  );
}
