/**
 * Replication lag under a pipelined write load: a real Redis master, and as its replica either a
 * redis-server or Cinder (one at a time, same master, same load).
 *
 * A writer pipelines batches of `--batch` SETs (random keys, 16-byte values) to the master at a
 * fixed rate (`--rate` writes per second, so both replicas get the same load; a batch waits for
 * the previous one's replies), each batch ending with `SET lag:probe <send time>`. A reader on the replica
 * polls `GET lag:probe` back to back; each new value seen gives one lag sample: the time from the
 * batch's send to the replica answering with it (master apply, propagation, replica apply, and
 * the poll's own round trip, which both replicas pay alike). Reported: p50, p99, max, and the
 * master's write rate.
 *
 *   node dist/bench/replica-lag.js [--seconds S] [--batch N] [--rate W] [--rounds R]
 */
import os from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BenchServer, killAllNow, type ServerKind } from './servers.js';
import { RespConnection, encodeCommand, oneShot, percentile } from './resp-client.js';

function option(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

async function linkUp(port: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await oneShot(port, ['INFO', 'replication']);
    if (typeof r === 'string' && r.includes('master_link_status:up')) return;
    if (Date.now() > deadline) throw new Error('replica did not sync');
    await new Promise((res) => setTimeout(res, 20));
  }
}

interface LagResult {
  p50: number;
  p99: number;
  max: number;
  samples: number;
  writesPerSec: number;
}

async function measure(kind: ServerKind, masterPort: number, seconds: number, batch: number, rate: number, dir: string): Promise<LagResult> {
  const replica = await BenchServer.start(kind, [], ['--dir', dir]);
  try {
    await oneShot(replica.port, ['REPLICAOF', '127.0.0.1', String(masterPort)]);
    await linkUp(replica.port);
    const writer = await RespConnection.connect(masterPort);
    const reader = await RespConnection.connect(replica.port);
    const value = 'v'.repeat(16);
    const lags: number[] = [];
    let writes = 0;
    let stop = false;
    const start = performance.now();
    const end = start + seconds * 1000;
    const batchMs = ((batch + 1) / rate) * 1000;
    const writing = (async () => {
      for (let n = 0; performance.now() < end; n++) {
        const due = start + n * batchMs;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((res) => setTimeout(res, wait));
        let payload = '';
        for (let i = 0; i < batch; i++) payload += encodeCommand(['SET', `key:${Math.floor(Math.random() * 1_000_000)}`, value]);
        payload += encodeCommand(['SET', 'lag:probe', performance.now().toFixed(3)]);
        await writer.sendBatch(Buffer.from(payload, 'latin1'), batch + 1);
        writes += batch + 1;
      }
      stop = true;
    })();
    let last = '';
    while (!stop) {
      const v = await reader.command(['GET', 'lag:probe']);
      if (typeof v === 'string' && v !== last) {
        last = v;
        lags.push(performance.now() - Number(v));
      }
    }
    await writing;
    writer.close();
    reader.close();
    const sorted = Float64Array.from(lags).sort();
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1], samples: lags.length, writesPerSec: writes / seconds };
  } finally {
    await replica.stop();
  }
}

async function main(): Promise<void> {
  const seconds = option('--seconds', 5);
  const batch = option('--batch', 100);
  const rate = option('--rate', 100_000);
  const rounds = option('--rounds', 2);
  const dir = mkdtempSync(path.join(tmpdir(), 'cinder-bench-lag-'));
  process.on('exit', () => {
    killAllNow();
    rmSync(dir, { recursive: true, force: true });
  });
  console.log(`replication lag, ${rate} writes/s in pipelines of ${batch} SETs for ${seconds} s, ${rounds} rounds; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const master = await BenchServer.start('redis', [], ['--dir', mkdtempSync(path.join(dir, 'master-')), '--repl-diskless-sync', 'no']);
  const results: Record<ServerKind, LagResult[]> = { redis: [], cinder: [] };
  for (let r = 0; r < rounds; r++) {
    const order: ServerKind[] = r % 2 === 0 ? ['redis', 'cinder'] : ['cinder', 'redis'];
    for (const kind of order) {
      const res = await measure(kind, master.port, seconds, batch, rate, mkdtempSync(path.join(dir, `${kind}-`)));
      results[kind].push(res);
      console.log(
        `  ${kind.padEnd(6)} p50 ${res.p50.toFixed(2)} ms, p99 ${res.p99.toFixed(2)} ms, max ${res.max.toFixed(1)} ms, ` +
          `${res.samples} samples, ${Math.round(res.writesPerSec)} writes/s; load ${os.loadavg()[0].toFixed(2)}`,
      );
    }
  }
  await master.stop();
  const best = (k: ServerKind) => Math.min(...results[k].map((x) => x.p99));
  console.log(`best p99: redis ${best('redis').toFixed(2)} ms, cinder ${best('cinder').toFixed(2)} ms, cinder/redis ${(best('cinder') / best('redis')).toFixed(2)}x`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
