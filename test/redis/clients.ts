import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll } from 'vitest';
import type { Logger } from '../../src/index.js';
import { redisStore, type RedisClientLike, type RedisStore } from '../../src/redis/index.js';
import { captureLogger } from '../helpers/log-capture.js';
import { redisTarget, type RedisServer } from '../helpers/redis-server.js';

/** A connected client of either kind, reconnecting quickly, and how to close it. */
export interface TestClient {
  client: RedisClientLike;
  /** Any command, for inspecting the server from the test. */
  command(args: string[]): Promise<unknown>;
  close(): Promise<void>;
}

export type ClientKind = 'node-redis' | 'ioredis';
export const CLIENT_KINDS: ClientKind[] = ['node-redis', 'ioredis'];

const ignore = () => {};

export async function connect(kind: ClientKind, url: string): Promise<TestClient> {
  if (kind === 'node-redis') {
    const client = createClient({ url, socket: { reconnectStrategy: () => 50 } });
    // An application attaches its own error listener; without one node-redis throws on a drop.
    client.on('error', ignore);
    await client.connect();
    return {
      client: client as unknown as RedisClientLike,
      command: (args) => client.sendCommand(args),
      close: async () => void client.destroy(),
    };
  }
  const client = new Redis(url, { retryStrategy: () => 50 });
  client.on('error', ignore);
  await new Promise<void>((resolve, reject) => {
    client.once('ready', resolve);
    client.once('error', reject);
  });
  return {
    client,
    command: (args) => client.call(args[0]!, ...args.slice(1)),
    close: async () => void client.disconnect(),
  };
}

/**
 * `client` whose pub/sub connections subscribe only once `open()` is called: a store on it is
 * slow to subscribe, as on a busy host, deterministically. Commands go to the real client.
 */
export function gatedPubSub(client: RedisClientLike): { client: RedisClientLike; open(): void } {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const duplicate = () => {
    const sub = (client as { duplicate(): object }).duplicate() as Record<string, unknown>;
    return new Proxy(sub, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver) as unknown;
        if (name !== 'subscribe' || typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          await gate;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  };
  const gated = new Proxy(client, {
    get(target, name, receiver) {
      if (name === 'duplicate') return duplicate;
      const value = Reflect.get(target, name, receiver) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { client: gated, open };
}

/** Two processes on one redis-server: each its own client and store. */
export interface TwoProcesses {
  url: string;
  /** The server this file started (undefined when REDIS_URL names one). */
  server: RedisServer | undefined;
  a: TestClient;
  b: TestClient;
  storeA: RedisStore;
  storeB: RedisStore;
}

/**
 * Opens two processes' clients (of `kinds`) and stores on one redis-server before the tests of
 * the enclosing describe block, and closes them, then the server, after.
 */
export function twoProcesses(
  kinds: readonly [ClientKind, ClientKind],
  logger?: Logger,
): TwoProcesses {
  const processes = {} as TwoProcesses;
  beforeAll(async () => {
    const target = await redisTarget();
    processes.server = target.server;
    processes.url = target.url;
    processes.a = await connect(kinds[0], target.url);
    processes.b = await connect(kinds[1], target.url);
    // Generous timeouts: these tests are about sharing, not about a busy machine's latency.
    const store = (client: TestClient) =>
      redisStore({
        client: client.client,
        commandTimeoutMs: 2000,
        logger: logger ?? captureLogger().logger,
      });
    processes.storeA = store(processes.a);
    processes.storeB = store(processes.b);
  });
  afterAll(async () => {
    await processes.storeA?.close();
    await processes.storeB?.close();
    await processes.a?.close();
    await processes.b?.close();
    await processes.server?.stop();
  });
  return processes;
}
