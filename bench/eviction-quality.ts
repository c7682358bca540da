/**
 * The eviction benchmark's load tool: replays one trace (bench/eviction-trace.ts) against a server
 * as a cache-aside client and counts hits. Run by the harness as a child process (its own event
 * loop, like bench/load-tool.ts); prints one JSON line.
 *
 *   node dist/bench/eviction-quality.js --port P --keys 300000 --skew 0.9 --ops 400000 --warmup 200000
 *        [--seed 1] [--scan-every N --scan-length M] [--value-size 1024] [--ttl-ms 0]
 *        [--batch 100] [--rate 50000] [--sample-every 20]
 *
 * Cache-aside, in batches on one connection: the GETs of `batch` operations in one write; then,
 * in one write, a SET of every key that missed (with PX ttl when --ttl-ms is given), so the
 * command sequence is fixed by the trace and the replies alone. A GET that returns a value is a
 * hit (its length is checked); nil is a miss. Every `sample-every` batches the SET write also
 * carries DBSIZE and INFO memory: the keys the server holds and its used_memory, over time.
 *
 * `rate` paces the trace (operations per second; 0 = as fast as the server answers): LRU and LFU
 * data are kept on wall-clock time (Redis's LRU clock ticks once a second), so two servers compared
 * on one trace must also replay it at the same speed.
 */
import * as net from 'node:net';
import { fileURLToPath } from 'node:url';
import { buildTrace, traceKey, type TraceSpec } from './eviction-trace.js';
import { spawnTracked, waitForChild } from './servers.js';

export interface EvictionToolOptions {
  port: number;
  trace: TraceSpec;
  valueSize: number;
  /** PX on every SET (0: no TTL). */
  ttlMs: number;
  batch: number;
  /** Operations per second (0: unpaced). */
  rate: number;
  /** Batches between two samples of DBSIZE and used_memory. */
  sampleEvery: number;
}

/** What the tool prints. Counts are of the measured part (after the warm-up) unless named otherwise. */
export interface EvictionToolResult {
  ops: number;
  hits: number;
  /** Operations and hits on the Zipf keys only (the scan keys of a scan-mixed trace left out). */
  zipfOps: number;
  zipfHits: number;
  /** SETs sent (misses, warm-up included). */
  sets: number;
  /** Whole run, warm-up included. */
  seconds: number;
  opsPerSecond: number;
  /** DBSIZE samples taken during the measured part: mean, min, max (null without samples). */
  dbsizeMean: number | null;
  dbsizeMin: number | null;
  dbsizeMax: number | null;
  samples: number;
  /** The largest used_memory INFO reported in a sample (whole run). */
  usedMemoryMax: number | null;
  errors: number;
  firstError: string | null;
}

// ---------------------------------------------------------------------------------------------
// Encoding

function command(argv: readonly string[]): string {
  let s = '*' + argv.length + '\r\n';
  for (const a of argv) s += '$' + a.length + '\r\n' + a + '\r\n';
  return s;
}

// ---------------------------------------------------------------------------------------------
// The connection: replies are scanned in place (RESP2) and handed one at a time to `onReply`.

/** A reply's kind as the workload needs it. */
const enum Kind {
  Simple,
  Error,
  Integer,
  Bulk,
  Nil,
  Array,
}

type ReplyHandler = (kind: Kind, value: number, text: string | null) => void;

class Connection {
  private pending: Buffer | null = null;
  private expected = 0;
  private handler: ReplyHandler = () => {};
  private resolveBatch: (() => void) | null = null;
  private failure: Error | null = null;
  /** Bulk replies whose text the handler needs (INFO); others are only measured. */
  wantText = false;
  socket!: net.Socket;

  connect(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = net.connect({
        port,
        host: '127.0.0.1',
        onread: {
          buffer: Buffer.allocUnsafe(1 << 16),
          callback: (n: number, buf: Uint8Array) => {
            this.onData((buf as Buffer).subarray(0, n));
            return true;
          },
        },
      });
      s.once('error', reject);
      s.once('connect', () => {
        s.removeListener('error', reject);
        s.setNoDelay(true);
        s.on('error', (e) => this.fail(e));
        s.on('close', () => this.fail(new Error('connection closed by the server')));
        this.socket = s;
        resolve();
      });
    });
  }

  /** Writes `payload` and resolves once `replies` replies have been handed to `handler`. */
  send(payload: string, replies: number, handler: ReplyHandler): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    this.expected = replies;
    this.handler = handler;
    return new Promise((resolve, reject) => {
      this.resolveBatch = resolve;
      this.rejectBatch = reject;
      this.socket.write(payload, 'latin1');
    });
  }

  private rejectBatch: ((e: Error) => void) | null = null;

  private fail(e: Error): void {
    this.failure ??= e;
    const reject = this.rejectBatch;
    this.resolveBatch = this.rejectBatch = null;
    reject?.(e);
  }

  private onData(chunk: Buffer): void {
    const buf = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    let pos = 0;
    while (this.expected > 0) {
      const next = this.scan(buf, pos);
      if (next < 0) break;
      pos = next;
      this.expected--;
    }
    this.pending = pos >= buf.length ? null : Buffer.from(buf.subarray(pos));
    if (this.expected === 0 && this.resolveBatch) {
      const resolve = this.resolveBatch;
      this.resolveBatch = this.rejectBatch = null;
      resolve();
    }
  }

  /** Scans one top-level reply at `pos`; -1 when it is not complete yet. */
  private scan(buf: Buffer, pos: number): number {
    if (pos >= buf.length) return -1;
    const nl = buf.indexOf(10, pos);
    if (nl < 0) return -1;
    const eol = nl - 1;
    const type = buf[pos];
    switch (type) {
      case 0x2b: // +
        this.handler(Kind.Simple, 0, null);
        return nl + 1;
      case 0x2d: // -
        this.handler(Kind.Error, 0, buf.latin1Slice(pos + 1, eol));
        return nl + 1;
      case 0x3a: // :
        this.handler(Kind.Integer, Number(buf.latin1Slice(pos + 1, eol)), null);
        return nl + 1;
      case 0x24: {
        // $
        const len = Number(buf.latin1Slice(pos + 1, eol));
        if (len < 0) {
          this.handler(Kind.Nil, -1, null);
          return nl + 1;
        }
        const end = nl + 1 + len + 2;
        if (end > buf.length) return -1;
        this.handler(Kind.Bulk, len, this.wantText ? buf.latin1Slice(nl + 1, nl + 1 + len) : null);
        return end;
      }
      default: {
        // Arrays are not expected from GET/SET/DBSIZE/INFO: skip them whole, as an error.
        const end = skip(buf, pos);
        if (end >= 0) this.handler(Kind.Array, 0, 'unexpected array reply');
        return end;
      }
    }
  }
}

/** Skips one reply of any type; -1 when incomplete. */
function skip(buf: Buffer, pos: number): number {
  if (pos >= buf.length) return -1;
  const nl = buf.indexOf(10, pos);
  if (nl < 0) return -1;
  const n = Number(buf.latin1Slice(pos + 1, nl - 1));
  if (buf[pos] === 0x24) return n < 0 ? nl + 1 : nl + 1 + n + 2 <= buf.length ? nl + 1 + n + 2 : -1;
  if (buf[pos] !== 0x2a) return nl + 1;
  let p = nl + 1;
  for (let i = 0; i < n; i++) {
    p = skip(buf, p);
    if (p < 0) return -1;
  }
  return p;
}

// ---------------------------------------------------------------------------------------------
// The run

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runTrace(o: EvictionToolOptions): Promise<EvictionToolResult> {
  const trace = buildTrace(o.trace);
  const keys = o.trace.keys;
  const from = o.trace.warmup;
  const value = 'v'.repeat(o.valueSize);
  const setTail = '$' + value.length + '\r\n' + value + '\r\n' + (o.ttlMs > 0 ? '$2\r\nPX\r\n' + '$' + String(o.ttlMs).length + '\r\n' + o.ttlMs + '\r\n' : '');
  const setHead = o.ttlMs > 0 ? '*5\r\n$3\r\nSET\r\n' : '*3\r\n$3\r\nSET\r\n';
  const sampleCommands = command(['DBSIZE']) + command(['INFO', 'memory']);

  const conn = new Connection();
  await conn.connect(o.port);

  let hits = 0;
  let zipfOps = 0;
  let zipfHits = 0;
  let sets = 0;
  let errors = 0;
  let firstError: string | null = null;
  const noteError = (text: string): void => {
    errors++;
    firstError ??= text;
  };
  const dbsizes: number[] = [];
  let usedMemoryMax: number | null = null;

  // Per batch: which operations missed (their trace index).
  const missed = new Int32Array(o.batch);
  let nMissed = 0;
  let opIndex = 0;
  const onGet: ReplyHandler = (kind, value, text) => {
    const i = opIndex++;
    if (kind === Kind.Bulk) {
      if (value !== o.valueSize) noteError(`GET returned ${value} bytes, expected ${o.valueSize}`);
      if (i >= from) {
        hits++;
        if (trace[i]! < keys) zipfHits++;
      }
    } else if (kind === Kind.Nil) missed[nMissed++] = i;
    else noteError(text ?? `unexpected reply to GET`);
  };
  let sampleAt = -1;
  let counting = false;
  let setReplies = 0;
  const onSet: ReplyHandler = (kind, value, text) => {
    const r = setReplies++;
    if (r < nMissed) {
      if (kind !== Kind.Simple) noteError(text ?? 'unexpected reply to SET');
    } else if (r === sampleAt) {
      if (kind === Kind.Integer) {
        if (counting) dbsizes.push(value);
      } else noteError(text ?? 'unexpected reply to DBSIZE');
    } else if (kind === Kind.Bulk && text !== null) {
      const m = /^used_memory:(\d+)\r?$/m.exec(text);
      if (m) usedMemoryMax = Math.max(usedMemoryMax ?? 0, Number(m[1]));
    } else noteError(text ?? 'unexpected reply to INFO');
  };

  const t0 = performance.now();
  const msPerOp = o.rate > 0 ? 1000 / o.rate : 0;
  let batchNo = 0;
  for (let start = 0; start < trace.length; start += o.batch, batchNo++) {
    const end = Math.min(trace.length, start + o.batch);
    if (msPerOp > 0) {
      // Absolute schedule: a late batch does not make the next ones wait, nor burst to catch up
      // more than the schedule allows.
      const due = t0 + start * msPerOp;
      const wait = due - performance.now();
      if (wait >= 1) await sleep(wait);
    }
    let gets = '';
    for (let i = start; i < end; i++) {
      const k = traceKey(trace[i]!);
      gets += '*2\r\n$3\r\nGET\r\n$' + k.length + '\r\n' + k + '\r\n';
    }
    for (let i = start; i < end; i++) if (i >= from && trace[i]! < keys) zipfOps++;
    nMissed = 0;
    opIndex = start;
    conn.wantText = false;
    await conn.send(gets, end - start, onGet);

    const sample = batchNo % o.sampleEvery === o.sampleEvery - 1;
    if (nMissed === 0 && !sample) continue;
    let out = '';
    for (let m = 0; m < nMissed; m++) {
      const k = traceKey(trace[missed[m]!]!);
      out += setHead + '$' + k.length + '\r\n' + k + '\r\n' + setTail;
    }
    sets += nMissed;
    setReplies = 0;
    sampleAt = sample ? nMissed : -1;
    counting = start >= from;
    if (sample) out += sampleCommands;
    conn.wantText = sample;
    await conn.send(out, nMissed + (sample ? 2 : 0), onSet);
  }
  const seconds = (performance.now() - t0) / 1000;
  conn.socket.destroy();

  const ops = Math.max(0, trace.length - from);
  const mean = dbsizes.length ? dbsizes.reduce((a, b) => a + b, 0) / dbsizes.length : null;
  return {
    ops,
    hits,
    zipfOps,
    zipfHits,
    sets,
    seconds,
    opsPerSecond: trace.length / seconds,
    dbsizeMean: mean,
    dbsizeMin: dbsizes.length ? Math.min(...dbsizes) : null,
    dbsizeMax: dbsizes.length ? Math.max(...dbsizes) : null,
    samples: dbsizes.length,
    usedMemoryMax,
    errors,
    firstError,
  };
}

// ---------------------------------------------------------------------------------------------
// Command line

function parseArgs(argv: string[]): EvictionToolOptions {
  const o: EvictionToolOptions = {
    port: 0,
    trace: { keys: 300_000, skew: 0.9, ops: 400_000, warmup: 200_000, seed: 1 },
    valueSize: 1024,
    ttlMs: 0,
    batch: 100,
    rate: 0,
    sampleEvery: 20,
  };
  let scanEvery = 0;
  let scanLength = 0;
  for (let i = 0; i < argv.length; i += 2) {
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`${argv[i]} needs a value`);
    const n = Number(v);
    switch (argv[i]) {
      case '--port': o.port = n; break;
      case '--keys': o.trace.keys = n; break;
      case '--skew': o.trace.skew = n; break;
      case '--ops': o.trace.ops = n; break;
      case '--warmup': o.trace.warmup = n; break;
      case '--seed': o.trace.seed = n; break;
      case '--scan-every': scanEvery = n; break;
      case '--scan-length': scanLength = n; break;
      case '--value-size': o.valueSize = n; break;
      case '--ttl-ms': o.ttlMs = n; break;
      case '--batch': o.batch = n; break;
      case '--rate': o.rate = n; break;
      case '--sample-every': o.sampleEvery = n; break;
      default: throw new Error(`unknown option ${argv[i]}`);
    }
  }
  if (scanEvery > 0 && scanLength > 0) o.trace.scan = { every: scanEvery, length: scanLength };
  for (const [name, x] of [['port', o.port], ['keys', o.trace.keys], ['ops', o.trace.ops], ['value-size', o.valueSize], ['batch', o.batch], ['sample-every', o.sampleEvery]] as const) {
    if (!Number.isInteger(x) || x < 1) throw new Error(`--${name} must be a positive integer`);
  }
  if (!(o.trace.skew >= 0)) throw new Error('--skew must be >= 0');
  if (!Number.isInteger(o.trace.warmup) || o.trace.warmup < 0 || o.trace.warmup >= o.trace.ops) throw new Error('--warmup must be in [0, ops)');
  if (!Number.isInteger(o.ttlMs) || o.ttlMs < 0) throw new Error('--ttl-ms must be >= 0');
  if (!(o.rate >= 0)) throw new Error('--rate must be >= 0');
  return o;
}

/** Command-line arguments that make the tool run `o` (the inverse of parseArgs). */
export function toolArgs(o: EvictionToolOptions): string[] {
  const t = o.trace;
  const args = ['--port', o.port, '--keys', t.keys, '--skew', t.skew, '--ops', t.ops, '--warmup', t.warmup, '--seed', t.seed];
  if (t.scan) args.push('--scan-every', t.scan.every, '--scan-length', t.scan.length);
  args.push('--value-size', o.valueSize, '--ttl-ms', o.ttlMs, '--batch', o.batch, '--rate', o.rate, '--sample-every', o.sampleEvery);
  return args.map(String);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runTrace(parseArgs(process.argv.slice(2))).then(
    (r) => {
      process.stdout.write(JSON.stringify(r) + '\n');
      process.exit(0);
    },
    (e: unknown) => {
      process.stderr.write(`eviction-quality: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Harness side

/**
 * Runs the tool against `o.port` in a child process (killed after `timeoutMs`). Resolves with its
 * result, or with an error text when it produced none.
 */
export async function runEvictionTool(o: EvictionToolOptions, timeoutMs: number): Promise<{ result: EvictionToolResult | null; error: string | null }> {
  const { child, output } = spawnTracked(process.execPath, [fileURLToPath(import.meta.url), ...toolArgs(o)], 1 << 16);
  const timedOut = await waitForChild(child, timeoutMs);
  const text = output();
  if (timedOut) return { result: null, error: `timed out after ${Math.round(timeoutMs / 1000)} s` };
  const line = text.split('\n').find((l) => l.startsWith('{'));
  if (!line) return { result: null, error: `no result (exit ${child.exitCode ?? child.signalCode}): ${text.trim().split('\n').slice(-3).join(' | ')}` };
  return { result: JSON.parse(line) as EvictionToolResult, error: null };
}
