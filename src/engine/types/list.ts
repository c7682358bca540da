import type { CollectionValue } from '../values.js';
import { bufferBytes, objectBytes } from '../memory.js';

/**
 * The list type: a deque (doubly linked) of nodes, each node ONE Buffer packing many elements, in
 * the spirit of Redis's quicklist of listpacks (OBJECT ENCODING is "quicklist" for every list in
 * Redis 7.0). A JS array of strings would cost ~30-40 bytes per element; this costs the element's
 * bytes plus 2 (see "entry encoding" below), about what Redis pays.
 *
 * A node's buffer has free room on both sides: live bytes are `buf[start, end)`, so a pop only
 * moves an offset and a push only writes bytes (no allocation beyond the popped string). Nodes
 * start small (a tiny list does not pay for 8 KB) and double up to NODE_MAX_BYTES (8 KB, Redis's
 * list-max-listpack-size -2); once a node is full, pushes open a new full-size node. An element
 * larger than a node gets a node of its own, sized exactly. No node is ever empty. A new node's
 * buffer comes from Node's shared 8 KB pool when small; a grown one gets an ArrayBuffer of its own
 * (88 bytes more), because a dead slice in the pool stays pinned by its live neighbours: lists
 * grown one push at a time left ~220 dead bytes each that way (bench/memory-accounting.ts).
 *
 * Costs: push/pop at either end O(1) amortized; index/LINDEX walks nodes from the nearer end,
 * then entries from the nearer end of the node (O(1) at the ends); LRANGE O(S+N); LSET, LINSERT
 * and LREM rewrite only the nodes they touch (LREM compacts in place and merges thinned nodes).
 *
 * Memory, measured on this machine (Node 20; Cinder: heap + external growth after gc() for the
 * list alone; Redis 7.0.15: used_memory growth for RPUSH of the same elements, 1,000 per command):
 *   1M x "xxx"                         Cinder  5.2 B/element   Redis  5.0   (1.03x)
 *   1M x "0".."999999" (integers)       Cinder  5.1 B/element   Redis  5.0   (1.03x)
 *   1M x 10-byte strings                Cinder 12.5 B/element   Redis 12.1   (1.03x)
 *   1M x 16-byte ("memory-list" bench)  INFO used_memory 18.9 vs 18.2 B/element; by RSS 30.2 vs
 *     18.6, the difference being V8 heap growth from the load's garbage argv, not the list.
 *   100k lists of 10 x 16 bytes         ~440 B per list (heap 255 + buffers 186), Redis ~378
 *     per list including its key.
 */

/** Largest node in bytes (list-max-listpack-size -2). */
export const NODE_MAX_BYTES = 8192;
/** First buffer size of a list's first node. */
const NODE_MIN_BYTES = 32;
/** Below this much free room, a full-size node is not recentred: a new node is opened instead. */
const RECENTRE_MIN_FREE = NODE_MAX_BYTES / 8;
/** A ListNode object (prev, next, buf, start, end, count); its Buffer is counted by bufferBytes. */
const NODE_OBJECT = objectBytes(6);
/** The ListValue object itself. */
const LIST_OBJECT = objectBytes(7);

/** Whether a buffer is a slice of Node's shared pool (no ArrayBuffer of its own). */
function isPooled(buf: Buffer): boolean {
  return buf.buffer.byteLength !== buf.length;
}

/** Estimated bytes of a buffer: a pool slice or a buffer with its own ArrayBuffer. */
function nodeBufferBytes(buf: Buffer): number {
  return bufferBytes(buf.length, isPooled(buf));
}

/** Estimated bytes of a node: its object and its buffer (memory accounting). */
function nodeBytes(node: ListNode): number {
  return NODE_OBJECT + nodeBufferBytes(node.buf);
}

// ---------------------------------------------------------------- entry encoding

/*
 * An entry is `tag payload tag'`, readable from either end (like listpack's backlen):
 * - tag < 0xC0: a string of `tag` bytes (0..191); payload = the bytes; trailer = the same tag.
 * - tag 0xC1..0xC6: a canonical integer string ("-12", "300", no leading zeros, at most 14
 *   digits) stored as a little-endian two's complement integer of tag-0xC0 bytes; trailer = tag.
 *   Redis's listpack stores integer strings this way too, which is why a list of numbers costs
 *   it ~5 bytes per element; without it we would need 8 for "123456".
 * - tag 0xD0: a longer string: tag, 4-byte length, bytes, 4-byte length, tag.
 */
const SHORT_LIMIT = 0xc0;
const INT_TAG = 0xc0;
const LONG_TAG = 0xd0;
/** Integers up to 14 digits fit in 6 bytes and stay exact in a double (even shifted by 2^48). */
const MAX_INT_DIGITS = 14;
const POW2 = [1, 2 ** 8, 2 ** 16, 2 ** 24, 2 ** 32, 2 ** 40, 2 ** 48];

/** The integer a canonical integer string denotes, NaN for anything else (string2ll round trip). */
function canonicalInt(s: string): number {
  const n = s.length;
  if (n === 0 || n > MAX_INT_DIGITS + 1) return NaN;
  let i = 0;
  let negative = false;
  if (s.charCodeAt(0) === 45) {
    if (n === 1) return NaN;
    negative = true;
    i = 1;
  }
  const first = s.charCodeAt(i);
  if (first < 48 || first > 57) return NaN;
  // No leading zeros, and no "-0": those would not print back the same.
  if (first === 48 && (n > i + 1 || negative)) return NaN;
  if (n - i > MAX_INT_DIGITS) return NaN;
  let v = 0;
  for (; i < n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return negative ? -v : v;
}

/** Bytes (1..6) of the two's complement form of `v`. */
function intBytes(v: number): number {
  let k = 1;
  while (v < -POW2[k] / 2 || v >= POW2[k] / 2) k++;
  return k;
}

/** Set by encodedSize: the integer the element will be stored as, NaN for a string. */
let encodedInt = NaN;

/** Bytes the element takes in a node (sets encodedInt for the write that follows). */
export function encodedSize(s: string): number {
  const len = s.length;
  const c = len > 0 ? s.charCodeAt(0) : 0;
  if ((c >= 48 && c <= 57) || c === 45) {
    encodedInt = canonicalInt(s);
    if (encodedInt === encodedInt) return 2 + intBytes(encodedInt);
  } else {
    encodedInt = NaN;
  }
  return len < SHORT_LIMIT ? len + 2 : len + 10;
}

/**
 * Writes `s` at `p` with the encoding the last encodedSize(s) call chose (`int` is its
 * encodedInt); returns the position after the entry.
 */
function writeEncoded(buf: Buffer, p: number, s: string, int: number): number {
  if (int === int) {
    const k = intBytes(int);
    let u = int < 0 ? int + POW2[k] : int;
    buf[p] = INT_TAG + k;
    for (let i = 1; i <= k; i++) {
      const low = u % 256;
      buf[p + i] = low;
      u = (u - low) / 256;
    }
    buf[p + k + 1] = INT_TAG + k;
    return p + k + 2;
  }
  const len = s.length;
  if (len < SHORT_LIMIT) {
    buf[p++] = len;
    if (len <= 16) {
      for (let i = 0; i < len; i++) buf[p + i] = s.charCodeAt(i);
    } else {
      buf.latin1Write(s, p);
    }
    p += len;
    buf[p++] = len;
    return p;
  }
  buf[p] = LONG_TAG;
  buf.writeUInt32LE(len, p + 1);
  buf.latin1Write(s, p + 5);
  buf.writeUInt32LE(len, p + 5 + len);
  buf[p + 9 + len] = LONG_TAG;
  return p + 10 + len;
}

/** Set by the readers below: the position after (forward) or before (backward) the entry read. */
let nextPos = 0;

/** The integer stored in the `k` bytes at `at`. */
function readInt(buf: Buffer, at: number, k: number): number {
  let u = 0;
  for (let i = k - 1; i >= 0; i--) u = u * 256 + buf[at + i];
  return buf[at + k - 1] >= 128 ? u - POW2[k] : u;
}

const fromCode = String.fromCharCode;

/**
 * The `len` bytes at `at` as a latin1 string. Up to 8 bytes, String.fromCharCode with the bytes
 * as arguments is 2-3x faster than a latin1Slice call into C++ (measured on Node 20), and short
 * elements are the common case.
 */
function latin1At(buf: Buffer, at: number, len: number): string {
  switch (len) {
    case 0:
      return '';
    case 1:
      return fromCode(buf[at]);
    case 2:
      return fromCode(buf[at], buf[at + 1]);
    case 3:
      return fromCode(buf[at], buf[at + 1], buf[at + 2]);
    case 4:
      return fromCode(buf[at], buf[at + 1], buf[at + 2], buf[at + 3]);
    case 5:
      return fromCode(buf[at], buf[at + 1], buf[at + 2], buf[at + 3], buf[at + 4]);
    case 6:
      return fromCode(buf[at], buf[at + 1], buf[at + 2], buf[at + 3], buf[at + 4], buf[at + 5]);
    case 7:
      return fromCode(buf[at], buf[at + 1], buf[at + 2], buf[at + 3], buf[at + 4], buf[at + 5], buf[at + 6]);
    case 8:
      return fromCode(buf[at], buf[at + 1], buf[at + 2], buf[at + 3], buf[at + 4], buf[at + 5], buf[at + 6], buf[at + 7]);
    default:
      return buf.latin1Slice(at, at + len);
  }
}

/** The element of the entry starting at `p`; nextPos = its end. */
function decodeAt(buf: Buffer, p: number): string {
  const tag = buf[p];
  if (tag < SHORT_LIMIT) {
    nextPos = p + tag + 2;
    return latin1At(buf, p + 1, tag);
  }
  if (tag !== LONG_TAG) {
    const k = tag - INT_TAG;
    nextPos = p + k + 2;
    return String(readInt(buf, p + 1, k));
  }
  const len = buf.readUInt32LE(p + 1);
  nextPos = p + len + 10;
  return latin1At(buf, p + 5, len);
}

/** The element of the entry ending just before `end`; nextPos = its start. */
function decodeBefore(buf: Buffer, end: number): string {
  const tag = buf[end - 1];
  if (tag < SHORT_LIMIT) {
    nextPos = end - tag - 2;
    return latin1At(buf, nextPos + 1, tag);
  }
  if (tag !== LONG_TAG) {
    const k = tag - INT_TAG;
    nextPos = end - k - 2;
    return String(readInt(buf, nextPos + 1, k));
  }
  const len = buf.readUInt32LE(end - 5);
  nextPos = end - len - 10;
  return latin1At(buf, nextPos + 5, len);
}

/** Position just after the entry starting at `p`. */
function skipAt(buf: Buffer, p: number): number {
  const tag = buf[p];
  if (tag < SHORT_LIMIT) return p + tag + 2;
  if (tag !== LONG_TAG) return p + tag - INT_TAG + 2;
  return p + buf.readUInt32LE(p + 1) + 10;
}

/** Start of the entry ending just before `end`. */
function skipBefore(buf: Buffer, end: number): number {
  const tag = buf[end - 1];
  if (tag < SHORT_LIMIT) return end - tag - 2;
  if (tag !== LONG_TAG) return end - (tag - INT_TAG) - 2;
  return end - buf.readUInt32LE(end - 5) - 10;
}

/**
 * Whether the entry starting at `p` holds `needle` (`needleInt` = canonicalInt(needle)); nextPos
 * = its end. No string is built.
 */
function equalsAt(buf: Buffer, p: number, needle: string, needleInt: number): boolean {
  const tag = buf[p];
  if (tag < SHORT_LIMIT) {
    nextPos = p + tag + 2;
    return bytesEqual(buf, p + 1, tag, needle);
  }
  if (tag !== LONG_TAG) {
    const k = tag - INT_TAG;
    nextPos = p + k + 2;
    return needleInt === readInt(buf, p + 1, k);
  }
  const len = buf.readUInt32LE(p + 1);
  nextPos = p + len + 10;
  return bytesEqual(buf, p + 5, len, needle);
}

/** equalsAt for the entry ending just before `end`; nextPos = its start. */
function equalsBefore(buf: Buffer, end: number, needle: string, needleInt: number): boolean {
  nextPos = skipBefore(buf, end);
  const start = nextPos;
  const equal = equalsAt(buf, start, needle, needleInt);
  nextPos = start;
  return equal;
}

/** Whether the `len` bytes at `at` equal `s`. */
function bytesEqual(buf: Buffer, at: number, len: number, s: string): boolean {
  if (len !== s.length) return false;
  for (let i = 0; i < len; i++) if (buf[at + i] !== s.charCodeAt(i)) return false;
  return true;
}

// ---------------------------------------------------------------- nodes

class ListNode {
  prev: ListNode | null = null;
  next: ListNode | null = null;
  constructor(
    public buf: Buffer,
    public start: number,
    public end: number,
    public count: number,
  ) {}
}

/** A node holding entries[from, to) exactly (no spare room). */
function packNode(entries: readonly string[], from: number, to: number): ListNode {
  let size = 0;
  for (let i = from; i < to; i++) size += encodedSize(entries[i]);
  const buf = Buffer.allocUnsafe(Math.max(size, 1));
  let p = 0;
  for (let i = from; i < to; i++) {
    encodedSize(entries[i]);
    p = writeEncoded(buf, p, entries[i], encodedInt);
  }
  return new ListNode(buf, 0, p, to - from);
}

/** The elements of a node, in order. */
function nodeEntries(node: ListNode): string[] {
  const out: string[] = new Array(node.count);
  const buf = node.buf;
  let p = node.start;
  for (let i = 0; i < node.count; i++) {
    out[i] = decodeAt(buf, p);
    p = nextPos;
  }
  return out;
}

/** Set by locate: the node and the entry start of the element found. */
let foundNode: ListNode | null = null;
let foundPos = 0;

// ---------------------------------------------------------------- the list

export class ListValue implements CollectionValue {
  readonly type = 'list' as const;
  private head: ListNode | null = null;
  private tail: ListNode | null = null;
  private size = 0;
  private nodes = 0;
  /** Capacity for the next first node, set by reserve() on an empty list. */
  private firstNodeBytes = 0;
  /** Estimated bytes of the linked nodes and their buffers (kept as nodes and buffers change). */
  private nodesBytes = 0;

  /** Number of elements (LLEN). */
  get length(): number {
    return this.size;
  }

  encoding(): string {
    return 'quicklist';
  }

  /** An independent copy (COPY): every node's live bytes copied into an exact-size buffer. */
  clone(): ListValue {
    const copy = new ListValue();
    for (let n = this.head; n !== null; n = n.next) {
      const buf = Buffer.allocUnsafe(Math.max(n.end - n.start, 1));
      n.buf.copy(buf, 0, n.start, n.end);
      copy.linkAfter(copy.tail, new ListNode(buf, 0, n.end - n.start, n.count));
    }
    copy.size = this.size;
    return copy;
  }

  /**
   * Estimated bytes (memory accounting, MEMORY USAGE), O(1): this object plus every node object
   * and buffer (capacity, spare room included), kept as a running count.
   */
  memoryUsage(): number {
    return LIST_OBJECT + this.nodesBytes;
  }

  memoryCountsExact(): boolean {
    let bytes = 0;
    for (let n = this.head; n !== null; n = n.next) bytes += nodeBytes(n);
    return bytes === this.nodesBytes;
  }

  /** Node `node`'s buffer becomes `buf`. */
  private swapBuffer(node: ListNode, buf: Buffer): void {
    this.nodesBytes += nodeBufferBytes(buf) - nodeBufferBytes(node.buf);
    node.buf = buf;
  }

  // -------------------------------------------------------------- node plumbing

  private linkAfter(prev: ListNode | null, node: ListNode): void {
    node.prev = prev;
    node.next = prev === null ? this.head : prev.next;
    if (node.next === null) this.tail = node;
    else node.next.prev = node;
    if (prev === null) this.head = node;
    else prev.next = node;
    this.nodes++;
    this.nodesBytes += nodeBytes(node);
  }

  private unlink(node: ListNode): void {
    if (node.prev === null) this.head = node.next;
    else node.prev.next = node.next;
    if (node.next === null) this.tail = node.prev;
    else node.next.prev = node.prev;
    node.prev = node.next = null;
    this.nodes--;
    this.nodesBytes -= nodeBytes(node);
  }

  /**
   * Makes `size` free bytes on one side of `node` (growing or recentring its buffer); false when
   * the node should not take more (a new node is opened instead).
   */
  private makeRoom(node: ListNode, size: number, right: boolean): boolean {
    const used = node.end - node.start;
    const need = used + size;
    if (need > NODE_MAX_BYTES) return false;
    const cap = node.buf.length;
    let newCap = cap;
    if (cap - used < size || (cap < NODE_MAX_BYTES && cap - used < cap / 4)) {
      if (cap >= NODE_MAX_BYTES) return false;
      newCap = Math.min(NODE_MAX_BYTES, Math.max(cap * 2, need));
    } else if (cap >= NODE_MAX_BYTES && cap - used < RECENTRE_MIN_FREE) {
      return false;
    }
    // Three quarters of the free room go to the side that asked (never less than `size`), a
    // quarter to the other.
    const free = newCap - used;
    const quarter = Math.floor(free / 4);
    const offset = right ? Math.min(quarter, free - size) : Math.max(free - quarter, size);
    if (newCap === cap) {
      node.buf.copyWithin(offset, node.start, node.end);
    } else {
      // Not from Node's shared pool: the buffer being replaced is, and a dead slice there stays
      // pinned by its live neighbours; a grown buffer, likely to grow again, would do the same.
      const buf = Buffer.allocUnsafeSlow(newCap);
      node.buf.copy(buf, offset, node.start, node.end);
      this.swapBuffer(node, buf);
    }
    node.start = offset;
    node.end = offset + used;
    return true;
  }

  /** A fresh empty node for one push of `size` bytes, its room on the pushing side. */
  private newNode(size: number, right: boolean): ListNode {
    let cap = NODE_MAX_BYTES;
    if (size > NODE_MAX_BYTES) cap = size;
    else if (this.head === null) {
      cap = Math.max(NODE_MIN_BYTES, size, this.firstNodeBytes);
      this.firstNodeBytes = 0;
    }
    // Small buffers come from Node's shared pool (no ArrayBuffer of their own).
    const buf = cap < 4096 ? Buffer.allocUnsafe(cap) : Buffer.allocUnsafeSlow(cap);
    const at = right ? 0 : cap;
    return new ListNode(buf, at, at, 0);
  }

  /**
   * Prepares room for `bytes` more bytes of entries at one end (a multi-element push), so a
   * small list gets one buffer of the right size instead of a series of doublings, whose dead
   * small buffers would stay pinned in Node's shared buffer pool. Only sizes within one node.
   */
  reserve(bytes: number, right: boolean): void {
    if (bytes > NODE_MAX_BYTES) return;
    const node = right ? this.tail : this.head;
    if (node === null) {
      // No empty node is ever linked: the first push sizes its node from this.
      this.firstNodeBytes = bytes;
      return;
    }
    const room = right ? node.buf.length - node.end : node.start;
    const used = node.end - node.start;
    if (room >= bytes || used + bytes > NODE_MAX_BYTES) return;
    // Doubling, as makeRoom grows, so a run of small multi-element pushes stays amortized O(1).
    const cap = Math.min(NODE_MAX_BYTES, Math.max(used + bytes, node.buf.length * 2));
    // Not pooled, as in makeRoom.
    const buf = Buffer.allocUnsafeSlow(cap);
    const offset = right ? 0 : cap - used;
    node.buf.copy(buf, offset, node.start, node.end);
    this.swapBuffer(node, buf);
    node.start = offset;
    node.end = offset + used;
  }

  // -------------------------------------------------------------- ends

  pushRight(v: string): void {
    const size = encodedSize(v);
    const int = encodedInt;
    let node = this.tail;
    if (node === null || (node.buf.length - node.end < size && !this.makeRoom(node, size, true))) {
      node = this.newNode(size, true);
      this.linkAfter(this.tail, node);
    }
    node.end = writeEncoded(node.buf, node.end, v, int);
    node.count++;
    this.size++;
  }

  pushLeft(v: string): void {
    const size = encodedSize(v);
    const int = encodedInt;
    let node = this.head;
    if (node === null || (node.start < size && !this.makeRoom(node, size, false))) {
      node = this.newNode(size, false);
      this.linkAfter(null, node);
    }
    const at = node.start - size;
    writeEncoded(node.buf, at, v, int);
    node.start = at;
    node.count++;
    this.size++;
  }

  popLeft(): string | undefined {
    const node = this.head;
    if (node === null) return undefined;
    const s = decodeAt(node.buf, node.start);
    node.start = nextPos;
    this.size--;
    if (--node.count === 0) this.unlink(node);
    return s;
  }

  popRight(): string | undefined {
    const node = this.tail;
    if (node === null) return undefined;
    const s = decodeBefore(node.buf, node.end);
    node.end = nextPos;
    this.size--;
    if (--node.count === 0) this.unlink(node);
    return s;
  }

  /** Removes `n` elements from the left without materialising them (LTRIM). */
  dropLeft(n: number): void {
    while (n > 0 && this.head !== null) {
      const node = this.head;
      if (node.count <= n) {
        n -= node.count;
        this.size -= node.count;
        this.unlink(node);
        continue;
      }
      let p = node.start;
      for (let i = 0; i < n; i++) p = skipAt(node.buf, p);
      node.start = p;
      node.count -= n;
      this.size -= n;
      n = 0;
    }
  }

  /** Removes `n` elements from the right without materialising them (LTRIM). */
  dropRight(n: number): void {
    while (n > 0 && this.tail !== null) {
      const node = this.tail;
      if (node.count <= n) {
        n -= node.count;
        this.size -= node.count;
        this.unlink(node);
        continue;
      }
      let p = node.end;
      for (let i = 0; i < n; i++) p = skipBefore(node.buf, p);
      node.end = p;
      node.count -= n;
      this.size -= n;
      n = 0;
    }
  }

  // -------------------------------------------------------------- positions

  /** Finds element `i` (0 ≤ i < length) from the nearer end: sets foundNode/foundPos. */
  private locate(i: number): void {
    let node: ListNode;
    let k: number;
    if (i < this.size / 2) {
      node = this.head!;
      k = i;
      while (k >= node.count) {
        k -= node.count;
        node = node.next!;
      }
    } else {
      node = this.tail!;
      k = this.size - 1 - i;
      while (k >= node.count) {
        k -= node.count;
        node = node.prev!;
      }
      k = node.count - 1 - k;
    }
    const buf = node.buf;
    let p: number;
    if (k < node.count / 2) {
      p = node.start;
      for (let j = 0; j < k; j++) p = skipAt(buf, p);
    } else {
      p = node.end;
      for (let j = node.count; j > k; j--) p = skipBefore(buf, p);
    }
    foundNode = node;
    foundPos = p;
  }

  /** Element at `i` (negative counts from the end), or undefined when out of range (LINDEX). */
  index(i: number): string | undefined {
    if (i < 0) i += this.size;
    if (i < 0 || i >= this.size) return undefined;
    // The ends are the common case: no walk at all.
    if (i === 0) return decodeAt(this.head!.buf, this.head!.start);
    if (i === this.size - 1) return decodeBefore(this.tail!.buf, this.tail!.end);
    this.locate(i);
    return decodeAt(foundNode!.buf, foundPos);
  }

  /** Calls `visit` for elements start..end inclusive (already clamped: 0 ≤ start ≤ end < length). */
  forEachRange(start: number, end: number, visit: (v: string) => void): void {
    if (start > end || start >= this.size) return;
    this.locate(start);
    let node = foundNode!;
    let p = foundPos;
    let left = end - start + 1;
    for (;;) {
      const buf = node.buf;
      const stop = node.end;
      while (p < stop) {
        const v = decodeAt(buf, p);
        p = nextPos;
        visit(v);
        if (--left === 0) return;
      }
      node = node.next!;
      p = node.start;
    }
  }

  /**
   * forEachRange without building strings: `visit(buf, at, len)` gets each element's bytes
   * buf[at, at+len), or, for an element stored as an integer, `visit(null, value, 0)`. The
   * bytes are only valid during the call.
   */
  forEachRangeBytes(start: number, end: number, visit: (buf: Buffer | null, at: number, len: number) => void): void {
    if (start > end || start >= this.size) return;
    this.locate(start);
    let node = foundNode!;
    let p = foundPos;
    let left = end - start + 1;
    for (;;) {
      const buf = node.buf;
      const stop = node.end;
      while (p < stop) {
        const tag = buf[p];
        if (tag < SHORT_LIMIT) {
          visit(buf, p + 1, tag);
          p += tag + 2;
        } else if (tag !== LONG_TAG) {
          const k = tag - INT_TAG;
          visit(null, readInt(buf, p + 1, k), 0);
          p += k + 2;
        } else {
          const len = buf.readUInt32LE(p + 1);
          visit(buf, p + 5, len);
          p += len + 10;
        }
        if (--left === 0) return;
      }
      node = node.next!;
      p = node.start;
    }
  }

  /** Every element, in order. */
  toArray(): string[] {
    const out: string[] = [];
    for (let n = this.head; n !== null; n = n.next) {
      const buf = n.buf;
      for (let p = n.start; p < n.end; p = nextPos) out.push(decodeAt(buf, p));
    }
    return out;
  }

  /**
   * Indexes of elements equal to `value`, walking from the head (or the tail when `reverse`),
   * looking at no more than `maxlen` elements (0: all). `visit(index)` returns false to stop.
   */
  findEach(value: string, reverse: boolean, maxlen: number, visit: (index: number) => boolean): void {
    const limit = maxlen === 0 || maxlen > this.size ? this.size : maxlen;
    const valueInt = canonicalInt(value);
    let seen = 0;
    if (!reverse) {
      for (let n = this.head; n !== null; n = n.next) {
        const buf = n.buf;
        let p = n.start;
        while (p < n.end) {
          if (seen === limit) return;
          const equal = equalsAt(buf, p, value, valueInt);
          p = nextPos;
          if (equal && !visit(seen)) return;
          seen++;
        }
      }
      return;
    }
    for (let n = this.tail; n !== null; n = n.prev) {
      const buf = n.buf;
      let p = n.end;
      while (p > n.start) {
        if (seen === limit) return;
        const equal = equalsBefore(buf, p, value, valueInt);
        p = nextPos;
        if (equal && !visit(this.size - 1 - seen)) return;
        seen++;
      }
    }
  }

  // -------------------------------------------------------------- middle edits

  /** Replaces element `i` (0 ≤ i < length) (LSET). */
  set(i: number, value: string): void {
    this.locate(i);
    const node = foundNode!;
    const p = foundPos;
    const size = encodedSize(value);
    if (skipAt(node.buf, p) - p === size) {
      writeEncoded(node.buf, p, value, encodedInt);
      return;
    }
    const entries = nodeEntries(node);
    entries[this.indexInNode(node, p)] = value;
    this.replaceNode(node, entries);
  }

  /**
   * Inserts `value` before or after the first element equal to `pivot` (LINSERT); false when
   * the pivot is absent.
   */
  insert(pivot: string, value: string, after: boolean): boolean {
    const pivotInt = canonicalInt(pivot);
    for (let n = this.head; n !== null; n = n.next) {
      const buf = n.buf;
      let p = n.start;
      let k = 0;
      while (p < n.end) {
        if (equalsAt(buf, p, pivot, pivotInt)) {
          const entries = nodeEntries(n);
          entries.splice(after ? k + 1 : k, 0, value);
          this.size++;
          this.replaceNode(n, entries);
          return true;
        }
        p = nextPos;
        k++;
      }
    }
    return false;
  }

  /**
   * Removes up to `limit` elements equal to `value` (0: all), from the head or, when `reverse`,
   * from the tail (LREM); returns how many were removed. Nodes are compacted in place.
   */
  remove(value: string, limit: number, reverse: boolean): number {
    const valueInt = canonicalInt(value);
    let removed = 0;
    let node = reverse ? this.tail : this.head;
    while (node !== null && (limit === 0 || removed < limit)) {
      const n = node;
      node = reverse ? n.prev : n.next;
      const buf = n.buf;
      let kept = 0;
      if (!reverse) {
        let w = n.start;
        let p = n.start;
        while (p < n.end) {
          const equal = equalsAt(buf, p, value, valueInt);
          const next = nextPos;
          if (equal && (limit === 0 || removed < limit)) {
            removed++;
          } else {
            if (w !== p) buf.copyWithin(w, p, next);
            w += next - p;
            kept++;
          }
          p = next;
        }
        n.end = w;
      } else {
        let w = n.end;
        let p = n.end;
        while (p > n.start) {
          const equal = equalsBefore(buf, p, value, valueInt);
          const prev = nextPos;
          if (equal && (limit === 0 || removed < limit)) {
            removed++;
          } else {
            w -= p - prev;
            if (w !== prev) buf.copyWithin(w, prev, p);
            kept++;
          }
          p = prev;
        }
        n.start = w;
      }
      this.size -= n.count - kept;
      n.count = kept;
      if (kept === 0) this.unlink(n);
    }
    if (removed > 0 && this.nodes > 1) this.mergeSparseNodes();
    return removed;
  }

  /** Position of the entry starting at `p` within its node. */
  private indexInNode(node: ListNode, p: number): number {
    let k = 0;
    for (let q = node.start; q < p; q = skipAt(node.buf, q)) k++;
    return k;
  }

  /**
   * Replaces `node` by nodes holding `entries`: one node when they fit, else pieces of about
   * equal size (an even split, so repeated inserts at one spot do not leave a trail of
   * one-element nodes behind a full one).
   */
  private replaceNode(node: ListNode, entries: string[]): void {
    const prev = node.prev;
    this.unlink(node);
    let total = 0;
    for (let i = 0; i < entries.length; i++) total += encodedSize(entries[i]);
    const pieces = total <= NODE_MAX_BYTES ? 1 : Math.max(2, Math.ceil(total / ((NODE_MAX_BYTES * 3) / 4)));
    const target = total / pieces;
    let at = prev;
    let from = 0;
    let bytes = 0;
    for (let i = 0; i < entries.length; i++) {
      const sz = encodedSize(entries[i]);
      if (i > from && (bytes + sz > NODE_MAX_BYTES || bytes >= target)) {
        const piece = packNode(entries, from, i);
        this.linkAfter(at, piece);
        at = piece;
        from = i;
        bytes = 0;
      }
      bytes += sz;
    }
    if (from < entries.length) this.linkAfter(at, packNode(entries, from, entries.length));
  }

  /** Merges neighbouring nodes that fit together in 3/4 of a node (after LREM thinned them). */
  private mergeSparseNodes(): void {
    const limit = (NODE_MAX_BYTES * 3) / 4;
    let n = this.head;
    while (n !== null && n.next !== null) {
      const next = n.next;
      const used = n.end - n.start;
      const nextUsed = next.end - next.start;
      if (used + nextUsed > limit) {
        n = next;
        continue;
      }
      const buf = Buffer.allocUnsafe(used + nextUsed);
      n.buf.copy(buf, 0, n.start, n.end);
      next.buf.copy(buf, used, next.start, next.end);
      this.swapBuffer(n, buf);
      n.start = 0;
      n.end = used + nextUsed;
      n.count += next.count;
      this.unlink(next);
    }
  }

  /** Number of nodes (tests and diagnostics). */
  get nodeCount(): number {
    return this.nodes;
  }
}

export function createList(): ListValue {
  return new ListValue();
}
