import { trace, type TracerProvider } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { constant } from '../../src/index.js';
import { instrument } from '../../src/otel/index.js';
import {
  supervise,
  websocket,
  type ConnectContext,
  type SuperviseOptions,
  type Supervisor,
} from '../../src/stream/index.js';
import { instantClock } from '../../src/testing/index.js';
import { startStreamServer, type StreamServer } from '../helpers/stream-server.js';
import { renderSpanTree, startSdk, useAsyncHooksContext, type Sdk } from './support.js';
import { until } from '../helpers/until.js';

/** `tenacious/otel` and supervised streams: a span per connection, an event per reconnect. */

let removeContext: () => void;
let sdk: Sdk;
let server: StreamServer;
let stop: (() => void) | undefined;
let supervisor: Supervisor | undefined;

beforeAll(() => {
  removeContext = useAsyncHooksContext();
});
afterAll(() => removeContext());

beforeEach(async () => {
  sdk = startSdk();
  server = await startStreamServer();
});

afterEach(async () => {
  await supervisor?.stop();
  supervisor = undefined;
  stop?.();
  stop = undefined;
  await server.close();
  await sdk.shutdown();
});

function instrumented(tracerProvider: TracerProvider = sdk.tracerProvider): void {
  stop = instrument({ tracerProvider, meterProvider: sdk.meterProvider });
}

/** Supervises the local stream on the instant clock, 1 s between connects, never stable. */
function start(
  options: SuperviseOptions = {},
  connect = (ctx: ConnectContext) =>
    websocket(new WebSocket(server.url), { signal: ctx.signal, alive: ctx.alive }),
): Supervisor {
  supervisor = supervise(connect, {
    operation: 'trades',
    clock: instantClock(0),
    backoff: constant(1000),
    stableAfterMs: Infinity,
    ...options,
  });
  return supervisor;
}

/** Resolves once `s` has opened `count` connections and is open. */
async function opened(s: Supervisor, count: number): Promise<void> {
  await until(() => s.stats().connects === count && s.state === 'open');
}

describe('instrument(): stream connections', () => {
  it('records a span per connection and a reconnect event on the one that dropped', async () => {
    instrumented();
    const s = start();
    await s.ready();
    server.drop();
    await opened(s, 2);
    await s.stop();
    expect(renderSpanTree(sdk.spans())).toBe(
      [
        'stream trades (INTERNAL, status UNSET)',
        '  tenacious.operation="trades" tenacious.attempt=1 tenacious.stream.reconnects=0 tenacious.stream.close_reason="closed"',
        '  · open',
        '  · reconnect tenacious.reason="closed" tenacious.delay_ms=1000',
        'stream trades (INTERNAL, status UNSET)',
        '  tenacious.operation="trades" tenacious.attempt=2 tenacious.stream.reconnects=1 tenacious.stream.close_reason="stopped"',
        '  · open',
      ].join('\n'),
    );
  });

  it('ends a failed connect with an error status, its error type and the verdict as the reconnect reason', async () => {
    instrumented();
    server.refuse(503);
    const s = start({}, (ctx) => {
      if (ctx.attempt === 2) server.accept();
      return websocket(new WebSocket(server.url), { signal: ctx.signal, alive: ctx.alive });
    });
    await s.ready();
    const [failed] = sdk.spans();
    expect({
      status: failed!.status,
      attributes: failed!.attributes,
      events: failed!.events.map((e) => [e.name, e.attributes]),
    }).toEqual({
      status: { code: 2, message: 'HandshakeError: WebSocket handshake refused with HTTP 503' },
      attributes: {
        'tenacious.operation': 'trades',
        'tenacious.attempt': 1,
        'tenacious.stream.reconnects': 0,
        'tenacious.stream.close_reason': 'error',
        'error.type': 'HandshakeError',
      },
      events: [
        ['reconnect', { 'tenacious.reason': 'handshake:503', 'tenacious.delay_ms': 1000 }],
        [
          'exception',
          expect.objectContaining({
            'exception.type': 'HandshakeError',
            'exception.message': 'WebSocket handshake refused with HTTP 503',
          }),
        ],
      ],
    });
  });

  it('ends a stale connection with an error status', async () => {
    instrumented();
    const s = start({ staleAfterMs: 5000 });
    await opened(s, 2);
    const [stale] = sdk.spans();
    expect({
      status: stale!.status,
      reason: stale!.attributes['tenacious.stream.close_reason'],
      reconnect: stale!.events.find((e) => e.name === 'reconnect')?.attributes,
    }).toEqual({
      status: { code: 2, message: 'stale' },
      reason: 'stale',
      reconnect: { 'tenacious.reason': 'stale', 'tenacious.delay_ms': 1000 },
    });
  });

  it('makes the connection span active during connect, so the client spans nest under it', async () => {
    instrumented();
    const client = sdk.tracerProvider.getTracer('ws-client');
    const s = start({}, (ctx) =>
      client.startActiveSpan('GET /ws', (span) => {
        span.end();
        return websocket(new WebSocket(server.url), { signal: ctx.signal, alive: ctx.alive });
      }),
    );
    await s.ready();
    await s.stop();
    const [get, connection] = sdk.spans();
    expect([get!.name, get!.parentSpanContext?.spanId]).toEqual([
      'GET /ws',
      connection!.spanContext().spanId,
    ]);
  });

  it("starts each connection as a trace of its own, not under the caller's span", async () => {
    instrumented();
    const service = sdk.tracerProvider.getTracer('service');
    const s = service.startActiveSpan('startup', (span) => {
      const started = start();
      span.end();
      return started;
    });
    await s.ready();
    await s.stop();
    const connection = sdk.spans().find((span) => span.name === 'stream trades')!;
    expect(connection.parentSpanContext).toBeUndefined();
  });

  it('records nothing once stopped', async () => {
    instrumented();
    stop!();
    const s = start();
    await s.ready();
    await s.stop();
    expect(sdk.spans()).toEqual([]);
  });

  it('keeps the stream going when the tracer throws', async () => {
    const broken = {
      getTracer: () => ({
        startSpan: () => {
          throw new Error('tracer bug');
        },
        startActiveSpan: () => {
          throw new Error('tracer bug');
        },
      }),
    } as unknown as TracerProvider;
    instrumented(broken);
    const s = start();
    await s.ready();
    server.drop();
    await opened(s, 2);
    expect({ connects: s.stats().connects, active: trace.getActiveSpan() }).toEqual({
      connects: 2,
      active: undefined,
    });
  });
});
