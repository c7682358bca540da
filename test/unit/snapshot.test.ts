/**
 * BGSAVE's point-in-time snapshot (src/persistence/snapshot.ts): a file written in slices while
 * the dataset changes hard between slices holds exactly the dataset as it was when it started.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open } from '../../src/embedded/index.js';
import { RdbSnapshot, type SnapshotOptions } from '../../src/persistence/snapshot.js';
import { readRdbFile } from '../../src/persistence/rdb/file.js';
import { createDumpPayload } from '../../src/persistence/rdb/writer.js';
import type { Server } from '../../src/server/server.js';

const OPTS: SnapshotOptions = { compression: true, checksum: true, listFill: -2, access: 'none' };

/** Every record of a file: "db/key" → the value's DUMP bytes (hex) and its expiry. */
function records(file: Buffer, server: Server): Map<string, string> {
  const out = new Map<string, string>();
  readRdbFile(file, server.persistence.loadLimits(), {
    key(db, key, value, expire) {
      const id = `${db}/${key}`;
      assert.ok(!out.has(id), `duplicated record ${id}`);
      out.set(id, `${createDumpPayload(value, OPTS).toString('hex')} ${String(expire)}`);
    },
  });
  return out;
}

function snapshotOf(server: Server, slices: (step: () => boolean) => void): Buffer {
  const chunks: Buffer[] = [];
  const s = new RdbSnapshot(server.dbs, OPTS, (c) => chunks.push(Buffer.from(c)), [['redis-ver', '7.0.15']], []);
  slices(() => s.step(Infinity, 7));
  assert.equal(s.finished, true);
  return Buffer.concat(chunks);
}

/** A small deterministic PRNG (mulberry32), so a failure replays. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

for (const seed of [1, 2, 3, 4]) {
  test(`a snapshot taken in slices equals the dataset when it started, whatever is written meanwhile (seed ${seed})`, () => {
    const db = open({ config: { databases: 4 } });
    const random = rng(seed);
    const N = 3000;
    for (let d = 0; d < 3; d++) {
      db.callSync('SELECT', d);
      for (let i = 0; i < N; i++) {
        const k = `k${i}`;
        switch (i % 6) {
          // Every other string is long enough for a slab chunk (src/engine/slab.ts), whose space a
          // write may reuse at once: the snapshot must have saved it first.
          case 0: db.callSync('SET', k, i % 12 === 0 ? `v${i}`.padEnd(256 + (i % 800), '.') : `v${i}`); break;
          case 1: db.callSync('RPUSH', k, 'a', 'b', String(i)); break;
          case 2: db.callSync('HSET', k, 'f', String(i), 'g', 'x'); break;
          case 3: db.callSync('SADD', k, 'm1', String(i)); break;
          case 4: db.callSync('ZADD', k, i, 'a', 1, 'b'); break;
          default: db.callSync('SET', k, String(i), 'PX', 1_000_000 + i);
        }
      }
    }
    const before = records(snapshotOf(db.server, (step) => { while (!step()); }), db.server);
    assert.equal(before.size, 3 * N);
    // Wrong-type and missing-key errors are part of writing at random.
    const tryCall = (...argv: Array<string | number>): void => {
      try {
        db.callSync(String(argv[0]), ...argv.slice(1));
      } catch {
        // an error reply
      }
    };
    const file = snapshotOf(db.server, (step) => {
      let fresh = 0;
      do {
        // Hard writes between slices, all over the keyspace: in place, replaced, deleted, new, TTLs.
        for (let w = 0; w < 20; w++) {
          const d = Math.floor(random() * 4);
          db.callSync('SELECT', d);
          const k = `k${Math.floor(random() * N)}`;
          const r = random();
          if (r < 0.1) tryCall('DEL', k);
          else if (r < 0.2) tryCall('SET', k, r < 0.15 ? 'overwritten' : 'overwritten'.padEnd(256 + Math.floor(random() * 800), '!'));
          else if (r < 0.3) tryCall('APPEND', k, 'more');
          else if (r < 0.4) tryCall('RPUSH', `list-${k}`, 'x');
          else if (r < 0.45) tryCall('EXPIRE', k, 100);
          else if (r < 0.5) tryCall('PERSIST', k);
          else if (r < 0.55) tryCall('RENAME', k, `renamed${fresh++}`);
          else if (r < 0.6) tryCall('SET', `new${fresh++}`, 'n');
          else if (r < 0.65) tryCall('MOVE', k, (d + 1) % 4);
          else if (r < 0.67) tryCall('SWAPDB', d, (d + 2) % 4);
          else if (r < 0.68) tryCall('FLUSHDB');
          else if (r < 0.75) tryCall('HSET', k, 'f', 'changed');
          else if (r < 0.8) tryCall('LPOP', k);
          else if (r < 0.85) tryCall('ZINCRBY', k, 5, 'a');
          else if (r < 0.9) tryCall('SREM', k, 'm1');
          else tryCall('GET', k);
        }
      } while (!step());
    });
    const after = records(file, db.server);
    const extra = [...after.keys()].filter((k) => !before.has(k));
    assert.deepEqual(extra.slice(0, 10), []);
    assert.equal(after.size, before.size);
    assert.deepEqual(after, before);
    // Observers are gone once the walk ends: the next snapshot can start.
    for (const ks of db.server.dbs) assert.equal(ks.snapshot, null);
    db.close();
  });
}
