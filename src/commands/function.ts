import { arg, withDocs, type CommandFlag, type CommandSpec, type KeySpec } from '../server/command-spec.js';
import type { Client } from '../server/client.js';
import { CommandError, Errors, subcommandSyntaxError } from '../protocol/errors.js';
import { stringMatch } from '../util/glob.js';
import { BUSY_EVAL, scriptReplicaError } from '../server/script-runner.js';
import { flagNames, type RestorePolicy } from '../scripting/functions.js';
import { ScriptFlags } from '../scripting/flags.js';
import { preventPropagation } from '../server/propagate.js';
import { datasetChanged } from '../server/notify.js';
import { scriptAccess } from '../server/command-access.js';
import { scriptArgs } from './scripting.js';
import { feedsMonitorsFirst } from '../server/monitor.js';

/**
 * Redis Functions: FCALL, FCALL_RO and the FUNCTION container (functions.c). Libraries, loading,
 * calling and the DUMP payload live in src/scripting/functions.ts.
 */

// FUNCTION LOAD [REPLACE] function-code
function functionLoadCommand(c: Client, argv: string[]): void {
  let replace = false;
  for (let i = 2; i < argv.length - 1; i++) {
    if (argv[i].toLowerCase() === 'replace') replace = true;
    else throw new CommandError(`ERR Unknown option given: ${argv[i]}`);
  }
  const name = c.server.functions.load(argv[argv.length - 1], replace);
  datasetChanged(c);
  c.reply.bulk(name);
}

// FUNCTION DELETE library-name
function functionDeleteCommand(c: Client, argv: string[]): void {
  c.server.functions.delete(argv[2]);
  datasetChanged(c);
  c.reply.ok();
}

// FUNCTION FLUSH [ASYNC|SYNC]
function functionFlushCommand(c: Client, argv: string[]): void {
  if (argv.length > 3) throw new CommandError(subcommandSyntaxError(argv));
  if (argv.length === 3) {
    const mode = argv[2].toLowerCase();
    if (mode !== 'sync' && mode !== 'async') throw new CommandError('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
  }
  c.server.functions.flush();
  datasetChanged(c);
  c.reply.ok();
}

// FUNCTION LIST [LIBRARYNAME library-name-pattern] [WITHCODE]
function functionListCommand(c: Client, argv: string[]): void {
  let withCode = false;
  let pattern: string | null = null;
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i].toLowerCase();
    if (!withCode && arg === 'withcode') {
      withCode = true;
      continue;
    }
    if (pattern === null && arg === 'libraryname') {
      if (i >= argv.length - 1) throw new CommandError('ERR library name argument was not given');
      pattern = argv[++i];
      continue;
    }
    throw new CommandError(`ERR Unknown argument ${argv[i]}`);
  }
  const libraries = [...c.server.functions.libraries.values()].filter((lib) => pattern === null || stringMatch(pattern, lib.name, true));
  const r = c.reply;
  r.arrayLen(libraries.length);
  for (const lib of libraries) {
    r.mapLen(withCode ? 4 : 3);
    r.bulk('library_name');
    r.bulk(lib.name);
    r.bulk('engine');
    r.bulk(lib.engine);
    r.bulk('functions');
    r.arrayLen(lib.functions.length);
    for (const fn of lib.functions) {
      r.mapLen(3);
      r.bulk('name');
      r.bulk(fn.name);
      r.bulk('description');
      if (fn.description === null) r.nullBulk();
      else r.bulk(fn.description);
      r.bulk('flags');
      const flags = flagNames(fn.flags);
      r.setLen(flags.length);
      for (const flag of flags) r.simple(flag);
    }
    if (withCode) {
      r.bulk('library_code');
      r.bulk(lib.code);
    }
  }
}

// FUNCTION DUMP
function functionDumpCommand(c: Client): void {
  c.reply.bulk(c.server.functions.dump());
}

// FUNCTION RESTORE serialized-value [FLUSH|APPEND|REPLACE]
function functionRestoreCommand(c: Client, argv: string[]): void {
  if (argv.length > 4) throw new CommandError(subcommandSyntaxError(argv));
  let policy: RestorePolicy = 'APPEND';
  if (argv.length === 4) {
    const given = argv[3].toUpperCase();
    if (given !== 'FLUSH' && given !== 'APPEND' && given !== 'REPLACE') {
      throw new CommandError('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
    }
    policy = given;
  }
  c.server.functions.restore(Buffer.from(argv[2], 'latin1'), policy);
  datasetChanged(c);
  c.reply.ok();
}

/** string2ll: an optional '-', digits, no leading zeros, within int64; else null. */
function parseStrictInteger(s: string): number | null {
  if (!/^(0|-?[1-9][0-9]{0,18})$/.test(s)) return null;
  const n = BigInt(s);
  if (n > 9223372036854775807n || n < -9223372036854775808n) return null;
  return Number(n);
}

// FCALL function numkeys [key [key ...]] [arg [arg ...]]  (and FCALL_RO)
// Redis's fcallCommandGeneric and scriptPrepareForRun checks, then the function.
function fcallCommand(c: Client, argv: string[], readOnlyCommand: boolean): void {
  const fn = c.server.functions.lookup(argv[1]);
  if (fn === undefined) throw new CommandError('ERR Function not found');
  const numkeys = parseStrictInteger(argv[2]);
  if (numkeys === null) throw new CommandError('ERR Bad number of keys provided');
  if (numkeys > argv.length - 3) throw new CommandError("ERR Number of keys can't be greater than number of args");
  if (numkeys < 0) throw new CommandError("ERR Number of keys can't be negative");
  const noWrites = (fn.flags & ScriptFlags.noWrites) !== 0;
  const allowOom = (fn.flags & ScriptFlags.allowOom) !== 0;
  if (!noWrites && !allowOom && c.server.memoryGuard.oomAtCommandStart) throw new CommandError(Errors.scriptOom);
  const replicaError = scriptReplicaError(c, fn.flags);
  if (replicaError !== null) throw new CommandError(replicaError);
  if (readOnlyCommand && !noWrites) throw new CommandError('ERR Can not execute a script with write flag using *_ro command.');
  // The function's effects are propagated, never the FCALL.
  preventPropagation(c);
  c.server.scripting.runFunction({ caller: c, readOnly: noWrites, allowOom }, fn, argv, numkeys);
}

// FUNCTION STATS
function functionStatsCommand(c: Client): void {
  // A busy EVAL script is not described here: Redis answers its BUSY error.
  if (c.server.scripting.busyKind === 'eval') throw new CommandError(BUSY_EVAL);
  const r = c.reply;
  const registry = c.server.functions;
  r.mapLen(2);
  r.bulk('running_script');
  const running = c.server.scripting.runningFunction;
  if (running === null) {
    r.nullBulk();
  } else {
    const command = running.command;
    r.mapLen(3);
    r.bulk('name');
    r.bulk(running.name);
    r.bulk('command');
    r.arrayLen(command.length);
    for (const arg of command) r.bulk(arg);
    r.bulk('duration_ms');
    r.int(Math.max(0, Date.now() - running.startedAt));
  }
  r.bulk('engines');
  r.mapLen(1);
  r.bulk('LUA');
  r.mapLen(2);
  r.bulk('libraries_count');
  r.int(registry.libraries.size);
  r.bulk('functions_count');
  r.int(registry.functionCount);
}

// FUNCTION KILL
function functionKillCommand(c: Client): void {
  c.server.scripting.kill(c, true);
}

const FUNCTION_HELP = [
  'FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
  'HELP',
  '    Prints this help.',
];

function functionHelpCommand(c: Client): void {
  c.reply.arrayLen(FUNCTION_HELP.length);
  for (const line of FUNCTION_HELP) c.reply.simple(line);
}

// ---------------------------------------------------------------- table

/** FCALL's keys: numkeys at index 2, the keys right after it. */
const FCALL_KEYS = (flags: KeySpec['flags'], notes: string): KeySpec[] => [
  { flags, begin: { index: 2 }, find: { keynum: { keynumidx: 0, firstkey: 1, step: 1 } }, notes },
];
const FCALL_FLAGS: CommandFlag[] = ['noscript', 'stale', 'skip_monitor', 'no_mandatory_keys'];
const ALL_SHARDS_SUCCEEDED = ['request_policy:all_shards', 'response_policy:all_succeeded'];

function subcommand(
  name: string,
  summary: string,
  complexity: string,
  arity: number,
  flags: CommandFlag[],
  handler: CommandSpec['handler'],
  tips?: string[],
): CommandSpec {
  const spec: CommandSpec = { name, summary, since: '7.0.0', group: 'scripting', complexity, arity, flags, acl: ['scripting'], handler };
  if (tips !== undefined) spec.tips = tips;
  return spec;
}

export const FUNCTION_COMMANDS: CommandSpec[] = [
  {
    name: 'fcall',
    summary: 'Calls a function of a loaded library.',
    since: '7.0.0',
    group: 'scripting',
    complexity: 'Depends on the function that is executed.',
    arity: -3,
    // Hidden from COMMAND INFO, as in Redis: what CLIENT PAUSE WRITE holds back.
    flags: [...FCALL_FLAGS, 'may_replicate'],
    acl: ['scripting'],
    keys: FCALL_KEYS(['RW', 'ACCESS', 'UPDATE'], 'We cannot tell how the keys will be used so we assume the worst, RW and UPDATE'),
    args: scriptArgs(arg.string('function')),
    dynamicAccess: (c, argv, access) => scriptAccess(c, 'function', argv[1], access),
    handler: feedsMonitorsFirst((c, argv) => fcallCommand(c, argv, false)),
  },
  {
    name: 'fcall_ro',
    summary: 'Calls a read-only function of a loaded library.',
    since: '7.0.0',
    group: 'scripting',
    complexity: 'Depends on the function that is executed.',
    arity: -3,
    flags: ['readonly', ...FCALL_FLAGS],
    acl: ['scripting'],
    keys: FCALL_KEYS(['RO', 'ACCESS'], 'We cannot tell how the keys will be used so we assume the worst, RO and ACCESS'),
    args: scriptArgs(arg.string('function')),
    dynamicAccess: (c, argv, access) => scriptAccess(c, 'function', argv[1], access),
    handler: feedsMonitorsFirst((c, argv) => fcallCommand(c, argv, true)),
  },
  {
    name: 'function',
    summary: 'Manages function libraries.',
    since: '7.0.0',
    group: 'scripting',
    complexity: 'Depends on subcommand.',
    arity: -2,
    flags: [],
    subcommands: [
      withDocs(subcommand('delete', 'Deletes a library and its functions.', 'O(1)', 3, ['write', 'noscript'], functionDeleteCommand, ALL_SHARDS_SUCCEEDED), {
        args: [arg.string('library-name')],
      }),
      subcommand('dump', 'Serializes every library into a payload FUNCTION RESTORE accepts.', 'O(N) where N is the number of functions', 2, ['noscript'], functionDumpCommand),
      withDocs(
        subcommand('flush', 'Deletes every library.', 'O(N) where N is the number of functions deleted', -2, ['write', 'noscript'], functionFlushCommand, ALL_SHARDS_SUCCEEDED),
        { args: [arg.oneOf('async', [arg.token('ASYNC'), arg.token('SYNC')], { optional: true })] },
      ),
      subcommand('help', 'Describes the FUNCTION subcommands.', 'O(1)', 2, ['loading', 'stale'], functionHelpCommand),
      subcommand('kill', 'Stops the function that is running, if it has not written yet.', 'O(1)', 2, ['noscript', 'allow_busy'], functionKillCommand, [
        'request_policy:all_shards',
        'response_policy:one_succeeded',
      ]),
      withDocs(
        subcommand('list', 'Describes the loaded libraries and their functions.', 'O(N) where N is the number of functions', -2, ['noscript'], functionListCommand, [
          'nondeterministic_output_order',
        ]),
        { args: [arg.string('library-name-pattern', { token: 'LIBRARYNAME', optional: true }), arg.token('WITHCODE', { optional: true })] },
      ),
      withDocs(
        subcommand('load', 'Loads a library of functions.', 'O(1) (considering compilation time is redundant)', -3, ['write', 'denyoom', 'noscript'], functionLoadCommand, ALL_SHARDS_SUCCEEDED),
        { args: [arg.token('REPLACE', { optional: true }), arg.string('function-code')] },
      ),
      withDocs(
        subcommand(
          'restore',
          'Loads the libraries of a FUNCTION DUMP payload.',
          'O(N) where N is the number of functions on the payload',
          -3,
          ['write', 'denyoom', 'noscript'],
          functionRestoreCommand,
          ALL_SHARDS_SUCCEEDED,
        ),
        {
          args: [
            arg.string('serialized-value'),
            arg.oneOf('policy', [arg.token('FLUSH'), arg.token('APPEND'), arg.token('REPLACE')], { optional: true }),
          ],
        },
      ),
      subcommand('stats', 'Describes the function running now and the engines.', 'O(1)', 2, ['noscript', 'allow_busy'], functionStatsCommand, [
        'nondeterministic_output',
        'request_policy:all_shards',
        'response_policy:special',
      ]),
    ],
  },
];
