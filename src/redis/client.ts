/**
 * The two Redis clients `redisStore()` accepts, by shape only: neither package is imported, the
 * user passes a connected client. node-redis (v5): `sendCommand([...args])`, `duplicate()` +
 * `connect()`, `subscribe(channel, listener)`. ioredis (v5): `call(command, ...args)`,
 * `duplicate()` (connects by itself), `subscribe(channel)` + a `message` event.
 */

/** The part of a node-redis v5 client the store uses. */
export interface NodeRedisClient extends EndEmitter {
  sendCommand(args: string[]): Promise<unknown>;
  duplicate(): NodeRedisSubscriber;
}

/**
 * Both clients emit `end` once their connection is closed for good (`quit()`, `close()`,
 * `destroy()`, `disconnect()`, or reconnection given up): the store then closes its own pub/sub
 * connection, which would otherwise keep the process alive.
 */
interface EndEmitter {
  on?(event: 'end', listener: () => void): unknown;
  removeListener?(event: 'end', listener: () => void): unknown;
}

interface NodeRedisSubscriber {
  on(event: 'error', listener: (err: unknown) => void): unknown;
  connect(): Promise<unknown>;
  subscribe(
    channel: string,
    listener: (message: string, channel: string) => void,
  ): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  close?(): Promise<unknown>;
  quit?(): Promise<unknown>;
  destroy?(): unknown;
}

/** The part of an ioredis v5 client (or Cluster) the store uses. */
export interface IoRedisClient extends EndEmitter {
  call(command: string, ...args: string[]): Promise<unknown>;
  duplicate(): IoRedisSubscriber;
}

interface IoRedisSubscriber {
  on(event: 'error', listener: (err: unknown) => void): unknown;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  disconnect(): unknown;
}

/** A connected node-redis or ioredis client. */
export type RedisClientLike = NodeRedisClient | IoRedisClient;

/** What the store needs: one command, and a subscription connection. */
export interface Connection {
  command(args: string[]): Promise<unknown>;
  /** Opens a second connection for pub/sub; `onMessage` gets every message on every channel. */
  subscriber(onMessage: (channel: string, message: string) => void): Promise<Subscriber>;
  /** Calls `listener` when the user's client is closed for good; returns a function that stops. */
  onEnd(listener: () => void): () => void;
}

export interface Subscriber {
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  close(): Promise<void>;
}

/** True for an object with the methods of either client. */
export function isRedisClient(value: unknown): value is RedisClientLike {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.duplicate === 'function' &&
    (typeof v.call === 'function' || typeof v.sendCommand === 'function')
  );
}

const ignore = () => {};

function onEndOf(client: EndEmitter): (listener: () => void) => () => void {
  return (listener) => {
    if (typeof client.on !== 'function') return ignore;
    client.on('end', listener);
    return () => void client.removeListener?.('end', listener);
  };
}

/** Adapts either client to a {@link Connection}. */
export function connectionOf(client: RedisClientLike): Connection {
  // ioredis also has a sendCommand (taking its own Command objects): test for `call` first.
  if (typeof (client as IoRedisClient).call === 'function') {
    const io = client as IoRedisClient;
    return {
      command: (args) => io.call(args[0]!, ...args.slice(1)),
      onEnd: onEndOf(io),
      async subscriber(onMessage) {
        const sub = io.duplicate();
        // A subscriber that loses its server reconnects by itself; errors are the store's to count.
        sub.on('error', ignore);
        sub.on('message', onMessage);
        return {
          subscribe: (channel) => sub.subscribe(channel),
          unsubscribe: (channel) => sub.unsubscribe(channel),
          close: async () => void sub.disconnect(),
        };
      },
    };
  }
  const nr = client as NodeRedisClient;
  return {
    command: (args) => nr.sendCommand(args),
    onEnd: onEndOf(nr),
    async subscriber(onMessage) {
      const sub = nr.duplicate();
      sub.on('error', ignore);
      await sub.connect();
      return {
        subscribe: (channel) => sub.subscribe(channel, (message) => onMessage(channel, message)),
        unsubscribe: (channel) => sub.unsubscribe(channel),
        async close() {
          if (typeof sub.destroy === 'function') sub.destroy();
          else await (sub.close ?? sub.quit)?.call(sub);
        },
      };
    },
  };
}
