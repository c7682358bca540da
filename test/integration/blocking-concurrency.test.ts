/**
 * Blocking pops under concurrency over TCP: many consumers blocked on one queue, producers pushing
 * in bursts, consumers vanishing while blocked. Every element must be delivered exactly once.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type RunningServer } from '../../src/embedded/index.js';
import { RawConnection } from '../helpers/differential.js';

let srv: RunningServer;

/** Parses `*2 $k key $v value` into the value (latin1). */
function poppedValue(reply: Buffer): string {
  const lines = reply.latin1Slice().split('\r\n');
  assert.equal(lines[0], '*2', `unexpected reply ${JSON.stringify(reply.latin1Slice())}`);
  return lines[4];
}

describe('blocking pops with many clients', () => {
  before(async () => {
    srv = await startServer({ port: 0 });
  });
  after(async () => {
    await srv.close();
  });

  it('200 consumers blocked on one list receive 4,000 pushed elements exactly once', async () => {
    const consumers = await Promise.all(Array.from({ length: 200 }, () => RawConnection.connect(srv.port)));
    const producer = await RawConnection.connect(srv.port);
    const total = 4000;
    const received: string[] = [];
    let done = false;
    const loops = consumers.map(async (c) => {
      while (!done) {
        const reply = await c.command(['BRPOP', 'queue', 'other', '0.5'], 10_000);
        if (reply.latin1Slice() === '*-1\r\n') continue;
        received.push(poppedValue(reply));
      }
    });
    try {
      await new Promise((r) => setTimeout(r, 50));
      for (let sent = 0; sent < total; sent += 100) {
        const batch = Array.from({ length: 100 }, (_, i) => `job-${sent + i}`);
        await producer.command(['LPUSH', 'queue', ...batch]);
      }
      const deadline = Date.now() + 20_000;
      while (received.length < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(received.length, total);
      assert.equal(new Set(received).size, total, 'an element was delivered twice');
      assert.equal((await producer.command(['EXISTS', 'queue'])).latin1Slice(), ':0\r\n');
    } finally {
      done = true;
      await Promise.allSettled(loops);
      for (const c of consumers) c.close();
      producer.close();
    }
  });

  it('consumers that disconnect while blocked lose nothing and leave no waiters behind', async () => {
    const quitters = await Promise.all(Array.from({ length: 100 }, () => RawConnection.connect(srv.port)));
    for (const q of quitters) q.write('*3\r\n$5\r\nBLPOP\r\n$4\r\njobs\r\n$1\r\n0\r\n');
    const deadline = Date.now() + 5000;
    while (srv.server.blocking.blockedClients < 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(srv.server.blocking.blockedClients, 100);
    for (const q of quitters) q.close();
    while (srv.server.blocking.blockedClients > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(srv.server.blocking.blockedClients, 0);
    const c = await RawConnection.connect(srv.port);
    try {
      assert.equal((await c.command(['RPUSH', 'jobs', 'a', 'b', 'c'])).latin1Slice(), ':3\r\n');
      assert.equal((await c.command(['LLEN', 'jobs'])).latin1Slice(), ':3\r\n');
    } finally {
      c.close();
    }
  });

  it('BLMOVE workers move every element exactly once between lists under load', async () => {
    const workers = await Promise.all(Array.from({ length: 50 }, () => RawConnection.connect(srv.port)));
    const producer = await RawConnection.connect(srv.port);
    const total = 2000;
    let moved = 0;
    let done = false;
    const loops = workers.map(async (w) => {
      while (!done) {
        const reply = await w.command(['BLMOVE', 'pending', 'processing', 'RIGHT', 'LEFT', '0.5'], 10_000);
        if (reply[0] === 0x24 && reply.latin1Slice() !== '$-1\r\n') moved++;
      }
    });
    try {
      for (let sent = 0; sent < total; sent += 50) {
        await producer.command(['LPUSH', 'pending', ...Array.from({ length: 50 }, (_, i) => `t${sent + i}`)]);
      }
      const deadline = Date.now() + 20_000;
      while (moved < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(moved, total);
      assert.equal((await producer.command(['LLEN', 'processing'])).latin1Slice(), `:${total}\r\n`);
      assert.equal((await producer.command(['EXISTS', 'pending'])).latin1Slice(), ':0\r\n');
    } finally {
      done = true;
      await Promise.allSettled(loops);
      for (const w of workers) w.close();
      producer.close();
    }
  });
});
