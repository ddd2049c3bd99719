import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_DEFAULTS } from '../../bench/lib/bundle.js';
import { parseResult } from '../../bench/lib/protocol.js';

/**
 * A guard for bench S4 in CI (the bench itself is not run there): the bytes one retry keeps alive
 * while it waits in its delay, for tenacious and for the minimal hand-written loop, each in its
 * own `--expose-gc` process running the bench's own scenario. Heap readings after full GCs are
 * stable to about 1 %, so the bound leaves room for noise but not for a regression such as a
 * wider async frame in the loop (31 registers instead of 19 read about 1.17x).
 */
const ROOT = path.resolve(import.meta.dirname, '..', '..');
// Inside the project, so that the peers the scenario imports resolve from node_modules.
const OUT = path.join(ROOT, '.tmp', 'test-bench', 's4-memory.mjs');

interface S4Result {
  rows: { id: string; metrics: { bytesPerPending: number; timers: number } }[];
}

function bytesPerPending(row: string): number {
  const child = spawnSync(process.execPath, ['--expose-gc', OUT, `--row=${row}`], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const result = parseResult<S4Result>(child.stdout ?? '');
  if (child.status !== 0 || result === undefined) {
    throw new Error(`S4 ${row} exited with ${child.status}: ${child.stderr}`);
  }
  return result.rows[0]!.metrics.bytesPerPending;
}

describe('memory per retry waiting in its delay (bench S4)', () => {
  beforeAll(async () => {
    mkdirSync(path.dirname(OUT), { recursive: true });
    await build({
      ...BUNDLE_DEFAULTS,
      entryPoints: [path.join(ROOT, 'bench', 'scenarios', 's4-memory.ts')],
      outfile: OUT,
      packages: 'external',
    });
  }, 60_000);

  it('is within 1.1x of the minimal loop', () => {
    const floor = Math.min(bytesPerPending('floor'), bytesPerPending('floor'));
    const tenacious = Math.min(bytesPerPending('tenacious'), bytesPerPending('tenacious'));
    console.log(
      `S4: tenacious ${tenacious.toFixed(0)} B, minimal loop ${floor.toFixed(0)} B per waiting retry (${(tenacious / floor).toFixed(2)}x)`,
    );
    expect(tenacious / floor).toBeLessThanOrEqual(1.1);
  });
});
