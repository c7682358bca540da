import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Keyspace, hashKey } from '../../src/engine/keyspace.js';
import type { Value } from '../../src/engine/values.js';

// ---------------------------------------------------------------- model-based property test

interface Entry {
  v: Value;
  exp: number | bigint | null;
}

type Op =
  | { t: 'set'; k: string; v: number; keepTtl: boolean }
  | { t: 'del'; k: string }
  | { t: 'expire'; k: string; dt: number }
  | { t: 'bigExpire'; k: string }
  | { t: 'persist'; k: string }
  | { t: 'get'; k: string }
  | { t: 'tick'; dt: number }
  | { t: 'random' }
  | { t: 'active' }
  | { t: 'shrink' }
  | { t: 'scan'; count: number }
  | { t: 'bulkAdd'; n: number }
  | { t: 'bulkDel' };

const keyArb = fc.integer({ min: 0, max: 15 }).map((i) => `k${i}`);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant('set' as const), k: keyArb, v: fc.integer(), keepTtl: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('del' as const), k: keyArb }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('expire' as const), k: keyArb, dt: fc.integer({ min: -5, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('bigExpire' as const), k: keyArb }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('persist' as const), k: keyArb }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('get' as const), k: keyArb }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('tick' as const), dt: fc.integer({ min: 0, max: 20 }) }) },
  { weight: 1, arbitrary: fc.constant({ t: 'random' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'active' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'shrink' as const }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('scan' as const), count: fc.integer({ min: 1, max: 20 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('bulkAdd' as const), n: fc.integer({ min: 1, max: 120 }) }) },
  { weight: 1, arbitrary: fc.constant({ t: 'bulkDel' as const }) },
);

const BIG = 9223372036854775807n;

/** The private structure of a Keyspace, for white-box invariant checks. */
interface KeyspaceInternals {
  keys: string[];
  vals: Value[];
  hashes: Int32Array;
  volPos: Int32Array;
  volSlots: Int32Array;
  table: Int32Array;
  capacity: number;
}

/** Structural invariants: dense slots, an index entry per slot, a consistent volatile list. */
function checkStructure(db: Keyspace): void {
  const ks = db as unknown as KeyspaceInternals;
  assert.equal(ks.keys.length, db.size);
  assert.equal(ks.vals.length, db.size);
  assert.ok(ks.capacity >= db.size);
  let indexed = 0;
  for (let i = 0; i < ks.table.length; i++) if (ks.table[i] !== 0) indexed++;
  assert.equal(indexed, db.size, 'one index entry per slot');
  assert.ok(db.size * 4 <= ks.table.length * 3, 'index load factor');
  let volatile = 0;
  for (let s = 0; s < db.size; s++) {
    assert.equal(ks.hashes[s], hashKey(ks.keys[s]), `hash of slot ${s}`);
    const p = ks.volPos[s];
    if (p >= 0) {
      volatile++;
      assert.equal(ks.volSlots[p], s, `volatile entry ${p} points back to slot ${s}`);
    } else {
      assert.equal(p, -1);
    }
  }
  assert.equal(volatile, db.volatileCount);
  for (let p = 0; p < db.volatileCount; p++) assert.equal(ks.volPos[ks.volSlots[p]], p, `volatile entry ${p}`);
}

function check(db: Keyspace, model: Map<string, Entry>, clock: { now: number }): void {
  checkStructure(db);
  const live = (e: Entry) => e.exp === null || !(clock.now > e.exp);
  assert.equal(db.size, model.size, 'size counts every stored key, reclaimed or not');
  let volatile = 0;
  const expected = new Set<string>();
  for (const [k, e] of model) {
    if (e.exp !== null) volatile++;
    if (live(e)) expected.add(k);
  }
  assert.equal(db.volatileCount, volatile, 'volatile list size');
  const seen = new Set<string>();
  db.forEach((k, v) => {
    assert.ok(!seen.has(k), `forEach returned ${k} twice`);
    seen.add(k);
    assert.equal(v, model.get(k)?.v, `value of ${k}`);
  });
  assert.deepEqual([...seen].sort(), [...expected].sort(), 'live keys');
  for (const k of expected) {
    const e = model.get(k)!;
    assert.equal(db.getExpireExact(k), e.exp === null ? -1 : e.exp, `expiry of ${k}`);
    assert.equal(db.has(k), true);
  }
  assert.equal(db.has('absent'), false);
}

test('keyspace: random operations agree with a Map model', () => {
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 1, maxLength: 120 }), (ops) => {
      const clock = { now: 1_000_000 };
      const db = new Keyspace(0, clock);
      const model = new Map<string, Entry>();
      const live = (e: Entry | undefined) => e !== undefined && (e.exp === null || !(clock.now > e.exp));
      db.onExpired = (_db, key) => {
        const e = model.get(key);
        assert.ok(e !== undefined, `expired unknown key ${key}`);
        assert.ok(!live(e), `expired a live key ${key}`);
        model.delete(key);
      };
      let bulk = 0;
      for (const op of ops) {
        switch (op.t) {
          case 'set': {
            const wasLive = live(model.get(op.k));
            const isNew = db.set(op.k, op.v, op.keepTtl);
            assert.equal(isNew, !wasLive, 'set reports a new key');
            const old = model.get(op.k);
            model.set(op.k, { v: op.v, exp: wasLive && op.keepTtl ? old!.exp : null });
            break;
          }
          case 'del': {
            const wasLive = live(model.get(op.k));
            assert.equal(db.delete(op.k), wasLive);
            if (wasLive) model.delete(op.k);
            break;
          }
          case 'expire':
          case 'bigExpire': {
            const wasLive = live(model.get(op.k));
            const when = op.t === 'expire' ? clock.now + op.dt : BIG;
            assert.equal(db.setExpire(op.k, when), wasLive);
            if (wasLive) model.get(op.k)!.exp = when;
            break;
          }
          case 'persist': {
            const e = model.get(op.k);
            const had = live(e) && e!.exp !== null;
            assert.equal(db.persist(op.k), had);
            if (had) e!.exp = null;
            break;
          }
          case 'get': {
            const e = model.get(op.k);
            assert.equal(db.lookupRead(op.k), live(e) ? e!.v : undefined);
            break;
          }
          case 'tick':
            clock.now += op.dt;
            break;
          case 'random': {
            const k = db.randomKey();
            const anyLive = [...model.values()].some((e) => live(e));
            if (k === null) assert.equal(anyLive, false, 'randomKey returned null with live keys');
            else assert.ok(live(model.get(k)), `randomKey returned ${k}, not live`);
            break;
          }
          case 'active':
            db.activeExpire(Number.POSITIVE_INFINITY);
            break;
          case 'shrink':
            db.maybeShrink();
            break;
          case 'scan': {
            const got: string[] = [];
            let cursor = 0;
            do {
              cursor = db.scan(cursor, op.count, (k) => got.push(k));
            } while (cursor !== 0);
            const expected = [...model].filter(([, e]) => live(e)).map(([k]) => k);
            assert.deepEqual(got.sort(), expected.sort(), 'a full scan without writes returns each live key once');
            break;
          }
          case 'bulkAdd':
            for (let i = 0; i < op.n; i++) {
              const k = `b${bulk++}`;
              db.set(k, i);
              model.set(k, { v: i, exp: null });
            }
            break;
          case 'bulkDel':
            for (const k of [...model.keys()]) {
              if (k.startsWith('b')) {
                assert.equal(db.delete(k), live(model.get(k)));
                model.delete(k);
              }
            }
            break;
        }
        check(db, model, clock);
      }
    }),
    { numRuns: 300 },
  );
});

// ---------------------------------------------------------------- the SCAN guarantee

type ScanOp = { t: 'step'; count: number } | { t: 'add'; n: number } | { t: 'del'; pick: number } | { t: 'expire'; pick: number } | { t: 'shrink' };

const scanOpArb: fc.Arbitrary<ScanOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant('step' as const), count: fc.integer({ min: 1, max: 25 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('add' as const), n: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('del' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('expire' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ t: 'shrink' as const }) },
);

test('keyspace: SCAN returns every key present for the whole iteration, under concurrent adds and deletes', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 400 }), fc.array(scanOpArb, { maxLength: 200 }), (initial, ops) => {
      const clock = { now: 1_000_000 };
      const db = new Keyspace(0, clock);
      const everSeen = new Set<string>();
      let next = 0;
      const add = () => {
        const k = `key:${next++}`;
        db.set(k, next);
        everSeen.add(k);
      };
      for (let i = 0; i < initial; i++) add();
      const atStart = new Set(everSeen);
      const removed = new Set<string>();
      const returned = new Set<string>();
      let cursor = 0;
      let started = false;
      let steps = 0;
      const step = (count: number) => {
        cursor = db.scan(cursor, count, (k) => {
          assert.ok(everSeen.has(k), `scan returned a key that never existed: ${k}`);
          returned.add(k);
        });
        started = true;
        steps++;
      };
      const liveKeys = () => {
        const ks: string[] = [];
        db.forEach((k) => ks.push(k));
        return ks;
      };
      for (const op of ops) {
        checkStructure(db);
        if (started && cursor === 0) break;
        switch (op.t) {
          case 'step':
            step(op.count);
            break;
          case 'add':
            for (let i = 0; i < op.n; i++) add();
            break;
          case 'del': {
            const ks = liveKeys();
            if (ks.length === 0) break;
            const k = ks[op.pick % ks.length];
            db.delete(k);
            removed.add(k);
            break;
          }
          case 'expire': {
            // A TTL change is metadata only: the key stays present.
            const ks = liveKeys();
            if (ks.length > 0) db.setExpire(ks[op.pick % ks.length], clock.now + 1_000_000);
            break;
          }
          case 'shrink':
            db.maybeShrink();
            break;
        }
      }
      // Finish the iteration without further writes.
      if (!started || cursor !== 0) {
        do step(7);
        while (cursor !== 0);
      }
      assert.ok(steps <= initial + next + 10, 'the cursor only moves down');
      for (const k of atStart) {
        if (!removed.has(k)) assert.ok(returned.has(k), `key ${k} present throughout was never returned`);
      }
    }),
    { numRuns: 300 },
  );
});

// ---------------------------------------------------------------- regressions for fixes in keyspace.ts

test('keyspace: expiry times beyond 2^53 ms are kept exactly', () => {
  const clock = { now: 1_700_000_000_000 };
  const db = new Keyspace(0, clock);
  db.set('k', 'v');
  db.setExpire('k', 9223372036854775807n);
  assert.equal(db.getExpireExact('k'), 9223372036854775807n);
  assert.equal(db.has('k'), true, 'a far-future expiry does not expire the key');
  db.setExpire('k', 9007199254740993n);
  assert.equal(db.getExpireExact('k'), 9007199254740993n);
  // A safe value replaces the exact one; persist and delete forget it.
  db.setExpire('k', 2_000_000_000_000n);
  assert.equal(db.getExpireExact('k'), 2_000_000_000_000);
  db.setExpire('k', 9223372036854775000n);
  db.persist('k');
  assert.equal(db.getExpireExact('k'), -1);
  db.setExpire('k', 9223372036854775000n);
  db.set('k', 'v2');
  assert.equal(db.getExpireExact('k'), -1, 'SET without KEEPTTL clears an exact expiry too');
  db.setExpire('k', 9223372036854775000n);
  db.delete('k');
  db.set('k', 'v3');
  assert.equal(db.getExpireExact('k'), -1, 'a recreated key does not inherit the old expiry');
  // SWAPDB carries exact expiries along.
  const other = new Keyspace(1, clock);
  db.setExpire('k', 9223372036854775001n);
  db.swapWith(other);
  assert.equal(other.getExpireExact('k'), 9223372036854775001n);
  assert.equal(db.getExpireExact('k'), -2);
});

test('keyspace: maybeShrink releases slot arrays after mass deletion and keeps every key', () => {
  const clock = { now: 1_000_000 };
  const db = new Keyspace(0, clock);
  for (let i = 0; i < 10_000; i++) db.set(`k${i}`, i);
  for (let i = 0; i < 10_000; i += 2) db.setExpire(`k${i}`, clock.now + 10);
  const capacity = () => (db as unknown as { capacity: number }).capacity;
  const bigCapacity = capacity();
  for (let i = 0; i < 9_900; i++) db.delete(`k${i}`);
  db.maybeShrink();
  assert.ok(capacity() < bigCapacity / 10, `capacity ${capacity()} after shrinking from ${bigCapacity}`);
  assert.equal(db.size, 100);
  for (let i = 9_900; i < 10_000; i++) {
    assert.equal(db.lookupRead(`k${i}`), i);
    assert.equal(db.getExpire(`k${i}`), i % 2 === 0 ? clock.now + 10 : -1);
  }
  // Still fully usable afterwards.
  for (let i = 0; i < 1_000; i++) db.set(`n${i}`, i);
  assert.equal(db.size, 1_100);
  clock.now += 11;
  assert.equal(db.activeExpire(Number.POSITIVE_INFINITY) > 0, true);
});
