import { createHash } from 'node:crypto';

/**
 * The Lua scripts behind `redisStore()`. Each runs atomically on the server (EVALSHA, reloaded
 * with EVAL when the server answers NOSCRIPT, e.g. after a restart), reads the time with
 * `redis.call('TIME')` so that every window follows the server's clock rather than the hosts',
 * touches only keys passed in KEYS (which share one hash tag, hence one Redis Cluster slot), and
 * gives every key it writes an expiry.
 */

/** A script and its SHA1, the name EVALSHA knows it by. */
export interface Script {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

export function script(name: string, body: string): Script {
  // The server's clock in ms: TIME answers seconds and microseconds.
  const source = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
${body}`;
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * A bucketed sliding window of counters in one hash (field `<bucket epoch>:<field>`).
 * KEYS: [hash]. ARGV: [windowMs, buckets, fields, delta per field...], or ['clear'].
 * Returns the totals per field over the window, after adding.
 */
export const WINDOW = script(
  'window',
  `if ARGV[1] == 'clear' then
  redis.call('DEL', KEYS[1])
  return {}
end
local windowMs = tonumber(ARGV[1])
local buckets = tonumber(ARGV[2])
local fields = tonumber(ARGV[3])
local epoch = math.floor(now / (windowMs / buckets))
local oldest = epoch - buckets + 1
local totals = {}
for f = 1, fields do totals[f] = 0 end
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local sep = string.find(all[i], ':', 1, true)
  local e = tonumber(string.sub(all[i], 1, sep - 1))
  local f = tonumber(string.sub(all[i], sep + 1)) + 1
  if e < oldest then
    redis.call('HDEL', KEYS[1], all[i])
  elseif f <= fields then
    totals[f] = totals[f] + tonumber(all[i + 1])
  end
end
local wrote = false
for f = 1, fields do
  local d = tonumber(ARGV[3 + f])
  if d ~= 0 then
    redis.call('HINCRBY', KEYS[1], epoch .. ':' .. (f - 1), d)
    totals[f] = totals[f] + d
    wrote = true
  end
end
if wrote then redis.call('PEXPIRE', KEYS[1], math.ceil(windowMs * 2)) end
return totals`,
);

/**
 * A circuit breaker's shared state in one hash: st (0 closed, 1 open), until (ms), iso
 * (isolated), f (consecutive failures), g (generation, bumped on every change).
 * KEYS: [hash]. ARGV: [op, count, failureThreshold, resetAfterMs, channel, isolateTtlMs].
 * Returns {generation, open, openForMs, isolated, failures}; publishes it on a change.
 */
export const BREAKER = script(
  'breaker',
  `local k = KEYS[1]
local op = ARGV[1]
local h = redis.call('HMGET', k, 'st', 'until', 'iso', 'f', 'g')
local st = tonumber(h[1]) or 0
local untilMs = tonumber(h[2]) or 0
local iso = tonumber(h[3]) or 0
local f = tonumber(h[4]) or 0
local g = tonumber(h[5]) or 0
local reset = tonumber(ARGV[4])
local changed = false
if op == 'failure' then
  if iso == 0 and not (st == 1 and now < untilMs) then
    f = f + tonumber(ARGV[2])
    local threshold = tonumber(ARGV[3])
    if threshold > 0 and f >= threshold then
      st = 1; untilMs = now + reset; f = 0; g = g + 1; changed = true
    end
  end
elseif op == 'success' then
  f = 0
  if st == 1 and now >= untilMs and iso == 0 then st = 0; g = g + 1; changed = true end
elseif op == 'open' then
  if iso == 0 then st = 1; untilMs = now + reset; f = 0; g = g + 1; changed = true end
elseif op == 'close' then
  if st == 1 and iso == 0 then st = 0; f = 0; g = g + 1; changed = true end
elseif op == 'isolate' then
  if iso == 0 then iso = 1; g = g + 1; changed = true end
elseif op == 'release' then
  if iso == 1 then iso = 0; st = 0; f = 0; g = g + 1; changed = true end
end
if op ~= 'read' then
  redis.call('HSET', k, 'st', st, 'until', untilMs, 'iso', iso, 'f', f, 'g', g)
  local ttl = math.max(reset * 2, 60000)
  if iso == 1 then ttl = tonumber(ARGV[6]) end
  redis.call('PEXPIRE', k, ttl)
end
local openFor = 0
if st == 1 and untilMs > now then openFor = untilMs - now end
local view = {g, st, openFor, iso, f}
if changed then redis.call('PUBLISH', ARGV[5], table.concat(view, ' ')) end
return view`,
);

/**
 * The cooldown key holds the epoch ms its cooldown ends, as it always did (so stores and
 * processes written before kinds were kept still read it); the ban key holds the end of the
 * latest ban. While a ban runs, the cooldown is a ban: `kind` is 1 (ban), else 0 (cooldown).
 */
const HOLD_KIND = `local function kind(banKey)
  local ban = tonumber(redis.call('GET', banKey) or '0') or 0
  if ban > now then return 1 end
  return 0
end`;

/**
 * Reserves request weight (and orders) atomically.
 * KEYS: [weight hash, cooldown, ban, order hash...]. ARGV: [weight, windowMs, pauseWeight, orders,
 * (order windowMs, order limit) per order hash]. A window's hash holds s (its start) and u or c.
 * Returns {outcome, waitMs, used, kind}: outcome 0 reserved, 1 cooldown, 2 weight, 3 orders;
 * kind 1 when the cooldown is a ban.
 */
export const RESERVE = script(
  'reserve',
  `${HOLD_KIND}
local cd = tonumber(redis.call('GET', KEYS[2]) or '0')
local windowMs = tonumber(ARGV[2])
local start = now - now % windowMs
local w = redis.call('HMGET', KEYS[1], 's', 'u')
local used = 0
if tonumber(w[1]) == start then used = tonumber(w[2]) or 0 end
if cd > now then return {1, cd - now, used, kind(KEYS[3])} end
if used >= tonumber(ARGV[3]) then return {2, start + windowMs - now, used, 0} end
local n = tonumber(ARGV[4])
if n > 0 then
  local next = {}
  for i = 4, #KEYS do
    local om = tonumber(ARGV[5 + (i - 4) * 2])
    local limit = tonumber(ARGV[6 + (i - 4) * 2])
    local os = now - now % om
    local o = redis.call('HMGET', KEYS[i], 's', 'c')
    local c = 0
    if tonumber(o[1]) == os then c = tonumber(o[2]) or 0 end
    if c + n > limit then return {3, os + om - now, used, 0} end
    next[i] = {os, c + n, om}
  end
  for i = 4, #KEYS do
    redis.call('HSET', KEYS[i], 's', next[i][1], 'c', next[i][2])
    redis.call('PEXPIRE', KEYS[i], next[i][3] * 2)
  end
end
used = used + tonumber(ARGV[1])
redis.call('HSET', KEYS[1], 's', start, 'u', used)
redis.call('PEXPIRE', KEYS[1], windowMs * 2)
return {0, 0, used, 0}`,
);

/**
 * Merges usage from response headers (the larger count wins) and starts or extends the cooldown.
 * KEYS: [weight hash, cooldown, ban, order hash...]. ARGV: [windowMs, usedWeight or -1,
 * cooldownMs or -1, alignMs, channel, kind ('ban' or 'cooldown'), (order windowMs, count) per
 * order hash]. When the cooldown or a ban grows, publishes the remaining ms, followed by ' ban'
 * while a ban runs (a cooldown's message is the bare number older processes read). Returns
 * {used, cooldownMs, kind}.
 */
export const UPDATE = script(
  'update',
  `${HOLD_KIND}
local windowMs = tonumber(ARGV[1])
local start = now - now % windowMs
local w = redis.call('HMGET', KEYS[1], 's', 'u')
local used = 0
if tonumber(w[1]) == start then used = tonumber(w[2]) or 0 end
local reported = tonumber(ARGV[2])
if reported > used then
  used = reported
  redis.call('HSET', KEYS[1], 's', start, 'u', used)
  redis.call('PEXPIRE', KEYS[1], windowMs * 2)
end
for i = 4, #KEYS do
  local om = tonumber(ARGV[7 + (i - 4) * 2])
  local count = tonumber(ARGV[8 + (i - 4) * 2])
  local os = now - now % om
  local o = redis.call('HMGET', KEYS[i], 's', 'c')
  local c = 0
  if tonumber(o[1]) == os then c = tonumber(o[2]) or 0 end
  if count > c then
    redis.call('HSET', KEYS[i], 's', os, 'c', count)
    redis.call('PEXPIRE', KEYS[i], om * 2)
  end
end
local cd = tonumber(redis.call('GET', KEYS[2]) or '0')
local wait = tonumber(ARGV[3])
if wait >= 0 then
  local untilMs = now + wait
  local align = tonumber(ARGV[4])
  if align > 0 then
    local boundary = now - now % align + align
    if boundary > untilMs then untilMs = boundary end
  end
  local grew = false
  if untilMs > cd and untilMs > now then
    cd = untilMs
    redis.call('SET', KEYS[2], cd, 'PX', cd - now)
    grew = true
  end
  if ARGV[6] == 'ban' and untilMs > now then
    local ban = tonumber(redis.call('GET', KEYS[3]) or '0') or 0
    if untilMs > ban then
      redis.call('SET', KEYS[3], untilMs, 'PX', untilMs - now)
      grew = true
    end
  end
  if grew then
    local message = tostring(cd - now)
    if kind(KEYS[3]) == 1 then message = message .. ' ban' end
    redis.call('PUBLISH', ARGV[5], message)
  end
end
local remaining = 0
local k = 0
if cd > now then
  remaining = cd - now
  k = kind(KEYS[3])
end
return {used, remaining, k}`,
);
