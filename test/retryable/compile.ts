import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

/** The two TypeScript decorator systems the fixtures are compiled under. */
export type DecoratorMode = 'standard' | 'experimental';

const here = dirname(fileURLToPath(import.meta.url));
const fixturesDir = join(here, 'fixtures');

/**
 * Emits the fixtures in test/retryable/fixtures/classes/ with TypeScript's own emit and the
 * options of fixtures/tsconfig.<mode>.json, flat, into test/retryable/out/<mode>/ (gitignored).
 * They are type-checked by `npm run typecheck` (`tsc -b` with the same two tsconfigs, where an
 * unused `@ts-expect-error` is an error too); here each file is only transpiled, which the
 * fixtures allow (`isolatedModules`). The emitted files sit as deep as the fixtures, so their
 * `'../../../../src/index.js'` imports reach the library source, which vitest transforms: the
 * tests and the fixtures share one copy of the library.
 */
export function compileFixtures(mode: DecoratorMode): string {
  const configPath = join(fixturesDir, `tsconfig.${mode}.json`);
  const read = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  if (read.error !== undefined) throw new Error(format([read.error]));
  const config = ts.parseJsonConfigFileContent(
    read.config,
    ts.sys,
    fixturesDir,
    undefined,
    configPath,
  );
  if (config.errors.length > 0) throw new Error(format(config.errors));

  const outDir = join(here, 'out', mode);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const options: ts.CompilerOptions = {
    ...config.options,
    // The package is `"type": "module"`: under NodeNext the fixtures are ES modules, which a
    // transpiler that sees one file at a time must be told.
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    noEmit: false,
    incremental: false,
    declaration: false,
  };
  for (const fileName of config.fileNames) {
    const { outputText, diagnostics = [] } = ts.transpileModule(readFileSync(fileName, 'utf8'), {
      compilerOptions: options,
      fileName,
      reportDiagnostics: true,
    });
    if (diagnostics.length > 0) throw new Error(`${mode}: ${fileName}:\n${format(diagnostics)}`);
    writeFileSync(join(outDir, basename(fileName).replace(/\.ts$/, '.js')), outputText);
  }
  if (readdirSync(outDir).length === 0) throw new Error(`${mode}: no fixtures in ${fixturesDir}`);
  return outDir;
}

/** Imports an emitted fixture module, typed as its source. */
export async function importFixture<M>(outDir: string, name: string): Promise<M> {
  return (await import(pathToFileURL(join(outDir, `${name}.js`)).href)) as M;
}

function format(diagnostics: readonly ts.Diagnostic[]): string {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (name) => name,
    getCurrentDirectory: () => process.cwd(),
    getNewLine: () => '\n',
  });
}
