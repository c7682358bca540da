import type { Keyspace } from './keyspace.js';

/**
 * Which key a maxmemory-policy gives up next: the part of Redis 7.0's evict.c that reads the
 * keyspace (the server's side, src/server/evict.ts, deletes the key and reports it).
 *
 * The LRU, LFU and TTL policies approximate their ideal with Redis's eviction pool: every time a
 * key must go, `maxmemory-samples` keys of each database are sampled (from all keys, or from the
 * keys with a TTL for volatile-*), each scored by the policy (the higher the better to evict: idle
 * time, 255 minus the LFU counter, or how soon it expires), and the ones better than the pool's
 * worst enter a pool of 16 kept sorted by score across calls and databases. The best entry that
 * still exists is evicted; entries whose key is gone (deleted since, or evicted from another
 * entry) are dropped as ghosts. The random policies take a random key of the next database in
 * turn. Nothing is kept per key beyond the keyspace's access word: the pool is 16 entries, a
 * sample is O(samples).
 *
 * allkeys-tinylfu, Cinder's own, ranks candidates by a frequency sketch's estimate and admits new
 * keys through a window (src/engine/tinylfu.ts); it uses the same pool.
 */

/** Entries in the eviction pool (Redis's EVPOOL_SIZE). */
export const EVPOOL_SIZE = 16;

/** How a maxmemory-policy ranks candidates ('none': noeviction, nothing is ever evicted). */
export type EvictionRank = 'lru' | 'lfu' | 'ttl' | 'random' | 'tinylfu' | 'none';

/** A maxmemory-policy as eviction reads it (Redis's MAXMEMORY_FLAG_* bits). */
export interface EvictionPolicy {
  readonly name: string;
  /** Candidates are every key (allkeys-*) rather than only keys with a TTL (volatile-*). */
  readonly allKeys: boolean;
  readonly rank: EvictionRank;
}

const POLICIES: ReadonlyMap<string, EvictionPolicy> = new Map(
  (
    [
      ['volatile-lru', false, 'lru'],
      ['volatile-lfu', false, 'lfu'],
      ['volatile-random', false, 'random'],
      ['volatile-ttl', false, 'ttl'],
      ['allkeys-lru', true, 'lru'],
      ['allkeys-lfu', true, 'lfu'],
      ['allkeys-random', true, 'random'],
      ['allkeys-tinylfu', true, 'tinylfu'],
      ['noeviction', false, 'none'],
    ] as const
  ).map(([name, allKeys, rank]) => [name, { name, allKeys, rank }]),
);

/** The policy named by a maxmemory-policy value (noeviction for anything else). */
export function evictionPolicy(name: string): EvictionPolicy {
  return POLICIES.get(name) ?? POLICIES.get('noeviction')!;
}

/** Sample sizes up to this avoid picking one slot twice (Redis's dictGetSomeKeys returns distinct keys). */
const DISTINCT_SAMPLE_MAX = 32;

/**
 * Up to `count` distinct random slots of `db` (of its keys with a TTL when `volatileOnly`) into
 * `out`; returns how many. A database with no more keys than `count` gives all of them, as
 * Redis's dictGetSomeKeys does, so small datasets are ranked exactly.
 */
export function sampleSlots(db: Keyspace, volatileOnly: boolean, count: number, out: Int32Array, random: () => number = Math.random): number {
  const n = volatileOnly ? db.volatileCount : db.size;
  if (n <= count) {
    for (let i = 0; i < n; i++) out[i] = volatileOnly ? db.volatileSlotAt(i) : i;
    return n;
  }
  const distinct = count <= DISTINCT_SAMPLE_MAX;
  let got = 0;
  // Bounded as dictGetSomeKeys bounds its walk: a few repeats are allowed to fail.
  for (let tries = count * 10; got < count && tries > 0; tries--) {
    const i = Math.floor(random() * n);
    const slot = volatileOnly ? db.volatileSlotAt(i) : i;
    if (distinct) {
      let seen = false;
      for (let j = 0; j < got; j++) {
        if (out[j] === slot) {
          seen = true;
          break;
        }
      }
      if (seen) continue;
    }
    out[got++] = slot;
  }
  return got;
}

/**
 * A candidate's score under `rank` (Redis calls it "idle": higher is a better pick): idle time in
 * ms for LRU, 255 minus the decayed counter for LFU, the expiry negated for TTL (sooner is better).
 */
export function evictionScore(db: Keyspace, slot: number, rank: EvictionRank): number {
  if (rank === 'lru') return db.idleMsAt(slot);
  if (rank === 'lfu') return 255 - db.lfuAt(slot);
  if (rank === 'tinylfu') return tinylfuScore(db.sketchEstimateAt(slot), db.idleMsAt(slot));
  return -db.expireAt(slot);
}

/** Idle times fit below this (the LRU clock's 2^24 seconds in ms), so a frequency step outweighs any idle time. */
const TINYLFU_FREQUENCY_STEP = 2 ** 35;

/**
 * allkeys-tinylfu's score: the fewer recent accesses the sketch estimates (0..15), the better to
 * evict; among equal estimates, the longer idle.
 */
export function tinylfuScore(estimate: number, idleMs: number): number {
  return (15 - estimate) * TINYLFU_FREQUENCY_STEP + idleMs;
}

/**
 * allkeys-tinylfu's score of a key leaving the admission window: above every key with the same
 * estimate, so it is evicted unless the sketch rates it above the best victim sampled (TinyLFU
 * admits a candidate only when it is more frequent than the victim).
 */
export function admissionScore(estimate: number): number {
  return tinylfuScore(estimate, TINYLFU_FREQUENCY_STEP - 1);
}

/** Redis's EvictionPoolLRU: the best candidates seen so far, ascending by score. */
export class EvictionPool {
  private readonly keys: Array<string | null> = new Array<string | null>(EVPOOL_SIZE).fill(null);
  private readonly dbids = new Int32Array(EVPOOL_SIZE);
  private readonly scores = new Float64Array(EVPOOL_SIZE);
  /**
   * Where each key was when sampled: checked first when the entry is taken (the key string is
   * usually the very one still there), so most picks need no hash lookup. Slots move on deletion,
   * hence the check.
   */
  private readonly slots = new Int32Array(EVPOOL_SIZE);
  private sample = new Int32Array(16);
  private sampleScores = new Float64Array(16);
  /** The database of the slot `popBest` returned last. */
  picked: Keyspace | null = null;

  /**
   * evictionPoolPopulate: samples `samples` keys of `db` (all keys, or those with a TTL unless
   * `policy.allKeys`) and inserts each that scores above the pool's worst entry (or finds room).
   */
  populate(db: Keyspace, policy: EvictionPolicy, samples: number, random: () => number = Math.random): void {
    if (this.sample.length < samples) this.sample = new Int32Array(samples);
    const sample = this.sample;
    const count = sampleSlots(db, !policy.allKeys, samples, sample, random);
    const rank = policy.rank;
    // Scores first, in a loop of independent reads (the CPU overlaps their cache misses), then
    // the pool.
    if (this.sampleScores.length < count) this.sampleScores = new Float64Array(samples);
    const sampleScores = this.sampleScores;
    for (let j = 0; j < count; j++) sampleScores[j] = evictionScore(db, sample[j], rank);
    const keys = this.keys;
    const scores = this.scores;
    for (let j = 0; j < count; j++) {
      const score = sampleScores[j];
      // A full pool takes nothing worse than its worst entry (checked before reading the key).
      if (keys[EVPOOL_SIZE - 1] !== null && !(scores[0] < score)) continue;
      const slot = sample[j];
      this.insertAt(db.keyAt(slot), db.id, slot, score);
    }
  }

  /** Inserts a candidate (see insertAt); `slot` -1 when unknown. */
  insert(key: string, dbid: number, score: number, slot = -1): void {
    this.insertAt(key, dbid, slot, score);
  }

  /**
   * Inserts a candidate where its score belongs: into the first empty entry or before the first
   * entry scoring as much or more. When the pool is full, the worst entry makes room, unless the
   * candidate is worse than all of them. Equal scores go before the earlier ones, so of equals
   * the earliest inserted is evicted first, as in Redis.
   */
  private insertAt(key: string, dbid: number, slot: number, score: number): void {
    const keys = this.keys;
    const scores = this.scores;
    const dbids = this.dbids;
    const slots = this.slots;
    const last = EVPOOL_SIZE - 1;
    let k = 0;
    while (k < EVPOOL_SIZE && keys[k] !== null && scores[k] < score) k++;
    if (k === 0 && keys[last] !== null) return;
    if (k < EVPOOL_SIZE && keys[k] === null) {
      // An empty entry: nothing to move.
    } else if (keys[last] === null) {
      // Room at the right: shift k.. one to the right.
      for (let i = last; i > k; i--) {
        keys[i] = keys[i - 1];
        scores[i] = scores[i - 1];
        dbids[i] = dbids[i - 1];
        slots[i] = slots[i - 1];
      }
    } else {
      // Full: drop the worst (entry 0) by shifting ..k-1 one to the left.
      k--;
      for (let i = 0; i < k; i++) {
        keys[i] = keys[i + 1];
        scores[i] = scores[i + 1];
        dbids[i] = dbids[i + 1];
        slots[i] = slots[i + 1];
      }
    }
    keys[k] = key;
    scores[k] = score;
    dbids[k] = dbid;
    slots[k] = slot;
  }

  /**
   * Takes entries from the best down until one names a key that still exists in its database
   * (with a TTL still, unless `allKeys`); ghosts are dropped on the way. Returns that key's slot,
   * its database in `picked`, or -1 when the pool ran out.
   */
  popBest(dbs: readonly Keyspace[], allKeys: boolean): number {
    const keys = this.keys;
    for (let k = EVPOOL_SIZE - 1; k >= 0; k--) {
      const key = keys[k];
      if (key === null) continue;
      keys[k] = null;
      const db = dbs[this.dbids[k]];
      if (db === undefined) continue;
      let slot = this.slots[k];
      if (slot < 0 || slot >= db.size || db.keyAt(slot) !== key) slot = db.storedSlot(key);
      if (slot >= 0 && (allKeys || db.expireAt(slot) >= 0)) {
        this.picked = db;
        return slot;
      }
    }
    return -1;
  }

  /** The keys in the pool, worst first (tests). */
  entries(): Array<{ key: string; dbid: number; score: number }> {
    const out: Array<{ key: string; dbid: number; score: number }> = [];
    for (let k = 0; k < EVPOOL_SIZE; k++) {
      const key = this.keys[k];
      if (key !== null) out.push({ key, dbid: this.dbids[k], score: this.scores[k] });
    }
    return out;
  }
}
