/**
 * A small RESP2 client for the benchmark harness: probes, DBSIZE, a pipelined bulk loader and a
 * latency probe. It is deliberately minimal (no reconnects, no RESP3) and uses latin1 strings so
 * every byte round-trips unchanged.
 */
import * as net from 'node:net';

/** An error reply (`-ERR ...`) from a server. */
export class ReplyError extends Error {}

export type RespValue = string | number | null | ReplyError | RespValue[];

type Waiter =
  | { kind: 'one'; resolve: (v: RespValue) => void }
  | { kind: 'many'; remaining: number; errors: number; firstError: string | null; resolve: (r: BatchResult) => void };

export interface BatchResult {
  errors: number;
  firstError: string | null;
}

const CR = 13;

/** Encodes one command as a RESP multibulk request (latin1: one char per byte). */
export function encodeCommand(argv: readonly string[]): string {
  let s = '*' + argv.length + '\r\n';
  for (const a of argv) s += '$' + a.length + '\r\n' + a + '\r\n';
  return s;
}

export class RespConnection {
  private buf: Buffer = Buffer.alloc(0);
  private readonly waiters: Waiter[] = [];
  private head = 0;
  private closedError: Error | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  static connect(port: number, host = '127.0.0.1', timeoutMs = 5000): Promise<RespConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${host}:${port} timed out`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new RespConnection(socket));
      });
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  /** Sends one command and resolves with its reply (error replies resolve as ReplyError values). */
  command(argv: readonly string[]): Promise<RespValue> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve) => {
      this.waiters.push({ kind: 'one', resolve });
      this.socket.write(encodeCommand(argv), 'latin1');
    });
  }

  /** Writes `count` already-encoded commands; resolves once all their replies arrived. */
  sendBatch(payload: Buffer, count: number): Promise<BatchResult> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve) => {
      this.waiters.push({ kind: 'many', remaining: count, errors: 0, firstError: null, resolve });
      this.socket.write(payload);
    });
  }

  close(): void {
    this.closedError ??= new Error('connection closed');
    this.socket.destroy();
  }

  private fail(e: Error): void {
    if (this.closedError && this.head >= this.waiters.length) return;
    this.closedError ??= e;
    // Pending callers get the error as a reply so nothing hangs.
    while (this.head < this.waiters.length) this.deliver(new ReplyError(`connection lost: ${e.message}`));
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    let pos = 0;
    for (;;) {
      const r = parseReply(this.buf, pos);
      if (r === null) break;
      pos = r.next;
      this.deliver(r.value);
    }
    this.buf = pos === this.buf.length ? Buffer.alloc(0) : this.buf.subarray(pos);
  }

  private deliver(v: RespValue): void {
    const w = this.waiters[this.head];
    if (!w) return; // unsolicited (should not happen with RESP2)
    if (w.kind === 'one') {
      this.head++;
      w.resolve(v);
    } else {
      if (v instanceof ReplyError) {
        w.errors++;
        w.firstError ??= v.message;
      }
      if (--w.remaining === 0) {
        this.head++;
        w.resolve({ errors: w.errors, firstError: w.firstError });
      }
    }
    if (this.head > 1024 && this.head * 2 > this.waiters.length) {
      this.waiters.splice(0, this.head);
      this.head = 0;
    }
  }
}

function findCRLF(buf: Buffer, from: number): number {
  const i = buf.indexOf(CR, from);
  return i < 0 || i + 1 >= buf.length ? -1 : i;
}

/** Parses one RESP2 reply at `pos`; null when the buffer does not hold a complete one yet. */
export function parseReply(buf: Buffer, pos: number): { value: RespValue; next: number } | null {
  if (pos >= buf.length) return null;
  const type = buf[pos];
  const eol = findCRLF(buf, pos + 1);
  if (eol < 0) return null;
  const line = buf.toString('latin1', pos + 1, eol);
  const after = eol + 2;
  switch (type) {
    case 0x2b: // +
      return { value: line, next: after };
    case 0x2d: // -
      return { value: new ReplyError(line), next: after };
    case 0x3a: // :
      return { value: Number(line), next: after };
    case 0x24: {
      // $
      const len = Number(line);
      if (len < 0) return { value: null, next: after };
      if (after + len + 2 > buf.length) return null;
      return { value: buf.toString('latin1', after, after + len), next: after + len + 2 };
    }
    case 0x2a: {
      // *
      const n = Number(line);
      if (n < 0) return { value: null, next: after };
      const items: RespValue[] = [];
      let p = after;
      for (let i = 0; i < n; i++) {
        const r = parseReply(buf, p);
        if (r === null) return null;
        items.push(r.value);
        p = r.next;
      }
      return { value: items, next: p };
    }
    default:
      throw new Error(`unexpected RESP type byte 0x${(type ?? 0).toString(16)}`);
  }
}

/** True when a reply says the server does not know the command. */
export function isUnknownCommand(v: RespValue): boolean {
  return v instanceof ReplyError && /^ERR unknown (sub)?command/.test(v.message);
}

/** Sends `argv` once; resolves with the reply or the connection error (as a ReplyError). */
export async function oneShot(port: number, argv: readonly string[]): Promise<RespValue> {
  const c = await RespConnection.connect(port);
  try {
    return await c.command(argv);
  } finally {
    c.close();
  }
}

export function pad12(i: number): string {
  return String(i).padStart(12, '0');
}

/** The key for index i: `key:%012d`, the same form redis-benchmark's `key:__rand_int__` expands to. */
export function benchKey(i: number): string {
  return 'key:' + pad12(i);
}

/** A 16-byte value that is not an integer (so neither server stores it as a number). */
export function benchValue(i: number): string {
  return 'val:' + pad12(i);
}

export interface LoadResult {
  keys: number;
  errors: number;
  firstError: string | null;
  seconds: number;
}

/**
 * Loads keys [from, to) with `SET key:%012d val:%012d` over one connection, in pipelined batches
 * of `batch` commands with at most two batches in flight.
 */
export async function loadKeys(port: number, from: number, to: number, batch = 10_000): Promise<LoadResult> {
  const r = await loadCommands(port, to - from, (i) => ['SET', benchKey(from + i), benchValue(from + i)], batch);
  return { keys: to - from, errors: r.errors, firstError: r.firstError, seconds: r.seconds };
}

export interface CommandsResult {
  commands: number;
  errors: number;
  firstError: string | null;
  seconds: number;
}

/**
 * Sends `build(0) .. build(count - 1)` over one connection, in pipelined batches of `batch`
 * commands with at most two batches in flight; counts error replies.
 */
export async function loadCommands(
  port: number,
  count: number,
  build: (i: number) => readonly string[],
  batch = 10_000,
): Promise<CommandsResult> {
  const c = await RespConnection.connect(port);
  const t0 = process.hrtime.bigint();
  let errors = 0;
  let firstError: string | null = null;
  try {
    const inFlight: Promise<BatchResult>[] = [];
    const settle = async (): Promise<void> => {
      const r = await inFlight.shift()!;
      errors += r.errors;
      firstError ??= r.firstError;
    };
    for (let i = 0; i < count; ) {
      const end = Math.min(count, i + batch);
      let s = '';
      for (let k = i; k < end; k++) s += encodeCommand(build(k));
      inFlight.push(c.sendBatch(Buffer.from(s, 'latin1'), end - i));
      i = end;
      if (inFlight.length >= 2) await settle();
    }
    while (inFlight.length > 0) await settle();
  } finally {
    c.close();
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { commands: count, errors, firstError, seconds };
}

/** One `name:value` field of INFO (e.g. used_memory) as a number; null when missing or not numeric. */
export async function infoNumber(port: number, section: string, name: string): Promise<number | null> {
  const r = await oneShot(port, ['INFO', section]);
  if (typeof r !== 'string') return null;
  const m = new RegExp(`^${name}:(-?[0-9.]+)\\r?$`, 'm').exec(r);
  return m ? Number(m[1]) : null;
}

export interface ProbeResult {
  samples: number;
  errors: number;
  firstError: string | null;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/** Percentiles of raw latencies (ms). */
export function summarizeLatencies(all: Float64Array, errors: number, firstError: string | null): ProbeResult {
  const sorted = all.slice().sort();
  return {
    samples: sorted.length,
    errors,
    firstError,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
  };
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/**
 * A latency probe: one connection sending alternately GET and SET on random keys of [0, keyspace),
 * one request at a time, starting one every `intervalMs` (or right after the previous reply when a
 * reply took longer). Latency is measured from write to reply with process.hrtime, in milliseconds.
 * Runs until `stop()` is called.
 */
export class LatencyProbe {
  private stopped = false;
  private lat = new Float64Array(1 << 16);
  private n = 0;
  private errors = 0;
  private firstError: string | null = null;
  private done: Promise<void> | null = null;

  constructor(
    private readonly port: number,
    private readonly keyspace: number,
    private readonly intervalMs = 1,
  ) {}

  start(): void {
    this.done = this.run();
  }

  /** Stops the probe; returns the raw latencies (ms, in send order) and the error count. */
  async stop(): Promise<{ latencies: Float64Array; errors: number; firstError: string | null }> {
    this.stopped = true;
    await this.done;
    return { latencies: this.lat.slice(0, this.n), errors: this.errors, firstError: this.firstError };
  }

  private record(ms: number): void {
    if (this.n === this.lat.length) {
      const bigger = new Float64Array(this.lat.length * 2);
      bigger.set(this.lat);
      this.lat = bigger;
    }
    this.lat[this.n++] = ms;
  }

  private async run(): Promise<void> {
    const c = await RespConnection.connect(this.port);
    try {
      let i = 0;
      let next = performance.now();
      while (!this.stopped) {
        const k = Math.floor(Math.random() * this.keyspace);
        const argv = (i++ & 1) === 0 ? ['GET', benchKey(k)] : ['SET', benchKey(k), benchValue(k)];
        const t0 = process.hrtime.bigint();
        const reply = await c.command(argv);
        this.record(Number(process.hrtime.bigint() - t0) / 1e6);
        if (reply instanceof ReplyError) {
          this.errors++;
          this.firstError ??= reply.message;
          if (reply.message.startsWith('connection lost')) break;
        }
        next += this.intervalMs;
        const wait = next - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        else next = performance.now(); // behind schedule: do not burst to catch up
      }
    } finally {
      c.close();
    }
  }
}
