import diagnosticsChannel from 'node:diagnostics_channel';
import { createServer } from 'node:http';
import {
  context,
  metrics,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
  type TracerProvider,
} from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { publishAlertDelivery } from '../../src/telemetry/alert-delivery-events.js';
import { hub } from '../../src/core/hub.js';
import { httpClassifier } from '../../src/http/index.js';
import {
  circuitBreaker,
  constant,
  onExhausted,
  retry,
  retryBudget,
  RetryExhaustedError,
  UnknownOutcomeError,
} from '../../src/index.js';
import { webhookAlert } from '../../src/alerts/index.js';
import { instrument } from '../../src/otel/index.js';
import { instantClock } from '../../src/testing/index.js';
import { startServer } from '../alerts/support.js';
import { listenOnLoopback } from '../helpers/listen.js';
import { renderSpanTree, startSdk, useAsyncHooksContext, type Sdk } from './support.js';

let removeContext: () => void;
let sdk: Sdk;
let stop: (() => void) | undefined;
const cleanups: (() => unknown)[] = [];

beforeAll(() => {
  removeContext = useAsyncHooksContext();
});
afterAll(() => removeContext());

beforeEach(() => {
  sdk = startSdk();
});

afterEach(async () => {
  stop?.();
  stop = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await sdk.shutdown();
});

function start(options: Parameters<typeof instrument>[0] = {}): () => void {
  stop = instrument({
    tracerProvider: sdk.tracerProvider,
    meterProvider: sdk.meterProvider,
    ...options,
  });
  return stop;
}

/** Every failure here is a 503: retried, whatever the default rule says. */
const http503 = () => ({ action: 'retry' as const, reason: 'http:503' });
/** An order endpoint's timeout: it may have executed. */
const http504 = () => ({ action: 'unknown' as const, reason: 'http:504' });

/**
 * A real run whose attempts fail `failures` times with a 503, then succeed; at most
 * `maxAttempts`. Resolves with the value or the error.
 */
async function run(operation: string, failures: number, maxAttempts = 4): Promise<unknown> {
  let calls = 0;
  return retry(
    () => {
      calls += 1;
      if (calls <= failures) throw new Error(`failure ${calls}`);
      return 'ok';
    },
    {
      operation,
      maxAttempts,
      classify: (o) => (o.ok ? undefined : http503()),
      backoff: constant(100),
      clock: instantClock(),
    },
  ).catch((error: unknown) => error);
}

/** A local HTTP server answering each request with the next status of `statuses` (then 200). */
async function statusServer(statuses: number[]): Promise<string> {
  let index = 0;
  const server = createServer((_req, res) => {
    const status = statuses[index++] ?? 200;
    res.writeHead(status, { 'content-type': 'application/json' }).end('{"serverTime":1}');
  });
  const { url, close } = await listenOnLoopback(server);
  cleanups.push(close);
  return url;
}

const spanNamed = (name: string) => {
  const found = sdk.spans().filter((s) => s.name === name);
  expect(found).toHaveLength(1);
  return found[0]!;
};

describe('instrument(): spans', () => {
  it('makes a run one span "retry <operation>" with its attempts and outcome', async () => {
    start();

    await run('get_ticker', 2);

    const span = spanNamed('retry get_ticker');
    expect(span.kind).toBe(SpanKind.INTERNAL);
    expect(span.attributes).toEqual({
      'tenacious.operation': 'get_ticker',
      'tenacious.attempts': 3,
      'tenacious.outcome': 'success',
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.ended).toBe(true);
  });

  it("starts the run span in the caller's active context", async () => {
    start();
    const tracer = sdk.tracerProvider.getTracer('service');

    await tracer.startActiveSpan('GET /ticker', { kind: SpanKind.SERVER }, async (request) => {
      await run('get_ticker', 0);
      request.end();
    });

    const request = spanNamed('GET /ticker');
    const runSpan = spanNamed('retry get_ticker');
    expect(runSpan.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(runSpan.spanContext().traceId).toBe(request.spanContext().traceId);
  });

  it('makes the run span the active span inside every attempt', async () => {
    start();
    const seen: (string | undefined)[] = [];

    let calls = 0;
    await retry(
      async () => {
        await Promise.resolve(); // across an await too
        seen.push(trace.getActiveSpan()?.spanContext().spanId);
        if (++calls < 3) throw new Error('503');
      },
      { operation: 'get_ticker', clock: instantClock() },
    );

    const runSpanId = spanNamed('retry get_ticker').spanContext().spanId;
    expect(seen).toEqual([runSpanId, runSpanId, runSpanId]);
  });

  it("nests the HTTP client's span of each attempt (a real fetch) under the run span", async () => {
    start();
    const url = await statusServer([503, 503]);
    const tracer = sdk.tracerProvider.getTracer('http-client');

    await retry(
      () =>
        tracer.startActiveSpan('GET', { kind: SpanKind.CLIENT }, async (span) => {
          const response = await fetch(`${url}/api/v3/time`);
          span.setAttribute('http.response.status_code', response.status);
          if (response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
          return response;
        }),
      {
        operation: 'server_time',
        classify: httpClassifier(),
        backoff: constant(100),
        clock: instantClock(),
      },
    );

    const runSpan = spanNamed('retry server_time');
    const clientSpans = sdk.spans().filter((s) => s.name === 'GET');
    expect(clientSpans.map((s) => s.attributes['http.response.status_code'])).toEqual([
      503, 503, 200,
    ]);
    for (const client of clientSpans) {
      expect(client.parentSpanContext?.spanId).toBe(runSpan.spanContext().spanId);
    }
    expect(runSpan.events.map((e) => e.attributes?.['tenacious.reason'])).toEqual([
      'http:503',
      'http:503',
    ]);
  });

  it("nests spans made from undici's own diagnostics channel (how auto-instrumentation sees fetch) under the run span", async () => {
    start();
    const url = await statusServer([503]);
    const tracer = sdk.tracerProvider.getTracer('undici-bridge');
    // What @opentelemetry/instrumentation-undici does, in small: a span per request, started
    // in the context active when fetch creates the request.
    const open = new WeakMap<object, Span>();
    const onCreate = (message: unknown) => {
      const { request } = message as { request: { method: string; path: string } };
      open.set(
        request,
        tracer.startSpan(`undici ${request.method}`, { kind: SpanKind.CLIENT }, context.active()),
      );
    };
    const onHeaders = (message: unknown) => {
      const { request, response } = message as {
        request: object;
        response: { statusCode: number };
      };
      const span = open.get(request);
      span?.setAttribute('http.response.status_code', response.statusCode);
      span?.end();
    };
    diagnosticsChannel.subscribe('undici:request:create', onCreate);
    diagnosticsChannel.subscribe('undici:request:headers', onHeaders);
    cleanups.push(() => {
      diagnosticsChannel.unsubscribe('undici:request:create', onCreate);
      diagnosticsChannel.unsubscribe('undici:request:headers', onHeaders);
    });

    await retry(() => fetch(`${url}/api/v3/time`), {
      operation: 'server_time',
      classify: httpClassifier(),
      clock: instantClock(),
    });

    const runSpanId = spanNamed('retry server_time').spanContext().spanId;
    const clientSpans = sdk.spans().filter((s) => s.name === 'undici GET');
    expect(clientSpans.map((s) => s.attributes['http.response.status_code'])).toEqual([503, 200]);
    for (const client of clientSpans) {
      expect(client.parentSpanContext?.spanId).toBe(runSpanId);
    }
  });

  it('adds a retry event per retry with the attempt, delay, reason and error type', async () => {
    start();

    await run('get_ticker', 2);

    expect(spanNamed('retry get_ticker').events.map((e) => [e.name, e.attributes])).toEqual([
      [
        'retry',
        {
          'tenacious.attempt': 1,
          'tenacious.delay_ms': 100,
          'tenacious.reason': 'http:503',
          'tenacious.verdict': 'retry',
          'error.type': 'Error',
          'tenacious.error': 'Error: failure 1',
        },
      ],
      [
        'retry',
        {
          'tenacious.attempt': 2,
          'tenacious.delay_ms': 100,
          'tenacious.reason': 'http:503',
          'tenacious.verdict': 'retry',
          'error.type': 'Error',
          'tenacious.error': 'Error: failure 2',
        },
      ],
    ]);
  });

  it('marks an exhausted run as an error with the reason and a redacted exception event', async () => {
    start();
    const secret = 'signature=9f86d081884c7d659a2feaa0c55ad015';

    const error = await retry(
      () => {
        throw new Error(`GET /api/v3/order?symbol=BTCUSDT&${secret} failed`);
      },
      {
        operation: 'get_order',
        maxAttempts: 2,
        classify: http503,
        backoff: constant(100),
        clock: instantClock(),
      },
    ).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RetryExhaustedError);
    const span = spanNamed('retry get_order');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes).toMatchObject({
      'tenacious.outcome': 'exhausted',
      'tenacious.reason': 'attempts',
      'tenacious.attempts': 2,
      'error.type': 'RetryExhaustedError',
    });
    const exception = span.events.find((e) => e.name === 'exception');
    expect(exception?.attributes?.['exception.type']).toBe('RetryExhaustedError');
    const everything = JSON.stringify([span.status, span.attributes, span.events]);
    expect(everything).not.toContain('9f86d081884c7d659a2feaa0c55ad015');
    expect(everything).toContain('signature=[REDACTED]');
  });

  it('marks an unknown outcome of a non-idempotent call as an error', async () => {
    start();

    await expect(
      retry(
        () => {
          throw new Error('socket hang up');
        },
        { operation: 'place_order', idempotent: false, classify: http504, clock: instantClock() },
      ),
    ).rejects.toBeInstanceOf(UnknownOutcomeError);

    const span = spanNamed('retry place_order');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes).toMatchObject({
      'tenacious.outcome': 'unknown-outcome',
      'tenacious.attempts': 1,
      'error.type': 'UnknownOutcomeError',
      'tenacious.outcome_unknown': true,
      'tenacious.resolution': 'unreconciled',
    });
    expect(span.events.map((e) => e.name)).toEqual(['unknown_outcome', 'exception']);
  });

  it('records a reconciled unknown outcome on the run span: the attributes and an event with its resolution', async () => {
    start();

    await retry(
      () => {
        throw new Error('socket hang up');
      },
      {
        operation: 'place_order',
        idempotent: false,
        classify: http504,
        reconcile: () => ({ executed: true, value: 'order 42' }),
        clock: instantClock(),
      },
    );

    const span = spanNamed('retry place_order');
    expect(span.attributes).toMatchObject({
      'tenacious.outcome': 'success',
      'tenacious.outcome_unknown': true,
      'tenacious.resolution': 'executed',
    });
    expect(span.events.map((e) => [e.name, e.attributes])).toEqual([
      [
        'unknown_outcome',
        {
          'tenacious.attempt': 1,
          'tenacious.resolution': 'executed',
          'tenacious.reason': 'http:504',
        },
      ],
    ]);
  });

  it('runs reconcile inside the run span, so the spans of its lookup are its children', async () => {
    start();
    const tracer = sdk.tracerProvider.getTracer('service');

    await retry(
      () => {
        throw new Error('socket hang up');
      },
      {
        operation: 'place_order',
        idempotent: false,
        classify: http504,
        reconcile: async () => {
          await tracer.startActiveSpan('GET /order', async (lookup) => lookup.end());
          return { executed: false };
        },
        maxAttempts: 1,
        clock: instantClock(),
      },
    ).catch(() => undefined);

    expect(spanNamed('GET /order').parentSpanContext?.spanId).toBe(
      spanNamed('retry place_order').spanContext().spanId,
    );
  });

  it('gives a run that failed on a fail verdict the verdict reason', async () => {
    start();

    await retry(
      () => {
        throw new Error('-2010 insufficient balance');
      },
      {
        operation: 'place_order',
        classify: () => ({ action: 'fail', reason: 'binance:-2010' }),
        clock: instantClock(),
      },
    ).catch(() => undefined);

    expect(spanNamed('retry place_order').attributes).toMatchObject({
      'tenacious.outcome': 'fail',
      'tenacious.reason': 'binance:-2010',
    });
  });

  it("makes no span for an alert delivery's own run, and counts none of its attempts", async () => {
    start();
    const server = await startServer();
    cleanups.push(() => server.close());
    const alert = webhookAlert({ url: `${server.url}/hook`, format: 'json', throttleMs: 0 });
    cleanups.push(onExhausted(alert));

    await run('get_ticker', 2, 2);
    await alert.flush();

    expect(server.requests).toHaveLength(1);
    expect(sdk.spans().map((s) => s.name)).toEqual(['retry get_ticker']);
    expect((await sdk.points('tenacious.attempts')).map((p) => p.attributes)).toEqual([
      { 'tenacious.operation': 'get_ticker', 'tenacious.outcome': 'retry' },
      { 'tenacious.operation': 'get_ticker', 'tenacious.outcome': 'exhausted' },
    ]);
  });

  it('marks a run that failed on a fail verdict as an error, with the original error type', async () => {
    start();

    await expect(
      retry(
        () => {
          throw new TypeError('bad symbol');
        },
        { operation: 'get_ticker', clock: instantClock() },
      ),
    ).rejects.toBeInstanceOf(TypeError);

    expect(spanNamed('retry get_ticker').attributes).toMatchObject({
      'tenacious.outcome': 'fail',
      'error.type': 'TypeError',
    });
  });

  it('marks a run refused by an open breaker as an error with no attempt', async () => {
    start();
    const breaker = circuitBreaker({ failureThreshold: 1, clock: instantClock() });
    await retry(
      () => {
        throw new Error('503');
      },
      { operation: 'get_ticker', breaker, maxAttempts: 1, clock: instantClock() },
    ).catch(() => undefined);

    await retry(() => 'ok', { operation: 'refused', breaker, clock: instantClock() }).catch(
      () => undefined,
    );

    expect(spanNamed('retry refused').attributes).toMatchObject({
      'tenacious.outcome': 'error',
      'error.type': 'CircuitOpenError',
    });
  });

  it('renders as a trace of a retried call nested under its run span', async () => {
    start();
    // Span timestamps are only ordered to the millisecond across spans: the server answers after
    // 5 ms and the clock sleeps 5 ms whatever the delay, so the rendering has one order.
    let requests = 0;
    const server = createServer((_req, res) => {
      const status = requests++ === 0 ? 503 : 200;
      setTimeout(() => res.writeHead(status).end('{"price":"97000.00"}'), 5);
    });
    const { url, close } = await listenOnLoopback(server);
    cleanups.push(close);
    const clock = {
      now: () => performance.now(),
      sleep: () => new Promise<void>((resolve) => setTimeout(resolve, 5)),
    };
    const tracer = sdk.tracerProvider.getTracer('service');

    await tracer.startActiveSpan('GET /prices', { kind: SpanKind.SERVER }, async (request) => {
      await retry(
        () =>
          tracer.startActiveSpan('GET', { kind: SpanKind.CLIENT }, async (span) => {
            const response = await fetch(`${url}/api/v3/ticker/price?symbol=BTCUSDT`);
            span.setAttribute('http.response.status_code', response.status);
            if (response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
            span.end();
            return response;
          }),
        { operation: 'get_price', classify: httpClassifier(), backoff: constant(250), clock },
      );
      request.end();
    });

    expect(renderSpanTree(sdk.spans())).toBe(
      [
        'GET /prices (SERVER, status UNSET)',
        '  retry get_price (INTERNAL, status UNSET)',
        '    tenacious.operation="get_price" tenacious.attempts=2 tenacious.outcome="success"',
        '    GET (CLIENT, status ERROR)',
        '      http.response.status_code=503',
        '    · retry tenacious.attempt=1 tenacious.delay_ms=250 tenacious.reason="http:503" tenacious.verdict="unknown"',
        '    GET (CLIENT, status UNSET)',
        '      http.response.status_code=200',
      ].join('\n'),
    );
  });
});

describe('instrument(): lifecycle', () => {
  it('stops making spans once stopped, and leaves the slot empty', async () => {
    const stopIt = start();

    stopIt();
    await run('get_ticker', 1);

    expect(hub.instrumentation).toBeUndefined();
    expect(sdk.spans()).toEqual([]);
  });

  it("replaces an earlier instrumentation; the earlier one's stop then leaves the new one alone", async () => {
    const first = instrument({ tracerProvider: sdk.tracerProvider });
    start();

    first();
    await run('get_ticker', 0);

    expect(sdk.spans().map((s) => s.name)).toEqual(['retry get_ticker']);
  });

  it('uses the global tracer provider when none is given', async () => {
    trace.setGlobalTracerProvider(sdk.tracerProvider);
    cleanups.push(() => trace.disable());
    stop = instrument();

    await run('get_ticker', 0);

    expect(sdk.spans().map((s) => s.name)).toEqual(['retry get_ticker']);
  });

  it('runs a lazy thenable (a query that executes on then) once per attempt', async () => {
    start();
    let executions = 0;
    const query: PromiseLike<string> = {
      then(resolve, reject) {
        executions += 1;
        return Promise.resolve('rows').then(resolve, reject);
      },
    };

    await expect(
      retry(() => query, { operation: 'find_orders', clock: instantClock() }),
    ).resolves.toBe('rows');

    expect(executions).toBe(1);
    expect(spanNamed('retry find_orders').attributes['tenacious.outcome']).toBe('success');
  });

  it('never changes the result when the tracer throws', async () => {
    const broken = {
      getTracer: () => ({
        startSpan: () => {
          throw new Error('tracer broken');
        },
        startActiveSpan: () => {
          throw new Error('tracer broken');
        },
      }),
    } as unknown as TracerProvider;
    start({ tracerProvider: broken });

    await expect(run('get_ticker', 1)).resolves.toBe('ok');
  });

  it('never changes the result when a span method throws', async () => {
    const span = new Proxy(
      {},
      {
        get: (_t, key) =>
          key === 'spanContext'
            ? () => ({ traceId: '0'.repeat(31) + '1', spanId: '0'.repeat(15) + '1', traceFlags: 1 })
            : () => {
                throw new Error(`span.${String(key)} broken`);
              },
      },
    );
    const provider = { getTracer: () => ({ startSpan: () => span }) } as unknown as TracerProvider;
    start({ tracerProvider: provider });

    await expect(run('get_ticker', 2)).resolves.toBe('ok');
    await expect(run('get_ticker', 10, 2)).resolves.toBeInstanceOf(RetryExhaustedError);
  });

  it('rejects a tracerProvider without getTracer, naming the option', () => {
    expect(() => instrument({ tracerProvider: {} as TracerProvider })).toThrow(
      new TypeError('instrument: tracerProvider: expected an OpenTelemetry TracerProvider, got {}'),
    );
  });

  it('uses the global meter provider when none is given', async () => {
    metrics.setGlobalMeterProvider(sdk.meterProvider);
    cleanups.push(() => metrics.disable());
    stop = instrument({ tracerProvider: sdk.tracerProvider });

    await run('get_ticker', 1);

    expect(await sdk.points('tenacious.retries')).toEqual([
      { attributes: { 'tenacious.operation': 'get_ticker' }, value: 1 },
    ]);
  });

  it('rejects a breakers entry that is not a breaker, naming it', () => {
    expect(() => instrument({ breakers: { binance: {} as never } })).toThrow(
      /^instrument: breakers: expected a circuit breaker \(with state and onStateChange\) as breakers\.binance, got/,
    );
  });

  it('rejects an unknown option', () => {
    expect(() => instrument({ traceProvider: sdk.tracerProvider } as never)).toThrow(
      /^instrument: unknown option "traceProvider" \(did you mean "tracerProvider"\?\)/,
    );
  });
});

/** Runs that feed every instrument once: a breaker, a budget, retries, alerts, an unknown outcome. */
async function recordEveryInstrument(): Promise<void> {
  const breaker = circuitBreaker({ failureThreshold: 1, clock: instantClock() });
  start({ breakers: { binance: breaker } });
  await retry(
    () => {
      throw new Error('503');
    },
    { operation: 'get_ticker', breaker, maxAttempts: 1, clock: instantClock() },
  ).catch(() => undefined);
  await retry(
    () => {
      throw new Error('503');
    },
    {
      operation: 'get_balances',
      budget: retryBudget({ ratio: 0, minRetriesPerSecond: 0, clock: instantClock() }),
      classify: http503,
      clock: instantClock(),
    },
  ).catch(() => undefined);
  await run('get_ticker', 10, 2);
  await run('place_order', 0);
  publishAlertDelivery({
    channel: 'telegram',
    ok: true,
    operation: 'x',
    attempts: 1,
    elapsedMs: 1,
  });
  publishAlertDelivery({
    channel: 'telegram',
    ok: false,
    operation: 'x',
    attempts: 1,
    elapsedMs: 1,
  });
  await retry(
    () => {
      throw new Error('socket hang up');
    },
    { operation: 'place_order', idempotent: false, classify: http504, clock: instantClock() },
  ).catch(() => undefined);
}

describe('instrument(): metrics', () => {
  it('counts retries, attempts and exhaustions like tenacious/metrics', async () => {
    start();

    await run('get_ticker', 2);
    await run('place_order', 10, 3);

    expect(await sdk.points('tenacious.retries')).toEqual([
      { attributes: { 'tenacious.operation': 'get_ticker' }, value: 2 },
      { attributes: { 'tenacious.operation': 'place_order' }, value: 2 },
    ]);
    expect(await sdk.points('tenacious.exhausted')).toEqual([
      {
        attributes: { 'tenacious.operation': 'place_order', 'tenacious.reason': 'attempts' },
        value: 1,
      },
    ]);
    expect(await sdk.points('tenacious.attempts')).toEqual([
      {
        attributes: { 'tenacious.operation': 'get_ticker', 'tenacious.outcome': 'retry' },
        value: 2,
      },
      {
        attributes: { 'tenacious.operation': 'get_ticker', 'tenacious.outcome': 'success' },
        value: 1,
      },
      {
        attributes: { 'tenacious.operation': 'place_order', 'tenacious.outcome': 'retry' },
        value: 2,
      },
      {
        attributes: { 'tenacious.operation': 'place_order', 'tenacious.outcome': 'exhausted' },
        value: 1,
      },
    ]);
  });

  it('also counts the last attempt of a run that failed, which tenacious/metrics cannot see', async () => {
    start();

    await retry(
      () => {
        throw new TypeError('bad symbol');
      },
      { operation: 'get_ticker', clock: instantClock() },
    ).catch(() => undefined);

    expect(await sdk.points('tenacious.attempts')).toEqual([
      {
        attributes: { 'tenacious.operation': 'get_ticker', 'tenacious.outcome': 'fail' },
        value: 1,
      },
    ]);
  });

  it('records every attempt in the tenacious.attempt.duration histogram, in ms', async () => {
    start();

    await run('get_ticker', 2);

    const points = await sdk.points('tenacious.attempt.duration');
    expect(points.map((p) => [p.attributes, (p.value as { count: number }).count])).toEqual([
      [
        {
          'tenacious.operation': 'get_ticker',
          'tenacious.outcome': 'retry',
          'error.type': 'Error',
        },
        2,
      ],
      [{ 'tenacious.operation': 'get_ticker', 'tenacious.outcome': 'success' }, 1],
    ]);
    const instruments = await sdk.instruments();
    expect(instruments.find((i) => i.name === 'tenacious.attempt.duration')?.unit).toBe('ms');
  });

  it('times an attempt abandoned by attemptTimeoutMs until the run moved on', async () => {
    start();

    await retry(() => new Promise(() => {}), {
      operation: 'get_ticker',
      attemptTimeoutMs: 5,
      maxAttempts: 2,
      classify: http503,
      clock: instantClock(),
    }).catch(() => undefined);

    const points = await sdk.points('tenacious.attempt.duration');
    expect(points.map((p) => [p.attributes, (p.value as { count: number }).count])).toEqual([
      [
        {
          'tenacious.operation': 'get_ticker',
          'tenacious.outcome': 'retry',
          'error.type': 'AttemptTimeoutError',
        },
        1,
      ],
      [
        {
          'tenacious.operation': 'get_ticker',
          'tenacious.outcome': 'exhausted',
          'error.type': 'AttemptTimeoutError',
        },
        1,
      ],
    ]);
    for (const point of points) expect((point.value as { min: number }).min).toBeGreaterThan(0);
  });

  it('counts unknown outcomes by resolution', async () => {
    start();

    await retry(
      () => {
        throw new Error('socket hang up');
      },
      {
        operation: 'place_order',
        idempotent: false,
        classify: http504,
        reconcile: async () => ({ executed: true, value: 'order-1' }),
        clock: instantClock(),
      },
    );

    expect(await sdk.points('tenacious.unknown_outcomes')).toEqual([
      {
        attributes: { 'tenacious.operation': 'place_order', 'tenacious.resolution': 'executed' },
        value: 1,
      },
    ]);
  });

  it('counts an exhaustion with its reason under reraise too', async () => {
    start();

    await retry(
      () => {
        throw new Error('503');
      },
      {
        operation: 'get_ticker',
        maxAttempts: 2,
        reraise: true,
        classify: http503,
        clock: instantClock(),
      },
    ).catch(() => undefined);

    expect(await sdk.points('tenacious.exhausted')).toEqual([
      {
        attributes: { 'tenacious.operation': 'get_ticker', 'tenacious.reason': 'attempts' },
        value: 1,
      },
    ]);
    expect(spanNamed('retry get_ticker').attributes).toMatchObject({
      'tenacious.outcome': 'exhausted',
      'error.type': 'Error',
    });
  });

  it('counts retries refused by a retry budget', async () => {
    start();
    const budget = retryBudget({ ratio: 0, minRetriesPerSecond: 0, clock: instantClock() });

    await retry(
      () => {
        throw new Error('503');
      },
      { operation: 'get_balances', budget, classify: http503, clock: instantClock() },
    ).catch(() => undefined);

    expect(await sdk.points('tenacious.budget.denials')).toEqual([
      { attributes: { 'tenacious.operation': 'get_balances' }, value: 1 },
    ]);
  });

  it('counts alert deliveries by channel', async () => {
    start();

    publishAlertDelivery({
      channel: 'telegram',
      ok: true,
      operation: 'place_order',
      attempts: 1,
      elapsedMs: 5,
    });
    publishAlertDelivery({
      channel: 'webhook:slack',
      ok: false,
      operation: 'place_order',
      attempts: 3,
      elapsedMs: 50,
      reason: 'http:500',
    });

    expect(await sdk.points('tenacious.alerts.sent')).toEqual([
      { attributes: { 'tenacious.alert.channel': 'telegram' }, value: 1 },
    ]);
    expect(await sdk.points('tenacious.alerts.failed')).toEqual([
      { attributes: { 'tenacious.alert.channel': 'webhook:slack' }, value: 1 },
    ]);
  });

  it('observes the state and transitions of the breakers it was given', async () => {
    const clock = instantClock();
    const breaker = circuitBreaker({ failureThreshold: 1, resetAfterMs: 1000, clock });
    start({ breakers: { binance: breaker } });

    await retry(
      () => {
        throw new Error('503');
      },
      { operation: 'get_ticker', breaker, maxAttempts: 1, clock },
    ).catch(() => undefined);

    expect(await sdk.points('tenacious.breaker.state')).toEqual([
      {
        attributes: { 'tenacious.breaker': 'binance', 'tenacious.breaker.state': 'closed' },
        value: 0,
      },
      {
        attributes: { 'tenacious.breaker': 'binance', 'tenacious.breaker.state': 'open' },
        value: 1,
      },
      {
        attributes: { 'tenacious.breaker': 'binance', 'tenacious.breaker.state': 'half-open' },
        value: 0,
      },
    ]);
    expect(await sdk.points('tenacious.breaker.transitions')).toEqual([
      {
        attributes: { 'tenacious.breaker': 'binance', 'tenacious.breaker.state': 'open' },
        value: 1,
      },
    ]);
  });

  it('names every instrument with a unit, as the mapping in the docs says', async () => {
    await recordEveryInstrument();

    const units = Object.fromEntries((await sdk.instruments()).map((i) => [i.name, i.unit]));
    expect(units).toEqual({
      'tenacious.retries': '{retry}',
      'tenacious.exhausted': '{run}',
      'tenacious.attempts': '{attempt}',
      'tenacious.unknown_outcomes': '{outcome}',
      'tenacious.budget.denials': '{retry}',
      'tenacious.alerts.sent': '{alert}',
      'tenacious.alerts.failed': '{alert}',
      'tenacious.attempt.duration': 'ms',
      'tenacious.breaker.state': '1',
      'tenacious.breaker.transitions': '{transition}',
    });
  });

  it('describes every instrument as what it counts', async () => {
    await recordEveryInstrument();

    const descriptions = Object.fromEntries(
      (await sdk.instruments()).map((i) => [i.name, i.description]),
    );
    expect(descriptions).toEqual({
      'tenacious.retries':
        'Retries scheduled: attempts that failed or returned a value to retry, followed by a delay before the next attempt.',
      'tenacious.exhausted':
        'Runs that gave up while a retry was still wanted, by reason: attempts, elapsed, retry-after-too-long or budget.',
      'tenacious.attempts':
        'Attempts of instrumented runs, by outcome: how the run went on after each (retry, exhausted, success, fail, unknown-outcome, aborted, error).',
      'tenacious.unknown_outcomes': 'Unknown outcomes of non-idempotent calls, by resolution.',
      'tenacious.budget.denials':
        'Retries refused by a retry budget; each ends its run (tenacious.exhausted, reason budget).',
      'tenacious.alerts.sent':
        'Alert messages the endpoint accepted: exhaustions, unknown outcomes and throttling summaries alike.',
      'tenacious.alerts.failed':
        'Alert messages not delivered after their own retries: exhaustions, unknown outcomes and throttling summaries alike.',
      'tenacious.attempt.duration':
        'Duration of each attempt, from its start until it settled, or until the run moved on without it (attemptTimeoutMs).',
      'tenacious.breaker.state':
        'Circuit breaker state: 1 for the current state of each breaker, 0 for the others.',
      'tenacious.breaker.transitions':
        'State changes of each breaker given to instrument(), by the state entered.',
    });
  });
});
