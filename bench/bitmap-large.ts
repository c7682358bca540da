/**
 * BITCOUNT and BITPOS over a 64 MB bitmap (issue 17: at least 0.5x Redis), side by side: a
 * redis-server and a Cinder child process on free ports, the same bitmaps in both (all zeros but
 * the last bit, and its complement), each command timed from request to reply, alternating
 * servers, best of `--rounds` per command.
 *
 *   node dist/bench/bitmap-large.js [--rounds 7] [--mb 64]
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { RespConnection } from './resp-client.js';
import { spawnTracked, killAllNow } from './servers.js';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function connectWhenUp(port: number): Promise<RespConnection> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const c = await RespConnection.connect(port);
      if ((await c.command(['PING'])) === 'PONG') return c;
      c.close();
    } catch {
      if (Date.now() > deadline) throw new Error(`no server on ${port}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function main(): Promise<void> {
  const rounds = option('rounds', 7);
  const mb = option('mb', 64);
  const bits = mb * 1024 * 1024 * 8;
  const [rp, cp] = await Promise.all([freePort(), freePort()]);
  process.once('exit', killAllNow);
  spawnTracked('redis-server', ['--port', String(rp), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1']);
  const cinderBin = new URL('../src/bin/cinder-server.js', import.meta.url).pathname;
  spawnTracked(process.execPath, [cinderBin, '--port', String(cp), '--save', '']);
  const servers = { redis: await connectWhenUp(rp), cinder: await connectWhenUp(cp) };
  for (const c of Object.values(servers)) {
    await c.command(['SETBIT', 'zeros', String(bits - 1), '1']);
    await c.command(['BITOP', 'NOT', 'ones', 'zeros']);
  }
  const commands: string[][] = [
    ['BITCOUNT', 'zeros'],
    ['BITCOUNT', 'ones', '1', '-2'],
    ['BITCOUNT', 'ones', '5', String(bits - 3), 'BIT'],
    ['BITPOS', 'zeros', '1'],
    ['BITPOS', 'ones', '0'],
    ['BITPOS', 'zeros', '1', '3', String(bits - 2), 'BIT'],
  ];
  const best = new Map<string, number>();
  for (let round = 0; round < rounds; round++) {
    for (const argv of commands) {
      for (const [name, c] of Object.entries(servers)) {
        const t0 = performance.now();
        const reply = await c.command(argv);
        const ms = performance.now() - t0;
        const key = `${argv.join(' ')}|${name}`;
        if (round === 0) process.stdout.write(`${name} ${argv.join(' ')} -> ${String(reply)}\n`);
        if (!best.has(key) || ms < best.get(key)!) best.set(key, ms);
      }
    }
  }
  process.stdout.write(`\n${mb} MB bitmaps, best of ${rounds} (ms; ratio = Redis time / Cinder time, higher is better)\n`);
  for (const argv of commands) {
    const name = argv.join(' ');
    const r = best.get(`${name}|redis`)!;
    const c = best.get(`${name}|cinder`)!;
    process.stdout.write(`${name.padEnd(44)} redis ${r.toFixed(2).padStart(8)}  cinder ${c.toFixed(2).padStart(8)}  ratio ${(r / c).toFixed(2)}\n`);
  }
  for (const c of Object.values(servers)) c.close();
  killAllNow();
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  killAllNow();
  process.exit(1);
});
