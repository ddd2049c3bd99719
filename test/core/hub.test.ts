import { afterEach, describe, expect, it, vi } from 'vitest';

const HUB_KEY = Symbol.for('tenacious.hub.v2');
const registry = globalThis as Record<symbol, unknown>;
const processHub = registry[HUB_KEY];

/** A fresh instance of the hub module, as another copy of the package loads it. */
async function loadCopy() {
  vi.resetModules();
  return import('../../src/core/hub.js');
}

afterEach(() => {
  registry[HUB_KEY] = processHub;
});

/** The hub's events, in the order a hub made by this copy has them. */
const EVENTS = [
  'retry',
  'exhausted',
  'success',
  'unknownOutcome',
  'streamDown',
  'streamUp',
  'streamConnect',
  'streamDisconnect',
  'hold',
];

describe('the process-wide hub', () => {
  it('is the one a copy loaded earlier made', async () => {
    const first = await loadCopy();
    const second = await loadCopy();
    expect(second.hub).toBe(first.hub);
  });

  it('gains the events a hub made by an older copy lacks, keeping its subscribers', async () => {
    const { hub: current } = await loadCopy();
    const older = {
      retry: current.retry,
      exhausted: current.exhausted,
      success: current.success,
      unknownOutcome: current.unknownOutcome,
    };
    registry[HUB_KEY] = older;
    const { hub } = await loadCopy();
    expect(hub).toBe(older);
    expect(hub.retry).toBe(current.retry);
    expect(Object.keys(hub)).toEqual(EVENTS);
  });

  it('is created whole by the first copy in the process', async () => {
    delete registry[HUB_KEY];
    const { hub } = await loadCopy();
    expect(registry[HUB_KEY]).toBe(hub);
    expect(Object.keys(hub)).toEqual([...EVENTS, 'defaultClock', 'instrumentation']);
  });
});
