import { Redis } from 'ioredis';
import { createClient } from 'redis';
import type { RedisClientLike } from '../../src/redis/index.js';

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
