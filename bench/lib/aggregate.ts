/**
 * Folds the results of many scenario processes into per-row medians and ranges, and computes
 * ratios pairwise: a ratio is taken inside each process run (both rows measured in the same
 * process, or in S4 in the same round), then the median of those ratios is reported.
 */
import type { ScenarioResult } from './protocol.js';
import { median, spread, type Spread } from './stats.js';

export interface AggregatedRow {
  readonly key: string;
  readonly id: string;
  readonly group: string | undefined;
  readonly config: string;
  /** Every metric's values, one per run that measured this row. */
  readonly values: Record<string, number[]>;
  /** Extra, non-numeric data a scenario attached (S5: dependency names, byte breakdown). */
  readonly extra: Record<string, unknown>;
}

export interface Aggregated {
  readonly rows: AggregatedRow[];
  /** Per run: row key -> metrics. */
  readonly runs: Map<string, Readonly<Record<string, number>>>[];
}

export const rowKey = (id: string, group?: string) => (group === undefined ? id : `${group}|${id}`);

/** `results[r]` holds every result of run r (several in S4: one process per row). */
export function aggregate(results: readonly (readonly ScenarioResult[])[]): Aggregated {
  const rows = new Map<string, AggregatedRow>();
  const runs: Map<string, Readonly<Record<string, number>>>[] = [];
  for (const runResults of results) {
    const run = new Map<string, Readonly<Record<string, number>>>();
    for (const result of runResults) {
      for (const row of result.rows) {
        const key = rowKey(row.id, row.group);
        let agg = rows.get(key);
        if (agg === undefined) {
          const {
            id,
            group,
            config,
            metrics: _metrics,
            ...extra
          } = row as typeof row & Record<string, unknown>;
          agg = { key, id, group, config, values: {}, extra };
          rows.set(key, agg);
        }
        for (const [metric, value] of Object.entries(row.metrics)) {
          (agg.values[metric] ??= []).push(value);
        }
        run.set(key, row.metrics);
      }
    }
    runs.push(run);
  }
  return { rows: [...rows.values()], runs };
}

export function find(agg: Aggregated, id: string, group?: string): AggregatedRow | undefined {
  const key = rowKey(id, group);
  return agg.rows.find((r) => r.key === key);
}

export function stat(agg: Aggregated, id: string, metric: string, group?: string): Spread {
  return spread(find(agg, id, group)?.values[metric] ?? []);
}

/** `a.metric / b.metric` in each run where both were measured. */
function pairedRatios(
  agg: Aggregated,
  a: string,
  b: string,
  metric: string,
  group?: string,
): number[] {
  const ka = rowKey(a, group);
  const kb = rowKey(b, group);
  const ratios: number[] = [];
  for (const run of agg.runs) {
    const x = run.get(ka)?.[metric];
    const y = run.get(kb)?.[metric];
    if (x !== undefined && y !== undefined && y !== 0) ratios.push(x / y);
  }
  return ratios;
}

/** Median over runs of `a.metric / b.metric` (paired within each run). */
export function ratio(
  agg: Aggregated,
  a: string,
  b: string,
  metric: string,
  group?: string,
): number {
  const ratios = pairedRatios(agg, a, b, metric, group);
  return ratios.length === 0 ? NaN : median(ratios);
}

/** Median, min and max over runs of the paired ratio `a.metric / b.metric`. */
export function ratioSpread(
  agg: Aggregated,
  a: string,
  b: string,
  metric: string,
  group?: string,
): Spread {
  return spread(pairedRatios(agg, a, b, metric, group));
}

/** Median over runs of `a.metric - b.metric` (paired within each run). */
export function difference(agg: Aggregated, a: string, b: string, metric: string): number {
  const diffs: number[] = [];
  for (const run of agg.runs) {
    const x = run.get(rowKey(a))?.[metric];
    const y = run.get(rowKey(b))?.[metric];
    if (x !== undefined && y !== undefined) diffs.push(x - y);
  }
  return diffs.length === 0 ? NaN : median(diffs);
}
