/**
 * Bitmap commands against a real redis-server: replies byte for byte in RESP2 and RESP3, the
 * values left behind (GET), errors and their order, and random operation sequences (property).
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { diffSuite, RawConnection } from '../helpers/differential.js';

/** Every byte value 0..255, as a latin1 string. */
const ALL_BYTES = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');

diffSuite('bitmaps: SETBIT and GETBIT', (t) => {
  t.case('SETBIT creates and grows with zero bytes; GETBIT reads past the end as 0', [
    ['SETBIT', 'b', '7', '1'],
    ['GET', 'b'],
    ['SETBIT', 'b', '100', '1'],
    ['GET', 'b'],
    ['STRLEN', 'b'],
    ['SETBIT', 'b', '100', '0'],
    ['SETBIT', 'b', '100', '0'],
    ['GETBIT', 'b', '7'],
    ['GETBIT', 'b', '8'],
    ['GETBIT', 'b', '999999'],
    ['GETBIT', 'nokey', '1'],
    ['EXISTS', 'nokey'],
    ['SETBIT', 'z', '0', '0'],
    ['GET', 'z'],
    ['OBJECT', 'ENCODING', 'z'],
  ]);
  t.case('SETBIT and GETBIT on values of every representation (integers, short, slab, appended)', [
    ['SET', 'n', '12345'],
    ['GETBIT', 'n', '2'],
    ['SETBIT', 'n', '3', '1'],
    ['GET', 'n'],
    ['OBJECT', 'ENCODING', 'n'],
    ['SET', 'e', 'embstr'],
    ['SETBIT', 'e', '1', '0'],
    ['OBJECT', 'ENCODING', 'e'],
    ['GET', 'e'],
    ['SET', 'slab', 'x'.repeat(1000)],
    ['SETBIT', 'slab', '8001', '1'],
    ['GETBIT', 'slab', '8001'],
    ['GET', 'slab'],
    ['SET', 'bin', ALL_BYTES],
    ['GETBIT', 'bin', '2047'],
    ['SETBIT', 'bin', '2047', '0'],
    ['APPEND', 'bin', 'tail'],
    ['SETRANGE', 'bin', '300', 'mid'],
    ['SETBIT', 'bin', '2400', '1'],
    ['GET', 'bin'],
  ]);
  t.case('SETBIT and GETBIT errors', [
    ['SETBIT', 'b', '-1', '1'],
    ['SETBIT', 'b', '1', '2'],
    ['SETBIT', 'b', '1', '-1'],
    ['SETBIT', 'b', '1', 'x'],
    ['SETBIT', 'b', 'x', '1'],
    ['SETBIT', 'b', '4294967296', '1'],
    ['SETBIT', 'b', '4294967295', '2'],
    ['GETBIT', 'b', '-1'],
    ['GETBIT', 'b', '4294967296'],
    ['GETBIT', 'b', '1.5'],
    ['EXISTS', 'b'],
    ['LPUSH', 'l', 'x'],
    ['SETBIT', 'l', '1', '1'],
    ['GETBIT', 'l', '1'],
    ['SETBIT', 'b'],
    ['GETBIT', 'b'],
    ['SETBIT', 'b', '1', '1', '1'],
  ]);
});

diffSuite('bitmaps: offsets at the proto-max-bulk-len limit', (t) => {
  t.case('the last bit below the limit is accepted, the first beyond refused', [
    ['CONFIG', 'SET', 'proto-max-bulk-len', '1048576'],
    ['SETBIT', 'b', '8388608', '1'],
    ['SETBIT', 'b', '8388607', '1'],
    ['STRLEN', 'b'],
    ['BITCOUNT', 'b'],
    ['BITPOS', 'b', '1'],
    ['BITPOS', 'b', '0', '-1'],
    ['GETBIT', 'b', '8388608'],
    ['BITFIELD', 'b', 'GET', 'u8', '8388601'],
    ['BITFIELD', 'b', 'GET', 'u8', '8388608'],
    ['BITFIELD', 'b', 'GET', 'u8', '#1048576'],
    ['BITFIELD', 'b', 'GET', 'u8', '#1048575'],
    ['CONFIG', 'SET', 'proto-max-bulk-len', '536870912'],
  ]);
});

diffSuite('bitmaps: BITCOUNT and BITPOS', (t) => {
  t.case('BITCOUNT over the whole value, byte and bit ranges', [
    ['SET', 's', 'foobar'],
    ['BITCOUNT', 's'],
    ['BITCOUNT', 's', '0', '0'],
    ['BITCOUNT', 's', '1', '1'],
    ['BITCOUNT', 's', '1', '-2'],
    ['BITCOUNT', 's', '5', '30', 'BIT'],
    ['BITCOUNT', 's', '-5', '-1', 'bit'],
    ['BITCOUNT', 's', '-1', '-5', 'BIT'],
    ['BITCOUNT', 's', '0', '-1', 'BYTE'],
    ['BITCOUNT', 's', '100', '200'],
    ['BITCOUNT', 's', '-100', '-50'],
    ['BITCOUNT', 's', '3', '3', 'BIT'],
    ['BITCOUNT', 's', '47', '47', 'BIT'],
    ['SET', 'n', '-9223372036854775808'],
    ['BITCOUNT', 'n'],
    ['BITCOUNT', 'nokey'],
    ['SET', 'e', ''],
    ['BITCOUNT', 'e'],
    ['BITCOUNT', 'e', '0', '-1'],
    ['BITCOUNT', 'e', '0', '-1', 'BIT'],
  ]);
  t.case('BITCOUNT errors, and what a missing key or an empty range answers first', [
    ['SET', 's', 'foobar'],
    ['BITCOUNT', 's', '0', '-1', 'x'],
    ['BITCOUNT', 's', '0'],
    ['BITCOUNT', 's', 'a', 'b'],
    ['BITCOUNT', 's', '0', '1', 'BIT', 'x'],
    ['BITCOUNT', 's', '-1', '-5', 'x'],
    ['BITCOUNT', 'nokey', 'a', 'b'],
    ['BITCOUNT', 'nokey', '0', '1', 'x'],
    ['LPUSH', 'l', 'x'],
    ['BITCOUNT', 'l'],
    ['BITCOUNT', 'l', 'a', '1'],
    ['BITCOUNT'],
  ]);
  t.case('BITPOS looking for set and clear bits, with byte and bit ranges', [
    ['SET', 'z', '\x00\x00\xff\xf0'],
    ['BITPOS', 'z', '1'],
    ['BITPOS', 'z', '0'],
    ['BITPOS', 'z', '1', '2'],
    ['BITPOS', 'z', '0', '2'],
    ['BITPOS', 'z', '0', '2', '-1'],
    ['BITPOS', 'z', '0', '2', '-1', 'BIT'],
    ['BITPOS', 'z', '1', '17', '30', 'BIT'],
    ['BITPOS', 'z', '0', '16', '27', 'BIT'],
    ['BITPOS', 'z', '0', '16', '28', 'BIT'],
    ['BITPOS', 'z', '0', '16', 'BIT'],
    ['BITPOS', 'z', '0', '16', '100', 'BIT'],
    ['BITPOS', 'z', '1', '3', '2'],
    ['SET', 'ff', '\xff\xff\xff'],
    ['BITPOS', 'ff', '0'],
    ['BITPOS', 'ff', '0', '1'],
    ['BITPOS', 'ff', '0', '1', '2'],
    ['BITPOS', 'ff', '0', '5', 'BIT'],
    ['BITPOS', 'ff', '1', '5', '3', 'BIT'],
    ['BITPOS', 'ff', '1', '-3', '-1', 'BIT'],
    ['BITPOS', 'ff', '1', '-3', '-1', 'byte'],
    ['BITPOS', 'nokey', '0'],
    ['BITPOS', 'nokey', '1'],
    ['BITPOS', 'nokey', '1', '5', '7'],
    ['SET', 'e', ''],
    ['BITPOS', 'e', '0'],
    ['BITPOS', 'e', '1'],
    ['BITPOS', 'e', '0', '0'],
    ['SET', 'big', `${'\x00'.repeat(5000)}\x01${'\xff'.repeat(3000)}\xfe`],
    ['BITPOS', 'big', '1'],
    ['BITPOS', 'big', '0', '5001'],
    ['BITPOS', 'big', '0', '5001', '-2'],
    ['BITPOS', 'big', '1', '-100', '-1'],
  ]);
  t.case('BITPOS errors', [
    ['SET', 'ff', '\xff'],
    ['BITPOS', 'ff', '2'],
    ['BITPOS', 'nokey', '2'],
    ['BITPOS', 'ff', 'x'],
    ['BITPOS', 'ff', '1', 'a'],
    ['BITPOS', 'nokey', '1', 'a'],
    ['BITPOS', 'ff', '1', '0', 'x'],
    ['BITPOS', 'ff', '1', '0', '0', 'foo'],
    ['BITPOS', 'ff', '1', '0', '0', 'BIT', 'x'],
    ['LPUSH', 'l', 'x'],
    ['BITPOS', 'l', '1'],
    ['BITPOS', 'l', '3'],
    ['BITPOS', 'ff'],
  ]);
});

diffSuite('bitmaps: BITOP', (t) => {
  t.case('AND OR XOR NOT over values of different lengths and missing keys', [
    ['SET', 'a', 'abc'],
    ['SET', 'b', '\xff\x00'],
    ['BITOP', 'AND', 'd', 'a', 'b'],
    ['GET', 'd'],
    ['OBJECT', 'ENCODING', 'd'],
    ['BITOP', 'or', 'd', 'a', 'b'],
    ['GET', 'd'],
    ['BITOP', 'XOR', 'd', 'a', 'b', 'nokey'],
    ['GET', 'd'],
    ['BITOP', 'NOT', 'd', 'a'],
    ['GET', 'd'],
    ['BITOP', 'AND', 'd', 'a', 'nokey'],
    ['GET', 'd'],
    ['BITOP', 'OR', 'a', 'a', 'b'],
    ['GET', 'a'],
    ['SET', 'n', '42'],
    ['BITOP', 'XOR', 'd', 'n', 'b'],
    ['GET', 'd'],
    ['SET', 'long', 'x'.repeat(20000)],
    ['BITOP', 'NOT', 'd', 'long'],
    ['BITCOUNT', 'd'],
    ['BITOP', 'AND', 'd', 'long', 'a'],
    ['STRLEN', 'd'],
    ['BITCOUNT', 'd'],
  ]);
  t.case('an empty result deletes the destination', [
    ['SET', 'd', 'x'],
    ['EXPIRE', 'd', '100'],
    ['BITOP', 'AND', 'd', 'nokey', 'nokey2'],
    ['EXISTS', 'd'],
    ['SET', 'e', ''],
    ['SET', 'd', 'x'],
    ['BITOP', 'OR', 'd', 'e'],
    ['EXISTS', 'd'],
    ['SET', 'd', 'x'],
    ['EXPIRE', 'd', '100'],
    ['SET', 'a', 'v'],
    ['BITOP', 'OR', 'd', 'a'],
    ['TTL', 'd'],
  ]);
  t.case('BITOP errors', [
    ['SET', 'a', 'abc'],
    ['BITOP', 'NOT', 'd', 'a', 'a'],
    ['BITOP', 'NAND', 'd', 'a'],
    ['LPUSH', 'l', 'x'],
    ['BITOP', 'AND', 'd', 'a', 'l'],
    ['BITOP', 'AND', 'l', 'a'],
    ['TYPE', 'l'],
    ['BITOP', 'AND', 'd'],
    ['EXISTS', 'd'],
  ]);
});

diffSuite('bitmaps: BITFIELD and BITFIELD_RO', (t) => {
  t.case('GET SET INCRBY, signed and unsigned, # offsets', [
    ['BITFIELD', 'bf'],
    ['BITFIELD', 'bf', 'GET', 'u8', '0'],
    ['EXISTS', 'bf'],
    ['BITFIELD', 'bf', 'SET', 'i8', '0', '-100', 'GET', 'i8', '0', 'GET', 'u8', '0'],
    ['GET', 'bf'],
    ['BITFIELD', 'bf', 'GET', 'i8', '#2'],
    ['BITFIELD', 'bf', 'SET', 'i8', '#2', '5', 'GET', 'u4', '#4'],
    ['BITFIELD', 'w', 'SET', 'u1', '0', '1', 'SET', 'i3', '1', '-3', 'INCRBY', 'u7', '5', '200', 'GET', 'u12', '0', 'GET', 'i12', '0', 'GET', 'i53', '0', 'GET', 'u53', '3', 'GET', 'i54', '0'],
    ['BITFIELD', 'w', 'SET', 'i53', '0', '-4503599627370496', 'GET', 'i53', '0', 'INCRBY', 'i53', '0', '-1', 'SET', 'u52', '60', '4503599627370495', 'INCRBY', 'u52', '60', '1', 'GET', 'u52', '60'],
    ['GET', 'w'],
    ['SET', 'n', '123'],
    ['BITFIELD', 'n', 'GET', 'u8', '0', 'SET', 'u8', '8', '65', 'GET', 'u16', '0'],
    ['GET', 'n'],
    ['bitfield', 'n', 'get', 'u8', '0', 'set', 'u8', '0', '1', 'incrby', 'u8', '0', '1', 'overflow', 'sat'],
  ]);
  t.case('OVERFLOW WRAP SAT FAIL at the widths limits', [
    ['BITFIELD', 'bf', 'INCRBY', 'u2', '100', '1', 'OVERFLOW', 'SAT', 'incrby', 'u2', '102', '1'],
    ['BITFIELD', 'bf', 'OVERFLOW', 'WRAP', 'INCRBY', 'i5', '0', '100', 'OVERFLOW', 'SAT', 'INCRBY', 'i5', '0', '100', 'OVERFLOW', 'FAIL', 'INCRBY', 'i5', '0', '100'],
    ['BITFIELD', 'bf', 'OVERFLOW', 'SAT', 'SET', 'u8', '0', '-5', 'SET', 'u8', '0', '300', 'OVERFLOW', 'FAIL', 'SET', 'u8', '0', '256', 'SET', 'u8', '0', '255', 'OVERFLOW', 'WRAP', 'SET', 'u8', '0', '-1'],
    ['BITFIELD', 'bf', 'SET', 'i64', '0', '-9223372036854775808', 'INCRBY', 'i64', '0', '-1', 'GET', 'i64', '0', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', '0', '-1', 'INCRBY', 'i64', '0', '9223372036854775807', 'INCRBY', 'i64', '0', '9223372036854775807', 'GET', 'u63', '0', 'GET', 'u63', '1'],
    ['BITFIELD', 'bf', 'SET', 'u63', '0', '9223372036854775807', 'INCRBY', 'u63', '0', '1', 'OVERFLOW', 'FAIL', 'INCRBY', 'u63', '0', '1', 'GET', 'u63', '0'],
    ['BITFIELD', 'bf', 'OVERFLOW', 'FAIL', 'SET', 'i1', '0', '1', 'SET', 'i1', '0', '-1', 'SET', 'u1', '0', '2', 'SET', 'u1', '0', '1'],
    ['BITFIELD', 'new', 'OVERFLOW', 'FAIL', 'SET', 'u2', '100', '9'],
    ['GET', 'new'],
    ['GET', 'bf'],
  ]);
  t.case('BITFIELD errors: types, offsets, values, subcommands (parsed before the key is read)', [
    ['SET', 'bf', 'abc'],
    ['BITFIELD', 'bf', 'GET', 'u64', '0'],
    ['BITFIELD', 'bf', 'GET', 'i65', '0'],
    ['BITFIELD', 'bf', 'GET', 'i0', '0'],
    ['BITFIELD', 'bf', 'GET', 'I8', '0'],
    ['BITFIELD', 'bf', 'GET', 'x8', '0'],
    ['BITFIELD', 'bf', 'GET', 'i08', '0'],
    ['BITFIELD', 'bf', 'GET', 'i', '0'],
    ['BITFIELD', 'bf', 'GET', 'i8', '-1'],
    ['BITFIELD', 'bf', 'GET', 'i8', '#-1'],
    ['BITFIELD', 'bf', 'GET', 'i8', '4294967296'],
    ['BITFIELD', 'bf', 'GET', 'i8', '#536870912'],
    ['BITFIELD', 'bf', 'GET', 'i64', '#9223372036854775807'],
    ['BITFIELD', 'bf', 'GET', 'i8', 'x'],
    ['BITFIELD', 'bf', 'GET', 'i8', '#'],
    ['BITFIELD', 'bf', 'SET', 'i8', '0', 'x'],
    ['BITFIELD', 'bf', 'SET', 'i8', '0'],
    ['BITFIELD', 'bf', 'GET', 'i8'],
    ['BITFIELD', 'bf', 'FOO', 'i8', '0'],
    ['BITFIELD', 'bf', 'OVERFLOW', 'BAD', 'GET', 'i8', '0'],
    ['BITFIELD', 'bf', 'OVERFLOW'],
    ['BITFIELD', 'bf', 'GET', 'i8', '0', 'OVERFLOW', 'FAIL'],
    ['BITFIELD', 'bf', 'SET', 'i8', '0', '1', 'GET', 'u64', '0'],
    ['GET', 'bf'],
    ['LPUSH', 'l', 'x'],
    ['BITFIELD', 'l', 'GET', 'i8', '0'],
    ['BITFIELD', 'l', 'SET', 'i8', '0', '1'],
    ['BITFIELD', 'l'],
    ['BITFIELD'],
  ]);
  t.case('BITFIELD_RO reads only', [
    ['BITFIELD', 'bf', 'SET', 'u16', '0', '4660'],
    ['BITFIELD_RO', 'bf', 'GET', 'i8', '0', 'GET', 'u4', '4'],
    ['BITFIELD_RO', 'bf', 'SET', 'i8', '0', '1'],
    ['BITFIELD_RO', 'bf', 'INCRBY', 'i8', '0', '1'],
    ['BITFIELD_RO', 'bf', 'OVERFLOW', 'WRAP'],
    ['BITFIELD_RO', 'bf', 'SET', 'i99', '0', '1'],
    ['BITFIELD_RO', 'bf'],
    ['BITFIELD_RO', 'nokey', 'GET', 'u8', '0'],
    ['EXISTS', 'nokey'],
    ['GET', 'bf'],
  ]);
});

diffSuite('bitmaps: the keys and the flags COMMAND GETKEYSANDFLAGS reports', (t) => {
  t.case('BITFIELD reads or writes its key as its operations say; BITOP', [
    ['COMMAND', 'GETKEYSANDFLAGS', 'BITFIELD', 'k', 'GET', 'u8', '0'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'BITFIELD', 'k', 'GET', 'u8', '0', 'INCRBY', 'u8', '0', '1'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'BITFIELD', 'k', 'set', 'u8', '0', '1'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'BITOP', 'AND', 'd', 'a', 'b'],
    ['COMMAND', 'GETKEYS', 'BITFIELD_RO', 'k', 'GET', 'u8', '0'],
  ]);
});

// ---------------------------------------------------------------- properties

const typeArb = fc.oneof(
  fc.integer({ min: 1, max: 64 }).map((n) => `i${n}`),
  fc.integer({ min: 1, max: 63 }).map((n) => `u${n}`),
);
/** Values near every width's limits, and anything in 64 bits. */
const int64Arb = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.tuple(fc.integer({ min: 0, max: 63 }), fc.integer({ min: -2, max: 2 }), fc.boolean()).map(([k, d, neg]) => {
    const v = (neg ? -(2n ** BigInt(k)) : 2n ** BigInt(k)) + BigInt(d);
    return v < -(2n ** 63n) ? -(2n ** 63n) : v > 2n ** 63n - 1n ? 2n ** 63n - 1n : v;
  }),
);
const bitfieldOpArb: fc.Arbitrary<string[]> = fc.oneof(
  fc.tuple(typeArb, fc.integer({ min: 0, max: 200 })).map(([t, o]) => ['GET', t, String(o)]),
  fc.tuple(typeArb, fc.integer({ min: 0, max: 200 }), int64Arb).map(([t, o, v]) => ['SET', t, String(o), String(v)]),
  fc.tuple(typeArb, fc.integer({ min: 0, max: 200 }), int64Arb).map(([t, o, v]) => ['INCRBY', t, String(o), String(v)]),
  fc.tuple(typeArb, fc.integer({ min: 0, max: 20 })).map(([t, o]) => ['GET', t, `#${o}`]),
  fc.constantFrom('WRAP', 'SAT', 'FAIL').map((m) => ['OVERFLOW', m]),
);

diffSuite('bitmaps: random BITFIELD operations in every overflow mode (property)', (t) => {
  it('replies and the value left are the same as Redis', async () => {
    const [r, c] = await Promise.all([RawConnection.connect(t.ports.redis), RawConnection.connect(t.ports.cinder)]);
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.array(bitfieldOpArb, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 8 }), async (commands) => {
          await Promise.all([r.command(['FLUSHALL']), c.command(['FLUSHALL'])]);
          for (const ops of commands) {
            const argv = ['BITFIELD', 'k', ...ops.flat()];
            const [expected, actual] = await Promise.all([r.command(argv), c.command(argv)]);
            assert.equal(actual.latin1Slice(), expected.latin1Slice(), JSON.stringify(argv));
          }
          const [expected, actual] = await Promise.all([r.command(['GET', 'k']), c.command(['GET', 'k'])]);
          assert.equal(actual.latin1Slice(), expected.latin1Slice());
        }),
        { numRuns: 300, seed: 17001 },
      );
    } finally {
      r.close();
      c.close();
    }
  });
});

const bytesArb = fc.oneof(
  fc.uint8Array({ maxLength: 40 }),
  fc.tuple(fc.integer({ min: 0, max: 3000 }), fc.constantFrom(0, 0xff), fc.uint8Array({ maxLength: 4 })).map(([n, fill, tail]) => {
    const b = new Uint8Array(n + tail.length).fill(fill);
    b.set(tail, n);
    return b;
  }),
);
const rangeArb = fc.integer({ min: -30000, max: 30000 });
const readArb: fc.Arbitrary<string[]> = fc.oneof(
  fc.constant<string[]>(['BITCOUNT', 'k']),
  fc.tuple(rangeArb, rangeArb, fc.constantFrom([], ['BYTE'], ['BIT'])).map(([a, b, u]) => ['BITCOUNT', 'k', String(a), String(b), ...u]),
  fc.constantFrom('0', '1').map((bit) => ['BITPOS', 'k', bit]),
  fc.tuple(fc.constantFrom('0', '1'), rangeArb).map(([bit, a]) => ['BITPOS', 'k', bit, String(a)]),
  fc.tuple(fc.constantFrom('0', '1'), rangeArb, rangeArb, fc.constantFrom([], ['BYTE'], ['BIT'])).map(([bit, a, b, u]) => ['BITPOS', 'k', bit, String(a), String(b), ...u]),
  fc.tuple(fc.integer({ min: 0, max: 30000 }), fc.constantFrom('0', '1')).map(([o, v]) => ['SETBIT', 'k', String(o), v]),
  fc.integer({ min: 0, max: 30000 }).map((o) => ['GETBIT', 'k', String(o)]),
  fc.constantFrom<string[][]>(['BITOP', 'NOT', 'k', 'k'], ['BITOP', 'XOR', 'k', 'k', 'j'], ['BITOP', 'OR', 'j', 'k', 'j'], ['BITOP', 'AND', 'j', 'j', 'k']),
);

diffSuite('bitmaps: BITCOUNT, BITPOS and BITOP on random bitmaps and ranges (property)', (t) => {
  it('replies and the values left are the same as Redis', async () => {
    const [r, c] = await Promise.all([RawConnection.connect(t.ports.redis), RawConnection.connect(t.ports.cinder)]);
    try {
      await fc.assert(
        fc.asyncProperty(bytesArb, bytesArb, fc.array(readArb, { minLength: 1, maxLength: 20 }), async (k, j, ops) => {
          await Promise.all([r.command(['FLUSHALL']), c.command(['FLUSHALL'])]);
          const setup = [['SET', 'k', Buffer.from(k).latin1Slice()], ['SET', 'j', Buffer.from(j).latin1Slice()]];
          for (const argv of [...setup, ...ops, ['GET', 'k'], ['GET', 'j']]) {
            const [expected, actual] = await Promise.all([r.command(argv), c.command(argv)]);
            assert.equal(actual.latin1Slice(), expected.latin1Slice(), JSON.stringify(argv.map((a) => (a.length > 40 ? `<${a.length} bytes>` : a))));
          }
        }),
        { numRuns: 300, seed: 17002 },
      );
    } finally {
      r.close();
      c.close();
    }
  });
});
