import { arg, type CommandArg, type CommandFlag, type CommandSpec, type KeySpec } from '../server/command-spec.js';
import type { Client } from '../server/client.js';
import { CommandError, Errors } from '../protocol/errors.js';
import { parseInteger } from '../util/number.js';
import { preventPropagation } from '../server/propagate.js';
import { scriptAccess } from '../server/command-access.js';
import { ScriptFlags, scriptReplicaError } from '../server/script-runner.js';
import { feedsMonitorsFirst } from '../server/monitor.js';

/**
 * EVAL / EVALSHA / EVAL_RO / EVALSHA_RO and SCRIPT (eval.c). The Lua side lives in src/scripting:
 * ScriptRunner keeps the cache, runs scripts and converts replies both ways.
 */

const NOSCRIPT = 'NOSCRIPT No matching script. Please use EVAL.';

function evalGeneric(c: Client, argv: string[], bySha: boolean, readOnly: boolean): void {
  const numkeys = parseInteger(argv[2]);
  if (numkeys === null) throw new CommandError(Errors.notInteger);
  if (numkeys > argv.length - 3) throw new CommandError("ERR Number of keys can't be greater than number of args");
  if (numkeys < 0) throw new CommandError("ERR Number of keys can't be negative");
  const runner = c.server.scripting;
  let sha: string;
  let source: Buffer | undefined;
  if (bySha) {
    sha = argv[1].length === 40 ? argv[1].toLowerCase() : '';
    source = runner.scripts.get(sha);
    if (source === undefined) throw new CommandError(NOSCRIPT);
  } else {
    sha = runner.load(Buffer.from(argv[1], 'latin1'));
    // The cached body: the source without its shebang line.
    source = runner.scripts.get(sha) as Buffer;
  }
  // Only a body that had a shebang starts with the kept line break (a one-byte check before the lookup).
  const flags = source[0] === 10 ? runner.scriptFlags.get(source) : undefined;
  if (flags === undefined) {
    const replicaError = scriptReplicaError(c, flags);
    if (replicaError !== null) throw new CommandError(replicaError);
  } else {
    // scriptPrepareForRun: started out of memory, a script that declares flags must allow it (no-writes does).
    if ((flags & (ScriptFlags.noWrites | ScriptFlags.allowOom)) === 0 && c.server.memoryGuard.oomAtCommandStart) throw new CommandError(Errors.scriptOom);
    // Then a replica's: stale without allow-stale, writes on a read-only replica.
    const replicaError = scriptReplicaError(c, flags);
    if (replicaError !== null) throw new CommandError(replicaError);
    if ((flags & ScriptFlags.noWrites) === 0) {
      if (readOnly) throw new CommandError('ERR Can not execute a script with write flag using *_ro command.');
    } else {
      readOnly = true;
    }
  }
  // The script's effects are propagated, never the script.
  preventPropagation(c);
  runner.run({ caller: c, readOnly, allowOom: flags !== undefined && (flags & ScriptFlags.allowOom) !== 0 }, source, sha, argv, 3, Number(numkeys));
}

function scriptLoadCommand(c: Client, argv: string[]): void {
  c.reply.bulk(c.server.scripting.load(Buffer.from(argv[2], 'latin1')));
}

function scriptExistsCommand(c: Client, argv: string[]): void {
  const scripts = c.server.scripting.scripts;
  c.reply.arrayLen(argv.length - 2);
  for (let i = 2; i < argv.length; i++) c.reply.int(scripts.has(argv[i].toLowerCase()) ? 1 : 0);
}

function scriptFlushCommand(c: Client, argv: string[]): void {
  if (argv.length > 3) throw new CommandError('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
  if (argv.length === 3) {
    const mode = argv[2].toUpperCase();
    if (mode !== 'SYNC' && mode !== 'ASYNC') throw new CommandError('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
  }
  c.server.scripting.scripts.clear();
  c.reply.ok();
}

function scriptKillCommand(c: Client): void {
  c.server.scripting.kill(c);
}

const SCRIPT_HELP = [
  'SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DEBUG (YES|SYNC|NO)',
  '    Set the debug mode for subsequent scripts executed.',
  'EXISTS <sha1> [<sha1> ...]',
  '    Return information about the existence of the scripts in the script cache.',
  'FLUSH [ASYNC|SYNC]',
  '    Flush the Lua scripts cache. Very dangerous on replicas.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the scripts cache.',
  '    * SYNC: Synchronously flush the scripts cache.',
  'KILL',
  '    Kill the currently executing Lua script.',
  'LOAD <script>',
  '    Load a script into the scripts cache without executing it.',
  'HELP',
  '    Prints this help.',
];

function scriptHelpCommand(c: Client): void {
  c.reply.arrayLen(SCRIPT_HELP.length);
  for (const line of SCRIPT_HELP) c.reply.simple(line);
}

// ---------------------------------------------------------------- table

/** EVAL's keys: numkeys at index 2, the keys right after it. */
const EVAL_KEYS = (flags: KeySpec['flags'], notes?: string): KeySpec[] => [
  { flags, begin: { index: 2 }, find: { keynum: { keynumidx: 0, firstkey: 1, step: 1 } }, notes },
];
const RW_NOTES = 'We cannot tell how the keys will be used so we assume the worst, RW and UPDATE';
const EVAL_FLAGS: CommandFlag[] = ['noscript', 'stale', 'skip_monitor', 'may_replicate', 'no_mandatory_keys'];
const EVAL_RO_FLAGS: CommandFlag[] = ['readonly', 'noscript', 'stale', 'skip_monitor', 'no_mandatory_keys'];

/** The arguments of EVAL, EVALSHA, FCALL and their _RO forms after the script or function. */
export function scriptArgs(script: CommandArg): CommandArg[] {
  return [script, arg.integer('numkeys'), arg.key('key', 0, { optional: true, multiple: true }), arg.string('arg', { optional: true, multiple: true })];
}

export const SCRIPTING_COMMANDS: CommandSpec[] = [
  {
    name: 'eval',
    summary: 'Runs a Lua script on the server.',
    since: '2.6.0',
    group: 'scripting',
    complexity: 'Depends on the script that is executed.',
    arity: -3,
    flags: EVAL_FLAGS,
    acl: ['scripting'],
    keys: EVAL_KEYS(['RW', 'ACCESS', 'UPDATE'], RW_NOTES),
    args: scriptArgs(arg.string('script')),
    dynamicAccess: (c, argv, access) => scriptAccess(c, 'body', argv[1], access),
    handler: feedsMonitorsFirst((c, argv) => evalGeneric(c, argv, false, false)),
  },
  {
    name: 'evalsha',
    summary: 'Runs a Lua script from the script cache by its SHA1 digest.',
    since: '2.6.0',
    group: 'scripting',
    complexity: 'Depends on the script that is executed.',
    arity: -3,
    flags: EVAL_FLAGS,
    acl: ['scripting'],
    keys: EVAL_KEYS(['RW', 'ACCESS', 'UPDATE']),
    args: scriptArgs(arg.string('sha1')),
    dynamicAccess: (c, argv, access) => scriptAccess(c, 'sha', argv[1], access),
    handler: feedsMonitorsFirst((c, argv) => evalGeneric(c, argv, true, false)),
  },
  {
    name: 'eval_ro',
    summary: 'Runs a read-only Lua script on the server.',
    since: '7.0.0',
    group: 'scripting',
    complexity: 'Depends on the script that is executed.',
    arity: -3,
    flags: EVAL_RO_FLAGS,
    acl: ['scripting'],
    keys: EVAL_KEYS(['RO', 'ACCESS'], 'We cannot tell how the keys will be used so we assume the worst, RO and ACCESS'),
    args: scriptArgs(arg.string('script')),
    dynamicAccess: (c, argv, access) => scriptAccess(c, 'body', argv[1], access),
    handler: feedsMonitorsFirst((c, argv) => evalGeneric(c, argv, false, true)),
  },
  {
    name: 'evalsha_ro',
    summary: 'Runs a read-only Lua script from the script cache by its SHA1 digest.',
    since: '7.0.0',
    group: 'scripting',
    complexity: 'Depends on the script that is executed.',
    arity: -3,
    flags: EVAL_RO_FLAGS,
    acl: ['scripting'],
    keys: EVAL_KEYS(['RO', 'ACCESS']),
    args: scriptArgs(arg.string('sha1')),
    dynamicAccess: (c, argv, access) => scriptAccess(c, 'sha', argv[1], access),
    handler: feedsMonitorsFirst((c, argv) => evalGeneric(c, argv, true, true)),
  },
  {
    name: 'script',
    summary: 'Manages the Lua script cache.',
    since: '2.6.0',
    group: 'scripting',
    complexity: 'Depends on subcommand.',
    arity: -2,
    flags: [],
    subcommands: [
      {
        name: 'exists',
        summary: 'Tells whether scripts are in the script cache.',
        since: '2.6.0',
        group: 'scripting',
        complexity: 'O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).',
        arity: -3,
        flags: ['noscript'],
        acl: ['scripting'],
        tips: ['request_policy:all_shards', 'response_policy:agg_logical_and'],
        args: [arg.string('sha1', { multiple: true })],
        handler: scriptExistsCommand,
      },
      {
        name: 'flush',
        summary: 'Removes every script from the script cache.',
        since: '2.6.0',
        group: 'scripting',
        complexity: 'O(N) with N being the number of scripts in cache',
        arity: -2,
        flags: ['noscript'],
        acl: ['scripting'],
        tips: ['request_policy:all_nodes', 'response_policy:all_succeeded'],
        args: [arg.oneOf('async', [arg.token('ASYNC'), arg.token('SYNC')], { since: '6.2.0', optional: true })],
        handler: scriptFlushCommand,
      },
      {
        name: 'help',
        summary: 'Describes the SCRIPT subcommands.',
        since: '5.0.0',
        group: 'scripting',
        complexity: 'O(1)',
        arity: 2,
        flags: ['loading', 'stale'],
        acl: ['scripting'],
        handler: scriptHelpCommand,
      },
      {
        name: 'kill',
        summary: 'Stops the script that is running, if it has not written yet.',
        since: '2.6.0',
        group: 'scripting',
        complexity: 'O(1)',
        arity: 2,
        flags: ['noscript', 'allow_busy'],
        acl: ['scripting'],
        tips: ['request_policy:all_shards', 'response_policy:one_succeeded'],
        handler: scriptKillCommand,
      },
      {
        name: 'load',
        summary: 'Loads a script into the script cache without running it.',
        since: '2.6.0',
        group: 'scripting',
        complexity: 'O(N) with N being the length in bytes of the script body.',
        arity: 3,
        flags: ['noscript', 'stale'],
        acl: ['scripting'],
        tips: ['request_policy:all_nodes', 'response_policy:all_succeeded'],
        args: [arg.string('script')],
        handler: scriptLoadCommand,
      },
    ],
  },
];
