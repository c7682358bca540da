/**
 * The access-frequency sketch of the allkeys-tinylfu policy: TinyLFU's approximate counting
 * (Einziger, Friedman, Manes, "TinyLFU: A Highly Efficient Cache Admission Policy", ACM
 * Transactions on Storage 13(4), 2017), which remembers how often keys were asked for, whether or
 * not they are still stored.
 *
 * A count-min sketch of 4-bit counters, eight to a 32-bit word, `DEPTH` counters per key, picked
 * from the key's 32-bit hash (the keyspace's own, already stored per key) by double hashing:
 * counter i of a key is (h1 + i * h2) mod size. An increment raises only those of a key's
 * counters that equal their minimum (the "conservative update" the paper uses), up to 15; the
 * estimate is the minimum. Counts age by the paper's reset: after `sampleSize` increments (ten
 * per key the sketch is sized for) every counter is halved, so the sketch ranks keys by their
 * recent popularity and forgets a burst in a few periods.
 *
 * The size follows the number of keys stored (`fit`): `COUNTERS_PER_KEY` counters per key,
 * rounded up to a power of two, between MIN_COUNTERS and MAX_COUNTERS (16 MB). It only grows. A
 * doubling keeps every estimate: a counter's index is the hash masked by the size, so after
 * doubling counter j is found at j or j + old size, and both are copies of the old one. Growing
 * by FRESH_GROWTH or more starts empty instead: a small table's counters each sum many keys, and
 * copied they would inflate every key's estimate (the server sizes the sketch for maxmemory
 * early, so this happens while there is little to lose).
 */

/** Counters per key (the paper's sketches use a few per cached item; more only sharpens rare keys). */
export const SKETCH_DEPTH = 4;

/** Counters per stored key the sketch is sized for (8 bytes per key; 8 counters did 0.5 points worse on the scan trace). */
export const COUNTERS_PER_KEY = 16;

/** Smallest sketch: 4096 counters (2 KB). */
export const MIN_COUNTERS = 1 << 12;

/** Largest sketch: 2^25 counters (16 MB), enough for 2 million keys at COUNTERS_PER_KEY. */
export const MAX_COUNTERS = 1 << 25;

/** Increments per key the sketch is sized for between two halvings (the paper's W / C). */
export const SAMPLE_PER_KEY = 10;

/** Growing by this factor or more starts an empty table instead of copies (see `fit`). */
export const FRESH_GROWTH = 4;

/** Largest value of a counter. */
export const COUNTER_MAX = 15;

export class FrequencySketch {
  /** Eight 4-bit counters per word. */
  private table: Uint32Array;
  /** Counters - 1 (the size is a power of two). */
  private mask: number;
  /** Increments since the last halving (counted only when a counter moved, as in the paper). */
  private additions = 0;
  /** Increments between two halvings (they are counted only when a counter moved). */
  sampleSize: number;
  /** Number of halvings so far (tests, INFO). */
  resets = 0;

  /**
   * A sketch sized for `keys` stored keys (see `fit`); `countersPerKey` and `samplePerKey` default
   * to COUNTERS_PER_KEY and SAMPLE_PER_KEY (other values: experiments, bench/policy-sim.ts).
   */
  constructor(
    keys = 0,
    private readonly countersPerKey = COUNTERS_PER_KEY,
    private readonly samplePerKey = SAMPLE_PER_KEY,
  ) {
    const counters = this.countersFor(keys);
    this.table = new Uint32Array(counters >>> 3);
    this.mask = counters - 1;
    this.sampleSize = this.sampleFor(keys);
  }

  /** Counters for `keys` keys: countersPerKey each, a power of two within the bounds. */
  private countersFor(keys: number): number {
    let n = MIN_COUNTERS;
    while (n < keys * this.countersPerKey && n < MAX_COUNTERS) n *= 2;
    return n;
  }

  /**
   * The halving period for `keys` keys: samplePerKey increments each, at most one per counter, so
   * the counters cannot all saturate before it ends (a saturated sketch stops counting additions
   * and would never age); with more keys than MAX_COUNTERS serves, that bound decides.
   */
  private sampleFor(keys: number): number {
    const sized = Math.max(keys, MIN_COUNTERS / this.countersPerKey);
    return Math.min(this.countersFor(keys), Math.round(sized * this.samplePerKey));
  }

  /** Bytes the sketch holds (counted in used_memory's overhead). */
  get bytes(): number {
    return this.table.byteLength;
  }

  /** Number of counters. */
  get counters(): number {
    return this.mask + 1;
  }

  /**
   * Sizes the sketch for `keys` stored keys: grows it until it has COUNTERS_PER_KEY counters per
   * key or reaches MAX_COUNTERS (doubling keeps every estimate; FRESH_GROWTH or more starts
   * empty), and sets the halving period to SAMPLE_PER_KEY increments per key. Returns the change
   * in bytes (0 or more).
   */
  fit(keys: number): number {
    this.sampleSize = this.sampleFor(keys);
    const want = this.countersFor(keys);
    const before = this.table.byteLength;
    if (want >= (this.mask + 1) * FRESH_GROWTH) {
      // Copies of a table this much smaller would give every key the small table's collisions.
      this.table = new Uint32Array(want >>> 3);
      this.mask = want - 1;
      this.additions = 0;
    }
    while (this.mask + 1 < want) {
      const old = this.table;
      const grown = new Uint32Array(old.length * 2);
      grown.set(old, 0);
      grown.set(old, old.length);
      this.table = grown;
      this.mask = this.mask * 2 + 1;
    }
    return this.table.byteLength - before;
  }

  /** Records one access to the key of hash `hash` (the keyspace's hashKey). */
  increment(hash: number): void {
    const table = this.table;
    const mask = this.mask;
    const h2 = secondHash(hash);
    // Pass 1: the minimum of the key's counters.
    let min = COUNTER_MAX;
    let index = hash;
    for (let i = 0; i < SKETCH_DEPTH; i++) {
      const c = index & mask;
      const v = (table[c >>> 3] >>> ((c & 7) << 2)) & 15;
      if (v < min) min = v;
      index = (index + h2) | 0;
    }
    if (min === COUNTER_MAX) return;
    // Pass 2: raise the counters at that minimum (the others already count other keys too).
    index = hash;
    for (let i = 0; i < SKETCH_DEPTH; i++) {
      const c = index & mask;
      const shift = (c & 7) << 2;
      if (((table[c >>> 3] >>> shift) & 15) === min) table[c >>> 3] += 1 << shift;
      index = (index + h2) | 0;
    }
    if (++this.additions >= this.sampleSize) this.halve();
  }

  /** The estimated recent accesses of the key of hash `hash`: 0 to 15, never below the truth before aging. */
  estimate(hash: number): number {
    const table = this.table;
    const mask = this.mask;
    const h2 = secondHash(hash);
    let min = COUNTER_MAX;
    let index = hash;
    for (let i = 0; i < SKETCH_DEPTH; i++) {
      const c = index & mask;
      const v = (table[c >>> 3] >>> ((c & 7) << 2)) & 15;
      if (v < min) min = v;
      index = (index + h2) | 0;
    }
    return min;
  }

  /** The reset: every counter halved (rounding down), and the additions with them. */
  halve(): void {
    const table = this.table;
    for (let i = 0; i < table.length; i++) table[i] = (table[i] >>> 1) & 0x77777777;
    this.additions = this.additions >>> 1;
    this.resets++;
  }

  /** Forgets every count (FLUSHALL leaves the sizing as it is). */
  clear(): void {
    this.table.fill(0);
    this.additions = 0;
  }
}

/** The step of double hashing: odd, so a key's counters differ within any power-of-two size. */
function secondHash(hash: number): number {
  let h = Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  return (h ^ (h >>> 15)) | 1;
}
