import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/** The ```ts code blocks of a markdown file, with the line each starts on. */
export function tsBlocks(markdown: string): { line: number; code: string }[] {
  const blocks: { line: number; code: string }[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (/^```ts\s*$/.test(lines[i]!)) {
      const start = i + 1;
      let end = start;
      while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
      blocks.push({ line: start + 1, code: lines.slice(start, end).join('\n') });
      i = end;
    }
  }
  return blocks;
}

/**
 * Type-checks every ```ts block of the README as its own module, with `tenacious` and its
 * subpaths mapped to the sources and a prelude declaring the placeholders snippets use
 * (`client`, `logger`, …). Returns one message per diagnostic, naming the README line.
 */
export function checkReadmeSnippets(root: string): string[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const blocks = tsBlocks(readme);
  const standard = new Map<string, string>();
  const legacy = new Map<string, string>();
  const lines = new Map<string, number>();
  blocks.forEach((b, i) => {
    // A snippet without import or export is a script: make it a module so names do not clash.
    const code = /^\s*(import|export)\s/m.test(b.code) ? b.code : `${b.code}\nexport {};`;
    const name = join(root, '.tmp', 'readme', `snippet-${i}.ts`);
    // Snippets that say so are checked as NestJS code is compiled: with experimentalDecorators.
    (/"experimentalDecorators": true/.test(b.code) ? legacy : standard).set(name, code);
    lines.set(name, b.line);
  });
  return [
    ...check(root, standard, lines, false),
    ...(legacy.size > 0 ? check(root, legacy, lines, true) : []),
  ];
}

function check(
  root: string,
  files: Map<string, string>,
  lines: Map<string, number>,
  experimentalDecorators: boolean,
): string[] {
  const prelude = join(root, 'test', 'readme', 'prelude.d.ts');
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    esModuleInterop: true,
    types: ['node', 'vitest/globals'],
    baseUrl: root,
    paths: { tenacious: ['src/index.ts'], 'tenacious/*': ['src/*/index.ts'] },
    experimentalDecorators,
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.readFile = (name) => files.get(name) ?? readFile(name);
  host.fileExists = (name) => files.has(name) || fileExists(name);
  const program = ts.createProgram([...files.keys(), prelude], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const start = d.file === undefined ? undefined : lines.get(d.file.fileName);
    if (d.file === undefined || d.start === undefined || start === undefined) {
      return `${d.file?.fileName ?? ''}: ${message}`;
    }
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    return `README.md:${start + line}: ${message}`;
  });
}
