/**
 * What the sorted set commands propagate to replicas, compared with a real Redis 7.0 replica
 * stream: each write as sent when it changed the dataset, nothing for no-ops and failures, the
 * rewritten forms Redis chooses (ZMPOP as ZPOPMIN/ZPOPMAX), and the command path's wrapping
 * (MULTI, EVAL, lazy expiry, SELECT) around them. The blocking forms are covered with the other
 * blocking commands.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { normalizeTimes, propagationSuite } from '../helpers/propagation.js';

/** Every non-blocking write command of the sorted set group: each must be exercised below. */
const ZSET_WRITES = [
  'zadd',
  'zincrby',
  'zrem',
  'zremrangebyrank',
  'zremrangebyscore',
  'zremrangebylex',
  'zpopmin',
  'zpopmax',
  'zmpop',
  'zrangestore',
  'zunionstore',
  'zinterstore',
  'zdiffstore',
];

/**
 * PEXPIRE only gives keys a TTL before a lazy-expiry case; its own propagated form (PEXPIREAT) is
 * the keyspace commands' concern, so both forms compare equal here.
 */
function expiryAsMarker(argv: string[]): string[] {
  return /^pexpire(at)?$/i.test(argv[0]) ? ['<pexpire>', argv[1]] : normalizeTimes(argv);
}

propagationSuite('propagation: sorted sets', (t) => {
  t.case('ZADD propagates as sent when it adds or changes a score', [
    ['ZADD', 'z', '1', 'a', '2', 'b'],
    ['ZADD', 'z', '1', 'a'],
    ['ZADD', 'z', '1', 'a', '3', 'c'],
    ['ZADD', 'z', '5', 'a', '2', 'b'],
    ['zadd', 'z', '-inf', 'd'],
  ]);
  t.case('ZADD NX and XX: only what they change propagates', [
    ['ZADD', 'z', 'NX', '1', 'a'],
    ['ZADD', 'z', 'NX', '9', 'a'],
    ['ZADD', 'z', 'NX', '9', 'a', '2', 'b'],
    ['ZADD', 'z', 'XX', '1', 'a'],
    ['ZADD', 'z', 'XX', '7', 'a'],
    ['ZADD', 'z', 'XX', '7', 'nope'],
    ['ZADD', 'missing', 'XX', '1', 'a'],
    ['EXISTS', 'missing'],
  ]);
  t.case('ZADD GT and LT: no-op updates propagate nothing', [
    ['ZADD', 'z', '5', 'a', '5', 'b'],
    ['ZADD', 'z', 'GT', '3', 'a'],
    ['ZADD', 'z', 'LT', '7', 'a'],
    ['ZADD', 'z', 'GT', '7', 'a'],
    ['ZADD', 'z', 'LT', '1', 'b'],
    ['ZADD', 'z', 'GT', 'CH', '6', 'a', '9', 'b'],
    ['ZADD', 'z', 'GT', 'XX', '1', 'a', '1', 'new'],
    ['ZADD', 'z', 'LT', 'XX', 'CH', '1', 'a', '1', 'new'],
    ['ZADD', 'z', 'GT', '1', 'new'],
  ]);
  t.case('ZADD CH propagates as sent', [
    ['ZADD', 'z', 'CH', '1', 'a'],
    ['ZADD', 'z', 'CH', '1', 'a'],
    ['ZADD', 'z', 'CH', '2', 'a', '1', 'b'],
    ['ZADD', 'z', 'NX', 'CH', '3', 'a', '3', 'c'],
  ]);
  t.case('ZADD INCR propagates as sent; no-op and NaN propagate nothing', [
    ['ZADD', 'z', 'INCR', '1.5', 'a'],
    ['ZADD', 'z', 'INCR', '0.1', 'a'],
    ['ZADD', 'z', 'INCR', '0', 'a'],
    ['ZADD', 'z', 'NX', 'INCR', '1', 'a'],
    ['ZADD', 'z', 'XX', 'INCR', '1', 'b'],
    ['ZADD', 'z', 'GT', 'INCR', '-1', 'a'],
    ['ZADD', 'z', 'LT', 'INCR', '-1', 'a'],
    ['ZADD', 'z', 'INCR', '+inf', 'inf'],
    ['ZADD', 'z', 'INCR', '-inf', 'inf'],
    ['ZADD', 'z', 'XX', 'CH', 'INCR', '2', 'a'],
  ]);
  t.case('ZADD failures propagate nothing', [
    ['ZADD', 'z', '1'],
    ['ZADD', 'z', 'x', 'a'],
    ['ZADD', 'z', 'NX', 'XX', '1', 'a'],
    ['ZADD', 'z', 'GT', 'LT', '1', 'a'],
    ['ZADD', 'z', 'INCR', '1', 'a', '2', 'b'],
    ['ZADD', 'z', 'nan', 'a'],
    ['SET', 's', 'v'],
    ['ZADD', 's', '1', 'a'],
    ['EXISTS', 'z'],
  ]);
  t.case('ZADD converting to a skiplist propagates as sent', [
    ['ZADD', 'z', '1', 'a'],
    ['ZADD', 'z', '2', 'x'.repeat(100)],
  ]);

  t.case('ZINCRBY propagates as sent; NaN and errors propagate nothing', [
    ['ZINCRBY', 'z', '1.5', 'a'],
    ['ZINCRBY', 'z', '0.1', 'a'],
    ['ZINCRBY', 'z', '0', 'a'],
    ['ZINCRBY', 'z', '-2', 'b'],
    ['ZINCRBY', 'z', 'x', 'a'],
    ['ZINCRBY', 'z', '+inf', 'i'],
    ['ZINCRBY', 'z', '-inf', 'i'],
    ['SET', 's', 'v'],
    ['ZINCRBY', 's', '1', 'a'],
  ]);

  t.case('ZREM propagates as sent when it removes something', [
    ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'],
    ['ZREM', 'z', 'a', 'nope'],
    ['ZREM', 'z', 'nope'],
    ['ZREM', 'missing', 'a'],
    ['ZREM', 'z', 'b', 'c', 'b'],
    ['EXISTS', 'z'],
    ['SET', 's', 'v'],
    ['ZREM', 's', 'a'],
  ]);

  t.case('ZREMRANGEBYRANK propagates as sent when it removes something', [
    ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'],
    ['ZREMRANGEBYRANK', 'z', '0', '0'],
    ['ZREMRANGEBYRANK', 'z', '10', '20'],
    ['ZREMRANGEBYRANK', 'z', '2', '1'],
    ['ZREMRANGEBYRANK', 'missing', '0', '-1'],
    ['ZREMRANGEBYRANK', 'z', 'x', '1'],
    ['ZREMRANGEBYRANK', 'z', '-2', '-1'],
    ['ZREMRANGEBYRANK', 'z', '0', '-1'],
    ['EXISTS', 'z'],
  ]);
  t.case('ZREMRANGEBYSCORE propagates as sent when it removes something', [
    ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'],
    ['ZREMRANGEBYSCORE', 'z', '(1', '2'],
    ['ZREMRANGEBYSCORE', 'z', '10', '20'],
    ['ZREMRANGEBYSCORE', 'z', 'x', '20'],
    ['ZREMRANGEBYSCORE', 'missing', '-inf', '+inf'],
    ['ZREMRANGEBYSCORE', 'z', '-inf', '+inf'],
    ['EXISTS', 'z'],
  ]);
  t.case('ZREMRANGEBYLEX propagates as sent when it removes something', [
    ['ZADD', 'z', '0', 'a', '0', 'b', '0', 'c', '0', 'd'],
    ['ZREMRANGEBYLEX', 'z', '[a', '(c'],
    ['ZREMRANGEBYLEX', 'z', '[x', '+'],
    ['ZREMRANGEBYLEX', 'z', 'a', '+'],
    ['ZREMRANGEBYLEX', 'missing', '-', '+'],
    ['ZREMRANGEBYLEX', 'z', '-', '+'],
    ['EXISTS', 'z'],
  ]);

  t.case('ZPOPMIN propagates as sent when it pops, with or without a count', [
    ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e'],
    ['ZPOPMIN', 'z'],
    ['ZPOPMIN', 'z', '2'],
    ['ZPOPMIN', 'z', '0'],
    ['ZPOPMIN', 'z', '-1'],
    ['ZPOPMIN', 'z', '1', '2'],
    ['ZPOPMIN', 'missing'],
    ['ZPOPMIN', 'missing', '3'],
    ['ZPOPMIN', 'z', '10'],
    ['EXISTS', 'z'],
    ['ZPOPMIN', 'z'],
  ]);
  t.case('ZPOPMAX propagates as sent when it pops, with or without a count', [
    ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e'],
    ['ZPOPMAX', 'z'],
    ['ZPOPMAX', 'z', '2'],
    ['ZPOPMAX', 'z', '0'],
    ['ZPOPMAX', 'missing', '1'],
    ['zpopmax', 'z', '99'],
    ['EXISTS', 'z'],
    ['SET', 's', 'v'],
    ['ZPOPMAX', 's'],
  ]);

  t.case('ZMPOP propagates as ZPOPMIN/ZPOPMAX of the key it popped', [
    ['ZADD', 'z1', '1', 'a', '2', 'b', '3', 'c'],
    ['ZADD', 'z2', '1', 'x', '2', 'y', '3', 'w'],
    ['ZMPOP', '1', 'z1', 'MIN'],
    ['ZMPOP', '2', 'missing', 'z2', 'MAX', 'COUNT', '2'],
    ['ZMPOP', '2', 'z1', 'z2', 'min', 'count', '1'],
    ['ZMPOP', '2', 'z1', 'z2', 'MAX', 'COUNT', '10'],
    ['ZMPOP', '2', 'z1', 'z2', 'MIN'],
    ['ZMPOP', '1', 'missing', 'MIN', 'COUNT', '0'],
    ['ZMPOP', '0', 'z1', 'MIN'],
    ['ZMPOP', '1', 'z1', 'SIDEWAYS'],
  ]);

  t.case('ZRANGESTORE propagates as sent when it stores or deletes the destination', [
    ['ZADD', 'src', '1', 'a', '2', 'b', '3', 'c'],
    ['ZRANGESTORE', 'dst', 'src', '0', '-1'],
    ['ZRANGESTORE', 'dst', 'src', '(1', '+inf', 'BYSCORE', 'LIMIT', '0', '1'],
    ['ZRANGESTORE', 'dst', 'src', '[c', '-', 'BYLEX', 'REV'],
    ['ZRANGESTORE', 'dst', 'src', '5', '10'],
    ['EXISTS', 'dst'],
    ['ZRANGESTORE', 'dst', 'src', '5', '10'],
    ['ZRANGESTORE', 'dst', 'missing', '0', '-1'],
    ['ZRANGESTORE', 'dst', 'src', '0', '-1', 'WITHSCORES'],
    ['SET', 's', 'v'],
    ['ZRANGESTORE', 'dst', 's', '0', '-1'],
    ['ZRANGESTORE', 's', 'src', '0', '0'],
    ['TYPE', 's'],
  ]);

  t.case('ZUNIONSTORE propagates as sent, also when the empty result deletes the destination', [
    ['ZADD', 'a', '1', 'x', '2', 'y'],
    ['ZADD', 'b', '3', 'y', '4', 'w'],
    ['SADD', 's', 'x', 'v'],
    ['ZUNIONSTORE', 'dst', '2', 'a', 'b'],
    ['ZUNIONSTORE', 'dst', '3', 'a', 'b', 's', 'WEIGHTS', '1', '2', '3', 'AGGREGATE', 'MAX'],
    ['ZUNIONSTORE', 'dst', '1', 'missing'],
    ['EXISTS', 'dst'],
    ['ZUNIONSTORE', 'dst', '1', 'missing'],
    ['ZUNIONSTORE', 'dst', '0', 'a'],
    ['ZUNIONSTORE', 'dst', '2', 'a', 'b', 'AGGREGATE', 'AVG'],
    ['SET', 'str', 'v'],
    ['ZUNIONSTORE', 'dst', '1', 'str'],
  ]);
  t.case('ZINTERSTORE propagates as sent, also when the empty result deletes the destination', [
    ['ZADD', 'a', '1', 'x', '2', 'y'],
    ['ZADD', 'b', '3', 'y', '4', 'w'],
    ['ZINTERSTORE', 'dst', '2', 'a', 'b'],
    ['ZINTERSTORE', 'dst', '2', 'a', 'b', 'WEIGHTS', '2', '0.5', 'AGGREGATE', 'MIN'],
    ['ZINTERSTORE', 'dst', '2', 'a', 'missing'],
    ['ZINTERSTORE', 'dst', '2', 'a', 'missing'],
    ['ZINTERSTORE', 'dst', '2', 'a', 'b', 'WEIGHTS', 'x', '1'],
  ]);
  t.case('ZDIFFSTORE propagates as sent, also when the empty result deletes the destination', [
    ['ZADD', 'a', '1', 'x', '2', 'y'],
    ['ZADD', 'b', '3', 'y', '4', 'w'],
    ['ZDIFFSTORE', 'dst', '2', 'a', 'b'],
    ['ZDIFFSTORE', 'dst', '2', 'a', 'a'],
    ['ZDIFFSTORE', 'dst', '2', 'a', 'a'],
    ['ZDIFFSTORE', 'dst', '1', 'missing'],
    ['ZDIFFSTORE', 'a', '1', 'b'],
    ['ZDIFFSTORE', 'dst', '1', 'a', 'WEIGHTS', '1'],
  ]);
  t.case('a store overwrites or deletes a destination of another type', [
    ['ZADD', 'a', '1', 'x'],
    ['SET', 'str', 'v'],
    ['ZUNIONSTORE', 'str', '1', 'a'],
    ['TYPE', 'str'],
    ['SET', 'str', 'v'],
    ['ZINTERSTORE', 'str', '2', 'a', 'missing'],
    ['EXISTS', 'str'],
    ['SADD', 'set', 'm'],
    ['ZRANGESTORE', 'set', 'a', '0', '-1'],
    ['TYPE', 'set'],
  ]);
  t.case('a store over its own source propagates as sent', [
    ['ZADD', 'a', '1', 'x', '2', 'y'],
    ['ZUNIONSTORE', 'a', '1', 'a', 'WEIGHTS', '3'],
    ['ZRANGESTORE', 'a', 'a', '0', '0'],
    ['ZINTERSTORE', 'a', '2', 'a', 'missing'],
  ]);

  t.case('read-only sorted set commands propagate nothing', [
    ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'],
    ['ZRANDMEMBER', 'z', '-5'],
    ['ZRANDMEMBER', 'z', '10', 'WITHSCORES'],
    ['ZRANGE', 'z', '0', '-1'],
    ['ZUNION', '1', 'z'],
    ['ZINTERCARD', '1', 'z'],
  ], { compare: 'type' });

  t.case('sorted set writes in MULTI/EXEC are wrapped, ZMPOP rewritten inside', [
    ['MULTI'],
    ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'],
    ['ZADD', 'z', 'NX', '5', 'a'],
    ['ZINCRBY', 'z', '1', 'a'],
    ['ZMPOP', '1', 'z', 'MAX', 'COUNT', '1'],
    ['ZPOPMIN', 'missing'],
    ['ZRANGESTORE', 'dst', 'z', '0', '0'],
    ['EXEC'],
    ['MULTI'],
    ['ZMPOP', '1', 'z', 'MIN'],
    ['ZCARD', 'z'],
    ['EXEC'],
  ]);
  t.case('sorted set writes in a script are wrapped, ZMPOP rewritten inside', [
    ['EVAL', "redis.call('zadd', KEYS[1], 1, 'a', 2, 'b', 3, 'c') return redis.call('zmpop', 1, KEYS[1], 'MIN')", '1', 'z'],
    ['EVAL', "return redis.call('zmpop', 1, KEYS[1], 'MAX', 'COUNT', 5)", '1', 'z'],
    ['EVAL', "return redis.call('zadd', KEYS[1], 'XX', 1, 'a')", '1', 'z'],
    ['EVAL', "redis.call('zadd', KEYS[1], 1, 'a') return redis.call('zunionstore', KEYS[2], 1, KEYS[1])", '2', 'z', 'u'],
  ]);
  t.case('sorted set writes in another database select it', [
    ['SELECT', '7'],
    ['ZADD', 'z', '1', 'a', '2', 'b'],
    ['ZMPOP', '1', 'z', 'MAX'],
    ['ZUNIONSTORE', 'u', '1', 'z'],
    ['SELECT', '0'],
    ['ZADD', 'z', '1', 'a'],
  ]);
  t.case('a sorted set found expired is deleted first (DEL + the command, wrapped)', [
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
    ['ZADD', 'z1', '1', 'a'],
    ['PEXPIRE', 'z1', '10'],
    ['ZADD', 'z2', '1', 'a'],
    ['PEXPIRE', 'z2', '10'],
    ['ZADD', 'z3', '1', 'a'],
    ['PEXPIRE', 'z3', '10'],
    ['ZADD', 'src', '1', 'a'],
    ['ZADD', 'dst', '1', 'a'],
    ['PEXPIRE', 'dst', '10'],
    ['ZADD', 'z4', '1', 'a'],
    ['PEXPIRE', 'z4', '10'],
    { sleep: 50 },
    ['ZADD', 'z1', '2', 'b'],
    ['ZPOPMIN', 'z2'],
    ['ZMPOP', '1', 'z3', 'MIN'],
    ['ZRANGESTORE', 'dst', 'src', '0', '-1'],
    ['ZADD', 'z4', 'XX', '5', 'a'],
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
  ], { normalize: expiryAsMarker });

  t.case('an expired source is deleted first; the store propagates only when it changed the destination', [
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
    ['ZADD', 's1', '1', 'a'],
    ['PEXPIRE', 's1', '10'],
    ['ZADD', 's2', '1', 'a'],
    ['PEXPIRE', 's2', '10'],
    ['ZADD', 's3', '1', 'a'],
    ['PEXPIRE', 's3', '10'],
    ['ZADD', 's4', '1', 'a'],
    ['PEXPIRE', 's4', '10'],
    ['ZADD', 'live', '1', 'a', '2', 'b'],
    ['ZADD', 'dst', '1', 'old'],
    { sleep: 50 },
    ['ZUNIONSTORE', 'dst', '1', 's1'],
    ['ZUNIONSTORE', 'nodst', '1', 's2'],
    ['ZRANGESTORE', 'dst2', 's3', '0', '-1'],
    ['ZMPOP', '2', 's4', 'live', 'MAX'],
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
  ], { normalize: expiryAsMarker });

  it('every sorted set write command has a propagation case', () => {
    for (const name of ZSET_WRITES) assert.ok(t.exercised.has(name), `no case runs ${name}`);
  });
});
