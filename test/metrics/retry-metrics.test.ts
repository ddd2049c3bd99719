import { afterEach, describe, expect, it } from 'vitest';
import { telegramAlert } from '../../src/alerts/index.js';
import {
  circuitBreaker,
  constant,
  onExhausted,
  onUnknownOutcome,
  retry,
  retryBudget,
  UnknownOutcomeError,
} from '../../src/index.js';
import {
  PROMETHEUS_CONTENT_TYPE,
  retryMetrics,
  type RetryMetrics,
} from '../../src/metrics/index.js';
import { instantClock } from '../../src/testing/index.js';
import { json, startServer, type TestServer } from '../alerts/support.js';
import { captureLogger } from '../helpers/log-capture.js';
import { parsePrometheus } from './prometheus-parser.js';

let metrics: RetryMetrics | undefined;
let server: TestServer | undefined;
const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  metrics?.stop();
  metrics = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await server?.close();
  server = undefined;
});

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

describe('retryMetrics', () => {
  it('counts a failed attempt that is retried as a retry and an attempt with outcome retry', async () => {
    metrics = retryMetrics();

    await run('get_ticker', 2);

    const snapshot = metrics.snapshot();
    expect(snapshot.retries_total).toEqual([{ labels: { operation: 'get_ticker' }, value: 2 }]);
    expect(snapshot.attempts_total).toEqual([
      { labels: { operation: 'get_ticker', outcome: 'retry' }, value: 2 },
      { labels: { operation: 'get_ticker', outcome: 'success' }, value: 1 },
    ]);
    expect(snapshot.exhausted_total).toEqual([]);
  });

  it('counts a first-attempt success as one attempt with outcome success', async () => {
    metrics = retryMetrics();

    await run('get_ticker', 0);

    expect(metrics.snapshot().attempts_total).toEqual([
      { labels: { operation: 'get_ticker', outcome: 'success' }, value: 1 },
    ]);
    expect(metrics.snapshot().retries_total).toEqual([]);
  });

  it('counts an exhaustion by operation and reason, and its last attempt as exhausted', async () => {
    metrics = retryMetrics();

    await run('place_order', 10, 3);

    const snapshot = metrics.snapshot();
    expect(snapshot.exhausted_total).toEqual([
      { labels: { operation: 'place_order', reason: 'attempts' }, value: 1 },
    ]);
    expect(snapshot.attempts_total).toEqual([
      { labels: { operation: 'place_order', outcome: 'retry' }, value: 2 },
      { labels: { operation: 'place_order', outcome: 'exhausted' }, value: 1 },
    ]);
  });

  it('labels an exhaustion on a too-long Retry-After with its reason', async () => {
    metrics = retryMetrics();

    await retry(
      () => {
        throw new Error('429');
      },
      {
        operation: 'get_klines',
        classify: () => ({ action: 'retry', reason: 'http:429', retryAfterMs: 120_000 }),
        clock: instantClock(),
      },
    ).catch(() => undefined);

    expect(metrics.snapshot().exhausted_total).toEqual([
      { labels: { operation: 'get_klines', reason: 'retry-after-too-long' }, value: 1 },
    ]);
  });

  it('counts alert deliveries sent and failed by channel', async () => {
    server = await startServer((_req, res, index) =>
      index === 0
        ? json(res, 200, { ok: true })
        : json(res, 403, { ok: false, description: 'Forbidden' }),
    );
    metrics = retryMetrics();
    const alert = telegramAlert({
      botToken: '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw',
      chatId: 42,
      apiBaseUrl: server.url,
      clock: instantClock(),
      throttleMs: 0,
      logger: captureLogger().logger,
    });
    cleanups.push(onExhausted(alert), () => alert.stop());

    await run('a', 10, 2);
    await alert.flush();
    await run('b', 10, 2);
    await alert.flush();

    const snapshot = metrics.snapshot();
    expect(snapshot.alerts_sent_total).toEqual([{ labels: { channel: 'telegram' }, value: 1 }]);
    expect(snapshot.alerts_failed_total).toEqual([{ labels: { channel: 'telegram' }, value: 1 }]);
  });

  it('counts an unknown-outcome alert in alerts_sent_total, as an exhaustion alert is', async () => {
    server = await startServer();
    metrics = retryMetrics();
    const alert = telegramAlert({
      botToken: '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw',
      chatId: 42,
      apiBaseUrl: server.url,
      clock: instantClock(),
    });
    cleanups.push(onUnknownOutcome(alert), () => alert.stop());

    await retry(
      () => {
        throw new Error('socket hang up');
      },
      { operation: 'place_order', idempotent: false, clock: instantClock() },
    ).catch(() => undefined);
    await alert.flush();

    expect(metrics.snapshot().alerts_sent_total).toEqual([
      { labels: { channel: 'telegram' }, value: 1 },
    ]);
  });

  it('counts an unknown outcome of a non-idempotent call by operation and resolution', async () => {
    metrics = retryMetrics();
    const timeout = () => ({ action: 'unknown' as const, reason: 'http:504' });

    await expect(
      retry(
        () => {
          throw new Error('504');
        },
        { operation: 'place_order', idempotent: false, classify: timeout, clock: instantClock() },
      ),
    ).rejects.toBeInstanceOf(UnknownOutcomeError);
    await retry(
      () => {
        throw new Error('504');
      },
      {
        operation: 'place_order',
        idempotent: false,
        classify: timeout,
        reconcile: async () => ({ executed: true, value: 'order-1' }),
        clock: instantClock(),
      },
    );

    expect(metrics.snapshot().unknown_outcomes_total).toEqual([
      { labels: { operation: 'place_order', resolution: 'unreconciled' }, value: 1 },
      { labels: { operation: 'place_order', resolution: 'executed' }, value: 1 },
    ]);
  });

  it('counts a retry refused by the retry budget as a budget denial', async () => {
    metrics = retryMetrics();
    const budget = retryBudget({ ratio: 0, minRetriesPerSecond: 0, clock: instantClock() });

    await run('get_balances', 10);

    expect(metrics.snapshot().budget_denials_total).toEqual([]);
    await retry(
      () => {
        throw new Error('503');
      },
      { operation: 'get_balances', budget, clock: instantClock() },
    ).catch(() => undefined);

    const snapshot = metrics.snapshot();
    expect(snapshot.budget_denials_total).toEqual([
      { labels: { operation: 'get_balances' }, value: 1 },
    ]);
    expect(snapshot.exhausted_total).toContainEqual({
      labels: { operation: 'get_balances', reason: 'budget' },
      value: 1,
    });
  });

  it("reports a watched breaker's state as one series per state, 1 for the current one", async () => {
    metrics = retryMetrics();
    const clock = instantClock();
    const breaker = circuitBreaker({ failureThreshold: 2, resetAfterMs: 1000, clock });
    metrics.watchBreaker('binance', breaker);

    expect(metrics.snapshot().breaker_state).toEqual([
      { labels: { breaker: 'binance', state: 'closed' }, value: 1 },
      { labels: { breaker: 'binance', state: 'open' }, value: 0 },
      { labels: { breaker: 'binance', state: 'half-open' }, value: 0 },
    ]);

    await retry(
      () => {
        throw new Error('503');
      },
      { operation: 'get_ticker', breaker, maxAttempts: 2, clock },
    ).catch(() => undefined);

    expect(metrics.snapshot().breaker_state.filter((s) => s.value === 1)).toEqual([
      { labels: { breaker: 'binance', state: 'open' }, value: 1 },
    ]);
    clock.advance(1000); // instant clock: the breaker's cool-down passes without waiting
    expect(metrics.snapshot().breaker_state.filter((s) => s.value === 1)).toEqual([
      { labels: { breaker: 'binance', state: 'half-open' }, value: 1 },
    ]);
    expect(metrics.snapshot().breaker_transitions_total).toEqual([
      { labels: { breaker: 'binance', to: 'open' }, value: 1 },
      { labels: { breaker: 'binance', to: 'half-open' }, value: 1 },
    ]);
  });

  it('stops reporting a breaker after its unwatch function is called', () => {
    metrics = retryMetrics();
    const unwatch = metrics.watchBreaker('binance', circuitBreaker());

    unwatch();

    expect(metrics.snapshot().breaker_state).toEqual([]);
  });

  it('refuses a second breaker under a name already in use', () => {
    metrics = retryMetrics();
    const breaker = circuitBreaker();
    metrics.watchBreaker('binance', breaker);

    expect(() => metrics!.watchBreaker('binance', breaker)).not.toThrow();
    expect(() => metrics!.watchBreaker('binance', circuitBreaker())).toThrow(
      'watchBreaker: name: "binance" already reports another breaker; give each breaker its own name',
    );
  });

  it('rejects a watchBreaker call without a breaker', () => {
    metrics = retryMetrics();

    expect(() => metrics!.watchBreaker('binance', undefined as never)).toThrow(
      new TypeError(
        'watchBreaker: breaker: expected a circuit breaker (with state and onStateChange), got undefined',
      ),
    );
  });

  it('leaves a breaker whose state cannot be read out of the scrape', () => {
    metrics = retryMetrics();
    metrics.watchBreaker('broken', {
      get state(): never {
        throw new Error('store down');
      },
      onStateChange: () => () => {},
    });

    expect(metrics.snapshot().breaker_state).toEqual([]);
    expect(() => metrics!.prometheus()).not.toThrow();
  });

  it('counts operations beyond maxOperations as other', async () => {
    metrics = retryMetrics({ maxOperations: 2 });

    await run('a', 0);
    await run('b', 0);
    await run('c', 0);
    await run('d', 0);
    await run('a', 0);

    expect(metrics.snapshot().attempts_total).toEqual([
      { labels: { operation: 'a', outcome: 'success' }, value: 2 },
      { labels: { operation: 'b', outcome: 'success' }, value: 1 },
      { labels: { operation: 'other', outcome: 'success' }, value: 2 },
    ]);
  });

  it('stops counting after stop()', async () => {
    metrics = retryMetrics();
    await run('get_ticker', 1);

    metrics.stop();
    await run('get_ticker', 1);

    expect(metrics.snapshot().retries_total).toEqual([
      { labels: { operation: 'get_ticker' }, value: 1 },
    ]);
  });

  it('returns a snapshot of plain data that later counts do not change', async () => {
    metrics = retryMetrics();
    await run('get_ticker', 1);

    const snapshot = metrics.snapshot();
    await run('get_ticker', 1);

    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    expect(snapshot.retries_total[0]!.value).toBe(1);
    expect(metrics.snapshot().retries_total[0]!.value).toBe(2);
  });

  it('rejects a maxOperations below 1', () => {
    expect(() => retryMetrics({ maxOperations: 0 })).toThrow(
      new RangeError('retryMetrics: maxOperations: expected an integer >= 1, got 0'),
    );
  });

  it('rejects a prefix that is not a metric name', () => {
    expect(() => retryMetrics({ prefix: 'my-app' })).toThrow(
      new RangeError(
        'retryMetrics: prefix: expected a Prometheus metric name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*), got "my-app"',
      ),
    );
  });

  it('rejects an unknown option, naming it', () => {
    expect(() => retryMetrics({ registy: {} } as never)).toThrow(
      /^retryMetrics: unknown option "registy" \(did you mean "registry"\?\)/,
    );
  });

  it('rejects a registry that is not a prom-client Registry', () => {
    expect(() => retryMetrics({ registry: {} as never })).toThrow(
      new TypeError('retryMetrics: registry: expected a prom-client Registry, got {}'),
    );
  });
});

describe('retryMetrics().prometheus()', () => {
  it('declares every counter with # HELP and # TYPE counter', () => {
    metrics = retryMetrics();

    const parsed = parsePrometheus(metrics.prometheus());

    const names = [
      'retries_total',
      'exhausted_total',
      'attempts_total',
      'unknown_outcomes_total',
      'budget_denials_total',
      'alerts_sent_total',
      'alerts_failed_total',
      'breaker_state',
      'breaker_transitions_total',
      'stream_reconnects_total',
      'stream_up',
      'holds_total',
    ];
    const gauges = new Set(['breaker_state', 'stream_up']);
    expect([...parsed.type.entries()]).toEqual(
      names.map((name) => [name, gauges.has(name) ? 'gauge' : 'counter']),
    );
    expect([...parsed.help.keys()]).toEqual(names);
    expect(parsed.samples).toEqual([]);
  });

  it('exposes the counted samples', async () => {
    metrics = retryMetrics();

    await run('place_order', 10, 3);
    await run('get_ticker', 1);

    expect(parsePrometheus(metrics.prometheus()).samples).toEqual([
      { name: 'retries_total', labels: { operation: 'place_order' }, value: 2 },
      { name: 'retries_total', labels: { operation: 'get_ticker' }, value: 1 },
      {
        name: 'exhausted_total',
        labels: { operation: 'place_order', reason: 'attempts' },
        value: 1,
      },
      { name: 'attempts_total', labels: { operation: 'place_order', outcome: 'retry' }, value: 2 },
      {
        name: 'attempts_total',
        labels: { operation: 'place_order', outcome: 'exhausted' },
        value: 1,
      },
      { name: 'attempts_total', labels: { operation: 'get_ticker', outcome: 'retry' }, value: 1 },
      { name: 'attempts_total', labels: { operation: 'get_ticker', outcome: 'success' }, value: 1 },
    ]);
  });

  it('escapes backslash, double quote and newline in label values', async () => {
    metrics = retryMetrics();
    const operation = 'C:\\orders "new"\nline two';

    await run(operation, 1);

    const text = metrics.prometheus();
    expect(text).toContain('retries_total{operation="C:\\\\orders \\"new\\"\\nline two"} 1\n');
    expect(parsePrometheus(text).samples[0]).toEqual({
      name: 'retries_total',
      labels: { operation },
      value: 1,
    });
  });

  it('prefixes metric names with the prefix option', async () => {
    metrics = retryMetrics({ prefix: 'tenacious_' });

    await run('get_ticker', 1);

    const parsed = parsePrometheus(metrics.prometheus());
    expect(parsed.type.get('tenacious_retries_total')).toBe('counter');
    expect(parsed.samples[0]!.name).toBe('tenacious_retries_total');
  });

  it('names the exposition content type', () => {
    metrics = retryMetrics();

    expect(metrics.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(PROMETHEUS_CONTENT_TYPE).toBe(metrics.contentType);
  });
});
