import type { MicroOptions } from './micro.js';

/** tinybench budgets per task: a full run, and `--quick` for CI (well under a minute in all). */
export function microOptions(quick: boolean): MicroOptions {
  return quick
    ? { timeMs: 100, warmupMs: 30, iterations: 8, targetBatchMs: 0.2, calibrateMs: 20 }
    : { timeMs: 500, warmupMs: 100, iterations: 32, targetBatchMs: 0.2, calibrateMs: 50 };
}
