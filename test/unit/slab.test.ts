/**
 * The slab allocator of mid-sized string values (src/engine/slab.ts) and how the keyspace owns its
 * chunks: a chunk is freed only when no key holds its value and no command is running, and its
 * space is reused by the next value of its size class.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SlabString, SLAB_MAX_LEN, SLAB_MIN_LEN, purgeSlabs, reclaimSlabs, slabChunkBytes, slabStats } from '../../src/engine/slab.js';
import { toStoredString } from '../../src/engine/types/string.js';
import { ByteString } from '../../src/engine/values.js';
import { open } from '../../src/embedded/index.js';
import { RdbSnapshot, type SnapshotOptions } from '../../src/persistence/snapshot.js';
import { readRdbFile } from '../../src/persistence/rdb/file.js';

const value = (len: number, seed = 0): string => {
  let s = '';
  for (let i = 0; i < len; i++) s += String.fromCharCode((i * 31 + seed) & 255);
  return s;
};

test('size classes: every 16 bytes up to 1 KB, then 8 per doubling, the 4-byte header included', () => {
  assert.equal(slabChunkBytes(SLAB_MIN_LEN), 272);
  assert.equal(slabChunkBytes(1000), 1008);
  assert.equal(slabChunkBytes(1020), 1024);
  assert.equal(slabChunkBytes(1021), 1152);
  assert.equal(slabChunkBytes(2000), 2048);
  assert.equal(slabChunkBytes(2045), 2304);
  assert.equal(slabChunkBytes(SLAB_MAX_LEN), 16 * 1024);
  for (let len = SLAB_MIN_LEN; len <= SLAB_MAX_LEN; len += 7) {
    const c = slabChunkBytes(len);
    assert.ok(c >= len + 4 && c <= Math.max(len + 4 + 15, (len + 4) * 1.125), `${len} → ${c}`);
  }
});

test('the stored form of a string argument by length', () => {
  assert.equal(typeof toStoredString(value(SLAB_MIN_LEN - 1)), 'string');
  assert.ok(toStoredString(value(SLAB_MIN_LEN)) instanceof SlabString);
  assert.ok(toStoredString(value(SLAB_MAX_LEN)) instanceof SlabString);
  assert.ok(toStoredString(value(SLAB_MAX_LEN + 1)) instanceof ByteString);
  reclaimSlabs();
});

test('a value reads back its bytes, all 256 byte values included', () => {
  for (const len of [SLAB_MIN_LEN, 300, 1000, 4097, SLAB_MAX_LEN]) {
    const s = value(len, len);
    const v = SlabString.fromLatin1(s);
    assert.equal(v.len, len);
    assert.equal(v.toString(), s);
    assert.equal(v.bytes.latin1Slice(v.start, v.start + v.len), s);
    const copy = SlabString.fromBytes(v.bytes, v.start, v.len);
    assert.equal(copy.toString(), s);
    assert.notEqual(copy.addr, v.addr);
  }
  reclaimSlabs();
});

test('an unreferenced chunk is freed at reclaim and its space reused; a held one is not', () => {
  reclaimSlabs();
  const before = slabStats().chunkBytes;
  const held = SlabString.fromLatin1(value(500, 1));
  held.retain();
  const dropped = SlabString.fromLatin1(value(500, 2));
  assert.equal(slabStats().chunkBytes, before + 2 * slabChunkBytes(500));
  reclaimSlabs();
  assert.equal(slabStats().chunkBytes, before + slabChunkBytes(500));
  assert.equal(held.toString(), value(500, 1));
  // The next chunk of the class takes the freed one.
  const next = SlabString.fromLatin1(value(500, 3));
  assert.equal(next.addr, dropped.addr);
  next.retain();
  // A move: stored in its new place before the old one lets go, it survives the reclaim.
  held.retain();
  held.release();
  reclaimSlabs();
  assert.equal(held.refs, 1);
  assert.equal(held.toString(), value(500, 1));
  // Released, stored again and released before one reclaim: freed once.
  held.release();
  held.retain();
  held.release();
  next.release();
  reclaimSlabs();
  assert.equal(slabStats().chunkBytes, before);
});

test('pages whose chunks are all free go back to the pool for any class', () => {
  reclaimSlabs();
  const start = slabStats();
  const many: SlabString[] = [];
  // Several pages of 8 KB chunks.
  for (let i = 0; i < 200; i++) {
    const v = SlabString.fromLatin1(value(8000, i));
    v.retain();
    many.push(v);
  }
  assert.ok(slabStats().pages > start.pages + 5);
  for (let i = 0; i < many.length; i++) assert.equal(many[i].len, 8000);
  for (const v of many) v.release();
  reclaimSlabs();
  const end = slabStats();
  assert.equal(end.pages, start.pages);
  assert.equal(end.chunkBytes, start.chunkBytes);
  assert.ok(end.emptyPages > 0 && end.emptyPages <= 16);
  // MEMORY PURGE drops the reserve; new pages are made as needed.
  open().callSync('MEMORY', 'PURGE');
  assert.equal(slabStats().emptyPages, 0);
  purgeSlabs();
  const again = SlabString.fromLatin1(value(8000, 1));
  assert.equal(again.toString(), value(8000, 1));
  reclaimSlabs();
  assert.equal(slabStats().chunkBytes, start.chunkBytes);
});

test('a chunk released twice before a reclaim is freed once, even when its page is dropped', () => {
  reclaimSlabs();
  purgeSlabs();
  const base = slabStats();
  // 18 pages of 16 KB chunks (16 a page); 17 of them emptied: 16 kept in reserve, one dropped.
  const held: SlabString[] = [];
  for (let i = 0; i < 18 * 16; i++) {
    const v = SlabString.fromLatin1(value(SLAB_MAX_LEN, i));
    v.retain();
    held.push(v);
  }
  reclaimSlabs();
  for (let i = 0; i < 17 * 16; i++) held[i].release();
  reclaimSlabs();
  assert.equal(slabStats().emptyPages, 16);
  // The last page: all but one chunk go; the last one is released, stored again, released.
  const last = held.slice(17 * 16);
  for (let i = 1; i < last.length; i++) last[i].release();
  reclaimSlabs();
  last[0].release();
  last[0].retain();
  last[0].release();
  reclaimSlabs();
  assert.equal(slabStats().chunkBytes, base.chunkBytes);
  assert.equal(slabStats().pages, base.pages);
  purgeSlabs();
});

test('the keyspace frees a value when its key is deleted, overwritten, expired, flushed or evicted, never when it moves', () => {
  reclaimSlabs();
  const base = slabStats().chunkBytes;
  const db = open({ config: { databases: 4 } });
  const big = value(1000, 7);
  const chunk = slabChunkBytes(1000);
  db.callSync('SET', 'a', big);
  db.callSync('SET', 'b', big);
  assert.equal(slabStats().chunkBytes, base + 2 * chunk);
  db.callSync('SET', 'a', value(1000, 8));
  assert.equal(slabStats().chunkBytes, base + 2 * chunk);
  db.callSync('RENAME', 'a', 'c');
  db.callSync('MOVE', 'c', '1');
  db.callSync('SWAPDB', '0', '1');
  assert.equal(slabStats().chunkBytes, base + 2 * chunk);
  assert.equal(db.callSync('GET', 'c'), value(1000, 8));
  db.callSync('COPY', 'c', 'd');
  assert.equal(slabStats().chunkBytes, base + 3 * chunk);
  assert.equal(db.callSync('GETDEL', 'd'), value(1000, 8));
  assert.equal(slabStats().chunkBytes, base + 2 * chunk);
  db.callSync('APPEND', 'c', 'x');
  assert.equal(slabStats().chunkBytes, base + chunk);
  db.callSync('SELECT', '1');
  assert.equal(db.callSync('SET', 'b', 'small', 'GET'), big);
  assert.equal(slabStats().chunkBytes, base);
  db.callSync('MSET', 'e', big, 'f', big);
  db.callSync('FLUSHALL');
  assert.equal(slabStats().chunkBytes, base);
  db.callSync('SET', 'g', big, 'PX', '1');
  const until = Date.now() + 20;
  while (Date.now() < until);
  assert.equal(db.callSync('GET', 'g'), null);
  assert.equal(slabStats().chunkBytes, base);
  db.callSync('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
  for (let i = 0; i < 50; i++) db.callSync('SET', `h${i}`, big);
  const used = Number(/used_memory:(\d+)/.exec(String(db.callSync('INFO', 'memory')))![1]);
  db.callSync('CONFIG', 'SET', 'maxmemory', String(used - 20 * 1100));
  db.callSync('SET', 'last', big);
  // Every command evicts while over the limit: lift it before counting.
  db.callSync('CONFIG', 'SET', 'maxmemory', '0');
  const left = Number(db.callSync('DBSIZE'));
  assert.ok(left < 50 && Number(/evicted_keys:(\d+)/.exec(String(db.callSync('INFO', 'stats')))![1]) > 0);
  assert.equal(slabStats().chunkBytes, base + left * chunk);
  db.callSync('FLUSHALL');
  assert.equal(slabStats().chunkBytes, base);
  db.close();
});

test('values flushed while a snapshot walks them stay readable until it is done', () => {
  reclaimSlabs();
  const base = slabStats().chunkBytes;
  const db = open();
  for (let i = 0; i < 100; i++) db.callSync('SET', `k${i}`, value(600, i));
  const chunks: Buffer[] = [];
  const opts: SnapshotOptions = { compression: false, checksum: true, listFill: -2, access: 'none' };
  const snap = new RdbSnapshot(db.server.dbs, opts, (c) => chunks.push(Buffer.from(c)), [['redis-ver', '7.0.15']], []);
  snap.step(Infinity, 10);
  db.callSync('FLUSHALL');
  // New values of the same class must not take the flushed values' chunks while the walk goes on.
  for (let i = 0; i < 100; i++) db.callSync('SET', `n${i}`, value(600, 1000 + i));
  while (!snap.step(Infinity, 10));
  const saved = new Map<string, string>();
  readRdbFile(Buffer.concat(chunks), db.server.persistence.loadLimits(), {
    key(_db, key, v) {
      saved.set(key, String(v instanceof SlabString || v instanceof ByteString ? v.toString() : v));
    },
  });
  assert.equal(saved.size, 100);
  for (let i = 0; i < 100; i++) assert.equal(saved.get(`k${i}`), value(600, i));
  // The walk is over: the next reclaim (the end of any command) frees the flushed values.
  db.callSync('PING');
  assert.equal(slabStats().chunkBytes - base, 100 * slabChunkBytes(600));
  db.callSync('FLUSHALL');
  reclaimSlabs();
  assert.equal(slabStats().chunkBytes, base);
  db.close();
});

test('closing an embedded server gives its values back', () => {
  reclaimSlabs();
  const base = slabStats().chunkBytes;
  const db = open({ config: { databases: 2 } });
  db.callSync('MSET', 'a', value(700, 1), 'b', value(3000, 2));
  db.callSync('SELECT', '1');
  db.callSync('SET', 'c', value(16000, 3));
  assert.equal(slabStats().chunkBytes, base + slabChunkBytes(700) + slabChunkBytes(3000) + slabChunkBytes(16000));
  db.close();
  assert.equal(slabStats().chunkBytes, base);
});

test('random allocations, moves and releases keep every live value intact (model test)', () => {
  reclaimSlabs();
  const base = slabStats().chunkBytes;
  // A seeded PRNG (mulberry32): a failure replays.
  let seed = 20261207;
  const random = (): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const sizes = [SLAB_MIN_LEN, 300, 1000, 1008, 1020, 1021, 2000, 5000, 9000, SLAB_MAX_LEN];
  const live: { v: SlabString; text: string }[] = [];
  let expected = 0;
  for (let step = 0; step < 20_000; step++) {
    const r = random();
    if (r < 0.45 || live.length === 0) {
      const len = random() < 0.5 ? sizes[Math.floor(random() * sizes.length)] : SLAB_MIN_LEN + Math.floor(random() * (SLAB_MAX_LEN - SLAB_MIN_LEN + 1));
      const text = value(len, step);
      const v = SlabString.fromLatin1(text);
      if (random() < 0.9) {
        v.retain();
        live.push({ v, text });
        expected += slabChunkBytes(len);
      }
    } else if (r < 0.85) {
      const i = Math.floor(random() * live.length);
      const { v } = live[i];
      if (random() < 0.2) {
        // A move: stored in its new place, then let go by the old one.
        v.retain();
      } else {
        live[i] = live[live.length - 1];
        live.pop();
        expected -= slabChunkBytes(v.len);
      }
      v.release();
    } else {
      const i = Math.floor(random() * live.length);
      const { v, text } = live[i];
      const copy = SlabString.fromBytes(v.bytes, v.start, v.len);
      copy.retain();
      live.push({ v: copy, text });
      expected += slabChunkBytes(text.length);
    }
    if (random() < 0.3) reclaimSlabs();
    if (step % 1000 === 999) {
      reclaimSlabs();
      assert.equal(slabStats().chunkBytes - base, expected, `step ${step}`);
      for (const { v, text } of live) assert.equal(v.toString(), text, `step ${step}: a live value changed`);
    }
  }
  for (const { v } of live) {
    while (v.refs > 0) v.release();
  }
  reclaimSlabs();
  assert.equal(slabStats().chunkBytes, base);
});
