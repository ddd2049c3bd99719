import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { preferTypeScriptSources } from '../../bench/lib/bundle.js';

describe('bench bundling', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tenacious-bench-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('bundles the TypeScript source even when a stale compiled .js sits next to it', async () => {
    writeFileSync(path.join(dir, 'entry.ts'), "export { which } from './mod.js';\n");
    writeFileSync(path.join(dir, 'mod.ts'), "export const which = 'typescript source';\n");
    writeFileSync(path.join(dir, 'mod.js'), "export const which = 'stale javascript';\n");
    const result = await build({
      entryPoints: [path.join(dir, 'entry.ts')],
      bundle: true,
      format: 'esm',
      write: false,
      logLevel: 'silent',
      plugins: [preferTypeScriptSources],
    });
    const code = result.outputFiles[0]!.text;
    expect(code).toContain('typescript source');
    expect(code).not.toContain('stale javascript');
  });

  it("drops tenacious modules nothing uses, as package.json's sideEffects: false lets bundlers do", async () => {
    const result = await build({
      stdin: {
        contents: `export { exponential } from ${JSON.stringify(path.resolve('src/index.ts'))};`,
        resolveDir: process.cwd(),
        loader: 'ts',
      },
      bundle: true,
      format: 'esm',
      platform: 'node',
      write: false,
      logLevel: 'silent',
      metafile: true,
      plugins: [preferTypeScriptSources],
    });
    const output = Object.values(result.metafile.outputs)[0]!;
    const inputs = Object.entries(output.inputs)
      .filter(([, { bytesInOutput }]) => bytesInOutput > 0)
      .map(([file]) => file);
    expect(inputs.some((file) => file.endsWith('src/core/backoff.ts'))).toBe(true);
    expect(
      inputs.filter((file) =>
        /src\/core\/(breaker\/[^/]+|redaction\/redact|retryable)\.ts$/.test(file),
      ),
    ).toEqual([]);
  });
});
