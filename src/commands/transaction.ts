import type { CommandSpec } from './spec.js';
import type { Client } from '../server/client.js';
import type { Command } from './registry.js';
import { CommandError } from '../protocol/errors.js';
import { clientHooks } from './connection.js';

/**
 * MULTI / EXEC / DISCARD (multi.c). While a client is in MULTI the dispatcher queues its commands
 * (answering +QUEUED) instead of running them; a command rejected while queuing (unknown, wrong
 * arity, not allowed in a transaction) marks the transaction so EXEC answers EXECABORT. EXEC runs
 * the queue through the dispatcher with blocking denied (a BLPOP inside answers as LPOP would on
 * an empty list), and keys it readies wake blocked clients only after the whole EXEC.
 * WATCH/UNWATCH come with keyspace dirty tracking (issue 4).
 */
export class MultiState {
  readonly commands: Command[] = [];
  readonly argvs: string[][] = [];
  /** Argument bytes queued (CLIENT LIST multi-mem). */
  argvBytes = 0;
  /** A command was rejected while queuing: EXEC must abort. */
  aborted = false;

  queue(cmd: Command, argv: string[]): void {
    this.commands.push(cmd);
    this.argvs.push(argv);
    for (const a of argv) this.argvBytes += a.length;
  }
}

/** Commands that run at once even inside MULTI (everything else is queued). */
const RUN_INSIDE_MULTI = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

/** Whether the dispatcher should queue `cmd` for `c` instead of running it. */
export function shouldQueue(c: Client, cmd: Command): boolean {
  return c.multi !== null && !RUN_INSIDE_MULTI.has(cmd.fullName);
}

clientHooks.multiQueued = (c) => (c.multi === null ? -1 : c.multi.commands.length);
clientHooks.multiMemory = (c) => (c.multi === null ? 0 : c.multi.argvBytes + c.multi.commands.length * 24);
clientHooks.reset.push((c) => {
  c.multi = null;
});

// MULTI
function multiCommand(c: Client): void {
  if (c.multi !== null) throw new CommandError('ERR MULTI calls can not be nested');
  c.multi = new MultiState();
  c.reply.ok();
}

// DISCARD
function discardCommand(c: Client): void {
  if (c.multi === null) throw new CommandError('ERR DISCARD without MULTI');
  c.multi = null;
  c.reply.ok();
}

// EXEC
function execCommand(c: Client): void {
  const multi = c.multi;
  if (multi === null) throw new CommandError('ERR EXEC without MULTI');
  c.multi = null;
  if (multi.aborted) throw new CommandError('EXECABORT Transaction discarded because of previous errors.');
  const server = c.server;
  const execCmd = c.lastCommand;
  const denied = c.denyBlocking;
  c.denyBlocking = true;
  c.reply.arrayLen(multi.commands.length);
  try {
    for (let i = 0; i < multi.commands.length; i++) server.execute(c, multi.argvs[i]);
  } finally {
    c.denyBlocking = denied;
    c.lastCommand = execCmd;
  }
}

export const TRANSACTION_COMMANDS: CommandSpec[] = [
  {
    name: 'multi',
    summary: 'Starts a transaction: the commands that follow are queued until EXEC.',
    since: '1.2.0',
    group: 'transactions',
    complexity: 'O(1)',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
    acl: ['transaction'],
    handler: multiCommand,
  },
  {
    name: 'exec',
    summary: 'Runs the commands queued since MULTI, answering with all their replies.',
    since: '1.2.0',
    group: 'transactions',
    complexity: 'Depends on commands in the transaction',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'skip_slowlog'],
    acl: ['transaction'],
    handler: execCommand,
  },
  {
    name: 'discard',
    summary: 'Drops the commands queued since MULTI and leaves the transaction.',
    since: '2.0.0',
    group: 'transactions',
    complexity: 'O(N), when N is the number of queued commands',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
    acl: ['transaction'],
    handler: discardCommand,
  },
];
