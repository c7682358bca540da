import { it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { diffSuite, runSteps, RawConnection, memoryUsage, randomPick, sameShape, type Step } from '../helpers/differential.js';

const unordered = (...argv: string[]): Step => ({ argv, compare: 'unordered' });

/** SADD key with `n` members made by `member(i)`. */
function saddMany(key: string, n: number, member = (i: number) => `m${i}`, from = 0): string[] {
  const argv = ['SADD', key];
  for (let i = from; i < from + n; i++) argv.push(member(i));
  return argv;
}
const ints = (key: string, n: number, from = 0) => saddMany(key, n, String, from);

const I64_MAX = '9223372036854775807';
const I64_MIN = '-9223372036854775808';

diffSuite('set: SADD, SREM, SCARD, SISMEMBER, SMISMEMBER, SMEMBERS', (t) => {
  t.case('SADD counts new members, intset SMEMBERS is sorted', [
    ['SADD', 's', '3', '1', '2'],
    ['SADD', 's', '2', '5', '5', '-7'],
    ['SMEMBERS', 's'],
    ['SCARD', 's'],
    ['OBJECT', 'ENCODING', 's'],
    ['TYPE', 's'],
    ['SISMEMBER', 's', '5'],
    ['SISMEMBER', 's', '6'],
    ['SISMEMBER', 's', 'x'],
    ['SMISMEMBER', 's', '1', '4', '-7', 'x', '1'],
  ]);
  t.case('intset widths: 16, 32 and 64 bit members, upgrades at both ends', [
    ['SADD', 's', '1', '-1', '32767', '-32768'],
    ['SMEMBERS', 's'],
    ['SADD', 's', '32768'],
    ['SMEMBERS', 's'],
    ['SADD', 's', '-2147483648', '2147483647'],
    ['SADD', 's', '-2147483649'],
    ['SMEMBERS', 's'],
    ['SADD', 's', I64_MAX, I64_MIN, '9007199254740993', '-9007199254740993', '9007199254740992', '4294967296', '-4294967296', '4294967295'],
    ['SMEMBERS', 's'],
    ['SISMEMBER', 's', I64_MAX],
    ['SISMEMBER', 's', '9223372036854775806'],
    ['SISMEMBER', 's', '9223372036854775808'],
    ['SMISMEMBER', 's', I64_MIN, '9007199254740993', '9007199254740994', '4294967295', '-4294967295'],
    ['SREM', 's', '9007199254740993', '1', '5'],
    ['SMEMBERS', 's'],
    ['OBJECT', 'ENCODING', 's'],
    ['SREM', 's', '32768', '-2147483649', I64_MAX, I64_MIN, '2147483647', '-2147483648', '9007199254740992', '4294967296', '-4294967296', '4294967295', '-9007199254740993'],
    ['SMEMBERS', 's'],
    ['SADD', 's', '7'],
    ['SMEMBERS', 's'],
  ]);
  t.case('non-canonical integers are strings: the set becomes a hashtable', [
    ['SADD', 'a', '1', '2'],
    ['SADD', 'a', '01'],
    ['OBJECT', 'ENCODING', 'a'],
    unordered('SMEMBERS', 'a'),
    ['SADD', 'b', '-0'],
    ['OBJECT', 'ENCODING', 'b'],
    ['SADD', 'c', '+1'],
    ['OBJECT', 'ENCODING', 'c'],
    ['SADD', 'd', '9223372036854775808'],
    ['OBJECT', 'ENCODING', 'd'],
    ['SADD', 'e', ' 1'],
    ['OBJECT', 'ENCODING', 'e'],
    ['SADD', 'f', '1.0'],
    ['OBJECT', 'ENCODING', 'f'],
    ['SADD', 'g', ''],
    ['OBJECT', 'ENCODING', 'g'],
    ['SISMEMBER', 'a', '01'],
    ['SISMEMBER', 'a', '1'],
    ['SISMEMBER', 'a', '001'],
    ['SISMEMBER', 'b', '0'],
    ['SISMEMBER', 'b', '-0'],
  ]);
  t.case('a string first member creates a hashtable', [
    ['SADD', 's', 'x', '1', '2'],
    ['OBJECT', 'ENCODING', 's'],
    ['SREM', 's', 'x'],
    ['OBJECT', 'ENCODING', 's'],
    unordered('SMEMBERS', 's'),
    ['SISMEMBER', 's', '1'],
    ['SMISMEMBER', 's', '1', '2', '3'],
  ]);
  t.case('intset converts past 512 members, never back', [
    ints('s', 512),
    ['OBJECT', 'ENCODING', 's'],
    ['SADD', 's', '511'],
    ['OBJECT', 'ENCODING', 's'],
    ['SADD', 's', '512'],
    ['OBJECT', 'ENCODING', 's'],
    ['SCARD', 's'],
    ['SREM', 's', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10'],
    ['OBJECT', 'ENCODING', 's'],
    ['SISMEMBER', 's', '100'],
    ['SISMEMBER', 's', '10'],
    ['SCARD', 's'],
  ]);
  t.case('SREM counts removed members and deletes the emptied key', [
    ['SADD', 's', 'a', 'b', 'c'],
    ['SREM', 's', 'a', 'a', 'zz'],
    unordered('SMEMBERS', 's'),
    ['SREM', 's', 'b', 'c', 'b'],
    ['EXISTS', 's'],
    ['SREM', 's', 'b'],
    ['SADD', 'i', '1', '2'],
    ['SREM', 'i', '1', 'x', '2', '3'],
    ['EXISTS', 'i'],
    ['SREM', 'nokey', 'a'],
  ]);
  t.case('binary, empty and CRLF members', [
    ['SADD', 's', '', 'bin\x00\xff', '\r\n', '\x80\x81', '1\x00'],
    ['SCARD', 's'],
    ['SISMEMBER', 's', ''],
    ['SISMEMBER', 's', 'bin\x00\xff'],
    ['SISMEMBER', 's', 'bin'],
    ['SISMEMBER', 's', '1'],
    ['SMISMEMBER', 's', '1\x00', '\r\n'],
    unordered('SMEMBERS', 's'),
    ['SREM', 's', '', '\r\n'],
    unordered('SMEMBERS', 's'),
  ]);
  t.case('missing keys', [
    ['SMEMBERS', 'nokey'],
    ['SCARD', 'nokey'],
    ['SISMEMBER', 'nokey', 'a'],
    ['SMISMEMBER', 'nokey', 'a', 'b'],
  ]);
  t.case('arity', [
    ['SADD', 's'],
    ['SADD', 's', 'a'],
    ['SREM', 's'],
    ['SCARD'],
    ['SCARD', 's', 'x'],
    ['SMEMBERS'],
    ['SMEMBERS', 's', 'x'],
    ['SISMEMBER', 's'],
    ['SISMEMBER', 's', 'a', 'b'],
    ['SMISMEMBER', 's'],
    ['SMOVE', 'a', 'b'],
    ['SMOVE', 'a', 'b', 'c', 'd'],
    ['SPOP'],
    ['SRANDMEMBER'],
    ['SINTER'],
    ['SINTERSTORE', 'd'],
    ['SINTERCARD', '1'],
    ['SUNION'],
    ['SUNIONSTORE', 'd'],
    ['SDIFF'],
    ['SDIFFSTORE', 'd'],
    ['SSCAN', 's'],
  ]);
  t.case('a hashtable of mixed members', [
    saddMany('s', 600),
    ['SADD', 's', '1', '2', '-3', I64_MAX, I64_MIN, '9007199254740993'],
    ['SCARD', 's'],
    ['SISMEMBER', 's', '1'],
    ['SISMEMBER', 's', I64_MAX],
    ['SISMEMBER', 's', '9007199254740993'],
    ['SISMEMBER', 's', 'm599'],
    ['SISMEMBER', 's', 'm600'],
    ['SMISMEMBER', 's', '-3', I64_MIN, 'm0', 'nope', '01'],
    ['SREM', 's', '1', I64_MAX, 'm5', 'nope', '9007199254740993'],
    ['SCARD', 's'],
    ['SISMEMBER', 's', I64_MAX],
    ['SISMEMBER', 's', '9007199254740993'],
  ]);
});

diffSuite('set: WRONGTYPE and error precedence', (t) => {
  t.case('every command against a string key', [
    ['SET', 'str', 'v'],
    ['SADD', 'str', 'a'],
    ['SREM', 'str', 'a'],
    ['SCARD', 'str'],
    ['SMEMBERS', 'str'],
    ['SISMEMBER', 'str', 'a'],
    ['SMISMEMBER', 'str', 'a'],
    ['SPOP', 'str'],
    ['SPOP', 'str', '1'],
    ['SPOP', 'str', '0'],
    ['SRANDMEMBER', 'str'],
    ['SRANDMEMBER', 'str', '1'],
    ['SRANDMEMBER', 'str', '0'],
    ['SRANDMEMBER', 'str', '-1'],
    ['SINTER', 'str'],
    ['SINTERCARD', '1', 'str'],
    ['SINTERSTORE', 'd', 'str'],
    ['SUNION', 'str'],
    ['SUNIONSTORE', 'd', 'str'],
    ['SDIFF', 'str'],
    ['SDIFFSTORE', 'd', 'str'],
    ['SSCAN', 'str', '0'],
    ['SMOVE', 'str', 'd', 'a'],
    ['GET', 'str'],
  ]);
  t.case('type errors of later keys win over missing keys', [
    ['SET', 'str', 'v'],
    ['SADD', 's', 'a'],
    ['SINTER', 'nokey', 'str'],
    ['SINTER', 's', 'nokey', 'str'],
    ['SINTERCARD', '2', 'nokey', 'str'],
    ['SINTERSTORE', 'd', 'nokey', 'str'],
    ['SUNION', 's', 'str'],
    ['SDIFF', 'nokey', 'str'],
    ['SDIFF', 's', 's', 'str'],
    ['SDIFFSTORE', 's', 'nokey', 'str'],
    ['EXISTS', 's'],
  ]);
  t.case('STORE into a key of another type replaces it', [
    ['SET', 'd', 'v'],
    ['SADD', 'a', '1', '2'],
    ['SUNIONSTORE', 'd', 'a'],
    ['TYPE', 'd'],
    ['SET', 'd', 'v'],
    ['SINTERSTORE', 'd', 'a'],
    ['TYPE', 'd'],
    ['SET', 'd', 'v'],
    ['SDIFFSTORE', 'd', 'a'],
    ['TYPE', 'd'],
    ['SET', 'd', 'v'],
    ['SDIFFSTORE', 'd', 'nokey'],
    ['EXISTS', 'd'],
  ]);
  t.case('SPOP and SRANDMEMBER count errors', [
    ['SADD', 's', 'a', 'b'],
    ['SPOP', 's', '-1'],
    ['SPOP', 's', 'x'],
    ['SPOP', 's', '1.5'],
    ['SPOP', 's', '9223372036854775808'],
    ['SPOP', 's', '1', '2'],
    ['SPOP', 'nokey', '-1'],
    ['SPOP', 'nokey', '1', '2'],
    ['SRANDMEMBER', 's', 'x'],
    ['SRANDMEMBER', 's', '1', '2'],
    ['SRANDMEMBER', 's', I64_MIN],
    ['SRANDMEMBER', 'nokey', I64_MIN],
    ['SRANDMEMBER', 'nokey', 'x'],
    ['SRANDMEMBER', 'nokey', '1', '2'],
    ['SCARD', 's'],
  ]);
  t.case('SINTERCARD numkeys and LIMIT errors', [
    ['SADD', 'a', '1', '2', '3'],
    ['SINTERCARD', '0', 'a'],
    ['SINTERCARD', '-1', 'a'],
    ['SINTERCARD', 'x', 'a'],
    ['SINTERCARD', '1.5', 'a'],
    ['SINTERCARD', '9223372036854775808', 'a'],
    ['SINTERCARD', '2', 'a'],
    ['SINTERCARD', '3', 'a', 'LIMIT'],
    ['SINTERCARD', '1', 'a', 'LIMIT'],
    ['SINTERCARD', '1', 'a', 'LIMIT', '-1'],
    ['SINTERCARD', '1', 'a', 'LIMIT', 'x'],
    ['SINTERCARD', '1', 'a', 'LIMIT', '9223372036854775808'],
    ['SINTERCARD', '1', 'a', 'FOO', '1'],
    ['SINTERCARD', '1', 'a', 'limit', '2'],
    ['SINTERCARD', '1', 'a', 'LIMIT', '5', 'LIMIT', '1'],
    ['SINTERCARD', '1', 'a', 'LIMIT', '0'],
    ['SINTERCARD', '1', 'a', 'LIMIT\x00x', '1'],
    ['SINTERCARD', '1', 'nokey', 'LIMIT', '-1'],
  ]);
  t.case('SSCAN errors', [
    ['SADD', 's', '1', '2'],
    ['SSCAN', 's', 'x'],
    ['SSCAN', 's', '-1'],
    ['SSCAN', 's', '0', 'COUNT'],
    ['SSCAN', 's', '0', 'COUNT', '0'],
    ['SSCAN', 's', '0', 'COUNT', 'x'],
    ['SSCAN', 's', '0', 'MATCH'],
    ['SSCAN', 's', '0', 'TYPE', 'set'],
    ['SSCAN', 's', '0', 'FOO', 'bar'],
    ['SSCAN', 'nokey', '0', 'COUNT', '0'],
    ['SSCAN', 'nokey', 'x'],
  ]);
});

diffSuite('set: SMOVE', (t) => {
  t.case('moves between sets, creating and deleting keys', [
    ['SADD', 'a', '1', '2', 'x'],
    ['SMOVE', 'a', 'b', '1'],
    ['SMOVE', 'a', 'b', '1'],
    ['SMEMBERS', 'b'],
    ['OBJECT', 'ENCODING', 'b'],
    ['SMOVE', 'a', 'c', 'x'],
    ['OBJECT', 'ENCODING', 'c'],
    ['SMOVE', 'a', 'b', '2'],
    ['EXISTS', 'a'],
    ['SMEMBERS', 'b'],
    ['SADD', 'c', '1'],
    ['SMOVE', 'b', 'c', '1'],
    unordered('SMEMBERS', 'c'),
    ['SMEMBERS', 'b'],
    ['SMOVE', 'c', 'b', 'x'],
    ['OBJECT', 'ENCODING', 'b'],
  ]);
  t.case('same source and destination, missing keys and types', [
    ['SADD', 'a', 'x', 'y'],
    ['SMOVE', 'a', 'a', 'x'],
    ['SMOVE', 'a', 'a', 'z'],
    unordered('SMEMBERS', 'a'),
    ['SMOVE', 'nokey', 'a', 'x'],
    ['SET', 'str', 'v'],
    ['SMOVE', 'nokey', 'str', 'x'],
    ['SMOVE', 'a', 'str', 'x'],
    ['SMOVE', 'a', 'str', 'nothere'],
    ['SMOVE', 'str', 'a', 'x'],
    ['SMOVE', 'a', 'b', 'nothere'],
    ['EXISTS', 'b'],
    unordered('SMEMBERS', 'a'),
  ]);
  t.case('destination intset converts when it passes the limit', [
    ints('d', 512),
    ['SADD', 's', '1000', 'x'],
    ['SMOVE', 's', 'd', '1000'],
    ['OBJECT', 'ENCODING', 'd'],
    ['SCARD', 'd'],
  ]);
});

diffSuite('set: SPOP and SRANDMEMBER', (t) => {
  t.case('deterministic shapes: missing keys, zero counts, whole sets', [
    ['SPOP', 'nokey'],
    ['SPOP', 'nokey', '3'],
    ['SRANDMEMBER', 'nokey'],
    ['SRANDMEMBER', 'nokey', '3'],
    ['SRANDMEMBER', 'nokey', '-3'],
    ['SADD', 's', '5', '3', '1'],
    ['SPOP', 's', '0'],
    ['SRANDMEMBER', 's', '0'],
    ['SRANDMEMBER', 's', '3'],
    ['SRANDMEMBER', 's', '100'],
    ['SRANDMEMBER', 's', I64_MAX],
    ['SPOP', 's', '100'],
    ['EXISTS', 's'],
    ['SADD', 's', '5', '3', '1'],
    ['SPOP', 's', '3'],
    ['EXISTS', 's'],
    ['SADD', 's', 'only'],
    ['SPOP', 's'],
    ['EXISTS', 's'],
    ['SADD', 's', '42'],
    ['SRANDMEMBER', 's'],
    ['SRANDMEMBER', 's', '-3'],
    ['SRANDMEMBER', 's', '1'],
    ['SPOP', 's', '1'],
    ['EXISTS', 's'],
    ['SADD', 's', 'a', 'b'],
    unordered('SPOP', 's', I64_MAX),
  ]);
  // Random picks differ between the servers: each reply must be the right number of the set's
  // original members (distinct for SPOP and a positive count); the counts left are exact.
  const m50 = saddMany('s', 50).slice(2);
  const i50 = ints('i', 50).slice(2);
  t.case('random picks: members of the set, as many as asked', [
    saddMany('s', 50),
    { argv: ['SPOP', 's'], compare: randomPick(m50) },
    { argv: ['SPOP', 's', '3'], compare: randomPick(m50, { count: 3, distinct: true }) },
    { argv: ['SPOP', 's', '40'], compare: randomPick(m50, { count: 40, distinct: true }) },
    ['SCARD', 's'],
    { argv: ['SRANDMEMBER', 's'], compare: randomPick(m50) },
    { argv: ['SRANDMEMBER', 's', '2'], compare: randomPick(m50, { count: 2, distinct: true }) },
    { argv: ['SRANDMEMBER', 's', '-20'], compare: randomPick(m50, { count: 20 }) },
    ints('i', 50),
    { argv: ['SPOP', 'i'], compare: randomPick(i50) },
    { argv: ['SPOP', 'i', '30'], compare: randomPick(i50, { count: 30, distinct: true }) },
    { argv: ['SRANDMEMBER', 'i', '5'], compare: randomPick(i50, { count: 5, distinct: true }) },
    { argv: ['SRANDMEMBER', 'i', '-5'], compare: randomPick(i50, { count: 5 }) },
    ['SCARD', 'i'],
    ['OBJECT', 'ENCODING', 'i'],
  ]);
  const i600 = ints('s', 600).slice(2);
  t.case('SPOP with a big count rebuilds the survivors (encoding follows)', [
    ints('s', 600),
    ['OBJECT', 'ENCODING', 's'],
    { argv: ['SPOP', 's', '550'], compare: randomPick(i600, { count: 550, distinct: true }) },
    ['SCARD', 's'],
    ['OBJECT', 'ENCODING', 's'],
    ints('t', 600),
    { argv: ['SPOP', 't', '10'], compare: randomPick(i600, { count: 10, distinct: true }) },
    ['OBJECT', 'ENCODING', 't'],
    ['SCARD', 't'],
    ints('u', 600),
    ['SREM', 'u', ...Array.from({ length: 595 }, (_, i) => String(i))],
    ['OBJECT', 'ENCODING', 'u'],
    ['SPOP', 'u', '5'],
    ['EXISTS', 'u'],
  ]);
  t.case('SPOP and SRANDMEMBER keep the TTL', [
    ['SADD', 's', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10'],
    ['EXPIRE', 's', '100'],
    { argv: ['SPOP', 's', '9'], compare: randomPick(ints('s', 10, 1).slice(2), { count: 9, distinct: true }) },
    ['TTL', 's'],
    { argv: ['SPOP', 's'], compare: randomPick(ints('s', 10, 1).slice(2)) },
    ['TTL', 's'],
  ]);

  /** Flattens a reply's bulk strings. */
  it('invariants: members belong, distinct for positive counts, |count| items for negative ones', async () => {
    const c = await RawConnection.connect(t.ports.cinder);
    try {
      for (const [key, make] of [
        ['small', ints('small', 20)],
        ['big', saddMany('big', 700)],
        ['bigints', ints('bigints', 700)],
      ] as Array<[string, string[]]>) {
        await c.command(['DEL', key]);
        await c.command(make);
        const all = new Set(make.slice(2));
        const size = all.size;
        for (const count of [1, 2, 5, Math.floor(size / 3), Math.floor(size / 2), size - 1, size, size + 5]) {
          const got = parseFlat(await c.command(['SRANDMEMBER', key, String(count)]));
          assert.equal(got.length, Math.min(count, size), `${key} ${count}`);
          assert.equal(new Set(got).size, got.length, `duplicates for ${key} ${count}`);
          for (const m of got) assert.ok(all.has(m), `${m} is not a member`);
        }
        for (const count of [1, 7, size * 3]) {
          const got = parseFlat(await c.command(['SRANDMEMBER', key, String(-count)]));
          assert.equal(got.length, count);
          for (const m of got) assert.ok(all.has(m));
        }
        const one = parseFlat(await c.command(['SRANDMEMBER', key]));
        assert.ok(all.has(one[0]));
        // SPOP in each strategy: pops distinct members that leave the set.
        const left = new Set(all);
        const checkPop = async (count: number) => {
          const popped = parseFlat(await c.command(['SPOP', key, String(count)]));
          assert.equal(popped.length, count);
          assert.equal(new Set(popped).size, count);
          for (const m of popped) {
            assert.ok(left.has(m), `${m} popped twice or never there`);
            left.delete(m);
          }
          const rest = new Set(parseFlat(await c.command(['SMEMBERS', key])));
          assert.deepEqual([...rest].sort(), [...left].sort());
        };
        for (const count of [1, 3, Math.floor(size / 4), Math.floor(size / 5)]) await checkPop(count);
        // Most of what is left: the survivors are moved to a new set.
        await checkPop(left.size - 2);
        const single = parseFlat(await c.command(['SPOP', key]));
        assert.ok(left.has(single[0]));
        left.delete(single[0]);
        const last = parseFlat(await c.command(['SPOP', key, '5']));
        assert.deepEqual(last, [...left]);
        assert.equal((await c.command(['EXISTS', key])).latin1Slice(), ':0\r\n');
      }
    } finally {
      c.close();
    }
  });

  it('random picks cover the whole set (no member is never chosen)', async () => {
    const c = await RawConnection.connect(t.ports.cinder);
    try {
      await c.command(['DEL', 'r']);
      await c.command(saddMany('r', 600));
      const seen = new Set(parseFlat(await c.command(['SRANDMEMBER', 'r', '-20000'])));
      assert.equal(seen.size, 600);
      await c.command(['DEL', 'r']);
      await c.command(ints('r', 100));
      const seenInts = new Set(parseFlat(await c.command(['SRANDMEMBER', 'r', '-5000'])));
      assert.equal(seenInts.size, 100);
    } finally {
      c.close();
    }
  });
});

diffSuite('set: SINTER, SINTERCARD, SINTERSTORE', (t) => {
  t.case('intersections of intsets come out sorted', [
    ['SADD', 'a', '1', '2', '3', '4', '5'],
    ['SADD', 'b', '5', '3', '1', '9'],
    ['SADD', 'c', '3', '5', '7', '1'],
    ['SINTER', 'a'],
    ['SINTER', 'a', 'b'],
    ['SINTER', 'a', 'b', 'c'],
    ['SINTER', 'a', 'a'],
    ['SINTERCARD', '3', 'a', 'b', 'c'],
    ['SINTERCARD', '1', 'a'],
    ['SINTERCARD', '2', 'a', 'a'],
    ['SINTERCARD', '3', 'a', 'b', 'c', 'LIMIT', '2'],
    ['SINTERCARD', '3', 'a', 'b', 'c', 'LIMIT', '0'],
    ['SINTERCARD', '3', 'a', 'b', 'c', 'LIMIT', '10'],
    ['SINTERSTORE', 'd', 'a', 'b', 'c'],
    ['SMEMBERS', 'd'],
    ['OBJECT', 'ENCODING', 'd'],
  ]);
  t.case('missing keys make the result empty', [
    ['SADD', 'a', '1', '2'],
    ['SINTER', 'a', 'nokey'],
    ['SINTER', 'nokey'],
    ['SINTERCARD', '2', 'a', 'nokey'],
    ['SET', 'd', 'v'],
    ['EXPIRE', 'd', '100'],
    ['SINTERSTORE', 'd', 'a', 'nokey'],
    ['EXISTS', 'd'],
    ['SINTERSTORE', 'd', 'a', 'nokey'],
    ['SADD', 'b', '3'],
    ['SADD', 'd', 'x'],
    ['SINTERSTORE', 'd', 'a', 'b'],
    ['EXISTS', 'd'],
  ]);
  t.case('mixed encodings; STORE encodings and TTL', [
    ['SADD', 'a', '1', '2', '3', 'x', 'y'],
    ['SADD', 'b', '1', '3', 'x', 'z'],
    ['SADD', 'c', '3', '1', '2'],
    unordered('SINTER', 'a', 'b'),
    ['SINTER', 'a', 'c'],
    ['SINTERCARD', '2', 'a', 'b'],
    ['SET', 'd', 'v'],
    ['EXPIRE', 'd', '100'],
    ['SINTERSTORE', 'd', 'a', 'b'],
    ['TTL', 'd'],
    ['OBJECT', 'ENCODING', 'd'],
    unordered('SMEMBERS', 'd'),
    ['SINTERSTORE', 'd', 'a', 'c'],
    ['OBJECT', 'ENCODING', 'd'],
    ['SMEMBERS', 'd'],
    ['SINTERSTORE', 'a', 'a', 'b'],
    unordered('SMEMBERS', 'a'),
  ]);
  t.case('large sets', [
    ints('a', 1000),
    ints('b', 1000, 500),
    saddMany('c', 1000, (i) => (i % 2 === 0 ? String(i) : `m${i}`)),
    ['SINTERCARD', '2', 'a', 'b'],
    ['SINTERCARD', '3', 'a', 'b', 'c'],
    ['SINTERCARD', '3', 'a', 'b', 'c', 'LIMIT', '7'],
    ['SINTERSTORE', 'd', 'a', 'b'],
    ['OBJECT', 'ENCODING', 'd'],
    ['SCARD', 'd'],
    ['SINTERSTORE', 'e', 'a', 'b', 'c'],
    ['OBJECT', 'ENCODING', 'e'],
    ['SCARD', 'e'],
    unordered('SINTER', 'a', 'b', 'c'),
    ['SINTERSTORE', 'e', 'e', 'c'],
    ['OBJECT', 'ENCODING', 'e'],
  ]);
});

diffSuite('set: SUNION, SDIFF and their STORE forms', (t) => {
  t.case('unions of intsets come out sorted; encodings of results', [
    ['SADD', 'a', '5', '1', '3'],
    ['SADD', 'b', '2', '3', '-4'],
    ['SUNION', 'a', 'b'],
    ['SUNION', 'a', 'nokey', 'b'],
    ['SUNION', 'nokey'],
    ['SUNIONSTORE', 'd', 'a', 'b'],
    ['SMEMBERS', 'd'],
    ['OBJECT', 'ENCODING', 'd'],
    ['SADD', 'h', 'x', '7'],
    ['SREM', 'h', 'x'],
    ['OBJECT', 'ENCODING', 'h'],
    ['SUNION', 'h', 'a'],
    ['SUNIONSTORE', 'd', 'h', 'a'],
    ['OBJECT', 'ENCODING', 'd'],
    ['SADD', 'h', 'y'],
    unordered('SUNION', 'h', 'a'),
    ['SUNIONSTORE', 'd', 'h'],
    ['OBJECT', 'ENCODING', 'd'],
    ['SUNIONSTORE', 'd', 'nokey'],
    ['EXISTS', 'd'],
    ['SUNIONSTORE', 'd', 'nokey'],
  ]);
  t.case('differences: both algorithms, repeated and missing keys', [
    ['SADD', 'a', '1', '2', '3', '4', '5', '6'],
    ['SADD', 'b', '2', '4'],
    ['SADD', 'c', '6', '7', '8', '9', '10', '11', '12', '13', '14', '15', '16', '17'],
    ['SDIFF', 'a', 'b'],
    ['SDIFF', 'a', 'b', 'c'],
    ['SDIFF', 'a', 'nokey', 'c'],
    ['SDIFF', 'a'],
    ['SDIFF', 'a', 'a'],
    ['SDIFF', 'a', 'b', 'a'],
    ['SDIFF', 'nokey', 'a'],
    ['SDIFF', 'b', 'a'],
    ['SDIFFSTORE', 'd', 'a', 'b', 'c'],
    ['SMEMBERS', 'd'],
    ['OBJECT', 'ENCODING', 'd'],
    ['SDIFFSTORE', 'd', 'b', 'a'],
    ['EXISTS', 'd'],
    ['SADD', 's', 'x', 'y', '1', '2'],
    ['SADD', 't', 'x'],
    unordered('SDIFF', 's', 't'),
    ['SDIFFSTORE', 'd', 's', 't'],
    ['OBJECT', 'ENCODING', 'd'],
    ['SDIFFSTORE', 'a', 'a', 'b'],
    ['SMEMBERS', 'a'],
  ]);
  t.case('large unions and differences', [
    ints('a', 400),
    ints('b', 400, 200),
    unordered('SUNION', 'a', 'b'),
    ['SUNIONSTORE', 'd', 'a', 'b'],
    ['OBJECT', 'ENCODING', 'd'],
    ['SCARD', 'd'],
    ['SDIFF', 'd', 'a'],
    ['SDIFFSTORE', 'e', 'd', 'b'],
    ['OBJECT', 'ENCODING', 'e'],
    ['SMEMBERS', 'e'],
    // d (600, hashtable) minus a small set: the result is all integers within the limit again.
    ['SADD', 'small', '1'],
    ['SDIFFSTORE', 'f', 'd', 'b'],
    ['OBJECT', 'ENCODING', 'f'],
    saddMany('m', 800),
    unordered('SUNION', 'm', 'a'),
    unordered('SDIFF', 'm', 'a'),
    ['SDIFFSTORE', 'g', 'a', 'm'],
    ['OBJECT', 'ENCODING', 'g'],
    ['SMEMBERS', 'g'],
  ]);
});

diffSuite('set: SSCAN, COPY, config', (t) => {
  t.case('SSCAN of an intset returns everything at once, MATCH filters', [
    ['SADD', 's', '10', '2', '33', '-4', '100'],
    ['SSCAN', 's', '0'],
    ['SSCAN', 's', '0', 'COUNT', '1'],
    ['SSCAN', 's', '0', 'MATCH', '1*'],
    ['SSCAN', 's', '0', 'MATCH', '-*', 'COUNT', '100'],
    ['SSCAN', 's', '0', 'MATCH', 'nomatch'],
    ['SSCAN', 's', '5'],
    ['SSCAN', 'nokey', '0'],
    ['SADD', 't', 'abc', 'abd', 'xyz'],
    unordered('SSCAN', 't', '0'),
    unordered('SSCAN', 't', '0', 'MATCH', 'ab*'),
  ]);
  t.case('COPY, TYPE, OBJECT ENCODING, DEL', [
    ['SADD', 'a', '1', '2', '3'],
    ['COPY', 'a', 'b'],
    ['SADD', 'b', '4'],
    ['SMEMBERS', 'a'],
    ['SMEMBERS', 'b'],
    ['SADD', 'h', 'x', 'y'],
    ['COPY', 'h', 'g'],
    ['SREM', 'g', 'x'],
    unordered('SMEMBERS', 'h'),
    ['SMEMBERS', 'g'],
    ['TYPE', 'g'],
    ['OBJECT', 'ENCODING', 'g'],
    unordered('SCAN', '0', 'TYPE', 'set', 'COUNT', '100'),
    ['DEL', 'a', 'h'],
    { argv: ['MEMORY', 'USAGE', 'g'], compare: memoryUsage },
    { argv: ['MEMORY', 'USAGE', 'b'], compare: memoryUsage },
  ]);
  t.case('set-max-intset-entries', [
    ['CONFIG', 'SET', 'set-max-intset-entries', '3'],
    ['SADD', 'a', '1', '2', '3'],
    ['OBJECT', 'ENCODING', 'a'],
    ['SADD', 'a', '4'],
    ['OBJECT', 'ENCODING', 'a'],
    ['CONFIG', 'SET', 'set-max-intset-entries', '0'],
    ['SADD', 'b', '1'],
    ['OBJECT', 'ENCODING', 'b'],
    ['SADD', 'c', '1', '2'],
    ['SUNIONSTORE', 'd', 'c'],
    ['OBJECT', 'ENCODING', 'd'],
    ['CONFIG', 'SET', 'set-max-intset-entries', '512'],
  ]);
});

diffSuite('set: hashtable scans (property of the cursor)', (t) => {
  async function fullScan(c: RawConnection, key: string, extra: string[]): Promise<Set<string>> {
    const seen = new Set<string>();
    let cursor = '0';
    let calls = 0;
    do {
      const reply = parseFlat(await c.command(['SSCAN', key, cursor, ...extra]));
      cursor = reply[0];
      for (const m of reply.slice(1)) seen.add(m);
      assert.ok(++calls < 10_000, 'scan did not terminate');
    } while (cursor !== '0');
    return seen;
  }

  it('a full SSCAN (COUNT, MATCH) sees the same members on both servers', async () => {
    const [r, c] = await Promise.all([RawConnection.connect(t.ports.redis), RawConnection.connect(t.ports.cinder)]);
    try {
      for (const conn of [r, c]) {
        await conn.command(['FLUSHALL']);
        await conn.command(saddMany('s', 1000));
        await conn.command(ints('n', 800));
      }
      for (const resp of ['2', '3']) {
        for (const conn of [r, c]) await conn.command(['HELLO', resp]);
        for (const key of ['s', 'n']) {
          for (const extra of [[], ['COUNT', '7'], ['MATCH', '*1*', 'COUNT', '50'], ['COUNT', '5000']]) {
            const [a, b] = await Promise.all([fullScan(r, key, extra), fullScan(c, key, extra)]);
            assert.deepEqual([...b].sort(), [...a].sort(), JSON.stringify(extra));
          }
        }
      }
    } finally {
      r.close();
      c.close();
    }
  });

  it('SSCAN misses nothing that stays in the set while members are removed and added', async () => {
    const c = await RawConnection.connect(t.ports.cinder);
    try {
      await c.command(['FLUSHALL']);
      await c.command(saddMany('s', 600));
      const seen = new Set<string>();
      let cursor = '0';
      let round = 0;
      do {
        const reply = parseFlat(await c.command(['SSCAN', 's', cursor, 'COUNT', '20']));
        cursor = reply[0];
        for (const m of reply.slice(1)) seen.add(m);
        // Remove odd members (which the check ignores), pop some, add new ones.
        await c.command(['SREM', 's', `m${(round * 37) % 600 | 1}`, `m${(round * 91) % 600 | 1}`]);
        await c.command(['SADD', 's', `new${round}`]);
        round++;
      } while (cursor !== '0');
      for (let i = 0; i < 600; i += 2) assert.ok(seen.has(`m${i}`), `m${i} was missed`);
    } finally {
      c.close();
    }
  });
});

diffSuite('set: random command sequences against redis-server (property)', (t) => {
  const member = fc.oneof(
    fc.constantFrom('0', '1', '-1', '2', '100', '65536', '-32769', I64_MAX, I64_MIN, '9007199254740993', '01', '-0', 'a', 'b', '', 'x\x00'),
    fc.integer({ min: -20, max: 20 }).map(String),
    fc.string({ maxLength: 6, unit: 'binary-ascii' }),
  );
  const key = fc.constantFrom('a', 'a', 'b', 'c', 'k');
  const keys = fc.array(key, { minLength: 1, maxLength: 3 });
  const step = fc.oneof(
    fc.tuple(key, fc.array(member, { minLength: 1, maxLength: 6 })).map(([k, ms]) => ['SADD', k, ...ms]),
    fc.tuple(key, fc.array(member, { minLength: 1, maxLength: 3 })).map(([k, ms]) => ['SREM', k, ...ms]),
    fc.tuple(key, key, member).map(([s, d, m]) => ['SMOVE', s, d, m]),
    fc.tuple(key, member).map(([k, m]) => ['SISMEMBER', k, m]),
    fc.tuple(key, fc.array(member, { minLength: 1, maxLength: 3 })).map(([k, ms]) => ['SMISMEMBER', k, ...ms]),
    key.map((k) => ['SCARD', k]),
    key.map((k) => ['SMEMBERS', k]),
    key.map((k) => ['OBJECT', 'ENCODING', k]),
    fc.constant(['SET', 'k', 'string'] as string[]),
    fc.tuple(fc.constantFrom('SINTER', 'SUNION', 'SDIFF'), keys).map(([cmd, ks]) => [cmd, ...ks]),
    fc.tuple(fc.constantFrom('SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE'), key, keys).map(([cmd, d, ks]) => [cmd, d, ...ks]),
    fc.tuple(keys, fc.constantFrom(0, 1, 2, 5)).map(([ks, l]) => ['SINTERCARD', String(ks.length), ...ks, 'LIMIT', String(l)]),
    fc.tuple(key, fc.constantFrom('0', '1', '3', '100', '-3')).map(([k, n]) => ['SRANDMEMBER', k, n]),
    key.map((k) => ['SSCAN', k, '0', 'COUNT', '1000']),
  );
  /** Replies whose order (or content) Redis does not fix. */
  const loose = (argv: string[]): Step => {
    const cmd = argv[0];
    // Random picks (SPOP is left out: it would make the two servers' contents differ). The
    // contents are generated, so the picks are checked by shape: as many, distinct for a
    // positive count.
    if (cmd === 'SRANDMEMBER') return { argv, compare: sameShape({ distinct: !argv[2]?.startsWith('-') }) };
    if (['SMEMBERS', 'SINTER', 'SUNION', 'SDIFF', 'SSCAN'].includes(cmd)) return { argv, compare: 'unordered' };
    return argv;
  };
  it('every reply matches, in RESP2 and RESP3', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), fc.constantFrom<2 | 3>(2, 3), async (steps, resp) => {
        await runSteps(t.ports, steps.map(loose), resp);
      }),
      { numRuns: 100, seed: 4242 },
    );
  });
  it('with integer members only (intset paths, exact order)', async () => {
    const intMember = fc.oneof(
      fc.integer({ min: -40, max: 40 }).map(String),
      fc.constantFrom('32767', '32768', '-32768', '-32769', '2147483648', '-2147483649', I64_MAX, I64_MIN, '9007199254740993'),
    );
    const intStep = fc.oneof(
      fc.tuple(key, fc.array(intMember, { minLength: 1, maxLength: 8 })).map(([k, ms]) => ['SADD', k, ...ms]),
      fc.tuple(key, fc.array(intMember, { minLength: 1, maxLength: 4 })).map(([k, ms]) => ['SREM', k, ...ms]),
      fc.tuple(key, key, intMember).map(([s, d, m]) => ['SMOVE', s, d, m]),
      key.map((k) => ['SMEMBERS', k]),
      fc.tuple(fc.constantFrom('SINTER', 'SUNION', 'SDIFF'), keys).map(([cmd, ks]) => [cmd, ...ks]),
      fc.tuple(fc.constantFrom('SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE'), key, keys).map(([cmd, d, ks]) => [cmd, d, ...ks]),
      fc.tuple(key, intMember).map(([k, m]) => ['SISMEMBER', k, m]),
      key.map((k) => ['SSCAN', k, '0']),
      key.map((k) => ['SRANDMEMBER', k, '1000']),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(intStep, { minLength: 1, maxLength: 30 }), fc.constantFrom<2 | 3>(2, 3), async (steps, resp) => {
        await runSteps(t.ports, steps, resp);
      }),
      { numRuns: 100, seed: 99 },
    );
  });
});

/** Flattens a reply made of bulk strings and (nested) aggregates into its strings. */
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
      if (len < 0) continue;
      out.push(buf.latin1Slice(pos, pos + len));
      pos += len + 2;
    } else if (type === '-') {
      throw new Error(head);
    }
  }
  return out;
}
