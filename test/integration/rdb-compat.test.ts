/**
 * RDB behaviour checked against real Redis 7.0.15 beyond the file round trip of rdb-files.test.ts:
 * IDLE / FREQ records both ways, SHUTDOWN and SIGTERM when the final save fails, SIGTERM saving
 * under save points, and an RDB version 9 file (Redis 6's ziplist encodings) built by hand.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { RawConnection, freePort, redisServerAvailable, startRealRedis, type RealRedis } from '../helpers/differential.js';
import { RDB_TYPE, rdbV9File, v9, type V9Key } from '../helpers/rdb-v9.js';
import { startServer } from '../../src/embedded/index.js';
import { cmd, fingerprint, text } from '../helpers/fingerprint.js';

const CINDER_BIN = new URL('../../src/bin/cinder-server.js', import.meta.url).pathname;
const checkRdbAvailable = spawnSync('redis-check-rdb', ['--version'], { encoding: 'utf8' }).error === undefined;


async function waitFor(what: string, cond: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface CinderProc {
  port: number;
  child: ChildProcess;
  log(): string;
  exited: Promise<number | null>;
  /** The serving process (INFO process_id): on Node 20 the spawned one is a launcher. */
  serverPid(): Promise<number>;
  kill(): Promise<void>;
}

async function runCinder(dir: string, args: string[]): Promise<CinderProc> {
  const port = await freePort();
  const child = spawn(process.execPath, [CINDER_BIN, '--port', String(port), '--save', '', '--dir', dir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      process.off('exit', killOnExit);
      resolve(code);
    }),
  );
  await waitFor('cinder to start', () => {
    if (child.exitCode !== null) throw new Error(`cinder did not start:\n${out}`);
    return out.includes('Ready to accept connections');
  });
  return {
    port,
    child,
    log: () => out,
    exited,
    serverPid: async () => {
      const c = await RawConnection.connect(port);
      const info = text(await cmd(c, 'INFO', 'server')) as string;
      c.close();
      return Number(/^process_id:(\d+)/m.exec(info)![1]);
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

function redisExited(redis: RealRedis): Promise<number | null> {
  const p = redis.process;
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve(p.exitCode);
  return new Promise((resolve) => p.once('exit', (code) => resolve(code)));
}


describe('RDB compatibility details with real Redis', { skip: !redisServerAvailable && 'redis-server not installed' }, () => {
  const IDLE_KEYS = ['idle:0', 'idle:1000', 'idle:100000', 'hash:idle'];
  const FREQ_KEYS = ['freq:0', 'freq:42', 'freq:255', 'hash:freq'];
  const KEYS = [...IDLE_KEYS, ...FREQ_KEYS];

  /** Keys with known idle times (under an LRU policy) or counters (under LFU), then SAVE. */
  async function writeAccessFile(port: number, policy: 'allkeys-lru' | 'allkeys-lfu'): Promise<void> {
    const c = await RawConnection.connect(port);
    await cmd(c, 'CONFIG', 'SET', 'maxmemory-policy', policy);
    await cmd(c, 'SET', 'tmp', 'v');
    await cmd(c, 'HSET', 'htmp', 'f', 'v');
    const str = await c.command(['DUMP', 'tmp']);
    const hash = await c.command(['DUMP', 'htmp']);
    const payload = (r: Buffer) => r.subarray(r.indexOf('\r\n') + 2, r.length - 2);
    const restore = async (key: string, p: Buffer, ...opt: string[]) =>
      assert.equal((await c.command(['RESTORE', key, '0', p, 'REPLACE', ...opt].map((x) => (typeof x === 'string' ? Buffer.from(x) : x)))).latin1Slice(), '+OK\r\n');
    if (policy === 'allkeys-lru') {
      await cmd(c, 'SET', 'idle:0', 'v');
      await restore('idle:1000', payload(str), 'IDLETIME', '1000');
      await restore('idle:100000', payload(str), 'IDLETIME', '100000');
      await restore('hash:idle', payload(hash), 'IDLETIME', '5000');
    } else {
      await restore('freq:0', payload(str), 'FREQ', '0');
      await restore('freq:42', payload(str), 'FREQ', '42');
      await restore('freq:255', payload(str), 'FREQ', '255');
      await restore('hash:freq', payload(hash), 'FREQ', '7');
    }
    await cmd(c, 'DEL', 'tmp', 'htmp');
    assert.equal(text(await cmd(c, 'SAVE')), 'OK');
    c.close();
  }

  /** OBJECT IDLETIME and OBJECT FREQ of each key (replies as text: numbers, nil or the error). */
  async function observeAccess(port: number): Promise<Record<string, [string, string]>> {
    const c = await RawConnection.connect(port);
    const out: Record<string, [string, string]> = {};
    for (const k of KEYS) out[k] = [(await c.command(['OBJECT', 'IDLETIME', k])).latin1Slice(), (await c.command(['OBJECT', 'FREQ', k])).latin1Slice()];
    c.close();
    return out;
  }

  /** Idle times tick between the two loads: equal within 2 seconds; everything else exactly. */
  function assertSameAccess(redis: Record<string, [string, string]>, cinder: Record<string, [string, string]>, what: string): void {
    for (const k of KEYS) {
      const [ri, rf] = redis[k];
      const [ci, cf] = cinder[k];
      assert.equal(cf, rf, `${what}: OBJECT FREQ ${k}`);
      if (ri.startsWith(':') && ci.startsWith(':')) assert.ok(Math.abs(Number(ri.slice(1)) - Number(ci.slice(1))) <= 2, `${what}: OBJECT IDLETIME ${k}: redis ${ri} cinder ${ci}`);
      else assert.equal(ci, ri, `${what}: OBJECT IDLETIME ${k}`);
    }
  }

  it('IDLE and FREQ records: files from either server load into both with the idle times and counters Redis shows', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cinder-rdb-access-'));
    try {
      const files: Array<{ name: string; from: string }> = [];
      for (const policy of ['allkeys-lru', 'allkeys-lfu'] as const) {
        const name = `redis-${policy}.rdb`;
        const redis = await startRealRedis(['--dir', tmp, '--dbfilename', name]);
        try {
          await writeAccessFile(redis.port, policy);
        } finally {
          await redis.stop();
        }
        const cinderName = `cinder-${policy}.rdb`;
        const cinder = await startServer({ port: 0, config: { dir: tmp, dbfilename: cinderName } });
        try {
          await writeAccessFile(cinder.port, policy);
        } finally {
          await cinder.close();
        }
        files.push({ name, from: `Redis under ${policy}` }, { name: cinderName, from: `Cinder under ${policy}` });
      }
      for (const file of files) {
        for (const policy of ['allkeys-lru', 'allkeys-lfu']) {
          const what = `a file from ${file.from} loaded under ${policy}`;
          const redis = await startRealRedis(['--dir', tmp, '--dbfilename', file.name, '--maxmemory-policy', policy]);
          let expected: Record<string, [string, string]>;
          try {
            expected = await observeAccess(redis.port);
          } finally {
            await redis.stop();
          }
          const cinder = await startServer({ port: 0, config: { dir: tmp, dbfilename: file.name, 'maxmemory-policy': policy }, load: true });
          try {
            assertSameAccess(expected, await observeAccess(cinder.port), what);
          } finally {
            await cinder.close();
          }
          // The records are there: the counters or idle times the file was written with show.
          if (policy === 'allkeys-lfu' && file.name.includes('lfu')) assert.equal(expected['freq:42'][1], ':42\r\n', what);
          if (policy === 'allkeys-lru' && file.name.includes('lru')) assert.ok(Number(expected['idle:100000'][0].slice(1)) >= 100000, what);
        }
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  /** Commands and their raw replies on a server whose final save fails (dbfilename is a directory). */
  async function failingShutdownPair(tmp: string, tag: string): Promise<{ redis: RealRedis; cinder: CinderProc; redisLog: string; r: RawConnection; c: RawConnection }> {
    const redisDir = fs.mkdtempSync(path.join(tmp, `redis-${tag}-`));
    const cinderDir = fs.mkdtempSync(path.join(tmp, `cinder-${tag}-`));
    for (const dir of [redisDir, cinderDir]) {
      fs.mkdirSync(path.join(dir, 'adir.rdb'));
      fs.writeFileSync(path.join(dir, 'adir.rdb', 'keep'), '');
    }
    const redisLog = path.join(redisDir, 'redis.log');
    const common = ['--save', '3600 1', '--enable-protected-configs', 'yes'];
    const redis = await startRealRedis(['--dir', redisDir, '--logfile', redisLog, ...common]);
    let cinder: CinderProc | null = null;
    try {
      cinder = await runCinder(cinderDir, common);
      const r = await RawConnection.connect(redis.port);
      const c = await RawConnection.connect(cinder.port);
      for (const argv of [['SET', 'k', 'v'], ['CONFIG', 'SET', 'dbfilename', 'adir.rdb']]) {
        assert.equal((await c.command(argv)).latin1Slice(), (await r.command(argv)).latin1Slice());
      }
      return { redis, cinder, redisLog, r, c };
    } catch (e) {
      // A server that cannot save ignores SIGTERM: these never outlive the test.
      await redis.stop();
      await cinder?.kill();
      throw e;
    }
  }

  async function same(r: RawConnection, c: RawConnection, argv: string[]): Promise<string> {
    const expected = (await r.command(argv)).latin1Slice();
    assert.equal((await c.command(argv)).latin1Slice(), expected, JSON.stringify(argv));
    return expected;
  }

  it('SHUTDOWN and SIGTERM when the final save fails: an error and the server stays up; NOSAVE and FORCE exit', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cinder-rdb-shutdown-'));
    try {
      const p = await failingShutdownPair(tmp, 'plain');
      try {
        assert.equal(await same(p.r, p.c, ['SHUTDOWN']), '-ERR Errors trying to SHUTDOWN. Check logs.\r\n');
        assert.equal(await same(p.r, p.c, ['SHUTDOWN', 'SAVE']), '-ERR Errors trying to SHUTDOWN. Check logs.\r\n');
        await same(p.r, p.c, ['PING']);
        await same(p.r, p.c, ['GET', 'k']);
        // SIGTERM saves as SHUTDOWN does: it fails, and both keep serving.
        const failures = () => (fs.readFileSync(p.redisLog, 'latin1').match(/Errors trying to shut down the server/g) ?? []).length;
        const before = failures();
        process.kill(p.redis.process.pid!, 'SIGTERM');
        await waitFor('redis to try its shutdown', () => failures() > before);
        const cinderFailuresBefore = (p.cinder.log().match(/Errors trying to shut down the server/g) ?? []).length;
        process.kill(await p.cinder.serverPid(), 'SIGTERM');
        await waitFor('cinder to try its shutdown', () => (p.cinder.log().match(/Errors trying to shut down the server/g) ?? []).length > cinderFailuresBefore);
        await same(p.r, p.c, ['GET', 'k']);
        // NOSAVE: no reply, the connection closes, the process exits with status 0.
        p.r.write('*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n');
        p.c.write('*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n');
        const [rBytes, cBytes] = await Promise.all([p.r.readUntilClose(10_000), p.c.readUntilClose(10_000)]);
        assert.equal(cBytes.latin1Slice(), rBytes.latin1Slice());
        assert.equal(rBytes.length, 0);
        assert.equal(await redisExited(p.redis), 0);
        assert.equal(await p.cinder.exited, 0);
      } finally {
        p.r.close();
        p.c.close();
        await p.redis.stop();
        await p.cinder.kill();
      }
      const f = await failingShutdownPair(tmp, 'force');
      try {
        // FORCE: the failed save is logged and the process exits anyway.
        f.r.write('*2\r\n$8\r\nSHUTDOWN\r\n$5\r\nFORCE\r\n');
        f.c.write('*2\r\n$8\r\nSHUTDOWN\r\n$5\r\nFORCE\r\n');
        const [rBytes, cBytes] = await Promise.all([f.r.readUntilClose(10_000), f.c.readUntilClose(10_000)]);
        assert.equal(cBytes.latin1Slice(), rBytes.latin1Slice());
        assert.equal(await redisExited(f.redis), 0);
        assert.equal(await f.cinder.exited, 0);
        assert.match(f.cinder.log(), /Error trying to save the DB\. Exit anyway\./);
      } finally {
        f.r.close();
        f.c.close();
        await f.redis.stop();
        await f.cinder.kill();
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('SIGTERM with save points saves the dataset; the file loads into redis-server and Cinder with it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cinder-rdb-sigterm-'));
    try {
      const cinder = await runCinder(dir, ['--save', '1 1']);
      let expected: unknown;
      try {
        const c = await RawConnection.connect(cinder.port);
        await cmd(c, 'SET', 'a', '1');
        await cmd(c, 'RPUSH', 'l', 'x', 'y', 'z');
        await cmd(c, 'HSET', 'h', 'f', 'v');
        await cmd(c, 'SET', 'ttl', 'v', 'PXAT', '4102444800123');
        await cmd(c, 'SELECT', '5');
        // The last write comes right before the signal: no save point has seen it.
        await cmd(c, 'ZADD', 'z', '1', 'm', '2.5', 'n');
        expected = await fingerprint(c);
        const pid = await cinder.serverPid();
        process.kill(pid, 'SIGTERM');
        assert.equal(await cinder.exited, 0);
        c.close();
      } finally {
        await cinder.kill();
      }
      assert.match(cinder.log(), /Received SIGTERM scheduling shutdown\.\.\./);
      assert.match(cinder.log(), /Saving the final RDB snapshot before exiting\./);
      const file = path.join(dir, 'dump.rdb');
      if (checkRdbAvailable) {
        const check = spawnSync('redis-check-rdb', [file], { encoding: 'utf8' });
        assert.equal(check.status, 0, check.stdout + check.stderr);
      }
      const redis = await startRealRedis(['--dir', dir, '--dbfilename', 'dump.rdb']);
      try {
        const c = await RawConnection.connect(redis.port);
        assert.deepEqual(await fingerprint(c), expected);
        c.close();
      } finally {
        await redis.stop();
      }
      const again = await startServer({ port: 0, config: { dir, dbfilename: 'dump.rdb' }, load: true });
      try {
        const c = await RawConnection.connect(again.port);
        assert.deepEqual(await fingerprint(c), expected);
        c.close();
      } finally {
        await again.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an RDB version 9 file (Redis 6: ziplists, quicklist, intset) loads into redis-server and Cinder the same', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cinder-rdb-v9-'));
    try {
      const bigNode = Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? String(i * 1000) : `item-${i}`));
      const db0: V9Key[] = [
        { key: 'str', type: RDB_TYPE.STRING, value: v9.string('hello') },
        { key: 'int8', type: RDB_TYPE.STRING, value: v9.string('-100') },
        { key: 'int16', type: RDB_TYPE.STRING, value: v9.string('12345') },
        { key: 'int32', type: RDB_TYPE.STRING, value: v9.string('-2000000000') },
        { key: 'lzf', type: RDB_TYPE.STRING, value: v9.string('abc'.repeat(100)) },
        { key: 'bin', type: RDB_TYPE.STRING, value: v9.string(Buffer.from([0, 1, 0xff, 13, 10])) },
        { key: 'expiring', type: RDB_TYPE.STRING, value: v9.string('soon'), expireMs: 4102444800123 },
        // Two quicklist nodes; integers of every ziplist width; an entry of 300 bytes makes the next
        // entry's prevlen take 5 bytes.
        { key: 'list', type: RDB_TYPE.LIST_QUICKLIST, value: v9.quicklist([['a', '7', '-5', '300', '70000', '-9000000', '3000000000', '9223372036854775807', 'x'.repeat(300), 'after'], bigNode]) },
        { key: 'list:small', type: RDB_TYPE.LIST_QUICKLIST, value: v9.quicklist([['only']]) },
        { key: 'hash:zl', type: RDB_TYPE.HASH_ZIPLIST, value: v9.ziplistBlob(['f1', 'v1', 'n', '42', 'long', 'y'.repeat(70)]) },
        // A ziplist hash past hash-max-listpack-entries (128) converts to a hashtable on load.
        { key: 'hash:zl-big', type: RDB_TYPE.HASH_ZIPLIST, value: v9.ziplistBlob(Array.from({ length: 200 }, (_, i) => [`f${i}`, `v${i}`]).flat()) },
        { key: 'hash:ht', type: RDB_TYPE.HASH, value: v9.hash([['a', '1'], ['b', 'x'.repeat(100)]]) },
        { key: 'zset:zl', type: RDB_TYPE.ZSET_ZIPLIST, value: v9.ziplistBlob(['c', '-3', 'a', '1', 'b', '2.5', 'd', '1e+20']) },
        { key: 'zset:2', type: RDB_TYPE.ZSET_2, value: v9.zset2([['m', 0.1], ['n', 2], ['o', -Infinity]]) },
        { key: 'set:intset', type: RDB_TYPE.SET_INTSET, value: v9.intsetBlob([3, 1, 2, -7]) },
        { key: 'set:intset32', type: RDB_TYPE.SET_INTSET, value: v9.intsetBlob([100000, -5]) },
        { key: 'set:intset64', type: RDB_TYPE.SET_INTSET, value: v9.intsetBlob([2 ** 40, 1]) },
        { key: 'set:ht', type: RDB_TYPE.SET, value: v9.set(['x', 'y', 'z']) },
      ];
      const db2: V9Key[] = [{ key: 'other', type: RDB_TYPE.STRING, value: v9.string('db2') }];
      const aux: Array<[string, string]> = [
        ['redis-ver', '6.2.14'],
        ['redis-bits', '64'],
        ['ctime', String(Math.floor(Date.now() / 1000))],
        ['used-mem', '866528'],
        // Redis 6 kept scripts here for replicas; 7.0 ignores it when loading.
        ['lua', "return redis.call('get', KEYS[1])"],
        ['aof-preamble', '0'],
      ];
      fs.writeFileSync(path.join(dir, 'v9.rdb'), rdbV9File(aux, new Map([[0, db0], [2, db2]])));
      if (checkRdbAvailable) {
        const check = spawnSync('redis-check-rdb', [path.join(dir, 'v9.rdb')], { encoding: 'utf8' });
        assert.equal(check.status, 0, check.stdout + check.stderr);
      }
      const redis = await startRealRedis(['--dir', dir, '--dbfilename', 'v9.rdb']);
      let expected: unknown;
      try {
        const c = await RawConnection.connect(redis.port);
        expected = await fingerprint(c);
        c.close();
      } finally {
        await redis.stop();
      }
      // Every key made it into Redis (the file is what it claims).
      assert.equal(Object.keys((expected as { dbs: Record<string, object> }).dbs['0']).length, db0.length);
      const cinder = await startServer({ port: 0, config: { dir, dbfilename: 'v9.rdb' }, load: true });
      try {
        const c = await RawConnection.connect(cinder.port);
        assert.deepEqual(await fingerprint(c), expected);
        c.close();
      } finally {
        await cinder.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
