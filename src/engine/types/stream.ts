import type { CollectionValue } from '../values.js';
import { parseInteger } from '../../util/number.js';
import { bufferBytes, grownArrayBytes, objectBytes, stringBytes } from '../memory.js';

/**
 * The stream type (t_stream.c's data model).
 *
 * IDs are 128-bit bigints `ms << 64 | seq`: both halves are unsigned 64-bit, so JS numbers cannot
 * hold them, and one bigint compares, increments (seq overflow carries into ms exactly like
 * streamIncrID) and keys Maps directly. Entries never hold a bigint each, though:
 *
 * Entries are packed into nodes like Redis's listpacks: a node is one Buffer of entries
 * `flag, varint msDelta, varint seqPart, varint pairs, (varint len, bytes) * 2 * pairs`, where
 * msDelta is the ms distance from the node's first ID and seqPart is the seq distance from the
 * node's first seq when the ms are equal, else the plain seq (varints of up to 64 bits; decoded
 * as numbers below 2^49, as bigints beyond). `flag` bit 0 marks a deleted entry (XDEL and exact
 * trimming mark, as Redis does; deleted entries still count toward the node's entry limit); bit 1
 * marks an entry whose ID is stored whole (ms, seq) because it is below the node's first ID (see
 * `ordered` in StreamValue). Nodes
 * hold at most stream-node-max-entries entries / stream-node-max-bytes bytes and sit in a sorted
 * array searched by binary search: XADD is amortized O(1), XRANGE O(log n + k).
 *
 * Consumer groups: the PEL is an ordered set of IDs (SortedIds, a chunked sorted array: O(log n)
 * changes, ordered scans from any ID) plus a Map id → NACK; each consumer keeps its own SortedIds.
 */

export const ID_MAX = (1n << 128n) - 1n;
export const U64_MAX = (1n << 64n) - 1n;
const TWO53_BIG = 2n ** 53n;

export function idMs(id: bigint): bigint {
  return id >> 64n;
}
export function idSeq(id: bigint): bigint {
  return id & U64_MAX;
}
export function makeId(ms: bigint, seq: bigint): bigint {
  return (ms << 64n) | seq;
}
export function formatId(id: bigint): string {
  return `${id >> 64n}-${id & U64_MAX}`;
}

const FLAG_DELETED = 1;
/** The entry's ID is stored as absolute ms and seq, not as deltas from the node's first ID. */
const FLAG_ABSOLUTE = 2;

/** An entry as read back: its ID and the flat field/value list. */
export interface StreamEntry {
  id: bigint;
  fields: string[];
}

class StreamNode {
  /** Total entries including deleted ones (the node's entry limit counts both). */
  total = 0;
  live = 0;
  /** Bytes used in `buf`. */
  len = 0;
  firstMs: bigint;
  firstSeq: bigint;
  /**
   * The size Redis's listpack for this node would have, without the live/deleted counters
   * (added by lpBytes()): node splits on stream-node-max-bytes, hence approximate trimming and
   * XINFO's radix-tree-keys, then match Redis exactly.
   */
  baseBytes = 0;
  /** The master entry's fields (the first entry's): later entries with the same fields are smaller. */
  masterFields: string[] = [];
  /** Offset of the last entry (the one with lastId): its flag byte says whether it is deleted. */
  lastPos = 0;
  constructor(
    public firstId: bigint,
    public lastId: bigint,
    public buf: Buffer,
  ) {
    this.firstMs = firstId >> 64n;
    this.firstSeq = firstId & U64_MAX;
  }

  lpBytes(): number {
    return this.baseBytes + lpIntSize(this.live) + lpIntSize(this.total - this.live);
  }

  /** Makes room for `more` bytes, doubling (the last node only; sealed nodes are shrunk to fit). */
  reserve(more: number): void {
    const need = this.len + more;
    if (need <= this.buf.length) return;
    const next = Buffer.allocUnsafeSlow(Math.max(need, this.buf.length * 2, 64));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  /** Drops the spare capacity once no more entries will be appended. */
  seal(): void {
    if (this.buf.length === this.len) return;
    const exact = Buffer.allocUnsafeSlow(this.len);
    this.buf.copy(exact, 0, 0, this.len);
    this.buf = exact;
  }

  /** A varint of a full 64-bit value (ID deltas). */
  writeVarintBig(v: bigint): void {
    if (v < TWO53_BIG) return this.writeVarint(Number(v));
    const b = this.buf;
    while (v >= 128n) {
      b[this.len++] = Number(v & 127n) | 128;
      v >>= 7n;
    }
    b[this.len++] = Number(v);
  }

  writeVarint(n: number): void {
    const b = this.buf;
    while (n >= 128) {
      b[this.len++] = (n % 128) | 128;
      n = Math.floor(n / 128);
    }
    b[this.len++] = n;
  }
}

// ---------------------------------------------------------------- memory accounting

/** A StreamValue object (its fields), its empty groups Map, its last ID (a bigint). */
const STREAM_OBJECT = objectBytes(14) + 200 + 32;
/** A StreamNode object and its bigints (first ms, first ID, last ID; a zero seq is shared). */
const STREAM_NODE_OBJECT = objectBytes(11) + 24 + 2 * 32;
/** A consumer group: its object, Map entry, PEL and pending map, consumers Map, last ID. */
const GROUP_BYTES = objectBytes(6) + 3 * 160 + 2 * 32 + 48;
/**
 * One pending entry: its ID in the group's PEL (pointer + bigint), the pending map's entry and key,
 * the NACK object, and its ID in its consumer's PEL (measured with XREADGROUP).
 */
const PENDING_ENTRY_BYTES = 176;
/** One consumer: object, Map entry, name (short names assumed), its PEL's object. */
const CONSUMER_BYTES = objectBytes(3) + 48 + 32 + 2 * 160;

/**
 * Estimated bytes of a node: object and IDs, the master fields (array and strings), and its
 * buffer (own ArrayBuffer, capacity counted).
 */
function streamNodeBytes(n: StreamNode): number {
  let bytes = STREAM_NODE_OBJECT + grownArrayBytes(n.masterFields.length) + bufferBytes(n.buf.length, false);
  for (const f of n.masterFields) bytes += stringBytes(f.length);
  return bytes;
}

/** Bytes of a listpack integer element (encoding + backlen). */
function lpIntSize(v: number | bigint): number {
  const enc = v >= 0 && v <= 127 ? 1 : v >= -4096 && v <= 4095 ? 2 : v >= -32768 && v <= 32767 ? 3 : v >= -8388608 && v <= 8388607 ? 4 : v >= -2147483648 && v <= 2147483647 ? 5 : 9;
  return enc + 1;
}

/** Bytes of a listpack string element: integers-looking strings are stored as integers. */
function lpStringSize(str: string): number {
  if (str.length <= 20) {
    const v = parseInteger(str);
    if (v !== null) return lpIntSize(v);
  }
  const n = str.length;
  const enc = n < 64 ? 1 + n : n < 4096 ? 2 + n : 5 + n;
  const back = enc <= 127 ? 1 : enc < 16383 ? 2 : enc < 2097151 ? 3 : enc < 268435455 ? 4 : 5;
  return enc + back;
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 128) {
    size++;
    n = Math.floor(n / 128);
  }
  return size;
}

/** Reads entries of a node in order; `pos` is the offset of the current entry. */
class NodeCursor {
  pos = 0;
  next = 0;
  id = 0n;
  deleted = false;
  private fieldsAt = 0;
  private pairs = 0;
  constructor(private readonly node: StreamNode) {}

  private readVarint(): number {
    const d = this.node.buf;
    let n = 0;
    let mul = 1;
    for (;;) {
      const b = d[this.next++];
      n += (b & 127) * mul;
      if (b < 128) return n;
      mul *= 128;
    }
  }

  /** A varint that may exceed 2^53 (ID deltas): a number when small, else a bigint. */
  private readVarintBig(): number | bigint {
    const d = this.node.buf;
    const start = this.next;
    for (let i = 0; i < 7; i++) if (d[start + i] < 128) return this.readVarint();
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const b = d[this.next++];
      v |= BigInt(b & 127) << shift;
      if (b < 128) return v;
      shift += 7n;
    }
  }

  /** Decodes the entry at `this.next`; false at the end of the node. */
  advance(): boolean {
    const node = this.node;
    if (this.next >= node.len) return false;
    this.pos = this.next;
    const flag = node.buf[this.next++];
    this.deleted = (flag & FLAG_DELETED) !== 0;
    const msDelta = this.readVarintBig();
    const seqPart = this.readVarintBig();
    this.pairs = this.readVarint();
    this.fieldsAt = this.next;
    if ((flag & FLAG_ABSOLUTE) !== 0) this.id = (BigInt(msDelta) << 64n) | BigInt(seqPart);
    else
      this.id =
        msDelta === 0 || msDelta === 0n ? node.firstId + BigInt(seqPart) : ((node.firstMs + BigInt(msDelta)) << 64n) | BigInt(seqPart);
    for (let i = 0; i < this.pairs * 2; i++) {
      const len = this.readVarint();
      this.next += len;
    }
    return true;
  }

  fields(): string[] {
    const d = this.node.buf;
    const out: string[] = new Array(this.pairs * 2);
    let p = this.fieldsAt;
    for (let i = 0; i < out.length; i++) {
      let n = 0;
      let mul = 1;
      for (;;) {
        const b = d[p++];
        n += (b & 127) * mul;
        if (b < 128) break;
        mul *= 128;
      }
      out[i] = d.latin1Slice(p, p + n);
      p += n;
    }
    return out;
  }
}

export class NACK {
  constructor(
    public consumer: Consumer | null,
    public deliveryTime: number,
    public deliveryCount: number,
  ) {}
}

/** Most IDs in one leaf of a SortedIds; a leaf past it splits in two. */
const PEL_LEAF_MAX = 256;
/** A leaf shrunk below this merges with a neighbour when the two fit in one leaf. */
const PEL_LEAF_MIN = PEL_LEAF_MAX / 4;

/** Index of the first element >= `id` in an ascending array. */
function lowerBound(a: readonly bigint[], id: bigint): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * An ordered set of IDs (a PEL): a chunked sorted array. IDs sit in ascending leaves of at most
 * PEL_LEAF_MAX, found by binary search over the leaves' first IDs, so inserts and removes cost
 * O(log n + PEL_LEAF_MAX) instead of the O(n) splice of one flat array (XACK, XCLAIM and delivery
 * on PELs of millions). Appends past the last ID (new deliveries) fill the last leaf and then open
 * a new one, so in-order PELs have full leaves. Small leaves merge with a neighbour, so the leaf
 * count stays O(n / PEL_LEAF_MAX) whatever the removal order.
 */
export class SortedIds {
  private leaves: bigint[][] = [];
  /** firsts[i] === leaves[i][0]: the index searched to find a leaf. */
  private firsts: bigint[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The leaf that holds `id` or would: the last one whose first ID is <= id (0 when none is). */
  private leafFor(id: bigint): number {
    const i = lowerBound(this.firsts, id);
    return i < this.firsts.length && this.firsts[i] === id ? i : Math.max(0, i - 1);
  }

  /** Adds `id`; false when it was there already. */
  insert(id: bigint): boolean {
    const leaves = this.leaves;
    if (leaves.length === 0) {
      leaves.push([id]);
      this.firsts.push(id);
      this.count = 1;
      return true;
    }
    const li = this.leafFor(id);
    const leaf = leaves[li];
    if (leaf[leaf.length - 1] < id) {
      if (leaf.length >= PEL_LEAF_MAX && li === leaves.length - 1) {
        // Appending past the end: a new leaf keeps in-order PELs in full leaves.
        leaves.push([id]);
        this.firsts.push(id);
        this.count++;
        return true;
      }
      leaf.push(id);
    } else {
      const pos = lowerBound(leaf, id);
      if (leaf[pos] === id) return false;
      leaf.splice(pos, 0, id);
      if (pos === 0) this.firsts[li] = id;
    }
    this.count++;
    if (leaf.length > PEL_LEAF_MAX) {
      const right = leaf.splice(leaf.length >>> 1);
      leaves.splice(li + 1, 0, right);
      this.firsts.splice(li + 1, 0, right[0]);
    }
    return true;
  }

  /** Removes `id`; false when it was not there. */
  remove(id: bigint): boolean {
    if (this.count === 0) return false;
    const li = this.leafFor(id);
    const leaf = this.leaves[li];
    const pos = lowerBound(leaf, id);
    if (leaf[pos] !== id) return false;
    this.count--;
    if (pos === leaf.length - 1) leaf.pop();
    else leaf.splice(pos, 1);
    if (leaf.length === 0) {
      this.leaves.splice(li, 1);
      this.firsts.splice(li, 1);
      return true;
    }
    if (pos === 0) this.firsts[li] = leaf[0];
    if (leaf.length < PEL_LEAF_MIN) this.mergeSmall(li);
    return true;
  }

  /** Merges leaf `li` into a neighbour when both fit in one leaf. */
  private mergeSmall(li: number): void {
    const leaves = this.leaves;
    const leaf = leaves[li];
    if (li + 1 < leaves.length && leaf.length + leaves[li + 1].length <= PEL_LEAF_MAX) {
      leaves[li] = leaf.concat(leaves[li + 1]);
      leaves.splice(li + 1, 1);
      this.firsts.splice(li + 1, 1);
    } else if (li > 0 && leaves[li - 1].length + leaf.length <= PEL_LEAF_MAX) {
      leaves[li - 1] = leaves[li - 1].concat(leaf);
      leaves.splice(li, 1);
      this.firsts.splice(li, 1);
    }
  }

  has(id: bigint): boolean {
    if (this.count === 0) return false;
    const leaf = this.leaves[this.leafFor(id)];
    return leaf[lowerBound(leaf, id)] === id;
  }

  /** The smallest ID, undefined when empty. */
  first(): bigint | undefined {
    return this.count === 0 ? undefined : this.firsts[0];
  }

  /** The largest ID, undefined when empty. */
  last(): bigint | undefined {
    if (this.count === 0) return undefined;
    const leaf = this.leaves[this.leaves.length - 1];
    return leaf[leaf.length - 1];
  }

  /** The smallest ID >= `id`, undefined when there is none (a cursor that survives removals). */
  ceiling(id: bigint): bigint | undefined {
    if (this.count === 0) return undefined;
    let li = this.leafFor(id);
    let pos = lowerBound(this.leaves[li], id);
    if (pos === this.leaves[li].length) {
      li++;
      pos = 0;
    }
    return li < this.leaves.length ? this.leaves[li][pos] : undefined;
  }

  /**
   * Calls `fn` with each ID >= `start` in ascending order until it returns false. `fn` must not
   * change this set (use ceiling() to walk while removing).
   */
  forEachFrom(start: bigint, fn: (id: bigint) => boolean | void): void {
    if (this.count === 0) return;
    const leaves = this.leaves;
    let li = this.leafFor(start);
    let pos = lowerBound(leaves[li], start);
    for (; li < leaves.length; li++, pos = 0) {
      const leaf = leaves[li];
      for (; pos < leaf.length; pos++) if (fn(leaf[pos]) === false) return;
    }
  }

  /** The first `limit` IDs in order (all of them when limit is 0). */
  toArray(limit = 0): bigint[] {
    const out: bigint[] = [];
    const max = limit > 0 ? Math.min(limit, this.count) : this.count;
    for (const leaf of this.leaves) {
      for (const id of leaf) {
        if (out.length === max) return out;
        out.push(id);
      }
    }
    return out;
  }

  clone(): SortedIds {
    const copy = new SortedIds();
    copy.leaves = this.leaves.map((l) => l.slice());
    copy.firsts = this.firsts.slice();
    copy.count = this.count;
    return copy;
  }

  /** Leaves in use (tests check the structure stays compact). */
  get leafCount(): number {
    return this.leaves.length;
  }
}

/**
 * id → NACK. Not a plain Map<bigint, NACK>: V8 hashes a BigInt by its lowest 64 bits only, which
 * for stream IDs is the seq part, nearly always 0 or 1, so every ID would land in one hash chain
 * and each lookup would walk the whole PEL (XREADGROUP delivery was quadratic). Keys are stored
 * as `id ^ ms`, a bijection (the high 64 bits are unchanged) whose low bits carry the ms.
 */
export class PendingMap {
  private readonly map = new Map<bigint, NACK>();
  private static key(id: bigint): bigint {
    return id ^ (id >> 64n);
  }
  get size(): number {
    return this.map.size;
  }
  get(id: bigint): NACK | undefined {
    return this.map.get(PendingMap.key(id));
  }
  has(id: bigint): boolean {
    return this.map.has(PendingMap.key(id));
  }
  set(id: bigint, nack: NACK): void {
    this.map.set(PendingMap.key(id), nack);
  }
  delete(id: bigint): boolean {
    return this.map.delete(PendingMap.key(id));
  }
  /** [id, nack] pairs in insertion order (the key mixing is its own inverse). */
  *[Symbol.iterator](): IterableIterator<[bigint, NACK]> {
    for (const [k, nack] of this.map) yield [PendingMap.key(k), nack];
  }
}

export class Consumer {
  pel = new SortedIds();
  constructor(
    public name: string,
    public seenTime: number,
  ) {}
}

/** SCG_INVALID_ENTRIES_READ */
export const ENTRIES_READ_INVALID = -1;

export class ConsumerGroup {
  pel = new SortedIds();
  nacks = new PendingMap();
  consumers = new Map<string, Consumer>();
  constructor(
    public name: string,
    public lastId: bigint,
    public entriesRead: number,
  ) {}

  createConsumer(name: string, now: number): Consumer | null {
    if (this.consumers.has(name)) return null;
    const c = new Consumer(name, now);
    this.consumers.set(name, c);
    return c;
  }

  /** Removes a pending entry from the group and its consumer. */
  ack(id: bigint): boolean {
    const nack = this.nacks.get(id);
    if (nack === undefined) return false;
    this.nacks.delete(id);
    this.pel.remove(id);
    nack.consumer?.pel.remove(id);
    return true;
  }

  deleteConsumer(c: Consumer): void {
    c.pel.forEachFrom(0n, (id) => {
      this.nacks.delete(id);
      this.pel.remove(id);
    });
    this.consumers.delete(c.name);
  }

  /** Consumers in Redis's rax order (bytewise by name). */
  sortedConsumers(): Consumer[] {
    return [...this.consumers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

export interface TrimArgs {
  strategy: 'maxlen' | 'minid';
  maxlen: number;
  minid: bigint;
  approx: boolean;
  /** 0: no limit */
  limit: number;
}

export class StreamValue implements CollectionValue {
  readonly type = 'stream' as const;
  private nodes: StreamNode[] = [];
  length = 0;
  lastId = 0n;
  entriesAdded = 0;
  maxDeletedId = 0n;
  groups = new Map<string, ConsumerGroup>();
  /**
   * True while entries are in ID order across nodes (always, unless XSETID moved the last ID back
   * past trailing tombstones and XADD then appended below them). Redis then keeps appending to the
   * node with the largest first ID (signed deltas) and files new nodes by first ID, so iteration
   * order is no longer ID order; while false, range() and delete() walk as Redis's stream
   * iterator does instead of taking the sorted-order shortcuts.
   */
  private ordered = true;

  encoding(): string {
    return 'stream';
  }

  /**
   * XINFO's radix-tree-nodes: the node count of the rax Redis would key these nodes by (16-byte
   * big-endian IDs). A compressed radix tree has a node at the root, at every branching point,
   * at every child of a branching point and at every key; those are counted from the LCPs of
   * adjacent keys. O(nodes), cached until a node is added or removed.
   */
  raxNodeCount(): number {
    if (this.raxNodesCache >= 0) return this.raxNodesCache;
    const keys = this.nodes.map((n) => n.firstId.toString(16).padStart(32, '0'));
    const seen = new Set<string>(['']);
    for (let i = 0; i < keys.length; i++) {
      seen.add(keys[i]);
      if (i + 1 === keys.length) break;
      const a = keys[i];
      const b = keys[i + 1];
      let bytes = 0;
      while (bytes < 16 && a.charCodeAt(2 * bytes) === b.charCodeAt(2 * bytes) && a.charCodeAt(2 * bytes + 1) === b.charCodeAt(2 * bytes + 1)) bytes++;
      seen.add(a.slice(0, 2 * bytes));
      seen.add(a.slice(0, 2 * bytes + 2));
      seen.add(b.slice(0, 2 * bytes + 2));
    }
    this.raxNodesCache = seen.size;
    return seen.size;
  }
  private raxNodesCache = -1;

  /**
   * Where the last forward range() stopped: the entry after `seekId` starts at `seekPos` in
   * `seekNode`. A range starting past seekId in that node resumes there instead of decoding the
   * node from its start: consumers reading in order (XREADGROUP >, XREAD from the last ID) then
   * cost O(entries read), not O(node size). Offsets stay valid: node buffers are only appended
   * to, copied whole (reserve/seal) or have a flag byte flipped, and a dropped node is no longer
   * in `nodes`, so it never matches.
   */
  private seekNode: StreamNode | null = null;
  private seekId = 0n;
  private seekPos = 0;

  /** Number of nodes (XINFO's radix-tree-keys). */
  get nodeCount(): number {
    return this.nodes.length;
  }

  /**
   * streamGetEdgeID(first, tombstones included): the first entry the stream still stores, deleted
   * or not (the start of its first node); ID_MAX when it stores none. Approximate trimming
   * propagates it as the exact MINID.
   */
  firstStoredId(): bigint {
    return this.nodes.length === 0 ? ID_MAX : this.nodes[0].firstId;
  }

  /**
   * s->first_id as Redis records it: set by the first XADD to an empty stream, recomputed when
   * XDEL deletes it or trimming deletes anything, 0-0 once empty. It is the first live entry but
   * in out-of-order streams (see `ordered`), where Redis leaves it as it was.
   */
  firstId(): bigint {
    return this.recordedFirstId;
  }
  private recordedFirstId = 0n;

  /** The first live entry in iteration order, 0-0 when there is none. */
  private scanFirstId(): bigint {
    for (const n of this.nodes) {
      if (n.live === 0) continue;
      const cur = new NodeCursor(n);
      while (cur.advance()) if (!cur.deleted) return cur.id;
    }
    return 0n;
  }

  /** streamLastValidID: the last live entry, 0-0 when empty. */
  lastLiveId(): bigint {
    // Fast path (every XREAD/XREADGROUP asks): the last entry appended is still live.
    const tail = this.nodes[this.nodes.length - 1];
    if (this.ordered && tail !== undefined && (tail.buf[tail.lastPos] & FLAG_DELETED) === 0) return tail.lastId;
    let out = 0n;
    this.range(0n, ID_MAX, true, (id) => {
      out = id;
      return false;
    });
    return out;
  }

  clone(): StreamValue {
    const s = new StreamValue();
    s.nodesBytes = 0;
    for (const n of this.nodes) {
      const copy = new StreamNode(n.firstId, n.lastId, Buffer.from(n.buf.subarray(0, n.len)));
      copy.len = n.len;
      copy.baseBytes = n.baseBytes;
      copy.masterFields = n.masterFields;
      copy.lastPos = n.lastPos;
      copy.total = n.total;
      copy.live = n.live;
      s.nodes.push(copy);
      s.nodesBytes += streamNodeBytes(copy);
    }
    s.length = this.length;
    s.lastId = this.lastId;
    s.entriesAdded = this.entriesAdded;
    s.maxDeletedId = this.maxDeletedId;
    s.ordered = this.ordered;
    s.recordedFirstId = this.recordedFirstId;
    for (const g of this.groups.values()) {
      const cg = new ConsumerGroup(g.name, g.lastId, g.entriesRead);
      for (const c of g.consumers.values()) {
        const cc = new Consumer(c.name, c.seenTime);
        cc.pel = c.pel.clone();
        cg.consumers.set(c.name, cc);
      }
      cg.pel = g.pel.clone();
      for (const [id, nack] of g.nacks) {
        const owner = nack.consumer === null ? null : (cg.consumers.get(nack.consumer.name) ?? null);
        cg.nacks.set(id, new NACK(owner, nack.deliveryTime, nack.deliveryCount));
      }
      s.groups.set(g.name, cg);
    }
    return s;
  }

  /**
   * Estimated bytes (memory accounting, MEMORY USAGE): this object, the node list, every node
   * (running count: object, IDs, master fields, buffer capacity), and per consumer group its
   * pending entries and consumers, counted by number. O(groups).
   */
  memoryUsage(): number {
    let bytes = STREAM_OBJECT + grownArrayBytes(this.nodes.length) + this.nodesBytes;
    for (const g of this.groups.values()) {
      bytes += GROUP_BYTES + stringBytes(g.name.length) + g.nacks.size * PENDING_ENTRY_BYTES + g.consumers.size * CONSUMER_BYTES;
    }
    return bytes;
  }
  memoryCountsExact(): boolean {
    let bytes = 0;
    for (const n of this.nodes) bytes += streamNodeBytes(n);
    return bytes === this.nodesBytes;
  }

  /** Estimated bytes of the nodes in `nodes` (see streamNodeBytes), kept as nodes come, grow and go. */
  private nodesBytes = 0;

  /**
   * Every node as Redis's RDB saves it (the RDB writer): its master ID (the rax key) and master
   * fields, its live and deleted counts, and its entries in order, deleted ones included.
   */
  forEachRdbNode(visit: (node: { masterId: bigint; masterFields: readonly string[]; live: number; deleted: number; entries: Array<{ id: bigint; deleted: boolean; fields: string[] }> }) => void): void {
    for (const n of this.nodes) {
      const entries: Array<{ id: bigint; deleted: boolean; fields: string[] }> = [];
      const cur = new NodeCursor(n);
      while (cur.advance()) entries.push({ id: cur.id, deleted: cur.deleted, fields: cur.fields() });
      visit({ masterId: n.firstId, masterFields: n.masterFields, live: n.live, deleted: n.total - n.live, entries });
    }
  }

  /** Sets the recorded first ID (s->first_id) from an RDB file, once its entries are appended. */
  setRecordedFirstId(id: bigint): void {
    this.recordedFirstId = id;
  }

  /** Appends an entry with an ID greater than lastId; `fields` is argv from `from` on. */
  append(id: bigint, argv: readonly string[], from: number, maxBytes: number, maxEntries: number): void {
    let node = this.nodes[this.nodes.length - 1];
    const pairs = (argv.length - from) / 2;
    let bodySize = varintSize(pairs);
    for (let i = from; i < argv.length; i++) bodySize += varintSize(argv[i].length) + argv[i].length;
    let msDelta = 0n;
    let seqPart = 0n;
    let fits = false;
    let absolute = false;
    if (node !== undefined) {
      if (id <= node.lastId) this.ordered = false;
      const ms = id >> 64n;
      const seq = id & U64_MAX;
      const msDeltaBig = ms - node.firstMs;
      const seqPartBig = msDeltaBig === 0n ? seq - node.firstSeq : seq;
      // streamAppendItem's rule: a new node when the listpack would reach the byte limit (raw
      // field/value bytes added) or holds stream-node-max-entries entries, deleted ones included.
      const bytesLimit = maxBytes <= 0 || maxBytes > 1 << 30 ? 1 << 30 : maxBytes;
      let rawBytes = 0;
      for (let i = from; i < argv.length; i++) rawBytes += argv[i].length;
      if (node.lpBytes() + rawBytes < bytesLimit && !(maxEntries > 0 && node.total >= maxEntries)) {
        fits = true;
        // Below the node's first ID (only out of order): deltas would be negative.
        absolute = id < node.firstId;
        msDelta = absolute ? ms : msDeltaBig;
        seqPart = absolute ? seq : seqPartBig;
      }
    }
    if (!fits) {
      if (node !== undefined) {
        const before = node.buf.length;
        node.seal();
        this.nodesBytes += bufferBytes(node.buf.length, false) - bufferBytes(before, false);
      }
      node = new StreamNode(id, id, Buffer.allocUnsafeSlow(Math.max(64, bodySize + 3)));
      this.insertNode(node);
      this.raxNodesCache = -1;
      // Listpack header and end byte, then the master entry: count, deleted (in lpBytes()),
      // number of fields, the fields, a zero terminator.
      let base = 7 + lpIntSize(pairs) + lpIntSize(0);
      const master: string[] = [];
      for (let i = from; i < argv.length; i += 2) {
        master.push(argv[i]);
        base += lpStringSize(argv[i]);
      }
      node.baseBytes = base;
      node.masterFields = master;
      this.nodesBytes += streamNodeBytes(node);
    }
    const n = node as StreamNode;
    n.baseBytes += this.entryListpackBytes(n, id, argv, from, pairs);
    const capacity = n.buf.length;
    n.reserve(1 + 10 + 10 + bodySize);
    if (n.buf.length !== capacity) this.nodesBytes += bufferBytes(n.buf.length, false) - bufferBytes(capacity, false);
    n.lastPos = n.len;
    n.buf[n.len++] = absolute ? FLAG_ABSOLUTE : 0;
    n.writeVarintBig(msDelta);
    n.writeVarintBig(seqPart);
    n.writeVarint(pairs);
    for (let i = from; i < argv.length; i++) {
      const f = argv[i];
      n.writeVarint(f.length);
      n.len += n.buf.latin1Write(f, n.len);
    }
    n.lastId = id;
    n.total++;
    n.live++;
    if (this.length === 0) this.recordedFirstId = id;
    this.length++;
    this.lastId = id;
    this.entriesAdded++;
  }

  /**
   * Files a new node by its first ID, as Redis's rax does: at the end, except out of order. A node
   * already filed under that ID is replaced, as Redis's raxInsert overwrites it: its entries are
   * lost while XLEN still counts its live ones (Redis 7.0 does exactly this).
   */
  private insertNode(node: StreamNode): void {
    const a = this.nodes;
    const last = a[a.length - 1];
    if (last === undefined || last.firstId < node.firstId) {
      a.push(node);
      return;
    }
    this.ordered = false;
    const at = this.nodeFor(node.firstId);
    if (at >= 0 && a[at].firstId === node.firstId) {
      this.nodesBytes -= streamNodeBytes(a[at]);
      a[at] = node;
    } else a.splice(at + 1, 0, node);
  }

  /** The listpack bytes of one entry: flags, ms-diff, seq-diff, [fields], values, lp-count. */
  private entryListpackBytes(n: StreamNode, id: bigint, argv: readonly string[], from: number, pairs: number): number {
    const master = n.masterFields;
    let same = master.length === pairs;
    for (let i = 0; same && i < pairs; i++) if (master[i] !== argv[from + 2 * i]) same = false;
    const msDiff = BigInt.asIntN(64, (id >> 64n) - n.firstMs);
    const seqDiff = BigInt.asIntN(64, (id & U64_MAX) - n.firstSeq);
    let bytes = lpIntSize(same ? 2 : 0) + lpIntSize(msDiff) + lpIntSize(seqDiff);
    let lpCount = pairs + 3;
    if (!same) {
      bytes += lpIntSize(pairs);
      lpCount += pairs + 1;
    }
    for (let i = 0; i < pairs; i++) {
      if (!same) bytes += lpStringSize(argv[from + 2 * i]);
      bytes += lpStringSize(argv[from + 2 * i + 1]);
    }
    return bytes + lpIntSize(lpCount);
  }

  /** Index of the node that may hold `id` (the last node whose firstId <= id), -1 if none. */
  private nodeFor(id: bigint): number {
    const a = this.nodes;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid].firstId <= id) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /**
   * Calls `fn` for live entries with start <= id <= end, ascending (or descending with `rev`),
   * until it returns false.
   */
  range(start: bigint, end: bigint, rev: boolean, fn: (id: bigint, cur: { fields(): string[] }) => boolean): void {
    if (start > end) return;
    if (!this.ordered) {
      if (rev) this.walkBackward(start, end, fn);
      else this.walkForward(start, end, (_i, _node, cur) => fn(cur.id, cur));
      return;
    }
    if (!rev) {
      let i = Math.max(0, this.nodeFor(start));
      for (; i < this.nodes.length; i++) {
        const node = this.nodes[i];
        if (node.firstId > end) return;
        if (node.lastId < start) continue;
        const cur = new NodeCursor(node);
        if (node === this.seekNode && start > this.seekId) cur.next = this.seekPos;
        while (cur.advance()) {
          if (cur.id > end) return;
          if (cur.deleted || cur.id < start) continue;
          if (!fn(cur.id, cur)) {
            this.seekNode = node;
            this.seekId = cur.id;
            this.seekPos = cur.next;
            return;
          }
        }
      }
      return;
    }
    for (let i = this.nodeFor(end); i >= 0; i--) {
      const node = this.nodes[i];
      if (node.lastId < start) return;
      const cur = new NodeCursor(node);
      const ids: bigint[] = [];
      const offsets: number[] = [];
      while (cur.advance()) {
        if (cur.id > end) break;
        if (cur.deleted || cur.id < start) continue;
        ids.push(cur.id);
        offsets.push(cur.pos);
      }
      for (let j = ids.length - 1; j >= 0; j--) {
        cur.next = offsets[j];
        cur.advance();
        if (!fn(ids[j], cur)) return;
      }
    }
  }

  /**
   * Redis's forward stream iterator, for out-of-order streams: from the node with the largest
   * first ID <= start (else the first), every node after it in order, each node's entries in
   * append order; tombstones and entries below `start` are skipped, and the first live entry
   * past `end` ends the walk.
   */
  private walkForward(start: bigint, end: bigint, fn: (index: number, node: StreamNode, cur: NodeCursor) => boolean): void {
    for (let i = Math.max(0, this.nodeFor(start)); i < this.nodes.length; i++) {
      const node = this.nodes[i];
      const cur = new NodeCursor(node);
      while (cur.advance()) {
        if (cur.deleted || cur.id < start) continue;
        if (cur.id > end || !fn(i, node, cur)) return;
      }
    }
  }

  /** The backward iterator (see walkForward): from the node with the largest first ID <= end (else the last). */
  private walkBackward(start: bigint, end: bigint, fn: (id: bigint, cur: { fields(): string[] }) => boolean): void {
    const from = end === 0n ? -1 : this.nodeFor(end);
    for (let i = from < 0 ? this.nodes.length - 1 : from; i >= 0; i--) {
      const cur = new NodeCursor(this.nodes[i]);
      const offsets: number[] = [];
      while (cur.advance()) if (!cur.deleted && cur.id <= end) offsets.push(cur.pos);
      for (let j = offsets.length - 1; j >= 0; j--) {
        cur.next = offsets[j];
        cur.advance();
        if (cur.id < start || !fn(cur.id, cur)) return;
      }
    }
  }

  /** The fields of a live entry, undefined when absent. */
  get(id: bigint): string[] | undefined {
    let out: string[] | undefined;
    this.range(id, id, false, (_id, cur) => {
      out = cur.fields();
      return false;
    });
    return out;
  }

  has(id: bigint): boolean {
    return this.get(id) !== undefined;
  }

  /** Marks an entry deleted (XDEL); removes its node when no live entry remains. */
  delete(id: bigint): boolean {
    if (!this.deleteEntry(id)) return false;
    if (this.length === 0) this.recordedFirstId = 0n;
    else if (id === this.recordedFirstId) this.recordedFirstId = this.scanFirstId();
    return true;
  }

  private deleteEntry(id: bigint): boolean {
    if (!this.ordered) {
      let found = false;
      this.walkForward(id, id, (index, node, cur) => {
        this.markDeleted(index, node, cur.pos);
        found = true;
        return false;
      });
      return found;
    }
    const i = this.nodeFor(id);
    if (i < 0) return false;
    const node = this.nodes[i];
    if (node.lastId < id) return false;
    const cur = new NodeCursor(node);
    while (cur.advance()) {
      if (cur.id > id) return false;
      if (cur.id === id) {
        if (cur.deleted) return false;
        this.markDeleted(i, node, cur.pos);
        return true;
      }
    }
    return false;
  }

  private markDeleted(index: number, node: StreamNode, pos: number, dropEmpty = true): void {
    node.live--;
    this.length--;
    if (node.live === 0 && dropEmpty) {
      this.nodesBytes -= streamNodeBytes(node);
      this.nodes.splice(index, 1);
      this.raxNodesCache = -1;
      if (this.nodes.length === 0) this.ordered = true;
      return;
    }
    node.buf[pos] |= FLAG_DELETED;
  }

  /** streamTrim: returns the number of entries removed. */
  trim(args: TrimArgs): number {
    let deleted = 0;
    // Whole nodes are dropped with one splice at the end (trimming millions stays linear).
    let head = 0;
    while (head < this.nodes.length) {
      if (args.strategy === 'maxlen' && this.length <= args.maxlen) break;
      const node = this.nodes[head];
      if (args.limit > 0 && deleted + node.live > args.limit) break;
      const removeNode = args.strategy === 'maxlen' ? this.length - node.live >= args.maxlen : node.lastId < args.minid;
      if (removeNode) {
        head++;
        deleted += node.live;
        this.length -= node.live;
        continue;
      }
      if (args.approx) break;
      // Exact: mark entries of this node deleted one by one. As in Redis, the node stays even if
      // no live entry is left in it (MINID past deleted entries).
      const cur = new NodeCursor(node);
      while (cur.advance()) {
        if (args.strategy === 'maxlen' ? this.length <= args.maxlen : cur.id >= args.minid) break;
        if (cur.deleted) continue;
        this.markDeleted(head, node, cur.pos, false);
        deleted++;
      }
      break;
    }
    if (head > 0) {
      for (let i = 0; i < head; i++) this.nodesBytes -= streamNodeBytes(this.nodes[i]);
      this.nodes.splice(0, head);
      this.raxNodesCache = -1;
      if (this.nodes.length === 0) this.ordered = true;
    }
    if (deleted > 0) this.recordedFirstId = this.length === 0 ? 0n : this.scanFirstId();
    return deleted;
  }


  /** streamRangeHasTombstones */
  rangeHasTombstones(start: bigint, end: bigint): boolean {
    if (this.length === 0 || this.maxDeletedId === 0n) return false;
    if (this.firstId() > this.maxDeletedId) return false;
    return start <= this.maxDeletedId && this.maxDeletedId <= end;
  }

  /** streamEstimateDistanceFromFirstEverEntry: -1 when unknown. */
  estimateDistance(id: bigint): number {
    if (this.entriesAdded === 0) return 0;
    if (this.length === 0 && id <= this.lastId) return this.entriesAdded;
    if (id === this.lastId) return this.entriesAdded;
    if (id > this.lastId) return ENTRIES_READ_INVALID;
    const first = this.firstId();
    if (this.maxDeletedId === 0n || this.maxDeletedId < first) {
      if (id < first) return this.entriesAdded - this.length;
      if (id === first) return this.entriesAdded - this.length + 1;
    }
    return ENTRIES_READ_INVALID;
  }

  /** The consumer group lag, null when unknown (streamReplyWithCGLag). */
  lag(g: ConsumerGroup): number | null {
    if (this.entriesAdded === 0) return 0;
    if (g.entriesRead !== ENTRIES_READ_INVALID && !this.rangeHasTombstones(g.lastId, ID_MAX)) return this.entriesAdded - g.entriesRead;
    const read = this.estimateDistance(g.lastId);
    return read === ENTRIES_READ_INVALID ? null : this.entriesAdded - read;
  }

  /** Groups in rax order (bytewise by name). */
  sortedGroups(): ConsumerGroup[] {
    return [...this.groups.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
