/**
 * Cinder as a replica of a real redis-server 7.0.15: full sync (disk-based and diskless, from the
 * --replicaof flag and from REPLICAOF at run time), a mixed workload followed command by command,
 * a cut link resumed with a partial resync, promotion with REPLICAOF NO ONE, the master killed
 * mid-stream and restarted. Datasets are compared key by key (type, encoding, expiry, contents,
 * stream groups and PELs, functions) with the master's.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { RawConnection, freePort, parseReply, redisServerAvailable, startCinderProcess, startRealRedis, type RealRedis } from '../helpers/differential.js';
import { cmd, fingerprint, info, populate, text, waitFor, waitInSync } from '../helpers/replica.js';
import { startServer, type RunningServer } from '../../src/embedded/index.js';

const skip = !redisServerAvailable && 'redis-server not installed';

async function runAll(c: RawConnection, commands: Array<Array<string | number>>): Promise<void> {
  for (const argv of commands) {
    const r = await cmd(c, ...argv);
    assert.notEqual(r.type, '-', `${argv.join(' ')}: ${r.text}`);
  }
}

/** The master's workload after the initial sync: every kind of effect a stream carries. */
async function mixedWorkload(master: RawConnection, port: number): Promise<void> {
  await runAll(master, [
    ['SET', 'w:plain', 'v'],
    ['SET', 'w:ex', 'v', 'EX', 1000],
    ['INCRBYFLOAT', 'w:float', '1.5'],
    ['APPEND', 'str:text', ' world'],
    ['LPUSH', 'list:small', 'z'],
    ['SPOP', 'set:str'],
    ['HINCRBY', 'hash:small', 'f2', 5],
    ['ZINCRBY', 'zset:small', 2, 'a'],
    ['EVAL', "redis.call('SET', KEYS[1], ARGV[1]); return redis.call('INCR', KEYS[2])", 2, 'w:script', 'w:counter', 'x'],
    ['FCALL', 'f1', 1, 'w:fcall'],
    ['MULTI'],
    ['SET', 'w:multi1', 1],
    ['RPUSH', 'w:multilist', 'a', 'b'],
    ['EXPIRE', 'w:multi1', 1000],
    ['EXEC'],
    ['SELECT', 3],
    ['XADD', 's', '*', 'k', 'v'],
    ['XREADGROUP', 'GROUP', 'g2', 'carol', 'COUNT', 10, 'STREAMS', 's', '>'],
    ['XACK', 's', 'g1', '1-1'],
    ['XCLAIM', 's', 'g2', 'dave', 0, '2-0'],
    ['XAUTOCLAIM', 's', 'g2', 'erin', 0, '0-0'],
    ['SELECT', 0],
    ['SET', 'w:short', 'v', 'PX', 30],
    ['HSET', 'w:shorthash', 'f', 'v'],
    ['PEXPIRE', 'w:shorthash', 40],
  ]);
  // A blocked pop served by a push: the replica receives the pop, not the BLPOP.
  const blocked = await RawConnection.connect(port);
  blocked.write(Buffer.from('*3\r\n$5\r\nBLPOP\r\n$8\r\nw:queue1\r\n$1\r\n0\r\n'));
  await waitFor('the BLPOP to block', async () => (await info(master, 'clients')).get('blocked_clients') === '1');
  await runAll(master, [['RPUSH', 'w:queue1', 'first', 'second']]);
  assert.deepEqual(text(parseReply(await blocked.readReply())), ['w:queue1', 'first']);
  blocked.close();
  // Expiry on the master (active and lazy) reaches the replica as DELs.
  await new Promise((r) => setTimeout(r, 80));
  await runAll(master, [['GET', 'w:short']]);
  await waitFor('the master to expire w:shorthash', async () => text(await cmd(master, 'EXISTS', 'w:shorthash')) === '0');
  // Evictions on the master: the replica gets their DELs (it never evicts by itself).
  const used = Number((await info(master, 'memory')).get('used_memory'));
  await runAll(master, [
    ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random'],
    ['CONFIG', 'SET', 'maxmemory', used + 200_000],
  ]);
  for (let i = 0; i < 40; i++) await cmd(master, 'SET', `evict:${i}`, 'e'.repeat(20_000));
  await runAll(master, [['CONFIG', 'SET', 'maxmemory', 0]]);
  assert.ok(Number((await info(master, 'stats')).get('evicted_keys')) > 0, 'the master evicted keys');
  assert.ok(Number((await info(master, 'stats')).get('expired_keys')) >= 2, 'the master expired keys');
}

function tmpDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `cinder-repl-${tag}-`));
}

describe('Cinder as a replica of real Redis', { skip }, () => {
  const dirs: string[] = [];
  const stops: Array<() => Promise<void>> = [];
  const dir = (tag: string): string => {
    const d = tmpDir(tag);
    dirs.push(d);
    return d;
  };
  after(async () => {
    for (const stop of stops.reverse()) await stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  async function master(args: string[] = []): Promise<{ redis: RealRedis; c: RawConnection }> {
    const redis = await startRealRedis(['--dir', dir('master'), '--repl-diskless-sync', 'no', ...args]);
    stops.push(() => redis.stop());
    const c = await RawConnection.connect(redis.port);
    stops.push(async () => c.close());
    return { redis, c };
  }

  async function cinder(config: Record<string, string | number> = {}): Promise<{ server: RunningServer; c: RawConnection }> {
    const server = await startServer({ config: { dir: dir('cinder'), save: '', ...config } });
    stops.push(() => server.close());
    const c = await RawConnection.connect(server.port);
    stops.push(async () => c.close());
    return { server, c };
  }

  /**
   * A write on the master while the replica is down, then the replica restarted on `pdir`: it
   * continues from its file with a partial resync (the master counts one full sync, one partial)
   * and ends with the master's dataset.
   */
  async function restartContinuesPartially(m: { redis: RealRedis; c: RawConnection }, pdir: string, key: string): Promise<void> {
    await runAll(m.c, [['SET', key, '1']]);
    const again = await startCinderProcess(['--dir', pdir, '--replicaof', '127.0.0.1', String(m.redis.port)]);
    stops.push(() => again.stop());
    const r = await RawConnection.connect(again.port);
    stops.push(async () => r.close());
    await waitInSync(m.c, r);
    assert.deepEqual(await fingerprint(r), await fingerprint(m.c));
    const stats = await info(m.c, 'stats');
    assert.equal(stats.get('sync_full'), '1');
    assert.equal(stats.get('sync_partial_ok'), '1');
  }

  it('started with --replicaof, it receives an equal dataset by a disk-based sync', async () => {
    const m = await master();
    await runAll(m.c, populate());
    const proc = await startCinderProcess(['--dir', dir('proc'), '--replicaof', '127.0.0.1', String(m.redis.port)]);
    stops.push(() => proc.stop());
    const r = await RawConnection.connect(proc.port);
    stops.push(async () => r.close());
    await waitInSync(m.c, r);
    assert.deepEqual(await fingerprint(r), await fingerprint(m.c));
    const ri = await info(r, 'replication');
    assert.equal(ri.get('role'), 'slave');
    assert.equal(ri.get('master_replid'), (await info(m.c, 'replication')).get('master_replid'));
    assert.equal((await info(m.c, 'stats')).get('sync_full'), '1');
  });

  for (const load of ['disabled', 'on-empty-db', 'swapdb']) {
    it(`REPLICAOF at run time: a diskless sync (repl-diskless-load ${load}) replaces the dataset, then the stream is followed`, async () => {
      const m = await master(['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0']);
      await runAll(m.c, populate());
      const r = await cinder({ 'repl-diskless-load': load });
      await runAll(r.c, [['SET', 'old-key', 'gone after the sync']]);
      assert.equal(text(await cmd(r.c, 'REPLICAOF', '127.0.0.1', m.redis.port)), 'OK');
      await waitInSync(m.c, r.c);
      assert.deepEqual(await fingerprint(r.c), await fingerprint(m.c));
      await mixedWorkload(m.c, m.redis.port);
      await waitInSync(m.c, r.c);
      assert.deepEqual(await fingerprint(r.c), await fingerprint(m.c));
      assert.equal(r.server.server.replica.fullSyncs, 1);
      // A load from memory writes no file; a disk-based one leaves dbfilename behind, as Redis.
      // on-empty-db loads from memory only into an empty dataset (old-key was there).
      const file = path.join(String(r.server.server.config.get('dir')), 'dump.rdb');
      assert.equal(fs.existsSync(file), load !== 'swapdb');
    });
  }

  it('rdb-del-sync-files removes the RDB received from the master when nothing persists, and only then', async () => {
    const m = await master();
    await runAll(m.c, [['SET', 'k', 'v']]);
    for (const save of ['', '3600 1']) {
      const r = await cinder({ 'rdb-del-sync-files': 'yes', save });
      await cmd(r.c, 'REPLICAOF', '127.0.0.1', m.redis.port);
      await waitInSync(m.c, r.c);
      assert.equal(text(await cmd(r.c, 'GET', 'k')), 'v');
      const file = path.join(String(r.server.server.config.get('dir')), 'dump.rdb');
      assert.equal(fs.existsSync(file), save !== '', `save '${save}'`);
    }
  });

  it('a link cut by the master resumes with a partial resync, and writes made meanwhile arrive', async () => {
    const m = await master();
    await runAll(m.c, populate());
    const r = await cinder();
    await cmd(r.c, 'REPLICAOF', '127.0.0.1', m.redis.port);
    // The stream's selected database at the cut is 9: what follows the cut comes without a SELECT.
    await runAll(m.c, [['SELECT', 9], ['SET', 'before-cut-9', '1']]);
    await waitInSync(m.c, r.c);
    assert.equal(text(await cmd(m.c, 'CLIENT', 'KILL', 'TYPE', 'replica')), '1');
    await runAll(m.c, [['SET', 'during-cut-9', '1'], ['SELECT', 0], ['SET', 'during-cut', '1'], ['INCR', 'str:int'], ['SELECT', 9], ['DEL', 'only-in-9'], ['SELECT', 0]]);
    await waitInSync(m.c, r.c);
    const stats = await info(m.c, 'stats');
    assert.equal(stats.get('sync_partial_ok'), '1');
    assert.equal(stats.get('sync_full'), '1');
    assert.equal(r.server.server.replica.partialSyncs, 1);
    assert.deepEqual(await fingerprint(r.c), await fingerprint(m.c));
    // CLIENT KILL TYPE master on the replica cuts it from its side: the same partial resync.
    await runAll(m.c, [['SELECT', 5], ['SET', 'in-5', '1']]);
    await waitInSync(m.c, r.c);
    assert.equal(text(await cmd(r.c, 'CLIENT', 'KILL', 'TYPE', 'master')), '1');
    await runAll(m.c, [['SET', 'in-5-after-kill', '1'], ['SELECT', 0], ['SET', 'after-kill', '1']]);
    await waitInSync(m.c, r.c);
    assert.equal((await info(m.c, 'stats')).get('sync_partial_ok'), '2');
    assert.equal(text(await cmd(r.c, 'GET', 'after-kill')), '1');
    assert.deepEqual(await fingerprint(r.c), await fingerprint(m.c));
  });

  it('REPLICAOF NO ONE promotes: the old history becomes replid2 up to the offset, writes work', async () => {
    const m = await master();
    await runAll(m.c, [['SET', 'a', '1']]);
    const r = await cinder();
    await cmd(r.c, 'REPLICAOF', '127.0.0.1', m.redis.port);
    await waitInSync(m.c, r.c);
    const before = await info(r.c, 'replication');
    // What came from the master counts as replication input, not client input (Redis 7.0's split).
    assert.ok(Number((await info(r.c, 'stats')).get('total_net_repl_input_bytes')) > 0);
    assert.equal(text(await cmd(r.c, 'SET', 'b', '2')), "READONLY You can't write against a read only replica.");
    assert.equal(text(await cmd(r.c, 'REPLICAOF', 'NO', 'ONE')), 'OK');
    const afterInfo = await info(r.c, 'replication');
    assert.equal(afterInfo.get('role'), 'master');
    assert.equal(afterInfo.get('master_replid2'), before.get('master_replid'));
    assert.notEqual(afterInfo.get('master_replid'), before.get('master_replid'));
    assert.equal(afterInfo.get('second_repl_offset'), String(Number(before.get('master_repl_offset')) + 1));
    assert.equal(text(await cmd(r.c, 'SET', 'b', '2')), 'OK');
    // The promoted replica's own writes go to its backlog: SELECT (its stream's database is unknown
    // after the promotion) and the SET, as Redis's promoted replica counts them.
    const written = '*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n'.length;
    assert.deepEqual(text(await cmd(r.c, 'ROLE')), ['master', String(Number(before.get('master_repl_offset')) + written), []]);
    assert.equal(text(await cmd(r.c, 'CONFIG', 'GET', 'replicaof'))?.toString(), ['replicaof', ''].toString());
    // Nothing more arrives from the old master.
    await runAll(m.c, [['SET', 'a', 'changed']]);
    await new Promise((res) => setTimeout(res, 100));
    assert.equal(text(await cmd(r.c, 'GET', 'a')), '1');
  });

  it("WAIT on the master counts it (GETACK answered with the applied offset); the master lists its announced address", async () => {
    const m = await master();
    const r = await cinder({ 'replica-announce-ip': '10.1.2.3', 'replica-announce-port': 12345 });
    await cmd(r.c, 'REPLICAOF', '127.0.0.1', m.redis.port);
    await waitInSync(m.c, r.c);
    await runAll(m.c, [['SET', 'w', '1']]);
    // Answered by the GETACK each time, not by the once-a-second ACK (which would make some of
    // these take most of a second).
    const took: number[] = [];
    for (let i = 0; i < 5; i++) {
      await runAll(m.c, [['INCR', 'w']]);
      const started = Date.now();
      assert.equal(text(await cmd(m.c, 'WAIT', 1, 5000)), '1');
      took.push(Date.now() - started);
    }
    assert.ok(Math.max(...took) < 300, `WAIT took ${took.join(', ')} ms`);
    const mi = await info(m.c, 'replication');
    assert.match(mi.get('slave0') ?? '', new RegExp(`^ip=10\\.1\\.2\\.3,port=12345,state=online,offset=\\d+,lag=\\d+$`));
    // The GETACK itself is part of the stream: the replica applied it after answering.
    await waitInSync(m.c, r.c);
    assert.equal(text(await cmd(r.c, 'GET', 'w')), '6');
  });

  it('AUTH with masterauth (and masteruser); a wrong password keeps the link down', async () => {
    const m = await master(['--requirepass', 'secret']);
    await cmd(m.c, 'AUTH', 'secret');
    await runAll(m.c, [['SET', 'k', 'v'], ['ACL', 'SETUSER', 'repl', 'on', '>replpass', '+@all', '~*']]);
    const r = await cinder({ masterauth: 'secret' });
    await cmd(r.c, 'REPLICAOF', '127.0.0.1', m.redis.port);
    await waitInSync(m.c, r.c);
    assert.equal(text(await cmd(r.c, 'GET', 'k')), 'v');
    const u = await cinder({ masteruser: 'repl', masterauth: 'replpass' });
    await cmd(u.c, 'REPLICAOF', '127.0.0.1', m.redis.port);
    await waitInSync(m.c, u.c);
    assert.equal(text(await cmd(u.c, 'GET', 'k')), 'v');
    const wrong = await cinder({ masterauth: 'nope' });
    await cmd(wrong.c, 'REPLICAOF', '127.0.0.1', m.redis.port);
    await new Promise((res) => setTimeout(res, 300));
    const wi = await info(wrong.c, 'replication');
    assert.equal(wi.get('master_link_status'), 'down');
    assert.equal(text(await cmd(wrong.c, 'DBSIZE')), '0');
  });

  it('while the RDB loads, commands without the loading flag get -LOADING and INFO shows the sync in progress', async () => {
    const m = await master();
    await runAll(m.c, [['HSET', 'h', ...Array.from({ length: 100 }, (_, i) => [`f${i}`, i]).flat()]]);
    for (let i = 0; i < 3000; i++) await cmd(m.c, 'SET', `k${i}`, i);
    // 100 us per key: the load takes about 0.3 s.
    const r = await cinder({ 'key-load-delay': 100 });
    await cmd(r.c, 'REPLICAOF', '127.0.0.1', m.redis.port);
    await waitFor('the load to start', async () => (await info(r.c, 'persistence')).get('loading') === '1', 10_000);
    assert.equal(text(await cmd(r.c, 'GET', 'k1')), 'LOADING Redis is loading the dataset in memory');
    const ri = await info(r.c, 'replication');
    assert.equal(ri.get('master_sync_in_progress'), '1');
    assert.equal(ri.get('master_link_status'), 'down');
    assert.equal(ri.get('master_sync_left_bytes'), '0');
    assert.deepEqual((text(await cmd(r.c, 'ROLE')) as string[]).slice(3), ['sync', '-1']);
    await waitInSync(m.c, r.c);
    assert.equal(text(await cmd(r.c, 'GET', 'k1')), '1');
    assert.equal(text(await cmd(r.c, 'DBSIZE')), '3001');
  });

  it('with appendonly yes the AOF restarts from a rewrite of the synced dataset: reloaded, it is the master dataset', async () => {
    const m = await master();
    await runAll(m.c, [['SET', 'before-sync', 'x']]);
    const adir = dir('aof');
    const r = await cinder({ dir: adir, appendonly: 'yes' });
    await runAll(r.c, [['SET', 'replaced-by-sync', 'x']]);
    const rewritesBefore = Number((await info(r.c, 'persistence')).get('aof_rewrites'));
    await runAll(m.c, populate());
    await cmd(r.c, 'REPLICAOF', '127.0.0.1', m.redis.port);
    await waitInSync(m.c, r.c);
    await waitFor('the AOF rewrite after the sync', async () => {
      const p = await info(r.c, 'persistence');
      return Number(p.get('aof_rewrites')) > rewritesBefore && p.get('aof_rewrite_in_progress') === '0' && p.get('aof_enabled') === '1';
    });
    await runAll(m.c, [['SET', 'after-sync', 'y'], ['RPUSH', 'list:small', 'tail']]);
    await waitInSync(m.c, r.c);
    const expected = await fingerprint(m.c);
    await r.server.close();
    const reloaded = await cinder({ dir: adir, appendonly: 'yes' });
    assert.deepEqual(await fingerprint(reloaded.c), expected);
  });

  it('re-pointed at a sibling replica it continues partially, and follows that sibling promoted under a new replid', async () => {
    const m = await master();
    await runAll(m.c, populate());
    const sibling = await startRealRedis(['--dir', dir('sibling'), '--replicaof', '127.0.0.1', String(m.redis.port)]);
    stops.push(() => sibling.stop());
    const s = await RawConnection.connect(sibling.port);
    stops.push(async () => s.close());
    await waitInSync(m.c, s);
    const r = await cinder();
    await cmd(r.c, 'REPLICAOF', '127.0.0.1', m.redis.port);
    await waitInSync(m.c, r.c);
    const oldId = (await info(m.c, 'replication')).get('master_replid');
    // The same history: the sibling continues from our offset.
    assert.equal(text(await cmd(r.c, 'REPLICAOF', '127.0.0.1', sibling.port)), 'OK');
    await waitFor('the link to the sibling', async () => (await info(r.c, 'replication')).get('master_link_status') === 'up');
    assert.equal((await info(s, 'stats')).get('sync_partial_ok'), '1');
    assert.equal(r.server.server.replica.fullSyncs, 1);
    // The sibling promoted: it drops us, we PSYNC with the old id and get +CONTINUE <new id>.
    await cmd(s, 'REPLICAOF', 'NO', 'ONE');
    await runAll(s, [['SET', 'after-promotion', 'yes'], ['HSET', 'hash:small', 'f3', 'v3']]);
    await waitInSync(s, r.c);
    const ours = await info(r.c, 'replication');
    const theirs = await info(s, 'replication');
    assert.equal(ours.get('master_replid'), theirs.get('master_replid'));
    assert.equal(ours.get('master_replid2'), oldId);
    assert.equal(ours.get('second_repl_offset'), theirs.get('second_repl_offset'));
    assert.equal((await info(s, 'stats')).get('sync_partial_ok'), '2');
    assert.equal(r.server.server.replica.fullSyncs, 1);
    assert.deepEqual(await fingerprint(r.c), await fingerprint(s));
  });

  it('SIGKILL of the replica while it loads the RDB, then a restart: it continues from the file with a partial resync', async () => {
    const m = await master(['--enable-debug-command', 'yes']);
    await runAll(m.c, populate());
    await runAll(m.c, [['DEBUG', 'POPULATE', 5000]]);
    const pdir = dir('killed-replica');
    // 200 us per key: the load takes about a second.
    const first = await startCinderProcess(['--dir', pdir, '--replicaof', '127.0.0.1', String(m.redis.port), '--key-load-delay', '200']);
    stops.push(() => first.stop());
    const probe = await RawConnection.connect(first.port);
    // The serving process itself (on Node 20 the child may be a launcher).
    const serverPid = Number(/^process_id:(\d+)/m.exec(String(text(await cmd(probe, 'INFO', 'server'))))![1]);
    await waitFor('the load to start', async () => (await info(probe, 'persistence')).get('loading') === '1');
    process.kill(serverPid, 'SIGKILL');
    probe.close();
    await first.stop();
    // The RDB was renamed over dump.rdb before loading: the restart loads it, and its repl-id /
    // repl-offset aux fields say where in the master's stream to continue from.
    assert.ok(fs.existsSync(path.join(pdir, 'dump.rdb')));
    await restartContinuesPartially(m, pdir, 'after-kill');
  });

  it("its own SAVE records where in the master's stream it is: restarted on that file, it continues with a partial resync", async () => {
    const m = await master();
    await runAll(m.c, populate());
    const pdir = dir('saving-replica');
    const first = await startCinderProcess(['--dir', pdir, '--replicaof', '127.0.0.1', String(m.redis.port)]);
    stops.push(() => first.stop());
    const probe = await RawConnection.connect(first.port);
    await waitInSync(m.c, probe);
    // Writes after the full sync, in another database: the file must carry them and the stream's db.
    await runAll(m.c, [['SELECT', 5], ['SET', 'after-sync', '1'], ['SELECT', 0], ['SET', 'after-sync-0', '1']]);
    await waitInSync(m.c, probe);
    assert.equal(text(await cmd(probe, 'SAVE')), 'OK');
    probe.close();
    await first.stop();
    await restartContinuesPartially(m, pdir, 'while-down');
  });

  it('the master killed while the replica loads its RDB: the load completes, the whole snapshot is served stale', async () => {
    const m = await master(['--enable-debug-command', 'yes']);
    await runAll(m.c, populate());
    await runAll(m.c, [['DEBUG', 'POPULATE', 3000]]);
    const keys = Number(text(await cmd(m.c, 'DBSIZE')));
    const expected = await fingerprint(m.c);
    // 300 us per key: the load takes about a second.
    const r = await cinder({ 'key-load-delay': 300 });
    await cmd(r.c, 'REPLICAOF', '127.0.0.1', m.redis.port);
    await waitFor('the load to start', async () => (await info(r.c, 'persistence')).get('loading') === '1');
    await m.redis.stop();
    await waitFor('the load to end', async () => (await info(r.c, 'persistence')).get('loading') === '0', 20_000);
    assert.equal((await info(r.c, 'replication')).get('master_link_status'), 'down');
    assert.equal(text(await cmd(r.c, 'DBSIZE')), String(keys));
    await cmd(r.c, 'CONFIG', 'SET', 'key-load-delay', 0);
    assert.deepEqual(await fingerprint(r.c), expected);
  });

  it('SIGKILL of the master mid-stream, then a restart: the replica reconnects and converges', async () => {
    const mdir = dir('killed');
    const port = await freePort();
    const startMaster = async (): Promise<ChildProcess> => {
      const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', mdir, '--repl-diskless-sync', 'no'], { stdio: 'ignore' });
      const kill = () => proc.kill('SIGKILL');
      process.once('exit', kill);
      proc.once('exit', () => process.off('exit', kill));
      await waitFor('redis-server to start', async () => {
        try {
          const c = await RawConnection.connect(port);
          const pong = text(await cmd(c, 'PING'));
          c.close();
          return pong === 'PONG';
        } catch {
          return false;
        }
      });
      return proc;
    };
    let proc = await startMaster();
    stops.push(async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    });
    let mc = await RawConnection.connect(port);
    await runAll(mc, populate());
    const r = await cinder();
    await cmd(r.c, 'REPLICAOF', '127.0.0.1', port);
    await waitInSync(mc, r.c);
    // Pipelined writes in flight when the master dies.
    const writer = await RawConnection.connect(port);
    writer.write(Buffer.from('*2\r\n$4\r\nINCR\r\n$7\r\ncounter\r\n'.repeat(2000)));
    await new Promise((res) => setTimeout(res, 5));
    proc.kill('SIGKILL');
    await new Promise((res) => proc.once('exit', res));
    writer.close();
    mc.close();
    await waitFor('the replica to see the link down', async () => (await info(r.c, 'replication')).get('master_link_status') === 'down');
    // Stale data is served meanwhile (replica-serve-stale-data yes), as Redis does.
    assert.equal(text(await cmd(r.c, 'GET', 'str:text')), 'hello');
    proc = await startMaster();
    mc = await RawConnection.connect(port);
    stops.push(async () => mc.close());
    await waitInSync(mc, r.c);
    assert.deepEqual(await fingerprint(r.c), await fingerprint(mc));
    assert.equal(r.server.server.replica.fullSyncs, 2);
  });
});
