import { describe, expect, it } from 'vitest';
import { lazy } from '../../src/core/lazy.js';

describe('lazy()', () => {
  it('builds nothing until the value is first read', () => {
    let builds = 0;
    lazy(() => ++builds);
    expect(builds).toBe(0);
  });

  it('builds once and returns the same value on every read', () => {
    let builds = 0;
    const table = lazy(() => {
      builds++;
      return new Set(['signature']);
    });
    expect(table()).toBe(table());
    expect(builds).toBe(1);
  });

  it('keeps an undefined value instead of building again', () => {
    let builds = 0;
    const nothing = lazy(() => {
      builds++;
      return undefined;
    });
    nothing();
    nothing();
    expect(builds).toBe(1);
  });
});
