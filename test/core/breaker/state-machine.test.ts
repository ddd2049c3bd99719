import { describe, expect, it } from 'vitest';
import {
  StateMachine,
  type BreakerState,
  type ChangeOrigin,
  type CircuitStateChange,
  type MachineSettings,
} from '../../../src/core/breaker/state-machine.js';
import { CircuitOpenError } from '../../../src/index.js';
import { instantClock } from '../../../src/testing/index.js';

const SETTINGS: MachineSettings = {
  resetAfterMs: 1000,
  halfOpenMaxAttempts: 1,
  probeTimeoutMs: 5000,
  label: 'circuit',
  logger: undefined,
};

function machine(settings: Partial<MachineSettings> = {}) {
  const clock = instantClock(0);
  const entered: [BreakerState['kind'], BreakerState['kind'], ChangeOrigin][] = [];
  const m = new StateMachine(
    { ...SETTINGS, ...settings },
    () => clock.now(),
    (from, to, origin) => entered.push([from.kind, to.kind, origin]),
  );
  return { clock, machine: m, entered };
}

function refusal(machine: StateMachine): CircuitOpenError {
  try {
    machine.acquire();
  } catch (err) {
    if (err instanceof CircuitOpenError) return err;
    throw err;
  }
  throw new Error('acquire() did not throw');
}

describe('StateMachine: the state union', () => {
  it('starts closed at generation 0', () => {
    const { machine: m } = machine();
    expect([m.state, m.generation]).toEqual([{ kind: 'closed' }, 0]);
  });

  it('holds when an open period ends, resetAfterMs after it opened', () => {
    const { clock, machine: m } = machine();
    clock.advance(250);
    m.open(clock.now(), 'local');
    expect(m.state).toEqual({ kind: 'open', until: 1250 });
  });

  it("takes the end of the open period it is given (the fleet's)", () => {
    const { machine: m } = machine();
    m.open(0, 'fleet', 400);
    expect(m.state).toEqual({ kind: 'open', until: 400 });
  });

  it('turns half-open with no probe in flight once the open period has passed', () => {
    const { clock, machine: m } = machine();
    m.open(0, 'local');
    clock.advance(1000);
    expect(m.publicState()).toBe('half-open');
    expect(m.state).toEqual({ kind: 'half-open', probes: 0, lastProbeAt: 1000 });
  });

  it('counts each probe let through and when the newest started', () => {
    const { clock, machine: m } = machine({ halfOpenMaxAttempts: 3 });
    m.open(0, 'local');
    clock.advance(1000);
    m.acquire();
    clock.advance(20);
    m.acquire();
    expect(m.state).toEqual({ kind: 'half-open', probes: 2, lastProbeAt: 1020 });
  });

  it('frees a probe slot on a neutral result', () => {
    const { clock, machine: m } = machine({ halfOpenMaxAttempts: 2 });
    m.open(0, 'local');
    clock.advance(1000);
    m.acquire();
    m.acquire();
    m.probeReported('neutral');
    expect(m.state).toEqual({ kind: 'half-open', probes: 1, lastProbeAt: 1000 });
  });

  it('starts a new probe round, with a new generation, once every probe is older than probeTimeoutMs', () => {
    const { clock, machine: m } = machine();
    m.open(0, 'local');
    clock.advance(1000);
    const lost = m.acquire();
    clock.advance(5000);
    const next = m.acquire();
    expect([next, m.state]).toEqual([
      lost + 1,
      { kind: 'half-open', probes: 1, lastProbeAt: 6000 },
    ]);
  });

  it('is isolated after isolate(), which reads as open', () => {
    const { machine: m } = machine();
    m.isolate(0, 'local');
    expect([m.state, m.publicState()]).toEqual([{ kind: 'isolated' }, 'open']);
  });

  it('refuses every attempt while isolated with retryAfterMs Infinity', () => {
    const { clock, machine: m } = machine({ label: 'circuit "okx"' });
    m.isolate(0, 'local');
    clock.advance(1_000_000);
    const err = refusal(m);
    expect([err.retryAfterMs, err.message]).toEqual([
      Infinity,
      'circuit "okx" isolated; no attempt until release()',
    ]);
  });

  it('closes on release()', () => {
    const { machine: m } = machine();
    m.isolate(0, 'local');
    m.release(0, 'local');
    expect(m.state).toEqual({ kind: 'closed' });
  });

  it('ignores release() when not isolated', () => {
    const { machine: m, entered } = machine();
    m.open(0, 'local');
    m.release(0, 'local');
    expect([m.state.kind, entered]).toEqual(['open', [['closed', 'open', 'local']]]);
  });

  it('ignores isolate() when already isolated', () => {
    const { machine: m } = machine();
    m.isolate(0, 'local');
    m.isolate(0, 'fleet');
    expect(m.generation).toBe(1);
  });
});

describe('StateMachine: changes', () => {
  it('bumps the generation on every change', () => {
    const { clock, machine: m } = machine();
    const generations = [m.generation];
    m.open(0, 'local');
    generations.push(m.generation);
    clock.advance(1000);
    m.acquire();
    generations.push(m.generation);
    m.probeReported('success');
    generations.push(m.generation);
    expect(generations).toEqual([0, 1, 2, 3]);
  });

  it('calls entered with the states and the origin before the listeners hear of the change', () => {
    const { machine: m, entered } = machine();
    const heard: string[] = [];
    m.changes.subscribe(({ to }) =>
      heard.push(`listener saw ${to} after ${entered.length} entered`),
    );
    m.open(0, 'fleet');
    expect([entered, heard]).toEqual([
      [['closed', 'open', 'fleet']],
      ['listener saw open after 1 entered'],
    ]);
  });

  it('does not tell listeners of a change that reads the same (open → isolated)', () => {
    const { machine: m } = machine();
    m.open(0, 'local');
    const changes: CircuitStateChange[] = [];
    m.changes.subscribe((change) => changes.push(change));
    m.isolate(10, 'local');
    expect(changes).toEqual([]);
  });

  it('opens again when a probe fails and closes when one succeeds', () => {
    const { clock, machine: m, entered } = machine();
    m.open(0, 'local');
    clock.advance(1000);
    m.acquire();
    m.probeReported('failure');
    clock.advance(1000);
    m.acquire();
    m.probeReported('success');
    expect(entered.map(([from, to]) => `${from}->${to}`)).toEqual([
      'closed->open',
      'open->half-open',
      'half-open->open',
      'open->half-open',
      'half-open->closed',
    ]);
  });

  it('does not read the clock while closed', () => {
    let reads = 0;
    const m = new StateMachine(
      SETTINGS,
      () => ++reads,
      () => {},
    );
    m.acquire();
    void m.publicState();
    expect(reads).toBe(0);
  });
});
