/**
 * Builds an RDB version 9 file by hand, as Redis 6 writes one: "REDIS0009", aux fields, lists as
 * quicklists of ziplists, small hashes and sorted sets as ziplists, intsets, and the older plain
 * encodings above the limits. Written from the format (rdb.h, ziplist.c's layout), independent
 * of Cinder's writer, so that a load test does not check the codec against itself.
 */
import { crc64 } from '../../src/util/crc64.js';
import { lzfCompress } from '../../src/util/lzf.js';

export const RDB_TYPE = {
  STRING: 0,
  SET: 2,
  ZSET_2: 5,
  HASH: 4,
  SET_INTSET: 11,
  ZSET_ZIPLIST: 12,
  HASH_ZIPLIST: 13,
  LIST_QUICKLIST: 14,
} as const;

const OP = { AUX: 0xfa, RESIZEDB: 0xfb, EXPIRETIME_MS: 0xfc, SELECTDB: 0xfe, EOF: 0xff } as const;

/** rdbSaveLen: 6-bit, 14-bit (big endian) or 32-bit (big endian) lengths. */
export function rdbLen(n: number): Buffer {
  if (n < 64) return Buffer.from([n]);
  if (n < 16384) return Buffer.from([0x40 | (n >> 8), n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = 0x80;
  b.writeUInt32BE(n, 1);
  return b;
}

/** string2ll's canonical integers (no sign but '-', no leading zeros), within 64 bits. */
function canonicalInt(s: string): bigint | null {
  if (s.length === 0 || s.length > 20 || !/^(0|-?[1-9][0-9]*)$/.test(s)) return null;
  const n = BigInt(s);
  return n >= -(2n ** 63n) && n < 2n ** 63n ? n : null;
}

/** rdbSaveRawString: INT8/16/32 for short canonical integers, LZF past 20 bytes when it saves 4, else raw. */
export function rdbString(s: string | Buffer): Buffer {
  const bytes = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
  if (bytes.length <= 11) {
    const n = canonicalInt(bytes.latin1Slice());
    if (n !== null) {
      if (n >= -128n && n <= 127n) return Buffer.from([0xc0, Number(n) & 0xff]);
      if (n >= -32768n && n <= 32767n) {
        const b = Buffer.alloc(3);
        b[0] = 0xc1;
        b.writeInt16LE(Number(n), 1);
        return b;
      }
      if (n >= -(2n ** 31n) && n < 2n ** 31n) {
        const b = Buffer.alloc(5);
        b[0] = 0xc2;
        b.writeInt32LE(Number(n), 1);
        return b;
      }
    }
  }
  if (bytes.length > 20) {
    const packed = lzfCompress(bytes, bytes.length - 5);
    if (packed !== null) return Buffer.concat([Buffer.from([0xc3]), rdbLen(packed.length), rdbLen(bytes.length), Buffer.from(packed)]);
  }
  return Buffer.concat([rdbLen(bytes.length), bytes]);
}

/** One ziplist entry's encoding and payload (zipStoreEntryEncoding, zipTryEncoding). */
function zipEntryBody(s: string): Buffer {
  const n = s.length <= 32 ? canonicalInt(s) : null;
  if (n !== null) {
    if (n >= 0n && n <= 12n) return Buffer.from([0xf1 + Number(n)]);
    if (n >= -128n && n <= 127n) return Buffer.from([0xfe, Number(n) & 0xff]);
    if (n >= -32768n && n <= 32767n) {
      const b = Buffer.alloc(3);
      b[0] = 0xc0;
      b.writeInt16LE(Number(n), 1);
      return b;
    }
    if (n >= -(2n ** 23n) && n < 2n ** 23n) {
      const b = Buffer.alloc(4);
      b[0] = 0xf0;
      b.writeIntLE(Number(n), 1, 3);
      return b;
    }
    if (n >= -(2n ** 31n) && n < 2n ** 31n) {
      const b = Buffer.alloc(5);
      b[0] = 0xd0;
      b.writeInt32LE(Number(n), 1);
      return b;
    }
    const b = Buffer.alloc(9);
    b[0] = 0xe0;
    b.writeBigInt64LE(n, 1);
    return b;
  }
  const bytes = Buffer.from(s, 'latin1');
  let header: Buffer;
  if (bytes.length <= 63) header = Buffer.from([bytes.length]);
  else if (bytes.length <= 16383) header = Buffer.from([0x40 | (bytes.length >> 8), bytes.length & 0xff]);
  else {
    header = Buffer.alloc(5);
    header[0] = 0x80;
    header.writeUInt32BE(bytes.length, 1);
  }
  return Buffer.concat([header, bytes]);
}

/** A whole ziplist: zlbytes, zltail, zllen (little endian), entries with their prevlen, 0xFF. */
export function ziplist(entries: string[]): Buffer {
  const parts: Buffer[] = [];
  let prev = 0;
  let offset = 10;
  let tail = 10;
  for (const e of entries) {
    const body = zipEntryBody(e);
    let prevlen: Buffer;
    if (prev < 254) prevlen = Buffer.from([prev]);
    else {
      prevlen = Buffer.alloc(5);
      prevlen[0] = 0xfe;
      prevlen.writeUInt32LE(prev, 1);
    }
    const entry = Buffer.concat([prevlen, body]);
    tail = offset;
    offset += entry.length;
    prev = entry.length;
    parts.push(entry);
  }
  const header = Buffer.alloc(10);
  header.writeUInt32LE(offset + 1, 0);
  header.writeUInt32LE(tail, 4);
  header.writeUInt16LE(Math.min(entries.length, 0xffff), 8);
  return Buffer.concat([header, ...parts, Buffer.from([0xff])]);
}

/** An intset: encoding (2, 4 or 8 bytes), length, sorted little-endian members. */
export function intset(members: number[]): Buffer {
  const sorted = [...members].sort((a, b) => a - b);
  const width = sorted.every((n) => n >= -32768 && n <= 32767) ? 2 : sorted.every((n) => n >= -(2 ** 31) && n < 2 ** 31) ? 4 : 8;
  const b = Buffer.alloc(8 + width * sorted.length);
  b.writeUInt32LE(width, 0);
  b.writeUInt32LE(sorted.length, 4);
  sorted.forEach((n, i) => (width === 8 ? b.writeBigInt64LE(BigInt(n), 8 + i * 8) : b.writeIntLE(n, 8 + i * width, width)));
  return b;
}

export interface V9Key {
  key: string;
  type: number;
  /** The value's bytes after the key, as the type wants them. */
  value: Buffer;
  expireMs?: number;
}

/** The value part of each type, as Redis 6 writes it. */
export const v9 = {
  string: (s: string | Buffer): Buffer => rdbString(s),
  /** A quicklist: one ziplist per node. */
  quicklist: (nodes: string[][]): Buffer => Buffer.concat([rdbLen(nodes.length), ...nodes.map((n) => rdbString(ziplist(n)))]),
  ziplistBlob: (flat: string[]): Buffer => rdbString(ziplist(flat)),
  intsetBlob: (members: number[]): Buffer => rdbString(intset(members)),
  set: (members: string[]): Buffer => Buffer.concat([rdbLen(members.length), ...members.map((m) => rdbString(m))]),
  hash: (pairs: Array<[string, string]>): Buffer => Buffer.concat([rdbLen(pairs.length), ...pairs.flatMap(([f, v]) => [rdbString(f), rdbString(v)])]),
  zset2: (entries: Array<[string, number]>): Buffer =>
    Buffer.concat([
      rdbLen(entries.length),
      ...entries.flatMap(([m, score]) => {
        const d = Buffer.alloc(8);
        d.writeDoubleLE(score);
        return [rdbString(m), d];
      }),
    ]),
};

/** The whole file: header, aux fields, each database's keys, EOF and the CRC64. */
export function rdbV9File(aux: Array<[string, string]>, dbs: Map<number, V9Key[]>): Buffer {
  const parts: Buffer[] = [Buffer.from('REDIS0009', 'latin1')];
  for (const [k, v] of aux) parts.push(Buffer.from([OP.AUX]), rdbString(k), rdbString(v));
  for (const [db, keys] of dbs) {
    parts.push(Buffer.from([OP.SELECTDB]), rdbLen(db));
    parts.push(Buffer.from([OP.RESIZEDB]), rdbLen(keys.length), rdbLen(keys.filter((k) => k.expireMs !== undefined).length));
    for (const k of keys) {
      if (k.expireMs !== undefined) {
        const t = Buffer.alloc(9);
        t[0] = OP.EXPIRETIME_MS;
        t.writeBigInt64LE(BigInt(k.expireMs), 1);
        parts.push(t);
      }
      parts.push(Buffer.from([k.type]), rdbString(k.key), k.value);
    }
  }
  parts.push(Buffer.from([OP.EOF]));
  const body = Buffer.concat(parts);
  const crc = Buffer.alloc(8);
  crc.writeBigUInt64LE(crc64(body));
  return Buffer.concat([body, crc]);
}
