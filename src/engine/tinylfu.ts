import { FrequencySketch } from './frequency-sketch.js';

/**
 * The state of the allkeys-tinylfu maxmemory-policy, beside the keyspaces: W-TinyLFU (Einziger,
 * Friedman, Manes, "TinyLFU: A Highly Efficient Cache Admission Policy", ACM Transactions on
 * Storage 13(4), 2017) fitted to Redis's sampled eviction.
 *
 * - A frequency sketch (src/engine/frequency-sketch.ts) counts every access: reads that hit or
 *   miss, and writes. It remembers keys that are not stored, so a key that was evicted and is
 *   asked for again comes back with its history, while a key read once (a scan) has a count of 1.
 * - Eviction ranks sampled keys by that estimate (fewest recent accesses first), then by idle time
 *   (src/engine/evict.ts, tinylfuScore), in Redis's pool of 16.
 * - Admission: a SET always stores its key, so admission is the choice of the next victim. New
 *   keys first wait in a small window (WINDOW_SHARE of the keys, the paper's "W" LRU reduced to a
 *   FIFO of names); a key leaving it enters the eviction pool as a candidate that loses every tie:
 *   it stays only if the sketch rates it above the best victim the samples offer. So a burst of
 *   keys read once goes out as it came, one by one, instead of pushing out the warm set.
 *
 * Memory: the sketch (8 bytes per key, at most 16 MB) and the window (12 bytes per slot, 5% of the
 * keys plus slack, at most 2^16 + 1024 slots); both are counted in used_memory's overhead.
 */

/**
 * Share of the keys held that new keys wait among before they compete. The paper's default is
 * 1%; on the bench's traces (bench/policy-sim.ts) 5% keeps 0.35 points more on the scan trace and
 * the same on plain Zipf reads (new keys get longer to be read again before they compete).
 */
export const WINDOW_SHARE = 0.05;

/** Largest window, in keys. */
export const WINDOW_MAX = 1 << 16;

/** Window slots beyond its size, for keys written between two eviction runs (older ones are dropped). */
const WINDOW_SLACK = 1024;

export class TinyLfu {
  readonly sketch: FrequencySketch;
  /** The window: a ring of the keys created last, oldest at `head`, with their database ids. */
  private names: Array<string | null>;
  private dbids: Int32Array;
  private head = 0;
  private count = 0;
  /** Keys the window keeps; the ones written before them are due for admission. */
  windowSize: number;

  /** State sized for `keys` stored keys (see `fit`). */
  constructor(keys = 0) {
    this.sketch = new FrequencySketch(keys);
    this.windowSize = windowFor(keys);
    this.names = new Array<string | null>(this.windowSize + WINDOW_SLACK).fill(null);
    this.dbids = new Int32Array(this.windowSize + WINDOW_SLACK);
  }

  /** Bytes held (the sketch, and the window's name references and ids). */
  get bytes(): number {
    return this.sketch.bytes + this.names.length * 8 + this.dbids.byteLength;
  }

  /** Keys waiting in the window (tests). */
  get waiting(): number {
    return this.count;
  }

  /**
   * Sizes the sketch and the window for `keys` stored keys (the server's cron). Returns the
   * change in bytes.
   */
  fit(keys: number): number {
    const before = this.bytes;
    this.sketch.fit(keys);
    const size = windowFor(keys);
    if (size !== this.windowSize) {
      // Keep the newest keys, oldest first.
      const capacity = size + WINDOW_SLACK;
      const names = new Array<string | null>(capacity).fill(null);
      const dbids = new Int32Array(capacity);
      const keep = Math.min(this.count, capacity);
      for (let i = 0; i < keep; i++) {
        const from = (this.head + this.count - keep + i) % this.names.length;
        names[i] = this.names[from];
        dbids[i] = this.dbids[from];
      }
      this.names = names;
      this.dbids = dbids;
      this.head = 0;
      this.count = keep;
      this.windowSize = size;
    }
    return this.bytes - before;
  }

  /** Records one access to the key of hash `hash` (a hit, a miss or a write). */
  record(hash: number): void {
    this.sketch.increment(hash);
  }

  /** The sketch's estimate of the key's recent accesses, 0..15. */
  estimate(hash: number): number {
    return this.sketch.estimate(hash);
  }

  /** A key was created in database `dbid`: counted as an access, and it enters the window. */
  created(dbid: number, key: string, hash: number): void {
    this.sketch.increment(hash);
    const capacity = this.names.length;
    if (this.count === capacity) {
      // Nothing was evicted for a while: the oldest leaves without competing.
      this.head = (this.head + 1) % capacity;
      this.count--;
    }
    const at = (this.head + this.count) % capacity;
    this.names[at] = key;
    this.dbids[at] = dbid;
    this.count++;
  }

  /**
   * Takes the keys due for admission (written before the window's newest `windowSize`), oldest
   * first, calling `admit` with each; the caller checks that the key still exists.
   */
  drainDue(admit: (dbid: number, key: string) => void): void {
    const capacity = this.names.length;
    while (this.count > this.windowSize) {
      const key = this.names[this.head]!;
      const dbid = this.dbids[this.head];
      this.names[this.head] = null;
      this.head = (this.head + 1) % capacity;
      this.count--;
      admit(dbid, key);
    }
  }
}

function windowFor(keys: number): number {
  return Math.min(WINDOW_MAX, Math.max(1, Math.round(keys * WINDOW_SHARE)));
}
