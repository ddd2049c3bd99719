import { afterAll, afterEach } from 'vitest';
import { installWarningRecorder } from './helpers/warnings.js';

/**
 * Suite-wide guard: any unhandled rejection or uncaught exception while a test runs fails that
 * test, so an abandoned attempt, a failing listener or a background alert delivery can never
 * leak one unnoticed. One that surfaces after the last test of a file (or in a hook) fails the
 * file. test/reliability/unhandled-rejections.test.ts provokes the classic cases.
 */
const faults: unknown[] = [];
/**
 * TenaciousWarnings are kept off the output: a test that makes the library warn captures them
 * with `captureWarnings()` (test/helpers/warnings.ts) and asserts them; one it did not capture
 * fails it, like an unhandled rejection.
 */
const warnings = installWarningRecorder();
const onFault = (error: unknown) => void faults.push(error);
process.on('unhandledRejection', onFault);
process.on('uncaughtException', onFault);

/** Node reports a rejection as unhandled once the microtask queue has drained: two turns cover it. */
async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
}

/** `String(value)` for anything, including the hostile values the reliability tests throw. */
function describeFault(value: unknown): string {
  try {
    return value instanceof Error ? `${value.name}: ${value.message}` : String(value);
  } catch {
    return '[unprintable value]';
  }
}

function checkWarnings(when: string): void {
  const uncaptured = warnings.takeUncaptured();
  if (uncaptured.length === 0) return;
  throw new Error(
    `${uncaptured.length} TenaciousWarning(s) ${when} that the test did not capture (captureWarnings() in test/helpers/warnings.ts): ${uncaptured.map((w) => w.message).join('; ')}`,
  );
}

function check(when: string): void {
  checkWarnings(when);
  if (faults.length === 0) return;
  const found = faults.splice(0);
  throw new Error(
    `${found.length} unhandled rejection(s) or uncaught exception(s) ${when}: ${found.map(describeFault).join('; ')}`,
    { cause: found[0] },
  );
}

afterEach(async () => {
  await settle();
  check('during the test');
});

afterAll(async () => {
  await settle();
  try {
    check('after the last test of this file, or in a hook');
  } finally {
    // Test files share a worker process: do not pile up listeners from one file to the next.
    process.off('unhandledRejection', onFault);
    process.off('uncaughtException', onFault);
    warnings.uninstall();
  }
});
