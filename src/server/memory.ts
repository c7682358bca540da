import type { Server } from './server.js';
import { MemoryCounter } from '../engine/memory.js';
import { functionMemoryStats } from '../scripting/functions.js';

/**
 * Memory accounting for one server: what Redis's zmalloc counter is to Redis. See
 * docs/ARCHITECTURE.md ("Memory accounting").
 *
 * used_memory = startup + datasets + keyspace overhead + client buffers + scripts + pub/sub:
 * - `startup`: what building the server allocated on the V8 heap (Redis's used_memory_startup:
 *   its allocations at startup), fixed from then on. Node, V8 and the loaded modules (the command
 *   handlers' code, their constant tables) are the program, not counted, as Redis's used_memory
 *   does not count its executable; they show in used_memory_rss;
 * - datasets and keyspace overhead: running totals every Keyspace keeps in `counter` as keys are
 *   stored, changed in place (re-measured by the write epilogue), deleted, expired or flushed;
 * - clients: every client's tot-mem (fixed cost, buffers, arguments, MULTI queue, subscriptions)
 *   as src/server/client-buffers.ts keeps it current, read by `refresh()` (the cron, INFO,
 *   MEMORY STATS);
 * - scripts: the script cache and function libraries (sources, SHA keys, compiled wrappers), also
 *   sampled by `refresh()`;
 * - pub/sub: channels and patterns by count; INFO's per-command latency histograms (12 KB each).
 *
 * The Lua heap is left out, as Redis 7.0 leaves it out (its Lua allocates outside zmalloc:
 * used_memory_vm_eval / used_memory_vm_functions report it on their own, and a FUNCTION LOAD that
 * grows the Lua heap by 17 MB moves Redis's used_memory by 25 KB). It is not the dataset, evicting
 * keys cannot shrink it, and it moves with Lua's own garbage collector.
 *
 * `used()` is a sum of a few numbers, cheap enough to call before every write command, and does
 * not move with garbage collection: the estimate of what is live, not what V8 has yet to collect.
 */
export class MemoryAccounting {
  /** The totals every keyspace of this server adds to (datasets, keyspace arrays). */
  readonly counter = new MemoryCounter();
  /** used_memory_startup: what building the server allocated (see measureStartup). */
  startup = 0;
  /** The process RSS when the server was created (MEMORY DOCTOR judges RSS growth against it). */
  startupRss = 0;
  /** used_memory_peak: the highest used_memory seen after a command (Redis's call()), by the cron, INFO and MEMORY STATS. */
  peak = 0;
  /** mem_clients_normal as last refreshed: every client's buffers and fixed cost, but replicas'. */
  clients = 0;
  /** mem_clients_slaves as last refreshed: the replica clients'. */
  clientsSlaves = 0;
  /** used_memory_scripts_eval: cached scripts (source, SHA key, table entry). */
  scriptsCache = 0;
  /** used_memory_functions: loaded function libraries. */
  functions = 0;
  /** Script count the script cache figure was computed at (it is only recomputed when it changes). */
  private scriptsCounted = -1;

  constructor(private readonly server: Server) {}

  /**
   * Sets the baseline: how much the process's V8 heap + ArrayBuffer memory grew while the server
   * was built (from `heapBefore`, taken as its construction began; garbage of the construction
   * included, so an upper bound), minus the keyspaces' empty arrays (counted as overhead). Called
   * once the server is built. An embedded server's host heap is not in it.
   */
  measureStartup(heapBefore: number): void {
    const m = process.memoryUsage();
    this.startup = Math.max(0, processHeapBytes(m) - heapBefore - this.counter.overhead - this.counter.dataset);
    this.startupRss = m.rss;
    this.peak = this.used();
  }

  /** Pub/sub channels and patterns, by count (Redis leaves them in the dataset figure too). */
  pubsubBytes(): number {
    const p = this.server.pubsub;
    return (p.channels.size + p.shardChannels.size) * CHANNEL_BYTES + p.patterns.size * PATTERN_BYTES;
  }

  /**
   * used_memory: the server's estimated memory, O(1). Client buffers and scripts are as of the
   * last `refresh()` (every cron tick).
   */
  used(): number {
    const c = this.counter;
    const repl = this.server.replicationMaster;
    return (
      this.startup + c.dataset + c.overhead + this.clients + this.clientsSlaves + this.scriptsCache + this.functions + this.pubsubBytes() + this.server.info.histogramBytes +
      repl.backlogBytes() + repl.replicaBufferBytes()
    );
  }

  /**
   * mem_not_counted_for_evict: memory eviction does not try to free (Redis's replica output
   * buffers past the backlog, which evicting keys would only grow).
   */
  notCountedForEviction(): number {
    return this.server.replicationMaster.replicaBufferBytes();
  }

  /** What eviction compares with maxmemory: used() minus what is not counted for eviction. */
  usedForEviction(): number {
    return this.used() - this.notCountedForEviction();
  }

  /**
   * Re-samples what is not kept as a running total (client buffers, the script cache and
   * libraries) and updates the peak. The cron calls it every tick; INFO and MEMORY before
   * reporting. O(clients + libraries).
   */
  refresh(): void {
    const server = this.server;
    // Every client's tot-mem, as CLIENT LIST and client eviction count it (src/server/client-buffers.ts).
    this.clients = server.clientBuffers.memClientsNormal();
    this.clientsSlaves = server.clientBuffers.memClientsSlaves();
    const scripting = server.scripting;
    // Recounted only when scripts were added or flushed (the cache never changes otherwise).
    if (scripting.scripts.size !== this.scriptsCounted) {
      let bytes = 0;
      for (const source of scripting.scripts.values()) bytes += source.length + SCRIPT_ENTRY_BYTES;
      this.scriptsCache = bytes;
      this.scriptsCounted = scripting.scripts.size;
    }
    this.functions = functionMemoryStats(server.functions).bytes;
    this.trackPeak();
  }

  /** Updates used_memory_peak with the current figure; returns it. */
  trackPeak(): number {
    const used = this.used();
    if (used > this.peak) this.peak = used;
    return used;
  }

  /** The keyspaces' overhead (Redis's overhead.hashtable.* summed over databases). */
  keyspacesOverhead(): number {
    return this.counter.overhead;
  }

  /**
   * used_memory_overhead (Redis's getMemoryOverheadData): startup, client buffers, the script
   * cache and libraries, and the keyspaces' own structures.
   */
  overhead(): number {
    return this.startup + this.clients + this.clientsSlaves + this.scriptsCache + this.functions + this.counter.overhead;
  }
}

/**
 * The process's live JS memory: V8's used heap plus ArrayBuffer memory (Buffers, typed arrays).
 * Not `external`, which also holds the Lua engine's WebAssembly memory, reserved far beyond what
 * it uses (the Lua heap is counted on its own).
 */
export function processHeapBytes(m: NodeJS.MemoryUsage = process.memoryUsage()): number {
  return m.heapUsed + m.arrayBuffers;
}

/** A subscribed channel: registry entry, name, the client's own set entry (~120 measured). */
const CHANNEL_BYTES = 128;
/** A subscribed pattern: registry entry, its compiled matcher and client set. */
const PATTERN_BYTES = 512;
/** A cached script beyond its source: SHA key string and table entry (Redis counts ~104). */
const SCRIPT_ENTRY_BYTES = 104;
