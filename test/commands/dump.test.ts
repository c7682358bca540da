/**
 * DUMP and RESTORE against a real Redis 7.0: payload bytes compared for every type on both sides
 * of every encoding boundary, payloads crossing between the servers both ways (then compared by
 * DUMP, contents and OBJECT ENCODING), Redis's errors, old (Redis 5/6) encodings built by hand,
 * and a property test of random values crossing both ways.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { diffSuite, parseReply, realRedisSuite, startRealRedis, RawConnection, type RealRedis, type Reply, type Step } from '../helpers/differential.js';
import { startServer, type RunningServer } from '../../src/embedded/index.js';
import { crc64 } from '../../src/util/crc64.js';

// ---------------------------------------------------------------- value builders

const range = (n: number, f: (i: number) => string): string[] => Array.from({ length: n }, (_, i) => f(i));
const steps = (n: number, f: (i: number) => string[]): string[][] => Array.from({ length: n }, (_, i) => f(i));
const pairs = (n: number, f: (i: number) => [string, string]): string[] => Array.from({ length: n }, (_, i) => f(i)).flat();
const pad = (s: string, n: number): string => s.padEnd(n, '.');
/** Bytes LZF cannot shrink (no repeated 3-byte sequence). */
const noise = (n: number, seed = 1): string => {
  let x = seed;
  return range(n, () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return String.fromCharCode(x >> 23);
  }).join('');
};

/** Integers on both sides of every listpack / intset integer width. */
const INTEGER_EDGES = ['0', '127', '128', '-1', '-4096', '-4097', '4095', '4096', '32767', '32768', '-32768', '-32769', '8388607', '8388608', '-8388608', '-8388609', '2147483647', '2147483648', '-2147483648', '-2147483649', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '007', '-0', '+1', '1 '];
/** Strings on both sides of every listpack string width. */
const STRING_EDGES = [pad('s', 63), pad('s', 64), pad('t', 4095), pad('t', 4096), '', 'a', '\x00\xff\r\n'];

/** A named value: the commands that build it under key `k`. */
interface Fixture {
  name: string;
  build: string[][];
  /** DUMP's bytes are Redis's only up to dict order (hashtable sets and hashes). */
  unordered?: boolean;
  /**
   * A stream holding deleted entries: Cinder's RESTORE drops them (the entries are appended anew),
   * so its DUMP afterwards lacks Redis's tombstones and node layout. Contents are equal.
   */
  tombstones?: boolean;
  /** Config both servers need while building and dumping it. */
  config?: Array<[string, string]>;
}

const FIXTURES: Fixture[] = [
  // strings
  ...['1', '-1', '127', '128', '-128', '-129', '32767', '32768', '2147483647', '2147483648', '-2147483648', '-2147483649', '12345678901', '9223372036854775807', '007', ' 1', '1.5'].map((v) => ({ name: `string ${JSON.stringify(v)}`, build: [['SET', 'k', v]] })),
  { name: 'string of 20 bytes (never compressed)', build: [['SET', 'k', 'a'.repeat(20)]] },
  { name: 'string of 21 compressible bytes', build: [['SET', 'k', 'a'.repeat(21)]] },
  { name: 'string of 25 incompressible bytes', build: [['SET', 'k', noise(25)]] },
  { name: 'string of 1000 compressible bytes', build: [['SET', 'k', range(100, (i) => `item:${i % 7};`).join('')]] },
  { name: 'string of 5000 incompressible bytes', build: [['SET', 'k', noise(5000, 7)]] },
  { name: 'string of 20000 bytes (kept off the heap)', build: [['SET', 'k', 'xyz'.repeat(7000)]] },
  { name: 'string grown by APPEND', build: [['SET', 'k', 'abc'], ['APPEND', 'k', 'defghijklmnopqrstuvwxyz0123456789']] },
  { name: 'string from INCRBYFLOAT', build: [['SET', 'k', '10'], ['INCRBYFLOAT', 'k', '0.5']] },
  { name: 'empty string', build: [['SET', 'k', '']] },
  { name: 'binary string', build: [['SET', 'k', '\x00\x01\xfe\xff\r\n'.repeat(9)]] },
  // lists
  { name: 'list of three', build: [['RPUSH', 'k', 'a', 'b', 'c']] },
  { name: 'list of integer edges', build: [['RPUSH', 'k', ...INTEGER_EDGES]] },
  { name: 'list of string edges', build: [['RPUSH', 'k', ...STRING_EDGES]] },
  { name: 'list of 2000 short elements (several nodes)', build: [['RPUSH', 'k', ...range(2000, (i) => `element:${i}`)]] },
  { name: 'list of 300 100-byte elements', build: [['RPUSH', 'k', ...range(300, (i) => pad(`e${i}`, 100))]] },
  { name: 'list with a 10000-byte element between short ones', build: [['RPUSH', 'k', 'a', 'b', noise(10000, 3), 'c', 'd']] },
  { name: 'list of 8100-byte elements', build: [['RPUSH', 'k', pad('a', 8100), pad('b', 8100), pad('c', 8200)]] },
  { name: 'list of 1000 integers', build: [['RPUSH', 'k', ...range(1000, (i) => String(i * 37 - 5000))]] },
  { name: 'list under list-max-listpack-size 5', build: [['RPUSH', 'k', ...range(23, (i) => `v${i}`)]], config: [['list-max-listpack-size', '5']] },
  { name: 'list under list-max-listpack-size -1', build: [['RPUSH', 'k', ...range(900, (i) => `value-${i}`)]], config: [['list-max-listpack-size', '-1']] },
  { name: 'list under list-max-listpack-size -5', build: [['RPUSH', 'k', ...range(9000, (i) => `value-${i}`)]], config: [['list-max-listpack-size', '-5']] },
  { name: 'list without rdbcompression', build: [['RPUSH', 'k', ...range(50, () => 'same')]], config: [['rdbcompression', 'no']] },
  // sets
  { name: 'intset of 16-bit integers', build: [['SADD', 'k', '1', '-5', '300', '32767', '-32768']] },
  { name: 'intset of 32-bit integers', build: [['SADD', 'k', '1', '70000', '-2147483648']] },
  { name: 'intset of 64-bit integers', build: [['SADD', 'k', '1', '9223372036854775807', '-9223372036854775808', '4294967296']] },
  { name: 'intset that stays wide after SREM', build: [['SADD', 'k', '1', '2', '5000000000'], ['SREM', 'k', '5000000000']] },
  { name: 'intset of 512 members', build: [['SADD', 'k', ...range(512, (i) => String(i * 3))]] },
  { name: 'hashtable set of 513 integers', build: [['SADD', 'k', ...range(513, (i) => String(i * 3))]], unordered: true },
  { name: 'hashtable set of strings', build: [['SADD', 'k', 'a', 'b', 'c', '1', pad('x', 100)]], unordered: true },
  { name: 'one-member hashtable set', build: [['SADD', 'k', 'only']] },
  // hashes
  { name: 'listpack hash', build: [['HSET', 'k', 'f', 'v', 'n', '12', 'neg', '-99999', 'big', '9223372036854775807']] },
  { name: 'listpack hash of edges', build: [['HSET', 'k', ...INTEGER_EDGES.flatMap((v, i) => [`f${i}`, v]), 'e63', pad('s', 63), 'e64', pad('s', 64)]] },
  { name: 'listpack hash after updates and deletes', build: [['HSET', 'k', 'a', '1', 'b', '2', 'c', '3'], ['HSET', 'k', 'a', 'longer value'], ['HDEL', 'k', 'b'], ['HINCRBY', 'k', 'c', '1000']] },
  { name: 'listpack hash of 512 fields', build: [['HSET', 'k', ...pairs(512, (i) => [`field:${i}`, `v${i}`])]] },
  { name: 'hashtable hash of 513 fields', build: [['HSET', 'k', ...pairs(513, (i) => [`field:${i}`, `v${i}`])]], unordered: true },
  { name: 'hashtable hash from a 65-byte value', build: [['HSET', 'k', 'a', '1', 'b', pad('v', 65)]], unordered: true },
  { name: 'listpack hash with a 64-byte value', build: [['HSET', 'k', 'a', '1', 'b', pad('v', 64)]] },
  // sorted sets
  { name: 'listpack zset', build: [['ZADD', 'k', '-0', 'a', '0.1', 'b', '1e20', 'c', '5', 'd', '-3', 'e', 'inf', 'f', '-inf', 'g']] },
  { name: 'listpack zset of score forms', build: [['ZADD', 'k', '1.5', 'a', '3.0', 'b', '1e-300', 'c', '123456789012345678', 'd', '4503599627370496', 'e', '-2.5e-7', 'f', '0.30000000000000004', 'g', '100', '127'], ['ZINCRBY', 'k', '0.1', 'a']] },
  { name: 'listpack zset of 128 members', build: [['ZADD', 'k', ...pairs(128, (i) => [String(i % 10), `m${i}`])]] },
  { name: 'skiplist zset of 129 members', build: [['ZADD', 'k', ...pairs(129, (i) => [String(i % 10), `m${i}`])]] },
  { name: 'skiplist zset from a 65-byte member', build: [['ZADD', 'k', '1', 'a', '2', pad('m', 65), '-0', 'z']] },
  { name: 'listpack zset with a 64-byte member', build: [['ZADD', 'k', '1', 'a', '2', pad('m', 64)]] },
  { name: 'skiplist zset of 1000 members with equal scores', build: [['ZADD', 'k', ...pairs(1000, (i) => ['7', `member-${(i * 7919) % 1000}`])]] },
  // streams
  { name: 'stream of one entry', build: [['XADD', 'k', '1-1', 'a', '1']] },
  { name: 'stream with master fields reused and not', build: [['XADD', 'k', '1-1', 'a', '1', 'b', 'x'], ['XADD', 'k', '1-2', 'a', '2', 'b', 'y'], ['XADD', 'k', '5-0', 'c', '3'], ['XADD', 'k', '5-1', 'a', '-7', 'b', pad('long', 70)], ['XADD', 'k', '18446744073709551615-0', 'b', '1', 'a', '2']] },
  { name: 'stream of 250 entries (three nodes)', build: steps(250, (i) => ['XADD', 'k', `${1000 + i}-${i % 3}`, 'field', `value-${i}`, 'n', String(i)]) },
  { name: 'stream of large entries (nodes cut by bytes)', build: steps(20, (i) => ['XADD', 'k', `${i + 1}-0`, 'f', pad(`v${i}`, 900)]) },
  { name: 'stream with deleted entries', build: [...(steps(10, (i) => ['XADD', 'k', `${i + 1}-0`, 'f', String(i)])), ['XDEL', 'k', '1-0', '5-0', '10-0']], tombstones: true },
  { name: 'stream emptied by XDEL', build: [['XADD', 'k', '1-0', 'f', 'v'], ['XDEL', 'k', '1-0']], tombstones: true },
  { name: 'stream trimmed', build: [...(steps(300, (i) => ['XADD', 'k', `${i + 1}-0`, 'f', String(i)])), ['XTRIM', 'k', 'MAXLEN', '150']], tombstones: true },
  { name: 'stream with consumer groups and no consumers', build: [['XADD', 'k', '1-0', 'f', 'v'], ['XADD', 'k', '2-0', 'f', 'w'], ['XGROUP', 'CREATE', 'k', 'g2', '0'], ['XGROUP', 'CREATE', 'k', 'g1', '1-0', 'ENTRIESREAD', '1'], ['XGROUP', 'CREATE', 'k', 'a', '$'], ['XSETID', 'k', '10-0', 'ENTRIESADDED', '7', 'MAXDELETEDID', '3-0']] },
  { name: 'stream with consumers and pending entries', build: [...(steps(5, (i) => ['XADD', 'k', `${i + 1}-0`, 'f', String(i)])), ['XGROUP', 'CREATE', 'k', 'g', '0'], ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 'k', '>'], ['XREADGROUP', 'GROUP', 'g', 'bob', 'COUNT', '2', 'STREAMS', 'k', '>'], ['XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 'k', '0'], ['XACK', 'k', 'g', '3-0'], ['XGROUP', 'CREATECONSUMER', 'k', 'g', 'carol']], unordered: true },
];

function configSteps(f: Fixture, restore: boolean): string[][] {
  const defaults: Record<string, string> = { 'list-max-listpack-size': '-2', rdbcompression: 'yes' };
  return (f.config ?? []).map(([name, value]) => ['CONFIG', 'SET', name, restore ? defaults[name] : value]);
}

diffSuite('DUMP: payload bytes equal Redis 7.0', (t) => {
  for (const f of FIXTURES) {
    t.case(f.name, [...configSteps(f, false), ...f.build, { argv: ['DUMP', 'k'], compare: f.unordered ? 'type' : 'exact' }, ['OBJECT', 'ENCODING', 'k'], ...configSteps(f, true)], { resp: [2] });
  }
  t.case('DUMP of a missing key', [['DUMP', 'nokey']]);
  t.case('DUMP arity', [['DUMP'], ['DUMP', 'a', 'b']]);
});

// ---------------------------------------------------------------- errors and options

/** A payload: RDB bytes, version 10, CRC64. */
function payload(body: Buffer | string, version = 10): string {
  const b = typeof body === 'string' ? Buffer.from(body, 'latin1') : body;
  const out = Buffer.alloc(b.length + 10);
  b.copy(out);
  out.writeUInt16LE(version, b.length);
  out.writeBigUInt64LE(crc64(out, 0, b.length + 2), b.length + 2);
  return out.latin1Slice();
}

/** The string "hello" as a DUMP payload. */
const HELLO = payload('\x00\x05hello');

diffSuite('RESTORE: options and errors as Redis words them', (t) => {
  t.case('RESTORE creates the key; BUSYKEY without REPLACE', [
    ['RESTORE', 'k', '0', HELLO],
    ['GET', 'k'],
    ['RESTORE', 'k', '0', HELLO],
    ['RESTORE', 'k', '0', payload('\x00\x03bye'), 'REPLACE'],
    ['GET', 'k'],
    ['TTL', 'k'],
  ]);
  t.case('TTL relative and ABSTTL', [
    ['RESTORE', 'k', '100000', HELLO],
    { argv: ['PTTL', 'k'], compare: 'type' },
    ['RESTORE', 'a', '4000000000000', HELLO, 'ABSTTL'],
    ['PEXPIRETIME', 'a'],
    ['RESTORE', 'p', '1', HELLO, 'ABSTTL'],
    ['EXISTS', 'p'],
    ['SET', 'q', 'x'],
    ['RESTORE', 'q', '1000', HELLO, 'ABSTTL', 'REPLACE'],
    ['EXISTS', 'q'],
  ]);
  t.case('TTL and option errors', [
    ['RESTORE', 'k', '-1', HELLO],
    ['RESTORE', 'k', 'x', HELLO],
    ['RESTORE', 'k', '0', HELLO, 'BOGUS'],
    ['RESTORE', 'k', '0', HELLO, 'IDLETIME'],
    ['RESTORE', 'k', '0', HELLO, 'IDLETIME', '-1'],
    ['RESTORE', 'k', '0', HELLO, 'IDLETIME', 'x'],
    ['RESTORE', 'k', '0', HELLO, 'FREQ', '256'],
    ['RESTORE', 'k', '0', HELLO, 'FREQ', '-1'],
    ['RESTORE', 'k', '0', HELLO, 'FREQ', '5', 'IDLETIME', '5'],
    ['RESTORE', 'k', '0', HELLO, 'IDLETIME', '5', 'FREQ', '5'],
    ['RESTORE', 'k', '0'],
    ['EXISTS', 'k'],
  ]);
  t.case('the busy key is checked before the TTL and the payload', [
    ['SET', 'k', 'v'],
    ['RESTORE', 'k', '-5', 'garbage'],
    ['RESTORE', 'k', 'x', 'garbage', 'REPLACE'],
  ]);
  t.case('payload version and checksum', [
    ['RESTORE', 'k', '0', 'short'],
    ['RESTORE', 'k', '0', ''],
    ['RESTORE', 'k', '0', payload('\x00\x05hello', 11)],
    ['RESTORE', 'k', '0', payload('\x00\x05hello', 9)],
    ['RESTORE', 'k', '0', HELLO.slice(0, -1) + 'x'],
    ['RESTORE', 'k', '0', 'x' + HELLO.slice(1)],
    ['EXISTS', 'k'],
  ]);
  t.case('bad data format', [
    ['RESTORE', 'k', '0', payload('\x00\x09hello')],
    ['RESTORE', 'k', '0', payload('\x63\x05hello')],
    ['RESTORE', 'k', '0', payload('\x02\x00')],
    ['RESTORE', 'k', '0', payload('\x04\x00')],
    ['RESTORE', 'k', '0', payload('\x0b\x08\x02\x00\x00\x00\x00\x00\x00\x00')],
    ['RESTORE', 'k', '0', payload('\x00\xc3\x05\x0a\x01aa')],
    ['RESTORE', 'k', '0', payload('')],
    ['EXISTS', 'k'],
  ]);
  t.case('IDLETIME sets the idle time, FREQ is ignored under an LRU policy', [
    ['RESTORE', 'k', '0', HELLO, 'IDLETIME', '1000'],
    ['OBJECT', 'IDLETIME', 'k'],
    ['RESTORE', 'f', '0', HELLO, 'FREQ', '100'],
    ['OBJECT', 'IDLETIME', 'f'],
    ['RESTORE', 'w', '0', HELLO, 'IDLETIME', '100000000'],
    { argv: ['OBJECT', 'IDLETIME', 'w'], compare: 'type' },
  ]);
  t.case('FREQ sets the LFU counter under an LFU policy', [
    ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'],
    ['RESTORE', 'k', '0', HELLO, 'FREQ', '100'],
    ['OBJECT', 'FREQ', 'k'],
    ['RESTORE', 'i', '0', HELLO, 'IDLETIME', '1000'],
    ['OBJECT', 'FREQ', 'i'],
    ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'],
  ]);
  t.case('RESTORE keeps the encoding limits in force', [
    ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3'],
    ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'],
    ['SADD', 's', '1', '2', '3'],
    ['HSET', 'hv', 'a', pad('v', 30)],
    ['ZADD', 'zv', '1', pad('m', 30)],
    ['CONFIG', 'SET', 'hash-max-listpack-entries', '2'],
    ['CONFIG', 'SET', 'zset-max-listpack-entries', '2'],
    ['CONFIG', 'SET', 'set-max-intset-entries', '2'],
    ['CONFIG', 'SET', 'hash-max-listpack-value', '10'],
    ['CONFIG', 'SET', 'zset-max-listpack-value', '10'],
    ...['h', 'z', 's', 'hv', 'zv'].flatMap((k) => [
      // DUMP both on the same server, so the payloads are Redis's and Cinder's own.
      ['EVAL', `local p = redis.call('DUMP', KEYS[1]) redis.call('DEL', KEYS[1]) return redis.call('RESTORE', KEYS[1], 0, p)`, '1', k],
      ['OBJECT', 'ENCODING', k],
    ]),
    ['CONFIG', 'SET', 'hash-max-listpack-entries', '512'],
    ['CONFIG', 'SET', 'zset-max-listpack-entries', '128'],
    ['CONFIG', 'SET', 'set-max-intset-entries', '512'],
    ['CONFIG', 'SET', 'hash-max-listpack-value', '64'],
    ['CONFIG', 'SET', 'zset-max-listpack-value', '64'],
  ]);
  t.case('a restored key notifies and is seen by WATCH', [
    ['CONFIG', 'SET', 'notify-keyspace-events', 'KEA'],
    ['RESTORE', 'k', '0', HELLO],
    ['CONFIG', 'SET', 'notify-keyspace-events', ''],
  ]);
});

// ---------------------------------------------------------------- old encodings (Redis 5 / 6)

/** A ziplist of the given entries (strings, or integers when they parse), built by hand. */
function ziplist(entries: string[]): Buffer {
  const parts: Buffer[] = [];
  let prev = 0;
  for (const e of entries) {
    const prevlen = prev < 254 ? Buffer.from([prev]) : Buffer.concat([Buffer.from([0xfe]), u32le(prev)]);
    let enc: Buffer;
    const n = /^-?[1-9][0-9]*$|^0$/.test(e) ? BigInt(e) : null;
    if (n !== null && n >= 0n && n <= 12n) enc = Buffer.from([0xf1 + Number(n)]);
    else if (n !== null && n >= -128n && n <= 127n) enc = Buffer.from([0xfe, Number(n) & 0xff]);
    else if (n !== null && n >= -32768n && n <= 32767n) {
      enc = Buffer.alloc(3);
      enc[0] = 0xc0;
      enc.writeInt16LE(Number(n), 1);
    } else if (n !== null && n >= -8388608n && n <= 8388607n) {
      enc = Buffer.alloc(4);
      enc[0] = 0xf0;
      enc.writeIntLE(Number(n), 1, 3);
    } else if (n !== null && n >= -2147483648n && n <= 2147483647n) {
      enc = Buffer.alloc(5);
      enc[0] = 0xd0;
      enc.writeInt32LE(Number(n), 1);
    } else if (n !== null && n >= -(2n ** 63n) && n < 2n ** 63n) {
      enc = Buffer.alloc(9);
      enc[0] = 0xe0;
      enc.writeBigInt64LE(n, 1);
    } else if (e.length < 64) enc = Buffer.concat([Buffer.from([e.length]), Buffer.from(e, 'latin1')]);
    else if (e.length < 16384) enc = Buffer.concat([Buffer.from([0x40 | (e.length >> 8), e.length & 0xff]), Buffer.from(e, 'latin1')]);
    else {
      const h = Buffer.alloc(5);
      h[0] = 0x80;
      h.writeUInt32BE(e.length, 1);
      enc = Buffer.concat([h, Buffer.from(e, 'latin1')]);
    }
    const entry = Buffer.concat([prevlen, enc]);
    parts.push(entry);
    prev = entry.length;
  }
  const body = Buffer.concat(parts);
  const header = Buffer.alloc(10);
  const total = 10 + body.length + 1;
  header.writeUInt32LE(total, 0);
  header.writeUInt32LE(entries.length === 0 ? 10 : total - 1 - parts[parts.length - 1].length, 4);
  header.writeUInt16LE(Math.min(entries.length, 0xffff), 8);
  return Buffer.concat([header, body, Buffer.from([0xff])]);
}

/** A zipmap of pairs (Redis 2.x hashes). */
function zipmap(pairs: string[]): Buffer {
  const parts: Buffer[] = [Buffer.from([Math.min(pairs.length / 2, 254)])];
  const len = (n: number): Buffer => (n < 254 ? Buffer.from([n]) : Buffer.concat([Buffer.from([254]), u32le(n)]));
  for (let i = 0; i < pairs.length; i += 2) {
    parts.push(len(pairs[i].length), Buffer.from(pairs[i], 'latin1'), len(pairs[i + 1].length), Buffer.from([0]), Buffer.from(pairs[i + 1], 'latin1'));
  }
  parts.push(Buffer.from([0xff]));
  return Buffer.concat(parts);
}

function u32le(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

/** rdbSaveLen. */
function rdbLen(n: number): Buffer {
  if (n < 64) return Buffer.from([n]);
  if (n < 16384) return Buffer.from([0x40 | (n >> 8), n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = 0x80;
  b.writeUInt32BE(n, 1);
  return b;
}

/** A plain RDB string. */
function rdbStr(s: string): Buffer {
  return Buffer.concat([rdbLen(s.length), Buffer.from(s, 'latin1')]);
}

/** An RDB text double (RDB_TYPE_ZSET). */
function rdbTextDouble(d: string): Buffer {
  if (d === 'inf') return Buffer.from([254]);
  if (d === '-inf') return Buffer.from([255]);
  return Buffer.concat([Buffer.from([d.length]), Buffer.from(d, 'latin1')]);
}

const typed = (type: number, ...parts: Buffer[]): string => payload(Buffer.concat([Buffer.from([type]), ...parts]));

const OLD_LIST = ['a', 'b', '1', '-5', '300', '70000', '-2147483649', '9223372036854775807', pad('s', 70), 'x'.repeat(20000)];
const OLD_PAIRS = ['f', 'v', 'n', '12', 'big', '9223372036854775807', 'long', pad('v', 70)];

diffSuite('RESTORE: payloads in Redis 5 / 6 encodings', (t) => {
  const reads = (k: string, read: string[]): Step[] => [read, ['OBJECT', 'ENCODING', k], { argv: ['DUMP', k], compare: 'exact' }];
  t.case('ziplist list (RDB_TYPE_LIST_ZIPLIST)', [['RESTORE', 'k', '0', typed(10, rdbStr(ziplist(OLD_LIST).latin1Slice()))], ...reads('k', ['LRANGE', 'k', '0', '-1'])], { resp: [2] });
  // Redis keeps the file's node boundaries (each ziplist becomes a listpack node); Cinder's DUMP
  // cuts nodes as RPUSH would have, so the payloads differ while the lists are equal.
  t.case('quicklist of ziplists (RDB_TYPE_LIST_QUICKLIST)', [
    ['RESTORE', 'k', '0', typed(14, rdbLen(3), rdbStr(ziplist(OLD_LIST.slice(0, 4)).latin1Slice()), rdbStr(ziplist(OLD_LIST.slice(4, 8)).latin1Slice()), rdbStr(ziplist(OLD_LIST.slice(8)).latin1Slice()))],
    ['LRANGE', 'k', '0', '-1'],
    ['OBJECT', 'ENCODING', 'k'],
    { argv: ['DUMP', 'k'], compare: 'type' },
  ], { resp: [2] });
  t.case('plain list (RDB_TYPE_LIST)', [['RESTORE', 'k', '0', typed(1, rdbLen(OLD_LIST.length), ...OLD_LIST.map(rdbStr))], ...reads('k', ['LRANGE', 'k', '0', '-1'])], { resp: [2] });
  // Redis keeps a loaded plain node as one (DUMP writes it back as container 1); Cinder's lists
  // have no plain nodes, so its DUMP packs the elements in a listpack. Redis only makes plain
  // nodes for elements of 1 GB (or DEBUG QUICKLIST-PACKED-THRESHOLD), which Cinder cannot hold.
  t.case('quicklist-2 with plain nodes', [
    ['RESTORE', 'k', '0', typed(18, rdbLen(2), rdbLen(1), rdbStr('plain element'), rdbLen(1), rdbStr('another'))],
    ['LRANGE', 'k', '0', '-1'],
    ['OBJECT', 'ENCODING', 'k'],
    { argv: ['DUMP', 'k'], compare: 'type' },
  ], { resp: [2] });
  t.case('ziplist hash (RDB_TYPE_HASH_ZIPLIST)', [['RESTORE', 'k', '0', typed(13, rdbStr(ziplist(OLD_PAIRS).latin1Slice()))], ['HGETALL', 'k'], ['OBJECT', 'ENCODING', 'k']], { resp: [2] });
  t.case('small ziplist hash stays a listpack', [['RESTORE', 'k', '0', typed(13, rdbStr(ziplist(['a', '1', 'b', '2']).latin1Slice()))], ...reads('k', ['HGETALL', 'k'])], { resp: [2] });
  t.case('zipmap hash (RDB_TYPE_HASH_ZIPMAP)', [['RESTORE', 'k', '0', typed(9, rdbStr(zipmap(['a', '1', 'b', 'two', 'c', '3']).latin1Slice()))], ...reads('k', ['HGETALL', 'k'])], { resp: [2] });
  t.case('plain hash (RDB_TYPE_HASH)', [['RESTORE', 'k', '0', typed(4, rdbLen(2), rdbStr('a'), rdbStr('1'), rdbStr('b'), rdbStr('2'))], ...reads('k', ['HGETALL', 'k'])], { resp: [2] });
  t.case('ziplist zset (RDB_TYPE_ZSET_ZIPLIST)', [['RESTORE', 'k', '0', typed(12, rdbStr(ziplist(['a', '1', 'b', '2.5', 'c', '300']).latin1Slice()))], ...reads('k', ['ZRANGE', 'k', '0', '-1', 'WITHSCORES'])], { resp: [2] });
  t.case('zset with text doubles (RDB_TYPE_ZSET)', [
    ['RESTORE', 'k', '0', typed(3, rdbLen(4), rdbStr('a'), rdbTextDouble('1.5'), rdbStr('b'), rdbTextDouble('inf'), rdbStr('c'), rdbTextDouble('-inf'), rdbStr('d'), rdbTextDouble('3'))],
    ...reads('k', ['ZRANGE', 'k', '0', '-1', 'WITHSCORES']),
  ], { resp: [2] });
  t.case('plain set (RDB_TYPE_SET) of integers becomes an intset', [['RESTORE', 'k', '0', typed(2, rdbLen(3), rdbStr('3'), rdbStr('1'), rdbStr('2'))], ...reads('k', ['SMEMBERS', 'k'])], { resp: [2] });
  t.case('corrupt ziplist', [['RESTORE', 'k', '0', typed(10, rdbStr(ziplist(['a', 'b']).latin1Slice().slice(0, -1) + '\x00'))], ['EXISTS', 'k']]);
});

// ---------------------------------------------------------------- crossing between the servers

/** A connection pair and the helpers the crossing tests share. */
class Pair {
  constructor(
    readonly redis: RawConnection,
    readonly cinder: RawConnection,
  ) {}

  static async open(redisPort: number, cinderPort: number): Promise<Pair> {
    return new Pair(await RawConnection.connect(redisPort), await RawConnection.connect(cinderPort));
  }

  close(): void {
    this.redis.close();
    this.cinder.close();
  }
}

async function call(conn: RawConnection, argv: string[]): Promise<Reply> {
  return parseReply(await conn.command(argv));
}

/** Contents of key `k` in a form independent of dict order. */
async function contents(conn: RawConnection, k: string): Promise<unknown> {
  const type = (await call(conn, ['TYPE', k])).text;
  const texts = (r: Reply): Array<string | null> => (r.items ?? []).map((i) => i.text);
  switch (type) {
    case 'string':
      return (await call(conn, ['GET', k])).text;
    case 'list':
      return texts(await call(conn, ['LRANGE', k, '0', '-1']));
    case 'set':
      return texts(await call(conn, ['SMEMBERS', k])).sort();
    case 'hash': {
      const flat = texts(await call(conn, ['HGETALL', k]));
      const pairs: string[] = [];
      for (let i = 0; i < flat.length; i += 2) pairs.push(`${flat[i]}=${flat[i + 1]}`);
      return pairs.sort();
    }
    case 'zset':
      return texts(await call(conn, ['ZRANGE', k, '0', '-1', 'WITHSCORES']));
    case 'stream': {
      const flat = (r: Reply): unknown => (r.items === null ? r.text : r.items.map(flat));
      const groups = flat(await call(conn, ['XINFO', 'GROUPS', k])) as string[][];
      const pending = [];
      for (const g of groups) pending.push(flat(await call(conn, ['XPENDING', k, g[1]])), flat(await call(conn, ['XINFO', 'CONSUMERS', k, g[1]])));
      const info = flat(await call(conn, ['XINFO', 'STREAM', k])) as unknown[];
      // Without first-entry / last-entry (in the range) and the node layout (not kept on load).
      const kept = ['length', 'last-generated-id', 'max-deleted-entry-id', 'entries-added', 'recorded-first-entry-id', 'groups'];
      const fields = [];
      for (let i = 0; i < info.length; i += 2) if (kept.includes(info[i] as string)) fields.push(info[i], info[i + 1]);
      // Consumer idle times count from their seen-time: equal after a restore, but read at other moments.
      const noIdle = JSON.stringify(pending).replace(/"idle","\d+"/g, '"idle"').replace(/"inactive","-?\d+"/g, '"inactive"');
      return [flat(await call(conn, ['XRANGE', k, '-', '+'])), groups, noIdle, fields];
    }
    default:
      return type;
  }
}

async function flush(p: Pair): Promise<void> {
  await Promise.all([p.redis.command(['FLUSHALL']), p.cinder.command(['FLUSHALL'])]);
}

/**
 * DUMP of `key` on `from`, RESTOREd on `to` and (as the reference) on `from` under another name:
 * then `to` holds what `from` held, in the encoding `from` gives the payload, and (with
 * `exactDump`) DUMPs it to the same bytes.
 */
async function crossCheck(from: RawConnection, to: RawConnection, key: string, exactDump: boolean, label: string): Promise<void> {
  const dumped = await call(from, ['DUMP', key]);
  assert.equal(dumped.type, '$', `${label}: DUMP`);
  const restored = await call(to, ['RESTORE', key, '0', dumped.text!]);
  assert.equal(restored.text, 'OK', `${label}: RESTORE answered ${JSON.stringify(restored)}`);
  assert.equal((await call(from, ['RESTORE', 'reference', '0', dumped.text!, 'REPLACE'])).text, 'OK', `${label}: RESTORE on the source`);
  assert.deepEqual(await contents(to, key), await contents(from, key), `${label}: contents`);
  assert.equal((await call(to, ['OBJECT', 'ENCODING', key])).text, (await call(from, ['OBJECT', 'ENCODING', 'reference'])).text, `${label}: encoding after RESTORE`);
  if (exactDump) assert.equal((await call(to, ['DUMP', key])).text, dumped.text, `${label}: DUMP after RESTORE`);
}

if (realRedisSuite('DUMP / RESTORE across Redis and Cinder')) {
  describe('DUMP / RESTORE across Redis and Cinder', () => {
    let redis: RealRedis;
    let cinder: RunningServer;
    let p: Pair;
    before(async () => {
      [redis, cinder] = await Promise.all([startRealRedis(), startServer({ port: 0 })]);
      p = await Pair.open(redis.port, cinder.port);
    });
    after(async () => {
      p?.close();
      await Promise.all([redis?.stop(), cinder?.close()]);
    });

    it('every fixture: Redis → Cinder and Cinder → Redis', async () => {
      for (const f of FIXTURES) {
        for (const toCinder of [true, false]) {
          await flush(p);
          const [src, dst] = toCinder ? [p.redis, p.cinder] : [p.cinder, p.redis];
          for (const step of configSteps(f, false)) await Promise.all([p.redis.command(step), p.cinder.command(step)]);
          for (const step of f.build) await src.command(step);
          await crossCheck(src, dst, 'k', !f.unordered && !(toCinder && f.tombstones), `${f.name} (${toCinder ? 'redis→cinder' : 'cinder→redis'})`);
          for (const step of configSteps(f, true)) await Promise.all([p.redis.command(step), p.cinder.command(step)]);
        }
      }
    });

    it('lists built by LPUSH and LINSERT cross with equal contents', async () => {
      for (const toCinder of [true, false]) {
        await flush(p);
        const [src, dst] = toCinder ? [p.redis, p.cinder] : [p.cinder, p.redis];
        await src.command(['LPUSH', 'k', ...range(3000, (i) => `left-${i}`)]);
        await src.command(['LINSERT', 'k', 'BEFORE', 'left-1500', pad('inserted', 500)]);
        // Redis's nodes follow the list's history; Cinder's DUMP cuts them as a list built by RPUSH.
        await crossCheck(src, dst, 'k', false, `LPUSH list ${toCinder ? 'redis→cinder' : 'cinder→redis'}`);
      }
    });

    it('property: random values of every type cross both ways unchanged', async () => {
      const member = fc.oneof(
        fc.integer({ min: -100000, max: 100000 }).map(String),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
        fc.string({ maxLength: 12 }).map((s) => Buffer.from(s, 'utf8').latin1Slice()),
        fc.integer({ min: 0, max: 300 }).map((n) => 'x'.repeat(n)),
      );
      const score = fc.oneof(fc.integer({ min: -1000, max: 1000 }).map(String), fc.double({ noNaN: true }).map((d) => (Object.is(d, -0) ? '0' : String(d).replace('Infinity', 'inf'))));
      const value = fc.oneof(
        member.map((m) => [['SET', 'k', m]]),
        fc.array(member, { minLength: 1, maxLength: 700 }).map((ms) => [['RPUSH', 'k', ...ms]]),
        fc.array(member, { minLength: 1, maxLength: 600 }).map((ms) => [['SADD', 'k', ...ms]]),
        fc.array(fc.tuple(member, member), { minLength: 1, maxLength: 600 }).map((ps) => [['HSET', 'k', ...ps.flat()]]),
        fc.array(fc.tuple(score, member), { minLength: 1, maxLength: 200 }).map((ps) => [['ZADD', 'k', ...ps.flat()]]),
        fc.array(fc.array(member, { minLength: 2, maxLength: 6 }), { minLength: 1, maxLength: 250 }).map((es) => es.map((e, i) => ['XADD', 'k', `${i + 1}-${i % 2}`, ...(e.length % 2 === 0 ? e : e.slice(1))])),
      );
      await fc.assert(
        fc.asyncProperty(value, fc.boolean(), async (build, toCinder) => {
          await flush(p);
          const [src, dst] = toCinder ? [p.redis, p.cinder] : [p.cinder, p.redis];
          for (const step of build) await src.command(step);
          await crossCheck(src, dst, 'k', false, `${JSON.stringify(build).slice(0, 200)} ${toCinder ? 'redis→cinder' : 'cinder→redis'}`);
        }),
        { numRuns: 150 },
      );
    });
  });
}
