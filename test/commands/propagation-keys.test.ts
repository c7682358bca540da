/**
 * What the keyspace commands propagate to replicas (and later the AOF), compared with a real Redis
 * 7.0 replica stream: DEL/UNLINK, the EXPIRE family as PEXPIREAT (or DEL/UNLINK for a time in the
 * past), PERSIST, RENAME, COPY, MOVE, SWAPDB, FLUSHDB/FLUSHALL, SORT ... STORE, DEBUG.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { propagationSuite } from '../helpers/propagation.js';
import { startRealRedis } from '../helpers/differential.js';
import { GENERIC_COMMANDS } from '../../src/commands/generic.js';
import { SORT_COMMANDS } from '../../src/commands/sort.js';
import { DUMP_COMMANDS } from '../../src/commands/dump.js';
import { crc64 } from '../../src/util/crc64.js';

/** A DUMP payload of the string `s` (type 0, RDB version 10, CRC64). */
function stringPayload(s: string): string {
  const body = Buffer.from(`\x00${String.fromCharCode(s.length)}${s}`, 'latin1');
  const out = Buffer.alloc(body.length + 10);
  body.copy(out);
  out.writeUInt16LE(10, body.length);
  out.writeBigUInt64LE(crc64(out, 0, body.length + 2), body.length + 2);
  return out.latin1Slice();
}

/** A time far enough ahead not to be normalised as "near now", so it compares exactly. */
const FAR_S = '4000000000';
const FAR_MS = '4000000000000';

propagationSuite('propagation: keyspace commands', (t) => {
  // ---------------------------------------------------------------- DEL / UNLINK
  t.case('DEL and UNLINK as sent when they delete something', [
    ['MSET', 'a', '1', 'b', '2', 'c', '3'],
    ['DEL', 'a'],
    ['DEL', 'a'],
    ['DEL', 'b', 'nokey', 'b'],
    ['UNLINK', 'c', 'nokey'],
    ['UNLINK', 'nokey'],
  ]);
  t.case('DEL and UNLINK under lazyfree-lazy-user-del keep their names', [
    ['CONFIG', 'SET', 'lazyfree-lazy-user-del', 'yes'],
    ['MSET', 'a', '1', 'b', '2'],
    ['DEL', 'a'],
    ['UNLINK', 'b'],
    ['CONFIG', 'SET', 'lazyfree-lazy-user-del', 'no'],
  ]);

  // ---------------------------------------------------------------- EXPIRE family
  t.case('EXPIRE / PEXPIRE / EXPIREAT become PEXPIREAT; PEXPIREAT as sent', [
    ['SET', 'k', 'v'],
    ['EXPIRE', 'k', '100'],
    ['PEXPIRE', 'k', '100000'],
    ['EXPIREAT', 'k', FAR_S],
    ['PEXPIREAT', 'k', FAR_MS],
  ]);
  t.case('EXPIRE conditions are kept in the PEXPIREAT they become', [
    ['SET', 'k', 'v'],
    ['EXPIRE', 'k', '100', 'NX'],
    ['EXPIRE', 'k', '200', 'NX'],
    ['EXPIRE', 'k', '300', 'XX'],
    ['PEXPIRE', 'k', '400000', 'GT'],
    ['PEXPIRE', 'k', '100', 'GT'],
    ['EXPIREAT', 'k', FAR_S, 'LT'],
    ['PEXPIREAT', 'k', '3000000000000', 'LT'],
    ['PEXPIREAT', 'k', FAR_MS, 'lt'],
    ['SET', 'p', 'v'],
    ['EXPIRE', 'p', '100', 'XX'],
    ['EXPIRE', 'p', '100', 'GT'],
    ['EXPIRE', 'p', '100', 'LT'],
  ]);
  t.case(
    'EXPIRE times beyond 2^53 ms propagate exactly',
    [
      ['SET', 'k', 'v'],
      ['PEXPIRE', 'k', '9000000000000000000'],
      ['EXPIREAT', 'k', '9000000000000000'],
      ['PEXPIREAT', 'k', '9007199254740993'],
      ['EXPIRE', 'k', '9000000000000000', 'LT'],
    ],
  );
  t.case('EXPIRE with a time in the past deletes the key: DEL', [
    ['MSET', 'a', '1', 'b', '2', 'c', '3', 'd', '4'],
    ['EXPIRE', 'a', '0'],
    ['PEXPIRE', 'b', '-100'],
    ['EXPIREAT', 'c', '1'],
    ['PEXPIREAT', 'd', '1000', 'NX'],
  ]);
  t.case('EXPIRE with a time in the past under lazyfree-lazy-expire: UNLINK', [
    ['CONFIG', 'SET', 'lazyfree-lazy-expire', 'yes'],
    ['MSET', 'a', '1', 'b', '2'],
    ['EXPIRE', 'a', '-1'],
    ['PEXPIREAT', 'b', '1'],
    ['CONFIG', 'SET', 'lazyfree-lazy-expire', 'no'],
  ]);
  t.case('EXPIRE on a missing key, with bad arguments or out of range propagates nothing', [
    ['EXPIRE', 'nokey', '100'],
    ['SET', 'k', 'v'],
    ['EXPIRE', 'k', 'abc'],
    ['EXPIRE', 'k', '100', 'NX', 'XX'],
    ['EXPIRE', 'k', '100', 'GT', 'LT'],
    ['EXPIRE', 'k', '100', 'FOO'],
    ['EXPIRE', 'k', '9223372036854775807'],
    ['PEXPIRE', 'k', '9223372036854775807'],
  ]);
  t.case('PERSIST as sent when it removes a TTL', [
    ['SET', 'k', 'v'],
    ['PERSIST', 'k'],
    ['PERSIST', 'nokey'],
    ['EXPIRE', 'k', '100'],
    ['PERSIST', 'k'],
  ]);
  t.case('reads propagate nothing (TTL family, EXISTS, TYPE, TOUCH, OBJECT, KEYS, SCAN, RANDOMKEY, DBSIZE)', [
    ['SET', 'k', 'v', 'EX', '100'],
    ['TTL', 'k'],
    { argv: ['PTTL', 'k'], compare: 'type' },
    { argv: ['EXPIRETIME', 'k'], compare: 'type' },
    { argv: ['PEXPIRETIME', 'k'], compare: 'type' },
    ['EXISTS', 'k', 'nokey'],
    ['TYPE', 'k'],
    ['TOUCH', 'k', 'nokey'],
    ['OBJECT', 'ENCODING', 'k'],
    ['OBJECT', 'REFCOUNT', 'k'],
    ['KEYS', '*'],
    ['SCAN', '0'],
    ['RANDOMKEY'],
    ['DBSIZE'],
  ]);

  // ---------------------------------------------------------------- RENAME / RENAMENX
  t.case('RENAME as sent; renaming a key to itself changes nothing', [
    ['SET', 'a', '1', 'EX', '100'],
    ['SET', 'b', '2'],
    ['RENAME', 'a', 'c'],
    ['RENAME', 'c', 'b'],
    ['RENAME', 'b', 'b'],
    ['RENAME', 'nokey', 'x'],
  ]);
  t.case('RENAMENX as sent when it renames', [
    ['MSET', 'a', '1', 'b', '2'],
    ['RENAMENX', 'a', 'b'],
    ['RENAMENX', 'a', 'c'],
    ['RENAMENX', 'c', 'c'],
    ['RENAMENX', 'nokey', 'x'],
  ]);

  // ---------------------------------------------------------------- RESTORE
  t.case('RESTORE as sent; a relative TTL becomes absolute with ABSTTL appended', [
    ['RESTORE', 'a', '0', stringPayload('hello')],
    ['RESTORE', 'a', '0', stringPayload('hello')],
    ['RESTORE', 'a', '0', stringPayload('bye'), 'REPLACE', 'IDLETIME', '10'],
    ['RESTORE', 'b', '100000', stringPayload('hello')],
    ['RESTORE', 'c', FAR_MS, stringPayload('hello'), 'ABSTTL'],
    ['RESTORE', 'd', '0', 'bad payload'],
  ]);
  t.case('RESTORE of an expired TTL: nothing, or the replaced key deleted (DEL even under lazyfree-lazy-server-del)', [
    ['RESTORE', 'a', '1', stringPayload('hello'), 'ABSTTL'],
    ['SET', 'b', 'x'],
    ['RESTORE', 'b', '1', stringPayload('hello'), 'ABSTTL', 'REPLACE'],
    ['CONFIG', 'SET', 'lazyfree-lazy-server-del', 'yes'],
    ['SET', 'b', 'x'],
    ['RESTORE', 'b', '1', stringPayload('hello'), 'ABSTTL', 'REPLACE'],
    ['CONFIG', 'SET', 'lazyfree-lazy-server-del', 'no'],
  ]);

  t.case('RESTORE-ASKING as sent (a standalone server runs it as RESTORE)', [
    ['RESTORE-ASKING', 'a', '0', stringPayload('hello')],
    ['RESTORE-ASKING', 'a', '0', stringPayload('bye'), 'REPLACE'],
  ]);

  // ---------------------------------------------------------------- MIGRATE
  t.case('MIGRATE that finds no key propagates nothing', [
    ['MIGRATE', '127.0.0.1', '1', 'nokey', '0', '1000'],
    ['MIGRATE', '127.0.0.1', '1', '', '0', '1000', 'KEYS', 'nokey', 'nokey2'],
  ]);
  t.scenario('MIGRATE as one DEL of the keys the target acknowledged; COPY and failures propagate nothing', async (s) => {
    // Each server migrates to a target of its own, so neither sees the other's keys there.
    const targets = { redis: await startRealRedis(), cinder: await startRealRedis() };
    try {
      const c = await s.client();
      const to = (argv: string[]) => (side: 'redis' | 'cinder') => ['MIGRATE', '127.0.0.1', String(targets[side].port), ...argv];
      for (const argv of [
        ['MSET', 'a', '1', 'b', '2', 'c', '3', 'd', '4'],
        to(['a', '0', '1000']),
        to(['', '0', '1000', 'KEYS', 'b', 'nokey', 'c']),
        to(['d', '0', '1000', 'COPY']),
        ['SET', 'a', 'again'],
        ['SET', 'b', 'again'],
        to(['', '0', '1000', 'KEYS', 'b', 'a', 'd']),
        to(['d', '0', '1000', 'AUTH', 'pw']),
      ]) {
        c.send(argv);
        await c.reply();
      }
    } finally {
      await Promise.all([targets.redis.stop(), targets.cinder.stop()]);
    }
  });

  // ---------------------------------------------------------------- COPY / MOVE / SWAPDB
  t.case('COPY as sent, with DB and REPLACE; a COPY that copies nothing propagates nothing', [
    ['SET', 'a', '1', 'EX', '100'],
    ['SET', 'b', '2'],
    ['COPY', 'a', 'c'],
    ['COPY', 'a', 'b'],
    ['COPY', 'a', 'b', 'REPLACE'],
    ['COPY', 'a', 'a', 'DB', '2'],
    ['COPY', 'a', 'a', 'DB', '2'],
    ['COPY', 'a', 'a', 'DB', '2', 'REPLACE'],
    ['COPY', 'nokey', 'x'],
    ['COPY', 'a', 'a'],
    ['COPY', 'a', 'x', 'DB', '99'],
  ]);
  t.case('MOVE as sent, in the source database', [
    ['SET', 'a', '1', 'EX', '100'],
    ['SET', 'b', '2'],
    ['MOVE', 'a', '3'],
    ['SELECT', '3'],
    ['SET', 'b', 'x'],
    ['SELECT', '0'],
    ['MOVE', 'b', '3'],
    ['MOVE', 'nokey', '3'],
    ['MOVE', 'b', '0'],
    ['MOVE', 'b', '99'],
    ['SELECT', '3'],
    ['MOVE', 'a', '0'],
    ['SELECT', '0'],
  ]);
  t.case('SWAPDB as sent, also for the same index', [
    ['SET', 'a', '1'],
    ['SWAPDB', '0', '1'],
    ['SWAPDB', '2', '2'],
    ['SWAPDB', '0', '99'],
    ['SWAPDB', 'x', '1'],
    ['SWAPDB', '1', '0'],
  ]);

  // ---------------------------------------------------------------- FLUSHDB / FLUSHALL
  t.case('FLUSHDB as sent, also on an empty database', [
    ['SET', 'a', '1'],
    ['FLUSHDB'],
    ['FLUSHDB'],
    ['SET', 'a', '1'],
    ['FLUSHDB', 'ASYNC'],
    ['FLUSHDB', 'SYNC'],
    ['FLUSHDB', 'FOO'],
    ['SELECT', '5'],
    ['FLUSHDB'],
    ['SELECT', '0'],
  ]);
  t.case('FLUSHALL as sent, also on empty databases', [
    ['SET', 'a', '1'],
    ['FLUSHALL'],
    ['FLUSHALL'],
    ['FLUSHALL', 'ASYNC'],
    ['FLUSHALL', 'SYNC'],
    ['FLUSHALL', 'FOO'],
  ]);
  t.case('FLUSHDB / FLUSHALL under lazyfree-lazy-user-flush', [
    ['CONFIG', 'SET', 'lazyfree-lazy-user-flush', 'yes'],
    ['SET', 'a', '1'],
    ['FLUSHDB'],
    ['FLUSHALL'],
    ['FLUSHALL', 'SYNC'],
    ['CONFIG', 'SET', 'lazyfree-lazy-user-flush', 'no'],
  ]);
  t.case('FLUSHDB / FLUSHALL inside MULTI and EVAL', [
    ['MULTI'],
    ['SET', 'a', '1'],
    ['FLUSHDB'],
    ['SET', 'b', '1'],
    ['FLUSHALL'],
    ['EXEC'],
    ['EVAL', "redis.call('set', 'x', '1') return redis.call('flushdb')", '0'],
  ]);

  // ---------------------------------------------------------------- SORT ... STORE
  t.case('SORT ... STORE as sent', [
    ['RPUSH', 'l', '3', '1', '2'],
    ['SORT', 'l'],
    ['SORT', 'l', 'STORE', 'dst'],
    ['SORT', 'l', 'DESC', 'LIMIT', '0', '2', 'STORE', 'dst'],
    ['MSET', 'w_1', '3', 'w_2', '2', 'w_3', '1', 'o_1', 'a', 'o_2', 'b', 'o_3', 'c'],
    ['SORT', 'l', 'BY', 'w_*', 'GET', 'o_*', 'GET', '#', 'STORE', 'dst'],
    ['SADD', 's', 'c', 'a', 'b'],
    ['SORT', 's', 'ALPHA', 'STORE', 'dst2'],
    ['SORT', 's', 'BY', 'nosort', 'STORE', 'dst3'],
    ['SORT_RO', 'l'],
  ]);
  t.case('SORT ... STORE of nothing deletes the destination: as sent only when it existed', [
    ['RPUSH', 'dst', 'x'],
    ['SORT', 'nokey', 'STORE', 'dst'],
    ['SORT', 'nokey', 'STORE', 'dst'],
    ['RPUSH', 'l', '1'],
    ['SORT', 'l', 'LIMIT', '5', '1', 'STORE', 'dst'],
    ['SET', 's', 'x'],
    ['SORT', 's', 'STORE', 'dst'],
    ['SORT', 'l', 'STORE', 'dst', 'FOO'],
  ]);

  // ---------------------------------------------------------------- DEBUG
  t.case('DEBUG POPULATE and other DEBUG subcommands propagate nothing', [
    ['DEBUG', 'POPULATE', '5'],
    ['DEBUG', 'POPULATE', '3', 'p', '10'],
    ['DBSIZE'],
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
    ['DEBUG', 'LOG', 'hello'],
  ]);

  // ---------------------------------------------------------------- transactions, scripts, databases
  t.case('keyspace commands inside MULTI are wrapped with their rewrites', [
    ['MSET', 'a', '1', 'b', '2'],
    ['MULTI'],
    ['EXPIRE', 'a', '100'],
    ['EXPIRE', 'b', '-1'],
    ['RENAME', 'a', 'c'],
    ['PERSIST', 'c'],
    ['COPY', 'c', 'd', 'DB', '1'],
    ['MOVE', 'c', '2'],
    ['DEL', 'nokey'],
    ['EXEC'],
  ]);
  t.case('keyspace commands inside EVAL are rewritten there too', [
    ['MSET', 'a', '1', 'b', '2'],
    ['EVAL', "redis.call('expire', KEYS[1], 100) return redis.call('pexpire', KEYS[2], 0)", '2', 'a', 'b'],
    // GT against 100 s set a moment ago: 200 is greater, 50 is not, whether or not a millisecond
    // passed between the steps (100 again would depend on it).
    ['EVAL', "return redis.call('expire', KEYS[1], 200, 'GT')", '1', 'a'],
    ['EVAL', "return redis.call('expire', KEYS[1], 50, 'GT')", '1', 'a'],
    ['EVAL', "return redis.call('del', KEYS[1])", '1', 'a'],
  ]);
  t.case('keyspace commands in another database select it', [
    ['SELECT', '2'],
    ['SET', 'a', '1'],
    ['EXPIRE', 'a', '100'],
    ['RENAME', 'a', 'b'],
    ['MOVE', 'b', '0'],
    ['SELECT', '0'],
    ['DEL', 'b'],
  ]);

  // ---------------------------------------------------------------- lazy expiry
  t.case('a keyspace command that finds its key expired: DEL first, wrapped with its own effect', [
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
    ['SET', 'a', '1', 'PX', '1'],
    ['SET', 'b', '1', 'PX', '1'],
    ['SET', 'c', '1', 'PX', '1'],
    ['SET', 'd', '1', 'PX', '1'],
    ['SET', 'e', '1', 'PX', '1'],
    ['SET', 'f', '1', 'PX', '1'],
    ['SET', 'g', '1', 'PX', '1'],
    ['SET', 'h', '1', 'PX', '1'],
    ['SET', 'live', '1'],
    { sleep: 50 },
    ['DEL', 'a', 'live'],
    ['EXPIRE', 'b', '100'],
    ['RENAME', 'c', 'x'],
    ['PERSIST', 'd'],
    ['COPY', 'x2', 'e'],
    ['SET', 'src', '1'],
    ['COPY', 'src', 'e'],
    ['TOUCH', 'f'],
    ['EXISTS', 'g'],
    ['SET', 'h2', '1'],
    ['RENAME', 'h2', 'h'],
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
  ]);
  t.case('a key found expired in another database is deleted there, then the command runs in its own', [
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
    ['SELECT', '3'],
    ['SET', 'a', '1', 'PX', '1'],
    ['SET', 'b', '1', 'PX', '1'],
    ['SELECT', '0'],
    ['MSET', 'a', '1', 'b', '2', 'l', '1'],
    { sleep: 50 },
    ['MOVE', 'a', '3'],
    ['COPY', 'b', 'b', 'DB', '3'],
    ['SET', 's', '1', 'PX', '1'],
    ['RPUSH', 'dst', 'x'],
    ['PEXPIRE', 'dst', '10'],
    { sleep: 50 },
    ['SORT', 'l', 'STORE', 'dst'],
    ['SORT', 's', 'STORE', 'l'],
    // Deleted here by a read on both servers, before active expiry could race for it.
    ['EXISTS', 'dst'],
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
  ]);

  it('every write command of the group has a propagation case', () => {
    const writes = [...GENERIC_COMMANDS, ...DUMP_COMMANDS, ...SORT_COMMANDS].filter((cmd) => cmd.flags.includes('write') || cmd.flags.includes('may_replicate'));
    assert.deepEqual(writes.map((cmd) => cmd.name).filter((name) => !t.exercised.has(name)), []);
  });
});
