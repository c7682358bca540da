/**
 * LRU and LFU access data per key, against a real redis-server: which commands touch a key
 * (Redis's lookupKey without LOOKUP_NOTOUCH) and how often, what a key starts with, what RENAME,
 * MOVE and COPY carry over, OBJECT IDLETIME / OBJECT FREQ and their errors under each
 * maxmemory-policy, and switching the policy at run time (nothing is converted).
 *
 * Counting accesses exactly: under an LFU policy with lfu-log-factor 0 every access increments
 * the counter by one, and with lfu-decay-time 0 nothing decays, so OBJECT FREQ before and after a
 * command shows how many times it looked each key up. Under LRU the idle time is measured after
 * a DEBUG SLEEP: a touched key reads 0 (1 across a clock tick), an untouched one 2 or more.
 *
 * The random part of the LFU increment is tested statistically in test/unit/lru-lfu.test.ts.
 */
import { deviationSuite, deviates, diffSuite, elapsedMs, intRange, memoryUsage, randomPick, satisfies, streamTimes, ttlUntil, type Compare, type Matcher, type ReplyContext, type Step } from '../helpers/differential.js';
import { scenarioSuite, waitForClient, clientFlags, type PairedClient } from '../helpers/scenario.js';
import { estimateObjectIdleTime, lfuTimeInMinutes, lruClock } from '../../src/engine/keyspace.js';

// ---------------------------------------------------------------- helpers

/** Splits a command line on spaces; "double quoted" words may hold spaces. */
function words(line: string): string[] {
  return (line.match(/"[^"]*"|\S+/g) ?? []).map((w) => (w.startsWith('"') ? w.slice(1, -1) : w));
}

/** Unix seconds the servers' clocks may have read during a case (Redis's LRU clock lags its cron). */
function secondsDuring(ctx: ReplyContext): number[] {
  const out: number[] = [];
  for (let s = Math.floor(ctx.since / 1000) - 1; s <= Math.floor(ctx.until / 1000); s++) out.push(s);
  return out;
}

/** OBJECT IDLETIME of a key accessed after the case's DEBUG SLEEP: 0, or 1 across a clock tick. */
const touched = intRange(0, 1, 'idle 0-1 s (touched after the sleep)');
/** OBJECT IDLETIME of a key not accessed since before the DEBUG SLEEP 2.1. */
const untouched = intRange(2, (ctx) => Math.ceil(elapsedMs(ctx) / 1000) + 1, 'idle >= 2 s (not touched since the sleep)');

/**
 * OBJECT FREQ of a key last written under an LRU policy, read under an LFU one with
 * lfu-decay-time 0: nothing is converted, so the counter is the low 8 bits of the LRU clock
 * (unix seconds) when the key was last touched during this case.
 */
const lruClockReadAsFreq: Matcher = satisfies('FREQ = low 8 bits of the LRU clock of this case', (r, ctx) => {
  if (r.type !== ':') return false;
  return secondsDuring(ctx).some((s) => (lruClock(s * 1000) & 255) === Number(r.text));
});

/**
 * OBJECT IDLETIME of a key last written under an LFU policy (counter `counter`), read under an
 * LRU one: its minutes-and-counter word read as an LRU clock, by Redis's formula.
 */
function lfuWordReadAsIdle(counter: number): Matcher {
  return satisfies(`IDLETIME of an LFU word (counter ${counter}) read as an LRU clock`, (r, ctx) => {
    if (r.type !== ':') return false;
    const seconds = secondsDuring(ctx);
    return seconds.some((written) =>
      seconds.some((read) => estimateObjectIdleTime((lfuTimeInMinutes(written * 1000) << 8) | counter, read * 1000) / 1000 === Number(r.text)),
    );
  });
}

// ---------------------------------------------------------------- accesses per command (LFU)

/**
 * `setup; setup | command | keys`: after the setup, OBJECT FREQ of each key is compared before
 * and after the command (lfu-log-factor 0, lfu-decay-time 0: one access, one more). Integers
 * 0..9999 are avoided as string values: Redis shares those objects (and their access data)
 * between keys when maxmemory is 0, see the deviation below.
 */
const ACCESS_CASES = `
SET k vv | GET k | k
SET k vv | SET k ww | k
SET k vv | SET k ww NX | k
SET k vv | SET k ww XX | k
SET k vv | SET k ww GET | k
SET k vv | SET k ww NX GET | k
SET k vv | SET k ww EX 100 | k
SET k vv | SET k ww KEEPTTL | k
SET k vv | SETNX k ww | k
SET k vv | SETEX k 100 ww | k
SET k vv | PSETEX k 100000 ww | k
SET k vv; SET k2 vv | MGET k k2 k | k k2
SET k vv; SET k2 vv | MSET k ww k2 ww | k k2
SET k vv | MSETNX k ww k2 ww | k
SET k vv | GETSET k ww | k
SET k vv | GETDEL k | k
SET k vv | GETEX k | k
SET k vv | GETEX k EX 100 | k
SET k vv | GETEX k PERSIST | k
SET k vv | APPEND k ww | k
SET k vv | STRLEN k | k
SET k 12345 | INCR k | k
SET k 12345 | DECR k | k
SET k 12345 | INCRBY k 3 | k
SET k 12345 | DECRBY k 3 | k
SET k 12345 | INCRBYFLOAT k 1.5 | k
SET k vvvv | GETRANGE k 0 1 | k
SET k vvvv | SUBSTR k 0 1 | k
SET k vvvv | SETRANGE k 1 xx | k
SET k vvvv; SET k2 vxvx | LCS k k2 | k k2
SET k vv; SET k2 vv | DEL k k2 k | k k2
SET k vv | UNLINK k | k
SET k vv; SET k2 vv | EXISTS k k2 k | k k2
SET k vv | TYPE k | k
SET k vv; SET d xx | RENAME k d | d
SET k vv; SET d xx | RENAMENX k d | k d
SET k vv | RENAME k d | d
SET k vv | RENAME k k | k
SET k vv | MOVE k 1 | k
SET k vv; SELECT 1; SET k ww; SELECT 0 | MOVE k 1 | k
SET k vv; SET d xx | COPY k d | k d
SET k vv; SET d xx | COPY k d REPLACE | k d
SET k vv | COPY k d | k d
SET k vv; SET k2 vv | TOUCH k k2 k | k k2
SET k vv | EXPIRE k 100 | k
SET k vv | PEXPIRE k 100000 | k
SET k vv | EXPIREAT k 99999999999 | k
SET k vv | PEXPIREAT k 99999999999999 | k
SET k vv | EXPIRE k 100 XX | k
SET k vv EXAT 99999999999 | TTL k | k
SET k vv EXAT 99999999999 | PTTL k | k
SET k vv EXAT 99999999999 | EXPIRETIME k | k
SET k vv EXAT 99999999999 | PEXPIRETIME k | k
SET k vv EXAT 99999999999 | PERSIST k | k
SET k vv | PERSIST k | k
SET k vv | OBJECT ENCODING k | k
SET k vv | OBJECT FREQ k | k
SET k vv | OBJECT REFCOUNT k | k
SET k vv | MEMORY USAGE k | k
SET k vv | SCAN 0 | k
SET k vv | SCAN 0 TYPE string | k
SET k vv | KEYS * | k
SET k vv | RANDOMKEY | k
SET k vv | WATCH k | k
RPUSH k 3 1 2 | SORT k | k
RPUSH k 3 1 2 | SORT_RO k | k
RPUSH k 3 1 2 | SORT k STORE d | k d
RPUSH k 3 1 2; SET d xx | SORT k STORE d | k d
RPUSH k a b; SET w_a 20002; SET w_b 10001; SET o_a xx; SET o_b yy | SORT k BY w_* GET o_* ALPHA | k w_a w_b o_a o_b
RPUSH k a b; SET w_a 20002; SET w_b 10001 | SORT k BY nosort GET w_* | k w_a w_b
RPUSH k a b; HSET h_a f 20002; HSET h_b f 10001 | SORT k BY h_*->f | k h_a h_b
HSET k f v g w | HDEL k f | k
HSET k f v | HEXISTS k f | k
HSET k f v | HGET k f | k
HSET k f v | HGETALL k | k
HSET k f 123456 | HINCRBY k f 1 | k
HSET k f 123456 | HINCRBYFLOAT k f 1 | k
HSET k f v | HKEYS k | k
HSET k f v | HLEN k | k
HSET k f v | HMGET k f g | k
HSET k f v | HMSET k f w | k
HSET k f v | HRANDFIELD k | k
HSET k f v | HSCAN k 0 | k
HSET k f v | HSET k g w | k
HSET k f v | HSETNX k f w | k
HSET k f v | HSTRLEN k f | k
HSET k f v | HVALS k | k
RPUSH k a b c | LINDEX k 0 | k
RPUSH k a b c | LINSERT k BEFORE b x | k
RPUSH k a b c | LLEN k | k
RPUSH k a b c; RPUSH d x | LMOVE k d LEFT RIGHT | k d
RPUSH k a b c | LMOVE k d LEFT RIGHT | k d
RPUSH k a b c | LMOVE k k LEFT RIGHT | k
RPUSH k a b c | LMPOP 2 k2 k LEFT | k
RPUSH k a b c | LPOP k | k
RPUSH k a b c | LPOS k b | k
RPUSH k a b c | LPUSH k x | k
RPUSH k a b c | LPUSHX k x | k
RPUSH k a b c | LRANGE k 0 -1 | k
RPUSH k a b c | LREM k 0 b | k
RPUSH k a b c | LSET k 0 x | k
RPUSH k a b c | LTRIM k 0 1 | k
RPUSH k a b c | RPOP k | k
RPUSH k a b c; RPUSH d x | RPOPLPUSH k d | k d
RPUSH k a b c | RPUSH k x | k
RPUSH k a b c | RPUSHX k x | k
RPUSH k a b c | BLPOP k 0 | k
RPUSH k a b c | BRPOP k 0 | k
RPUSH k a b c; RPUSH d x | BRPOPLPUSH k d 0 | k d
RPUSH k a b c; RPUSH d x | BLMOVE k d LEFT LEFT 0 | k d
RPUSH k a b c | BLMPOP 0 1 k LEFT | k
SADD k a b | SADD k c | k
SADD k a b | SCARD k | k
SADD k a b; SADD k2 b c | SDIFF k k2 | k k2
SADD k a b; SADD k2 b c; SET d xx | SDIFFSTORE d k k2 | k k2 d
SADD k a b; SADD k2 b c | SINTER k k2 | k k2
SADD k a b; SADD k2 b c | SINTERCARD 2 k k2 | k k2
SADD k a b; SADD k2 b c; SET d xx | SINTERSTORE d k k2 | k k2 d
SADD k a b | SISMEMBER k a | k
SADD k a b | SMEMBERS k | k
SADD k a b | SMISMEMBER k a x | k
SADD k a b; SADD d x | SMOVE k d a | k d
SADD k a b | SPOP k | k
SADD k a b c | SPOP k 2 | k
SADD k a b | SRANDMEMBER k | k
SADD k a b | SRANDMEMBER k 5 | k
SADD k a b | SREM k a | k
SADD k a b | SSCAN k 0 | k
SADD k a b; SADD k2 b c | SUNION k k2 | k k2
SADD k a b; SADD k2 b c; SET d xx | SUNIONSTORE d k k2 | k k2 d
SADD k a b; SADD d zz | SUNIONSTORE d d k | k d
SADD k a b | SUNIONSTORE d k | k d
ZADD k 1 a 2 b | ZADD k 3 c | k
ZADD k 1 a 2 b | ZCARD k | k
ZADD k 1 a 2 b | ZCOUNT k 0 5 | k
ZADD k 1 a 2 b; ZADD k2 1 b | ZDIFF 2 k k2 | k k2
ZADD k 1 a 2 b; ZADD k2 1 b; SET d xx | ZDIFFSTORE d 2 k k2 | k k2 d
ZADD k 1 a 2 b | ZINCRBY k 1 a | k
ZADD k 1 a 2 b; ZADD k2 1 b | ZINTER 2 k k2 | k k2
ZADD k 1 a 2 b; ZADD k2 1 b | ZINTERCARD 2 k k2 | k k2
ZADD k 1 a 2 b; ZADD k2 1 b; SET d xx | ZINTERSTORE d 2 k k2 | k k2 d
ZADD k 0 a 0 b | ZLEXCOUNT k - + | k
ZADD k 1 a 2 b | ZMPOP 1 k MIN | k
ZADD k 1 a 2 b | ZMSCORE k a x | k
ZADD k 1 a 2 b | ZPOPMAX k | k
ZADD k 1 a 2 b | ZPOPMIN k | k
ZADD k 1 a 2 b | ZRANDMEMBER k | k
ZADD k 1 a 2 b | ZRANGE k 0 -1 | k
ZADD k 0 a 0 b | ZRANGEBYLEX k - + | k
ZADD k 1 a 2 b | ZRANGEBYSCORE k 0 5 | k
ZADD k 1 a 2 b; SET d xx | ZRANGESTORE d k 0 -1 | k d
ZADD k 1 a 2 b | ZRANK k a | k
ZADD k 1 a 2 b | ZREM k a | k
ZADD k 0 a 0 b | ZREMRANGEBYLEX k - (b | k
ZADD k 1 a 2 b | ZREMRANGEBYRANK k 0 0 | k
ZADD k 1 a 2 b | ZREMRANGEBYSCORE k 0 1 | k
ZADD k 1 a 2 b | ZREVRANGE k 0 -1 | k
ZADD k 0 a 0 b | ZREVRANGEBYLEX k + - | k
ZADD k 1 a 2 b | ZREVRANGEBYSCORE k 5 0 | k
ZADD k 1 a 2 b | ZREVRANK k a | k
ZADD k 1 a 2 b | ZSCAN k 0 | k
ZADD k 1 a 2 b | ZSCORE k a | k
ZADD k 1 a 2 b; ZADD k2 1 b | ZUNION 2 k k2 | k k2
ZADD k 1 a 2 b; ZADD k2 1 b; SET d xx | ZUNIONSTORE d 2 k k2 | k k2 d
ZADD k 1 a 2 b | BZPOPMIN k 0 | k
ZADD k 1 a 2 b | BZPOPMAX k 0 | k
ZADD k 1 a 2 b | BZMPOP 0 1 k MAX | k
XADD k 1-1 f v | XADD k 2-1 f v | k
XADD k 1-1 f v; XGROUP CREATE k g 0; XREADGROUP GROUP g c STREAMS k > | XACK k g 1-1 | k
XADD k 1-1 f v; XGROUP CREATE k g 0; XREADGROUP GROUP g c STREAMS k > | XAUTOCLAIM k g c2 0 0 | k
XADD k 1-1 f v; XGROUP CREATE k g 0; XREADGROUP GROUP g c STREAMS k > | XCLAIM k g c2 0 1-1 | k
XADD k 1-1 f v | XDEL k 1-1 | k
XADD k 1-1 f v | XGROUP CREATE k g 0 | k
XADD k 1-1 f v; XGROUP CREATE k g 0 | XGROUP SETID k g 0 | k
XADD k 1-1 f v; XGROUP CREATE k g 0 | XGROUP CREATECONSUMER k g c | k
XADD k 1-1 f v; XGROUP CREATE k g 0 | XGROUP DELCONSUMER k g c | k
XADD k 1-1 f v; XGROUP CREATE k g 0 | XGROUP DESTROY k g | k
XADD k 1-1 f v; XGROUP CREATE k g 0 | XINFO CONSUMERS k g | k
XADD k 1-1 f v; XGROUP CREATE k g 0 | XINFO GROUPS k | k
XADD k 1-1 f v | XINFO STREAM k | k
XADD k 1-1 f v | XLEN k | k
XADD k 1-1 f v; XGROUP CREATE k g 0 | XPENDING k g | k
XADD k 1-1 f v | XRANGE k - + | k
XADD k 1-1 f v | XREVRANGE k + - | k
XADD k 1-1 f v | XREAD STREAMS k 0 | k
XADD k 1-1 f v | XREAD STREAMS k $ | k
XADD k 1-1 f v; SET s vv | XREAD STREAMS k s 0 0 | k s
XADD k 1-1 f v; XGROUP CREATE k g 0 | XREADGROUP GROUP g c STREAMS k > | k
XADD k 1-1 f v; XGROUP CREATE k g 0 | XREADGROUP GROUP g c STREAMS k 0 | k
XADD k 1-1 f v | XSETID k 5-5 | k
XADD k 1-1 f v | XTRIM k MAXLEN 5 | k
SET k vv | EVAL "return redis.call('get',KEYS[1])" 1 k | k
SET k vv | EVAL "return 1" 1 k | k
SET k vv | EVAL "return redis.call('type',KEYS[1])" 1 k | k
SET k vv | MULTI; GET k; TYPE k; TOUCH k; EXEC | k
`;

/** Replies that differ between the servers in known, bounded ways (random picks, sizes, times). */
const REPLY_COMPARE: Record<string, Compare> = {
  'MEMORY USAGE k': memoryUsage,
  'SMEMBERS k': 'unordered',
  'SDIFF k k2': 'unordered',
  'SUNION k k2': 'unordered',
  'SSCAN k 0': 'unordered',
  'SRANDMEMBER k 5': 'unordered',
  'SPOP k': randomPick(['a', 'b']),
  'SPOP k 2': randomPick(['a', 'b', 'c'], { count: 2, distinct: true }),
  'SRANDMEMBER k': randomPick(['a', 'b']),
  'ZRANDMEMBER k': randomPick(['a', 'b']),
  'XINFO CONSUMERS k g': streamTimes,
  'TTL k': ttlUntil('99999999999', 's', 's'),
  'PTTL k': ttlUntil('99999999999', 's', 'ms'),
};

/** The steps of one ACCESS_CASES line: FREQ of each key, the command (or a MULTI block), FREQ again. */
function accessSteps(line: string): { name: string; steps: Step[] } {
  const [setup, command, keys] = line.split('|').map((s) => s.trim());
  const freqs = words(keys).map((k): Step => ['OBJECT', 'FREQ', k]);
  const run: Step[] = command.split(';').map((c) => {
    const argv = words(c.trim());
    const compare = REPLY_COMPARE[c.trim()];
    return compare === undefined ? argv : { argv, compare };
  });
  return { name: command, steps: [...setup.split(';').map((s) => words(s.trim())), ...freqs, ...run, ...freqs] };
}

const LFU_EXACT = { 'maxmemory-policy': 'allkeys-lfu', 'lfu-log-factor': '0', 'lfu-decay-time': '0' };

diffSuite(
  'LFU: how many times each command accesses each key (OBJECT FREQ, lfu-log-factor 0)',
  (t) => {
    // One protocol: access counting does not depend on it, and each group's suite runs both.
    for (const line of ACCESS_CASES.trim().split('\n')) {
      const { name, steps } = accessSteps(line);
      t.case(name, steps, { resp: [2] });
    }
  },
  { config: LFU_EXACT },
);

diffSuite(
  'LFU: counters of new, renamed, moved and copied keys; saturation; OBJECT FREQ and IDLETIME',
  (t) => {
    t.case('a new key starts at 5 whatever creates it', [
      ['SET', 's', 'vv'],
      ['HSET', 'h', 'f', 'v'],
      ['LPUSH', 'l', 'a'],
      ['SADD', 'st', 'a'],
      ['ZADD', 'z', '1', 'a'],
      ['XADD', 'x', '1-1', 'f', 'v'],
      ['SETRANGE', 'sr', '3', 'x'],
      ['APPEND', 'ap', 'x'],
      ['INCRBY', 'n', '20000'],
      ['SUNIONSTORE', 'su', 'st'],
      ['ZRANGESTORE', 'zr', 'z', '0', '-1'],
      ['COPY', 's', 'cp'],
      ['OBJECT', 'FREQ', 's'],
      ['OBJECT', 'FREQ', 'h'],
      ['OBJECT', 'FREQ', 'l'],
      ['OBJECT', 'FREQ', 'st'],
      ['OBJECT', 'FREQ', 'z'],
      ['OBJECT', 'FREQ', 'x'],
      ['OBJECT', 'FREQ', 'sr'],
      ['OBJECT', 'FREQ', 'ap'],
      ['OBJECT', 'FREQ', 'n'],
      ['OBJECT', 'FREQ', 'su'],
      ['OBJECT', 'FREQ', 'zr'],
      ['OBJECT', 'FREQ', 'cp'],
    ]);
    t.case('the counter saturates at 255', [
      ['SET', 'k', 'vv'],
      ['TOUCH', ...Array<string>(200).fill('k')],
      ['OBJECT', 'FREQ', 'k'],
      ['TOUCH', ...Array<string>(200).fill('k')],
      ['OBJECT', 'FREQ', 'k'],
      ['GET', 'k'],
      ['OBJECT', 'FREQ', 'k'],
    ]);
    t.case('RENAME and MOVE carry the counter, COPY starts the copy afresh, SWAPDB keeps both', [
      ['SET', 'k', 'vv'],
      ['TOUCH', 'k', 'k', 'k', 'k', 'k', 'k', 'k', 'k', 'k', 'k'],
      ['RENAME', 'k', 'r'],
      ['OBJECT', 'FREQ', 'r'],
      ['MOVE', 'r', '2'],
      ['SELECT', '2'],
      ['OBJECT', 'FREQ', 'r'],
      ['COPY', 'r', 'c'],
      ['OBJECT', 'FREQ', 'r'],
      ['OBJECT', 'FREQ', 'c'],
      ['SWAPDB', '2', '3'],
      ['SELECT', '3'],
      ['OBJECT', 'FREQ', 'r'],
      ['OBJECT', 'FREQ', 'c'],
      ['FLUSHALL'],
      ['SELECT', '0'],
    ]);
    t.case('an overwritten key keeps its counter; a deleted and recreated one starts over', [
      ['SET', 'k', 'vv'],
      ['TOUCH', 'k', 'k', 'k'],
      ['SET', 'k', 'ww'],
      ['OBJECT', 'FREQ', 'k'],
      ['MSET', 'k', 'xx'],
      ['OBJECT', 'FREQ', 'k'],
      ['DEL', 'k'],
      ['SET', 'k', 'vv'],
      ['OBJECT', 'FREQ', 'k'],
      // The TTL comes after the touches: with SET ... PX 1 first, whether TOUCH still found the
      // key depended on a millisecond passing.
      ['SET', 'e', 'vv'],
      ['TOUCH', 'e', 'e'],
      ['PEXPIRE', 'e', '1'],
      { poll: ['EXISTS', 'e'], until: ':0\r\n' },
      ['SET', 'e', 'vv'],
      ['OBJECT', 'FREQ', 'e'],
    ]);
    t.case('OBJECT IDLETIME errors under an LFU policy; a missing key answers null first', [
      ['SET', 'k', 'vv'],
      ['OBJECT', 'IDLETIME', 'k'],
      ['OBJECT', 'IDLETIME', 'nope'],
      ['OBJECT', 'FREQ', 'nope'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'volatile-lfu'],
      ['OBJECT', 'IDLETIME', 'k'],
      ['OBJECT', 'FREQ', 'k'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'],
    ]);
    t.case('switching to LRU and back converts nothing: FREQ reads the LRU clock of the last access', [
      ['SET', 'k', 'vv'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru'],
      ['OBJECT', 'FREQ', 'k'],
      { argv: ['OBJECT', 'IDLETIME', 'k'], compare: lfuWordReadAsIdle(5) },
      ['GET', 'k'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'],
      { argv: ['OBJECT', 'FREQ', 'k'], compare: lruClockReadAsFreq },
      ['OBJECT', 'IDLETIME', 'k'],
    ]);
    t.case('XREAD looks every stream up before reading its ID (WRONGTYPE first)', [
      ['SET', 's', 'vv'],
      ['XREAD', 'STREAMS', 's', '0-x'],
      ['XREAD', 'STREAMS', 's', 'nos', '0', '0-x'],
      ['XREAD', 'STREAMS', 'nos', 's', '0-x', '0'],
      ['OBJECT', 'FREQ', 's'],
    ]);
    t.case('lfu-log-factor and lfu-decay-time: CONFIG SET and GET, ranges', [
      { argv: ['CONFIG', 'GET', 'lfu-*'], compare: 'unordered' },
      ['CONFIG', 'SET', 'lfu-log-factor', '-1'],
      ['CONFIG', 'SET', 'lfu-log-factor', '2147483648'],
      ['CONFIG', 'SET', 'lfu-log-factor', 'ten'],
      ['CONFIG', 'SET', 'lfu-decay-time', '-1'],
      ['CONFIG', 'SET', 'lfu-log-factor', '2147483647', 'lfu-decay-time', '60'],
      { argv: ['CONFIG', 'GET', 'lfu-*'], compare: 'unordered' },
      ['CONFIG', 'SET', 'lfu-log-factor', '0', 'lfu-decay-time', '0'],
      { argv: ['CONFIG', 'GET', 'lfu-*'], compare: 'unordered' },
      ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfux'],
      ['CONFIG', 'GET', 'maxmemory-policy'],
    ]);
  },
  { config: LFU_EXACT },
);

// ---------------------------------------------------------------- blocked clients served (LFU)

/** Each waiter served: Redis looks the readied key up once per round, ZPOP once more per waiter. */
scenarioSuite(
  'LFU: accesses when blocked clients are served',
  (t) => {
    const served: Array<{ name: string; block: string[]; writes: string[][]; keys: string[]; before?: string[][] }> = [
      { name: 'BLPOP', block: ['BLPOP', 'k', '0'], writes: [['LPUSH', 'k', 'a', 'b']], keys: ['k'] },
      { name: 'BLMOVE', block: ['BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0'], writes: [['LPUSH', 'k', 'a', 'b']], keys: ['k', 'd'], before: [['RPUSH', 'd', 'x']] },
      { name: 'BRPOPLPUSH', block: ['BRPOPLPUSH', 'k', 'd', '0'], writes: [['LPUSH', 'k', 'a', 'b']], keys: ['k', 'd'], before: [['RPUSH', 'd', 'x']] },
      { name: 'BLMPOP', block: ['BLMPOP', '0', '1', 'k', 'LEFT'], writes: [['LPUSH', 'k', 'a', 'b']], keys: ['k'] },
      { name: 'BZPOPMIN', block: ['BZPOPMIN', 'k', '0'], writes: [['ZADD', 'k', '1', 'a', '2', 'b']], keys: ['k'] },
      { name: 'BZMPOP', block: ['BZMPOP', '0', '1', 'k', 'MIN'], writes: [['ZADD', 'k', '1', 'a', '2', 'b']], keys: ['k'] },
      { name: 'XREAD BLOCK', block: ['XREAD', 'BLOCK', '0', 'STREAMS', 'k', '$'], writes: [['XADD', 'k', '2-1', 'f', 'v']], keys: ['k'], before: [['XADD', 'k', '1-1', 'f', 'v']] },
      {
        name: 'XREADGROUP BLOCK',
        block: ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 'k', '>'],
        writes: [['XADD', 'k', '2-1', 'f', 'v']],
        keys: ['k'],
        before: [['XADD', 'k', '1-1', 'f', 'v'], ['XGROUP', 'CREATE', 'k', 'g', '$']],
      },
      { name: 'BLPOP readied by a transaction', block: ['BLPOP', 'k', '0'], writes: [['MULTI'], ['LPUSH', 'k', 'a', 'b'], ['LPUSH', 'k', 'c'], ['EXEC']], keys: ['k'] },
    ];
    for (const c of served) {
      t.scenario(c.name, async (s) => {
        const setup = await s.client('setup');
        for (const [k, v] of Object.entries(LFU_EXACT)) await setup.call(['CONFIG', 'SET', k, v]);
        for (const argv of c.before ?? []) await setup.call(argv);
        const waiter: PairedClient = await s.client('waiter');
        waiter.send(c.block);
        await waitForClient(setup, waiter, (line) => clientFlags(line).includes('b'));
        for (const argv of c.writes) await setup.call(argv);
        await waiter.reply();
        for (const k of c.keys) await setup.call(['OBJECT', 'FREQ', k]);
      });
    }
  },
  { config: LFU_EXACT },
);

// ---------------------------------------------------------------- idle times (LRU)

/** One key per command: its setup, the command run after the sleep, and whether it touches the key. */
const IDLE_CASES: Array<{ key: string; setup: string[]; run: string[]; touches: boolean; compare?: Compare }> = [
  { key: 'get', setup: ['SET', 'get', 'vv'], run: ['GET', 'get'], touches: true },
  { key: 'strlen', setup: ['SET', 'strlen', 'vv'], run: ['STRLEN', 'strlen'], touches: true },
  { key: 'set', setup: ['SET', 'set', 'vv'], run: ['SET', 'set', 'ww'], touches: true },
  { key: 'setnx', setup: ['SET', 'setnx', 'vv'], run: ['SETNX', 'setnx', 'ww'], touches: true },
  { key: 'append', setup: ['SET', 'append', 'vv'], run: ['APPEND', 'append', 'ww'], touches: true },
  { key: 'touch', setup: ['SET', 'touch', 'vv'], run: ['TOUCH', 'touch'], touches: true },
  { key: 'expire', setup: ['SET', 'expire', 'vv'], run: ['EXPIRE', 'expire', '1000'], touches: true },
  { key: 'persist', setup: ['SET', 'persist', 'vv'], run: ['PERSIST', 'persist'], touches: true },
  { key: 'lrange', setup: ['RPUSH', 'lrange', 'a'], run: ['LRANGE', 'lrange', '0', '-1'], touches: true },
  { key: 'hget', setup: ['HSET', 'hget', 'f', 'v'], run: ['HGET', 'hget', 'f'], touches: true },
  { key: 'sismember', setup: ['SADD', 'sismember', 'a'], run: ['SISMEMBER', 'sismember', 'a'], touches: true },
  { key: 'zscore', setup: ['ZADD', 'zscore', '1', 'a'], run: ['ZSCORE', 'zscore', 'a'], touches: true },
  { key: 'xlen', setup: ['XADD', 'xlen', '1-1', 'f', 'v'], run: ['XLEN', 'xlen'], touches: true },
  { key: 'sortbya', setup: ['SET', 'sortbya', 'vv'], run: ['SORT', 'sortlist', 'BY', 'sortby*'], touches: true },
  // A BY pattern without '*' means no sorting: nothing is looked up.
  { key: 'sortbyconst', setup: ['SET', 'sortbyconst', 'vv'], run: ['SORT', 'sortlist', 'BY', 'sortbyconst'], touches: false },
  { key: 'eval', setup: ['SET', 'eval', 'vv'], run: ['EVAL', "return redis.call('get', KEYS[1])", '1', 'eval'], touches: true },
  { key: 'rename-dst', setup: ['SET', 'rename-src', 'vv'], run: ['RENAME', 'rename-src', 'rename-dst'], touches: true },
  { key: 'copy-dst', setup: ['SET', 'copy-src', 'vv'], run: ['COPY', 'copy-src', 'copy-dst'], touches: true },
  { key: 'copy-src', setup: ['SET', 'copy-src2', 'vv'], run: ['COPY', 'copy-src', 'copy-dst2'], touches: true },
  { key: 'type', setup: ['SET', 'type', 'vv'], run: ['TYPE', 'type'], touches: false },
  { key: 'ttl', setup: ['SET', 'ttl', 'vv'], run: ['TTL', 'ttl'], touches: false },
  { key: 'pttl', setup: ['SET', 'pttl', 'vv'], run: ['PTTL', 'pttl'], touches: false },
  { key: 'expiretime', setup: ['SET', 'expiretime', 'vv'], run: ['EXPIRETIME', 'expiretime'], touches: false },
  { key: 'exists', setup: ['SET', 'exists', 'vv'], run: ['EXISTS', 'exists'], touches: false },
  { key: 'encoding', setup: ['SET', 'encoding', 'vv'], run: ['OBJECT', 'ENCODING', 'encoding'], touches: false },
  { key: 'refcount', setup: ['SET', 'refcount', 'vv'], run: ['OBJECT', 'REFCOUNT', 'refcount'], touches: false },
  { key: 'freq', setup: ['SET', 'freq', 'vv'], run: ['OBJECT', 'FREQ', 'freq'], touches: false },
  { key: 'memory', setup: ['SET', 'memory', 'vv'], run: ['MEMORY', 'USAGE', 'memory'], touches: false, compare: memoryUsage },
  { key: 'watch', setup: ['SET', 'watch', 'vv'], run: ['WATCH', 'watch'], touches: false },
  { key: 'evalnocall', setup: ['SET', 'evalnocall', 'vv'], run: ['EVAL', 'return 1', '1', 'evalnocall'], touches: false },
  { key: 'del-other', setup: ['SET', 'del-other', 'vv'], run: ['DEL', 'nothing'], touches: false },
];

diffSuite(
  'LRU: OBJECT IDLETIME after each kind of command (DEBUG SLEEP)',
  (t) => {
    const keys = IDLE_CASES.map((c) => c.key).filter((k) => !k.endsWith('-dst'));
    t.case(
      'reads and writes touch; TYPE, TTL, EXISTS, OBJECT, MEMORY USAGE, SCAN, KEYS, RANDOMKEY, WATCH do not',
      [
        ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'],
        ['RPUSH', 'sortlist', 'a'],
        ...IDLE_CASES.map((c): Step => c.setup),
        ['DEBUG', 'SLEEP', '2.1'],
        ...IDLE_CASES.map((c): Step => (c.compare === undefined ? c.run : { argv: c.run, compare: c.compare })),
        { argv: ['SCAN', '0', 'COUNT', '1000'], compare: 'unordered' },
        { argv: ['SCAN', '0', 'COUNT', '1000', 'TYPE', 'string'], compare: 'unordered' },
        { argv: ['KEYS', '*'], compare: 'unordered' },
        { argv: ['RANDOMKEY'], compare: randomPick([...keys, 'rename-dst', 'copy-dst', 'copy-dst2', 'copy-src2', 'sortlist']) },
        ...IDLE_CASES.map((c): Step => ({ argv: ['OBJECT', 'IDLETIME', c.key], compare: c.touches ? touched : untouched })),
      ],
      { resp: [2] },
    );
    t.case('a new key is idle 0; MOVE carries the access time (touched by MOVE itself)', [
      ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'],
      ['SET', 'old', 'vv'],
      ['SET', 'moved', 'vv'],
      ['DEBUG', 'SLEEP', '2.1'],
      ['SET', 'new', 'vv'],
      { argv: ['OBJECT', 'IDLETIME', 'new'], compare: touched },
      { argv: ['OBJECT', 'IDLETIME', 'old'], compare: untouched },
      ['MOVE', 'moved', '1'],
      ['SELECT', '1'],
      { argv: ['OBJECT', 'IDLETIME', 'moved'], compare: touched },
      ['FLUSHALL'],
      ['SELECT', '0'],
    ], { resp: [2] });
    const lruPolicies = ['noeviction', 'allkeys-lru', 'volatile-lru', 'allkeys-random', 'volatile-random', 'volatile-ttl'];
    t.case('every policy but the LFU ones tracks idle time; OBJECT FREQ errors under them', [
      ['SET', 'k', 'vv'],
      ...lruPolicies.flatMap((p): Step[] => [
        ['CONFIG', 'SET', 'maxmemory-policy', p],
        { argv: ['OBJECT', 'IDLETIME', 'k'], compare: touched },
        ['OBJECT', 'FREQ', 'k'],
        ['OBJECT', 'FREQ', 'nope'],
      ]),
      ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'],
    ]);
    t.case('under each LFU policy a new key counts 5 and IDLETIME errors', [
      ...['allkeys-lfu', 'volatile-lfu'].flatMap((p): Step[] => [
        ['CONFIG', 'SET', 'maxmemory-policy', p],
        ['SET', p, 'vv'],
        ['OBJECT', 'FREQ', p],
        ['OBJECT', 'IDLETIME', p],
      ]),
      ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'],
    ]);
    t.case('switching to LFU converts nothing: FREQ reads the LRU clock (lfu-decay-time 0)', [
      ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru', 'lfu-decay-time', '0'],
      ['SET', 'k', 'vv'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'],
      { argv: ['OBJECT', 'FREQ', 'k'], compare: lruClockReadAsFreq },
      ['SET', 'n', 'vv'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'volatile-ttl'],
      { argv: ['OBJECT', 'IDLETIME', 'n'], compare: lfuWordReadAsIdle(5) },
      ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction', 'lfu-decay-time', '1'],
    ]);
  },
  { config: { 'enable-debug-command': 'yes' } },
);

// ---------------------------------------------------------------- known deviation

deviationSuite('LRU/LFU data of small integer values', (t) => {
  t.deviation(
    'a key holding an integer 0..9999 shares its access time with every key holding the same integer',
    'Redis stores such values as shared objects when maxmemory is 0 (or the policy is neither LRU ' +
      'nor LFU), and the access data lives in the object; Cinder keeps it per key, as Redis does ' +
      'with maxmemory set and an LRU/LFU policy',
    [
      ['SET', 'a', '100'],
      ['SET', 'b', '100'],
      { sleep: 2100 },
      ['GET', 'b'],
      { argv: ['OBJECT', 'IDLETIME', 'a'], compare: deviates(/^:[01]\r\n$/, /^:[23]\r\n$/) },
      { argv: ['OBJECT', 'IDLETIME', 'b'], compare: touched },
    ],
    { resp: [2] },
  );
});
