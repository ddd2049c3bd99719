import { exponential } from '../core/backoff.js';
import { realClock } from '../core/clock.js';
import { isFleetStore, type FleetStore } from '../core/fleet-store.js';
import { isFetchResponse, responseBodyText } from '../core/response-body.js';
import { causeChain, stringField } from '../core/redaction/safe-read.js';
import { safeGet } from '../core/redaction/redact.js';
import { checkAcquireOptions } from '../core/hold-limit.js';
import type { AcquireOptions, Backoff, Clock, Logger } from '../core/types.js';
import {
  checkOptions,
  checkValue,
  clockRule,
  functionRule,
  methodsRule,
  nonEmptyStringRule,
  type Rules,
} from '../core/validate.js';
import { VenueLimits, type VenueLimitsSnapshot } from '../venue-limits/limits.js';

/**
 * OKX documents no usage headers (OKXDOC rate limits): a rate-limit answer is the only signal, so
 * the tracker holds the callers of the endpoint that got it for a backoff that grows while the
 * answers keep coming.
 */

/**
 * OKXDOC error codes: 50011 "Rate limit reached" (HTTP 200 or 429), 50061 the sub-account order
 * rate limit, 50013 "Systems are busy" (429). Each is a rejection by the limiter.
 */
const RATE_LIMIT_CODES: ReadonlySet<string> = new Set(['50011', '50061', '50013']);

/** OKXDOC rate limits: most endpoints count per 2 s, so the first hold covers one window. */
const DEFAULT_BACKOFF: Backoff = exponential({ initial: 2000, factor: 2, max: 30_000 });

/** A rate-limit answer this long after the previous one starts a new streak. */
const STREAK_RESET_MS = 60_000;

/**
 * Options of {@link okxRateLimitTracker}.
 *
 * @example
 * ```ts
 * const options: OkxRateLimitTrackerOptions = { key: 'okx-account-1', backoff: constant(2000) };
 * ```
 */
export interface OkxRateLimitTrackerOptions {
  /** A store shared by a fleet (`redisStore()`): a hold set by any process holds every process. */
  store?: FleetStore;
  /** Which shared limit this is, with a `store`; hashed before use. Default `'okx'`. */
  key?: string;
  /** Time source and sleeper. Default: real time. */
  clock?: Clock;
  /** Receives a `warn` when a hold starts (the endpoint and the wait). */
  logger?: Pick<Logger, 'warn'>;
  /**
   * The hold after the n-th rate-limit answer in a row for an endpoint (`retry` = n). Default
   * 2 s doubling to 30 s.
   */
  backoff?: Backoff;
}

/** A tracker's state as plain data; see {@link OkxRateLimitTracker.snapshot}. */
export type OkxRateLimitSnapshot = VenueLimitsSnapshot;

/**
 * A shared view of OKX's rate limits; see {@link okxRateLimitTracker}.
 *
 * @example
 * ```ts
 * await tracker.acquire('/api/v5/trade/order');
 * ```
 */
export interface OkxRateLimitTracker {
  /**
   * Reads the OKX code(s) of an answer or error (a `{ code, msg, data }` body as okx-api rejects
   * with, batch `sCode`s, an axios/got error, a fetch `Response`, a ccxt `okx` error) and
   * {@link report}s each. `endpoint` names the endpoint when the source has no URL (default: its
   * path, else `'default'`).
   */
  update(errorOrBody: unknown, endpoint?: string): void;
  /**
   * Reports one OKX code for an endpoint: 50011, 50061 and 50013 hold its callers for the
   * backoff; `'0'` (a success) ends the streak; other codes change nothing.
   */
  report(code: string | number, endpoint?: string): void;
  /**
   * Resolves once `endpoint` (default `'default'`) is not held. Rejects with `signal.reason`
   * when the signal aborts, and at once with `HoldTooLongError` when the hold would last longer
   * than `maxWaitMs` or the run's `remainingMs`: pass the attempt's context,
   * `tracker.acquire(endpoint, ctx)`.
   */
  acquire(endpoint?: string, options?: AcquireOptions): Promise<void>;
  snapshot(): OkxRateLimitSnapshot;
}

const RULES: Rules = {
  store: { type: isFleetStore, rule: 'a fleet store such as redisStore()' },
  key: nonEmptyStringRule,
  clock: clockRule,
  logger: methodsRule('a logger with a warn method', 'warn'),
  backoff: functionRule,
};

const DEFAULT_ENDPOINT = 'default';

interface Streak {
  count: number;
  lastMs: number;
  previousDelayMs: number;
}

const isObject = (value: unknown): value is object =>
  value !== null && (typeof value === 'object' || typeof value === 'function');

function bodyOf(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const json = value.indexOf('{');
  if (json === -1 || value.length > 64 * 1024) return undefined;
  try {
    return JSON.parse(value.slice(json)) as unknown;
  } catch {
    return undefined;
  }
}

function codeOf(value: unknown): string | undefined {
  if (typeof value === 'string' && /^\d{1,6}$/.test(value)) return value;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return String(value);
  return undefined;
}

/** Every code in a body: the top-level `code` and, for `"1"`/`"2"`, each item's `sCode`. */
function codesOfBody(body: unknown): string[] {
  if (!isObject(body)) return [];
  const codes: string[] = [];
  const top = codeOf(safeGet(body, 'code'));
  if (top !== undefined) codes.push(top);
  const data = safeGet(body, 'data');
  if (Array.isArray(data)) {
    for (const item of data.slice(0, 100)) {
      const s = codeOf(safeGet(item, 'sCode'));
      if (s !== undefined) codes.push(s);
    }
  }
  return codes;
}

function pathOf(url: unknown): string | undefined {
  if (typeof url !== 'string' || url === '') return undefined;
  try {
    return new URL(url, 'http://localhost').pathname;
  } catch {
    return undefined;
  }
}

/** The codes and request path an answer or error carries, whatever the client. */
function readOkx(value: unknown): { codes: string[]; endpoint: string | undefined } {
  for (const candidate of causeChain(value)) {
    if (!isObject(candidate)) continue;
    if (isFetchResponse(candidate)) {
      return {
        codes: codesOfBody(bodyOf(responseBodyText(candidate))),
        endpoint: pathOf(safeGet(candidate, 'url')),
      };
    }
    if (codeOf(safeGet(candidate, 'code')) !== undefined && 'msg' in candidate) {
      return { codes: codesOfBody(candidate), endpoint: undefined };
    }
    const response = safeGet(candidate, 'response');
    if (isObject(response)) {
      const body = isFetchResponse(response)
        ? responseBodyText(response)
        : (safeGet(response, 'data') ?? safeGet(response, 'body'));
      const url =
        safeGet(safeGet(candidate, 'config'), 'url') ??
        safeGet(safeGet(candidate, 'options'), 'url') ??
        safeGet(response, 'url');
      return {
        codes: codesOfBody(bodyOf(body)),
        endpoint: pathOf(url instanceof URL ? url.href : url),
      };
    }
    // A resolved axios (`{ status, data, config }`) or got (`{ statusCode, body }`) response.
    const status = safeGet(candidate, 'status') ?? safeGet(candidate, 'statusCode');
    if (typeof status === 'number' && isObject(safeGet(candidate, 'headers'))) {
      const url = safeGet(safeGet(candidate, 'config'), 'url') ?? safeGet(candidate, 'url');
      return {
        codes: codesOfBody(bodyOf(safeGet(candidate, 'data') ?? safeGet(candidate, 'body'))),
        endpoint: pathOf(url),
      };
    }
    // ccxt's okx: `okx {"code":"50011",…}` (CCXT `handleErrors`).
    const message = stringField(candidate, 'message');
    if (message !== undefined && message.startsWith('okx ')) {
      return { codes: codesOfBody(bodyOf(message)), endpoint: undefined };
    }
  }
  return { codes: [], endpoint: undefined };
}

class Tracker implements OkxRateLimitTracker {
  private readonly streaks = new Map<string, Streak>();

  constructor(
    private readonly limits: VenueLimits,
    private readonly clock: Clock,
    private readonly backoff: Backoff,
  ) {}

  update(errorOrBody: unknown, endpoint?: string): void {
    try {
      const { codes, endpoint: path } = readOkx(errorOrBody);
      const name = endpoint ?? path ?? DEFAULT_ENDPOINT;
      const limited = codes.find((code) => RATE_LIMIT_CODES.has(code));
      // One hold per answer, however many of its items were rate-limited.
      if (limited !== undefined) this.report(limited, name);
      else if (codes[0] === '0') this.report('0', name);
    } catch {
      // The tracker is advisory: a source it cannot read changes nothing.
    }
  }

  report(code: string | number, endpoint: string = DEFAULT_ENDPOINT): void {
    const text = String(code);
    if (text === '0') {
      this.streaks.delete(endpoint);
      return;
    }
    if (!RATE_LIMIT_CODES.has(text)) return;
    const now = this.clock.now();
    // Answers to requests already in flight when the hold began belong to the same event.
    const held = this.limits.snapshot().endpoints[endpoint]?.heldUntil;
    if (held !== undefined && held > now) return;
    let streak = this.streaks.get(endpoint);
    if (streak === undefined || now - streak.lastMs > STREAK_RESET_MS) {
      streak = { count: 0, lastMs: now, previousDelayMs: 0 };
      this.streaks.set(endpoint, streak);
    }
    streak.count += 1;
    streak.lastMs = now;
    let ms: number;
    try {
      ms = this.backoff({
        retry: streak.count,
        previousDelayMs: streak.previousDelayMs,
        random: Math.random,
      });
    } catch {
      ms = DEFAULT_BACKOFF({ retry: streak.count, previousDelayMs: 0, random: Math.random });
    }
    if (!(ms >= 0)) return;
    streak.previousDelayMs = ms;
    this.limits.holdEndpoint(endpoint, ms, `okx:${text}`);
  }

  acquire(endpoint: string = DEFAULT_ENDPOINT, options?: AcquireOptions): Promise<void> {
    const error = checkValue('acquire: endpoint', endpoint, nonEmptyStringRule);
    const invalid = error ?? checkAcquireOptions('acquire', options);
    if (invalid !== undefined) return Promise.reject(invalid);
    return this.limits.acquire(endpoint, options);
  }

  snapshot(): OkxRateLimitSnapshot {
    return this.limits.snapshot();
  }
}

/**
 * Creates a tracker to share between every client on one account (OKX counts private endpoints
 * per user id, public ones per IP: OKXDOC rate limits). Call `await tracker.acquire(endpoint)`
 * before each request and feed it what comes back: give it to `okxClassifier({ tracker, endpoint })`,
 * or call `update(answerOrError, endpoint)` yourself. A 50011, 50061 or 50013 holds the callers of that
 * endpoint for the backoff (2 s, 4 s, … 30 s while they keep coming; a success ends the streak).
 * With a `store`, a hold set by any process holds every process sharing `key`.
 *
 * @example
 * ```ts
 * import { RestClient } from 'okx-api';
 * const tracker = okxRateLimitTracker({ store, key: 'okx-account-1' });
 * const client = new RestClient({ apiKey, apiSecret, apiPass });
 *
 * await tracker.acquire('/api/v5/trade/order');
 * try {
 *   await client.submitOrder(order);
 * } catch (err) {
 *   tracker.update(err, '/api/v5/trade/order'); // okx-api rejects with the raw body
 *   throw err;
 * }
 * ```
 */
export function okxRateLimitTracker(options: OkxRateLimitTrackerOptions = {}): OkxRateLimitTracker {
  const o = checkOptions('okxRateLimitTracker', options, RULES);
  const clock = o.clock ?? realClock;
  return new Tracker(
    new VenueLimits({
      venue: 'okx',
      clock,
      logger: o.logger,
      store: o.store,
      key: o.key ?? 'okx',
    }),
    clock,
    o.backoff ?? DEFAULT_BACKOFF,
  );
}
