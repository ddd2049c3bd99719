import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { headings, markdownFiles, withToc } from '../../scripts/toc.js';

/**
 * The README and the guides in docs/: the README starts with the two commands, stays short,
 * reaches every guide in one click, and every table of contents and relative link is current.
 * Their TypeScript blocks are type-checked by `npm run typecheck` (scripts/doc-snippets.mjs and
 * test/readme/tsconfig.*.json), not here.
 */

const files = markdownFiles();
const text = (file: string) => readFileSync(file, 'utf8');

/** Relative links of a markdown text (inline links outside code blocks), as [target, anchor]. */
function relativeLinks(markdown: string): [string, string | undefined][] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '``');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((href) => !/^[a-z]+:/i.test(href))
    .map((href) => {
      const [path, anchor] = href.split('#');
      return [path!, anchor];
    });
}

describe('README.md', () => {
  const readme = text('README.md');

  it('starts with the two commands that work on a fresh machine', () => {
    const first = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    expect(readme.indexOf('```sh')).toBeLessThan(readme.indexOf('## '));
    expect(first).toContain('npm install && npm run demo');
    expect(first).toContain('npm test');
  });

  it('is at most 400 lines', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(400);
  });

  it('links every guide in docs/', () => {
    const linked = new Set(relativeLinks(readme).map(([path]) => normalize(path)));
    expect(files.filter((f) => f !== 'README.md' && !linked.has(f))).toEqual([]);
  });

  it('has TypeScript examples for typecheck to check', () => {
    const blocks = files.flatMap((f) => text(f).match(/^```ts$/gm) ?? []);
    expect(blocks.length).toBeGreaterThan(25);
  });
});

describe.each(files)('%s', (file) => {
  // The README must have one; a guide may (between `<!-- toc -->` and `<!-- tocstop -->`).
  it('has a current table of contents, if any (npm run docs:toc)', () => {
    const markdown = text(file);
    if (file === 'README.md') expect(markdown).toContain('<!-- toc -->');
    expect(withToc(markdown)).toBe(markdown);
  });

  it('links only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const [path, anchor] of relativeLinks(text(file))) {
      const target = path === '' ? file : normalize(join(dirname(file), path));
      if (!existsSync(target)) {
        broken.push(`${path}: no such file`);
        continue;
      }
      if (anchor !== undefined && target.endsWith('.md')) {
        const anchors = headings(text(target)).map((h) => h.anchor);
        if (!anchors.includes(anchor)) broken.push(`${path}#${anchor}: no such heading`);
      }
    }
    expect(broken).toEqual([]);
  });
});
