import { setMaxListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  onAlertDelivery,
  telegramAlert,
  webhookAlert,
  type AlertDeliveryEvent,
  type AlertListener,
  type FetchLike,
} from '../../src/alerts/index.js';
import {
  AttemptTimeoutError,
  circuitBreaker,
  constant,
  createRetry,
  none,
  onExhausted,
  onRetry,
  onSuccess,
  retry,
  RetryExhaustedError,
  type Logger,
  type RetryOptions,
} from '../../src/index.js';
import { instantClock } from '../../src/testing/index.js';
import { captureLogger } from '../helpers/log-capture.js';
import { captureWarnings } from '../helpers/warnings.js';
import {
  faultProbe,
  realSleep,
  startServer,
  track,
  turn,
  turns,
  type LocalServer,
} from './support.js';

/**
 * No unhandled rejection, ever. Each test provokes a case that classically produces one, waits
 * until the late event has really happened, and asserts that no `unhandledRejection` or
 * `uncaughtException` fired (the suite-wide guard in test/setup.ts would fail the test too).
 */

let probe: ReturnType<typeof faultProbe>;
const cleanups: (() => unknown)[] = [];

beforeEach(() => {
  probe = faultProbe();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  probe.stop();
});

/** A promise with its resolver, to learn when a late event has happened. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Asserts that nothing went unhandled, after letting rejection tracking run. */
async function expectNoFaults(): Promise<void> {
  await turns(3);
  expect(probe.faults).toEqual([]);
}

/** The messages of the TenaciousWarnings (where listener failures go without a logger) so far. */
function warningMessages(warnings: Error[]): string[] {
  return warnings.map((w) => w.message);
}

describe('an attempt abandoned by attemptTimeoutMs', () => {
  it.each([
    { rejection: 'an Error', value: () => new Error('late failure') },
    { rejection: 'a string', value: () => 'late failure' },
    { rejection: 'undefined', value: () => undefined },
    { rejection: 'a frozen object', value: () => Object.freeze({ code: 'ECONNRESET' }) },
  ])(
    'leaves nothing unhandled when it rejects with $rejection after the run gave up',
    async ({ value }) => {
      const late = deferred();
      const error = await retry(
        () =>
          new Promise((_resolve, reject) => {
            setTimeout(() => {
              reject(value());
              late.resolve();
            }, 30);
          }),
        { attemptTimeoutMs: 5, maxAttempts: 1 },
      ).catch((e: unknown) => e);
      // The caller has its answer long before the abandoned attempt settles.
      expect(error).toBeInstanceOf(RetryExhaustedError);
      expect((error as RetryExhaustedError).cause).toBeInstanceOf(AttemptTimeoutError);
      await late.promise;
      await expectNoFaults();
    },
  );

  it('leaves nothing unhandled when every one of 3 abandoned attempts rejects after the run ended', async () => {
    let settled = 0;
    const allLate = deferred();
    const error = await retry(
      () =>
        new Promise((_resolve, reject) => {
          setTimeout(() => {
            reject(new Error('late'));
            if (++settled === 3) allLate.resolve();
          }, 40);
        }),
      { attemptTimeoutMs: 5, maxAttempts: 3, backoff: none },
    ).catch((e: unknown) => e);
    expect((error as RetryExhaustedError).attempts).toBe(3);
    await allLate.promise;
    await expectNoFaults();
  });

  it('leaves nothing unhandled when the abandoned attempt rejects after a later attempt succeeded', async () => {
    const late = deferred();
    const value = await retry(
      ({ attempt }) =>
        attempt === 1
          ? new Promise((_resolve, reject) => {
              setTimeout(() => {
                reject(new Error('first attempt, late'));
                late.resolve();
              }, 30);
            })
          : 'second attempt',
      { attemptTimeoutMs: 5, maxAttempts: 2, backoff: none },
    );
    expect(value).toBe('second attempt');
    await late.promise;
    await expectNoFaults();
  });
});

describe('an abort during a delay', () => {
  it.each([
    { clock: 'the real clock', unref: false },
    { clock: 'the real clock with unref', unref: true },
  ])('rejects with signal.reason and leaves nothing unhandled ($clock)', async ({ unref }) => {
    // The delay is a minute, longer than the test timeout: only an abort that ends it passes.
    const controller = new AbortController();
    const reason = new Error('shutting down');
    const error = await retry(
      () => {
        throw new Error('503');
      },
      {
        backoff: constant(60_000),
        signal: controller.signal,
        unref,
        // The delay starts right after the hook: abort once it is under way.
        onRetry: () => void setImmediate(() => controller.abort(reason)),
      },
    ).catch((e: unknown) => e);
    expect(error).toBe(reason);
    await expectNoFaults();
  });

  it('rejects with the default AbortError when aborted without a reason', async () => {
    const controller = new AbortController();
    const error = await retry(
      () => {
        throw new Error('503');
      },
      {
        backoff: constant(60_000),
        signal: controller.signal,
        onRetry: () => void setImmediate(() => controller.abort()),
      },
    ).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    await expectNoFaults();
  });

  it('rejects every one of 100 runs sharing one aborted signal and leaves nothing unhandled', async () => {
    const controller = new AbortController();
    setMaxListeners(200, controller.signal);
    let parked = 0;
    const allParked = deferred();
    const runs = Array.from({ length: 100 }, () =>
      track(
        retry(
          () => {
            throw new Error('503');
          },
          {
            backoff: constant(60_000),
            signal: controller.signal,
            onRetry: () => {
              if (++parked === 100) allParked.resolve();
            },
          },
        ),
      ),
    );
    await allParked.promise;
    await turn();
    controller.abort(new Error('shutdown'));
    await Promise.all(runs.map((r) => r.done));
    expect(runs.every((r) => r.state.status === 'rejected')).toBe(true);
    await expectNoFaults();
  });

  it('leaves nothing unhandled when a createRetry-configured run is aborted during its delay', async () => {
    const controller = new AbortController();
    const configured = createRetry({ backoff: constant(60_000), signal: controller.signal });
    const reason = new Error('stop');
    const error = await configured(
      () => {
        throw new Error('503');
      },
      { onRetry: () => void setImmediate(() => controller.abort(reason)) },
    ).catch((e: unknown) => e);
    expect(error).toBe(reason);
    await expectNoFaults();
  });
});

describe('a listener that rejects or throws', () => {
  type Hook = 'onRetry' | 'onExhausted' | 'onSuccess';
  const failures = {
    'rejects at once': () => Promise.reject(new Error('listener failed')),
    'throws synchronously': () => {
      throw new Error('listener failed');
    },
    'rejects 10 ms later': () =>
      new Promise((_resolve, reject) => setTimeout(() => reject(new Error('listener failed')), 10)),
    'returns a thenable that rejects': () => ({
      then: (_ok: unknown, fail: (e: unknown) => void) => fail(new Error('listener failed')),
    }),
  };
  const cases = (['onRetry', 'onExhausted', 'onSuccess'] as Hook[]).flatMap((hook) =>
    Object.keys(failures).map((how) => ({ hook, how: how as keyof typeof failures })),
  );

  /** A run that retries once, then gives up (onRetry, onExhausted) or succeeds (onSuccess). */
  function runFiring(hook: Hook, options: RetryOptions<string>) {
    return retry(
      ({ attempt }) => {
        if (hook === 'onSuccess' && attempt === 2) return 'ok';
        throw new Error('503');
      },
      { maxAttempts: 2, backoff: none, clock: instantClock(), ...options },
    ).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
  }

  it.each(cases)(
    'keeps the result and logs when a per-call $hook hook $how',
    async ({ hook, how }) => {
      const { logger, records } = captureLogger();
      const result = await runFiring(hook, {
        [hook]: failures[how],
        logger,
      });
      if (hook === 'onSuccess') expect(result).toEqual({ value: 'ok' });
      else expect((result as { error: unknown }).error).toBeInstanceOf(RetryExhaustedError);
      // A listener that rejects later is logged when it does, however long that takes.
      await vi.waitFor(() =>
        expect(records().filter((r) => r.listener === `${hook} hook`)).toHaveLength(1),
      );
      await expectNoFaults();
    },
  );

  it.each(cases)(
    'keeps the result and warns when a process-wide $hook listener $how',
    async ({ hook, how }) => {
      const warnings = captureWarnings();
      const subscribe = { onRetry, onExhausted, onSuccess }[hook];
      cleanups.push(subscribe(failures[how]));
      const result = await runFiring(hook, {});
      if (hook === 'onSuccess') expect(result).toEqual({ value: 'ok' });
      else expect((result as { error: unknown }).error).toBeInstanceOf(RetryExhaustedError);
      await vi.waitFor(() =>
        expect(warningMessages(warnings)).toEqual([
          `tenacious: ${hook} listener failed: Error: listener failed`,
        ]),
      );
      await expectNoFaults();
    },
  );

  it('keeps the result when a createRetry default hook and a per-call hook both reject', async () => {
    const { logger, records } = captureLogger();
    const configured = createRetry({
      logger,
      clock: instantClock(),
      backoff: none,
      maxAttempts: 2,
      onExhausted: () => Promise.reject(new Error('default hook')),
    });
    const error = await configured(
      () => {
        throw new Error('503');
      },
      { onExhausted: () => Promise.reject(new Error('call hook')) },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryExhaustedError);
    await turns();
    expect(records().filter((r) => r.listener === 'onExhausted hook')).toHaveLength(2);
    await expectNoFaults();
  });

  it('keeps the result when a circuit breaker state-change listener rejects', async () => {
    const { logger, records } = captureLogger();
    const breaker = circuitBreaker({ failureThreshold: 1, logger });
    breaker.onStateChange(() => Promise.reject(new Error('listener failed')));
    const error = await retry(
      () => {
        throw new Error('503');
      },
      { breaker, maxAttempts: 1 },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryExhaustedError);
    expect(breaker.state).toBe('open');
    await turns();
    expect(
      records().filter((r) => r.listener === 'circuitBreaker onStateChange listener'),
    ).toHaveLength(1);
    await expectNoFaults();
  });

  it('keeps the result and warns when a logger method throws', async () => {
    const warnings = captureWarnings();
    const logger: Logger = {
      warn: () => {
        throw new Error('logger down');
      },
      error: () => {
        throw new Error('logger down');
      },
      debug: () => {},
    };
    const error = await retry(
      () => {
        throw new Error('503');
      },
      { maxAttempts: 2, backoff: none, clock: instantClock(), logger },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryExhaustedError);
    expect(warningMessages(warnings)).toEqual([
      'tenacious: logger.warn failed: Error: logger down',
      'tenacious: logger.error failed: Error: logger down',
    ]);
    await expectNoFaults();
  });

  // An async logger (one that ships lines over the network) may return a promise that rejects.
  it('leaves nothing unhandled when a logger method returns a rejected promise', async () => {
    const warnings = captureWarnings();
    const shipping = () => Promise.reject(new Error('log shipping failed'));
    // A pino-compatible logger whose methods return promises (the case under test).
    const logger = { warn: shipping, error: shipping, debug: () => {} } as unknown as Logger;
    const error = await retry(
      () => {
        throw new Error('503');
      },
      { maxAttempts: 2, backoff: none, clock: instantClock(), logger },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryExhaustedError);
    await vi.waitFor(() =>
      expect(warningMessages(warnings)).toEqual([
        'tenacious: logger.warn failed: Error: log shipping failed',
        'tenacious: logger.error failed: Error: log shipping failed',
      ]),
    );
    await expectNoFaults();
  });
});

describe('a reconcile that rejects', () => {
  const unknownVerdict = () => ({ action: 'unknown' as const, reason: 'http:504' });

  it.each([
    { how: 'rejects', reconcile: (e: unknown) => () => Promise.reject(e) },
    {
      how: 'throws synchronously',
      reconcile: (e: unknown) => () => {
        throw e;
      },
    },
    {
      how: 'rejects 10 ms later',
      reconcile: (e: unknown) => () =>
        new Promise<never>((_resolve, reject) => setTimeout(() => reject(e), 10)),
    },
  ])('rejects the run with the reconcile error when reconcile $how', async ({ reconcile }) => {
    const lookupFailed = new Error('order lookup failed');
    let attempts = 0;
    const error = await retry(
      () => {
        attempts++;
        throw new Error('gateway timeout');
      },
      {
        idempotent: false,
        classify: unknownVerdict,
        reconcile: reconcile(lookupFailed),
        clock: instantClock(),
      },
    ).catch((e: unknown) => e);
    expect(error).toBe(lookupFailed);
    expect(attempts).toBe(1);
    await expectNoFaults();
  });

  it('rejects with the reconcile error even when the caller aborts while reconcile is pending', async () => {
    const controller = new AbortController();
    const lookupFailed = new Error('order lookup failed');
    const error = await retry(
      () => {
        throw new Error('gateway timeout');
      },
      {
        idempotent: false,
        classify: unknownVerdict,
        signal: controller.signal,
        reconcile: () => {
          controller.abort(new Error('caller gave up'));
          return new Promise<never>((_resolve, reject) =>
            setTimeout(() => reject(lookupFailed), 10),
          );
        },
      },
    ).catch((e: unknown) => e);
    expect(error).toBe(lookupFailed);
    await expectNoFaults();
  });
});

// A classifier that returns a promise (an `async` classifier, a common mistake) is refused with a
// TypeError, and the promise it returned must not become an unhandled rejection on top of it.
describe('a classifier returning a promise by mistake', () => {
  it('rejects the run with a TypeError and leaves nothing unhandled when that promise rejects', async () => {
    const error = await retry(
      () => {
        throw new Error('503');
      },
      {
        classify: (async () => {
          throw new Error('async classifier failed');
        }) as never,
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    await expectNoFaults();
  });
});

describe('an alert delivery that fails after the caller has moved on', () => {
  const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
  let server: LocalServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  /** Resolves with the next delivery outcome published by an adapter. */
  function nextDelivery(): Promise<AlertDeliveryEvent> {
    return new Promise((resolve) => {
      const stop = onAlertDelivery((event) => {
        stop();
        resolve(event);
      });
    });
  }

  function subscribe(alert: AlertListener): void {
    cleanups.push(onExhausted(alert), () => alert.stop());
  }

  const adapters = {
    telegram: (url: string, extra: Record<string, unknown>) =>
      telegramAlert({ botToken: TOKEN, chatId: 1, apiBaseUrl: url, throttleMs: 0, ...extra }),
    webhook: (url: string, extra: Record<string, unknown>) =>
      webhookAlert({ url: `${url}/hook`, format: 'json', throttleMs: 0, ...extra }),
  };

  /** A run that gives up at once; resolves with its rejection (the caller moves on). */
  async function exhaustOnce(): Promise<unknown> {
    return retry(
      () => {
        throw new Error('exchange down');
      },
      { operation: 'place_order', maxAttempts: 1 },
    ).catch((e: unknown) => e);
  }

  it.each(Object.keys(adapters) as (keyof typeof adapters)[])(
    'logs a %s delivery that fails 3 times with HTTP 500, without an unhandled rejection',
    async (adapter) => {
      server = await startServer((_req, res) => res.writeHead(500).end('{"description":"down"}'));
      const { logger, records } = captureLogger();
      subscribe(adapters[adapter](server.url, { logger, clock: instantClock() }));
      const delivered = nextDelivery();
      expect(await exhaustOnce()).toBeInstanceOf(RetryExhaustedError);
      const outcome = await delivered;
      expect(outcome).toMatchObject({ ok: false, attempts: 3, reason: 'http:500' });
      expect(records().filter((r) => r.msg === 'tenacious: alert delivery failed')).toHaveLength(1);
      await expectNoFaults();
    },
  );

  it.each(Object.keys(adapters) as (keyof typeof adapters)[])(
    'warns when a %s delivery cannot connect and no logger is given',
    async (adapter) => {
      server = await startServer();
      const url = server.url;
      await server.close();
      server = undefined;
      const warnings = captureWarnings();
      subscribe(adapters[adapter](url, { clock: instantClock() }));
      const delivered = nextDelivery();
      await exhaustOnce();
      expect(await delivered).toMatchObject({ ok: false, reason: 'network:ECONNREFUSED' });
      await turns();
      expect(
        warningMessages(warnings).filter((w) =>
          w.includes('alert about place_order not delivered'),
        ),
      ).toHaveLength(1);
      await expectNoFaults();
    },
  );

  const brokenFetches: Record<string, FetchLike> = {
    'throws synchronously': () => {
      throw new TypeError('fetch is broken');
    },
    'rejects with a non-Error': () => Promise.reject('socket hang up'),
    'answers a body that fails to read': async () => ({
      status: 502,
      headers: { get: () => null },
      text: () => Promise.reject(new Error('body stream destroyed')),
    }),
    'answers headers whose get throws': async () => ({
      status: 429,
      headers: {
        get: () => {
          throw new Error('headers broken');
        },
      },
      text: async () => '',
    }),
  };

  it.each(Object.keys(brokenFetches))('absorbs a fetch that %s', async (how) => {
    const { logger, records } = captureLogger();
    subscribe(
      adapters.telegram('http://127.0.0.1:9', {
        logger,
        clock: instantClock(),
        fetch: brokenFetches[how],
      }),
    );
    const delivered = nextDelivery();
    await exhaustOnce();
    expect((await delivered).ok).toBe(false);
    expect(records().filter((r) => r.msg === 'tenacious: alert delivery failed')).toHaveLength(1);
    await expectNoFaults();
  });

  it('absorbs a fetch abandoned by the delivery timeout that rejects later', async () => {
    let lateRejections = 0;
    const allLate = deferred();
    const fetch: FetchLike = () =>
      new Promise((_resolve, reject) =>
        setTimeout(() => {
          reject(new Error('late network failure'));
          if (++lateRejections === 3) allLate.resolve();
        }, 30),
      );
    const { logger } = captureLogger();
    subscribe(
      adapters.telegram('http://127.0.0.1:9', {
        logger,
        clock: instantClock(),
        fetch,
        attemptTimeoutMs: 5,
      }),
    );
    const delivered = nextDelivery();
    await exhaustOnce();
    expect(await delivered).toMatchObject({ ok: false, reason: 'attempt-timeout' });
    await allLate.promise;
    await expectNoFaults();
  });

  it('absorbs a failing delivery whose logger throws too', async () => {
    server = await startServer((_req, res) => res.writeHead(500).end());
    const logger: Logger = {
      warn: () => {},
      debug: () => {},
      error: () => {
        throw new Error('logger down');
      },
    };
    subscribe(adapters.webhook(server.url, { logger, clock: instantClock() }));
    const delivered = nextDelivery();
    await exhaustOnce();
    expect((await delivered).ok).toBe(false);
    await expectNoFaults();
  });

  it('absorbs a delivery-outcome subscriber that rejects, and reports it', async () => {
    const warnings = captureWarnings();
    server = await startServer();
    cleanups.push(onAlertDelivery(() => Promise.reject(new Error('metrics down'))));
    subscribe(adapters.webhook(server.url, { clock: instantClock() }));
    const delivered = nextDelivery();
    await exhaustOnce();
    expect((await delivered).ok).toBe(true);
    await expectNoFaults();
    await vi.waitFor(() =>
      expect(warnings.map((w) => w.message)).toContain(
        'tenacious: onAlertDelivery listener failed: Error: metrics down',
      ),
    );
  });
});

describe('flush() racing new events', () => {
  let server: LocalServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  /** A server that answers each request `delayMs` later with `status`. */
  async function slowServer(status: number, delayMs: number): Promise<LocalServer> {
    return startServer((_req, res) => {
      setTimeout(() => res.writeHead(status).end('{}'), delayMs);
    });
  }

  function exhaust(alert: AlertListener, operation: string) {
    alert({
      operation,
      attempts: 4,
      elapsedMs: 7000,
      error: new Error(`${operation} failed`),
      verdict: { action: 'retry', reason: 'http:503' },
      reason: 'attempts',
    });
  }

  it.each([
    { status: 200, outcome: 'succeed' },
    { status: 500, outcome: 'fail' },
  ])(
    'has finished delivering every event that arrived before flush() resolved when deliveries $outcome',
    async ({ status }) => {
      // The first request is answered at once, later ones after 5-40 ms: deliveries end at
      // different times, so a flush() that stopped waiting early would be seen.
      server = await startServer((_req, res, index) => {
        setTimeout(() => res.writeHead(status).end('{}'), index === 0 ? 0 : 5 + (index % 8) * 5);
      });
      const finished: string[] = [];
      cleanups.push(onAlertDelivery((event) => void finished.push(event.operation)));
      const alert = webhookAlert({
        url: `${server.url}/hook`,
        format: 'json',
        throttleMs: 0,
        clock: instantClock(),
        logger: captureLogger().logger,
      });
      cleanups.push(() => alert.stop());
      const emitted: string[] = [];
      const emit = (operation: string) => {
        emitted.push(operation);
        exhaust(alert, operation);
      };
      for (let i = 0; i < 5; i++) emit(`before-${i}`);
      let finishedAtFlush: string[] | undefined;
      let emittedAtFlush: string[] | undefined;
      const flushed = track(
        alert.flush().then(() => {
          finishedAtFlush = [...finished];
          emittedAtFlush = [...emitted];
        }),
      );
      // New events while flush() waits: right away, after a turn, and while requests are in flight.
      emit('during-0');
      await turn();
      emit('during-1');
      await realSleep(3);
      emit('during-2');
      const second = track(alert.flush());
      await flushed.done;
      await second.done;
      expect(flushed.state.status).toBe('fulfilled');
      expect(second.state.status).toBe('fulfilled');
      expect(emittedAtFlush).toContain('during-2');
      expect([...finishedAtFlush!].sort()).toEqual([...emittedAtFlush!].sort());
      await expectNoFaults();
    },
  );

  it('resolves flush() and drops later events when stop() is called while flush() waits', async () => {
    server = await slowServer(200, 15);
    const alert = telegramAlert({
      botToken: '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw',
      chatId: 1,
      apiBaseUrl: server.url,
      throttleMs: 60_000,
      clock: instantClock(),
    });
    exhaust(alert, 'a');
    const flushed = track(alert.flush());
    alert.stop();
    exhaust(alert, 'b');
    await flushed.done;
    expect(flushed.state.status).toBe('fulfilled');
    await realSleep(30);
    expect(server.requests).toHaveLength(1);
    await expectNoFaults();
  });

  it('summarises repeats that arrive during flush() and never rejects', async () => {
    server = await slowServer(200, 5);
    const alert = webhookAlert({
      url: `${server.url}/hook`,
      format: 'json',
      throttleMs: 60_000,
    });
    cleanups.push(() => alert.stop());
    exhaust(alert, 'repeat'); // sent at once, opens a window
    exhaust(alert, 'repeat'); // held back
    const flushed = track(alert.flush()); // sends the summary, ends the window
    exhaust(alert, 'repeat'); // a new first event: sent at once
    await flushed.done;
    await alert.flush();
    expect(flushed.state.status).toBe('fulfilled');
    const bodies = server.requests.map((r) => JSON.parse(r.body) as { suppressed: number });
    expect(bodies.map((b) => b.suppressed).sort()).toEqual([0, 0, 1]);
    await expectNoFaults();
  });
});
