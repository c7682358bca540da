/**
 * Helpers for replication tests against real redis-server: a dataset of every type and encoding,
 * a fingerprint of everything observable about a dataset, and waits on INFO replication.
 */
import { RawConnection, parseReply, type Reply } from './differential.js';

export async function cmd(c: RawConnection, ...argv: Array<string | number>): Promise<Reply> {
  return parseReply(await c.command(argv.map(String), 10_000));
}

export function text(r: Reply): unknown {
  if (r.items !== null) return r.items.map(text);
  return r.text;
}

// INFO as a map, polling, and waiting for a replica to catch up: shared with the master side's tests.
export { info, until as waitFor, caughtUp as waitInSync } from './replication.js';

/** Commands that build every type on both sides of its encoding boundaries, in several databases. */
export function populate(): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [];
  const long = 'x'.repeat(100);
  out.push(['SELECT', 0]);
  out.push(['SET', 'str:int', 12345], ['SET', 'str:neg', -7], ['SET', 'str:big', '123456789012345'], ['SET', 'str:text', 'hello']);
  out.push(['SET', 'str:long', long], ['SET', 'str:bin', '\x00\x01\xff\r\n'], ['SET', 'str:ttl', 'v', 'PXAT', 4102444800123]);
  out.push(['RPUSH', 'list:small', 'a', 'b', 1, 2]);
  out.push(['RPUSH', 'list:big', ...Array.from({ length: 300 }, (_, i) => `e${i}`)], ['RPUSH', 'list:huge-elem', 'a'.repeat(9000), 'b']);
  out.push(['SADD', 'set:int', 1, 2, 3, -100000], ['SADD', 'set:str', 'a', 'b', 'c']);
  out.push(['SADD', 'set:bigint', ...Array.from({ length: 600 }, (_, i) => i)]);
  out.push(['HSET', 'hash:small', 'f1', 'v1', 'f2', 2], ['HSET', 'hash:longval', 'f', long]);
  out.push(['HSET', 'hash:big', ...Array.from({ length: 600 }, (_, i) => [`f${i}`, `v${i}`]).flat()]);
  out.push(['ZADD', 'zset:small', 1, 'a', 2.5, 'b', -3, 'c'], ['ZADD', 'zset:long', 1, long]);
  out.push(['ZADD', 'zset:big', ...Array.from({ length: 200 }, (_, i) => [i / 3, `m${i}`]).flat()]);
  out.push(['PFADD', 'hll', 'a', 'b', 'c']);
  out.push(['SELECT', 3]);
  out.push(['XADD', 's', '1-1', 'a', 1], ['XADD', 's', '1-2', 'a', 2, 'b', 3], ['XADD', 's', '2-0', 'c', 'x']);
  out.push(['XDEL', 's', '1-2'], ['XGROUP', 'CREATE', 's', 'g1', '0'], ['XGROUP', 'CREATE', 's', 'g2', '$']);
  out.push(['XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', 1, 'STREAMS', 's', '>']);
  out.push(['XGROUP', 'CREATECONSUMER', 's', 'g1', 'bob']);
  out.push(['SET', 'ttl3', 'v', 'PXAT', 4102444800999]);
  out.push(['SELECT', 9], ['SET', 'only-in-9', 'yes']);
  out.push(['FUNCTION', 'LOAD', "#!lua name=lib1\nredis.register_function('f1', function(keys) return redis.call('INCR', keys[1]) end)"]);
  out.push(['SELECT', 0]);
  return out;
}

/**
 * Everything observable about the dataset, database by database: type, encoding, expiry time,
 * contents (unordered types sorted), stream groups and PELs (idle times left out), functions.
 */
export async function fingerprint(c: RawConnection, encodings = true): Promise<unknown> {
  const dbs: Record<string, unknown> = {};
  for (let d = 0; d < 16; d++) {
    await cmd(c, 'SELECT', d);
    const keys = (text(await cmd(c, 'KEYS', '*')) as string[]).sort();
    if (keys.length === 0) continue;
    const entries: Record<string, unknown> = {};
    for (const k of keys) {
      const type = text(await cmd(c, 'TYPE', k));
      // A HyperLogLog PFADD grew is `raw` on the master; loaded from an RDB it is `embstr` when short
      // (rdbLoad's createStringObject), on a Redis replica as on Cinder.
      const encoding = encodings && k !== 'hll' ? text(await cmd(c, 'OBJECT', 'ENCODING', k)) : null;
      const expire = text(await cmd(c, 'PEXPIRETIME', k));
      let value: unknown;
      if (type === 'string') value = text(await cmd(c, 'GET', k));
      else if (type === 'list') value = text(await cmd(c, 'LRANGE', k, 0, -1));
      else if (type === 'set') value = (text(await cmd(c, 'SMEMBERS', k)) as string[]).sort();
      else if (type === 'hash') value = pairsSorted(text(await cmd(c, 'HGETALL', k)) as string[]);
      else if (type === 'zset') value = text(await cmd(c, 'ZRANGE', k, 0, -1, 'WITHSCORES'));
      else if (type === 'stream') {
        const groups = (text(await cmd(c, 'XINFO', 'GROUPS', k)) as string[][]).map((g) => g.filter((_, i) => i < 12));
        const pending = [];
        for (const g of groups) pending.push(text(await cmd(c, 'XPENDING', k, g[1], '-', '+', 1000)));
        const consumers = [];
        for (const g of groups) consumers.push((text(await cmd(c, 'XINFO', 'CONSUMERS', k, g[1])) as string[][]).map((x) => [x[1], x[3]]));
        value = {
          entries: text(await cmd(c, 'XRANGE', k, '-', '+')),
          info: streamInfo(text(await cmd(c, 'XINFO', 'STREAM', k)) as string[]),
          groups,
          consumers,
          // XPENDING's idle times tick: only ids, consumers and delivery counts.
          pending: JSON.stringify(pending).replace(/"\d+",("\d+")\]/g, '$1]'),
        };
      } else value = `unexpected type ${String(type)}`;
      entries[k] = { type, encoding, expire, value };
    }
    dbs[d] = entries;
  }
  await cmd(c, 'SELECT', 0);
  return { dbs, functions: text(await cmd(c, 'FUNCTION', 'LIST', 'WITHCODE')) };
}

/** XINFO STREAM's fields about contents and IDs (not the radix tree's node layout). */
function streamInfo(flat: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    if (['length', 'last-generated-id', 'max-deleted-entry-id', 'entries-added', 'recorded-first-entry-id', 'groups'].includes(flat[i])) {
      out[flat[i]] = flat[i + 1];
    }
  }
  return out;
}

function pairsSorted(flat: string[]): string[][] {
  const pairs: string[][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
  return pairs.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}
