import { it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { diffSuite, runSteps, RawConnection, randomPick, type Step } from '../helpers/differential.js';

const unordered = (...argv: string[]): Step => ({ argv, compare: 'unordered' });

/** HSET key f0 v0 f1 v1 ... with `n` pairs. */
function hsetMany(key: string, n: number, field = (i: number) => `f${i}`, value = (i: number) => `v${i}`): string[] {
  const argv = ['HSET', key];
  for (let i = 0; i < n; i++) argv.push(field(i), value(i));
  return argv;
}

const X64 = 'x'.repeat(64);
const X65 = 'x'.repeat(65);

diffSuite('hash: HSET, HGET, HMGET, HMSET, HSETNX', (t) => {
  t.case('HSET counts new fields, HGET reads them', [
    ['HSET', 'h', 'a', '1'],
    ['HSET', 'h', 'a', '2', 'b', '3', 'c', '4'],
    ['HSET', 'h', 'a', '5', 'a', '6'],
    ['HGET', 'h', 'a'],
    ['HGET', 'h', 'b'],
    ['HGET', 'h', 'nope'],
    ['HGET', 'nokey', 'a'],
    ['HLEN', 'h'],
    ['TYPE', 'h'],
    ['OBJECT', 'ENCODING', 'h'],
  ]);
  t.case('HSET with duplicate fields in one call', [['HSET', 'h', 'x', '1', 'x', '2', 'y', '3', 'x', '4'], ['HGETALL', 'h'], ['HLEN', 'h']]);
  t.case('HMSET answers OK and overwrites', [
    ['HMSET', 'h', 'a', '1', 'b', '2'],
    ['HMSET', 'h', 'b', '3', 'c', '4'],
    ['HGETALL', 'h'],
    ['HMGET', 'h', 'a', 'b', 'c', 'd'],
  ]);
  t.case('HMGET on missing keys and fields', [
    ['HMGET', 'nokey', 'a', 'b'],
    ['HSET', 'h', 'a', '1'],
    ['HMGET', 'h', 'a', 'zz', 'a'],
    ['HMGET', 'h', 'zz'],
  ]);
  t.case('HSETNX', [
    ['HSETNX', 'h', 'a', '1'],
    ['HSETNX', 'h', 'a', '2'],
    ['HSETNX', 'h', 'b', '3'],
    ['HGETALL', 'h'],
    ['HSETNX', 'h', 'a', X65],
    ['OBJECT', 'ENCODING', 'h'],
    ['HSETNX', 'h', 'c', X65],
    ['OBJECT', 'ENCODING', 'h'],
    { argv: ['HGETALL', 'h'], compare: 'unordered' },
  ]);
  t.case('binary, empty and CRLF fields and values', [
    ['HSET', 'h', '', 'empty-field', 'e', '', 'bin\x00\xff', '\r\n\x00', '\x80\x81', '\xfe'],
    ['HGET', 'h', ''],
    ['HGET', 'h', 'e'],
    ['HGET', 'h', 'bin\x00\xff'],
    ['HGET', 'h', 'bin'],
    ['HSTRLEN', 'h', 'bin\x00\xff'],
    ['HSTRLEN', 'h', 'e'],
    ['HEXISTS', 'h', ''],
    ['HGETALL', 'h'],
    ['HKEYS', 'h'],
    ['HVALS', 'h'],
    ['HDEL', 'h', ''],
    ['HGETALL', 'h'],
  ]);
  t.case('integer-looking values come back as bulk strings', [
    ['HSET', 'h', 'a', '12', 'b', '-7', 'c', '007', 'd', '9223372036854775808', 'e', '1.5'],
    ['HGETALL', 'h'],
    ['HSTRLEN', 'h', 'c'],
  ]);
  t.case('arity and the even-pairs check', [
    ['HSET', 'h'],
    ['HSET', 'h', 'a'],
    ['HSET', 'h', 'a', '1', 'b'],
    ['HMSET', 'h', 'a'],
    ['HMSET', 'h', 'a', '1', 'b'],
    ['EXISTS', 'h'],
    ['HSETNX', 'h', 'a'],
    ['HSETNX', 'h', 'a', '1', '2'],
    ['HGET', 'h'],
    ['HGET', 'h', 'a', 'b'],
    ['HMGET', 'h'],
    ['HDEL', 'h'],
    ['HLEN'],
    ['HLEN', 'h', 'x'],
    ['HSTRLEN', 'h'],
    ['HEXISTS', 'h'],
    ['HKEYS'],
    ['HVALS', 'a', 'b'],
    ['HGETALL'],
    ['HINCRBY', 'h', 'a'],
    ['HINCRBYFLOAT', 'h', 'a', '1', '2'],
    ['HRANDFIELD'],
    ['HSCAN', 'h'],
    ['EXISTS', 'h'],
  ]);
});

diffSuite('hash: HDEL, HLEN, HSTRLEN, HEXISTS, HKEYS, HVALS, HGETALL', (t) => {
  t.case('HDEL counts each field once and deletes the emptied key', [
    ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3'],
    ['HDEL', 'h', 'a', 'a', 'zz'],
    ['HGETALL', 'h'],
    ['HDEL', 'h', 'b', 'c', 'b'],
    ['EXISTS', 'h'],
    ['HDEL', 'h', 'b'],
    ['HLEN', 'h'],
    ['HGETALL', 'h'],
  ]);
  t.case('insertion order survives updates and deletes (listpack)', [
    ['HSET', 'h', 'z', '1', 'y', '2', 'x', '3', 'w', '4'],
    ['HSET', 'h', 'y', 'changed-to-a-longer-value', 'v', '5'],
    ['HDEL', 'h', 'x'],
    ['HSET', 'h', 'x', 'again'],
    ['HSET', 'h', 'z', ''],
    ['HGETALL', 'h'],
    ['HKEYS', 'h'],
    ['HVALS', 'h'],
  ]);
  t.case('HLEN, HSTRLEN, HEXISTS', [
    ['HLEN', 'nokey'],
    ['HSTRLEN', 'nokey', 'a'],
    ['HEXISTS', 'nokey', 'a'],
    ['HSET', 'h', 'a', 'hello', 'n', '12345', 'empty', ''],
    ['HLEN', 'h'],
    ['HSTRLEN', 'h', 'a'],
    ['HSTRLEN', 'h', 'n'],
    ['HSTRLEN', 'h', 'empty'],
    ['HSTRLEN', 'h', 'zz'],
    ['HEXISTS', 'h', 'a'],
    ['HEXISTS', 'h', 'empty'],
    ['HEXISTS', 'h', 'zz'],
  ]);
  t.case('missing keys give empty replies of the right kind', [['HKEYS', 'nokey'], ['HVALS', 'nokey'], ['HGETALL', 'nokey']]);
});

diffSuite('hash: WRONGTYPE and error precedence', (t) => {
  t.case('every command against a string key', [
    ['SET', 's', 'v'],
    ['HSET', 's', 'a', '1'],
    ['HMSET', 's', 'a', '1'],
    ['HSETNX', 's', 'a', '1'],
    ['HGET', 's', 'a'],
    ['HMGET', 's', 'a'],
    ['HDEL', 's', 'a'],
    ['HLEN', 's'],
    ['HSTRLEN', 's', 'a'],
    ['HEXISTS', 's', 'a'],
    ['HKEYS', 's'],
    ['HVALS', 's'],
    ['HGETALL', 's'],
    ['HINCRBY', 's', 'a', '1'],
    ['HINCRBYFLOAT', 's', 'a', '1'],
    ['HRANDFIELD', 's'],
    ['HRANDFIELD', 's', '2'],
    ['HRANDFIELD', 's', '2', 'WITHVALUES'],
    ['HSCAN', 's', '0'],
    ['GET', 's'],
  ]);
  t.case('argument errors come before the type check', [
    ['SET', 's', 'v'],
    ['HSET', 's', 'a', '1', 'b'],
    ['HINCRBY', 's', 'a', 'x'],
    ['HINCRBYFLOAT', 's', 'a', 'x'],
    ['HINCRBYFLOAT', 's', 'a', 'inf'],
    ['HRANDFIELD', 's', 'x'],
    ['HRANDFIELD', 's', '1', 'WITHVALUE'],
    ['HRANDFIELD', 's', '-9223372036854775808'],
    ['HSCAN', 's', 'x'],
  ]);
  t.case('HSCAN checks the type before its options, and a missing key before both', [
    ['SET', 's', 'v'],
    ['HSCAN', 's', '0', 'COUNT', '0'],
    ['HSCAN', 's', '0', 'BOGUS'],
    ['HSCAN', 'nokey', '0', 'COUNT', '0'],
    ['HSCAN', 'nokey', '0', 'BOGUS'],
    ['HSCAN', 'nokey', 'x'],
  ]);
});

diffSuite('hash: HINCRBY', (t) => {
  t.case('creates, increments, decrements', [
    ['HINCRBY', 'h', 'n', '5'],
    ['HINCRBY', 'h', 'n', '-7'],
    ['HINCRBY', 'h', 'm', '0'],
    ['HINCRBY', 'h', 'n', '9007199254740993'],
    ['HINCRBY', 'h', 'n', '-9007199254740993'],
    ['HGETALL', 'h'],
    ['OBJECT', 'ENCODING', 'h'],
  ]);
  t.case('overflow and range', [
    ['HSET', 'h', 'big', '9223372036854775800', 'small', '-9223372036854775800'],
    ['HINCRBY', 'h', 'big', '7'],
    ['HINCRBY', 'h', 'big', '1'],
    ['HINCRBY', 'h', 'small', '-8'],
    ['HINCRBY', 'h', 'small', '-9'],
    ['HINCRBY', 'h', 'big', '-9223372036854775808'],
    ['HINCRBY', 'h', 'x', '-9223372036854775808'],
    ['HINCRBY', 'h', 'x', '-1'],
    ['HINCRBY', 'h', 'y', '9223372036854775807'],
    ['HINCRBY', 'h', 'y', '1'],
    ['HGETALL', 'h'],
  ]);
  t.case('non-integer values and increments', [
    ['HSET', 'h', 'f', '1.5', 's', 'abc', 'sp', ' 1', 'plus', '+1', 'z', '01', 'e', '', 'huge', '9223372036854775808'],
    ['HINCRBY', 'h', 'f', '1'],
    ['HINCRBY', 'h', 's', '1'],
    ['HINCRBY', 'h', 'sp', '1'],
    ['HINCRBY', 'h', 'plus', '1'],
    ['HINCRBY', 'h', 'z', '1'],
    ['HINCRBY', 'h', 'e', '1'],
    ['HINCRBY', 'h', 'huge', '1'],
    ['HINCRBY', 'h', 'f', 'abc'],
    ['HINCRBY', 'h', 'f', '1.0'],
    ['HINCRBY', 'h', 'f', '9223372036854775808'],
    ['HINCRBY', 'h', 'f', ''],
    ['HINCRBY', 'nokey', 'f', 'x'],
    ['EXISTS', 'nokey'],
    ['HGETALL', 'h'],
  ]);
  t.case('a long field name converts to hashtable', [['HSET', 'h', 'a', '1'], ['HINCRBY', 'h', X65, '3'], ['OBJECT', 'ENCODING', 'h'], ['HGET', 'h', X65]]);
});

diffSuite('hash: HINCRBYFLOAT', (t) => {
  t.case('basic arithmetic and formatting', [
    ['HINCRBYFLOAT', 'h', 'f', '10.5'],
    ['HINCRBYFLOAT', 'h', 'f', '0.1'],
    ['HINCRBYFLOAT', 'h', 'g', '0.1'],
    ['HINCRBYFLOAT', 'h', 'g', '0.2'],
    ['HINCRBYFLOAT', 'h', 'f', '-10.6'],
    ['HINCRBYFLOAT', 'h', 'i', '5.0e3'],
    ['HINCRBYFLOAT', 'h', 'i', '-0'],
    ['HINCRBYFLOAT', 'h', 'j', '0x10'],
    ['HINCRBYFLOAT', 'h', 'k', '1e-20'],
    ['HINCRBYFLOAT', 'h', 'l', '3'],
    ['HSET', 'h', 'int', '17'],
    ['HINCRBYFLOAT', 'h', 'int', '1.25'],
    ['HGETALL', 'h'],
  ]);
  t.case('errors', [
    ['HSET', 'h', 's', 'abc', 'sp', ' 1', 'tail', '1 ', 'nul', '1\x00x', 'e', ''],
    ['HINCRBYFLOAT', 'h', 's', '1'],
    ['HINCRBYFLOAT', 'h', 'sp', '1'],
    ['HINCRBYFLOAT', 'h', 'tail', '1'],
    ['HINCRBYFLOAT', 'h', 'nul', '1'],
    ['HINCRBYFLOAT', 'h', 'e', '1'],
    ['HINCRBYFLOAT', 'h', 'x', 'abc'],
    ['HINCRBYFLOAT', 'h', 'x', ''],
    ['HINCRBYFLOAT', 'h', 'x', ' 1'],
    ['HINCRBYFLOAT', 'h', 'x', '1\x00'],
    ['HINCRBYFLOAT', 'h', 'x', 'nan'],
    ['HINCRBYFLOAT', 'h', 'x', 'inf'],
    ['HINCRBYFLOAT', 'h', 'x', '-infinity'],
    ['HINCRBYFLOAT', 'h', 'x', '1e-5000'],
    ['HINCRBYFLOAT', 'h', 'x', '1e5000'],
    ['HINCRBYFLOAT', 'nokey', 'x', 'inf'],
    ['EXISTS', 'nokey', 'h'],
    ['HEXISTS', 'h', 'x'],
  ]);
  t.case('overflow to infinity and long results', [
    ['HSET', 'h', 'big', '1e4932'],
    ['HINCRBYFLOAT', 'h', 'big', '1e4932'],
    ['HINCRBYFLOAT', 'h', 'big', '-1e4932'],
    ['HSET', 'h2', 'a', '1'],
    ['HINCRBYFLOAT', 'h2', 'a', '1e70'],
    ['OBJECT', 'ENCODING', 'h2'],
    ['HSET', 'h3', 'a', '1'],
    ['HINCRBYFLOAT', 'h3', 'a', '1e40'],
    ['OBJECT', 'ENCODING', 'h3'],
    ['HGET', 'h3', 'a'],
  ]);
});

diffSuite('hash: HRANDFIELD', (t) => {
  t.case('missing key and count forms', [
    ['HRANDFIELD', 'nokey'],
    ['HRANDFIELD', 'nokey', '3'],
    ['HRANDFIELD', 'nokey', '-3', 'WITHVALUES'],
    ['HRANDFIELD', 'nokey', '0'],
  ]);
  t.case('a one-field hash is deterministic', [
    ['HSET', 'h', 'only', 'value'],
    ['HRANDFIELD', 'h'],
    ['HRANDFIELD', 'h', '1'],
    ['HRANDFIELD', 'h', '-1'],
    ['HRANDFIELD', 'h', '-4'],
    ['HRANDFIELD', 'h', '-4', 'WITHVALUES'],
    ['HRANDFIELD', 'h', '1', 'withvalues'],
    ['HRANDFIELD', 'h', '0'],
    ['HRANDFIELD', 'h', '0', 'WITHVALUES'],
  ]);
  t.case('count >= size returns the whole hash in order', [
    ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3'],
    ['HRANDFIELD', 'h', '3'],
    ['HRANDFIELD', 'h', '100'],
    ['HRANDFIELD', 'h', '3', 'WITHVALUES'],
    ['HRANDFIELD', 'h', '9223372036854775807'],
    ['HRANDFIELD', 'h', '4611686018427387903', 'WITHVALUES'],
  ]);
  // Random picks differ between the servers: each reply must be the right number of fields of
  // the hash (distinct for a positive count), each with its own value.
  const fields = { a: '1', b: '2', c: '3', d: '4', e: '5' };
  t.case('random shapes', [
    ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5'],
    { argv: ['HRANDFIELD', 'h'], compare: randomPick(Object.keys(fields)) },
    { argv: ['HRANDFIELD', 'h', '2'], compare: randomPick(Object.keys(fields), { count: 2, distinct: true }) },
    { argv: ['HRANDFIELD', 'h', '4', 'WITHVALUES'], compare: randomPick(fields, { count: 4, distinct: true, withValues: true }) },
    { argv: ['HRANDFIELD', 'h', '-20', 'WITHVALUES'], compare: randomPick(fields, { count: 20, withValues: true }) },
  ]);
  t.case('errors', [
    ['HSET', 'h', 'a', '1'],
    ['HRANDFIELD', 'h', 'x'],
    ['HRANDFIELD', 'h', '1.5'],
    ['HRANDFIELD', 'h', '9223372036854775808'],
    ['HRANDFIELD', 'h', '-9223372036854775808'],
    ['HRANDFIELD', 'h', '4611686018427387904', 'WITHVALUES'],
    ['HRANDFIELD', 'h', '-4611686018427387904', 'WITHVALUES'],
    ['HRANDFIELD', 'h', '1', 'WITHVALUES', 'x'],
    ['HRANDFIELD', 'h', '1', 'x'],
    ['HRANDFIELD', 'h', '1', 'WITHVALUES\x00junk'],
    ['HRANDFIELD', 'nokey', '1', 'x'],
  ]);
});

diffSuite('hash: HSCAN', (t) => {
  t.case('a listpack hash comes back whole with cursor 0', [
    ['HSET', 'h', 'a', '1', 'b', '2', 'ab', '3', '', 'empty', 'c\x00', '4'],
    ['HSCAN', 'h', '0'],
    ['HSCAN', 'h', '12345'],
    ['HSCAN', 'h', '0', 'COUNT', '1'],
    ['HSCAN', 'h', '0', 'MATCH', 'a*'],
    ['HSCAN', 'h', '0', 'MATCH', '*'],
    ['HSCAN', 'h', '0', 'MATCH', '**'],
    ['HSCAN', 'h', '0', 'MATCH', '?'],
    ['HSCAN', 'h', '0', 'MATCH', 'c\x00'],
    ['HSCAN', 'h', '0', 'MATCH', '[a-b]*', 'COUNT', '2', 'MATCH', 'a'],
    ['HSCAN', 'h', '0', 'match', 'nothing'],
    ['HSCAN', 'h', '0', 'count\x00x', '5'],
  ]);
  t.case('cursor and option errors', [
    ['HSET', 'h', 'a', '1'],
    ['HSCAN', 'h', '-1'],
    ['HSCAN', 'h', '18446744073709551615'],
    ['HSCAN', 'h', '18446744073709551616'],
    ['HSCAN', 'h', ' 1'],
    ['HSCAN', 'h', '1x'],
    ['HSCAN', 'h', ''],
    ['HSCAN', 'h', '0', 'COUNT'],
    ['HSCAN', 'h', '0', 'COUNT', '0'],
    ['HSCAN', 'h', '0', 'COUNT', '-1'],
    ['HSCAN', 'h', '0', 'COUNT', 'x'],
    ['HSCAN', 'h', '0', 'MATCH'],
    ['HSCAN', 'h', '0', 'TYPE', 'string'],
    ['HSCAN', 'h', '0', 'NOVALUES'],
  ]);
  t.case('a hashtable hash: full small scans', [
    ['HSET', 'h', 'a', '1', 'long', X65, 'b', '2'],
    ['OBJECT', 'ENCODING', 'h'],
    unordered('HSCAN', 'h', '0'),
    unordered('HSCAN', 'h', '0', 'MATCH', '?'),
    unordered('HSCAN', 'h', '0', 'COUNT', '100'),
  ]);
});

diffSuite('hash: encodings', (t) => {
  t.case('512 fields stay listpack, 513 convert to hashtable', [
    hsetMany('h', 512),
    ['OBJECT', 'ENCODING', 'h'],
    ['HLEN', 'h'],
    ['HGETALL', 'h'],
    ['HSET', 'h', 'f0', 'updated'],
    ['OBJECT', 'ENCODING', 'h'],
    ['HSET', 'h', 'one-more', 'x'],
    ['OBJECT', 'ENCODING', 'h'],
    ['HLEN', 'h'],
    unordered('HGETALL', 'h'),
    unordered('HKEYS', 'h'),
    unordered('HVALS', 'h'),
    ['HDEL', 'h', 'one-more', 'f1', 'f2'],
    ['OBJECT', 'ENCODING', 'h'],
    ['HGET', 'h', 'f0'],
    ['HGET', 'h', 'f3'],
    ['HLEN', 'h'],
  ]);
  t.case('one call with 513 new fields converts', [hsetMany('h', 513), ['OBJECT', 'ENCODING', 'h'], ['HLEN', 'h']]);
  t.case('a 64-byte value stays listpack, 65 bytes converts', [
    ['HSET', 'h', 'a', X64],
    ['OBJECT', 'ENCODING', 'h'],
    ['HSET', 'h', X64, 'b'],
    ['OBJECT', 'ENCODING', 'h'],
    ['HSET', 'h', 'c', X65],
    ['OBJECT', 'ENCODING', 'h'],
    unordered('HGETALL', 'h'),
    ['HDEL', 'h', 'c'],
    ['OBJECT', 'ENCODING', 'h'],
    ['HSTRLEN', 'h', 'a'],
  ]);
  t.case('a 65-byte field converts, even on a new key', [
    ['HSET', 'h1', X65, '1'],
    ['OBJECT', 'ENCODING', 'h1'],
    ['HMSET', 'h2', 'a', '1', X65, '2'],
    ['OBJECT', 'ENCODING', 'h2'],
    ['HSETNX', 'h3', 'a', X65],
    ['OBJECT', 'ENCODING', 'h3'],
    ['HSET', 'h4', 'a', X65],
    ['HDEL', 'h4', 'a'],
    ['HSET', 'h4', 'a', '1'],
    ['OBJECT', 'ENCODING', 'h4'],
  ]);
  t.case('a long value in one pair converts before any pair is written', [
    ['HSET', 'h', 'a', '1', 'b', X65, 'c', '3'],
    ['OBJECT', 'ENCODING', 'h'],
    unordered('HGETALL', 'h'),
    unordered('HRANDFIELD', 'h', '10', 'WITHVALUES'),
    unordered('HRANDFIELD', 'h', '3'),
  ]);
  t.case('COPY duplicates a hash independently (both encodings)', [
    ['HSET', 'a', 'f', '1', 'g', '2'],
    ['COPY', 'a', 'b'],
    ['HSET', 'b', 'f', 'changed', 'h', '3'],
    ['HDEL', 'a', 'g'],
    ['HGETALL', 'a'],
    ['HGETALL', 'b'],
    ['OBJECT', 'ENCODING', 'b'],
    ['HSET', 'big', 'x', X65, 'y', '1'],
    ['COPY', 'big', 'big2'],
    ['HDEL', 'big2', 'x'],
    ['HSET', 'big', 'z', '2'],
    unordered('HGETALL', 'big'),
    unordered('HGETALL', 'big2'),
    ['OBJECT', 'ENCODING', 'big2'],
  ]);
  t.case('RENAME, TYPE and EXPIRE work on hashes', [
    ['HSET', 'a', 'f', '1'],
    ['RENAME', 'a', 'b'],
    ['TYPE', 'b'],
    ['PEXPIRE', 'b', '30'],
    { sleep: 60 },
    ['HGET', 'b', 'f'],
    ['EXISTS', 'b'],
  ]);
});

// Its own suite (own servers): the limits changed here must not leak into other cases.
diffSuite('hash: encodings under CONFIG SET limits', (t) => {
  const limits = (entries: string, value: string): string[][] => [
    ['CONFIG', 'SET', 'hash-max-listpack-entries', entries],
    ['CONFIG', 'SET', 'hash-max-listpack-value', value],
  ];
  t.case('128 entries: 128 fields stay listpack, 129 convert', [
    ...limits('128', '64'),
    hsetMany('h', 128),
    ['OBJECT', 'ENCODING', 'h'],
    ['HSET', 'h', 'f128', 'x'],
    ['OBJECT', 'ENCODING', 'h'],
    ['HLEN', 'h'],
  ]);
  t.case('a lower limit applies at the next write, even an update', [
    ...limits('512', '64'),
    ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3'],
    ['HSET', 'g', 'a', '1', 'b', '2', 'c', '3'],
    ['CONFIG', 'SET', 'hash-max-ziplist-entries', '2'],
    ['HGET', 'h', 'a'],
    ['HDEL', 'g', 'a'],
    ['OBJECT', 'ENCODING', 'g'],
    ['OBJECT', 'ENCODING', 'h'],
    ['HSET', 'h', 'a', 'updated'],
    ['OBJECT', 'ENCODING', 'h'],
    ['HINCRBY', 'g', 'b', '1'],
    ['OBJECT', 'ENCODING', 'g'],
  ]);
  t.case('value limit 10 and entries 0', [
    ...limits('512', '10'),
    ['HSET', 'a', 'f', '0123456789'],
    ['OBJECT', 'ENCODING', 'a'],
    ['HSET', 'a', 'g', '01234567890'],
    ['OBJECT', 'ENCODING', 'a'],
    ['HSET', 'b', 'f', '1'],
    ['HINCRBYFLOAT', 'b', 'f', '0.0000001'],
    ['OBJECT', 'ENCODING', 'b'],
    ...limits('0', '64'),
    ['HSET', 'c', 'f', '1'],
    ['OBJECT', 'ENCODING', 'c'],
    ['HSETNX', 'd', 'f', '1'],
    ['OBJECT', 'ENCODING', 'd'],
    ...limits('512', '64'),
  ]);
});

diffSuite('hash: hashtable scans and random picks', (t) => {
  /** Scans to the end on one connection, returning every field/value pair seen (as "f=v"). */
  async function fullScan(c: RawConnection, key: string, extra: string[]): Promise<Set<string>> {
    const seen = new Set<string>();
    let cursor = '0';
    let calls = 0;
    do {
      const reply = parseFlat(await c.command(['HSCAN', key, cursor, ...extra]));
      cursor = reply[0];
      const items = reply.slice(1);
      for (let i = 0; i < items.length; i += 2) seen.add(`${items[i]}=${items[i + 1]}`);
      assert.ok(++calls < 10_000, 'scan did not terminate');
    } while (cursor !== '0');
    return seen;
  }

  it('a full HSCAN (COUNT, MATCH) sees the same pairs on both servers, in both protocols', async () => {
    const [r, c] = await Promise.all([RawConnection.connect(t.ports.redis), RawConnection.connect(t.ports.cinder)]);
    try {
      for (const conn of [r, c]) {
        await conn.command(['FLUSHALL']);
        await conn.command(hsetMany('h', 1000));
      }
      for (const resp of ['2', '3']) {
        for (const conn of [r, c]) await conn.command(['HELLO', resp]);
        for (const extra of [[], ['COUNT', '7'], ['MATCH', 'f1*', 'COUNT', '50'], ['COUNT', '5000']]) {
          const [a, b] = await Promise.all([fullScan(r, 'h', extra), fullScan(c, 'h', extra)]);
          assert.deepEqual([...b].sort(), [...a].sort(), JSON.stringify(extra));
        }
      }
    } finally {
      r.close();
      c.close();
    }
  });

  it('HSCAN misses nothing that stays in the hash while fields are deleted and added', async () => {
    const c = await RawConnection.connect(t.ports.cinder);
    try {
      await c.command(['FLUSHALL']);
      await c.command(hsetMany('h', 600));
      const seen = new Set<string>();
      let cursor = '0';
      let round = 0;
      do {
        const reply = parseFlat(await c.command(['HSCAN', 'h', cursor, 'COUNT', '20']));
        cursor = reply[0];
        for (let i = 1; i < reply.length; i += 2) seen.add(reply[i]);
        // Delete some fields (only odd ones, which the check ignores) and add new ones.
        await c.command(['HDEL', 'h', `f${(round * 37) % 600 | 1}`, `f${(round * 91) % 600 | 1}`]);
        await c.command(['HSET', 'h', `new${round}`, 'x']);
        round++;
      } while (cursor !== '0');
      for (let i = 0; i < 600; i += 2) assert.ok(seen.has(`f${i}`), `f${i} was missed`);
    } finally {
      c.close();
    }
  });

  it('HRANDFIELD on a hashtable returns distinct existing fields of the right count and shape', async () => {
    const c = await RawConnection.connect(t.ports.cinder);
    try {
      await c.command(['FLUSHALL']);
      await c.command(hsetMany('h', 600));
      for (const count of [1, 5, 150, 250, 599, 600, 1000]) {
        const fields = parseFlat(await c.command(['HRANDFIELD', 'h', String(count)]));
        assert.equal(fields.length, Math.min(count, 600));
        assert.equal(new Set(fields).size, fields.length, `duplicates for count ${count}`);
        for (const f of fields) assert.match(f, /^f\d+$/);
        const pairs = parseFlat(await c.command(['HRANDFIELD', 'h', String(count), 'WITHVALUES']));
        assert.equal(pairs.length, 2 * Math.min(count, 600));
        for (let i = 0; i < pairs.length; i += 2) assert.equal(pairs[i + 1], 'v' + pairs[i].slice(1));
      }
      const rep = parseFlat(await c.command(['HRANDFIELD', 'h', '-2000', 'WITHVALUES']));
      assert.equal(rep.length, 4000);
      for (let i = 0; i < rep.length; i += 2) assert.equal(rep[i + 1], 'v' + rep[i].slice(1));
      // Listpack subsets too.
      await c.command(hsetMany('small', 10));
      for (const count of [2, 3, 9]) {
        const fields = parseFlat(await c.command(['HRANDFIELD', 'small', String(count)]));
        assert.equal(fields.length, count);
        assert.equal(new Set(fields).size, count);
      }
    } finally {
      c.close();
    }
  });
});

diffSuite('hash: random command sequences against redis-server (property)', (t) => {
  const field = fc.constantFrom('a', 'b', 'c', 'd', 'e', '', 'f\x00', 'long-' + 'y'.repeat(60));
  const value = fc.oneof(
    fc.constantFrom('0', '1', '-1', '10', '9223372036854775807', '-9223372036854775808', 'abc', '', '1.5', ' 2'),
    fc.integer({ min: -1000, max: 1000 }).map(String),
    fc.string({ maxLength: 70, unit: 'binary-ascii' }),
  );
  const key = fc.constantFrom('h', 'h', 'h', 'k');
  const step = fc.oneof(
    fc.tuple(key, fc.array(fc.tuple(field, value), { minLength: 1, maxLength: 4 })).map(([k, pairs]) => ['HSET', k, ...pairs.flat()]),
    fc.tuple(key, fc.array(field, { minLength: 1, maxLength: 3 })).map(([k, fs]) => ['HDEL', k, ...fs]),
    fc.tuple(key, field, fc.constantFrom('1', '-1', '100', '9223372036854775807', '-9223372036854775808', 'x')).map(([k, f, n]) => ['HINCRBY', k, f, n]),
    fc.tuple(key, field).map(([k, f]) => ['HGET', k, f]),
    key.map((k) => ['HLEN', k]),
    key.map((k) => ['HGETALL', k]),
    key.map((k) => ['OBJECT', 'ENCODING', k]),
    fc.constant(['SET', 'k', 'string'] as string[]),
    // Less often: the rest of the family.
    fc.tuple(key, field, fc.constantFrom('0.5', '-1.25', '1e3', '3', 'abc')).map(([k, f, n]) => ['HINCRBYFLOAT', k, f, n]),
    fc.tuple(key, field, value).map(([k, f, v]) => ['HSETNX', k, f, v]),
    fc.tuple(key, fc.array(field, { minLength: 1, maxLength: 3 })).map(([k, fs]) => ['HMGET', k, ...fs]),
    fc.tuple(key, field, fc.constantFrom('HSTRLEN', 'HEXISTS')).map(([k, f, cmd]) => [cmd, k, f]),
    fc.tuple(key, fc.constantFrom('HKEYS', 'HVALS')).map(([k, cmd]) => [cmd, k]),
    key.map((k) => ['HRANDFIELD', k, '100', 'WITHVALUES']),
    key.map((k) => ['HSCAN', k, '0', 'COUNT', '100']),
  );
  /** Commands whose reply order depends on the encoding (hashtable order differs from Redis's). */
  const orderFree = new Set(['HGETALL', 'HKEYS', 'HVALS', 'HRANDFIELD', 'HSCAN']);
  it('HSET/HDEL/HINCRBY/HGET/HLEN/HGETALL (and the rest) replies match', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), fc.constantFrom<2 | 3>(2, 3), async (steps, resp) => {
        const withModes: Step[] = steps.map((argv) => (orderFree.has(argv[0]) ? { argv, compare: 'unordered' } : argv));
        await runSteps(t.ports, withModes, resp);
      }),
      { numRuns: 150, seed: 7700 },
    );
  });
});

/** Flattens a reply made of bulk strings and (nested) arrays into its strings. */
function parseFlat(buf: Buffer): string[] {
  const out: string[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const cr = buf.indexOf('\r\n', pos);
    const type = String.fromCharCode(buf[pos]);
    const head = buf.latin1Slice(pos + 1, cr);
    pos = cr + 2;
    if (type === '$') {
      const len = Number(head);
      out.push(buf.latin1Slice(pos, pos + len));
      pos += len + 2;
    } else if (type === '-') {
      throw new Error(head);
    }
  }
  return out;
}
