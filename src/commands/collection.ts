import type { Client } from '../server/client.js';

/** What HDEL/SREM/ZREM need of a collection. */
interface Removable {
  readonly size: number;
  delete(member: string): boolean;
}

/**
 * HDEL / SREM / ZREM: removes argv[2..] from `coll` (the collection at `key`, or undefined when
 * absent), deletes the key once it is empty, and replies with the number removed.
 */
export function removeMembers(c: Client, key: string, coll: Removable | undefined, argv: readonly string[]): void {
  if (coll === undefined) return c.reply.int(0);
  let removed = 0;
  for (let i = 2; i < argv.length; i++) {
    if (!coll.delete(argv[i])) continue;
    removed++;
    if (coll.size === 0) {
      c.db.delete(key);
      break;
    }
  }
  c.server.dirty += removed;
  if (removed > 0) c.db.touch(key);
  c.reply.int(removed);
}
