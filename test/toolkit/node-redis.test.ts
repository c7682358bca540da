/**
 * The toolkit through node-redis (its sendCommand), on cinder-server and redis-server: the adapter
 * carries every module (scripts loaded on NOSCRIPT, nil replies, errors).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'redis';
import { startServer, type RunningServer } from '../../src/embedded/index.js';
import { Cache } from '../../src/toolkit/cache.js';
import { acquireLock, releaseLock } from '../../src/toolkit/lock.js';
import { Queue } from '../../src/toolkit/queue.js';
import { RateLimiter } from '../../src/toolkit/ratelimit.js';
import { Leaderboard, Sessions } from '../../src/toolkit/state.js';
import { redisServerAvailable, startRealRedis, type RealRedis } from '../helpers/differential.js';

describe('toolkit through node-redis', () => {
  let cinder: RunningServer;
  let redis: RealRedis | null = null;
  before(async () => {
    cinder = await startServer({ port: 0 });
    if (redisServerAvailable) redis = await startRealRedis();
  });
  after(async () => {
    await cinder?.close();
    await redis?.stop();
  });

  it('locks, rate limits, cache, queue, sessions and leaderboards', async () => {
    const ports = [cinder.port, ...(redis !== null ? [redis.port] : [])];
    for (const port of ports) {
      const client = createClient({ url: `redis://127.0.0.1:${port}` });
      await client.connect();
      try {
        await client.sendCommand(['FLUSHALL']);
        await client.sendCommand(['SCRIPT', 'FLUSH']);
        const lock = await acquireLock(client, 'n', { ttlMs: 5000 });
        assert.equal(lock?.fence, 1);
        assert.equal(await acquireLock(client, 'n', { ttlMs: 5000 }), null);
        assert.equal(await releaseLock(client, lock!), true);
        const limiter = new RateLimiter(client, { algorithm: 'gcra', limit: 2, windowMs: 60_000 });
        const results = [await limiter.consume('u'), await limiter.consume('u'), await limiter.consume('u')];
        assert.deepEqual(results.map((r) => r.allowed), [true, true, false]);
        const cache = new Cache<{ a: number }>(client, { ttlMs: 5000 });
        assert.deepEqual(await cache.getOrLoad('k', async () => ({ a: 1 })), { a: 1 });
        assert.deepEqual(await cache.getOrLoad('k', async () => ({ a: 2 })), { a: 1 });
        const q = new Queue<string>(client, 'q');
        await q.add('job');
        const job = await q.take();
        assert.equal(job?.data, 'job');
        assert.equal(await q.ack(job!), true);
        const sessions = new Sessions<{ user: string }>(client, { ttlMs: 5000 });
        const id = await sessions.create({ user: 'ann' });
        assert.deepEqual(await sessions.get(id), { user: 'ann' });
        const board = new Leaderboard(client, 'g');
        await board.set('ann', 5);
        await board.set('bob', 7);
        assert.deepEqual((await board.top(2)).map((r) => r.member), ['bob', 'ann']);
      } finally {
        await client.quit();
      }
    }
  });
});
