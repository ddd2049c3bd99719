import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MATRIX_CLIENTS } from './clients.js';
import { matrixTable, runMatrix, type CellResult } from './matrix.js';
import { startVenue, type Venue } from './venue.js';

const TABLE_FILE = fileURLToPath(new URL('../../docs/safety-matrix.md', import.meta.url));

let venue: Venue;
let results: CellResult[] = [];
let table = '';

/** The table as the repository's Prettier settings print it (`npm run lint` checks docs/ too). */
async function formatted(markdown: string): Promise<string> {
  const config = (await resolveConfig(TABLE_FILE)) ?? {};
  return format(markdown, { ...config, parser: 'markdown' });
}

beforeAll(async () => {
  venue = await startVenue();
  results = await runMatrix(venue);
  table = await formatted(matrixTable(results));
  if (process.env.WRITE_SAFETY_MATRIX === '1') writeFileSync(TABLE_FILE, table);
  if (process.env.SAFETY_MATRIX_TIMES === '1') {
    const by = new Map<string, number>();
    for (const r of results)
      by.set(`${r.client}/${r.failure}`, (by.get(`${r.client}/${r.failure}`) ?? 0) + r.wallMs);
    console.log([...by].sort((a, b) => b[1] - a[1]).slice(0, 25));
  }
}, 120_000);

afterAll(async () => {
  await venue?.close();
});

const describeFailures = (cells: readonly CellResult[]) =>
  cells
    .map(
      (c) =>
        `${c.client} / ${c.failure} / ${c.config} / reconcile ${c.mode}: ${c.problems.join('; ')} (verdicts ${c.verdicts.map((v) => (v === undefined ? 'none' : `${v.action} ${v.reason}`)).join(', ')}; ended ${c.ended})`,
    )
    .join('\n');

describe('the unknown-outcome safety matrix', () => {
  it.each(MATRIX_CLIENTS.map((c) => [c.name]))(
    '%s: never executes an order twice blindly, reconciles and reports every unknown outcome',
    (name) => {
      const cells = results.filter((r) => r.client === name);
      expect(cells.length).toBeGreaterThan(0);
      const broken = cells.filter((c) => c.problems.length > 0);
      expect(describeFailures(broken)).toBe('');
    },
  );

  it('matches the committed table in docs/safety-matrix.md', () => {
    expect(readFileSync(TABLE_FILE, 'utf8')).toBe(table);
  });
});
