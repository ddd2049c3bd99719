import { defineConfig } from 'tsup';

/** One entry per subpath export; `package.json#exports` lists the same names. */
export const entries = [
  'index',
  'testing',
  'http',
  'aws',
  'binance',
  'ccxt',
  'dex',
  'alerts',
  'metrics',
  'config',
  'p-retry',
  'otel',
  'redis',
  'okx',
  'bybit',
  'stream',
  'simulator',
];

export default defineConfig({
  entry: Object.fromEntries(
    entries.map((name) => [name, name === 'index' ? 'src/index.ts' : `src/${name}/index.ts`]),
  ),
  format: ['esm', 'cjs'],
  // Each entry is one file, as the CommonJS build always was: the root import loads one file
  // instead of a graph of shared chunks. Entries then hold their own copies of the core, so
  // module-level state the copies must share lives on `globalThis` or under `Symbol.for` keys.
  splitting: false,
  dts: true,
  clean: true,
  sourcemap: false,
  target: 'node20',
  platform: 'node',
  treeshake: true,
  // Whitespace and syntax only: fewer bytes for Node to compile on import, while identifiers,
  // function names and so stack traces stay as written.
  minifyWhitespace: true,
  minifySyntax: true,
});
