import { realClock } from '../clock.js';
import { isFleetStore, type FleetStore } from '../fleet-store.js';
import { hub } from '../hub.js';
import type { Clock, Verdict } from '../types.js';
import {
  checkOptions,
  clockRule,
  nonEmptyStringRule,
  numberRule,
  type Rules,
} from '../validate.js';
import { CUBIC_DEFAULTS, cubicRate, cubicThrottle } from './cubic.js';
import { FleetRate } from './fleet-rate.js';
import { RateMeter } from './rate-meter.js';
import { isThrottle } from './throttle.js';
import { TokenBucket } from './token-bucket.js';

/**
 * Options of {@link adaptiveLimiter}.
 *
 * @example
 * ```ts
 * const options: AdaptiveLimiterOptions = { minRate: 1, beta: 0.7, scale: 0.4 };
 * ```
 */
export interface AdaptiveLimiterOptions {
  /** The lowest rate it ever paces to, requests/s. Default `0.5` (AWS `minFillRate`). */
  minRate?: number;
  /** On a throttle the rate is cut to `beta` × the measured rate. Default `0.7`. */
  beta?: number;
  /** How fast the rate grows back along the cubic curve (requests/s per s³). Default `0.4`. */
  scale?: number;
  /**
   * A store shared by a fleet of processes (`redisStore()` from `tenacious/redis`): every limiter
   * with the same store and `key` paces to one shared rate. Default: none.
   */
  store?: FleetStore;
  /** Which shared rate this is, with a `store` (one per venue and IP or API key). Default `'adaptive-limiter'`. */
  key?: string;
  /** Default: resolved on every call, `useInstantRetries()`'s clock when one is installed, else real time. */
  clock?: Clock;
}

/**
 * What {@link AdaptiveLimiter.snapshot} reports.
 *
 * @example
 * ```ts
 * const { enabled, rate, measuredRate } = limiter.snapshot();
 * ```
 */
export interface AdaptiveLimiterSnapshot {
  /** `false` until the first throttle: until then every token is free. */
  enabled: boolean;
  /** The rate tokens are handed out at, requests/s. */
  rate: number;
  /** The measured sending rate, requests/s. */
  measuredRate: number;
  /** The rate when the last throttle came. */
  lastMaxRate: number;
  /** With a store: the fleet's rate as the store last reported it (undefined before an answer). */
  fleet?: { enabled: boolean; rate: number; measuredRate: number };
}

/**
 * The part of a rate limiter that `retry` talks to: a token before every attempt, then the
 * attempt's verdict.
 *
 * @example
 * ```ts
 * await limiter.acquire(signal);
 * limiter.record(verdict); // undefined for a success
 * ```
 */
export interface AttemptLimiter {
  /** Resolves when the attempt may be sent; rejects with `signal.reason` when it aborts first. */
  acquire(signal?: AbortSignal): Promise<void>;
  /** Reports how the attempt went: `undefined` (success) or its verdict. */
  record(verdict: Verdict | undefined): void;
}

/**
 * An adaptive rate limiter ({@link adaptiveLimiter}).
 *
 * @example
 * ```ts
 * await limiter.acquire();
 * limiter.record({ action: 'retry', reason: 'http:429' }); // a throttle: the rate is cut
 * limiter.snapshot().enabled; // true
 * ```
 */
export interface AdaptiveLimiter extends AttemptLimiter {
  snapshot(): AdaptiveLimiterSnapshot;
  /** With a store: waits until every response recorded so far reached it. Never rejects. */
  sync(): Promise<void>;
}

const RESOLVED: Promise<void> = Promise.resolve();

const RULES: Rules = {
  minRate: numberRule(0, { above: true }),
  beta: {
    type: (v) => typeof v === 'number',
    range: (v: number) => v > 0 && v < 1,
    rule: 'a number > 0 and < 1',
  },
  scale: numberRule(0, { above: true }),
  store: {
    type: isFleetStore,
    range: (v: FleetStore) => typeof v.sharedAdaptiveRate === 'function',
    rule: 'a fleet store with sharedAdaptiveRate(), such as redisStore()',
  },
  key: nonEmptyStringRule,
  clock: clockRule,
};

/**
 * The AWS SDK's `DefaultRateLimiter` (`@smithy/core` 3.41), step for step: every response
 * updates the measured rate; a throttle sets `lastMaxRate` to the measured rate (once enabled,
 * the lower of it and the fill rate) and cuts the rate to `beta` × that; any other response
 * sets it to the cubic curve's value; either way the rate is capped at twice the measured rate
 * and floored at `minRate`, and the bucket holds at most one second of tokens.
 */
class Limiter implements AdaptiveLimiter {
  private enabled = false;
  private lastMaxRate = 0;
  private lastThrottleS = 0;
  private meter: RateMeter | undefined;
  private bucket: TokenBucket | undefined;
  private readonly fleet: FleetRate | undefined;

  constructor(
    private readonly minRate: number,
    private readonly beta: number,
    private readonly scale: number,
    private readonly clockOption: Clock | undefined,
    store: FleetStore | undefined,
    key: string,
  ) {
    const shared = store?.sharedAdaptiveRate?.(key, { beta, scale, minRate });
    this.fleet = shared === undefined ? undefined : new FleetRate(shared);
  }

  private clock(): Clock {
    return this.clockOption ?? hub.defaultClock ?? realClock;
  }

  /** Starts measuring at first use rather than at creation: an idle start dilutes no bucket. */
  private state(nowMs: number): { meter: RateMeter; bucket: TokenBucket } {
    if (this.meter === undefined || this.bucket === undefined) {
      this.lastThrottleS = nowMs / 1000;
      this.meter = new RateMeter(nowMs / 1000);
      this.bucket = new TokenBucket(nowMs);
      this.bucket.setRate(nowMs, this.minRate);
    }
    return { meter: this.meter, bucket: this.bucket };
  }

  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.fleet !== undefined) return this.acquireShared(this.fleet, signal);
    if (!this.enabled) return RESOLVED;
    return this.acquireLocal(signal);
  }

  private acquireLocal(signal: AbortSignal | undefined): Promise<void> {
    const clock = this.clock();
    const now = clock.now();
    const waitMs = this.state(now).bucket.take(now);
    return waitMs === 0 ? RESOLVED : this.waitLocal(clock, waitMs, signal);
  }

  /** Sleeps until a token should be there and asks again (another caller may have taken it). */
  private async waitLocal(clock: Clock, waitMs: number, signal: AbortSignal | undefined) {
    const { bucket } = this.state(clock.now());
    while (waitMs > 0) {
      await clock.sleep(waitMs, signal);
      waitMs = bucket.take(clock.now());
    }
  }

  private async acquireShared(fleet: FleetRate, signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      const waitMs = await fleet.take();
      // The store did not answer: pace on what this process learned by itself.
      if (waitMs === undefined) return this.enabled ? this.acquireLocal(signal) : undefined;
      if (signal?.aborted) throw signal.reason;
      if (waitMs === 0) return;
      await this.clock().sleep(waitMs, signal);
    }
  }

  record(verdict: Verdict | undefined): void {
    const throttled = isThrottle(verdict);
    const nowMs = this.clock().now();
    const { meter, bucket } = this.state(nowMs);
    const nowS = nowMs / 1000;
    meter.count(nowS);
    let rate: number;
    if (throttled) {
      const rateToUse = this.enabled ? Math.min(meter.rate, bucket.rate) : meter.rate;
      this.lastMaxRate = rateToUse;
      this.lastThrottleS = nowS;
      this.enabled = true;
      rate = cubicThrottle(rateToUse, this.beta);
    } else {
      rate = cubicRate(nowS - this.lastThrottleS, this.lastMaxRate, this.beta, this.scale);
    }
    const newRate = Math.min(rate, 2 * meter.rate);
    bucket.setRate(nowMs, Math.max(newRate, this.minRate), Math.max(newRate, 1));
    this.fleet?.record(throttled);
  }

  snapshot(): AdaptiveLimiterSnapshot {
    const { meter, bucket } = this.state(this.clock().now());
    const last = this.fleet?.last;
    return {
      enabled: this.enabled,
      rate: bucket.rate,
      measuredRate: meter.rate,
      lastMaxRate: this.lastMaxRate,
      ...(last === undefined
        ? {}
        : { fleet: { enabled: last.enabled, rate: last.rate, measuredRate: last.measuredRate } }),
    };
  }

  sync(): Promise<void> {
    return this.fleet?.sync() ?? RESOLVED;
  }
}

/**
 * Creates a client-side rate limiter that learns a venue's capacity from its throttling, as the
 * AWS SDK's adaptive retry mode does (CUBIC, RFC 9438): off until the first throttle; on a
 * throttle the rate is cut to `beta` × the measured sending rate, then it grows back along a
 * cubic curve, flat near the old maximum and steeper past it, until the next throttle. A
 * throttle is a `retry` verdict whose reason is a rate limit (`http:429`, `binance:-1003`,
 * `binance:-1015`, `okx:50011`, `okx:50061`, `okx:50013`, `bybit:10006`, `bybit:http-403`, …:
 * `THROTTLE_REASONS`).
 *
 * Share one limiter across every call to one venue limit (pass it as `limiter` to `retry`, or
 * call `acquire()` before each request and `record(verdict)` after it). With a `store`
 * (`tenacious/redis`) every process with the same store and `key` takes its tokens from one
 * bucket at one rate, so N processes converge to the venue's capacity instead of N times it;
 * each `acquire()` is then one round trip to Redis. While Redis does not answer, each process
 * paces on what it learned by itself; nothing throws.
 *
 * Bad options throw at once (`TypeError`/`RangeError` naming the option and the value).
 *
 * @example
 * ```ts
 * import { adaptiveLimiter } from 'tenacious';
 *
 * const limiter = adaptiveLimiter();
 * await limiter.acquire();
 * const response = await fetch('https://api.example.com/ticker');
 * limiter.record(response.status === 429 ? { action: 'retry', reason: 'http:429' } : undefined);
 *
 * // One rate for the whole fleet:
 * const fleetLimiter = adaptiveLimiter({ store: redisStore({ client }), key: 'okx-ip-1' });
 * ```
 */
export function adaptiveLimiter(options: AdaptiveLimiterOptions = {}): AdaptiveLimiter {
  const o = checkOptions('adaptiveLimiter', options, RULES);
  return new Limiter(
    o.minRate ?? CUBIC_DEFAULTS.minRate,
    o.beta ?? CUBIC_DEFAULTS.beta,
    o.scale ?? CUBIC_DEFAULTS.scale,
    o.clock,
    o.store,
    o.key ?? 'adaptive-limiter',
  );
}
