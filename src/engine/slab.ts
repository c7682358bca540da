/**
 * Off-heap storage for mid-sized string values: size-classed chunks in 256 KB pages (ArrayBuffers),
 * freed explicitly when the keyspace drops a value, as jemalloc's slabs are for Redis.
 *
 * Why: a value kept as a V8 string is allocated in the young generation, copied by two scavenges
 * on its way to old space, and its space is reused only at the next mark-compact, so a cache at
 * its maxmemory that keeps evicting fills old space with dead values (RSS 1.7x Redis's at 256 MB
 * of 1000-byte values) and spends most of its time in the scavenger (docs/BENCHMARKS.md,
 * "Eviction"). Here a value is copied once, from the argument into its chunk, and the chunk is
 * reused as soon as the key is deleted, overwritten or evicted.
 *
 * A value is a `SlabString`: a one-field object (`addr`, the chunk's address in 16-byte units),
 * 32 bytes on the heap. The chunk starts with a 32-bit header, `len | refs << 24`: the value's
 * length and how many keyspace slots hold it (normally 1; RENAME and MOVE store the value in its
 * new place before removing the old one). A chunk whose count falls to 0 is not freed at once:
 * its address goes to a pending list, and `reclaim()` frees the chunks still unreferenced at a
 * point where no command is running (the end of a top-level command, the server's cron). So a
 * command may keep reading a value it has just deleted or overwritten (GETDEL, SET ... GET), and
 * a value moved from one key to another is never freed.
 *
 * Size classes: every 16 bytes up to 1 KB, then 8 per doubling up to 16 KB (at most 12.5% lost to
 * rounding, as jemalloc's 4 per doubling lose up to 25%). A page holds chunks of one class; a page
 * whose chunks are all free goes back to a pool of empty pages any class can take, and pages
 * beyond a small reserve are dropped (V8 returns their memory at its next GC).
 *
 * One allocator per process (module state), shared by every server in it: each server's memory
 * accounting counts its own values (`SlabString.memoryUsage`), so sharing changes no figure.
 */

/** Bytes per page. */
const PAGE_BYTES = 256 * 1024;
/** Chunk sizes and addresses are in units of this many bytes. */
const UNIT = 16;
const UNIT_SHIFT = 4;
/** log2 of the units in a page: an address is page << PAGE_SHIFT | offset in units. */
const PAGE_SHIFT = 14;
const UNITS_PER_PAGE = PAGE_BYTES / UNIT;
const OFFSET_MASK = UNITS_PER_PAGE - 1;

/** The chunk header's size: u32 len | refs << 24. */
const HEADER = 4;
const REF_ONE = 1 << 24;
const LEN_MASK = REF_ONE - 1;
/** The header of a free chunk (its next word links the page's free list). */
const FREED = -1;

/** The largest chunk, header included. */
const MAX_CHUNK = 16 * 1024;

/** Values of at least this many bytes are stored in chunks (below it, a V8 string costs less). */
export const SLAB_MIN_LEN = 256;
/** The longest value a chunk holds; longer ones are ByteStrings with a buffer of their own. */
export const SLAB_MAX_LEN = MAX_CHUNK - HEADER;

/** Empty pages kept for reuse before further ones are dropped. */
const EMPTY_PAGES_KEPT = 16;

// ---------------------------------------------------------------- size classes

/** Chunk size in units per class. */
const classUnits: number[] = [];
/** Units needed (1..MAX_CHUNK/UNIT) → class. */
const classOfUnits = new Uint8Array(MAX_CHUNK / UNIT + 1);
{
  const sizes: number[] = [];
  for (let s = UNIT; s <= 1024; s += UNIT) sizes.push(s);
  for (let base = 1024; base < MAX_CHUNK; base *= 2) {
    for (let k = 1; k <= 8; k++) sizes.push(base + (base / 8) * k);
  }
  let cls = 0;
  for (let u = 1; u <= MAX_CHUNK / UNIT; u++) {
    while (sizes[cls] < u * UNIT) cls++;
    classOfUnits[u] = cls;
  }
  for (const s of sizes) classUnits.push(s / UNIT);
}

/** The chunk size (bytes) a value of `len` bytes takes. */
export function slabChunkBytes(len: number): number {
  return classUnits[classOfUnits[(len + HEADER + UNIT - 1) >>> UNIT_SHIFT]] * UNIT;
}

// ---------------------------------------------------------------- pages

/** Page buffers by page number (null: dropped, the number is free for a new page). */
const pages: (Buffer | null)[] = [];
/** The same memory as 32-bit words: chunk headers and free-list links. */
const words: (Int32Array | null)[] = [];
/** Per page: its class, or -1 while empty. */
let pageClass = new Int16Array(64);
/** Per page: chunks in use. */
let pageLive = new Int32Array(64);
/** Per page: offset (units) of the first free chunk, -1 for none. */
let pageFree = new Int32Array(64);
/** Per page: offset (units) of the part never handed out yet. */
let pageBump = new Int32Array(64);
/** Per page: its position in its class's list of pages with room, -1 when full (or empty). */
let pageAvailPos = new Int32Array(64);

/** Per class: the pages with a free chunk; allocation takes from the last. */
const avail: number[][] = classUnits.map(() => []);
/** Empty pages with a buffer, ready for any class. */
const emptyPages: number[] = [];
/** Page numbers whose buffer was dropped. */
const unusedNumbers: number[] = [];
/** Chunks whose reference count fell to 0, freed by reclaim(). */
const pending: number[] = [];

let pagesInUse = 0;
let bytesInUse = 0;

function growPageArrays(n: number): void {
  if (n <= pageClass.length) return;
  const cap = Math.max(n, pageClass.length * 2);
  const grow = <T extends Int16Array | Int32Array>(a: T, make: (n: number) => T): T => {
    const b = make(cap);
    b.set(a as never);
    return b;
  };
  pageClass = grow(pageClass, (n) => new Int16Array(n));
  pageLive = grow(pageLive, (n) => new Int32Array(n));
  pageFree = grow(pageFree, (n) => new Int32Array(n));
  pageBump = grow(pageBump, (n) => new Int32Array(n));
  pageAvailPos = grow(pageAvailPos, (n) => new Int32Array(n));
}

/** A page for class `cls`, added to the class's list of pages with room. */
function newPage(cls: number): number {
  let p: number;
  if (emptyPages.length > 0) {
    p = emptyPages.pop()!;
  } else {
    p = unusedNumbers.length > 0 ? unusedNumbers.pop()! : pages.length;
    growPageArrays(p + 1);
    const buf = Buffer.allocUnsafeSlow(PAGE_BYTES);
    pages[p] = buf;
    words[p] = new Int32Array(buf.buffer, buf.byteOffset, PAGE_BYTES >> 2);
  }
  pagesInUse++;
  pageClass[p] = cls;
  pageLive[p] = 0;
  pageFree[p] = -1;
  pageBump[p] = 0;
  const list = avail[cls];
  pageAvailPos[p] = list.length;
  list.push(p);
  return p;
}

function removeFromAvail(p: number): void {
  const list = avail[pageClass[p]];
  const pos = pageAvailPos[p];
  const last = list.pop()!;
  if (last !== p) {
    list[pos] = last;
    pageAvailPos[last] = pos;
  }
  pageAvailPos[p] = -1;
}

/** A chunk of class `cls`: its address. */
function allocChunk(cls: number): number {
  const list = avail[cls];
  const p = list.length > 0 ? list[list.length - 1] : newPage(cls);
  const units = classUnits[cls];
  let off = pageFree[p];
  if (off >= 0) {
    pageFree[p] = words[p]![(off << 2) + 1];
  } else {
    off = pageBump[p];
    pageBump[p] = off + units;
  }
  pageLive[p]++;
  bytesInUse += units * UNIT;
  if (pageFree[p] < 0 && pageBump[p] + units > UNITS_PER_PAGE) removeFromAvail(p);
  return (p << PAGE_SHIFT) | off;
}

function freeChunk(addr: number): void {
  const p = addr >>> PAGE_SHIFT;
  const off = addr & OFFSET_MASK;
  const w = words[p]!;
  const cls = pageClass[p];
  w[off << 2] = FREED;
  w[(off << 2) + 1] = pageFree[p];
  pageFree[p] = off;
  bytesInUse -= classUnits[cls] * UNIT;
  const wasFull = pageAvailPos[p] < 0;
  if (--pageLive[p] === 0) {
    if (!wasFull) removeFromAvail(p);
    pageClass[p] = -1;
    pagesInUse--;
    if (emptyPages.length < EMPTY_PAGES_KEPT) {
      emptyPages.push(p);
    } else {
      pages[p] = null;
      words[p] = null;
      unusedNumbers.push(p);
    }
  } else if (wasFull) {
    const list = avail[cls];
    pageAvailPos[p] = list.length;
    list.push(p);
  }
}

// ---------------------------------------------------------------- values

/**
 * A string value held in a slab chunk. Immutable (APPEND and SETRANGE make a ByteString of it);
 * `bytes.subarray(start, start + len)` are its bytes. Reading it after its chunk was reclaimed
 * would read another value: only the keyspace keeps SlabStrings, and commands use what they read
 * before their end.
 */
export class SlabString {
  /** The chunk's address: page << 14 | offset in 16-byte units. */
  constructor(readonly addr: number) {}

  /** The value's type, as collections carry theirs (on the prototype: no field per value). */
  get type(): 'string' {
    return 'string';
  }

  /**
   * A new value holding the latin1 bytes of `s` (SLAB_MIN_LEN <= length <= SLAB_MAX_LEN). It starts
   * unreferenced: the next reclaim() frees it unless a keyspace has stored it by then.
   */
  static fromLatin1(s: string): SlabString {
    const len = s.length;
    const addr = allocChunk(classOfUnits[(len + HEADER + UNIT - 1) >>> UNIT_SHIFT]);
    const p = addr >>> PAGE_SHIFT;
    const at = (addr & OFFSET_MASK) << UNIT_SHIFT;
    words[p]![at >> 2] = len;
    pages[p]!.latin1Write(s, at + HEADER, len);
    // Freed by the next reclaim unless a keyspace stores it by then.
    pending.push(addr);
    return new SlabString(addr);
  }

  /** A new value holding `len` bytes of `src` from `from`, unreferenced. */
  static fromBytes(src: Uint8Array, from: number, len: number): SlabString {
    const addr = allocChunk(classOfUnits[(len + HEADER + UNIT - 1) >>> UNIT_SHIFT]);
    const p = addr >>> PAGE_SHIFT;
    const at = (addr & OFFSET_MASK) << UNIT_SHIFT;
    words[p]![at >> 2] = len;
    pages[p]!.set(src.subarray(from, from + len), at + HEADER);
    pending.push(addr);
    return new SlabString(addr);
  }

  /** The page holding the bytes (see `start`). */
  get bytes(): Buffer {
    return pages[this.addr >>> PAGE_SHIFT]!;
  }

  /** Where the bytes start in `bytes`. */
  get start(): number {
    return ((this.addr & OFFSET_MASK) << UNIT_SHIFT) + HEADER;
  }

  /** Length in bytes. */
  get len(): number {
    return words[this.addr >>> PAGE_SHIFT]![(this.addr & OFFSET_MASK) << 2] & LEN_MASK;
  }

  toString(): string {
    const at = ((this.addr & OFFSET_MASK) << UNIT_SHIFT) + HEADER;
    return pages[this.addr >>> PAGE_SHIFT]!.latin1Slice(at, at + this.len);
  }

  /** Estimated bytes: the handle object and the chunk (memory accounting). */
  memoryUsage(): number {
    return SLAB_HANDLE_BYTES + slabChunkBytes(this.len);
  }

  /** A keyspace slot now holds this value. */
  retain(): void {
    words[this.addr >>> PAGE_SHIFT]![(this.addr & OFFSET_MASK) << 2] += REF_ONE;
  }

  /** A keyspace slot no longer holds this value: when none does, its chunk is freed at the next reclaim(). */
  release(): void {
    const w = words[this.addr >>> PAGE_SHIFT]!;
    const h = (this.addr & OFFSET_MASK) << 2;
    if ((w[h] -= REF_ONE) < REF_ONE) pending.push(this.addr);
  }

  /** How many keyspace slots hold the value (tests). */
  get refs(): number {
    return words[this.addr >>> PAGE_SHIFT]![(this.addr & OFFSET_MASK) << 2] >>> 24;
  }
}

/** A SlabString object on the V8 heap: header words and the one field. */
export const SLAB_HANDLE_BYTES = 32;

/**
 * Frees the chunks released since the last call that nothing holds again. Call it only where no
 * command is running (a command may still read what it deleted).
 */
export function reclaimSlabs(): void {
  const n = pending.length;
  if (n === 0) return;
  for (let i = 0; i < n; i++) {
    const addr = pending[i];
    const w = words[addr >>> PAGE_SHIFT];
    // A page this loop emptied and dropped: the chunk was freed by an earlier entry.
    if (w === null) continue;
    const h = w[(addr & OFFSET_MASK) << 2];
    // Freed already (released twice before this reclaim), or stored again since (a move).
    if (h !== FREED && h < REF_ONE) freeChunk(addr);
  }
  pending.length = 0;
}

/** Drops the reserve of empty pages (MEMORY PURGE, as jemalloc purges its dirty pages); V8 frees them at its next GC. */
export function purgeSlabs(): void {
  while (emptyPages.length > 0) {
    const p = emptyPages.pop()!;
    pages[p] = null;
    words[p] = null;
    unusedNumbers.push(p);
  }
}

/** What the slabs hold (tests, benchmarks). */
export function slabStats(): { pages: number; emptyPages: number; pageBytes: number; chunkBytes: number; pending: number } {
  return { pages: pagesInUse, emptyPages: emptyPages.length, pageBytes: PAGE_BYTES, chunkBytes: bytesInUse, pending: pending.length };
}
