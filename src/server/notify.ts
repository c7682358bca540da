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
  const flags = server.notifyFlags;
  if ((flags & type) === 0) return;
  if (flags & NOTIFY.K) publish(server, `__keyspace@${dbIndex}__:${key}`, event);
  if (flags & NOTIFY.E) publish(server, `__keyevent@${dbIndex}__:${event}`, key);
}

/** A command's event on a key of the client's selected database. */
export function notify(c: Client, type: number, event: string, key: string): void {
  if ((c.server.notifyFlags & type) !== 0) notifyKeyspaceEvent(c.server, type, event, key, c.dbIndex);
}

/** Applies notify-keyspace-events: the flags and the keyspace hooks that depend on them. */
export function applyNotifyConfig(server: Server): void {
  const flags = keyspaceEventsFlags(server.config.notifyKeyspaceEvents);
  server.notifyFlags = flags < 0 ? 0 : flags;
  for (const db of server.dbs) installHooks(server, db);
}

function installHooks(server: Server, db: Keyspace): void {
  const flags = server.notifyFlags;
  db.onNewKey = flags & NOTIFY.n ? (d, key) => notifyKeyspaceEvent(server, NOTIFY.n, 'new', key, d.id) : null;
  db.onMiss = flags & NOTIFY.m ? (d, key) => notifyKeyspaceEvent(server, NOTIFY.m, 'keymiss', key, d.id) : null;
}
