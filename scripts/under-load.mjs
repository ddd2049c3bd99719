#!/usr/bin/env node
// The fast suite under load: two processes burn a CPU each while `vitest run` runs twice, one
// run after the other. The fast suite has no wall-clock bound, so it must pass as it does at
// rest, only slower. Exits non-zero if either run failed. `npm run test:under-load`; CI runs it.
//
// Extra arguments go to vitest (`npm run test:under-load -- test/retry.test.ts`).
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

const BURNERS = 2;
const RUNS = 2;
const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));

/** A child that spins one core until it is killed. */
function burner() {
  return spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
}

/** Runs the fast suite once; resolves with its exit code (a signal counts as failure). */
function runSuite(run) {
  return new Promise((resolve) => {
    const started = Date.now();
    console.log(`\n=== under load: vitest run ${run}/${RUNS}`);
    const child = spawn(process.execPath, [vitest, 'run', ...process.argv.slice(2)], {
      stdio: 'inherit',
    });
    child.on('exit', (code, signal) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      console.log(`=== under load: run ${run}/${RUNS} exited ${signal ?? code} after ${seconds} s`);
      resolve(code ?? 1);
    });
  });
}

const burners = Array.from({ length: BURNERS }, burner);
const stop = () => burners.forEach((b) => b.kill('SIGKILL'));
process.on('SIGINT', () => {
  stop();
  process.exit(130);
});
process.on('SIGTERM', () => {
  stop();
  process.exit(143);
});
console.log(
  `=== under load: ${BURNERS} CPU burners (pids ${burners.map((b) => b.pid).join(', ')}) on ${availableParallelism()} cores`,
);

const codes = [];
try {
  for (let run = 1; run <= RUNS; run++) codes.push(await runSuite(run));
} finally {
  stop();
}
const failed = codes.filter((code) => code !== 0).length;
console.log(`\n=== under load: ${RUNS - failed} of ${RUNS} runs passed`);
process.exit(failed === 0 ? 0 : 1);
