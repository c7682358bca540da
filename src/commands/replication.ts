import { arg, withDocs, type CommandSpec, type CommandArg } from '../server/command-spec.js';
import type { Client } from '../server/client.js';
import { CommandError } from '../protocol/errors.js';
import { clientInfoLine } from '../server/client-info.js';
import { intOrThrow } from './args.js';

/**
 * Replication commands (replication.c in Redis 7.0). The link itself lives in
 * src/server/replication/ (replica.ts: this server as a replica).
 */

// ---------------------------------------------------------------- replica side: REPLICAOF, SLAVEOF, ROLE

// REPLICAOF host port | NO ONE
function replicaofCommand(c: Client, argv: string[]): void {
  const server = c.server;
  if (server.config.get('cluster-enabled') === 'yes') throw new CommandError('ERR REPLICAOF not allowed in cluster mode.');
  const repl = server.replication;
  if (argv[1].toLowerCase() === 'no' && argv[2].toLowerCase() === 'one') {
    if (repl.masterHost !== null) {
      server.replica.unsetMaster();
      server.log.notice(`MASTER MODE enabled (user request from '${clientInfoLine(c, c, 0)}')`);
    }
    c.reply.ok();
    return;
  }
  const port = intOrThrow(argv[2], 'ERR Invalid master port');
  if (port < 0 || port > 65535) throw new CommandError('ERR Invalid master port');
  if (repl.masterHost !== null && repl.masterHost.toLowerCase() === argv[1].toLowerCase() && repl.masterPort === port) {
    server.log.notice('REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.');
    c.reply.simple('OK Already connected to specified master');
    return;
  }
  server.replica.setMaster(argv[1], port);
  server.log.notice(`REPLICAOF ${argv[1]}:${port} enabled (user request from '${clientInfoLine(c, c, 0)}')`);
  c.reply.ok();
}

// ROLE
function roleCommand(c: Client): void {
  const server = c.server;
  const repl = server.replication;
  const r = c.reply;
  if (repl.masterHost === null) {
    r.arrayLen(3);
    r.bulk('master');
    r.int(repl.masterReplOffset);
    // Connected replicas (ip, port, acknowledged offset) are the master side's to list.
    r.arrayLen(0);
    return;
  }
  const replica = server.replica;
  r.arrayLen(5);
  r.bulk('slave');
  r.bulk(repl.masterHost);
  r.int(repl.masterPort);
  r.bulk(replica.state);
  r.int(replica.master !== null ? replica.reploff : -1);
}

const REPLICAOF_ARGS: CommandArg[] = [
  arg.oneOf('args', [
    arg.block('host-port', [arg.string('host'), arg.integer('port')]),
    arg.block('no-one', [arg.token('NO'), arg.token('ONE')]),
  ]),
];

export const REPLICATION_COMMANDS: CommandSpec[] = [
  {
    name: 'replicaof',
    summary: 'Makes this server a replica of another one, or promotes it to a master.',
    since: '5.0.0',
    group: 'server',
    complexity: 'O(1)',
    arity: 3,
    flags: ['admin', 'noscript', 'stale', 'no_async_loading'],
    args: REPLICAOF_ARGS,
    handler: replicaofCommand,
  },
  withDocs(
    {
      name: 'slaveof',
      summary: 'Makes this server a replica of another one, or promotes it to a master.',
      since: '1.0.0',
      group: 'server',
      complexity: 'O(1)',
      arity: 3,
      flags: ['admin', 'noscript', 'stale', 'no_async_loading'],
      handler: replicaofCommand,
    },
    { docFlags: ['deprecated'], deprecatedSince: '5.0.0', replacedBy: '`REPLICAOF`', args: REPLICAOF_ARGS },
  ),
  {
    name: 'role',
    summary: 'Tells whether this server is a master or a replica, with its replication state.',
    since: '2.8.12',
    group: 'server',
    complexity: 'O(1)',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'fast'],
    acl: ['admin', 'dangerous'],
    handler: roleCommand,
  },
];
