import { describe, expect, it } from 'vitest';
import { constant, createRetry, retry } from '../../src/index.js';
import { instantClock, useInstantRetries } from '../../src/testing/index.js';

describe('instantClock', () => {
  it('resolves sleeps at once, advances now and records every delay', async () => {
    const clock = instantClock(1000);
    await clock.sleep(250);
    await clock.sleep(50);
    expect(clock.now()).toBe(1300);
    expect(clock.sleeps).toEqual([250, 50]);
  });

  it('rejects a sleep on an aborted signal with its reason', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(instantClock().sleep(10, controller.signal)).rejects.toThrow('stop');
  });

  it('moves time with advance and refuses to go back', () => {
    const clock = instantClock(0);
    clock.advance(5);
    expect(clock.now()).toBe(5);
    expect(() => clock.advance(-1)).toThrow('advance: expected ms >= 0, got -1');
  });
});

describe('useInstantRetries', () => {
  it('makes every run without a clock retry without waiting, until restored', async () => {
    const restore = useInstantRetries();
    try {
      // Real delays of 3 minutes would outlast the test timeout: the recorded sleeps prove it.
      let n = 0;
      await retry(
        async () => {
          if (n++ < 3) throw new Error('x');
          return 'ok';
        },
        { backoff: constant(60_000) },
      );
      const configured = createRetry({ backoff: constant(30_000), maxAttempts: 2 });
      await configured(async () => Promise.reject(new Error('x'))).catch(() => {});
      expect((restore.clock as ReturnType<typeof instantClock>).sleeps).toEqual([
        60_000, 60_000, 60_000, 30_000,
      ]);
    } finally {
      restore();
    }
  });

  it('leaves an explicitly given clock in charge', async () => {
    const restore = useInstantRetries();
    const own = instantClock();
    try {
      await retry(async () => Promise.reject(new Error('x')), {
        clock: own,
        maxAttempts: 2,
        backoff: constant(7),
      }).catch(() => {});
      expect(own.sleeps).toEqual([7]);
      expect((restore.clock as ReturnType<typeof instantClock>).sleeps).toEqual([]);
    } finally {
      restore();
    }
  });
});
