import { arg, type CommandSpec } from '../server/command-spec.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { Command } from '../server/command-table.js';
import { CommandError, Errors } from '../protocol/errors.js';

/**
 * CONFIG GET / SET / RESETSTAT / REWRITE / HELP. The parameter table and its semantics live in
 * src/server/config.ts; this file is the command layer.
 */

// CONFIG GET parameter [parameter ...]
function configGetCommand(c: Client, argv: string[]): void {
  const pairs = c.server.config.getMatching(argv.slice(2));
  c.reply.mapLen(pairs.length);
  for (const [name, value] of pairs) {
    c.reply.bulk(name);
    c.reply.bulk(value);
  }
}

// CONFIG SET parameter value [parameter value ...]
function configSetCommand(c: Client, argv: string[]): void {
  if (argv.length % 2 === 1) throw new CommandError(Errors.syntax);
  const config = c.server.config;
  const pairs = argv.slice(2);
  config.setMany(pairs, { local: c.isLocal });
  for (let i = 0; i < pairs.length; i += 2) {
    const name = config.canonicalName(pairs[i])!;
    const value = config.get(name)!;
    if (config.isUnsupportedValue(name, value)) {
      c.server.log.warning(`CONFIG SET ${name}: not supported yet by Cinder, the value is kept but has no effect`);
    }
  }
  c.reply.ok();
}

/**
 * Zeroes what INFO reports as statistics (Redis's resetServerStats, resetCommandTableStats and
 * resetErrorTableStats): every Server.stats counter (numbers to 0, maps and sets emptied; or
 * `stats.reset()` when the class has one), the per-command counters and latency histograms, and
 * the keyspace hits/misses of each database.
 */
export function resetStats(server: Server): void {
  const stats = server.stats as unknown as Record<string, unknown> & { reset?: () => void };
  if (typeof stats.reset === 'function') {
    stats.reset();
  } else {
    for (const key of Object.keys(stats)) {
      const v = stats[key];
      if (typeof v === 'number') stats[key] = 0;
      else if (typeof v === 'bigint') stats[key] = 0n;
      else if (v instanceof Map || v instanceof Set) v.clear();
    }
  }
  const resetCommand = (cmd: Command) => {
    cmd.calls = 0;
    cmd.usec = 0;
    cmd.rejectedCalls = 0;
    cmd.failedCalls = 0;
    if (cmd.subcommands !== null) for (const sub of cmd.subcommands.values()) resetCommand(sub);
  };
  for (const cmd of server.commands.all) resetCommand(cmd);
  for (const db of server.dbs) {
    db.hits = 0;
    db.misses = 0;
  }
  // INFO's per-command latency histograms (latencystats) go too.
  const info = (server as unknown as { info?: { resetLatency?: () => void } }).info;
  info?.resetLatency?.();
}

// CONFIG RESETSTAT
function configResetstatCommand(c: Client): void {
  resetStats(c.server);
  c.reply.ok();
}

// CONFIG REWRITE
function configRewriteCommand(c: Client): void {
  try {
    c.server.config.rewrite();
  } catch (e) {
    const prefix = 'ERR Rewriting config file: ';
    if (e instanceof CommandError && e.message.startsWith(prefix)) {
      c.server.log.warning(`CONFIG REWRITE failed: ${e.message.slice(prefix.length)}`);
    }
    throw e;
  }
  c.server.log.warning('CONFIG REWRITE executed with success.');
  c.reply.ok();
}

const HELP_LINES = [
  'CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'REWRITE',
  '    Rewrite the configuration file.',
  'HELP',
  '    Prints this help.',
];

// CONFIG HELP
function configHelpCommand(c: Client): void {
  c.reply.arrayLen(HELP_LINES.length);
  for (const line of HELP_LINES) c.reply.simple(line);
}

const ADMIN_FLAGS: CommandSpec['flags'] = ['admin', 'noscript', 'loading', 'stale'];

export const CONFIG_COMMANDS: CommandSpec[] = [
  {
    name: 'config',
    summary: 'Groups the commands that read and change server parameters.',
    since: '2.0.0',
    group: 'server',
    complexity: 'Depends on subcommand.',
    arity: -2,
    flags: [],
    subcommands: [
      {
        name: 'get',
        summary: 'Returns the values of the parameters matching the given names or patterns.',
        since: '2.0.0',
        group: 'server',
        complexity: 'O(N) when N is the number of configuration parameters provided',
        arity: -3,
        flags: ADMIN_FLAGS,
        args: [arg.block('parameter', [arg.string('parameter')], { multiple: true })],
        handler: configGetCommand,
      },
      {
        name: 'set',
        summary: 'Changes one or more parameters at once, all or none.',
        since: '2.0.0',
        group: 'server',
        complexity: 'O(N) when N is the number of configuration parameters provided',
        arity: -4,
        flags: ADMIN_FLAGS,
        tips: ['request_policy:all_nodes', 'response_policy:all_succeeded'],
        args: [arg.block('parameter_value', [arg.string('parameter'), arg.string('value')], { multiple: true })],
        handler: configSetCommand,
      },
      {
        name: 'resetstat',
        summary: 'Zeroes the statistics INFO reports.',
        since: '2.0.0',
        group: 'server',
        complexity: 'O(1)',
        arity: 2,
        flags: ADMIN_FLAGS,
        handler: configResetstatCommand,
      },
      {
        name: 'rewrite',
        summary: 'Writes the current parameters back into the config file.',
        since: '2.8.0',
        group: 'server',
        complexity: 'O(1)',
        arity: 2,
        flags: ADMIN_FLAGS,
        handler: configRewriteCommand,
      },
      {
        name: 'help',
        summary: 'Lists the CONFIG subcommands.',
        since: '5.0.0',
        group: 'server',
        complexity: 'O(1)',
        arity: 2,
        flags: ['loading', 'stale'],
        handler: configHelpCommand,
      },
    ],
  },
];
