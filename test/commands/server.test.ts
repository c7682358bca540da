/**
 * Server commands (INFO TIME LASTSAVE SHUTDOWN DEBUG MEMORY), differential against redis-server
 * 7.0. INFO and MEMORY STATS carry per-process values, so they are compared by structure: the same
 * sections and field names in the same order, the same reply types, and equal values where both
 * servers must agree (keyspace counts, command and error counters after the same commands).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  diffSuite,
  runSteps,
  RawConnection,
  encodeCommand,
  startRealRedis,
  redisServerAvailable,
  memoryUsage,
  satisfies,
  unixTimeSinceTestStart,
  type RealRedis,
  type Step,
} from '../helpers/differential.js';
import { startServer, open, type RunningServer } from '../../src/embedded/index.js';
import { LatencyHistogram, bytesToHuman, genInfoString } from '../../src/server/info.js';
import { createServer } from '../../src/cinder.js';

const RESPS: Array<2 | 3> = [2, 3];

async function withConnections<T>(
  ports: { redis: number; cinder: number },
  resp: 2 | 3,
  body: (r: RawConnection, c: RawConnection) => Promise<T>,
): Promise<T> {
  const [r, c] = await Promise.all([RawConnection.connect(ports.redis), RawConnection.connect(ports.cinder)]);
  try {
    if (resp === 3) await Promise.all([r.command(['HELLO', '3']), c.command(['HELLO', '3'])]);
    return await body(r, c);
  } finally {
    r.close();
    c.close();
  }
}

/** The text of a bulk or verbatim reply (verbatim: after "txt:"). */
function textOf(reply: Buffer): string {
  const s = reply.latin1Slice();
  const cr = s.indexOf('\r\n');
  const body = s.slice(cr + 2, s.length - 2);
  return s[0] === '=' ? body.slice(4) : body;
}

interface InfoSection {
  title: string;
  fields: Array<[string, string]>;
}

function parseInfo(text: string): InfoSection[] {
  if (text === '') return [];
  assert.ok(text.endsWith('\r\n'), 'INFO text ends with CRLF');
  const sections: InfoSection[] = [];
  for (const block of text.slice(0, -2).split('\r\n\r\n')) {
    const lines = block.split('\r\n');
    assert.match(lines[0], /^# /);
    sections.push({
      title: lines[0].slice(2),
      fields: lines.slice(1).map((l) => {
        const colon = l.indexOf(':');
        assert.ok(colon > 0, `line without ':': ${l}`);
        return [l.slice(0, colon), l.slice(colon + 1)] as [string, string];
      }),
    });
  }
  return sections;
}

/** Sections whose lines depend on what ran (compared as sets, with values where they must agree). */
const DYNAMIC = new Set(['Commandstats', 'Errorstats', 'Latencystats', 'Keyspace']);

function compareInfo(expectedText: string, actualText: string, label: string): void {
  const e = parseInfo(expectedText);
  const a = parseInfo(actualText);
  assert.deepEqual(
    a.map((s) => s.title),
    e.map((s) => s.title),
    `${label}: sections`,
  );
  for (let i = 0; i < e.length; i++) {
    const title = e[i].title;
    const names = (s: InfoSection) => s.fields.map(([k]) => k);
    if (!DYNAMIC.has(title)) {
      assert.deepEqual(names(a[i]), names(e[i]), `${label}: fields of ${title}`);
      continue;
    }
    // The harness PINGs redis-server (not Cinder) to see that it is up.
    const harness = (k: string) => k === 'cmdstat_ping' || k === 'latency_percentiles_usec_ping';
    const dynamicNames = (s: InfoSection) => names(s).filter((k) => !harness(k)).sort();
    assert.deepEqual(dynamicNames(a[i]), dynamicNames(e[i]), `${label}: lines of ${title}`);
    const ev = new Map(e[i].fields);
    for (const [k, v] of a[i].fields) {
      if (title === 'Errorstats') assert.equal(v, ev.get(k), `${label}: ${k}`);
      if (title === 'Keyspace') assert.equal(v.replace(/avg_ttl=\d+/, ''), ev.get(k)!.replace(/avg_ttl=\d+/, ''), `${label}: ${k}`);
      if (title === 'Commandstats') {
        const calls = (s: string) => s.replace(/usec=\d+,usec_per_call=[\d.]+,/, '');
        assert.equal(calls(v), calls(ev.get(k)!), `${label}: ${k}`);
        assert.match(v, /^calls=\d+,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=\d+,failed_calls=\d+$/);
      }
      if (title === 'Latencystats') assert.match(v, /^p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}$/);
    }
  }
}

// ---------------------------------------------------------------- INFO

diffSuite('server: INFO', (t) => {
  const requests: string[][] = [
    ['INFO'],
    ['INFO', 'default'],
    ['INFO', 'all'],
    ['INFO', 'everything'],
    ['INFO', 'server'],
    ['INFO', 'SERVER', 'clients'],
    ['INFO', 'keyspace', 'cpu', 'memory'],
    ['INFO', 'persistence', 'stats', 'replication'],
    ['INFO', 'commandstats'],
    ['INFO', 'errorstats', 'latencystats'],
    ['INFO', 'modules'],
    ['INFO', 'module_list', 'cluster'],
    ['INFO', 'default', 'commandstats'],
    ['INFO', 'all', 'nosuch'],
    ['INFO', 'server', 'server'],
  ];
  for (const resp of RESPS) {
    it(`sections and field names match Redis [RESP${resp}]`, async () => {
      await withConnections(t.ports, resp, async (r, c) => {
        // Some activity first: keys with and without TTLs in two databases, hits, misses, errors.
        const setup = [
          ['SET', 'a', '1'],
          ['SET', 'b', '2', 'EX', '1000'],
          ['GET', 'a'],
          ['GET', 'nokey'],
          ['SELECT', '2'],
          ['SET', 'c', '3'],
          ['SELECT', '0'],
          ['NOSUCHCOMMAND'],
          ['GET'],
          ['HELLO', '9'],
        ];
        for (const argv of setup) await Promise.all([r.command(argv), c.command(argv)]);
        for (const argv of requests) {
          const [a, b] = await Promise.all([r.command(argv), c.command(argv)]);
          assert.equal(String.fromCharCode(b[0]), String.fromCharCode(a[0]), `${argv.join(' ')}: reply type`);
          if (resp === 3) assert.equal(b.latin1Slice().split('\r\n')[1].slice(0, 4), 'txt:');
          compareInfo(textOf(a), textOf(b), argv.join(' '));
        }
      });
    });
  }
  t.case('INFO of unknown sections is empty; modules alone is a bare header', [
    ['INFO', 'nosuch'],
    ['INFO', 'modules'],
    ['INFO', 'Modules', 'nosuch'],
  ]);
  for (const resp of RESPS) {
    it(`values INFO reports from our counters [RESP${resp}]`, async () => {
      await withConnections(t.ports, resp, async (_r, c) => {
        const info = async (...sections: string[]) => {
          const map = new Map<string, string>();
          for (const s of parseInfo(textOf(await c.command(['INFO', ...sections])))) for (const [k, v] of s.fields) map.set(k, v);
          return map;
        };
        const before = await info('stats', 'server', 'clients', 'persistence');
        assert.equal(before.get('tcp_port'), String(t.ports.cinder));
        assert.equal(before.get('process_id'), String(process.pid));
        assert.equal(before.get('redis_version'), '7.0.15');
        assert.match(before.get('run_id')!, /^[0-9a-f]{40}$/);
        assert.ok(Number(before.get('connected_clients')) >= 1);
        await c.command(['SET', 'counted', 'x']);
        await c.command(['GET', 'counted']);
        await c.command(['GET', 'absent']);
        await c.command(['GET']);
        const after = await info('stats', 'persistence');
        const delta = (k: string) => Number(after.get(k)) - Number(before.get(k));
        assert.equal(delta('total_commands_processed'), 4);
        assert.equal(delta('keyspace_hits'), 1);
        assert.equal(delta('keyspace_misses'), 1);
        assert.equal(delta('total_error_replies'), 1);
        assert.equal(delta('rdb_changes_since_last_save'), 1);
        const stats = textOf(await c.command(['INFO', 'commandstats']));
        assert.match(stats, /cmdstat_get:calls=\d+,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=[1-9]\d*,failed_calls=0/);
      });
    });
  }
});

// ---------------------------------------------------------------- TIME LASTSAVE SHUTDOWN

diffSuite('server: TIME, LASTSAVE, SHUTDOWN errors', (t) => {
  for (const resp of RESPS) {
    it(`TIME is [seconds, microseconds] as bulk strings [RESP${resp}]`, async () => {
      await withConnections(t.ports, resp, async (r, c) => {
        // Both servers read the same system clock as this process: each TIME lies between the
        // clock's readings just before the command was sent and just after its reply came
        // (a bound on the value, not on how long anything took).
        const before = Date.now();
        const [a, b] = await Promise.all([r.command(['TIME']), c.command(['TIME'])]);
        const after = Date.now();
        const shape = (x: Buffer) => x.latin1Slice().replace(/\$\d+\r\n\d+\r\n/g, 'B');
        assert.equal(shape(b), shape(a));
        for (const reply of [a, b]) {
          const [sec, usec] = reply.latin1Slice().split('\r\n').filter((_, i) => i === 2 || i === 4).map(Number);
          assert.ok(usec >= 0 && usec < 1e6, `microseconds ${usec}`);
          const ms = sec * 1000 + usec / 1000;
          assert.ok(ms >= before - 1 && ms <= after + 1, `TIME ${ms} outside [${before}, ${after}]`);
        }
      });
    });
  }
  // No save ever happened: LASTSAVE is each server's start time, after this test process started.
  t.case('TIME and LASTSAVE', [{ argv: ['LASTSAVE'], compare: unixTimeSinceTestStart }, ['TIME', 'x'], ['LASTSAVE', 'x']]);
  t.case('SHUTDOWN refusals', [
    ['SHUTDOWN', 'foo'],
    ['SHUTDOWN', 'NOSAVE', 'SAVE'],
    ['SHUTDOWN', 'ABORT'],
    ['SHUTDOWN', 'abort', 'NOW'],
    ['SHUTDOWN', 'ABORT', 'NOSAVE'],
    ['SHUTDOWN', 'NOW', 'bar'],
  ]);
});

describe('server: SHUTDOWN stops the server', { skip: !redisServerAvailable && 'redis-server not installed' }, () => {
  it('SHUTDOWN NOSAVE: no reply, the connection closes, the server stops accepting', async () => {
    const redis = await startRealRedis();
    const cinder = await startServer({ port: 0 });
    try {
      const outcomes = [];
      for (const port of [redis.port, cinder.port]) {
        const conn = await RawConnection.connect(port);
        conn.write(encodeCommand(['SHUTDOWN', 'NOSAVE', 'NOW']));
        const bytes = await conn.readUntilClose(3000);
        outcomes.push({ bytes: bytes.latin1Slice(), closed: conn.closed });
        conn.close();
      }
      assert.deepEqual(outcomes[1], outcomes[0]);
      assert.deepEqual(outcomes[0], { bytes: '', closed: true });
      await assert.rejects(RawConnection.connect(cinder.port));
    } finally {
      await redis.stop();
      await cinder.close();
    }
  });
  it('SHUTDOWN where nothing can be shut down (an embedded engine) is refused', async () => {
    const db = open();
    try {
      assert.throws(() => db.callSync('SHUTDOWN', 'NOW'), { message: 'ERR Errors trying to SHUTDOWN. Check logs.' });
      // A synchronous call cannot block, and a SHUTDOWN may wait for replicas (CLIENT_DENY_BLOCKING).
      assert.throws(() => db.callSync('SHUTDOWN'), { message: "ERR SHUTDOWN without NOW or ABORT isn't allowed for DENY BLOCKING client" });
      const server = db.server;
      const seen: unknown[] = [];
      server.shutdownHook = (req) => {
        seen.push(req);
        return 'ERR Errors trying to SHUTDOWN. Check logs.';
      };
      assert.throws(() => db.callSync('SHUTDOWN', 'SAVE', 'FORCE', 'NOW'));
      await assert.rejects(db.call('SHUTDOWN', 'NOSAVE'), { message: 'ERR Errors trying to SHUTDOWN. Check logs.' });
      assert.deepEqual(seen, [
        { save: true, now: true, force: true },
        { save: false, now: false, force: false },
      ]);
    } finally {
      db.close();
    }
  });
});

// ---------------------------------------------------------------- DEBUG

diffSuite('server: DEBUG is refused unless enabled', (t) => {
  t.case('the default enable-debug-command no', [['DEBUG', 'SLEEP', '0'], ['DEBUG', 'HELP'], ['DEBUG', 'nosuch'], ['DEBUG']]);
});

/** A pair of servers with DEBUG enabled (enable-debug-command is fixed at startup). */
function debugSuite(name: string, body: (ports: { redis: number; cinder: number }) => void): void {
  describe(name, { skip: !redisServerAvailable && 'redis-server not installed' }, () => {
    let redis: RealRedis;
    let cinder: RunningServer;
    const ports = { redis: 0, cinder: 0 };
    before(async () => {
      [redis, cinder] = await Promise.all([
        startRealRedis(['--enable-debug-command', 'yes']),
        startServer({ port: 0, config: { 'enable-debug-command': 'yes' } }),
      ]);
      ports.redis = redis.port;
      ports.cinder = cinder.port;
    });
    after(async () => {
      await Promise.all([redis?.stop(), cinder?.close()]);
    });
    body(ports);
  });
}

/** Runs the steps in both protocols. */
function debugCase(ports: { redis: number; cinder: number }, name: string, steps: Step[]): void {
  for (const resp of RESPS) it(`${name} [RESP${resp}]`, () => runSteps(ports, steps, resp));
}

debugSuite('server: DEBUG', (ports) => {
  debugCase(ports, 'SLEEP, SET-ACTIVE-EXPIRE, PAUSE-CRON, LOG, CHANGE-REPL-ID', [
    ['DEBUG', 'SLEEP', '0'],
    ['DEBUG', 'sleep', '0.01'],
    ['DEBUG', 'SLEEP', 'abc'],
    ['DEBUG', 'SLEEP', '-1'],
    ['DEBUG', 'SLEEP', '0.001xyz'],
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
    ['DEBUG', 'set-active-expire', 'abc'],
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
    ['DEBUG', 'PAUSE-CRON', '1'],
    ['DEBUG', 'PAUSE-CRON', '0'],
    ['DEBUG', 'LOG', 'hello from the tests'],
    ['DEBUG', 'CHANGE-REPL-ID'],
  ]);
  debugCase(ports, 'PROTOCOL', [
    ...['string', 'integer', 'double', 'bignum', 'null', 'array', 'set', 'map', 'attrib', 'verbatim', 'true', 'false', 'TRUE'].map(
      (type) => ['DEBUG', 'PROTOCOL', type],
    ),
    ['DEBUG', 'PROTOCOL', 'nosuch'],
  ]);
  for (const resp of RESPS) {
    it(`PROTOCOL push (a push frame, then a reply) [RESP${resp}]`, async () => {
      await withConnections(ports, resp, async (r, c) => {
        const outcomes = [];
        for (const conn of [r, c]) {
          conn.write(encodeCommand(['DEBUG', 'PROTOCOL', 'push']));
          const first = await conn.readReply();
          const second = resp === 3 ? await conn.readReply() : Buffer.alloc(0);
          outcomes.push(first.latin1Slice() + second.latin1Slice());
        }
        assert.equal(outcomes[1], outcomes[0]);
      });
    });
  }
  debugCase(ports, 'ERROR writes the given error line', [
    ['DEBUG', 'ERROR', 'Something went wrong'],
    ['DEBUG', 'ERROR', 'WRONGTYPE custom'],
    ['DEBUG', 'ERROR', 'line\r\nbreak'],
  ]);
  debugCase(ports, 'POPULATE', [
    ['DEBUG', 'POPULATE', '3'],
    ['DBSIZE'],
    ['GET', 'key:0'],
    ['GET', 'key:2'],
    ['DEBUG', 'POPULATE', '2', 'p'],
    ['GET', 'p:1'],
    ['DEBUG', 'POPULATE', '2', 'pad', '10'],
    ['GET', 'pad:1'],
    ['DEBUG', 'POPULATE', '2', 'cut', '3'],
    ['GET', 'cut:0'],
    ['SET', 'key:5', 'mine'],
    ['DEBUG', 'POPULATE', '6'],
    ['GET', 'key:5'],
    ['DBSIZE'],
    ['DEBUG', 'POPULATE', '0'],
    ['DEBUG', 'POPULATE', '-1'],
    ['DEBUG', 'POPULATE', 'abc'],
    ['DEBUG', 'POPULATE', '1', 'x', '-5'],
    ['DEBUG', 'POPULATE', '1', 'x', 'abc'],
    ['DEBUG', 'POPULATE', '1', 'x', '1', 'extra'],
    ['DBSIZE'],
  ]);
  debugCase(ports, 'unknown subcommands and wrong argument counts', [
    ['DEBUG', 'nosuch'],
    ['DEBUG', 'SLEEP'],
    ['DEBUG', 'SLEEP', '0', '1'],
    ['DEBUG', 'ERROR'],
    ['DEBUG', 'PROTOCOL'],
    ['DEBUG', 'LOG'],
    ['DEBUG', 'POPULATE'],
    ['DEBUG', 'CHANGE-REPL-ID', 'x'],
    ['DEBUG', 'HELP', 'x'],
    ['DEBUG'],
  ]);
  it('SLEEP blocks the whole server', async () => {
    const c = await RawConnection.connect(ports.cinder);
    const other = await RawConnection.connect(ports.cinder);
    try {
      // Checked by the order of the replies, not by a clock. Both commands are written in the same
      // tick, SLEEP first, so both sit in the server's socket buffers before it reads either: it
      // reads SLEEP first (loopback delivers in write order) and, while sleeping, cannot answer
      // the other connection's PING, whose reply therefore arrives after SLEEP's.
      const arrived: string[] = [];
      c.write(encodeCommand(['DEBUG', 'SLEEP', '0.2']));
      other.write(encodeCommand(['PING']));
      await Promise.all([
        c.readReply().then((b) => arrived.push(`sleep ${b.latin1Slice()}`)),
        other.readReply().then((b) => arrived.push(`ping ${b.latin1Slice()}`)),
      ]);
      assert.deepEqual(arrived, ['sleep +OK\r\n', 'ping +PONG\r\n']);
    } finally {
      c.close();
      other.close();
    }
  });
  it('SET-ACTIVE-EXPIRE 0 stops background expiry', async () => {
    const c = await RawConnection.connect(ports.cinder);
    try {
      await c.command(['FLUSHALL']);
      await c.command(['DEBUG', 'SET-ACTIVE-EXPIRE', '0']);
      await c.command(['SET', 'x', '1', 'PX', '10']);
      await new Promise((res) => setTimeout(res, 300));
      assert.equal((await c.command(['DBSIZE'])).latin1Slice(), ':1\r\n');
      await c.command(['DEBUG', 'SET-ACTIVE-EXPIRE', '1']);
      await new Promise((res) => setTimeout(res, 300));
      assert.equal((await c.command(['DBSIZE'])).latin1Slice(), ':0\r\n');
    } finally {
      c.close();
    }
  });
  it('HELP lists what we have, in Redis words and order', async () => {
    await withConnections(ports, 2, async (r, c) => {
      const lines = (b: Buffer) => b.latin1Slice().split('\r\n').slice(1, -1);
      const theirs = lines(await r.command(['DEBUG', 'HELP']));
      const ours = lines(await c.command(['DEBUG', 'HELP']));
      assert.equal(ours[0], theirs[0]);
      // Every entry (a subcommand line and its indented description) appears in Redis's help as is.
      const text = theirs.join('\n');
      let entry: string[] = [];
      const check = () => {
        if (entry.length > 0) assert.ok(text.includes(entry.join('\n')), `not in Redis's help: ${entry.join(' / ')}`);
      };
      for (const line of ours.slice(1)) {
        if (!line.startsWith('+ ')) {
          check();
          entry = [];
        }
        entry.push(line);
      }
      check();
      assert.deepEqual(ours.slice(-2), theirs.slice(-2));
    });
  });
});

// ---------------------------------------------------------------- MEMORY

diffSuite('server: MEMORY', (t) => {
  t.case('USAGE', [
    ['SET', 'k', 'value'],
    ['SET', 'n', '12345'],
    { argv: ['MEMORY', 'USAGE', 'k'], compare: memoryUsage },
    { argv: ['MEMORY', 'USAGE', 'n'], compare: memoryUsage },
    { argv: ['MEMORY', 'USAGE', 'k', 'SAMPLES', '0'], compare: memoryUsage },
    { argv: ['memory', 'usage', 'k', 'samples', '10'], compare: memoryUsage },
    ['MEMORY', 'USAGE', 'nokey'],
    ['MEMORY', 'USAGE', 'nokey', 'SAMPLES', '1'],
    ['MEMORY', 'USAGE', 'k', 'SAMPLES', '-1'],
    ['MEMORY', 'USAGE', 'k', 'SAMPLES', 'x'],
    ['MEMORY', 'USAGE', 'k', 'SAMPLES'],
    ['MEMORY', 'USAGE', 'k', 'foo'],
    ['MEMORY', 'USAGE', 'k', 'SAMPLES', '1', 'x'],
    ['MEMORY', 'USAGE'],
    ['MEMORY'],
    ['MEMORY', 'nosuch'],
    ['MEMORY', 'STATS', 'x'],
  ]);
  // Redis built with jemalloc prints its statistics (verbatim text in RESP3); built with libc
  // malloc (as Cinder answers, having no allocator of its own to report on) it answers this bulk
  // string in both protocols (object.c: addReplyBulkCString).
  const mallocStats = satisfies(
    'jemalloc statistics or the libc malloc answer',
    (r, ctx) => {
      if (r.text === null) return false;
      if (r.type === '$' && r.text === 'Stats not supported for the current allocator') return true;
      const prefix = ctx.resp === 3 ? 'txt:' : '';
      return r.type === (ctx.resp === 3 ? '=' : '$') && r.text.startsWith(`${prefix}___ Begin jemalloc statistics ___\n`);
    },
  );
  t.case('PURGE and MALLOC-STATS', [['MEMORY', 'PURGE'], { argv: ['MEMORY', 'MALLOC-STATS'], compare: mallocStats }, ['MEMORY', 'PURGE', 'x']]);
  for (const resp of RESPS) {
    it(`STATS has Redis's fields and types [RESP${resp}]`, async () => {
      await withConnections(t.ports, resp, async (r, c) => {
        await Promise.all([r.command(['SET', 'x', '1']), c.command(['SET', 'x', '1'])]);
        const [a, b] = await Promise.all([r.command(['MEMORY', 'STATS']), c.command(['MEMORY', 'STATS'])]);
        // Blank the values, keep the types: integers, doubles (bulk strings in RESP2), nested maps.
        const shape = (x: Buffer) =>
          x
            .latin1Slice()
            .replace(/:-?\d+\r\n/g, ':N\r\n')
            .replace(/,[-\d.e+inf]+\r\n/g, ',D\r\n')
            .replace(/\$\d+\r\n[\d.]+\r\n/g, 'D');
        assert.equal(shape(b), shape(a));
      });
    });
  }
  it('USAGE grows with the value and counts the key', async () => {
    const c = await RawConnection.connect(t.ports.cinder);
    try {
      await c.command(['SET', 'small', 'x']);
      await c.command(['SET', 'big', 'x'.repeat(10000)]);
      const n = async (k: string) => Number((await c.command(['MEMORY', 'USAGE', k])).latin1Slice().slice(1));
      const small = await n('small');
      const big = await n('big');
      assert.ok(small > 16 && small < 200, String(small));
      // A 10,000-byte value takes a 10,240-byte slab chunk (Redis: the same jemalloc class, 10,288 in all).
      assert.ok(big > 10240 && big < 10400, String(big));
    } finally {
      c.close();
    }
  });
  it('HELP lists what we have, in Redis words and order', async () => {
    await withConnections(t.ports, 2, async (r, c) => {
      const lines = (b: Buffer) => b.latin1Slice().split('\r\n').slice(1, -1);
      const theirs = lines(await r.command(['MEMORY', 'HELP']));
      const ours = lines(await c.command(['MEMORY', 'HELP']));
      let j = 0;
      for (const line of ours) {
        while (j < theirs.length && theirs[j] !== line) j++;
        assert.ok(j < theirs.length, `line not in Redis's help, or out of order: ${line}`);
      }
    });
  });
});

// ---------------------------------------------------------------- units

describe('server: INFO internals', () => {
  it('latency percentiles come out as HdrHistogram bucket bounds', () => {
    const h = new LatencyHistogram();
    h.record(13000);
    assert.equal(h.valueAtPercentile(50), 13055);
    const k = new LatencyHistogram();
    for (const us of [1, 2, 3, 4, 5, 6, 7, 8, 9, 100]) k.record(us * 1000);
    assert.equal(k.valueAtPercentile(50), 5023);
    assert.equal(k.valueAtPercentile(99), 100351);
    assert.equal(k.valueAtPercentile(100), 100351);
    const tiny = new LatencyHistogram();
    tiny.record(0);
    tiny.record(200);
    assert.equal(tiny.valueAtPercentile(50), 1);
    assert.equal(tiny.valueAtPercentile(99.9), 200);
    const huge = new LatencyHistogram();
    huge.record(5e9);
    assert.ok(huge.valueAtPercentile(50) >= 1e9);
  });
  it('bytesToHuman as Redis prints sizes', () => {
    assert.equal(bytesToHuman(0), '0B');
    assert.equal(bytesToHuman(1023), '1023B');
    assert.equal(bytesToHuman(1024), '1.00K');
    assert.equal(bytesToHuman(1140024), '1.09M');
    assert.equal(bytesToHuman(25325268992), '23.59G');
  });
  it('INFO text: sections joined by a blank line, CRLF endings, unknown sections empty', () => {
    const server = createServer();
    const text = genInfoString(server, ['cluster', 'keyspace']);
    assert.equal(text, '# Cluster\r\ncluster_enabled:0\r\n\r\n# Keyspace\r\n');
    assert.equal(genInfoString(server, ['nosuch']), '');
    server.dbs[3].set('k', 'v');
    assert.equal(genInfoString(server, ['KEYSPACE']), '# Keyspace\r\ndb3:keys=1,expires=0,avg_ttl=0\r\n');
  });
});

