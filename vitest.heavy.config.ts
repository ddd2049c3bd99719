import { defineConfig } from 'vitest/config';
import { lowerDecorators } from './vitest.config.js';

/**
 * The heavy reliability tests: 100,000 concurrent runs, heap after GC, cancelling 10,000 parked
 * runs, and child processes that must exit on their own. One file at a time, so that their
 * timings and heap readings do not disturb each other. `npm run test:heavy`; CI runs them.
 */
export default defineConfig({
  plugins: [lowerDecorators()],
  test: {
    include: ['test/**/*.heavy.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
