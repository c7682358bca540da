/**
 * `npm run bench`: Cinder against a real redis-server, same machine, same run, alternating.
 * See docs/BENCHMARKS.md. A benchmark, not a test: missed targets never fail the process; the exit
 * code is non-zero only when the harness itself fails.
 *
 *   node dist/bench/run.js [--scale X] [--rounds N] [--only a,b*] [--pin] [--starts N] [--json FILE] [--list]
 *   env: BENCH_SCALE, BENCH_ROUNDS, BENCH_ONLY, BENCH_PIN, BENCH_STARTS, CINDER_NODE_ARGS
 */
import { execFileSync } from 'node:child_process';
import * as net from 'node:net';
import { writeFileSync } from 'node:fs';
import * as os from 'node:os';
import {
  BackgroundLoad,
  runRedisBenchmark,
  type CsvRow,
} from './redis-benchmark.js';
import {
  infoNumber,
  isUnknownCommand,
  LatencyProbe,
  loadCommands,
  loadKeys,
  oneShot,
  ReplyError,
  summarizeLatencies,
  type ProbeResult,
  type RespValue,
} from './resp-client.js';
import { BenchServer, killAllNow, pinCpus, PORT_RANGE, rssBytes, type ServerKind } from './servers.js';
import { runStartup, startupSummary, type StartupResults } from './startup.js';
import { serverNodeFlags } from '../src/server/heap.js';
import { runLoadTool } from './load-tool.js';
import { evictionSummary, hasEvictionTests, runEviction, type EvictionResults } from './eviction.js';
import { hasPersistenceTests, persistenceSummary, runPersistence, type PersistenceResults } from './persistence.js';
import { aofSummary, hasAofTests, runAof, type AofResults } from './aof.js';
import { hasReplicationTests, replicationSummary, runReplication, type ReplicationResults } from './replication.js';
import {
  benchmarkTestName,
  CLIENTS,
  EVICTION_POLICIES,
  EVICTION_QUALITY_TESTS,
  EVICTION_SET_TESTS,
  EVICTION_TRACES,
  KEYSPACE,
  COLLECTION_MEMORY,
  collectionWarmupArgs,
  fillCommand,
  FILL_PER_COMMAND,
  GROUPS,
  LATENCY_KEYS,
  LATENCY_SECONDS,
  latencyLoadArgs,
  LOAD_TOOL_WARMUP_REQUESTS,
  MEMORY_KEYS,
  PHASES,
  selector,
  TARGETS,
  THROUGHPUT_TESTS,
  WARMUP_ARGS,
  type CollectionMemoryProbe,
  type KeyReset,
  type ThroughputTest,
} from './tests.js';

// ---------------------------------------------------------------------------------------------
// Options

interface Options {
  scale: number;
  rounds: number;
  only: string | undefined;
  json: string | undefined;
  list: boolean;
  /** --pin: servers on CPU 1, redis-benchmark, the load tools and the harness on CPU 0 (issue 18). */
  pin: boolean;
  /** Starts per server in the startup phase (medians). */
  starts: number;
  cinderNodeArgs: string[];
  /** CINDER_NODE_ARGS alone (the eviction group puts them after the flags for its own maxmemory). */
  cinderExtraNodeArgs: string[];
}

const USAGE = `usage: node dist/bench/run.js [options]     (npm run bench -- [options])
  --scale X      multiply request counts, key counts (capped at 1) and probe time by X
                 (env BENCH_SCALE; default 1; 0.2 is a quick run)
  --rounds N     run every throughput test N times per server, alternating order; best run kept
                 (env BENCH_ROUNDS; default 2)
  --only LIST    comma-separated test names, groups or phases, '*' wildcards, e.g. 'set-*,memory',
                 'collections' (all list/set/hash/zset tests), 'memory-*' (collection memory),
                 'eviction' (hit ratios per maxmemory-policy, SET while evicting)
                 (env BENCH_ONLY); --list shows the names
  --json FILE    also write the results as JSON to FILE
  --pin          each server on CPU 1 alone, redis-benchmark / load tools / this harness on CPU 0
                 (taskset; env BENCH_PIN=1); default: no pinning
  --starts N     server starts per server for the startup phase (default 15)
  --list         print test names and exit
  env CINDER_NODE_ARGS   extra node flags for the Cinder process, after the executable's own (heap size, --max-semi-space-size=2, --no-parallel-scavenge, --expose-gc; a later flag wins, e.g. "--max-semi-space-size=16")`;

function parseOptions(argv: string[]): Options {
  const extra = (process.env.CINDER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const o: Options = {
    scale: Number(process.env.BENCH_SCALE ?? 1),
    rounds: Number(process.env.BENCH_ROUNDS ?? 2),
    only: process.env.BENCH_ONLY || undefined,
    json: undefined,
    list: false,
    pin: process.env.BENCH_PIN === '1',
    starts: Number(process.env.BENCH_STARTS ?? 15),
    // The flags the cinder-server executable runs with (given here, so it does not relaunch itself
    // and the process measured is the server), then any extra ones.
    cinderNodeArgs: [...serverNodeFlags(0), ...extra],
    cinderExtraNodeArgs: extra,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--scale': o.scale = Number(value()); break;
      case '--rounds': o.rounds = Number(value()); break;
      case '--only': o.only = value(); break;
      case '--json': o.json = value(); break;
      case '--list': o.list = true; break;
      case '--pin': o.pin = true; break;
      case '--starts': o.starts = Number(value()); break;
      case '-h': case '--help': console.log(USAGE); process.exit(0); break;
      default: throw new UsageError(`unknown option ${a}`);
    }
  }
  if (!(o.scale > 0) || !Number.isFinite(o.scale)) throw new UsageError('--scale must be a positive number');
  if (!Number.isInteger(o.rounds) || o.rounds < 1) throw new UsageError('--rounds must be a positive integer');
  if (!Number.isInteger(o.starts) || o.starts < 1) throw new UsageError('--starts must be a positive integer');
  return o;
}

class UsageError extends Error {}

// ---------------------------------------------------------------------------------------------
// Results

interface Measured {
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  seconds: number;
}

interface SideResult {
  /** 'ok', or why there is no number. */
  status: 'ok' | 'unsupported' | 'error' | 'skipped';
  detail?: string;
  best?: Measured;
  runs: Measured[];
  /** Runs that produced no number (timeouts, server errors, crashes). */
  errors: string[];
}

type Verdict = 'PASS' | 'MISS' | 'n/a';

interface ThroughputResult {
  name: string;
  /** ThroughputTest.category */
  category: string;
  args: string[];
  requests: number;
  pipeline: number;
  redis: SideResult;
  cinder: SideResult;
  /** Cinder rps / Redis rps */
  ratio: number | null;
  target: number;
  verdict: Verdict;
}

interface MemorySide {
  status: 'ok' | 'unsupported' | 'error';
  detail?: string;
  keys: number;
  rssBefore?: number;
  rssAfter?: number;
  bytesPerKey?: number;
  dbsize?: number | null;
  /** How the key count was checked: 'DBSIZE', or 'loader' when DBSIZE is not available. */
  verifiedBy?: 'DBSIZE' | 'loader';
  loadKeysPerSecond?: number;
}

interface MemoryResult {
  keys: number;
  redis: MemorySide;
  cinder: MemorySide;
  ratio: number | null;
  target: number;
  verdict: Verdict;
}

interface LatencySide {
  status: 'ok' | 'unsupported' | 'error';
  detail?: string;
  keys: number;
  probe?: ProbeResult;
  load?: Record<string, { rps: number; p50: number; p99: number; max: number; runs: number }>;
}

interface LatencyResult {
  keys: number;
  seconds: number;
  loadArgs: string[];
  redis: LatencySide;
  cinder: LatencySide;
  /** Cinder p99.9 / Redis p99.9 */
  ratio: number | null;
  target: number;
  verdict: Verdict;
}

interface CollectionMemorySide {
  status: 'ok' | 'unsupported' | 'error';
  detail?: string;
  rssBefore?: number;
  rssAfter?: number;
  /** RSS growth per unit (element, field, member or hash). */
  bytesPerUnit?: number;
  /** INFO used_memory growth per unit, for reference (null when the server has no such field). */
  usedMemoryPerUnit?: number | null;
  loadUnitsPerSecond?: number;
}

interface CollectionMemoryResult {
  name: string;
  what: string;
  unit: string;
  unitPlural: string;
  units: number;
  redis: CollectionMemorySide;
  cinder: CollectionMemorySide;
  /** Cinder / Redis RSS bytes per unit */
  ratio: number | null;
  target: number;
  verdict: Verdict;
}

interface Results {
  meta: Record<string, unknown>;
  throughput: ThroughputResult[];
  memory: MemoryResult | null;
  latency: LatencyResult | null;
  collectionMemory: CollectionMemoryResult[];
  eviction: EvictionResults | null;
  persistence?: PersistenceResults | null;
  aof?: AofResults | null;
  replication?: ReplicationResults | null;
  startup?: StartupResults | null;
}

// ---------------------------------------------------------------------------------------------
// Formatting

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
const fmtMs = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(3));
const fmtRatio = (r: number | null): string => (r === null ? '-' : r.toFixed(2) + 'x');
const fmtMB = (b: number | undefined): string => (b === undefined ? '-' : (b / 1048576).toFixed(1) + ' MB');
const pad = (s: string, n: number): string => s.padEnd(n);
const lpad = (s: string, n: number): string => s.padStart(n);
const label = (k: ServerKind): string => (k === 'redis' ? 'Redis' : 'Cinder');

function log(line = ''): void {
  process.stdout.write(line + '\n');
}

function verdictAtLeast(ratio: number | null, target: number): Verdict {
  return ratio === null ? 'n/a' : ratio >= target ? 'PASS' : 'MISS';
}
function verdictAtMost(ratio: number | null, target: number): Verdict {
  return ratio === null ? 'n/a' : ratio <= target ? 'PASS' : 'MISS';
}

function sideCells(s: SideResult): string {
  if (s.status !== 'ok' || !s.best) return pad(` ${s.status}${s.detail ? ': ' + s.detail : ''}`, 30).slice(0, 30);
  return `${lpad(fmtInt(s.best.rps), 12)} ${lpad(fmtMs(s.best.p50), 8)} ${lpad(fmtMs(s.best.p99), 8)}`;
}

function throughputLine(r: ThroughputResult): string {
  const target = `>=${r.target.toFixed(2)}x`;
  return `${pad(r.name, 19)} |${sideCells(r.redis)} |${sideCells(r.cinder)} | ${lpad(fmtRatio(r.ratio), 7)}  ${lpad(target, 8)}  ${r.verdict}`;
}

function throughputHeader(): string[] {
  const side = `${lpad('rps', 12)} ${lpad('p50 ms', 8)} ${lpad('p99 ms', 8)}`;
  return [
    `${pad('', 19)} |${pad('              Redis', 30)} |${pad('              Cinder', 30)} | Cinder/Redis`,
    `${pad('test', 19)} |${side} |${side} | ${lpad('rps', 7)}  ${lpad('target', 8)}`,
  ];
}

// ---------------------------------------------------------------------------------------------
// Server pair management

class Pair {
  constructor(
    public redis: BenchServer,
    public cinder: BenchServer,
    private readonly cinderNodeArgs: string[],
  ) {}

  static async start(cinderNodeArgs: string[]): Promise<Pair> {
    const redis = await BenchServer.start('redis');
    let cinder: BenchServer;
    try {
      cinder = await BenchServer.start('cinder', cinderNodeArgs);
    } catch (e) {
      await redis.stop();
      throw e;
    }
    return new Pair(redis, cinder, cinderNodeArgs);
  }

  get(kind: ServerKind): BenchServer {
    return kind === 'redis' ? this.redis : this.cinder;
  }

  /** Restarts a server that died (a crash is a result to report, not a harness failure). */
  async ensureAlive(kind: ServerKind): Promise<string | null> {
    const s = this.get(kind);
    if (s.alive) return null;
    const why = `${label(kind)} ${s.exitDescription()}; restarted. Last output:\n${s.output().split('\n').slice(-15).join('\n')}`;
    const fresh = await BenchServer.start(kind, this.cinderNodeArgs);
    if (kind === 'redis') this.redis = fresh;
    else this.cinder = fresh;
    return why;
  }

  async stop(): Promise<void> {
    await Promise.all([this.redis.stop(), this.cinder.stop()]);
  }
}

// ---------------------------------------------------------------------------------------------
// Throughput

function scaled(n: number, scale: number, floor: number): number {
  return Math.max(floor, Math.round(n * scale));
}

async function unsupportedCommand(port: number, probe: string[][]): Promise<string | null> {
  for (const argv of probe) {
    const r = await oneShot(port, argv);
    if (isUnknownCommand(r)) return argv[0]!.toUpperCase();
  }
  return null;
}

function toMeasured(row: CsvRow, seconds: number): Measured {
  return { rps: row.rps, p50: row.p50, p95: row.p95, p99: row.p99, max: row.max, seconds };
}

/** The row a test reports: by redis-benchmark's test name ("LRANGE_100 (first 100 elements)"), or the first. */
function pickRow(rows: CsvRow[], name: string | undefined): CsvRow | undefined {
  if (name === undefined) return rows[0];
  return rows.find((r) => r.test === name || r.test.startsWith(name + ' '));
}

/** Deletes the test's key and pre-fills it (not timed); returns an error text or null. */
/** Opens `count` connections subscribed to `channel`; they read and discard every message. */
async function openSubscribers(port: number, channel: string, count: number): Promise<net.Socket[]> {
  const subscribe = `*2\r\n$9\r\nSUBSCRIBE\r\n$${Buffer.byteLength(channel)}\r\n${channel}\r\n`;
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect({ port, host: '127.0.0.1' }, () => s.write(subscribe));
          s.once('error', reject);
          // The first bytes are the subscription's confirmation; everything after is discarded.
          s.once('data', () => resolve(s));
          s.on('data', () => {});
        }),
    ),
  );
}

async function resetKey(port: number, reset: KeyReset, requests: number): Promise<string | null> {
  const del = await oneShot(port, ['DEL', reset.key]);
  if (del instanceof ReplyError) return `reset: DEL ${reset.key}: ${del.message}`;
  if (!reset.fill) return null;
  const { type } = reset.fill;
  const count = reset.fill.count === 'requests' ? requests : reset.fill.count;
  const commands = Math.ceil(count / FILL_PER_COMMAND);
  const r = await loadCommands(
    port,
    commands,
    (i) => fillCommand(type, reset.key, i * FILL_PER_COMMAND, Math.min(count, (i + 1) * FILL_PER_COMMAND)),
    20,
  );
  return r.errors > 0 ? `pre-fill: ${r.errors} error replies (${r.firstError})` : null;
}

/**
 * Short unreported run of the collection tests each server supports (see collectionWarmupArgs), so
 * the first collection test does not measure V8 compiling the new command handlers.
 */
async function collectionWarmup(pair: Pair, tests: ThroughputTest[]): Promise<void> {
  const t0 = Date.now();
  for (const kind of ['redis', 'cinder'] as const) {
    const names = new Set<string>();
    for (const t of tests) {
      const name = benchmarkTestName(t);
      if (!t.reset || name === null || names.has(name)) continue;
      if (!(await unsupportedCommand(pair.get(kind).port, t.probe))) names.add(name);
    }
    if (names.size === 0) continue;
    const args = collectionWarmupArgs([...names]);
    const run = await runRedisBenchmark(pair.get(kind).port, args, 120_000);
    if (run.error) log(`  collection warm-up: ${label(kind)} ${run.error}`);
    const crash = await pair.ensureAlive(kind);
    if (crash) log(`  collection warm-up: ${crash}`);
  }
  log(`collection warm-up (not reported): ${((Date.now() - t0) / 1000).toFixed(1)} s of the selected collection tests at pipeline 1`);
}

/**
 * Short unreported run of each selected load-tool test on each server that supports it, so the
 * first measured run does not time V8 compiling MULTI/EXEC or the stream group handlers.
 */
async function loadToolWarmup(pair: Pair, tests: ThroughputTest[]): Promise<void> {
  const t0 = Date.now();
  for (const kind of ['redis', 'cinder'] as const) {
    for (const t of tests) {
      if (!t.tool || (await unsupportedCommand(pair.get(kind).port, t.probe))) continue;
      const run = await runLoadTool(pair.get(kind).port, { test: t.tool, clients: CLIENTS, pipeline: t.pipeline, requests: LOAD_TOOL_WARMUP_REQUESTS, keyspace: KEYSPACE }, 120_000);
      if (run.error) log(`  load-tool warm-up: ${label(kind)} ${t.name}: ${run.error}`);
      const crash = await pair.ensureAlive(kind);
      if (crash) log(`  load-tool warm-up: ${crash}`);
    }
  }
  log(`load-tool warm-up (not reported): ${((Date.now() - t0) / 1000).toFixed(1)} s of the selected load-tool tests, ${fmtInt(LOAD_TOOL_WARMUP_REQUESTS)} operations each`);
}

async function runThroughput(pair: Pair, tests: ThroughputTest[], opts: Options): Promise<ThroughputResult[]> {
  const results: ThroughputResult[] = [];
  // Warm-up, not reported: a fresh Cinder runs its first requests in V8's interpreter and baseline
  // tiers, so without it the first test would measure JIT compilation. Redis gets the same runs.
  const warmT0 = Date.now();
  for (const kind of ['redis', 'cinder'] as const) {
    for (const args of WARMUP_ARGS) {
      const run = await runRedisBenchmark(pair.get(kind).port, args, 60_000);
      if (run.error) log(`  warm-up: ${label(kind)} ${run.error} (${args.join(' ')})`);
      await pair.ensureAlive(kind);
    }
  }
  log(`warm-up (not reported): ${((Date.now() - warmT0) / 1000).toFixed(1)} s of the basic tests at pipeline 1 and 16 on both servers`);
  log(`Throughput: redis-benchmark (multi10-*, xreadgroup-xack-*: bench/load-tool), ${CLIENTS} clients, best of ${opts.rounds} run(s) per server, ${opts.pin ? 'pinned (servers CPU 1, load CPU 0)' : 'not pinned'}, latency in ms`);
  for (const h of throughputHeader()) log(h);
  let collectionsWarm = false;
  let loadToolWarm = false;
  for (let ti = 0; ti < tests.length; ti++) {
    const t = tests[ti]!;
    if (t.reset && !collectionsWarm) {
      collectionsWarm = true;
      await collectionWarmup(pair, tests);
    }
    if (t.tool && !loadToolWarm) {
      loadToolWarm = true;
      await loadToolWarmup(pair, tests);
    }
    const requests = scaled(t.requests, opts.scale, 1000);
    // -n first: in custom-command mode everything after the command is its arguments.
    const args = t.tool ? [...t.args, '--requests', String(requests)] : ['-n', String(requests), ...t.args];
    const sides: Record<ServerKind, SideResult> = {
      redis: { status: 'ok', runs: [], errors: [] },
      cinder: { status: 'ok', runs: [], errors: [] },
    };
    for (const kind of ['redis', 'cinder'] as const) {
      const missing = await unsupportedCommand(pair.get(kind).port, t.probe);
      if (missing) {
        sides[kind].status = 'unsupported';
        sides[kind].detail = `no ${missing}`;
      }
    }
    // Generous: a server at 2,000 requests/s would still finish.
    const timeoutMs = Math.max(30_000, (requests / 2000) * 1000);
    for (let round = 0; round < opts.rounds; round++) {
      const order: ServerKind[] = (ti + round) % 2 === 0 ? ['redis', 'cinder'] : ['cinder', 'redis'];
      for (const kind of order) {
        const side = sides[kind];
        if (side.status !== 'ok') continue;
        // A timed-out run (seen once on a heavily loaded machine) is retried once.
        for (let attempt = 0; attempt < 2; attempt++) {
          let resetError = t.reset ? await resetKey(pair.get(kind).port, t.reset, requests) : null;
          for (const argv of t.setup ?? []) {
            const reply = await oneShot(pair.get(kind).port, argv);
            if (reply instanceof ReplyError) resetError ??= `setup: ${argv[0]} ${argv[1] ?? ''}: ${reply.message}`;
          }
          const subscribers = t.subscribers && !resetError ? await openSubscribers(pair.get(kind).port, t.subscribers.channel, t.subscribers.count) : [];
          const run = resetError
            ? { rows: [], error: resetError, seconds: 0 }
            : t.tool
              ? await runLoadTool(pair.get(kind).port, { test: t.tool, clients: CLIENTS, pipeline: t.pipeline, requests, keyspace: KEYSPACE }, timeoutMs)
              : await runRedisBenchmark(pair.get(kind).port, args, timeoutMs);
          for (const s of subscribers) s.destroy();
          const row = pickRow(run.rows, t.row);
          if (!run.error && !row) run.error = `no ${t.row} row in redis-benchmark's output`;
          const crash = await pair.ensureAlive(kind);
          if (crash) log(`  ${t.name}: ${crash}`);
          else if (run.error) log(`  ${t.name}: ${label(kind)} ${run.error}`);
          if (crash || run.error) {
            side.errors.push(crash ? 'server exited' : run.error!);
            if (!crash && run.error!.startsWith('timed out') && attempt === 0) continue;
            break;
          }
          side.runs.push(toMeasured(row!, run.seconds));
          break;
        }
        // A server that fails this test (error replies, crash) is not run again for it.
        if (side.runs.length === 0 && side.errors.length > 0 && !side.errors.every((e) => e.startsWith('timed out'))) {
          side.status = 'error';
        }
      }
    }
    for (const kind of ['redis', 'cinder'] as const) {
      const side = sides[kind];
      if (side.runs.length > 0) {
        side.status = 'ok';
        side.best = side.runs.reduce((a, b) => (b.rps > a.rps ? b : a));
      } else if (side.status === 'ok') side.status = 'error';
      if (side.status === 'error') side.detail = side.errors[side.errors.length - 1];
    }
    const ratio = sides.redis.best && sides.cinder.best ? sides.cinder.best.rps / sides.redis.best.rps : null;
    const target = t.target ?? (t.pipeline >= 16 ? TARGETS.pipeline16 : TARGETS.pipeline1);
    const r: ThroughputResult = {
      name: t.name,
      category: t.category,
      args,
      requests,
      pipeline: t.pipeline,
      redis: sides.redis,
      cinder: sides.cinder,
      ratio,
      target,
      verdict: verdictAtLeast(ratio, target),
    };
    results.push(r);
    log(throughputLine(r));
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// Memory and key loading

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function dbsize(port: number): Promise<number | null> {
  const r: RespValue = await oneShot(port, ['DBSIZE']);
  return typeof r === 'number' ? r : null;
}

/** Loads keys [from, to) and checks the count; returns an error text or null. */
async function loadAndVerify(
  server: BenchServer,
  from: number,
  to: number,
): Promise<{ error: string | null; dbsize: number | null; verifiedBy: 'DBSIZE' | 'loader'; keysPerSecond: number }> {
  if (await unsupportedCommand(server.port, [['SET', '__bench_probe__', 'x']])) {
    return { error: 'no SET', dbsize: null, verifiedBy: 'loader', keysPerSecond: 0 };
  }
  await oneShot(server.port, ['DEL', '__bench_probe__']);
  const load = await loadKeys(server.port, from, to);
  const keysPerSecond = load.keys / load.seconds;
  if (load.errors > 0) {
    return { error: `${load.errors} SET errors (${load.firstError})`, dbsize: null, verifiedBy: 'loader', keysPerSecond };
  }
  const n = await dbsize(server.port);
  if (n === null) return { error: null, dbsize: null, verifiedBy: 'loader', keysPerSecond };
  // Other keys (from earlier probes) would make DBSIZE larger; this phase starts from an empty server.
  if (n !== to) return { error: `DBSIZE is ${n}, expected ${to}`, dbsize: n, verifiedBy: 'DBSIZE', keysPerSecond };
  return { error: null, dbsize: n, verifiedBy: 'DBSIZE', keysPerSecond };
}

async function runMemory(pair: Pair, keys: number): Promise<MemoryResult> {
  log(`Memory: RSS growth for ${fmtInt(keys)} keys (SET key:%012d val:%012d, 16-byte keys and values)`);
  log(`${pad('server', 8)} ${lpad('RSS before', 12)} ${lpad('RSS after', 12)} ${lpad('bytes/key', 10)} ${lpad('keys', 10)}  ${pad('checked by', 10)} ${lpad('load keys/s', 12)}`);
  const sides = {} as Record<ServerKind, MemorySide>;
  for (const kind of ['redis', 'cinder'] as const) {
    const s = pair.get(kind);
    await sleep(500);
    const rssBefore = rssBytes(s.pid);
    const r = await loadAndVerify(s, 0, keys);
    await sleep(1000); // let the allocator / GC settle
    const side: MemorySide = {
      status: 'ok',
      keys,
      verifiedBy: r.verifiedBy,
      dbsize: r.dbsize,
      loadKeysPerSecond: r.keysPerSecond,
    };
    if (!s.alive) {
      side.status = 'error';
      side.detail = `${label(kind)} ${s.exitDescription()}`;
    } else if (r.error) {
      side.status = r.error === 'no SET' ? 'unsupported' : 'error';
      side.detail = r.error;
    } else {
      side.rssBefore = rssBefore;
      side.rssAfter = rssBytes(s.pid);
      side.bytesPerKey = (side.rssAfter - rssBefore) / keys;
    }
    sides[kind] = side;
    if (side.status === 'ok') {
      const by = side.verifiedBy === 'DBSIZE' ? 'DBSIZE' : 'loader (no DBSIZE)';
      log(`${pad(label(kind), 8)} ${lpad(fmtMB(side.rssBefore), 12)} ${lpad(fmtMB(side.rssAfter), 12)} ${lpad(side.bytesPerKey!.toFixed(1), 10)} ${lpad(fmtInt(side.dbsize ?? keys), 10)}  ${pad(by, 10)} ${lpad(fmtInt(side.loadKeysPerSecond ?? 0), 12)}`);
    } else log(`${pad(label(kind), 8)} ${side.status}: ${side.detail}`);
  }
  const ratio = sides.redis.bytesPerKey && sides.cinder.bytesPerKey ? sides.cinder.bytesPerKey / sides.redis.bytesPerKey : null;
  const verdict = verdictAtMost(ratio, TARGETS.bytesPerKey);
  log(`Cinder/Redis bytes per key: ${fmtRatio(ratio)}  target <=${TARGETS.bytesPerKey.toFixed(2)}x  ${verdict}`);
  return { keys, redis: sides.redis, cinder: sides.cinder, ratio, target: TARGETS.bytesPerKey, verdict };
}

// ---------------------------------------------------------------------------------------------
// Memory of collections

/** Loads one probe's data into a fresh server and measures RSS (and used_memory) growth. */
async function measureCollection(server: BenchServer, probe: CollectionMemoryProbe, units: number): Promise<CollectionMemorySide> {
  const missing = await unsupportedCommand(server.port, probe.probe);
  if (missing) return { status: 'unsupported', detail: `no ${missing}` };
  await sleep(500);
  const rssBefore = rssBytes(server.pid);
  const usedBefore = await infoNumber(server.port, 'memory', 'used_memory');
  const commands = Math.ceil(units / probe.perCommand);
  const load = await loadCommands(
    server.port,
    commands,
    (i) => probe.build(i * probe.perCommand, Math.min(units, (i + 1) * probe.perCommand)),
    probe.batch,
  );
  if (!server.alive) return { status: 'error', detail: `${label(server.kind)} ${server.exitDescription()}` };
  if (load.errors > 0) return { status: 'error', detail: `${load.errors} error replies (${load.firstError})` };
  const count = await oneShot(server.port, probe.check);
  if (count !== units) return { status: 'error', detail: `${probe.check.join(' ')} is ${String(count)}, expected ${units}` };
  await sleep(1000); // let the allocator / GC settle, as the bytes-per-key phase does
  const rssAfter = rssBytes(server.pid);
  const usedAfter = await infoNumber(server.port, 'memory', 'used_memory');
  return {
    status: 'ok',
    rssBefore,
    rssAfter,
    bytesPerUnit: (rssAfter - rssBefore) / units,
    usedMemoryPerUnit: usedBefore !== null && usedAfter !== null ? (usedAfter - usedBefore) / units : null,
    loadUnitsPerSecond: units / load.seconds,
  };
}

function collectionMemoryHeader(): string {
  return `  ${pad('server', 8)} ${lpad('RSS before', 12)} ${lpad('RSS after', 12)} ${lpad('bytes/unit', 11)} ${lpad('used_memory/unit', 17)} ${lpad('load units/s', 13)}`;
}

/** Each probe on its own freshly started pair, so no probe's RSS includes another's data. */
async function runCollectionMemory(probes: CollectionMemoryProbe[], keyScale: number, cinderNodeArgs: string[]): Promise<CollectionMemoryResult[]> {
  log('Memory of collections: RSS growth per unit on fresh servers (INFO used_memory growth for reference);');
  log('  both servers loaded alike over one connection with pipelined multi-element commands');
  const results: CollectionMemoryResult[] = [];
  for (const probe of probes) {
    const units = scaled(probe.elements, keyScale, Math.min(probe.elements, 10_000));
    const pair = await Pair.start(cinderNodeArgs);
    const sides = {} as Record<ServerKind, CollectionMemorySide>;
    log(`${probe.name}: ${probe.what}${units !== probe.elements ? ` (scaled to ${fmtInt(units)})` : ''}; unit = ${probe.unit}`);
    log(collectionMemoryHeader());
    try {
      for (const kind of ['redis', 'cinder'] as const) {
        const side = await measureCollection(pair.get(kind), probe, units);
        sides[kind] = side;
        if (side.status === 'ok') {
          const used = side.usedMemoryPerUnit === null || side.usedMemoryPerUnit === undefined ? '-' : side.usedMemoryPerUnit.toFixed(1);
          log(`  ${pad(label(kind), 8)} ${lpad(fmtMB(side.rssBefore), 12)} ${lpad(fmtMB(side.rssAfter), 12)} ${lpad(side.bytesPerUnit!.toFixed(1), 11)} ${lpad(used, 17)} ${lpad(fmtInt(side.loadUnitsPerSecond ?? 0), 13)}`);
        } else log(`  ${pad(label(kind), 8)} ${side.status}: ${side.detail}`);
      }
    } finally {
      await pair.stop();
    }
    const ratio = sides.redis.bytesPerUnit && sides.cinder.bytesPerUnit ? sides.cinder.bytesPerUnit / sides.redis.bytesPerUnit : null;
    const verdict = verdictAtMost(ratio, TARGETS.bytesPerKey);
    log(`  Cinder/Redis bytes per ${probe.unit}: ${fmtRatio(ratio)}  target <=${TARGETS.bytesPerKey.toFixed(2)}x  ${verdict}`);
    results.push({ name: probe.name, what: probe.what, unit: probe.unit, unitPlural: probe.units, units, redis: sides.redis, cinder: sides.cinder, ratio, target: TARGETS.bytesPerKey, verdict });
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// Tail latency

async function runLatency(pair: Pair, loaded: number, keys: number, seconds: number): Promise<LatencyResult> {
  const loadArgs = latencyLoadArgs(keys);
  log(`Tail latency with ${fmtInt(keys)} keys: probe = 1 connection, GET/SET on random keys every 1 ms for ${seconds} s,`);
  log(`  while redis-benchmark ${loadArgs.join(' ')} runs in a loop (latency in ms)`);
  const sides = {} as Record<ServerKind, LatencySide>;
  for (const kind of ['redis', 'cinder'] as const) {
    const s = pair.get(kind);
    const side: LatencySide = { status: 'ok', keys };
    sides[kind] = side;
    const missing = await unsupportedCommand(s.port, [['SET', '__bench_probe__', 'x'], ['GET', '__bench_probe__']]);
    if (missing) {
      side.status = 'unsupported';
      side.detail = `no ${missing}`;
      continue;
    }
    await oneShot(s.port, ['DEL', '__bench_probe__']);
    if (loaded < keys) {
      const r = await loadAndVerify(s, loaded, keys);
      if (r.error) {
        side.status = 'error';
        side.detail = `loading: ${r.error}`;
        continue;
      }
      log(`  ${label(kind)}: loaded ${fmtInt(keys - loaded)} ${loaded > 0 ? "more " : ""}keys at ${fmtInt(r.keysPerSecond)} keys/s (${r.verifiedBy === 'DBSIZE' ? 'DBSIZE ' + fmtInt(r.dbsize!) : 'count not verified: no DBSIZE'})`);
    }
  }
  // Alternate: Redis, Cinder, then each once more with the order reversed for the second half.
  const half = Math.max(1, seconds / 2);
  const probes: Record<ServerKind, Float64Array[]> = { redis: [], cinder: [] };
  const loads: Record<ServerKind, BackgroundLoad[]> = { redis: [], cinder: [] };
  for (const order of [['redis', 'cinder'], ['cinder', 'redis']] as ServerKind[][]) {
    for (const kind of order) {
      if (sides[kind].status !== 'ok') continue;
      const s = pair.get(kind);
      const load = new BackgroundLoad(s.port, loadArgs);
      const probe = new LatencyProbe(s.port, keys, 1);
      load.start();
      await sleep(200); // let the load reach steady state
      probe.start();
      await sleep(half * 1000);
      const pr = await probe.stop();
      await load.stop();
      probes[kind].push(pr.latencies);
      loads[kind].push(load);
      for (const e of load.errors) log(`  ${label(kind)} background load: ${e}`);
      if (!s.alive) {
        sides[kind].status = 'error';
        sides[kind].detail = `${label(kind)} ${s.exitDescription()}`;
      } else if (pr.errors > 0) {
        sides[kind].status = 'error';
        sides[kind].detail = `probe: ${pr.errors} errors (${pr.firstError})`;
      }
    }
  }
  for (const kind of ['redis', 'cinder'] as const) {
    const side = sides[kind];
    if (side.status !== 'ok') {
      log(`  ${pad(label(kind), 7)} ${side.status}: ${side.detail}`);
      continue;
    }
    const all = new Float64Array(probes[kind].reduce((n, a) => n + a.length, 0));
    let at = 0;
    for (const a of probes[kind]) {
      all.set(a, at);
      at += a.length;
    }
    side.probe = summarizeLatencies(all, 0, null);
    side.load = {};
    const merged = new BackgroundLoad(0, []);
    for (const l of loads[kind]) merged.rows.push(...l.rows);
    for (const [name, v] of merged.summary()) side.load[name] = v;
  }
  log(`${pad('server', 8)} ${lpad('samples', 8)} ${lpad('p50', 8)} ${lpad('p99', 8)} ${lpad('p99.9', 8)} ${lpad('max', 8)} | load: ${pad('SET rps', 9)} ${lpad('p99', 7)} ${lpad('max', 8)} | ${pad('GET rps', 9)} ${lpad('p99', 7)} ${lpad('max', 8)}`);
  for (const kind of ['redis', 'cinder'] as const) {
    const side = sides[kind];
    if (side.status !== 'ok' || !side.probe) continue;
    const p = side.probe;
    const l = (t: string): string => {
      const v = side.load?.[t];
      return v ? `${pad(fmtInt(v.rps), 9)} ${lpad(fmtMs(v.p99), 7)} ${lpad(fmtMs(v.max), 8)}` : pad('-', 26);
    };
    log(`${pad(label(kind), 8)} ${lpad(fmtInt(p.samples), 8)} ${lpad(fmtMs(p.p50), 8)} ${lpad(fmtMs(p.p99), 8)} ${lpad(fmtMs(p.p999), 8)} ${lpad(fmtMs(p.max), 8)} |       ${l('SET')} | ${l('GET')}`);
  }
  const rp = sides.redis.probe?.p999;
  const cp = sides.cinder.probe?.p999;
  const ratio = rp !== undefined && cp !== undefined && rp > 0 ? cp / rp : null;
  const verdict = verdictAtMost(ratio, TARGETS.p999);
  log(`Cinder/Redis p99.9: ${fmtRatio(ratio)}  target <=${TARGETS.p999.toFixed(2)}x  ${verdict}`);
  return { keys, seconds, loadArgs, redis: sides.redis, cinder: sides.cinder, ratio, target: TARGETS.p999, verdict };
}

// ---------------------------------------------------------------------------------------------
// Main

function tryExec(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function printSummary(res: Results): void {
  log();
  log('='.repeat(100));
  log(`Summary (${res.meta.pin ? 'pinned: each server on CPU 1, the load generators on CPU 0' : 'not pinned'})`);
  if (res.throughput.length > 0) {
    log();
    for (const h of throughputHeader()) log(h);
    for (const r of res.throughput) log(throughputLine(r));
  }
  log();
  log('Targets (Cinder relative to Redis; a benchmark, never a test failure)');
  // One line per pipeline depth and category, so commands still being written (collections) do not
  // hide how the string tests do.
  const group = (pipeline1: boolean, category: string): void => {
    const rs = res.throughput.filter((r) => (r.pipeline >= 16) !== pipeline1 && r.category === category);
    if (rs.length === 0) return;
    const measured = rs.filter((r) => r.ratio !== null);
    const target = rs[0].target;
    const misses = measured.filter((r) => r.verdict === 'MISS');
    const worst = measured.reduce<ThroughputResult | null>((a, b) => (a === null || b.ratio! < a.ratio! ? b : a), null);
    const verdict = measured.length === 0 ? 'n/a' : misses.length === 0 && measured.length === rs.length ? 'PASS' : 'MISS';
    const notMeasured = rs.length - measured.length;
    log(
      `  ${pad(`pipeline ${pipeline1 ? 1 : 16} ${category} >= ${target.toFixed(2)}x`, 34)} ${pad(verdict, 5)}` +
        ` ${measured.length - misses.length}/${rs.length} tests pass` +
        (worst ? `; worst ${worst.name} ${fmtRatio(worst.ratio)}` : '') +
        (notMeasured ? `; ${notMeasured} not measured (unsupported or error)` : ''),
    );
  };
  for (const category of new Set(res.throughput.map((r) => r.category))) {
    group(true, category);
    group(false, category);
  }
  if (res.memory) {
    const m = res.memory;
    log(
      `  ${pad(`bytes per key <= ${TARGETS.bytesPerKey.toFixed(2)}x`, 34)} ${pad(m.verdict, 5)}` +
        ` ${fmtRatio(m.ratio)} (Redis ${m.redis.bytesPerKey?.toFixed(1) ?? '-'}, Cinder ${m.cinder.bytesPerKey?.toFixed(1) ?? '-'} bytes/key, ${fmtInt(m.keys)} keys)`,
    );
  }
  if (res.latency) {
    const l = res.latency;
    log(
      `  ${pad(`p99.9 latency <= ${TARGETS.p999.toFixed(2)}x`, 34)} ${pad(l.verdict, 5)}` +
        ` ${fmtRatio(l.ratio)} (Redis ${fmtMs(l.redis.probe?.p999)} ms, Cinder ${fmtMs(l.cinder.probe?.p999)} ms, ${fmtInt(l.keys)} keys)`,
    );
  }
  for (const m of res.collectionMemory) {
    const side = (s: CollectionMemorySide): string => (s.status === 'ok' ? s.bytesPerUnit!.toFixed(1) : s.status);
    log(
      `  ${pad(`${m.name} <= ${TARGETS.bytesPerKey.toFixed(2)}x`, 34)} ${pad(m.verdict, 5)}` +
        ` ${fmtRatio(m.ratio)} (Redis ${side(m.redis)}, Cinder ${side(m.cinder)} bytes/${m.unit}, ${fmtInt(m.units)} ${m.unitPlural})`,
    );
  }
  if (res.startup) for (const l of startupSummary(res.startup)) log(l);
  if (res.eviction) for (const l of evictionSummary(res.eviction)) log(l);
  if (res.persistence) for (const l of persistenceSummary(res.persistence)) log(l);
  if (res.aof) for (const l of aofSummary(res.aof)) log(l);
  if (res.replication) for (const l of replicationSummary(res.replication)) log(l);
}

async function main(): Promise<number> {
  let opts: Options;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  const selected = selector(opts.only);
  if (opts.list) {
    for (const t of THROUGHPUT_TESTS) {
      log(t.tool ? `${pad(t.name, 20)} ${t.args.join(' ')} --requests ${t.requests}` : `${pad(t.name, 20)} redis-benchmark ${t.args.join(' ')} -n ${t.requests}`);
    }
    for (const [g, names] of Object.entries(GROUPS)) log(`${pad(g, 20)} group: ${names.length} tests`);
    for (const p of PHASES) {
      const probe = COLLECTION_MEMORY.find((c) => c.name === p);
      log(probe ? `${pad(p, 20)} ${probe.what}` : p);
    }
    for (const name of EVICTION_QUALITY_TESTS) {
      const trace = EVICTION_TRACES.find((t) => name.startsWith(`evict-${t.name}-`))!;
      const policy = EVICTION_POLICIES.find((p) => name === `evict-${trace.name}-${p}`)!;
      log(`${pad(name, 32)} eviction hit ratio: ${trace.what}, ${policy}`);
    }
    for (const name of EVICTION_SET_TESTS) log(`${pad(name, 32)} eviction: SET of new keys at the limit (allkeys-lru), redis-benchmark -P ${name.slice('evict-set-p'.length)}`);
    return 0;
  }
  const tests = THROUGHPUT_TESTS.filter((t) => selected(t.name));
  const phases = new Set(PHASES.filter((p) => selected(p)));
  const eviction = hasEvictionTests(selected);
  const persistence = hasPersistenceTests(selected);
  const aof = hasAofTests(selected);
  const replication = hasReplicationTests(selected);
  if (tests.length === 0 && phases.size === 0 && !eviction && !persistence && !aof && !replication) {
    process.stderr.write(`--only ${opts.only} matches nothing (see --list)\n`);
    return 2;
  }
  const redisVersion = tryExec('redis-server', ['--version']);
  const benchVersion = tryExec('redis-benchmark', ['--version']);
  if (!redisVersion || !benchVersion) {
    process.stderr.write('redis-server and redis-benchmark must be on PATH (apt-get install -y redis-server redis-tools)\n');
    return 1;
  }
  if (opts.pin) {
    try {
      pinCpus({ server: 1, client: 0 });
    } catch (e) {
      process.stderr.write(`--pin: ${(e as Error).message}\n`);
      return 1;
    }
  }
  const keyScale = Math.min(1, opts.scale);
  const memoryKeys = scaled(MEMORY_KEYS, keyScale, 10_000);
  const latencyKeys = scaled(LATENCY_KEYS, keyScale, 10_000);
  const latencySeconds = Math.max(2, Math.round(LATENCY_SECONDS * opts.scale));
  const cpus = os.cpus();
  const res: Results = {
    meta: {
      date: new Date().toISOString(),
      node: process.version,
      redisServer: redisVersion,
      redisBenchmark: benchVersion,
      commit: tryExec('git', ['rev-parse', '--short', 'HEAD']),
      cpus: cpus.length,
      cpuModel: cpus[0]?.model ?? null,
      load: os.loadavg(),
      scale: opts.scale,
      rounds: opts.rounds,
      only: opts.only ?? null,
      cinderNodeArgs: opts.cinderNodeArgs,
      pin: opts.pin ? { server: 1, client: 0 } : null,
      portRange: PORT_RANGE,
    },
    throughput: [],
    memory: null,
    latency: null,
    collectionMemory: [],
    eviction: null,
  };
  log(`Cinder benchmark: ${redisVersion.split(' ').slice(0, 3).join(' ')}, node ${process.version}, ${cpus.length} CPUs, load avg ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  log(`scale ${opts.scale}, rounds ${opts.rounds}${opts.only ? `, only ${opts.only}` : ''}${opts.cinderNodeArgs.length ? `, cinder node args ${opts.cinderNodeArgs.join(' ')}` : ''}`);
  log(
    opts.pin
      ? 'pinned (--pin): each server on CPU 1 (taskset -c 1), redis-benchmark, the load tools and this harness on CPU 0'
      : 'not pinned (the default; --pin puts each server on CPU 1 and the load generators on CPU 0)',
  );
  log();

  if (tests.length > 0) {
    const pair = await Pair.start(opts.cinderNodeArgs);
    log(`servers: Redis pid ${pair.redis.pid} port ${pair.redis.port}, Cinder pid ${pair.cinder.pid} port ${pair.cinder.port}`);
    try {
      res.throughput = await runThroughput(pair, tests, opts);
    } finally {
      await pair.stop();
    }
    log();
  }

  if (phases.has('memory') || phases.has('latency')) {
    // Fresh servers: RSS baselines and key counts must not include the throughput tests' data.
    const pair = await Pair.start(opts.cinderNodeArgs);
    log(`fresh servers: Redis pid ${pair.redis.pid} port ${pair.redis.port}, Cinder pid ${pair.cinder.pid} port ${pair.cinder.port}`);
    try {
      let loaded = 0;
      if (phases.has('memory')) {
        res.memory = await runMemory(pair, memoryKeys);
        loaded = memoryKeys;
        log();
      }
      if (phases.has('latency')) {
        res.latency = await runLatency(pair, loaded, latencyKeys, latencySeconds);
        log();
      }
    } finally {
      await pair.stop();
    }
  }

  if (phases.has('startup')) {
    res.startup = await runStartup({ starts: opts.starts, cinderNodeArgs: opts.cinderNodeArgs, log });
    log();
  }

  const collectionProbes = COLLECTION_MEMORY.filter((p) => phases.has(p.name));
  if (collectionProbes.length > 0) {
    res.collectionMemory = await runCollectionMemory(collectionProbes, keyScale, opts.cinderNodeArgs);
    log();
  }

  if (eviction) {
    res.eviction = await runEviction({ scale: opts.scale, rounds: opts.rounds, cinderExtraNodeArgs: opts.cinderExtraNodeArgs, selected, log });
    log();
  }

  if (persistence) {
    res.persistence = await runPersistence({ scale: opts.scale, cinderNodeArgs: opts.cinderNodeArgs, log });
    log();
  }

  if (aof) {
    res.aof = await runAof({ scale: opts.scale, rounds: opts.rounds, cinderNodeArgs: opts.cinderNodeArgs, selected, log });
    log();
  }

  if (replication) {
    res.replication = await runReplication({ scale: opts.scale, cinderNodeArgs: opts.cinderNodeArgs, selected, log });
    log();
  }

  printSummary(res);
  if (opts.json) {
    writeFileSync(opts.json, JSON.stringify(res, null, 2) + '\n');
    log(`\nresults written to ${opts.json}`);
  }
  return 0;
}

process.on('exit', killAllNow);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    process.stderr.write(`\n${sig}: stopping servers\n`);
    killAllNow();
    process.exit(130);
  });
}
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') {
    killAllNow();
    process.exit(0);
  }
});

main().then(
  (code) => {
    killAllNow();
    process.exit(code);
  },
  (e: unknown) => {
    killAllNow();
    process.stderr.write(`bench harness failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
