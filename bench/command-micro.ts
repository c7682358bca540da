/**
 * In-process micro-benchmark of the command path (no sockets): SET, GET, HSET, LPUSH through
 * `Server.processCommand` with a RESP writer as the reply sink, as a TCP client runs them. It
 * measures what the engine adds per command (the memory accounting's cost, for instance) without
 * the network's noise.
 *
 *   node --max-semi-space-size=2 dist/bench/command-micro.js [--ms 1500] [--rounds 5] [--acl]
 *
 * `--acl` runs the commands as a user with key patterns (`~key:* ~hash:* ~list:* +@all`), so the
 * permission gate checks every command's keys (the default user skips the check).
 *
 * Each test runs `rounds` times for `ms` milliseconds, alternating tests; the best rate is kept,
 * per second of wall time and per second of this process's CPU time (steadier on a busy machine).
 */
import { createServer } from '../src/cinder.js';
import { Config } from '../src/server/config.js';
import { Client } from '../src/server/client.js';
import { RespWriter } from '../src/protocol/resp-writer.js';

interface MicroTest {
  name: string;
  /** Builds the argv of the i-th command. */
  argv: (i: number) => string[];
}

const KEYS = 100_000;
const VALUE = 'x'.repeat(16);

const TESTS: MicroTest[] = [
  { name: 'set', argv: (i) => ['SET', `key:${i % KEYS}`, VALUE] },
  { name: 'get', argv: (i) => ['GET', `key:${i % KEYS}`] },
  { name: 'hset', argv: (i) => ['HSET', `hash:${i % 1000}`, `f${i % 100}`, VALUE] },
  { name: 'lpush', argv: (i) => ['LPUSH', `list:${i % 100}`, VALUE] },
];

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

function main(): void {
  const ms = option('ms', 1500);
  const rounds = option('rounds', 5);
  const onlyAt = process.argv.indexOf('--only');
  const only = onlyAt >= 0 ? process.argv[onlyAt + 1].split(',') : null;
  const tests = only === null ? TESTS : TESTS.filter((t) => only.includes(t.name));
  const server = createServer(Config.fromObject({}));
  server.log.sink = null;
  const writer = new RespWriter();
  const client = new Client(server, writer, 'normal');
  server.registerClient(client);
  if (process.argv.includes('--acl')) {
    server.acl.setUser('bench', ['on', 'nopass', '~key:*', '~hash:*', '~list:*', '+@all']);
    client.user = server.acl.users.get('bench')!;
  }
  // Lists would grow without bound: trim them now and then so every round sees the same sizes.
  const best = new Map<string, number>();
  const bestCpu = new Map<string, number>();
  for (let round = 0; round < rounds; round++) {
    for (const test of tests) {
      server.processCommand(client, ['FLUSHALL']);
      // Fill the keys GET reads.
      for (let i = 0; i < KEYS; i++) server.processCommand(client, ['SET', `key:${i}`, VALUE]);
      writer.discard();
      // Argument arrays are built beforehand so the loop measures the engine only.
      const batch: string[][] = [];
      for (let i = 0; i < 4096; i++) batch.push(test.argv(i));
      let done = 0;
      const cpu0 = process.cpuUsage();
      const start = performance.now();
      const end = start + ms;
      let now = start;
      while (now < end) {
        for (let i = 0; i < batch.length; i++) {
          // processCommand mutates nothing in argv but the parser gives fresh arrays: copy.
          server.processCommand(client, batch[i].slice());
          if (writer.pos > 1 << 16) writer.discard();
        }
        done += batch.length;
        now = performance.now();
      }
      const rate = (done * 1000) / (now - start);
      if (rate > (best.get(test.name) ?? 0)) best.set(test.name, rate);
      const cpu = process.cpuUsage(cpu0);
      const cpuRate = (done * 1e6) / (cpu.user + cpu.system);
      if (cpuRate > (bestCpu.get(test.name) ?? 0)) bestCpu.set(test.name, cpuRate);
    }
  }
  for (const test of tests) {
    const wall = (best.get(test.name)! / 1000).toFixed(0).padStart(6);
    const cpu = (bestCpu.get(test.name)! / 1000).toFixed(0).padStart(6);
    console.log(`${test.name.padEnd(6)} ${wall}k ops/s   ${cpu}k ops/cpu-s`);
  }
  server.stopCron();
  server.scripting.close();
}

main();
