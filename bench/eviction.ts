/**
 * The eviction group of `npm run bench` (docs/BENCHMARKS.md, "Eviction"): for every trace and
 * policy, the same cache-aside trace replayed against a fresh Redis and a fresh Cinder with the same
 * maxmemory (bench/eviction-quality.ts), each server's hit ratio next to an exact LRU's computed
 * offline with the keys that server held (bench/eviction-trace.ts), used_memory's peak and RSS at
 * the limit; then SET throughput of new keys on full servers (allkeys-lru, redis-benchmark).
 */
import { serverNodeFlags } from '../src/server/heap.js';
import { runRedisBenchmark } from './redis-benchmark.js';
import { buildTrace, simulateLru, traceIdSpace, type TraceSpec } from './eviction-trace.js';
import { runEvictionTool, type EvictionToolOptions, type EvictionToolResult } from './eviction-quality.js';
import { infoNumber, loadCommands, oneShot } from './resp-client.js';
import { BenchServer, rssBytes, type ServerKind } from './servers.js';
import {
  EVICTION,
  EVICTION_POLICIES,
  EVICTION_SET_PIPELINES,
  EVICTION_TARGETS,
  EVICTION_TRACES,
  evictionQualityName,
  REDIS_POLICIES,
  type EvictionTrace,
} from './tests.js';

export type Verdict = 'PASS' | 'MISS' | 'n/a';

export interface EvictionOptions {
  scale: number;
  rounds: number;
  /** CINDER_NODE_ARGS: node flags for Cinder after serverNodeFlags(maxmemory). */
  cinderExtraNodeArgs: string[];
  selected: (name: string) => boolean;
  log: (line?: string) => void;
}

/** The group's setting after scaling (what every test of one run shares). */
export interface EvictionSetting {
  /** maxmemory of the hit-ratio tests. */
  maxmemory: number;
  /** maxmemory of the SET-while-evicting servers (where RSS at the limit is judged). */
  setMaxmemory: number;
  /** Value size of the SET phase and of the traces without their own. */
  valueSize: number;
  /** Values are this many times larger than at scale 1 (1 / scale below scale 1). */
  valueScale: number;
  keys: number;
  rate: number;
  batch: number;
  seed: number;
}

export interface EvictionSide {
  status: 'ok' | 'unsupported' | 'error';
  detail?: string;
  tool?: EvictionToolResult;
  hitRatio?: number;
  /** Hits among the Zipf operations only (differs from hitRatio on the scan trace). */
  zipfHitRatio?: number;
  /** Mean DBSIZE during the measured part: the keys the server held at the limit. */
  keysHeld?: number;
  /** Hit ratio of an exact LRU holding keysHeld keys, on the same trace. */
  exactLru?: number;
  evictedKeys?: number | null;
  usedMemoryPeak?: number | null;
  /** RSS right after the trace (server full). */
  rss?: number;
}

export interface EvictionQualityResult {
  name: string;
  trace: string;
  policy: string;
  spec: TraceSpec;
  /** Hit ratio points Cinder may fall short of the reference by (the trace's noise). */
  noise: number;
  redis: EvictionSide;
  cinder: EvictionSide;
  /** What Cinder's hit ratio is compared with: Redis's same policy, or for a policy Redis lacks, Redis's best / allkeys-lfu. */
  reference: string;
  referenceHitRatio: number | null;
  /** The reference is Redis's best policy, which Cinder must beat outright (a scan trace, a policy Redis lacks). */
  strictlyAbove: boolean;
  /** Cinder hit ratio / reference hit ratio. */
  hitRatio: number | null;
  hitVerdict: Verdict;
  hitNote?: string;
  memoryVerdict: Verdict;
  /** Cinder RSS / Redis RSS after the trace (for information: the target is judged in the SET phase, at a larger maxmemory). */
  rssRatio: number | null;
}

export interface SetSide {
  status: 'ok' | 'unsupported' | 'error';
  detail?: string;
  runs: { rps: number; p50: number; p99: number }[];
  best?: { rps: number; p50: number; p99: number };
  errors: string[];
}

export interface EvictionSetResult {
  name: string;
  pipeline: number;
  args: string[];
  requests: number;
  redis: SetSide;
  cinder: SetSide;
  ratio: number | null;
  target: number;
  verdict: Verdict;
}

/** The state of one server of the SET-while-evicting phase after its runs. */
export interface SetPhaseServer {
  status: 'ok' | 'error';
  detail?: string;
  /** Keys loaded before the runs, and what the server then held. */
  filled?: number;
  dbsizeAfterFill?: number | null;
  evictedAfterFill?: number | null;
  dbsize?: number | null;
  evictedKeys?: number | null;
  usedMemoryPeak?: number | null;
  rss?: number;
}

export interface EvictionResults {
  setting: EvictionSetting;
  quality: EvictionQualityResult[];
  set: EvictionSetResult[];
  setPhase: { redis: SetPhaseServer; cinder: SetPhaseServer; rssRatio: number | null; rssVerdict: Verdict; memoryVerdict: Verdict } | null;
}

// ---------------------------------------------------------------------------------------------
// Setting and traces

/**
 * Scale < 1 shrinks the keyspace and the traces and makes values larger by the same factor, so
 * maxmemory (and with it every server's fixed memory) stays put and the cache still holds about the
 * same share of the keyspace; scale > 1 lengthens the measured part of the traces.
 */
export function evictionSetting(scale: number): EvictionSetting {
  const keyScale = Math.min(1, scale);
  return {
    maxmemory: EVICTION.maxmemory,
    setMaxmemory: EVICTION.setMaxmemory,
    valueSize: Math.round(EVICTION.valueSize / keyScale),
    valueScale: 1 / keyScale,
    keys: Math.max(1000, Math.round(EVICTION.keys * keyScale)),
    rate: EVICTION.rate,
    batch: EVICTION.batch,
    seed: EVICTION.seed,
  };
}

/**
 * A trace's spec: the Zipf traces warm up for 2/3 of the keyspace in operations and count as many
 * again (times the scale above 1); the scan trace warms up for one cycle (Zipf part and scan) and
 * counts two (times the scale above 1), so the counted part always holds whole cycles.
 */
export function traceSpec(t: EvictionTrace, setting: EvictionSetting, scale: number): TraceSpec {
  const longer = Math.max(1, scale);
  const k = setting.keys;
  if (!t.scan) {
    const warmup = Math.round((2 * k) / 3);
    return { keys: k, skew: t.skew, ops: warmup + Math.round(warmup * longer), warmup, seed: setting.seed };
  }
  const every = Math.round(k * t.scan.every);
  const length = Math.round(k * t.scan.length);
  const cycle = every + length;
  return { keys: k, skew: t.skew, ops: cycle + Math.round(2 * longer) * cycle, warmup: cycle, seed: setting.seed, scan: { every, length } };
}

/** A trace's value size after scaling. */
export function traceValueSize(t: EvictionTrace, setting: EvictionSetting): number {
  return t.valueSize === undefined ? setting.valueSize : Math.round(t.valueSize * setting.valueScale);
}

/** Exact-LRU hit ratios of one trace, memoized per capacity. */
class ExactLru {
  private trace: Int32Array | null = null;
  private readonly byCapacity = new Map<number, number>();

  constructor(
    private readonly spec: TraceSpec,
    private readonly batch: number,
  ) {}

  hitRatio(capacity: number): number {
    let r = this.byCapacity.get(capacity);
    if (r === undefined) {
      this.trace ??= buildTrace(this.spec);
      const sim = simulateLru(this.trace, traceIdSpace(this.spec), capacity, this.batch, this.spec.warmup);
      r = sim.ops === 0 ? 0 : sim.hits / sim.ops;
      this.byCapacity.set(capacity, r);
    }
    return r;
  }
}

// ---------------------------------------------------------------------------------------------
// Formatting

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
const fmtPct = (r: number | undefined | null): string => (r === undefined || r === null ? '-' : (r * 100).toFixed(2) + '%');
const fmtRatio = (r: number | null): string => (r === null ? '-' : r.toFixed(3) + 'x');
const fmtMB = (b: number | undefined | null): string => (b === undefined || b === null ? '-' : (b / 1048576).toFixed(1) + ' MB');
const pad = (s: string, n: number): string => s.padEnd(n);
const lpad = (s: string, n: number): string => s.padStart(n);
const label = (k: ServerKind): string => (k === 'redis' ? 'Redis' : 'Cinder');

/** used_memory_peak above maxmemory, as "+12.3 KB" / "+0" / "-". */
function fmtExcess(peak: number | null | undefined, maxmemory: number): string {
  if (peak === null || peak === undefined) return '-';
  const over = peak - maxmemory;
  if (over <= 0) return `${fmtMB(peak)} (under)`;
  return `${fmtMB(peak)} (+${over >= 1048576 ? fmtMB(over) : (over / 1024).toFixed(1) + ' KB'})`;
}

function excess(peak: number | null | undefined, maxmemory: number): number | null {
  return peak === null || peak === undefined ? null : Math.max(0, peak - maxmemory);
}

// ---------------------------------------------------------------------------------------------
// Servers

async function startServer(kind: ServerKind, maxmemory: number, policy: string, extra: string[]): Promise<{ server: BenchServer | null; error: string | null; unsupported: boolean }> {
  // Cinder gets the executable's own node flags for this maxmemory on the command line, so it does
  // not relaunch itself (and the process measured is the server); then CINDER_NODE_ARGS.
  const nodeArgs = kind === 'cinder' ? [...serverNodeFlags(maxmemory), ...extra] : [];
  try {
    const server = await BenchServer.start(kind, nodeArgs, ['--maxmemory', String(maxmemory), '--maxmemory-policy', policy]);
    return { server, error: null, unsupported: false };
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    // A server that rejects the policy value says so at startup (Redis: "argument(s) must be one of").
    const unsupported = /maxmemory-policy|must be one of/i.test(text);
    const last = text.trim().split('\n').filter((l) => l.trim()).slice(-1)[0] ?? text;
    return { server: null, error: last.slice(0, 200), unsupported };
  }
}

async function infoInt(port: number, section: string, name: string): Promise<number | null> {
  try {
    return await infoNumber(port, section, name);
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Hit ratio tests

async function measureQuality(kind: ServerKind, setting: EvictionSetting, spec: TraceSpec, valueSize: number, policy: string, extra: string[]): Promise<EvictionSide> {
  const started = await startServer(kind, setting.maxmemory, policy, extra);
  if (!started.server) return { status: started.unsupported ? 'unsupported' : 'error', detail: started.error ?? 'did not start' };
  const server = started.server;
  try {
    const tool: EvictionToolOptions = {
      port: server.port,
      trace: spec,
      valueSize,
      ttlMs: policy.startsWith('volatile-') ? EVICTION.ttlMs : 0,
      batch: setting.batch,
      rate: setting.rate,
      sampleEvery: 20,
    };
    // Generous: four times the paced duration, or a server at 5,000 operations/s.
    const timeoutMs = 60_000 + (setting.rate > 0 ? (4 * spec.ops * 1000) / setting.rate : spec.ops / 5);
    const run = await runEvictionTool(tool, timeoutMs);
    if (!server.alive) return { status: 'error', detail: `${label(kind)} ${server.exitDescription()}: ${server.output().trim().split('\n').slice(-2).join(' | ')}` };
    if (!run.result) return { status: 'error', detail: run.error ?? 'no result' };
    const r = run.result;
    const side: EvictionSide = {
      status: r.errors > 0 ? 'error' : 'ok',
      tool: r,
      hitRatio: r.ops ? r.hits / r.ops : 0,
      zipfHitRatio: r.zipfOps ? r.zipfHits / r.zipfOps : 0,
      keysHeld: r.dbsizeMean === null ? undefined : Math.round(r.dbsizeMean),
      evictedKeys: await infoInt(server.port, 'stats', 'evicted_keys'),
      usedMemoryPeak: await infoInt(server.port, 'memory', 'used_memory_peak'),
      rss: rssBytes(server.pid),
    };
    if (r.errors > 0) side.detail = `${r.errors} error replies (${r.firstError})`;
    return side;
  } finally {
    await server.stop();
  }
}

/** Whether a server kept to maxmemory by evicting at all (Cinder before its eviction engine does not). */
function evicted(s: EvictionSide): boolean {
  return (s.evictedKeys ?? 0) > 0;
}

function judgeQuality(
  r: Omit<EvictionQualityResult, 'reference' | 'referenceHitRatio' | 'strictlyAbove' | 'hitRatio' | 'hitVerdict' | 'memoryVerdict' | 'rssRatio'>,
  earlier: EvictionQualityResult[],
  maxmemory: number,
): EvictionQualityResult {
  const redisPolicy = REDIS_POLICIES.includes(r.policy);
  let reference: string;
  let ref: number | null = null;
  let strictlyAbove = false;
  if (redisPolicy) {
    reference = `Redis ${r.policy}`;
    ref = r.redis.status === 'ok' ? r.redis.hitRatio! : null;
  } else if (r.spec.scan) {
    // The issue's target for a policy of Cinder's own: above every Redis policy on the scan trace...
    reference = 'best Redis policy';
    strictlyAbove = true;
    const same = earlier.filter((e) => e.trace === r.trace && e.redis.status === 'ok');
    if (same.length > 0) {
      const best = same.reduce((a, b) => (b.redis.hitRatio! > a.redis.hitRatio! ? b : a));
      reference = `Redis ${best.policy} (best Redis policy)`;
      ref = best.redis.hitRatio!;
    }
  } else {
    // ...and no worse than allkeys-lfu on the plain Zipf traces.
    reference = 'Redis allkeys-lfu';
    const lfu = earlier.find((e) => e.trace === r.trace && e.policy === 'allkeys-lfu' && e.redis.status === 'ok');
    ref = lfu ? lfu.redis.hitRatio! : null;
  }
  let hitVerdict: Verdict = 'n/a';
  let hitNote: string | undefined;
  const c = r.cinder;
  if (c.status === 'ok' && ref !== null) {
    if (redisPolicy && !evicted(r.redis)) hitNote = 'Redis evicted nothing: the trace never filled maxmemory';
    else if (!evicted(c)) {
      hitVerdict = 'MISS';
      hitNote = 'Cinder evicted nothing: maxmemory not enforced, its hit ratio is not comparable';
    } else if (strictlyAbove) hitVerdict = c.hitRatio! > ref ? 'PASS' : 'MISS';
    else hitVerdict = c.hitRatio! >= ref - r.noise / 100 ? 'PASS' : 'MISS';
  }
  const hitRatio = c.status === 'ok' && ref !== null && ref > 0 ? c.hitRatio! / ref : null;
  // used_memory may pass maxmemory by no more than Redis's own peak passed it in the same test.
  const ex = { redis: excess(r.redis.usedMemoryPeak, maxmemory), cinder: excess(c.usedMemoryPeak, maxmemory) };
  const memoryVerdict: Verdict = ex.redis === null || ex.cinder === null || c.status !== 'ok' ? 'n/a' : ex.cinder <= ex.redis ? 'PASS' : 'MISS';
  const rssRatio = r.redis.rss && c.rss && c.status === 'ok' ? c.rss / r.redis.rss : null;
  return { ...r, reference, referenceHitRatio: ref, strictlyAbove, hitRatio, hitVerdict, hitNote, memoryVerdict, rssRatio };
}

function qualityHeader(): string {
  return `  ${pad('server', 7)} ${lpad('hit', 8)} ${lpad('keys held', 10)} ${lpad('exact LRU', 10)} ${lpad('evicted', 10)} ${lpad('used_memory_peak', 26)} ${lpad('RSS', 9)} ${lpad('ops/s', 8)}`;
}

function qualityLine(kind: ServerKind, s: EvictionSide, maxmemory: number): string {
  if (!s.tool) return `  ${pad(label(kind), 7)} ${s.status}${s.detail ? ': ' + s.detail : ''}`;
  const line =
    `  ${pad(label(kind), 7)} ${lpad(fmtPct(s.hitRatio), 8)} ${lpad(s.keysHeld === undefined ? '-' : fmtInt(s.keysHeld), 10)} ${lpad(fmtPct(s.exactLru), 10)}` +
    ` ${lpad(s.evictedKeys === null || s.evictedKeys === undefined ? '-' : fmtInt(s.evictedKeys), 10)} ${lpad(fmtExcess(s.usedMemoryPeak, maxmemory), 26)} ${lpad(fmtMB(s.rss), 9)} ${lpad(fmtInt(s.tool.opsPerSecond), 8)}`;
  return s.status === 'ok' ? line : `${line}  ${s.status}: ${s.detail}`;
}

async function runQuality(setting: EvictionSetting, o: EvictionOptions): Promise<EvictionQualityResult[]> {
  const { log } = o;
  const results: EvictionQualityResult[] = [];
  let index = 0;
  for (const t of EVICTION_TRACES) {
    const policies = EVICTION_POLICIES.filter((p) => o.selected(evictionQualityName(t.name, p)));
    if (policies.length === 0) continue;
    const spec = traceSpec(t, setting, o.scale);
    const lru = new ExactLru(spec, setting.batch);
    const valueSize = traceValueSize(t, setting);
    log(`Trace ${t.name}: ${t.what}; ${fmtInt(valueSize)}-byte values, ${fmtInt(spec.ops)} operations, the first ${fmtInt(spec.warmup)} not counted` + (spec.scan ? ` (scans of ${fmtInt(spec.scan.length)} keys every ${fmtInt(spec.scan.every)} Zipf reads)` : ''));
    for (const policy of policies) {
      const name = evictionQualityName(t.name, policy);
      const sides = {} as Record<ServerKind, EvictionSide>;
      const redisKnows = REDIS_POLICIES.includes(policy);
      // Alternate which server goes first, so drifting machine load does not always favour one.
      const order: ServerKind[] = index++ % 2 === 0 ? ['redis', 'cinder'] : ['cinder', 'redis'];
      for (const kind of order) {
        if (kind === 'redis' && !redisKnows) {
          sides.redis = { status: 'unsupported', detail: `Redis has no ${policy}` };
          continue;
        }
        sides[kind] = await measureQuality(kind, setting, spec, valueSize, policy, o.cinderExtraNodeArgs);
      }
      for (const kind of ['redis', 'cinder'] as const) {
        const s = sides[kind];
        if (s.tool && s.keysHeld !== undefined) s.exactLru = lru.hitRatio(s.keysHeld);
      }
      const r = judgeQuality({ name, trace: t.name, policy, spec, noise: t.noise, redis: sides.redis, cinder: sides.cinder }, results, setting.maxmemory);
      results.push(r);
      log(`${name}:`);
      log(qualityHeader());
      log(qualityLine('redis', r.redis, setting.maxmemory));
      log(qualityLine('cinder', r.cinder, setting.maxmemory));
      log(
        `  hit ratio Cinder/${r.reference}: ${fmtRatio(r.hitRatio)} (${r.strictlyAbove ? 'PASS when above it' : `PASS when at most ${r.noise} points below`}) ${r.hitVerdict}${r.hitNote ? ` (${r.hitNote})` : ''};` +
          ` used_memory peak over maxmemory <= Redis's: ${r.memoryVerdict}; RSS Cinder/Redis ${fmtRatio(r.rssRatio)}`,
      );
    }
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// SET throughput while evicting

function setArgs(setting: EvictionSetting, pipeline: number, requests: number): string[] {
  return ['-n', String(requests), '-t', 'set', '-c', '50', '-P', String(pipeline), '-d', String(setting.valueSize), '-r', String(EVICTION.setKeyRange)];
}

/** Loads new keys until the server has evicted (1.25x what maxmemory holds in values). */
async function fill(server: BenchServer, setting: EvictionSetting): Promise<SetPhaseServer> {
  const count = Math.ceil((1.25 * setting.setMaxmemory) / setting.valueSize);
  const value = 'f'.repeat(setting.valueSize);
  const load = await loadCommands(server.port, count, (i) => ['SET', 'fill:' + i, value], 1000);
  if (load.errors > 0) return { status: 'error', detail: `filling: ${load.errors} error replies (${load.firstError})`, filled: count };
  const db = await oneShot(server.port, ['DBSIZE']);
  return {
    status: 'ok',
    filled: count,
    dbsizeAfterFill: typeof db === 'number' ? db : null,
    evictedAfterFill: await infoInt(server.port, 'stats', 'evicted_keys'),
  };
}

async function runSetPhase(setting: EvictionSetting, o: EvictionOptions): Promise<{ set: EvictionSetResult[]; phase: EvictionResults['setPhase'] }> {
  const { log } = o;
  const pipelines = EVICTION_SET_PIPELINES.filter((p) => o.selected(`evict-set-p${p}`));
  const servers = {} as Record<ServerKind, BenchServer | null>;
  const phase = {} as Record<ServerKind, SetPhaseServer>;
  try {
    for (const kind of ['redis', 'cinder'] as const) {
      const s = await startServer(kind, setting.setMaxmemory, 'allkeys-lru', o.cinderExtraNodeArgs);
      servers[kind] = s.server;
      phase[kind] = s.server ? await fill(s.server, setting) : { status: 'error', detail: s.error ?? 'did not start' };
    }
    log(`SET of new keys while evicting: maxmemory ${fmtMB(setting.setMaxmemory)}, allkeys-lru, fresh servers first filled with ${fmtInt(phase.redis.filled ?? 0)} keys of ${fmtInt(setting.valueSize)} bytes;`);
    log(`  redis-benchmark -t set -c 50 -d ${setting.valueSize} -r ${fmtInt(EVICTION.setKeyRange)}, best of ${o.rounds} run(s) per server`);
    for (const kind of ['redis', 'cinder'] as const) {
      const p = phase[kind];
      log(`  ${pad(label(kind), 7)} after filling: ${p.status === 'ok' ? `DBSIZE ${p.dbsizeAfterFill === null || p.dbsizeAfterFill === undefined ? '-' : fmtInt(p.dbsizeAfterFill)}, evicted_keys ${p.evictedAfterFill ?? '-'}${(p.evictedAfterFill ?? 0) === 0 ? ' (not at the limit: nothing evicted)' : ''}` : `${p.status}: ${p.detail}`}`);
    }
    const results: EvictionSetResult[] = [];
    for (const [pi, pipeline] of pipelines.entries()) {
      const requests = Math.max(1000, Math.round(EVICTION.setRequests[pipeline]! * o.scale));
      const args = setArgs(setting, pipeline, requests);
      const sides: Record<ServerKind, SetSide> = { redis: { status: 'ok', runs: [], errors: [] }, cinder: { status: 'ok', runs: [], errors: [] } };
      for (let round = 0; round < o.rounds; round++) {
        const order: ServerKind[] = (pi + round) % 2 === 0 ? ['redis', 'cinder'] : ['cinder', 'redis'];
        for (const kind of order) {
          const server = servers[kind];
          const side = sides[kind];
          if (!server || phase[kind].status !== 'ok' || side.status !== 'ok') continue;
          const run = await runRedisBenchmark(server.port, args, Math.max(30_000, (requests / 2000) * 1000));
          const row = run.rows[0];
          if (!server.alive) {
            side.status = 'error';
            side.errors.push(`${label(kind)} ${server.exitDescription()}`);
            phase[kind] = { ...phase[kind], status: 'error', detail: `${label(kind)} ${server.exitDescription()}` };
          } else if (run.error || !row) {
            side.errors.push(run.error ?? 'no row');
            log(`  evict-set-p${pipeline}: ${label(kind)} ${run.error ?? 'no row'}`);
          } else side.runs.push({ rps: row.rps, p50: row.p50, p99: row.p99 });
        }
      }
      for (const kind of ['redis', 'cinder'] as const) {
        const side = sides[kind];
        if (side.runs.length > 0) side.best = side.runs.reduce((a, b) => (b.rps > a.rps ? b : a));
        else {
          side.status = 'error';
          side.detail = side.errors[side.errors.length - 1] ?? phase[kind].detail ?? 'not run';
        }
      }
      const ratio = sides.redis.best && sides.cinder.best ? sides.cinder.best.rps / sides.redis.best.rps : null;
      const verdict: Verdict = ratio === null ? 'n/a' : ratio >= EVICTION_TARGETS.setThroughput ? 'PASS' : 'MISS';
      const r: EvictionSetResult = { name: `evict-set-p${pipeline}`, pipeline, args, requests, redis: sides.redis, cinder: sides.cinder, ratio, target: EVICTION_TARGETS.setThroughput, verdict };
      results.push(r);
      const cell = (s: SetSide): string => (s.best ? `${lpad(fmtInt(s.best.rps), 10)} rps p50 ${s.best.p50.toFixed(3)} p99 ${s.best.p99.toFixed(3)} ms` : `${s.status}: ${s.detail}`);
      log(`  ${pad(r.name, 14)} Redis ${cell(r.redis)} | Cinder ${cell(r.cinder)} | ${ratio === null ? '-' : ratio.toFixed(2) + 'x'} (>= ${r.target.toFixed(2)}x) ${verdict}`);
    }
    // At the limit after the runs: RSS, used_memory's peak, what the servers hold.
    for (const kind of ['redis', 'cinder'] as const) {
      const server = servers[kind];
      if (!server || !server.alive) continue;
      const p = phase[kind];
      p.dbsize = ((v) => (typeof v === 'number' ? v : null))(await oneShot(server.port, ['DBSIZE']));
      p.evictedKeys = await infoInt(server.port, 'stats', 'evicted_keys');
      p.usedMemoryPeak = await infoInt(server.port, 'memory', 'used_memory_peak');
      p.rss = rssBytes(server.pid);
      log(`  ${pad(label(kind), 7)} after the runs: DBSIZE ${p.dbsize === null ? '-' : fmtInt(p.dbsize)}, evicted_keys ${p.evictedKeys === null ? '-' : fmtInt(p.evictedKeys)}, used_memory_peak ${fmtExcess(p.usedMemoryPeak, setting.setMaxmemory)}, RSS ${fmtMB(p.rss)}`);
    }
    const rssRatio = phase.redis.rss && phase.cinder.rss ? phase.cinder.rss / phase.redis.rss : null;
    const rssVerdict: Verdict = rssRatio === null ? 'n/a' : rssRatio <= EVICTION_TARGETS.rss ? 'PASS' : 'MISS';
    const ex = { redis: excess(phase.redis.usedMemoryPeak, setting.setMaxmemory), cinder: excess(phase.cinder.usedMemoryPeak, setting.setMaxmemory) };
    const memoryVerdict: Verdict = ex.redis === null || ex.cinder === null ? 'n/a' : ex.cinder <= ex.redis ? 'PASS' : 'MISS';
    log(`  RSS at the limit Cinder/Redis: ${fmtRatio(rssRatio)} (<= ${EVICTION_TARGETS.rss.toFixed(2)}x) ${rssVerdict}; used_memory peak over maxmemory <= Redis's: ${memoryVerdict}`);
    return { set: results, phase: { redis: phase.redis, cinder: phase.cinder, rssRatio, rssVerdict, memoryVerdict } };
  } finally {
    await Promise.all((['redis', 'cinder'] as const).map((k) => servers[k]?.stop()));
  }
}

// ---------------------------------------------------------------------------------------------
// The group

export function hasEvictionTests(selected: (name: string) => boolean): boolean {
  return (
    EVICTION_TRACES.some((t) => EVICTION_POLICIES.some((p) => selected(evictionQualityName(t.name, p)))) ||
    EVICTION_SET_PIPELINES.some((p) => selected(`evict-set-p${p}`))
  );
}

export async function runEviction(o: EvictionOptions): Promise<EvictionResults> {
  const setting = evictionSetting(o.scale);
  const { log } = o;
  const t0 = Date.now();
  const fits = setting.maxmemory / (setting.valueSize + 100);
  log(
    `Eviction: maxmemory ${fmtMB(setting.maxmemory)} on fresh servers per test; ${fmtInt(setting.valueSize)}-byte values unless a trace says; Zipf keyspace ${fmtInt(setting.keys)} keys` +
      ` (${((setting.keys * setting.valueSize) / setting.maxmemory).toFixed(1)}x maxmemory in values, about ${(setting.keys / fits).toFixed(1)}x what fits);`,
  );
  log(
    `  cache-aside on one connection: per batch of ${setting.batch} operations their GETs, then a SET of each miss (volatile-*: SET ... PX ${EVICTION.ttlMs});` +
      ` paced at ${fmtInt(setting.rate)} operations/s for both servers; seed ${setting.seed}`,
  );
  log(`  exact LRU = hit ratio of a perfect LRU holding the server's keys (mean DBSIZE at the limit) on the same trace, computed offline`);
  const quality = await runQuality(setting, o);
  let set: EvictionSetResult[] = [];
  let setPhase: EvictionResults['setPhase'] = null;
  if (EVICTION_SET_PIPELINES.some((p) => o.selected(`evict-set-p${p}`))) {
    const r = await runSetPhase(setting, o);
    set = r.set;
    setPhase = r.phase;
  }
  log(`eviction group: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return { setting, quality, set, setPhase };
}

/**
 * How much better Cinder's policy does than Redis's once capacity is set aside: each server's hit
 * ratio minus its exact LRU's at the keys it held, Cinder's less Redis's, in points (null when a
 * side has no number).
 */
export function policyDelta(r: EvictionQualityResult): number | null {
  const gain = (s: EvictionSide): number | null => (s.status === 'ok' && s.exactLru !== undefined ? (s.hitRatio! - s.exactLru) * 100 : null);
  const c = gain(r.cinder);
  const x = gain(r.redis);
  return c === null || x === null ? null : c - x;
}

/** The summary's eviction lines (targets first, then one line per hit-ratio test). */
export function evictionSummary(res: EvictionResults): string[] {
  const lines: string[] = [];
  const line = (what: string, verdict: Verdict | 'info', rest: string): void => {
    lines.push(`  ${pad(what, 34)} ${pad(verdict, 5)} ${rest}`);
  };
  const q = res.quality;
  if (q.length > 0) {
    const measured = q.filter((r) => r.hitVerdict !== 'n/a');
    const pass = measured.filter((r) => r.hitVerdict === 'PASS').length;
    const worst = measured.filter((r) => r.hitRatio !== null).reduce<EvictionQualityResult | null>((a, b) => (a === null || b.hitRatio! < a.hitRatio! ? b : a), null);
    const notMeasured = q.length - measured.length;
    line(
      `eviction hit ratio >= Redis`,
      measured.length === 0 ? 'n/a' : pass === q.length ? 'PASS' : 'MISS',
      `${pass}/${q.length} tests pass (less each trace's noise: ${EVICTION_TRACES.map((t) => `${t.name} ${t.noise}`).join(', ')} points)` + (worst ? `; worst ${worst.name} ${fmtRatio(worst.hitRatio)}` : '') + (notMeasured ? `; ${notMeasured} not measured` : ''),
    );
    const mem = q.filter((r) => r.memoryVerdict !== 'n/a');
    const memPass = mem.filter((r) => r.memoryVerdict === 'PASS').length;
    // Tests of Cinder's own policy have no Redis peak to compare with (n/a): not counted.
    line(`eviction used_memory peak`, mem.length === 0 ? 'n/a' : memPass === mem.length ? 'PASS' : 'MISS', `${memPass}/${mem.length} hit-ratio tests: Cinder's peak over maxmemory no more than Redis's`);
  }
  if (res.setPhase) {
    const p = res.setPhase;
    line(
      `eviction RSS at the limit <= ${EVICTION_TARGETS.rss.toFixed(2)}x`,
      p.rssVerdict,
      `${fmtRatio(p.rssRatio)} (maxmemory ${fmtMB(res.setting.setMaxmemory)}, after the SET runs: Redis ${fmtMB(p.redis.rss)}, Cinder ${fmtMB(p.cinder.rss)})`,
    );
    line(`evict-set used_memory peak`, p.memoryVerdict, `Cinder's peak over maxmemory no more than Redis's in the SET runs (Redis ${fmtExcess(p.redis.usedMemoryPeak, res.setting.setMaxmemory)}, Cinder ${fmtExcess(p.cinder.usedMemoryPeak, res.setting.setMaxmemory)})`);
  }
  const rss = q.filter((r) => r.rssRatio !== null);
  if (rss.length > 0) {
    // For information: at the hit-ratio tests' smaller maxmemory an empty server's own RSS weighs more.
    const worst = rss.reduce((a, b) => (b.rssRatio! > a.rssRatio! ? b : a));
    line(`  RSS in the hit-ratio tests`, 'info', `worst ${worst.name} ${fmtRatio(worst.rssRatio)} (maxmemory ${fmtMB(res.setting.maxmemory)})`);
  }
  for (const r of res.set) {
    line(`${r.name} (evicting) >= ${r.target.toFixed(2)}x`, r.verdict, r.ratio === null ? `not measured (Redis ${r.redis.status}, Cinder ${r.cinder.status})` : `${r.ratio.toFixed(2)}x (Redis ${fmtInt(r.redis.best!.rps)}, Cinder ${fmtInt(r.cinder.best!.rps)} rps)`);
  }
  if (q.length > 0) {
    lines.push('');
    lines.push(`  ${pad('eviction test', 30)} ${lpad('Redis', 8)} ${lpad('LRU', 8)} ${lpad('keys', 8)} | ${lpad('Cinder', 8)} ${lpad('LRU', 8)} ${lpad('keys', 8)} | ${lpad('policy Δ', 8)} | Cinder/ref`);
    for (const r of q) {
      const cells = (s: EvictionSide): string =>
        s.tool ? `${lpad(fmtPct(s.hitRatio), 8)} ${lpad(fmtPct(s.exactLru), 8)} ${lpad(s.keysHeld === undefined ? '-' : fmtInt(s.keysHeld), 8)}` : pad(` ${s.status}`, 26).slice(0, 26);
      const delta = policyDelta(r);
      lines.push(`  ${pad(r.name, 30)} ${cells(r.redis)} | ${cells(r.cinder)} | ${lpad(delta === null ? '-' : (delta >= 0 ? '+' : '') + delta.toFixed(2), 8)} | ${lpad(fmtRatio(r.hitRatio), 7)} ${r.hitVerdict}`);
    }
    lines.push(`  (LRU: exact LRU holding the server's keys; policy Δ: Cinder's hit ratio above its exact LRU minus Redis's above its own, in points: the policies compared with capacity set aside)`);
  }
  return lines;
}
