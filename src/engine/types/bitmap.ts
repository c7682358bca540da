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

/** Below this many bytes a plain table loop beats the word and WebAssembly paths. */
const WORDS_FROM = 64;
/** The chunk large counts stream through WebAssembly memory in (half its 128 KB). */
const CHUNK = 65536;

/**
 * A hand-assembled WebAssembly module with one function, `pop(from, to)`: the sum of i64.popcnt
 * over the 8-byte words of its memory in [from, to). JS has no popcount instruction; counting
 * 8 bytes per instruction is about 4x the SWAR loop below, which puts BITCOUNT of a large bitmap
 * near Redis's speed. Its memory (2 pages) is a scratch the value's bytes stream through in
 * 64 KB chunks: no copy of the whole value, no allocation per call.
 */
const WASM_POP = (() => {
  const body = [
    0x01, 0x01, 0x7e, // one i64 local: the count
    0x02, 0x40, 0x03, 0x40, // block, loop
    0x20, 0x00, 0x20, 0x01, 0x4f, 0x0d, 0x01, // from >= to: leave the block
    0x20, 0x02, 0x20, 0x00, 0x29, 0x03, 0x00, 0x7b, 0x7c, 0x21, 0x02, // count += popcnt(i64.load(from))
    0x20, 0x00, 0x41, 0x08, 0x6a, 0x21, 0x00, // from += 8
    0x0c, 0x00, 0x0b, 0x0b, // again; end loop, end block
    0x20, 0x02, 0xa7, 0x0b, // (i32) count
  ];
  const section = (id: number, bytes: number[]): number[] => [id, bytes.length, ...bytes];
  const bytes = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f]), // type (i32, i32) -> i32
    ...section(3, [0x01, 0x00]), // one function of that type
    ...section(5, [0x01, 0x00, 0x02]), // memory: 2 pages
    ...section(7, [0x02, 0x03, 0x70, 0x6f, 0x70, 0x00, 0x00, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00]), // exports "pop", "mem"
    ...section(10, [0x01, body.length, ...body]),
  ]);
  try {
    const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as { pop: (from: number, to: number) => number; mem: WebAssembly.Memory };
    return { pop: exports.pop, mem: new Uint8Array(exports.mem.buffer) };
  } catch {
    return null;
  }
})();

/** Set bits in bytes[from, to). */
export function popcount(bytes: Uint8Array, from: number, to: number): number {
  if (to - from < WORDS_FROM) return popcountSmall(bytes, from, to);
  if (WASM_POP === null) return popcountSwar(bytes, from, to);
  const { pop, mem } = WASM_POP;
  let n = 0;
  for (let a = from; a < to; a += CHUNK) {
    const len = Math.min(CHUNK, to - a);
    mem.set(bytes.subarray(a, a + len), 0);
    const words = len & ~7;
    n += pop(0, words);
    for (let i = words; i < len; i++) n += POP8[mem[i]];
  }
  return n;
}

function popcountSmall(bytes: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n += POP8[bytes[i]];
  return n;
}

/** The edges by table, the middle 32 bits at a time (SWAR) over an Int32Array view of the same memory. */
function popcountSwar(bytes: Uint8Array, from: number, to: number): number {
  let n = 0;
  let i = from;
  while (((bytes.byteOffset + i) & 3) !== 0) n += POP8[bytes[i++]];
  const words = (to - i) >>> 2;
  const w = new Int32Array(bytes.buffer, bytes.byteOffset + i, words);
  for (let k = 0; k < words; k++) {
    let v = w[k];
    v = v - ((v >>> 1) & 0x55555555);
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    n += Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
  }
  return n + popcountSmall(bytes, i + (words << 2), to);
}

// ---------------------------------------------------------------- bit search

/** 64 KB of 0x00 and of 0xff: bytes that cannot hold the bit wanted are skipped by memcmp against them. */
const ZEROS = Buffer.alloc(CHUNK);
const ONES = Buffer.alloc(CHUNK, 0xff);

/**
 * Index (in bits from `bytes[from]`) of the first bit equal to `bit` in bytes[from, to), or -1.
 * Bytes that cannot hold it (0x00 looking for 1, 0xff looking for 0) are skipped a chunk at a time
 * by Buffer#compare (memcmp), then 4 at a time within the chunk that differs.
 */
export function firstBit(bytes: Uint8Array, from: number, to: number, bit: number): number {
  const skip = bit ? 0 : 0xff;
  let i = from;
  if (to - from >= WORDS_FROM && bytes instanceof Buffer) {
    const same = bit ? ZEROS : ONES;
    while (to - i >= CHUNK && bytes.compare(same, 0, CHUNK, i, i + CHUNK) === 0) i += CHUNK;
    while (((bytes.byteOffset + i) & 3) !== 0 && i < to && bytes[i] === skip) i++;
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
