import { arg, type CommandArg, type CommandFlag, type CommandSpec, type KeySpec, type KeySpecFlag } from '../server/command-spec.js';
import { ACL_CATEGORIES, type Command, type CommandTable } from '../server/command-table.js';
import type { Client } from '../server/client.js';
import type { Reply } from '../protocol/reply.js';
import { CommandError, Errors } from '../protocol/errors.js';
import { commandHasKeys, getKeysFromCommand } from '../server/command-keys.js';
import { GlobMatcher } from '../util/glob.js';

/**
 * COMMAND and its subcommands, answered from the live command table only (server.commands), in
 * Redis 7.0's reply shapes (addReplyCommandInfo / addReplyCommandDocs in server.c).
 */

/**
 * Optional documentation fields a spec may carry beyond CommandSpec (COMMAND DOCS prints them when
 * present): history entries [version, change], doc flags ('deprecated', 'syscmd'), deprecation.
 */
export { withDocs, type CommandDocExtras } from '../server/command-spec.js';

/** Command flags in the order Redis prints them (may_replicate and protected are hidden). */
const COMMAND_FLAG_ORDER: readonly CommandFlag[] = [
  'write',
  'readonly',
  'denyoom',
  'module',
  'admin',
  'pubsub',
  'noscript',
  'blocking',
  'loading',
  'stale',
  'skip_monitor',
  'skip_slowlog',
  'asking',
  'fast',
  'no_auth',
  'no_mandatory_keys',
  'no_async_loading',
  'no_multi',
  'movablekeys',
  'allow_busy',
];

/** Key spec flags in Redis's order, with the names COMMAND prints. */
const KEY_FLAG_NAMES: ReadonlyArray<[KeySpecFlag, string]> = [
  ['RO', 'RO'],
  ['RW', 'RW'],
  ['OW', 'OW'],
  ['RM', 'RM'],
  ['ACCESS', 'access'],
  ['UPDATE', 'update'],
  ['INSERT', 'insert'],
  ['DELETE', 'delete'],
  ['NOT_KEY', 'not_key'],
  ['INCOMPLETE', 'incomplete'],
  ['VARIABLE_FLAGS', 'variable_flags'],
];

/** Writes key spec flags as a set of status strings, in Redis's order. */
export function writeKeyFlags(r: Reply, flags: readonly KeySpecFlag[]): void {
  let n = 0;
  for (const [flag] of KEY_FLAG_NAMES) if (flags.includes(flag)) n++;
  r.setLen(n);
  for (const [flag, name] of KEY_FLAG_NAMES) if (flags.includes(flag)) r.simple(name);
}

function writeCommandFlags(r: Reply, cmd: Command): void {
  let n = 0;
  for (const f of COMMAND_FLAG_ORDER) if (cmd.flags.has(f)) n++;
  r.setLen(n);
  for (const f of COMMAND_FLAG_ORDER) if (cmd.flags.has(f)) r.simple(f);
}

function writeKeySpecs(r: Reply, specs: readonly KeySpec[]): void {
  r.setLen(specs.length);
  for (const spec of specs) {
    r.mapLen(spec.notes !== undefined ? 4 : 3);
    if (spec.notes !== undefined) {
      r.bulk('notes');
      r.bulk(spec.notes);
    }
    r.bulk('flags');
    writeKeyFlags(r, spec.flags);
    r.bulk('begin_search');
    r.mapLen(2);
    r.bulk('type');
    const begin = spec.begin;
    if ('index' in begin) {
      r.bulk('index');
      r.bulk('spec');
      r.mapLen(1);
      r.bulk('index');
      r.int(begin.index);
    } else if ('keyword' in begin) {
      r.bulk('keyword');
      r.bulk('spec');
      r.mapLen(2);
      r.bulk('keyword');
      r.bulk(begin.keyword);
      r.bulk('startfrom');
      r.int(begin.startfrom);
    } else {
      r.bulk('unknown');
      r.bulk('spec');
      r.mapLen(0);
    }
    r.bulk('find_keys');
    r.mapLen(2);
    r.bulk('type');
    const find = spec.find;
    if ('range' in find) {
      r.bulk('range');
      r.bulk('spec');
      r.mapLen(3);
      r.bulk('lastkey');
      r.int(find.range.lastkey);
      r.bulk('keystep');
      r.int(find.range.step);
      r.bulk('limit');
      r.int(find.range.limit);
    } else if ('keynum' in find) {
      r.bulk('keynum');
      r.bulk('spec');
      r.mapLen(3);
      r.bulk('keynumidx');
      r.int(find.keynum.keynumidx);
      r.bulk('firstkey');
      r.int(find.keynum.firstkey);
      r.bulk('keystep');
      r.int(find.keynum.step);
    } else {
      r.bulk('unknown');
      r.bulk('spec');
      r.mapLen(0);
    }
  }
}

/** One command's 10-field COMMAND INFO entry (null for an unknown name). */
export function writeCommandInfo(r: Reply, cmd: Command | undefined): void {
  if (cmd === undefined) {
    r.nullBulk();
    return;
  }
  r.arrayLen(10);
  r.bulk(cmd.fullName);
  r.int(cmd.arity);
  writeCommandFlags(r, cmd);
  r.int(cmd.firstKey);
  r.int(cmd.lastKey);
  r.int(cmd.keyStep);
  r.setLen(cmd.aclCategories.size);
  for (const cat of cmd.aclCategories) r.simple('@' + cat);
  const tips = cmd.spec.tips ?? [];
  r.setLen(tips.length);
  for (const tip of tips) r.bulk(tip);
  writeKeySpecs(r, cmd.keySpecs);
  // No subcommands: an empty set; otherwise an array of their entries.
  const subs = cmd.subcommands;
  if (subs === null) {
    r.setLen(0);
    return;
  }
  r.arrayLen(subs.size);
  for (const sub of subs.values()) writeCommandInfo(r, sub);
}

/** Argument flags in the order Redis prints them. */
const ARG_FLAGS = [
  ['optional', 'optional'],
  ['multiple', 'multiple'],
  ['multipleToken', 'multiple_token'],
] as const;

/** A COMMAND DOCS `arguments` list (addReplyCommandArgList): an array of maps, nested for oneof/block. */
function writeCommandArgs(r: Reply, args: readonly CommandArg[]): void {
  r.arrayLen(args.length);
  for (const a of args) {
    let flagCount = 0;
    for (const [field] of ARG_FLAGS) if (a[field]) flagCount++;
    const keySpecIndex = a.keySpecIndex;
    const hasNested = a.type === 'oneof' || a.type === 'block';
    const optionalText: Array<[string, string | undefined]> = [
      ['token', a.token],
      ['summary', a.summary],
      ['since', a.since],
      ['deprecated_since', a.deprecatedSince],
      ['display_text', a.displayText],
    ];
    let n = 2;
    if (keySpecIndex !== undefined) n++;
    for (const [, value] of optionalText) if (value !== undefined) n++;
    if (flagCount > 0) n++;
    if (hasNested) n++;
    r.mapLen(n);
    r.bulk('name');
    r.bulk(a.name);
    r.bulk('type');
    r.bulk(a.type);
    if (keySpecIndex !== undefined) {
      r.bulk('key_spec_index');
      r.int(keySpecIndex);
    }
    for (const [field, value] of optionalText) {
      if (value === undefined) continue;
      r.bulk(field);
      r.bulk(value);
    }
    if (flagCount > 0) {
      r.bulk('flags');
      r.setLen(flagCount);
      for (const [field, name] of ARG_FLAGS) if (a[field]) r.simple(name);
    }
    if (hasNested) {
      r.bulk('arguments');
      writeCommandArgs(r, a.args ?? []);
    }
  }
}

/** One command's COMMAND DOCS map, in Redis's field order (addReplyCommandDocs). */
export function writeCommandDocs(r: Reply, cmd: Command): void {
  const spec = cmd.spec;
  const history = spec.history ?? [];
  const args = spec.args ?? [];
  const docFlags = spec.docFlags ?? [];
  const subs = cmd.subcommands;
  let n = 1; // group
  if (spec.summary) n++;
  if (spec.since) n++;
  if (spec.complexity) n++;
  if (docFlags.length > 0) n++;
  if (spec.deprecatedSince) n++;
  if (spec.replacedBy) n++;
  if (history.length > 0) n++;
  if (args.length > 0) n++;
  if (subs !== null) n++;
  r.mapLen(n);
  if (spec.summary) {
    r.bulk('summary');
    r.bulk(spec.summary);
  }
  if (spec.since) {
    r.bulk('since');
    r.bulk(spec.since);
  }
  r.bulk('group');
  r.bulk(spec.group);
  if (spec.complexity) {
    r.bulk('complexity');
    r.bulk(spec.complexity);
  }
  if (docFlags.length > 0) {
    r.bulk('doc_flags');
    r.setLen(docFlags.length);
    for (const f of docFlags) r.simple(f);
  }
  if (spec.deprecatedSince) {
    r.bulk('deprecated_since');
    r.bulk(spec.deprecatedSince);
  }
  if (spec.replacedBy) {
    r.bulk('replaced_by');
    r.bulk(spec.replacedBy);
  }
  if (history.length > 0) {
    r.bulk('history');
    r.arrayLen(history.length);
    for (const [version, change] of history) {
      r.arrayLen(2);
      r.bulk(version);
      r.bulk(change);
    }
  }
  if (args.length > 0) {
    r.bulk('arguments');
    writeCommandArgs(r, args);
  }
  if (subs !== null) {
    r.bulk('subcommands');
    r.mapLen(subs.size);
    for (const sub of subs.values()) {
      r.bulk(sub.fullName);
      writeCommandDocs(r, sub);
    }
  }
}

/**
 * A command by its full name, "get" or "client|list", case-insensitively (lookupCommandBySds with
 * strict matching: "get|x" and "client|list|x" are unknown, "client" is the container).
 */
export function lookupCommandByFullName(table: CommandTable, name: string): Command | undefined {
  const bar = name.indexOf('|');
  if (bar < 0) return table.lookup(name);
  if (name.indexOf('|', bar + 1) >= 0) return undefined;
  const base = table.lookup(name.slice(0, bar));
  if (base === undefined || base.subcommands === null) return undefined;
  const sub = name.slice(bar + 1);
  return base.subcommands.get(sub) ?? base.subcommands.get(sub.toLowerCase());
}

/** The command an argv would run (lookupCommand): the subcommand for a container with argc >= 2. */
export function lookupCommandForArgv(table: CommandTable, argv: readonly string[]): Command | undefined {
  const base = table.lookup(argv[0]);
  if (base === undefined || argv.length === 1 || base.subcommands === null) return base;
  return base.subcommands.get(argv[1]) ?? base.subcommands.get(argv[1].toLowerCase());
}

// ---------------------------------------------------------------- commands

// COMMAND
function commandCommand(c: Client): void {
  const all = c.server.commands.all;
  c.reply.arrayLen(all.length);
  for (const cmd of all) writeCommandInfo(c.reply, cmd);
}

// COMMAND COUNT
function commandCountCommand(c: Client): void {
  c.reply.int(c.server.commands.all.length);
}

// COMMAND INFO [command-name ...]
function commandInfoCommand(c: Client, argv: string[]): void {
  if (argv.length === 2) {
    commandCommand(c);
    return;
  }
  c.reply.arrayLen(argv.length - 2);
  for (let i = 2; i < argv.length; i++) writeCommandInfo(c.reply, lookupCommandByFullName(c.server.commands, argv[i]));
}

// COMMAND DOCS [command-name ...]
function commandDocsCommand(c: Client, argv: string[]): void {
  const table = c.server.commands;
  let found: Command[];
  if (argv.length === 2) {
    found = table.all;
  } else {
    found = [];
    for (let i = 2; i < argv.length; i++) {
      const cmd = lookupCommandByFullName(table, argv[i]);
      if (cmd !== undefined) found.push(cmd);
    }
  }
  c.reply.mapLen(found.length);
  for (const cmd of found) {
    c.reply.bulk(cmd.fullName);
    writeCommandDocs(c.reply, cmd);
  }
}

type ListFilter = (cmd: Command) => boolean;

function collectNames(cmds: Iterable<Command>, keep: ListFilter | null, out: string[]): void {
  for (const cmd of cmds) {
    if (keep === null || keep(cmd)) out.push(cmd.fullName);
    if (cmd.subcommands !== null) collectNames(cmd.subcommands.values(), keep, out);
  }
}

// COMMAND LIST [FILTERBY MODULE module-name | ACLCAT category | PATTERN pattern]
function commandListCommand(c: Client, argv: string[]): void {
  let keep: ListFilter | null = null;
  for (let i = 2; i < argv.length; i++) {
    const more = argv.length - 1 - i;
    if (argv[i].toLowerCase() === 'filterby' && more === 2) {
      const type = argv[i + 1].toLowerCase();
      const arg = argv[i + 2];
      if (type === 'module') {
        // No modules: nothing belongs to any module.
        keep = () => false;
      } else if (type === 'aclcat') {
        const cat = ACL_CATEGORIES.find((name) => name === arg.toLowerCase());
        keep = cat === undefined ? () => false : (cmd) => cmd.aclCategories.has(cat);
      } else if (type === 'pattern') {
        const matcher = new GlobMatcher(arg, true);
        keep = (cmd) => matcher.matches(cmd.fullName);
      } else {
        throw new CommandError(Errors.syntax);
      }
      i += 2;
    } else {
      throw new CommandError(Errors.syntax);
    }
  }
  const names: string[] = [];
  collectNames(c.server.commands.all, keep, names);
  c.reply.arrayLen(names.length);
  for (const name of names) c.reply.bulk(name);
}

function getKeysImpl(c: Client, argv: string[], withFlags: boolean): void {
  const target = argv.slice(2);
  const cmd = lookupCommandForArgv(c.server.commands, target);
  if (cmd === undefined) throw new CommandError('ERR Invalid command specified');
  if (!commandHasKeys(cmd)) throw new CommandError('ERR The command has no key arguments');
  const arity = cmd.arity;
  if ((arity > 0 && arity !== target.length) || target.length < -arity) {
    throw new CommandError('ERR Invalid number of arguments specified for command');
  }
  const keys = getKeysFromCommand(cmd, target);
  if (keys.length === 0) {
    if (!cmd.flags.has('no_mandatory_keys')) throw new CommandError('ERR Invalid arguments specified for command');
    c.reply.arrayLen(0);
    return;
  }
  c.reply.arrayLen(keys.length);
  for (const k of keys) {
    if (withFlags) {
      c.reply.arrayLen(2);
      c.reply.bulk(target[k.pos]);
      writeKeyFlags(c.reply, k.flags);
    } else {
      c.reply.bulk(target[k.pos]);
    }
  }
}

// COMMAND GETKEYS command [arg ...]
function commandGetKeysCommand(c: Client, argv: string[]): void {
  getKeysImpl(c, argv, false);
}

// COMMAND GETKEYSANDFLAGS command [arg ...]
function commandGetKeysAndFlagsCommand(c: Client, argv: string[]): void {
  getKeysImpl(c, argv, true);
}

const COMMAND_HELP = [
  'COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  '(no subcommand)',
  '    Return details about all Redis commands.',
  'COUNT',
  '    Return the total number of commands in this Redis server.',
  'LIST',
  '    Return a list of all commands in this Redis server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'GETKEYS <full-command>',
  '    Return the keys from a full Redis command.',
  'GETKEYSANDFLAGS <full-command>',
  '    Return the keys and the access flags from a full Redis command.',
  'HELP',
  '    Prints this help.',
];

/** Writes a HELP reply: one status line per entry (addReplyHelp). */
export function writeHelp(r: Reply, lines: readonly string[]): void {
  r.arrayLen(lines.length);
  for (const line of lines) r.simple(line);
}

// COMMAND HELP
function commandHelpCommand(c: Client): void {
  writeHelp(c.reply, COMMAND_HELP);
}

const SUB_BASE = { group: 'server', flags: ['loading', 'stale'] as CommandFlag[], acl: ['connection'] };

export const INTROSPECTION_COMMANDS: CommandSpec[] = [
  {
    name: 'command',
    summary: 'Describes every command the server knows.',
    since: '2.8.13',
    group: 'server',
    complexity: 'O(N) where N is the total number of Redis commands',
    arity: -1,
    flags: ['loading', 'stale'],
    acl: ['connection'],
    tips: ['nondeterministic_output_order'],
    handler: commandCommand,
    subcommands: [
      {
        ...SUB_BASE,
        name: 'count',
        summary: 'Counts the commands the server knows.',
        since: '2.8.13',
        complexity: 'O(1)',
        arity: 2,
        handler: commandCountCommand,
      },
      {
        ...SUB_BASE,
        name: 'docs',
        summary: 'Describes commands for documentation purposes.',
        since: '7.0.0',
        complexity: 'O(N) where N is the number of commands to look up',
        arity: -2,
        tips: ['nondeterministic_output_order'],
        args: [arg.string('command-name', { optional: true, multiple: true })],
        handler: commandDocsCommand,
      },
      {
        ...SUB_BASE,
        name: 'getkeys',
        summary: 'Extracts the key names from a full command line.',
        since: '2.8.13',
        complexity: 'O(N) where N is the number of arguments to the command',
        arity: -4,
        handler: commandGetKeysCommand,
      },
      {
        ...SUB_BASE,
        name: 'getkeysandflags',
        summary: 'Extracts the key names, with their access flags, from a full command line.',
        since: '7.0.0',
        complexity: 'O(N) where N is the number of arguments to the command',
        arity: -4,
        handler: commandGetKeysAndFlagsCommand,
      },
      {
        ...SUB_BASE,
        name: 'help',
        summary: 'Lists the COMMAND subcommands.',
        since: '5.0.0',
        complexity: 'O(1)',
        arity: 2,
        handler: commandHelpCommand,
      },
      {
        ...SUB_BASE,
        name: 'info',
        summary: 'Describes the given commands, or all of them.',
        since: '2.8.13',
        complexity: 'O(N) where N is the number of commands to look up',
        arity: -2,
        tips: ['nondeterministic_output_order'],
        args: [arg.string('command-name', { optional: true, multiple: true })],
        handler: commandInfoCommand,
      },
      {
        ...SUB_BASE,
        name: 'list',
        summary: 'Lists command names, optionally filtered by category or pattern.',
        since: '7.0.0',
        complexity: 'O(N) where N is the total number of Redis commands',
        arity: -2,
        tips: ['nondeterministic_output_order'],
        args: [
          arg.oneOf('filterby', [
            arg.string('module-name', { token: 'MODULE' }),
            arg.string('category', { token: 'ACLCAT' }),
            arg.pattern('pattern', { token: 'PATTERN' }),
          ], { token: 'FILTERBY', optional: true }),
        ],
        handler: commandListCommand,
      },
    ],
  },
];
