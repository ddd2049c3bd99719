import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * docs/testing.md's test of a user's own adapter is examples/testing-your-adapter.test.ts, which
 * the fast suite runs: the snippet is that file without its header, its imports spelled as a user
 * writes them (`tenacious/binance` for `../src/binance/index.js`).
 */

const HEADING = '## Your adapter against a simulated venue';

/** The first ```ts block after the heading. */
function docSnippet(): string {
  const markdown = readFileSync('docs/testing.md', 'utf8');
  const section = markdown.slice(markdown.indexOf(HEADING));
  return /^```ts\n([\s\S]*?)\n```$/m.exec(section)![1]!;
}

/** The example file as a user would write it: no header comment, package import paths. */
function exampleAsUserCode(): string {
  return readFileSync('examples/testing-your-adapter.test.ts', 'utf8')
    .replace(/^\/\*\*[\s\S]*?\*\/\n/, '')
    .replace(/'\.\.\/src\/index\.js'/g, "'tenacious'")
    .replace(/'\.\.\/src\/([a-z-]+)\/index\.js'/g, "'tenacious/$1'")
    .trimEnd();
}

describe('docs/testing.md, "Your adapter against a simulated venue"', () => {
  it('is examples/testing-your-adapter.test.ts, which the suite runs', () => {
    expect(docSnippet()).toBe(exampleAsUserCode());
  });

  it('is under 20 lines', () => {
    expect(docSnippet().split('\n').length).toBeLessThan(20);
  });

  it('scripts reset-after-execute and asserts one execution and one reconcile', () => {
    const snippet = docSnippet();
    expect([
      snippet.includes("'reset-after-execute'"),
      snippet.includes(
        'expect([venue.executions(id), reconcile.mock.calls.length]).toEqual([1, 1])',
      ),
    ]).toEqual([true, true]);
  });
});
