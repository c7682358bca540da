/**
 * redlock and rate-limiter-flexible's RateLimiterRedis, both on ioredis, run unchanged: their Lua
 * scripts go through EVALSHA (NOSCRIPT, then EVAL) and their MULTI blocks through the dispatcher.
 * Every scenario runs against Cinder and, as a check of the test itself, against a real redis-server.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
// redlock 5.0.0-beta.2's package.json "exports" has no "types" entry, so NodeNext resolution cannot
// see its declarations: import the runtime untyped and give it the types from the declaration file.
// @ts-expect-error TS7016 (no resolvable declarations; see above)
import * as redlockModule from 'redlock';
import type * as RedlockTypes from '../../node_modules/redlock/dist/index.js';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { startServer, type RunningServer } from '../../src/embedded/index.js';
import { redisServerAvailable, startRealRedis, type RealRedis } from '../helpers/differential.js';

const { default: Redlock, ExecutionError, ResourceLockedError } = redlockModule as typeof RedlockTypes;
type Redlock = RedlockTypes.default;
type ExecutionError = RedlockTypes.ExecutionError;
type Lock = RedlockTypes.Lock;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The least a TTL of `total` ms, set no earlier than `since` (Date.now() before the command that
 * set it), can read now: a bound on the value, whatever the time the scenario took. The TTLs below
 * are long (tens of seconds) where nothing waits for them to run out, so a slow machine cannot
 * make a key expire in the middle of a check.
 */
const leastLeft = (total: number, since: number): number => total - (Date.now() - since);

/** ioredis connections of one scenario, flushed at the start and closed at the end. */
async function withClients(port: number, body: (connect: () => Redis) => Promise<void>): Promise<void> {
  const clients: Redis[] = [];
  const connect = () => {
    const r = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0, retryStrategy: () => null });
    clients.push(r);
    return r;
  };
  try {
    await connect().flushall();
    await body(connect);
  } finally {
    for (const c of clients) c.disconnect();
  }
}

/** A Redlock over one client; errors it emits are collected (an unheard 'error' would throw). */
function redlockOn(client: Redis, errors: Error[], settings: Record<string, number> = {}): Redlock {
  const rl = new Redlock([client], { retryCount: 0, retryDelay: 50, retryJitter: 10, ...settings });
  rl.on('error', (e: Error) => errors.push(e));
  return rl;
}

/** Settles into the error (asserting the promise rejected) for checks on its class and message. */
async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  assert.fail('expected a rejection');
}

// ---------------------------------------------------------------------------------------------
// redlock
// ---------------------------------------------------------------------------------------------

async function redlockBasics(port: number): Promise<void> {
  await withClients(port, async (connect) => {
    const c = connect();
    const errors: Error[] = [];
    const redlock = redlockOn(c, errors);
    const internals = redlock as unknown as { scripts: Record<string, { hash: string }> };
    // A fresh server has no scripts: the first EVALSHA gets NOSCRIPT and redlock falls back to EVAL.
    assert.deepEqual(await c.script('EXISTS', internals.scripts.acquireScript.hash), [0]);
    const beforeAcquire = Date.now();
    const lock = await redlock.acquire(['res:a'], 30_000);
    const afterAcquire = Date.now();
    assert.deepEqual(await c.script('EXISTS', internals.scripts.acquireScript.hash), [1]);
    assert.equal(await c.get('res:a'), lock.value);
    const ttl = await c.pttl('res:a');
    assert.ok(ttl >= leastLeft(30_000, beforeAcquire) && ttl <= 30_000, `pttl ${ttl}`);
    // Redlock's expiration: its clock at the attempt's start + duration - clock drift allowance.
    assert.ok(lock.expiration > beforeAcquire && lock.expiration <= afterAcquire + 30_000, `expiration ${lock.expiration}`);

    const beforeExtend = Date.now();
    const extended = await lock.extend(60_000);
    assert.equal(extended.value, lock.value);
    const ttl2 = await c.pttl('res:a');
    assert.ok(ttl2 >= leastLeft(60_000, beforeExtend) && ttl2 <= 60_000, `pttl after extend ${ttl2}`);

    const released = await extended.release();
    const stats = await released.attempts[0];
    assert.equal(stats.votesFor.size, 1);
    assert.equal(await c.exists('res:a'), 0);

    // Releasing again finds nothing of this lock's value: no quorum.
    const again = await rejection(extended.release());
    assert.ok(again instanceof ExecutionError, String(again));
    // Extending a released lock fails as well.
    const ext = await rejection(extended.extend(1000));
    assert.ok(ext instanceof ExecutionError, String(ext));

    // Multi-resource locks are all or nothing.
    const pair = await redlock.acquire(['res:x', 'res:y'], 2000);
    assert.deepEqual(await c.mget('res:x', 'res:y'), [pair.value, pair.value]);
    const partial = await rejection(redlock.acquire(['res:y', 'res:z'], 2000));
    assert.ok(partial instanceof ExecutionError);
    assert.equal(await c.exists('res:z'), 0, 'no partial acquisition');
    await pair.release();
    assert.equal(await c.exists('res:x', 'res:y'), 0);
    assert.ok(errors.length > 0 && errors.every((e) => e instanceof ResourceLockedError), errors.map(String).join('; '));
  });
}

async function redlockContention(port: number): Promise<void> {
  await withClients(port, async (connect) => {
    const errors: Error[] = [];
    const a = redlockOn(connect(), errors);
    const b = redlockOn(connect(), errors);
    const held = await a.acquire(['res:c'], 60_000);

    // Without retries the second holder is refused at once, with the reason from the script's result.
    const refused = await rejection(b.acquire(['res:c'], 5000));
    assert.ok(refused instanceof ExecutionError);
    const stats = await (refused as ExecutionError).attempts[0];
    const reason = [...stats.votesAgainst.values()][0];
    assert.ok(reason instanceof ResourceLockedError);
    assert.equal(reason.message, 'The operation was applied to: 0 of the 1 requested resources.');

    // With retries it gets the lock once the first holder releases: checked by the order of
    // events, not by a clock (the first lock lives 60 s, so only the release can free it).
    const events: string[] = [];
    const waiting = b.acquire(['res:c'], 5000, { retryCount: 1000, retryDelay: 50, retryJitter: 10 }).then((l) => {
      events.push('acquired');
      return l;
    });
    // Lets the waiter be refused a few times first.
    await sleep(200);
    events.push('releasing');
    await held.release();
    const taken = await waiting;
    assert.deepEqual(events, ['releasing', 'acquired']);
    assert.notEqual(taken.value, held.value);
    await taken.release();

    // Mutual exclusion: five contenders increment a counter with a read-sleep-write under the lock.
    const contenders = Array.from({ length: 5 }, () => redlockOn(connect(), errors, { retryCount: 200, retryDelay: 20, retryJitter: 10 }));
    const counterClient = connect();
    await counterClient.set('counter', '0');
    await Promise.all(
      contenders.map(async (rl) => {
        for (let i = 0; i < 4; i++) {
          const lock = await rl.acquire(['res:counter'], 2000);
          const v = Number(await counterClient.get('counter'));
          await sleep(2);
          await counterClient.set('counter', String(v + 1));
          await lock.release();
        }
      }),
    );
    assert.equal(await counterClient.get('counter'), '20', 'no increment lost: the lock excluded the others');
  });
}

async function redlockExpiry(port: number): Promise<void> {
  await withClients(port, async (connect) => {
    const errors: Error[] = [];
    const a = redlockOn(connect(), errors);
    const b = redlockOn(connect(), errors);
    const observer = connect();
    const stale: Lock = await a.acquire(['res:e'], 200);
    await sleep(300);
    assert.equal(await observer.exists('res:e'), 0, 'the lock expired');
    const fresh = await b.acquire(['res:e'], 2000);
    // The old holder can neither extend nor release the new holder's lock.
    assert.ok((await rejection(stale.extend(2000))) instanceof ExecutionError);
    assert.ok((await rejection(stale.release())) instanceof ExecutionError);
    assert.equal(await observer.get('res:e'), fresh.value);

    // `using` extends automatically while the routine runs longer than the lock's duration.
    const result = await b.using(['res:auto'], 600, { automaticExtensionThreshold: 300 }, async (signal) => {
      await sleep(1000);
      assert.equal(signal.aborted, false);
      const ttl = await observer.pttl('res:auto');
      assert.ok(ttl > 0, `still held after 1000 ms (pttl ${ttl})`);
      return 'done';
    });
    assert.equal(result, 'done');
    assert.equal(await observer.exists('res:auto'), 0, 'released after the routine');
    await fresh.release();
  });
}

/** Starts another server of the kind under test (for redlock's quorum across independent nodes). */
type Spawn = () => Promise<{ port: number; stop(): Promise<void> }>;

/** Redlock's real use: three independent nodes, a majority (2) is enough, a minority is not. */
async function redlockQuorum(port: number, spawn: Spawn): Promise<void> {
  const extra = await Promise.all([spawn(), spawn()]);
  const ports = [port, ...extra.map((e) => e.port)];
  try {
    await withClients(port, async () => {
      const nodes = ports.map((p) => new Redis({ host: '127.0.0.1', port: p, maxRetriesPerRequest: 0, retryStrategy: () => null }));
      try {
        await Promise.all(nodes.slice(1).map((n) => n.flushall()));
        const errors: Error[] = [];
        const redlock = new Redlock(nodes, { retryCount: 0 });
        redlock.on('error', (e: Error) => errors.push(e));
        const lock = await redlock.acquire(['q:a'], 30_000);
        // acquire() resolves on a majority; the attempt's stats once every node has voted.
        const stats = await lock.attempts[0];
        assert.deepEqual([stats.membershipSize, stats.quorumSize, stats.votesFor.size], [3, 2, 3]);
        assert.deepEqual(await Promise.all(nodes.map((n) => n.get('q:a'))), [lock.value, lock.value, lock.value]);

        // One node already held by someone else: 2 of 3 is a majority.
        await nodes[2].set('q:b', 'someone-else', 'PX', 5000);
        const majority = await redlock.acquire(['q:b'], 5000);
        const mStats = await majority.attempts[0];
        assert.deepEqual([mStats.votesFor.size, mStats.votesAgainst.size], [2, 1]);
        assert.equal(await nodes[2].get('q:b'), 'someone-else');

        // Two nodes held elsewhere: no quorum, and the one node it did get is released again.
        await nodes[1].set('q:c', 'x', 'PX', 5000);
        await nodes[2].set('q:c', 'y', 'PX', 5000);
        const refused = await rejection(redlock.acquire(['q:c'], 5000));
        assert.ok(refused instanceof ExecutionError);
        await Promise.all((refused as ExecutionError).attempts);
        let held: Array<string | null> = [];
        for (let i = 0; i < 50; i++) {
          held = await Promise.all(nodes.map((n) => n.get('q:c')));
          if (held[0] === null) break;
          await sleep(10);
        }
        assert.deepEqual(held, [null, 'x', 'y']);

        // A node goes down: the lock is still extended and released on the majority that remains.
        await extra[1].stop();
        const beforeExtend = Date.now();
        const extended = await lock.extend(30_000);
        const eStats = await extended.attempts[0];
        assert.deepEqual([eStats.votesFor.size, eStats.votesAgainst.size], [2, 1]);
        assert.ok((await nodes[0].pttl('q:a')) >= leastLeft(30_000, beforeExtend), 'extended to 30 s');
        await (await extended.release()).attempts[0];
        assert.deepEqual(await Promise.all(nodes.slice(0, 2).map((n) => n.exists('q:a'))), [0, 0]);
        assert.ok(errors.some((e) => e instanceof ResourceLockedError));
        assert.ok(errors.some((e) => !(e instanceof ResourceLockedError)), 'the down node voted against with a connection error');
      } finally {
        for (const n of nodes) n.disconnect();
      }
    });
  } finally {
    await Promise.all(extra.map((e) => e.stop()));
  }
}

// ---------------------------------------------------------------------------------------------
// rate-limiter-flexible
// ---------------------------------------------------------------------------------------------

function limiter(client: Redis, opts: { keyPrefix: string; points: number; duration: number; blockDuration?: number }): RateLimiterRedis {
  return new RateLimiterRedis({ storeClient: client, useRedisPackage: false, ...opts });
}

/** A rejected consume resolves to a RateLimiterRes (not an Error): settle it either way. */
async function settle(p: Promise<RateLimiterRes>): Promise<{ ok: boolean; res: RateLimiterRes }> {
  try {
    return { ok: true, res: await p };
  } catch (e) {
    assert.ok(e instanceof RateLimiterRes, `rejected with ${String(e)}`);
    return { ok: false, res: e };
  }
}

async function limiterConsume(port: number): Promise<void> {
  await withClients(port, async (connect) => {
    const c = connect();
    const rl = limiter(c, { keyPrefix: 'api', points: 5, duration: 60 });
    const windowStart = Date.now();
    for (let i = 1; i <= 5; i++) {
      const { ok, res } = await settle(rl.consume('user-1'));
      assert.ok(ok, `consume ${i} allowed`);
      assert.equal(res.consumedPoints, i);
      assert.equal(res.remainingPoints, 5 - i);
      assert.equal(res.isFirstInDuration, i === 1);
      assert.ok(res.msBeforeNext >= leastLeft(60_000, windowStart) && res.msBeforeNext <= 60_000, `msBeforeNext ${res.msBeforeNext}`);
    }
    const blocked = await settle(rl.consume('user-1'));
    assert.equal(blocked.ok, false);
    assert.equal(blocked.res.consumedPoints, 6);
    assert.equal(blocked.res.remainingPoints, 0);
    assert.ok(blocked.res.msBeforeNext >= leastLeft(60_000, windowStart) && blocked.res.msBeforeNext <= 60_000);
    // The store is a plain counter with the duration as its TTL.
    assert.equal(await c.get('api:user-1'), '6');
    const ttl = await c.pttl('api:user-1');
    assert.ok(ttl >= leastLeft(60_000, windowStart) && ttl <= 60_000, `pttl ${ttl}`);

    // Several points at once; another key is independent.
    const multi = await settle(rl.consume('user-2', 3));
    assert.deepEqual([multi.ok, multi.res.consumedPoints, multi.res.remainingPoints], [true, 3, 2]);
    const over = await settle(rl.consume('user-2', 3));
    assert.deepEqual([over.ok, over.res.consumedPoints, over.res.remainingPoints], [false, 6, 0]);

    // penalty and reward move the counter without consuming.
    const pen = await rl.penalty('user-3', 2);
    assert.deepEqual([pen.consumedPoints, pen.remainingPoints], [2, 3]);
    const rew = await rl.reward('user-3', 1);
    assert.deepEqual([rew.consumedPoints, rew.remainingPoints], [1, 4]);
    const got = await rl.get('user-3');
    assert.equal(got?.consumedPoints, 1);
    assert.equal(await rl.get('nobody'), null);

    // delete removes the key: the next consume is the first in a new duration.
    assert.equal(await rl.delete('user-1'), true);
    assert.equal(await rl.delete('user-1'), false);
    const fresh = await settle(rl.consume('user-1'));
    assert.deepEqual([fresh.ok, fresh.res.consumedPoints, fresh.res.isFirstInDuration], [true, 1, true]);

    // Concurrent consumers: exactly `points` of them get through.
    const burst = limiter(connect(), { keyPrefix: 'burst', points: 10, duration: 5 });
    const others = [connect(), connect(), connect()].map((cl) => limiter(cl, { keyPrefix: 'burst', points: 10, duration: 5 }));
    const all = await Promise.all(Array.from({ length: 24 }, (_, i) => settle([burst, ...others][i % 4].consume('shared'))));
    assert.equal(all.filter((r) => r.ok).length, 10);
    assert.deepEqual(all.map((r) => r.res.consumedPoints).sort((x, y) => x - y), Array.from({ length: 24 }, (_, i) => i + 1));
  });
}

async function limiterBlockAndExpiry(port: number): Promise<void> {
  await withClients(port, async (connect) => {
    const c = connect();
    // Over the limit, the key is blocked for blockDuration (longer than the window).
    const rl = limiter(c, { keyPrefix: 'login', points: 2, duration: 30, blockDuration: 60 });
    assert.ok((await settle(rl.consume('ip'))).ok);
    assert.ok((await settle(rl.consume('ip'))).ok);
    const beforeBlock = Date.now();
    const third = await settle(rl.consume('ip'));
    assert.equal(third.ok, false);
    assert.ok(third.res.msBeforeNext >= leastLeft(60_000, beforeBlock) && third.res.msBeforeNext <= 60_000, `blocked for ${third.res.msBeforeNext} ms`);
    const ttl = await c.pttl('login:ip');
    assert.ok(ttl >= leastLeft(60_000, beforeBlock) && ttl <= 60_000, `block pttl ${ttl}`);
    const state = await rl.get('ip');
    assert.ok(state !== null && state.msBeforeNext >= leastLeft(60_000, beforeBlock));

    // An explicit block on a key that never consumed.
    const beforeExplicit = Date.now();
    const blockedRes = await rl.block('other', 60);
    assert.ok(blockedRes.msBeforeNext >= leastLeft(60_000, beforeExplicit) && blockedRes.msBeforeNext <= 60_000);
    assert.equal((await settle(rl.consume('other'))).ok, false);

    // set() forces a counter and a duration.
    const beforeSet = Date.now();
    const set = await rl.set('forced', 1, 60);
    assert.equal(set.consumedPoints, 1);
    assert.ok((await c.pttl('login:forced')) >= leastLeft(60_000, beforeSet));

    // A window expires: after it a key can consume again.
    const short = limiter(c, { keyPrefix: 'short', points: 1, duration: 1 });
    assert.ok((await settle(short.consume('k'))).ok);
    assert.equal((await settle(short.consume('k'))).ok, false);
    await sleep(1100);
    const after = await settle(short.consume('k'));
    assert.deepEqual([after.ok, after.res.consumedPoints, after.res.isFirstInDuration], [true, 1, true]);

    // A duration under a second stores no TTL through MULTI (INCRBY + PTTL), as the library does.
    const forever = limiter(c, { keyPrefix: 'forever', points: 3, duration: 0 });
    const f = await settle(forever.consume('k', 2));
    assert.deepEqual([f.ok, f.res.consumedPoints, f.res.msBeforeNext], [true, 2, -1]);
    assert.equal(await c.pttl('forever:k'), -1);
  });
}

const SCENARIOS: Array<[string, (port: number, spawn: Spawn) => Promise<void>]> = [
  ['redlock: acquire, extend, release, multi-resource, NOSCRIPT fallback', redlockBasics],
  ['redlock: contention between holders and mutual exclusion', redlockContention],
  ['redlock: an expired lock is taken over; using() auto-extends', redlockExpiry],
  ['redlock: quorum across three independent servers, one of them going down', redlockQuorum],
  ['RateLimiterRedis: consume until blocked, penalty, reward, get, delete, concurrency', limiterConsume],
  ['RateLimiterRedis: blockDuration, block(), set(), window expiry, no-TTL mode', limiterBlockAndExpiry],
];

describe('redlock and rate-limiter-flexible on Cinder', () => {
  let cinder: RunningServer;
  before(async () => {
    cinder = await startServer({ port: 0 });
  });
  after(async () => {
    await cinder?.close();
  });
  const spawn: Spawn = async () => {
    const s = await startServer({ port: 0 });
    return { port: s.port, stop: () => s.close() };
  };
  for (const [name, run] of SCENARIOS) it(name, { timeout: 30_000 }, () => run(cinder.port, spawn));
});

describe('redlock and rate-limiter-flexible on real Redis (the same scenarios)', { skip: !redisServerAvailable && !process.env.CI ? 'redis-server not installed' : false }, () => {
  let redis: RealRedis | undefined;
  before(async () => {
    assert.ok(redisServerAvailable, 'redis-server is needed under CI');
    redis = await startRealRedis();
  });
  after(async () => {
    await redis?.stop();
  });
  const spawn: Spawn = async () => {
    const r = await startRealRedis();
    // RealRedis.stop() waits for an 'exit' that has already happened when called a second time.
    let stopped: Promise<void> | undefined;
    return { port: r.port, stop: () => (stopped ??= r.stop()) };
  };
  for (const [name, run] of SCENARIOS) it(name, { timeout: 30_000 }, () => run(redis!.port, spawn));
});
