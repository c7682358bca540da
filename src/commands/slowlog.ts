import type { CommandSpec } from '../server/command-spec.js';
import { arg, withDocs } from '../server/command-spec.js';
import type { Client } from '../server/client.js';
import { CommandError, subcommandSyntaxError } from '../protocol/errors.js';
import { parseInteger } from '../util/number.js';
import { writeHelp } from './introspection.js';

/** SLOWLOG GET LEN RESET HELP (slowlog.c in Redis 7.0); the log itself is src/server/slowlog.ts. */

const COUNT_ERROR = 'ERR count should be greater than or equal to -1';

// SLOWLOG GET [count]
function slowlogGetCommand(c: Client, argv: string[]): void {
  if (argv.length > 3) throw new CommandError(subcommandSyntaxError(argv));
  const log = c.server.slowlog;
  let count = 10;
  if (argv.length === 3) {
    const v = parseInteger(argv[2]);
    if (v === null || v < -1) throw new CommandError(COUNT_ERROR);
    // -1: all of it.
    count = v === -1 ? log.length : typeof v === 'bigint' ? Number.MAX_SAFE_INTEGER : v;
  }
  const entries = log.newest(count);
  const r = c.reply;
  r.arrayLen(entries.length);
  for (const e of entries) {
    r.arrayLen(6);
    r.int(e.id);
    r.int(e.time);
    r.int(e.usec);
    r.arrayLen(e.argv.length);
    for (const a of e.argv) r.bulk(a);
    r.bulk(e.peer);
    r.bulk(e.name);
  }
}

// SLOWLOG LEN
function slowlogLenCommand(c: Client): void {
  c.reply.int(c.server.slowlog.length);
}

// SLOWLOG RESET
function slowlogResetCommand(c: Client): void {
  c.server.slowlog.reset();
  c.reply.ok();
}

const HELP_LINES = [
  'SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GET [<count>]',
  '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
  '    Entries are made of:',
  '    id, timestamp, time in microseconds, arguments array, client IP and port,',
  '    client name',
  'LEN',
  '    Return the length of the slowlog.',
  'RESET',
  '    Reset the slowlog.',
  'HELP',
  '    Prints this help.',
];

// SLOWLOG HELP
function slowlogHelpCommand(c: Client): void {
  writeHelp(c.reply, HELP_LINES);
}

const ADMIN: CommandSpec['flags'] = ['admin', 'loading', 'stale'];

export const SLOWLOG_COMMANDS: CommandSpec[] = [
  {
    name: 'slowlog',
    summary: 'Groups the commands that read and clear the slow log.',
    since: '2.2.12',
    group: 'server',
    complexity: 'Depends on subcommand.',
    arity: -2,
    flags: [],
    subcommands: [
      withDocs(
        {
          name: 'get',
          summary: 'Returns the newest entries of the slow log.',
          since: '2.2.12',
          group: 'server',
          complexity: 'O(N) where N is the number of entries returned',
          arity: -2,
          flags: ADMIN,
          tips: ['request_policy:all_nodes', 'nondeterministic_output'],
          args: [arg.integer('count', { optional: true })],
          handler: slowlogGetCommand,
        },
        { history: [['4.0.0', "Entries include the client's address and name."]] },
      ),
      {
        name: 'len',
        summary: 'Returns how many entries the slow log holds.',
        since: '2.2.12',
        group: 'server',
        complexity: 'O(1)',
        arity: 2,
        flags: ADMIN,
        tips: ['request_policy:all_nodes', 'response_policy:agg_sum', 'nondeterministic_output'],
        handler: slowlogLenCommand,
      },
      {
        name: 'reset',
        summary: 'Empties the slow log.',
        since: '2.2.12',
        group: 'server',
        complexity: 'O(N) where N is the number of entries in the slowlog',
        arity: 2,
        flags: ADMIN,
        tips: ['request_policy:all_nodes', 'response_policy:all_succeeded'],
        handler: slowlogResetCommand,
      },
      {
        name: 'help',
        summary: 'Lists the SLOWLOG subcommands.',
        since: '6.2.0',
        group: 'server',
        complexity: 'O(1)',
        arity: 2,
        flags: ['loading', 'stale'],
        handler: slowlogHelpCommand,
      },
    ],
  },
];
