import { readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { build } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import config from '../../tsup.config.js';

/**
 * The root entry as tsup builds it for the package: one file per format, which loads no other
 * package (resolving one costs a fresh process more than compiling half the entry).
 */
const dir = path.resolve('.tmp', `root-entry-${process.pid}`);
const built: Record<'esm' | 'cjs', string> = { esm: '', cjs: '' };

beforeAll(async () => {
  await build({
    ...config,
    entry: { index: 'src/index.ts' },
    config: false,
    dts: false,
    silent: true,
    outDir: dir,
  });
  built.esm = readFileSync(path.join(dir, 'index.js'), 'utf8');
  built.cjs = readFileSync(path.join(dir, 'index.cjs'), 'utf8');
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The specifiers of every static import, dynamic import and require in `code`. */
function specifiers(code: string): string[] {
  const found = code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)(["'])([^"']+)\1/g);
  return [...new Set([...found].map((m) => m[2]!))].sort();
}

const isBuiltin = (specifier: string) =>
  specifier.startsWith('node:') || builtinModules.includes(specifier);

describe.each(['esm', 'cjs'] as const)('the %s root entry', (format) => {
  it('loads Node built-ins only, no package', () => {
    const loaded = specifiers(built[format]);
    expect(loaded.filter((s) => !isBuiltin(s))).toEqual([]);
  });
});
