/**
 * Shared types of the retry engine. Nothing here has behaviour: every other module (and every
 * domain folder) depends on these names, so they change only with the public contract.
 */

/** What one attempt produced: a thrown value or a returned value. */
export type Outcome<T = unknown> = { ok: false; error: unknown } | { ok: true; value: T };

/**
 * A classifier's decision about one outcome.
 * - `retry`: transient, safe to try again.
 * - `fail`: permanent or business error; the run rejects at once with the original error.
 * - `unknown`: the request may have executed (timeout after sending, most 5xx, reset mid-response).
 */
export interface Verdict {
  action: 'retry' | 'fail' | 'unknown';
  /** Short, stable, machine-readable reason, e.g. `http:503` or `binance:-2010`. */
  reason: string;
  /** A server-requested wait (Retry-After); the delay is the larger of this and the backoff. */
  retryAfterMs?: number;
  /**
   * The wrapped client already retried this request by itself before it threw (AWS SDK
   * `$metadata.attempts`, and the like): how many attempts it made and the setting that turns its
   * own retries off. The engine logs one warning per operation, so retries are not silently
   * stacked on retries.
   */
  clientRetried?: { attempts: number; setting: string };
}

/** Returns a verdict, or `undefined` to let the next classifier (or the default rule) decide. */
export type Classifier<T = unknown> = (outcome: Outcome<T>) => Verdict | undefined;

/** Context handed to a {@link Backoff}. */
export interface BackoffContext {
  /** 1 for the wait before attempt 2. */
  retry: number;
  /** The delay actually slept before the previous attempt (0 before the first retry). */
  previousDelayMs: number;
  /** A random source in [0, 1). */
  random: () => number;
}

/** A pure function from the retry context to a delay in milliseconds. */
export type Backoff = (ctx: BackoffContext) => number;

/** Time, injectable so that tests never sleep real seconds. */
export interface Clock {
  /** Milliseconds; only differences are used, except by parsers of absolute dates. */
  now(): number;
  /** Resolves after `ms`; rejects with `signal.reason` as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** A pino-compatible logger: only these three methods are used. */
export interface Logger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** What `fn` receives on every attempt. */
export interface AttemptContext {
  /** Counts from 1. */
  attempt: number;
  /** Aborts when the caller's signal aborts or the attempt times out. */
  signal: AbortSignal;
  /** Milliseconds since the first attempt started. */
  elapsedMs: number;
  /** The previous attempt's error (undefined on attempt 1 or after a retried value). */
  lastError: unknown;
  /**
   * What is left of `maxElapsedMs` when the attempt starts (`Infinity` without one): the most a
   * rate-limit hold inside the attempt may wait, `tracker.acquire(weight, ctx)`.
   */
  remainingMs: number;
}

/**
 * Options of one rate-limit tracker call (`acquire`, `acquireOrder`). An attempt's context is
 * one: `tracker.acquire(weight, ctx)` ends the hold when the attempt's signal aborts and never
 * waits past what is left of the run's `maxElapsedMs`.
 *
 * @example
 * ```ts
 * await retry((ctx) => tracker.acquire(4, ctx).then(() => client.getOpenOrders()), { maxElapsedMs: 30_000 });
 * await tracker.acquire(4, { signal, maxWaitMs: 5000 });
 * ```
 */
export interface AcquireOptions {
  /** Ends a hold at once: the call rejects with `signal.reason`. */
  signal?: AbortSignal;
  /**
   * The longest this call may wait in all, in ms: a hold that would end later rejects at once
   * with `HoldTooLongError` (no time is spent on a wait that cannot finish in time). Default
   * `Infinity`.
   */
  maxWaitMs?: number;
  /**
   * What is left of the run's time budget ({@link AttemptContext.remainingMs}): the call waits
   * at most the smaller of this and `maxWaitMs`. Default `Infinity`.
   */
  remainingMs?: number;
}

/** Why a run gave up. */
export type ExhaustedReason = 'attempts' | 'elapsed' | 'retry-after-too-long' | 'budget';

/** Why a caller is held: after a 429 (`cooldown`) or a 418 (`ban`), a full window, an order limit. */
export type HoldReason = 'cooldown' | 'ban' | 'window' | 'orders';

/**
 * Fired when a rate-limit tracker makes a caller wait (a hold), once per hold: `onHold()` and
 * `publishHold()`. `source` names the tracker (`binance-weight`, `okx-limits`, `bybit-limits`).
 */
export interface HoldEvent {
  source: 'binance-weight' | 'okx-limits' | 'bybit-limits' | (string & {});
  /** Which shared limit, when the tracker was given a `key`: a hash of it, never the key itself. */
  key?: string;
  reason: HoldReason;
  /** How long the caller will wait, in whole ms. */
  waitMs: number;
}

/** Fired after a failed attempt that will be retried, before the delay. */
export interface RetryEvent {
  operation: string;
  attempt: number;
  maxAttempts: number;
  delayMs: number;
  verdict: Verdict;
  error?: unknown;
  value?: unknown;
  elapsedMs: number;
}

/** Fired once when a run gives up on retryable failures. */
export interface ExhaustedEvent {
  operation: string;
  attempts: number;
  elapsedMs: number;
  /** The last error, or `undefined` when the run gave up on a returned value. */
  error: unknown;
  verdict: Verdict;
  reason: ExhaustedReason;
}

/** Fired when a run resolves with a value (first attempt or later). */
export interface SuccessEvent<T = unknown> {
  operation: string;
  attempts: number;
  elapsedMs: number;
  value: T;
}

/** How an unknown outcome on a non-idempotent call was resolved. */
export type UnknownOutcomeResolution =
  /** `reconcile` found that it executed: the run resolves with its value. */
  | 'executed'
  /** `reconcile` says it did not execute: it is safe to send again, and the run retries. */
  | 'not-executed'
  /** No `reconcile`: the run rejects with `UnknownOutcomeError`. */
  | 'unreconciled'
  /** `reconcile` threw (or answered nonsense): the run rejects with that error. */
  | 'reconcile-failed';

/**
 * Fired for every `unknown` verdict on a non-idempotent call, whatever happens next: the most
 * dangerous state a trading service can be in is the one nobody hears about.
 */
export interface UnknownOutcomeEvent {
  operation: string;
  attempt: number;
  elapsedMs: number;
  verdict: Verdict;
  error?: unknown;
  value?: unknown;
  resolution: UnknownOutcomeResolution;
  /** What `reconcile` threw, when `resolution` is `reconcile-failed`. */
  reconcileError?: unknown;
}

/** What `reconcile` answers for an unknown outcome. */
export type ReconcileResult<T> =
  | { executed: true; value: T }
  // `value?: undefined` keeps `found ? { executed: true, value: found } : { executed: false }`
  // from adding `undefined` to the run's result type.
  | { executed: false; value?: undefined };

/** Context handed to `reconcile`. */
export interface ReconcileContext {
  operation: string;
  attempt: number;
  error: unknown;
  value?: unknown;
  verdict: Verdict;
  signal: AbortSignal;
  elapsedMs: number;
}

/** The part of a circuit breaker that `retry` talks to. */
export interface AttemptGate {
  /** Throws `CircuitOpenError` when no attempt may start now. Returns a token for {@link record}. */
  acquire(): unknown;
  /** Reports the attempt's result; `action` is `success` or the verdict's action. */
  record(token: unknown, action: 'success' | Verdict['action']): void;
}

/** The part of a retry budget that `retry` talks to. */
export interface RetryAdmission {
  /** Counts a first attempt. */
  recordAttempt(): void;
  /** Returns `true` and counts a retry when the budget allows one. */
  tryRetry(): boolean;
}

/**
 * How a run ended, as instrumentation sees it: `ok` resolved with a value; `fail` rejected on a
 * `fail` verdict; `exhausted` gave up; `unknown-outcome` rejected on an unreconciled or
 * unreconcilable unknown outcome; `aborted` was cancelled by the caller's signal; `error` any
 * other rejection (an open breaker, a broken classifier).
 */
export type RunEnd =
  | { kind: 'ok'; attempts: number; elapsedMs: number }
  | {
      kind: 'fail' | 'exhausted' | 'unknown-outcome' | 'aborted' | 'error';
      attempts: number;
      elapsedMs: number;
      error: unknown;
      reason?: string;
    };

/**
 * A run as instrumentation sees it (`tenacious/otel`). Created by {@link RunInstrumentation.start}
 * at the start of each run while an instrumentation is installed.
 */
export interface RunScope {
  /** Runs one attempt inside the run's context, so that the client's spans nest under the run. */
  attempt<R>(attempt: number, fn: () => R): R;
  /** Runs `reconcile` inside the run's context, so that the spans of its lookup nest under the run. */
  reconcile?<R>(fn: () => R): R;
  /** A failed attempt that will be retried, before its delay. */
  retry(event: RetryEvent): void;
  /** An unknown outcome of a non-idempotent call, with its resolution. */
  unknownOutcome?(event: UnknownOutcomeEvent): void;
  /** The run ended. Called exactly once. */
  end(end: RunEnd): void;
}

/**
 * Installed process-wide by an instrumentation (`tenacious/otel`); consulted once per run, and
 * once per connect attempt of a supervised stream.
 */
export interface RunInstrumentation {
  start(operation: string): RunScope;
  /** Optional: an instrumentation installed by an older copy of the package has none. */
  connection?(start: StreamConnectionStart): StreamScope;
}

/** A supervised stream's connect attempt, as instrumentation is told of it. */
export interface StreamConnectionStart {
  operation: string;
  /** Connect attempts so far, this one included (from 1). */
  attempt: number;
  /** Connections opened before this attempt. */
  reconnects: number;
}

/**
 * How a supervised connection ended, as instrumentation sees it: a drop, a replacement, a stop,
 * or a connect that failed (`opened: false`, reason `error`, or `stopped` when the supervisor
 * stopped during it).
 */
export interface StreamConnectionEnd {
  reason: StreamDisconnectReason;
  /** Whether the connection was open (its `onConnect` done) before it ended. */
  opened: boolean;
  error?: unknown;
  /** Why the supervisor connects again: the classifier's reason for a failed connect, else `reason`. */
  retryReason?: string;
  willReconnect: boolean;
  /** The wait before the next connect attempt. */
  delayMs?: number;
}

/**
 * One connection of a supervised stream as instrumentation sees it (`tenacious/otel`), from its
 * connect attempt to its end. Created by {@link RunInstrumentation.connection}.
 */
export interface StreamScope {
  /** Runs `connect(ctx)` inside the connection's context, so that the client's spans nest under it. */
  connect<R>(fn: () => R): R;
  /** The connection is open (its `onConnect` done). */
  opened(event: StreamConnectEvent): void;
  /** The connection ended or its connect failed. Called exactly once. */
  end(end: StreamConnectionEnd): void;
}

/**
 * A supervised stream (`tenacious/stream`) has been down longer than its `downAfterMs`: fired
 * once per outage. The same fields, with `downForMs` the whole outage, come back in
 * {@link StreamUpEvent} when it is open again.
 */
export interface StreamDownEvent {
  /** Tells the two events apart (alerts render them differently). */
  state: 'down';
  operation: string;
  /** `clock.now()` when the outage began (the drop, or the start for a stream never open). */
  downSinceMs: number;
  downForMs: number;
  /** Connect attempts made during this outage. */
  reconnects: number;
  lastError?: unknown;
}

/** The stream of a reported {@link StreamDownEvent} is open again; `downForMs` is the whole outage. */
export interface StreamUpEvent extends Omit<StreamDownEvent, 'state'> {
  state: 'up';
}

/** Why a supervised connection ended. */
export type StreamDisconnectReason =
  'closed' | 'error' | 'stale' | 'lifetime' | 'replaced' | 'stopped';

/** A supervised connection is open (its `onConnect` done). */
export interface StreamConnectEvent {
  operation: string;
  /** Connect attempts so far, this one included. */
  attempt: number;
  /** Connections opened before this one (0 for the first). */
  reconnects: number;
  /** Numbers the connections of one supervisor, from 1: the disconnect event names the same. */
  connectionId: number;
}

/** A supervised connection ended. */
export interface StreamDisconnectEvent {
  operation: string;
  reason: StreamDisconnectReason;
  uptimeMs: number;
  error?: unknown;
  willReconnect: boolean;
  delayMs?: number;
  connectionId: number;
}
