import { parseInteger } from '../../util/number.js';

/**
 * The byte formats inside Redis's RDB values: type and opcode numbers, the listpack (written and
 * read), the intset, and the read-only formats of older files and payloads (ziplist, zipmap).
 * Everything here is exact: a listpack built here is byte for byte the one Redis 7.0 builds for
 * the same entries (lpAppend's choice of integer or string encoding, lpEncodeBacklen), which is
 * what lets DUMP payloads compare equal with Redis's.
 *
 * Strings are latin1 JS strings (one char per byte), the engine's representation of bytes.
 */

/** The RDB version Redis 7.0 writes (and the newest it, and we, accept). */
export const RDB_VERSION = 10;

/** Value types (rdb.h's RDB_TYPE_*), as the first byte of a DUMP payload or a key record. */
export const RdbType = {
  STRING: 0,
  LIST: 1,
  SET: 2,
  ZSET: 3,
  HASH: 4,
  ZSET_2: 5,
  MODULE: 6,
  MODULE_2: 7,
  HASH_ZIPMAP: 9,
  LIST_ZIPLIST: 10,
  SET_INTSET: 11,
  ZSET_ZIPLIST: 12,
  HASH_ZIPLIST: 13,
  LIST_QUICKLIST: 14,
  STREAM_LISTPACKS: 15,
  HASH_LISTPACK: 16,
  ZSET_LISTPACK: 17,
  LIST_QUICKLIST_2: 18,
  STREAM_LISTPACKS_2: 19,
} as const;

/** Special string encodings (the low bits after a 11xxxxxx length byte). */
export const ENC_INT8 = 0;
export const ENC_INT16 = 1;
export const ENC_INT32 = 2;
export const ENC_LZF = 3;

/** quicklist-2 node containers. */
export const QUICKLIST_NODE_PLAIN = 1;
export const QUICKLIST_NODE_PACKED = 2;

/** A corrupt or truncated RDB input: names the offset where reading went wrong. */
export class RdbFormatError extends Error {
  constructor(
    readonly offset: number,
    what: string,
  ) {
    super(`${what} at offset ${offset}`);
    this.name = 'RdbFormatError';
  }
}

// ---------------------------------------------------------------- listpack (writing)

const LP_HDR_SIZE = 6;
const LP_EOF = 0xff;
/** lpLength's "unknown" marker in the header, when there are 65535 entries or more. */
const LP_HDR_NUMELE_UNKNOWN = 0xffff;

/** Bytes of a backlen for an entry of `l` bytes (lpEncodeBacklen). */
function backlenSize(l: number): number {
  return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

/**
 * Builds listpacks entry by entry in a growable buffer. `append` takes an element as Redis's
 * lpAppend does: strings that string2ll accepts (up to 20 bytes) are stored as integers.
 */
export class ListpackBuilder {
  private buf: Buffer = Buffer.allocUnsafe(256);
  private pos = LP_HDR_SIZE;
  private count = 0;

  /** Bytes the listpack would have now (header, entries, terminator): quicklist's node->sz. */
  get bytes(): number {
    return this.pos + 1;
  }

  get length(): number {
    return this.count;
  }

  /** Starts a new, empty listpack (the buffer is reused). */
  reset(): void {
    this.pos = LP_HDR_SIZE;
    this.count = 0;
  }

  private ensure(n: number): void {
    if (this.pos + n + 1 <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n + 1) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private backlen(l: number): void {
    const b = this.buf;
    let p = this.pos;
    if (l <= 127) {
      b[p++] = l;
    } else if (l < 16383) {
      b[p++] = l >>> 7;
      b[p++] = (l & 127) | 128;
    } else if (l < 2097151) {
      b[p++] = l >>> 14;
      b[p++] = ((l >>> 7) & 127) | 128;
      b[p++] = (l & 127) | 128;
    } else if (l < 268435455) {
      b[p++] = l >>> 21;
      b[p++] = ((l >>> 14) & 127) | 128;
      b[p++] = ((l >>> 7) & 127) | 128;
      b[p++] = (l & 127) | 128;
    } else {
      b[p++] = Math.floor(l / 2 ** 28);
      b[p++] = ((l >>> 21) & 127) | 128;
      b[p++] = ((l >>> 14) & 127) | 128;
      b[p++] = ((l >>> 7) & 127) | 128;
      b[p++] = (l & 127) | 128;
    }
    this.pos = p;
  }

  /** Appends an element (lpAppend): an integer when the string is one, else the bytes. */
  append(s: string): void {
    if (s.length <= 20) {
      const c = s.length > 0 ? s.charCodeAt(0) : 0;
      if (c === 45 || (c >= 48 && c <= 57)) {
        const v = parseInteger(s);
        if (v !== null) return this.appendInteger(v);
      }
    }
    const len = s.length;
    const head = len < 64 ? 1 : len < 4096 ? 2 : 5;
    this.ensure(head + len + 5);
    const b = this.buf;
    let p = this.pos;
    if (len < 64) {
      b[p++] = 0x80 | len;
    } else if (len < 4096) {
      b[p++] = 0xe0 | (len >>> 8);
      b[p++] = len & 0xff;
    } else {
      b[p++] = 0xf0;
      b.writeUInt32LE(len, p);
      p += 4;
    }
    if (len <= 32) {
      // A native latin1Write per field cost more than the copy (SAVE of small hashes).
      for (let i = 0; i < len; i++) b[p++] = s.charCodeAt(i);
    } else {
      p += b.latin1Write(s, p);
    }
    this.pos = p;
    this.backlen(head + len);
    this.count++;
  }

  /** Appends an integer element in the smallest of listpack's integer encodings. */
  appendInteger(v: number | bigint): void {
    this.ensure(10);
    const b = this.buf;
    let p = this.pos;
    let size: number;
    if (typeof v === 'bigint' && v >= -(2n ** 53n) && v <= 2n ** 53n) v = Number(v);
    if (typeof v === 'number' && v >= 0 && v <= 127) {
      b[p++] = v;
      size = 1;
    } else if (typeof v === 'number' && v >= -4096 && v <= 4095) {
      const u = v < 0 ? (1 << 13) + v : v;
      b[p++] = 0xc0 | (u >>> 8);
      b[p++] = u & 0xff;
      size = 2;
    } else if (typeof v === 'number' && v >= -32768 && v <= 32767) {
      b[p++] = 0xf1;
      b.writeInt16LE(v, p);
      p += 2;
      size = 3;
    } else if (typeof v === 'number' && v >= -8388608 && v <= 8388607) {
      b[p++] = 0xf2;
      b.writeIntLE(v, p, 3);
      p += 3;
      size = 4;
    } else if (typeof v === 'number' && v >= -2147483648 && v <= 2147483647) {
      b[p++] = 0xf3;
      b.writeInt32LE(v, p);
      p += 4;
      size = 5;
    } else {
      b[p++] = 0xf4;
      b.writeBigInt64LE(BigInt(v), p);
      p += 8;
      size = 9;
    }
    this.pos = p;
    this.backlen(size);
    this.count++;
  }

  /**
   * Completes the listpack in place (header, terminator) and returns the builder's buffer: its
   * first `bytes` bytes are the listpack, valid until the builder is used again. No copy.
   */
  seal(): Buffer {
    const b = this.buf;
    const total = this.pos + 1;
    b.writeUInt32LE(total, 0);
    b.writeUInt16LE(this.count < LP_HDR_NUMELE_UNKNOWN ? this.count : LP_HDR_NUMELE_UNKNOWN, 4);
    b[total - 1] = LP_EOF;
    return b;
  }

  /** The finished listpack: header (total bytes, entry count), entries, terminator. A copy. */
  finish(): Buffer {
    const total = this.pos + 1;
    const out = Buffer.allocUnsafe(total);
    this.buf.copy(out, LP_HDR_SIZE, LP_HDR_SIZE, this.pos);
    out.writeUInt32LE(total, 0);
    out.writeUInt16LE(this.count < LP_HDR_NUMELE_UNKNOWN ? this.count : LP_HDR_NUMELE_UNKNOWN, 4);
    out[total - 1] = LP_EOF;
    return out;
  }
}

/** Bytes an element adds to a listpack (entry and backlen), as ListpackBuilder.append stores it. */
export function listpackEntrySize(s: string): number {
  if (s.length <= 20) {
    const v = parseInteger(s);
    if (v !== null) {
      const size = v >= 0 && v <= 127 ? 1 : v >= -4096 && v <= 4095 ? 2 : v >= -32768 && v <= 32767 ? 3 : v >= -8388608 && v <= 8388607 ? 4 : v >= -2147483648 && v <= 2147483647 ? 5 : 9;
      return size + 1;
    }
  }
  const len = s.length;
  const enc = (len < 64 ? 1 : len < 4096 ? 2 : 5) + len;
  return enc + backlenSize(enc);
}

// ---------------------------------------------------------------- listpack (reading)

/** What reading a listpack hands each entry to: a string entry's bytes, or an integer entry's text. */
export interface ListpackVisitor {
  bytes(lp: Buffer, start: number, len: number): void;
  text(value: string): void;
}

/**
 * The elements of the listpack in `lp` (integers as their decimal text), validated as
 * lpValidateIntegrity's deep check does: header size, every entry within bounds with a matching
 * backlen, the terminator, and the header count. `base` is the listpack's offset in the input,
 * for error messages.
 */
export function listpackEntries(lp: Buffer, base: number): string[] {
  const out: string[] = [];
  readListpack(lp, base, {
    bytes: (buf, start, len) => out.push(buf.latin1Slice(start, start + len)),
    text: (value) => out.push(value),
  });
  return out;
}

/** Reads and validates the listpack in `lp` (see listpackEntries), entry by entry; returns the count. */
export function readListpack(lp: Buffer, base: number, visit: ListpackVisitor): number {
  const fail = (at: number, what: string): never => {
    throw new RdbFormatError(base + at, `corrupt listpack: ${what}`);
  };
  if (lp.length < LP_HDR_SIZE + 1) fail(0, 'too short');
  if (lp.readUInt32LE(0) !== lp.length) fail(0, 'header size does not match');
  const declared = lp.readUInt16LE(4);
  let count = 0;
  let p = LP_HDR_SIZE;
  const end = lp.length - 1;
  while (p < end) {
    const start = p;
    const b = lp[p];
    if (b < 0x80) {
      visit.text(String(b));
      p += 1;
    } else if (b < 0xc0) {
      const len = b & 0x3f;
      if (p + 1 + len > end) fail(p, 'string past the end');
      visit.bytes(lp, p + 1, len);
      p += 1 + len;
    } else if (b < 0xe0) {
      if (p + 2 > end) fail(p, 'integer past the end');
      const u = ((b & 0x1f) << 8) | lp[p + 1];
      visit.text(String(u >= 4096 ? u - 8192 : u));
      p += 2;
    } else if (b < 0xf0) {
      const len = ((b & 0x0f) << 8) | lp[p + 1];
      if (p + 2 + len > end) fail(p, 'string past the end');
      visit.bytes(lp, p + 2, len);
      p += 2 + len;
    } else if (b === 0xf0) {
      if (p + 5 > end) fail(p, 'string past the end');
      const len = lp.readUInt32LE(p + 1);
      if (p + 5 + len > end) fail(p, 'string past the end');
      visit.bytes(lp, p + 5, len);
      p += 5 + len;
    } else if (b === 0xf1 || b === 0xf2 || b === 0xf3) {
      const n = b - 0xef;
      if (p + 1 + n > end) fail(p, 'integer past the end');
      visit.text(String(lp.readIntLE(p + 1, n)));
      p += 1 + n;
    } else if (b === 0xf4) {
      if (p + 9 > end) fail(p, 'integer past the end');
      visit.text(String(lp.readBigInt64LE(p + 1)));
      p += 9;
    } else {
      return fail(p, `bad entry encoding 0x${b.toString(16)}`);
    }
    const l = p - start;
    const bl = backlenSize(l);
    if (p + bl > end) fail(p, 'backlen past the end');
    // The backlen, read backwards from its last byte as lpDecodeBacklen does.
    let v = 0;
    let shift = 0;
    for (let i = p + bl - 1; i >= p; i--) {
      v += (lp[i] & 127) * 2 ** shift;
      shift += 7;
    }
    if (v !== l) fail(p, 'backlen does not match the entry');
    p += bl;
    count++;
  }
  if (p !== end || lp[end] !== LP_EOF) fail(end, 'missing terminator');
  if (declared !== LP_HDR_NUMELE_UNKNOWN && declared !== count) fail(4, 'entry count does not match');
  return count;
}

// ---------------------------------------------------------------- intset

/** Validates an intset blob (intsetValidateIntegrity, deep): width, size, strictly ascending. */
export function intsetContents(blob: Buffer, base: number): { width: number; bytes: string } {
  if (blob.length < 8) throw new RdbFormatError(base, 'corrupt intset: too short');
  const width = blob.readUInt32LE(0);
  const count = blob.readUInt32LE(4);
  if (width !== 2 && width !== 4 && width !== 8) throw new RdbFormatError(base, `corrupt intset: bad encoding ${width}`);
  if (8 + count * width !== blob.length) throw new RdbFormatError(base + 4, 'corrupt intset: size does not match');
  if (count === 0) throw new RdbFormatError(base + 4, 'empty intset');
  let prev: bigint | null = null;
  for (let i = 0; i < count; i++) {
    const at = 8 + i * width;
    const v = width === 2 ? BigInt(blob.readInt16LE(at)) : width === 4 ? BigInt(blob.readInt32LE(at)) : blob.readBigInt64LE(at);
    if (prev !== null && v <= prev) throw new RdbFormatError(base + at, 'corrupt intset: not in ascending order');
    prev = v;
  }
  return { width, bytes: blob.latin1Slice(8, blob.length) };
}

/** The intset blob Redis saves: encoding (width) and length as uint32 LE, then the integers. */
export function intsetBlob(bytes: string, width: number): Buffer {
  const out = Buffer.allocUnsafe(8 + bytes.length);
  out.writeUInt32LE(width, 0);
  out.writeUInt32LE(bytes.length / width, 4);
  out.latin1Write(bytes, 8);
  return out;
}

// ---------------------------------------------------------------- ziplist (read only: Redis <= 6.2)

/** The elements of a ziplist (integers as decimal text), with bounds checks. */
export function ziplistEntries(zl: Buffer, base: number): string[] {
  const fail = (at: number, what: string): never => {
    throw new RdbFormatError(base + at, `corrupt ziplist: ${what}`);
  };
  if (zl.length < 11) fail(0, 'too short');
  if (zl.readUInt32LE(0) !== zl.length) fail(0, 'header size does not match');
  const declared = zl.readUInt16LE(8);
  const out: string[] = [];
  let p = 10;
  const end = zl.length - 1;
  while (p < end) {
    // prevlen: one byte, or 0xfe and four.
    p += zl[p] < 0xfe ? 1 : 5;
    if (p >= end) fail(p, 'entry past the end');
    const b = zl[p];
    const kind = b >> 6;
    if (kind === 0) {
      const len = b & 0x3f;
      if (p + 1 + len > end) fail(p, 'string past the end');
      out.push(zl.latin1Slice(p + 1, p + 1 + len));
      p += 1 + len;
    } else if (kind === 1) {
      const len = ((b & 0x3f) << 8) | zl[p + 1];
      if (p + 2 + len > end) fail(p, 'string past the end');
      out.push(zl.latin1Slice(p + 2, p + 2 + len));
      p += 2 + len;
    } else if (kind === 2) {
      if (p + 5 > end) fail(p, 'string past the end');
      const len = zl.readUInt32BE(p + 1);
      if (p + 5 + len > end) fail(p, 'string past the end');
      out.push(zl.latin1Slice(p + 5, p + 5 + len));
      p += 5 + len;
    } else if (b === 0xc0) {
      out.push(String(zl.readInt16LE(p + 1)));
      p += 3;
    } else if (b === 0xd0) {
      out.push(String(zl.readInt32LE(p + 1)));
      p += 5;
    } else if (b === 0xe0) {
      out.push(String(zl.readBigInt64LE(p + 1)));
      p += 9;
    } else if (b === 0xf0) {
      out.push(String(zl.readIntLE(p + 1, 3)));
      p += 4;
    } else if (b === 0xfe) {
      out.push(String(zl.readInt8(p + 1)));
      p += 2;
    } else if (b >= 0xf1 && b <= 0xfd) {
      out.push(String((b & 0x0f) - 1));
      p += 1;
    } else {
      fail(p, `bad entry encoding 0x${b.toString(16)}`);
    }
    if (p > end) fail(end, 'entry past the end');
  }
  if (zl[end] !== 0xff) fail(end, 'missing terminator');
  if (declared !== 0xffff && declared !== out.length) fail(8, 'entry count does not match');
  return out;
}

// ---------------------------------------------------------------- zipmap (read only: Redis <= 2.4)

/** The field/value pairs of a zipmap, flattened. */
export function zipmapPairs(zm: Buffer, base: number): string[] {
  const fail = (at: number, what: string): never => {
    throw new RdbFormatError(base + at, `corrupt zipmap: ${what}`);
  };
  const out: string[] = [];
  let p = 1;
  const readLen = (): number => {
    if (p >= zm.length) fail(p, 'past the end');
    const b = zm[p];
    if (b < 254) {
      p += 1;
      return b;
    }
    if (b === 254) {
      if (p + 5 > zm.length) fail(p, 'past the end');
      const len = zm.readUInt32LE(p + 1);
      p += 5;
      return len;
    }
    return -1;
  };
  for (;;) {
    const klen = readLen();
    if (klen < 0) break;
    if (p + klen > zm.length) fail(p, 'key past the end');
    const key = zm.latin1Slice(p, p + klen);
    p += klen;
    const vlen = readLen();
    if (vlen < 0) fail(p, 'missing value');
    const free = zm[p++];
    if (p + vlen + free > zm.length) fail(p, 'value past the end');
    out.push(key, zm.latin1Slice(p, p + vlen));
    p += vlen + free;
  }
  if (p !== zm.length - 1) fail(p, 'trailing bytes');
  return out;
}
