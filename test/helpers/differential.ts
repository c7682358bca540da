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
import { startServer, type RunningServer } from '../../src/embedded/index.js';

export type Compare = 'exact' | 'unordered' | 'type' | 'ignore';
export type Step = string[] | { argv: string[]; compare?: Compare } | { sleep: number };

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

/** Starts a throwaway redis-server (no persistence) and waits until it answers. */
export async function startRealRedis(extraArgs: string[] = []): Promise<RealRedis> {
  const port = await freePort();
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', ...extraArgs],
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
  if (pos >= buf.length) return -1;
  const cr = buf.indexOf('\r\n', pos);
  if (cr < 0) return -1;
  const type = String.fromCharCode(buf[pos]);
  const next = cr + 2;
  switch (type) {
    case '+':
    case '-':
    case ':':
    case ',':
    case '#':
    case '_':
    case '(':
      return next;
    case '$':
    case '=':
    case '!': {
      const len = Number(buf.latin1Slice(pos + 1, cr));
      if (len < 0) return next;
      return next + len + 2 <= buf.length ? next + len + 2 : -1;
    }
    case '*':
    case '~':
    case '>':
    case '%':
    case '|': {
      let n = Number(buf.latin1Slice(pos + 1, cr));
      if (n < 0) return next;
      if (type === '%' || type === '|') n *= 2;
      let p = next;
      for (let i = 0; i < n; i++) {
        p = frameEnd(buf, p);
        if (p < 0) return -1;
      }
      // An attribute precedes the reply it annotates.
      if (type === '|') return frameEnd(buf, p);
      return p;
    }
    default:
      throw new Error(`unexpected RESP type byte ${JSON.stringify(type)} at ${pos}`);
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

  static connect(port: number, host = '127.0.0.1'): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host }, () => {
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

export function compareReplies(mode: Compare, expected: Buffer, actual: Buffer): boolean {
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
      const argv = Array.isArray(step) ? step : step.argv;
      const mode = Array.isArray(step) ? 'exact' : (step.compare ?? 'exact');
      const [expected, actual] = await Promise.all([r.command(argv), c.command(argv)]);
      if (!compareReplies(mode, expected, actual)) {
        assert.fail(
          `RESP${resp} step ${i + 1} ${JSON.stringify(argv).slice(0, 300)} (compare: ${mode})\n` +
            `  redis:  ${show(expected)}\n  cinder: ${show(actual)}`,
        );
      }
    }
  } finally {
    r.close();
    c.close();
  }
}

let skipNoticePrinted = false;

/**
 * A suite of differential cases sharing one real redis-server and one in-process Cinder.
 */
/** Startup settings of both servers of a suite (Redis command-line flags, Cinder directives). */
export interface SuiteOptions {
  /** redis.conf directives given to both servers, e.g. `{ 'enable-debug-command': 'yes' }`. */
  config?: Record<string, string>;
}

export function diffSuite(name: string, body: (t: DiffContext) => void, suiteOptions: SuiteOptions = {}): void {
  if (!redisServerAvailable) {
    if (process.env.CI) {
      describe(name, () => {
        it('needs redis-server', () => assert.fail('redis-server 7.x is not installed; CI must install it (apt-get install redis-server)'));
      });
      return;
    }
    if (!skipNoticePrinted) {
      skipNoticePrinted = true;
      process.stderr.write('differential tests skipped: redis-server is not installed (apt-get install redis-server)\n');
    }
    describe(name, { skip: 'redis-server not installed' }, () => {});
    return;
  }
  describe(name, () => {
    let redis: RealRedis;
    let cinder: RunningServer;
    const ports = { redis: 0, cinder: 0 };
    before(async () => {
      // Started side by side; if one fails, the other is still stopped by `after`.
      const config = suiteOptions.config ?? {};
      const flags = Object.entries(config).flatMap(([k, v]) => [`--${k}`, v]);
      const [r, c] = await Promise.allSettled([startRealRedis(flags), startServer({ port: 0, config })]);
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
