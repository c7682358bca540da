import type { Client } from '../server/client.js';
import { CommandError, Errors } from '../protocol/errors.js';
import { parseInteger } from '../util/number.js';
import { isOption } from './args.js';
import { notify, keyWritten, EVENT } from '../server/notify.js';

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
  for (let i = 2; i < argv.length && coll.size > 0; i++) if (coll.delete(argv[i])) removed++;
  if (removed > 0) afterRemoval(c, key, coll.size, type, event, removed);
  c.reply.int(removed);
}

/**
 * After elements were taken out of the collection at `key`: the write epilogue with the command's
 * event (`changes` added to dirty), then, once the collection is empty, the key's deletion with its
 * `del` event.
 */
export function afterRemoval(c: Client, key: string, remaining: number, type: number, event: string, changes = 0): void {
  keyWritten(c, type, event, key, changes);
  if (remaining === 0) {
    c.db.delete(key);
    notify(c, EVENT.generic, 'del', key);
  }
}

/** getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX)'s message. */
const COUNT_OUT_OF_RANGE = 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807';
const LONG_MIN = -9223372036854775808n;
/** LONG_MAX / 2: a count that also returns values is doubled. */
const HALF_LONG_MAX = 4611686018427387903n;

/**
 * The count of SRANDMEMBER / HRANDFIELD / ZRANDMEMBER (argv[2]), and whether `withOption`
 * (WITHVALUES / WITHSCORES) follows it, with Redis's errors in Redis's order. Without `withOption`
 * the caller has already refused extra arguments.
 */
export function randomCountArgs(argv: readonly string[], withOption?: string): { count: number; withExtra: boolean } {
  const l = parseInteger(argv[2]);
  if (l === null) throw new CommandError(Errors.notInteger);
  if (l === LONG_MIN) throw new CommandError(COUNT_OUT_OF_RANGE);
  let withExtra = false;
  if (withOption !== undefined) {
    if (argv.length > 4 || (argv.length === 4 && !isOption(argv[3], withOption))) throw new CommandError(Errors.syntax);
    if (argv.length === 4) {
      withExtra = true;
      if (l < -HALF_LONG_MAX || l > HALF_LONG_MAX) throw new CommandError('ERR value is out of range');
    }
  }
  return { count: Number(l), withExtra };
}
