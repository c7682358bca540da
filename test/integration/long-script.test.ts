import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { RawConnection, encodeCommand, freePort, startRealRedis, redisServerAvailable } from '../helpers/differential.js';
import { scenarioSuite, type PairedClient } from '../helpers/scenario.js';
import { open, startServer } from '../../src/embedded/index.js';

/**
 * Long-running scripts (docs/SCRIPTING.md): a script past its main-thread budget moves to the
 * long-script worker; after busy-reply-threshold other clients get BUSY, SCRIPT KILL stops a
 * script that has not written, SHUTDOWN NOSAVE stops the server otherwise. Every scenario runs
 * against real Redis and Cinder (the binary, with a tiny main-thread budget so the hand-over
 * happens early) and the replies are compared byte for byte.
 */

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/bin/cinder-server.js');
const THRESHOLD_MS = 300;

interface Target {
  name: string;
  port: number;
  exited: () => boolean;
  stop(): Promise<void>;
}

async function startCinder(): Promise<Target> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [BIN, '--port', String(port), '--busy-reply-threshold', String(THRESHOLD_MS), '--save', ''], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CINDER_LUA_MAIN_FUEL: '200000' },
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const deadline = Date.now() + 10_000;
  while (!out.includes('Ready to accept connections')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`cinder did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    name: 'cinder',
    port,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

async function startRedis(): Promise<Target> {
  const r = await startRealRedis(['--busy-reply-threshold', String(THRESHOLD_MS)]);
  return {
    name: 'redis',
    port: r.port,
    exited: () => r.process.exitCode !== null || r.process.signalCode !== null,
    stop: () => r.stop(),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RUNAWAY = 'local i = 0 while true do i = i + 1 end';
const WRITING_RUNAWAY = "redis.call('set', 'w', '1') while true do end";
// Exceeds the main-thread budget, writes before and after, and reads what it wrote.
const HEAVY =
  "redis.call('set', KEYS[1], '1') for i = 1, 500 do redis.call('incr', KEYS[1]) end " +
  'local n = 0 for i = 1, 3000000 do n = n + 1 end ' +
  "redis.call('incr', KEYS[1]) return {n, redis.call('get', KEYS[1])}";

/** What a client sees in each scenario; compared between the two servers. */
async function killScenario(port: number): Promise<string[]> {
  const caller = await RawConnection.connect(port);
  const other = await RawConnection.connect(port);
  const seen: string[] = [];
  // The caller pipelines a PING behind the script: it must wait for the script's reply.
  caller.write(Buffer.from(`*3\r\n$4\r\nEVAL\r\n$${RUNAWAY.length}\r\n${RUNAWAY}\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n`));
  await sleep(THRESHOLD_MS + 200);
  seen.push((await other.command(['GET', 'x'])).toString());
  seen.push((await other.command(['SCRIPT', 'LOAD', 'return 1'])).toString());
  seen.push((await other.command(['SHUTDOWN'])).toString());
  seen.push((await other.command(['FUNCTION', 'STATS'])).toString());
  seen.push((await other.command(['FUNCTION', 'KILL'])).toString());
  seen.push((await other.command(['SCRIPT', 'KILL'])).toString());
  seen.push((await caller.readReply(5000)).toString());
  seen.push((await caller.readReply(5000)).toString());
  seen.push((await other.command(['SCRIPT', 'KILL'])).toString());
  seen.push((await other.command(['PING'])).toString());
  caller.close();
  other.close();
  return seen;
}

const SPIN_LIBRARY = "#!lua name=spinlib\nredis.register_function('spin', function(keys, args)\n  local i = 0\n  while true do i = i + 1 end\nend)";

async function functionKillScenario(port: number): Promise<string[]> {
  const caller = await RawConnection.connect(port);
  const other = await RawConnection.connect(port);
  const seen: string[] = [];
  seen.push((await other.command(['FUNCTION', 'LOAD', 'REPLACE', SPIN_LIBRARY])).toString());
  caller.write(Buffer.from('*3\r\n$5\r\nFCALL\r\n$4\r\nspin\r\n$1\r\n0\r\n'));
  await sleep(THRESHOLD_MS + 200);
  seen.push((await other.command(['GET', 'x'])).toString());
  seen.push((await other.command(['SCRIPT', 'KILL'])).toString());
  const stats = (await other.command(['FUNCTION', 'STATS'])).toString();
  seen.push(stats.replace(/duration_ms\r\n:\d+/, 'duration_ms\r\n:N'));
  seen.push((await other.command(['FUNCTION', 'KILL'])).toString());
  // The killed function's error: compared separately (the line it names is a known deviation).
  seen.push((await caller.readReply(5000)).toString());
  seen.push((await other.command(['PING'])).toString());
  caller.close();
  other.close();
  return seen;
}

async function transactionDuringBusy(port: number): Promise<string[]> {
  const caller = await RawConnection.connect(port);
  const other = await RawConnection.connect(port);
  const seen: string[] = [];
  caller.write(Buffer.from(`*3\r\n$4\r\nEVAL\r\n$${RUNAWAY.length}\r\n${RUNAWAY}\r\n$1\r\n0\r\n`));
  await sleep(THRESHOLD_MS + 200);
  seen.push((await other.command(['MULTI'])).toString());
  seen.push((await other.command(['SET', 'k', 'v'])).toString());
  seen.push((await other.command(['EXEC'])).toString());
  seen.push((await other.command(['SCRIPT', 'KILL'])).toString());
  seen.push((await caller.readReply(5000)).toString());
  seen.push((await other.command(['EXEC'])).toString());
  seen.push((await other.command(['GET', 'k'])).toString());
  caller.close();
  other.close();
  return seen;
}

async function heavyScenario(port: number): Promise<string[]> {
  const c = await RawConnection.connect(port);
  const seen: string[] = [];
  seen.push((await c.command(['EVAL', HEAVY, '1', 'counter'], 30_000)).toString());
  seen.push((await c.command(['GET', 'counter'])).toString());
  // Inside MULTI/EXEC the script runs to the end before EXEC answers.
  await c.command(['MULTI']);
  await c.command(['EVAL', HEAVY, '1', 'counter2']);
  await c.command(['INCR', 'counter2']);
  seen.push((await c.command(['EXEC'], 30_000)).toString());
  c.close();
  return seen;
}

async function unkillableScenario(t: Target): Promise<string[]> {
  const caller = await RawConnection.connect(t.port);
  const other = await RawConnection.connect(t.port);
  const seen: string[] = [];
  caller.write(Buffer.from(`*3\r\n$4\r\nEVAL\r\n$${WRITING_RUNAWAY.length}\r\n${WRITING_RUNAWAY}\r\n$1\r\n0\r\n`));
  await sleep(THRESHOLD_MS + 200);
  seen.push((await other.command(['SCRIPT', 'KILL'])).toString());
  seen.push((await other.command(['SHUTDOWN'])).toString());
  seen.push((await other.command(['SHUTDOWN', 'SAVE'])).toString());
  other.write(Buffer.from('*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n'));
  await other.readUntilClose(5000);
  seen.push(`closed=${other.closed}`);
  const deadline = Date.now() + 5000;
  while (!t.exited() && Date.now() < deadline) await sleep(20);
  seen.push(`exited=${t.exited()}`);
  caller.close();
  return seen;
}

/**
 * DEVIATION (documented in docs/SCRIPTING.md): when FUNCTION KILL stops a function, Redis's error
 * names the line the function was on (the loop, line 4 of the library); Cinder stops the worker's
 * VM without knowing the line and names line 1. Both asserted, then left out of the comparison.
 */
function killedFunctionLine(expected: string[], actual: string[]): void {
  const at = expected.findIndex((r) => r.startsWith('-ERR Script killed by user'));
  assert.ok(at >= 0, `no killed-function error in ${JSON.stringify(expected)}`);
  assert.equal(expected[at], '-ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:4.\r\n');
  assert.equal(actual[at], '-ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:1.\r\n');
  expected.splice(at, 1);
  actual.splice(at, 1);
}

describe('long-running scripts, against real Redis', { skip: !redisServerAvailable && 'redis-server not installed', timeout: 120_000 }, () => {
  for (const [name, scenario, deviation] of [
    ['SCRIPT KILL stops a script that has not written; others get BUSY meanwhile', killScenario, null],
    ['MULTI and EXEC while a script is busy', transactionDuringBusy, null],
    ['FUNCTION KILL stops a busy function; SCRIPT KILL refuses it', functionKillScenario, killedFunctionLine],
    ['a script past its main-thread budget finishes with the same result', heavyScenario, null],
  ] as const) {
    test(name, async () => {
      const redis = await startRedis();
      const cinder = await startCinder();
      try {
        const expected = await scenario(redis.port);
        const actual = await scenario(cinder.port);
        deviation?.(expected, actual);
        assert.deepEqual(actual, expected);
      } finally {
        await redis.stop();
        await cinder.stop();
      }
    });
  }

  test('a script that wrote cannot be killed; only SHUTDOWN NOSAVE stops the server', async () => {
    const redis = await startRedis();
    const cinder = await startCinder();
    try {
      const expected = await unkillableScenario(redis);
      const actual = await unkillableScenario(cinder);
      assert.deepEqual(actual, expected);
      assert.deepEqual(actual.slice(-2), ['closed=true', 'exited=true']);
    } finally {
      await redis.stop();
      await cinder.stop();
    }
  });
});

describe('long-running scripts, embedded', () => {
  test('a synchronous call waits for a script that moved to the worker', () => {
    const db = open();
    db.server.scripting.mainThreadFuel = 200_000;
    try {
      const reply = db.callSync('EVAL', HEAVY, 1, 'k');
      assert.deepEqual(reply, [3000000, '502']);
      assert.equal(db.callSync('GET', 'k'), '502');
    } finally {
      db.close();
    }
  });

  test('an asynchronous call gets the reply of a script that moved to the worker', async () => {
    const db = open();
    db.server.scripting.mainThreadFuel = 200_000;
    try {
      const reply = await db.call('EVAL', HEAVY, 1, 'k');
      assert.deepEqual(reply, [3000000, '502']);
    } finally {
      db.close();
    }
  });

  test('arguments too big for the VM give an error, and the VM keeps working', () => {
    const db = open();
    try {
      assert.throws(() => db.callSync('EVAL', 'return #ARGV[1]', 0, 'x'.repeat(40 * 1024 * 1024)), /ERR not enough memory/);
      assert.equal(db.callSync('EVAL', 'return #ARGV[1]', 0, 'x'.repeat(1024 * 1024)), 1024 * 1024);
    } finally {
      db.close();
    }
  });
});

/**
 * busy-reply-threshold is wall-clock time, whatever the script does: a script that spends its time
 * in redis.call (where the main thread's instruction budget used to last seconds) makes other
 * clients get BUSY as Redis does, and SCRIPT KILL stops it even when the loop is inside pcall (a
 * kill cannot be caught in Redis). Only the order of events is checked, against real Redis.
 */
/** Waits (unchecked, on each server separately) until `probe`'s PING is answered BUSY. */
async function waitUntilBusy(probe: PairedClient): Promise<void> {
  for (const side of [probe.redis, probe.cinder]) {
    for (let attempt = 0; ; attempt++) {
      if ((await side.command(['PING'], 10_000)).latin1Slice().startsWith('-BUSY ')) break;
      if (attempt > 2000) assert.fail('the script never went busy');
      await sleep(2);
    }
  }
}

scenarioSuite('long-running scripts: BUSY after lua-time-limit, killable in every form', (t) => {
  const loops: Array<[string, string]> = [
    ['a redis.call loop', "while 1 do redis.call('ping') end"],
    ['a redis.call loop inside pcall', "local f = function() while 1 do redis.call('ping') end end while 1 do pcall(f) end"],
    ['a redis.pcall loop', "while 1 do redis.pcall('ping') end"],
    ['a pure Lua loop', 'while true do end'],
    ['a pure Lua loop inside pcall', 'local f = function() while 1 do end end while 1 do pcall(f) end'],
    ['a loop catching errors it raises itself', "while 1 do pcall(error, 'x') end"],
  ];
  for (const [name, script] of loops) {
    t.scenario(`${name}: others get BUSY, SCRIPT KILL answers OK, the caller gets the kill error`, async (s) => {
      const caller = await s.client('caller');
      const other = await s.client('other');
      const admin = await s.client('admin');
      const probe = await s.client('probe');
      await admin.call(['CONFIG', 'SET', 'lua-time-limit', '10']);
      try {
        caller.send(['EVAL', script, '0']);
        await waitUntilBusy(probe);
        await other.call(['PING']);
        await other.call(['SET', 'k', 'v']);
        await admin.call(['SCRIPT', 'KILL']);
        await caller.reply('exact', 5000, 'the killed script');
        await caller.call(['PING']);
        await other.call(['GET', 'k']);
      } finally {
        await admin.call(['CONFIG', 'SET', 'lua-time-limit', '5000']);
      }
    });
  }

  t.scenario('a function looping on redis.call: BUSY, FUNCTION KILL, the caller gets the kill error', async (s) => {
    const caller = await s.client('caller');
    const other = await s.client('other');
    const admin = await s.client('admin');
    const probe = await s.client('probe');
    await admin.call(['FUNCTION', 'LOAD', 'REPLACE', "#!lua name=busylib\nredis.register_function('spin', function() while 1 do redis.call('ping') end end)"]);
    await admin.call(['CONFIG', 'SET', 'lua-time-limit', '10']);
    try {
      caller.send(['FCALL', 'spin', '0']);
      await waitUntilBusy(probe);
      await other.call(['PING']);
      await admin.call(['SCRIPT', 'KILL']);
      await admin.call(['FUNCTION', 'KILL']);
      // Redis names the line the function was on; Cinder cannot know it (docs/SCRIPTING.md).
      await caller.reply('type', 5000, 'the killed function');
      await caller.call(['PING']);
    } finally {
      await admin.call(['CONFIG', 'SET', 'lua-time-limit', '5000']);
      await admin.call(['FUNCTION', 'FLUSH']);
    }
  });
});

/**
 * SCRIPT KILL is race-free: once it answers OK the script is gone and the server serves everyone
 * again, whenever it arrives (the worker starting up, waiting for a reply, deep in Lua) and
 * whatever the caller pipelined behind the script (another long script included, which must be
 * able to go busy and be killed in turn).
 */
describe('long-running scripts: SCRIPT KILL under varying timings', { timeout: 120_000 }, () => {
  const scripts = [
    'while true do end',
    "while 1 do redis.call('ping') end",
    "local f = function() while 1 do redis.call('ping') end end while 1 do pcall(f) end",
    'local f = function() while 1 do end end while 1 do pcall(f) end',
  ];

  /** Sends SCRIPT KILL until it answers OK (NOTBUSY while the script is not busy yet). */
  async function killUntilDone(c: RawConnection): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const reply = (await c.command(['SCRIPT', 'KILL'], 10_000)).toString('latin1');
      if (reply === '+OK\r\n') return;
      assert.match(reply, /^-NOTBUSY /);
      if (attempt > 2000) assert.fail('the script never became killable');
      await sleep(1);
    }
  }

  test('50 rounds: EVAL, MULTI/INCR on a second client, SCRIPT KILL on a third; every connection answers PING afterwards', async () => {
    const server = await startServer({ port: 0 });
    try {
      const setup = await RawConnection.connect(server.port);
      assert.equal((await setup.command(['CONFIG', 'SET', 'lua-time-limit', '10'])).toString(), '+OK\r\n');
      for (let round = 0; round < 50; round++) {
        const script = scripts[round % scripts.length];
        const [caller, other, killer] = await Promise.all([0, 1, 2].map(() => RawConnection.connect(server.port)));
        const pipelineScript = round % 5 === 4;
        const frames = [encodeCommand(['EVAL', script, '0'])];
        // Behind the script: another long script (itself to be killed) or a PING.
        frames.push(encodeCommand(pipelineScript ? ['EVAL', scripts[(round + 1) % scripts.length], '0'] : ['PING']));
        caller.write(Buffer.concat(frames));
        await sleep(round % 7);
        other.write(Buffer.concat([encodeCommand(['MULTI']), encodeCommand(['INCR', 'x'])]));
        await sleep(round % 3);
        await killUntilDone(killer);
        assert.match((await caller.readReply(10_000)).toString('latin1'), /^-ERR Script killed by user with SCRIPT KILL/, `round ${round}`);
        if (pipelineScript) {
          await killUntilDone(killer);
          assert.match((await caller.readReply(10_000)).toString('latin1'), /^-ERR Script killed by user with SCRIPT KILL/, `round ${round}`);
        } else {
          assert.equal((await caller.readReply(10_000)).toString(), '+PONG\r\n', `round ${round}`);
        }
        // MULTI answered OK, INCR BUSY or QUEUED (if it came first): either way DISCARD ends it.
        assert.equal((await other.readReply(10_000)).toString(), '+OK\r\n', `round ${round}`);
        assert.match((await other.readReply(10_000)).toString('latin1'), /^(-BUSY |\+QUEUED)/, `round ${round}`);
        assert.equal((await other.command(['DISCARD'], 10_000)).toString(), '+OK\r\n', `round ${round}`);
        for (const c of [caller, other, killer, setup]) assert.equal((await c.command(['PING'], 10_000)).toString(), '+PONG\r\n', `round ${round}`);
        for (const c of [caller, other, killer]) c.close();
      }
      setup.close();
    } finally {
      await server.close();
    }
  });
});

describe('redis.set_repl reaches the server', () => {
  test('the runner keeps the flags of the running script, on the main thread and on the worker', async () => {
    const db = open();
    try {
      const runner = db.server.scripting;
      assert.equal(await db.call('EVAL', 'redis.set_repl(redis.REPL_AOF) return 1', '0'), 1);
      assert.equal(runner.replFlags, 1);
      // Each script starts with REPL_ALL.
      assert.equal(await db.call('EVAL', 'return 1', '0'), 1);
      assert.equal(runner.replFlags, 3);
      // On the worker: set before the hand-over (replayed without reaching the server again) and after.
      runner.mainThreadFuel = 200_000;
      const flags: number[] = [];
      const setRepl = runner.setRepl.bind(runner);
      runner.setRepl = (f: number) => {
        flags.push(f);
        setRepl(f);
      };
      const reply = await db.call('EVAL', "redis.set_repl(redis.REPL_NONE) local n = 0 for i = 1, 3000000 do n = n + 1 end redis.set_repl(redis.REPL_REPLICA) return n", '0');
      assert.equal(reply, 3000000);
      assert.deepEqual(flags, [0, 2]);
      assert.equal(runner.replFlags, 2);
    } finally {
      db.close();
    }
  });
});
