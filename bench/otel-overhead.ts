/**
 * What `tenacious/otel` costs per run: `npx tsx bench/otel-overhead.ts [--quick]`.
 *
 * One process, four configurations measured in turn (rotated between rounds, median over
 * rounds), each on a first-attempt success (S1's workload) and on three failures at zero delay
 * (S2's workload):
 * - `off`: nothing instrumented (the engine's fast path);
 * - `api only`: `instrument()` with `@opentelemetry/api`'s no-op providers (the API installed,
 *   no SDK registered);
 * - `sdk`: `instrument()` with the real SDK as a service runs it: a `BasicTracerProvider` with a
 *   `BatchSpanProcessor` (its exporter discards), a `MeterProvider` with a pull reader, and the
 *   AsyncLocalStorage context manager;
 * - `stopped`: after the instrumentation's stop function: must be `off` again.
 *
 * Runs the TypeScript sources through tsx, so absolute figures are higher than `npm run bench`'s
 * minified bundles; the differences between rows are what this measures.
 */
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { none, retry } from '../src/index.js';
import { instrument } from '../src/otel/index.js';
import { measure } from './lib/micro.js';
import { microOptions } from './lib/settings.js';
import { flaky, succeed } from './lib/workloads.js';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 5;

class Discard implements SpanExporter {
  export(_spans: ReadableSpan[], done: (result: { code: 0 }) => void): void {
    done({ code: 0 });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

class PullReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const options = { maxAttempts: 4, backoff: none, operation: 'bench' };
const failing = flaky(3);
const workloads = {
  'first-attempt success': () => retry(succeed, options),
  '3 failures, zero delay': () => {
    failing.arm();
    return retry(failing.fn, options);
  },
};

type Config = 'off' | 'api only' | 'sdk' | 'stopped';

/** Turns a configuration on; returns the function that turns it off. */
function configure(config: Config): () => void {
  if (config === 'off') return () => {};
  if (config === 'stopped') {
    instrument()();
    return () => {};
  }
  if (config === 'api only') return instrument();
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new BatchSpanProcessor(new Discard(), { maxQueueSize: 1_000_000 })],
  });
  const meterProvider = new MeterProvider({ readers: [new PullReader()] });
  const stop = instrument({ tracerProvider, meterProvider });
  return () => {
    stop();
    void tracerProvider.shutdown();
    void meterProvider.shutdown();
    context.disable();
    trace.disable();
    metrics.disable();
  };
}

const configs: Config[] = ['off', 'api only', 'sdk', 'stopped'];
const results = new Map<string, number[]>();
for (let round = 0; round < ROUNDS; round++) {
  const order = [
    ...configs.slice(round % configs.length),
    ...configs.slice(0, round % configs.length),
  ];
  for (const config of order) {
    const off = configure(config);
    const measured = await measure(
      Object.entries(workloads).map(([id, once]) => ({ id: `${id}|${config}`, once })),
      microOptions(quick),
    );
    off();
    for (const m of measured) results.set(m.id, [...(results.get(m.id) ?? []), m.p50Ns]);
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const fmt = (ns: number) => (ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);

const lines = [
  `tenacious/otel overhead, ${ROUNDS} rounds, median of per-round p50 per call (Node ${process.version})`,
  '',
  `| workload | ${configs.join(' | ')} | sdk − off |`,
  `| --- | ${configs.map(() => '---').join(' | ')} | --- |`,
];
for (const workload of Object.keys(workloads)) {
  const values = configs.map((config) => median(results.get(`${workload}|${config}`)!));
  lines.push(`| ${workload} | ${values.map(fmt).join(' | ')} | ${fmt(values[2]! - values[0]!)} |`);
}
process.stdout.write(`${lines.join('\n')}\n`);
