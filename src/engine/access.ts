/**
 * Per-key access metadata, as Redis 7.0 keeps it in `robj->lru` (24 bits), stored by the keyspace
 * in one Uint32Array word per slot (`Keyspace.access`). The word means one of two things, chosen
 * by maxmemory-policy at the time of each access:
 *
 * - LRU (every policy but the *-lfu ones): the LRU clock when the key was last accessed — unix
 *   seconds modulo 2^24 (Redis's LRU_CLOCK with LRU_CLOCK_RESOLUTION 1000 ms), so it wraps every
 *   194 days and an idle time is computed modulo that period.
 * - LFU (allkeys-lfu, volatile-lfu): the last decrement time in minutes modulo 2^16 in the upper
 *   16 bits, and an 8-bit logarithmic access counter in the lower 8. A new key starts at
 *   LFU_INIT_VAL; each access first decays the counter by one per `lfu-decay-time` minutes elapsed,
 *   then increments it with probability 1 / ((counter - LFU_INIT_VAL) * lfu-log-factor + 1).
 *
 * Switching the policy at run time converts nothing (as in Redis): words written under the other
 * policy are read with the current one's formula until the keys are accessed again.
 */

import type { TinyLfu } from './tinylfu.js';

/** Largest LRU clock value (Redis's LRU_CLOCK_MAX: 24 bits). */
export const LRU_CLOCK_MAX = 0xffffff;

/** Milliseconds per LRU clock tick (Redis's LRU_CLOCK_RESOLUTION). */
export const LRU_CLOCK_RESOLUTION = 1000;

/** The counter of a key created under an LFU policy (Redis's LFU_INIT_VAL). */
export const LFU_INIT_VAL = 5;

/** How accesses are recorded; one object shared by a server's keyspaces, changed by CONFIG SET. */
export interface AccessTracking {
  /** An LFU maxmemory-policy is selected: words hold minutes and counter, not the LRU clock. */
  lfu: boolean;
  /** lfu-log-factor: how slowly the counter grows (0: every access increments it). */
  lfuLogFactor: number;
  /** lfu-decay-time: minutes per decrement of an idle key's counter (0: never decays). */
  lfuDecayTime: number;
  /**
   * allkeys-tinylfu: its sketch and admission window (src/engine/tinylfu.ts), which every access,
   * every read of a missing key and every new key is reported to, beside the LRU word; null (or
   * absent) under every other policy.
   */
  tinylfu?: TinyLfu | null;
}

/** The tracking Redis starts with (noeviction: LRU; lfu-log-factor 10, lfu-decay-time 1). */
export function defaultAccessTracking(): AccessTracking {
  return { lfu: false, lfuLogFactor: 10, lfuDecayTime: 1, tinylfu: null };
}

/** Whether a maxmemory-policy value records LFU data (Redis's MAXMEMORY_FLAG_LFU). */
export function isLfuPolicy(policy: string): boolean {
  return policy === 'allkeys-lfu' || policy === 'volatile-lfu';
}

/** The LRU clock at `nowMs` (Redis's getLRUClock). */
export function lruClock(nowMs: number): number {
  return ((nowMs / LRU_CLOCK_RESOLUTION) >>> 0) & LRU_CLOCK_MAX;
}

/**
 * Milliseconds since a key with LRU word `lru` was accessed, at `nowMs` (Redis's
 * estimateObjectIdleTime): whole clock ticks, modulo the clock's wrap. OBJECT IDLETIME answers
 * this divided by 1000; eviction ranks LRU candidates by it.
 */
export function estimateObjectIdleTime(lru: number, nowMs: number): number {
  const clock = lruClock(nowMs);
  // Redis's own wrap formula (one tick short of a full period), kept for equal answers.
  const ticks = clock >= lru ? clock - lru : clock + (LRU_CLOCK_MAX - lru);
  return ticks * LRU_CLOCK_RESOLUTION;
}

/** The LFU clock at `nowMs`: unix minutes modulo 2^16 (Redis's LFUGetTimeInMinutes). */
export function lfuTimeInMinutes(nowMs: number): number {
  return Math.floor(nowMs / 60000) & 0xffff;
}

/** Minutes from LFU time `ldt` to `nowMs`, modulo the 16-bit wrap (Redis's LFUTimeElapsed). */
export function lfuTimeElapsed(ldt: number, nowMs: number): number {
  const now = lfuTimeInMinutes(nowMs);
  // As Redis computes it: one minute short of a full period across the wrap.
  return now >= ldt ? now - ldt : 65535 - ldt + now;
}

/**
 * The counter of LFU word `lfu` after decay at `nowMs` (Redis's LFUDecrAndReturn): one less per
 * `decayTime` minutes since its last decrement, not below 0; the word itself is not changed.
 * OBJECT FREQ answers this; eviction ranks LFU candidates by 255 minus it.
 */
export function lfuDecrAndReturn(lfu: number, nowMs: number, decayTime: number): number {
  const counter = lfu & 255;
  if (decayTime === 0) return counter;
  const periods = Math.floor(lfuTimeElapsed(lfu >>> 8, nowMs) / decayTime);
  return periods > counter ? 0 : counter - periods;
}

/**
 * The logarithmic increment (Redis's LFULogIncr): `counter` + 1 with probability
 * 1 / ((counter - LFU_INIT_VAL) * logFactor + 1), saturating at 255. `random` is only called when
 * that probability is below 1.
 */
export function lfuLogIncr(counter: number, logFactor: number, random: () => number = Math.random): number {
  if (counter === 255) return 255;
  const base = counter - LFU_INIT_VAL;
  if (base <= 0 || logFactor === 0) return counter + 1;
  return random() < 1 / (base * logFactor + 1) ? counter + 1 : counter;
}

/**
 * The LFU word after one access at `nowMs` (Redis's updateLFU): decay, then the logarithmic
 * increment, stamped with the current minute.
 */
export function lfuAccessed(lfu: number, nowMs: number, logFactor: number, decayTime: number): number {
  const counter = lfuLogIncr(lfuDecrAndReturn(lfu, nowMs, decayTime), logFactor);
  return (lfuTimeInMinutes(nowMs) << 8) | counter;
}

/** The word of a key created at `nowMs` (Redis's createObject): the LRU clock, or LFU_INIT_VAL. */
export function newAccessWord(tracking: AccessTracking, nowMs: number): number {
  return tracking.lfu ? (lfuTimeInMinutes(nowMs) << 8) | LFU_INIT_VAL : lruClock(nowMs);
}
