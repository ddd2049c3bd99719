/**
 * TenaciousWarnings in tests. The library reports a failing listener, hook, logger or alert
 * delivery that has nowhere else to go as a process warning (`TenaciousWarning`). In the suite,
 * test/setup.ts keeps them off the output and fails a test during which one was emitted, unless
 * that test called `captureWarnings()` and so asserts them itself.
 */
export interface WarningRecorder {
  /** Starts capturing for the current test; returns the live list of this test's warnings. */
  capture(): Error[];
}

const KEY = Symbol.for('tenacious.test.warnings');

/**
 * Declares that the current test expects TenaciousWarnings, and returns them as they come
 * (a live array), for the test to assert.
 *
 * @example
 * ```ts
 * const warnings = captureWarnings();
 * await retry(fn, { onRetry: () => { throw new Error('listener bug'); } });
 * expect(warnings.map((w) => w.message)).toEqual(['tenacious: onRetry hook failed: Error: listener bug']);
 * ```
 */
export function captureWarnings(): Error[] {
  const recorder = (globalThis as Record<symbol, WarningRecorder | undefined>)[KEY];
  if (recorder === undefined) throw new Error('captureWarnings: test/setup.ts is not loaded');
  return recorder.capture();
}

/** Installs the recorder (test/setup.ts). Returns what the current test emitted and whether it captured. */
export function installWarningRecorder(): {
  /** Ends the current test's window: its uncaptured warnings, then a fresh window. */
  takeUncaptured(): Error[];
  uninstall(): void;
} {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with `process` below
  const original = process.emitWarning;
  let current: Error[] = [];
  let captured = false;
  const recorder: WarningRecorder = {
    capture() {
      captured = true;
      return current;
    },
  };
  (globalThis as Record<symbol, WarningRecorder | undefined>)[KEY] = recorder;
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
    const type =
      typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    const isOurs =
      type === 'TenaciousWarning' ||
      (warning instanceof Error && warning.name === 'TenaciousWarning');
    if (!isOurs) return (original as (...args: unknown[]) => void).call(process, warning, ...rest);
    const error = typeof warning === 'string' ? new Error(warning) : warning;
    error.name = 'TenaciousWarning';
    current.push(error);
  };
  return {
    takeUncaptured() {
      const uncaptured = captured ? [] : current;
      current = [];
      captured = false;
      return uncaptured;
    },
    uninstall() {
      process.emitWarning = original;
      delete (globalThis as Record<symbol, WarningRecorder | undefined>)[KEY];
    },
  };
}
