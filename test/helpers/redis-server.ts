import { closeSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  redisServerInstalled,
  startRedisServer,
  type RedisServer,
} from '../../examples/support/redis-server.js';

export {
  freePort,
  redisServerInstalled,
  startRedisServer,
  type RedisServer,
} from '../../examples/support/redis-server.js';

/**
 * A real redis-server for the tests: started on a free loopback port with persistence off
 * (`--save '' --appendonly no`), stopped by its PID. `start()` after `stop()` starts a new one on
 * the same port (scripts and data gone, as after a crash).
 *
 * Where no redis-server is installed the Redis tests skip with one printed line, unless
 * `REQUIRE_REDIS=1` (set by .ci/run), which turns the skip into a failure. `REDIS_URL` points
 * the tests at an existing server instead (fault tests, which must stop the server, then skip).
 */

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
