import { firstKey, type CommandSpec, type KeySpecFlag, arg } from '../server/command-spec.js';
import { keyWritten, EVENT } from '../server/notify.js';
import { expiredKeyDeletion, propagating, rewriteCommand } from '../server/propagate.js';
import { isOption, alreadyExpired } from './args.js';
import type { Client } from '../server/client.js';
import type { Keyspace } from '../engine/keyspace.js';
import { CommandError, Errors } from '../protocol/errors.js';
import { isString, type StringValue, type Value } from '../engine/values.js';
import {
  appendBytes,
  newZeroPadded,
  stringLength,
  stringOf,
  stringRange,
  toByteString,
  toStoredString,
  writeBytesAt,
} from '../engine/types/string.js';
import { addInt64, parseInteger } from '../util/number.js';
import { incrByFloat } from '../util/long-double.js';

/**
 * The STRING command group: GET/SET and their variants, the counters (INCR family, INCRBYFLOAT),
 * range reads and writes, APPEND, STRLEN and LCS, with Redis 7.0's replies and errors.
 */

// ---------------------------------------------------------------- helpers

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
/** LLONG_MAX / 1000: the largest seconds value whose milliseconds fit in 64 bits. */
const MAX_EXPIRE_SECONDS = 9223372036854775n;

const ERR_OFFSET = 'ERR offset is out of range';
const ERR_DECR_OVERFLOW = 'ERR decrement would overflow';
const ERR_LCS_TYPE = 'ERR The specified keys must contain string values';
const ERR_LCS_IDX_LEN = 'ERR If you want both the length and indexes, please just use IDX.';
const ERR_LCS_TOO_BIG = 'ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len';
const ERR_LCS_ALLOC = 'ERR Insufficient memory, failed allocating transient memory for LCS';

/** getLongLongFromObjectOrReply. */
function int64Arg(s: string): number | bigint {
  const v = parseInteger(s);
  if (v === null) throw new CommandError(Errors.notInteger);
  return v;
}

function narrow(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Throws WRONGTYPE unless `v` is a string value (absent values are the caller's business). */
function asString(v: Value): StringValue {
  if (!isString(v)) throw new CommandError(Errors.wrongType);
  return v;
}

/** Redis's checkStringLength: the resulting size must not exceed proto-max-bulk-len. */
function checkStringLength(c: Client, total: number): void {
  if (total > c.server.config.protoMaxBulkLen) throw new CommandError(Errors.stringTooLong);
}

// ---------------------------------------------------------------- SET / GETEX options

const OPT_NX = 1;
const OPT_XX = 2;
const OPT_EX = 4;
const OPT_PX = 8;
const OPT_KEEPTTL = 16;
const OPT_GET = 32;
const OPT_EXAT = 64;
const OPT_PXAT = 128;
const OPT_PERSIST = 256;
const OPT_ANY_EXPIRE = OPT_EX | OPT_PX | OPT_EXAT | OPT_PXAT;

/** Index in argv of the expire value found by the last parseExtendedOptions call. */
let parsedExpireIndex = 0;

/**
 * Redis's parseExtendedStringArgumentsOrReply for SET (`forSet`) and GETEX: the option flags.
 * The same option may repeat (the last expire value wins); conflicting ones, options that belong
 * to the other command and an expire option without a value are syntax errors.
 */
function parseExtendedOptions(argv: string[], start: number, forSet: boolean): number {
  let flags = 0;
  const last = argv.length - 1;
  for (let j = start; j < argv.length; j++) {
    const opt = argv[j];
    const hasNext = j < last;
    if (forSet && isOption(opt, 'NX') && !(flags & OPT_XX)) {
      flags |= OPT_NX;
    } else if (forSet && isOption(opt, 'XX') && !(flags & OPT_NX)) {
      flags |= OPT_XX;
    } else if (forSet && isOption(opt, 'GET')) {
      flags |= OPT_GET;
    } else if (forSet && isOption(opt, 'KEEPTTL') && !(flags & (OPT_PERSIST | OPT_ANY_EXPIRE))) {
      flags |= OPT_KEEPTTL;
    } else if (!forSet && isOption(opt, 'PERSIST') && !(flags & (OPT_ANY_EXPIRE | OPT_KEEPTTL))) {
      flags |= OPT_PERSIST;
    } else if (hasNext && isOption(opt, 'EX') && !(flags & (OPT_KEEPTTL | OPT_PERSIST | OPT_EXAT | OPT_PX | OPT_PXAT))) {
      flags |= OPT_EX;
      parsedExpireIndex = ++j;
    } else if (hasNext && isOption(opt, 'PX') && !(flags & (OPT_KEEPTTL | OPT_PERSIST | OPT_EX | OPT_EXAT | OPT_PXAT))) {
      flags |= OPT_PX;
      parsedExpireIndex = ++j;
    } else if (hasNext && isOption(opt, 'EXAT') && !(flags & (OPT_KEEPTTL | OPT_PERSIST | OPT_EX | OPT_PX | OPT_PXAT))) {
      flags |= OPT_EXAT;
      parsedExpireIndex = ++j;
    } else if (hasNext && isOption(opt, 'PXAT') && !(flags & (OPT_KEEPTTL | OPT_PERSIST | OPT_EX | OPT_EXAT | OPT_PX))) {
      flags |= OPT_PXAT;
      parsedExpireIndex = ++j;
    } else {
      throw new CommandError(Errors.syntax);
    }
  }
  return flags;
}

/**
 * Redis's getExpireMillisecondsOrReply: the absolute expiry in ms for an EX/PX/EXAT/PXAT value.
 * Zero, negative, and values whose milliseconds (plus now, for relative forms) overflow a signed
 * 64-bit integer are "invalid expire time in '<cmd>' command".
 */
function expireAtOrThrow(c: Client, arg: string, flags: number, cmd: string): number | bigint {
  const v = parseInteger(arg);
  if (v === null) throw new CommandError(Errors.notInteger);
  const seconds = (flags & (OPT_EX | OPT_EXAT)) !== 0;
  const relative = (flags & (OPT_EX | OPT_PX)) !== 0;
  if (typeof v === 'number') {
    if (v <= 0) throw new CommandError(Errors.invalidExpire(cmd));
    let ms = seconds ? v * 1000 : v;
    if (relative) ms += c.server.clock.now;
    if (Number.isSafeInteger(ms)) return ms;
  }
  const big = BigInt(v);
  if (big <= 0n || (seconds && big > MAX_EXPIRE_SECONDS)) throw new CommandError(Errors.invalidExpire(cmd));
  let ms = seconds ? big * 1000n : big;
  if (relative) ms += BigInt(c.server.clock.now);
  // In C the sum wraps to a negative number, which Redis reports the same way.
  if (ms > INT64_MAX) throw new CommandError(Errors.invalidExpire(cmd));
  return narrow(ms);
}

// ---------------------------------------------------------------- GET / SET family

// GET key
function getCommand(c: Client, argv: string[]): void {
  const v = c.db.lookupRead(argv[1]);
  if (v === undefined) return c.reply.nullBulk();
  if (!isString(v)) throw new CommandError(Errors.wrongType);
  c.reply.bulk(v);
}

// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]
function setCommand(c: Client, argv: string[]): void {
  if (argv.length === 3) {
    c.db.set(argv[1], toStoredString(argv[2]));
    keyWritten(c, EVENT.string, 'set', argv[1]);
    c.reply.ok();
    return;
  }
  const flags = parseExtendedOptions(argv, 3, true);
  let when: number | bigint = 0;
  if (flags & OPT_ANY_EXPIRE) when = expireAtOrThrow(c, argv[parsedExpireIndex], flags, 'set');
  const db = c.db;
  const key = argv[1];
  let old: Value | undefined;
  if (flags & OPT_GET) {
    old = db.lookupRead(key);
    if (old !== undefined) asString(old);
  }
  // Redis looks the key up for writing too (an access of its own); without a condition or GET,
  // set() does that lookup.
  const lookedUp = (flags & (OPT_NX | OPT_XX | OPT_GET)) !== 0;
  const found = lookedUp && db.lookupWrite(key) !== undefined;
  if (((flags & OPT_NX) && found) || ((flags & OPT_XX) && !found)) {
    if (old !== undefined) c.reply.bulk(old as StringValue);
    else c.reply.nullBulk();
    return;
  }
  db.set(key, toStoredString(argv[2]), (flags & OPT_KEEPTTL) !== 0, lookedUp);
  keyWritten(c, EVENT.string, 'set', key);
  if (flags & OPT_ANY_EXPIRE) {
    db.setExpire(key, when);
    propagateAsSetPxat(c, key, argv[2], when);
    keyWritten(c, EVENT.generic, 'expire', key, 0);
  } else if ((flags & OPT_GET) && propagating(c)) {
    rewriteCommand(c, withoutGetOption(argv));
  }
  if (!(flags & OPT_GET)) c.reply.ok();
  else if (old !== undefined) c.reply.bulk(old as StringValue);
  else c.reply.nullBulk();
}

// SETNX key value
function setnxCommand(c: Client, argv: string[]): void {
  const db = c.db;
  if (db.lookupWrite(argv[1]) !== undefined) return c.reply.int(0);
  db.set(argv[1], toStoredString(argv[2]));
  keyWritten(c, EVENT.string, 'set', argv[1]);
  c.reply.int(1);
}

/** SETEX / PSETEX: set with a relative expiry in seconds or milliseconds. */
function setWithExpire(c: Client, argv: string[], flag: number, cmd: string): void {
  const when = expireAtOrThrow(c, argv[2], flag, cmd);
  const db = c.db;
  db.set(argv[1], toStoredString(argv[3]));
  db.setExpire(argv[1], when);
  keyWritten(c, EVENT.string, 'set', argv[1]);
  propagateAsSetPxat(c, argv[1], argv[3], when);
  keyWritten(c, EVENT.generic, 'expire', argv[1], 0);
  c.reply.ok();
}

/** SET ... GET without an expiry replays without its GET options (replicas answer nobody). */
function withoutGetOption(argv: string[]): string[] {
  const out = argv.slice(0, 3);
  for (let j = 3; j < argv.length; j++) if (!isOption(argv[j], 'GET')) out.push(argv[j]);
  return out;
}

/** A SET with an expiry (SET EX/PX/EXAT/PXAT, SETEX, PSETEX) replays as SET key value PXAT ms. */
function propagateAsSetPxat(c: Client, key: string, value: string, when: number | bigint): void {
  if (propagating(c)) rewriteCommand(c, ['SET', key, value, 'PXAT', String(when)]);
}

// SETEX key seconds value
function setexCommand(c: Client, argv: string[]): void {
  setWithExpire(c, argv, OPT_EX, 'setex');
}

// PSETEX key milliseconds value
function psetexCommand(c: Client, argv: string[]): void {
  setWithExpire(c, argv, OPT_PX, 'psetex');
}

// GETSET key value
function getsetCommand(c: Client, argv: string[]): void {
  const db = c.db;
  const old = db.lookupRead(argv[1]);
  if (old !== undefined) asString(old);
  db.set(argv[1], toStoredString(argv[2]));
  keyWritten(c, EVENT.string, 'set', argv[1]);
  if (propagating(c)) rewriteCommand(c, ['SET', argv[1], argv[2]]);
  if (old === undefined) c.reply.nullBulk();
  else c.reply.bulk(old as StringValue);
}

// GETDEL key
function getdelCommand(c: Client, argv: string[]): void {
  const db = c.db;
  const old = db.lookupRead(argv[1]);
  if (old === undefined) return c.reply.nullBulk();
  asString(old);
  db.delete(argv[1]);
  keyWritten(c, EVENT.generic, 'del', argv[1]);
  if (propagating(c)) rewriteCommand(c, ['DEL', argv[1]]);
  c.reply.bulk(old as StringValue);
}

// GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]
function getexCommand(c: Client, argv: string[]): void {
  const flags = argv.length > 2 ? parseExtendedOptions(argv, 2, false) : 0;
  const db = c.db;
  const key = argv[1];
  const v = db.lookupRead(key);
  if (v === undefined) return c.reply.nullBulk();
  asString(v);
  // The expire value is validated only once the key is known to hold a string.
  let when: number | bigint = 0;
  if (flags & OPT_ANY_EXPIRE) when = expireAtOrThrow(c, argv[parsedExpireIndex], flags, 'getex');
  c.reply.bulk(v as StringValue);
  if ((flags & (OPT_EXAT | OPT_PXAT)) && alreadyExpired(c, when)) {
    // An absolute time already in the past deletes the key, replayed as the deletion itself.
    db.delete(key);
    keyWritten(c, EVENT.generic, 'del', key);
    if (propagating(c)) rewriteCommand(c, expiredKeyDeletion(c.server.config.lazyfreeLazyExpire, key));
  } else if (flags & OPT_ANY_EXPIRE) {
    db.setExpire(key, when);
    keyWritten(c, EVENT.generic, 'expire', key);
    if (propagating(c)) rewriteCommand(c, ['PEXPIREAT', key, String(when)]);
  } else if (flags & OPT_PERSIST) {
    if (db.persist(key)) {
      keyWritten(c, EVENT.generic, 'persist', key);
      if (propagating(c)) rewriteCommand(c, ['PERSIST', key]);
    }
  }
}

// MGET key [key ...]
function mgetCommand(c: Client, argv: string[]): void {
  const db = c.db;
  const n = argv.length;
  c.reply.arrayLen(n - 1);
  for (let j = 1; j < n; j++) {
    const v = db.lookupRead(argv[j]);
    if (v === undefined || !isString(v)) c.reply.nullBulk();
    else c.reply.bulk(v);
  }
}

// MSET key value [key value ...]
function msetCommand(c: Client, argv: string[]): void {
  const n = argv.length;
  if (n % 2 === 0) throw new CommandError(Errors.wrongArity('mset'));
  const db = c.db;
  for (let j = 1; j < n; j += 2) {
    db.set(argv[j], toStoredString(argv[j + 1]));
    keyWritten(c, EVENT.string, 'set', argv[j]);
  }
  c.reply.ok();
}

// MSETNX key value [key value ...]
function msetnxCommand(c: Client, argv: string[]): void {
  const n = argv.length;
  if (n % 2 === 0) throw new CommandError(Errors.wrongArity('msetnx'));
  const db = c.db;
  for (let j = 1; j < n; j += 2) {
    if (db.lookupWrite(argv[j]) !== undefined) return c.reply.int(0);
  }
  for (let j = 1; j < n; j += 2) {
    db.set(argv[j], toStoredString(argv[j + 1]));
    keyWritten(c, EVENT.string, 'set', argv[j]);
  }
  c.reply.int(1);
}

// ---------------------------------------------------------------- in-place modification

// APPEND key value
function appendCommand(c: Client, argv: string[]): void {
  const db = c.db;
  const key = argv[1];
  const tail = argv[2];
  const v = db.lookupWrite(key);
  if (v === undefined) {
    db.set(key, toStoredString(tail));
    keyWritten(c, EVENT.string, 'append', key);
    c.reply.int(tail.length);
    return;
  }
  const s = asString(v);
  checkStringLength(c, stringLength(s) + tail.length);
  const b = toByteString(s);
  if (b !== s) db.replace(key, b);
  const total = appendBytes(b, tail);
  keyWritten(c, EVENT.string, 'append', key);
  c.reply.int(total);
}

// SETRANGE key offset value
function setrangeCommand(c: Client, argv: string[]): void {
  const offset = Number(int64Arg(argv[2]));
  if (offset < 0) throw new CommandError(ERR_OFFSET);
  const db = c.db;
  const key = argv[1];
  const value = argv[3];
  const v = db.lookupWrite(key);
  if (v === undefined) {
    if (value.length === 0) return c.reply.int(0);
    checkStringLength(c, offset + value.length);
    const b = newZeroPadded(offset, value);
    db.set(key, b);
    keyWritten(c, EVENT.string, 'setrange', key);
    c.reply.int(b.len);
    return;
  }
  const s = asString(v);
  if (value.length === 0) return c.reply.int(stringLength(s));
  checkStringLength(c, offset + value.length);
  const b = toByteString(s);
  if (b !== s) db.replace(key, b);
  const len = writeBytesAt(b, offset, value);
  keyWritten(c, EVENT.string, 'setrange', key);
  c.reply.int(len);
}

// GETRANGE key start end  (also SUBSTR key start end)
function getrangeCommand(c: Client, argv: string[]): void {
  let start = Number(int64Arg(argv[2]));
  let end = Number(int64Arg(argv[3]));
  const v = c.db.lookupRead(argv[1]);
  if (v === undefined) return c.reply.bulk('');
  const s = asString(v);
  const len = stringLength(s);
  if (start < 0 && end < 0 && start > end) return c.reply.bulk('');
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) return c.reply.bulk('');
  c.reply.bulk(stringRange(s, start, end));
}

// STRLEN key
function strlenCommand(c: Client, argv: string[]): void {
  const v = c.db.lookupRead(argv[1]);
  if (v === undefined) return c.reply.int(0);
  c.reply.int(stringLength(asString(v)));
}

// ---------------------------------------------------------------- counters

/** INCR/DECR/INCRBY/DECRBY: add `incr` to the integer at `key` (0 when absent), keeping its TTL. */
function incrDecr(c: Client, key: string, incr: number | bigint): void {
  const db = c.db;
  const v = db.lookupWrite(key);
  let current: number | bigint;
  if (v === undefined) {
    current = 0;
  } else if (typeof v === 'number') {
    if (typeof incr === 'number') {
      const r = v + incr;
      if (Number.isSafeInteger(r)) {
        db.replace(key, r);
        keyWritten(c, EVENT.string, 'incrby', key);
        c.reply.int(r);
        return;
      }
    }
    current = v;
  } else {
    const parsed = parseInteger(stringOf(asString(v)));
    if (parsed === null) throw new CommandError(Errors.notInteger);
    current = parsed;
  }
  const r = addInt64(current, incr);
  if (r === null) throw new CommandError(Errors.overflow);
  const stored = typeof r === 'number' ? r : r.toString();
  if (v === undefined) db.set(key, stored);
  else db.replace(key, stored);
  keyWritten(c, EVENT.string, 'incrby', key);
  c.reply.int(r);
}

// INCR key
function incrCommand(c: Client, argv: string[]): void {
  incrDecr(c, argv[1], 1);
}

// DECR key
function decrCommand(c: Client, argv: string[]): void {
  incrDecr(c, argv[1], -1);
}

// INCRBY key increment
function incrbyCommand(c: Client, argv: string[]): void {
  incrDecr(c, argv[1], int64Arg(argv[2]));
}

// DECRBY key decrement
function decrbyCommand(c: Client, argv: string[]): void {
  const n = int64Arg(argv[2]);
  if (n === INT64_MIN) throw new CommandError(ERR_DECR_OVERFLOW);
  incrDecr(c, argv[1], typeof n === 'number' ? (n === 0 ? 0 : -n) : narrow(-n));
}

// INCRBYFLOAT key increment
function incrbyfloatCommand(c: Client, argv: string[]): void {
  const db = c.db;
  const key = argv[1];
  const v = db.lookupWrite(key);
  let current: string | number | null = null;
  if (v !== undefined) {
    const s = asString(v);
    current = typeof s === 'number' ? s : stringOf(s);
  }
  const r = incrByFloat(current, argv[2]);
  if (!r.ok) throw new CommandError(r.error === 'naninf' ? Errors.nanOrInfinity : Errors.notFloat);
  // Stored unencoded, as Redis stores it (OBJECT ENCODING embstr/raw, never int).
  if (v === undefined) db.set(key, r.value);
  else db.replace(key, r.value);
  keyWritten(c, EVENT.string, 'incrbyfloat', key);
  // Replayed as the result, so float formatting can never make a replica differ.
  if (propagating(c)) rewriteCommand(c, ['SET', key, r.value, 'KEEPTTL']);
  c.reply.bulk(r.value);
}

// ---------------------------------------------------------------- LCS

function bytesOf(v: Value | undefined): Uint8Array {
  if (v === undefined) return new Uint8Array(0);
  if (typeof v === 'object' && isString(v)) return v.bytes.subarray(v.start, v.start + v.len);
  return Buffer.from(stringOf(v as StringValue), 'latin1');
}

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]
function lcsCommand(c: Client, argv: string[]): void {
  const db: Keyspace = c.db;
  const va = db.lookupRead(argv[1]);
  const vb = db.lookupRead(argv[2]);
  if ((va !== undefined && !isString(va)) || (vb !== undefined && !isString(vb))) {
    throw new CommandError(ERR_LCS_TYPE);
  }
  let getLen = false;
  let getIdx = false;
  let withMatchLen = false;
  let minMatchLen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j];
    const more = argv.length - 1 - j;
    if (isOption(opt, 'IDX')) getIdx = true;
    else if (isOption(opt, 'LEN')) getLen = true;
    else if (isOption(opt, 'WITHMATCHLEN')) withMatchLen = true;
    else if (isOption(opt, 'MINMATCHLEN') && more > 0) {
      const n = Number(int64Arg(argv[++j]));
      minMatchLen = n < 0 ? 0 : n;
    } else throw new CommandError(Errors.syntax);
  }
  if (getIdx && getLen) throw new CommandError(ERR_LCS_IDX_LEN);
  const a = bytesOf(va);
  const b = bytesOf(vb);
  const alen = a.length;
  const blen = b.length;
  // Redis sizes a (alen+1) x (blen+1) table of uint32 and refuses beyond proto-max-bulk-len.
  if ((alen + 1) * (blen + 1) * 4 > c.server.config.protoMaxBulkLen) throw new CommandError(ERR_LCS_TOO_BIG);

  if (getLen && !getIdx) {
    c.reply.int(lcsLength(a, b));
    return;
  }

  const w = blen + 1;
  let t: Uint32Array;
  try {
    t = new Uint32Array((alen + 1) * w);
  } catch {
    throw new CommandError(ERR_LCS_ALLOC);
  }
  for (let i = 1; i <= alen; i++) {
    const ai = a[i - 1];
    const row = i * w;
    const prev = row - w;
    for (let j = 1; j <= blen; j++) {
      if (ai === b[j - 1]) {
        t[row + j] = t[prev + j - 1] + 1;
      } else {
        const up = t[prev + j];
        const left = t[row + j - 1];
        t[row + j] = up > left ? up : left;
      }
    }
  }
  const total = t[alen * w + blen];

  // Walk back from the bottom-right corner, collecting the common bytes (written backwards) and,
  // for IDX, the matching ranges from the last to the first.
  const result = getIdx ? null : Buffer.allocUnsafe(total);
  const ranges: number[] = [];
  let idx = total;
  let aStart = alen; // alen means "no range open"
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  let i = alen;
  let j = blen;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a[i - 1] === b[j - 1]) {
      if (result !== null) result[idx - 1] = a[i - 1];
      if (aStart === alen) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        // Contiguous with the open range: extend it backwards.
        aStart--;
        bStart--;
      } else {
        emit = true;
      }
      if (aStart === 0 || bStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      if (t[(i - 1) * w + j] > t[i * w + j - 1]) i--;
      else j--;
      if (aStart !== alen) emit = true;
    }
    if (emit) {
      const matchLen = aEnd - aStart + 1;
      if (minMatchLen === 0 || matchLen >= minMatchLen) ranges.push(aStart, aEnd, bStart, bEnd, matchLen);
      aStart = alen;
    }
  }

  if (!getIdx) {
    c.reply.bulk(result!);
    return;
  }
  const r = c.reply;
  r.mapLen(2);
  r.bulk('matches');
  r.arrayLen(ranges.length / 5);
  for (let k = 0; k < ranges.length; k += 5) {
    r.arrayLen(withMatchLen ? 3 : 2);
    r.arrayLen(2);
    r.int(ranges[k]);
    r.int(ranges[k + 1]);
    r.arrayLen(2);
    r.int(ranges[k + 2]);
    r.int(ranges[k + 3]);
    if (withMatchLen) r.int(ranges[k + 4]);
  }
  r.bulk('len');
  r.int(total);
}

/** Length of the longest common subsequence with two rows of the table (LCS ... LEN). */
function lcsLength(a: Uint8Array, b: Uint8Array): number {
  const blen = b.length;
  let prev = new Uint32Array(blen + 1);
  let cur = new Uint32Array(blen + 1);
  for (let i = 0; i < a.length; i++) {
    const ai = a[i];
    for (let j = 1; j <= blen; j++) {
      if (ai === b[j - 1]) {
        cur[j] = prev[j - 1] + 1;
      } else {
        const up = prev[j];
        const left = cur[j - 1];
        cur[j] = up > left ? up : left;
      }
    }
    const tmp = prev;
    prev = cur;
    cur = tmp;
  }
  return prev[blen];
}

// ---------------------------------------------------------------- command table

const RANGE_COMPLEXITY =
  'O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.';

/** Redis's setGetKeys: the key is read too only when GET is among the options. */
function setGetKeys(argv: readonly string[]): Array<{ pos: number; flags: readonly KeySpecFlag[] }> {
  for (let i = 3; i < argv.length; i++) {
    if (isOption(argv[i], 'GET')) return [{ pos: 1, flags: ['RW', 'ACCESS', 'UPDATE'] }];
  }
  return [{ pos: 1, flags: ['OW', 'UPDATE'] }];
}

export const STRING_COMMANDS: CommandSpec[] = [
  {
    name: 'get',
    summary: 'Returns the string value of a key.',
    since: '1.0.0',
    group: 'string',
    complexity: 'O(1)',
    arity: 2,
    flags: ['readonly', 'fast'],
    acl: ['string'],
    keys: firstKey(['RO', 'ACCESS']),
    args: [arg.key('key', 0)],
    handler: getCommand,
  },
  {
    name: 'set',
    summary: 'Sets the string value of a key, with optional condition, expiry and old-value return.',
    since: '1.0.0',
    group: 'string',
    complexity: 'O(1)',
    arity: -3,
    flags: ['write', 'denyoom'],
    acl: ['string'],
    keys: firstKey(['RW', 'ACCESS', 'UPDATE', 'VARIABLE_FLAGS'], 'RW and ACCESS due to the optional `GET` argument'),
    getKeysAndFlags: setGetKeys,
    args: [
      arg.key('key', 0),
      arg.string('value'),
      arg.oneOf('condition', [arg.token('NX'), arg.token('XX')], { since: '2.6.12', optional: true }),
      arg.token('GET', { since: '6.2.0', optional: true }),
      arg.oneOf('expiration', [
        arg.integer('seconds', { token: 'EX', since: '2.6.12' }),
        arg.integer('milliseconds', { token: 'PX', since: '2.6.12' }),
        arg.unixTime('unix-time-seconds', { token: 'EXAT', since: '6.2.0' }),
        arg.unixTime('unix-time-milliseconds', { token: 'PXAT', since: '6.2.0' }),
        arg.token('KEEPTTL', { since: '6.0.0' }),
      ], { optional: true }),
    ],
    handler: setCommand,
  },
  {
    name: 'setnx',
    summary: 'Sets the value of a key only when the key does not exist yet.',
    since: '1.0.0',
    group: 'string',
    complexity: 'O(1)',
    arity: 3,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['string'],
    keys: firstKey(['OW', 'INSERT']),
    args: [arg.key('key', 0), arg.string('value')],
    handler: setnxCommand,
  },
  {
    name: 'setex',
    summary: 'Sets the value of a key together with a time to live in seconds.',
    since: '2.0.0',
    group: 'string',
    complexity: 'O(1)',
    arity: 4,
    flags: ['write', 'denyoom'],
    acl: ['string'],
    keys: firstKey(['OW', 'UPDATE']),
    args: [arg.key('key', 0), arg.integer('seconds'), arg.string('value')],
    handler: setexCommand,
  },
  {
    name: 'psetex',
    summary: 'Sets the value of a key together with a time to live in milliseconds.',
    since: '2.6.0',
    group: 'string',
    complexity: 'O(1)',
    arity: 4,
    flags: ['write', 'denyoom'],
    acl: ['string'],
    keys: firstKey(['OW', 'UPDATE']),
    args: [arg.key('key', 0), arg.integer('milliseconds'), arg.string('value')],
    handler: psetexCommand,
  },
  {
    name: 'mget',
    summary: 'Returns the string values of several keys at once.',
    since: '1.0.0',
    group: 'string',
    complexity: 'O(N) where N is the number of keys to retrieve.',
    arity: -2,
    flags: ['readonly', 'fast'],
    acl: ['string'],
    tips: ['request_policy:multi_shard'],
    keys: [{ flags: ['RO', 'ACCESS'], begin: { index: 1 }, find: { range: { lastkey: -1, step: 1, limit: 0 } } }],
    args: [arg.key('key', 0, { multiple: true })],
    handler: mgetCommand,
  },
  {
    name: 'mset',
    summary: 'Sets the string values of several keys at once.',
    since: '1.0.1',
    group: 'string',
    complexity: 'O(N) where N is the number of keys to set.',
    arity: -3,
    flags: ['write', 'denyoom'],
    acl: ['string'],
    tips: ['request_policy:multi_shard', 'response_policy:all_succeeded'],
    keys: [{ flags: ['OW', 'UPDATE'], begin: { index: 1 }, find: { range: { lastkey: -1, step: 2, limit: 0 } } }],
    args: [arg.block('key_value', [arg.key('key', 0), arg.string('value')], { multiple: true })],
    handler: msetCommand,
  },
  {
    name: 'msetnx',
    summary: 'Sets several keys at once, but only when none of them exists yet.',
    since: '1.0.1',
    group: 'string',
    complexity: 'O(N) where N is the number of keys to set.',
    arity: -3,
    flags: ['write', 'denyoom'],
    acl: ['string'],
    tips: ['request_policy:multi_shard', 'response_policy:agg_min'],
    keys: [{ flags: ['OW', 'INSERT'], begin: { index: 1 }, find: { range: { lastkey: -1, step: 2, limit: 0 } } }],
    args: [arg.block('key_value', [arg.key('key', 0), arg.string('value')], { multiple: true })],
    handler: msetnxCommand,
  },
  {
    name: 'getset',
    summary: 'Replaces the string value of a key and returns the value it had before.',
    since: '1.0.0',
    docFlags: ['deprecated'],
    deprecatedSince: '6.2.0',
    replacedBy: '`SET` with the `!GET` argument',
    group: 'string',
    complexity: 'O(1)',
    arity: 3,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['string'],
    keys: firstKey(['RW', 'ACCESS', 'UPDATE']),
    args: [arg.key('key', 0), arg.string('value')],
    handler: getsetCommand,
  },
  {
    name: 'getdel',
    summary: 'Returns the string value of a key and deletes the key.',
    since: '6.2.0',
    group: 'string',
    complexity: 'O(1)',
    arity: 2,
    flags: ['write', 'fast'],
    acl: ['string'],
    keys: firstKey(['RW', 'ACCESS', 'DELETE']),
    args: [arg.key('key', 0)],
    handler: getdelCommand,
  },
  {
    name: 'getex',
    summary: 'Returns the string value of a key and optionally changes or removes its expiry.',
    since: '6.2.0',
    group: 'string',
    complexity: 'O(1)',
    arity: -2,
    flags: ['write', 'fast'],
    acl: ['string'],
    keys: firstKey(['RW', 'ACCESS', 'UPDATE'], 'RW and UPDATE because it changes the TTL'),
    args: [
      arg.key('key', 0),
      arg.oneOf('expiration', [
        arg.integer('seconds', { token: 'EX' }),
        arg.integer('milliseconds', { token: 'PX' }),
        arg.unixTime('unix-time-seconds', { token: 'EXAT' }),
        arg.unixTime('unix-time-milliseconds', { token: 'PXAT' }),
        arg.token('PERSIST'),
      ], { optional: true }),
    ],
    handler: getexCommand,
  },
  {
    name: 'append',
    summary: 'Adds bytes to the end of a string value, creating the key when missing.',
    since: '2.0.0',
    group: 'string',
    complexity:
      'O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.',
    arity: 3,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['string'],
    keys: firstKey(['RW', 'INSERT']),
    args: [arg.key('key', 0), arg.string('value')],
    handler: appendCommand,
  },
  {
    name: 'strlen',
    summary: 'Returns the length in bytes of a string value.',
    since: '2.2.0',
    group: 'string',
    complexity: 'O(1)',
    arity: 2,
    flags: ['readonly', 'fast'],
    acl: ['string'],
    keys: firstKey(['RO']),
    args: [arg.key('key', 0)],
    handler: strlenCommand,
  },
  {
    name: 'incr',
    summary: 'Adds one to the integer value of a key (0 when missing).',
    since: '1.0.0',
    group: 'string',
    complexity: 'O(1)',
    arity: 2,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['string'],
    keys: firstKey(['RW', 'ACCESS', 'UPDATE']),
    args: [arg.key('key', 0)],
    handler: incrCommand,
  },
  {
    name: 'decr',
    summary: 'Subtracts one from the integer value of a key (0 when missing).',
    since: '1.0.0',
    group: 'string',
    complexity: 'O(1)',
    arity: 2,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['string'],
    keys: firstKey(['RW', 'ACCESS', 'UPDATE']),
    args: [arg.key('key', 0)],
    handler: decrCommand,
  },
  {
    name: 'incrby',
    summary: 'Adds a signed 64-bit amount to the integer value of a key (0 when missing).',
    since: '1.0.0',
    group: 'string',
    complexity: 'O(1)',
    arity: 3,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['string'],
    keys: firstKey(['RW', 'ACCESS', 'UPDATE']),
    args: [arg.key('key', 0), arg.integer('increment')],
    handler: incrbyCommand,
  },
  {
    name: 'decrby',
    summary: 'Subtracts a signed 64-bit amount from the integer value of a key (0 when missing).',
    since: '1.0.0',
    group: 'string',
    complexity: 'O(1)',
    arity: 3,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['string'],
    keys: firstKey(['RW', 'ACCESS', 'UPDATE']),
    args: [arg.key('key', 0), arg.integer('decrement')],
    handler: decrbyCommand,
  },
  {
    name: 'incrbyfloat',
    summary: 'Adds a floating-point amount to the numeric value of a key (0 when missing).',
    since: '2.6.0',
    group: 'string',
    complexity: 'O(1)',
    arity: 3,
    flags: ['write', 'denyoom', 'fast'],
    acl: ['string'],
    keys: firstKey(['RW', 'ACCESS', 'UPDATE']),
    args: [arg.key('key', 0), arg.double('increment')],
    handler: incrbyfloatCommand,
  },
  {
    name: 'getrange',
    summary: 'Returns a substring of a string value, by byte offsets (negative ones count from the end).',
    since: '2.4.0',
    group: 'string',
    complexity: RANGE_COMPLEXITY,
    arity: 4,
    flags: ['readonly'],
    acl: ['string'],
    keys: firstKey(['RO', 'ACCESS']),
    args: [arg.key('key', 0), arg.integer('start'), arg.integer('end')],
    handler: getrangeCommand,
  },
  {
    name: 'setrange',
    summary: 'Overwrites part of a string value at a byte offset, zero-padding as needed.',
    since: '2.2.0',
    group: 'string',
    complexity:
      'O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.',
    arity: 4,
    flags: ['write', 'denyoom'],
    acl: ['string'],
    keys: firstKey(['RW', 'UPDATE']),
    args: [arg.key('key', 0), arg.integer('offset'), arg.string('value')],
    handler: setrangeCommand,
  },
  {
    name: 'substr',
    summary: 'Returns a substring of a string value (the older name of GETRANGE).',
    since: '1.0.0',
    docFlags: ['deprecated'],
    deprecatedSince: '2.0.0',
    replacedBy: '`GETRANGE`',
    group: 'string',
    complexity: RANGE_COMPLEXITY,
    arity: 4,
    flags: ['readonly'],
    acl: ['string'],
    keys: firstKey(['RO', 'ACCESS']),
    args: [arg.key('key', 0), arg.integer('start'), arg.integer('end')],
    handler: getrangeCommand,
  },
  {
    name: 'lcs',
    summary: 'Finds the longest common subsequence of two string values.',
    since: '7.0.0',
    group: 'string',
    complexity: 'O(N*M) where N and M are the lengths of s1 and s2, respectively',
    arity: -3,
    flags: ['readonly'],
    acl: ['string'],
    keys: [{ flags: ['RO', 'ACCESS'], begin: { index: 1 }, find: { range: { lastkey: 1, step: 1, limit: 0 } } }],
    args: [
      arg.key('key1', 0),
      arg.key('key2', 0),
      arg.token('LEN', { optional: true }),
      arg.token('IDX', { optional: true }),
      arg.integer('len', { token: 'MINMATCHLEN', optional: true }),
      arg.token('WITHMATCHLEN', { optional: true }),
    ],
    handler: lcsCommand,
  },
];
