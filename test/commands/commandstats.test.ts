/**
 * Per-command statistics for every kind of caller, differential against redis-server 7.0: INFO
 * commandstats (calls, rejected_calls, failed_calls; usec masked), errorstats, total_error_replies,
 * total_commands_processed and which commands INFO latencystats lists, after sequences of plain
 * commands, errors, refused commands, transactions, scripts, functions, blocked commands and
 * busy scripts. Each scenario starts with CONFIG RESETSTAT and ends comparing the statistics.
 */
import assert from 'node:assert/strict';
import { scenarioSuite, type PairedClient, type Scenario } from '../helpers/scenario.js';
import type { RawConnection } from '../helpers/differential.js';

/** The text of a bulk or verbatim reply. */
function textOf(reply: Buffer): string {
  const s = reply.latin1Slice();
  const cr = s.indexOf('\r\n');
  const body = s.slice(cr + 2, s.length - 2);
  return s[0] === '=' ? body.slice(4) : body;
}

/** The statistics lines both servers must agree on (timings masked, latencystats by name only). */
async function statsLines(conn: RawConnection): Promise<string[]> {
  const text = textOf(await conn.command(['INFO', 'commandstats', 'errorstats', 'latencystats', 'stats']));
  const lines: string[] = [];
  for (const line of text.split('\r\n')) {
    if (line.startsWith('cmdstat_')) lines.push(line.replace(/usec=\d+,usec_per_call=[\d.]+,/, ''));
    else if (line.startsWith('errorstat_') || line.startsWith('total_error_replies:') || line.startsWith('total_commands_processed:')) lines.push(line);
    else if (line.startsWith('latency_percentiles_usec_')) lines.push(line.slice(0, line.indexOf(':')));
  }
  return lines.sort();
}

/** Compares the statistics of both servers, read through `pc`'s connections. */
async function sameStats(pc: PairedClient, label = 'statistics'): Promise<void> {
  const [expected, actual] = await Promise.all([statsLines(pc.redis), statsLines(pc.cinder)]);
  assert.deepEqual(actual, expected, label);
}

/**
 * Waits until both servers report `n` blocked clients (read through a connection of `pc`). Both are
 * asked the same number of times, so the INFO calls count the same on both.
 */
async function blockedClients(pc: PairedClient, n: number): Promise<void> {
  const pattern = new RegExp(`blocked_clients:${n}\\r\\n`);
  for (let i = 0; ; i++) {
    const [r, c] = await Promise.all([pc.redis.command(['INFO', 'clients']), pc.cinder.command(['INFO', 'clients'])]);
    if (pattern.test(textOf(r)) && pattern.test(textOf(c))) return;
    if (i > 500) assert.fail(`blocked_clients never reached ${n}`);
    await new Promise((res) => setTimeout(res, 10));
  }
}

async function reset(s: Scenario): Promise<PairedClient> {
  const a = await s.client('main');
  await a.call(['CONFIG', 'RESETSTAT']);
  return a;
}

scenarioSuite('commandstats: plain commands, errors and refusals', (t) => {
  t.scenario('successes, error replies, unknown commands and subcommands, arity, protected DEBUG', async (s) => {
    const a = await reset(s);
    await a.call(['SET', 's', 'v']);
    await a.call(['GET', 's']);
    await a.call(['LPUSH', 's', 'x']);
    await a.call(['INCR', 's']);
    await a.call(['SET', 's', 'v', 'NX', 'XX']);
    await a.call(['NOSUCH', 'x']);
    await a.call(['CONFIG', 'NOSUCH']);
    await a.call(['CONFIG']);
    await a.call(['GET']);
    await a.call(['CONFIG', 'GET']);
    await a.call(['DEBUG', 'SLEEP', '0']);
    await a.call(['OBJECT', 'ENCODING', 'nokey']);
    await a.call(['EXEC']);
    await a.call(['DISCARD']);
    await a.call(['HELLO', '9']);
    await sameStats(a);
  });

  t.scenario('MULTI: queued commands, refusals while queuing (EXECABORT), failing queued commands', async (s) => {
    const a = await reset(s);
    await a.call(['MULTI']);
    await a.call(['SET', 'a', '1']);
    await a.call(['GET']);
    await a.call(['NOSUCH']);
    await a.call(['EXEC']);
    await a.call(['MULTI']);
    await a.call(['SET', 's', 'x']);
    await a.call(['LPUSH', 's', 'y']);
    await a.call(['INCR', 's']);
    await a.call(['GET', 's']);
    await a.call(['MULTI']);
    await a.call(['WATCH', 'x']);
    await a.call(['EXEC']);
    await a.call(['MULTI']);
    await a.call(['SUBSCRIBE', 'ch']);
    await a.call(['DISCARD']);
    await a.call(['WATCH', 'w']);
    await a.call(['SET', 'w', '1']);
    await a.call(['MULTI']);
    await a.call(['GET', 'w']);
    await a.call(['EXEC']);
    await a.call(['MULTI']);
    await a.call(['EVAL', "return redis.call('incr', 's')", '0']);
    await a.call(['EXEC']);
    await sameStats(a);
  });

  t.scenario('a RESP2 subscriber running other commands', async (s) => {
    const a = await reset(s);
    await a.call(['SUBSCRIBE', 'ch']);
    await a.call(['GET', 'x']);
    await a.call(['PING']);
    await a.call(['NOSUCH']);
    await a.call(['UNSUBSCRIBE']);
    const b = await s.client('reader');
    await sameStats(b);
  });
});

scenarioSuite('commandstats: scripts and functions', (t) => {
  t.scenario('EVAL: inner calls succeeding, failing, refused; pcall; script errors; NOSCRIPT', async (s) => {
    const a = await reset(s);
    await a.call(['SET', 'str', 'v']);
    const scripts = [
      "redis.call('set', 'k', '1') return redis.call('get', 'k')",
      "return redis.call('lpush', 'str', 'x')",
      "return redis.pcall('lpush', 'str', 'x')",
      "local r = redis.pcall('lpush', 'str', 'x') return 'ok'",
      "return redis.call('nosuch')",
      "return redis.pcall('get')",
      "return redis.call('multi')",
      "return redis.pcall('subscribe', 'x')",
      "return {err='MINE bad'}",
      "error('boom')",
      'return (',
      "return redis.call('debug', 'sleep', '0')",
    ];
    for (const script of scripts) await a.call(['EVAL', script, '0']);
    await a.call(['EVAL_RO', "return redis.call('set', 'a', 'b')", '0']);
    await a.call(['EVAL_RO', "return redis.pcall('set', 'a', 'b')", '0']);
    await a.call(['EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', '0']);
    await a.call(['EVALSHA', 'abc', '0']);
    await a.call(['SCRIPT', 'LOAD', 'return 1']);
    await a.call(['EVALSHA', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', '0']);
    await sameStats(a);
  });

  t.scenario('FCALL: functions calling commands, failing, refused', async (s) => {
    const a = await reset(s);
    const lib = [
      '#!lua name=statslib',
      "redis.register_function('ok', function(keys, args) redis.call('set', keys[1], '1') return redis.call('get', keys[1]) end)",
      "redis.register_function('bad', function(keys, args) return redis.call('lpush', keys[1], 'x') end)",
      "redis.register_function('soft', function(keys, args) return redis.pcall('lpush', keys[1], 'x') end)",
      "redis.register_function{function_name='ro', callback=function(keys, args) return redis.call('set', keys[1], 'x') end, flags={'no-writes'}}",
    ].join('\n');
    await a.call(['FUNCTION', 'LOAD', 'REPLACE', lib]);
    await a.call(['FCALL', 'ok', '1', 'k']);
    await a.call(['FCALL', 'bad', '1', 'k']);
    await a.call(['FCALL', 'soft', '1', 'k']);
    await a.call(['FCALL', 'ro', '1', 'k']);
    await a.call(['FCALL_RO', 'ok', '1', 'k']);
    await a.call(['FCALL_RO', 'ro', '1', 'k']);
    await a.call(['FCALL', 'nosuch', '0']);
    await a.call(['FCALL', 'ok', 'x']);
    await a.call(['FUNCTION', 'DELETE', 'statslib']);
    await sameStats(a);
  });

  t.scenario('BUSY while a long script runs, then SCRIPT KILL', async (s) => {
    const a = await s.client('runner');
    const b = await s.client('other');
    await b.call(['CONFIG', 'SET', 'busy-reply-threshold', '50']);
    try {
      await b.call(['CONFIG', 'RESETSTAT']);
      a.send(['EVAL', "redis.call('get', 'x') while true do end", '0']);
      // Wait until both servers answer BUSY.
      for (const conn of [b.redis, b.cinder]) {
        for (let i = 0; ; i++) {
          const r = (await conn.command(['PING'])).latin1Slice();
          if (r.startsWith('-BUSY')) break;
          if (i > 500) assert.fail('never busy');
          await new Promise((res) => setTimeout(res, 10));
        }
      }
      // The polling PINGs differ in number: start counting again from here, once the script ended.
      await b.call(['GET', 'x']);
      await b.call(['SCRIPT', 'KILL']);
      await a.reply();
      await b.call(['PING']);
      const pings = /cmdstat_ping:[^\r]*\r\n/;
      const [rs, cs] = await Promise.all([b.redis.command(['INFO', 'commandstats']), b.cinder.command(['INFO', 'commandstats'])]);
      assert.ok(pings.test(textOf(rs)) && pings.test(textOf(cs)));
      const lines = async (conn: RawConnection) => (await statsLines(conn)).filter((l) => !/^(cmdstat_ping|errorstat_BUSY|total_error_replies|total_commands_processed)/.test(l));
      assert.deepEqual(await lines(b.cinder), await lines(b.redis));
    } finally {
      await b.call(['CONFIG', 'SET', 'busy-reply-threshold', '5000'], 'ignore');
    }
  });

  t.scenario('SCRIPT KILL of a script that did not write, counted as the caller sees it', async (s) => {
    const a = await s.client('runner');
    const b = await s.client('other');
    await b.call(['CONFIG', 'SET', 'busy-reply-threshold', '50']);
    try {
      await b.call(['CONFIG', 'RESETSTAT']);
      a.send(['EVAL', 'while true do end', '0']);
      for (const conn of [b.redis, b.cinder]) {
        for (let i = 0; ; i++) {
          const r = (await conn.command(['SCRIPT', 'KILL'])).latin1Slice();
          if (r === '+OK\r\n') break;
          if (i > 500) assert.fail('never killed');
          await new Promise((res) => setTimeout(res, 10));
        }
      }
      await a.reply();
      const lines = async (conn: RawConnection) => (await statsLines(conn)).filter((l) => !/^(cmdstat_script\|kill|errorstat_NOTBUSY|total_error_replies|total_commands_processed)/.test(l));
      assert.deepEqual(await lines(b.cinder), await lines(b.redis));
    } finally {
      await b.call(['CONFIG', 'SET', 'busy-reply-threshold', '5000'], 'ignore');
    }
  });
});

scenarioSuite('commandstats: blocked commands', (t) => {
  t.scenario('served, timed out, CLIENT UNBLOCK TIMEOUT and ERROR, disconnected', async (s) => {
    const a = await s.client('waiter');
    const b = await s.client('admin');
    const ids = await a.ids();
    await b.call(['CONFIG', 'RESETSTAT']);
    // Served.
    a.send(['BLPOP', 'l', '0']);
    await blockedClients(b, 1);
    await b.call(['RPUSH', 'l', 'x']);
    await a.reply();
    // Timed out.
    await a.call(['BLPOP', 'l', '0.01']);
    // Unblocked as a timeout, then as an error.
    a.send(['BRPOP', 'l', '0']);
    await blockedClients(b, 1);
    await b.call((side) => ['CLIENT', 'UNBLOCK', ids[side], 'TIMEOUT']);
    await a.reply();
    a.send(['BLMOVE', 'l', 'm', 'LEFT', 'LEFT', '0']);
    await blockedClients(b, 1);
    await b.call((side) => ['CLIENT', 'UNBLOCK', ids[side], 'ERROR']);
    await a.reply();
    // Served with an error: the destination is of the wrong type by then.
    a.send(['BLMOVE', 'src', 'str', 'LEFT', 'LEFT', '0']);
    await blockedClients(b, 1);
    await b.call(['SET', 'str', 'v']);
    await b.call(['RPUSH', 'src', 'x']);
    await a.reply();
    // Killed by a disconnect.
    const c = await s.client('quitter');
    c.send(['BZPOPMIN', 'z', '0']);
    await blockedClients(b, 1);
    c.close();
    await blockedClients(b, 0);
    await sameStats(b);
  });

  t.scenario('CONFIG RESETSTAT while a client is blocked', async (s) => {
    const a = await s.client('waiter');
    const b = await s.client('admin');
    const ids = await a.ids();
    a.send(['BLPOP', 'l', '0']);
    await blockedClients(b, 1);
    await b.call(['CONFIG', 'RESETSTAT']);
    await b.call(['RPUSH', 'l', 'x']);
    await a.reply();
    a.send(['BLPOP', 'l', '0']);
    await blockedClients(b, 1);
    await b.call(['CONFIG', 'RESETSTAT']);
    await b.call((side) => ['CLIENT', 'UNBLOCK', ids[side]]);
    await a.reply();
    await sameStats(b);
  });

  t.scenario('blocking commands that do not block: inside MULTI, in a script, with data', async (s) => {
    const a = await reset(s);
    await a.call(['MULTI']);
    await a.call(['BLPOP', 'l', '0']);
    await a.call(['EXEC']);
    await a.call(['EVAL', "return redis.call('blpop', 'l', 0)", '0']);
    await a.call(['RPUSH', 'l', 'x']);
    await a.call(['BLPOP', 'l', '0']);
    await sameStats(a);
  });
});
