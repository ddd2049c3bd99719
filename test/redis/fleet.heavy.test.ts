import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleFixture } from '../helpers/bundle-fixture.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisAvailable, redisTarget, type RedisServer } from '../helpers/redis-server.js';
import { startFleetBinance } from './fixtures/fleet-binance.js';

/**
 * The fleet test: 4 child processes share one weight tracker against a local fake Binance that
 * counts weight across all of them per window, answers 429 past the limit and 418 when requests
 * continue during a 429's Retry-After. Together they need twice the limit. The fake also answers
 * one 429 that no weight count predicts (request 25: Binance's -1003 "Too many requests queued"
 * comes without warning), so every process must learn of another's 429 at once. The window is scaled
 * down to 2 s (`X-MBX-USED-WEIGHT-2S`, the tracker's `interval: '2s'`), so a run takes seconds.
 *
 * With the Redis store: no 418, no request inside a cooldown, every call done. The same run with
 * each process's own tracker (the control) gets banned.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PROCESSES = 4;
const LIMIT = 40;
const WINDOW_MS = 2000;
const INTERVAL = '2s';
const CALLS_PER_PROCESS = (2 * LIMIT) / PROCESSES;

let cleanup: (() => Promise<void>) | undefined;
let worker: string;
let server: RedisServer | undefined;
let redisUrl: string;

beforeAll(async () => {
  ({ script: worker, cleanup } = await bundleFixture(
    'fleet-worker',
    join(ROOT, 'test', 'redis', 'fixtures'),
  ));
  if (redisAvailable) ({ url: redisUrl, server } = await redisTarget());
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await cleanup?.();
});

interface WorkerResult {
  done: number;
  statuses: Record<string, number>;
  banned: boolean;
}

function runWorker(env: Record<string, string>): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [worker],
      { cwd: ROOT, timeout: 45_000, env: { ...process.env, ...env } },
      (error, stdout, stderr) => {
        if (error !== null) {
          console.log(
            `worker failed (${error.signal ?? error.code}): stdout ${stdout} stderr ${stderr}`,
          );
          return reject(new Error(`worker failed: ${error.message}`));
        }
        const line = stdout.trim().split('\n').at(-1) ?? '';
        resolve(JSON.parse(line) as WorkerResult);
      },
    );
  });
}

async function runFleet(shared: boolean) {
  const binance = await startFleetBinance({
    limit: LIMIT,
    windowMs: WINDOW_MS,
    interval: INTERVAL,
    delayMs: 20,
    graceMs: 100,
    spurious429At: 25,
  });
  try {
    const env: Record<string, string> = {
      BINANCE_URL: binance.url,
      CALLS: String(CALLS_PER_PROCESS),
      CONCURRENCY: process.env.FLEET_CONCURRENCY ?? '2',
      THINK_MS: process.env.FLEET_THINK_MS ?? '500',
      LIMIT: String(LIMIT),
      INTERVAL,
    };
    if (shared) env.REDIS_URL = redisUrl;
    else delete process.env.REDIS_URL;
    const started = performance.now();
    const workers = await Promise.all(Array.from({ length: PROCESSES }, () => runWorker(env)));
    const result = {
      done: workers.reduce((sum, w) => sum + w.done, 0),
      statuses: binance.statuses,
      insideCooldown: binance.insideCooldown,
      banned: binance.banned,
      seconds: Math.round((performance.now() - started) / 100) / 10,
    };
    console.log(
      `fleet ${shared ? 'with the Redis store' : 'with local trackers (control)'}: ${JSON.stringify(result)}`,
    );
    return result;
  } finally {
    await binance.close();
  }
}

describe.skipIf(!redisAvailable)('a fleet of 4 processes behind one IP', () => {
  it('with the Redis store: every call done, no 418, no request inside a cooldown', async () => {
    const result = await runFleet(true);
    expect(result).toMatchObject({ done: 2 * LIMIT, insideCooldown: 0, banned: false });
    expect(result.statuses[418]).toBeUndefined();
  });

  it('with local trackers (the control): banned', async () => {
    const result = await runFleet(false);
    expect(result.banned).toBe(true);
    expect(result.statuses[418]).toBeGreaterThan(0);
  });
});
