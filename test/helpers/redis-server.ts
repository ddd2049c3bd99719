import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real redis-server for the tests: started on a free loopback port with persistence off
 * (`--save '' --appendonly no`), stopped by its PID. `restart()` starts a new one on the same
 * port (scripts and data gone, as after a crash).
 *
 * Where no redis-server is installed the Redis tests skip with one printed line, unless
 * `REQUIRE_REDIS=1` (set by .ci/run), which turns the skip into a failure. `REDIS_URL` points
 * the tests at an existing server instead (fault tests, which must stop the server, then skip).
 */

/** True when a redis-server binary answers `--version`. */
export function redisServerInstalled(): boolean {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

export const REDIS_URL = process.env.REDIS_URL || undefined;
const installed = redisServerInstalled();

/** Whether the Redis tests can run here; prints the one skip line (or throws under REQUIRE_REDIS). */
export const redisAvailable: boolean = (() => {
  if (installed || REDIS_URL !== undefined) return true;
  const message =
    'Redis tests skipped: no redis-server on PATH and REDIS_URL unset (install redis-server, e.g. `apt-get install redis-server`, or set REDIS_URL=redis://host:port)';
  if (process.env.REQUIRE_REDIS === '1') throw new Error(`REQUIRE_REDIS=1 but ${message}`);
  // One line per test run, however many workers and files: the first to create the marker
  // (named after the vitest process, the workers' parent) prints it.
  try {
    closeSync(openSync(join(tmpdir(), `tenacious-redis-skipped-${process.ppid}`), 'wx'));
    process.stdout.write(`${message}\n`);
  } catch {
    // Another worker printed it.
  }
  return false;
})();

/** Whether the tests that stop and restart the server can run (they need a local binary). */
export const redisServerControllable = installed;

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly pid: number | undefined;
  /** Stops the server by its PID (SIGKILL by default: a crash) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts a fresh server on the same port. */
  start(): Promise<void>;
}

function waitForReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        child.stdout?.off('data', onData);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`redis-server exited (${code}) before it was ready: ${output.slice(-500)}`)),
    );
    child.once('error', reject);
  });
}

/**
 * Starts a redis-server on a free port. Call `stop()` in `afterAll`.
 *
 * @example
 * ```ts
 * const server = await startRedisServer();
 * const client = await createClient({ url: server.url }).connect();
 * ```
 */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    const next = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = next;
    await waitForReady(next);
    // Keep draining the output so the server never blocks on a full pipe.
    next.stdout?.resume();
    next.stderr?.resume();
  }

  async function stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    process.kill(running.pid!, signal);
    await exited;
  }

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child?.pid;
    },
    stop,
    start,
  };
}

/**
 * The server a test file talks to: its own redis-server when one is installed, else `REDIS_URL`.
 * `server` is undefined for `REDIS_URL` (tests that stop the server then skip).
 */
export async function redisTarget(): Promise<{ url: string; server: RedisServer | undefined }> {
  if (installed) {
    const server = await startRedisServer();
    return { url: server.url, server };
  }
  return { url: REDIS_URL!, server: undefined };
}
