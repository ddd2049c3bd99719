import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { RetryExhaustedError, exponential, onExhausted, constant } from '../../src/index.js';
import {
  HandshakeError,
  onStreamDown,
  onStreamUp,
  supervise,
  websocket,
  type StreamDisconnectInfo,
  type StreamDownEvent,
  type StreamUpEvent,
  type SuperviseOptions,
  type Supervisor,
} from '../../src/stream/index.js';
import { instantClock, type InstantClock } from '../../src/testing/index.js';
import { startStreamServer, type StreamServer } from '../helpers/stream-server.js';
import { captureWarnings } from '../helpers/warnings.js';
import { until } from '../helpers/until.js';

let server: StreamServer;
let clock: InstantClock;
let supervisor: Supervisor | undefined;
const cleanups: (() => unknown)[] = [];

beforeEach(async () => {
  server = await startStreamServer();
  clock = instantClock(0);
});

afterEach(async () => {
  await supervisor?.stop();
  supervisor = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await server.close();
});

/** Messages received, by connection (numbered from 1 in connect order). */
function start(options: SuperviseOptions = {}, received: number[][] = []): Supervisor {
  supervisor = supervise(
    ({ signal, alive, attempt }) => {
      const mine: number[] = [];
      received.push(mine);
      void attempt;
      return websocket(new WebSocket(server.url), {
        signal,
        alive,
        onMessage: (data) => mine.push((JSON.parse(String(data)) as { n: number }).n),
      });
    },
    { operation: 'trades', clock, backoff: exponential({ initial: 1000 }), ...options },
  );
  return supervisor;
}

/** Resolves with the `count`-th disconnect event. */
function disconnects(count: number, into: StreamDisconnectInfo[] = []) {
  let resolve!: () => void;
  const reached = new Promise<void>((r) => (resolve = r));
  return {
    events: into,
    reached,
    onDisconnect: (event: StreamDisconnectInfo) => {
      into.push(event);
      if (into.length === count) resolve();
    },
  };
}

/** Resolves once `onConnect` has run `count` times. */
function connects(count: number) {
  let n = 0;
  let resolve!: () => void;
  const reached = new Promise<void>((r) => (resolve = r));
  return {
    reached,
    get count() {
      return n;
    },
    onConnect: () => {
      if (++n === count) resolve();
    },
  };
}

describe('supervise: connecting', () => {
  it('counts a connection as open only once onConnect is done', async () => {
    const order: string[] = [];
    const s = start({
      onConnect: async () => {
        order.push('onConnect started');
        await new Promise((r) => setImmediate(r));
        order.push('onConnect done');
      },
    });
    await s.ready();
    order.push(`ready (${s.state})`);
    expect(order).toEqual(['onConnect started', 'onConnect done', 'ready (open)']);
  });

  it('delivers every message to onMessage and feeds alive()', async () => {
    const received: number[][] = [];
    const s = start({}, received);
    await s.ready();
    server.tick();
    server.tick();
    await until(() => received[0]!.length === 2);
    expect(received).toEqual([[1, 2]]);
  });

  it('fails a connection whose onConnect throws and tries again', async () => {
    const events = disconnects(0);
    let calls = 0;
    const s = start({
      onConnect: () => {
        if (++calls === 1) throw new Error('subscribe refused');
      },
      onDisconnect: events.onDisconnect,
    });
    await s.ready();
    expect({ calls, failures: s.stats().failures, sleeps: clock.sleeps[0] }).toEqual({
      calls: 2,
      failures: 1,
      sleeps: 1000,
    });
  });
});

describe('supervise: reconnecting', () => {
  it('reconnects after a drop within its backoff', async () => {
    const drops = disconnects(1);
    const opened = connects(2);
    start({ onDisconnect: drops.onDisconnect, onConnect: opened.onConnect });
    await server.accepted$(1);
    await until(() => opened.count === 1);
    server.drop();
    await opened.reached;
    expect(drops.events).toEqual([
      {
        operation: 'trades',
        reason: 'closed',
        uptimeMs: 30_000,
        willReconnect: true,
        delayMs: 1000,
      },
    ]);
  });

  it('resets the backoff once a connection has been open stableAfterMs', async () => {
    server.refuse(503);
    const opened = connects(2);
    const s = supervise(
      ({ signal, alive, attempt }) => {
        if (attempt === 4) server.accept();
        return websocket(new WebSocket(server.url), { signal, alive });
      },
      { clock, backoff: exponential({ initial: 1000 }), onConnect: opened.onConnect },
    );
    supervisor = s;
    await s.ready();
    server.drop();
    await opened.reached;
    // 3 refused handshakes (1, 2, 4 s), stable after 30 s, then the drop waits 1 s again.
    expect(clock.sleeps.slice(0, 5)).toEqual([1000, 2000, 4000, 30_000, 1000]);
  });

  it('keeps growing the backoff while connections drop before stableAfterMs', async () => {
    const drops = disconnects(3);
    start({ stableAfterMs: Infinity, onDisconnect: drops.onDisconnect });
    for (let i = 1; i <= 3; i++) {
      await server.accepted$(i);
      await until(() => server.open === 1);
      await supervisor!.ready();
      server.drop();
      await until(() => drops.events.length === i);
    }
    expect(drops.events.map((e) => e.delayMs)).toEqual([1000, 2000, 4000]);
  });

  it.each([
    [429, '7', 7000],
    [418, '120', 120_000],
  ])('waits for a handshake %i Retry-After of %s s', async (status, header, expected) => {
    server.refuse(status, { 'Retry-After': header });
    let secondAttemptAt: number | undefined;
    const s = supervise(
      ({ signal, alive, attempt }) => {
        if (attempt === 2) {
          server.accept();
          secondAttemptAt = clock.now();
        }
        return websocket(new WebSocket(server.url), { signal, alive });
      },
      { clock, backoff: exponential({ initial: 1000 }) },
    );
    supervisor = s;
    await s.ready();
    expect({ secondAttemptAt, failures: s.stats().failures }).toEqual({
      secondAttemptAt: expected,
      failures: 1,
    });
  });
});

describe('supervise: the watchdog', () => {
  it('replaces a silent connection after staleAfterMs', async () => {
    const drops = disconnects(1);
    const opened = connects(2);
    start({ staleAfterMs: 5000, onDisconnect: drops.onDisconnect, onConnect: opened.onConnect });
    await opened.reached;
    expect(drops.events).toEqual([
      { operation: 'trades', reason: 'stale', uptimeMs: 5000, willReconnect: true, delayMs: 1000 },
    ]);
  });

  it('closes the stale socket', async () => {
    const first = server.nextConnection();
    const opened = connects(2);
    start({ staleAfterMs: 5000, onConnect: opened.onConnect });
    const socket = await first;
    const closed = new Promise((resolve) => socket.once('close', (code) => resolve(code)));
    await opened.reached;
    expect(await closed).toBe(1000);
  });

  it('keeps a connection open while alive() comes within staleAfterMs', async () => {
    // A message "arrives" at the end of every watchdog sleep until t = 20 s, then none.
    let alive: (() => void) | undefined;
    const feeding = {
      now: () => clock.now(),
      sleep: async (ms: number, signal?: AbortSignal) => {
        await clock.sleep(ms, signal);
        if (clock.now() <= 20_000) alive?.();
      },
    };
    const drops = disconnects(1);
    supervisor = supervise(
      (ctx) => {
        alive = ctx.alive;
        return websocket(new WebSocket(server.url), { signal: ctx.signal, alive: ctx.alive });
      },
      { clock: feeding, staleAfterMs: 5000, onDisconnect: drops.onDisconnect },
    );
    await drops.reached;
    expect(drops.events.map((e) => [e.reason, e.uptimeMs])).toEqual([['stale', 25_000]]);
  });
});

describe('supervise: make-before-break replacement', () => {
  /** onConnect waits for the new connection's first message, so both deliver during the overlap. */
  function overlapping(received: number[][]) {
    return async () => {
      const mine = received.at(-1)!;
      await until(() => mine.length > 0);
    };
  }

  it('replaces a connection at maxLifetimeMs with no message lost', async () => {
    const received: number[][] = [];
    const drops = disconnects(2);
    server.flow(1);
    start(
      { maxLifetimeMs: 60_000, onConnect: overlapping(received), onDisconnect: drops.onDisconnect },
      received,
    );
    await drops.reached;
    await supervisor!.stop();
    const all = received.flat();
    const unique = [...new Set(all)].sort((a, b) => a - b);
    expect({
      reasons: drops.events.slice(0, 2).map((e) => e.reason),
      gaps: unique.filter((n, i) => i > 0 && n !== unique[i - 1]! + 1),
      repeats: all.length > unique.length,
    }).toEqual({ reasons: ['lifetime', 'lifetime'], gaps: [], repeats: true });
  });

  it('keeps the old connection open until the new one is open', async () => {
    const states: string[] = [];
    const drops = disconnects(1);
    const s = start({ maxLifetimeMs: 60_000, onDisconnect: drops.onDisconnect });
    s.onStateChange(({ to }) => states.push(to));
    await drops.reached;
    await s.stop();
    expect(states).toEqual(['open', 'stopped']);
  });

  it('replaces on ctx.replace() with no message lost', async () => {
    const received: number[][] = [];
    const drops = disconnects(1);
    server.flow(1);
    let asked = false;
    supervisor = supervise(
      ({ signal, alive, replace }) => {
        const mine: number[] = [];
        received.push(mine);
        return websocket(new WebSocket(server.url), {
          signal,
          alive,
          onMessage: (data) => {
            const text = String(data);
            if (text === 'shutdown') return replace('shutdown notice');
            mine.push((JSON.parse(text) as { n: number }).n);
          },
        });
      },
      {
        clock,
        onConnect: overlapping(received),
        onDisconnect: drops.onDisconnect,
      },
    );
    await supervisor.ready();
    await until(() => received[0]!.length > 3);
    if (!asked) server.broadcast('shutdown');
    asked = true;
    await drops.reached;
    await supervisor.stop();
    const all = received.flat();
    const unique = [...new Set(all)].sort((a, b) => a - b);
    expect({
      reason: drops.events[0]!.reason,
      connections: received.length,
      gaps: unique.filter((n, i) => i > 0 && n !== unique[i - 1]! + 1),
    }).toEqual({ reason: 'replaced', connections: 2, gaps: [] });
  });
});

describe('supervise: giving up', () => {
  it('stops with the error on a handshake 401', async () => {
    server.refuse(401);
    const exhausted: unknown[] = [];
    cleanups.push(onExhausted((e) => exhausted.push(e.verdict.reason)));
    const s = start();
    const error = await s.ready().catch((e: unknown) => e);
    await s.done.catch(() => {});
    expect({
      error: error instanceof HandshakeError ? error.status : error,
      state: s.state,
      handshakes: server.handshakes.length,
      exhausted,
    }).toEqual({ error: 401, state: 'failed', handshakes: 1, exhausted: ['handshake:401'] });
  });

  it('rejects done with the fail error', async () => {
    server.refuse(403);
    const s = start();
    await expect(s.done).rejects.toBeInstanceOf(HandshakeError);
  });

  it('gives up after maxConsecutiveFailures with RetryExhaustedError', async () => {
    server.refuse(503);
    const gaveUp: string[] = [];
    const s = start({ maxConsecutiveFailures: 3, onGiveUp: (e) => gaveUp.push(e.operation) });
    const error = await s.done.catch((e: unknown) => e);
    expect({
      name: (error as Error).name,
      attempts: (error as RetryExhaustedError).attempts,
      cause: ((error as RetryExhaustedError).cause as HandshakeError).status,
      handshakes: server.handshakes.length,
      gaveUp,
    }).toEqual({
      name: 'RetryExhaustedError',
      attempts: 3,
      cause: 503,
      handshakes: 3,
      gaveUp: ['trades'],
    });
  });

  it('fires the process-wide exhaustion event when it gives up', async () => {
    server.refuse(503);
    const heard: unknown[] = [];
    cleanups.push(onExhausted((e) => heard.push({ operation: e.operation, attempts: e.attempts })));
    const s = start({ maxConsecutiveFailures: 2 });
    await s.done.catch(() => {});
    expect(heard).toEqual([{ operation: 'trades', attempts: 2 }]);
  });
});

/** A TCP server that accepts and never answers: a handshake that hangs. */
async function blackHole(): Promise<{
  url: string;
  sockets: Socket[];
  close: () => Promise<void>;
}> {
  const sockets: Socket[] = [];
  const tcp: Server = createServer((socket) => {
    socket.resume(); // a paused socket never reports the peer's close
    sockets.push(socket);
  });
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
  const { port } = tcp.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}`,
    sockets,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        tcp.close(() => r());
      }),
  };
}

describe('supervise: stop()', () => {
  it('stops during a connect and closes the socket', async () => {
    const hole = await blackHole();
    cleanups.push(hole.close);
    const s = supervise(
      ({ signal, alive }) => websocket(new WebSocket(hole.url), { signal, alive }),
      {
        clock,
      },
    );
    supervisor = s;
    await until(() => hole.sockets.length === 1);
    const closed = new Promise((r) => hole.sockets[0]!.once('close', r));
    await s.stop();
    await closed;
    expect(s.state).toBe('stopped');
  });

  it('stops during a wait at once', async () => {
    server.refuse(503);
    // Real time: the wait is a real 60 s timer that stop() must cancel.
    const s = supervise(
      ({ signal, alive }) => websocket(new WebSocket(server.url), { signal, alive }),
      {
        backoff: constant(60_000),
      },
    );
    supervisor = s;
    await until(() => s.state === 'waiting');
    await s.stop();
    expect({ state: s.state, handshakes: server.handshakes.length }).toEqual({
      state: 'stopped',
      handshakes: 1,
    });
  });

  it('stops while open: closes the socket and rejects ready()', async () => {
    const first = server.nextConnection();
    const s = start();
    await s.ready();
    const socket = await first;
    const closed = new Promise((r) => socket.once('close', (code) => r(code)));
    await s.stop();
    expect({
      code: await closed,
      state: s.state,
      ready: await s.ready().then(
        () => 'resolved',
        () => 'rejected',
      ),
    }).toEqual({ code: 1000, state: 'stopped', ready: 'rejected' });
  });

  it('is idempotent', async () => {
    const s = start();
    await s.ready();
    const [a, b] = [s.stop(), s.stop()];
    expect(a).toBe(b);
    await a;
    await s.stop();
    expect(s.stats().connects).toBe(1);
  });

  it('stops when its signal aborts', async () => {
    const controller = new AbortController();
    const s = start({ signal: controller.signal });
    await s.ready();
    controller.abort();
    await s.done;
    expect(s.state).toBe('stopped');
  });
});

describe('supervise: stream down and up', () => {
  it('reports an outage once after downAfterMs and again when it is back', async () => {
    server.refuse(503);
    const events: [string, StreamDownEvent | StreamUpEvent][] = [];
    cleanups.push(onStreamDown((e) => events.push(['down', e])));
    cleanups.push(onStreamUp((e) => events.push(['up', e])));
    const s = supervise(
      ({ signal, alive, attempt }) => {
        if (attempt === 6) server.accept();
        return websocket(new WebSocket(server.url), { signal, alive });
      },
      { operation: 'binance-trades', clock, backoff: constant(10_000) },
    );
    supervisor = s;
    await s.ready();
    expect(
      events.map(([kind, e]) => [
        kind,
        e.downSinceMs,
        e.downForMs,
        e.reconnects,
        (e.lastError as HandshakeError).status,
      ]),
    ).toEqual([
      ['down', 0, 30_000, 3, 503],
      ['up', 0, 50_000, 6, 503],
    ]);
  });

  it('reports nothing for an outage shorter than downAfterMs', async () => {
    server.refuse(503);
    const events: unknown[] = [];
    cleanups.push(onStreamDown((e) => events.push(e)));
    const s = supervise(
      ({ signal, alive, attempt }) => {
        if (attempt === 3) server.accept();
        return websocket(new WebSocket(server.url), { signal, alive });
      },
      { clock, backoff: constant(10_000) },
    );
    supervisor = s;
    await s.ready();
    expect(events).toEqual([]);
  });
});

describe('supervise: isolation from its listeners', () => {
  it('keeps reconnecting when onDisconnect throws', async () => {
    const warnings = captureWarnings();
    const opened = connects(2);
    start({
      onConnect: opened.onConnect,
      onDisconnect: () => {
        throw new Error('listener bug');
      },
    });
    await until(() => opened.count === 1);
    server.drop();
    await opened.reached;
    expect(warnings.map((w) => w.message)).toEqual([
      'tenacious: onDisconnect hook failed: Error: listener bug',
    ]);
  });
});

describe('supervise: stats()', () => {
  it('counts connects, reconnects, failures, uptime and downtime', async () => {
    server.refuse(503);
    const opened = connects(2);
    const s = supervise(
      ({ signal, alive, attempt }) => {
        if (attempt === 2) server.accept();
        return websocket(new WebSocket(server.url), { signal, alive });
      },
      { clock, backoff: constant(1000), onConnect: opened.onConnect },
    );
    supervisor = s;
    await s.ready();
    server.drop();
    await opened.reached;
    await until(() => s.state === 'open');
    const { lastDisconnect, ...counts } = s.stats();
    expect({ counts, reason: lastDisconnect?.reason }).toEqual({
      counts: { connects: 2, reconnects: 1, failures: 1, uptimeMs: 60_000, downtimeMs: 2000 },
      reason: 'closed',
    });
  });
});

describe('supervise: options', () => {
  const connect = () => websocket(new WebSocket(server.url));

  it.each([
    [
      { staleAfterMs: -1 },
      RangeError,
      'supervise: staleAfterMs: expected a number > 0 or Infinity, got -1',
    ],
    [
      { maxConsecutiveFailures: 0 },
      RangeError,
      'supervise: maxConsecutiveFailures: expected an integer >= 1 or Infinity, got 0',
    ],
    [{ backoff: 5 }, TypeError, 'supervise: backoff: expected a Backoff function, got 5'],
    [
      { limiter: {} },
      TypeError,
      'supervise: limiter: expected a ConnectionLimiter (from connectionLimiter()), got {}',
    ],
  ])('refuses %j', (options, type, message) => {
    expect(() => supervise(connect, options as SuperviseOptions)).toThrow(type);
    expect(() => supervise(connect, options as SuperviseOptions)).toThrow(message);
  });

  it('names an unknown option', () => {
    expect(() => supervise(connect, { staleAfterM: 1 } as SuperviseOptions)).toThrow(
      /unknown option "staleAfterM" \(did you mean "staleAfterMs"\?\)/,
    );
  });
});
