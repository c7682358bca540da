import type { CommandSpec } from '../server/command-spec.js';
import type { Client } from '../server/client.js';
import { startMonitoring } from '../server/monitor.js';

/** MONITOR (replication.c in Redis 7.0): the feed itself lives in src/server/monitor.ts. */

// MONITOR
function monitorCommand(c: Client): void {
  startMonitoring(c);
}

export const MONITOR_COMMANDS: CommandSpec[] = [
  {
    name: 'monitor',
    summary: 'Streams every command the server runs to this connection, as it runs them.',
    since: '1.0.0',
    group: 'server',
    arity: 1,
    flags: ['admin', 'noscript', 'loading', 'stale'],
    handler: monitorCommand,
  },
];
