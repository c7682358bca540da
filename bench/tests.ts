/**
 * The benchmark's test table. To add a throughput test, append an entry to THROUGHPUT_TESTS: its
 * redis-benchmark arguments (without -h/-p/--csv/-n), its request count at BENCH_SCALE=1 (sized so
 * Cinder needs a few seconds on 2 cores), and probe commands that Cinder must know for the test to
 * run (otherwise the test is reported as "unsupported" for Cinder instead of measuring errors).
 */

export interface ThroughputTest {
  /** Unique, lower case; `--only` matches it (exactly or with `*` wildcards). */
  name: string;
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
} as const;

export const CLIENTS = 50;
export const KEYSPACE = 100_000;

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
    { name: `set-${label}`, args: ['-t', 'set', ...common], requests, pipeline: 1, probe: [['SET', PROBE_KEY, 'x']], note },
    { name: `get-${label}`, args: ['-t', 'get', ...common], requests, pipeline: 1, probe: [['GET', PROBE_KEY]], note },
  ];
}

export const THROUGHPUT_TESTS: ThroughputTest[] = [
  ...basic(1),
  ...basic(16),
  ...valueSize('1k', 1024, 10_000, 100_000),
  ...valueSize('64k', 65_536, 1_000, 10_000),
];

/**
 * Run once per server before the throughput tests and not reported (JIT warm-up for Cinder). The
 * basic tests only: errors from commands Cinder lacks are ignored here.
 */
export const WARMUP_ARGS: string[][] = [1, 16].map((p) => [
  '-t', 'ping_inline,ping_mbulk,set,get,incr,mset',
  '-c', String(CLIENTS), '-P', String(p), '-r', String(KEYSPACE), '-n', String(p === 1 ? 10_000 : 50_000),
]);

/** The two non-redis-benchmark phases, selectable with --only like tests. */
export const PHASES = ['memory', 'latency'] as const;
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

/** `--only` matching: comma-separated names, `*` matches any run of characters. */
export function selector(only: string | undefined): (name: string) => boolean {
  if (!only) return () => true;
  const pats = only
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0)
    .map((p) => new RegExp('^' + p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') + '$'));
  return (name) => pats.some((re) => re.test(name));
}
