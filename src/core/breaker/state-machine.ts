import { CircuitOpenError } from '../errors.js';
import { Event } from '../event.js';
import type { Logger } from '../types.js';

/**
 * `closed`: attempts pass. `open`: attempts are refused. `half-open`: a few probes pass.
 *
 * @example
 * ```ts
 * if (breaker.state !== 'closed') metrics.gauge('venue_degraded', 1);
 * ```
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

/**
 * What {@link CircuitBreaker.onStateChange} listeners receive.
 *
 * @example
 * ```ts
 * breaker.onStateChange(({ from, to, at }) => logger.warn({ from, to, at }, 'breaker changed state'));
 * ```
 */
export interface CircuitStateChange {
  from: CircuitState;
  to: CircuitState;
  /** `clock.now()` when the change was made (for open → half-open: when it was first noticed). */
  at: number;
}

/**
 * The breaker's states:
 *
 * ```
 *            the counting strategy trips (failureThreshold
 *            failures in a row, or failureRate over windowMs)
 *   closed ──────────────────────────────────────────────▶ open ◀──────────────┐
 *     ▲                                                    │                   │
 *     │                                resetAfterMs passed │                   │ a probe fails
 *     │                         (seen by acquire() or by   │                   │ (retry / unknown)
 *     │                         reading state: no timers)  ▼                   │
 *     └─────────────── a probe succeeds ─────────────── half-open ─────────────┘
 *                          at most halfOpenMaxAttempts probes in flight; a `fail`
 *                          verdict frees its slot and changes nothing; probes all
 *                          older than probeTimeoutMs are presumed lost (new round)
 *
 *   any state ── isolate() ──▶ isolated (reads as `open`) ── release() ──▶ closed
 * ```
 *
 * With a fleet store, the fleet's open, close, isolate and release reach this machine too (see
 * `fleet-mirror.ts`). Every change, and every new probe round, bumps the generation: the token
 * `acquire()` hands out, so a result from an earlier period is recognised and ignored.
 */
export type BreakerState =
  | { readonly kind: 'closed' }
  | { readonly kind: 'open'; until: number }
  | { readonly kind: 'half-open'; probes: number; lastProbeAt: number }
  | { readonly kind: 'isolated' };

/** Who made a change: this process (the fleet may need telling) or the fleet (it knows). */
export type ChangeOrigin = 'local' | 'fleet';

/** What the machine needs to know about its breaker. */
export interface MachineSettings {
  readonly resetAfterMs: number;
  readonly halfOpenMaxAttempts: number;
  readonly probeTimeoutMs: number;
  /** How refusals name the breaker: `circuit` or `circuit "binance"`. */
  readonly label: string;
  readonly logger: Logger | undefined;
}

const CLOSED: BreakerState = { kind: 'closed' };
const ISOLATED: BreakerState = { kind: 'isolated' };

/** How each state reads from outside: an isolated breaker is open. */
const PUBLIC_STATE: Readonly<Record<BreakerState['kind'], CircuitState>> = {
  closed: 'closed',
  open: 'open',
  'half-open': 'half-open',
  isolated: 'open',
};

/**
 * The breaker's state and its transitions, with no counting and no fleet: those decide when to
 * call {@link open} and {@link close}. `entered` runs on every change before the listeners hear
 * of it (the breaker resets its counts there and tells the fleet).
 *
 * @example
 * ```ts
 * const machine = new StateMachine(settings, () => clock.now(), () => {});
 * const token = machine.acquire(); // throws CircuitOpenError unless closed or a probe slot is free
 * machine.open(clock.now(), 'local');
 * machine.publicState(); // 'open'
 * ```
 */
export class StateMachine {
  state: BreakerState = CLOSED;
  /** Bumped on every change and every new probe round; the token `acquire()` returns. */
  generation = 0;
  readonly changes = new Event<CircuitStateChange>('circuitBreaker onStateChange listener');

  constructor(
    private readonly settings: MachineSettings,
    readonly now: () => number,
    private readonly entered: (from: BreakerState, to: BreakerState, origin: ChangeOrigin) => void,
  ) {}

  /** The state as users see it; an expired open period turns half-open here. */
  publicState(): CircuitState {
    const state = this.state;
    if (state.kind === 'open') {
      const now = this.now();
      if (now >= state.until) this.enter(halfOpen(now), now, 'local');
    }
    return PUBLIC_STATE[this.state.kind];
  }

  /** Lets an attempt start and returns its token, or throws `CircuitOpenError`. */
  acquire(): number {
    const state = this.state;
    if (state.kind === 'closed') return this.generation;
    if (state.kind === 'isolated') throw this.isolatedError();
    const now = this.now();
    if (state.kind === 'open') {
      const waitMs = state.until - now;
      if (waitMs > 0) throw this.openError(waitMs);
      this.enter(halfOpen(now), now, 'local');
      // A listener may have acquired (or changed the state) meanwhile: decide afresh.
      return this.acquire();
    }
    const settings = this.settings;
    if (state.probes >= settings.halfOpenMaxAttempts) {
      if (now - state.lastProbeAt < settings.probeTimeoutMs) throw this.busyError();
      // Even the newest probe has been out longer than probeTimeoutMs: presume them all lost and
      // start a new round (their late results carry the old generation and are ignored).
      this.generation++;
      state.probes = 0;
    }
    state.probes++;
    state.lastProbeAt = now;
    return this.generation;
  }

  /** A half-open probe's result: a success closes, a failure opens, a neutral one frees its slot. */
  probeReported(effect: 'success' | 'failure' | 'neutral'): void {
    const state = this.state;
    if (state.kind !== 'half-open') return;
    if (effect === 'neutral') {
      if (state.probes > 0) state.probes--;
    } else if (effect === 'success') {
      this.close(this.now(), 'local');
    } else {
      this.open(this.now(), 'local');
    }
  }

  /** Opens until `until` (default: `resetAfterMs` from now). */
  open(now: number, origin: ChangeOrigin, until = now + this.settings.resetAfterMs): void {
    this.enter({ kind: 'open', until }, now, origin);
  }

  close(now: number, origin: ChangeOrigin): void {
    this.enter(CLOSED, now, origin);
  }

  /** Holds the breaker open until {@link release}; does nothing when already isolated. */
  isolate(now: number, origin: ChangeOrigin): void {
    if (this.state.kind !== 'isolated') this.enter(ISOLATED, now, origin);
  }

  /** Ends an isolation: the breaker closes. Does nothing when not isolated. */
  release(now: number, origin: ChangeOrigin): void {
    if (this.state.kind === 'isolated') this.enter(CLOSED, now, origin);
  }

  private enter(to: BreakerState, now: number, origin: ChangeOrigin): void {
    const from = this.state;
    this.state = to;
    this.generation++;
    this.entered(from, to, origin);
    const before = PUBLIC_STATE[from.kind];
    const after = PUBLIC_STATE[to.kind];
    if (before === after || this.changes.listeners.length === 0) return;
    this.changes.emit({ from: before, to: after, at: now }, this.settings.logger);
  }

  private openError(waitMs: number): CircuitOpenError {
    return new CircuitOpenError({
      retryAfterMs: waitMs,
      message: `${this.settings.label} open; next probe in ${Math.ceil(waitMs)} ms`,
    });
  }

  private isolatedError(): CircuitOpenError {
    return new CircuitOpenError({
      retryAfterMs: Number.POSITIVE_INFINITY,
      message: `${this.settings.label} isolated; no attempt until release()`,
    });
  }

  private busyError(): CircuitOpenError {
    const n = this.settings.halfOpenMaxAttempts;
    return new CircuitOpenError({
      retryAfterMs: 0,
      message: `${this.settings.label} half-open; ${n === 1 ? 'its probe is' : `all ${n} probes are`} in flight`,
    });
  }
}

function halfOpen(now: number): BreakerState {
  return { kind: 'half-open', probes: 0, lastProbeAt: now };
}
