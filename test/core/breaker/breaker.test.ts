import { describe, expect, it, vi } from 'vitest';
import {
  circuitBreaker,
  type CircuitBreaker,
  type CircuitStateChange,
} from '../../../src/core/breaker/index.js';
import { CircuitOpenError, failOn, none, retry, retryOn, unknownOn } from '../../../src/index.js';
import { instantClock, useInstantRetries } from '../../../src/testing/index.js';

class Outage extends Error {}
class Timeout extends Error {}
class Rejected extends Error {}

/** Runs `n` attempts through the gate, each reporting `action`. */
function attempts(
  breaker: CircuitBreaker,
  n: number,
  action: 'success' | 'retry' | 'unknown' | 'fail',
) {
  for (let i = 0; i < n; i++) breaker.record(breaker.acquire(), action);
}

function rejection(breaker: CircuitBreaker): CircuitOpenError {
  try {
    breaker.acquire();
  } catch (err) {
    if (err instanceof CircuitOpenError) return err;
    throw err;
  }
  throw new Error('acquire() did not throw');
}

function opened(options: Parameters<typeof circuitBreaker>[0] = {}) {
  const clock = instantClock(0);
  const breaker = circuitBreaker({ failureThreshold: 2, resetAfterMs: 1000, clock, ...options });
  attempts(breaker, 2, 'retry');
  return { clock, breaker };
}

describe('circuitBreaker: consecutive mode', () => {
  it('starts closed', () => {
    expect(circuitBreaker({ clock: instantClock(0) }).state).toBe('closed');
  });

  it('stays closed after failureThreshold - 1 failures', () => {
    const breaker = circuitBreaker({ failureThreshold: 3, clock: instantClock(0) });
    attempts(breaker, 2, 'retry');
    expect(breaker.state).toBe('closed');
  });

  it('opens after failureThreshold consecutive failures', () => {
    const breaker = circuitBreaker({ failureThreshold: 3, clock: instantClock(0) });
    attempts(breaker, 3, 'retry');
    expect(breaker.state).toBe('open');
  });

  it('opens after 5 consecutive failures by default', () => {
    const breaker = circuitBreaker({ clock: instantClock(0) });
    attempts(breaker, 4, 'retry');
    expect(breaker.state).toBe('closed');
    attempts(breaker, 1, 'retry');
    expect(breaker.state).toBe('open');
  });

  it('counts unknown verdicts as failures', () => {
    const breaker = circuitBreaker({ failureThreshold: 3, clock: instantClock(0) });
    attempts(breaker, 3, 'unknown');
    expect(breaker.state).toBe('open');
  });

  it('starts the count again after a success', () => {
    const breaker = circuitBreaker({ failureThreshold: 3, clock: instantClock(0) });
    attempts(breaker, 2, 'retry');
    attempts(breaker, 1, 'success');
    attempts(breaker, 2, 'retry');
    expect(breaker.state).toBe('closed');
  });

  it('does not count fail verdicts (business errors)', () => {
    const breaker = circuitBreaker({ failureThreshold: 3, clock: instantClock(0) });
    attempts(breaker, 100, 'fail');
    expect(breaker.state).toBe('closed');
  });

  it('does not reset the count on a fail verdict either', () => {
    const breaker = circuitBreaker({ failureThreshold: 3, clock: instantClock(0) });
    attempts(breaker, 2, 'retry');
    attempts(breaker, 1, 'fail');
    attempts(breaker, 1, 'retry');
    expect(breaker.state).toBe('open');
  });

  it('refuses attempts while open with retryAfterMs = time left until half-open', () => {
    const { clock, breaker } = opened({ resetAfterMs: 30_000 });
    clock.advance(12_000);
    const err = rejection(breaker);
    expect(err).toBeInstanceOf(CircuitOpenError);
    expect(err.retryAfterMs).toBe(18_000);
    expect(err.message).toBe('circuit open; next probe in 18000 ms');
  });

  it('names the breaker in the error message when it has a name', () => {
    const { breaker } = opened({ name: 'binance', resetAfterMs: 5000 });
    expect(rejection(breaker).message).toBe('circuit "binance" open; next probe in 5000 ms');
  });

  it('stays open until resetAfterMs has passed', () => {
    const { clock, breaker } = opened();
    clock.advance(999);
    expect(breaker.state).toBe('open');
  });

  it('turns half-open when the state is read after resetAfterMs', () => {
    const { clock, breaker } = opened();
    clock.advance(1000);
    expect(breaker.state).toBe('half-open');
  });

  it('lets a probe through when acquired after resetAfterMs', () => {
    const { clock, breaker } = opened();
    clock.advance(1000);
    expect(() => breaker.acquire()).not.toThrow();
    expect(breaker.state).toBe('half-open');
  });

  it('closes when the probe succeeds', () => {
    const { clock, breaker } = opened();
    clock.advance(1000);
    breaker.record(breaker.acquire(), 'success');
    expect(breaker.state).toBe('closed');
  });

  it('needs failureThreshold fresh failures to open again after closing', () => {
    const { clock, breaker } = opened();
    clock.advance(1000);
    breaker.record(breaker.acquire(), 'success');
    attempts(breaker, 1, 'retry');
    expect(breaker.state).toBe('closed');
  });

  it('re-opens for another resetAfterMs when the probe fails', () => {
    const { clock, breaker } = opened();
    clock.advance(1500);
    breaker.record(breaker.acquire(), 'retry');
    expect(breaker.state).toBe('open');
    expect(rejection(breaker).retryAfterMs).toBe(1000);
  });

  it('re-opens when the probe ends with an unknown verdict', () => {
    const { clock, breaker } = opened();
    clock.advance(1000);
    breaker.record(breaker.acquire(), 'unknown');
    expect(breaker.state).toBe('open');
  });
});

describe('circuitBreaker: half-open probes', () => {
  it('refuses a second concurrent probe at once with retryAfterMs 0', () => {
    const { clock, breaker } = opened();
    clock.advance(1000);
    breaker.acquire();
    const err = rejection(breaker);
    expect(err.retryAfterMs).toBe(0);
    expect(err.message).toBe('circuit half-open; its probe is in flight');
  });

  it('lets halfOpenMaxAttempts probes through concurrently and refuses the next', () => {
    const { clock, breaker } = opened({ halfOpenMaxAttempts: 3 });
    clock.advance(1000);
    breaker.acquire();
    breaker.acquire();
    breaker.acquire();
    expect(rejection(breaker).message).toBe('circuit half-open; all 3 probes are in flight');
  });

  it('closes on the first successful probe and ignores the other probes reported later', () => {
    const { clock, breaker } = opened({ halfOpenMaxAttempts: 2 });
    clock.advance(1000);
    const first = breaker.acquire();
    const second = breaker.acquire();
    breaker.record(first, 'success');
    breaker.record(second, 'retry');
    expect(breaker.state).toBe('closed');
  });

  it('re-opens on the first failed probe and ignores a later successful one', () => {
    const { clock, breaker } = opened({ halfOpenMaxAttempts: 2 });
    clock.advance(1000);
    const first = breaker.acquire();
    const second = breaker.acquire();
    breaker.record(first, 'retry');
    breaker.record(second, 'success');
    expect(breaker.state).toBe('open');
  });

  it('frees the probe slot on a fail verdict without changing the state', () => {
    const { clock, breaker } = opened();
    clock.advance(1000);
    breaker.record(breaker.acquire(), 'fail');
    expect(breaker.state).toBe('half-open');
    expect(() => breaker.acquire()).not.toThrow();
  });

  it('gives the slot of a probe that never reported to the next caller after probeTimeoutMs', () => {
    const { clock, breaker } = opened({ probeTimeoutMs: 5000 });
    clock.advance(1000);
    const lost = breaker.acquire();
    clock.advance(4999);
    expect(rejection(breaker).retryAfterMs).toBe(0);
    clock.advance(1);
    const next = breaker.acquire();
    breaker.record(lost, 'retry');
    expect(breaker.state).toBe('half-open');
    breaker.record(next, 'success');
    expect(breaker.state).toBe('closed');
  });

  it('counts probeTimeoutMs from the newest probe', () => {
    const { clock, breaker } = opened({ halfOpenMaxAttempts: 2, probeTimeoutMs: 5000 });
    clock.advance(1000);
    breaker.acquire();
    clock.advance(4000);
    breaker.acquire();
    clock.advance(1000);
    expect(rejection(breaker).retryAfterMs).toBe(0);
    clock.advance(4000);
    expect(() => breaker.acquire()).not.toThrow();
  });

  it('ignores actions it does not know', () => {
    const { clock, breaker } = opened();
    clock.advance(1000);
    const token = breaker.acquire();
    breaker.record(token, 'toString' as never);
    breaker.record(token, 'success');
    expect(breaker.state).toBe('closed');
  });

  it('ignores the result of an attempt that started before the breaker opened', () => {
    const clock = instantClock(0);
    const breaker = circuitBreaker({ failureThreshold: 1, resetAfterMs: 1000, clock });
    const slow = breaker.acquire();
    attempts(breaker, 1, 'retry');
    breaker.record(slow, 'success');
    expect(breaker.state).toBe('open');
  });

  it('ignores tokens it did not issue', () => {
    const { breaker } = opened();
    breaker.record('not a token', 'success');
    breaker.record(undefined, 'success');
    expect(breaker.state).toBe('open');
  });
});

describe('circuitBreaker: onStateChange', () => {
  it('reports every transition with from, to and the clock time', () => {
    const clock = instantClock(0);
    const breaker = circuitBreaker({ failureThreshold: 1, resetAfterMs: 1000, clock });
    const changes: CircuitStateChange[] = [];
    breaker.onStateChange((change) => changes.push(change));
    clock.advance(10);
    attempts(breaker, 1, 'retry');
    clock.advance(1500);
    breaker.record(breaker.acquire(), 'retry');
    clock.advance(1000);
    breaker.record(breaker.acquire(), 'success');
    expect(changes).toEqual([
      { from: 'closed', to: 'open', at: 10 },
      { from: 'open', to: 'half-open', at: 1510 },
      { from: 'half-open', to: 'open', at: 1510 },
      { from: 'open', to: 'half-open', at: 2510 },
      { from: 'half-open', to: 'closed', at: 2510 },
    ]);
  });

  it('reports open → half-open when the state is read', () => {
    const { clock, breaker } = opened();
    const changes: CircuitStateChange[] = [];
    breaker.onStateChange((change) => changes.push(change));
    clock.advance(1000);
    void breaker.state;
    expect(changes).toEqual([{ from: 'open', to: 'half-open', at: 1000 }]);
  });

  it('stops calling a listener once it unsubscribes', () => {
    const clock = instantClock(0);
    const breaker = circuitBreaker({ failureThreshold: 1, resetAfterMs: 1000, clock });
    const listener = vi.fn();
    const unsubscribe = breaker.onStateChange(listener);
    unsubscribe();
    unsubscribe();
    attempts(breaker, 1, 'retry');
    expect(listener).not.toHaveBeenCalled();
  });

  it('keeps other listeners when one unsubscribes', () => {
    const clock = instantClock(0);
    const breaker = circuitBreaker({ failureThreshold: 1, clock });
    const kept = vi.fn();
    breaker.onStateChange(kept);
    breaker.onStateChange(() => {})();
    attempts(breaker, 1, 'retry');
    expect(kept).toHaveBeenCalledTimes(1);
  });

  it('logs a throwing listener and still opens, returns and calls the next listener', () => {
    const logger = { error: vi.fn() };
    const breaker = circuitBreaker({ failureThreshold: 1, clock: instantClock(0), logger });
    const next = vi.fn();
    breaker.onStateChange(() => {
      throw new Error('listener broke');
    });
    breaker.onStateChange(next);
    expect(() => attempts(breaker, 1, 'retry')).not.toThrow();
    expect(breaker.state).toBe('open');
    expect(next).toHaveBeenCalledTimes(1);
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(logger.error.mock.calls[0]![1]).toBe(
      'tenacious: circuitBreaker onStateChange listener failed',
    );
  });

  it('logs a listener whose promise rejects', async () => {
    const logger = { error: vi.fn() };
    const breaker = circuitBreaker({ failureThreshold: 1, clock: instantClock(0), logger });
    breaker.onStateChange(() => Promise.reject(new Error('async listener broke')));
    attempts(breaker, 1, 'retry');
    await new Promise((resolve) => setImmediate(resolve));
    expect(logger.error).toHaveBeenCalledTimes(1);
  });

  it('does not change the run result when a listener throws during retry', async () => {
    const clock = instantClock(0);
    const breaker = circuitBreaker({ failureThreshold: 1, clock, logger: { error: () => {} } });
    breaker.onStateChange(() => {
      throw new Error('listener broke');
    });
    const err = await retry(
      () => {
        throw new Outage('down');
      },
      { breaker, clock, backoff: none, maxAttempts: 3, classify: retryOn(Outage) },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CircuitOpenError);
  });

  it('rejects a listener that is not a function', () => {
    const breaker = circuitBreaker({ clock: instantClock(0) });
    expect(() => breaker.onStateChange(42 as never)).toThrow(
      new TypeError('onStateChange: expected a listener function, got 42'),
    );
  });
});

describe('circuitBreaker: rolling mode', () => {
  function rolling(options: Parameters<typeof circuitBreaker>[0] = {}) {
    const clock = instantClock(0);
    const breaker = circuitBreaker({
      failureRate: 0.5,
      windowMs: 10_000,
      minimumCalls: 10,
      clock,
      ...options,
    });
    return { clock, breaker };
  }

  it('does not open below minimumCalls, even when every call failed', () => {
    const { breaker } = rolling();
    attempts(breaker, 9, 'retry');
    expect(breaker.state).toBe('closed');
  });

  it('opens once minimumCalls calls are in the window and the failure rate is reached', () => {
    const { breaker } = rolling();
    attempts(breaker, 5, 'success');
    attempts(breaker, 4, 'retry');
    expect(breaker.state).toBe('closed');
    attempts(breaker, 1, 'retry');
    expect(breaker.state).toBe('open');
  });

  it('stays closed while the failure rate is below failureRate', () => {
    const { breaker } = rolling({ failureRate: 0.5 });
    for (let i = 0; i < 50; i++) {
      attempts(breaker, 2, 'success');
      attempts(breaker, 1, 'retry');
    }
    expect(breaker.state).toBe('closed');
  });

  it('opens at exactly failureRate (0.3 of 10 calls)', () => {
    const { breaker } = rolling({ failureRate: 0.3 });
    attempts(breaker, 7, 'success');
    attempts(breaker, 3, 'retry');
    expect(breaker.state).toBe('open');
  });

  it('opens on 50 % failures by default once 10 calls were made', () => {
    const breaker = circuitBreaker({ mode: 'rolling', clock: instantClock(0) });
    attempts(breaker, 5, 'success');
    attempts(breaker, 5, 'unknown');
    expect(breaker.state).toBe('open');
  });

  it('forgets calls older than windowMs', () => {
    const { clock, breaker } = rolling();
    attempts(breaker, 9, 'retry');
    clock.advance(10_000);
    attempts(breaker, 1, 'retry');
    expect(breaker.state).toBe('closed');
  });

  it('still counts calls made 9 buckets ago (the window slides in tenths)', () => {
    const { clock, breaker } = rolling();
    attempts(breaker, 9, 'retry');
    clock.advance(9_999);
    attempts(breaker, 1, 'retry');
    expect(breaker.state).toBe('open');
  });

  it('does not count fail verdicts as calls', () => {
    const { breaker } = rolling();
    attempts(breaker, 100, 'fail');
    attempts(breaker, 9, 'retry');
    expect(breaker.state).toBe('closed');
  });

  it('starts from an empty window after a probe closes it', () => {
    const { clock, breaker } = rolling({ resetAfterMs: 1000 });
    attempts(breaker, 10, 'retry');
    clock.advance(1000);
    breaker.record(breaker.acquire(), 'success');
    attempts(breaker, 9, 'retry');
    expect(breaker.state).toBe('closed');
  });

  it('follows the same half-open rules as consecutive mode', () => {
    const { clock, breaker } = rolling({ resetAfterMs: 1000 });
    attempts(breaker, 10, 'retry');
    clock.advance(1000);
    breaker.acquire();
    expect(rejection(breaker).retryAfterMs).toBe(0);
  });
});

describe('circuitBreaker: clock and store', () => {
  it('reads the useInstantRetries clock at call time when given no clock', () => {
    const restore = useInstantRetries(instantClock(0));
    try {
      const breaker = circuitBreaker({ failureThreshold: 1, resetAfterMs: 1000 });
      attempts(breaker, 1, 'retry');
      (restore.clock as ReturnType<typeof instantClock>).advance(1000);
      expect(breaker.state).toBe('half-open');
    } finally {
      restore();
    }
  });
});

describe('circuitBreaker: options', () => {
  it.each([
    [
      { failureThreshold: 0 },
      RangeError,
      'circuitBreaker: failureThreshold: expected an integer >= 1, got 0',
    ],
    [
      { failureThreshold: 2.5 },
      RangeError,
      'circuitBreaker: failureThreshold: expected an integer >= 1, got 2.5',
    ],
    [
      { failureThreshold: '5' },
      TypeError,
      'circuitBreaker: failureThreshold: expected an integer >= 1, got "5"',
    ],
    [
      { resetAfterMs: -1 },
      RangeError,
      'circuitBreaker: resetAfterMs: expected a number >= 0, got -1',
    ],
    [
      { resetAfterMs: NaN },
      RangeError,
      'circuitBreaker: resetAfterMs: expected a number >= 0, got NaN',
    ],
    [
      { halfOpenMaxAttempts: 0 },
      RangeError,
      'circuitBreaker: halfOpenMaxAttempts: expected an integer >= 1, got 0',
    ],
    [
      { probeTimeoutMs: 0 },
      RangeError,
      'circuitBreaker: probeTimeoutMs: expected a number > 0, got 0',
    ],
    [
      { failureRate: 0 },
      RangeError,
      'circuitBreaker: failureRate: expected a number in (0, 1], got 0',
    ],
    [
      { failureRate: 1.5 },
      RangeError,
      'circuitBreaker: failureRate: expected a number in (0, 1], got 1.5',
    ],
    [{ windowMs: 0 }, RangeError, 'circuitBreaker: windowMs: expected a number > 0, got 0'],
    [
      { minimumCalls: 0 },
      RangeError,
      'circuitBreaker: minimumCalls: expected an integer >= 1, got 0',
    ],
    [
      { mode: 'sliding' },
      RangeError,
      `circuitBreaker: mode: expected one of "consecutive", "rolling", got "sliding"`,
    ],
    [
      { failureRate: 0.5, failureThreshold: 3 },
      TypeError,
      'circuitBreaker: failureThreshold: only valid in consecutive mode',
    ],
    [
      { mode: 'consecutive', windowMs: 1000 },
      TypeError,
      'circuitBreaker: windowMs: only valid in rolling mode',
    ],
    [
      { failureTreshold: 3 },
      TypeError,
      'circuitBreaker: unknown option "failureTreshold" (did you mean "failureThreshold"?); expected one of mode, resetAfterMs, halfOpenMaxAttempts, probeTimeoutMs, clock, store, key, name, logger, failureThreshold',
    ],
    [
      { clock: Date },
      TypeError,
      'circuitBreaker: clock: expected an object with a now() method, got function Date',
    ],
    [
      { store: new Map() },
      TypeError,
      'circuitBreaker: store: expected a fleet store such as redisStore(), got {}',
    ],
    [{ name: '' }, RangeError, 'circuitBreaker: name: expected a non-empty string, got ""'],
    [
      { logger: console.error },
      TypeError,
      'circuitBreaker: logger: expected an object with an error() method, got function error',
    ],
  ])('rejects %o', (options, ErrorClass, message) => {
    expect(() => circuitBreaker(options as never)).toThrow(new ErrorClass(message));
  });

  it('rejects options that are not an object', () => {
    expect(() => circuitBreaker(5 as never)).toThrow(
      new TypeError('circuitBreaker: options: expected an object, got 5'),
    );
  });
});

describe('circuitBreaker with retry', () => {
  it('rejects with CircuitOpenError without calling fn while open', async () => {
    const { clock, breaker } = opened();
    const fn = vi.fn(() => 'value');
    const err = await retry(fn, { breaker, clock, backoff: none }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CircuitOpenError);
    expect((err as CircuitOpenError).retryAfterMs).toBe(1000);
    expect(fn).not.toHaveBeenCalled();
  });

  it('stops a run when the breaker opens between its attempts', async () => {
    const clock = instantClock(0);
    const breaker = circuitBreaker({ failureThreshold: 3, clock });
    const fn = vi.fn(() => {
      throw new Outage('down');
    });
    const err = await retry(fn, {
      breaker,
      clock,
      backoff: none,
      maxAttempts: 10,
      classify: retryOn(Outage),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CircuitOpenError);
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('counts unknown verdicts from retry as failures', async () => {
    const clock = instantClock(0);
    const breaker = circuitBreaker({ failureThreshold: 2, clock });
    await retry(
      () => {
        throw new Timeout('maybe executed');
      },
      { breaker, clock, backoff: none, maxAttempts: 2, classify: unknownOn(Timeout) },
    ).catch(() => {});
    expect(breaker.state).toBe('open');
  });

  it('is not tripped by business errors (fail verdicts)', async () => {
    const clock = instantClock(0);
    const breaker = circuitBreaker({ failureThreshold: 2, clock });
    for (let i = 0; i < 10; i++) {
      const err = await retry(
        () => {
          throw new Rejected('-2010 insufficient balance');
        },
        { breaker, clock, backoff: none, classify: failOn(Rejected) },
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Rejected);
    }
    expect(breaker.state).toBe('closed');
  });

  it('closes after a successful probe run', async () => {
    const { clock, breaker } = opened();
    clock.advance(1000);
    await expect(retry(() => 'ok', { breaker, clock, backoff: none })).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
  });
});
