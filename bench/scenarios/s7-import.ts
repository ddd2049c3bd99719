/**
 * S7: the cost of importing the root entry. Each row is loaded by `import()` in fresh Node
 * processes (rows alternate, so a slow spell of the machine hits all of them), and the time from
 * before the `import()` to its settlement is taken inside the child. tenacious's root entry is
 * bundled from src/ the way tsup builds `dist/index.js` (npm packages external, loaded from
 * node_modules as published); the peers are their published packages.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { median } from '../lib/stats.js';
import { emitResult, parseChildArgs } from '../lib/protocol.js';

const root = process.cwd();
const { quick } = parseChildArgs();
const out = path.join(root, '.tmp', 'bench', 's7-tenacious-root.mjs');
mkdirSync(path.dirname(out), { recursive: true });
await build({
  entryPoints: [path.join(root, 'src', 'index.ts')],
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  outfile: out,
});

const ROWS = [
  {
    id: 'tenacious',
    specifier: pathToFileURL(out).href,
    config: '`import("tenacious")` (src/index.ts bundled as dist/index.js)',
  },
  { id: 'p-retry', specifier: 'p-retry', config: '`import("p-retry")`' },
  { id: 'cockatiel', specifier: 'cockatiel', config: '`import("cockatiel")`' },
  {
    id: 'exponential-backoff',
    specifier: 'exponential-backoff',
    config: '`import("exponential-backoff")`',
  },
  { id: 'async-retry', specifier: 'async-retry', config: '`import("async-retry")`' },
] as const;

/** Milliseconds one fresh process takes to import `specifier`. */
function importMs(specifier: string): number {
  const code = `const t = performance.now(); await import(${JSON.stringify(specifier)}); process.stdout.write(String(performance.now() - t));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: root,
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`import(${specifier}) failed: ${child.stderr}`);
  return Number(child.stdout);
}

const samples = new Map<string, number[]>(ROWS.map((r) => [r.id, []]));
const rounds = quick ? 5 : 15;
for (let i = 0; i < rounds; i++) {
  for (const row of ROWS) samples.get(row.id)!.push(importMs(row.specifier));
}
emitResult({
  scenario: 's7',
  rows: ROWS.map((row) => ({
    id: row.id,
    config: row.config,
    metrics: { importMs: median(samples.get(row.id)!) },
  })),
});
