import type { SharedBreaker, SharedBreakerOp, SharedBreakerView } from '../fleet-store.js';
import type { FleetFailureCount } from './counting.js';
import type { StateMachine } from './state-machine.js';

/** The shared state is read again when the last read is older than this (ms). */
const REFRESH_MS = 1000;

/**
 * An isolate()/release() the store did not take is sent again this often until it does. The
 * store itself decides whether a command goes out during an outage (one probe per its
 * `probeIntervalMs`), so a resend costs nothing while it is down.
 */
const RESEND_MS = 1000;

/**
 * The fleet's side of a breaker with a `store`: a mirror of the {@link SharedBreaker} that every
 * process sharing the store and `key` sees, kept fresh by pub/sub (and a read when a message
 * may have been lost). `acquire()` and `record()` stay synchronous: the local machine decides,
 * and this mirror moves it when the fleet opens, closes, isolates or releases, and tells the
 * fleet what this process decided. A store that fails leaves the local state as it is.
 *
 * @example
 * ```ts
 * const fleet = new FleetMirror(store.sharedBreaker('binance', spec), machine);
 * fleet.start(); // watches the fleet and reads its state
 * fleet.announceOpen(); // after this process opened its breaker
 * ```
 */
export class FleetMirror implements FleetFailureCount {
  /** The newest shared generation applied. */
  private generation = -1;
  /** Consecutive failures the fleet counted, as of the last view. */
  private fleetFailures = 0;
  private pendingFailures = 0;
  private pendingSuccess = false;
  private flushQueued = false;
  private readAt = performance.now();
  /**
   * The latest isolate()/release() until the store has taken it: sent again (a timer that never
   * keeps the process alive) while the store fails, and the fleet's views cannot undo it meanwhile.
   */
  private isolation: { op: 'isolate' | 'release'; seq: number } | undefined;
  private isolationSeq = 0;
  private resendTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set while a local open has not yet been written to the store (so a stale view cannot undo it). */
  private openingHere = false;

  constructor(
    private readonly shared: SharedBreaker,
    private readonly machine: StateMachine,
  ) {}

  /** Starts following the fleet: pub/sub, and a first read. */
  start(): void {
    this.shared.watch((view) => this.apply(view));
    void this.send({ op: 'read' });
  }

  /** A cheap background read when the last view is old, in case a pub/sub message was lost (a reconnect, say). */
  refreshIfStale(): void {
    if (performance.now() - this.readAt <= REFRESH_MS) return;
    this.readAt = performance.now();
    // A pending isolation's answer is a fresh view too.
    if (this.isolation !== undefined) void this.sendIsolation();
    else void this.send({ op: 'read' });
  }

  failure(): void {
    this.pendingFailures++;
    this.queueFlush();
  }

  success(): void {
    // A success only matters to the fleet when there is a count to reset.
    if (this.fleetFailures === 0 && this.pendingFailures === 0) return;
    this.pendingFailures = 0;
    this.pendingSuccess = true;
    this.queueFlush();
  }

  /** This process opened its breaker: the fleet opens too. */
  announceOpen(): void {
    this.openingHere = true;
    void this.send({ op: 'open' }).then(() => (this.openingHere = false));
  }

  /** A probe of this process succeeded: the fleet closes too. */
  announceClose(): void {
    void this.send({ op: 'close' });
  }

  isolate(): void {
    this.isolation = { op: 'isolate', seq: ++this.isolationSeq };
    void this.sendIsolation();
  }

  release(): void {
    this.isolation = { op: 'release', seq: ++this.isolationSeq };
    void this.sendIsolation();
  }

  /**
   * Sends the pending consecutive counts and a pending isolate()/release(), and reads the
   * fleet's state. Never rejects.
   */
  async sync(): Promise<void> {
    await this.flush();
    if (this.isolation !== undefined) await this.sendIsolation();
    await this.send({ op: 'read' });
  }

  /**
   * Sends the latest isolate()/release(); once the store has taken it, it is no longer pending.
   * When the store fails, it is sent again after {@link RESEND_MS}, until it is taken.
   */
  private sendIsolation(): Promise<void> {
    const pending = this.isolation;
    if (pending === undefined) return Promise.resolve();
    return this.shared.send({ op: pending.op }).then(
      (view) => {
        if (this.isolation?.seq === pending.seq) this.isolation = undefined;
        this.apply(view);
      },
      () => this.scheduleResend(),
    );
  }

  private scheduleResend(): void {
    if (this.resendTimer !== undefined || this.isolation === undefined) return;
    this.resendTimer = setTimeout(() => {
      this.resendTimer = undefined;
      void this.sendIsolation();
    }, RESEND_MS);
    // A kill switch waiting for Redis never keeps the process alive.
    this.resendTimer.unref?.();
  }

  /** Applies the fleet's state (from a reply or a pub/sub message) to this process's breaker. */
  private apply(view: SharedBreakerView): void {
    this.readAt = performance.now();
    if (view.generation < this.generation) return;
    const changed = view.generation > this.generation;
    this.generation = view.generation;
    this.fleetFailures = view.failures;
    const machine = this.machine;
    const now = machine.now();
    const isolated = machine.state.kind === 'isolated';
    // Until the store has taken this process's own isolate()/release(), no view may undo it.
    if (this.isolation === undefined && view.isolated !== isolated) {
      if (view.isolated) machine.isolate(now, 'fleet');
      else machine.release(now, 'fleet');
      return;
    }
    if (isolated || view.isolated) return;
    const kind = machine.state.kind;
    if (view.open) {
      // A fleet open reaches a closed breaker, or a half-open one when it is news (another
      // process's probe failed); the open period then ends when the fleet's does.
      const until = now + view.openForMs;
      if (kind === 'closed' || (changed && kind === 'half-open')) machine.open(now, 'fleet', until);
      else if (machine.state.kind === 'open') machine.state.until = until;
    } else if (changed && view.failures === 0 && kind !== 'closed' && !this.openingHere) {
      // Another process's probe succeeded.
      machine.close(now, 'fleet');
    }
  }

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.flushQueued = false;
    const success = this.pendingSuccess;
    const failures = this.pendingFailures;
    this.pendingSuccess = false;
    this.pendingFailures = 0;
    if (success) await this.send({ op: 'success' });
    if (failures > 0) await this.send({ op: 'failure', count: failures });
  }

  /** Sends `op` to the store and applies the answer; a store failure leaves the local state as is. */
  private send(op: SharedBreakerOp): Promise<void> {
    return this.shared.send(op).then(
      (view) => this.apply(view),
      () => {},
    );
  }
}
