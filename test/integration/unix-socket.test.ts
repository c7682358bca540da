/**
 * unixsocket / unixsocketperm side by side with redis-server: clients on the socket (CLIENT LIST
 * fields, a local client for protected configs, redis-cli -s), the file's permissions, its
 * removal at shutdown, and startup failures.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import { encodeCommand, frameEnd, realRedisSuite } from '../helpers/differential.js';
import { KINDS, freePorts, logMessages, spawnServer, startProcess, waitForLog, type ServerKind, type ServerProcess } from '../helpers/listener-process.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cinder-unix-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Sends each command on one connection to the socket file; the replies. */
async function onSocket(file: string, commands: string[][]): Promise<string[]> {
  const socket = net.connect({ path: file });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  let buf = Buffer.alloc(0);
  const replies: string[] = [];
  for (const argv of commands) {
    socket.write(encodeCommand(argv));
    let end: number;
    while ((end = buf.length > 0 ? frameEnd(buf, 0) : -1) < 0) {
      buf = Buffer.concat([buf, await new Promise<Buffer>((resolve, reject) => {
        socket.once('data', resolve);
        socket.once('close', () => reject(new Error('closed')));
      })]);
    }
    replies.push(buf.latin1Slice(0, end));
    buf = buf.subarray(end);
  }
  socket.destroy();
  return replies;
}

/** CLIENT LIST / INFO fields that do not depend on timing, ids or memory. */
function stableFields(line: string): Record<string, string> {
  const keep = ['addr', 'laddr', 'name', 'flags', 'db', 'sub', 'psub', 'multi', 'cmd', 'user', 'resp'];
  const out: Record<string, string> = {};
  for (const w of line.trim().split(' ')) {
    const eq = w.indexOf('=');
    if (keep.includes(w.slice(0, eq))) out[w.slice(0, eq)] = w.slice(eq + 1);
  }
  return out;
}

if (realRedisSuite('unix socket')) {
  describe('unix socket', () => {
    const servers = new Map<ServerKind, ServerProcess>();
    const sock = (k: ServerKind) => path.join(dir, `${k}.sock`);
    before(async () => {
      const ports = await freePorts(2);
      await Promise.all(
        KINDS.map(async (k, i) =>
          servers.set(
            k,
            await startProcess(k, ['--port', String(ports[i]), '--bind', '127.0.0.1', '--unixsocket', sock(k), '--unixsocketperm', '700', '--enable-protected-configs', 'local']),
          ),
        ),
      );
    });
    after(async () => {
      await Promise.all([...servers.values()].map((s) => s.stop()));
    });

    it('the socket file has unixsocketperm, and the server logs that it listens there', async () => {
      for (const k of KINDS) {
        assert.equal(fs.statSync(sock(k)).mode & 0o777, 0o700, k);
        assert.ok(fs.statSync(sock(k)).isSocket(), k);
        // The line follows "Ready to accept connections", which is what startup waited for.
        assert.equal(await waitForLog(servers.get(k)!, /^The server is now ready to accept connections at /), `The server is now ready to accept connections at ${sock(k)}`, k);
      }
    });

    it('CLIENT LIST / CLIENT INFO: addr and laddr are the path with port 0, flag U', async () => {
      const got = new Map<ServerKind, unknown>();
      for (const k of KINDS) {
        const [list, info] = await onSocket(sock(k), [['CLIENT', 'LIST'], ['CLIENT', 'INFO']]);
        const line = list.split('\r\n')[1];
        got.set(k, [stableFields(line.replace(sock(k), 'SOCK').replace(sock(k), 'SOCK')), stableFields(info.split('\r\n')[1].replaceAll(sock(k), 'SOCK'))]);
      }
      assert.deepEqual(got.get('redis'), [
        { addr: 'SOCK:0', laddr: 'SOCK:0', name: '', flags: 'U', db: '0', sub: '0', psub: '0', multi: '-1', cmd: 'client|list', user: 'default', resp: '2' },
        { addr: 'SOCK:0', laddr: 'SOCK:0', name: '', flags: 'U', db: '0', sub: '0', psub: '0', multi: '-1', cmd: 'client|info', user: 'default', resp: '2' },
      ]);
      assert.deepEqual(got.get('cinder'), got.get('redis'));
    });

    it('a unix socket client is local (enable-protected-configs local), CLIENT KILL ADDR finds it', async () => {
      const got = new Map<ServerKind, string[]>();
      for (const k of KINDS) {
        const other = net.connect({ path: sock(k) });
        const otherClosed = new Promise<void>((resolve) => other.once('close', () => resolve()));
        await new Promise<void>((resolve) => other.once('connect', () => resolve()));
        const replies = await onSocket(sock(k), [
          ['CONFIG', 'SET', 'dir', dir],
          ['CLIENT', 'KILL', 'ADDR', `${sock(k)}:0`, 'SKIPME', 'yes'],
          ['CONFIG', 'GET', 'unixsocket'],
          ['CONFIG', 'GET', 'unixsocketperm'],
          ['CONFIG', 'SET', 'unixsocket', '/tmp/x'],
          ['CONFIG', 'SET', 'unixsocketperm', '777'],
        ]);
        await otherClosed;
        got.set(k, replies.map((r) => r.replace(/\$\d+\r\n[^\r]*\.sock\r\n/, 'SOCK')));
      }
      assert.deepEqual(got.get('redis')!.slice(0, 2), ['+OK\r\n', ':1\r\n']);
      assert.deepEqual(got.get('cinder'), got.get('redis'));
    });

    it('redis-cli -s works', () => {
      for (const k of KINDS) {
        const r = spawnSync('redis-cli', ['-s', sock(k), 'ECHO', 'hi'], { encoding: 'utf8' });
        assert.equal(r.stdout, 'hi\n', k);
      }
    });

    it('SHUTDOWN removes the socket file, saying so', async () => {
      for (const k of KINDS) {
        const p = servers.get(k)!;
        const s = net.connect({ path: sock(k) });
        s.on('error', () => {});
        s.write(encodeCommand(['SHUTDOWN', 'NOSAVE']));
        assert.equal(await p.exited, 0, k);
        assert.equal(fs.existsSync(sock(k)), false, k);
        assert.ok(logMessages(p.output()).includes('Removing the unix socket file.'), k);
        s.destroy();
      }
    });
  });

  describe('unix socket at startup', () => {
    const started: ServerProcess[] = [];
    after(async () => {
      await Promise.all(started.map((s) => s.stop()));
    });

    it('a socket in a missing directory stops startup with Redis\'s message', async () => {
      const last = new Map<ServerKind, string | undefined>();
      for (const k of KINDS) {
        const p = spawnServer(k, ['--port', '0', '--unixsocket', path.join(dir, 'missing', 'r.sock')]);
        started.push(p);
        assert.equal(await p.exited, 1, k);
        last.set(k, logMessages(p.output()).at(-1));
      }
      assert.equal(last.get('redis'), 'Failed opening Unix socket: bind: No such file or directory');
      assert.equal(last.get('cinder'), last.get('redis'));
    });

    it('a file left at the socket path is replaced; a socket alone is enough to listen on (port 0)', async () => {
      for (const k of KINDS) {
        const file = path.join(dir, `stale-${k}.sock`);
        // What a killed server leaves behind, or anything else: redis-server unlinks it.
        fs.writeFileSync(file, 'stale');
        const p = await startProcess(k, ['--port', '0', '--unixsocket', file]);
        started.push(p);
        assert.deepEqual(await onSocket(file, [['PING']]), ['+PONG\r\n'], k);
        await p.stop();
      }
    });
  });
}
