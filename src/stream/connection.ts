import type { Clock, StreamDisconnectReason, StreamScope } from '../core/types.js';
import type { StreamConnection } from './options.js';

/** How a connection's watch ended. */
export interface ConnectionEnd {
  reason: StreamDisconnectReason;
  error?: unknown;
  /** For `replaced`: what `ctx.replace(reason)` said. */
  detail?: string;
}

/**
 * One connection's lifecycle, from the connect attempt to its end. `ended` settles once, with the
 * first of: its `closed` settling (`closed`/`error`), the watchdog (`stale`, `lifetime`),
 * `ctx.replace()` (`replaced`), the supervisor stopping (`stopped`). A `replace()` before the
 * connection counts as open is kept and acted on as soon as it is.
 */
export class LiveConnection {
  connection: StreamConnection | undefined;
  openedAt = 0;
  lastAliveAt: number;
  /** Set by the watchdog once the connection has been open `stableAfterMs`. */
  stable = false;
  /** Its instrumentation scope (`tenacious/otel`), from the connect attempt to its end. */
  scope: StreamScope | undefined;
  readonly ended: Promise<ConnectionEnd>;
  private settle!: (end: ConnectionEnd) => void;
  private done = false;
  /** Settles when the connection itself closed or failed, whatever ended the watch first. */
  readonly gone: Promise<ConnectionEnd>;
  private settleGone!: (end: ConnectionEnd) => void;
  isGone = false;
  /** Aborts the watchdog when the connection ends. */
  readonly watch = new AbortController();

  constructor(
    readonly id: number,
    private readonly clock: Clock,
  ) {
    this.lastAliveAt = clock.now();
    this.ended = new Promise((resolve) => (this.settle = resolve));
    this.gone = new Promise((resolve) => (this.settleGone = resolve));
  }

  /** `ctx.alive`: one clock read per message, nothing else (the watchdog reads it when it wakes). */
  readonly alive = (): void => {
    this.lastAliveAt = this.clock.now();
  };

  readonly replace = (reason?: unknown): void => {
    this.end({ reason: 'replaced', detail: typeof reason === 'string' ? reason : undefined });
  };

  get isEnded(): boolean {
    return this.done;
  }

  /** Watches `connection.closed` from now on, so a close during `onConnect` is not missed. */
  attach(connection: StreamConnection): void {
    this.connection = connection;
    const gone = (end: ConnectionEnd) => {
      this.isGone = true;
      this.settleGone(end);
      this.end(end);
    };
    Promise.resolve(connection.closed).then(
      () => gone({ reason: 'closed' }),
      (error: unknown) => gone({ reason: 'error', error }),
    );
  }

  opened(): void {
    this.openedAt = this.clock.now();
    this.lastAliveAt = this.openedAt;
  }

  end(end: ConnectionEnd): void {
    if (this.done) return;
    this.done = true;
    this.watch.abort();
    this.settle(end);
  }

  /** Closes the connection; a `close()` that throws or rejects is ignored (it is ending anyway). */
  async close(reason: string): Promise<void> {
    const connection = this.connection;
    if (connection === undefined) return;
    try {
      await connection.close(reason);
    } catch {
      // Closing is best effort: the supervisor has moved on.
    }
  }
}
