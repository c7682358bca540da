import os from 'node:os';
import { createHash } from 'node:crypto';
import type { Server } from './server.js';
import { serverCounts } from './pubsub.js';
import type { Command } from './command-table.js';
import { processHeapBytes } from './memory.js';

/**
 * INFO: Redis 7.0's sections and field names (genRedisInfoString in server.c), with our own values
 * where we have them and Redis's idle values for subsystems that do not exist (or are off).
 */

import { REDIS_VERSION } from '../util/version.js';

/** A stable build id for this Cinder build (Redis prints a hash of its build). */
const BUILD_ID = createHash('sha1').update('cinder-redis-' + REDIS_VERSION).digest('hex').slice(0, 16);

// ---------------------------------------------------------------- latency histograms

/**
 * A per-command latency histogram with HdrHistogram's layout for 1 ns .. 1 s at 2 significant
 * digits (what Redis configures): 128 sub-buckets per power of two, so percentiles come out as the
 * same bucket bounds Redis reports (e.g. 13.055 µs).
 */
export class LatencyHistogram {
  static readonly SUB_HALF_MAGNITUDE = 7;
  static readonly SUB_HALF = 128;
  static readonly SUB_MASK = 255;
  static readonly MAX_NS = 1_000_000_000;
  /** (23 buckets + 1) * 128. */
  static readonly LENGTH = 3072;

  readonly counts = new Uint32Array(LatencyHistogram.LENGTH);
  total = 0;

  /** Records one duration in nanoseconds (clamped to 1 ns .. 1 s, as Redis does). */
  record(ns: number): void {
    let v = ns < 1 ? 1 : ns > LatencyHistogram.MAX_NS ? LatencyHistogram.MAX_NS : Math.floor(ns);
    v = v | 0;
    const pow2ceiling = 32 - Math.clz32(v | LatencyHistogram.SUB_MASK);
    const bucket = pow2ceiling - (LatencyHistogram.SUB_HALF_MAGNITUDE + 1);
    const sub = v >>> bucket;
    const index = ((bucket + 1) << LatencyHistogram.SUB_HALF_MAGNITUDE) + (sub - LatencyHistogram.SUB_HALF);
    this.counts[index]++;
    this.total++;
  }

  /** hdr_value_at_percentile: the highest value equivalent to the bucket holding the percentile. */
  valueAtPercentile(percentile: number): number {
    const p = percentile < 100 ? percentile : 100;
    let target = Math.floor((p / 100) * this.total + 0.5);
    if (target < 1) target = 1;
    let seen = 0;
    const counts = this.counts;
    for (let idx = 0; idx < counts.length; idx++) {
      seen += counts[idx];
      if (seen >= target) {
        let bucket = (idx >> LatencyHistogram.SUB_HALF_MAGNITUDE) - 1;
        let sub = (idx & (LatencyHistogram.SUB_HALF - 1)) + LatencyHistogram.SUB_HALF;
        if (bucket < 0) {
          sub -= LatencyHistogram.SUB_HALF;
          bucket = 0;
        }
        const lowest = sub * 2 ** bucket;
        return lowest + 2 ** bucket - 1;
      }
    }
    return 0;
  }
}

// ---------------------------------------------------------------- per-server INFO state

/** A LatencyHistogram: its object, its Uint32Array of counts and its Map entry. */
const HISTOGRAM_BYTES = LatencyHistogram.LENGTH * 4 + 184 + 64 + 32;

const METRIC_SAMPLES = 16;
const METRIC_PERIOD_MS = 100;

/** trackInstantaneousMetric: a rolling average of per-second rates over 16 samples. */
class InstantaneousMetric {
  private samples = new Float64Array(METRIC_SAMPLES);
  private idx = 0;
  private lastTime = 0;
  private lastReading = 0;

  sample(now: number, reading: number): void {
    if (this.lastTime !== 0) {
      const t = now - this.lastTime;
      const delta = reading - this.lastReading;
      this.samples[this.idx] = t > 0 ? (delta * 1000) / t : 0;
      this.idx = (this.idx + 1) % METRIC_SAMPLES;
    }
    this.lastTime = now;
    this.lastReading = reading;
  }

  get value(): number {
    let sum = 0;
    for (let i = 0; i < METRIC_SAMPLES; i++) sum += this.samples[i];
    return sum / METRIC_SAMPLES;
  }
}

/**
 * What INFO memory and MEMORY STATS report, from the accounting (src/server/memory.ts) and, for
 * the allocator and RSS fields, from V8: its heap stands in for Redis's allocator (allocated = live
 * heap + ArrayBuffer memory, active = heap committed + ArrayBuffers, resident = the process RSS).
 */
export interface MemoryReport {
  used: number;
  peak: number;
  startup: number;
  overhead: number;
  dataset: number;
  /** used minus startup, at least 1 (Redis's net_usage). */
  netUsage: number;
  clientsNormal: number;
  clientsSlaves: number;
  luaCaches: number;
  functionsCaches: number;
  notCountedForEvict: number;
  allocated: number;
  active: number;
  resident: number;
  rss: number;
}

/** The figures INFO memory, MEMORY STATS and MEMORY DOCTOR report, sampled now. */
export function memoryReport(server: Server): MemoryReport {
  const memory = server.memory;
  memory.refresh();
  const used = memory.trackPeak();
  const overhead = memory.overhead();
  const m = process.memoryUsage();
  return {
    used,
    peak: memory.peak,
    startup: memory.startup,
    overhead,
    dataset: used - overhead,
    netUsage: used > memory.startup ? used - memory.startup : 1,
    clientsNormal: memory.clients,
    clientsSlaves: memory.clientsSlaves,
    luaCaches: memory.scriptsCache,
    functionsCaches: memory.functions,
    notCountedForEvict: memory.notCountedForEviction(),
    allocated: processHeapBytes(m),
    active: m.heapTotal + m.arrayBuffers,
    resident: m.rss,
    rss: m.rss,
  };
}

/**
 * What INFO needs beyond the server's counters: rolling rates, per-command latency histograms,
 * One per Server (`server.info`), fed by the cron and the dispatcher.
 */
export class InfoState {
  readonly opsPerSec = new InstantaneousMetric();
  readonly inputBytesPerSec = new InstantaneousMetric();
  /** Bytes from our master (its RDB and its stream): instantaneous_input_repl_kbps. */
  readonly replInputBytesPerSec = new InstantaneousMetric();
  readonly replOutputBytesPerSec = new InstantaneousMetric();
  readonly outputBytesPerSec = new InstantaneousMetric();
  private lastSample = 0;
  private readonly latency = new Map<Command, LatencyHistogram>();
  /** Whether per-command latency is recorded (latency-tracking). */
  latencyTracking = true;

  /** Called by the dispatcher after each command with its duration in microseconds. */
  recordLatency(cmd: Command, usec: number): void {
    let h = this.latency.get(cmd);
    if (h === undefined) {
      h = new LatencyHistogram();
      this.latency.set(cmd, h);
    }
    // Redis measures whole microseconds and records nanoseconds.
    h.record(Math.floor(usec) * 1000);
  }

  histogram(cmd: Command): LatencyHistogram | undefined {
    return this.latency.get(cmd);
  }

  /** Estimated bytes of the latency histograms (one per command used; memory accounting). */
  get histogramBytes(): number {
    return this.latency.size * HISTOGRAM_BYTES;
  }

  /** CONFIG RESETSTAT: drop the histograms. */
  resetLatency(): void {
    this.latency.clear();
  }

  /** Cron hook: samples the rates every 100 ms and tracks the memory peak. */
  cron(server: Server, now: number): void {
    if (now - this.lastSample < METRIC_PERIOD_MS) return;
    this.lastSample = now;
    const s = server.stats;
    this.opsPerSec.sample(now, s.totalCommands);
    this.inputBytesPerSec.sample(now, s.netInputBytes);
    this.replInputBytesPerSec.sample(now, s.netReplInputBytes);
    this.replOutputBytesPerSec.sample(now, server.replicationMaster.netReplOutputBytes);
    this.outputBytesPerSec.sample(now, s.netOutputBytes);
    this.latencyTracking = configValue(server, 'latency-tracking') !== 'no';
  }
}

type FieldValue = string | number;

// ---------------------------------------------------------------- formatting helpers

/** bytesToHuman: 1023B, 1.00K, 1.09M, ... */
export function bytesToHuman(n: number): string {
  const units = ['K', 'M', 'G', 'T', 'P'];
  if (n < 1024) return `${n}B`;
  let d = n / 1024;
  for (let i = 0; i < units.length; i++) {
    if (d < 1024 || i === units.length - 1) return `${d.toFixed(2)}${units[i]}`;
    d /= 1024;
  }
  return `${n}B`;
}

function seconds6(usec: number): string {
  return (usec / 1e6).toFixed(6);
}

/** Builds one section: a header and name:value lines. */
class SectionWriter {
  text = '';
  constructor(title: string) {
    this.text = `# ${title}\r\n`;
  }
  field(name: string, value: FieldValue): void {
    this.text += `${name}:${value}\r\n`;
  }
  line(s: string): void {
    this.text += s + '\r\n';
  }
}

function configValue(server: Server, name: string): string | undefined {
  const cfg = server.config as unknown as { get?: (n: string) => unknown };
  if (typeof cfg.get !== 'function') return undefined;
  const v = cfg.get(name);
  if (v === undefined || v === null) return undefined;
  return String(v);
}

function multiplexingApi(): string {
  switch (process.platform) {
    case 'linux':
      return 'epoll';
    case 'darwin':
    case 'freebsd':
    case 'openbsd':
      return 'kqueue';
    case 'sunos':
      return 'evport';
    default:
      return 'select';
  }
}

// ---------------------------------------------------------------- sections

function serverSection(server: Server): string {
  const w = new SectionWriter('Server');
  const now = Date.now();
  const uptime = Math.floor((now - server.startTime) / 1000);
  w.field('redis_version', REDIS_VERSION);
  w.field('redis_git_sha1', '00000000');
  w.field('redis_git_dirty', 0);
  w.field('redis_build_id', BUILD_ID);
  w.field('redis_mode', 'standalone');
  w.field('os', `${os.type()} ${os.release()} ${os.machine()}`);
  w.field('arch_bits', process.arch.endsWith('64') ? 64 : 32);
  w.field('monotonic_clock', 'POSIX clock_gettime');
  w.field('multiplexing_api', multiplexingApi());
  w.field('atomicvar_api', 'c11-builtin');
  w.field('gcc_version', '0.0.0');
  w.field('process_id', process.pid);
  w.field('process_supervised', 'no');
  w.field('run_id', server.runId);
  w.field('tcp_port', server.tcpPort);
  w.field('server_time_usec', Math.floor((performance.timeOrigin + performance.now()) * 1000));
  w.field('uptime_in_seconds', uptime);
  w.field('uptime_in_days', Math.floor(uptime / 86400));
  w.field('hz', server.config.hz);
  w.field('configured_hz', server.config.hz);
  w.field('lru_clock', Math.floor(now / 1000) & 0xffffff);
  w.field('executable', server.executable);
  w.field('config_file', server.configFile);
  w.field('io_threads_active', 0);
  return w.text;
}

function clientsSection(server: Server): string {
  const w = new SectionWriter('Clients');
  w.field('connected_clients', server.clients.size);
  w.field('cluster_connections', 0);
  w.field('maxclients', server.config.maxclients);
  // Peaks of the last seconds, sampled by the clients cron (as Redis's clientsCron does).
  w.field('client_recent_max_input_buffer', server.clientBuffers.recentMaxInputBuffer());
  w.field('client_recent_max_output_buffer', server.clientBuffers.recentMaxOutputBuffer());
  // Clients whose command CLIENT PAUSE holds count as blocked, as in Redis.
  w.field('blocked_clients', server.blocking.blockedClients + server.pause.postponedClients);
  w.field('tracking_clients', server.tracking.clients);
  w.field('clients_in_timeout_table', server.blocking.clientsWithTimeout);
  return w.text;
}

function memorySection(server: Server): string {
  const w = new SectionWriter('Memory');
  const lua = server.scripting.memoryStats();
  const mem = memoryReport(server);
  const maxmemory = Number(configValue(server, 'maxmemory') ?? 0);
  const policy = configValue(server, 'maxmemory-policy') ?? 'noeviction';
  const total = os.totalmem();
  const ratio = (a: number, b: number) => (b > 0 ? a / b : 0).toFixed(2);
  w.field('used_memory', mem.used);
  w.field('used_memory_human', bytesToHuman(mem.used));
  w.field('used_memory_rss', mem.rss);
  w.field('used_memory_rss_human', bytesToHuman(mem.rss));
  w.field('used_memory_peak', mem.peak);
  w.field('used_memory_peak_human', bytesToHuman(mem.peak));
  w.field('used_memory_peak_perc', `${((mem.used / mem.peak) * 100).toFixed(2)}%`);
  w.field('used_memory_overhead', mem.overhead);
  w.field('used_memory_startup', mem.startup);
  w.field('used_memory_dataset', mem.dataset);
  w.field('used_memory_dataset_perc', `${((mem.dataset * 100) / mem.netUsage).toFixed(2)}%`);
  w.field('allocator_allocated', mem.allocated);
  w.field('allocator_active', mem.active);
  w.field('allocator_resident', mem.resident);
  w.field('total_system_memory', total);
  w.field('total_system_memory_human', bytesToHuman(total));
  w.field('used_memory_lua', lua.vmEval);
  w.field('used_memory_vm_eval', lua.vmEval);
  w.field('used_memory_lua_human', bytesToHuman(lua.vmEval));
  w.field('used_memory_scripts_eval', mem.luaCaches);
  w.field('number_of_cached_scripts', lua.cachedScripts);
  w.field('number_of_functions', lua.functions);
  w.field('number_of_libraries', lua.libraries);
  w.field('used_memory_vm_functions', lua.vmFunctions);
  w.field('used_memory_vm_total', lua.vmEval + lua.vmFunctions);
  w.field('used_memory_vm_total_human', bytesToHuman(lua.vmEval + lua.vmFunctions));
  w.field('used_memory_functions', mem.functionsCaches);
  w.field('used_memory_scripts', mem.luaCaches + mem.functionsCaches);
  w.field('used_memory_scripts_human', bytesToHuman(mem.luaCaches + mem.functionsCaches));
  w.field('maxmemory', maxmemory);
  w.field('maxmemory_human', bytesToHuman(maxmemory));
  w.field('maxmemory_policy', policy);
  w.field('allocator_frag_ratio', ratio(mem.active, mem.allocated));
  w.field('allocator_frag_bytes', mem.active - mem.allocated);
  w.field('allocator_rss_ratio', ratio(mem.resident, mem.active));
  w.field('allocator_rss_bytes', mem.resident - mem.active);
  w.field('rss_overhead_ratio', ratio(mem.rss, mem.resident));
  w.field('rss_overhead_bytes', mem.rss - mem.resident);
  w.field('mem_fragmentation_ratio', ratio(mem.rss, mem.used));
  w.field('mem_fragmentation_bytes', mem.rss - mem.used);
  w.field('mem_not_counted_for_evict', mem.notCountedForEvict);
  const repl = server.replicationMaster;
  w.field('mem_replication_backlog', repl.backlogBytes());
  w.field('mem_total_replication_buffers', repl.backlogBytes() + repl.replicaBufferBytes());
  w.field('mem_clients_slaves', mem.clientsSlaves);
  w.field('mem_clients_normal', mem.clientsNormal);
  w.field('mem_cluster_links', 0);
  w.field('mem_aof_buffer', server.aof.bufferBytes);
  w.field('mem_allocator', 'libc');
  w.field('active_defrag_running', 0);
  w.field('lazyfree_pending_objects', 0);
  w.field('lazyfreed_objects', 0);
  return w.text;
}

function persistenceSection(server: Server): string {
  const w = new SectionWriter('Persistence');
  const loading = server.persistence.loading;
  w.field('loading', loading !== null ? 1 : 0);
  w.field('async_loading', 0);
  w.field('current_cow_peak', 0);
  w.field('current_cow_size', 0);
  w.field('current_cow_size_age', 0);
  w.field('current_fork_perc', '0.00');
  const p = server.persistence;
  const current = p.currentSave();
  w.field('current_save_keys_processed', current.processed);
  w.field('current_save_keys_total', current.total);
  w.field('rdb_changes_since_last_save', p.changesSinceLastSave);
  w.field('rdb_bgsave_in_progress', p.bgsaveInProgress ? 1 : 0);
  w.field('rdb_last_save_time', server.lastSave);
  w.field('rdb_last_bgsave_status', p.lastBgsaveOk ? 'ok' : 'err');
  w.field('rdb_last_bgsave_time_sec', p.lastBgsaveSeconds);
  w.field('rdb_current_bgsave_time_sec', current.seconds);
  w.field('rdb_saves', p.saves);
  w.field('rdb_last_cow_size', 0);
  w.field('rdb_last_load_keys_expired', p.lastLoad.keysExpired);
  w.field('rdb_last_load_keys_loaded', p.lastLoad.keysLoaded);
  const field = (name: string, value: string | number) => w.field(name, value);
  server.aof.infoFields(field);
  w.field('module_fork_in_progress', 0);
  w.field('module_fork_last_cow_size', 0);
  server.aof.infoEnabledFields(field);
  if (loading !== null) for (const [name, value] of loading.infoFields()) w.field(name, value);
  return w.text;
}

function statsSection(server: Server): string {
  const w = new SectionWriter('Stats');
  const s = server.stats;
  const state = server.info;
  let hits = 0;
  let misses = 0;
  for (const db of server.dbs) {
    hits += db.hits;
    misses += db.misses;
  }
  w.field('total_connections_received', s.totalConnections);
  w.field('total_commands_processed', s.totalCommands);
  w.field('instantaneous_ops_per_sec', Math.floor(state.opsPerSec.value));
  w.field('total_net_input_bytes', s.netInputBytes);
  w.field('total_net_output_bytes', s.netOutputBytes);
  w.field('total_net_repl_input_bytes', s.netReplInputBytes);
  w.field('total_net_repl_output_bytes', server.replicationMaster.netReplOutputBytes);
  w.field('instantaneous_input_kbps', (state.inputBytesPerSec.value / 1024).toFixed(2));
  w.field('instantaneous_output_kbps', (state.outputBytesPerSec.value / 1024).toFixed(2));
  w.field('instantaneous_input_repl_kbps', (state.replInputBytesPerSec.value / 1024).toFixed(2));
  w.field('instantaneous_output_repl_kbps', (state.replOutputBytesPerSec.value / 1024).toFixed(2));
  w.field('rejected_connections', s.rejectedConnections);
  const master = server.replicationMaster;
  w.field('sync_full', master.syncFull);
  w.field('sync_partial_ok', master.syncPartialOk);
  w.field('sync_partial_err', master.syncPartialErr);
  w.field('expired_keys', s.expiredKeys);
  w.field('expired_stale_perc', s.expiredStalePercent.toFixed(2));
  w.field('expired_time_cap_reached_count', 0);
  w.field('expire_cycle_cpu_milliseconds', Math.floor(s.expireCycleCpuMs));
  w.field('evicted_keys', s.evictedKeys);
  w.field('evicted_clients', server.stats.evictedClients);
  // Milliseconds used memory stayed over maxmemory, the current episode included in the total.
  const exceeded = server.evictor.currentExceededMs();
  w.field('total_eviction_exceeded_time', Math.floor(s.evictionExceededMs + exceeded));
  w.field('current_eviction_exceeded_time', Math.floor(exceeded));
  w.field('keyspace_hits', hits);
  w.field('keyspace_misses', misses);
  const [channels, patterns, shardChannels] = serverCounts(server);
  w.field('pubsub_channels', channels);
  w.field('pubsub_patterns', patterns);
  w.field('pubsubshard_channels', shardChannels);
  w.field('latest_fork_usec', 0);
  w.field('total_forks', 0);
  w.field('migrate_cached_sockets', server.migrateSockets.size);
  w.field('slave_expires_tracked_keys', 0);
  w.field('active_defrag_hits', 0);
  w.field('active_defrag_misses', 0);
  w.field('active_defrag_key_hits', 0);
  w.field('active_defrag_key_misses', 0);
  w.field('total_active_defrag_time', 0);
  w.field('current_active_defrag_time', 0);
  const [trackedKeys, trackedItems, trackedPrefixes] = server.tracking.totals;
  w.field('tracking_total_keys', trackedKeys);
  w.field('tracking_total_items', trackedItems);
  w.field('tracking_total_prefixes', trackedPrefixes);
  w.field('unexpected_error_replies', 0);
  w.field('total_error_replies', s.totalErrorReplies);
  w.field('dump_payload_sanitizations', 0);
  w.field('total_reads_processed', 0);
  w.field('total_writes_processed', 0);
  w.field('io_threaded_reads_processed', 0);
  w.field('io_threaded_writes_processed', 0);
  w.field('reply_buffer_shrinks', 0);
  w.field('reply_buffer_expands', 0);
  return w.text;
}

function replicationSection(server: Server): string {
  const w = new SectionWriter('Replication');
  const repl = server.replication;
  w.field('role', repl.masterHost === null ? 'master' : 'slave');
  if (repl.masterHost !== null) replicaFields(server, w);
  const master = server.replicationMaster;
  for (const [name, value] of master.infoReplicaLines()) w.field(name, value);
  w.field('master_failover_state', server.failover.state);
  w.field('master_replid', repl.replid);
  w.field('master_replid2', repl.replid2);
  w.field('master_repl_offset', repl.masterReplOffset);
  w.field('second_repl_offset', repl.secondReplidOffset);
  const backlog = master.backlog;
  w.field('repl_backlog_active', backlog === null ? 0 : 1);
  w.field('repl_backlog_size', Number(server.config.get('repl-backlog-size')));
  w.field('repl_backlog_first_byte_offset', backlog === null ? 0 : backlog.firstByteOffset);
  w.field('repl_backlog_histlen', backlog === null ? 0 : backlog.histlen);
  return w.text;
}

/** The replica's own lines of INFO replication (master_host ... replica_announced). */
function replicaFields(server: Server, w: SectionWriter): void {
  const repl = server.replication;
  const replica = server.replica;
  const cfg = server.config;
  const nowSec = Math.floor(Date.now() / 1000);
  w.field('master_host', repl.masterHost!);
  w.field('master_port', repl.masterPort);
  w.field('master_link_status', replica.state === 'connected' ? 'up' : 'down');
  w.field('master_last_io_seconds_ago', replica.master !== null ? nowSec - Math.floor(replica.master.lastInteraction / 1000) : -1);
  w.field('master_sync_in_progress', replica.state === 'sync' ? 1 : 0);
  const offsets = replica.offsets();
  w.field('slave_read_repl_offset', offsets.read);
  w.field('slave_repl_offset', offsets.applied);
  const t = replica.transfer;
  if (replica.state === 'sync' && t !== null) {
    // An EOF-marked transfer has no announced size: Redis reports 0 total and negative bytes left.
    const size = t.size < 0 ? 0 : t.size;
    w.field('master_sync_total_bytes', size);
    w.field('master_sync_read_bytes', t.read);
    w.field('master_sync_left_bytes', size - t.read);
    w.field('master_sync_perc', (size > 0 ? (t.read / size) * 100 : 0).toFixed(2));
    w.field('master_sync_last_io_seconds_ago', nowSec - Math.floor(t.lastIo / 1000));
  }
  if (replica.state !== 'connected') {
    w.field('master_link_down_since_seconds', replica.downSince !== 0 ? nowSec - replica.downSince : -1);
  }
  w.field('slave_priority', cfg.get('replica-priority')!);
  w.field('slave_read_only', cfg.get('replica-read-only') === 'yes' ? 1 : 0);
  w.field('replica_announced', cfg.get('replica-announced') === 'yes' ? 1 : 0);
}

function cpuSection(server: Server): string {
  const w = new SectionWriter('CPU');
  const cpu = process.cpuUsage();
  w.field('used_cpu_sys', seconds6(cpu.system));
  w.field('used_cpu_user', seconds6(cpu.user));
  w.field('used_cpu_sys_children', '0.000000');
  w.field('used_cpu_user_children', '0.000000');
  w.field('used_cpu_sys_main_thread', seconds6(cpu.system));
  w.field('used_cpu_user_main_thread', seconds6(cpu.user));
  return w.text;
}

/** Every command and subcommand, depth first, in table order. */
function* allCommands(list: Iterable<Command>): Generator<Command> {
  for (const cmd of list) {
    yield cmd;
    if (cmd.subcommands !== null) yield* allCommands(cmd.subcommands.values());
  }
}

function commandStatsSection(server: Server): string {
  const w = new SectionWriter('Commandstats');
  for (const cmd of allCommands(server.commands.all)) {
    if (cmd.calls === 0 && cmd.failedCalls === 0 && cmd.rejectedCalls === 0) continue;
    const usec = Math.round(cmd.usec);
    const perCall = cmd.calls === 0 ? 0 : usec / cmd.calls;
    w.line(
      `cmdstat_${cmd.fullName}:calls=${cmd.calls},usec=${usec},usec_per_call=${perCall.toFixed(2)},` +
        `rejected_calls=${cmd.rejectedCalls},failed_calls=${cmd.failedCalls}`,
    );
  }
  return w.text;
}

function errorStatsSection(server: Server): string {
  const w = new SectionWriter('Errorstats');
  const codes = [...server.stats.errorCodes.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const code of codes) w.line(`errorstat_${code}:count=${server.stats.errorCodes.get(code)}`);
  return w.text;
}

/** latency-tracking-info-percentiles, "50 99 99.9" by default. */
function latencyPercentiles(server: Server): number[] {
  const setting = configValue(server, 'latency-tracking-info-percentiles') ?? '50 99 99.9';
  return setting
    .split(' ')
    .filter((p) => p !== '')
    .map(Number);
}

/** A percentile as Redis names it: %f with trailing zeros (and a bare dot) trimmed. */
function percentileName(p: number): string {
  const s = p.toFixed(6);
  return s.replace(/\.?0+$/, '');
}

function latencyStatsSection(server: Server): string {
  const w = new SectionWriter('Latencystats');
  // With latency-tracking off the section is only its header, histograms or not.
  if (configValue(server, 'latency-tracking') === 'no') return w.text;
  const percentiles = latencyPercentiles(server);
  for (const cmd of allCommands(server.commands.all)) {
    const h = server.info.histogram(cmd);
    if (h === undefined || h.total === 0) continue;
    const parts = percentiles.map((p) => `p${percentileName(p)}=${(h.valueAtPercentile(p) / 1000).toFixed(3)}`);
    w.line(`latency_percentiles_usec_${cmd.fullName}:${parts.join(',')}`);
  }
  return w.text;
}

function clusterSection(server: Server): string {
  const w = new SectionWriter('Cluster');
  w.field('cluster_enabled', 0);
  return w.text;
}

function keyspaceSection(server: Server): string {
  const w = new SectionWriter('Keyspace');
  for (const db of server.dbs) {
    if (db.size === 0) continue;
    const avgTtl = (db as unknown as { avgTtl?: number }).avgTtl ?? 0;
    w.line(`db${db.id}:keys=${db.size},expires=${db.volatileCount},avg_ttl=${Math.floor(avgTtl)}`);
  }
  return w.text;
}

const DEFAULT_SECTIONS = [
  'server',
  'clients',
  'memory',
  'persistence',
  'stats',
  'replication',
  'cpu',
  'module_list',
  'errorstats',
  'cluster',
  'keyspace',
];

/** Sections in the order Redis prints them; `modules` also selects the "# Modules" list. */
const SECTIONS: Array<[names: string[], gen: (server: Server) => string]> = [
  [['server'], serverSection],
  [['clients'], clientsSection],
  [['memory'], memorySection],
  [['persistence'], persistenceSection],
  [['stats'], statsSection],
  [['replication'], replicationSection],
  [['cpu'], cpuSection],
  [['module_list', 'modules'], (server) => new SectionWriter('Modules').text],
  [['commandstats'], commandStatsSection],
  [['errorstats'], errorStatsSection],
  [['latencystats'], latencyStatsSection],
  [['cluster'], clusterSection],
  [['keyspace'], keyspaceSection],
];

/**
 * The INFO text for the requested section names (INFO's arguments): none means the default set;
 * "default", "all" and "everything" as Redis reads them; unknown names select nothing.
 */
export function genInfoString(server: Server, args: readonly string[]): string {
  let all = false;
  const wanted = new Set<string>();
  if (args.length === 0) {
    for (const s of DEFAULT_SECTIONS) wanted.add(s);
  }
  for (const arg of args) {
    const name = arg.toLowerCase();
    if (name === 'default') for (const s of DEFAULT_SECTIONS) wanted.add(s);
    else if (name === 'all' || name === 'everything') all = true;
    else wanted.add(name);
  }
  const parts: string[] = [];
  for (const [names, gen] of SECTIONS) {
    if (all || names.some((n) => wanted.has(n))) parts.push(gen(server));
  }
  return parts.join('\r\n');
}

// ---------------------------------------------------------------- MEMORY STATS

/** An integer, a float ({ double }), or a nested map of integers. */
export type MemoryStatValue = number | { double: number } | Array<[string, number]>;

/**
 * MEMORY STATS's fields in Redis 7.0's order and types (integers, ratios as floats, one map per
 * non-empty database), from the same figures as INFO memory.
 */
export function memoryStats(server: Server): Array<[string, MemoryStatValue]> {
  const mem = memoryReport(server);
  const out: Array<[string, MemoryStatValue]> = [
    ['peak.allocated', mem.peak],
    ['total.allocated', mem.used],
    ['startup.allocated', mem.startup],
    ['replication.backlog', server.replicationMaster.backlogBytes()],
    ['clients.slaves', mem.clientsSlaves],
    ['clients.normal', mem.clientsNormal],
    ['cluster.links', 0],
    ['aof.buffer', 0],
    ['lua.caches', mem.luaCaches],
    ['functions.caches', mem.functionsCaches],
  ];
  let keys = 0;
  for (const db of server.dbs) {
    if (db.size === 0) continue;
    keys += db.size;
    const expires = db.volatileCount > 0 ? db.expiresOverhead : 0;
    out.push([
      `db.${db.id}`,
      [
        ['overhead.hashtable.main', db.overhead - expires],
        ['overhead.hashtable.expires', expires],
        ['overhead.hashtable.slot-to-keys', 0],
      ],
    ]);
  }
  // Redis computes these ratios in single precision.
  const f = (x: number) => ({ double: Number.isFinite(x) ? Math.fround(x) : 0 });
  out.push(
    ['overhead.total', mem.overhead],
    ['keys.count', keys],
    ['keys.bytes-per-key', keys > 0 ? Math.floor(mem.netUsage / keys) : 0],
    ['dataset.bytes', mem.dataset],
    ['dataset.percentage', f((mem.dataset * 100) / mem.netUsage)],
    ['peak.percentage', f((mem.used * 100) / mem.peak)],
    ['allocator.allocated', mem.allocated],
    ['allocator.active', mem.active],
    ['allocator.resident', mem.resident],
    ['allocator-fragmentation.ratio', f(mem.active / mem.allocated)],
    ['allocator-fragmentation.bytes', mem.active - mem.allocated],
    ['allocator-rss.ratio', f(mem.resident / mem.active)],
    ['allocator-rss.bytes', mem.resident - mem.active],
    ['rss-overhead.ratio', f(mem.rss / mem.resident)],
    ['rss-overhead.bytes', mem.rss - mem.resident],
    ['fragmentation', f(mem.rss / mem.used)],
    ['fragmentation.bytes', mem.rss - mem.used],
  );
  return out;
}
