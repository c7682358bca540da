import type { Client } from './client.js';
import type { Server } from './server.js';
import type { Keyspace } from '../engine/keyspace.js';
import { NOTIFY, keyspaceEventsFlags } from './config.js';
import { publish } from './pubsub.js';

/**
 * Keyspace notifications (notify.c): commands report what they did to a key with
 * `notify(c, CLASS, event, key)`; when notify-keyspace-events enables the class, the event is
 * published on `__keyspace@<db>__:<key>` (message: the event) and/or `__keyevent@<db>__:<event>`
 * (message: the key). Disabled classes cost one bit test. `new`, `expired` and `keymiss` come
 * from keyspace hooks, installed only while their class is enabled.
 */
export const EVENT = {
  generic: NOTIFY.g,
  string: NOTIFY.$,
  list: NOTIFY.l,
  set: NOTIFY.s,
  hash: NOTIFY.h,
  zset: NOTIFY.z,
  expired: NOTIFY.x,
  evicted: NOTIFY.e,
  stream: NOTIFY.t,
  keyMiss: NOTIFY.m,
  newKey: NOTIFY.n,
} as const;

/** Publishes one keyspace event for `key` in database `dbIndex` if its class is enabled. */
export function notifyKeyspaceEvent(server: Server, type: number, event: string, key: string, dbIndex: number): void {
  const flags = server.notifications.flags;
  if ((flags & type) === 0) return;
  if (flags & NOTIFY.K) publish(server, `__keyspace@${dbIndex}__:${key}`, event);
  if (flags & NOTIFY.E) publish(server, `__keyevent@${dbIndex}__:${event}`, key);
}

/**
 * The write epilogue every handler ends a change with (Redis's signalModifiedKey +
 * notifyKeyspaceEvent + server.dirty++): `key` of the client's database changed.
 * - Clients WATCHing the key see their transaction fail (and, later, client-side caching
 *   invalidates it).
 * - The keyspace event `event` of class `type` is published when notify-keyspace-events enables it.
 * - `changes` is added to the dirty counter (rdb_changes_since_last_save); a command that moved it
 *   is propagated to replicas and the AOF by the command path. A second event for the same change
 *   (SET's `expire` after `set`) passes 0.
 * - The key's estimated size is re-measured (memory accounting: the value may have changed in place).
 */
export function keyWritten(c: Client, type: number, event: string, key: string, changes = 1): void {
  const db = c.db;
  db.touch(key);
  db.remeasure(key);
  const server = c.server;
  if ((server.notifications.flags & type) !== 0) notifyKeyspaceEvent(server, type, event, key, c.dbIndex);
  server.dirty += changes;
}

/** keyWritten for a key of database `db`, which need not be the client's (MOVE's, COPY's destination). */
export function keyWrittenIn(c: Client, db: Keyspace, type: number, event: string, key: string, changes = 1): void {
  if (db === c.db) return keyWritten(c, type, event, key, changes);
  db.touch(key);
  db.remeasure(key);
  const server = c.server;
  if ((server.notifications.flags & type) !== 0) notifyKeyspaceEvent(server, type, event, key, db.id);
  server.dirty += changes;
}

/**
 * The epilogue of a change to a key's state that Redis does not signal to WATCH (a stream's
 * consumer groups: XGROUP, XSETID, XCLAIM...): the keyspace event and the dirty counter.
 */
export function keyStateChanged(c: Client, type: number, event: string, key: string, changes = 1): void {
  c.db.remeasure(key);
  const server = c.server;
  if ((server.notifications.flags & type) !== 0) notifyKeyspaceEvent(server, type, event, key, c.dbIndex);
  server.dirty += changes;
}

/**
 * A change with no key to signal or event to publish (function libraries, flushed or swapped
 * databases, acknowledged stream entries): the dirty counter alone, which makes it propagate.
 */
export function datasetChanged(c: Client, changes = 1): void {
  c.server.dirty += changes;
}

/** A keyspace event alone, for what changed nothing (a read's `keymiss` is the keyspace's own). */
export function notify(c: Client, type: number, event: string, key: string): void {
  if ((c.server.notifications.flags & type) !== 0) notifyKeyspaceEvent(c.server, type, event, key, c.dbIndex);
}

/**
 * The server's keyspace notification settings (a Server field): notify-keyspace-events as bits,
 * and the keyspace hooks for the classes the keyspace raises itself (`new`, `keymiss`), installed
 * only while enabled.
 */
export class KeyspaceNotifications {
  /** Enabled classes and channels (NOTIFY bits); 0 when off, so a command's event costs one test. */
  flags = 0;

  constructor(private readonly server: Server) {}

  /** Applies notify-keyspace-events (at startup and on CONFIG SET). */
  configure(): void {
    const server = this.server;
    const flags = keyspaceEventsFlags(server.config.notifyKeyspaceEvents);
    this.flags = flags < 0 ? 0 : flags;
    for (const db of server.dbs) this.installHooks(db);
  }

  private installHooks(db: Keyspace): void {
    const server = this.server;
    const flags = this.flags;
    db.onNewKey = flags & NOTIFY.n ? (d, key) => notifyKeyspaceEvent(server, NOTIFY.n, 'new', key, d.id) : null;
    db.onMiss = flags & NOTIFY.m ? (d, key) => notifyKeyspaceEvent(server, NOTIFY.m, 'keymiss', key, d.id) : null;
  }
}
