import { firstKey, keyAt, arg, type CommandSpec, type KeySpecFlag } from '../server/command-spec.js';
import { keyWritten, EVENT } from '../server/notify.js';
import { isOption } from './args.js';
import type { Client } from '../server/client.js';
import { CommandError, Errors } from '../protocol/errors.js';
import { isString, ByteString, type StringValue, type Value } from '../engine/values.js';
import { parseInteger } from '../util/number.js';
import { stringLength } from '../engine/types/string.js';
import {
  byteAt,
  firstBit,
  getBitfield,
  growZero,
  popcount,
  setBitfield,
  viewBytes,
  viewLen,
  viewOf,
  viewStart,
} from '../engine/types/bitmap.js';

/**
 * The BITMAP command group: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO, on string
 * values (src/engine/types/bitmap.ts), with Redis 7.0's replies, errors and argument order.
 */

// ---------------------------------------------------------------- helpers

const ERR_BIT_OFFSET = 'ERR bit offset is not an integer or out of range';
const ERR_BIT_VALUE = 'ERR bit is not an integer or out of range';
const ERR_BITPOS_BIT = 'ERR The bit argument must be 1 or 0.';
const ERR_BITOP_NOT = 'ERR BITOP NOT must be called with a single source key.';
const ERR_BITFIELD_TYPE = 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';
const ERR_OVERFLOW_TYPE = 'ERR Invalid OVERFLOW type specified';
const ERR_BITFIELD_RO = 'ERR BITFIELD_RO only supports the GET subcommand';

/** getLongLongFromObjectOrReply. */
function int64Arg(s: string): number | bigint {
  const v = parseInteger(s);
  if (v === null) throw new CommandError(Errors.notInteger);
  return v;
}

function asString(v: Value): StringValue {
  if (!isString(v)) throw new CommandError(Errors.wrongType);
  return v;
}

/**
 * Redis's getBitOffsetFromArgument: a bit offset, `#n` meaning n * `bits` where `hashBits` > 0
 * (BITFIELD), limited to proto-max-bulk-len bytes except for our master and the AOF.
 */
function bitOffsetArg(c: Client, s: string, hashBits: number): number {
  const useHash = hashBits > 0 && s.charCodeAt(0) === 35; /* # */
  const v = parseInteger(useHash ? s.slice(1) : s);
  if (v === null) throw new CommandError(ERR_BIT_OFFSET);
  // In C the product wraps at 64 bits: a huge `#n` can come out negative (refused) or small.
  const off = useHash ? BigInt.asIntN(64, BigInt(v) * BigInt(hashBits)) : BigInt(v);
  const obey = c.kind === 'master' || c.kind === 'aof';
  if (off < 0n || (!obey && off >> 3n >= BigInt(c.server.config.protoMaxBulkLen))) throw new CommandError(ERR_BIT_OFFSET);
  return Number(off);
}

/** Whether the last bitmapForWrite created or lengthened the value (a change even if no bit moves). */
let bitmapGrew = false;

/**
 * Redis's lookupStringForBitCommand: the key's value as a ByteString of at least `maxBit`'s byte,
 * created (zeroed) when missing; WRONGTYPE for other types. Sets bitmapGrew.
 */
function bitmapForWrite(c: Client, key: string, maxBit: number): ByteString {
  const db = c.db;
  const v = db.lookupWrite(key);
  if (v !== undefined) asString(v);
  const minLen = Math.floor(maxBit / 8) + 1;
  bitmapGrew = v === undefined || stringLength(v as StringValue) < minLen;
  const b = growZero(v as StringValue | undefined, minLen);
  if (v === undefined) db.set(key, b);
  // Another representation of the same bytes is not a change (WATCH is signalled by the write).
  else if (b !== v) db.replace(key, b, false);
  return b;
}

// ---------------------------------------------------------------- SETBIT / GETBIT

// SETBIT key offset value
function setbitCommand(c: Client, argv: string[]): void {
  const offset = bitOffsetArg(c, argv[2], 0);
  const on = parseInteger(argv[3]);
  if (on !== 0 && on !== 1) throw new CommandError(ERR_BIT_VALUE);
  const b = bitmapForWrite(c, argv[1], offset);
  const byte = Math.floor(offset / 8);
  const shift = 7 - (offset & 7);
  const old = b.bytes[byte];
  const bitval = (old >> shift) & 1;
  b.bytes[byte] = (old & ~(1 << shift)) | (on << shift);
  // Redis 7.0.15 signals, notifies and propagates only a real change (a new bit value or bytes).
  if (bitmapGrew || bitval !== on) keyWritten(c, EVENT.string, 'setbit', argv[1]);
  c.reply.int(bitval);
}

// GETBIT key offset
function getbitCommand(c: Client, argv: string[]): void {
  const offset = bitOffsetArg(c, argv[2], 0);
  const v = c.db.lookupRead(argv[1]);
  if (v === undefined) return c.reply.int(0);
  const s = asString(v);
  c.reply.int((byteAt(s, Math.floor(offset / 8)) >> (7 - (offset & 7))) & 1);
}

// ---------------------------------------------------------------- BITCOUNT / BITPOS

/** BYTE | BIT: true for BIT. */
function unitArg(s: string): boolean {
  if (isOption(s, 'BIT')) return true;
  if (isOption(s, 'BYTE')) return false;
  throw new CommandError(Errors.syntax);
}

// BITCOUNT key [start end [BYTE | BIT]]
function bitcountCommand(c: Client, argv: string[]): void {
  const v = c.db.lookupRead(argv[1]);
  if (v === undefined) return c.reply.int(0);
  const s = asString(v);
  viewOf(s);
  const bytes = viewBytes;
  const base = viewStart;
  const strlen = viewLen;
  const argc = argv.length;
  let start: number;
  let end: number;
  let firstMask = 0;
  let lastMask = 0;
  if (argc === 4 || argc === 5) {
    start = Number(int64Arg(argv[2]));
    end = Number(int64Arg(argv[3]));
    if (start < 0 && end < 0 && start > end) return c.reply.int(0);
    const isBit = argc === 5 && unitArg(argv[4]);
    const total = isBit ? strlen * 8 : strlen;
    if (start < 0) start += total;
    if (end < 0) end += total;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= total) end = total - 1;
    if (isBit && start <= end) {
      // The bits of the edge bytes outside the range, to subtract.
      firstMask = ~((1 << (8 - (start & 7))) - 1) & 0xff;
      lastMask = (1 << (7 - (end & 7))) - 1;
      start = Math.floor(start / 8);
      end = Math.floor(end / 8);
    }
  } else if (argc === 2) {
    start = 0;
    end = strlen - 1;
  } else {
    throw new CommandError(Errors.syntax);
  }
  if (start > end) return c.reply.int(0);
  let count = popcount(bytes, base + start, base + end + 1);
  if (firstMask !== 0) count -= popcount8(bytes[base + start] & firstMask);
  if (lastMask !== 0) count -= popcount8(bytes[base + end] & lastMask);
  c.reply.int(count);
}

function popcount8(b: number): number {
  let n = 0;
  for (; b !== 0; b &= b - 1) n++;
  return n;
}

// BITPOS key bit [start [end [BYTE | BIT]]]
function bitposCommand(c: Client, argv: string[]): void {
  const bit = parseInteger(argv[2]);
  if (bit === null) throw new CommandError(Errors.notInteger);
  if (bit !== 0 && bit !== 1) throw new CommandError(ERR_BITPOS_BIT);
  const v = c.db.lookupRead(argv[1]);
  // A missing key is an infinite run of zeros.
  if (v === undefined) return c.reply.int(bit ? -1 : 0);
  const s = asString(v);
  viewOf(s);
  const bytes = viewBytes;
  const base = viewStart;
  const strlen = viewLen;
  const argc = argv.length;
  let endGiven = false;
  // The range in bits, inclusive.
  let startBit: number;
  let endBit: number;
  if (argc >= 4 && argc <= 6) {
    let start = Number(int64Arg(argv[3]));
    const isBit = argc === 6 && unitArg(argv[5]);
    let end: number;
    if (argc >= 5) {
      end = Number(int64Arg(argv[4]));
      endGiven = true;
    } else {
      end = isBit ? strlen * 8 + 7 : strlen - 1;
    }
    const total = isBit ? strlen * 8 : strlen;
    if (start < 0) start += total;
    if (end < 0) end += total;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= total) end = total - 1;
    if (start > end) return c.reply.int(-1);
    startBit = isBit ? start : start * 8;
    endBit = isBit ? end : end * 8 + 7;
  } else if (argc === 3) {
    if (strlen === 0) return c.reply.int(-1);
    startBit = 0;
    endBit = strlen * 8 - 1;
  } else {
    throw new CommandError(Errors.syntax);
  }
  const pos = findBit(bytes, base, startBit, endBit, bit);
  if (pos >= 0) return c.reply.int(pos);
  // Looking for a clear bit without an explicit end: the string continues with zeros.
  if (bit === 0 && !endGiven) return c.reply.int((Math.floor(endBit / 8) + 1) * 8);
  c.reply.int(-1);
}

/** The first bit equal to `bit` in bits [startBit, endBit] of the value at `base`, or -1. */
function findBit(bytes: Uint8Array, base: number, startBit: number, endBit: number, bit: number): number {
  const firstByte = Math.floor(startBit / 8);
  const lastByte = Math.floor(endBit / 8);
  // Edge bytes are checked bit by bit; the bytes between them by firstBit.
  let pos = startBit;
  const headEnd = Math.min(endBit, firstByte * 8 + 7);
  for (; pos <= headEnd; pos++) if (((bytes[base + firstByte] >> (7 - (pos & 7))) & 1) === bit) return pos;
  if (lastByte === firstByte) return -1;
  if (lastByte - firstByte > 1) {
    const found = firstBit(bytes, base + firstByte + 1, base + lastByte, bit);
    if (found >= 0) return (firstByte + 1) * 8 + found;
  }
  for (pos = lastByte * 8; pos <= endBit; pos++) if (((bytes[base + lastByte] >> (7 - (pos & 7))) & 1) === bit) return pos;
  return -1;
}

// ---------------------------------------------------------------- BITOP

const OP_AND = 0;
const OP_OR = 1;
const OP_XOR = 2;
const OP_NOT = 3;

// BITOP AND | OR | XOR | NOT destkey key [key ...]
function bitopCommand(c: Client, argv: string[]): void {
  const opName = argv[1];
  let op: number;
  if (isOption(opName, 'AND')) op = OP_AND;
  else if (isOption(opName, 'OR')) op = OP_OR;
  else if (isOption(opName, 'XOR')) op = OP_XOR;
  else if (isOption(opName, 'NOT')) op = OP_NOT;
  else throw new CommandError(Errors.syntax);
  if (op === OP_NOT && argv.length !== 4) throw new CommandError(ERR_BITOP_NOT);
  const db = c.db;
  const n = argv.length - 3;
  const srcs: Uint8Array[] = [];
  const starts: number[] = [];
  const lens: number[] = [];
  let maxLen = 0;
  for (let j = 0; j < n; j++) {
    const v = db.lookupRead(argv[j + 3]);
    if (v === undefined) {
      srcs.push(EMPTY);
      starts.push(0);
      lens.push(0);
      continue;
    }
    viewOf(asString(v));
    srcs.push(viewBytes);
    starts.push(viewStart);
    lens.push(viewLen);
    if (viewLen > maxLen) maxLen = viewLen;
  }
  const dest = argv[2];
  if (maxLen === 0) {
    if (db.delete(dest)) keyWritten(c, EVENT.generic, 'del', dest);
    c.reply.int(0);
    return;
  }
  const out = Buffer.allocUnsafeSlow(Math.max(maxLen, 16));
  const first = srcs[0];
  const firstStart = starts[0];
  const firstLen = lens[0];
  if (op === OP_NOT) {
    for (let i = 0; i < maxLen; i++) out[i] = ~first[firstStart + i] & 0xff;
  } else {
    // Seed with the first source (zero-padded), then fold the others in.
    if (firstLen > 0) out.set(first.subarray(firstStart, firstStart + firstLen), 0);
    out.fill(0, firstLen, maxLen);
    for (let j = 1; j < n; j++) {
      const src = srcs[j];
      const s0 = starts[j];
      const len = lens[j];
      if (op === OP_AND) {
        for (let i = 0; i < len; i++) out[i] &= src[s0 + i];
        out.fill(0, len, maxLen);
      } else if (op === OP_OR) {
        for (let i = 0; i < len; i++) out[i] |= src[s0 + i];
      } else {
        for (let i = 0; i < len; i++) out[i] ^= src[s0 + i];
      }
    }
  }
  db.set(dest, new ByteString(out, maxLen));
  keyWritten(c, EVENT.string, 'set', dest);
  c.reply.int(maxLen);
}

const EMPTY = new Uint8Array(0);

// ---------------------------------------------------------------- BITFIELD

const BF_GET = 0;
const BF_SET = 1;
const BF_INCRBY = 2;
const OW_WRAP = 0;
const OW_SAT = 1;
const OW_FAIL = 2;

interface BitfieldOp {
  op: number;
  signed: boolean;
  bits: number;
  offset: number;
  value: bigint;
  overflow: number;
}

/** Redis's getBitfieldTypeFromArgument: i1..i64 or u1..u63 (lower-case letter only). */
function bitfieldType(s: string): { signed: boolean; bits: number } {
  const t = s.charCodeAt(0);
  if (t !== 105 /* i */ && t !== 117 /* u */) throw new CommandError(ERR_BITFIELD_TYPE);
  const signed = t === 105;
  const bits = parseInteger(s.slice(1));
  if (typeof bits !== 'number' || bits < 1 || (signed && bits > 64) || (!signed && bits > 63)) throw new CommandError(ERR_BITFIELD_TYPE);
  return { signed, bits };
}

/**
 * The result of adding `incr` to `value` in a field of `bits` bits: `[overflowed, result]`, with
 * the result wrapped or saturated as `overflow` says (FAIL: the caller writes nothing).
 */
function bitfieldAdd(signed: boolean, bits: number, value: bigint, incr: bigint, overflow: number): [boolean, bigint] {
  const B = BigInt(bits);
  const max = signed ? (1n << (B - 1n)) - 1n : (1n << B) - 1n;
  const min = signed ? -(1n << (B - 1n)) : 0n;
  const sum = value + incr;
  if (sum >= min && sum <= max) return [false, sum];
  if (overflow === OW_SAT) return [true, sum > max ? max : min];
  return [true, signed ? BigInt.asIntN(bits, sum) : BigInt.asUintN(bits, sum)];
}

/** BITFIELD and BITFIELD_RO: parse every operation first, then run them in order. */
function bitfieldGeneric(c: Client, argv: string[], readOnlyCommand: boolean): void {
  const ops: BitfieldOp[] = [];
  let overflow = OW_WRAP;
  let readonly = true;
  let highestWrite = 0;
  for (let j = 2; j < argv.length; j++) {
    const rem = argv.length - j - 1;
    const sub = argv[j];
    let op: number;
    if (isOption(sub, 'GET') && rem >= 2) op = BF_GET;
    else if (isOption(sub, 'SET') && rem >= 3) op = BF_SET;
    else if (isOption(sub, 'INCRBY') && rem >= 3) op = BF_INCRBY;
    else if (isOption(sub, 'OVERFLOW') && rem >= 1) {
      const o = argv[++j];
      if (isOption(o, 'WRAP')) overflow = OW_WRAP;
      else if (isOption(o, 'SAT')) overflow = OW_SAT;
      else if (isOption(o, 'FAIL')) overflow = OW_FAIL;
      else throw new CommandError(ERR_OVERFLOW_TYPE);
      continue;
    } else throw new CommandError(Errors.syntax);
    const { signed, bits } = bitfieldType(argv[j + 1]);
    const offset = bitOffsetArg(c, argv[j + 2], bits);
    let value = 0n;
    if (op !== BF_GET) {
      readonly = false;
      if (highestWrite < offset + bits - 1) highestWrite = offset + bits - 1;
      value = BigInt(int64Arg(argv[j + 3]));
    }
    ops.push({ op, signed, bits, offset, value, overflow });
    j += op === BF_GET ? 2 : 3;
  }

  let target: ByteString | null = null;
  let grew = false;
  let source: StringValue | undefined;
  if (readonly) {
    source = c.db.lookupRead(argv[1]) as StringValue | undefined;
    if (source !== undefined) asString(source);
  } else {
    if (readOnlyCommand) throw new CommandError(ERR_BITFIELD_RO);
    target = bitmapForWrite(c, argv[1], highestWrite);
    grew = bitmapGrew;
  }

  const r = c.reply;
  r.arrayLen(ops.length);
  let changes = 0;
  if (target === null && source !== undefined) viewOf(source);
  for (const o of ops) {
    if (o.op === BF_GET) {
      let v: number | bigint;
      if (target !== null) v = getBitfield(target.bytes, 0, target.len, o.offset, o.bits);
      else if (source === undefined) v = 0;
      else v = getBitfield(viewBytes, viewStart, viewLen, o.offset, o.bits);
      r.int(o.signed ? toSigned(v, o.bits) : v);
      continue;
    }
    const t = target!;
    const raw = BigInt(getBitfield(t.bytes, 0, t.len, o.offset, o.bits));
    const old = o.signed ? BigInt.asIntN(o.bits, raw) : raw;
    let overflowed: boolean;
    let next: bigint;
    let ret: bigint;
    if (o.op === BF_INCRBY) {
      [overflowed, next] = bitfieldAdd(o.signed, o.bits, old, o.value, o.overflow);
      ret = next;
    } else {
      // An unsigned SET takes the value as C's uint64_t: negative values are huge.
      const value = o.signed ? o.value : BigInt.asUintN(64, o.value);
      [overflowed, next] = bitfieldAdd(o.signed, o.bits, value, 0n, o.overflow);
      ret = old;
    }
    if (overflowed && o.overflow === OW_FAIL) {
      r.nullBulk();
    } else {
      r.int(narrow(ret));
      setBitfield(t, o.offset, o.bits, next);
      // A write counts when it changed the field, or when the value was created or lengthened.
      if (grew || next !== old) changes++;
    }
  }
  if (changes > 0) keyWritten(c, EVENT.string, 'setbit', argv[1], changes);
}

function toSigned(v: number | bigint, bits: number): number | bigint {
  if (typeof v === 'number') return v >= 2 ** (bits - 1) ? v - 2 ** bits : v;
  return narrow(BigInt.asIntN(bits, v));
}

function narrow(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

// BITFIELD key [GET encoding offset | [OVERFLOW WRAP | SAT | FAIL] SET encoding offset value | INCRBY encoding offset increment ...]
function bitfieldCommand(c: Client, argv: string[]): void {
  bitfieldGeneric(c, argv, false);
}

// BITFIELD_RO key [GET encoding offset [GET encoding offset ...]]
function bitfieldRoCommand(c: Client, argv: string[]): void {
  bitfieldGeneric(c, argv, true);
}

/** Like SET's: BITFIELD with only GET operations reads its key, otherwise it writes it too. */
function bitfieldGetKeys(argv: readonly string[]): Array<{ pos: number; flags: readonly KeySpecFlag[] }> {
  for (let i = 2; i < argv.length; i++) {
    if (isOption(argv[i], 'SET') || isOption(argv[i], 'INCRBY')) return [{ pos: 1, flags: ['RW', 'ACCESS', 'UPDATE'] }];
  }
  return [{ pos: 1, flags: ['RO', 'ACCESS'] }];
}

// ---------------------------------------------------------------- command table

const UNIT = arg.oneOf('index_unit', [arg.token('BYTE'), arg.token('BIT')], { since: '7.0.0', optional: true });

export const BITMAP_COMMANDS: CommandSpec[] = [
  {
    name: 'setbit',
    summary: 'Sets or clears one bit of a string value, growing it with zero bytes as needed.',
    since: '2.2.0',
    group: 'bitmap',
    complexity: 'O(1)',
    arity: 4,
    flags: ['write', 'denyoom'],
    acl: ['bitmap'],
    keys: firstKey(['RW', 'ACCESS', 'UPDATE']),
    args: [arg.key('key', 0), arg.integer('offset'), arg.integer('value')],
    handler: setbitCommand,
  },
  {
    name: 'getbit',
    summary: 'Returns one bit of a string value (0 past its end).',
    since: '2.2.0',
    group: 'bitmap',
    complexity: 'O(1)',
    arity: 3,
    flags: ['readonly', 'fast'],
    acl: ['bitmap'],
    keys: firstKey(['RO', 'ACCESS']),
    args: [arg.key('key', 0), arg.integer('offset')],
    handler: getbitCommand,
  },
  {
    name: 'bitcount',
    summary: 'Counts the set bits of a string value, or of a byte or bit range of it.',
    since: '2.6.0',
    group: 'bitmap',
    complexity: 'O(N)',
    history: [['7.0.0', 'Added the `BYTE|BIT` option.']],
    arity: -2,
    flags: ['readonly'],
    acl: ['bitmap'],
    keys: firstKey(['RO', 'ACCESS']),
    args: [arg.key('key', 0), arg.block('index', [arg.integer('start'), arg.integer('end'), UNIT], { optional: true })],
    handler: bitcountCommand,
  },
  {
    name: 'bitpos',
    summary: 'Finds the first set or clear bit of a string value, optionally within a range.',
    since: '2.8.7',
    group: 'bitmap',
    complexity: 'O(N)',
    history: [['7.0.0', 'Added the `BYTE|BIT` option.']],
    arity: -3,
    flags: ['readonly'],
    acl: ['bitmap'],
    keys: firstKey(['RO', 'ACCESS']),
    args: [
      arg.key('key', 0),
      arg.integer('bit'),
      arg.block('index', [arg.integer('start'), arg.block('end_index', [arg.integer('end'), UNIT], { optional: true })], { optional: true }),
    ],
    handler: bitposCommand,
  },
  {
    name: 'bitop',
    summary: 'Stores the bitwise AND, OR, XOR or NOT of string values in a key.',
    since: '2.6.0',
    group: 'bitmap',
    complexity: 'O(N)',
    arity: -4,
    flags: ['write', 'denyoom'],
    acl: ['bitmap'],
    keys: [keyAt(2, ['OW', 'UPDATE']), keyAt(3, ['RO', 'ACCESS'], -1)],
    args: [arg.string('operation'), arg.key('destkey', 0), arg.key('key', 1, { multiple: true })],
    handler: bitopCommand,
  },
  {
    name: 'bitfield',
    summary: 'Reads, sets and increments integer fields of any width and offset in a string value.',
    since: '3.2.0',
    group: 'bitmap',
    complexity: 'O(1) for each subcommand specified',
    arity: -2,
    flags: ['write', 'denyoom'],
    acl: ['bitmap'],
    keys: firstKey(['RW', 'ACCESS', 'UPDATE', 'VARIABLE_FLAGS'], 'This command allows both access and modification of the key'),
    getKeysAndFlags: bitfieldGetKeys,
    args: [
      arg.key('key', 0),
      arg.oneOf('operation', [
        arg.block('encoding_offset', [arg.string('encoding'), arg.integer('offset')], { token: 'GET' }),
        arg.block('write', [
          arg.oneOf('wrap_sat_fail', [arg.token('WRAP'), arg.token('SAT'), arg.token('FAIL')], { token: 'OVERFLOW', optional: true }),
          arg.oneOf('write_operation', [
            arg.block('encoding_offset_value', [arg.string('encoding'), arg.integer('offset'), arg.integer('value')], { token: 'SET' }),
            arg.block('encoding_offset_increment', [arg.string('encoding'), arg.integer('offset'), arg.integer('increment')], { token: 'INCRBY' }),
          ]),
        ]),
      ], { optional: true, multiple: true }),
    ],
    handler: bitfieldCommand,
  },
  {
    name: 'bitfield_ro',
    summary: 'Reads integer fields of any width and offset in a string value (BITFIELD GET only).',
    since: '6.0.0',
    group: 'bitmap',
    complexity: 'O(1) for each subcommand specified',
    arity: -2,
    flags: ['readonly', 'fast'],
    acl: ['bitmap'],
    keys: firstKey(['RO', 'ACCESS']),
    args: [
      arg.key('key', 0),
      arg.block('encoding_offset', [arg.string('encoding'), arg.integer('offset')], { token: 'GET', optional: true, multiple: true, multipleToken: true }),
    ],
    handler: bitfieldRoCommand,
  },
];
