/**
 * The toolkit's near cache over client-side caching, on the embedded engine, cinder-server and
 * redis-server: hits without a round trip, invalidation by other clients' writes, flushes, an LRU
 * bound, and no stale value kept across a lost connection.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { open, startServer, type RunningServer, type EmbeddedDb } from '../../src/embedded/index.js';
import { NearCache } from '../../src/toolkit/near-cache.js';
import { redisServerAvailable, startRealRedis, type RealRedis } from '../helpers/differential.js';

interface Side {
  name: string;
  /** The near cache's own client, and another client that writes. */
  make(): Promise<{ cache: NearCache; writer: { call(...a: string[]): Promise<unknown> }; admin: { call(...a: string[]): Promise<unknown> }; close(): void }>;
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('toolkit: near cache', () => {
  let cinder: RunningServer;
  let redis: RealRedis | null = null;
  let engine: EmbeddedDb;
  const sides: Side[] = [];
  before(async () => {
    engine = open();
    cinder = await startServer({ port: 0 });
    if (redisServerAvailable) redis = await startRealRedis();
    sides.push({
      name: 'embedded',
      async make() {
        const mine = open({ server: engine.server });
        const writer = open({ server: engine.server });
        const cache = await NearCache.create(mine);
        return { cache, writer: { call: (...a) => writer.call(a[0], ...a.slice(1)) }, admin: { call: (...a) => writer.call(a[0], ...a.slice(1)) }, close: () => cache.close() };
      },
    });
    const viaIoredis = (name: string, port: number): Side => ({
      name,
      async make() {
        const data = new Redis({ port, host: '127.0.0.1' });
        const writer = new Redis({ port, host: '127.0.0.1' });
        const cache = await NearCache.create(data);
        return {
          cache,
          writer: { call: (...a) => writer.call(a[0], ...a.slice(1)) },
          admin: { call: (...a) => writer.call(a[0], ...a.slice(1)) },
          close: () => {
            cache.close();
            data.disconnect();
            writer.disconnect();
          },
        };
      },
    });
    sides.push(viaIoredis('cinder-server', cinder.port));
    if (redis !== null) sides.push(viaIoredis('redis-server', redis.port));
  });
  after(async () => {
    engine?.close();
    await cinder?.close();
    await redis?.stop();
  });

  const each = (name: string, body: (s: Awaited<ReturnType<Side['make']>>, side: string) => Promise<void>) => {
    it(name, async () => {
      assert.ok(sides.length >= 2);
      for (const side of sides) {
        const s = await side.make();
        try {
          await s.writer.call('FLUSHALL');
          await body(s, side.name);
        } catch (e) {
          (e as Error).message = `[${side.name}] ${(e as Error).message}`;
          throw e;
        } finally {
          s.close();
        }
      }
    });
  };

  each('hits after the first read; another client\'s write invalidates; a flush drops everything', async ({ cache, writer }) => {
    await writer.call('SET', 'a', '1');
    assert.equal(await cache.get('a'), '1');
    assert.equal(await cache.get('a'), '1');
    assert.equal(await cache.get('missing'), null);
    assert.equal(await cache.get('missing'), null);
    assert.equal(cache.stats.hits, 2);
    assert.equal(cache.stats.misses, 2);
    const seen = cache.stats.invalidations;
    await writer.call('SET', 'a', '2');
    await until('the invalidation of a', () => cache.stats.invalidations >= seen + 1);
    assert.equal(await cache.get('a'), '2');
    await writer.call('SET', 'missing', 'now');
    await until('the invalidation of missing', () => cache.stats.invalidations >= seen + 2);
    assert.equal(await cache.get('missing'), 'now');
    const flushes = cache.stats.flushes;
    await writer.call('FLUSHALL');
    await until('the flush', () => cache.stats.flushes > flushes);
    assert.equal(cache.size, 0);
    assert.equal(await cache.get('a'), null);
  });

  each('never stale: each write is seen once its invalidation arrives, while reads keep hitting', async ({ cache, writer }) => {
    for (let i = 0; i < 100; i++) {
      await writer.call('SET', `k${i % 5}`, String(i));
      await until(`k${i % 5} = ${i}`, async () => (await cache.get(`k${i % 5}`)) === String(i), 2000);
      for (let j = 0; j < 3; j++) assert.equal(await cache.get(`k${i % 5}`), String(i));
    }
    assert.ok(cache.stats.hits >= 300);
  });

  each('a lost invalidation connection drops what is cached; caching resumes on the new one', async ({ cache, writer, admin }, side) => {
    await writer.call('SET', 'x', 'old');
    assert.equal(await cache.get('x'), 'old');
    assert.equal(cache.size, 1);
    if (side === 'embedded') return;
    await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await until('the cache to be dropped', () => cache.size === 0);
    await writer.call('SET', 'x', 'new');
    await until('x = new', async () => (await cache.get('x')) === 'new');
    // Tracking is back: the next write is seen too.
    await until('x cached again', async () => {
      await cache.get('x');
      return cache.size === 1;
    });
    await writer.call('SET', 'x', 'newer');
    await until('x = newer', async () => (await cache.get('x')) === 'newer');
  });

  it('keeps at most maxEntries, least recently used first out', async () => {
    const db = open();
    const cache = await NearCache.create(db, { maxEntries: 3 });
    try {
      for (const k of ['a', 'b', 'c']) await db.call('SET', k, k);
      for (const k of ['a', 'b', 'c']) await cache.get(k);
      await cache.get('a');
      await cache.get('d');
      assert.equal(cache.size, 3);
      const hits = cache.stats.hits;
      await cache.get('a');
      assert.equal(cache.stats.hits, hits + 1);
      await cache.get('b');
      assert.equal(cache.stats.hits, hits + 1, 'b was the least recently used and went');
    } finally {
      cache.close();
      db.close();
    }
  });
});
