import v8 from 'node:v8';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import type { Server } from './server.js';
import type { Client } from './client.js';
import type { Command } from './command-table.js';
import { ACCESS_DENY_OOM, commandAccess } from './command-access.js';
import { HEAP_MACHINE_SHARE, maxmemoryRoom, nodeFlagValue, oldSpaceMbFor, processMemoryLimit } from './heap.js';
import { EVICT_FAIL } from './evict.js';

/**
 * The memory guard: answers the command path's one question, "refuse commands that may add
 * memory now?" (Redis's OOM gate in processCommand), and keeps the state scripts judge their
 * writes by (Redis's pre_command_oom_state).
 *
 * Its first source is the V8 heap, which is fixed when the process starts: when the live data in
 * the heap nears V8's limit, writes get Redis's OOM error instead of the process dying of "heap
 * out of memory". Large strings, list and stream nodes live in buffers outside the heap, which V8
 * does not bound: the same rule holds the heap plus those buffers to the share of the machine the
 * heap is sized from when maxmemory is 0 (3/4 of its memory, src/server/heap.ts). Its other source
 * is maxmemory: `outOfMemory()` runs eviction (src/server/evict.ts, Redis's performEvictions) while
 * a limit is set, and memory is out when nothing can be evicted.
 *
 * Under an eviction policy a full heap is one more limit rather than a refusal: the guard tells the
 * evictor how much used memory the heap showed it can hold (`capForHeap`: used memory scaled from
 * the live fill it measured down to HEAP_EVICT_TARGET), and eviction keeps used memory under that
 * as under maxmemory, so a cache whose accounting falls short of the heap, or whose maxmemory is
 * more than the heap can hold (or unset), keeps serving. While the heap stays full once used
 * memory is at the cap, the cap is lowered again (confirmed by two of the guard's collections);
 * writes are refused only when nothing is left to evict.
 *
 * Why 70%: V8 does not run the heap to 100%. After a full collection it aborts the process
 * ("Ineffective mark-compacts near heap limit") once the old generation stays at 80% of its limit
 * or more while collection takes most of the time; and while it collects concurrently the heap
 * peaks halfway between its live data and the limit. So the guard calls the heap full at 70% of
 * live data, and has room again below 60% (so one episode is one warning, not one per command).
 *
 * Live data is what survives a full collection: the guard reads it after each full collection V8
 * runs by itself (a `gc` performance observer). In between, `used_heap_size` also counts garbage.
 * V8 collects when the heap reaches halfway from its live data to the limit, so a heap that was
 * 60% live can pass 75% before V8 looks again: then the guard collects itself (with --expose-gc,
 * which the executable passes) to learn the live size, at most a tenth of the time. A heap that
 * was less live than that is not collected by the guard (a cache held at maxmemory sits there:
 * forced full collections would pause it for nothing); above 85% used it is called full until a
 * collection shows room. When full, a change that may free memory (DEL, FLUSHALL, expiry) lets
 * the guard collect to see whether there is room again.
 *
 * It is sampled by the server cron, every few commands (more often as the heap fills) and after
 * the input of large requests: a V8 statistics call (about 0.14 us), never a syscall per command.
 */

/** Fractions of V8's heap_size_limit (see above). */
export const HEAP_FULL = 0.7;
export const HEAP_ROOM = 0.6;
/** Under an eviction policy, a full heap is brought down to this much live data (below HEAP_ROOM, so the guard lets go). */
export const HEAP_EVICT_TARGET = 0.55;
const HEAP_CONFIRM = 0.75;
const HEAP_SUSPECT = 0.6;
const HEAP_HARD = 0.85;
/** Commands between two samples when the heap is far from full, and the allocation assumed per command. */
const MAX_COMMANDS_BETWEEN_CHECKS = 128;
const BYTES_PER_COMMAND = 64 * 1024;
const MB = 1024 * 1024;

export interface HeapUsage {
  /** used_heap_size: live data plus garbage not collected yet. */
  used: number;
  /** heap_size_limit. */
  limit: number;
  /** external_memory: buffers outside the heap (Buffers, ArrayBuffers), live or not yet collected. */
  external: number;
}

function v8HeapUsage(): HeapUsage {
  const s = v8.getHeapStatistics();
  return { used: s.used_heap_size, limit: s.heap_size_limit, external: (s as { external_memory?: number }).external_memory ?? 0 };
}

function exposedGc(): (() => void) | null {
  const gc = (globalThis as { gc?: () => void }).gc;
  return typeof gc === 'function' ? () => gc() : null;
}

const mb = (bytes: number): number => Math.round(bytes / MB);

export class MemoryGuard {
  /**
   * Whether the current top-level command started out of memory (pre_command_oom_state): a script
   * it runs may not begin writing commands that add memory (scriptVerifyOOM), and a script with
   * declared flags must allow it to start at all.
   */
  oomAtCommandStart = false;
  /** The heap's live data is near V8's limit: commands that may add memory are refused. */
  heapFull = false;
  /** Reads the heap's statistics (replaceable: tests simulate a full heap with it). */
  readHeap: () => HeapUsage = v8HeapUsage;
  /** A full collection (the `gc` of --expose-gc), or null when the process has none. */
  collect: (() => void) | null = exposedGc();
  /** Forced collections are at least this far apart, and ten times their own duration (0: no spacing, for tests). */
  collectSpacingMs = 200;
  private countdown = 0;
  private inputCheckAt = 0;
  /** The heap right after the last full collection V8 ran by itself (null: none since read). */
  private observedLive: HeapUsage | null = null;
  /** How full live data was at the last full collection seen (V8's or the guard's). */
  private lastLiveFill = 0;
  /** Heap plus off-heap buffers may use this much: the process's share of the machine. */
  processBudget = processMemoryLimit() * HEAP_MACHINE_SHARE;
  private observer: PerformanceObserver | null = null;
  private lastCollectEnd = -Infinity;
  private lastCollectMs = 0;
  /** changeCount() at the last forced collection: only a change can have freed memory since. */
  private changesAtCollect = -1;

  constructor(private readonly server: Server) {
    server.config.onChange('maxmemory', () => this.checkMaxmemoryFits(true));
  }

  /**
   * The OOM gate's question: are commands that may add memory refused right now? Runs eviction
   * first while a limit is set (maxmemory, or what a full heap can hold under an eviction policy):
   * out of memory when nothing could be evicted. Cheap: a countdown and an input-size compare
   * between samples of the heap, and one comparison when no limit is set.
   */
  outOfMemory(): boolean {
    if (--this.countdown <= 0 || this.server.stats.netInputBytes >= this.inputCheckAt) this.check();
    const evictor = this.server.evictor;
    if (evictor.limit !== 0 && evictor.performEvictions() === EVICT_FAIL) return true;
    // A full heap refuses writes unless eviction keeps memory under what the heap holds.
    return this.heapFull && evictor.heapCap === 0;
  }

  /**
   * Given that memory is out: does the gate refuse this command? Commands flagged denyoom (by
   * their declared flags for scripts, by what EXEC's transaction holds), and inside MULTI every
   * command but those flagged allow_oom_in_multi (EXEC DISCARD QUIT RESET), since queuing could grow
   * memory without bound.
   */
  refuses(c: Client, cmd: Command, argv: readonly string[]): boolean {
    if (c.multi !== null && !cmd.flags.has('allow_oom_in_multi')) return true;
    return (commandAccess(c, cmd, argv) & ACCESS_DENY_OOM) !== 0;
  }

  /**
   * For a command that adds memory in a long loop (DEBUG POPULATE): samples the heap now and says
   * whether to stop. Redis's loops never stop, but a V8 heap that runs out ends the process.
   */
  fullNow(): boolean {
    this.check();
    return this.heapFull;
  }

  /** The server cron's sample (hz times a second). */
  cron(): void {
    this.check();
  }

  /** Samples the heap and updates `heapFull` (see the module comment for the rule). */
  check(): void {
    const now = this.readHeap();
    const fillNow = this.fill(now);
    let live = this.observedLive;
    this.observedLive = null;
    if (live !== null) this.lastLiveFill = this.fill(live);
    if (!this.heapFull) {
      if (live === null && fillNow >= HEAP_CONFIRM && this.lastLiveFill >= HEAP_SUSPECT) live = this.collectIfAffordable();
      // Under an eviction policy the live size decides how much goes: worth a collection to learn it.
      if (live === null && fillNow >= HEAP_HARD) live = (this.server.evictor.evicts ? this.collectIfAffordable() : null) ?? now;
      if (live !== null && this.fill(live) >= HEAP_FULL) this.enterFull(live);
    } else {
      let forced = false;
      if (fillNow < HEAP_ROOM) live = now;
      else if (live === null && this.changeCount() !== this.changesAtCollect) {
        live = this.collectIfAffordable();
        forced = live !== null;
      }
      if (live !== null) {
        if (this.fill(live) < HEAP_ROOM) this.leaveFull(live);
        // Still full after evicting down to the cap: the heap holds less than thought. Only the
        // guard's own collections count, and two in a row: a collection whose marking began
        // before the evictions still counts the evicted keys as live.
        else if (forced) this.lowerCapIfConfirmed(live);
      }
    }
    const stats = this.server.stats;
    if (this.heapFull) {
      this.countdown = 16;
      this.inputCheckAt = stats.netInputBytes + BYTES_PER_COMMAND * 16;
    } else {
      const distance = Math.max(0, Math.min(now.limit * HEAP_CONFIRM - now.used, this.processBudget * HEAP_CONFIRM - now.used - now.external));
      this.countdown = Math.max(1, Math.min(MAX_COMMANDS_BETWEEN_CHECKS, Math.floor(distance / BYTES_PER_COMMAND)));
      // Request bytes become heap bytes about one for one (argument strings): a few large
      // requests are sampled after, not 128 commands later.
      this.inputCheckAt = stats.netInputBytes + Math.max(BYTES_PER_COMMAND, distance / 2);
    }
  }

  /** How full memory is (1 = at the limit): the heap against V8's limit, or heap plus buffers against the process's budget. */
  private fill(u: HeapUsage): number {
    return Math.max(u.used / u.limit, (u.used + u.external) / this.processBudget);
  }

  /** Starts following V8's own full collections (with the server cron). */
  start(): void {
    if (this.observer !== null) return;
    this.observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
          // Reported after the collection: what is used now is live data plus what came since.
          this.observedLive = this.readHeap();
          this.countdown = 0;
          return;
        }
      }
    });
    this.observer.observe({ entryTypes: ['gc'] });
  }

  stop(): void {
    this.observer?.disconnect();
    this.observer = null;
  }

  /**
   * Logs a warning when maxmemory is more than this process's heap can hold (the heap cannot grow
   * at run time), as Redis warns about odd settings. At startup and on CONFIG SET maxmemory.
   */
  checkMaxmemoryFits(viaConfigSet = false): void {
    const maxmemory = this.server.config.maxmemory;
    if (maxmemory <= 0) return;
    const limit = this.readHeap().limit;
    const room = maxmemoryRoom(limit);
    if (maxmemory <= room) return;
    const what = viaConfigSet ? `the new maxmemory value set via CONFIG SET (${maxmemory})` : `maxmemory (${maxmemory})`;
    const restart =
      nodeFlagValue('max-old-space-size') !== undefined && !viaConfigSet
        ? `start node with --max-old-space-size=${oldSpaceMbFor(maxmemory)} or without that flag (cinder-server sizes the heap from maxmemory)`
        : 'restart cinder-server so that it sizes the heap from maxmemory';
    this.server.log.warning(
      `WARNING: ${what} is more than the V8 heap of this process can hold: its limit of ${mb(limit)} MB leaves room for ` +
        `about ${mb(room)} MB of data, and it cannot grow while the process runs. To use it, ${restart}. Until then, ` +
        'commands that may add memory are refused with OOM errors when the heap nears its limit.',
    );
  }

  /** A forced full collection and the heap after it, or null when not possible now. */
  private collectIfAffordable(): HeapUsage | null {
    const collect = this.collect;
    if (collect === null) return null;
    const start = performance.now();
    if (this.collectSpacingMs > 0 && start - this.lastCollectEnd < Math.max(this.collectSpacingMs, 10 * this.lastCollectMs)) return null;
    collect();
    const end = performance.now();
    this.lastCollectMs = end - start;
    this.lastCollectEnd = end;
    this.changesAtCollect = this.changeCount();
    const live = this.readHeap();
    this.lastLiveFill = this.fill(live);
    return live;
  }

  /** Anything that may have freed memory: writes (DEL, FLUSHALL, ...), expired and evicted keys. */
  private changeCount(): number {
    const { server } = this;
    return server.dirty + server.stats.expiredKeys + server.stats.evictedKeys;
  }

  /** What is full: the heap, or the process's budget (the larger share). */
  private describe(u: HeapUsage): string {
    if (u.used / u.limit >= (u.used + u.external) / this.processBudget) return `${mb(u.used)} MB of the V8 heap's ${mb(u.limit)} MB limit`;
    return `${mb(u.used)} MB on the V8 heap and ${mb(u.external)} MB in buffers off it, of the ${mb(this.processBudget)} MB this process may use`;
  }

  /** The last forced collection while full found used memory at the cap and the heap still full. */
  private fullAtCap = false;

  private lowerCapIfConfirmed(live: HeapUsage): void {
    const evictor = this.server.evictor;
    const atCap = evictor.heapCap !== 0 && this.server.memory.usedForEviction() <= evictor.heapCap;
    if (atCap && this.fullAtCap) {
      this.fullAtCap = false;
      this.capUsedMemory(live);
    } else {
      this.fullAtCap = atCap;
    }
  }

  /** Under an eviction policy: used memory must come down as far as the heap's live data must. */
  private capUsedMemory(live: HeapUsage): boolean {
    const evictor = this.server.evictor;
    if (!evictor.evicts) return false;
    const used = this.server.memory.usedForEviction();
    // Still evicting down to the last cap (the background task may take a while): not tried yet.
    if (evictor.heapCap !== 0 && used > evictor.heapCap) return false;
    const before = evictor.heapCap;
    evictor.capForHeap((used * HEAP_EVICT_TARGET) / this.fill(live));
    return evictor.heapCap !== before;
  }

  private enterFull(live: HeapUsage): void {
    this.heapFull = true;
    this.fullAtCap = false;
    if (this.capUsedMemory(live)) {
      const server = this.server;
      const maxmemory = server.config.maxmemory;
      server.log.warning(
        `WARNING: memory is nearly full, ${this.describe(live)} hold live data. Keys are evicted by maxmemory-policy ` +
          `${server.config.maxmemoryPolicy} down to ${mb(server.evictor.heapCap)} MB of used memory` +
          (maxmemory === 0 ? ' (maxmemory is 0)' : ` (maxmemory is ${mb(maxmemory)} MB)`) +
          ' instead of refusing writes. Give the process a larger heap to hold more (cinder-server sizes it from maxmemory).',
      );
      return;
    }
    this.server.log.warning(
      `WARNING: memory is nearly full, ${this.describe(live)} hold live data. Commands that may add memory are refused ` +
        'with OOM errors until keys are deleted or expire. Set maxmemory with an eviction policy, or give the process a ' +
        'larger heap (cinder-server sizes it from maxmemory, or from the machine when maxmemory is 0).',
    );
  }

  private leaveFull(live: HeapUsage): void {
    this.heapFull = false;
    this.server.log.notice(`Memory has room again (${this.describe(live)} in use): commands that add memory are accepted.`);
  }
}
