/**
 * What scripts, functions and their management commands propagate, compared with a real Redis 7.0
 * replica stream: a script's effects (never the script), wrapped in MULTI/EXEC when several.
 */
import { propagationSuite } from '../helpers/propagation.js';

const LIB = "#!lua name=plib\nredis.register_function('setter', function(keys, args) return redis.call('set', keys[1], args[1]) end)\nredis.register_function{function_name='getter', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}";

propagationSuite('propagation: scripts and functions', (t) => {
  t.case('EVAL and EVALSHA propagate the effects of their calls', [
    ['EVAL', "redis.call('set', 'a', '1') redis.call('lpush', 'l', 'x', 'y') return redis.call('incr', 'a')", '0'],
    ['SCRIPT', 'LOAD', "return redis.call('set', KEYS[1], ARGV[1])"],
    ['EVALSHA', 'ffdf7c5fc2d1b3bafc1a3c8b6fa1b4b1e3d5d3a1', '1', 'x', 'y'],
    ['EVAL', "return redis.call('set', KEYS[1], ARGV[1])", '1', 'k', 'v'],
    ['EVALSHA', 'e8dd9d8fd9e58d6b5b9c6d6e4f6a6b7b9d0a1b2c', '1', 'k', 'v'],
  ]);
  t.case('a read-only script, EVAL_RO and a script that writes nothing propagate nothing', [
    ['SET', 'a', '1'],
    ['EVAL', "return redis.call('get', 'a')", '0'],
    ['EVAL_RO', "return redis.call('get', KEYS[1])", '1', 'a'],
    ['EVAL', "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", '1', 'a'],
    ['EVAL', "return redis.call('del', 'nosuch')", '0'],
  ]);
  t.case('a script that fails after writing propagates what it wrote', [
    ['EVAL', "redis.call('set', 'a', '1') redis.call('set', 'b', '2') return redis.call('lpush', 'a', 'x')", '0'],
    ['EVAL', "redis.call('set', 'c', '1') error('boom')", '0'],
    ['EVAL', "redis.call('set', 'd', '1') return redis.pcall('incr', 'nosuch-int-key', 'x')", '0'],
  ]);
  t.case('PUBLISH inside a script, and SELECT', [
    ['EVAL', "redis.call('set', 'a', '1') redis.call('publish', 'ch', 'm') return 1", '0'],
    ['EVAL', "redis.call('publish', 'ch', 'only') return 1", '0'],
    ['EVAL', "redis.call('select', '3') redis.call('set', 'x', '1') redis.call('select', '0') return redis.call('set', 'y', '1')", '0'],
  ]);
  t.case('redis.set_repl chooses where the calls that follow propagate', [
    ['EVAL', "redis.call('set', 'a', '1') redis.set_repl(redis.REPL_NONE) redis.call('set', 'b', '1') redis.set_repl(redis.REPL_ALL) return redis.call('set', 'c', '1')", '0'],
    // A replica is not the AOF: REPL_AOF keeps it from replicas, REPL_REPLICA sends it.
    ['EVAL', "redis.set_repl(redis.REPL_AOF) redis.call('set', 'd', '1') redis.set_repl(redis.REPL_REPLICA) return redis.call('set', 'e', '1')", '0'],
    ['EVAL', "redis.set_repl(redis.REPL_NONE) redis.call('incr', 'n') return redis.call('get', 'n')", '0'],
    // The setting lasts for one script only.
    ['EVAL', "return redis.call('incr', 'n')", '0'],
  ]);
  t.case('redis.set_repl and commands that rewrite or add effects', [
    ['SADD', 's', 'a'],
    ['SET', 'x', '1'],
    ['EVAL', "redis.set_repl(redis.REPL_NONE) redis.call('expire', 'x', 100) redis.call('spop', 's') redis.call('publish', 'ch', 'm') return redis.call('incrbyfloat', 'f', '1.5')", '0'],
    ['SADD', 's', 'a', 'b', 'c'],
    ['EVAL', "redis.set_repl(redis.REPL_NONE) return redis.call('spop', 's', 5)", '0'],
    ['SADD', 's', 'a', 'b', 'c'],
    ['EVAL', "redis.set_repl(redis.REPL_AOF) redis.call('spop', 's', 5) return redis.call('publish', 'ch', 'm')", '0'],
  ], { compare: 'unordered' });
  t.case(
    'redis.set_repl and effects a command adds itself (a partial SPOP)',
    [
      ['SADD', 's', 'a', 'b', 'c', 'd', 'e'],
      { argv: ['EVAL', "redis.set_repl(redis.REPL_NONE) return redis.call('spop', 's', 2)", '0'], compare: 'ignore' },
      { argv: ['EVAL', "redis.set_repl(redis.REPL_AOF) return redis.call('spop', 's', 2)", '0'], compare: 'ignore' },
    ],
    // Which members SPOP picks is random: compare the shape of what propagated.
    { normalize: (argv) => (argv[0].toUpperCase() === 'SREM' ? [argv[0], argv[1], '<member>'] : argv) },
  );
  t.case('scripts inside MULTI', [
    ['MULTI'],
    ['SET', 'a', '0'],
    ['EVAL', "return redis.call('incr', 'a')", '0'],
    ['EVAL', "return redis.call('get', 'a')", '0'],
    ['EXEC'],
  ]);
  t.case('SCRIPT LOAD and SCRIPT FLUSH', [
    ['SCRIPT', 'LOAD', 'return 1'],
    ['SCRIPT', 'FLUSH'],
    ['SCRIPT', 'FLUSH', 'ASYNC'],
  ]);
  t.case('FUNCTION LOAD, FCALL, FCALL_RO, DELETE, FLUSH', [
    ['FUNCTION', 'LOAD', LIB],
    ['FCALL', 'setter', '1', 'k', 'v'],
    ['FCALL', 'getter', '1', 'k'],
    ['FCALL_RO', 'getter', '1', 'k'],
    ['FUNCTION', 'LOAD', 'REPLACE', LIB],
    ['FUNCTION', 'LOAD', LIB],
    ['FUNCTION', 'DELETE', 'plib'],
    ['FUNCTION', 'DELETE', 'plib'],
    ['FUNCTION', 'LOAD', LIB],
    ['FUNCTION', 'FLUSH'],
    ['FUNCTION', 'FLUSH', 'SYNC'],
  ]);
  t.scenario('FUNCTION RESTORE propagates as sent', async (s) => {
    const c = await s.client();
    await c.call(['FUNCTION', 'LOAD', LIB]);
    // Each server restores its own DUMP payload (the bytes are the same for the same library).
    const payload = (await c.call(['FUNCTION', 'DUMP'])).latin1Slice();
    const body = payload.slice(payload.indexOf('\r\n') + 2, -2);
    await c.call(['FUNCTION', 'FLUSH']);
    await c.call(['FUNCTION', 'RESTORE', body]);
    await c.call(['FUNCTION', 'RESTORE', body, 'REPLACE']);
    await c.call(['FUNCTION', 'RESTORE', body]);
  });
});
