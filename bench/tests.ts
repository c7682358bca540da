/**
 * The benchmark's test table. To add a throughput test, append an entry to THROUGHPUT_TESTS: its
 * redis-benchmark arguments (without -h/-p/--csv/-n), its request count at BENCH_SCALE=1 (sized so
 * Cinder needs a few seconds on 2 cores), and probe commands that Cinder must know for the test to
 * run (otherwise the test is reported as "unsupported" for Cinder instead of measuring errors).
 */

import type { LoadToolTest } from './load-tool.js';
import { SCRIPT_BENCHES, sha1 } from './scripting.js';

export interface ThroughputTest {
  /** Unique, lower case; `--only` matches it (exactly or with `*` wildcards). */
  name: string;
  /** 'strings' or 'collections': the summary gives each its own target lines. */
  category: string;
  /** redis-benchmark arguments, without -h, -p, --csv and -n. */
  args: string[];
  /** Requests per run at scale 1 (`-n`). */
  requests: number;
  /** The pipeline depth (-P), which selects the target ratio. */
  pipeline: number;
  /** Commands sent to Cinder once before the test; "unknown command" marks the test unsupported. */
  probe: string[][];
  /** A short remark printed in docs/JSON. */
  note?: string;
  /**
   * The CSV row to report, by redis-benchmark's test name ("LRANGE_100" matches "LRANGE_100 (first
   * 100 elements)"). Needed when the run prints more than one row; default: the first row.
   */
  row?: string;
  /** State to set up before every run (not timed), so both servers start each run alike. */
  reset?: KeyReset;
  /** Commands sent to both servers before every run (not timed), e.g. SCRIPT LOAD. */
  setup?: string[][];
  /** The ratio this test must reach when the issue gives its own (default: TARGETS by pipeline). */
  target?: number;
  /** Connections subscribed to `channel` for the duration of each run (they read and discard). */
  subscribers?: { channel: string; count: number };
  /**
   * Run by our own load tool (bench/load-tool.ts) instead of redis-benchmark, for workloads it
   * cannot express; `args` are then only descriptive. Clients, pipeline and -n are the test's.
   */
  tool?: LoadToolTest;
}

/** The collection types the harness can pre-fill. */
export type FillType = 'list' | 'set' | 'zset';

/**
 * Deletes `key` (the fixed key redis-benchmark's test uses) before each run and optionally loads
 * `fill` elements into it, `'requests'` meaning as many as the run's `-n`: then every pop of the
 * run removes an element instead of measuring replies to an empty key.
 */
export interface KeyReset {
  key: string;
  fill?: { type: FillType; count: 'requests' | number };
}

/** The targets: Cinder relative to Redis. */
export const TARGETS = {
  /** requests/s ratio Cinder/Redis at pipeline 1 */
  pipeline1: 0.8,
  /** requests/s ratio Cinder/Redis at pipeline 16 */
  pipeline16: 0.5,
  /** bytes per key ratio Cinder/Redis (at most) */
  bytesPerKey: 1.5,
  /** p99.9 latency ratio Cinder/Redis with 3M keys (at most) */
  p999: 3,
  /** Start to first PONG of Cinder as users start it, ms (at most; issue 18) */
  startMs: 80,
  /** RSS of an idle Cinder, MB (at most; issue 18) */
  idleRssMB: 35,
} as const;

export const CLIENTS = 50;
export const KEYSPACE = 100_000;
/** Points in the geo search benchmark's set. */
const GEO_POINTS = 10_000;

const PROBE_KEY = '__bench_probe__';

const BASIC: { test: string; probe: string[][]; p1: number; p16: number }[] = [
  { test: 'ping_inline', probe: [['PING']], p1: 100_000, p16: 1_000_000 },
  { test: 'ping_mbulk', probe: [['PING']], p1: 100_000, p16: 1_000_000 },
  { test: 'set', probe: [['SET', PROBE_KEY, 'x']], p1: 100_000, p16: 1_000_000 },
  { test: 'get', probe: [['GET', PROBE_KEY]], p1: 100_000, p16: 1_000_000 },
  { test: 'incr', probe: [['INCR', PROBE_KEY + 'n']], p1: 100_000, p16: 1_000_000 },
  // MSET (10 keys) writes ten keys per request.
  { test: 'mset', probe: [['MSET', PROBE_KEY, 'x']], p1: 50_000, p16: 300_000 },
];

function basic(pipeline: number): ThroughputTest[] {
  return BASIC.map((b) => ({
    name: `${b.test}-p${pipeline}`,
    category: 'strings',
    args: ['-t', b.test, '-c', String(CLIENTS), '-P', String(pipeline), '-r', String(KEYSPACE)],
    requests: pipeline === 1 ? b.p1 : b.p16,
    pipeline,
    probe: b.probe,
  }));
}

function valueSize(label: string, bytes: number, keyspace: number, requests: number): ThroughputTest[] {
  const common = ['-c', String(CLIENTS), '-P', '1', '-d', String(bytes), '-r', String(keyspace)];
  const note = `${bytes}-byte values over ${keyspace} keys (the SET test fills the keys its GET test reads)`;
  return [
    { name: `set-${label}`, category: 'strings', args: ['-t', 'set', ...common], requests, pipeline: 1, probe: [['SET', PROBE_KEY, 'x']], note },
    { name: `get-${label}`, category: 'strings', args: ['-t', 'get', ...common], requests, pipeline: 1, probe: [['GET', PROBE_KEY]], note },
  ];
}

/**
 * redis-benchmark's collection tests. Each uses one fixed key (mylist, myset, myzset, myhash; -r only
 * randomizes the SADD/HSET/ZADD members and ZADD's score). The key is reset before every run; the
 * pop tests get it pre-filled with one element per request. The LRANGE tests make redis-benchmark
 * run "LPUSH (needed to benchmark LRANGE)" (-n elements) first; only the LRANGE row is reported.
 */
const COLLECTION: {
  test: string;
  probe: string[][];
  p1: number;
  p16: number;
  row?: string;
  reset: KeyReset;
  note?: string;
}[] = [
  { test: 'lpush', probe: [['LPUSH', PROBE_KEY + 'l', 'x']], p1: 100_000, p16: 1_000_000, reset: { key: 'mylist' }, note: 'LPUSH mylist xxx onto an empty list' },
  { test: 'rpop', probe: [['RPOP', PROBE_KEY + 'l']], p1: 100_000, p16: 1_000_000, reset: { key: 'mylist', fill: { type: 'list', count: 'requests' } }, note: 'RPOP mylist, pre-filled with -n elements' },
  { test: 'lpop', probe: [['LPOP', PROBE_KEY + 'l']], p1: 100_000, p16: 1_000_000, reset: { key: 'mylist', fill: { type: 'list', count: 'requests' } }, note: 'LPOP mylist, pre-filled with -n elements' },
  { test: 'sadd', probe: [['SADD', PROBE_KEY + 's', 'x']], p1: 100_000, p16: 1_000_000, reset: { key: 'myset' }, note: `SADD myset element:<random of ${KEYSPACE}>` },
  { test: 'spop', probe: [['SPOP', PROBE_KEY + 's']], p1: 100_000, p16: 1_000_000, reset: { key: 'myset', fill: { type: 'set', count: 'requests' } }, note: 'SPOP myset, pre-filled with -n members' },
  { test: 'hset', probe: [['HSET', PROBE_KEY + 'h', 'f', 'v']], p1: 100_000, p16: 1_000_000, reset: { key: 'myhash' }, note: `HSET myhash element:<random of ${KEYSPACE}> xxx` },
  { test: 'zadd', probe: [['ZADD', PROBE_KEY + 'z', '1', 'x']], p1: 100_000, p16: 1_000_000, reset: { key: 'myzset' }, note: `ZADD myzset <random score> element:<random of ${KEYSPACE}>` },
  { test: 'zpopmin', probe: [['ZPOPMIN', PROBE_KEY + 'z']], p1: 100_000, p16: 1_000_000, reset: { key: 'myzset', fill: { type: 'zset', count: 'requests' } }, note: 'ZPOPMIN myzset, pre-filled with -n members' },
  { test: 'lrange_100', row: 'LRANGE_100', probe: [['LPUSH', PROBE_KEY + 'l', 'x'], ['LRANGE', PROBE_KEY + 'l', '0', '99']], p1: 50_000, p16: 200_000, reset: { key: 'mylist' }, note: 'LRANGE mylist 0 99 (redis-benchmark LPUSHes -n elements first)' },
  { test: 'lrange_600', row: 'LRANGE_600', probe: [['LPUSH', PROBE_KEY + 'l', 'x'], ['LRANGE', PROBE_KEY + 'l', '0', '599']], p1: 20_000, p16: 40_000, reset: { key: 'mylist' }, note: 'LRANGE mylist 0 599 (redis-benchmark LPUSHes -n elements first)' },
];

/** Elements per command when pre-filling a key for a pop test. */
export const FILL_PER_COMMAND = 1000;

/**
 * The command that adds elements [from, to) when pre-filling: list elements are redis-benchmark's
 * own 3-byte "xxx"; set and sorted-set members are distinct `element:%012d` (the form SADD/ZADD use
 * with -r), sorted-set scores are the index.
 */
export function fillCommand(type: FillType, key: string, from: number, to: number): string[] {
  const member = (i: number): string => 'element:' + String(i).padStart(12, '0');
  switch (type) {
    case 'list':
      return ['RPUSH', key, ...rangeArgs(from, to, () => ['xxx'])];
    case 'set':
      return ['SADD', key, ...rangeArgs(from, to, (i) => [member(i)])];
    case 'zset':
      return ['ZADD', key, ...rangeArgs(from, to, (i) => [String(i), member(i)])];
  }
}

function collection(pipeline: number): ThroughputTest[] {
  return COLLECTION.map((c) => ({
    name: `${c.test}-p${pipeline}`,
    category: 'collections',
    args: ['-t', c.test, '-c', String(CLIENTS), '-P', String(pipeline), '-r', String(KEYSPACE)],
    requests: pipeline === 1 ? c.p1 : c.p16,
    pipeline,
    probe: c.probe,
    row: c.row,
    reset: c.reset,
    note: c.note,
  }));
}

/**
 * Issue 4's commands through redis-benchmark's custom-command mode (the command after the
 * options, sent as is): XADD with an auto ID onto one stream (reset before each run), and PUBLISH
 * to a channel with 1 and with 100 subscribed connections that read everything they are sent.
 */
function streamsPubsub(pipeline: number): ThroughputTest[] {
  const common = ['-c', String(CLIENTS), '-P', String(pipeline)];
  const requests = pipeline === 1 ? 100_000 : 1_000_000;
  return [
    {
      name: `xadd-p${pipeline}`,
      category: 'streams-pubsub',
      args: [...common, 'XADD', 'bench:stream', '*', 'field', 'value'],
      requests,
      pipeline,
      probe: [['XADD', PROBE_KEY + 'x', '*', 'f', 'v']],
      reset: { key: 'bench:stream' },
      note: 'XADD bench:stream * field value (auto IDs, one stream)',
    },
    ...[1, 100].map((subscribers) => ({
      name: `publish${subscribers}-p${pipeline}`,
      category: 'streams-pubsub',
      args: [...common, 'PUBLISH', 'bench:channel', 'message'],
      // Each message is written to every subscriber: fewer requests with 100 of them.
      requests: subscribers === 1 ? requests : requests / 10,
      pipeline,
      probe: [['PUBLISH', PROBE_KEY, 'x']],
      subscribers: { channel: 'bench:channel', count: subscribers },
      note: `PUBLISH bench:channel message to ${subscribers} subscribed connection(s)`,
    })),
  ];
}

/**
 * Workloads of our own load tool (bench/load-tool.ts), same client count as the redis-benchmark
 * tests: MULTI + 10 SETs + EXEC as one operation, and XREADGROUP COUNT 1 + XACK of the returned ID
 * as one operation (at pipeline 16: 16 XREADGROUPs in one write, then their 16 XACKs in one write).
 */
function loadToolTests(pipeline: number): ThroughputTest[] {
  const describe = (test: LoadToolTest): string[] => ['load-tool', '--test', test, '--clients', String(CLIENTS), '--pipeline', String(pipeline)];
  return [
    {
      name: `multi10-p${pipeline}`,
      category: 'transactions',
      args: [...describe('multi10'), '--keyspace', String(KEYSPACE)],
      requests: pipeline === 1 ? 100_000 : 300_000,
      pipeline,
      probe: [['MULTI'], ['EXEC']],
      tool: 'multi10',
      note: `MULTI, 10x SET key:<random of ${KEYSPACE}> xxx, EXEC = 1 operation`,
    },
    {
      name: `xreadgroup-xack-p${pipeline}`,
      category: 'streams-pubsub',
      args: describe('xreadgroup-xack'),
      requests: pipeline === 1 ? 100_000 : 500_000,
      pipeline,
      probe: [['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', PROBE_KEY + 'x', '>'], ['XACK', PROBE_KEY + 'x', 'g', '0-1']],
      tool: 'xreadgroup-xack',
      note: 'XREADGROUP GROUP g c<i> COUNT 1 STREAMS bench:xstream > then XACK of the returned ID = 1 operation; the stream is pre-filled',
    },
  ];
}

/**
 * Issue 17's bitmap and HyperLogLog commands through redis-benchmark's custom-command mode:
 * SETBIT / GETBIT of one bit in random keys (redis-benchmark writes `__rand_int__` as 12 digits
 * with leading zeros, which no offset argument accepts, so the randomness goes in the key: per-user
 * bitmaps; the GETBIT run reads the keys the SETBIT run wrote), BITCOUNT of a 128 KB bitmap,
 * PFADD of random elements to one HyperLogLog (it turns dense early in the run) and PFCOUNT of a
 * dense one (its cached count: every PFADD of the run is already counted).
 */
function bitsHll(pipeline: number): ThroughputTest[] {
  const common = ['-c', String(CLIENTS), '-P', String(pipeline), '-r', String(KEYSPACE)];
  const requests = pipeline === 1 ? 100_000 : 1_000_000;
  const bitmap: KeyReset = { key: 'bench:bitmap' };
  const hll: KeyReset = { key: 'bench:hll' };
  const fillHll = ['PFADD', 'bench:hll', ...Array.from({ length: 2000 }, (_, i) => `element:${i}`)];
  return [
    {
      name: `setbit-p${pipeline}`,
      category: 'bitmaps-hll',
      args: [...common, 'SETBIT', 'bitmap:__rand_int__', '1000', '1'],
      requests,
      pipeline,
      probe: [['SETBIT', PROBE_KEY + 'b', '1', '1']],
      note: `SETBIT bitmap:<random of ${KEYSPACE}> 1000 1`,
    },
    {
      name: `getbit-p${pipeline}`,
      category: 'bitmaps-hll',
      args: [...common, 'GETBIT', 'bitmap:__rand_int__', '1000'],
      requests,
      pipeline,
      probe: [['GETBIT', PROBE_KEY + 'b', '1']],
      note: `GETBIT bitmap:<random of ${KEYSPACE}> 1000 (the keys the SETBIT run wrote)`,
    },
    {
      name: `bitcount-p${pipeline}`,
      category: 'bitmaps-hll',
      args: [...common, 'BITCOUNT', 'bench:bitmap'],
      requests: requests / 5,
      pipeline,
      probe: [['BITCOUNT', PROBE_KEY + 'b']],
      reset: bitmap,
      setup: [['SETBIT', 'bench:bitmap', String(128 * 1024 * 8 - 1), '1'], ['SETRANGE', 'bench:bitmap', '1000', 'x'.repeat(50_000)]],
      note: 'BITCOUNT bench:bitmap (128 KB)',
    },
    {
      name: `pfadd-p${pipeline}`,
      category: 'bitmaps-hll',
      args: [...common, 'PFADD', 'bench:hll', 'element:__rand_int__'],
      requests,
      pipeline,
      probe: [['PFADD', PROBE_KEY + 'h', 'x']],
      reset: hll,
      note: `PFADD bench:hll element:<random of ${KEYSPACE}>`,
    },
    {
      name: `pfcount-p${pipeline}`,
      category: 'bitmaps-hll',
      args: [...common, 'PFCOUNT', 'bench:hll'],
      requests,
      pipeline,
      probe: [['PFCOUNT', PROBE_KEY + 'h']],
      reset: hll,
      setup: [fillHll],
      note: 'PFCOUNT bench:hll (dense, 2000 elements; the first call computes, the others read the cache)',
    },
  ];
}

export const THROUGHPUT_TESTS: ThroughputTest[] = [
  ...basic(1),
  ...basic(16),
  ...valueSize('1k', 1024, 10_000, 100_000),
  ...valueSize('64k', 65_536, 1_000, 10_000),
  ...collection(1),
  ...collection(16),
  ...streamsPubsub(1),
  ...streamsPubsub(16),
  ...loadToolTests(1),
  ...loadToolTests(16),
  ...scripting(1),
  ...scripting(16),
  ...bitsHll(1),
  ...bitsHll(16),
  ...geo(1),
  ...geo(16),
];

/**
 * GEOADD's arguments for points [from, to) of the geo search set: deterministic pseudo-random
 * points in a 1-degree square around (13, 38), members `m:%012d` (redis-benchmark's __rand_int__).
 */
function geoFill(from: number, to: number): string[] {
  const argv = ['GEOADD', 'bench:geosearch'];
  for (let i = from; i < to; i++) {
    // A fixed LCG so both servers (and every run) get the same points.
    const a = ((i * 1103515245 + 12345) >>> 0) / 4294967296;
    const b = ((i * 2654435761 + 97) >>> 0) / 4294967296;
    argv.push((12.5 + a).toFixed(6), (37.5 + b).toFixed(6), 'm:' + String(i).padStart(12, '0'));
  }
  return argv;
}

/**
 * Issue 17's geo benchmarks (redis-benchmark custom commands): GEOADD of random points into one
 * set (reset before each run), and GEOSEARCH around a random member of a 10,000-point set
 * (about 1 point per km²): 2 km radius, the 10 nearest with distances.
 */
function geo(pipeline: number): ThroughputTest[] {
  const common = ['-c', String(CLIENTS), '-P', String(pipeline)];
  const requests = pipeline === 1 ? 100_000 : 1_000_000;
  const fill: string[][] = [['DEL', 'bench:geosearch'], ...Array.from({ length: GEO_POINTS / 1000 }, (_, k) => geoFill(k * 1000, k * 1000 + 1000))];
  return [
    {
      name: `geoadd-p${pipeline}`,
      category: 'geo',
      args: [...common, '-r', String(KEYSPACE), 'GEOADD', 'bench:geo', '13.__rand_int__', '38.__rand_int__', 'm:__rand_int__'],
      requests,
      pipeline,
      probe: [['GEOADD', PROBE_KEY + 'g', '13', '38', 'x']],
      reset: { key: 'bench:geo' },
      note: `GEOADD bench:geo 13.<random> 38.<random> m:<random of ${KEYSPACE}>`,
    },
    {
      name: `geosearch-p${pipeline}`,
      category: 'geo',
      args: [...common, '-r', String(GEO_POINTS), 'GEOSEARCH', 'bench:geosearch', 'FROMMEMBER', 'm:__rand_int__', 'BYRADIUS', '2', 'km', 'ASC', 'COUNT', '10', 'WITHDIST'],
      requests: pipeline === 1 ? 100_000 : 300_000,
      pipeline,
      probe: [['GEOSEARCH', PROBE_KEY + 'g', 'FROMLONLAT', '13', '38', 'BYRADIUS', '1', 'km']],
      setup: fill,
      note: `GEOSEARCH bench:geosearch FROMMEMBER m:<random of ${GEO_POINTS}> BYRADIUS 2 km ASC COUNT 10 WITHDIST (${GEO_POINTS} points, ~1 per km²)`,
    },
  ];
}

/**
 * Issue 5's EVALSHA benchmarks (bench/scripting.ts): the script is loaded into both servers before
 * each run; target 0.5x Redis (the issue's, for pipeline 1; kept for pipeline 16).
 */
function scripting(pipeline: number): ThroughputTest[] {
  const common = ['-c', String(CLIENTS), '-P', String(pipeline), '-r', String(KEYSPACE)];
  return SCRIPT_BENCHES.map((b) => ({
    name: `${b.name}-p${pipeline}`,
    category: 'scripting',
    args: [...common, 'EVALSHA', sha1(b.script), ...b.args],
    requests: pipeline === 1 ? 50_000 : 200_000,
    pipeline,
    probe: [['SCRIPT', 'LOAD', b.script]],
    setup: [['SCRIPT', 'LOAD', b.script]],
    target: 0.5,
    note: b.note,
  }));
}

/** Operations per connection-run of the unreported warm-up before the first load-tool test. */
export const LOAD_TOOL_WARMUP_REQUESTS = 20_000;

/**
 * Warm-up before the first collection test (not reported): one short run of the selected collection
 * tests that Cinder supports, at pipeline 1, so the first measured run does not time V8 compiling
 * the new handlers. redis-benchmark runs its tests in a fixed order (pushes and adds before pops).
 */
export function collectionWarmupArgs(testNames: string[]): string[] {
  return ['-t', testNames.join(','), '-c', String(CLIENTS), '-P', '1', '-r', String(KEYSPACE), '-n', '10000'];
}

/** The redis-benchmark `-t` name of a test, or null for custom-command tests. */
export function benchmarkTestName(t: ThroughputTest): string | null {
  const i = t.args.indexOf('-t');
  return i >= 0 ? (t.args[i + 1] ?? null) : null;
}

/**
 * Run once per server before the throughput tests and not reported (JIT warm-up for Cinder). The
 * basic tests only: errors from commands Cinder lacks are ignored here.
 */
export const WARMUP_ARGS: string[][] = [1, 16].map((p) => [
  '-t', 'ping_inline,ping_mbulk,set,get,incr,mset',
  '-c', String(CLIENTS), '-P', String(p), '-r', String(KEYSPACE), '-n', String(p === 1 ? 10_000 : 50_000),
]);

/**
 * Memory probes of collections: one probe per data shape, each on freshly started servers. `build`
 * returns the i-th loading command (i in [0, commands)); `check` is the command whose integer reply
 * must equal `elements` after loading; `probe` lists commands the server must know (run in order
 * on an empty server, ending with a DEL so the server is empty again).
 */
export interface CollectionMemoryProbe {
  /** Phase name for --only. */
  name: string;
  /** One line describing the data. */
  what: string;
  /** What one counted unit is ("element", "field", "member", "hash"), and its plural. */
  unit: string;
  units: string;
  /** Units loaded at scale 1. */
  elements: number;
  /** Units per loading command. */
  perCommand: number;
  /** Loading commands per pipelined batch (two batches in flight). */
  batch: number;
  /** The loading command for units [from, to). */
  build: (from: number, to: number) => string[];
  /** A command whose integer reply is the number of units loaded. */
  check: string[];
  probe: string[][];
}

/** Element i of the collection probes: 16 bytes, not an integer (no intset, no integer encoding). */
export function element(prefix: string, i: number): string {
  return prefix + String(i).padStart(16 - prefix.length, '0');
}

/** Units per loading command for the single-key probes. */
const PER_COMMAND = 500;

function rangeArgs(from: number, to: number, each: (i: number) => string[]): string[] {
  const out: string[] = [];
  for (let i = from; i < to; i++) out.push(...each(i));
  return out;
}

/** Fields of the small-hash probe: field:0 .. field:9, values of 16 bytes. */
const SMALL_HASH_FIELDS = 10;

export const COLLECTION_MEMORY: CollectionMemoryProbe[] = [
  {
    name: 'memory-list',
    what: `one list of 1,000,000 16-byte elements (RPUSH, ${PER_COMMAND} per command)`,
    unit: 'element',
    units: 'elements',
    elements: 1_000_000,
    perCommand: PER_COMMAND,
    batch: 20,
    build: (from, to) => ['RPUSH', 'bench:list', ...rangeArgs(from, to, (i) => [element('elem:', i)])],
    check: ['LLEN', 'bench:list'],
    probe: [['RPUSH', PROBE_KEY, 'x'], ['LLEN', PROBE_KEY], ['DEL', PROBE_KEY]],
  },
  {
    name: 'memory-hash',
    what: `one hash of 1,000,000 fields, 16-byte fields and values (HSET, ${PER_COMMAND} pairs per command)`,
    unit: 'field',
    units: 'fields',
    elements: 1_000_000,
    perCommand: PER_COMMAND,
    batch: 20,
    build: (from, to) => ['HSET', 'bench:hash', ...rangeArgs(from, to, (i) => [element('field:', i), element('value:', i)])],
    check: ['HLEN', 'bench:hash'],
    probe: [['HSET', PROBE_KEY, 'f', 'v'], ['HLEN', PROBE_KEY], ['DEL', PROBE_KEY]],
  },
  {
    name: 'memory-set',
    what: `one set of 1,000,000 16-byte members (SADD, ${PER_COMMAND} per command)`,
    unit: 'member',
    units: 'members',
    elements: 1_000_000,
    perCommand: PER_COMMAND,
    batch: 20,
    build: (from, to) => ['SADD', 'bench:set', ...rangeArgs(from, to, (i) => [element('member:', i)])],
    check: ['SCARD', 'bench:set'],
    probe: [['SADD', PROBE_KEY, 'x'], ['SCARD', PROBE_KEY], ['DEL', PROBE_KEY]],
  },
  {
    name: 'memory-zset',
    what: `one sorted set of 1,000,000 16-byte members, integer scores (ZADD, ${PER_COMMAND} per command)`,
    unit: 'member',
    units: 'members',
    elements: 1_000_000,
    perCommand: PER_COMMAND,
    batch: 20,
    build: (from, to) => ['ZADD', 'bench:zset', ...rangeArgs(from, to, (i) => [String(i), element('member:', i)])],
    check: ['ZCARD', 'bench:zset'],
    probe: [['ZADD', PROBE_KEY, '1', 'x'], ['ZCARD', PROBE_KEY], ['DEL', PROBE_KEY]],
  },
  {
    name: 'memory-small-hashes',
    what: `100,000 hashes of ${SMALL_HASH_FIELDS} fields each (field:0..field:9, 16-byte values; one HSET per key)`,
    unit: 'hash',
    units: 'hashes',
    elements: 100_000,
    perCommand: 1,
    batch: 1000,
    build: (from) => [
      'HSET',
      element('hash:', from),
      ...rangeArgs(0, SMALL_HASH_FIELDS, (f) => ['field:' + f, element(`v${f}:`, from)]),
    ],
    check: ['DBSIZE'],
    probe: [['HSET', PROBE_KEY, 'f', 'v'], ['DBSIZE'], ['DEL', PROBE_KEY]],
  },
];

/** The non-redis-benchmark phases, selectable with --only like tests. */
export const PHASES = ['memory', 'latency', 'startup', ...COLLECTION_MEMORY.map((p) => p.name)] as const;
export type Phase = (typeof PHASES)[number];

/** Memory phase: keys loaded at scale >= 1. */
export const MEMORY_KEYS = 1_000_000;
/** Latency phase: keys loaded at scale >= 1. */
export const LATENCY_KEYS = 3_000_000;
/** Latency phase: probe duration per server at scale 1, in seconds. */
export const LATENCY_SECONDS = 15;
/** Latency phase: background load (one redis-benchmark run, repeated for the probe's duration). */
export function latencyLoadArgs(keys: number): string[] {
  return ['-t', 'set,get', '-c', String(CLIENTS), '-P', '1', '-d', '16', '-r', String(keys), '-n', '20000'];
}

// ---------------------------------------------------------------------------------------------
// Eviction (bench/eviction.ts): hit ratios of the maxmemory policies on one trace per test, and SET
// throughput while evicting. Every test runs on freshly started servers with the same maxmemory.

/** The eviction group's setting at scale 1 (see docs/BENCHMARKS.md, "Eviction"). */
export const EVICTION = {
  /** maxmemory of both servers, in every eviction test. */
  maxmemory: 64 * 1024 * 1024,
  /**
   * Value size at scale 1 (at scale s < 1 values are 1/s times larger: same bytes, fewer keys).
   * 1000 bytes fill the 1024-byte class of Redis's allocator almost exactly: Redis's best case.
   */
  valueSize: 1000,
  /** Zipf keyspace at scale 1: about 4.5x maxmemory in values. */
  keys: 300_000,
  /** Trace replay speed, operations per second, the same for both servers (LRU/LFU data is wall-clock). */
  rate: 50_000,
  /** Operations per batch: their GETs in one write, then the SETs of the misses in one write. */
  batch: 100,
  seed: 1,
  /** volatile-ttl: every SET has this TTL (no key expires during a run: the nearest expiry is the oldest SET). */
  ttlMs: 3_600_000,
  /**
   * maxmemory of the SET-while-evicting servers, where RSS at the limit is judged: large enough
   * that what a server costs empty (V8's heap and code: 62 MB of RSS for Cinder, 11.5 MB for
   * Redis) does not decide the ratio.
   */
  setMaxmemory: 256 * 1024 * 1024,
  /** SET-while-evicting requests at scale 1, per pipeline depth. */
  setRequests: { 1: 100_000, 16: 500_000 } as Record<number, number>,
  /** Random key range of the SET-while-evicting runs (-r): every SET is (nearly always) a new key. */
  setKeyRange: 100_000_000,
} as const;

/** Redis 7.0's maxmemory-policy values: any other policy in EVICTION_POLICIES is Cinder's own. */
export const REDIS_POLICIES = ['noeviction', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl'];

/** The policies measured on every trace (a policy Redis lacks is compared with Redis's best, see eviction.ts). */
export const EVICTION_POLICIES = ['allkeys-lru', 'allkeys-lfu', 'volatile-ttl', 'allkeys-tinylfu'];

/** A trace of the eviction group, sized from the keyspace and the scale. */
export interface EvictionTrace {
  name: string;
  what: string;
  skew: number;
  /**
   * Value size at scale 1 when not EVICTION.valueSize. With skew 1.2 the reads concentrate so
   * much that a run touches only about 35,000 of the 300,000 keys: 4000-byte values (a cache of
   * about 15,000 keys) keep it evicting.
   */
  valueSize?: number;
  /**
   * Hit ratio points (of 100) by which Cinder may fall short of Redis and still PASS: Redis's own
   * spread on this trace over six runs on fresh servers (max - min, rounded up; sampled eviction
   * and the one-second LRU clock make runs differ), measured in docs/BENCHMARKS.md.
   */
  noise: number;
  /** Zipf operations between two one-time scans, and the scan length (as fractions of the keyspace). */
  scan?: { every: number; length: number };
}

export const EVICTION_TRACES: EvictionTrace[] = [
  { name: 'zipf0.9', what: 'Zipf skew 0.9', skew: 0.9, noise: 0.5 },
  { name: 'zipf1.2', what: 'Zipf skew 1.2', skew: 1.2, valueSize: 4000, noise: 0.3 },
  {
    name: 'scan',
    what: 'Zipf skew 0.9 cut by one-time scans (keys/3 Zipf reads, then keys/6 new keys read once)',
    skew: 0.9,
    noise: 1.5,
    scan: { every: 1 / 3, length: 1 / 6 },
  },
];

/** The eviction targets. */
export const EVICTION_TARGETS = {
  /** Cinder's hit ratio / Redis's, same policy (at least, less the trace's noise). */
  hitRatio: 1,
  /** RSS at the limit, Cinder / Redis (at most). */
  rss: 1.3,
  /** SET throughput while evicting, Cinder / Redis (at least). */
  setThroughput: 0.7,
} as const;

/** Names of the eviction tests: evict-<trace>-<policy>, and evict-set-p1 / evict-set-p16. */
export function evictionQualityName(trace: string, policy: string): string {
  return `evict-${trace}-${policy}`;
}
export const EVICTION_SET_PIPELINES = [1, 16];
export const EVICTION_QUALITY_TESTS: string[] = EVICTION_TRACES.flatMap((t) => EVICTION_POLICIES.map((p) => evictionQualityName(t.name, p)));
export const EVICTION_SET_TESTS: string[] = EVICTION_SET_PIPELINES.map((p) => `evict-set-p${p}`);

/** `--only` group names: each stands for the listed test names. */
export const GROUPS: Record<string, string[]> = {
  collections: [...collection(1), ...collection(16)].map((t) => t.name),
  'collections-p1': collection(1).map((t) => t.name),
  'collections-p16': collection(16).map((t) => t.name),
  'streams-pubsub': [...streamsPubsub(1), ...streamsPubsub(16), ...loadToolTests(1), ...loadToolTests(16)]
    .filter((t) => t.category === 'streams-pubsub')
    .map((t) => t.name),
  transactions: [...loadToolTests(1), ...loadToolTests(16)].filter((t) => t.category === 'transactions').map((t) => t.name),
  scripting: [...scripting(1), ...scripting(16)].map((t) => t.name),
  geo: [...geo(1), ...geo(16)].map((t) => t.name),
  eviction: [...EVICTION_QUALITY_TESTS, ...EVICTION_SET_TESTS],
  'eviction-quality': EVICTION_QUALITY_TESTS,
  'eviction-set': EVICTION_SET_TESTS,
  // bench/persistence.ts: SAVE, load, latency and RSS during BGSAVE (names listed there).
  persistence: ['persist-save-strings', 'persist-save-hashes', 'persist-load-strings', 'persist-load-hashes', 'persist-bgsave-latency', 'persist-bgsave-rss'],
  // bench/aof.ts: SET under appendfsync everysec/always, latency during BGREWRITEAOF, replay.
  aof: ['aof-set-everysec-p1', 'aof-set-everysec-p16', 'aof-set-always-p1', 'aof-set-always-p16', 'aof-rewrite-latency', 'aof-replay'],
  // bench/replication.ts: full sync (diskless, disk) to a redis-server replica, lag under load.
  replication: ['repl-sync-diskless', 'repl-sync-disk', 'repl-lag'],
};

/**
 * `--only` matching: comma-separated names, `*` matches any run of characters; a group name
 * (GROUPS) selects its tests.
 */
export function selector(only: string | undefined): (name: string) => boolean {
  if (!only) return () => true;
  const pats = only
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0)
    .flatMap((p) => GROUPS[p] ?? [p])
    .map((p) => new RegExp('^' + p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') + '$'));
  return (name) => pats.some((re) => re.test(name));
}
