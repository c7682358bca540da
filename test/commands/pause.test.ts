/**
 * CLIENT PAUSE / CLIENT UNPAUSE against Redis 7.0. Whether a command is held is observed, never
 * timed: the client's CLIENT LIST line shows flag b while its command waits (asked by a client the
 * pause does not hold), and its reply must come only once the pause ends.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { it } from 'node:test';
import {
  scenarioSuite,
  waitForClient,
  clientFlags,
  isMonitorLine,
  type PairedClient,
  type Scenario,
  type ScenarioContext,
} from '../helpers/scenario.js';
import { encodeCommand, type RawConnection } from '../helpers/differential.js';
import { open, ReplyError } from '../../src/embedded/index.js';

type Side = 'redis' | 'cinder';
const SIDES = ['redis', 'cinder'] as const;

const held = (line: string) => clientFlags(line).includes('b');

/** The next frame that is not a MONITOR line. */
async function nextReply(conn: RawConnection): Promise<Buffer> {
  for (;;) {
    const frame = await conn.readReply(5000);
    if (!isMonitorLine(frame)) return frame;
  }
}

/**
 * The reply to the command `conn` just sent, or null once CLIENT LIST (asked through `watcher`)
 * shows the client held by the pause.
 */
async function replyOrHeld(conn: RawConnection, watcher: RawConnection): Promise<Buffer | null> {
  const addr = ` addr=127.0.0.1:${conn.localPort} `;
  for (;;) {
    const reply = await conn.readReply(2).catch(() => null);
    if (reply !== null) return reply;
    watcher.write(encodeCommand(['CLIENT', 'LIST']));
    const list = (await nextReply(watcher)).latin1Slice();
    const line = list.split('\n').find((l) => l.includes(addr));
    if (line !== undefined && held(line)) return null;
  }
}

/** A field of INFO's text. */
function infoField(info: Buffer, name: string): string {
  return new RegExp(`\\r\\n${name}:([^\\r]*)`).exec(info.latin1Slice())?.[1] ?? '';
}

/**
 * A scenario that may leave the server paused: a MONITOR client (never paused) is opened first
 * and ends any pause when the scenario is over, so the next one starts unpaused.
 */
function pauseScenario(t: ScenarioContext, name: string, body: (s: Scenario, guard: PairedClient) => Promise<void>): void {
  t.scenario(name, async (s) => {
    const guard = await s.client('guard');
    await guard.call(['MONITOR']);
    try {
      await body(s, guard);
    } finally {
      await Promise.all(
        SIDES.map(async (side) => {
          guard[side].write(encodeCommand(['CLIENT', 'UNPAUSE']));
          await nextReply(guard[side]);
        }),
      );
    }
  });
}

const LIB = [
  '#!lua name=plib',
  "redis.register_function{function_name='ro', callback=function() return 1 end, flags={'no-writes'}}",
  "redis.register_function('rw', function() return 2 end)",
].join('\n');

/**
 * Non-write commands CLIENT PAUSE WRITE holds, found on Redis 7.0.15 by pausing and probing every
 * command Cinder has (Redis hides the may_replicate flag from COMMAND INFO): EVAL, EVALSHA and
 * FCALL unless their script declares no-writes, and the publishing commands.
 */
const MAY_REPLICATE = ['eval', 'evalsha', 'fcall', 'pfcount', 'publish', 'spublish'];

scenarioSuite('CLIENT PAUSE', (t) => {
  t.scenario('arguments and errors; a timeout of 0 or one past LLONG_MAX pauses nothing', async (s) => {
    for (const resp3 of [false, true]) {
      const a = await s.client(`a${resp3 ? ' RESP3' : ''}`, { hello3: resp3 });
      for (const argv of [
        ['CLIENT', 'PAUSE', '-1'],
        ['CLIENT', 'PAUSE', 'abc'],
        ['CLIENT', 'PAUSE', '1.5'],
        ['CLIENT', 'PAUSE', ''],
        ['CLIENT', 'PAUSE', '99999999999999999999'],
        ['CLIENT', 'PAUSE', '10', 'FOO'],
        ['CLIENT', 'PAUSE', 'abc', 'FOO'],
        ['CLIENT', 'PAUSE', '-1', 'FOO'],
        ['CLIENT', 'PAUSE', '10', 'write', 'x'],
        ['CLIENT', 'PAUSE'],
        ['CLIENT', 'UNPAUSE', 'x'],
        ['CLIENT', 'UNPAUSE'],
        ['CLIENT', 'PAUSE', '0', 'ALL'],
        ['SET', 'x', '1'],
        ['CLIENT', 'PAUSE', '9223372036854775807'],
        ['CLIENT', 'PAUSE', '9223372036854775000', 'all'],
        ['SET', 'x', '2'],
        ['CLIENT', 'PAUSE', '100000', 'wRiTe'],
        ['GET', 'x'],
        ['CLIENT', 'UNPAUSE'],
        ['SET', 'x', '3'],
      ]) {
        await a.call(argv);
      }
    }
  });

  pauseScenario(t, 'WRITE: writes wait for UNPAUSE, in order; reads and refusals answer at once', async (s) => {
    const a = await s.client('a');
    const b = await s.client('b');
    await a.call(['CLIENT', 'PAUSE', '100000', 'WRITE']);
    b.send(['SET', 'k', '1']);
    b.send(['GET', 'k']);
    await waitForClient(a, b, held);
    await a.call(['GET', 'k']);
    await a.call(['SET', 'k']);
    await a.call(['NOSUCH']);
    await a.call(['CLIENT', 'PAUSE', 'x']);
    for (const side of SIDES) {
      assert.equal(infoField(await a[side].command(['INFO', 'clients']), 'blocked_clients'), '1', side);
      const list = (await a[side].command(['CLIENT', 'LIST'])).latin1Slice();
      const line = list.split('\n').find((l) => l.includes(` addr=127.0.0.1:${b[side].localPort} `)) ?? '';
      assert.match(line, / flags=b db=0 .* argv-mem=5 .* cmd=set /, side);
    }
    await a.call(['CLIENT', 'UNPAUSE']);
    await b.reply();
    await b.reply();
    await a.call(['GET', 'k']);
  });

  pauseScenario(t, 'ALL: every command waits, UNPAUSE too; a monitor is never paused; held clients run in arrival order', async (s, guard) => {
    const m = await s.client('monitor');
    const a = await s.client('a');
    const b = await s.client('b');
    const c = await s.client('c');
    const names = SIDES.map((side) => new Map([a, b, c].map((pc) => [pc[side].localPort, pc.name])));
    await m.call(['MONITOR']);
    await a.call(['SET', 'x', 'v']);
    await a.call(['CLIENT', 'PAUSE', '100000', 'ALL']);
    a.send(['CLIENT', 'UNPAUSE']);
    await waitForClient(guard, a, held);
    b.send(['GET', 'x']);
    b.send(['ECHO', 'after']);
    await waitForClient(guard, b, held);
    c.send(['PING']);
    await waitForClient(guard, c, held);
    // The monitor (a replica to Redis) ends the pause.
    await Promise.all(
      SIDES.map(async (side) => {
        m[side].write(encodeCommand(['CLIENT', 'UNPAUSE']));
        assert.equal((await nextReply(m[side])).latin1Slice(), '+OK\r\n', side);
      }),
    );
    await a.reply();
    await b.reply();
    await b.reply();
    await c.reply();
    // What ran after the pause, as the monitor saw it: each client's whole pipeline in turn.
    const feeds = await Promise.all(
      SIDES.map(async (side, i) => {
        const lines: string[] = [];
        while (lines.length < 3) {
          const frame = (await m[side].readReply(5000)).latin1Slice();
          const line = /^\+\d+\.\d{6} \[0 127\.0\.0\.1:(\d+)\] (.*)\r\n$/.exec(frame);
          if (line !== null && names[i].has(Number(line[1]))) lines.push(`${names[i].get(Number(line[1]))}: ${line[2]}`);
        }
        return lines;
      }),
    );
    assert.deepEqual(feeds[0].slice(-3), ['b: "GET" "x"', 'b: "ECHO" "after"', 'c: "PING"']);
    assert.deepEqual(feeds[1], feeds[0]);
  });

  pauseScenario(t, 'a later pause keeps the stricter mode and the later end', async (s, guard) => {
    const a = await s.client('a');
    const b = await s.client('b');
    const c = await s.client('c');
    await a.call(['CLIENT', 'PAUSE', '100000', 'WRITE']);
    await a.call(['CLIENT', 'PAUSE', '1', 'WRITE']);
    b.send(['SET', 'x', '1']);
    await waitForClient(a, b, held);
    await a.call(['CLIENT', 'PAUSE', '1', 'ALL']);
    c.send(['GET', 'x']);
    await waitForClient(guard, c, held);
    a.send(['CLIENT', 'UNPAUSE']);
    await waitForClient(guard, a, held);
    await Promise.all(
      SIDES.map(async (side) => {
        guard[side].write(encodeCommand(['CLIENT', 'UNPAUSE']));
        await nextReply(guard[side]);
      }),
    );
    await b.reply();
    await c.reply();
    await a.reply();
  });

  pauseScenario(t, 'transactions: a write is held before it is queued; EXEC is held when it holds a write', async (s) => {
    const a = await s.client('a');
    const d = await s.client('d');
    const pause = () => a.call(['CLIENT', 'PAUSE', '100000', 'WRITE']);
    const unpause = () => a.call(['CLIENT', 'UNPAUSE']);
    await d.call(['MULTI']);
    await pause();
    await d.call(['GET', 'x']);
    d.send(['SET', 'x', '1']);
    await waitForClient(a, d, held);
    await unpause();
    await d.reply();
    await pause();
    d.send(['EXEC']);
    await waitForClient(a, d, held);
    await unpause();
    await d.reply();
    // EXEC of reads only, or of scripts that declare no-writes, is not held.
    const sha = createHash('sha1').update('return 1').digest('hex');
    await d.call(['SCRIPT', 'LOAD', 'return 1']);
    for (const queued of [
      [['GET', 'x']],
      [['EVAL_RO', 'return 1', '0']],
      [['EVAL', '#!lua flags=no-writes\nreturn 1', '0'], ['EVALSHA_RO', sha, '0']],
    ]) {
      await unpause();
      await d.call(['MULTI']);
      for (const argv of queued) await d.call(argv);
      await pause();
      await d.call(['EXEC']);
    }
    // A publish in the transaction holds it.
    await unpause();
    await d.call(['MULTI']);
    await d.call(['PUBLISH', 'ch', 'm']);
    await pause();
    d.send(['EXEC']);
    await waitForClient(a, d, held);
    await unpause();
    await d.reply();
  });

  pauseScenario(t, 'scripts under WRITE: held unless they declare no-writes; errors come once they run', async (s) => {
    const a = await s.client('a');
    const d = await s.client('d');
    await a.call(['SCRIPT', 'LOAD', 'return 1']);
    await a.call(['FUNCTION', 'LOAD', 'REPLACE', LIB]);
    const sha = createHash('sha1').update('return 1').digest('hex');
    await a.call(['CLIENT', 'PAUSE', '100000', 'WRITE']);
    const probes = [
      ['EVAL', 'return 1', '0'],
      ['EVAL', '#!lua flags=no-writes\nreturn 1', '0'],
      ['EVAL', '#!lua\nreturn 1', '0'],
      ['EVAL', '#!lua flags=bad\nreturn 1', '0'],
      ['EVAL_RO', 'return 1', '0'],
      ['EVAL_RO', '#!lua\nreturn 1', '0'],
      ['EVALSHA', sha, '0'],
      ['EVALSHA', sha.toUpperCase(), '0'],
      ['EVALSHA_RO', sha, '0'],
      ['EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', '0'],
      ['EVALSHA', 'short', '0'],
      ['FCALL', 'ro', '0'],
      ['FCALL', 'rw', '0'],
      ['FCALL_RO', 'ro', '0'],
      ['FCALL_RO', 'rw', '0'],
      ['FCALL', 'nosuch', '0'],
      ['FCALL_RO', 'nosuch', '0'],
      ['PUBLISH', 'ch', 'm'],
      ['SPUBLISH', 'ch', 'm'],
    ];
    for (const argv of probes) {
      d.send(argv);
      const [r, c] = await Promise.all(SIDES.map((side) => replyOrHeld(d[side], a[side])));
      const what = JSON.stringify(argv);
      assert.equal(c === null, r === null, `${what}: held on redis ${r === null}, on cinder ${c === null}`);
      if (r !== null) {
        assert.equal(c!.latin1Slice(), r.latin1Slice(), what);
        continue;
      }
      await a.call(['CLIENT', 'UNPAUSE']);
      await d.reply();
      await a.call(['CLIENT', 'PAUSE', '100000', 'WRITE']);
    }
  });

  pauseScenario(t, 'while paused, expired keys read as gone but stay; expiry resumes after', async (s) => {
    const a = await s.client('a');
    await a.call(['SET', 'keep', '1']);
    await a.call(['SET', 'e', '1', 'PX', '50']);
    await a.call(['CLIENT', 'PAUSE', '100000', 'WRITE']);
    await Promise.all(
      SIDES.map(async (side) => {
        while ((await a[side].command(['PTTL', 'e'])).latin1Slice() !== ':-2\r\n') await s.sleep(5);
      }),
    );
    for (const argv of [['GET', 'e'], ['EXISTS', 'e'], ['TTL', 'e'], ['TYPE', 'e'], ['OBJECT', 'ENCODING', 'e'], ['KEYS', '*'], ['SCAN', '0'], ['RANDOMKEY'], ['DBSIZE']]) {
      await a.call(argv);
    }
    // Some cron cycles later the key is still there: active expiry stands still too.
    await s.sleep(250);
    await a.call(['DBSIZE']);
    for (const side of SIDES) {
      const keyspace = (await a[side].command(['INFO', 'keyspace'])).latin1Slice();
      assert.match(keyspace, /db0:keys=2,expires=1,/, side);
    }
    await a.call(['CLIENT', 'UNPAUSE']);
    await a.call(['GET', 'e']);
    await a.call(['DBSIZE']);
  });

  pauseScenario(t, 'a held client that is killed or disconnects never runs its command', async (s) => {
    const a = await s.client('a');
    const b = await s.client('b');
    const c = await s.client('c');
    const ids = await b.ids();
    await a.call(['CLIENT', 'PAUSE', '100000', 'WRITE']);
    b.send(['SET', 'x', '1']);
    await waitForClient(a, b, held);
    await a.call((side) => ['CLIENT', 'KILL', 'ID', ids[side]]);
    c.send(['SET', 'y', '1']);
    await waitForClient(a, c, held);
    c.close();
    await Promise.all(
      SIDES.map(async (side) => {
        while (infoField(await a[side].command(['INFO', 'clients']), 'blocked_clients') !== '0') await s.sleep(2);
      }),
    );
    await a.call(['CLIENT', 'UNPAUSE']);
    await a.call(['MGET', 'x', 'y']);
  });

  pauseScenario(t, 'CLIENT REPLY SKIP and OFF apply to a held command when it runs', async (s) => {
    const a = await s.client('a');
    const b = await s.client('b');
    await a.call(['CLIENT', 'PAUSE', '100000', 'WRITE']);
    b.send(['CLIENT', 'REPLY', 'SKIP']);
    b.send(['SET', 'x', '1']);
    b.send(['PING', 'skip done']);
    await waitForClient(a, b, held);
    await a.call(['CLIENT', 'UNPAUSE']);
    await b.reply();
    await a.call(['CLIENT', 'PAUSE', '100000', 'WRITE']);
    b.send(['CLIENT', 'REPLY', 'OFF']);
    b.send(['INCR', 'x']);
    b.send(['CLIENT', 'REPLY', 'ON']);
    await waitForClient(a, b, held);
    await a.call(['CLIENT', 'UNPAUSE']);
    await b.reply();
    await b.call(['GET', 'x']);
  });

  pauseScenario(t, 'a pause ends by itself at its timeout, then held commands run', async (s) => {
    const a = await s.client('a');
    const b = await s.client('b');
    await a.call(['CLIENT', 'PAUSE', '300', 'WRITE']);
    b.send(['SET', 'x', '1']);
    await waitForClient(a, b, held);
    // Read while b waits: not there yet.
    await a.call(['GET', 'x']);
    await b.reply();
    await a.call(['GET', 'x']);
  });

  pauseScenario(t, 'may_replicate: exactly the non-write commands WRITE holds on Redis', async (s) => {
    const a = await s.client('a');
    const probe = await s.client('probe');
    const table = s.cinder.server.commands;
    const commands = table.all.flatMap((cmd) => (cmd.subcommands === null ? [cmd] : [...cmd.subcommands.values()]));
    await a.call(['CLIENT', 'PAUSE', '1000000', 'WRITE']);
    const heldOn: Record<Side, string[]> = { redis: [], cinder: [] };
    for (const cmd of commands) {
      if (cmd.isWrite) continue;
      // SYNC and PSYNC make the connection a replica link (its RDB, then the stream): not probed
      // here; WRITE does not hold them (test/commands/replication.test.ts).
      if (cmd.fullName === 'sync' || cmd.fullName === 'psync') continue;
      const words = cmd.parent === null ? [cmd.name] : [cmd.parent.name, cmd.name];
      // Enough arguments for the arity check; `x` makes the dangerous ones fail harmlessly.
      const argv = [...words];
      while (argv.length < Math.max(Math.abs(cmd.arity), words.length + 1)) argv.push('x');
      if (cmd.arity > 0) argv.length = cmd.arity;
      // QUIT and MONITOR change the connection itself: each gets a fresh one.
      const own = cmd.fullName === 'quit' || cmd.fullName === 'monitor';
      const pc = own ? await s.client(cmd.fullName) : probe;
      await Promise.all(
        SIDES.map(async (side) => {
          if (!own) await pc[side].command(['RESET']);
          pc[side].write(encodeCommand(argv));
          const reply = await replyOrHeld(pc[side], a[side]);
          if (reply === null) {
            heldOn[side].push(cmd.fullName);
            await a[side].command(['CLIENT', 'UNPAUSE']);
            await pc[side].readReply();
          }
          // CLIENT UNPAUSE itself, or a held command: pause again for the next probe.
          await a[side].command(['CLIENT', 'PAUSE', '1000000', 'WRITE']);
        }),
      );
      if (own) pc.close();
    }
    assert.deepEqual(heldOn.redis.sort(), MAY_REPLICATE);
    assert.deepEqual(heldOn.cinder.sort(), MAY_REPLICATE);
    const flagged = commands.filter((cmd) => cmd.mayReplicate && !cmd.isWrite).map((cmd) => cmd.fullName);
    assert.deepEqual(flagged.sort(), MAY_REPLICATE);
  });
});

it('embedded handles: an async call waits for the pause to end; a synchronous one gets an error', async () => {
  const db = open();
  const other = open({ server: db.server });
  try {
    await db.call('CLIENT', 'PAUSE', 100000, 'WRITE');
    assert.equal(other.callSync('GET', 'k'), null);
    assert.throws(() => other.callSync('SET', 'k', 'v'), (e: unknown) => e instanceof ReplyError && e.message.startsWith('ERR the server is paused'));
    const events: string[] = [];
    const write = other.call('SET', 'k', 'v').then((v) => events.push(`set ${String(v)}`));
    const read = other.call('GET', 'k').then((v) => events.push(`get ${String(v)}`));
    await new Promise((r) => setImmediate(r));
    assert.equal(db.server.pause.postponedClients, 1);
    // CLIENT UNBLOCK does not touch a held client (Redis 7.0.15 crashes there; 7.2 answers 0).
    const id = [...db.server.clients.values()].find((c) => c.postponedArgv !== null)!.id;
    assert.equal(await db.call('CLIENT', 'UNBLOCK', id), 0);
    events.push('unpause');
    await db.call('CLIENT', 'UNPAUSE');
    await Promise.all([write, read]);
    assert.deepEqual(events, ['unpause', 'set OK', 'get v']);
  } finally {
    other.close();
    db.close();
  }
});

it('RANDOMKEY while paused with every key expired returns one (Redis 7.0.15 loops forever there)', async () => {
  const db = open();
  try {
    db.callSync('SET', 'a', '1', 'PX', '1');
    db.callSync('SET', 'b', '1', 'PX', '1');
    await db.call('CLIENT', 'PAUSE', 100000, 'WRITE');
    while (db.callSync('PTTL', 'a') !== -2 || db.callSync('PTTL', 'b') !== -2) await new Promise((r) => setTimeout(r, 2));
    assert.ok(['a', 'b'].includes(db.callSync('RANDOMKEY') as string));
    assert.equal(db.callSync('DBSIZE'), 2);
    await db.call('CLIENT', 'UNPAUSE');
    assert.equal(db.callSync('RANDOMKEY'), null);
  } finally {
    db.close();
  }
});
