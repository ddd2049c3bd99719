/**
 * Equivalence check run before anything is timed: every row must make exactly the attempts the
 * scenario says and resolve with the workload's value. A row that retried more or less than
 * the others would not be comparable, so a mismatch aborts the scenario.
 */
import type { Contender } from './contenders.js';
import { TRANSIENT } from './workloads.js';

export async function verifyAttempts(
  rows: readonly Contender[],
  failures: number,
  expectedAttempts: number,
): Promise<void> {
  for (const row of rows) {
    let attempts = 0;
    const value = await row.call(async () => {
      attempts++;
      if (attempts <= failures) throw TRANSIENT;
      return 'done';
    });
    if (attempts !== expectedAttempts || value !== 'done') {
      throw new Error(
        `${row.id}: expected ${expectedAttempts} attempts resolving 'done', got ${attempts} resolving ${String(value)}`,
      );
    }
  }
}
