import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build, type Options } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import config from '../../tsup.config.js';

const run = promisify(execFile);
let dir: string;

/**
 * The published builds, made with the package's own tsup config (no type declarations): only
 * `tenacious/otel` may load `@opentelemetry/api`, and its ESM copy must instrument the runs of
 * the CommonJS copy, since both share one hub.
 */
beforeAll(async () => {
  await mkdir('.tmp', { recursive: true });
  dir = await mkdtemp(join(process.cwd(), '.tmp', 'otel-'));
  await build({
    ...(config as Options),
    entry: {
      index: 'src/index.ts',
      metrics: 'src/metrics/index.ts',
      alerts: 'src/alerts/index.ts',
      otel: 'src/otel/index.ts',
    },
    outDir: dir,
    dts: false,
    silent: true,
    config: false,
  });
  await writeFile(
    join(dir, 'main.mjs'),
    `
import { createRequire } from 'node:module';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { instrument } from './otel.js';
const cjs = createRequire(import.meta.url)('./index.cjs');
const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const stop = instrument({ tracerProvider });
const clock = { now: () => 0, sleep: async () => {} };
let calls = 0;
await cjs.retry(() => { if (++calls < 2) throw new Error('503'); return 'ok'; }, { operation: 'from-cjs', clock });
stop();
await cjs.retry(() => 'ok', { operation: 'after-stop', clock });
console.log(JSON.stringify(exporter.getFinishedSpans().map((s) => [s.name, s.events.length])));
`,
  );
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tenacious/otel in the published builds', () => {
  it('is the only entry that loads @opentelemetry/api', async () => {
    const files = (await readdir(dir)).filter((f) => /\.(c?js)$/.test(f));
    const loading: string[] = [];
    for (const file of files) {
      if ((await readFile(join(dir, file), 'utf8')).includes('@opentelemetry/api')) {
        loading.push(file);
      }
    }
    expect(loading.sort()).toEqual(['otel.cjs', 'otel.js']);
  });

  it('instruments the runs of the other copy of the package (ESM instrument, CommonJS retry)', async () => {
    const { stdout } = await run(process.execPath, [join(dir, 'main.mjs')], { cwd: process.cwd() });

    expect(JSON.parse(stdout)).toEqual([['retry from-cjs', 1]]);
  });
});
