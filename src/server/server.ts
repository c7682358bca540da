import { randomBytes } from 'node:crypto';
import { Keyspace, type Clock } from '../engine/keyspace.js';
import { CommandTable, type Command } from './command-table.js';
import type { CommandSpec } from './command-spec.js';
import { CommandError, Errors, unknownCommandError, unknownSubcommandError } from '../protocol/errors.js';
import type { Client } from './client.js';
import { Config } from './config.js';
import { Logger } from './log.js';
import { InfoState } from './info.js';
import { BlockingManager } from './blocking.js';
import { applyNotifyConfig, notifyKeyspaceEvent, EVENT } from './notify.js';
import { PubSubRegistry, forgetClient } from './pubsub.js';
import { discardTransaction, unwatchAll } from './multi.js';
import { FunctionRegistry } from '../scripting/functions.js';
import { ScriptRunner, BUSY_EVAL, BUSY_FUNCTION } from './script-runner.js';

/** Server-wide counters reported by INFO (stats section). */
export class Stats {
  totalCommands = 0;
  totalConnections = 0;
  rejectedConnections = 0;
  expiredKeys = 0;
  expiredStalePercent = 0;
  expireCycleCpuMs = 0;
  evictedKeys = 0;
  totalErrorReplies = 0;
  /** errorstats: count per error code (ERR, WRONGTYPE, ...). */
  errorCodes = new Map<string, number>();
  netInputBytes = 0;
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
  readonly clock: Clock = { now: Date.now() };
  readonly dbs: Keyspace[] = [];
  readonly commands: CommandTable;
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
  /** Set by the transport: performs SHUTDOWN. Returns an error message when it refuses. */
  shutdownHook: ((req: ShutdownRequest) => string | null) | null = null;
  /** Listening TCP port, once bound (0 when not listening). */
  tcpPort = 0;
  /** Executable and config file paths for INFO. */
  executable = '';
  configFile = '';
  /** INFO's rolling rates, memory peak, latency histograms and replication id. */
  readonly info = new InfoState();
  /** Clients blocked on keys and their wake-ups. */
  readonly blocking = new BlockingManager();
  /** Lua scripts: the script cache and the runner (src/scripting). */
  readonly scripting: ScriptRunner;
  /** Function libraries (FUNCTION LOAD, FCALL). */
  readonly functions: FunctionRegistry;
  /** Channels, patterns and shard channels, and who listens (pub/sub and keyspace notifications). */
  readonly pubsub: PubSubRegistry;

  /** notify-keyspace-events as bits (src/server/notify.ts). */
  notifyFlags = 0;
  /** Nesting of execute() calls (EXEC runs its queue through execute). */
  private depth = 0;
  private cronTimer: NodeJS.Timeout | null = null;
  private cronLoops = 0;

  constructor(
    readonly config: Config = new Config(),
    specs: readonly CommandSpec[],
  ) {
    this.commands = new CommandTable(specs);
    this.pubsub = new PubSubRegistry(this);
    this.scripting = new ScriptRunner(this);
    this.functions = new FunctionRegistry(this);
    for (let i = 0; i < config.databases; i++) this.dbs.push(this.createDb(i));
    this.log.level = config.loglevel;
    config.onChange('loglevel', () => {
      this.log.level = config.loglevel;
    });
    applyNotifyConfig(this);
    config.onChange('notify-keyspace-events', () => applyNotifyConfig(this));
    config.onChange('hz', () => {
      if (this.cronTimer === null) return;
      this.stopCron();
      this.startCron();
    });
  }

  private createDb(id: number): Keyspace {
    const db = new Keyspace(id, this.clock);
    db.onExpired = (d, key) => {
      this.stats.expiredKeys++;
      notifyKeyspaceEvent(this, EVENT.expired, 'expired', key, d.id);
    };
    return db;
  }

  /**
   * Runs one command for a client: lookup, arity check, handler, counters. The reply (or error)
   * is written to `c.reply`; unexpected exceptions become an error reply and are logged.
   */
  execute(c: Client, argv: string[]): void {
    const start = performance.now();
    const now = Date.now();
    this.clock.now = now;
    c.lastInteraction = now;
    let cmd: Command | undefined = this.commands.lookup(argv[0]);
    if (cmd === undefined) {
      this.rejectCommand(c, unknownCommandError(argv));
      return;
    }
    if (cmd.subcommands !== null && argv.length >= 2) {
      const sub = cmd.subcommands.get(argv[1]) ?? cmd.subcommands.get(argv[1].toLowerCase());
      if (sub === undefined) {
        this.rejectCommand(c, unknownSubcommandError(argv[0], argv[1]));
        return;
      }
      cmd = sub;
    }
    const arity = cmd.arity;
    if ((arity > 0 && argv.length !== arity) || argv.length < -arity) {
      cmd.rejectedCalls++;
      this.rejectCommand(c, Errors.wrongArity(cmd.fullName), cmd);
      return;
    }
    // A RESP2 subscriber's connection carries pushed messages: only commands that keep that
    // stream parseable are accepted (processCommand's CLIENT_PUBSUB check, before queuing).
    if (c.pubsub !== null && c.reply.resp === 2 && this.depth === 0 && !cmd.flags.has('pubsub_context')) {
      cmd.rejectedCalls++;
      this.rejectCommand(
        c,
        `ERR Can't execute '${cmd.fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
      );
      return;
    }
    // A script past busy-reply-threshold is running on the long-script worker: only the commands
    // flagged allow_busy run meanwhile (processCommand's isInsideYieldingLongCommand check).
    const busy = this.scripting.busyKind;
    if (busy !== null && !cmd.flags.has('allow_busy')) {
      cmd.rejectedCalls++;
      this.rejectCommand(c, busy === 'eval' ? BUSY_EVAL : BUSY_FUNCTION, cmd);
      return;
    }
    if (c.multi !== null && !cmd.flags.has('not_queued')) {
      if (cmd.flags.has('no_multi')) {
        cmd.rejectedCalls++;
        this.rejectCommand(c, 'ERR Command not allowed inside a transaction');
        return;
      }
      c.multi.queue(cmd, argv);
      c.reply.simple('QUEUED');
      return;
    }
    c.lastCommand = cmd;
    this.depth++;
    try {
      cmd.handler!(c, argv);
    } catch (e) {
      cmd.failedCalls++;
      if (e instanceof CommandError) {
        this.replyError(c, e.message);
      } else {
        this.log.warning(`Unexpected error in '${cmd.fullName}': ${(e as Error)?.stack ?? e}`);
        this.replyError(c, `ERR internal error while running '${cmd.fullName}'`);
      }
    }
    this.depth--;
    const usec = (performance.now() - start) * 1000;
    cmd.usec += usec;
    if (this.info.latencyTracking) this.info.recordLatency(cmd, usec);
    cmd.calls++;
    this.stats.totalCommands++;
    // Waiters are served once the command that readied their keys has completed (for EXEC, once
    // the whole transaction has).
    if (this.depth === 0 && this.blocking.hasReadyKeys) this.blocking.handleReadyKeys();
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
   * A command refused before running; inside MULTI it also dooms the transaction (EXECABORT). A
   * refused EXEC discards the transaction at once, saying why (execCommandAbort).
   */
  private rejectCommand(c: Client, message: string, cmd?: Command): void {
    if (c.multi !== null) c.multi.aborted = true;
    if (cmd !== undefined && cmd.fullName === 'exec') {
      if (c.multi !== null) discardTransaction(c);
      this.replyError(c, `EXECABORT Transaction discarded because of: ${message.startsWith('ERR ') ? message.slice(4) : message}`);
      return;
    }
    this.replyError(c, message);
  }

  /** How deeply execute() calls are nested right now (1 inside a top-level command's handler). */
  get executionDepth(): number {
    return this.depth;
  }

  registerClient(c: Client): void {
    this.clients.set(c.id, c);
  }

  /**
   * RESET (clearClientConnectionState): database 0, RESP2, no name, replies on, no transaction or
   * watched keys, no subscriptions (CLIENT NO-EVICT stays, as in Redis 7.0).
   */
  resetClientState(c: Client): void {
    c.selectDb(0);
    c.resp = 2;
    c.name = null;
    c.replyMode = 'on';
    c.suppressReply = false;
    discardTransaction(c);
    if (c.pubsub !== null) forgetClient(c);
  }

  unregisterClient(c: Client): void {
    this.clients.delete(c.id);
    this.blocking.forget(c);
    if (c.watched.length > 0) unwatchAll(c);
    if (c.pubsub !== null) forgetClient(c);
  }

  /** Starts the periodic tasks (active expiry, table shrinking) at `hz` times per second. */
  startCron(): void {
    if (this.cronTimer !== null) return;
    const period = Math.max(1, Math.round(1000 / this.config.hz));
    this.cronTimer = setInterval(() => this.cron(), period);
    this.cronTimer.unref();
  }

  stopCron(): void {
    if (this.cronTimer !== null) clearInterval(this.cronTimer);
    this.cronTimer = null;
  }

  /** One cron tick: Redis's serverCron, minus what does not apply yet. */
  cron(): void {
    this.clock.now = Date.now();
    this.cronLoops++;
    this.info.cron(this, this.clock.now);
    // Keys must not change under a script that is still running (on the long-script worker).
    if (this.activeExpireEnabled && this.scripting.busyCaller === null) this.activeExpireCycle();
    // Keys that expired there may have waiters (XREADGROUP is answered when its stream is gone).
    if (this.blocking.hasReadyKeys) this.blocking.handleReadyKeys();
    if (this.cronLoops % this.config.hz === 0) {
      for (const db of this.dbs) db.maybeShrink();
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
    this.stats.expireCycleCpuMs += performance.now() - start;
  }
}
