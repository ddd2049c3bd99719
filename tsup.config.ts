import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';
import type { Plugin } from 'esbuild';

/**
 * Dependencies compiled into the entries instead of imported. is-network-error is one small
 * function, and resolving a bare package specifier (node_modules lookup, package.json, exports)
 * costs Node about half of what compiling the whole root entry does: bundled, the root
 * import loads one file (and the CommonJS build no longer `require`s an ES-module package).
 */
const BUNDLED = ['is-network-error'];

/** Keeps each bundled package's MIT notice in the output, as its license asks (`/*!` survives). */
const licenseNotices: Plugin = {
  name: 'license-notices',
  setup(build) {
    build.onLoad({ filter: /node_modules[\\/]is-network-error[\\/]index\.js$/ }, (args) => ({
      contents: `/*! is-network-error | MIT License | Copyright (c) Sindre Sorhus <sindresorhus@gmail.com> (https://sindresorhus.com) */\n${readFileSync(args.path, 'utf8')}`,
      loader: 'js',
    }));
  },
};

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
  noExternal: BUNDLED,
  esbuildPlugins: [licenseNotices],
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
