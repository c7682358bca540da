import { it } from 'node:test';
import assert from 'node:assert/strict';
import { untailRedisCalls } from '../../src/scripting/tail-calls.js';

it('parenthesises returned redis.call / redis.pcall calls and their local aliases, on the same line', () => {
  const cases: Array<[string, string]> = [
    ["return redis.call('get', KEYS[1])", "return (redis.call('get', KEYS[1]))"],
    ["if x then return redis.pcall('x', f(1), {2}) end", "if x then return (redis.pcall('x', f(1), {2})) end"],
    ["local rcall = redis.call\nreturn rcall('a') .. 'b'", "local rcall = redis.call\nreturn (rcall('a')) .. 'b'"],
    ["return redis.call('get', 'a)')[1]", "return (redis.call('get', 'a)'))[1]"],
    ["return redis.call('x',\n  'y')", "return (redis.call('x',\n  'y'))"],
    // Not code, or not a plain call: left alone.
    ["-- return redis.call('x')\nreturn 1", "-- return redis.call('x')\nreturn 1"],
    ["--[==[ return redis.call( ]==] return 2", "--[==[ return redis.call( ]==] return 2"],
    ["local s = \"return redis.call(\\\"\" return s", "local s = \"return redis.call(\\\"\" return s"],
    ['local t = [[ return redis.call( ]] return #t', 'local t = [[ return redis.call( ]] return #t'],
    ['return redis.call [[PING]]', 'return redis.call [[PING]]'],
    ["local f = redis.call('get', 'k') return f", "local f = redis.call('get', 'k') return f"],
    ["local c = redis.call, 1 return c('x')", "local c = redis.call, 1 return c('x')"],
    ["return redis.call('unbalanced'", "return redis.call('unbalanced'"],
  ];
  for (const [source, expected] of cases) assert.equal(untailRedisCalls(source), expected, source);
});
