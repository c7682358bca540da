import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
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
    assert.ok(c.memoryUsage(5) > 0);
  });

  it('SortedIds keeps order', () => {
    const p = new SortedIds();
    for (const x of [5n, 1n, 9n, 3n, 9n]) p.insert(x);
    assert.deepEqual(p.ids, [1n, 3n, 5n, 9n]);
    p.remove(3n);
    p.remove(4n);
    assert.deepEqual(p.ids, [1n, 5n, 9n]);
    assert.equal(p.lowerBound(6n), 2);
  });
});
