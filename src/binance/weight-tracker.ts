import { describeValue } from '../classify.js';
import { realClock } from '../clock.js';
import { parseRetryAfter } from '../http/retry-after.js';
import type { Clock, Logger } from '../types.js';
import { headerEntries, headerValue } from './headers.js';

/**
 * A shared view of Binance's request-weight limit, so that every caller on one IP slows down
 * together instead of each finding out with a 429, and all of them stop after a 429 or 418 ban.
 *
 * Binance reports the weight used by the IP in the current window on every response as
 * `X-MBX-USED-WEIGHT-(intervalNum)(intervalLetter)` and the account's order count as
 * `X-MBX-ORDER-COUNT-…` [BSD][BFG]; Retry-After on a 429 or 418 is in seconds [BSD].
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

/** Options of {@link binanceWeightTracker}. */
export interface BinanceWeightTrackerOptions {
  /** The request-weight limit of the window, e.g. 6000 (spot, 1m) or 2400 (USDⓈ-M futures, 1m). */
  limit: number;
  /** Fraction of `limit` at which a warning is logged once per window. Default 0.8. */
  warnAt?: number;
  /** Fraction of `limit` from which `acquire` waits for the next window. Default 0.9. */
  pauseAt?: number;
  /** The window `limit` applies to, as in the header name (`1m`, `10s`, `1h`, `1d`). Default `1m`. */
  interval?: string;
  /** Time source and sleeper. Default: real time. */
  clock?: Clock;
  /** Receives a `warn` when usage crosses `warnAt`. */
  logger?: Pick<Logger, 'warn'>;
}

/** Plain data describing a tracker's state. */
export interface BinanceWeightSnapshot {
  limit: number;
  warnAt: number;
  pauseAt: number;
  interval: string;
  /** Estimated weight used per interval in the current window (header value plus local acquisitions). */
  usedWeight: Record<string, number>;
  /** Order counts per interval from the last `X-MBX-ORDER-COUNT-*` headers of the current window. */
  orderCounts: Record<string, number>;
  /** `usedWeight[interval] / limit`. */
  ratio: number;
  /** Start and end (epoch ms) of the current window of `interval`. */
  windowStartMs: number;
  windowEndMs: number;
  /** Epoch ms until which every `acquire` waits after a 429/418, or `undefined`. */
  pausedUntil: number | undefined;
}

/** A shared Binance rate-limit tracker; see {@link binanceWeightTracker}. */
export interface BinanceWeightTracker {
  /** Reads `X-MBX-USED-WEIGHT-*`, `X-MBX-ORDER-COUNT-*` and, on a 429 or 418, Retry-After. */
  update(headers: unknown, status?: number): void;
  /** Holds every caller for `ms` (used for bans reported without headers, e.g. WebSocket frames). */
  pause(ms: number): void;
  /** Resolves at once below `pauseAt`; otherwise waits for the window to roll over or a ban to end. */
  acquire(weight?: number, options?: { signal?: AbortSignal }): Promise<void>;
  snapshot(): BinanceWeightSnapshot;
}

interface Reading {
  value: number;
  windowStartMs: number;
}

function fail(name: string, rule: string, value: unknown, asType: boolean): never {
  const message = `binanceWeightTracker: \`${name}\`: expected ${rule}, got ${describeValue(value)}`;
  throw asType ? new TypeError(message) : new RangeError(message);
}

function fraction(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') fail(name, 'a number in (0, 1]', value, true);
  if (!(value > 0 && value <= 1)) fail(name, 'a number in (0, 1]', value, false);
  return value;
}

function intervalMs(key: string): number {
  const match = /^(\d+)([smhd])$/.exec(key);
  return match === null ? 60_000 : Number(match[1]) * UNIT_MS[match[2]!]!;
}

/**
 * Creates a tracker to share between every client on one IP (or one account, for order counts).
 * Feed it response headers with `update(headers, status)` (or let
 * `binanceClassifier({ tracker })` feed it every failure), and call `await tracker.acquire(weight)`
 * before each request. Windows are aligned to wall-clock boundaries of the interval (`1m` windows
 * start on the minute), as Binance counts them.
 *
 * @example
 * ```ts
 * const tracker = binanceWeightTracker({ limit: 6000, logger });
 * const client = new MainClient({ api_key, api_secret });
 *
 * await tracker.acquire(4);                       // weight of GET /api/v3/openOrders (one symbol: 6)
 * const orders = await client.getOpenOrders();
 * tracker.update(client.getRateLimitStates());    // `x-mbx-used-weight-1m` etc. from the last response
 * ```
 */
export function binanceWeightTracker(options: BinanceWeightTrackerOptions): BinanceWeightTracker {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      `binanceWeightTracker: expected an options object, got ${describeValue(options)}`,
    );
  }
  const { limit } = options;
  if (typeof limit !== 'number') fail('limit', 'a positive integer', limit, true);
  if (!(Number.isInteger(limit) && limit > 0)) fail('limit', 'a positive integer', limit, false);
  const warnAt = fraction('warnAt', options.warnAt, 0.8);
  const pauseAt = fraction('pauseAt', options.pauseAt, 0.9);
  if (warnAt > pauseAt) {
    throw new RangeError(
      `binanceWeightTracker: \`warnAt\` (${warnAt}) must be <= \`pauseAt\` (${pauseAt})`,
    );
  }
  const interval = options.interval ?? '1m';
  if (typeof interval !== 'string') fail('interval', 'an interval such as "1m"', interval, true);
  if (!/^[1-9]\d*[smhd]$/.test(interval))
    fail('interval', 'an interval such as "1m"', interval, false);
  const clock = options.clock ?? realClock;
  if (typeof clock?.now !== 'function' || typeof clock.sleep !== 'function') {
    fail('clock', 'a clock with now() and sleep(ms, signal)', clock, true);
  }
  const logger = options.logger;
  if (logger !== undefined && typeof logger?.warn !== 'function') {
    fail('logger', 'a logger with a warn method', logger, true);
  }

  const windowMs = intervalMs(interval);
  const pauseWeight = pauseAt * limit;
  const warnWeight = warnAt * limit;
  const usedWeight = new Map<string, Reading>();
  const orderCounts = new Map<string, Reading>();
  let windowStartMs = Number.NEGATIVE_INFINITY;
  let used = 0;
  let warned = false;
  let pausedUntil = 0;

  /** Moves to the window containing `now`, forgetting the previous window's usage. */
  function roll(now: number): void {
    const start = Math.floor(now / windowMs) * windowMs;
    if (start !== windowStartMs) {
      windowStartMs = start;
      used = 0;
      warned = false;
    }
  }

  function checkWarn(): void {
    if (warned || used < warnWeight) return;
    warned = true;
    try {
      logger?.warn(
        { usedWeight: used, limit, interval, warnAt, ratio: used / limit },
        'binance request weight above warnAt',
      );
    } catch {
      // A broken logger never breaks the caller's request.
    }
  }

  function holdUntil(until: number): void {
    if (until > pausedUntil) pausedUntil = until;
  }

  function current(readings: Map<string, Reading>, now: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, reading] of readings) {
      const ms = intervalMs(key);
      out[key] = Math.floor(now / ms) * ms === reading.windowStartMs ? reading.value : 0;
    }
    return out;
  }

  return {
    update(headers: unknown, status?: number): void {
      const now = clock.now();
      roll(now);
      for (const [name, raw] of headerEntries(headers)) {
        const match = RATE_HEADER.exec(name);
        if (match === null) continue;
        const value = Number.parseInt(raw, 10);
        if (!Number.isFinite(value) || value < 0) continue;
        const key = `${match[2]}${match[3]!.toLowerCase()}`;
        const ms = intervalMs(key);
        const reading = { value, windowStartMs: Math.floor(now / ms) * ms };
        if (match[1]!.toLowerCase() === 'used-weight') {
          usedWeight.set(key, reading);
          // The header counts every request the server saw; local acquisitions still in flight
          // may not be in it yet, so the estimate never goes down within a window.
          if (key === interval && value > used) used = value;
        } else {
          orderCounts.set(key, reading);
        }
      }
      if (status === 429 || status === 418) {
        const retryAfterMs = parseRetryAfter(headerValue(headers, 'retry-after'), now);
        // Without Retry-After: a 429 waits for the window to roll over, a 418 for the shortest ban.
        const waitMs =
          retryAfterMs ?? (status === 429 ? windowStartMs + windowMs - now : MIN_BAN_MS);
        holdUntil(now + waitMs);
      }
      checkWarn();
    },

    pause(ms: number): void {
      if (typeof ms !== 'number' || !(ms >= 0)) return;
      holdUntil(clock.now() + ms);
    },

    async acquire(weight: number = 1, acquireOptions?: { signal?: AbortSignal }): Promise<void> {
      if (typeof weight !== 'number') {
        throw new TypeError(
          `acquire: \`weight\`: expected a number >= 0, got ${describeValue(weight)}`,
        );
      }
      if (!(weight >= 0 && Number.isFinite(weight))) {
        throw new RangeError(`acquire: \`weight\`: expected a number >= 0, got ${weight}`);
      }
      const signal = acquireOptions?.signal;
      for (;;) {
        if (signal?.aborted) throw signal.reason;
        const now = clock.now();
        if (pausedUntil > now) {
          await clock.sleep(pausedUntil - now, signal);
          continue;
        }
        roll(now);
        if (used < pauseWeight) {
          used += weight;
          checkWarn();
          return;
        }
        await clock.sleep(windowStartMs + windowMs - now, signal);
      }
    },

    snapshot(): BinanceWeightSnapshot {
      const now = clock.now();
      roll(now);
      const weights = current(usedWeight, now);
      weights[interval] = used;
      return {
        limit,
        warnAt,
        pauseAt,
        interval,
        usedWeight: weights,
        orderCounts: current(orderCounts, now),
        ratio: used / limit,
        windowStartMs,
        windowEndMs: windowStartMs + windowMs,
        pausedUntil: pausedUntil > now ? pausedUntil : undefined,
      };
    },
  };
}
