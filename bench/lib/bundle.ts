/** esbuild settings shared by the scenario prebundles and the S5 footprint bundles. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'esbuild';

/**
 * Resolves a TypeScript file's `./x.js` import to `./x.ts` whenever that exists. esbuild prefers
 * an existing `x.js`, and a stray compiled copy next to a source file would otherwise be
 * bundled (and measured) instead of the source.
 */
export const preferTypeScriptSources: Plugin = {
  name: 'prefer-typescript-sources',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\/.*\.js$/ }, (args) => {
      if (!/\.[cm]?ts$/.test(args.importer)) return undefined;
      const source = path.resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts'));
      return existsSync(source) ? { path: source } : undefined;
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
