/**
 * `tenacious/redis`: shared state for a fleet of processes (Binance weight and cooldown, order
 * counts, budgets, breakers) on Redis. Bring your own connected node-redis or ioredis client.
 */
export {
  redisStore,
  StoreClosedError,
  type RedisStore,
  type RedisStoreOptions,
  type RedisStoreStats,
} from './store.js';
export type { IoRedisClient, NodeRedisClient, RedisClientLike } from './client.js';
