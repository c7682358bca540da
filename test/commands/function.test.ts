import { it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { deviates, deviationSuite, diffSuite, runSteps, RawConnection, type Step, type DiffContext } from '../helpers/differential.js';
import { crc64 } from '../../src/util/crc64.js';
import { lzfCompress, lzfDecompress } from '../../src/util/lzf.js';

/** Library code: the `#!lua name=<name>` line, then the body lines. */
const lib = (name: string, ...lines: string[]): string => `#!lua name=${name}\n${lines.join('\n')}`;
const load = (code: string, replace = false): string[] => (replace ? ['FUNCTION', 'LOAD', 'REPLACE', code] : ['FUNCTION', 'LOAD', code]);
const unordered = (...argv: string[]): Step => ({ argv, compare: 'unordered' });

/** A library whose body is one register_function line (loads fine). */
const simple = (libName: string, fnName: string, ret = '1'): string => lib(libName, `redis.register_function('${fnName}', function(keys, args) return ${ret} end)`);

/** FLUSHALL keeps libraries (as in Redis): every case starts from FUNCTION FLUSH. */
function fcase(t: DiffContext, name: string, steps: Step[]): void {
  t.case(name, [['FUNCTION', 'FLUSH'], ...steps]);
}

/** Loads `body` (after a `#!lua name=t` line) and lists what was registered. */
function loadCase(t: DiffContext, name: string, ...lines: string[]): void {
  fcase(t, name, [load(lib('t', ...lines)), unordered('FUNCTION', 'LIST')]);
}

// ---------------------------------------------------------------- CRC64 and LZF units

it('crc64 matches the Jones check value', () => {
  assert.equal(crc64(Buffer.from('123456789')), 0xe9c6d914c4b8d9can);
  assert.equal(crc64(Buffer.alloc(0)), 0n);
});

it('LZF round-trips and gives up when it cannot save 4 bytes', () => {
  const samples = [
    'a'.repeat(100),
    'abcabcabcabcabcabcabcabcabcabc',
    'local x = 1\n'.repeat(200),
    Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 251)).toString('latin1'),
    'x'.repeat(70000),
  ];
  for (const s of samples) {
    const input = Buffer.from(s, 'latin1');
    const packed = lzfCompress(input, input.length - 4);
    if (packed === null) continue;
    assert.ok(packed.length <= input.length - 4);
    const plain = lzfDecompress(packed, input.length);
    assert.ok(plain !== null);
    assert.deepEqual(Buffer.from(plain), input);
  }
  assert.equal(lzfCompress(Buffer.from('abcdefghijklmnopqrstuvwxyz'), 22), null);
  assert.equal(lzfDecompress(Uint8Array.of(0x05, 0x41), 6), null);
});

// ---------------------------------------------------------------- FUNCTION LOAD

diffSuite('function: FUNCTION LOAD', (t) => {
  fcase(t, 'load answers the library name; LIST shows it', [
    load(simple('mylib', 'myfunc')),
    ['FUNCTION', 'LIST'],
    ['FUNCTION', 'LIST', 'WITHCODE'],
    ['FCALL', 'myfunc', '0'],
  ]);
  // Redis's load timeout is 500 ms of wall-clock time; the loop cannot hide from it.
  fcase(t, 'a body that never ends fails with FUNCTION LOAD timeout, and nothing is loaded', [
    load(lib('spin', 'while true do end')),
    load(lib('spin2', "local i = 0 while true do i = i + 1 if i % 1000 == 0 then redis.log(redis.LOG_DEBUG, 'x') end end")),
    ['FUNCTION', 'LIST'],
  ]);
  fcase(t, 'load of an existing library fails, REPLACE replaces', [
    load(simple('mylib', 'f1', '1')),
    load(simple('mylib', 'f1', '2')),
    ['FCALL', 'f1', '0'],
    load(simple('mylib', 'f2', '3'), true),
    ['FCALL', 'f2', '0'],
    ['FCALL', 'f1', '0'],
    ['FUNCTION', 'LIST'],
    ['FUNCTION', 'LOAD', 'replace', 'REPLACE', simple('mylib', 'f3')],
    ['FUNCTION', 'LIST'],
  ]);
  fcase(t, 'a function name taken by another library', [
    load(simple('lib1', 'f1')),
    load(simple('lib2', 'f1')),
    load(simple('lib2', 'F1')),
    load(simple('lib1', 'f1', '5'), true),
    ['FCALL', 'f1', '0'],
    ['FUNCTION', 'LIST'],
  ]);
  fcase(t, 'function names differing only in case', [
    load(lib('lc', "redis.register_function('f', function() return 1 end)", "redis.register_function('F', function() return 2 end)")),
    // (Which of f and F an FCALL finds depends on Redis's hash seed: not compared.)
    load(lib('lc2', "redis.register_function('Ab', function() return 'Ab' end)")),
    ['FCALL', 'ab', '0'],
    ['FCALL', 'AB', '0'],
    unordered('FUNCTION', 'LIST'),
  ]);
  fcase(t, 'REPLACE keeps the old library when the new one collides', [
    load(simple('lib1', 'f1')),
    load(simple('lib2', 'f2')),
    load(simple('lib2', 'f1'), true),
    ['FCALL', 'f2', '0'],
    unordered('FUNCTION', 'LIST'),
  ]);
  fcase(t, 'unknown option and arity', [
    ['FUNCTION', 'LOAD', 'foo', simple('l', 'f')],
    ['FUNCTION', 'LOAD'],
    ['FUNCTION', 'LOAD', 'REPLACE'],
    ['FUNCTION', 'LIST'],
  ]);
  fcase(t, 'metadata errors', [
    ['FUNCTION', 'LOAD', ''],
    ['FUNCTION', 'LOAD', 'return 1'],
    ['FUNCTION', 'LOAD', '#!'],
    ['FUNCTION', 'LOAD', '#!lua name=t'],
    ['FUNCTION', 'LOAD', '#!lua\n'],
    ['FUNCTION', 'LOAD', '#!lua  \n'],
    ['FUNCTION', 'LOAD', '#!lua x=t\n'],
    ['FUNCTION', 'LOAD', '#!lua name=t x\n'],
    ['FUNCTION', 'LOAD', '#! lua name=t\n'],
    ['FUNCTION', 'LOAD', '#!lua name=t name=u\n'],
    ['FUNCTION', 'LOAD', '#!lua name=a-b name=c\n'],
    ['FUNCTION', 'LOAD', '#!lua x name=t name=u\n'],
    ['FUNCTION', 'LOAD', '#!lua name=\n'],
    ['FUNCTION', 'LOAD', '#!lua name=t=u\n'],
    ['FUNCTION', 'LOAD', '#!lua name=a-b\n'],
    ['FUNCTION', 'LOAD', '#!lua\tname=t\n'],
    ['FUNCTION', 'LOAD', '#!lua name=t\r\nreturn 1'],
    ['FUNCTION', 'LOAD', '#!lua name=t\rreturn 1'],
    ['FUNCTION', 'LOAD', '#!js name=t\n'],
    ['FUNCTION', 'LOAD', '#!js name=a-b\n'],
    ['FUNCTION', 'LOAD', '#!luax name=t\n'],
    ['FUNCTION', 'LOAD', '#!lua name=t\n'],
    ['FUNCTION', 'LOAD', '#!lua name="t\nreturn 1'],
    ['FUNCTION', 'LOAD', '#!lua name="t"x\nreturn 1'],
    ['FUNCTION', 'LOAD', '#!lua name=t ""\nreturn 1'],
    ['FUNCTION', 'LOAD', "#!lua name=t ''\nreturn 1"],
    ['FUNCTION', 'LOAD', '#!lua name=t \0 x\nreturn 1'],
    ['FUNCTION', 'LOAD', '#!lua\vname=t\nreturn 1'],
    ['FUNCTION', 'LOAD', '#!lua name=t\f\nreturn 1'],
    ['FUNCTION', 'LOAD', '#!lua name="\\n"\nreturn 1'],
    ['FUNCTION', 'LOAD', '#!\tlua name=t\nreturn 1'],
    ['FUNCTION', 'LIST'],
  ]);
  fcase(t, 'the shebang is split like a config line', [
    ['FUNCTION', 'LOAD', "#!lua\tname=t1\nredis.register_function('f1', function() return 1 end)"],
    ['FUNCTION', 'LOAD', "#!lua name=t2\r\nredis.register_function('f2', function() return 2 end)"],
    ['FUNCTION', 'LOAD', "#!lua name=\"t3\"\nredis.register_function('f3', function() return 3 end)"],
    ['FUNCTION', 'LOAD', "#!lua \"name=t4\"\nredis.register_function('f4', function() return 4 end)"],
    ['FUNCTION', 'LOAD', "#!lua name='t5'\nredis.register_function('f5', function() return 5 end)"],
    ['FUNCTION', 'LOAD', "#!lua name=\"a\\x41\"\nredis.register_function('f6', function() return 6 end)"],
    ['FUNCTION', 'LOAD', "#!\"lua\" NAME=t7\nredis.register_function('f7', function() return 7 end)"],
    ['FUNCTION', 'LOAD', "#!lua Name=t8\r\r\nredis.register_function('f8', function() return 8 end)"],
    ['FCALL', 'f2', '0'],
    ['FCALL', 'f6', '0'],
    unordered('FUNCTION', 'LIST', 'WITHCODE'),
  ]);
  fcase(t, 'metadata variants that load', [
    ['FUNCTION', 'LOAD', "#!LUA name=Up\nredis.register_function('f1', function() return 1 end)"],
    ['FUNCTION', 'LOAD', "#!lua  name=two_spaces \nredis.register_function('f2', function() return 2 end)"],
    ['FUNCTION', 'LOAD', "#!lua name=_A9\nredis.register_function('f3', function() return 3 end)"],
    unordered('FUNCTION', 'LIST'),
    ['FCALL', 'f2', '0'],
  ]);
  fcase(t, 'library names are case-sensitive', [
    load(simple('Ab', 'f1')),
    load(simple('ab', 'f2')),
    ['FUNCTION', 'DELETE', 'AB'],
    ['FUNCTION', 'DELETE', 'ab'],
    ['FUNCTION', 'LIST'],
  ]);
  fcase(t, 'compile errors', [
    load(lib('t', 'local a = ((')),
    load(lib('t', "redis.register_function('f', function() end)", 'return 1 +')),
    load(lib('t', 'if x then')),
    load(lib('t', 'x = = 1')),
    ['FUNCTION', 'LIST'],
  ]);
  fcase(t, 'runtime errors while loading', [
    load(lib('t', 'local a = nil', 'local b = a.x')),
    load(lib('t', 'local t = {}', "redis.register_function('f', function() end)", 't.x.y = 1')),
    load(lib('t', 'local x = nope')),
    load(lib('t', 'nope()')),
    ['FUNCTION', 'LIST'],
  ]);
  fcase(t, 'no functions registered', [load(lib('t', 'local a = 1')), load(lib('t', '')), load('#!lua name=t\n'), ['FUNCTION', 'LIST']]);
  fcase(t, 'only redis.register_function, log, LOG_* and versions at load time', [
    load(lib('t', "redis.register_function('f', function() end)", 'redis.call("set", "x", "y")')),
    load(lib('t', "redis.register_function('f', function() end)", 'local x = redis.pcall')),
    load(lib('t', "redis.register_function('f', function() end)", 'redis.setresp(3)')),
    load(lib('t', "redis.register_function('f', function() end)", 'local x = redis.sha1hex')),
    load(lib('t', "redis.register_function('f', function() end)", 'local x = redis.error_reply')),
    load(lib('t', "redis.register_function('f', function() end)", 'local x = redis.REPL_ALL')),
    load(lib('t', "redis.register_function('f', function() end)", 'local x = redis.foo')),
    load(lib('t', "redis.register_function('f', function() end)", 'redis.x = 1')),
    load(lib('t', "redis.register_function('f', function() end)", 'local x = redis.REDIS_VERSION .. redis.REDIS_VERSION_NUM .. redis.LOG_DEBUG .. redis.LOG_VERBOSE .. redis.LOG_NOTICE .. redis.LOG_WARNING')),
    load(lib('u', "redis.register_function('g', function() end)", "redis.log(redis.LOG_DEBUG, 'loading u')")),
    unordered('FUNCTION', 'LIST'),
  ]);
  fcase(t, 'standard globals do not exist at load time', [
    load(lib('t', "redis.register_function('f', function() end)", "local s = string.format('%d', 1)")),
    load(lib('t', "redis.register_function('f', function() end)", "error('x')")),
    load(lib('t', "redis.register_function('f', function() end)", 'error({err = "MYCODE x"})')),
    load(lib('t', "redis.register_function('f', function() end)", 'pcall(function() end)')),
    load(lib('t', "redis.register_function('f', function() end)", 'local k = KEYS[1]')),
    load(lib('t', "redis.register_function('f', function() end)", 'local a = ARGV[1]')),
    load(lib('t', "redis.register_function('f', function() end)", 'local j = cjson.encode({})')),
    load(lib('t', "redis.register_function('f', function() end)", 'local r = math.floor(1.5)')),
    load(lib('t', "redis.register_function('f', function() end)", 'table.insert({}, 1)')),
    load(lib('t', "redis.register_function('f', function() end)", 'local n = tonumber("1")')),
    load(lib('t', "redis.register_function('f', function() end)", 'for k, v in pairs({}) do end')),
    load(lib('t', "redis.register_function('f', function() end)", 'local x = bit.band(1, 3)')),
    load(lib('t', "redis.register_function('f', function() end)", '_G.x = 1')),
    // ...but they do inside functions, which run later.
    load(lib('t', "redis.register_function('f', function(keys, args) return {string.format('%d', 7), type(cjson), tostring(#keys)} end)")),
    ['FCALL', 'f', '1', 'k'],
  ]);
  fcase(t, 'globals cannot be created at load time', [
    load(lib('t', 'function g(keys, args) return 1 end', "redis.register_function('g1', g)")),
    load(lib('t', "redis.register_function('f', function() end)", 'x = 1')),
    ['FUNCTION', 'LIST'],
  ]);
  fcase(t, 'a top-level return ends the body', [load(lib('t', "redis.register_function('f', function() return 'ok' end)", 'return 5')), ['FCALL', 'f', '0']]);
  fcase(t, 'binary data in the library code', [
    load(lib('bin', "local s = 'a\\0b\\255'", "redis.register_function('f', function() return s end)", '-- \u00ff\u0001')),
    ['FCALL', 'f', '0'],
    ['FUNCTION', 'LIST', 'WITHCODE'],
    ['FUNCTION', 'DUMP'],
  ]);
});

// ---------------------------------------------------------------- redis.register_function

diffSuite('function: redis.register_function', (t) => {
  loadCase(t, 'positional form', "redis.register_function('f', function() return 1 end)");
  loadCase(t, 'table form with description and flags', "redis.register_function{function_name='f', callback=function() end, description='hello', flags={'no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'}}");
  loadCase(t, 'flags listed in Redis order', "redis.register_function{function_name='f', callback=function() end, flags={'allow-cross-slot-keys', 'no-cluster', 'allow-stale', 'allow-oom', 'no-writes'}}");
  loadCase(t, 'repeated flags', "redis.register_function{function_name='f', callback=function() end, flags={'no-writes', 'no-writes'}}");
  loadCase(t, 'empty flags', "redis.register_function{function_name='f', callback=function() end, flags={}}");
  loadCase(t, 'flags stop at the first nil', "redis.register_function{function_name='f', callback=function() end, flags={'no-writes', nil, 'bad'}}");
  loadCase(t, 'flags keys that are not positions are ignored', "redis.register_function{function_name='f', callback=function() end, flags={x='no-writes'}}");
  loadCase(t, 'unknown flag', "redis.register_function{function_name='f', callback=function() end, flags={'foo'}}");
  loadCase(t, 'numeric flag', "redis.register_function{function_name='f', callback=function() end, flags={1}}");
  loadCase(t, 'boolean flag', "redis.register_function{function_name='f', callback=function() end, flags={true}}");
  loadCase(t, 'flags not a table', "redis.register_function{function_name='f', callback=function() end, flags='no-writes'}");
  loadCase(t, 'numeric description', "redis.register_function{function_name='f', callback=function() end, description=5}");
  loadCase(t, 'boolean description', "redis.register_function{function_name='f', callback=function() end, description=true}");
  loadCase(t, 'unknown named argument', "redis.register_function{function_name='f', callback=function() end, description='d', foo=1}");
  loadCase(t, 'positional key in the table', "redis.register_function{[1]='x'}");
  loadCase(t, 'empty table', 'redis.register_function{}');
  loadCase(t, 'no callback', "redis.register_function{function_name='f'}");
  loadCase(t, 'no name', 'redis.register_function{callback=function() end}');
  loadCase(t, 'callback not a function', "redis.register_function{function_name='f', callback='x'}");
  loadCase(t, 'boolean function_name', 'redis.register_function{function_name=true, callback=function() end}');
  loadCase(t, 'numeric function_name', 'redis.register_function{function_name=5, callback=function() end}');
  loadCase(t, 'one non-table argument', "redis.register_function('f')");
  loadCase(t, 'second argument not a function', "redis.register_function('f', 1)");
  loadCase(t, 'numeric name positional', 'redis.register_function(1, function() end)');
  loadCase(t, 'fractional name', 'redis.register_function(1.5, function() end)');
  loadCase(t, 'boolean name', 'redis.register_function(true, function() end)');
  loadCase(t, 'three arguments', "redis.register_function('f', function() end, 1)");
  loadCase(t, 'no arguments', 'redis.register_function()');
  loadCase(t, 'table plus a second argument', "redis.register_function({function_name='f', callback=function() end}, 2)");
  loadCase(t, 'invalid function name', "redis.register_function('f-g', function() end)");
  loadCase(t, 'empty function name', "redis.register_function{function_name='', callback=function() end}");
  loadCase(t, 'duplicate name in a library', "redis.register_function('f', function() end)", "redis.register_function('f', function() end)");
  loadCase(t, 'names differing by case', "redis.register_function('f', function() return 'lower' end)", "redis.register_function('F', function() return 'upper' end)");
  fcase(t, 'calling register_function from a function fails', [
    load(lib('t', "redis.register_function('reg', function(keys, args)", "  redis.register_function('x', function() end)", 'end)')),
    ['FCALL', 'reg', '0'],
  ]);
});

// ---------------------------------------------------------------- FCALL / FCALL_RO

const CALLS = lib(
  'calls',
  "redis.register_function('inc', function(keys, args)",
  "  return redis.call('incr', keys[1])",
  'end)',
  "redis.register_function('kv', function(keys, args)",
  '  return {keys, args}',
  'end)',
  "redis.register_function{function_name='get', callback=function(keys, args)",
  "  return redis.call('get', keys[1])",
  "end, flags={'no-writes'}}",
  "redis.register_function{function_name='setro', callback=function(keys, args)",
  "  return redis.call('set', keys[1], 'v')",
  "end, flags={'no-writes'}}",
  "redis.register_function('bad', function(keys, args)",
  "  return redis.call('nope')",
  'end)',
  "redis.register_function('glob', function(keys, args)",
  '  return foo',
  'end)',
  "redis.register_function('err', function(keys, args)",
  "  error('boom')",
  'end)',
  "redis.register_function('wt', function(keys, args)",
  "  return redis.call('lpush', keys[1], 'a')",
  'end)',
  "redis.register_function('arity', function(keys, args)",
  "  return redis.call('set')",
  'end)',
  "redis.register_function('types', function(keys, args)",
  "  return {1, 2.9, -3, 'x', {ok='fine'}, true, false, nil, 'after nil'}",
  'end)',
  "redis.register_function('errval', function(keys, args)",
  "  return redis.error_reply('MY err')",
  'end)',
  "redis.register_function('status', function(keys, args)",
  "  return redis.status_reply('GOOD')",
  'end)',
  "redis.register_function('pcall', function(keys, args)",
  "  return redis.pcall('nope')",
  'end)',
  "redis.register_function('resp3', function(keys, args)",
  '  redis.setresp(3)',
  "  return redis.call('hgetall', keys[1])",
  'end)',
  "redis.register_function('double', function(keys, args)",
  '  redis.setresp(3)',
  "  return {double=3.5}",
  'end)',
  "redis.register_function('nilidx', function(keys, args)",
  '  local t = nil',
  '  return t.x',
  'end)',
  "redis.register_function('noscript', function(keys, args)",
  "  return redis.call('fcall', 'inc', 1, 'x')",
  'end)',
  "redis.register_function('ro', function(keys, args)",
  "  redis.x = 1",
  'end)',
  "redis.register_function('db', function(keys, args)",
  "  redis.call('select', 1)",
  "  return redis.call('set', keys[1], 'in-db1')",
  'end)',
  "redis.register_function('ver', function(keys, args)",
  '  return {redis.REDIS_VERSION, redis.REDIS_VERSION_NUM, type(cjson), type(string.format), redis.sha1hex("x")}',
  'end)',
);

diffSuite('function: FCALL and FCALL_RO', (t) => {
  fcase(t, 'numbers passed to redis.call use %.17g, and failing tail calls name their line', [
    load(
      lib(
        'nums',
        "redis.register_function('setnum', function(keys, args)",
        "  redis.call('set', keys[1], tonumber(args[1]) / 10)",
        "  return redis.call('get', keys[1])",
        'end)',
        'local rcall = redis.call',
        "redis.register_function('bad', function(keys)",
        "  local n = #keys + 1",
        "  return rcall('hget', keys[1], 'f' .. n)",
        'end)',
        "redis.register_function('badpcall', function(keys) return redis.pcall('hget', keys[1], 1 + 1) end)",
      ),
    ),
    ['FCALL', 'setnum', '1', 'n', '1'],
    ['FCALL', 'setnum', '1', 'n', '17320000000001234'],
    ['FCALL', 'bad', '1', 'n'],
    ['FCALL', 'badpcall', '1', 'n'],
    ['DEL', 'n'],
  ]);
  fcase(t, "a function's result table with a failing metamethod is read raw, and set_repl checks its argument", [
    load(
      lib(
        'meta',
        "redis.register_function('meta', function() return setmetatable({1}, {__index=function() foo() end}) end)",
        "redis.register_function('nested', function() return {setmetatable({}, {__index=function() return redis.call('ping') end})} end)",
        "redis.register_function('repl', function(keys, args) redis.set_repl(tonumber(args[1])) return 1 end)",
      ),
    ),
    ['FCALL', 'meta', '0'],
    ['FCALL', 'nested', '0'],
    ['FCALL', 'repl', '0', '2'],
    ['FCALL', 'repl', '0', '5'],
  ]);
  fcase(t, 'calls run commands and see keys and args', [
    load(CALLS),
    ['FCALL', 'inc', '1', 'k'],
    ['FCALL', 'inc', '1', 'k'],
    ['GET', 'k'],
    ['FCALL', 'kv', '2', 'a', 'b', 'c', 'd'],
    ['FCALL', 'kv', '0'],
    ['FCALL', 'kv', '0', 'x', 'y'],
    ['FCALL', 'kv', '3', 'x', 'y', 'z'],
    ['FCALL', 'kv', '1', 'k\x00\xff', 'a\r\nb'],
  ]);
  fcase(t, 'function names are case-insensitive', [load(CALLS), ['FCALL', 'INC', '1', 'k'], ['FCALL', 'Kv', '1', 'x'], ['FCALL_RO', 'GET', '1', 'k']]);
  fcase(t, 'numkeys errors and unknown functions', [
    load(CALLS),
    ['FCALL', 'nope', '0'],
    ['FCALL', 'nope', 'x'],
    ['FCALL', 'inc', 'x'],
    ['FCALL', 'inc', '1.5'],
    ['FCALL', 'inc', ' 1', 'k'],
    ['FCALL', 'inc', '01', 'k'],
    ['FCALL', 'inc', '-1'],
    ['FCALL', 'inc', '2', 'k'],
    ['FCALL', 'inc', '99999999999999999999'],
    ['FCALL', 'inc'],
    ['FCALL'],
    ['FCALL_RO', 'get'],
    ['FCALL_RO', 'nope', '0'],
    ['FCALL_RO', 'get', '-1'],
    ['FCALL_RO', 'get', 'x'],
  ]);
  fcase(t, 'FCALL_RO needs no-writes; no-writes functions cannot write', [
    load(CALLS),
    ['FCALL_RO', 'inc', '1', 'k'],
    ['FCALL_RO', 'get', '1', 'k'],
    ['SET', 'k', 'v'],
    ['FCALL_RO', 'get', '1', 'k'],
    ['FCALL', 'get', '1', 'k'],
    ['FCALL', 'setro', '1', 'k'],
    ['FCALL_RO', 'setro', '1', 'k'],
    ['GET', 'k'],
  ]);
  fcase(t, 'errors name the function and its line', [
    load(CALLS),
    ['FCALL', 'bad', '0'],
    ['FCALL', 'glob', '0'],
    ['FCALL', 'err', '0'],
    ['SET', 's', 'x'],
    ['FCALL', 'wt', '1', 's'],
    ['FCALL', 'arity', '0'],
    ['FCALL', 'nilidx', '0'],
    ['FCALL', 'noscript', '0'],
    ['FCALL', 'ro', '0'],
  ]);
  fcase(t, 'errorstats count function errors as Redis does', [
    load(CALLS),
    ['SET', 's', 'x'],
    ['CONFIG', 'RESETSTAT'],
    ['FCALL', 'wt', '1', 's'],
    ['FCALL', 'bad', '0'],
    ['FCALL', 'err', '0'],
    ['FCALL', 'errval', '0'],
    ['FCALL', 'pcall', '0'],
    ['FCALL', 'nope', '0'],
    ['FCALL_RO', 'inc', '1', 'k'],
    ['FCALL', 'setro', '1', 'k'],
    ['INFO', 'errorstats'],
  ]);
  fcase(t, 'reply conversion', [
    load(CALLS),
    ['FCALL', 'types', '0'],
    ['FCALL', 'errval', '0'],
    ['FCALL', 'status', '0'],
    ['FCALL', 'pcall', '0'],
    ['HSET', 'h', 'a', '1'],
    ['FCALL', 'resp3', '1', 'h'],
    ['FCALL', 'double', '0'],
    ['FCALL', 'ver', '0'],
  ]);
  fcase(t, 'SELECT inside a function does not move the caller', [
    load(CALLS),
    ['FCALL', 'db', '1', 'k'],
    ['GET', 'k'],
    ['SELECT', '1'],
    ['GET', 'k'],
    ['SELECT', '0'],
  ]);
  fcase(t, 'FCALL inside MULTI', [load(CALLS), ['MULTI'], ['FCALL', 'inc', '1', 'k'], ['FCALL_RO', 'get', '1', 'k'], ['FCALL', 'nope', '0'], ['EXEC']]);
  fcase(t, 'functions share top-level locals of their library', [
    load(
      lib(
        'shared',
        "local prefix = 'p:'",
        'local function key(k) return prefix .. k end',
        "redis.register_function('put', function(keys, args) return redis.call('set', key(keys[1]), args[1]) end)",
        "redis.register_function('fetch', function(keys, args) return redis.call('get', key(keys[1])) end)",
      ),
    ),
    ['FCALL', 'put', '1', 'a', 'v1'],
    ['FCALL', 'fetch', '1', 'a'],
    ['GET', 'p:a'],
  ]);
  fcase(t, 'a function library script calling another library is not allowed', [
    load(simple('l1', 'one', "redis.call('fcall', 'two', 0)")),
    load(simple('l2', 'two', '2')),
    ['FCALL', 'one', '0'],
    ['FCALL', 'two', '0'],
  ]);
  fcase(t, 'FCALL is not allowed from EVAL', [load(simple('l1', 'one')), ['EVAL', "return redis.call('fcall', 'one', 0)", '0'], ['EVAL', "return redis.call('function', 'list')", '0']]);
});

// ---------------------------------------------------------------- DELETE, FLUSH, LIST, STATS, KILL, HELP

diffSuite('function: DELETE, FLUSH, LIST, STATS, KILL, HELP', (t) => {
  fcase(t, 'DELETE removes the library and its functions', [
    load(simple('l1', 'f1')),
    load(simple('l2', 'f2')),
    ['FUNCTION', 'DELETE', 'l1'],
    ['FCALL', 'f1', '0'],
    ['FCALL', 'f2', '0'],
    ['FUNCTION', 'DELETE', 'l1'],
    ['FUNCTION', 'DELETE'],
    ['FUNCTION', 'DELETE', 'a', 'b'],
    ['FUNCTION', 'LIST'],
    load(simple('l3', 'f1')),
    ['FCALL', 'f1', '0'],
  ]);
  fcase(t, 'FLUSH with and without mode', [
    load(simple('l1', 'f1')),
    ['FUNCTION', 'FLUSH'],
    ['FUNCTION', 'LIST'],
    load(simple('l1', 'f1')),
    ['FUNCTION', 'FLUSH', 'async'],
    ['FUNCTION', 'LIST'],
    load(simple('l1', 'f1')),
    ['FUNCTION', 'FLUSH', 'SYNC'],
    ['FUNCTION', 'LIST'],
    ['FUNCTION', 'FLUSH', 'foo'],
    ['FUNCTION', 'FLUSH', 'a', 'b'],
  ]);
  fcase(t, 'FLUSHALL keeps libraries', [load(simple('l1', 'f1')), ['FLUSHALL'], ['FCALL', 'f1', '0']]);
  fcase(t, 'LIST arguments', [
    load(simple('Alpha', 'f1')),
    load(simple('beta', 'f2')),
    unordered('FUNCTION', 'LIST'),
    ['FUNCTION', 'LIST', 'LIBRARYNAME', 'alpha'],
    ['FUNCTION', 'LIST', 'libraryname', 'A*'],
    ['FUNCTION', 'LIST', 'LIBRARYNAME', 'b?ta', 'WITHCODE'],
    ['FUNCTION', 'LIST', 'WITHCODE', 'LIBRARYNAME', '*eta'],
    ['FUNCTION', 'LIST', 'LIBRARYNAME', 'none'],
    unordered('FUNCTION', 'LIST', 'LIBRARYNAME', '[ab]*'),
    ['FUNCTION', 'LIST', 'foo'],
    ['FUNCTION', 'LIST', 'withcode', 'withcode'],
    ['FUNCTION', 'LIST', 'WITHCODE', 'WITHCODE'],
    ['FUNCTION', 'LIST', 'libraryname'],
    ['FUNCTION', 'LIST', 'LibraryName'],
    ['FUNCTION', 'LIST', 'libraryname', 'a', 'libraryname', 'b'],
  ]);
  fcase(t, 'LIST of a library with several functions', [
    load(
      lib(
        'many',
        "redis.register_function{function_name='a', callback=function() end, description='first', flags={'no-writes'}}",
        "redis.register_function{function_name='b', callback=function() end, flags={'allow-oom', 'allow-stale'}}",
        "redis.register_function('c', function() end)",
      ),
    ),
    unordered('FUNCTION', 'LIST'),
    unordered('FUNCTION', 'LIST', 'WITHCODE'),
  ]);
  fcase(t, 'STATS counts libraries and functions', [
    ['FUNCTION', 'STATS'],
    load(simple('l1', 'f1')),
    load(lib('l2', "redis.register_function('f2', function() end)", "redis.register_function('f3', function() end)")),
    ['FUNCTION', 'STATS'],
    ['FUNCTION', 'STATS', 'x'],
  ]);
  fcase(t, 'KILL with nothing running', [['FUNCTION', 'KILL'], ['FUNCTION', 'KILL', 'x'], ['SCRIPT', 'KILL']]);
  fcase(t, 'HELP and unknown subcommands', [
    ['FUNCTION', 'HELP'],
    ['function', 'help'],
    ['FUNCTION', 'HELP', 'x'],
    ['FUNCTION', 'foo'],
    ['FUNCTION'],
    ['FUNCTION', 'DUMP', 'x'],
    ['FUNCTION', 'RESTORE'],
  ]);
  fcase(t, 'COMMAND INFO and GETKEYS', [
    ['COMMAND', 'INFO', 'fcall', 'fcall_ro'],
    ['COMMAND', 'GETKEYS', 'FCALL', 'f', '2', 'a', 'b', 'c'],
    ['COMMAND', 'GETKEYS', 'FCALL_RO', 'f', '1', 'a'],
    ['COMMAND', 'GETKEYS', 'FCALL', 'f', '0'],
  ]);
});

// ---------------------------------------------------------------- DUMP / RESTORE

const SEAL_VERSION = 10;

/** A payload as Redis seals one: body, RDB version (LE), CRC64 (LE). */
function seal(body: Buffer, version = SEAL_VERSION): string {
  const out = Buffer.alloc(body.length + 10);
  body.copy(out);
  out.writeUInt16LE(version, body.length);
  out.writeBigUInt64LE(crc64(out, 0, body.length + 2), body.length + 2);
  return out.toString('latin1');
}

function rdbLen(n: number): Buffer {
  if (n < 64) return Buffer.from([n]);
  if (n < 16384) return Buffer.from([0x40 | (n >> 8), n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = 0x80;
  b.writeUInt32BE(n, 1);
  return b;
}

function record(code: string, opcode = 0xf5): Buffer {
  const c = Buffer.from(code, 'latin1');
  return Buffer.concat([Buffer.from([opcode]), rdbLen(c.length), c]);
}

const strOf = (s: string): Buffer => Buffer.concat([rdbLen(Buffer.byteLength(s, 'latin1')), Buffer.from(s, 'latin1')]);

const LIB_A = simple('A', 'fa', '1');
const LIB_B = simple('B', 'fb', '2');
/** Library code long and repetitive enough to be LZF-compressed in the payload. */
const LONG_LIB = lib(
  'longlib',
  ...Array.from({ length: 40 }, (_, i) => `local v${i} = ${i} -- padding padding padding`),
  "redis.register_function('lf', function(keys, args) return v39 end)",
);

diffSuite('function: DUMP and RESTORE', (t) => {
  fcase(t, 'DUMP bytes match Redis', [
    ['FUNCTION', 'DUMP'],
    load(LIB_A),
    ['FUNCTION', 'DUMP'],
    load(LONG_LIB),
    ['FUNCTION', 'DELETE', 'A'],
    ['FUNCTION', 'DUMP'],
  ]);
  fcase(t, 'DUMP of larger libraries (LZF)', [
    load(lib('big1', ...Array.from({ length: 300 }, (_, i) => `local x${i % 150}_${i} = 'value number ${i * 37}'`), "redis.register_function('b1', function() return 1 end)")),
    ['FUNCTION', 'DUMP'],
    ['FUNCTION', 'FLUSH'],
    load(lib('big2', `local s = '${'abcdefgh'.repeat(1200)}'`, "redis.register_function('b2', function() return #s end)")),
    ['FUNCTION', 'DUMP'],
    ['FCALL', 'b2', '0'],
  ]);
  fcase(t, 'DUMP of a 100 KB library of mixed text (long offsets, long matches)', [
    load(
      lib(
        'mixed',
        ...Array.from({ length: 2500 }, (_, i) => {
          // A small linear congruential generator: repeatable, partly repetitive text.
          const x = (i * 1103515245 + 12345) % 2147483648;
          return `-- ${x.toString(36)} ${'ab'.repeat(x % 7)} ${i % 13 === 0 ? 'z'.repeat(300) : ''}`;
        }),
        "redis.register_function('mx', function() return 1 end)",
      ),
    ),
    ['FUNCTION', 'DUMP'],
  ]);
  fcase(t, 'DUMP with rdbcompression off', [['CONFIG', 'SET', 'rdbcompression', 'no'], load(LONG_LIB), ['FUNCTION', 'DUMP'], ['CONFIG', 'SET', 'rdbcompression', 'yes'], ['FUNCTION', 'DUMP']]);
  fcase(t, 'RESTORE policies', [
    ['FUNCTION', 'RESTORE', seal(record(LIB_A))],
    ['FCALL', 'fa', '0'],
    ['FUNCTION', 'RESTORE', seal(record(LIB_A))],
    ['FUNCTION', 'RESTORE', seal(record(LIB_A)), 'append'],
    ['FUNCTION', 'RESTORE', seal(record(simple('A', 'fa', '10'))), 'REPLACE'],
    ['FCALL', 'fa', '0'],
    ['FUNCTION', 'RESTORE', seal(record(LIB_B)), 'FLUSH'],
    ['FCALL', 'fa', '0'],
    ['FCALL', 'fb', '0'],
    ['FUNCTION', 'RESTORE', seal(Buffer.concat([record(LIB_A), record(simple('B', 'fb', '20'))]))],
    ['FUNCTION', 'RESTORE', seal(Buffer.concat([record(LIB_A), record(simple('B', 'fb', '20'))])), 'replace'],
    ['FCALL', 'fb', '0'],
    unordered('FUNCTION', 'LIST'),
  ]);
  fcase(t, 'RESTORE collisions', [
    load(LIB_A),
    ['FUNCTION', 'RESTORE', seal(record(simple('B', 'fa', '3')))],
    ['FUNCTION', 'RESTORE', seal(record(simple('B', 'FA', '3'))), 'REPLACE'],
    ['FUNCTION', 'RESTORE', seal(Buffer.concat([record(LIB_A), record(simple('B', 'fa', '3'))])), 'REPLACE'],
    ['FUNCTION', 'RESTORE', seal(Buffer.concat([record(LIB_B), record(LIB_B)]))],
    ['FUNCTION', 'RESTORE', seal(Buffer.concat([record(LIB_B), record(simple('C', 'fb', '3'))]))],
    ['FCALL', 'fa', '0'],
    ['FUNCTION', 'LIST'],
  ]);
  fcase(t, 'RESTORE payload errors', [
    load(LIB_A),
    ['FUNCTION', 'RESTORE', 'abc'],
    ['FUNCTION', 'RESTORE', '0123456789'],
    ['FUNCTION', 'RESTORE', seal(record(LIB_B), 11)],
    ['FUNCTION', 'RESTORE', (() => {
      const p = Buffer.from(seal(record(LIB_B)), 'latin1');
      p[5] ^= 1;
      return p.toString('latin1');
    })()],
    ['FUNCTION', 'RESTORE', seal(record(LIB_B, 0x00))],
    ['FUNCTION', 'RESTORE', seal(record(LIB_B).subarray(0, 20))],
    ['FUNCTION', 'RESTORE', seal(Buffer.from([0xf5]))],
    ['FUNCTION', 'RESTORE', seal(Buffer.concat([record(LIB_B), Buffer.from([0xf5])]))],
    ['FUNCTION', 'RESTORE', seal(record('#!lua name=X\n(('))],
    ['FUNCTION', 'RESTORE', seal(record('hello'))],
    ['FUNCTION', 'RESTORE', seal(record('#!lua name=X\nlocal a = 1'))],
    ['FUNCTION', 'RESTORE', seal(record('#!lua name=X\nlocal a = nil\na.b = 1'))],
    ['FUNCTION', 'RESTORE', seal(record('#!lua name=X-Y\n'))],
    ['FUNCTION', 'RESTORE', seal(Buffer.from([0xf5, 0xc0, 5]))],
    ['FUNCTION', 'RESTORE', seal(record(LIB_B, 0xf6))],
    ['FUNCTION', 'RESTORE', seal(record(LIB_B)), 'foo'],
    ['FUNCTION', 'RESTORE', 'x', 'flush', 'y'],
    ['FUNCTION', 'LIST'],
  ]);
  fcase(t, 'RESTORE of older RDB versions and an empty payload', [
    ['FUNCTION', 'RESTORE', seal(record(LIB_A), 9)],
    ['FUNCTION', 'RESTORE', seal(record(LIB_B), 0)],
    ['FUNCTION', 'RESTORE', seal(Buffer.alloc(0))],
    unordered('FUNCTION', 'LIST'),
  ]);
  fcase(t, 'RESTORE of the pre-GA record format', [
    ['FUNCTION', 'RESTORE', seal(Buffer.concat([Buffer.from([0xf6]), strOf('old'), strOf('LUA'), rdbLen(0), strOf("redis.register_function('of', function() return 'old' end)")]))],
    ['FUNCTION', 'RESTORE', seal(Buffer.concat([Buffer.from([0xf6]), strOf('old2'), strOf('LUA'), rdbLen(1), strOf('a description'), strOf("redis.register_function('of2', function() return 'old2' end)")]))],
    ['FCALL', 'of', '0'],
    ['FCALL', 'of2', '0'],
    unordered('FUNCTION', 'LIST', 'WITHCODE'),
  ]);
  fcase(t, 'RESTORE of integer-encoded and LZF strings', [
    ['FUNCTION', 'RESTORE', seal(Buffer.from([0xf5, 0xc1, 0x39, 0x30]))],
    ['FUNCTION', 'RESTORE', seal(Buffer.from([0xf5, 0xc2, 0x39, 0x30, 0, 0]))],
    (() => {
      const code = Buffer.from(LONG_LIB, 'latin1');
      const packed = lzfCompress(code, code.length - 4) as Uint8Array;
      return ['FUNCTION', 'RESTORE', seal(Buffer.concat([Buffer.from([0xf5, 0xc3]), rdbLen(packed.length), rdbLen(code.length), packed]))];
    })(),
    ['FCALL', 'lf', '0'],
    ['FUNCTION', 'RESTORE', seal(Buffer.from([0xf5, 0xc3, 3, 30, 0x05, 0x41, 0x42]))],
    ['FUNCTION', 'RESTORE', seal(Buffer.from([0xf5, 0xc3, 3, 5, 0x01, 0x41, 0x42]))],
    ['FUNCTION', 'RESTORE', seal(Buffer.from([0xf5, 0xc3, 3, 0, 0x01, 0x41, 0x42]))],
    ['FUNCTION', 'RESTORE', seal(Buffer.from([0xf5, 0xc4, 3]))],
    ['FUNCTION', 'RESTORE', seal(Buffer.from([0xf5, 0xc3, 9, 3, 0x01, 0x41, 0x42]))],
    (() => {
      const code = Buffer.from(simple('wide', 'wf', '7'), 'latin1');
      const len32 = Buffer.alloc(5);
      len32[0] = 0x80;
      len32.writeUInt32BE(code.length, 1);
      return ['FUNCTION', 'RESTORE', seal(Buffer.concat([Buffer.from([0xf5]), len32, code]))];
    })(),
    (() => {
      const code = Buffer.from(simple('wider', 'wf2', '8'), 'latin1');
      const len64 = Buffer.alloc(9);
      len64[0] = 0x81;
      len64.writeBigUInt64BE(BigInt(code.length), 1);
      return ['FUNCTION', 'RESTORE', seal(Buffer.concat([Buffer.from([0xf5]), len64, code]))];
    })(),
    ['FUNCTION', 'RESTORE', seal(Buffer.from([0xf5, 0x81, 0xff, 0, 0, 0, 0, 0, 0, 0, 0x41]))],
    ['FUNCTION', 'RESTORE', seal(Buffer.from([0xf5, 0x82, 0x41]))],
    ['FCALL', 'wf', '0'],
    ['FCALL', 'wf2', '0'],
  ]);

  // Cross-server round trips: a payload made by one server restores on the other.
  for (const [from, to] of [
    ['redis', 'cinder'],
    ['cinder', 'redis'],
  ] as const) {
    it(`a DUMP from ${from} restores on ${to}`, async () => {
      const ports = t.ports;
      const src = await RawConnection.connect(ports[from]);
      const dst = await RawConnection.connect(ports[to]);
      try {
        for (const conn of [src, dst]) await conn.command(['FUNCTION', 'FLUSH']);
        for (const code of [LIB_A, LONG_LIB, lib('bin', "local s = '\\0\\255'", "redis.register_function{function_name='bf', callback=function() return s end, flags={'no-writes'}, description='binary'}")]) {
          const reply = await src.command(['FUNCTION', 'LOAD', code]);
          assert.equal(reply[0], 0x24, reply.toString('latin1'));
        }
        const dumped = await src.command(['FUNCTION', 'DUMP']);
        const header = dumped.indexOf('\r\n');
        const payload = dumped.subarray(header + 2, dumped.length - 2);
        assert.equal((await dst.command(['FUNCTION', 'RESTORE', payload])).toString('latin1'), '+OK\r\n');
        const listed = await Promise.all([src, dst].map((conn) => conn.command(['FUNCTION', 'LIST', 'LIBRARYNAME', 'longlib', 'WITHCODE'])));
        assert.deepEqual(listed[1], listed[0]);
        assert.equal((await dst.command(['FCALL', 'lf', '0'])).toString('latin1'), ':39\r\n');
        assert.equal((await dst.command(['FCALL_RO', 'bf', '0'])).toString('latin1'), '$2\r\n\x00\xff\r\n');
        // And back again, to the same bytes for one library.
        await dst.command(['FUNCTION', 'DELETE', 'A']);
        await dst.command(['FUNCTION', 'DELETE', 'bin']);
        await src.command(['FUNCTION', 'DELETE', 'A']);
        await src.command(['FUNCTION', 'DELETE', 'bin']);
        const again = await Promise.all([src, dst].map((conn) => conn.command(['FUNCTION', 'DUMP'])));
        assert.deepEqual(again[1], again[0]);
      } finally {
        src.close();
        dst.close();
      }
    });
  }

  // Property: any library code of random local lines dumps to Redis's exact bytes.
  it('DUMP of random library code matches Redis byte for byte', async () => {
    const line = fc.oneof(
      fc.constantFrom('local a = 1', '-- comment', 'local s = "abcabcabcabc"', 'local t = {1, 2, 3}', ''),
      fc.string({ maxLength: 40, unit: fc.constantFrom('a', 'b', 'c', ' ', 'x', 'y', '1', '=') }).map((s) => `-- ${s}`),
      fc.integer({ min: 0, max: 1_000_000 }).map((n) => `local n = ${n}`),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 0, maxLength: 60 }), async (lines) => {
        const code = lib('prop', ...lines, "redis.register_function('pf', function() return 1 end)");
        await runSteps(t.ports, [['FUNCTION', 'FLUSH'], load(code), ['FUNCTION', 'DUMP'], ['FUNCTION', 'LIST', 'WITHCODE']], 2);
      }),
      { numRuns: 60, seed: 1919 },
    );
  });
});

// ---------------------------------------------------------------- property: random operation sequences

diffSuite('function: random LOAD/DELETE/FCALL sequences', (t) => {
  const libName = fc.constantFrom('la', 'lb', 'lc');
  const fnName = fc.constantFrom('f1', 'f2', 'F1', 'g');
  const body = fc.tuple(fnName, fc.constantFrom('1', "redis.call('incr', keys[1])", "redis.call('get', keys[1])", "'x'", "{args[1], keys[1]}"), fc.boolean());
  // `f1` and `F1` in one library: FCALL F1 picks one in Redis's (seeded) dict order.
  const sameCaseOnly = (fns: Array<[string, string, boolean]>) => fns.length < 2 || fns[0][0] === fns[1][0] || fns[0][0].toLowerCase() !== fns[1][0].toLowerCase();
  const step = fc.oneof(
    fc.tuple(libName, fc.array(body, { minLength: 1, maxLength: 2 }).filter(sameCaseOnly), fc.boolean()).map(([name, fns, replace]) =>
      load(lib(name, ...fns.map(([f, ret, ro]) => `redis.register_function{function_name='${f}', callback=function(keys, args) return ${ret} end${ro ? ", flags={'no-writes'}" : ''}}`)), replace),
    ),
    libName.map((name) => ['FUNCTION', 'DELETE', name]),
    fc.tuple(fnName, fc.constantFrom('FCALL', 'FCALL_RO')).map(([f, cmd]) => [cmd, f, '1', 'k', 'arg']),
    fc.constant(['FUNCTION', 'STATS'] as string[]),
    libName.map((name) => ['FUNCTION', 'LIST', 'LIBRARYNAME', name]),
  );
  it('replies match', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 15 }), fc.constantFrom<2 | 3>(2, 3), async (steps, resp) => {
        // A library with two functions lists them in Redis's dict order: compare those unordered.
        const withModes: Step[] = steps.map((argv) => (argv[1] === 'LIST' ? { argv, compare: 'unordered' } : argv));
        await runSteps(t.ports, [['FUNCTION', 'FLUSH'], ...withModes], resp);
      }),
      { numRuns: 80, seed: 4242 },
    );
  });
  fcase(t, 'FUNCTION STATS while idle', [['FUNCTION', 'STATS']]);
});

// ---------------------------------------------------------------- long-running functions

diffSuite('function: long-running functions, FUNCTION KILL and STATS', (t) => {
  fcase(t, 'a library body that never ends times out at load', [
    load(lib('spinner', "redis.register_function('f', function() return 1 end)", 'while true do end')),
    ['FUNCTION', 'LIST'],
  ]);

  it('a busy function: STATS shows it, others get BUSY, FUNCTION KILL stops it', async () => {
    const SPIN = lib('loop', "redis.register_function('spin', function(keys, args)", '  local i = 0', '  while true do', '    i = i + 1', '  end', 'end)');
    const answers: Record<'redis' | 'cinder', string[]> = { redis: [], cinder: [] };
    await Promise.all(
      (['redis', 'cinder'] as const).map(async (server) => {
        const port = t.ports[server];
        const [runner, other] = await Promise.all([RawConnection.connect(port), RawConnection.connect(port)]);
        const out = answers[server];
        try {
          await other.command(['CONFIG', 'SET', 'busy-reply-threshold', '100']);
          await other.command(['FUNCTION', 'FLUSH']);
          await other.command(['FUNCTION', 'LOAD', SPIN]);
          const spinning = runner.command(['FCALL', 'spin', '1', 'k', 'arg'], 20_000);
          await new Promise((r) => setTimeout(r, 600));
          // The running time varies: blank it out.
          out.push((await other.command(['FUNCTION', 'STATS'])).toString('latin1').replace(/duration_ms\r\n:\d+/, 'duration_ms\r\n:N'));
          out.push((await other.command(['PING'])).toString('latin1'));
          out.push((await other.command(['FCALL', 'spin', '0'])).toString('latin1'));
          out.push((await other.command(['SCRIPT', 'KILL'])).toString('latin1'));
          out.push((await other.command(['FUNCTION', 'KILL'])).toString('latin1'));
          // Redis names the line the function was on when killed; Cinder cannot know it.
          out.push((await spinning).toString('latin1').replace(/@user_function:\d+\./, '@user_function:N.'));
          out.push((await other.command(['FUNCTION', 'KILL'])).toString('latin1'));
          out.push((await other.command(['FUNCTION', 'STATS'])).toString('latin1'));
        } finally {
          await other.command(['CONFIG', 'SET', 'busy-reply-threshold', '5000']).catch(() => {});
          runner.close();
          other.close();
        }
      }),
    );
    assert.deepEqual(answers.cinder, answers.redis);
  });

  it('a busy EVAL script: FUNCTION STATS and FUNCTION KILL answer BUSY', async () => {
    const answers: Record<'redis' | 'cinder', string[]> = { redis: [], cinder: [] };
    await Promise.all(
      (['redis', 'cinder'] as const).map(async (server) => {
        const port = t.ports[server];
        const [runner, other] = await Promise.all([RawConnection.connect(port), RawConnection.connect(port)]);
        const out = answers[server];
        try {
          await other.command(['CONFIG', 'SET', 'busy-reply-threshold', '100']);
          const spinning = runner.command(['EVAL', 'while true do end', '0'], 20_000);
          await new Promise((r) => setTimeout(r, 600));
          out.push((await other.command(['FUNCTION', 'STATS'])).toString('latin1'));
          out.push((await other.command(['FUNCTION', 'KILL'])).toString('latin1'));
          out.push((await other.command(['SCRIPT', 'KILL'])).toString('latin1'));
          out.push((await spinning).toString('latin1'));
        } finally {
          await other.command(['CONFIG', 'SET', 'busy-reply-threshold', '5000']).catch(() => {});
          runner.close();
          other.close();
        }
      }),
    );
    assert.deepEqual(answers.cinder, answers.redis);
  });
});

// ---------------------------------------------------------------- library state, long-running functions

/** Whether Cinder's long-script worker thread has been started (a test's view of a private field). */
function longScriptWorkerStarted(t: { cinder: { server: object } }): boolean {
  const runner = (t.cinder.server as unknown as { scripting: { lane: { worker: unknown } } }).scripting;
  return runner.lane.worker !== null;
}

/** A loop long enough to exhaust the main thread's instruction budget (docs/SCRIPTING.md). */
const PAST_MAIN_BUDGET = ['  local i = 0', '  while i < 30000000 do i = i + 1 end'];

diffSuite('function: library state and long-running functions', (t) => {
  it('library-level state survives between calls, and a reload starts it over', async () => {
    await runSteps(
      t.ports,
      [
        ['FUNCTION', 'FLUSH'],
        load(lib('counter', 'local n = 0', "redis.register_function('bump', function() n = n + 1 return n end)", "redis.register_function('peek', function() return n end)")),
        ['FCALL', 'bump', '0'],
        ['FCALL', 'bump', '0'],
        ['FCALL', 'peek', '0'],
        ['FUNCTION', 'LOAD', 'REPLACE', lib('counter', 'local n = 10', "redis.register_function('bump', function() n = n + 1 return n end)")],
        ['FCALL', 'bump', '0'],
        ['FUNCTION', 'DELETE', 'counter'],
        load(lib('counter', 'local n = 0', "redis.register_function('bump', function() n = n + 1 return n end)")),
        ['FCALL', 'bump', '0'],
        ['FUNCTION', 'FLUSH'],
      ],
      2,
    );
  });
  it('an error after a function moved to the long-script worker names @user_function', async () => {
    assert.equal(longScriptWorkerStarted(t), false, 'no long script ran before');
    await runSteps(
      t.ports,
      [
        ['FUNCTION', 'FLUSH'],
        load(lib('slow', "redis.register_function('slowerr', function()", ...PAST_MAIN_BUDGET, "  error('late')", 'end)')),
        ['FCALL', 'slowerr', '0'],
      ],
      2,
    );
    // The error came from the worker's VM, not from the main thread's.
    assert.equal(longScriptWorkerStarted(t), true, 'the function ran past the main-thread budget');
  });
});

// ---------------------------------------------------------------- known deviations

/** FUNCTION LOAD's reply for library `name`. */
const loaded = (name: string): string => `$${name.length}\r\n${name}\r\n`;

deviationSuite('function: known deviations', (t) => {
  // Redis: one VM, so the library's upvalue n counts every call (1, 2, 3, 4, 5).
  t.deviation(
    "a library's state on the long-script worker",
    'a library is built again, with fresh state, in every VM that runs it: the worker\'s starts at n = 0, and so does the main VM, replaced after the run it stopped for the hand-over',
    [
      ['FUNCTION', 'FLUSH'],
      load(lib('counter', 'local n = 0', "redis.register_function('bump', function() n = n + 1 return n end)", "redis.register_function('slowbump', function()", ...PAST_MAIN_BUDGET, '  n = n + 1', '  return n', 'end)')),
      ['FCALL', 'bump', '0'],
      ['FCALL', 'bump', '0'],
      { argv: ['FCALL', 'slowbump', '0'], compare: deviates(':3\r\n', ':1\r\n') },
      { argv: ['FCALL', 'bump', '0'], compare: deviates(':4\r\n', ':1\r\n') },
      { argv: ['FCALL', 'slowbump', '0'], compare: deviates(':5\r\n', ':1\r\n') },
      ['FUNCTION', 'FLUSH'],
    ],
    { resp: [2] },
  );
  // Redis: reading any global at load time fails (only the load-time API exists then).
  t.deviation('a standard global read at load time', 'a standard global (string, ...) fails when used at load time, not when read', [
    ['FUNCTION', 'FLUSH'],
    {
      argv: load(lib('g', 'local s = string', "redis.register_function('f', function() return 1 end)")),
      compare: deviates("-ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'string'\r\n", loaded('g')),
    },
    // Used, it fails in both.
    load(lib('g2', "local x = string.len('ab')", "redis.register_function('f2', function() return 1 end)")),
    ['FUNCTION', 'FLUSH'],
  ]);
  // Redis: FCALL runs whichever of f and F its dictionary's hash seed orders first (both seen).
  t.deviation('two functions whose names differ only in case', 'FCALL of either runs the first one registered', [
    ['FUNCTION', 'FLUSH'],
    load(lib('cases', "redis.register_function('f', function() return 'lower' end)", "redis.register_function('F', function() return 'upper' end)")),
    { argv: ['FCALL', 'f', '0'], compare: deviates(/^\$5\r\n(lower|upper)\r\n$/, '$5\r\nlower\r\n') },
    { argv: ['FCALL', 'F', '0'], compare: deviates(/^\$5\r\n(lower|upper)\r\n$/, '$5\r\nlower\r\n') },
    ['FUNCTION', 'FLUSH'],
  ]);
});
