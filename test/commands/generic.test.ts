import { diffSuite, intRange, memoryUsage, remainingTtl, ttlUntil, elapsedMs, type Step } from '../helpers/differential.js';
import { ALL_COMMANDS } from '../../src/commands/index.js';

/** Registers cases that need other command groups only once Cinder has those commands. */
function whenCommands(names: string[], register: () => void): void {
  const have = new Set(ALL_COMMANDS.map((s) => s.name));
  if (names.every((n) => have.has(n))) register();
}

const unordered = (...argv: string[]): Step => ({ argv, compare: 'unordered' });

diffSuite('generic: DEL, UNLINK, EXISTS, TOUCH, TYPE', (t) => {
  t.case('DEL counts removed keys once', [
    ['SET', 'a', '1'],
    ['SET', 'b', '2'],
    ['DEL', 'a', 'b', 'c', 'a'],
    ['EXISTS', 'a', 'b'],
    ['DEL', 'a'],
    ['DBSIZE'],
  ]);
  t.case('UNLINK', [['SET', 'a', '1'], ['SET', 'b', '2'], ['UNLINK', 'a', 'nope', 'b'], ['UNLINK', 'a'], ['DBSIZE']]);
  t.case('EXISTS counts repeated keys each time', [
    ['SET', 'a', '1'],
    ['EXISTS', 'a', 'a', 'a', 'nope'],
    ['EXISTS', 'nope'],
    ['EXISTS', 'a'],
  ]);
  t.case('TOUCH', [['SET', 'a', '1'], ['TOUCH', 'a', 'b', 'a'], ['TOUCH', 'b']]);
  t.case('TYPE', [['SET', 'a', '1'], ['SET', 'b', 'text'], ['TYPE', 'a'], ['TYPE', 'b'], ['TYPE', 'nope']]);
  t.case('binary and empty key names', [
    ['SET', '', 'empty'],
    ['SET', 'k\x00\xff\r\n', 'bin'],
    ['EXISTS', '', 'k\x00\xff\r\n', 'k\x00'],
    ['TYPE', ''],
    ['DEL', '', 'k\x00\xff\r\n'],
    ['DBSIZE'],
  ]);
  t.case('arity errors', [
    ['DEL'],
    ['UNLINK'],
    ['EXISTS'],
    ['TOUCH'],
    ['TYPE'],
    ['TYPE', 'a', 'b'],
    ['DBSIZE', 'x'],
    ['RANDOMKEY', 'x'],
    ['KEYS'],
    ['KEYS', 'a', 'b'],
    ['SCAN'],
    ['RENAME', 'a'],
    ['RENAMENX', 'a', 'b', 'c'],
    ['MOVE', 'a'],
    ['COPY', 'a'],
    ['SWAPDB', '0'],
    ['EXPIRE', 'a'],
    ['PEXPIRE', 'a'],
    ['EXPIREAT', 'a'],
    ['PEXPIREAT', 'a'],
    ['TTL'],
    ['PTTL', 'a', 'b'],
    ['EXPIRETIME'],
    ['PEXPIRETIME', 'a', 'b'],
    ['PERSIST'],
    ['OBJECT'],
    ['OBJECT', 'ENCODING'],
    ['OBJECT', 'encoding', 'a', 'b'],
    ['OBJECT', 'HELP', 'x'],
    ['OBJECT', 'FREQ'],
    ['OBJECT', 'IDLETIME'],
    ['OBJECT', 'REFCOUNT', 'a', 'b'],
  ]);
});

diffSuite('generic: RENAME, RENAMENX', (t) => {
  t.case('RENAME moves value and TTL, replacing the target', [
    ['SET', 'a', '1'],
    ['SET', 'b', '2'],
    ['EXPIRE', 'a', '1000'],
    ['RENAME', 'a', 'b'],
    ['GET', 'a'],
    ['GET', 'b'],
    ['TTL', 'b'],
    ['EXPIRETIME', 'a'],
    ['DBSIZE'],
  ]);
  t.case('RENAME drops the target TTL when the source has none', [
    ['SET', 'a', '1'],
    ['SET', 'b', '2'],
    ['EXPIRE', 'b', '1000'],
    ['RENAME', 'a', 'b'],
    ['TTL', 'b'],
  ]);
  t.case('RENAME to itself and errors', [
    ['RENAME', 'nope', 'x'],
    ['RENAME', 'nope', 'nope'],
    ['SET', 'a', '1'],
    ['EXPIRE', 'a', '100'],
    ['RENAME', 'a', 'a'],
    ['TTL', 'a'],
    ['GET', 'a'],
  ]);
  t.case('RENAMENX', [
    ['RENAMENX', 'nope', 'x'],
    ['SET', 'a', '1'],
    ['SET', 'b', '2'],
    ['RENAMENX', 'a', 'b'],
    ['RENAMENX', 'a', 'a'],
    ['RENAMENX', 'a', 'c'],
    ['GET', 'c'],
    ['EXISTS', 'a'],
  ]);
  t.case('RENAME of an expired key', [['SET', 'a', '1'], ['PEXPIRE', 'a', '20'], { sleep: 60 }, ['RENAME', 'a', 'b'], ['EXISTS', 'a', 'b']]);
});

diffSuite('generic: MOVE, COPY, SWAPDB', (t) => {
  t.case('MOVE to another db keeps the TTL', [
    ['SET', 'a', '1'],
    ['EXPIRE', 'a', '500'],
    ['MOVE', 'a', '1'],
    ['EXISTS', 'a'],
    ['SELECT', '1'],
    ['GET', 'a'],
    ['TTL', 'a'],
    ['MOVE', 'a', '0'],
    ['DBSIZE'],
  ]);
  t.case('MOVE refuses an existing target and a missing source', [
    ['SET', 'a', 'src'],
    ['SELECT', '2'],
    ['SET', 'a', 'dst'],
    ['SELECT', '0'],
    ['MOVE', 'a', '2'],
    ['GET', 'a'],
    ['MOVE', 'nope', '2'],
  ]);
  t.case('MOVE errors', [
    ['SET', 'a', '1'],
    ['MOVE', 'a', '0'],
    ['MOVE', 'a', '16'],
    ['MOVE', 'a', '-1'],
    ['MOVE', 'a', 'x'],
    ['MOVE', 'a', '4294967296'],
    ['MOVE', 'a', '-2147483649'],
    ['MOVE', 'a', '2147483647'],
    ['MOVE', 'a', '9223372036854775808'],
    ['COPY', 'a', 'b', 'DB', '2147483648'],
    ['MOVE', 'a', '1.0'],
    ['MOVE', 'nope', '0'],
    ['MOVE', 'nope', 'x'],
  ]);
  t.case('COPY in the same db, with TTL', [
    ['SET', 'a', 'hello'],
    ['PEXPIREAT', 'a', '4102444800000'],
    ['COPY', 'a', 'b'],
    ['GET', 'b'],
    ['PEXPIRETIME', 'b'],
    ['COPY', 'a', 'b'],
    ['SET', 'c', 'other'],
    ['COPY', 'c', 'b', 'REPLACE'],
    ['GET', 'b'],
    ['PEXPIRETIME', 'b'],
    ['COPY', 'nope', 'b'],
    ['COPY', 'nope', 'b', 'REPLACE'],
    ['GET', 'b'],
  ]);
  t.case('COPY to another db', [
    ['SET', 'a', '12'],
    ['COPY', 'a', 'a', 'DB', '3'],
    ['COPY', 'a', 'a', 'db', '3'],
    ['COPY', 'a', 'x', 'db', '3', 'replace'],
    ['SELECT', '3'],
    ['GET', 'a'],
    ['GET', 'x'],
    ['OBJECT', 'ENCODING', 'a'],
    ['DBSIZE'],
  ]);
  t.case('COPY errors', [
    ['SET', 'a', '1'],
    ['COPY', 'a', 'a'],
    ['COPY', 'a', 'a', 'DB', '0'],
    ['COPY', 'a', 'b', 'DB'],
    ['COPY', 'a', 'b', 'DB', 'x'],
    ['COPY', 'a', 'b', 'DB', '16'],
    ['COPY', 'a', 'b', 'DB', '-1'],
    ['COPY', 'a', 'b', 'foo'],
    ['COPY', 'a', 'b', 'REPLACE', 'REPLACE'],
    ['COPY', 'nope', 'b', 'DB', 'x'],
    ['COPY', 'a', 'b', 'DB', '99', 'DB', '1'],
    ['COPY', 'a', 'c', 'DB', '1', 'DB', '0'],
    ['EXISTS', 'c'],
  ]);
  t.case('COPY of a string is independent of the original', [
    ['SET', 'a', 'x'.repeat(50)],
    ['COPY', 'a', 'b'],
    ['SET', 'a', 'changed'],
    ['GET', 'b'],
    ['OBJECT', 'ENCODING', 'b'],
  ]);
  whenCommands(['append', 'setrange'], () => {
    t.case('COPY of an appended string does not share its buffer', [
      ['SET', 'a', 'abc'],
      ['APPEND', 'a', 'def'],
      ['COPY', 'a', 'b'],
      ['APPEND', 'a', 'ghi'],
      ['SETRANGE', 'b', '0', 'X'],
      ['GET', 'a'],
      ['GET', 'b'],
      ['OBJECT', 'ENCODING', 'b'],
    ]);
  });
  whenCommands(['rpush', 'lrange', 'hset', 'hgetall', 'sadd', 'smembers', 'zadd', 'zrange'], () => {
    t.case('COPY of collections is deep', [
      ['RPUSH', 'l', 'a', 'b'],
      ['COPY', 'l', 'l2'],
      ['RPUSH', 'l', 'c'],
      ['LRANGE', 'l2', '0', '-1'],
      ['HSET', 'h', 'f', 'v'],
      ['COPY', 'h', 'h2'],
      ['HSET', 'h', 'g', 'w'],
      unordered('HGETALL', 'h2'),
      ['SADD', 's', 'a'],
      ['COPY', 's', 's2'],
      ['SADD', 's', 'b'],
      unordered('SMEMBERS', 's2'),
      ['ZADD', 'z', '1', 'a'],
      ['COPY', 'z', 'z2'],
      ['ZADD', 'z', '2', 'b'],
      ['ZRANGE', 'z2', '0', '-1', 'WITHSCORES'],
      ['TYPE', 'l2'],
      ['TYPE', 'h2'],
      ['TYPE', 's2'],
      ['TYPE', 'z2'],
      ['OBJECT', 'ENCODING', 'l2'],
      ['OBJECT', 'ENCODING', 'h2'],
      ['OBJECT', 'ENCODING', 's2'],
      ['OBJECT', 'ENCODING', 'z2'],
    ]);
  });
  t.case('SWAPDB', [
    ['SET', 'a', 'db0'],
    ['EXPIRE', 'a', '100'],
    ['SELECT', '1'],
    ['SET', 'b', 'db1'],
    ['SWAPDB', '0', '1'],
    ['GET', 'a'],
    ['TTL', 'a'],
    ['GET', 'b'],
    ['SELECT', '0'],
    ['GET', 'b'],
    ['SWAPDB', '1', '1'],
    ['DBSIZE'],
  ]);
  t.case('SWAPDB errors', [
    ['SWAPDB', 'x', '0'],
    ['SWAPDB', '0', 'x'],
    ['SWAPDB', 'x', 'y'],
    ['SWAPDB', '0', '16'],
    ['SWAPDB', '-1', '0'],
    ['SWAPDB', '2147483648', '0'],
    ['SWAPDB', '0', '99999999999'],
  ]);
});

diffSuite('generic: RANDOMKEY, DBSIZE, FLUSHDB, FLUSHALL', (t) => {
  t.case('RANDOMKEY', [['RANDOMKEY'], ['SET', 'only', '1'], ['RANDOMKEY'], ['DEL', 'only'], ['RANDOMKEY']]);
  t.case('RANDOMKEY skips and reclaims expired keys', [
    ['SET', 'gone', '1'],
    ['PEXPIRE', 'gone', '10'],
    ['SET', 'stay', '1'],
    { sleep: 40 },
    ['RANDOMKEY'],
    ['RANDOMKEY'],
    ['RANDOMKEY'],
  ]);
  t.case('DBSIZE per database', [['SET', 'a', '1'], ['SET', 'b', '1'], ['DBSIZE'], ['SELECT', '5'], ['DBSIZE'], ['SET', 'c', '1'], ['DBSIZE']]);
  t.case('FLUSHDB flushes only the selected db', [
    ['SET', 'a', '1'],
    ['SELECT', '1'],
    ['SET', 'b', '1'],
    ['FLUSHDB'],
    ['DBSIZE'],
    ['SELECT', '0'],
    ['DBSIZE'],
    ['FLUSHDB', 'ASYNC'],
    ['DBSIZE'],
    ['SET', 'a', '1'],
    ['FLUSHDB', 'sync'],
    ['DBSIZE'],
  ]);
  t.case('FLUSHALL flushes every db', [
    ['SET', 'a', '1'],
    ['SELECT', '1'],
    ['SET', 'b', '1'],
    ['FLUSHALL', 'SYNC'],
    ['DBSIZE'],
    ['SELECT', '0'],
    ['DBSIZE'],
    ['SET', 'a', '1'],
    ['FLUSHALL', 'async'],
    ['EXISTS', 'a'],
    ['FLUSHALL'],
  ]);
  t.case('FLUSHDB/FLUSHALL syntax errors', [
    ['FLUSHDB', 'foo'],
    ['FLUSHDB', 'SYNC', 'ASYNC'],
    ['FLUSHDB', 'ASYNC', 'x'],
    ['FLUSHALL', 'foo'],
    ['FLUSHALL', 'SYNC', 'SYNC'],
    ['FLUSHALL', 'SYNC\x00'],
  ]);
});

diffSuite('generic: KEYS and SCAN', (t) => {
  const keys: Step[] = [
    ['SET', 'user:1', 'a'],
    ['SET', 'user:2', 'b'],
    ['SET', 'user:10', 'c'],
    ['SET', 'order:1', 'd'],
    ['SET', 'x', 'e'],
  ];
  t.case('KEYS patterns', [
    ...keys,
    unordered('KEYS', '*'),
    unordered('KEYS', 'user:*'),
    unordered('KEYS', 'user:?'),
    unordered('KEYS', '*:1'),
    unordered('KEYS', '[ou]*'),
    unordered('KEYS', '[^u]*'),
    unordered('KEYS', 'user:[0-9]'),
    unordered('KEYS', 'user:[1-'),
    unordered('KEYS', 'x'),
    unordered('KEYS', 'nope'),
    unordered('KEYS', ''),
    unordered('KEYS', '**'),
    unordered('KEYS', '\\x'),
  ]);
  t.case('KEYS with the empty key and binary keys', [
    ['SET', '', 'empty'],
    ['SET', 'a\x00b', '1'],
    ['SET', '\xff', '1'],
    unordered('KEYS', '*'),
    unordered('KEYS', '**'),
    unordered('KEYS', '?'),
    unordered('KEYS', 'a\x00*'),
    unordered('KEYS', '[\x01-\xff]'),
  ]);
  t.case('KEYS skips expired keys', [['SET', 'a', '1'], ['SET', 'b', '1'], ['PEXPIRE', 'a', '10'], { sleep: 40 }, unordered('KEYS', '*')]);
  t.case('SCAN returns everything in one call on a small db', [
    ...keys,
    unordered('SCAN', '0'),
    unordered('SCAN', '0', 'MATCH', 'user:*'),
    unordered('SCAN', '0', 'MATCH', '*'),
    unordered('SCAN', '0', 'COUNT', '100'),
    unordered('SCAN', '0', 'TYPE', 'string'),
    unordered('SCAN', '0', 'TYPE', 'STRING', 'MATCH', '*1'),
    unordered('SCAN', '0', 'TYPE', 'list'),
    unordered('SCAN', '0', 'TYPE', 'nosuchtype'),
    unordered('SCAN', '0', 'MATCH', 'x', 'MATCH', 'user:1'),
    unordered('SCAN', '', 'COUNT', '1000'),
    unordered('SCAN', '+0', 'COUNT', '1000'),
    unordered('SCAN', '0', 'count', '9223372036854775807'),
  ]);
  t.case('SCAN TYPE and TYPE over every collection type', [
    ['RPUSH', 'l', 'a'],
    ['HSET', 'h', 'f', 'v'],
    ['SADD', 's', '1'],
    ['SADD', 's2', 'x'],
    ['ZADD', 'z', '1', 'm'],
    ['SET', 'str', 'v'],
    ['TYPE', 'l'],
    ['TYPE', 'h'],
    ['TYPE', 's'],
    ['TYPE', 'z'],
    unordered('SCAN', '0', 'TYPE', 'list'),
    unordered('SCAN', '0', 'TYPE', 'hash'),
    unordered('SCAN', '0', 'TYPE', 'set'),
    unordered('SCAN', '0', 'TYPE', 'zset'),
    unordered('SCAN', '0', 'TYPE', 'SET', 'COUNT', '100'),
    ['OBJECT', 'ENCODING', 'l'],
    ['OBJECT', 'ENCODING', 's'],
    ['OBJECT', 'ENCODING', 's2'],
    ['OBJECT', 'ENCODING', 'z'],
    { argv: ['MEMORY', 'USAGE', 'z'], compare: memoryUsage },
    { argv: ['MEMORY', 'USAGE', 'l'], compare: memoryUsage },
  ]);
  t.case('SCAN on an empty db', [['SCAN', '0'], ['SCAN', '0', 'MATCH', 'a*', 'COUNT', '1']]);
  t.case('SCAN errors', [
    ['SCAN', 'x'],
    ['SCAN', '1x'],
    ['SCAN', ' 0'],
    ['SCAN', '0 '],
    ['SCAN', '-'],
    ['SCAN', '+'],
    ['SCAN', '0x10'],
    ['SCAN', '18446744073709551616'],
    ['SCAN', '-18446744073709551616'],
    ['SCAN', '99999999999999999999999'],
    ['SCAN', '0', 'COUNT', '0'],
    ['SCAN', '0', 'COUNT', '-1'],
    ['SCAN', '0', 'COUNT', 'x'],
    ['SCAN', '0', 'COUNT', '9223372036854775808'],
    ['SCAN', '0', 'COUNT'],
    ['SCAN', '0', 'MATCH'],
    ['SCAN', '0', 'TYPE'],
    ['SCAN', '0', 'FOO', 'bar'],
    ['SCAN', 'x', 'COUNT', '0'],
    ['SCAN', '0', 'COUNT', '0', 'FOO'],
  ]);
  whenCommands(['rpush', 'hset', 'sadd', 'zadd'], () => {
    t.case('SCAN TYPE filters by type name', [
      ['SET', 's', '1'],
      ['RPUSH', 'l', 'a'],
      ['HSET', 'h', 'f', 'v'],
      ['SADD', 'st', 'm'],
      ['ZADD', 'z', '1', 'm'],
      unordered('SCAN', '0', 'TYPE', 'list'),
      unordered('SCAN', '0', 'TYPE', 'HASH'),
      unordered('SCAN', '0', 'TYPE', 'set'),
      unordered('SCAN', '0', 'TYPE', 'zset'),
      unordered('SCAN', '0', 'TYPE', 'string'),
      ['TYPE', 'l'],
      ['TYPE', 'h'],
      ['TYPE', 'st'],
      ['TYPE', 'z'],
    ]);
  });
});

diffSuite('generic: EXPIRE family', (t) => {
  t.case('EXPIRE, TTL, PTTL, PERSIST', [
    ['SET', 'a', '1'],
    ['TTL', 'a'],
    ['PTTL', 'a'],
    ['EXPIRE', 'a', '100'],
    ['TTL', 'a'],
    { argv: ['PTTL', 'a'], compare: remainingTtl(100_000, 'ms') },
    ['PERSIST', 'a'],
    ['PERSIST', 'a'],
    ['TTL', 'a'],
    ['PERSIST', 'nope'],
    ['TTL', 'nope'],
    ['PTTL', 'nope'],
    ['EXPIRE', 'nope', '100'],
  ]);
  t.case('PEXPIRE and TTL rounding', [
    ['SET', 'a', '1'],
    ['PEXPIRE', 'a', '100000'],
    ['TTL', 'a'],
    ['PEXPIRE', 'a', '1200'],
    ['TTL', 'a'],
    ['PEXPIRE', 'a', '1800'],
    ['TTL', 'a'],
  ]);
  t.case('EXPIREAT, PEXPIREAT, EXPIRETIME, PEXPIRETIME', [
    ['SET', 'a', '1'],
    ['EXPIRETIME', 'a'],
    ['PEXPIRETIME', 'a'],
    ['EXPIREAT', 'a', '4102444800'],
    ['EXPIRETIME', 'a'],
    ['PEXPIRETIME', 'a'],
    ['PEXPIREAT', 'a', '4102444800499'],
    ['EXPIRETIME', 'a'],
    ['PEXPIREAT', 'a', '4102444800500'],
    ['EXPIRETIME', 'a'],
    ['EXPIRETIME', 'nope'],
    ['PEXPIRETIME', 'nope'],
  ]);
  t.case('far-future expiry times are exact', [
    ['SET', 'a', '1'],
    ['PEXPIREAT', 'a', '9223372036854775807'],
    ['PEXPIRETIME', 'a'],
    ['EXPIRETIME', 'a'],
    { argv: ['TTL', 'a'], compare: ttlUntil('9223372036854775807', 'ms', 's') },
    ['PEXPIREAT', 'a', '9007199254740993'],
    ['PEXPIRETIME', 'a'],
    ['EXPIRETIME', 'a'],
    ['EXPIREAT', 'a', '9223372036854775'],
    ['EXPIREAT', 'a', '9223372036854774'],
    ['PEXPIRETIME', 'a'],
    ['EXPIRETIME', 'a'],
    ['COPY', 'a', 'b'],
    ['PEXPIRETIME', 'b'],
    ['RENAME', 'b', 'c'],
    ['PEXPIRETIME', 'c'],
    ['MOVE', 'c', '1'],
    ['SELECT', '1'],
    ['PEXPIRETIME', 'c'],
  ]);
  t.case('invalid expire times', [
    ['SET', 'a', '1'],
    ['EXPIRE', 'a', '9223372036854775807'],
    ['EXPIRE', 'a', '9223372036854775'],
    ['EXPIRE', 'a', '9223372036854776'],
    ['EXPIRE', 'a', '-9223372036854775808'],
    ['EXPIRE', 'a', '-9223372036854776'],
    ['PEXPIRE', 'a', '9223372036854775807'],
    ['PEXPIRE', 'a', '9223372036854775000'],
    ['EXPIREAT', 'a', '9223372036854775807'],
    ['EXPIREAT', 'a', '9223372036854776'],
    ['EXPIREAT', 'a', '-9223372036854776'],
    ['EXPIRE', 'a', '9223372036854775808'],
    ['EXPIRE', 'a', 'x'],
    ['EXPIRE', 'a', '1.5'],
    ['EXPIRE', 'a', ''],
    ['PEXPIREAT', 'a', 'x'],
    ['EXPIRE', 'nope', '9223372036854775807'],
    ['EXISTS', 'a'],
    ['TTL', 'a'],
  ]);
  t.case('a past or negative time deletes the key', [
    ['SET', 'a', '1'],
    ['EXPIRE', 'a', '-1'],
    ['EXISTS', 'a'],
    ['SET', 'a', '1'],
    ['EXPIRE', 'a', '0'],
    ['EXISTS', 'a'],
    ['SET', 'a', '1'],
    ['PEXPIRE', 'a', '-9223372036854775808'],
    ['EXISTS', 'a'],
    ['SET', 'a', '1'],
    ['EXPIREAT', 'a', '1'],
    ['EXISTS', 'a'],
    ['SET', 'a', '1'],
    ['PEXPIREAT', 'a', '0'],
    ['EXISTS', 'a'],
    ['SET', 'a', '1'],
    ['EXPIREAT', 'a', '-9223372036854775'],
    ['EXISTS', 'a'],
    ['DBSIZE'],
    ['EXPIRE', 'nope', '-1'],
  ]);
  t.case('NX XX GT LT', [
    ['SET', 'a', '1'],
    ['EXPIRE', 'a', '100', 'XX'],
    ['EXPIRE', 'a', '100', 'GT'],
    ['TTL', 'a'],
    ['EXPIRE', 'a', '100', 'LT'],
    ['TTL', 'a'],
    ['EXPIRE', 'a', '200', 'NX'],
    ['EXPIRE', 'a', '200', 'XX'],
    ['TTL', 'a'],
    ['EXPIRE', 'a', '150', 'GT'],
    ['EXPIRE', 'a', '199', 'GT'],
    ['EXPIRE', 'a', '300', 'gt'],
    ['TTL', 'a'],
    ['EXPIRE', 'a', '300', 'LT'],
    ['EXPIRE', 'a', '50', 'lt'],
    ['TTL', 'a'],
    ['EXPIRE', 'a', '60', 'XX', 'GT'],
    ['EXPIRE', 'a', '10', 'LT', 'XX'],
    ['TTL', 'a'],
    ['PERSIST', 'a'],
    ['EXPIRE', 'a', '10', 'XX', 'LT'],
    ['EXPIRE', 'a', '-1', 'GT'],
    ['EXISTS', 'a'],
    ['EXPIRE', 'a', '-1', 'XX'],
    ['EXISTS', 'a'],
    ['EXPIRE', 'a', '-1', 'LT'],
    ['EXISTS', 'a'],
    ['EXPIRE', 'nope', '10', 'NX'],
    ['PEXPIRE', 'nope', '10', 'XX'],
  ]);
  t.case('option errors', [
    ['SET', 'a', '1'],
    ['EXPIRE', 'a', '100', 'NX', 'XX'],
    ['EXPIRE', 'a', '100', 'NX', 'GT'],
    ['EXPIRE', 'a', '100', 'LT', 'NX'],
    ['EXPIRE', 'a', '100', 'GT', 'LT'],
    ['EXPIRE', 'a', '100', 'XX', 'GT', 'LT'],
    ['EXPIRE', 'a', '100', 'NX', 'NX'],
    ['EXPIRE', 'a', '100', 'FOO'],
    ['EXPIRE', 'a', '100', 'NX', 'FOO', 'XX'],
    ['EXPIRE', 'a', 'x', 'FOO'],
    ['EXPIRE', 'a', 'x', 'NX', 'XX'],
    ['EXPIRE', 'a', '9223372036854775807', 'GT', 'LT'],
    ['PEXPIRE', 'a', '100', 'bad\x00option'],
    ['PEXPIREAT', 'a', '100', 'bad\r\noption'],
    ['EXPIREAT', 'a', '100', ''],
    ['TTL', 'a'],
  ]);
  t.case('keys expire: GET/EXISTS/TTL after expiry', [
    ['SET', 'a', '1'],
    ['SET', 'b', '1'],
    ['PEXPIRE', 'a', '30'],
    ['PEXPIRE', 'b', '30'],
    { sleep: 80 },
    ['GET', 'a'],
    ['EXISTS', 'b'],
    ['TTL', 'a'],
    ['PTTL', 'b'],
    ['DBSIZE'],
  ]);
  t.case('SET clears the TTL, EXPIRE on an expired key', [
    ['SET', 'a', '1'],
    ['EXPIRE', 'a', '100'],
    ['SET', 'a', '2'],
    ['TTL', 'a'],
    ['PEXPIRE', 'a', '20'],
    { sleep: 60 },
    ['EXPIRE', 'a', '100'],
    ['PERSIST', 'a'],
    ['TTL', 'a'],
  ]);
});

diffSuite('generic: OBJECT', (t) => {
  t.case('OBJECT HELP', [['OBJECT', 'HELP'], ['object', 'help']]);
  t.case('OBJECT ENCODING of strings', [
    ['SET', 'i', '123'],
    ['SET', 'neg', '-5'],
    ['SET', 'big', '9223372036854775807'],
    ['SET', 'bigger', '9223372036854775808'],
    ['SET', 'lead', '0123'],
    ['SET', 'emb', 'x'.repeat(44)],
    ['SET', 'raw', 'x'.repeat(45)],
    ['SET', 'float', '1.5'],
    ['OBJECT', 'ENCODING', 'i'],
    ['OBJECT', 'ENCODING', 'neg'],
    ['OBJECT', 'ENCODING', 'big'],
    ['OBJECT', 'ENCODING', 'bigger'],
    ['OBJECT', 'ENCODING', 'lead'],
    ['OBJECT', 'ENCODING', 'emb'],
    ['OBJECT', 'ENCODING', 'raw'],
    ['OBJECT', 'ENCODING', 'float'],
    ['OBJECT', 'ENCODING', 'nope'],
    ['object', 'encoding', 'i'],
  ]);
  t.case('OBJECT REFCOUNT', [
    ['SET', 'shared', '9999'],
    ['SET', 'zero', '0'],
    ['SET', 'unshared', '10000'],
    ['SET', 'neg', '-1'],
    ['SET', 'str', 'abc'],
    ['OBJECT', 'REFCOUNT', 'shared'],
    ['OBJECT', 'REFCOUNT', 'zero'],
    ['OBJECT', 'REFCOUNT', 'unshared'],
    ['OBJECT', 'REFCOUNT', 'neg'],
    ['OBJECT', 'REFCOUNT', 'str'],
    ['OBJECT', 'REFCOUNT', 'nope'],
  ]);
  t.case('OBJECT IDLETIME and FREQ', [
    ['SET', 'a', '1'],
    // Redis's LRU clock ticks in whole seconds (and is cached by its cron), so a fresh key reads
    // at most one second more than the case has run.
    { argv: ['OBJECT', 'IDLETIME', 'a'], compare: intRange(0, (ctx) => Math.ceil(elapsedMs(ctx) / 1000) + 1) },
    ['OBJECT', 'IDLETIME', 'nope'],
    ['OBJECT', 'FREQ', 'a'],
    ['OBJECT', 'FREQ', 'nope'],
  ]);
  t.case('OBJECT unknown subcommand', [
    ['OBJECT', 'FOO'],
    ['OBJECT', 'foo', 'a'],
    ['OBJECT', 'ENCODINGX', 'a'],
  ]);
  t.case('OBJECT and TTL do not see expired keys', [
    ['SET', 'a', '1'],
    ['PEXPIRE', 'a', '10'],
    { sleep: 40 },
    ['OBJECT', 'ENCODING', 'a'],
    ['OBJECT', 'IDLETIME', 'a'],
    ['TYPE', 'a'],
    ['EXPIRETIME', 'a'],
  ]);
});
