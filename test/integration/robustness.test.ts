/**
 * The network server under abuse: garbage, oversized lengths, huge arguments, clients vanishing
 * mid-pipeline, many connections, slow readers. After each scenario the server must keep serving
 * other clients and must have forgotten the clients that went away.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { startServer, type RunningServer } from '../../src/embedded/index.js';
import { RawConnection, encodeCommand } from '../helpers/differential.js';

const MB = 1024 * 1024;

let srv: RunningServer;

async function ping(): Promise<void> {
  const c = await RawConnection.connect(srv.port);
  try {
    assert.equal((await c.command(['PING'], 2000)).latin1Slice(), '+PONG\r\n');
  } finally {
    c.close();
  }
}

async function call(argv: string[]): Promise<string> {
  const c = await RawConnection.connect(srv.port);
  try {
    return (await c.command(argv, 10_000)).latin1Slice();
  } finally {
    c.close();
  }
}

/** Waits until the server has forgotten every network client (embedded ones do not count). */
async function noClientsLeft(): Promise<void> {
  const deadline = Date.now() + 5000;
  const count = () => [...srv.server.clients.values()].filter((c) => c.kind === 'normal').length;
  while (count() > 0) {
    if (Date.now() > deadline) assert.fail(`${count()} client(s) still registered`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function rawSocket(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port: srv.port, host: '127.0.0.1' }, () => {
      s.off('error', reject);
      s.on('error', () => {});
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Writes honouring back-pressure. */
async function writeAll(s: net.Socket, data: Buffer): Promise<void> {
  if (!s.write(data)) await once(s, 'drain');
}

/** A tiny deterministic PRNG so the garbage is the same on every run. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

describe('network robustness', () => {
  before(async () => {
    srv = await startServer({ port: 0 });
  });
  after(async () => {
    await srv?.close();
  });

  it('survives garbage bytes on many connections', async () => {
    const rnd = prng(42);
    const conns = await Promise.all(Array.from({ length: 20 }, () => RawConnection.connect(srv.port)));
    conns.forEach((c, i) => {
      const n = 1 + Math.floor(rnd() * (i < 10 ? 2000 : 150_000));
      const bytes = Buffer.alloc(n);
      for (let j = 0; j < n; j++) bytes[j] = Math.floor(rnd() * 256);
      // Some with protocol-looking starts, to get past the first byte.
      if (i % 3 === 0) bytes.write('*3\r\n$', 0, 'latin1');
      if (i % 3 === 1) bytes.write('*2\r\n$3\r\nGET\r\n$', 0, 'latin1');
      c.write(bytes);
    });
    await Promise.all(conns.map((c) => c.readUntilClose(300)));
    for (const c of conns) c.close();
    await ping();
    await noClientsLeft();
  });

  it('a 1 GB bulk length gets the protocol error and a close; others keep being served', async () => {
    const other = await RawConnection.connect(srv.port);
    const bad = await RawConnection.connect(srv.port);
    bad.write('*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$1073741824\r\n');
    const got = await bad.readUntilClose(2000);
    assert.equal(got.latin1Slice(), '-ERR Protocol error: invalid bulk length\r\n');
    assert.equal(bad.closed, true);
    assert.equal((await other.command(['PING'])).latin1Slice(), '+PONG\r\n');
    assert.equal((await other.command(['EXISTS', 'big'])).latin1Slice(), ':0\r\n');
    other.close();
    await noClientsLeft();
  });

  it('a multibulk count above INT_MAX and a huge count string close the connection', async () => {
    const a = await RawConnection.connect(srv.port);
    a.write('*4294967296\r\n');
    assert.equal((await a.readUntilClose(2000)).latin1Slice(), '-ERR Protocol error: invalid multibulk length\r\n');
    const b = await RawConnection.connect(srv.port);
    b.write('*' + '9'.repeat(200_000));
    assert.equal((await b.readUntilClose(2000)).latin1Slice(), '-ERR Protocol error: too big mbulk count string\r\n');
    await ping();
  });

  /**
   * SETs a `size`-byte value sent in 64 KB writes; returns the bytes copied meanwhile through
   * Buffer's copy and concat (the in-process server's request parser assembles arguments with
   * them). Counted, not timed: quadratic assembly (concatenating the chunks received so far at
   * every read) copies about size^2 / 128 KB bytes, linear assembly about `size`.
   */
  async function setHuge(key: string, size: number): Promise<number> {
    const s = await rawSocket();
    const replies: Buffer[] = [];
    s.on('data', (d) => replies.push(d));
    let copied = 0;
    const originalCopy = Buffer.prototype.copy;
    const originalConcat = Buffer.concat;
    Buffer.prototype.copy = function (this: Buffer, ...args: Parameters<Buffer['copy']>): number {
      const n = originalCopy.apply(this, args);
      copied += n;
      return n;
    };
    Buffer.concat = ((list: readonly Uint8Array[], totalLength?: number) => {
      const out = originalConcat(list, totalLength);
      copied += out.length;
      return out;
    }) as typeof Buffer.concat;
    try {
      await writeAll(s, Buffer.from(`*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${size}\r\n`));
      const chunk = Buffer.alloc(64 * 1024, 'x');
      let sent = 0;
      while (sent < size) {
        const n = Math.min(chunk.length, size - sent);
        await writeAll(s, n === chunk.length ? chunk : chunk.subarray(0, n));
        sent += n;
      }
      await writeAll(s, Buffer.from(`\r\n*2\r\n$6\r\nSTRLEN\r\n$${key.length}\r\n${key}\r\n`));
      // A failure timeout only (the test would otherwise hang if the server never answered).
      const deadline = Date.now() + 60_000;
      while (replies.reduce((n, r) => n + r.length, 0) < `+OK\r\n:${size}\r\n`.length && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 5));
      }
    } finally {
      Buffer.prototype.copy = originalCopy;
      Buffer.concat = originalConcat;
    }
    s.destroy();
    const text = Buffer.concat(replies).latin1Slice();
    assert.equal(text, `+OK\r\n:${size}\r\n`);
    return copied;
  }

  it('a 100 MB argument sent in chunks works, each byte copied about once', async (t) => {
    for (const [key, size] of [['ten', 10 * MB], ['hundred', 100 * MB]] as const) {
      const copied = await setHuge(key, size);
      t.diagnostic(`${size} bytes sent, ${copied} bytes copied`);
      // Linear: one copy into the argument's buffer, plus small change (headers, replies).
      assert.ok(copied <= size + MB, `${size} bytes: ${copied} bytes copied`);
    }
    const tail = await call(['GETRANGE', 'hundred', '-3', '-1']);
    if (!tail.startsWith('-ERR unknown command')) assert.equal(tail, '$3\r\nxxx\r\n');
    assert.equal(await call(['DEL', 'ten', 'hundred']), ':2\r\n');
    await noClientsLeft();
  });

  it('clients disconnecting mid-command are forgotten and leave no trace', async () => {
    const half = await rawSocket();
    half.write('*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$10\r\nabc');
    const halfBig = await rawSocket();
    halfBig.write('*3\r\n$3\r\nSET\r\n$7\r\nhalfbig\r\n$1048576\r\n' + 'y'.repeat(100_000));
    const halfInline = await rawSocket();
    halfInline.write('SET halfinline "unterminated');
    await new Promise((r) => setTimeout(r, 50));
    half.destroy();
    halfBig.destroy();
    halfInline.end();
    await noClientsLeft();
    assert.equal(await call(['EXISTS', 'half', 'halfbig', 'halfinline']), ':0\r\n');
  });

  it('a client sending 10k commands without reading, then vanishing', async () => {
    const s = await rawSocket();
    const parts: Buffer[] = [];
    for (let i = 0; i < 10_000; i++) parts.push(encodeCommand(['SET', `pipe:${i}`, String(i)]));
    s.write(Buffer.concat(parts));
    await new Promise((r) => setTimeout(r, 20));
    s.destroy();
    await ping();
    await noClientsLeft();
    // Whatever was read before the close ran completely.
    const v = await call(['GET', 'pipe:0']);
    assert.ok(v === '$1\r\n0\r\n' || v === '$-1\r\n', v);
  });

  it('a client vanishing while megabytes of replies are pending', async () => {
    assert.equal(await call(['SET', 'blob', 'b'.repeat(100_000)]), '+OK\r\n');
    const s = await rawSocket();
    s.pause();
    const parts: Buffer[] = [];
    for (let i = 0; i < 500; i++) parts.push(encodeCommand(['GET', 'blob']));
    s.write(Buffer.concat(parts));
    await new Promise((r) => setTimeout(r, 100));
    s.destroy();
    await ping();
    await noClientsLeft();
    assert.equal(await call(['DEL', 'blob']), ':1\r\n');
  });

  it('1,000 concurrent connections each doing a few commands', async () => {
    const N = 1000;
    const conns: RawConnection[] = [];
    for (let i = 0; i < N; i += 250) {
      conns.push(...(await Promise.all(Array.from({ length: Math.min(250, N - i) }, () => RawConnection.connect(srv.port)))));
    }
    try {
      const deadline = Date.now() + 5000;
      while (srv.server.clients.size < N && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.ok(srv.server.clients.size >= N, `${srv.server.clients.size} clients registered`);
      await Promise.all(
        conns.map(async (c, i) => {
          assert.equal((await c.command(['SET', `conn:${i}`, `v${i}`])).latin1Slice(), '+OK\r\n');
          assert.equal((await c.command(['GET', `conn:${i}`])).latin1Slice(), `$${String(i).length + 1}\r\nv${i}\r\n`);
          c.write(encodeCommand(['PING']).latin1Slice() + 'ECHO "x y"\r\n');
          assert.equal((await c.readReply()).latin1Slice(), '+PONG\r\n');
          assert.equal((await c.readReply()).latin1Slice(), '$3\r\nx y\r\n');
        }),
      );
      const dbsize = await call(['DBSIZE']);
      assert.ok(/^:\d+\r\n$/.test(dbsize) && Number(dbsize.slice(1)) >= N, dbsize);
    } finally {
      for (const c of conns) c.close();
    }
    await noClientsLeft();
  });

  it('a slow reader does not stop the server answering others', async () => {
    const value = 'z'.repeat(MB);
    assert.equal(await call(['SET', 'slow', value]), '+OK\r\n');
    const slow = await rawSocket();
    let received = 0;
    slow.on('data', (d) => (received += d.length));
    slow.pause();
    const GETS = 120;
    const batch = encodeCommand(['GET', 'slow']);
    // Send the GETs over time so the server keeps reading while replies pile up (120 MB).
    for (let i = 0; i < GETS; i += 10) {
      slow.write(Buffer.concat(Array.from({ length: 10 }, () => batch)));
      await new Promise((r) => setTimeout(r, 5));
    }
    // Checked by order, not by a clock: every ECHO of another client is answered while the slow
    // reader still has not read its replies (paused, it has received nothing), so the server did
    // not wait for it. The 10 s per reply is a failure timeout for a server that stalls.
    const fast = await RawConnection.connect(srv.port);
    for (let i = 0; i < 50; i++) {
      assert.equal((await fast.command(['ECHO', `m${i}`], 10_000)).latin1Slice(), `$${String(i).length + 1}\r\nm${i}\r\n`);
    }
    fast.close();
    const expected = GETS * (`$${MB}\r\n`.length + MB + 2);
    assert.ok(received < expected, `the slow reader had already read all ${received} bytes`);
    slow.resume();
    const deadline = Date.now() + 30_000;
    while (received < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(received, expected);
    // The connection still works after catching up.
    const tail: Buffer[] = [];
    slow.removeAllListeners('data');
    slow.on('data', (d) => tail.push(d));
    slow.write('PING\r\n');
    while (Buffer.concat(tail).length < 7 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.equal(Buffer.concat(tail).latin1Slice(), '+PONG\r\n');
    slow.destroy();
    assert.equal(await call(['DEL', 'slow']), ':1\r\n');
    await noClientsLeft();
  });

  it('HTTP relayed to the port closes the connection without replies', async () => {
    const c = await RawConnection.connect(srv.port);
    c.write('POST /x HTTP/1.1\r\nHost: example\r\n\r\n');
    assert.equal((await c.readUntilClose(2000)).length, 0);
    assert.equal(c.closed, true);
    await ping();
  });

  it('connections reset by the peer at any moment', async () => {
    for (let i = 0; i < 50; i++) {
      const s = await rawSocket();
      if (i % 2 === 0) s.write(encodeCommand(['SET', `reset:${i}`, 'v']));
      s.resetAndDestroy();
    }
    await ping();
    await noClientsLeft();
  });

  it('after all of that, PING still answers', async () => {
    await ping();
    await noClientsLeft();
  });
});

describe('maxclients', () => {
  it('refuses connections beyond the limit with an error and a close, even when they reset', async () => {
    const limited = await startServer({ port: 0, config: { maxclients: 3 } });
    try {
      const ok = await Promise.all([0, 1, 2].map(() => RawConnection.connect(limited.port)));
      const deadline = Date.now() + 2000;
      while (limited.server.clients.size < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      const extra = await RawConnection.connect(limited.port);
      assert.equal((await extra.readUntilClose(2000)).latin1Slice(), '-ERR max number of clients reached\r\n');
      assert.equal(extra.closed, true);
      for (let i = 0; i < 20; i++) {
        const s = await new Promise<net.Socket>((resolve) => {
          const sock = net.connect({ port: limited.port, host: '127.0.0.1' }, () => resolve(sock));
          sock.on('error', () => {});
        });
        s.resetAndDestroy();
      }
      for (const c of ok) assert.equal((await c.command(['PING'])).latin1Slice(), '+PONG\r\n');
      assert.ok(limited.server.stats.rejectedConnections >= 1);
      for (const c of ok) c.close();
    } finally {
      await limited.close();
    }
  });
});
