/**
 * The eviction benchmark's workload (bench/eviction-trace.ts): the seeded generator and the Zipf
 * sampler must give both servers the same trace run after run with the requested skew, and the
 * offline exact LRU must count hits as a perfect LRU cache driven by the load tool's batches would.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildTrace, Rng, simulateLru, traceIdSpace, ZipfSampler, type TraceSpec } from '../../bench/eviction-trace.js';

describe('eviction trace: seeded random numbers', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const draw = (seed: number): number[] => {
      const r = new Rng(seed);
      return Array.from({ length: 8 }, () => r.next32());
    };
    assert.deepEqual(draw(42), draw(42));
    assert.notDeepEqual(draw(42), draw(43));
  });

  it('gives doubles in [0, 1) with a uniform mean', () => {
    const r = new Rng(7);
    let sum = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const x = r.next();
      assert.ok(x >= 0 && x < 1);
      sum += x;
    }
    // The mean of n uniforms has a standard deviation of 1/sqrt(12 n) (about 0.0009 here).
    assert.ok(Math.abs(sum / n - 0.5) < 0.005, `mean ${sum / n}`);
  });
});

describe('eviction trace: Zipf sampler', () => {
  it('has probabilities 1/(k+1)^s normalised', () => {
    const z = new ZipfSampler(4, 1);
    const h = 1 + 1 / 2 + 1 / 3 + 1 / 4;
    for (let k = 0; k < 4; k++) assert.ok(Math.abs(z.probability(k) - 1 / (k + 1) / h) < 1e-12);
  });

  it('is deterministic for a seed', () => {
    const z = new ZipfSampler(10_000, 0.9);
    const draw = (): number[] => {
      const r = new Rng(1);
      return Array.from({ length: 1000 }, () => z.sample(r));
    };
    assert.deepEqual(draw(), draw());
  });

  for (const skew of [0.9, 1.2]) {
    it(`draws ranks with skew ${skew} (frequencies and log-log slope within tolerance)`, () => {
      const n = 1000;
      const draws = 400_000;
      const z = new ZipfSampler(n, skew);
      const r = new Rng(12345);
      const counts = new Float64Array(n);
      for (let i = 0; i < draws; i++) counts[z.sample(r)]!++;
      // The top ranks: observed frequency within 5 standard deviations of the expected one.
      for (let k = 0; k < 20; k++) {
        const p = z.probability(k);
        const sd = Math.sqrt(draws * p * (1 - p));
        assert.ok(Math.abs(counts[k]! - draws * p) < 5 * sd, `rank ${k}: ${counts[k]} vs ${draws * p}`);
      }
      // The slope of log(frequency) against log(rank) over ranks 1..100 is -skew.
      let sx = 0;
      let sy = 0;
      let sxx = 0;
      let sxy = 0;
      const m = 100;
      for (let k = 0; k < m; k++) {
        const x = Math.log(k + 1);
        const y = Math.log(counts[k]!);
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
      }
      const slope = (m * sxy - sx * sy) / (m * sxx - sx * sx);
      assert.ok(Math.abs(slope + skew) < 0.05, `slope ${slope}, expected ${-skew}`);
    });
  }
});

describe('eviction trace: traces', () => {
  const spec: TraceSpec = { keys: 1000, skew: 0.9, ops: 5000, warmup: 1000, seed: 3 };

  it('is the same for the same spec, different for another seed', () => {
    assert.deepEqual(buildTrace(spec), buildTrace(spec));
    assert.notDeepEqual(buildTrace(spec), buildTrace({ ...spec, seed: 4 }));
  });

  it('maps the most popular rank to some key other than id 0 (a seeded permutation)', () => {
    const t = buildTrace(spec);
    const counts = new Map<number, number>();
    for (const id of t) counts.set(id, (counts.get(id) ?? 0) + 1);
    const top = [...counts.entries()].reduce((a, b) => (b[1] > a[1] ? b : a));
    assert.ok(top[0] >= 0 && top[0] < spec.keys);
    for (const id of t) assert.ok(id >= 0 && id < spec.keys);
  });

  it('cuts the Zipf stream by one-time scans of new keys', () => {
    const s: TraceSpec = { ...spec, ops: 100, warmup: 0, scan: { every: 20, length: 10 } };
    const t = buildTrace(s);
    // Zipf ops 0..19, scan 20..29, Zipf 30..49, scan 50..59, ...
    for (let i = 0; i < 100; i++) {
      const inScan = i % 30 >= 20;
      assert.equal(t[i]! >= s.keys, inScan, `op ${i}`);
    }
    const scanIds = [...t].filter((id) => id >= s.keys);
    assert.deepEqual(scanIds, scanIds.map((_, i) => s.keys + i)); // in sequence, each once
    assert.ok(traceIdSpace(s) > Math.max(...t));
  });
});

describe('eviction trace: exact LRU simulator', () => {
  const ids = (s: string): Int32Array => Int32Array.from([...s].map((c) => c.charCodeAt(0) - 97));

  it('counts hits of a tiny trace one operation at a time', () => {
    // capacity 2: a miss, b miss, a hit, c miss (evicts b), b miss (evicts a), a miss (evicts c),
    // b hit, c miss (evicts a), b hit.
    const r = simulateLru(ids('abacbabcb'), 3, 2, 1, 0);
    assert.deepEqual(r, { ops: 9, hits: 3 });
  });

  it('counts only operations from the warm-up boundary on', () => {
    const r = simulateLru(ids('abacbabcb'), 3, 2, 1, 6);
    assert.deepEqual(r, { ops: 3, hits: 2 }); // b hit, c miss, b hit
  });

  it('follows the tool batches: all GETs of a batch, then the SETs of its misses', () => {
    // Batch of 3 "a a b" on an empty cache: both GETs of a miss (the SETs come after the GETs),
    // then SET a, SET a (an update), SET b. Next batch "a b a": all hits.
    const r = simulateLru(ids('aababa'), 2, 2, 3, 0);
    assert.deepEqual(r, { ops: 6, hits: 3 });
    // One at a time the second "a" would have hit.
    assert.deepEqual(simulateLru(ids('aababa'), 2, 2, 1, 0), { ops: 6, hits: 4 });
  });

  it('evicts in least-recently-used order, GET hits refreshing recency', () => {
    // capacity 3: a b c (misses), a (hit: b is now the oldest), d (miss, evicts b), b (miss, evicts c),
    // a (hit), c (miss, evicts d), d (miss).
    const r = simulateLru(ids('abcadbacd'), 4, 3, 1, 0);
    assert.deepEqual(r, { ops: 9, hits: 2 });
  });

  it('with room for every key, only first reads miss', () => {
    const t = buildTrace({ keys: 500, skew: 1.2, ops: 20_000, warmup: 0, seed: 9 });
    const distinct = new Set(t).size;
    assert.deepEqual(simulateLru(t, 500, 500, 100, 0), { ops: 20_000, hits: 20_000 - distinct - duplicateMissesInBatches(t, 100) });
  });
});

/** GETs of a key that missed earlier in the same batch (they miss too: its SET comes after the GETs). */
function duplicateMissesInBatches(t: Int32Array, batch: number): number {
  const seen = new Set<number>();
  let extra = 0;
  for (let start = 0; start < t.length; start += batch) {
    const missedHere = new Set<number>();
    for (let i = start; i < Math.min(t.length, start + batch); i++) {
      const id = t[i]!;
      if (seen.has(id)) continue;
      if (missedHere.has(id)) extra++;
      else missedHere.add(id);
    }
    for (const id of missedHere) seen.add(id);
  }
  return extra;
}
