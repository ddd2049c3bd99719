import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { FleetMirror } from '../../../src/core/breaker/fleet-mirror.js';
import type {
  SharedBreaker,
  SharedBreakerOp,
  SharedBreakerView,
} from '../../../src/core/fleet-store.js';
import { StateMachine } from '../../../src/core/breaker/state-machine.js';
import { instantClock } from '../../../src/testing/index.js';
import { redisAvailable } from '../../helpers/redis-server.js';
import { twoProcesses } from '../../redis/clients.js';

/**
 * The fleet mirror on its own, against a real redis-server: store A holds the mirror (this
 * process), store B talks to the same shared breaker directly (another process of the fleet).
 */

const SPEC = { failureThreshold: 3, resetAfterMs: 30_000 };

describe.skipIf(!redisAvailable)('FleetMirror', () => {
  const processes = twoProcesses(['node-redis', 'node-redis']);

  /**
   * The real shared breaker, whose isolate and release commands fail while `down` is set, as
   * they do when Redis is unreachable (reads still answer, as from a replica or a probe).
   */
  function losingIsolations(shared: SharedBreaker): SharedBreaker & { down: boolean } {
    const faulty = {
      down: true,
      send: (op: SharedBreakerOp) =>
        faulty.down && (op.op === 'isolate' || op.op === 'release')
          ? Promise.reject(new Error('redis store unavailable (outage)'))
          : shared.send(op),
      watch: (listener: (view: SharedBreakerView) => void) => shared.watch(listener),
    };
    return faulty;
  }

  /** A started mirror over a machine on an instant clock at 0, and another process's handle. */
  async function mirrored(wrap: (shared: SharedBreaker) => SharedBreaker = (s) => s) {
    const key = randomUUID();
    const clock = instantClock(0);
    const machine = new StateMachine(
      {
        ...SPEC,
        halfOpenMaxAttempts: 1,
        probeTimeoutMs: 30_000,
        label: 'circuit',
        logger: undefined,
      },
      () => clock.now(),
      () => {},
    );
    const mirror = new FleetMirror(wrap(processes.storeA.sharedBreaker(key, SPEC)), machine);
    mirror.start();
    await mirror.sync();
    await processes.storeA.ready();
    return { machine, mirror, other: processes.storeB.sharedBreaker(key, SPEC) };
  }

  it('writes its consecutive failures through to the fleet in one batch', async () => {
    const { mirror, other } = await mirrored();
    mirror.failure();
    mirror.failure();
    await mirror.sync();
    expect((await other.send({ op: 'read' })).failures).toBe(2);
  });

  it("resets the fleet's count on a success after failures", async () => {
    const { mirror, other } = await mirrored();
    mirror.failure();
    await mirror.sync();
    mirror.success();
    await mirror.sync();
    expect((await other.send({ op: 'read' })).failures).toBe(0);
  });

  it('opens the fleet when this process opened', async () => {
    const { mirror, other } = await mirrored();
    mirror.announceOpen();
    await mirror.sync();
    expect((await other.send({ op: 'read' })).open).toBe(true);
  });

  it("closes the fleet when this process's probe closed its breaker", async () => {
    const { mirror, other } = await mirrored();
    await other.send({ op: 'open' });
    mirror.announceClose();
    await mirror.sync();
    expect((await other.send({ op: 'read' })).open).toBe(false);
  });

  it("opens a closed machine when the fleet opens, until the fleet's open period ends", async () => {
    const { machine, other } = await mirrored();
    await other.send({ op: 'open' });
    // The published view says the fleet is open for all of resetAfterMs; the clock reads 0.
    await vi.waitFor(() => expect(machine.state).toEqual({ kind: 'open', until: 30_000 }));
  });

  it("closes an open machine when another process's probe closes the fleet", async () => {
    const { machine, other } = await mirrored();
    await other.send({ op: 'open' });
    await vi.waitFor(() => expect(machine.state.kind).toBe('open'));
    await other.send({ op: 'close' });
    await vi.waitFor(() => expect(machine.state).toEqual({ kind: 'closed' }));
  });

  it('isolates the machine while the fleet is isolated and closes it on release', async () => {
    const { machine, other } = await mirrored();
    await other.send({ op: 'isolate' });
    await vi.waitFor(() => expect(machine.state).toEqual({ kind: 'isolated' }));
    await other.send({ op: 'release' });
    await vi.waitFor(() => expect(machine.state).toEqual({ kind: 'closed' }));
  });

  it('isolates the fleet on isolate()', async () => {
    const { mirror, other } = await mirrored();
    mirror.isolate();
    await mirror.sync();
    expect((await other.send({ op: 'read' })).isolated).toBe(true);
    await other.send({ op: 'release' });
  });

  it('sends an isolate() the store failed to take again, once the store takes commands', async () => {
    let shared!: ReturnType<typeof losingIsolations>;
    const { machine, mirror, other } = await mirrored((s) => (shared = losingIsolations(s)));
    machine.isolate(0, 'local');
    mirror.isolate();
    await mirror.sync();
    expect((await other.send({ op: 'read' })).isolated).toBe(false);
    shared.down = false;
    await mirror.sync();
    expect((await other.send({ op: 'read' })).isolated).toBe(true);
    await other.send({ op: 'release' });
  });

  it("keeps this process isolated while the store has not taken its isolate(), whatever the fleet's views say", async () => {
    let shared!: ReturnType<typeof losingIsolations>;
    const { machine, mirror, other } = await mirrored((s) => (shared = losingIsolations(s)));
    machine.isolate(0, 'local');
    mirror.isolate();
    // The read answers with the fleet's view: not isolated (the isolate never reached it).
    await mirror.sync();
    expect(machine.state).toEqual({ kind: 'isolated' });
    // Leave nothing pending: the resend timer stops once the store has taken it.
    shared.down = false;
    await mirror.sync();
    await other.send({ op: 'release' });
  });

  it('sends the latest of isolate() and release() when the store takes commands again', async () => {
    let shared!: ReturnType<typeof losingIsolations>;
    const { machine, mirror, other } = await mirrored((s) => (shared = losingIsolations(s)));
    await other.send({ op: 'isolate' });
    await vi.waitFor(() => expect(machine.state).toEqual({ kind: 'isolated' }));
    // Three local decisions while the store takes none: the last one, release, is the fleet's.
    machine.release(0, 'local');
    mirror.release();
    machine.isolate(0, 'local');
    mirror.isolate();
    machine.release(0, 'local');
    mirror.release();
    await mirror.sync();
    expect((await other.send({ op: 'read' })).isolated).toBe(true);
    shared.down = false;
    await mirror.sync();
    expect([(await other.send({ op: 'read' })).isolated, machine.state]).toEqual([
      false,
      { kind: 'closed' },
    ]);
  });
});
