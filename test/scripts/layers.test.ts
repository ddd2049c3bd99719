import path from 'node:path';
import { Linter } from 'eslint';
import { describe, expect, it } from 'vitest';
import layers from '../../scripts/eslint/layers.mjs';

const src = path.resolve('src');
const linter = new Linter({ configType: 'flat' });

/** Lints `code` as if it were the file at `src/<file>`, with only the layering rule on. */
function lint(file: string, code: string): string[] {
  return linter
    .verify(
      code,
      [
        {
          files: ['**/*.ts'],
          languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
          plugins: { tenacious: layers },
          rules: { 'tenacious/layers': 'error' },
        },
      ],
      { filename: path.join(src, file) },
    )
    .map((message) => message.message);
}

describe('the layering rule', () => {
  it('fails a core file that imports a domain folder', () => {
    const messages = lint('core/retry.ts', "import { httpClassifier } from '../http/index.js';");
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/the core imports domain http/);
  });

  it('fails a core file that imports a shared folder', () => {
    expect(lint('core/retry.ts', "import { x } from '../transport/network.js';")).toHaveLength(1);
  });

  it('fails a domain that imports another domain’s internals', () => {
    const messages = lint('binance/classifier.ts', "import { x } from '../http/classifier.js';");
    expect(messages[0]).toMatch(/another domain's internals/);
  });

  it('fails a shared folder that imports a domain', () => {
    expect(lint('transport/network.ts', "export { x } from '../binance/index.js';")).toHaveLength(
      1,
    );
  });

  it('allows a domain to import the core, a shared folder and another domain’s index', () => {
    const code = [
      "import { retry } from '../core/retry.js';",
      "import { parseRetryAfter } from '../transport/retry-after.js';",
      "import { httpClassifier } from '../http/index.js';",
      "import { codes } from './codes.js';",
    ].join('\n');
    expect(lint('binance/classifier.ts', code)).toEqual([]);
  });

  it('allows the core to import itself and the root entry to compose', () => {
    expect(lint('core/retry.ts', "import { x } from './redaction/redact.js';")).toEqual([]);
    expect(lint('index.ts', "export { presets } from './presets/index.js';")).toEqual([]);
  });

  it('passes on the whole of src/ as it is', async () => {
    const { ESLint } = await import('eslint');
    const eslint = new ESLint({
      overrideConfigFile: true,
      overrideConfig: [
        {
          files: ['**/*.ts'],
          languageOptions: { parser: (await import('typescript-eslint')).parser },
          linterOptions: { noInlineConfig: true, reportUnusedInlineConfigs: 'off' },
          plugins: { tenacious: layers },
          rules: { 'tenacious/layers': 'error' },
        },
      ],
    });
    const results = await eslint.lintFiles(['src/**/*.ts']);
    expect(
      results.flatMap((r) =>
        r.messages
          .filter((m) => m.ruleId === 'tenacious/layers')
          .map((m) => `${r.filePath}: ${m.message}`),
      ),
    ).toEqual([]);
  });
});
