import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build, type Options } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import config from '../../tsup.config.js';

const run = promisify(execFile);
let dir: string;

/**
 * prom-client is loaded with `createRequire(import.meta.url)`: the ESM build has a real
 * `import.meta.url`, the CommonJS build gets tsup's substitute. Both are built here with the
 * package's own tsup config (no type declarations) and used from one fresh process with one
 * prom-client registry.
 */
beforeAll(async () => {
  await mkdir('.tmp', { recursive: true });
  dir = await mkdtemp(join(process.cwd(), '.tmp', 'prom-'));
  await build({
    ...(config as Options),
    entry: { index: 'src/index.ts', metrics: 'src/metrics/index.ts' },
    outDir: dir,
    dts: false,
    silent: true,
    config: false,
  });
  await writeFile(
    join(dir, 'main.mjs'),
    `
import { createRequire } from 'node:module';
import { Registry } from 'prom-client';
import * as esm from './metrics.js';
import * as esmCore from './index.js';
const require = createRequire(import.meta.url);
const cjs = require('./metrics.cjs');
const cjsCore = require('./index.cjs');
const clock = { now: () => 0, sleep: async () => {} };
const fail = async () => { throw new Error('x'); };

const registry = new Registry();
const fromEsm = esm.retryMetrics({ registry });
const fromCjs = cjs.retryMetrics({ registry });
await esmCore.retry(fail, { operation: 'from-esm', maxAttempts: 2, clock }).catch(() => {});
await cjsCore.retry(fail, { operation: 'from-cjs', maxAttempts: 2, clock }).catch(() => {});
// A registry only the CommonJS build registers on: it loads prom-client itself.
const cjsOnly = new Registry();
const cjsAlone = cjs.retryMetrics({ registry: cjsOnly, prefix: 'cjs_' });
await cjsCore.retry(fail, { operation: 'from-cjs', maxAttempts: 2, clock }).catch(() => {});
const retries = async (r) => (await r.metrics()).split('\\n').filter((l) => /^\\w*retries_total/.test(l));
const shared = await retries(registry);
const alone = await retries(cjsOnly);
fromEsm.stop();
fromCjs.stop();
cjsAlone.stop();
console.log(JSON.stringify({
  shared,
  alone,
  left: registry.getMetricsAsArray().length + cjsOnly.getMetricsAsArray().length,
}));
`,
  );
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('retryMetrics({ registry }) in the published builds', () => {
  it('loads prom-client from the ESM and the CommonJS build, and shares one set per registry', async () => {
    const { stdout } = await run(process.execPath, [join(dir, 'main.mjs')], { cwd: process.cwd() });

    expect(JSON.parse(stdout)).toEqual({
      shared: ['retries_total{operation="from-esm"} 1', 'retries_total{operation="from-cjs"} 2'],
      alone: ['cjs_retries_total{operation="from-cjs"} 1'],
      left: 0,
    });
  });
});
