import { describe, expect, it } from 'vitest';
import { ConsecutiveFailures, RollingWindow } from '../../../src/core/breaker/counting.js';
import type { RollingCounting } from '../../../src/core/breaker/options.js';
import { instantClock } from '../../../src/testing/index.js';

describe('ConsecutiveFailures', () => {
  it('trips on the failureThreshold-th failure in a row', () => {
    const counting = new ConsecutiveFailures(3);
    expect([counting.failure(), counting.failure(), counting.failure()]).toEqual([
      false,
      false,
      true,
    ]);
  });

  it('starts the count again after a success', () => {
    const counting = new ConsecutiveFailures(2);
    counting.failure();
    counting.success();
    expect(counting.failure()).toBe(false);
  });

  it('starts the count again after reset()', () => {
    const counting = new ConsecutiveFailures(2);
    counting.failure();
    counting.reset();
    expect(counting.failure()).toBe(false);
  });

  it('tells the fleet of every failure and success', () => {
    const told: string[] = [];
    const counting = new ConsecutiveFailures(5, {
      failure: () => told.push('failure'),
      success: () => told.push('success'),
    });
    counting.failure();
    counting.failure();
    counting.success();
    expect(told).toEqual(['failure', 'failure', 'success']);
  });
});

describe('RollingWindow', () => {
  const SETTINGS: RollingCounting = {
    mode: 'rolling',
    failureRate: 0.5,
    windowMs: 10_000,
    minimumCalls: 4,
  };

  function rolling(settings: Partial<RollingCounting> = {}) {
    const clock = instantClock(0);
    return { clock, counting: new RollingWindow({ ...SETTINGS, ...settings }, () => clock.now()) };
  }

  it('does not trip below minimumCalls, even when every call failed', () => {
    const { counting } = rolling();
    expect([counting.failure(), counting.failure(), counting.failure()]).toEqual([
      false,
      false,
      false,
    ]);
  });

  it('trips once minimumCalls calls are counted and the failed share reaches failureRate', () => {
    const { counting } = rolling();
    counting.success();
    counting.success();
    counting.failure();
    expect(counting.failure()).toBe(true);
  });

  it('counts a success as a call that lowers the failed share', () => {
    const { counting } = rolling({ minimumCalls: 1 });
    counting.success();
    counting.success();
    counting.success();
    expect(counting.failure()).toBe(false);
  });

  it('forgets calls once the window has slid past them', () => {
    const { clock, counting } = rolling();
    counting.failure();
    counting.failure();
    counting.failure();
    clock.advance(10_000);
    expect(counting.failure()).toBe(false);
  });

  it('starts from an empty window after reset()', () => {
    const { counting } = rolling();
    counting.failure();
    counting.failure();
    counting.failure();
    counting.reset(false);
    expect(counting.failure()).toBe(false);
  });

  it('asks the fleet store for a window of 10 buckets and two fields (calls, failures)', () => {
    expect(RollingWindow.sharedSpec({ ...SETTINGS, windowMs: 30_000 })).toEqual({
      windowMs: 30_000,
      buckets: 10,
      fields: 2,
    });
  });
});
