import type { CollectionValue } from '../values.js';
import { SlotIndex } from '../slot-index.js';
import { hashKey } from '../keyspace.js';
import { arrayBytes, grownArrayBytes, objectBytes, stringBytes, typedArrayBytes } from '../memory.js';

/**
 * The sorted set type: members (latin1 strings) ordered by score, then by member bytes (JS `<` on
 * latin1 strings is memcmp order). Two encodings, chosen exactly when Redis 7.0 chooses them, so
 * OBJECT ENCODING answers the same:
 *
 * - "listpack" (small sets): ONE flat latin1 string of `len(member) member score(8 bytes)` entries
 *   in sorted order, walked linearly as Redis walks its listpack (see "packed string" below).
 *   About 17 bytes + the member per element and one string header per set.
 * - "skiplist" (large sets): a Tree. Order lives in a two-level order-statistic list: `leaves`,
 *   each a pair of parallel arrays (members, scores) of at most LEAF_MAX elements, sorted across
 *   leaves. A leaf is found by binary search over the leaves' first scores (a flat Float64Array),
 *   a position inside it by binary search, and ranks come from a Fenwick tree over leaf sizes
 *   (rebuilt lazily after a leaf is split, merged or removed). Insert/delete cost
 *   O(log n + LEAF_MAX), rank and range lookups O(log n + m). A member costs one pointer and one
 *   unboxed double in the leaves, no per-element object. Member → score lookups go through a
 *   MemberIndex built like the keyspace (dense slots, scores in a Float64Array, an open-addressing
 *   Int32Array index); ZSCAN walks its slots from the top down (deletion moves the last slot into
 *   the hole), so an element present for the whole scan is always returned, as Redis's dict scan
 *   guarantees. Measured ~110 bytes per element with 13-byte members at 1M elements (Redis 7.0:
 *   ~110).
 *
 * Conversion is one way, listpack → skiplist (zsetConvert), when an insert makes the set exceed
 * zset-max-listpack-entries or adds a member longer than zset-max-listpack-value bytes; results
 * of ZUNIONSTORE & co. are built in the encoding Redis's zsetConvertToListpackIfNeeded picks.
 * Like Redis's listpack (which stores the score -0 as the integer 0), "listpack" keeps -0 as 0;
 * "skiplist" keeps the sign.
 */

const LEAF_MAX = 256;
const LEAF_MERGE = LEAF_MAX / 4;
/** A Leaf with its two empty arrays (memory accounting). */
const LEAF_BYTES = objectBytes(2) + 2 * arrayBytes(0);
/**
 * Per element in the leaves: a member pointer and a score, each 8 bytes, with the arrays' spare
 * capacity (leaves grow by push and split in half: ~1.4x, calibrated by bench/memory-accounting.ts).
 */
const LEAF_SLOT_BYTES = 24;

class Leaf {
  constructor(
    public members: string[],
    public scores: number[],
  ) {}
}

/** Compares (s1, m1) with (s2, m2) in sorted-set order. */
function cmp(s1: number, m1: string, s2: number, m2: string): number {
  if (s1 < s2) return -1;
  if (s1 > s2) return 1;
  return m1 < m2 ? -1 : m1 > m2 ? 1 : 0;
}

// ---------------------------------------------------------------- member index ("skiplist" dict)

const MIN_SLOTS = 8;

/** member → score, as dense slots (members, scores) plus the shared slot index. */
class MemberIndex {
  members: string[] = [];
  scores = new Float64Array(MIN_SLOTS);
  private index = new SlotIndex();
  /** Heap bytes of the member strings (shared with the leaves), kept as members come and go. */
  memberBytes = 0;

  get size(): number {
    return this.members.length;
  }

  find(member: string): number {
    const h = hashKey(member);
    const { table, mask, hashes } = this.index;
    const members = this.members;
    let i = h & mask;
    for (;;) {
      const s = table[i];
      if (s === 0) return -1;
      if (hashes[s - 1] === h && members[s - 1] === member) return s - 1;
      i = (i + 1) & mask;
    }
  }

  /** Adds a member known to be absent. */
  insert(member: string, score: number): void {
    const slot = this.members.length;
    this.index.add(slot, hashKey(member));
    if (slot === this.scores.length) {
      const scores = new Float64Array(this.index.hashes.length);
      scores.set(this.scores);
      this.scores = scores;
    }
    this.members.push(member);
    this.scores[slot] = score;
    this.memberBytes += stringBytes(member.length);
  }

  /** Removes slot `s`, moving the last slot into the hole (ZSCAN's guarantee). */
  deleteSlot(s: number): void {
    const last = this.members.length - 1;
    this.memberBytes -= stringBytes(this.members[s].length);
    this.index.remove(s, last);
    this.members[s] = this.members[last];
    this.scores[s] = this.scores[last];
    this.members.pop();
    const capacity = this.index.shrink(this.members.length);
    if (capacity > 0) {
      this.scores = this.scores.slice(0, capacity);
      this.members = this.members.slice();
    }
  }

  clone(): MemberIndex {
    const t = new MemberIndex();
    t.members = this.members.slice();
    t.scores = this.scores.slice();
    t.index = this.index.clone();
    t.memberBytes = this.memberBytes;
    return t;
  }

  /** Whether memberBytes equals a recount (tests). */
  memberBytesExact(): boolean {
    let bytes = 0;
    for (const m of this.members) bytes += stringBytes(m.length);
    return bytes === this.memberBytes;
  }

  /** Estimated bytes, O(1): this object, the member array, the scores, the index, the members. */
  memoryUsage(): number {
    const index = this.index;
    return objectBytes(4) + grownArrayBytes(this.members.length) + typedArrayBytes(this.scores.byteLength) + index.memoryBytes() + this.memberBytes;
  }
}

// ---------------------------------------------------------------- leaves + member index ("skiplist")

/** Receives one element during ordered iteration. */
export type ElementVisitor = (member: string, score: number) => void;

/**
 * Shared zero-length arrays: a set with a single leaf (every small set) needs no leaf index and no
 * Fenwick tree, so it allocates none (writes to a zero-length typed array are ignored).
 */
const NO_F64 = new Float64Array(0);
const NO_I32 = new Int32Array(0);

/** Where an element sits: leaf index and offset (module scratch, read right after a locate call). */
let foundLeaf = 0;
let foundOffset = 0;

/**
 * The large-set structure ("skiplist" encoding): ordered leaves plus the member index. Built
 * only through ZSetValue, which converts to it from the packed string.
 */
class Tree {
  private leaves: Leaf[] = [new Leaf([], [])];
  /**
   * Per leaf, kept in step with `leaves`: its first score and its size. Binary searches and the
   * Fenwick rebuild read these flat arrays instead of chasing a pointer per leaf.
   */
  private firsts = NO_F64;
  private sizes = NO_I32;
  /** Fenwick tree over leaf sizes (1-based); valid unless `fenwickDirty`. */
  private fenwick = NO_I32;
  private fenwickDirty = false;
  private count = 0;
  private dict = new MemberIndex();

  get size(): number {
    return this.count;
  }

  /** An independent copy (COPY); member strings are immutable and shared. */
  clone(): Tree {
    const z = new Tree();
    z.leaves = this.leaves.map((l) => new Leaf(l.members.slice(), l.scores.slice()));
    z.rebuildLeafIndex();
    z.count = this.count;
    z.dict = this.dict.clone();
    return z;
  }

  /**
   * Estimated bytes, O(1): this object, the leaf list and leaves (a pointer and a double per
   * element with the arrays' usual spare room), the per-leaf typed arrays, and the member index
   * with the member strings.
   */
  memoryUsage(): number {
    const leaves = this.leaves.length;
    let bytes = objectBytes(7) + arrayBytes(leaves) + leaves * LEAF_BYTES + this.count * LEAF_SLOT_BYTES;
    if (this.firsts.length > 0) bytes += typedArrayBytes(this.firsts.byteLength) + typedArrayBytes(this.sizes.byteLength);
    if (this.fenwick.length > 0) bytes += typedArrayBytes(this.fenwick.byteLength);
    return bytes + this.dict.memoryUsage();
  }

  /** Whether the member index's running count equals a recount (tests). */
  memberBytesExact(): boolean {
    return this.dict.memberBytesExact();
  }

  /**
   * Replaces the (empty) contents with sorted, duplicate-free arrays, filling leaves three
   * quarters full, and indexes the members.
   */
  loadSorted(members: string[], scores: number[]): void {
    const per = (LEAF_MAX * 3) >> 2;
    const leaves: Leaf[] = [];
    for (let i = 0; i < members.length; i += per) leaves.push(new Leaf(members.slice(i, i + per), scores.slice(i, i + per)));
    if (leaves.length === 0) leaves.push(new Leaf([], []));
    this.leaves = leaves;
    this.count = members.length;
    this.rebuildLeafIndex();
    const d = new MemberIndex();
    for (let i = 0; i < members.length; i++) d.insert(members[i], scores[i]);
    this.dict = d;
  }

  /** Score of `member`, or undefined. */
  score(member: string): number | undefined {
    const d = this.dict;
    const s = d.find(member);
    return s < 0 ? undefined : d.scores[s];
  }

  /** Adds a member known to be absent. */
  add(member: string, score: number): void {
    this.treeInsert(member, score);
    this.dict.insert(member, score);
  }

  /** Moves an existing member from `oldScore` to `newScore`. */
  update(member: string, oldScore: number, newScore: number): void {
    // Redis compares with !=, so 0 and -0 count as the same score.
    if (oldScore === newScore) return;
    this.treeRemove(oldScore, member);
    this.treeInsert(member, newScore);
    const d = this.dict;
    d.scores[d.find(member)] = newScore;
  }

  /** Removes `member`; returns true when it was present. */
  delete(member: string): boolean {
    const d = this.dict;
    const slot = d.find(member);
    if (slot < 0) return false;
    this.treeRemove(d.scores[slot], member);
    d.deleteSlot(slot);
    return true;
  }

  /** Removes and returns the lowest element. */
  popMin(): [string, number] | undefined {
    if (this.count === 0) return undefined;
    const leaf = this.leaves[0];
    const member = leaf.members[0];
    const score = leaf.scores[0];
    this.removeAt(0, 0);
    this.dict.deleteSlot(this.dict.find(member));
    return [member, score];
  }

  /** Removes and returns the highest element. */
  popMax(): [string, number] | undefined {
    if (this.count === 0) return undefined;
    const li = this.leaves.length - 1;
    const leaf = this.leaves[li];
    const off = leaf.members.length - 1;
    const member = leaf.members[off];
    const score = leaf.scores[off];
    this.removeAt(li, off);
    this.dict.deleteSlot(this.dict.find(member));
    return [member, score];
  }

  /** 0-based rank of `member` in ascending order, or -1. */
  rank(member: string): number {
    const sc = this.score(member);
    if (sc === undefined) return -1;
    this.locateKey(sc, member);
    return this.rankOfFound();
  }

  /** The element at ascending rank `r` (0 <= r < size), into out[0], out[1]. */
  at(r: number, out: [string, number]): void {
    this.locateRank(r);
    const leaf = this.leaves[foundLeaf];
    out[0] = leaf.members[foundOffset];
    out[1] = leaf.scores[foundOffset];
  }

  /**
   * Calls `visit` for ranks start..end (inclusive, 0 <= start <= end < size), ascending, or
   * descending from `end` down to `start` when `reverse`.
   */
  forEachInRange(start: number, end: number, reverse: boolean, visit: ElementVisitor): void {
    if (start > end) return;
    let n = end - start + 1;
    const leaves = this.leaves;
    if (!reverse) {
      this.locateRank(start);
      let li = foundLeaf;
      let off = foundOffset;
      while (n > 0) {
        const leaf = leaves[li];
        const ms = leaf.members;
        const ss = leaf.scores;
        const stop = Math.min(ms.length, off + n);
        for (let i = off; i < stop; i++) visit(ms[i], ss[i]);
        n -= stop - off;
        li++;
        off = 0;
      }
    } else {
      this.locateRank(end);
      let li = foundLeaf;
      let off = foundOffset;
      while (n > 0) {
        const leaf = leaves[li];
        const ms = leaf.members;
        const ss = leaf.scores;
        const stop = Math.max(-1, off - n);
        for (let i = off; i > stop; i--) visit(ms[i], ss[i]);
        n -= off - stop;
        li--;
        if (li >= 0) off = leaves[li].members.length - 1;
      }
    }
  }

  /** Visits, ascending, the elements with min <= score < max (one search, then a walk). */
  forEachInScoreRange(min: number, max: number, visit: ElementVisitor): void {
    const leaves = this.leaves;
    // The last leaf whose first score is below min: the range starts in it or right after it.
    let lo = 0;
    let hi = leaves.length - 1;
    let li = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const leaf = leaves[mid];
      if (leaf.members.length > 0 && leaf.scores[0] < min) {
        li = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    let off = 0;
    if (li < 0) li = 0;
    else {
      const ss = leaves[li].scores;
      let b = ss.length;
      while (off < b) {
        const mid = (off + b) >> 1;
        if (ss[mid] < min) off = mid + 1;
        else b = mid;
      }
    }
    for (; li < leaves.length; li++, off = 0) {
      const leaf = leaves[li];
      const ms = leaf.members;
      const ss = leaf.scores;
      for (let i = off; i < ms.length; i++) {
        const sc = ss[i];
        if (sc >= max) return;
        visit(ms[i], sc);
      }
    }
  }

  /** Every element in ascending order, as parallel arrays. */
  toArrays(): { members: string[]; scores: number[] } {
    const members: string[] = [];
    const scores: number[] = [];
    for (const leaf of this.leaves) {
      for (let i = 0; i < leaf.members.length; i++) {
        members.push(leaf.members[i]);
        scores.push(leaf.scores[i]);
      }
    }
    return { members, scores };
  }

  /**
   * Number of elements whose score is below `min` (or <= `min` when `exclusive`): the rank of the
   * first element of a score range starting at `min`.
   */
  scoreLowerBound(min: number, exclusive: boolean): number {
    return this.boundBy((s) => (exclusive ? s <= min : s < min));
  }

  /** Number of elements whose score is <= `max` (or < `max` when `exclusive`). */
  scoreUpperBound(max: number, exclusive: boolean): number {
    return this.boundBy((s) => (exclusive ? s < max : s <= max));
  }

  /** Number of elements whose member sorts before the lex bound (see LexBound). */
  lexLowerBound(b: LexBound): number {
    if (b.kind === 'min') return 0;
    if (b.kind === 'max') return this.count;
    const v = b.value;
    const excl = b.exclusive;
    return this.boundBy((_s, m) => (excl ? m <= v : m < v));
  }

  /** Number of elements whose member is within the lex max bound. */
  lexUpperBound(b: LexBound): number {
    if (b.kind === 'min') return 0;
    if (b.kind === 'max') return this.count;
    const v = b.value;
    const excl = b.exclusive;
    return this.boundBy((_s, m) => (excl ? m < v : m <= v));
  }

  /** Removes ranks start..end (inclusive); returns how many were removed. */
  deleteRange(start: number, end: number): number {
    if (start > end) return 0;
    let n = end - start + 1;
    const removed = n;
    this.locateRank(start);
    let li = foundLeaf;
    const off = foundOffset;
    const d = this.dict;
    // Cut the run out leaf by leaf; leaves emptied entirely are dropped at the end.
    let first = true;
    while (n > 0) {
      const leaf = this.leaves[li];
      const from = first ? off : 0;
      const take = Math.min(leaf.members.length - from, n);
      const gone = leaf.members.splice(from, take);
      leaf.scores.splice(from, take);
      for (const m of gone) d.deleteSlot(d.find(m));
      n -= take;
      li++;
      first = false;
    }
    this.count -= removed;
    this.compactLeaves();
    return removed;
  }

  /**
   * One ZSCAN step over the member index: up to `count` slots from the top down; cursor 0 starts
   * at the top, any other cursor is the number of slots still to visit. Returns the next cursor
   * (0 when done).
   */
  scan(cursor: number, count: number, visit: ElementVisitor): number {
    const d = this.dict;
    let p = cursor === 0 ? d.size : Math.min(cursor, d.size);
    let budget = Math.max(1, count);
    while (p > 0 && budget > 0) {
      p--;
      budget--;
      visit(d.members[p], d.scores[p]);
    }
    return p;
  }

  /** A uniformly random element, into out (size > 0). */
  random(out: [string, number]): void {
    const d = this.dict;
    const i = Math.floor(Math.random() * this.count);
    out[0] = d.members[i];
    out[1] = d.scores[i];
  }

  // ---------------------------------------------------------------- internals

  /** Smallest rank whose element fails `below` (elements satisfying it form a prefix). */
  private boundBy(below: (score: number, member: string) => boolean): number {
    const leaves = this.leaves;
    // Last leaf whose first element is below: the boundary is in it or right after it.
    let lo = 0;
    let hi = leaves.length - 1;
    let li = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const leaf = leaves[mid];
      if (leaf.members.length > 0 && below(leaf.scores[0], leaf.members[0])) {
        li = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (li < 0) return 0;
    const leaf = leaves[li];
    let a = 0;
    let b = leaf.members.length;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (below(leaf.scores[mid], leaf.members[mid])) a = mid + 1;
      else b = mid;
    }
    foundLeaf = li;
    foundOffset = a;
    return this.rankOfFound();
  }

  /** Leaf index for key (score, member): the last leaf whose first element is <= key (or 0). */
  private leafFor(score: number, member: string): number {
    const leaves = this.leaves;
    const firsts = this.firsts;
    let lo = 1;
    let hi = leaves.length - 1;
    let li = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const first = firsts[mid];
      if (first < score || (first === score && leaves[mid].members[0] <= member)) {
        li = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return li;
  }

  /** Position where (score, member) is or would be inserted: sets foundLeaf/foundOffset. */
  private locateKey(score: number, member: string): void {
    const li = this.leafFor(score, member);
    const leaf = this.leaves[li];
    const ms = leaf.members;
    const ss = leaf.scores;
    let a = 0;
    let b = ms.length;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (cmp(ss[mid], ms[mid], score, member) < 0) a = mid + 1;
      else b = mid;
    }
    foundLeaf = li;
    foundOffset = a;
  }

  private treeInsert(member: string, score: number): void {
    this.locateKey(score, member);
    const li = foundLeaf;
    const off = foundOffset;
    const leaf = this.leaves[li];
    const ms = leaf.members;
    const ss = leaf.scores;
    const len = ms.length;
    // Shifting by hand: splice allocates a result array and is slow on double arrays.
    ms.push(member);
    ss.push(score);
    if (off < len) {
      for (let i = len; i > off; i--) {
        ms[i] = ms[i - 1];
        ss[i] = ss[i - 1];
      }
      ms[off] = member;
      ss[off] = score;
    }
    this.count++;
    this.sizes[li]++;
    if (off === 0) this.firsts[li] = score;
    if (len + 1 > LEAF_MAX) this.split(li, off);
    else if (!this.fenwickDirty) this.fenwickAdd(li, 1);
  }

  /** Splits an overfull leaf; appends at either end of the set leave the old leaf full. */
  private split(li: number, insertedAt: number): void {
    const leaf = this.leaves[li];
    const len = leaf.members.length;
    let cut = len >> 1;
    if (li === this.leaves.length - 1 && insertedAt === len - 1) cut = len - 1;
    else if (li === 0 && insertedAt === 0) cut = 1;
    const right = new Leaf(leaf.members.splice(cut), leaf.scores.splice(cut));
    this.sizes[li] = cut;
    this.leafIn(li + 1, right);
  }

  /** Inserts a leaf at index `at` of the leaf list (and its first score and size). */
  private leafIn(at: number, leaf: Leaf): void {
    const n = this.leaves.length;
    // Leaving the single-leaf state: nothing was tracked yet, so index the leaves as they are.
    if (this.firsts.length === 0) this.indexLeaves(n + 1);
    if (n + 1 > this.firsts.length) {
      const firsts = new Float64Array(this.firsts.length * 2);
      firsts.set(this.firsts);
      this.firsts = firsts;
      const sizes = new Int32Array(this.sizes.length * 2);
      sizes.set(this.sizes);
      this.sizes = sizes;
    }
    this.firsts.copyWithin(at + 1, at, n);
    this.sizes.copyWithin(at + 1, at, n);
    this.leaves.splice(at, 0, leaf);
    this.firsts[at] = leaf.members.length > 0 ? leaf.scores[0] : 0;
    this.sizes[at] = leaf.members.length;
    this.fenwickDirty = true;
  }

  /** Removes the leaf at index `at`. */
  private leafOut(at: number): void {
    const n = this.leaves.length;
    this.firsts.copyWithin(at, at + 1, n);
    this.sizes.copyWithin(at, at + 1, n);
    this.leaves.splice(at, 1);
    this.fenwickDirty = true;
  }

  /** Recomputes firsts and sizes from the leaves (after bulk changes). */
  private rebuildLeafIndex(): void {
    this.fenwickDirty = true;
    if (this.leaves.length === 1) {
      this.firsts = NO_F64;
      this.sizes = NO_I32;
      this.fenwick = NO_I32;
      return;
    }
    this.indexLeaves(this.leaves.length);
  }

  /** Allocates firsts and sizes for at least `min` leaves and fills them from the leaves. */
  private indexLeaves(min: number): void {
    const n = this.leaves.length;
    let cap = 4;
    while (cap < min) cap *= 2;
    this.firsts = new Float64Array(cap);
    this.sizes = new Int32Array(cap);
    for (let i = 0; i < n; i++) {
      const leaf = this.leaves[i];
      this.firsts[i] = leaf.members.length > 0 ? leaf.scores[0] : 0;
      this.sizes[i] = leaf.members.length;
    }
    this.fenwickDirty = true;
  }

  private treeRemove(score: number, member: string): void {
    this.locateKey(score, member);
    this.removeAt(foundLeaf, foundOffset);
  }

  private removeAt(li: number, off: number): void {
    const leaf = this.leaves[li];
    const ms = leaf.members;
    const ss = leaf.scores;
    const last = ms.length - 1;
    for (let i = off; i < last; i++) {
      ms[i] = ms[i + 1];
      ss[i] = ss[i + 1];
    }
    ms.pop();
    ss.pop();
    this.count--;
    const len = ms.length;
    this.sizes[li] = len;
    if (off === 0 && len > 0) this.firsts[li] = ss[0];
    const leaves = this.leaves;
    if (len === 0 && leaves.length > 1) {
      this.leafOut(li);
    } else if (len < LEAF_MERGE && leaves.length > 1 && this.tryMerge(li)) {
      // tryMerge updated the leaf list.
    } else if (!this.fenwickDirty) this.fenwickAdd(li, -1);
  }

  /** Merges a small leaf into a neighbour when both fit comfortably in one. */
  private tryMerge(li: number): boolean {
    const leaves = this.leaves;
    const leaf = leaves[li];
    const limit = (LEAF_MAX * 3) >> 2;
    if (li + 1 < leaves.length && leaf.members.length + leaves[li + 1].members.length <= limit) {
      const next = leaves[li + 1];
      for (let i = 0; i < next.members.length; i++) {
        leaf.members.push(next.members[i]);
        leaf.scores.push(next.scores[i]);
      }
      this.sizes[li] = leaf.members.length;
      this.firsts[li] = leaf.scores[0];
      this.leafOut(li + 1);
      return true;
    }
    if (li > 0 && leaf.members.length + leaves[li - 1].members.length <= limit) {
      const prev = leaves[li - 1];
      for (let i = 0; i < leaf.members.length; i++) {
        prev.members.push(leaf.members[i]);
        prev.scores.push(leaf.scores[i]);
      }
      this.sizes[li - 1] = prev.members.length;
      this.leafOut(li);
      return true;
    }
    return false;
  }

  /** After a range deletion: drops empty leaves (keeping one) and merges small neighbours. */
  private compactLeaves(): void {
    const kept = this.leaves.filter((l) => l.members.length > 0);
    if (kept.length === 0) kept.push(new Leaf([], []));
    this.leaves = kept;
    this.rebuildLeafIndex();
    for (let i = 0; i < this.leaves.length; i++) {
      if (this.leaves[i].members.length < LEAF_MERGE && this.leaves.length > 1 && this.tryMerge(i)) i--;
    }
    this.fenwickDirty = true;
  }

  private rebuildFenwick(): void {
    const leaves = this.leaves;
    const n = leaves.length;
    const f = this.fenwick.length >= n + 1 && this.fenwick.length <= 4 * (n + 1) ? this.fenwick : new Int32Array(n + 1 + (n >> 1));
    f.fill(0);
    const sizes = this.sizes;
    for (let i = 1; i <= n; i++) {
      f[i] += sizes[i - 1];
      const j = i + (i & -i);
      if (j <= n) f[j] += f[i];
    }
    this.fenwick = f;
    this.fenwickDirty = false;
  }

  private fenwickAdd(li: number, delta: number): void {
    const f = this.fenwick;
    const n = this.leaves.length;
    for (let i = li + 1; i <= n; i += i & -i) f[i] += delta;
  }

  /** Rank of foundLeaf/foundOffset. */
  private rankOfFound(): number {
    let li = foundLeaf;
    if (li === 0) return foundOffset;
    if (this.fenwickDirty) this.rebuildFenwick();
    const f = this.fenwick;
    let sum = foundOffset;
    for (; li > 0; li -= li & -li) sum += f[li];
    return sum;
  }

  /** Sets foundLeaf/foundOffset to the element of rank r (0 <= r < size). */
  private locateRank(r: number): void {
    const leaves = this.leaves;
    if (leaves.length === 1 || r < leaves[0].members.length) {
      foundLeaf = 0;
      foundOffset = r;
      return;
    }
    if (this.fenwickDirty) this.rebuildFenwick();
    const f = this.fenwick;
    const n = leaves.length;
    let pos = 0;
    let rest = r;
    let step = 1;
    while (step * 2 <= n) step *= 2;
    for (; step > 0; step >>= 1) {
      const next = pos + step;
      if (next <= n && f[next] <= rest) {
        pos = next;
        rest -= f[next];
      }
    }
    foundLeaf = pos;
    foundOffset = rest;
  }
}

/** A lex range bound: "-" (min), "+" (max), "[x" inclusive or "(x" exclusive. */
export type LexBound = { kind: 'min' } | { kind: 'max' } | { kind: 'value'; value: string; exclusive: boolean };


// ---------------------------------------------------------------- packed string ("listpack")

/*
 * A small sorted set is ONE flat latin1 string of entries in sorted order, each
 * `len(member) member score`: the length a base-128 varint (one byte below 128), the score its 8
 * IEEE-754 bytes (little endian). Lookups and inserts walk it linearly, as Redis walks its
 * listpack; every change rebuilds the string through a scratch buffer, so it stays a fresh flat
 * string (never a rope or a slice pinning an older version).
 */

const SCRATCH_SIZE = 64 * 1024;
let scratch = Buffer.allocUnsafeSlow(SCRATCH_SIZE);
const F64 = new Float64Array(1);
const U8 = new Uint8Array(F64.buffer);

function ensureScratch(n: number): void {
  if (n <= scratch.length) return;
  let size = scratch.length;
  while (size < n) size *= 2;
  scratch = Buffer.allocUnsafeSlow(size);
}

/** A fresh flat string of scratch[start, end); shrinks a scratch grown for a big set. */
function scratchString(start: number, end: number): string {
  const out = scratch.latin1Slice(start, end);
  if (scratch.length > 16 * SCRATCH_SIZE) scratch = Buffer.allocUnsafeSlow(SCRATCH_SIZE);
  return out;
}

function lenSize(len: number): number {
  let n = 1;
  while (len >= 128) {
    len = Math.floor(len / 128);
    n++;
  }
  return n;
}

function writeLen(p: number, len: number): number {
  while (len >= 128) {
    scratch[p++] = 128 | len % 128;
    len = Math.floor(len / 128);
  }
  scratch[p++] = len;
  return p;
}

/** Start of the member bytes of the entry read by the last readLen call. */
let memberAt = 0;

/** Member length of the entry starting at `p`; sets memberAt. */
function readLen(lp: string, p: number): number {
  let c = lp.charCodeAt(p++);
  if (c < 128) {
    memberAt = p;
    return c;
  }
  let len = c & 127;
  let mul = 128;
  for (;;) {
    c = lp.charCodeAt(p++);
    if (c < 128) {
      memberAt = p;
      return len + c * mul;
    }
    len += (c & 127) * mul;
    mul *= 128;
  }
}

function readScore(lp: string, p: number): number {
  for (let i = 0; i < 8; i++) U8[i] = lp.charCodeAt(p + i);
  return F64[0];
}

function entrySize(member: string): number {
  return lenSize(member.length) + member.length + 8;
}

/** Writes one entry into the scratch buffer at `p`; returns the position after it. */
function writeEntry(p: number, member: string, score: number): number {
  p = writeLen(p, member.length);
  p += scratch.latin1Write(member, p);
  scratch.writeDoubleLE(score === 0 ? 0 : score, p);
  return p + 8;
}

/** Compares lp[at, at+len) with `member` as bytes. */
function compareMemberAt(lp: string, at: number, len: number, member: string): number {
  const n = len < member.length ? len : member.length;
  for (let i = 0; i < n; i++) {
    const d = lp.charCodeAt(at + i) - member.charCodeAt(i);
    if (d !== 0) return d;
  }
  return len - member.length;
}

/** Entry start of `member` in `lp` (its index in `foundIndex`), or -1. */
let foundIndex = 0;
function packedFind(lp: string, member: string): number {
  const mlen = member.length;
  let p = 0;
  let i = 0;
  while (p < lp.length) {
    const len = readLen(lp, p);
    const at = memberAt;
    if (len === mlen && lp.startsWith(member, at)) {
      foundIndex = i;
      return p;
    }
    p = at + len + 8;
    i++;
  }
  return -1;
}

/** Entry start where (score, member) sorts (the first entry not below it); index in foundIndex. */
function packedInsertPos(lp: string, score: number, member: string): number {
  let p = 0;
  let i = 0;
  while (p < lp.length) {
    const len = readLen(lp, p);
    const at = memberAt;
    const s = readScore(lp, at + len);
    if (s > score || (s === score && compareMemberAt(lp, at, len, member) >= 0)) break;
    p = at + len + 8;
    i++;
  }
  foundIndex = i;
  return p;
}

/** End of the entry starting at `p`. */
function entryEnd(lp: string, p: number): number {
  const len = readLen(lp, p);
  return memberAt + len + 8;
}

/** lp without the bytes [from, to). */
function cut(lp: string, from: number, to: number): string {
  if (from === 0 && to === lp.length) return '';
  ensureScratch(lp.length);
  scratch.latin1Write(lp, 0);
  scratch.copyWithin(from, to, lp.length);
  return scratchString(0, lp.length - (to - from));
}

// ---------------------------------------------------------------- the sorted set value

/** Visits packed entries [start, end] (indexes), ascending. */
function packedForEach(lp: string, start: number, end: number, visit: ElementVisitor): void {
  let p = 0;
  let i = 0;
  while (p < lp.length && i <= end) {
    const len = readLen(lp, p);
    const at = memberAt;
    p = at + len + 8;
    if (i >= start) visit(lp.slice(at, at + len), readScore(lp, at + len));
    i++;
  }
}

/** A ZSetValue object: body and n. */
const ZSET_OBJECT = objectBytes(2);

export class ZSetValue implements CollectionValue {
  /** The packed string while "listpack" encoded, else the tree ("skiplist"). */
  private body: string | Tree;
  /** Number of entries while packed (the tree counts its own). */
  private n: number;

  constructor(body: string | Tree = '', n = 0) {
    this.body = body;
    this.n = n;
  }

  // On the prototype, so it costs no per-set memory.
  get type(): 'zset' {
    return 'zset';
  }

  /** OBJECT ENCODING: "listpack" or "skiplist". */
  encoding(): string {
    return typeof this.body === 'string' ? 'listpack' : 'skiplist';
  }

  get size(): number {
    const b = this.body;
    return typeof b === 'string' ? this.n : b.size;
  }

  /** An independent copy (COPY). A packed string is immutable, so it is shared. */
  clone(): ZSetValue {
    const b = this.body;
    return new ZSetValue(typeof b === 'string' ? b : b.clone(), this.n);
  }

  /**
   * Estimated bytes (memory accounting, MEMORY USAGE), O(1): this object plus the packed string,
   * or plus the tree and its member index.
   */
  memoryUsage(): number {
    const b = this.body;
    return ZSET_OBJECT + (typeof b === 'string' ? stringBytes(b.length) : b.memoryUsage());
  }

  memoryCountsExact(): boolean {
    const b = this.body;
    return typeof b === 'string' || b.memberBytesExact();
  }

  /** Switches to the "skiplist" encoding (zsetConvert). */
  convert(): void {
    const b = this.body;
    if (typeof b !== 'string') return;
    const members: string[] = [];
    const scores: number[] = [];
    packedForEach(b, 0, this.n - 1, (m, s) => {
      members.push(m);
      scores.push(s);
    });
    const t = new Tree();
    t.loadSorted(members, scores);
    this.body = t;
    this.n = 0;
  }

  /** Score of `member`, or undefined. */
  score(member: string): number | undefined {
    const b = this.body;
    if (typeof b !== 'string') return b.score(member);
    const p = packedFind(b, member);
    return p < 0 ? undefined : readScore(b, memberAt + member.length);
  }

  has(member: string): boolean {
    return this.score(member) !== undefined;
  }

  /**
   * Adds a member known to be absent. Converts to "skiplist" first when the set would exceed
   * `maxEntries` or the member is longer than `maxValue` bytes (zsetAdd's check). A packed set
   * stores -0 as 0, as Redis's listpack does.
   */
  add(member: string, score: number, maxEntries = Infinity, maxValue = Infinity): void {
    let b = this.body;
    if (typeof b === 'string' && (this.n + 1 > maxEntries || member.length > maxValue || b.length > PACKED_MAX_BYTES)) {
      this.convert();
      b = this.body;
    }
    if (typeof b !== 'string') return b.add(member, score);
    const p = packedInsertPos(b, score, member);
    const size = entrySize(member);
    ensureScratch(b.length + size);
    scratch.latin1Write(b, 0);
    if (p < b.length) scratch.copyWithin(p + size, p, b.length);
    writeEntry(p, member, score);
    this.body = scratchString(0, b.length + size);
    this.n++;
  }

  /** Moves an existing member from `oldScore` to `newScore`. */
  update(member: string, oldScore: number, newScore: number): void {
    // Redis compares with !=, so 0 and -0 count as the same score.
    if (oldScore === newScore) return;
    const b = this.body;
    if (typeof b !== 'string') return b.update(member, oldScore, newScore);
    this.delete(member);
    this.add(member, newScore);
  }

  /** Removes `member`; returns true when it was present. */
  delete(member: string): boolean {
    const b = this.body;
    if (typeof b !== 'string') return b.delete(member);
    const p = packedFind(b, member);
    if (p < 0) return false;
    this.body = cut(b, p, memberAt + member.length + 8);
    this.n--;
    return true;
  }

  /** Removes and returns the lowest element. */
  popMin(): [string, number] | undefined {
    const b = this.body;
    if (typeof b !== 'string') return b.popMin();
    if (this.n === 0) return undefined;
    const len = readLen(b, 0);
    const at = memberAt;
    const e: [string, number] = [b.slice(at, at + len), readScore(b, at + len)];
    this.body = cut(b, 0, at + len + 8);
    this.n--;
    return e;
  }

  /** Removes and returns the highest element. */
  popMax(): [string, number] | undefined {
    const b = this.body;
    if (typeof b !== 'string') return b.popMax();
    if (this.n === 0) return undefined;
    let p = 0;
    let last = 0;
    while (p < b.length) {
      last = p;
      p = entryEnd(b, p);
    }
    const len = readLen(b, last);
    const at = memberAt;
    const e: [string, number] = [b.slice(at, at + len), readScore(b, at + len)];
    this.body = cut(b, last, b.length);
    this.n--;
    return e;
  }

  /** 0-based rank of `member` in ascending order, or -1. */
  rank(member: string): number {
    const b = this.body;
    if (typeof b !== 'string') return b.rank(member);
    return packedFind(b, member) < 0 ? -1 : foundIndex;
  }

  /** The element at ascending rank `r` (0 <= r < size), into out[0], out[1]. */
  at(r: number, out: [string, number]): void {
    const b = this.body;
    if (typeof b !== 'string') return b.at(r, out);
    packedForEach(b, r, r, (m, s) => {
      out[0] = m;
      out[1] = s;
    });
  }

  /**
   * Calls `visit` for ranks start..end (inclusive, 0 <= start <= end < size), ascending, or
   * descending from `end` down to `start` when `reverse`.
   */
  forEachInRange(start: number, end: number, reverse: boolean, visit: ElementVisitor): void {
    const b = this.body;
    if (typeof b !== 'string') return b.forEachInRange(start, end, reverse, visit);
    if (start > end) return;
    if (!reverse) return packedForEach(b, start, end, visit);
    const members: string[] = [];
    const scores: number[] = [];
    packedForEach(b, start, end, (m, s) => {
      members.push(m);
      scores.push(s);
    });
    for (let i = members.length - 1; i >= 0; i--) visit(members[i], scores[i]);
  }

  /**
   * Visits, ascending, the elements with min <= score < max (a geo cell's score range): the same
   * elements as ranks scoreLowerBound(min, false) .. scoreUpperBound(max, true) - 1, without the
   * rank arithmetic.
   */
  forEachInScoreRange(min: number, max: number, visit: ElementVisitor): void {
    const b = this.body;
    if (typeof b !== 'string') return b.forEachInScoreRange(min, max, visit);
    let p = 0;
    while (p < b.length) {
      const len = readLen(b, p);
      const at = memberAt;
      p = at + len + 8;
      const sc = readScore(b, at + len);
      if (sc < min) continue;
      if (sc >= max) return;
      visit(b.slice(at, at + len), sc);
    }
  }

  /** Every element in ascending order, as parallel arrays. */
  toArrays(): { members: string[]; scores: number[] } {
    const b = this.body;
    if (typeof b !== 'string') return b.toArrays();
    const members: string[] = [];
    const scores: number[] = [];
    packedForEach(b, 0, this.n - 1, (m, s) => {
      members.push(m);
      scores.push(s);
    });
    return { members, scores };
  }

  /** Number of leading elements whose score is below `min` (<= `min` when `exclusive`). */
  scoreLowerBound(min: number, exclusive: boolean): number {
    const b = this.body;
    if (typeof b !== 'string') return b.scoreLowerBound(min, exclusive);
    return packedCountWhile(b, (s) => (exclusive ? s <= min : s < min));
  }

  /** Number of leading elements whose score is <= `max` (< `max` when `exclusive`). */
  scoreUpperBound(max: number, exclusive: boolean): number {
    const b = this.body;
    if (typeof b !== 'string') return b.scoreUpperBound(max, exclusive);
    return packedCountWhile(b, (s) => (exclusive ? s < max : s <= max));
  }

  /** Number of leading elements whose member sorts before the lex min bound. */
  lexLowerBound(bound: LexBound): number {
    const b = this.body;
    if (typeof b !== 'string') return b.lexLowerBound(bound);
    if (bound.kind === 'min') return 0;
    if (bound.kind === 'max') return this.n;
    const v = bound.value;
    const excl = bound.exclusive;
    return packedCountWhile(b, (_s, lp, at, len) => {
      const c = compareMemberAt(lp, at, len, v);
      return excl ? c <= 0 : c < 0;
    });
  }

  /** Number of leading elements whose member is within the lex max bound. */
  lexUpperBound(bound: LexBound): number {
    const b = this.body;
    if (typeof b !== 'string') return b.lexUpperBound(bound);
    if (bound.kind === 'min') return 0;
    if (bound.kind === 'max') return this.n;
    const v = bound.value;
    const excl = bound.exclusive;
    return packedCountWhile(b, (_s, lp, at, len) => {
      const c = compareMemberAt(lp, at, len, v);
      return excl ? c < 0 : c <= 0;
    });
  }

  /** Removes ranks start..end (inclusive); returns how many were removed. */
  deleteRange(start: number, end: number): number {
    const b = this.body;
    if (typeof b !== 'string') return b.deleteRange(start, end);
    if (start > end) return 0;
    let p = 0;
    let i = 0;
    let from = 0;
    while (p < b.length && i <= end) {
      if (i === start) from = p;
      p = entryEnd(b, p);
      i++;
    }
    this.body = cut(b, from, p);
    const removed = end - start + 1;
    this.n -= removed;
    return removed;
  }

  /**
   * One ZSCAN step: a packed set is returned whole with cursor 0, as Redis does; a tree walks
   * its member index slots from the top down (see Tree.scan). Returns the next cursor.
   */
  scan(cursor: number, count: number, visit: ElementVisitor): number {
    const b = this.body;
    if (typeof b !== 'string') return b.scan(cursor, count, visit);
    packedForEach(b, 0, this.n - 1, visit);
    return 0;
  }

  /** A uniformly random element, into out (size > 0). */
  random(out: [string, number]): void {
    const b = this.body;
    if (typeof b !== 'string') return b.random(out);
    this.at(Math.floor(Math.random() * this.n), out);
  }

  /** Replaces the contents with sorted, duplicate-free arrays, packed or as a tree. */
  load(members: string[], scores: number[], packed: boolean): void {
    if (!packed) {
      const t = new Tree();
      t.loadSorted(members, scores);
      this.body = t;
      this.n = 0;
      return;
    }
    let size = 0;
    for (let i = 0; i < members.length; i++) size += entrySize(members[i]);
    ensureScratch(size);
    let p = 0;
    for (let i = 0; i < members.length; i++) p = writeEntry(p, members[i], scores[i]);
    this.body = scratchString(0, p);
    this.n = members.length;
  }
}

/** Largest packed string before converting (a JS string cannot exceed 2^29 characters). */
const PACKED_MAX_BYTES = 1 << 28;

/** Counts leading packed entries satisfying `below` (they form a prefix in sorted order). */
function packedCountWhile(lp: string, below: (score: number, lp: string, at: number, len: number) => boolean): number {
  let p = 0;
  let i = 0;
  while (p < lp.length) {
    const len = readLen(lp, p);
    const at = memberAt;
    if (!below(readScore(lp, at + len), lp, at, len)) break;
    p = at + len + 8;
    i++;
  }
  return i;
}

// ---------------------------------------------------------------- type API

/** A new empty sorted set ("listpack" encoded). */
export function createZSet(): ZSetValue {
  return new ZSetValue();
}

/**
 * A sorted set holding `members` with `scores` (already in sorted-set order, no duplicates), in the
 * encoding Redis would give a freshly built result: "listpack" when `listpack` is true.
 */
export function zsetFromSorted(members: string[], scores: number[], listpack: boolean): ZSetValue {
  const z = new ZSetValue();
  z.load(members, scores, listpack);
  return z;
}
