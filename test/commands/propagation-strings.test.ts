/**
 * What the string commands propagate to replicas (and later the AOF), compared with a real Redis
 * 7.0 replica stream: relative expiries as absolute times, INCRBYFLOAT as SET KEEPTTL, GETSET as
 * SET, GETDEL as DEL, GETEX as PEXPIREAT / PERSIST / DEL, no-ops and failures as nothing.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { propagationSuite } from '../helpers/propagation.js';
import { STRING_COMMANDS } from '../../src/commands/string.js';

/** A time far enough ahead not to be normalised as "near now", so it compares exactly. */
const FAR_S = '4000000000';
const FAR_MS = '4000000000000';

propagationSuite('propagation: strings', (t) => {
  // ---------------------------------------------------------------- SET family
  t.case('SET as sent, with NX / XX / GET when they let it write', [
    ['SET', 'k', 'v'],
    ['SET', 'k', 'v2', 'NX'],
    ['SET', 'k', 'v3', 'XX'],
    ['SET', 'nokey', 'v', 'XX'],
    ['SET', 'n', 'v', 'NX'],
    ['SET', 'k', 'v4', 'GET'],
    ['SET', 'k', 'v5', 'NX', 'GET'],
    ['SET', 'k', 'v6', 'KEEPTTL'],
  ]);
  t.case('SET ... GET without an expiry propagates without its GET options', [
    ['SET', 'k', 'v', 'GET'],
    ['SET', 'k', 'get', 'get', 'XX', 'GET'],
    ['SET', 'n', 'v', 'NX', 'GET'],
    ['SET', 'k', 'w', 'GET', 'KEEPTTL'],
  ]);
  t.case('SET with an expiry beyond 2^53 ms propagates it exactly', [
    ['SET', 'a', 'v', 'PX', '9000000000000000000'],
    ['SET', 'b', 'v', 'EXAT', '9000000000000000'],
    ['SET', 'c', 'v', 'PXAT', '9007199254740993'],
  ]);
  t.case('SET EX / PX / EXAT become SET PXAT, dropping NX / XX / GET', [
    ['SET', 'a', 'v', 'EX', '100'],
    ['SET', 'a', 'v', 'PX', '100000', 'XX', 'GET'],
    ['SET', 'b', 'v', 'EXAT', FAR_S, 'NX'],
    ['SET', 'c', 'v', 'NX', 'EX', '100'],
  ]);
  t.case('SET PXAT propagates as sent', [
    ['SET', 'a', 'v', 'PXAT', FAR_MS],
    ['SET', 'a', 'w', 'XX', 'GET', 'PXAT', FAR_MS],
    ['SET', 'b', 'v', 'NX', 'PXAT', FAR_MS],
  ]);
  t.case('SET errors propagate nothing', [
    ['SET', 'k', 'v', 'EX', '0'],
    ['SET', 'k', 'v', 'PX', '-5'],
    ['SET', 'k', 'v', 'EX', 'abc'],
    ['SET', 'k', 'v', 'NX', 'XX'],
    ['LPUSH', 'l', 'x'],
    ['SET', 'l', 'v', 'GET'],
  ]);
  t.case('SETNX writes only when the key is missing', [
    ['SETNX', 'k', 'v'],
    ['SETNX', 'k', 'w'],
  ]);
  t.case('SETEX and PSETEX become SET PXAT', [
    ['SETEX', 'a', '100', 'v'],
    ['PSETEX', 'b', '100000', 'v'],
    ['SETEX', 'c', '0', 'v'],
    ['PSETEX', 'c', 'x', 'v'],
  ]);
  t.case('GETSET propagates as SET', [
    ['GETSET', 'k', 'v'],
    ['SET', 'k', 'v', 'EX', '100'],
    ['GETSET', 'k', 'w'],
    ['LPUSH', 'l', 'x'],
    ['GETSET', 'l', 'v'],
  ]);
  t.case('GETDEL propagates as DEL when it deletes', [
    ['SET', 'k', 'v'],
    ['GETDEL', 'k'],
    ['GETDEL', 'k'],
    ['LPUSH', 'l', 'x'],
    ['GETDEL', 'l'],
  ]);

  // ---------------------------------------------------------------- GETEX
  t.case('GETEX with an expiry propagates PEXPIREAT', [
    ['SET', 'k', 'v'],
    ['GETEX', 'k'],
    ['GETEX', 'k', 'EX', '100'],
    ['GETEX', 'k', 'PX', '100000'],
    ['GETEX', 'k', 'EXAT', FAR_S],
    ['GETEX', 'k', 'PXAT', FAR_MS],
  ]);
  t.case('GETEX PERSIST propagates PERSIST only when a TTL went away', [
    ['SET', 'k', 'v'],
    ['GETEX', 'k', 'PERSIST'],
    ['EXPIRE', 'k', '100'],
    ['GETEX', 'k', 'PERSIST'],
  ]);
  t.case('GETEX with a time in the past deletes the key: DEL', [
    ['SET', 'a', 'v'],
    ['GETEX', 'a', 'EXAT', '1'],
    ['SET', 'b', 'v'],
    ['GETEX', 'b', 'PXAT', '1000'],
  ]);
  t.case('GETEX with a time in the past under lazyfree-lazy-expire: UNLINK', [
    ['CONFIG', 'SET', 'lazyfree-lazy-expire', 'yes'],
    ['SET', 'a', 'v'],
    ['GETEX', 'a', 'PXAT', '1'],
    ['CONFIG', 'SET', 'lazyfree-lazy-expire', 'no'],
  ]);
  t.case('GETEX on a missing key, a wrong type or a bad expiry propagates nothing', [
    ['GETEX', 'nokey', 'EX', '100'],
    ['LPUSH', 'l', 'x'],
    ['GETEX', 'l', 'EX', '100'],
    ['SET', 'k', 'v'],
    ['GETEX', 'k', 'EX', '0'],
    ['GETEX', 'k', 'EX', '1', 'PERSIST'],
  ]);

  // ---------------------------------------------------------------- MSET / MSETNX
  t.case('MSET and MSETNX as sent; MSETNX that sets nothing propagates nothing', [
    ['MSET', 'a', '1', 'b', '2'],
    ['MSETNX', 'c', '3', 'd', '4'],
    ['MSETNX', 'd', '5', 'e', '6'],
    ['MSET', 'a'],
    ['MSET', 'a', '1', 'b'],
  ]);

  // ---------------------------------------------------------------- APPEND / SETRANGE
  t.case('APPEND as sent', [
    ['APPEND', 'k', 'abc'],
    ['APPEND', 'k', 'def'],
    ['APPEND', 'k', ''],
    ['LPUSH', 'l', 'x'],
    ['APPEND', 'l', 'x'],
  ]);
  t.case('SETRANGE as sent; an empty value changes nothing', [
    ['SETRANGE', 'k', '3', 'abc'],
    ['SETRANGE', 'k', '0', 'xy'],
    ['SETRANGE', 'k', '1', ''],
    ['SETRANGE', 'missing', '5', ''],
    ['SETRANGE', 'k', '-1', 'x'],
    ['SETRANGE', 'k', '536870912', 'x'],
  ]);

  // ---------------------------------------------------------------- counters
  t.case('INCR / DECR / INCRBY / DECRBY as sent', [
    ['INCR', 'n'],
    ['DECR', 'n'],
    ['INCRBY', 'n', '10'],
    ['DECRBY', 'n', '3'],
    ['SET', 'big', '9223372036854775807'],
    ['INCR', 'big'],
    ['SET', 's', 'abc'],
    ['INCR', 's'],
    ['DECRBY', 'n', '-9223372036854775808'],
    ['INCRBY', 'n', 'x'],
  ]);
  t.case('INCR keeps the TTL; its propagation is unchanged', [
    ['SET', 'n', '5', 'EX', '100'],
    ['INCR', 'n'],
    ['INCRBY', 'n', '100000000000000000'],
  ]);
  t.case('INCRBYFLOAT propagates as SET of the result with KEEPTTL', [
    ['INCRBYFLOAT', 'f', '10.5'],
    ['INCRBYFLOAT', 'f', '0.1'],
    ['INCRBYFLOAT', 'f', '5.0e3'],
    ['SET', 'i', '3'],
    ['INCRBYFLOAT', 'i', '1'],
    ['SET', 't', '1.5', 'EX', '100'],
    ['INCRBYFLOAT', 't', '-1.5'],
    ['INCRBYFLOAT', 'f', 'abc'],
    ['SET', 's', 'abc'],
    ['INCRBYFLOAT', 's', '1'],
    ['INCRBYFLOAT', 'f', 'inf'],
  ]);

  // ---------------------------------------------------------------- reads
  t.case('reads propagate nothing (GET, MGET, STRLEN, GETRANGE, SUBSTR, LCS)', [
    ['SET', 'a', 'ohmytext'],
    ['SET', 'b', 'mynewtext'],
    ['GET', 'a'],
    ['MGET', 'a', 'b'],
    ['STRLEN', 'a'],
    ['GETRANGE', 'a', '0', '3'],
    ['SUBSTR', 'a', '0', '3'],
    ['LCS', 'a', 'b'],
    ['LCS', 'a', 'b', 'IDX', 'WITHMATCHLEN'],
  ]);

  // ---------------------------------------------------------------- transactions and scripts
  t.case('rewritten string commands inside MULTI are wrapped with the rest', [
    ['MULTI'],
    ['SETEX', 'a', '100', 'v'],
    ['INCRBYFLOAT', 'f', '1.25'],
    ['GETSET', 'g', 'x'],
    ['GETDEL', 'g'],
    ['GETEX', 'a', 'PERSIST'],
    ['GETEX', 'a', 'EX', '50'],
    ['SETNX', 'a', 'no'],
    ['EXEC'],
  ]);
  t.case('a transaction whose only write is rewritten is not wrapped', [
    ['MULTI'],
    ['INCRBYFLOAT', 'f', '2'],
    ['GET', 'f'],
    ['EXEC'],
  ]);
  t.case('rewritten string commands inside EVAL', [
    ['EVAL', "redis.call('set', KEYS[1], 'v', 'ex', 100) return redis.call('incrbyfloat', KEYS[2], '1.5')", '2', 'a', 'f'],
    ['EVAL', "return redis.call('getex', KEYS[1], 'px', 100000)", '1', 'a'],
    ['EVAL', "return redis.call('getdel', KEYS[1])", '1', 'a'],
    ['EVAL', "return redis.call('setnx', KEYS[1], 'x')", '1', 'f'],
  ]);
  t.case('string commands in another database select it', [
    ['SELECT', '4'],
    ['SETEX', 'a', '100', 'v'],
    ['INCRBYFLOAT', 'f', '1'],
    ['SELECT', '0'],
    ['MSET', 'a', '1'],
  ]);

  // ---------------------------------------------------------------- lazy expiry
  t.case('a string command that finds its key expired: DEL, then the command, wrapped', [
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
    ['SET', 'a', '5', 'PX', '1'],
    ['SET', 'b', 'x', 'PX', '1'],
    ['SET', 'c', 'x', 'PX', '1'],
    ['SET', 'd', 'x', 'PX', '1'],
    ['SET', 'e', '1', 'PX', '1'],
    ['SET', 'f', 'x', 'PX', '1'],
    ['SET', 'g', 'x', 'PX', '1'],
    { sleep: 50 },
    ['INCR', 'a'],
    ['APPEND', 'b', 'y'],
    ['SETNX', 'c', 'y'],
    ['GETEX', 'd', 'EX', '100'],
    ['INCRBYFLOAT', 'e', '1'],
    ['MSETNX', 'f', '1', 'z', '2'],
    ['GETDEL', 'g'],
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
  ]);

  it('every write command of the group has a propagation case', () => {
    const writes = STRING_COMMANDS.filter((cmd) => cmd.flags.includes('write') || cmd.flags.includes('may_replicate'));
    assert.deepEqual(writes.map((cmd) => cmd.name).filter((name) => !t.exercised.has(name)), []);
  });
});
