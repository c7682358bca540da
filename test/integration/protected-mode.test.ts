/**
 * protected-mode, side by side with redis-server: a client from an address other than 127.0.0.1
 * or ::1 (here 127.0.0.2: the whole 127/8 is this host, but Redis treats only those two as local)
 * is refused with -DENIED while the default user has no password, whatever `bind` says.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { RawConnection, realRedisSuite, testDataDir } from '../helpers/differential.js';
import { KINDS, collectUntilClose, freePorts, startProcess, type ServerKind, type ServerProcess } from '../helpers/listener-process.js';

/** Connects from `from` and sends `request`; what comes back until the server closes (or 1.5 s pass). */
async function sendFrom(port: number, from: string, request: string): Promise<{ data: string; closed: boolean }> {
  const socket = net.connect({ port, host: '127.0.0.1', localAddress: from });
  const result = collectUntilClose(socket, 1500);
  socket.on('connect', () => socket.write(request));
  const r = await result;
  socket.destroy();
  return r;
}

function pingFrom(port: number, from: string): Promise<{ data: string; closed: boolean }> {
  return sendFrom(port, from, 'PING\r\n');
}

async function info(port: number, field: string): Promise<string> {
  const c = await RawConnection.connect(port);
  const text = (await c.command(['INFO', 'stats'])).latin1Slice();
  c.close();
  const m = new RegExp(`${field}:(\\d+)`).exec(text);
  assert.ok(m !== null, `${field} in INFO`);
  return m[1];
}

async function command(port: number, ...argv: string[]): Promise<string> {
  const c = await RawConnection.connect(port);
  const reply = (await c.command(argv)).latin1Slice();
  c.close();
  return reply;
}

const dataDir = testDataDir();

const DENIED_START = '-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user.';

if (realRedisSuite('protected mode')) {
  describe('protected mode', () => {
    const servers = new Map<ServerKind, ServerProcess>();
    const ports = new Map<ServerKind, number>();
    before(async () => {
      const [rp, cp] = await freePorts(2);
      ports.set('redis', rp).set('cinder', cp);
      // An explicit bind to all interfaces: Redis 7.0 refuses non-local clients all the same.
      await Promise.all(
        KINDS.map(async (k) =>
          servers.set(k, await startProcess(k, ['--port', String(ports.get(k)), '--bind', '0.0.0.0', '--enable-protected-configs', 'local', '--dir', dataDir])),
        ),
      );
    });
    after(async () => {
      await Promise.all([...servers.values()].map((s) => s.stop()));
    });

    it('refuses a client from 127.0.0.2 with -DENIED and closes it, byte for byte as Redis', async () => {
      const got = new Map<ServerKind, { data: string; closed: boolean }>();
      for (const k of KINDS) got.set(k, await pingFrom(ports.get(k)!, '127.0.0.2'));
      const redis = got.get('redis')!;
      assert.ok(redis.data.startsWith(DENIED_START), redis.data);
      assert.equal(redis.closed, true);
      assert.deepEqual(got.get('cinder'), redis);
    });

    it('serves 127.0.0.1, and counts the refusal as a rejected connection (its client id spent)', async () => {
      for (const k of KINDS) {
        const port = ports.get(k)!;
        const rejected = Number(await info(port, 'rejected_connections'));
        const total = Number(await info(port, 'total_connections_received'));
        const id1 = Number((await command(port, 'CLIENT', 'ID')).slice(1));
        await pingFrom(port, '127.0.0.2');
        const id2 = Number((await command(port, 'CLIENT', 'ID')).slice(1));
        assert.equal(Number(await info(port, 'rejected_connections')), rejected + 1, k);
        // Our four connections since (two CLIENT ID, two INFO) are counted; the refused one is not.
        assert.equal(Number(await info(port, 'total_connections_received')), total + 4, k);
        assert.equal(id2 - id1, 2, `${k}: the refused client took an id`);
        assert.equal((await pingFrom(port, '127.0.0.1')).data, '+PONG\r\n', k);
      }
    });

    it('CONFIG SET protected-mode no lets 127.0.0.2 in; yes refuses it again', async () => {
      for (const k of KINDS) {
        const port = ports.get(k)!;
        assert.equal(await command(port, 'CONFIG', 'SET', 'protected-mode', 'no'), '+OK\r\n');
        assert.deepEqual(await pingFrom(port, '127.0.0.2'), { data: '+PONG\r\n', closed: false }, k);
        assert.equal(await command(port, 'CONFIG', 'SET', 'protected-mode', 'yes'), '+OK\r\n');
        assert.ok((await pingFrom(port, '127.0.0.2')).data.startsWith(DENIED_START), k);
      }
    });

    it('local clients (enable-protected-configs local) are 127.0.0.1 and ::1 only, as for protected mode', async () => {
      for (const k of KINDS) {
        const port = ports.get(k)!;
        assert.equal(await command(port, 'CONFIG', 'SET', 'protected-mode', 'no'), '+OK\r\n');
        const set = `*4\r\n$6\r\nCONFIG\r\n$3\r\nSET\r\n$3\r\ndir\r\n$${dataDir.length}\r\n${dataDir}\r\n`;
        const fromOther = await sendFrom(port, '127.0.0.2', set);
        const fromLoopback = await sendFrom(port, '127.0.0.1', set);
        assert.equal(await command(port, 'CONFIG', 'SET', 'protected-mode', 'yes'), '+OK\r\n');
        assert.deepEqual(
          [fromOther.data, fromLoopback.data],
          ["-ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config\r\n", '+OK\r\n'],
          k,
        );
      }
    });

    it('a password on the default user (requirepass) turns the refusal off', async () => {
      for (const k of KINDS) {
        const port = ports.get(k)!;
        assert.equal(await command(port, 'CONFIG', 'SET', 'requirepass', 'secret'), '+OK\r\n');
        const r = await pingFrom(port, '127.0.0.2');
        // Redis answers -NOAUTH; the connection is served either way (AUTH itself is another suite's).
        assert.ok(!r.data.startsWith('-DENIED'), `${k}: ${r.data}`);
        assert.equal(r.closed, false, k);
        const c = await RawConnection.connect(port);
        // Whatever AUTH answers where passwords are not checked yet, CONFIG SET must then run.
        await c.command(['AUTH', 'secret']);
        assert.equal((await c.command(['CONFIG', 'SET', 'requirepass', ''])).latin1Slice(), '+OK\r\n');
        c.close();
        assert.ok((await pingFrom(port, '127.0.0.2')).data.startsWith(DENIED_START), k);
      }
    });
  });
}
