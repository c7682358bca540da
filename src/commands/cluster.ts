import type { CommandSpec } from '../server/command-spec.js';
import type { Client } from '../server/client.js';
import { CommandError } from '../protocol/errors.js';

/**
 * The cluster connection commands (cluster.c's askingCommand, readonlyCommand,
 * readwriteCommand). Cinder runs as a standalone server, where Redis answers them all with the
 * same error; cluster clients send them, and ACL categories count them.
 */
function clusterDisabled(_c: Client): void {
  throw new CommandError('ERR This instance has cluster support disabled');
}

export const CLUSTER_COMMANDS: CommandSpec[] = [
  {
    name: 'asking',
    summary: 'Tells a cluster node that the next command follows an -ASK redirect.',
    since: '3.0.0',
    group: 'cluster',
    complexity: 'O(1)',
    arity: 1,
    flags: ['fast'],
    acl: ['connection'],
    handler: clusterDisabled,
  },
  {
    name: 'readonly',
    summary: "Lets this connection read from a cluster replica's slots.",
    since: '3.0.0',
    group: 'cluster',
    complexity: 'O(1)',
    arity: 1,
    flags: ['loading', 'stale', 'fast'],
    acl: ['connection'],
    handler: clusterDisabled,
  },
  {
    name: 'readwrite',
    summary: 'Ends READONLY for this connection.',
    since: '3.0.0',
    group: 'cluster',
    complexity: 'O(1)',
    arity: 1,
    flags: ['loading', 'stale', 'fast'],
    acl: ['connection'],
    handler: clusterDisabled,
  },
];
