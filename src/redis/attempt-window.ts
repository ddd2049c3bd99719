import { createHash, randomUUID } from 'node:crypto';
import type { SharedAttemptWindow } from '../core/fleet-store.js';
import type { Script } from './scripts.js';

/**
 * Connection attempts of the whole fleet in one sorted set (score: the server's time of the
 * attempt), for `connectionLimiter`. KEYS: [zset]. ARGV: [limit, windowMs, member].
 * Drops attempts older than the window, takes a slot when fewer than `limit` remain, else
 * answers the ms until the oldest leaves the window. Reads `TIME`: the window follows Redis's
 * clock. The key expires one window after the last attempt.
 */
const source = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - windowMs)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], windowMs)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local wait = tonumber(oldest[2]) + windowMs - now
if wait < 1 then wait = 1 end
return wait`;

export const ATTEMPT_WINDOW: Script = {
  name: 'attempt-window',
  source,
  sha: createHash('sha1').update(source).digest('hex'),
};

/** The store's half of `sharedAttemptWindow`: `run` is the store's script runner. */
export function attemptWindow(
  key: string,
  spec: { limit: number; windowMs: number },
  run: (script: Script, keys: string[], args: string[]) => Promise<unknown>,
): SharedAttemptWindow {
  const keys = [`${key}:attempts`];
  const head = [String(spec.limit), String(Math.ceil(spec.windowMs))];
  return {
    take: async () => Number(await run(ATTEMPT_WINDOW, keys, [...head, randomUUID()])),
  };
}
