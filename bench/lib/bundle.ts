/** esbuild settings shared by the scenario prebundles and the S5 footprint bundles. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'esbuild';

// The bench runs from the project root (`npm run bench`), prebundled into .tmp: no import.meta.
const ROOT = process.cwd();
const SRC = path.join(ROOT, 'src') + path.sep;
/** What package.json declares for the package (`false`: unused modules may be dropped). */
const PACKAGE_SIDE_EFFECTS = (
  JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { sideEffects?: unknown }
).sideEffects;

/**
 * Resolves a TypeScript file's `./x.js` import to `./x.ts` whenever that exists. esbuild prefers
 * an existing `x.js`, and a stray compiled copy next to a source file would otherwise be
 * bundled (and measured) instead of the source. A path a plugin resolves loses package.json's
 * `"sideEffects": false`, so it is passed on for `src/` as the published package declares it:
 * a user's bundler drops tenacious modules nothing uses, and so does the bench.
 */
export const preferTypeScriptSources: Plugin = {
  name: 'prefer-typescript-sources',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\/.*\.js$/ }, (args) => {
      if (!/\.[cm]?ts$/.test(args.importer)) return undefined;
      const source = path.resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts'));
      if (!existsSync(source)) return undefined;
      return source.startsWith(SRC) && PACKAGE_SIDE_EFFECTS === false
        ? { path: source, sideEffects: false }
        : { path: source };
    });
  },
};

/** As users get the code: one ESM file, minified, for Node 20. */
export const BUNDLE_DEFAULTS = {
  bundle: true,
  minify: true,
  format: 'esm' as const,
  platform: 'node' as const,
  target: 'node20',
  logLevel: 'silent' as const,
  plugins: [preferTypeScriptSources],
};
