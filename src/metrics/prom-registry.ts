import { createRequire } from 'node:module';
import type { CounterSample } from '../telemetry/counters.js';
import type { MetricFamily } from './prometheus.js';

/**
 * Registers tenacious's metrics on a prom-client `Registry`, so that they appear on the
 * service's existing `/metrics` next to its own.
 *
 * prom-client is an optional peer: it is loaded (with `require`, resolved from this package's
 * location, so the application's copy) only when a registry is passed. The metrics are real
 * prom-client `Counter` and `Gauge` objects whose `collect()` copies tenacious's own counts at
 * scrape time, so `snapshot()`, `prometheus()` and the registry always agree, and a collect can
 * never throw into the scrape.
 */

/**
 * The part of a prom-client `Registry` tenacious uses. Structural, so that the public types do
 * not require prom-client's types to be installed.
 */
export interface PromRegistry {
  registerMetric(metric: never): void;
  getSingleMetric(name: string): unknown;
  removeSingleMetric(name: string): void;
  /** prom-client 15: the registry's exposition format. */
  readonly contentType?: string;
}

type Labels = Record<string, string>;

interface PromMetric {
  reset(): void;
}

interface PromMetricConfig {
  name: string;
  help: string;
  labelNames: readonly string[];
  registers: readonly PromRegistry[];
  collect: () => void;
}

/** The two prom-client classes tenacious constructs. */
interface PromClient {
  Counter: new (config: PromMetricConfig) => PromMetric & { inc(labels: Labels, by: number): void };
  Gauge: new (
    config: PromMetricConfig,
  ) => PromMetric & { set(labels: Labels, value: number): void };
}

/** prom-client's OpenMetrics content type: its counters get `_total` appended when written. */
const OPENMETRICS = 'application/openmetrics-text';

let promClient: PromClient | undefined;

/**
 * Loads prom-client on first use, resolved from this file like an ordinary dependency.
 * `import.meta.url` is this file's URL in the ESM build; tsup replaces it with `__filename`'s URL
 * in the CommonJS build (test/metrics/prom-client-builds.test.ts loads both).
 */
function loadPromClient(): PromClient {
  if (promClient !== undefined) return promClient;
  try {
    promClient = createRequire(import.meta.url)('prom-client') as PromClient;
  } catch (cause) {
    throw new Error(
      'retryMetrics: registry: the prom-client package could not be loaded (it is an optional peer dependency: npm install prom-client)',
      { cause },
    );
  }
  return promClient;
}

/** One metric to register: the family's name, type and help, and how to read its samples now. */
export interface RegisteredFamily extends Omit<MetricFamily, 'samples'> {
  labelNames: readonly string[];
  samples: () => readonly CounterSample[];
}

/**
 * The name a family is registered under: in an OpenMetrics registry prom-client appends `_total`
 * to counters itself, so `retries_total` is registered as `retries` there.
 */
function registeredName(registry: PromRegistry, family: RegisteredFamily): string {
  const openMetrics = registry.contentType?.startsWith(OPENMETRICS) === true;
  return openMetrics && family.type === 'counter'
    ? family.name.replace(/_total$/, '')
    : family.name;
}

/**
 * Registers every family on `registry` and returns a function that removes them again (only
 * those still registered by this call). Throws, having registered nothing, when a name is taken
 * by a metric tenacious did not register: that is prom-client's own rule, and it is better heard
 * when metrics are set up than as a failed scrape.
 *
 * @example
 * ```ts
 * const unregister = registerFamilies(new Registry(), [
 *   { name: 'retries_total', type: 'counter', help: 'Retries.', labelNames: ['operation'], samples: () => [] },
 * ]);
 * ```
 */
export function registerFamilies(
  registry: PromRegistry,
  families: readonly RegisteredFamily[],
): () => void {
  const names = families.map((family) => registeredName(registry, family));
  const taken = names.filter((name) => registry.getSingleMetric(name) !== undefined);
  if (taken.length > 0) {
    throw new Error(
      `retryMetrics: registry: already has ${taken.map((n) => JSON.stringify(n)).join(', ')}; pass a prefix (e.g. prefix: "tenacious_") to register tenacious's metrics under other names`,
    );
  }
  const { Counter, Gauge } = loadPromClient();
  const registered = families.map((family, i) => {
    const config = {
      name: names[i]!,
      help: family.help,
      labelNames: family.labelNames,
      registers: [registry],
    };
    // `collect` runs at scrape time, after the constructor has returned `metric`.
    if (family.type === 'counter') {
      const metric: InstanceType<PromClient['Counter']> = new Counter({
        ...config,
        collect: () => copySamples(metric, family, (labels, value) => metric.inc(labels, value)),
      });
      return metric;
    }
    const metric: InstanceType<PromClient['Gauge']> = new Gauge({
      ...config,
      collect: () => copySamples(metric, family, (labels, value) => metric.set(labels, value)),
    });
    return metric;
  });
  return () => {
    names.forEach((name, i) => {
      if (registry.getSingleMetric(name) === registered[i]) registry.removeSingleMetric(name);
    });
  };
}

/**
 * Replaces a prom-client metric's values with the family's current samples. Nothing here may
 * throw into the scrape: a failure leaves the metric empty for this scrape.
 */
function copySamples(
  metric: PromMetric,
  family: RegisteredFamily,
  write: (labels: Labels, value: number) => void,
): void {
  try {
    metric.reset();
    for (const sample of family.samples()) write({ ...sample.labels }, sample.value);
  } catch {
    try {
      metric.reset();
    } catch {
      // A broken metric object: nothing left to do.
    }
  }
}
