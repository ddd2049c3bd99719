/**
 * S5: footprint. Transitive runtime dependencies (each package's `dependencies`, followed
 * recursively through node_modules) and the minified + gzip size of a bundle that imports a
 * retry function with exponential backoff, jitter and a cap. tenacious exports those as four
 * functions; the peers build them into options of one function (or a backoff class), so their
 * entry imports that function. esbuild bundles everything, node builtins excepted, minified;
 * the size is the gzip (zlib level 9) of the output. Deterministic: run once.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import type { Plugin } from 'esbuild';
import { BUNDLE_DEFAULTS } from '../lib/bundle.js';
import { emitResult } from '../lib/protocol.js';

const root = process.cwd();
const src = (file: string) => JSON.stringify(path.join(root, file));

interface Entry {
  readonly id: string;
  /** The package whose dependencies are counted (`.` is this project). */
  readonly pkg: string | undefined;
  readonly code: string;
  readonly config: string;
  /** Extra esbuild plugins, run before the shared ones (the counterfactual's stub). */
  readonly plugins?: readonly Plugin[];
}

/** Swaps the redaction modules for `bench/lib/no-redaction.ts` (a measurement, never shipped). */
const withoutRedaction: Plugin = {
  name: 'without-redaction',
  setup(b) {
    b.onResolve(
      { filter: /(^|\/)(redact|text|safe-copy|client-errors|serialize|error-printing)\.js$/ },
      (args) =>
        args.importer.startsWith(path.join(root, 'src') + path.sep)
          ? { path: path.join(root, 'bench', 'lib', 'no-redaction.ts'), sideEffects: false }
          : undefined,
    );
  },
};

const CORE = `export { retry, exponential, jitter, cap } from ${src('src/index.ts')};`;

const ENTRIES: readonly Entry[] = [
  {
    id: 'floor',
    pkg: undefined,
    code: `export { minimalRetry } from ${src('bench/lib/floor.ts')};`,
    config: 'the minimal loop alone (constant delay only, no backoff helpers)',
  },
  {
    id: 'tenacious',
    pkg: '.',
    code: CORE,
    config:
      '`import { retry, exponential, jitter, cap } from "tenacious"` (src/index.ts, tree-shaken)',
  },
  {
    id: 'tenacious-no-redaction',
    pkg: '.',
    code: CORE,
    config:
      'the same, with the redaction modules of `src/core/redaction/` (all but `rules.ts` and `safe-read.ts`) replaced by pass-through stubs (a counterfactual for the report, not a build anyone gets)',
    plugins: [withoutRedaction],
  },
  {
    id: 'tenacious-all',
    pkg: '.',
    code: `export * from ${src('src/index.ts')};`,
    config: 'everything exported by the root entry (for reference, not a target)',
  },
  {
    id: 'p-retry',
    pkg: 'p-retry',
    code: `export { default as pRetry } from 'p-retry';`,
    config:
      '`import pRetry from "p-retry"` (exponential = `factor`, jitter = `randomize`, cap = `maxTimeout`)',
  },
  {
    id: 'cockatiel',
    pkg: 'cockatiel',
    code: `export { retry, handleAll, ExponentialBackoff } from 'cockatiel';`,
    config:
      '`import { retry, handleAll, ExponentialBackoff } from "cockatiel"` (jittered by its default generator, cap = `maxDelay`; ESM build)',
  },
  {
    id: 'exponential-backoff',
    pkg: 'exponential-backoff',
    code: `export { backOff } from 'exponential-backoff';`,
    config:
      '`import { backOff } from "exponential-backoff"` (`jitter: \'full\'`, cap = `maxDelay`; CommonJS only)',
  },
  {
    id: 'async-retry',
    pkg: 'async-retry',
    code: `export { default as retry } from 'async-retry';`,
    config:
      '`import retry from "async-retry"` (exponential `factor`, `randomize`, `maxTimeout`; CommonJS only)',
  },
];

function readJson(file: string): { dependencies?: Record<string, string> } {
  return JSON.parse(readFileSync(file, 'utf8')) as { dependencies?: Record<string, string> };
}

/** The directory of package `name` as Node would find it from `fromDir`. */
function packageDir(name: string, fromDir: string): string {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`cannot find ${name} from ${fromDir}`);
  }
}

/** Every package reachable through `dependencies`, by name@version. */
function transitiveDependencies(dir: string, seen = new Set<string>()): Set<string> {
  for (const name of Object.keys(readJson(path.join(dir, 'package.json')).dependencies ?? {})) {
    const depDir = packageDir(name, dir);
    const key = `${name}@${(JSON.parse(readFileSync(path.join(depDir, 'package.json'), 'utf8')) as { version: string }).version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    transitiveDependencies(depDir, seen);
  }
  return seen;
}

/** What each source file of the core bundle is for; a file not listed fails the scenario. */
const CONCEPTS: Readonly<Record<string, string>> = {
  'retry.ts': 'the attempt loop, events and logging',
  'event.ts': 'the attempt loop, events and logging',
  'hub.ts': 'the attempt loop, events and logging',
  'clock.ts': 'the attempt loop, events and logging',
  'attempt.ts': 'the attempt loop, events and logging',
  'run-state.ts': 'the attempt loop, events and logging',
  'publish.ts': 'the attempt loop, events and logging',
  'trace.ts': 'the attempt loop, events and logging',
  'unknown-outcome.ts': 'the attempt loop, events and logging',
  'judge.ts': 'the attempt loop, events and logging',
  'channels.ts': 'the attempt loop, events and logging',
  'hedge.ts': 'hedged attempts (the hedge option)',
  'hedged-attempt.ts': 'hedged attempts (the hedge option)',
  'latency.ts': 'hedged attempts (the hedge option)',
  'response-body.ts': 'the default classification (sent or not, network codes)',
  'brand.ts': 'error classes',
  'options.ts': 'option checks (messages that name the option and value)',
  'validate.ts': 'option checks (messages that name the option and value)',
  'classifier-factory.ts': 'option checks (messages that name the option and value)',
  'safe-read.ts': 'reading hostile values safely (getters that throw, proxies, cycles)',
  'lazy.ts': 'redaction and compact error printing (API.md Logging)',
  'classify.ts': 'the default classification (sent or not, network codes)',
  'connect-failure.ts': 'the default classification (sent or not, network codes)',
  'is-network-error': 'the default classification (sent or not, network codes)',
  'errors.ts': 'error classes',
  'circuit-open-error.ts': 'error classes',
  'config-error.ts': 'error classes',
  'backoff.ts': 'backoff, jitter, cap',
  'redact.ts': 'redaction and compact error printing (API.md Logging)',
  'rules.ts': 'redaction and compact error printing (API.md Logging)',
  'text.ts': 'redaction and compact error printing (API.md Logging)',
  'safe-copy.ts': 'redaction and compact error printing (API.md Logging)',
  'client-errors.ts': 'redaction and compact error printing (API.md Logging)',
  'serialize.ts': 'redaction and compact error printing (API.md Logging)',
  'error-printing.ts': 'redaction and compact error printing (API.md Logging)',
};

/** Which package (or `src` file) each output byte came from, and what it is for. */
function breakdown(inputs: Record<string, { bytesInOutput: number }>): {
  bySource: Record<string, number>;
  byConcept: Record<string, number>;
} {
  const bySource: Record<string, number> = {};
  const byConcept: Record<string, number> = {};
  for (const [file, { bytesInOutput }] of Object.entries(inputs)) {
    if (bytesInOutput === 0) continue;
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
    const inSrc = /(?:^|\/)(src\/.+)$/.exec(file);
    const key = m?.[1] ?? inSrc?.[1] ?? 'entry';
    bySource[key] = (bySource[key] ?? 0) + bytesInOutput;
    const concept = CONCEPTS[m?.[1] ?? path.basename(file)];
    if (concept === undefined) throw new Error(`S5: no concept for ${file}; add it to CONCEPTS`);
    byConcept[concept] = (byConcept[concept] ?? 0) + bytesInOutput;
  }
  return { bySource, byConcept };
}

const rows = [];
for (const entry of ENTRIES) {
  const result = await build({
    ...BUNDLE_DEFAULTS,
    plugins: [...(entry.plugins ?? []), ...BUNDLE_DEFAULTS.plugins],
    stdin: {
      contents: entry.code,
      resolveDir: root,
      sourcefile: `${entry.id}-entry.ts`,
      loader: 'ts',
    },
    // Prefer each package's ESM build where it has one (cockatiel): better tree-shaking for peers.
    mainFields: ['module', 'main'],
    write: false,
    metafile: true,
  });
  const output = result.outputFiles[0]!.contents;
  const deps =
    entry.pkg === undefined
      ? []
      : [...transitiveDependencies(entry.pkg === '.' ? root : packageDir(entry.pkg, root))].sort();
  const inputs = Object.values(result.metafile.outputs)[0]!.inputs;
  rows.push({
    id: entry.id,
    config: entry.config,
    metrics: {
      dependencies: deps.length,
      minifiedBytes: output.length,
      gzipBytes: gzipSync(output, { level: 9 }).length,
    },
    dependencies: deps,
    ...(entry.id === 'tenacious' ? breakdown(inputs) : {}),
  });
}
emitResult({ scenario: 's5', rows });
