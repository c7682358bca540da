/**
 * Clients cannot exhaust the server's memory, at sizes a differential test would make slow: a
 * reader that stops reading large replies, a client streaming a 100 MB argument past
 * client-query-buffer-limit, many clients holding big partial requests under maxmemory-clients,
 * and the TCP back-pressure that bounds a non-reading client when no output limit is configured.
 * Nothing is timed: each scenario waits for the close, the eviction or the byte counts.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { startServer, type RunningServer } from '../../src/embedded/index.js';
import { RawConnection, encodeCommand } from '../helpers/differential.js';

const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let srv: RunningServer;
const logs: string[] = [];

async function waitFor(what: string, cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function call(argv: string[]): Promise<string> {
  const c = await RawConnection.connect(srv.port);
  try {
    return (await c.command(argv, 20_000)).latin1Slice();
  } finally {
    c.close();
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

/** The server's client for a socket of ours (by its port), or undefined once it is gone. */
function serverClientOf(s: net.Socket) {
  const addr = `127.0.0.1:${s.localPort}`;
  return [...srv.server.clients.values()].find((c) => c.addr === addr);
}

function pendingOutput(): number {
  let n = 0;
  for (const c of srv.server.clients.values()) n += c.outputBytes();
  return n;
}

describe('client limits under load', () => {
  before(async () => {
    srv = await startServer({ port: 0 });
    srv.server.log.sink = (line) => logs.push(line);
  });
  after(async () => {
    await srv?.close();
  });

  it('a slow reader of large replies is closed at the normal hard limit; its output is freed; others are served', async () => {
    assert.equal(await call(['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 16mb 0 0']), '+OK\r\n');
    try {
      assert.equal(await call(['SET', 'blob', 'z'.repeat(MB)]), '+OK\r\n');
      const slow = await rawSocket();
      slow.pause();
      const fast = await RawConnection.connect(srv.port);
      const get = encodeCommand(['GET', 'blob']);
      // 200 MB of replies asked for in bursts, while the slow reader reads nothing.
      for (let i = 0; i < 200 && serverClientOf(slow) !== undefined; i += 10) {
        slow.write(Buffer.concat(Array.from({ length: 10 }, () => get)));
        assert.equal((await fast.command(['ECHO', `m${i}`], 20_000)).latin1Slice(), `$${String(i).length + 1}\r\nm${i}\r\n`);
      }
      await waitFor('the slow reader to be closed', () => serverClientOf(slow) === undefined);
      assert.ok(logs.some((l) => /Client id=\d+ .* cmd=get .* scheduled to be closed ASAP for overcoming of output buffer limits\./.test(l)));
      // What it had not read is dropped with it.
      assert.ok(pendingOutput() < MB, `output still held: ${pendingOutput()}`);
      assert.equal((await fast.command(['PING'])).latin1Slice(), '+PONG\r\n');
      fast.close();
      slow.destroy();
    } finally {
      await call(['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 0 0 0']);
      await call(['DEL', 'blob']);
    }
  });

  it('a 100 MB argument streamed past client-query-buffer-limit: the server stops reading at the limit', async () => {
    assert.equal(await call(['CONFIG', 'SET', 'client-query-buffer-limit', '10mb']), '+OK\r\n');
    try {
      const s = await rawSocket();
      let closed = false;
      let received = 0;
      s.on('data', (d) => (received += d.length));
      s.on('close', () => (closed = true));
      const inputBefore = srv.server.stats.netInputBytes;
      s.write(`*3\r\n$3\r\nSET\r\n$4\r\nhuge\r\n$${100 * MB}\r\n`);
      const chunk = Buffer.alloc(64 * 1024, 'h');
      let sent = 0;
      while (!closed && sent < 100 * MB) {
        // The server resets the connection while we write: an error here is the expected end.
        if (!s.write(chunk)) await Promise.race([once(s, 'drain'), once(s, 'close')]).catch(() => {});
        sent += chunk.length;
      }
      await waitFor('the connection to be closed', () => closed);
      assert.equal(received, 0, 'no reply before the close');
      // The server read a little past the limit (one read's worth), not the 100 MB.
      const read = srv.server.stats.netInputBytes - inputBefore;
      assert.ok(read > 10 * MB && read < 11 * MB, `read ${read} bytes`);
      assert.ok(logs.some((l) => l.includes('Closing client that reached max query buffer length: ') && l.includes(' cmd=NULL ')));
      assert.equal(await call(['EXISTS', 'huge']), ':0\r\n');
    } finally {
      await call(['CONFIG', 'SET', 'client-query-buffer-limit', '1gb']);
    }
  });

  it('maxmemory-clients: many clients holding big partial requests are evicted, the total stays under the limit', async () => {
    const evictedBefore = srv.server.stats.evictedClients;
    assert.equal(await call(['CONFIG', 'SET', 'maxmemory-clients', '8mb']), '+OK\r\n');
    const sockets: net.Socket[] = [];
    try {
      for (let i = 0; i < 20; i++) {
        const s = await rawSocket();
        sockets.push(s);
        // Each announces a 1 MB value (its buffer is allocated whole) and sends a little of it.
        s.write(`*3\r\n$3\r\nSET\r\n$3\r\nk${String(i).padStart(2, '0')}\r\n$${MB}\r\n` + 'p'.repeat(1000));
      }
      await waitFor('evictions', () => srv.server.stats.evictedClients - evictedBefore >= 12);
      await waitFor('the clients memory under the limit', () => srv.server.clientBuffers.memClientsNormal() < 8 * MB);
      const left = sockets.filter((s) => serverClientOf(s) !== undefined).length;
      assert.ok(left >= 1 && left <= 8, `${left} clients left`);
      assert.equal(await call(['PING']), '+PONG\r\n');
    } finally {
      for (const s of sockets) s.destroy();
      await call(['CONFIG', 'SET', 'maxmemory-clients', '0']);
    }
  });

  it('without an output limit, a client that does not read is held at 64 MB by back-pressure, then gets everything', async () => {
    assert.equal(await call(['SET', 'blob', 'y'.repeat(MB)]), '+OK\r\n');
    const slow = await rawSocket();
    let received = 0;
    slow.on('data', (d) => (received += d.length));
    slow.pause();
    const GETS = 150;
    const get = encodeCommand(['GET', 'blob']);
    const stats = srv.server.stats;
    let peak = 0;
    const held = () => {
      const pending = serverClientOf(slow)?.outputBytes() ?? 0;
      peak = Math.max(peak, pending);
      return pending > 64 * MB;
    };
    // Bursts of 10 GETs (10 MB of replies), each read and run before the next is sent, until the
    // server stops reading: the later bursts wait in the kernel.
    for (let i = 0; i < GETS; i += 10) {
      const ran = stats.totalCommands;
      slow.write(Buffer.concat(Array.from({ length: 10 }, () => get)));
      await waitFor('the burst to run, or reading to stop', () => stats.totalCommands >= ran + 10 || held());
    }
    await waitFor('64 MB of output held', held);
    // Reading stopped once the output passed 64 MB: it never grew by more than one burst past it.
    assert.ok(peak < 64 * MB + 11 * MB, `held ${peak} bytes`);
    assert.ok(serverClientOf(slow) !== undefined, 'not closed');
    slow.resume();
    const expected = GETS * (`$${MB}\r\n`.length + MB + 2);
    await waitFor('every reply', () => received >= expected, 60_000);
    assert.equal(received, expected);
    slow.destroy();
    assert.equal(await call(['DEL', 'blob']), ':1\r\n');
  });
});
