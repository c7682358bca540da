import { createHash } from 'node:crypto';
import { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { Command } from '../commands/registry.js';
import { CommandError } from '../protocol/errors.js';
import { LuaReply } from './lua-reply.js';
import { compileError, runLua, FUEL_EXHAUSTED, type LuaValue, type ScriptHost } from './lua-vm.js';
import { isLuaError, writeLuaValue } from './convert.js';

function luaError(message: string): LuaValue {
  return { err: Buffer.from(message, 'latin1') };
}

const NO_ARGS = luaError('ERR Please specify at least one argument for this redis lib call');
const UNKNOWN_COMMAND = luaError('ERR Unknown Redis command called from script');
const WRONG_ARITY = luaError('ERR Wrong number of args calling Redis command from script');
const NOT_ALLOWED = luaError('ERR This Redis command is not allowed from script');
const WRITE_IN_READONLY = luaError('ERR Write commands are not allowed from read-only scripts.');

export function sha1Hex(source: Buffer): string {
  return createHash('sha1').update(source).digest('hex');
}

/** What one script run needs to know besides its source: who called and what it may do. */
export interface ScriptCall {
  caller: Client;
  readOnly: boolean;
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
  /** Commands called from scripts run as this client (Redis's lua_client). */
  readonly client: Client;
  private readonly reply: LuaReply;
  private current: ScriptCall | null = null;
  /** Set once the running script has run a write command (SCRIPT KILL refuses then). */
  wrote = false;

  constructor(private readonly server: Server) {
    this.reply = new LuaReply();
    this.client = new Client(server, this.reply, 'embedded');
    this.client.denyBlocking = true;
    this.client.name = null;
  }

  /** Caches `source` under its SHA1 after checking it compiles (SCRIPT LOAD, EVAL). */
  load(source: Buffer): string {
    const sha = sha1Hex(source);
    if (this.scripts.has(sha)) return sha;
    const error = compileError(source);
    if (error !== null) throw new CommandError(`ERR Error compiling script (new function): ${error}`);
    this.scripts.set(sha, source);
    return sha;
  }

  /**
   * Runs a script and writes its result (or error) to the caller's reply. KEYS are
   * argv[first .. first+keyCount), ARGV the rest.
   */
  run(call: ScriptCall, source: Buffer, sha: string, argv: readonly string[], first: number, keyCount: number): void {
    const client = this.client;
    client.selectDb(call.caller.dbIndex);
    this.reply.resp = 2;
    this.current = call;
    this.wrote = false;
    let result: LuaValue;
    try {
      result = runLua(this, source, sha, argv, first, keyCount);
    } finally {
      this.current = null;
    }
    if (isLuaError(result) && result.meta !== undefined && result.err.toString('latin1') === FUEL_EXHAUSTED) {
      // TODO(slow lane): hand the script over to the long-running path instead.
      throw new CommandError('ERR Script killed by fuel limit');
    }
    writeLuaValue(call.caller, call.caller.reply, result);
  }

  /** SCRIPT KILL. */
  kill(_c: Client): void {
    throw new CommandError('NOTBUSY No scripts in execution right now.');
  }

  // ------------------------------------------------------------------ ScriptHost

  /** redis.call / redis.pcall: Redis's scriptCall checks, then the command on the script client. */
  call(args: Buffer[]): LuaValue {
    if (args.length === 0) return NO_ARGS;
    const argv = new Array<string>(args.length);
    for (let i = 0; i < args.length; i++) argv[i] = args[i].toString('latin1');
    let cmd: Command | undefined = this.server.commands.lookup(argv[0]);
    if (cmd !== undefined && cmd.subcommands !== null && argv.length >= 2) {
      cmd = cmd.subcommands.get(argv[1]) ?? cmd.subcommands.get(argv[1].toLowerCase());
    }
    if (cmd === undefined || cmd.handler === undefined) return UNKNOWN_COMMAND;
    const arity = cmd.arity;
    if ((arity > 0 && argv.length !== arity) || argv.length < -arity) return WRONG_ARITY;
    if (cmd.flags.has('noscript')) return NOT_ALLOWED;
    if (cmd.isWrite) {
      if (this.current?.readOnly) return WRITE_IN_READONLY;
      this.wrote = true;
    }
    const server = this.server;
    const client = this.client;
    const start = performance.now();
    client.lastCommand = cmd;
    try {
      cmd.handler(client, argv);
    } catch (e) {
      cmd.failedCalls++;
      if (e instanceof CommandError) {
        this.reply.error(e.message);
      } else {
        server.log.warning(`Unexpected error in '${cmd.fullName}' called from a script: ${(e as Error)?.stack ?? e}`);
        this.reply.error(`ERR internal error while running '${cmd.fullName}'`);
      }
    }
    cmd.usec += (performance.now() - start) * 1000;
    cmd.calls++;
    server.stats.totalCommands++;
    return this.reply.take();
  }

  log(level: number, message: Buffer): void {
    const levels = ['debug', 'verbose', 'notice', 'warning'] as const;
    this.server.log.log(levels[Math.min(3, Math.max(0, level))], message.toString('latin1'));
  }

  setResp(version: 2 | 3): void {
    this.reply.resp = version;
  }
}
