import { isCanonicalSafeInteger, parseInteger } from '../../util/number.js';
import { ByteString, SlabString, type StringValue } from '../values.js';
import { SLAB_MAX_LEN, SLAB_MIN_LEN } from '../slab.js';

/**
 * The string type: how string values are stored, measured, read and modified in place.
 *
 * Four representations (see src/engine/values.ts):
 * - a JS number: a canonical integer within 2^53, the form every command that stores an argument
 *   picks for integer-looking values (Redis's tryObjectEncoding → OBJ_ENCODING_INT);
 * - a latin1 string: other values below 256 bytes, immutable ("embstr" up to 44 bytes, "raw" beyond);
 * - a SlabString: values of 256 bytes up to 16 KB, immutable, in a chunk off the V8 heap
 *   (src/engine/slab.ts) freed as soon as no key holds it ("raw");
 * - a ByteString: a growable buffer, for longer values and the first time APPEND or SETRANGE
 *   modifies a value in place, so repeated appends are amortized O(1) as with Redis's sds ("raw").
 *
 * A latin1 string holding a canonical safe integer is never produced by storing an argument (that
 * becomes a number); only INCRBYFLOAT stores its result that way, unencoded, exactly as Redis
 * stores it (createStringObject, not tryObjectEncoding), so OBJECT ENCODING reports "embstr".
 */

/** Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT. */
const EMBSTR_SIZE_LIMIT = 44;

// ---------------------------------------------------------------- type API

/** The compact stored form of a string argument: a number for canonical safe integers. */
export function toStoredString(s: string): StringValue {
  const len = s.length;
  if (len < SLAB_MIN_LEN) return len <= 16 && isCanonicalSafeInteger(s) ? Number(s) : s;
  if (len <= SLAB_MAX_LEN) return SlabString.fromLatin1(s);
  return ByteString.from(s);
}


/** The bytes of a string value as a latin1 string. */
export function stringOf(v: StringValue): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return v.toString();
}

/** Length in bytes of a string value. */
export function stringLength(v: StringValue): number {
  if (typeof v === 'string') return v.length;
  if (typeof v === 'number') return String(v).length;
  return v.len;
}

/** OBJECT ENCODING for a string value: "int", "embstr" or "raw", as Redis would report it. */
export function stringEncoding(v: StringValue): string {
  if (typeof v === 'number') return 'int';
  if (typeof v === 'object') return 'raw';
  if (v.length <= 20) {
    const n = parseInteger(v);
    // A big integer argument is int-encoded by Redis; a safe one held as a string is an
    // INCRBYFLOAT result, which Redis leaves unencoded (see the note at the top).
    if (typeof n === 'bigint') return 'int';
  }
  return v.length <= EMBSTR_SIZE_LIMIT ? 'embstr' : 'raw';
}

/** A copy sharing nothing mutable with `v` (COPY). Immutable forms are returned as they are. */
export function cloneString(v: StringValue): StringValue {
  if (v instanceof SlabString) return SlabString.fromBytes(v.bytes, v.start, v.len);
  if (!(v instanceof ByteString)) return v;
  const bytes = Buffer.allocUnsafeSlow(Math.max(v.bytes.length, 16));
  v.bytes.copy(bytes, 0, 0, v.len);
  return new ByteString(bytes, v.len);
}

/** `v` as a ByteString that may be modified in place (a new one unless it already is). */
export function toByteString(v: StringValue, extra = 0): ByteString {
  if (v instanceof ByteString) return v;
  if (v instanceof SlabString) {
    const len = v.len;
    const bytes = Buffer.allocUnsafeSlow(Math.max(len + extra, 16));
    v.bytes.copy(bytes, 0, v.start, v.start + len);
    return new ByteString(bytes, len);
  }
  return ByteString.from(v, extra);
}

/** Appends latin1 bytes to a ByteString, growing it greedily like sdscatlen. Returns the new length. */
export function appendBytes(b: ByteString, s: string): number {
  const total = b.len + s.length;
  b.reserve(total);
  b.bytes.latin1Write(s, b.len);
  b.len = total;
  return total;
}

/**
 * Writes latin1 bytes at `offset`, zero-padding any gap past the current end (SETRANGE).
 * Returns the new length.
 */
export function writeBytesAt(b: ByteString, offset: number, s: string): number {
  const end = offset + s.length;
  if (end > b.len) {
    b.reserve(end);
    if (offset > b.len) b.bytes.fill(0, b.len, offset);
    b.len = end;
  }
  b.bytes.latin1Write(s, offset);
  return b.len;
}

/** A zero-filled ByteString of `len` bytes with `s` written at `offset` (SETRANGE on a new key). */
export function newZeroPadded(offset: number, s: string): ByteString {
  const len = offset + s.length;
  const bytes = Buffer.allocUnsafeSlow(Math.max(len, 16));
  bytes.fill(0, 0, offset);
  bytes.latin1Write(s, offset);
  return new ByteString(bytes, len);
}

/**
 * The bytes [start, end] (inclusive, already clamped to the value) for a reply, without copying
 * a ByteString's buffer.
 */
export function stringRange(v: StringValue, start: number, end: number): string | Buffer {
  if (typeof v === 'object') return v.bytes.subarray(v.start + start, v.start + end + 1);
  const s = typeof v === 'number' ? String(v) : v;
  return start === 0 && end === s.length - 1 ? s : s.slice(start, end + 1);
}

export { ByteString, SlabString };
