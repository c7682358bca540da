/**
 * The OOM gate against a real redis-server: which commands run when memory is out, inside MULTI
 * and in scripts. Redis is put out of memory with `CONFIG SET maxmemory 1` (noeviction); Cinder
 * gets the same CONFIG SET, and its memory guard is shown a nearly full V8 heap (the heap source
 * of src/server/oom.ts, which refuses writes exactly as the maxmemory comparison will).
 */
import { createHash } from 'node:crypto';
import { deviates } from '../helpers/differential.js';
import { scenarioSuite, type PairedClient, type Scenario } from '../helpers/scenario.js';
import type { HeapUsage } from '../../src/server/oom.js';

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');

/** The guard's own heap reader and collector, kept before a scenario replaces them. */
let realHeap: { readHeap: () => HeapUsage; collect: (() => void) | null } | null = null;

/** Puts both servers out of memory (`on`) or back. */
async function outOfMemory(s: Scenario, admin: PairedClient, on: boolean): Promise<void> {
  const guard = s.cinder.server.memoryGuard;
  realHeap ??= { readHeap: guard.readHeap, collect: guard.collect };
  if (on) {
    guard.readHeap = (): HeapUsage => ({ used: 95, limit: 100, external: 0 });
    guard.collect = null;
  } else {
    guard.readHeap = realHeap.readHeap;
    guard.collect = realHeap.collect;
  }
  guard.check();
  await admin.call(['CONFIG', 'SET', 'maxmemory', on ? '1' : '0']);
}

/** Runs `body` with both servers out of memory, and puts them back after. */
function oomScenario(
  t: { scenario(name: string, body: (s: Scenario) => Promise<void>): void },
  name: string,
  body: (s: Scenario, a: PairedClient, admin: PairedClient) => Promise<void>,
): void {
  t.scenario(name, async (s) => {
    const admin = await s.client('admin');
    const a = await s.client('a');
    try {
      await body(s, a, admin);
    } finally {
      await outOfMemory(s, admin, false);
    }
  });
}

scenarioSuite('OOM: commands that may add memory are refused, the rest run', (t) => {
  oomScenario(t, 'denyoom commands get the OOM error; reads, deletes and the others run', async (s, a, admin) => {
    await a.call(['SET', 'k', 'v']);
    await a.call(['RPUSH', 'list', 'x']);
    await a.call(['SET', 'n', '1']);
    await a.call(['CONFIG', 'RESETSTAT']);
    await outOfMemory(s, admin, true);
    for (const argv of [
      ['SET', 'k2', 'v'],
      ['SET', 'k', 'v2'],
      ['SETNX', 'k3', 'v'],
      ['MSET', 'a', '1', 'b', '2'],
      ['INCR', 'n'],
      ['APPEND', 'k', 'x'],
      ['SETRANGE', 'k', '0', 'x'],
      ['RPUSH', 'list', 'y'],
      ['LINSERT', 'list', 'BEFORE', 'x', 'y'],
      ['SADD', 's', 'm'],
      ['HSET', 'h', 'f', 'v'],
      ['ZADD', 'z', '1', 'm'],
      ['XADD', 'st', '*', 'f', 'v'],
      ['COPY', 'k', 'kcopy'],
      ['SUNIONSTORE', 'dest', 's'],
      ['GET', 'k'],
      ['MGET', 'k', 'n'],
      ['STRLEN', 'k'],
      ['LRANGE', 'list', '0', '-1'],
      ['EXISTS', 'k'],
      ['TYPE', 'list'],
      ['TTL', 'k'],
      ['EXPIRE', 'k', '100'],
      ['PERSIST', 'k'],
      ['RENAME', 'n', 'n2'],
      ['LPOP', 'list'],
      ['DECRBY', 'n2', '1'],
      ['PUBLISH', 'channel', 'message'],
      ['PING'],
      ['ECHO', 'hi'],
      ['SELECT', '1'],
      ['SELECT', '0'],
      ['DBSIZE'],
      ['UNLINK', 'kcopy'],
      ['DEL', 'k'],
      ['SET', 'k', 'v'],
      ['FLUSHDB'],
      ['SET', 'k', 'v'],
      ['FLUSHALL'],
      ['SET', 'k', 'v'],
      ['INFO', 'errorstats'],
    ]) {
      await a.call(argv);
    }
    await outOfMemory(s, admin, false);
    await a.call(['SET', 'k', 'v']);
  });

  oomScenario(t, 'inside MULTI only EXEC, DISCARD, QUIT and RESET are accepted', async (s, a, admin) => {
    await outOfMemory(s, admin, true);
    await a.call(['MULTI']);
    await a.call(['GET', 'k']);
    await a.call(['EXEC']);
    await a.call(['MULTI']);
    await a.call(['PING']);
    await a.call(['WATCH', 'k']);
    await a.call(['MULTI']);
    await a.call(['DISCARD']);
    await a.call(['MULTI']);
    await a.call(['EXEC']);
    await a.call(['MULTI']);
    await a.call(['SET', 'k', 'v']);
    await a.call(['RESET']);
    await a.call(['MULTI']);
    await a.call(['QUIT']);
  });

  oomScenario(t, 'EXEC of a transaction queued before memory ran out: refused when it holds a denyoom command', async (s, a, admin) => {
    await a.call(['SET', 'k', 'v']);
    await a.call(['MULTI']);
    await a.call(['GET', 'k']);
    await a.call(['DEL', 'k']);
    await outOfMemory(s, admin, true);
    await a.call(['EXEC']);
    await outOfMemory(s, admin, false);
    await a.call(['MULTI']);
    await a.call(['GET', 'k']);
    await a.call(['SET', 'k', 'v2']);
    await outOfMemory(s, admin, true);
    await a.call(['EXEC']);
    await a.call(['GET', 'k']);
  });

  oomScenario(t, 'scripts: a script that starts out of memory may not begin adding memory', async (s, a, admin) => {
    await a.call(['SET', 'x', '1']);
    await a.call(['CONFIG', 'RESETSTAT']);
    await outOfMemory(s, admin, true);
    // Legacy scripts (no shebang) run; their first denyoom command is refused.
    await a.call(['EVAL', "return redis.call('set','k','v')", '0']);
    await a.call(['EVAL', "return redis.pcall('set','k','v')", '0']);
    await a.call(['EVAL', "return redis.call('get','x')", '0']);
    await a.call(['EVAL', "redis.call('get','x'); return redis.call('incr','x')", '0']);
    // Once it has written (DEL is a write, not denyoom) it may finish.
    await a.call(['EVAL', "redis.call('del','gone'); return redis.call('set','k','v')", '0']);
    await a.call(['EVAL_RO', "return redis.call('get','x')", '0']);
    // Declared flags: no-writes and allow-oom run, others are denyoom commands.
    await a.call(['EVAL', '#!lua flags=no-writes\nreturn redis.call("get", "x")', '0']);
    await a.call(['EVAL', '#!lua\nreturn 1', '0']);
    await a.call(['EVAL', '#!lua flags=allow-oom\nreturn redis.call("set", "y", "1")', '0']);
    await a.call(['EVAL', '#!lua flags=no-writes\nreturn redis.call("set", "y", "1")', '0']);
    await a.call(['SCRIPT', 'LOAD', '#!lua\nreturn 2']);
    await a.call(['EVALSHA', sha1('#!lua\nreturn 2'), '0']);
    await a.call(['INFO', 'errorstats']);
  });

  oomScenario(t, 'functions: no-writes and allow-oom run, FCALL(_RO) of the others is refused', async (s, a, admin) => {
    await a.call(['FUNCTION', 'FLUSH']);
    await a.call([
      'FUNCTION',
      'LOAD',
      '#!lua name=ooms\n' +
        'redis.register_function{function_name="ro", callback=function(k, a) return redis.call("get", "x") end, flags={"no-writes"}}\n' +
        'redis.register_function{function_name="w", callback=function(k, a) return redis.call("set", "x", "2") end}\n' +
        'redis.register_function{function_name="oomok", callback=function(k, a) return redis.call("set", "x", "3") end, flags={"allow-oom"}}\n',
    ]);
    await outOfMemory(s, admin, true);
    await a.call(['FCALL', 'ro', '0']);
    await a.call(['FCALL_RO', 'ro', '0']);
    await a.call(['FCALL', 'w', '0']);
    await a.call(['FCALL_RO', 'w', '0']);
    await a.call(['FCALL', 'oomok', '0']);
    await a.call(['FCALL', 'ro', '0']);
    await outOfMemory(s, admin, false);
    await a.call(['FUNCTION', 'FLUSH']);
  });

  oomScenario(t, 'a script queued in MULTI before memory ran out: EXEC runs it, its writes are refused', async (s, a, admin) => {
    await a.call(['MULTI']);
    await a.call(['EVAL', "return redis.call('set','k2','v')", '0']);
    await a.call(['EVAL', '#!lua flags=no-writes\nreturn 1', '0']);
    await a.call(['GET', 'k']);
    await outOfMemory(s, admin, true);
    await a.call(['EXEC']);
    await outOfMemory(s, admin, false);
    await a.call(['MULTI']);
    await a.call(['EVAL', '#!lua\nreturn 1', '0']);
    await outOfMemory(s, admin, true);
    await a.call(['EXEC']);
  });

  oomScenario(t, 'EXEC of a script loaded with a shebang after it was queued (scriptPrepareForRun)', async (s, a, admin) => {
    await a.call(['SCRIPT', 'FLUSH']);
    await a.call(['MULTI']);
    // Unknown when queued: both SHA1s are of scripts loaded only afterwards.
    await a.call(['EVALSHA', sha1('#!lua\nreturn 2'), '0']);
    await a.call(['EVALSHA', sha1('never loaded'), '0']);
    await admin.call(['SCRIPT', 'LOAD', '#!lua\nreturn 2']);
    await outOfMemory(s, admin, true);
    // Redis judges EXEC by the flags its commands had when queued (the script was unknown then)
    // and refuses the script when it starts; Cinder judges them at EXEC, when the script's
    // shebang makes the transaction a denyoom one.
    await a.call(
      ['EXEC'],
      deviates(
        "*2\r\n-OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'\r\n-NOSCRIPT No matching script. Please use EVAL.\r\n",
        "-EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'.\r\n",
      ),
    );
  });
});
