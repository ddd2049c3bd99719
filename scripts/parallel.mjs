#!/usr/bin/env node
// Runs npm scripts side by side (`node scripts/parallel.mjs lint typecheck`), each printing its
// output in one piece when it ends, with how long it took. Exits non-zero if any failed. `npm test`
// runs lint, type-check and vitest together: none needs another's output, and vitest's waits on
// child processes and local servers leave cores to ESLint and tsc (the suite passes under load).
import { spawn } from 'node:child_process';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(script) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(npm, ['run', '--silent', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    const output = [];
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    child.on('close', (code, signal) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const text = Buffer.concat(output).toString('utf8').trimEnd();
      const status = code === 0 ? 'ok' : `failed (${signal ?? code})`;
      console.log(`\n=== npm run ${script}: ${status} in ${seconds} s${text ? `\n${text}` : ''}`);
      resolve(code === 0);
    });
  });
}

const results = await Promise.all(process.argv.slice(2).map(run));
process.exit(results.every(Boolean) ? 0 : 1);
