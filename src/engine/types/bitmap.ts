import { ByteString, type StringValue } from '../values.js';
import { toByteString } from './string.js';

/**
 * Bitmaps: a bitmap is a string value (bit 0 is the most significant bit of byte 0, as Redis
 * numbers them), so GET, SETRANGE, APPEND, DUMP and the RDB see the same bytes. Reads work on
 * the value's bytes where they lie (a ByteString's or SlabString's buffer), never on a copy of a
 * large value; writes turn the value into a ByteString once (Redis's dbUnshareStringValue) and
 * then change it in place.
 */

// ---------------------------------------------------------------- byte views

/** The bytes of the last `viewOf` call: `viewBytes[viewStart .. viewStart + viewLen)`. */
export let viewBytes: Uint8Array = new Uint8Array(0);
export let viewStart = 0;
export let viewLen = 0;

/**
 * Points viewBytes / viewStart / viewLen at the bytes of `v` without copying a ByteString's or
 * SlabString's buffer (module fields rather than a returned object: no allocation per call).
 * A JS string or number (values below 256 bytes) is converted, which is cheap at that size.
 */
export function viewOf(v: StringValue): void {
  if (typeof v === 'object') {
    viewBytes = v.bytes;
    viewStart = v.start;
    viewLen = v.len;
    return;
  }
  const s = typeof v === 'number' ? String(v) : v;
  viewBytes = Buffer.from(s, 'latin1');
  viewStart = 0;
  viewLen = s.length;
}

/** Byte `i` of a string value (0 past its end), without converting short values. */
export function byteAt(v: StringValue, i: number): number {
  if (typeof v === 'string') return i < v.length ? v.charCodeAt(i) : 0;
  if (typeof v === 'number') {
    const s = String(v);
    return i < s.length ? s.charCodeAt(i) : 0;
  }
  return i < v.len ? v.bytes[v.start + i] : 0;
}

/**
 * `v` as a ByteString of at least `minLen` bytes, new bytes zeroed (Redis's sdsgrowzero). Returns
 * `v` itself when it already is a ByteString (the caller replaces the key's value otherwise).
 */
export function growZero(v: StringValue | undefined, minLen: number): ByteString {
  if (v === undefined) {
    return new ByteString(Buffer.alloc(Math.max(minLen, 16)), minLen);
  }
  const b = toByteString(v, minLen > stringLen(v) ? minLen - stringLen(v) : 0);
  const old = b.len;
  if (minLen > old) {
    b.reserve(minLen);
    b.bytes.fill(0, old, minLen);
    b.len = minLen;
  }
  return b;
}

function stringLen(v: StringValue): number {
  if (typeof v === 'string') return v.length;
  if (typeof v === 'number') return String(v).length;
  return v.len;
}

// ---------------------------------------------------------------- population count

/** Set bits per byte value. */
const POP8 = new Uint8Array(256);
for (let i = 1; i < 256; i++) POP8[i] = (i & 1) + POP8[i >> 1];

/** Below this many bytes a plain table loop beats setting up a word view. */
const WORDS_FROM = 64;

/**
 * Set bits in bytes[from, to): the unaligned edges by table, the middle 32 bits at a time with
 * the SWAR bit count (one Int32Array view per call over the same memory, no copy).
 */
export function popcount(bytes: Uint8Array, from: number, to: number): number {
  let n = 0;
  let i = from;
  if (to - from >= WORDS_FROM) {
    while (((bytes.byteOffset + i) & 3) !== 0) n += POP8[bytes[i++]];
    const words = (to - i) >>> 2;
    const w = new Int32Array(bytes.buffer, bytes.byteOffset + i, words);
    for (let k = 0; k < words; k++) {
      let v = w[k];
      v = v - ((v >>> 1) & 0x55555555);
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      n += Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
    }
    i += words << 2;
  }
  while (i < to) n += POP8[bytes[i++]];
  return n;
}

// ---------------------------------------------------------------- bit search

/**
 * Index (in bits from `bytes[from]`) of the first bit equal to `bit` in bytes[from, to), or -1.
 * Bytes that cannot hold it (0x00 looking for 1, 0xff looking for 0) are skipped 4 at a time.
 */
export function firstBit(bytes: Uint8Array, from: number, to: number, bit: number): number {
  const skip = bit ? 0 : 0xff;
  let i = from;
  if (to - from >= WORDS_FROM) {
    while (((bytes.byteOffset + i) & 3) !== 0 && bytes[i] === skip) i++;
    if (((bytes.byteOffset + i) & 3) === 0) {
      const words = (to - i) >>> 2;
      const w = new Int32Array(bytes.buffer, bytes.byteOffset + i, words);
      const skipWord = bit ? 0 : -1;
      let k = 0;
      while (k < words && w[k] === skipWord) k++;
      i += k << 2;
    }
  }
  while (i < to && bytes[i] === skip) i++;
  if (i >= to) return -1;
  const b = bit ? bytes[i] : ~bytes[i] & 0xff;
  return (i - from) * 8 + Math.clz32(b) - 24;
}

// ---------------------------------------------------------------- bit fields

/**
 * The unsigned `bits`-wide field at bit `offset` of bytes[start, start+len) (zeros past the end),
 * most significant bit first, as Redis's getUnsignedBitfield. A number up to 52 bits, else a bigint.
 */
export function getBitfield(bytes: Uint8Array, start: number, len: number, offset: number, bits: number): number | bigint {
  if (bits <= 52) {
    let v = 0;
    for (let j = 0; j < bits; j++) {
      const pos = offset + j;
      const byte = Math.floor(pos / 8);
      const b = byte < len ? (bytes[start + byte] >> (7 - (pos & 7))) & 1 : 0;
      v = v * 2 + b;
    }
    return v;
  }
  let v = 0n;
  for (let j = 0; j < bits; j++) {
    const pos = offset + j;
    const byte = Math.floor(pos / 8);
    const b = byte < len ? (bytes[start + byte] >> (7 - (pos & 7))) & 1 : 0;
    v = (v << 1n) | BigInt(b);
  }
  return v;
}

/** Writes the low `bits` bits of `value` at bit `offset` of a ByteString long enough to hold them. */
export function setBitfield(b: ByteString, offset: number, bits: number, value: bigint): void {
  const bytes = b.bytes;
  for (let j = 0; j < bits; j++) {
    const bitval = Number((value >> BigInt(bits - 1 - j)) & 1n);
    const pos = offset + j;
    const byte = Math.floor(pos / 8);
    const shift = 7 - (pos & 7);
    bytes[byte] = (bytes[byte] & ~(1 << shift)) | (bitval << shift);
  }
}
