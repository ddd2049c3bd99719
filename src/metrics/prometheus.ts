import type { CounterSample } from '../telemetry/counters.js';

/**
 * The Prometheus text exposition format (version 0.0.4), for counters and gauges: a `# HELP` and
 * a `# TYPE` line per metric, then one line per sample, ending with a newline.
 */

/** The `Content-Type` of {@link renderFamilies} output, for a `/metrics` endpoint. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * Label values escape backslash, double quote and line feed (exposition format, "Text format details").
 *
 * @example
 * ```ts
 * escapeLabelValue('say "hi"\n'); // 'say \\"hi\\"\\n'
 * ```
 */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\\' ? '\\\\' : c === '"' ? '\\"' : '\\n'));
}

/** HELP text escapes backslash and line feed only. */
function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === '\\' ? '\\\\' : '\\n'));
}

/** A metric to render: its full name, type, help text and samples. */
export interface MetricFamily {
  name: string;
  type: 'counter' | 'gauge';
  help: string;
  samples: readonly CounterSample[];
}

/**
 * Renders metric families in the text exposition format.
 *
 * @example
 * ```ts
 * renderFamilies([
 *   { name: 'retries_total', type: 'counter', help: 'Retries.', samples: [{ labels: { operation: 'a' }, value: 1 }] },
 * ]);
 * // '# HELP retries_total Retries.\n# TYPE retries_total counter\nretries_total{operation="a"} 1\n'
 * ```
 */
export function renderFamilies(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) {
      const labels = Object.entries(sample.labels)
        .map(([name, value]) => `${name}="${escapeLabelValue(String(value))}"`)
        .join(',');
      lines.push(`${family.name}${labels === '' ? '' : `{${labels}}`} ${sample.value}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
