import { transform } from 'esbuild';
import { configDefaults, defineConfig, type Plugin } from 'vitest/config';

/**
 * Vite 8 transforms TypeScript with oxc, which leaves standard (TC39) decorators in place, and
 * Node 20 cannot run them. This plugin lowers files that use decorators with esbuild first, so
 * tests (and user code) can put `@retryable` on methods. The README's FAQ shows the same plugin.
 */
export function lowerDecorators(): Plugin {
  return {
    name: 'lower-decorators',
    enforce: 'pre',
    async transform(code, id) {
      if (!/\.[cm]?tsx?$/.test(id) || !/^\s*@[A-Za-z_$]/m.test(code)) return undefined;
      const out = await transform(code, {
        loader: 'ts',
        target: 'es2022',
        sourcemap: true,
        sourcefile: id,
      });
      return { code: out.code, map: out.map };
    },
  };
}

export default defineConfig({
  plugins: [lowerDecorators()],
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    // Load, memory, cancellation and process-exit tests run in `npm run test:heavy` (and CI).
    exclude: [...configDefaults.exclude, '**/*.heavy.test.ts'],
    setupFiles: ['test/setup.ts'],
    // Vitest uses one worker per core less one: a single worker on a 2-core machine. Much of the
    // suite waits on child processes and local servers, so two workers finish in two thirds of
    // the time without oversubscribing the timing-sensitive tests.
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
