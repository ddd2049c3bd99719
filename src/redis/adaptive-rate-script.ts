import { script } from './scripts.js';

/**
 * The adaptive limiter's shared CUBIC rate and token bucket in one hash, on the server's clock:
 * the same steps as `DefaultRateLimiter` of the AWS SDK (`@smithy/core` 3.41:
 * `updateMeasuredRate`, `cubicThrottle`, `cubicSuccess`, `updateTokenBucketRate`,
 * `refillTokenBucket`) and as src/core/limiter/, but for every process at once.
 *
 * Fields: en (1 after the first throttle), fill (tokens/s), cap, tok, ts (last refill, ms),
 * lmr (rate at the last throttle), lt (last throttle, s), mr (measured rate), rc, rb (the
 * measured rate's count and bucket, s).
 * KEYS: [hash]. ARGV: [op ('acquire' | 'record'), beta, scale, minRate, successes, throttles, ttlMs].
 * Returns {waitMs, enabled, rate, measuredRate} (rates as strings: Redis truncates Lua numbers).
 */
export const ADAPTIVE_RATE = script(
  'adaptive-rate',
  `local k = KEYS[1]
local beta = tonumber(ARGV[2])
local scale = tonumber(ARGV[3])
local minRate = tonumber(ARGV[4])
local nowS = now / 1000
local h = redis.call('HMGET', k, 'en', 'fill', 'cap', 'tok', 'ts', 'lmr', 'lt', 'mr', 'rc', 'rb')
local en = tonumber(h[1]) or 0
local fill = tonumber(h[2]) or minRate
local cap = tonumber(h[3]) or 1
local tok = tonumber(h[4]) or 0
local ts = tonumber(h[5]) or now
local lmr = tonumber(h[6]) or 0
local lt = tonumber(h[7]) or nowS
local mr = tonumber(h[8]) or 0
local rc = tonumber(h[9]) or 0
local rb = tonumber(h[10]) or math.floor(nowS)
local function refill()
  if now > ts then
    tok = math.min(cap, tok + (now - ts) / 1000 * fill)
    ts = now
  end
end
local wait = 0
if ARGV[1] == 'acquire' then
  if en == 0 then return {0, 0, tostring(fill), tostring(mr)} end
  refill()
  if tok >= 1 then
    tok = tok - 1
  else
    wait = math.ceil((1 - tok) / fill * 1000)
  end
else
  local function update(throttled)
    local bucket = math.floor(nowS * 2) / 2
    rc = rc + 1
    if bucket > rb then
      mr = (rc / (bucket - rb)) * 0.8 + mr * 0.2
      rc = 0
      rb = bucket
    end
    local rate
    if throttled then
      local use = mr
      if en == 1 and fill < mr then use = fill end
      lmr = use
      lt = nowS
      rate = use * beta
      en = 1
    else
      local w = (lmr * (1 - beta) / scale) ^ (1 / 3)
      rate = scale * (nowS - lt - w) ^ 3 + lmr
    end
    if rate > 2 * mr then rate = 2 * mr end
    refill()
    fill = math.max(rate, minRate)
    cap = math.max(rate, 1)
    if tok > cap then tok = cap end
  end
  for _ = 1, tonumber(ARGV[5]) do update(false) end
  for _ = 1, tonumber(ARGV[6]) do update(true) end
end
redis.call('HSET', k, 'en', en, 'fill', tostring(fill), 'cap', tostring(cap), 'tok', tostring(tok),
  'ts', ts, 'lmr', tostring(lmr), 'lt', tostring(lt), 'mr', tostring(mr), 'rc', rc, 'rb', tostring(rb))
redis.call('PEXPIRE', k, tonumber(ARGV[7]))
return {wait, en, tostring(fill), tostring(mr)}`,
);
