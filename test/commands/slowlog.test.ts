/**
 * SLOWLOG, differential against redis-server 7.0: the subcommands and their errors byte for byte;
 * the entries (what is logged, for which caller, with which arguments, client address and name)
 * compared after masking what differs between two servers: ids are compared relative to the
 * newest, times must fall within the scenario, durations are bounded (never the test's own time),
 * addresses are compared as "the address of this client" or Redis's "?:0" for a script's calls.
 */
import assert from 'node:assert/strict';
import { diffSuite, type RawConnection } from '../helpers/differential.js';
import { scenarioSuite, type PairedClient, type Scenario, type Side } from '../helpers/scenario.js';
import { parseResp, type RespValue } from '../helpers/resp-value.js';

// ---------------------------------------------------------------- subcommands and errors

diffSuite('slowlog: subcommands and errors', (t) => {
  t.case('HELP, arity, unknown subcommands, GET count errors, on an empty log', [
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '-1'],
    ['SLOWLOG', 'RESET'],
    ['SLOWLOG', 'HELP'],
    ['SLOWLOG', 'help'],
    ['SLOWLOG'],
    ['SLOWLOG', 'nosuch'],
    ['SLOWLOG', 'LEN', 'x'],
    ['SLOWLOG', 'RESET', 'x'],
    ['SLOWLOG', 'HELP', 'x'],
    ['SLOWLOG', 'GET', '1', '2'],
    ['SLOWLOG', 'GET', 'abc'],
    ['SLOWLOG', 'GET', '-2'],
    ['SLOWLOG', 'GET', '-1x'],
    ['SLOWLOG', 'GET', '+1'],
    ['SLOWLOG', 'GET', ' 1'],
    ['SLOWLOG', 'GET', '9223372036854775808'],
    ['SLOWLOG', 'GET', '-9223372036854775809'],
    ['SLOWLOG', 'GET', '9223372036854775807'],
    ['SLOWLOG', 'GET', '0'],
    ['SLOWLOG', 'GET', '-1'],
    ['SLOWLOG', 'GET'],
    ['SLOWLOG', 'LEN'],
    { argv: ['CONFIG', 'GET', 'slowlog-*'], compare: 'unordered' },
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '-2'],
    ['CONFIG', 'SET', 'slowlog-max-len', '-1'],
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '10000'],
  ]);
  t.case('SLOWLOG inside MULTI and from a script', [
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '-1'],
    ['MULTI'],
    ['SLOWLOG', 'LEN'],
    ['SLOWLOG', 'GET', 'x'],
    ['EXEC'],
    ['EVAL', "return redis.call('slowlog', 'len')", '0'],
    ['EVAL', "return redis.pcall('slowlog', 'get', '-5')", '0'],
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '10000'],
  ]);
});

// ---------------------------------------------------------------- entries

interface Entry {
  /** Id relative to the newest entry (0, -1, -2 ...). */
  id: number;
  time: number;
  usec: number;
  argv: string[];
  peer: string;
  name: string;
}

function entriesOf(reply: Buffer): Array<Omit<Entry, 'id'> & { id: number }> {
  const v = parseResp(reply);
  assert.ok(Array.isArray(v), `SLOWLOG GET reply: ${reply.latin1Slice(0, Math.min(200, reply.length))}`);
  return v.map((e: RespValue) => {
    assert.ok(Array.isArray(e) && e.length === 6, `entry: ${JSON.stringify(e)}`);
    const [id, time, usec, argv, peer, name] = e;
    assert.ok(typeof id === 'number' && typeof time === 'number' && typeof usec === 'number');
    assert.ok(Array.isArray(argv) && typeof peer === 'string' && typeof name === 'string');
    return { id, time, usec, argv: argv as string[], peer, name };
  });
}

/** Each server's addresses of the scenario's clients, by client label. */
type Peers = Record<Side, Map<string, string>>;

async function addrOf(conn: RawConnection): Promise<string> {
  const info = parseResp(await conn.command(['CLIENT', 'INFO'])) as string;
  return /addr=(\S+)/.exec(info)![1];
}

/** Registers `pc`'s address on each server under its name (entries show the name instead). */
async function learnPeer(peers: Peers, pc: PairedClient): Promise<void> {
  peers.redis.set(await addrOf(pc.redis), pc.name);
  peers.cinder.set(await addrOf(pc.cinder), pc.name);
}

/**
 * SLOWLOG GET -1 on both servers through `pc`; asserts times lie in [since, now] and durations are
 * whole microseconds, then compares the rest: relative ids, arguments, peers (as client labels),
 * names. Returns the normalized entries with each server's durations.
 */
async function sameSlowlog(
  pc: PairedClient,
  peers: Peers,
  since: number,
  label = 'SLOWLOG GET -1',
  rewrite: (side: Side, argv: string[]) => string[] = (_side, argv) => argv,
): Promise<Array<Entry & { usecs: Record<Side, number> }>> {
  const [r, c] = await Promise.all([pc.redis.command(['SLOWLOG', 'GET', '-1']), pc.cinder.command(['SLOWLOG', 'GET', '-1'])]);
  const now = Math.ceil(Date.now() / 1000);
  const normalize = (side: Side, reply: Buffer) => {
    const entries = entriesOf(reply);
    const newest = entries.length > 0 ? entries[0].id : 0;
    return entries.map((e) => {
      assert.ok(e.time >= since - 1 && e.time <= now + 1, `${side}: entry time ${e.time} outside [${since}, ${now}]`);
      assert.ok(Number.isInteger(e.usec) && e.usec >= 0, `${side}: duration ${e.usec}`);
      const peer = e.peer === '?:0' ? '?:0' : (peers[side].get(e.peer) ?? `unknown peer ${e.peer}`);
      return { id: e.id - newest, argv: rewrite(side, e.argv), peer, name: e.name, usec: e.usec };
    });
  };
  const expected = normalize('redis', r);
  const actual = normalize('cinder', c);
  const strip = (list: typeof expected) => list.map(({ usec, ...rest }) => rest);
  assert.deepEqual(strip(actual), strip(expected), label);
  return expected.map((e, i) => ({ ...e, time: 0, usecs: { redis: e.usec, cinder: actual[i].usec } }));
}

/** A client for the scenario whose address entries will show by its name. */
async function client(s: Scenario, peers: Peers, name: string, opts?: { hello3?: boolean }): Promise<PairedClient> {
  const pc = await s.client(name, opts);
  await learnPeer(peers, pc);
  return pc;
}

function newPeers(): Peers {
  return { redis: new Map(), cinder: new Map() };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Waits until both servers have `n` blocked clients, asking both in step (so both log the same INFO calls). */
async function blockedClients(pc: PairedClient, n: number): Promise<void> {
  const pattern = new RegExp(`blocked_clients:${n}\\r\\n`);
  for (let i = 0; ; i++) {
    const [r, c] = await Promise.all([pc.redis.command(['INFO', 'clients']), pc.cinder.command(['INFO', 'clients'])]);
    if (pattern.test(r.latin1Slice()) && pattern.test(c.latin1Slice())) return;
    if (i > 500) assert.fail(`blocked_clients never reached ${n}`);
    await new Promise((res) => setTimeout(res, 10));
  }
}

/** Logs everything from here on, from an empty log. */
async function logEverything(pc: PairedClient, maxLen = '128'): Promise<void> {
  await pc.call(['CONFIG', 'SET', 'slowlog-log-slower-than', '0', 'slowlog-max-len', maxLen]);
  await pc.call(['SLOWLOG', 'RESET']);
}

async function restoreDefaults(pc: PairedClient): Promise<void> {
  await pc.call(['CONFIG', 'SET', 'slowlog-log-slower-than', '10000', 'slowlog-max-len', '128', 'busy-reply-threshold', '5000']);
}

const DEBUG = { config: { 'enable-debug-command': 'yes' } };

scenarioSuite(
  'slowlog: what is logged, for whom',
  (t) => {
    for (const hello3 of [false, true]) {
      t.scenario(`commands, transactions, scripts, functions, refused commands [RESP${hello3 ? 3 : 2}]`, async (s) => {
        const peers = newPeers();
        const a = await client(s, peers, 'main', { hello3 });
        const since = nowSeconds();
        await a.call(['FUNCTION', 'LOAD', 'REPLACE', "#!lua name=sl\nredis.register_function('f', function(keys, args) return redis.call('get', keys[1]) end)"]);
        await logEverything(a);
        // The arguments as sent, never the form propagated (SET EX -> PXAT, BLPOP -> LPOP, INCRBYFLOAT -> SET).
        await a.call(['SET', 'k', 'v', 'EX', '100']);
        await a.call(['RPUSH', 'l', 'x']);
        await a.call(['BLPOP', 'l', '0']);
        await a.call(['INCRBYFLOAT', 'f', '1.5']);
        await a.call(['get', 'k']);
        // Refused before running: not logged.
        await a.call(['NOSUCH', 'x']);
        await a.call(['GET']);
        await a.call(['CONFIG', 'NOSUCH']);
        // MULTI is logged, EXEC is not, the commands it runs are.
        await a.call(['MULTI']);
        await a.call(['SET', 'a', '1']);
        await a.call(['INCR', 'a']);
        await a.call(['EXEC']);
        await a.call(['MULTI']);
        await a.call(['GET']);
        await a.call(['EXEC']);
        // A script and each command it calls (as the script client: "?:0", no name); refused calls are not.
        await a.call(['EVAL', "redis.call('set', 'x', '1') redis.pcall('lpush', 'x', 'y') redis.pcall('nosuch') return redis.pcall('get')", '0']);
        await a.call(['EVAL_RO', "return redis.pcall('set', 'x', '2')", '0']);
        await a.call(['FCALL', 'f', '1', 'k']);
        await a.call(['CLIENT', 'SETNAME', 'named']);
        await a.call(['PING']);
        const entries = await sameSlowlog(a, peers, since);
        const logged = entries.map((e) => `${e.peer} ${e.argv.join(' ')}`);
        assert.ok(logged.includes('?:0 set x 1') && logged.includes('main MULTI') && !logged.some((l) => /^main exec/i.test(l)), logged.join('\n'));
        await restoreDefaults(a);
      });
    }

    t.scenario('blocked commands: logged when served, emptied by CLIENT UNBLOCK, not when timed out', async (s) => {
      const peers = newPeers();
      const a = await client(s, peers, 'admin');
      const w = await client(s, peers, 'waiter');
      const since = nowSeconds();
      await w.call(['CLIENT', 'SETNAME', 'waiting']);
      const ids = await w.ids();
      await logEverything(a);
      w.send(['BLPOP', 'l', '0']);
      await blockedClients(a, 1);
      await a.call(['RPUSH', 'l', 'x']);
      await w.reply();
      await w.call(['BLPOP', 'l', '0.01']);
      w.send(['BRPOP', 'l', '0']);
      await blockedClients(a, 1);
      await a.call((side) => ['CLIENT', 'UNBLOCK', ids[side], 'TIMEOUT']);
      await w.reply();
      w.send(['BLMOVE', 'l', 'm', 'LEFT', 'RIGHT', '0']);
      await blockedClients(a, 1);
      await a.call((side) => ['CLIENT', 'UNBLOCK', ids[side], 'ERROR']);
      await w.reply();
      // Client ids differ between the servers.
      const entries = await sameSlowlog(a, peers, since, 'SLOWLOG GET -1', (side, argv) => argv.map((x) => (x === ids[side] ? 'ID' : x)));
      // The served BLPOP: its arguments, the waiter's address and name.
      assert.ok(entries.some((e) => e.argv.join(' ') === 'BLPOP l 0' && e.peer === 'waiter' && e.name === 'waiting'));
      await restoreDefaults(a);
    });
  },
  DEBUG,
);

scenarioSuite('slowlog: arguments kept', (t) => {
  t.scenario('at most 32 arguments and 128 bytes each; secrets redacted where Redis redacts them', async (s) => {
    const peers = newPeers();
    const a = await client(s, peers, 'main');
    const since = nowSeconds();
    await logEverything(a);
    const elements = (n: number) => Array.from({ length: n }, (_, i) => `e${i}`);
    await a.call(['RPUSH', 'l31', ...elements(30)]);
    await a.call(['RPUSH', 'l32', ...elements(31)]);
    await a.call(['RPUSH', 'l33', ...elements(32)]);
    await a.call(['RPUSH', 'l40', ...elements(38)]);
    await a.call(['SET', 'k'.repeat(128), 'v'.repeat(129)]);
    await a.call(['SET', 'k'.repeat(300), Buffer.alloc(1000, 0xe9).latin1Slice()]);
    await a.call(['EVAL', `return '${'x'.repeat(200)}'`, '0']);
    await a.call(['RPUSH', 'mixed', ...elements(29), 'y'.repeat(200), 'z'.repeat(200), 'w']);
    // HELLO: AUTH pairs are redacted as far as Redis reads the options.
    await a.call(['HELLO', '2', 'AUTH', 'default', 'secret'], 'type');
    await a.call(['HELLO', '2', 'auth', 'default', 'x', 'AUTH', 'default', 'y'], 'type');
    // HELLO authenticates at each AUTH in turn and answers WRONGPASS at the first that fails: the
    // second pair, never read, stays unredacted.
    await a.call(['HELLO', '2', 'AUTH', 'nobody', 'pw', 'AUTH', 'default', 'pw2']);
    await a.call(['HELLO', '2', 'AUTH', 'default', 'x', 'BAD'], 'type');
    await a.call(['HELLO', '2', 'BAD', 'AUTH', 'default', 'x'], 'type');
    await a.call(['HELLO', '2', 'AUTH', 'default'], 'type');
    await a.call(['HELLO', '9', 'AUTH', 'default', 'x'], 'type');
    await a.call(['HELLO', 'x', 'AUTH', 'default', 'x'], 'type');
    await a.call(['HELLO', '2', 'SETNAME', 'a b', 'AUTH', 'default', 'x'], 'type');
    await a.call(['HELLO', '2', 'SETNAME', 'ok', 'AUTH', 'default', 'x'], 'type');
    // CONFIG SET: sensitive values, in any case, even when the command fails; not with an odd count.
    await a.call(['CONFIG', 'SET', 'masteruser', 'someone']);
    await a.call(['CONFIG', 'SET', 'MASTERAUTH', 'pw', 'masteruser', 'x']);
    await a.call(['CONFIG', 'SET', 'nosuch', 'v', 'masterauth', 'pw']);
    await a.call(['CONFIG', 'SET', 'masterauth', 'pw', 'maxmemory']);
    await a.call(['CONFIG', 'SET', 'requirepass', '', 'requirepass', '']);
    await a.call(['CONFIG', 'SET', 'masterauth', '', 'masteruser', '']);
    const logged = (await sameSlowlog(a, peers, since)).map((e) => e.argv.join(' '));
    assert.ok(logged.some((l) => l.startsWith('RPUSH l40 ') && l.endsWith(' e28 ... (9 more arguments)')));
    assert.ok(logged.includes(`SET ${'k'.repeat(128)} ${'v'.repeat(128)}... (1 more bytes)`));
    assert.ok(logged.includes('CONFIG SET MASTERAUTH (redacted) masteruser (redacted)'));
    await restoreDefaults(a);
  });
});

scenarioSuite(
  'slowlog: GET count, LEN, and the parameters at run time',
  (t) => {
    t.scenario('GET count: default 10, -1 for all, capped by the length; LEN', async (s) => {
      const peers = newPeers();
      const a = await client(s, peers, 'main');
      const since = nowSeconds();
      await logEverything(a);
      for (let i = 0; i < 12; i++) await a.call(['SET', `k${i}`, 'v']);
      await a.call(['SLOWLOG', 'LEN']);
      const shape = async (argv: string[]) => {
        const [r, c] = await Promise.all([a.redis.command(argv), a.cinder.command(argv)]);
        assert.deepEqual(
          entriesOf(c).map((e) => e.argv),
          entriesOf(r).map((e) => e.argv),
          argv.join(' '),
        );
      };
      await shape(['SLOWLOG', 'GET']);
      await shape(['SLOWLOG', 'GET', '0']);
      await shape(['SLOWLOG', 'GET', '1']);
      await shape(['SLOWLOG', 'GET', '3']);
      await shape(['SLOWLOG', 'GET', '100']);
      await shape(['SLOWLOG', 'GET', '-1']);
      await sameSlowlog(a, peers, since);
      await restoreDefaults(a);
    });

    t.scenario('slowlog-max-len shrinks the log at the next logged command; a disabled log keeps its entries', async (s) => {
      const peers = newPeers();
      const a = await client(s, peers, 'main');
      const since = nowSeconds();
      await logEverything(a, '10');
      for (let i = 0; i < 8; i++) await a.call(['SET', `k${i}`, 'v']);
      await a.call(['SLOWLOG', 'LEN']);
      await a.call(['CONFIG', 'SET', 'slowlog-max-len', '3']);
      await a.call(['SLOWLOG', 'LEN']);
      await sameSlowlog(a, peers, since, 'after shrinking');
      // Disabled: nothing is logged, nothing trimmed, even when the length shrinks.
      await a.call(['CONFIG', 'SET', 'slowlog-log-slower-than', '-1']);
      await a.call(['CONFIG', 'SET', 'slowlog-max-len', '1']);
      await a.call(['SLOWLOG', 'LEN']);
      await a.call(['SET', 'x', 'y']);
      await a.call(['SLOWLOG', 'LEN']);
      await sameSlowlog(a, peers, since, 'disabled');
      // Enabled again by a command EXEC runs: that command is logged, and trims the log.
      await a.call(['MULTI']);
      await a.call(['CONFIG', 'SET', 'slowlog-log-slower-than', '0']);
      await a.call(['EXEC']);
      await a.call(['SLOWLOG', 'LEN']);
      await a.call(['CONFIG', 'SET', 'slowlog-max-len', '0']);
      await a.call(['SLOWLOG', 'LEN']);
      await a.call(['CONFIG', 'SET', 'slowlog-max-len', '5', 'slowlog-log-slower-than', '1000000000']);
      await a.call(['SET', 'fast', '1']);
      await a.call(['SLOWLOG', 'LEN']);
      await restoreDefaults(a);
    });

    t.scenario('slowlog-log-slower-than: DEBUG SLEEP past it is logged with its duration, quicker commands are not', async (s) => {
      const peers = newPeers();
      const a = await client(s, peers, 'main');
      const since = nowSeconds();
      await a.call(['CONFIG', 'SET', 'slowlog-log-slower-than', '100000']);
      await a.call(['SLOWLOG', 'RESET']);
      await a.call(['DEBUG', 'SLEEP', '0']);
      await a.call(['DEBUG', 'SLEEP', '0.15']);
      await a.call(['SET', 'k', 'v']);
      await a.call(['MULTI']);
      await a.call(['DEBUG', 'SLEEP', '0.12']);
      await a.call(['EXEC']);
      const entries = await sameSlowlog(a, peers, since);
      assert.deepEqual(
        entries.map((e) => e.argv.join(' ')),
        ['DEBUG SLEEP 0.12', 'DEBUG SLEEP 0.15'],
      );
      for (const e of entries) {
        const min = e.argv[2] === '0.15' ? 150000 : 120000;
        assert.ok(e.usecs.redis >= min && e.usecs.cinder >= min, `durations ${JSON.stringify(e.usecs)} of ${e.argv.join(' ')}`);
      }
      await restoreDefaults(a);
    });

    t.scenario('a script that runs long is logged once it ends, with its whole duration', async (s) => {
      const peers = newPeers();
      const a = await client(s, peers, 'main');
      const since = nowSeconds();
      await a.call(['CONFIG', 'SET', 'busy-reply-threshold', '50', 'slowlog-log-slower-than', '200000']);
      await a.call(['SLOWLOG', 'RESET']);
      // Spins on TIME for 300 ms: past busy-reply-threshold (Cinder moves it to its long-script worker).
      const spin =
        "local t = redis.call('time') local start = t[1] * 1000000 + t[2] " +
        "while true do t = redis.call('time') if t[1] * 1000000 + t[2] - start > 300000 then break end end return 'done'";
      await a.call(['EVAL', spin, '0']);
      const entries = await sameSlowlog(a, peers, since);
      assert.equal(entries.length, 1);
      assert.ok(entries[0].usecs.redis >= 300000 && entries[0].usecs.cinder >= 300000, JSON.stringify(entries[0].usecs));
      await restoreDefaults(a);
    });
  },
  DEBUG,
);
