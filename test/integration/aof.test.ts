/**
 * The append-only file with real Redis 7.0.15: a directory Cinder writes passes redis-check-aof
 * and loads into redis-server with the same dataset (and into Cinder again); a directory
 * redis-server writes loads into Cinder. Expiry, scripts, MULTI/EXEC, blocking commands and
 * approximate stream trimming are among the writes. Startup cases (old single file, truncated
 * tail, corrupt file), CONFIG SET appendonly, BGREWRITEAOF's errors, and a SIGKILL while clients
 * write with appendfsync always: every acknowledged write is there after the restart.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { AofReader } from '../../src/persistence/aof/commands.js';
import { cmd, fingerprint, text } from '../helpers/fingerprint.js';
import { RawConnection, encodeCommand, freePort, redisServerAvailable, startRealRedis } from '../helpers/differential.js';

/**
 * What an AOF reload compares: no encodings, and stream groups without entries-read and lag
 * (XREADGROUP replays as XCLAIM ... LASTID, which leaves entries-read unknown, in Redis 7.0
 * reloading its own AOF too).
 */
const AOF_RELOAD = { encoding: () => false, streamGroupFields: 8 };

const checkAofAvailable = spawnSync('redis-check-aof', ['--help'], { encoding: 'utf8' }).error === undefined;
const CINDER_BIN = new URL('../../src/bin/cinder-server.js', import.meta.url);


interface CinderProc {
  port: number;
  child: ChildProcess;
  log(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  kill(): Promise<void>;
}

/** Runs the built server in `dir` with `args`; waits until it is ready, or until it exits (`expectExit`). */
async function runCinder(dir: string, args: string[], expectExit = false, env: NodeJS.ProcessEnv = {}): Promise<CinderProc> {
  const port = await freePort();
  const child = spawn(process.execPath, [CINDER_BIN.pathname, '--port', String(port), '--save', '', '--dir', dir, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
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
  const deadline = Date.now() + 20_000;
  while (!out.includes('Ready to accept connections')) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await exited;
      if (expectExit) break;
      throw new Error(`cinder did not start:\n${out}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`cinder did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    port,
    child,
    log: () => out,
    exited,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Writes of every kind the AOF must replay: types, TTLs, expiry, scripts, transactions, blocking pops, trimming. */
function workload(): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [];
  out.push(['SET', 'str', 'hello'], ['SET', 'ttl', 'v', 'EX', 1000], ['SET', 'bin', '\x00\x01\xff\r\n'], ['INCRBYFLOAT', 'f', '1.5']);
  out.push(['RPUSH', 'list', 'a', 'b', 'c', 1, 2], ['LPOP', 'list'], ['SADD', 'set', 1, 2, 3, 'x'], ['SPOP', 'set']);
  out.push(['HSET', 'hash', 'f1', 'v1', 'f2', 2], ['ZADD', 'zset', 1, 'a', 2.5, 'b'], ['ZINCRBY', 'zset', 2, 'a']);
  out.push(['SET', 'gone', 'x', 'PX', 1], ['EXPIRE', 'hash', 5000]);
  out.push(['EVAL', "redis.call('set', KEYS[1], 'from-script'); return redis.call('incr', KEYS[2])", 2, 'sk', 'counter']);
  out.push(['MULTI'], ['INCR', 'counter'], ['LPUSH', 'list', 'tx'], ['EXEC']);
  out.push(['SELECT', 4], ['SET', 'in4', 'yes'], ['XADD', 's', 'MAXLEN', '~', 5, '*', 'f', 'v'], ['SELECT', 0]);
  for (let i = 0; i < 30; i++) out.push(['SELECT', 4], ['XADD', 's', 'MAXLEN', '~', 5, '*', 'f', i], ['SELECT', 0]);
  out.push(['SELECT', 4], ['XGROUP', 'CREATE', 's', 'g', '0'], ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', 2, 'STREAMS', 's', '>'], ['SELECT', 0]);
  out.push(['FUNCTION', 'LOAD', "#!lua name=lib1\nredis.register_function('f1', function() return 1 end)"]);
  out.push(['BLPOP', 'list', 1], ['BLMOVE', 'list', 'other', 'LEFT', 'RIGHT', 1], ['INCRBY', 'counter', 10]);
  return out;
}


async function runWorkload(c: RawConnection, steps: Array<Array<string | number>>): Promise<void> {
  for (const s of steps) await cmd(c, ...s);
}

async function waitFor(what: string, cond: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A real redis-server on `args`, once its dataset is loaded: startRealRedis returns on any PING
 * reply, -LOADING included, and a loaded machine can still be replaying the AOF then.
 */
async function startLoadedRedis(args: string[]): Promise<Awaited<ReturnType<typeof startRealRedis>>> {
  const redis = await startRealRedis(args);
  const c = await RawConnection.connect(redis.port);
  try {
    await waitFor('redis-server to load', async () => (await infoField(c, 'loading')) === '0');
  } finally {
    c.close();
  }
  return redis;
}

async function infoField(c: RawConnection, name: string): Promise<string> {
  const info = text(await cmd(c, 'INFO', 'persistence')) as string;
  return new RegExp(`^${name}:(.*)\\r?$`, 'm').exec(info)?.[1]?.trim() ?? '';
}

function checkAof(manifest: string): void {
  if (!checkAofAvailable) return;
  const check = spawnSync('redis-check-aof', [manifest], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /All AOF files and manifest are valid/);
}

describe('AOF directories with real Redis', { skip: !redisServerAvailable && 'redis-server not installed' }, () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cinder-aof-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  for (const preamble of ['yes', 'no'] as const) {
    it(`a directory Cinder writes (aof-use-rdb-preamble ${preamble}) passes redis-check-aof and loads into redis-server and Cinder equal`, async () => {
      const dir = fs.mkdtempSync(path.join(tmp, 'cinder-'));
      const args = ['--appendonly', 'yes', '--aof-use-rdb-preamble', preamble, '--aof-timestamp-enabled', 'yes'];
      const cinder = await runCinder(dir, args);
      let expected: unknown;
      try {
        const c = await RawConnection.connect(cinder.port);
        const steps = workload();
        await runWorkload(c, steps.slice(0, 20));
        // A rewrite in the middle: the rest goes to the next incremental file.
        assert.equal(text(await cmd(c, 'BGREWRITEAOF')), 'Background append only file rewriting started');
        await runWorkload(c, steps.slice(20));
        await waitFor('the rewrite', async () => (await infoField(c, 'aof_rewrite_in_progress')) === '0');
        assert.equal(await infoField(c, 'aof_last_bgrewrite_status'), 'ok');
        await cmd(c, 'SET', 'after-rewrite', 1);
        // Keys expire on the write path too (an expired key read is a DEL in the stream).
        await waitFor('expiry', async () => text(await cmd(c, 'GET', 'gone')) === null);
        expected = await fingerprint(c, AOF_RELOAD);
        c.close();
      } finally {
        await cinder.kill();
      }
      const aofDir = path.join(dir, 'appendonlydir');
      const manifest = fs.readFileSync(path.join(aofDir, 'appendonly.aof.manifest'), 'latin1');
      const ext = preamble === 'yes' ? 'rdb' : 'aof';
      assert.equal(manifest, `file appendonly.aof.2.base.${ext} seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n`);
      checkAof(path.join(aofDir, 'appendonly.aof.manifest'));

      const redis = await startLoadedRedis(['--dir', dir, '--appendonly', 'yes']);
      try {
        const r = await RawConnection.connect(redis.port);
        assert.deepEqual(await fingerprint(r, AOF_RELOAD), expected);
        r.close();
      } finally {
        await redis.stop();
      }
      // Real Redis appended nothing it needs to be told about: Cinder reads the directory back.
      const again = await runCinder(dir, ['--appendonly', 'yes']);
      try {
        const c = await RawConnection.connect(again.port);
        assert.deepEqual(await fingerprint(c, AOF_RELOAD), expected);
        c.close();
      } finally {
        await again.kill();
      }
    });
  }

  it('a directory redis-server writes loads into Cinder with everything equal', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'redis-'));
    const redis = await startLoadedRedis(['--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always']);
    let expected: unknown;
    try {
      const r = await RawConnection.connect(redis.port);
      const steps = workload();
      await runWorkload(r, steps.slice(0, 20));
      await cmd(r, 'BGREWRITEAOF');
      await waitFor('the rewrite', async () => (await infoField(r, 'aof_rewrite_in_progress')) === '0' && (await infoField(r, 'aof_rewrite_scheduled')) === '0');
      await runWorkload(r, steps.slice(20));
      await waitFor('expiry', async () => text(await cmd(r, 'GET', 'gone')) === null);
      expected = await fingerprint(r, AOF_RELOAD);
      r.close();
    } finally {
      await redis.stop();
    }
    const cinder = await runCinder(dir, ['--appendonly', 'yes']);
    try {
      assert.match(cinder.log(), /DB loaded from base file appendonly\.aof\.2\.base\.rdb/);
      assert.match(cinder.log(), /DB loaded from incr file appendonly\.aof\.2\.incr\.aof/);
      const c = await RawConnection.connect(cinder.port);
      assert.deepEqual(await fingerprint(c, AOF_RELOAD), expected);
      c.close();
    } finally {
      await cinder.kill();
    }
  });

  it('INFO persistence lists the aof_* fields Redis lists, in its order', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'info-'));
    const redis = await startLoadedRedis(['--dir', path.join(dir), '--appendonly', 'yes']);
    const cinder = await runCinder(dir, ['--appendonly', 'yes', '--appenddirname', 'cinderdir']);
    try {
      const [r, c] = await Promise.all([RawConnection.connect(redis.port), RawConnection.connect(cinder.port)]);
      const names = async (conn: RawConnection) =>
        (text(await cmd(conn, 'INFO', 'persistence')) as string).split('\r\n').filter((l) => l.startsWith('aof_') || l.startsWith('module_fork')).map((l) => l.split(':')[0]);
      assert.deepEqual(await names(c), await names(r));
      const sizes = async (conn: RawConnection) => [await infoField(conn, 'aof_current_size'), await infoField(conn, 'aof_base_size')];
      await cmd(r, 'SET', 'k', 'v');
      await cmd(c, 'SET', 'k', 'v');
      assert.deepEqual(await sizes(c), await sizes(r));
      r.close();
      c.close();
    } finally {
      await Promise.all([redis.stop(), cinder.kill()]);
    }
  });
});

describe('AOF loading at startup and at run time', () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cinder-aof-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const SET_K = '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n';

  it('an old single-file appendonly.aof is migrated into the directory and loaded', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'old-'));
    fs.writeFileSync(path.join(dir, 'appendonly.aof'), SET_K);
    const cinder = await runCinder(dir, ['--appendonly', 'yes']);
    try {
      assert.match(cinder.log(), /Successfully migrated an old-style AOF file \(appendonly\.aof\) into the AOF directory \(appendonlydir\)\./);
      const c = await RawConnection.connect(cinder.port);
      assert.equal(text(await cmd(c, 'GET', 'k')), 'v');
      c.close();
    } finally {
      await cinder.kill();
    }
    const manifest = fs.readFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1');
    assert.equal(manifest, 'file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
    assert.equal(fs.existsSync(path.join(dir, 'appendonly.aof')), false);
  });

  /** A directory whose only incremental file holds `incr`. */
  function aofDir(incr: string): string {
    const dir = fs.mkdtempSync(path.join(tmp, 'dir-'));
    const aof = path.join(dir, 'appendonlydir');
    fs.mkdirSync(aof);
    fs.writeFileSync(path.join(aof, 'appendonly.aof.manifest'), 'file appendonly.aof.1.incr.aof seq 1 type i\n');
    fs.writeFileSync(path.join(aof, 'appendonly.aof.1.incr.aof'), incr);
    return dir;
  }

  it('a truncated tail is cut with Redis log lines under aof-load-truncated yes, refused under no', async () => {
    const torn = SET_K + '*3\r\n$3\r\nSET\r\n$1\r\nq\r\n$2\r\n1';
    const dir = aofDir(torn);
    const refused = await runCinder(dir, ['--appendonly', 'yes', '--aof-load-truncated', 'no'], true);
    assert.equal(await refused.exited, 1);
    assert.match(refused.log(), /Unexpected end of file reading the append only file appendonly\.aof\.1\.incr\.aof\./);
    assert.doesNotMatch(refused.log(), /at .*\.js:\d+/);

    const cinder = await runCinder(dir, ['--appendonly', 'yes']);
    try {
      const log = cinder.log();
      assert.match(log, /# !!! Warning: short read while loading the AOF file appendonly\.aof\.1\.incr\.aof!!!/);
      assert.match(log, new RegExp(`# !!! Truncating the AOF appendonly\\.aof\\.1\\.incr\\.aof at offset ${SET_K.length} !!!`));
      assert.match(log, /# AOF appendonly\.aof\.1\.incr\.aof loaded anyway because aof-load-truncated is enabled/);
      const c = await RawConnection.connect(cinder.port);
      assert.equal(text(await cmd(c, 'GET', 'k')), 'v');
      assert.equal(text(await cmd(c, 'GET', 'q')), null);
      c.close();
    } finally {
      await cinder.kill();
    }
    assert.equal(fs.statSync(path.join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof')).size, SET_K.length);
  });

  it('a transaction the file ends inside is reverted', async () => {
    const dir = aofDir(SET_K + '*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nq\r\n$1\r\n1\r\n');
    const cinder = await runCinder(dir, ['--appendonly', 'yes']);
    try {
      assert.match(cinder.log(), /Revert incomplete MULTI\/EXEC transaction in AOF file appendonly\.aof\.1\.incr\.aof/);
      const c = await RawConnection.connect(cinder.port);
      assert.equal(text(await cmd(c, 'GET', 'q')), null);
      c.close();
    } finally {
      await cinder.kill();
    }
  });

  it('a corrupt file stops startup with a message naming the file and the offset', async () => {
    const dir = aofDir(SET_K + '*3\r\n$3\r\nSET\r\nx1\r\ngarbage');
    const cinder = await runCinder(dir, ['--appendonly', 'yes'], true);
    assert.equal(await cinder.exited, 1);
    const log = cinder.log();
    assert.match(log, /Bad file format reading the append only file appendonly\.aof\.1\.incr\.aof: make a backup of your AOF file, then use \.\/redis-check-aof --fix <filename\.manifest>/);
    assert.match(log, new RegExp(`AOF appendonly\\.aof\\.1\\.incr\\.aof is not valid at offset ${SET_K.length + 13}: expected '\\$', got 'x'`));
    assert.doesNotMatch(log, /at .*\.js:\d+/);
  });

  it('the AOF takes precedence over dump.rdb; CONFIG SET appendonly yes writes a base, no stops', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'switch-'));
    const first = await runCinder(dir, []);
    try {
      const c = await RawConnection.connect(first.port);
      await cmd(c, 'SET', 'in-rdb', 1);
      assert.equal(text(await cmd(c, 'SAVE')), 'OK');
      assert.equal(text(await cmd(c, 'CONFIG', 'SET', 'appendonly', 'yes')), 'OK');
      await waitFor('the first rewrite', async () => (await infoField(c, 'aof_rewrite_in_progress')) === '0');
      assert.equal(await infoField(c, 'aof_enabled'), '1');
      await cmd(c, 'SET', 'in-aof', 1);
      assert.equal(text(await cmd(c, 'CONFIG', 'SET', 'appendonly', 'no')), 'OK');
      assert.equal(await infoField(c, 'aof_enabled'), '0');
      await cmd(c, 'SET', 'after-off', 1);
      await cmd(c, 'DEL', 'in-rdb');
      c.close();
    } finally {
      await first.kill();
    }
    const manifest = fs.readFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1');
    assert.equal(manifest, 'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
    const second = await runCinder(dir, ['--appendonly', 'yes']);
    try {
      const c = await RawConnection.connect(second.port);
      // dump.rdb has in-rdb only; the AOF has in-rdb and in-aof: the AOF is what loads.
      assert.deepEqual((text(await cmd(c, 'KEYS', '*')) as string[]).sort(), ['in-aof', 'in-rdb']);
      c.close();
    } finally {
      await second.kill();
    }
  });

  it("BGREWRITEAOF's errors: one in progress, BGSAVE meanwhile, scheduled behind a BGSAVE", async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'errors-'));
    const cinder = await runCinder(dir, ['--appendonly', 'yes', '--rdb-key-save-delay', '2000']);
    try {
      const c = await RawConnection.connect(cinder.port);
      for (let i = 0; i < 20; i++) await cmd(c, 'SET', `k${i}`, i);
      assert.equal(text(await cmd(c, 'BGREWRITEAOF')), 'Background append only file rewriting started');
      assert.equal(text(await cmd(c, 'BGREWRITEAOF')), 'ERR Background append only file rewriting already in progress');
      assert.equal(
        text(await cmd(c, 'BGSAVE')),
        "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.",
      );
      assert.equal(await infoField(c, 'aof_rewrite_in_progress'), '1');
      // Writes during the rewrite go to the new incremental file and survive it.
      await cmd(c, 'SET', 'during', 'rewrite');
      await cmd(c, 'DEL', 'k0');
      await cmd(c, 'CONFIG', 'SET', 'rdb-key-save-delay', '0');
      await waitFor('the rewrite', async () => (await infoField(c, 'aof_rewrite_in_progress')) === '0');
      await cmd(c, 'CONFIG', 'SET', 'rdb-key-save-delay', '2000');
      assert.equal(text(await cmd(c, 'BGSAVE')), 'Background saving started');
      assert.equal(text(await cmd(c, 'BGREWRITEAOF')), 'Background append only file rewriting scheduled');
      assert.equal(await infoField(c, 'aof_rewrite_scheduled'), '1');
      await cmd(c, 'CONFIG', 'SET', 'rdb-key-save-delay', '0');
      await waitFor('the scheduled rewrite', async () => (await infoField(c, 'aof_rewrites')) === '2' && (await infoField(c, 'aof_rewrite_in_progress')) === '0');
      c.close();
    } finally {
      await cinder.kill();
    }
    const again = await runCinder(dir, ['--appendonly', 'yes']);
    try {
      const c = await RawConnection.connect(again.port);
      assert.equal(text(await cmd(c, 'DBSIZE')), '20');
      assert.equal(text(await cmd(c, 'GET', 'during')), 'rewrite');
      c.close();
    } finally {
      await again.kill();
    }
  });
});

/**
 * Eight clients write as fast as they can (each its own key, `command` bumping it); the serving
 * process is SIGKILLed once `minAcked` writes were acknowledged, and after a restart every key
 * holds at least its last acknowledged count. The serving process itself is killed (INFO
 * process_id): on Node 20 the child is a launcher, whose death would let the server shut down cleanly.
 */
async function killWhileWriting(fsyncPolicy: string, command: 'SET' | 'INCR', minAcked: number, rewrites = false): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cinder-aof-kill-${fsyncPolicy}-`));
  try {
    const cinder = await runCinder(dir, ['--appendonly', 'yes', '--appendfsync', fsyncPolicy]);
    const probe = await RawConnection.connect(cinder.port);
    const serverPid = Number(/^process_id:(\d+)/m.exec(text(await cmd(probe, 'INFO', 'server')) as string)![1]);
    probe.close();
    // SET answers +OK, INCR an integer: anything else (an error, a closed socket) is not an acknowledgement.
    const okByte = command === 'SET' ? 43 : 58;
    const acked = new Map<string, number>();
    let stop = false;
    const writer = async (id: number) => {
      const c = await RawConnection.connect(cinder.port);
      const key = `w${id}`;
      for (let i = 1; !stop; i++) {
        let reply: Buffer;
        try {
          reply = await c.command(command === 'SET' ? ['SET', key, String(i)] : ['INCR', key]);
        } catch {
          break;
        }
        if (c.closed || reply.length === 0 || reply[0] !== okByte) break;
        acked.set(key, i);
      }
      c.close();
    };
    const writers = Array.from({ length: 8 }, (_, i) => writer(i));
    // With `rewrites`, BGREWRITEAOF runs again and again meanwhile: each switches the incremental
    // file written to, and the file switched out is fsynced and closed off the event loop.
    let rewritesDone = 0;
    const rewriter = async () => {
      if (!rewrites) return;
      const c = await RawConnection.connect(cinder.port);
      while (!stop) {
        try {
          const r = text(await cmd(c, 'BGREWRITEAOF'));
          if (typeof r === 'string' && r.includes('started')) rewritesDone++;
          await new Promise((resolve) => setTimeout(resolve, 20));
        } catch {
          break;
        }
      }
      c.close();
    };
    const rewriting = rewriter();
    await waitFor('some writes', async () => [...acked.values()].reduce((a, b) => a + b, 0) > minAcked && (!rewrites || rewritesDone >= 3));
    process.kill(serverPid, 'SIGKILL');
    stop = true;
    await cinder.exited;
    await Promise.allSettled([...writers, rewriting]);
    const again = await runCinder(dir, ['--appendonly', 'yes']);
    try {
      const c = await RawConnection.connect(again.port);
      for (const [key, n] of acked) {
        const v = Number(text(await cmd(c, 'GET', key)));
        assert.ok(v >= n, `${key}: acknowledged ${n}, found ${v}`);
      }
      c.close();
    } finally {
      await again.kill();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('AOF crash safety', () => {
  it('SIGKILL while clients write with appendfsync always: every acknowledged write is there after restart', async () => {
    await killWhileWriting('always', 'SET', 2000);
  });

  it('SIGKILL while clients write with appendfsync always and BGREWRITEAOF runs again and again: every acknowledged write is there', async () => {
    await killWhileWriting('always', 'INCR', 2000, true);
  });

  it('SIGKILL of the serving process while clients write with appendfsync everysec: no acknowledged write is lost', async () => {
    // A process kill keeps the page cache: what was written(2) survives without its fsync, so the
    // issue's bound (at most the writes acknowledged after the last fsync, about two seconds) holds
    // here with nothing lost, since replies wait for the write of their turn.
    await killWhileWriting('everysec', 'INCR', 3000);
  });
});

describe('AOF write and fsync failures', () => {
  // CINDER_AOF_FAULT_FILE: while that file exists, the AOF's write(2) or fsync fails with the
  // errno it names, as on a full or failing disk; removing it is the disk recovering.
  const misconf = (why: string) => `MISCONF Errors writing to the AOF file: ${why}`;

  it('a failing write under everysec: -MISCONF for writes and PING, reads served, the buffered data written once the error clears', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cinder-aof-fault-'));
    const fault = path.join(dir, 'fault');
    try {
      const cinder = await runCinder(dir, ['--appendonly', 'yes'], false, { CINDER_AOF_FAULT_FILE: fault });
      try {
        const c = await RawConnection.connect(cinder.port);
        assert.equal(text(await cmd(c, 'SET', 'a', '1')), 'OK');
        fs.writeFileSync(fault, 'write ENOSPC');
        // Run before the failing write: acknowledged, kept in the buffer for the retry.
        assert.equal(text(await cmd(c, 'SET', 'b', '2')), 'OK');
        await waitFor('the write error', async () => (await infoField(c, 'aof_last_write_status')) === 'err');
        assert.equal(text(await cmd(c, 'SET', 'c', '3')), misconf('No space left on device'));
        assert.equal(text(await cmd(c, 'PING')), misconf('No space left on device'));
        assert.equal(text(await cmd(c, 'GET', 'b')), '2');
        assert.ok(Number(await infoField(c, 'aof_buffer_length')) > 0);
        assert.match(cinder.log(), /Error writing to the AOF file: No space left on device/);
        fs.rmSync(fault);
        await waitFor('the retry in the cron', async () => (await infoField(c, 'aof_last_write_status')) === 'ok');
        assert.match(cinder.log(), /AOF write error looks solved, Redis can write again\./);
        assert.equal(text(await cmd(c, 'SET', 'c', '3')), 'OK');
        assert.equal(await infoField(c, 'aof_buffer_length'), '0');
        c.close();
      } finally {
        await cinder.kill();
      }
      const again = await runCinder(dir, ['--appendonly', 'yes']);
      try {
        const c = await RawConnection.connect(again.port);
        assert.deepEqual(text(await cmd(c, 'MGET', 'a', 'b', 'c')), ['1', '2', '3']);
        c.close();
      } finally {
        await again.kill();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a failing background fsync under everysec: -MISCONF until an fsync succeeds, logged as bio.c logs it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cinder-aof-fault-'));
    const fault = path.join(dir, 'fault');
    try {
      const cinder = await runCinder(dir, ['--appendonly', 'yes'], false, { CINDER_AOF_FAULT_FILE: fault });
      try {
        const c = await RawConnection.connect(cinder.port);
        fs.writeFileSync(fault, 'fsync EIO');
        assert.equal(text(await cmd(c, 'SET', 'a', '1')), 'OK');
        await waitFor('the fsync error', async () => (await infoField(c, 'aof_last_write_status')) === 'err');
        assert.equal(text(await cmd(c, 'SET', 'b', '2')), misconf('Input/output error'));
        assert.equal((cinder.log().match(/Fail to fsync the AOF file: Input\/output error/g) ?? []).length, 1);
        fs.rmSync(fault);
        await waitFor('an fsync that succeeds', async () => (await infoField(c, 'aof_last_write_status')) === 'ok');
        assert.equal(text(await cmd(c, 'SET', 'b', '2')), 'OK');
        c.close();
      } finally {
        await cinder.kill();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a failing write under appendfsync always stops the server with Redis log line', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cinder-aof-fault-'));
    const fault = path.join(dir, 'fault');
    try {
      const cinder = await runCinder(dir, ['--appendonly', 'yes', '--appendfsync', 'always'], false, { CINDER_AOF_FAULT_FILE: fault });
      const c = await RawConnection.connect(cinder.port);
      fs.writeFileSync(fault, 'write ENOSPC');
      // No reply: the server exits before the write it waits for is done.
      c.write(encodeCommand(['SET', 'a', '1']));
      assert.equal(await cinder.exited, 1);
      c.close();
      assert.match(cinder.log(), /Error writing to the AOF file: No space left on device/);
      assert.match(cinder.log(), /Can't recover from AOF write error when the AOF fsync policy is 'always'\. Exiting\.\.\./);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('under appendfsync always, a failing fsync of the incremental file a rewrite switches out stops the server', async () => {
    // The file switched out is fsynced and closed on the thread pool (as Redis's
    // aof_background_fsync_and_close); its failure is any fsync failure under always.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cinder-aof-fault-'));
    const fault = path.join(dir, 'fault');
    try {
      const cinder = await runCinder(dir, ['--appendonly', 'yes', '--appendfsync', 'always'], false, { CINDER_AOF_FAULT_FILE: fault });
      const c = await RawConnection.connect(cinder.port);
      assert.equal(text(await cmd(c, 'SET', 'a', '1')), 'OK');
      // No write after this: the only fsync attempted is the switched-out file's.
      fs.writeFileSync(fault, 'fsync EIO');
      c.write(encodeCommand(['BGREWRITEAOF']));
      assert.equal(await cinder.exited, 1);
      c.close();
      assert.match(cinder.log(), /Creating AOF incr file appendonly\.aof\.2\.incr\.aof on background rewrite/);
      assert.match(cinder.log(), /Can't persist AOF for fsync error when the AOF fsync policy is 'always': .*\. Exiting\.\.\./);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('no-appendfsync-on-rewrite yes: no fsync while a rewrite runs (a failing fsync goes unnoticed under always), fsyncs again after it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cinder-aof-fault-'));
    const fault = path.join(dir, 'fault');
    try {
      const cinder = await runCinder(dir, ['--appendonly', 'yes', '--appendfsync', 'always', '--no-appendfsync-on-rewrite', 'yes'], false, {
        CINDER_AOF_FAULT_FILE: fault,
      });
      try {
        const c = await RawConnection.connect(cinder.port);
        for (let i = 0; i < 20; i++) await cmd(c, 'SET', `k${i}`, i);
        // 200 ms per key: the rewrite would last four seconds (sped up below).
        assert.equal(text(await cmd(c, 'CONFIG', 'SET', 'rdb-key-save-delay', 200_000)), 'OK');
        assert.equal(text(await cmd(c, 'BGREWRITEAOF')), 'Background append only file rewriting started');
        fs.writeFileSync(fault, 'fsync EIO');
        // Under always a failing fsync ends the server; during the rewrite none is attempted.
        assert.equal(text(await cmd(c, 'SET', 'during', '1')), 'OK');
        fs.rmSync(fault);
        assert.equal(await infoField(c, 'aof_rewrite_in_progress'), '1');
        assert.equal(text(await cmd(c, 'CONFIG', 'SET', 'rdb-key-save-delay', 0)), 'OK');
        await waitFor('the rewrite', async () => (await infoField(c, 'aof_rewrite_in_progress')) === '0');
        assert.equal(text(await cmd(c, 'SET', 'after', '1')), 'OK');
        assert.equal(await infoField(c, 'aof_last_write_status'), 'ok');
        c.close();
      } finally {
        await cinder.kill();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * A dataset built the same way in both servers: one key per database 0..7 for the types whose
 * command order is deterministic (the base's section compares byte for byte), and a database 9
 * of hashtable sets / hashes and a skiplist sorted set, which Redis writes in its dict's seeded
 * order (compared as contents).
 */
function baseDataset(): Array<Array<string | number>> {
  const ints = Array.from({ length: 150 }, (_, i) => i);
  const out: Array<Array<string | number>> = [];
  out.push(['FUNCTION', 'LOAD', "#!lua name=lib1\nredis.register_function('f1', function() return 1 end)"]);
  out.push(['SELECT', 0], ['SET', 'str', 'hello'], ['PEXPIREAT', 'str', 4_000_000_000_000]);
  out.push(['SELECT', 1], ['RPUSH', 'list', ...ints, 'x', '-7', '\x00\xff'], ['LPUSH', 'list', 'head']);
  out.push(['SELECT', 2], ['SADD', 'intset', ...ints.map((i) => i * 3 - 100)]);
  out.push(['SELECT', 3], ['ZADD', 'zlp', 1, 'a', 2.5, 'b', '-inf', 'c', 1e300, 'd', 0.1, 'e', 3, 7]);
  out.push(['SELECT', 4], ['HSET', 'hlp', 'f1', 'v1', 'n', 12345, 'neg', -3, 'bin', '\r\n']);
  out.push(['SELECT', 5], ['XADD', 'st', '1-1', 'a', 1, 'b', 2], ['XADD', 'st', '1-2', 'a', 3, 'b', 4], ['XADD', 'st', '2-1', 'other', 'x'], ['XADD', 'st', '3-0', 'a', 5]);
  out.push(['XDEL', 'st', '1-2'], ['XGROUP', 'CREATE', 'st', 'g2', '0', 'ENTRIESREAD', 0], ['XGROUP', 'CREATE', 'st', 'g', '2-1']);
  out.push(['XCLAIM', 'st', 'g', 'bob', 0, '1-1', 'TIME', 1_600_000_000_000, 'RETRYCOUNT', 3, 'FORCE', 'JUSTID']);
  out.push(['XCLAIM', 'st', 'g', 'alice', 0, '2-1', 'TIME', 1_600_000_000_500, 'RETRYCOUNT', 1, 'FORCE', 'JUSTID']);
  out.push(['XCLAIM', 'st', 'g', 'alice', 0, '1-1', 'TIME', 1_600_000_000_600, 'RETRYCOUNT', 2, 'FORCE', 'JUSTID']);
  out.push(['XGROUP', 'CREATECONSUMER', 'st', 'g2', 'carol'], ['PEXPIREAT', 'st', 4_000_000_000_001]);
  out.push(['SELECT', 6], ['XADD', 'empty', '5-5', 'f', 'v'], ['XDEL', 'empty', '5-5'], ['XGROUP', 'CREATE', 'empty', 'g', '$']);
  out.push(['SELECT', 7], ['SET', 'num', 123456], ['APPEND', 'num', 7]);
  out.push(['SELECT', 9], ['SADD', 'hset', ...ints.map((i) => `m${i}`)], ['HSET', 'hht', ...ints.flatMap((i) => [`f${i}`, i])]);
  out.push(['ZADD', 'zsl', ...ints.flatMap((i) => [i / 4, `m${i}`])], ['SELECT', 0]);
  return out;
}

/** A base file's sections: the part before the first SELECT, and each database's commands. */
function baseSections(base: Buffer): { head: Buffer; dbs: Map<number, Buffer> } {
  const sections = base.latin1Slice(0, base.length).split('*2\r\n$6\r\nSELECT\r\n');
  const dbs = new Map<number, Buffer>();
  for (const s of sections.slice(1)) {
    const m = /^\$\d+\r\n(\d+)\r\n/.exec(s)!;
    dbs.set(Number(m[1]), Buffer.from(s, 'latin1'));
  }
  return { head: Buffer.from(sections[0], 'latin1'), dbs };
}

/** A section's commands with their items sorted: the contents, whatever the dict order. */
function unordered(section: Buffer): string[] {
  const out: string[] = [];
  const reader = new AofReader(section, section.indexOf('\n', section.indexOf('\n') + 1) + 1);
  for (let argv = reader.next(); argv !== null; argv = reader.next()) {
    const [name, key, ...items] = argv;
    const pairs = name === 'SADD' ? items : items.flatMap((v, i) => (i % 2 === 0 ? [`${v} ${items[i + 1]}`] : []));
    for (const p of pairs) out.push(`${name} ${key} ${p}`);
  }
  return out.sort();
}

describe('the AOF base written as commands (aof-use-rdb-preamble no), with real Redis', { skip: !redisServerAvailable && 'redis-server not installed' }, () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cinder-aofbase-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("equals the base redis-server writes for the same dataset, passes redis-check-aof, and loads into both servers equal", async () => {
    const args = ['--appendonly', 'yes', '--aof-use-rdb-preamble', 'no'];
    const redisDir = fs.mkdtempSync(path.join(tmp, 'redis-'));
    const cinderDir = fs.mkdtempSync(path.join(tmp, 'cinder-'));
    const rewrite = async (c: RawConnection): Promise<unknown> => {
      await runWorkload(c, baseDataset());
      await cmd(c, 'BGREWRITEAOF');
      await waitFor('the rewrite', async () => (await infoField(c, 'aof_rewrite_in_progress')) === '0' && (await infoField(c, 'aof_rewrite_scheduled')) === '0');
      assert.equal(await infoField(c, 'aof_last_bgrewrite_status'), 'ok');
      return fingerprint(c, AOF_RELOAD);
    };
    const redis = await startLoadedRedis(['--dir', redisDir, ...args]);
    let expected: unknown;
    try {
      const r = await RawConnection.connect(redis.port);
      expected = await rewrite(r);
      r.close();
    } finally {
      await redis.stop();
    }
    const cinder = await runCinder(cinderDir, args);
    try {
      const c = await RawConnection.connect(cinder.port);
      assert.deepEqual(await rewrite(c), expected);
      c.close();
    } finally {
      await cinder.kill();
    }
    const baseName = 'appendonly.aof.2.base.aof';
    for (const dir of [redisDir, cinderDir]) {
      const manifest = fs.readFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1');
      assert.equal(manifest, `file ${baseName} seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n`);
    }
    const ours = baseSections(fs.readFileSync(path.join(cinderDir, 'appendonlydir', baseName)));
    const theirs = baseSections(fs.readFileSync(path.join(redisDir, 'appendonlydir', baseName)));
    assert.equal(ours.head.latin1Slice(0, ours.head.length), theirs.head.latin1Slice(0, theirs.head.length));
    assert.match(theirs.head.latin1Slice(0, theirs.head.length), /^\*3\r\n\$8\r\nFUNCTION\r\n\$4\r\nLOAD\r\n/);
    assert.deepEqual([...theirs.dbs.keys()], [0, 1, 2, 3, 4, 5, 6, 7, 9]);
    assert.deepEqual([...ours.dbs.keys()], [...theirs.dbs.keys()]);
    for (const [db, section] of theirs.dbs) {
      const mine = ours.dbs.get(db)!;
      if (db === 9) assert.deepEqual(unordered(mine), unordered(section));
      else assert.equal(mine.latin1Slice(0, mine.length), section.latin1Slice(0, section.length), `database ${db}`);
    }
    checkAof(path.join(cinderDir, 'appendonlydir', 'appendonly.aof.manifest'));

    // Cinder's directory into real Redis, and Redis's into Cinder.
    const redisAgain = await startLoadedRedis(['--dir', cinderDir, '--appendonly', 'yes']);
    try {
      const r = await RawConnection.connect(redisAgain.port);
      assert.deepEqual(await fingerprint(r, AOF_RELOAD), expected);
      r.close();
    } finally {
      await redisAgain.stop();
    }
    const cinderAgain = await runCinder(redisDir, ['--appendonly', 'yes']);
    try {
      assert.match(cinderAgain.log(), /DB loaded from base file appendonly\.aof\.2\.base\.aof/);
      const c = await RawConnection.connect(cinderAgain.port);
      assert.deepEqual(await fingerprint(c, AOF_RELOAD), expected);
      c.close();
    } finally {
      await cinderAgain.kill();
    }
  });
});
