import { objectBytes, typedArrayBytes } from './memory.js';

/**
 * The hash index the large collection encodings share (hash "hashtable", set "hashtable", the
 * sorted set's member table), built like the keyspace's: the owner keeps its entries in dense slot
 * arrays; this keeps each slot's 32-bit hash and an open-addressing table of slot numbers
 * (slot + 1, 0 = empty; linear probing, backward-shift deletion, so no tombstones).
 *
 * Deleting moves the owner's last slot into the hole (`remove(slot, last)` re-points the table),
 * which is what lets SCAN-style cursors that walk slots from the top down never miss an entry
 * present for the whole scan. Owners run their own probe loop (reading `table`, `mask`, `hashes`)
 * so the lookup compares entries inline, without a callback.
 */
export class SlotIndex {
  /** Each slot's hash. */
  hashes: Int32Array;
  /** slot + 1 per position; 0 = empty. Its length is a power of two. */
  table: Int32Array;
  mask: number;

  constructor(
    private readonly minSlots = MIN_SLOTS,
    private readonly minTable = MIN_TABLE,
  ) {
    this.hashes = new Int32Array(minSlots);
    this.table = new Int32Array(minTable);
    this.mask = minTable - 1;
  }

  /** An index over `count` existing slots whose hashes are given (`hashes` is kept, not copied). */
  static over(hashes: Int32Array, count: number, minSlots = MIN_SLOTS, minTable = MIN_TABLE): SlotIndex {
    const index = new SlotIndex(minSlots, minTable);
    index.hashes = hashes;
    let size = minTable;
    while (count * 4 > size * 3) size *= 2;
    index.resize(size, count);
    return index;
  }

  /** Indexes `slot` (the owner's new last slot, so `slot` entries precede it) under hash `h`. */
  add(slot: number, h: number): void {
    if (slot === this.hashes.length) {
      const grown = new Int32Array(Math.ceil(slot * 1.5) + 1);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    if ((slot + 1) * 4 > this.table.length * 3) this.resize(this.table.length * 2, slot);
    this.hashes[slot] = h;
    this.insert(slot, h);
  }

  /**
   * Forgets `slot`. When `last` (the owner's last slot) differs, the owner moves that entry into
   * `slot`, and the index follows.
   */
  remove(slot: number, last: number): void {
    this.removeAt(this.positionOf(slot));
    if (slot !== last) {
      this.table[this.positionOf(last)] = slot + 1;
      this.hashes[slot] = this.hashes[last];
    }
  }

  /** Room for `n` slots without regrowing (dictExpand before a conversion); `count` are in use. */
  reserve(n: number, count: number): void {
    if (n > this.hashes.length) {
      const grown = new Int32Array(n);
      grown.set(this.hashes.subarray(0, count));
      this.hashes = grown;
    }
    let size = this.table.length;
    while (n * 4 > size * 3) size *= 2;
    if (size !== this.table.length) this.resize(size, count);
  }

  /**
   * Gives memory back after deletions, with `count` slots in use. Returns the new slot capacity
   * when the hash array shrank (owners trim their own slot arrays to match), else 0.
   */
  shrink(count: number): number {
    let size = this.table.length;
    while (size > this.minTable && count * 8 < size) size >>= 1;
    if (size !== this.table.length) this.resize(size, count);
    if (this.hashes.length > this.minSlots && count * 4 < this.hashes.length) {
      const capacity = Math.max(this.minSlots, count * 2);
      this.hashes = this.hashes.slice(0, capacity);
      return capacity;
    }
    return 0;
  }

  clone(): SlotIndex {
    const copy = new SlotIndex(this.minSlots, this.minTable);
    copy.hashes = this.hashes.slice();
    copy.table = this.table.slice();
    copy.mask = this.mask;
    return copy;
  }

  /** Estimated bytes of the whole index (memory accounting): this object and both typed arrays. */
  memoryBytes(): number {
    return objectBytes(5) + typedArrayBytes(this.hashes.byteLength) + typedArrayBytes(this.table.byteLength);
  }

  private insert(slot: number, h: number): void {
    const mask = this.mask;
    let i = h & mask;
    while (this.table[i] !== 0) i = (i + 1) & mask;
    this.table[i] = slot + 1;
  }

  private positionOf(slot: number): number {
    const mask = this.mask;
    let i = this.hashes[slot] & mask;
    while (this.table[i] !== slot + 1) i = (i + 1) & mask;
    return i;
  }

  /** Backward-shift deletion: later entries of the probe run move into the hole. */
  private removeAt(pos: number): void {
    const { table, mask, hashes } = this;
    let hole = pos;
    let j = pos;
    for (;;) {
      j = (j + 1) & mask;
      const s = table[j];
      if (s === 0) break;
      const home = hashes[s - 1] & mask;
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!inRange) {
        table[hole] = s;
        hole = j;
      }
    }
    table[hole] = 0;
  }

  /** Rebuilds the table at `size` positions from the hashes of slots [0, count). */
  private resize(size: number, count: number): void {
    this.table = new Int32Array(size);
    this.mask = size - 1;
    for (let s = 0; s < count; s++) this.insert(s, this.hashes[s]);
  }
}

const MIN_SLOTS = 8;
const MIN_TABLE = 8;
