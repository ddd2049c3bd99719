import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { entries } from '../../tsup.config.js';

/**
 * A classic `"module": "commonjs"` tsconfig without `moduleResolution` (TypeScript's node10
 * resolution, which NestJS generates) ignores `exports`: it finds a subpath's types only through
 * `typesVersions`. These tests resolve every subpath as such a project would, against this
 * package.json and a pretend `dist/` (no build needed); .ci/check-package compiles a real
 * consumer against the packed tarball.
 */

interface Exports {
  [subpath: string]: string | { import: { types: string }; require: { types: string } };
}
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  types: string;
  exports: Exports;
  typesVersions?: Record<string, Record<string, string[]>>;
};
const subpaths = Object.keys(pkg.exports).filter((k) => k !== '.' && k !== './package.json');

/** Where node10 resolution finds `specifier`'s types, with the package installed as `tenacious`. */
function resolveNode10(specifier: string): string | undefined {
  const root = '/consumer/node_modules/tenacious';
  const host: ts.ModuleResolutionHost = {
    fileExists: (name) =>
      name === `${root}/package.json` ||
      (name.startsWith(`${root}/dist/`) && /\.d\.c?ts$/.test(name)),
    readFile: (name) =>
      name === `${root}/package.json` ? readFileSync('package.json', 'utf8') : undefined,
    directoryExists: (name) =>
      ['/consumer', '/consumer/node_modules', root, `${root}/dist`].includes(name),
  };
  const options: ts.CompilerOptions = { module: ts.ModuleKind.CommonJS };
  const { resolvedModule } = ts.resolveModuleName(specifier, '/consumer/index.ts', options, host);
  return resolvedModule?.resolvedFileName.slice(root.length + 1);
}

describe('types under node10 resolution ("module": "commonjs", no moduleResolution)', () => {
  it('resolves the root entry to its CommonJS types', () => {
    expect(resolveNode10('tenacious')).toBe('dist/index.d.cts');
  });

  it.each(subpaths)('resolves tenacious/%s through typesVersions', (subpath) => {
    const target = pkg.exports[subpath] as { require: { types: string } };
    expect(resolveNode10(`tenacious/${subpath.slice(2)}`)).toBe(target.require.types.slice(2));
  });

  it('has a typesVersions entry for every subpath export, and nothing else (npm run sync:types-versions)', () => {
    const expected = Object.fromEntries(
      subpaths.map((s) => [
        s.slice(2),
        [(pkg.exports[s] as { require: { types: string } }).require.types],
      ]),
    );
    expect(pkg.typesVersions).toEqual({ '*': expected });
  });

  it('builds one entry per subpath export', () => {
    expect(['.', ...subpaths].map((s) => (s === '.' ? 'index' : s.slice(2))).sort()).toEqual(
      [...entries].sort(),
    );
  });
});
