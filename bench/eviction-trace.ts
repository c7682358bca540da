/**
 * The eviction benchmark's workload, with no I/O: a seeded random generator, a Zipf sampler, the
 * traces (which key each operation reads) and an exact LRU cache simulated offline on a trace.
 * The load tool (bench/eviction-quality.ts) replays a trace against a server; the harness
 * (bench/eviction.ts) builds the same trace again from its spec to simulate the exact LRU, so
 * both sides always agree on every key of every operation.
 */

// ---------------------------------------------------------------------------------------------
// Random numbers

/**
 * A small seeded generator (sfc32, Chris Doty-Humphrey's "small fast counting" generator; its state
 * is seeded through splitmix32). Math.random cannot be seeded, and both servers must get the same
 * trace, run after run.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;

  constructor(seed: number) {
    let s = seed >>> 0;
    const splitmix = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = splitmix();
    this.b = splitmix();
    this.c = splitmix();
    // The first outputs of sfc32 are still correlated with the seed.
    for (let i = 0; i < 15; i++) this.next32();
  }

  /** A uniform 32-bit unsigned integer. */
  next32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.next32() >>> 5; // 27 bits
    const lo = this.next32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }
}

// ---------------------------------------------------------------------------------------------
// Zipf

/**
 * Draws ranks 0..n-1 with P(rank k) proportional to 1 / (k + 1)^skew: rank 0 is the most popular.
 * Exact inverse transform over a table of the cumulative distribution (8 bytes per rank, a binary
 * search per draw), which is plenty fast for a few hundred thousand keys.
 */
export class ZipfSampler {
  private readonly cdf: Float64Array;

  constructor(
    readonly n: number,
    readonly skew: number,
  ) {
    if (!Number.isInteger(n) || n < 1) throw new Error('Zipf: n must be a positive integer');
    if (!(skew >= 0)) throw new Error('Zipf: skew must be >= 0');
    this.cdf = new Float64Array(n);
    let sum = 0;
    for (let k = 0; k < n; k++) {
      sum += Math.pow(k + 1, -skew);
      this.cdf[k] = sum;
    }
    for (let k = 0; k < n; k++) this.cdf[k]! /= sum;
    this.cdf[n - 1] = 1; // no rounding gap at the end
  }

  /** The probability of rank k. */
  probability(k: number): number {
    return k === 0 ? this.cdf[0]! : this.cdf[k]! - this.cdf[k - 1]!;
  }

  /** One rank, using `rng`. */
  sample(rng: Rng): number {
    const u = rng.next();
    // The first rank whose cumulative probability exceeds u.
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cdf[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

// ---------------------------------------------------------------------------------------------
// Traces

/**
 * One workload. Operations read key ids: Zipf-chosen ids are in [0, keys); with `scan`, the Zipf
 * stream is cut every `every` operations by a burst of `length` keys that are read once and never
 * again (ids from `keys` upwards, in sequence: a scan over data that is not otherwise used).
 */
export interface TraceSpec {
  /** Distinct keys of the Zipf part (the keyspace). */
  keys: number;
  /** Zipf skew (0.9, 1.2, ...). */
  skew: number;
  /** Operations in all, warm-up included. */
  ops: number;
  /** The first `warmup` operations are not counted. */
  warmup: number;
  seed: number;
  scan?: { every: number; length: number };
}

/** The key ids of every operation of `spec`, in order. Deterministic for a given spec. */
export function buildTrace(spec: TraceSpec): Int32Array {
  const rng = new Rng(spec.seed);
  const zipf = new ZipfSampler(spec.keys, spec.skew);
  // Popularity rank -> key id through a seeded permutation, so the hot keys are not the first ids
  // (nor loaded first, nor neighbours in any structure that orders keys by name).
  const idOfRank = new Int32Array(spec.keys);
  for (let i = 0; i < spec.keys; i++) idOfRank[i] = i;
  for (let i = spec.keys - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    const t = idOfRank[i]!;
    idOfRank[i] = idOfRank[j]!;
    idOfRank[j] = t;
  }
  const out = new Int32Array(spec.ops);
  let nextScanId = spec.keys;
  let sinceScan = 0;
  for (let i = 0; i < spec.ops; ) {
    if (spec.scan && sinceScan === spec.scan.every) {
      for (let k = 0; k < spec.scan.length && i < spec.ops; k++) out[i++] = nextScanId++;
      sinceScan = 0;
      continue;
    }
    out[i++] = idOfRank[zipf.sample(rng)]!;
    sinceScan++;
  }
  return out;
}

/** One past the largest id `buildTrace(spec)` can produce. */
export function traceIdSpace(spec: TraceSpec): number {
  return spec.keys + (spec.scan ? spec.ops : 0);
}

/** The server key of id `id`: `ev:%010d` (scan keys included: their ids follow the keyspace). */
export function traceKey(id: number): string {
  return 'ev:' + String(id).padStart(10, '0');
}

// ---------------------------------------------------------------------------------------------
// Exact LRU, offline

export interface SimResult {
  /** Counted operations (those at index >= from) and their hits. */
  ops: number;
  hits: number;
}

/**
 * An exact LRU cache of `capacity` keys, driven like the load tool drives a server (cache-aside in
 * batches): for each batch of `batch` operations, every GET first (a hit makes the key the most
 * recent), then a SET of each key that missed, in order (inserting it, or making it the most recent
 * when an earlier SET of the same batch already inserted it), evicting the least recent key while
 * the cache holds more than `capacity`. This is the command sequence the tool sends, so the
 * result is what a server with perfect LRU and room for exactly `capacity` keys would answer.
 * Operations at index >= `from` are counted.
 */
export function simulateLru(trace: Int32Array, idSpace: number, capacity: number, batch: number, from: number): SimResult {
  if (capacity < 1) return { ops: Math.max(0, trace.length - from), hits: 0 };
  // A circular doubly linked list over ids, with a sentinel at index idSpace: next of the sentinel
  // is the most recent key, prev the least recent.
  const head = idSpace;
  const next = new Int32Array(idSpace + 1);
  const prev = new Int32Array(idSpace + 1);
  const cached = new Uint8Array(idSpace);
  next[head] = head;
  prev[head] = head;
  let size = 0;
  const unlink = (id: number): void => {
    next[prev[id]!] = next[id]!;
    prev[next[id]!] = prev[id]!;
  };
  const pushFront = (id: number): void => {
    next[id] = next[head]!;
    prev[id] = head;
    prev[next[head]!] = id;
    next[head] = id;
  };
  const misses = new Int32Array(batch);
  let hits = 0;
  for (let start = 0; start < trace.length; start += batch) {
    const end = Math.min(trace.length, start + batch);
    let nMiss = 0;
    for (let i = start; i < end; i++) {
      const id = trace[i]!;
      if (cached[id] === 1) {
        if (i >= from) hits++;
        unlink(id);
        pushFront(id);
      } else misses[nMiss++] = id;
    }
    for (let m = 0; m < nMiss; m++) {
      const id = misses[m]!;
      if (cached[id] === 1) unlink(id);
      else {
        cached[id] = 1;
        size++;
      }
      pushFront(id);
      if (size > capacity) {
        const victim = prev[head]!;
        unlink(victim);
        cached[victim] = 0;
        size--;
      }
    }
  }
  return { ops: Math.max(0, trace.length - from), hits };
}
