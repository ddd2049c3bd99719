// Writes the table of contents of README.md and of every docs/*.md between their
// `<!-- toc -->` and `<!-- tocstop -->` markers, from their `##` and `###` headings, with
// GitHub's heading anchors. `npm run docs:toc`; test/readme/readme.test.ts fails when a committed
// table is out of date.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const START = '<!-- toc -->';
const END = '<!-- tocstop -->';

/** The markdown files with a table of contents: the README and every guide. */
export function markdownFiles(root = '.'): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Headings outside code blocks, with their level and their anchor (duplicates numbered). */
export function headings(markdown: string): { level: number; text: string; anchor: string }[] {
  const found: { level: number; text: string; anchor: string }[] = [];
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^```/.test(line)) fenced = !fenced;
    const match = fenced ? null : /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (match === null) continue;
    const text = match[2]!;
    const base = slug(text);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    found.push({ level: match[1]!.length, text, anchor: count === 0 ? base : `${base}-${count}` });
  }
  return found;
}

/** The markdown with its table of contents regenerated (unchanged without markers). */
export function withToc(markdown: string): string {
  const start = markdown.indexOf(START);
  const end = markdown.indexOf(END);
  if (start === -1 || end === -1 || end < start) return markdown;
  const toc = headings(markdown)
    .filter((h) => h.level === 2 || h.level === 3)
    .map((h) => `${h.level === 3 ? '  ' : ''}- [${h.text.replace(/[[\]]/g, '\\$&')}](#${h.anchor})`)
    .join('\n');
  return `${markdown.slice(0, start + START.length)}\n\n${toc}\n\n${markdown.slice(end)}`;
}

if (process.argv[1] !== undefined && /toc\.ts$/.test(process.argv[1])) {
  for (const file of markdownFiles()) {
    const text = readFileSync(file, 'utf8');
    const next = withToc(text);
    if (next !== text) {
      writeFileSync(file, next);
      console.log(`${file}: table of contents updated`);
    }
  }
}
