import type { CommandSpec } from '../server/command-spec.js';
import { ACL_OK, execDeniedMessage } from '../server/acl/acl.js';
import type { Client } from '../server/client.js';
import { CommandError } from '../protocol/errors.js';
import { keyAt, arg } from '../server/command-spec.js';
import { preventPropagation } from '../server/propagate.js';
import { transactionAccess } from '../server/command-access.js';
import { MultiState, discardTransaction, unwatchAll, watchKey, watchedKeyExpired } from '../server/multi.js';

/**
 * MULTI / EXEC / DISCARD / WATCH / UNWATCH (multi.c). The state lives in src/server/multi.ts; the
 * command path queues a client's commands while it is in MULTI (answering +QUEUED), and a command
 * rejected while queuing (unknown, wrong arity, not allowed in a transaction) marks the
 * transaction so EXEC answers EXECABORT. EXEC runs the queue through the command path with blocking
 * denied (a BLPOP inside answers as LPOP would on an empty list); keys it readies wake blocked
 * clients only after the whole EXEC.
 */

// WATCH key [key ...]
function watchCommand(c: Client, argv: string[]): void {
  if (c.multi !== null) throw new CommandError('ERR WATCH inside MULTI is not allowed');
  // Once dirty, EXEC fails anyway: nothing more to watch.
  if (!c.casDirty) for (let i = 1; i < argv.length; i++) watchKey(c, argv[i]);
  c.reply.ok();
}

// UNWATCH
function unwatchCommand(c: Client): void {
  unwatchAll(c);
  c.casDirty = false;
  c.reply.ok();
}

// MULTI
function multiCommand(c: Client): void {
  if (c.multi !== null) throw new CommandError('ERR MULTI calls can not be nested');
  c.multi = new MultiState();
  c.reply.ok();
}

// DISCARD
function discardCommand(c: Client): void {
  if (c.multi === null) throw new CommandError('ERR DISCARD without MULTI');
  discardTransaction(c);
  c.reply.ok();
}

// EXEC
function execCommand(c: Client, execArgv: string[]): void {
  const multi = c.multi;
  if (multi === null) throw new CommandError('ERR EXEC without MULTI');
  c.multi = null;
  const dirty = c.casDirty || watchedKeyExpired(c);
  unwatchAll(c);
  c.casDirty = false;
  if (multi.aborted) throw new CommandError('EXECABORT Transaction discarded because of previous errors.');
  // A watched key changed: the transaction does not run (a null reply, as Redis).
  if (dirty) return c.reply.nullArray();
  const server = c.server;
  const denied = c.denyBlocking;
  c.denyBlocking = true;
  c.inExec = true;
  // EXEC itself is never propagated: the queued commands record their own effects, which the
  // command path wraps in MULTI/EXEC when there is more than one.
  preventPropagation(c);
  c.reply.arrayLen(multi.commands.length);
  try {
    const user = c.user;
    for (let i = 0; i < multi.commands.length; i++) {
      const cmd = multi.commands[i];
      const argv = multi.argvs[i];
      // The rules are checked again: they may have changed since the command was queued.
      if (user !== null && !user.unrestricted) {
        const check = server.acl.check(user, cmd, argv);
        if (check.result !== ACL_OK) {
          // Logged as Redis sees the client then: still in its transaction, running EXEC.
          c.multi = multi;
          server.aclDenied(c, check.result, 'multi', cmd, argv, check.pos, c, execArgv);
          c.multi = null;
          server.replyError(c, execDeniedMessage(check.result));
          continue;
        }
      }
      server.call(c, cmd, argv);
    }
  } finally {
    c.denyBlocking = denied;
    c.inExec = false;
  }
}

export const TRANSACTION_COMMANDS: CommandSpec[] = [
  {
    name: 'watch',
    summary: 'Watches keys: a later EXEC fails if any of them changes first.',
    since: '2.2.0',
    group: 'transactions',
    complexity: 'O(1) for every key.',
    arity: -2,
    flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy', 'not_queued'],
    acl: ['transaction'],
    keys: [keyAt(1, ['RO'], -1)],
    args: [arg.key('key', 0, { multiple: true })],
    handler: watchCommand,
  },
  {
    name: 'unwatch',
    summary: 'Forgets every key watched by this connection.',
    since: '2.2.0',
    group: 'transactions',
    complexity: 'O(1)',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
    acl: ['transaction'],
    handler: unwatchCommand,
  },
  {
    name: 'multi',
    summary: 'Starts a transaction: the commands that follow are queued until EXEC.',
    since: '1.2.0',
    group: 'transactions',
    complexity: 'O(1)',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy', 'not_queued'],
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
    flags: ['noscript', 'loading', 'stale', 'skip_slowlog', 'not_queued', 'allow_oom_in_multi'],
    acl: ['transaction'],
    // Judged by what it holds (CLIENT PAUSE WRITE holds an EXEC of writes, the OOM gate one of denyoom commands).
    dynamicAccess: (c, _argv, access) => transactionAccess(c, access),
    handler: execCommand,
  },
  {
    name: 'discard',
    summary: 'Drops the commands queued since MULTI and leaves the transaction.',
    since: '2.0.0',
    group: 'transactions',
    complexity: 'O(N), when N is the number of queued commands',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy', 'not_queued', 'allow_oom_in_multi'],
    acl: ['transaction'],
    handler: discardCommand,
  },
];
