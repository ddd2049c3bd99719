import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
let dir: string;

/**
 * The ESM and the CommonJS build of the package are two separate module instances; the event
 * hub must still be one. Both formats are bundled from source here (as tsup does for the
 * package) and loaded into one fresh process.
 */
beforeAll(async () => {
  // Inside the project so that the external packages (p-retry, zod) resolve from node_modules.
  await mkdir('.tmp', { recursive: true });
  dir = await mkdtemp(join(process.cwd(), '.tmp', 'hub-'));
  const common = {
    entryPoints: ['src/index.ts'],
    bundle: true,
    platform: 'node' as const,
    logLevel: 'silent' as const,
  };
  await build({ ...common, format: 'esm', outfile: join(dir, 'copy.mjs'), packages: 'external' });
  await build({ ...common, format: 'cjs', outfile: join(dir, 'copy.cjs') });
  await writeFile(
    join(dir, 'main.mjs'),
    `
import { createRequire } from 'node:module';
import * as esm from './copy.mjs';
const cjs = createRequire(import.meta.url)('./copy.cjs');
const heard = [];
const stop = esm.onExhausted((e) => heard.push('esm heard ' + e.operation));
cjs.onRetry((e) => heard.push('cjs heard retry of ' + e.operation));
const clock = { now: () => 0, sleep: async () => {} };
await cjs.retry(async () => { throw new Error('x'); }, { operation: 'from-cjs', maxAttempts: 2, clock }).catch(() => {});
await esm.retry(async () => { throw new Error('x'); }, { operation: 'from-esm', maxAttempts: 2, clock }).catch(() => {});
stop();
await cjs.retry(async () => { throw new Error('x'); }, { operation: 'after-stop', maxAttempts: 1, clock }).catch(() => {});
console.log(JSON.stringify({ heard, sameClass: esm.RetryExhaustedError === cjs.RetryExhaustedError }));
`,
  );
}, 30_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('process-wide events', () => {
  it('are shared by the ESM and the CommonJS copy loaded in one process', async () => {
    const { stdout } = await run(process.execPath, [join(dir, 'main.mjs')], { cwd: process.cwd() });
    const result = JSON.parse(stdout) as { heard: string[]; sameClass: boolean };
    expect(result.sameClass).toBe(false); // two real copies
    expect(result.heard).toEqual([
      'cjs heard retry of from-cjs',
      'esm heard from-cjs',
      'cjs heard retry of from-esm',
      'esm heard from-esm',
    ]);
  });
});
