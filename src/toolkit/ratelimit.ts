import { connect, LUA_NOW_MS, num, Script, type ClientLike, type Connection } from './client.js';

/**
 * Rate limiters (toolkit `cinder/toolkit/ratelimit`). Each decision is one script, so it is atomic
 * however many processes share the limit, and reads the server's clock (TIME), so clients with
 * skewed clocks agree. A request may weigh more than 1 (`cost`: e.g. LLM tokens); a refused request
 * consumes nothing.
 *
 * - fixedWindow: a counter per window (INCRBY + PEXPIRE); simple, allows 2x bursts at window edges.
 * - slidingLog: a sorted set of the requests of the last window; exact, memory grows with the limit.
 * - slidingWindow: the current and previous windows' counters, weighted; close to exact, O(1).
 * - tokenBucket: `limit` tokens refilled evenly over `windowMs`; bursts up to `burst` (default limit).
 * - gcra: the generic cell rate algorithm (a theoretical arrival time); smooth, one key, O(1).
 *
 * Keys are `rl:{<key>}...`, one hash tag per limited key, so this works on Redis Cluster.
 */

export type Algorithm = 'fixedWindow' | 'slidingLog' | 'slidingWindow' | 'tokenBucket' | 'gcra';

export interface LimitOptions {
  algorithm: Algorithm;
  /** Requests (or cost units) allowed per window. */
  limit: number;
  windowMs: number;
  /** tokenBucket: the bucket's size (default `limit`). */
  burst?: number;
}

export interface LimitResult {
  allowed: boolean;
  limit: number;
  /** What is left in the current window (or bucket) after this request. */
  remaining: number;
  /** ms until the limit is fully available again. */
  resetMs: number;
  /** ms after which a refused request may succeed (0 when allowed). */
  retryAfterMs: number;
}


// KEYS[1] counter; ARGV limit, window, cost -> {allowed, remaining, reset, retry}
const FIXED_WINDOW = new Script(`
local limit, window, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then ttl = window end
if used + cost > limit then
  return {0, limit - used, ttl, ttl}
end
used = redis.call('INCRBY', KEYS[1], cost)
if used == cost then redis.call('PEXPIRE', KEYS[1], window) end
return {1, limit - used, ttl, 0}`);

// KEYS[1] sorted set of "<seq>:<cost>" scored by time, KEYS[2] its sequence; ARGV limit, window, cost
const SLIDING_LOG = new Script(`${LUA_NOW_MS}
local limit, window, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local used = 0
for i = 1, #entries, 2 do
  used = used + tonumber(string.match(entries[i], ':(%d+)$'))
end
if used + cost > limit then
  -- Enough of the oldest entries must leave the window for this request to fit.
  local need, freed, at = used + cost - limit, 0, now
  for i = 1, #entries, 2 do
    freed = freed + tonumber(string.match(entries[i], ':(%d+)$'))
    if freed >= need then at = tonumber(entries[i + 1]) break end
  end
  local oldest = tonumber(entries[2] or now)
  return {0, limit - used, oldest + window - now, at + window - now + 1}
end
local seq = redis.call('INCR', KEYS[2])
redis.call('ZADD', KEYS[1], now, seq .. ':' .. cost)
redis.call('PEXPIRE', KEYS[1], window)
redis.call('PEXPIRE', KEYS[2], window)
local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
return {1, limit - used - cost, oldest + window - now, 0}`);

// KEYS[1] hash {window start -> count}; ARGV limit, window, cost
const SLIDING_WINDOW = new Script(`${LUA_NOW_MS}
local limit, window, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local current = math.floor(now / window) * window
local elapsed = now - current
local cur = tonumber(redis.call('HGET', KEYS[1], tostring(current)) or '0')
local prev = tonumber(redis.call('HGET', KEYS[1], tostring(current - window)) or '0')
local weighted = math.floor(prev * (window - elapsed) / window) + cur
if weighted + cost > limit then
  -- The previous window's weight falls by prev/window per ms.
  local over = weighted + cost - limit
  local retry = window - elapsed
  if prev > 0 and over <= prev then retry = math.ceil(over * window / prev) end
  return {0, limit - weighted, window - elapsed, math.min(retry, window - elapsed)}
end
cur = redis.call('HINCRBY', KEYS[1], tostring(current), cost)
for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
  local start = tonumber(field)
  if start < current - window then redis.call('HDEL', KEYS[1], field) end
end
redis.call('PEXPIRE', KEYS[1], window * 2)
return {1, limit - weighted - cost, window - elapsed, 0}`);

// KEYS[1] hash {tokens, ts}; ARGV rate per window, window, cost, burst
const TOKEN_BUCKET = new Script(`${LUA_NOW_MS}
local rate, window, cost, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens, ts = tonumber(state[1]), tonumber(state[2])
if tokens == nil then tokens, ts = burst, now end
local perMs = rate / window
tokens = math.min(burst, tokens + math.max(0, now - ts) * perMs)
local full = math.ceil((burst - tokens) / perMs)
if tokens < cost then
  return {0, math.floor(tokens), full, math.ceil((cost - tokens) / perMs)}
end
tokens = tokens - cost
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', now)
full = math.ceil((burst - tokens) / perMs)
redis.call('PEXPIRE', KEYS[1], math.max(1, full))
return {1, math.floor(tokens), full, 0}`);

// KEYS[1] theoretical arrival time; ARGV limit, window, cost
const GCRA = new Script(`${LUA_NOW_MS}
local limit, window, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local interval = window / limit
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local newTat = tat + interval * cost
local ahead = newTat - now
if ahead > window then
  local remaining = math.floor((window - (tat - now)) / interval)
  return {0, math.max(0, remaining), math.ceil(tat - now), math.ceil(ahead - window)}
end
redis.call('SET', KEYS[1], tostring(newTat), 'PX', math.max(1, math.ceil(ahead)))
return {1, math.floor((window - ahead) / interval), math.ceil(ahead), 0}`);

function keysFor(algorithm: Algorithm, key: string): string[] {
  const base = `rl:{${key}}`;
  switch (algorithm) {
    case 'fixedWindow':
      return [`${base}:fw`];
    case 'slidingLog':
      return [`${base}:log`, `${base}:seq`];
    case 'slidingWindow':
      return [`${base}:sw`];
    case 'tokenBucket':
      return [`${base}:tb`];
    case 'gcra':
      return [`${base}:gcra`];
  }
}

const SCRIPTS: Record<Algorithm, Script> = {
  fixedWindow: FIXED_WINDOW,
  slidingLog: SLIDING_LOG,
  slidingWindow: SLIDING_WINDOW,
  tokenBucket: TOKEN_BUCKET,
  gcra: GCRA,
};

/** A limit applied to many keys (per user, per API key...). */
export class RateLimiter {
  private readonly conn: Connection;
  constructor(
    client: ClientLike,
    readonly options: LimitOptions,
  ) {
    if (!(options.limit > 0) || !(options.windowMs > 0)) throw new RangeError('limit and windowMs must be positive');
    this.conn = connect(client);
  }

  /** Takes `cost` (default 1) from `key`'s allowance, or refuses without taking anything. */
  async consume(key: string, cost = 1): Promise<LimitResult> {
    const { algorithm, limit, windowMs } = this.options;
    const args: Array<string | number> = [limit, windowMs, cost];
    if (algorithm === 'tokenBucket') args.push(this.options.burst ?? limit);
    const reply = (await SCRIPTS[algorithm].run(this.conn, keysFor(algorithm, key), args)) as unknown[];
    const allowed = num(reply[0]) === 1;
    return {
      allowed,
      limit: algorithm === 'tokenBucket' ? (this.options.burst ?? limit) : limit,
      remaining: Math.max(0, num(reply[1])),
      resetMs: Math.max(0, num(reply[2])),
      retryAfterMs: allowed ? 0 : Math.max(1, num(reply[3])),
    };
  }

  /** Forgets `key`'s usage. */
  async reset(key: string): Promise<void> {
    await this.conn.call('DEL', ...keysFor(this.options.algorithm, key));
  }
}

/**
 * The IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers) for a result, plus
 * Retry-After when refused; times in whole seconds, rounded up.
 */
export function rateLimitHeaders(r: LimitResult): Record<string, string> {
  const headers: Record<string, string> = {
    'RateLimit-Limit': String(r.limit),
    'RateLimit-Remaining': String(r.remaining),
    'RateLimit-Reset': String(Math.ceil(r.resetMs / 1000)),
  };
  if (!r.allowed) headers['Retry-After'] = String(Math.ceil(r.retryAfterMs / 1000));
  return headers;
}
