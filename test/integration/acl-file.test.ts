/**
 * Users from files, side by side with redis-server 7.0: the ACL file (`aclfile`, ACL LOAD, ACL
 * SAVE), `user` directives in redis.conf and CONFIG REWRITE of them, and the startup failures
 * (users and an ACL file together, a rule that does not apply, a broken ACL file).
 * Each server has its own ACL file; error texts name it, so replies are compared with the file
 * name replaced.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startServer, type RunningServer } from '../../src/embedded/index.js';
import { RawConnection, freePort, realRedisSuite, startRealRedis, testDataDir, type RealRedis } from '../helpers/differential.js';
import { normalizeRules } from '../helpers/acl.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/bin/cinder-server.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cinder-aclfile-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const INITIAL = 'user default on nopass ~* &* +@all\nuser bob on >pw ~* +@all\n';

/** A reply's text with the server's own ACL file name replaced by <file>. */
function text(reply: Buffer, file: string): string {
  return reply.latin1Slice().split(file).join('<file>');
}

if (realRedisSuite('acl file: ACL LOAD and ACL SAVE')) {
  describe('acl file: ACL LOAD and ACL SAVE', () => {
    let redis: RealRedis;
    let cinder: RunningServer;
    const files = { redis: path.join(tmp, 'redis.acl'), cinder: path.join(tmp, 'cinder.acl') };
    const write = (content: string) => {
      fs.writeFileSync(files.redis, content);
      fs.writeFileSync(files.cinder, content);
    };
    before(async () => {
      write(INITIAL);
      redis = await startRealRedis(['--aclfile', files.redis]);
      cinder = await startServer({ port: 0, config: { dir: testDataDir(), aclfile: files.cinder } });
    });
    after(async () => {
      await Promise.all([redis?.stop(), cinder?.close()]);
    });

    /** Sends argv on both connections; the replies must match once the file names are hidden. */
    async function both(conns: { redis: RawConnection; cinder: RawConnection }, argv: string[]): Promise<string> {
      const [r, c] = await Promise.all([conns.redis.command(argv), conns.cinder.command(argv)]);
      const [tr, tc] = [text(r, files.redis), text(c, files.cinder)];
      assert.equal(normalizeRules(tc), normalizeRules(tr), JSON.stringify(argv));
      return tr;
    }

    async function connect(): Promise<{ redis: RawConnection; cinder: RawConnection }> {
      const [r, c] = await Promise.all([RawConnection.connect(redis.port), RawConnection.connect(cinder.port)]);
      return { redis: r, cinder: c };
    }

    it('loads the file at startup; ACL LOAD replaces the users or reports every error', async () => {
      const admin = await connect();
      const bob = await connect();
      try {
        await both(admin, ['ACL', 'LIST']);
        await both(bob, ['AUTH', 'bob', 'pw']);
        write('\n  \nuser  bob on\r\nuser carol on +get  ~x\n');
        await both(admin, ['ACL', 'LOAD']);
        write('user bob on >x\nuser bob off\nfoo bar\nuser a\tb on\nuser c on +nosuch +nosuch2 % ~a b\n');
        await both(admin, ['ACL', 'LOAD']);
        await both(admin, ['ACL', 'LIST']);
        // Still bob: the failed loads changed nothing.
        await both(bob, ['ACL', 'WHOAMI']);
        write('user default on nopass ~* &* +@all\nuser bob on >pw2 ~b* +@all\nuser carol on >c (+get ~c*) &x resetchannels +@list\n');
        await both(admin, ['ACL', 'LOAD']);
        await both(admin, ['ACL', 'LIST']);
        // Redis 7.0 drops the clients of the users it replaced.
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(bob.redis.closed, true);
        assert.equal(bob.cinder.closed, true);
        // Without a default user in the file, default is the stock one.
        write('user carol on >c +get\n');
        await both(admin, ['ACL', 'LOAD']);
        await both(admin, ['ACL', 'LIST']);
        fs.rmSync(files.redis);
        fs.rmSync(files.cinder);
        await both(admin, ['ACL', 'LOAD']);
      } finally {
        for (const c of [admin, bob]) {
          c.redis.close();
          c.cinder.close();
        }
      }
    });

    it('ACL SAVE writes the users as ACL LIST shows them', async () => {
      write(INITIAL);
      const admin = await connect();
      try {
        await both(admin, ['ACL', 'LOAD']);
        await both(admin, ['ACL', 'SETUSER', 'dan', 'on', '>d', '%R~r*', '&c', '-@all', '+@hash', '-hdel', '(+set ~s*)']);
        await both(admin, ['ACL', 'SAVE']);
        const lines = (f: string) => fs.readFileSync(f, 'latin1').split('\n').map(normalizeRules);
        assert.deepEqual(lines(files.cinder), lines(files.redis));
        await both(admin, ['ACL', 'LOAD']);
        await both(admin, ['ACL', 'LIST']);
      } finally {
        admin.redis.close();
        admin.cinder.close();
      }
    });
  });
}

/** Runs a server binary until it exits; its stdout's log messages (the "pid:M date # " prefix cut). */
function runToExit(cmd: string, args: string[]): Promise<{ code: number | null; messages: string[] }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const messages = out
        .split('\n')
        .map((l) => /^\d+:[A-Z] \d+ \w+ \d+ [\d:.]+ [.\-*#] (.*)$/.exec(l)?.[1])
        .filter((m): m is string => m !== undefined);
      resolve({ code, messages });
    });
  });
}

if (realRedisSuite('acl file: startup failures')) {
  describe('acl file: startup failures', () => {
    const cases: Array<[string, string, (dir: string) => string]> = [
      ['users in redis.conf and an ACL file', 'aclfile', (d) => `user alice on\naclfile ${d}/x.acl\n`],
      ['a user rule naming an unknown command', 'user', () => 'user alice on +nosuch ~a\n'],
      ['a missing ACL file', 'missing', (d) => `aclfile ${d}/none.acl\n`],
      ['an ACL file with errors', 'broken', (d) => `aclfile ${d}/bad.acl\n`],
    ];
    for (const [name, dirName, conf] of cases) {
      it(`${name}: the server exits with Redis's message`, async () => {
        const results: Array<{ code: number | null; messages: string[] }> = [];
        for (const side of ['redis', 'cinder'] as const) {
          // The same path on both sides (the messages name it), used by one server at a time.
          const dir = path.join(tmp, dirName);
          fs.mkdirSync(dir, { recursive: true });
          fs.writeFileSync(path.join(dir, 'x.acl'), '');
          fs.writeFileSync(path.join(dir, 'bad.acl'), 'user bob on\nfoo\nuser bob off\nuser c +nosuch >x %\n');
          const file = path.join(dir, `${side}.conf`);
          fs.writeFileSync(file, conf(dir) + `port ${await freePort()}\nsave ""\ndir ${testDataDir()}\n`);
          results.push(await (side === 'redis' ? runToExit('redis-server', [file]) : runToExit(process.execPath, [BIN, file])));
        }
        const [r, c] = results;
        assert.equal(r.code, 1);
        assert.equal(c.code, 1);
        // Redis's last lines are the ACL failure (earlier ones are its start banner and warnings).
        const acl = (m: string[]) => m.filter((l) => /ACL|acl/.test(l));
        assert.deepEqual(acl(c.messages), acl(r.messages));
        assert.ok(acl(r.messages).length > 0, r.messages.join('\n'));
      });
    }
  });
}

if (realRedisSuite('acl file: user directives and CONFIG REWRITE')) {
  describe('acl file: user directives and CONFIG REWRITE', () => {
    it('user lines are loaded and rewritten from the live users', async () => {
      const content = '# users\nuser alice on >pw +get ~a*\nuser default on nopass ~* &* +@all\nport 0\n';
      const conf = { redis: path.join(tmp, 'rw-redis.conf'), cinder: path.join(tmp, 'rw-cinder.conf') };
      const ports = { redis: await freePort(), cinder: await freePort() };
      fs.writeFileSync(conf.redis, content.replace('port 0', `port ${ports.redis}`));
      fs.writeFileSync(conf.cinder, content.replace('port 0', `port ${ports.cinder}`));
      const redisProc = spawn('redis-server', [conf.redis, '--save', '', '--dir', testDataDir()], { stdio: 'ignore' });
      const cinderProc = spawn(process.execPath, [BIN, conf.cinder, '--save', '', '--dir', testDataDir()], { stdio: 'ignore' });
      const procs = [redisProc, cinderProc];
      try {
        const conns: RawConnection[] = [];
        for (const port of [ports.redis, ports.cinder]) {
          const deadline = Date.now() + 10_000;
          for (;;) {
            try {
              conns.push(await RawConnection.connect(port));
              break;
            } catch {
              if (Date.now() > deadline) throw new Error(`server on ${port} did not start`);
              await new Promise((r) => setTimeout(r, 50));
            }
          }
        }
        const [r, c] = conns;
        const both = async (argv: string[]) => {
          const [a, b] = await Promise.all([r.command(argv), c.command(argv)]);
          assert.equal(normalizeRules(b.latin1Slice()), normalizeRules(a.latin1Slice()), JSON.stringify(argv));
        };
        await both(['ACL', 'LIST']);
        await both(['ACL', 'SETUSER', 'zed', 'on', '>z', '+@hash', '&c']);
        await both(['ACL', 'DELUSER', 'alice']);
        await both(['CONFIG', 'REWRITE']);
        const users = (f: string) =>
          fs
            .readFileSync(f, 'latin1')
            .split('\n')
            .filter((l) => l.startsWith('user ') || l.startsWith('#'))
            .map(normalizeRules);
        assert.deepEqual(users(conf.cinder), users(conf.redis));
        r.close();
        c.close();
      } finally {
        for (const p of procs) p.kill('SIGKILL');
      }
    });
  });
}
