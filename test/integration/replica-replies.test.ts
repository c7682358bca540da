/**
 * Differential checks of what a replica answers: a real redis-server 7.0.15 replica and a Cinder
 * replica of the same real master get the same commands, and their replies are compared byte for
 * byte in RESP2 and RESP3 (the read-only gate, scripts and transactions on a read-only replica,
 * logically expired keys, ROLE, REPLICAOF's replies, INFO replication's fields and their order,
 * the stale gate with replica-serve-stale-data no while the link is down).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RawConnection, freePort, redisServerAvailable, startRealRedis, type RealRedis } from '../helpers/differential.js';
import { cmd, info, text, waitFor, waitInSync } from '../helpers/replica.js';
import { startServer, type RunningServer } from '../../src/embedded/index.js';

const skip = !redisServerAvailable && 'redis-server not installed';

interface Side {
  resp2: RawConnection;
  resp3: RawConnection;
}

describe('a Cinder replica answers as a Redis replica', { skip }, () => {
  let tmp: string;
  let master: RealRedis;
  let redisReplica: RealRedis;
  let cinder: RunningServer;
  let m: RawConnection;
  let redis: Side;
  let ours: Side;
  const closers: Array<() => void> = [];

  async function side(port: number): Promise<Side> {
    const resp2 = await RawConnection.connect(port);
    const resp3 = await RawConnection.connect(port);
    await resp3.command(['HELLO', '3']);
    closers.push(() => resp2.close(), () => resp3.close());
    return { resp2, resp3 };
  }

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cinder-repl-replies-'));
    // No pings to the replicas during the test: both offsets stay where the writes left them.
    master = await startRealRedis(['--dir', tmp, '--enable-debug-command', 'yes', '--repl-ping-replica-period', '3600', '--repl-diskless-sync', 'no']);
    m = await RawConnection.connect(master.port);
    closers.push(() => m.close());
    await cmd(m, 'DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    await cmd(m, 'SET', 'a', '1');
    await cmd(m, 'FUNCTION', 'LOAD', "#!lua name=lib1\nredis.register_function('f1', function(keys) return redis.call('INCR', keys[1]) end)");
    const rdir = path.join(tmp, 'redis-replica');
    fs.mkdirSync(rdir);
    redisReplica = await startRealRedis(['--dir', rdir, '--replicaof', '127.0.0.1', String(master.port)]);
    const cdir = path.join(tmp, 'cinder-replica');
    fs.mkdirSync(cdir);
    cinder = await startServer({ config: { dir: cdir, save: '', replicaof: `127.0.0.1 ${master.port}` } });
    redis = await side(redisReplica.port);
    ours = await side(cinder.port);
    await waitInSync(m, redis.resp2);
    await waitInSync(m, ours.resp2);
  });

  after(async () => {
    for (const close of closers) close();
    await cinder?.close();
    await redisReplica?.stop();
    await master?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** Sends argv on both replicas in both protocols and compares the raw replies. */
  async function same(...argv: Array<string | number>): Promise<string> {
    const args = argv.map(String);
    let shown = '';
    for (const resp of ['resp2', 'resp3'] as const) {
      const expected = (await redis[resp].command(args)).toString('latin1');
      const actual = (await ours[resp].command(args)).toString('latin1');
      assert.equal(actual, expected, `${args.join(' ')} (${resp})`);
      if (resp === 'resp2') shown = expected;
    }
    return shown;
  }

  it('writes get READONLY: commands, scripts with and without flags, functions, transactions', async () => {
    assert.match(await same('SET', 'k', 'v'), /^-READONLY You can't write against a read only replica\.\r\n$/);
    await same('INCR', 'a');
    await same('EVAL', "return redis.call('SET', 'k', 'v')", 0);
    await same('EVAL', "return redis.pcall('SET', 'k', 'v')", 0);
    await same('EVAL', "#!lua\nreturn redis.call('SET', 'k', 'v')", 0);
    await same('EVAL', "#!lua flags=no-writes\nreturn redis.call('GET', 'a')", 0);
    await same('EVAL', "return redis.call('GET', 'a')", 0);
    await same('EVAL_RO', "return redis.call('GET', 'a')", 0);
    await same('FCALL', 'f1', 1, 'a');
    await same('FCALL_RO', 'f1', 1, 'a');
    await same('PUBLISH', 'ch', 'msg');
    for (const conn of ['resp2', 'resp3'] as const) {
      for (const s of [redis, ours]) await s[conn].command(['MULTI']);
    }
    await same('SET', 'k', 'v');
    await same('GET', 'a');
    await same('EXEC');
    await same('GET', 'a');
  });

  it('a key expired on the replica clock reads as missing but stays until the master deletes it', async () => {
    await cmd(m, 'SET', 'soon', 'v', 'PX', 50);
    await waitInSync(m, redis.resp2);
    await waitInSync(m, ours.resp2);
    await new Promise((r) => setTimeout(r, 80));
    await same('GET', 'soon');
    await same('EXISTS', 'soon');
    await same('TTL', 'soon');
    await same('DBSIZE');
    await same('SCAN', 0, 'MATCH', 'soon');
    await cmd(m, 'GET', 'soon');
    await waitInSync(m, redis.resp2);
    await waitInSync(m, ours.resp2);
    assert.equal(await same('DBSIZE'), ':1\r\n');
  });

  it('ROLE, HELLO, CONFIG GET replicaof, REPLICAOF replies and INFO replication fields', async () => {
    await waitInSync(m, redis.resp2);
    await waitInSync(m, ours.resp2);
    assert.match(await same('ROLE'), /^\*5\r\n\$5\r\nslave\r\n\$9\r\n127\.0\.0\.1\r\n:\d+\r\n\$9\r\nconnected\r\n:\d+\r\n$/);
    await same('CONFIG', 'GET', 'replicaof');
    await same('REPLICAOF', '127.0.0.1', master.port);
    await same('SLAVEOF', '127.0.0.1', master.port);
    await same('REPLICAOF', '127.0.0.1', 'abc');
    await same('REPLICAOF', '127.0.0.1', '70000');
    await same('REPLICAOF', '127.0.0.1', '01');
    await same('REPLICAOF', 'no');
    const hello = async (c: RawConnection) => text(await cmd(c, 'HELLO', '3')) as string[];
    const rh = await hello(redis.resp3);
    const ch = await hello(ours.resp3);
    assert.equal(ch[ch.indexOf('role') + 1], rh[rh.indexOf('role') + 1]);
    const fields = async (c: RawConnection) => [...(await info(c, 'replication')).keys()];
    assert.deepEqual(await fields(ours.resp2), await fields(redis.resp2));
    const ci = await info(ours.resp2, 'replication');
    const ri = await info(redis.resp2, 'replication');
    for (const f of ['role', 'master_host', 'master_port', 'master_link_status', 'master_sync_in_progress', 'slave_repl_offset', 'slave_read_repl_offset', 'master_replid', 'master_repl_offset']) {
      assert.equal(ci.get(f), ri.get(f), f);
    }
    assert.match(String(text(await cmd(ours.resp2, 'CLIENT', 'LIST', 'TYPE', 'master'))), /flags=M .*cmd=/);
  });

  it('replica-read-only no: local writes are taken (and never reach the master), reads see them', async () => {
    for (const s of [redis, ours]) await cmd(s.resp2, 'CONFIG', 'SET', 'replica-read-only', 'no');
    try {
      await same('SET', 'local-only', 'x');
      await same('INCR', 'local-counter');
      await same('EVAL', "return redis.call('INCR', 'local-counter')", 0);
      await same('GET', 'local-only');
      assert.equal((await info(ours.resp2, 'replication')).get('slave_read_only'), '0');
      assert.equal(text(await cmd(m, 'EXISTS', 'local-only', 'local-counter')), '0');
      await same('DEL', 'local-only', 'local-counter');
      // A TTL set by a local write (in database 15, which nothing else here uses): both read the
      // key as gone once it passed.
      await same('SELECT', 15);
      await same('SET', 'local-ttl', 'x', 'PX', 30);
      await new Promise((r) => setTimeout(r, 250));
      await same('GET', 'local-ttl');
      // Known deviation: Redis deletes keys its writable replica expired itself (expireSlaveKeys,
      // INFO slave_expires_tracked_keys); Cinder keeps them, read as absent, like keys from the
      // master (and DEL cannot remove them either).
      await waitFor('Redis to delete the local key', async () => text(await cmd(redis.resp2, 'DBSIZE')) === '0');
      assert.equal(text(await cmd(ours.resp2, 'DBSIZE')), '1');
      await same('DEL', 'local-ttl');
      assert.equal(text(await cmd(ours.resp2, 'DBSIZE')), '1');
    } finally {
      await same('SELECT', 0);
      for (const s of [redis, ours]) await cmd(s.resp2, 'CONFIG', 'SET', 'replica-read-only', 'yes');
    }
    await same('SET', 'local-only', 'x');
  });

  it("CLIENT PAUSE WRITE holds the master's stream until the pause ends", async () => {
    for (const s of [redis, ours]) assert.equal(text(await cmd(s.resp2, 'CLIENT', 'PAUSE', 10_000, 'WRITE')), 'OK');
    await cmd(m, 'SET', 'paused-write', 'v');
    await cmd(m, 'INCR', 'paused-counter');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await same('GET', 'paused-write'), '$-1\r\n');
    await same('GET', 'paused-counter');
    // The master client shows as blocked (flags=Mb), its held SET as its command.
    assert.match(String(text(await cmd(ours.resp2, 'CLIENT', 'LIST', 'TYPE', 'master'))), /flags=Mb .*cmd=set /);
    for (const s of [redis, ours]) await cmd(s.resp2, 'CLIENT', 'UNPAUSE');
    await waitInSync(m, redis.resp2);
    await waitInSync(m, ours.resp2);
    assert.equal(await same('GET', 'paused-write'), '$1\r\nv\r\n');
    await same('GET', 'paused-counter');
  });

  it('an expire time already past when the replica applies it keeps the key until the master deletes it', async () => {
    // Paused replicas apply PEXPIREAT / GETEX PXAT only after their time has passed.
    for (const s of [redis, ours]) await cmd(s.resp2, 'CLIENT', 'PAUSE', 10_000, 'WRITE');
    const at = Date.now() + 50;
    await cmd(m, 'SET', 'late1', 'v');
    await cmd(m, 'PEXPIREAT', 'late1', at);
    await cmd(m, 'SET', 'late2', 'v');
    await cmd(m, 'GETEX', 'late2', 'PXAT', at);
    await cmd(m, 'SET', 'late3', 'v', 'PXAT', at);
    const payload = await m.command(['DUMP', 'a']);
    const dump = payload.subarray(payload.indexOf('\r\n') + 2, payload.length - 2);
    await m.command(['RESTORE', 'late4', String(at), dump, 'ABSTTL']);
    // Changed on the master before its time: the replica applies it after, to the key as the
    // master had it (keys never expire for the master's commands), keeping the TTL.
    await cmd(m, 'SET', 'late5', '10', 'PXAT', at);
    await cmd(m, 'INCR', 'late5');
    await cmd(m, 'HSET', 'late6', 'f', 'v');
    await cmd(m, 'PEXPIREAT', 'late6', at);
    await cmd(m, 'HSET', 'late6', 'g', 'w');
    await new Promise((r) => setTimeout(r, 150));
    for (const s of [redis, ours]) await cmd(s.resp2, 'CLIENT', 'UNPAUSE');
    await waitInSync(m, redis.resp2);
    await waitInSync(m, ours.resp2);
    await same('GET', 'late1');
    await same('PTTL', 'late2');
    await same('EXISTS', 'late1', 'late2', 'late3', 'late4', 'late5', 'late6');
    await same('PTTL', 'late3');
    await same('GET', 'late5');
    await same('PTTL', 'late5');
    await same('HGETALL', 'late6');
    const size = await same('DBSIZE');
    // The master's own DELs (lazy expiry on access) bring both datasets back together.
    assert.equal(text(await cmd(m, 'GET', 'late5')), null);
    assert.equal(text(await cmd(m, 'HGETALL', 'late6'))?.toString(), '');
    await cmd(m, 'DEL', 'late1', 'late2', 'late3', 'late4');
    await waitInSync(m, redis.resp2);
    await waitInSync(m, ours.resp2);
    assert.equal(Number((await same('DBSIZE')).slice(1)), Number(size.slice(1)) - 6);
  });

  it('with replica-serve-stale-data no and the link down, only `stale` commands run (MASTERDOWN)', async () => {
    // Both have applied everything the earlier cases wrote: their offsets (ROLE) agree at the switch.
    await waitInSync(m, redis.resp2);
    await waitInSync(m, ours.resp2);
    const dead = await freePort();
    for (const s of [redis, ours]) {
      await cmd(s.resp2, 'CONFIG', 'SET', 'replica-serve-stale-data', 'no');
      await cmd(s.resp2, 'REPLICAOF', '127.0.0.1', dead);
    }
    await waitFor('both links down', async () => (await info(ours.resp2, 'replication')).get('master_link_status') === 'down');
    assert.match(await same('GET', 'a'), /^-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'\.\r\n$/);
    await same('PING');
    await same('ECHO', 'x');
    await same('EVAL', 'return 1', 0);
    await same('EVAL', "#!lua flags=no-writes\nreturn 1", 0);
    await same('EVAL', "#!lua flags=no-writes,allow-stale\nreturn 1", 0);
    await same('EVAL', "#!lua flags=no-writes,allow-stale\nreturn redis.call('GET', 'a')", 0);
    await same('EVAL', "return redis.call('GET', 'a')", 0);
    await same('FCALL_RO', 'f1', 1, 'a');
    await same('DBSIZE');
    await same('CONFIG', 'GET', 'replica-serve-stale-data');
    await same('ROLE');
    for (const conn of ['resp2', 'resp3'] as const) {
      for (const s of [redis, ours]) await s[conn].command(['MULTI']);
    }
    await same('GET', 'a');
    await same('EXEC');
    for (const conn of ['resp2', 'resp3'] as const) {
      for (const s of [redis, ours]) await s[conn].command(['MULTI']);
    }
    await same('ROLE');
    await same('EXEC');
    const fields = async (c: RawConnection) => [...(await info(c, 'replication')).keys()];
    assert.deepEqual(await fields(ours.resp2), await fields(redis.resp2));
    // Down since the switch away from the live master (a second boundary may fall between them).
    const downSince = async (c: RawConnection) => Number((await info(c, 'replication')).get('master_link_down_since_seconds'));
    const [rd, cd] = [await downSince(redis.resp2), await downSince(ours.resp2)];
    assert.ok(rd >= 0 && rd <= 5 && Math.abs(rd - cd) <= 1, `master_link_down_since_seconds: redis ${rd}, cinder ${cd}`);
    for (const s of [redis, ours]) await cmd(s.resp2, 'CONFIG', 'SET', 'replica-serve-stale-data', 'yes');
    await same('GET', 'a');
    // Promoted, both give up the dead master the same way.
    await same('REPLICAOF', 'NO', 'ONE');
    await same('REPLICAOF', 'NO', 'ONE');
    await same('ROLE');
    await same('SET', 'k', 'v');
  });
});
