/**
 * The streams failure scenario: several consumers of one group, one dies in the middle of a batch,
 * XAUTOCLAIM hands its pending entries to the others, and in the end every entry has been
 * acknowledged exactly once and none is lost. Run against Cinder and, when installed, real Redis.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startServer, type RunningServer } from '../../src/embedded/index.js';
import { redisServerAvailable, startRealRedis, type RealRedis } from '../helpers/differential.js';

type Entries = Array<[string, string[]]>;
type ReadReply = Array<[string, Entries]> | null;

const TOTAL = 600;

async function runScenario(port: number): Promise<void> {
  const clients: Redis[] = [];
  const connect = () => {
    const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    clients.push(r);
    return r.connect().then(() => r);
  };
  try {
    const admin = await connect();
    await admin.del('jobs');
    await admin.xgroup('CREATE', 'jobs', 'workers', '$', 'MKSTREAM');
    const ids: string[] = [];
    for (let i = 0; i < TOTAL; i++) ids.push((await admin.xadd('jobs', '*', 'job', String(i))) as string);

    const acked = new Map<string, number>();
    const ack = async (r: Redis, id: string) => {
      const n = await r.xack('jobs', 'workers', id);
      if (n === 1) acked.set(id, (acked.get(id) ?? 0) + 1);
    };

    // The doomed consumer reads a batch, acknowledges half of it, and disconnects.
    const doomed = await connect();
    const batch = (await doomed.xreadgroup('GROUP', 'workers', 'doomed', 'COUNT', 40, 'STREAMS', 'jobs', '>')) as ReadReply;
    assert.ok(batch !== null);
    const taken = batch[0][1];
    assert.equal(taken.length, 40);
    for (const [id] of taken.slice(0, 20)) await ack(doomed, id);
    doomed.disconnect();

    // Three healthy consumers drain new entries; each also reclaims entries idle for 50 ms.
    const workers = await Promise.all([1, 2, 3].map(() => connect()));
    await Promise.all(
      workers.map(async (w, n) => {
        const name = `worker-${n}`;
        for (let round = 0; round < 200 && acked.size < TOTAL; round++) {
          const read = (await w.xreadgroup('GROUP', 'workers', name, 'COUNT', 25, 'BLOCK', 20, 'STREAMS', 'jobs', '>')) as ReadReply;
          for (const [id] of read?.[0][1] ?? []) await ack(w, id);
          const claimed = (await w.xautoclaim('jobs', 'workers', name, 50, '0-0', 'COUNT', 25)) as [string, Entries, string[]];
          for (const [id] of claimed[1]) await ack(w, id);
          if (read === null && claimed[1].length === 0) await new Promise((r) => setTimeout(r, 10));
        }
      }),
    );

    assert.equal(acked.size, TOTAL, 'every entry acknowledged');
    for (const id of ids) assert.equal(acked.get(id), 1, `entry ${id} acknowledged exactly once`);
    const summary = (await admin.xpending('jobs', 'workers')) as [number, ...unknown[]];
    assert.equal(summary[0], 0, 'nothing left pending');
    assert.equal(await admin.xlen('jobs'), TOTAL, 'no entry lost from the stream');
  } finally {
    for (const c of clients) c.disconnect();
  }
}

describe('streams: a consumer dies mid-batch, XAUTOCLAIM recovers its entries', () => {
  let cinder: RunningServer;
  let redis: RealRedis | undefined;
  before(async () => {
    cinder = await startServer({ port: 0 });
    if (redisServerAvailable) redis = await startRealRedis();
  });
  after(async () => {
    await cinder?.close();
    await redis?.stop();
  });

  it('on Cinder: every entry is acknowledged exactly once and none is lost', async () => {
    await runScenario(cinder.port);
  });

  it('on real Redis (the same scenario, as a check of the test itself)', { skip: !redisServerAvailable && !process.env.CI ? 'redis-server not installed' : false }, async () => {
    assert.ok(redis, 'redis-server is needed under CI');
    await runScenario(redis.port);
  });
});
