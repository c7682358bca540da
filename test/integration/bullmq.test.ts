/**
 * BullMQ end to end: its Lua scripts (EVALSHA with EVAL fallback), blocking moves, streams for
 * events and sorted sets for delays must behave on Cinder as on Redis. Every scenario runs against
 * Cinder and, as a check of the test itself, against a real redis-server.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Queue, Worker, QueueEvents, FlowProducer, DelayedError, WaitingChildrenError, type Job, type ConnectionOptions, type WorkerOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { startServer, type RunningServer } from '../../src/embedded/index.js';
import { redisServerAvailable, startRealRedis, type RealRedis } from '../helpers/differential.js';

/** Polls `done` every 10 ms until it holds; fails with `label` after `ms`. */
async function waitFor(done: () => boolean, ms: number, label: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Queues, workers and listeners of one scenario; all closed at the end whatever happened. */
class Scope {
  private readonly closers: Array<() => Promise<unknown>> = [];
  constructor(readonly connection: ConnectionOptions) {}

  queue(name: string): Queue {
    const q = new Queue(name, { connection: this.connection });
    this.closers.push(() => q.close());
    return q;
  }

  worker(name: string, processor: (job: Job, token?: string) => Promise<unknown>, opts: Omit<WorkerOptions, 'connection'> = {}): Worker {
    const w = new Worker(name, processor, { connection: this.connection, ...opts });
    // An 'error' without a listener would crash the test process; surface it as a failure instead.
    w.on('error', (e) => this.errors.push(`worker ${name}: ${e.message}`));
    this.closers.push(() => w.close());
    return w;
  }

  events(name: string): QueueEvents {
    const e = new QueueEvents(name, { connection: this.connection });
    e.on('error', (err) => this.errors.push(`events ${name}: ${err.message}`));
    this.closers.push(() => e.close());
    return e;
  }

  flow(): FlowProducer {
    const f = new FlowProducer({ connection: this.connection });
    this.closers.push(() => f.close());
    return f;
  }

  readonly errors: string[] = [];

  async close(): Promise<void> {
    // Workers first (they were registered after their queues), so nothing is left mid-job.
    for (const c of this.closers.reverse()) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([c(), new Promise((r) => (timer = setTimeout(r, 5_000)))]);
      clearTimeout(timer);
    }
  }
}

async function withScope(port: number, body: (s: Scope) => Promise<void>): Promise<void> {
  const scope = new Scope({ host: '127.0.0.1', port, maxRetriesPerRequest: null });
  try {
    const admin = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0 });
    try {
      await admin.flushall();
    } finally {
      admin.disconnect();
    }
    await body(scope);
    assert.deepEqual(scope.errors, [], 'no worker or listener reported an error');
  } finally {
    await scope.close();
  }
}

/** 1,000 jobs, 10 workers: every job runs exactly once and ends completed. */
async function manyJobsScenario(port: number): Promise<void> {
  const TOTAL = 1000;
  await withScope(port, async (s) => {
    const queue = s.queue('many');
    const runs = new Map<string, number>();
    const byWorker = new Array<number>(10).fill(0);
    for (let w = 0; w < 10; w++) {
      s.worker('many', async (job) => {
        runs.set(job.id!, (runs.get(job.id!) ?? 0) + 1);
        byWorker[w]++;
        return job.data.n * 2;
      });
    }
    const jobs = Array.from({ length: TOTAL }, (_, n) => ({ name: 'sum', data: { n } }));
    for (let i = 0; i < TOTAL; i += 100) await queue.addBulk(jobs.slice(i, i + 100));
    await waitFor(() => runs.size === TOTAL, 45_000, `${TOTAL} jobs processed`);
    // The last completions may still be in flight when the processor returns: poll the counts.
    let counts: Record<string, number> = {};
    for (let i = 0; i < 250 && counts.completed !== TOTAL; i++) {
      counts = await queue.getJobCounts('completed', 'active', 'waiting', 'failed');
      if (counts.completed !== TOTAL) await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(counts, { completed: TOTAL, active: 0, waiting: 0, failed: 0 });
    for (const [id, n] of runs) assert.equal(n, 1, `job ${id} ran exactly once`);
    assert.ok(byWorker.filter((n) => n > 0).length >= 2, `several workers shared the load: ${byWorker.join(',')}`);
    const sample = await queue.getJob('500');
    assert.equal(sample?.returnvalue, (500 - 1) * 2, 'return value stored (job ids start at 1)');
  });
}

/** Delayed jobs wait in the delayed set and run no sooner than their delay, in delay order. */
async function delayedScenario(port: number): Promise<void> {
  await withScope(port, async (s) => {
    const queue = s.queue('delayed');
    const ran: string[] = [];
    const added = Date.now();
    // One base timestamp for both: on a loaded machine the second add may come long after the first.
    const late = await queue.add('late', {}, { delay: 600, timestamp: added });
    const soon = await queue.add('soon', {}, { delay: 300, timestamp: added });
    await queue.add('now', {});
    assert.equal(await late.getState(), 'delayed');
    assert.deepEqual(await queue.getJobCounts('delayed', 'waiting'), { delayed: 2, waiting: 1 });
    s.worker('delayed', async (job) => {
      ran.push(job.name);
    });
    await waitFor(() => ran.length === 3, 10_000, 'delayed jobs');
    assert.deepEqual(ran, ['now', 'soon', 'late']);
    // "No sooner than the delay" is read from the jobs' own records, not from this test's clock:
    // processedOn is the time moveToActive promoted the job, which it does only once the job is
    // due (timestamp + delay; the small tolerance is promotion's current-millisecond window).
    for (const [job, delay] of [[soon, 300], [late, 600]] as const) {
      const done = await queue.getJob(job.id!);
      assert.ok(done!.processedOn! - done!.timestamp >= delay - 5, `${job.name}: processed ${done!.processedOn! - done!.timestamp} ms after it was added`);
    }

  });
}

/** A job that fails twice then succeeds, with exponential backoff; one that exhausts its attempts. */
async function retryScenario(port: number): Promise<void> {
  await withScope(port, async (s) => {
    const queue = s.queue('retry');
    const attempts: Array<{ name: string; attemptsMade: number; processedOn: number }> = [];
    const failedEvents: string[] = [];
    const worker = s.worker('retry', async (job) => {
      attempts.push({ name: job.name, attemptsMade: job.attemptsMade, processedOn: job.processedOn! });
      if (job.name === 'hopeless' || job.attemptsMade < 2) throw new Error(`boom ${job.attemptsMade}`);
      return 'finally';
    });
    worker.on('failed', (job, err) => failedEvents.push(`${job?.name}:${err.message}`));
    const flaky = await queue.add('flaky', {}, { attempts: 3, backoff: { type: 'exponential', delay: 100 } });
    const hopeless = await queue.add('hopeless', {}, { attempts: 2, backoff: { type: 'fixed', delay: 50 } });
    await waitFor(() => attempts.length === 5 && failedEvents.length === 4, 10_000, 'all attempts');
    let done = await queue.getJob(flaky.id!);
    for (let i = 0; i < 100 && done?.finishedOn === undefined; i++) {
      await new Promise((r) => setTimeout(r, 20));
      done = await queue.getJob(flaky.id!);
    }
    assert.equal(await done!.getState(), 'completed');
    assert.equal(done!.returnvalue, 'finally');
    assert.equal(done!.attemptsMade, 3);
    const flakyRuns = attempts.filter((a) => a.name === 'flaky');
    assert.deepEqual(flakyRuns.map((a) => a.attemptsMade), [0, 1, 2]);
    // Exponential: 100 ms before the first retry, 200 ms before the second. Read from each
    // attempt's processedOn (when moveToActive took it): a retry is due only after its failure,
    // which came after the attempt started, plus the backoff.
    const gaps = [flakyRuns[1].processedOn - flakyRuns[0].processedOn, flakyRuns[2].processedOn - flakyRuns[1].processedOn];
    assert.ok(gaps[0] >= 100 - 5 && gaps[1] >= 200 - 5, `backoffs ${gaps.join(', ')} ms`);

    let lost = await queue.getJob(hopeless.id!);
    for (let i = 0; i < 100 && lost?.finishedOn === undefined; i++) {
      await new Promise((r) => setTimeout(r, 20));
      lost = await queue.getJob(hopeless.id!);
    }
    assert.equal(await lost!.getState(), 'failed');
    assert.equal(lost!.attemptsMade, 2);
    assert.equal(lost!.failedReason, 'boom 1');
    assert.equal(lost!.stacktrace?.length, 2);
    assert.deepEqual(failedEvents.sort(), ['flaky:boom 0', 'flaky:boom 1', 'hopeless:boom 0', 'hopeless:boom 1']);
    assert.deepEqual(await queue.getJobCounts('completed', 'failed', 'delayed'), { completed: 1, failed: 1, delayed: 0 });
  });
}

/** A job scheduler repeating every 150 ms produces a few runs, then is removed. */
async function repeatScenario(port: number): Promise<void> {
  await withScope(port, async (s) => {
    const queue = s.queue('repeat');
    // Each repetition's id carries the time it was scheduled for: repeat:<scheduler>:<ms>.
    const runs: Array<{ due: number; processedOn: number }> = [];
    s.worker('repeat', async (job) => {
      assert.equal(job.name, 'tick');
      assert.deepEqual(job.data, { color: 'blue' });
      const m = /^repeat:ticker:(\d+)$/.exec(job.id!);
      assert.ok(m, `repetition id ${job.id}`);
      runs.push({ due: Number(m[1]), processedOn: job.processedOn! });
    });
    await queue.upsertJobScheduler('ticker', { every: 150 }, { name: 'tick', data: { color: 'blue' } });
    const schedulers = await queue.getJobSchedulers();
    assert.equal(schedulers.length, 1);
    assert.equal(schedulers[0].key, 'ticker');
    assert.equal(schedulers[0].every, 150);
    await waitFor(() => runs.length >= 4, 10_000, 'four repetitions');
    assert.equal(await queue.removeJobScheduler('ticker'), true);
    assert.equal(await queue.getJobSchedulersCount(), 0);
    for (let i = 1; i < 4; i++) {
      // A repetition that runs late (a loaded machine) makes the next one skip the missed slots.
      const gap = runs[i].due - runs[i - 1].due;
      assert.ok(gap >= 150 && gap % 150 === 0, `repetitions are scheduled whole intervals apart (${gap} ms)`);
      // Promotion takes jobs due within the current millisecond, hence the small tolerance.
      assert.ok(runs[i].processedOn >= runs[i].due - 2, `repetition ${i} ran ${runs[i].due - runs[i].processedOn} ms early`);
    }
    // Removing the scheduler also removes its next delayed run: nothing more happens.
    const seen = runs.length;
    await new Promise((r) => setTimeout(r, 400));
    assert.ok(runs.length <= seen + 1, `no further repetitions (${runs.length - seen} more)`);
  });
}

/** A limiter of 4 jobs per 250 ms bounds throughput even with concurrency 8. */
async function rateLimitScenario(port: number): Promise<void> {
  await withScope(port, async (s) => {
    const queue = s.queue('limited');
    // processedOn: when the worker moved the job to active (the limiter's INCR happens there).
    const starts: number[] = [];
    await queue.addBulk(Array.from({ length: 16 }, (_, n) => ({ name: 'call', data: { n } })));
    s.worker('limited', async (job) => {
      starts.push(job.processedOn!);
    }, { concurrency: 8, limiter: { max: 4, duration: 250 } });
    await waitFor(() => starts.length === 16, 15_000, 'rate-limited jobs');
    starts.sort((a, b) => a - b);
    // Four fixed windows are needed for 16 jobs: at least three full durations from first to last.
    const span = starts[15] - starts[0];
    // Lower bounds only, read from the jobs' processedOn: they fail if the limiter lets jobs start
    // early, never because the machine is slow (waitFor's timeout is the guard against a stall).
    assert.ok(span >= 3 * 250 - 30, `16 jobs at 4 per 250 ms took only ${span} ms`);
    // Fixed windows let 8 jobs start close together (4 at the end of one window, 4 at the start of
    // the next), never 9: any 9 starts straddle a whole window.
    for (let i = 0; i + 8 < starts.length; i++) {
      assert.ok(starts[i + 8] - starts[i] >= 250 - 30, `nine starts within ${starts[i + 8] - starts[i]} ms`);
    }
  });
}

/** A parent job waits for its children, then reads their return values. */
async function flowScenario(port: number): Promise<void> {
  await withScope(port, async (s) => {
    const parents = s.queue('parents');
    const children = s.queue('children');
    // Checked by the order of events, not by a clock.
    const events: string[] = [];
    const childDone: number[] = [];
    let parentStarted = false;
    s.worker('children', async (job) => {
      await new Promise((r) => setTimeout(r, 20 * job.data.n));
      childDone.push(job.data.n);
      events.push('child done');
      return job.data.n * 10;
    }, { concurrency: 3 });
    const flow = s.flow();
    const tree = await flow.add({
      name: 'total',
      queueName: 'parents',
      data: {},
      children: [1, 2, 3].map((n) => ({ name: `part-${n}`, queueName: 'children', data: { n } })),
    });
    assert.equal(tree.children?.length, 3);
    const parentId = tree.job.id!;
    const stateBefore = await tree.job.getState();
    assert.ok(stateBefore === 'waiting-children' || childDone.length === 3, `parent state ${stateBefore}`);
    let childrenValues: Record<string, number> = {};
    s.worker('parents', async (job) => {
      parentStarted = true;
      events.push('parent started');
      childrenValues = await job.getChildrenValues<number>();
      return Object.values(childrenValues).reduce((a, b) => a + b, 0);
    });
    await waitFor(() => parentStarted, 10_000, 'parent to run');
    let parent = await parents.getJob(parentId);
    for (let i = 0; i < 100 && parent?.finishedOn === undefined; i++) {
      await new Promise((r) => setTimeout(r, 20));
      parent = await parents.getJob(parentId);
    }
    assert.equal(parent!.returnvalue, 60);
    assert.equal(childDone.length, 3);
    assert.deepEqual(events, ['child done', 'child done', 'child done', 'parent started'], 'parent ran after every child finished');
    const expected: Record<string, number> = {};
    for (const child of tree.children!) expected[`bull:children:${child.job.id}`] = child.job.data.n * 10;
    assert.deepEqual(childrenValues, expected);
    assert.deepEqual(await parent!.getDependenciesCount(), { failed: 0, ignored: 0, processed: 3, unprocessed: 0 });
    assert.deepEqual(await children.getJobCounts('completed'), { completed: 3 });
  });
}

/** QueueEvents sees every 'completed' with its return value; waitUntilFinished resolves with it. */
async function eventsScenario(port: number): Promise<void> {
  await withScope(port, async (s) => {
    const queue = s.queue('evented');
    const events = s.events('evented');
    await events.waitUntilReady();
    const completed = new Map<string, string>();
    events.on('completed', ({ jobId, returnvalue }) => completed.set(jobId, String(returnvalue)));
    const added = await queue.addBulk(Array.from({ length: 20 }, (_, n) => ({ name: 'echo', data: { n } })));
    s.worker('evented', async (job) => `r${job.data.n}`, { concurrency: 4 });
    const last = await added[19].waitUntilFinished(events, 10_000);
    assert.equal(last, 'r19');
    await waitFor(() => completed.size === 20, 10_000, '20 completed events');
    for (const job of added) assert.equal(completed.get(job.id!), `r${job.data.n}`);
  });
}

/** The queue-management API: priorities, pause, deduplication, delays, logs, progress, workers, metrics, cleanup. */
async function managementScenario(port: number): Promise<void> {
  await withScope(port, async (s) => {
    const queue = s.queue('admin-q');
    const events = s.events('admin-q');
    await events.waitUntilReady();
    const progress: Array<[string, unknown]> = [];
    events.on('progress', ({ jobId, data }) => progress.push([jobId, data]));

    await queue.add('low', {}, { priority: 10 });
    await queue.add('high', {}, { priority: 1 });
    await queue.add('plain', {});
    assert.deepEqual(await queue.getJobCounts('prioritized', 'waiting'), { prioritized: 2, waiting: 1 });
    assert.deepEqual(await queue.getCountsPerPriority([0, 1, 10]), { '0': 1, '1': 1, '10': 1 });

    await queue.pause();
    assert.equal(await queue.isPaused(), true);
    await queue.resume();
    assert.equal(await queue.isPaused(), false);

    const first = await queue.add('dedup', { v: 1 }, { deduplication: { id: 'once' } });
    const second = await queue.add('dedup', { v: 2 }, { deduplication: { id: 'once' } });
    assert.equal(second.id, first.id, 'the duplicate is ignored');
    assert.equal(await queue.getDeduplicationJobId('once'), first.id);

    const later = await queue.add('later', {}, { delay: 100_000 });
    await later.changeDelay(200_000);
    assert.equal(await later.getState(), 'delayed');
    await later.promote();
    assert.equal(await later.getState(), 'waiting');

    const logged = await queue.add('logged', {});
    await logged.log('hello');
    await logged.log('world');
    assert.deepEqual(await queue.getJobLogs(logged.id!), { logs: ['hello', 'world'], count: 2 });
    const removed = await queue.add('removed', {});
    await removed.remove();
    assert.equal(await queue.getJob(removed.id!), undefined);
    assert.deepEqual((await queue.getJobs(['wait', 'prioritized'])).map((j) => j.name).sort(), ['dedup', 'high', 'later', 'logged', 'low', 'plain']);

    const order: string[] = [];
    const worker = s.worker('admin-q', async (job) => {
      order.push(job.name);
      await job.updateProgress(50);
      await job.updateData({ ...job.data, touched: true });
      if (job.name === 'plain') throw new Error('nope');
      return 'ok';
    }, { concurrency: 1 });
    await waitFor(() => order.length === 6, 10_000, 'six jobs');
    // Waiting jobs first (in insertion order), then prioritized ones by priority.
    assert.deepEqual(order, ['plain', 'dedup', 'later', 'logged', 'high', 'low']);
    await waitFor(() => progress.length === 6, 5_000, 'six progress events');
    assert.ok(progress.every(([, data]) => data === 50));
    let counts: Record<string, number> = {};
    for (let i = 0; i < 100 && counts.completed !== 5; i++) {
      counts = await queue.getJobCounts('completed', 'failed', 'active', 'waiting', 'prioritized');
      if (counts.completed !== 5) await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(counts, { completed: 5, failed: 1, active: 0, waiting: 0, prioritized: 0 });
    assert.deepEqual((await queue.getJob(logged.id!))?.data, { touched: true });

    // Workers are found through CLIENT LIST (BullMQ names its connections with CLIENT SETNAME).
    assert.equal(await queue.getWorkersCount(), 1);

    // A failed job retried from the failed set runs again and fails again.
    const [failed] = await queue.getFailed();
    assert.equal(failed.name, 'plain');
    await failed.retry();
    await waitFor(() => order.length === 7, 5_000, 'the retried job');
    let failedCount = 0;
    for (let i = 0; i < 100 && failedCount !== 1; i++) {
      failedCount = await queue.getJobCountByTypes('failed');
      if (failedCount !== 1) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(failedCount, 1);
    assert.equal((await queue.clean(0, 100, 'failed')).length, 1);
    assert.equal(await queue.getJobCountByTypes('failed'), 0);

    await worker.pause();
    await queue.add('drained', {});
    await queue.drain();
    assert.deepEqual(await queue.getJobCounts('wait'), { wait: 0 });
    assert.equal(await queue.getRateLimitTtl(), -2);
    await queue.setGlobalConcurrency(3);
    assert.equal(await queue.getGlobalConcurrency(), 3);
    await worker.close();
    await queue.obliterate({ force: true });
    const admin = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0 });
    try {
      assert.deepEqual(await admin.keys('bull:admin-q:*'), [], 'obliterate removed every key of the queue');
    } finally {
      admin.disconnect();
    }
  });
}

/** A worker dies holding a job: once its lock expires, another worker's stalled check takes it over. */
async function stalledScenario(port: number): Promise<void> {
  await withScope(port, async (s) => {
    const queue = s.queue('stalled');
    const job = await queue.add('fragile', { n: 1 });
    let started = false;
    // Stalled checks are throttled queue-wide by a key living stalledInterval ms: keep it short.
    const checks = { lockDuration: 400, stalledInterval: 200 };
    const doomed = new Worker('stalled', async () => {
      started = true;
      await new Promise(() => undefined); // never finishes
    }, { connection: s.connection, ...checks });
    await waitFor(() => started, 5_000, 'the doomed worker to start');
    await doomed.close(true); // force: gone without finishing the job or renewing its lock
    const stalled: string[] = [];
    const rescuer = s.worker('stalled', async (j) => `rescued ${j.data.n}`, checks);
    rescuer.on('stalled', (jobId) => stalled.push(jobId));
    let done = await queue.getJob(job.id!);
    const deadline = Date.now() + 10_000;
    while (done?.finishedOn === undefined && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      done = await queue.getJob(job.id!);
    }
    assert.equal(done?.returnvalue, 'rescued 1');
    assert.equal(await done!.getState(), 'completed');
    assert.deepEqual(stalled, [job.id], 'one stalled event, for the job');
    assert.equal(done!.attemptsStarted, 2);
  });
}

/** Job control from inside a processor: moveToDelayed, moveToWaitingChildren, extendLock; child failure policies. */
async function jobControlScenario(port: number): Promise<void> {
  await withScope(port, async (s) => {
    const queue = s.queue('steps');
    const seen: unknown[] = [];
    let lockCheck: unknown[] = [];
    const admin = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0 });
    try {
      await queue.add('delayer', { step: 0 });
      await queue.add('spawner', { step: 0 });
      s.worker('steps', async (job, token) => {
        seen.push(`${job.name}:${job.data.step}`);
        if (job.name === 'delayer' && job.data.step === 0) {
          lockCheck = [await job.extendLock(token!, 5000), (await admin.pttl(`bull:steps:${job.id}:lock`)) > 4000];
          await job.updateData({ step: 1 });
          await job.moveToDelayed(Date.now() + 200, token);
          throw new DelayedError();
        }
        if (job.name === 'spawner' && job.data.step === 0) {
          await queue.add('child', { step: 'c' }, { parent: { id: job.id!, queue: job.queueQualifiedName } });
          await job.updateData({ step: 1 });
          if (await job.moveToWaitingChildren(token!)) throw new WaitingChildrenError();
        }
        return `${job.name} done`;
      });
      await waitFor(() => seen.length === 5, 10_000, 'five processor runs');
      assert.deepEqual([...seen].sort(), ['child:c', 'delayer:0', 'delayer:1', 'spawner:0', 'spawner:1']);
      assert.deepEqual(lockCheck, [1, true]);
      let counts: Record<string, number> = {};
      for (let i = 0; i < 100 && counts.completed !== 3; i++) {
        counts = await queue.getJobCounts('completed', 'delayed', 'waiting-children', 'active');
        if (counts.completed !== 3) await new Promise((r) => setTimeout(r, 20));
      }
      assert.deepEqual(counts, { completed: 3, delayed: 0, 'waiting-children': 0, active: 0 });

      // A failing child with failParentOnFailure fails its parent; one with ignoreDependencyOnFailure does not.
      const flow = s.flow();
      const strict = await flow.add({ name: 'strict', queueName: 'parents2', children: [{ name: 'bad', queueName: 'kids', data: {}, opts: { failParentOnFailure: true } }] });
      const lenient = await flow.add({ name: 'lenient', queueName: 'parents2', children: [{ name: 'bad', queueName: 'kids', data: {}, opts: { ignoreDependencyOnFailure: true } }] });
      s.worker('kids', async () => {
        throw new Error('child failed');
      });
      const parentsRan: string[] = [];
      s.worker('parents2', async (job) => {
        parentsRan.push(job.name);
        return Object.keys(await job.getIgnoredChildrenFailures()).length;
      });
      await waitFor(() => parentsRan.length === 1, 10_000, 'the lenient parent');
      const parents = s.queue('parents2');
      let strictJob = await parents.getJob(strict.job.id!);
      for (let i = 0; i < 100 && strictJob?.finishedOn === undefined; i++) {
        await new Promise((r) => setTimeout(r, 20));
        strictJob = await parents.getJob(strict.job.id!);
      }
      assert.equal(await strictJob!.getState(), 'failed');
      assert.match(strictJob!.failedReason, /^child bull:kids:\S+ failed$/);
      let lenientJob = await parents.getJob(lenient.job.id!);
      for (let i = 0; i < 100 && lenientJob?.finishedOn === undefined; i++) {
        await new Promise((r) => setTimeout(r, 20));
        lenientJob = await parents.getJob(lenient.job.id!);
      }
      assert.equal(lenientJob!.returnvalue, 1, 'the parent ran and saw one ignored failure');
      assert.deepEqual(parentsRan, ['lenient']);
    } finally {
      admin.disconnect();
    }
  });
}

/**
 * BullMQ's sorted-set scores with 16 digits: a delayed job's score is due time * 0x1000 + a counter,
 * a prioritized job's priority * 2^32 + a counter. Scripts compute them as Lua numbers and hand them
 * to ZADD; Redis writes such numbers with %.17g, so the counter survives and order is FIFO.
 */
async function largeScoreScenario(port: number): Promise<void> {
  await withScope(port, async (s) => {
    const queue = s.queue('scores');
    const same = Date.now();
    const delayed = await queue.addBulk(Array.from({ length: 20 }, (_, i) => ({ name: `due-${i + 1}`, data: {}, opts: { delay: 200, timestamp: same } })));
    const admin = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0 });
    try {
      const scores = (await admin.zrange('bull:scores:delayed', 0, -1, 'WITHSCORES')).filter((_, i) => i % 2 === 1);
      assert.equal(scores[0], String((same + 200) * 0x1000), 'the first score: due time * 0x1000 + counter 0');
      assert.equal(new Set(scores).size, 20, `distinct delayed scores: ${scores.slice(0, 3).join(' ')} ...`);
    } finally {
      admin.disconnect();
    }
    const order: string[] = [];
    const worker = s.worker('scores', async (job) => {
      order.push(job.name);
    });
    await waitFor(() => order.length === 20, 10_000, 'the delayed jobs');
    assert.deepEqual(order, delayed.map((j) => j.name), 'jobs due in the same millisecond run in insertion order');

    await worker.pause();
    const prioritized = await queue.addBulk(Array.from({ length: 12 }, (_, i) => ({ name: `big-${i + 1}`, data: {}, opts: { priority: 2_000_000 } })));
    worker.resume();
    await waitFor(() => order.length === 32, 10_000, 'the prioritized jobs');
    assert.deepEqual(order.slice(20), prioritized.map((j) => j.name), 'FIFO within one (large) priority');
  });
}

const SCENARIOS: Array<[string, (port: number) => Promise<void>]> = [
  ['1,000 jobs, 10 concurrent workers: each job done exactly once', manyJobsScenario],
  ['delayed jobs run after their delay, in order', delayedScenario],
  ['retries with exponential backoff; attemptsMade; exhausted attempts fail', retryScenario],
  ['a repeatable job (job scheduler every 150 ms)', repeatScenario],
  ['a rate-limited queue (limiter max/duration)', rateLimitScenario],
  ['a parent/child flow: parent after children, getChildrenValues', flowScenario],
  ["QueueEvents 'completed' and waitUntilFinished", eventsScenario],
  ['queue management: priorities, pause, deduplication, delays, logs, progress, workers, clean, drain, obliterate', managementScenario],
  ['job control inside a processor (moveToDelayed, moveToWaitingChildren, extendLock) and child failure policies', jobControlScenario],
  ['a stalled job (its worker died) is taken over by another worker', stalledScenario],
  ['16-digit scores: FIFO among jobs due in the same ms and within a large priority', largeScoreScenario],
];

describe('BullMQ on Cinder', () => {
  let cinder: RunningServer;
  before(async () => {
    cinder = await startServer({ port: 0 });
  });
  after(async () => {
    await cinder?.close();
  });
  for (const [name, run] of SCENARIOS) it(name, { timeout: 60_000 }, () => run(cinder.port));
});

describe('BullMQ on real Redis (the same scenarios, as a check of the tests)', { skip: !redisServerAvailable && !process.env.CI ? 'redis-server not installed' : false }, () => {
  let redis: RealRedis | undefined;
  before(async () => {
    assert.ok(redisServerAvailable, 'redis-server is needed under CI');
    redis = await startRealRedis();
  });
  after(async () => {
    await redis?.stop();
  });
  for (const [name, run] of SCENARIOS) it(name, { timeout: 60_000 }, () => run(redis!.port));
});
