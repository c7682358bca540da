import { withDocs, type CommandSpec, type KeySpec, firstKey, arg } from '../server/command-spec.js';
import { keyWritten, EVENT } from '../server/notify.js';
import { propagating, rewriteCommand } from '../server/propagate.js';
import { afterRemoval } from './collection.js';
import { isOption } from './args.js';
import type { Client } from '../server/client.js';
import { CommandError, Errors } from '../protocol/errors.js';
import { parseInteger } from '../util/number.js';
import { createList, encodedSize, ListValue } from '../engine/types/list.js';
import { RespWriter } from '../protocol/resp-writer.js';

/**
 * The LIST command group (t_list.c), non-blocking part: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN
 * LRANGE LINDEX LSET LINSERT LREM LTRIM LPOS LMOVE RPOPLPUSH LMPOP. Handlers only call the list
 * type API (src/engine/types/list.ts). The blocking variants build on readList/writeList/
 * pushToList/popToReply exported here.
 */

/** getPositiveLongFromObjectOrReply's default message (also for non-integers). */
const MUST_BE_POSITIVE = 'ERR value is out of range, must be positive';
const RANK_ZERO =
  "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";
const COUNT_NEGATIVE = "ERR COUNT can't be negative";
const MAXLEN_NEGATIVE = "ERR MAXLEN can't be negative";
const NUMKEYS_NOT_POSITIVE = 'ERR numkeys should be greater than 0';
const COUNT_NOT_POSITIVE = 'ERR count should be greater than 0';
const LONG_MIN = -9223372036854775808n;

export type ListEnd = 'left' | 'right';

// ---------------------------------------------------------------- helpers

/** A list for reading, undefined when absent; WRONGTYPE for other types. */
export function readList(c: Client, key: string): ListValue | undefined {
  const v = c.db.lookupRead(key);
  if (v === undefined || v instanceof ListValue) return v;
  throw new CommandError(Errors.wrongType);
}

/** A list for writing, undefined when absent; WRONGTYPE for other types. */
export function writeList(c: Client, key: string): ListValue | undefined {
  const v = c.db.lookupWrite(key);
  if (v === undefined || v instanceof ListValue) return v;
  throw new CommandError(Errors.wrongType);
}

/**
 * Pushes `value` at one end of the list at `key`, creating the key (through c.db.set, after the
 * element is in, so key-creation hooks see a non-empty list) when absent. Returns the new length.
 * Throws WRONGTYPE for other types. Counts one change. `list` is the list at `key` when the caller
 * has already looked it up (one access, as Redis's single lookup).
 */
export function pushToList(c: Client, key: string, value: string, where: ListEnd, list: ListValue | undefined = writeList(c, key)): number {
  const event = where === 'left' ? 'lpush' : 'rpush';
  if (list === undefined) {
    const created = createList();
    created.pushRight(value);
    c.db.set(key, created);
    keyWritten(c, EVENT.list, event, key);
    return 1;
  }
  if (where === 'left') list.pushLeft(value);
  else list.pushRight(value);
  keyWritten(c, EVENT.list, event, key);
  return list.length;
}

/**
 * Pops up to `count` elements from one end of `list` (stored at `key`), writing them as an array
 * reply (the array header included); deletes the key when the list empties. Counts one change per
 * element and returns how many were popped.
 */
export function popToReply(c: Client, key: string, list: ListValue, where: ListEnd, count: number): number {
  const n = Math.min(count, list.length);
  const reply = c.reply;
  reply.arrayLen(n);
  for (let i = 0; i < n; i++) reply.bulk((where === 'left' ? list.popLeft() : list.popRight())!);
  if (n > 0) afterRemoval(c, key, list.length, EVENT.list, where === 'left' ? 'lpop' : 'rpop', n);
  return n;
}

/**
 * LMPOP and BLMPOP (served at once or later) replay as LPOP/RPOP of the number popped, so a
 * replica pops the same elements whatever keys the command listed.
 */
export function rewriteAsPopCount(c: Client, key: string, where: ListEnd, popped: number): void {
  if (propagating(c)) rewriteCommand(c, [where === 'left' ? 'LPOP' : 'RPOP', key, String(popped)]);
}

/** LEFT / RIGHT (getListPositionFromObjectOrReply). */
export function listEndOrThrow(arg: string): ListEnd {
  if (isOption(arg, 'LEFT')) return 'left';
  if (isOption(arg, 'RIGHT')) return 'right';
  throw new CommandError(Errors.syntax);
}

/** A signed 64-bit integer (getLongFromObjectOrReply), as a JS number (clamping needs no more). */
function longOrThrow(s: string): number {
  const v = parseInteger(s);
  if (v === null) throw new CommandError(Errors.notInteger);
  return Number(v);
}

/** getRangeLongFromObjectOrReply(0 .. LONG_MAX, message) as Redis words it for both failures. */
function nonNegativeOrThrow(s: string, message: string): number {
  const v = parseInteger(s);
  if (v === null || v < 0) throw new CommandError(message);
  return Number(v);
}

/** getRangeLongFromObjectOrReply(1 .. LONG_MAX, message). */
function positiveOrThrow(s: string, message: string): number {
  const v = parseInteger(s);
  if (v === null || v < 1) throw new CommandError(message);
  return Number(v);
}

// ---------------------------------------------------------------- push

// LPUSH key element [element ...]   RPUSH key element [element ...]
function pushGeneric(c: Client, argv: string[], where: ListEnd, onlyExisting: boolean): void {
  const key = argv[1];
  const existing = writeList(c, key);
  if (existing === undefined && onlyExisting) return c.reply.int(0);
  const list = existing ?? createList();
  pushAll(list, argv, where);
  // The length is taken before a new key enters the keyspace (filled first, see pushToList):
  // whatever key-creation hooks do, the reply counts this command's elements, as Redis's does.
  const length = list.length;
  if (existing === undefined) c.db.set(key, list);
  keyWritten(c, EVENT.list, where === 'left' ? 'lpush' : 'rpush', key, argv.length - 2);
  c.reply.int(length);
}

function pushAll(list: ListValue, argv: string[], where: ListEnd): void {
  if (argv.length > 3) {
    let bytes = 0;
    for (let i = 2; i < argv.length; i++) bytes += encodedSize(argv[i]);
    list.reserve(bytes, where === 'right');
  }
  if (where === 'left') for (let i = 2; i < argv.length; i++) list.pushLeft(argv[i]);
  else for (let i = 2; i < argv.length; i++) list.pushRight(argv[i]);
}

function lpushCommand(c: Client, argv: string[]): void {
  pushGeneric(c, argv, 'left', false);
}
function rpushCommand(c: Client, argv: string[]): void {
  pushGeneric(c, argv, 'right', false);
}
// LPUSHX key element [element ...]   RPUSHX key element [element ...]
function lpushxCommand(c: Client, argv: string[]): void {
  pushGeneric(c, argv, 'left', true);
}
function rpushxCommand(c: Client, argv: string[]): void {
  pushGeneric(c, argv, 'right', true);
}

// ---------------------------------------------------------------- pop

// LPOP key [count]   RPOP key [count]
function popGeneric(c: Client, argv: string[], where: ListEnd): void {
  if (argv.length > 3) throw new CommandError(Errors.wrongArity(where === 'left' ? 'lpop' : 'rpop'));
  const hasCount = argv.length === 3;
  const count = hasCount ? nonNegativeOrThrow(argv[2], MUST_BE_POSITIVE) : 1;
  const key = argv[1];
  const list = writeList(c, key);
  if (list === undefined) return hasCount ? c.reply.nullArray() : c.reply.nullBulk();
  if (!hasCount) {
    const v = where === 'left' ? list.popLeft()! : list.popRight()!;
    afterRemoval(c, key, list.length, EVENT.list, where === 'left' ? 'lpop' : 'rpop', 1);
    return c.reply.bulk(v);
  }
  popToReply(c, key, list, where, count);
}

function lpopCommand(c: Client, argv: string[]): void {
  popGeneric(c, argv, 'left');
}
function rpopCommand(c: Client, argv: string[]): void {
  popGeneric(c, argv, 'right');
}

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
function lmpopCommand(c: Client, argv: string[]): void {
  const parsed = parseMpop(argv, 1);
  for (let i = 2; i < 2 + parsed.numkeys; i++) {
    const list = writeList(c, argv[i]);
    if (list === undefined) continue;
    c.reply.arrayLen(2);
    c.reply.bulk(argv[i]);
    rewriteAsPopCount(c, argv[i], parsed.where, popToReply(c, argv[i], list, parsed.where, parsed.count));
    return;
  }
  c.reply.nullArray();
}

/**
 * LMPOP/BLMPOP's arguments from the numkeys position on (`numkeysIndex`): the key count, the end
 * and the count, with Redis's errors in Redis's order.
 */
export function parseMpop(argv: string[], numkeysIndex: number): { numkeys: number; where: ListEnd; count: number } {
  const numkeys = positiveOrThrow(argv[numkeysIndex], NUMKEYS_NOT_POSITIVE);
  const whereIndex = numkeysIndex + numkeys + 1;
  if (whereIndex >= argv.length) throw new CommandError(Errors.syntax);
  const where = listEndOrThrow(argv[whereIndex]);
  let count = -1;
  for (let j = whereIndex + 1; j < argv.length; j++) {
    if (count === -1 && isOption(argv[j], 'COUNT') && j + 1 < argv.length) {
      count = positiveOrThrow(argv[++j], COUNT_NOT_POSITIVE);
    } else {
      throw new CommandError(Errors.syntax);
    }
  }
  return { numkeys, where, count: count === -1 ? 1 : count };
}

// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
function lmoveCommand(c: Client, argv: string[]): void {
  const from = listEndOrThrow(argv[3]);
  const to = listEndOrThrow(argv[4]);
  moveGeneric(c, argv[1], argv[2], from, to);
}

// RPOPLPUSH source destination
function rpoplpushCommand(c: Client, argv: string[]): void {
  moveGeneric(c, argv[1], argv[2], 'right', 'left');
}

/** LMOVE's body: null when the source is missing, WRONGTYPE checks on both before any change. */
function moveGeneric(c: Client, source: string, destination: string, from: ListEnd, to: ListEnd): void {
  const list = writeList(c, source);
  if (list === undefined) return c.reply.nullBulk();
  const v = moveElement(c, source, list, destination, from, to);
  c.reply.bulk(v);
}

/**
 * Moves one element from `list` (at `source`, non-empty) to `destination` (created when absent;
 * WRONGTYPE thrown before anything changes). Returns the element moved.
 */
export function moveElement(c: Client, source: string, list: ListValue, destination: string, from: ListEnd, to: ListEnd): string {
  const target = writeList(c, destination);
  const v = from === 'left' ? list.popLeft()! : list.popRight()!;
  const popEvent = from === 'left' ? 'lpop' : 'rpop';
  // Same key: the list gets the element back before any emptiness check.
  if (source === destination) {
    if (to === 'left') list.pushLeft(v);
    else list.pushRight(v);
    keyWritten(c, EVENT.list, to === 'left' ? 'lpush' : 'rpush', source);
    keyWritten(c, EVENT.list, popEvent, source, 0);
    return v;
  }
  // Redis reports the push into the destination before the pop from the source (one change).
  pushToList(c, destination, v, to, target);
  afterRemoval(c, source, list.length, EVENT.list, popEvent);
  return v;
}

// ---------------------------------------------------------------- reads

// LLEN key
function llenCommand(c: Client, argv: string[]): void {
  const list = readList(c, argv[1]);
  c.reply.int(list === undefined ? 0 : list.length);
}

// LRANGE key start stop
function lrangeCommand(c: Client, argv: string[]): void {
  let start = longOrThrow(argv[2]);
  let end = longOrThrow(argv[3]);
  const list = readList(c, argv[1]);
  if (list === undefined) return c.reply.arrayLen(0);
  const len = list.length;
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (start > end || start >= len) return c.reply.arrayLen(0);
  if (end >= len) end = len - 1;
  const reply = c.reply;
  reply.arrayLen(end - start + 1);
  if (reply instanceof RespWriter) return writeRangeRaw(reply, list, start, end);
  list.forEachRange(start, end, (v) => reply.bulk(v));
}

/** Where LRANGE assembles RESP bulk strings straight from the list's node bytes. */
const rangeScratch = Buffer.allocUnsafeSlow(64 * 1024);
/** Flush to the writer once this much is assembled (keeps the scratch buffer small). */
const RANGE_FLUSH_AT = 48 * 1024;

/**
 * LRANGE's elements as RESP bulk strings (identical in RESP2 and RESP3), copied from the node
 * bytes into a scratch buffer and handed to the writer in big pieces: no string per element and
 * no native call per element, which is most of LRANGE's cost for short elements.
 */
function writeRangeRaw(w: RespWriter, list: ListValue, start: number, end: number): void {
  const out = rangeScratch;
  let p = 0;
  list.forEachRangeBytes(start, end, (buf, at, len) => {
    let digits = '';
    if (buf === null) {
      digits = String(at);
      len = digits.length;
    }
    if (p + len + 32 > out.length) {
      if (p > 0) {
        w.rawBytes(out, 0, p);
        p = 0;
      }
      // One element bigger than the scratch buffer: straight to the writer.
      if (len + 32 > out.length) {
        w.bulk(buf === null ? digits : buf.latin1Slice(at, at + len));
        return;
      }
    }
    out[p++] = 36; // $
    if (len < 10) {
      out[p++] = 48 + len;
    } else {
      p += out.latin1Write(String(len), p);
    }
    out[p++] = 13;
    out[p++] = 10;
    if (buf === null) {
      for (let i = 0; i < len; i++) out[p + i] = digits.charCodeAt(i);
    } else if (len <= 32) {
      for (let i = 0; i < len; i++) out[p + i] = buf[at + i];
    } else {
      buf.copy(out, p, at, at + len);
    }
    p += len;
    out[p++] = 13;
    out[p++] = 10;
    if (p >= RANGE_FLUSH_AT) {
      w.rawBytes(out, 0, p);
      p = 0;
    }
  });
  if (p > 0) w.rawBytes(out, 0, p);
}

// LINDEX key index
function lindexCommand(c: Client, argv: string[]): void {
  const list = readList(c, argv[1]);
  if (list === undefined) return c.reply.nullBulk();
  const index = longOrThrow(argv[2]);
  const v = list.index(index);
  if (v === undefined) return c.reply.nullBulk();
  c.reply.bulk(v);
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
function lposCommand(c: Client, argv: string[]): void {
  let rank = 1;
  let everyMatch = false;
  let count = -1;
  let maxlen = 0;
  for (let j = 3; j < argv.length; j++) {
    const more = j + 1 < argv.length;
    if (isOption(argv[j], 'RANK') && more) {
      const v = parseInteger(argv[++j]);
      if (v === null) throw new CommandError(Errors.notInteger);
      if (v === 0) throw new CommandError(RANK_ZERO);
      // Redis 7.0 negates LONG_MIN into itself: every match from the tail qualifies and
      // COUNT never ends the search early.
      everyMatch = v === LONG_MIN;
      rank = everyMatch ? -1 : Number(v);
    } else if (isOption(argv[j], 'COUNT') && more) {
      count = nonNegativeOrThrow(argv[++j], COUNT_NEGATIVE);
    } else if (isOption(argv[j], 'MAXLEN') && more) {
      maxlen = nonNegativeOrThrow(argv[++j], MAXLEN_NEGATIVE);
    } else {
      throw new CommandError(Errors.syntax);
    }
  }
  const reverse = rank < 0;
  const skip = (reverse ? -rank : rank) - 1;
  const v = c.db.lookupRead(argv[1]);
  if (v === undefined) return count !== -1 ? c.reply.arrayLen(0) : c.reply.nullBulk();
  if (!(v instanceof ListValue)) throw new CommandError(Errors.wrongType);
  let matches = 0;
  if (count === -1) {
    let found = -1;
    v.findEach(argv[2], reverse, maxlen, (index) => {
      if (matches++ < skip) return true;
      found = index;
      return false;
    });
    return found < 0 ? c.reply.nullBulk() : c.reply.int(found);
  }
  const out: number[] = [];
  const limit = count === 0 || everyMatch ? Infinity : count;
  v.findEach(argv[2], reverse, maxlen, (index) => {
    if (matches++ < skip) return true;
    out.push(index);
    return out.length < limit;
  });
  c.reply.arrayLen(out.length);
  for (let i = 0; i < out.length; i++) c.reply.int(out[i]);
}

// ---------------------------------------------------------------- middle edits

// LSET key index element
function lsetCommand(c: Client, argv: string[]): void {
  const list = writeList(c, argv[1]);
  if (list === undefined) throw new CommandError(Errors.noSuchKey);
  let index = longOrThrow(argv[2]);
  if (index < 0) index += list.length;
  if (index < 0 || index >= list.length) throw new CommandError(Errors.outOfRange);
  list.set(index, argv[3]);
  keyWritten(c, EVENT.list, 'lset', argv[1]);
  c.reply.ok();
}

// LINSERT key BEFORE|AFTER pivot element
function linsertCommand(c: Client, argv: string[]): void {
  let after: boolean;
  if (isOption(argv[2], 'AFTER')) after = true;
  else if (isOption(argv[2], 'BEFORE')) after = false;
  else throw new CommandError(Errors.syntax);
  const list = writeList(c, argv[1]);
  if (list === undefined) return c.reply.int(0);
  if (!list.insert(argv[3], argv[4], after)) return c.reply.int(-1);
  keyWritten(c, EVENT.list, 'linsert', argv[1]);
  c.reply.int(list.length);
}

// LREM key count element
function lremCommand(c: Client, argv: string[]): void {
  const count = longOrThrow(argv[2]);
  const key = argv[1];
  const list = writeList(c, key);
  if (list === undefined) return c.reply.int(0);
  const removed = list.remove(argv[3], Math.abs(count), count < 0);
  if (removed > 0) afterRemoval(c, key, list.length, EVENT.list, 'lrem', removed);
  c.reply.int(removed);
}

// LTRIM key start stop
function ltrimCommand(c: Client, argv: string[]): void {
  let start = longOrThrow(argv[2]);
  let end = longOrThrow(argv[3]);
  const key = argv[1];
  const list = writeList(c, key);
  if (list === undefined) return c.reply.ok();
  const len = list.length;
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  let dropLeft: number;
  let dropRight: number;
  if (start > end || start >= len) {
    dropLeft = len;
    dropRight = 0;
  } else {
    if (end >= len) end = len - 1;
    dropLeft = start;
    dropRight = len - end - 1;
  }
  list.dropLeft(dropLeft);
  list.dropRight(dropRight);
  // Redis signals the key and its event even when nothing was trimmed (and then propagates nothing).
  afterRemoval(c, key, list.length, EVENT.list, 'ltrim', dropLeft + dropRight);
  c.reply.ok();
}

// ---------------------------------------------------------------- command table

/** Source (popped) and destination (pushed) keys of LMOVE/RPOPLPUSH. */
const MOVE_KEYS: KeySpec[] = [
  { flags: ['RW', 'ACCESS', 'DELETE'], begin: { index: 1 }, find: { range: { lastkey: 0, step: 1, limit: 0 } } },
  { flags: ['RW', 'INSERT'], begin: { index: 2 }, find: { range: { lastkey: 0, step: 1, limit: 0 } } },
];

export const LIST_COMMANDS: CommandSpec[] = [
  {
    name: 'lindex',
    summary: 'Returns the element at an index of a list (negative indexes count from the tail).',
    since: '1.0.0',
    group: 'list',
    complexity: 'O(N) for the N elements walked to reach the index; O(1) at either end',
    arity: 3,
    flags: ['readonly'],
    acl: ['list'],
    keys: firstKey(['RO', 'ACCESS']),
    args: [arg.key('key', 0), arg.integer('index')],
    handler: lindexCommand,
  },
  {
    name: 'linsert',
    summary: 'Inserts an element before or after the first occurrence of a pivot element.',
    since: '2.2.0',
    group: 'list',
    complexity: 'O(N) for the N elements walked before the pivot',
    arity: 5,
    flags: ['write', 'denyoom'],
    acl: ['list'],
    keys: firstKey(['RW', 'INSERT']),
    args: [arg.key('key', 0), arg.oneOf('where', [arg.token('BEFORE'), arg.token('AFTER')]), arg.string('pivot'), arg.string('element')],
    handler: linsertCommand,
  },
  {
    name: 'llen',
    summary: 'Counts the elements of a list.',
    since: '1.0.0',
    group: 'list',
    complexity: 'O(1)',
    arity: 2,
    flags: ['readonly', 'fast'],
    acl: ['list'],
    keys: firstKey(['RO']),
    args: [arg.key('key', 0)],
    handler: llenCommand,
  },
  {
    name: 'lmove',
    summary: 'Pops an element from one end of a list and pushes it at one end of another (or the same) list.',
    since: '6.2.0',
    group: 'list',
    complexity: 'O(1)',
    arity: 5,
    flags: ['write', 'denyoom'],
    acl: ['list'],
    keys: MOVE_KEYS,
    args: [
      arg.key('source', 0),
      arg.key('destination', 1),
      arg.oneOf('wherefrom', [arg.token('LEFT'), arg.token('RIGHT')]),
      arg.oneOf('whereto', [arg.token('LEFT'), arg.token('RIGHT')]),
    ],
    handler: lmoveCommand,
  },
  {
    name: 'lmpop',
    summary: 'Pops one or more elements from the first non-empty list among several keys.',
    since: '7.0.0',
    group: 'list',
    complexity: 'O(N+M) for N keys given and M elements popped',
    arity: -4,
    flags: ['write'],
    acl: ['list'],
    keys: [{ flags: ['RW', 'ACCESS', 'DELETE'], begin: { index: 1 }, find: { keynum: { keynumidx: 0, firstkey: 1, step: 1 } } }],
    args: [
      arg.integer('numkeys'),
      arg.key('key', 0, { multiple: true }),
      arg.oneOf('where', [arg.token('LEFT'), arg.token('RIGHT')]),
      arg.integer('count', { token: 'COUNT', optional: true }),
    ],
    handler: lmpopCommand,
  },
  withDocs({
    name: 'lpop',
    summary: 'Removes and returns the first elements of a list, deleting the key when it empties.',
    since: '1.0.0',
    group: 'list',
    complexity: 'O(N) for N elements popped',
    arity: -2,
    flags: ['write', 'fast'],
    acl: ['list'],
    keys: firstKey(['RW', 'ACCESS', 'DELETE']),
    args: [arg.key('key', 0), arg.integer('count', { since: '6.2.0', optional: true })],
    handler: lpopCommand,
  }, { history: [['6.2.0', 'Added the `count` argument.']] }),
  {
    name: 'lpos',
    summary: 'Returns the index (or indexes) of matching elements in a list.',
    since: '6.0.6',
    group: 'list',
    complexity: 'O(N) for a list of N elements; less near the ends or with MAXLEN',
    arity: -3,
    flags: ['readonly'],
    acl: ['list'],
    keys: firstKey(['RO', 'ACCESS']),
    args: [
      arg.key('key', 0),
      arg.string('element'),
      arg.integer('rank', { token: 'RANK', optional: true }),
      arg.integer('num-matches', { token: 'COUNT', optional: true }),
      arg.integer('len', { token: 'MAXLEN', optional: true }),
    ],
    handler: lposCommand,
  },
  withDocs({
    name: 'lpush',
    summary: 'Prepends elements to a list, creating the list when needed.',
    since: '1.0.0',
    group: 'list',
    complexity: 'O(1) per element pushed',
    arity: -3,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['list'],
    keys: firstKey(['RW', 'INSERT']),
    args: [arg.key('key', 0), arg.string('element', { multiple: true })],
    handler: lpushCommand,
  }, { history: [['2.4.0', 'Accepts multiple `element` arguments.']] }),
  withDocs({
    name: 'lpushx',
    summary: 'Prepends elements to a list only when the list exists.',
    since: '2.2.0',
    group: 'list',
    complexity: 'O(1) per element pushed',
    arity: -3,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['list'],
    keys: firstKey(['RW', 'INSERT']),
    args: [arg.key('key', 0), arg.string('element', { multiple: true })],
    handler: lpushxCommand,
  }, { history: [['4.0.0', 'Accepts multiple `element` arguments.']] }),
  {
    name: 'lrange',
    summary: 'Returns a range of elements of a list (negative indexes count from the tail).',
    since: '1.0.0',
    group: 'list',
    complexity: 'O(S+N) for S elements walked from the nearer end to the start and N returned',
    arity: 4,
    flags: ['readonly'],
    acl: ['list'],
    keys: firstKey(['RO', 'ACCESS']),
    args: [arg.key('key', 0), arg.integer('start'), arg.integer('stop')],
    handler: lrangeCommand,
  },
  {
    name: 'lrem',
    summary: 'Removes elements equal to a value, from the head, from the tail, or all of them.',
    since: '1.0.0',
    group: 'list',
    complexity: 'O(N) for a list of N elements',
    arity: 4,
    flags: ['write'],
    acl: ['list'],
    keys: firstKey(['RW', 'DELETE']),
    args: [arg.key('key', 0), arg.integer('count'), arg.string('element')],
    handler: lremCommand,
  },
  {
    name: 'lset',
    summary: 'Replaces the element at an index of a list.',
    since: '1.0.0',
    group: 'list',
    complexity: 'O(N) for the N elements walked to reach the index; O(1) at either end',
    arity: 4,
    flags: ['write', 'denyoom'],
    acl: ['list'],
    keys: firstKey(['RW', 'UPDATE']),
    args: [arg.key('key', 0), arg.integer('index'), arg.string('element')],
    handler: lsetCommand,
  },
  {
    name: 'ltrim',
    summary: 'Keeps only a range of elements of a list, deleting the key when nothing remains.',
    since: '1.0.0',
    group: 'list',
    complexity: 'O(N) for N elements removed',
    arity: 4,
    flags: ['write'],
    acl: ['list'],
    keys: firstKey(['RW', 'DELETE']),
    args: [arg.key('key', 0), arg.integer('start'), arg.integer('stop')],
    handler: ltrimCommand,
  },
  withDocs({
    name: 'rpop',
    summary: 'Removes and returns the last elements of a list, deleting the key when it empties.',
    since: '1.0.0',
    group: 'list',
    complexity: 'O(N) for N elements popped',
    arity: -2,
    flags: ['write', 'fast'],
    acl: ['list'],
    keys: firstKey(['RW', 'ACCESS', 'DELETE']),
    args: [arg.key('key', 0), arg.integer('count', { since: '6.2.0', optional: true })],
    handler: rpopCommand,
  }, { history: [['6.2.0', 'Added the `count` argument.']] }),
  withDocs({
    name: 'rpoplpush',
    summary: 'Pops the last element of a list and prepends it to another (or the same) list.',
    since: '1.2.0',
    group: 'list',
    complexity: 'O(1)',
    arity: 3,
    flags: ['write', 'denyoom'],
    acl: ['list'],
    keys: MOVE_KEYS,
    args: [arg.key('source', 0), arg.key('destination', 1)],
    handler: rpoplpushCommand,
  }, { docFlags: ['deprecated'], deprecatedSince: '6.2.0', replacedBy: '`LMOVE` with the `RIGHT` and `LEFT` arguments' }),
  withDocs({
    name: 'rpush',
    summary: 'Appends elements to a list, creating the list when needed.',
    since: '1.0.0',
    group: 'list',
    complexity: 'O(1) per element pushed',
    arity: -3,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['list'],
    keys: firstKey(['RW', 'INSERT']),
    args: [arg.key('key', 0), arg.string('element', { multiple: true })],
    handler: rpushCommand,
  }, { history: [['2.4.0', 'Accepts multiple `element` arguments.']] }),
  withDocs({
    name: 'rpushx',
    summary: 'Appends elements to a list only when the list exists.',
    since: '2.2.0',
    group: 'list',
    complexity: 'O(1) per element pushed',
    arity: -3,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['list'],
    keys: firstKey(['RW', 'INSERT']),
    args: [arg.key('key', 0), arg.string('element', { multiple: true })],
    handler: rpushxCommand,
  }, { history: [['4.0.0', 'Accepts multiple `element` arguments.']] }),
];
