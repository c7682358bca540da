/**
 * What the bitmap and HyperLogLog commands propagate to replicas, compared with a real Redis 7.0
 * replica stream: SETBIT / BITFIELD / BITOP as sent (BITFIELD even when an OVERFLOW FAIL wrote
 * nothing, BITOP only when it stored or deleted), PFADD only when a register rose, PFCOUNT when
 * it refreshed the cached cardinality, PFDEBUG when it changed the encoding.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { propagationSuite } from '../helpers/propagation.js';
import { BITMAP_COMMANDS } from '../../src/commands/bitmap.js';
import { HYPERLOGLOG_COMMANDS } from '../../src/commands/hyperloglog.js';

propagationSuite('propagation: bitmaps and HyperLogLog', (t) => {
  t.case('SETBIT propagates, even when the bit does not change; errors nothing', [
    ['SETBIT', 'b', '7', '1'],
    ['SETBIT', 'b', '7', '1'],
    ['SETBIT', 'b', '100', '0'],
    ['SETBIT', 'b', '-1', '1'],
    ['SETBIT', 'b', '1', '2'],
    ['LPUSH', 'l', 'x'],
    ['SETBIT', 'l', '1', '1'],
  ]);
  t.case('BITFIELD propagates when it has a write operation, FAIL overflows included', [
    ['BITFIELD', 'f', 'GET', 'u8', '0'],
    ['BITFIELD', 'f', 'SET', 'u8', '0', '200', 'GET', 'u4', '0'],
    ['BITFIELD', 'f', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '100'],
    ['BITFIELD', 'g', 'OVERFLOW', 'FAIL', 'SET', 'u2', '0', '9'],
    ['BITFIELD', 'f', 'GET', 'u99', '0'],
    ['BITFIELD_RO', 'f', 'GET', 'u8', '0'],
  ]);
  t.case('BITOP propagates when it stores or deletes', [
    ['SET', 'a', 'abc'],
    ['BITOP', 'AND', 'd', 'a', 'nokey'],
    ['BITOP', 'NOT', 'd', 'a'],
    ['BITOP', 'OR', 'd', 'nokey'],
    ['BITOP', 'OR', 'd', 'nokey'],
    ['BITOP', 'NOT', 'd', 'a', 'a'],
  ]);
  t.case('PFADD propagates when a register rose or the key was created', [
    ['PFADD', 'h'],
    ['PFADD', 'h', 'a', 'b'],
    ['PFADD', 'h', 'a'],
    ['PFADD', 'h2', 'x'],
    ['SET', 's', 'text'],
    ['PFADD', 's', 'a'],
  ]);
  t.case('PFCOUNT propagates when it refreshes the cached cardinality', [
    ['PFADD', 'h', 'a', 'b', 'c'],
    ['PFCOUNT', 'h'],
    ['PFCOUNT', 'h'],
    ['PFADD', 'h2', 'x'],
    ['PFCOUNT', 'h', 'h2'],
    ['PFCOUNT', 'nokey'],
  ]);
  t.case('PFMERGE propagates as sent', [
    ['PFADD', 'h', 'a', 'b'],
    ['PFMERGE', 'm', 'h', 'nokey'],
    ['PFMERGE', 'm'],
  ]);
  t.case('PFDEBUG propagates when it turns the value dense', [
    ['PFADD', 'h', 'a'],
    ['PFDEBUG', 'ENCODING', 'h'],
    ['PFDEBUG', 'TODENSE', 'h'],
    ['PFDEBUG', 'TODENSE', 'h'],
    ['PFADD', 'h2', 'a'],
    ['PFDEBUG', 'GETREG', 'h2'],
    ['PFDEBUG', 'GETREG', 'h2'],
  ]);

  it('every write command of the groups has a propagation case', () => {
    const writes = [...BITMAP_COMMANDS, ...HYPERLOGLOG_COMMANDS].filter((cmd) => cmd.flags.includes('write') || cmd.flags.includes('may_replicate'));
    assert.deepEqual(writes.map((cmd) => cmd.name).filter((name) => !t.exercised.has(name)), []);
  });
});
