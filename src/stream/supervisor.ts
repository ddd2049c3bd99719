import { Event, isThenable, reportListenerError } from '../core/event.js';
import { clampDelay, onAbort } from '../core/clock.js';
import { RetryExhaustedError } from '../core/errors.js';
import { hub } from '../core/hub.js';
import { listens, publish } from '../core/publish.js';
import { describeValue } from '../core/validate.js';
import type {
  ExhaustedEvent,
  StreamConnectionEnd,
  StreamDisconnectEvent,
  StreamScope,
  Verdict,
} from '../core/types.js';
import { classifyFailure } from './classify.js';
import { LiveConnection, type ConnectionEnd } from './connection.js';
import { ConnectTimeoutError } from './errors.js';
import {
  STATE_CHANGE,
  STREAM_CONNECT,
  STREAM_CONNECT_FAILED,
  STREAM_DISCONNECT,
  STREAM_DOWN,
  STREAM_GIVE_UP,
  STREAM_UP,
  streamPublisher,
  type StreamPublisher,
} from './events.js';
import {
  streamPlan,
  type ConnectContext,
  type StreamConnection,
  type StreamPlan,
  type SuperviseOptions,
} from './options.js';
import { watchConnection } from './watchdog.js';

/** Where a supervisor is. `failed` and `stopped` are final. */
export type SupervisorState = 'connecting' | 'open' | 'waiting' | 'failed' | 'stopped';

/** What {@link Supervisor.onStateChange} listeners receive. */
export interface SupervisorStateChange {
  from: SupervisorState;
  to: SupervisorState;
  /** `clock.now()` at the change. */
  at: number;
}

/** What {@link Supervisor.stats} reports. */
export interface SupervisorStats {
  /** Connections opened. */
  connects: number;
  /** Connections opened after the first. */
  reconnects: number;
  /** Connect attempts that failed. */
  failures: number;
  /** Time with a connection open, in total. */
  uptimeMs: number;
  /** Time without one, since the start. */
  downtimeMs: number;
  lastDisconnect: Omit<StreamDisconnectEvent, 'connectionId'> | undefined;
}

/**
 * A long-lived connection kept alive by {@link supervise}.
 *
 * @example
 * ```ts
 * const supervisor: Supervisor = supervise(connect, { operation: 'binance-trades' });
 * supervisor.onStateChange(({ to }) => logger.info({ state: to }, 'stream'));
 * ```
 */
export interface Supervisor {
  readonly state: SupervisorState;
  /** The open connection, or `undefined`. */
  readonly connection: StreamConnection | undefined;
  /** Resolves with the open connection (at once when one is open); rejects once it failed or stopped. */
  ready(): Promise<StreamConnection>;
  /** Resolves when it stops; rejects with `RetryExhaustedError` (or the `fail` error) when it fails. */
  readonly done: Promise<void>;
  /** Closes the connection, cancels any wait or connect; idempotent; leaves no timer behind. */
  stop(): Promise<void>;
  stats(): SupervisorStats;
  onStateChange(listener: (change: SupervisorStateChange) => unknown): () => void;
}

/** Thrown inside the loop to end it; never reaches a caller. */
class Ending {
  constructor(
    readonly kind: 'stopped' | 'failed',
    readonly error?: unknown,
  ) {}
}

/*
 * The state machine:
 *
 *   connecting ──open──▶ open ──drop/stale──▶ waiting ──delay──▶ connecting
 *       │  ▲               │ lifetime/replace: a new connection is made while this one stays
 *       │  └──failure──────┼─ open (state stays `open`), then this one is closed
 *       ▼                  ▼
 *     waiting            failed (fail verdict, maxConsecutiveFailures) / stopped (stop())
 */
class StreamSupervisor implements Supervisor {
  state: SupervisorState = 'connecting';
  private current: LiveConnection | undefined;
  /** The connection kept open while its replacement connects (make-before-break). */
  private previous: LiveConnection | undefined;
  readonly done: Promise<void>;
  private readonly stopper = new AbortController();
  private stopping: Promise<void> | undefined;
  private failure: unknown;
  private readonly changes = new Event<SupervisorStateChange>('supervisor onStateChange listener');
  /** Every event goes through the core publisher with this: hooks, logger, state listeners. */
  private readonly publisher: StreamPublisher;
  private readonly waiters = new Set<{
    resolve: (c: StreamConnection) => void;
    reject: (e: unknown) => void;
  }>();
  private readonly startedAt: number;
  /** Connect attempts, all of them. */
  private attempts = 0;
  private connectionIds = 0;
  private connects = 0;
  private failures = 0;
  /** Failed connects and unstable drops since the last stable connection. */
  private consecutive = 0;
  /** Waits since the last stable connection: the backoff's `retry`. */
  private waits = 0;
  private previousDelayMs = 0;
  private lastError: unknown;
  private lastVerdict: Verdict | undefined;
  private lastDisconnect: SupervisorStats['lastDisconnect'];
  private upMs = 0;
  private upSince: number | undefined;
  /** The current outage: since when, attempts in it, whether it was reported. */
  private downSince: number | undefined;
  private downAttempts = 0;
  private downReported = false;
  private readonly cancelUserSignal: (() => void) | undefined;

  constructor(
    private readonly connectFn: (
      ctx: ConnectContext,
    ) => PromiseLike<StreamConnection> | StreamConnection,
    private readonly plan: StreamPlan,
  ) {
    this.publisher = streamPublisher(plan, this.changes);
    this.startedAt = plan.clock.now();
    this.downSince = this.startedAt;
    const signal = plan.signal;
    this.cancelUserSignal =
      signal === undefined ? undefined : onAbort(signal, () => void this.stop());
    this.done = this.run();
    // A caller that never looks at `done` must not get an unhandled rejection when it fails.
    this.done.catch(() => {});
    if (signal?.aborted) void this.stop();
  }

  get connection(): StreamConnection | undefined {
    return this.state === 'open' ? this.current?.connection : undefined;
  }

  ready(): Promise<StreamConnection> {
    if (this.state === 'open' && this.current?.connection !== undefined) {
      return Promise.resolve(this.current.connection);
    }
    if (this.state === 'failed') return Promise.reject(this.failure);
    if (this.state === 'stopped') return Promise.reject(this.stopReason());
    return new Promise((resolve, reject) => this.waiters.add({ resolve, reject }));
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (!this.stopper.signal.aborted) this.stopper.abort(this.plan.signal?.reason);
      await this.done.catch(() => {});
    })();
    return this.stopping;
  }

  stats(): SupervisorStats {
    const now = this.plan.clock.now();
    const upMs = this.upMs + (this.upSince === undefined ? 0 : now - this.upSince);
    return {
      connects: this.connects,
      reconnects: Math.max(0, this.connects - 1),
      failures: this.failures,
      uptimeMs: upMs,
      downtimeMs: Math.max(0, now - this.startedAt - upMs),
      lastDisconnect: this.lastDisconnect,
    };
  }

  onStateChange(listener: (change: SupervisorStateChange) => unknown): () => void {
    if (typeof listener !== 'function') {
      throw new TypeError(
        `onStateChange: expected a listener function, got ${describeValue(listener)}`,
      );
    }
    return this.changes.subscribe(listener);
  }

  // The loop.

  private async run(): Promise<void> {
    try {
      let delayMs = 0;
      for (;;) {
        const live = await this.establish(delayMs);
        this.opened(live);
        const end = await live.ended;
        if (end.reason === 'stopped') throw new Ending('stopped');
        if (end.reason === 'lifetime' || end.reason === 'replaced') {
          // Make-before-break: this one keeps delivering until its replacement is open.
          this.previous = live;
          void live.gone.then((gone) => this.lostPrevious(live, gone));
          delayMs = 0;
          continue;
        }
        delayMs = await this.dropped(live, end);
      }
    } catch (caught) {
      const ending = caught instanceof Ending ? caught : new Ending('failed', caught);
      await this.finish(ending);
      if (ending.kind === 'failed') throw this.failure;
    }
  }

  /** Connect attempts, with the limiter, the breaker and the backoff, until one is open. */
  private async establish(delayMs: number): Promise<LiveConnection> {
    for (;;) {
      if (delayMs > 0) await this.wait(delayMs);
      this.checkStopped();
      await this.takeSlot();
      const token = this.acquireBreaker();
      if (token instanceof Wait) {
        delayMs = token.ms;
        continue;
      }
      if (this.previous === undefined) this.setState('connecting');
      this.attempts++;
      if (this.downSince !== undefined) this.downAttempts++;
      const scope = this.startScope();
      try {
        const live = await this.connectOnce(scope);
        this.plan.breaker?.record(token, 'success');
        return live;
      } catch (error) {
        if (this.stopper.signal.aborted) {
          const end = { reason: 'stopped', opened: false, willReconnect: false } as const;
          if (scope !== undefined) publish(STREAM_CONNECT_FAILED, this.publisher, scope, end);
          throw new Ending('stopped');
        }
        delayMs = this.connectFailed(error, token, scope);
      }
    }
  }

  /** A connection's instrumentation scope, when `tenacious/otel` is installed; its faults are reported. */
  private startScope(): StreamScope | undefined {
    const instrumentation = hub.instrumentation;
    if (instrumentation?.connection === undefined) return undefined;
    try {
      return instrumentation.connection({
        operation: this.plan.operation,
        attempt: this.attempts,
        reconnects: this.connects,
      });
    } catch (error) {
      reportListenerError(error, this.plan.logger, 'instrumentation');
      return undefined;
    }
  }

  /**
   * A failed connect: its verdict, then the wait before the next attempt, or the end (a `fail`
   * verdict, `maxConsecutiveFailures`, a broken backoff). Its scope ends either way.
   */
  private connectFailed(error: unknown, token: unknown, scope: StreamScope | undefined): number {
    const end: StreamConnectionEnd = {
      reason: 'error',
      opened: false,
      error,
      willReconnect: false,
    };
    try {
      const verdict = classifyFailure(this.plan.classifiers, error);
      end.retryReason = verdict.reason;
      this.plan.breaker?.record(token, verdict.action);
      this.failures++;
      this.consecutive++;
      this.lastError = error;
      this.lastVerdict = verdict;
      if (verdict.action === 'fail') throw new Ending('failed', error);
      if (this.consecutive >= this.plan.maxConsecutiveFailures) {
        throw new Ending('failed', this.exhausted(error));
      }
      end.delayMs = this.nextDelay(verdict);
      end.willReconnect = true;
      return end.delayMs;
    } finally {
      if (scope !== undefined) publish(STREAM_CONNECT_FAILED, this.publisher, scope, end);
    }
  }

  /** One attempt: `connect(ctx)` then `onConnect`, within `connectTimeoutMs`. */
  private async connectOnce(scope: StreamScope | undefined): Promise<LiveConnection> {
    const plan = this.plan;
    const live = new LiveConnection(++this.connectionIds, plan.clock);
    live.scope = scope;
    const controller = new AbortController();
    const cancelStop = onAbort(this.stopper.signal, () =>
      controller.abort(this.stopper.signal.reason),
    );
    const timer =
      plan.connectTimeoutMs === Infinity
        ? undefined
        : setTimeout(
            () => controller.abort(new ConnectTimeoutError(plan.operation, plan.connectTimeoutMs)),
            clampDelay(plan.connectTimeoutMs),
          );
    if (plan.unref) timer?.unref();
    const reconnects = this.connects;
    const ctx: ConnectContext = {
      attempt: this.attempts,
      reconnects,
      signal: controller.signal,
      alive: live.alive,
      replace: live.replace,
      lastError: this.lastError,
      clock: plan.clock,
    };
    const connect = () => this.connectFn(ctx);
    try {
      const connection = await untilAborted(
        Promise.resolve().then(() => (scope === undefined ? connect() : scope.connect(connect))),
        controller.signal,
        (late) => void Promise.resolve(late.close('connect abandoned')).catch(() => {}),
      );
      if (!isStreamConnection(connection)) {
        throw new TypeError(
          `supervise: connect must resolve with a StreamConnection ({ closed, close }), got ${describeValue(connection)}`,
        );
      }
      live.attach(connection);
      if (plan.onConnect !== undefined) {
        const onConnect = plan.onConnect;
        await untilAborted(
          Promise.resolve().then(() =>
            onConnect({ operation: plan.operation, attempt: ctx.attempt, reconnects, connection }),
          ),
          controller.signal,
        );
      }
      if (live.isEnded && !controller.signal.aborted) {
        // It closed during onConnect: a failed connect, not an open one.
        const end = await live.ended;
        if (end.reason !== 'replaced') throw end.error ?? new Error('closed during onConnect');
      }
      return live;
    } catch (error) {
      live.end({ reason: 'error', error });
      await live.close('connect failed');
      throw error;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      cancelStop();
    }
  }

  private opened(live: LiveConnection): void {
    const plan = this.plan;
    const now = plan.clock.now();
    live.opened();
    this.connects++;
    const old = this.previous;
    this.previous = undefined;
    this.current = live;
    if (this.upSince === undefined) this.upSince = now;
    const cancelStop = onAbort(this.stopper.signal, () => live.end({ reason: 'stopped' }));
    void live.ended.then(cancelStop);
    void watchConnection(live, plan, () => this.stabilised());
    publish(STREAM_CONNECT, this.publisher, live.scope, {
      operation: plan.operation,
      attempt: this.attempts,
      reconnects: this.connects - 1,
      connectionId: live.id,
    });
    this.setState('open');
    if (this.downSince !== undefined) {
      if (this.downReported) {
        publish(STREAM_UP, this.publisher, undefined, { ...this.outage(now), state: 'up' });
      }
      this.downSince = undefined;
      this.downReported = false;
      this.downAttempts = 0;
    }
    for (const waiter of this.waiters) waiter.resolve(live.connection!);
    this.waiters.clear();
    if (old !== undefined) void this.retire(old);
  }

  /** The replaced connection: closed once its successor is open. */
  private async retire(old: LiveConnection): Promise<void> {
    const end = await old.ended;
    const uptimeMs = this.plan.clock.now() - old.openedAt;
    await old.close(end.reason === 'lifetime' ? 'lifetime' : 'replaced');
    this.disconnected(old, end, uptimeMs, true, 0);
  }

  /** The connection being replaced closed before its successor was open: now it is an outage. */
  private lostPrevious(live: LiveConnection, end: ConnectionEnd): void {
    if (this.previous !== live) return;
    const now = this.plan.clock.now();
    this.previous = undefined;
    this.current = undefined;
    this.leaveUp(now);
    this.downSince = now;
    this.downAttempts = 0;
    this.setState('connecting');
    this.disconnected(live, end, now - live.openedAt, true, 0);
  }

  /** A drop: reports it and returns the wait before the next connect. */
  private async dropped(live: LiveConnection, end: ConnectionEnd): Promise<number> {
    const plan = this.plan;
    const now = plan.clock.now();
    const uptimeMs = now - live.openedAt;
    this.current = undefined;
    this.leaveUp(now);
    this.downSince = now;
    this.downAttempts = 0;
    if (end.reason === 'stale') await live.close('stale');
    if (!live.stable && uptimeMs >= plan.stableAfterMs) this.stabilised();
    if (!live.stable) this.consecutive++;
    this.lastError = end.error;
    let delayMs = 0;
    const verdict =
      end.error === undefined ? undefined : classifyFailure(plan.classifiers, end.error);
    if (verdict?.action === 'fail') {
      this.disconnected(live, end, uptimeMs, false);
      throw new Ending('failed', end.error);
    }
    if (this.consecutive >= plan.maxConsecutiveFailures) {
      this.lastVerdict = verdict ?? { action: 'retry', reason: `stream:${end.reason}` };
      const error = this.exhausted(end.error);
      this.disconnected(live, end, uptimeMs, false);
      throw new Ending('failed', error);
    }
    delayMs = this.nextDelay(verdict);
    this.disconnected(live, end, uptimeMs, true, delayMs);
    return delayMs;
  }

  private disconnected(
    live: LiveConnection,
    end: ConnectionEnd,
    uptimeMs: number,
    willReconnect: boolean,
    delayMs?: number,
  ): void {
    const event: StreamDisconnectEvent = {
      operation: this.plan.operation,
      reason: end.reason,
      uptimeMs,
      willReconnect,
      connectionId: live.id,
    };
    if (end.error !== undefined) event.error = end.error;
    if (delayMs !== undefined) event.delayMs = delayMs;
    const { connectionId: _, ...info } = event;
    this.lastDisconnect = info;
    publish(STREAM_DISCONNECT, this.publisher, live.scope, event);
  }

  private stabilised(): void {
    this.consecutive = 0;
    this.waits = 0;
    this.previousDelayMs = 0;
  }

  private nextDelay(verdict: Verdict | undefined): number {
    const plan = this.plan;
    const delay = plan.backoff({
      retry: ++this.waits,
      previousDelayMs: this.previousDelayMs,
      random: plan.random,
    });
    if (typeof delay !== 'number' || !(delay >= 0)) {
      throw new TypeError(
        `supervise: backoff: expected a number >= 0, got ${describeValue(delay)}`,
      );
    }
    const ms = clampDelay(Math.max(delay, verdict?.retryAfterMs ?? 0));
    this.previousDelayMs = ms;
    return ms;
  }

  /** Sleeps `ms` (state `waiting` unless a connection is still open), reporting an outage on time. */
  private async wait(ms: number): Promise<void> {
    const { clock, downAfterMs } = this.plan;
    if (this.previous === undefined) this.setState('waiting');
    let left = ms;
    while (left > 0) {
      this.checkDown();
      const untilDown =
        this.downSince === undefined || this.downReported
          ? Infinity
          : this.downSince + downAfterMs - clock.now();
      const step = untilDown > 0 && untilDown < left ? untilDown : left;
      try {
        await clock.sleep(step, this.stopper.signal);
      } catch {
        throw new Ending('stopped');
      }
      left -= step;
    }
    this.checkDown();
  }

  private async takeSlot(): Promise<void> {
    const limiter = this.plan.limiter;
    if (limiter === undefined) return;
    for (;;) {
      let waitMs: number;
      try {
        waitMs = await limiter.tryAcquire(this.plan.clock.now());
      } catch {
        waitMs = 0; // a broken limiter never stops the stream
      }
      this.checkStopped();
      if (!(waitMs > 0)) return;
      await this.wait(clampDelay(waitMs));
    }
  }

  /** The breaker's token, or a {@link Wait} while it is open. */
  private acquireBreaker(): unknown {
    const breaker = this.plan.breaker;
    if (breaker === undefined) return undefined;
    try {
      return breaker.acquire();
    } catch (error) {
      const retryAfterMs = (error as { retryAfterMs?: unknown }).retryAfterMs;
      // Isolated (the kill switch) or broken: the breaker has given up on this venue.
      if (typeof retryAfterMs !== 'number' || !Number.isFinite(retryAfterMs)) {
        throw new Ending('failed', error);
      }
      return new Wait(Math.max(retryAfterMs, 1));
    }
  }

  private checkDown(): void {
    if (this.downSince === undefined || this.downReported) return;
    const now = this.plan.clock.now();
    if (now - this.downSince < this.plan.downAfterMs) return;
    this.downReported = true;
    publish(STREAM_DOWN, this.publisher, undefined, { ...this.outage(now), state: 'down' });
  }

  private outage(now: number) {
    const event: {
      operation: string;
      downSinceMs: number;
      downForMs: number;
      reconnects: number;
      lastError?: unknown;
    } = {
      operation: this.plan.operation,
      downSinceMs: this.downSince!,
      downForMs: now - this.downSince!,
      reconnects: this.downAttempts,
    };
    if (this.lastError !== undefined) event.lastError = this.lastError;
    return event;
  }

  private exhausted(error: unknown): RetryExhaustedError {
    return new RetryExhaustedError({
      operation: this.plan.operation,
      attempts: this.consecutive,
      elapsedMs: this.plan.clock.now() - (this.downSince ?? this.startedAt),
      reason: 'attempts',
      cause: error,
    });
  }

  private checkStopped(): void {
    if (this.stopper.signal.aborted) throw new Ending('stopped');
  }

  private stopReason(): unknown {
    return this.stopper.signal.reason;
  }

  private leaveUp(now: number): void {
    if (this.upSince !== undefined) this.upMs += now - this.upSince;
    this.upSince = undefined;
  }

  /** Closes what is open, settles the waiters, reports a give-up. */
  private async finish(ending: Ending): Promise<void> {
    const plan = this.plan;
    const now = plan.clock.now();
    this.leaveUp(now);
    this.cancelUserSignal?.();
    const open = [this.current, this.previous].filter((l) => l !== undefined);
    this.current = undefined;
    this.previous = undefined;
    const reason = ending.kind === 'stopped' ? 'stopped' : 'error';
    await Promise.all(
      open.map(async (live) => {
        live.end({ reason: 'stopped' });
        await live.close(reason);
        if (live.openedAt !== 0 || live.connection !== undefined) {
          this.disconnected(live, { reason: 'stopped' }, now - live.openedAt, false);
        }
      }),
    );
    if (ending.kind === 'failed') {
      this.failure = ending.error;
      this.setState('failed');
      const event: ExhaustedEvent = {
        operation: plan.operation,
        attempts: this.consecutive || 1,
        elapsedMs: now - (this.downSince ?? this.startedAt),
        error: ending.error instanceof RetryExhaustedError ? ending.error.cause : ending.error,
        verdict: this.lastVerdict ?? { action: 'fail', reason: 'stream' },
        reason: 'attempts',
      };
      publish(STREAM_GIVE_UP, this.publisher, undefined, event);
    } else {
      this.setState('stopped');
    }
    const error = ending.kind === 'failed' ? this.failure : this.stopReason();
    for (const waiter of this.waiters) waiter.reject(error);
    this.waiters.clear();
  }

  private setState(to: SupervisorState): void {
    const from = this.state;
    if (from === to) return;
    this.state = to;
    if (!listens(STATE_CHANGE, this.publisher, undefined)) return;
    publish(STATE_CHANGE, this.publisher, undefined, { from, to, at: this.plan.clock.now() });
  }
}

class Wait {
  constructor(readonly ms: number) {}
}

function isStreamConnection(value: unknown): value is StreamConnection {
  return (
    typeof value === 'object' &&
    value !== null &&
    isThenable((value as StreamConnection).closed) &&
    typeof (value as StreamConnection).close === 'function'
  );
}

/**
 * `promise`, or a rejection with `signal.reason` as soon as `signal` aborts, even when the work
 * ignores its signal; a connection that arrives after that goes to `late` (to be closed).
 */
function untilAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal,
  late?: (value: T) => void,
): Promise<T> {
  if (signal.aborted) {
    promise.then(late, () => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const cancel = onAbort(signal, () => {
      settled = true;
      promise.then(late, () => {});
      reject(signal.reason);
    });
    promise.then(
      (value) => {
        cancel();
        if (!settled) resolve(value);
      },
      (error: unknown) => {
        cancel();
        if (!settled) reject(error);
      },
    );
  });
}

/**
 * Keeps a long-lived connection (a WebSocket stream) open: connects at once, reconnects with
 * backoff after a failure or a drop, replaces a silent connection (`staleAfterMs`) and an old one
 * (`maxLifetimeMs`, make-before-break), takes a {@link connectionLimiter} slot before every
 * attempt, and gives up on a `fail` verdict (a handshake 401/403) or after
 * `maxConsecutiveFailures`. Bad options throw a `TypeError`/`RangeError` naming the option.
 *
 * @example
 * ```ts
 * import WebSocket from 'ws';
 * import { supervise, websocket } from 'tenacious/stream';
 *
 * const trades = supervise(
 *   ({ signal, alive }) => websocket(new WebSocket('wss://stream.binance.com:9443/ws/btcusdt@trade'), { signal, alive, onMessage }),
 *   { operation: 'binance-trades', staleAfterMs: 60_000 },
 * );
 * await trades.ready();
 * await trades.stop();
 * ```
 */
export function supervise(
  connect: (ctx: ConnectContext) => PromiseLike<StreamConnection> | StreamConnection,
  options?: SuperviseOptions,
): Supervisor {
  return new StreamSupervisor(connect, streamPlan(connect, options));
}

export type { ConnectionEnd };
