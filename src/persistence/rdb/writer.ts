import { crc64 } from '../../util/crc64.js';
import { lzfCompressInto } from '../../util/lzf.js';
import { formatDouble17g, parseInteger } from '../../util/number.js';
import { isString, type BytesValue, type Value } from '../../engine/values.js';
import type { ListValue } from '../../engine/types/list.js';
import type { SetValue } from '../../engine/types/set.js';
import type { HashValue } from '../../engine/types/hash.js';
import type { ZSetValue } from '../../engine/types/zset.js';
import type { StreamValue } from '../../engine/types/stream.js';
import { ListpackBuilder, QUICKLIST_NODE_PACKED, RDB_VERSION, RdbType, intsetBlob } from './encodings.js';
import { writeStream } from './stream.js';

/**
 * The RDB writer: Redis 7.0's object encoding (rdbSaveObjectType + rdbSaveObject) appended to a
 * growable buffer, one value at a time, so DUMP and (later) a snapshot saved key by key in time
 * slices share it. It knows nothing of sockets or commands: the caller passes the settings that
 * shape the bytes (rdbcompression, list-max-listpack-size).
 */

/** The settings that change the bytes Redis writes for a value. */
export interface RdbSaveOptions {
  /** rdbcompression: LZF for strings over 20 bytes when it saves at least 4. */
  compression: boolean;
  /** list-max-listpack-size: how Redis's quicklist cuts a list into nodes. */
  listFill: number;
}

/** Redis 7.0's quicklist node size limits for list-max-listpack-size -1 .. -5. */
const OPTIMIZATION_LEVEL = [4096, 8192, 16384, 32768, 65536];
/** quicklist's SIZE_SAFETY_LIMIT and SIZE_ESTIMATE_OVERHEAD. */
const SIZE_SAFETY_LIMIT = 8192;
const SIZE_ESTIMATE_OVERHEAD = 8;

/**
 * Whether a quicklist node of `nodeBytes` listpack bytes and `count` entries takes one more
 * element of `size` bytes (quicklist.c's _quicklistNodeAllowInsert in 7.0).
 */
export function quicklistAllowsInsert(nodeBytes: number, count: number, size: number, fill: number): boolean {
  const newSize = nodeBytes + size + SIZE_ESTIMATE_OVERHEAD;
  if (fill < 0 && -fill - 1 < OPTIMIZATION_LEVEL.length && newSize <= OPTIMIZATION_LEVEL[-fill - 1]) return true;
  if (newSize > SIZE_SAFETY_LIMIT) return false;
  return count < fill;
}

/** Strings up to this length are copied byte by byte in JS rather than by a native call. */
const SHORT_COPY = 32;

/** Scratch buffers for LZF's input (latin1 text as bytes) and output, reused across strings. */
let scratchIn = Buffer.allocUnsafe(4096);
let scratchOut = Buffer.allocUnsafe(4096);
/** Strings longer than this get buffers of their own, so a huge value's size is not kept. */
const SCRATCH_KEEP = 1024 * 1024;

/** A scratch buffer of at least `len + 4` bytes (LZF's output may overshoot its limit by 4). */
function scratch(len: number, out: boolean): Buffer {
  const need = len + 4;
  if (need > SCRATCH_KEEP) return Buffer.allocUnsafe(need);
  let b = out ? scratchOut : scratchIn;
  if (b.length < need) {
    let size = b.length * 2;
    while (size < need) size *= 2;
    b = Buffer.allocUnsafe(size);
    if (out) scratchOut = b;
    else scratchIn = b;
  }
  return b;
}

/** An append-only byte buffer with the RDB primitives (lengths, strings, doubles). */
export class RdbWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** rdbSaveLen: 6-bit, 14-bit (big-endian), 32-bit or 64-bit (big-endian after a marker). */
  length_(n: number): void {
    this.ensure(9);
    const b = this.buf;
    if (n < 64) {
      b[this.pos++] = n;
    } else if (n < 16384) {
      b[this.pos++] = 0x40 | (n >>> 8);
      b[this.pos++] = n & 0xff;
    } else if (n <= 0xffffffff) {
      b[this.pos++] = 0x80;
      b.writeUInt32BE(n, this.pos);
      this.pos += 4;
    } else {
      b[this.pos++] = 0x81;
      b.writeBigUInt64BE(BigInt(n), this.pos);
      this.pos += 8;
    }
  }

  /** rdbSaveMillisecondTime and friends: a 64-bit little-endian integer. */
  int64LE(v: bigint | number): void {
    this.ensure(8);
    if (typeof v === 'number' && Number.isSafeInteger(v)) {
      // Two 32-bit halves: no BigInt per key for the expiry of every volatile key.
      this.buf.writeUInt32LE(v >>> 0, this.pos);
      this.buf.writeInt32LE(Math.floor(v / 4294967296), this.pos + 4);
    } else {
      this.buf.writeBigInt64LE(BigInt(v), this.pos);
    }
    this.pos += 8;
  }

  /** rdbSaveBinaryDoubleValue: the IEEE 754 bytes, little-endian. */
  binaryDouble(d: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(d, this.pos);
    this.pos += 8;
  }

  /**
   * rdbSaveRawString: up to 11 bytes that are a canonical integer fitting 32 bits become an
   * integer encoding; with `compress`, more than 20 bytes are LZF-compressed when that saves at
   * least 4 bytes; anything else is a length and the bytes.
   */
  string(s: string | Uint8Array, compress: boolean): void {
    if (typeof s !== 'string') return this.bytes(s, s.length, compress);
    const len = s.length;
    if (len <= 11 && this.integerEncoded(s)) return;
    if (compress && len > 20) {
      // LZF reads bytes: the text goes through a reused scratch buffer, not a Buffer per string.
      const input = scratch(len, false) as Buffer;
      input.latin1Write(s, 0, len);
      if (this.lzf(input, len)) return;
      this.length_(len);
      this.copyIn(input, len);
      return;
    }
    this.length_(len);
    this.latin1(s);
  }

  /** `string` for the first `len` bytes of `src` (a listpack being built, a ByteString's bytes). */
  bytes(src: Uint8Array, len: number, compress: boolean): void {
    if (len <= 11) {
      const c = len > 0 ? src[0] : 0;
      if ((c === 45 || (c >= 48 && c <= 57)) && this.integerEncoded(Buffer.prototype.latin1Slice.call(src, 0, len))) return;
    }
    if (compress && len > 20 && this.lzf(src, len)) return;
    this.length_(len);
    this.copyIn(src, len);
  }

  /** Writes the first `len` bytes of `src` LZF-compressed (0xc3, lengths, data) if that saves 4 bytes. */
  private lzf(src: Uint8Array, len: number): boolean {
    const out = scratch(len, true);
    const n = lzfCompressInto(src, len, len - 4, out);
    if (n < 0) return false;
    this.byte(0xc3);
    this.length_(n);
    this.length_(len);
    this.copyIn(out, n);
    return true;
  }

  /** Appends the first `n` bytes of `src`. */
  private copyIn(src: Uint8Array, n: number): void {
    this.ensure(n);
    if (n <= SHORT_COPY) {
      const b = this.buf;
      let p = this.pos;
      for (let i = 0; i < n; i++) b[p++] = src[i];
    } else {
      this.buf.set(n === src.length ? src : src.subarray(0, n), this.pos);
    }
    this.pos += n;
  }

  /**
   * `string` for a string value as the keyspace holds it (latin1 text, a number, a ByteString or a
   * SlabString: bytes[start, start + len)), without a Buffer view of its bytes unless LZF needs one.
   */
  stringValue(v: string | number | BytesValue, compress: boolean): void {
    if (typeof v === 'string') return this.string(v, compress);
    if (typeof v === 'number') return this.string(String(v), compress);
    const len = v.len;
    const start = v.start;
    const bytes = v.bytes;
    const first = bytes[start];
    if (len === 0 || (len <= 11 && (first === 45 || (first >= 48 && first <= 57))) || (compress && len > 20)) {
      return this.string(bytes.subarray(start, start + len), compress);
    }
    this.length_(len);
    this.ensure(len);
    if (len <= SHORT_COPY) {
      const b = this.buf;
      let p = this.pos;
      for (let i = start; i < start + len; i++) b[p++] = bytes[i];
    } else {
      bytes.copy(this.buf, this.pos, start, start + len);
    }
    this.pos += len;
  }

  /** Latin1 text as bytes; short ones in JS, as a native call costs more than the copy. */
  private latin1(s: string): void {
    const len = s.length;
    this.ensure(len);
    if (len <= SHORT_COPY) {
      const b = this.buf;
      let p = this.pos;
      for (let i = 0; i < len; i++) b[p++] = s.charCodeAt(i);
      this.pos = p;
    } else {
      this.pos += this.buf.latin1Write(s, this.pos);
    }
  }

  /** Overwrites the byte at `at` (a type byte reserved before its value's encoding was known). */
  patch(at: number, b: number): void {
    this.buf[at] = b;
  }

  /** rdbTryIntegerEncoding + rdbEncodeInteger: true when written as INT8/16/32. */
  private integerEncoded(text: string): boolean {
    const c = text.length > 0 ? text.charCodeAt(0) : 0;
    if (c !== 45 && (c < 48 || c > 57)) return false;
    const v = parseInteger(text);
    if (typeof v !== 'number') return false;
    this.ensure(5);
    const b = this.buf;
    if (v >= -128 && v <= 127) {
      b[this.pos++] = 0xc0;
      b.writeInt8(v, this.pos);
      this.pos += 1;
    } else if (v >= -32768 && v <= 32767) {
      b[this.pos++] = 0xc1;
      b.writeInt16LE(v, this.pos);
      this.pos += 2;
    } else if (v >= -2147483648 && v <= 2147483647) {
      b[this.pos++] = 0xc2;
      b.writeInt32LE(v, this.pos);
      this.pos += 4;
    } else {
      return false;
    }
    return true;
  }

  /** Forgets what was written, keeping the buffer (a file writer's chunk was flushed). */
  reset(): void {
    this.pos = 0;
  }

  /** The bytes written, as a new Buffer. */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }

  /** A view of the bytes written (valid until the next write). */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

// ---------------------------------------------------------------- values

/** Integral doubles up to this magnitude print as integers (double2ll's LLONG_MAX/2 bound). */
const D2STRING_INTEGER_LIMIT = 2 ** 62;

/**
 * The listpack element for a score, as Redis 7.0's d2string prints it: integral values within
 * 2^62 as integers (so the listpack stores them as integers), others as %.17g; -0 as 0, as the
 * zset listpack holds it.
 */
function scoreText(score: number): string {
  if (score === 0) return '0';
  if (Number.isInteger(score) && Math.abs(score) <= D2STRING_INTEGER_LIMIT) return Number.isSafeInteger(score) ? String(score) : BigInt(score).toString();
  return formatDouble17g(score);
}

/**
 * The listpacks of the quicklist nodes Redis would have cut the list into when it was built by
 * pushes at the tail (and as RDB loading rebuilds it), for list-max-listpack-size `fill`.
 */
export function quicklistNodes(list: ListValue, fill: number): Buffer[] {
  const nodes: Buffer[] = [];
  const lp = new ListpackBuilder();
  list.forEachRange(0, list.length - 1, (v) => {
    if (lp.length > 0 && !quicklistAllowsInsert(lp.bytes, lp.length, v.length, fill)) {
      nodes.push(lp.finish());
      lp.reset();
    }
    lp.append(v);
  });
  if (lp.length > 0) nodes.push(lp.finish());
  return nodes;
}

function writeList(w: RdbWriter, list: ListValue, opts: RdbSaveOptions): void {
  // The node count comes first, so the nodes are collected.
  const nodes = quicklistNodes(list, opts.listFill);
  w.length_(nodes.length);
  for (const node of nodes) {
    w.length_(QUICKLIST_NODE_PACKED);
    w.string(node, opts.compression);
  }
}

function writeSet(w: RdbWriter, set: SetValue, opts: RdbSaveOptions): number {
  const intset = set.intsetContents();
  if (intset !== null) {
    w.string(intsetBlob(intset.bytes, intset.width), opts.compression);
    return RdbType.SET_INTSET;
  }
  w.length_(set.size);
  set.forEach((m) => w.string(m, opts.compression));
  return RdbType.SET;
}

/**
 * The listpack small hashes and sorted sets are encoded into, reused: each is written into the
 * RDB writer as soon as it is built (SAVE of 100k small hashes made a builder, a buffer and a
 * copy per key).
 */
const sharedListpack = new ListpackBuilder();

/** Pairs appended to `sharedListpack` by a forEach without a closure per value. */
function appendPair(f: string, v: string): void {
  sharedListpack.append(f);
  sharedListpack.append(v);
}

function appendScored(m: string, score: number): void {
  sharedListpack.append(m);
  sharedListpack.append(scoreText(score));
}

function writeHash(w: RdbWriter, hash: HashValue, opts: RdbSaveOptions): number {
  if (hash.encoding() === 'listpack') {
    const lp = sharedListpack;
    lp.reset();
    hash.forEach(appendPair);
    w.bytes(lp.seal(), lp.bytes, opts.compression);
    return RdbType.HASH_LISTPACK;
  }
  w.length_(hash.size);
  hash.forEach((f, v) => {
    w.string(f, opts.compression);
    w.string(v, opts.compression);
  });
  return RdbType.HASH;
}

function writeZSet(w: RdbWriter, zset: ZSetValue, opts: RdbSaveOptions): number {
  if (zset.encoding() === 'listpack') {
    const lp = sharedListpack;
    lp.reset();
    zset.forEachInRange(0, zset.size - 1, false, appendScored);
    w.bytes(lp.seal(), lp.bytes, opts.compression);
    return RdbType.ZSET_LISTPACK;
  }
  // From the highest element to the lowest, as Redis walks its skiplist from the tail (loading
  // then always inserts at the head).
  w.length_(zset.size);
  zset.forEachInRange(0, zset.size - 1, true, (m, s) => {
    w.string(m, opts.compression);
    w.binaryDouble(s);
  });
  return RdbType.ZSET_2;
}

/**
 * Appends a value's RDB type byte and its encoding (rdbSaveObjectType + rdbSaveObject). Returns
 * the type written.
 */
export function writeValue(w: RdbWriter, value: Value, opts: RdbSaveOptions): number {
  // The type byte depends on the encoding: reserved, then filled in once the body is written.
  const at = w.length;
  w.byte(0);
  const type = writeValueBody(w, value, opts);
  w.patch(at, type);
  return type;
}

/**
 * Appends a value's encoding without its type byte (rdbSaveObject), straight into `w`, and
 * returns the type byte it needs (a key record puts the key between the two).
 */
export function writeValueBody(w: RdbWriter, value: Value, opts: RdbSaveOptions): number {
  if (isString(value)) {
    w.stringValue(value, opts.compression);
    return RdbType.STRING;
  }
  switch (value.type) {
    case 'list':
      writeList(w, value as ListValue, opts);
      return RdbType.LIST_QUICKLIST_2;
    case 'set':
      return writeSet(w, value as SetValue, opts);
    case 'hash':
      return writeHash(w, value as HashValue, opts);
    case 'zset':
      return writeZSet(w, value as ZSetValue, opts);
    case 'stream':
      writeStream(w, value as StreamValue, opts);
      return RdbType.STREAM_LISTPACKS_2;
  }
}

/**
 * A DUMP payload (createDumpPayload): the value's RDB encoding, the RDB version as 2 bytes
 * little-endian, and the CRC64 of all of it as 8 bytes little-endian.
 */
export function createDumpPayload(value: Value, opts: RdbSaveOptions): Buffer {
  const w = new RdbWriter();
  writeValue(w, value, opts);
  w.byte(RDB_VERSION & 0xff);
  w.byte(RDB_VERSION >> 8);
  const crc = crc64(w.view());
  w.int64LE(BigInt.asIntN(64, crc));
  return w.toBuffer();
}
