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
    // A worker runs its test files one after another in one module graph instead of a fresh one
    // per file: vitest's runtime, the library and the clients (ccxt, viem, the AWS SDK) are
    // imported once per worker, not 71 times, which takes the suite from about 88 s to 55 s on
    // the 2-core machine. test/setup.ts removes its listeners after each file, tests unsubscribe
    // what they subscribe, and the suite passes in shuffled file orders
    // (`npx vitest run --sequence.shuffle.files --sequence.seed=N`).
    isolate: false,
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
