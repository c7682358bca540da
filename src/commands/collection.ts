import type { Client } from '../server/client.js';
import { notify, EVENT } from '../server/notify.js';

/** What HDEL/SREM/ZREM need of a collection. */
interface Removable {
  readonly size: number;
  delete(member: string): boolean;
}

/**
 * HDEL / SREM / ZREM: removes argv[2..] from `coll` (the collection at `key`, or undefined when
 * absent), deletes the key once it is empty, notifies `event` (of class `type`, then `del`), and
 * replies with the number removed.
 */
export function removeMembers(c: Client, key: string, coll: Removable | undefined, argv: readonly string[], type: number, event: string): void {
  if (coll === undefined) return c.reply.int(0);
  let removed = 0;
  let keyRemoved = false;
  for (let i = 2; i < argv.length; i++) {
    if (!coll.delete(argv[i])) continue;
    removed++;
    if (coll.size === 0) {
      c.db.delete(key);
      keyRemoved = true;
      break;
    }
  }
  c.server.dirty += removed;
  if (removed > 0) {
    c.db.touch(key);
    notify(c, type, event, key);
    if (keyRemoved) notify(c, EVENT.generic, 'del', key);
  }
  c.reply.int(removed);
}
