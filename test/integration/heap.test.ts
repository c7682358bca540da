/**
 * The executable's V8 flags and the heap-exhaustion guard, on real processes:
 * - however cinder-server is started (node, its shebang, `npm start`, node with the flags given),
 *   the serving process runs with the same flags: the heap sized from maxmemory or the machine,
 *   2 MB semi-spaces, gc exposed. Checked in its startup log line and, on Linux, in its command line.
 * - a server with a 96 MB heap filled until it refuses writes keeps answering reads, DEL, INFO and
 *   PING, never dies, and accepts writes again once keys are deleted.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RawConnection, encodeCommand, freePort } from '../helpers/differential.js';
import { oldSpaceMbFor, serverNodeFlags } from '../../src/server/heap.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/bin/cinder-server.js');
/** The package root (dist/test/integration → ../../..), where `npm start` runs. */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const OOM = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";
const children = new Set<ChildProcess>();

after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

interface Started {
  child: ChildProcess;
  port: number;
  exited: Promise<number | null>;
  output: () => string;
}

/** Starts `command args` and waits until the server it runs is ready on `port`. */
async function start(command: string, args: string[], port: number, opts: { cwd?: string; stdin?: string } = {}): Promise<Started> {
  // No save points: stopping the server must not leave dump.rdb behind.
  args = [...args, '--save', ''];
  const child = spawn(command, args, { cwd: opts.cwd, stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  children.add(child);
  if (opts.stdin !== undefined) child.stdin!.end(opts.stdin);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // A failure timeout only (npm start takes longest).
  const deadline = Date.now() + 30_000;
  while (!out.includes('Ready to accept connections')) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`server did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { child, port, exited, output: () => out };
}

async function command(port: number, argv: string[]): Promise<string> {
  const conn = await RawConnection.connect(port);
  try {
    return (await conn.command(argv)).latin1Slice();
  } finally {
    conn.close();
  }
}

/** The serving process's pid (INFO server), which is not the started one where node relaunched through a child. */
async function serverPid(port: number): Promise<number> {
  return Number(/process_id:(\d+)/.exec(await command(port, ['INFO', 'server']))![1]);
}

/** The startup log line about the heap, without its timestamp. */
function heapLine(out: string): string {
  const line = out.split('\n').find((l) => l.includes('V8 heap limit'));
  assert.ok(line !== undefined, out);
  return line.slice(line.indexOf('V8 heap limit'));
}

/** The node flags a process runs with (Linux: /proc/<pid>/cmdline), or null elsewhere. */
function nodeFlagsOf(pid: number): string[] | null {
  const file = `/proc/${pid}/cmdline`;
  if (!fs.existsSync(file)) return null;
  const argv = fs.readFileSync(file, 'utf8').split('\0');
  const script = argv.findIndex((a) => a.endsWith('cinder-server.js'));
  return argv.slice(1, script).sort();
}

/** SHUTDOWN, then the started process must exit 0 (a launcher passes its server's status on). */
async function shutdown(s: Started): Promise<void> {
  const conn = await RawConnection.connect(s.port);
  conn.write(encodeCommand(['SHUTDOWN', 'NOSAVE']));
  await conn.readUntilClose(5000);
  conn.close();
  assert.equal(await s.exited, 0, s.output());
}

test('every way of starting cinder-server runs the server with the same V8 flags', async () => {
  fs.chmodSync(BIN, 0o755);
  const ways: Array<[string, (port: number) => Promise<Started>]> = [
    ['node with the flags given', (port) => start(process.execPath, [...serverNodeFlags(0), BIN, '--port', String(port)], port)],
    ['node dist/src/bin/cinder-server.js', (port) => start(process.execPath, [BIN, '--port', String(port)], port)],
    ["the bin's shebang", (port) => start(BIN, ['--port', String(port)], port)],
    ['npm start', (port) => start('npm', ['start', '--silent', '--ignore-scripts', '--', '--port', String(port)], port, { cwd: ROOT })],
  ];
  const seen: Array<{ way: string; line: string; flags: string[] | null }> = [];
  for (const [way, run] of ways) {
    const s = await run(await freePort());
    try {
      const pid = await serverPid(s.port);
      seen.push({ way, line: heapLine(s.output()), flags: nodeFlagsOf(pid) });
    } finally {
      await shutdown(s);
    }
  }
  const expected = { line: seen[0].line, flags: seen[0].flags };
  assert.match(expected.line, /^V8 heap limit \d+ MB \(from the machine memory, maxmemory is 0\), semi-space 2 MB$/);
  if (expected.flags !== null) assert.deepEqual(expected.flags, [...serverNodeFlags(0)].sort());
  for (const s of seen) assert.deepEqual({ line: s.line, flags: s.flags }, expected, s.way);
});

test('the heap is sized from maxmemory, read from the config file, flags or stdin', async () => {
  const oldSpace = oldSpaceMbFor(1024 * 1024 * 1024);
  for (const [how, args, stdin] of [
    ['a flag', ['--maxmemory', '1gb'], undefined],
    ['stdin', ['-'], 'maxmemory 1gb\n'],
  ] as const) {
    const port = await freePort();
    const s = await start(process.execPath, [BIN, ...args, '--port', String(port)], port, { stdin });
    try {
      assert.match(heapLine(s.output()), /^V8 heap limit \d+ MB \(from maxmemory\), semi-space 2 MB$/, how);
      const flags = nodeFlagsOf(await serverPid(port));
      if (flags !== null) assert.ok(flags.includes(`--max-old-space-size=${oldSpace}`), `${how}: ${flags.join(' ')}`);
      assert.equal(await command(port, ['CONFIG', 'GET', 'maxmemory']), '*2\r\n$9\r\nmaxmemory\r\n$10\r\n1073741824\r\n');
    } finally {
      await shutdown(s);
    }
  }
});

test('a heap size given to node is kept, and maxmemory beyond it is warned about', async () => {
  const port = await freePort();
  const s = await start(process.execPath, ['--max-old-space-size=300', BIN, '--port', String(port), '--maxmemory', '1gb'], port);
  try {
    assert.match(heapLine(s.output()), /^V8 heap limit 30\d MB \(set by --max-old-space-size\), semi-space 2 MB$/);
    assert.match(s.output(), /WARNING: maxmemory \(1073741824\) is more than the V8 heap of this process can hold/);
    const flags = nodeFlagsOf(await serverPid(port));
    if (flags !== null) assert.deepEqual(flags, ['--expose-gc', '--max-old-space-size=300', '--max-semi-space-size=2', '--no-parallel-scavenge']);
  } finally {
    await shutdown(s);
  }
});

test('the server goes away with its launcher, even when the launcher is killed', async () => {
  const port = await freePort();
  const s = await start(process.execPath, [BIN, '--port', String(port)], port);
  const pid = await serverPid(port);
  s.child.kill('SIGKILL');
  await s.exited;
  // Wait until the serving process is gone (a relaunched child sees its launcher's IPC channel close).
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
});

test('a server whose heap fills refuses writes with OOM, keeps serving, and accepts writes again after DEL', async () => {
  const port = await freePort();
  const s = await start(process.execPath, ['--max-old-space-size=96', BIN, '--port', String(port), '--enable-debug-command', 'yes'], port);
  const conn = await RawConnection.connect(port);
  try {
    assert.match(heapLine(s.output()), /^V8 heap limit 10\d MB \(set by --max-old-space-size\), semi-space 2 MB$/);
    // Pipelined SETs of 250-byte values, a thousand at a time, until one is refused (values of 256
    // bytes and more live in slab chunks outside the heap, src/engine/slab.ts: these stay on it).
    const value = 'v'.repeat(250);
    let keys = 0;
    let refusal: string | null = null;
    while (refusal === null) {
      const batch: Buffer[] = [];
      for (let i = 0; i < 1000; i++) batch.push(encodeCommand(['SET', `key:${keys + i}`, value]));
      conn.write(Buffer.concat(batch));
      for (let i = 0; i < 1000; i++) {
        const reply = (await conn.readReply(30_000)).latin1Slice();
        if (reply === '+OK\r\n') keys++;
        else refusal ??= reply;
      }
      assert.ok(keys < 1_000_000, 'a 96 MB heap cannot take a million 250-byte values');
    }
    assert.equal(refusal, OOM);
    // The log line comes through the server's stdout pipe, which the test may read after the reply.
    const warning = /WARNING: memory is nearly full, \d+ MB of the V8 heap's \d+ MB limit hold live data/;
    for (let waited = 0; !warning.test(s.output()) && waited < 5000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    assert.match(s.output(), warning);
    // Still serving: reads, INFO, PING, and the commands that do not add memory.
    assert.equal(await conn.command(['SET', 'one-more', value]).then((b) => b.latin1Slice()), OOM);
    assert.equal((await conn.command(['GET', 'key:0'])).latin1Slice(), `$250\r\n${value}\r\n`);
    assert.equal((await conn.command(['PING'])).latin1Slice(), '+PONG\r\n');
    assert.match((await conn.command(['INFO'])).latin1Slice(), /^\$\d+\r\n# Server\r\n/);
    assert.equal((await conn.command(['EXPIRE', 'key:1', '1000'])).latin1Slice(), ':1\r\n');
    assert.equal((await conn.command(['DBSIZE'])).latin1Slice(), `:${keys}\r\n`);
    // DEBUG POPULATE stops where the heap would run out, instead of ending the process.
    assert.equal((await conn.command(['DEBUG', 'POPULATE', '2000000'])).latin1Slice(), OOM);
    // Deleting keys makes room: writes are accepted again once the guard has seen it.
    // In DELs of 10,000 keys: one DEL of every key would be a request as large as a tenth of the heap.
    let deleted = 0;
    for (let from = 0; from < keys; from += 10_000) {
      const del: string[] = ['DEL'];
      for (let i = from; i < Math.min(keys, from + 10_000); i++) del.push(`key:${i}`);
      deleted += Number((await conn.command(del)).latin1Slice().slice(1));
    }
    assert.equal(deleted, keys);
    await conn.command(['FLUSHALL']);
    for (;;) {
      const reply = (await conn.command(['SET', 'after', 'x'])).latin1Slice();
      if (reply === '+OK\r\n') break;
      assert.equal(reply, OOM);
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.match(s.output(), /Memory has room again/);
    assert.doesNotMatch(s.output(), /FATAL|heap out of memory/);
  } finally {
    conn.close();
    await shutdown(s);
  }
});
