import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { entries } from '../tsup.config.js';

/** Every entry point the package builds (tsup's list, which package.json#exports mirrors). */
const ENTRIES = entries;

/**
 * Every exported function and class of every entry point carries TSDoc with an `@example`,
 * which is what the generated API reference (npm run docs) and editors show.
 */
function undocumented(): string[] {
  const files = ENTRIES.map((e) => (e === 'index' ? 'src/index.ts' : `src/${e}/index.ts`));
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const missing: string[] = [];
  for (const file of files) {
    const source = program.getSourceFile(file)!;
    const moduleSymbol = checker.getSymbolAtLocation(source)!;
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol =
        exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const isCallable =
        symbol.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Class) ||
        (symbol.flags & ts.SymbolFlags.Variable &&
          symbol.valueDeclaration !== undefined &&
          checker.getTypeOfSymbolAtLocation(symbol, symbol.valueDeclaration).getCallSignatures()
            .length > 0);
      if (!isCallable) continue;
      const hasExample = (symbol.declarations ?? []).some((d) =>
        ts.getJSDocTags(d).some((tag) => tag.tagName.text === 'example'),
      );
      if (!hasExample) missing.push(`${file}: ${exported.name}`);
    }
  }
  return [...new Set(missing)];
}

describe('API documentation', () => {
  it('gives every exported function and class a TSDoc example', () => {
    expect(undocumented()).toEqual([]);
  }, 60_000);
});
