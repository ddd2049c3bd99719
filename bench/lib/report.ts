/** Renders the aggregated results as markdown (bench/RESULTS.md) and checks the targets. */
import { LABELS, PEER_IDS, ROW_IDS, type RowId } from './contenders.js';
import { difference, find, ratio, ratioSpread, stat, type Aggregated } from './aggregate.js';
import type { Machine } from './machine.js';
import type { Spread } from './stats.js';

export interface ReportInput {
  readonly machine: Machine;
  readonly loadAfter: readonly number[];
  readonly versions: Readonly<Record<string, string>>;
  readonly quick: boolean;
  readonly runs: Readonly<Record<string, number>>;
  readonly durationS: number;
  readonly scenarios: Readonly<Record<string, Aggregated | undefined>>;
}

export interface Target {
  readonly scenario: string;
  readonly text: string;
  readonly measured: string;
  readonly met: boolean;
}

/** S5's cap: the Logging contract won over the first 5 KiB target, and the bundle may not grow past this. */
const S5_LIMIT_BYTES = 12.5 * 1024;

export function formatNs(ns: number): string {
  if (!Number.isFinite(ns)) return 'n/a';
  if (ns < 1_000) return `${ns.toFixed(0)} ns`;
  if (ns < 1_000_000) return `${(ns / 1_000).toFixed(ns < 10_000 ? 2 : 1)} µs`;
  return `${(ns / 1_000_000).toFixed(2)} ms`;
}
const formatMs = (ms: number) => (Number.isFinite(ms) ? `${ms.toFixed(2)} ms` : 'n/a');
const formatBytes = (b: number) => (Number.isFinite(b) ? `${b.toFixed(0)} B` : 'n/a');
const formatKiB = (b: number) => (Number.isFinite(b) ? `${(b / 1024).toFixed(2)} KiB` : 'n/a');
export const formatRatio = (r: number) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : 'n/a');
const range = (s: Spread, f: (n: number) => string) =>
  s.n === 0 ? 'n/a' : s.n === 1 ? f(s.median) : `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
const signedMs = (ms: number) =>
  Number.isFinite(ms) ? `${ms >= 0 ? '+' : ''}${ms.toFixed(2)} ms` : 'n/a';

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

const present = (agg: Aggregated, ids: readonly string[] = ROW_IDS, group?: string) =>
  ids.filter((id) => find(agg, id, group) !== undefined);

/** S1/S2: ns per call with mean, p50, p99, CPU, ratios. */
function microSection(agg: Aggregated): string {
  const rows = present(agg).map((id) => {
    const r = find(agg, id)!;
    return [
      LABELS[id as RowId],
      range(stat(agg, id, 'meanNs'), formatNs),
      formatNs(stat(agg, id, 'p50Ns').median),
      formatNs(stat(agg, id, 'p99Ns').median),
      formatNs(stat(agg, id, 'cpuNs').median),
      formatRatio(ratio(agg, id, 'floor', 'meanNs')),
      formatRatio(ratio(agg, id, 'floor', 'cpuNs')),
      id === 'tenacious'
        ? '—'
        : `${formatRatio(ratio(agg, 'tenacious', id, 'meanNs'))} / ${formatRatio(ratio(agg, 'tenacious', id, 'cpuNs'))}`,
      r.config,
    ];
  });
  return table(
    [
      'row',
      'mean per call, median (min–max)',
      'p50',
      'p99',
      'CPU per call',
      'mean ÷ floor',
      'CPU ÷ floor',
      'tenacious ÷ row (mean / CPU)',
      'configuration',
    ],
    rows,
  );
}

function s3Section(agg: Aggregated): string {
  const rows = present(agg).map((id) => [
    LABELS[id as RowId],
    range(stat(agg, id, 'p50Ms'), formatMs),
    range(stat(agg, id, 'p99Ms'), formatMs),
    range(stat(agg, id, 'maxMs'), formatMs),
    formatMs(stat(agg, id, 'minMs').median),
    formatNs(stat(agg, id, 'cpuUsPerCall').median * 1000),
    id === 'floor' ? '—' : signedMs(difference(agg, id, 'floor', 'p99Ms')),
    find(agg, id)!.config,
  ]);
  return table(
    [
      'row',
      'p50 overshoot',
      'p99 overshoot',
      'max overshoot',
      'min (early fire)',
      'process CPU per call (round, incl. timers and GC)',
      'p99 − floor p99',
      'configuration',
    ],
    rows,
  );
}

function s4Section(agg: Aggregated): string {
  const rows = present(agg).map((id) => [
    LABELS[id as RowId],
    range(stat(agg, id, 'bytesPerPending'), formatBytes),
    formatRatio(ratio(agg, id, 'floor', 'bytesPerPending')),
    id === 'tenacious' ? '—' : formatRatio(ratio(agg, 'tenacious', id, 'bytesPerPending')),
    formatMs(stat(agg, id, 'readyMs').median),
    find(agg, id)!.config,
  ]);
  return table(
    [
      'row',
      'heap bytes per pending retry',
      '÷ floor',
      'tenacious ÷ row',
      'time to start 20,000 calls',
      'configuration',
    ],
    rows,
  );
}

const S5_IDS = [
  'floor',
  'tenacious',
  'tenacious-no-redaction',
  'tenacious-all',
  'p-retry',
  'cockatiel',
  'exponential-backoff',
  'async-retry',
];

function s5Section(agg: Aggregated): string {
  const rows = present(agg, S5_IDS).map((id) => {
    const r = find(agg, id)!;
    const deps = (r.extra.dependencies as string[] | undefined) ?? [];
    return [
      (S5_LABELS[id] ?? LABELS[id as RowId]) || id,
      `${deps.length}${deps.length > 0 ? ` (${deps.join(', ')})` : ''}`,
      formatBytes(stat(agg, id, 'minifiedBytes').median),
      `${formatBytes(stat(agg, id, 'gzipBytes').median)} (${formatKiB(stat(agg, id, 'gzipBytes').median)})`,
      r.config,
    ];
  });
  const extra = find(agg, 'tenacious')?.extra ?? {};
  const byConcept = (extra.byConcept as Record<string, number> | undefined) ?? {};
  const bySource = (extra.bySource as Record<string, number> | undefined) ?? {};
  const total = Object.values(byConcept).reduce((a, b) => a + b, 0);
  const concepts = Object.entries(byConcept)
    .sort((a, b) => b[1] - a[1])
    .map(([name, bytes]) => [name, formatBytes(bytes), `${Math.round((bytes / total) * 100)} %`]);
  const sources = Object.entries(bySource)
    .sort((a, b) => b[1] - a[1])
    .map(([name, bytes]) => `${name} ${bytes} B`)
    .join(', ');
  return [
    table(
      [
        'row',
        'runtime dependencies (transitive)',
        'minified',
        'minified + gzip',
        'what is bundled',
      ],
      rows,
    ),
    'Where the minified bytes of the tenacious core bundle come from, by what they are for:',
    table(['part', 'minified', 'share'], concepts),
    `By file: ${sources}.`,
  ].join('\n\n');
}

const S5_LABELS: Readonly<Record<string, string>> = {
  'tenacious-all': 'tenacious (whole root entry)',
  'tenacious-no-redaction': 'tenacious without redaction (counterfactual)',
};

function s6Section(agg: Aggregated): string {
  const groups = [
    ...new Set(agg.rows.map((r) => r.group).filter((g): g is string => g !== undefined)),
  ];
  return groups
    .map((group) => {
      const rows = agg.rows
        .filter((r) => r.group === group)
        .map((r) => [
          `\`${r.id}\``,
          range(stat(agg, r.id, 'meanNs', group), formatNs),
          formatNs(stat(agg, r.id, 'p50Ns', group).median),
          formatNs(stat(agg, r.id, 'p99Ns', group).median),
          formatNs(stat(agg, r.id, 'cpuNs', group).median),
          formatRatio(ratio(agg, r.id, 'retry', 'meanNs', group)),
          formatRatio(ratio(agg, r.id, 'retry', 'cpuNs', group)),
          r.config,
        ]);
      return `#### ${group}\n\n${table(['path', 'mean per call, median (min–max)', 'p50', 'p99', 'CPU per call', 'mean ÷ `retry`', 'CPU ÷ `retry`', 'configuration'], rows)}`;
    })
    .join('\n\n');
}

/** A paired ratio with its range over runs: `1.56× (runs 1.36–2.08×)`. */
function ratioText(agg: Aggregated, a: string, b: string, metric: string): string {
  const r = ratioSpread(agg, a, b, metric);
  return r.n > 1
    ? `${formatRatio(r.median)} (runs ${r.min.toFixed(2)}–${formatRatio(r.max)})`
    : formatRatio(r.median);
}

/** Evaluates the issue's targets on the measured ratios (the median over runs decides). */
export function targets(s: ReportInput['scenarios']): Target[] {
  const out: Target[] = [];
  const versusPeers = (agg: Aggregated, metric: string) => {
    const peers = PEER_IDS.filter((id) => find(agg, id) !== undefined);
    return {
      met: peers.every((id) => ratio(agg, 'tenacious', id, metric) < 1),
      text: `tenacious ÷ peer: ${peers.map((id) => `${id} ${ratioText(agg, 'tenacious', id, metric)}`).join(', ')}`,
    };
  };
  if (s.s1) {
    const peers = versusPeers(s.s1, 'meanNs');
    // The owners measure S1 against the floor the contract allows: the minimal loop plus the one
    // clock read that `maxElapsedMs` needs (the `floor-timed` row).
    const timed = find(s.s1, 'floor-timed') !== undefined;
    const base = timed ? 'floor-timed' : 'floor';
    out.push({
      scenario: 'S1',
      text: timed
        ? 'first-attempt success: mean within 1.3× of the floor the contract allows (the minimal loop + one clock read)'
        : 'first-attempt success: mean within 1.3× of the minimal loop',
      measured:
        `${ratioText(s.s1, 'tenacious', base, 'meanNs')}; p50: ${formatRatio(ratio(s.s1, 'tenacious', base, 'p50Ns'))}` +
        (timed
          ? `. Against the minimal loop alone: ${ratioText(s.s1, 'tenacious', 'floor', 'meanNs')}, of which the clock read costs ${ratioText(s.s1, 'floor-timed', 'floor', 'meanNs')} by itself`
          : ''),
      met: ratio(s.s1, 'tenacious', base, 'meanNs') <= 1.3,
    });
    out.push({
      scenario: 'S1',
      text: 'first-attempt success: mean below cockatiel',
      measured: peers.text,
      met: ratio(s.s1, 'tenacious', 'cockatiel', 'meanNs') < 1,
    });
  }
  if (s.s2) {
    const peers = versusPeers(s.s2, 'cpuNs');
    out.push({
      scenario: 'S2',
      text: 'three failures, zero delay: CPU per call within 1.5× of the minimal loop',
      measured: `${ratioText(s.s2, 'tenacious', 'floor', 'cpuNs')}; wall mean: ${formatRatio(ratio(s.s2, 'tenacious', 'floor', 'meanNs'))}`,
      met: ratio(s.s2, 'tenacious', 'floor', 'cpuNs') <= 1.5,
    });
    out.push({
      scenario: 'S2',
      text: 'three failures, zero delay: CPU per call below every peer',
      measured: peers.text,
      met: peers.met,
    });
  }
  if (s.s3) {
    const diff = difference(s.s3, 'tenacious', 'floor', 'p99Ms');
    out.push({
      scenario: 'S3',
      text: "2,000 × 50 ms: p99 overshoot no worse than the minimal loop's + 5 ms",
      measured: `${signedMs(diff)} vs the floor`,
      met: diff <= 5,
    });
    const peers = PEER_IDS.filter((id) => find(s.s3!, id) !== undefined);
    out.push({
      scenario: 'S3',
      text: '2,000 × 50 ms: p99 overshoot below every peer',
      measured: peers
        .map((id) => `${id} ${signedMs(difference(s.s3!, 'tenacious', id, 'p99Ms'))}`)
        .join(', '),
      met: peers.every((id) => difference(s.s3!, 'tenacious', id, 'p99Ms') < 0),
    });
  }
  if (s.s4) {
    const peers = versusPeers(s.s4, 'bytesPerPending');
    out.push({
      scenario: 'S4',
      text: 'bytes per pending retry within 1.2× of the minimal loop',
      measured: ratioText(s.s4, 'tenacious', 'floor', 'bytesPerPending'),
      met: ratio(s.s4, 'tenacious', 'floor', 'bytesPerPending') <= 1.2,
    });
    out.push({
      scenario: 'S4',
      text: 'bytes per pending retry below every peer',
      measured: peers.text,
      met: peers.met,
    });
  }
  if (s.s5) {
    const gz = stat(s.s5, 'tenacious', 'gzipBytes').median;
    out.push({
      scenario: 'S5',
      text: 'core bundle (retry, exponential, jitter, cap) ≤ 12.5 KiB min+gzip',
      measured:
        `${formatKiB(gz)} = ${formatRatio(gz / S5_LIMIT_BYTES)} the limit` +
        (find(s.s5, 'tenacious-no-redaction') === undefined
          ? ''
          : `. Redaction and compact error printing, which API.md's Logging section requires of every error tenacious throws and every line it logs, take ${formatKiB(gz - stat(s.s5, 'tenacious-no-redaction', 'gzipBytes').median)} of it: without them the bundle is ${formatKiB(stat(s.s5, 'tenacious-no-redaction', 'gzipBytes').median)} (see S5 for the rest by part)`),
      met: gz <= S5_LIMIT_BYTES,
    });
  }
  if (s.s7) {
    out.push({
      scenario: 'S7',
      text: "`import('tenacious')` in a fresh process within 1.5× of `import('p-retry')`",
      // The median of the ratios of the pairs measured side by side, from the installed tarball.
      measured: `${formatRatio(stat(s.s7, 'tenacious', 'pairedRatio').median)} (${formatMs(stat(s.s7, 'tenacious', 'importMs').median)} vs ${formatMs(stat(s.s7, 'p-retry', 'importMs').median)}; the root import loads ${stat(s.s7, 'tenacious', 'ownFiles').median} file of tenacious, ${formatKiB(stat(s.s7, 'tenacious', 'ownBytes').median)})`,
      met: stat(s.s7, 'tenacious', 'pairedRatio').median <= 1.5,
    });
  }
  return out;
}

/** The table the README gets: tenacious against the floor and each peer, as ratios. */
export function summaryTable(s: ReportInput['scenarios']): string {
  const columns: string[] = ['floor', ...PEER_IDS];
  const rows: string[][] = [];
  const add = (label: string, cells: string[]) => rows.push([label, ...cells]);
  if (s.s1)
    add(
      'S1 first-attempt success, mean ns/call',
      columns.map((id) => formatRatio(ratio(s.s1!, 'tenacious', id, 'meanNs'))),
    );
  if (s.s2) {
    add(
      'S2 3 failures, zero delay, CPU ns/call',
      columns.map((id) => formatRatio(ratio(s.s2!, 'tenacious', id, 'cpuNs'))),
    );
    add(
      'S2 3 failures, zero delay, wall ns/call',
      columns.map((id) => formatRatio(ratio(s.s2!, 'tenacious', id, 'meanNs'))),
    );
  }
  if (s.s3)
    add(
      'S3 p99 timer overshoot (difference)',
      columns.map((id) => signedMs(difference(s.s3!, 'tenacious', id, 'p99Ms'))),
    );
  if (s.s4)
    add(
      'S4 heap bytes per pending retry',
      columns.map((id) => formatRatio(ratio(s.s4!, 'tenacious', id, 'bytesPerPending'))),
    );
  if (s.s5) {
    const gz = (id: string) => stat(s.s5!, id, 'gzipBytes').median;
    add(
      'S5 minified + gzip bundle',
      columns.map((id) =>
        id === 'p-retry-full' ? '(same as p-retry)' : formatRatio(gz('tenacious') / gz(id)),
      ),
    );
  }
  if (s.s7)
    add(
      'S7 `import()` of the root entry, fresh process',
      columns.map((id) =>
        id === 'floor' || id === 'p-retry-full'
          ? 'n/a'
          : formatRatio(ratio(s.s7!, 'tenacious', id, 'importMs')),
      ),
    );
  return table(['tenacious ÷ …', ...columns.map((id) => LABELS[id as RowId])], rows);
}

/** Absolute medians per library, for the README next to the ratios. */
export function absoluteTable(s: ReportInput['scenarios']): string {
  const columns: string[] = ['floor', 'tenacious', ...PEER_IDS];
  const rows: string[][] = [];
  const cell = (
    agg: Aggregated | undefined,
    id: string,
    metric: string,
    f: (n: number) => string,
  ) => (agg && find(agg, id) ? f(stat(agg, id, metric).median) : 'n/a');
  if (s.s1)
    rows.push(['S1 mean per call', ...columns.map((id) => cell(s.s1, id, 'meanNs', formatNs))]);
  if (s.s2)
    rows.push(['S2 CPU per call', ...columns.map((id) => cell(s.s2, id, 'cpuNs', formatNs))]);
  if (s.s2)
    rows.push(['S2 wall per call', ...columns.map((id) => cell(s.s2, id, 'meanNs', formatNs))]);
  if (s.s3)
    rows.push(['S3 p99 overshoot', ...columns.map((id) => cell(s.s3, id, 'p99Ms', formatMs))]);
  if (s.s4)
    rows.push([
      'S4 bytes per pending retry',
      ...columns.map((id) => cell(s.s4, id, 'bytesPerPending', formatBytes)),
    ]);
  if (s.s5) {
    rows.push([
      'S5 runtime deps / min+gzip',
      ...columns.map((id) => {
        const sid = id === 'p-retry-full' ? 'p-retry' : id;
        return (
          cell(s.s5, sid, 'dependencies', (n) => `${n}`) +
          ' / ' +
          cell(s.s5, sid, 'gzipBytes', formatKiB)
        );
      }),
    ]);
  }
  if (s.s7)
    rows.push([
      'S7 import of the root entry',
      ...columns.map((id) => cell(s.s7, id, 'importMs', formatMs)),
    ]);
  return table(['median', ...columns.map((id) => LABELS[id as RowId])], rows);
}

export function renderReport(input: ReportInput): string {
  const { machine: m, scenarios: s } = input;
  const t = targets(s);
  const out: string[] = [];
  out.push('# Benchmarks');
  out.push('');
  out.push(
    `Generated by \`npm run bench\`${input.quick ? ' -- --quick (CI mode: few runs, short budgets; not for publishing)' : ''} on ${m.date.slice(0, 10)} (${m.date}), in ${input.durationS.toFixed(0)} s.`,
  );
  out.push('');
  out.push(
    table(
      ['', ''],
      [
        ['Node', `${m.node} (V8 ${m.v8})`],
        ['OS', m.os],
        ['CPU', `${m.cpu}, ${m.cores} cores`],
        ['Memory', `${m.memoryGiB} GiB`],
        [
          'Load average (1, 5, 15 min) at start / end',
          `${m.loadAverage.join(', ')} / ${input.loadAfter.join(', ')}`,
        ],
        [
          'Libraries',
          Object.entries(input.versions)
            .map(([n, v]) => `${n} ${v}`)
            .join(', '),
        ],
        [
          'Process runs per scenario',
          Object.entries(input.runs)
            .map(([k, v]) => `${k.toUpperCase()} ${v}`)
            .join(', '),
        ],
      ],
    ),
  );
  out.push('');
  out.push('## Summary');
  out.push('');
  out.push(
    'tenacious divided by each row (below 1× means tenacious is cheaper); S3 is a difference in ms. Each ratio is taken inside one run (one process for S1, S2, S6; one round of per-row processes for S3, S4) and the median over runs is shown.',
  );
  out.push('');
  out.push(summaryTable(s));
  out.push('');
  out.push('Medians over process runs:');
  out.push('');
  out.push(absoluteTable(s));
  out.push('');
  out.push('### Targets');
  out.push('');
  out.push(
    table(
      ['scenario', 'target', 'measured', 'met'],
      t.map((x) => [x.scenario, x.text, x.measured, x.met ? 'yes' : '**no**']),
    ),
  );
  out.push('');
  out.push('## Method');
  out.push('');
  out.push(METHOD);
  if (s.s1) out.push('', '## S1: success on the first attempt', '', microSection(s.s1));
  if (s.s2)
    out.push(
      '',
      '## S2: three failures, then success, zero delay',
      '',
      S2_NOTE,
      '',
      microSection(s.s2),
    );
  if (s.s3)
    out.push(
      '',
      '## S3: timer accuracy, 2,000 concurrent calls, one 50 ms delay each',
      '',
      S3_NOTE,
      '',
      s3Section(s.s3),
    );
  if (s.s4)
    out.push(
      '',
      '## S4: memory, 20,000 calls pending in a 1 s delay',
      '',
      S4_NOTE,
      '',
      s4Section(s.s4),
    );
  if (s.s5) out.push('', '## S5: footprint', '', S5_NOTE, '', s5Section(s.s5));
  if (s.s6)
    out.push(
      '',
      '## S6: createRetry and @retryable against plain retry',
      '',
      S6_NOTE,
      '',
      s6Section(s.s6),
    );
  out.push('');
  return out.join('\n');
}

const METHOD = `- Each scenario is a TypeScript file in \`bench/scenarios/\`, prebundled by esbuild (bundle, minify, ESM, node20) into \`.tmp/bench/*.mjs\`, so tenacious runs minified from its sources as users get it and nothing is transpiled at run time. npm packages (the peers, p-retry, zod, tinybench) stay external and load from node_modules as published.
- Every run of a scenario is a fresh \`node --expose-gc\` process (S3 and S4: one process per row, so no row inherits another's heap or timers); the order of the rows is rotated between runs, and runs of the scenarios are interleaved. Before timing, each process checks that every row makes exactly the attempts the scenario says (4 in S1/S2/S6 failures, 2 in S3/S4) and resolves the workload's value.
- Every row's options object or policy is built once, outside the measured loop. The workload is an \`async\` function; failures throw one shared \`Error\` instance, so building errors costs nothing in any row.
- S1, S2, S6 use tinybench 6. A sample is one batch of sequential awaited calls, sized after a warm-up to last about 0.2 ms, and is recorded as the batch's mean per call (\`overriddenDuration\`); "mean", "p50" and "p99" are tinybench's statistics over those samples. "CPU per call" is process CPU time (user + system, all threads, including GC) over tinybench's measured phase divided by the calls made in it: unlike wall time it is not inflated by the scheduler when other processes compete for the cores. Each task starts after a full GC.
- Tables give the median over process runs, with min–max where useful. Ratios are paired: computed inside each run, then the median is shown.
- The minimal loop (the floor) is \`for (attempt = 1; ; attempt++) { try { return await fn() } catch (e) { if (attempt >= attempts) throw e; if (delayMs > 0) await sleep(delayMs) } }\`.`;

const S2_NOTE =
  'A zero delay is not free everywhere, and rows are measured as the libraries behave: cockatiel (`ConstantBackoff(0)`) and exponential-backoff (`startingDelay: 0`) still call `setTimeout(0)` between attempts, which Node runs after at least 1 ms, and async-retry never waits less than 1 ms (node-retry uses `max(minTimeout, 1)`). Their wall time is therefore about three timer ticks per call, and the fair comparison is CPU per call. tenacious and p-retry skip the timer when the delay is 0.';

const S3_NOTE =
  "The delay a call actually gets runs from the moment its first attempt throws to the moment its second attempt starts; the overshoot is that minus 50 ms. It includes each library's work between the attempts and the time a call waits behind the other 1,999 expiring timers. Each row runs in its own process: three unmeasured rounds first (a failure path reaches optimised code only after a few thousand failures), then a measured round after a full GC. Node timers have millisecond granularity, so a few calls fire up to 1 ms early (negative minimum). The overshoot is wall time, so it also grows when other processes compete for the cores; the CPU per call (process CPU over the measured round divided by 2,000) is the work the calls queue behind, and is not inflated that way.";

const S4_NOTE =
  "One row per process (`node --expose-gc`). After a warm-up of the same code with a 1 ms delay, the heap is measured (`process.memoryUsage().heapUsed` after four full GCs) before 20,000 calls start and again once every call has failed once and is waiting in its 1 s delay (checked: 20,000 active timers, no second attempt yet). The difference divided by 20,000 is what one waiting retry keeps alive: the caller-facing promise, the library's async frames, closures and state, and the timer. All calls share one workload function and one error object.";

const S5_NOTE =
  "Runtime dependencies are the packages reachable through `dependencies` in each package.json (node_modules walked recursively). The bundle is esbuild (bundle, minify, ESM, platform node, `mainFields: module, main` so a peer's ESM build is used where it has one) of an entry that exports a retry function with exponential backoff, jitter and a cap, gzipped with zlib level 9. tenacious is bundled from `src/index.ts` with the four imports `retry, exponential, jitter, cap`; the peers have those features as options of one function (or a backoff class), so their entry imports that. 1 KiB = 1024 B.";

const S6_NOTE =
  'Same harness as S1/S2 (tinybench, batches, CPU time), tenacious only. Every decorated method body is the workload itself, so no row pays for an extra function the others skip. `retry-inline` passes a new options literal on each call, with the same values: it reuses one of the last plans built from those values. `retry-inline-fresh` passes a literal with a new `onRetry` arrow each call, so every call validates and plans its options again.';
