import { crc64 } from '../../util/crc64.js';
import { lzfDecompressInto } from '../../util/lzf.js';
import { parseFloatStrict } from '../../util/number.js';
import type { Value } from '../../engine/values.js';
import { toStoredString } from '../../engine/types/string.js';
import { createList } from '../../engine/types/list.js';
import { SetValue, createSetFrom, toItem } from '../../engine/types/set.js';
import { HashListpackBuilder, HashValue, createHash } from '../../engine/types/hash.js';
import { createZSet, type ZSetValue } from '../../engine/types/zset.js';
import {
  ENC_INT16,
  ENC_INT32,
  ENC_INT8,
  ENC_LZF,
  QUICKLIST_NODE_PACKED,
  QUICKLIST_NODE_PLAIN,
  RDB_VERSION,
  RdbFormatError,
  RdbType,
  intsetContents,
  listpackEntries,
  readListpack,
  ziplistEntries,
  zipmapPairs,
} from './encodings.js';
import { readStream } from './stream.js';

/**
 * The RDB reader: a cursor over a Buffer that decodes Redis's object encodings (rdbLoadObject)
 * into engine values, for every type and encoding Redis 7.0 writes and the older ones Redis 5/6
 * files and payloads carry. Corrupt or truncated input raises RdbFormatError naming the offset;
 * nothing here throws anything else on bad bytes. Independent of sockets and commands: the
 * caller passes the encoding limits in force.
 */

/** Where LZF strings are decompressed (grown as needed; dropped back after a very large one). */
const LZF_SCRATCH_SIZE = 64 * 1024;
const LZF_SCRATCH_KEEP = 16 * 1024 * 1024;
let lzfScratch = Buffer.allocUnsafeSlow(LZF_SCRATCH_SIZE);

/** The settings that decide the encodings of loaded values (as rdbLoadObject consults them). */
export interface RdbLoadLimits {
  hashMaxListpackEntries: number;
  hashMaxListpackValue: number;
  setMaxIntsetEntries: number;
  zsetMaxListpackEntries: number;
  zsetMaxListpackValue: number;
  streamNodeMaxBytes: number;
  streamNodeMaxEntries: number;
}

export class RdbReader {
  constructor(
    readonly buf: Buffer,
    public pos = 0,
    readonly end = buf.length,
  ) {}

  fail(what: string, at = this.pos): never {
    throw new RdbFormatError(at, what);
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.end) this.fail(`unexpected end of data reading ${what}`);
  }

  byte(): number {
    this.need(1, 'a byte');
    return this.buf[this.pos++];
  }

  /** rdbLoadLenByRef: a length, or (with `encoded` set) a special string encoding. */
  lengthOrEncoding(): { len: number; encoded: boolean } {
    const at = this.pos;
    const b = this.byte();
    const kind = b >> 6;
    if (kind === 3) return { len: b & 0x3f, encoded: true };
    if (kind === 0) return { len: b & 0x3f, encoded: false };
    if (kind === 1) return { len: ((b & 0x3f) << 8) | this.byte(), encoded: false };
    if (b === 0x80) {
      this.need(4, 'a 32-bit length');
      const len = this.buf.readUInt32BE(this.pos);
      this.pos += 4;
      return { len, encoded: false };
    }
    if (b === 0x81) {
      this.need(8, 'a 64-bit length');
      const len = this.buf.readBigUInt64BE(this.pos);
      this.pos += 8;
      if (len > BigInt(Number.MAX_SAFE_INTEGER)) this.fail('length out of range', at);
      return { len: Number(len), encoded: false };
    }
    return this.fail(`unknown length encoding 0x${b.toString(16)}`, at);
  }

  /** A plain length (an encoded string marker there is corrupt data). */
  length(): number {
    const at = this.pos;
    const { len, encoded } = this.lengthOrEncoding();
    if (encoded) this.fail('string encoding where a length was expected', at);
    return len;
  }

  /**
   * rdbGenericLoadStringObject: the bytes of a plain, integer-encoded or LZF string. Valid until
   * the next call: an LZF string is decompressed into a buffer the next one reuses.
   */
  blob(): Buffer {
    const at = this.pos;
    const { len, encoded } = this.lengthOrEncoding();
    if (encoded) {
      switch (len) {
        case ENC_INT8:
          this.need(1, 'an 8-bit integer');
          return Buffer.from(String(this.buf.readInt8(this.pos++)), 'latin1');
        case ENC_INT16: {
          this.need(2, 'a 16-bit integer');
          const v = this.buf.readInt16LE(this.pos);
          this.pos += 2;
          return Buffer.from(String(v), 'latin1');
        }
        case ENC_INT32: {
          this.need(4, 'a 32-bit integer');
          const v = this.buf.readInt32LE(this.pos);
          this.pos += 4;
          return Buffer.from(String(v), 'latin1');
        }
        case ENC_LZF: {
          const clen = this.length();
          const plen = this.length();
          this.need(clen, 'an LZF string');
          // Into one reused buffer: every caller reads the blob before asking for the next one.
          if (lzfScratch.length < plen) lzfScratch = Buffer.allocUnsafeSlow(Math.max(plen, 2 * lzfScratch.length));
          if (!lzfDecompressInto(this.buf.subarray(this.pos, this.pos + clen), lzfScratch, plen)) this.fail('corrupt LZF string', at);
          this.pos += clen;
          const plain = lzfScratch.subarray(0, plen);
          // A very large string's buffer is not kept for the rest of the process.
          if (lzfScratch.length > LZF_SCRATCH_KEEP) lzfScratch = Buffer.allocUnsafeSlow(LZF_SCRATCH_SIZE);
          return plain;
        }
        default:
          return this.fail(`unknown string encoding ${len}`, at);
      }
    }
    this.need(len, 'a string');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  /** A string as latin1 text. */
  string(): string {
    // Most strings have a 6-bit length: sliced straight from the file, no Buffer view between.
    const b0 = this.pos < this.end ? this.buf[this.pos] : 0xff;
    if (b0 < 64 && this.pos + 1 + b0 <= this.end) {
      const start = this.pos + 1;
      this.pos = start + b0;
      return this.buf.latin1Slice(start, start + b0);
    }
    const b = this.blob();
    return b.latin1Slice(0, b.length);
  }

  /** rdbLoadBinaryDoubleValue. */
  binaryDouble(): number {
    this.need(8, 'a double');
    const d = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return d;
  }

  /** rdbLoadDoubleValue (RDB_TYPE_ZSET): a length byte (253 nan, 254 inf, 255 -inf) and text. */
  textDouble(): number {
    const at = this.pos;
    const len = this.byte();
    if (len === 253) return NaN;
    if (len === 254) return Infinity;
    if (len === 255) return -Infinity;
    this.need(len, 'a double');
    const text = this.buf.latin1Slice(this.pos, this.pos + len);
    this.pos += len;
    const d = parseFloatStrict(text);
    if (d === null) return this.fail('bad double value', at);
    return d;
  }

  int64LE(): bigint {
    this.need(8, 'a 64-bit integer');
    const v = this.buf.readBigInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
}

// ---------------------------------------------------------------- values

function emptyKey(r: RdbReader, at: number): never {
  return r.fail('empty keys are not allowed', at);
}

function readList(r: RdbReader, type: number): Value {
  const list = createList();
  const at = r.pos;
  if (type === RdbType.LIST) {
    const n = r.length();
    for (let i = 0; i < n; i++) list.pushRight(r.string());
  } else if (type === RdbType.LIST_ZIPLIST) {
    const blobAt = r.pos;
    for (const v of ziplistEntries(r.blob(), blobAt)) list.pushRight(v);
  } else {
    const nodes = r.length();
    for (let i = 0; i < nodes; i++) {
      let container = QUICKLIST_NODE_PACKED;
      if (type === RdbType.LIST_QUICKLIST_2) {
        const cAt = r.pos;
        container = r.length();
        if (container !== QUICKLIST_NODE_PACKED && container !== QUICKLIST_NODE_PLAIN) r.fail(`bad quicklist container ${container}`, cAt);
      }
      const blobAt = r.pos;
      const blob = r.blob();
      if (container === QUICKLIST_NODE_PLAIN) {
        list.pushRight(blob.latin1Slice(0, blob.length));
        continue;
      }
      const entries = type === RdbType.LIST_QUICKLIST ? ziplistEntries(blob, blobAt) : listpackEntries(blob, blobAt);
      // Redis skips empty nodes rather than failing (a 6.2 bug could save them).
      for (const v of entries) list.pushRight(v);
    }
  }
  if (list.length === 0) emptyKey(r, at);
  return list;
}

function readSet(r: RdbReader, type: number, limits: RdbLoadLimits): Value {
  const at = r.pos;
  if (type === RdbType.SET_INTSET) {
    const { width, bytes } = intsetContents(r.blob(), at);
    const set = new SetValue(bytes, width);
    if (set.size > limits.setMaxIntsetEntries) set.convert();
    return set;
  }
  const n = r.length();
  if (n === 0) emptyKey(r, at);
  const set = createSetFrom([], limits.setMaxIntsetEntries);
  // Redis creates a hashtable at once for more members than an intset may hold.
  if (n > limits.setMaxIntsetEntries) set.convert();
  for (let i = 0; i < n; i++) {
    const mAt = r.pos;
    if (!set.addItem(toItem(r.string()), limits.setMaxIntsetEntries)) r.fail('duplicate set members detected', mAt);
  }
  return set;
}

/**
 * A hash from flattened pairs, in the encoding Redis 7.0 gives a loaded listpack / ziplist /
 * zipmap: a hashtable past hash-max-listpack-entries; the value limit is only checked for a
 * zipmap (`checkValues`), as rdbLoadObject does.
 */
function hashFromPairs(r: RdbReader, pairs: string[], at: number, limits: RdbLoadLimits, checkValues: boolean): HashValue {
  if (pairs.length === 0) emptyKey(r, at);
  if (pairs.length % 2 !== 0) r.fail('odd number of hash elements', at);
  const hash = HashValue.fromPairs(pairs) ?? r.fail('duplicate hash fields detected', at);
  let tooLong = false;
  if (checkValues) for (let i = 0; i < pairs.length && !tooLong; i++) tooLong = pairs[i].length > limits.hashMaxListpackValue;
  if (hash.size > limits.hashMaxListpackEntries || tooLong) hash.convert();
  return hash;
}

const listpackHash = new HashListpackBuilder();

/**
 * A hash from Redis's listpack, its entries copied straight into ours. An integer entry can take
 * up to 3 times its bytes here ("-4096" for 3 bytes), which bounds the size.
 */
function hashFromListpack(r: RdbReader, blob: Buffer, at: number, limits: RdbLoadLimits): HashValue {
  const builder = listpackHash;
  builder.start(3 * blob.length + 16);
  const count = readListpack(blob, at, builder);
  if (count === 0) emptyKey(r, at);
  if (count % 2 !== 0) r.fail('odd number of hash elements', at);
  const hash = builder.finish() ?? r.fail('duplicate hash fields detected', at);
  if (hash.size > limits.hashMaxListpackEntries) hash.convert();
  return hash;
}

function readHash(r: RdbReader, type: number, limits: RdbLoadLimits): Value {
  const at = r.pos;
  if (type === RdbType.HASH) {
    const n = r.length();
    if (n === 0) emptyKey(r, at);
    const hash = createHash();
    if (n > limits.hashMaxListpackEntries) hash.convert();
    for (let i = 0; i < n; i++) {
      const fAt = r.pos;
      const field = r.string();
      const value = r.string();
      if (!hash.set(field, value, limits.hashMaxListpackEntries, limits.hashMaxListpackValue)) r.fail('duplicate hash fields detected', fAt);
    }
    return hash;
  }
  const blob = r.blob();
  if (type === RdbType.HASH_LISTPACK) return hashFromListpack(r, blob, at, limits);
  const pairs = type === RdbType.HASH_ZIPMAP ? zipmapPairs(blob, at) : ziplistEntries(blob, at);
  return hashFromPairs(r, pairs, at, limits, type === RdbType.HASH_ZIPMAP);
}

function readZSet(r: RdbReader, type: number, limits: RdbLoadLimits): Value {
  const at = r.pos;
  const zset = createZSet();
  if (type === RdbType.ZSET || type === RdbType.ZSET_2) {
    const n = r.length();
    if (n === 0) emptyKey(r, at);
    for (let i = 0; i < n; i++) {
      const mAt = r.pos;
      const member = r.string();
      const score = type === RdbType.ZSET_2 ? r.binaryDouble() : r.textDouble();
      if (Number.isNaN(score)) r.fail('zset score is NaN', mAt);
      if (zset.has(member)) r.fail('duplicate zset fields detected', mAt);
      zset.add(member, score, limits.zsetMaxListpackEntries, limits.zsetMaxListpackValue);
    }
    return zset;
  }
  const blob = r.blob();
  const entries = type === RdbType.ZSET_ZIPLIST ? ziplistEntries(blob, at) : listpackEntries(blob, at);
  if (entries.length === 0) emptyKey(r, at);
  if (entries.length % 2 !== 0) r.fail('odd number of zset elements', at);
  const packed = entries.length / 2 <= limits.zsetMaxListpackEntries;
  for (let i = 0; i < entries.length; i += 2) {
    const score = parseFloatStrict(entries[i + 1]);
    if (score === null || Number.isNaN(score)) return r.fail('bad zset score', at);
    if (zset.has(entries[i])) r.fail('duplicate zset fields detected', at);
    zset.add(entries[i], score, packed ? Infinity : 0, Infinity);
  }
  return zset as ZSetValue;
}

/**
 * Reads one value of RDB type `type` (rdbLoadObject) at the reader's position, building it in
 * the encoding Redis would give it under `limits`.
 */
export function readValue(r: RdbReader, type: number, limits: RdbLoadLimits): Value {
  switch (type) {
    case RdbType.STRING: {
      const s = r.string();
      return toStoredString(s);
    }
    case RdbType.LIST:
    case RdbType.LIST_ZIPLIST:
    case RdbType.LIST_QUICKLIST:
    case RdbType.LIST_QUICKLIST_2:
      return readList(r, type);
    case RdbType.SET:
    case RdbType.SET_INTSET:
      return readSet(r, type, limits);
    case RdbType.HASH:
    case RdbType.HASH_ZIPMAP:
    case RdbType.HASH_ZIPLIST:
    case RdbType.HASH_LISTPACK:
      return readHash(r, type, limits);
    case RdbType.ZSET:
    case RdbType.ZSET_2:
    case RdbType.ZSET_ZIPLIST:
    case RdbType.ZSET_LISTPACK:
      return readZSet(r, type, limits);
    case RdbType.STREAM_LISTPACKS:
    case RdbType.STREAM_LISTPACKS_2:
      return readStream(r, type, limits);
    default:
      return r.fail(`unknown value type ${type}`, r.pos - 1);
  }
}

/** verifyDumpPayload: long enough, a version we read, and a matching CRC64. */
export function verifyDumpPayload(payload: Buffer): boolean {
  if (payload.length < 10) return false;
  const footer = payload.length - 10;
  const version = payload.readUInt16LE(footer);
  if (version > RDB_VERSION) return false;
  const crc = crc64(payload, 0, payload.length - 8);
  return crc === payload.readBigUInt64LE(payload.length - 8);
}

/**
 * The value of a verified DUMP payload (its type byte and encoding). Throws RdbFormatError on
 * corrupt data. As in Redis, reading may run into the footer (a length too long by a few bytes
 * takes footer bytes as data rather than failing): only reading past the whole payload fails.
 */
export function readDumpPayload(payload: Buffer, limits: RdbLoadLimits): Value {
  const r = new RdbReader(payload, 0, payload.length);
  const type = r.byte();
  return readValue(r, type, limits);
}
