/**
 * The toolkit's locks on the embedded engine, cinder-server and real redis-server: exclusion among
 * 50 concurrent contenders, fencing tokens that only grow, a stalled holder that loses its lock and
 * whose release leaves the next holder's lock alone, withLock's renewal and abort, Redlock's quorum.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { open } from '../../src/embedded/index.js';
import { connect } from '../../src/toolkit/client.js';
import { acquireLock, extendLock, fenceKey, lockKey, LockLostError, Redlock, releaseLock, withLock, type Lock } from '../../src/toolkit/lock.js';
import { onEveryBackend } from '../helpers/backends.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

onEveryBackend('toolkit: lock', { cluster: true }, (each) => {

  each('acquire, refuse while held, release only by the holder, extend, fencing tokens grow', async (b) => {
    const c = b.client();
    const first = await acquireLock(c, 'res', { ttlMs: 5000 });
    assert.ok(first !== null);
    assert.equal(first.fence, 1);
    assert.equal(await acquireLock(c, 'res', { ttlMs: 5000 }), null);
    const stranger: Lock = { ...first, token: 'not-the-token' };
    assert.equal(await releaseLock(c, stranger), false);
    assert.equal(await extendLock(c, stranger, 10_000), false);
    assert.equal(await extendLock(c, first, 10_000), true);
    const ttl = Number(await connect(c).call('PTTL', lockKey('res')));
    assert.ok(ttl > 5000 && ttl <= 10_000, `ttl ${ttl}`);
    assert.equal(await releaseLock(c, first), true);
    assert.equal(await releaseLock(c, first), false);
    const second = await acquireLock(c, 'res', { ttlMs: 5000 });
    assert.equal(second?.fence, 2);
    assert.equal(await connect(c).call('GET', fenceKey('res')), '2');
  });

  each('a holder that stalls past its TTL loses the lock; its release does not delete the next holder\'s', async (b) => {
    const c = b.client();
    const stalled = await acquireLock(c, 'job', { ttlMs: 80 });
    assert.ok(stalled !== null);
    await sleep(200);
    const next = await acquireLock(b.client(), 'job', { ttlMs: 5000 });
    assert.ok(next !== null);
    assert.ok(next.fence > stalled.fence);
    assert.equal(await releaseLock(c, stalled), false);
    assert.equal(await extendLock(c, stalled, 5000), false);
    assert.equal(await connect(c).call('GET', lockKey('job')), next.token);
  });

  each('50 concurrent contenders: never two holders, fencing tokens strictly increase', async (b) => {
    const clients = Array.from({ length: 10 }, () => b.client());
    let holder: number | null = null;
    let lastFence = 0;
    let acquisitions = 0;
    const target = 150;
    const contender = async (id: number): Promise<void> => {
      const c = clients[id % clients.length];
      while (acquisitions < target) {
        const lock = await acquireLock(c, 'hot', { ttlMs: 10_000, retries: 1000, retryDelayMs: 1, retryJitterMs: 3 });
        assert.ok(lock !== null);
        assert.equal(holder, null, `contender ${id} got the lock while ${holder} held it`);
        holder = id;
        assert.ok(lock.fence > lastFence, `fence ${lock.fence} after ${lastFence}`);
        lastFence = lock.fence;
        acquisitions++;
        await sleep(Math.random() * 2);
        holder = null;
        assert.equal(await releaseLock(c, lock), true);
      }
    };
    await Promise.all(Array.from({ length: 50 }, (_, i) => contender(i)));
    assert.ok(acquisitions >= target);
  });

  each('withLock renews while the work runs, and aborts the work when the lock is lost', async (b) => {
    const c = b.client();
    const result = await withLock(
      c,
      'long',
      async (signal) => {
        await sleep(400);
        assert.equal(signal.aborted, false);
        // Still held: nobody else gets it, though 400 ms is past its 150 ms TTL.
        assert.equal(await acquireLock(b.client(), 'long', { ttlMs: 1000 }), null);
        return 'done';
      },
      { ttlMs: 150 },
    );
    assert.equal(result, 'done');
    assert.equal(await connect(c).call('EXISTS', lockKey('long')), 0);
    let reason: unknown = null;
    await withLock(
      c,
      'lost',
      async (signal) => {
        await connect(b.client()).call('DEL', lockKey('lost'));
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        reason = signal.reason;
      },
      { ttlMs: 150 },
    );
    assert.ok(reason instanceof LockLostError);
  });

  it('Redlock: a majority of independent servers grants the lock; a minority releases what it got', async () => {
    const engines = [open(), open(), open()];
    try {
      const redlock = new Redlock(engines);
      assert.equal(redlock.quorum, 2);
      await engines[0].call('SET', lockKey('r'), 'someone-else');
      const lock = await redlock.acquire('r', { ttlMs: 5000 });
      assert.ok(lock !== null);
      assert.equal(await engines[1].call('GET', lockKey('r')), lock.token);
      assert.equal(await engines[0].call('GET', lockKey('r')), 'someone-else');
      assert.equal(await redlock.extend(lock, 8000), true);
      await redlock.release(lock);
      assert.equal(await engines[1].call('EXISTS', lockKey('r')), 0);
      assert.equal(await engines[0].call('GET', lockKey('r')), 'someone-else');
      // Two of three taken: no quorum, and the one it got is given back.
      await engines[1].call('SET', lockKey('r'), 'someone-else');
      assert.equal(await redlock.acquire('r', { ttlMs: 5000 }), null);
      assert.equal(await engines[2].call('EXISTS', lockKey('r')), 0);
    } finally {
      for (const e of engines) e.close();
    }
  });
});
