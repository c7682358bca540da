import { arg, type CommandFlag, type CommandSpec } from '../server/command-spec.js';
import type { Client } from '../server/client.js';
import { CommandError } from '../protocol/errors.js';
import { writeHelp } from './introspection.js';
import { isOption } from './args.js';

/**
 * MODULE (module.c in Redis 7.0). Cinder runs no native modules: LIST is always empty, and LOAD /
 * LOADEX fail the way Redis's do when the library cannot be opened. LOAD, LOADEX and UNLOAD carry
 * the hidden `protected` flag: with enable-module-command at its default (no), Redis refuses them
 * before they run; that gate belongs to the dispatcher, which reads the flag.
 */

const MODULE_HELP = [
  'MODULE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'LIST',
  '    Return a list of loaded modules.',
  'LOAD <path> [<arg> ...]',
  '    Load a module library from <path>, passing to it any optional arguments.',
  'LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]',
  '    Load a module library from <path>, while passing it module configurations and optional arguments.',
  'UNLOAD <name>',
  '    Unload a module.',
  'HELP',
  '    Prints this help.',
];

const LOAD_FAILED = 'ERR Error loading the extension. Please check the server logs.';

// MODULE HELP
function moduleHelpCommand(c: Client): void {
  writeHelp(c.reply, MODULE_HELP);
}

// MODULE LIST
function moduleListCommand(c: Client): void {
  c.reply.arrayLen(0);
}

/** What Redis logs when a library cannot be loaded; Cinder never opens one. */
function logLoadFailure(c: Client, path: string): void {
  c.server.log.warning(`Module ${path} failed to load: Cinder does not load native Redis modules`);
}

// MODULE LOAD path [arg [arg ...]]
function moduleLoadCommand(c: Client, argv: string[]): void {
  logLoadFailure(c, argv[2]);
  throw new CommandError(LOAD_FAILED);
}

/**
 * The LOADEX options after the path, as Redis reads them (parseLoadexArguments): CONFIG name
 * value pairs, then optionally ARGS and everything after it. Returns the notice Redis logs for a
 * malformed list, or null.
 */
function loadexSyntaxError(args: readonly string[]): string | null {
  for (let i = 0; i < args.length; i++) {
    if (isOption(args[i], 'CONFIG')) {
      if (i + 2 >= args.length) return 'CONFIG specified without name value pair';
      i += 2;
    } else if (isOption(args[i], 'ARGS')) {
      return null;
    } else {
      return `Syntax Error from arguments to loadex around ${args[i]}.`;
    }
  }
  return null;
}

// MODULE LOADEX path [CONFIG name value [CONFIG name value ...]] [ARGS arg [arg ...]]
function moduleLoadexCommand(c: Client, argv: string[]): void {
  const syntax = loadexSyntaxError(argv.slice(3));
  if (syntax !== null) c.server.log.notice(syntax);
  else logLoadFailure(c, argv[2]);
  // Redis answers a malformed option list and a failed load alike.
  throw new CommandError(LOAD_FAILED);
}

// MODULE UNLOAD name
function moduleUnloadCommand(): void {
  throw new CommandError('ERR Error unloading module: no such module with that name');
}

/** LOAD, LOADEX and UNLOAD: admin, and refused unless enable-module-command allows them. */
const PROTECTED_SUB: CommandFlag[] = ['admin', 'noscript', 'no_async_loading', 'protected'];

export const MODULE_COMMANDS: CommandSpec[] = [
  {
    name: 'module',
    summary: 'Manages native extension modules (Cinder loads none).',
    since: '4.0.0',
    group: 'server',
    complexity: 'Depends on subcommand.',
    arity: -2,
    flags: [],
    subcommands: [
      {
        name: 'help',
        summary: 'Lists the MODULE subcommands.',
        since: '5.0.0',
        group: 'server',
        complexity: 'O(1)',
        arity: 2,
        flags: ['loading', 'stale'],
        handler: moduleHelpCommand,
      },
      {
        name: 'list',
        summary: 'Lists the loaded modules: always none in Cinder.',
        since: '4.0.0',
        group: 'server',
        complexity: 'O(N) where N is the number of loaded modules.',
        arity: 2,
        flags: ['admin', 'noscript'],
        tips: ['nondeterministic_output_order'],
        handler: moduleListCommand,
      },
      {
        name: 'load',
        summary: 'Loads a module library; Cinder cannot, so it fails as a missing library does.',
        since: '4.0.0',
        group: 'server',
        complexity: 'O(1)',
        arity: -3,
        flags: PROTECTED_SUB,
        args: [arg.string('path'), arg.string('arg', { optional: true, multiple: true })],
        handler: moduleLoadCommand,
      },
      {
        name: 'loadex',
        summary: 'Loads a module library with configuration values; Cinder cannot, so it fails.',
        since: '7.0.0',
        group: 'server',
        complexity: 'O(1)',
        arity: -3,
        flags: PROTECTED_SUB,
        args: [
          arg.string('path'),
          arg.block('configs', [arg.string('name'), arg.string('value')], {
            token: 'CONFIG',
            optional: true,
            multiple: true,
            multipleToken: true,
          }),
          arg.block('args', [arg.string('arg')], { token: 'ARGS', optional: true, multiple: true }),
        ],
        handler: moduleLoadexCommand,
      },
      {
        name: 'unload',
        summary: 'Unloads a module by name; none is ever loaded in Cinder.',
        since: '4.0.0',
        group: 'server',
        complexity: 'O(1)',
        arity: 3,
        flags: PROTECTED_SUB,
        args: [arg.string('name')],
        handler: moduleUnloadCommand,
      },
    ],
  },
];
