/**
 * Our own load generator for the workloads redis-benchmark cannot express: a MULTI/EXEC
 * transaction of several commands counted as one operation, and XREADGROUP followed by an XACK of
 * the ID the server just returned. The harness runs it as a child process (its own event loop and
 * its own core, as redis-benchmark would be), and it prints one JSON line with the result.
 *
 *   node dist/bench/load-tool.js --port P --test multi10|xreadgroup-xack
 *        [--clients 50] [--pipeline 1] [--requests 100000] [--keyspace 100000]
 *
 * Speed matters more than generality here: requests are encoded once or from a pool of
 * pre-encoded strings, and replies are walked in place by a small RESP2 scanner that only
 * extracts what the workload needs (the entry ID of an XREADGROUP reply) and counts error replies.
 *
 * Operation definitions (identical for both servers):
 * - multi10: MULTI, 10x SET key:<random> xxx, EXEC. One operation = one transaction. A connection
 *   writes `pipeline` transactions (12 commands each) in one write and waits for all their replies.
 * - xreadgroup-xack: each connection is consumer c<i> of group `g` on one pre-filled stream. One
 *   operation = XREADGROUP GROUP g c<i> COUNT 1 STREAMS <stream> > and then XACK <stream> g <id>
 *   with the ID from that reply. A connection writes `pipeline` XREADGROUPs in one write, waits for
 *   their replies, then writes the `pipeline` XACKs in one write and waits for those: two round
 *   trips per batch, every command a separate request as in redis-benchmark's -P. The stream is
 *   pre-filled (not timed) with more entries than the run reads, so it never runs dry.
 */
import * as net from 'node:net';
import { fileURLToPath } from 'node:url';
import type { BenchRun, CsvRow } from './redis-benchmark.js';
import { loadCommands, oneShot, ReplyError } from './resp-client.js';
import { spawnTracked, waitForChild } from './servers.js';

export type LoadToolTest = 'multi10' | 'xreadgroup-xack';

export interface LoadToolOptions {
  port: number;
  test: LoadToolTest;
  clients: number;
  pipeline: number;
  requests: number;
  keyspace: number;
}

/** What the tool prints (one JSON line); latencies in ms, per batch as redis-benchmark measures. */
export interface LoadToolResult extends Omit<CsvRow, 'test'> {
  test: LoadToolTest;
  ops: number;
  seconds: number;
  errors: number;
  firstError: string | null;
  setupSeconds: number;
}

export const STREAM_KEY = 'bench:xstream';
export const GROUP = 'g';
/** SETs per transaction in multi10. */
const TX_SETS = 10;

// ---------------------------------------------------------------------------------------------
// Encoding

function bulk(s: string): string {
  return '$' + s.length + '\r\n' + s + '\r\n';
}

function command(argv: readonly string[]): string {
  let s = '*' + argv.length + '\r\n';
  for (const a of argv) s += bulk(a);
  return s;
}

/** `key:%012d`, the form redis-benchmark's key:__rand_int__ expands to. */
function randomKey(keyspace: number): string {
  return 'key:' + String(Math.floor(Math.random() * keyspace)).padStart(12, '0');
}

/** A pool of pre-encoded transactions with random keys; batches pick from it at random. */
function transactionPool(keyspace: number, size: number): Buffer[] {
  const pool: Buffer[] = [];
  for (let i = 0; i < size; i++) {
    let s = command(['MULTI']);
    for (let k = 0; k < TX_SETS; k++) s += command(['SET', randomKey(keyspace), 'xxx']);
    pool.push(Buffer.from(s + command(['EXEC']), 'latin1'));
  }
  return pool;
}

// ---------------------------------------------------------------------------------------------
// Reply scanning (RESP2). Each function returns the offset after the reply, or -1 when the buffer
// does not hold all of it yet (the caller keeps the bytes and retries when more arrive).

let errorCount = 0;
let firstError: string | null = null;

function noteError(buf: Buffer, from: number, eol: number): void {
  errorCount++;
  firstError ??= buf.latin1Slice(from, eol);
}

/** Index of the '\r' ending the line that starts at `pos`, -1 when the line is incomplete. */
function lineEnd(buf: Buffer, pos: number): number {
  const nl = buf.indexOf(10, pos);
  return nl < 0 ? -1 : nl - 1;
}

/** The signed integer between `from` and `eol`. */
function lineInt(buf: Buffer, from: number, eol: number): number {
  let i = from;
  let neg = false;
  if (buf[i] === 0x2d) {
    neg = true;
    i++;
  }
  let n = 0;
  for (; i < eol; i++) n = n * 10 + (buf[i]! - 48);
  return neg ? -n : n;
}

/** Skips one reply of any type; error replies at any depth are counted. */
function skipReply(buf: Buffer, pos: number): number {
  if (pos >= buf.length) return -1;
  const eol = lineEnd(buf, pos + 1);
  if (eol < 0) return -1;
  switch (buf[pos]) {
    case 0x2d: // -
      noteError(buf, pos + 1, eol);
      return eol + 2;
    case 0x24: {
      // $
      const len = lineInt(buf, pos + 1, eol);
      if (len < 0) return eol + 2;
      const end = eol + 2 + len + 2;
      return end <= buf.length ? end : -1;
    }
    case 0x2a: {
      // *
      const n = lineInt(buf, pos + 1, eol);
      let p = eol + 2;
      for (let i = 0; i < n; i++) {
        p = skipReply(buf, p);
        if (p < 0) return -1;
      }
      return p;
    }
    default: // + : and anything else is one line
      return eol + 2;
  }
}

/**
 * XREADGROUP's reply `[[stream, [[id, [fields...]], ...]]]`: stores the first entry's ID in
 * `readId` (null for a nil reply: nothing was delivered).
 */
let readId: string | null = null;
function scanReadGroupReply(buf: Buffer, pos: number): number {
  readId = null;
  if (pos >= buf.length) return -1;
  if (buf[pos] !== 0x2a) return skipReply(buf, pos); // an error reply
  let eol = lineEnd(buf, pos + 1);
  if (eol < 0) return -1;
  if (lineInt(buf, pos + 1, eol) < 0) return eol + 2; // *-1: the stream ran dry
  // *1 then the stream's *2, then the key.
  let p = eol + 2;
  if ((eol = lineEnd(buf, p + 1)) < 0) return -1;
  p = skipReply(buf, eol + 2);
  if (p < 0) return -1;
  // The entries array: its first entry's ID is what we want; the rest is skipped.
  if ((eol = lineEnd(buf, p + 1)) < 0) return -1;
  const entries = lineInt(buf, p + 1, eol);
  p = eol + 2;
  for (let i = 0; i < entries; i++) {
    if ((eol = lineEnd(buf, p + 1)) < 0) return -1; // *2
    p = eol + 2;
    if (i === 0) {
      if ((eol = lineEnd(buf, p + 1)) < 0) return -1;
      const len = lineInt(buf, p + 1, eol);
      if (eol + 2 + len + 2 > buf.length) return -1;
      readId = buf.latin1Slice(eol + 2, eol + 2 + len);
      p = eol + 2 + len + 2;
    } else {
      p = skipReply(buf, p);
      if (p < 0) return -1;
    }
    p = skipReply(buf, p); // the fields
    if (p < 0) return -1;
  }
  return p;
}

// ---------------------------------------------------------------------------------------------
// The run

class Run {
  private issued = 0;
  done = 0;
  private readonly latencies: Float64Array;
  private nLat = 0;
  private finished = 0;
  private resolveAll!: () => void;
  readonly allDone = new Promise<void>((r) => (this.resolveAll = r));
  readonly pool: Buffer[];

  constructor(readonly o: LoadToolOptions) {
    this.latencies = new Float64Array(Math.ceil(o.requests / o.pipeline) + o.clients);
    this.pool = o.test === 'multi10' ? transactionPool(o.keyspace, 4096) : [];
  }

  /** Operations for the next batch of a connection (0: the run is complete for it). */
  take(): number {
    const n = Math.min(this.o.pipeline, this.o.requests - this.issued);
    this.issued += n;
    return n;
  }

  record(ms: number, ops: number): void {
    this.latencies[this.nLat++] = ms;
    this.done += ops;
  }

  connectionFinished(): void {
    if (++this.finished === this.o.clients) this.resolveAll();
  }

  summary(): Pick<LoadToolResult, 'avg' | 'min' | 'p50' | 'p95' | 'p99' | 'max'> {
    const a = this.latencies.slice(0, this.nLat).sort();
    const pct = (p: number): number => (a.length === 0 ? NaN : a[Math.min(a.length, Math.max(1, Math.ceil((p / 100) * a.length))) - 1]!);
    let sum = 0;
    for (const v of a) sum += v;
    return { avg: a.length ? sum / a.length : NaN, min: a[0] ?? NaN, p50: pct(50), p95: pct(95), p99: pct(99), max: a[a.length - 1] ?? NaN };
  }
}

/** One client connection: a small state machine of batches. */
class Conn {
  private pending: Buffer | null = null;
  private expect = 0;
  private ops = 0;
  private sentAt = 0;
  /** xreadgroup-xack: 'read' while XREADGROUP replies are due, 'ack' while XACK replies are. */
  private phase: 'read' | 'ack' = 'read';
  private ids: string[] = [];
  /** XREADGROUP for this consumer, once and `pipeline` times in a row. */
  private readonly readOne: Buffer;
  private readonly readBatch: Buffer;
  private finished = false;
  socket!: net.Socket;

  constructor(
    private readonly run: Run,
    index: number,
  ) {
    const read = command(['XREADGROUP', 'GROUP', GROUP, 'c' + index, 'COUNT', '1', 'STREAMS', STREAM_KEY, '>']);
    this.readOne = Buffer.from(read, 'latin1');
    this.readBatch = Buffer.from(read.repeat(run.o.pipeline), 'latin1');
  }

  /**
   * Connects with `onread`: the socket reads into one buffer of ours instead of allocating a
   * chunk per read and going through the Readable stream machinery (the tool must stay cheap).
   */
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
        this.socket = s;
        resolve();
      });
    });
  }

  start(): void {
    this.ops = this.run.take();
    if (this.ops === 0) return this.finish();
    this.sentAt = performance.now();
    let out: Buffer;
    if (this.run.o.test === 'multi10') {
      const pool = this.run.pool;
      if (this.ops === 1) out = pool[(Math.random() * pool.length) | 0]!;
      else {
        const parts: Buffer[] = new Array(this.ops);
        for (let i = 0; i < this.ops; i++) parts[i] = pool[(Math.random() * pool.length) | 0]!;
        out = Buffer.concat(parts);
      }
      this.expect = this.ops * (TX_SETS + 2);
    } else {
      this.phase = 'read';
      this.ids.length = 0;
      out = this.ops === 1 ? this.readOne : this.ops === this.run.o.pipeline ? this.readBatch : this.readBatch.subarray(0, this.readOne.length * this.ops);
      this.expect = this.ops;
    }
    this.socket.write(out);
  }

  /** The connection has nothing more to do (run complete, or the server closed it). */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.run.connectionFinished();
  }

  private sendAcks(): void {
    this.phase = 'ack';
    let s = '';
    for (const id of this.ids) s += '*4\r\n$4\r\nXACK\r\n' + bulk(STREAM_KEY) + bulk(GROUP) + bulk(id);
    this.expect = this.ids.length;
    if (this.expect === 0) return this.batchDone();
    this.socket.write(s, 'latin1');
  }

  private batchDone(): void {
    this.run.record(performance.now() - this.sentAt, this.ops);
    this.start();
  }

  /** `chunk` is a view of the connection's read buffer: bytes kept for later are copied. */
  private onData(chunk: Buffer): void {
    const buf = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    let pos = 0;
    const reading = this.run.o.test === 'xreadgroup-xack' && this.phase === 'read';
    while (this.expect > 0) {
      let next: number;
      if (reading) {
        next = scanReadGroupReply(buf, pos);
        if (next >= 0) {
          if (readId !== null) this.ids.push(readId);
          else if (buf[pos] === 0x2a) {
            errorCount++;
            firstError ??= 'XREADGROUP returned nil: the stream ran dry';
          }
        }
      } else {
        next = skipReply(buf, pos);
        // XACK must acknowledge exactly one entry per call.
        if (next >= 0 && this.phase === 'ack' && !(buf[pos] === 0x3a && buf[pos + 1] === 0x31 && buf[pos + 2] === 13)) {
          if (buf[pos] !== 0x2d) {
            errorCount++;
            firstError ??= `XACK replied ${buf.latin1Slice(pos, next - 2)}`;
          }
        }
      }
      if (next < 0) break;
      pos = next;
      this.expect--;
    }
    this.pending = pos >= buf.length ? null : Buffer.from(buf.subarray(pos));
    if (this.expect > 0) return;
    if (reading) this.sendAcks();
    else this.batchDone();
  }
}

/** Untimed preparation: for xreadgroup-xack a fresh stream with enough entries and the group. */
async function setup(o: LoadToolOptions): Promise<void> {
  if (o.test !== 'xreadgroup-xack') return;
  const del = await oneShot(o.port, ['DEL', STREAM_KEY]);
  if (del instanceof ReplyError) throw new Error(`DEL: ${del.message}`);
  // Every batch a connection starts reads at most `pipeline` entries; a margin on top.
  const entries = o.requests + o.clients * o.pipeline + 1000;
  const perCommand = 1;
  const r = await loadCommands(o.port, Math.ceil(entries / perCommand), () => ['XADD', STREAM_KEY, '*', 'field', 'value'], 5000);
  if (r.errors > 0) throw new Error(`pre-fill: ${r.errors} error replies (${r.firstError})`);
  const g = await oneShot(o.port, ['XGROUP', 'CREATE', STREAM_KEY, GROUP, '0']);
  if (g instanceof ReplyError) throw new Error(`XGROUP CREATE: ${g.message}`);
}

export async function runLoad(o: LoadToolOptions): Promise<LoadToolResult> {
  const s0 = performance.now();
  await setup(o);
  const setupSeconds = (performance.now() - s0) / 1000;
  errorCount = 0;
  firstError = null;
  const run = new Run(o);
  const conns = Array.from({ length: o.clients }, (_, i) => new Conn(run, i));
  await Promise.all(conns.map((c) => c.connect(o.port)));
  const sockets = conns.map((c) => c.socket);
  sockets.forEach((s, i) => {
    s.on('error', (e) => {
      errorCount++;
      firstError ??= `connection error: ${e.message}`;
    });
    s.on('close', () => {
      if (run.done < o.requests) {
        errorCount++;
        firstError ??= 'connection closed by the server';
      }
      conns[i]!.finish();
    });
  });
  const t0 = performance.now();
  for (const c of conns) c.start();
  await run.allDone;
  const seconds = (performance.now() - t0) / 1000;
  for (const s of sockets) s.destroy();
  if (o.test === 'xreadgroup-xack') {
    // Every delivered entry was acknowledged: the PEL must be empty again.
    const pending = await oneShot(o.port, ['XPENDING', STREAM_KEY, GROUP]);
    if (Array.isArray(pending) && pending[0] !== 0) {
      errorCount++;
      firstError ??= `${String(pending[0])} entries still pending after the run`;
    }
  }
  return { test: o.test, ops: run.done, seconds, rps: run.done / seconds, ...run.summary(), errors: errorCount, firstError, setupSeconds };
}

// ---------------------------------------------------------------------------------------------
// Command line

function parseArgs(argv: string[]): LoadToolOptions {
  const o: LoadToolOptions = { port: 0, test: 'multi10', clients: 50, pipeline: 1, requests: 100_000, keyspace: 100_000 };
  for (let i = 0; i < argv.length; i += 2) {
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`${argv[i]} needs a value`);
    switch (argv[i]) {
      case '--port': o.port = Number(v); break;
      case '--test':
        if (v !== 'multi10' && v !== 'xreadgroup-xack') throw new Error(`unknown test ${v}`);
        o.test = v;
        break;
      case '--clients': o.clients = Number(v); break;
      case '--pipeline': o.pipeline = Number(v); break;
      case '--requests': o.requests = Number(v); break;
      case '--keyspace': o.keyspace = Number(v); break;
      default: throw new Error(`unknown option ${argv[i]}`);
    }
  }
  for (const k of ['port', 'clients', 'pipeline', 'requests', 'keyspace'] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 1) throw new Error(`--${k} must be a positive integer`);
  }
  return o;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runLoad(parseArgs(process.argv.slice(2))).then(
    (r) => {
      process.stdout.write(JSON.stringify(r) + '\n');
      process.exit(0);
    },
    (e: unknown) => {
      process.stderr.write(`load-tool: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Harness side: runs the tool as a child process, like a redis-benchmark run.

/** The compiled tool next to this module (dist/bench/load-tool.js). */
export function loadToolScript(): string {
  return fileURLToPath(import.meta.url);
}

/**
 * Runs the tool against `port` in a child process (killed after `timeoutMs`) and returns its
 * result as one redis-benchmark-style row. A run that saw error replies is an error, as a
 * redis-benchmark run printing "Error from server" is.
 */
export async function runLoadTool(
  port: number,
  o: Omit<LoadToolOptions, 'port'>,
  timeoutMs: number,
): Promise<BenchRun> {
  const t0 = Date.now();
  const args = [loadToolScript(), '--port', String(port), '--test', o.test, '--clients', String(o.clients), '--pipeline', String(o.pipeline), '--requests', String(o.requests), '--keyspace', String(o.keyspace)];
  const { child, output } = spawnTracked(process.execPath, args, 1 << 16);
  const timedOut = await waitForChild(child, timeoutMs);
  const seconds = (Date.now() - t0) / 1000;
  const text = output();
  if (timedOut) return { rows: [], error: `timed out after ${Math.round(timeoutMs / 1000)} s`, seconds };
  const line = text.split('\n').find((l) => l.startsWith('{'));
  if (!line) return { rows: [], error: `no result (exit ${child.exitCode ?? child.signalCode}): ${text.trim().split('\n').slice(-3).join(' | ')}`, seconds };
  const r = JSON.parse(line) as LoadToolResult;
  const row: CsvRow = { test: r.test, rps: r.rps, avg: r.avg, min: r.min, p50: r.p50, p95: r.p95, p99: r.p99, max: r.max };
  const error = r.errors > 0 ? `server error: ${r.errors} error replies (${r.firstError})` : null;
  return { rows: [row], error, seconds };
}
