import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkReadmeSnippets, tsBlocks } from './snippets.js';

describe('README', () => {
  it('has TypeScript snippets to check', () => {
    expect(tsBlocks(readFileSync('README.md', 'utf8')).length).toBeGreaterThan(20);
  });

  it('type-checks every TypeScript snippet against the sources', () => {
    expect(checkReadmeSnippets(process.cwd())).toEqual([]);
  }, 60_000);

  it('starts with the two commands', () => {
    const readme = readFileSync('README.md', 'utf8');
    const firstBlock = readme.slice(
      readme.indexOf('```sh'),
      readme.indexOf('```', readme.indexOf('```sh') + 5),
    );
    expect(firstBlock).toContain('npm install && npm run demo');
    expect(firstBlock).toContain('npm test');
  });
});
