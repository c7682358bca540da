import { ACL_OK, scriptDeniedMessage } from './acl/acl.js';
import { createHash } from 'node:crypto';
import { Client } from './client.js';
import type { Server } from './server.js';
import type { Command } from './command-table.js';
import { CommandError, Errors } from '../protocol/errors.js';
import { LuaReply } from '../scripting/lua-reply.js';
import { ACL_CHECK_CALL, LuaVm, OUT_OF_BUDGET, budgetFor, type LuaValue, type RunBudget, type RunResult, type ScriptHost } from '../scripting/lua-vm.js';
import { countedScriptErrors, isLuaError, writeLuaValue } from '../scripting/convert.js';
import { LongScriptLane, type LongScript } from '../scripting/long-script.js';
import { asFunctionText, functionMemoryStats, type FunctionInfo } from '../scripting/functions.js';
import type { Reply } from '../protocol/reply.js';
import { numberSafeSource } from '../scripting/number-args.js';
import { splitInlineArgs } from '../protocol/request-parser.js';
import { ScriptFlags, SCRIPT_FLAG_NAMES } from '../scripting/flags.js';
import { MISCONF_ERROR } from './persistence.js';
import type { RunJob } from '../scripting/long-script-protocol.js';

/** Replies kept for resuming a long script elsewhere are capped (approximate bytes). */
const MAX_REPLAY_BYTES = 256 * 1024 * 1024;

export const BUSY_EVAL = 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.';
export const BUSY_FUNCTION = 'BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.';

/**
 * Instructions a script may run on the main thread before it is treated as long-running, at most
 * (about 0.2 s of pure Lua here; less when busy-reply-threshold is lower). See continueLong for
 * what happens then. The environment variable CINDER_LUA_MAIN_FUEL overrides it (tests use a
 * small budget to exercise the hand-over).
 */
export const MAIN_THREAD_FUEL = Number(process.env.CINDER_LUA_MAIN_FUEL) > 0 ? Number(process.env.CINDER_LUA_MAIN_FUEL) : 50_000_000;

/**
 * Instructions a script served to its end synchronously (inside MULTI/EXEC, callSync) may run on
 * the worker, where nothing can kill it: the engine's former largest budget, about 40 s of pure Lua.
 */
const SYNCHRONOUS_WORKER_FUEL = 2 ** 32 - 1;

/** Redis's replication flags for redis.set_repl (PROPAGATE_AOF | PROPAGATE_REPL): all, by default. */
export const REPL_ALL = 3;

/** A script on the long-script worker, and who waits for its reply. */
interface HeldScript extends LongScript {
  caller: Client;
  allowOom: boolean;
}

/** Rough bytes held by a reply value (for the replay cap). */
function approximateSize(v: LuaValue): number {
  if (Buffer.isBuffer(v)) return v.length;
  if (Array.isArray(v)) {
    let n = 16 * v.length;
    for (const x of v) if (Buffer.isBuffer(x)) n += x.length;
    return n;
  }
  return 16;
}

function luaError(message: string): LuaValue {
  return { err: Buffer.from(message, 'latin1') };
}

const NO_ARGS = luaError('ERR Please specify at least one argument for this redis lib call');
const UNKNOWN_COMMAND = luaError('ERR Unknown Redis command called from script');
const WRONG_ARITY = luaError('ERR Wrong number of args calling Redis command from script');
const NOT_ALLOWED = luaError('ERR This Redis command is not allowed from script');
const WRITE_IN_READONLY = luaError('ERR Write commands are not allowed from read-only scripts.');
const OUT_OF_MEMORY = luaError(Errors.oom);
const RDB_MISCONF = luaError(MISCONF_ERROR);
const READONLY_REPLICA = luaError(Errors.readonlyReplica);
const STALE_REPLICA = luaError('ERR Can not execute the command on a stale replica');
const NO_REPLICAS = luaError(Errors.noReplicas);

/** A replica whose link is down, under replica-serve-stale-data no (Redis's running_stale). */
export function runningStale(server: Server): boolean {
  return server.replication.masterHost !== null && server.replica.state !== 'connected' && server.config.get('replica-serve-stale-data') === 'no';
}

/** A write here would be refused: a read-only replica, unless the caller is our master. */
export function readOnlyReplica(server: Server, caller: Client): boolean {
  return server.replication.masterHost !== null && caller.kind !== 'master' && server.config.get('replica-read-only') === 'yes';
}

/**
 * scriptPrepareForRun's replica checks, for a script about to start: `flags` as it declares them
 * (undefined: a legacy EVAL script). Returns Redis's error, or null when it may run.
 */
export function scriptReplicaError(c: Client, flags: number | undefined): string | null {
  const server = c.server;
  if (flags === undefined) return runningStale(server) ? Errors.masterDown : null;
  if (runningStale(server) && (flags & ScriptFlags.allowStale) === 0) {
    return "MASTERDOWN Link with MASTER is down, replica-serve-stale-data is set to 'no' and 'allow-stale' flag is not set on the script.";
  }
  if ((flags & ScriptFlags.noWrites) === 0 && readOnlyReplica(server, c)) return 'READONLY Can not run script with write flag on readonly replica';
  return null;
}
export function sha1Hex(source: Buffer): string {
  return createHash('sha1').update(source).digest('hex');
}

export { ScriptFlags };

const FLAG_NAMES: ReadonlyMap<string, number> = new Map(SCRIPT_FLAG_NAMES.map(([flag, name]) => [name, flag]));

/** Parses a shebang line (`#!lua flags=no-writes,allow-oom`) into flags, with Redis's errors. */
export function parseShebang(line: string): number {
  const parts = splitInlineArgs(line);
  if (parts === null) throw new CommandError('ERR Invalid engine in script shebang');
  if (parts[0] !== '#!lua') throw new CommandError(`ERR Unexpected engine in script shebang: ${parts[0]}`);
  let flags = 0;
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i];
    if (!part.startsWith('flags=')) throw new CommandError(`ERR Unknown lua shebang option: ${part}`);
    const list = part.slice(6);
    if (list.length === 0) continue;
    for (const name of list.split(',')) {
      const flag = FLAG_NAMES.get(name);
      if (flag === undefined) throw new CommandError(`ERR Unexpected flag in script shebang: ${name}`);
      flags |= flag;
    }
  }
  return flags;
}


/** What one script run needs to know besides its source: who called and what it may do. */
export interface ScriptCall {
  caller: Client;
  readOnly: boolean;
  /** Declared allow-oom: its commands are never refused for memory. */
  allowOom?: boolean;
}

/**
 * Runs Lua scripts for one Server (Redis's script.c + eval.c): the script cache (SHA1 -> source),
 * the script client that redis.call runs commands as, the checks redis.call makes before a command
 * runs, and the conversion of a script's result into the caller's reply.
 *
 * Atomicity needs nothing special: a script runs synchronously on the event loop, so no other
 * client's command can run in between. Keys' expiry is judged at the script's start time, because
 * the clock is only advanced by top-level commands.
 */
export class ScriptRunner implements ScriptHost {
  /** The script cache: SHA1 (lower-case hex) -> source, filled by EVAL and SCRIPT LOAD. */
  readonly scripts = new Map<string, Buffer>();
  /**
   * Flags of the cached script bodies that had a shebang, keyed by the body (the cache's value).
   * A body without an entry is a legacy script (no shebang): it may write and ignores OOM, as
   * Redis's eval compatibility mode. Only bodies starting with the kept line break can have one.
   */
  readonly scriptFlags = new WeakMap<Buffer, number>();
  /** This server's Lua VM (the long-script worker has its own). */
  readonly vm: LuaVm;
  /** Instructions a script may run on the main thread at most (MAIN_THREAD_FUEL; tests lower it). */
  mainThreadFuel = MAIN_THREAD_FUEL;
  /**
   * redis.set_repl's flags for the running script (REPL_NONE 0 .. REPL_ALL 3; reset to REPL_ALL
   * when a script starts): where its writes are to be propagated.
   */
  replFlags = REPL_ALL;
  /** Commands called from scripts run as this client (Redis's lua_client). */
  readonly client: Client;
  private readonly reply: LuaReply;
  private current: ScriptCall | null = null;
  /** Set once the running script has run a write command (SCRIPT KILL refuses then). */
  wrote = false;
  /** While a script runs on the main thread: its redis.call replies are kept (see continueLong). */
  private recording = false;
  private readonly replay: LuaValue[] = [];
  /**
   * What the script did through its host on the main thread, in order: each kept reply's call
   * (its argv; the fingerprint is computed only if the script moves), or a redis.log or
   * redis.set_repl, which the worker must not repeat either.
   */
  private readonly replayedCalls: Array<string[] | 'log' | 'repl'> = [];
  private recordedBytes = 0;
  private readonly lane: LongScriptLane<HeldScript>;
  /** The FCALL whose function runs on the long-script worker (FUNCTION STATS' command). */
  private fcallArgv: readonly string[] | null = null;
  /** The EVAL / FCALL command line of the running script (its caller's argv, for ACL LOG's client info). */
  private callerArgv: readonly string[] = [];
  /** performance.now() when the running script went on to the worker past the busy threshold. */
  private heldSince = 0;

  constructor(private readonly server: Server) {
    this.reply = new LuaReply();
    this.client = new Client(server, this.reply, 'script');
    this.client.denyBlocking = true;
    this.client.name = null;
    this.vm = new LuaVm((text) => server.log.warning(`Lua: ${text.trimEnd()}`));
    this.lane = new LongScriptLane<HeldScript>({
      onCall: (script, argv, resp) => this.onLongCall(script, argv, resp),
      onLog: (level, message) => this.log(level, Buffer.from(message, 'latin1')),
      onRepl: (_script, flags) => this.setRepl(flags),
      onDone: (script, v) => this.onLongDone(script, v),
    });
  }

  /**
   * Caches `source` under its SHA1 after checking its shebang and that it compiles (SCRIPT LOAD,
   * EVAL). The cached body is the source without its `#!lua` line (the line break stays, so
   * error line numbers match); its flags are in `scriptFlags`.
   */
  load(source: Buffer): string {
    const sha = sha1Hex(source);
    if (this.scripts.has(sha)) return sha;
    let body = source;
    let flags = -1;
    if (source.length >= 2 && source[0] === 0x23 && source[1] === 0x21) {
      const eol = source.indexOf(10);
      if (eol < 0) throw new CommandError('ERR Invalid script shebang');
      flags = parseShebang(source.latin1Slice(0, eol));
      body = source.subarray(eol);
    }
    const error = this.vm.compileError(body);
    // Redis's error replies turn CR and LF into spaces (a source line may end up in the message).
    if (error !== null) throw new CommandError(`ERR Error compiling script (new function): ${error.replace(/[\r\n]/g, ' ')}`);
    if (flags >= 0) this.scriptFlags.set(body, flags);
    this.scripts.set(sha, body);
    return sha;
  }

  /**
   * Runs a script and writes its result (or error) to the caller's reply. KEYS are
   * argv[first .. first+keyCount), ARGV the rest.
   */
  run(call: ScriptCall, source: Buffer, sha: string, argv: readonly string[], first: number, keyCount: number): void {
    this.callerArgv = argv;
    const result = this.attempt(call, 'eval', sha, numberSafeSource(source), sha, argv, first, keyCount);
    if (result !== undefined) writeLuaValue(call.caller, call.caller.reply, result);
  }

  /**
   * Runs a chunk on the main thread; undefined when it ran out of budget and went on on the
   * long-script worker (which answers the caller itself).
   */
  private attempt(
    call: ScriptCall,
    kind: 'eval' | 'function',
    name: string,
    text: Buffer,
    sha: string,
    argv: readonly string[],
    first: number,
    keyCount: number,
    member?: string,
  ): LuaValue | undefined {
    this.client.selectDb(call.caller.dbIndex);
    // The script client runs as its caller's user (what SORT's BY and GET check).
    this.client.user = call.caller.user;
    this.reply.resp = 2;
    this.current = call;
    this.wrote = false;
    this.recording = true;
    this.replay.length = 0;
    this.replayedCalls.length = 0;
    this.recordedBytes = 0;
    this.replFlags = REPL_ALL;
    const startedAt = this.server.clock.now;
    let result: RunResult;
    try {
      result = this.vm.run(this, { source: text, sha, argv, first, keyCount, member }, this.mainThreadBudget());
    } finally {
      this.current = null;
      this.recording = false;
    }
    if (result === OUT_OF_BUDGET) {
      this.continueLong(call, { kind, name, startedAt }, text, sha, argv.slice(first), keyCount, member);
      return undefined;
    }
    return result;
  }

  /**
   * How long a script runs on the main thread before it moves to the worker: busy-reply-threshold
   * of wall-clock time (checked at each redis.call and Lua error), and at most about as many
   * instructions as run in that time, capped by mainThreadFuel (pure Lua cannot be timed, and the
   * part run here is run again on the worker).
   */
  private mainThreadBudget(): RunBudget {
    return budgetFor(Number(this.server.config.busyReplyThreshold), this.mainThreadFuel);
  }

  /**
   * A script used up its main-thread instruction budget: re-run it on the long-script worker,
   * replaying the replies it has had so far (src/scripting/long-script.ts).
   */
  private continueLong(
    call: ScriptCall,
    what: { kind: 'eval' | 'function'; name: string; startedAt: number },
    source: Buffer,
    sha: string,
    scriptArgs: string[],
    keyCount: number,
    member: string | undefined,
  ): void {
    const replayable = this.recordedBytes <= MAX_REPLAY_BYTES;
    if (!replayable && this.wrote) {
      // Too much to replay and too late to start over: stop it, as Redis would never do.
      writeLuaValue(call.caller, call.caller.reply, {
        err: Buffer.from(`ERR Script exceeded its main-thread budget after writing, with too many calls to resume it. script: ${what.name}`, 'latin1'),
      });
      return;
    }
    const script: HeldScript = { caller: call.caller, ...what, readOnly: call.readOnly, allowOom: call.allowOom === true, wrote: this.wrote, busy: false };
    const server = this.server;
    // Only a top-level command from a connection (or an async embedded call) can wait for its
    // reply; inside MULTI/EXEC or a synchronous embedded call the script is served to the end.
    const canSuspend = server.executionDepth === 1 && call.caller.resumeHook !== null && !call.caller.denyBlocking;
    const job: RunJob = {
      t: 'run',
      source,
      sha,
      argv: scriptArgs,
      keyCount,
      member,
      // Without writes, starting over is exact too: nothing has changed since the script began.
      replay: replayable ? this.replay.slice() : [],
      fingerprints: replayable
        ? this.replayedCalls.map((argv) => (typeof argv === 'string' ? argv : `${argv.length > 0 ? argv[0].toLowerCase() : ''}/${argv.length}`))
        : [],
      // A script that goes busy can be killed; one served to its end here cannot: it keeps a limit.
      instructions: canSuspend ? 0 : SYNCHRONOUS_WORKER_FUEL,
    };
    this.replay.length = 0;
    this.replayedCalls.length = 0;
    if (!replayable) this.client.selectDb(call.caller.dbIndex);
    const deadline = canSuspend ? script.startedAt + Number(server.config.busyReplyThreshold) : Infinity;
    if (!this.lane.start(script, job, deadline)) {
      call.caller.heldByScript = true;
      // The caller's command stays open until the script ends (its effects are emitted then).
      server.holdTopLevelCall();
      this.heldSince = performance.now();
      server.log.warning(
        `Slow script detected: still in execution after ${Date.now() - script.startedAt} milliseconds. You can try killing the script using the SCRIPT KILL command. Script name is: ${script.name}.`,
      );
    }
  }

  /** Remembers a main-thread redis.call reply, in case the script has to be resumed elsewhere. */
  private record(argv: string[], reply: LuaValue): void {
    if (this.recordedBytes > MAX_REPLAY_BYTES) return;
    this.replay.push(reply);
    this.replayedCalls.push(argv);
    this.recordedBytes += 64 + approximateSize(reply);
  }

  /** The kind of script keeping the server busy (other clients get BUSY), or null. */
  get busyKind(): 'eval' | 'function' | null {
    const running = this.lane.running;
    return running !== null && running.busy ? running.kind : null;
  }

  /** The client whose script keeps the server busy. */
  get busyCaller(): Client | null {
    return this.lane.running?.caller ?? null;
  }

  /** SCRIPT KILL (fromFunction false) and FUNCTION KILL (true). */
  kill(c: Client, fromFunction = false): void {
    const running = this.lane.running;
    if (running === null || !running.busy) throw new CommandError('NOTBUSY No scripts in execution right now.');
    if (running.kind === 'eval' && fromFunction) throw new CommandError(BUSY_EVAL);
    if (running.kind === 'function' && !fromFunction) throw new CommandError(BUSY_FUNCTION);
    if (running.wrote) {
      throw new CommandError(
        'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.',
      );
    }
    // The line the script was on is unknown (the worker's VM is stopped, not interrupted): Redis
    // would name it; we name the first.
    const where = running.kind === 'eval' ? '@user_script:1' : '@user_function:1';
    this.lane.kill(`ERR Script killed by user with SCRIPT KILL... script: ${running.name}, on ${where}.`);
    c.reply.ok();
  }

  /** INFO memory's scripting fields. */
  memoryStats(): {
    vmEval: number;
    scriptsEval: number;
    cachedScripts: number;
    functions: number;
    libraries: number;
    vmFunctions: number;
    functionsMemory: number;
  } {
    let scriptsEval = 0;
    // Per cached script: its source plus the table entry and SHA1 key, roughly as Redis counts.
    for (const source of this.scripts.values()) scriptsEval += source.length + 104;
    const functions = functionMemoryStats(this.server.functions);
    return {
      vmEval: this.vm.heapBytes(),
      scriptsEval,
      cachedScripts: this.scripts.size,
      functions: functions.functions,
      libraries: functions.libraries,
      vmFunctions: 0,
      functionsMemory: functions.bytes,
    };
  }

  /** Stops the long-script worker (the server is shutting down). */
  close(): void {
    this.lane.close();
  }

  // ------------------------------------------------------------------ long-script lane callbacks

  private onLongCall(script: HeldScript, argv: string[], resp: 2 | 3): LuaValue {
    const server = this.server;
    // Expiry inside a script is judged at its start time.
    const now = server.clock.now;
    server.clock.now = script.startedAt;
    this.reply.resp = resp;
    this.current = { caller: script.caller, readOnly: script.readOnly, allowOom: script.allowOom };
    // What it wrote before counts (scriptVerifyOOM lets a script that has written finish).
    this.wrote = script.wrote;
    try {
      return this.callArgv(argv);
    } finally {
      if (this.wrote) script.wrote = true;
      this.current = null;
      server.clock.now = now;
    }
  }

  private onLongDone(script: HeldScript, v: LuaValue): void {
    const caller = script.caller;
    const server = this.server;
    const errorsBefore = server.stats.totalErrorReplies;
    if (script.kind === 'function') this.writeFunctionResult(caller, v);
    else writeLuaValue(caller, caller.reply, v);
    if (script.busy) {
      caller.heldByScript = false;
      server.completeSuspendedCall(caller, (performance.now() - this.heldSince) * 1000, server.stats.totalErrorReplies !== errorsBefore, 'script');
      // Emits the script's effects and serves keys it readied.
      server.releaseTopLevelCall();
      // The caller's pipelined commands go on from the event loop, never from inside whatever
      // ended the script (SCRIPT KILL's handler, the lane's message loop): a script among them
      // must start as a top-level command, free to go busy in turn.
      setImmediate(() => caller.resumeHook?.());
    }
  }

  // ------------------------------------------------------------------ ScriptHost

  /** redis.call / redis.pcall from the main-thread VM. */
  call(argv: string[]): LuaValue {
    const reply = this.callArgv(argv);
    if (this.recording) this.record(argv, reply);
    return reply;
  }

  /**
   * scriptCall: the checks redis.call makes before a command runs (script.c), then the command on
   * the script client through the server's one command path (`Server.call`), which keeps its
   * statistics and records its effects (a script's effects are propagated, never the script).
   */
  callArgv(argv: string[]): LuaValue {
    if (argv.length === 0) return this.refuse(NO_ARGS, undefined);
    if (argv[0] === ACL_CHECK_CALL) return this.aclCheckCmd(argv);
    let cmd: Command | undefined = this.server.commands.lookup(argv[0]);
    if (cmd !== undefined && cmd.subcommands !== null && argv.length >= 2) {
      cmd = cmd.subcommands.get(argv[1]) ?? cmd.subcommands.get(argv[1].toLowerCase());
    }
    if (cmd === undefined) return this.refuse(UNKNOWN_COMMAND, undefined);
    // Arity first: a container command alone (`CONFIG`) fails its arity check, as in Redis.
    const arity = cmd.arity;
    if ((arity > 0 && argv.length !== arity) || argv.length < -arity) return this.refuse(WRONG_ARITY, cmd);
    if (cmd.handler === undefined) return this.refuse(UNKNOWN_COMMAND, undefined);
    if (cmd.flags.has('noscript')) return this.refuse(NOT_ALLOWED, cmd);
    // scriptVerifyACL: the script runs with its caller's permissions.
    const caller = this.current?.caller;
    const user = caller?.user ?? null;
    if (user !== null && !user.unrestricted) {
      const check = this.server.acl.check(user, cmd, argv);
      if (check.result !== ACL_OK) {
        this.server.aclDenied(caller!, check.result, 'lua', cmd, argv, check.pos, caller!, this.callerArgv);
        return this.refuse(luaError(scriptDeniedMessage(check.result)), cmd);
      }
    }
    // scriptVerifyWriteCommandAllow: a read-only script treats commands that may replicate
    // (PUBLISH) as writes.
    if (this.current?.readOnly && (cmd.isWrite || cmd.mayReplicate)) return this.refuse(WRITE_IN_READONLY, cmd);
    // writeCommandsDeniedByDiskError: a failed BGSAVE (stop-writes-on-bgsave-error, save points)
    // or AOF write refuses a write, unless the script has written already (it may not fail halfway).
    if (cmd.isWrite && !this.wrote) {
      const server = this.server;
      if (this.current !== null && readOnlyReplica(server, this.current.caller)) return this.refuse(READONLY_REPLICA, cmd);
      if (server.persistence.writesDenied()) return this.refuse(RDB_MISCONF, cmd);
      const aofError = server.aof.writesDeniedError();
      if (aofError !== null) return this.refuse(luaError(aofError), cmd);
      // min-replicas-to-write, for scripts without flags (others were refused before running).
      if (!server.replicationMaster.enoughGoodReplicas()) return this.refuse(NO_REPLICAS, cmd);
    }
    // scriptVerifyOOM: a script that started out of memory may not begin with a command that adds
    // memory; once it has written it may finish. allow-oom scripts are exempt.
    if (cmd.denyOom && !this.wrote && this.server.memoryGuard.oomAtCommandStart && this.current?.allowOom !== true) {
      return this.refuse(OUT_OF_MEMORY, cmd);
    }
    if (cmd.isWrite) this.wrote = true;
    // scriptVerifyAllowStale: on a stale replica a script (allowed to run) runs `stale` commands only.
    if (!cmd.allowStale && runningStale(this.server)) return this.refuse(STALE_REPLICA, cmd);
    // redis.set_repl's REPL_AOF / REPL_REPLICA bits are PROPAGATE_AOF / PROPAGATE_REPL.
    this.server.call(this.client, cmd, argv, this.replFlags);
    const reply = this.reply.take();
    // Counted by the command path already: the script's reply must not count it again.
    if (isLuaError(reply)) countedScriptErrors.add(reply.err.toString('latin1'));
    return reply;
  }

  /**
   * redis.acl_check_cmd(command, args...) (luaRedisAclCheckCmdPermissionsCommand): 1 when the
   * caller's user may run it, else 0; the command is looked up as a client's would be (a
   * container's subcommand by its second argument), with no arity check.
   */
  private aclCheckCmd(argv: string[]): LuaValue {
    if (argv.length === 1) return NO_ARGS;
    let cmd: Command | undefined = this.server.commands.lookup(argv[1]);
    if (cmd !== undefined && cmd.subcommands !== null && argv.length >= 3) {
      cmd = cmd.subcommands.get(argv[2]) ?? cmd.subcommands.get(argv[2].toLowerCase());
    }
    if (cmd === undefined) return luaError('ERR Invalid command passed to redis.acl_check_cmd()');
    const user = this.current?.caller.user ?? null;
    if (user === null || user.unrestricted) return 1;
    return this.server.acl.check(user, cmd, argv.slice(1)).result === ACL_OK ? 1 : 0;
  }

  /**
   * A call refused before its command runs: counted as Redis counts it (the error in errorstats
   * at once, the command's rejected_calls).
   */
  private refuse(error: LuaValue, cmd: Command | undefined): LuaValue {
    const message = (error as { err: Buffer }).err.toString('latin1');
    this.server.rejectCall(cmd, message);
    // The script's reply does not count it again when it passes it on (ignore_err_stats_update).
    countedScriptErrors.add(message);
    return error;
  }

  log(level: number, message: Buffer): void {
    if (this.recording) this.replayedCalls.push('log');
    const levels = ['debug', 'verbose', 'notice', 'warning'] as const;
    this.server.log.log(levels[Math.min(3, Math.max(0, level))], message.toString('latin1'));
  }

  setResp(version: 2 | 3): void {
    this.reply.resp = version;
  }

  /** redis.set_repl: kept for propagation to read (flags already checked by the VM). */
  setRepl(flags: number): void {
    if (this.recording) this.replayedCalls.push('repl');
    this.replFlags = flags;
  }

  // ------------------------------------------------------------------ functions (FCALL)

  /**
   * FCALL / FCALL_RO once the command has checked its arguments: calls `fn` as run() runs a script,
   * KEYS = argv[3 .. 3+keyCount), ARGV the rest; the function's name stands in for the SHA1 in
   * error suffixes. The result is written to the caller, now or when the long-script worker ends.
   */
  runFunction(call: ScriptCall, fn: FunctionInfo, argv: readonly string[], keyCount: number): void {
    // (The library chunk calls commands through the number-safe redis: functions.ts.)
    this.fcallArgv = argv;
    this.callerArgv = argv;
    const result = this.attempt(call, 'function', fn.name, fn.library.chunk, fn.name, argv.slice(3), 0, keyCount, fn.name);
    // Handed over to the long-script worker: the reply comes later (FUNCTION STATS shows the
    // command meanwhile).
    if (result === undefined) return;
    this.fcallArgv = null;
    this.writeFunctionResult(call.caller, result);
  }

  /** A function's result as the caller's reply; an error that aborted it names the function. */
  private writeFunctionResult(c: Client, result: LuaValue): void {
    if (isLuaError(result) && result.meta !== undefined) {
      // The EVAL path words and counts it; only the wording of its one error reply changes.
      const reply = c.reply;
      const rewording = Object.create(reply) as Reply;
      rewording.error = (message: string) => reply.error(asFunctionText(message));
      writeLuaValue(c, rewording, result);
      return;
    }
    writeLuaValue(c, c.reply, result);
  }

  /** The function keeping the server busy (FUNCTION STATS' running_script), or null. */
  get runningFunction(): { name: string; startedAt: number; command: readonly string[] } | null {
    const running = this.lane.running;
    if (running === null || !running.busy || running.kind !== 'function') return null;
    return { name: running.name, startedAt: running.startedAt, command: this.fcallArgv ?? [] };
  }
}
