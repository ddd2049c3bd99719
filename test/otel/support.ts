import { context, type HrTime } from '@opentelemetry/api';
import { AsyncHooksContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  MeterProvider,
  MetricReader,
  type DataPoint,
  type Histogram,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

/**
 * The real OpenTelemetry SDK, kept in memory: spans go through a `SimpleSpanProcessor` into an
 * `InMemorySpanExporter`, metrics are read on demand by a pull reader (what a Prometheus exporter
 * does at every scrape), and the context manager is the async-hooks one.
 */

/** A pull reader: `collect()` reads every instrument now, cumulatively. */
class InMemoryReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** One data point, with its attributes and its value (a number, or a histogram). */
export interface Point {
  attributes: Record<string, unknown>;
  value: number | Histogram;
}

export interface Sdk {
  tracerProvider: BasicTracerProvider;
  meterProvider: MeterProvider;
  spans: () => ReadableSpan[];
  /** Every data point of the instrument `name`, or `[]` when it has none. */
  points: (name: string) => Promise<Point[]>;
  /** Every instrument with its unit and description. */
  instruments: () => Promise<{ name: string; unit: string; description: string }[]>;
  shutdown: () => Promise<void>;
}

let contextManager: AsyncHooksContextManager | undefined;

/** Installs the async-hooks context manager globally (once per test file); returns its remover. */
export function useAsyncHooksContext(): () => void {
  contextManager = new AsyncHooksContextManager().enable();
  context.setGlobalContextManager(contextManager);
  return () => {
    context.disable();
    contextManager = undefined;
  };
}

export function startSdk(): Sdk {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const reader = new InMemoryReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const collect = async () => {
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length > 0) throw new AggregateError(errors, 'metric collection failed');
    return resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
  };
  return {
    tracerProvider,
    meterProvider,
    spans: () => exporter.getFinishedSpans(),
    points: async (name) => {
      const metric = (await collect()).find((m) => m.descriptor.name === name);
      const dataPoints = (metric?.dataPoints ?? []) as DataPoint<number | Histogram>[];
      return dataPoints.map((point) => ({
        attributes: { ...point.attributes },
        value: point.value,
      }));
    },
    instruments: async () =>
      (await collect()).map(({ descriptor: { name, unit, description } }) => ({
        name,
        unit,
        description,
      })),
    shutdown: async () => {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

const ms = (time: HrTime) => time[0] * 1000 + time[1] / 1e6;

/**
 * Renders finished spans as an indented tree: each span with its kind, status and attributes,
 * then its events and child spans interleaved in time order. Times and ids are left out, so the
 * text is the same on every run: how the docs show a trace.
 */
export function renderSpanTree(spans: readonly ReadableSpan[]): string {
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  const parentOf = (span: ReadableSpan) => {
    const id = span.parentSpanContext?.spanId;
    return id !== undefined && ids.has(id) ? id : undefined;
  };
  // A stack trace is shown by its first line: the rest differs between machines.
  const value = (key: string, v: unknown) =>
    typeof v !== 'string'
      ? String(v)
      : JSON.stringify(key === 'exception.stacktrace' ? `${v.split('\n')[0]}\n…` : v);
  const text = (attrs: Record<string, unknown> | undefined) =>
    Object.entries(attrs ?? {})
      .map(([k, v]) => `${k}=${value(k, v)}`)
      .join(' ');
  const lines: string[] = [];
  const render = (span: ReadableSpan, indent: string): void => {
    const status = ['UNSET', 'OK', 'ERROR'][span.status.code];
    const kind = ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'][span.kind];
    const message =
      span.status.message === undefined || span.status.message === ''
        ? ''
        : ` ${JSON.stringify(span.status.message)}`;
    lines.push(`${indent}${span.name} (${kind}, status ${status}${message})`);
    if (Object.keys(span.attributes).length > 0) lines.push(`${indent}  ${text(span.attributes)}`);
    const items: { at: number; emit: () => void }[] = [
      ...span.events.map((event) => ({
        at: ms(event.time),
        emit: () => lines.push(`${indent}  · ${event.name} ${text(event.attributes)}`.trimEnd()),
      })),
      ...spans
        .filter((child) => parentOf(child) === span.spanContext().spanId)
        .map((child) => ({ at: ms(child.startTime), emit: () => render(child, `${indent}  `) })),
    ];
    for (const item of items.sort((a, b) => a.at - b.at)) item.emit();
  };
  for (const root of spans.filter((span) => parentOf(span) === undefined)) render(root, '');
  return lines.join('\n');
}
