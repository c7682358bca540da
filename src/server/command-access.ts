import type { Client } from './client.js';
import type { Command } from './command-table.js';
import { CommandError } from '../protocol/errors.js';
import { parseShebang, sha1Hex, ScriptFlags } from './script-runner.js';

/**
 * What a command may do to the keyspace, as the gates of processCommand judge it (Redis 7.0's
 * getCommandFlags and is_read/write/may_replicate_command): the table's flags, except that a script
 * command that declares flags (an EVAL shebang, a function) writes unless it says no-writes and is
 * no longer "may replicate", and that EXEC counts what its transaction holds.
 */

export const ACCESS_READ = 1;
export const ACCESS_WRITE = 2;
export const ACCESS_MAY_REPLICATE = 4;
/** May add memory (denyoom): refused while out of memory. */
export const ACCESS_DENY_OOM = 8;
/** May run on a replica whose link is down under replica-serve-stale-data no (the `stale` flag). */
export const ACCESS_STALE = 16;

/** ACCESS_* bits of `cmd` with `argv` for `c` (the command passed lookup and arity). */
export function commandAccess(c: Client, cmd: Command, argv: readonly string[]): number {
  const access = staticAccess(cmd);
  return cmd.dynamicAccess === undefined ? access : cmd.dynamicAccess(c, argv, access);
}

/**
 * is_denystale_command, negated: the command may run on a stale replica; EXEC only when every
 * queued command may (mstate.cmd_inv_flags).
 */
export function staleAllowed(c: Client, cmd: Command, argv: readonly string[], isExec: boolean): boolean {
  if ((commandAccess(c, cmd, argv) & ACCESS_STALE) === 0) return false;
  const multi = c.multi;
  if (!isExec || multi === null) return true;
  for (let i = 0; i < multi.commands.length; i++) {
    if ((commandAccess(c, multi.commands[i], multi.argvs[i]) & ACCESS_STALE) === 0) return false;
  }
  return true;
}

/** EXEC's mstate.cmd_flags: what every queued command may do. */
export function transactionAccess(c: Client, access: number): number {
  const multi = c.multi;
  if (multi === null) return access;
  for (let i = 0; i < multi.commands.length; i++) access |= commandAccess(c, multi.commands[i], multi.argvs[i]);
  return access;
}

function staticAccess(cmd: Command): number {
  return (
    (cmd.isReadonly ? ACCESS_READ : 0) |
    (cmd.isWrite ? ACCESS_WRITE : 0) |
    (cmd.mayReplicate ? ACCESS_MAY_REPLICATE : 0) |
    (cmd.denyOom ? ACCESS_DENY_OOM : 0) |
    (cmd.allowStale ? ACCESS_STALE : 0)
  );
}

/** Which script a script command names: a body (EVAL), a SHA1 (EVALSHA), a function (FCALL). */
export type ScriptTarget = 'body' | 'sha' | 'function';

/**
 * evalGetCommandFlags / fcallGetCommandFlags + scriptFlagsToCmdFlags: a script with declared flags
 * writes unless no-writes (read-only forms stay read), may add memory (denyoom) unless no-writes or
 * allow-oom, and is no longer "may replicate". A legacy
 * script (no shebang), an unknown one, or a shebang that does not parse keeps the table's flags.
 */
export function scriptAccess(c: Client, kind: ScriptTarget, target: string, access: number): number {
  const flags = declaredScriptFlags(c, kind, target);
  if (flags === null) return access;
  return (
    (access & ACCESS_READ) |
    ((flags & ScriptFlags.noWrites) === 0 ? ACCESS_WRITE : 0) |
    ((flags & (ScriptFlags.noWrites | ScriptFlags.allowOom)) === 0 ? ACCESS_DENY_OOM : 0) |
    ((flags & ScriptFlags.allowStale) !== 0 ? ACCESS_STALE : 0)
  );
}

/** The flags the script or function named by `target` declares, or null when it declares none. */
function declaredScriptFlags(c: Client, kind: ScriptTarget, target: string): number | null {
  const server = c.server;
  if (kind === 'function') return server.functions.lookup(target)?.flags ?? null;
  const bySha = kind === 'sha';
  if (bySha && target.length !== 40) return null;
  const body = server.scripting.scripts.get(bySha ? target.toLowerCase() : sha1Hex(Buffer.from(target, 'latin1')));
  // A cached body that had a shebang starts with the line break kept after it.
  if (body !== undefined) return body[0] === 10 ? (server.scripting.scriptFlags.get(body) ?? null) : null;
  if (bySha || !target.startsWith('#!')) return null;
  const eol = target.indexOf('\n');
  if (eol < 0) return null;
  try {
    return parseShebang(target.slice(0, eol));
  } catch (e) {
    if (e instanceof CommandError) return null;
    throw e;
  }
}
