/**
 * An offline model of sampled eviction, for trying policies on the eviction bench's traces without
 * servers: a cache of `capacity` keys driven as the load tool drives a server (per batch, every GET,
 * then a SET of each miss; eviction before each SET while the cache holds more than `capacity`),
 * with Redis's sampling (maxmemory-samples keys into a pool of 16, best score evicted) and the
 * wall clock of a paced replay (the LRU clock ticks once a second). Policies: allkeys-lru,
 * allkeys-lfu (Redis's counter, no decay within a run) and allkeys-tinylfu (src/engine/evict.ts).
 *
 *   node dist/bench/policy-sim.js [--scale 1] [--trace scan] [--capacity-zipf0.9 60000] [--samples 5]
 *                                 [--policies lru,lfu,tinylfu+win=0.05+c=8]
 *
 * tinylfu variants (flags after '+'): win=<share> admission window (0: the key just written
 * competes at once), c=<counters per key>, w=<increments per key between halvings>, nostrict
 * (a key leaving the window wins ties), noadmit (no admission), nowrites (new keys not counted), grow (the sketch
 * sized for the keys held as they arrive, not for the capacity),
 * p=<steps> (keys not read since written ranked lower). The engine's choice is plain `tinylfu`.
 */
import { FrequencySketch } from '../src/engine/frequency-sketch.js';
import { hashKey } from '../src/engine/keyspace.js';
import { lfuLogIncr, LFU_INIT_VAL } from '../src/engine/access.js';
import { admissionScore, tinylfuScore } from '../src/engine/evict.js';
import { buildTrace, Rng, simulateLru, traceIdSpace, traceKey, type TraceSpec } from './eviction-trace.js';
import { evictionSetting, traceSpec } from './eviction.js';
import { EVICTION_TRACES } from './tests.js';

const POOL = 16;

interface SimOptions {
  policy: string;
  capacity: number;
  samples: number;
  batch: number;
  rate: number;
  /** tinylfu: count SETs in the sketch too. */
  countWrites: boolean;
  /** tinylfu: the key just written competes in the pool (admission). */
  admit: boolean;
  /** tinylfu: the key just written loses ties (admitted only when more frequent than the victim). */
  strict: boolean;
  countersPerKey: number;
  samplePerKey: number;
  /** tinylfu: new keys wait in a FIFO of this share of the capacity before they compete (0: at once). */
  window: number;
  /**
   * tinylfu: the sketch grows with the keys held (every 100 ms of the paced replay) instead of
   * being sized for the capacity, as the server sizes it from maxmemory (Evictor.keysExpected).
   */
  grow: boolean;
  /** tinylfu: frequency steps a key not accessed since it was written is ranked below its estimate. */
  probation: number;
}

function simulate(trace: Int32Array, spec: TraceSpec, o: SimOptions): { hits: number; ops: number; zipfHits: number; zipfOps: number } {
  const idSpace = traceIdSpace(spec);
  const hashes = new Int32Array(idSpace);
  for (let i = 0; i < idSpace; i++) hashes[i] = hashKey(traceKey(i));
  const slotOf = new Int32Array(idSpace).fill(-1);
  const ids = new Int32Array(o.capacity + 2);
  const word = new Float64Array(idSpace);
  let size = 0;
  const rng = new Rng(Number(process.env.SIM_SEED ?? 7));
  const random = (): number => rng.next();
  const sketch = o.policy === 'tinylfu' ? new FrequencySketch(o.grow ? 0 : o.capacity, o.countersPerKey, o.samplePerKey) : null;
  let now = 0; // ms
  const tick = (): number => Math.floor(now / 1000);
  const untouched = new Uint8Array(idSpace);
  const touch = (id: number): void => {
    untouched[id] = 0;
    if (o.policy === 'lfu') word[id] = lfuLogIncr(word[id], 10, random);
    else word[id] = tick();
    if (sketch) sketch.increment(hashes[id]);
  };
  const score = (id: number): number => {
    if (o.policy === 'lfu') return 255 - word[id];
    const idleMs = (tick() - word[id]) * 1000;
    if (o.policy === 'lru') return idleMs;
    return tinylfuScore(Math.max(-16, sketch!.estimate(hashes[id]) - (untouched[id] ? o.probation : 0)), idleMs);
  };
  const poolIds = new Int32Array(POOL).fill(-1);
  const poolScores = new Float64Array(POOL);
  const poolInsert = (id: number, s: number): void => {
    let k = 0;
    while (k < POOL && poolIds[k] !== -1 && poolScores[k] < s) k++;
    if (k === 0 && poolIds[POOL - 1] !== -1) return;
    if (k < POOL && poolIds[k] === -1) {
      /* empty */
    } else if (poolIds[POOL - 1] === -1) {
      for (let i = POOL - 1; i > k; i--) {
        poolIds[i] = poolIds[i - 1];
        poolScores[i] = poolScores[i - 1];
      }
    } else {
      k--;
      for (let i = 0; i < k; i++) {
        poolIds[i] = poolIds[i + 1];
        poolScores[i] = poolScores[i + 1];
      }
    }
    poolIds[k] = id;
    poolScores[k] = s;
  };
  let lastWrite = -1;
  const windowSize = Math.max(1, Math.round(o.window * o.capacity));
  const ring: number[] = [];
  const admitScore = (id: number): number => (o.strict ? admissionScore(Math.max(-16, sketch!.estimate(hashes[id]) - (untouched[id] ? o.probation : 0))) : score(id));
  const evictOne = (): void => {
    if (o.window > 0) {
      while (ring.length > windowSize) {
        const id = ring.shift()!;
        if (slotOf[id] >= 0) poolInsert(id, admitScore(id));
      }
    } else if (o.admit && lastWrite >= 0 && slotOf[lastWrite] >= 0) poolInsert(lastWrite, admitScore(lastWrite));
    for (;;) {
      const picked: number[] = [];
      for (let tries = o.samples * 10; picked.length < o.samples && tries > 0; tries--) {
        const s = Math.floor(random() * size);
        if (!picked.includes(s)) picked.push(s);
      }
      for (const s of picked) {
        const id = ids[s];
        const sc = score(id);
        if (poolIds[POOL - 1] !== -1 && !(poolScores[0] < sc)) continue;
        // Redis skips a key already in the pool? No: it may enter twice; popBest drops the ghost.
        poolInsert(id, sc);
      }
      for (let k = POOL - 1; k >= 0; k--) {
        const id = poolIds[k];
        if (id === -1) continue;
        poolIds[k] = -1;
        const slot = slotOf[id];
        if (slot < 0) continue;
        const last = ids[--size];
        ids[slot] = last;
        slotOf[last] = slot;
        slotOf[id] = -1;
        return;
      }
    }
  };
  const insert = (id: number): void => {
    while (size > o.capacity) evictOne();
    if (slotOf[id] >= 0) {
      touch(id);
    } else {
      slotOf[id] = size;
      ids[size++] = id;
      word[id] = o.policy === 'lfu' ? LFU_INIT_VAL : tick();
      if (sketch && o.countWrites) sketch.increment(hashes[id]);
      if (o.window > 0) ring.push(id);
      untouched[id] = 1;
    }
    lastWrite = id;
  };
  let hits = 0;
  let zipfHits = 0;
  let zipfOps = 0;
  const misses: number[] = [];
  for (let start = 0; start < trace.length; start += o.batch) {
    const end = Math.min(trace.length, start + o.batch);
    misses.length = 0;
    if (sketch && o.grow && start % (o.rate / 10) < o.batch) sketch.fit(size);
    for (let i = start; i < end; i++) {
      now = (i * 1000) / o.rate;
      const id = trace[i];
      const counted = i >= spec.warmup;
      const zipf = id < spec.keys;
      if (counted && zipf) zipfOps++;
      if (slotOf[id] >= 0) {
        touch(id);
        if (counted) {
          hits++;
          if (zipf) zipfHits++;
        }
      } else {
        if (sketch) sketch.increment(hashes[id]);
        misses.push(id);
      }
    }
    for (const id of misses) insert(id);
    if (process.env.TRACE_SCAN && (start % 10000) === 0) {
      let scanResident = 0;
      for (let k = 0; k < size; k++) if (ids[k] >= spec.keys) scanResident++;
      const hist = new Array(16).fill(0);
      if (sketch) for (let k = 0; k < size; k++) if (ids[k] >= spec.keys) hist[sketch.estimate(hashes[ids[k]])]++;
      console.log(start, 'scan keys resident', scanResident, 'hits so far', hits, 'est hist', hist.join(' '));
    }
  }
  return { hits, ops: trace.length - spec.warmup, zipfHits, zipfOps };
}

function main(): void {
  const args = process.argv.slice(2);
  const opt = (name: string, dflt: string): string => {
    const i = args.indexOf('--' + name);
    return i >= 0 ? args[i + 1] : dflt;
  };
  const scale = Number(opt('scale', '1'));
  const policies = opt('policies', 'lru,lfu,tinylfu').split(',');
  const setting = evictionSetting(scale);
  const capacities: Record<string, number> = { 'zipf0.9': 60_000, 'zipf1.2': 15_700, scan: 60_000 };
  for (const t of EVICTION_TRACES) {
    if (opt('trace', t.name) !== t.name) continue;
    const spec = traceSpec(t, setting, scale);
    const trace = buildTrace(spec);
    const capacity = Math.round(Number(opt('capacity-' + t.name, String(capacities[t.name]))) * Math.min(1, scale));
    const lru = simulateLru(trace, traceIdSpace(spec), capacity, setting.batch, spec.warmup);
    const cells = [`exact-lru ${((lru.hits / lru.ops) * 100).toFixed(2)}%`];
    for (const p of policies) {
      const [policy, ...flags] = p.split('+');
      const r = simulate(trace, spec, {
        policy,
        capacity,
        samples: Number(opt('samples', '5')),
        batch: setting.batch,
        rate: setting.rate,
        countWrites: !flags.includes('nowrites'),
        admit: policy === 'tinylfu' && !flags.includes('noadmit'),
        strict: !flags.includes('nostrict'),
        countersPerKey: Number(flags.find((f) => f.startsWith('c='))?.slice(2) ?? 16),
        window: policy === 'tinylfu' ? Number(flags.find((f) => f.startsWith('win='))?.slice(4) ?? 0.01) : 0,
        probation: Number(flags.find((f) => f.startsWith('p='))?.slice(2) ?? 0),
        grow: flags.includes('grow'),
        samplePerKey: Number(flags.find((f) => f.startsWith('w='))?.slice(2) ?? 10),
      });
      cells.push(`${p} ${((r.hits / r.ops) * 100).toFixed(2)}% [${r.hits}]` + (spec.scan ? ` (zipf ${((r.zipfHits / r.zipfOps) * 100).toFixed(2)}%)` : ''));
    }
    console.log(`${t.name} capacity ${capacity}: ${cells.join('  ')}`);
  }
}

main();
