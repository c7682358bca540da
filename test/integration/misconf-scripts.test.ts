/**
 * MISCONF inside scripts, side by side with real Redis 7.0.15: after a failed BGSAVE with
 * stop-writes-on-bgsave-error and save points, a write called by EVAL or FCALL (redis.call and
 * redis.pcall) gets the MISCONF error (scriptVerifyWriteCommandAllow), scripts that only read
 * still run, and scripts whose flags declare writes are refused before they run.
 *
 * BGSAVE fails the same way on both servers: `dbfilename` names a directory that is not empty,
 * so the final rename of the temp file fails (chmod would not stop a root test runner).
 */
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { testDataDir } from '../helpers/differential.js';
import { scenarioSuite, type PairedClient } from '../helpers/scenario.js';

const LIBRARY = [
  '#!lua name=misconf',
  "redis.register_function('w', function() return redis.call('set','x','1') end)",
  "redis.register_function('wp', function() local r = redis.pcall('set','x','1'); return {type(r), r['err']} end)",
  "redis.register_function{function_name='r', callback=function() return redis.call('get','k') end, flags={'no-writes'}}",
  "redis.register_function{function_name='rw', callback=function() return redis.pcall('set','k','z') end, flags={'no-writes'}}",
].join('\n');

/** Each is run on a RESP2 and a RESP3 client once writes are denied; replies compared exactly. */
const CALLS: string[][] = [
  ['EVAL', "return redis.call('set','x','1')", '0'],
  ['EVAL', "return redis.pcall('set','x','1')", '0'],
  ['EVAL', "local r = redis.pcall('set','x','1'); return {type(r), r['err']}", '0'],
  ['EVAL', "redis.call('get','k'); return redis.pcall('expire','k', 100)", '0'],
  ['EVAL', "return redis.call('flushall')", '0'],
  ['EVAL', "return redis.call('get','k')", '0'],
  // Not writes (PUBLISH may replicate, PING is refused only at the top level).
  ['EVAL', "return redis.call('publish','ch','x')", '0'],
  ['EVAL', "return redis.call('ping')", '0'],
  // Shebang flags: a script that may write is a write command for the top-level gate.
  ['EVAL', "#!lua\nreturn redis.call('set','x','1')", '0'],
  ['EVAL', "#!lua flags=no-writes\nreturn redis.call('get','k')", '0'],
  ['EVAL', "#!lua flags=no-writes\nreturn redis.call('set','k', 'z')", '0'],
  ['EVAL_RO', "return redis.call('get','k')", '0'],
  ['EVAL_RO', "return redis.call('set','k',1)", '0'],
  ['FCALL', 'w', '0'],
  ['FCALL', 'wp', '0'],
  ['FCALL', 'r', '0'],
  ['FCALL_RO', 'r', '0'],
  ['FCALL', 'rw', '0'],
  ['FCALL_RO', 'w', '0'],
  ['GET', 'x'],
];

/** Repeats PING on each server until it is refused with MISCONF (the failed BGSAVE has ended). */
async function untilMisconf(pc: PairedClient): Promise<void> {
  for (const side of ['redis', 'cinder'] as const) {
    const giveUp = Date.now() + 20_000;
    while (!(await pc[side].command(['PING'])).latin1Slice().startsWith('-MISCONF ')) {
      if (Date.now() > giveUp) assert.fail(`${side}: BGSAVE never failed`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

scenarioSuite(
  'MISCONF inside scripts (a failed BGSAVE)',
  (t) => {
    t.scenario('writes called by EVAL / FCALL get MISCONF, reads run, flagged writers are refused', async (s) => {
      const unwritable = path.join(testDataDir(), 'misconf.rdb');
      fs.mkdirSync(unwritable, { recursive: true });
      fs.writeFileSync(path.join(unwritable, 'keep'), '');
      const a = await s.client('resp2');
      const b = await s.client('resp3', { hello3: true });
      const queued = await s.client('queued before the failure');
      try {
        await a.call(['FUNCTION', 'LOAD', 'REPLACE', LIBRARY]);
        await a.call(['SET', 'k', 'v']);
        // Queued while writes were allowed: EXEC's flags are not a write, the scripts' calls decide.
        await queued.call(['MULTI']);
        await queued.call(['EVAL', "return redis.call('set','x','1')", '0']);
        await queued.call(['EVAL', "return redis.pcall('incr','x')", '0']);
        await queued.call(['GET', 'k']);
        await a.call(['CONFIG', 'SET', 'dbfilename', 'misconf.rdb']);
        await a.call(['CONFIG', 'SET', 'save', '3600 1']);
        await a.call(['BGSAVE']);
        await untilMisconf(a);
        await a.call(['PING']);
        await queued.call(['EXEC']);
        for (const argv of CALLS) {
          await a.call(argv);
          await b.call(argv);
        }
        // stop-writes-on-bgsave-error no lets the scripts write again.
        await a.call(['CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'no']);
        await a.call(['EVAL', "return redis.call('set','x','2')", '0']);
        await a.call(['FCALL', 'w', '0']);
      } finally {
        // The next case's FLUSHALL must be allowed, whatever failed above.
        for (const side of ['redis', 'cinder'] as const) {
          await a[side].command(['CONFIG', 'SET', 'save', '']);
          await a[side].command(['CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'yes']);
          await a[side].command(['CONFIG', 'SET', 'dbfilename', 'dump.rdb']);
          await a[side].command(['FUNCTION', 'FLUSH']);
        }
        fs.rmSync(unwritable, { recursive: true, force: true });
      }
    });
  },
  { config: { 'enable-protected-configs': 'yes' } },
);
