import { SlabString, type Value } from './values.js';
import { reclaimSlabs } from './slab.js';
import { type AccessTracking, defaultAccessTracking, estimateObjectIdleTime, lfuAccessed, lfuDecrAndReturn, lruClock, newAccessWord } from './access.js';

export * from './access.js';
import { MemoryCounter, arrayBytes, entryBytes, objectBytes, stringBytes, typedArrayBytes } from './memory.js';

/**
 * One database's keyspace. See docs/ARCHITECTURE.md ("Keyspace") for the measured alternatives.
 *
 * Keys live in dense parallel slot arrays: `keys[s]`, `vals[s]`, plus typed arrays for per-key
 * metadata (hash, access word: LRU clock or LFU counter as in src/engine/access.ts, position in
 * the volatile list). A slot index is found through an
 * open-addressing hash table of slot numbers (linear probing, backward-shift deletion) keyed by
 * our own seeded string hash, stored per slot so growth never rehashes strings.
 *
 * Why: per key this costs ~40 bytes beyond the key and value strings (a JS Map plus an entry object
 * costs ~90), it has no 2^24 entry ceiling (V8's Map has), and dense slots give O(1) random sampling
 * (RANDOMKEY, eviction, active expiry) and a SCAN cursor with Redis's guarantee: deleting swaps the
 * last slot into the hole, and SCAN walks slots from the top down, so a moved key can only move from
 * the visited region into the unvisited one (seen twice, never missed).
 *
 * Keys with a TTL are also listed in a dense volatile list (slot + absolute expiry in ms), sampled
 * by the active expiry cycle the way Redis samples its expires dict.
 *
 * Memory accounting (src/engine/memory.ts): `sizes[s]` is the estimated size of slot s's key and
 * value, `bytes` their sum, `overhead` the cost of the arrays themselves; both totals are also
 * added to the server's MemoryCounter as they change. The keyspace measures what it stores itself
 * (set, replace, delete, expiry, flush); a value changed in place is re-measured by the write
 * epilogue (`remeasure`).
 */

const HASH_SEED = (Math.random() * 0x7fffffff) | 0;

/** Seeded FNV-1a over char codes with a murmur3 finalizer. */
export function hashKey(key: string): number {
  let h = 0x811c9dc5 ^ HASH_SEED;
  for (let i = 0; i < key.length; i++) {
    h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

const MIN_TABLE = 16;
const MIN_SLOTS = 16;

/** The time source a keyspace reads: `now` is the per-command snapshot in ms. */
export interface Clock {
  now: number;
  /**
   * While set, no key counts as expired: a replica runs its master's commands on the keys as the
   * master has them (the master decides expiry and sends DELs; Redis's expireIfNeeded for
   * server.master).
   */
  expiryOff?: boolean;
}

/** Called when a key is found expired and removed (lazy or active expiry). */
export type ExpiredListener = (db: Keyspace, key: string) => void;

/** One WATCHed key of one client (the client sees `casDirty` set when the key changes). */
export interface WatchEntry {
  readonly watcher: { casDirty: boolean };
  readonly key: string;
  /** The key existed but had logically expired when it was watched (Redis's wk->expired). */
  expired: boolean;
}

/**
 * A point-in-time snapshot walking this keyspace (BGSAVE without fork, src/persistence/snapshot.ts):
 * told before a key it may not have saved yet changes, so it saves the old state first.
 */
export interface SnapshotObserver {
  /** The key in `slot` is about to change: its value (in place or replaced), TTL, or it is read for a write. */
  beforeChange(db: Keyspace, slot: number): void;
  /** `slot` is about to be removed, and the key in `last` (the last slot) moved into it. */
  beforeRemove(db: Keyspace, slot: number, last: number): void;
  /** The keyspace is being emptied: its old contents now live, unchanged from here on, in `frozen`. */
  cleared(db: Keyspace, frozen: Keyspace): void;
  /** SWAPDB moved the contents being walked to `db`. */
  moved(db: Keyspace): void;
}

export class Keyspace {
  /** Number of live slots (keys, possibly including not-yet-reclaimed expired ones). */
  size = 0;
  /** Lookups that found / did not find a key (keyspace_hits / keyspace_misses). */
  hits = 0;
  misses = 0;
  /** Called for every key removed by expiry. */
  onExpired: ExpiredListener | null = null;
  /**
   * Set while clients are paused (CLIENT PAUSE): expired keys read as absent but are not deleted,
   * so the dataset does not change under the pause.
   */
  expiryPaused = false;
  /**
   * Called when a key is created or replaced by `set` (wake-ups for blocked clients). Installed
   * only while some client waits on a key of this database.
   */
  onKeyAdded: ((db: Keyspace, key: string) => void) | null = null;
  /**
   * Called when a key is deleted or expires, and with every key gone when the keyspace is cleared
   * (`onCleared`): blocked clients re-check the keys they wait on (Redis's signalDeletedKeyAsReady).
   * Installed with onKeyAdded.
   */
  onKeyRemoved: ((db: Keyspace, key: string) => void) | null = null;
  onCleared: ((db: Keyspace) => void) | null = null;
  /** Keyspace notifications: a key was created (`new`) / a read missed (`keymiss`); null when off. */
  onNewKey: ((db: Keyspace, key: string) => void) | null = null;
  onMiss: ((db: Keyspace, key: string) => void) | null = null;
  /** WATCHed keys of this database and who watches them; null while nobody watches here. */
  watchers: Map<string, WatchEntry[]> | null = null;
  /**
   * signalModifiedKey's other half: client-side caching's invalidation (`bySelf` when the key
   * expired or was evicted rather than a command changing it). Installed once a client tracks keys.
   */
  onModified: ((key: string, bySelf: boolean) => void) | null = null;
  /** The snapshot walking these contents (BGSAVE); null otherwise, so writes pay one null check. */
  snapshot: SnapshotObserver | null = null;

  private keys: string[] = [];
  private vals: Value[] = [];
  private hashes = new Int32Array(MIN_SLOTS);
  private access = new Uint32Array(MIN_SLOTS);
  private volPos = new Int32Array(MIN_SLOTS);
  /**
   * Estimated bytes of each slot's key and value (float32: exact below 16 MB, 4 bytes per key; the
   * totals add the stored values, so they stay exact sums).
   */
  private sizes = new Float32Array(MIN_SLOTS);
  /** Slot capacity of the typed arrays above. */
  private capacity = MIN_SLOTS;

  /** Open-addressing index: slot + 1, 0 = empty. */
  private table = new Int32Array(MIN_TABLE);
  private mask = MIN_TABLE - 1;

  private volSlots = new Int32Array(MIN_SLOTS);
  private volExpire = new Float64Array(MIN_SLOTS);
  /** Number of keys with a TTL. */
  volatileCount = 0;
  /**
   * Exact expiry times beyond 2^53 ms (PEXPIREAT 9223372036854775807), by key. `volExpire` holds
   * their nearest double, which is all expiry checks need; TTL/PEXPIRETIME read the exact value.
   * Null until such a time is set, so ordinary keys pay one null check.
   */
  private bigExpire: Map<string, bigint> | null = null;

  /** Estimated bytes of every key and value here (the sum of `sizes`). */
  bytes = 0;
  /** Estimated bytes of this keyspace's own arrays and index, at their current capacities. */
  overhead = 0;
  /**
   * The slot the last write lookup or store found, and the key string it was asked for (usually
   * the very string the write epilogue passes next): the epilogue re-measures it without a search.
   * Reset when slots move (a deletion swaps the last slot into the hole).
   */
  private lastWriteSlot = -1;
  private lastWriteKey = '';

  /** `memory`: the server-wide totals this keyspace adds its changes to (one per server). */
  constructor(
    readonly id: number,
    readonly clock: Clock,
    /** How lookups record access (LRU or LFU); shared by the server's keyspaces. */
    readonly tracking: AccessTracking = defaultAccessTracking(),
    readonly memory: MemoryCounter = new MemoryCounter(),
  ) {
    this.recountOverhead();
  }

  // ---------------------------------------------------------------- index

  private findSlot(key: string, h: number): number {
    const table = this.table;
    const mask = this.mask;
    let i = h & mask;
    for (;;) {
      const s = table[i];
      if (s === 0) return -1;
      if (this.hashes[s - 1] === h && this.keys[s - 1] === key) return s - 1;
      i = (i + 1) & mask;
    }
  }

  private tablePosOfSlot(slot: number): number {
    const mask = this.mask;
    let i = this.hashes[slot] & mask;
    while (this.table[i] !== slot + 1) i = (i + 1) & mask;
    return i;
  }

  private tableInsert(slot: number, h: number): void {
    const mask = this.mask;
    let i = h & mask;
    while (this.table[i] !== 0) i = (i + 1) & mask;
    this.table[i] = slot + 1;
  }

  /** Removes table position `i` with backward-shift deletion (no tombstones). */
  private tableRemoveAt(i: number): void {
    const table = this.table;
    const mask = this.mask;
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const s = table[j];
      if (s === 0) break;
      const home = this.hashes[s - 1] & mask;
      // Move j back into the hole unless its home lies cyclically in (hole, j].
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!inRange) {
        table[hole] = s;
        hole = j;
      }
    }
    table[hole] = 0;
  }

  private resizeTable(size: number): void {
    this.table = new Int32Array(size);
    this.mask = size - 1;
    for (let s = 0; s < this.size; s++) this.tableInsert(s, this.hashes[s]);
    this.recountOverhead();
  }

  /** Makes room for `n` keys at once (RDB loading's RESIZEDB hint), sparing the growth steps. */
  reserve(n: number): void {
    if (n > this.capacity) {
      const cap = n;
      this.hashes = copyInto(new Int32Array(cap), this.hashes, this.size);
      this.access = copyInto(new Uint32Array(cap), this.access, this.size);
      this.volPos = copyInto(new Int32Array(cap), this.volPos, this.size);
      this.sizes = copyInto(new Float32Array(cap), this.sizes, this.size);
      this.capacity = cap;
    }
    let table = this.table.length;
    while (n * 4 > table * 3) table *= 2;
    if (table !== this.table.length) this.resizeTable(table);
    else this.recountOverhead();
  }

  private growSlots(): void {
    const cap = Math.max(MIN_SLOTS, Math.ceil(this.capacity * 1.5));
    this.hashes = copyInto(new Int32Array(cap), this.hashes, this.size);
    this.access = copyInto(new Uint32Array(cap), this.access, this.size);
    this.volPos = copyInto(new Int32Array(cap), this.volPos, this.size);
    this.sizes = copyInto(new Float32Array(cap), this.sizes, this.size);
    this.capacity = cap;
    this.recountOverhead();
  }

  // ---------------------------------------------------------------- memory accounting

  /**
   * Recomputes `overhead` from the current capacities (after any resize): the keys and values
   * arrays (V8 grows them by half as the typed arrays grow, so they are counted at the same
   * capacity), the four per-slot typed arrays, the index and the volatile list.
   */
  private recountOverhead(): void {
    const cap = this.capacity;
    let bytes = KEYSPACE_OBJECT + 2 * arrayBytes(cap) + 4 * typedArrayBytes(cap * 4);
    bytes += typedArrayBytes(this.table.byteLength);
    bytes += typedArrayBytes(this.volSlots.byteLength) + typedArrayBytes(this.volExpire.byteLength);
    const delta = bytes - this.overhead;
    this.overhead = bytes;
    this.memory.overhead += delta;
  }

  /** Records the size of slot `slot` holding `key` → `value`. */
  private measureSlot(slot: number, key: string, value: Value): void {
    const size = Math.fround(entryBytes(key, value));
    const delta = size - this.sizes[slot];
    if (delta === 0) return;
    this.sizes[slot] = size;
    this.bytes += delta;
    this.memory.dataset += delta;
  }

  /**
   * Re-measures `key` after its value changed in place (the write epilogue calls it for every
   * key a command changed). O(1): the slot is usually the one the command's write lookup found,
   * and every value type reports its size from running counts. A key that is gone is ignored.
   */
  remeasure(key: string): void {
    let slot = this.lastWriteSlot;
    // Usually the same string object: a pointer compare.
    if (slot < 0 || key !== this.lastWriteKey) {
      slot = this.findSlot(key, hashKey(key));
      if (slot < 0) return;
    }
    const value = this.vals[slot];
    // Plain strings and numbers are immutable: stored (and measured) by set(), never changed in place.
    if (typeof value === 'string' || typeof value === 'number') return;
    const size = Math.fround(stringBytes(key.length) + value.memoryUsage());
    const delta = size - this.sizes[slot];
    if (delta === 0) return;
    this.sizes[slot] = size;
    this.bytes += delta;
    this.memory.dataset += delta;
  }

  /**
   * Estimated bytes of a stored key and its value (MEMORY USAGE adds the per-key share of the
   * keyspace's arrays), or -1 when the key is not stored. Expiry is not checked.
   */
  sizeOf(key: string): number {
    const slot = this.findSlot(key, hashKey(key));
    return slot < 0 ? -1 : this.sizes[slot];
  }

  /**
   * Estimated bytes of slot `slot`'s key and value (0 <= slot < size), for eviction's sampling;
   * `keyAt(slot)` names it.
   */
  sizeOfSlot(slot: number): number {
    return this.sizes[slot];
  }

  /**
   * The index and typed-array part of `overhead` that serves keys with a TTL (MEMORY STATS'
   * overhead.hashtable.expires); the rest is the main table's.
   */
  get expiresOverhead(): number {
    return typedArrayBytes(this.volSlots.byteLength) + typedArrayBytes(this.volExpire.byteLength);
  }

  /**
   * Tests: `recorded` (the running total) against `measured` (every value measured afresh), and
   * whether every collection's own running counts match a recount. O(n).
   */
  auditBytes(): { recorded: number; measured: number; countsExact: boolean } {
    let measured = 0;
    let countsExact = true;
    for (let s = 0; s < this.size; s++) {
      const v = this.vals[s];
      measured += Math.fround(entryBytes(this.keys[s], v));
      if (typeof v === 'object' && 'memoryCountsExact' in v && !v.memoryCountsExact()) countsExact = false;
    }
    return { recorded: this.bytes, measured, countsExact };
  }

  // ---------------------------------------------------------------- volatile list

  private volAdd(slot: number, when: number): void {
    if (this.volatileCount === this.volSlots.length) {
      const cap = Math.ceil(this.volSlots.length * 1.5);
      this.volSlots = copyInto(new Int32Array(cap), this.volSlots, this.volatileCount);
      this.volExpire = copyInto(new Float64Array(cap), this.volExpire, this.volatileCount);
      this.recountOverhead();
    }
    const p = this.volatileCount++;
    this.volSlots[p] = slot;
    this.volExpire[p] = when;
    this.volPos[slot] = p;
  }

  private volRemove(slot: number): void {
    const p = this.volPos[slot];
    if (p < 0) return;
    if (this.bigExpire !== null) this.forgetBigExpire(this.keys[slot]);
    const last = --this.volatileCount;
    if (p !== last) {
      const moved = this.volSlots[last];
      this.volSlots[p] = moved;
      this.volExpire[p] = this.volExpire[last];
      this.volPos[moved] = p;
    }
    this.volPos[slot] = -1;
  }

  // ---------------------------------------------------------------- slots

  private removeSlot(slot: number): void {
    if (this.snapshot !== null) this.snapshot.beforeRemove(this, slot, this.size - 1);
    this.volRemove(slot);
    this.tableRemoveAt(this.tablePosOfSlot(slot));
    const value = this.vals[slot];
    if (value instanceof SlabString) value.release();
    const size = this.sizes[slot];
    this.bytes -= size;
    this.memory.dataset -= size;
    this.lastWriteSlot = -1;
    const last = this.size - 1;
    if (slot !== last) {
      // Swap the last slot into the hole (see the SCAN note above).
      const lastPos = this.tablePosOfSlot(last);
      this.table[lastPos] = slot + 1;
      this.keys[slot] = this.keys[last];
      this.vals[slot] = this.vals[last];
      this.hashes[slot] = this.hashes[last];
      this.access[slot] = this.access[last];
      this.sizes[slot] = this.sizes[last];
      const vp = this.volPos[last];
      this.volPos[slot] = vp;
      if (vp >= 0) this.volSlots[vp] = slot;
    }
    this.keys.pop();
    this.vals.pop();
    this.size = last;
  }

  private isExpiredSlot(slot: number): boolean {
    const p = this.volPos[slot];
    return p >= 0 && this.clock.now > this.volExpire[p] && this.clock.expiryOff !== true;
  }

  private expireSlot(slot: number): void {
    const key = this.keys[slot];
    this.removeSlot(slot);
    if (this.onModified !== null) this.onModified(key, true);
    if (this.watchers !== null) this.touchWatched(key);
    if (this.onExpired !== null) this.onExpired(this, key);
    if (this.onKeyRemoved !== null) this.onKeyRemoved(this, key);
  }

  // ---------------------------------------------------------------- WATCH

  /**
   * Marks the clients watching `key` (signalModifiedKey). The keyspace calls it for every change
   * it makes itself (set, delete, expiry, TTL changes, flush, swap); commands call it after
   * changing a collection in place.
   */
  touch(key: string): void {
    if (this.onModified !== null) this.onModified(key, false);
    if (this.watchers !== null) this.touchWatched(key);
  }

  private touchWatched(key: string): void {
    const watchers = this.watchers;
    if (watchers === null) return;
    const entries = watchers.get(key);
    if (entries === undefined) return;
    for (const entry of entries) {
      // A key already expired when watched and now gone: logically nothing changed.
      if (entry.expired && this.findSlot(key, hashKey(key)) < 0) {
        entry.expired = false;
        continue;
      }
      entry.watcher.casDirty = true;
    }
  }

  /** Whether `key` is stored but logically expired (WATCH remembers this). */
  isStoredButExpired(key: string): boolean {
    const slot = this.findSlot(key, hashKey(key));
    return slot >= 0 && this.isExpiredSlot(slot);
  }

  /**
   * FLUSHDB / SWAPDB (Redis's touchAllWatchedKeysInDb): this database's contents are about to be
   * dropped, or replaced by `replacedWith`'s. A watched key present on either side counts as
   * changed, except where nothing changes logically: a key already expired when watched that is
   * now gone (the flag is cleared) or replaced by another expired one, and a missing key replaced
   * by an expired one (which then counts as watched expired).
   */
  private touchAllPresent(replacedWith: Keyspace | null = null): void {
    if (this.watchers === null) return;
    for (const [key, entries] of this.watchers) {
      const h = hashKey(key);
      const inEmptied = this.findSlot(key, h) >= 0;
      const replacementSlot = replacedWith === null ? -1 : replacedWith.findSlot(key, h);
      if (!inEmptied && replacementSlot < 0) continue;
      const replacementExpired = replacementSlot >= 0 && replacedWith!.isExpiredSlot(replacementSlot);
      for (const entry of entries) {
        if (entry.expired) {
          if (replacementSlot < 0) {
            entry.expired = false;
            continue;
          }
          if (replacementExpired) continue;
        } else if (!inEmptied && replacementExpired) {
          entry.expired = true;
          continue;
        }
        entry.watcher.casDirty = true;
      }
    }
  }

  /** Slot of a live key, expiring it lazily; -1 when absent. */
  private liveSlot(key: string): number {
    const slot = this.findSlot(key, hashKey(key));
    if (slot < 0) return -1;
    if (this.volPos[slot] >= 0 && this.isExpiredSlot(slot)) {
      // While clients are paused the dataset stays still: gone for the reader, but not deleted.
      if (!this.expiryPaused) this.expireSlot(slot);
      return -1;
    }
    return slot;
  }

  // ---------------------------------------------------------------- access metadata

  /**
   * Records an access to a slot (Redis's lookupKey without LOOKUP_NOTOUCH): the LRU clock, or
   * under an LFU policy the decayed counter's logarithmic increment (updateLFU).
   */
  private touchSlot(slot: number): void {
    const t = this.tracking;
    if (t.lfu) this.access[slot] = lfuAccessed(this.access[slot], this.clock.now, t.lfuLogFactor, t.lfuDecayTime);
    else {
      this.access[slot] = lruClock(this.clock.now);
      if (t.tinylfu) t.tinylfu.record(this.hashes[slot]);
    }
  }

  // ---------------------------------------------------------------- type API

  /** Value of a live key for a read command: touches the access clock and counts hits/misses. */
  lookupRead(key: string): Value | undefined {
    const slot = this.liveSlot(key);
    if (slot < 0) {
      this.misses++;
      // allkeys-tinylfu remembers keys asked for and not there: they compete when written.
      if (this.tracking.tinylfu) this.tracking.tinylfu.record(hashKey(key));
      if (this.onMiss !== null) this.onMiss(this, key);
      return undefined;
    }
    this.hits++;
    this.touchSlot(slot);
    return this.vals[slot];
  }

  /** Value of a live key for a write command: touches the access clock, no hit/miss counting. */
  lookupWrite(key: string): Value | undefined {
    const slot = this.liveSlot(key);
    if (slot < 0) return undefined;
    if (this.snapshot !== null) this.snapshot.beforeChange(this, slot);
    this.lastWriteSlot = slot;
    this.lastWriteKey = key;
    this.touchSlot(slot);
    return this.vals[slot];
  }

  /** Value of a live key without touching metadata (OBJECT, TYPE-like introspection, SCAN filters). */
  peek(key: string): Value | undefined {
    const slot = this.liveSlot(key);
    if (slot < 0) return undefined;
    // Some writers reach values through peek (blocked clients served): a snapshot saves first.
    if (this.snapshot !== null) this.snapshot.beforeChange(this, slot);
    return this.vals[slot];
  }

  has(key: string): boolean {
    return this.liveSlot(key) >= 0;
  }

  /**
   * Stores `value` under `key`. An existing key keeps its slot; its TTL is removed unless
   * `keepTtl` is set (SET's default, as setKey in Redis). Returns true when the key was new.
   *
   * Access metadata as Redis's setKey: a new key starts fresh (LRU clock now, or LFU_INIT_VAL);
   * an existing key counts as accessed (setKey's own lookupKeyWrite) and keeps its LFU counter,
   * unless `lookedUp` says the command already looked it up (SETKEY_ALREADY_EXIST): then the
   * counter is only kept. Under LRU the clock is stamped either way (Redis's new value object).
   */
  set(key: string, value: Value, keepTtl = false, lookedUp = false): boolean {
    const h = hashKey(key);
    let slot = this.findSlot(key, h);
    if (slot >= 0 && this.volPos[slot] >= 0 && this.isExpiredSlot(slot)) {
      this.expireSlot(slot);
      slot = -1;
    }
    if (slot >= 0) {
      if (this.snapshot !== null) this.snapshot.beforeChange(this, slot);
      const old = this.vals[slot];
      if (value instanceof SlabString) value.retain();
      if (old instanceof SlabString) old.release();
      this.vals[slot] = value;
      this.measureSlot(slot, key, value);
      this.lastWriteSlot = slot;
      this.lastWriteKey = key;
      if (!lookedUp || !this.tracking.lfu) this.touchSlot(slot);
      if (!keepTtl) this.volRemove(slot);
      if (this.watchers !== null || this.onModified !== null) this.touch(key);
      if (this.onKeyAdded !== null) this.onKeyAdded(this, key);
      return false;
    }
    this.lastWriteSlot = this.insertNew(key, h, value);
    this.lastWriteKey = key;
    if (this.onNewKey !== null) this.onNewKey(this, key);
    if (this.watchers !== null || this.onModified !== null) this.touch(key);
    if (this.onKeyAdded !== null) this.onKeyAdded(this, key);
    return true;
  }

  /** Replace the value of a key known to exist, keeping its TTL (in-place updates). */
  replace(key: string, value: Value): void {
    const slot = this.findSlot(key, hashKey(key));
    if (slot >= 0) {
      if (this.snapshot !== null) this.snapshot.beforeChange(this, slot);
      const old = this.vals[slot];
      if (value instanceof SlabString) value.retain();
      if (old instanceof SlabString) old.release();
      this.vals[slot] = value;
      this.measureSlot(slot, key, value);
    }
    if (this.watchers !== null || this.onModified !== null) this.touch(key);
  }

  private insertNew(key: string, h: number, value: Value): number {
    if (this.size === this.capacity) this.growSlots();
    if ((this.size + 1) * 4 > this.table.length * 3) this.resizeTable(this.table.length * 2);
    const slot = this.size++;
    if (value instanceof SlabString) value.retain();
    this.keys.push(key);
    this.vals.push(value);
    this.hashes[slot] = h;
    this.access[slot] = newAccessWord(this.tracking, this.clock.now);
    this.volPos[slot] = -1;
    const size = Math.fround(entryBytes(key, value));
    this.sizes[slot] = size;
    this.bytes += size;
    this.memory.dataset += size;
    this.tableInsert(slot, h);
    if (this.tracking.tinylfu) this.tracking.tinylfu.created(this.id, key, h);
    return slot;
  }

  /** Deletes a live key. Returns false when it did not exist (or had just expired). */
  delete(key: string): boolean {
    const slot = this.liveSlot(key);
    if (slot < 0) return false;
    this.removeSlot(slot);
    if (this.watchers !== null || this.onModified !== null) this.touch(key);
    if (this.onKeyRemoved !== null) this.onKeyRemoved(this, key);
    return true;
  }

  /** Absolute expiry in ms, or -1 when the key has no TTL, or -2 when it does not exist. */
  getExpire(key: string): number {
    const slot = this.liveSlot(key);
    if (slot < 0) return -2;
    const p = this.volPos[slot];
    return p < 0 ? -1 : this.volExpire[p];
  }

  /**
   * Absolute expiry in ms, exact even beyond 2^53 (then a bigint), or -1 when the key has no TTL,
   * or -2 when it does not exist.
   */
  getExpireExact(key: string): number | bigint {
    const when = this.getExpire(key);
    if (when >= 0 && this.bigExpire !== null) {
      const big = this.bigExpire.get(key);
      if (big !== undefined) return big;
    }
    return when;
  }

  /**
   * Sets an absolute expiry in ms on an existing key. A bigint is kept exactly when it is not a
   * safe integer (expiry checks use its nearest double). Returns false when the key does not exist.
   */
  setExpire(key: string, when: number | bigint): boolean {
    const slot = this.liveSlot(key);
    if (slot < 0) return false;
    if (this.snapshot !== null) this.snapshot.beforeChange(this, slot);
    let ms: number;
    if (typeof when === 'bigint') {
      ms = Number(when);
      if (Number.isSafeInteger(ms)) {
        if (this.bigExpire !== null) this.forgetBigExpire(key);
      } else {
        (this.bigExpire ??= new Map()).set(key, when);
      }
    } else {
      ms = when;
      if (this.bigExpire !== null) this.forgetBigExpire(key);
    }
    const p = this.volPos[slot];
    if (p >= 0) this.volExpire[p] = ms;
    else this.volAdd(slot, ms);
    if (this.watchers !== null || this.onModified !== null) this.touch(key);
    return true;
  }

  private forgetBigExpire(key: string): void {
    const big = this.bigExpire!;
    if (big.delete(key) && big.size === 0) this.bigExpire = null;
  }

  /** Removes the TTL. Returns true when the key had one. */
  persist(key: string): boolean {
    const slot = this.liveSlot(key);
    if (slot < 0 || this.volPos[slot] < 0) return false;
    if (this.snapshot !== null) this.snapshot.beforeChange(this, slot);
    this.volRemove(slot);
    if (this.watchers !== null || this.onModified !== null) this.touch(key);
    return true;
  }

  // ---------------------------------------------------------------- access metadata: readers

  /**
   * A key's raw access word (LRU clock or LFU minutes + counter, see src/engine/access.ts), without
   * touching it; -1 when the key is not stored. With `setAccessWord`, RENAME and MOVE carry the
   * word to the key's new name, as Redis moves the object itself.
   */
  accessWord(key: string): number {
    const slot = this.findSlot(key, hashKey(key));
    return slot < 0 ? -1 : this.access[slot];
  }

  /** Sets a stored key's raw access word (see `accessWord`). */
  setAccessWord(key: string, word: number): void {
    const slot = this.findSlot(key, hashKey(key));
    if (slot >= 0) this.access[slot] = word;
  }

  /** Seconds since the key was last accessed, by the LRU formula whatever the policy (OBJECT IDLETIME). */
  idleSeconds(key: string): number {
    const slot = this.findSlot(key, hashKey(key));
    return slot < 0 ? 0 : Math.floor(this.idleMsAt(slot) / 1000);
  }

  /** The key's LFU counter after decay, by the LFU formula whatever the policy (OBJECT FREQ). */
  lfuFrequency(key: string): number {
    const slot = this.findSlot(key, hashKey(key));
    return slot < 0 ? 0 : this.lfuAt(slot);
  }

  /**
   * Slot-level access for eviction. Slots are 0..size-1 (dense); a slot number is valid until the
   * next deletion or insertion. `randomSlot` / `randomVolatileSlot` sample uniformly among all
   * keys / keys with a TTL (expired ones included: check `expireAt`); `keyAt` names the key to
   * delete; `idleMsAt` (LRU policies) and `lfuAt` (LFU policies: rank by 255 minus it) read the
   * access word without touching it.
   */
  randomSlot(random: () => number = Math.random): number {
    return this.size === 0 ? -1 : Math.floor(random() * this.size);
  }

  /** A random slot among keys with a TTL, or -1 when none has one (see `randomSlot`). */
  randomVolatileSlot(random: () => number = Math.random): number {
    return this.volatileCount === 0 ? -1 : this.volSlots[Math.floor(random() * this.volatileCount)];
  }

  /** The key stored in a slot (see `randomSlot`). */
  keyAt(slot: number): string {
    return this.keys[slot];
  }

  /** The slot of the `i`-th key with a TTL (0 <= i < volatileCount), for eviction's samples. */
  volatileSlotAt(i: number): number {
    return this.volSlots[i];
  }

  /**
   * The slot holding `key`, expired or not, or -1 when it is not stored (Redis's dictFind):
   * eviction checks that a candidate it remembered still exists.
   */
  storedSlot(key: string): number {
    return this.findSlot(key, hashKey(key));
  }

  /**
   * Removes the key in `slot` whatever its TTL and returns it (eviction: a key past its expiry
   * but not yet reclaimed goes as evicted, as Redis's dbSyncDelete takes it). WATCH and blocked
   * clients are signalled as for `delete`.
   */
  evictSlot(slot: number): string {
    const key = this.keys[slot];
    this.removeSlot(slot);
    if (this.onModified !== null) this.onModified(key, true);
    if (this.watchers !== null) this.touchWatched(key);
    if (this.onKeyRemoved !== null) this.onKeyRemoved(this, key);
    return key;
  }

  /** The value stored in a slot (see `randomSlot`; snapshots walk slots). */
  valueAt(slot: number): Value {
    return this.vals[slot];
  }

  /** A slot's absolute expiry, exact beyond 2^53 (a bigint), or -1 without a TTL. */
  expireExactAt(slot: number): number | bigint {
    const p = this.volPos[slot];
    if (p < 0) return -1;
    if (this.bigExpire !== null) {
      const big = this.bigExpire.get(this.keys[slot]);
      if (big !== undefined) return big;
    }
    return this.volExpire[p];
  }

  /** A slot's absolute expiry in ms, or -1 without a TTL (volatile-ttl ranks by it). */
  expireAt(slot: number): number {
    const p = this.volPos[slot];
    return p < 0 ? -1 : this.volExpire[p];
  }

  /** Milliseconds since the slot's key was accessed (Redis's estimateObjectIdleTime). */
  idleMsAt(slot: number): number {
    return estimateObjectIdleTime(this.access[slot], this.clock.now);
  }

  /** allkeys-tinylfu: the sketch's estimate of the slot's key's recent accesses (0 without a sketch). */
  sketchEstimateAt(slot: number): number {
    const tinylfu = this.tracking.tinylfu;
    return tinylfu ? tinylfu.estimate(this.hashes[slot]) : 0;
  }

  /** The slot's LFU counter after decay (Redis's LFUDecrAndReturn), the word left unchanged. */
  lfuAt(slot: number): number {
    return lfuDecrAndReturn(this.access[slot], this.clock.now, this.tracking.lfuDecayTime);
  }

  /** A random live key, or null when the keyspace is empty (expired picks are reclaimed). */
  randomKey(random: () => number = Math.random): string | null {
    let tries = 100;
    while (this.size > 0) {
      const slot = Math.floor(random() * this.size);
      if (this.volPos[slot] >= 0 && this.isExpiredSlot(slot)) {
        if (!this.expiryPaused) {
          this.expireSlot(slot);
          continue;
        }
        // Paused, expired keys stay: when every key has a TTL they may all be expired, so after
        // enough tries one is returned anyway (Redis 7.2's dbRandomKey; 7.0.15 loops forever).
        if (this.volatileCount !== this.size || --tries > 0) continue;
      }
      return this.keys[slot];
    }
    return null;
  }

  /**
   * One SCAN step. `cursor` 0 starts at the top; a non-zero cursor is the number of slots still
   * to visit (slots below it). Visits up to `count` slots, calling `visit` for each live key, and
   * returns the next cursor (0 when done).
   */
  scan(cursor: number, count: number, visit: (key: string, value: Value) => void): number {
    let p = cursor === 0 ? this.size : Math.min(cursor, this.size);
    let budget = Math.max(1, count);
    while (p > 0 && budget > 0) {
      p--;
      budget--;
      if (p >= this.size) continue;
      if (this.volPos[p] >= 0 && this.isExpiredSlot(p)) continue;
      visit(this.keys[p], this.vals[p]);
    }
    return p;
  }

  /** Calls `visit` for every live key (KEYS, FLUSHALL helpers, snapshots). */
  forEach(visit: (key: string, value: Value) => void): void {
    for (let s = this.size - 1; s >= 0; s--) {
      if (this.volPos[s] >= 0 && this.isExpiredSlot(s)) continue;
      visit(this.keys[s], this.vals[s]);
    }
  }

  /** Drops this keyspace's hold on its slab values (it is being emptied, or was frozen for a snapshot that is over). */
  releaseAllValues(): void {
    const vals = this.vals;
    for (let s = 0; s < this.size; s++) {
      const v = vals[s];
      if (v instanceof SlabString) v.release();
    }
  }

  /** Empties the keyspace and releases its memory. */
  clear(): void {
    this.touchAllPresent();
    if (this.snapshot !== null) {
      // The old arrays are replaced below, never written again: the snapshot keeps walking them.
      const frozen = new Keyspace(this.id, this.clock, this.tracking, new MemoryCounter());
      for (const f of CONTENT_FIELDS) (frozen as unknown as Record<string, unknown>)[f] = (this as unknown as Record<string, unknown>)[f];
      // Its slab values stay allocated until the walk is over (the snapshot detaches from it).
      frozen.snapshot = this.snapshot;
      frozenKeyspaces.push(frozen);
      this.snapshot.cleared(this, frozen);
      this.snapshot = null;
    } else {
      this.releaseAllValues();
    }
    this.keys = [];
    this.vals = [];
    this.size = 0;
    this.capacity = MIN_SLOTS;
    this.hashes = new Int32Array(MIN_SLOTS);
    this.access = new Uint32Array(MIN_SLOTS);
    this.volPos = new Int32Array(MIN_SLOTS);
    this.sizes = new Float32Array(MIN_SLOTS);
    this.memory.dataset -= this.bytes;
    this.bytes = 0;
    this.lastWriteSlot = -1;
    this.table = new Int32Array(MIN_TABLE);
    this.mask = MIN_TABLE - 1;
    this.volSlots = new Int32Array(MIN_SLOTS);
    this.volExpire = new Float64Array(MIN_SLOTS);
    this.volatileCount = 0;
    this.bigExpire = null;
    this.recountOverhead();
    if (this.onCleared !== null) this.onCleared(this);
  }

  /** Exchanges the whole contents with another keyspace (SWAPDB). */
  swapWith(other: Keyspace): void {
    this.touchAllPresent(other);
    other.touchAllPresent(this);
    // The memory totals move with the contents (both databases add to the same server counter).
    const a = this as unknown as Record<string, unknown>;
    const b = other as unknown as Record<string, unknown>;
    for (const f of CONTENT_FIELDS) {
      const t = a[f];
      a[f] = b[f];
      b[f] = t;
    }
    // A snapshot follows the contents it walks.
    const t = this.snapshot;
    this.snapshot = other.snapshot;
    other.snapshot = t;
    if (this.snapshot !== null) this.snapshot.moved(this);
    if (other.snapshot !== null) other.snapshot.moved(other);
  }

  /**
   * Active expiry: samples up to `perLoop` keys with a TTL at random, removes the expired ones,
   * and repeats while more than `acceptableStalePercent` of a sample was expired and time remains.
   * Returns the number of keys removed.
   */
  activeExpire(deadline: number, perLoop = 20, acceptableStalePercent = 10): number {
    let removed = 0;
    let loops = 0;
    for (;;) {
      if (this.volatileCount === 0) return removed;
      const sample = Math.min(perLoop, this.volatileCount);
      let expired = 0;
      for (let i = 0; i < sample && this.volatileCount > 0; i++) {
        const p = Math.floor(Math.random() * this.volatileCount);
        if (this.clock.now > this.volExpire[p]) {
          this.expireSlot(this.volSlots[p]);
          expired++;
        }
      }
      removed += expired;
      if (expired * 100 <= sample * acceptableStalePercent) return removed;
      if ((++loops & 15) === 0 && performance.now() > deadline) return removed;
    }
  }

  /** Whether maybeShrink would give memory back now (cheap: eviction asks after every key). */
  get sparse(): boolean {
    return (this.capacity > MIN_SLOTS && this.size * 4 < this.capacity) || (this.table.length > MIN_TABLE && this.size * 8 < this.table.length);
  }

  /**
   * Shrinks the index, the slot metadata arrays and the volatile list when they are mostly empty
   * (Redis's tryResizeHashTables), so memory returns after mass deletion or expiry. Slot numbers
   * do not change, so a SCAN in progress keeps its guarantee.
   */
  maybeShrink(): void {
    let size = this.table.length;
    while (size > MIN_TABLE && this.size * 8 < size) size >>= 1;
    if (size !== this.table.length) this.resizeTable(size);
    if (this.capacity > MIN_SLOTS && this.size * 4 < this.capacity) {
      const cap = Math.max(MIN_SLOTS, this.size * 2);
      this.hashes = copyInto(new Int32Array(cap), this.hashes, this.size);
      this.access = copyInto(new Uint32Array(cap), this.access, this.size);
      this.volPos = copyInto(new Int32Array(cap), this.volPos, this.size);
      this.sizes = copyInto(new Float32Array(cap), this.sizes, this.size);
      this.capacity = cap;
      // Plain arrays may keep their backing store after pop(); a copy releases it.
      this.keys = this.keys.slice();
      this.vals = this.vals.slice();
    }
    const volCap = this.volSlots.length;
    if (volCap > MIN_SLOTS && this.volatileCount * 4 < volCap) {
      const cap = Math.max(MIN_SLOTS, this.volatileCount * 2);
      this.volSlots = copyInto(new Int32Array(cap), this.volSlots, this.volatileCount);
      this.volExpire = copyInto(new Float64Array(cap), this.volExpire, this.volatileCount);
    }
    this.recountOverhead();
  }
}

/** Contents set aside by a FLUSH while a snapshot was walking them: their slab values are freed once it is done. */
const frozenKeyspaces: Keyspace[] = [];

/**
 * Frees the slab chunks of the values no key holds any more (src/engine/slab.ts), and those of
 * flushed contents a finished snapshot no longer walks. Call it only where no command is running:
 * a command may still read a value it deleted or overwrote.
 */
export function reclaimValues(): void {
  if (frozenKeyspaces.length > 0) {
    for (let i = frozenKeyspaces.length - 1; i >= 0; i--) {
      const frozen = frozenKeyspaces[i];
      if (frozen.snapshot !== null) continue;
      frozen.releaseAllValues();
      frozenKeyspaces.splice(i, 1);
    }
  }
  reclaimSlabs();
}

/** The fields that hold a keyspace's contents (SWAPDB exchanges them; a snapshot keeps them on FLUSH). */
const CONTENT_FIELDS = ['keys', 'vals', 'size', 'capacity', 'hashes', 'access', 'volPos', 'sizes', 'bytes', 'overhead', 'lastWriteSlot', 'lastWriteKey', 'table', 'mask', 'volSlots', 'volExpire', 'volatileCount', 'bigExpire'] as const;

/** The Keyspace object itself (its fields) and the hooks' slots. */
const KEYSPACE_OBJECT = objectBytes(32);

function copyInto<T extends Int32Array | Uint32Array | Float32Array | Float64Array>(dst: T, src: T, n: number): T {
  dst.set(src.subarray(0, n) as never);
  return dst;
}
