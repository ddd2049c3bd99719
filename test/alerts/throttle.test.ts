import { describe, expect, it } from 'vitest';
import { throttleAlerts, type AlertEvent } from '../../src/alerts/index.js';
import type { ExhaustedEvent } from '../../src/index.js';
import { captureLogger } from '../helpers/log-capture.js';
import { ExchangeError, manualClock, settle, T0 } from './support.js';

function event(
  operation = 'place_order',
  error: unknown = new ExchangeError('no liquidity'),
  attempts = 4,
): ExhaustedEvent {
  return {
    operation,
    attempts,
    elapsedMs: 7000,
    error,
    verdict: { action: 'retry', reason: 'http:503' },
    reason: 'attempts',
  };
}

/** A listener recording what it receives. */
function recorder() {
  const received: AlertEvent[] = [];
  const listener = (e: AlertEvent) => {
    received.push(e);
  };
  return { received, listener };
}

describe('throttleAlerts', () => {
  it('passes the first event of a key through at once', () => {
    const { received, listener } = recorder();
    const throttled = throttleAlerts(listener, { throttleMs: 60_000, clock: manualClock() });
    const first = event();

    throttled(first);

    expect(received).toEqual([first]);
    throttled.stop();
  });

  it('holds back repeats of the same operation and error name within the window', () => {
    const { received, listener } = recorder();
    const throttled = throttleAlerts(listener, { throttleMs: 60_000, clock: manualClock() });

    throttled(event());
    throttled(event());
    throttled(event());

    expect(received).toHaveLength(1);
    throttled.stop();
  });

  it('does not throttle a different operation or error name', () => {
    const { received, listener } = recorder();
    const throttled = throttleAlerts(listener, { throttleMs: 60_000, clock: manualClock() });

    throttled(event('place_order'));
    throttled(event('cancel_order'));
    throttled(event('place_order', new RangeError('bad size')));
    throttled({ ...event('place_order'), error: undefined });

    expect(received.map((e) => [e.operation, (e.error as Error | undefined)?.name])).toEqual([
      ['place_order', 'ExchangeError'],
      ['cancel_order', 'ExchangeError'],
      ['place_order', 'RangeError'],
      ['place_order', undefined],
    ]);
    throttled.stop();
  });

  it('sends a summary with the count and first-held time when the window closes', async () => {
    const { received, listener } = recorder();
    const clock = manualClock();
    const throttled = throttleAlerts(listener, { throttleMs: 60_000, clock });

    throttled(event());
    await clock.advance(2000);
    throttled(event('place_order', new ExchangeError('a'), 5));
    await clock.advance(1000);
    const latest = event('place_order', new ExchangeError('b'), 6);
    throttled(latest);
    await clock.advance(57_000);

    expect(received).toHaveLength(2);
    expect(received[1]).toEqual({ ...latest, suppressed: { count: 2, sinceMs: T0 + 2000 } });
    throttled.stop();
  });

  it('ends a window quietly when nothing was held back', async () => {
    const { received, listener } = recorder();
    const clock = manualClock();
    const throttled = throttleAlerts(listener, { throttleMs: 60_000, clock });

    throttled(event());
    await clock.advance(60_000);
    throttled(event());

    expect(received).toHaveLength(2);
    expect(received[1]!.suppressed).toBeUndefined();
    expect(clock.pending()).toBe(1);
    throttled.stop();
  });

  it('opens a new window after a summary, so a storm sends one message per window', async () => {
    const { received, listener } = recorder();
    const clock = manualClock();
    const throttled = throttleAlerts(listener, { throttleMs: 1000, clock });

    for (let second = 0; second < 3; second++) {
      for (let i = 0; i < 10; i++) throttled(event());
      await clock.advance(1000);
    }

    expect(received.map((e) => e.suppressed?.count ?? 0)).toEqual([0, 9, 10, 10]);
    throttled.stop();
  });

  it('groups by a custom key', () => {
    const { received, listener } = recorder();
    const throttled = throttleAlerts(listener, {
      throttleMs: 60_000,
      clock: manualClock(),
      key: (e) => e.verdict.reason,
    });

    throttled(event('place_order'));
    throttled(event('cancel_order'));

    expect(received).toHaveLength(1);
    throttled.stop();
  });

  it('sends pending summaries on flush and ends every window', async () => {
    const { received, listener } = recorder();
    const clock = manualClock();
    const throttled = throttleAlerts(listener, { throttleMs: 60_000, clock });

    throttled(event('a'));
    throttled(event('a'));
    throttled(event('b'));
    await throttled.flush();
    throttled(event('a'));

    expect(received.map((e) => [e.operation, e.suppressed?.count ?? 0])).toEqual([
      ['a', 0],
      ['b', 0],
      ['a', 1],
      ['a', 0],
    ]);
    expect(clock.pending()).toBe(1);
    throttled.stop();
  });

  it('awaits in-flight deliveries on flush', async () => {
    let finished = 0;
    const throttled = throttleAlerts(
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        finished += 1;
      },
      { throttleMs: 0 },
    );

    throttled(event('a'));
    throttled(event('b'));
    expect(finished).toBe(0);
    await throttled.flush();

    expect(finished).toBe(2);
  });

  it("calls the listener's own flush after its deliveries", async () => {
    const calls: string[] = [];
    const inner = Object.assign((e: AlertEvent) => void calls.push(`event ${e.operation}`), {
      flush: async () => void calls.push('inner flush'),
    });
    const throttled = throttleAlerts(inner, { throttleMs: 60_000, clock: manualClock() });

    throttled(event('a'));
    throttled(event('a'));
    await throttled.flush();

    expect(calls).toEqual(['event a', 'event a', 'inner flush']);
  });

  it('discards held repeats and ignores later events after stop()', async () => {
    const { received, listener } = recorder();
    const clock = manualClock();
    const throttled = throttleAlerts(listener, { throttleMs: 60_000, clock });

    throttled(event());
    throttled(event());
    throttled.stop();
    await clock.advance(60_000);
    throttled(event('other'));
    await throttled.flush();

    expect(received).toHaveLength(1);
    expect(clock.pending()).toBe(0);
  });

  it('reports an inner stop() that rejects to the logger instead of an unhandled rejection', async () => {
    const { listener } = recorder();
    const errors: string[] = [];
    const log = (level: string) => (fields: object, message: string) => {
      if (level === 'error') errors.push(message);
    };
    const logger = {
      debug: log('debug'),
      info: log('info'),
      warn: log('warn'),
      error: log('error'),
    };
    const inner = Object.assign(listener, { stop: () => Promise.reject(new Error('stop failed')) });
    const throttled = throttleAlerts(inner, { throttleMs: 60_000, clock: manualClock(), logger });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      throttled.stop();
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));

      expect(unhandled).toEqual([]);
      expect(errors).toEqual(['tenacious: alert listener stop failed']);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('has close() as an alias of stop()', () => {
    const { received, listener } = recorder();
    const throttled = throttleAlerts(listener, { throttleMs: 60_000, clock: manualClock() });

    throttled.close();
    throttled(event());

    expect(received).toHaveLength(0);
  });

  it('passes everything through with throttleMs 0', () => {
    const { received, listener } = recorder();
    const throttled = throttleAlerts(listener, { throttleMs: 0 });

    for (let i = 0; i < 5; i++) throttled(event());

    expect(received).toHaveLength(5);
  });

  it('keeps its real window timer unref’d and ends it on flush', async () => {
    const { received, listener } = recorder();
    const throttled = throttleAlerts(listener, { throttleMs: 3_600_000 });
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

    throttled(event());
    const timersDuring = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    throttled(event());
    await throttled.flush();
    throttled(event());

    expect(timersDuring).toBe(timersBefore);
    expect(received.map((e) => e.suppressed?.count ?? 0)).toEqual([0, 1, 0]);
    throttled.stop();
  });

  it('never throws into the caller when the listener throws', async () => {
    const log = captureLogger();
    const throttled = throttleAlerts(
      () => {
        throw new Error('listener broke');
      },
      { throttleMs: 0, logger: log.logger },
    );

    expect(() => throttled(event())).not.toThrow();
    await throttled.flush();
    expect(log.records()).toMatchObject([
      { level: 50, listener: 'alert listener', err: { message: 'listener broke' } },
    ]);
  });

  it('turns a listener rejection into a log line, not an unhandled rejection', async () => {
    const log = captureLogger();
    const throttled = throttleAlerts(() => Promise.reject(new Error('delivery broke')), {
      throttleMs: 0,
      logger: log.logger,
    });

    throttled(event());
    await throttled.flush();
    await settle();

    expect(log.records()).toMatchObject([
      { listener: 'alert listener', err: { message: 'delivery broke' } },
    ]);
  });

  it('falls back to the default key when a custom key throws', () => {
    const { received, listener } = recorder();
    const throttled = throttleAlerts(listener, {
      throttleMs: 60_000,
      clock: manualClock(),
      key: () => {
        throw new Error('bad key');
      },
      logger: captureLogger().logger,
    });

    throttled(event());
    throttled(event());

    expect(received).toHaveLength(1);
    throttled.stop();
  });

  it('rejects a negative throttleMs', () => {
    expect(() => throttleAlerts(() => {}, { throttleMs: -1 })).toThrow(
      new RangeError('throttleAlerts: throttleMs: expected a number >= 0, got -1'),
    );
  });

  it('rejects a non-function listener', () => {
    expect(() => throttleAlerts('nope' as never)).toThrow(
      new TypeError('throttleAlerts: listener: expected a function, got "nope"'),
    );
  });

  it('rejects a non-function key', () => {
    expect(() => throttleAlerts(() => {}, { key: 'operation' as never })).toThrow(
      new TypeError('throttleAlerts: key: expected a function, got "operation"'),
    );
  });
});
