import { it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { diffSuite, runSteps, RawConnection, randomPick, type Step } from '../helpers/differential.js';

const unordered = (...argv: string[]): Step => ({ argv, compare: 'unordered' });

/** ZADD key 0 m0 1 m1 ... with `n` members. */
function zaddMany(key: string, n: number, member = (i: number) => `m${i}`, score = (i: number) => String(i)): string[] {
  const argv = ['ZADD', key];
  for (let i = 0; i < n; i++) argv.push(score(i), member(i));
  return argv;
}

const X64 = 'x'.repeat(64);
const X65 = 'x'.repeat(65);
const ALL = ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'];

diffSuite('zset: ZADD and its flags', (t) => {
  t.case('ZADD adds, counts new members and orders by score then member', [
    ['ZADD', 'z', '1', 'a'],
    ['ZADD', 'z', '2', 'b', '1', 'c', '0', 'd', '1', 'a'],
    ALL,
    ['ZCARD', 'z'],
    ['TYPE', 'z'],
    ['OBJECT', 'ENCODING', 'z'],
    ['ZADD', 'z', '5', 'a', '5', 'a'],
    ['ZSCORE', 'z', 'a'],
    ['ZADD', 'z', '-1', 'a', '7', 'e'],
    ALL,
  ]);
  t.case('NX XX CH', [
    ['ZADD', 'z', 'XX', '1', 'a'],
    ['EXISTS', 'z'],
    ['ZADD', 'z', 'NX', '1', 'a', '2', 'b'],
    ['ZADD', 'z', 'NX', '5', 'a', '3', 'c'],
    ['ZADD', 'z', 'XX', '9', 'a', '9', 'zz'],
    ['ZADD', 'z', 'CH', '10', 'a', '2', 'b', '4', 'd'],
    ['ZADD', 'z', 'xx', 'ch', '11', 'a', '11', 'q'],
    ['ZADD', 'z', 'nx', 'CH', '1', 'a', '1', 'r'],
    ALL,
  ]);
  t.case('GT and LT', [
    ['ZADD', 'z', '5', 'a', '5', 'b'],
    ['ZADD', 'z', 'GT', 'CH', '6', 'a', '4', 'b', '1', 'new'],
    ['ZADD', 'z', 'LT', 'CH', '7', 'a', '3', 'b', '2', 'new2'],
    ['ZADD', 'z', 'GT', 'XX', 'CH', '100', 'a', '100', 'zz'],
    ['ZADD', 'z', 'LT', 'XX', '0', 'b'],
    ALL,
  ]);
  t.case('INCR replies the new score as a double, or null when not applied', [
    ['ZADD', 'z', 'INCR', '1.5', 'a'],
    ['ZADD', 'z', 'INCR', '2', 'a'],
    ['ZADD', 'z', 'NX', 'INCR', '2', 'a'],
    ['ZADD', 'z', 'XX', 'INCR', '2', 'nope'],
    ['ZADD', 'nokey', 'XX', 'INCR', '2', 'a'],
    ['EXISTS', 'nokey'],
    ['ZADD', 'z', 'GT', 'INCR', '-1', 'a'],
    ['ZADD', 'z', 'LT', 'INCR', '-1', 'a'],
    ['ZADD', 'z', 'GT', 'INCR', '1', 'a'],
    ['ZADD', 'z', 'INCR', 'CH', '0', 'a'],
    ['ZADD', 'z', 'INCR', '+inf', 'a'],
    ['ZADD', 'z', 'INCR', '-inf', 'a'],
    ['ZSCORE', 'z', 'a'],
    ALL,
  ]);
  t.case('option conflicts and syntax errors', [
    ['ZADD', 'z', 'NX', 'XX', '1', 'a'],
    ['ZADD', 'z', 'GT', 'LT', '1', 'a'],
    ['ZADD', 'z', 'GT', 'NX', '1', 'a'],
    ['ZADD', 'z', 'LT', 'NX', '1', 'a'],
    ['ZADD', 'z', 'INCR', '1', 'a', '2', 'b'],
    ['ZADD', 'z', '1', 'a', '2'],
    ['ZADD', 'z', 'NX'],
    ['ZADD', 'z', 'NX', 'XX'],
    ['ZADD', 'z', 'nan', 'a'],
    ['ZADD', 'z', 'abc', 'a'],
    ['ZADD', 'z', '1', 'a', 'x', 'b'],
    ['ZADD', 'z', ' 1', 'a'],
    ['ZADD', 'z', '1e400', 'a'],
    ['ZADD', 'z', '', 'a'],
    ['ZADD', 'z', '1\x00', 'a'],
    ['ZADD', 'z'],
    ['ZADD', 'z', '1'],
    ['EXISTS', 'z'],
  ]);
  t.case('score spellings are printed with %.17g', [
    ['ZADD', 'z', 'inf', 'a', '-inf', 'b', '+inf', 'c', '1e3', 'd', '0x10', 'e', '.5', 'f', '-0', 'g', '0.1', 'h', '1e-300', 'i'],
    ['ZADD', 'z', '3.0000000000000004', 'j', '123456789012345678', 'k', '1.7976931348623157e308', 'l', 'Infinity', 'm', '5.', 'n'],
    ALL,
    ['ZSCORE', 'z', 'g'],
    ['ZSCORE', 'z', 'h'],
    ['ZMSCORE', 'z', 'a', 'b', 'nope', 'j'],
  ]);
  t.case('ZADD over listpack limits converts to skiplist', [
    zaddMany('z', 128),
    ['OBJECT', 'ENCODING', 'z'],
    ['ZADD', 'z', '1000', 'one-more'],
    ['OBJECT', 'ENCODING', 'z'],
    ['ZREMRANGEBYRANK', 'z', '0', '-3'],
    ['OBJECT', 'ENCODING', 'z'],
    ['ZADD', 'y', '1', X64],
    ['OBJECT', 'ENCODING', 'y'],
    ['ZADD', 'y', '1', X65],
    ['OBJECT', 'ENCODING', 'y'],
    ['ZADD', 'w', '1', X65],
    ['OBJECT', 'ENCODING', 'w'],
    ['ZRANGE', 'y', '0', '-1', 'WITHSCORES'],
  ]);
  t.case('zset-max-listpack-entries/value from CONFIG SET', [
    ['CONFIG', 'SET', 'zset-max-listpack-entries', '2', 'zset-max-listpack-value', '3'],
    ['ZADD', 'a', '1', 'x', '2', 'y'],
    ['OBJECT', 'ENCODING', 'a'],
    ['ZADD', 'a', '3', 'z'],
    ['OBJECT', 'ENCODING', 'a'],
    ['ZADD', 'b', '1', 'abcd'],
    ['OBJECT', 'ENCODING', 'b'],
    ['ZADD', 'c', '1', 'abc'],
    ['OBJECT', 'ENCODING', 'c'],
    ['ZRANGESTORE', 'd', 'a', '0', '1'],
    ['OBJECT', 'ENCODING', 'd'],
    ['ZUNIONSTORE', 'e', '1', 'a'],
    ['OBJECT', 'ENCODING', 'e'],
    ['CONFIG', 'SET', 'zset-max-listpack-entries', '0'],
    ['ZADD', 'f', '1', 'x'],
    ['OBJECT', 'ENCODING', 'f'],
    ['CONFIG', 'SET', 'zset-max-listpack-entries', '128', 'zset-max-listpack-value', '64'],
  ]);
  t.case('WRONGTYPE and arity', [
    ['SET', 's', 'x'],
    ['ZADD', 's', '1', 'a'],
    ['ZINCRBY', 's', '1', 'a'],
    ['ZINCRBY', 'z', '1'],
    ['ZSCORE', 's', 'a'],
    ['ZCARD', 's'],
    ['ZREM', 's', 'a'],
    ['ZRANGE', 's', '0', '1'],
    ['ZRANK', 's', 'a'],
    ['ZMSCORE', 's', 'a'],
    ['ZCOUNT', 's', '0', '1'],
    ['ZLEXCOUNT', 's', '-', '+'],
    ['ZPOPMIN', 's'],
    ['ZRANDMEMBER', 's'],
    ['ZSCAN', 's', '0'],
    ['ZCARD'],
    ['ZSCORE', 'z'],
    ['ZRANK', 'z', 'a', 'b'],
    ['ZREM', 'z'],
    ['ZMSCORE', 'z'],
  ]);
});

diffSuite('zset: ZINCRBY, ZREM, ZSCORE, ZMSCORE, ZRANK', (t) => {
  t.case('ZINCRBY', [
    ['ZINCRBY', 'z', '1', 'a'],
    ['ZINCRBY', 'z', '2.5', 'a'],
    ['ZINCRBY', 'z', '-10', 'b'],
    ['ZINCRBY', 'z', 'x', 'a'],
    ['ZINCRBY', 'z', 'nx', 'a'],
    ['ZINCRBY', 'z', 'incr', 'a'],
    ['ZINCRBY', 'z', 'inf', 'a'],
    ['ZINCRBY', 'z', '-inf', 'a'],
    ['ZINCRBY', 'z', '1', 'b'],
    ALL,
  ]);
  t.case('ZREM deletes the key with the last member', [
    ['ZREM', 'nokey', 'a'],
    ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'],
    ['ZREM', 'z', 'a', 'nope', 'a'],
    ALL,
    ['ZREM', 'z', 'b', 'c', 'd'],
    ['EXISTS', 'z'],
  ]);
  t.case('ZRANK and ZREVRANK', [
    ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '2', 'bb'],
    ['ZRANK', 'z', 'a'],
    ['ZRANK', 'z', 'bb'],
    ['ZRANK', 'z', 'c'],
    ['ZREVRANK', 'z', 'a'],
    ['ZREVRANK', 'z', 'c'],
    ['ZRANK', 'z', 'nope'],
    ['ZREVRANK', 'z', 'nope'],
    ['ZRANK', 'nokey', 'a'],
    ['ZREVRANK', 'nokey', 'a'],
  ]);
  t.case('ranks and scores in a skiplist-encoded set', [
    zaddMany('z', 300, (i) => `m${i}`, (i) => String((i * 37) % 101)),
    ['OBJECT', 'ENCODING', 'z'],
    ['ZRANK', 'z', 'm0'],
    ['ZRANK', 'z', 'm299'],
    ['ZREVRANK', 'z', 'm150'],
    ['ZSCORE', 'z', 'm42'],
    ['ZMSCORE', 'z', 'm1', 'm2', 'nope'],
    ['ZCARD', 'z'],
    ['ZRANGE', 'z', '100', '110', 'WITHSCORES'],
    ['ZREM', 'z', 'm5', 'm6', 'm7'],
    ['ZRANK', 'z', 'm299'],
    ['ZRANGE', 'z', '-5', '-1', 'WITHSCORES'],
  ]);
  t.case('binary members', [
    ['ZADD', 'z', '1', '', '1', '\x00', '1', '\xff', '1', 'a\r\nb', '1', '\x80', '1', 'A'],
    ALL,
    ['ZSCORE', 'z', ''],
    ['ZRANK', 'z', '\xff'],
    ['ZRANGEBYLEX', 'z', '[\x00', '(\xff'],
    ['ZREM', 'z', ''],
    ALL,
  ]);
});

diffSuite('zset: ZRANGE family', (t) => {
  const setup = ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e', '5', 'f', '-inf', 'lo', '+inf', 'hi'];
  t.case('by rank, with negative and out-of-range indexes', [
    setup,
    ['ZRANGE', 'z', '0', '-1'],
    ['ZRANGE', 'z', '2', '4', 'WITHSCORES'],
    ['ZRANGE', 'z', '-3', '-1'],
    ['ZRANGE', 'z', '-100', '100'],
    ['ZRANGE', 'z', '5', '2'],
    ['ZRANGE', 'z', '100', '200'],
    ['ZRANGE', 'z', '0', '-100'],
    ['ZRANGE', 'z', '0', '0', 'REV'],
    ['ZRANGE', 'z', '1', '3', 'REV', 'WITHSCORES'],
    ['ZREVRANGE', 'z', '0', '2'],
    ['ZREVRANGE', 'z', '-2', '-1', 'WITHSCORES'],
    ['ZRANGE', 'nokey', '0', '-1'],
    ['ZRANGE', 'z', 'a', '1'],
    ['ZRANGE', 'z', '0', '1', 'LIMIT', '0', '1'],
    ['ZRANGE', 'z', '0', '1', 'LIMIT', '0', '-1'],
    ['ZRANGE', 'z', '0', '1', 'FOO'],
    ['ZREVRANGE', 'z', '0', '1', 'REV'],
    ['ZREVRANGE', 'z', '0', '1', 'BYSCORE'],
    ['ZRANGE', 'z', '0', '1', 'REV', 'REV'],
    ['ZRANGE', 'z', '0', '1', 'BYSCORE', 'BYLEX'],
  ]);
  t.case('by score', [
    setup,
    ['ZRANGE', 'z', '2', '4', 'BYSCORE'],
    ['ZRANGE', 'z', '(2', '(5', 'BYSCORE', 'WITHSCORES'],
    ['ZRANGE', 'z', '-inf', '+inf', 'BYSCORE'],
    ['ZRANGE', 'z', '(-inf', '(+inf', 'BYSCORE'],
    ['ZRANGE', 'z', '5', '1', 'BYSCORE'],
    ['ZRANGE', 'z', '5', '1', 'BYSCORE', 'REV', 'WITHSCORES'],
    ['ZRANGE', 'z', '(5', '1', 'BYSCORE', 'REV'],
    ['ZRANGE', 'z', '3', '3', 'BYSCORE'],
    ['ZRANGE', 'z', '(3', '3', 'BYSCORE'],
    ['ZRANGE', 'z', '0', '10', 'BYSCORE', 'LIMIT', '1', '2'],
    ['ZRANGE', 'z', '0', '10', 'BYSCORE', 'LIMIT', '1', '-1'],
    ['ZRANGE', 'z', '0', '10', 'BYSCORE', 'LIMIT', '-1', '2'],
    ['ZRANGE', 'z', '0', '10', 'BYSCORE', 'LIMIT', '100', '2'],
    ['ZRANGE', 'z', '0', '10', 'BYSCORE', 'LIMIT', '2', '0'],
    ['ZRANGE', 'z', '10', '0', 'BYSCORE', 'REV', 'LIMIT', '1', '3', 'WITHSCORES'],
    ['ZRANGEBYSCORE', 'z', '2', '5'],
    ['ZRANGEBYSCORE', 'z', '2', '5', 'WITHSCORES', 'LIMIT', '1', '2'],
    ['ZRANGEBYSCORE', 'z', '2', '5', 'LIMIT', '1', '2', 'WITHSCORES'],
    ['ZREVRANGEBYSCORE', 'z', '5', '2'],
    ['ZREVRANGEBYSCORE', 'z', '+inf', '-inf', 'WITHSCORES', 'LIMIT', '0', '3'],
    ['ZRANGEBYSCORE', 'z', '2', '5', 'REV'],
    ['ZRANGEBYSCORE', 'z', 'x', '5'],
    ['ZRANGEBYSCORE', 'z', '2', '(x'],
    ['ZRANGEBYSCORE', 'z', '(', '5'],
    ['ZRANGEBYSCORE', 'z', '', '5'],
    ['ZRANGEBYSCORE', 'z', ' 2', '5'],
    ['ZRANGEBYSCORE', 'z', '2\x00junk', '5'],
    ['ZRANGEBYSCORE', 'z', 'nan', '5'],
    ['ZRANGEBYSCORE', 'z', '1e400', '-1e400'],
    ['ZRANGEBYSCORE', 'z', '-1e400', '1e400'],
    ['ZRANGEBYSCORE', 'z', '0x2', '5'],
    ['ZRANGEBYSCORE', 'z', '2', '5', 'LIMIT', '1'],
    ['ZRANGEBYSCORE', 'z', '2', '5', 'LIMIT', 'a', '1'],
    ['ZRANGEBYSCORE', 'nokey', '2', '5'],
  ]);
  t.case('by lex', [
    ['ZADD', 'z', '0', 'a', '0', 'b', '0', 'c', '0', 'd', '0', 'e', '0', 'aa', '0', ''],
    ['ZRANGE', 'z', '-', '+', 'BYLEX'],
    ['ZRANGE', 'z', '[a', '[c', 'BYLEX'],
    ['ZRANGE', 'z', '(a', '(c', 'BYLEX'],
    ['ZRANGE', 'z', '+', '-', 'BYLEX'],
    ['ZRANGE', 'z', '+', '-', 'BYLEX', 'REV'],
    ['ZRANGE', 'z', '[c', '(a', 'BYLEX', 'REV', 'LIMIT', '1', '2'],
    ['ZRANGE', 'z', '-', '+', 'BYLEX', 'LIMIT', '2', '3'],
    ['ZRANGE', 'z', '[', '[b', 'BYLEX'],
    ['ZRANGE', 'z', '(', '+', 'BYLEX'],
    ['ZRANGE', 'z', '-', '+', 'BYLEX', 'WITHSCORES'],
    ['ZRANGEBYLEX', 'z', '-', '(c'],
    ['ZRANGEBYLEX', 'z', '[b', '+', 'LIMIT', '0', '2'],
    ['ZREVRANGEBYLEX', 'z', '+', '-'],
    ['ZREVRANGEBYLEX', 'z', '[d', '[b', 'LIMIT', '1', '5'],
    ['ZRANGEBYLEX', 'z', 'a', 'c'],
    ['ZRANGEBYLEX', 'z', '[a', 'c'],
    ['ZRANGEBYLEX', 'z', '+a', '+'],
    ['ZRANGEBYLEX', 'z', '-', '+\x00'],
    ['ZRANGEBYLEX', 'z', '', '+'],
    ['ZRANGEBYLEX', 'z', '-', '+', 'WITHSCORES'],
    ['ZRANGEBYLEX', 'nokey', '-', '+'],
    ['ZLEXCOUNT', 'z', '-', '+'],
    ['ZLEXCOUNT', 'z', '[b', '(d'],
    ['ZLEXCOUNT', 'z', '(d', '[b'],
    ['ZLEXCOUNT', 'z', 'b', 'd'],
    ['ZLEXCOUNT', 'nokey', '-', '+'],
  ]);
  t.case('ZCOUNT', [
    setup,
    ['ZCOUNT', 'z', '-inf', '+inf'],
    ['ZCOUNT', 'z', '(1', '5'],
    ['ZCOUNT', 'z', '(1', '(5'],
    ['ZCOUNT', 'z', '5', '1'],
    ['ZCOUNT', 'z', 'x', '1'],
    ['ZCOUNT', 'nokey', '0', '1'],
  ]);
  t.case('RESP3 WITHSCORES pairs and skiplist ranges', [
    zaddMany('big', 200, (i) => `m${String(i).padStart(3, '0')}`, (i) => String(i % 50)),
    ['ZRANGE', 'big', '10', '20', 'WITHSCORES'],
    ['ZRANGE', 'big', '10', '20', 'REV', 'WITHSCORES'],
    ['ZRANGE', 'big', '(10', '20', 'BYSCORE', 'LIMIT', '3', '7', 'WITHSCORES'],
    ['ZRANGE', 'big', '20', '(10', 'BYSCORE', 'REV', 'LIMIT', '3', '7'],
    ['ZRANGEBYSCORE', 'big', '49', '+inf', 'WITHSCORES'],
    ['ZCOUNT', 'big', '10', '(20'],
    ['ZREVRANGE', 'big', '0', '5', 'WITHSCORES'],
    ['ZRANGE', 'big', '195', '1000'],
  ]);
  t.case('ZRANGESTORE', [
    setup,
    ['ZRANGESTORE', 'dst', 'z', '0', '2'],
    ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
    ['OBJECT', 'ENCODING', 'dst'],
    ['ZRANGESTORE', 'dst', 'z', '2', '5', 'BYSCORE', 'REV'],
    ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
    ['ZRANGESTORE', 'dst', 'z', '5', '2', 'BYSCORE', 'REV', 'LIMIT', '1', '2'],
    ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
    ['ZRANGESTORE', 'dst', 'z', '0', '1', 'REV'],
    ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
    ['ZRANGESTORE', 'dst', 'z', '[a', '[c', 'BYLEX'],
    ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
    ['ZRANGESTORE', 'dst', 'z', '10', '20'],
    ['EXISTS', 'dst'],
    ['SET', 'dst', 'string'],
    ['EXPIRE', 'dst', '100'],
    ['ZRANGESTORE', 'dst', 'z', '0', '0'],
    ['TTL', 'dst'],
    ['TYPE', 'dst'],
    ['ZRANGESTORE', 'dst', 'nokey', '0', '-1'],
    ['EXISTS', 'dst'],
    ['ZRANGESTORE', 'dst', 'z', '0', '-1', 'WITHSCORES'],
    ['ZRANGESTORE', 'dst', 'z', '0'],
    ['SET', 's', 'x'],
    ['ZRANGESTORE', 'dst', 's', '0', '-1'],
    ['ZRANGESTORE', 'z', 'z', '1', '2'],
    ALL,
  ]);
  t.case('ZRANGESTORE destination encodings', [
    zaddMany('src', 200),
    ['ZRANGESTORE', 'd1', 'src', '0', '127'],
    ['OBJECT', 'ENCODING', 'd1'],
    ['ZRANGESTORE', 'd2', 'src', '0', '128'],
    ['OBJECT', 'ENCODING', 'd2'],
    ['ZRANGESTORE', 'd3', 'src', '0', '1000', 'BYSCORE'],
    ['OBJECT', 'ENCODING', 'd3'],
    ['ZRANGESTORE', 'd4', 'src', '0', '10', 'BYSCORE'],
    ['OBJECT', 'ENCODING', 'd4'],
    ['ZADD', 'long', '1', X65, '2', 'short'],
    ['ZRANGESTORE', 'd5', 'long', '0', '-1'],
    ['OBJECT', 'ENCODING', 'd5'],
    ['ZRANGESTORE', 'd6', 'long', '1', '1'],
    ['OBJECT', 'ENCODING', 'd6'],
  ]);
});

diffSuite('zset: ZREMRANGEBY*', (t) => {
  const setup = ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e'];
  t.case('ZREMRANGEBYRANK', [
    setup,
    ['ZREMRANGEBYRANK', 'z', '1', '2'],
    ALL,
    ['ZREMRANGEBYRANK', 'z', '-1', '-1'],
    ['ZREMRANGEBYRANK', 'z', '5', '10'],
    ['ZREMRANGEBYRANK', 'z', '2', '1'],
    ['ZREMRANGEBYRANK', 'z', 'x', '1'],
    ['ZREMRANGEBYRANK', 'nokey', '0', '1'],
    ['ZREMRANGEBYRANK', 'z', '-100', '100'],
    ['EXISTS', 'z'],
  ]);
  t.case('ZREMRANGEBYSCORE', [
    setup,
    ['ZREMRANGEBYSCORE', 'z', '(1', '3'],
    ALL,
    ['ZREMRANGEBYSCORE', 'z', '10', '1'],
    ['ZREMRANGEBYSCORE', 'z', 'x', '1'],
    ['ZREMRANGEBYSCORE', 'nokey', '0', '1'],
    ['ZREMRANGEBYSCORE', 'z', '-inf', '+inf'],
    ['EXISTS', 'z'],
  ]);
  t.case('ZREMRANGEBYLEX', [
    ['ZADD', 'z', '0', 'a', '0', 'b', '0', 'c', '0', 'd'],
    ['ZREMRANGEBYLEX', 'z', '(a', '[c'],
    ALL,
    ['ZREMRANGEBYLEX', 'z', 'a', 'c'],
    ['ZREMRANGEBYLEX', 'nokey', '-', '+'],
    ['ZREMRANGEBYLEX', 'z', '-', '+'],
    ['EXISTS', 'z'],
  ]);
  t.case('range removal in a large set', [
    zaddMany('z', 1000, (i) => `m${i}`, (i) => String(i % 97)),
    ['ZREMRANGEBYSCORE', 'z', '10', '(20'],
    ['ZREMRANGEBYRANK', 'z', '100', '500'],
    ['ZCARD', 'z'],
    ['ZRANGE', 'z', '95', '110', 'WITHSCORES'],
    ['ZRANK', 'z', 'm999'],
    ['ZREMRANGEBYRANK', 'z', '0', '-2'],
    ALL,
    ['OBJECT', 'ENCODING', 'z'],
  ]);
});

diffSuite('zset: pops', (t) => {
  t.case('ZPOPMIN and ZPOPMAX reply shapes', [
    ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e'],
    ['ZPOPMIN', 'z'],
    ['ZPOPMAX', 'z'],
    ['ZPOPMIN', 'z', '1'],
    ['ZPOPMAX', 'z', '0'],
    ['ZPOPMIN', 'z', '10'],
    ['EXISTS', 'z'],
    ['ZPOPMIN', 'z'],
    ['ZPOPMIN', 'z', '2'],
    ['ZPOPMIN', 'z', '0'],
    ['ZPOPMIN', 'z', '-1'],
    ['ZPOPMIN', 'z', 'x'],
    ['ZPOPMIN', 'z', '1', '2'],
    ['SET', 's', 'x'],
    ['ZPOPMIN', 's'],
    ['ZPOPMAX', 's', '0'],
    ['ZPOPMAX', 's', '-1'],
  ]);
  t.case('ZMPOP', [
    ['ZADD', 'z2', '1', 'a', '2', 'b', '3', 'c'],
    ['ZMPOP', '2', 'z1', 'z2', 'MIN'],
    ['ZMPOP', '2', 'z1', 'z2', 'max', 'COUNT', '5'],
    ['EXISTS', 'z2'],
    ['ZMPOP', '2', 'z1', 'z2', 'MIN'],
    ['ZMPOP', '0', 'z1', 'MIN'],
    ['ZMPOP', 'x', 'z1', 'MIN'],
    ['ZMPOP', '1', 'z1', 'FOO'],
    ['ZMPOP', '1', 'z1'],
    ['ZMPOP', '3', 'z1', 'MIN'],
    ['ZMPOP', '1', 'z1', 'MIN', 'COUNT', '0'],
    ['ZMPOP', '1', 'z1', 'MIN', 'COUNT', 'x'],
    ['ZMPOP', '1', 'z1', 'MIN', 'COUNT'],
    ['ZMPOP', '1', 'z1', 'MIN', 'COUNT', '1', 'COUNT', '1'],
    ['SET', 's', 'x'],
    ['ZMPOP', '2', 'nokey', 's', 'MIN'],
    ['ZADD', 'z3', '1', 'a'],
    ['ZMPOP', '2', 'z3', 's', 'MIN'],
  ]);
  t.case('pops across a skiplist set', [
    zaddMany('z', 300, (i) => `m${i}`, (i) => String((i * 7) % 300)),
    ['ZPOPMIN', 'z', '5'],
    ['ZPOPMAX', 'z', '5'],
    ['ZCARD', 'z'],
    ['ZRANK', 'z', 'm150'],
    ['ZPOPMIN', 'z', '280'],
    ALL,
    ['OBJECT', 'ENCODING', 'z'],
  ]);
});

diffSuite('zset: ZUNION ZINTER ZDIFF and STORE forms', (t) => {
  const setup: Step[] = [
    ['ZADD', 'z1', '1', 'a', '2', 'b', '3', 'c'],
    ['ZADD', 'z2', '10', 'b', '20', 'c', '30', 'd'],
  ];
  t.case('ZUNION with weights, aggregates, WITHSCORES', [
    ...setup,
    ['ZUNION', '2', 'z1', 'z2'],
    ['ZUNION', '2', 'z1', 'z2', 'WITHSCORES'],
    ['ZUNION', '2', 'z1', 'z2', 'WEIGHTS', '2', '0.5', 'WITHSCORES'],
    ['ZUNION', '2', 'z1', 'z2', 'AGGREGATE', 'MIN', 'WITHSCORES'],
    ['ZUNION', '2', 'z1', 'z2', 'AGGREGATE', 'max', 'WITHSCORES'],
    ['ZUNION', '3', 'z1', 'z2', 'nokey', 'WITHSCORES'],
    ['ZUNION', '1', 'nokey'],
    ['ZUNION', '0', 'z1'],
    ['ZUNION', '-1', 'z1'],
    ['ZUNION', 'x', 'z1'],
    ['ZUNION', '3', 'z1', 'z2'],
    ['ZUNION', '2', 'z1', 'z2', 'WEIGHTS', '1'],
    ['ZUNION', '2', 'z1', 'z2', 'WEIGHTS', '1', 'x'],
    ['ZUNION', '2', 'z1', 'z2', 'AGGREGATE', 'AVG'],
    ['ZUNION', '2', 'z1', 'z2', 'AGGREGATE'],
    ['ZUNION', '2', 'z1', 'z2', 'FOO'],
    ['ZUNION', '2', 'z1', 'z2', 'WITHSCORES', 'WITHSCORES'],
  ]);
  t.case('sets count with score 1', [
    ...setup,
    ['SADD', 'set', 'a', 'd', 'x'],
    ['ZUNION', '2', 'z1', 'set', 'WITHSCORES'],
    ['ZINTER', '2', 'z1', 'set', 'WITHSCORES'],
    ['ZDIFF', '2', 'set', 'z1', 'WITHSCORES'],
    ['ZINTERCARD', '2', 'set', 'z2'],
    ['ZUNIONSTORE', 'dst', '2', 'set', 'z2', 'WEIGHTS', '3', '1'],
    ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
    ['SADD', 'ints', '1', '2', '3', '-5'],
    ['ZADD', 'zi', '10', '1', '20', '3', '30', '9'],
    ['ZINTER', '2', 'ints', 'zi', 'WITHSCORES'],
    ['ZUNION', '2', 'ints', 'zi', 'AGGREGATE', 'MAX', 'WITHSCORES'],
    ['ZDIFFSTORE', 'dst', '2', 'ints', 'zi'],
    ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
    ['ZINTERSTORE', 'dst', '2', 'set', 'set'],
    ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
    ['ZINTERCARD', '2', 'ints', 'zi', 'LIMIT', '1'],
  ]);
  t.case('inf and NaN handling', [
    ['ZADD', 'p', 'inf', 'a', '1', 'b'],
    ['ZADD', 'n', '-inf', 'a', '2', 'b'],
    ['ZUNION', '2', 'p', 'n', 'WITHSCORES'],
    ['ZINTER', '2', 'p', 'n', 'WITHSCORES'],
    ['ZUNION', '2', 'p', 'n', 'WEIGHTS', '0', '1', 'WITHSCORES'],
    ['ZINTER', '2', 'p', 'n', 'WEIGHTS', '0', '0', 'WITHSCORES'],
    ['ZUNION', '1', 'p', 'WEIGHTS', 'inf', 'WITHSCORES'],
    ['ZUNION', '1', 'p', 'WEIGHTS', 'nan', 'WITHSCORES'],
  ]);
  t.case('ZINTER and ZINTERCARD', [
    ...setup,
    ['ZINTER', '2', 'z1', 'z2'],
    ['ZINTER', '2', 'z1', 'z2', 'WITHSCORES'],
    ['ZINTER', '2', 'z1', 'z2', 'WEIGHTS', '1', '-1', 'AGGREGATE', 'SUM', 'WITHSCORES'],
    ['ZINTER', '2', 'z1', 'z1', 'WITHSCORES'],
    ['ZINTER', '2', 'z1', 'nokey', 'WITHSCORES'],
    ['ZINTERCARD', '2', 'z1', 'z2'],
    ['ZINTERCARD', '2', 'z1', 'z2', 'LIMIT', '1'],
    ['ZINTERCARD', '2', 'z1', 'z2', 'LIMIT', '0'],
    ['ZINTERCARD', '2', 'z1', 'z2', 'LIMIT', '-1'],
    ['ZINTERCARD', '2', 'z1', 'z2', 'LIMIT', 'x'],
    ['ZINTERCARD', '2', 'z1', 'z2', 'WITHSCORES'],
    ['ZINTERCARD', '2', 'z1', 'z2', 'WEIGHTS', '1', '1'],
    ['ZINTERCARD', '0', 'z1'],
    ['ZINTERCARD', '1', 'nokey'],
    ['ZINTERCARD', '3', 'z1', 'z2'],
  ]);
  t.case('ZDIFF', [
    ...setup,
    ['ZDIFF', '2', 'z1', 'z2'],
    ['ZDIFF', '2', 'z1', 'z2', 'WITHSCORES'],
    ['ZDIFF', '1', 'z1', 'WITHSCORES'],
    ['ZDIFF', '2', 'nokey', 'z1'],
    ['ZDIFF', '2', 'z1', 'nokey'],
    ['ZDIFF', '2', 'z1', 'z2', 'WEIGHTS', '1', '1'],
    ['ZDIFF', '2', 'z1', 'z2', 'AGGREGATE', 'MIN'],
    ['ZDIFF', '0', 'z1'],
  ]);
  t.case('STORE forms: replies, overwrite, delete on empty, encodings', [
    ...setup,
    ['ZUNIONSTORE', 'dst', '2', 'z1', 'z2'],
    ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
    ['OBJECT', 'ENCODING', 'dst'],
    ['ZINTERSTORE', 'dst', '2', 'z1', 'z2', 'AGGREGATE', 'MAX'],
    ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
    ['ZDIFFSTORE', 'dst', '2', 'z1', 'z2'],
    ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
    ['ZINTERSTORE', 'dst', '2', 'z1', 'nokey'],
    ['EXISTS', 'dst'],
    ['ZUNIONSTORE', 'z1', '2', 'z1', 'z2'],
    ['ZRANGE', 'z1', '0', '-1', 'WITHSCORES'],
    ['ZUNIONSTORE', 'dst', '2', 'z1', 'z2', 'WITHSCORES'],
    ['ZUNIONSTORE', 'dst', '0', 'z1'],
    ['ZDIFFSTORE', 'dst', '0', 'z1'],
    ['SET', 'str', 'x'],
    ['ZUNIONSTORE', 'dst', '2', 'z1', 'str'],
    ['ZUNION', '2', 'str', 'z1', 'FOO'],
    zaddMany('big', 200),
    ['ZUNIONSTORE', 'dst', '1', 'big'],
    ['OBJECT', 'ENCODING', 'dst'],
    ['ZINTERSTORE', 'dst', '2', 'big', 'z2'],
    ['OBJECT', 'ENCODING', 'dst'],
    ['ZADD', 'long', '1', X65],
    ['ZUNIONSTORE', 'dst', '1', 'long'],
    ['OBJECT', 'ENCODING', 'dst'],
  ]);
  t.case('arity', [['ZUNION', '1'], ['ZUNIONSTORE', 'd', '1'], ['ZINTERCARD', '1'], ['ZDIFFSTORE', 'd']]);
});

diffSuite('zset: ZRANDMEMBER and ZSCAN', (t) => {
  t.case('ZRANDMEMBER shapes', [
    ['ZRANDMEMBER', 'nokey'],
    ['ZRANDMEMBER', 'nokey', '5'],
    ['ZRANDMEMBER', 'nokey', '5', 'WITHSCORES'],
    ['ZADD', 'z', '1', 'a'],
    ['ZRANDMEMBER', 'z'],
    ['ZRANDMEMBER', 'z', '1'],
    ['ZRANDMEMBER', 'z', '-3'],
    ['ZRANDMEMBER', 'z', '-3', 'WITHSCORES'],
    ['ZRANDMEMBER', 'z', '5', 'WITHSCORES'],
    ['ZRANDMEMBER', 'z', '0'],
    ['ZRANDMEMBER', 'z', '1', 'WITHSCORE'],
    ['ZRANDMEMBER', 'z', '1', 'WITHSCORES', 'x'],
    ['ZRANDMEMBER', 'z', 'x'],
    ['ZRANDMEMBER', 'z', '-9223372036854775808'],
    ['ZRANDMEMBER', 'z', '4611686018427387904', 'WITHSCORES'],
    ['ZRANDMEMBER', 'z', '-4611686018427387904', 'WITHSCORES'],
    ['ZADD', 'z', '2', 'b', '3', 'c'],
    unordered('ZRANDMEMBER', 'z', '10', 'WITHSCORES'),
    unordered('ZRANDMEMBER', 'z', '3'),
    // Random picks differ between the servers: the right number of members of z (distinct for a
    // positive count), each with its own score.
    { argv: ['ZRANDMEMBER', 'z', '2'], compare: randomPick(['a', 'b', 'c'], { count: 2, distinct: true }) },
    { argv: ['ZRANDMEMBER', 'z', '-5', 'WITHSCORES'], compare: randomPick({ a: '1', b: '2', c: '3' }, { count: 5, withValues: true }) },
    { argv: ['ZRANDMEMBER', 'z'], compare: randomPick(['a', 'b', 'c']) },
  ]);
  t.case('ZSCAN of a listpack returns everything at once', [
    ['ZADD', 'z', '1', 'a', '2.5', 'b', 'inf', 'c', '-0', 'd'],
    ['ZSCAN', 'z', '0'],
    ['ZSCAN', 'z', '0', 'MATCH', '[ab]'],
    ['ZSCAN', 'z', '0', 'COUNT', '1'],
    ['ZSCAN', 'z', '0', 'COUNT', '0'],
    ['ZSCAN', 'z', '0', 'COUNT', 'x'],
    ['ZSCAN', 'z', '0', 'FOO', 'x'],
    ['ZSCAN', 'z', 'x'],
    ['ZSCAN', 'nokey', '0'],
    ['ZSCAN', 'z'],
  ]);
  t.case('-0 is kept by skiplist, stored as 0 by listpack', [
    ['ZADD', 'z', '-0', 'a'],
    ['ZSCORE', 'z', 'a'],
    ['ZINCRBY', 'z', '-0', 'b'],
    ['ZSCORE', 'z', 'b'],
    ['ZADD', 'w', '-0', X65],
    ['ZSCORE', 'w', X65],
    ['ZADD', 'w', '1', 'c'],
    ['ZADD', 'w', '-0', 'c'],
    ['ZSCORE', 'w', 'c'],
    ['ZUNION', '1', 'w', 'WITHSCORES'],
    ['ZADD', 'w', '-0', 'd'],
    ['ZRANGESTORE', 'x', 'w', '0', '0'],
    ['ZRANGE', 'x', '0', '-1', 'WITHSCORES'],
    ['ZUNIONSTORE', 'y', '1', 'w'],
    ['ZRANGE', 'y', '0', '-1', 'WITHSCORES'],
    unordered('ZSCAN', 'w', '0', 'COUNT', '100'),
  ]);
  t.case('ZSCAN of a skiplist covers every member', [zaddMany('z', 300), unordered('ZSCAN', 'z', '0', 'COUNT', '1000')]);
});

diffSuite('zset: generic commands on sorted sets', (t) => {
  t.case('COPY, RENAME, TYPE, OBJECT ENCODING, DEL', [
    ['ZADD', 'z', '1', 'a', '2', 'b'],
    ['COPY', 'z', 'z2'],
    ['ZADD', 'z2', '3', 'c'],
    ['ZRANGE', 'z', '0', '-1'],
    ['ZRANGE', 'z2', '0', '-1'],
    zaddMany('big', 200),
    ['COPY', 'big', 'big2'],
    ['ZREM', 'big', 'm1'],
    ['ZCARD', 'big2'],
    ['OBJECT', 'ENCODING', 'big2'],
    ['ZRANK', 'big2', 'm199'],
    ['TYPE', 'big2'],
    ['DEL', 'big2'],
    unordered('SCAN', '0', 'TYPE', 'zset'),
  ]);
});

diffSuite('zset: command table', (t) => {
  const names = ['zadd', 'zincrby', 'zrem', 'zcard', 'zcount', 'zlexcount', 'zscore', 'zmscore', 'zrank', 'zrevrank', 'zrange', 'zrangestore', 'zrevrange', 'zrangebyscore', 'zrevrangebyscore', 'zrangebylex', 'zrevrangebylex', 'zremrangebyrank', 'zremrangebyscore', 'zremrangebylex', 'zpopmin', 'zpopmax', 'zmpop', 'zunion', 'zinter', 'zdiff', 'zunionstore', 'zinterstore', 'zdiffstore', 'zintercard', 'zrandmember', 'zscan'];
  t.case('COMMAND INFO matches', names.map((n) => ['COMMAND', 'INFO', n]));
  t.case('COMMAND GETKEYS for movable keys', [
    ['COMMAND', 'GETKEYS', 'ZUNIONSTORE', 'dst', '2', 'a', 'b', 'WEIGHTS', '1', '2'],
    ['COMMAND', 'GETKEYS', 'ZINTER', '2', 'a', 'b'],
    ['COMMAND', 'GETKEYS', 'ZMPOP', '2', 'a', 'b', 'MIN'],
    ['COMMAND', 'GETKEYS', 'ZINTERCARD', '1', 'a', 'LIMIT', '1'],
    ['COMMAND', 'GETKEYS', 'ZRANGESTORE', 'dst', 'src', '0', '1'],
    ['COMMAND', 'GETKEYS', 'ZDIFFSTORE', 'dst', '1', 'a'],
  ]);
});

diffSuite('zset: random command sequences against redis-server (property)', (t) => {
  const member = fc.constantFrom('a', 'b', 'c', 'd', 'e', '', 'f\x00', 'long-' + 'y'.repeat(60), 'm1', 'm2');
  const score = fc.oneof(
    fc.constantFrom('0', '1', '-1', '2.5', 'inf', '-inf', '1e10', '-0', '3'),
    fc.integer({ min: -20, max: 20 }).map(String),
  );
  const rangeScore = fc.constantFrom('-inf', '+inf', '0', '(0', '1', '(1', '2.5', '(3', '10', '-5');
  const lex = fc.constantFrom('-', '+', '[a', '(a', '[c', '(d', '[', '[m1', '(long');
  const idx = fc.integer({ min: -12, max: 12 }).map(String);
  const key = fc.constantFrom('z', 'z', 'z', 'w');
  const flagSet = fc.subarray(['NX', 'XX', 'GT', 'LT', 'CH']);
  const step = fc.oneof(
    fc.tuple(key, flagSet, fc.array(fc.tuple(score, member), { minLength: 1, maxLength: 4 })).map(([k, f, p]) => ['ZADD', k, ...f, ...p.flat()]),
    fc.tuple(key, score, member).map(([k, s, m]) => ['ZINCRBY', k, s, m]),
    fc.tuple(key, fc.array(member, { minLength: 1, maxLength: 3 })).map(([k, ms]) => ['ZREM', k, ...ms]),
    fc.tuple(key, member).map(([k, m]) => ['ZSCORE', k, m]),
    fc.tuple(key, member, fc.constantFrom('ZRANK', 'ZREVRANK')).map(([k, m, c]) => [c, k, m]),
    fc.tuple(key, idx, idx, fc.boolean(), fc.boolean()).map(([k, a, b, rev, ws]) => ['ZRANGE', k, a, b, ...(rev ? ['REV'] : []), ...(ws ? ['WITHSCORES'] : [])]),
    fc
      .tuple(key, rangeScore, rangeScore, fc.boolean(), fc.option(fc.tuple(fc.integer({ min: -1, max: 4 }), fc.integer({ min: -1, max: 4 }))))
      .map(([k, a, b, rev, lim]) => ['ZRANGE', k, a, b, 'BYSCORE', ...(rev ? ['REV'] : []), ...(lim ? ['LIMIT', String(lim[0]), String(lim[1])] : []), 'WITHSCORES']),
    fc.tuple(key, rangeScore, rangeScore).map(([k, a, b]) => ['ZCOUNT', k, a, b]),
    fc.tuple(key, rangeScore, rangeScore).map(([k, a, b]) => ['ZREMRANGEBYSCORE', k, a, b]),
    fc.tuple(key, idx, idx).map(([k, a, b]) => ['ZREMRANGEBYRANK', k, a, b]),
    fc.tuple(key, fc.constantFrom('ZPOPMIN', 'ZPOPMAX'), fc.constantFrom([], ['1'], ['3'], ['0'])).map(([k, c, n]) => [c, k, ...n]),
    fc.tuple(key, fc.constantFrom('MIN', 'MAX')).map(([k, w]) => ['ZMPOP', '2', k, 'w', w, 'COUNT', '2']),
    key.map((k) => ['ZCARD', k]),
    key.map((k) => ['OBJECT', 'ENCODING', k]),
    fc.constantFrom<string[]>(['ZUNIONSTORE', 'u', '2', 'z', 'w', 'WITHSCORES'], ['ZUNION', '2', 'z', 'w', 'WITHSCORES'], ['ZINTER', '2', 'z', 'w', 'AGGREGATE', 'MAX', 'WITHSCORES'], ['ZDIFF', '2', 'z', 'w', 'WITHSCORES'], ['ZINTERCARD', '2', 'z', 'w']),
    fc.constantFrom<string[]>(['ZUNIONSTORE', 'u', '2', 'z', 'w', 'WEIGHTS', '2', '-1'], ['ZRANGE', 'u', '0', '-1', 'WITHSCORES'], ['ZRANGESTORE', 'u', 'z', '1', '3']),
    fc.constant(['SET', 'w', 'string'] as string[]),
    key.map((k) => ['ZRANDMEMBER', k, '100', 'WITHSCORES']),
    key.map((k) => ['ZSCAN', k, '0', 'COUNT', '100']),
  );
  const lexStep = fc.oneof(
    fc.array(member, { minLength: 1, maxLength: 5 }).map((ms) => ['ZADD', 'l', ...ms.flatMap((m) => ['0', m])]),
    fc.tuple(lex, lex, fc.boolean()).map(([a, b, rev]) => (rev ? ['ZREVRANGEBYLEX', 'l', b, a] : ['ZRANGEBYLEX', 'l', a, b])),
    fc.tuple(lex, lex).map(([a, b]) => ['ZLEXCOUNT', 'l', a, b]),
    fc.tuple(lex, lex).map(([a, b]) => ['ZREMRANGEBYLEX', 'l', a, b]),
    fc.tuple(lex, lex, fc.integer({ min: -1, max: 3 }), fc.integer({ min: -1, max: 3 })).map(([a, b, o, n]) => ['ZRANGE', 'l', a, b, 'BYLEX', 'LIMIT', String(o), String(n)]),
  );
  const orderFree = new Set(['ZRANDMEMBER', 'ZSCAN']);
  it('ZADD/ZINCRBY/ZREM/ZRANGE/... replies match', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), fc.constantFrom<2 | 3>(2, 3), async (steps, resp) => {
        const withModes: Step[] = steps.map((argv) => (orderFree.has(argv[0]) ? { argv, compare: 'unordered' } : argv));
        await runSteps(t.ports, withModes, resp);
      }),
      { numRuns: 100, seed: 4242 },
    );
  });
  it('lex ranges match', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(lexStep, { minLength: 1, maxLength: 15 }), fc.constantFrom<2 | 3>(2, 3), async (steps, resp) => {
        await runSteps(t.ports, steps, resp);
      }),
      { numRuns: 60, seed: 99 },
    );
  });
  it('large sets: random ZADD/ZREM/ZRANGE over the skiplist encoding', async () => {
    const bigStep = fc.oneof(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 400 })), { minLength: 1, maxLength: 30 }).map((p) => ['ZADD', 'z', ...p.flatMap(([s, m]) => [String(s), `k${m}`])]),
      fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 20 }).map((ms) => ['ZREM', 'z', ...ms.map((m) => `k${m}`)]),
      fc.tuple(fc.integer({ min: -300, max: 300 }), fc.integer({ min: -300, max: 300 })).map(([a, b]) => ['ZRANGE', 'z', String(a), String(b), 'WITHSCORES']),
      fc.integer({ min: 0, max: 400 }).map((m) => ['ZRANK', 'z', `k${m}`]),
      fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 50 })).map(([a, b]) => ['ZCOUNT', 'z', String(a), `(${b}`]),
      fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 10 })).map(([a, n]) => ['ZRANGEBYSCORE', 'z', String(a), '+inf', 'LIMIT', String(n), '5']),
      fc.constantFrom<string[]>(['ZPOPMIN', 'z', '7'], ['ZPOPMAX', 'z', '7'], ['ZCARD', 'z'], ['OBJECT', 'ENCODING', 'z'], ['ZREMRANGEBYRANK', 'z', '10', '40']),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(bigStep, { minLength: 5, maxLength: 40 }), async (steps) => {
        await runSteps(t.ports, [zaddMany('z', 300, (i) => `k${i}`, (i) => String(i % 50)), ...steps], 2);
      }),
      { numRuns: 40, seed: 5 },
    );
  });
});

diffSuite('zset: ZRANDMEMBER and ZSCAN invariants', (t) => {
  it('distinct members, scores match, full coverage under SCAN', async () => {
    const c = await RawConnection.connect(t.ports.cinder);
    try {
      await c.command(['FLUSHALL']);
      await c.command(zaddMany('z', 600));
      for (const count of [1, 5, 150, 599, 600, 1000]) {
        const members = parseFlat(await c.command(['ZRANDMEMBER', 'z', String(count)]));
        assert.equal(members.length, Math.min(count, 600));
        assert.equal(new Set(members).size, members.length);
        const pairs = parseFlat(await c.command(['ZRANDMEMBER', 'z', String(count), 'WITHSCORES']));
        for (let i = 0; i < pairs.length; i += 2) assert.equal('m' + pairs[i + 1], pairs[i]);
      }
      const rep = parseFlat(await c.command(['ZRANDMEMBER', 'z', '-2000']));
      assert.equal(rep.length, 2000);
      // A cursor walk with deletions in between still returns every member that stayed.
      const seen = new Set<string>();
      let cursor = '0';
      let round = 0;
      do {
        const flat = parseFlat(await c.command(['ZSCAN', 'z', cursor, 'COUNT', '25']));
        cursor = flat[0];
        for (let i = 1; i < flat.length; i += 2) seen.add(flat[i]);
        await c.command(['ZREM', 'z', `m${round * 2 + 1}`]);
        round++;
      } while (cursor !== '0');
      for (let i = 0; i < 600; i++) {
        const removed = i % 2 === 1 && (i - 1) / 2 < round;
        if (!removed) assert.ok(seen.has(`m${i}`), `m${i} missed`);
      }
      // Small listpack sets.
      await c.command(zaddMany('small', 10));
      for (const count of [2, 3, 9]) {
        const ms = parseFlat(await c.command(['ZRANDMEMBER', 'small', String(count)]));
        assert.equal(new Set(ms).size, count);
      }
    } finally {
      c.close();
    }
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
