import { it } from 'node:test';
import fc from 'fast-check';
import { diffSuite, runSteps, type Step } from '../helpers/differential.js';

/** RPUSH key e0 e1 ... with `n` elements. */
function rpushMany(key: string, n: number, element = (i: number) => `e${i}`): string[] {
  const argv = ['RPUSH', key];
  for (let i = 0; i < n; i++) argv.push(element(i));
  return argv;
}

const BIG = 'b'.repeat(200);
const HUGE = 'h'.repeat(9000);
const LONG_MIN = '-9223372036854775808';
const LONG_MAX = '9223372036854775807';

diffSuite('list: push, pop, length', (t) => {
  t.case('LPUSH/RPUSH return the length and keep order', [
    ['LPUSH', 'l', 'a'],
    ['LPUSH', 'l', 'b', 'c'],
    ['RPUSH', 'l', 'x', 'y'],
    ['LRANGE', 'l', '0', '-1'],
    ['LLEN', 'l'],
    ['TYPE', 'l'],
    ['OBJECT', 'ENCODING', 'l'],
  ]);
  t.case('LPUSHX/RPUSHX only on existing lists', [
    ['LPUSHX', 'l', 'a'],
    ['RPUSHX', 'l', 'a', 'b'],
    ['EXISTS', 'l'],
    ['RPUSH', 'l', 'm'],
    ['LPUSHX', 'l', 'a', 'b'],
    ['RPUSHX', 'l', 'y', 'z'],
    ['LRANGE', 'l', '0', '-1'],
  ]);
  t.case('LPOP/RPOP single', [
    ['RPUSH', 'l', 'a', 'b', 'c'],
    ['LPOP', 'l'],
    ['RPOP', 'l'],
    ['LLEN', 'l'],
    ['LPOP', 'l'],
    ['EXISTS', 'l'],
    ['LPOP', 'l'],
    ['RPOP', 'nokey'],
  ]);
  t.case('LPOP/RPOP with count', [
    ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e'],
    ['LPOP', 'l', '2'],
    ['RPOP', 'l', '2'],
    ['LPOP', 'l', '0'],
    ['RPOP', 'l', '10'],
    ['EXISTS', 'l'],
    ['LPOP', 'nokey', '0'],
    ['LPOP', 'nokey', '3'],
    ['RPOP', 'nokey', '1'],
    ['RPUSH', 'l', 'a'],
    ['LPOP', 'l', '-1'],
    ['LPOP', 'l', 'x'],
    ['RPOP', 'l', '1.5'],
    ['LPOP', 'l', LONG_MAX],
    ['RPOP', 'nokey', '-1'],
  ]);
  t.case('LPOP/RPOP arity', [
    ['RPUSH', 'l', 'a'],
    ['LPOP', 'l', '1', '2'],
    ['RPOP', 'l', '1', '2'],
    ['LPOP'],
    ['RPOP'],
    ['LPUSH', 'l'],
    ['RPUSH', 'l'],
    ['LPUSHX', 'l'],
    ['RPUSHX', 'l'],
    ['LLEN'],
    ['LLEN', 'a', 'b'],
  ]);
  t.case('LLEN of missing and non-list keys', [['LLEN', 'nokey'], ['SET', 's', 'v'], ['LLEN', 's']]);
  t.case('WRONGTYPE for every command', [
    ['SET', 's', 'v'],
    ['RPUSH', 'l', 'a'],
    ['LPUSH', 's', 'a'],
    ['RPUSH', 's', 'a'],
    ['LPUSHX', 's', 'a'],
    ['RPUSHX', 's', 'a'],
    ['LPOP', 's'],
    ['RPOP', 's', '2'],
    ['LPOP', 's', 'x'],
    ['LRANGE', 's', '0', '-1'],
    ['LRANGE', 's', 'x', '1'],
    ['LINDEX', 's', '0'],
    ['LINDEX', 's', 'x'],
    ['LSET', 's', '0', 'x'],
    ['LSET', 's', 'x', 'x'],
    ['LINSERT', 's', 'BEFORE', 'a', 'b'],
    ['LREM', 's', '0', 'a'],
    ['LTRIM', 's', '0', '1'],
    ['LPOS', 's', 'a'],
    ['LMOVE', 's', 'l', 'LEFT', 'LEFT'],
    ['LMOVE', 'l', 's', 'LEFT', 'LEFT'],
    ['RPOPLPUSH', 's', 'l'],
    ['RPOPLPUSH', 'l', 's'],
    ['LMPOP', '1', 's', 'LEFT'],
    ['LMPOP', '2', 'nokey', 's', 'LEFT'],
    ['LMPOP', '2', 'l', 's', 'LEFT'],
    ['LRANGE', 'l', '0', '-1'],
    ['GET', 's'],
  ]);
  t.case('integer-looking elements keep their exact text', [
    ['RPUSH', 'l', '0', '-1', '007', '-0', '+5', '1e3', '300', '-32769', '99999999999999', '999999999999999', '9223372036854775807', ' 1'],
    ['LRANGE', 'l', '0', '-1'],
    ['LPOS', 'l', '300'],
    ['LPOS', 'l', '0300'],
    ['LPOS', 'l', '-0'],
    ['LREM', 'l', '0', '007'],
    ['LINSERT', 'l', 'AFTER', '-32769', '12'],
    ['LSET', 'l', '0', '123456789'],
    ['LSET', 'l', '1', 'text'],
    ['LRANGE', 'l', '0', '-1'],
    ['RPOP', 'l', '3'],
    ['LPOP', 'l', '3'],
  ]);
  t.case('binary, empty and CRLF elements', [
    ['RPUSH', 'l', '', 'bin\x00\xff', '\r\n', '\x80\x81\xfe', ''],
    ['LRANGE', 'l', '0', '-1'],
    ['LINDEX', 'l', '1'],
    ['LPOS', 'l', ''],
    ['LPOS', 'l', '', 'COUNT', '0'],
    ['LREM', 'l', '0', ''],
    ['LRANGE', 'l', '0', '-1'],
    ['LPOP', 'l'],
    ['RPOP', 'l'],
  ]);
  t.case('large elements (own nodes) mixed with small ones', [
    ['RPUSH', 'l', 'a', BIG, 'b', HUGE, 'c'],
    ['LPUSH', 'l', HUGE, BIG],
    ['LLEN', 'l'],
    ['LRANGE', 'l', '0', '-1'],
    ['LINDEX', 'l', '-3'],
    ['LINDEX', 'l', '3'],
    ['LPOS', 'l', HUGE, 'COUNT', '0'],
    ['LSET', 'l', '2', 'small'],
    ['LSET', 'l', '0', BIG],
    ['LRANGE', 'l', '0', '-1'],
    ['LREM', 'l', '0', HUGE],
    ['LRANGE', 'l', '0', '-1'],
    ['RPOP', 'l', '3'],
    ['LPOP', 'l', '3'],
    ['EXISTS', 'l'],
  ]);
  t.case('many elements across many nodes', [
    rpushMany('l', 3000),
    ['LLEN', 'l'],
    ['LINDEX', 'l', '0'],
    ['LINDEX', 'l', '1500'],
    ['LINDEX', 'l', '-1'],
    ['LINDEX', 'l', '-2999'],
    ['LINDEX', 'l', '2999'],
    ['LINDEX', 'l', '3000'],
    ['LRANGE', 'l', '1000', '1100'],
    ['LRANGE', 'l', '-120', '-1'],
    ['LPOP', 'l', '1200'],
    ['RPOP', 'l', '1200'],
    ['LRANGE', 'l', '0', '-1'],
    ['OBJECT', 'ENCODING', 'l'],
  ]);
  t.case('LRANGE replies larger than the assembly buffer', [
    rpushMany('l', 2500, (i) => `${i}:${'p'.repeat(40)}`),
    ['RPUSH', 'l', 'g'.repeat(70000), 'after-giant', '12345'],
    ['LPUSH', 'l', 'q'.repeat(65530)],
    ['LRANGE', 'l', '0', '-1'],
    ['LRANGE', 'l', '-4', '-1'],
    ['LRANGE', 'l', '0', '0'],
  ]);
  t.case('mixed LPUSH/RPUSH/LPOP/RPOP at both ends', [
    rpushMany('l', 500, (i) => `r${i}`),
    ['LPUSH', 'l', ...Array.from({ length: 500 }, (_, i) => `l${i}-${'x'.repeat(i % 40)}`)],
    ['LRANGE', 'l', '495', '505'],
    ['RPOP', 'l', '600'],
    ['LRANGE', 'l', '0', '10'],
    ['LPOP', 'l', '390'],
    ['LRANGE', 'l', '0', '-1'],
  ]);
});

diffSuite('list: LRANGE, LINDEX, LSET', (t) => {
  t.case('LRANGE index clamping', [
    ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e'],
    ['LRANGE', 'l', '0', '0'],
    ['LRANGE', 'l', '1', '3'],
    ['LRANGE', 'l', '-3', '-1'],
    ['LRANGE', 'l', '-100', '100'],
    ['LRANGE', 'l', '3', '1'],
    ['LRANGE', 'l', '5', '10'],
    ['LRANGE', 'l', '-1', '-2'],
    ['LRANGE', 'l', '2', '-1'],
    ['LRANGE', 'l', LONG_MIN, LONG_MAX],
    ['LRANGE', 'l', LONG_MAX, LONG_MAX],
    ['LRANGE', 'l', '0', '-6'],
    ['LRANGE', 'l', '0', '-5'],
    ['LRANGE', 'nokey', '0', '-1'],
  ]);
  t.case('LRANGE errors', [
    ['RPUSH', 'l', 'a'],
    ['LRANGE', 'l', 'x', '1'],
    ['LRANGE', 'l', '0', 'y'],
    ['LRANGE', 'l', '1.0', '2'],
    ['LRANGE', 'l', '9223372036854775808', '1'],
    ['LRANGE', 'nokey', 'x', '1'],
    ['LRANGE', 'l', '0'],
    ['LRANGE', 'l', '0', '1', '2'],
  ]);
  t.case('LINDEX', [
    ['RPUSH', 'l', 'a', 'b', 'c'],
    ['LINDEX', 'l', '0'],
    ['LINDEX', 'l', '2'],
    ['LINDEX', 'l', '3'],
    ['LINDEX', 'l', '-1'],
    ['LINDEX', 'l', '-3'],
    ['LINDEX', 'l', '-4'],
    ['LINDEX', 'l', LONG_MIN],
    ['LINDEX', 'l', 'x'],
    ['LINDEX', 'nokey', '0'],
    ['LINDEX', 'nokey', 'x'],
    ['LINDEX', 'l'],
  ]);
  t.case('LSET', [
    ['RPUSH', 'l', 'a', 'b', 'c'],
    ['LSET', 'l', '0', 'A'],
    ['LSET', 'l', '-1', 'CCC'],
    ['LSET', 'l', '1', ''],
    ['LRANGE', 'l', '0', '-1'],
    ['LSET', 'l', '3', 'x'],
    ['LSET', 'l', '-4', 'x'],
    ['LSET', 'l', 'x', 'x'],
    ['LSET', 'nokey', '0', 'x'],
    ['LSET', 'nokey', 'x', 'x'],
    ['LSET', 'l', '1', BIG],
    ['LSET', 'l', '1', HUGE],
    ['LRANGE', 'l', '0', '-1'],
    ['LSET', 'l', '0'],
  ]);
  t.case('LSET in the middle of a long list', [
    rpushMany('l', 2500),
    ['LSET', 'l', '1234', 'replaced-with-a-longer-value'],
    ['LSET', 'l', '-1000', 'x'],
    ['LSET', 'l', '2000', 'e2000'],
    ['LRANGE', 'l', '1230', '1240'],
    ['LRANGE', 'l', '1495', '1505'],
    ['LINDEX', 'l', '1234'],
    ['LLEN', 'l'],
  ]);
});

diffSuite('list: LINSERT, LREM, LTRIM', (t) => {
  t.case('LINSERT', [
    ['RPUSH', 'l', 'a', 'b', 'c', 'b'],
    ['LINSERT', 'l', 'BEFORE', 'b', 'x'],
    ['LINSERT', 'l', 'after', 'b', 'y'],
    ['LINSERT', 'l', 'AFTER', 'c', 'z'],
    ['LINSERT', 'l', 'Before', 'a', 'first'],
    ['LINSERT', 'l', 'AFTER', 'nope', 'w'],
    ['LRANGE', 'l', '0', '-1'],
    ['LINSERT', 'nokey', 'BEFORE', 'a', 'b'],
    ['EXISTS', 'nokey'],
    ['LINSERT', 'l', 'MIDDLE', 'a', 'b'],
    ['LINSERT', 'nokey', 'MIDDLE', 'a', 'b'],
    ['LINSERT', 'l', 'BEFORE', 'a'],
    ['LINSERT', 'l', 'BEFORE', 'first', HUGE],
    ['LRANGE', 'l', '0', '1'],
  ]);
  t.case('LINSERT into a full node (split)', [
    rpushMany('l', 3000),
    ['LINSERT', 'l', 'BEFORE', 'e1000', 'new1'],
    ['LINSERT', 'l', 'AFTER', 'e1000', 'new2'],
    ['LINSERT', 'l', 'AFTER', 'e2999', 'last'],
    ['LINSERT', 'l', 'BEFORE', 'e0', 'head'],
    ['LRANGE', 'l', '998', '1004'],
    ['LRANGE', 'l', '-3', '-1'],
    ['LINDEX', 'l', '0'],
    ['LLEN', 'l'],
    ['LPOS', 'l', 'new2'],
  ]);
  t.case('LREM from the head, the tail, all', [
    ['RPUSH', 'l', 'a', 'b', 'a', 'c', 'a', 'b', 'a'],
    ['LREM', 'l', '2', 'a'],
    ['LRANGE', 'l', '0', '-1'],
    ['LREM', 'l', '-1', 'b'],
    ['LRANGE', 'l', '0', '-1'],
    ['LREM', 'l', '0', 'a'],
    ['LRANGE', 'l', '0', '-1'],
    ['LREM', 'l', '0', 'nope'],
    ['LREM', 'l', '0', 'b'],
    ['LREM', 'l', '0', 'c'],
    ['EXISTS', 'l'],
    ['LREM', 'nokey', '0', 'a'],
    ['LREM', 'l', 'x', 'a'],
    ['LREM', 'nokey', 'x', 'a'],
    ['LREM', 'l', '0'],
  ]);
  t.case('LREM across nodes with limits', [
    rpushMany('l', 3000, (i) => (i % 3 === 0 ? 'x' : `e${i}`)),
    ['LREM', 'l', '5', 'x'],
    ['LREM', 'l', '-5', 'x'],
    ['LRANGE', 'l', '0', '20'],
    ['LRANGE', 'l', '-20', '-1'],
    ['LREM', 'l', LONG_MIN, 'x'],
    ['LLEN', 'l'],
    ['LINDEX', 'l', '1500'],
    ['RPUSH', 'l', 'tail'],
    ['LPUSH', 'l', 'head'],
    ['LRANGE', 'l', '0', '3'],
    ['LRANGE', 'l', '-3', '-1'],
  ]);
  t.case('LTRIM', [
    ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e', 'f'],
    ['LTRIM', 'l', '1', '-2'],
    ['LRANGE', 'l', '0', '-1'],
    ['LTRIM', 'l', '-100', '100'],
    ['LRANGE', 'l', '0', '-1'],
    ['LTRIM', 'l', '1', '1'],
    ['LRANGE', 'l', '0', '-1'],
    ['LTRIM', 'l', '2', '1'],
    ['EXISTS', 'l'],
    ['LTRIM', 'nokey', '0', '1'],
    ['RPUSH', 'l', 'a', 'b'],
    ['LTRIM', 'l', '5', '10'],
    ['EXISTS', 'l'],
    ['LTRIM', 'l', 'x', '1'],
    ['LTRIM', 'nokey', '0', 'y'],
    ['LTRIM', 'l', '0'],
  ]);
  t.case('LTRIM across nodes', [
    rpushMany('l', 3000),
    ['LTRIM', 'l', '1000', '-1001'],
    ['LLEN', 'l'],
    ['LRANGE', 'l', '0', '2'],
    ['LRANGE', 'l', '-2', '-1'],
    ['LTRIM', 'l', '10', '10'],
    ['LRANGE', 'l', '0', '-1'],
  ]);
});

diffSuite('list: LPOS', (t) => {
  t.case('LPOS basic and RANK', [
    ['RPUSH', 'l', 'a', 'b', 'c', 'a', 'b', 'a'],
    ['LPOS', 'l', 'a'],
    ['LPOS', 'l', 'b'],
    ['LPOS', 'l', 'z'],
    ['LPOS', 'l', 'a', 'RANK', '2'],
    ['LPOS', 'l', 'a', 'RANK', '3'],
    ['LPOS', 'l', 'a', 'RANK', '4'],
    ['LPOS', 'l', 'a', 'RANK', '-1'],
    ['LPOS', 'l', 'a', 'RANK', '-3'],
    ['LPOS', 'l', 'a', 'RANK', '-4'],
    ['LPOS', 'l', 'a', 'RANK', LONG_MAX],
    ['LPOS', 'l', 'a', 'RANK', '-9223372036854775807'],
    ['LPOS', 'l', 'a', 'RANK', LONG_MIN],
    ['LPOS', 'nokey', 'a'],
    ['LPOS', 'nokey', 'a', 'RANK', '2'],
  ]);
  t.case('LPOS COUNT and MAXLEN', [
    ['RPUSH', 'l', 'a', 'b', 'c', 'a', 'b', 'a'],
    ['LPOS', 'l', 'a', 'COUNT', '0'],
    ['LPOS', 'l', 'a', 'COUNT', '2'],
    ['LPOS', 'l', 'a', 'COUNT', '10'],
    ['LPOS', 'l', 'a', 'COUNT', '1'],
    ['LPOS', 'l', 'z', 'COUNT', '1'],
    ['LPOS', 'l', 'a', 'RANK', '2', 'COUNT', '0'],
    ['LPOS', 'l', 'a', 'RANK', '-1', 'COUNT', '2'],
    ['LPOS', 'l', 'a', 'RANK', '-2', 'COUNT', '0'],
    ['LPOS', 'l', 'a', 'MAXLEN', '3'],
    ['LPOS', 'l', 'a', 'MAXLEN', '3', 'COUNT', '0'],
    ['LPOS', 'l', 'a', 'MAXLEN', '1', 'RANK', '-1', 'COUNT', '0'],
    ['LPOS', 'l', 'a', 'MAXLEN', '0', 'COUNT', '0'],
    ['LPOS', 'l', 'b', 'RANK', '2', 'MAXLEN', '4'],
    ['LPOS', 'l', 'a', 'RANK', LONG_MIN, 'COUNT', '1'],
    ['LPOS', 'l', 'a', 'RANK', LONG_MIN, 'COUNT', '2', 'MAXLEN', '2'],
    ['LPOS', 'l', 'a', 'RANK', LONG_MIN, 'COUNT', '0'],
    ['LPOS', 'nokey', 'a', 'COUNT', '0'],
    ['LPOS', 'nokey', 'a', 'COUNT', '3'],
    ['LPOS', 'l', 'a', 'count', '1', 'rank', '1', 'maxlen', '0'],
    ['LPOS', 'l', 'a', 'COUNT', '1', 'COUNT', '0'],
  ]);
  t.case('LPOS errors', [
    ['RPUSH', 'l', 'a'],
    ['LPOS', 'l', 'a', 'RANK', '0'],
    ['LPOS', 'l', 'a', 'RANK', 'x'],
    ['LPOS', 'l', 'a', 'RANK', '1', 'RANK', '0'],
    ['LPOS', 'l', 'a', 'COUNT', '-1'],
    ['LPOS', 'l', 'a', 'COUNT', 'x'],
    ['LPOS', 'l', 'a', 'MAXLEN', '-1'],
    ['LPOS', 'l', 'a', 'MAXLEN', 'x'],
    ['LPOS', 'l', 'a', 'FOO'],
    ['LPOS', 'l', 'a', 'COUNT'],
    ['LPOS', 'l', 'a', 'RANK'],
    ['LPOS', 'nokey', 'a', 'RANK', '0'],
    ['LPOS', 'nokey', 'a', 'FOO', '1'],
    ['LPOS', 'l'],
  ]);
  t.case('LPOS across nodes', [
    rpushMany('l', 3000, (i) => (i % 700 === 0 ? 'needle' : `e${i}`)),
    ['LPOS', 'l', 'needle', 'COUNT', '0'],
    ['LPOS', 'l', 'needle', 'RANK', '-2'],
    ['LPOS', 'l', 'needle', 'RANK', '-1', 'COUNT', '0', 'MAXLEN', '1000'],
    ['LPOS', 'l', 'e2999'],
    ['LPOS', 'l', 'e1', 'RANK', '-1'],
  ]);
});

diffSuite('list: LMOVE, RPOPLPUSH, LMPOP', (t) => {
  t.case('LMOVE every direction', [
    ['RPUSH', 'src', 'a', 'b', 'c', 'd'],
    ['LMOVE', 'src', 'dst', 'LEFT', 'LEFT'],
    ['LMOVE', 'src', 'dst', 'LEFT', 'RIGHT'],
    ['LMOVE', 'src', 'dst', 'right', 'left'],
    ['LMOVE', 'src', 'dst', 'Right', 'Right'],
    ['EXISTS', 'src'],
    ['LRANGE', 'dst', '0', '-1'],
    ['LMOVE', 'src', 'dst', 'LEFT', 'LEFT'],
    ['LMOVE', 'nokey', 'dst', 'LEFT', 'LEFT'],
    ['LRANGE', 'dst', '0', '-1'],
  ]);
  t.case('LMOVE on the same key rotates', [
    ['RPUSH', 'l', 'a', 'b', 'c'],
    ['LMOVE', 'l', 'l', 'LEFT', 'RIGHT'],
    ['LRANGE', 'l', '0', '-1'],
    ['LMOVE', 'l', 'l', 'RIGHT', 'LEFT'],
    ['LMOVE', 'l', 'l', 'RIGHT', 'LEFT'],
    ['LRANGE', 'l', '0', '-1'],
    ['LMOVE', 'l', 'l', 'LEFT', 'LEFT'],
    ['LRANGE', 'l', '0', '-1'],
    ['DEL', 'l'],
    ['RPUSH', 'l', 'only'],
    ['LMOVE', 'l', 'l', 'LEFT', 'RIGHT'],
    ['RPOPLPUSH', 'l', 'l'],
    ['LRANGE', 'l', '0', '-1'],
  ]);
  t.case('LMOVE errors', [
    ['RPUSH', 'l', 'a'],
    ['LMOVE', 'l', 'd', 'UP', 'LEFT'],
    ['LMOVE', 'l', 'd', 'LEFT', 'DOWN'],
    ['LMOVE', 'nokey', 'd', 'UP', 'LEFT'],
    ['LMOVE', 'l', 'd', 'LEFT'],
    ['SET', 's', 'v'],
    ['LMOVE', 'l', 's', 'LEFT', 'LEFT'],
    ['LMOVE', 'nokey', 's', 'LEFT', 'LEFT'],
    ['LRANGE', 'l', '0', '-1'],
  ]);
  t.case('RPOPLPUSH', [
    ['RPUSH', 'src', 'a', 'b', 'c'],
    ['RPOPLPUSH', 'src', 'dst'],
    ['RPOPLPUSH', 'src', 'dst'],
    ['RPOPLPUSH', 'src', 'dst'],
    ['RPOPLPUSH', 'src', 'dst'],
    ['LRANGE', 'dst', '0', '-1'],
    ['EXISTS', 'src'],
    ['RPOPLPUSH', 'src'],
  ]);
  t.case('LMPOP', [
    ['RPUSH', 'b', 'b1', 'b2', 'b3'],
    ['RPUSH', 'c', 'c1'],
    ['LMPOP', '3', 'a', 'b', 'c', 'LEFT'],
    ['LMPOP', '3', 'a', 'b', 'c', 'RIGHT', 'COUNT', '10'],
    ['LMPOP', '3', 'a', 'b', 'c', 'right', 'count', '1'],
    ['LMPOP', '3', 'a', 'b', 'c', 'LEFT'],
    ['LMPOP', '1', 'c', 'LEFT'],
    ['EXISTS', 'b', 'c'],
    ['RPUSH', 'a', 'x', 'y', 'z'],
    ['LMPOP', '1', 'a', 'LEFT', 'COUNT', '2'],
    ['LMPOP', '1', 'a', 'LEFT', 'COUNT', LONG_MAX],
  ]);
  t.case('LMPOP errors', [
    ['RPUSH', 'l', 'a', 'b'],
    ['LMPOP', '0', 'l', 'LEFT'],
    ['LMPOP', '-1', 'l', 'LEFT'],
    ['LMPOP', 'x', 'l', 'LEFT'],
    ['LMPOP', '2', 'l', 'LEFT'],
    ['LMPOP', '99999999999', 'l', 'LEFT'],
    ['LMPOP', '1', 'l', 'MIDDLE'],
    ['LMPOP', '1', 'l', 'LEFT', 'COUNT', '0'],
    ['LMPOP', '1', 'l', 'LEFT', 'COUNT', '-1'],
    ['LMPOP', '1', 'l', 'LEFT', 'COUNT', 'x'],
    ['LMPOP', '1', 'l', 'LEFT', 'COUNT'],
    ['LMPOP', '1', 'l', 'LEFT', 'FOO', '1'],
    ['LMPOP', '1', 'l', 'LEFT', 'COUNT', '1', 'COUNT', '2'],
    ['LMPOP', '1', 'l'],
    ['LMPOP', '1'],
    ['LRANGE', 'l', '0', '-1'],
  ]);
});

diffSuite('list: COPY, DUMP-free introspection, COMMAND', (t) => {
  t.case('COPY makes an independent list', [
    rpushMany('l', 1000),
    ['COPY', 'l', 'copy'],
    ['RPOP', 'l', '500'],
    ['LLEN', 'copy'],
    ['LRANGE', 'copy', '495', '505'],
    ['LSET', 'copy', '0', 'changed'],
    ['LINDEX', 'l', '0'],
    ['TYPE', 'copy'],
    ['OBJECT', 'ENCODING', 'copy'],
  ]);
  t.case('COMMAND INFO and GETKEYS', [
    ['COMMAND', 'INFO', 'lpush', 'lpop', 'llen', 'lrange', 'lindex', 'lset', 'linsert', 'lrem', 'ltrim', 'lpos'],
    ['COMMAND', 'INFO', 'lmove', 'rpoplpush', 'lmpop', 'rpush', 'rpushx', 'lpushx', 'rpop'],
    ['COMMAND', 'GETKEYS', 'LMPOP', '2', 'a', 'b', 'LEFT'],
    ['COMMAND', 'GETKEYS', 'LMOVE', 'a', 'b', 'LEFT', 'RIGHT'],
  ]);
  t.case('SCAN TYPE list', [
    ['RPUSH', 'l', 'a'],
    ['SET', 's', 'v'],
    ['SCAN', '0', 'TYPE', 'list'],
  ]);
});

diffSuite('list: random command sequences against redis-server (property)', (t) => {
  const element = fc.oneof(
    fc.constantFrom('a', 'b', 'c', '', 'x\x00y', '1', '-1', '0', '-0', '007', '300', '-32768', '99999999999999', '999999999999999'),
    fc.string({ maxLength: 12, unit: 'binary-ascii' }),
    fc.constantFrom('long-' + 'y'.repeat(150), 'huge-' + 'z'.repeat(9000)),
  );
  const elements = fc.array(element, { minLength: 1, maxLength: 40 });
  const index = fc.oneof(fc.integer({ min: -60, max: 60 }), fc.constantFrom(LONG_MIN, LONG_MAX, 'x')).map(String);
  const small = fc.integer({ min: -5, max: 60 }).map(String);
  const key = fc.constantFrom('l', 'l', 'l', 'm', 's');
  const end = fc.constantFrom('LEFT', 'RIGHT');
  const step = fc.oneof(
    fc.tuple(key, elements).map(([k, es]) => ['RPUSH', k, ...es]),
    fc.tuple(key, elements).map(([k, es]) => ['LPUSH', k, ...es]),
    fc.tuple(key, elements, fc.constantFrom('LPUSHX', 'RPUSHX')).map(([k, es, cmd]) => [cmd, k, ...es]),
    fc.tuple(key, fc.constantFrom('LPOP', 'RPOP')).map(([k, cmd]) => [cmd, k]),
    fc.tuple(key, fc.constantFrom('LPOP', 'RPOP'), small).map(([k, cmd, n]) => [cmd, k, n]),
    fc.tuple(key, index, index).map(([k, a, b]) => ['LRANGE', k, a, b]),
    fc.tuple(key, index).map(([k, i]) => ['LINDEX', k, i]),
    fc.tuple(key, index, element).map(([k, i, e]) => ['LSET', k, i, e]),
    fc.tuple(key, fc.constantFrom('BEFORE', 'AFTER'), element, element).map(([k, w, p, e]) => ['LINSERT', k, w, p, e]),
    fc.tuple(key, fc.integer({ min: -3, max: 3 }).map(String), element).map(([k, n, e]) => ['LREM', k, n, e]),
    fc.tuple(key, index, index).map(([k, a, b]) => ['LTRIM', k, a, b]),
    fc.tuple(key, element, fc.constantFrom('1', '-1', '2', '-2'), fc.constantFrom('0', '1', '3'), fc.constantFrom('0', '5')).map(
      ([k, e, r, c, m]) => ['LPOS', k, e, 'RANK', r, 'COUNT', c, 'MAXLEN', m],
    ),
    fc.tuple(key, key, end, end).map(([a, b, f, w]) => ['LMOVE', a, b, f, w]),
    fc.tuple(key, key).map(([a, b]) => ['RPOPLPUSH', a, b]),
    fc.tuple(key, key, end, small).map(([a, b, w, n]) => ['LMPOP', '2', a, b, w, 'COUNT', n]),
    key.map((k) => ['LLEN', k]),
    key.map((k) => ['LRANGE', k, '0', '-1']),
    fc.constant(['SET', 's', 'string'] as string[]),
  );
  it('every list command, replies match', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 30 }), fc.constantFrom<2 | 3>(2, 3), async (steps, resp) => {
        const withFinal: Step[] = [...steps, ['LRANGE', 'l', '0', '-1'], ['LRANGE', 'm', '0', '-1']];
        await runSteps(t.ports, withFinal, resp);
      }),
      { numRuns: 100, seed: 4242 },
    );
  });
  it('long push/pop sequences keep node boundaries right', async () => {
    const bulk = fc.tuple(
      fc.constantFrom('RPUSH', 'LPUSH'),
      fc.integer({ min: 1, max: 400 }),
      fc.integer({ min: 0, max: 300 }),
    ).map(([cmd, n, size]) => [cmd, 'l', ...Array.from({ length: n }, (_, i) => String(i).padEnd(size % 120, '.'))]);
    const op = fc.oneof(
      bulk,
      fc.tuple(fc.constantFrom('LPOP', 'RPOP'), fc.integer({ min: 1, max: 500 })).map(([cmd, n]) => [cmd, 'l', String(n)]),
      fc.tuple(fc.integer({ min: -800, max: 800 }), fc.integer({ min: -800, max: 800 })).map(([a, b]) => ['LRANGE', 'l', String(a), String(b)]),
      fc.integer({ min: -800, max: 800 }).map((i) => ['LINDEX', 'l', String(i)]),
      fc.tuple(fc.integer({ min: -800, max: 800 }), fc.integer({ min: -800, max: 800 })).map(([a, b]) => ['LTRIM', 'l', String(a), String(b)]),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 20 }), async (steps) => {
        await runSteps(t.ports, [...steps, ['LLEN', 'l'], ['LRANGE', 'l', '0', '-1']], 2);
      }),
      { numRuns: 60, seed: 99 },
    );
  });
});
