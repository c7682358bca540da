/**
 * What the hash commands propagate to replicas, compared with a real Redis 7.0 replica stream:
 * each write as sent when it changed the hash, nothing when it changed nothing or failed,
 * HINCRBYFLOAT as HSET of its result, and the command path's wrapping (MULTI, EVAL, lazy expiry,
 * SELECT) around them.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { normalizeTimes, propagationSuite } from '../helpers/propagation.js';

/** Every write command of the hash group: each must be exercised by some case below. */
const HASH_WRITES = ['hset', 'hsetnx', 'hmset', 'hdel', 'hincrby', 'hincrbyfloat'];

/**
 * PEXPIRE only gives keys a TTL before a lazy-expiry case; its own propagated form (PEXPIREAT) is
 * the keyspace commands' concern, so both forms compare equal here.
 */
function expiryAsMarker(argv: string[]): string[] {
  return /^pexpire(at)?$/i.test(argv[0]) ? ['<pexpire>', argv[1]] : normalizeTimes(argv);
}

propagationSuite('propagation: hashes', (t) => {
  t.case('HSET propagates as sent, also when it only overwrites', [
    ['HSET', 'h', 'a', '1', 'b', '2'],
    ['HSET', 'h', 'a', '1'],
    ['HSET', 'h', 'a', '3', 'c', '4'],
    ['hset', 'h', 'a', 'x'],
  ]);
  t.case('HSET failures propagate nothing', [
    ['HSET', 'h', 'a'],
    ['HSET', 'h', 'a', '1', 'b'],
    ['SET', 's', 'v'],
    ['HSET', 's', 'a', '1'],
  ]);
  t.case('HSET converting to a hashtable propagates as sent', [
    ['HSET', 'h', 'a', '1'],
    ['HSET', 'h', 'big', 'x'.repeat(100)],
  ]);

  t.case('HMSET propagates as sent', [
    ['HMSET', 'h', 'a', '1', 'b', '2'],
    ['HMSET', 'h', 'a', '1'],
    ['HMSET', 'h', 'a'],
    ['SET', 's', 'v'],
    ['HMSET', 's', 'a', '1'],
  ]);

  t.case('HSETNX propagates only when it sets the field', [
    ['HSETNX', 'h', 'a', '1'],
    ['HSETNX', 'h', 'a', '2'],
    ['HSETNX', 'h', 'b', '2'],
    ['SET', 's', 'v'],
    ['HSETNX', 's', 'a', '1'],
  ]);

  t.case('HDEL propagates as sent when it removes something, nothing otherwise', [
    ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3'],
    ['HDEL', 'h', 'a', 'nope'],
    ['HDEL', 'h', 'nope'],
    ['HDEL', 'missing', 'a'],
    ['HDEL', 'h', 'b', 'c', 'b'],
    ['EXISTS', 'h'],
    ['SET', 's', 'v'],
    ['HDEL', 's', 'a'],
  ]);

  t.case('HINCRBY propagates as sent; failures propagate nothing', [
    ['HINCRBY', 'h', 'n', '5'],
    ['HINCRBY', 'h', 'n', '-7'],
    ['HINCRBY', 'h', 'n', '0'],
    ['HINCRBY', 'h', 'n', 'x'],
    ['HSET', 'h', 'f', 'abc', 'big', '9223372036854775807'],
    ['HINCRBY', 'h', 'f', '1'],
    ['HINCRBY', 'h', 'big', '1'],
    ['SET', 's', 'v'],
    ['HINCRBY', 's', 'n', '1'],
  ]);

  t.case('HINCRBYFLOAT propagates as HSET of the result', [
    ['HINCRBYFLOAT', 'h', 'f', '1.5'],
    ['HINCRBYFLOAT', 'h', 'f', '0.1'],
    ['HINCRBYFLOAT', 'h', 'f', '-1.6'],
    ['HINCRBYFLOAT', 'h', 'g', '1e3'],
    ['HINCRBYFLOAT', 'h', 'g', '0'],
    ['HSET', 'h', 'i', '10'],
    ['HINCRBYFLOAT', 'h', 'i', '3.0e-1'],
    ['hincrbyfloat', 'h', 'j', '5.000'],
  ]);
  t.case('HINCRBYFLOAT failures propagate nothing', [
    ['HINCRBYFLOAT', 'h', 'f', 'abc'],
    ['HINCRBYFLOAT', 'h', 'f', 'inf'],
    ['HSET', 'h', 'txt', 'abc', 'huge', '1e308'],
    ['HINCRBYFLOAT', 'h', 'txt', '1'],
    ['HINCRBYFLOAT', 'h', 'huge', '1e308'],
    ['SET', 's', 'v'],
    ['HINCRBYFLOAT', 's', 'f', '1'],
  ]);

  t.case('read-only hash commands propagate nothing', [
    ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3'],
    ['HRANDFIELD', 'h', '-5', 'WITHVALUES'],
    ['HRANDFIELD', 'h'],
    ['HGETALL', 'h'],
    ['HSCAN', 'h', '0'],
  ], { compare: 'type' });

  t.case('hash writes in MULTI/EXEC are wrapped, HINCRBYFLOAT rewritten inside', [
    ['MULTI'],
    ['HSET', 'h', 'a', '1'],
    ['HINCRBYFLOAT', 'h', 'f', '2.5'],
    ['HSETNX', 'h', 'a', 'no'],
    ['HDEL', 'h', 'nope'],
    ['HINCRBY', 'h', 'n', '1'],
    ['EXEC'],
    ['MULTI'],
    ['HINCRBYFLOAT', 'h', 'f', '1'],
    ['HGET', 'h', 'f'],
    ['EXEC'],
  ]);
  t.case('hash writes in a script are wrapped, HINCRBYFLOAT rewritten inside', [
    ['EVAL', "redis.call('hset', KEYS[1], 'a', '1') return redis.call('hincrbyfloat', KEYS[1], 'f', '0.5')", '1', 'h'],
    ['EVAL', "return redis.call('hincrbyfloat', KEYS[1], 'f', '0.25')", '1', 'h'],
    ['EVAL', "return redis.call('hsetnx', KEYS[1], 'a', '2')", '1', 'h'],
    ['EVAL', "redis.call('hdel', KEYS[1], 'a', 'f') return redis.call('hmset', KEYS[1], 'x', 'y')", '1', 'h'],
  ]);
  t.case('hash writes in another database select it', [
    ['SELECT', '4'],
    ['HSET', 'h', 'a', '1'],
    ['HINCRBYFLOAT', 'h', 'f', '1.25'],
    ['SELECT', '0'],
    ['HSET', 'h', 'a', '1'],
  ]);
  t.case('a hash found expired is deleted first (DEL + the command, wrapped)', [
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
    ['HSET', 'h1', 'a', '1'],
    ['PEXPIRE', 'h1', '10'],
    ['HSET', 'h2', 'a', '1'],
    ['PEXPIRE', 'h2', '10'],
    ['HSET', 'h3', 'f', '1'],
    ['PEXPIRE', 'h3', '10'],
    ['HSET', 'h4', 'a', '1'],
    ['PEXPIRE', 'h4', '10'],
    { sleep: 50 },
    ['HSET', 'h1', 'b', '2'],
    ['HINCRBYFLOAT', 'h2', 'f', '1.5'],
    ['HDEL', 'h3', 'f'],
    ['HSETNX', 'h4', 'a', '2'],
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
  ], { normalize: expiryAsMarker });

  it('every hash write command has a propagation case', () => {
    for (const name of HASH_WRITES) assert.ok(t.exercised.has(name), `no case runs ${name}`);
  });
});
