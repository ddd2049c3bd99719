import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

/** The two TypeScript decorator systems the fixtures are compiled under. */
export type DecoratorMode = 'standard' | 'experimental';

const here = dirname(fileURLToPath(import.meta.url));
const fixturesDir = join(here, 'fixtures');

/**
 * Type-checks the fixtures in test/retryable/fixtures/classes/ with
 * fixtures/tsconfig.<mode>.json and emits them, flat, into test/retryable/out/<mode>/ (gitignored).
 * Any diagnostic in a fixture (including an unused `@ts-expect-error`) throws, so a type error
 * fails the suite. The emitted files sit as deep as the fixtures, so their
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

  const program = ts.createProgram(config.fileNames, config.options, cachingHost(config.options));
  const fixtures = program
    .getSourceFiles()
    .filter((file) => config.fileNames.includes(file.fileName));
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...fixtures.flatMap((file) => [
      ...program.getSyntacticDiagnostics(file),
      ...program.getSemanticDiagnostics(file),
    ]),
  ];
  if (diagnostics.length > 0)
    throw new Error(`${mode} fixtures do not compile:\n${format(diagnostics)}`);

  const outDir = join(here, 'out', mode);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  for (const file of fixtures) {
    const result = program.emit(file, (fileName, text) => {
      if (fileName.endsWith('.js')) writeFileSync(join(outDir, basename(fileName)), text);
    });
    if (result.emitSkipped) throw new Error(`${mode}: emit skipped for ${file.fileName}`);
  }
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

/**
 * Parsed files of the lib, @types/node and the library source do not depend on the decorator
 * mode (`experimentalDecorators` does not affect parsing), so the second compilation in a
 * process reuses the first one's, as TypeScript's language service does. Fixtures are parsed
 * afresh for each mode.
 */
const parsed = new Map<string, ts.SourceFile>();

function cachingHost(options: ts.CompilerOptions): ts.CompilerHost {
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const format =
      typeof languageVersion === 'object' ? languageVersion.impliedNodeFormat : undefined;
    const key = `${fileName}|${format}`;
    if (fileName.startsWith(fixturesDir)) {
      return getSourceFile(fileName, languageVersion, onError, shouldCreate);
    }
    let file = parsed.get(key);
    if (file === undefined) {
      file = getSourceFile(fileName, languageVersion, onError, shouldCreate);
      if (file !== undefined) parsed.set(key, file);
    }
    return file;
  };
  return host;
}
