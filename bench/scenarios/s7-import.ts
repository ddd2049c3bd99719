/**
 * S7: the cost of importing the root entry of the package as installed. `npm run build` and
 * `npm pack`, then the tarball is installed into a temporary consumer project beside p-retry and
 * the other peers (from npm's cache or this repository's node_modules: no network), and each row
 * is `import()`ed there in fresh Node processes, the time taken inside the child from before the
 * `import()` to its settlement. Rows alternate and their order flips every round, so a slow spell
 * of the machine hits all of them; tenacious ÷ p-retry is the median of the ratios of the pairs
 * measured side by side. The files and bytes the root import loads are recorded by a loader hook.
 *
 *   npx tsx bench/scenarios/s7-import.ts [--quick]    prints the ratio and the root's files
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildAndPack, importGraph, installConsumer } from '../lib/consumer.js';
import { emitResult, parseChildArgs } from '../lib/protocol.js';
import { median } from '../lib/stats.js';

const root = process.cwd();
const { quick } = parseChildArgs();

const ROWS = [
  { id: 'tenacious', config: '`import("tenacious")` from the installed tarball' },
  { id: 'p-retry', config: '`import("p-retry")`' },
  { id: 'cockatiel', config: '`import("cockatiel")`' },
  { id: 'exponential-backoff', config: '`import("exponential-backoff")`' },
  { id: 'async-retry', config: '`import("async-retry")`' },
] as const;

/** Milliseconds one fresh process in `dir` takes to import `specifier`. */
function importMs(dir: string, specifier: string): number {
  const code = `const t = performance.now(); await import(${JSON.stringify(specifier)}); process.stdout.write(String(performance.now() - t));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: dir,
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`import(${specifier}) failed: ${child.stderr}`);
  return Number(child.stdout);
}

const work = mkdtempSync(path.join(os.tmpdir(), 'tenacious-s7-'));
try {
  const tarball = buildAndPack(root, work);
  const consumer = path.join(work, 'consumer');
  installConsumer(
    root,
    consumer,
    tarball,
    ROWS.map((r) => r.id).filter((id) => id !== 'tenacious'),
  );

  const graph = importGraph(consumer, 'tenacious');
  const own = graph.filter(([file]) => file.startsWith(path.join('node_modules', 'tenacious')));
  const bytes = (rows: [string, number][]) => rows.reduce((sum, [, b]) => sum + b, 0);

  const samples = new Map<string, number[]>(ROWS.map((r) => [r.id, []]));
  const pairRatios: number[] = [];
  const rounds = quick ? 7 : 21;
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? ROWS : [...ROWS].reverse();
    const round = new Map<string, number>();
    for (const row of order) round.set(row.id, importMs(consumer, row.id));
    for (const [id, ms] of round) samples.get(id)!.push(ms);
    pairRatios.push(round.get('tenacious')! / round.get('p-retry')!);
  }

  const ratio = median(pairRatios);
  process.stderr.write(
    `S7: import('tenacious') ${median(samples.get('tenacious')!).toFixed(2)} ms, ` +
      `import('p-retry') ${median(samples.get('p-retry')!).toFixed(2)} ms: ` +
      `${ratio.toFixed(2)}x (median of ${rounds} paired runs)\n` +
      `the root import loads ${graph.length} files, ${bytes(graph)} bytes; ` +
      `${own.length} of tenacious, ${bytes(own)} bytes:\n` +
      graph.map(([file, b]) => `  ${String(b).padStart(7)}  ${file}\n`).join(''),
  );
  emitResult({
    scenario: 's7',
    rows: ROWS.map((row) => ({
      id: row.id,
      config: row.config,
      metrics: {
        importMs: median(samples.get(row.id)!),
        ...(row.id === 'tenacious'
          ? {
              pairedRatio: ratio,
              files: graph.length,
              bytes: bytes(graph),
              ownFiles: own.length,
              ownBytes: bytes(own),
            }
          : {}),
      },
    })),
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}
