/**
 * The Lua scripts behind tenant quotas. Each decision (may this run start? may this step start
 * now?) reads and changes its counters in one atomic script, using Redis's clock (TIME), so every
 * worker on every machine sees the same limits and the same time.
 *
 * Keys under a prefix P, per tenant T:
 *   P:cfg:T      hash  max_runs, steps_per_sec, burst  (absent field = unlimited)
 *   P:runs:T     zset  run id → lease expiry (ms); an expired lease frees its slot (worker died)
 *   P:bucket:T   hash  tokens, ts  (token bucket for steps)
 *   P:stats:T    hash  steps, throttled, runs_denied
 *   P:tenants    set   every tenant with a quota or usage
 */

const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

// KEYS: cfg, runs, stats, tenants. ARGV: tenant, run id, lease ms.
// Returns {1|0, active runs, max runs or -1}.
export const ACQUIRE_RUN = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('SADD', KEYS[4], ARGV[1])
local max = tonumber(redis.call('HGET', KEYS[1], 'max_runs') or '-1')
if redis.call('ZSCORE', KEYS[2], ARGV[2]) then
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[2])
  return {1, redis.call('ZCARD', KEYS[2]), max}
end
local active = redis.call('ZCARD', KEYS[2])
if max >= 0 and active >= max then
  redis.call('HINCRBY', KEYS[3], 'runs_denied', 1)
  return {0, active, max}
end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[2])
return {1, active + 1, max}`;

// KEYS: runs. ARGV: run id, lease ms. Returns 1 when the lease was still held and is renewed.
export const RENEW_RUN = `${NOW}
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
  return 1
end
return 0`;

// KEYS: cfg, bucket, stats, tenants. ARGV: tenant, cost.
// Returns {1, 0} when the step may start now, else {0, ms to wait}.
export const TAKE_STEP = `${NOW}
redis.call('SADD', KEYS[4], ARGV[1])
local rate = tonumber(redis.call('HGET', KEYS[1], 'steps_per_sec') or '-1')
local cost = tonumber(ARGV[2])
if rate < 0 then
  redis.call('HINCRBY', KEYS[3], 'steps', cost)
  return {1, 0}
end
if rate == 0 then
  redis.call('HINCRBY', KEYS[3], 'throttled', 1)
  return {0, 1000}
end
local burst = tonumber(redis.call('HGET', KEYS[1], 'burst') or tostring(math.max(1, rate)))
local b = redis.call('HMGET', KEYS[2], 'tokens', 'ts')
local tokens = tonumber(b[1] or tostring(burst))
local ts = tonumber(b[2] or tostring(now))
tokens = math.min(burst, tokens + (now - ts) * rate / 1000)
if tokens >= cost then
  redis.call('HSET', KEYS[2], 'tokens', tostring(tokens - cost), 'ts', now)
  redis.call('PEXPIRE', KEYS[2], 3600000)
  redis.call('HINCRBY', KEYS[3], 'steps', cost)
  return {1, 0}
end
redis.call('HSET', KEYS[2], 'tokens', tostring(tokens), 'ts', now)
redis.call('PEXPIRE', KEYS[2], 3600000)
redis.call('HINCRBY', KEYS[3], 'throttled', 1)
return {0, math.ceil((cost - tokens) * 1000 / rate)}`;

// KEYS: runs. Drops expired leases and returns the live count.
export const ACTIVE_RUNS = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])`;
