import { createHash } from 'node:crypto';

/**
 * Issue 5's scripting benchmarks: EVALSHA of the seed's token-bucket limiter and of a
 * compare-and-delete lock release, through redis-benchmark's custom-command mode. The scripts are
 * loaded into both servers (SCRIPT LOAD) before each run; the SHA1 is known in advance.
 */

/** Token bucket: refill by elapsed time, take one token if there is one, keep the bucket a while. */
export const TOKEN_BUCKET = [
  'local rate = tonumber(ARGV[1])',
  'local capacity = tonumber(ARGV[2])',
  'local now = tonumber(ARGV[3])',
  "local data = redis.call('HMGET', KEYS[1], 'tokens', 'ts')",
  'local tokens = tonumber(data[1]) or capacity',
  'local ts = tonumber(data[2]) or now',
  'tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)',
  'local allowed = 0',
  'if tokens >= 1 then tokens = tokens - 1 allowed = 1 end',
  "redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', now)",
  "redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate) * 1000)",
  'return allowed',
].join('\n');

/** Lock release: delete the key only if it still holds the caller's token. */
export const COMPARE_AND_DELETE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

export function sha1(script: string): string {
  return createHash('sha1').update(script).digest('hex');
}

export interface ScriptBench {
  name: string;
  script: string;
  /** The EVALSHA arguments after the SHA1 (redis-benchmark replaces __rand_int__). */
  args: string[];
  note: string;
}

export const SCRIPT_BENCHES: ScriptBench[] = [
  {
    name: 'evalsha-bucket',
    script: TOKEN_BUCKET,
    args: ['1', 'bucket:__rand_int__', '10', '100', '1000'],
    note: 'EVALSHA of a token bucket (HMGET, HSET, PEXPIRE) over 100k buckets',
  },
  {
    name: 'evalsha-cad',
    script: COMPARE_AND_DELETE,
    args: ['1', 'lock:__rand_int__', 'token'],
    note: 'EVALSHA of compare-and-delete (GET, DEL when it matches) over 100k locks',
  },
];
