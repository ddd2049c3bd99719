import { afterEach } from 'vitest';

/**
 * Suite-wide guard: any unhandled rejection or uncaught exception while a test runs fails that
 * test, so an abandoned attempt, a failing listener or a background alert delivery can never
 * leak one unnoticed.
 */
const faults: unknown[] = [];
const onFault = (error: unknown) => faults.push(error);
process.on('unhandledRejection', onFault);
process.on('uncaughtException', onFault);

afterEach(async () => {
  // Let rejections of promises dropped by the test surface before checking.
  await new Promise((resolve) => setImmediate(resolve));
  if (faults.length > 0) {
    const found = faults.splice(0);
    throw new Error(
      `unhandled rejection or uncaught exception during the test: ${String(found[0])}`,
      {
        cause: found[0],
      },
    );
  }
});
