/**
 * What the set commands propagate to replicas, compared with a real Redis 7.0 replica stream:
 * SPOP's random choices as explicit SREM / DEL / UNLINK effects, the STORE commands as sent (or
 * nothing when they change nothing), no-op writes nothing.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { propagationSuite, type Normalize } from '../helpers/propagation.js';
import { SET_COMMANDS } from '../../src/commands/set.js';

/** SPOP's members are chosen at random: its SREMs compare by key and number of members. */
const randomSremMembers: Normalize = (argv) =>
  argv[0] === 'SREM' ? [argv[0], argv[1], ...argv.slice(2).map(() => '<member>')] : argv;

/** Members numbered 0..n-1. */
function members(n: number, prefix = 'm'): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

propagationSuite('propagation: sets', (t) => {
  t.case('SADD propagates when it adds something; a failing SADD nothing', [
    ['SADD', 's', 'a', 'b', 'a'],
    ['SADD', 's', 'a'],
    ['sadd', 's', 'b', 'c'],
    ['SET', 'str', 'x'],
    ['SADD', 'str', 'a'],
  ]);
  t.case('SREM propagates when it removes something (the last member deletes the key)', [
    ['SADD', 's', 'a', 'b', 'c'],
    ['SREM', 's', 'zz'],
    ['SREM', 's', 'a', 'zz'],
    ['SREM', 'nosuch', 'a'],
    ['SREM', 's', 'b', 'c'],
    ['EXISTS', 's'],
  ]);
  t.case('SMOVE propagates when it moves; a no-op or an error propagates nothing', [
    ['SADD', 'src', 'a', 'b', 'c'],
    ['SADD', 'dst', 'b'],
    ['SMOVE', 'src', 'dst', 'a'],
    ['SMOVE', 'src', 'dst', 'b'],
    ['SMOVE', 'src', 'dst', 'zz'],
    ['SMOVE', 'src', 'src', 'c'],
    ['SMOVE', 'nosuch', 'dst', 'a'],
    ['SET', 'str', 'x'],
    ['SMOVE', 'src', 'str', 'c'],
    ['SMOVE', 'src', 'new', 'c'],
    ['EXISTS', 'src'],
  ]);
  t.case('SPOP without a count propagates SREM of the member it chose', [
    ['SADD', 's', 'only'],
    ['SPOP', 's'],
    ['SPOP', 's'],
    ['SADD', 'n', '1'],
    ['spop', 'n'],
  ]);
  t.case('SPOP with a count of the whole set or more propagates DEL', [
    ['SADD', 's', 'a', 'b', 'c'],
    ['SPOP', 's', '3'],
    ['SADD', 's', 'a', 'b'],
    ['SPOP', 's', '10'],
    ['SPOP', 's', '1'],
    ['SPOP', 's', '0'],
    ['SADD', 's', 'a'],
    ['SPOP', 's', '0'],
    ['SPOP', 's', '-1'],
  ], { compare: 'unordered' });
  t.case('SPOP with a count of the whole set propagates DEL even under lazyfree-lazy-server-del', [
    ['CONFIG', 'SET', 'lazyfree-lazy-server-del', 'yes'],
    ['SADD', 's', 'a', 'b', 'c'],
    ['SPOP', 's', '5'],
    ['CONFIG', 'SET', 'lazyfree-lazy-server-del', 'no'],
  ], { compare: 'unordered' });
  t.case('SPOP with a count of part of the set (few members) propagates one SREM per member, wrapped', [
    ['SADD', 's', ...members(10)],
    ['SPOP', 's', '2'],
    ['SCARD', 's'],
  ], { compare: 'ignore', normalize: randomSremMembers });
  t.case('SPOP with a count of most of the set propagates one SREM per member, wrapped', [
    ['SADD', 's', ...members(10)],
    ['SPOP', 's', '9'],
    ['SCARD', 's'],
  ], { compare: 'ignore', normalize: randomSremMembers });
  t.case('SPOP with a count over a thousand members still propagates one SREM per member', [
    ['SADD', 's', ...members(1500)],
    ['SPOP', 's', '1200'],
    ['SCARD', 's'],
  ], { compare: 'ignore', normalize: randomSremMembers });
  t.case('SPOP of an intset set with a count propagates SREMs of its members as text', [
    ['SADD', 's', '1', '2', '3', '4', '5'],
    ['SPOP', 's', '4'],
    ['SCARD', 's'],
  ], { compare: 'ignore', normalize: randomSremMembers });
  t.case('SINTERSTORE stores or deletes its destination', [
    ['SADD', 'a', '1', '2', '3'],
    ['SADD', 'b', '2', '3', '4'],
    ['SINTERSTORE', 'd', 'a', 'b'],
    ['SINTERSTORE', 'd', 'a', 'nosuch'],
    ['SINTERSTORE', 'd', 'a', 'nosuch'],
    ['SADD', 'c', 'x'],
    ['SINTERSTORE', 'd', 'a', 'b'],
    ['SINTERSTORE', 'd', 'a', 'c'],
    ['SINTERSTORE', 'd', 'a', 'c'],
    ['SET', 'str', 'x'],
    ['SINTERSTORE', 'd', 'a', 'str'],
  ]);
  t.case('SUNIONSTORE stores or deletes its destination', [
    ['SADD', 'a', '1', '2'],
    ['SUNIONSTORE', 'd', 'a', 'b'],
    ['SUNIONSTORE', 'd', 'nosuch1', 'nosuch2'],
    ['SUNIONSTORE', 'd', 'nosuch1', 'nosuch2'],
    ['SET', 'str', 'x'],
    ['SUNIONSTORE', 'str', 'a'],
  ]);
  t.case('SDIFFSTORE stores or deletes its destination', [
    ['SADD', 'a', '1', '2'],
    ['SADD', 'b', '2'],
    ['SDIFFSTORE', 'd', 'a', 'b'],
    ['SDIFFSTORE', 'd', 'a', 'a'],
    ['SDIFFSTORE', 'd', 'a', 'a'],
    ['SDIFFSTORE', 'd', 'nosuch', 'a'],
  ]);
  t.case('SINTERCARD, SRANDMEMBER and the other reads propagate nothing', [
    ['SADD', 'a', '1', '2'],
    ['SINTERCARD', '1', 'a'],
    ['SRANDMEMBER', 'a', '5'],
    ['SMEMBERS', 'a'],
  ], { compare: 'unordered' });
  t.case('set writes inside MULTI are wrapped; SPOP rewritten inside', [
    ['MULTI'],
    ['SADD', 's', 'a'],
    ['SPOP', 's'],
    ['SADD', 't', 'a', 'b'],
    ['SPOP', 't', '2'],
    ['EXEC'],
  ], { compare: 'unordered' });
  t.case('set writes in a script are wrapped; SPOP rewritten inside', [
    ['EVAL', "redis.call('sadd', KEYS[1], 'a') return redis.call('spop', KEYS[1])", '1', 's'],
    ['EVAL', "redis.call('sadd', KEYS[1], 'a', 'b') return redis.call('spop', KEYS[1], 2)", '1', 's'],
    ['EVAL', "redis.call('sadd', KEYS[1], 'a', 'b', 'c') redis.call('spop', KEYS[1], 1) return redis.call('scard', KEYS[1])", '1', 's'],
  ], { compare: 'unordered', normalize: randomSremMembers });
  t.case('set writes in another database select it', [
    ['SELECT', '6'],
    ['SADD', 's', 'a'],
    ['SPOP', 's'],
    ['SELECT', '0'],
    ['SADD', 's', 'b'],
  ]);
  t.case('SADD, SPOP and a STORE on a key found expired propagate DEL first, wrapped', [
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
    ['SET', 'k1', 'v', 'PX', '1'],
    ['SET', 'k2', 'v', 'PX', '1'],
    ['SET', 'k3', 'v', 'PX', '1'],
    { sleep: 50 },
    ['SADD', 'k1', 'a'],
    ['SPOP', 'k2'],
    ['SADD', 'a', 'x'],
    ['SUNIONSTORE', 'k3', 'a'],
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
  ]);
  it('every write command of the group has a case', () => {
    const writes = SET_COMMANDS.filter((s) => s.flags.includes('write') || s.flags.includes('may_replicate')).map((s) => s.name);
    assert.deepEqual(writes.filter((name) => !t.exercised.has(name)), []);
  });
});
