import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Keyspace,
  LFU_INIT_VAL,
  LRU_CLOCK_MAX,
  estimateObjectIdleTime,
  isLfuPolicy,
  lfuAccessed,
  lfuDecrAndReturn,
  lfuLogIncr,
  lfuTimeElapsed,
  lfuTimeInMinutes,
  lruClock,
  type AccessTracking,
} from '../../src/engine/keyspace.js';

// ---------------------------------------------------------------- helpers

/** mulberry32: a small seeded PRNG, so the statistical tests are reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The exact distribution of the counter after `hits` accesses of a new key (no decay), by the
 * increment rule alone: mean and standard deviation. What the random increments are tested against.
 */
function counterDistribution(logFactor: number, hits: number): { mean: number; sd: number } {
  let p = new Float64Array(256);
  p[LFU_INIT_VAL] = 1;
  for (let i = 0; i < hits; i++) {
    const q = new Float64Array(256);
    for (let c = 0; c < 256; c++) {
      if (p[c] === 0) continue;
      const up = c === 255 ? 0 : c - LFU_INIT_VAL <= 0 || logFactor === 0 ? 1 : 1 / ((c - LFU_INIT_VAL) * logFactor + 1);
      q[c] += p[c] * (1 - up);
      if (up > 0) q[c + 1] += p[c] * up;
    }
    p = q;
  }
  let mean = 0;
  for (let c = 0; c < 256; c++) mean += c * p[c];
  let variance = 0;
  for (let c = 0; c < 256; c++) variance += (c - mean) ** 2 * p[c];
  return { mean, sd: Math.sqrt(variance) };
}

/** A random source that fails the test if called. */
const noRandom = (): number => assert.fail('Math.random must not be called here');

const MINUTE = 60_000;
/** A fixed time: minute 28,500,000 since the epoch (mid-2024), 0 seconds into it. */
const T0 = 28_500_000 * MINUTE;

function lfuWord(minutes: number, counter: number): number {
  return ((minutes & 0xffff) << 8) | counter;
}

// ---------------------------------------------------------------- LRU clock

test('the LRU clock is unix seconds modulo 2^24', () => {
  assert.equal(lruClock(0), 0);
  assert.equal(lruClock(999), 0);
  assert.equal(lruClock(1000), 1);
  assert.equal(lruClock(1_700_000_000_123), 1_700_000_000 & LRU_CLOCK_MAX);
  assert.equal(lruClock((LRU_CLOCK_MAX + 1) * 1000), 0);
});

test('estimateObjectIdleTime: whole seconds in ms, across the clock wrap as Redis computes it', () => {
  const now = 1_700_000_000_500;
  assert.equal(estimateObjectIdleTime(lruClock(now), now), 0);
  assert.equal(estimateObjectIdleTime(lruClock(now - 10_000), now), 10_000);
  // Accessed at clock MAX-10, read at clock 5 after the wrap: Redis's formula gives 5 + 10 ticks.
  const wrapped = (LRU_CLOCK_MAX + 1 + 5) * 1000;
  assert.equal(estimateObjectIdleTime(LRU_CLOCK_MAX - 10, wrapped), 15_000);
});

// ---------------------------------------------------------------- LFU: deterministic parts

test('isLfuPolicy: only the two *-lfu policies', () => {
  assert.equal(isLfuPolicy('allkeys-lfu'), true);
  assert.equal(isLfuPolicy('volatile-lfu'), true);
  for (const p of ['noeviction', 'allkeys-lru', 'volatile-lru', 'allkeys-random', 'volatile-random', 'volatile-ttl']) assert.equal(isLfuPolicy(p), false);
});

test('LFU time: minutes modulo 2^16, elapsed across the wrap as Redis computes it', () => {
  assert.equal(lfuTimeInMinutes(T0), 28_500_000 & 0xffff);
  assert.equal(lfuTimeInMinutes(T0 + MINUTE - 1), 28_500_000 & 0xffff);
  const now = lfuTimeInMinutes(T0);
  assert.equal(lfuTimeElapsed(now, T0), 0);
  assert.equal(lfuTimeElapsed(now - 7, T0), 7);
  // A stamp "after" now (the 16-bit wrap): 65535 - ldt + now.
  const wrapNow = 3 * MINUTE; // minute 3 of the LFU clock
  assert.equal(lfuTimeElapsed(65530, wrapNow), 65535 - 65530 + 3);
});

test('lfuDecrAndReturn: one less per lfu-decay-time minutes, floored at 0, none with decay 0', () => {
  const now = lfuTimeInMinutes(T0);
  assert.equal(lfuDecrAndReturn(lfuWord(now, 10), T0, 1), 10);
  assert.equal(lfuDecrAndReturn(lfuWord(now - 3, 10), T0, 1), 7);
  assert.equal(lfuDecrAndReturn(lfuWord(now - 5, 10), T0, 2), 8);
  assert.equal(lfuDecrAndReturn(lfuWord(now - 59, 10), T0, 60), 10);
  assert.equal(lfuDecrAndReturn(lfuWord(now - 60, 10), T0, 60), 9);
  assert.equal(lfuDecrAndReturn(lfuWord(now - 11, 10), T0, 1), 0);
  assert.equal(lfuDecrAndReturn(lfuWord(now - 1000, 10), T0, 0), 10);
  assert.equal(lfuDecrAndReturn(lfuWord(now - 1000, 255), T0, 0), 255);
});

test('lfuLogIncr: saturates at 255; below LFU_INIT_VAL+1 and with lfu-log-factor 0 always increments', () => {
  assert.equal(lfuLogIncr(255, 10, noRandom), 255);
  assert.equal(lfuLogIncr(255, 0, noRandom), 255);
  for (let c = 0; c <= LFU_INIT_VAL; c++) assert.equal(lfuLogIncr(c, 10, noRandom), c + 1);
  for (const c of [6, 100, 254]) assert.equal(lfuLogIncr(c, 0, noRandom), c + 1);
});

test('lfuLogIncr: increments exactly when the draw is below 1 / ((counter - 5) * factor + 1)', () => {
  const p = 1 / ((20 - LFU_INIT_VAL) * 10 + 1);
  assert.equal(lfuLogIncr(20, 10, () => p - 1e-12), 21);
  assert.equal(lfuLogIncr(20, 10, () => p), 20);
  assert.equal(lfuLogIncr(20, 10, () => 0.99), 20);
  assert.equal(lfuLogIncr(6, 1, () => 0.49), 7);
  assert.equal(lfuLogIncr(6, 1, () => 0.5), 6);
});

test('lfuAccessed: decays, increments, and stamps the current minute', () => {
  const now = lfuTimeInMinutes(T0);
  // Counter 10 stamped 4 minutes ago, decay 1: 6, then +1 with factor 0.
  assert.equal(lfuAccessed(lfuWord(now - 4, 10), T0, 0, 1), lfuWord(now, 7));
  assert.equal(lfuAccessed(lfuWord(now, 255), T0, 0, 0), lfuWord(now, 255));
  assert.equal(lfuAccessed(lfuWord(now - 300, 3), T0, 10, 1), lfuWord(now, 1));
});

// ---------------------------------------------------------------- LFU: the random increment, statistically

test('the counter after N hits follows the increment rule (seeded draws vs the exact distribution)', () => {
  const random = seeded(0x5eed);
  for (const [factor, hits] of [
    [1, 100],
    [1, 1000],
    [10, 100],
    [10, 1000],
    [10, 10_000],
    [100, 1000],
  ] as const) {
    const { mean, sd } = counterDistribution(factor, hits);
    const runs = 400;
    let sum = 0;
    for (let r = 0; r < runs; r++) {
      let c = LFU_INIT_VAL;
      for (let i = 0; i < hits; i++) c = lfuLogIncr(c, factor, random);
      sum += c;
    }
    const observed = sum / runs;
    // Six standard errors: a correct rule never fails this, a wrong probability (off by a step in
    // the counter or the factor) moves the mean by several.
    const tolerance = (6 * sd) / Math.sqrt(runs);
    assert.ok(Math.abs(observed - mean) <= tolerance, `factor ${factor}, ${hits} hits: mean ${observed}, expected ${mean.toFixed(2)} ± ${tolerance.toFixed(2)}`);
  }
});

test("the exact means agree with redis.conf's table of counters per hits (one Redis run each)", () => {
  // redis.conf: factor 1: 100 hits -> 18, 1000 -> 49; factor 10: 100 -> 10, 1000 -> 18;
  // factor 100: 100 -> 8, 1000 -> 11. Single runs of a random process: within 2.5 sd.
  for (const [factor, hits, table] of [
    [1, 100, 18],
    [1, 1000, 49],
    [10, 100, 10],
    [10, 1000, 18],
    [100, 100, 8],
    [100, 1000, 11],
  ] as const) {
    const { mean, sd } = counterDistribution(factor, hits);
    assert.ok(Math.abs(mean - table) <= 2.5 * sd, `factor ${factor}, ${hits} hits: exact mean ${mean}, table ${table}`);
  }
});

// ---------------------------------------------------------------- the keyspace's access words

function keyspace(tracking: AccessTracking, now = T0): { db: Keyspace; clock: { now: number } } {
  const clock = { now };
  return { db: new Keyspace(0, clock, tracking), clock };
}

test('LRU: a new key is fresh; reads and writes touch; peek, has and expiry reads do not', () => {
  const { db, clock } = keyspace({ lfu: false, lfuLogFactor: 10, lfuDecayTime: 1 });
  db.set('k', 'v');
  assert.equal(db.idleSeconds('k'), 0);
  clock.now += 5_000;
  assert.equal(db.idleSeconds('k'), 5);
  db.peek('k');
  db.has('k');
  db.getExpire('k');
  assert.equal(db.idleSeconds('k'), 5);
  db.lookupRead('k');
  assert.equal(db.idleSeconds('k'), 0);
  clock.now += 3_000;
  db.lookupWrite('k');
  assert.equal(db.idleSeconds('k'), 0);
  clock.now += 3_000;
  db.set('k', 'w', false, true);
  assert.equal(db.idleSeconds('k'), 0, 'an overwritten value is new: the clock is stamped');
  clock.now += 3_000;
  db.replace('k', 'x');
  assert.equal(db.idleSeconds('k'), 3, 'in-place replacement is not an access');
});

test('LFU: new keys start at LFU_INIT_VAL; each touch increments with factor 0, up to 255', () => {
  const { db } = keyspace({ lfu: true, lfuLogFactor: 0, lfuDecayTime: 0 });
  db.set('k', 'v');
  assert.equal(db.lfuFrequency('k'), LFU_INIT_VAL);
  db.lookupRead('k');
  db.lookupWrite('k');
  assert.equal(db.lfuFrequency('k'), LFU_INIT_VAL + 2);
  db.peek('k');
  db.has('k');
  assert.equal(db.lfuFrequency('k'), LFU_INIT_VAL + 2);
  // setKey: its own lookup (+1) and the counter kept; after the command's lookup, only kept.
  db.set('k', 'w');
  assert.equal(db.lfuFrequency('k'), LFU_INIT_VAL + 3);
  db.set('k', 'x', false, true);
  assert.equal(db.lfuFrequency('k'), LFU_INIT_VAL + 3);
  for (let i = 0; i < 300; i++) db.lookupRead('k');
  assert.equal(db.lfuFrequency('k'), 255);
  // A key deleted and created again starts over.
  db.delete('k');
  db.set('k', 'v');
  assert.equal(db.lfuFrequency('k'), LFU_INIT_VAL);
});

test('LFU: reading decays without storing; the next access stores the decayed counter + 1', () => {
  const tracking = { lfu: true, lfuLogFactor: 0, lfuDecayTime: 1 };
  const { db, clock } = keyspace(tracking);
  db.set('k', 'v');
  for (let i = 0; i < 10; i++) db.lookupRead('k');
  assert.equal(db.lfuFrequency('k'), 15);
  clock.now += 3 * MINUTE;
  assert.equal(db.lfuFrequency('k'), 12);
  assert.equal(db.lfuFrequency('k'), 12);
  tracking.lfuDecayTime = 2;
  assert.equal(db.lfuFrequency('k'), 14, 'decay follows lfu-decay-time at the time of reading');
  tracking.lfuDecayTime = 1;
  db.lookupRead('k');
  assert.equal(db.lfuFrequency('k'), 13);
  clock.now += 20 * MINUTE;
  assert.equal(db.lfuFrequency('k'), 0);
});

test('switching the policy converts nothing: words are read with the other formula', () => {
  const tracking = { lfu: false, lfuLogFactor: 0, lfuDecayTime: 0 };
  const { db, clock } = keyspace(tracking, T0 + 1234_000);
  db.set('k', 'v');
  const lruWord = db.accessWord('k');
  assert.equal(lruWord, lruClock(clock.now));
  tracking.lfu = true;
  // With no decay, FREQ reads the clock's low 8 bits as the counter.
  assert.equal(db.lfuFrequency('k'), lruWord & 255);
  db.lookupRead('k');
  assert.equal(db.accessWord('k'), lfuWord(lfuTimeInMinutes(clock.now), (lruWord & 255) + 1));
  tracking.lfu = false;
  assert.equal(db.idleSeconds('k'), estimateObjectIdleTime(db.accessWord('k'), clock.now) / 1000);
});

test('accessWord / setAccessWord carry the metadata to another name or database (RENAME, MOVE)', () => {
  const tracking = { lfu: true, lfuLogFactor: 0, lfuDecayTime: 0 };
  const { db, clock } = keyspace(tracking);
  const other = new Keyspace(1, clock, tracking);
  db.set('a', 'v');
  for (let i = 0; i < 7; i++) db.lookupRead('a');
  const word = db.accessWord('a');
  other.set('b', 'v');
  other.setAccessWord('b', word);
  assert.equal(other.lfuFrequency('b'), 12);
  assert.equal(db.accessWord('missing'), -1);
});

test('eviction sampling: random slots, their keys, TTLs, idle times and LFU counters', () => {
  const tracking = { lfu: false, lfuLogFactor: 10, lfuDecayTime: 1 };
  const { db, clock } = keyspace(tracking);
  assert.equal(db.randomSlot(), -1);
  assert.equal(db.randomVolatileSlot(), -1);
  for (let i = 0; i < 10; i++) db.set(`k${i}`, 'v');
  db.setExpire('k3', T0 + 50_000);
  clock.now += 7_000;
  db.lookupRead('k5');
  const seen = new Set<string>();
  for (let i = 0; i < 500; i++) {
    const slot = db.randomSlot();
    assert.ok(slot >= 0 && slot < db.size);
    const key = db.keyAt(slot);
    seen.add(key);
    assert.equal(db.idleMsAt(slot), key === 'k5' ? 0 : 7_000);
    assert.equal(db.expireAt(slot), key === 'k3' ? T0 + 50_000 : -1);
  }
  assert.equal(seen.size, 10);
  for (let i = 0; i < 20; i++) assert.equal(db.keyAt(db.randomVolatileSlot()), 'k3');
  tracking.lfu = true;
  db.set('fresh', 'v');
  const slot = [...Array(db.size).keys()].find((s) => db.keyAt(s) === 'fresh')!;
  assert.equal(db.lfuAt(slot), LFU_INIT_VAL);
});

test('LFU through the keyspace with Math.random: the counter after 1000 hits matches the rule', () => {
  const { db } = keyspace({ lfu: true, lfuLogFactor: 10, lfuDecayTime: 0 });
  const keys = 300;
  const hits = 1000;
  let sum = 0;
  for (let k = 0; k < keys; k++) {
    db.set(`k${k}`, 'v');
    for (let i = 0; i < hits; i++) db.lookupRead(`k${k}`);
    sum += db.lfuFrequency(`k${k}`);
  }
  const { mean, sd } = counterDistribution(10, hits);
  // Eight standard errors: unseeded draws, so a margin that a correct rule never reaches.
  const tolerance = (8 * sd) / Math.sqrt(keys);
  assert.ok(Math.abs(sum / keys - mean) <= tolerance, `mean ${sum / keys}, expected ${mean.toFixed(2)} ± ${tolerance.toFixed(2)}`);
});
