/**
 * The toolkit's cache-aside on the embedded engine, cinder-server, redis-server and a Redis Cluster:
 * 500 concurrent getOrLoad calls from 10 "processes" (caches with their own connections) trigger
 * one load on a cold and on a just-expired key; stale-while-revalidate; early refresh; negative
 * caching; tags; write-through; TTLs with jitter; values that are not ASCII.
 */
import assert from 'node:assert/strict';
import { Cache } from '../../src/toolkit/cache.js';
import { connect } from '../../src/toolkit/client.js';
import { onEveryBackend } from '../helpers/backends.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

onEveryBackend('toolkit: cache', { cluster: true }, (each) => {

  each('a stampede of 500 concurrent calls from 10 processes loads once, cold and just expired', async (b) => {
    const caches = Array.from({ length: 10 }, () => new Cache<{ n: number }>(b.client(), { ttlMs: 1000, jitter: 0, earlyRefreshBeta: 0 }));
    let loads = 0;
    const loader = async () => {
      loads++;
      await sleep(50);
      return { n: loads };
    };
    const cold = await Promise.all(Array.from({ length: 500 }, (_, i) => caches[i % 10].getOrLoad('hot', loader)));
    assert.equal(loads, 1);
    assert.ok(cold.every((v) => v?.n === 1));
    await sleep(1100);
    const again = await Promise.all(Array.from({ length: 500 }, (_, i) => caches[i % 10].getOrLoad('hot', loader)));
    assert.equal(loads, 2);
    assert.ok(again.every((v) => v?.n === 2));
    const total = caches.reduce((n, c) => n + c.stats.loads, 0);
    assert.equal(total, 2);
  });

  each('stale-while-revalidate: the old value is served while one refresh runs', async (b) => {
    const cache = new Cache<string>(b.client(), { ttlMs: 100, staleMs: 5000, jitter: 0, earlyRefreshBeta: 0 });
    let version = 0;
    const loader = async () => {
      version++;
      await sleep(30);
      return `v${version}`;
    };
    assert.equal(await cache.getOrLoad('k', loader), 'v1');
    await sleep(150);
    const served = await Promise.all(Array.from({ length: 20 }, () => cache.getOrLoad('k', loader)));
    assert.ok(served.every((v) => v === 'v1'));
    assert.equal(cache.stats.staleHits, 20);
    await sleep(100);
    assert.equal(version, 2);
    assert.equal(await cache.getOrLoad('k', loader), 'v2');
  });

  each('early refresh (XFetch): a hot key is reloaded before it expires', async (b) => {
    const cache = new Cache<number>(b.client(), { ttlMs: 300, jitter: 0, earlyRefreshBeta: 50 });
    let loads = 0;
    const loader = async () => {
      loads++;
      await sleep(20);
      return loads;
    };
    await cache.getOrLoad('k', loader);
    const deadline = Date.now() + 280;
    while (Date.now() < deadline && loads < 2) {
      await cache.getOrLoad('k', loader);
      await sleep(10);
    }
    assert.ok(loads >= 2, 'no early refresh happened');
    assert.ok(cache.stats.earlyRefreshes >= 1);
    assert.equal(cache.stats.misses, 1);
  });

  each('negative caching, write-through set, invalidate, tags, jittered TTL, non-ASCII values', async (b) => {
    const c = b.client();
    const cache = new Cache<{ name: string }>(c, { ttlMs: 10_000, negativeTtlMs: 5000, jitter: 0.2, namespace: 'users' });
    let lookups = 0;
    const missing = async () => {
      lookups++;
      return undefined;
    };
    assert.equal(await cache.getOrLoad('404', missing), undefined);
    assert.equal(await cache.getOrLoad('404', missing), undefined);
    assert.equal(lookups, 1);
    await cache.set('1', { name: 'Zoë 東京 🚀' }, { tags: ['team:a'] });
    await cache.set('2', { name: 'Bob' }, { tags: ['team:a'] });
    await cache.set('3', { name: 'Eve' }, { tags: ['team:b'] });
    const other = new Cache<{ name: string }>(b.client(), { ttlMs: 10_000, namespace: 'users' });
    assert.deepEqual(await other.get('1'), { name: 'Zoë 東京 🚀' });
    const ttl = Number(await connect(c).call('PTTL', cache.key('1')));
    assert.ok(ttl > 9000 && ttl <= 12_000, `ttl ${ttl}`);
    assert.equal(await cache.invalidateTag('team:a'), 2);
    assert.equal(await cache.get('1'), undefined);
    assert.equal(await cache.get('2'), undefined);
    assert.deepEqual(await cache.get('3'), { name: 'Eve' });
    await cache.invalidate('3');
    assert.equal(await cache.get('3'), undefined);
    assert.throws(() => new Cache(c, { ttlMs: 0 }), RangeError);
    const forever = new Cache<number>(c, { ttlMs: 'forever', namespace: 'f' });
    await forever.set('k', 1);
    assert.equal(Number(await connect(c).call('PTTL', forever.key('k'))), -1);
    assert.equal(await forever.getOrLoad('k', async () => 2), 1);
  });

  each('a failing loader fails its callers and caches nothing', async (b) => {
    const cache = new Cache<number>(b.client(), { ttlMs: 10_000 });
    await assert.rejects(cache.getOrLoad('k', async () => Promise.reject(new Error('db down'))), /db down/);
    assert.equal(cache.stats.loadErrors, 1);
    assert.equal(await cache.getOrLoad('k', async () => 7), 7);
  });
});
