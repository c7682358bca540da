/**
 * Loading at startup in slices, side by side with real Redis 7.0.15 loading the same file slowed
 * by `key-load-delay`: both listen at once; commands without the `loading` flag get the same
 * -LOADING bytes (inline and multibulk, queued in MULTI, EXEC aborted), flagged ones run, INFO
 * persistence shows loading:1 and the same loading_* fields; once done, the same keys, and
 * Cinder's log has Redis's lines.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { RawConnection, freePort, redisServerAvailable, startRealRedis, type RealRedis } from '../helpers/differential.js';
import { open } from '../../src/embedded/index.js';

const KEYS = 20_000;
const CINDER_BIN = new URL('../../src/bin/cinder-server.js', import.meta.url).pathname;

/** Starts cinder-server on the file and returns once it listens (it is still loading then). */
async function startLoadingCinder(dir: string, extra: string[]): Promise<{ port: number; proc: ChildProcess; out: () => string }> {
  const port = await freePort();
  const proc = spawn(process.execPath, [CINDER_BIN, '--port', String(port), '--save', '', '--dir', dir, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  const killOnExit = () => proc.kill('SIGKILL');
  process.once('exit', killOnExit);
  proc.once('exit', () => process.off('exit', killOnExit));
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const c = await RawConnection.connect(port);
      c.close();
      return { port, proc, out: () => out };
    } catch {
      if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`cinder did not listen:\n${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** The bytes of a few requests sent at once, read until `replies` replies came. */
async function exchange(port: number, request: string, replies: number): Promise<string> {
  const c = await RawConnection.connect(port);
  c.write(request);
  let out = '';
  for (let i = 0; i < replies; i++) out += (await c.readReply()).latin1Slice();
  c.close();
  return out;
}

async function infoPersistence(port: number): Promise<string> {
  const c = await RawConnection.connect(port);
  const r = (await c.command(['INFO', 'persistence'])).latin1Slice();
  c.close();
  return r;
}

async function waitLoaded(port: number): Promise<void> {
  const c = await RawConnection.connect(port);
  try {
    await c.command(['CONFIG', 'SET', 'key-load-delay', '0']);
    while ((await c.command(['PING'])).latin1Slice() !== '+PONG\r\n') await new Promise((r) => setTimeout(r, 20));
  } finally {
    c.close();
  }
}

async function dbsize(port: number): Promise<string> {
  const c = await RawConnection.connect(port);
  const r = (await c.command(['DBSIZE'])).latin1Slice();
  c.close();
  return r;
}

const REQUEST =
  'GET x\r\n' + // inline
  '*1\r\n$4\r\nPING\r\n' + // no `loading` flag
  '*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n' +
  '*1\r\n$5\r\nMULTI\r\n' +
  '*2\r\n$3\r\nGET\r\n$1\r\nx\r\n' +
  '*1\r\n$4\r\nEXEC\r\n' +
  '*2\r\n$6\r\nPUBSUB\r\n$8\r\nCHANNELS\r\n' + // flagged: runs
  '*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$2\r\nhz\r\n' +
  '*1\r\n$7\r\nFLUSHDB\r\n';
const REPLIES = 9;

const fieldNames = (info: string) => info.split('\r\n').filter((l) => l.includes(':')).map((l) => l.slice(0, l.indexOf(':')));
const field = (info: string, name: string) => new RegExp(`\\r\\n${name}:([^\\r]*)`).exec(info)?.[1];

/**
 * Both servers are loading `totalBytes` of files: the same bytes for REQUEST, INFO persistence
 * with loading:1, the same field names, the total, and Cinder's progress short of it. Returns
 * Cinder's INFO persistence.
 */
async function assertLoadingAsRedis(redisPort: number, cinderPort: number, totalBytes: number): Promise<string> {
  const expected = await exchange(redisPort, REQUEST, REPLIES);
  assert.match(expected, /^-LOADING Redis is loading the dataset in memory\r\n/);
  assert.equal(await exchange(cinderPort, REQUEST, REPLIES), expected);
  const redisInfo = await infoPersistence(redisPort);
  const cinderInfo = await infoPersistence(cinderPort);
  assert.equal(field(redisInfo, 'loading'), '1');
  assert.equal(field(cinderInfo, 'loading'), '1');
  assert.deepEqual(fieldNames(cinderInfo), fieldNames(redisInfo));
  assert.equal(field(redisInfo, 'loading_total_bytes'), String(totalBytes));
  assert.equal(field(cinderInfo, 'loading_total_bytes'), String(totalBytes));
  assert.ok(Number(field(cinderInfo, 'loading_loaded_bytes')) < totalBytes);
  return cinderInfo;
}

describe('loading at startup: -LOADING while the file loads', { skip: !redisServerAvailable }, () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cinder-loading-'));
    const db = open({ config: { dir: tmp, dbfilename: 'big.rdb', 'enable-debug-command': 'yes' } });
    db.callSync('DEBUG', 'POPULATE', KEYS);
    db.callSync('HSET', 'h', 'f', 'v');
    db.callSync('SAVE');
    db.close();
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('answers as redis-server does while loading, then serves the whole dataset', async () => {
    // Slowed so that loading lasts long enough to be observed; sped up again through CONFIG SET.
    const slow = ['--dbfilename', 'big.rdb', '--key-load-delay', '500', '--loading-process-events-interval-bytes', '1024'];
    const redisDir = fs.mkdtempSync(path.join(tmp, 'redis-'));
    const cinderDir = fs.mkdtempSync(path.join(tmp, 'cinder-'));
    fs.copyFileSync(path.join(tmp, 'big.rdb'), path.join(redisDir, 'big.rdb'));
    fs.copyFileSync(path.join(tmp, 'big.rdb'), path.join(cinderDir, 'big.rdb'));
    let redis: RealRedis | null = null;
    let cinder: Awaited<ReturnType<typeof startLoadingCinder>> | null = null;
    try {
      redis = await startRealRedis([...slow, '--dir', redisDir]);
      cinder = await startLoadingCinder(cinderDir, slow);
      const cinderInfo = await assertLoadingAsRedis(redis.port, cinder.port, fs.statSync(path.join(cinderDir, 'big.rdb')).size);
      assert.match(field(cinderInfo, 'loading_loaded_perc')!, /^\d+\.\d\d$/);
      assert.ok(Number(field(cinderInfo, 'loading_rdb_used_mem')) > 0);

      await waitLoaded(redis.port);
      await waitLoaded(cinder.port);
      assert.equal(await dbsize(cinder.port), `:${KEYS + 1}\r\n`);
      assert.equal(await dbsize(cinder.port), await dbsize(redis.port));
      const after = await infoPersistence(cinder.port);
      assert.equal(field(after, 'loading'), '0');
      assert.equal(field(after, 'loading_total_bytes'), undefined);
      assert.equal(field(after, 'rdb_last_load_keys_loaded'), String(KEYS + 1));
      const log = cinder.out();
      assert.match(log, /Loading RDB produced by version 7\.0\.15/);
      assert.match(log, /RDB age \d+ seconds/);
      assert.match(log, /RDB memory usage when created \d+\.\d\d Mb/);
      assert.match(log, new RegExp(`Done loading RDB, keys loaded: ${KEYS + 1}, keys expired: 0\\.`));
      assert.match(log, /DB loaded from disk: \d+\.\d{3} seconds/);
      assert.ok(log.indexOf('DB loaded from disk') < log.indexOf('Ready to accept connections'));
    } finally {
      await redis?.stop();
      cinder?.proc.kill('SIGKILL');
    }
  });

  it('SHUTDOWN while loading exits without saving over the file', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'shutdown-'));
    fs.copyFileSync(path.join(tmp, 'big.rdb'), path.join(dir, 'dump.rdb'));
    const before = fs.readFileSync(path.join(dir, 'dump.rdb'));
    const cinder = await startLoadingCinder(dir, ['--key-load-delay', '500', '--save', '3600', '1']);
    try {
      const c = await RawConnection.connect(cinder.port);
      c.write('*2\r\n$8\r\nSHUTDOWN\r\n$4\r\nSAVE\r\n');
      await c.readUntilClose(10_000);
      await new Promise<void>((resolve) => (cinder.proc.exitCode !== null ? resolve() : cinder.proc.once('exit', () => resolve())));
      assert.equal(cinder.proc.exitCode, 0);
      assert.deepEqual(fs.readFileSync(path.join(dir, 'dump.rdb')), before);
      assert.doesNotMatch(cinder.out(), /Ready to accept connections/);
    } finally {
      cinder.proc.kill('SIGKILL');
    }
  });
});

/** A command, as the AOF holds it. */
const resp = (...argv: string[]) => `*${argv.length}\r\n${argv.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;

describe('AOF loading at startup: -LOADING while the files replay', { skip: !redisServerAvailable }, () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cinder-aof-loading-'));
    const db = open({ config: { dir: tmp, dbfilename: 'base.rdb', 'enable-debug-command': 'yes', 'aof-use-rdb-preamble': 'yes' } });
    db.callSync('DEBUG', 'POPULATE', 2000, 'base');
    db.callSync('SAVE');
    db.close();
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** An appendonlydir of Redis's layout: a base (an RDB, or commands) and an incremental file of commands. */
  function writeAofDir(dir: string, rdbBase: boolean): number {
    const aofDir = path.join(dir, 'appendonlydir');
    fs.mkdirSync(aofDir);
    const baseName = rdbBase ? 'appendonly.aof.1.base.rdb' : 'appendonly.aof.1.base.aof';
    if (rdbBase) {
      fs.copyFileSync(path.join(tmp, 'base.rdb'), path.join(aofDir, baseName));
    } else {
      let base = resp('SELECT', '0');
      for (let i = 0; i < 2000; i++) base += resp('SET', `base:${i}`, `value:${i}`);
      fs.writeFileSync(path.join(aofDir, baseName), base);
    }
    let incr = resp('SELECT', '0');
    for (let i = 0; i < KEYS; i++) incr += resp('SET', `incr:${i}`, String(i));
    incr += resp('MULTI') + resp('INCR', 'counter') + resp('RPUSH', 'list', 'a', 'b') + resp('EXEC');
    fs.writeFileSync(path.join(aofDir, 'appendonly.aof.1.incr.aof'), incr);
    fs.writeFileSync(path.join(aofDir, 'appendonly.aof.manifest'), `file ${baseName} seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n`);
    return fs.statSync(path.join(aofDir, baseName)).size + Buffer.byteLength(incr);
  }

  for (const rdbBase of [true, false]) {
    it(`answers as redis-server does while the AOF loads (${rdbBase ? 'RDB' : 'command'} base), then serves the whole dataset`, async () => {
      const slow = ['--appendonly', 'yes', '--key-load-delay', '500', '--loading-process-events-interval-bytes', '1024'];
      const redisDir = fs.mkdtempSync(path.join(tmp, 'redis-'));
      const cinderDir = fs.mkdtempSync(path.join(tmp, 'cinder-'));
      const total = writeAofDir(redisDir, rdbBase);
      writeAofDir(cinderDir, rdbBase);
      let redis: RealRedis | null = null;
      let cinder: Awaited<ReturnType<typeof startLoadingCinder>> | null = null;
      try {
        redis = await startRealRedis([...slow, '--dir', redisDir]);
        cinder = await startLoadingCinder(cinderDir, slow);
        await assertLoadingAsRedis(redis.port, cinder.port, total);

        await waitLoaded(redis.port);
        await waitLoaded(cinder.port);
        assert.equal(await dbsize(cinder.port), `:${KEYS + 2000 + 2}\r\n`);
        assert.equal(await dbsize(cinder.port), await dbsize(redis.port));
        const probe = '*2\r\n$3\r\nGET\r\n$7\r\ncounter\r\n*4\r\n$6\r\nLRANGE\r\n$4\r\nlist\r\n$1\r\n0\r\n$2\r\n-1\r\n*2\r\n$3\r\nGET\r\n$10\r\nincr:19999\r\n';
        assert.equal(await exchange(cinder.port, probe, 3), await exchange(redis.port, probe, 3));
        assert.equal(field(await infoPersistence(cinder.port), 'loading'), '0');
        const log = cinder.out();
        assert.match(log, /DB loaded from incr file appendonly\.aof\.1\.incr\.aof: \d+\.\d{3} seconds/);
        assert.match(log, /DB loaded from append only file: \d+\.\d{3} seconds/);
        assert.ok(log.indexOf('DB loaded from append only file') < log.indexOf('Ready to accept connections'));
      } finally {
        await redis?.stop();
        cinder?.proc.kill('SIGKILL');
      }
    });
  }
});
