import type { CollectionValue } from '../values.js';
import { SlotIndex } from '../slot-index.js';
import { hashKey } from '../keyspace.js';
import { grownArrayBytes, objectBytes, stringBytes } from '../memory.js';

/**
 * The hash type: field → value maps of latin1 strings, in two encodings chosen exactly when Redis
 * 7.0 chooses them, so OBJECT ENCODING answers the same:
 *
 * - "listpack" (small hashes): the whole hash is ONE flat latin1 string holding
 *   `len(f1) f1 len(v1) v1 len(f2) f2 ...` in insertion order, each length a base-128 varint
 *   (one byte below 128, which covers every entry under the default 64-byte limit). Lookups scan
 *   it linearly, as Redis scans its listpack. This is what keeps small hashes small: one string
 *   header per hash instead of one JS string (16+ bytes of header, 8 of pointer) per field and
 *   value. The string is rebuilt on every change through a scratch buffer, so it is always a
 *   flat sequential string (never a rope, never a slice pinning an old version).
 * - "hashtable" (large hashes): built like the keyspace (src/engine/keyspace.ts): dense slots,
 *   each ONE string `len(field) field value`, the pairs' hashes in an Int32Array and an
 *   open-addressing index of slot numbers. Deleting moves the last slot into the hole, and HSCAN
 *   walks slots from the top down, so a cursor never misses an element that is present for the
 *   whole scan (the keyspace's SCAN argument). Measured ~60 bytes per pair plus its bytes
 *   (Redis: ~70); a Map<string, string> costs ~100 and caps at 2^24 entries.
 *
 * Conversion is one way, listpack → hashtable, when an insert makes the hash exceed
 * hash-max-listpack-entries fields or a field or value longer than hash-max-listpack-value bytes
 * is written (hashTypeTryConversion/hashTypeSet in t_hash.c). A listpack that would exceed
 * LISTPACK_MAX_BYTES converts too (Redis's lpSafeToAdd does the same at 1 GB; our bound is lower
 * because a JS string cannot exceed 2^29 characters).
 *
 * An empty hash never stays in the keyspace: callers delete the key when `size` drops to 0.
 */

/**
 * Redis 7.0's compiled-in defaults for hash-max-listpack-entries / hash-max-listpack-value (the
 * sample redis.conf says 128 entries, but a server started without it uses 512).
 */
export const DEFAULT_MAX_LISTPACK_ENTRIES = 512;
export const DEFAULT_MAX_LISTPACK_VALUE = 64;
/** Largest listpack string we build before converting (see above). */
const LISTPACK_MAX_BYTES = 1 << 28;

// ---------------------------------------------------------------- listpack string encoding

/** Reusable buffer the listpack strings are assembled in (back to this size after a big one). */
const SCRATCH_SIZE = 64 * 1024;
let scratch = Buffer.allocUnsafeSlow(SCRATCH_SIZE);

function ensureScratch(n: number): void {
  if (n <= scratch.length) return;
  let size = scratch.length;
  while (size < n) size *= 2;
  scratch = Buffer.allocUnsafeSlow(size);
}

/** Bytes a varint length takes. */
function lenSize(len: number): number {
  let n = 1;
  while (len >= 128) {
    len = Math.floor(len / 128);
    n++;
  }
  return n;
}

/** Writes a varint length into the scratch buffer at `p`; returns the position after it. */
function writeLen(p: number, len: number): number {
  while (len >= 128) {
    scratch[p++] = 128 | len % 128;
    len = Math.floor(len / 128);
  }
  scratch[p++] = len;
  return p;
}

/** Position just after the varint read by the last readLen call. */
let after = 0;

/** Reads the varint length at `p` of `lp`, leaving the position after it in `after`. */
function readLen(lp: string, p: number): number {
  let c = lp.charCodeAt(p++);
  if (c < 128) {
    after = p;
    return c;
  }
  let len = c & 127;
  let mul = 128;
  for (;;) {
    c = lp.charCodeAt(p++);
    if (c < 128) {
      after = p;
      return len + c * mul;
    }
    len += (c & 127) * mul;
    mul *= 128;
  }
}

/**
 * Assembles a listpack hash entry by entry from another encoding's bytes (RDB loading reads Redis's
 * listpack straight into ours: no string per field or value). `start(maxBytes)`, then `bytes` /
 * `text` per entry (field, value, field, value, ...), then `finish`.
 */
export class HashListpackBuilder {
  private p = 0;
  private entries = 0;
  /** Each field's position (after its length) and length in the scratch buffer. */
  private readonly fieldAt: number[] = [];
  private readonly fieldLen: number[] = [];

  /** `maxBytes`: an upper bound of what the entries will take here. */
  start(maxBytes: number): void {
    ensureScratch(maxBytes);
    this.p = 0;
    this.entries = 0;
    this.fieldAt.length = 0;
    this.fieldLen.length = 0;
  }

  bytes(src: Uint8Array, start: number, len: number): void {
    let p = writeLen(this.p, len);
    this.noteField(p, len);
    if (len < 32) {
      for (let i = 0; i < len; i++) scratch[p + i] = src[start + i];
    } else {
      scratch.set(src.subarray(start, start + len), p);
    }
    p += len;
    this.p = p;
  }

  text(value: string): void {
    const p = writeLen(this.p, value.length);
    this.noteField(p, value.length);
    this.p = p + scratch.latin1Write(value, p);
  }

  private noteField(at: number, len: number): void {
    if ((this.entries++ & 1) === 0) {
      this.fieldAt.push(at);
      this.fieldLen.push(len);
    }
  }

  /** The hash, or null when a field repeats (or a field has no value). */
  finish(): HashValue | null {
    if ((this.entries & 1) !== 0) return null;
    const at = this.fieldAt;
    const len = this.fieldLen;
    const n = at.length;
    if (n <= 8) {
      for (let i = 0; i < n; i++) {
        for (let j = i + 1; j < n; j++) {
          if (len[i] === len[j] && sameBytes(at[i], at[j], len[i])) return null;
        }
      }
    } else {
      const seen = new Set<string>();
      for (let i = 0; i < n; i++) {
        const field = scratch.latin1Slice(at[i], at[i] + len[i]);
        if (seen.has(field)) return null;
        seen.add(field);
      }
    }
    return new HashValue(scratchString(0, this.p), n);
  }
}

/** Whether scratch[a, a+len) equals scratch[b, b+len) (short fields: a loop beats Buffer#compare's checks). */
function sameBytes(a: number, b: number, len: number): boolean {
  for (let k = 0; k < len; k++) if (scratch[a + k] !== scratch[b + k]) return false;
  return true;
}

/** Whether a field of `pairs` (field, value, ...) appears twice: compared pairwise while few. */
function repeatsField(pairs: readonly string[]): boolean {
  const n = pairs.length;
  if (n <= 16) {
    for (let i = 0; i < n; i += 2) for (let j = i + 2; j < n; j += 2) if (pairs[i] === pairs[j]) return true;
    return false;
  }
  const seen = new Set<string>();
  for (let i = 0; i < n; i += 2) {
    if (seen.has(pairs[i])) return true;
    seen.add(pairs[i]);
  }
  return false;
}

/** Bytes one field/value pair takes in a listpack. */
function pairSize(field: string, value: string): number {
  return lenSize(field.length) + field.length + lenSize(value.length) + value.length;
}

/**
 * Position of the length prefix of `field`'s entry in `lp`, or -1. On success `after` holds the
 * position of the value's length prefix.
 */
function lpFind(lp: string, field: string): number {
  const flen = field.length;
  const end = lp.length;
  // Comparing the last byte first skips most startsWith calls (fields often share a prefix).
  const last = flen > 0 ? field.charCodeAt(flen - 1) : -1;
  let p = 0;
  while (p < end) {
    const start = p;
    // One-byte lengths (every entry under 128 bytes) are read inline.
    let len = lp.charCodeAt(p);
    let at = p + 1;
    if (len >= 128) {
      len = readLen(lp, p);
      at = after;
    }
    p = at + len;
    if (len === flen && (len === 0 || lp.charCodeAt(p - 1) === last) && lp.startsWith(field, at)) {
      after = p;
      return start;
    }
    const vlen = lp.charCodeAt(p);
    p = vlen < 128 ? p + 1 + vlen : readLen(lp, p) + after;
  }
  return -1;
}

/**
 * A fresh flat string of scratch[start, end) (never a slice of a larger string). The last step of
 * every build: a scratch buffer grown for an unusually big hash is released here.
 */
function scratchString(start: number, end: number): string {
  const s = scratch.latin1Slice(start, end);
  if (scratch.length > 16 * SCRATCH_SIZE) scratch = Buffer.allocUnsafeSlow(SCRATCH_SIZE);
  return s;
}

// ---------------------------------------------------------------- hashtable


/** `len(field) field value` as one fresh flat string: a hashtable slot's entry. */
function buildPair(field: string, value: string): string {
  const size = lenSize(field.length) + field.length + value.length;
  ensureScratch(size);
  let p = writeLen(0, field.length);
  p += scratch.latin1Write(field, p);
  scratch.latin1Write(value, p);
  return scratchString(0, size);
}

/** Whether a slot entry's field is `field`; on success `after` is where the field starts. */
function pairHasField(pair: string, field: string): boolean {
  let len = pair.charCodeAt(0);
  let at = 1;
  if (len >= 128) {
    len = readLen(pair, 0);
    at = after;
  }
  if (len !== field.length || !pair.startsWith(field, at)) return false;
  after = at;
  return true;
}

/**
 * The large-hash encoding, built like the keyspace (src/engine/keyspace.ts): dense slots holding
 * one string per pair (`len(field) field value`), each pair's hash in an Int32Array, and an
 * open-addressing index of slot numbers (linear probing, backward-shift deletion). About 60 bytes
 * per pair beyond the field and value bytes' own length, no per-field JS string, no Map.
 */
class Table {
  pairs: string[] = [];
  private index = new SlotIndex();
  /** Heap bytes of the pair strings (kept as pairs come and go: memoryUsage is O(1)). */
  private pairBytes = 0;

  get size(): number {
    return this.pairs.length;
  }

  /** Slot of `field`, or -1; on success `after` is where the field starts in the pair. */
  find(field: string, h: number): number {
    const { table, mask, hashes } = this.index;
    const pairs = this.pairs;
    let i = h & mask;
    for (;;) {
      const s = table[i];
      if (s === 0) return -1;
      if (hashes[s - 1] === h && pairHasField(pairs[s - 1], field)) return s - 1;
      i = (i + 1) & mask;
    }
  }

  get(field: string): string | undefined {
    const s = this.find(field, hashKey(field));
    return s < 0 ? undefined : this.pairs[s].slice(after + field.length);
  }

  valueLength(field: string): number {
    const s = this.find(field, hashKey(field));
    return s < 0 ? 0 : this.pairs[s].length - after - field.length;
  }

  has(field: string): boolean {
    return this.find(field, hashKey(field)) >= 0;
  }

  fieldAt(s: number): string {
    const pair = this.pairs[s];
    const len = readLen(pair, 0);
    return pair.slice(after, after + len);
  }

  valueAt(s: number): string {
    const pair = this.pairs[s];
    const len = readLen(pair, 0);
    return pair.slice(after + len);
  }

  /** Sets a field; returns true when it was new. */
  set(field: string, value: string): boolean {
    const h = hashKey(field);
    const s = this.find(field, h);
    const pair = buildPair(field, value);
    this.pairBytes += stringBytes(pair.length);
    if (s >= 0) {
      this.pairBytes -= stringBytes(this.pairs[s].length);
      this.pairs[s] = pair;
      return false;
    }
    this.index.add(this.pairs.length, h);
    this.pairs.push(pair);
    return true;
  }

  delete(field: string): boolean {
    const s = this.find(field, hashKey(field));
    if (s < 0) return false;
    // Move the last slot into the hole (see the HSCAN note at the top).
    const last = this.pairs.length - 1;
    this.pairBytes -= stringBytes(this.pairs[s].length);
    this.index.remove(s, last);
    this.pairs[s] = this.pairs[last];
    this.pairs.pop();
    // Gives memory back after mass deletion (Redis resizes a hash's dict in hashTypeDelete).
    if (this.index.shrink(this.pairs.length) > 0) this.pairs = this.pairs.slice();
    return true;
  }

  clone(): Table {
    const t = new Table();
    t.pairs = this.pairs.slice();
    t.index = this.index.clone();
    t.pairBytes = this.pairBytes;
    return t;
  }

  /** Whether pairBytes equals a recount (tests). */
  pairBytesExact(): boolean {
    let bytes = 0;
    for (const p of this.pairs) bytes += stringBytes(p.length);
    return bytes === this.pairBytes;
  }

  /** Estimated bytes: this object, the slot array, the index, the pair strings. */
  memoryUsage(): number {
    return objectBytes(3) + grownArrayBytes(this.pairs.length) + this.index.memoryBytes() + this.pairBytes;
  }
}

// ---------------------------------------------------------------- the hash value

/** Receives one field/value pair during iteration. */
export type PairVisitor = (field: string, value: string) => void;

/** A HashValue object: body and count. */
const HASH_OBJECT = objectBytes(2);

export class HashValue implements CollectionValue {
  /** The listpack string, or the Table once converted. */
  private body: string | Table;
  /** Number of pairs while a listpack (unused once a Table). */
  private count: number;

  constructor(body: string | Table = '', count = 0) {
    this.body = body;
    this.count = count;
  }

  /**
   * A listpack hash of `pairs` (field, value, field, value, ...) assembled in one pass, as RDB
   * loading reads a whole listpack (one string built instead of one per field); null when a field
   * repeats. Past what one listpack string holds it is built as a table. The caller converts
   * when the server's limits ask for a table.
   */
  static fromPairs(pairs: readonly string[]): HashValue | null {
    let size = 0;
    for (let i = 0; i < pairs.length; i++) size += lenSize(pairs[i].length) + pairs[i].length;
    if (size > LISTPACK_MAX_BYTES) {
      const hash = new HashValue();
      hash.convert();
      for (let i = 0; i < pairs.length; i += 2) if (!hash.set(pairs[i], pairs[i + 1], Infinity, Infinity)) return null;
      return hash;
    }
    if (repeatsField(pairs)) return null;
    ensureScratch(size);
    let p = 0;
    for (let i = 0; i < pairs.length; i++) {
      p = writeLen(p, pairs[i].length);
      p += scratch.latin1Write(pairs[i], p);
    }
    return new HashValue(scratchString(0, size), pairs.length >> 1);
  }

  // On the prototype, so it costs no per-hash memory.
  get type(): 'hash' {
    return 'hash';
  }

  /** OBJECT ENCODING: "listpack" or "hashtable". */
  encoding(): string {
    return typeof this.body === 'string' ? 'listpack' : 'hashtable';
  }

  /**
   * Estimated bytes (memory accounting, MEMORY USAGE), O(1): this object plus the listpack string,
   * or plus the table with its running count of pair bytes.
   */
  memoryUsage(): number {
    const b = this.body;
    return HASH_OBJECT + (typeof b === 'string' ? stringBytes(b.length) : b.memoryUsage());
  }

  memoryCountsExact(): boolean {
    const b = this.body;
    return typeof b === 'string' || b.pairBytesExact();
  }

  /** An independent copy (COPY). A listpack string is immutable, so it is shared. */
  clone(): HashValue {
    const b = this.body;
    return new HashValue(typeof b === 'string' ? b : b.clone(), this.count);
  }

  /** Number of fields (HLEN). */
  get size(): number {
    const b = this.body;
    return typeof b === 'string' ? this.count : b.size;
  }

  get(field: string): string | undefined {
    const b = this.body;
    if (typeof b !== 'string') return b.get(field);
    if (lpFind(b, field) < 0) return undefined;
    const vlen = readLen(b, after);
    return b.slice(after, after + vlen);
  }

  has(field: string): boolean {
    const b = this.body;
    return typeof b === 'string' ? lpFind(b, field) >= 0 : b.has(field);
  }

  /** Length in bytes of a field's value, 0 when absent (HSTRLEN). */
  valueLength(field: string): number {
    const b = this.body;
    if (typeof b !== 'string') return b.valueLength(field);
    if (lpFind(b, field) < 0) return 0;
    return readLen(b, after);
  }

  /**
   * Converts to the hashtable encoding now when any of argv[start..end] is longer than
   * `maxValue` bytes (hashTypeTryConversion: checked before the writes of HSET/HSETNX).
   */
  tryConversion(argv: readonly string[], start: number, end: number, maxValue: number): void {
    if (typeof this.body !== 'string') return;
    let sum = 0;
    for (let i = start; i <= end; i++) {
      const len = argv[i].length;
      if (len > maxValue) {
        this.convert();
        return;
      }
      sum += len + 2 * lenSize(len);
    }
    if (this.body.length + sum > LISTPACK_MAX_BYTES) this.convert();
  }

  /**
   * Sets a field (hashTypeSet). Converts first when the field or value is longer than `maxValue`,
   * and after the write when the hash has more than `maxEntries` fields. Returns true when the
   * field was new.
   */
  set(field: string, value: string, maxEntries: number, maxValue: number): boolean {
    let b = this.body;
    if (typeof b === 'string' && (field.length > maxValue || value.length > maxValue)) {
      this.convert();
      b = this.body;
    }
    if (typeof b !== 'string') return b.set(field, value);
    const at = lpFind(b, field);
    let created: boolean;
    if (at >= 0) {
      // Replace the value in place: [prefix][field][old value][rest] → [..][new value][rest].
      const vstart = after;
      const oldLen = readLen(b, vstart);
      const vend = after + oldLen;
      const newSize = b.length - (vend - vstart) + lenSize(value.length) + value.length;
      if (newSize > LISTPACK_MAX_BYTES) {
        this.convert();
        return (this.body as Table).set(field, value);
      }
      ensureScratch(Math.max(newSize, b.length));
      scratch.latin1Write(b, 0);
      const valueAt = vstart + lenSize(value.length);
      // Move the rest first (memmove semantics), then write the new value over the gap.
      if (vend < b.length) scratch.copyWithin(valueAt + value.length, vend, b.length);
      writeLen(vstart, value.length);
      scratch.latin1Write(value, valueAt);
      this.body = scratchString(0, newSize);
      created = false;
    } else {
      const newSize = b.length + pairSize(field, value);
      if (newSize > LISTPACK_MAX_BYTES) {
        this.convert();
        return (this.body as Table).set(field, value);
      }
      ensureScratch(newSize);
      let p = scratch.latin1Write(b, 0);
      p = writeLen(p, field.length);
      p += scratch.latin1Write(field, p);
      p = writeLen(p, value.length);
      scratch.latin1Write(value, p);
      this.body = scratchString(0, newSize);
      this.count++;
      created = true;
    }
    if (this.count > maxEntries) this.convert();
    return created;
  }

  /** Removes a field; returns true when it existed. */
  delete(field: string): boolean {
    const b = this.body;
    if (typeof b !== 'string') return b.delete(field);
    const at = lpFind(b, field);
    if (at < 0) return false;
    const end = readLen(b, after) + after;
    if (this.count === 1) {
      this.body = '';
    } else {
      const newSize = b.length - (end - at);
      ensureScratch(b.length);
      scratch.latin1Write(b, 0);
      scratch.copyWithin(at, end, b.length);
      this.body = scratchString(0, newSize);
    }
    this.count--;
    return true;
  }

  /** Calls `visit` for every pair: insertion order for a listpack, slot order for a hashtable. */
  forEach(visit: PairVisitor): void {
    const b = this.body;
    if (typeof b !== 'string') {
      for (let s = 0; s < b.size; s++) visit(b.fieldAt(s), b.valueAt(s));
      return;
    }
    let p = 0;
    while (p < b.length) {
      const flen = readLen(b, p);
      const fstart = after;
      const vlen = readLen(b, fstart + flen);
      const vstart = after;
      p = vstart + vlen;
      visit(b.slice(fstart, fstart + flen), b.slice(vstart, p));
    }
  }

  /** Every field in iteration order. */
  fields(): string[] {
    const b = this.body;
    if (typeof b !== 'string') {
      const fields: string[] = [];
      for (let s = 0; s < b.size; s++) fields.push(b.fieldAt(s));
      return fields;
    }
    const out: string[] = [];
    let p = 0;
    while (p < b.length) {
      const flen = readLen(b, p);
      out.push(b.slice(after, after + flen));
      p = readLen(b, after + flen) + after;
    }
    return out;
  }

  /** Every value in iteration order. */
  values(): string[] {
    const b = this.body;
    if (typeof b !== 'string') {
      const values: string[] = [];
      for (let s = 0; s < b.size; s++) values.push(b.valueAt(s));
      return values;
    }
    const out: string[] = [];
    let p = 0;
    while (p < b.length) {
      const vlen = readLen(b, readLen(b, p) + after);
      out.push(b.slice(after, after + vlen));
      p = after + vlen;
    }
    return out;
  }

  /** Fields and values interleaved [f1, v1, f2, v2, ...] in iteration order. */
  pairs(): string[] {
    const out: string[] = [];
    this.forEach((f, v) => out.push(f, v));
    return out;
  }

  /**
   * The field/value pair at position `i` (0 <= i < size) of the iteration order, into `out[0]`
   * and `out[1]`. O(1) for a hashtable, O(i) for a listpack.
   */
  pairAt(i: number, out: string[]): void {
    const b = this.body;
    if (typeof b !== 'string') {
      out[0] = b.fieldAt(i);
      out[1] = b.valueAt(i);
      return;
    }
    let p = 0;
    for (;;) {
      const flen = readLen(b, p);
      const fstart = after;
      const vlen = readLen(b, fstart + flen);
      if (i-- === 0) {
        out[0] = b.slice(fstart, fstart + flen);
        out[1] = b.slice(after, after + vlen);
        return;
      }
      p = after + vlen;
    }
  }

  /**
   * One HSCAN step. A listpack is returned whole (cursor 0), as Redis does. A hashtable visits up
   * to `count` slots from the top down: cursor 0 starts at the top, any other cursor is the
   * number of slots still to visit. Returns the next cursor (0 when done).
   */
  scan(cursor: number, count: number, visit: PairVisitor): number {
    const b = this.body;
    if (typeof b === 'string') {
      this.forEach(visit);
      return 0;
    }
    let p = cursor === 0 ? b.size : Math.min(cursor, b.size);
    let budget = Math.max(1, count);
    while (p > 0 && budget > 0) {
      p--;
      budget--;
      visit(b.fieldAt(p), b.valueAt(p));
    }
    return p;
  }

  /** Switches a listpack to the hashtable encoding (hashTypeConvert). */
  convert(): void {
    const b = this.body;
    if (typeof b !== 'string') return;
    const t = new Table();
    let p = 0;
    while (p < b.length) {
      const flen = readLen(b, p);
      const fstart = after;
      const vlen = readLen(b, fstart + flen);
      const vstart = after;
      p = vstart + vlen;
      // Slices are temporary: the table copies them into fresh pair strings.
      t.set(b.slice(fstart, fstart + flen), b.slice(vstart, p));
    }
    this.body = t;
    this.count = 0;
  }
}

// ---------------------------------------------------------------- type API

/** A new empty hash (listpack encoded, like createHashObject). */
export function createHash(): HashValue {
  return new HashValue();
}

/** The listpack limits currently in force. */
export interface ListpackLimits {
  maxEntries: number;
  maxValue: number;
}

function toLimit(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'bigint' || typeof v === 'string' ? Number(v) : NaN;
  return Number.isNaN(n) || n < 0 ? -1 : n;
}

/** A size parameter: the config's typed field when it has one, else `get(name)`, else `fallback`. */
function configNumber(config: unknown, field: string, name: string, fallback: number): number {
  const cfg = config as Record<string, unknown> & { get?: (n: string) => unknown };
  let n = toLimit(cfg[field]);
  if (n < 0 && typeof cfg.get === 'function') n = toLimit(cfg.get(name));
  return n < 0 ? fallback : n;
}

/** Reused by every call of listpackLimits (one command at a time). */
const limits: ListpackLimits = { maxEntries: DEFAULT_MAX_LISTPACK_ENTRIES, maxValue: DEFAULT_MAX_LISTPACK_VALUE };

/**
 * hash-max-listpack-entries / hash-max-listpack-value from the server config (its typed fields,
 * or `get(name)`), else Redis's defaults. The returned object is shared: read it right away.
 */
export function listpackLimits(config: unknown): ListpackLimits {
  limits.maxEntries = configNumber(config, 'hashMaxListpackEntries', 'hash-max-listpack-entries', DEFAULT_MAX_LISTPACK_ENTRIES);
  limits.maxValue = configNumber(config, 'hashMaxListpackValue', 'hash-max-listpack-value', DEFAULT_MAX_LISTPACK_VALUE);
  return limits;
}
