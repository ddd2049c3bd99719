/**
 * The functions every row retries. One error instance is shared by every failure, so the cost of
 * building an `Error` (stack capture, about a microsecond) does not blur the libraries' own cost,
 * and every row keeps exactly the same user object alive while it waits.
 */
export const TRANSIENT = new Error('transient failure (bench)');

/** S1: succeeds on the first attempt. */
export async function succeed(): Promise<number> {
  return 1;
}

/**
 * S2: a workload that fails `failures` times and then succeeds. Calls run one after another
 * (each call is awaited before the next starts), so one counter is enough: `arm()` before each call.
 */
export function flaky(failures: number): { arm(): void; fn: () => Promise<number> } {
  let remaining = 0;
  return {
    arm() {
      remaining = failures;
    },
    async fn() {
      if (remaining > 0) {
        remaining--;
        throw TRANSIENT;
      }
      return 1;
    },
  };
}
