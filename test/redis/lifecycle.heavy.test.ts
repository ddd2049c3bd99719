import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleFixture } from '../helpers/bundle-fixture.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { circuitBreaker } from '../../src/index.js';
import { redisStore } from '../../src/redis/index.js';
import { captureLogger } from '../helpers/log-capture.js';
import { redisAvailable, redisTarget, type RedisServer } from '../helpers/redis-server.js';
import { CLIENT_KINDS, connect, type TestClient } from './clients.js';

/**
 * The store's lifecycle in real time: a process that quits its client exits, `store.close()`
 * ends pending holds and leaves nothing behind, and a process busy for longer than
 * `commandTimeoutMs` does not mistake its own stall for an outage.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let cleanup: (() => Promise<void>) | undefined;
let worker: string;
let server: RedisServer | undefined;
let url: string;

beforeAll(async () => {
  ({ script: worker, cleanup } = await bundleFixture(
    'lifecycle-worker',
    join(ROOT, 'test', 'redis', 'fixtures'),
  ));
  if (redisAvailable) ({ url, server } = await redisTarget());
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await cleanup?.();
});

/** Runs the worker; rejects when it has not exited on its own within 15 s. */
function runWorker(env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [worker],
      { cwd: ROOT, timeout: 15_000, env: { ...process.env, REDIS_URL: url, ...env } },
      (error, stdout, stderr) => {
        if (error !== null) return reject(new Error(`worker: ${error.message} ${stderr}`));
        resolve(stdout.trim().split('\n').at(-1) ?? '');
      },
    );
  });
}

describe.skipIf(!redisAvailable).each(CLIENT_KINDS)('redisStore lifecycle with %s', (kind) => {
  it('lets the process exit once the user quits the client, without store.close()', async () => {
    await expect(runWorker({ MODE: 'quit', CLIENT: kind })).resolves.toBe('quit');
  });

  it('ends a pending hold on store.close() with StoreClosedError, leaving no resource behind', async () => {
    const result = JSON.parse(await runWorker({ MODE: 'close', CLIENT: kind })) as {
      ended: string;
      before: string[];
      after: string[];
    };
    expect(result.ended).toBe(
      'StoreClosedError: redis store "tenacious" was closed; pending holds ended',
    );
    expect(result.after).toEqual(result.before);
  });

  describe('a process busy for longer than commandTimeoutMs', () => {
    let a: TestClient;
    let b: TestClient;

    beforeAll(async () => {
      a = await connect(kind, url);
      b = await connect(kind, url);
    });

    afterAll(async () => {
      await a?.close();
      await b?.close();
    });

    it('takes replies that arrived during the stall, and shares isolate()', async () => {
      const key = `busy-${Math.random()}`;
      const log = captureLogger();
      const options = { commandTimeoutMs: 100, logger: log.logger };
      const storeA = redisStore({ client: a.client, ...options });
      const storeB = redisStore({ client: b.client, ...options });
      const one = circuitBreaker({ store: storeA, key });
      const two = circuitBreaker({ store: storeB, key });
      await storeB.ready();
      one.isolate();
      // A service doing synchronous start-up work while the isolate() is on its way.
      const until = performance.now() + 400;
      while (performance.now() < until);
      await vi.waitFor(() => expect(two.isolated).toBe(true), { timeout: 3000 });
      expect([storeA.stats().errors, storeB.stats().errors, log.lines]).toEqual([0, 0, []]);
      one.release();
      await one.sync();
      await storeA.close();
      await storeB.close();
    });
  });
});
