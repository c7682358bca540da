/**
 * allkeys-tinylfu, Cinder's own maxmemory-policy: the frequency sketch, the admission window, the
 * scores, and on an in-process server which keys go (a scan of keys read once does not push out
 * a warm set, where allkeys-lru lets it), the configuration, OBJECT FREQ / IDLETIME and the
 * memory it counts. Redis has no such policy, so nothing here is differential.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { COUNTER_MAX, FrequencySketch, MAX_COUNTERS, MIN_COUNTERS } from '../../src/engine/frequency-sketch.js';
import { TinyLfu, WINDOW_MAX } from '../../src/engine/tinylfu.js';
import { admissionScore, evictionPolicy, tinylfuScore } from '../../src/engine/evict.js';
import { hashKey, lruClock } from '../../src/engine/keyspace.js';
import { createServer } from '../../src/cinder.js';
import { Config } from '../../src/server/config.js';
import { open, type EmbeddedDb } from '../../src/embedded/index.js';

const REDIS_POLICY_ERROR =
  "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: " +
  'volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction';

describe('frequency sketch', () => {
  it('counts accesses per key, saturating at 15; an unseen key estimates 0', () => {
    const sketch = new FrequencySketch(1000);
    const a = hashKey('a');
    for (let i = 1; i <= 20; i++) {
      sketch.increment(a);
      assert.equal(sketch.estimate(a), Math.min(i, COUNTER_MAX));
    }
    assert.equal(sketch.estimate(hashKey('never')), 0);
  });

  it('never estimates below the true count (before a halving), over many keys', () => {
    const sketch = new FrequencySketch(2000);
    const truth = new Map<number, number>();
    // 2000 keys, key i read i % 7 + 1 times: 8,000 increments, below the 20,000 of a period.
    for (let i = 0; i < 2000; i++) {
      const h = hashKey(`k${i}`);
      for (let n = 0; n <= i % 7; n++) sketch.increment(h);
      truth.set(h, (i % 7) + 1);
    }
    let exact = 0;
    for (const [h, n] of truth) {
      const e = sketch.estimate(h);
      assert.ok(e >= n, `estimate ${e} below ${n}`);
      if (e === n) exact++;
    }
    // Conservative update at 16 counters per key: nearly every estimate is exact.
    assert.ok(exact > 1900, `${exact} exact of 2000`);
  });

  it('halves every counter after its sample of increments (the reset), so old counts fade', () => {
    const sketch = new FrequencySketch(1000);
    assert.equal(sketch.sampleSize, 10_000);
    const hot = hashKey('hot');
    for (let i = 0; i < 12; i++) sketch.increment(hot);
    // Other keys fill the period: one halving.
    for (let i = 0; sketch.resets === 0 && i < 100_000; i++) sketch.increment(hashKey(`filler${i}`));
    assert.equal(sketch.resets, 1);
    assert.equal(sketch.estimate(hot), 6);
    sketch.halve();
    assert.equal(sketch.estimate(hot), 3);
  });

  it('grows with the keys: a doubling keeps every estimate, 4x or more starts empty; sized between its bounds', () => {
    const sketch = new FrequencySketch(100);
    assert.equal(sketch.counters, MIN_COUNTERS);
    assert.equal(sketch.bytes, MIN_COUNTERS / 2);
    const hashes = Array.from({ length: 300 }, (_, i) => hashKey(`key:${i}`));
    hashes.forEach((h, i) => {
      for (let n = 0; n < i % 5; n++) sketch.increment(h);
    });
    const before = hashes.map((h) => sketch.estimate(h));
    // Doublings copy: every estimate is kept.
    assert.equal(sketch.fit(300), MIN_COUNTERS / 2);
    assert.equal(sketch.counters, MIN_COUNTERS * 2);
    assert.deepEqual(
      hashes.map((h) => sketch.estimate(h)),
      before,
    );
    assert.equal(sketch.fit(600), MIN_COUNTERS);
    assert.deepEqual(
      hashes.map((h) => sketch.estimate(h)),
      before,
    );
    // Growing 4x or more at once starts empty.
    const grown = sketch.fit(10_000);
    assert.equal(sketch.counters, 1 << 18);
    assert.equal(grown, (1 << 17) - MIN_COUNTERS * 2);
    assert.equal(sketch.sampleSize, 100_000);
    assert.ok(hashes.every((h) => sketch.estimate(h) === 0));
    // At most one increment per counter in a period, so the counters never all saturate.
    assert.equal(new FrequencySketch(0).sampleSize, (MIN_COUNTERS / 16) * 10);
    assert.equal(new FrequencySketch(1e8).sampleSize, MAX_COUNTERS);
    // Never shrinks; never beyond MAX_COUNTERS.
    assert.equal(sketch.fit(10), 0);
    assert.equal(new FrequencySketch(1e9).counters, MAX_COUNTERS);
  });
});

describe('admission window', () => {
  it('holds the newest 5% of the keys; older ones are due for admission, oldest first', () => {
    const t = new TinyLfu(100);
    assert.equal(t.windowSize, 5);
    for (let i = 0; i < 8; i++) t.created(i % 2, `k${i}`, hashKey(`k${i}`));
    assert.equal(t.waiting, 8);
    const due: string[] = [];
    t.drainDue((dbid, key) => due.push(`${dbid}:${key}`));
    assert.deepEqual(due, ['0:k0', '1:k1', '0:k2']);
    assert.equal(t.waiting, 5);
    // A created key counts as one access.
    assert.equal(t.estimate(hashKey('k7')), 1);
  });

  it('drops the oldest names when nothing drains it, and keeps the newest when resized', () => {
    const t = new TinyLfu(20);
    assert.equal(t.windowSize, 1);
    for (let i = 0; i < 5000; i++) t.created(0, `k${i}`, hashKey(`k${i}`));
    assert.equal(t.waiting, 1 + 1024);
    const bytes = t.bytes;
    assert.ok(t.fit(20_000) > 0);
    assert.equal(t.windowSize, 1000);
    assert.ok(t.bytes > bytes);
    const due: string[] = [];
    t.drainDue((_, key) => due.push(key));
    // The 1025 newest were kept; all but the newest 1000 are due.
    assert.deepEqual(due, range('k', 25).map((_, i) => `k${3975 + i}`));
    assert.equal(new TinyLfu(1e9).windowSize, WINDOW_MAX);
  });
});

describe('allkeys-tinylfu scores', () => {
  it('rank by estimate first (fewer accesses go first), then by idle time', () => {
    // The longest idle time the LRU clock can tell (2^24 s) does not outweigh one access.
    assert.ok(tinylfuScore(1, 0) > tinylfuScore(2, 0xffffff * 1000));
    assert.ok(tinylfuScore(3, 5000) > tinylfuScore(3, 1000));
    assert.equal(evictionPolicy('allkeys-tinylfu').rank, 'tinylfu');
    assert.equal(evictionPolicy('allkeys-tinylfu').allKeys, true);
  });

  it('a key leaving the window loses every tie, and beats no key with a lower estimate', () => {
    const idleMax = 0xffffff * 1000;
    assert.ok(admissionScore(4) > tinylfuScore(4, idleMax));
    assert.ok(admissionScore(4) < tinylfuScore(3, 0));
    assert.ok(admissionScore(5) < tinylfuScore(4, 0));
  });
});

/** An in-process server and a handle on it. */
function serverWith(directives: Record<string, string> = {}) {
  const server = createServer(Config.fromObject(directives));
  const db = open({ server });
  const used = () => server.memory.usedForEviction();
  return { server, db, used };
}

/** Cache-aside reads of `keys`: GET, and SET of a 1000-byte value on a miss. Returns the hits. */
async function cacheAside(db: EmbeddedDb, keys: string[]): Promise<number> {
  let hits = 0;
  for (const key of keys) {
    if ((await db.call('GET', key)) !== null) hits++;
    else await db.call('SET', key, 'x'.repeat(1000));
  }
  return hits;
}

const range = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('allkeys-tinylfu on a server', () => {
  /** A warm set read a few times, the memory limit set to hold it and some more, then a scan. */
  async function warmSetAfterScan(policy: string): Promise<{ warmLeft: number; scanLeft: number; evicted: number }> {
    const { server, db, used } = serverWith({ 'maxmemory-policy': policy });
    try {
      // The commands run once before used memory is read, so their first runs allocate nothing after.
      await cacheAside(db, ['first']);
      await db.call('DEL', 'first');
      await db.call('DBSIZE');
      const warm = range('warm:', 100);
      for (let round = 0; round < 4; round++) await cacheAside(db, warm);
      // Room for about 40 more keys of 1 KB.
      await db.call('CONFIG', 'SET', 'maxmemory', String(used() + 40 * 1100));
      // Time passes between the warm reads and the scan: their LRU clock is 5 s old.
      for (const k of warm) server.dbs[0].setAccessWord(k, lruClock(Date.now() - 5000));
      await cacheAside(db, range('scan:', 400));
      const warmLeft = (warm.map((k) => server.dbs[0].has(k)) as boolean[]).filter(Boolean).length;
      const scanLeft = range('scan:', 400).filter((k) => server.dbs[0].has(k)).length;
      return { warmLeft, scanLeft, evicted: server.stats.evictedKeys };
    } finally {
      db.close();
    }
  }

  it('a scan of keys read once does not push out a warm set (allkeys-lru lets it)', async () => {
    const tiny = await warmSetAfterScan('allkeys-tinylfu');
    assert.ok(tiny.evicted > 300, `tinylfu evicted ${tiny.evicted}`);
    assert.equal(tiny.warmLeft, 100);
    const lru = await warmSetAfterScan('allkeys-lru');
    assert.ok(lru.evicted > 300, `lru evicted ${lru.evicted}`);
    assert.ok(lru.warmLeft < 20, `allkeys-lru kept ${lru.warmLeft} warm keys`);
  });

  it('a key asked for again after its eviction comes back with its history, and stays', async () => {
    const { server, db, used } = serverWith({ 'maxmemory-policy': 'allkeys-tinylfu' });
    try {
      await cacheAside(db, ['first']);
      await db.call('DEL', 'first');
      await cacheAside(db, range('k', 60));
      await db.call('CONFIG', 'SET', 'maxmemory', String(used()));
      // 'back' is missed (and evicted) a few times: each miss counts.
      for (let i = 0; i < 4; i++) {
        await cacheAside(db, ['back']);
        await cacheAside(db, range(`once${i}:`, 5));
      }
      await cacheAside(db, range('once:', 30));
      assert.equal(server.dbs[0].has('back'), true);
    } finally {
      db.close();
    }
  });

  it('keeps used memory under maxmemory as new keys are written', async () => {
    const { server, db, used } = serverWith({ 'maxmemory-policy': 'allkeys-tinylfu' });
    try {
      await cacheAside(db, ['first']);
      await db.call('DEL', 'first');
      const limit = used() + 20_000;
      await db.call('CONFIG', 'SET', 'maxmemory', String(limit));
      for (let i = 0; i < 500; i++) {
        await db.call('SET', `k${i}`, 'x'.repeat(1000));
        assert.ok(used() <= limit + 1100, `${used()} > ${limit}`);
      }
      assert.ok(server.stats.evictedKeys > 450);
    } finally {
      db.close();
    }
  });

  it('CONFIG SET / GET accept it; Redis values and Redis error text are unchanged', async () => {
    const { db } = serverWith();
    try {
      assert.equal(await db.call('CONFIG', 'SET', 'maxmemory-policy', 'ALLKEYS-TINYLFU'), 'OK');
      assert.deepEqual(await db.call('CONFIG', 'GET', 'maxmemory-policy'), new Map([['maxmemory-policy', 'allkeys-tinylfu']]));
      await assert.rejects(db.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-s3fifo'), (e: Error) => e.message === REDIS_POLICY_ERROR);
      assert.equal(await db.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'), 'OK');
      assert.deepEqual(await db.call('CONFIG', 'GET', 'maxmemory-policy'), new Map([['maxmemory-policy', 'allkeys-lfu']]));
    } finally {
      db.close();
    }
    const fromFile = serverWith({ 'maxmemory-policy': 'allkeys-tinylfu' });
    try {
      assert.deepEqual(await fromFile.db.call('CONFIG', 'GET', 'maxmemory-policy'), new Map([['maxmemory-policy', 'allkeys-tinylfu']]));
      assert.ok(fromFile.server.accessTracking.tinylfu);
    } finally {
      fromFile.db.close();
    }
  });

  it('OBJECT FREQ answers the sketch estimate, OBJECT IDLETIME the idle time; other policies as Redis', async () => {
    const { server, db } = serverWith({ 'maxmemory-policy': 'allkeys-tinylfu' });
    try {
      await db.call('SET', 'k', 'v');
      await db.call('GET', 'k');
      await db.call('GET', 'k');
      // The write and two reads; OBJECT itself does not count.
      assert.equal(await db.call('OBJECT', 'FREQ', 'k'), 3);
      assert.equal(await db.call('OBJECT', 'FREQ', 'k'), 3);
      server.dbs[0].setAccessWord('k', lruClock(Date.now() - 3000));
      const idle = (await db.call('OBJECT', 'IDLETIME', 'k')) as number;
      assert.ok(idle >= 2 && idle <= 4, `idle ${idle}`);
      assert.equal(await db.call('OBJECT', 'FREQ', 'missing'), null);
      await db.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
      await assert.rejects(db.call('OBJECT', 'FREQ', 'k'), /An LFU maxmemory policy is not selected/);
    } finally {
      db.close();
    }
  });

  it('counts its sketch and window in used_memory while selected, and gives them back', async () => {
    const { server, db } = serverWith();
    try {
      const overhead = server.memory.counter.overhead;
      await db.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-tinylfu');
      const tinylfu = server.accessTracking.tinylfu!;
      assert.equal(server.memory.counter.overhead - overhead, tinylfu.bytes);
      for (let i = 0; i < 5000; i++) await db.call('SET', `k${i}`, 'v');
      const before = server.memory.counter.overhead;
      const bytesBefore = tinylfu.bytes;
      server.evictor.cron();
      assert.ok(tinylfu.sketch.counters >= 5000 * 16);
      assert.ok(tinylfu.bytes > bytesBefore);
      assert.equal(server.memory.counter.overhead - before, tinylfu.bytes - bytesBefore);
      const withSketch = server.memory.counter.overhead;
      await db.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
      assert.equal(server.accessTracking.tinylfu, null);
      assert.equal(withSketch - server.memory.counter.overhead, tinylfu.bytes);
    } finally {
      db.close();
    }
  });
});
