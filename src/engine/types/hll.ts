import { ByteString, SlabString, type StringValue } from '../values.js';
import { SLAB_MAX_LEN } from '../slab.js';

/**
 * HyperLogLog in Redis 7.0's exact representation, so that values move between Cinder and Redis
 * (GET/SET, DUMP/RESTORE, the RDB) and counts are equal for equal inputs.
 *
 * A HyperLogLog is a string value: a 16-byte header, "HYLL", the encoding (0 dense, 1 sparse),
 * 3 unused bytes and the cached cardinality (8 bytes, little endian; bit 7 of the last byte set
 * means "stale"), then the registers:
 * - dense: 16384 registers of 6 bits, packed least significant bit first (12288 bytes);
 * - sparse: run-length opcodes. ZERO `00xxxxxx`: xxxxxx+1 zero registers; XZERO `01xxxxxx
 *   yyyyyyyy`: 14-bit length+1 zero registers; VAL `1vvvvvxx`: xx+1 registers of value vvvvv+1.
 * An element's hash is MurmurHash64A with seed 0xadc83b19: the low 14 bits pick the register, the
 * position of the first set bit in the remaining 50 (plus one) is the candidate value. Sparse
 * values only reach 32: a larger one, or growth past hll-sparse-max-bytes, turns the value dense.
 * The estimate is Ertl's improved estimator over the register histogram, as Redis computes it.
 *
 * Storage: between commands a HyperLogLog is kept compact, in a slab chunk (SlabString, any size:
 * a sparse value of 300 bytes costs its chunk, not a Buffer of its own), like Redis's sds with no
 * spare room. A dense value (always 12304 bytes) is changed in place in its chunk; a sparse one,
 * which grows, is copied into a ByteString for the command's changes and stored compact again
 * afterwards (`compactHll`). Sparse updates split and merge opcodes exactly as Redis does.
 */

/** The bytes of a HyperLogLog being changed: a ByteString, or a SlabString changed in place (dense). */
export type HllBytes = ByteString | SlabString;

export const HLL_P = 14;
export const HLL_REGISTERS = 1 << HLL_P;
const HLL_P_MASK = HLL_REGISTERS - 1;
const HLL_BITS = 6;
const HLL_REGISTER_MAX = 63;
export const HLL_HDR_SIZE = 16;
export const HLL_DENSE_SIZE = HLL_HDR_SIZE + (HLL_REGISTERS * HLL_BITS) / 8;
export const HLL_DENSE = 0;
export const HLL_SPARSE = 1;
const HLL_Q = 64 - HLL_P;
const HLL_ALPHA_INF = 0.721347520444481703680;

const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
const SPARSE_XZERO_MAX_LEN = 16384;

export const ERR_INVALID_HLL = 'WRONGTYPE Key is not a valid HyperLogLog string value.';
export const ERR_CORRUPT_HLL = 'INVALIDOBJ Corrupted HLL object detected';

// ---------------------------------------------------------------- hashing

/** The hash's high and low 32-bit halves, set by murmur64 (no object per element). */
let hashHi = 0;
let hashLo = 0;
/** The product's halves, set by mul64. */
let mulHi = 0;
let mulLo = 0;

const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;

/** (ah:al) * (bh:bl) modulo 2^64 into mulHi:mulLo. */
function mul64(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  const hiOfLow = p11 + Math.floor(p01 / 65536) + Math.floor(p10 / 65536) + Math.floor(mid / 65536);
  mulLo = Math.imul(al, bl) >>> 0;
  mulHi = (hiOfLow + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
}

/** MurmurHash64A of the latin1 bytes of `s` with Redis's seed, into hashHi:hashLo. */
function murmur64(s: string): void {
  const len = s.length;
  mul64(0, len, M_HI, M_LO);
  let hh = mulHi;
  let hl = (mulLo ^ 0xadc83b19) >>> 0;
  const blocks = len & ~7;
  for (let i = 0; i < blocks; i += 8) {
    let kl = (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24)) >>> 0;
    let kh = (s.charCodeAt(i + 4) | (s.charCodeAt(i + 5) << 8) | (s.charCodeAt(i + 6) << 16) | (s.charCodeAt(i + 7) << 24)) >>> 0;
    mul64(kh, kl, M_HI, M_LO);
    kh = mulHi;
    kl = mulLo;
    kl = (kl ^ (kh >>> 15)) >>> 0; // k ^= k >> 47
    mul64(kh, kl, M_HI, M_LO);
    hh = (hh ^ mulHi) >>> 0;
    hl = (hl ^ mulLo) >>> 0;
    mul64(hh, hl, M_HI, M_LO);
    hh = mulHi;
    hl = mulLo;
  }
  const rest = len & 7;
  if (rest > 0) {
    const t = blocks;
    // Redis's switch falling through from len & 7 down to 1: bytes t+rest-1 .. t.
    if (rest >= 7) hh ^= s.charCodeAt(t + 6) << 16;
    if (rest >= 6) hh ^= s.charCodeAt(t + 5) << 8;
    if (rest >= 5) hh ^= s.charCodeAt(t + 4);
    if (rest >= 4) hl ^= s.charCodeAt(t + 3) << 24;
    if (rest >= 3) hl ^= s.charCodeAt(t + 2) << 16;
    if (rest >= 2) hl ^= s.charCodeAt(t + 1) << 8;
    hl ^= s.charCodeAt(t);
    mul64(hh >>> 0, hl >>> 0, M_HI, M_LO);
    hh = mulHi;
    hl = mulLo;
  }
  hl = (hl ^ (hh >>> 15)) >>> 0;
  mul64(hh, hl, M_HI, M_LO);
  hh = mulHi;
  hl = mulLo;
  hl = (hl ^ (hh >>> 15)) >>> 0;
  hashHi = hh;
  hashLo = hl;
}

/** The register an element picks, set by patLen. */
let patIndex = 0;

/** Redis's hllPatLen: the register (into patIndex) and the run length of zeros + 1 (the return). */
function patLen(s: string): number {
  murmur64(s);
  patIndex = hashLo & HLL_P_MASK;
  // hash >>= 14, then bit 50 set so the count stops at 51.
  const lo = ((hashLo >>> HLL_P) | (hashHi << (32 - HLL_P))) >>> 0;
  const hi = (hashHi >>> HLL_P) | (1 << (HLL_Q - 32));
  if (lo !== 0) return 32 - Math.clz32(lo & -lo);
  return 64 - Math.clz32(hi & -hi);
}

// ---------------------------------------------------------------- validation and header

/**
 * Redis's isHLLObjectOrReply, given a string value: the error text when it is not a HyperLogLog
 * (null when it is one). Integers and short or wrong-magic strings are not.
 */
export function hllInvalid(v: StringValue): string | null {
  if (typeof v === 'number') return ERR_INVALID_HLL;
  const len = typeof v === 'string' ? v.length : v.len;
  if (len < HLL_HDR_SIZE) return ERR_INVALID_HLL;
  if (byteOf(v, 0) !== 72 || byteOf(v, 1) !== 89 || byteOf(v, 2) !== 76 || byteOf(v, 3) !== 76) return ERR_INVALID_HLL;
  const enc = byteOf(v, 4);
  if (enc > HLL_SPARSE) return ERR_INVALID_HLL;
  if (enc === HLL_DENSE && len !== HLL_DENSE_SIZE) return ERR_INVALID_HLL;
  return null;
}

function byteOf(v: string | { bytes: Uint8Array; start: number }, i: number): number {
  return typeof v === 'string' ? v.charCodeAt(i) : v.bytes[v.start + i];
}

/** An empty sparse HyperLogLog (Redis's createHLLObject): the header and one XZERO of 16384. */
export function createHll(): ByteString {
  const b = new ByteString(Buffer.alloc(32), HLL_HDR_SIZE + 2);
  b.bytes.latin1Write('HYLL', 0);
  b.bytes[4] = HLL_SPARSE;
  setXzero(b.bytes, HLL_HDR_SIZE, SPARSE_XZERO_MAX_LEN);
  return b;
}


/** Marks the cached cardinality stale. */
export function invalidateCache(b: HllBytes): void {
  b.bytes[b.start + 15] |= 0x80;
}

/** `b` as the value to keep in the keyspace: a slab chunk of exactly its length. */
export function compactHll(b: ByteString): StringValue {
  return b.len <= SLAB_MAX_LEN ? SlabString.fromBytes(b.bytes, 0, b.len) : b;
}

/** The cached cardinality, or -1 when stale. */
export function cachedCard(bytes: Uint8Array, start: number): number | bigint {
  if (bytes[start + 15] & 0x80) return -1;
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(bytes[start + 8 + i]);
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

export function setCachedCard(b: HllBytes, card: number): void {
  let v = card;
  const at = b.start + 8;
  for (let i = 0; i < 8; i++) {
    b.bytes[at + i] = v % 256;
    v = Math.floor(v / 256);
  }
}

// ---------------------------------------------------------------- dense registers

export function denseGet(r: Uint8Array, base: number, index: number): number {
  const bit = index * HLL_BITS;
  const byte = base + (bit >>> 3);
  const fb = bit & 7;
  const b1 = byte + 1 < r.length ? r[byte + 1] : 0;
  return ((r[byte] >> fb) | (b1 << (8 - fb))) & HLL_REGISTER_MAX;
}

export function denseSet(r: Uint8Array, base: number, index: number, val: number): void {
  const bit = index * HLL_BITS;
  const byte = base + (bit >>> 3);
  const fb = bit & 7;
  const fb8 = 8 - fb;
  r[byte] = (r[byte] & ~(HLL_REGISTER_MAX << fb)) | ((val << fb) & 0xff);
  // The last register ends within its byte: nothing spills into the next one.
  const spill = HLL_REGISTER_MAX >> fb8;
  if (spill !== 0) r[byte + 1] = (r[byte + 1] & ~spill) | (val >> fb8);
}

/** Sets a dense register (registers from `base`) to `count` if that raises it: 1 when it changed, 0 otherwise. */
function denseRaise(r: Uint8Array, base: number, index: number, count: number): number {
  if (denseGet(r, base, index) >= count) return 0;
  denseSet(r, base, index, count);
  return 1;
}

// ---------------------------------------------------------------- sparse opcodes

const isZero = (b: number): boolean => (b & 0xc0) === 0;
const isXzero = (b: number): boolean => (b & 0xc0) === 0x40;
const isVal = (b: number): boolean => (b & 0x80) !== 0;
const zeroLen = (b: number): number => (b & 0x3f) + 1;
const xzeroLen = (b: number, b2: number): number => (((b & 0x3f) << 8) | b2) + 1;
const valValue = (b: number): number => ((b >> 2) & 0x1f) + 1;
const valLen = (b: number): number => (b & 3) + 1;
const valOp = (val: number, len: number): number => (((val - 1) << 2) | (len - 1)) | 0x80;

function setXzero(p: Uint8Array, at: number, len: number): void {
  const l = len - 1;
  p[at] = (l >> 8) | 0x40;
  p[at + 1] = l & 0xff;
}

/**
 * A sparse value turned dense in place (Redis's hllSparseToDense): the header kept (magic, unused
 * bytes, cached cardinality), the runs written into zeroed registers. False when the opcodes do
 * not cover exactly 16384 registers (corrupt).
 */
export function sparseToDense(b: ByteString): boolean {
  if (b.bytes[4] === HLL_DENSE) return true;
  const dense = Buffer.alloc(HLL_DENSE_SIZE);
  b.bytes.copy(dense, 0, 0, HLL_HDR_SIZE);
  dense[4] = HLL_DENSE;
  const p = b.bytes;
  const end = b.len;
  let idx = 0;
  let i = HLL_HDR_SIZE;
  while (i < end) {
    const op = p[i];
    if (isZero(op)) {
      idx += zeroLen(op);
      i++;
    } else if (isXzero(op)) {
      idx += xzeroLen(op, p[i + 1]);
      i += 2;
    } else {
      let run = valLen(op);
      const v = valValue(op);
      // A run past the last register is corrupt (Redis 7.0.15 refuses it, whatever follows).
      if (run + idx > HLL_REGISTERS) return false;
      while (run-- > 0) denseSet(dense, HLL_HDR_SIZE, idx++, v);
      i++;
    }
  }
  if (idx !== HLL_REGISTERS) return false;
  b.bytes = dense;
  b.len = HLL_DENSE_SIZE;
  return true;
}

/** Bytes of the sparse sequence that replaces an opcode (at most 5). */
const seq = new Uint8Array(5);

/**
 * Redis's hllSparseSet: raises register `index` to `count` in a sparse value, splitting the
 * opcode that covers it and merging equal neighbours afterwards, exactly as Redis does (the bytes
 * must match). Turns the value dense when `count` exceeds 32 or the value would outgrow
 * `maxBytes`. Returns 1 when changed, 0 when the register was already as high, -1 when corrupt.
 */
function sparseSet(b: ByteString, index: number, count: number, maxBytes: number): number {
  if (count > SPARSE_VAL_MAX_VALUE) return promote(b, index, count);
  let p = b.bytes;
  let end = b.len;
  let i = HLL_HDR_SIZE;
  let first = 0;
  let prev = -1;
  let span = 0;
  while (i < end) {
    const op = p[i];
    let oplen = 1;
    if (isZero(op)) span = zeroLen(op);
    else if (isVal(op)) span = valLen(op);
    else {
      span = xzeroLen(op, p[i + 1]);
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = i;
    i += oplen;
    first += span;
  }
  if (span === 0 || i >= end) return -1;
  const op = p[i];
  const next = isXzero(op) ? i + 2 : i + 1;
  const hasNext = next < end;
  const zero = isZero(op);
  const xzero = isXzero(op);
  const val = !zero && !xzero;
  const runlen = zero ? zeroLen(op) : xzero ? xzeroLen(op, p[i + 1]) : valLen(op);

  updated: {
    if (val) {
      if (valValue(op) >= count) return 0;
      if (runlen === 1) {
        p[i] = valOp(count, 1);
        break updated;
      }
    }
    if (zero && runlen === 1) {
      p[i] = valOp(count, 1);
      break updated;
    }
    // The general case: the opcode splits into up to three (XZERO VAL XZERO is 5 bytes).
    const last = first + span - 1;
    let n = 0;
    if (zero || xzero) {
      if (index !== first) {
        const len = index - first;
        if (len > SPARSE_ZERO_MAX_LEN) {
          setXzero(seq, n, len);
          n += 2;
        } else seq[n++] = len - 1;
      }
      seq[n++] = valOp(count, 1);
      if (index !== last) {
        const len = last - index;
        if (len > SPARSE_ZERO_MAX_LEN) {
          setXzero(seq, n, len);
          n += 2;
        } else seq[n++] = len - 1;
      }
    } else {
      const cur = valValue(op);
      if (index !== first) seq[n++] = valOp(cur, index - first);
      seq[n++] = valOp(count, 1);
      if (index !== last) seq[n++] = valOp(cur, last - index);
    }
    const oldlen = xzero ? 2 : 1;
    const delta = n - oldlen;
    if (delta > 0 && end + delta > maxBytes) return promote(b, index, count);
    if (delta !== 0) {
      b.reserve(end + delta);
      p = b.bytes;
      if (hasNext) p.copyWithin(next + delta, next, end);
      b.len = end + delta;
      end += delta;
    }
    p.set(seq.subarray(0, n), i);
  }

  // Merge adjacent VAL opcodes of equal value around the change: up to 5 opcodes from the one
  // before it.
  let q = prev >= 0 ? prev : HLL_HDR_SIZE;
  let scan = 5;
  while (q < end && scan-- > 0) {
    const o = p[q];
    if (isXzero(o)) {
      q += 2;
      continue;
    }
    if (isZero(o)) {
      q++;
      continue;
    }
    if (q + 1 < end && isVal(p[q + 1])) {
      const o2 = p[q + 1];
      if (valValue(o) === valValue(o2)) {
        const len = valLen(o) + valLen(o2);
        if (len <= SPARSE_VAL_MAX_LEN) {
          p[q + 1] = valOp(valValue(o), len);
          p.copyWithin(q, q + 1, end);
          end--;
          b.len = end;
          continue;
        }
      }
    }
    q++;
  }
  invalidateCache(b);
  return 1;
}

function promote(b: ByteString, index: number, count: number): number {
  if (!sparseToDense(b)) return -1;
  return denseRaise(b.bytes, HLL_HDR_SIZE, index, count);
}

/**
 * Redis's hllAdd: 1 when a register rose, 0 when not, -1 when the value is corrupt. A sparse
 * value must be a ByteString (it may grow, or turn dense); a dense one may be either.
 */
export function hllAdd(b: HllBytes, element: string, sparseMaxBytes: number): number {
  const count = patLen(element);
  const index = patIndex;
  const enc = b.bytes[b.start + 4];
  if (enc === HLL_DENSE) return denseRaise(b.bytes, b.start + HLL_HDR_SIZE, index, count);
  if (enc === HLL_SPARSE && b instanceof ByteString) return sparseSet(b, index, count, sparseMaxBytes);
  return -1;
}

/** Raises register `index` of a HyperLogLog held as a ByteString to `count` (PFMERGE's write). */
export function hllSet(b: ByteString, index: number, count: number, sparseMaxBytes: number): number {
  if (b.bytes[4] === HLL_DENSE) return denseRaise(b.bytes, HLL_HDR_SIZE, index, count);
  return sparseSet(b, index, count, sparseMaxBytes);
}

// ---------------------------------------------------------------- merging and counting

/**
 * Redis's hllMerge: max[i] = max(max[i], register i) over a HyperLogLog's bytes. False when a
 * sparse value does not cover exactly 16384 registers.
 */
export function hllMerge(max: Uint8Array, bytes: Uint8Array, start: number, len: number): boolean {
  if (bytes[start + 4] === HLL_DENSE) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const v = denseGet(bytes, start + HLL_HDR_SIZE, i);
      if (v > max[i]) max[i] = v;
    }
    return true;
  }
  const end = start + len;
  let p = start + HLL_HDR_SIZE;
  let i = 0;
  while (p < end) {
    const op = bytes[p];
    if (isZero(op)) {
      i += zeroLen(op);
      p++;
    } else if (isXzero(op)) {
      i += xzeroLen(op, p + 1 < end ? bytes[p + 1] : 0);
      p += 2;
    } else {
      let run = valLen(op);
      const v = valValue(op);
      if (run + i > HLL_REGISTERS) return false;
      while (run-- > 0) {
        if (v > max[i]) max[i] = v;
        i++;
      }
      p++;
    }
  }
  return i === HLL_REGISTERS;
}

const histo = new Float64Array(64);

/** The register histogram of a HyperLogLog's bytes; false when a sparse value is corrupt. */
function histogramOf(bytes: Uint8Array, start: number, len: number): boolean {
  histo.fill(0);
  if (bytes[start + 4] === HLL_DENSE) {
    for (let i = 0; i < HLL_REGISTERS; i++) histo[denseGet(bytes, start + HLL_HDR_SIZE, i)]++;
    return true;
  }
  const end = start + len;
  let p = start + HLL_HDR_SIZE;
  let idx = 0;
  while (p < end) {
    const op = bytes[p];
    if (isZero(op)) {
      const run = zeroLen(op);
      idx += run;
      histo[0] += run;
      p++;
    } else if (isXzero(op)) {
      const run = xzeroLen(op, p + 1 < end ? bytes[p + 1] : 0);
      idx += run;
      histo[0] += run;
      p += 2;
    } else {
      const run = valLen(op);
      idx += run;
      histo[valValue(op)] += run;
      p++;
    }
  }
  return idx === HLL_REGISTERS;
}

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let zPrime: number;
  let y = 1;
  let z = x;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let zPrime: number;
  let y = 1.0;
  let z = 1 - x;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    const d = 1 - x;
    z -= d * d * y;
  } while (zPrime !== z);
  return z / 3;
}

/** The estimate from `histo` (Ertl's estimator, as Redis's hllCount), rounded half away from zero. */
function estimate(): number {
  const m = HLL_REGISTERS;
  let z = m * tau((m - histo[HLL_Q + 1]) / m);
  for (let j = HLL_Q; j >= 1; --j) {
    z += histo[j];
    z *= 0.5;
  }
  z += m * sigma(histo[0] / m);
  const e = (HLL_ALPHA_INF * m * m) / z;
  return Math.sign(e) * Math.round(Math.abs(e));
}

/** The cardinality of one HyperLogLog's bytes, or -1 when corrupt. */
export function hllCount(bytes: Uint8Array, start: number, len: number): number {
  if (!histogramOf(bytes, start, len)) return -1;
  return estimate();
}

/** The cardinality of merged registers (one byte per register). */
export function hllCountRegisters(max: Uint8Array): number {
  histo.fill(0);
  for (let i = 0; i < HLL_REGISTERS; i++) histo[max[i]]++;
  return estimate();
}

/** PFDEBUG DECODE: the opcodes of a sparse value as text ("z:n", "Z:n", "v:value,len"). */
export function decodeSparse(bytes: Uint8Array, start: number, len: number): string {
  const parts: string[] = [];
  const end = start + len;
  let p = start + HLL_HDR_SIZE;
  while (p < end) {
    const op = bytes[p];
    if (isZero(op)) {
      parts.push(`z:${zeroLen(op)}`);
      p++;
    } else if (isXzero(op)) {
      parts.push(`Z:${xzeroLen(op, p + 1 < end ? bytes[p + 1] : 0)}`);
      p += 2;
    } else {
      parts.push(`v:${valValue(op)},${valLen(op)}`);
      p++;
    }
  }
  return parts.join(' ');
}
