/**
 * Propagation tests: the stream of effects a write sends to replicas, compared with real Redis.
 *
 * Both servers get a replica: a raw connection that sends SYNC, skips the RDB payload and then
 * reads the replication stream command by command (Cinder's in-process, Redis's a real
 * redis-server: the same bytes a replica of either receives). Each case
 * runs the same commands on both servers (replies compared byte for byte too), between two marker
 * PUBLISHes; the commands each server propagated in between are compared, after normalising what
 * legitimately differs (absolute times, stream IDs made from the clock).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type RunningServer } from '../../src/embedded/index.js';
import { RawConnection, compareReplies, realRedisSuite, startRealRedis, testDataDir, type Compare, type RealRedis, type Step } from './differential.js';
import { PairedClient } from './scenario.js';

const MARKER_CHANNEL = '__propagation_test_marker__';

/** Reads the replication stream of a real Redis as argv arrays. */
class ReplicaLink {
  private buf: Buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  private closed = false;

  private constructor(private readonly conn: import('node:net').Socket) {
    conn.on('data', (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    });
    conn.on('close', () => {
      this.closed = true;
      for (const f of this.waiters) f();
    });
  }

  /** Connects, sends SYNC and skips the RDB transfer (and the newlines sent while it is prepared). */
  static async attach(port: number): Promise<ReplicaLink> {
    const net = await import('node:net');
    const socket = await new Promise<import('node:net').Socket>((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1' }, () => resolve(s));
      s.once('error', reject);
    });
    const link = new ReplicaLink(socket);
    socket.write('SYNC\r\n');
    for (;;) {
      while (link.buf.length > 0 && link.buf[0] === 10) link.buf = link.buf.subarray(1);
      const cr = link.buf.indexOf('\r\n');
      if (link.buf.length > 0 && link.buf[0] === 0x24 && cr > 0) {
        const len = Number(link.buf.latin1Slice(1, cr));
        if (link.buf.length >= cr + 2 + len) {
          link.buf = link.buf.subarray(cr + 2 + len);
          return link;
        }
      }
      await link.wait(10_000, 'the RDB payload of SYNC');
    }
  }

  private wait(timeoutMs: number, what: string): Promise<void> {
    if (this.closed) throw new Error(`replication link closed while waiting for ${what}`);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** The next command of the stream (a multibulk of bulk strings). */
  async next(): Promise<string[]> {
    for (;;) {
      const parsed = parseMultibulk(this.buf);
      if (parsed !== null) {
        this.buf = this.buf.subarray(parsed.end);
        return parsed.argv;
      }
      await this.wait(10_000, 'the next propagated command');
    }
  }

  close(): void {
    this.conn.destroy();
  }
}

function parseMultibulk(buf: Buffer): { argv: string[]; end: number } | null {
  if (buf.length === 0) return null;
  if (buf[0] !== 0x2a) throw new Error(`unexpected byte in the replication stream: ${JSON.stringify(buf.latin1Slice(0, 40))}`);
  let cr = buf.indexOf('\r\n');
  if (cr < 0) return null;
  const n = Number(buf.latin1Slice(1, cr));
  let pos = cr + 2;
  const argv: string[] = [];
  for (let i = 0; i < n; i++) {
    cr = buf.indexOf('\r\n', pos);
    if (cr < 0) return null;
    const len = Number(buf.latin1Slice(pos + 1, cr));
    if (buf.length < cr + 2 + len + 2) return null;
    argv.push(buf.latin1Slice(cr + 2, cr + 2 + len));
    pos = cr + 2 + len + 2;
  }
  return { argv, end: pos };
}

/** Replaces values that differ between two servers for good reasons. */
export type Normalize = (argv: string[]) => string[];

const DAY_MS = 86_400_000;

/**
 * The default normalisation: integers that are absolute times near now become `<unix-ms>` or
 * `<unix-s>`, and stream IDs built from the clock become `<stream-id>`, so a relative expiry
 * propagated as PXAT compares equal while a wrong unit still shows.
 */
export function normalizeTimes(argv: string[]): string[] {
  const now = Date.now();
  return argv.map((a) => {
    if (/^\d{13}$/.test(a) && Math.abs(Number(a) - now) < DAY_MS) return '<unix-ms>';
    // A huge relative expiry plus now (PX 9000000000000000000): the clock's digits end it.
    if (/^\d{14,}$/.test(a) && Math.abs(Number(a.slice(-13)) - now) < DAY_MS) return `${a.slice(0, -13)}<unix-ms>`;
    if (/^\d{10}$/.test(a) && Math.abs(Number(a) * 1000 - now) < DAY_MS) return '<unix-s>';
    if (/^\d{13}-\d+$/.test(a) && Math.abs(Number(a.slice(0, 13)) - now) < DAY_MS) return '<stream-id>';
    return a;
  });
}

export interface PropagationCaseOptions {
  /** Replaces what legitimately differs (default: normalizeTimes). */
  normalize?: Normalize;
  /** How replies compare (default exact). */
  compare?: Compare;
  /** Milliseconds to wait after the steps before the end marker (active expiry, timers). */
  settleMs?: number;
  /** Compare the streams as multisets (random sampling decides the order, e.g. active expiry). */
  unordered?: boolean;
}

export interface PropagationScenario {
  /** A new paired client (a connection to each server). */
  client(name?: string): Promise<PairedClient>;
  sleep(ms: number): Promise<void>;
  readonly cinder: RunningServer;
}

export interface PropagationContext {
  /** Steps on one client; replies and propagated streams compared. */
  case(name: string, steps: Step[], opts?: PropagationCaseOptions): void;
  /** Several clients (blocking commands, WATCH): the body drives them; the streams are compared after. */
  scenario(name: string, body: (s: PropagationScenario) => Promise<void>, opts?: PropagationCaseOptions): void;
  /** The commands whose propagation some case exercised (for coverage checks). */
  readonly exercised: Set<string>;
}

/**
 * A suite of propagation cases sharing one real redis-server (with an attached replica link) and
 * one in-process Cinder with a replication stream target.
 */
export function propagationSuite(name: string, body: (t: PropagationContext) => void): void {
  if (!realRedisSuite(name)) return;
  describe(name, () => {
    let redis: RealRedis;
    let cinder: RunningServer;
    let link: ReplicaLink;
    let cinderLink: ReplicaLink;
    let dir: string;
    let marker = 0;
    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cinder-propagation-'));
      // SYNC without the EOF capability makes Redis save an RDB file for the transfer: keep it in a
      // temporary directory, and send it at once.
      const [r, c] = await Promise.allSettled([
        startRealRedis(['--dir', dir, '--repl-diskless-sync', 'no', '--repl-ping-replica-period', '3600', '--enable-debug-command', 'yes']),
        startServer({ port: 0, config: { 'enable-debug-command': 'yes', dir: testDataDir(), 'repl-ping-replica-period': 3600 } }),
      ]);
      if (r.status === 'fulfilled') redis = r.value;
      if (c.status === 'fulfilled') cinder = c.value;
      if (r.status === 'rejected') throw r.reason;
      if (c.status === 'rejected') throw c.reason;
      [link, cinderLink] = await Promise.all([ReplicaLink.attach(redis.port), ReplicaLink.attach(cinder.port)]);
    });
    after(async () => {
      link?.close();
      cinderLink?.close();
      await Promise.all([redis?.stop(), cinder?.close()]);
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    /** Publishes a marker on both servers and returns what each propagated before it. */
    const collect = async (): Promise<{ redis: string[][]; cinder: string[][] }> => {
      const id = String(++marker);
      const [r, c] = await Promise.all([RawConnection.connect(redis.port), RawConnection.connect(cinder.port)]);
      try {
        await Promise.all([r.command(['PUBLISH', MARKER_CHANNEL, id]), c.command(['PUBLISH', MARKER_CHANNEL, id])]);
      } finally {
        r.close();
        c.close();
      }
      const isMarker = (argv: string[]) => argv.length === 3 && argv[0].toUpperCase() === 'PUBLISH' && argv[1] === MARKER_CHANNEL && argv[2] === id;
      const upToMarker = async (from: ReplicaLink): Promise<string[][]> => {
        const out: string[][] = [];
        for (;;) {
          const argv = await from.next();
          if (isMarker(argv)) return out;
          // Servers ping their replicas now and then; not an effect of the case.
          if (argv.length === 1 && argv[0].toUpperCase() === 'PING') continue;
          out.push(argv);
        }
      };
      const [fromRedis, fromCinder] = await Promise.all([upToMarker(link), upToMarker(cinderLink)]);
      return { redis: fromRedis, cinder: fromCinder };
    };

    /** Brings both streams to the same point: a flush, then a marker. */
    const resetBoth = async (): Promise<void> => {
      const [r, c] = await Promise.all([RawConnection.connect(redis.port), RawConnection.connect(cinder.port)]);
      try {
        await Promise.all([r.command(['FLUSHALL']), c.command(['FLUSHALL'])]);
      } finally {
        r.close();
        c.close();
      }
      await collect();
    };

    const compareStreams = (got: { redis: string[][]; cinder: string[][] }, opts: PropagationCaseOptions): void => {
      // PROPAGATION_DEBUG=1 prints what Redis propagated, to write new cases against.
      if (process.env.PROPAGATION_DEBUG) process.stderr.write(`redis propagated: ${JSON.stringify(got.redis)}\n`);
      const normalize = opts.normalize ?? normalizeTimes;
      let expected = got.redis.map((a) => normalize(a));
      let actual = got.cinder.map((a) => normalize(a));
      if (opts.unordered) {
        const byText = (a: string[], b: string[]) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);
        expected = expected.sort(byText);
        actual = actual.sort(byText);
      }
      assert.deepEqual(actual, expected, `propagated streams differ\n  redis:  ${JSON.stringify(got.redis)}\n  cinder: ${JSON.stringify(got.cinder)}`);
    };

    const exercised = new Set<string>();

    body({
      exercised,
      case(caseName, steps, opts = {}) {
        for (const step of steps) {
          const argv = Array.isArray(step) ? step : 'argv' in step ? step.argv : null;
          if (argv !== null && argv.length > 0) exercised.add(argv[0].toLowerCase());
        }
        it(caseName, async () => {
          await resetBoth();
          const [r, c] = await Promise.all([RawConnection.connect(redis.port), RawConnection.connect(cinder.port)]);
          try {
            for (let i = 0; i < steps.length; i++) {
              const step = steps[i];
              if (!Array.isArray(step) && 'sleep' in step) {
                await new Promise((res) => setTimeout(res, step.sleep));
                continue;
              }
              if (!Array.isArray(step) && 'poll' in step) throw new Error('poll steps are not supported in propagation cases');
              const argv = Array.isArray(step) ? step : step.argv;
              const mode: Compare = Array.isArray(step) ? (opts.compare ?? 'exact') : (step.compare ?? opts.compare ?? 'exact');
              const [expected, actual] = await Promise.all([r.command(argv), c.command(argv)]);
              if (!compareReplies(mode, expected, actual)) {
                assert.fail(
                  `step ${i + 1} ${JSON.stringify(argv).slice(0, 300)} (compare: ${mode})\n` +
                    `  redis:  ${JSON.stringify(expected.latin1Slice())}\n  cinder: ${JSON.stringify(actual.latin1Slice())}`,
                );
              }
            }
          } finally {
            r.close();
            c.close();
          }
          if (opts.settleMs) await new Promise((res) => setTimeout(res, opts.settleMs));
          compareStreams(await collect(), opts);
        });
      },
      scenario(caseName, run, opts = {}) {
        it(caseName, async () => {
          await resetBoth();
          const clients: PairedClient[] = [];
          const s: PropagationScenario = {
            get cinder() {
              return cinder;
            },
            async client(clientName) {
              const [r, c] = await Promise.all([RawConnection.connect(redis.port), RawConnection.connect(cinder.port)]);
              const pc = new PairedClient(clientName ?? `client ${clients.length + 1}`, r, c);
              clients.push(pc);
              return pc;
            },
            sleep: (ms) => new Promise((res) => setTimeout(res, ms)),
          };
          try {
            await run(s);
          } finally {
            for (const pc of clients) pc.close();
          }
          if (opts.settleMs) await new Promise((res) => setTimeout(res, opts.settleMs));
          compareStreams(await collect(), opts);
        });
      },
    });
  });
}
