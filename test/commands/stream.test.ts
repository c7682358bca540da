import { it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { diffSuite, runSteps, RawConnection, memoryUsage, streamTimes, type Step } from '../helpers/differential.js';
import { scenarioSuite } from '../helpers/scenario.js';

/** Replies with `*` ids or idle times: exact but for those, checked against the case's duration. */
const timed = (...argv: string[]): Step => ({ argv, compare: streamTimes });

/** XADD key <ms>-<seq> f v for ms = from..to. */
function addMany(key: string, from: number, to: number, fields: string[] = ['f', 'v']): string[][] {
  const out: string[][] = [];
  for (let ms = from; ms <= to; ms++) out.push(['XADD', key, `${ms}-1`, ...fields]);
  return out;
}

const U64 = '18446744073709551615';

diffSuite('stream: XADD, XLEN, XRANGE, XREVRANGE', (t) => {
  t.case('explicit IDs, XLEN, TYPE, OBJECT ENCODING', [
    ['XADD', 's', '1-1', 'a', '1'],
    ['XADD', 's', '1-2', 'a', '2', 'b', '3'],
    ['XADD', 's', '2', 'c', '4'],
    ['XLEN', 's'],
    ['XLEN', 'nokey'],
    ['TYPE', 's'],
    ['OBJECT', 'ENCODING', 's'],
    ['XRANGE', 's', '-', '+'],
    ['XREVRANGE', 's', '+', '-'],
  ]);
  t.case('ID errors', [
    ['XADD', 's', '0-0', 'a', '1'],
    ['XADD', 's', '0', 'a', '1'],
    ['XADD', 's', '0-1', 'a', '1'],
    ['XADD', 's', '0-1', 'a', '1'],
    ['XADD', 's', '0-0', 'a', '1'],
    ['XADD', 's', '5-5', 'a', '1'],
    ['XADD', 's', '5-5', 'a', '1'],
    ['XADD', 's', '5-4', 'a', '1'],
    ['XADD', 's', '4-*', 'a', '1'],
    ['XADD', 's', '5-*', 'a', '1'],
    ['XADD', 's', '6-*', 'a', '1'],
    ['XADD', 's', 'abc', 'a', '1'],
    ['XADD', 's', '1-abc', 'a', '1'],
    ['XADD', 's', '-', 'a', '1'],
    ['XADD', 's', '+', 'a', '1'],
    ['XADD', 's', '-1', 'a', '1'],
    ['XADD', 's', '7--1', 'a', '1'],
    ['XADD', 's', '7-+2', 'a', '1'],
    ['XADD', 's', ' 8', 'a', '1'],
    ['XADD', 's', '09-00', 'a', '1'],
    ['XADD', 's', '10-1 ', 'a', '1'],
    ['XADD', 's', '1'.repeat(128), 'a', '1'],
    ['XADD', 's', '99999999999999999999', 'a', '1'],
    ['XRANGE', 's', '-', '+'],
  ]);
  t.case('64-bit IDs', [
    ['XADD', 's', `1-${U64}`, 'a', '1'],
    ['XADD', 's', '1-*', 'a', '1'],
    ['XADD', 's', '2-*', 'a', '1'],
    ['XADD', 's', `${U64}-${U64}`, 'a', '1'],
    ['XADD', 's', '*', 'a', '1'],
    ['XADD', 's', `${U64}-*`, 'a', '1'],
    ['XRANGE', 's', '-', '+'],
    ['XRANGE', 's', `(1-${U64}`, '+'],
    ['XRANGE', 's', '-', `(${U64}-${U64}`],
    ['XRANGE', 's', `(${U64}-${U64}`, '+'],
    ['XRANGE', 's', '-', '(0-0'],
    ['XRANGE', 's', '-', '(0'],
    ['XREVRANGE', 's', '+', '-', 'COUNT', '2'],
    ['XADD', 'k', '9007199254740993-9007199254740993', 'x', 'y'],
    ['XADD', 'k', '9007199254740993-9007199254740995', 'x', 'y'],
    ['XADD', 'k', '18014398509481984-1', 'x', 'y'],
    ['XRANGE', 'k', '-', '+'],
    ['XREVRANGE', 'k', '+', '-'],
    ['XDEL', 'k', '9007199254740993-9007199254740995'],
    ['XRANGE', 'k', '9007199254740993', '+'],
  ]);
  t.case('* IDs are generated from the clock', [
    timed('XADD', 's', '*', 'a', '1'),
    timed('XADD', 's', '*', 'a', '2'),
    ['XLEN', 's'],
    timed('XRANGE', 's', '-', '+'),
  ]);
  t.case('arity and field pairs', [
    ['XADD', 's'],
    ['XADD', 's', '*'],
    ['XADD', 's', '*', 'a'],
    ['XADD', 's', '1-1', 'a', '1', 'b'],
    ['XADD', 's', 'MAXLEN', '5', '*', 'a'],
    ['XADD', 's', 'MAXLEN', '5'],
    ['XADD', 's', 'NOMKSTREAM', '1-1', 'a'],
    ['XLEN', 's', 'x'],
    ['XRANGE', 's', '-'],
    ['XDEL', 's'],
    ['XTRIM', 's'],
    ['XTRIM', 's', 'MAXLEN'],
    ['EXISTS', 's'],
  ]);
  t.case('NOMKSTREAM', [
    ['XADD', 's', 'NOMKSTREAM', '1-1', 'a', '1'],
    ['EXISTS', 's'],
    ['XADD', 's', '1-1', 'a', '1'],
    ['XADD', 's', 'nomkstream', '2-1', 'a', '1'],
    ['XLEN', 's'],
  ]);
  t.case('WRONGTYPE', [
    ['SET', 'str', 'x'],
    ['XADD', 'str', '1-1', 'a', '1'],
    ['XLEN', 'str'],
    ['XRANGE', 'str', '-', '+'],
    ['XREVRANGE', 'str', '+', '-'],
    ['XDEL', 'str', '1-1'],
    ['XTRIM', 'str', 'MAXLEN', '1'],
    ['XSETID', 'str', '1-1'],
    ['XREAD', 'STREAMS', 'str', '0'],
    ['XGROUP', 'CREATE', 'str', 'g', '0'],
    ['XINFO', 'STREAM', 'str'],
    ['XINFO', 'GROUPS', 'str'],
    ['XACK', 'str', 'g', '1-1'],
    ['XPENDING', 'str', 'g'],
    ['XCLAIM', 'str', 'g', 'c', '0', '1-1'],
    ['XAUTOCLAIM', 'str', 'g', 'c', '0', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'str', '>'],
    ['XADD', 'str', 'NOMKSTREAM', '1-1', 'a', '1'],
  ]);
  t.case('XRANGE bounds, COUNT, exclusive bounds', [
    ...addMany('s', 1, 12),
    ['XRANGE', 's', '3', '5'],
    ['XRANGE', 's', '(3-1', '5'],
    ['XRANGE', 's', '3', '(5-1'],
    ['XRANGE', 's', '(3', '(5'],
    ['XRANGE', 's', '5', '3'],
    ['XRANGE', 's', '-', '+', 'COUNT', '3'],
    ['XRANGE', 's', '-', '+', 'COUNT', '0'],
    ['XRANGE', 's', '-', '+', 'COUNT', '-5'],
    ['XRANGE', 's', '-', '+', 'count', '2', 'COUNT', '4'],
    ['XRANGE', 's', '-', '+', 'COUNT'],
    ['XRANGE', 's', '-', '+', 'COUNT', 'x'],
    ['XRANGE', 's', '-', '+', 'FOO', '1'],
    ['XRANGE', 's', 'x', '+'],
    ['XRANGE', 's', '(-', '+'],
    ['XRANGE', 's', '(', '+'],
    ['XRANGE', 's', '-', '(+'],
    ['XRANGE', 'nokey', '-', '+'],
    ['XRANGE', 'nokey', '-', '+', 'COUNT', '0'],
    ['XRANGE', 'nokey', 'x', '+'],
    ['XREVRANGE', 's', '5', '3'],
    ['XREVRANGE', 's', '(5', '3'],
    ['XREVRANGE', 's', '+', '-', 'COUNT', '4'],
    ['XREVRANGE', 's', '3', '5'],
    ['XREVRANGE', 's', '+', '(12-1'],
  ]);
  t.case('binary fields and values', [
    ['XADD', 's', '1-1', '', '', 'bin\x00\xff', '\r\n\x00', 'x'.repeat(300), 'y'.repeat(20000)],
    ['XRANGE', 's', '-', '+'],
  ]);
});

diffSuite('stream: XDEL, XTRIM, XSETID', (t) => {
  t.case('XDEL', [
    ...addMany('s', 1, 5),
    ['XDEL', 's', '2-1', '3-1', '3-1', '9-9'],
    ['XDEL', 's', '2-1'],
    ['XDEL', 's', 'x'],
    ['XDEL', 's', '4-1', 'x'],
    ['XDEL', 'nokey', '1-1'],
    ['XDEL', 'nokey', 'x'],
    ['XLEN', 's'],
    ['XRANGE', 's', '-', '+'],
    ['XREVRANGE', 's', '+', '-'],
    ['XDEL', 's', '1-1', '4-1', '5-1'],
    ['XLEN', 's'],
    ['EXISTS', 's'],
    ['XRANGE', 's', '-', '+'],
    ['XADD', 's', '5-1', 'a', '1'],
    ['XADD', 's', '6-1', 'a', '1'],
    ['XINFO', 'STREAM', 's'],
  ]);
  t.case('XTRIM MAXLEN exact and approximate', [
    ...addMany('s', 1, 250),
    ['XTRIM', 's', 'MAXLEN', '240'],
    ['XLEN', 's'],
    ['XTRIM', 's', 'MAXLEN', '~', '200'],
    ['XLEN', 's'],
    ['XTRIM', 's', 'MAXLEN', '~', '100'],
    ['XLEN', 's'],
    ['XTRIM', 's', 'MAXLEN', '~', '20', 'LIMIT', '10'],
    ['XTRIM', 's', 'MAXLEN', '~', '20', 'LIMIT', '100'],
    ['XLEN', 's'],
    ['XTRIM', 's', 'MAXLEN', '=', '30'],
    ['XLEN', 's'],
    ['XRANGE', 's', '-', '+', 'COUNT', '2'],
    ['XTRIM', 's', 'MAXLEN', '0'],
    ['XLEN', 's'],
    ['EXISTS', 's'],
  ]);
  t.case('XTRIM MINID', [
    ...addMany('s', 1, 230),
    ['XTRIM', 's', 'MINID', '50'],
    ['XLEN', 's'],
    ['XTRIM', 's', 'MINID', '~', '150'],
    ['XLEN', 's'],
    ['XTRIM', 's', 'MINID', '=', '160-1'],
    ['XRANGE', 's', '-', '+', 'COUNT', '1'],
    ['XTRIM', 's', 'MINID', '~', '220', 'LIMIT', '0'],
    ['XLEN', 's'],
    ['XTRIM', 's', 'MINID', 'x'],
    ['XTRIM', 's', 'MINID', '-'],
  ]);
  t.case('exact MINID trimming can leave a node with only deleted entries, as Redis does', [
    ['CONFIG', 'SET', 'stream-node-max-entries', '3'],
    ...addMany('s', 1, 4),
    ['XDEL', 's', '3-1'],
    ['XTRIM', 's', 'MINID', '3'],
    ['XINFO', 'STREAM', 's'],
    ['XADD', 's', '5-1', 'a', '1'],
    ['XINFO', 'STREAM', 's'],
    ['XTRIM', 's', 'MAXLEN', '2'],
    ['XTRIM', 's', 'MAXLEN', '0'],
    ['XINFO', 'STREAM', 's'],
    ['CONFIG', 'SET', 'stream-node-max-entries', '100'],
  ]);
  t.case('COPY, RENAME, TYPE, SCAN TYPE, MEMORY USAGE', [
    ['XADD', 's', '1-1', 'a', '1'],
    ['XGROUP', 'CREATE', 's', 'g', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>'],
    ['COPY', 's', 'd'],
    ['XADD', 's', '2-1', 'b', '2'],
    ['XRANGE', 'd', '-', '+'],
    ['XPENDING', 'd', 'g'],
    ['XINFO', 'GROUPS', 'd'],
    ['XACK', 'd', 'g', '1-1'],
    ['XPENDING', 's', 'g'],
    ['OBJECT', 'ENCODING', 'd'],
    { argv: ['SCAN', '0', 'TYPE', 'stream'], compare: 'unordered' },
    { argv: ['MEMORY', 'USAGE', 's'], compare: memoryUsage },
    ['RENAME', 'd', 'e'],
    ['XLEN', 'e'],
    ['TYPE', 'e'],
  ]);
  t.case('XTRIM errors', [
    ['XADD', 's', '1-1', 'a', '1'],
    ['XTRIM', 's', 'MAXLEN', '1', 'MINID', '1'],
    ['XTRIM', 's', 'MINID', '1', 'MAXLEN', '1'],
    ['XTRIM', 's', 'FOO', '1'],
    ['XTRIM', 's', 'MAXLEN', '1', 'LIMIT', '10'],
    ['XTRIM', 's', 'LIMIT', '10', 'MAXLEN', '1'],
    ['XTRIM', 's', 'MAXLEN', '-1'],
    ['XTRIM', 's', 'MAXLEN', 'x'],
    ['XTRIM', 's', 'MAXLEN', '~', '1', 'LIMIT', '-1'],
    ['XTRIM', 's', 'MAXLEN', '~', '1', 'LIMIT', 'x'],
    ['XTRIM', 's', 'LIMIT', '5', 'X'],
    ['XTRIM', 'nokey', 'MAXLEN', '1'],
    ['XTRIM', 'nokey', 'MAXLEN', 'x'],
    ['XTRIM', 's', 'MAXLEN', '~'],
    ['XTRIM', 's', 'MAXLEN', '~', '0'],
    ['XLEN', 's'],
  ]);
  t.case('XADD with trimming', [
    ...addMany('s', 1, 120),
    ['XADD', 's', 'MAXLEN', '100', '121-1', 'a', '1'],
    ['XLEN', 's'],
    ['XADD', 's', 'MAXLEN', '~', '10', '122-1', 'a', '1'],
    ['XLEN', 's'],
    ['XADD', 's', 'MINID', '~', '115', '123-1', 'a', '1'],
    ['XLEN', 's'],
    ['XADD', 's', 'MINID', '=', '121', 'LIMIT', '5', '124-1', 'a', '1'],
    ['XADD', 's', 'MINID', '~', '121', 'LIMIT', '5', '124-1', 'a', '1'],
    ['XADD', 's', 'MINID', '121', '125-1', 'a', '1'],
    ['XADD', 's', 'MAXLEN', '-1', '126-1', 'a', '1'],
    ['XADD', 's', 'MAXLEN', '1', 'MINID', '1', '126-1', 'a', '1'],
    ['XADD', 's', 'NOMKSTREAM', 'MAXLEN', '2', '126-1', 'a', '1'],
    ['XRANGE', 's', '-', '+'],
    ['XADD', 'n', 'NOMKSTREAM', 'MAXLEN', '2', '1-1', 'a', '1'],
    ['XADD', 'z', 'MAXLEN', '0', '1-1', 'a', '1'],
    ['XLEN', 'z'],
    ['EXISTS', 'z'],
  ]);
  t.case('XSETID', [
    ['XSETID', 'nokey', '1-1'],
    ['XADD', 's', '5-5', 'a', '1'],
    ['XSETID', 's', '5-4'],
    ['XSETID', 's', '5-5'],
    ['XSETID', 's', '10-0'],
    ['XADD', 's', '9-9', 'a', '1'],
    ['XSETID', 's', '11-0', 'ENTRIESADDED', '0'],
    ['XSETID', 's', '11-0', 'ENTRIESADDED', '-1'],
    ['XSETID', 's', '11-0', 'ENTRIESADDED', 'x'],
    ['XSETID', 's', '11-0', 'ENTRIESADDED', '7', 'MAXDELETEDID', '3-0'],
    ['XSETID', 's', '11-0', 'MAXDELETEDID', '12-0'],
    ['XSETID', 's', '11-0', 'MAXDELETEDID', 'x'],
    ['XSETID', 's', '11-0', 'FOO'],
    ['XSETID', 's', '11-0', 'ENTRIESADDED'],
    ['XSETID', 's', 'x'],
    ['XSETID', 's', '-'],
    ['XINFO', 'STREAM', 's'],
    ['XDEL', 's', '5-5'],
    ['XSETID', 's', '1-0'],
    ['XLEN', 's'],
  ]);
});

diffSuite('stream: XREAD', (t) => {
  t.case('XREAD one and several streams', [
    ...addMany('a', 1, 3),
    ...addMany('b', 2, 4),
    ['XREAD', 'STREAMS', 'a', '0'],
    ['XREAD', 'COUNT', '2', 'STREAMS', 'a', 'b', '0', '0'],
    ['XREAD', 'STREAMS', 'a', 'b', '2-1', '4-1'],
    ['XREAD', 'STREAMS', 'a', 'b', '3-1', '4-1'],
    ['XREAD', 'STREAMS', 'a', 'nokey', 'b', '0', '0', '3'],
    ['XREAD', 'STREAMS', 'a', '$'],
    ['XREAD', 'STREAMS', 'nokey', '$'],
    ['XREAD', 'COUNT', '0', 'STREAMS', 'a', '1'],
    ['XREAD', 'COUNT', '-1', 'STREAMS', 'a', '1'],
    ['XREAD', 'STREAMS', 'a', `${U64}-${U64}`],
    ['XDEL', 'a', '3-1'],
    ['XREAD', 'STREAMS', 'a', '2-1'],
  ]);
  t.case('XREAD errors', [
    ['XADD', 'a', '1-1', 'f', 'v'],
    ['XREAD', 'STREAMS', 'a'],
    ['XREAD', 'STREAMS', 'a', 'b', '0'],
    ['XREAD', 'STREAMS', 'a', '>'],
    ['XREAD', 'STREAMS', 'a', 'x'],
    ['XREAD', 'STREAMS', 'a', '-'],
    ['XREAD', 'COUNT', 'x', 'STREAMS', 'a', '0'],
    ['XREAD', 'FOO', 'STREAMS', 'a', '0'],
    ['XREAD', 'COUNT', '1', 'a', '0'],
    ['XREAD', 'GROUP', 'g', 'c', 'STREAMS', 'a', '0'],
    ['XREAD', 'NOACK', 'STREAMS', 'a', '0'],
    ['XREAD'],
  ]);
});

diffSuite('stream: consumer groups', (t) => {
  t.case('XGROUP CREATE and errors', [
    ['XGROUP', 'CREATE', 'nokey', 'g', '0'],
    ['XGROUP', 'CREATE', 'nokey', 'g', 'x'],
    ['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'],
    ['EXISTS', 's'],
    ['XLEN', 's'],
    ['XGROUP', 'CREATE', 's', 'g', '$'],
    ['XGROUP', 'CREATE', 's', 'g2', 'x'],
    ['XGROUP', 'CREATE', 's', 'g2', '0', 'FOO'],
    ['XGROUP', 'CREATE', 's', 'g2', '0', 'ENTRIESREAD', '-5'],
    ['XGROUP', 'CREATE', 's', 'g2', '0', 'ENTRIESREAD', 'x'],
    ['XGROUP', 'CREATE', 's', 'g2', '0', 'ENTRIESREAD'],
    ['XGROUP', 'CREATE', 's', 'g2', '0', 'ENTRIESREAD', '3', 'MKSTREAM'],
    ['XGROUP', 'CREATE', 's', 'g3', '-'],
    ['XGROUP', 'CREATE', 's', 'g3', '0', 'MKSTREAM', 'MKSTREAM', 'MKSTREAM', 'MKSTREAM'],
    ['XGROUP', 'CREATE', 's'],
    ['XGROUP', 'FOO', 's', 'g'],
    ['XGROUP', 'HELP'],
    ['XGROUP', 'HELP', 'x'],
    ['XGROUP'],
    ['XINFO', 'GROUPS', 's'],
  ]);
  t.case('XGROUP SETID, DESTROY, CREATECONSUMER, DELCONSUMER', [
    ...addMany('s', 1, 5),
    ['XGROUP', 'CREATE', 's', 'g', '0'],
    ['XGROUP', 'SETID', 's', 'g', '3-1'],
    ['XGROUP', 'SETID', 's', 'nog', '3-1'],
    ['XGROUP', 'SETID', 'nokey', 'g', '3-1'],
    ['XGROUP', 'SETID', 's', 'g', '$', 'ENTRIESREAD', '5'],
    ['XGROUP', 'SETID', 's', 'g', '-'],
    ['XGROUP', 'SETID', 's', 'g', 'x'],
    ['XGROUP', 'SETID', 's', 'g', '0', 'FOO', '1'],
    ['XGROUP', 'SETID', 's', 'g', '0', 'ENTRIESREAD'],
    ['XGROUP', 'SETID', 's', 'g', '0', 'ENTRIESREAD', '-2'],
    ['XINFO', 'GROUPS', 's'],
    ['XGROUP', 'CREATECONSUMER', 's', 'g', 'alice'],
    ['XGROUP', 'CREATECONSUMER', 's', 'g', 'alice'],
    ['XGROUP', 'CREATECONSUMER', 's', 'nog', 'alice'],
    ['XGROUP', 'CREATECONSUMER', 'nokey', 'g', 'alice'],
    ['XGROUP', 'CREATECONSUMER', 's', 'g'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>'],
    ['XGROUP', 'DELCONSUMER', 's', 'g', 'alice'],
    ['XGROUP', 'DELCONSUMER', 's', 'g', 'alice'],
    ['XGROUP', 'DELCONSUMER', 's', 'nog', 'alice'],
    ['XPENDING', 's', 'g'],
    ['XGROUP', 'DESTROY', 's', 'g'],
    ['XGROUP', 'DESTROY', 's', 'g'],
    ['XGROUP', 'DESTROY', 'nokey', 'g'],
    ['XGROUP', 'DESTROY', 's'],
    ['XINFO', 'GROUPS', 's'],
  ]);
  t.case('XREADGROUP new entries, history, NOACK, COUNT, XACK', [
    ...addMany('s', 1, 6),
    ['XGROUP', 'CREATE', 's', 'g', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 's', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'bob', 'COUNT', '2', 'STREAMS', 's', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'carol', 'NOACK', 'COUNT', '1', 'STREAMS', 's', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', 's', '1-1'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '(1-1'.slice(1)],
    ['XREADGROUP', 'GROUP', 'g', 'nobody', 'STREAMS', 's', '0'],
    ['XDEL', 's', '2-1'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '0'],
    ['XACK', 's', 'g', '1-1', '2-1', '2-1', '9-9'],
    ['XACK', 's', 'g', 'x'],
    ['XACK', 'nokey', 'g', 'x'],
    ['XACK', 's', 'nog', '1-1'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>'],
    ['XPENDING', 's', 'g'],
    timed('XPENDING', 's', 'g', '-', '+', '10'),
    ['XINFO', 'GROUPS', 's'],
    timed('XINFO', 'CONSUMERS', 's', 'g'),
  ]);
  t.case('XREADGROUP errors and several streams', [
    ...addMany('a', 1, 2),
    ...addMany('b', 1, 2),
    ['XGROUP', 'CREATE', 'a', 'g', '0'],
    ['XGROUP', 'CREATE', 'b', 'g', '$'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'a', 'b', '>', '>'],
    ['XADD', 'b', '3-1', 'x', 'y'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'a', 'b', '>', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'a', 'b', '0', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'a', 'nokey', '>', '>'],
    ['XREADGROUP', 'GROUP', 'nog', 'c', 'STREAMS', 'a', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'a', '$'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'a', 'x'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'a'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'a', 'b', '>'],
    ['XREADGROUP', 'COUNT', '1', 'STREAMS', 'a', '>', 'x'],
    ['XREADGROUP', 'GROUP', 'g', 'STREAMS', 'a', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'FOO', 'STREAMS', 'a', '>'],
    ['XPENDING', 'a', 'g'],
    ['XPENDING', 'b', 'g'],
  ]);
  t.case('XPENDING forms and errors', [
    ...addMany('s', 1, 6),
    ['XGROUP', 'CREATE', 's', 'g', '0'],
    ['XPENDING', 's', 'g'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '3', 'STREAMS', 's', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'bob', 'COUNT', '2', 'STREAMS', 's', '>'],
    ['XPENDING', 's', 'g'],
    timed('XPENDING', 's', 'g', '-', '+', '10'),
    timed('XPENDING', 's', 'g', '-', '+', '10', 'bob'),
    ['XPENDING', 's', 'g', '-', '+', '10', 'nobody'],
    ['XPENDING', 's', 'g', '-', '+', '0'],
    ['XPENDING', 's', 'g', '-', '+', '-3'],
    ['XPENDING', 's', 'g', 'IDLE', '100000000', '-', '+', '10'],
    timed('XPENDING', 's', 'g', 'IDLE', '0', '(1-1', '(5-1', '10'),
    ['XPENDING', 's', 'g', '-'],
    ['XPENDING', 's', 'g', '-', '+'],
    ['XPENDING', 's', 'g', '-', '+', 'x'],
    ['XPENDING', 's', 'g', 'x', '+', '10'],
    ['XPENDING', 's', 'g', '-', 'x', '10'],
    ['XPENDING', 's', 'g', '(' + U64 + '-' + U64, '+', '10'],
    ['XPENDING', 's', 'g', '-', '(0-0', '10'],
    ['XPENDING', 's', 'g', 'IDLE', 'x', '-', '+', '10'],
    ['XPENDING', 's', 'g', 'IDLE', '5', '-', '+'],
    ['XPENDING', 's', 'nog'],
    ['XPENDING', 'nokey', 'g'],
    ['XPENDING', 'nokey', 'g', '-', '+', 'x'],
  ]);
  t.case('XCLAIM', [
    ...addMany('s', 1, 5),
    ['XGROUP', 'CREATE', 's', 'g', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>'],
    ['XCLAIM', 's', 'g', 'bob', '100000000', '1-1'],
    ['XCLAIM', 's', 'g', 'bob', '0', '1-1', '2-1'],
    ['XCLAIM', 's', 'g', 'bob', '0', '3-1', 'JUSTID'],
    ['XCLAIM', 's', 'g', 'bob', '0', '4-1', 'RETRYCOUNT', '7', 'IDLE', '0'],
    ['XCLAIM', 's', 'g', 'carol', '0', '9-9', 'FORCE'],
    ['XADD', 's', '6-1', 'f', 'v'],
    ['XCLAIM', 's', 'g', 'carol', '0', '6-1'],
    ['XCLAIM', 's', 'g', 'carol', '0', '6-1', 'FORCE'],
    ['XCLAIM', 's', 'g', 'carol', '0', '6-1', 'TIME', '0', 'JUSTID'],
    ['XDEL', 's', '5-1'],
    ['XCLAIM', 's', 'g', 'carol', '0', '5-1'],
    ['XCLAIM', 's', 'g', 'carol', '0', '1-1', 'LASTID', '100-0'],
    ['XINFO', 'GROUPS', 's'],
    ['XPENDING', 's', 'g'],
    timed('XPENDING', 's', 'g', '-', '+', '10'),
    ['XCLAIM', 's', 'g', 'c', 'x', '1-1'],
    ['XCLAIM', 's', 'g', 'c', '0', '1-1', 'FOO'],
    ['XCLAIM', 's', 'g', 'c', '0', '1-1', 'IDLE', 'x'],
    ['XCLAIM', 's', 'g', 'c', '0', '1-1', 'TIME', 'x'],
    ['XCLAIM', 's', 'g', 'c', '0', '1-1', 'RETRYCOUNT', 'x'],
    ['XCLAIM', 's', 'g', 'c', '0', '1-1', 'LASTID', 'x'],
    ['XCLAIM', 's', 'g', 'c', '0', '1-1', 'IDLE'],
    ['XCLAIM', 's', 'g', 'c', '0', 'x'],
    ['XCLAIM', 's', 'nog', 'c', '0', '1-1'],
    ['XCLAIM', 'nokey', 'g', 'c', 'x', '1-1'],
  ]);
  t.case('XAUTOCLAIM', [
    ...addMany('s', 1, 8),
    ['XGROUP', 'CREATE', 's', 'g', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>'],
    ['XAUTOCLAIM', 's', 'g', 'bob', '100000000', '0'],
    ['XAUTOCLAIM', 's', 'g', 'bob', '0', '0', 'COUNT', '2'],
    ['XAUTOCLAIM', 's', 'g', 'bob', '0', '3-1', 'COUNT', '2', 'JUSTID'],
    ['XDEL', 's', '5-1', '6-1'],
    ['XAUTOCLAIM', 's', 'g', 'carol', '0', '(4-1', 'COUNT', '3'],
    ['XAUTOCLAIM', 's', 'g', 'carol', '0', '-'],
    ['XPENDING', 's', 'g'],
    ['XAUTOCLAIM', 's', 'g', 'c', 'x', '0'],
    ['XAUTOCLAIM', 's', 'g', 'c', '0', 'x'],
    ['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'COUNT', '0'],
    ['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'COUNT', 'x'],
    ['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'COUNT', '576460752303423488'],
    ['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'FOO'],
    ['XAUTOCLAIM', 's', 'g', 'c', '0', '(' + U64 + '-' + U64],
    ['XAUTOCLAIM', 's', 'nog', 'c', '0', '0'],
    ['XAUTOCLAIM', 'nokey', 'g', 'c', '0', '0'],
  ]);
  // PELs of hundreds of IDs span several leaves of the chunked SortedIds (256 IDs per leaf).
  t.case('large PELs: ranges, claims and acks across PEL leaves', [
    ...addMany('s', 1, 700),
    ['XGROUP', 'CREATE', 's', 'g', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '400', 'STREAMS', 's', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'bob', 'COUNT', '300', 'STREAMS', 's', '>'],
    ['XPENDING', 's', 'g'],
    ['XACK', 's', 'g', '1-1', '256-1', '257-1', '258-1', '512-1', '513-1', '700-1', '700-1', '999-1'],
    ['XACK', 's', 'g', ...Array.from({ length: 200 }, (_, i) => `${101 + i}-1`)],
    ['XPENDING', 's', 'g'],
    ['XDEL', 's', '2-1', '3-1', '400-1', '401-1'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '60', 'STREAMS', 's', '50-1'],
    ['XREADGROUP', 'GROUP', 'g', 'bob', 'COUNT', '5', 'STREAMS', 's', '600-1'],
    ['XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 's', '0'],
    ['XAUTOCLAIM', 's', 'g', 'carol', '0', '0', 'COUNT', '100', 'JUSTID'],
    ['XAUTOCLAIM', 's', 'g', 'carol', '0', '250-1', 'COUNT', '300', 'JUSTID'],
    ['XCLAIM', 's', 'g', 'dave', '0', '320-1', '321-1', '999-1', '40-1', 'JUSTID'],
    ['XPENDING', 's', 'g'],
    timed('XPENDING', 's', 'g', '-', '+', '300', 'carol'),
    ['XGROUP', 'DELCONSUMER', 's', 'g', 'alice'],
    ['XGROUP', 'DELCONSUMER', 's', 'g', 'carol'],
    ['XPENDING', 's', 'g'],
    ['XREADGROUP', 'GROUP', 'g', 'dave', 'STREAMS', 's', '0'],
    ['XACK', 's', 'g', ...Array.from({ length: 700 }, (_, i) => `${i + 1}-1`)],
    ['XPENDING', 's', 'g'],
  ]);
  t.case('entries-read and lag', [
    ['XGROUP', 'CREATE', 's', 'g0', '0', 'MKSTREAM'],
    ['XINFO', 'GROUPS', 's'],
    ...addMany('s', 1, 5),
    ['XGROUP', 'CREATE', 's', 'g1', '0'],
    ['XGROUP', 'CREATE', 's', 'g2', '$'],
    ['XGROUP', 'CREATE', 's', 'g3', '3-1'],
    ['XGROUP', 'CREATE', 's', 'g4', '0', 'ENTRIESREAD', '2'],
    ['XINFO', 'GROUPS', 's'],
    ['XREADGROUP', 'GROUP', 'g1', 'c', 'COUNT', '2', 'STREAMS', 's', '>'],
    ['XREADGROUP', 'GROUP', 'g3', 'c', 'COUNT', '1', 'STREAMS', 's', '>'],
    ['XINFO', 'GROUPS', 's'],
    ['XDEL', 's', '4-1'],
    ['XINFO', 'GROUPS', 's'],
    ['XREADGROUP', 'GROUP', 'g1', 'c', 'STREAMS', 's', '>'],
    ['XINFO', 'GROUPS', 's'],
    ['XDEL', 's', '1-1'],
    ['XTRIM', 's', 'MAXLEN', '1'],
    ['XINFO', 'GROUPS', 's'],
    ['XADD', 's', '9-1', 'a', 'b'],
    ['XINFO', 'GROUPS', 's'],
    ['XGROUP', 'SETID', 's', 'g2', '0'],
    ['XINFO', 'GROUPS', 's'],
  ]);
});

diffSuite('stream: XINFO', (t) => {
  t.case('XINFO STREAM', [
    ...addMany('s', 1, 3),
    ['XINFO', 'STREAM', 'nokey'],
    ['XINFO', 'STREAM', 'nokey', 'foo'],
    ['XINFO', 'STREAM', 's', 'foo'],
    ['XINFO', 'STREAM', 's', 'FULL', 'COUNT'],
    ['XINFO', 'STREAM', 's', 'FULL', 'COUNT', 'x'],
    ['XINFO', 'STREAM', 's', 'FULL', 'COUNT', '1', 'x'],
    ['XINFO', 'STREAM', 's', 'FULL', 'FOO', '1'],
    ['XINFO', 'HELP'],
    ['XINFO', 'FOO'],
    ['XINFO', 'GROUPS', 'nokey'],
    ['XINFO', 'CONSUMERS', 's', 'nog'],
    ['XINFO', 'CONSUMERS', 'nokey', 'g'],
    ['XGROUP', 'CREATE', 's', 'g', '0', 'MKSTREAM'],
    ['XINFO', 'CONSUMERS', 's', 'g'],
    ['XADD', 'e', '1-1', 'a', 'b'],
    ['XDEL', 'e', '1-1'],
  ]);
  t.case('XINFO STREAM and FULL without groups are exact (radix-tree-nodes included)', [
    ...addMany('s', 1, 3),
    ['XDEL', 's', '2-1'],
    ['XINFO', 'STREAM', 's'],
    ['XADD', 'e', '1-1', 'a', 'b'],
    ['XDEL', 'e', '1-1'],
    ['XINFO', 'STREAM', 'e'],
    ['XINFO', 'STREAM', 'e', 'FULL'],
    ['XINFO', 'STREAM', 's', 'FULL', 'COUNT', '1'],
    ['XINFO', 'STREAM', 's', 'FULL', 'COUNT', '0'],
    ['CONFIG', 'SET', 'stream-node-max-entries', '3'],
    ...addMany('big', 1, 40),
    ['XADD', 'big', '1099511627776-5', 'f', 'v'],
    ['XADD', 'big', '1099511627777-0', 'f', 'v'],
    ['XADD', 'big', `${U64}-0`, 'f', 'v'],
    ['XDEL', 'big', '4-1', '5-1', '6-1', '20-1'],
    ['XINFO', 'STREAM', 'big'],
    ['XTRIM', 'big', 'MAXLEN', '~', '20'],
    ['XINFO', 'STREAM', 'big'],
    ['CONFIG', 'SET', 'stream-node-max-entries', '100'],
  ]);
});

/** XINFO STREAM with groups, every field compared but the delivery and seen times. */
diffSuite('stream: XINFO STREAM fields compared one by one', (t) => {
  it('XINFO STREAM / FULL fields match except times', async () => {
    const setup: string[][] = [
      ...addMany('s', 1, 130),
      ['XDEL', 's', '2-1', '129-1'],
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XGROUP', 'CREATE', 's', 'a', '$'],
      ['XREADGROUP', 'GROUP', 'g', 'bob', 'COUNT', '3', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 's', '>'],
    ];
    const replies: string[][] = [];
    for (const port of [t.ports.redis, t.ports.cinder]) {
      const conn = await RawConnection.connect(port);
      try {
        await conn.command(['FLUSHALL']);
        for (const argv of setup) await conn.command(argv);
        const plain = flat(await conn.command(['XINFO', 'STREAM', 's']));
        const full = flat(await conn.command(['XINFO', 'STREAM', 's', 'FULL']));
        // Delivery and seen times differ by design.
        replies.push([...plain, '|', ...full.map((x) => (/^\d{13}$/.test(x) ? 'T' : x))]);
      } finally {
        conn.close();
      }
    }
    assert.deepEqual(replies[1], replies[0]);
  });
});

diffSuite('stream: random XADD/XDEL/XTRIM/XRANGE sequences (property)', (t) => {
  const key = fc.constantFrom('s', 's', 's', 't');
  const ms = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 2 ** 40 }));
  const id = fc.oneof(
    fc.tuple(ms, fc.integer({ min: 0, max: 3 })).map(([m, q]) => `${m}-${q}`),
    ms.map(String),
    ms.map((m) => `${m}-*`),
    fc.constantFrom('-', '+', `${U64}-${U64}`, '0-0', 'x'),
  );
  const bound = fc.oneof(id, id.map((x) => '(' + x));
  const fields = fc.array(fc.tuple(fc.constantFrom('a', 'b', 'f', ''), fc.string({ maxLength: 8 })), { minLength: 1, maxLength: 3 });
  const step = fc.oneof(
    fc.tuple(key, id, fields).map(([k, i, f]) => ['XADD', k, i, ...f.flat()]),
    fc.tuple(key, id, fields).map(([k, i, f]) => ['XADD', k, i, ...f.flat()]),
    fc.tuple(key, fc.integer({ min: 0, max: 20 }), fc.boolean(), id, fields).map(([k, n, approx, i, f]) => [
      'XADD', k, 'MAXLEN', approx ? '~' : '=', String(n), i, ...f.flat(),
    ]),
    fc.tuple(key, fc.array(id, { minLength: 1, maxLength: 3 })).map(([k, ids]) => ['XDEL', k, ...ids]),
    fc.tuple(key, fc.constantFrom('MAXLEN', 'MINID'), fc.constantFrom('', '~', '='), fc.integer({ min: 0, max: 30 })).map(([k, s, a, n]) =>
      a === '' ? ['XTRIM', k, s, String(n)] : ['XTRIM', k, s, a, String(n)],
    ),
    fc.tuple(key, bound, bound).map(([k, a, b]) => ['XRANGE', k, a, b]),
    fc.tuple(key, bound, bound, fc.integer({ min: -1, max: 5 })).map(([k, a, b, n]) => ['XREVRANGE', k, a, b, 'COUNT', String(n)]),
    key.map((k) => ['XLEN', k]),
    key.map((k) => ['XRANGE', k, '-', '+']),
    key.map((k) => ['XINFO', 'STREAM', k]),
  );
  it('replies match', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 30 }), fc.constantFrom<2 | 3>(2, 3), async (steps, resp) => {
        await runSteps(t.ports, steps, resp);
      }),
      { numRuns: 100, seed: Number(process.env.STREAM_SEED ?? 4242) },
    );
  });
  it('small nodes: approximate trimming matches with stream-node-max-entries 4', async () => {
    for (const port of [t.ports.redis, t.ports.cinder]) {
      const conn = await RawConnection.connect(port);
      await conn.command(['CONFIG', 'SET', 'stream-node-max-entries', '4']);
      conn.close();
    }
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 30 }), async (steps) => {
          await runSteps(t.ports, steps, 2);
        }),
        { numRuns: 60, seed: 99 },
      );
    } finally {
      for (const port of [t.ports.redis, t.ports.cinder]) {
        const conn = await RawConnection.connect(port);
        await conn.command(['CONFIG', 'SET', 'stream-node-max-entries', '100']);
        conn.close();
      }
    }
  });
});

/** Flattens a reply of bulk strings, integers and nested arrays into strings (nulls as "nil"). */
function flat(buf: Buffer): string[] {
  const out: string[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const cr = buf.indexOf('\r\n', pos);
    const type = String.fromCharCode(buf[pos]);
    const head = buf.latin1Slice(pos + 1, cr);
    pos = cr + 2;
    if (type === '$') {
      const len = Number(head);
      if (len < 0) {
        out.push('nil');
        continue;
      }
      out.push(buf.latin1Slice(pos, pos + len));
      pos += len + 2;
    } else if (type === ':') out.push(head);
    else if (type === '-') throw new Error(head);
  }
  return out;
}

diffSuite('stream: BLOCK argument handling', (t) => {
  t.case('BLOCK timeouts, errors, immediate answers', [
    ['XADD', 'a', '1-1', 'f', 'v'],
    ['XREAD', 'BLOCK', '10', 'STREAMS', 'a', '0'],
    ['XREAD', 'BLOCK', '10', 'STREAMS', 'a', '$'],
    ['XREAD', 'BLOCK', '10', 'STREAMS', 'nokey', '0'],
    ['XREAD', 'BLOCK', '-1', 'STREAMS', 'a', '0'],
    ['XREAD', 'BLOCK', 'x', 'STREAMS', 'a', '0'],
    ['XREAD', 'BLOCK', '1.5', 'STREAMS', 'a', '0'],
    ['XREAD', 'BLOCK', '9223372036854775807', 'STREAMS', 'a', '0'],
    ['XGROUP', 'CREATE', 'a', 'g', '$'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '10', 'STREAMS', 'a', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '10', 'STREAMS', 'a', '0'],
    ['MULTI'],
    ['XREAD', 'BLOCK', '0', 'STREAMS', 'a', '$'],
    ['EXEC'],
  ]);
});

scenarioSuite('stream: blocked XREAD / XREADGROUP woken by XADD', (t) => {
  t.scenario('XREAD BLOCK $ is served by the next XADD', async (s) => {
    const a = await s.client('reader');
    const b = await s.client('writer');
    await b.call(['XADD', 's', '1-1', 'f', 'v']);
    a.send(['XREAD', 'BLOCK', '0', 'STREAMS', 'other', 's', '$', '$']);
    await s.quiet();
    await b.call(['XADD', 's', '2-1', 'g', 'w']);
    await a.reply();
    await b.call(['XLEN', 's']);
  });
  t.scenario('XREAD BLOCK on a missing key is served when it is created (RESP3)', async (s) => {
    const a = await s.client('reader', { hello3: true });
    const b = await s.client('writer');
    a.send(['XREAD', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', 'n', '0']);
    await s.quiet();
    await b.call(['SET', 'x', '1']);
    await s.quiet();
    await b.call(['XADD', 'n', '5-1', 'f', 'v']);
    await a.reply();
  });
  t.scenario('XREADGROUP BLOCK > delivers and records pending entries', async (s) => {
    const a = await s.client('consumer');
    const b = await s.client('writer');
    await b.call(['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']);
    a.send(['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>']);
    await s.quiet();
    await b.call(['XADD', 's', '1-1', 'f', 'v']);
    await a.reply();
    await b.call(['XPENDING', 's', 'g']);
    a.send(['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>']);
    await s.quiet();
    await b.call(['XGROUP', 'DESTROY', 's', 'g']);
    await a.reply();
  });
  t.scenario('BLOCK times out with a null reply', async (s) => {
    const a = await s.client('reader');
    await a.call(['XREAD', 'BLOCK', '30', 'STREAMS', 's', '$']);
    await a.call(['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']);
    await a.call(['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '30', 'STREAMS', 's', '>']);
  });
});

diffSuite('stream: random consumer group sequences (property)', (t) => {
  const ms = fc.integer({ min: 1, max: 12 });
  const id = fc.oneof(ms.map((m) => `${m}-1`), ms.map(String), fc.constantFrom('0', '-', '+', 'x', `${U64}-${U64}`));
  const group = fc.constantFrom('g', 'g', 'h');
  const consumer = fc.constantFrom('alice', 'bob', 'carol');
  const count = fc.constantFrom([], ['COUNT', '1'], ['COUNT', '3']);
  const step: fc.Arbitrary<Step> = fc.oneof(
    ms.map((m): Step => ['XADD', 's', `${m}-1`, 'f', String(m)]),
    ms.map((m): Step => ['XADD', 's', `${m}-1`, 'f', String(m)]),
    fc.array(id, { minLength: 1, maxLength: 2 }).map((ids): Step => ['XDEL', 's', ...ids]),
    fc.tuple(group, fc.constantFrom('0', '$', '3-1')).map(([g, i]): Step => ['XGROUP', 'CREATE', 's', g, i, 'MKSTREAM']),
    fc.tuple(group, id).map(([g, i]): Step => ['XGROUP', 'SETID', 's', g, i]),
    group.map((g): Step => ['XGROUP', 'DESTROY', 's', g]),
    fc.tuple(group, consumer).map(([g, c]): Step => ['XGROUP', 'CREATECONSUMER', 's', g, c]),
    fc.tuple(group, consumer).map(([g, c]): Step => ['XGROUP', 'DELCONSUMER', 's', g, c]),
    fc.tuple(group, consumer, count, fc.boolean(), fc.constantFrom('>', '>', '0', '3-1')).map(([g, c, n, noack, from]): Step => [
      'XREADGROUP', 'GROUP', g, c, ...n, ...(noack ? ['NOACK'] : []), 'STREAMS', 's', from,
    ]),
    fc.tuple(group, fc.array(id, { minLength: 1, maxLength: 3 })).map(([g, ids]): Step => ['XACK', 's', g, ...ids]),
    group.map((g): Step => ['XPENDING', 's', g]),
    fc.tuple(group, consumer).map(([g, c]): Step => timed('XPENDING', 's', g, '-', '+', '10', c)),
    fc.tuple(group, consumer, fc.array(id, { minLength: 1, maxLength: 3 }), fc.constantFrom([], ['JUSTID'], ['FORCE'], ['RETRYCOUNT', '5'])).map(
      ([g, c, ids, opts]): Step => ['XCLAIM', 's', g, c, '0', ...ids, ...opts],
    ),
    fc.tuple(group, consumer, id, count, fc.boolean()).map(([g, c, start, n, justid]): Step => [
      'XAUTOCLAIM', 's', g, c, '0', start, ...n, ...(justid ? ['JUSTID'] : []),
    ]),
    fc.constant<Step>(['XINFO', 'GROUPS', 's']),
    group.map((g): Step => timed('XINFO', 'CONSUMERS', 's', g)),
    fc.integer({ min: 0, max: 5 }).map((n): Step => ['XTRIM', 's', 'MAXLEN', String(n)]),
    fc.constant<Step>(['XLEN', 's']),
  );
  it('replies match', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 30 }), fc.constantFrom<2 | 3>(2, 3), async (steps, resp) => {
        await runSteps(t.ports, steps, resp);
      }),
      { numRuns: 100, seed: Number(process.env.STREAM_SEED ?? 1234) },
    );
  });
  // Few IDs, one group: claims and re-deliveries hit pending entries often.
  const smallId = fc.integer({ min: 1, max: 6 }).map((m) => `${m}-1`);
  const focused: fc.Arbitrary<Step> = fc.oneof(
    fc.constant<Step>(['XGROUP', 'SETID', 's', 'g', '0']),
    fc.integer({ min: 7, max: 9 }).map((m): Step => ['XADD', 's', `${m}-1`, 'f', String(m)]),
    fc.tuple(consumer, count, fc.constantFrom('>', '>', '0')).map(([c, n, from]): Step => ['XREADGROUP', 'GROUP', 'g', c, ...n, 'STREAMS', 's', from]),
    fc.tuple(consumer, fc.array(smallId, { minLength: 1, maxLength: 3 }), fc.constantFrom([], [], ['JUSTID'], ['FORCE'], ['RETRYCOUNT', '5'])).map(
      ([c, ids, opts]): Step => ['XCLAIM', 's', 'g', c, '0', ...ids, ...opts],
    ),
    fc.tuple(consumer, count, fc.boolean()).map(([c, n, justid]): Step => ['XAUTOCLAIM', 's', 'g', c, '0', '0', ...n, ...(justid ? ['JUSTID'] : [])]),
    smallId.map((i): Step => ['XACK', 's', 'g', i]),
    smallId.map((i): Step => ['XDEL', 's', i]),
    fc.constant<Step>(['XINFO', 'STREAM', 's', 'FULL']),
  );
  it('delivery counts and PEL owners match (XINFO STREAM FULL with times masked)', async () => {
    const [r, c] = await Promise.all([RawConnection.connect(t.ports.redis), RawConnection.connect(t.ports.cinder)]);
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(focused, { minLength: 5, maxLength: 25, size: 'medium' }), async (steps) => {
          await Promise.all([r.command(['FLUSHALL']), c.command(['FLUSHALL'])]);
          const setup: Step[] = [['XGROUP', 'CREATE', 's', 'g', '0', 'MKSTREAM'], ...addMany('s', 1, 6)];
          for (const st of [...setup, ...steps, ['XINFO', 'STREAM', 's', 'FULL'] as Step]) {
            if (!Array.isArray(st)) continue;
            const [a, b] = await Promise.all([r.command(st), c.command(st)]);
            if (st[0] !== 'XINFO') continue;
            const mask = (x: Buffer) => x.latin1Slice().replace(/:\d{13}\r\n/g, ':T\r\n');
            assert.equal(mask(b), mask(a), JSON.stringify(steps));
          }
        }),
        { numRuns: 60, seed: Number(process.env.STREAM_SEED ?? 77) },
      );
    } finally {
      r.close();
      c.close();
    }
  });
});

/** Every frame received until the connection stays quiet for `quietMs`. */
async function drain(conn: RawConnection, quietMs = 80): Promise<string[]> {
  const frames: string[] = [];
  for (;;) {
    const frame = await conn.readReply(quietMs).then(
      (b) => b.latin1Slice(),
      () => null,
    );
    if (frame === null) return frames;
    frames.push(frame);
  }
}

scenarioSuite('stream: keyspace notifications', (t) => {
  t.scenario('stream events match Redis', async (s) => {
    const writer = await s.client('writer');
    const sub = await s.client('subscriber');
    await writer.call(['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']);
    try {
      await sub.call(['PSUBSCRIBE', '__key*__:*']);
      const commands: string[][] = [
        ['XADD', 's', '1-1', 'f', 'v'],
        ['XADD', 's', '2-1', 'f', 'v'],
        ['XADD', 's', 'MAXLEN', '1', '3-1', 'f', 'v'],
        ['XADD', 's', 'MAXLEN', '5', '4-1', 'f', 'v'],
        ['XDEL', 's', '3-1', '9-9'],
        ['XDEL', 's', '9-9'],
        ['XTRIM', 's', 'MAXLEN', '5'],
        ['XADD', 's', '5-1', 'f', 'v'],
        ['XTRIM', 's', 'MAXLEN', '0'],
        ['XSETID', 's', '10-0'],
        ['XGROUP', 'CREATE', 's', 'g', '0'],
        ['XGROUP', 'CREATE', 'm', 'g', '$', 'MKSTREAM'],
        ['XGROUP', 'SETID', 's', 'g', '0'],
        ['XGROUP', 'CREATECONSUMER', 's', 'g', 'c1'],
        ['XGROUP', 'CREATECONSUMER', 's', 'g', 'c1'],
        ['XADD', 's', '11-1', 'f', 'v'],
        ['XREADGROUP', 'GROUP', 'g', 'c2', 'STREAMS', 's', '>'],
        ['XCLAIM', 's', 'g', 'c3', '0', '11-1', 'JUSTID'],
        ['XAUTOCLAIM', 's', 'g', 'c4', '0', '0', 'JUSTID'],
        ['XACK', 's', 'g', '11-1'],
        ['XGROUP', 'DELCONSUMER', 's', 'g', 'c1'],
        ['XGROUP', 'DESTROY', 's', 'g'],
        ['XGROUP', 'DESTROY', 's', 'g'],
      ];
      for (const cmd of commands) await writer.call(cmd);
      const [expected, actual] = await Promise.all([drain(sub.redis), drain(sub.cinder)]);
      assert.deepEqual(actual, expected);
    } finally {
      await writer.call(['CONFIG', 'SET', 'notify-keyspace-events', '']);
    }
  });
});
