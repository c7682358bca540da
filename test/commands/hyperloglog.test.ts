/**
 * HyperLogLog commands against a real redis-server: replies byte for byte in RESP2 and RESP3,
 * the stored bytes (GET) after every change, values moved between the servers (SET of Redis's
 * bytes, RESTORE of Redis's DUMP), corrupt values, and random sets across the sparse / dense
 * switch (property).
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { diffSuite, RawConnection, parseReply } from '../helpers/differential.js';

/** `n` distinct elements with a prefix. */
function elements(n: number, prefix = 'e'): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

/** A sparse HLL header (cache valid, 0) followed by `opcodes` (latin1). */
const sparse = (opcodes: string): string => `HYLL\x01\x00\x00\x00${'\x00'.repeat(8)}${opcodes}`;

diffSuite('hyperloglog: PFADD and PFCOUNT', (t) => {
  t.case('PFADD creates a sparse value; the bytes, the cached count and its invalidation', [
    ['PFADD', 'h'],
    ['GET', 'h'],
    ['PFCOUNT', 'h'],
    ['GET', 'h'],
    ['PFADD', 'h', 'a', 'b', 'c', 'hello world', '0123456789abcdef!', '\xff\x00x', ''],
    ['GET', 'h'],
    ['PFCOUNT', 'h'],
    ['GET', 'h'],
    ['PFADD', 'h', 'a'],
    ['GET', 'h'],
    ['PFADD', 'h'],
    ['OBJECT', 'ENCODING', 'h'],
    ['PFDEBUG', 'ENCODING', 'h'],
    ['PFDEBUG', 'DECODE', 'h'],
    ['STRLEN', 'h'],
  ]);
  t.case('growing past the sparse limits turns the value dense', [
    ['PFADD', 'h', ...elements(200)],
    ['PFCOUNT', 'h'],
    ['PFDEBUG', 'ENCODING', 'h'],
    ['GET', 'h'],
    ['PFADD', 'h', ...elements(3000, 'x')],
    ['PFDEBUG', 'ENCODING', 'h'],
    ['STRLEN', 'h'],
    ['PFCOUNT', 'h'],
    ['GET', 'h'],
    ['PFADD', 'h', ...elements(100000, 'y').slice(0, 20000)],
    ['PFCOUNT', 'h'],
    ['GET', 'h'],
  ]);
  t.case('PFCOUNT of several keys merges without caching; missing keys are empty', [
    ['PFADD', 'a', ...elements(100, 'a')],
    ['PFADD', 'b', ...elements(5000, 'b')],
    ['PFCOUNT', 'a', 'b', 'nokey'],
    ['PFCOUNT', 'a', 'a'],
    ['GET', 'a'],
    ['PFCOUNT', 'nokey', 'nokey2'],
    ['PFCOUNT', 'nokey'],
  ]);
  t.case('hll-sparse-max-bytes decides when a value turns dense', [
    ['CONFIG', 'SET', 'hll-sparse-max-bytes', '40'],
    ['PFADD', 'h', ...elements(20)],
    ['PFDEBUG', 'ENCODING', 'h'],
    ['GET', 'h'],
    ['CONFIG', 'SET', 'hll-sparse-max-bytes', '0'],
    ['PFADD', 'z', 'a'],
    ['PFDEBUG', 'ENCODING', 'z'],
    ['CONFIG', 'SET', 'hll-sparse-max-bytes', '10000'],
    ['PFADD', 'w', ...elements(4000)],
    ['PFDEBUG', 'ENCODING', 'w'],
    ['GET', 'w'],
    ['CONFIG', 'GET', 'hll-sparse-max-bytes'],
    ['CONFIG', 'SET', 'hll-sparse-max-bytes', '3000'],
  ]);
  t.case('PFCOUNT refreshing its cache signals WATCH; a valid cache does not', [
    ['PFADD', 'h', 'a', 'b'],
    ['WATCH', 'h'],
    ['PFCOUNT', 'h'],
    ['MULTI'],
    ['PING'],
    ['EXEC'],
    ['WATCH', 'h'],
    ['PFCOUNT', 'h'],
    ['MULTI'],
    ['PING'],
    ['EXEC'],
    ['WATCH', 'h'],
    ['PFADD', 'h', 'a'],
    ['MULTI'],
    ['PING'],
    ['EXEC'],
    ['SET', 's', sparse('\x7f\xff')],
    ['WATCH', 's'],
    ['PFADD', 's', 'a'],
    ['MULTI'],
    ['PING'],
    ['EXEC'],
    ['UNWATCH'],
  ]);
});

diffSuite('hyperloglog: PFMERGE', (t) => {
  t.case('PFMERGE into a new, sparse or dense destination, which is merged too', [
    ['PFADD', 'a', ...elements(50, 'a')],
    ['PFADD', 'b', ...elements(60, 'b')],
    ['PFMERGE', 'm', 'a', 'b', 'nokey'],
    ['GET', 'm'],
    ['PFCOUNT', 'm'],
    ['PFADD', 'c', ...elements(4000, 'c')],
    ['PFMERGE', 'm', 'c'],
    ['PFDEBUG', 'ENCODING', 'm'],
    ['GET', 'm'],
    ['PFCOUNT', 'm'],
    ['PFMERGE', 'n'],
    ['GET', 'n'],
    ['PFMERGE', 'a', 'b'],
    ['GET', 'a'],
    ['PFMERGE', 'b', 'b'],
    ['GET', 'b'],
  ]);
});

diffSuite('hyperloglog: PFDEBUG and PFSELFTEST', (t) => {
  t.case('GETREG, DECODE, ENCODING, TODENSE', [
    ['PFADD', 'h', 'a', 'b', 'c'],
    ['PFDEBUG', 'DECODE', 'h'],
    ['PFDEBUG', 'encoding', 'h'],
    ['PFDEBUG', 'GETREG', 'h'],
    ['PFDEBUG', 'ENCODING', 'h'],
    ['GET', 'h'],
    ['PFDEBUG', 'DECODE', 'h'],
    ['PFDEBUG', 'TODENSE', 'h'],
    ['PFADD', 'h2', 'x'],
    ['PFCOUNT', 'h2'],
    ['PFDEBUG', 'TODENSE', 'h2'],
    ['GET', 'h2'],
    ['PFCOUNT', 'h2'],
    ['PFDEBUG', 'FOO', 'h2'],
    ['PFDEBUG', 'FOO\r\nBAR', 'h2'],
    ['PFDEBUG', 'FOO', 'nokey'],
    ['PFDEBUG', 'ENCODING', 'nokey'],
    ['SET', 's', 'x'],
    ['PFDEBUG', 'ENCODING', 's'],
    ['PFDEBUG', 'ENCODING'],
  ]);
  t.case('PFSELFTEST arity', [['PFSELFTEST', 'x']]);
  // Redis's self-test takes about a second (several on a loaded machine): a wait of its own.
  for (const resp of [2, 3] as const) {
    it(`PFSELFTEST answers OK [RESP${resp}]`, async () => {
      const [r, c] = await Promise.all([RawConnection.connect(t.ports.redis), RawConnection.connect(t.ports.cinder)]);
      try {
        if (resp === 3) await Promise.all([r.command(['HELLO', '3']), c.command(['HELLO', '3'])]);
        const [expected, actual] = await Promise.all([r.command(['PFSELFTEST'], 60_000), c.command(['PFSELFTEST'], 60_000)]);
        assert.equal(expected.latin1Slice(), '+OK\r\n');
        assert.equal(actual.latin1Slice(), expected.latin1Slice());
      } finally {
        r.close();
        c.close();
      }
    });
  }
});

diffSuite('hyperloglog: values that are not HyperLogLogs, and corrupt ones', (t) => {
  t.case('WRONGTYPE for other types and for strings that are not HyperLogLogs', [
    ['LPUSH', 'l', 'a'],
    ['PFADD', 'l', 'a'],
    ['PFCOUNT', 'l'],
    ['PFCOUNT', 'nokey', 'l'],
    ['PFMERGE', 'm', 'l'],
    ['PFMERGE', 'l'],
    ['EXISTS', 'm'],
    ['SET', 'n', '1'],
    ['PFADD', 'n', 'a'],
    ['PFCOUNT', 'n'],
    ['SET', 's', 'HYLLxxxxxxxxxxxxxxx'],
    ['PFADD', 's', 'a'],
    ['PFCOUNT', 's'],
    ['SET', 's', 'HYL'],
    ['PFCOUNT', 's'],
    ['SET', 's', 'HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'],
    ['PFCOUNT', 's'],
    ['SET', 's', 'HYLL\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff'],
    ['PFCOUNT', 's'],
    ['SET', 's', 'hyll\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff'],
    ['PFCOUNT', 's'],
  ]);
  t.case('INVALIDOBJ for sparse values that do not cover 16384 registers', [
    ['SET', 'c', `HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x01`],
    ['PFCOUNT', 'c'],
    ['PFADD', 'c', 'a'],
    ['PFCOUNT', 'c', 'nokey'],
    ['PFMERGE', 'm', 'c'],
    ['PFDEBUG', 'GETREG', 'c'],
    ['PFDEBUG', 'TODENSE', 'c'],
    ['PFDEBUG', 'DECODE', 'c'],
    ['SET', 'c', sparse('\x7f\xff\x80')],
    ['PFCOUNT', 'c', 'c'],
    ['PFDEBUG', 'TODENSE', 'c'],
    ['SET', 'c', `HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xfe\xfc`],
    ['PFCOUNT', 'c'],
    ['PFADD', 'c', 'a', 'b', 'c', 'd'],
    ['GET', 'c'],
  ]);
  t.case('a cached count is answered without reading the registers', [
    ['SET', 'c', `HYLL\x01\x00\x00\x00\x2a\x00\x00\x00\x00\x00\x00\x00\x01`],
    ['PFCOUNT', 'c'],
    ['SET', 'd', `HYLL\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\x7f${'\x00'.repeat(12288)}`],
    ['PFCOUNT', 'd'],
  ]);
});

diffSuite('hyperloglog: values written by Redis are read by Cinder and the reverse', (t) => {
  it('SET of the other server\'s bytes, RESTORE of its DUMP: same counts, same bytes after more adds', async () => {
    const [r, c] = await Promise.all([RawConnection.connect(t.ports.redis), RawConnection.connect(t.ports.cinder)]);
    try {
      await Promise.all([r.command(['FLUSHALL']), c.command(['FLUSHALL'])]);
      for (const n of [3, 300, 5000]) {
        const els = elements(n, `v${n}-`);
        for (const [from, to] of [[r, c], [c, r]] as const) {
          await from.command(['DEL', 'src']);
          await from.command(['PFADD', 'src', ...els]);
          const bytes = parseReply(await from.command(['GET', 'src'])).text!;
          const dump = parseReply(await from.command(['DUMP', 'src'])).text!;
          assert.equal((await to.command(['SET', 'copy', bytes])).latin1Slice(), '+OK\r\n');
          assert.equal((await to.command(['RESTORE', 'restored', '0', dump, 'REPLACE'])).latin1Slice(), '+OK\r\n');
          const count = (await from.command(['PFCOUNT', 'src'])).latin1Slice();
          await from.command(['PFADD', 'src', 'more', 'and more']);
          const after = (await from.command(['GET', 'src'])).latin1Slice();
          for (const key of ['copy', 'restored']) {
            assert.equal((await to.command(['PFCOUNT', key])).latin1Slice(), count, `${n} ${key}`);
            await to.command(['PFADD', key, 'more', 'and more']);
            assert.equal((await to.command(['GET', key])).latin1Slice(), after, `${n} ${key}`);
          }
          await from.command(['DEL', 'src']);
          await to.command(['DEL', 'copy', 'restored']);
        }
      }
    } finally {
      r.close();
      c.close();
    }
  });
});

// ---------------------------------------------------------------- properties

diffSuite('hyperloglog: random sets across the sparse / dense switch (property)', (t) => {
  it('counts and stored bytes are the same as Redis after every PFADD, PFCOUNT and PFMERGE', async () => {
    const [r, c] = await Promise.all([RawConnection.connect(t.ports.redis), RawConnection.connect(t.ports.cinder)]);
    const element = fc.oneof(
      fc.integer({ min: 0, max: 100000 }).map(String),
      fc.string({ maxLength: 12 }),
      fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b).latin1Slice()),
    );
    const op = fc.oneof(
      { weight: 6, arbitrary: fc.tuple(fc.constantFrom('h1', 'h2'), fc.array(element, { minLength: 1, maxLength: 200 })).map(([k, els]) => ['PFADD', k, ...els]) },
      { weight: 2, arbitrary: fc.constantFrom('h1', 'h2').map((k) => ['PFCOUNT', k]) },
      { weight: 1, arbitrary: fc.constant<string[]>(['PFCOUNT', 'h1', 'h2']) },
      { weight: 1, arbitrary: fc.constantFrom<string[][]>(['PFMERGE', 'h3', 'h1', 'h2'], ['PFMERGE', 'h1', 'h2'], ['PFMERGE', 'h2', 'h3']) },
    );
    try {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('0', '50', '300', '1200', '3000'), fc.array(op, { minLength: 1, maxLength: 40 }), async (maxBytes, ops) => {
          await Promise.all([r.command(['FLUSHALL']), c.command(['FLUSHALL'])]);
          const config = ['CONFIG', 'SET', 'hll-sparse-max-bytes', maxBytes];
          await Promise.all([r.command(config), c.command(config)]);
          for (const argv of ops) {
            for (const cmd of [argv, ['GET', argv[1]], ['PFCOUNT', 'h1', 'h2', 'h3']]) {
              const [expected, actual] = await Promise.all([r.command(cmd), c.command(cmd)]);
              assert.equal(actual.latin1Slice(), expected.latin1Slice(), JSON.stringify(cmd).slice(0, 200));
            }
          }
        }),
        { numRuns: 120, seed: 17003 },
      );
    } finally {
      const reset = ['CONFIG', 'SET', 'hll-sparse-max-bytes', '3000'];
      await Promise.all([r.command(reset), c.command(reset)]);
      r.close();
      c.close();
    }
  });
});
