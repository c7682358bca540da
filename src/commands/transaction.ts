import type { CommandSpec } from './spec.js';
import type { Client } from '../server/client.js';
import type { Command } from './registry.js';
import { CommandError } from '../protocol/errors.js';
import { clientHooks } from './connection.js';
import type { WatchEntry } from '../engine/keyspace.js';
import { keyAt } from './spec.js';

/**
 * MULTI / EXEC / DISCARD (multi.c). While a client is in MULTI the dispatcher queues its commands
 * (answering +QUEUED) instead of running them; a command rejected while queuing (unknown, wrong
 * arity, not allowed in a transaction) marks the transaction so EXEC answers EXECABORT. EXEC runs
 * the queue through the dispatcher with blocking denied (a BLPOP inside answers as LPOP would on
 * an empty list), and keys it readies wake blocked clients only after the whole EXEC.
 * WATCH registers the client on the key in its database (Keyspace.watchers); every change the
 * keyspace makes (set, delete, expiry, TTL, flush, swap) and every in-place collection change a
 * command reports with `db.touch(key)` marks the watchers `casDirty`, and EXEC then answers null.
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

// ---------------------------------------------------------------- WATCH

/** Starts watching `key` in the client's database (watchForKey). */
function watchKey(c: Client, key: string): void {
  const db = c.db;
  for (const w of c.watched) if (w.db === db && w.entry.key === key) return;
  const entry: WatchEntry = { watcher: c, key, expired: db.isStoredButExpired(key) };
  const byKey = (db.watchers ??= new Map());
  const entries = byKey.get(key);
  if (entries === undefined) byKey.set(key, [entry]);
  else entries.push(entry);
  c.watched.push({ db, entry });
}

/** Forgets every watched key of `c` (unwatchAllKeys); the dirty flag is the caller's business. */
export function unwatchAll(c: Client): void {
  for (const { db, entry } of c.watched) {
    const byKey = db.watchers;
    if (byKey === null) continue;
    const entries = byKey.get(entry.key);
    if (entries === undefined) continue;
    const i = entries.indexOf(entry);
    if (i >= 0) entries.splice(i, 1);
    if (entries.length === 0) byKey.delete(entry.key);
    if (byKey.size === 0) db.watchers = null;
  }
  c.watched = [];
}

/** A watched key that was live when watched has expired since (isWatchedKeyExpired). */
function watchedKeyExpired(c: Client): boolean {
  for (const { db, entry } of c.watched) {
    if (!entry.expired && db.isStoredButExpired(entry.key)) return true;
  }
  return false;
}

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

/** Commands that run at once even inside MULTI (everything else is queued). */
const RUN_INSIDE_MULTI = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

/** Whether the dispatcher should queue `cmd` for `c` instead of running it. */
export function shouldQueue(c: Client, cmd: Command): boolean {
  return c.multi !== null && !RUN_INSIDE_MULTI.has(cmd.fullName);
}

clientHooks.multiQueued = (c) => (c.multi === null ? -1 : c.multi.commands.length);
clientHooks.multiMemory = (c) => (c.multi === null ? 0 : c.multi.argvBytes + c.multi.commands.length * 24);
clientHooks.dirtyCas = (c) => c.casDirty;
/** Drops the transaction and the watched keys (DISCARD, RESET, a refused EXEC). */
export function discardTransaction(c: Client): void {
  c.multi = null;
  unwatchAll(c);
  c.casDirty = false;
}

clientHooks.reset.push(discardTransaction);

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
function execCommand(c: Client): void {
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
    name: 'watch',
    summary: 'Watches keys: a later EXEC fails if any of them changes first.',
    since: '2.2.0',
    group: 'transactions',
    complexity: 'O(1) for every key.',
    arity: -2,
    flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
    acl: ['transaction'],
    keys: [keyAt(1, ['RO'], -1)],
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
