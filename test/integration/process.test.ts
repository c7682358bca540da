import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { RawConnection, freePort } from '../helpers/differential.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/bin/cinder-server.js');

async function startBinary(port: number) {
  const child = spawn(process.execPath, [BIN, '--port', String(port), '--save', ''], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 10_000;
  while (!out.includes('Ready to accept connections')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`server did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { child, exited, output: () => out };
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`${signal} closes connections and exits 0`, async () => {
    const port = await freePort();
    const srv = await startBinary(port);
    const conn = await RawConnection.connect(port);
    assert.equal((await conn.command(['PING'])).toString(), '+PONG\r\n');
    srv.child.kill(signal);
    assert.equal(await srv.exited, 0);
    await conn.readUntilClose(2000);
    assert.equal(conn.closed, true, 'client connection was closed by the server');
    assert.match(srv.output(), new RegExp(`Received ${signal} scheduling shutdown`));
  });
}

test('a second server on a taken port fails to start with exit status 1', async () => {
  const port = await freePort();
  const first = await startBinary(port);
  const second = spawn(process.execPath, [BIN, '--port', String(port), '--save', ''], { stdio: 'ignore' });
  const code = await new Promise<number | null>((resolve) => second.once('exit', (c) => resolve(c)));
  assert.equal(code, 1);
  first.child.kill('SIGTERM');
  assert.equal(await first.exited, 0);
});
