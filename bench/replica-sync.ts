/**
 * Full sync of a real Redis master into a replica: Cinder as the replica against redis-server as
 * the replica, same master, same dataset (issue 14's target: Cinder at most 2x Redis's time).
 *
 * The master holds N keys (DEBUG POPULATE, 1M by default). Each round starts a fresh replica, sends
 * REPLICAOF and times until INFO replication says master_link_status:up (the RDB was produced,
 * transferred and loaded) with every key there. Both transfer modes of the master are measured:
 * disk-based (repl-diskless-sync no: the master's BGSAVE, then the file) and diskless (the RDB
 * streamed as it is produced, EOF-marked, no delay). The replicas load from disk
 * (repl-diskless-load disabled, the default).
 *
 *   node dist/bench/replica-sync.js [--keys N] [--rounds R]
 */
import os from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BenchServer, killAllNow, type ServerKind } from './servers.js';
import { oneShot } from './resp-client.js';

function option(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

async function call(port: number, argv: string[]): Promise<unknown> {
  const r = await oneShot(port, argv);
  if (r instanceof Error) throw new Error(`${argv.join(' ')}: ${r.message}`);
  return r;
}

async function field(port: number, section: string, name: string): Promise<string | null> {
  const r = await oneShot(port, ['INFO', section]);
  if (typeof r !== 'string') return null;
  const m = new RegExp(`^${name}:(.*?)\\r?$`, 'm').exec(r);
  return m ? m[1] : null;
}

async function syncOnce(kind: ServerKind, masterPort: number, keys: number, dir: string): Promise<number> {
  const replica = await BenchServer.start(kind, [], ['--dir', dir]);
  try {
    const start = performance.now();
    await call(replica.port, ['REPLICAOF', '127.0.0.1', String(masterPort)]);
    for (;;) {
      const up = await field(replica.port, 'replication', 'master_link_status').catch(() => null);
      if (up === 'up') break;
      if (performance.now() - start > 600_000) throw new Error(`${kind}: no sync after 10 minutes`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const ms = performance.now() - start;
    const size = Number(await call(replica.port, ['DBSIZE']));
    if (size !== keys) throw new Error(`${kind}: ${size} keys after the sync, expected ${keys}`);
    return ms;
  } finally {
    await replica.stop();
  }
}

async function main(): Promise<void> {
  const keys = option('--keys', 1_000_000);
  const rounds = option('--rounds', 3);
  const dir = mkdtempSync(path.join(tmpdir(), 'cinder-bench-repl-'));
  process.on('exit', () => {
    killAllNow();
    rmSync(dir, { recursive: true, force: true });
  });
  console.log(`replica full sync, ${keys} keys, ${rounds} rounds; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  for (const mode of ['disk', 'diskless'] as const) {
    const masterDir = mkdtempSync(path.join(dir, 'master-'));
    const master = await BenchServer.start('redis', [], [
      '--dir', masterDir,
      '--enable-debug-command', 'yes',
      '--repl-diskless-sync', mode === 'disk' ? 'no' : 'yes',
      '--repl-diskless-sync-delay', '0',
    ]);
    await call(master.port, ['DEBUG', 'POPULATE', String(keys)]);
    const times: Record<ServerKind, number[]> = { redis: [], cinder: [] };
    for (let r = 0; r < rounds; r++) {
      // Alternate which replica goes first.
      const order: ServerKind[] = r % 2 === 0 ? ['redis', 'cinder'] : ['cinder', 'redis'];
      for (const kind of order) {
        const replicaDir = mkdtempSync(path.join(dir, `${kind}-`));
        times[kind].push(await syncOnce(kind, master.port, keys, replicaDir));
        rmSync(replicaDir, { recursive: true, force: true });
      }
    }
    await master.stop();
    const best = (k: ServerKind) => Math.min(...times[k]);
    const fmt = (k: ServerKind) => times[k].map((t) => t.toFixed(0)).join(' / ');
    console.log(
      `${mode.padEnd(8)} redis ${fmt('redis')} ms (best ${best('redis').toFixed(0)}), cinder ${fmt('cinder')} ms (best ${best('cinder').toFixed(0)}), ` +
        `cinder/redis ${(best('cinder') / best('redis')).toFixed(2)}x; load average ${os.loadavg()[0].toFixed(2)}`,
    );
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
