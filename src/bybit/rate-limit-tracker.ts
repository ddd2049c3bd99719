import { realClock } from '../core/clock.js';
import { isFleetStore, type FleetStore } from '../core/fleet-store.js';
import { checkAcquireOptions } from '../core/hold-limit.js';
import type { AcquireOptions, Clock, Logger } from '../core/types.js';
import {
  checkOptions,
  checkValue,
  clockRule,
  methodsRule,
  nonEmptyStringRule,
  type Rules,
} from '../core/validate.js';
import {
  VenueLimits,
  type EndpointSnapshot,
  type VenueLimitsSnapshot,
} from '../venue-limits/limits.js';
import { bybitBanMs } from './codes.js';
import { readBybit } from './parse.js';

/**
 * Options of {@link bybitRateLimitTracker}.
 *
 * @example
 * ```ts
 * const options: BybitRateLimitTrackerOptions = { key: 'bybit-ip-1', logger };
 * ```
 */
export interface BybitRateLimitTrackerOptions {
  /**
   * A store shared by a fleet (`redisStore()` from `tenacious/redis`): a 403 ban or a spent
   * endpoint window seen by any process holds every process. Default: none.
   */
  store?: FleetStore;
  /** Which shared limit this is, with a `store` (one per IP and account); hashed before use. Default `'bybit'`. */
  key?: string;
  /** Time source and sleeper. Default: real time. */
  clock?: Clock;
  /** Receives a `warn` when a hold starts (the endpoint and the wait, never a header). */
  logger?: Pick<Logger, 'warn'>;
}

/** A tracker's state as plain data; see {@link BybitRateLimitTracker.snapshot}. */
export type BybitRateLimitSnapshot = VenueLimitsSnapshot;
export type { EndpointSnapshot };

/**
 * A shared view of Bybit's rate limits; see {@link bybitRateLimitTracker}.
 *
 * @example
 * ```ts
 * await tracker.acquire('/v5/order/create');
 * const answer = await client.submitOrder(order);
 * tracker.update(answer); // rateLimitApi, with parseAPIRateLimits: true
 * ```
 */
export interface BybitRateLimitTracker {
  /**
   * Reads `X-Bapi-Limit-Status`, `X-Bapi-Limit` and `X-Bapi-Limit-Reset-Timestamp` (or bybit-api's
   * `rateLimitApi`) from headers, a fetch `Response`, an axios/got response or error, a bybit-api
   * answer or rejection; `status` 403 (or a 403 the source carries) holds every caller for at
   * least 10 minutes. `endpoint` names the endpoint when the source has no URL (default: the
   * source's path, else `'default'`).
   */
  update(headersOrResponseOrError: unknown, status?: number, endpoint?: string): void;
  /**
   * Resolves at once while `endpoint` (default `'default'`) has requests left; once they are
   * spent, waits until its reset time; after a 403, waits for the ban to end. Rejects with
   * `signal.reason` when the signal aborts, and at once with `HoldTooLongError` when the hold
   * would last longer than `maxWaitMs` or the run's `remainingMs`: pass the attempt's context,
   * `tracker.acquire(endpoint, ctx)`.
   */
  acquire(endpoint?: string, options?: AcquireOptions): Promise<void>;
  snapshot(): BybitRateLimitSnapshot;
}

const RULES: Rules = {
  store: { type: isFleetStore, rule: 'a fleet store such as redisStore()' },
  key: nonEmptyStringRule,
  clock: clockRule,
  logger: methodsRule('a logger with a warn method', 'warn'),
};

const endpointRule = nonEmptyStringRule;

/** The endpoint name used when neither the caller nor the source names one. */
export const DEFAULT_ENDPOINT = 'default';

class Tracker implements BybitRateLimitTracker {
  constructor(
    private readonly limits: VenueLimits,
    private readonly clock: Clock,
  ) {}

  update(source: unknown, status?: number, endpoint?: string): void {
    try {
      const parsed = readBybit(source);
      const name = endpoint ?? parsed?.endpoint ?? DEFAULT_ENDPOINT;
      // Bare headers: the reader looks for a carrier, so read them as a response's.
      const usage =
        parsed?.usage ?? readBybit({ status: 200, headers: source, data: undefined })?.usage;
      // A 10006 says the endpoint's window is spent, whatever the remaining count read.
      if (usage !== undefined)
        this.limits.observe(name, parsed?.retCode === 10006 ? { ...usage, remaining: 0 } : usage);
      const seen = status ?? parsed?.httpStatus;
      // BYDOCS rate-limit.mdx: 403 "access too frequent": "terminate all HTTP sessions and wait
      // for at least 10 minutes" — the limit is per IP, so the whole host waits.
      if (seen === 403) {
        this.limits.holdHost(bybitBanMs(usage?.resetAtMs, this.clock.now()), 'bybit:http-403');
      }
    } catch {
      // The tracker is advisory: a source it cannot read changes nothing.
    }
  }

  acquire(endpoint: string = DEFAULT_ENDPOINT, options?: AcquireOptions): Promise<void> {
    const error = checkValue('acquire: endpoint', endpoint, endpointRule);
    const invalid = error ?? checkAcquireOptions('acquire', options);
    if (invalid !== undefined) return Promise.reject(invalid);
    return this.limits.acquire(endpoint, options);
  }

  snapshot(): BybitRateLimitSnapshot {
    return this.limits.snapshot();
  }
}

/**
 * Creates a tracker to share between every client on one IP (Bybit's limits are per endpoint
 * and per UID, and 600 requests per 5 s per IP: BYDOCS rate-limit.mdx). Feed it every answer
 * with `update(…)` (or let `bybitClassifier({ tracker })` feed it every failure and value it
 * classifies) and call `await tracker.acquire(endpoint)` before each request:
 *
 * - while the endpoint's `X-Bapi-Limit-Status` (remaining) is above zero, `acquire` resolves at
 *   once and counts the request; once it is spent, it waits until `X-Bapi-Limit-Reset-Timestamp`;
 * - after an HTTP 403 (IP ban), every caller sharing the tracker waits at least 10 minutes.
 *
 * With a `store`, each hold is also a fleet-wide cooldown: a process that sees the 403 holds
 * every process sharing `key`, and `acquire` asks the store before letting a request go. When
 * the store does not answer, each process falls back to its own state.
 *
 * @example
 * ```ts
 * import { RestClientV5 } from 'bybit-api';
 * const tracker = bybitRateLimitTracker({ store, key: 'bybit-ip-1', logger });
 * const client = new RestClientV5({ key, secret, parseAPIRateLimits: true });
 *
 * await tracker.acquire('/v5/order/realtime');
 * const open = await client.getActiveOrders({ category: 'linear', symbol: 'BTCUSDT' });
 * tracker.update(open, undefined, '/v5/order/realtime');
 * ```
 */
export function bybitRateLimitTracker(
  options: BybitRateLimitTrackerOptions = {},
): BybitRateLimitTracker {
  const o = checkOptions('bybitRateLimitTracker', options, RULES);
  const clock = o.clock ?? realClock;
  return new Tracker(
    new VenueLimits({
      venue: 'bybit',
      clock,
      logger: o.logger,
      store: o.store,
      key: o.key ?? 'bybit',
    }),
    clock,
  );
}
