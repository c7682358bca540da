/**
 * MONITOR against Redis 7.0: several clients run commands while monitors watch; each monitor's
 * stream is read on both servers up to a marker and compared line for line, with the timestamp
 * (checked for its shape) and the clients' ports (replaced by the clients' names) normalised.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { it } from 'node:test';
import { scenarioSuite, waitForClient, clientFlags, type PairedClient } from '../helpers/scenario.js';
import type { RawConnection } from '../helpers/differential.js';
import { open, ReplyError } from '../../src/embedded/index.js';
import { quoteArgument } from '../../src/server/monitor.js';

const MARK = 'end-of-feed';
type Side = 'redis' | 'cinder';

/** One frame of a monitor's stream, with its time and its clients' ports normalised. */
function normalise(frame: Buffer, names: Map<number, string>): string {
  const s = frame.latin1Slice();
  const m = /^\+(\d+)\.(\d{6}) \[(\d+) ([^\]]+)\] /.exec(s);
  if (m === null) return s;
  assert.ok(Math.abs(Number(m[1]) - Date.now() / 1000) < 60, `a timestamp of now: ${s}`);
  const port = /^127\.0\.0\.1:(\d+)$/.exec(m[4]);
  const who = port === null ? m[4] : (names.get(Number(port[1])) ?? `unknown ${m[4]}`);
  return `+<time> [${m[3]} ${who}] ${s.slice(m[0].length)}`;
}

async function readFeed(conn: RawConnection, names: Map<number, string>): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const line = normalise(await conn.readReply(5000), names);
    out.push(line);
    if (line.includes(`"ECHO" "${MARK}"`)) return out;
  }
}

/**
 * `by` (not a monitor) sends a marker; every frame each monitor received up to it (lines, and its
 * own replies) must be the same on both servers. Returns Redis's frames of the first monitor.
 */
async function compareFeeds(monitors: PairedClient[], by: PairedClient, clients: PairedClient[] | Names): Promise<string[]> {
  const names = Array.isArray(clients) ? portNames(clients) : clients;
  await by.call(['ECHO', MARK]);
  let first: string[] = [];
  for (const m of monitors) {
    const [expected, actual] = await Promise.all([readFeed(m.redis, names.redis), readFeed(m.cinder, names.cinder)]);
    assert.deepEqual(actual, expected, `${m.name}'s feed`);
    if (first.length === 0) first = expected;
  }
  return first;
}

type Names = Record<Side, Map<number, string>>;

/** Each client's name by its port, per server (taken while connected: a closed socket has none). */
function portNames(clients: PairedClient[]): Names {
  return {
    redis: new Map(clients.map((c) => [c.redis.localPort, c.name])),
    cinder: new Map(clients.map((c) => [c.cinder.localPort, c.name])),
  };
}

const LIB = [
  '#!lua name=mylib',
  "redis.register_function('f', function(keys, args) return redis.call('get', keys[1]) end)",
  "redis.register_function{function_name='g', callback=function(keys, args) return redis.call('set', keys[1], 'x') end}",
  "redis.register_function{function_name='ro', callback=function(keys, args) return redis.call('exists', 'a') end, flags={'no-writes'}}",
].join('\n');

scenarioSuite('MONITOR', (t) => {
  t.scenario('commands as sent, quoted as sdscatrepr, with the database they left selected', async (s) => {
    const m = await s.client('monitor');
    const a = await s.client('a');
    await m.call(['MONITOR']);
    const steps: Array<string[] | [string[], 'ignore']> = [
      ['SET', 'k', 'v'],
      ['GET', 'k'],
      ['SET', 'bin', 'a\x00\x01\n\r\t\x07\x08"\\\x7f\x80\xff é~ '],
      ['APPEND', 'bin', ''],
      ['SELECT', '3'],
      ['PING'],
      ['SET', 'k', 'v', 'EX', '100'],
      ['EXPIRE', 'k', '100'],
      ['SELECT', '0'],
      ['NOSUCH', 'x'],
      ['SET', 'k'],
      ['CLIENT', 'NOSUCH'],
      ['CONFIG', 'GET', 'maxmemory'],
      [['CLIENT', 'LIST'], 'ignore'],
      [['CLIENT', 'ID'], 'ignore'],
      ['CLIENT', 'KILL', 'ID', '999999'],
      ['CLIENT', 'PAUSE', 'x'],
      ['DEBUG', 'SLEEP', '0'],
      [['INFO', 'server'], 'ignore'],
      ['OBJECT', 'ENCODING', 'k'],
      ['LPUSH', 'k', 'x'],
      ['PUBLISH', 'ch', 'msg'],
      ['SUBSCRIBE', 'ch'],
      ['UNSUBSCRIBE', 'ch'],
    ];
    for (const step of steps) {
      if (step.length === 2 && Array.isArray(step[0])) await a.call(step[0], 'ignore');
      else await a.call(step as string[]);
    }
    const feed = await compareFeeds([m], a, [m, a]);
    assert.ok(feed.includes('+<time> [3 a] "SELECT" "3"\r\n'), feed.join(''));
    assert.ok(feed.includes('+<time> [0 a] "SET" "bin" "a\\x00\\x01\\n\\r\\t\\a\\b\\"\\\\\\x7f\\x80\\xff \\xe9~ "\r\n'), feed.join(''));
    assert.ok(!feed.some((l) => l.includes('"NOSUCH"') || l.includes('"CONFIG"') || l.includes('"LIST"')), feed.join(''));
  });

  t.scenario('transactions: MULTI, each queued command as EXEC runs it, then EXEC', async (s) => {
    const m = await s.client('monitor');
    const a = await s.client('a');
    await m.call(['MONITOR']);
    for (const argv of [
      ['MULTI'],
      ['SET', 'x', '1'],
      ['INCR', 'x'],
      ['EXEC'],
      ['MULTI'],
      ['NOSUCH'],
      ['EXEC'],
      ['MULTI'],
      ['CONFIG', 'SET', 'maxmemory', '0'],
      ['GET', 'x'],
      ['EXEC'],
      ['MULTI'],
      ['SET', 'y', '1'],
      ['DISCARD'],
      ['WATCH', 'x'],
      ['UNWATCH'],
      ['MULTI'],
      ['LPUSH', 'x', 'a'],
      ['SELECT', '2'],
      ['SET', 'y', '1'],
      ['SELECT', '0'],
      ['EXEC'],
    ]) {
      await a.call(argv);
    }
    const feed = await compareFeeds([m], a, [m, a]);
    assert.ok(feed.includes('+<time> [2 a] "SET" "y" "1"\r\n'), feed.join(''));
  });

  t.scenario('scripts: the script command first, then what it calls, from lua in its database', async (s) => {
    const m = await s.client('monitor');
    const a = await s.client('a');
    await m.call(['MONITOR']);
    const pingScript = "return redis.call('ping')";
    const sha = createHash('sha1').update(pingScript).digest('hex');
    for (const argv of [
      ['EVAL', "redis.call('set','a','b') redis.call('select', 2) return redis.call('get','a')", '0'],
      ['SCRIPT', 'LOAD', pingScript],
      ['EVALSHA', sha, '0'],
      ['EVALSHA_RO', sha, '0'],
      ['EVAL_RO', "return redis.call('get', KEYS[1])", '1', 'a'],
      ['EVAL', "return redis.call('nosuchcmd')", '0'],
      ['EVAL', "return redis.pcall('get')", '0'],
      ['EVAL', "return redis.pcall('incr', 'a')", '0'],
      ['EVAL', 'return 1', 'notanumber'],
      ['EVAL', "#!lua flags=no-writes\nreturn redis.call('exists', 'a')", '0'],
      ['EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', '0'],
      ['FUNCTION', 'LOAD', LIB],
      ['FCALL', 'f', '1', 'k'],
      ['FCALL_RO', 'ro', '0'],
      ['FCALL', 'g', '1', 'k'],
      ['FCALL', 'nosuch', '0'],
      ['MULTI'],
      ['EVAL', "return redis.call('get', 'k')", '0'],
      ['EXEC'],
      ['FUNCTION', 'DELETE', 'mylib'],
      ['SCRIPT', 'FLUSH'],
    ]) {
      await a.call(argv);
    }
    const feed = await compareFeeds([m], a, [m, a]);
    assert.ok(feed.includes('+<time> [2 lua] "select" "2"\r\n'), feed.join(''));
  });

  t.scenario('credentials given to HELLO are redacted', async (s) => {
    const m = await s.client('monitor');
    const a = await s.client('a');
    await m.call(['MONITOR']);
    for (const argv of [
      ['HELLO', '2', 'AUTH', 'default', 'secret'],
      ['HELLO', '2', 'AUTH', 'nouser', 'secret'],
      ['HELLO', '2', 'AUTH', 'default', 'secret', 'SETNAME', 'n'],
      ['HELLO', '4', 'AUTH', 'default', 'secret'],
      ['HELLO', '2', 'AUTH', 'default'],
      ['HELLO', '2', 'SETNAME', 'x', 'AUTH', 'default', 'secret', 'BAD'],
      ['MULTI'],
      ['HELLO', '2', 'AUTH', 'default', 'secret'],
      ['EXEC'],
    ]) {
      // HELLO's reply holds the client id, which differs.
      await a.call(argv, 'type');
    }
    const feed = await compareFeeds([m], a, [m, a]);
    assert.ok(feed.includes('+<time> [0 a] "HELLO" "2" "AUTH" "(redacted)" "(redacted)"\r\n'), feed.join(''));
  });

  t.scenario('a blocked command is shown when called, not when served', async (s) => {
    const m = await s.client('monitor');
    const a = await s.client('a');
    const b = await s.client('b');
    await m.call(['MONITOR']);
    b.send(['BLPOP', 'list', '0']);
    await waitForClient(a, b, (line) => clientFlags(line).includes('b'));
    await a.call(['RPUSH', 'list', 'v']);
    await b.reply();
    await b.call(['BLPOP', 'other', '0.01']);
    await compareFeeds([m], a, [m, a, b]);
  });

  t.scenario("a monitor's own commands: shown after their reply; keys are out of its reach", async (s) => {
    const m = await s.client('monitor');
    const a = await s.client('a');
    await a.call(['SET', 'k', 'v']);
    await m.call(['MONITOR']);
    for (const argv of [
      ['PING'],
      ['GET', 'k'],
      ['SET', 'k', 'v'],
      ['PUBLISH', 'c', 'm'],
      ['EVAL', 'return 1', '0'],
      ['EVAL_RO', 'return 1', '0'],
      ['EVAL', '#!lua flags=no-writes\nreturn 1', '0'],
      ['ECHO', 'hi'],
      ['INFO', 'keyspace'],
      ['SELECT', '1'],
      ['MONITOR'],
      ['MULTI'],
      ['GET', 'k'],
      ['PING'],
      ['EXEC'],
      ['CLIENT', 'NO-EVICT', 'on'],
    ]) {
      m.send(argv);
    }
    await waitForClient(a, m, (line) => line.includes(' cmd=client|no-evict '));
    await compareFeeds([m], a, [m, a]);
    // RESET leaves monitor mode: keys are reachable again and nothing more is fed.
    await m.call(['RESET']);
    await a.call(['SET', 'k', 'v2']);
    await m.call(['GET', 'k']);
    await s.quiet();
  });

  t.scenario('RESP3: a monitor receives the same status lines', async (s) => {
    const m = await s.client('monitor', { hello3: true });
    const a = await s.client('a', { hello3: true });
    await m.call(['MONITOR']);
    await a.call(['SET', 'k', 'v']);
    await a.call(['HGETALL', 'h']);
    m.send(['PING']);
    await compareFeeds([m], a, [m, a]);
  });

  t.scenario('two monitors see everything, each other included, in the same order', async (s) => {
    const m1 = await s.client('m1');
    const m2 = await s.client('m2');
    const a = await s.client('a');
    await m1.call(['MONITOR']);
    await m2.call(['MONITOR']);
    await a.call(['SET', 'k', '1']);
    m1.send(['ECHO', 'from m1']);
    await waitForClient(a, m1, (line) => line.includes(' cmd=echo '));
    await a.call(['INCR', 'k']);
    await compareFeeds([m1, m2], a, [m1, m2, a]);
  });

  t.scenario('MONITOR inside a transaction or from a RESP2 subscriber is refused', async (s) => {
    const a = await s.client('a');
    const b = await s.client('b');
    await a.call(['MULTI']);
    await a.call(['MONITOR']);
    await a.call(['EXEC']);
    await b.call(['SUBSCRIBE', 'ch']);
    await b.call(['MONITOR']);
    // Neither became a monitor.
    await a.call(['SET', 'k', 'v']);
    await s.quiet();
  });

  t.scenario('CLIENT REPLY OFF and SKIP silence a monitor as they silence replies', async (s) => {
    const m = await s.client('monitor');
    const a = await s.client('a');
    await m.call(['MONITOR']);
    // Each step waits until the monitor's command arrived (CLIENT LIST is admin: never fed).
    const run = async (argv: string[], cmd: string) => {
      m.send(argv);
      await waitForClient(a, m, (line) => line.includes(` cmd=${cmd} `));
    };
    await run(['CLIENT', 'REPLY', 'OFF'], 'client|reply');
    await a.call(['SET', 'z', '1']);
    await run(['PING'], 'ping');
    await run(['CLIENT', 'REPLY', 'ON'], 'client|reply');
    await a.call(['SET', 'z', '2']);
    await run(['ECHO', 'e'], 'echo');
    await run(['CLIENT', 'REPLY', 'SKIP'], 'client|reply');
    await a.call(['SET', 'z', '3']);
    await run(['PING'], 'ping');
    await a.call(['SET', 'z', '4']);
    await compareFeeds([m], a, [m, a]);
  });

  t.scenario("QUIT: shown to other monitors, not to the monitor that quits", async (s) => {
    const m1 = await s.client('m1');
    const m2 = await s.client('m2');
    const a = await s.client('a');
    const b = await s.client('b');
    const names = portNames([a, b, m1, m2]);
    await m1.call(['MONITOR']);
    await m2.call(['MONITOR']);
    b.send(['QUIT']);
    const closed = async (pc: PairedClient) => {
      const [r, c] = await Promise.all([pc.redis.readUntilClose(), pc.cinder.readUntilClose()]);
      return { redis: r, cinder: c };
    };
    assert.deepEqual((await closed(b)).cinder.latin1Slice(), '+OK\r\n');
    // m1 saw b's QUIT; its own QUIT's line is not sent to it, only the reply.
    m1.send(['QUIT']);
    const frames = (side: Side, bytes: Buffer) =>
      bytes.latin1Slice().split(/(?<=\r\n)/).map((f) => normalise(Buffer.from(f, 'latin1'), names[side]));
    const last = await closed(m1);
    assert.deepEqual(frames('cinder', last.cinder), frames('redis', last.redis));
    assert.deepEqual(frames('redis', last.redis), ['+<time> [0 b] "QUIT"\r\n', '+OK\r\n']);
    await compareFeeds([m2], a, names);
  });

  t.scenario('CLIENT LIST: flag O, and a normal client for TYPE', async (s) => {
    const m = await s.client('monitor');
    const a = await s.client('a');
    await m.call(['MONITOR']);
    await waitForClient(a, m, (line) => clientFlags(line) === 'O');
    await a.call(['CLIENT', 'LIST', 'TYPE', 'monitor']);
    await a.call(['CLIENT', 'KILL', 'TYPE', 'monitor']);
    for (const side of ['redis', 'cinder'] as const) {
      const normal = (await a[side].command(['CLIENT', 'LIST', 'TYPE', 'normal'])).latin1Slice();
      assert.ok(normal.includes(` addr=127.0.0.1:${m[side].localPort} `), `${side}: ${normal}`);
    }
    m.send(['MULTI']);
    await waitForClient(a, m, (line) => clientFlags(line) === 'Ox');
  });
});

it('MONITOR on embedded handles: lines arrive through onPush; a synchronous call cannot monitor', async () => {
  const lines: unknown[] = [];
  const watcher = open({ onPush: (frame) => lines.push(frame) });
  const other = open({ server: watcher.server });
  try {
    assert.equal(await watcher.call('MONITOR'), 'OK');
    await other.call('SET', 'k', 'a b');
    await other.call('EVAL', "return redis.call('get', 'k')", 0);
    for (let i = 0; i < 100 && lines.length < 3; i++) await new Promise((r) => setImmediate(r));
    const shown = lines.map((l) => String(l).replace(/^\d+\.\d{6} /, ''));
    assert.deepEqual(shown, ['[0 embedded] "SET" "k" "a b"', '[0 embedded] "EVAL" "return redis.call(\'get\', \'k\')" "0"', '[0 lua] "get" "k"']);
    assert.throws(() => other.callSync('MONITOR'), (e: unknown) => e instanceof ReplyError && e.message === "ERR MONITOR isn't allowed for DENY BLOCKING client");
  } finally {
    other.close();
    watcher.close();
  }
});

it('quoteArgument escapes as sdscatrepr', () => {
  assert.equal(quoteArgument('plain text'), '"plain text"');
  assert.equal(quoteArgument(''), '""');
  assert.equal(quoteArgument('"\\\n\r\t\x07\x08\x00\x1f\x7f\xff'), '"\\"\\\\\\n\\r\\t\\a\\b\\x00\\x1f\\x7f\\xff"');
});
