import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import fc from 'fast-check';
import {
  createHash,
  DEFAULT_MAX_LISTPACK_ENTRIES,
  DEFAULT_MAX_LISTPACK_VALUE,
  HashValue,
  listpackLimits,
} from '../../src/engine/types/hash.js';
import { open } from '../../src/embedded/index.js';
import { redisServerAvailable, startRealRedis, RawConnection } from '../helpers/differential.js';

/** Pairs in iteration order. */
function pairsOf(h: HashValue): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  h.forEach((f, v) => out.push([f, v]));
  return out;
}

describe('hash type: listpack encoding', () => {
  it('keeps insertion order through updates and deletes', () => {
    const h = createHash();
    assert.equal(h.type, 'hash');
    assert.equal(h.encoding(), 'listpack');
    assert.equal(h.set('a', '1', 512, 64), true);
    assert.equal(h.set('b', '2', 512, 64), true);
    assert.equal(h.set('c', '3', 512, 64), true);
    assert.equal(h.set('b', 'two', 512, 64), false);
    assert.deepEqual(pairsOf(h), [
      ['a', '1'],
      ['b', 'two'],
      ['c', '3'],
    ]);
    assert.equal(h.delete('a'), true);
    assert.equal(h.delete('a'), false);
    h.set('a', 'again', 512, 64);
    assert.deepEqual(h.fields(), ['b', 'c', 'a']);
    assert.deepEqual(h.values(), ['two', '3', 'again']);
    assert.deepEqual(h.pairs(), ['b', 'two', 'c', '3', 'a', 'again']);
    assert.equal(h.size, 3);
    assert.equal(h.valueLength('a'), 5);
    assert.equal(h.valueLength('zz'), 0);
    assert.equal(h.get('zz'), undefined);
    assert.equal(h.has('c'), true);
    const pair = ['', ''];
    h.pairAt(2, pair);
    assert.deepEqual(pair, ['a', 'again']);
  });

  it('handles empty and binary fields, values that look like length prefixes', () => {
    const h = createHash();
    const odd = ['', '\x00', '\x01', '\x7f', '\x80', '\xff', '\x00\x00', 'a\x02b'];
    for (let i = 0; i < odd.length; i++) h.set(odd[i], odd[(i + 3) % odd.length], 512, 64);
    for (let i = 0; i < odd.length; i++) assert.equal(h.get(odd[i]), odd[(i + 3) % odd.length], JSON.stringify(odd[i]));
    assert.equal(h.size, odd.length);
    for (const f of odd) assert.equal(h.delete(f), true);
    assert.equal(h.size, 0);
    assert.deepEqual(pairsOf(h), []);
  });

  it('stores lengths of 128 bytes and more (multi-byte prefixes) when the limit allows', () => {
    const h = createHash();
    const sizes = [0, 1, 127, 128, 129, 255, 256, 16383, 16384, 20000];
    for (const n of sizes) h.set(`f${n}`, 'v'.repeat(n), 512, 100_000);
    assert.equal(h.encoding(), 'listpack');
    for (const n of sizes) {
      assert.equal(h.valueLength(`f${n}`), n);
      assert.equal(h.get(`f${n}`), 'v'.repeat(n));
    }
    h.set('f128', 'short', 512, 100_000);
    h.delete('f129');
    assert.equal(h.get('f128'), 'short');
    assert.equal(h.get('f255'), 'v'.repeat(255));
    assert.equal(h.get('f129'), undefined);
    const big = 'k'.repeat(300);
    h.set(big, 'x', 512, 100_000);
    assert.equal(h.get(big), 'x');
    assert.equal(h.fields().at(-1), big);
  });
});

describe('hash type: conversions', () => {
  it('converts after an insert beyond maxEntries (not on updates at the limit)', () => {
    const h = createHash();
    for (let i = 0; i < 4; i++) h.set(`f${i}`, `${i}`, 4, 64);
    h.set('f0', 'updated', 4, 64);
    assert.equal(h.encoding(), 'listpack');
    h.set('f4', '4', 4, 64);
    assert.equal(h.encoding(), 'hashtable');
    assert.equal(h.size, 5);
    assert.equal(h.get('f0'), 'updated');
    h.delete('f4');
    h.delete('f3');
    assert.equal(h.encoding(), 'hashtable', 'never converts back');
  });

  it('converts for a long field or value, before writing', () => {
    for (const [f, v] of [
      ['x'.repeat(9), 'v'],
      ['f', 'x'.repeat(9)],
    ]) {
      const h = createHash();
      h.set('a', '1', 512, 8);
      h.set(f, v, 512, 8);
      assert.equal(h.encoding(), 'hashtable');
      assert.deepEqual(
        pairsOf(h).sort(),
        [
          ['a', '1'],
          [f, v],
        ].sort(),
      );
    }
    const h = createHash();
    h.set('a', '1', 512, 8);
    h.tryConversion(['HSET', 'k', 'a', '12345678'], 2, 3, 8);
    assert.equal(h.encoding(), 'listpack');
    h.tryConversion(['HSET', 'k', 'a', '123456789'], 2, 3, 8);
    assert.equal(h.encoding(), 'hashtable');
  });

  it('a maxEntries of 0 converts on the first field', () => {
    const h = createHash();
    h.set('a', '1', 0, 64);
    assert.equal(h.encoding(), 'hashtable');
  });

  it('clone() is independent in both encodings', () => {
    for (const maxEntries of [512, 2]) {
      const a = createHash();
      for (let i = 0; i < 5; i++) a.set(`f${i}`, `${i}`, maxEntries, 64);
      const b = a.clone();
      assert.equal(b.encoding(), a.encoding());
      b.set('f0', 'changed', maxEntries, 64);
      b.delete('f1');
      a.set('new', 'x', maxEntries, 64);
      assert.equal(a.get('f0'), '0');
      assert.equal(a.get('f1'), '1');
      assert.equal(b.get('new'), undefined);
      assert.equal(b.get('f0'), 'changed');
      assert.equal(a.size, 6);
      assert.equal(b.size, 4);
    }
  });
});

describe('hash type: hashtable encoding', () => {
  it('grows, shrinks after mass deletion, and keeps every remaining pair', () => {
    const h = createHash();
    const N = 5000;
    for (let i = 0; i < N; i++) h.set(`field:${i}`, `value:${i}`, 16, 64);
    assert.equal(h.encoding(), 'hashtable');
    assert.equal(h.size, N);
    for (let i = 0; i < N; i++) if (i % 50 !== 0) assert.equal(h.delete(`field:${i}`), true);
    assert.equal(h.size, N / 50);
    for (let i = 0; i < N; i++) assert.equal(h.get(`field:${i}`), i % 50 === 0 ? `value:${i}` : undefined);
    for (let i = 0; i < N; i++) h.set(`field:${i}`, `again:${i}`, 16, 64);
    assert.equal(h.size, N);
    for (let i = 0; i < N; i += 7) assert.equal(h.get(`field:${i}`), `again:${i}`);
    const fields = new Set(h.fields());
    assert.equal(fields.size, N);
    assert.equal(h.values().length, N);
  });

  it('stores long and binary fields and values', () => {
    const h = createHash();
    const long = 'f'.repeat(300);
    const cases: Array<[string, string]> = [
      ['', ''],
      ['\x00', '\xff'],
      [long, 'v'],
      ['k', 'v'.repeat(20000)],
      ['\x80\x81', ''],
    ];
    for (const [f, v] of cases) h.set(f, v, 0, 100_000);
    assert.equal(h.encoding(), 'hashtable');
    for (const [f, v] of cases) {
      assert.equal(h.get(f), v);
      assert.equal(h.valueLength(f), v.length);
      assert.equal(h.has(f), true);
    }
    assert.equal(h.get(long.slice(1)), undefined);
    assert.deepEqual(pairsOf(h).sort(), cases.slice().sort());
    assert.equal(h.delete(long), true);
    assert.equal(h.get('k'), 'v'.repeat(20000));
  });
});

describe('hash type: scan', () => {
  it('returns a listpack whole with cursor 0', () => {
    const h = createHash();
    for (let i = 0; i < 20; i++) h.set(`f${i}`, `${i}`, 512, 64);
    const seen: string[] = [];
    assert.equal(
      h.scan(12345, 1, (f) => seen.push(f)),
      0,
    );
    assert.equal(seen.length, 20);
  });

  it('never misses a field present for the whole scan of a hashtable', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 2 ** 31 }), (n, count, seed) => {
        let rnd = seed;
        const next = () => (rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0) / 2 ** 32;
        const h = createHash();
        for (let i = 0; i < n; i++) h.set(`f${i}`, 'v', 0, 64);
        const stable = new Set<string>();
        for (let i = 0; i < n; i += 3) stable.add(`f${i}`);
        const seen = new Set<string>();
        let cursor = 0;
        let added = 0;
        do {
          cursor = h.scan(cursor, count, (f) => seen.add(f));
          // Delete and add fields between calls (never the stable ones).
          for (let k = 0; k < 3; k++) {
            const i = Math.floor(next() * n);
            if (i % 3 !== 0) h.delete(`f${i}`);
          }
          if (next() < 0.5) h.set(`new${added++}`, 'v', 0, 64);
        } while (cursor !== 0);
        for (const f of stable) assert.ok(seen.has(f), `${f} missed`);
      }),
      { numRuns: 200, seed: 42 },
    );
  });
});

describe('hash type: model check', () => {
  /** Latin1 strings only: one char per byte, as every argument is. */
  const byte = fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c));
  const field = fc.oneof(fc.constantFrom('a', 'b', 'c', '', '\x00', '\x80'), fc.string({ maxLength: 12, unit: byte }));
  const value = fc.oneof(fc.constantFrom('', '1', '\xff'), fc.string({ maxLength: 12, unit: byte }), fc.string({ minLength: 120, maxLength: 140, unit: 'binary-ascii' }));
  const op = fc.oneof(
    fc.tuple(fc.constant('set' as const), field, value),
    fc.tuple(fc.constant('del' as const), field, fc.constant('')),
  );

  it('behaves like an insertion-ordered map, and converts exactly when Redis would', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.integer({ min: 0, max: 12 }), fc.constantFrom(4, 12, 200), (ops, maxEntries, maxValue) => {
        const h = createHash();
        const model = new Map<string, string>();
        let converted = false;
        for (const [kind, f, v] of ops) {
          if (kind === 'set') {
            if (f.length > maxValue || v.length > maxValue) converted = true;
            assert.equal(h.set(f, v, maxEntries, maxValue), !model.has(f));
            model.set(f, v);
            if (model.size > maxEntries) converted = true;
          } else {
            assert.equal(h.delete(f), model.delete(f));
          }
          assert.equal(h.size, model.size);
          assert.equal(h.encoding(), converted ? 'hashtable' : 'listpack');
        }
        const expected = [...model.entries()];
        const actual = pairsOf(h);
        if (converted) {
          actual.sort();
          expected.sort();
        }
        assert.deepEqual(actual, expected);
        for (const [f, v] of model) {
          assert.equal(h.get(f), v);
          assert.equal(h.valueLength(f), v.length);
          assert.equal(h.has(f), true);
        }
      }),
      { numRuns: 500, seed: 7700 },
    );
  });
});

describe('hash type: listpack limits from the config', () => {
  it('reads typed fields, then get(), then the defaults', () => {
    assert.deepEqual({ ...listpackLimits({}) }, { maxEntries: DEFAULT_MAX_LISTPACK_ENTRIES, maxValue: DEFAULT_MAX_LISTPACK_VALUE });
    assert.deepEqual({ ...listpackLimits({ hashMaxListpackEntries: 7, hashMaxListpackValue: 9n }) }, { maxEntries: 7, maxValue: 9 });
    const viaGet = { get: (n: string) => (n === 'hash-max-listpack-entries' ? '3' : n === 'hash-max-listpack-value' ? '5' : undefined) };
    assert.deepEqual({ ...listpackLimits(viaGet) }, { maxEntries: 3, maxValue: 5 });
    assert.equal(DEFAULT_MAX_LISTPACK_ENTRIES, 512);
  });
});

/**
 * Memory: 100,000 hashes of 10 short fields, heap bytes in Cinder against used_memory in Redis.
 * Reported (t.diagnostic), not asserted: the goal is at most 1.5x Redis.
 */
describe('hash type: memory (reported)', () => {
  const N = 100_000;
  const hsetArgs = (i: number): string[] => {
    const argv = ['HSET', `user:${i}`];
    for (let f = 0; f < 10; f++) argv.push(`field${f}`, `value-${(i * 7 + f) % 1000}`);
    return argv;
  };

  /** A RESP request as a latin1 string (cheaper than encodeCommand's Buffers for 100k commands). */
  const resp = (argv: string[]): string => {
    let out = `*${argv.length}\r\n`;
    for (const a of argv) out += `$${a.length}\r\n${a}\r\n`;
    return out;
  };

  it('100,000 hashes of 10 short fields', { skip: !redisServerAvailable && 'redis-server not installed' }, async (t) => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const settle = () => {
      for (let i = 0; i < 3; i++) gc();
      return process.memoryUsage().heapUsed;
    };
    const db = open();
    let cinderBytes: number;
    try {
      db.callSync('SET', 'warm', 'up');
      db.callSync('HSET', 'warmh', 'a', '1');
      const before = settle();
      for (let i = 0; i < N; i++) {
        const argv = hsetArgs(i);
        db.callSync(argv[0], ...argv.slice(1));
      }
      cinderBytes = settle() - before;
      assert.equal(db.callSync('HGET', 'user:99999', 'field9'), `value-${(99999 * 7 + 9) % 1000}`);
      assert.equal(db.callSync('OBJECT', 'ENCODING', 'user:5'), 'listpack');
    } finally {
      db.close();
    }

    const redis = await startRealRedis();
    let redisBytes: number;
    try {
      const c = await RawConnection.connect(redis.port);
      const usedMemory = async () => {
        const info = (await c.command(['INFO', 'memory'])).latin1Slice();
        return Number(/used_memory:(\d+)/.exec(info)![1]);
      };
      await c.command(['SET', 'warm', 'up']);
      const before = await usedMemory();
      const batch = 1000;
      for (let i = 0; i < N; i += batch) {
        let pipeline = '';
        for (let j = i; j < i + batch; j++) pipeline += resp(hsetArgs(j));
        c.write(Buffer.from(pipeline, 'latin1'));
        for (let j = 0; j < batch; j++) await c.readReply();
      }
      redisBytes = (await usedMemory()) - before;
      c.close();
    } finally {
      await redis.stop();
    }
    const ratio = cinderBytes / redisBytes;
    t.diagnostic(
      `100k hashes x 10 short fields: cinder heap ${(cinderBytes / 1e6).toFixed(1)} MB (${Math.round(cinderBytes / N)} B/hash), ` +
        `redis used_memory ${(redisBytes / 1e6).toFixed(1)} MB (${Math.round(redisBytes / N)} B/hash), ratio ${ratio.toFixed(2)}`,
    );
  });
});
