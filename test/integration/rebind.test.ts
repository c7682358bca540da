/**
 * CONFIG SET port / bind on a running server, side by side with redis-server: the listeners move,
 * connected clients stay, a bind that fails is refused with Redis's error and log lines and the
 * previous listeners keep serving. The servers are driven through their unix sockets, which no
 * rebinding touches.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { RawConnection, encodeCommand, frameEnd, realRedisSuite } from '../helpers/differential.js';
import { KINDS, freePorts, logMessages, spawnServer, startProcess, type ServerKind, type ServerProcess } from '../helpers/listener-process.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cinder-rebind-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

async function viaSocket(file: string, ...argv: string[]): Promise<string> {
  const socket = net.connect({ path: file });
  let buf = Buffer.alloc(0);
  socket.write(encodeCommand(argv));
  while (buf.length === 0 || frameEnd(buf, 0) < 0) {
    buf = Buffer.concat([buf, await new Promise<Buffer>((resolve, reject) => {
      socket.once('data', resolve);
      socket.once('error', reject);
    })]);
  }
  socket.destroy();
  return buf.latin1Slice(0, frameEnd(buf, 0));
}

/** PING on host:port: the reply, or the connection error's code. */
async function ping(port: number, host = '127.0.0.1'): Promise<string> {
  try {
    const c = await RawConnection.connect(port, host);
    const r = (await c.command(['PING'])).latin1Slice();
    c.close();
    return r;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? String(e);
  }
}

if (realRedisSuite('CONFIG SET port and bind')) {
  describe('CONFIG SET port and bind', () => {
    const servers = new Map<ServerKind, ServerProcess>();
    const ports = new Map<ServerKind, number>();
    const sock = (k: ServerKind) => path.join(dir, `${k}.sock`);
    before(async () => {
      const [rp, cp] = await freePorts(2);
      ports.set('redis', rp).set('cinder', cp);
      await Promise.all(
        KINDS.map(async (k) => servers.set(k, await startProcess(k, ['--port', String(ports.get(k)), '--bind', '127.0.0.1', '--unixsocket', sock(k)]))),
      );
    });
    after(async () => {
      await Promise.all([...servers.values()].map((s) => s.stop()));
    });

    /** Runs `body` on both servers and checks they gave the same results. */
    async function same(body: (k: ServerKind, port: number, file: string) => Promise<unknown[]>): Promise<unknown[]> {
      const redis = await body('redis', ports.get('redis')!, sock('redis'));
      const cinder = await body('cinder', ports.get('cinder')!, sock('cinder'));
      assert.deepEqual(cinder, redis);
      return redis;
    }

    const newLog = (k: ServerKind, from: number) => logMessages(servers.get(k)!.output()).slice(from);

    it('CONFIG SET port moves the listener; a connected client keeps its connection', async () => {
      const next = await freePorts(2);
      const r = await same(async (k, port, file) => {
        const to = next[KINDS.indexOf(k)];
        const kept = await RawConnection.connect(port);
        const out: unknown[] = [await viaSocket(file, 'CONFIG', 'SET', 'port', String(to))];
        out.push(await ping(to), await ping(port), (await kept.command(['PING'])).latin1Slice());
        out.push(await viaSocket(file, 'CONFIG', 'SET', 'port', String(port)), await ping(port), await ping(to));
        kept.close();
        return out;
      });
      assert.deepEqual(r, ['+OK\r\n', '+PONG\r\n', 'ECONNREFUSED', '+PONG\r\n', '+OK\r\n', '+PONG\r\n', 'ECONNREFUSED']);
    });

    it('a port in use is refused with Redis\'s error and log line; the old port keeps serving', async () => {
      const blocker = net.createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
      const taken = (blocker.address() as net.AddressInfo).port;
      try {
        const r = await same(async (k, port, file) => {
          const from = logMessages(servers.get(k)!.output()).length;
          const out: unknown[] = [await viaSocket(file, 'CONFIG', 'SET', 'port', String(taken))];
          out.push(await viaSocket(file, 'CONFIG', 'GET', 'port').then((s) => s.replace(String(port), 'P')), await ping(port));
          await new Promise((res) => setTimeout(res, 100));
          out.push(newLog(k, from)[0]?.replace(String(taken), 'T'));
          return out;
        });
        assert.deepEqual(r, [
          "-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.\r\n",
          '*2\r\n$4\r\nport\r\n$5\r\nP\r\n',
          '+PONG\r\n',
          'Warning: Could not create server TCP listening socket 127.0.0.1:T: bind: Address already in use',
        ]);
      } finally {
        blocker.close();
      }
    });

    it('CONFIG SET bind: new addresses; an address not on this host fails unless optional (-)', async () => {
      const r = await same(async (k, port, file) => {
        const out: unknown[] = [await viaSocket(file, 'CONFIG', 'SET', 'bind', '127.0.0.1 127.0.0.3')];
        out.push(await ping(port, '127.0.0.3'), await ping(port, '127.0.0.1'));
        const from = logMessages(servers.get(k)!.output()).length;
        out.push(await viaSocket(file, 'CONFIG', 'SET', 'bind', '127.0.0.1 192.0.2.1'));
        await new Promise((res) => setTimeout(res, 100));
        out.push(newLog(k, from).slice(0, 2).map((m) => m.replace(String(port), 'P')));
        out.push(await viaSocket(file, 'CONFIG', 'GET', 'bind'), await ping(port, '127.0.0.3'));
        out.push(await viaSocket(file, 'CONFIG', 'SET', 'bind', '127.0.0.1 -192.0.2.1'), await ping(port, '127.0.0.1'), await ping(port, '127.0.0.3'));
        out.push(await viaSocket(file, 'CONFIG', 'SET', 'bind', '127.0.0.1'));
        return out;
      });
      assert.deepEqual(r, [
        '+OK\r\n',
        '+PONG\r\n',
        '+PONG\r\n',
        "-ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.\r\n",
        ['Warning: Could not create server TCP listening socket 192.0.2.1:P: bind: Cannot assign requested address', 'Failed to bind'],
        '*2\r\n$4\r\nbind\r\n$19\r\n127.0.0.1 127.0.0.3\r\n',
        '+PONG\r\n',
        '+OK\r\n',
        '+PONG\r\n',
        'ECONNREFUSED',
        '+OK\r\n',
      ]);
    });

    it('a port in use at startup: both exit 1 with the same log lines', async () => {
      const blocker = net.createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
      const taken = (blocker.address() as net.AddressInfo).port;
      try {
        const last = new Map<ServerKind, string[]>();
        for (const k of KINDS) {
          const p = spawnServer(k, ['--port', String(taken), '--bind', '127.0.0.1']);
          assert.equal(await p.exited, 1, k);
          last.set(k, logMessages(p.output()).slice(-2));
        }
        assert.deepEqual(last.get('redis'), [
          `Warning: Could not create server TCP listening socket 127.0.0.1:${taken}: bind: Address already in use`,
          `Failed listening on port ${taken} (TCP), aborting.`,
        ]);
        assert.deepEqual(last.get('cinder'), last.get('redis'));
      } finally {
        blocker.close();
      }
    });

    it('port 0 and nothing else: Redis refuses to start, Cinder listens on a free port (deviation)', async () => {
      const redis = spawnServer('redis', ['--port', '0']);
      assert.equal(await redis.exited, 1);
      assert.equal(logMessages(redis.output()).at(-1), 'Configured to not listen anywhere, exiting.');
      // Cinder's choice, for embedded servers and tests: port 0 alone is a port the system picks.
      const cinder = await startProcess('cinder', ['--port', '0', '--bind', '127.0.0.1']);
      try {
        const m = /Running mode=standalone, port=(\d+)\./.exec(cinder.output());
        assert.ok(m !== null && Number(m[1]) > 0);
        assert.equal(await ping(Number(m[1])), '+PONG\r\n');
      } finally {
        await cinder.stop();
      }
    });

    it('CONFIG SET port 0 stops listening on TCP', async () => {
      const r = await same(async (_k, port, file) => {
        const out: unknown[] = [await viaSocket(file, 'CONFIG', 'SET', 'port', '0'), await ping(port)];
        out.push(await viaSocket(file, 'CONFIG', 'SET', 'port', String(port)), await ping(port));
        return out;
      });
      assert.deepEqual(r, ['+OK\r\n', 'ECONNREFUSED', '+OK\r\n', '+PONG\r\n']);
    });
  });
}
