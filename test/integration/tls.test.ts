/**
 * TLS side by side with redis-server (Debian's build has TLS): the same flags, certificates made
 * here with openssl, clients connecting with redis-cli --tls and with Node's tls; replies, client
 * refusals, CONFIG SET of the tls-* parameters and startup failures compared.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { execFileSync, spawnSync } from 'node:child_process';
import { RawConnection, encodeCommand, frameEnd, realRedisSuite } from '../helpers/differential.js';
import { KINDS, freePorts, logMessages, spawnServer, startProcess, waitForLog, type ServerKind, type ServerProcess } from '../helpers/listener-process.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cinder-tls-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** A CA, and a certificate it signs (EC P-256 keys: quick to make). */
function makeCa(name: string): void {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`);
}
function makeCert(name: string, ca: string): void {
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
  openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2');
}

const f = (name: string) => path.join(dir, name);

before(() => {
  makeCa('ca');
  makeCa('otherca');
  makeCert('server', 'ca');
  makeCert('server2', 'ca');
  makeCert('client', 'ca');
  makeCert('stranger', 'otherca');
  // The server key encrypted with a passphrase (tls-key-file-pass).
  openssl('pkey', '-in', 'server.key', '-aes256', '-passout', 'pass:s3cret', '-out', 'server-enc.key');
  // A CA directory as OpenSSL reads it: certificates named by subject hash.
  const hash = execFileSync('openssl', ['x509', '-hash', '-noout', '-in', f('ca.crt')], { encoding: 'utf8' }).trim();
  fs.mkdirSync(f('cadir'));
  fs.copyFileSync(f('ca.crt'), f(`cadir/${hash}.0`));
});

interface TlsClientOptions {
  cert?: string;
  ca?: string;
  localAddress?: string;
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
  ciphers?: string;
}

interface TlsResult {
  /** Each command's reply, or null after the connection failed or closed. */
  replies: Array<string | null>;
  protocol: string | null;
  cipher: string | null;
  peerCN: string | null;
}

/** Connects with Node's tls (certificate `cert` if given), sends each command, collects the replies. */
async function tlsRun(port: number, commands: string[][], o: TlsClientOptions = {}): Promise<TlsResult> {
  const options: tls.ConnectionOptions & { localAddress?: string } = {
    host: '127.0.0.1',
    port,
    localAddress: o.localAddress,
    ca: fs.readFileSync(f(o.ca ?? 'ca.crt')),
    cert: o.cert !== undefined ? fs.readFileSync(f(`${o.cert}.crt`)) : undefined,
    key: o.cert !== undefined ? fs.readFileSync(f(`${o.cert}.key`)) : undefined,
    minVersion: o.minVersion,
    maxVersion: o.maxVersion,
    ciphers: o.ciphers,
    // The certificates name no host: the chain is what is checked.
    checkServerIdentity: () => undefined,
  };
  const socket = tls.connect(options);
  let buf = Buffer.alloc(0);
  let closed = false;
  let wake: (() => void) | null = null;
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    wake?.();
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    closed = true;
    wake?.();
  });
  const connected = await new Promise<boolean>((resolve) => {
    socket.once('secureConnect', () => resolve(true));
    socket.once('close', () => resolve(false));
  });
  const result: TlsResult = {
    replies: [],
    protocol: connected ? socket.getProtocol() : null,
    cipher: connected ? (socket.getCipher()?.name ?? null) : null,
    peerCN: connected ? String(socket.getPeerCertificate().subject?.CN ?? '') : null,
  };
  for (const argv of commands) {
    if (closed) {
      result.replies.push(null);
      continue;
    }
    socket.write(encodeCommand(argv));
    const deadline = Date.now() + 3000;
    let end: number;
    while ((end = buf.length > 0 ? frameEnd(buf, 0) : -1) < 0 && !closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    if (end < 0) {
      result.replies.push(null);
      continue;
    }
    result.replies.push(buf.latin1Slice(0, end));
    buf = buf.subarray(end);
  }
  socket.destroy();
  return result;
}

/** One connection with a client certificate: its session once the server answered PING, whether it was resumed. */
function tlsSession(port: number, maxVersion: tls.SecureVersion, session?: Buffer): Promise<{ session: Buffer | null; reused: boolean | 'failed' }> {
  return new Promise((resolve) => {
    const s = tls.connect({
      host: '127.0.0.1',
      port,
      ca: fs.readFileSync(f('ca.crt')),
      cert: fs.readFileSync(f('client.crt')),
      key: fs.readFileSync(f('client.key')),
      maxVersion,
      session,
      checkServerIdentity: () => undefined,
    });
    let got: Buffer | null = null;
    s.on('session', (x: Buffer) => (got = x));
    s.on('secureConnect', () => s.write('PING\r\n'));
    s.on('data', () => {
      const reused = s.isSessionReused();
      // TLSv1.3 tickets arrive after the handshake: give them a moment.
      setTimeout(() => {
        s.destroy();
        resolve({ session: got, reused });
      }, 50);
    });
    s.on('error', () => resolve({ session: null, reused: 'failed' }));
  });
}

/** Whether a second connection offering the first one's session resumes it (or 'failed'). */
async function resumes(port: number, maxVersion: tls.SecureVersion): Promise<boolean | 'failed'> {
  const first = await tlsSession(port, maxVersion);
  if (first.session === null) return 'failed';
  return (await tlsSession(port, maxVersion, first.session)).reused;
}

/** redis-cli --tls: exit status and what it printed. */
function cli(port: number, args: string[], cert: string | null = 'client'): { status: number | null; out: string } {
  const certArgs = cert === null ? [] : ['--cert', f(`${cert}.crt`), '--key', f(`${cert}.key`)];
  const r = spawnSync('redis-cli', ['-p', String(port), '--tls', '--cacert', f('ca.crt'), ...certArgs, ...args], { encoding: 'utf8', timeout: 10_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

async function plain(port: number, ...argv: string[]): Promise<string> {
  const c = await RawConnection.connect(port);
  const reply = (await c.command(argv)).latin1Slice();
  c.close();
  return reply;
}

const TLS_FLAGS = () => ['--tls-cert-file', f('server.crt'), '--tls-key-file', f('server.key'), '--tls-ca-cert-file', f('ca.crt')];

if (realRedisSuite('TLS')) {
  describe('TLS', () => {
    const servers = new Map<ServerKind, ServerProcess>();
    const tcp = new Map<ServerKind, number>();
    const tlsPort = new Map<ServerKind, number>();
    /** Runs `body` for both servers, returning each one's result to compare. */
    const both = async <T>(body: (k: ServerKind, tcpPort: number, tlsPort: number) => Promise<T> | T): Promise<{ redis: T; cinder: T }> => ({
      redis: await body('redis', tcp.get('redis')!, tlsPort.get('redis')!),
      cinder: await body('cinder', tcp.get('cinder')!, tlsPort.get('cinder')!),
    });
    const same = <T>(r: { redis: T; cinder: T }): T => {
      assert.deepEqual(r.cinder, r.redis);
      return r.redis;
    };

    before(async () => {
      const ports = await freePorts(4);
      tcp.set('redis', ports[0]).set('cinder', ports[1]);
      tlsPort.set('redis', ports[2]).set('cinder', ports[3]);
      await Promise.all(
        KINDS.map(async (k) =>
          servers.set(k, await startProcess(k, ['--port', String(tcp.get(k)), '--bind', '127.0.0.1', '--tls-port', String(tlsPort.get(k)), ...TLS_FLAGS()])),
        ),
      );
    });
    after(async () => {
      await Promise.all([...servers.values()].map((s) => s.stop()));
    });

    it('serves commands over TLS (RESP2 and RESP3) as over TCP, with a client certificate', async () => {
      const commands = [['PING'], ['SET', 'tls:k', 'v'], ['GET', 'tls:k'], ['HELLO', '3'], ['GET', 'tls:k'], ['HGETALL', 'nokey'], ['DEL', 'tls:k']];
      const r = same(await both((_k, _p, port) => tlsRun(port, commands, { cert: 'client' }).then((x) => ({ ...x, replies: x.replies.map((s) => s?.replace(/(\$2\r\nid\r\n):\d+/, '$1')) }))));
      assert.equal(r.replies[0], '+PONG\r\n');
      assert.equal(r.protocol, 'TLSv1.3');
      assert.equal(r.peerCN, 'server');
    });

    it('CLIENT INFO of a TLS client: laddr is the TLS port, flags as a TCP client', async () => {
      const r = await both(async (_k, _p, port) => {
        const line = (await tlsRun(port, [['CLIENT', 'INFO']], { cert: 'client' })).replies[0]!;
        const fields = Object.fromEntries(line.split(/[ \r\n]/).filter((w) => w.includes('=')).map((w) => w.split('=') as [string, string]));
        return { laddr: fields.laddr === `127.0.0.1:${port}`, flags: fields.flags, cmd: fields.cmd, db: fields.db };
      });
      same(r);
      assert.equal(r.redis.laddr, true);
    });

    it('redis-cli --tls with a certificate works the same', async () => {
      const r = same(await both((_k, _p, port) => [cli(port, ['SET', 'cli:k', 'v']), cli(port, ['GET', 'cli:k']), cli(port, ['DEL', 'cli:k'])]));
      assert.deepEqual(r[1], { status: 0, out: 'v\n' });
    });

    it('tls-auth-clients yes: a client without a certificate is refused during the handshake, and logged', async () => {
      // Redis's side closes with the client's bytes unread (a reset) or not, as timing has it.
      const r = same(
        await both((_k, _p, port) => {
          const { status, out } = cli(port, ['PING'], null);
          return { status, out: /^Error: (Server closed the connection|Connection reset by peer)\n$/.test(out) };
        }),
      );
      assert.deepEqual(r, { status: 1, out: true });
      same(await both((_k, _p, port) => tlsRun(port, [['PING']]).then((x) => x.replies)));
      for (const k of KINDS) {
        await waitForLog(servers.get(k)!, /^Error accepting a client connection: error:0A0000C7:SSL routines::peer did not return a certificate$/);
      }
    });

    it('a certificate from another CA is refused', async () => {
      const r = same(await both((_k, _p, port) => tlsRun(port, [['PING']], { cert: 'stranger' }).then((x) => x.replies)));
      assert.deepEqual(r, [null]);
    });

    it('tls-auth-clients no and optional (CONFIG SET): no certificate needed; optional still refuses a bad one', async () => {
      const r = same(
        await both(async (_k, p, port) => {
          const out: unknown[] = [];
          out.push(await plain(p, 'CONFIG', 'SET', 'tls-auth-clients', 'no'));
          out.push((await tlsRun(port, [['PING']])).replies);
          out.push((await tlsRun(port, [['PING']], { cert: 'stranger' })).replies);
          out.push(await plain(p, 'CONFIG', 'SET', 'tls-auth-clients', 'optional'));
          out.push((await tlsRun(port, [['PING']])).replies);
          out.push((await tlsRun(port, [['PING']], { cert: 'client' })).replies);
          out.push((await tlsRun(port, [['PING']], { cert: 'stranger' })).replies);
          out.push(await plain(p, 'CONFIG', 'SET', 'tls-auth-clients', 'yes'));
          out.push((await tlsRun(port, [['PING']])).replies);
          return out;
        }),
      );
      assert.deepEqual(r, ['+OK\r\n', ['+PONG\r\n'], ['+PONG\r\n'], '+OK\r\n', ['+PONG\r\n'], ['+PONG\r\n'], [null], '+OK\r\n', [null]]);
    });

    it('CONFIG SET of tls-* that cannot be applied: Redis error, log line, the context in force kept', async () => {
      const cases: Array<[string, string]> = [
        ['tls-cert-file', f('nonexistent.crt')],
        ['tls-key-file', f('otherca.key')],
        ['tls-cert-file', f('server.key')],
        ['tls-ca-cert-file', f('nonexistent.crt')],
        ['tls-protocols', 'TLSv1.2 TLSv9'],
        ['tls-ciphers', 'BOGUS'],
        ['tls-ciphersuites', 'BOGUS'],
      ];
      for (const [name, value] of cases) {
        const r = same(
          await both(async (k, p) => {
            const before = logMessages(servers.get(k)!.output()).length;
            const reply = await plain(p, 'CONFIG', 'SET', name, value);
            // The log arrives through a pipe: wait for the line (a hang guard, not a bound).
            const deadline = Date.now() + 5000;
            while (logMessages(servers.get(k)!.output()).length === before && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
            const logged = logMessages(servers.get(k)!.output()).slice(before)[0];
            return { reply, logged, value: await plain(p, 'CONFIG', 'GET', name) };
          }),
        );
        assert.match(r.reply, /^-ERR CONFIG SET failed \(possibly related to argument '.*'\) - Unable to update TLS configuration\. Check server logs\.\r\n$/);
      }
      same(await both((_k, _p, port) => tlsRun(port, [['PING']], { cert: 'client' }).then((x) => x.replies)));
    });

    it('CONFIG SET tls-cert-file and tls-key-file together: new connections get the new certificate', async () => {
      const r = same(
        await both(async (_k, p, port) => {
          const set = await plain(p, 'CONFIG', 'SET', 'tls-cert-file', f('server2.crt'), 'tls-key-file', f('server2.key'));
          const cn = (await tlsRun(port, [['PING']], { cert: 'client' })).peerCN;
          await plain(p, 'CONFIG', 'SET', 'tls-cert-file', f('server.crt'), 'tls-key-file', f('server.key'));
          return { set, cn };
        }),
      );
      assert.deepEqual(r, { set: '+OK\r\n', cn: 'server2' });
    });

    it('tls-protocols, tls-ciphers and tls-ciphersuites choose what is negotiated', async () => {
      const r = same(
        await both(async (_k, p, port) => {
          const out: unknown[] = [];
          out.push(await plain(p, 'CONFIG', 'SET', 'tls-protocols', 'TLSv1.2'));
          const v12 = await tlsRun(port, [['PING']], { cert: 'client' });
          out.push(v12.protocol, v12.replies);
          out.push((await tlsRun(port, [['PING']], { cert: 'client', minVersion: 'TLSv1.3' })).replies);
          out.push(await plain(p, 'CONFIG', 'SET', 'tls-ciphers', 'ECDHE-ECDSA-AES256-GCM-SHA384'));
          out.push((await tlsRun(port, [['PING']], { cert: 'client' })).cipher);
          out.push(await plain(p, 'CONFIG', 'SET', 'tls-protocols', 'tlsv1.3', 'tls-ciphersuites', 'TLS_CHACHA20_POLY1305_SHA256'));
          const v13 = await tlsRun(port, [['PING']], { cert: 'client' });
          out.push(v13.protocol, v13.cipher);
          out.push((await tlsRun(port, [['PING']], { cert: 'client', maxVersion: 'TLSv1.2' })).replies);
          out.push(await plain(p, 'CONFIG', 'SET', 'tls-protocols', '', 'tls-ciphers', '', 'tls-ciphersuites', ''));
          out.push((await tlsRun(port, [['PING']], { cert: 'client' })).protocol);
          return out;
        }),
      );
      assert.deepEqual(r, [
        '+OK\r\n',
        'TLSv1.2',
        ['+PONG\r\n'],
        [null],
        '+OK\r\n',
        'ECDHE-ECDSA-AES256-GCM-SHA384',
        '+OK\r\n',
        'TLSv1.3',
        'TLS_CHACHA20_POLY1305_SHA256',
        [null],
        '+OK\r\n',
        'TLSv1.3',
      ]);
    });

    it('CONFIG SET tls-port moves the TLS listener (0 closes it); a port in use is refused', async () => {
      const [a, b] = await freePorts(2);
      const moved = new Map<ServerKind, number>([
        ['redis', a],
        ['cinder', b],
      ]);
      const r = same(
        await both(async (k, p, port) => {
          const out: unknown[] = [];
          const next = moved.get(k)!;
          out.push(await plain(p, 'CONFIG', 'SET', 'tls-port', String(next)));
          out.push((await tlsRun(next, [['PING']], { cert: 'client' })).replies);
          out.push((await tlsRun(port, [['PING']], { cert: 'client' })).replies);
          // The plain TCP port is taken (by the server itself).
          out.push(await plain(p, 'CONFIG', 'SET', 'tls-port', String(p)));
          out.push(await plain(p, 'CONFIG', 'GET', 'tls-port').then((s) => s.replace(String(next), 'N')));
          out.push((await tlsRun(next, [['PING']], { cert: 'client' })).replies);
          out.push(await plain(p, 'CONFIG', 'SET', 'tls-port', '0'));
          out.push((await tlsRun(next, [['PING']], { cert: 'client' })).replies);
          out.push(await plain(p, 'CONFIG', 'SET', 'tls-port', String(port)));
          out.push((await tlsRun(port, [['PING']], { cert: 'client' })).replies);
          return out;
        }),
      );
      assert.deepEqual(r, [
        '+OK\r\n',
        ['+PONG\r\n'],
        [null],
        "-ERR CONFIG SET failed (possibly related to argument 'tls-port') - Unable to listen on this port. Check server logs.\r\n",
        '*2\r\n$8\r\ntls-port\r\n$5\r\nN\r\n',
        ['+PONG\r\n'],
        '+OK\r\n',
        [null],
        '+OK\r\n',
        ['+PONG\r\n'],
      ]);
    });

    it('tls-session-caching: a second connection resumes the first one\'s session (TLSv1.2 and 1.3)', async () => {
      const r = same(await both(async (_k, _p, port) => [await resumes(port, 'TLSv1.2'), await resumes(port, 'TLSv1.3')]));
      assert.deepEqual(r, [true, true]);
    });

    it('tls-session-caching no: no resumption (deviation: Redis fails the handshake of a client offering a session)', async () => {
      const r = await both(async (_k, p, port) => {
        await plain(p, 'CONFIG', 'SET', 'tls-session-caching', 'no');
        const out = [await resumes(port, 'TLSv1.2'), await resumes(port, 'TLSv1.3')];
        await plain(p, 'CONFIG', 'SET', 'tls-session-caching', 'yes');
        return out;
      });
      // Redis 7.0 answers a resumption attempt with an internal error alert (its context has no
      // session id context then); Cinder does a full handshake, which is what the setting means.
      assert.deepEqual(r.redis, ['failed', 'failed']);
      assert.deepEqual(r.cinder, [false, false]);
    });

    it('protected mode refuses a TLS client from 127.0.0.2 after the handshake', async () => {
      // Both listen on 127.0.0.1 only; 127.0.0.2 reaches it as another local address.
      const r = same(await both((_k, _p, port) => tlsRun(port, [['PING']], { cert: 'client', localAddress: '127.0.0.2' }).then((x) => x.replies[0]?.slice(0, 40))));
      assert.equal(r, '-DENIED Redis is running in protected mo');
    });
  });

  describe('TLS at startup', () => {
    const started: ServerProcess[] = [];
    after(async () => {
      await Promise.all(started.map((s) => s.stop()));
    });

    /** Starts both with `args` (a TLS port appended) and expects both to exit 1 with the same last two log lines. */
    async function failsAlike(args: string[]): Promise<string[]> {
      const [rp, cp] = await freePorts(2);
      const out = new Map<ServerKind, string[]>();
      for (const k of KINDS) {
        const p = spawnServer(k, ['--port', '0', '--tls-port', String(k === 'redis' ? rp : cp), ...args]);
        started.push(p);
        assert.equal(await p.exited, 1, `${k} exits 1:\n${p.output()}`);
        out.set(k, logMessages(p.output()).slice(-2));
      }
      assert.deepEqual(out.get('cinder'), out.get('redis'));
      return out.get('redis')!;
    }

    it('refuses to start without a certificate, key or CA, or with bad files or protocols, as redis-server', async () => {
      assert.deepEqual(await failsAlike([]), ['No tls-cert-file configured!', 'Failed to configure TLS. Check logs for more info.']);
      assert.deepEqual(await failsAlike(['--tls-cert-file', f('server.crt')]), ['No tls-key-file configured!', 'Failed to configure TLS. Check logs for more info.']);
      assert.equal((await failsAlike(['--tls-cert-file', f('server.crt'), '--tls-key-file', f('server.key')]))[0].slice(0, 50), 'Either tls-ca-cert-file or tls-ca-cert-dir must be');
      const noCa = ['--tls-auth-clients', 'no'];
      await failsAlike(['--tls-cert-file', f('server.crt'), '--tls-key-file', f('nonexistent.key'), ...noCa]);
      await failsAlike(['--tls-cert-file', f('nonexistent.crt'), '--tls-key-file', f('server.key'), ...noCa]);
      await failsAlike(['--tls-cert-file', f('server.crt'), '--tls-key-file', f('client.key'), ...noCa]);
      await failsAlike(['--tls-cert-file', f('server.crt'), '--tls-key-file', f('server.key'), '--tls-protocols', 'SSLv3', ...noCa]);
      await failsAlike(['--tls-cert-file', f('server.crt'), '--tls-key-file', f('server.key'), '--tls-ciphers', 'BOGUS', ...noCa]);
      await failsAlike(['--tls-cert-file', f('server.crt'), '--tls-key-file', f('server.key'), '--tls-dh-params-file', f('nonexistent.pem'), ...noCa]);
    });

    it('TLS only (port 0), a CA directory, an encrypted key with tls-key-file-pass', async () => {
      const [rp, cp] = await freePorts(2);
      const r = new Map<ServerKind, unknown>();
      for (const k of KINDS) {
        const port = k === 'redis' ? rp : cp;
        const p = await startProcess(k, [
          '--port', '0',
          '--tls-port', String(port),
          '--tls-cert-file', f('server.crt'),
          '--tls-key-file', f('server-enc.key'),
          '--tls-key-file-pass', 's3cret',
          '--tls-ca-cert-dir', f('cadir'),
        ]);
        started.push(p);
        r.set(k, [(await tlsRun(port, [['PING']], { cert: 'client' })).replies, (await tlsRun(port, [['PING']], { cert: 'stranger' })).replies]);
      }
      assert.deepEqual(r.get('redis'), [['+PONG\r\n'], [null]]);
      assert.deepEqual(r.get('cinder'), r.get('redis'));
    });
  });
}
