import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  createHashtableSet,
  createIntsetSet,
  createSetFor,
  createSetFrom,
  intsetLimit,
  itemText,
  toItem,
  SetValue,
} from '../../src/engine/types/set.js';
import { parseInteger } from '../../src/util/number.js';

const isInt = (m: string) => parseInteger(m) !== null;
const numericOrder = (a: string, b: string) => {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

/** Members worth mixing: every intset width, its edges, 2^53 neighbours, non-canonical forms. */
const member = fc.oneof(
  fc.integer({ min: -50, max: 50 }).map(String),
  fc.constantFrom(
    '32767', '32768', '-32768', '-32769', '2147483647', '2147483648', '-2147483648', '-2147483649',
    '4294967295', '4294967296', '-4294967296', '9007199254740991', '9007199254740992', '9007199254740993',
    '-9007199254740993', '9223372036854775807', '-9223372036854775808', '9223372036854775808',
    '01', '-0', '+1', ' 1', '1.0', '', 'a', 'b\x00', '\xff',
  ),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
  fc.string({ maxLength: 5, unit: 'binary-ascii' }),
);

type Op = { op: 'add' | 'delete' | 'has'; m: string } | { op: 'pop' };
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: member.map((m) => ({ op: 'add' as const, m })) },
  { weight: 2, arbitrary: member.map((m) => ({ op: 'delete' as const, m })) },
  { weight: 2, arbitrary: member.map((m) => ({ op: 'has' as const, m })) },
  { weight: 1, arbitrary: fc.constant({ op: 'pop' as const }) },
);

/** Checks a SetValue against the model: members, size, encoding, intset order. */
function check(s: SetValue, model: Set<string>, intset: boolean): void {
  assert.equal(s.size, model.size);
  assert.equal(s.encoding(), intset ? 'intset' : 'hashtable');
  const members = s.members();
  assert.equal(new Set(members).size, members.length, 'duplicates in iteration');
  assert.deepEqual([...members].sort(), [...model].sort());
  if (intset) assert.deepEqual(members, [...model].sort(numericOrder), 'intset order');
  for (let i = 0; i < s.size; i++) assert.equal(itemText(s.itemAt(i)), members[i]);
}

describe('SetValue against a model', () => {
  it('random operation sequences keep members, encoding and order right', () => {
    fc.assert(
      fc.property(member, fc.array(op, { maxLength: 80 }), fc.constantFrom(0, 1, 4, 16, 512), (first, ops, max) => {
        const s = createSetFor(first);
        let intset = isInt(first);
        const model = new Set<string>();
        // setTypeCreate + setTypeAdd of the first member.
        assert.equal(s.add(first, max), true);
        model.add(first);
        if (intset && model.size > max) intset = false;
        for (const o of ops) {
          if (o.op === 'add') {
            const isNew = !model.has(o.m);
            assert.equal(s.add(o.m, max), isNew, `add ${JSON.stringify(o.m)}`);
            model.add(o.m);
            if (!isInt(o.m)) intset = false;
            if (intset && model.size > max) intset = false;
          } else if (o.op === 'delete') {
            assert.equal(s.delete(o.m), model.has(o.m), `delete ${JSON.stringify(o.m)}`);
            model.delete(o.m);
          } else if (o.op === 'has') {
            assert.equal(s.has(o.m), model.has(o.m), `has ${JSON.stringify(o.m)}`);
          } else if (model.size > 0) {
            const m = itemText(s.popRandomItem());
            assert.ok(model.has(m), `popped ${m}`);
            model.delete(m);
          }
        }
        check(s, model, intset);
        // A clone is equal and independent.
        const copy = s.clone();
        check(copy, model, intset);
        copy.add('only-in-the-copy', max);
        assert.equal(s.has('only-in-the-copy'), false);
        assert.ok(s.memoryUsage() > 0);
      }),
      { numRuns: 300, seed: 31 },
    );
  });

  it('long add/delete runs cross the small-table and index sizes both ways', () => {
    const word = fc.integer({ min: 0, max: 60 }).map((i) => `w${i}`);
    const step = fc.tuple(fc.boolean(), word);
    fc.assert(
      fc.property(fc.array(step, { minLength: 50, maxLength: 400 }), (steps) => {
        const s = createHashtableSet();
        const model = new Set<string>();
        for (const [add, m] of steps) {
          if (add) {
            assert.equal(s.add(m), !model.has(m));
            model.add(m);
          } else {
            assert.equal(s.delete(m), model.has(m));
            model.delete(m);
          }
          assert.equal(s.size, model.size);
        }
        check(s, model, false);
        for (let i = 0; i <= 60; i++) assert.equal(s.has(`w${i}`), model.has(`w${i}`));
      }),
      { numRuns: 100, seed: 17 },
    );
  });

  it('items of one set are found in another whatever their encodings', () => {
    fc.assert(
      fc.property(fc.array(member, { maxLength: 40 }), fc.array(member, { maxLength: 40 }), (xs, ys) => {
        const a = createSetFrom(xs);
        const b = createHashtableSet();
        for (const y of ys) b.add(y);
        const yset = new Set(ys);
        a.forEachItem((item) => assert.equal(b.hasItem(item), yset.has(itemText(item))));
        b.forEachItem((item) => assert.equal(a.hasItem(item), new Set(xs).has(itemText(item))));
      }),
      { numRuns: 200, seed: 5 },
    );
  });
});

describe('SetValue encodings', () => {
  it('intset widths grow to fit and values beyond 2^53 stay exact', () => {
    const s = createIntsetSet();
    const values = ['9223372036854775807', '-9223372036854775808', '9007199254740993', '1', '-1', '70000', '-70000'];
    for (const v of values) s.add(v);
    assert.equal(s.encoding(), 'intset');
    assert.deepEqual(s.members(), [...values].sort(numericOrder));
    assert.equal(s.has('9007199254740992'), false);
    assert.equal(s.has('9007199254740993'), true);
    assert.equal(s.delete('9223372036854775807'), true);
    assert.equal(s.has('9223372036854775807'), false);
    assert.equal(s.size, values.length - 1);
  });

  it('toItem keeps canonical integers only', () => {
    assert.equal(toItem('12'), 12);
    assert.equal(toItem('-9223372036854775808'), -9223372036854775808n);
    assert.equal(toItem('012'), '012');
    assert.equal(toItem('-0'), '-0');
    assert.equal(toItem('x'), 'x');
    assert.equal(toItem(''), '');
  });

  it('conversion past the limit and for non-integers is one way', () => {
    const s = createSetFor('1');
    for (let i = 0; i < 512; i++) s.add(String(i));
    assert.equal(s.encoding(), 'intset');
    s.add('512');
    assert.equal(s.encoding(), 'hashtable');
    for (let i = 0; i < 500; i++) s.delete(String(i));
    assert.equal(s.encoding(), 'hashtable');
    assert.equal(s.size, 13);
    const t = createSetFor('x');
    assert.equal(t.encoding(), 'hashtable');
  });

  it('intsetLimit reads the config field, else the default', () => {
    assert.equal(intsetLimit({ setMaxIntsetEntries: 7 }), 7);
    assert.equal(intsetLimit({ get: (n: string) => (n === 'set-max-intset-entries' ? 9n : undefined) }), 9);
    assert.equal(intsetLimit({}), 512);
  });

  it('a scan misses nothing present throughout, while members come and go', () => {
    const s = createHashtableSet();
    for (let i = 0; i < 2000; i++) s.add(`m${i}`);
    const seen = new Set<string>();
    const popped = new Set<string>();
    let cursor = 0;
    let round = 0;
    do {
      cursor = s.scan(cursor, 15, (m) => seen.add(itemText(m)));
      // Odd members may disappear, random ones are popped, new ones appear.
      s.delete(`m${(round * 37) % 2000 | 1}`);
      s.add(`new${round}`);
      if (round % 3 === 0) popped.add(itemText(s.popRandomItem()));
      round++;
    } while (cursor !== 0);
    for (let i = 0; i < 2000; i += 2) {
      if (!popped.has(`m${i}`)) assert.ok(seen.has(`m${i}`), `m${i} missed`);
    }
  });

  it('random members are uniform enough to reach every slot', () => {
    const s = createHashtableSet();
    for (let i = 0; i < 50; i++) s.add(String(i * 3));
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) seen.add(itemText(s.randomItem()));
    assert.equal(seen.size, 50);
  });

  it('mass deletion shrinks and the set stays consistent', () => {
    const s = createHashtableSet();
    for (let i = 0; i < 10000; i++) s.add(`k${i}`);
    const big = s.memoryUsage();
    for (let i = 0; i < 9990; i++) assert.equal(s.delete(`k${i}`), true);
    assert.ok(s.memoryUsage() < big / 10);
    assert.deepEqual(s.members().sort(), Array.from({ length: 10 }, (_, i) => `k${9990 + i}`).sort());
  });
});
