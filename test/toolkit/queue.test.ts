/**
 * The toolkit's queues on the embedded engine, cinder-server, redis-server and a Redis Cluster:
 * a worker killed mid-job (it took jobs and never acknowledged them) gets its jobs redelivered and
 * processed; every job is processed at least once and acknowledged exactly once; poison jobs land
 * in the dead list / dead-letter stream; delayed jobs wait; stream workers stop gracefully.
 */
import assert from 'node:assert/strict';
import { connect } from '../../src/toolkit/client.js';
import { Queue, SimpleQueue, StreamWorker, type StreamEntry } from '../../src/toolkit/queue.js';
import { onEveryBackend } from '../helpers/backends.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

onEveryBackend('toolkit: queue', { cluster: true }, (each) => {

  each('a killed worker\'s jobs are redelivered: every job processed, each acknowledged exactly once', async (b) => {
    const q = new Queue<{ n: number }>(b.client(), 'jobs', { visibilityMs: 200 });
    for (let n = 0; n < 60; n++) await q.add({ n });
    // The doomed worker takes 10 jobs and dies without acknowledging them.
    const doomed = new Queue<{ n: number }>(b.client(), 'jobs', { visibilityMs: 200 });
    for (let i = 0; i < 10; i++) assert.ok((await doomed.take()) !== null);
    assert.equal((await q.counts()).processing, 10);
    const processed = new Map<number, number>();
    const acked = new Map<string, number>();
    const workers = [0, 1, 2].map(() => {
      const wq = new Queue<{ n: number }>(b.client(), 'jobs', { visibilityMs: 200 });
      return wq.process(
        async (job) => {
          processed.set(job.data.n, (processed.get(job.data.n) ?? 0) + 1);
          acked.set(job.id, (acked.get(job.id) ?? 0) + 1);
          await sleep(Math.random() * 5);
        },
        { concurrency: 2, pollMs: 50 },
      );
    });
    await until('all 60 jobs', () => processed.size === 60);
    await Promise.all(workers.map((w) => w.stop()));
    assert.ok([...acked.values()].every((n) => n === 1), 'a job was handled twice');
    const counts = await q.counts();
    assert.deepEqual(counts, { pending: 0, processing: 0, delayed: 0, dead: 0 });
  });

  each('ack is exactly once; a job given to another worker after its deadline cannot be acked by the first', async (b) => {
    const q = new Queue<string>(b.client(), 'once', { visibilityMs: 100 });
    await q.add('x');
    const job = (await q.take())!;
    await sleep(150);
    assert.equal(await q.recover(), 1);
    const again = (await q.take())!;
    assert.equal(again.id, job.id);
    assert.equal(await q.ack(again), true);
    assert.equal(await q.ack(again), false);
    assert.equal(await q.ack(job), false);
  });

  each('failures retry with backoff; poison jobs land in the dead list', async (b) => {
    const q = new Queue<string>(b.client(), 'retry', { maxAttempts: 3, backoffMs: 20, visibilityMs: 5000 });
    await q.add('ok-on-second-try');
    await q.add('poison');
    const attempts = new Map<string, number>();
    const worker = q.process(
      async (job) => {
        attempts.set(job.data, job.attempt + 1);
        if (job.data === 'poison' || job.attempt === 0) throw new Error('boom');
      },
      { pollMs: 20 },
    );
    await until('the poison job to die', async () => (await q.counts()).dead === 1);
    await until('the other job to pass', () => attempts.get('ok-on-second-try') === 2);
    await worker.stop();
    assert.equal(attempts.get('poison'), 3);
    const dead = await q.deadJobs();
    assert.equal(dead[0].data, 'poison');
    assert.equal(dead[0].attempt, 3);
    assert.deepEqual(await q.counts(), { pending: 0, processing: 0, delayed: 0, dead: 1 });
  });

  each('delayed jobs wait for their time; blocking take', async (b) => {
    const q = new Queue<string>(b.client(), 'later');
    await q.add('later', { runAt: Date.now() + 300 });
    await q.recover();
    assert.equal(await q.take(), null);
    await sleep(350);
    assert.equal(await q.recover(), 1);
    assert.equal((await q.take())?.data, 'later');
    const blocking = new Queue<string>(b.client(), 'later');
    const waiting = blocking.take(2000, { blocking: true });
    await sleep(50);
    await q.add('now');
    const job = await waiting;
    assert.equal(job?.data, 'now');
    assert.equal(await blocking.ack(job!), true);
  });

  each('the simple queue: first in, first out; a blocking pop waits for a push', async (b) => {
    const q = new SimpleQueue<{ n: number }>(b.client(), 'simple');
    for (let n = 0; n < 3; n++) await q.push({ n });
    assert.equal(await q.length(), 3);
    assert.deepEqual([await q.pop(), await q.pop(), await q.pop()], [{ n: 0 }, { n: 1 }, { n: 2 }]);
    assert.equal(await q.pop(), null);
    const waiting = new SimpleQueue<{ n: number }>(b.client(), 'simple').pop(2000);
    await sleep(50);
    await q.push({ n: 9 });
    assert.deepEqual(await waiting, { n: 9 });
    assert.equal(await new SimpleQueue(b.client(), 'simple').pop(100), null);
  });

  each('stream workers: stuck entries are claimed, poison ones dead-lettered, stop is graceful', async (b) => {
    const conn = connect(b.client());
    const stream = 'events:{s}';
    const opts = { stream, group: 'g', claimIdleMs: 200, maxDeliveries: 3, blockMs: 50 };
    const dying = new StreamWorker(b.client(), { ...opts, consumer: 'dying' });
    await dying.ensureGroup();
    for (let i = 0; i < 30; i++) await conn.call('XADD', stream, '*', 'n', String(i), 'poison', i === 7 ? 'yes' : 'no');
    // The dying consumer reads 10 entries and never acknowledges them.
    await conn.call('XREADGROUP', 'GROUP', 'g', 'dying', 'COUNT', 10, 'STREAMS', stream, '>');
    const handled = new Map<string, number>();
    const worker = new StreamWorker(b.client(), { ...opts, consumer: 'alive' });
    let inHandler = 0;
    worker.start(async (entry: StreamEntry) => {
      inHandler++;
      try {
        if (entry.fields.poison === 'yes') throw new Error('poison');
        await sleep(5);
        handled.set(entry.fields.n, (handled.get(entry.fields.n) ?? 0) + 1);
      } finally {
        inHandler--;
      }
    });
    await until('29 entries handled and the poison one dead-lettered', async () => handled.size === 29 && Number(await conn.call('XLEN', `${stream}:dead`)) === 1, 20_000);
    await worker.stop();
    assert.equal(inHandler, 0);
    assert.ok([...handled.values()].every((n) => n === 1));
    const pending = (await conn.call('XPENDING', stream, 'g')) as unknown[];
    assert.equal(Number(pending[0]), 0);
    const dead = (await conn.call('XRANGE', `${stream}:dead`, '-', '+')) as Array<[string, string[]]>;
    const fields = dead[0][1].map(String);
    assert.equal(fields[fields.indexOf('n') + 1], '7');
    assert.equal(fields[fields.indexOf('origin-stream') + 1], stream);
  });
});
