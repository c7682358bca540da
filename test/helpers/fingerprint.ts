/**
 * A dataset's fingerprint, for tests that compare datasets: between Redis and Cinder, before and
 * after a file round trip, between a master and its replica.
 */
import { RawConnection, parseReply, type Reply } from './differential.js';

/** One command's reply, parsed (numbers as their text). */
export async function cmd(c: RawConnection, ...argv: Array<string | number>): Promise<Reply> {
  return parseReply(await c.command(argv.map(String), 10_000));
}

/** A parsed reply as plain values: arrays of texts, nested as the reply is. */
export function text(r: Reply): unknown {
  if (r.items !== null) return r.items.map(text);
  return r.text;
}

/** What a fingerprint leaves out, where a comparison knows the servers differ. */
export interface FingerprintOptions {
  /** Whether OBJECT ENCODING is compared for a key (default: every key but `hll`). */
  encoding?: (key: string) => boolean;
  /** How many of XINFO GROUPS' fields are compared (default 12: all of Redis 7.0's). */
  streamGroupFields?: number;
}

/**
 * Everything observable about the dataset, database by database: type, encoding, expiry time,
 * contents (unordered types sorted), stream groups and PELs (idle times left out), functions.
 * Used to compare a dataset across servers, files and replicas.
 */
export async function fingerprint(c: RawConnection, options: FingerprintOptions = {}): Promise<unknown> {
  const withEncoding = options.encoding ?? ((k: string) => k !== 'hll');
  const groupFields = options.streamGroupFields ?? 12;
  const dbs: Record<string, unknown> = {};
  for (let d = 0; d < 16; d++) {
    await cmd(c, 'SELECT', d);
    const keys = (text(await cmd(c, 'KEYS', '*')) as string[]).sort();
    if (keys.length === 0) continue;
    const entries: Record<string, unknown> = {};
    for (const k of keys) {
      const type = text(await cmd(c, 'TYPE', k));
      // A HyperLogLog PFADD grew is `raw` on the master; loaded from an RDB it is `embstr` when short
      // (rdbLoad's createStringObject), on a Redis replica as on Cinder: `hll` is left out by default.
      const encoding = withEncoding(k) ? text(await cmd(c, 'OBJECT', 'ENCODING', k)) : null;
      const expire = text(await cmd(c, 'PEXPIRETIME', k));
      let value: unknown;
      if (type === 'string') value = text(await cmd(c, 'GET', k));
      else if (type === 'list') value = text(await cmd(c, 'LRANGE', k, 0, -1));
      else if (type === 'set') value = (text(await cmd(c, 'SMEMBERS', k)) as string[]).sort();
      else if (type === 'hash') value = pairsSorted(text(await cmd(c, 'HGETALL', k)) as string[]);
      else if (type === 'zset') value = text(await cmd(c, 'ZRANGE', k, 0, -1, 'WITHSCORES'));
      else if (type === 'stream') {
        const groups = (text(await cmd(c, 'XINFO', 'GROUPS', k)) as string[][]).map((g) => g.filter((_, i) => i < groupFields));
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
