import { withDocs, type CommandSpec, type KeySpec, type KeySpecFlag, keyAt, arg } from '../server/command-spec.js';
import { keyWritten, notify, EVENT } from '../server/notify.js';
import { alsoPropagate, preventPropagation, propagating, rewriteCommand } from '../server/propagate.js';
import { afterRemoval, randomCountArgs, removeMembers } from './collection.js';
import { isOption, cursorOrThrow, parseScanOptions, replyScanPage } from './args.js';
import type { Client } from '../server/client.js';
import { CommandError, Errors } from '../protocol/errors.js';
import { parseInteger } from '../util/number.js';
import {
  createIntsetSet,
  createSetFor,
  createSetFrom,
  intsetLimit,
  itemText,
  SetValue,
  type SetItem,
} from '../engine/types/set.js';

/**
 * The SET command group (t_set.c): SADD SREM SMOVE SISMEMBER SMISMEMBER SCARD SMEMBERS SPOP
 * SRANDMEMBER SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN. Handlers only
 * call the set type API (src/engine/types/set.ts); encodings and conversions live there.
 *
 * Reply shapes follow Redis 7.0 in RESP3: SMEMBERS, SINTER, SUNION, SDIFF and SPOP with a count
 * answer sets; SRANDMEMBER with a count answers an array.
 */

/** getPositiveLongFromObjectOrReply's message when no custom one is given. */
const MUST_BE_POSITIVE = 'ERR value is out of range, must be positive';
const NUMKEYS_NOT_POSITIVE = 'ERR numkeys should be greater than 0';
const TOO_MANY_KEYS = "ERR Number of keys can't be greater than number of args";
const LIMIT_NEGATIVE = "ERR LIMIT can't be negative";
/** SPOP with a count pops one by one while the remaining part is more than count / 5. */
const SPOP_MOVE_STRATEGY_MUL = 5;
/** SRANDMEMBER copies the whole set when count * 3 exceeds its size. */
const SRANDMEMBER_SUB_STRATEGY_MUL = 3;

// ---------------------------------------------------------------- helpers

/** A set for reading, undefined when absent; WRONGTYPE for other types. */
export function readSet(c: Client, key: string): SetValue | undefined {
  const v = c.db.lookupRead(key);
  if (v === undefined || v instanceof SetValue) return v;
  throw new CommandError(Errors.wrongType);
}

/** A set for writing, undefined when absent; WRONGTYPE for other types. */
export function writeSet(c: Client, key: string): SetValue | undefined {
  const v = c.db.lookupWrite(key);
  if (v === undefined || v instanceof SetValue) return v;
  throw new CommandError(Errors.wrongType);
}

/** Replies a whole set in its iteration order as a RESP3 set. */
function replySet(c: Client, s: SetValue): void {
  const reply = c.reply;
  reply.setLen(s.size);
  s.forEachItem((m) => reply.bulk(m));
}

/** A positive count (getPositiveLongFromObjectOrReply): message `msg` for any bad value. */
function positiveCount(arg: string, msg: string): number {
  const v = parseInteger(arg);
  if (v === null || v < 0) throw new CommandError(msg);
  return Number(v);
}

// ---------------------------------------------------------------- writes

// SADD key member [member ...]
function saddCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  let s = writeSet(c, key);
  if (s === undefined) {
    s = createSetFor(argv[2]);
    c.db.set(key, s);
  }
  const max = intsetLimit(c.server.config);
  let added = 0;
  for (let i = 2; i < argv.length; i++) if (s.add(argv[i], max)) added++;
  if (added > 0) keyWritten(c, EVENT.set, 'sadd', key, added);
  c.reply.int(added);
}

// SREM key member [member ...]
function sremCommand(c: Client, argv: string[]): void {
  removeMembers(c, argv[1], writeSet(c, argv[1]), argv, EVENT.set, 'srem');
}

// SMOVE source destination member
function smoveCommand(c: Client, argv: string[]): void {
  const src = c.db.lookupWrite(argv[1]);
  const dst = c.db.lookupWrite(argv[2]);
  const member = argv[3];
  // A missing source answers 0 before any type check of the destination.
  if (src === undefined) return c.reply.int(0);
  if (!(src instanceof SetValue) || (dst !== undefined && !(dst instanceof SetValue))) {
    throw new CommandError(Errors.wrongType);
  }
  if (src === dst) return c.reply.int(src.has(member) ? 1 : 0);
  if (!src.delete(member)) return c.reply.int(0);
  afterRemoval(c, argv[1], src.size, EVENT.set, 'srem', 1);
  let target = dst;
  if (target === undefined) {
    target = createSetFor(member);
    c.db.set(argv[2], target);
  }
  // A second change when the destination did not have the member yet.
  if (target.add(member, intsetLimit(c.server.config))) keyWritten(c, EVENT.set, 'sadd', argv[2]);
  c.reply.int(1);
}

// SPOP key [count]
function spopCommand(c: Client, argv: string[]): void {
  if (argv.length === 3) return spopWithCount(c, argv);
  if (argv.length > 3) throw new CommandError(Errors.syntax);
  const key = argv[1];
  const s = writeSet(c, key);
  if (s === undefined) return c.reply.nullBulk();
  const item = s.popRandomItem();
  afterRemoval(c, key, s.size, EVENT.set, 'spop', 1);
  // The member chosen at random replays as its removal.
  if (propagating(c)) rewriteCommand(c, ['SREM', key, itemText(item)]);
  c.reply.bulk(item);
}

/**
 * spopWithCountCommand: Redis's three strategies, which decide the resulting encoding too. The whole
 * set replays as DEL; part of it as one SREM per member popped (wrapped in MULTI/EXEC), never as SPOP.
 */
function spopWithCount(c: Client, argv: string[]): void {
  const count = positiveCount(argv[2], MUST_BE_POSITIVE);
  const key = argv[1];
  const s = writeSet(c, key);
  if (s === undefined || count === 0) return c.reply.setLen(0);
  const size = s.size;
  const max = intsetLimit(c.server.config);
  const reply = c.reply;

  // The whole set, answered as the union of itself (a fresh set's iteration order), then deleted.
  if (count >= size) {
    const all = createSetFrom(s.items(), max);
    keyWritten(c, EVENT.set, 'spop', key, size);
    c.db.delete(key);
    notify(c, EVENT.generic, 'del', key);
    if (propagating(c)) rewriteCommand(c, ['DEL', key]);
    return replySet(c, all);
  }

  const prop = propagating(c);
  if (prop) preventPropagation(c);
  reply.setLen(count);
  const remaining = size - count;
  if (remaining * SPOP_MOVE_STRATEGY_MUL > count) {
    // Few to pop: pop them one by one.
    for (let i = 0; i < count; i++) {
      const item = s.popRandomItem();
      reply.bulk(item);
      if (prop) alsoPropagate(c, ['SREM', key, itemText(item)]);
    }
  } else {
    // Most of the set goes: move the survivors into a new set and answer what is left.
    const survivors = createIntsetSet();
    for (let i = 0; i < remaining; i++) survivors.addItem(s.popRandomItem(), max);
    s.forEachItem((m) => {
      reply.bulk(m);
      if (prop) alsoPropagate(c, ['SREM', key, itemText(m)]);
    });
    s.replaceWith(survivors);
  }
  keyWritten(c, EVENT.set, 'spop', key, count);
}

// ---------------------------------------------------------------- reads

// SISMEMBER key member
function sismemberCommand(c: Client, argv: string[]): void {
  const s = readSet(c, argv[1]);
  c.reply.int(s !== undefined && s.has(argv[2]) ? 1 : 0);
}

// SMISMEMBER key member [member ...]
function smismemberCommand(c: Client, argv: string[]): void {
  const s = readSet(c, argv[1]);
  c.reply.arrayLen(argv.length - 2);
  for (let i = 2; i < argv.length; i++) c.reply.int(s !== undefined && s.has(argv[i]) ? 1 : 0);
}

// SCARD key
function scardCommand(c: Client, argv: string[]): void {
  const s = readSet(c, argv[1]);
  c.reply.int(s === undefined ? 0 : s.size);
}

// SMEMBERS key (Redis 7.0 serves it with SINTER's code)
function smembersCommand(c: Client, argv: string[]): void {
  const s = readSet(c, argv[1]);
  if (s === undefined) return c.reply.setLen(0);
  replySet(c, s);
}

// SRANDMEMBER key [count]
function srandmemberCommand(c: Client, argv: string[]): void {
  if (argv.length === 3) return srandmemberWithCount(c, argv);
  if (argv.length > 3) throw new CommandError(Errors.syntax);
  const s = readSet(c, argv[1]);
  if (s === undefined) return c.reply.nullBulk();
  c.reply.bulk(s.randomItem());
}

/** srandmemberWithCountCommand: distinct members for a positive count, repeats for a negative one. */
function srandmemberWithCount(c: Client, argv: string[]): void {
  const l = randomCountArgs(argv).count;
  const unique = l >= 0;
  let count = unique ? l : -l;
  const s = readSet(c, argv[1]);
  const reply = c.reply;
  if (s === undefined || count === 0) return reply.arrayLen(0);
  const size = s.size;

  // With repetition (or a single member): independent draws.
  if (!unique || count === 1) {
    reply.arrayLen(count);
    while (count-- > 0) reply.bulk(s.randomItem());
    return;
  }

  // The whole set, in iteration order.
  if (count >= size) {
    reply.arrayLen(size);
    s.forEachItem((m) => reply.bulk(m));
    return;
  }

  reply.arrayLen(count);
  if (count * SRANDMEMBER_SUB_STRATEGY_MUL > size) {
    // A large share: partial Fisher-Yates over the positions.
    const positions = new Int32Array(size);
    for (let i = 0; i < size; i++) positions[i] = i;
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(Math.random() * (size - i));
      const p = positions[j];
      positions[j] = positions[i];
      positions[i] = p;
      reply.bulk(s.itemAt(p));
    }
    return;
  }
  // A small share: draw positions until `count` distinct ones came up.
  const picked = new Set<number>();
  while (picked.size < count) {
    const p = Math.floor(Math.random() * size);
    if (picked.has(p)) continue;
    picked.add(p);
    reply.bulk(s.itemAt(p));
  }
}

// ---------------------------------------------------------------- intersection

/** Looks up every key: sets, or null for missing keys; WRONGTYPE for any other type. */
function lookupSets(c: Client, keys: readonly string[]): Array<SetValue | null> {
  const sets: Array<SetValue | null> = [];
  for (const key of keys) {
    const v = c.db.lookupRead(key);
    if (v === undefined) sets.push(null);
    else if (v instanceof SetValue) sets.push(v);
    else throw new CommandError(Errors.wrongType);
  }
  return sets;
}

type InterMode = { kind: 'reply' } | { kind: 'card'; limit: number } | { kind: 'store'; dst: string };

/**
 * sinterGenericCommand: walks the smallest set and keeps the members every other set has. A
 * missing key makes the result empty (after every key was type-checked).
 */
function intersect(c: Client, keys: readonly string[], mode: InterMode): void {
  const found = lookupSets(c, keys);
  if (found.includes(null)) {
    if (mode.kind === 'store') {
      if (c.db.delete(mode.dst)) keyWritten(c, EVENT.generic, 'del', mode.dst);
      return c.reply.int(0);
    }
    return mode.kind === 'card' ? c.reply.int(0) : c.reply.setLen(0);
  }
  const sets = (found as SetValue[]).slice().sort((a, b) => a.size - b.size);
  const first = sets[0];
  const limit = mode.kind === 'card' ? mode.limit : 0;
  const result: SetItem[] = [];
  let cardinality = 0;
  const size = first.size;
  for (let i = 0; i < size; i++) {
    const item = first.itemAt(i);
    let j = 1;
    for (; j < sets.length; j++) {
      // The same key given twice holds the member by definition.
      if (sets[j] !== first && !sets[j].hasItem(item)) break;
    }
    if (j < sets.length) continue;
    cardinality++;
    if (mode.kind === 'card') {
      if (limit !== 0 && cardinality === limit) break;
    } else {
      result.push(item);
    }
  }
  if (mode.kind === 'card') return c.reply.int(cardinality);
  if (mode.kind === 'reply') {
    c.reply.setLen(result.length);
    for (let i = 0; i < result.length; i++) c.reply.bulk(result[i]);
    return;
  }
  storeResult(c, mode.dst, createSetFrom(result, intsetLimit(c.server.config)), 'sinterstore');
}

/** Stores a STORE command's result (replacing the key and its TTL), or deletes the key when empty. */
function storeResult(c: Client, dst: string, result: SetValue, event: string): void {
  if (result.size > 0) {
    c.db.set(dst, result);
    keyWritten(c, EVENT.set, event, dst);
    c.reply.int(result.size);
    return;
  }
  if (c.db.delete(dst)) keyWritten(c, EVENT.generic, 'del', dst);
  c.reply.int(0);
}

// SINTER key [key ...]
function sinterCommand(c: Client, argv: string[]): void {
  intersect(c, argv.slice(1), { kind: 'reply' });
}

// SINTERSTORE destination key [key ...]
function sinterstoreCommand(c: Client, argv: string[]): void {
  intersect(c, argv.slice(2), { kind: 'store', dst: argv[1] });
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]
function sintercardCommand(c: Client, argv: string[]): void {
  const n = parseInteger(argv[1]);
  if (n === null || n < 1) throw new CommandError(NUMKEYS_NOT_POSITIVE);
  if (n > argv.length - 2) throw new CommandError(TOO_MANY_KEYS);
  const numkeys = Number(n);
  let limit = 0;
  for (let j = 2 + numkeys; j < argv.length; j++) {
    if (isOption(argv[j], 'LIMIT') && j + 1 < argv.length) {
      limit = positiveCount(argv[++j], LIMIT_NEGATIVE);
    } else {
      throw new CommandError(Errors.syntax);
    }
  }
  intersect(c, argv.slice(2, 2 + numkeys), { kind: 'card', limit });
}

// ---------------------------------------------------------------- union and difference

/**
 * sunionDiffGenericCommand: the result is built as a new set (an intset while it can be, as
 * Redis's createIntsetObject start), then answered in its iteration order or stored.
 */
function unionOrDiff(c: Client, keys: readonly string[], diff: boolean, dst: string | null): void {
  const sets = lookupSets(c, keys);
  const max = intsetLimit(c.server.config);
  const result = createIntsetSet();
  const first = sets[0];
  if (!diff) {
    for (const s of sets) if (s !== null) s.forEachItem((m) => result.addItem(m, max));
  } else if (first !== null && !sets.includes(first, 1)) {
    // Two algorithms, chosen by estimated work as Redis does: (1) walk the first set and keep what
    // no other set has, (2) copy the first set and remove every other set's members.
    let walkFirst = 0;
    let removeOthers = 0;
    for (const s of sets) {
      if (s === null) continue;
      walkFirst += first.size;
      removeOthers += s.size;
    }
    walkFirst = Math.floor(walkFirst / 2);
    const others = sets.slice(1).filter((s): s is SetValue => s !== null);
    if (walkFirst <= removeOthers) {
      // Biggest sets first: a member is likelier to be found early.
      others.sort((a, b) => b.size - a.size);
      first.forEachItem((m) => {
        for (const s of others) if (s.hasItem(m)) return;
        result.addItem(m, max);
      });
    } else {
      first.forEachItem((m) => result.addItem(m, max));
      for (const s of others) {
        if (result.size === 0) break;
        s.forEachItem((m) => {
          result.deleteItem(m);
        });
      }
    }
  }
  if (dst === null) return replySet(c, result);
  storeResult(c, dst, result, diff ? 'sdiffstore' : 'sunionstore');
}

// SUNION key [key ...]
function sunionCommand(c: Client, argv: string[]): void {
  unionOrDiff(c, argv.slice(1), false, null);
}

// SUNIONSTORE destination key [key ...]
function sunionstoreCommand(c: Client, argv: string[]): void {
  unionOrDiff(c, argv.slice(2), false, argv[1]);
}

// SDIFF key [key ...]
function sdiffCommand(c: Client, argv: string[]): void {
  unionOrDiff(c, argv.slice(1), true, null);
}

// SDIFFSTORE destination key [key ...]
function sdiffstoreCommand(c: Client, argv: string[]): void {
  unionOrDiff(c, argv.slice(2), true, argv[1]);
}

// ---------------------------------------------------------------- scan

// SSCAN key cursor [MATCH pattern] [COUNT count]
function sscanCommand(c: Client, argv: string[]): void {
  const cursor = cursorOrThrow(argv[2]);
  const s = readSet(c, argv[1]);
  if (s === undefined) return replyScanPage(c, 0, []);
  const { count, matcher } = parseScanOptions(argv, 3);
  const out: SetItem[] = [];
  const next = s.scan(cursor, count, (m) => {
    if (matcher === null || matcher.matches(itemText(m))) out.push(m);
  });
  replyScanPage(c, next, out);
}

// ---------------------------------------------------------------- command table

/** A STORE command's keys: the destination, then every source. */
function storeKeys(dstFlags: KeySpecFlag[]): KeySpec[] {
  return [keyAt(1, dstFlags), keyAt(2, ['RO', 'ACCESS'], -1)];
}

export const SET_COMMANDS: CommandSpec[] = [
  withDocs({
    name: 'sadd',
    summary: 'Adds members to a set, creating it if needed; returns how many were new.',
    since: '1.0.0',
    group: 'set',
    complexity: 'O(1) per member added',
    arity: -3,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['set'],
    keys: [keyAt(1, ['RW', 'INSERT'])],
    args: [arg.key('key', 0), arg.string('member', { multiple: true })],
    handler: saddCommand,
  }, { history: [['2.4.0', 'Takes several members.']] }),
  {
    name: 'scard',
    summary: 'Counts the members of a set.',
    since: '1.0.0',
    group: 'set',
    complexity: 'O(1)',
    arity: 2,
    flags: ['readonly', 'fast'],
    acl: ['set'],
    keys: [keyAt(1, ['RO'])],
    args: [arg.key('key', 0)],
    handler: scardCommand,
  },
  {
    name: 'sdiff',
    summary: 'Returns the members of the first set that none of the other sets has.',
    since: '1.0.0',
    group: 'set',
    complexity: 'O(N) for N members in all the sets',
    arity: -2,
    flags: ['readonly'],
    acl: ['set'],
    tips: ['nondeterministic_output_order'],
    keys: [keyAt(1, ['RO', 'ACCESS'], -1)],
    args: [arg.key('key', 0, { multiple: true })],
    handler: sdiffCommand,
  },
  {
    name: 'sdiffstore',
    summary: 'Stores the difference of sets in a key (deleting it when empty); returns its size.',
    since: '1.0.0',
    group: 'set',
    complexity: 'O(N) for N members in all the sets',
    arity: -3,
    flags: ['write', 'denyoom'],
    acl: ['set'],
    keys: storeKeys(['OW', 'UPDATE']),
    args: [arg.key('destination', 0), arg.key('key', 1, { multiple: true })],
    handler: sdiffstoreCommand,
  },
  {
    name: 'sinter',
    summary: 'Returns the members every given set has.',
    since: '1.0.0',
    group: 'set',
    complexity: 'O(N*M) worst case for the smallest set of N members and M sets',
    arity: -2,
    flags: ['readonly'],
    acl: ['set'],
    tips: ['nondeterministic_output_order'],
    keys: [keyAt(1, ['RO', 'ACCESS'], -1)],
    args: [arg.key('key', 0, { multiple: true })],
    handler: sinterCommand,
  },
  {
    name: 'sintercard',
    summary: 'Counts the members every given set has, optionally stopping at a limit.',
    since: '7.0.0',
    group: 'set',
    complexity: 'O(N*M) worst case for the smallest set of N members and M sets',
    arity: -3,
    flags: ['readonly'],
    acl: ['set'],
    keys: [{ flags: ['RO', 'ACCESS'], begin: { index: 1 }, find: { keynum: { keynumidx: 0, firstkey: 1, step: 1 } } }],
    args: [arg.integer('numkeys'), arg.key('key', 0, { multiple: true }), arg.integer('limit', { token: 'LIMIT', optional: true })],
    handler: sintercardCommand,
  },
  {
    name: 'sinterstore',
    summary: 'Stores the intersection of sets in a key (deleting it when empty); returns its size.',
    since: '1.0.0',
    group: 'set',
    complexity: 'O(N*M) worst case for the smallest set of N members and M sets',
    arity: -3,
    flags: ['write', 'denyoom'],
    acl: ['set'],
    keys: storeKeys(['RW', 'UPDATE']),
    args: [arg.key('destination', 0), arg.key('key', 1, { multiple: true })],
    handler: sinterstoreCommand,
  },
  {
    name: 'sismember',
    summary: 'Tells whether a member belongs to a set.',
    since: '1.0.0',
    group: 'set',
    complexity: 'O(1)',
    arity: 3,
    flags: ['readonly', 'fast'],
    acl: ['set'],
    keys: [keyAt(1, ['RO'])],
    args: [arg.key('key', 0), arg.string('member')],
    handler: sismemberCommand,
  },
  {
    name: 'smembers',
    summary: 'Returns every member of a set.',
    since: '1.0.0',
    group: 'set',
    complexity: 'O(N) for a set of N members',
    arity: 2,
    flags: ['readonly'],
    acl: ['set'],
    tips: ['nondeterministic_output_order'],
    keys: [keyAt(1, ['RO', 'ACCESS'])],
    args: [arg.key('key', 0)],
    handler: smembersCommand,
  },
  {
    name: 'smismember',
    summary: 'Tells, for each of several members, whether it belongs to a set.',
    since: '6.2.0',
    group: 'set',
    complexity: 'O(N) for N members checked',
    arity: -3,
    flags: ['readonly', 'fast'],
    acl: ['set'],
    keys: [keyAt(1, ['RO', 'ACCESS'])],
    args: [arg.key('key', 0), arg.string('member', { multiple: true })],
    handler: smismemberCommand,
  },
  {
    name: 'smove',
    summary: 'Moves a member from one set to another.',
    since: '1.0.0',
    group: 'set',
    complexity: 'O(1)',
    arity: 4,
    flags: ['write', 'fast'],
    acl: ['set'],
    keys: [keyAt(1, ['RW', 'ACCESS', 'DELETE']), keyAt(2, ['RW', 'INSERT'])],
    args: [arg.key('source', 0), arg.key('destination', 1), arg.string('member')],
    handler: smoveCommand,
  },
  withDocs({
    name: 'spop',
    summary: 'Removes and returns one or more random members of a set.',
    since: '1.0.0',
    group: 'set',
    complexity: 'O(1) without count, else O(N) for N members popped',
    arity: -2,
    flags: ['write', 'fast'],
    acl: ['set'],
    tips: ['nondeterministic_output'],
    keys: [keyAt(1, ['RW', 'ACCESS', 'DELETE'])],
    args: [arg.key('key', 0), arg.integer('count', { since: '3.2.0', optional: true })],
    handler: spopCommand,
  }, { history: [['3.2.0', 'Takes a count.']] }),
  withDocs({
    name: 'srandmember',
    summary: 'Returns random members of a set: distinct for a positive count, possibly repeated for a negative one.',
    since: '1.0.0',
    group: 'set',
    complexity: 'O(1) without count, else O(N) for N members returned',
    arity: -2,
    flags: ['readonly'],
    acl: ['set'],
    tips: ['nondeterministic_output'],
    keys: [keyAt(1, ['RO', 'ACCESS'])],
    args: [arg.key('key', 0), arg.integer('count', { since: '2.6.0', optional: true })],
    handler: srandmemberCommand,
  }, { history: [['2.6.0', 'Takes a count.']] }),
  withDocs({
    name: 'srem',
    summary: 'Removes members from a set, deleting the key when none remain.',
    since: '1.0.0',
    group: 'set',
    complexity: 'O(N) for N members removed',
    arity: -3,
    flags: ['write', 'fast'],
    acl: ['set'],
    keys: [keyAt(1, ['RW', 'DELETE'])],
    args: [arg.key('key', 0), arg.string('member', { multiple: true })],
    handler: sremCommand,
  }, { history: [['2.4.0', 'Takes several members.']] }),
  {
    name: 'sscan',
    summary: 'Walks the members of a set a few at a time with a cursor, optionally filtered by a pattern.',
    since: '2.8.0',
    group: 'set',
    complexity: 'O(1) per call, O(N) for a full iteration',
    arity: -3,
    flags: ['readonly'],
    acl: ['set'],
    tips: ['nondeterministic_output'],
    keys: [keyAt(1, ['RO', 'ACCESS'])],
    args: [
      arg.key('key', 0),
      arg.integer('cursor'),
      arg.pattern('pattern', { token: 'MATCH', optional: true }),
      arg.integer('count', { token: 'COUNT', optional: true }),
    ],
    handler: sscanCommand,
  },
  {
    name: 'sunion',
    summary: 'Returns the members of all the given sets.',
    since: '1.0.0',
    group: 'set',
    complexity: 'O(N) for N members in all the sets',
    arity: -2,
    flags: ['readonly'],
    acl: ['set'],
    tips: ['nondeterministic_output_order'],
    keys: [keyAt(1, ['RO', 'ACCESS'], -1)],
    args: [arg.key('key', 0, { multiple: true })],
    handler: sunionCommand,
  },
  {
    name: 'sunionstore',
    summary: 'Stores the union of sets in a key (deleting it when empty); returns its size.',
    since: '1.0.0',
    group: 'set',
    complexity: 'O(N) for N members in all the sets',
    arity: -3,
    flags: ['write', 'denyoom'],
    acl: ['set'],
    keys: storeKeys(['OW', 'UPDATE']),
    args: [arg.key('destination', 0), arg.key('key', 1, { multiple: true })],
    handler: sunionstoreCommand,
  },
];
