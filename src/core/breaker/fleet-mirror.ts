import type { SharedBreaker, SharedBreakerOp, SharedBreakerView } from '../fleet-store.js';
import type { FleetFailureCount } from './counting.js';
import type { StateMachine } from './state-machine.js';

/** The shared state is read again when the last read is older than this (ms). */
const REFRESH_MS = 1000;

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
  /** isolate()/release() calls whose answer from the store has not come back yet. */
  private isolationOps = 0;
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
    void this.send({ op: 'read' });
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
    this.sendIsolation({ op: 'isolate' });
  }

  release(): void {
    this.sendIsolation({ op: 'release' });
  }

  /** Sends the pending consecutive counts and reads the fleet's state. Never rejects. */
  async sync(): Promise<void> {
    await this.flush();
    await this.send({ op: 'read' });
  }

  private sendIsolation(op: SharedBreakerOp): void {
    this.isolationOps++;
    void this.send(op).then(() => this.isolationOps--);
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
    // While this process's own isolate()/release() is on its way, an older view must not undo it.
    if (this.isolationOps === 0 && view.isolated !== isolated) {
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
