/**
 * The persistence group (issue 12's benchmark), Redis and Cinder side by side in one run:
 *
 * - persist-save-strings / persist-save-hashes: SAVE time and file size for 1M strings
 *   (DEBUG POPULATE) and for 100k small hashes (3 fields each);
 * - persist-load-strings / persist-load-hashes: startup load time of those files (as each server
 *   logs it: "DB loaded from disk: <s> seconds");
 * - persist-bgsave-latency: p99.9 and max latency of GET/SET from 50 clients (redis-benchmark's
 *   percentile distribution) while BGSAVE writes 1M keys;
 * - persist-bgsave-rss: peak RSS growth during a BGSAVE of 1M keys while every key is rewritten
 *   once, as a share of the dataset (used_memory_dataset). Redis's copy-on-write copy lives in its
 *   forked child: its growth is the child's private pages (INFO rdb_last_cow_size).
 */
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BenchServer, rssBytes, spawnTracked, waitForChild, type ServerKind } from './servers.js';
import { infoNumber, loadCommands, oneShot } from './resp-client.js';

export const PERSISTENCE_TESTS = [
  'persist-save-strings',
  'persist-save-hashes',
  'persist-load-strings',
  'persist-load-hashes',
  'persist-bgsave-latency',
  'persist-bgsave-rss',
];

export function hasPersistenceTests(selected: (name: string) => boolean): boolean {
  return PERSISTENCE_TESTS.some(selected);
}

export interface PersistenceSide {
  saveStringsMs: number;
  stringsFileBytes: number;
  saveHashesMs: number;
  hashesFileBytes: number;
  loadStringsMs: number;
  loadHashesMs: number;
  /** GET/SET latency during a BGSAVE (ms): p99.9 and max, and how long the BGSAVE took. */
  latencyP999: number;
  latencyMax: number;
  latencyBgsaveMs: number;
  rssGrowthBytes: number;
  datasetBytes: number;
}

export type PersistenceResults = Record<ServerKind, PersistenceSide>;

export interface PersistenceOptions {
  scale: number;
  cinderNodeArgs: string[];
  log: (line?: string) => void;
}

async function call(port: number, argv: string[]): Promise<unknown> {
  const r = await oneShot(port, argv);
  if (r instanceof Error) throw new Error(`${argv.join(' ')}: ${r.message}`);
  return r;
}

async function waitBgsaveDone(port: number): Promise<void> {
  for (;;) {
    if ((await infoNumber(port, 'persistence', 'rdb_bgsave_in_progress')) === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

/** redis-benchmark's "Latency by percentile distribution": the latency at p (ms). */
function percentileFromDistribution(text: string, p: number): number {
  let best = NaN;
  for (const m of text.matchAll(/([\d.]+)% <= ([\d.]+) milliseconds/g)) {
    if (Number(m[1]) >= p) return Number(m[2]);
    best = Number(m[2]);
  }
  return best;
}

async function start(kind: ServerKind, o: PersistenceOptions, dir: string, dbfilename = 'dump.rdb'): Promise<BenchServer> {
  return BenchServer.start(kind, o.cinderNodeArgs, ['--dir', dir, '--dbfilename', dbfilename, '--enable-debug-command', 'yes']);
}

async function measure(kind: ServerKind, o: PersistenceOptions): Promise<PersistenceSide> {
  const strings = Math.max(10_000, Math.round(1_000_000 * o.scale));
  const hashes = Math.max(1_000, Math.round(100_000 * o.scale));
  const dir = mkdtempSync(path.join(tmpdir(), `cinder-bench-rdb-${kind}-`));
  try {
    const out = {} as PersistenceSide;
    // SAVE of strings, then of hashes.
    let s = await start(kind, o, dir);
    try {
      await call(s.port, ['DEBUG', 'POPULATE', String(strings)]);
      out.saveStringsMs = await timed(() => call(s.port, ['SAVE']));
      out.stringsFileBytes = statSync(path.join(dir, 'dump.rdb')).size;
      copyFileSync(path.join(dir, 'dump.rdb'), path.join(dir, 'strings.rdb'));
      await call(s.port, ['FLUSHALL']);
      await loadCommands(s.port, hashes, (i) => ['HSET', `hash:${i}`, 'name', `user${i}`, 'age', String(i % 90), 'city', 'somewhere']);
      out.saveHashesMs = await timed(() => call(s.port, ['SAVE']));
      out.hashesFileBytes = statSync(path.join(dir, 'dump.rdb')).size;
      copyFileSync(path.join(dir, 'dump.rdb'), path.join(dir, 'hashes.rdb'));
    } finally {
      await s.stop();
    }
    // Startup load: the time each server logs for it ("DB loaded from disk: <s> seconds", the same
    // line in both); a file loading in a few ms is lost in the noise of a start-to-PONG difference.
    const loadMs = async (file: string): Promise<number> => {
      const srv = await start(kind, o, dir, file);
      try {
        const logged = /DB loaded from disk: (\d+\.\d+) seconds/.exec(srv.output());
        if (logged === null) throw new Error(`${kind} did not log its load time:\n${srv.output()}`);
        return Number(logged[1]) * 1000;
      } finally {
        await srv.stop();
      }
    };
    out.loadStringsMs = await loadMs('strings.rdb');
    out.loadHashesMs = await loadMs('hashes.rdb');
    // Latency of GET/SET from 50 clients while BGSAVE writes the 1M keys.
    s = await start(kind, o, dir, 'bg.rdb');
    try {
      await call(s.port, ['DEBUG', 'POPULATE', String(strings)]);
      const requests = Math.max(50_000, Math.round(600_000 * o.scale));
      const { child, output } = spawnTracked(
        'redis-benchmark',
        ['-h', '127.0.0.1', '-p', String(s.port), '-c', '50', '-n', String(requests), '-t', 'get,set', '-r', String(strings), '-d', '10'],
        1 << 20,
      );
      // The BGSAVE starts once the load runs, and covers as much of it as it lasts.
      await new Promise((r) => setTimeout(r, 300));
      const t0 = performance.now();
      await call(s.port, ['BGSAVE']);
      await waitBgsaveDone(s.port);
      out.latencyBgsaveMs = performance.now() - t0;
      await waitForChild(child, 300_000);
      const text = output();
      // The worse of GET's and SET's runs (each prints its own distribution).
      const runs = text.split(/====== /).slice(1);
      out.latencyP999 = Math.max(...runs.map((r) => percentileFromDistribution(r, 99.9)));
      out.latencyMax = Math.max(...runs.map((r) => percentileFromDistribution(r, 100)));
    } finally {
      await s.stop();
    }
    // Peak RSS growth during a BGSAVE while every key is rewritten once.
    s = await start(kind, o, dir, 'rss.rdb');
    try {
      await call(s.port, ['DEBUG', 'POPULATE', String(strings)]);
      out.datasetBytes = (await infoNumber(s.port, 'memory', 'used_memory_dataset')) ?? 0;
      const before = rssBytes(s.pid);
      let peak = before;
      const sampler = setInterval(() => {
        try {
          peak = Math.max(peak, rssBytes(s.pid));
        } catch {
          /* gone */
        }
      }, 10);
      await call(s.port, ['BGSAVE']);
      await loadCommands(s.port, strings, (i) => ['SET', `key:${i}`, `value:${i}`], 1000);
      await waitBgsaveDone(s.port);
      clearInterval(sampler);
      out.rssGrowthBytes = kind === 'redis' ? ((await infoNumber(s.port, 'persistence', 'rdb_last_cow_size')) ?? 0) : peak - before;
    } finally {
      await s.stop();
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runPersistence(o: PersistenceOptions): Promise<PersistenceResults> {
  o.log('persistence: SAVE / load / BGSAVE latency and memory, Redis then Cinder');
  const redis = await measure('redis', o);
  const cinder = await measure('cinder', o);
  return { redis, cinder };
}

const mb = (b: number): string => (b / 1e6).toFixed(1) + ' MB';
const ms = (v: number): string => v.toFixed(v < 10 ? 2 : 0) + ' ms';
const ratio = (c: number, r: number): string => (r > 0 ? (c / r).toFixed(2) + 'x' : 'n/a');

/** The group's table: each measure for both servers, the ratio and the target. */
export function persistenceSummary(res: PersistenceResults): string[] {
  const r = res.redis;
  const c = res.cinder;
  const row = (name: string, rv: string, cv: string, rat: string, target: string): string =>
    `${name.padEnd(34)} ${rv.padStart(12)} ${cv.padStart(12)} ${rat.padStart(7)}   ${target}`;
  return [
    row('persistence', 'redis', 'cinder', 'ratio', 'target'),
    row('SAVE 1M strings', ms(r.saveStringsMs), ms(c.saveStringsMs), ratio(c.saveStringsMs, r.saveStringsMs), '<= 2x'),
    row('file 1M strings', mb(r.stringsFileBytes), mb(c.stringsFileBytes), ratio(c.stringsFileBytes, r.stringsFileBytes), '<= 1.1x'),
    row('SAVE 100k hashes', ms(r.saveHashesMs), ms(c.saveHashesMs), ratio(c.saveHashesMs, r.saveHashesMs), '<= 2x'),
    row('file 100k hashes', mb(r.hashesFileBytes), mb(c.hashesFileBytes), ratio(c.hashesFileBytes, r.hashesFileBytes), '<= 1.1x'),
    row('load 1M strings', ms(r.loadStringsMs), ms(c.loadStringsMs), ratio(c.loadStringsMs, r.loadStringsMs), '<= 2x'),
    row('load 100k hashes', ms(r.loadHashesMs), ms(c.loadHashesMs), ratio(c.loadHashesMs, r.loadHashesMs), '<= 2x'),
    row('GET/SET p99.9 during BGSAVE', ms(r.latencyP999), ms(c.latencyP999), ratio(c.latencyP999, r.latencyP999), '<= 2x'),
    row('GET/SET max during BGSAVE', ms(r.latencyMax), ms(c.latencyMax), ratio(c.latencyMax, r.latencyMax), '<= 2x'),
    row('BGSAVE duration under load', ms(r.latencyBgsaveMs), ms(c.latencyBgsaveMs), ratio(c.latencyBgsaveMs, r.latencyBgsaveMs), ''),
    row('RSS growth, BGSAVE + rewrites', mb(r.rssGrowthBytes), mb(c.rssGrowthBytes), '', '<= 20% of dataset'),
    row('  as a share of the dataset', `${((100 * r.rssGrowthBytes) / r.datasetBytes).toFixed(0)}%`, `${((100 * c.rssGrowthBytes) / c.datasetBytes).toFixed(0)}%`, '', `(dataset ${mb(r.datasetBytes)} / ${mb(c.datasetBytes)})`),
  ];
}
