import { arg, withDocs, type CommandSpec } from '../server/command-spec.js';
import type { Client } from '../server/client.js';
import { CommandError, Errors } from '../protocol/errors.js';

/**
 * SAVE and BGSAVE (rdb.c's saveCommand / bgsaveCommand). The work is the server's
 * (src/server/persistence.ts); these parse, check and reply as Redis does.
 */

// SAVE
function saveCommand(c: Client): void {
  const p = c.server.persistence;
  if (p.bgsaveInProgress) throw new CommandError('ERR Background save already in progress');
  if (!p.save()) throw new CommandError('ERR');
  c.reply.ok();
}

// BGSAVE [SCHEDULE]
function bgsaveCommand(c: Client, argv: string[]): void {
  if (argv.length > 1 && !(argv.length === 2 && argv[1].toLowerCase() === 'schedule')) throw new CommandError(Errors.syntax);
  const p = c.server.persistence;
  if (p.bgsaveInProgress) throw new CommandError('ERR Background save already in progress');
  // One snapshot walks the keyspace at a time (Redis: one child process).
  if (c.server.aof.rewriteInProgress) {
    if (argv.length === 2) {
      p.bgsaveScheduled = true;
      return c.reply.simple('Background saving scheduled');
    }
    throw new CommandError(
      "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.",
    );
  }
  // Inside EXEC Redis defers the fork to the cron; the reply says so.
  if (c.inExec) {
    p.bgsaveScheduled = true;
    return c.reply.simple('Background saving scheduled');
  }
  const error = p.bgsave();
  if (error !== null) throw new CommandError(error);
  c.reply.simple('Background saving started');
}

// BGREWRITEAOF
function bgrewriteaofCommand(c: Client): void {
  c.reply.simple(c.server.aof.bgrewrite(c.inExec));
}

export const PERSISTENCE_COMMANDS: CommandSpec[] = [
  {
    name: 'bgrewriteaof',
    summary: 'Asynchronously rewrite the append-only file',
    since: '1.0.0',
    group: 'server',
    complexity: 'O(1)',
    arity: 1,
    flags: ['admin', 'noscript', 'no_async_loading'],
    handler: bgrewriteaofCommand,
  },
  {
    name: 'save',
    summary: 'Writes the whole dataset to the RDB file, blocking until it is on disk.',
    since: '1.0.0',
    group: 'server',
    complexity: 'O(N) where N is the total number of keys in all databases',
    arity: 1,
    flags: ['admin', 'noscript', 'no_async_loading', 'no_multi'],
    handler: saveCommand,
  },
  withDocs(
    {
      name: 'bgsave',
      summary: 'Writes a point-in-time snapshot of the dataset to the RDB file while clients are served.',
      since: '1.0.0',
      group: 'server',
      complexity: 'O(1)',
      arity: -1,
      flags: ['admin', 'noscript', 'no_async_loading'],
      args: [arg.token('SCHEDULE', { since: '3.2.2', optional: true })],
      handler: bgsaveCommand,
    },
    { history: [['3.2.2', 'Added the `SCHEDULE` option.']] },
  ),
];
