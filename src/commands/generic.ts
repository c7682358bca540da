import { arg, type CommandSpec, type KeySpec, type KeySpecFlag } from '../server/command-spec.js';
import { datasetChanged, keyWritten, keyWrittenIn, notifyKeyspaceEvent, EVENT } from '../server/notify.js';
import { PROPAGATE_ALL, expiredKeyDeletion, forcePropagation, propagating, rewriteCommand } from '../server/propagate.js';
import { isOption, cursorOrThrow, parseScanOptions, replyScanPage, alreadyExpired } from './args.js';
import type { Client } from '../server/client.js';
import { hashKey, type Keyspace } from '../engine/keyspace.js';
import { CommandError, Errors, sanitizeErrorLine } from '../protocol/errors.js';
import { ByteString, isString, typeOf, type CollectionValue, type StringValue, type Value } from '../engine/values.js';
import * as stringType from '../engine/types/string.js';
import { parseInteger } from '../util/number.js';
import { GlobMatcher } from '../util/glob.js';

/**
 * The GENERIC (keyspace) command group: DEL, EXISTS, TYPE, RENAME, MOVE, COPY, KEYS, SCAN, the
 * EXPIRE/TTL families, PERSIST, OBJECT, plus the keyspace-level server commands DBSIZE, FLUSHDB,
 * FLUSHALL and SWAPDB (group 'server', as in Redis).
 */

// ---------------------------------------------------------------- helpers

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const INT32_MAX = 2147483647;
const INT32_MIN = -2147483648;

/** Redis's OBJ_SHARED_REFCOUNT: the refcount OBJECT REFCOUNT shows for shared integers. */
const SHARED_REFCOUNT = 2147483647;
/** Integers 0..OBJ_SHARED_INTEGERS-1 are shared objects in Redis. */
const SHARED_INTEGERS = 10000;

/**
 * The string type API's encoding and copy functions (src/engine/types/string.ts). Until that module
 * exports them, local equivalents with the same rules are used.
 */
const stringApi = stringType as typeof stringType & {
  stringEncoding?: (v: StringValue) => string;
  cloneString?: (v: StringValue) => StringValue;
};

function stringEncodingOf(v: StringValue): string {
  if (stringApi.stringEncoding !== undefined) return stringApi.stringEncoding(v);
  if (typeof v === 'number') return 'int';
  if (typeof v === 'object') return 'raw';
  if (v.length <= 20 && parseInteger(v) !== null) return 'int';
  return v.length <= 44 ? 'embstr' : 'raw';
}

/** OBJECT ENCODING's answer for a value. */
export function objectEncodingOf(v: Value): string {
  return isString(v) ? stringEncodingOf(v) : v.encoding();
}

/** A copy of a value that shares nothing mutable with the original (COPY). */
function cloneValue(v: Value): Value {
  if (isString(v)) {
    if (stringApi.cloneString !== undefined) return stringApi.cloneString(v);
    if (v instanceof ByteString) {
      const bytes = Buffer.allocUnsafeSlow(Math.max(v.bytes.length, 16));
      v.bytes.copy(bytes, 0, 0, v.len);
      return new ByteString(bytes, v.len);
    }
    return v;
  }
  const clone = (v as CollectionValue & { clone?: () => Value }).clone;
  if (typeof clone !== 'function') throw new Error(`no clone() on ${v.type} values`);
  return clone.call(v);
}

/** A config parameter's value when the config exposes `get` (maxmemory-policy, maxmemory). */
function configValue(c: Client, name: string): string | undefined {
  const cfg = c.server.config as unknown as { get?: (n: string) => unknown };
  if (typeof cfg.get !== 'function') return undefined;
  const v = cfg.get(name);
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** An argument as C's %s prints it: up to the first NUL byte. */
function cString(s: string): string {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

/**
 * getIntFromObjectOrReply: a 64-bit integer that must also fit a C int. With `message`, that text
 * is the error for both failures; without, Redis's own two texts.
 */
function int32OrThrow(s: string, message?: string): number {
  const v = parseInteger(s);
  if (v === null) throw new CommandError(message ?? Errors.notInteger);
  if (v > INT32_MAX || v < INT32_MIN) {
    throw new CommandError(message ?? `ERR value is out of range, value must between ${INT32_MIN} and ${INT32_MAX}`);
  }
  return Number(v);
}

/** getLongLongFromObjectOrReply. */
function int64OrThrow(s: string): number | bigint {
  const v = parseInteger(s);
  if (v === null) throw new CommandError(Errors.notInteger);
  return v;
}

/** A DB index argument checked against the configured number of databases (selectDb). */
function dbIndexOrThrow(c: Client, s: string): number {
  const id = int32OrThrow(s);
  if (id < 0 || id >= c.server.dbs.length) throw new CommandError(Errors.dbIndexOutOfRange);
  return id;
}

/** lookupKeyReadWithFlags(LOOKUP_NOTOUCH): counts a hit or miss, leaves the access clock alone. */
function lookupNoTouch(db: Keyspace, key: string, notifyMiss = true): Value | undefined {
  const v = db.peek(key);
  if (v !== undefined) {
    db.hits++;
  } else {
    db.misses++;
    // A keymiss event, except for OBJECT (Redis's LOOKUP_NONOTIFY).
    if (notifyMiss && db.onMiss !== null) db.onMiss(db, key);
  }
  return v;
}

/** A bigint as a number when it is a safe integer. */
function narrow(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

// ---------------------------------------------------------------- DEL, EXISTS, TYPE, TOUCH

// DEL key [key ...]  /  UNLINK key [key ...]
function delCommand(c: Client, argv: string[]): void {
  const db = c.db;
  let deleted = 0;
  for (let i = 1; i < argv.length; i++) {
    if (!db.delete(argv[i])) continue;
    deleted++;
    keyWritten(c, EVENT.generic, 'del', argv[i]);
  }
  c.reply.int(deleted);
}

// EXISTS key [key ...]
function existsCommand(c: Client, argv: string[]): void {
  const db = c.db;
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (lookupNoTouch(db, argv[i]) !== undefined) n++;
  c.reply.int(n);
}

// TYPE key
function typeCommand(c: Client, argv: string[]): void {
  const v = lookupNoTouch(c.db, argv[1]);
  c.reply.simple(v === undefined ? 'none' : typeOf(v));
}

// TOUCH key [key ...]
function touchCommand(c: Client, argv: string[]): void {
  const db = c.db;
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (db.lookupRead(argv[i]) !== undefined) n++;
  c.reply.int(n);
}

// ---------------------------------------------------------------- RENAME, MOVE, COPY

function renameGeneric(c: Client, argv: string[], nx: boolean): void {
  const db = c.db;
  const src = argv[1];
  const dst = argv[2];
  const v = db.lookupWrite(src);
  if (v === undefined) throw new CommandError(Errors.noSuchKey);
  if (src === dst) {
    if (nx) c.reply.int(0);
    else c.reply.ok();
    return;
  }
  const expire = db.getExpireExact(src);
  // Redis moves the object itself, so the new name keeps the access data (just touched above).
  const accessed = db.accessWord(src);
  if (db.lookupWrite(dst) !== undefined) {
    if (nx) {
      c.reply.int(0);
      return;
    }
    db.delete(dst);
  }
  db.delete(src);
  db.set(dst, v);
  db.setAccessWord(dst, accessed);
  if (expire !== -1) db.setExpire(dst, expire);
  keyWritten(c, EVENT.generic, 'rename_from', src);
  keyWritten(c, EVENT.generic, 'rename_to', dst, 0);
  if (nx) c.reply.int(1);
  else c.reply.ok();
}

// RENAME key newkey
function renameCommand(c: Client, argv: string[]): void {
  renameGeneric(c, argv, false);
}

// RENAMENX key newkey
function renamenxCommand(c: Client, argv: string[]): void {
  renameGeneric(c, argv, true);
}

// MOVE key db
function moveCommand(c: Client, argv: string[]): void {
  const src = c.db;
  const dst = c.server.dbs[dbIndexOrThrow(c, argv[2])];
  if (src === dst) throw new CommandError(Errors.sameObject);
  const key = argv[1];
  const v = src.lookupWrite(key);
  if (v === undefined) return c.reply.int(0);
  const expire = src.getExpireExact(key);
  if (dst.lookupWrite(key) !== undefined) return c.reply.int(0);
  dst.set(key, v);
  // The object moves with its access data, as in Redis.
  dst.setAccessWord(key, src.accessWord(key));
  if (expire !== -1) dst.setExpire(key, expire);
  src.delete(key);
  keyWritten(c, EVENT.generic, 'move_from', key);
  // The same change seen from the destination (its watchers were marked by set).
  notifyKeyspaceEvent(c.server, EVENT.generic, 'move_to', key, dst.id);
  c.reply.int(1);
}

// COPY source destination [DB destination-db] [REPLACE]
function copyCommand(c: Client, argv: string[]): void {
  const src = c.db;
  let dst = c.db;
  let replace = false;
  for (let j = 3; j < argv.length; j++) {
    if (isOption(argv[j], 'REPLACE')) {
      replace = true;
    } else if (isOption(argv[j], 'DB') && j + 1 < argv.length) {
      dst = c.server.dbs[dbIndexOrThrow(c, argv[j + 1])];
      j++;
    } else {
      throw new CommandError(Errors.syntax);
    }
  }
  const key = argv[1];
  const newkey = argv[2];
  if (src === dst && key === newkey) throw new CommandError(Errors.sameObject);
  const v = src.lookupRead(key);
  if (v === undefined) return c.reply.int(0);
  const expire = src.getExpireExact(key);
  const exists = dst.lookupWrite(newkey) !== undefined;
  if (exists && !replace) return c.reply.int(0);
  const copy = cloneValue(v);
  if (exists) dst.delete(newkey);
  dst.set(newkey, copy);
  if (expire !== -1) dst.setExpire(newkey, expire);
  keyWrittenIn(c, dst, EVENT.generic, 'copy_to', newkey);
  c.reply.int(1);
}

// ---------------------------------------------------------------- RANDOMKEY, KEYS, SCAN

// RANDOMKEY
function randomkeyCommand(c: Client): void {
  const key = c.db.randomKey();
  if (key === null) c.reply.nullBulk();
  else c.reply.bulk(key);
}

// KEYS pattern
function keysCommand(c: Client, argv: string[]): void {
  const pattern = argv[1];
  const out: string[] = [];
  if (pattern === '*') {
    c.db.forEach((key) => {
      out.push(key);
    });
  } else {
    const m = new GlobMatcher(pattern);
    c.db.forEach((key) => {
      if (m.matches(key)) out.push(key);
    });
  }
  c.reply.arrayLen(out.length);
  for (let i = 0; i < out.length; i++) c.reply.bulk(out[i]);
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
function scanCommand(c: Client, argv: string[]): void {
  const cursor = cursorOrThrow(argv[1]);
  const { count, matcher, type } = parseScanOptions(argv, 2, true);
  const db = c.db;
  const keys: string[] = [];
  const next = db.scan(cursor, count, (key, value) => {
    if (matcher !== null && !matcher.matches(key)) return;
    if (type !== null) {
      db.hits++;
      if (typeOf(value) !== type) return;
    }
    keys.push(key);
  });
  replyScanPage(c, next, keys);
}

// ---------------------------------------------------------------- DBSIZE, FLUSHDB, FLUSHALL, SWAPDB

// DBSIZE
function dbsizeCommand(c: Client): void {
  c.reply.int(c.db.size);
}

/** FLUSHDB/FLUSHALL's optional ASYNC | SYNC (getFlushCommandFlags); both flush at once here. */
function checkFlushArgs(argv: string[]): void {
  if (argv.length === 1) return;
  if (argv.length === 2 && (isOption(argv[1], 'SYNC') || isOption(argv[1], 'ASYNC'))) return;
  throw new CommandError(Errors.syntax);
}

// FLUSHDB [ASYNC | SYNC]
function flushdbCommand(c: Client, argv: string[]): void {
  checkFlushArgs(argv);
  const removed = c.db.size;
  c.db.clear();
  c.server.tracking.flushed();
  datasetChanged(c, removed);
  // Replicas flush too even when this database was already empty.
  forcePropagation(c, PROPAGATE_ALL);
  c.reply.ok();
}

// FLUSHALL [ASYNC | SYNC]
function flushallCommand(c: Client, argv: string[]): void {
  checkFlushArgs(argv);
  const server = c.server;
  // flushAllDataAndResetRDB: a BGSAVE in progress is abandoned, and with save points set the
  // emptied dataset is saved at once.
  server.persistence.killBgsave();
  let removed = 0;
  for (const db of server.dbs) {
    removed += db.size;
    db.clear();
  }
  server.tracking.flushed();
  datasetChanged(c, removed);
  if (server.config.save.length > 0) server.persistence.save();
  datasetChanged(c, 1);
  c.reply.ok();
}

// SWAPDB index1 index2
function swapdbCommand(c: Client, argv: string[]): void {
  const id1 = int32OrThrow(argv[1], 'ERR invalid first DB index');
  const id2 = int32OrThrow(argv[2], 'ERR invalid second DB index');
  const n = c.server.dbs.length;
  if (id1 < 0 || id1 >= n || id2 < 0 || id2 >= n) throw new CommandError(Errors.dbIndexOutOfRange);
  if (id1 !== id2) {
    c.server.dbs[id1].swapWith(c.server.dbs[id2]);
    c.server.blocking.databasesSwapped(c.server.dbs[id1], c.server.dbs[id2]);
  }
  datasetChanged(c);
  c.reply.ok();
}

// ---------------------------------------------------------------- EXPIRE family, TTL family, PERSIST

const EXPIRE_NX = 1;
const EXPIRE_XX = 2;
const EXPIRE_GT = 4;
const EXPIRE_LT = 8;

/** parseExtendedExpireArgumentsOrReply: NX | XX | GT | LT after the time argument. */
function expireFlagsOrThrow(argv: string[]): number {
  let flags = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j];
    if (isOption(opt, 'NX')) flags |= EXPIRE_NX;
    else if (isOption(opt, 'XX')) flags |= EXPIRE_XX;
    else if (isOption(opt, 'GT')) flags |= EXPIRE_GT;
    else if (isOption(opt, 'LT')) flags |= EXPIRE_LT;
    else throw new CommandError(sanitizeErrorLine(`ERR Unsupported option ${cString(opt)}`));
  }
  if (flags & EXPIRE_NX && flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)) {
    throw new CommandError('ERR NX and XX, GT or LT options at the same time are not compatible');
  }
  if (flags & EXPIRE_GT && flags & EXPIRE_LT) {
    throw new CommandError('ERR GT and LT options at the same time are not compatible');
  }
  return flags;
}

/**
 * The absolute expiry in ms for `arg` (seconds when `seconds`, relative to `basetime` when it is
 * not 0), with Redis's overflow checks: "invalid expire time in '<cmd>' command".
 */
function expireTimeOrThrow(arg: string, basetime: number, seconds: boolean, cmd: string): number | bigint {
  const v = int64OrThrow(arg);
  if (typeof v === 'number') {
    const ms = seconds ? v * 1000 : v;
    const when = ms + basetime;
    if (Number.isSafeInteger(ms) && Number.isSafeInteger(when)) return when;
  }
  let when = BigInt(v);
  if (seconds) {
    if (when > INT64_MAX / 1000n || when < INT64_MIN / 1000n) throw new CommandError(Errors.invalidExpire(cmd));
    when *= 1000n;
  }
  const base = BigInt(basetime);
  if (when > INT64_MAX - base) throw new CommandError(Errors.invalidExpire(cmd));
  return narrow(when + base);
}

function expireGeneric(c: Client, argv: string[], basetime: number, seconds: boolean, cmd: string): void {
  const absoluteMs = basetime === 0 && !seconds;
  const flags = expireFlagsOrThrow(argv);
  const when = expireTimeOrThrow(argv[2], basetime, seconds, cmd);
  const db = c.db;
  const key = argv[1];
  if (db.lookupWrite(key) === undefined) return c.reply.int(0);
  if (flags !== 0) {
    const current = db.getExpireExact(key);
    if (flags & EXPIRE_NX && current !== -1) return c.reply.int(0);
    if (flags & EXPIRE_XX && current === -1) return c.reply.int(0);
    // No TTL counts as an infinite one: GT never passes it, LT always does.
    if (flags & EXPIRE_GT && (current === -1 || when <= current)) return c.reply.int(0);
    if (flags & EXPIRE_LT && current !== -1 && when >= current) return c.reply.int(0);
  }
  if (alreadyExpired(c, when)) {
    // Already past: the key goes now, and replicas delete it rather than expire it.
    db.delete(key);
    keyWritten(c, EVENT.generic, 'del', key);
    if (propagating(c)) rewriteCommand(c, expiredKeyDeletion(c.server.config.lazyfreeLazyExpire, key));
  } else {
    db.setExpire(key, when);
    keyWritten(c, EVENT.generic, 'expire', key);
    // Replayed as an absolute time in ms (conditions kept): the replica's clock does not matter.
    if (propagating(c) && !absoluteMs) {
      const rewritten = argv.slice();
      rewritten[0] = 'PEXPIREAT';
      rewritten[2] = String(when);
      rewriteCommand(c, rewritten);
    }
  }
  c.reply.int(1);
}

// EXPIRE key seconds [NX | XX | GT | LT]
function expireCommand(c: Client, argv: string[]): void {
  expireGeneric(c, argv, c.server.clock.now, true, 'expire');
}

// PEXPIRE key milliseconds [NX | XX | GT | LT]
function pexpireCommand(c: Client, argv: string[]): void {
  expireGeneric(c, argv, c.server.clock.now, false, 'pexpire');
}

// EXPIREAT key unix-time-seconds [NX | XX | GT | LT]
function expireatCommand(c: Client, argv: string[]): void {
  expireGeneric(c, argv, 0, true, 'expireat');
}

// PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]
function pexpireatCommand(c: Client, argv: string[]): void {
  expireGeneric(c, argv, 0, false, 'pexpireat');
}

/** TTL family (ttlGenericCommand): remaining or absolute time, in ms or rounded seconds. */
function ttlGeneric(c: Client, key: string, ms: boolean, absolute: boolean): void {
  const db = c.db;
  if (lookupNoTouch(db, key) === undefined) return c.reply.int(-2);
  const expire = db.getExpireExact(key);
  if (expire === -1) return c.reply.int(-1);
  if (typeof expire === 'number') {
    let t = absolute ? expire : expire - c.server.clock.now;
    if (t < 0) t = 0;
    c.reply.int(ms ? t : Math.trunc((t + 500) / 1000));
    return;
  }
  let t = absolute ? expire : expire - BigInt(c.server.clock.now);
  if (t < 0n) t = 0n;
  c.reply.int(narrow(ms ? t : (t + 500n) / 1000n));
}

// TTL key
function ttlCommand(c: Client, argv: string[]): void {
  ttlGeneric(c, argv[1], false, false);
}

// PTTL key
function pttlCommand(c: Client, argv: string[]): void {
  ttlGeneric(c, argv[1], true, false);
}

// EXPIRETIME key
function expiretimeCommand(c: Client, argv: string[]): void {
  ttlGeneric(c, argv[1], false, true);
}

// PEXPIRETIME key
function pexpiretimeCommand(c: Client, argv: string[]): void {
  ttlGeneric(c, argv[1], true, true);
}

// PERSIST key
function persistCommand(c: Client, argv: string[]): void {
  const db = c.db;
  if (db.lookupWrite(argv[1]) !== undefined && db.persist(argv[1])) {
    keyWritten(c, EVENT.generic, 'persist', argv[1]);
    c.reply.int(1);
  } else {
    c.reply.int(0);
  }
}

// ---------------------------------------------------------------- OBJECT

const OBJECT_HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Prints this help.',
];

const LFU_NOT_SELECTED =
  'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';
const LFU_SELECTED =
  'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';

// OBJECT HELP
function objectHelpCommand(c: Client): void {
  c.reply.arrayLen(OBJECT_HELP.length);
  for (const line of OBJECT_HELP) c.reply.simple(line);
}

// OBJECT ENCODING key
function objectEncodingCommand(c: Client, argv: string[]): void {
  const v = lookupNoTouch(c.db, argv[2], false);
  if (v === undefined) return c.reply.nullBulk();
  c.reply.bulk(isString(v) ? stringEncodingOf(v) : v.encoding());
}

// OBJECT REFCOUNT key
function objectRefcountCommand(c: Client, argv: string[]): void {
  const v = lookupNoTouch(c.db, argv[2], false);
  if (v === undefined) return c.reply.nullBulk();
  c.reply.int(objectRefcount(c, v));
}

/** The refcount Redis's object would have: small integers are shared, unless maxmemory with an LRU/LFU policy forbids it. */
export function objectRefcount(c: Client, v: Value): number {
  let shared = typeof v === 'number' && v >= 0 && v < SHARED_INTEGERS;
  if (shared) {
    const maxmemory = configValue(c, 'maxmemory');
    const policy = configValue(c, 'maxmemory-policy')?.toLowerCase() ?? '';
    if (maxmemory !== undefined && maxmemory !== '0' && /-(lru|lfu)$/.test(policy)) shared = false;
  }
  return shared ? SHARED_REFCOUNT : 1;
}

// OBJECT IDLETIME key
function objectIdletimeCommand(c: Client, argv: string[]): void {
  const v = lookupNoTouch(c.db, argv[2], false);
  if (v === undefined) return c.reply.nullBulk();
  if (c.server.accessTracking.lfu) throw new CommandError(LFU_SELECTED);
  c.reply.int(c.db.idleSeconds(argv[2]));
}

// OBJECT FREQ key
function objectFreqCommand(c: Client, argv: string[]): void {
  const v = lookupNoTouch(c.db, argv[2], false);
  if (v === undefined) return c.reply.nullBulk();
  const tracking = c.server.accessTracking;
  // allkeys-tinylfu: the sketch's estimate of recent accesses (0..15), what that policy ranks by.
  if (tracking.tinylfu) return c.reply.int(tracking.tinylfu.estimate(hashKey(argv[2])));
  if (!tracking.lfu) throw new CommandError(LFU_NOT_SELECTED);
  c.reply.int(c.db.lfuFrequency(argv[2]));
}

// ---------------------------------------------------------------- command table

function keyRange(index: number, lastkey: number, flags: KeySpecFlag[]): KeySpec {
  return { flags, begin: { index }, find: { range: { lastkey, step: 1, limit: 0 } } };
}

const MULTI_SHARD_SUM = ['request_policy:multi_shard', 'response_policy:agg_sum'];

export const GENERIC_COMMANDS: CommandSpec[] = [
  {
    name: 'del',
    summary: 'Removes keys, returning how many existed.',
    since: '1.0.0',
    group: 'generic',
    complexity: 'O(N) for N keys, plus the size of each removed collection',
    arity: -2,
    flags: ['write'],
    acl: ['keyspace'],
    tips: MULTI_SHARD_SUM,
    keys: [keyRange(1, -1, ['RM', 'DELETE'])],
    args: [arg.key('key', 0, { multiple: true })],
    handler: delCommand,
  },
  {
    name: 'unlink',
    summary: 'Removes keys, reclaiming their memory out of the command path; returns how many existed.',
    since: '4.0.0',
    group: 'generic',
    complexity: 'O(1) per key removed',
    arity: -2,
    flags: ['write', 'fast'],
    acl: ['keyspace'],
    tips: MULTI_SHARD_SUM,
    keys: [keyRange(1, -1, ['RM', 'DELETE'])],
    args: [arg.key('key', 0, { multiple: true })],
    handler: delCommand,
  },
  {
    name: 'exists',
    summary: 'Counts how many of the given keys exist (a repeated key counts each time).',
    since: '1.0.0',
    group: 'generic',
    complexity: 'O(N) for N keys',
    arity: -2,
    flags: ['readonly', 'fast'],
    acl: ['keyspace'],
    tips: MULTI_SHARD_SUM,
    keys: [keyRange(1, -1, ['RO'])],
    args: [arg.key('key', 0, { multiple: true })],
    handler: existsCommand,
  },
  {
    name: 'type',
    summary: "Names the type of a key's value, or none.",
    since: '1.0.0',
    group: 'generic',
    complexity: 'O(1)',
    arity: 2,
    flags: ['readonly', 'fast'],
    acl: ['keyspace'],
    keys: [keyRange(1, 0, ['RO'])],
    args: [arg.key('key', 0)],
    handler: typeCommand,
  },
  {
    name: 'rename',
    summary: 'Gives a key a new name, replacing any key with that name; the TTL moves along.',
    since: '1.0.0',
    group: 'generic',
    complexity: 'O(1)',
    arity: 3,
    flags: ['write'],
    acl: ['keyspace'],
    keys: [keyRange(1, 0, ['RW', 'ACCESS', 'DELETE']), keyRange(2, 0, ['OW', 'UPDATE'])],
    args: [arg.key('key', 0), arg.key('newkey', 1)],
    handler: renameCommand,
  },
  {
    name: 'renamenx',
    summary: 'Gives a key a new name only when no key has that name yet.',
    since: '1.0.0',
    group: 'generic',
    complexity: 'O(1)',
    arity: 3,
    flags: ['write', 'fast'],
    acl: ['keyspace'],
    keys: [keyRange(1, 0, ['RW', 'ACCESS', 'DELETE']), keyRange(2, 0, ['OW', 'INSERT'])],
    args: [arg.key('key', 0), arg.key('newkey', 1)],
    handler: renamenxCommand,
  },
  {
    name: 'move',
    summary: 'Moves a key to another database unless the name is taken there.',
    since: '1.0.0',
    group: 'generic',
    complexity: 'O(1)',
    arity: 3,
    flags: ['write', 'fast'],
    acl: ['keyspace'],
    keys: [keyRange(1, 0, ['RW', 'ACCESS', 'UPDATE'])],
    args: [arg.key('key', 0), arg.integer('db')],
    handler: moveCommand,
  },
  {
    name: 'copy',
    summary: "Duplicates a key's value and TTL under another name, optionally in another database.",
    since: '6.2.0',
    group: 'generic',
    complexity: 'O(1) for strings, O(N) for a collection of N items',
    arity: -3,
    flags: ['write', 'denyoom'],
    acl: ['keyspace'],
    keys: [keyRange(1, 0, ['RO', 'ACCESS']), keyRange(2, 0, ['OW', 'UPDATE'])],
    args: [
      arg.key('source', 0),
      arg.key('destination', 1),
      arg.integer('destination-db', { token: 'DB', optional: true }),
      arg.token('REPLACE', { optional: true }),
    ],
    handler: copyCommand,
  },
  {
    name: 'touch',
    summary: 'Marks keys as just accessed; returns how many exist.',
    since: '3.2.1',
    group: 'generic',
    complexity: 'O(N) for N keys',
    arity: -2,
    flags: ['readonly', 'fast'],
    acl: ['keyspace'],
    tips: MULTI_SHARD_SUM,
    keys: [keyRange(1, -1, ['RO'])],
    args: [arg.key('key', 0, { multiple: true })],
    handler: touchCommand,
  },
  {
    name: 'randomkey',
    summary: 'Picks a key at random from the current database.',
    since: '1.0.0',
    group: 'generic',
    complexity: 'O(1)',
    arity: 1,
    flags: ['readonly'],
    acl: ['keyspace'],
    tips: ['request_policy:all_shards', 'nondeterministic_output'],
    handler: randomkeyCommand,
  },
  {
    name: 'keys',
    summary: 'Lists every key matching a glob-style pattern (walks the whole database).',
    since: '1.0.0',
    group: 'generic',
    complexity: 'O(N) for N keys in the database',
    arity: 2,
    flags: ['readonly'],
    acl: ['keyspace', 'dangerous'],
    tips: ['request_policy:all_shards', 'nondeterministic_output_order'],
    args: [arg.pattern('pattern')],
    handler: keysCommand,
  },
  {
    name: 'scan',
    summary: 'Walks the keys of the database a few at a time with a cursor, with optional pattern and type filters.',
    since: '2.8.0',
    group: 'generic',
    complexity: 'O(1) per call, O(N) for a full iteration',
    arity: -2,
    flags: ['readonly'],
    acl: ['keyspace'],
    tips: ['nondeterministic_output', 'request_policy:special'],
    args: [
      arg.integer('cursor'),
      arg.pattern('pattern', { token: 'MATCH', optional: true }),
      arg.integer('count', { token: 'COUNT', optional: true }),
      arg.string('type', { token: 'TYPE', since: '6.0.0', optional: true }),
    ],
    handler: scanCommand,
  },
  {
    name: 'dbsize',
    summary: 'Counts the keys of the current database.',
    since: '1.0.0',
    group: 'server',
    complexity: 'O(1)',
    arity: 1,
    flags: ['readonly', 'fast'],
    acl: ['keyspace'],
    tips: ['request_policy:all_shards', 'response_policy:agg_sum'],
    handler: dbsizeCommand,
  },
  {
    name: 'flushdb',
    summary: 'Deletes every key of the current database.',
    since: '1.0.0',
    group: 'server',
    complexity: 'O(N) for N keys in the database',
    arity: -1,
    flags: ['write'],
    acl: ['keyspace', 'dangerous'],
    tips: ['request_policy:all_shards', 'response_policy:all_succeeded'],
    args: [arg.oneOf('async', [arg.token('ASYNC', { since: '4.0.0' }), arg.token('SYNC', { since: '6.2.0' })], { optional: true })],
    handler: flushdbCommand,
  },
  {
    name: 'flushall',
    summary: 'Deletes every key of every database.',
    since: '1.0.0',
    group: 'server',
    complexity: 'O(N) for N keys in all databases',
    arity: -1,
    flags: ['write'],
    acl: ['keyspace', 'dangerous'],
    tips: ['request_policy:all_shards', 'response_policy:all_succeeded'],
    args: [arg.oneOf('async', [arg.token('ASYNC', { since: '4.0.0' }), arg.token('SYNC', { since: '6.2.0' })], { optional: true })],
    handler: flushallCommand,
  },
  {
    name: 'swapdb',
    summary: 'Exchanges the contents of two databases, for every connected client at once.',
    since: '4.0.0',
    group: 'server',
    complexity: 'O(N) for N clients watching or blocked on keys of either database',
    arity: 3,
    flags: ['write', 'fast'],
    acl: ['keyspace', 'dangerous'],
    args: [arg.integer('index1'), arg.integer('index2')],
    handler: swapdbCommand,
  },
  {
    name: 'expire',
    summary: 'Sets a time to live in seconds on a key, optionally only under a condition on the current one.',
    since: '1.0.0',
    group: 'generic',
    complexity: 'O(1)',
    arity: -3,
    flags: ['write', 'fast'],
    acl: ['keyspace'],
    keys: [keyRange(1, 0, ['RW', 'UPDATE'])],
    args: [
      arg.key('key', 0),
      arg.integer('seconds'),
      arg.oneOf('condition', [arg.token('NX'), arg.token('XX'), arg.token('GT'), arg.token('LT')], { since: '7.0.0', optional: true }),
    ],
    handler: expireCommand,
  },
  {
    name: 'pexpire',
    summary: 'Sets a time to live in milliseconds on a key, optionally only under a condition on the current one.',
    since: '2.6.0',
    group: 'generic',
    complexity: 'O(1)',
    arity: -3,
    flags: ['write', 'fast'],
    acl: ['keyspace'],
    keys: [keyRange(1, 0, ['RW', 'UPDATE'])],
    args: [
      arg.key('key', 0),
      arg.integer('milliseconds'),
      arg.oneOf('condition', [arg.token('NX'), arg.token('XX'), arg.token('GT'), arg.token('LT')], { since: '7.0.0', optional: true }),
    ],
    handler: pexpireCommand,
  },
  {
    name: 'expireat',
    summary: 'Sets the Unix time in seconds at which a key expires.',
    since: '1.2.0',
    group: 'generic',
    complexity: 'O(1)',
    arity: -3,
    flags: ['write', 'fast'],
    acl: ['keyspace'],
    keys: [keyRange(1, 0, ['RW', 'UPDATE'])],
    args: [
      arg.key('key', 0),
      arg.unixTime('unix-time-seconds'),
      arg.oneOf('condition', [arg.token('NX'), arg.token('XX'), arg.token('GT'), arg.token('LT')], { since: '7.0.0', optional: true }),
    ],
    handler: expireatCommand,
  },
  {
    name: 'pexpireat',
    summary: 'Sets the Unix time in milliseconds at which a key expires.',
    since: '2.6.0',
    group: 'generic',
    complexity: 'O(1)',
    arity: -3,
    flags: ['write', 'fast'],
    acl: ['keyspace'],
    keys: [keyRange(1, 0, ['RW', 'UPDATE'])],
    args: [
      arg.key('key', 0),
      arg.unixTime('unix-time-milliseconds'),
      arg.oneOf('condition', [arg.token('NX'), arg.token('XX'), arg.token('GT'), arg.token('LT')], { since: '7.0.0', optional: true }),
    ],
    handler: pexpireatCommand,
  },
  {
    name: 'ttl',
    summary: 'Remaining time to live of a key in seconds (-1 without TTL, -2 when missing).',
    since: '1.0.0',
    group: 'generic',
    complexity: 'O(1)',
    arity: 2,
    flags: ['readonly', 'fast'],
    acl: ['keyspace'],
    tips: ['nondeterministic_output'],
    keys: [keyRange(1, 0, ['RO', 'ACCESS'])],
    args: [arg.key('key', 0)],
    handler: ttlCommand,
  },
  {
    name: 'pttl',
    summary: 'Remaining time to live of a key in milliseconds (-1 without TTL, -2 when missing).',
    since: '2.6.0',
    group: 'generic',
    complexity: 'O(1)',
    arity: 2,
    flags: ['readonly', 'fast'],
    acl: ['keyspace'],
    tips: ['nondeterministic_output'],
    keys: [keyRange(1, 0, ['RO', 'ACCESS'])],
    args: [arg.key('key', 0)],
    handler: pttlCommand,
  },
  {
    name: 'expiretime',
    summary: 'The Unix time in seconds at which a key expires (-1 without TTL, -2 when missing).',
    since: '7.0.0',
    group: 'generic',
    complexity: 'O(1)',
    arity: 2,
    flags: ['readonly', 'fast'],
    acl: ['keyspace'],
    keys: [keyRange(1, 0, ['RO', 'ACCESS'])],
    args: [arg.key('key', 0)],
    handler: expiretimeCommand,
  },
  {
    name: 'pexpiretime',
    summary: 'The Unix time in milliseconds at which a key expires (-1 without TTL, -2 when missing).',
    since: '7.0.0',
    group: 'generic',
    complexity: 'O(1)',
    arity: 2,
    flags: ['readonly', 'fast'],
    acl: ['keyspace'],
    keys: [keyRange(1, 0, ['RO', 'ACCESS'])],
    args: [arg.key('key', 0)],
    handler: pexpiretimeCommand,
  },
  {
    name: 'persist',
    summary: 'Removes the time to live of a key.',
    since: '2.2.0',
    group: 'generic',
    complexity: 'O(1)',
    arity: 2,
    flags: ['write', 'fast'],
    acl: ['keyspace'],
    keys: [keyRange(1, 0, ['RW', 'UPDATE'])],
    args: [arg.key('key', 0)],
    handler: persistCommand,
  },
  {
    name: 'object',
    summary: 'Introspection of the stored value of a key.',
    since: '2.2.3',
    group: 'generic',
    complexity: 'Depends on the subcommand',
    arity: -2,
    flags: [],
    subcommands: [
      {
        name: 'encoding',
        summary: 'Names the internal representation of the value of a key.',
        since: '2.2.3',
        group: 'generic',
        complexity: 'O(1)',
        arity: 3,
        flags: ['readonly'],
        acl: ['keyspace'],
        tips: ['nondeterministic_output'],
        keys: [keyRange(2, 0, ['RO'])],
        args: [arg.key('key', 0)],
        handler: objectEncodingCommand,
      },
      {
        name: 'freq',
        summary: 'The logarithmic access frequency counter of a key (LFU policies only).',
        since: '4.0.0',
        group: 'generic',
        complexity: 'O(1)',
        arity: 3,
        flags: ['readonly'],
        acl: ['keyspace'],
        tips: ['nondeterministic_output'],
        keys: [keyRange(2, 0, ['RO'])],
        args: [arg.key('key', 0)],
        handler: objectFreqCommand,
      },
      {
        name: 'help',
        summary: 'Lists the OBJECT subcommands.',
        since: '6.2.0',
        group: 'generic',
        complexity: 'O(1)',
        arity: 2,
        flags: ['loading', 'stale'],
        acl: ['keyspace'],
        handler: objectHelpCommand,
      },
      {
        name: 'idletime',
        summary: 'Seconds since the key was last read or written.',
        since: '2.2.3',
        group: 'generic',
        complexity: 'O(1)',
        arity: 3,
        flags: ['readonly'],
        acl: ['keyspace'],
        tips: ['nondeterministic_output'],
        keys: [keyRange(2, 0, ['RO'])],
        args: [arg.key('key', 0)],
        handler: objectIdletimeCommand,
      },
      {
        name: 'refcount',
        summary: 'The reference count of the value of a key.',
        since: '2.2.3',
        group: 'generic',
        complexity: 'O(1)',
        arity: 3,
        flags: ['readonly'],
        acl: ['keyspace'],
        tips: ['nondeterministic_output'],
        keys: [keyRange(2, 0, ['RO'])],
        args: [arg.key('key', 0)],
        handler: objectRefcountCommand,
      },
    ],
  },
];
