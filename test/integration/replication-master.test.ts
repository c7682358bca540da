/**
 * Cinder as a master of real redis-server 7.0.15 replicas (`--replicaof 127.0.0.1 <cinder port>`):
 * the full sync (diskless with the EOF-marked transfer, and disk-based), then the stream following
 * a mixed workload (every type, expiry, scripts, functions, MULTI, served blocking pops, streams
 * with consumer groups, evictions, several databases), both datasets compared key by key; the
 * link cut (CLIENT KILL TYPE replica) and resumed with a partial resync from the backlog; a
 * replica SIGKILLed during its transfer and during the stream, and the next one converging.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { RawConnection, encodeCommand, realRedisSuite, startRealRedis, type RealRedis } from '../helpers/differential.js';
import { assertSameDataset, call, caughtUp, freshDir, info, startRealReplica, until } from '../helpers/replication.js';
import { startServer, type RunningServer } from '../../src/embedded/index.js';

const LIBRARY = "#!lua name=replib\nredis.register_function('bump', function(keys, args) return redis.call('INCRBY', keys[1], args[1]) end)";

/** A dataset with every type in both of its encodings, TTLs, several databases and a library. */
async function populate(c: RawConnection): Promise<void> {
  await call(c, 'FUNCTION', 'LOAD', LIBRARY);
  await call(c, 'SET', 'str:int', '12345');
  await call(c, 'SET', 'str:raw', 'hello world');
  await call(c, 'SET', 'str:long', 'x'.repeat(5000));
  await call(c, 'SET', 'str:ttl', 'v', 'EX', '1000');
  await call(c, 'RPUSH', 'list:small', 'a', 'b', 'c', '1', '2');
  await call(c, 'RPUSH', 'list:big', ...Array.from({ length: 300 }, (_, i) => `element-${i}`));
  await call(c, 'SADD', 'set:int', '1', '2', '3', '100');
  await call(c, 'SADD', 'set:big', ...Array.from({ length: 200 }, (_, i) => `m${i}`));
  await call(c, 'HSET', 'hash:small', 'f1', 'v1', 'f2', '2');
  await call(c, 'HSET', 'hash:big', ...Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? `f${i}` : `value-${i}`)));
  await call(c, 'ZADD', 'zset:small', '1', 'a', '2.5', 'b', '-3', 'c');
  await call(c, 'ZADD', 'zset:big', ...Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? String(i / 7) : `member-${i}`)));
  await call(c, 'PEXPIRE', 'zset:small', '5000000');
  for (let i = 0; i < 30; i++) await call(c, 'XADD', 'stream', `${i + 1}-0`, 'field', `v${i}`, 'n', String(i));
  await call(c, 'XDEL', 'stream', '3-0');
  await call(c, 'XGROUP', 'CREATE', 'stream', 'g1', '0');
  await call(c, 'XGROUP', 'CREATE', 'stream', 'g2', '$');
  await call(c, 'XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', '5', 'STREAMS', 'stream', '>');
  await call(c, 'XREADGROUP', 'GROUP', 'g1', 'bob', 'COUNT', '3', 'STREAMS', 'stream', '>');
  await call(c, 'XACK', 'stream', 'g1', '2-0');
  await call(c, 'XGROUP', 'CREATECONSUMER', 'stream', 'g2', 'carol');
  await call(c, 'SELECT', '3');
  await call(c, 'SET', 'db3:key', 'in db 3');
  await call(c, 'LPUSH', 'db3:list', 'x', 'y');
  await call(c, 'SELECT', '0');
}

/** Writes of every kind while a replica follows; returns when all are done. */
async function workload(port: number, c: RawConnection): Promise<void> {
  await call(c, 'SET', 'w:str', 'one');
  await call(c, 'APPEND', 'w:str', '-two');
  await call(c, 'INCRBYFLOAT', 'w:float', '1.5');
  await call(c, 'SET', 'w:ex', 'v', 'EX', '100');
  await call(c, 'SET', 'w:short', 'v', 'PX', '50');
  await call(c, 'EXPIRE', 'str:raw', '300');
  await call(c, 'PERSIST', 'str:ttl');
  await call(c, 'SPOP', 'set:big', '3');
  await call(c, 'LPOP', 'list:big', '2');
  await call(c, 'ZINCRBY', 'zset:big', '10', 'member-1');
  await call(c, 'HINCRBYFLOAT', 'hash:small', 'f2', '0.25');
  await call(c, 'EVAL', "redis.call('SET', KEYS[1], 'from script'); return redis.call('RPUSH', KEYS[2], math.random())", '2', 'w:script', 'w:list');
  await call(c, 'FCALL', 'bump', '1', 'w:counter', '7');
  await call(c, 'MULTI');
  await call(c, 'INCR', 'w:counter');
  await call(c, 'SADD', 'w:set', 'a', 'b');
  await call(c, 'SELECT', '5');
  await call(c, 'SET', 'db5', 'x');
  await call(c, 'EXEC');
  await call(c, 'SELECT', '0');
  // A blocking pop served by another client's push.
  const blocked = await RawConnection.connect(port);
  blocked.write(encodeCommand(['BLPOP', 'w:queue', '0']));
  await until('BLPOP to block', async () => (await info(c, 'clients')).get('blocked_clients') === '1');
  await call(c, 'RPUSH', 'w:queue', 'job1', 'job2');
  await blocked.readReply();
  blocked.close();
  // Streams with groups: new entries, reads, acks, claims, trimming.
  await call(c, 'XADD', 'stream', '*', 'field', 'new');
  await call(c, 'XREADGROUP', 'GROUP', 'g2', 'carol', 'STREAMS', 'stream', '>');
  await call(c, 'XACK', 'stream', 'g1', '1-0', '4-0');
  await call(c, 'XCLAIM', 'stream', 'g1', 'carol', '0', '5-0');
  await call(c, 'XAUTOCLAIM', 'stream', 'g1', 'dave', '0', '0-0', 'COUNT', '2');
  await call(c, 'XTRIM', 'stream', 'MAXLEN', '25');
  await call(c, 'XSETID', 'stream', '99999999999999-0');
  // Expiry: the short key expires and is deleted by the active cycle (the replica gets the DEL).
  await until('w:short to expire', async () => (await call(c, 'EXISTS', 'w:short')) === 0);
  await call(c, 'SWAPDB', '3', '4');
  await call(c, 'MOVE', 'w:str', '6');
  await call(c, 'RENAME', 'w:float', 'w:float2');
  await call(c, 'DEL', 'str:int');
  // Evictions: a tight maxmemory makes room by evicting keys; each is a DEL in the stream.
  const used = Number((await info(c, 'memory')).get('used_memory'));
  await call(c, 'CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random');
  await call(c, 'CONFIG', 'SET', 'maxmemory', String(used + 256 * 1024));
  for (let i = 0; i < 40; i++) await call(c, 'SET', `evict:${i}`, 'e'.repeat(20_000));
  const evicted = Number((await info(c, 'stats')).get('evicted_keys'));
  await call(c, 'CONFIG', 'SET', 'maxmemory', '0');
  assert.ok(evicted > 0, 'keys were evicted');
  await call(c, 'FLUSHDB');
  await call(c, 'SET', 'after:flush', '1');
}

for (const mode of ['diskless', 'disk'] as const) {
  if (!realRedisSuite(`replication master (${mode})`)) continue;
  describe(`replication: Cinder master, real Redis replica (${mode} sync)`, () => {
    let cinder: RunningServer;
    let replica: RealRedis;
    let m: RawConnection;
    let r: RawConnection;
    before(async () => {
      cinder = await startServer({
        port: 0,
        config: { dir: freshDir('master'), 'repl-diskless-sync': mode === 'diskless' ? 'yes' : 'no', 'repl-diskless-sync-delay': 0 },
      });
      m = await RawConnection.connect(cinder.port);
      await populate(m);
      replica = await startRealReplica(cinder.port);
      r = await RawConnection.connect(replica.port);
    });
    after(async () => {
      m?.close();
      r?.close();
      await replica?.stop();
      await cinder?.close();
    });

    it('the full sync gives the replica an equal dataset', async () => {
      await caughtUp(m, r);
      const keys = await assertSameDataset(m, r);
      assert.ok(keys > 15);
      const stats = await info(m, 'stats');
      assert.equal(stats.get('sync_full'), '1');
      assert.equal(stats.get('sync_partial_ok'), '0');
      assert.ok(Number(stats.get('total_net_repl_output_bytes')) > 1000);
      const repl = await info(m, 'replication');
      assert.equal(repl.get('connected_slaves'), '1');
      assert.match(repl.get('slave0')!, new RegExp(`^ip=127\\.0\\.0\\.1,port=${replica.port},state=online,offset=\\d+,lag=[01]$`));
      assert.equal(repl.get('repl_backlog_active'), '1');
      // The replica's connection counts as a replica's memory, not a normal client's (as Redis
      // splits stat_clients_type_memory by client type); the cron refreshes it.
      await until('mem_clients_slaves', async () => Number((await info(m, 'memory')).get('mem_clients_slaves')) > 0);
      // The replica took the master's history: same id, same offset.
      const rr = await info(r, 'replication');
      assert.equal(rr.get('master_replid'), repl.get('master_replid'));
    });

    it('the replica follows a mixed workload', async () => {
      await workload(cinder.port, m);
      await caughtUp(m, r);
      await assertSameDataset(m, r);
    });

    it('INFO shows the rate of the stream while writes flow (instantaneous_output_repl_kbps)', async () => {
      const value = 'v'.repeat(1000);
      let kbps = 0;
      // The rate is sampled every 100 ms by the cron: write until a sample saw the stream move.
      for (let i = 0; i < 200 && kbps === 0; i++) {
        for (let j = 0; j < 20; j++) await call(m, 'SET', `rate:${j}`, value);
        kbps = Number((await info(m, 'stats')).get('instantaneous_output_repl_kbps'));
      }
      assert.ok(kbps > 0, 'instantaneous_output_repl_kbps stayed 0.00');
      await caughtUp(m, r);
    });

    it('a cut link resumes with a partial resync', async () => {
      assert.equal(await call(m, 'CLIENT', 'KILL', 'TYPE', 'replica'), 1);
      // Writes while the replica is away come from the backlog.
      await call(m, 'SET', 'while:away', '1');
      await call(m, 'HSET', 'hash:small', 'away', 'yes');
      await until('the replica to reconnect', async () => (await info(m, 'stats')).get('sync_partial_ok') === '1');
      await caughtUp(m, r);
      await assertSameDataset(m, r);
      const stats = await info(m, 'stats');
      assert.equal(stats.get('sync_full'), '1');
      assert.equal(stats.get('sync_partial_err'), '0');
      assert.equal((await info(r, 'replication')).get('master_link_status'), 'up');
    });

    it('WAIT counts the replica that acknowledged the write', async () => {
      await call(m, 'SET', 'waited', '1');
      assert.equal(await call(m, 'WAIT', '1', '5000'), 1);
      assert.equal(await call(m, 'WAIT', '2', '200'), 1);
      const role = (await call(m, 'ROLE')) as [string, number, string[][]];
      assert.equal(role[0], 'master');
      assert.deepEqual(role[2].map((x) => x.slice(0, 2)), [['127.0.0.1', String(replica.port)]]);
      // Its acknowledged offset: at most the master's (the GETACK WAIT sent came after).
      assert.ok(Number(role[2][0][2]) > 0 && Number(role[2][0][2]) <= role[1]);
    });

    it('min-replicas-to-write counts the replica that acknowledged lately', async () => {
      try {
        await call(m, 'CONFIG', 'SET', 'min-replicas-to-write', '1');
        assert.equal(await call(m, 'SET', 'guarded', '1'), 'OK');
        assert.equal((await info(m, 'replication')).get('min_slaves_good_slaves'), '1');
        await call(m, 'CONFIG', 'SET', 'min-replicas-to-write', '2');
        assert.deepEqual(await call(m, 'SET', 'guarded', '2'), { error: 'NOREPLICAS Not enough good replicas to write.' });
        assert.equal(await call(m, 'GET', 'guarded'), '1');
      } finally {
        await call(m, 'CONFIG', 'SET', 'min-replicas-to-write', '0');
      }
    });
  });
}

if (realRedisSuite('replication master kills')) {
  describe('replication: a replica killed mid-transfer and mid-stream', () => {
    let cinder: RunningServer;
    let m: RawConnection;
    const replicas: RealRedis[] = [];
    before(async () => {
      cinder = await startServer({ port: 0, config: { dir: freshDir('master'), 'repl-diskless-sync-delay': 0 } });
      m = await RawConnection.connect(cinder.port);
      await populate(m);
      for (let i = 0; i < 600; i++) await call(m, 'SET', `bulk:${i}`, 'x'.repeat(i % 50));
    });
    after(async () => {
      m?.close();
      for (const r of replicas) await r.stop();
      await cinder?.close();
    });

    it('SIGKILL of the replica during its diskless transfer stops the walk; the next replica syncs', async () => {
      // One key per millisecond: the transfer lasts about a second.
      await call(m, 'CONFIG', 'SET', 'rdb-key-save-delay', '1000');
      const doomed = await startRealReplica(cinder.port);
      replicas.push(doomed);
      await until('the transfer to start', async () => /state=wait_bgsave/.test((await info(m, 'replication')).get('slave0') ?? ''));
      assert.equal((await info(m, 'persistence')).get('rdb_bgsave_in_progress'), '1');
      doomed.process.kill('SIGKILL');
      await until('the replica to be gone and the walk stopped', async () => {
        const repl = await info(m, 'replication');
        return repl.get('connected_slaves') === '0' && (await info(m, 'persistence')).get('rdb_bgsave_in_progress') === '0';
      });
      await call(m, 'CONFIG', 'SET', 'rdb-key-save-delay', '0');
      const next = await startRealReplica(cinder.port);
      replicas.push(next);
      const r = await RawConnection.connect(next.port);
      try {
        await caughtUp(m, r);
        await assertSameDataset(m, r);
      } finally {
        r.close();
      }
    });

    it('SIGKILL of the replica while the stream flows; a replica started again converges', async () => {
      const writer = await RawConnection.connect(cinder.port);
      let writing = true;
      const load = (async () => {
        for (let i = 0; writing; i++) await call(writer, 'INCR', `counter:${i % 7}`);
      })();
      try {
        await new Promise((res) => setTimeout(res, 200));
        replicas[replicas.length - 1].process.kill('SIGKILL');
        await until('the replica to be gone', async () => (await info(m, 'replication')).get('connected_slaves') === '0');
        const again = await startRealReplica(cinder.port);
        replicas.push(again);
        await new Promise((res) => setTimeout(res, 200));
        writing = false;
        await load;
        const r = await RawConnection.connect(again.port);
        try {
          await caughtUp(m, r);
          await assertSameDataset(m, r);
        } finally {
          r.close();
        }
      } finally {
        writing = false;
        await load;
        writer.close();
      }
      // Cinder kept serving throughout.
      assert.equal(await call(m, 'PING'), 'PONG');
    });
  });
}

if (realRedisSuite('replication master: rdb-del-sync-files')) {
  describe('replication: rdb-del-sync-files on a master without persistence', () => {
    for (const server of ['redis', 'cinder'] as const) {
      it(`${server}: the RDB a disk-based sync wrote is removed once the replica has it, only when set`, async () => {
        const results: boolean[] = [];
        for (const setting of ['yes', 'no']) {
          const dir = freshDir(`del-sync-${server}`);
          const config = { dir, 'repl-diskless-sync': 'no', 'rdb-del-sync-files': setting, save: '' };
          let port: number;
          let stop: () => Promise<void>;
          if (server === 'cinder') {
            const cinder = await startServer({ port: 0, config });
            port = cinder.port;
            stop = () => cinder.close();
          } else {
            const redis = await startRealRedis(Object.entries(config).flatMap(([k, v]) => [`--${k}`, v]));
            port = redis.port;
            stop = () => redis.stop();
          }
          const replica = await startRealReplica(port);
          const m = await RawConnection.connect(port);
          const r = await RawConnection.connect(replica.port);
          try {
            await call(m, 'SET', 'k', 'v');
            await caughtUp(m, r);
            const file = path.join(dir, 'dump.rdb');
            if (setting === 'yes') await until('the RDB file to be removed', async () => !fs.existsSync(file), 5000);
            else await new Promise((res) => setTimeout(res, 1500));
            results.push(fs.existsSync(file));
          } finally {
            m.close();
            r.close();
            await replica.stop();
            await stop();
          }
        }
        assert.deepEqual(results, [false, true]);
      });
    }
  });
}
