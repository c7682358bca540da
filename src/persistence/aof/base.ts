import { ByteString, isString, type Value } from '../../engine/values.js';
import type { ListValue } from '../../engine/types/list.js';
import type { SetValue } from '../../engine/types/set.js';
import type { HashValue } from '../../engine/types/hash.js';
import type { ZSetValue } from '../../engine/types/zset.js';
import { formatId, type StreamValue } from '../../engine/types/stream.js';
import { formatDouble17g } from '../../util/number.js';
import type { AccessRecord } from '../rdb/file.js';
import type { AheadRecords, SnapshotRecordWriter } from '../snapshot.js';
import { AofBuffer } from './commands.js';

/**
 * An AOF base written as commands (aof-use-rdb-preamble no), as Redis 7.0's
 * rewriteAppendOnlyFileRio writes it: `#TS:` with aof-timestamp-enabled, FUNCTION LOAD per
 * library, then per non-empty database SELECT and per key the commands that rebuild it (SET;
 * RPUSH / SADD / ZADD / HMSET with at most AOF_REWRITE_ITEMS_PER_CMD items each; a stream's XADDs,
 * XSETID, XGROUP CREATE, XCLAIM per pending entry, XGROUP CREATECONSUMER for consumers with none)
 * and PEXPIREAT for its TTL. It is the record writer a snapshot (src/persistence/snapshot.ts)
 * walks the keyspace with, so the base is point-in-time while clients write.
 */

/** AOF_REWRITE_ITEMS_PER_CMD: elements per RPUSH / SADD / ZADD / HMSET. */
export const AOF_REWRITE_ITEMS_PER_CMD = 64;

/** Bytes buffered before a chunk goes to the sink. */
const CHUNK_BYTES = 1 << 20;

/** Appends the commands that rebuild `key` (its value, then its TTL; `expire` -1: none). */
export function writeKeyCommands(out: AofBuffer, key: string, value: Value, expire: number | bigint): void {
  if (isString(value)) {
    out.command(['SET', key, value instanceof ByteString ? value.toString() : String(value)]);
  } else {
    switch (value.type) {
      case 'list': {
        const list = value as ListValue;
        const items: string[] = [];
        list.forEachRange(0, list.length - 1, (v) => items.push(v));
        batched(out, 'RPUSH', key, items, 1);
        break;
      }
      case 'set': {
        const items: string[] = [];
        (value as SetValue).forEach((m) => {
          items.push(m);
        });
        batched(out, 'SADD', key, items, 1);
        break;
      }
      case 'zset': {
        const zset = value as ZSetValue;
        const items: string[] = [];
        // A listpack holds -0 as 0 (d2string); a skiplist keeps the double. Listpack order is
        // Redis's (by score); a skiplist zset Redis writes in its dict's order.
        const listpack = zset.encoding() === 'listpack';
        zset.forEachInRange(0, zset.size - 1, false, (m, s) => {
          items.push(s === 0 && listpack ? '0' : formatDouble17g(s), m);
        });
        batched(out, 'ZADD', key, items, 2);
        break;
      }
      case 'hash': {
        const items: string[] = [];
        (value as HashValue).forEach((f, v) => {
          items.push(f, v);
        });
        batched(out, 'HMSET', key, items, 2);
        break;
      }
      case 'stream':
        streamCommands(out, key, value as StreamValue);
        break;
    }
  }
  if (expire !== -1) out.command(['PEXPIREAT', key, String(expire)]);
}

/** Commands of `per` items each (ZADD: score and member), AOF_REWRITE_ITEMS_PER_CMD items at most. */
function batched(out: AofBuffer, name: string, key: string, items: readonly string[], per: number): void {
  const step = AOF_REWRITE_ITEMS_PER_CMD * per;
  for (let i = 0; i < items.length; i += step) {
    const argv = [name, key];
    const end = Math.min(items.length, i + step);
    for (let j = i; j < end; j++) argv.push(items[j]);
    out.command(argv);
  }
}

/** rewriteStreamObject: entries, the IDs and counters, groups, their PELs and consumers. */
function streamCommands(out: AofBuffer, key: string, s: StreamValue): void {
  if (s.length > 0) {
    // Node order is Redis's iteration order (it differs from ID order after some XSETIDs).
    s.forEachRdbNode((node) => {
      for (const e of node.entries) {
        if (!e.deleted) out.command(['XADD', key, formatId(e.id), ...e.fields]);
      }
    });
  } else {
    // An empty stream is made by adding an entry trimmed away at once; XSETID then sets the IDs.
    out.command(['XADD', key, 'MAXLEN', '0', '0-1', 'x', 'y']);
  }
  out.command(['XSETID', key, formatId(s.lastId), 'ENTRIESADDED', String(s.entriesAdded), 'MAXDELETEDID', formatId(s.maxDeletedId)]);
  for (const g of s.sortedGroups()) {
    out.command(['XGROUP', 'CREATE', key, g.name, formatId(g.lastId), 'ENTRIESREAD', String(g.entriesRead)]);
    for (const c of g.sortedConsumers()) {
      if (c.pel.size === 0) {
        out.command(['XGROUP', 'CREATECONSUMER', key, g.name, c.name]);
        continue;
      }
      c.pel.forEachFrom(0n, (id) => {
        const nack = g.nacks.get(id)!;
        out.command(['XCLAIM', key, g.name, c.name, '0', formatId(id), 'TIME', String(nack.deliveryTime), 'RETRYCOUNT', String(nack.deliveryCount), 'JUSTID', 'FORCE']);
      });
    }
  }
}

/** A snapshot's record writer producing an AOF base of commands, in chunks handed to `sink`. */
export class AofBaseWriter implements SnapshotRecordWriter {
  private readonly out = new AofBuffer(64 * 1024);
  private flushed = 0;

  /** `timestamp`: the `#TS:` annotation's unix seconds (aof-timestamp-enabled), or null. */
  constructor(
    private readonly sink: (chunk: Buffer) => void,
    private readonly timestamp: number | null,
  ) {}

  header(): void {
    if (this.timestamp !== null) this.out.raw(`#TS:${this.timestamp}\r\n`);
  }

  functionLibrary(code: string): void {
    this.out.command(['FUNCTION', 'LOAD', code]);
  }

  selectDb(id: number): void {
    this.out.command(['SELECT', String(id)]);
  }

  key(key: string, value: Value, expire: number | bigint, _access: AccessRecord): void {
    writeKeyCommands(this.out, key, value, expire);
    if (this.out.length >= CHUNK_BYTES) this.flush();
  }

  raw(bytes: Buffer): void {
    this.flush();
    this.sink(bytes);
    this.flushed += bytes.length;
  }

  aheadRecords(): AheadRecords {
    const buf = new AofBuffer(4096);
    return {
      key: (key, value, expire) => writeKeyCommands(buf, key, value, expire),
      view: () => buf.view(),
    };
  }

  private flush(): void {
    if (this.out.length === 0) return;
    const chunk = this.out.view();
    this.sink(chunk);
    this.flushed += chunk.length;
    this.out.reset();
  }

  /** A command base has no checksum. */
  advanceChecksum(): void {}

  finish(): number {
    this.flush();
    return this.flushed;
  }
}
