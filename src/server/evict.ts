import type { Server } from './server.js';
import type { Keyspace } from '../engine/keyspace.js';
import { admissionScore, EvictionPool, evictionPolicy, type EvictionPolicy } from '../engine/evict.js';
import { TinyLfu } from '../engine/tinylfu.js';
import { KEY_SLOT_BYTES } from '../engine/memory.js';
import { EVENT, notifyKeyspaceEvent } from './notify.js';
import { PAUSE_OFF } from './pause.js';

/**
 * maxmemory and eviction (Redis 7.0's evict.c, performEvictions): before each command, while
 * maxmemory is set, used memory (`server.memory.usedForEviction()`) is compared with it; above
 * it, keys are evicted by maxmemory-policy until it is under again, or the command path answers
 * "out of memory" when nothing can be evicted (noeviction, or volatile-* with no key with a TTL).
 * The choice of keys is src/engine/evict.ts; this side deletes them as Redis does:
 *
 * - the key is deleted whatever its TTL; WATCH sees it changed, blocked clients re-check it (an
 *   XREADGROUP waiter on an evicted stream is answered as for DEL), the `evicted` keyspace event
 *   (class `e`) is published, INFO's evicted_keys counts it; the dirty counter does not move;
 * - replicas and the AOF get `DEL key` (`UNLINK key` with lazyfree-lazy-eviction), each on its
 *   own, before the command that made room (Redis 7.0.15 emits pending effects unwrapped here);
 * - one run may take the time maxmemory-eviction-tenacity allows (500 us by default, checked
 *   every 16 keys; the clock starts at the 16th key, so the usual run of a key or two reads no
 *   clock, and tenacity 0 stops there as in Redis); then a background task (Redis's
 *   evictionTimeProc, one setImmediate per turn of the event loop) goes on evicting while commands
 *   run, and the gate lets them through meanwhile;
 * - INFO's total/current_eviction_exceeded_time measure how long memory stayed over the limit;
 *   the latency monitor gets `eviction-cycle` (a whole run) and `eviction-del` (one deletion).
 *
 * Beyond Redis, the V8 heap is a limit too: when the memory guard (src/server/oom.ts) finds the
 * heap nearly full under an eviction policy, it sets `heapCap`, the used memory the heap showed it
 * can hold, and eviction keeps used memory under it as under maxmemory, instead of refusing
 * writes. `limit` is the smaller of the two (0: neither), so the gate costs one comparison when
 * nothing limits memory.
 */

export const EVICT_OK = 0;
/** Over the limit, and the background task goes on evicting: commands are let through. */
export const EVICT_RUNNING = 1;
/** Over the limit with nothing to evict: commands that may add memory are refused. */
export const EVICT_FAIL = 2;

/**
 * How long one eviction run may take, from maxmemory-eviction-tenacity (Redis's
 * evictionTimeLimitUs): 0..10 linearly to 500 us, then 15% more per step (about 2 minutes at 99),
 * and no limit at 100.
 */
export function evictionTimeLimitUs(tenacity: number): number {
  if (tenacity <= 10) return 50 * tenacity;
  if (tenacity < 100) return Math.trunc(500 * Math.pow(1.15, tenacity - 10));
  return Infinity;
}

export class Evictor {
  /** The used memory eviction keeps under: min(maxmemory, heapCap) of those set, 0 when none is. */
  limit = 0;
  /** Used memory the V8 heap can hold, learned when it filled up under an eviction policy (0: none). */
  heapCap = 0;
  private readonly pool = new EvictionPool();
  private policy: EvictionPolicy;
  /** Round robin of the random policies over databases (Redis's static next_db). */
  private nextDb = 0;
  private procRunning = false;
  private procHandle: NodeJS.Immediate | null = null;

  constructor(private readonly server: Server) {
    const config = server.config;
    this.policy = evictionPolicy(config.maxmemoryPolicy);
    this.updateLimit();
    this.trackTinyLfu();
    config.onChange('maxmemory', () => this.maxmemoryChanged());
    config.onChange('maxmemory-policy', () => {
      this.policy = evictionPolicy(config.maxmemoryPolicy);
      this.trackTinyLfu();
      // What the heap holds was learned under the previous policy's choices.
      this.heapCap = 0;
      this.updateLimit();
    });
  }

  /**
   * allkeys-tinylfu's sketch and window exist while it is the policy, sized for the keys held and
   * counted in used_memory's overhead; any other policy drops them (a policy change starts afresh).
   */
  private trackTinyLfu(): void {
    const server = this.server;
    const tracking = server.accessTracking;
    const wanted = this.policy.rank === 'tinylfu';
    if (wanted === (tracking.tinylfu != null)) return;
    const counter = server.memory.counter;
    if (wanted) {
      const tinylfu = new TinyLfu(this.keysExpected());
      tracking.tinylfu = tinylfu;
      counter.overhead += tinylfu.bytes;
    } else {
      counter.overhead -= tracking.tinylfu!.bytes;
      tracking.tinylfu = null;
    }
  }

  private keysHeld(): number {
    let keys = 0;
    for (const db of this.server.dbs) keys += db.size;
    return keys;
  }

  /**
   * The keys allkeys-tinylfu's sketch is sized for: under a memory limit, as many as fit at the
   * current cost per key (so the sketch has its full size before the cache fills: one grown from
   * a small table while keys arrive keeps the small table's collisions in every copy), else the
   * keys held.
   */
  private keysExpected(): number {
    const held = this.keysHeld();
    if (this.limit === 0 || held === 0) return held;
    // Per key: its key and value, and its share of the keyspace's arrays at their usual fill.
    const perKey = this.server.memory.counter.dataset / held + KEY_SLOT_BYTES;
    return Math.max(held, Math.round(this.limit / perKey));
  }

  /** The server's cron: allkeys-tinylfu's sketch and window follow the keys expected (keysExpected). */
  cron(): void {
    const tinylfu = this.server.accessTracking.tinylfu;
    if (tinylfu) this.server.memory.counter.overhead += tinylfu.fit(this.keysExpected());
  }

  /**
   * allkeys-tinylfu's admission: keys that left the window enter the pool as candidates that lose
   * every tie (admissionScore), so each stays only if rated above the best victim sampled.
   */
  private admitFromWindow(tinylfu: TinyLfu): void {
    const dbs = this.server.dbs;
    const pool = this.pool;
    tinylfu.drainDue((dbid, key) => {
      const db = dbs[dbid];
      const slot = db === undefined ? -1 : db.storedSlot(key);
      if (slot >= 0) pool.insert(key, dbid, admissionScore(db.sketchEstimateAt(slot)), slot);
    });
  }

  /** Whether the current policy evicts at all (anything but noeviction). */
  get evicts(): boolean {
    return this.policy.rank !== 'none';
  }

  /**
   * The memory guard found the V8 heap full: keep used memory under `bytes` from now on (only
   * ever lowered, until maxmemory or the policy is changed). Ignored under noeviction.
   */
  capForHeap(bytes: number): void {
    if (!this.evicts) return;
    const cap = Math.max(1, Math.floor(bytes));
    if (this.heapCap !== 0 && this.heapCap <= cap) return;
    this.heapCap = cap;
    this.updateLimit();
  }

  private updateLimit(): void {
    const maxmemory = this.server.config.maxmemory;
    const cap = this.heapCap;
    this.limit = maxmemory === 0 ? cap : cap === 0 ? maxmemory : Math.min(maxmemory, cap);
  }

  /** CONFIG SET maxmemory (Redis's updateMaxmemory): warn when it is below usage, then evict. */
  private maxmemoryChanged(): void {
    const server = this.server;
    const maxmemory = server.config.maxmemory;
    this.heapCap = 0;
    this.updateLimit();
    if (maxmemory === 0) return;
    const used = server.memory.usedForEviction();
    if (maxmemory < used) {
      server.log.warning(
        `WARNING: the new maxmemory value set via CONFIG SET (${maxmemory}) is smaller than the current memory usage (${used}). ` +
          'This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.',
      );
    }
    this.performEvictions();
  }

  /** isSafeToPerformEvictions: not while a script runs on the long-script worker, nor while clients are paused. */
  private safeToEvict(): boolean {
    const server = this.server;
    // A replica is its master's exact copy: the master evicts and sends the DELs (replica-ignore-maxmemory).
    if (server.replication.masterHost !== null && server.config.get('replica-ignore-maxmemory') === 'yes') return false;
    return server.scripting.busyKind === null && server.pause.type === PAUSE_OFF;
  }

  /**
   * performEvictions: evicts keys by maxmemory-policy while used memory is above `limit`, for as
   * long as maxmemory-eviction-tenacity allows. Returns EVICT_OK (under the limit, or evicting is
   * not possible right now), EVICT_RUNNING (still over, the background task goes on) or EVICT_FAIL
   * (over, and nothing can be evicted).
   */
  performEvictions(): number {
    if (!this.safeToEvict()) return EVICT_OK;
    const server = this.server;
    const memory = server.memory;
    const used = memory.usedForEviction();
    const limit = this.limit;
    if (limit === 0 || used <= limit) return this.trackExceeded(EVICT_OK);
    const config = server.config;
    // CONFIG SET may change the policy and maxmemory together, and run maxmemory's listener first.
    if (this.policy.name !== config.maxmemoryPolicy) this.policy = evictionPolicy(config.maxmemoryPolicy);
    const policy = this.policy;
    if (policy.rank === 'none') return this.trackExceeded(EVICT_FAIL);

    const toFree = used - limit;
    const timeLimitMs = evictionTimeLimitUs(config.maxmemoryEvictionTenacity) / 1000;
    const latency = server.latency;
    const timed = latency.threshold !== 0;
    // The clock is read once 16 keys are gone (most runs evict one or two keys and never read it),
    // or at once when the latency monitor times the run.
    let start = timed ? performance.now() : -1;
    const dbs = server.dbs;
    const counter = memory.counter;
    const stats = server.stats;
    const propagation = server.propagation;
    const deletion = config.lazyfreeLazyEviction ? 'UNLINK' : 'DEL';
    let freed = 0;
    let keysFreed = 0;
    let result = EVICT_OK;
    while (freed < toFree) {
      let db: Keyspace | null = null;
      let slot = -1;
      if (policy.rank === 'random') {
        // One random key, from each database in turn.
        for (let i = 0; i < dbs.length; i++) {
          this.nextDb = (this.nextDb + 1) >>> 0;
          const candidate = dbs[this.nextDb % dbs.length];
          slot = policy.allKeys ? candidate.randomSlot() : candidate.randomVolatileSlot();
          if (slot >= 0) {
            db = candidate;
            break;
          }
        }
      } else {
        // Sample every database into the pool, then take its best candidate that still exists.
        const pool = this.pool;
        const samples = config.maxmemorySamples;
        const tinylfu = server.accessTracking.tinylfu;
        if (tinylfu) this.admitFromWindow(tinylfu);
        while (slot < 0) {
          let keys = 0;
          for (let i = 0; i < dbs.length; i++) {
            const candidate = dbs[i];
            const n = policy.allKeys ? candidate.size : candidate.volatileCount;
            if (n === 0) continue;
            pool.populate(candidate, policy, samples);
            keys += n;
          }
          if (keys === 0) break;
          slot = pool.popBest(dbs, policy.allKeys);
        }
        if (slot >= 0) db = this.pool.picked;
      }
      if (db === null) {
        result = EVICT_FAIL;
        break;
      }
      // What the deletion alone frees (the DEL it propagates is not counted, as in Redis).
      const before = counter.dataset + counter.overhead;
      const delStart = timed ? performance.now() : 0;
      const key = db.evictSlot(slot);
      // The keyspace's arrays are sized for the keys it held: when evicting has left them mostly
      // empty, they shrink now rather than at the next cron tick, or their size alone (about 40
      // bytes a slot) could keep memory over the limit until every key is gone.
      if (db.sparse) db.maybeShrink();
      if (timed) latency.addSampleIfNeeded('eviction-del', Math.floor(performance.now() - delStart));
      freed += before - (counter.dataset + counter.overhead);
      stats.evictedKeys++;
      if ((server.notifications.flags & EVENT.evicted) !== 0) notifyKeyspaceEvent(server, EVENT.evicted, 'evicted', key, db.id);
      if (propagation.active) propagation.also(db.id, [deletion, key]);
      keysFreed++;
      // Past the time limit (checked every 16 keys), the background task takes over.
      if ((keysFreed & 15) === 0) {
        const now = timeLimitMs === 0 ? 0 : performance.now();
        if (start < 0) start = now;
        if (timeLimitMs === 0 || now - start > timeLimitMs) {
          this.startBackgroundEvictions();
          break;
        }
      }
    }
    if (result === EVICT_OK && this.procRunning) result = EVICT_RUNNING;
    if (timed) latency.addSampleIfNeeded('eviction-cycle', Math.floor(performance.now() - start));
    // Each DEL on its own, before the command (Redis 7.0.15 emits whatever is pending here unwrapped).
    if (propagation.hasPending) propagation.flushEach();
    return this.trackExceeded(result);
  }

  /** INFO's total/current_eviction_exceeded_time: when memory went over the limit, and for how long in all. */
  private trackExceeded(result: number): number {
    const stats = this.server.stats;
    if (result !== EVICT_OK) {
      if (stats.evictionExceededSince === 0) stats.evictionExceededSince = Math.max(performance.now(), Number.MIN_VALUE);
    } else if (stats.evictionExceededSince !== 0) {
      stats.evictionExceededMs += performance.now() - stats.evictionExceededSince;
      stats.evictionExceededSince = 0;
    }
    return result;
  }

  /** Milliseconds memory has been over the limit in the current episode (0 when under). */
  currentExceededMs(): number {
    const since = this.server.stats.evictionExceededSince;
    return since === 0 ? 0 : performance.now() - since;
  }

  /** Whether the background eviction task is running (tests). */
  get backgroundRunning(): boolean {
    return this.procRunning;
  }

  /** startEvictionTimeProc: evict on every turn of the event loop until under the limit or nothing is left. */
  private startBackgroundEvictions(): void {
    if (this.procRunning) return;
    this.procRunning = true;
    this.scheduleBackground();
  }

  private scheduleBackground(): void {
    // Not unref'd: an unref'd immediate does not keep the event loop from sleeping, so it would
    // only run when something else woke the loop (the cron, 10 times a second).
    this.procHandle = setImmediate(this.backgroundTurn);
  }

  private readonly backgroundTurn = (): void => {
    this.procHandle = null;
    const server = this.server;
    const topLevel = server.executionDepth === 0;
    if (topLevel) server.clock.now = Date.now();
    const result = this.performEvictions();
    if (topLevel && server.blocking.hasReadyKeys) server.blocking.handleReadyKeys();
    if (result === EVICT_RUNNING) this.scheduleBackground();
    else this.procRunning = false;
  };

  /** Stops the background task (the server is shutting down). */
  stop(): void {
    if (this.procHandle !== null) clearImmediate(this.procHandle);
    this.procHandle = null;
    this.procRunning = false;
  }
}
