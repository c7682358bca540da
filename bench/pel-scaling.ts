/**
 * PEL scaling probe (not part of `npm run bench`): a group with a huge pending entries list, then
 * XACK of its entries one by one in random order, timed. Against a running server:
 *
 *   node dist/bench/pel-scaling.js --port P [--entries 1000000] [--acks N]
 *
 * Loads `entries` entries into a fresh stream (DEL first), delivers all of them to one consumer
 * with XREADGROUP (COUNT 10000 at a time, not timed), then sends `acks` (default: all) single-ID
 * XACKs in a random order, pipelined 10,000 per batch over one connection, and prints the time per
 * XACK. With a flat sorted array each XACK moved half the PEL; with a chunked one it is O(log n).
 *
 *   node dist/bench/pel-scaling.js --structures [--entries 1000000]
 *
 * compares the data structures alone, in process: removing every ID in random order from the
 * chunked SortedIds and from a flat sorted array (the previous PEL), and Map lookups keyed by raw
 * stream IDs versus PendingMap.
 */
import { loadCommands, oneShot, ReplyError, RespConnection, encodeCommand } from './resp-client.js';
import { makeId, NACK, PendingMap, SortedIds } from '../src/engine/types/stream.js';

const KEY = 'bench:pel';

function option(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i < 0 ? def : Number(process.argv[i + 1]);
}

function shuffled(n: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i + 1;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

function timed(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return (performance.now() - t0) / 1000;
}

/** The previous PEL: one flat sorted array, spliced on every change. */
function flatRemoveAll(ids: bigint[], order: Uint32Array): void {
  for (const ms of order) {
    const id = makeId(BigInt(ms), 0n);
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ids[mid]! < id) lo = mid + 1;
      else hi = mid;
    }
    if (ids[lo] === id) ids.splice(lo, 1);
  }
}

function structures(entries: number): void {
  const order = shuffled(entries);
  const pel = new SortedIds();
  const insertSeconds = timed(() => {
    for (let i = 1; i <= entries; i++) pel.insert(makeId(BigInt(i), 0n));
  });
  const removeSeconds = timed(() => {
    for (const ms of order) pel.remove(makeId(BigInt(ms), 0n));
  });
  // The flat array is measured on at most 200,000 removals (its cost per removal is O(n)).
  const flatRemovals = Math.min(entries, 200_000);
  const flat = Array.from({ length: entries }, (_, i) => makeId(BigInt(i + 1), 0n));
  const flatSeconds = timed(() => flatRemoveAll(flat, order.subarray(0, flatRemovals)));
  const mapEntries = Math.min(entries, 20_000);
  const raw = new Map<bigint, NACK>();
  const rawSeconds = timed(() => {
    for (let i = 1; i <= mapEntries; i++) raw.set(makeId(BigInt(i), 0n), new NACK(null, 0, 1));
  });
  const mixed = new PendingMap();
  const mixedSeconds = timed(() => {
    for (let i = 1; i <= entries; i++) mixed.set(makeId(BigInt(i), 0n), new NACK(null, 0, 1));
  });
  console.log(
    JSON.stringify({
      entries,
      chunkedInsertInOrderMicros: +((insertSeconds * 1e6) / entries).toFixed(3),
      chunkedRemoveRandomSeconds: +removeSeconds.toFixed(3),
      chunkedRemoveMicros: +((removeSeconds * 1e6) / entries).toFixed(3),
      flatRemovals,
      flatRemoveMicros: +((flatSeconds * 1e6) / flatRemovals).toFixed(3),
      rawBigintMapSetEntries: mapEntries,
      rawBigintMapSetMicros: +((rawSeconds * 1e6) / mapEntries).toFixed(3),
      pendingMapSetMicros: +((mixedSeconds * 1e6) / entries).toFixed(3),
    }),
  );
}

async function main(): Promise<void> {
  if (process.argv.includes('--structures')) return structures(option('--entries', 1_000_000));
  const port = option('--port', 0);
  const entries = option('--entries', 1_000_000);
  const acks = Math.min(entries, option('--acks', entries));
  if (!port) throw new Error('--port is required');
  await oneShot(port, ['DEL', KEY]);
  // Explicit IDs 1-1 .. n-1, so the ACK order can be drawn without reading them back.
  const load = await loadCommands(port, entries, (i) => ['XADD', KEY, `${i + 1}-1`, 'f', 'v']);
  if (load.errors) throw new Error(`load: ${load.firstError}`);
  const g = await oneShot(port, ['XGROUP', 'CREATE', KEY, 'g', '0']);
  if (g instanceof ReplyError) throw new Error(g.message);
  const conn = await RespConnection.connect(port);
  try {
    const t0 = performance.now();
    let delivered = 0;
    while (delivered < entries) {
      const r = await conn.sendBatch(Buffer.from(encodeCommand(['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '10000', 'STREAMS', KEY, '>']), 'latin1'), 1);
      if (r.errors) throw new Error(`XREADGROUP: ${r.firstError}`);
      delivered += 10_000;
    }
    const deliverSeconds = (performance.now() - t0) / 1000;
    const pending = await conn.command(['XPENDING', KEY, 'g']);
    const pel = Array.isArray(pending) ? pending[0] : pending;
    // A random permutation of 1..entries, the first `acks` of it acknowledged.
    const order = shuffled(entries);
    const batch = 10_000;
    const t1 = performance.now();
    let acked = 0;
    for (let i = 0; i < acks; i += batch) {
      let s = '';
      const end = Math.min(acks, i + batch);
      for (let k = i; k < end; k++) s += encodeCommand(['XACK', KEY, 'g', `${order[k]}-1`]);
      const r = await conn.sendBatch(Buffer.from(s, 'latin1'), end - i);
      if (r.errors) throw new Error(`XACK: ${r.firstError}`);
      acked = end;
    }
    const ackSeconds = (performance.now() - t1) / 1000;
    const after = await conn.command(['XPENDING', KEY, 'g']);
    console.log(
      JSON.stringify({
        entries,
        pendingBefore: pel,
        deliverSeconds: +deliverSeconds.toFixed(3),
        acks: acked,
        ackSeconds: +ackSeconds.toFixed(3),
        microsPerAck: +((ackSeconds * 1e6) / acked).toFixed(2),
        pendingAfter: Array.isArray(after) ? after[0] : after,
      }),
    );
  } finally {
    conn.close();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
