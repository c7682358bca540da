import { randomBytes } from 'node:crypto';
import { Keyspace, reclaimValues, defaultAccessTracking, isLfuPolicy, type AccessTracking, type Clock } from '../engine/keyspace.js';
import { CommandTable, type Command } from './command-table.js';
import type { CommandSpec } from './command-spec.js';
import { CommandError, Errors, unknownCommandError, unknownSubcommandError } from '../protocol/errors.js';
import type { Client } from './client.js';
import { Config, allowProtectedAction } from './config.js';
import { Logger } from './log.js';
import { InfoState } from './info.js';
import { MemoryAccounting, processHeapBytes } from './memory.js';
import { BlockingManager } from './blocking.js';
import { KeyspaceNotifications, notifyKeyspaceEvent, EVENT } from './notify.js';
import { PubSubRegistry, forgetClient } from './pubsub.js';
import { ClientBuffers } from './client-buffers.js';
import { discardTransaction, unwatchAll, type MultiState } from './multi.js';
import { feedMonitorsAfterCall, stopMonitoring } from './monitor.js';
import { ClientPause, PAUSE_OFF } from './pause.js';
import { ACCESS_MAY_REPLICATE, ACCESS_READ, ACCESS_WRITE, commandAccess, staleAllowed } from './command-access.js';
import { FunctionRegistry } from '../scripting/functions.js';
import { ScriptRunner, BUSY_EVAL, BUSY_FUNCTION } from './script-runner.js';
import { LatencyMonitor } from './latency.js';
import { MemoryGuard } from './oom.js';
import { Evictor } from './evict.js';
import { MISCONF_ERROR, Persistence } from './persistence.js';
import { Aof } from './aof.js';
import { SlowLog, type SuspendedEnd } from './slowlog.js';
import { MigrateSockets } from './migrate.js';
import { Failover } from './replication/failover.js';
import { Shutdown } from './shutdown.js';
import { Tracking } from './tracking.js';
import { ReplicationState } from './replication/state.js';
import { Replica } from './replication/replica.js';
import { ReplicationMaster } from './replication/master.js';
import { Acl, ACL_OK, ACL_DENIED_CMD, deniedMessage } from './acl/acl.js';
import { argvBytesOf, clientInfoLine } from './client-info.js';
import {
  Propagation,
  expiredKeyDeletion,
  PROPAGATE_ALL,
  PROPAGATE_AOF,
  PROPAGATE_REPL,
  PROPAGATE_FORCE_AOF,
  PROPAGATE_FORCE_REPL,
  PREVENT_PROPAGATE_AOF,
  PREVENT_PROPAGATE_REPL,
} from './propagate.js';

/** redis.log levels 0-3 by name. */
const LOG_LEVELS = ['debug', 'verbose', 'notice', 'warning'] as const;

/** Server-wide counters reported by INFO (stats section). */
export class Stats {
  totalCommands = 0;
  totalConnections = 0;
  rejectedConnections = 0;
  expiredKeys = 0;
  expiredStalePercent = 0;
  expireCycleCpuMs = 0;
  evictedKeys = 0;
  /** performance.now() when memory went over maxmemory (0: under it), and the time over it before (ms). */
  evictionExceededSince = 0;
  evictionExceededMs = 0;
  /** Clients closed by maxmemory-clients (evicted_clients). */
  evictedClients = 0;
  totalErrorReplies = 0;
  /** errorstats: count per error code (ERR, WRONGTYPE, ...). */
  errorCodes = new Map<string, number>();
  netInputBytes = 0;
  /** Bytes read from our master, its RDB and its stream (total_net_repl_input_bytes). */
  netReplInputBytes = 0;
  netOutputBytes = 0;
}

export interface ShutdownRequest {
  save: boolean | null;
  now: boolean;
  force: boolean;
}

/**
 * The engine: databases, command table, dispatcher and periodic tasks. It knows nothing of sockets;
 * the TCP layer (src/server/tcp.ts) and embedded handles (src/embedded) feed it argv arrays.
 */
export class Server {
  readonly clock: Clock = { now: Date.now(), expiryOff: false };
  /** How key lookups record access (LRU or LFU, from maxmemory-policy and the lfu-* parameters). */
  readonly accessTracking: AccessTracking = defaultAccessTracking();
  readonly dbs: Keyspace[] = [];
  readonly commands: CommandTable;
  /** Users, the permission gate, authentication and the ACL LOG (src/server/acl). */
  readonly acl: Acl;
  readonly clients = new Map<number, Client>();
  readonly stats = new Stats();
  readonly log = new Logger();
  readonly startTime = Date.now();
  readonly runId = randomBytes(20).toString('hex');
  nextClientId = 1;
  /** Writes since the last save (rdb_changes_since_last_save). */
  dirty = 0;
  lastSave = Math.floor(Date.now() / 1000);
  /** Whether the active expiry cycle runs (DEBUG SET-ACTIVE-EXPIRE). */
  activeExpireEnabled = true;
  /** The host's part of a shutdown's start (the executable tells systemd: STOPPING=1). */
  shutdownStartHook: (() => void) | null = null;
  /** Set by the transport: performs SHUTDOWN. Returns an error message when it refuses. */
  shutdownHook: ((req: ShutdownRequest) => string | null) | null = null;
  /** Listening TCP port, once bound (0 when not listening). */
  tcpPort = 0;
  /** Executable and config file paths for INFO. */
  executable = '';
  configFile = '';
  /** INFO's rolling rates, latency histograms and replication id. */
  readonly info: InfoState;
  /** used_memory and its parts (src/server/memory.ts): what eviction compares with maxmemory. */
  readonly memory: MemoryAccounting;
  /** Clients blocked on keys and their wake-ups. */
  readonly blocking: BlockingManager;
  /** Lua scripts: the script cache and the runner (src/scripting). */
  readonly scripting: ScriptRunner;
  /** Function libraries (FUNCTION LOAD, FCALL). */
  readonly functions: FunctionRegistry;
  /** Channels, patterns and shard channels, and who listens (pub/sub and keyspace notifications). */
  readonly pubsub: PubSubRegistry;
  /**
   * Client buffer limits and memory: query / output buffer limits, maxmemory-clients eviction,
   * and the clients' memory INFO reports (`clientBuffers.memClientsNormal()`).
   */
  readonly clientBuffers: ClientBuffers;
  /** Latency spikes by event (LATENCY). */
  readonly latency: LatencyMonitor;
  /** Slow commands (SLOWLOG); also hands call() durations to the latency monitor. */
  readonly slowlog: SlowLog;

  /** MONITOR clients, in the order they started monitoring (src/server/monitor.ts). */
  readonly monitors: Client[] = [];
  /** CLIENT PAUSE: the pause in force and the commands it holds (src/server/pause.ts). */
  readonly pause: ClientPause;

  /** Out of memory or not: the OOM gate's answer and the state scripts start with (src/server/oom.ts). */
  readonly memoryGuard: MemoryGuard;
  /** maxmemory and eviction by maxmemory-policy (src/server/evict.ts); the memory guard runs it. */
  readonly evictor: Evictor;

  /** Keyspace notifications: notify-keyspace-events and its keyspace hooks (src/server/notify.ts). */
  readonly notifications: KeyspaceNotifications;
  /** RDB files: SAVE, BGSAVE, loading, save points, the MISCONF state (src/server/persistence.ts). */
  readonly persistence: Persistence;
  /** MIGRATE's cached connections to its targets (src/server/migrate.ts). */
  readonly migrateSockets: MigrateSockets;
  /** The append-only file: writing, fsync policies, rewrites, loading (src/server/aof.ts). */
  readonly aof: Aof;
  /** PING, which the MISCONF gate refuses with the writes (Redis compares the command proc). */
  private readonly pingCommand: Command | undefined;
  /** Nesting of call(): EXEC's queued commands and a script's calls run at depth > 1. */
  private callDepth = 0;

  /** A command is executing (Redis's CLIENT_EXECUTING_COMMAND on the current client). */
  get executingCommand(): boolean {
    return this.callDepth > 0;
  }
  /** Total error replies when the current call started (incrCommandStatsOnError's prev_err_count). */
  private errorMark = 0;
  /** EXEC, which a refusal answers with EXECABORT (Redis compares the command proc). */
  private readonly execCommand: Command | undefined;
  /** Effects of writes, for replicas and the AOF (src/server/propagate.ts). */
  readonly propagation: Propagation;
  /** Replication id and offset (src/server/replication/state.ts). */
  readonly replication = new ReplicationState();
  /** This server as a replica: REPLICAOF's link to its master (src/server/replication/replica.ts). */
  readonly replica: Replica;
  /** Replicas of this server: full syncs, the backlog, the stream, WAIT (src/server/replication/master.ts). */
  readonly replicationMaster: ReplicationMaster;
  /** FAILOVER's hand-over to a replica (src/server/replication/failover.ts). */
  readonly failover: Failover;
  /** SHUTDOWN and the signals: waiting for replicas, then the host's shutdownHook (src/server/shutdown.ts). */
  readonly shutdown: Shutdown;
  /** Client-side caching: CLIENT TRACKING's tables and invalidations (src/server/tracking.ts). */
  readonly tracking: Tracking;
  private cronTimer: NodeJS.Timeout | null = null;
  private cronLoops = 0;

  constructor(
    readonly config: Config = new Config(),
    specs: readonly CommandSpec[],
  ) {
    // What building the server allocates is its startup memory; the runtime and modules already
    // loaded are the program, which Redis's used_memory does not count either (src/server/memory.ts).
    const heapBeforeServer = processHeapBytes();
    this.commands = new CommandTable(specs);
    // rename-command (throws the fatal config error of the line that cannot be applied).
    config.applyRenames((from, to) => this.commands.rename(from, to));
    this.acl = new Acl(this.commands, config);
    // requirepass is the default user's password (CONFIG SET requirepass too).
    this.acl.setRequirepass(config.requirepass);
    config.onChange('requirepass', () => this.acl.setRequirepass(config.requirepass));
    config.userLines = () => this.acl.sortedUsers().map((u) => `user ${u.name} ${u.describe()}`);
    this.acl.loadAtStartup(config);
    this.execCommand = this.commands.lookupOriginal('exec');
    this.pingCommand = this.commands.lookupOriginal('ping');
    this.persistence = new Persistence(this);
    this.aof = new Aof(this);
    // The subsystems, each a field built here and nowhere else (no module state, no import-time
    // hooks): what they need of the server they get from it, explicitly.
    this.info = new InfoState();
    this.memory = new MemoryAccounting(this);
    this.propagation = new Propagation();
    this.replicationMaster = new ReplicationMaster(this);
    this.notifications = new KeyspaceNotifications(this);
    this.pubsub = new PubSubRegistry();
    this.clientBuffers = new ClientBuffers(this);
    this.blocking = new BlockingManager(this);
    this.pause = new ClientPause(this);
    this.latency = new LatencyMonitor(config);
    this.slowlog = new SlowLog(config, this.latency);
    this.scripting = new ScriptRunner(this);
    this.evictor = new Evictor(this);
    this.memoryGuard = new MemoryGuard(this);
    this.migrateSockets = new MigrateSockets();
    this.replica = new Replica(this);
    this.failover = new Failover(this);
    this.shutdown = new Shutdown(this);
    this.tracking = new Tracking(this);
    this.functions = new FunctionRegistry({
      log: (level, message) => this.log.log(LOG_LEVELS[Math.min(3, Math.max(0, level))], message.toString('latin1')),
      rdbCompression: () => this.config.get('rdbcompression') === 'yes',
      vm: () => this.scripting.vm,
    });
    this.trackAccessAsConfigured();
    for (let i = 0; i < config.databases; i++) this.dbs.push(this.createDb(i));
    this.log.level = config.loglevel;
    this.log.isReplica = () => this.replication.masterHost !== null;
    config.onChange('loglevel', () => {
      this.log.level = config.loglevel;
    });
    this.notifications.configure();
    config.onChange('notify-keyspace-events', () => this.notifications.configure());
    config.onChange('hz', () => {
      if (this.cronTimer === null) return;
      this.stopCron();
      this.startCron();
    });
    this.memory.measureStartup(heapBeforeServer);
  }

  /** Keeps `accessTracking` in step with the config: a policy change applies from the next access. */
  private trackAccessAsConfigured(): void {
    const config = this.config;
    const sync = (): void => {
      this.accessTracking.lfu = isLfuPolicy(config.maxmemoryPolicy);
      this.accessTracking.lfuLogFactor = config.lfuLogFactor;
      this.accessTracking.lfuDecayTime = config.lfuDecayTime;
    };
    sync();
    for (const name of ['maxmemory-policy', 'lfu-log-factor', 'lfu-decay-time']) config.onChange(name, sync);
  }

  private createDb(id: number): Keyspace {
    const db = new Keyspace(id, this.clock, this.accessTracking, this.memory.counter);
    db.onExpired = (d, key) => {
      this.stats.expiredKeys++;
      notifyKeyspaceEvent(this, EVENT.expired, 'expired', key, d.id);
      // propagateDeletion: replicas and the AOF delete it too (they never expire keys themselves).
      if (this.propagation.active) {
        this.propagation.also(d.id, expiredKeyDeletion(this.config.lazyfreeLazyExpire, key));
        // Found by a command: part of its effects. By the active cycle: emitted on its own.
        if (this.callDepth === 0) this.propagation.flush();
      }
    };
    return db;
  }

  // ------------------------------------------------------------------ the command path

  /**
   * processCommand: a client's command from the transport or an embedded handle. Looks the command
   * up and runs the gates in Redis 7.0's order, each reading the command's flags from the table;
   * a command refused by a gate is answered with Redis's error (inside MULTI it also dooms the
   * transaction). Then it is queued (MULTI) or run by `call`, and keys the command readied serve
   * blocked clients.
   */
  processCommand(c: Client, argv: string[]): void {
    const tracking = this.tracking;
    if (tracking.clients === 0) {
      this.runCommand(c, argv);
      return;
    }
    // Client-side caching needs to know whose command runs (NOLOOP, invalidations after the reply).
    const outer = tracking.current;
    tracking.current = c;
    try {
      this.runCommand(c, argv);
    } finally {
      tracking.current = outer;
    }
    tracking.afterCommand(c);
  }

  private runCommand(c: Client, argv: string[]): void {
    const now = Date.now();
    c.lastInteraction = now;
    // One time snapshot per top-level command (Redis's call() under fixed_time_expire): a
    // transaction or a script sees the time its command started.
    if (this.callDepth === 0) this.clock.now = now;
    let cmd: Command | undefined = this.commands.lookup(argv[0]);
    if (cmd !== undefined && cmd.subcommands !== null && argv.length >= 2) {
      const sub = cmd.subcommands.get(argv[1]) ?? cmd.subcommands.get(argv[1].toLowerCase());
      if (sub === undefined) {
        c.lastCommand = null;
        this.rejectCommand(c, unknownSubcommandError(argv[0], argv[1]), undefined);
        return;
      }
      cmd = sub;
    }
    // CLIENT LIST's cmd= is the command looked up, refused or not (NULL when unknown).
    c.lastCommand = cmd ?? null;
    if (cmd === undefined) {
      this.rejectCommand(c, unknownCommandError(argv), undefined);
      return;
    }
    const arity = cmd.arity;
    if ((arity > 0 && argv.length !== arity) || argv.length < -arity) {
      this.rejectCommand(c, Errors.wrongArity(cmd.fullName), cmd);
      return;
    }
    const flags = cmd.flags;
    // DEBUG and MODULE: allowed as enable-debug-command / enable-module-command say.
    if (cmd.isProtected && !this.protectedCommandAllowed(c, cmd)) {
      const name = (cmd.parent ?? cmd).name;
      this.rejectCommand(
        c,
        `ERR ${name.toUpperCase()} command not allowed. If the enable-${name}-command option is set to "local", ` +
          'you can run it from a local connection, otherwise you need to set this option in the configuration file, ' +
          'and then restart the server.',
        cmd,
      );
      return;
    }
    // authRequired: until it authenticates, a client runs only no_auth commands (AUTH, HELLO...),
    // unless the default user is on and nopass.
    if (!c.authenticated && !flags.has('no_auth') && !this.acl.openByDefault) {
      this.rejectCommand(c, 'NOAUTH Authentication required.', cmd);
      return;
    }
    const multi = c.multi;
    const busy = this.scripting.busyKind;
    if (multi !== null && flags.has('no_multi')) {
      this.rejectCommand(c, 'ERR Command not allowed inside a transaction', cmd);
      return;
    }
    // The user's permissions (ACLCheckAllPerm): commands, keys and channels.
    const user = c.user;
    if (user !== null && !user.unrestricted) {
      const check = this.acl.check(user, cmd, argv);
      if (check.result !== ACL_OK) {
        this.aclDenied(c, check.result, multi !== null ? 'multi' : 'toplevel', cmd, argv, check.pos);
        this.rejectCommand(c, deniedMessage(check.result, cmd), cmd);
        return;
      }
    }
    // Out of memory (Redis's maxmemory gate, after the ACL check): keys are evicted while memory is
    // over maxmemory; when nothing can be, commands that may add memory are refused, inside MULTI
    // all but EXEC/DISCARD/QUIT/RESET. Skipped while a script runs on the
    // long-script worker (isInsideYieldingLongCommand): it keeps the state it started with.
    if (busy === null) {
      const guard = this.memoryGuard;
      const oom = guard.outOfMemory();
      guard.oomAtCommandStart = oom;
      if (oom && guard.refuses(c, cmd, argv)) {
        this.rejectCommand(c, Errors.oom, cmd);
        // Keys evicted on the way may have had waiters (an XREADGROUP on a stream).
        if (this.callDepth === 0 && this.blocking.hasReadyKeys) this.blocking.handleReadyKeys();
        return;
      }
    }
    // Client-side caching's table stays within tracking-table-max-keys.
    if (this.tracking.clients !== 0) this.tracking.limitUsedSlots();
    // Our master's commands are obeyed past the disk, read-only and stale gates (mustObeyClient).
    const obey = c.kind === 'master';
    // A failed BGSAVE with stop-writes-on-bgsave-error: writes (and PING) get MISCONF until a save works.
    if (!obey && this.persistence.writesDenied() && (cmd === this.pingCommand || (commandAccess(c, cmd, argv) & ACCESS_WRITE) !== 0)) {
      this.rejectCommand(c, MISCONF_ERROR, cmd);
      return;
    }
    // An AOF write or fsync failed: writes (and PING) get MISCONF until one succeeds.
    const aofError = this.aof.writesDeniedError();
    if (!obey && aofError !== null && (cmd === this.pingCommand || (commandAccess(c, cmd, argv) & ACCESS_WRITE) !== 0)) {
      this.rejectCommand(c, aofError, cmd);
      return;
    }
    // min-replicas-to-write: writes need enough replicas that acknowledged lately.
    if (!this.replicationMaster.enoughGoodReplicas() && (commandAccess(c, cmd, argv) & ACCESS_WRITE) !== 0) {
      this.rejectCommand(c, Errors.noReplicas, cmd);
      return;
    }
    const replicating = this.replication.masterHost !== null;
    // A read-only replica: writes (by the table's flags, scripts by their declared ones, EXEC by
    // what it holds) come from its master only.
    if (replicating && !obey && (commandAccess(c, cmd, argv) & ACCESS_WRITE) !== 0 && this.config.get('replica-read-only') === 'yes') {
      this.rejectCommand(c, Errors.readonlyReplica, cmd);
      return;
    }
    // A RESP2 subscriber's connection carries pushed messages: only commands that keep that
    // stream parseable are accepted.
    if (c.pubsub !== null && c.reply.resp === 2 && !flags.has('pubsub_context')) {
      this.rejectCommand(
        c,
        `ERR Can't execute '${cmd.fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
        cmd,
      );
      return;
    }
    // A replica whose link is down, under replica-serve-stale-data no: only `stale` commands run.
    if (
      replicating &&
      this.replica.state !== 'connected' &&
      this.config.get('replica-serve-stale-data') === 'no' &&
      !staleAllowed(c, cmd, argv, cmd === this.execCommand)
    ) {
      this.rejectCommand(c, Errors.masterDown, cmd);
      return;
    }
    // The dataset is loading: only commands flagged `loading` run (EXEC only when all it queued are).
    if (this.persistence.loading !== null && !loadingAllows(cmd, multi)) {
      this.rejectCommand(c, Errors.loading, cmd);
      return;
    }
    // A script past busy-reply-threshold is running on the long-script worker: only commands
    // flagged allow_busy run meanwhile (isInsideYieldingLongCommand).
    if (busy !== null && !flags.has('allow_busy')) {
      this.rejectCommand(c, busy === 'eval' ? BUSY_EVAL : BUSY_FUNCTION, cmd);
      return;
    }
    // A MONITOR client is a replica to Redis: it is exempt from CLIENT PAUSE, so it may not touch keys.
    if (c.monitor && (commandAccess(c, cmd, argv) & (ACCESS_READ | ACCESS_WRITE | ACCESS_MAY_REPLICATE)) !== 0) {
      this.rejectCommand(c, "ERR Replica can't interact with the keyspace", cmd);
      return;
    }
    // CLIENT PAUSE holds the command until the pause ends (src/server/pause.ts).
    if (this.pause.type !== PAUSE_OFF && this.pause.postpone(c, cmd, argv)) return;
    if (multi !== null && !flags.has('not_queued')) {
      multi.queue(cmd, argv);
      c.reply.simple('QUEUED');
      return;
    }
    const offset = this.replication.masterReplOffset;
    if (obey) {
      // Our master's command sees the keys as the master has them: none has expired (it sends
      // the DELs). Clients it readies are served below with expiry as usual.
      this.clock.expiryOff = true;
      try {
        this.call(c, cmd, argv);
      } finally {
        this.clock.expiryOff = false;
      }
    } else {
      this.call(c, cmd, argv);
    }
    // WAIT waits for the stream up to the client's last write.
    if (this.replication.masterReplOffset !== offset) c.woff = this.replication.masterReplOffset;
    // Waiters are served once the command that readied their keys has completed (for EXEC or a
    // script, once all of it has).
    if (this.callDepth === 0 && this.blocking.hasReadyKeys) this.blocking.handleReadyKeys();
  }

  /**
   * Expired keys read as absent but stay (the keyspaces' `expiryPaused`) while clients are paused
   * (the dataset must not change) and while this server is a replica (its master expires keys and
   * sends the DELs, as Redis's expireIfNeeded on a replica).
   */
  syncExpiryPaused(): void {
    const still = this.pause.type !== PAUSE_OFF || this.replication.masterHost !== null;
    for (const db of this.dbs) db.expiryPaused = still;
  }

  /**
   * addACLLogEntry for a denied command, key or channel: the object is the command's full name
   * or the argument at `pos`; the client info is the client whose command ran (a script's caller).
   */
  aclDenied(c: Client, result: number, context: 'toplevel' | 'multi' | 'lua', cmd: Command, argv: readonly string[], pos: number, real: Client = c, realArgv: readonly string[] = argv): void {
    this.acl.addLogEntry({
      reason: result,
      context,
      object: result === ACL_DENIED_CMD ? cmd.fullName : argv[pos],
      username: c.user?.name ?? '',
      ctime: Date.now(),
      clientInfo: clientInfoLine(real, real, argvBytesOf(realArgv)),
    });
  }

  /** allowProtectedAction: `yes`, or `local` for a loopback (or in-process) client. */
  private protectedCommandAllowed(c: Client, cmd: Command): boolean {
    // The table says which commands are protected; enable-<command>-command says by whom.
    return allowProtectedAction(this.config.get(`enable-${(cmd.parent ?? cmd).name}-command`) ?? 'no', c.isLocal);
  }

  /**
   * call(): runs a command that passed its gates, for a client, EXEC, a script's redis.call or
   * (later) AOF loading and replication. Keeps the per-command statistics (INFO commandstats,
   * latencystats, errorstats' failed_calls), and records what the command must propagate: its
   * argv (or the form its handler chose) when it changed the dataset, plus the effects it added.
   * At the end of the top-level command the effects are emitted (wrapped in MULTI/EXEC when more
   * than one). `allowedKinds` limits where the command itself propagates (Redis's
   * CMD_CALL_PROPAGATE_AOF/REPL: a script's redis.set_repl). A command that blocks (BLPOP) or hands its script to the long-script worker is
   * suspended: its statistics are counted when it completes (`completeSuspendedCall`).
   */
  call(c: Client, cmd: Command, argv: string[], allowedKinds = PROPAGATE_ALL): void {
    const savedArgv = c.propagateArgv;
    const savedFlags = c.propagateFlags;
    const savedCommand = c.currentCommand;
    c.propagateArgv = null;
    c.propagateFlags = 0;
    c.currentCommand = cmd;
    const dirtyBefore = this.dirty;
    const stats = this.stats;
    // Errors replied from here on make this command a failed call (incrCommandStatsOnError):
    // nested calls move the mark, so EXEC or EVAL only counts errors of its own.
    this.errorMark = stats.totalErrorReplies;
    this.callDepth++;
    const start = performance.now();
    try {
      cmd.handler!(c, argv);
    } catch (e) {
      this.handlerError(c, cmd, e);
    }
    const usec = (performance.now() - start) * 1000;
    this.callDepth--;
    // Keys read for a tracking client are remembered (trackingRememberKeys), whatever the outcome.
    if (this.tracking.clients !== 0 && cmd.isReadonly) this.tracking.afterRead(cmd, argv);
    if (this.monitors.length !== 0) feedMonitorsAfterCall(c, cmd, argv);
    // More errors than at the start (CONFIG RESETSTAT zeroes the count: that is no failure).
    if (stats.totalErrorReplies > this.errorMark) cmd.failedCalls++;
    this.errorMark = stats.totalErrorReplies;
    stats.totalCommands++;
    if (c.heldByScript || c.awaitingTarget) {
      // Counted as one call when the script comes back from the long-script worker (or MIGRATE's
      // target answers).
      c.suspendedUsec = usec;
      c.suspendedArgv = argv;
    } else {
      this.commandStats(c, cmd, argv, usec);
    }
    const propagation = this.propagation;
    if (propagation.active) {
      const pflags = c.propagateFlags;
      let kinds = this.dirty !== dirtyBefore ? PROPAGATE_ALL : 0;
      if (pflags & PROPAGATE_FORCE_REPL) kinds |= PROPAGATE_REPL;
      if (pflags & PROPAGATE_FORCE_AOF) kinds |= PROPAGATE_AOF;
      if (pflags & PREVENT_PROPAGATE_REPL) kinds &= ~PROPAGATE_REPL;
      if (pflags & PREVENT_PROPAGATE_AOF) kinds &= ~PROPAGATE_AOF;
      // The caller's CMD_CALL_PROPAGATE_* (a script's redis.set_repl).
      kinds &= allowedKinds;
      if (kinds !== 0) propagation.also(c.dbIndex, c.propagateArgv ?? argv, kinds);
    }
    c.propagateArgv = savedArgv;
    c.propagateFlags = savedFlags;
    c.currentCommand = savedCommand;
    // afterCommand: the top-level command is over (a suspended script keeps it open).
    if (this.callDepth === 0) {
      if (propagation.hasPending) propagation.flush();
      // No command is running now: the slab chunks of values it deleted or overwrote can go.
      reclaimValues();
    }
    // As Redis's call(): the peak after every command, before the eviction the next one runs.
    this.memory.trackPeak();
  }

  /** A handler threw: Redis's error when it is a CommandError, else logged and answered generically. */
  private handlerError(c: Client, cmd: Command, e: unknown): void {
    if (e instanceof CommandError) {
      this.replyError(c, e.message);
    } else {
      this.log.warning(`Unexpected error in '${cmd.fullName}': ${(e as Error)?.stack ?? e}`);
      this.replyError(c, `ERR internal error while running '${cmd.fullName}'`);
    }
  }

  /**
   * INFO commandstats / latencystats, the slow log and the latency monitor for one call. A call
   * that blocked counts now (as in Redis 7.0), but its latency histogram and slow log entry wait
   * until it completes.
   */
  private commandStats(c: Client, cmd: Command, argv: string[], usec: number): void {
    cmd.calls++;
    cmd.usec += usec;
    if (c.blocked !== null) {
      c.suspendedUsec = usec;
      c.suspendedArgv = argv;
    } else if (this.info.latencyTracking) {
      this.info.recordLatency(cmd, usec);
    }
    if (usec >= this.slowlog.watchUsec) this.slowlog.commandRan(c, cmd, argv, usec);
  }

  /**
   * A suspended command completed (updateStatsOnUnblock): a blocked client was served, timed out
   * or ended by CLIENT UNBLOCK (`failed` always, as Redis counts it), or a script came back from
   * the long-script worker. `extraUsec` is the time spent completing it (serving the client, or
   * the script's time on the worker).
   */
  completeSuspendedCall(c: Client, extraUsec: number, failed: boolean, end: SuspendedEnd | 'timeout' = 'served'): void {
    const cmd = c.lastCommand;
    const argv = c.suspendedArgv ?? [];
    const usec = c.suspendedUsec + extraUsec;
    c.suspendedUsec = 0;
    c.suspendedArgv = null;
    // Redis 7.0 counts nothing more for a timed-out command: no histogram entry, no slow log.
    if (cmd === null || end === 'timeout') return;
    if (failed) cmd.failedCalls++;
    if (end === 'script' || end === 'io') {
      cmd.calls++;
      // The script's errors are its own, not those of the command that ended it (SCRIPT KILL).
      this.errorMark = this.stats.totalErrorReplies;
    }
    // A blocked command's first run was counted already; Redis adds its time again here.
    cmd.usec += usec;
    if (this.info.latencyTracking) this.info.recordLatency(cmd, usec);
    this.slowlog.suspendedCallEnded(c, cmd, argv, usec, extraUsec, end);
  }

  /**
   * A script went on to the long-script worker: its top-level command stays open until it ends,
   * so effects are not emitted half-way and nested commands do not take new time snapshots.
   */
  holdTopLevelCall(): void {
    this.callDepth++;
  }

  /** The script that held the top-level command ended: emit its effects, serve blocked clients. */
  releaseTopLevelCall(): void {
    this.callDepth--;
    if (this.callDepth !== 0) return;
    if (this.propagation.hasPending) this.propagation.flush();
    if (this.blocking.hasReadyKeys) this.blocking.handleReadyKeys();
  }

  /** Writes an error reply and counts it (total_error_replies, errorstats). */
  replyError(c: Client, message: string): void {
    this.countError(message);
    c.reply.error(message);
  }

  countError(message: string): void {
    this.stats.totalErrorReplies++;
    const space = message.indexOf(' ');
    const code = space < 0 ? message : message.slice(0, space);
    this.stats.errorCodes.set(code, (this.stats.errorCodes.get(code) ?? 0) + 1);
  }

  /**
   * rejectCommand: a command refused before running (rejected_calls); inside MULTI it also dooms
   * the transaction (EXECABORT). A refused EXEC discards the transaction at once, saying why
   * (execCommandAbort).
   */
  private rejectCommand(c: Client, message: string, cmd: Command | undefined): void {
    if (c.multi !== null) c.multi.aborted = true;
    if (cmd === undefined) {
      this.replyError(c, message);
      return;
    }
    cmd.rejectedCalls++;
    if (cmd === this.execCommand) {
      if (c.multi !== null) discardTransaction(c);
      this.replyError(c, `EXECABORT Transaction discarded because of: ${message.startsWith('ERR ') ? message.slice(4) : message}`);
      return;
    }
    this.replyError(c, message);
  }

  /**
   * A call refused without running (a script's redis.call that failed scriptCall's checks): the
   * error counts, the command's rejected_calls too, and the caller's call does not count it as
   * its own failure (incrCommandStatsOnError with ERROR_COMMAND_REJECTED moves the mark).
   */
  rejectCall(cmd: Command | undefined, message: string): void {
    this.countError(message);
    if (cmd !== undefined) cmd.rejectedCalls++;
    this.errorMark = this.stats.totalErrorReplies;
  }

  /** How deeply call() is nested right now (1 inside a top-level command's handler). */
  get executionDepth(): number {
    return this.callDepth;
  }

  registerClient(c: Client): void {
    this.clients.set(c.id, c);
    this.clientBuffers.update(c);
  }

  /**
   * RESET (clearClientConnectionState): the default user, database 0, RESP2, no name, replies on, no transaction or
   * watched keys, no subscriptions (CLIENT NO-EVICT stays, as in Redis 7.0).
   */
  resetClientState(c: Client): void {
    c.selectDb(0);
    // clientSetDefaultAuth: back to the default user, authenticated only if it needs no password.
    if (c.user !== null) {
      c.user = this.acl.defaultUser;
      c.authenticated = this.acl.openByDefault;
    }
    c.resp = 2;
    c.name = null;
    c.replyMode = 'on';
    c.suppressReply = false;
    discardTransaction(c);
    if (c.pubsub !== null) forgetClient(c);
    if (c.monitor) stopMonitoring(c);
    if (c.tracking !== null) this.tracking.disable(c);
  }

  unregisterClient(c: Client): void {
    this.clients.delete(c.id);
    this.clientBuffers.forget(c);
    this.blocking.forget(c);
    if (c.watched.length > 0) unwatchAll(c);
    if (c.pubsub !== null) forgetClient(c);
    if (c.monitor) stopMonitoring(c);
    if (c.postponedArgv !== null) this.pause.forget(c);
    if (c.replicaWait !== null) this.replicationMaster.forgetWaiter(c);
    this.shutdown.forget(c);
    if (c.tracking !== null) this.tracking.disable(c);
    if (c.replica !== null) this.replicationMaster.detach(c);
  }

  /** Starts the periodic tasks (active expiry, table shrinking) at `hz` times per second. */
  startCron(): void {
    if (this.cronTimer !== null) return;
    const period = Math.max(1, Math.round(1000 / this.config.hz));
    this.cronTimer = setInterval(() => this.cron(), period);
    this.cronTimer.unref();
    this.memoryGuard.start();
  }

  stopCron(): void {
    if (this.cronTimer !== null) clearInterval(this.cronTimer);
    this.cronTimer = null;
    this.memoryGuard.stop();
    this.evictor.stop();
  }

  /**
   * Empties every database for good (an embedded server being closed): string values held in slab
   * chunks are shared process memory (src/engine/slab.ts), which a closed server must give back.
   */
  dropDatasets(): void {
    for (const db of this.dbs) db.clear();
    reclaimValues();
  }

  /** One cron tick: Redis's serverCron, minus what does not apply yet. */
  cron(): void {
    // Values removed outside a command (active expiry, eviction's background task, loading).
    reclaimValues();
    this.clock.now = Date.now();
    this.cronLoops++;
    this.info.cron(this, this.clock.now);
    this.clientBuffers.cron(this.clock.now);
    this.memoryGuard.cron();
    this.evictor.cron();
    this.memory.refresh();
    // Keys must not change under a script that is still running (on the long-script worker).
    // Nor while clients are paused (CLIENT PAUSE keeps the dataset still).
    // A replica leaves expiry to its master, which sends the DELs (Redis runs the cycle on masters only).
    if (this.activeExpireEnabled && this.scripting.busyCaller === null && this.pause.type === PAUSE_OFF && this.replication.masterHost === null) {
      this.activeExpireCycle();
    }
    // Keys that expired there may have waiters (XREADGROUP is answered when its stream is gone).
    if (this.blocking.hasReadyKeys) this.blocking.handleReadyKeys();
    if (this.cronLoops % this.config.hz === 0) {
      for (const db of this.dbs) db.maybeShrink();
    }
    this.persistence.cron();
    this.replicationMaster.cron();
    this.failover.update();
    this.shutdown.cron();
    if (this.cronLoops % this.config.hz === 0) this.migrateSockets.cron();
    if (this.cronLoops % this.config.hz === 0) this.replica.cron();
    this.aof.cron();
    this.logStatus();
  }

  /**
   * serverCron's status lines every 5 seconds (from the first tick, as run_with_period): each
   * non-empty database at verbose, the clients and used memory at debug. The slot count is the
   * size Redis's hash table would have (a power of two, at least 4, holding every key).
   */
  private logStatus(): void {
    const log = this.log;
    if (!log.enabled('verbose')) return;
    const every = Math.max(1, Math.floor(5000 / Math.floor(1000 / this.config.hz)));
    if ((this.cronLoops - 1) % every !== 0) return;
    for (let i = 0; i < this.dbs.length; i++) {
      const db = this.dbs[i];
      if (db.size === 0 && db.volatileCount === 0) continue;
      let slots = 4;
      while (slots < db.size) slots *= 2;
      log.verbose(`DB ${i}: ${db.size} keys (${db.volatileCount} volatile) in ${slots} slots HT.`);
    }
    if (log.enabled('debug')) {
      const replicas = this.replicationMaster.replicas.length;
      log.debug(`${this.clients.size - replicas} clients connected (${replicas} replicas), ${this.memory.used()} bytes in use`);
    }
  }

  /**
   * Active expiry: at most 25% of each cron period (as Redis's slow cycle), spread over the
   * databases, each sampled until few of its sampled keys turn out expired.
   */
  activeExpireCycle(): void {
    const start = performance.now();
    const deadline = start + 250 / this.config.hz;
    for (const db of this.dbs) {
      if (db.volatileCount === 0) continue;
      db.activeExpire(deadline);
      if (performance.now() > deadline) break;
    }
    const elapsed = performance.now() - start;
    this.stats.expireCycleCpuMs += elapsed;
    this.latency.addSampleIfNeeded('expire-cycle', Math.floor(elapsed));
  }
}

/** is_denyloading_command, negated: the command, or all EXEC would run, is flagged `loading`. */
function loadingAllows(cmd: Command, multi: MultiState | null): boolean {
  if (!cmd.flags.has('loading')) return false;
  if (cmd.name !== 'exec' || multi === null) return true;
  return multi.commands.every((queued) => queued.flags.has('loading'));
}
