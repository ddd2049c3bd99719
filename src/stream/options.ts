import { cap, exponential, jitter } from '../core/backoff.js';
import { realClock, unrefRealClock } from '../core/clock.js';
import { hub } from '../core/hub.js';
import type {
  AttemptGate,
  Backoff,
  Classifier,
  Clock,
  ExhaustedEvent,
  Logger,
  StreamDisconnectReason,
} from '../core/types.js';
import {
  booleanRule,
  checkOptions,
  clockRule,
  functionRule,
  loggerRule,
  methodsRule,
  nonEmptyStringRule,
  numberRule,
  type Rules,
} from '../core/validate.js';
import type { ConnectionLimiter } from './limiter.js';

/**
 * One connection as the supervisor sees it: `closed` settles when it ends (fulfilled: it
 * closed; rejected: it failed), `close()` ends it.
 *
 * @example
 * ```ts
 * const connection: StreamConnection = { closed: onceClosed, close: (reason) => socket.close(1000, reason) };
 * ```
 */
export interface StreamConnection {
  closed: PromiseLike<unknown>;
  close(reason?: string): void | Promise<void>;
}

/** What `connect` receives on every attempt. */
export interface ConnectContext {
  /** Connect attempts so far, this one included (from 1). */
  attempt: number;
  /** Connections opened before this attempt (0 until the first is open). */
  reconnects: number;
  /** Aborts when the supervisor stops or this connect (with its `onConnect`) times out. */
  signal: AbortSignal;
  /** Call on every message or pong: it feeds the staleness watchdog. */
  alive: () => void;
  /** Asks for a new connection (a venue's shutdown notice): make-before-break. */
  replace: (reason: string) => void;
  /** The previous attempt's (or drop's) error. */
  lastError: unknown;
  /** The supervisor's clock: for the connection's own timers (pings, heartbeats). */
  clock: Clock;
}

/** What `onConnect` receives: the connection is open but does not count as open until it returns. */
export interface StreamConnectInfo {
  operation: string;
  attempt: number;
  reconnects: number;
  connection: StreamConnection;
}

/** What `onDisconnect` receives. */
export interface StreamDisconnectInfo {
  operation: string;
  reason: StreamDisconnectReason;
  uptimeMs: number;
  error?: unknown;
  willReconnect: boolean;
  /** The wait before the next connect attempt (0 when a replacement is already open). */
  delayMs?: number;
}

/** Options of {@link supervise}; all optional. */
export interface SuperviseOptions {
  /** Name used in logs, events, errors, metrics and alerts. Default: `connect.name` or `'stream'`. */
  operation?: string;
  /** Between failed connects and after a drop. Default `cap(jitter(exponential({ initial: 1000 }), { mode: 'full' }), 30000)`. */
  backoff?: Backoff;
  /** A connection open this long resets the backoff and the failure count. Default 30000. */
  stableAfterMs?: number;
  /** Connects failing this many times in a row without a stable connection give up. Default `Infinity`. */
  maxConsecutiveFailures?: number;
  /** A connect (and its `onConnect`) not done within this fails. Default 10000. */
  connectTimeoutMs?: number;
  /** No `alive()` for this long closes the connection and replaces it (reason `stale`). Default off. */
  staleAfterMs?: number;
  /** An older connection is replaced, make-before-break (reason `lifetime`). Default off. */
  maxLifetimeMs?: number;
  /** A stream down this long is reported once through `onStreamDown`. Default 30000. */
  downAfterMs?: number;
  /** Classifies connect failures and close reasons; the first verdict wins, then the stream rule. */
  classify?: Classifier | readonly Classifier[];
  /** Every connect attempt, the first included, takes a slot first. */
  limiter?: ConnectionLimiter;
  /** A circuit breaker consulted before every connect attempt. */
  breaker?: AttemptGate;
  /** Stops the supervisor when it aborts. */
  signal?: AbortSignal;
  clock?: Clock;
  random?: () => number;
  logger?: Logger;
  /** Timers do not keep the process alive. Default `false`. */
  unref?: boolean;
  /** Awaited before a connection counts as open (subscribe, resync); a throw fails that connection. */
  onConnect?: (event: StreamConnectInfo) => unknown;
  onDisconnect?: (event: StreamDisconnectInfo) => unknown;
  /** Called once when the supervisor gives up. */
  onGiveUp?: (event: ExhaustedEvent) => unknown;
}

const isFunction = (v: unknown): v is (...args: never[]) => unknown => typeof v === 'function';
/** Off when absent; `Infinity` is off too. */
const optionalMs = numberRule(0, { above: true, infinity: true });

const RULES: Rules = {
  operation: nonEmptyStringRule,
  backoff: { type: isFunction, rule: 'a Backoff function' },
  stableAfterMs: numberRule(0, { infinity: true }),
  maxConsecutiveFailures: numberRule(1, { integer: true, infinity: true }),
  connectTimeoutMs: optionalMs,
  staleAfterMs: optionalMs,
  maxLifetimeMs: optionalMs,
  downAfterMs: numberRule(0, { infinity: true }),
  classify: {
    type: (v) => isFunction(v) || Array.isArray(v),
    rule: 'a Classifier function or an array of them',
    each: { type: isFunction, rule: 'a Classifier function' },
  },
  limiter: methodsRule('a ConnectionLimiter (from connectionLimiter())', 'tryAcquire'),
  breaker: methodsRule('a CircuitBreaker (from circuitBreaker())', 'acquire', 'record'),
  signal: {
    type: (v) => typeof AbortSignal !== 'undefined' && v instanceof AbortSignal,
    rule: 'an AbortSignal',
  },
  clock: clockRule,
  random: { type: isFunction, rule: 'a function returning a number in [0, 1)' },
  logger: loggerRule,
  unref: booleanRule,
  onConnect: functionRule,
  onDisconnect: functionRule,
  onGiveUp: functionRule,
};

/** The default backoff: full jitter up to 1 s, 2 s, 4 s… capped at 30 s. */
export const DEFAULT_STREAM_BACKOFF: Backoff = cap(
  jitter(exponential({ initial: 1000 }), { mode: 'full' }),
  30_000,
);

/** Validated options with their defaults, read once when the supervisor starts. */
export interface StreamPlan {
  readonly operation: string;
  readonly backoff: Backoff;
  readonly stableAfterMs: number;
  readonly maxConsecutiveFailures: number;
  readonly connectTimeoutMs: number;
  readonly staleAfterMs: number;
  readonly maxLifetimeMs: number;
  readonly downAfterMs: number;
  readonly classifiers: readonly Classifier[];
  readonly limiter: ConnectionLimiter | undefined;
  readonly breaker: AttemptGate | undefined;
  readonly signal: AbortSignal | undefined;
  readonly clock: Clock;
  readonly random: () => number;
  readonly logger: Logger | undefined;
  readonly unref: boolean;
  readonly onConnect: ((event: StreamConnectInfo) => unknown) | undefined;
  readonly onDisconnect: ((event: StreamDisconnectInfo) => unknown) | undefined;
  readonly onGiveUp: ((event: ExhaustedEvent) => unknown) | undefined;
}

/**
 * Checks `options` (a `TypeError`/`RangeError` naming the option and the value) and applies the
 * defaults. The caller's object is read once and not kept.
 */
export function streamPlan(connect: unknown, options: SuperviseOptions | undefined): StreamPlan {
  if (typeof connect !== 'function') {
    throw new TypeError(
      `supervise: connect: expected a function returning a StreamConnection, got ${connect === null ? 'null' : typeof connect}`,
    );
  }
  const o = checkOptions('supervise', options, RULES);
  const unref = o.unref ?? false;
  const classify = o.classify;
  return {
    operation: o.operation ?? (connect.name || 'stream'),
    backoff: o.backoff ?? DEFAULT_STREAM_BACKOFF,
    stableAfterMs: o.stableAfterMs ?? 30_000,
    maxConsecutiveFailures: o.maxConsecutiveFailures ?? Infinity,
    connectTimeoutMs: o.connectTimeoutMs ?? 10_000,
    staleAfterMs: o.staleAfterMs ?? Infinity,
    maxLifetimeMs: o.maxLifetimeMs ?? Infinity,
    downAfterMs: o.downAfterMs ?? 30_000,
    classifiers:
      classify === undefined
        ? []
        : Array.isArray(classify)
          ? [...classify]
          : [classify as Classifier],
    limiter: o.limiter,
    breaker: o.breaker,
    signal: o.signal,
    clock: o.clock ?? hub.defaultClock ?? (unref ? unrefRealClock : realClock),
    random: o.random ?? Math.random,
    logger: o.logger,
    unref,
    onConnect: o.onConnect,
    onDisconnect: o.onDisconnect,
    onGiveUp: o.onGiveUp,
  };
}
