/**
 * Differential testing: the same command sequence against a real redis-server and against Cinder,
 * replies compared byte for byte in RESP2 and RESP3.
 *
 * The real server is started on a free port per test file when `redis-server` is on PATH. Without it
 * the suites are skipped with one message, except under CI (CI=true), where a missing redis-server fails.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/embedded/index.js';

/**
 * A step: an argv (replies compared exactly), an argv with its own comparison, a pause, or a poll:
 * the command is repeated on each server until its reply is the one `until` expects there (a wait
 * for a condition; it fails only if the condition never holds, after POLL_GIVE_UP_MS).
 */
export type Step = string[] | { argv: string[]; compare?: Compare } | { sleep: number } | { poll: string[]; until: Expect | { redis: Expect; cinder: Expect } };

/** How long a poll step may wait before the test fails (a hang guard, not a performance bound). */
const POLL_GIVE_UP_MS = 20_000;

/** Repeats `argv` on one connection until its reply meets `until` (10 ms between tries). */
async function pollUntil(conn: RawConnection, argv: string[], until: Expect, resp: 2 | 3, side: string): Promise<void> {
  const giveUp = Date.now() + POLL_GIVE_UP_MS;
  for (;;) {
    const reply = await conn.command(argv);
    if (expectHolds(until, reply, resp)) return;
    if (Date.now() > giveUp) assert.fail(`${side}: ${JSON.stringify(argv).slice(0, 200)} never answered as expected; last: ${show(reply)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function pollTargets(step: { until: Expect | { redis: Expect; cinder: Expect } }): { redis: Expect; cinder: Expect } {
  const u = step.until;
  return typeof u === 'object' && 'redis' in u && 'cinder' in u ? u : { redis: u as Expect, cinder: u as Expect };
}

export interface CaseOptions {
  /** Protocols to run the case in (default both). */
  resp?: Array<2 | 3>;
  /** Skip FLUSHALL before the case. */
  noFlush?: boolean;
}

export const redisServerAvailable: boolean = (() => {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return r.status === 0 && /v=7\./.test(r.stdout);
})();

/** A free TCP port on 127.0.0.1 (bound briefly by the OS, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface RealRedis {
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

let dataDir: string | null = null;

/**
 * The `dir` every test server gets (one temporary directory per test process, removed at exit):
 * tests that run SAVE, BGSAVE, DEBUG RELOAD or probe every command must not write dump.rdb into
 * the checkout, where the next real redis-server started there would load it.
 */
export function testDataDir(): string {
  if (dataDir === null) {
    const dir = mkdtempSync(join(tmpdir(), 'cinder-test-'));
    dataDir = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return dataDir;
}

// A test process ended by a signal (the runner's SIGTERM on a timeout or cancellation, ^C) runs
// its 'exit' listeners too, which kill the servers its tests started: never an orphan redis-server.
for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130], ['SIGHUP', 129]] as const) {
  process.once(signal, () => process.exit(code));
}

/**
 * Starts a throwaway redis-server (no persistence) and waits until it answers, whatever the
 * answer: a server loading a file answers -LOADING and is returned then (the loading tests rely
 * on it); a test that needs the dataset waits for PONG itself.
 */
export async function startRealRedis(extraArgs: string[] = []): Promise<RealRedis> {
  const port = await freePort();
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', testDataDir(), ...extraArgs],
    { stdio: 'ignore' },
  );
  // Never leave a redis-server behind when the test process ends early.
  const killOnExit = () => proc.kill('SIGKILL');
  process.once('exit', killOnExit);
  proc.once('exit', () => process.off('exit', killOnExit));
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const c = await RawConnection.connect(port);
      await c.command(['PING']);
      c.close();
      break;
    } catch {
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error('redis-server did not start');
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    port,
    process: proc,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGKILL');
      }),
  };
}

/** The built server binary (dist/src/bin/cinder-server.js, beside this file's dist/test/helpers). */
const CINDER_BIN = new URL('../../src/bin/cinder-server.js', import.meta.url);

/**
 * Starts Cinder as a child process (the built binary) and waits until it is ready. For cases that
 * put the process's Lua engine in a state later tests must not inherit (engine faults): the VM
 * is per process, so an in-process server would share it with every other test of the file.
 */
export async function startCinderProcess(extraArgs: string[] = []): Promise<{ port: number; process: ChildProcess; output(): string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [CINDER_BIN.pathname, '--port', String(port), '--save', '', '--dir', testDataDir(), ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  // A failure timeout only: the binary normally answers within a second.
  const deadline = Date.now() + 20_000;
  while (!out.includes('Ready to accept connections')) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`cinder did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    port,
    process: child,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

/** Encodes argv as a RESP multibulk request (arguments are latin1 strings or Buffers). */
export function encodeCommand(argv: Array<string | Buffer>): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`)];
  for (const a of argv) {
    const b = typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Index just past the RESP frame starting at `pos`, or -1 when incomplete. */
export function frameEnd(buf: Buffer, pos: number): number {
  // Iterative, not recursive: Redis can nest thousands of one-element arrays (a self-referencing
  // Lua table) and a recursive walk would overflow the stack.
  /** Frames still to read at each open aggregate level; an attribute adds one for its reply. */
  const pending: number[] = [];
  let p = pos;
  for (;;) {
    if (p >= buf.length) return -1;
    const cr = buf.indexOf('\r\n', p);
    if (cr < 0) return -1;
    const type = String.fromCharCode(buf[p]);
    let next = cr + 2;
    let children = 0;
    switch (type) {
      case '+':
      case '-':
      case ':':
      case ',':
      case '#':
      case '_':
      case '(':
        break;
      case '$':
      case '=':
      case '!': {
        const len = Number(buf.latin1Slice(p + 1, cr));
        if (len >= 0) {
          if (next + len + 2 > buf.length) return -1;
          next += len + 2;
        }
        break;
      }
      case '*':
      case '~':
      case '>':
      case '%':
      case '|': {
        const n = Number(buf.latin1Slice(p + 1, cr));
        if (n > 0) children = type === '%' || type === '|' ? 2 * n : n;
        // An attribute precedes the reply it annotates.
        if (type === '|') children++;
        break;
      }
      default:
        throw new Error(`unexpected RESP type byte ${JSON.stringify(type)} at ${p}`);
    }
    p = next;
    if (children > 0) {
      pending.push(children);
      continue;
    }
    // One frame finished: close every aggregate it completes.
    for (;;) {
      if (pending.length === 0) return p;
      const top = pending.length - 1;
      if (--pending[top] > 0) break;
      pending.pop();
    }
  }
}

/** A minimal raw-socket client: sends requests, returns each reply's exact bytes. */
export class RawConnection {
  private buf = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Connects to host:port (from `localAddress` when given: 127.0.0.2 is not a local client for Redis). */
  static connect(port: number, host = '127.0.0.1', localAddress?: string): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host, localAddress }, () => {
        s.off('error', reject);
        resolve(new RawConnection(s));
      });
      s.once('error', reject);
    });
  }

  write(data: Buffer | string): void {
    this.socket.write(data);
  }

  /** The local TCP port: the client's address as the server shows it (CLIENT LIST, MONITOR). */
  get localPort(): number {
    return this.socket.localPort ?? 0;
  }

  /** The next complete reply frame's bytes (rejects after `timeoutMs` or if the server closes). */
  async readReply(timeoutMs = 5000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.buf.length > 0 ? frameEnd(this.buf, 0) : -1;
      if (end >= 0) {
        const out = this.buf.subarray(0, end);
        this.buf = this.buf.subarray(end);
        return Buffer.from(out);
      }
      if (this.closed) throw new Error(`connection closed (pending: ${JSON.stringify(this.buf.latin1Slice())})`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for a reply (pending: ${JSON.stringify(this.buf.latin1Slice())})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Everything received until the server closes the connection (or the timeout passes). */
  async readUntilClose(timeoutMs = 2000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    const out = this.buf;
    this.buf = Buffer.alloc(0);
    return out;
  }

  async command(argv: Array<string | Buffer>, timeoutMs?: number): Promise<Buffer> {
    this.write(encodeCommand(argv));
    return this.readReply(timeoutMs);
  }

  close(): void {
    this.socket.destroy();
  }
}

// ---------------------------------------------------------------- reply trees for loose comparison

interface Node {
  raw: Buffer;
  head: string;
  children: Node[] | null;
  isMap: boolean;
}

function parseNode(buf: Buffer, pos: number): { node: Node; end: number } {
  const end = frameEnd(buf, pos);
  const type = String.fromCharCode(buf[pos]);
  const cr = buf.indexOf('\r\n', pos);
  const head = buf.latin1Slice(pos, cr);
  if ('*~>%'.includes(type) && Number(head.slice(1)) >= 0) {
    let n = Number(head.slice(1));
    const isMap = type === '%';
    if (isMap) n *= 2;
    const children: Node[] = [];
    let p = cr + 2;
    for (let i = 0; i < n; i++) {
      const r = parseNode(buf, p);
      children.push(r.node);
      p = r.end;
    }
    return { node: { raw: buf.subarray(pos, end), head, children, isMap }, end };
  }
  return { node: { raw: buf.subarray(pos, end), head, children: null, isMap: false }, end };
}

/** Canonical form with every aggregate's elements (or map pairs) sorted. */
function canonicalUnordered(node: Node): string {
  if (node.children === null) return node.raw.latin1Slice();
  const kids = node.children.map(canonicalUnordered);
  let items: string[];
  if (node.isMap) {
    items = [];
    for (let i = 0; i < kids.length; i += 2) items.push(kids[i] + kids[i + 1]);
  } else {
    items = kids;
  }
  items.sort();
  return node.head + '\r\n' + items.join('');
}

function show(b: Buffer): string {
  const s = b.latin1Slice();
  return JSON.stringify(s.length > 600 ? s.slice(0, 600) + '…' : s);
}

// ---------------------------------------------------------------- bounded comparisons

/**
 * A reply as a tree: its RESP type byte, its text (scalars: the payload; null for nulls and
 * aggregates) and its elements (aggregates; a map's keys and values alternate).
 */
export interface Reply {
  type: string;
  text: string | null;
  items: Reply[] | null;
}

/** Parses one complete RESP frame (attributes are skipped). */
export function parseReply(buf: Buffer, pos = 0): Reply {
  return readReply(buf, pos).reply;
}

function readReply(buf: Buffer, pos: number): { reply: Reply; end: number } {
  const cr = buf.indexOf('\r\n', pos);
  const type = String.fromCharCode(buf[pos]);
  const head = buf.latin1Slice(pos + 1, cr);
  switch (type) {
    case '$':
    case '=':
    case '!': {
      const len = Number(head);
      if (len < 0) return { reply: { type, text: null, items: null }, end: cr + 2 };
      return { reply: { type, text: buf.latin1Slice(cr + 2, cr + 2 + len), items: null }, end: cr + 4 + len };
    }
    case '*':
    case '~':
    case '>':
    case '%':
    case '|': {
      const n = Number(head);
      if (n < 0) return { reply: { type, text: null, items: null }, end: cr + 2 };
      const items: Reply[] = [];
      let p = cr + 2;
      for (let i = 0; i < (type === '%' || type === '|' ? 2 * n : n); i++) {
        const r = readReply(buf, p);
        items.push(r.reply);
        p = r.end;
      }
      if (type === '|') return readReply(buf, p);
      return { reply: { type, text: null, items }, end: p };
    }
    case '_':
      return { reply: { type, text: null, items: null }, end: cr + 2 };
    default:
      return { reply: { type, text: head, items: null }, end: cr + 2 };
  }
}

/** What a bounded comparison may use besides the two replies. */
export interface ReplyContext {
  /** The protocol of the connection (RESP2 unless HELLO 3 was sent). */
  resp: 2 | 3;
  /** Date.now() before the case (or scenario) sent its first command. */
  since: number;
  /** Date.now() once the reply had been read. */
  until: number;
}

/**
 * A comparison for replies that are not byte-identical on the two servers (random picks, times,
 * memory sizes, ids): what must hold of both replies, or of Cinder's beside Redis's.
 */
export interface Matcher {
  /** Shown in failure messages. */
  readonly describe: string;
  match(redis: Buffer, cinder: Buffer, ctx: ReplyContext): boolean;
  /** The check on Cinder's reply alone, for runs without a redis-server (deviation cases). */
  matchCinder?(cinder: Buffer, ctx: ReplyContext): boolean;
}

/**
 * How a step's two replies are compared: byte for byte ('exact', the default), as multisets at
 * every level ('unordered'), by a bounded `Matcher`, or loosely: 'type' (first byte only) and
 * 'ignore' are kept for replies nothing tighter is true of, each use saying why.
 */
export type Compare = 'exact' | 'unordered' | 'type' | 'ignore' | Matcher;

function describeCompare(mode: Compare): string {
  return typeof mode === 'string' ? mode : mode.describe;
}

/** A matcher holding when `pred` holds of each server's reply on its own. */
export function satisfies(describe: string, pred: (reply: Reply, ctx: ReplyContext) => boolean): Matcher {
  const test = (b: Buffer, ctx: ReplyContext): boolean => pred(parseReply(b), ctx);
  return { describe, match: (r, c, ctx) => test(r, ctx) && test(c, ctx), matchCinder: test };
}

function toBig(v: bigint | number): bigint {
  return typeof v === 'bigint' ? v : BigInt(Math.round(v));
}

/** An integer reply in [min, max] on both servers (bounds may depend on the reply's context). */
export function intRange(min: bigint | number | ((ctx: ReplyContext) => bigint | number), max: bigint | number | ((ctx: ReplyContext) => bigint | number), describe?: string): Matcher {
  const bound = (b: typeof min, ctx: ReplyContext): bigint => toBig(typeof b === 'function' ? b(ctx) : b);
  return satisfies(describe ?? `integer in [${typeof min === 'function' ? 'f' : min}, ${typeof max === 'function' ? 'f' : max}]`, (r, ctx) => {
    if (r.type !== ':' || r.text === null) return false;
    const v = BigInt(r.text);
    return v >= bound(min, ctx) && v <= bound(max, ctx);
  });
}

/** A positive integer (ids, sizes). */
export const positiveInt: Matcher = intRange(1, 2n ** 63n - 1n, 'positive integer');

/**
 * MEMORY USAGE: Cinder estimates a value's size from its own representation (docs/ARCHITECTURE.md,
 * "Memory accounting"), so the bytes differ from Redis's; both must be positive integers, Cinder's
 * within a factor of 10 of Redis's (a unit or overflow mistake is far outside that).
 */
export const memoryUsage: Matcher = {
  describe: "MEMORY USAGE: positive, within 10x of Redis's",
  match(redis, cinder) {
    const [r, c] = [parseReply(redis), parseReply(cinder)];
    if (r.type !== ':' || c.type !== ':') return false;
    const [a, b] = [Number(r.text), Number(c.text)];
    return a > 0 && b > 0 && b <= a * 10 && b * 10 >= a;
  },
};

/** Milliseconds per unit of a TTL reply. */
const UNIT_MS = { s: 1000, ms: 1 } as const;

/**
 * TTL/PTTL of a key given `total` units to live during this case: at most `total`, and no less
 * than `total` minus the time the case has run (seconds round to nearest, as Redis's TTL does).
 */
export function remainingTtl(total: number, unit: 's' | 'ms'): Matcher {
  const slack = unit === 's' ? 1 : 0;
  return intRange((ctx) => total - Math.ceil((ctx.until - ctx.since) / UNIT_MS[unit]) - slack, total, `${unit === 's' ? 'TTL' : 'PTTL'} of at most ${total}`);
}

/**
 * TTL/PTTL of a key expiring at the absolute time `at` (unix seconds or ms, as given to
 * EXPIREAT/EXAT or PEXPIREAT/PXAT): `at` minus the server's clock, which read a time between the
 * case's start and the reply.
 */
export function ttlUntil(at: string, atUnit: 's' | 'ms', replyUnit: 's' | 'ms'): Matcher {
  const atMs = BigInt(at) * BigInt(UNIT_MS[atUnit]);
  const per = BigInt(UNIT_MS[replyUnit]);
  const slack = replyUnit === 's' ? 1n : 0n;
  return intRange(
    (ctx) => (atMs - BigInt(ctx.until)) / per - slack,
    (ctx) => (atMs - BigInt(ctx.since)) / per + slack,
    `${replyUnit === 's' ? 'TTL' : 'PTTL'} until ${at}`,
  );
}

/** A unix time in seconds between this test process's start and the reply (LASTSAVE). */
export const unixTimeSinceTestStart: Matcher = intRange(
  Math.floor(performance.timeOrigin / 1000) - 1,
  (ctx) => Math.ceil(ctx.until / 1000),
  'unix time since the test started',
);

/** How long the case has run, in ms: the bound of any idle time it reports. */
export function elapsedMs(ctx: ReplyContext): number {
  return ctx.until - ctx.since;
}

/** Where a leaf sits in a reply: its index path and, inside a map or a flat field/value array, its field name. */
export interface LeafPlace {
  path: number[];
  field: string | null;
}

/**
 * Same shape on both servers (types and lengths at every level) and the same leaves, except the
 * leaves `rule` claims (by returning a boolean instead of undefined): those must satisfy it on
 * both servers.
 */
export function exactExcept(describe: string, rule: (leaf: Reply, place: LeafPlace, ctx: ReplyContext) => boolean | undefined): Matcher {
  const same = (a: Reply, b: Reply, place: LeafPlace, ctx: ReplyContext): boolean => {
    if (a.items === null || b.items === null) {
      const ra = rule(a, place, ctx);
      const rb = rule(b, place, ctx);
      if (ra !== undefined || rb !== undefined) return ra === true && rb === true;
      return a.type === b.type && a.text === b.text && a.items === b.items;
    }
    if (a.type !== b.type || a.items.length !== b.items.length) return false;
    for (let i = 0; i < a.items.length; i++) {
      const prev = i % 2 === 1 ? a.items[i - 1] : null;
      const field = prev !== null && prev.items === null && prev.text !== null ? prev.text : null;
      if (!same(a.items[i], b.items[i], { path: [...place.path, i], field }, ctx)) return false;
    }
    return true;
  };
  return { describe, match: (r, c, ctx) => same(parseReply(r), parseReply(c), { path: [], field: null }, ctx) };
}

/** An id XADD generated for `*` (unix ms, then a sequence) during this case. */
export function isGeneratedStreamId(text: string | null, ctx: ReplyContext): boolean {
  const m = text === null ? null : /^(\d+)-(\d+)$/.exec(text);
  if (m === null) return false;
  const ms = Number(m[1]);
  return ms >= ctx.since && ms <= ctx.until;
}

/**
 * Stream replies holding `*`-generated ids and idle times: exact but for ids of 13 digits (unix
 * ms, checked to lie within the case) and the integers named `idle` (and, in XPENDING's extended
 * form, each entry's third element), checked to be at most the case's duration; or, for an entry
 * whose delivery time XCLAIM ... TIME 0 set to the epoch, to be the clock's time during the case.
 */
export const streamTimes: Matcher = exactExcept('stream ids and idle times of this case', (leaf, place, ctx) => {
  if (leaf.text !== null && /^\d{13}-\d+$/.test(leaf.text)) return isGeneratedStreamId(leaf.text, ctx);
  const pendingEntryIdle = place.path.length === 2 && place.path[1] === 2 && leaf.type === ':';
  if (place.field !== 'idle' && !pendingEntryIdle) return undefined;
  if (leaf.type !== ':') return false;
  const idle = Number(leaf.text);
  return (idle >= 0 && idle <= elapsedMs(ctx)) || (idle >= ctx.since && idle <= ctx.until);
});

/**
 * CLIENT LIST / CLIENT INFO text: the same lines with the same field names in the same order and
 * the same values, except the fields `rules` names (a RegExp the value must match on both servers).
 */
export function clientFields(rules: Record<string, RegExp>): Matcher {
  const lines = (r: Reply): string[][] | null => {
    if (r.text === null) return null;
    const text = r.type === '=' ? r.text.slice(4) : r.text;
    return text
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => l.split(' '));
  };
  return {
    describe: `client fields (${Object.keys(rules).join(' ')} by pattern)`,
    match(redis, cinder) {
      const [a, b] = [parseReply(redis), parseReply(cinder)];
      const [la, lb] = [lines(a), lines(b)];
      if (a.type !== b.type || la === null || lb === null || la.length !== lb.length) return false;
      for (let i = 0; i < la.length; i++) {
        if (la[i].length !== lb[i].length) return false;
        for (let j = 0; j < la[i].length; j++) {
          const [ka, va] = splitField(la[i][j]);
          const [kb, vb] = splitField(lb[i][j]);
          if (ka !== kb) return false;
          const rule = rules[ka];
          if (rule !== undefined ? !(rule.test(va) && rule.test(vb)) : va !== vb) return false;
        }
      }
      return true;
    },
  };
}

function splitField(f: string): [string, string] {
  const eq = f.indexOf('=');
  return eq < 0 ? [f, ''] : [f.slice(0, eq), f.slice(eq + 1)];
}

/**
 * CLIENT LIST/INFO fields that differ between any two servers: connection ids, ports, file
 * descriptors, buffer sizes, and the seconds since connecting and since the last command (0 unless
 * the case is slow).
 */
export const CLIENT_VOLATILE_FIELDS: Record<string, RegExp> = {
  id: /^[1-9]\d*$/,
  addr: /^127\.0\.0\.1:\d+$/,
  laddr: /^127\.0\.0\.1:\d+$/,
  fd: /^\d+$/,
  age: /^\d+$/,
  idle: /^\d+$/,
  qbuf: /^\d+$/,
  'qbuf-free': /^\d+$/,
  'tot-mem': /^\d+$/,
  // The reply buffer's size and peak: Redis's client cron shrinks them while the client idles
  // (Cinder keeps its 16 KB buffer), so they depend on timing.
  rbs: /^\d+$/,
  rbp: /^\d+$/,
};

/**
 * A random pick from a known collection (SPOP, SRANDMEMBER, HRANDFIELD, ZRANDMEMBER): without a
 * count, one member; with one, an array of exactly `count` picks (distinct when `distinct`).
 * With `values` (field -> value), picks come WITHVALUES/WITHSCORES: flat pairs in RESP2, two-element
 * arrays in RESP3, each value the member's own (scores compared as numbers).
 */
export function randomPick(members: readonly string[] | Record<string, string>, opts: { count?: number; distinct?: boolean; withValues?: boolean } = {}): Matcher {
  const values: Record<string, string> | null = Array.isArray(members) ? null : (members as Record<string, string>);
  const universe = new Set(Array.isArray(members) ? members : Object.keys(members));
  const valueOk = (member: string, v: Reply): boolean =>
    values !== null && v.text !== null && (v.text === values[member] || (v.type === ',' && Number(v.text) === Number(values[member])));
  const describe = `random pick of ${opts.count ?? 'one'}${opts.distinct ? ' distinct' : ''} from ${universe.size} members`;
  const picked = satisfies(describe, (r, ctx) => {
    if (opts.count === undefined) return r.type === '$' && r.text !== null && universe.has(r.text);
    // An array, or in RESP3 a set (SPOP with a count).
    if (r.items === null || !(r.type === '*' || r.type === '~')) return false;
    const picks: string[] = [];
    if (opts.withValues) {
      if (ctx.resp === 3) {
        if (r.items.length !== opts.count) return false;
        for (const pair of r.items) {
          if (pair.items === null || pair.items.length !== 2 || pair.items[0].text === null) return false;
          if (!valueOk(pair.items[0].text, pair.items[1])) return false;
          picks.push(pair.items[0].text);
        }
      } else {
        if (r.items.length !== 2 * opts.count) return false;
        for (let i = 0; i < r.items.length; i += 2) {
          const m = r.items[i].text;
          if (m === null || !valueOk(m, r.items[i + 1])) return false;
          picks.push(m);
        }
      }
    } else {
      if (r.items.length !== opts.count) return false;
      for (const item of r.items) {
        if (item.type !== '$' || item.text === null) return false;
        picks.push(item.text);
      }
    }
    if (!picks.every((p) => universe.has(p))) return false;
    return !opts.distinct || new Set(picks).size === picks.length;
  });
  // Both replies must also be of the same RESP type.
  return { ...picked, match: (r, c, ctx) => r[0] === c[0] && picked.match(r, c, ctx) };
}

/** HELLO's reply: exact but for the connection's id (a positive integer on each server). */
export const helloReply: Matcher = exactExcept('HELLO reply, client id aside', (leaf, place) =>
  place.field === 'id' && place.path.length === 1 ? leaf.type === ':' && Number(leaf.text) > 0 : undefined,
);

/**
 * The same RESP shape on both servers (types at every level, aggregate lengths, null or not) with
 * any leaf values; with `distinct`, no aggregate repeats an element. For random picks from a
 * collection the comparison cannot name (property tests with generated contents).
 */
export function sameShape(opts: { distinct?: boolean } = {}): Matcher {
  const shape = (a: Reply, b: Reply): boolean => {
    if (a.type !== b.type || (a.text === null) !== (b.text === null) || (a.items === null) !== (b.items === null)) return false;
    if (a.items === null || b.items === null) return true;
    if (a.items.length !== b.items.length) return false;
    return a.items.every((item, i) => shape(item, b.items![i]));
  };
  const distinct = (r: Reply): boolean => r.items === null || new Set(r.items.map((i) => `${i.type}${i.text}`)).size === r.items.length;
  return {
    describe: `same shape${opts.distinct ? ', distinct elements' : ''}`,
    match(redis, cinder) {
      const [a, b] = [parseReply(redis), parseReply(cinder)];
      return shape(a, b) && (!opts.distinct || (distinct(a) && distinct(b)));
    },
  };
}

/** Today's reply on one server, per protocol when the two differ. */
export type Expect = string | RegExp | { 2: string | RegExp; 3: string | RegExp };

function expectHolds(e: Expect, reply: Buffer, resp: 2 | 3): boolean {
  const want = typeof e === 'string' || e instanceof RegExp ? e : e[resp];
  const got = reply.latin1Slice();
  return typeof want === 'string' ? got === want : want.test(got);
}

/**
 * A known deviation: Redis answers `redis`, Cinder answers `cinder` today (each asserted exactly,
 * as raw RESP text, or by a RegExp on it). When Cinder is fixed this fails: the step then becomes
 * an ordinary exact one.
 */
export function deviates(redis: Expect, cinder: Expect): Matcher {
  return {
    describe: 'known deviation (Redis and Cinder each answer their documented reply)',
    match: (r, c, ctx) => expectHolds(redis, r, ctx.resp) && expectHolds(cinder, c, ctx.resp),
    matchCinder: (c, ctx) => expectHolds(cinder, c, ctx.resp),
  };
}

/** Whether the replies agree under `mode`; `ctx` feeds the bounds of time-dependent matchers. */
export function compareReplies(mode: Compare, expected: Buffer, actual: Buffer, ctx: ReplyContext = { resp: 2, since: performance.timeOrigin, until: Date.now() }): boolean {
  if (typeof mode !== 'string') return mode.match(expected, actual, ctx);
  switch (mode) {
    case 'exact':
      return expected.equals(actual);
    case 'ignore':
      return true;
    case 'type':
      return expected[0] === actual[0];
    case 'unordered':
      return canonicalUnordered(parseNode(expected, 0).node) === canonicalUnordered(parseNode(actual, 0).node);
  }
}

/** Flushes everything on a server whatever state it is in. */
async function resetServer(port: number): Promise<void> {
  const c = await RawConnection.connect(port);
  try {
    await c.command(['FLUSHALL']);
  } finally {
    c.close();
  }
}

export interface DiffContext {
  /** Registers a case: `steps` run against both servers, replies compared. */
  case(name: string, steps: Step[], opts?: CaseOptions): void;
  /** Port of the real redis-server and of Cinder (valid inside cases). */
  readonly ports: { redis: number; cinder: number };
  /** The in-process Cinder server (valid inside cases). */
  readonly cinder: RunningServer;
}

/**
 * Runs the given steps on both servers in one protocol and throws on the first difference.
 * Exposed for property-based tests that generate steps.
 */
export async function runSteps(ports: { redis: number; cinder: number }, steps: Step[], resp: 2 | 3, flush = true): Promise<void> {
  const since = Date.now();
  if (flush) await Promise.all([resetServer(ports.redis), resetServer(ports.cinder)]);
  const [r, c] = await Promise.all([RawConnection.connect(ports.redis), RawConnection.connect(ports.cinder)]);
  try {
    if (resp === 3) await Promise.all([r.command(['HELLO', '3']), c.command(['HELLO', '3'])]);
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      if (!Array.isArray(step) && 'sleep' in step) {
        await new Promise((res) => setTimeout(res, step.sleep));
        continue;
      }
      if (!Array.isArray(step) && 'poll' in step) {
        const until = pollTargets(step);
        await Promise.all([pollUntil(r, step.poll, until.redis, resp, 'redis'), pollUntil(c, step.poll, until.cinder, resp, 'cinder')]);
        continue;
      }
      const argv = Array.isArray(step) ? step : step.argv;
      const mode = Array.isArray(step) ? 'exact' : (step.compare ?? 'exact');
      const [expected, actual] = await Promise.all([r.command(argv), c.command(argv)]);
      if (!compareReplies(mode, expected, actual, { resp, since, until: Date.now() })) {
        assert.fail(
          `RESP${resp} step ${i + 1} ${JSON.stringify(argv).slice(0, 300)} (compare: ${describeCompare(mode)})\n` +
            `  redis:  ${show(expected)}\n  cinder: ${show(actual)}`,
        );
      }
    }
  } finally {
    r.close();
    c.close();
  }
}

/**
 * Runs steps on Cinder alone (no redis-server here): only steps whose matcher can judge Cinder's
 * reply by itself (`deviates`) are checked; the others just run, as the setup they are.
 */
async function runStepsOnCinder(port: number, steps: Step[], resp: 2 | 3, flush = true): Promise<void> {
  const since = Date.now();
  if (flush) await resetServer(port);
  const c = await RawConnection.connect(port);
  try {
    if (resp === 3) await c.command(['HELLO', '3']);
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      if (!Array.isArray(step) && 'sleep' in step) {
        await new Promise((res) => setTimeout(res, step.sleep));
        continue;
      }
      if (!Array.isArray(step) && 'poll' in step) {
        await pollUntil(c, step.poll, pollTargets(step).cinder, resp, 'cinder');
        continue;
      }
      const argv = Array.isArray(step) ? step : step.argv;
      const actual = await c.command(argv);
      const mode = Array.isArray(step) ? undefined : step.compare;
      if (typeof mode === 'object' && mode.matchCinder !== undefined && !mode.matchCinder(actual, { resp, since, until: Date.now() })) {
        assert.fail(`RESP${resp} step ${i + 1} ${JSON.stringify(argv).slice(0, 300)} (${mode.describe})\n  cinder: ${show(actual)}`);
      }
    }
  } finally {
    c.close();
  }
}

let skipNoticePrinted = false;

/**
 * Whether a suite that needs a real redis-server can run. Without one it declares the suite as
 * skipped (with one notice per test file), or as failing under CI (CI=true), and answers false.
 */
export function realRedisSuite(name: string): boolean {
  if (redisServerAvailable) return true;
  if (process.env.CI) {
    describe(name, () => {
      it('needs redis-server', () => assert.fail('redis-server 7.x is not installed; CI must install it (apt-get install redis-server)'));
    });
    return false;
  }
  if (!skipNoticePrinted) {
    skipNoticePrinted = true;
    process.stderr.write('differential tests skipped: redis-server is not installed (apt-get install redis-server)\n');
  }
  describe(name, { skip: 'redis-server not installed' }, () => {});
  return false;
}


/**
 * A suite of differential cases sharing one real redis-server and one in-process Cinder.
 */
/** Startup settings of both servers of a suite (Redis command-line flags, Cinder directives). */
export interface SuiteOptions {
  /** redis.conf directives given to both servers, e.g. `{ 'enable-debug-command': 'yes' }`. */
  config?: Record<string, string>;
}

export function diffSuite(name: string, body: (t: DiffContext) => void, suiteOptions: SuiteOptions = {}): void {
  if (!realRedisSuite(name)) return;
  describe(name, () => {
    let redis: RealRedis;
    let cinder: RunningServer;
    const ports = { redis: 0, cinder: 0 };
    before(async () => {
      // Started side by side; if one fails, the other is still stopped by `after`.
      const config = suiteOptions.config ?? {};
      const flags = Object.entries(config).flatMap(([k, v]) => [`--${k}`, v]);
      const [r, c] = await Promise.allSettled([startRealRedis(flags), startServer({ port: 0, config: { dir: testDataDir(), ...config } })]);
      if (r.status === 'fulfilled') redis = r.value;
      if (c.status === 'fulfilled') cinder = c.value;
      if (r.status === 'rejected') throw r.reason;
      if (c.status === 'rejected') throw c.reason;
      ports.redis = redis.port;
      ports.cinder = cinder.port;
    });
    after(async () => {
      await Promise.all([redis?.stop(), cinder?.close()]);
    });
    const ctx: DiffContext = {
      ports,
      get cinder() {
        return cinder;
      },
      case(caseName, steps, opts = {}) {
        for (const resp of opts.resp ?? [2, 3]) {
          it(`${caseName} [RESP${resp}]`, async () => {
            await runSteps(ports, steps, resp as 2 | 3, !opts.noFlush);
          });
        }
      },
    };
    body(ctx);
  });
}

export interface DeviationContext {
  /**
   * Registers a known deviation: `steps` run against Cinder (and against Redis when a
   * redis-server is installed); the steps marked `deviates(...)` assert each server's reply as it
   * is today, the others must agree exactly. `reason` says why Cinder differs; it is part of the
   * test's name so reports list it.
   */
  deviation(name: string, reason: string, steps: Step[], opts?: CaseOptions): void;
  /** Ports of the servers (valid inside cases; redis is 0 without a redis-server). */
  readonly ports: { redis: number; cinder: number };
  /** The in-process Cinder server (valid inside cases; not with `cinderProcess`). */
  readonly cinder: RunningServer;
}

export interface DeviationSuiteOptions {
  /**
   * Each case gets a Cinder child process of its own instead of the suite's in-process server:
   * for deviations that fault the Lua engine (see startCinderProcess).
   */
  cinderProcess?: boolean;
}

/**
 * Known deviations from Redis, each a live test: it runs against Cinder even where no
 * redis-server is installed (and against both servers where one is), asserting today's replies.
 * A deviation that gets fixed makes its test fail, to be turned into an ordinary differential case.
 */
export function deviationSuite(name: string, body: (t: DeviationContext) => void, suiteOpts: DeviationSuiteOptions = {}): void {
  describe(name, () => {
    let redis: RealRedis | undefined;
    let cinder: RunningServer | undefined;
    const ports = { redis: 0, cinder: 0 };
    before(async () => {
      const [r, c] = await Promise.allSettled([
        redisServerAvailable ? startRealRedis() : Promise.resolve(undefined),
        suiteOpts.cinderProcess ? Promise.resolve(undefined) : startServer({ port: 0, config: { dir: testDataDir() } }),
      ]);
      if (r.status === 'fulfilled') redis = r.value;
      if (c.status === 'fulfilled') cinder = c.value;
      if (r.status === 'rejected') throw r.reason;
      if (c.status === 'rejected') throw c.reason;
      ports.redis = redis?.port ?? 0;
      ports.cinder = cinder?.port ?? 0;
    });
    after(async () => {
      await Promise.all([redis?.stop(), cinder?.close()]);
    });
    if (!redisServerAvailable && process.env.CI) {
      it('needs redis-server', () => assert.fail('redis-server 7.x is not installed; CI must install it (apt-get install redis-server)'));
    }
    const run = async (steps: Step[], resp: 2 | 3, flush: boolean, cinderPort: number): Promise<void> => {
      if (ports.redis !== 0) await runSteps({ redis: ports.redis, cinder: cinderPort }, steps, resp, flush);
      else await runStepsOnCinder(cinderPort, steps, resp, flush);
    };
    body({
      ports,
      get cinder() {
        if (cinder === undefined) throw new Error('no in-process Cinder in this suite');
        return cinder;
      },
      deviation(caseName, reason, steps, opts = {}) {
        for (const resp of opts.resp ?? [2, 3]) {
          it(`${caseName} (known deviation: ${reason}) [RESP${resp}]`, async () => {
            if (!suiteOpts.cinderProcess) return run(steps, resp as 2 | 3, !opts.noFlush, ports.cinder);
            const own = await startCinderProcess();
            try {
              await run(steps, resp as 2 | 3, !opts.noFlush, own.port);
            } finally {
              await own.stop();
            }
          });
        }
      },
    });
  });
}
