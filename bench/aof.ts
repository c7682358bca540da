/**
 * The aof group (issue 13's benchmark), Redis and Cinder side by side in one run, every server
 * with `appendonly yes` in its own temporary dir and automatic rewrites off (so every run
 * measures the append path alone):
 *
 * - aof-set-everysec-p1 / -p16, aof-set-always-p1 / -p16: redis-benchmark SET throughput
 *   (50 clients, 100k keys) under `appendfsync everysec` and `always`; best of `rounds`, the
 *   servers alternating first;
 * - aof-rewrite-latency: p99.9 and max latency of GET/SET from 50 clients while BGREWRITEAOF
 *   writes a base of 1M keys;
 * - aof-replay: startup time on an AOF of 1M SET commands (start until PING answers, less the
 *   same server's start on an empty AOF dir).
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BenchServer, spawnTracked, waitForChild, type ServerKind } from './servers.js';
import { infoNumber, loadCommands, oneShot } from './resp-client.js';
import { runRedisBenchmark } from './redis-benchmark.js';

export const AOF_THROUGHPUT = [
  { name: 'aof-set-everysec-p1', fsync: 'everysec', pipeline: 1, requests: 200_000, target: 0.8 },
  { name: 'aof-set-everysec-p16', fsync: 'everysec', pipeline: 16, requests: 1_000_000, target: 0.8 },
  { name: 'aof-set-always-p1', fsync: 'always', pipeline: 1, requests: 100_000, target: 0.5 },
  { name: 'aof-set-always-p16', fsync: 'always', pipeline: 16, requests: 500_000, target: 0.5 },
] as const;

export const AOF_TESTS = [...AOF_THROUGHPUT.map((t) => t.name), 'aof-rewrite-latency', 'aof-replay'];

export function hasAofTests(selected: (name: string) => boolean): boolean {
  return AOF_TESTS.some(selected);
}

export interface AofThroughputResult {
  name: string;
  target: number;
  /** Best requests/s of the rounds; NaN when no run succeeded. */
  redis: number;
  cinder: number;
  errors: string[];
}

export interface AofLatencySide {
  p999: number;
  max: number;
  rewriteMs: number;
}

export interface AofReplaySide {
  replayMs: number;
  fileBytes: number;
  keysAfter: number;
}

export interface AofResults {
  throughput: AofThroughputResult[];
  latency: Record<ServerKind, AofLatencySide> | null;
  replay: Record<ServerKind, AofReplaySide> | null;
}

export interface AofOptions {
  scale: number;
  rounds: number;
  cinderNodeArgs: string[];
  selected: (name: string) => boolean;
  log: (line?: string) => void;
}

async function call(port: number, argv: string[]): Promise<unknown> {
  const r = await oneShot(port, argv);
  if (r instanceof Error) throw new Error(`${argv.join(' ')}: ${r.message}`);
  return r;
}

/** A server on `dir` with appendonly yes; automatic rewrites off so a run measures appends only. */
function start(kind: ServerKind, o: AofOptions, dir: string, fsync = 'everysec'): Promise<BenchServer> {
  return BenchServer.start(kind, o.cinderNodeArgs, [
    '--dir', dir,
    '--appendonly', 'yes',
    '--appendfsync', fsync,
    '--auto-aof-rewrite-percentage', '0',
    '--enable-debug-command', 'yes',
  ]);
}

function tempDir(kind: ServerKind): string {
  return mkdtempSync(path.join(tmpdir(), `cinder-bench-aof-${kind}-`));
}

async function waitRewriteDone(port: number): Promise<void> {
  for (;;) {
    const inProgress = await infoNumber(port, 'persistence', 'aof_rewrite_in_progress');
    const scheduled = await infoNumber(port, 'persistence', 'aof_rewrite_scheduled');
    if (inProgress === 0 && scheduled === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
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

function dirBytes(dir: string): number {
  let total = 0;
  for (const f of readdirSync(dir, { recursive: true }) as string[]) {
    const st = statSync(path.join(dir, f));
    if (st.isFile()) total += st.size;
  }
  return total;
}

async function throughputRun(kind: ServerKind, o: AofOptions, t: (typeof AOF_THROUGHPUT)[number]): Promise<{ rps: number; error: string | null }> {
  const dir = tempDir(kind);
  const s = await start(kind, o, dir, t.fsync);
  try {
    const requests = Math.max(10_000, Math.round(t.requests * o.scale));
    const run = await runRedisBenchmark(
      s.port,
      ['-t', 'set', '-c', '50', '-P', String(t.pipeline), '-r', '100000', '-n', String(requests)],
      300_000,
    );
    if (run.error) return { rps: NaN, error: `${kind}: ${run.error}` };
    return { rps: run.rows[0]!.rps, error: null };
  } finally {
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measureLatency(kind: ServerKind, o: AofOptions): Promise<AofLatencySide> {
  const keys = Math.max(10_000, Math.round(1_000_000 * o.scale));
  const dir = tempDir(kind);
  const s = await start(kind, o, dir);
  try {
    await call(s.port, ['DEBUG', 'POPULATE', String(keys)]);
    const requests = Math.max(50_000, Math.round(600_000 * o.scale));
    const { child, output } = spawnTracked(
      'redis-benchmark',
      ['-h', '127.0.0.1', '-p', String(s.port), '-c', '50', '-n', String(requests), '-t', 'get,set', '-r', String(keys), '-d', '10'],
      1 << 20,
    );
    // The rewrite starts once the load runs, and covers as much of it as it lasts.
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    await call(s.port, ['BGREWRITEAOF']);
    await waitRewriteDone(s.port);
    const rewriteMs = performance.now() - t0;
    await waitForChild(child, 300_000);
    const runs = output().split(/====== /).slice(1);
    return {
      p999: Math.max(...runs.map((r) => percentileFromDistribution(r, 99.9))),
      max: Math.max(...runs.map((r) => percentileFromDistribution(r, 100))),
      rewriteMs,
    };
  } finally {
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measureReplay(kind: ServerKind, o: AofOptions): Promise<AofReplaySide> {
  const commands = Math.max(10_000, Math.round(1_000_000 * o.scale));
  const dir = tempDir(kind);
  const emptyDir = tempDir(kind);
  try {
    const s = await start(kind, o, dir);
    try {
      const r = await loadCommands(s.port, commands, (i) => ['SET', `key:${i}`, `value:${i}`]);
      if (r.errors > 0) throw new Error(`${kind}: loading the AOF: ${r.firstError}`);
    } finally {
      await s.stop();
    }
    const fileBytes = dirBytes(dir);
    const startMs = async (d: string): Promise<{ ms: number; keys: number }> => {
      const t0 = performance.now();
      const srv = await start(kind, o, d);
      const ms = performance.now() - t0;
      const keys = (await call(srv.port, ['DBSIZE'])) as number;
      await srv.stop();
      return { ms, keys };
    };
    const empty = Math.min((await startMs(emptyDir)).ms, (await startMs(emptyDir)).ms);
    const loaded = await startMs(dir);
    return { replayMs: loaded.ms - empty, fileBytes, keysAfter: loaded.keys };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(emptyDir, { recursive: true, force: true });
  }
}

export async function runAof(o: AofOptions): Promise<AofResults> {
  o.log('aof: SET throughput under appendfsync everysec / always, latency during BGREWRITEAOF, replay at startup');
  const res: AofResults = { throughput: [], latency: null, replay: null };
  for (const t of AOF_THROUGHPUT) {
    if (!o.selected(t.name)) continue;
    const best = { redis: NaN, cinder: NaN } as Record<ServerKind, number>;
    const errors: string[] = [];
    for (let round = 0; round < Math.max(1, o.rounds); round++) {
      // Alternate which server goes first: the two cores are shared and warm up.
      const order: ServerKind[] = round % 2 === 0 ? ['redis', 'cinder'] : ['cinder', 'redis'];
      for (const kind of order) {
        const r = await throughputRun(kind, o, t);
        if (r.error) errors.push(r.error);
        else if (!(r.rps <= best[kind])) best[kind] = r.rps;
      }
    }
    o.log(`  ${t.name}: Redis ${Math.round(best.redis)} rps, Cinder ${Math.round(best.cinder)} rps`);
    res.throughput.push({ name: t.name, target: t.target, redis: best.redis, cinder: best.cinder, errors });
  }
  if (o.selected('aof-rewrite-latency')) {
    res.latency = { redis: await measureLatency('redis', o), cinder: await measureLatency('cinder', o) };
  }
  if (o.selected('aof-replay')) {
    res.replay = { redis: await measureReplay('redis', o), cinder: await measureReplay('cinder', o) };
  }
  return res;
}

const mb = (b: number): string => (b / 1e6).toFixed(1) + ' MB';
const ms = (v: number): string => v.toFixed(v < 10 ? 2 : 0) + ' ms';
const ratio = (c: number, r: number): string => (r > 0 && Number.isFinite(c) ? (c / r).toFixed(2) + 'x' : 'n/a');

/** The group's table: each measure for both servers, the ratio, the target and a verdict. */
export function aofSummary(res: AofResults): string[] {
  const row = (name: string, rv: string, cv: string, rat: string, target: string): string =>
    `${name.padEnd(34)} ${rv.padStart(12)} ${cv.padStart(12)} ${rat.padStart(7)}   ${target}`;
  const verdict = (ok: boolean): string => (ok ? 'PASS' : 'MISS');
  const out = [row('aof', 'redis', 'cinder', 'ratio', 'target')];
  for (const t of res.throughput) {
    const rr = t.cinder / t.redis;
    out.push(row(`SET ${t.name.slice('aof-set-'.length)} (rps)`, String(Math.round(t.redis)), String(Math.round(t.cinder)), ratio(t.cinder, t.redis), `>= ${t.target}x ${verdict(rr >= t.target)}`));
    for (const e of t.errors) out.push(`  error: ${e}`);
  }
  if (res.latency) {
    const { redis: r, cinder: c } = res.latency;
    out.push(row('GET/SET p99.9 during BGREWRITEAOF', ms(r.p999), ms(c.p999), ratio(c.p999, r.p999), `<= 2x ${verdict(c.p999 <= 2 * r.p999)}`));
    out.push(row('GET/SET max during BGREWRITEAOF', ms(r.max), ms(c.max), ratio(c.max, r.max), ''));
    out.push(row('BGREWRITEAOF duration under load', ms(r.rewriteMs), ms(c.rewriteMs), ratio(c.rewriteMs, r.rewriteMs), ''));
  }
  if (res.replay) {
    const { redis: r, cinder: c } = res.replay;
    out.push(row('replay 1M-command AOF', ms(r.replayMs), ms(c.replayMs), ratio(c.replayMs, r.replayMs), `<= 2x ${verdict(c.replayMs <= 2 * r.replayMs)}`));
    out.push(row('  AOF dir size', mb(r.fileBytes), mb(c.fileBytes), ratio(c.fileBytes, r.fileBytes), ''));
    out.push(row('  keys after replay', String(r.keysAfter), String(c.keysAfter), '', ''));
  }
  return out;
}
