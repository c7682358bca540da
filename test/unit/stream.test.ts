import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StreamValue, ID_MAX, U64_MAX, formatId, makeId, SortedIds } from '../../src/engine/types/stream.js';

const id = (ms: number | bigint, seq: number | bigint = 0) => makeId(BigInt(ms), BigInt(seq));

function add(s: StreamValue, i: bigint, ...fields: string[]): void {
  s.append(i, ['XADD', 'k', '*', ...(fields.length ? fields : ['f', 'v'])], 3, 4096, 100);
}

function ids(s: StreamValue, start = 0n, end = ID_MAX, rev = false): bigint[] {
  const out: bigint[] = [];
  s.range(start, end, rev, (x) => {
    out.push(x);
    return true;
  });
  return out;
}

describe('StreamValue', () => {
  it('appends across nodes and ranges both ways', () => {
    const s = new StreamValue();
    for (let i = 1; i <= 1000; i++) add(s, id(i, i % 3), 'n', String(i));
    assert.equal(s.length, 1000);
    assert.equal(s.nodeCount, 10);
    const all = ids(s);
    assert.equal(all.length, 1000);
    assert.deepEqual(ids(s, id(500), id(502, U64_MAX)), [id(500, 2), id(501, 0), id(502, 1)]);
    assert.deepEqual(ids(s, id(500), id(502, U64_MAX), true), [id(502, 1), id(501, 0), id(500, 2)]);
    assert.deepEqual(ids(s, 0n, ID_MAX, true), all.slice().reverse());
    assert.deepEqual(s.get(id(77, 2)), ['n', '77']);
    assert.equal(s.get(id(77, 1)), undefined);
  });

  it('keeps full 64-bit ms and seq', () => {
    const s = new StreamValue();
    add(s, id(1, U64_MAX));
    add(s, id(2, 0));
    add(s, id(U64_MAX, 5));
    add(s, ID_MAX);
    assert.deepEqual(ids(s).map(formatId), ['1-18446744073709551615', '2-0', '18446744073709551615-5', '18446744073709551615-18446744073709551615']);
    assert.equal(s.nodeCount, 1, 'huge deltas stay in one node, as in Redis');
    assert.equal(s.lastId, ID_MAX);
  });

  it('deletes entries, dropping empty nodes', () => {
    const s = new StreamValue();
    for (let i = 1; i <= 150; i++) add(s, id(i));
    assert.equal(s.delete(id(5)), true);
    assert.equal(s.delete(id(5)), false);
    assert.equal(s.delete(id(999)), false);
    for (let i = 1; i <= 100; i++) s.delete(id(i));
    assert.equal(s.nodeCount, 1);
    assert.equal(s.length, 50);
    assert.equal(s.firstId(), id(101));
    assert.equal(s.lastLiveId(), id(150));
  });

  it('trims by MAXLEN and MINID, exact and approximate', () => {
    const s = new StreamValue();
    for (let i = 1; i <= 250; i++) add(s, id(i));
    assert.equal(s.trim({ strategy: 'maxlen', maxlen: 180, minid: 0n, approx: true, limit: 0 }), 0);
    assert.equal(s.length, 250 - 0);
    assert.equal(s.trim({ strategy: 'maxlen', maxlen: 140, minid: 0n, approx: true, limit: 0 }), 100);
    assert.equal(s.trim({ strategy: 'maxlen', maxlen: 140, minid: 0n, approx: false, limit: 0 }), 10);
    assert.equal(s.length, 140);
    assert.equal(s.firstId(), id(111));
    assert.equal(s.trim({ strategy: 'minid', maxlen: 0, minid: id(200), approx: false, limit: 0 }), 89);
    assert.equal(s.firstId(), id(200));
  });

  it('clone is independent', () => {
    const s = new StreamValue();
    for (let i = 1; i <= 10; i++) add(s, id(i));
    const c = s.clone();
    s.delete(id(3));
    add(s, id(11));
    assert.equal(c.length, 10);
    assert.equal(ids(c).length, 10);
    assert.equal(s.length, 10);
    assert.equal(c.encoding(), 'stream');
    assert.ok(c.memoryUsage() > 0);
  });

  it('SortedIds keeps order', () => {
    const p = new SortedIds();
    for (const x of [5n, 1n, 9n, 3n, 9n]) p.insert(x);
    assert.deepEqual(p.toArray(), [1n, 3n, 5n, 9n]);
    assert.equal(p.insert(9n), false);
    assert.equal(p.remove(3n), true);
    assert.equal(p.remove(4n), false);
    assert.deepEqual(p.toArray(), [1n, 5n, 9n]);
    assert.equal(p.ceiling(6n), 9n);
    assert.equal(p.ceiling(10n), undefined);
    assert.equal(p.first(), 1n);
    assert.equal(p.last(), 9n);
    assert.deepEqual(p.toArray(2), [1n, 5n]);
  });
});

/** A sorted, duplicate-free model of SortedIds. */
class ModelIds {
  ids: bigint[] = [];
  insert(id: bigint): boolean {
    if (this.ids.includes(id)) return false;
    this.ids.push(id);
    this.ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return true;
  }
  remove(id: bigint): boolean {
    const i = this.ids.indexOf(id);
    if (i < 0) return false;
    this.ids.splice(i, 1);
    return true;
  }
}

function fromArray(p: SortedIds, start: bigint, limit = Infinity): bigint[] {
  const out: bigint[] = [];
  p.forEachFrom(start, (x) => {
    if (out.length >= limit) return false;
    out.push(x);
    return true;
  });
  return out;
}

describe('SortedIds (chunked PEL)', () => {
  it('appends in order into full leaves, and iterates from any ID across leaves', () => {
    const p = new SortedIds();
    for (let i = 1; i <= 2000; i++) p.insert(id(i));
    assert.equal(p.size, 2000);
    assert.equal(p.leafCount, Math.ceil(2000 / 256));
    assert.deepEqual(fromArray(p, id(255), 4), [id(255), id(256), id(257), id(258)]);
    assert.deepEqual(fromArray(p, id(1999, 5)), [id(2000)]);
    assert.deepEqual(fromArray(p, id(2001)), []);
    assert.deepEqual(fromArray(p, 0n, 2), [id(1), id(2)]);
    assert.equal(p.ceiling(id(512, 1)), id(513));
    assert.equal(p.ceiling(0n), id(1));
    assert.equal(p.first(), id(1));
    assert.equal(p.last(), id(2000));
  });

  it('splits on inserts in the middle and merges small leaves on removals', () => {
    const p = new SortedIds();
    for (let i = 0; i < 5000; i++) p.insert(id(i * 7919 % 5000));
    assert.deepEqual(p.toArray(), Array.from({ length: 5000 }, (_, i) => id(i)));
    for (let i = 0; i < 5000; i++) if (i % 50 !== 0) p.remove(id(i));
    assert.equal(p.size, 100);
    assert.ok(p.leafCount <= 4, `leaves: ${p.leafCount}`);
    assert.deepEqual(p.toArray(), Array.from({ length: 100 }, (_, i) => id(i * 50)));
    for (let i = 0; i < 5000; i += 50) p.remove(id(i));
    assert.equal(p.size, 0);
    assert.equal(p.leafCount, 0);
    assert.equal(p.first(), undefined);
    assert.equal(p.last(), undefined);
    assert.equal(p.ceiling(0n), undefined);
    assert.equal(p.remove(id(1)), false);
  });

  it('a walk by ceiling() survives removing the current ID', () => {
    const p = new SortedIds();
    for (let i = 0; i < 1000; i++) p.insert(id(i));
    const seen: bigint[] = [];
    for (let cur = p.ceiling(id(100)); cur !== undefined; cur = p.ceiling(cur + 1n)) {
      seen.push(cur);
      if (idMsOf(cur) % 2 === 0) p.remove(cur);
    }
    assert.equal(seen.length, 900);
    assert.deepEqual(p.toArray(), [...Array.from({ length: 100 }, (_, i) => id(i)), ...Array.from({ length: 450 }, (_, i) => id(101 + 2 * i))]);
  });

  it('clone is independent', () => {
    const p = new SortedIds();
    for (let i = 0; i < 600; i++) p.insert(id(i));
    const c = p.clone();
    p.remove(id(3));
    p.insert(id(1000));
    assert.equal(c.size, 600);
    assert.equal(c.has(id(3)), true);
    assert.equal(c.has(id(1000)), false);
    assert.equal(p.has(id(3)), false);
  });

  it('matches a sorted-array model under random inserts and removes (fast-check)', () => {
    const op = fc.record({
      insert: fc.boolean(),
      // A small ID space makes duplicates, misses and emptied leaves common.
      ms: fc.integer({ min: 0, max: 3000 }),
      seq: fc.constantFrom(0, 1, 2),
      count: fc.integer({ min: 1, max: 300 }),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.integer({ min: 0, max: 3001 }), (ops, from) => {
        const p = new SortedIds();
        const m = new ModelIds();
        for (const o of ops) {
          // Each step inserts or removes a run of `count` consecutive IDs (leaf splits and merges).
          for (let k = 0; k < o.count; k++) {
            const x = id(o.ms + k, o.seq);
            assert.equal(o.insert ? p.insert(x) : p.remove(x), o.insert ? m.insert(x) : m.remove(x));
          }
          assert.equal(p.size, m.ids.length);
        }
        assert.deepEqual(p.toArray(), m.ids);
        const start = id(from);
        const expected = m.ids.filter((x) => x >= start);
        assert.deepEqual(fromArray(p, start), expected);
        assert.equal(p.ceiling(start), expected[0]);
        assert.equal(p.first(), m.ids[0]);
        assert.equal(p.last(), m.ids[m.ids.length - 1]);
        for (const x of m.ids.slice(0, 20)) assert.equal(p.has(x), true);
        assert.equal(p.has(id(from, 7)), false);
        assert.ok(p.leafCount <= Math.max(1, Math.ceil(m.ids.length / 32)), `leaves ${p.leafCount} for ${m.ids.length} IDs`);
      }),
      { numRuns: 100 },
    );
  });
});

function idMsOf(x: bigint): number {
  return Number(x >> 64n);
}
