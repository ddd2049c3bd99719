import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFixture } from '../helpers/bundle-fixture.js';
import { redisAvailable, redisTarget, type RedisServer } from '../helpers/redis-server.js';
import { startStreamServer, type StreamServer } from '../helpers/stream-server.js';

/**
 * The restart storm: 4 child processes × 50 supervisors share one `connectionLimiter` on a
 * real redis-server, against a real `ws` server that records every handshake server-side. The
 * server restarts (every socket cut, the port closed, then handshakes refused with 503, then
 * accepted): every supervisor is back open, and no window of the server's record holds more
 * attempts than the limit. The control (each process with its own limiter) exceeds it.
 *
 * The limiter counts by Redis's clock when a slot is granted; the handshake reaches the server a
 * variable moment later (a busy process answers late), so a batch granted at the start of one
 * window can land beside the next window's batch: given exactly the venue's window, the server
 * saw up to 80 handshakes in one of its 1 s windows (batches of 40, 100 to 200 ms late). The
 * limiter is given the venue's window plus `MARGIN_MS`, as docs/streams.md advises users.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PROCESSES = 4;
const SUPERVISORS = 50;
const TOTAL = PROCESSES * SUPERVISORS;
const LIMIT = 40;
/** The venue's window, counted by the server. */
const WINDOW_MS = 1000;
/** Added to the limiter's window: more than a busy machine delays a handshake after its slot. */
const MARGIN_MS = 500;
/** The port is closed this long, then handshakes are refused with 503 this long. */
const DOWN_MS = 300;
const REFUSED_MS = 300;

let cleanup: (() => Promise<void>) | undefined;
let worker: string;
let redis: RedisServer | undefined;
let redisUrl: string;

beforeAll(async () => {
  ({ script: worker, cleanup } = await bundleFixture(
    'storm-worker',
    join(ROOT, 'test', 'stream', 'fixtures'),
  ));
  if (redisAvailable) ({ url: redisUrl, server: redis } = await redisTarget());
}, 60_000);

afterAll(async () => {
  await redis?.stop();
  await cleanup?.();
});

interface Status {
  open: number;
  reconnected: number;
  connects: number;
  failures: number;
  polls: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The most handshakes in any `spanMs` of the server's record. */
function busiestWindow(times: readonly number[], spanMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let start = 0, end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= spanMs) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

function startWorker(env: Record<string, string>): ChildProcess {
  const child = fork(worker, [], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return child;
}

function ask(child: ChildProcess, message: 'status' | 'stop'): Promise<Status> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`worker exited (${code}) before answering`));
    child.once('exit', onExit);
    child.once('message', (answer) => {
      child.off('exit', onExit);
      resolve(answer as Status);
    });
    child.send(message);
  });
}

/** Polls the workers until `done` holds for all of them; no time bound but the test's. */
async function until(
  children: readonly ChildProcess[],
  done: (statuses: Status[]) => boolean,
): Promise<Status[]> {
  for (;;) {
    const statuses = await Promise.all(children.map((c) => ask(c, 'status')));
    if (done(statuses)) return statuses;
    await sleep(100);
  }
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
  });

async function runStorm(shared: boolean) {
  const server: StreamServer = await startStreamServer();
  const env: Record<string, string> = {
    WS_URL: server.url,
    SUPERVISORS: String(SUPERVISORS),
    LIMIT: String(LIMIT),
    WINDOW_MS: String(WINDOW_MS + MARGIN_MS),
  };
  if (shared) env.REDIS_URL = redisUrl;
  else delete process.env.REDIS_URL;
  const children = Array.from({ length: PROCESSES }, () => startWorker(env));
  const started = performance.now();
  try {
    const sum = (statuses: Status[], key: keyof Status) => statuses.reduce((n, s) => n + s[key], 0);
    await until(children, (s) => sum(s, 'open') === TOTAL);
    // The restart meets a window with every slot free: the storm's first burst is the largest.
    await sleep(WINDOW_MS + MARGIN_MS);
    const restartAt = server.handshakes.length;

    await server.stop();
    await sleep(DOWN_MS);
    server.refuse(503);
    await server.restart();
    await sleep(REFUSED_MS);
    server.accept();
    const back = await until(children, (s) => sum(s, 'reconnected') === TOTAL);
    const openOnServer = server.open;

    const stopped = await Promise.all(children.map((c) => ask(c, 'stop')));
    const codes = await Promise.all(children.map(exited));
    const result = {
      open: openOnServer,
      reconnected: sum(back, 'reconnected'),
      handshakes: server.handshakes.length,
      afterRestart: server.handshakes.length - restartAt,
      failures: sum(stopped, 'failures'),
      limiterCalls: sum(stopped, 'polls'),
      busiest: busiestWindow(server.handshakes, WINDOW_MS),
      exitCodes: codes,
      seconds: Math.round((performance.now() - started) / 100) / 10,
    };
    console.log(
      `restart storm ${shared ? 'with the Redis store' : 'with local limiters (control)'}: ${JSON.stringify(result)}`,
    );
    return result;
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill();
    await server.close();
  }
}

describe.skipIf(!redisAvailable)('a restart storm: 4 processes × 50 supervisors, one IP', () => {
  it('with the Redis store: every supervisor back open, no window over the limit', async () => {
    const result = await runStorm(true);
    expect(result).toMatchObject({
      open: TOTAL,
      reconnected: TOTAL,
      exitCodes: [0, 0, 0, 0],
    });
    expect(result.busiest).toBeLessThanOrEqual(LIMIT);
  });

  it('with a limiter per process (the control): a window over the limit', async () => {
    const result = await runStorm(false);
    expect(result).toMatchObject({ reconnected: TOTAL, exitCodes: [0, 0, 0, 0] });
    expect(result.busiest).toBeGreaterThan(LIMIT);
  });
});
