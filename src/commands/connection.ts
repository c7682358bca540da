import type { CommandSpec } from './spec.js';
import type { Client } from '../server/client.js';
import { CommandError, Errors } from '../protocol/errors.js';
import { parseSafeInteger } from '../util/number.js';

// PING [message]
function pingCommand(c: Client, argv: string[]): void {
  if (argv.length > 2) throw new CommandError(Errors.wrongArity('ping'));
  if (argv.length === 1) c.reply.simple('PONG');
  else c.reply.bulk(argv[1]);
}

// ECHO message
function echoCommand(c: Client, argv: string[]): void {
  c.reply.bulk(argv[1]);
}

// SELECT index
function selectCommand(c: Client, argv: string[]): void {
  const index = parseSafeInteger(argv[1]);
  if (index === null) throw new CommandError('ERR value is not an integer or out of range');
  if (index < 0 || index >= c.server.dbs.length) throw new CommandError(Errors.dbIndexOutOfRange);
  c.selectDb(index);
  c.reply.ok();
}

export const CONNECTION_COMMANDS: CommandSpec[] = [
  {
    name: 'ping',
    summary: 'Checks that the server answers.',
    since: '1.0.0',
    group: 'connection',
    complexity: 'O(1)',
    arity: -1,
    flags: ['fast'],
    acl: ['connection'],
    tips: ['request_policy:all_shards', 'response_policy:all_succeeded'],
    handler: pingCommand,
  },
  {
    name: 'echo',
    summary: 'Returns the given string.',
    since: '1.0.0',
    group: 'connection',
    complexity: 'O(1)',
    arity: 2,
    flags: ['fast'],
    acl: ['connection'],
    handler: echoCommand,
  },
  {
    name: 'select',
    summary: 'Switches the connection to another database.',
    since: '1.0.0',
    group: 'connection',
    complexity: 'O(1)',
    arity: 2,
    flags: ['loading', 'stale', 'fast'],
    acl: ['connection'],
    handler: selectCommand,
  },
];
