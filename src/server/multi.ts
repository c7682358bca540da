import type { Client } from './client.js';
import type { Command } from './command-table.js';
import type { WatchEntry } from '../engine/keyspace.js';

/**
 * Transactions' state (multi.c): the commands a client queues between MULTI and EXEC, and the keys
 * it WATCHes. The command path queues instead of running while `c.multi` is set (commands flagged
 * `not_queued` excepted); EXEC hands the queue back to the command path (src/commands/transaction.ts).
 *
 * WATCH registers the client on the key in its database (Keyspace.watchers); every change the
 * keyspace makes (set, delete, expiry, TTL, flush, swap) and every modified-key signal of the write
 * epilogue marks the watchers `casDirty`, and EXEC then answers null.
 */
export class MultiState {
  readonly commands: Command[] = [];
  readonly argvs: string[][] = [];
  /** Argument bytes queued. */
  argvBytes = 0;
  /** Arguments queued (Redis counts a pointer for each in multi-mem). */
  argCount = 0;
  /** A command was rejected while queuing: EXEC must abort. */
  aborted = false;
  /**
   * Whether any queued command is a write / may replicate / deny-oom (Redis's mstate.cmd_flags):
   * EXEC's own gates (OOM, CLIENT PAUSE WRITE) judge the transaction by what it holds.
   */
  hasWrite = false;
  hasMayReplicate = false;
  hasDenyOom = false;

  queue(cmd: Command, argv: string[]): void {
    this.commands.push(cmd);
    this.argvs.push(argv);
    for (const a of argv) this.argvBytes += a.length;
    this.argCount += argv.length;
    if (cmd.isWrite) this.hasWrite = true;
    if (cmd.mayReplicate) this.hasMayReplicate = true;
    if (cmd.denyOom) this.hasDenyOom = true;
  }

  /** CLIENT LIST multi-mem (mstate.argv_len_sums): queued argument bytes plus a pointer per argument. */
  get memory(): number {
    return this.argvBytes + this.argCount * 8;
  }
}

/** Starts watching `key` in the client's database (watchForKey). */
export function watchKey(c: Client, key: string): void {
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
export function watchedKeyExpired(c: Client): boolean {
  for (const { db, entry } of c.watched) {
    if (!entry.expired && db.isStoredButExpired(entry.key)) return true;
  }
  return false;
}

/** Drops the transaction and the watched keys (DISCARD, RESET, a refused EXEC, a disconnect). */
export function discardTransaction(c: Client): void {
  c.multi = null;
  unwatchAll(c);
  c.casDirty = false;
}
