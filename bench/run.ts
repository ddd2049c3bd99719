/**
 * Benchmarks: tenacious against a bare call, a minimal hand-written loop (the floor) and the
 * peers (p-retry, cockatiel, exponential-backoff, async-retry), in one run.
 *
 *   npm run bench               full run (a few minutes), writes bench/RESULTS.md
 *   npm run bench -- --quick    CI mode (well under a minute), writes .tmp/bench/RESULTS-quick.md
 *   npm run bench -- --only=s1,s4    some scenarios (report in .tmp/bench/RESULTS-partial.md)
 *   npm run bench -- --strict        exit with status 1 when a target is not met
 *
 * Each scenario file in bench/scenarios/ is prebundled with esbuild into .tmp/bench/ and run in
 * fresh `node --expose-gc` processes, several times, with the order of the rows rotated between
 * runs; every process prints one JSON result line. See the Method section of bench/RESULTS.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { aggregate, type Aggregated } from './lib/aggregate.js';
import { BUNDLE_DEFAULTS } from './lib/bundle.js';
import { ROW_IDS } from './lib/contenders.js';
import { machine, versions } from './lib/machine.js';
import { parseResult, rotate, type ScenarioResult } from './lib/protocol.js';
import { renderReport, summaryTable, targets } from './lib/report.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = path.join(ROOT, '.tmp', 'bench');

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const strict = argv.includes('--strict');
const only = argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',')
  .map((s) => s.trim().toLowerCase());

const SCENARIOS = {
  s1: 's1-first-attempt',
  s2: 's2-zero-delay',
  s3: 's3-timer-accuracy',
  s4: 's4-memory',
  s5: 's5-footprint',
  s6: 's6-paths',
  s7: 's7-import',
  s8: 's8-adaptive',
  s9: 's9-hedge',
  s10: 's10-stream',
} as const;
type ScenarioId = keyof typeof SCENARIOS;

const selected = (Object.keys(SCENARIOS) as ScenarioId[]).filter(
  (id) => only === undefined || only.includes(id),
);

/** Process runs per scenario. S5 is deterministic; S3 and S4 run one process per row per run. */
const RUNS: Record<ScenarioId, number> = quick
  ? { s1: 3, s2: 3, s3: 2, s4: 1, s5: 1, s6: 3, s7: 1, s8: 1, s9: 1, s10: 1 }
  : { s1: 5, s2: 5, s3: 5, s4: 5, s5: 1, s6: 5, s7: 1, s8: 1, s9: 1, s10: 1 };

/** Scenarios measured one row per process (timers and heap must not be shared between rows). */
const PER_ROW = new Set<ScenarioId>(['s3', 's4']);
const PER_ROW_IDS = ROW_IDS.filter((id) => id !== 'bare' && id !== 'floor-timed');

async function prebundle(ids: readonly ScenarioId[]): Promise<void> {
  mkdirSync(OUT_DIR, { recursive: true });
  await build({
    ...BUNDLE_DEFAULTS,
    entryPoints: Object.fromEntries(
      ids.map((id) => [
        SCENARIOS[id],
        path.join(ROOT, 'bench', 'scenarios', `${SCENARIOS[id]}.ts`),
      ]),
    ),
    outdir: OUT_DIR,
    outExtension: { '.js': '.mjs' },
    // Packages load from node_modules as published; only the bench and tenacious's src are bundled.
    packages: 'external',
  });
}

function runChild(id: ScenarioId, extraArgs: readonly string[], label: string): ScenarioResult {
  const started = performance.now();
  process.stderr.write(`  ${label} … `);
  const file = path.join(OUT_DIR, `${SCENARIOS[id]}.mjs`);
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', file, ...extraArgs, ...(quick ? ['--quick'] : [])],
    {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const result = parseResult<ScenarioResult>(child.stdout ?? '');
  if (child.status !== 0 || result === undefined) {
    process.stderr.write('failed\n');
    throw new Error(
      `${label} exited with ${child.status ?? child.signal}:\n${child.stderr}\n${child.stdout}`,
    );
  }
  process.stderr.write(`${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  return result;
}

const startedAt = performance.now();
const before = machine();
process.stderr.write(
  `tenacious bench (${quick ? 'quick' : 'full'}): ${before.cpu}, ${before.cores} cores, Node ${before.node}, load ${before.loadAverage.join(' ')}\n`,
);
await prebundle(selected);

const collected: Partial<Record<ScenarioId, ScenarioResult[][]>> = {};
const maxRuns = Math.max(...selected.map((id) => RUNS[id]));
// Runs are interleaved (run 1 of every scenario, then run 2, ...) so that a slow spell of the
// machine spreads over all scenarios instead of spoiling one.
for (let run = 0; run < maxRuns; run++) {
  for (const id of rotate(selected, run)) {
    if (run >= RUNS[id]) continue;
    const runs = (collected[id] ??= []);
    if (PER_ROW.has(id)) {
      runs.push(
        rotate(PER_ROW_IDS, run).map((row) =>
          runChild(id, [`--row=${row}`], `${id.toUpperCase()} run ${run + 1}/${RUNS[id]} ${row}`),
        ),
      );
    } else {
      runs.push([
        runChild(id, [`--rotate=${run}`], `${id.toUpperCase()} run ${run + 1}/${RUNS[id]}`),
      ]);
    }
  }
}

const scenarios: Partial<Record<ScenarioId, Aggregated>> = {};
for (const id of selected) scenarios[id] = aggregate(collected[id] ?? []);

const input = {
  machine: before,
  loadAfter: os.loadavg().map((l) => Math.round(l * 100) / 100),
  versions: {
    ...versions(ROOT, [
      'p-retry',
      'cockatiel',
      'exponential-backoff',
      'async-retry',
      'zod',
      'tinybench',
      'esbuild',
    ]),
  },
  quick,
  runs: Object.fromEntries(selected.map((id) => [id, RUNS[id]])),
  durationS: (performance.now() - startedAt) / 1000,
  scenarios,
};
// S8 and S9 (load shaping) and S10 (streams) print their own tables: one run of each, real time.
const ownTables = (['s8', 's9', 's10'] as const)
  .map((id) => (collected[id]?.[0]?.[0] as { text?: string } | undefined)?.text)
  .filter((text): text is string => text !== undefined);
const markdown =
  renderReport(input) +
  (ownTables.length === 0
    ? ''
    : `\n## S8, S9, S10: load shaping and streams (one run each, real time)\n\n${ownTables.join('\n\n')}\n`);
const partial = only !== undefined;
const reportFile =
  quick || partial
    ? path.join(OUT_DIR, quick ? 'RESULTS-quick.md' : 'RESULTS-partial.md')
    : path.join(ROOT, 'bench', 'RESULTS.md');
writeFileSync(reportFile, markdown);
writeFileSync(
  path.join(
    OUT_DIR,
    quick ? 'results-quick.json' : partial ? 'results-partial.json' : 'results.json',
  ),
  JSON.stringify({ ...input, collected }, null, 2),
);

console.log(summaryTable(scenarios));
for (const text of ownTables) console.log(`\n${text}`);
console.log('');
const checked = targets(scenarios);
for (const t of checked)
  console.log(`${t.met ? 'met    ' : 'NOT MET'}  ${t.scenario} ${t.text}: ${t.measured}`);
console.log(`\nReport: ${path.relative(ROOT, reportFile)} (${input.durationS.toFixed(0)} s)`);
if (strict && checked.some((t) => !t.met)) process.exitCode = 1;
