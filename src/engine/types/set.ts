import type { CollectionValue } from '../values.js';
import { SlotIndex } from '../slot-index.js';
import { hashKey } from '../keyspace.js';
import { parseInteger } from '../../util/number.js';
import { HEAP_NUMBER_BYTES, arrayBytes, grownArrayBytes, objectBytes, stringBytes } from '../memory.js';

/**
 * The set type, in the two encodings Redis 7.0 uses, chosen exactly when Redis chooses them so
 * OBJECT ENCODING answers the same:
 *
 * - "intset" (small sets of integers): while every member is the canonical text of a signed 64-bit
 *   integer (string2ll accepts it) and there are at most set-max-intset-entries members. Stored as
 *   ONE latin1 string of fixed-width little-endian integers in ascending order, 2, 4 or 8 bytes
 *   each, the width growing (never shrinking) to fit the widest member, as Redis's intset does.
 *   Membership is a binary search, iteration is ascending (SMEMBERS of an intset is sorted in
 *   Redis too). One string header per set instead of one JS value per member; an insert or
 *   delete rebuilds the string (O(n), like the memmove in intsetAdd). 64-bit values are compared
 *   as (high int32, low uint32) pairs so nothing beyond 2^53 goes through floating point.
 * - "hashtable" (everything else): built like the keyspace (src/engine/keyspace.ts): dense slots
 *   of members, each member's hash in an Int32Array and an open-addressing index of slot numbers
 *   (linear probing, backward-shift deletion). A member that is a canonical integer within 2^53 is
 *   stored as a JS number (no string object at all for small ones), others as latin1 strings.
 *   Dense slots give O(1) random members (SPOP, SRANDMEMBER) and a scan-safe cursor: deleting
 *   moves the last slot into the hole and SSCAN walks slots from the top down, so an element
 *   present for the whole scan is returned at least once. Up to 16 members the table has no index
 *   (a linear scan finds a member), which keeps small sets of strings near Redis's size.
 *   Measured (V8 heap + array buffers, Node 20) against Redis 7.0.15's used_memory: 1M members
 *   "m:<i>" 47 bytes each (Redis 56), 1M 16-byte members 55 (Redis 72), 1M integers 24 (Redis
 *   48); 100k sets of 1 / 3 / 10 / 20 short members 188 / 249 / 472 / 1586 bytes per set (Redis,
 *   key included: 217 / 312 / 802 / 1466).
 *
 * Conversion is one way, intset → hashtable, when a non-integer member is added or the count
 * passes set-max-intset-entries (setTypeAdd in t_set.c). An empty set never stays in the keyspace:
 * callers delete the key when `size` drops to 0.
 */

/** Redis 7.0's default set-max-intset-entries. */
export const DEFAULT_MAX_INTSET_ENTRIES = 512;
/** Redis caps set-max-intset-entries at 2^30 (intset internals). */
const INTSET_ENTRIES_CAP = 1 << 30;
/** Largest intset string we build; a JS string cannot pass 2^29 characters. */
const INTSET_MAX_BYTES = 1 << 28;

/**
 * A member as the set code handles it internally: a JS number for canonical integers within
 * ±2^53, a bigint for canonical 64-bit integers beyond that, a latin1 string otherwise (and for
 * big integers read back from a hashtable, which stores them as text).
 */
export type SetItem = string | number | bigint;

/** A member in item form: the integer when `m` is canonical int64 text, else `m` itself. */
export function toItem(m: string): SetItem {
  const c = m.length > 0 ? m.charCodeAt(0) : 0;
  // Only '-' and digits can start an integer: skip the parse for everything else.
  if (c !== 45 && (c < 48 || c > 57)) return m;
  const v = parseInteger(m);
  return v === null ? m : v;
}

/** The member text of an item. */
export function itemText(item: SetItem): string {
  return typeof item === 'string' ? item : String(item);
}

// ---------------------------------------------------------------- intset string encoding

const TWO32 = 4294967296;
const SAFE_HIGH = 2097151; // high word of 2^53 - 1

/** Reusable buffer the intset strings are assembled in (back to this size after a big one). */
const SCRATCH_SIZE = 16 * 1024;
let scratch = Buffer.allocUnsafeSlow(SCRATCH_SIZE);

function ensureScratch(n: number): void {
  if (n <= scratch.length) return;
  let size = scratch.length;
  while (size < n) size *= 2;
  scratch = Buffer.allocUnsafeSlow(size);
}

/** A fresh flat string of scratch[0, end), releasing an oversized scratch buffer. */
function scratchString(end: number): string {
  const s = scratch.latin1Slice(0, end);
  if (scratch.length > 16 * SCRATCH_SIZE) scratch = Buffer.allocUnsafeSlow(SCRATCH_SIZE);
  return s;
}

/** High (signed 32-bit) and low (unsigned 32-bit) words of the last splitInt call. */
let hiWord = 0;
let loWord = 0;

function splitInt(v: number | bigint): void {
  if (typeof v === 'number') {
    hiWord = Math.floor(v / TWO32);
    loWord = v - hiWord * TWO32;
  } else {
    hiWord = Number(BigInt.asIntN(32, v >> 32n));
    loWord = Number(BigInt.asUintN(32, v));
  }
}

/** Bytes needed per element for an integer whose words are hiWord/loWord. */
function widthFor(): number {
  if (hiWord === 0) return loWord < 0x8000 ? 2 : loWord < 0x80000000 ? 4 : 8;
  if (hiWord === -1) return loWord >= 0xffff8000 ? 2 : loWord >= 0x80000000 ? 4 : 8;
  return 8;
}

/** The integer of 8 bytes whose words are given: a number within 2^53, else a bigint. */
function joinWords(hi: number, lo: number): number | bigint {
  if (hi <= SAFE_HIGH && hi >= -SAFE_HIGH - 1) {
    const v = hi * TWO32 + lo;
    if (Number.isSafeInteger(v)) return v;
  }
  return (BigInt(hi) << 32n) | BigInt(lo);
}

function low32(s: string, p: number): number {
  return (s.charCodeAt(p) | (s.charCodeAt(p + 1) << 8) | (s.charCodeAt(p + 2) << 16) | (s.charCodeAt(p + 3) << 24)) >>> 0;
}

/** Element `i` of an intset string of the given width. */
function intAt(s: string, width: number, i: number): number | bigint {
  if (width === 2) {
    const p = 2 * i;
    return ((s.charCodeAt(p) | (s.charCodeAt(p + 1) << 8)) << 16) >> 16;
  }
  if (width === 4) return low32(s, 4 * i) | 0;
  const p = 8 * i;
  return joinWords(low32(s, p + 4) | 0, low32(s, p));
}

/** Writes the integer with words hi/lo at scratch[p] in `width` bytes. */
function writeWords(p: number, width: number, hi: number, lo: number): void {
  scratch[p] = lo & 255;
  scratch[p + 1] = (lo >>> 8) & 255;
  if (width === 2) return;
  scratch[p + 2] = (lo >>> 16) & 255;
  scratch[p + 3] = lo >>> 24;
  if (width === 4) return;
  scratch[p + 4] = hi & 255;
  scratch[p + 5] = (hi >>> 8) & 255;
  scratch[p + 6] = (hi >>> 16) & 255;
  scratch[p + 7] = (hi >>> 24) & 255;
}

/**
 * Binary search for the integer with words hiWord/loWord in an intset string: its index, or
 * -(insertion point) - 1 when absent.
 */
function intsetSearch(s: string, width: number): number {
  const n = s.length / width;
  let lo = 0;
  let hi = n - 1;
  if (width === 8) {
    const th = hiWord;
    const tl = loWord;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const p = 8 * mid;
      const eh = low32(s, p + 4) | 0;
      const cmp = eh !== th ? eh - th : low32(s, p) - tl;
      if (cmp === 0) return mid;
      if (cmp < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -lo - 1;
  }
  // Narrow widths: the target fits in 32 bits (checked by the caller), compare as numbers.
  const target = hiWord * TWO32 + loWord;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = intAt(s, width, mid) as number;
    if (v === target) return mid;
    if (v < target) lo = mid + 1;
    else hi = mid - 1;
  }
  return -lo - 1;
}

// ---------------------------------------------------------------- hashtable

const MIN_INDEX = 16;
/**
 * Tables up to this size have no hashes and no index: members are found by a linear scan of the
 * slots, and the slot array is kept at its exact length. Two typed arrays cost ~250 bytes of
 * objects before holding anything, which would make small sets of strings (tags, followers of
 * new users) several times bigger than Redis's small dicts.
 */
const SMALL_TABLE = 16;

/** The hash a slot's member is indexed by: that of its text. */
function hashOf(key: string | number): number {
  return hashKey(typeof key === 'string' ? key : String(key));
}

/**
 * What a hashtable slot holds for an item: numbers stay numbers, big integers become text, and
 * text that is a safe integer becomes its number (so any caller's spelling finds the slot).
 */
function tableKey(item: SetItem): string | number {
  if (typeof item === 'bigint') return String(item);
  if (typeof item === 'string') {
    const v = toItem(item);
    return typeof v === 'number' ? v : item;
  }
  return item;
}

/**
 * The large-set encoding, built like the keyspace (src/engine/keyspace.ts): dense slots holding
 * the members, their hashes in an Int32Array and an open-addressing index of slot numbers (linear
 * probing, backward-shift deletion). Up to SMALL_TABLE members there is neither index nor hashes.
 */
class Table {
  items: Array<string | number> = [];
  /** Null in small mode. */
  private index: SlotIndex | null = null;
  /** Heap bytes of the members themselves (strings, boxed numbers), kept as they come and go. */
  private memberBytes = 0;

  get size(): number {
    return this.items.length;
  }

  /** Slot of `key` (string or number as stored), or -1. */
  find(key: string | number): number {
    const items = this.items;
    if (this.index === null) {
      for (let s = 0; s < items.length; s++) if (items[s] === key) return s;
      return -1;
    }
    return this.findHashed(key, hashOf(key));
  }

  private findHashed(key: string | number, h: number): number {
    const { table, mask, hashes } = this.index!;
    const items = this.items;
    let i = h & mask;
    for (;;) {
      const s = table[i];
      if (s === 0) return -1;
      if (hashes[s - 1] === h && items[s - 1] === key) return s - 1;
      i = (i + 1) & mask;
    }
  }

  has(key: string | number): boolean {
    return this.find(key) >= 0;
  }

  /** Adds a member; returns true when it was new. */
  add(key: string | number): boolean {
    if (this.index === null) {
      if (this.find(key) >= 0) return false;
      this.append(key);
      return true;
    }
    const h = hashOf(key);
    if (this.findHashed(key, h) >= 0) return false;
    this.index.add(this.items.length, h);
    this.items.push(key);
    this.memberBytes += memberBytes(key);
    return true;
  }

  /** Adds a member known to be absent (conversion, copies). */
  append(key: string | number): void {
    const items = this.items;
    this.memberBytes += memberBytes(key);
    if (this.index === null) {
      if (items.length < SMALL_TABLE) {
        // Exact-length arrays: push would reserve room for 16 more slots.
        this.items = items.length === 0 ? [key] : items.concat(key);
        return;
      }
      this.buildIndex(SMALL_TABLE * 2);
    }
    this.index!.add(this.items.length, hashOf(key));
    this.items.push(key);
  }

  delete(key: string | number): boolean {
    const s = this.find(key);
    if (s < 0) return false;
    this.deleteSlot(s);
    return true;
  }

  /** Removes slot `s`, moving the last slot into the hole (see the SSCAN note at the top). */
  deleteSlot(s: number): void {
    const items = this.items;
    const last = items.length - 1;
    this.memberBytes -= memberBytes(items[s]);
    if (this.index !== null) this.index.remove(s, last);
    items[s] = items[last];
    items.pop();
    this.maybeShrink();
  }

  /** Room for `n` members without regrowing (dictExpand before a conversion). */
  reserve(n: number): void {
    if (n <= SMALL_TABLE) return;
    if (this.index === null) this.buildIndex(n);
    this.index!.reserve(n, this.items.length);
  }

  clone(): Table {
    const t = new Table();
    t.items = this.items.slice();
    t.index = this.index === null ? null : this.index.clone();
    t.memberBytes = this.memberBytes;
    return t;
  }

  /** Whether memberBytes equals a recount (tests). */
  memberBytesExact(): boolean {
    let bytes = 0;
    for (const m of this.items) bytes += memberBytes(m);
    return bytes === this.memberBytes;
  }

  /**
   * Estimated bytes, O(1): this object, the member array (exact-length in small mode, grown by
   * push after), the index, and the members' own heap objects.
   */
  memoryUsage(): number {
    const index = this.index;
    if (index === null) return objectBytes(3) + arrayBytes(this.items.length) + this.memberBytes;
    return objectBytes(3) + grownArrayBytes(this.items.length) + index.memoryBytes() + this.memberBytes;
  }

  /** Leaves small mode: hashes for every slot (room for `capacity`) and an index. */
  private buildIndex(capacity: number): void {
    const items = this.items;
    const hashes = new Int32Array(Math.max(capacity, items.length));
    for (let s = 0; s < items.length; s++) hashes[s] = hashOf(items[s]);
    this.index = SlotIndex.over(hashes, items.length, SMALL_TABLE, MIN_INDEX);
  }

  /** Gives memory back after mass deletion (Redis shrinks a set's dict after removals). */
  private maybeShrink(): void {
    if (this.index === null) return;
    if (this.items.length <= SMALL_TABLE / 2) {
      // Back to small mode (the hysteresis keeps a set hovering at the limit from flapping).
      this.index = null;
      this.items = this.items.slice();
      return;
    }
    if (this.index.shrink(this.items.length) > 0) this.items = this.items.slice();
  }
}

// ---------------------------------------------------------------- the set value

/** Receives one member during iteration. */
export type MemberVisitor = (member: string) => void;
/** Receives one member in item form (numbers for integers: no string is built). */
export type ItemVisitor = (item: SetItem) => void;

export class SetValue implements CollectionValue {
  /** The intset string, or the Table once converted. */
  private body: string | Table;
  /** Bytes per intset element (2, 4 or 8); unused once a Table. */
  private width: number;

  constructor(body: string | Table = '', width = 2) {
    this.body = body;
    this.width = width;
  }

  // On the prototype, so it costs no per-set memory.
  get type(): 'set' {
    return 'set';
  }

  /** OBJECT ENCODING: "intset" or "hashtable". */
  encoding(): string {
    return typeof this.body === 'string' ? 'intset' : 'hashtable';
  }

  /** An independent copy (COPY). An intset string is immutable, so it is shared. */
  clone(): SetValue {
    const b = this.body;
    return new SetValue(typeof b === 'string' ? b : b.clone(), this.width);
  }

  /** Number of members (SCARD). */
  get size(): number {
    const b = this.body;
    return typeof b === 'string' ? b.length / this.width : b.size;
  }

  /**
   * The intset's bytes (little-endian integers, ascending) and their width, or null for a
   * hashtable: the RDB writer saves them as Redis saves its intset.
   */
  intsetContents(): { bytes: string; width: number } | null {
    const b = this.body;
    return typeof b === 'string' ? { bytes: b, width: this.width } : null;
  }

  has(member: string): boolean {
    return this.hasItem(toItem(member));
  }

  /** Membership of an item (SetItem form, or any member text). */
  hasItem(item: SetItem): boolean {
    const b = this.body;
    if (typeof b !== 'string') return b.has(tableKey(item));
    if (typeof item === 'string') {
      // A big integer read back from a hashtable is still an integer.
      item = toItem(item);
      if (typeof item === 'string') return false;
    }
    splitInt(item);
    if (widthFor() > this.width) return false;
    return intsetSearch(b, this.width) >= 0;
  }

  /**
   * Adds a member (setTypeAdd): converts to a hashtable first when it is not an integer, and after
   * the insert when the intset has more than `maxIntsetEntries` members. Returns true when new.
   */
  add(member: string, maxIntsetEntries = DEFAULT_MAX_INTSET_ENTRIES): boolean {
    return this.addItem(toItem(member), maxIntsetEntries);
  }

  addItem(item: SetItem, maxIntsetEntries = DEFAULT_MAX_INTSET_ENTRIES): boolean {
    let b = this.body;
    if (typeof b === 'string') {
      if (typeof item === 'string') {
        // A big integer read back from a hashtable is still an integer.
        const v = toItem(item);
        if (typeof v !== 'string') return this.addItem(v, maxIntsetEntries);
        this.convert();
        b = this.body as Table;
      } else {
        if (!this.intsetInsert(b, item)) return false;
        const max = Math.min(maxIntsetEntries, INTSET_ENTRIES_CAP);
        if (this.size > max || (this.body as string).length > INTSET_MAX_BYTES) this.convert();
        return true;
      }
    }
    return b.add(tableKey(item));
  }

  /** Removes a member; returns true when it existed. */
  delete(member: string): boolean {
    return this.deleteItem(toItem(member));
  }

  deleteItem(item: SetItem): boolean {
    const b = this.body;
    if (typeof b !== 'string') return b.delete(tableKey(item));
    if (typeof item === 'string') {
      item = toItem(item);
      if (typeof item === 'string') return false;
    }
    splitInt(item);
    const w = this.width;
    if (widthFor() > w) return false;
    const at = intsetSearch(b, w);
    if (at < 0) return false;
    this.intsetRemoveAt(at);
    return true;
  }

  /** Calls `visit` for every member: ascending for an intset, slot order for a hashtable. */
  forEach(visit: MemberVisitor): void {
    this.forEachItem((item) => visit(itemText(item)));
  }

  /** Like forEach, with integers as numbers/bigints (and big ones from a hashtable as text). */
  forEachItem(visit: ItemVisitor): void {
    const b = this.body;
    if (typeof b !== 'string') {
      const items = b.items;
      for (let s = 0; s < items.length; s++) visit(items[s]);
      return;
    }
    const w = this.width;
    const n = b.length / w;
    for (let i = 0; i < n; i++) visit(intAt(b, w, i));
  }

  /** Every member in iteration order. */
  members(): string[] {
    const out: string[] = [];
    this.forEach((m) => out.push(m));
    return out;
  }

  /** Every member in item form, in iteration order. */
  items(): SetItem[] {
    const b = this.body;
    if (typeof b !== 'string') return b.items.slice();
    const out: SetItem[] = [];
    this.forEachItem((m) => out.push(m));
    return out;
  }

  /** The member at position `i` (0 <= i < size) of the iteration order, in item form. O(1). */
  itemAt(i: number): SetItem {
    const b = this.body;
    return typeof b === 'string' ? intAt(b, this.width, i) : b.items[i];
  }

  /** A uniformly random member in item form (the set must not be empty). */
  randomItem(): SetItem {
    return this.itemAt(Math.floor(Math.random() * this.size));
  }

  /** Removes and returns a random member in item form (the set must not be empty). */
  popRandomItem(): SetItem {
    const i = Math.floor(Math.random() * this.size);
    const b = this.body;
    if (typeof b !== 'string') {
      const item = b.items[i];
      b.deleteSlot(i);
      return item;
    }
    const item = intAt(b, this.width, i);
    this.intsetRemoveAt(i);
    return item;
  }

  /**
   * One SSCAN step. An intset is returned whole (cursor 0), as Redis does. A hashtable visits up
   * to `count` slots from the top down: cursor 0 starts at the top, any other cursor is the number
   * of slots still to visit. Returns the next cursor (0 when done).
   */
  scan(cursor: number, count: number, visit: ItemVisitor): number {
    const b = this.body;
    if (typeof b === 'string') {
      this.forEachItem(visit);
      return 0;
    }
    const items = b.items;
    let p = cursor === 0 ? items.length : Math.min(cursor, items.length);
    let budget = Math.max(1, count);
    while (p > 0 && budget > 0) {
      p--;
      budget--;
      visit(items[p]);
    }
    return p;
  }

  /** Takes over the contents (and encoding) of `other`, which must not be used afterwards. */
  replaceWith(other: SetValue): void {
    this.body = other.body;
    this.width = other.width;
  }

  /**
   * Estimated bytes (memory accounting, MEMORY USAGE), O(1): this object plus the intset string,
   * or plus the table with its running count of member bytes.
   */
  memoryUsage(): number {
    const b = this.body;
    return SET_OBJECT + (typeof b === 'string' ? stringBytes(b.length) : b.memoryUsage());
  }

  memoryCountsExact(): boolean {
    const b = this.body;
    return typeof b === 'string' || b.memberBytesExact();
  }

  /** Switches an intset to the hashtable encoding (setTypeConvert). */
  convert(): void {
    const b = this.body;
    if (typeof b !== 'string') return;
    const t = new Table();
    const w = this.width;
    const n = b.length / w;
    t.reserve(n);
    for (let i = 0; i < n; i++) {
      const v = intAt(b, w, i);
      t.append(typeof v === 'number' ? v : String(v));
    }
    this.body = t;
    this.width = 2;
  }

  /** Inserts an integer into the intset string, widening it when needed; false when present. */
  private intsetInsert(s: string, v: number | bigint): boolean {
    splitInt(v);
    const need = widthFor();
    const w = this.width;
    const n = s.length / w;
    if (need > w) {
      // Upgrade: the new value is beyond every current one, so it goes first or last.
      const hi = hiWord;
      const lo = loWord;
      ensureScratch((n + 1) * need);
      const prepend = hi < 0;
      let p = prepend ? need : 0;
      for (let i = 0; i < n; i++, p += need) {
        splitInt(intAt(s, w, i));
        writeWords(p, need, hiWord, loWord);
      }
      writeWords(prepend ? 0 : p, need, hi, lo);
      this.width = need;
      this.body = scratchString((n + 1) * need);
      return true;
    }
    const at = intsetSearch(s, w);
    if (at >= 0) return false;
    const pos = -at - 1;
    const hi = hiWord;
    const lo = loWord;
    ensureScratch((n + 1) * w);
    scratch.latin1Write(s, 0);
    if (pos < n) scratch.copyWithin((pos + 1) * w, pos * w, n * w);
    writeWords(pos * w, w, hi, lo);
    this.body = scratchString((n + 1) * w);
    return true;
  }

  private intsetRemoveAt(i: number): void {
    const s = this.body as string;
    const w = this.width;
    if (s.length === w) {
      this.body = '';
      return;
    }
    // Rebuilt through the scratch buffer: a flat string, never a rope or a slice of the old one.
    ensureScratch(s.length);
    scratch.latin1Write(s, 0);
    scratch.copyWithin(i * w, (i + 1) * w, s.length);
    this.body = scratchString(s.length - w);
  }
}

/** A SetValue object: body and width. */
const SET_OBJECT = objectBytes(2);

/** Heap bytes of a hashtable member: its string, or a boxed number (a 32-bit integer is a Smi). */
function memberBytes(m: string | number): number {
  return typeof m === 'string' ? stringBytes(m.length) : (m | 0) === m ? 0 : HEAP_NUMBER_BYTES;
}

// ---------------------------------------------------------------- type API

/**
 * A new empty set for a first member (setTypeCreate): an intset when the member is an integer,
 * else a hashtable.
 */
export function createSetFor(firstMember: string): SetValue {
  return typeof toItem(firstMember) === 'string' ? createHashtableSet() : createIntsetSet();
}

/** A new empty intset-encoded set (createIntsetObject: STORE results start as one). */
export function createIntsetSet(): SetValue {
  return new SetValue();
}

/** A new empty hashtable-encoded set. */
export function createHashtableSet(): SetValue {
  return new SetValue(new Table());
}

/** A set holding `members` (item form or text), built with setTypeAdd's conversion rules. */
export function createSetFrom(members: Iterable<SetItem>, maxIntsetEntries = DEFAULT_MAX_INTSET_ENTRIES): SetValue {
  const s = createIntsetSet();
  for (const m of members) s.addItem(typeof m === 'string' ? toItem(m) : m, maxIntsetEntries);
  return s;
}

function toLimit(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'bigint' || typeof v === 'string' ? Number(v) : NaN;
  return Number.isNaN(n) || n < 0 ? -1 : n;
}

/** set-max-intset-entries from the server config (its typed field, or `get(name)`), else 512. */
export function intsetLimit(config: unknown): number {
  const cfg = config as Record<string, unknown> & { get?: (n: string) => unknown };
  let n = toLimit(cfg.setMaxIntsetEntries);
  if (n < 0 && typeof cfg.get === 'function') n = toLimit(cfg.get('set-max-intset-entries'));
  return n < 0 ? DEFAULT_MAX_INTSET_ENTRIES : n;
}
