import { createServer } from 'node:http';
import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { circuitBreaker, constant, retry } from '../../src/index.js';
import { retryMetrics, type RetryMetrics } from '../../src/metrics/index.js';
import { instantClock } from '../../src/testing/index.js';
import { listenOnLoopback } from '../helpers/listen.js';
import { parsePrometheus, type ParsedSample } from './prometheus-parser.js';

const started: RetryMetrics[] = [];
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const metrics of started.splice(0)) metrics.stop();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function start(options: Parameters<typeof retryMetrics>[0]): RetryMetrics {
  const metrics = retryMetrics(options);
  started.push(metrics);
  return metrics;
}

/** A real run whose attempts fail `failures` times, then succeed; at most `maxAttempts`. */
async function run(operation: string, failures: number, maxAttempts = 4): Promise<void> {
  let calls = 0;
  await retry(
    () => {
      calls += 1;
      if (calls <= failures) throw new Error(`failure ${calls}`);
      return 'ok';
    },
    { operation, maxAttempts, backoff: constant(100), clock: instantClock() },
  ).catch(() => undefined);
}

/**
 * A service's own `/metrics` endpoint on 127.0.0.1, as a service writes it with prom-client: it
 * counts its own requests and serves `registry.metrics()`.
 */
async function serveMetrics(registry: Registry): Promise<{ scrape: () => Promise<string> }> {
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'Requests served.',
    labelNames: ['route'],
    registers: [registry],
  });
  const server = createServer((req, res) => {
    requests.inc({ route: req.url ?? '' });
    void registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  const { url, close } = await listenOnLoopback(server);
  cleanups.push(close);
  return {
    scrape: async () => {
      const response = await fetch(`${url}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(registry.contentType);
      return response.text();
    },
  };
}

const named = (samples: ParsedSample[], name: string) => samples.filter((s) => s.name === name);

describe('retryMetrics({ registry })', () => {
  it("serves tenacious's counters on the service's own /metrics, next to its own", async () => {
    const registry = new Registry();
    const endpoint = await serveMetrics(registry);
    start({ registry });

    await run('get_ticker', 2);
    await run('place_order', 10, 3);
    await endpoint.scrape();
    const parsed = parsePrometheus(await endpoint.scrape());

    expect(named(parsed.samples, 'http_requests_total')).toEqual([
      { name: 'http_requests_total', labels: { route: '/metrics' }, value: 2 },
    ]);
    expect(named(parsed.samples, 'retries_total')).toEqual([
      { name: 'retries_total', labels: { operation: 'get_ticker' }, value: 2 },
      { name: 'retries_total', labels: { operation: 'place_order' }, value: 2 },
    ]);
    expect(named(parsed.samples, 'exhausted_total')).toEqual([
      {
        name: 'exhausted_total',
        labels: { operation: 'place_order', reason: 'attempts' },
        value: 1,
      },
    ]);
    expect(parsed.type.get('attempts_total')).toBe('counter');
    expect(parsed.type.get('breaker_state')).toBe('gauge');
  });

  it('says in each # HELP line what the metric counts', async () => {
    const registry = new Registry();
    const endpoint = await serveMetrics(registry);
    start({ registry });

    const { help } = parsePrometheus(await endpoint.scrape());

    expect(
      Object.fromEntries([...help].filter(([name]) => name !== 'http_requests_total')),
    ).toEqual({
      retries_total:
        'Retries scheduled, by operation: one per retry event (an attempt that failed or returned a value to retry, followed by a delay before the next attempt, which a cancellation or the time limit may still prevent).',
      exhausted_total:
        'Runs that gave up while a retry was still wanted, by operation and reason: attempts, elapsed (maxElapsedMs), retry-after-too-long (maxRetryAfterMs) or budget.',
      attempts_total:
        'Attempts seen through the retry, exhaustion and success events, by operation and outcome: retry (a retry was scheduled after it), exhausted (the run gave up after it), success (it resolved the run). The last attempt of a run that ends on a fail verdict, an unknown outcome, a cancellation or an open circuit is not counted.',
      unknown_outcomes_total:
        'Unknown outcomes of non-idempotent calls, by operation and resolution (executed, not-executed, unreconciled, reconcile-failed).',
      budget_denials_total:
        'Retries refused by a retry budget, by operation: each ends its run, counted in exhausted_total with reason budget too.',
      alerts_sent_total:
        'Alert messages the endpoint accepted, by channel: exhaustions, unknown outcomes and throttling summaries alike, one per message whatever its delivery retries.',
      alerts_failed_total:
        'Alert messages not delivered after their own retries, by channel: exhaustions, unknown outcomes and throttling summaries alike.',
      breaker_state:
        'Circuit breaker state: 1 for the current state (closed, open, half-open) of each watched breaker, 0 for the others.',
      breaker_transitions_total:
        'State changes of each watched circuit breaker since watchBreaker() was called, by breaker and the state entered.',
      stream_reconnects_total:
        'Supervised stream connections that ended and were replaced or reconnected, by operation and reason (closed, error, stale, lifetime, replaced).',
      stream_up:
        'Supervised stream state: 1 while a connection is open, 0 while it is down or stopped.',
    });
  });

  it('serves the same numbers as snapshot() at every scrape', async () => {
    const registry = new Registry();
    const endpoint = await serveMetrics(registry);
    const metrics = start({ registry });

    await run('get_ticker', 1);
    const first = parsePrometheus(await endpoint.scrape());
    await run('get_ticker', 1);
    const second = parsePrometheus(await endpoint.scrape());

    expect(named(first.samples, 'retries_total')[0]!.value).toBe(1);
    expect(named(second.samples, 'retries_total')[0]!.value).toBe(2);
    expect(metrics.snapshot().retries_total[0]!.value).toBe(2);
  });

  it("serves a watched breaker's state as a gauge", async () => {
    const registry = new Registry();
    const endpoint = await serveMetrics(registry);
    const metrics = start({ registry });
    const clock = instantClock();
    const breaker = circuitBreaker({ failureThreshold: 1, resetAfterMs: 1000, clock });
    metrics.watchBreaker('binance', breaker);

    await retry(
      () => {
        throw new Error('503');
      },
      { operation: 'get_ticker', breaker, maxAttempts: 1, clock },
    ).catch(() => undefined);
    const parsed = parsePrometheus(await endpoint.scrape());

    expect(named(parsed.samples, 'breaker_state')).toEqual([
      { name: 'breaker_state', labels: { breaker: 'binance', state: 'closed' }, value: 0 },
      { name: 'breaker_state', labels: { breaker: 'binance', state: 'open' }, value: 1 },
      { name: 'breaker_state', labels: { breaker: 'binance', state: 'half-open' }, value: 0 },
    ]);
  });

  it('registers under the prefix', async () => {
    const registry = new Registry();
    start({ registry, prefix: 'tenacious_' });

    await run('get_ticker', 1);

    const parsed = parsePrometheus(await registry.metrics());
    expect(named(parsed.samples, 'tenacious_retries_total')).toHaveLength(1);
    expect(registry.getSingleMetric('retries_total')).toBeUndefined();
  });

  it('reuses the running metrics for a second call with the same registry: nothing counts twice', async () => {
    const registry = new Registry();
    const first = start({ registry });
    const second = start({ registry });

    await run('get_ticker', 1);

    const parsed = parsePrometheus(await registry.metrics());
    expect(named(parsed.samples, 'retries_total')).toEqual([
      { name: 'retries_total', labels: { operation: 'get_ticker' }, value: 1 },
    ]);
    expect(second.snapshot()).toEqual(first.snapshot());
  });

  it('keeps the metrics registered until every call sharing the registry stopped', async () => {
    const registry = new Registry();
    const first = start({ registry });
    const second = start({ registry });

    first.stop();
    first.stop(); // idempotent: does not count as the second caller's stop
    await run('get_ticker', 1);

    expect(registry.getSingleMetric('retries_total')).toBeDefined();
    expect(second.snapshot().retries_total).toEqual([
      { labels: { operation: 'get_ticker' }, value: 1 },
    ]);
    second.stop();
    expect(registry.getSingleMetric('retries_total')).toBeUndefined();
    expect(registry.getMetricsAsArray()).toEqual([]);
  });

  it('registers afresh after every earlier call stopped', async () => {
    const registry = new Registry();
    start({ registry }).stop();

    start({ registry });
    await run('get_ticker', 1);

    const parsed = parsePrometheus(await registry.metrics());
    expect(named(parsed.samples, 'retries_total')[0]!.value).toBe(1);
  });

  it('refuses a second call with the same registry and other options, at the call', async () => {
    const registry = new Registry();
    start({ registry });

    expect(() => start({ registry, prefix: 'svc_' })).toThrow(
      'retryMetrics: registry: already holds tenacious\'s metrics with other options ({"maxOperations":1000,"prefix":""}); pass the same options, or stop() the first retryMetrics() before',
    );
    await expect(registry.metrics()).resolves.toContain('# TYPE retries_total counter');
  });

  it("refuses a registry where a name is taken by the service's own metric, registering nothing", async () => {
    const registry = new Registry();
    new Counter({
      name: 'retries_total',
      help: 'The service counts its own.',
      registers: [registry],
    });

    expect(() => start({ registry })).toThrow(
      'retryMetrics: registry: already has "retries_total"; pass a prefix (e.g. prefix: "tenacious_") to register tenacious\'s metrics under other names',
    );
    expect(registry.getSingleMetric('attempts_total')).toBeUndefined();
    await run('get_ticker', 1); // no subscription was left behind
    expect(start({ registry, prefix: 'tenacious_' }).snapshot().retries_total).toEqual([]);
  });

  it('keeps scraping after registry.resetMetrics(): tenacious re-copies its counts', async () => {
    const registry = new Registry();
    start({ registry });
    await run('get_ticker', 1);

    registry.resetMetrics();

    const parsed = parsePrometheus(await registry.metrics());
    expect(named(parsed.samples, 'retries_total')[0]!.value).toBe(1);
  });

  it("adds the registry's default labels to tenacious's series", async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ service: 'orders' });
    start({ registry });

    await run('get_ticker', 1);

    const parsed = parsePrometheus(await registry.metrics());
    expect(named(parsed.samples, 'retries_total')).toEqual([
      { name: 'retries_total', labels: { operation: 'get_ticker', service: 'orders' }, value: 1 },
    ]);
  });

  it('writes counters once with _total in an OpenMetrics registry', async () => {
    // prom-client's types omit the constructor's content-type argument (lib/registry.js has it).
    const OpenMetricsRegistry = Registry as unknown as new (contentType: string) => Registry;
    const registry = new OpenMetricsRegistry(Registry.OPENMETRICS_CONTENT_TYPE);
    start({ registry });

    await run('get_ticker', 1);

    const text = await registry.metrics();
    expect(text).toContain('# TYPE retries counter\n');
    expect(text).toContain('retries_total{operation="get_ticker"} 1\n');
    expect(text).not.toContain('retries_total_total');
  });

  it('merges into one registry with Registry.merge', async () => {
    const registry = new Registry();
    start({ registry });
    const service = new Registry();
    new Counter({ name: 'orders_total', help: 'Orders.', registers: [service] });

    await run('get_ticker', 1);

    const merged = Registry.merge([registry, service]);
    const parsed = parsePrometheus(await merged.metrics());
    expect(parsed.type.get('orders_total')).toBe('counter');
    expect(named(parsed.samples, 'retries_total')[0]!.value).toBe(1);
  });
});
