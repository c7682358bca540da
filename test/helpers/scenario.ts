/**
 * Multi-client differential scenarios: several connections to a real redis-server and the same
 * number to Cinder, driven in lockstep. Every command goes to both servers; every reply read is
 * compared byte for byte. For blocking commands, pub/sub and anything where one client's command
 * answers another client.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type RunningServer } from '../../src/embedded/index.js';
import { RawConnection, compareReplies, encodeCommand, helloReply, realRedisSuite, startRealRedis, testDataDir, type Compare, type RealRedis, type SuiteOptions } from './differential.js';

export type Side = 'redis' | 'cinder';
/** An argv, or one computed per server (for values that differ, like client ids). */
export type Argv = string[] | ((side: Side) => string[]);

function show(b: Buffer): string {
  const s = b.latin1Slice();
  return JSON.stringify(s.length > 400 ? s.slice(0, 400) + '…' : s);
}

/** One logical client: a connection to each server. */
export class PairedClient {
  /** The connection's protocol, followed through HELLO (for bounded comparisons). */
  resp: 2 | 3 = 2;
  /** The protocol a HELLO just sent asks for, applied once its reply is not an error. */
  private helloResp: 2 | 3 | null = null;

  constructor(
    readonly name: string,
    readonly redis: RawConnection,
    readonly cinder: RawConnection,
    /** Date.now() when the scenario started: the lower bound of any time a reply reports. */
    readonly since: number = Date.now(),
  ) {}

  /** Sends a command to both servers without reading a reply. */
  send(argv: Argv): void {
    const shown = typeof argv === 'function' ? argv('redis') : argv;
    if (shown.length >= 2 && shown[0].toUpperCase() === 'HELLO' && (shown[1] === '2' || shown[1] === '3')) this.helloResp = Number(shown[1]) as 2 | 3;
    this.redis.write(encodeCommand(shown));
    this.cinder.write(encodeCommand(typeof argv === 'function' ? argv('cinder') : argv));
  }

  /** Reads the next reply from both servers and compares them; returns Redis's bytes. */
  async reply(compare: Compare = 'exact', timeoutMs = 5000, what = 'reply'): Promise<Buffer> {
    const [expected, actual] = await Promise.all([
      this.redis.readReply(timeoutMs).catch((e: Error) => {
        throw new Error(`${this.name}: redis gave no ${what}: ${e.message}`);
      }),
      this.cinder.readReply(timeoutMs).catch((e: Error) => {
        throw new Error(`${this.name}: cinder gave no ${what}: ${e.message}`);
      }),
    ]);
    if (this.helloResp !== null && expected[0] !== 45 /* - */) this.resp = this.helloResp;
    this.helloResp = null;
    if (!compareReplies(compare, expected, actual, { resp: this.resp, since: this.since, until: Date.now() })) {
      assert.fail(`${this.name} ${what} (compare: ${typeof compare === 'string' ? compare : compare.describe})\n  redis:  ${show(expected)}\n  cinder: ${show(actual)}`);
    }
    return expected;
  }

  /** send + reply. */
  async call(argv: Argv, compare: Compare = 'exact'): Promise<Buffer> {
    this.send(argv);
    const shown = typeof argv === 'function' ? argv('redis') : argv;
    return this.reply(compare, 5000, JSON.stringify(shown).slice(0, 200));
  }

  /** The client's id on each server (CLIENT ID). */
  async ids(): Promise<Record<Side, string>> {
    const [r, c] = await Promise.all([this.redis.command(['CLIENT', 'ID']), this.cinder.command(['CLIENT', 'ID'])]);
    return { redis: r.latin1Slice(1, r.length - 2), cinder: c.latin1Slice(1, c.length - 2) };
  }

  close(): void {
    this.redis.close();
    this.cinder.close();
  }
}

export interface Scenario {
  /** Opens a new paired client (RESP2; `hello3` switches it to RESP3). */
  client(name?: string, opts?: { hello3?: boolean }): Promise<PairedClient>;
  /** Waits `ms` and asserts that no client has an unread reply on either server. */
  quiet(ms?: number): Promise<void>;
  sleep(ms: number): Promise<void>;
  readonly cinder: RunningServer;
}

export interface ScenarioContext {
  scenario(name: string, body: (s: Scenario) => Promise<void>): void;
}

/** A suite of scenarios sharing one real redis-server and one Cinder; each starts from FLUSHALL. */
export function scenarioSuite(name: string, body: (t: ScenarioContext) => void, suite: SuiteOptions = {}): void {
  if (!realRedisSuite(name)) return;
  describe(name, () => {
    let redis: RealRedis;
    let cinder: RunningServer;
    before(async () => {
      // Started side by side; if one fails, the other is still stopped by `after`.
      const config = suite.config ?? {};
      const redisArgs = Object.entries(config).flatMap(([k, v]) => [`--${k}`, v]);
      const [r, c] = await Promise.allSettled([startRealRedis(redisArgs), startServer({ port: 0, config: { dir: testDataDir(), ...config } })]);
      if (r.status === 'fulfilled') redis = r.value;
      if (c.status === 'fulfilled') cinder = c.value;
      if (r.status === 'rejected') throw r.reason;
      if (c.status === 'rejected') throw c.reason;
    });
    after(async () => {
      await Promise.all([redis?.stop(), cinder?.close()]);
    });
    body({
      scenario(caseName, run) {
        it(caseName, async () => {
          const clients: PairedClient[] = [];
          const since = Date.now();
          const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
          const s: Scenario = {
            get cinder() {
              return cinder;
            },
            async client(clientName, opts = {}) {
              const [r, c] = await Promise.all([RawConnection.connect(redis.port), RawConnection.connect(cinder.port)]);
              const pc = new PairedClient(clientName ?? `client ${clients.length + 1}`, r, c, since);
              clients.push(pc);
              if (opts.hello3) await pc.call(['HELLO', '3'], helloReply);
              return pc;
            },
            async quiet(ms = 50) {
              await sleep(ms);
              for (const pc of clients) {
                for (const side of ['redis', 'cinder'] as const) {
                  const pending = await pc[side].readReply(1).then(
                    (b) => b,
                    () => null,
                  );
                  if (pending !== null) assert.fail(`${pc.name}: unexpected reply from ${side}: ${show(pending)}`);
                }
              }
            },
            sleep,
          };
          try {
            const first = await s.client('setup');
            await first.call(['FLUSHALL']);
            await run(s);
          } finally {
            for (const pc of clients) pc.close();
          }
        });
      },
    });
  });
}

/** A MONITOR line (`+<seconds>.<micros> [...`), as opposed to a reply. */
export function isMonitorLine(frame: Buffer): boolean {
  return frame[0] === 0x2b && /^\+\d+\.\d{6} \[/.test(frame.latin1Slice(0, Math.min(40, frame.length)));
}

/**
 * Waits until `target`'s CLIENT LIST line satisfies `ready` on both servers, asking through
 * `watcher` (a client nothing holds; MONITOR lines it receives meanwhile are skipped). For states
 * another client's command causes: blocked, held by CLIENT PAUSE, a command having arrived.
 */
export async function waitForClient(
  watcher: PairedClient,
  target: PairedClient,
  ready: (line: string) => boolean,
  timeoutMs = 5000,
): Promise<void> {
  await Promise.all(
    (['redis', 'cinder'] as const).map(async (side) => {
      const addr = ` addr=127.0.0.1:${target[side].localPort} `;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        watcher[side].write(encodeCommand(['CLIENT', 'LIST']));
        let reply: Buffer;
        do reply = await watcher[side].readReply(timeoutMs);
        while (isMonitorLine(reply));
        const line = reply.latin1Slice().split('\n').find((l) => l.includes(addr));
        if (line !== undefined && ready(line)) return;
        if (Date.now() > deadline) throw new Error(`${target.name} on ${side}: not in the expected state: ${line}`);
        await new Promise((r) => setTimeout(r, 2));
      }
    }),
  );
}

/** The flags= field of a CLIENT LIST line. */
export function clientFlags(line: string): string {
  return / flags=(\S*)/.exec(line)?.[1] ?? '';
}
