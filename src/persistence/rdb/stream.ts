import { Consumer, ConsumerGroup, ENTRIES_READ_INVALID, NACK, StreamValue, U64_MAX } from '../../engine/types/stream.js';
import type { RdbWriter, RdbSaveOptions } from './writer.js';
import { ListpackBuilder, RdbType, listpackEntries } from './encodings.js';
import type { RdbReader } from './reader.js';

/**
 * Streams in Redis 7.0's RDB_TYPE_STREAM_LISTPACKS_2 (and reading the 5/6 RDB_TYPE_STREAM_LISTPACKS):
 * the nodes (rax key = master ID as 16 big-endian bytes, then the node's listpack), length, last
 * ID, first ID, max deleted ID, entries added, then the consumer groups with their PELs and
 * consumers. A node's listpack is t_stream.c's layout: the master entry (count, deleted, field
 * count, fields, 0), then per entry flags, ms-diff, seq-diff, [field count, fields], values and
 * lp-count, with SAMEFIELDS when the entry's fields are the master's.
 */

const FLAG_DELETED = 1;
const FLAG_SAMEFIELDS = 2;

/** A stream ID as a rax key / PEL key: ms and seq, 8 bytes big-endian each. */
function idBytes(id: bigint): Buffer {
  const b = Buffer.allocUnsafe(16);
  b.writeBigUInt64BE(id >> 64n, 0);
  b.writeBigUInt64BE(id & U64_MAX, 8);
  return b;
}

function writeLenBig(w: RdbWriter, v: bigint): void {
  if (v <= BigInt(Number.MAX_SAFE_INTEGER)) return w.length_(Number(v));
  w.byte(0x81);
  const b = Buffer.allocUnsafe(8);
  b.writeBigUInt64BE(BigInt.asUintN(64, v));
  w.raw(b);
}

function writeId(w: RdbWriter, id: bigint): void {
  writeLenBig(w, id >> 64n);
  writeLenBig(w, id & U64_MAX);
}

/** Appends a stream's RDB_TYPE_STREAM_LISTPACKS_2 body (rdbSaveObject's stream branch). */
export function writeStream(w: RdbWriter, s: StreamValue, opts: RdbSaveOptions): void {
  const nodes: Array<[Buffer, Buffer]> = [];
  s.forEachRdbNode((node) => {
    const lp = new ListpackBuilder();
    const master = node.masterFields;
    lp.appendInteger(node.live);
    lp.appendInteger(node.deleted);
    lp.appendInteger(master.length);
    for (const f of master) lp.append(f);
    lp.appendInteger(0);
    const masterMs = node.masterId >> 64n;
    const masterSeq = node.masterId & U64_MAX;
    for (const e of node.entries) {
      const pairs = e.fields.length / 2;
      let same = pairs === master.length;
      for (let i = 0; same && i < pairs; i++) same = e.fields[2 * i] === master[i];
      lp.appendInteger((e.deleted ? FLAG_DELETED : 0) | (same ? FLAG_SAMEFIELDS : 0));
      lp.appendInteger(BigInt.asIntN(64, (e.id >> 64n) - masterMs));
      lp.appendInteger(BigInt.asIntN(64, (e.id & U64_MAX) - masterSeq));
      if (same) {
        for (let i = 1; i < e.fields.length; i += 2) lp.append(e.fields[i]);
      } else {
        lp.appendInteger(pairs);
        for (const f of e.fields) lp.append(f);
      }
      lp.appendInteger(same ? pairs + 3 : 2 * pairs + 4);
    }
    nodes.push([idBytes(node.masterId), lp.finish()]);
  });
  w.length_(nodes.length);
  for (const [key, lp] of nodes) {
    w.string(key, opts.compression);
    w.string(lp, opts.compression);
  }
  w.length_(s.length);
  writeId(w, s.lastId);
  writeId(w, s.firstId());
  writeId(w, s.maxDeletedId);
  w.length_(s.entriesAdded);
  const groups = [...s.groups.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  w.length_(groups.length);
  for (const g of groups) {
    w.string(g.name, opts.compression);
    writeId(w, g.lastId);
    writeLenBig(w, BigInt.asUintN(64, BigInt(g.entriesRead)));
    w.length_(g.pel.size);
    g.pel.forEachFrom(0n, (id) => {
      const nack = g.nacks.get(id)!;
      w.raw(idBytes(id));
      w.int64LE(nack.deliveryTime);
      w.length_(nack.deliveryCount);
    });
    const consumers = g.sortedConsumers();
    w.length_(consumers.length);
    for (const c of consumers) {
      w.string(c.name, opts.compression);
      w.int64LE(c.seenTime);
      w.length_(c.pel.size);
      c.pel.forEachFrom(0n, (id) => w.raw(idBytes(id)));
    }
  }
}

/** Where stream entries go: the node limits in force (stream-node-max-bytes / -entries). */
export interface StreamLoadLimits {
  streamNodeMaxBytes: number;
  streamNodeMaxEntries: number;
}

function readLenBig(r: RdbReader): bigint {
  const at = r.pos;
  const b = r.byte();
  if (b === 0x81) {
    if (r.pos + 8 > r.end) r.fail('unexpected end of data reading a 64-bit length');
    const v = r.buf.readBigUInt64BE(r.pos);
    r.pos += 8;
    return v;
  }
  r.pos = at;
  return BigInt(r.length());
}

function readId(r: RdbReader): bigint {
  const ms = readLenBig(r);
  const seq = readLenBig(r);
  return (ms << 64n) | seq;
}

function rawId(r: RdbReader): bigint {
  if (r.pos + 16 > r.end) r.fail('unexpected end of data reading a stream ID');
  const id = (r.buf.readBigUInt64BE(r.pos) << 64n) | r.buf.readBigUInt64BE(r.pos + 8);
  r.pos += 16;
  return id;
}

/** Reads an RDB_TYPE_STREAM_LISTPACKS(_2) body into a stream (live entries appended in order). */
export function readStream(r: RdbReader, type: number, limits: StreamLoadLimits): StreamValue {
  const s = new StreamValue();
  const nodeCount = r.length();
  let previous = -1n;
  for (let n = 0; n < nodeCount; n++) {
    const keyAt = r.pos;
    const key = r.blob();
    if (key.length !== 16) r.fail('stream node key is not a 16-byte ID', keyAt);
    const master = (key.readBigUInt64BE(0) << 64n) | key.readBigUInt64BE(8);
    const masterMs = master >> 64n;
    const masterSeq = master & U64_MAX;
    const lpAt = r.pos;
    const items = listpackEntries(r.blob(), lpAt);
    if (items.length === 0) r.fail('empty stream node', lpAt);
    let i = 0;
    const next = (): string => {
      if (i >= items.length) r.fail('truncated stream node', lpAt);
      return items[i++];
    };
    const int = (): bigint => {
      const v = next();
      if (!/^-?\d+$/.test(v)) r.fail('stream node integer expected', lpAt);
      return BigInt(v);
    };
    int(); // live count
    int(); // deleted count
    const masterFieldCount = Number(int());
    const masterFields: string[] = [];
    for (let f = 0; f < masterFieldCount; f++) masterFields.push(next());
    if (int() !== 0n) r.fail('stream master entry not terminated', lpAt);
    while (i < items.length) {
      const flags = Number(int());
      const ms = BigInt.asUintN(64, masterMs + int());
      const seq = BigInt.asUintN(64, masterSeq + int());
      const id = (ms << 64n) | seq;
      const argv: string[] = [];
      if ((flags & FLAG_SAMEFIELDS) !== 0) {
        for (const f of masterFields) argv.push(f, next());
      } else {
        const pairs = Number(int());
        for (let f = 0; f < 2 * pairs; f++) argv.push(next());
      }
      int(); // lp-count
      if ((flags & FLAG_DELETED) !== 0) continue;
      if (id <= previous) r.fail('stream entries out of order', lpAt);
      previous = id;
      s.append(id, argv, 0, limits.streamNodeMaxBytes, limits.streamNodeMaxEntries);
    }
  }
  const lengthAt = r.pos;
  const length = r.length();
  if (length !== s.length) r.fail('stream length does not match its entries', lengthAt);
  s.lastId = readId(r);
  if (type === RdbType.STREAM_LISTPACKS_2) {
    const first = readId(r);
    s.maxDeletedId = readId(r);
    s.entriesAdded = Number(readLenBig(r));
    s.setRecordedFirstId(s.length === 0 ? 0n : first);
  } else {
    // Redis 5/6 files carry neither: 7.0 takes the entries as all there ever were.
    s.entriesAdded = s.length;
    s.maxDeletedId = 0n;
  }
  const groupCount = r.length();
  for (let g = 0; g < groupCount; g++) {
    const name = r.string();
    const lastId = readId(r);
    let entriesRead = ENTRIES_READ_INVALID;
    if (type === RdbType.STREAM_LISTPACKS_2) entriesRead = Number(BigInt.asIntN(64, readLenBig(r)));
    else entriesRead = s.estimateDistance(lastId);
    if (s.groups.has(name)) r.fail('duplicate stream consumer group', r.pos);
    const group = new ConsumerGroup(name, lastId, entriesRead);
    s.groups.set(name, group);
    const pelSize = r.length();
    for (let p = 0; p < pelSize; p++) {
      const id = rawId(r);
      const deliveryTime = Number(r.int64LE());
      const deliveryCount = r.length();
      if (!group.pel.insert(id)) r.fail('duplicate stream PEL entry', r.pos);
      group.nacks.set(id, new NACK(null, deliveryTime, deliveryCount));
    }
    const consumerCount = r.length();
    for (let c = 0; c < consumerCount; c++) {
      const cname = r.string();
      const seen = Number(r.int64LE());
      const consumer = new Consumer(cname, seen);
      if (group.consumers.has(cname)) r.fail('duplicate stream consumer', r.pos);
      group.consumers.set(cname, consumer);
      const owned = r.length();
      for (let p = 0; p < owned; p++) {
        const at = r.pos;
        const id = rawId(r);
        const nack = group.nacks.get(id);
        if (nack === undefined) r.fail('consumer PEL entry missing from the group PEL', at);
        nack.consumer = consumer;
        consumer.pel.insert(id);
      }
    }
  }
  return s;
}
