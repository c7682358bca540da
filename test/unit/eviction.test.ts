/**
 * Eviction's parts on their own: the pool (src/engine/evict.ts) and performEvictions
 * (src/server/evict.ts) on an in-process server, where access words, TTLs and the heap can be set
 * exactly. The behaviours Redis shows are compared with a real redis-server in
 * test/commands/eviction.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EVPOOL_SIZE, EvictionPool, evictionPolicy, sampleSlots } from '../../src/engine/evict.js';
import { Keyspace, lruClock, LFU_INIT_VAL, lfuTimeInMinutes } from '../../src/engine/keyspace.js';
import { EVICT_FAIL, EVICT_OK, EVICT_RUNNING, evictionTimeLimitUs } from '../../src/server/evict.js';
import { ReplicationStream } from '../../src/server/propagate.js';
import { createServer } from '../../src/cinder.js';
import { Config } from '../../src/server/config.js';
import { open, type EmbeddedDb } from '../../src/embedded/index.js';
import type { HeapUsage } from '../../src/server/oom.js';

const OOM = "OOM command not allowed when used memory > 'maxmemory'.";

describe('eviction pool', () => {
  it('keeps candidates ascending by score; a full pool drops its worst, and ignores worse ones', () => {
    const pool = new EvictionPool();
    for (let i = 0; i < EVPOOL_SIZE; i++) pool.insert(`k${i}`, 0, i * 10);
    assert.deepEqual(
      pool.entries().map((e) => e.score),
      Array.from({ length: EVPOOL_SIZE }, (_, i) => i * 10),
    );
    pool.insert('worse', 0, -1);
    assert.equal(pool.entries()[0].key, 'k0');
    pool.insert('mid', 0, 55);
    const keys = pool.entries().map((e) => e.key);
    assert.equal(keys.length, EVPOOL_SIZE);
    assert.equal(keys[0], 'k1');
    assert.equal(keys.indexOf('mid'), 5);
    pool.insert('best', 0, 1000);
    assert.equal(pool.entries().at(-1)!.key, 'best');
  });

  it('of equal scores the first inserted is taken first (Redis inserts equals before)', () => {
    const db = new Keyspace(0, { now: 0 });
    for (const k of ['a', 'b', 'c']) db.set(k, 'v');
    const pool = new EvictionPool();
    pool.insert('a', 0, 7);
    pool.insert('b', 0, 7);
    pool.insert('c', 0, 7);
    const order: string[] = [];
    for (let slot = pool.popBest([db], true); slot >= 0; slot = pool.popBest([db], true)) {
      order.push(db.keyAt(slot));
      db.evictSlot(slot);
    }
    assert.deepEqual(order, ['a', 'b', 'c']);
  });

  it('drops ghosts: deleted keys, and for volatile policies keys that lost their TTL', () => {
    const db = new Keyspace(0, { now: 0 });
    for (const k of ['a', 'c']) db.set(k, 'v');
    db.setExpire('c', 10_000);
    const pool = new EvictionPool();
    pool.insert('c', 0, 1);
    pool.insert('gone', 0, 2);
    pool.insert('a', 0, 3);
    assert.equal(db.keyAt(pool.popBest([db], false)), 'c');
    assert.equal(pool.popBest([db], false), -1);
    assert.deepEqual(pool.entries(), []);
  });

  it('samples every key of a small database, distinct keys of a large one, only TTL keys for volatile', () => {
    const db = new Keyspace(0, { now: 0 });
    for (let i = 0; i < 4; i++) db.set(`k${i}`, 'v');
    const out = new Int32Array(8);
    assert.equal(sampleSlots(db, false, 5, out), 4);
    assert.deepEqual([...out.subarray(0, 4)].sort(), [0, 1, 2, 3]);
    for (let i = 4; i < 12; i++) db.set(`k${i}`, 'v');
    for (let round = 0; round < 50; round++) {
      const n = sampleSlots(db, false, 8, out);
      assert.equal(n, 8);
      assert.equal(new Set(out.subarray(0, n)).size, 8);
    }
    db.setExpire('k3', 1000);
    db.setExpire('k7', 1000);
    const n = sampleSlots(db, true, 5, out);
    assert.deepEqual([...out.subarray(0, n)].map((s) => db.keyAt(s)).sort(), ['k3', 'k7']);
  });

  it('scores by policy: idle time, 255 minus the counter, expiry (sooner first)', () => {
    const now = 1_700_000_000_000;
    const db = new Keyspace(0, { now });
    db.set('old', 'v');
    db.set('new', 'v');
    db.setAccessWord('old', lruClock(now - 50_000));
    db.setAccessWord('new', lruClock(now - 1_000));
    const pool = new EvictionPool();
    pool.populate(db, evictionPolicy('allkeys-lru'), 5);
    assert.deepEqual(
      pool.entries().map((e) => [e.key, e.score]),
      [
        ['new', 1000],
        ['old', 50000],
      ],
    );
    const lfu = new Keyspace(0, { now }, { lfu: true, lfuLogFactor: 10, lfuDecayTime: 0 });
    lfu.set('hot', 'v');
    lfu.set('cold', 'v');
    lfu.setAccessWord('hot', (lfuTimeInMinutes(now) << 8) | 200);
    const lfuPool = new EvictionPool();
    lfuPool.populate(lfu, evictionPolicy('allkeys-lfu'), 5);
    assert.deepEqual(
      lfuPool.entries().map((e) => [e.key, e.score]),
      [
        ['hot', 55],
        ['cold', 255 - LFU_INIT_VAL],
      ],
    );
    const ttl = new Keyspace(0, { now });
    for (const [k, at] of [
      ['late', now + 90_000],
      ['soon', now + 1_000],
    ] as const) {
      ttl.set(k, 'v');
      ttl.setExpire(k, at);
    }
    ttl.set('none', 'v');
    const ttlPool = new EvictionPool();
    ttlPool.populate(ttl, evictionPolicy('volatile-ttl'), 5);
    assert.deepEqual(
      ttlPool.entries().map((e) => e.key),
      ['late', 'soon'],
    );
  });
});

describe('maxmemory-eviction-tenacity', () => {
  it('is 50 us per step up to 10, then 15% more per step, unlimited at 100 (evictionTimeLimitUs)', () => {
    assert.equal(evictionTimeLimitUs(0), 0);
    assert.equal(evictionTimeLimitUs(1), 50);
    assert.equal(evictionTimeLimitUs(10), 500);
    assert.equal(evictionTimeLimitUs(11), 575);
    assert.equal(evictionTimeLimitUs(20), Math.trunc(500 * 1.15 ** 10));
    assert.equal(evictionTimeLimitUs(99), Math.trunc(500 * 1.15 ** 89));
    assert.equal(evictionTimeLimitUs(100), Infinity);
  });
});

/** An in-process server and a handle on it, its log kept. */
function serverWith(directives: Record<string, string> = {}) {
  const config = Config.fromObject(directives);
  const server = createServer(config);
  const lines: string[] = [];
  server.log.sink = (line) => lines.push(line);
  const db = open({ server });
  const used = () => server.memory.usedForEviction();
  return { server, db, lines, used };
}

/**
 * Runs once each command the tests use, so their first runs allocate nothing after used memory
 * is read (INFO's latency histogram of a command costs 12.5 KB, more than a test's keys).
 */
async function warm(db: EmbeddedDb): Promise<void> {
  for (const argv of [
    ['CONFIG', 'SET', 'maxmemory', '0'],
    ['SET', 'warm', 'v'],
    ['SET', 'warm', 'v', 'PX', '100000'],
    ['GET', 'warm'],
    ['DEL', 'warm'],
    ['KEYS', 'warm'],
    ['DBSIZE'],
    ['INFO', 'stats'],
    ['PING'],
  ]) {
    await db.call(argv[0], ...argv.slice(1));
  }
}

async function fill(db: EmbeddedDb, prefix: string, n: number, size = 1000, ttlMs?: (i: number) => number): Promise<void> {
  for (let i = 0; i < n; i++) {
    if (ttlMs === undefined) await db.call('SET', `${prefix}${i}`, 'x'.repeat(size));
    else await db.call('SET', `${prefix}${i}`, 'x'.repeat(size), 'PX', ttlMs(i));
  }
}

/** Waits until the background eviction task has stopped (it runs once per event loop turn). */
async function settled(server: { evictor: { backgroundRunning: boolean } }): Promise<void> {
  for (let i = 0; i < 100_000 && server.evictor.backgroundRunning; i++) await new Promise((r) => setImmediate(r));
  assert.equal(server.evictor.backgroundRunning, false);
}

async function keys(db: EmbeddedDb, pattern = '*'): Promise<string[]> {
  return ((await db.call('KEYS', pattern)) as string[]).sort();
}

async function rejects(p: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(p, (e: Error) => e.message === message);
}

describe('performEvictions', () => {
  it('keeps used memory under maxmemory as keys are written (allkeys-lru, allkeys-lfu, allkeys-random)', async () => {
    for (const policy of ['allkeys-lru', 'allkeys-lfu', 'allkeys-random']) {
      const { server, db, used } = serverWith({ 'maxmemory-policy': policy });
      try {
        await warm(db);
        await fill(db, 'warm:', 10);
        const limit = used() + 20_000;
        await db.call('CONFIG', 'SET', 'maxmemory', String(limit));
        for (let i = 0; i < 500; i++) {
          await db.call('SET', `k${i}`, 'x'.repeat(1000));
          // Before each command memory is brought under the limit; the command then adds its key.
          assert.ok(used() <= limit + 1100, `${policy}: ${used()} > ${limit}`);
        }
        assert.ok(server.stats.evictedKeys > 450, policy);
        assert.ok((await db.call('DBSIZE')) as number < 40, policy);
      } finally {
        db.close();
      }
    }
  });

  it('allkeys-lru evicts the idlest keys first', async () => {
    const { server, db, used } = serverWith({ 'maxmemory-policy': 'allkeys-lru', 'maxmemory-samples': '64' });
    try {
      await warm(db);
      await fill(db, 'cold:', 20);
      await fill(db, 'hot:', 20);
      const ks = server.dbs[0];
      const now = Date.now();
      for (let i = 0; i < 20; i++) ks.setAccessWord(`cold:${i}`, lruClock(now - 100_000 - i * 1000));
      await db.call('CONFIG', 'SET', 'maxmemory', String(used() + 1000));
      await fill(db, 'new:', 10);
      const left = await keys(db, 'cold:*');
      assert.ok(left.length < 20 && left.length > 0);
      // The idlest (highest numbers) went first.
      const gone = Array.from({ length: 20 }, (_, i) => `cold:${i}`).filter((k) => !left.includes(k));
      assert.ok(Math.min(...gone.map((k) => Number(k.slice(5)))) > Math.max(...left.map((k) => Number(k.slice(5)))));
      assert.equal((await keys(db, 'hot:*')).length, 20);
    } finally {
      db.close();
    }
  });

  it('volatile-* never evict a key without TTL, and answer OOM when no key has one', async () => {
    for (const policy of ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl']) {
      const { db, used } = serverWith({ 'maxmemory-policy': policy });
      try {
        await warm(db);
        await fill(db, 'plain:', 20);
        await fill(db, 'ttl:', 20, 200, (i) => 100_000 + i * 1000);
        await db.call('CONFIG', 'SET', 'maxmemory', String(used() - 2000));
        assert.equal((await keys(db, 'plain:*')).length, 20, policy);
        assert.ok((await keys(db, 'ttl:*')).length < 20, policy);
        await db.call('CONFIG', 'SET', 'maxmemory', '1');
        await rejects(db.call('SET', 'x', 'y'), OOM);
        assert.deepEqual(await keys(db, 'ttl:*'), [], policy);
        assert.equal((await keys(db, 'plain:*')).length, 20, policy);
        assert.equal(await db.call('GET', 'plain:0'), 'x'.repeat(1000));
        assert.equal(await db.call('DEL', 'plain:0'), 1);
      } finally {
        db.close();
      }
    }
  });

  it('volatile-ttl evicts the nearest expiry first', async () => {
    const { db, used } = serverWith({ 'maxmemory-policy': 'volatile-ttl', 'maxmemory-samples': '64' });
    try {
      await warm(db);
      await fill(db, 'ttl:', 30, 200, (i) => 1_000_000 - i * 10_000);
      await db.call('CONFIG', 'SET', 'maxmemory', String(used() - 2000));
      const left = (await keys(db)).map((k) => Number(k.slice(4)));
      const gone = Array.from({ length: 30 }, (_, i) => i).filter((i) => !left.includes(i));
      assert.ok(gone.length > 0 && left.length > 0);
      // Higher numbers expire sooner.
      assert.ok(Math.min(...gone) > Math.max(...left));
    } finally {
      db.close();
    }
  });

  it('allkeys-lfu keeps the frequently used keys', async () => {
    const { db, used } = serverWith({ 'maxmemory-policy': 'allkeys-lfu', 'lfu-log-factor': '0', 'maxmemory-samples': '64' });
    try {
      await warm(db);
      await fill(db, 'once:', 20);
      await fill(db, 'often:', 10);
      for (let round = 0; round < 5; round++) for (let i = 0; i < 10; i++) await db.call('GET', `often:${i}`);
      await db.call('CONFIG', 'SET', 'maxmemory', String(used() + 500));
      await fill(db, 'new:', 15);
      assert.equal((await keys(db, 'often:*')).length, 10);
      assert.ok((await keys(db, 'once:*')).length < 20);
    } finally {
      db.close();
    }
  });

  it('noeviction refuses commands that may add memory; reads and deletes go on', async () => {
    const { db, server } = serverWith();
    try {
      await warm(db);
      await fill(db, 'k', 5);
      await db.call('CONFIG', 'SET', 'maxmemory', '1');
      await rejects(db.call('SET', 'x', 'y'), OOM);
      assert.equal(await db.call('GET', 'k0'), 'x'.repeat(1000));
      assert.equal(await db.call('DEL', 'k0'), 1);
      assert.equal(await db.call('DBSIZE'), 4);
      assert.equal(server.stats.evictedKeys, 0);
      await db.call('CONFIG', 'SET', 'maxmemory', '0');
      assert.equal(await db.call('SET', 'x', 'y'), 'OK');
    } finally {
      db.close();
    }
  });

  it('propagates each eviction as DEL (UNLINK with lazyfree-lazy-eviction), before the command, never wrapped', async () => {
    for (const lazy of ['no', 'yes']) {
      const { server, db } = serverWith({ 'maxmemory-policy': 'volatile-ttl', 'lazyfree-lazy-eviction': lazy });
      const stream = new ReplicationStream();
      try {
        await fill(db, 'ttl:', 3, 10, (i) => 100_000 - i * 1000);
        await db.call('SET', 'plain', 'v');
        server.propagation.addTarget(stream);
        // noeviction while maxmemory goes down, so the next command's gate is what evicts.
        await db.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction', 'maxmemory', '1');
        await db.call('CONFIG', 'SET', 'maxmemory-policy', 'volatile-ttl');
        assert.equal(await db.call('DEL', 'plain'), 1);
        const del = lazy === 'yes' ? 'UNLINK' : 'DEL';
        assert.deepEqual(stream.commands, [['SELECT', '0'], [del, 'ttl:2'], [del, 'ttl:1'], [del, 'ttl:0'], ['DEL', 'plain']]);
      } finally {
        db.close();
      }
    }
  });

  it('evicted keys: the evicted event, evicted_keys, WATCH sees them changed; dirty does not move', async () => {
    const { server, db } = serverWith({ 'maxmemory-policy': 'allkeys-random', 'notify-keyspace-events': 'Ee' });
    const watcher = open({ server });
    const events: string[] = [];
    const sub = open({ server, onPush: (msg) => events.push(String((msg as unknown[])[2])) });
    try {
      await fill(db, 'k', 3);
      await watcher.call('WATCH', 'k1');
      await sub.call('SUBSCRIBE', '__keyevent@0__:evicted');
      const dirty = server.dirty;
      await db.call('CONFIG', 'SET', 'maxmemory', '1');
      assert.equal(server.dirty, dirty);
      assert.equal(server.stats.evictedKeys, 3);
      assert.equal(await db.call('DBSIZE'), 0);
      await db.call('CONFIG', 'SET', 'maxmemory', '0');
      await watcher.call('MULTI');
      await watcher.call('PING');
      assert.equal(await watcher.call('EXEC'), null);
      const info = (await db.call('INFO', 'stats')) as string;
      assert.match(info, /\r\nevicted_keys:3\r\n/);
      await sub.call('PING');
      assert.deepEqual(events.sort(), ['k0', 'k1', 'k2']);
    } finally {
      sub.close();
      watcher.close();
      db.close();
    }
  });

  it('past maxmemory-eviction-tenacity the rest is evicted in the background while commands run', async () => {
    const { server, db, used } = serverWith({ 'maxmemory-policy': 'allkeys-random', 'maxmemory-eviction-tenacity': '0' });
    try {
      await warm(db);
      await fill(db, 'k', 2000, 100);
      const limit = used() - 200_000;
      await db.call('CONFIG', 'SET', 'maxmemory', String(limit));
      // Tenacity 0 stops after 16 keys and hands over; commands are let through meanwhile.
      assert.equal(server.evictor.backgroundRunning, true);
      // The task keeps the event loop awake (an unref'd immediate would only run when something
      // else woke the loop: an idle server then evicted about 15,000 keys a second).
      assert.equal((server.evictor as unknown as { procHandle: NodeJS.Immediate }).procHandle.hasRef(), true);
      assert.equal(server.evictor.performEvictions(), EVICT_RUNNING);
      assert.equal(await db.call('SET', 'more', 'v'), 'OK');
      await settled(server);
      assert.ok(used() <= limit);
      assert.equal(server.evictor.performEvictions(), EVICT_OK);
      const info = (await db.call('INFO', 'stats')) as string;
      assert.match(info, /\r\ncurrent_eviction_exceeded_time:0\r\n/);
      assert.match(info, /\r\ntotal_eviction_exceeded_time:\d+\r\n/);
    } finally {
      db.close();
    }
  });

  it('a keyspace emptied by eviction shrinks its arrays at once, so the keys that fit stay', async () => {
    const { server, db, used } = serverWith({ 'maxmemory-policy': 'allkeys-lru' });
    try {
      await warm(db);
      await fill(db, 'k', 100_000, 10);
      const limit = 2 * 1024 * 1024;
      // No cron tick may shrink them in the meantime.
      server.stopCron();
      await db.call('CONFIG', 'SET', 'maxmemory', String(limit));
      await settled(server);
      // The slot arrays of 100,000 keys alone cost about 4 MB: had they waited for the cron, every
      // key would have gone.
      assert.ok(used() <= limit);
      const left = (await db.call('DBSIZE')) as number;
      assert.ok(left > 1000, `${left} keys left`);
    } finally {
      db.close();
    }
  });

  it('does not evict while clients are paused', async () => {
    const { server, db } = serverWith({ 'maxmemory-policy': 'allkeys-random' });
    try {
      await warm(db);
      await fill(db, 'k', 5);
      await db.call('CLIENT', 'PAUSE', '100000', 'WRITE');
      await db.call('CONFIG', 'SET', 'maxmemory', '1');
      assert.equal(server.evictor.performEvictions(), EVICT_OK);
      assert.equal(await db.call('DBSIZE'), 5);
      await db.call('CLIENT', 'UNPAUSE');
      assert.equal(server.evictor.performEvictions(), EVICT_FAIL);
      assert.equal(await db.call('DBSIZE'), 0);
    } finally {
      db.close();
    }
  });

  it('warns when CONFIG SET puts maxmemory below used memory, as Redis does', async () => {
    const { db, lines } = serverWith();
    try {
      await warm(db);
      await db.call('CONFIG', 'SET', 'maxmemory', '1');
      assert.ok(lines.some((l) => /WARNING: the new maxmemory value set via CONFIG SET \(1\) is smaller than the current memory usage \(\d+\)\. This will result in key eviction and\/or the inability to accept new write commands depending on the maxmemory-policy\./.test(l)));
    } finally {
      db.close();
    }
  });
});

describe('a full V8 heap under an eviction policy', () => {
  /** A server whose memory guard reads a simulated heap (see test/unit/heap.test.ts). */
  function simulated(policy: string) {
    const s = serverWith({ 'maxmemory-policy': policy });
    // The test drives the guard alone: no cron samples and no real V8 collections reported into
    // the simulated heap (another test file's garbage in this process made the cap's steps differ).
    s.server.stopCron();
    const guard = s.server.memoryGuard;
    const heap: HeapUsage = { used: 10, limit: 100, external: 0 };
    let liveAfterCollect = 10;
    guard.readHeap = () => ({ ...heap });
    guard.collect = () => {
      heap.used = liveAfterCollect;
    };
    guard.collectSpacingMs = 0;
    guard.processBudget = 1000;
    return { ...s, heap, setLive: (v: number) => (liveAfterCollect = v) };
  }

  it('evicts down to what the heap holds instead of refusing writes, even with maxmemory 0', async () => {
    const s = simulated('allkeys-lru');
    try {
      await warm(s.db);
      // A dataset larger than the server's fixed part (used_memory_startup: this process's heap).
      await fill(s.db, 'k', 2500, 5000);
      const usedWhenFull = s.used();
      s.heap.used = 90;
      s.setLive(80);
      s.server.memoryGuard.check();
      assert.equal(s.server.memoryGuard.heapFull, true);
      // Used memory must come down to 0.55 / 0.8 of what it was.
      const cap = s.server.evictor.heapCap;
      assert.ok(Math.abs(cap - (usedWhenFull * 0.55) / 0.8) < 2, `${cap} ${usedWhenFull}`);
      assert.match(s.lines.join('\n'), /Keys are evicted by maxmemory-policy allkeys-lru down to \d+ MB of used memory \(maxmemory is 0\) instead of refusing writes/);
      // What is evicted leaves the heap (the next collection shows it).
      s.setLive(50);
      assert.equal(await s.db.call('SET', 'new', 'v'), 'OK');
      await settled(s.server);
      assert.ok(s.used() <= cap, `${s.used()} > ${cap}`);
      assert.ok(s.server.stats.evictedKeys > 0);
      assert.ok(((await s.db.call('DBSIZE')) as number) > 0);
      // V8 shows room after the evictions: the guard lets go, the cap stays.
      s.server.memoryGuard.check();
      assert.equal(s.server.memoryGuard.heapFull, false);
      assert.equal(s.server.evictor.heapCap, cap);
      assert.equal(await s.db.call('SET', 'new2', 'v'), 'OK');
      // Changing the policy (or maxmemory) forgets it.
      await s.db.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu');
      assert.equal(s.server.evictor.heapCap, 0);
      assert.equal(s.server.evictor.limit, 0);
    } finally {
      s.db.close();
    }
  });

  it('while the heap stays full the cap comes down again, until nothing is left to evict', async () => {
    const s = simulated('allkeys-random');
    try {
      await warm(s.db);
      await fill(s.db, 'k', 4000, 5000);
      s.heap.used = 90;
      s.setLive(80);
      s.server.memoryGuard.check();
      const first = s.server.evictor.heapCap;
      // Every collection after evicting still shows 80% live: once two in a row found used memory
      // at the cap, the cap goes lower.
      for (let i = 0; i < 200 && (await s.db.call('DBSIZE')) !== 0; i++) {
        await s.db.call('DEL', 'nothing');
        s.server.dirty++;
        await settled(s.server);
        s.server.memoryGuard.check();
      }
      assert.ok(s.server.evictor.heapCap < first);
      assert.equal(await s.db.call('DBSIZE'), 0);
      await rejects(s.db.call('SET', 'new', 'v'), OOM);
    } finally {
      s.db.close();
    }
  });

  it('under noeviction a full heap still refuses writes', async () => {
    const s = simulated('noeviction');
    try {
      await warm(s.db);
      await fill(s.db, 'k', 20);
      s.heap.used = 90;
      s.setLive(90);
      s.server.memoryGuard.check();
      assert.equal(s.server.evictor.heapCap, 0);
      await rejects(s.db.call('SET', 'new', 'v'), OOM);
      assert.equal(await s.db.call('DBSIZE'), 20);
    } finally {
      s.db.close();
    }
  });
});
