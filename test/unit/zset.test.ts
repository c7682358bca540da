import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createZSet, zsetFromSorted, ZSetValue } from '../../src/engine/types/zset.js';

/** The reference model: a plain array kept sorted by (score, member). */
class Model {
  items: Array<[string, number]> = [];

  private cmp(a: [string, number], s: number, m: string): number {
    if (a[1] !== s) return a[1] < s ? -1 : 1;
    return a[0] < m ? -1 : a[0] > m ? 1 : 0;
  }
  score(m: string): number | undefined {
    const e = this.items.find((x) => x[0] === m);
    return e === undefined ? undefined : e[1];
  }
  add(m: string, s: number): void {
    let i = 0;
    while (i < this.items.length && this.cmp(this.items[i], s, m) < 0) i++;
    this.items.splice(i, 0, [m, s]);
  }
  delete(m: string): boolean {
    const i = this.items.findIndex((x) => x[0] === m);
    if (i < 0) return false;
    this.items.splice(i, 1);
    return true;
  }
  rank(m: string): number {
    return this.items.findIndex((x) => x[0] === m);
  }
}

function contents(z: ZSetValue): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  if (z.size > 0) z.forEachInRange(0, z.size - 1, false, (m, s) => out.push([m, s]));
  return out;
}

function checkSame(z: ZSetValue, model: Model): void {
  assert.equal(z.size, model.items.length);
  assert.deepEqual(contents(z), model.items);
}

type Op =
  | { kind: 'add'; m: string; s: number }
  | { kind: 'del'; m: string }
  | { kind: 'popMin' }
  | { kind: 'popMax' }
  | { kind: 'delRange'; a: number; b: number }
  | { kind: 'bulk'; base: number; n: number; s: number };

const memberArb = fc.integer({ min: 0, max: 3000 }).map((i) => `m${i}`);
const scoreArb = fc.oneof(fc.integer({ min: -50, max: 50 }), fc.constantFrom(Infinity, -Infinity, 0.5, 1e300));
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('add' as const), m: memberArb, s: scoreArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('del' as const), m: memberArb }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'popMin' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'popMax' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delRange' as const), a: fc.nat(1500), b: fc.nat(1500) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('bulk' as const), base: fc.nat(3000), n: fc.integer({ min: 1, max: 600 }), s: fc.integer({ min: -5, max: 5 }) }) },
);

function apply(z: ZSetValue, model: Model, op: Op, skiplistLimit: number): void {
  const upsert = (m: string, s: number): void => {
    const cur = z.score(m);
    assert.equal(cur, model.score(m));
    if (cur === undefined) {
      z.add(m, s, skiplistLimit, 64);
      model.add(m, s);
    } else if (cur !== s) {
      z.update(m, cur, s);
      model.delete(m);
      model.add(m, s);
    }
  };
  switch (op.kind) {
    case 'add':
      upsert(op.m, op.s);
      break;
    case 'bulk':
      for (let i = 0; i < op.n; i++) upsert(`m${(op.base + i) % 3001}`, op.s + (i % 3));
      break;
    case 'del':
      assert.equal(z.delete(op.m), model.delete(op.m));
      break;
    case 'popMin': {
      const e = z.popMin();
      const want = model.items.shift();
      assert.deepEqual(e, want);
      break;
    }
    case 'popMax': {
      const e = z.popMax();
      const want = model.items.pop();
      assert.deepEqual(e, want);
      break;
    }
    case 'delRange': {
      const a = Math.min(op.a, op.b);
      const b = Math.min(Math.max(op.a, op.b), model.items.length - 1);
      if (a > b) break;
      assert.equal(z.deleteRange(a, b), b - a + 1);
      model.items.splice(a, b - a + 1);
      break;
    }
  }
}

describe('ZSetValue against a sorted-array model', () => {
  it('random operation sequences keep order, ranks and scores', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), fc.constantFrom(128, 100000), (ops, limit) => {
        const z = createZSet();
        const model = new Model();
        for (const op of ops) {
          apply(z, model, op, limit);
          assert.equal(z.size, model.items.length);
          // Ranks after every step (the rank index is maintained incrementally between rebuilds).
          const len = model.items.length;
          for (const i of [0, len >> 2, len >> 1, len - 1]) {
            if (i < 0 || i >= len) continue;
            assert.equal(z.rank(model.items[i][0]), i);
            const out: [string, number] = ['', 0];
            z.at(i, out);
            assert.deepEqual(out, model.items[i]);
          }
        }
        checkSame(z, model);
        // Ranks, positions and reverse ranges.
        const n = model.items.length;
        for (let i = 0; i < n; i += Math.max(1, Math.floor(n / 50))) {
          const [m, s] = model.items[i];
          assert.equal(z.rank(m), i);
          assert.equal(z.score(m), s);
          const out: [string, number] = ['', 0];
          z.at(i, out);
          assert.deepEqual(out, [m, s]);
        }
        if (n > 0) {
          const a = Math.floor(n / 3);
          const b = n - 1 - Math.floor(n / 5);
          const rev: Array<[string, number]> = [];
          z.forEachInRange(a, b, true, (m, s) => rev.push([m, s]));
          assert.deepEqual(rev, model.items.slice(a, b + 1).reverse());
        }
        // Score bounds agree with a linear count.
        for (const bound of [-Infinity, -3, 0, 0.5, 2, 50, Infinity]) {
          assert.equal(z.scoreLowerBound(bound, false), model.items.filter((e) => e[1] < bound).length);
          assert.equal(z.scoreLowerBound(bound, true), model.items.filter((e) => e[1] <= bound).length);
          assert.equal(z.scoreUpperBound(bound, false), model.items.filter((e) => e[1] <= bound).length);
          assert.equal(z.scoreUpperBound(bound, true), model.items.filter((e) => e[1] < bound).length);
        }
        // A clone is equal and independent.
        const copy = z.clone();
        checkSame(copy, model);
        if (n > 0) {
          copy.popMin();
          assert.equal(z.size, n);
        }
        // Encoding follows the limit.
        if (limit === 100000) assert.equal(z.encoding(), 'listpack');
      }),
      { numRuns: 120, seed: 11 },
    );
  });

  it('merging a small last leaf into its predecessor keeps ranks right', () => {
    const z = createZSet();
    const model = new Model();
    for (let i = 0; i < 600; i++) {
      z.add(`k${String(i).padStart(4, '0')}`, i, 128, 64);
      model.add(`k${String(i).padStart(4, '0')}`, i);
    }
    const del = (i: number): void => {
      const m = `k${String(i).padStart(4, '0')}`;
      assert.equal(z.delete(m), true);
      model.delete(m);
    };
    for (let i = 256; i < 406; i++) del(i);
    // The 25th deletion leaves 63 (< 64) in the last leaf: it merges into the 106 before it.
    for (let i = 599; i >= 575; i--) del(i);
    // Growing past the merged leaf splits it again: ranks there depend on its recorded size.
    for (let i = 700; i < 800; i++) {
      z.add(`k${i}`, i, 128, 64);
      model.add(`k${i}`, i);
    }
    for (let i = 0; i < model.items.length; i += 7) assert.equal(z.rank(model.items[i][0]), i);
    assert.equal(z.rank(model.items[model.items.length - 1][0]), model.items.length - 1);
    checkSame(z, model);
  });

  it('converts to skiplist past the entry and value limits, never back', () => {
    const z = createZSet();
    for (let i = 0; i < 128; i++) z.add(`m${i}`, i, 128, 64);
    assert.equal(z.encoding(), 'listpack');
    z.add('x', 1, 128, 64);
    assert.equal(z.encoding(), 'skiplist');
    for (let i = 0; i < 120; i++) z.delete(`m${i}`);
    assert.equal(z.encoding(), 'skiplist');
    const w = createZSet();
    w.add('y'.repeat(65), 1, 128, 64);
    assert.equal(w.encoding(), 'skiplist');
  });

  it('lex bounds on equal scores', () => {
    const z = zsetFromSorted(['', 'a', 'aa', 'b', 'c'], [0, 0, 0, 0, 0], true);
    assert.equal(z.lexLowerBound({ kind: 'min' }), 0);
    assert.equal(z.lexUpperBound({ kind: 'max' }), 5);
    assert.equal(z.lexLowerBound({ kind: 'value', value: 'a', exclusive: false }), 1);
    assert.equal(z.lexLowerBound({ kind: 'value', value: 'a', exclusive: true }), 2);
    assert.equal(z.lexUpperBound({ kind: 'value', value: 'b', exclusive: false }), 4);
    assert.equal(z.lexUpperBound({ kind: 'value', value: 'b', exclusive: true }), 3);
  });

  it('listpack keeps -0 as 0, skiplist keeps the sign', () => {
    const lp = createZSet();
    lp.add('a', -0, 128, 64);
    assert.ok(Object.is(lp.score('a'), 0));
    const sl = createZSet();
    sl.add('a'.repeat(70), -0, 128, 64);
    assert.ok(Object.is(sl.score('a'.repeat(70)), -0));
  });

  it('scan over the skiplist index returns every member exactly once without changes', () => {
    const z = createZSet();
    for (let i = 0; i < 1000; i++) z.add(`k${i}`, i % 17, 128, 64);
    const seen: string[] = [];
    let cursor = 0;
    do {
      cursor = z.scan(cursor, 37, (m) => seen.push(m));
    } while (cursor !== 0);
    assert.equal(seen.length, 1000);
    assert.equal(new Set(seen).size, 1000);
  });

  it('memoryUsage grows with the set', () => {
    const z = createZSet();
    const small = z.memoryUsage();
    for (let i = 0; i < 5000; i++) z.add(`member:${i}`, i, 128, 64);
    assert.ok(z.memoryUsage() > small + 5000 * 40);
  });
});
