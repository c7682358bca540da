import type { CommandSpec } from '../server/command-spec.js';
import { arg } from '../server/command-spec.js';
import type { Client } from '../server/client.js';
import type { Command } from '../server/command-table.js';
import { CommandError, sanitizeErrorLine } from '../protocol/errors.js';
import { cumulativeDistribution, latencyDoctor, latencyGraph } from '../server/latency.js';
import { lookupCommandByFullName, writeHelp } from './introspection.js';

/**
 * LATENCY LATEST HISTORY RESET GRAPH DOCTOR HISTOGRAM HELP (latency.c in Redis 7.0); the monitor
 * is src/server/latency.ts, the per-command histograms INFO latencystats's (src/server/info.ts).
 */

// LATENCY LATEST
function latencyLatestCommand(c: Client): void {
  const r = c.reply;
  const events = c.server.latency.events;
  r.arrayLen(events.size);
  for (const [event, ts] of events) {
    const last = ts.last;
    r.arrayLen(4);
    r.bulk(event);
    r.int(ts.times[last]);
    r.int(ts.latencies[last]);
    r.int(ts.max);
  }
}

// LATENCY HISTORY event
function latencyHistoryCommand(c: Client, argv: string[]): void {
  const r = c.reply;
  // Event names are matched exactly here (only RESET ignores case).
  const ts = c.server.latency.events.get(argv[2]);
  if (ts === undefined) {
    r.arrayLen(0);
    return;
  }
  const samples: Array<[number, number]> = [];
  ts.forEach((time, latency) => samples.push([time, latency]));
  r.arrayLen(samples.length);
  for (const [time, latency] of samples) {
    r.arrayLen(2);
    r.int(time);
    r.int(latency);
  }
}

// LATENCY GRAPH event
function latencyGraphCommand(c: Client, argv: string[]): void {
  const ts = c.server.latency.events.get(argv[2]);
  if (ts === undefined) throw new CommandError(sanitizeErrorLine(`ERR No samples available for event '${argv[2]}'`));
  c.reply.verbatim(latencyGraph(argv[2], ts), 'txt');
}

// LATENCY DOCTOR
function latencyDoctorCommand(c: Client): void {
  const server = c.server;
  const report = latencyDoctor(server.latency, {
    slowlogLogSlowerThan: server.config.slowlogLogSlowerThan,
    hz: server.config.hz,
  });
  c.reply.verbatim(report, 'txt');
}

// LATENCY RESET [event [event ...]]
function latencyResetCommand(c: Client, argv: string[]): void {
  const latency = c.server.latency;
  if (argv.length === 2) {
    c.reply.int(latency.reset());
    return;
  }
  let resets = 0;
  for (let j = 2; j < argv.length; j++) resets += latency.reset(argv[j]);
  c.reply.int(resets);
}

// LATENCY HISTOGRAM [command [command ...]]
function latencyHistogramCommand(c: Client, argv: string[]): void {
  const server = c.server;
  const chosen: Command[] = [];
  const withData = (cmd: Command) => {
    const h = server.info.histogram(cmd);
    if (h !== undefined && h.total > 0) chosen.push(cmd);
  };
  if (argv.length === 2) {
    const walk = (list: Iterable<Command>) => {
      for (const cmd of list) {
        withData(cmd);
        if (cmd.subcommands !== null) walk(cmd.subcommands.values());
      }
    };
    walk(server.commands.all);
  } else {
    // Each name as given, unknown ones skipped, repeats repeated; a container brings its subcommands.
    for (let j = 2; j < argv.length; j++) {
      const cmd = lookupCommandByFullName(server.commands, argv[j]);
      if (cmd === undefined) continue;
      withData(cmd);
      if (cmd.subcommands !== null) for (const sub of cmd.subcommands.values()) withData(sub);
    }
  }
  const r = c.reply;
  r.mapLen(chosen.length);
  for (const cmd of chosen) {
    const h = server.info.histogram(cmd)!;
    const cdf = cumulativeDistribution(h);
    r.bulk(cmd.fullName);
    r.mapLen(2);
    r.bulk('calls');
    r.int(h.total);
    r.bulk('histogram_usec');
    r.mapLen(cdf.length);
    for (const [usec, count] of cdf) {
      r.int(usec);
      r.int(count);
    }
  }
}

const HELP_LINES = [
  'LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DOCTOR',
  '    Return a human readable latency analysis report.',
  'GRAPH <event>',
  '    Return an ASCII latency graph for the <event> class.',
  'HISTORY <event>',
  '    Return time-latency samples for the <event> class.',
  'LATEST',
  '    Return the latest latency samples for all events.',
  'RESET [<event> ...]',
  '    Reset latency data of one or more <event> classes.',
  '    (default: reset all data for all event classes)',
  'HISTOGRAM [COMMAND ...]',
  '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
  '    If no commands are specified then all histograms are replied.',
  'HELP',
  '    Prints this help.',
];

// LATENCY HELP
function latencyHelpCommand(c: Client): void {
  writeHelp(c.reply, HELP_LINES);
}

const ADMIN: CommandSpec['flags'] = ['admin', 'noscript', 'loading', 'stale'];
const REPORT_TIPS = ['nondeterministic_output', 'request_policy:all_nodes', 'response_policy:special'];

function sub(name: string, summary: string, spec: Partial<CommandSpec> & Pick<CommandSpec, 'arity' | 'handler'>): CommandSpec {
  return { name, summary, since: '2.8.13', group: 'server', complexity: 'O(1)', flags: ADMIN, tips: REPORT_TIPS, ...spec };
}

export const LATENCY_COMMANDS: CommandSpec[] = [
  {
    name: 'latency',
    summary: 'Groups the latency monitor commands.',
    since: '2.8.13',
    group: 'server',
    complexity: 'Depends on subcommand.',
    arity: -2,
    flags: [],
    subcommands: [
      {
        name: 'help',
        summary: 'Lists the LATENCY subcommands.',
        since: '2.8.13',
        group: 'server',
        complexity: 'O(1)',
        arity: 2,
        flags: ['loading', 'stale'],
        handler: latencyHelpCommand,
      },
      sub('graph', "Draws an event's recent latency spikes as ASCII art.", {
        arity: 3,
        args: [arg.string('event')],
        handler: latencyGraphCommand,
      }),
      sub('histogram', 'Returns the cumulative latency distribution of some or all commands.', {
        since: '7.0.0',
        complexity: 'O(N) where N is the number of commands with latency information being retrieved.',
        arity: -2,
        args: [arg.string('command', { optional: true, multiple: true })],
        handler: latencyHistogramCommand,
      }),
      sub('reset', 'Forgets the latency spikes of some or all events.', {
        arity: -2,
        tips: ['request_policy:all_nodes', 'response_policy:all_succeeded'],
        args: [arg.string('event', { optional: true, multiple: true })],
        handler: latencyResetCommand,
      }),
      sub('doctor', 'Returns a human readable analysis of the latency spikes seen.', { arity: 2, handler: latencyDoctorCommand }),
      sub('latest', "Returns each event's latest spike.", { arity: 2, handler: latencyLatestCommand }),
      sub('history', 'Returns the stored spikes of an event, oldest first.', {
        arity: 3,
        args: [arg.string('event')],
        handler: latencyHistoryCommand,
      }),
    ],
  },
];
