#!/usr/bin/env node
// Extracts every ```ts block of README.md and docs/*.md into .cache/snippets/, one file per
// block, for `tsc -b` to type-check with test/readme/tsconfig.{standard,experimental}.json
// (part of `npm run typecheck`). Each file is padded with blank lines so that a diagnostic's line
// is the markdown file's line: `.cache/snippets/standard/docs/http.md/L42.ts(45,7)` is docs/http.md
// line 45. A block without import or export becomes a module, so that names do not clash across
// blocks. A block mentioning `"experimentalDecorators": true` is checked with that option, as
// NestJS code is compiled.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The markdown files whose TypeScript blocks are checked: the README and every guide. */
export function markdownFiles() {
  const docs = existsSync(join(root, 'docs'))
    ? readdirSync(join(root, 'docs'))
        .filter((name) => name.endsWith('.md'))
        .sort()
        .map((name) => `docs/${name}`)
    : [];
  return ['README.md', ...docs];
}

/** The ```ts blocks of a markdown text, with the line (1-based) of each block's first line. */
export function tsBlocks(markdown) {
  const blocks = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (/^```ts\s*$/.test(lines[i])) {
      const start = i + 1;
      let end = start;
      while (end < lines.length && !/^```\s*$/.test(lines[end])) end++;
      blocks.push({ line: start + 1, code: lines.slice(start, end).join('\n') });
      i = end;
    }
  }
  return blocks;
}

/**
 * Writes the snippets, touching only files whose text changed (so that `tsc -b` finds the others
 * up to date), and removes those of blocks that no longer exist. Returns how many there are.
 */
export function writeSnippets() {
  const out = join(root, '.cache', 'snippets');
  const wanted = new Map();
  for (const file of markdownFiles()) {
    for (const { line, code } of tsBlocks(readFileSync(join(root, file), 'utf8'))) {
      const mode = /"experimentalDecorators": true/.test(code) ? 'experimental' : 'standard';
      const module = /^\s*(import|export)\s/m.test(code) ? code : `${code}\nexport {};`;
      wanted.set(join(out, mode, file, `L${line}.ts`), `${'\n'.repeat(line - 1)}${module}\n`);
    }
  }
  const count = wanted.size;
  // tsc -b fails on a project with no input: keep one empty module in each.
  for (const mode of ['standard', 'experimental']) {
    wanted.set(join(out, mode, 'empty.ts'), 'export {};\n');
  }
  for (const old of existsSync(out) ? readdirSync(out, { recursive: true }) : []) {
    const path = join(out, old);
    if (path.endsWith('.ts') && !wanted.has(path)) rmSync(path);
  }
  for (const [path, text] of wanted) {
    if (existsSync(path) && readFileSync(path, 'utf8') === text) continue;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  return count;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) writeSnippets();
