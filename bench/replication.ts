/**
 * The replication group (issue 14's benchmark): a real redis-server replica of Redis, then of
 * Cinder, in one run.
 *
 * - repl-sync-diskless / repl-sync-disk: full sync time of 1M strings (DEBUG POPULATE) to a
 *   redis-server replica, from REPLICAOF until the replica reports its link up with nothing left
 *   to load (diskless: the EOF-marked transfer, repl-diskless-sync-delay 0; disk: the RDB file);
 * - repl-lag: replication lag while 4 clients pipeline SETs (50 per batch) at the master: a probe
 *   writes a new value every 10 ms and polls the replica until it sees it; p50 / p99 / max.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BenchServer, type ServerKind } from './servers.js';
import { RespConnection, infoNumber, oneShot } from './resp-client.js';

export const REPLICATION_TESTS = ['repl-sync-diskless', 'repl-sync-disk', 'repl-lag'];

export function hasReplicationTests(selected: (name: string) => boolean): boolean {
  return REPLICATION_TESTS.some(selected);
}

export interface ReplicationSide {
  syncDisklessMs: number;
  syncDiskMs: number;
  lagP50: number;
  lagP99: number;
  lagMax: number;
  /** Writes the load clients made during the lag probe (per second). */
  loadOpsPerSec: number;
}

export type ReplicationResults = Record<ServerKind, ReplicationSide>;

export interface ReplicationOptions {
  scale: number;
  cinderNodeArgs: string[];
  log: (line?: string) => void;
  selected: (name: string) => boolean;
}

async function call(port: number, argv: string[]): Promise<unknown> {
  const r = await oneShot(port, argv);
  if (r instanceof Error) throw new Error(`${argv.join(' ')}: ${r.message}`);
  return r;
}

async function info(port: number, section: string): Promise<string> {
  return String(await call(port, ['INFO', section]));
}

/** REPLICAOF until the replica's link is up and its load done; returns the milliseconds. */
async function timeFullSync(master: BenchServer, replica: BenchServer): Promise<number> {
  const t0 = performance.now();
  await call(replica.port, ['REPLICAOF', '127.0.0.1', String(master.port)]);
  for (;;) {
    const text = await info(replica.port, 'replication');
    if (/master_link_status:up/.test(text) && /master_sync_in_progress:0/.test(text)) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function startPair(kind: ServerKind, o: ReplicationOptions, dir: string, diskless: boolean): Promise<[BenchServer, BenchServer]> {
  const master = await BenchServer.start(kind, o.cinderNodeArgs, [
    '--dir', path.join(dir, 'master'),
    '--enable-debug-command', 'yes',
    '--repl-diskless-sync', diskless ? 'yes' : 'no',
    '--repl-diskless-sync-delay', '0',
  ]);
  const replica = await BenchServer.start('redis', [], ['--dir', path.join(dir, 'replica')]);
  return [master, replica];
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Lag samples while load clients pipeline SETs at the master. */
async function measureLag(master: BenchServer, replica: BenchServer, samples: number): Promise<{ lags: number[]; setP99: number; opsPerSec: number }> {
  let running = true;
  let ops = 0;
  const value = 'v'.repeat(100);
  const loaders = await Promise.all(Array.from({ length: 4 }, () => RespConnection.connect(master.port)));
  const load = loaders.map(async (conn, n) => {
    let i = 0;
    while (running) {
      const batch: Promise<unknown>[] = [];
      for (let j = 0; j < 50; j++) batch.push(conn.command(['SET', `load:${n}:${i++ % 10000}`, value]));
      await Promise.all(batch);
      ops += 50;
    }
  });
  const m = await RespConnection.connect(master.port);
  const r = await RespConnection.connect(replica.port);
  const lags: number[] = [];
  const sets: number[] = [];
  const t0 = performance.now();
  try {
    for (let i = 0; i < samples; i++) {
      const stamp = String(i);
      const start = performance.now();
      await m.command(['SET', 'lag:probe', stamp]);
      sets.push(performance.now() - start);
      while ((await r.command(['GET', 'lag:probe'])) !== stamp) {
        /* poll */
      }
      lags.push(performance.now() - start);
      await new Promise((res) => setTimeout(res, 10));
    }
  } finally {
    running = false;
    await Promise.all(load);
    for (const c of [...loaders, m, r]) c.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  sets.sort((a, b) => a - b);
  return { lags: lags.sort((a, b) => a - b), setP99: percentile(sets, 99), opsPerSec: ops / seconds };
}

async function measure(kind: ServerKind, o: ReplicationOptions): Promise<ReplicationSide> {
  const keys = Math.max(10_000, Math.round(1_000_000 * o.scale));
  const out: ReplicationSide = { syncDisklessMs: NaN, syncDiskMs: NaN, lagP50: NaN, lagP99: NaN, lagMax: NaN, loadOpsPerSec: NaN };
  for (const diskless of [true, false]) {
    const test = diskless ? 'repl-sync-diskless' : 'repl-sync-disk';
    if (!o.selected(test) && !(diskless && o.selected('repl-lag'))) continue;
    const dir = mkdtempSync(path.join(tmpdir(), `cinder-bench-repl-${kind}-`));
    const { mkdirSync } = await import('node:fs');
    mkdirSync(path.join(dir, 'master'));
    mkdirSync(path.join(dir, 'replica'));
    const [master, replica] = await startPair(kind, o, dir, diskless);
    try {
      await call(master.port, ['DEBUG', 'POPULATE', String(keys)]);
      const ms = await timeFullSync(master, replica);
      const loaded = await infoNumber(replica.port, 'keyspace', 'db0:keys');
      if (diskless) out.syncDisklessMs = ms;
      else out.syncDiskMs = ms;
      o.log(`  ${kind} ${test}: ${ms.toFixed(0)} ms (${keys} keys${loaded === null ? '' : ''})`);
      if (diskless && o.selected('repl-lag')) {
        const { lags, setP99, opsPerSec } = await measureLag(master, replica, Math.max(50, Math.round(300 * Math.min(1, o.scale * 4))));
        out.lagP50 = percentile(lags, 50);
        out.lagP99 = percentile(lags, 99);
        out.lagMax = lags[lags.length - 1];
        out.loadOpsPerSec = opsPerSec;
        o.log(`  ${kind} repl-lag: p50 ${out.lagP50.toFixed(2)} ms, p99 ${out.lagP99.toFixed(2)} ms, max ${out.lagMax.toFixed(2)} ms at ${opsPerSec.toFixed(0)} SET/s (the probe's SET alone: p99 ${setP99.toFixed(2)} ms)`);
      }
    } finally {
      await replica.stop();
      await master.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return out;
}

export async function runReplication(o: ReplicationOptions): Promise<ReplicationResults> {
  o.log('replication: full sync and lag to a redis-server replica, Redis master then Cinder master');
  const redis = await measure('redis', o);
  const cinder = await measure('cinder', o);
  return { redis, cinder };
}

const ms = (v: number): string => (Number.isNaN(v) ? 'n/a' : v.toFixed(v < 10 ? 2 : 0) + ' ms');
const ratio = (c: number, r: number): string => (r > 0 && !Number.isNaN(c) ? (c / r).toFixed(2) + 'x' : 'n/a');

/** The group's table: each measure for both servers, the ratio and the target. */
export function replicationSummary(res: ReplicationResults): string[] {
  const r = res.redis;
  const c = res.cinder;
  const row = (name: string, rv: string, cv: string, rat: string, target: string): string =>
    `${name.padEnd(34)} ${rv.padStart(12)} ${cv.padStart(12)} ${rat.padStart(7)}   ${target}`;
  return [
    row('replication', 'redis', 'cinder', 'ratio', 'target'),
    row('full sync 1M strings, diskless', ms(r.syncDisklessMs), ms(c.syncDisklessMs), ratio(c.syncDisklessMs, r.syncDisklessMs), '<= 2x'),
    row('full sync 1M strings, disk', ms(r.syncDiskMs), ms(c.syncDiskMs), ratio(c.syncDiskMs, r.syncDiskMs), '<= 2x'),
    row('lag p50 under pipelined SETs', ms(r.lagP50), ms(c.lagP50), ratio(c.lagP50, r.lagP50), ''),
    row('lag p99 under pipelined SETs', ms(r.lagP99), ms(c.lagP99), ratio(c.lagP99, r.lagP99), '<= 2x'),
    row('lag max under pipelined SETs', ms(r.lagMax), ms(c.lagMax), ratio(c.lagMax, r.lagMax), ''),
    row('  load SETs per second', r.loadOpsPerSec.toFixed(0), c.loadOpsPerSec.toFixed(0), '', ''),
  ];
}
