/**
 * Client buffer limits against redis-server 7.0, side by side: client-query-buffer-limit,
 * proto-max-bulk-len, client-output-buffer-limit (normal and pubsub), maxmemory-clients (client
 * eviction), and the INFO / CLIENT LIST fields that report client buffers. Every scenario runs on
 * both servers: what the client sees (its replies, the connection closing), what the server logs
 * (the line, and the client fields it names), what INFO and CLIENT LIST say. Nothing is timed:
 * scenarios wait for the close, the log line or the field value.
 */
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { startServer, type RunningServer } from '../../src/embedded/index.js';
import { diffSuite, encodeCommand, realRedisSuite, RawConnection, startRealRedis, type RealRedis } from '../helpers/differential.js';

const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
type Side = 'redis' | 'cinder';
const SIDES: Side[] = ['redis', 'cinder'];

/** Polls `cond` until it holds; fails after `timeoutMs` (a failure timeout, not a timed assertion). */
async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A raw client socket: counts what it receives, knows when the server closed it. */
class Peer {
  received = 0;
  text = '';
  closed = false;
  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.received += d.length;
      if (this.text.length < 4096) this.text += d.latin1Slice(0, Math.min(d.length, 4096));
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => {});
  }
  static connect(port: number): Promise<Peer> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1' }, () => {
        s.off('error', reject);
        resolve(new Peer(s));
      });
      s.once('error', reject);
    });
  }
  get port(): number {
    return this.socket.localPort ?? 0;
  }
  write(data: string | Buffer): void {
    this.socket.write(data);
  }
  /** Stops reading: the server's replies pile up in its output buffers. */
  stopReading(): void {
    this.socket.pause();
  }
  destroy(): void {
    this.socket.destroy();
  }
}

/** One Peer on each server. */
type PeerPair = Record<Side, Peer>;

/** Both servers: real Redis logging to a file, Cinder in-process with its log captured. */
class Servers {
  redis!: RealRedis;
  cinder!: RunningServer;
  readonly logFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cinder-limits-')), 'redis.log');
  readonly cinderLog: string[] = [];
  /** Connections that configure and observe; CLIENT NO-EVICT so client eviction spares them. */
  admin!: Record<Side, RawConnection>;
  private peers: Peer[] = [];
  /** Log lines before this index (per side) belong to earlier scenarios. */
  private logMark: Record<Side, number> = { redis: 0, cinder: 0 };

  async start(): Promise<void> {
    const [r, c] = await Promise.allSettled([
      startRealRedis(['--logfile', this.logFile, '--enable-debug-command', 'yes']),
      startServer({ port: 0, config: { 'enable-debug-command': 'yes' } }),
    ]);
    if (r.status === 'fulfilled') this.redis = r.value;
    if (c.status === 'fulfilled') this.cinder = c.value;
    if (r.status === 'rejected') throw r.reason;
    if (c.status === 'rejected') throw c.reason;
    this.cinder.server.log.sink = (line) => this.cinderLog.push(line);
    this.admin = {
      redis: await RawConnection.connect(this.redis.port),
      cinder: await RawConnection.connect(this.cinder.port),
    };
    await this.both(['CLIENT', 'NO-EVICT', 'on']);
  }

  async stop(): Promise<void> {
    this.admin?.redis.close();
    this.admin?.cinder.close();
    await Promise.all([this.redis?.stop(), this.cinder?.close()]);
    fs.rmSync(path.dirname(this.logFile), { recursive: true, force: true });
  }

  port(side: Side): number {
    return side === 'redis' ? this.redis.port : this.cinder.port;
  }

  /** A scenario starts: earlier log lines no longer count. */
  markLogs(): void {
    this.logMark = { redis: this.redisLines().length, cinder: this.cinderLog.length };
  }

  /** Closes the scenario's peers and puts the limits back to Redis's defaults. */
  async reset(): Promise<void> {
    for (const p of this.peers) p.destroy();
    this.peers = [];
    await this.both(['CONFIG', 'SET', 'client-query-buffer-limit', '1gb', 'proto-max-bulk-len', '512mb', 'maxmemory-clients', '0', 'maxmemory', '0']);
    await this.both(['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 0 0 0 pubsub 32mb 8mb 60']);
    await this.both(['FLUSHALL']);
  }

  /** Runs a command on both admin connections; the replies must be the same. */
  async both(argv: string[]): Promise<string> {
    const [r, c] = await Promise.all([this.admin.redis.command(argv, 20_000), this.admin.cinder.command(argv, 20_000)]);
    assert.equal(c.latin1Slice(), r.latin1Slice(), `${argv.join(' ').slice(0, 100)}: replies differ`);
    return r.latin1Slice();
  }

  /** Runs a command on both admin connections; each server's reply. */
  async each(argv: string[]): Promise<Record<Side, string>> {
    const [r, c] = await Promise.all([this.admin.redis.command(argv, 20_000), this.admin.cinder.command(argv, 20_000)]);
    return { redis: r.latin1Slice(), cinder: c.latin1Slice() };
  }

  async connect(): Promise<PeerPair> {
    const pair = { redis: await Peer.connect(this.redis.port), cinder: await Peer.connect(this.cinder.port) };
    this.peers.push(pair.redis, pair.cinder);
    // Registered on both servers before the scenario goes on.
    await waitFor('the connections to be registered', async () => {
      const lines = await this.clientLines(pair);
      return lines.redis !== null && lines.cinder !== null;
    });
    return pair;
  }

  /** The CLIENT LIST line of each side's peer, or null once that server no longer lists it. */
  async clientLines(pair: PeerPair): Promise<Record<Side, string | null>> {
    const list = await this.each(['CLIENT', 'LIST']);
    const lineOf = (side: Side) => list[side].split('\n').find((l) => l.includes(` addr=127.0.0.1:${pair[side].port} `)) ?? null;
    return { redis: lineOf('redis'), cinder: lineOf('cinder') };
  }

  /** Waits until neither server lists the peer (for peers that stopped reading: no close is seen). */
  async waitGone(pair: PeerPair, what: string): Promise<void> {
    await waitFor(what, async () => {
      const lines = await this.clientLines(pair);
      return lines.redis === null && lines.cinder === null;
    });
  }

  /** Waits until each side's peer saw its connection closed by the server. */
  async waitClosed(pair: PeerPair, what: string): Promise<void> {
    await waitFor(what, () => pair.redis.closed && pair.cinder.closed);
  }

  private redisLines(): string[] {
    return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'latin1').split('\n').filter((l) => l.length > 0) : [];
  }

  /** Log messages (the part after the level mark) of this scenario matching `re`. */
  messages(side: Side, re: RegExp): string[] {
    const lines = side === 'redis' ? this.redisLines() : this.cinderLog;
    return lines
      .slice(this.logMark[side])
      .map((l) => l.replace(/^\d+:[A-Z] \d+ \w+ \d+ [\d:.]+ (.) /, '$1 '))
      .filter((m) => re.test(m));
  }

  /** Waits until both servers logged `count` messages matching `re`; returns them per side. */
  async waitLog(re: RegExp, count = 1): Promise<Record<Side, string[]>> {
    await waitFor(`log ${re}`, () => SIDES.every((s) => this.messages(s, re).length >= count));
    return { redis: this.messages('redis', re), cinder: this.messages('cinder', re) };
  }

  /** An INFO field's value on each server. */
  async info(field: string): Promise<Record<Side, string>> {
    const text = await this.each(['INFO', 'everything']);
    const value = (t: string) => new RegExp(`\\r\\n${field}:([^\\r]*)\\r\\n`).exec(t)?.[1] ?? '(missing)';
    return { redis: value(text.redis), cinder: value(text.cinder) };
  }
}

/** A CLIENT LIST line as ordered [name, value] pairs. */
function fields(line: string): Array<[string, string]> {
  return line
    .trim()
    .split(' ')
    .map((f) => {
      const eq = f.indexOf('=');
      return [f.slice(0, eq), f.slice(eq + 1)] as [string, string];
    });
}

/** Fields whose values depend on the server, the connection or the moment. */
const VOLATILE = new Set(['id', 'addr', 'laddr', 'fd', 'age', 'idle', 'qbuf', 'qbuf-free', 'rbs', 'rbp', 'obl', 'oll', 'omem', 'tot-mem', 'events']);

/**
 * Two client descriptions (CLIENT LIST lines, or the ones log lines embed) agree: the same fields
 * in the same order, the same values except volatile ones and `also` (more fields that may differ).
 */
function assertSameClient(redis: string, cinder: string, also: string[] = []): void {
  const r = fields(redis);
  const c = fields(cinder);
  assert.deepEqual(
    c.map(([k]) => k),
    r.map(([k]) => k),
    `field names differ\n  redis:  ${redis}\n  cinder: ${cinder}`,
  );
  for (let i = 0; i < r.length; i++) {
    const [name, value] = r[i];
    if (VOLATILE.has(name) || also.includes(name)) continue;
    assert.equal(c[i][1], value, `${name} differs\n  redis:  ${redis}\n  cinder: ${cinder}`);
  }
}

/** The client description embedded in a log message, between `before` and `after`. */
function describedClient(message: string, before: string, after: string): string {
  const start = message.indexOf(before);
  const end = after === '' ? message.length : message.indexOf(after, start + before.length);
  assert.ok(start >= 0 && end > start, `unexpected log message: ${message}`);
  return message.slice(start + before.length, end);
}

function field(line: string, name: string): string {
  return fields(line).find(([k]) => k === name)?.[1] ?? '(missing)';
}

/** `*3 $3 SET $<len> key $<size>`: a SET whose value is still to come. */
function setHeader(key: string, size: number): string {
  return `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${size}\r\n`;
}

if (realRedisSuite('client limits')) {
  describe('client limits', () => {
    const t = new Servers();
    before(async () => {
      await t.start();
    });
    after(async () => {
      await t.stop();
    });
    afterEach(async () => {
      await t.reset();
    });

    // ------------------------------------------------------------ client-query-buffer-limit

    describe('client-query-buffer-limit', () => {
      it('a big argument passing the limit closes the client without a reply, logged with the client and the buffer start', async () => {
        t.markLogs();
        await t.both(['CONFIG', 'SET', 'client-query-buffer-limit', '1mb']);
        const p = await t.connect();
        for (const side of SIDES) {
          p[side].write(setHeader('k', 2_000_000));
          p[side].write(Buffer.alloc(1_500_000, 'x'));
        }
        await t.waitClosed(p, 'the client to be closed');
        assert.equal(p.redis.received, 0);
        assert.equal(p.cinder.received, 0);
        const logs = await t.waitLog(/Closing client that reached max query buffer length/);
        const prefix = '# Closing client that reached max query buffer length: ';
        const suffix = ' (qbuf initial bytes: ';
        assertSameClient(describedClient(logs.redis[0], prefix, suffix), describedClient(logs.cinder[0], prefix, suffix));
        // The buffer's first 64 bytes, quoted as sdscatrepr does: the argument's own bytes.
        const tail = (m: string) => m.slice(m.indexOf(suffix));
        assert.equal(tail(logs.cinder[0]), tail(logs.redis[0]));
        assert.equal(tail(logs.redis[0]), ` (qbuf initial bytes: "${'x'.repeat(64)}")`);
        assert.equal(await t.both(['EXISTS', 'k']), ':0\r\n');
      });

      it('the limit compares the argument with its CRLF: 1 MB is over a 1 MB limit, 2 bytes less fits', async () => {
        await t.both(['CONFIG', 'SET', 'client-query-buffer-limit', '1mb']);
        const over = await t.connect();
        const fits = await t.connect();
        for (const side of SIDES) {
          over[side].write(setHeader('over', MB) + 'o'.repeat(MB) + '\r\n');
          fits[side].write(setHeader('fits', MB - 2) + 'f'.repeat(MB - 2) + '\r\n');
        }
        await t.waitClosed(over, 'the 1 MB argument to close its client');
        await waitFor('the SET that fits', () => fits.redis.text === '+OK\r\n' && fits.cinder.text === '+OK\r\n');
        assert.equal(await t.both(['STRLEN', 'fits']), `:${MB - 2}\r\n`);
        assert.equal(await t.both(['EXISTS', 'over']), ':0\r\n');
      });

      it('a blocked client whose pipelined input piles up past the limit is closed', async () => {
        t.markLogs();
        await t.both(['CONFIG', 'SET', 'client-query-buffer-limit', '1mb']);
        const p = await t.connect();
        for (const side of SIDES) p[side].write(encodeCommand(['BLPOP', 'nolist', '0']));
        await waitFor('the client to block', async () => {
          const lines = await t.clientLines(p);
          return SIDES.every((s) => lines[s] !== null && field(lines[s]!, 'flags') === 'b');
        });
        // The blocked client's argv is held: argv-mem counts it on both.
        const lines = await t.clientLines(p);
        assertSameClient(lines.redis!, lines.cinder!);
        const pings = Buffer.from(encodeCommand(['PING']).latin1Slice().repeat(100_000), 'latin1');
        for (const side of SIDES) p[side].write(pings);
        await t.waitClosed(p, 'the blocked client to be closed');
        assert.equal(p.redis.received, 0);
        assert.equal(p.cinder.received, 0);
        const logs = await t.waitLog(/Closing client that reached max query buffer length/);
        const prefix = 'length: ';
        const suffix = ' (qbuf initial bytes: ';
        assertSameClient(describedClient(logs.redis[0], prefix, suffix), describedClient(logs.cinder[0], prefix, suffix));
        assert.match(logs.cinder[0], / flags=b .* cmd=blpop /);
        assert.ok(logs.cinder[0].endsWith(`(qbuf initial bytes: "${'*1\\r\\n$4\\r\\nPING\\r\\n'.repeat(4)}*1\\r\\n$4\\r\\n")`), logs.cinder[0]);
        assert.equal(logs.cinder[0].slice(logs.cinder[0].indexOf(suffix)), logs.redis[0].slice(logs.redis[0].indexOf(suffix)));
      });

      it('only the unparsed buffer counts: many arguments, or a MULTI queue, above the limit are fine', async () => {
        await t.both(['CONFIG', 'SET', 'client-query-buffer-limit', '1mb']);
        const p = await t.connect();
        const args = ['RPUSH', 'list'];
        for (let i = 0; i < 30; i++) args.push('y'.repeat(100_000));
        let multi = encodeCommand(['MULTI']).latin1Slice();
        for (let i = 0; i < 30; i++) multi += encodeCommand(['APPEND', 'str', 'z'.repeat(100_000)]).latin1Slice();
        multi += encodeCommand(['EXEC']).latin1Slice();
        for (const side of SIDES) p[side].write(Buffer.concat([encodeCommand(args), Buffer.from(multi, 'latin1')]));
        const expected = ':30\r\n+OK\r\n' + '+QUEUED\r\n'.repeat(30) + '*30\r\n';
        await waitFor('the replies', () => p.redis.text.startsWith(expected) && p.cinder.text.startsWith(expected));
        assert.equal(p.cinder.text, p.redis.text);
        assert.equal(await t.both(['STRLEN', 'str']), ':3000000\r\n');
      });

      it('CONFIG SET: 1 MB at least, units, and no ordering against proto-max-bulk-len', async () => {
        for (const argv of [
          ['CONFIG', 'SET', 'client-query-buffer-limit', '1000000'],
          ['CONFIG', 'SET', 'client-query-buffer-limit', '0'],
          ['CONFIG', 'SET', 'client-query-buffer-limit', '1mb'],
          ['CONFIG', 'GET', 'client-query-buffer-limit'],
          // A bulk length allowed past the query buffer limit is accepted (Redis 7.0 checks neither way).
          ['CONFIG', 'SET', 'proto-max-bulk-len', '2mb'],
          ['CONFIG', 'GET', 'proto-max-bulk-len'],
          ['CONFIG', 'SET', 'proto-max-bulk-len', '1000'],
          ['CONFIG', 'SET', 'client-query-buffer-limit', '2gb', 'proto-max-bulk-len', '1gb'],
          ['CONFIG', 'GET', 'client-query-buffer-limit'],
        ]) {
          await t.both(argv);
        }
      });
    });

    // ------------------------------------------------------------ proto-max-bulk-len

    describe('proto-max-bulk-len', () => {
      it('a longer bulk gets the protocol error and the connection closes', async () => {
        await t.both(['CONFIG', 'SET', 'proto-max-bulk-len', '1mb']);
        const p = await t.connect();
        for (const side of SIDES) p[side].write(encodeCommand(['PING']).latin1Slice() + setHeader('k', MB + 1));
        await t.waitClosed(p, 'the protocol error to close the client');
        assert.equal(p.redis.text, '+PONG\r\n-ERR Protocol error: invalid bulk length\r\n');
        assert.equal(p.cinder.text, p.redis.text);
      });

      it('within proto-max-bulk-len but past client-query-buffer-limit: the query buffer limit closes it, silently', async () => {
        t.markLogs();
        await t.both(['CONFIG', 'SET', 'proto-max-bulk-len', '4mb', 'client-query-buffer-limit', '1mb']);
        const p = await t.connect();
        for (const side of SIDES) p[side].write(setHeader('k', 3 * MB) + 'v'.repeat(3 * MB) + '\r\n');
        await t.waitClosed(p, 'the client to be closed');
        assert.equal(p.redis.received, 0);
        assert.equal(p.cinder.received, 0);
        await t.waitLog(/Closing client that reached max query buffer length/);
      });
    });

    // ------------------------------------------------------------ client-output-buffer-limit normal

    describe('client-output-buffer-limit normal', () => {
      it('a reply past the hard limit closes even a reading client, with nothing sent', async () => {
        t.markLogs();
        await t.both(['SET', 'big', 'b'.repeat(2 * MB)]);
        await t.both(['SET', 'med', 'm'.repeat(100 * 1024)]);
        await t.both(['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1mb 0 0']);
        const under = await t.connect();
        for (const side of SIDES) under[side].write(encodeCommand(['GET', 'med']).latin1Slice() + encodeCommand(['PING']).latin1Slice());
        const expected = 100 * 1024 + `$${100 * 1024}\r\n\r\n+PONG\r\n`.length;
        await waitFor('the replies under the limit', () => under.redis.received === expected && under.cinder.received === expected);
        const over = await t.connect();
        for (const side of SIDES) over[side].write(encodeCommand(['GET', 'big']));
        await t.waitClosed(over, 'the client to be closed');
        assert.equal(over.redis.received, 0);
        assert.equal(over.cinder.received, 0);
        const logs = await t.waitLog(/scheduled to be closed ASAP for overcoming of output buffer limits/);
        const d = (m: string) => describedClient(m, '# Client ', ' scheduled to be closed ASAP');
        // Redis still holds the GET's argv while it logs; Cinder logs once the command is done.
        assertSameClient(d(logs.redis[0]), d(logs.cinder[0]), ['argv-mem']);
        assert.match(d(logs.cinder[0]), / flags=N .* cmd=get /);
        assert.equal(SIDES.every((s) => !under[s].closed), true);
      });

      it('a client that stops reading a pipeline of large replies is closed at the hard limit; the rest of its pipeline does not run', async () => {
        t.markLogs();
        await t.both(['SET', 'med', 'm'.repeat(100 * 1024)]);
        await t.both(['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 4mb 0 0']);
        const p = await t.connect();
        let pipeline = '';
        for (let i = 0; i < 200; i++) pipeline += encodeCommand(['GET', 'med']).latin1Slice();
        pipeline += encodeCommand(['SET', 'marker', '1']).latin1Slice();
        for (const side of SIDES) {
          p[side].stopReading();
          p[side].write(pipeline);
        }
        await t.waitGone(p, 'the slow reader to be closed');
        await t.waitLog(/scheduled to be closed ASAP for overcoming of output buffer limits/);
        assert.equal(await t.both(['EXISTS', 'marker']), ':0\r\n');
        assert.equal(await t.both(['PING']), '+PONG\r\n');
      });

      it('over the soft limit for longer than its seconds: closed by the clients cron, with no more output', async () => {
        t.markLogs();
        await t.both(['SET', 'med', 'm'.repeat(100 * 1024)]);
        await t.both(['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 0 1mb 1']);
        const p = await t.connect();
        let pipeline = '';
        for (let i = 0; i < 200; i++) pipeline += encodeCommand(['GET', 'med']).latin1Slice();
        for (const side of SIDES) {
          p[side].stopReading();
          p[side].write(pipeline);
        }
        await t.waitGone(p, 'the client over the soft limit to be closed');
        const logs = await t.waitLog(/closed for overcoming of output buffer limits/);
        const d = (m: string) => describedClient(m, '# Client ', ' closed for overcoming');
        assertSameClient(d(logs.redis[0]), d(logs.cinder[0]));
      });

      it('without a limit (normal 0 0 0, the default) a client that does not read is kept', async () => {
        await t.both(['SET', 'med', 'm'.repeat(100 * 1024)]);
        const p = await t.connect();
        let pipeline = '';
        for (let i = 0; i < 200; i++) pipeline += encodeCommand(['GET', 'med']).latin1Slice();
        for (const side of SIDES) {
          p[side].stopReading();
          p[side].write(pipeline);
        }
        // Its output reached the servers' buffers (both answer the whole pipeline), and it stays.
        await waitFor('the output to pile up', async () => {
          const lines = await t.clientLines(p);
          return SIDES.every((s) => lines[s] !== null && field(lines[s]!, 'cmd') === 'get' && Number(field(lines[s]!, 'omem')) > MB);
        });
        const lines = await t.clientLines(p);
        assert.ok(lines.redis !== null && lines.cinder !== null);
        assert.equal(field(lines.cinder, 'events'), 'rw');
      });

      it('CONFIG SET and GET of the classes, as Redis parses them', async () => {
        for (const argv of [
          ['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1mb 512kb 10'],
          ['CONFIG', 'GET', 'client-output-buffer-limit'],
          ['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1mb 512kb'],
          ['CONFIG', 'SET', 'client-output-buffer-limit', 'bogus 1mb 512kb 10'],
          ['CONFIG', 'SET', 'client-output-buffer-limit', 'normal x 0 0'],
          ['CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 0 0 0 normal 0 0 0'],
          ['CONFIG', 'GET', 'client-output-buffer-limit'],
        ]) {
          await t.both(argv);
        }
      });
    });

    // ------------------------------------------------------------ client-output-buffer-limit pubsub

    describe('client-output-buffer-limit pubsub', () => {
      it('a subscriber that stops reading is closed at the hard limit, logged as Redis logs it', async () => {
        t.markLogs();
        await t.both(['CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 2mb 0 0']);
        const p = await t.connect();
        for (const side of SIDES) p[side].write(encodeCommand(['SUBSCRIBE', 'firehose']));
        await waitFor('the subscriptions', () => p.redis.received > 0 && p.cinder.received > 0);
        for (const side of SIDES) p[side].stopReading();
        const payload = 'x'.repeat(100 * 1024);
        for (const side of SIDES) {
          // Published until the subscriber is gone (the kernel absorbs a few MB first).
          let receivers = ':1\r\n';
          for (let i = 0; i < 2000 && receivers === ':1\r\n'; i++) receivers = (await t.admin[side].command(['PUBLISH', 'firehose', payload])).latin1Slice();
          assert.equal(receivers, ':0\r\n', `${side}: the subscriber was never closed`);
        }
        const logs = await t.waitLog(/scheduled to be closed ASAP for overcoming of output buffer limits/);
        const d = (m: string) => describedClient(m, '# Client ', ' scheduled to be closed ASAP');
        assertSameClient(d(logs.redis[0]), d(logs.cinder[0]));
        assert.match(d(logs.cinder[0]), / flags=P .* sub=1 .* cmd=subscribe /);
      });
    });

    // ------------------------------------------------------------ maxmemory-clients

    describe('maxmemory-clients', () => {
      it('a client whose query buffer passes the limit is evicted; evicted_clients counts it', async () => {
        t.markLogs();
        const before = await t.info('evicted_clients');
        await t.both(['CONFIG', 'SET', 'maxmemory-clients', '1mb']);
        const p = await t.connect();
        // The buffer of a big argument is allocated whole once its length is known.
        for (const side of SIDES) p[side].write(setHeader('k', 2_000_000) + 'x'.repeat(100_000));
        await t.waitClosed(p, 'the client to be evicted');
        assert.equal(p.redis.received, 0);
        assert.equal(p.cinder.received, 0);
        const after = await t.info('evicted_clients');
        for (const side of SIDES) assert.equal(Number(after[side]), Number(before[side]) + 1, side);
        const logs = await t.waitLog(/Evicting client: /);
        assertSameClient(describedClient(logs.redis[0], '* Evicting client: ', ''), describedClient(logs.cinder[0], '* Evicting client: ', ''));
      });

      it('CLIENT NO-EVICT on spares the client, and the server says it is still over the limit', async () => {
        t.markLogs();
        const before = await t.info('evicted_clients');
        await t.both(['CONFIG', 'SET', 'maxmemory-clients', '1mb']);
        const p = await t.connect();
        for (const side of SIDES) p[side].write(encodeCommand(['CLIENT', 'NO-EVICT', 'on']));
        await waitFor('NO-EVICT', () => p.redis.text === '+OK\r\n' && p.cinder.text === '+OK\r\n');
        for (const side of SIDES) p[side].write(setHeader('k', 2_000_000) + 'x'.repeat(100_000));
        await t.waitLog(/Over client maxmemory after evicting all evictable clients/);
        const lines = await t.clientLines(p);
        assert.ok(lines.redis !== null && lines.cinder !== null, 'the NO-EVICT client is still connected');
        assert.equal(field(lines.cinder, 'flags'), 'e');
        assert.deepEqual(await t.info('evicted_clients'), before);
        // It completes its command normally.
        for (const side of SIDES) p[side].write('x'.repeat(2_000_000 - 100_000) + '\r\n');
        await waitFor('the SET', () => p.redis.text === '+OK\r\n+OK\r\n' && p.cinder.text === '+OK\r\n+OK\r\n');
      });

      it('the client using the most memory goes first, and eviction stops once under the limit', async () => {
        await t.both(['CONFIG', 'SET', 'maxmemory-clients', '1mb']);
        const large = await t.connect();
        const smaller = await t.connect();
        for (const side of SIDES) large[side].write(setHeader('large', 700_000) + 'l'.repeat(1000));
        // The large client alone stays under the limit.
        await waitFor('the large client to hold its buffer', async () => {
          const lines = await t.clientLines(large);
          return SIDES.every((s) => lines[s] !== null && Number(field(lines[s]!, 'qbuf')) >= 1000);
        });
        for (const side of SIDES) smaller[side].write(setHeader('smaller', 400_000) + 's'.repeat(1000));
        await t.waitClosed(large, 'the large client to be evicted');
        for (const side of SIDES) smaller[side].write('s'.repeat(400_000 - 1000) + '\r\n');
        await waitFor('the smaller client to finish its SET', () => smaller.redis.text === '+OK\r\n' && smaller.cinder.text === '+OK\r\n');
        assert.equal(await t.both(['EXISTS', 'large', 'smaller']), ':1\r\n');
      });

      it('output buffers and MULTI queues count', async () => {
        await t.both(['SET', 'med', 'm'.repeat(100 * 1024)]);
        await t.both(['CONFIG', 'SET', 'maxmemory-clients', '1mb']);
        const reader = await t.connect();
        let pipeline = '';
        for (let i = 0; i < 100; i++) pipeline += encodeCommand(['GET', 'med']).latin1Slice();
        for (const side of SIDES) {
          reader[side].stopReading();
          reader[side].write(pipeline);
        }
        await t.waitGone(reader, 'the client holding replies to be evicted');
        const queuer = await t.connect();
        let multi = encodeCommand(['MULTI']).latin1Slice();
        for (let i = 0; i < 15; i++) multi += encodeCommand(['SET', 'k', 'z'.repeat(100_000)]).latin1Slice();
        for (const side of SIDES) queuer[side].write(multi);
        await t.waitClosed(queuer, 'the client with a big MULTI queue to be evicted');
        assert.equal(await t.both(['EXISTS', 'k']), ':0\r\n');
      });

      it('a percentage needs maxmemory: nothing happens without it, eviction as soon as it is set', async () => {
        await t.both(['CONFIG', 'SET', 'maxmemory-clients', '1%']);
        const p = await t.connect();
        for (const side of SIDES) p[side].write(setHeader('k', 2_000_000) + 'x'.repeat(100_000));
        await waitFor('the buffer to be held', async () => {
          const lines = await t.clientLines(p);
          return SIDES.every((s) => lines[s] !== null && Number(field(lines[s]!, 'qbuf')) >= 100_000);
        });
        // No command needs to run: the clients cron evicts it (1% of 100 MB is 1 MB).
        await t.both(['CONFIG', 'SET', 'maxmemory', '100mb']);
        await t.waitClosed(p, 'the client to be evicted once maxmemory is set');
        await t.both(['CONFIG', 'SET', 'maxmemory', '0']);
      });

      it('never below 128 KB: idle clients go until the rest fit, NO-EVICT ones stay', async () => {
        const idle: PeerPair[] = [];
        for (let i = 0; i < 10; i++) idle.push(await t.connect());
        for (const p of idle) for (const side of SIDES) p[side].write(encodeCommand(['PING']));
        await waitFor('the PINGs', () => idle.every((p) => p.redis.text === '+PONG\r\n' && p.cinder.text === '+PONG\r\n'));
        await t.both(['CONFIG', 'SET', 'maxmemory-clients', '1']);
        // Each idle client costs 20-40 KB (Redis: its 16 KB reply buffer and query buffer; Cinder:
        // its 16 KB reply buffer and socket), the admin connection more or less depending on what
        // it did: how many go depends on the server, that some go does not.
        await waitFor('eviction', () => SIDES.every((s) => idle.some((p) => p[s].closed)));
        const cinder = t.cinder.server.clientBuffers;
        await waitFor('Cinder under 128 KB', () => cinder.memClientsNormal() < 128 * 1024 || idle.every((p) => p.cinder.closed));
        // The NO-EVICT admin connections are still served.
        assert.equal(await t.both(['PING']), '+PONG\r\n');
      });

      it('DEBUG CLIENT-EVICTION shows the buckets and who is in them', async () => {
        await t.both(['DEBUG', 'CLIENT-EVICTION']);
        await t.both(['DEBUG', 'CLIENT-EVICTION', 'x']);
        await t.both(['CONFIG', 'SET', 'maxmemory-clients', '64mb']);
        const p = await t.connect();
        for (const side of SIDES) p[side].write(setHeader('k', 3_000_000) + 'x'.repeat(1000));
        const report = async () => {
          const each = await t.each(['DEBUG', 'CLIENT-EVICTION']);
          // The clients' memory differs between servers; the buckets and their populations do not.
          const mask = (text: string) => text.replace(/tot-mem: +\d+/g, 'tot-mem: N');
          return { redis: mask(each.redis), cinder: mask(each.cinder) };
        };
        await waitFor('the client in the 2-4 MB bucket', async () => {
          const r = await report();
          return SIDES.every((s) => r[s].includes('bucket    2097152 -    4194303: tot-mem: N, clients: 1\n'));
        });
        const r = await report();
        assert.equal(r.cinder, r.redis);
      });

      it('CONFIG SET and GET: bytes, percentages, 0', async () => {
        for (const argv of [
          ['CONFIG', 'SET', 'maxmemory-clients', '10%'],
          ['CONFIG', 'GET', 'maxmemory-clients'],
          ['CONFIG', 'SET', 'maxmemory-clients', '101%'],
          ['CONFIG', 'SET', 'maxmemory-clients', '64mb'],
          ['CONFIG', 'GET', 'maxmemory-clients'],
          ['CONFIG', 'SET', 'maxmemory-clients', '0'],
          ['CONFIG', 'GET', 'maxmemory-clients'],
        ]) {
          await t.both(argv);
        }
      });
    });

    // ------------------------------------------------------------ INFO and CLIENT LIST

    describe('INFO and CLIENT LIST', () => {
      it('client buffer fields are present in INFO', async () => {
        const text = await t.each(['INFO', 'everything']);
        for (const name of ['client_recent_max_input_buffer', 'client_recent_max_output_buffer', 'mem_clients_normal', 'mem_clients_slaves', 'evicted_clients']) {
          for (const side of SIDES) assert.match(text[side], new RegExp(`\\r\\n${name}:\\d+\\r\\n`), `${side}: ${name}`);
        }
      });

      it('a big partial argument: CLIENT LIST counts its arguments, INFO its buffer', async () => {
        const p = await t.connect();
        for (const side of SIDES) p[side].write(setHeader('k', 2_000_000) + 'x'.repeat(100_000));
        await waitFor('the buffer to be held', async () => {
          const lines = await t.clientLines(p);
          return SIDES.every((s) => lines[s] !== null && Number(field(lines[s]!, 'qbuf')) >= 100_000);
        });
        const lines = await t.clientLines(p);
        // argv-mem: the arguments already parsed ("SET" "k"); the buffer is allocated whole.
        assertSameClient(lines.redis!, lines.cinder!);
        assert.equal(field(lines.cinder!, 'argv-mem'), '4');
        assert.ok(Number(field(lines.cinder!, 'qbuf')) + Number(field(lines.cinder!, 'qbuf-free')) >= 2_000_000);
        assert.ok(Number(field(lines.cinder!, 'tot-mem')) >= 2_000_000);
        // The clients cron samples the input peak and the clients' memory.
        await waitFor('client_recent_max_input_buffer', async () => {
          const v = await t.info('client_recent_max_input_buffer');
          return SIDES.every((s) => Number(v[s]) >= 2_000_000);
        });
        await waitFor('mem_clients_normal', async () => {
          const v = await t.info('mem_clients_normal');
          return SIDES.every((s) => Number(v[s]) >= 2_000_000);
        });
      });

      it('a client that does not read: the output peak and omem', async () => {
        await t.both(['SET', 'med', 'm'.repeat(100 * 1024)]);
        const p = await t.connect();
        let pipeline = '';
        for (let i = 0; i < 100; i++) pipeline += encodeCommand(['GET', 'med']).latin1Slice();
        for (const side of SIDES) {
          p[side].stopReading();
          p[side].write(pipeline);
        }
        await waitFor('client_recent_max_output_buffer', async () => {
          const v = await t.info('client_recent_max_output_buffer');
          return SIDES.every((s) => Number(v[s]) >= MB);
        });
        const lines = await t.clientLines(p);
        assert.ok(Number(field(lines.cinder!, 'omem')) >= MB, lines.cinder!);
        assert.ok(Number(field(lines.cinder!, 'tot-mem')) >= MB, lines.cinder!);
      });

      it('multi-mem counts queued arguments and a pointer each; WATCH only in tot-mem', async () => {
        const p = await t.connect();
        for (const side of SIDES) p[side].write(['WATCH a b c', 'MULTI', 'SET k v', 'HSET h f1 v1 f2 v2'].map((l) => encodeCommand(l.split(' ')).latin1Slice()).join(''));
        const replies = '+OK\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n';
        await waitFor('the replies', () => p.redis.text === replies && p.cinder.text === replies);
        const lines = await t.clientLines(p);
        assertSameClient(lines.redis!, lines.cinder!);
        // SET k v: 5 bytes and 3 pointers; HSET h f1 v1 f2 v2: 13 bytes and 6 pointers.
        assert.equal(field(lines.cinder!, 'multi-mem'), String(5 + 3 * 8 + 13 + 6 * 8));
      });
    });
  });
}

diffSuite('client limits: CONFIG GET of the defaults', (t) => {
  t.case('defaults', [
    ['CONFIG', 'GET', 'client-query-buffer-limit'],
    ['CONFIG', 'GET', 'proto-max-bulk-len'],
    ['CONFIG', 'GET', 'maxmemory-clients'],
    ['CONFIG', 'GET', 'client-output-buffer-limit'],
  ]);
});
