import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { constant, type Logger } from '../../src/index.js';
import {
  onStreamDown,
  onStreamUp,
  supervise,
  websocket,
  type SuperviseOptions,
  type Supervisor,
} from '../../src/stream/index.js';
import { instantClock } from '../../src/testing/index.js';
import { captureLogger } from '../helpers/log-capture.js';
import { startStreamServer, type StreamServer } from '../helpers/stream-server.js';
import { captureWarnings } from '../helpers/warnings.js';
import { until } from '../helpers/until.js';

/** A supervisor's events go through the core publisher: its log lines and its isolated sinks. */

let server: StreamServer;
let supervisor: Supervisor | undefined;
const cleanups: (() => unknown)[] = [];

beforeEach(async () => {
  server = await startStreamServer();
});

afterEach(async () => {
  await supervisor?.stop();
  supervisor = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await server.close();
});

/** Supervises the local stream on the instant clock, 1 s between connects. */
function start(options: SuperviseOptions = {}): Supervisor {
  supervisor = supervise(
    ({ signal, alive }) => websocket(new WebSocket(server.url), { signal, alive }),
    { operation: 'trades', clock: instantClock(0), backoff: constant(1000), ...options },
  );
  return supervisor;
}

/** Opens, drops once, and resolves when the second connection is open. */
async function dropAndReconnect(options: SuperviseOptions = {}): Promise<Supervisor> {
  let opened = 0;
  const s = start({ ...options, onConnect: () => void opened++ });
  await s.ready();
  server.drop();
  await until(() => opened === 2 && s.state === 'open');
  return s;
}

/** A refused stream that opens on its 6th attempt, 10 s apart: down at 30 s, up at 50 s. */
async function outage(options: SuperviseOptions = {}): Promise<Supervisor> {
  server.refuse(503);
  supervisor = supervise(
    ({ signal, alive, attempt }) => {
      if (attempt === 6) server.accept();
      return websocket(new WebSocket(server.url), { signal, alive });
    },
    { operation: 'trades', clock: instantClock(0), backoff: constant(10_000), ...options },
  );
  await supervisor.ready();
  return supervisor;
}

/** A logger whose every method throws. */
const throwingLogger: Logger = {
  warn: () => {
    throw new Error('logger down');
  },
  error: () => {
    throw new Error('logger down');
  },
  debug: () => {
    throw new Error('logger down');
  },
};

describe('stream log lines', () => {
  it('logs an outage at error, the connect at debug, the recovery at warn, a stop at debug', async () => {
    const log = captureLogger();
    const s = await outage({ logger: log.logger });
    await s.stop();
    expect(log.records().map((r) => [r.level, r.msg])).toEqual([
      [50, 'trades: stream down for 30 s, 3 reconnects'],
      [20, 'trades: connected'],
      [40, 'trades: stream back after 50 s, 6 reconnects'],
      [20, 'trades: connection stopped'],
    ]);
  });

  it('logs the outage with its duration, reconnects and redacted last error', async () => {
    const log = captureLogger();
    await outage({ logger: log.logger });
    const { operation, downForMs, reconnects, err } = log.records()[0]!;
    expect({ operation, downForMs, reconnects, err: err.message }).toEqual({
      operation: 'trades',
      downForMs: 30_000,
      reconnects: 3,
      err: 'WebSocket handshake refused with HTTP 503',
    });
  });

  it('logs a drop at warn with its reason, uptime and the wait before reconnecting', async () => {
    const log = captureLogger('warn');
    await dropAndReconnect({ logger: log.logger, stableAfterMs: Infinity });
    const [{ level, msg, operation, reason, uptimeMs, delayMs }] = log.records() as [
      Record<string, unknown>,
    ];
    expect({ level, msg, operation, reason, uptimeMs, delayMs }).toEqual({
      level: 40,
      msg: 'trades: connection closed; reconnecting in 1000 ms',
      operation: 'trades',
      reason: 'closed',
      uptimeMs: 0,
      delayMs: 1000,
    });
  });

  it('logs a give-up at error with the connect attempts and the reason', async () => {
    const log = captureLogger();
    server.refuse(503);
    const s = start({ logger: log.logger, maxConsecutiveFailures: 2 });
    await s.done.catch(() => {});
    const [{ level, msg, attempts, reason }] = log.records() as [Record<string, unknown>];
    expect({ level, msg, attempts, reason }).toEqual({
      level: 50,
      msg: 'trades: stream gave up after 2 connect attempts (handshake:503)',
      attempts: 2,
      reason: 'handshake:503',
    });
  });
});

describe('stream events: failing sinks never change the supervisor', () => {
  it('reconnects after a drop when every logger method throws', async () => {
    const warnings = captureWarnings();
    const s = await dropAndReconnect({ logger: throwingLogger, stableAfterMs: Infinity });
    expect({
      connects: s.stats().connects,
      warnings: warnings.map((w) => w.message),
    }).toEqual({
      connects: 2,
      warnings: [
        'tenacious: logger.debug failed: Error: logger down',
        'tenacious: logger.warn failed: Error: logger down',
        'tenacious: logger.debug failed: Error: logger down',
      ],
    });
  });

  it('reconnects after a drop when an async logger rejects', async () => {
    const warnings = captureWarnings();
    const rejecting = () => Promise.reject(new Error('logger down'));
    const logger = { warn: rejecting, error: rejecting, debug: rejecting } as unknown as Logger;
    const s = await dropAndReconnect({ logger, stableAfterMs: Infinity });
    await until(() => warnings.length === 3);
    expect({ connects: s.stats().connects, warnings: warnings.map((w) => w.message) }).toEqual({
      connects: 2,
      warnings: [
        'tenacious: logger.debug failed: Error: logger down',
        'tenacious: logger.warn failed: Error: logger down',
        'tenacious: logger.debug failed: Error: logger down',
      ],
    });
  });

  it('reports a throwing onStreamDown listener to the logger and still reports the recovery', async () => {
    const log = captureLogger('error');
    const ups: number[] = [];
    cleanups.push(
      onStreamDown(() => {
        throw new Error('pager down');
      }),
      onStreamUp((e) => void ups.push(e.downForMs)),
    );
    const s = await outage({ logger: log.logger });
    expect({
      state: s.state,
      ups,
      faults: log
        .records()
        .flatMap((r) => (r.listener === undefined ? [] : [r.msg, r.err.message])),
    }).toEqual({
      state: 'open',
      ups: [50_000],
      faults: ['tenacious: onStreamDown listener failed', 'pager down'],
    });
  });

  it('keeps its states when an onStateChange listener throws', async () => {
    const warnings = captureWarnings();
    const s = start();
    const states: string[] = [];
    s.onStateChange(() => {
      throw new Error('listener bug');
    });
    s.onStateChange(({ to }) => void states.push(to));
    await s.ready();
    await s.stop();
    expect({ states, warnings: warnings.map((w) => w.message) }).toEqual({
      states: ['open', 'stopped'],
      warnings: [
        'tenacious: supervisor onStateChange listener failed: Error: listener bug',
        'tenacious: supervisor onStateChange listener failed: Error: listener bug',
      ],
    });
  });
});
