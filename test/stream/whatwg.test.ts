import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { constant } from '../../src/index.js';
import {
  SocketClosedError,
  supervise,
  websocket,
  type StreamDisconnectInfo,
  type Supervisor,
  type WebSocketLike,
} from '../../src/stream/index.js';
import { instantClock } from '../../src/testing/index.js';
import { startStreamServer, type StreamServer } from '../helpers/stream-server.js';
import { until } from '../helpers/until.js';

/**
 * `websocket()` with the WHATWG `WebSocket` Node has as a global since 22, against a real `ws`
 * server on 127.0.0.1. Node 20 has it only behind `--experimental-websocket`, so there these
 * tests are skipped.
 */
const WhatwgWebSocket = (globalThis as { WebSocket?: new (url: string) => WebSocketLike })
  .WebSocket;
const noGlobalWebSocket = WhatwgWebSocket === undefined;
const needs = '(skipped without a global WebSocket: Node 22+)';

let server: StreamServer;
let supervisor: Supervisor | undefined;

beforeEach(async () => {
  server = await startStreamServer();
});

afterEach(async () => {
  await supervisor?.stop();
  supervisor = undefined;
  await server.close();
});

describe('websocket() with a WHATWG WebSocket', () => {
  it.skipIf(noGlobalWebSocket)(`delivers every message and feeds alive() ${needs}`, async () => {
    const received: string[] = [];
    let alive = 0;
    supervisor = supervise(
      ({ signal }) =>
        websocket(new WhatwgWebSocket!(server.url), {
          signal,
          alive: () => void alive++,
          onMessage: (data) => void received.push(String(data)),
        }),
      { clock: instantClock(0) },
    );
    await supervisor.ready();
    server.tick();
    server.tick();
    await until(() => received.length === 2);
    expect({ received, alive }).toEqual({ received: ['{"n":1}', '{"n":2}'], alive: 2 });
  });

  it.skipIf(noGlobalWebSocket)(`reconnects after the server drops it ${needs}`, async () => {
    const drops: StreamDisconnectInfo[] = [];
    supervisor = supervise(
      ({ signal, alive }) => websocket(new WhatwgWebSocket!(server.url), { signal, alive }),
      {
        clock: instantClock(0),
        backoff: constant(1000),
        stableAfterMs: Infinity,
        onDisconnect: (e) => void drops.push(e),
      },
    );
    await supervisor.ready();
    server.drop();
    await until(() => server.accepted === 2 && supervisor!.state === 'open');
    // Node 24's WebSocket reports a drop without a close frame as an error, Node 22's as a close.
    expect(drops.map((e) => [e.reason, e.willReconnect, e.delayMs])).toEqual([
      [expect.stringMatching(/^(closed|error)$/), true, 1000],
    ]);
  });

  it.skipIf(noGlobalWebSocket)(
    `rejects a refused handshake at once with SocketClosedError 1006 ${needs}`,
    async () => {
      server.refuse(503);
      const error = await websocket(new WhatwgWebSocket!(server.url)).catch((e: unknown) => e);
      expect([error instanceof SocketClosedError, (error as SocketClosedError).code]).toEqual([
        true,
        1006,
      ]);
    },
  );

  it.skipIf(noGlobalWebSocket)(`closes with code 1000 on stop() ${needs}`, async () => {
    const first = server.nextConnection();
    supervisor = supervise(
      ({ signal, alive }) => websocket(new WhatwgWebSocket!(server.url), { signal, alive }),
      { clock: instantClock(0) },
    );
    await supervisor.ready();
    const socket = await first;
    const closed = new Promise((resolve) => socket.once('close', (code) => resolve(code)));
    await supervisor.stop();
    expect(await closed).toBe(1000);
  });
});
