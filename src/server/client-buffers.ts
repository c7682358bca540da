import type { Client } from './client.js';
import type { Server } from './server.js';
import { clientInfoLine, clientInputMemory, clientMemoryUsage } from './client-info.js';
import { quoteArgument } from './monitor.js';

/**
 * Clients cannot exhaust memory (networking.c's limits, Redis 7.0):
 *
 * - client-query-buffer-limit: a client whose unparsed input passes it is closed
 *   (`queryBufferLimitReached`, checked by the transport after each read).
 * - client-output-buffer-limit: per class (normal, pubsub; replicas later), a hard limit closes
 *   at once, a soft limit once the output stayed over it for more than its seconds
 *   (`closeOnOutputLimit`): checked as output is added (after each command, each pub/sub or
 *   MONITOR frame) and by the cron for clients that stopped receiving anything.
 * - maxmemory-clients: when the clients' memory (tot-mem summed) reaches it, the clients using
 *   the most are evicted, largest first, by memory buckets as Redis keeps them; CLIENT NO-EVICT
 *   exempts a client.
 *
 * It also keeps the figures INFO reports: mem_clients_normal (each client's tot-mem as last
 * computed, summed incrementally), client_recent_max_input_buffer / _output_buffer (peaks over
 * the last 8 seconds, sampled by the cron as Redis's clientsCron does).
 */

/** Eviction buckets: clients using up to 32 KB share the first; each next one holds twice the size. */
const BUCKET_MIN_LOG = 15;
const BUCKET_MAX_LOG = 33;
const BUCKET_COUNT = 1 + BUCKET_MAX_LOG - BUCKET_MIN_LOG;
/** The smallest effective maxmemory-clients, so a bad setting cannot cut every client off. */
const MIN_CLIENT_EVICTION_LIMIT = 128 * 1024;
/** Seconds of input / output peaks INFO's client_recent_max_* look back on. */
const PEAK_SLOTS = 8;
/** Clients the cron visits at least per tick (CLIENTS_CRON_MIN_ITERATIONS). */
const CRON_MIN_ITERATIONS = 5;
/** A client idle longer than this (seconds) gives back the buffers it grew. */
const IDLE_TRIM_SECONDS = 2;

export interface OutputBufferLimits {
  hard: number;
  soft: number;
  softSeconds: number;
}

/** The output buffer class of a client: replicas, subscribers, else normal (MONITOR clients too). */
function outputClass(c: Client): 'normal' | 'slave' | 'pubsub' {
  if (c.replica !== null) return 'slave';
  return c.pubsub !== null ? 'pubsub' : 'normal';
}

function bucketIndex(mem: number): number {
  // Bits needed to write `mem` (64 - clz in Redis), for values past 2^32 too.
  const bits = mem < 0x100000000 ? 32 - Math.clz32(mem) : 64 - Math.clz32(Math.floor(mem / 0x100000000));
  const log = Math.min(BUCKET_MAX_LOG, Math.max(BUCKET_MIN_LOG, bits));
  return log - BUCKET_MIN_LOG;
}

export class ClientBuffers {
  /** mem_clients_normal: every client's tot-mem as last computed, but replicas'. */
  private memNormal = 0;
  /** mem_clients_slaves: the replicas' tot-mem (Redis's stat_clients_type_memory by client type). */
  private memReplicas = 0;
  /** Evictable clients by memory bucket, each in the order it entered (evictClients' order). */
  private readonly buckets: Array<Set<Client>> = Array.from({ length: BUCKET_COUNT }, () => new Set<Client>());
  /** Clients are kept in the buckets while maxmemory-clients is set (even to a percentage of nothing). */
  private bucketsOn = false;
  /** The effective maxmemory-clients in bytes; 0 while client eviction is off. */
  private evictionLimit = 0;
  private readonly toClose = new Set<Client>();
  private closeScheduled = false;
  /** Where the cron's round over the clients stopped. */
  private cronIterator: Iterator<Client> | null = null;
  private readonly peakInput = new Array<number>(PEAK_SLOTS).fill(0);
  private readonly peakOutput = new Array<number>(PEAK_SLOTS).fill(0);

  constructor(private readonly server: Server) {
    const config = server.config;
    this.configureEviction();
    config.onChange('maxmemory-clients', () => this.configureEviction());
    config.onChange('maxmemory', () => this.configureEviction());
  }

  // ------------------------------------------------------------ figures for INFO and MEMORY

  /**
   * mem_clients_normal (INFO memory, MEMORY STATS clients.normal): the memory of every client
   * (tot-mem, as CLIENT LIST prints it), summed. Kept current as clients read, write and by the
   * cron (each client is revisited at least once a second), so reading it costs nothing.
   */
  memClientsNormal(): number {
    return this.memNormal;
  }

  /** mem_clients_slaves (MEMORY STATS clients.slaves): the same sum over replica clients. */
  memClientsSlaves(): number {
    return this.memReplicas;
  }

  /** client_recent_max_input_buffer: the largest query buffer + arguments of the last seconds. */
  recentMaxInputBuffer(): number {
    return Math.max(...this.peakInput);
  }

  /** client_recent_max_output_buffer: the largest pending output of the last seconds. */
  recentMaxOutputBuffer(): number {
    return Math.max(...this.peakOutput);
  }

  // ------------------------------------------------------------ query buffer

  /**
   * The unparsed input of `c` passed client-query-buffer-limit: logs it as Redis does (the
   * caller closes the connection, dropping what it has not sent).
   */
  queryBufferLimitReached(c: Client, head: Buffer): void {
    this.server.log.warning(
      `Closing client that reached max query buffer length: ${clientInfoLine(c, null, 0)} (qbuf initial bytes: ${quoteArgument(head.latin1Slice())})`,
    );
  }

  // ------------------------------------------------------------ output buffer limits

  /** The limits of the class `c` is in, or null when it has none (0 0 0). */
  outputLimits(c: Client): OutputBufferLimits | null {
    const limits = this.server.config.clientOutputBufferLimit[outputClass(c)];
    return limits === undefined || (limits.hard === 0 && limits.soft === 0) ? null : limits;
  }

  /**
   * closeClientOnOutputBufferLimitReached: when the pending output of a network client is over
   * its class's hard limit, or has been over the soft limit for more than its seconds, the client
   * is closed: `async` (output is being added; Redis's freeClientAsync) marks it and closes it on
   * the next turn of the event loop, else (the cron) closes it now. True when it was closed.
   */
  closeOnOutputLimit(c: Client, async: boolean): boolean {
    if (c.kind !== 'normal' || c.closeAsap) return false;
    const used = c.outputBytes();
    if (used === 0) return false;
    const limits = this.outputLimits(c);
    if (limits === null) {
      c.obufSoftLimitReachedTime = 0;
      return false;
    }
    if (!limitReached(c, used, limits, Math.floor(Date.now() / 1000))) return false;
    const info = clientInfoLine(c, null, 0);
    if (async) {
      this.closeAsync(c);
      this.server.log.warning(`Client ${info} scheduled to be closed ASAP for overcoming of output buffer limits.`);
    } else {
      this.server.log.warning(`Client ${info} closed for overcoming of output buffer limits.`);
      c.closeHook?.();
    }
    return true;
  }

  /**
   * freeClientAsync: the client gets nothing more (its pending output is dropped, its input no
   * longer read) and is closed on the next turn of the event loop, outside whatever is running.
   */
  closeAsync(c: Client): void {
    if (c.closeAsap) return;
    c.closeAsap = true;
    this.removeFromBucket(c);
    this.toClose.add(c);
    if (this.closeScheduled) return;
    this.closeScheduled = true;
    setImmediate(() => {
      this.closeScheduled = false;
      const closing = [...this.toClose];
      this.toClose.clear();
      for (const client of closing) client.closeHook?.();
    });
  }

  // ------------------------------------------------------------ client memory and eviction

  /**
   * updateClientMemUsage: recomputes a client's tot-mem into mem_clients_normal and, while client
   * eviction is on, the bucket it belongs to. Cheap (a few fields); the transport calls it after
   * reading and writing, the cron for every client once a second.
   */
  update(c: Client): void {
    const mem = clientMemoryUsage(c);
    // Counted under the type it has now (a client becomes a replica with SYNC).
    if (c.lastMemoryReplica) this.memReplicas -= c.lastMemoryUsage;
    else this.memNormal -= c.lastMemoryUsage;
    const replica = c.replica !== null;
    if (replica) this.memReplicas += mem;
    else this.memNormal += mem;
    c.lastMemoryUsage = mem;
    c.lastMemoryReplica = replica;
    if (!this.bucketsOn) return;
    // Replicas are never evicted for their memory (clientEvictionAllowed).
    if (c.kind !== 'normal' || c.noEvict || c.closeAsap || c.replica !== null) {
      this.removeFromBucket(c);
      return;
    }
    const bucket = this.buckets[bucketIndex(mem)];
    if (c.memoryBucket === bucket) return;
    c.memoryBucket?.delete(c);
    bucket.add(c);
    c.memoryBucket = bucket;
  }

  /** The client is gone: its memory no longer counts. */
  forget(c: Client): void {
    if (c.lastMemoryReplica) this.memReplicas -= c.lastMemoryUsage;
    else this.memNormal -= c.lastMemoryUsage;
    c.lastMemoryUsage = 0;
    c.lastMemoryReplica = false;
    this.removeFromBucket(c);
    this.toClose.delete(c);
  }

  private removeFromBucket(c: Client): void {
    if (c.memoryBucket === null) return;
    c.memoryBucket.delete(c);
    c.memoryBucket = null;
  }

  /**
   * getClientEvictionLimit: maxmemory-clients in bytes, or a percentage of maxmemory (nothing
   * while maxmemory is 0); never below 128 KB; 0 when client eviction is off.
   */
  private clientEvictionLimit(): number {
    const config = this.server.config;
    const setting = config.maxmemoryClients;
    let limit: number;
    if (setting < 0 && config.maxmemory > 0) limit = Math.floor((config.maxmemory * -setting) / 100);
    else if (setting > 0) limit = setting;
    else return 0;
    return Math.max(limit, MIN_CLIENT_EVICTION_LIMIT);
  }

  /** maxmemory-clients or maxmemory changed: (re)build the buckets, or drop them when off. */
  private configureEviction(): void {
    this.evictionLimit = this.clientEvictionLimit();
    const on = this.server.config.maxmemoryClients !== 0;
    if (on === this.bucketsOn) return;
    this.bucketsOn = on;
    if (on) {
      for (const c of this.server.clients.values()) this.update(c);
      return;
    }
    for (const bucket of this.buckets) {
      for (const c of bucket) c.memoryBucket = null;
      bucket.clear();
    }
  }

  /**
   * DEBUG CLIENT-EVICTION: each bucket's range, the memory of its clients and how many there are;
   * null while maxmemory-clients is 0.
   */
  evictionReport(): string | null {
    if (!this.bucketsOn) return null;
    const pad = (n: number) => String(n).padStart(10);
    let out = '';
    for (let i = 0; i < BUCKET_COUNT; i++) {
      let mem = 0;
      for (const c of this.buckets[i]) mem += c.lastMemoryUsage;
      const low = i === 0 ? 0 : 2 ** (BUCKET_MIN_LOG + i - 1);
      const range = i === BUCKET_COUNT - 1 ? `${pad(low)}+            ` : `${pad(low)} - ${pad(2 ** (BUCKET_MIN_LOG + i) - 1)}`;
      out += `bucket ${range}: tot-mem: ${pad(mem)}, clients: ${this.buckets[i].size}\n`;
    }
    return out;
  }

  /**
   * evictClients: while the clients' memory is at or over maxmemory-clients, closes the
   * evictable client using the most (from the largest bucket down), counting evicted_clients.
   */
  evictIfNeeded(): void {
    const limit = this.evictionLimit;
    if (limit === 0 || this.memNormal < limit) return;
    let b = BUCKET_COUNT - 1;
    while (this.memNormal >= limit) {
      const bucket = this.buckets[b];
      const next = bucket.values().next();
      if (next.done) {
        if (--b < 0) {
          this.server.log.warning('Over client maxmemory after evicting all evictable clients');
          return;
        }
        continue;
      }
      const c = next.value;
      this.server.log.notice(`Evicting client: ${clientInfoLine(c, null, 0)}`);
      this.server.stats.evictedClients++;
      c.closeHook?.();
      // A client the transport could not close is at least no longer a candidate.
      this.removeFromBucket(c);
    }
  }

  // ------------------------------------------------------------ the clients cron

  /**
   * clientsCronHandleTimeout: past `timeout` seconds idle a client is closed, unless it is a
   * replica or MONITOR, our master, blocked (a paused command too) or subscribed.
   */
  private closeIfTimedOut(c: Client, idleSeconds: number): boolean {
    const maxIdle = this.server.config.timeout;
    if (maxIdle === 0 || idleSeconds <= maxIdle || c.kind !== 'normal') return false;
    if (c.replica !== null || c.monitor || c.pubsub !== null || c.blocked !== null || c.postponedArgv !== null) return false;
    if (c.heldByScript || c.awaitingTarget || c.closeHook === null) return false;
    this.server.log.verbose('Closing idle client');
    c.closeHook();
    return true;
  }

  /**
   * clientsCron: visits a share of the clients each tick (all of them once a second): closes it
   * past `timeout` idle (closeIfTimedOut), gives back an idle client's grown buffers, samples the
   * input / output peaks INFO reports, refreshes the client's memory, and closes it if its output
   * stayed over the soft limit. Then evicts clients if maxmemory-clients is exceeded.
   */
  cron(now: number): void {
    const clients = this.server.clients;
    const nowSec = Math.floor(now / 1000);
    const slot = nowSec % PEAK_SLOTS;
    const next = (slot + 1) % PEAK_SLOTS;
    this.peakInput[next] = 0;
    this.peakOutput[next] = 0;
    const count = clients.size;
    let iterations = Math.ceil(count / Math.max(1, this.server.config.hz));
    if (iterations < CRON_MIN_ITERATIONS) iterations = Math.min(count, CRON_MIN_ITERATIONS);
    for (let i = 0; i < iterations; i++) {
      let step = this.cronIterator?.next();
      if (step === undefined || step.done) {
        this.cronIterator = clients.values();
        step = this.cronIterator.next();
        if (step.done) break;
      }
      const c = step.value;
      const idle = nowSec - Math.floor(c.lastInteraction / 1000);
      if (this.closeIfTimedOut(c, idle)) continue;
      if (idle > IDLE_TRIM_SECONDS) c.trimBuffersHook?.();
      const input = clientInputMemory(c);
      if (input > this.peakInput[slot]) this.peakInput[slot] = input;
      const output = c.outputBytes();
      if (output > this.peakOutput[slot]) this.peakOutput[slot] = output;
      this.update(c);
      this.closeOnOutputLimit(c, false);
    }
    this.evictIfNeeded();
  }
}

/**
 * checkClientOutputBufferLimits: over the hard limit, or over the soft limit for more than its
 * seconds (counted in whole seconds, as Redis's unixtime does). Starts or resets the soft limit's
 * clock.
 */
function limitReached(c: Client, used: number, limits: OutputBufferLimits, nowSec: number): boolean {
  const hard = limits.hard > 0 && used >= limits.hard;
  let soft = limits.soft > 0 && used >= limits.soft;
  if (soft) {
    if (c.obufSoftLimitReachedTime === 0) {
      c.obufSoftLimitReachedTime = nowSec;
      soft = false;
    } else if (nowSec - c.obufSoftLimitReachedTime <= limits.softSeconds) {
      soft = false;
    }
  } else {
    c.obufSoftLimitReachedTime = 0;
  }
  return hard || soft;
}
