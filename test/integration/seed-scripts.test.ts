/**
 * The seed's Lua scripts, as applications ship them: a sliding-window limiter over a sorted set, a
 * token bucket in a hash, and compare-and-delete lock release. Replies are compared byte for byte
 * with a real redis-server (RESP2 and RESP3), in fixed sequences, in random sequences (fast-check)
 * and with many clients calling at once.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { diffSuite, remainingTtl, runSteps, type Step } from '../helpers/differential.js';

/**
 * KEYS[1]: sorted set of request times. ARGV: now (ms), window (ms), limit, request id.
 * Returns {allowed (1/0), remaining, retry after (ms)}.
 */
const SLIDING_WINDOW = `
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('PEXPIRE', key, window)
  return {1, limit - count - 1, 0}
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return {0, 0, tonumber(oldest[2]) + window - now}
`;

/**
 * KEYS[1]: hash {tokens, ts}. ARGV: capacity, refill per second, now (ms), cost.
 * Returns {allowed (1/0), tokens left (a Lua number: truncated to an integer reply), tokens left as text}.
 */
const TOKEN_BUCKET = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local last = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - last) * rate / 1000)
local allowed = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000))
return {allowed, tokens, tostring(tokens)}
`;

/** KEYS[1]: the lock. ARGV[1]: the holder's token. Deletes the lock only if it still holds that token. */
const COMPARE_AND_DELETE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

/** Read-modify-write that is only correct if the script runs atomically. */
const INCREMENT = `
local v = tonumber(redis.call('GET', KEYS[1]) or '0') + 1
redis.call('SET', KEYS[1], v)
return v
`;

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
const SW = sha1(SLIDING_WINDOW);
const TB = sha1(TOKEN_BUCKET);
const CAD = sha1(COMPARE_AND_DELETE);
const INC = sha1(INCREMENT);

const loadAll: Step[] = [
  ['SCRIPT', 'LOAD', SLIDING_WINDOW],
  ['SCRIPT', 'LOAD', TOKEN_BUCKET],
  ['SCRIPT', 'LOAD', COMPARE_AND_DELETE],
];

const sw = (key: string, now: number, window: number, limit: number | string, id: string): string[] =>
  ['EVALSHA', SW, '1', key, String(now), String(window), String(limit), id];
const tb = (key: string, capacity: number, rate: number | string, now: number, cost: number | string): string[] =>
  ['EVALSHA', TB, '1', key, String(capacity), String(rate), String(now), String(cost)];
const cad = (key: string, token: string): string[] => ['EVALSHA', CAD, '1', key, token];

diffSuite('seed scripts: exact replies against redis-server', (t) => {
  t.case('sliding window: allow up to the limit, refuse with retry-after, slide', [
    ...loadAll,
    ['SCRIPT', 'EXISTS', SW, TB, CAD, sha1('nope')],
    sw('rl', 100_000, 10_000, 3, 'r1'),
    sw('rl', 101_000, 10_000, 3, 'r2'),
    sw('rl', 102_000, 10_000, 3, 'r3'),
    sw('rl', 103_000, 10_000, 3, 'r4'),
    sw('rl', 109_999, 10_000, 3, 'r5'),
    // r1 leaves the window at 110,000: one slot frees.
    sw('rl', 110_000, 10_000, 3, 'r6'),
    sw('rl', 110_500, 10_000, 3, 'r7'),
    ['ZRANGE', 'rl', '0', '-1', 'WITHSCORES'],
    ['ZCARD', 'rl'],
    // The last allowed request set the window (10 s) as the key's TTL.
    { argv: ['PTTL', 'rl'], compare: remainingTtl(10_000, 'ms') },
    ['OBJECT', 'ENCODING', 'rl'],
    // Long after: everything slid out.
    sw('rl', 500_000, 10_000, 3, 'r8'),
    ['ZRANGE', 'rl', '0', '-1', 'WITHSCORES'],
    // The same member again only moves its score (ZADD), and another key is independent.
    sw('rl', 500_001, 10_000, 3, 'r8'),
    ['ZRANGE', 'rl', '0', '-1', 'WITHSCORES'],
    sw('rl2', 500_001, 10_000, 1, 'x'),
    sw('rl2', 500_002, 10_000, 1, 'y'),
  ]);

  t.case('sliding window through EVAL, then EVALSHA from the cache EVAL filled', [
    ['EVAL', SLIDING_WINDOW, '1', 'rl', '1000', '5000', '2', 'a'],
    sw('rl', 1001, 5000, 2, 'b'),
    ['EVAL', SLIDING_WINDOW, '1', 'rl', '1002', '5000', '2', 'c'],
    ['SCRIPT', 'EXISTS', SW],
  ]);

  t.case('sliding window: errors (wrong type, bad arguments, unknown sha, EVAL_RO)', [
    ...loadAll,
    ['SET', 'str', 'x'],
    sw('str', 1000, 1000, 3, 'a'),
    // A limit that is not a number: comparing nil with a number raises a Lua error.
    sw('rl', 1000, 1000, 'many', 'a'),
    // A limit of zero: no oldest entry to compute a retry from (arithmetic on nil).
    sw('rl', 1000, 1000, 0, 'a'),
    ['EXISTS', 'rl'],
    ['EVALSHA', sha1('not loaded'), '1', 'rl'],
    ['EVALSHA', SW.toUpperCase(), '1', 'rl', '1000', '1000', '1', 'a'],
    ['EVAL_RO', SLIDING_WINDOW, '1', 'rl', '1000', '1000', '1', 'a'],
    ['EVALSHA_RO', SW, '1', 'rl', '1000', '1000', '1', 'a'],
    ['EVALSHA', SW, '2', 'rl'],
    ['EVALSHA', SW, '-1', 'rl'],
    ['EVALSHA', SW, 'x', 'rl'],
    ['EVALSHA', SW],
    ['ZCARD', 'rl'],
  ]);

  t.case('token bucket: spend, run dry, refill with fractional tokens, cap at capacity', [
    ...loadAll,
    tb('tb', 5, 2, 10_000, 1),
    tb('tb', 5, 2, 10_000, 3),
    tb('tb', 5, 2, 10_000, 2),
    tb('tb', 5, 2, 10_100, 1),
    ['HGETALL', 'tb'],
    tb('tb', 5, 2, 10_350, 1),
    tb('tb', 5, 2, 10_600, 1),
    ['HMGET', 'tb', 'tokens', 'ts'],
    // The bucket lives as long as a full refill takes: ceil(5 / 2 * 1000) ms.
    { argv: ['PTTL', 'tb'], compare: remainingTtl(2_500, 'ms') },
    ['OBJECT', 'ENCODING', 'tb'],
    // An hour later the bucket is full again, never above capacity.
    tb('tb', 5, 2, 3_610_600, 0),
    tb('tb', 5, 2, 3_610_600, 5),
    tb('tb', 5, 2, 3_610_600, 1),
    // Fractional rates and costs.
    tb('frac', 3, '0.3', 0, '0.5'),
    tb('frac', 3, '0.3', 1234, '0.5'),
    tb('frac', 3, '0.3', 4321, '1.25'),
    tb('frac', 3, '0.3', 4322, '2'),
    ['HGETALL', 'frac'],
    // Time going backwards adds nothing.
    tb('frac', 3, '0.3', 1000, '0.1'),
    ['HGETALL', 'frac'],
  ]);

  // What the token bucket relies on: a Lua number given to redis.call is written with %.17g
  // (0.1 + 0.2 is stored as 0.30000000000000004, 2^53 + 1 in full), unlike tostring's %.14g.
  t.case('token bucket: Lua numbers as redis.call arguments keep 17 significant digits', [
    ['EVAL', "redis.call('HSET', KEYS[1], 'a', 0.1 + 0.2, 'b', 2^53 + 1, 'c', 1e20, 'd', -0.0, 'e', 1/3, 'f', 5); return redis.call('HMGET', KEYS[1], 'a', 'b', 'c', 'd', 'e', 'f')", '1', 'h'],
    ['EVAL', 'return tostring(0.1 + 0.2)', '0'],
  ]);

  t.case('token bucket: errors (wrong type, non-numeric arguments)', [
    ...loadAll,
    ['RPUSH', 'list', 'a'],
    tb('list', 5, 1, 0, 1),
    tb('tb', 5, 1, 0, 'x'),
    ['EXISTS', 'tb'],
    ['HSET', 'corrupt', 'tokens', 'lots', 'ts', 'yesterday'],
    tb('corrupt', 5, 1, 1000, 1),
    ['HGETALL', 'corrupt'],
  ]);

  t.case('compare-and-delete: only the holder releases', [
    ...loadAll,
    cad('lock', 'tok-1'),
    ['SET', 'lock', 'tok-1', 'PX', '100000', 'NX'],
    ['SET', 'lock', 'tok-2', 'PX', '100000', 'NX'],
    cad('lock', 'tok-2'),
    ['GET', 'lock'],
    cad('lock', 'tok-1'),
    ['EXISTS', 'lock'],
    cad('lock', 'tok-1'),
    // Binary tokens compare as bytes.
    ['SET', 'lock', 'a\x00\xff\x80b'],
    cad('lock', 'a\x00\xff\x80'),
    cad('lock', 'a\x00\xff\x80b'),
    ['EXISTS', 'lock'],
    // The empty token is a token like any other.
    ['SET', 'lock', ''],
    cad('lock', 'x'),
    cad('lock', ''),
    ['EVAL', COMPARE_AND_DELETE, '1', 'lock', 'x'],
  ]);

  t.case('compare-and-delete: errors (wrong type, read-only variants, missing arguments)', [
    ...loadAll,
    ['HSET', 'lock', 'f', 'v'],
    cad('lock', 'tok'),
    ['SET', 'lock', 'tok'],
    ['EVALSHA_RO', CAD, '1', 'lock', 'tok'],
    ['EVAL_RO', COMPARE_AND_DELETE, '1', 'lock', 'tok'],
    ['EXISTS', 'lock'],
    ['EVALSHA_RO', CAD, '1', 'lock', 'other'],
    // No ARGV[1]: GET's reply is compared with nil, never equal to a string.
    ['EVALSHA', CAD, '1', 'lock'],
    // No KEYS[1]: redis.call gets a nil argument.
    ['EVALSHA', CAD, '0'],
    ['SCRIPT', 'FLUSH'],
    cad('lock', 'tok'),
    ['SCRIPT', 'EXISTS', CAD],
  ]);

  // Random interleavings of the three scripts on shared and separate keys, with a clock that moves
  // forward unevenly. Durations are long enough that no key expires in real time during a run.
  it('random sequences of the seed scripts: every reply matches (property)', async () => {
    const key = fc.constantFrom('a', 'b', 'shared');
    const op = fc.oneof(
      fc.record({ kind: fc.constant('sw' as const), key, dt: fc.integer({ min: 0, max: 3000 }), window: fc.constantFrom(2000, 5000), limit: fc.integer({ min: 1, max: 4 }), id: fc.constantFrom('p', 'q', 'r', 's') }),
      fc.record({ kind: fc.constant('tb' as const), key, dt: fc.integer({ min: 0, max: 3000 }), capacity: fc.integer({ min: 3, max: 6 }), rate: fc.constantFrom('0.5', '1', '2', '1.5', '0.3'), cost: fc.constantFrom('1', '2', '0.5', '0.25', '3', '0.1') }),
      fc.record({ kind: fc.constant('cad' as const), key, token: fc.constantFrom('t1', 't2', '') }),
      fc.record({ kind: fc.constant('lock' as const), key, token: fc.constantFrom('t1', 't2', '') }),
      fc.record({ kind: fc.constant('read' as const), key }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), fc.constantFrom<2 | 3>(2, 3), async (ops, resp) => {
        let now = 1_000_000;
        const steps: Step[] = [...loadAll];
        for (const o of ops) {
          switch (o.kind) {
            case 'sw':
              now += o.dt;
              steps.push(sw(o.key === 'shared' ? 'shared' : `sw:${o.key}`, now, o.window, o.limit, o.id));
              break;
            case 'tb':
              now += o.dt;
              steps.push(tb(o.key === 'shared' ? 'shared' : `tb:${o.key}`, o.capacity, o.rate, now, o.cost));
              break;
            case 'cad':
              steps.push(cad(o.key === 'shared' ? 'shared' : `lock:${o.key}`, o.token));
              break;
            case 'lock':
              steps.push(['SET', o.key === 'shared' ? 'shared' : `lock:${o.key}`, o.token, 'NX', 'PX', '100000']);
              break;
            case 'read':
              steps.push(['ZRANGE', `sw:${o.key}`, '0', '-1', 'WITHSCORES'], ['HGETALL', `tb:${o.key}`], ['GET', `lock:${o.key}`], ['TYPE', 'shared']);
              break;
          }
        }
        await runSteps(t.ports, steps, resp);
      }),
      { numRuns: 60, seed: 1717 },
    );
  });

  // Many clients at once: every outcome must match Redis's, and the limits must hold exactly.
  it('concurrent clients: limits hold exactly, atomic read-modify-write, one lock holder at a time', async () => {
    const [onRedis, onCinder] = await Promise.all([concurrentScenario(t.ports.redis), concurrentScenario(t.ports.cinder)]);
    assert.deepEqual(onCinder, onRedis);
  });
});

interface ConcurrentOutcome {
  slidingReplies: string[];
  slidingCard: number;
  bucketRounds: string[][];
  bucketState: Record<string, string>;
  increments: number[];
  counter: string | null;
  lockRounds: number;
  releases: number[];
}

/** 8 clients fire their calls together; returns the outcome after checking its invariants. */
async function concurrentScenario(port: number): Promise<ConcurrentOutcome> {
  const clients = Array.from({ length: 8 }, () => new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0, retryStrategy: () => null }));
  try {
    const admin = clients[0];
    await admin.flushall();
    await admin.script('FLUSH');
    for (const s of [SLIDING_WINDOW, TOKEN_BUCKET, COMPARE_AND_DELETE, INCREMENT]) await admin.script('LOAD', s);

    // Sliding window: 80 requests at the same instant, limit 25.
    const sliding = await Promise.all(
      clients.flatMap((c, ci) => Array.from({ length: 10 }, (_, i) => c.evalsha(SW, 1, 'sw', 5_000_000, 60_000, 25, `c${ci}-${i}`) as Promise<number[]>)),
    );
    const allowed = sliding.filter((r) => r[0] === 1);
    assert.equal(allowed.length, 25, 'exactly the limit is allowed');
    assert.deepEqual(allowed.map((r) => r[1]).sort((a, b) => a - b), Array.from({ length: 25 }, (_, i) => i), 'each remaining count once');
    for (const r of sliding.filter((x) => x[0] === 0)) assert.deepEqual(r, [0, 0, 60_000]);
    const slidingCard = await admin.zcard('sw');

    // Token bucket: capacity 30 at 10 per second; 80 requests at t, then 80 at t + 500 ms (5 tokens back).
    const bucketRounds: string[][] = [];
    for (const now of [7_000_000, 7_000_500]) {
      const replies = await Promise.all(
        clients.flatMap((c) => Array.from({ length: 10 }, () => c.evalsha(TB, 1, 'tb', 30, 10, now, 1) as Promise<[number, number, string]>)),
      );
      bucketRounds.push(replies.map((r) => r.join(' ')).sort());
    }
    assert.equal(bucketRounds[0].filter((r) => r.startsWith('1 ')).length, 30);
    assert.equal(bucketRounds[1].filter((r) => r.startsWith('1 ')).length, 5);
    const bucketState = await admin.hgetall('tb');

    // Atomicity: 400 read-modify-write increments, 50 per client, interleaved.
    const increments = (
      await Promise.all(clients.flatMap((c) => Array.from({ length: 50 }, () => c.evalsha(INC, 1, 'counter') as Promise<number>)))
    ).sort((a, b) => a - b);
    assert.deepEqual(increments, Array.from({ length: 400 }, (_, i) => i + 1), 'no increment lost or repeated');
    const counter = await admin.get('counter');

    // Locks: each client acquires (SET NX PX), checks it is alone, releases with compare-and-delete,
    // and also tries to release with a stale token. Every holder's release deletes; no stale one does.
    let holder = -1;
    let lockRounds = 0;
    const releases: number[] = [];
    await Promise.all(
      clients.map(async (c, ci) => {
        for (let round = 0; round < 5; round++) {
          const token = `client-${ci}-round-${round}`;
          // A failure timeout only: gives up instead of spinning forever if the lock is never freed.
          const giveUp = Date.now() + 30_000;
          while ((await c.set('lock', token, 'PX', 60_000, 'NX')) !== 'OK') {
            if (Date.now() > giveUp) assert.fail('the lock was never released');
            assert.equal(await c.evalsha(CAD, 1, 'lock', token), 0, 'a non-holder cannot release');
          }
          assert.equal(holder, -1, `client ${ci} acquired while client ${holder} held the lock`);
          holder = ci;
          lockRounds++;
          await new Promise((r) => setImmediate(r));
          assert.equal(await c.evalsha(CAD, 1, 'lock', `client-${ci}-round-${round - 1}`), 0, 'a stale token cannot release');
          holder = -1;
          releases.push((await c.evalsha(CAD, 1, 'lock', token)) as number);
        }
      }),
    );
    assert.equal(await admin.exists('lock'), 0);
    return { slidingReplies: sliding.map((r) => r.join(' ')).sort(), slidingCard, bucketRounds, bucketState, increments, counter, lockRounds, releases };
  } finally {
    for (const c of clients) c.disconnect();
  }
}
