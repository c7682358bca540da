/**
 * A cache whose V8 heap fills up under an eviction policy keeps serving: cinder-server with a
 * 96 MB heap, maxmemory 0 and allkeys-lru takes far more 250-byte values than its heap holds, evicting
 * the oldest, never refusing a write and never dying (test/integration/heap.test.ts has the same
 * server under noeviction, where writes are refused instead).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RawConnection, encodeCommand, freePort } from '../helpers/differential.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/bin/cinder-server.js');
const children = new Set<ChildProcess>();

after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

test('a full heap under allkeys-lru evicts instead of refusing writes, and holds steady', async () => {
  const port = await freePort();
  const child = spawn(process.execPath, ['--max-old-space-size=96', BIN, '--port', String(port), '--maxmemory-policy', 'allkeys-lru', '--save', ''], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  while (!out.includes('Ready to accept connections')) {
    assert.ok(Date.now() < deadline && child.exitCode === null, `server did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const conn = await RawConnection.connect(port);
  try {
    // 600,000 pipelined SETs of 250-byte values, a thousand at a time: about three times what the
    // heap holds (a noeviction server refuses writes after about 200,000 of them). Values of 256
    // bytes and more live in slab chunks outside the heap (src/engine/slab.ts): these stay on it.
    const value = 'v'.repeat(250);
    const total = 600_000;
    for (let done = 0; done < total; done += 1000) {
      const batch: Buffer[] = [];
      for (let i = 0; i < 1000; i++) batch.push(encodeCommand(['SET', `key:${done + i}`, value]));
      conn.write(Buffer.concat(batch));
      for (let i = 0; i < 1000; i++) assert.equal((await conn.readReply(30_000)).latin1Slice(), '+OK\r\n', `SET key:${done + i}`);
    }
    assert.match(out, /WARNING: memory is nearly full, \d+ MB of the V8 heap's \d+ MB limit hold live data\. Keys are evicted by maxmemory-policy allkeys-lru down to \d+ MB of used memory \(maxmemory is 0\) instead of refusing writes/);
    // Read together (a command's gate may evict between two separate reads).
    await conn.command(['MULTI']);
    await conn.command(['INFO', 'stats']);
    await conn.command(['DBSIZE']);
    const both = (await conn.command(['EXEC'])).latin1Slice();
    const evicted = Number(/evicted_keys:(\d+)/.exec(both)![1]);
    const dbsize = Number(/\r\n:(\d+)\r\n$/.exec(both)![1]);
    assert.equal(evicted + dbsize, total);
    // It holds a good part of what the heap can (a third of the ~200,000 it takes before refusing).
    assert.ok(dbsize > 60_000, `only ${dbsize} keys kept`);
    // The newest keys are there, the oldest went.
    assert.equal((await conn.command(['EXISTS', `key:${total - 1}`, `key:${total - 2}`])).latin1Slice(), ':2\r\n');
    assert.equal((await conn.command(['EXISTS', 'key:0', 'key:1'])).latin1Slice(), ':0\r\n');
    assert.equal((await conn.command(['PING'])).latin1Slice(), '+PONG\r\n');
    assert.doesNotMatch(out, /FATAL|heap out of memory/);
  } finally {
    conn.close();
  }
  const shut = await RawConnection.connect(port);
  shut.write(encodeCommand(['SHUTDOWN', 'NOSAVE']));
  await shut.readUntilClose(5000);
  shut.close();
  assert.equal(await exited, 0, out);
});
