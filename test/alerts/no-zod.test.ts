import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

describe('tenacious/alerts', () => {
  it('imports no zod, telegramAlert.fromEnv included', async () => {
    const result = await build({
      entryPoints: ['src/alerts/index.ts'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });

    const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports);
    expect(imports.filter((i) => /^zod(\/|$)/.test(i.path))).toEqual([]);
  });
});
